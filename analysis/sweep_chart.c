/*
 * sweep_chart.c - the chart model of a sweep (chart_model.h): which panels
 * (--metrics), which swept key runs along x (the others become one series
 * each), every line's medians and min-max band per x, the legend labels,
 * the colour roles, the title and the provenance caption.
 *
 * The model is built from a SweepResult only, so `gilsim sweep --plot`
 * (a result that ran) and `gilsim view --sweep` (a result read from the
 * CSV) show the same chart.
 *
 * Invariant: everything the Chart points to belongs to the SweepChart and
 * is freed with it; the result must outlive it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration_text.h"
#include "strbuf.h"
#include "sweep_chart.h"
#include "sweep_internal.h"

enum { P_LATENCY = 0, P_OPS, P_SWITCHES, P_FORCED, P_FAILED, P_IDLE, P_THROUGHPUT, P_MAKESPAN,
       P_COUNT };

static const struct {
    const char *name;   /* for --metrics */
    const char *title;  /* panel title */
    const char *line;   /* legend label with a single series */
    int metric;         /* M_* (global panels) */
    ChartScale scale;
    bool zero;
    double factor;      /* display unit */
} panel_def[P_COUNT] = {
    [P_LATENCY] = {"latency", "I/O latency per operation, from its start until the thread runs "
                              "Python again (ms)", NULL, -1, CHART_SCALE_AUTO, false, 1},
    [P_OPS] = {"ops", "I/O operations per second", NULL, -1, CHART_SCALE_AUTO, false, 1},
    [P_SWITCHES] = {"switches", "GIL switches per second", "GIL switches / s", M_SWITCHES,
                    CHART_SCALE_AUTO, false, 1},
    [P_FORCED] = {"forced", "Forced GIL drops per second", "forced drops / s", M_FORCED,
                  CHART_SCALE_AUTO, false, 1},
    [P_FAILED] = {"failed", "Failed wake-ups per run", "failed wake-ups", M_FAILED,
                  CHART_SCALE_LINEAR, true, 1},
    [P_IDLE] = {"idle", "Time some thread waited for the GIL while a core sat idle (%)",
                "share of the run", M_IDLE, CHART_SCALE_LINEAR, true, 100},
    [P_THROUGHPUT] = {"throughput", "CPU-bound throughput: seconds of Python run per second",
                      "Python s / s", M_THROUGHPUT, CHART_SCALE_LINEAR, false, 1},
    [P_MAKESPAN] = {"makespan", "Makespan (s)", "makespan", M_MAKESPAN, CHART_SCALE_LINEAR, false, 1},
};

static int panel_id(const char *name, size_t len)
{
    for (int i = 0; i < P_COUNT; i++)
        if (strlen(panel_def[i].name) == len && strncmp(panel_def[i].name, name, len) == 0)
            return i;
    return -1;
}

/* Parses a --metrics list into ids (at most CHART_MAX_PANELS); the count,
 * or -1 with the reason in why. */
static int parse_metrics(const char *list, int *ids, char *why, size_t wn)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int id = panel_id(p, len);
        if (id < 0) {
            snprintf(why, wn, "--metrics: unknown metric '%.*s'; expected some of %s", (int)len, p,
                     SWEEP_METRICS);
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (ids[i] == id) {
                snprintf(why, wn, "--metrics: '%.*s' is listed twice", (int)len, p);
                return -1;
            }
        if (n == CHART_MAX_PANELS) {
            snprintf(why, wn, "--metrics: at most %d metrics", CHART_MAX_PANELS);
            return -1;
        }
        ids[n++] = id;
        p = comma ? comma + 1 : p + len;
    }
    if (!n) {
        snprintf(why, wn, "--metrics: empty; expected some of %s", SWEEP_METRICS);
        return -1;
    }
    return n;
}

int sweep_metrics_check(const char *list, char *why, size_t n)
{
    int ids[CHART_MAX_PANELS];
    return parse_metrics(list, ids, why, n) < 0 ? -1 : 0;
}

/* Everything a chart points to, freed together. */
struct SweepChart {
    Chart chart;
    void **owned;
    int n_owned, cap_owned;
    bool oom;
};

static void *keep(SweepChart *c, void *p)
{
    if (!p) {
        c->oom = true;
        return NULL;
    }
    if (c->n_owned == c->cap_owned) {
        int nc = c->cap_owned ? c->cap_owned * 2 : 64;
        void **no = realloc(c->owned, (size_t)nc * sizeof(void *));
        if (!no) {
            free(p);
            c->oom = true;
            return NULL;
        }
        c->owned = no;
        c->cap_owned = nc;
    }
    c->owned[c->n_owned++] = p;
    return p;
}

static char *keepf(SweepChart *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *keepf(SweepChart *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = k >= 0 ? malloc((size_t)k + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    return keep(c, s);
}

static const char *last_segment(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

/* The line of one figure (sweep_fig) for one series along x. */
static ChartLine make_line(SweepChart *c, const SweepResult *r, const int *pts, int n_x, int fig,
                           double factor)
{
    ChartLine ln = {0};
    double *y = keep(c, calloc((size_t)n_x, sizeof(double)));
    double *lo = keep(c, calloc((size_t)n_x, sizeof(double)));
    double *hi = keep(c, calloc((size_t)n_x, sizeof(double)));
    if (!y || !lo || !hi)
        return ln;
    for (int i = 0; i < n_x; i++) {
        const SweepAgg *a = sweep_agg(r, pts[i], fig);
        y[i] = a->med * factor;
        lo[i] = a->min * factor;
        hi[i] = a->max * factor;
    }
    ln.y = y;
    ln.lo = lo;
    ln.hi = hi;
    return ln;
}

SweepChart *sweep_chart_create(const SweepResult *r, const SweepChartOpts *opt, SimError *err)
{
    const SweepSpec *sp = &r->spec;
    int ids[CHART_MAX_PANELS];
    char why[300];
    int n_ids = parse_metrics(opt && opt->metrics ? opt->metrics : SWEEP_METRICS_DEFAULT, ids, why,
                              sizeof(why));
    if (n_ids < 0) {
        sim_error_set(err, SIM_ERR_INVALID, "%s", why);
        return NULL;
    }
    if (sp->n_keys < 1) {
        sim_error_set(err, SIM_ERR_INVALID, "nothing was swept");
        return NULL;
    }
    SweepChart *c = calloc(1, sizeof(*c));
    if (!c) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    Chart *ch = &c->chart;
    int xk = opt ? opt->x_key : -1;
    if (xk < 0 || xk >= sp->n_keys) {
        xk = 0;
        for (int k = sp->n_keys - 1; k >= 0; k--)
            if (sp->keys[k].kind != SWEEP_LIST)
                xk = k;
    }
    const SweepKey *X = &sp->keys[xk];
    int n_x = X->n;
    /* Series: every combination of the other keys, first key slowest. */
    int n_series = r->n_points / n_x;
    int *stride = keep(c, calloc((size_t)sp->n_keys, sizeof(int)));
    int *pts = keep(c, calloc((size_t)n_x, sizeof(int)));
    if (!stride || !pts)
        goto nomem;
    for (int k = sp->n_keys - 1, s = 1; k >= 0; k--) {
        stride[k] = s;
        s *= sp->keys[k].n;
    }

    /* The x axis. */
    bool increasing = X->numeric;
    for (int i = 1; i < n_x && increasing; i++)
        increasing = X->num[i] > X->num[i - 1];
    if (!increasing) {
        ch->x_kind = CHART_X_CATEGORY;
        ch->x_labels = (const char *const *)X->values;
    } else {
        ch->x_kind = X->duration ? CHART_X_DURATION : CHART_X_NUMBER;
        ch->x = X->num;
        ch->x_log = X->kind == SWEEP_LOG ||
                    (X->kind == SWEEP_LIST && X->num[0] > 0 && X->num[n_x - 1] / X->num[0] >= 20);
    }
    ch->n_x = n_x;
    ch->x_mark = NAN;
    if (strcmp(X->key, "python.switch_interval") == 0 && ch->x_kind == CHART_X_DURATION) {
        ch->x_mark = 5e6;
        ch->x_mark_label = "CPython default 5 ms";
    }
    ch->x_label = keepf(c, "%s%s", X->key, ch->x_log ? " (log scale)" : "");

    /* Series names and the other keys' values. */
    char **series = keep(c, calloc((size_t)n_series, sizeof(char *)));
    int *points = keep(c, calloc((size_t)n_series * (size_t)n_x, sizeof(int)));
    if (!series || !points)
        goto nomem;
    for (int s = 0; s < n_series; s++) {
        int *sp_pts = points + (size_t)s * (size_t)n_x;
        StrBuf name = {0};
        int rem = s, base = 0;
        for (int k = sp->n_keys - 1; k >= 0; k--) {
            if (k == xk)
                continue;
            int v = rem % sp->keys[k].n;
            rem /= sp->keys[k].n;
            base += v * stride[k];
        }
        for (int k = 0; k < sp->n_keys; k++) {
            if (k == xk)
                continue;
            int v = (base / stride[k]) % sp->keys[k].n;
            strbuf_printf(&name, "%s%s=%s", name.n ? ", " : "", last_segment(sp->keys[k].key),
                          sp->keys[k].values[v]);
        }
        for (int i = 0; i < n_x; i++)
            sp_pts[i] = base + i * stride[xk];
        if (name.oom) {
            strbuf_fini(&name);
            goto nomem;
        }
        if (n_series == 1) {
            strbuf_fini(&name); /* one series needs no name */
            continue;
        }
        if (!(series[s] = keep(c, strbuf_take(&name, NULL))))
            goto nomem;
    }

    /* I/O threads: drop the process name when they all share one. */
    char **io_short = keep(c, calloc((size_t)(r->n_io ? r->n_io : 1), sizeof(char *)));
    if (!io_short)
        goto nomem;
    bool one_proc = true;
    for (int u = 1; u < r->n_io && one_proc; u++) {
        const char *a = r->io[0], *b = r->io[u];
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        one_proc = la == lb && strncmp(a, b, la) == 0;
    }
    for (int u = 0; u < r->n_io; u++) {
        const char *slash = strchr(r->io[u], '/');
        io_short[u] = one_proc && slash ? (char *)slash + 1 : r->io[u];
    }

    ChartPanel *panels = keep(c, calloc((size_t)n_ids, sizeof(ChartPanel)));
    if (!panels)
        goto nomem;
    int np = 0;
    for (int q = 0; q < n_ids; q++) {
        int id = ids[q];
        bool per_thread = id == P_LATENCY || id == P_OPS;
        if (per_thread && r->n_io == 0)
            continue; /* no thread did I/O: nothing to show */
        /* p99 beside p50 only while the panel stays readable. */
        int pcts = id == P_LATENCY && n_series * r->n_io <= 3 ? 2 : 1;
        int per = per_thread ? r->n_io * pcts : 1;
        int n_lines = per * n_series;
        ChartLine *lines = keep(c, calloc((size_t)n_lines, sizeof(ChartLine)));
        if (!lines)
            goto nomem;
        int l = 0;
        for (int s = 0; s < n_series; s++) {
            for (int u = 0; u < (per_thread ? r->n_io : 1); u++) {
                for (int v = 0; v < (id == P_LATENCY ? pcts : 1); v++) {
                    ChartLine ln;
                    int t = id == P_OPS ? T_OPS : v == 0 ? T_P50 : T_P99;
                    const int *pts = points + (size_t)s * (size_t)n_x;
                    if (per_thread)
                        ln = make_line(c, r, pts, n_x, sweep_fig(r, 0, u, t), 1);
                    else
                        ln = make_line(c, r, pts, n_x, sweep_fig(r, panel_def[id].metric, -1, 0),
                                       panel_def[id].factor);
                    if (c->oom)
                        goto nomem;
                    /* A colour per series; with one series, the colour of
                     * the state the figure is about. */
                    ChartColor col;
                    if (n_series > 1)
                        col = (ChartColor){CHART_INK_SERIES, s};
                    else if (per_thread)
                        col = u == 0 ? (ChartColor){CHART_INK_STATE, SIM_R_IO}
                                     : (ChartColor){CHART_INK_SERIES, u};
                    else if (id == P_THROUGHPUT)
                        col = (ChartColor){CHART_INK_STATE, SIM_R_PYTHON};
                    else if (id == P_IDLE)
                        col = (ChartColor){CHART_INK_STATE, SIM_R_WAIT_CORE};
                    else if (id == P_MAKESPAN)
                        col = (ChartColor){CHART_INK_DIM, 0};
                    else
                        col = (ChartColor){CHART_INK_STATE, SIM_R_WAIT_GIL};
                    ln.color = col;
                    ln.series = s;
                    /* Dashes mark p99, or with several series (one colour
                     * each) every other I/O thread. */
                    ln.dashed = (id == P_LATENCY && v == 1) ||
                                (n_series > 1 && pcts == 1 && per_thread && u % 2 == 1);
                    const char *what = per_thread ? (id == P_OPS ? "operations / s"
                                                     : v == 0 ? "p50" : "p99")
                                                  : panel_def[id].line;
                    if (per_thread && series[s])
                        ln.label = keepf(c, "%s \xc2\xb7 %s %s", series[s], io_short[u], what);
                    else if (per_thread)
                        ln.label = keepf(c, "%s %s", io_short[u], what);
                    else
                        ln.label = series[s] ? series[s] : panel_def[id].line;
                    if (!ln.label)
                        goto nomem;
                    lines[l++] = ln;
                }
            }
        }
        panels[np].title = panel_def[id].title;
        panels[np].y_scale = panel_def[id].scale;
        panels[np].y_zero = panel_def[id].zero;
        panels[np].lines = lines;
        panels[np].n_lines = l;
        panels[np].y_max = id == P_IDLE ? 100 : 0;
        if (id == P_THROUGHPUT) {
            /* One GIL runs at most one second of Python per second: keep
             * the axis from suggesting more than the next whole number. */
            double top = 0;
            for (int q2 = 0; q2 < l; q2++)
                for (int i = 0; i < n_x; i++)
                    if (isfinite(lines[q2].hi[i]))
                        top = fmax(top, lines[q2].hi[i]);
            panels[np].y_max = fmax(1, ceil(top));
        }
        np++;
    }
    if (np == 0) {
        sim_error_set(err, SIM_ERR_INVALID,
                      "no chart: no thread did I/O, and only I/O metrics were asked for");
        sweep_chart_destroy(c);
        return NULL;
    }
    ch->panels = panels;
    ch->n_panels = np;
    ch->n_series = n_series;
    ch->points = points;
    char **labels = keep(c, calloc((size_t)n_series * (size_t)n_x, sizeof(char *)));
    if (!labels)
        goto nomem;
    for (int k = 0; k < n_series * n_x; k++) {
        char lab[512];
        if (!(labels[k] = keepf(c, "%s", sweep_point_label(r, points[k], lab, sizeof(lab)))))
            goto nomem;
    }
    ch->point_labels = (const char *const *)labels;

    /* Title, subtitle and the provenance caption. */
    char a[32], b[32];
    if (X->duration)
        ch->title = keepf(c, "%s: %s from %s to %s", r->name, X->key,
                          duration_text_rounded((SimTime)X->num[0], 4, a, sizeof(a)),
                          duration_text_rounded((SimTime)X->num[n_x - 1], 4, b, sizeof(b)));
    else
        ch->title = keepf(c, "%s: %s from %s to %s", r->name, X->key, X->values[0],
                          X->values[n_x - 1]);
    char seeds[64];
    if (r->runs == 1)
        snprintf(seeds, sizeof(seeds), "seed %llu", (unsigned long long)r->seed);
    else
        snprintf(seeds, sizeof(seeds), "seeds %llu\xe2\x80\x93%llu", (unsigned long long)r->seed,
                 (unsigned long long)(r->seed + (uint64_t)r->runs - 1));
    if (r->runs > 1)
        ch->subtitle = keepf(c, "Each line is the median of %d runs per point (%s); the shaded band "
                                "spans their minimum to maximum. %d values of %s%s.",
                             r->runs, seeds, n_x, X->key,
                             X->kind == SWEEP_LOG ? ", log-spaced" : X->kind == SWEEP_LIN ? ", evenly spaced" : "");
    else
        ch->subtitle = keepf(c, "One run per point (%s). %d values of %s%s.", seeds, n_x, X->key,
                             X->kind == SWEEP_LOG ? ", log-spaced" : X->kind == SWEEP_LIN ? ", evenly spaced" : "");
    StrBuf cap = {0};
    strbuf_printf(&cap, "gilsim %s  \xc2\xb7  scenario \xe2\x80\x9c%s\xe2\x80\x9d #%08llx",
                  r->version, r->name, (unsigned long long)(r->hash >> 32));
    if (sp->file)
        strbuf_printf(&cap, " (%s)", sp->file);
    strbuf_printf(&cap, "  \xc2\xb7  %s, %d run%s per point", seeds, r->runs,
                  r->runs == 1 ? "" : "s");
    for (int k = 0; k < sp->n_keys; k++)
        strbuf_printf(&cap, "  \xc2\xb7  --set %s=%s", sp->keys[k].key, sp->keys[k].spec);
    for (int i = 0; i < sp->n_fixed; i++)
        strbuf_printf(&cap, "  \xc2\xb7  --set %s", sp->fixed[i]);
    if (sp->until != SIM_TIME_NEVER)
        strbuf_printf(&cap, "  \xc2\xb7  --until %s",
                      duration_text_rounded(sp->until, 4, a, sizeof(a)));
    if (r->deadlocks_total)
        strbuf_printf(&cap, "  \xc2\xb7  %d run%s deadlocked", r->deadlocks_total,
                      r->deadlocks_total == 1 ? "" : "s");
    ch->caption = keep(c, strbuf_take(&cap, NULL));
    if (c->oom || !ch->title || !ch->subtitle || !ch->caption || !ch->x_label)
        goto nomem;
    return c;
nomem:
    sim_error_set(err, SIM_ERR_NOMEM, "out of memory while making the chart");
    sweep_chart_destroy(c);
    return NULL;
}

const Chart *sweep_chart(const SweepChart *ch)
{
    return &ch->chart;
}

void sweep_chart_destroy(SweepChart *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c);
}
