/*
 * sweep_internal.h - the inside of a SweepResult, shared by the files that
 * make one (sweep_run.c runs it, sweep_csv.c reads it back) and those that
 * read one (sweep_csv.c writes it, sweep_chart.c charts it). Internal to
 * analysis/.
 *
 * A result holds, per point, every figure aggregated over the point's runs
 * (median, minimum, maximum): the CSV and the chart read only these, so a
 * result read back from its CSV charts exactly like the one that ran.
 */
#ifndef GILSIM_SWEEP_INTERNAL_H
#define GILSIM_SWEEP_INTERNAL_H

#include "sweep.h"

/* Figures of a whole run (M_*), and of each thread that did I/O (T_*). */
enum { M_MAKESPAN = 0, M_THROUGHPUT, M_SWITCHES, M_FORCED, M_FAILED, M_IDLE, M_COUNT };
enum { T_P50 = 0, T_P90, T_P99, T_OPS, T_COUNT };

/* Their CSV column names ("makespan_s", "io_p50_ms", ...). */
extern const char *const sweep_m_col[M_COUNT];
extern const char *const sweep_t_col[T_COUNT];

/* One figure of one point over its runs; NAN when no run had it. */
typedef struct SweepAgg {
    double med, min, max;
} SweepAgg;

struct SweepResult {
    SweepSpec spec;        /* what was swept; its pointers are the caller's after
                              sweep_run, the result's own after reading a CSV */
    int n_points, runs;
    int *coord;            /* [n_points * n_keys] value index of each key */
    char **io;             /* labels "process/thread" of the I/O threads, first seen first */
    int n_io;
    SweepAgg *agg;         /* [n_points * sweep_n_figs(r)]: see sweep_fig */
    int *deadlocks;        /* [n_points] runs of the point that deadlocked */
    int deadlocks_total;
    char *name;            /* scenario name */
    uint64_t hash, seed;   /* scenario hash, first seed */
    char *version;         /* the gilsim that ran the sweep */
    int jobs_used;
    double seconds;
    /* Storage behind spec when read from a CSV. */
    char *own_file;
    char **own_fixed;
    SweepKey *own_keys;
};

/* Figures per point, and the index of one: a whole-run figure (io < 0:
 * metric M_*), or figure t (T_*) of I/O thread io. */
static inline int sweep_n_figs(const SweepResult *r)
{
    return M_COUNT + r->n_io * T_COUNT;
}

static inline int sweep_fig(const SweepResult *r, int metric, int io, int t)
{
    (void)r;
    return io < 0 ? metric : M_COUNT + io * T_COUNT + t;
}

static inline const SweepAgg *sweep_agg(const SweepResult *r, int p, int fig)
{
    return &r->agg[(size_t)p * (size_t)sweep_n_figs(r) + (size_t)fig];
}

/* A result with n_points points, their coordinates in row-major order (the
 * first key slowest); spec is copied as is. NULL when out of memory. */
SweepResult *sweep_result_alloc(const SweepSpec *spec, int n_points);
/* Room for every point's aggregates once r->n_io is known, all NAN.
 * Returns 0 or SIM_ERR_NOMEM. */
int sweep_result_alloc_agg(SweepResult *r);

/* The overrides of point p and seed (UINT64_MAX: none) into list, which
 * has room for n_fixed + n_keys + 1 entries; owned[k] (room for n_keys)
 * receives the malloc'd "KEY=value" strings. Returns the count, or -1 when
 * out of memory. */
int sweep_point_overrides(const SweepResult *r, int p, uint64_t seed, const char **list,
                          char **owned, char *seed_buf, size_t seed_n);

#endif /* GILSIM_SWEEP_INTERNAL_H */
