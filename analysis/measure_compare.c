/*
 * measure_compare.c - the table of simulated against measured figures
 * (see measure_compare.h).
 *
 * The figures of one run come from its trace alone (sim_stats_compute and
 * the process start and exit records), so a simulated run and a rebuilt
 * measured one are read the same way; the one exception is a process
 * whose hand-overs the runtime counted itself (Python 2), where the count
 * replaces the hand-overs its rebuilt trace infers from pauses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure_compare.h"

static const char *const KEYS[MM_COUNT] = {
    "makespan", "deadlock", "finished", "running_share", "io_per_second", "io_latency_p50",
    "io_latency_p99", "gil_switches_per_second", "final_value", "lost_updates",
};

static const char *const LABELS[MM_COUNT] = {
    "makespan", "deadlock", "finished", "running share", "I/O per second", "I/O latency p50",
    "I/O latency p99", "GIL switches per second", "final value", "lost updates",
};

const char *measure_metric_key(MeasureMetric m)
{
    return m < MM_COUNT ? KEYS[m] : "unknown";
}

/* One run's figures. */
typedef struct Fig {
    char subject[128];
    uint8_t metric;
    double value;
} Fig;

typedef struct Figs {
    Fig *v;
    int n, cap;
    bool oom;
} Figs;

static void fig(Figs *f, const char *subject, int metric, double value)
{
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 64;
        Fig *v = realloc(f->v, (size_t)cap * sizeof(*v));
        if (!v) {
            f->oom = true;
            return;
        }
        f->v = v;
        f->cap = cap;
    }
    Fig *x = &f->v[f->n++];
    snprintf(x->subject, sizeof(x->subject), "%s", subject);
    x->metric = (uint8_t)metric;
    x->value = value;
}

static void figures(const SimTrace *tr, int outcome, const MeasuredRun *counted, Figs *f)
{
    SimStats *st = sim_stats_compute(tr);
    if (!st) {
        f->oom = true;
        return;
    }
    SimTime end = sim_trace_end(tr);
    if (outcome != SIM_RUN_UNTIL) /* stopped at a time limit: its end is not known */
        fig(f, "run", MM_MAKESPAN, (double)end);
    fig(f, "run", MM_DEADLOCK, outcome == SIM_RUN_DEADLOCK);
    uint32_t np = sim_trace_process_count(tr);
    char subject[128];
    for (uint32_t i = 0; i < sim_trace_thread_count(tr) && i < (uint32_t)st->n_threads; i++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, i);
        const SimThreadStats *ts = &st->threads[i];
        if (ts->started_ns < 0)
            continue;
        snprintf(subject, sizeof(subject), "%s/%s",
                 ti->process < np ? sim_trace_process(tr, ti->process)->name : "?", ti->name);
        SimTime last = ts->finished_ns >= 0 ? ts->finished_ns : end;
        double life = (double)(last - ts->started_ns);
        if (ts->finished_ns >= 0 && ts->last_reason == SIM_R_EXITED)
            fig(f, subject, MM_FINISHED, (double)ts->finished_ns);
        if (life > 0)
            fig(f, subject, MM_RUNNING, (double)ts->running_ns / life);
        if (ts->io.count > 0) {
            if (life > 0)
                fig(f, subject, MM_IO_RATE, (double)ts->io.count / (life / 1e9));
            fig(f, subject, MM_IO_P50, (double)ts->io.p50);
            fig(f, subject, MM_IO_P99, (double)ts->io.p99);
        }
    }
    /* Process lives, from their start and exit records. */
    SimTime *p0 = calloc(np ? np : 1, sizeof(*p0)), *p1 = calloc(np ? np : 1, sizeof(*p1));
    if (!p0 || !p1) {
        f->oom = true;
    } else {
        for (uint32_t p = 0; p < np; p++)
            p0[p] = -1, p1[p] = end;
        size_t nr = sim_trace_count(tr);
        const SimRecord *r = sim_trace_records(tr);
        for (size_t k = 0; k < nr; k++) {
            if (r[k].kind == SIM_REC_PROC_START && r[k].arg < np && p0[r[k].arg] < 0)
                p0[r[k].arg] = r[k].t;
            else if (r[k].kind == SIM_REC_PROC_EXIT && r[k].arg < np)
                p1[r[k].arg] = r[k].t;
        }
        for (uint32_t p = 0; p < np; p++) {
            const SimProcessInfo *pi = sim_trace_process(tr, p);
            double life = p0[p] >= 0 ? (double)(p1[p] - p0[p]) : 0;
            int64_t direct = counted ? measured_process_handovers(counted, pi->name) : -1;
            double switches = direct >= 0 ? (double)direct
                              : pi->gil < (uint32_t)st->n_gils ? (double)st->gils[pi->gil].switches : -1;
            if (switches >= 0 && life > 0)
                fig(f, pi->name, MM_SWITCH_RATE, switches / (life / 1e9));
        }
    }
    free(p0);
    free(p1);
    for (uint32_t o = 0; o < sim_trace_object_count(tr) && o < (uint32_t)st->n_objects; o++) {
        const SimObjectInfo *oi = sim_trace_object(tr, o);
        if (strcmp(oi->kind, "shared") != 0)
            continue;
        snprintf(subject, sizeof(subject), "%s/%s",
                 oi->process < np ? sim_trace_process(tr, oi->process)->name : "?", oi->name);
        fig(f, subject, MM_FINAL, (double)st->objects[o].final);
        fig(f, subject, MM_LOST, (double)st->objects[o].lost);
    }
    sim_stats_destroy(st);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int measure_table_build(const SimTrace *sim, int sim_outcome, const SimTrace *const *meas,
                        const int *meas_outcome, const MeasuredRun *runs, int n_meas, MeasureTable *t)
{
    memset(t, 0, sizeof(*t));
    Figs s = {0};
    Figs *m = calloc((size_t)(n_meas ? n_meas : 1), sizeof(*m));
    double *vals = malloc((size_t)(n_meas ? n_meas : 1) * sizeof(*vals));
    bool oom = !m || !vals;
    if (!oom)
        figures(sim, sim_outcome, NULL, &s);
    for (int k = 0; !oom && k < n_meas; k++) {
        figures(meas[k], meas_outcome[k], runs ? &runs[k] : NULL, &m[k]);
        oom = m[k].oom;
    }
    oom = oom || s.oom;
    if (!oom && s.n && !(t->rows = calloc((size_t)s.n, sizeof(*t->rows))))
        oom = true;
    for (int i = 0; !oom && i < s.n; i++) {
        MeasureRow *r = &t->rows[t->n++];
        snprintf(r->subject, sizeof(r->subject), "%s", s.v[i].subject);
        r->metric = s.v[i].metric;
        r->sim = s.v[i].value;
        int n = 0;
        for (int k = 0; k < n_meas; k++)
            for (int j = 0; j < m[k].n; j++)
                if (m[k].v[j].metric == r->metric && strcmp(m[k].v[j].subject, r->subject) == 0) {
                    vals[n++] = m[k].v[j].value;
                    break;
                }
        r->n_meas = n;
        if (n) {
            qsort(vals, (size_t)n, sizeof(*vals), cmp_double);
            r->meas = n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2;
            r->lo = vals[0];
            r->hi = vals[n - 1];
        }
    }
    free(s.v);
    for (int k = 0; m && k < n_meas; k++)
        free(m[k].v);
    free(m);
    free(vals);
    if (oom) {
        measure_table_fini(t);
        return SIM_ERR_NOMEM;
    }
    t->cap = t->n;
    return 0;
}

void measure_table_fini(MeasureTable *t)
{
    free(t->rows);
    memset(t, 0, sizeof(*t));
}

bool measure_row_ratio(const MeasureRow *r, double *ratio)
{
    if (!r->n_meas || r->metric == MM_DEADLOCK || r->sim == 0 || !isfinite(r->meas / r->sim))
        return false;
    *ratio = r->meas / r->sim;
    return true;
}

static bool is_duration(int metric)
{
    return metric == MM_MAKESPAN || metric == MM_FINISHED || metric == MM_IO_P50 || metric == MM_IO_P99;
}

static void value_text(int metric, double v, char *buf, size_t n)
{
    if (is_duration(metric))
        sim_duration_format((SimTime)llround(v), buf, n);
    else if (metric == MM_DEADLOCK)
        snprintf(buf, n, "%s", v != 0 ? "yes" : "no");
    else if (metric == MM_RUNNING)
        snprintf(buf, n, "%.1f %%", v * 100);
    else if (metric == MM_FINAL || metric == MM_LOST)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, v >= 100 ? "%.0f" : "%.1f", v);
}

void measure_table_text(const MeasureTable *t, StrBuf *b)
{
    int w = 7;
    for (int i = 0; i < t->n; i++) {
        int l = (int)strlen(t->rows[i].subject);
        if (l > w)
            w = l;
    }
    if (w > 40)
        w = 40;
    strbuf_printf(b, "  %-*s  %-24s %12s %12s %7s\n", w, "subject", "figure", "simulated", "measured",
                  "ratio");
    for (int i = 0; i < t->n; i++) {
        const MeasureRow *r = &t->rows[i];
        char sv[40], mv[40], ratio[16] = "-";
        double q;
        value_text(r->metric, r->sim, sv, sizeof(sv));
        if (r->n_meas)
            value_text(r->metric, r->meas, mv, sizeof(mv));
        else
            snprintf(mv, sizeof(mv), "-");
        if (measure_row_ratio(r, &q))
            snprintf(ratio, sizeof(ratio), "%.2f", q);
        const char *subject = i > 0 && strcmp(t->rows[i - 1].subject, r->subject) == 0 ? "" : r->subject;
        strbuf_printf(b, "  %-*.*s  %-24s %12s %12s %7s\n", w, w, subject, LABELS[r->metric], sv, mv, ratio);
    }
}

cJSON *measure_table_json(const MeasureTable *t)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < t->n; i++) {
        const MeasureRow *r = &t->rows[i];
        cJSON *o = cJSON_CreateObject();
        double q;
        bool ok = o && cJSON_AddItemToArray(arr, o) && cJSON_AddStringToObject(o, "subject", r->subject) &&
                  cJSON_AddStringToObject(o, "metric", KEYS[r->metric]) &&
                  cJSON_AddNumberToObject(o, "simulated", r->sim);
        if (ok && r->n_meas)
            ok = cJSON_AddNumberToObject(o, "measured", r->meas) &&
                 cJSON_AddNumberToObject(o, "measured_min", r->lo) &&
                 cJSON_AddNumberToObject(o, "measured_max", r->hi);
        else if (ok)
            ok = cJSON_AddNullToObject(o, "measured") != NULL;
        if (ok)
            ok = measure_row_ratio(r, &q) ? cJSON_AddNumberToObject(o, "ratio", q) != NULL
                                          : cJSON_AddNullToObject(o, "ratio") != NULL;
        const char *unit = is_duration(r->metric)                                     ? "ns"
                           : r->metric == MM_RUNNING                                  ? "share"
                           : r->metric == MM_IO_RATE || r->metric == MM_SWITCH_RATE ? "per_second"
                           : r->metric == MM_DEADLOCK                                 ? "bool"
                                                                                      : "count";
        if (ok)
            ok = cJSON_AddStringToObject(o, "unit", unit) != NULL;
        if (!ok) {
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

int measure_median_run(const SimTrace *const *meas, int n)
{
    int best = 0;
    for (int i = 0; i < n; i++) {
        int below = 0, above = 0;
        for (int j = 0; j < n; j++) {
            below += sim_trace_end(meas[j]) < sim_trace_end(meas[i]);
            above += sim_trace_end(meas[j]) > sim_trace_end(meas[i]);
        }
        if (below <= n / 2 && above <= n / 2) {
            best = i;
            break;
        }
    }
    return best;
}
