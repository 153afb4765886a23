/*
 * compare.h - two runs stacked on one shared time axis, with their key
 * statistics side by side (pure, like layout.h: no SDL).
 *
 *     RCmpRow rows[R_CMP_MAX_ROWS];
 *     int n = render_compare_stats(trace_a, trace_b, rows, R_CMP_MAX_ROWS);
 *     RCompare *C = render_compare_create();
 *     const RIndex *ix[2] = {a, b};
 *     render_compare_build(C, ix, &vp, &opts, rows, n, &metrics, &dl);
 *     // C->L[k] is run k's geometry, moved down by C->y_off[k]
 *
 * Invariant: both runs use the same viewport time range and the same plot
 * rectangle in x (their label columns are made equally wide), so a time
 * is at the same x in both, and run B's draw commands are run B's own
 * frame moved down by y_off[1].
 */
#ifndef GILSIM_COMPARE_H
#define GILSIM_COMPARE_H

#include "layout.h"

#define R_CMP_MAX_ROWS 64

/* One line of the statistics table: a metric, its value in each run and
 * the change from A to B; hl marks a difference beyond noise (compare.c
 * says how much that is per kind of figure), or a row of one run only. */
typedef struct RCmpRow {
    char label[64];
    char a[40], b[40];
    char delta[24];
    bool hl;
} RCmpRow;

/* The statistics the comparison shows, as rates and shares so runs of
 * different lengths compare: the run's length, GIL switches per second,
 * per I/O thread its operations per second and latency p50 and p99, the
 * updates lost per shared variable, and each thread's share of its life
 * running and waiting for the GIL (threads paired by name). The run's
 * length comes first, then what differs beyond noise, then what differs
 * at all; rows equal in both runs are left out unless all are. Returns
 * the number of rows (at most max). */
int render_compare_stats(const SimTrace *a, const SimTrace *b, RCmpRow *rows, int max);

typedef struct RCompare {
    RLayout *L[2];     /* each run's frame geometry, in its own coordinates */
    int y_off[2];      /* where each frame starts in the picture */
    int h[2];          /* each frame's height */
    RRect stats;       /* the statistics table (h == 0: none) */
    DrawList part;     /* scratch */
} RCompare;

RCompare *render_compare_create(void);
void render_compare_destroy(RCompare *C);

/* Builds the stacked frame into dl (reset first): run A on top (no
 * legend), run B under it (legend), each with its title, tag and
 * parameters, then the table of n_rows rows (none when n_rows is 0).
 * opt applies to both runs; its tag, legend and hl_* are set per run.
 * opt->reserve_bottom stays free under everything (viewer panels).
 * Returns 0 or SIM_ERR_NOMEM. */
int render_compare_build(RCompare *C, const RIndex *const ix[2], const RViewport *vp,
                         const RLayoutOpts *opt, const RCmpRow *rows, int n_rows,
                         const RTextMetrics *tm, DrawList *dl);

/* Which run and lane a point of the last compare frame is over. */
bool render_compare_hit(const RCompare *C, const RIndex *const ix[2], int x, int y, int *run,
                        RHit *hit);

#endif /* GILSIM_COMPARE_H */
