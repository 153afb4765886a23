/*
 * sweep.h - parameter sweeps: which --set values are swept (ranges
 * "A..B:lin|log:N" and lists "a,b,c"), the cross product of their values,
 * running every point several times in parallel, the figures of each run,
 * and the results as CSV and as a chart (render/chart.h).
 *
 * Call order:
 *
 *     SweepSpec sp = {...};  sweep_key_parse(...) for each --set;
 *     SweepResult *r;
 *     if (sweep_run(&sp, progress, ud, &r, &err) < 0) report(err.msg);
 *     char *csv = sweep_csv(r, &len);
 *     SweepChart *ch = sweep_chart_create(r, &copt, &err);  ... render_chart_export_png(...)
 *     sweep_chart_destroy(ch); sweep_result_destroy(r);
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

#include "chart.h"
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
    const char *file;          /* scenario path or bundled name; NULL: built-in default */
    const char *const *fixed;  /* "KEY=VALUE" overrides every point gets, in order */
    int n_fixed;
    const SweepKey *keys;      /* swept keys; the first varies slowest */
    int n_keys;
    int runs;                  /* runs per point, seeds seed..seed+runs-1 */
    bool has_seed;             /* else the scenario's own seed */
    uint64_t seed;
    SimTime until;             /* SIM_TIME_NEVER: run to the end */
    int jobs;                  /* worker threads; <= 0: one per online CPU */
} SweepSpec;

/* Called from the calling thread about ten times a second while runs
 * proceed, and once at the end with done == total. */
typedef void (*SweepProgressFn)(void *ud, int done, int total, double elapsed_s);

typedef struct SweepResult SweepResult;

/*
 * Loads every point first (so a bad value is reported before anything
 * runs), then runs points x runs simulations on spec->jobs threads.
 * spec and its keys are borrowed and must outlive the result. Returns 0,
 * or a negative SIM_ERR_* with err filled: PARSE/INVALID/IO for a bad
 * scenario or override (the message names the point), NOMEM otherwise.
 */
int sweep_run(const SweepSpec *spec, SweepProgressFn progress, void *ud, SweepResult **out,
              SimError *err);
void sweep_result_destroy(SweepResult *r);

int sweep_result_points(const SweepResult *r);
int sweep_result_jobs(const SweepResult *r);      /* threads actually used */
double sweep_result_seconds(const SweepResult *r); /* wall time of the runs */
int sweep_result_deadlocks(const SweepResult *r); /* runs that ended in a deadlock */
uint64_t sweep_result_seed(const SweepResult *r);  /* first seed */

/* The results as CSV (one header row, one row per point); malloc'd, length
 * in *len. NULL when out of memory. */
char *sweep_csv(const SweepResult *r, size_t *len);

/* ---- Charts ----------------------------------------------------------- */

/* Panels a chart can show, for --metrics. */
#define SWEEP_METRICS "latency,ops,switches,forced,failed,idle,throughput,makespan"
#define SWEEP_METRICS_DEFAULT "latency,switches,throughput"

/* Checks a --metrics list; 0 or -1 with why filled. */
int sweep_metrics_check(const char *list, char *why, size_t n);

typedef struct SweepChartOpts {
    const char *metrics;   /* comma-separated panel names; NULL: the default */
    int x_key;             /* index of the swept key along x; -1: the first range */
    RTheme theme;          /* line colours suit this page */
} SweepChartOpts;

typedef struct SweepChart SweepChart;

/* The chart of a sweep (arrays owned by the SweepChart; r must outlive it).
 * NULL with err set when out of memory or when no panel has data. */
SweepChart *sweep_chart_create(const SweepResult *r, const SweepChartOpts *opt, SimError *err);
const RChart *sweep_chart(const SweepChart *ch);
void sweep_chart_destroy(SweepChart *ch);

#endif /* GILSIM_SWEEP_H */
