/*
 * measured.h - a run of a scenario's Python program on a real interpreter,
 * as its processes recorded it (measured_run.c), and the same run rebuilt
 * as a SimTrace that the report, the viewer and the exports read like a
 * simulated one (measured_trace.c).
 *
 * Call order:
 *
 *     MeasuredRun m;
 *     if (measured_run_read_dir(dir, &m, &err) < 0) report(err.msg);
 *     SimTrace *tr;
 *     if (measured_trace_build(&m, sim_trace, &tr, &err) < 0) report(err.msg);
 *     ... sim_stats_compute(tr) ...
 *     sim_trace_destroy(tr);
 *     measured_run_fini(&m);
 *
 * What the recordings hold is described in analysis/py/runtime.py: per
 * process, per thread, (time, code, argument) records written at each
 * operation's begin and end, plus the gaps CPU loops saw in their own
 * progress.
 */
#ifndef GILSIM_MEASURED_H
#define GILSIM_MEASURED_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

/* What a record says, as gilsim reads the runtime's code names. */
typedef enum MCode {
    MC_END = 0, MC_CPU, MC_C_CALL, MC_NOGIL, MC_IO, MC_SLEEP, MC_ACQUIRE, MC_RELEASE, MC_WAIT,
    MC_SET, MC_CLEAR, MC_NOTIFY, MC_PUT, MC_GET, MC_INCREMENT, MC_START, MC_JOIN, MC_FORK,
    MC_POOL, MC_GAP, MC_THREAD_BEGIN, MC_THREAD_END, MC_TASK,
    MC_LAUNCH,     /* a process's main thread starting the process's other threads */
    MC_UNKNOWN,
    MC_COUNT
} MCode;

/* "end", "cpu", ... as the runtime names the codes. */
const char *measured_code_name(MCode c);

typedef struct MEvent {
    SimTime t;        /* ns since the program's start (after its calibration) */
    uint8_t code;     /* MCode */
    SimTime until;    /* MC_GAP: when the gap ended */
    double num;       /* durations in seconds (work ops), END: 1 ok, 0 timed out, -1 raised */
    const char *obj;  /* the object, thread or process an op names (interned in the run), or NULL */
} MEvent;

typedef struct MThread {
    char *name;
    int proc;         /* index into MeasuredRun.procs */
    bool daemon;
    int64_t handovers; /* Python 2: times it took the GIL from another thread, counted by
                          the runtime where it happened; -1 when not counted (3.x) */
    MEvent *ev;
    size_t n;
} MThread;

typedef struct MShared {
    char *name;
    int64_t initial, final;
    bool known;       /* both values were numbers */
} MShared;

typedef struct MObject {
    char *name;
    char *kind;       /* "lock", ..., "mp_queue" */
    char *lock;       /* a condition's lock, or NULL */
} MObject;

typedef struct MProc {
    char *name;
    char *method;     /* "initial", "fork", "spawn", "forkserver", "os.fork", "pool" */
    char *parent;     /* or NULL */
    long pid;
    SimTime t_start, t_end;
    bool killed;      /* stopped by SIGTERM (the time limit) */
    MShared *shared;
    int n_shared;
} MProc;

typedef struct MeasuredRun {
    MProc *procs;
    int n_procs;
    MThread *threads;
    int n_threads;
    MObject *objects; /* every process's, by name (the first kind seen) */
    int n_objects;
    char python[32];  /* "3.11.7" */
    char implementation[32];
    bool gil_enabled;
    int cores;        /* CPUs the program could use, 0 if unknown */
    double switch_interval;
    /* the calibration at start-up */
    double cpu_rate, chunk, io_overshoot, sleep_overshoot;
    bool timed_out;   /* set by the caller: the program was stopped at the time limit */
    char **strings;   /* interned names */
    size_t n_strings, cap_strings;
} MeasuredRun;

/* Reads every process-*.json of dir (what one run of the program wrote).
 * Returns 0, or a negative SIM_ERR_* with err saying which file and why;
 * SIM_ERR_IO when there is none. *m is empty on failure. */
int measured_run_read_dir(const char *dir, MeasuredRun *m, SimError *err);
/* The same from texts already in memory (tests); names are for messages. */
int measured_run_parse(const char *const *texts, const char *const *names, int n, MeasuredRun *m,
                       SimError *err);
void measured_run_fini(MeasuredRun *m);

/* Index of the object named name, or -1. */
int measured_object(const MeasuredRun *m, const char *name);

/* The GIL hand-overs the runtime counted in the process named name (the sum
 * over its threads), or -1 when it did not count them (3.x: they are read
 * from the pauses in CPU loops, as the rebuilt trace has them). */
int64_t measured_process_handovers(const MeasuredRun *m, const char *name);

/*
 * Rebuilds the run as a trace: threads, processes, state transitions, the
 * GIL hand-overs of each process, shared variables' writes, and deadlock
 * records for the threads still blocked when the program was stopped.
 * like, if not NULL, is a simulated trace of the same scenario: the
 * rebuilt one then lists threads and processes in its order where names
 * match. Returns 0 with *out owned by the caller, or a negative SIM_ERR_*.
 */
int measured_trace_build(const MeasuredRun *m, const SimTrace *like, SimTrace **out, SimError *err);

/* What the rebuilt trace says beyond SimStats: the outcome, and for each
 * thread how many operations it recorded and whether it ended. */
typedef struct MeasuredSummary {
    int outcome;          /* SIM_RUN_DONE, SIM_RUN_DEADLOCK, or SIM_RUN_UNTIL: stopped at the
                           * time limit while a thread was still at work */
    SimTime makespan;     /* the program's first process start to its last process end */
    uint64_t ops;         /* operations recorded, all threads */
    uint64_t gaps;        /* pauses CPU loops saw */
    double cpu_asked_ns;  /* CPU work the scenario asked for (cpu ops, nominal) */
    double cpu_ran_ns;    /* ... and how long it took, less the pauses its loops saw */
} MeasuredSummary;

void measured_summary(const MeasuredRun *m, MeasuredSummary *s);

#endif /* GILSIM_MEASURED_H */
