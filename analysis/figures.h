/*
 * figures.h - the figures a lesson is about, computed from one run and
 * named, so that the viewer's figures panel, lesson texts ("{io.ops_per_s}
 * operations a second") and quiz answers all read the same numbers.
 *
 *     SimStats *st = sim_stats_compute(tr);
 *     Figures f;
 *     figures_compute(tr, st, &f);
 *     figures_template(&f, "{python.switch_interval} interval", &buf, NULL);
 *     figures_fini(&f);
 *
 * Names (`gilsim explain FILE --figures` lists a run's):
 *   python.switch_interval, python.version, python.gil, machine.cores, seed
 *   makespan                            the run's length
 *   gil.switches, gil.switches_per_s, gil.forced_drops, gil.drop_requests,
 *   gil.failed_wakeups                  summed over every GIL of the run
 *   io.ops, io.ops_per_s, io.p50, io.p99 of the thread that did most I/O
 *   io.T.ops, io.T.ops_per_s, io.T.p50, io.T.p99   of thread T
 *   cpu.T, wait_gil.T                   thread T's share of its lifetime
 *   gil_wait.T.p50, gil_wait.T.max      its waits for the GIL, each from asking to taking
 *   started.T, finished.T               times; T is "name" or "process/name"
 *   shared.V.final, .expected, .lost    a shared variable (shared.final ...
 *                                       for the first one)
 *   queue.Q.max, .puts, .gets, .put_blocked, .get_blocked
 *   lock.L.contended, lock.L.max_waiters, lock.L.max_holders, lock.L.wait_max
 *
 * Invariant: figures depend on the trace only, so a lesson's text and its
 * answer change exactly when the run does (after I, C or --set).
 */
#ifndef GILSIM_FIGURES_H
#define GILSIM_FIGURES_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"
#include "strbuf.h"

typedef enum FigKind {
    FIG_COUNT = 0, /* a whole number: "40,000" */
    FIG_RATE,      /* per second: "164" */
    FIG_TIME,      /* nanoseconds: "6.07 ms" */
    FIG_SHARE,     /* 0..1: "99.4 %" */
    FIG_TEXT,      /* text only: "3.12" */
} FigKind;

typedef struct Figure {
    char key[96];
    double value;
    uint8_t kind;     /* FigKind */
    char text[48];    /* FIG_TEXT: the value */
} Figure;

typedef struct Figures {
    Figure *v;
    int n, cap;
    bool oom;
} Figures;

/* Computes every figure of the run; st is the trace's statistics. Returns
 * 0 or SIM_ERR_NOMEM (f is then empty but may be finished). */
int figures_compute(const SimTrace *tr, const SimStats *st, Figures *f);
void figures_fini(Figures *f);

/* The figure named key, or NULL. */
const Figure *figures_find(const Figures *f, const char *key);
/* A figure as people read it: "164", "6.07 ms", "99.4 %", "40,000".
 * Returns buf. */
char *figure_text(const Figure *fig, char *buf, size_t n);

/* Copies tmpl into out with every "{name}" replaced by that figure's text.
 * An unknown name is kept as written, and the first one is copied into
 * unknown (when not NULL). Returns the number of unknown names. */
int figures_template(const Figures *f, const char *tmpl, StrBuf *out, char *unknown, size_t un);

#endif /* GILSIM_FIGURES_H */
