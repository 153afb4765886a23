/*
 * figures.c - a run's named figures (figures.h): parameters, rates,
 * latencies, shares and object counts, from the trace and its statistics,
 * and the "{name}" templates of lesson texts.
 *
 * Invariant: a thread's rates and shares are taken over its own lifetime
 * (first transition to end, or to the end of the run), so a thread that
 * lives for part of the run is not diluted by the rest.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration_text.h"
#include "figures.h"

static Figure *add(Figures *f, uint8_t kind, double value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static Figure *add(Figures *f, uint8_t kind, double value, const char *fmt, ...)
{
    if (f->n == f->cap) {
        int ncap = f->cap ? f->cap * 2 : 64;
        Figure *nv = realloc(f->v, (size_t)ncap * sizeof(*nv));
        if (!nv) {
            f->oom = true;
            return NULL;
        }
        f->v = nv;
        f->cap = ncap;
    }
    Figure *g = &f->v[f->n];
    memset(g, 0, sizeof(*g));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->key, sizeof(g->key), fmt, ap);
    va_end(ap);
    /* A thread named twice (two processes' "main") keeps its first figure
     * under the plain name; "process/name" is always unique. */
    if (figures_find(f, g->key))
        return NULL;
    g->kind = kind;
    g->value = value;
    f->n++;
    return g;
}

static void add_text(Figures *f, const char *key, const char *text)
{
    Figure *g = add(f, FIG_TEXT, 0, "%s", key);
    if (g)
        snprintf(g->text, sizeof(g->text), "%s", text ? text : "");
}

const Figure *figures_find(const Figures *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->v[i].key, key) == 0)
            return &f->v[i];
    return NULL;
}

void figures_fini(Figures *f)
{
    free(f->v);
    memset(f, 0, sizeof(*f));
}

static double per_second(double k, SimTime ns)
{
    return ns > 0 ? k * 1e9 / (double)ns : 0;
}

/* A thread's lifetime: from its first transition to its end (or the run's). */
static SimTime lifetime(const SimThreadStats *ts, SimTime end)
{
    SimTime a = ts->started_ns >= 0 ? ts->started_ns : 0;
    SimTime b = ts->finished_ns >= 0 ? ts->finished_ns : end;
    return b > a ? b - a : 0;
}

static void thread_figures(Figures *f, const char *who, const SimThreadStats *ts, SimTime end)
{
    SimTime life = lifetime(ts, end);
    add(f, FIG_SHARE, life ? (double)ts->running_ns / (double)life : 0, "cpu.%s", who);
    add(f, FIG_SHARE, life ? (double)ts->state_ns[SIM_R_WAIT_GIL] / (double)life : 0, "wait_gil.%s", who);
    add(f, FIG_TIME, (double)(ts->started_ns >= 0 ? ts->started_ns : 0), "started.%s", who);
    add(f, FIG_TIME, (double)(ts->finished_ns >= 0 ? ts->finished_ns : end), "finished.%s", who);
    add(f, FIG_TIME, (double)ts->gil_wait.max, "gil_wait.%s.max", who);
    add(f, FIG_TIME, (double)ts->gil_wait.p50, "gil_wait.%s.p50", who);
    if (ts->io.count == 0)
        return;
    add(f, FIG_COUNT, (double)ts->io.count, "io.%s.ops", who);
    add(f, FIG_RATE, per_second((double)ts->io.count, life), "io.%s.ops_per_s", who);
    add(f, FIG_TIME, (double)ts->io.p50, "io.%s.p50", who);
    add(f, FIG_TIME, (double)ts->io.p99, "io.%s.p99", who);
}

int figures_compute(const SimTrace *tr, const SimStats *st, Figures *f)
{
    memset(f, 0, sizeof(*f));
    const SimRunInfo *in = sim_trace_info(tr);
    SimTime end = st->sim_time_ns;
    add(f, FIG_TIME, (double)in->switch_interval, "python.switch_interval");
    add_text(f, "python.version", in->python_version);
    add_text(f, "python.gil", in->gil_policy);
    add(f, FIG_COUNT, in->cores, "machine.cores");
    add(f, FIG_COUNT, (double)in->seed, "seed");
    add(f, FIG_TIME, (double)end, "makespan");

    uint64_t sw = 0, forced = 0, req = 0, failed = 0;
    for (int g = 0; g < st->n_gils; g++) {
        sw += st->gils[g].switches;
        forced += st->gils[g].forced_drops;
        req += st->gils[g].drop_requests;
        failed += st->gils[g].failed_wakeups;
    }
    add(f, FIG_COUNT, (double)sw, "gil.switches");
    add(f, FIG_RATE, per_second((double)sw, end), "gil.switches_per_s");
    add(f, FIG_COUNT, (double)forced, "gil.forced_drops");
    add(f, FIG_COUNT, (double)req, "gil.drop_requests");
    add(f, FIG_COUNT, (double)failed, "gil.failed_wakeups");

    /* The I/O thread: the one with the most I/O operations. */
    int io = -1;
    for (int t = 0; t < st->n_threads; t++)
        if (st->threads[t].io.count > 0 && (io < 0 || st->threads[t].io.count > st->threads[io].io.count))
            io = t;
    if (io >= 0) {
        const SimThreadStats *ts = &st->threads[io];
        add(f, FIG_COUNT, (double)ts->io.count, "io.ops");
        add(f, FIG_RATE, per_second((double)ts->io.count, lifetime(ts, end)), "io.ops_per_s");
        add(f, FIG_TIME, (double)ts->io.p50, "io.p50");
        add(f, FIG_TIME, (double)ts->io.p99, "io.p99");
    }
    for (int t = 0; t < st->n_threads; t++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, (uint32_t)t);
        const SimProcessInfo *pi = sim_trace_process(tr, ti->process);
        char who[160];
        snprintf(who, sizeof(who), "%s/%s", pi ? pi->name : "?", ti->name);
        thread_figures(f, ti->name, &st->threads[t], end);
        thread_figures(f, who, &st->threads[t], end);
    }

    bool first_shared = true;
    for (int i = 0; i < st->n_objects; i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, (uint32_t)i);
        const SimObjectStats *os = &st->objects[i];
        const char *k = oi->kind ? oi->kind : "";
        if (strcmp(k, "shared") == 0) {
            double expected = (double)(oi->initial + (int64_t)os->writes + os->stored);
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 1 && !first_shared)
                    break;
                const char *pre = pass == 0 ? oi->name : NULL;
                char p[128];
                snprintf(p, sizeof(p), "shared%s%s", pre ? "." : "", pre ? pre : "");
                add(f, FIG_COUNT, (double)os->final, "%s.final", p);
                add(f, FIG_COUNT, expected, "%s.expected", p);
                add(f, FIG_COUNT, (double)os->lost, "%s.lost", p);
            }
            first_shared = false;
        } else if (!strcmp(k, "queue") || !strcmp(k, "pipe") || !strcmp(k, "mp_queue")) {
            add(f, FIG_COUNT, (double)os->max_items, "queue.%s.max", oi->name);
            add(f, FIG_COUNT, (double)os->puts, "queue.%s.puts", oi->name);
            add(f, FIG_COUNT, (double)os->gets, "queue.%s.gets", oi->name);
            add(f, FIG_TIME, (double)os->put_blocked_ns, "queue.%s.put_blocked", oi->name);
            add(f, FIG_TIME, (double)os->get_blocked_ns, "queue.%s.get_blocked", oi->name);
        } else {
            add(f, FIG_COUNT, (double)os->contended, "lock.%s.contended", oi->name);
            add(f, FIG_COUNT, (double)os->max_waiters, "lock.%s.max_waiters", oi->name);
            add(f, FIG_COUNT, (double)os->max_holders, "lock.%s.max_holders", oi->name);
            add(f, FIG_TIME, (double)os->wait.max, "lock.%s.wait_max", oi->name);
        }
    }
    if (f->oom) {
        figures_fini(f);
        return SIM_ERR_NOMEM;
    }
    return SIM_OK;
}

/* 40000 -> "40,000". */
static void thousands(double v, char *buf, size_t n)
{
    char digits[48];
    snprintf(digits, sizeof(digits), "%.0f", fabs(v) < 1e18 ? v : 0);
    const char *d = digits;
    size_t k = 0;
    if (*d == '-' && k + 1 < n)
        buf[k++] = *d++;
    size_t len = strlen(d);
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = d[i];
    }
    buf[k < n ? k : n - 1] = '\0';
}

char *figure_text(const Figure *fig, char *buf, size_t n)
{
    switch ((FigKind)fig->kind) {
    case FIG_TEXT:
        snprintf(buf, n, "%s", fig->text);
        break;
    case FIG_TIME:
        duration_text_rounded((SimTime)llround(fig->value), 3, buf, n);
        break;
    case FIG_SHARE: {
        double p = fig->value * 100;
        snprintf(buf, n, p >= 99.95 || p < 0.05 ? "%.0f %%" : p >= 10 ? "%.1f %%" : "%.2f %%", p);
        break;
    }
    case FIG_RATE:
        if (fig->value >= 100)
            thousands(fig->value, buf, n);
        else if (fig->value >= 10)
            snprintf(buf, n, "%.1f", fig->value);
        else
            snprintf(buf, n, "%.2f", fig->value);
        decimal_trim_zeros(buf);
        break;
    default:
        thousands(fig->value, buf, n);
        break;
    }
    return buf;
}

int figures_template(const Figures *f, const char *tmpl, StrBuf *out, char *unknown, size_t un)
{
    int bad = 0;
    if (unknown && un)
        unknown[0] = '\0';
    for (const char *p = tmpl; p && *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            strbuf_puts(out, p);
            break;
        }
        strbuf_put(out, p, (size_t)(open - p));
        char key[96];
        size_t kl = (size_t)(close - open - 1);
        const Figure *fig = NULL;
        if (kl < sizeof(key)) {
            memcpy(key, open + 1, kl);
            key[kl] = '\0';
            fig = figures_find(f, key);
        }
        if (fig) {
            char v[64];
            strbuf_puts(out, figure_text(fig, v, sizeof(v)));
        } else {
            strbuf_put(out, open, (size_t)(close - open + 1));
            if (bad++ == 0 && unknown && un)
                snprintf(unknown, un, "%.*s", (int)kl, open + 1);
        }
        p = close + 1;
    }
    return bad;
}
