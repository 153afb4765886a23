/*
 * cmd_measure.c - `gilsim measure`: the scenario written as a Python
 * program (analysis/pyemit.c), run on a real interpreter, its recordings
 * rebuilt as a trace (analysis/measured_trace.c) and compared figure by
 * figure with the simulation (analysis/measure_compare.c). Also the one
 * measured run that `view --measured` and `render --measured` stack under
 * the simulated one.
 *
 * Exit codes: 0 measured, 1 the program failed or could not be run, 2 bad
 * scenario or flags, 4 what the scenario models cannot be measured on that
 * interpreter (said in one line).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "measure_compare.h"
#include "measured.h"
#include "pyemit.h"
#include "trace_export.h"

enum { EXIT_UNMEASURABLE = 4 };

static void measure_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim measure [FILE] [--python PATH] [--runs N] [--json] [--save DIR]\n"
            "                      [--timeout T] [--set KEY=VALUE]... [--seed N] [--profile P]\n"
            "       gilsim measure [FILE] --measured=DIR [--json] [--set KEY=VALUE]... [--profile P]\n"
            "       gilsim measure [FILE] --emit-python\n\n"
            "Writes the scenario as an equivalent Python program, runs it on a real\n"
            "interpreter, rebuilds from its recordings what each thread did and when the\n"
            "GIL changed hands, and prints the simulated figures beside the measured ones\n"
            "(the median over the runs) with their ratio.\n\n"
            "  --python PATH   the interpreter (default python3)\n"
            "  --runs N        run the program N times (default 3)\n"
            "  --json          print the comparison as one JSON object\n"
            "  --save DIR      keep the program in DIR, and each run's recordings and\n"
            "                  rebuilt trace (Chrome JSON and CSV) in DIR/run-N\n"
            "  --measured=DIR  compare with the runs a --save kept instead of running\n"
            "                  the program (another --set, or a --profile, against the\n"
            "                  same measurements); view and render take it too\n"
            "  --timeout T     stop a run T after its start-up (default: 3 times the\n"
            "                  simulated run, plus 10 s, or 2 s for a run the\n"
            "                  simulation says deadlocks); threads blocked at that\n"
            "                  point are a deadlock, threads still at work a run\n"
            "                  that did not end in time (its makespan not compared)\n"
            "  --emit-python   print the program and exit; it runs on its own too\n"
            "  --set, --seed, --profile  as for gilsim run\n\n"
            "What the interpreter cannot reproduce (the old GIL on Python 3, free-threading\n"
            "without a free-threaded build, subinterpreters) is said in one line instead.\n"
            "Exit status: 0 measured, 1 the program failed, 2 invalid scenario or flags,\n"
            "4 not measurable on this interpreter.\n");
}

/* "3.11" of "3.11.7". */
static void major_minor(const CliPython *py, char *buf, size_t n)
{
    snprintf(buf, n, "%d.%d", py->major, py->minor);
}

/*
 * Whether the GIL the scenario models can be measured on py; if not,
 * why, in one line for "cannot measure ...: WHY".
 */
static bool measurable(const SimTrace *sim, const CliPython *py, char *why, size_t n)
{
    const SimRunInfo *in = sim_trace_info(sim);
    const char *gil = in->gil_policy ? in->gil_policy : "new";
    char ver[16];
    major_minor(py, ver, sizeof(ver));
    bool no_gil = py->free_threaded && !py->gil_enabled;
    if (strcmp(gil, "old") == 0 && py->major != 2) {
        snprintf(why, n, "the old GIL (python.gil=old) needs Python 3.1 or older; %s %s has the new GIL "
                 "(try --python with a Python 2.7)", py->implementation, py->version);
        return false;
    }
    if (strcmp(gil, "none") == 0 && !no_gil) {
        snprintf(why, n, "free-threading (python.gil=none) needs a free-threaded build running without the "
                 "GIL; %s %s has a GIL (try --python python3.13t)", py->implementation, py->version);
        return false;
    }
    if (strcmp(gil, "per-interpreter") == 0) {
        snprintf(why, n, "per-interpreter GILs (python.gil=per-interpreter) are not measured: the program "
                 "gilsim writes does not create subinterpreters%s",
                 py->major < 3 || (py->major == 3 && py->minor < 12) ? ", and they need Python 3.12+" : "");
        return false;
    }
    if (strcmp(gil, "new-noforce") == 0) {
        snprintf(why, n, "the new GIL without FORCE_SWITCHING (python.gil=new-noforce) is no CPython "
                 "release");
        return false;
    }
    if (strcmp(gil, "new") == 0 && py->major == 2) {
        snprintf(why, n, "the scenario models the new GIL (Python 3.2+); %s %s has the old one",
                 py->implementation, py->version);
        return false;
    }
    if (strcmp(gil, "new") == 0 && no_gil) {
        snprintf(why, n, "%s %s runs without a GIL; the scenario models one (set PYTHON_GIL=1 to measure it)",
                 py->implementation, py->version);
        return false;
    }
    (void)ver;
    return true;
}

static SimTime default_limit(const RunResult *sim)
{
    SimTime end = sim_trace_end(sim->trace);
    if (sim->outcome == SIM_RUN_DEADLOCK)
        return 3 * end + 2000000000LL;
    return 3 * end + 10000000000LL;
}

/* Makes a fresh folder for one run (under TMPDIR), or uses `keep`. */
static int run_dir(const char *keep, char *dir, size_t n, SimError *err)
{
    if (keep) {
        if (mkdir(keep, 0755) < 0 && errno != EEXIST)
            return sim_error_set(err, SIM_ERR_IO, "%s: cannot make the folder: %s", keep, strerror(errno));
        snprintf(dir, n, "%s", keep);
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/gilsim-measure-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return sim_error_set(err, SIM_ERR_IO, "cannot make a folder under %s: %s", tmp && *tmp ? tmp : "/tmp",
                             strerror(errno));
    return 0;
}

/* Removes what a run left in dir, and dir. */
static void remove_run_dir(const char *dir)
{
    char cmd[4200];
    if (strstr(dir, "gilsim-measure-") == NULL || strchr(dir, '\''))
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "gilsim measure: could not remove %s\n", dir);
}

static int write_text(const char *path, const char *text, SimError *err)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        if (f)
            fclose(f);
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

/*
 * One run of the program (dir/program.py) on python, in the folder
 * dir/run-K: the recordings, rebuilt beside the simulated trace. 0, or
 * negative with err (the program's last lines of stderr when it failed).
 */
static int measure_once(const char *python, const char *dir, int k, SimTime limit, const SimTrace *sim,
                        MeasuredRun *m, SimTrace **tr, SimError *err)
{
    char script[4200], run[4200];
    snprintf(script, sizeof(script), "%s/program.py", dir);
    snprintf(run, sizeof(run), "%s/run-%d", dir, k);
    if (mkdir(run, 0755) < 0 && errno != EEXIST)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot make the folder: %s", run, strerror(errno));
    CliPythonRun res;
    int rc = cli_python_run(python, script, run, limit, &res, err);
    if (rc < 0)
        return rc;
    if (res.timed_out && !res.started)
        return sim_error_set(err, SIM_ERR_IO, "the program on %s did not finish starting up in %d s", python,
                             (int)((CLI_START_UP_NS + limit) / 1000000000LL));
    rc = measured_run_read_dir(run, m, err);
    if (rc < 0 || (!res.timed_out && res.exit_code != 0 && m->n_procs == 0)) {
        char tail[1500], path[4300];
        snprintf(path, sizeof(path), "%s/stderr.txt", run);
        cli_file_tail(path, 6, tail, sizeof(tail));
        if (rc == 0)
            measured_run_fini(m);
        if (res.timed_out)
            return sim_error_set(err, SIM_ERR_IO,
                                 "the program on %s was stopped at its time limit of %.0f s (--timeout) "
                                 "before it wrote its records (exit %d)",
                                 python, (double)limit / 1e9, res.exit_code);
        return sim_error_set(err, SIM_ERR_IO, "the program failed on %s (exit %d)%s%s", python, res.exit_code,
                             tail[0] ? ":\n" : "", tail);
    }
    m->timed_out = res.timed_out;
    rc = measured_trace_build(m, sim, tr, err);
    if (rc < 0)
        measured_run_fini(m);
    return rc;
}

/* Runs read back from a folder --save wrote (dir/run-1, dir/run-2...), or
 * one run's recordings in dir itself: *n runs into m[] and tr[] (malloc'd). */
static int read_runs(const char *dir, const SimTrace *sim, MeasuredRun **m, SimTrace ***tr, int *n,
                     SimError *err)
{
    *m = NULL;
    *tr = NULL;
    *n = 0;
    int found = 0, rc = 0;
    for (int k = 0; k <= 1000 && rc == 0; k++) {
        char run[4200];
        if (k == 0)
            snprintf(run, sizeof(run), "%s", dir);
        else
            snprintf(run, sizeof(run), "%s/run-%d", dir, k);
        struct stat st;
        if (k > 0 && stat(run, &st) != 0)
            break;
        MeasuredRun one;
        SimError e2;
        if (measured_run_read_dir(run, &one, &e2) < 0) {
            if (k == 0)
                continue; /* the runs are in run-K */
            rc = sim_error_set(err, e2.code, "%s", e2.msg);
            break;
        }
        MeasuredRun *mv = realloc(*m, (size_t)(found + 1) * sizeof(*mv));
        SimTrace **tv = mv ? realloc(*tr, (size_t)(found + 1) * sizeof(*tv)) : NULL;
        if (mv)
            *m = mv;
        if (tv)
            *tr = tv;
        if (!mv || !tv) {
            measured_run_fini(&one);
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
            break;
        }
        (*m)[found] = one;
        if ((rc = measured_trace_build(&(*m)[found], sim, &(*tr)[found], err)) < 0) {
            measured_run_fini(&(*m)[found]);
            break;
        }
        found++;
        if (k == 0)
            break; /* dir itself held a run */
    }
    *n = found;
    if (rc == 0 && found == 0)
        rc = sim_error_set(err, SIM_ERR_IO, "%s: no recordings (process-*.json, or run-1/ ...): expected a "
                                            "folder written by gilsim measure --save", dir);
    return rc;
}

/* The load average as /proc/loadavg says it ("1.23 0.98 0.80"), or "". */
static void load_average(char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    double a, b, c;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, n, "%.2f %.2f %.2f", a, b, c);
    fclose(f);
}

/* Probes python and writes the program for sim's scenario into dir. */
static int prepare(const RunResult *sim, const char *python, const char *command, CliPython *py,
                   PyEmitNotes *notes, char *why, size_t why_n, const char *dir, SimError *err)
{
    int rc = cli_python_probe(python, py, err);
    if (rc < 0)
        return rc;
    if (!measurable(sim->trace, py, why, why_n))
        return 1;
    StrBuf prog = {0};
    rc = pyemit_program(sim->sc, command, &prog, notes, err);
    if (rc == 0 && py->major * 100 + py->minor < notes->min_version) {
        snprintf(why, why_n, "the program uses %s, which needs Python %d.%d", notes->min_feature,
                 notes->min_version / 100, notes->min_version % 100);
        strbuf_fini(&prog);
        return 1;
    }
    if (rc == 0) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/program.py", dir);
        rc = write_text(path, strbuf_str(&prog), err);
    }
    strbuf_fini(&prog);
    return rc;
}

int cli_measured_run(const CliSimOpts *o, const RunResult *sim, const char *python, const char *recording,
                     RunResult *out, SimError *err)
{
    memset(out, 0, sizeof(*out));
    MeasuredRun *m = NULL;
    SimTrace **tr = NULL;
    int n = 0, rc;
    if (recording) {
        rc = read_runs(recording, sim->trace, &m, &tr, &n, err);
    } else {
        char dir[4096], why[400];
        CliPython py;
        PyEmitNotes notes;
        if ((rc = run_dir(NULL, dir, sizeof(dir), err)) < 0)
            return rc;
        rc = prepare(sim, python, "gilsim view --measured", &py, &notes, why, sizeof(why), dir, err);
        if (rc == 1)
            rc = sim_error_set(err, SIM_ERR_INVALID, "cannot measure \xe2\x80\x9c%s\xe2\x80\x9d on %s: %s",
                               sim_scenario_name(sim->sc), python, why);
        m = calloc(1, sizeof(*m));
        tr = calloc(1, sizeof(*tr));
        if (rc == 0 && (!m || !tr))
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        if (rc == 0) {
            fprintf(stderr, "measuring \xe2\x80\x9c%s\xe2\x80\x9d on %s %s (%s)...\n",
                    sim_scenario_name(sim->sc), py.implementation, py.version, python);
            rc = measure_once(python, dir, 1, default_limit(sim), sim->trace, m, tr, err);
            n = rc == 0;
        }
        remove_run_dir(dir);
    }
    /* The run shown: the one of median makespan. */
    int med = rc == 0 ? measure_median_run((const SimTrace *const *)tr, n) : 0;
    MeasuredSummary sum = {0};
    if (rc == 0)
        measured_summary(&m[med], &sum);
    for (int k = 0; k < n; k++) {
        measured_run_fini(&m[k]);
        if (k != med || rc < 0)
            sim_trace_destroy(tr[k]);
    }
    SimTrace *shown = rc == 0 ? tr[med] : NULL;
    free(m);
    free(tr);
    if (rc < 0)
        return rc;
    /* The scenario again, for its name and view: the run owns its copy. */
    RunResult again;
    CliSimOpts o0 = *o;
    o0.until = 0;
    if ((rc = cli_simulate(&o0, &again, err)) < 0) {
        sim_trace_destroy(shown);
        return rc;
    }
    sim_trace_destroy(again.trace);
    out->sc = again.sc;
    out->trace = shown;
    out->outcome = sum.outcome;
    return 0;
}

/* The rebuilt trace of a kept run, beside its recordings: Chrome JSON
 * (Perfetto) and the CSV of state intervals. */
static int save_traces(const char *dir, const SimTrace *tr, SimError *err)
{
    static const char *const NAMES[2] = {"measured-trace.json", "measured-trace.csv"};
    for (int k = 0; k < 2; k++) {
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, NAMES[k]);
        FILE *f = fopen(path, "w");
        TraceExportStats st;
        int rc = f ? (k == 0 ? trace_export_chrome(tr, f, &st) : trace_export_csv(tr, f, &st)) : SIM_ERR_IO;
        if (f && fclose(f) != 0)
            rc = SIM_ERR_IO;
        if (rc < 0)
            return sim_error_set(err, rc, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

int cli_measured_opt(const char *cmd, CliMeasuredOpt *m, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strcmp(a, "--measured") == 0) {
        m->on = true;
        return 1;
    }
    if (strncmp(a, "--measured=", 11) == 0) {
        m->on = true;
        m->dir = a + 11;
        if (!*m->dir) {
            fprintf(stderr, "gilsim %s: --measured=DIR: expected a folder written by gilsim measure --save\n",
                    cmd);
            return -1;
        }
        return 1;
    }
    if (strcmp(a, "--python") == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "gilsim %s: --python needs a value\n", cmd);
            return -1;
        }
        m->python = argv[++*i];
        return 1;
    }
    return 0;
}

int cli_measured_second(const char *cmd, const CliSimOpts *o, const CliMeasuredOpt *m, const RunResult *sim,
                        RunResult *run_b)
{
    SimError err;
    int rc = cli_measured_run(o, sim, m->python ? m->python : "python3", m->dir, run_b, &err);
    if (rc == 0)
        return EXIT_OK;
    fprintf(stderr, "gilsim %s: %s\n", cmd, err.msg);
    return rc == SIM_ERR_INVALID ? EXIT_UNMEASURABLE : EXIT_RUNTIME;
}

/* "3.11" of a version "3.11.7". */
static void version_major_minor(const char *v, char *buf, size_t n)
{
    snprintf(buf, n, "%s", v);
    char *dot = strchr(buf, '.');
    if (dot && (dot = strchr(dot + 1, '.')))
        *dot = '\0';
}

/* Where the measured runs come from, in one line: the interpreter's
 * command, or the folder they were read from. */
static void print_header(FILE *f, const RunResult *sim, const char *source, int runs, const MeasuredRun *m,
                         const char *load)
{
    const SimRunInfo *in = sim_trace_info(sim->trace);
    char si[32], ver[32];
    fprintf(f, "\xe2\x80\x9c%s\xe2\x80\x9d simulated beside measured on %s %s (%s)\n",
            sim_scenario_name(sim->sc), m->implementation, m->python, source);
    fprintf(f, "  modelled: Python %s, GIL %s, switch interval %s, %d core%s\n", in->python_version,
            in->gil_policy, sim_duration_format(in->switch_interval, si, sizeof(si)), in->cores,
            in->cores == 1 ? "" : "s");
    fprintf(f, "  measured: %d run%s (median shown)", runs, runs == 1 ? "" : "s");
    if (m->cores > 0)
        fprintf(f, ", %d CPU%s used", m->cores, m->cores == 1 ? "" : "s");
    if (load && load[0])
        fprintf(f, ", load average %s before the runs", load);
    fprintf(f, "\n");
    version_major_minor(m->python, ver, sizeof(ver));
    if (in->python_version && strcmp(in->python_version, ver) != 0)
        fprintf(f, "  note: the scenario models Python %s; %s has its own check points and costs\n",
                in->python_version, ver);
    if (m->cores > 0 && m->cores < in->cores)
        fprintf(f, "  note: the scenario has %d cores; this machine let the program use %d\n", in->cores,
                m->cores);
    MeasuredSummary sum;
    measured_summary(m, &sum);
    double speed = sum.cpu_ran_ns > 0 ? sum.cpu_asked_ns / sum.cpu_ran_ns : 0;
    if (sum.cpu_asked_ns >= 1e6 && (speed < 0.9 || speed > 1.1))
        fprintf(f, "  note: CPU work ran at %.2f times the speed calibrated at start-up (the machine's load "
                   "changes it)\n", speed);
}

static int write_json(const RunResult *sim, const MeasureTable *t, const MeasuredRun *m, int runs,
                      const char *source, const char *load, const PyEmitNotes *notes)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *rows = measure_table_json(t);
    cJSON *nv = cJSON_CreateArray();
    MeasuredSummary sum;
    measured_summary(m, &sum);
    bool ok = root && rows && nv;
    for (int k = 0; ok && k < notes->n; k++)
        ok = cJSON_AddItemToArray(nv, cJSON_CreateString(notes->line[k]));
    ok = ok && cJSON_AddStringToObject(root, "scenario", sim_scenario_name(sim->sc)) &&
         cJSON_AddStringToObject(root, "python", m->python) &&
         cJSON_AddStringToObject(root, "implementation", m->implementation) &&
         cJSON_AddStringToObject(root, "source", source) && cJSON_AddNumberToObject(root, "runs", runs) &&
         cJSON_AddNumberToObject(root, "cpus", m->cores) &&
         cJSON_AddNumberToObject(root, "cpu_speed",
                                 sum.cpu_ran_ns > 0 ? sum.cpu_asked_ns / sum.cpu_ran_ns : 0) &&
         cJSON_AddStringToObject(root, "load_average", load ? load : "");
    if (ok) {
        cJSON_AddItemToObject(root, "rows", rows);
        cJSON_AddItemToObject(root, "notes", nv);
        rows = nv = NULL;
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    cJSON_Delete(rows);
    cJSON_Delete(nv);
    cJSON_Delete(root);
    return text ? 0 : SIM_ERR_NOMEM;
}

int cmd_measure(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    CliMeasuredOpt mo = {0};
    const char *save = NULL;
    bool emit = false, json = false;
    long runs = 3;
    SimTime limit = -1;
    int rc = EXIT_USAGE, k;
    RunResult sim = {0};
    MeasuredRun *mr = NULL;
    SimTrace **traces = NULL;
    int *outcomes = NULL, done = 0;
    char dir[4096] = "";
    PyEmitNotes notes = {0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            measure_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        bool takes = strcmp(a, "--runs") == 0 || strcmp(a, "--save") == 0 || strcmp(a, "--timeout") == 0;
        if (takes && !next) {
            fprintf(stderr, "gilsim measure: %s needs a value\n", a);
            goto out;
        }
        if (strcmp(a, "--emit-python") == 0) {
            emit = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if ((k = cli_measured_opt("measure", &mo, argc, argv, &i)) != 0) {
            if (k < 0)
                goto out;
            if (mo.on && !mo.dir) {
                fprintf(stderr, "gilsim measure: --measured=DIR reads runs a --save kept; measure runs the "
                                "program without it\n");
                goto out;
            }
        } else if (strcmp(a, "--save") == 0) {
            save = next;
            i++;
        } else if (strcmp(a, "--runs") == 0) {
            char *end;
            runs = strtol(next, &end, 10);
            if (*end || end == next || runs < 1 || runs > 1000) {
                fprintf(stderr, "gilsim measure: --runs '%s': expected a whole number from 1 to 1000\n",
                        next);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--timeout") == 0) {
            if (sim_duration_parse(next, &limit) != SIM_OK || limit <= 0) {
                fprintf(stderr, "gilsim measure: --timeout '%s': expected a duration such as 30s\n", next);
                goto out;
            }
            i++;
        } else {
            int c = cli_sim_opt(&o, argc, argv, &i);
            if (c < 0)
                goto out;
            if (c == 0) {
                fprintf(stderr, "gilsim measure: unknown option '%s'; see 'gilsim measure --help'\n", a);
                goto out;
            }
        }
    }
    const char *python = mo.python ? mo.python : "python3";
    if (o.until != SIM_TIME_NEVER) {
        fprintf(stderr, "gilsim measure: --until does not apply: the program runs to its end\n");
        goto out;
    }
    if (mo.dir && (save || emit)) {
        fprintf(stderr, "gilsim measure: --measured=DIR reads saved runs; no --save or --emit-python with "
                        "it\n");
        goto out;
    }
    SimError err;
    if (cli_simulate(&o, &sim, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
        goto out;
    }
    char command[600];
    snprintf(command, sizeof(command), "gilsim measure %s --emit-python", o.file ? o.file : "");
    if (emit) {
        StrBuf prog = {0};
        if (pyemit_program(sim.sc, command, &prog, &notes, &err) < 0) {
            fprintf(stderr, "gilsim measure: %s\n", err.msg);
            rc = EXIT_RUNTIME;
        } else {
            fputs(strbuf_str(&prog), stdout);
            rc = EXIT_OK;
        }
        strbuf_fini(&prog);
        goto out;
    }

    char load[64] = "", source[4200];
    if (mo.dir) {
        /* Saved runs, compared with this simulation (another --set, a profile). */
        if (read_runs(mo.dir, sim.trace, &mr, &traces, &done, &err) < 0) {
            fprintf(stderr, "gilsim measure: %s\n", err.msg);
            rc = EXIT_RUNTIME;
            goto out;
        }
        snprintf(source, sizeof(source), "recorded in %s", mo.dir);
    } else {
        CliPython py;
        char why[400];
        if (run_dir(save, dir, sizeof(dir), &err) < 0) {
            fprintf(stderr, "gilsim measure: %s\n", err.msg);
            rc = EXIT_RUNTIME;
            goto out;
        }
        int p = prepare(&sim, python, command, &py, &notes, why, sizeof(why), dir, &err);
        if (p < 0) {
            fprintf(stderr, "gilsim measure: %s\n", err.msg);
            rc = EXIT_RUNTIME;
            goto out;
        }
        if (p == 1) {
            printf("gilsim measure: cannot measure \xe2\x80\x9c%s\xe2\x80\x9d on %s %s: %s\n",
                   sim_scenario_name(sim.sc), py.implementation, py.version, why);
            rc = EXIT_UNMEASURABLE;
            goto out;
        }
        snprintf(source, sizeof(source), "%s", python);
        load_average(load, sizeof(load));
        mr = calloc((size_t)runs, sizeof(*mr));
        traces = calloc((size_t)runs, sizeof(*traces));
        if (!mr || !traces) {
            fprintf(stderr, "gilsim measure: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        if (limit < 0)
            limit = default_limit(&sim);
        for (; done < runs; done++) {
            if (!json)
                fprintf(stderr, "run %d of %ld on %s %s...\n", done + 1, runs, py.implementation, py.version);
            if (measure_once(python, dir, done + 1, limit, sim.trace, &mr[done], &traces[done], &err) < 0) {
                fprintf(stderr, "gilsim measure: %s\n", err.msg);
                rc = EXIT_RUNTIME;
                goto out;
            }
            char run[4200];
            snprintf(run, sizeof(run), "%s/run-%d", dir, done + 1);
            if (save && save_traces(run, traces[done], &err) < 0) {
                fprintf(stderr, "gilsim measure: %s\n", err.msg);
                rc = EXIT_RUNTIME;
                done++;
                goto out;
            }
        }
    }
    outcomes = calloc((size_t)done, sizeof(*outcomes));
    if (!outcomes) {
        fprintf(stderr, "gilsim measure: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    int stopped = 0;
    for (int r = 0; r < done; r++) {
        MeasuredSummary sum;
        measured_summary(&mr[r], &sum);
        outcomes[r] = sum.outcome;
        stopped += sum.outcome == SIM_RUN_UNTIL;
    }
    /* Hand-overs are inferred from pauses in CPU loops, except on Python 2,
     * whose runtime counts them where they happen (analysis/py/runtime.py):
     * under the old GIL a holder's own releases, each a futex call while
     * another thread waits, slow its loop into pauses too. The running
     * shares still come from the pauses. */
    if (done > 0 && mr[0].python[0] == '2' && notes.n < PYEMIT_MAX_NOTES)
        snprintf(notes.line[notes.n++], sizeof(notes.line[0]),
                 "under Python 2's GIL a holder's own releases slow its CPU loop into pauses: the measured "
                 "GIL switches are counted where they happen, but the running shares count those pauses "
                 "as time without the GIL");
    if (stopped && notes.n < PYEMIT_MAX_NOTES)
        snprintf(notes.line[notes.n++], sizeof(notes.line[0]),
                 "%d of %d runs were stopped at the time limit (%.0f s, --timeout) with threads still at "
                 "work; their makespan is not compared",
                 stopped, done, (double)limit / 1e9);
    MeasureTable t;
    if (measure_table_build(sim.trace, sim.outcome, (const SimTrace *const *)traces, outcomes, mr, done, &t) <
        0) {
        fprintf(stderr, "gilsim measure: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    int med = measure_median_run((const SimTrace *const *)traces, done);
    if (json) {
        rc = write_json(&sim, &t, &mr[med], done, source, load, &notes) < 0 ? EXIT_RUNTIME : EXIT_OK;
    } else {
        StrBuf b = {0};
        print_header(stdout, &sim, source, done, &mr[med], load);
        printf("\n");
        measure_table_text(&t, &b);
        fputs(strbuf_str(&b), stdout);
        strbuf_fini(&b);
        for (int n = 0; n < notes.n; n++)
            printf("  note: %s\n", notes.line[n]);
        if (save)
            printf("\nthe program, and each run's recordings and rebuilt trace (run-N/), are in %s\n", save);
        rc = EXIT_OK;
    }
    measure_table_fini(&t);
out:
    for (int r = 0; r < done; r++) {
        measured_run_fini(&mr[r]);
        sim_trace_destroy(traces[r]);
    }
    if (dir[0] && !save)
        remove_run_dir(dir);
    free(mr);
    free(traces);
    free(outcomes);
    run_result_fini(&sim);
    cli_sim_opts_free(&o);
    return rc;
}
