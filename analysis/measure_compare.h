/*
 * measure_compare.h - a simulated run beside measured runs of the same
 * scenario: one row per figure (the run's makespan and outcome; per
 * thread when it finished, its share of time running, its I/O operations
 * per second and their latency p50 and p99; per process its GIL switches
 * per second; per shared variable its final value and lost updates), the
 * measured value being the median over the runs, with the ratio.
 *
 *     MeasureTable t;
 *     measure_table_build(sim_trace, sim_outcome, traces, outcomes, runs, n, &t);
 *     measure_table_text(&t, &b);   or   cJSON *j = measure_table_json(&t);
 *     measure_table_fini(&t);
 *
 * Subjects pair by name: "run", "PROCESS", "PROCESS/THREAD",
 * "PROCESS/VARIABLE", as compare mode pairs threads.
 */
#ifndef GILSIM_MEASURE_COMPARE_H
#define GILSIM_MEASURE_COMPARE_H

#include <stdbool.h>

#include <cJSON.h>

#include "measured.h"
#include "sim.h"
#include "strbuf.h"

typedef enum MeasureMetric {
    MM_MAKESPAN = 0, /* ns: the run's end */
    MM_DEADLOCK,     /* 1 or 0 */
    MM_FINISHED,     /* ns: when the thread ended */
    MM_RUNNING,      /* share of its life spent running, 0..1 */
    MM_IO_RATE,      /* I/O operations per second of its life */
    MM_IO_P50,       /* ns */
    MM_IO_P99,       /* ns */
    MM_SWITCH_RATE,  /* GIL hand-overs per second of the process's life */
    MM_FINAL,        /* a shared variable's last value */
    MM_LOST,         /* updates lost */
    MM_COUNT
} MeasureMetric;

/* "makespan", "deadlock", ... as --json names them. */
const char *measure_metric_key(MeasureMetric m);

typedef struct MeasureRow {
    char subject[128];
    uint8_t metric;      /* MeasureMetric */
    double sim;
    double meas;         /* the median over the runs that have it */
    double lo, hi;       /* the smallest and largest measured value */
    int n_meas;          /* runs that have it (0: not measured) */
} MeasureRow;

typedef struct MeasureTable {
    MeasureRow *rows;
    int n, cap;
} MeasureTable;

/* The rows of sim (outcome sim_outcome) beside the measured traces. runs,
 * if not NULL, are the recordings the traces were rebuilt from (one each):
 * hand-overs they counted themselves replace the ones a trace infers
 * (measured_process_handovers). 0 or SIM_ERR_NOMEM (t empty). */
int measure_table_build(const SimTrace *sim, int sim_outcome, const SimTrace *const *meas,
                        const int *meas_outcome, const MeasuredRun *runs, int n_meas, MeasureTable *t);
void measure_table_fini(MeasureTable *t);

/* measured / simulated; false when it means nothing (no value, or 0). */
bool measure_row_ratio(const MeasureRow *r, double *ratio);

/* The table as text, one row a line: "  main/io  I/O per second  164  161  0.98". */
void measure_table_text(const MeasureTable *t, StrBuf *b);
/* The table as a JSON array of {"subject", "metric", "simulated", "measured",
 * "measured_min", "measured_max", "ratio", "unit"}; NULL when out of memory. */
cJSON *measure_table_json(const MeasureTable *t);

/* The index of the run whose makespan is the median of n traces. */
int measure_median_run(const SimTrace *const *meas, int n);

#endif /* GILSIM_MEASURE_COMPARE_H */
