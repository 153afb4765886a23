/*
 * sweep.h - parameter sweeps: which --set values are swept (ranges
 * "A..B:lin|log:N" and lists "a,b,c"), the cross product of their values,
 * running every point several times in parallel, the figures of each run
 * aggregated per point, and the result as CSV, both ways: a result that
 * ran is written as CSV, and a CSV is read back into a result, which then
 * serves like the one that ran (its chart: sweep_chart.h).
 *
 * Call order:
 *
 *     SweepSpec sp = {...};  sweep_key_parse(...) for each --set;
 *     SweepResult *r;
 *     if (sweep_run(&sp, progress, ud, &r, &err) < 0) report(err.msg);
 *     char *csv = sweep_csv(r, &len);
 *     ... or: sweep_result_read_csv(text, len, &r, &err);
 *     sweep_result_destroy(r);
 *
 * Invariant: the results depend only on the scenario, the overrides, the
 * seeds and the runs, never on the number of worker threads or on which
 * run finished first, so a parallel sweep writes the same bytes as
 * --jobs 1.
 */
#ifndef GILSIM_SWEEP_H
#define GILSIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

typedef enum SweepKind { SWEEP_LIST = 0, SWEEP_LIN, SWEEP_LOG } SweepKind;

/* One swept key and the values it takes, in the order given. */
typedef struct SweepKey {
    char *key;        /* "python.switch_interval" */
    char *spec;       /* the value as given: "0.1ms..50ms:log:12" */
    SweepKind kind;
    bool duration;    /* every value is a duration with a unit: num[] holds ns */
    bool numeric;     /* every value is a number (or a duration) */
    int n;
    char **values;    /* exact text passed as --set KEY=value ("175.7us") */
    double *num;      /* numeric value of each (ns for durations); NAN if not a number */
} SweepKey;

/*
 * Reads one --set argument. A value that is a range or a list fills *out
 * and returns 1; any other value is a fixed override and returns 0 (out
 * untouched); a malformed range or list returns -1 with a one-line reason
 * in why. Values starting with '[', '{' or '"' are JSON and never swept.
 */
int sweep_key_parse(const char *set, SweepKey *out, char *why, size_t n);
void sweep_key_fini(SweepKey *k);

typedef struct SweepSpec {
    const char *file;          /* the scenario as given (path or bundled name), for the
                                  CSV and the caption; NULL: the built-in default */
    const char *source_path;   /* the file to read it from; NULL: source_text */
    const char *source_name;   /* the name load errors cite for source_text */
    const char *source_text;   /* the scenario itself when source_path is NULL */
    const char *const *fixed;  /* "KEY=VALUE" overrides every point gets, in order */
    int n_fixed;
    const SweepKey *keys;      /* swept keys; the first varies slowest */
    int n_keys;
    int runs;                  /* runs per point, seeds seed..seed+runs-1 */
    bool has_seed;             /* else the scenario's own seed */
    uint64_t seed;
    SimTime until;             /* SIM_TIME_NEVER: run to the end */
    int jobs;                  /* worker threads; <= 0: one per online CPU */
    uint64_t max_records;      /* trace budget of each run; 0: the machine's, shared by the jobs */
} SweepSpec;

/* Called from the calling thread about ten times a second while runs
 * proceed, and once at the end with done == total. */
typedef void (*SweepProgressFn)(void *ud, int done, int total, double elapsed_s);

typedef struct SweepResult SweepResult;

/*
 * Runs points x runs simulations on spec->jobs threads, each point's
 * scenario loaded just before its runs and freed after them. spec and its
 * keys are borrowed and must outlive the result. Returns 0, or the first
 * failure (in point order; later points are skipped) as a negative
 * SIM_ERR_* with err filled, naming the point and run: PARSE/INVALID/IO/
 * LIMIT for a bad scenario or override, RUN or BUDGET for a run that could
 * not go on, NOMEM otherwise.
 */
int sweep_run(const SweepSpec *spec, SweepProgressFn progress, void *ud, SweepResult **out,
              SimError *err);
void sweep_result_destroy(SweepResult *r);

int sweep_result_points(const SweepResult *r);
int sweep_result_jobs(const SweepResult *r);      /* threads used; 0 when read from a CSV */
double sweep_result_seconds(const SweepResult *r); /* wall time of the runs */
int sweep_result_deadlocks(const SweepResult *r); /* runs that ended in a deadlock */
uint64_t sweep_result_seed(const SweepResult *r);  /* first seed */
const SweepSpec *sweep_result_spec(const SweepResult *r); /* what was swept */

/* ---- CSV ---------------------------------------------------------------- */

/* The results as CSV (one header row, one row per point); malloc'd, length
 * in *len. NULL when out of memory. */
char *sweep_csv(const SweepResult *r, size_t *len);

/*
 * Reads a CSV that sweep_csv wrote (text, len bytes; name says where it
 * came from in messages) back into a result: what was swept (from its
 * provenance columns, the ranges parsed again), the I/O threads (from the
 * column names) and every point's aggregated figures, to the nine
 * significant digits the CSV holds. Returns 0, or SIM_ERR_PARSE with a
 * one-line reason ("NAME: not a gilsim sweep CSV: ...", "NAME: line 3 has
 * 2 fields, the header 40"), or SIM_ERR_NOMEM.
 */
int sweep_result_read_csv(const char *name, const char *text, size_t len, SweepResult **out,
                          SimError *err);

/* ---- One point ------------------------------------------------------------ */

/* How to simulate point p again, as `gilsim run` would: the scenario as
 * given (NULL: the built-in one), the --set overrides in order (the fixed
 * ones, the swept keys' values, and seed= of the point's first run), and
 * --until. */
typedef struct SweepPoint {
    const char *file;   /* borrowed from the result */
    char **sets;        /* [n_sets], owned */
    int n_sets;
    SimTime until;
} SweepPoint;

int sweep_point_get(const SweepResult *r, int p, SweepPoint *out);
void sweep_point_fini(SweepPoint *pt);

/* The point's swept values, each after the last part of its key, joined by
 * " · " ("switch_interval=5ms · cores=2"); returns buf. */
char *sweep_point_label(const SweepResult *r, int p, char *buf, size_t n);

#endif /* GILSIM_SWEEP_H */
