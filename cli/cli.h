/*
 * cli.h - what the command files of the gilsim program share: the command
 * entry points and the helpers that load and simulate a scenario.
 *
 * Commands return the process exit code: 0 ok, 1 runtime failure, 2 bad
 * input (scenario or flags), 3 deadlocked run. Only commands print.
 */
#ifndef GILSIM_CLI_H
#define GILSIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "layout.h"
#include "run.h"
#include "sim.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_DEADLOCK = 3 };

/* Options every simulating command accepts: FILE, --set K=V, --seed N,
 * --until T, --max-records N, --profile P (the override profile=P: see
 * sim/profile.c). */
typedef struct CliSimOpts {
    const char *file;        /* NULL: the built-in default scenario */
    const char **sets;       /* "key=value" overrides, in order */
    int n_sets;
    SimTime until;           /* SIM_TIME_NEVER unless --until */
    uint64_t max_records;    /* trace budget of a run; 0: the machine's default */
    char seed_buf[40];       /* storage for the --seed override */
    char *profile_buf;       /* storage for the --profile override (malloc'd) */
} CliSimOpts;

/* The exit code for a failed load or run (a negative SIM_ERR_*): 1 when
 * the machine ran short (memory, the trace budget), else 2: the scenario,
 * a value or a flag is at fault, including a run that cannot go on. */
int cli_exit_for(int sim_err);

/* Tries to consume argv[*i] (and its value) as a common option. Returns
 * 1 if consumed, 0 if not a common option, -1 on a bad value (message
 * printed to stderr). */
int cli_sim_opt(CliSimOpts *o, int argc, char **argv, int *i);
void cli_sim_opts_free(CliSimOpts *o);

/* Loads (file or built-in default), applies overrides, runs to the end
 * (run_result_fini releases it). Returns 0, or a negative SIM_ERR_* with
 * err filled. */
int cli_simulate(const CliSimOpts *o, RunResult *run, SimError *err);
/* Re-runs an already loaded scenario with extra overrides (live tuning). */
int cli_simulate_with(const CliSimOpts *o, const char *const *extra, int n_extra, RunResult *run,
                      SimError *err);

/* The second run of a comparison: FILE_B with A's overrides when file_b is
 * given, else A's scenario with the --compare overrides added after A's.
 * As cli_simulate. */
int cli_simulate_second(const CliSimOpts *o, const char *file_b, const char *const *cmp,
                        int n_cmp, RunResult *run, SimError *err);

/* For commands that compare two runs: argv[*i] is FILE_B (a second operand
 * after FILE; *file_b set) or a common option (cli_sim_opt). Returns 0, or
 * -1 for a bad value or an unknown option (message printed to stderr). */
int cli_compare_operand(const char *cmd, CliSimOpts *o, const char **file_b, int argc, char **argv,
                        int *i);

/* ---- Flags several commands share ------------------------------------------
 * Each *_opt reads the value of one flag of command `cmd`; on a bad value it
 * prints "gilsim CMD: ..." to stderr and returns -1, else 0. */

/* --compare KEY=VALUE: appended to *list (realloc'd; the caller frees it). */
int cli_compare_opt(const char *cmd, const char *val, const char ***list, int *n);
/* --theme light|dark. */
int cli_theme_opt(const char *cmd, const char *val, RTheme *theme);
/* --scale S: a number from 0.25 to 8. */
int cli_scale_opt(const char *cmd, const char *val, double *scale);

/* Reads "WIDTHxHEIGHT" (or with a capital X), each a whole number from 1 to
 * CLI_SIZE_MAX. That keeps the numbers sane; what a command can draw it
 * checks afterwards: pictures 64 to 16384 pixels per side after --scale
 * (render_export_check_size), the viewer's window from 320x240 up to
 * 16384x16384. */
#define CLI_SIZE_MAX 1000000
bool cli_parse_size(const char *s, int *w, int *h);

/* A size in bytes: digits, optionally followed by K, M, G or T (powers of
 * 1000, as gilsim prints MB), with or without a B: "500M", "2GB", "4096".
 * 0, or -1 when it is not such a size or does not fit. */
int cli_parse_bytes(const char *s, uint64_t *out);

/* s ends with suffix, in any case (".PNG" is ".png"). */
bool cli_ends_with(const char *s, const char *suffix);

/* The built-in default scenario (the convoy effect), embedded in the binary. */
extern const char cli_default_scenario[];
extern const char cli_default_scenario_name[];

/* Finds a bundled scenario by name ("convoy" -> scenarios/convoy.json) if
 * `name` is not an existing path. Returns a malloc'd path or NULL. The
 * folders searched are render/datadir.h's. */
char *cli_find_scenario(const char *name);
/* The folder of the bundled scenarios (malloc'd), or NULL. */
char *cli_scenario_dir(void);
/* The bundled scenarios' names, sorted, into *names (free with
 * cli_names_free); their number, or -1 when the folder is not found. */
int cli_scenario_names(char ***names);
void cli_names_free(char **names, int n);
/* Of names, the one closest to `name` (a typo, or the start of a name), or
 * NULL when none is close enough to be meant. */
const char *cli_closest(const char *name, const char *const *names, size_t n);
/* "did you mean 'convoy'? 'gilsim list' shows the bundled scenarios", or
 * only the second half when no bundled name is close to `name`. */
void cli_suggest_scenario(const char *name, char *buf, size_t n);

/* "-": the scenario comes from standard input. */
bool cli_is_stdin(const char *file);
/* Standard input, read whole on the first call and kept for the others
 * (a viewer re-simulates it). 0, or negative with err filled. */
int cli_read_stdin(const char **text, size_t *len, SimError *err);
/* Loads FILE as every command does: NULL is the built-in default, "-"
 * standard input (named "-" in error locations), else a path or a bundled
 * scenario's name; a name that is neither gets a suggestion. As
 * sim_scenario_load_file. */
int cli_load_scenario(const char *file, const char *const *sets, int n_sets, SimScenario **sc,
                      SimError *err);


/* ---- Running Python (python_run.c) -------------------------------------- */

/* What `python` is, asked by running it. */
typedef struct CliPython {
    int major, minor;
    char version[32];        /* "3.11.7" */
    char implementation[32]; /* "CPython" */
    char executable[512];
    bool gil_enabled;        /* false: a free-threaded build running without the GIL */
    bool free_threaded;      /* built with Py_GIL_DISABLED */
} CliPython;

/* Runs python to learn what it is. 0, or SIM_ERR_IO with err saying so. */
int cli_python_probe(const char *python, CliPython *out, SimError *err);

typedef struct CliPythonRun {
    bool timed_out;  /* stopped at the limit (SIGTERM, then SIGKILL) */
    bool started;    /* the program said its start-up was over (dir/started) */
    int exit_code;   /* of the program's first process; 128 + N if killed by signal N */
    SimTime wall_ns;
} CliPythonRun;

/* How long a program may take to start (interpreter, calibration) before
 * its own limit begins: see cli_python_run. */
#define CLI_START_UP_NS (60 * 1000000000LL)

/* Runs `python script` with GILSIM_MEASURE_DIR=dir, its output in
 * dir/stdout.txt and dir/stderr.txt, in a process group of its own, until
 * every process of the group has ended or `limit` has passed since the
 * program created dir/started (or CLI_START_UP_NS + limit since it began,
 * for a program that never does). Returns 0
 * (what happened in *res), or SIM_ERR_IO when it could not start. */
int cli_python_run(const char *python, const char *script, const char *dir, SimTime limit,
                   CliPythonRun *res, SimError *err);

/* The last `lines` lines of a file into buf ("" if unreadable). */
void cli_file_tail(const char *path, int lines, char *buf, size_t n);

/* ---- Measured runs (cmd_measure.c) ---------------------------------------- */

/* One measured run of o's scenario beside its simulated run sim, as a run
 * whose trace is rebuilt from the recordings: read back from `recording`
 * (a folder `gilsim measure --save` wrote), or made by running the
 * scenario's program once on `python`. The result owns a fresh load of
 * the scenario. 0, or negative with err filled. */
int cli_measured_run(const CliSimOpts *o, const RunResult *sim, const char *python, const char *recording,
                     RunResult *out, SimError *err);

/* --measured[=DIR] and --python PATH, which view and render take to stack
 * a measured run under the simulated one. */
typedef struct CliMeasuredOpt {
    bool on;
    const char *dir;    /* recordings to read (gilsim measure --save), or NULL: run the program */
    const char *python; /* default "python3" */
} CliMeasuredOpt;

/* Reads argv[*i] if it is one of them: 1 consumed, 0 not one, -1 a bad
 * value (message printed). */
int cli_measured_opt(const char *cmd, CliMeasuredOpt *m, int argc, char **argv, int *i);

/* The measured run_b of view and render: prints what went wrong and
 * returns an exit code, or 0. */
int cli_measured_second(const char *cmd, const CliSimOpts *o, const CliMeasuredOpt *m, const RunResult *sim,
                        RunResult *run_b);

/* A time on the command line: a duration with a unit ("5ms") or a bare
 * number of seconds ("0", "1.5"), as scenario files allow. */
bool cli_parse_time(const char *s, SimTime *out);

/* Commands. */
int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

#endif /* GILSIM_CLI_H */
