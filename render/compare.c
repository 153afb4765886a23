/*
 * compare.c - two runs on one time axis: each run's frame is laid out by
 * layout.c into its own band of the picture (run A on top, run B below,
 * equally wide label columns so their plots line up), then a table of key
 * statistics with the changes from A to B, the notable ones highlighted.
 *
 * Invariant: pure like layout.c: the same traces, viewport and metrics
 * give the same draw list.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "duration_text.h"
#include "sim.h"

/* ---- Statistics --------------------------------------------------------- */

/*
 * Two runs of different lengths cannot be compared by totals: a CPU-bound
 * thread that ran 3 s in a 3 s run and 1 s in a 1 s run did not lose
 * anything. So the table holds rates (per second of the run, or of the
 * thread's life), shares of a thread's life and latencies, and marks a
 * row only when the difference is beyond what chance alone gives: for a
 * rate of counted events, three standard deviations of the two Poisson
 * counts and 5%; for a share, 2 percentage points and 10%; for a time,
 * 10%. The run's length is shown for what it is.
 */

static RCmpRow *row(RCmpRow *rows, int *n, int max, const char *label)
{
    if (*n >= max)
        return NULL;
    RCmpRow *r = &rows[(*n)++];
    memset(r, 0, sizeof(*r));
    snprintf(r->label, sizeof(r->label), "%s", label);
    return r;
}

static void one_sided(RCmpRow *r, bool has_a, bool has_b)
{
    if (!has_a)
        snprintf(r->a, sizeof(r->a), "\xe2\x80\x94");
    if (!has_b)
        snprintf(r->b, sizeof(r->b), "\xe2\x80\x94");
    snprintf(r->delta, sizeof(r->delta), has_a ? "only A" : "only B");
    r->hl = true;
}

static void rel_delta(RCmpRow *r, double a, double b)
{
    if (a == b) {
        snprintf(r->delta, sizeof(r->delta), "=");
    } else if (a == 0) {
        snprintf(r->delta, sizeof(r->delta), "new");
    } else {
        double d = (b - a) / fabs(a) * 100;
        if (fabs(d) < 0.5)
            snprintf(r->delta, sizeof(r->delta), "\xc2\xb1" "0%%");
        else if (fabs(d) >= 1000)
            snprintf(r->delta, sizeof(r->delta), "\xc3\x97%.0f", b / a);
        else
            snprintf(r->delta, sizeof(r->delta), "%+.0f%%", d);
    }
}

/* A time: the run's length, a latency. */
static void time_row(RCmpRow *rows, int *n, int max, const char *label, SimTime a, SimTime b, bool has_a,
                     bool has_b)
{
    RCmpRow *r = row(rows, n, max, label);
    if (!r)
        return;
    duration_text_rounded(a, 4, r->a, sizeof(r->a));
    duration_text_rounded(b, 4, r->b, sizeof(r->b));
    if (!has_a || !has_b) {
        one_sided(r, has_a, has_b);
        return;
    }
    rel_delta(r, (double)a, (double)b);
    double hi = (double)(a > b ? a : b);
    r->hl = hi > 0 && fabs((double)(b - a)) / hi >= 0.10;
}

/* A rate of counted events: ka events over ta ns against kb over tb. */
static void rate_row(RCmpRow *rows, int *n, int max, const char *label, double ka, SimTime ta, double kb,
                     SimTime tb, bool has_a, bool has_b)
{
    RCmpRow *r = row(rows, n, max, label);
    if (!r)
        return;
    double a = ta > 0 ? ka * 1e9 / (double)ta : 0, b = tb > 0 ? kb * 1e9 / (double)tb : 0;
    snprintf(r->a, sizeof(r->a), a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", a);
    snprintf(r->b, sizeof(r->b), b >= 100 ? "%.0f" : b >= 10 ? "%.1f" : "%.2f", b);
    if (!has_a || !has_b) {
        one_sided(r, has_a, has_b);
        return;
    }
    rel_delta(r, a, b);
    double sa = ta > 0 ? sqrt(ka) * 1e9 / (double)ta : 0, sb = tb > 0 ? sqrt(kb) * 1e9 / (double)tb : 0;
    double hi = a > b ? a : b;
    r->hl = fabs(b - a) > 3 * sqrt(sa * sa + sb * sb) && hi > 0 && fabs(b - a) / hi >= 0.05;
}

/* A share of a thread's life, 0..1. */
static void share_row(RCmpRow *rows, int *n, int max, const char *label, double a, double b, bool has_a,
                      bool has_b)
{
    RCmpRow *r = row(rows, n, max, label);
    if (!r)
        return;
    snprintf(r->a, sizeof(r->a), "%.1f %%", a * 100);
    snprintf(r->b, sizeof(r->b), "%.1f %%", b * 100);
    if (!has_a || !has_b) {
        one_sided(r, has_a, has_b);
        return;
    }
    double d = (b - a) * 100;
    if (fabs(d) < 0.05)
        snprintf(r->delta, sizeof(r->delta), "=");
    else
        snprintf(r->delta, sizeof(r->delta), "%+.1f pt", d);
    double hi = a > b ? a : b;
    r->hl = fabs(d) >= 2 && hi > 0 && fabs(b - a) / hi >= 0.10;
}

static void count_row(RCmpRow *rows, int *n, int max, const char *label, int64_t a, int64_t b)
{
    RCmpRow *r = row(rows, n, max, label);
    if (!r)
        return;
    snprintf(r->a, sizeof(r->a), "%lld", (long long)a);
    snprintf(r->b, sizeof(r->b), "%lld", (long long)b);
    rel_delta(r, (double)a, (double)b);
    r->hl = a != b;
}

static const char *thread_name(const SimTrace *tr, int t)
{
    const SimThreadInfo *ti = sim_trace_thread(tr, (uint32_t)t);
    return ti && ti->name ? ti->name : "?";
}

/* A thread's lifetime: first transition to its end (or the run's). */
static SimTime life(const SimThreadStats *ts, SimTime end)
{
    SimTime a = ts->started_ns >= 0 ? ts->started_ns : 0, b = ts->finished_ns >= 0 ? ts->finished_ns : end;
    return b > a ? b - a : 1;
}

static uint64_t switches(const SimStats *st)
{
    uint64_t s = 0;
    for (int g = 0; g < st->n_gils; g++)
        s += st->gils[g].switches;
    return s;
}

int render_compare_stats(const SimTrace *a, const SimTrace *b, RCmpRow *rows, int max)
{
    SimStats *sa = sim_stats_compute(a), *sb = sim_stats_compute(b);
    int n = 0;
    int *pair = NULL;
    char *used = NULL;
    if (!sa || !sb)
        goto out;
    time_row(rows, &n, max, "run length", sa->sim_time_ns, sb->sim_time_ns, true, true);
    rate_row(rows, &n, max, "GIL switches / s", (double)switches(sa), sa->sim_time_ns, (double)switches(sb),
             sb->sim_time_ns, true, true);
    /* Threads paired by name, in A's order, then B's unpaired ones. */
    pair = malloc(((size_t)sa->n_threads + 1) * sizeof(int));
    used = calloc((size_t)sb->n_threads + 1, 1);
    if (!pair || !used)
        goto out;
    for (int i = 0; i < sa->n_threads; i++) {
        pair[i] = -1;
        for (int j = 0; j < sb->n_threads; j++)
            if (!used[j] && strcmp(thread_name(a, i), thread_name(b, j)) == 0) {
                pair[i] = j;
                used[j] = 1;
                break;
            }
    }
    char label[64];
    /* I/O first: it is what an interval change is about. */
    for (int i = 0; i < sa->n_threads; i++) {
        const SimThreadStats *x = &sa->threads[i];
        const SimThreadStats *y = pair[i] >= 0 ? &sb->threads[pair[i]] : NULL;
        if (x->io.count == 0 && (!y || y->io.count == 0))
            continue;
        bool ha = x->io.count > 0, hb = y && y->io.count > 0;
        snprintf(label, sizeof(label), "%s I/O ops / s", thread_name(a, i));
        rate_row(rows, &n, max, label, (double)x->io.count, life(x, sa->sim_time_ns),
                 y ? (double)y->io.count : 0, y ? life(y, sb->sim_time_ns) : 1, ha, hb);
        snprintf(label, sizeof(label), "%s I/O p50", thread_name(a, i));
        time_row(rows, &n, max, label, x->io.p50, y ? y->io.p50 : 0, ha, hb);
        snprintf(label, sizeof(label), "%s I/O p99", thread_name(a, i));
        time_row(rows, &n, max, label, x->io.p99, y ? y->io.p99 : 0, ha, hb);
    }
    for (int j = 0; j < sb->n_threads; j++) {
        if (used[j] || sb->threads[j].io.count == 0)
            continue;
        snprintf(label, sizeof(label), "%s I/O ops / s", thread_name(b, j));
        rate_row(rows, &n, max, label, 0, 1, (double)sb->threads[j].io.count, life(&sb->threads[j], sb->sim_time_ns),
                 false, true);
    }
    /* Shared variables: the updates lost. */
    for (int o = 0; o < sa->n_objects; o++) {
        const SimObjectInfo *oi = sim_trace_object(a, (uint32_t)o);
        if (!oi->kind || strcmp(oi->kind, "shared") != 0)
            continue;
        for (int q = 0; q < sb->n_objects; q++) {
            const SimObjectInfo *qi = sim_trace_object(b, (uint32_t)q);
            if (qi->kind && !strcmp(qi->kind, "shared") && !strcmp(qi->name, oi->name)) {
                snprintf(label, sizeof(label), "%s lost updates", oi->name);
                count_row(rows, &n, max, label, (int64_t)sa->objects[o].lost, (int64_t)sb->objects[q].lost);
                break;
            }
        }
    }
    /* Each thread's share of its life running, and waiting for the GIL. */
    for (int i = 0; i < sa->n_threads; i++) {
        const SimThreadStats *x = &sa->threads[i];
        const SimThreadStats *y = pair[i] >= 0 ? &sb->threads[pair[i]] : NULL;
        double la = (double)life(x, sa->sim_time_ns), lb = y ? (double)life(y, sb->sim_time_ns) : 1;
        snprintf(label, sizeof(label), "%s CPU share", thread_name(a, i));
        share_row(rows, &n, max, label, (double)x->running_ns / la, y ? (double)y->running_ns / lb : 0, true,
                  y != NULL);
        snprintf(label, sizeof(label), "%s waiting for the GIL", thread_name(a, i));
        share_row(rows, &n, max, label, (double)x->state_ns[SIM_R_WAIT_GIL] / la,
                  y ? (double)y->state_ns[SIM_R_WAIT_GIL] / lb : 0, true, y != NULL);
    }
    for (int j = 0; j < sb->n_threads; j++) {
        if (used[j])
            continue;
        double lb = (double)life(&sb->threads[j], sb->sim_time_ns);
        snprintf(label, sizeof(label), "%s CPU share", thread_name(b, j));
        share_row(rows, &n, max, label, 0, (double)sb->threads[j].running_ns / lb, false, true);
        snprintf(label, sizeof(label), "%s waiting for the GIL", thread_name(b, j));
        share_row(rows, &n, max, label, 0, (double)sb->threads[j].state_ns[SIM_R_WAIT_GIL] / lb, false, true);
    }
    /* What differs first: the run's length, then the rows marked beyond
     * noise, then the others that differ; rows equal in both runs are left
     * out unless every row is (the same run twice). */
    bool differs = false;
    for (int i = 0; i < n; i++)
        differs |= strcmp(rows[i].delta, "=") != 0;
    if (differs && n > 1) {
        RCmpRow *tmp = malloc((size_t)n * sizeof(*tmp));
        if (tmp) {
            int k = 0;
            tmp[k++] = rows[0];
            for (int pass = 0; pass < 2; pass++)
                for (int i = 1; i < n; i++)
                    if (rows[i].hl == (pass == 0) && strcmp(rows[i].delta, "=") != 0)
                        tmp[k++] = rows[i];
            memcpy(rows, tmp, (size_t)k * sizeof(*tmp));
            n = k;
            free(tmp);
        }
    }
out:
    free(pair);
    free(used);
    sim_stats_destroy(sa);
    sim_stats_destroy(sb);
    return n;
}

/* ---- Frame -------------------------------------------------------------- */

RCompare *render_compare_create(void)
{
    RCompare *C = calloc(1, sizeof(*C));
    if (!C)
        return NULL;
    C->L[0] = render_layout_create();
    C->L[1] = render_layout_create();
    draw_list_init(&C->part);
    if (!C->L[0] || !C->L[1]) {
        render_compare_destroy(C);
        return NULL;
    }
    return C;
}

void render_compare_destroy(RCompare *C)
{
    if (!C)
        return;
    render_layout_destroy(C->L[0]);
    render_layout_destroy(C->L[1]);
    draw_list_free(&C->part);
    free(C);
}

static int tw(const RTextMetrics *tm, RFont f, int size, const char *s)
{
    if (tm && tm->width)
        return tm->width(tm->ud, f, size, s);
    return (int)(strlen(s) * (size_t)size * 6 / 10);
}

typedef struct Table {
    int fs, row_h, pad, gap;
    int label_w, val_w, delta_w, group_w;
    int groups, per;  /* column groups, rows per group */
    int shown;        /* rows that fit */
    int h;
} Table;

static void table_plan(Table *t, const RCmpRow *rows, int n, int width, int max_h, double u,
                       const RTextMetrics *tm)
{
    memset(t, 0, sizeof(*t));
    if (n <= 0)
        return;
    t->fs = (int)lround(12 * u);
    t->row_h = (int)lround(18 * u);
    t->pad = (int)lround(8 * u);
    t->gap = (int)lround(22 * u);
    t->label_w = tw(tm, R_FONT_BOLD, t->fs, "statistics");
    t->val_w = tw(tm, R_FONT_BOLD, t->fs, "A");
    t->delta_w = tw(tm, R_FONT_BOLD, t->fs, "change");
    for (int i = 0; i < n; i++) {
        int k = tw(tm, R_FONT_REGULAR, t->fs, rows[i].label);
        if (k > t->label_w)
            t->label_w = k;
        k = tw(tm, R_FONT_BOLD, t->fs, rows[i].a);
        if (k > t->val_w)
            t->val_w = k;
        k = tw(tm, R_FONT_BOLD, t->fs, rows[i].b);
        if (k > t->val_w)
            t->val_w = k;
        k = tw(tm, R_FONT_BOLD, t->fs, rows[i].delta);
        if (k > t->delta_w)
            t->delta_w = k;
    }
    int cell = (int)lround(14 * u);
    t->label_w += cell;
    t->val_w += cell;
    t->delta_w += cell;
    t->group_w = t->label_w + 2 * t->val_w + t->delta_w;
    t->groups = (width - 2 * t->pad + t->gap) / (t->group_w + t->gap);
    if (t->groups < 1)
        t->groups = 1;
    t->per = (n + t->groups - 1) / t->groups;
    if (t->groups > 1 && (n + t->groups - 2) / (t->groups - 1) == t->per)
        t->groups--; /* as many rows with fewer columns */
    int max_rows = (max_h - 2 * t->pad) / t->row_h - 1;
    if (max_rows < 1) {
        t->h = 0;
        t->shown = 0;
        return;
    }
    if (t->per > max_rows)
        t->per = max_rows;
    t->shown = t->per * t->groups < n ? t->per * t->groups : n;
    t->h = (t->per + 1) * t->row_h + 2 * t->pad;
}

static void table_draw(const Table *t, const RCmpRow *rows, RRect r, const RPalette *pal,
                       DrawList *dl)
{
    draw_rect(dl, r, pal->panel_bg);
    draw_frame(dl, r, pal->panel_border, 1);
    for (int g = 0; g < t->groups; g++) {
        int x = r.x + t->pad + g * (t->group_w + t->gap);
        int y = r.y + t->pad + t->row_h / 2;
        draw_text(dl, x, y, "statistics", R_FONT_BOLD, t->fs, R_ALIGN_LEFT, pal->fg_dim);
        draw_text(dl, x + t->label_w + t->val_w - t->fs / 2, y, "A", R_FONT_BOLD, t->fs,
                  R_ALIGN_RIGHT, pal->fg_dim);
        draw_text(dl, x + t->label_w + 2 * t->val_w - t->fs / 2, y, "B", R_FONT_BOLD, t->fs,
                  R_ALIGN_RIGHT, pal->fg_dim);
        draw_text(dl, x + t->group_w - t->fs / 2, y, "change", R_FONT_BOLD, t->fs, R_ALIGN_RIGHT,
                  pal->fg_dim);
        for (int k = 0; k < t->per; k++) {
            int i = g * t->per + k;
            if (i >= t->shown)
                break;
            const RCmpRow *rw = &rows[i];
            int yy = r.y + t->pad + (k + 1) * t->row_h;
            if (rw->hl) {
                RColor band = pal->accent;
                band.a = 28;
                draw_rect(dl, rrect(x - t->fs / 3, yy, t->group_w + t->fs / 3, t->row_h), band);
            }
            int cy = yy + t->row_h / 2;
            RFont f = rw->hl ? R_FONT_BOLD : R_FONT_REGULAR;
            draw_text(dl, x, cy, rw->label, R_FONT_REGULAR, t->fs, R_ALIGN_LEFT, pal->fg);
            draw_text(dl, x + t->label_w + t->val_w - t->fs / 2, cy, rw->a, R_FONT_REGULAR, t->fs,
                      R_ALIGN_RIGHT, pal->fg);
            draw_text(dl, x + t->label_w + 2 * t->val_w - t->fs / 2, cy, rw->b, f, t->fs,
                      R_ALIGN_RIGHT, pal->fg);
            draw_text(dl, x + t->group_w - t->fs / 2, cy, rw->delta, f, t->fs, R_ALIGN_RIGHT,
                      rw->hl ? pal->accent : pal->fg_dim);
        }
    }
}

int render_compare_build(RCompare *C, const RIndex *const ix[2], const RViewport *vpin,
                         const RLayoutOpts *opt, const RCmpRow *rows, int n_rows,
                         const RTextMetrics *tm, DrawList *dl)
{
    RViewport vp = *vpin;
    if (vp.scale <= 0)
        vp.scale = 1;
    if (vp.font_scale <= 0)
        vp.font_scale = 1;
    double u = (double)vp.scale * vp.font_scale;
    int W = vp.width, H = vp.height;
    int bottom = H - (int)lround((opt->title_compact ? 2 : 10) * u) - opt->reserve_bottom;
    int mx = (int)lround(14 * u);
    Table t;
    table_plan(&t, rows, n_rows, W - 2 * mx, (bottom - (int)lround(6 * u)) * 35 / 100, u, tm);
    int avail = bottom - (t.h ? t.h + (int)lround(6 * u) : 0);
    if (avail < 2)
        avail = 2;
    C->h[0] = avail / 2;
    C->h[1] = avail - C->h[0];
    C->y_off[0] = 0;
    C->y_off[1] = C->h[0];

    const SimRunInfo *ia = sim_trace_info(ix[0]->tr), *ib = sim_trace_info(ix[1]->tr);
    char names[2][256] = {"", ""}, descs[2][1024] = {"", ""};
    RLayoutOpts o[2];
    static const char *const tags[2] = {"A", "B"};
    for (int k = 0; k < 2; k++) {
        o[k] = *opt;
        o[k].reserve_bottom = 0;
        o[k].fit_lanes = true;
        o[k].auto_text = false;
        o[k].tag = tags[k];
        o[k].legend = k == 1 && opt->legend;
        o[k].hl_interval = opt->hl_interval || ia->switch_interval != ib->switch_interval;
        o[k].hl_cores = opt->hl_cores || ia->cores != ib->cores;
        if (k == 1)
            o[k].has_sel = false;
        /* One time axis for both: its labels go under run B only. */
        if (k == 0) {
            o[k].no_axis_labels = true;
            o[k].axis_h = 4;
        }
    }
    /* Pass 0 measures each frame at half the height: its label column and
     * what is not lanes (title, axis, legend, caption). Then the lanes'
     * room is shared by lane count, and pass 1 draws with one label width. */
    int label_w = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            int over[2], total = 0;
            double wgt[2];
            for (int k = 0; k < 2; k++) {
                const RLayout *Lk = C->L[k];
                over[k] = C->h[k] - Lk->plot.h;
                wgt[k] = Lk->lane_h > 0 ? (double)Lk->content_h / Lk->lane_h : 1;
                if (wgt[k] < 1)
                    wgt[k] = 1;
                total += over[k];
            }
            int lanes = avail - total;
            if (lanes > 0) {
                C->h[0] = over[0] + (int)lround(lanes * wgt[0] / (wgt[0] + wgt[1]));
                C->h[1] = avail - C->h[0];
                C->y_off[1] = C->h[0];
            }
        }
        for (int k = 0; k < 2; k++) {
            RViewport v = vp;
            v.height = C->h[k];
            v.vscroll = 0;
            o[k].label_w = label_w;
            if (render_layout_build(C->L[k], ix[k], &v, &o[k], tm, &C->part) < 0)
                return SIM_ERR_NOMEM;
            if (pass == 0 && C->L[k]->labels.w > label_w)
                label_w = C->L[k]->labels.w;
            if (pass == 1) {
                if (k == 0) {
                    draw_list_reset(dl);
                    dl->clear = C->part.clear;
                    dl->width = W;
                    dl->height = H;
                }
                draw_list_append(dl, &C->part, 0, C->y_off[k]);
                const char *t = draw_list_title(&C->part), *d = draw_list_desc(&C->part);
                snprintf(names[k], sizeof(names[k]), "%s", t ? t : "");
                snprintf(descs[k], sizeof(descs[k]), "%s", d ? d : "");
            }
        }
    }
    char title[600], desc[2200];
    snprintf(title, sizeof(title), "A: %s, B: %s", names[0], names[1]);
    snprintf(desc, sizeof(desc), "A: %s. B: %s", descs[0], descs[1]);
    draw_list_set_meta(dl, title, desc);
    /* The top frame's bottom is the picture's: the viewer anchors its
     * panels there. */
    C->L[0]->bottom = bottom;
    C->stats = rrect(mx, avail + (int)lround(6 * u), W - 2 * mx, t.h);
    if (t.h > 0)
        table_draw(&t, rows, C->stats, render_palette(vp.theme), dl);
    else
        C->stats.h = 0;
    return dl->oom ? SIM_ERR_NOMEM : SIM_OK;
}

bool render_compare_hit(const RCompare *C, const RIndex *const ix[2], int x, int y, int *run,
                        RHit *hit)
{
    int k = y >= C->y_off[1] ? 1 : 0;
    if (y - C->y_off[k] >= C->h[k])
        return false;
    *run = k;
    return render_layout_hit(C->L[k], ix[k], x, y - C->y_off[k], hit);
}
