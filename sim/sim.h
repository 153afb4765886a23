/*
 * sim.h - public API of the gilsim simulation library.
 *
 * A scenario (JSON) is loaded into an immutable SimScenario; a SimWorld runs
 * it to completion and records every state transition in a SimTrace
 * (trace.h). The library never prints, never exits and never touches SDL:
 * errors come back as values carrying "file:line:col: /json/pointer: message".
 *
 * Call order:
 *
 *     SimError err;
 *     SimScenario *sc = NULL;
 *     if (sim_scenario_load_file(path, overrides, n, &sc, &err) < 0) report(err.msg);
 *     SimWorld *w = sim_world_create(sc, &err);
 *     int outcome = sim_world_run(w, SIM_TIME_NEVER);     // SIM_RUN_*
 *     const SimTrace *tr = sim_world_trace(w);             // owned by w
 *     SimStats *st = sim_stats_compute(tr);
 *     ...
 *     sim_stats_destroy(st); sim_world_destroy(w); sim_scenario_destroy(sc);
 *
 * Invariant: a world's run depends only on the scenario (including its seed);
 * the same inputs give a bit-for-bit identical trace.
 */
#ifndef GILSIM_SIM_H
#define GILSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define GILSIM_VERSION "0.1.0"

/* Status codes: 0 is success, negative values are errors. */
enum {
    SIM_OK = 0,
    SIM_ERR_PARSE = -1,   /* the text is not JSON */
    SIM_ERR_INVALID = -2, /* JSON, but not a valid scenario or override */
    SIM_ERR_NOMEM = -3,
    SIM_ERR_IO = -4,      /* a file could not be read or written */
    SIM_ERR_LIMIT = -5,   /* a size or count beyond what is supported */
    SIM_ERR_RUN = -6,     /* a scenario that loads but cannot be simulated to its end:
                             simulated time stopped advancing, or would pass SIM_TIME_MAX */
    SIM_ERR_BUDGET = -7,  /* a run outgrew its trace budget (sim_world_set_max_records) */
};

typedef struct SimError {
    int code;
    char msg[512]; /* "file:line:col: /json/pointer: what is wrong; what is expected" */
} SimError;

/* Fills err (if not NULL) and returns code. printf-style. */
int sim_error_set(SimError *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Scenarios ---------------------------------------------------------- */

typedef struct SimScenario SimScenario;

/* The largest scenario text accepted (a million operations take about 20
 * MB). With at most 2^23 JSON values in it as well, loading a scenario
 * takes at most about 1 GB of memory, whatever the text. */
#define SIM_MAX_SCENARIO_BYTES (64u << 20)

/*
 * Loads a scenario. overrides are "dotted.key=value" strings applied to the
 * JSON before validation (value parsed as JSON where it is valid JSON, else
 * taken as a string), e.g. "python.switch_interval=1ms", "machine.cores=4".
 * On success *out is owned by the caller; on failure it stays NULL and err
 * says where and why.
 */
int sim_scenario_load_file(const char *path, const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err);
/* Same, from a buffer; name is used in error locations and as provenance. */
int sim_scenario_load_text(const char *name, const char *text, size_t len,
                           const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err);
void sim_scenario_destroy(SimScenario *sc);

const char *sim_scenario_name(const SimScenario *sc);
const char *sim_scenario_description(const SimScenario *sc);
const char *sim_scenario_lesson(const SimScenario *sc);   /* "" if none */
/* The scenario's own quiz ("quiz": {"question", "answer": {"figure",
 * "tolerance"}}): false when it has none. The figure (NULL when the quiz
 * names none) is one of the run's figures (analysis/figures.h). */
bool sim_scenario_quiz(const SimScenario *sc, const char **question, const char **figure, double *tolerance);
uint64_t sim_scenario_seed(const SimScenario *sc);
/* The seed the next world made from sc runs with: the same as loading it
 * again with the override "seed=N", so one load serves several runs. */
void sim_scenario_set_seed(SimScenario *sc, uint64_t seed);
/* The stretch of time the scenario's author wants shown first ("view":
 * {"range": "0ms..40ms"}); returns false when the scenario names none. */
bool sim_scenario_view_range(const SimScenario *sc, SimTime *t0, SimTime *t1);
/* What looks wrong in the scenario although it loads (a thread declared
 * "start": "manual" that no start op names, a threading lock declared in
 * several processes, which are then separate locks): one sentence each,
 * owned by sc. Returns how many; *out may be NULL. */
int sim_scenario_warnings(const SimScenario *sc, const char *const **out);
/* FNV-1a 64 of the scenario file's bytes (before overrides). */
uint64_t sim_scenario_hash(const SimScenario *sc);
/* The scenario as the loader walked it: the file's JSON with the overrides
 * applied, compact. Owned by sc; "" if it could not be kept (no memory). */
const char *sim_scenario_json(const SimScenario *sc);

/* Writes every configuration value in effect (defaults included) as JSON
 * text; when a machine profile was applied, also "profile": its file and
 * the keys whose values came from it. Returns a malloc'd string owned by
 * the caller, or NULL on no memory. */
char *sim_scenario_explain_config(const SimScenario *sc);

/* The JSON Schema of a scenario's "machine" and "python" objects, as the
 * text of {"machine": SCHEMA, "python": SCHEMA}: the same parameters,
 * ranges, defaults and descriptions the loader uses. scenarios/schema.json
 * holds them as $defs.machine and $defs.python (tools/update_schema.py).
 * Returns a malloc'd string owned by the caller, or NULL on no memory. */
char *sim_config_schema(void);

/* True if key ("machine.cores", "python.fork_cost") is a parameter of the
 * table, so that a scenario, --set or a profile may set it. */
bool sim_config_key_known(const char *key);

/* ---- Worlds ------------------------------------------------------------- */

typedef struct SimWorld SimWorld;

#define SIM_TIME_NEVER INT64_MAX

/* The longest duration a scenario may give (2^60 ns, about 36.5 years) and
 * the latest instant a run may reach (2^62 ns, about 146 years). The
 * engine adds at most a few durations to the current time, so with these
 * bounds no sum of times can overflow; a run that would pass SIM_TIME_MAX
 * stops with SIM_ERR_RUN naming the op. */
#define SIM_DURATION_MAX ((SimTime)1 << 60)
#define SIM_TIME_MAX ((SimTime)1 << 62)

/* Steps (events and operations) a run may take at one simulated instant
 * before it counts as stuck: far more than any finite scenario needs at
 * once (a few per thread), reached within a fraction of a second by one
 * that loops without time passing. Each thread in the run adds
 * SIM_STEPS_PER_THREAD. */
#define SIM_STEPS_PER_INSTANT 2000000u
#define SIM_STEPS_PER_THREAD 256u

enum {
    SIM_RUN_DONE = 0,     /* every non-daemon thread of every process ended */
    SIM_RUN_DEADLOCK = 1, /* threads remain but nothing can ever move again */
    SIM_RUN_UNTIL = 2,    /* stopped at the requested time */
};

/* sc is borrowed and must outlive the world. NULL with err set on failure. */
SimWorld *sim_world_create(const SimScenario *sc, SimError *err);
void sim_world_destroy(SimWorld *w);

/* Runs until the outcome is decided or the clock would pass `until`.
 * Returns a SIM_RUN_* value, or a negative code: SIM_ERR_NOMEM, SIM_ERR_RUN
 * (simulated time stopped advancing: SIM_STEPS_PER_INSTANT steps at one
 * instant, such as a repeat whose body takes no time; or it would pass
 * SIM_TIME_MAX), SIM_ERR_BUDGET (the trace reached its record budget).
 * sim_world_error says what and where. A run stopped at `until` or by an
 * error is over: calling again returns the same value, and the trace
 * recorded so far stays valid (it ends there). */
int sim_world_run(SimWorld *w, SimTime until);

/* After sim_world_run returned a negative code, fills err with it and a
 * message; for SIM_ERR_RUN located at the op that kept the run from going
 * on: "FILE:LINE:COL: /json/pointer: message" (or "--set K=V: ..." when an
 * override put the op there). */
void sim_world_error(const SimWorld *w, SimError *err);

/* Caps the trace at max_records records (0: no cap); a run that would
 * record more stops with SIM_ERR_BUDGET. Set before running; a new world
 * has sim_default_max_records(). */
void sim_world_set_max_records(SimWorld *w, uint64_t max_records);
/* Bounds for harnesses that run many small worlds (the fuzzer, tests):
 * at most max_steps events and program steps in all (0: no bound; past it
 * SIM_ERR_BUDGET; program steps count because work that takes no time,
 * such as a pool's millions of empty tasks, makes few events), and
 * `steps` instead of SIM_STEPS_PER_INSTANT before a run counts as stuck.
 * Set before running. */
void sim_world_set_max_steps(SimWorld *w, uint64_t max_steps);
void sim_world_set_steps_per_instant(SimWorld *w, uint64_t steps);

/* An eighth of the machine's physical memory in trace records (the array
 * doubles as it grows, so the trace stays under a quarter), below 2^32
 * records; 2^26 when the memory size is unknown. */
uint64_t sim_default_max_records(void);

/* Checks the world's invariants (a GIL has at most one holder, cores and
 * threads point at each other, GIL waiters have no core, the run queue
 * and the process count are consistent). Returns SIM_OK, or
 * SIM_ERR_INVALID with err naming the broken one: a bug in gilsim, never
 * in the scenario. Builds with SIM_CHECK_INVARIANTS (debug builds) check
 * after every event (every k-th in a world of hundreds of threads and
 * processes) and abort on a failure. */
int sim_world_check(const SimWorld *w, SimError *err);

/* The trace recorded so far; owned by the world, valid until it is destroyed. */
const SimTrace *sim_world_trace(const SimWorld *w);
/* Number of events dispatched so far. */
uint64_t sim_world_events(const SimWorld *w);
/* The mean number of pending events, sampled every 1024 events (0 before
 * the first sample): the queue size a benchmark compares against. */
double sim_world_queue_mean(const SimWorld *w);

/* Moves the trace out of the world: the caller owns it (sim_trace_destroy);
 * the world must not be run further. */
SimTrace *sim_world_take_trace(SimWorld *w);

/* ---- Seeds ---------------------------------------------------------------- */

/* A seed as text: an unsigned decimal integer, digits only (no sign, space,
 * leading zero, exponent or fraction), at most 2^64 - 1, so that a seed
 * printed by gilsim reads back as the same run. SIM_OK, SIM_ERR_INVALID
 * (not such an integer) or SIM_ERR_LIMIT (too large). */
int sim_seed_parse(const char *s, uint64_t *out);

/* ---- Durations ---------------------------------------------------------- */

/* Parses "5ms", "250us", "1.5s", "100ns" into nanoseconds. */
int sim_duration_parse(const char *s, SimTime *out);
/* Formats with an adaptive unit, e.g. "5 ms", "12.5 us"; returns buf. */
char *sim_duration_format(SimTime ns, char *buf, size_t n);

/* ---- Statistics (computed from a trace) --------------------------------- */

typedef struct SimLatency {
    uint64_t count;
    SimTime p50, p90, p99, max, mean;
} SimLatency;

typedef struct SimThreadStats {
    SimTime started_ns, finished_ns;      /* -1 if never started / still alive */
    uint8_t last_reason;                  /* SimReason at the end: exited/killed once terminated */
    SimTime state_ns[SIM_REASON_COUNT];   /* time spent per reason */
    SimTime running_ns, runnable_ns, blocked_ns;
    uint64_t gil_acquisitions;
    SimLatency io;                        /* each I/O op completed: its start until the thread runs again */
    SimLatency gil_wait;                  /* each continuous wait for the GIL */
} SimThreadStats;

typedef struct SimGilStats {
    uint64_t acquisitions, switches, drop_requests, forced_drops, voluntary_drops;
    uint64_t timeouts, failed_wakeups;
    SimTime held_ns;
} SimGilStats;

typedef struct SimObjectStats {
    uint64_t acquisitions;   /* locks and semaphores: successful acquires */
    uint64_t contended;      /* ... of which had to block first */
    uint64_t max_waiters;    /* most threads waiting at once */
    uint64_t max_holders;    /* locks and semaphores: most holders at once */
    uint64_t timeouts, errors;
    SimLatency wait;         /* each wait: from blocking to its wake-up or timeout */
    uint64_t puts, gets, max_items;          /* queues and pipes */
    SimTime put_blocked_ns, get_blocked_ns;  /* queues: time callers spent blocked */
    uint64_t writes, lost;   /* shared variables: writes and overwritten updates */
    int64_t stored;          /* shared variables: what assignments added (new - old, summed) */
    int64_t final;           /* shared variables: value at the end */
} SimObjectStats;

typedef struct SimProcessStats {
    bool ended;              /* its PROC_EXIT record is in the trace */
    uint8_t end_cause;       /* SimCause of that record: SIM_C_EXIT, or what ended it from outside */
    int32_t exit_code;       /* Process.exitcode: 0, os._exit's status, or minus the signal */
} SimProcessStats;

typedef struct SimStats {
    SimTime sim_time_ns;
    uint64_t transitions;                 /* state transitions recorded */
    uint64_t records;                     /* all trace records */
    int n_threads, n_gils;
    SimThreadStats *threads;              /* [n_threads] */
    SimGilStats *gils;                    /* [n_gils] */
    int n_objects;
    SimObjectStats *objects;              /* [n_objects], as sim_trace_object */
    int n_processes;
    SimProcessStats *processes;           /* [n_processes], as sim_trace_process */
} SimStats;

SimStats *sim_stats_compute(const SimTrace *tr);
void sim_stats_destroy(SimStats *st);

#endif /* GILSIM_SIM_H */
