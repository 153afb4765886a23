/*
 * figlines.c - the lines of the viewer's figures panel: the figures a
 * lesson is about (analysis/figures.h) in a few short lines, marked where
 * they differ from the run the viewer opened with, so a live change (I,
 * C) shows in numbers as well as in the lanes.
 *
 * Invariant: pure; a line says only what the run has (no I/O line without
 * I/O, no counter line without a shared variable).
 */
#include <stdio.h>
#include <string.h>

#include "figures.h"
#include "view.h"

static const char *val(const Figures *f, const char *key, char *buf, size_t n)
{
    const Figure *g = f ? figures_find(f, key) : NULL;
    if (!g)
        return NULL;
    return figure_text(g, buf, n);
}

typedef struct Cpu {
    char name[40];
    double share;
} Cpu;

/* One line from a printf-like recipe over figure names; NULL when a
 * figure is missing. */
static bool line(const Figures *f, RFigLine *out, const char *label, const char *fmt, const char *const *keys,
                 int n)
{
    char v[4][48];
    for (int i = 0; i < n; i++)
        if (!val(f, keys[i], v[i], sizeof(v[i])))
            return false;
    snprintf(out->label, sizeof(out->label), "%s", label);
    switch (n) {
    case 1: snprintf(out->value, sizeof(out->value), fmt, v[0]); break;
    case 2: snprintf(out->value, sizeof(out->value), fmt, v[0], v[1]); break;
    case 3: snprintf(out->value, sizeof(out->value), fmt, v[0], v[1], v[2]); break;
    default: snprintf(out->value, sizeof(out->value), fmt, v[0], v[1], v[2], v[3]); break;
    }
    return true;
}

static int build(const Figures *f, const SimTrace *tr, RFigLine *out, int max)
{
    int n = 0;
    /* Shared variables first: the outcome a race lesson is about, the
     * final value against the expected one. */
    for (uint32_t o = 0; o < sim_trace_object_count(tr) && n < max; o++) {
        const SimObjectInfo *oi = sim_trace_object(tr, o);
        char k[3][160];
        if (!oi->kind || strcmp(oi->kind, "shared") != 0)
            continue;
        snprintf(k[0], sizeof(k[0]), "shared.%s.final", oi->name);
        snprintf(k[1], sizeof(k[1]), "shared.%s.expected", oi->name);
        snprintf(k[2], sizeof(k[2]), "shared.%s.lost", oi->name);
        if (line(f, &out[n], oi->name, "final %s \xc2\xb7 expected %s \xc2\xb7 %s lost",
                 (const char *[]){k[0], k[1], k[2]}, 3))
            n++;
    }
    if (n < max && line(f, &out[n], "I/O", "%s ops/s \xc2\xb7 p50 %s \xc2\xb7 p99 %s",
                        (const char *[]){"io.ops_per_s", "io.p50", "io.p99"}, 3))
        n++;
    if (n < max && line(f, &out[n], "GIL", "%s switches/s \xc2\xb7 %s forced drops",
                        (const char *[]){"gil.switches_per_s", "gil.forced_drops"}, 2) &&
        figures_find(f, "gil.switches")->value > 0)
        n++;
    for (uint32_t o = 0; o < sim_trace_object_count(tr) && n < max; o++) {
        const SimObjectInfo *oi = sim_trace_object(tr, o);
        char k[3][160];
        if (!oi->kind || (strcmp(oi->kind, "queue") && strcmp(oi->kind, "mp_queue")))
            continue;
        snprintf(k[0], sizeof(k[0]), "queue.%s.max", oi->name);
        snprintf(k[1], sizeof(k[1]), "queue.%s.put_blocked", oi->name);
        snprintf(k[2], sizeof(k[2]), "queue.%s.get_blocked", oi->name);
        if (strstr(oi->name, ".work"))
            continue; /* a pool's own queue */
        if (line(f, &out[n], oi->name, "max %s items \xc2\xb7 put blocked %s \xc2\xb7 get blocked %s",
                 (const char *[]){k[0], k[1], k[2]}, 3))
            n++;
    }
    /* CPU share per thread, the busiest first, at most four. */
    Cpu cpu[4];
    int nc = 0, threads = 0;
    for (uint32_t t = 0; t < sim_trace_thread_count(tr); t++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, t);
        const SimProcessInfo *pi = sim_trace_process(tr, ti->process);
        char key[200];
        snprintf(key, sizeof(key), "cpu.%s/%s", pi ? pi->name : "?", ti->name);
        const Figure *g = figures_find(f, key);
        if (!g)
            continue;
        threads++;
        Cpu c;
        /* Every process has its "main": name the process where it matters. */
        bool dup = false;
        for (uint32_t u = 0; u < sim_trace_thread_count(tr) && !dup; u++)
            dup = u != t && !strcmp(sim_trace_thread(tr, u)->name, ti->name);
        if (dup)
            snprintf(c.name, sizeof(c.name), "%.19s/%.19s", pi ? pi->name : "?", ti->name);
        else
            snprintf(c.name, sizeof(c.name), "%.39s", ti->name);
        c.share = g->value;
        int at;
        if (nc < 4)
            at = nc++;
        else if (c.share > cpu[3].share)
            at = 3;
        else
            continue;
        cpu[at] = c;
        for (int i = at; i > 0 && cpu[i].share > cpu[i - 1].share; i--) {
            Cpu tmp = cpu[i];
            cpu[i] = cpu[i - 1];
            cpu[i - 1] = tmp;
        }
    }
    if (nc > 0 && n < max) {
        snprintf(out[n].label, sizeof(out[n].label), "CPU");
        size_t k = 0;
        out[n].value[0] = '\0';
        for (int i = 0; i < nc && k < sizeof(out[n].value); i++) {
            Figure g = {.kind = FIG_SHARE, .value = cpu[i].share};
            char v[24];
            k += (size_t)snprintf(out[n].value + k, sizeof(out[n].value) - k, "%s%.39s %s", i ? " \xc2\xb7 " : "",
                                  cpu[i].name, figure_text(&g, v, sizeof(v)));
        }
        if (threads > nc && k < sizeof(out[n].value))
            snprintf(out[n].value + k, sizeof(out[n].value) - k, " \xc2\xb7 \xe2\x80\xa6");
        n++;
    }
    if (n < max && line(f, &out[n], "run", "%s", (const char *[]){"makespan"}, 1))
        n++;
    return n;
}

int render_figure_lines(const Figures *now, const Figures *base, const SimTrace *tr, RFigLine *out, int max)
{
    int n = build(now, tr, out, max);
    if (!base)
        return n;
    RFigLine was[R_FIG_LINES];
    int m = build(base, tr, was, R_FIG_LINES);
    for (int i = 0; i < n; i++) {
        out[i].changed = true;
        for (int j = 0; j < m; j++)
            if (strcmp(out[i].label, was[j].label) == 0)
                out[i].changed = strcmp(out[i].value, was[j].value) != 0;
    }
    return n;
}
