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
/* The stretch of time the scenario's author wants shown first ("view":
 * {"range": "0ms..40ms"}); returns false when the scenario names none. */
bool sim_scenario_view_range(const SimScenario *sc, SimTime *t0, SimTime *t1);
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

enum {
    SIM_RUN_DONE = 0,     /* every non-daemon thread of every process ended */
    SIM_RUN_DEADLOCK = 1, /* threads remain but nothing can ever move again */
    SIM_RUN_UNTIL = 2,    /* stopped at the requested time */
};

/* sc is borrowed and must outlive the world. NULL with err set on failure. */
SimWorld *sim_world_create(const SimScenario *sc, SimError *err);
void sim_world_destroy(SimWorld *w);

/* Runs until the outcome is decided or the clock would pass `until`.
 * Returns a SIM_RUN_* value, or SIM_ERR_NOMEM. A run stopped at `until` is
 * over: calling again returns the same outcome (the trace ends there). */
int sim_world_run(SimWorld *w, SimTime until);

/* Checks the world's invariants (a GIL has at most one holder, cores and
 * threads point at each other, GIL waiters have no core, the run queue
 * and the process count are consistent). Returns SIM_OK, or
 * SIM_ERR_INVALID with err naming the broken one: a bug in gilsim, never
 * in the scenario. Builds with SIM_CHECK_INVARIANTS (debug builds) check
 * after every event and abort on a failure. */
int sim_world_check(const SimWorld *w, SimError *err);

/* The trace recorded so far; owned by the world, valid until it is destroyed. */
const SimTrace *sim_world_trace(const SimWorld *w);
/* Number of events dispatched so far. */
uint64_t sim_world_events(const SimWorld *w);

/* Moves the trace out of the world: the caller owns it (sim_trace_destroy);
 * the world must not be run further. */
SimTrace *sim_world_take_trace(SimWorld *w);

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
    SimLatency io;                        /* io start until it runs Python again */
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
    int64_t final;           /* shared variables: value at the end */
} SimObjectStats;

typedef struct SimStats {
    SimTime sim_time_ns;
    uint64_t transitions;                 /* state transitions recorded */
    uint64_t records;                     /* all trace records */
    int n_threads, n_gils;
    SimThreadStats *threads;              /* [n_threads] */
    SimGilStats *gils;                    /* [n_gils] */
    int n_objects;
    SimObjectStats *objects;              /* [n_objects], as sim_trace_object */
} SimStats;

SimStats *sim_stats_compute(const SimTrace *tr);
void sim_stats_destroy(SimStats *st);

#endif /* GILSIM_SIM_H */
