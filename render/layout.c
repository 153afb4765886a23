/*
 * layout.c - trace lanes plus a viewport become one frame's draw list:
 * title and parameters, process groups with a GIL lane and thread lanes,
 * core lanes, time axis, legend and provenance caption.
 *
 * Level of detail: a lane is walked column by column. A column that lies
 * inside one span is skipped to that span's end in O(1); a column with
 * several spans is summarised as the mix of its values, stacked, each as
 * tall as its share (lod.h), and where spans are a few pixels wide or
 * less every column takes its mix over its neighbours too, so a regular
 * pattern cannot beat against the pixel grid. Neighbouring columns with
 * the same summary merge into one rectangle. So a lane costs O(visible
 * spans + columns x log n) and draws at most three rectangles a column.
 *
 * Invariant: nothing here knows about SDL; geometry is integer device
 * pixels derived from the viewport only, so the same inputs give the same
 * draw list byte for byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration_text.h"
#include "layout.h"
#include "lod.h"
#include "sim.h"

#define R_GROUP_ORPHANS (SIM_NONE - 1)
#define R_GROUP_SHARED (SIM_NONE - 2)

typedef struct Ctx {
    RLayout *L;
    const RIndex *ix;
    const RViewport *vp;
    const RLayoutOpts *opt;
    const RTextMetrics *tm;
    DrawList *dl;
    const RPalette *pal;
    double s, u;     /* device px per logical px; and for text-sized things */
    double t0, npp;  /* time at the plot's left edge; ns per device px */
    int f_title, f_body, f_small, f_label, f_caption;
    int f_legend;
    bool compact; /* short legend labels in small text, for small pictures */
    char vbuf[96];  /* value_label's text for counted values */
} Ctx;

static int S(const Ctx *c, double v)
{
    return (int)lround(v * c->s);
}

static int U(const Ctx *c, double v)
{
    return (int)lround(v * c->u);
}

static int text_w(const Ctx *c, RFont f, int size, const char *s)
{
    if (c->tm && c->tm->width)
        return c->tm->width(c->tm->ud, f, size, s);
    return (int)(strlen(s) * (size_t)size * 6 / 10);
}

RLayoutOpts render_layout_opts_export(void)
{
    RLayoutOpts o;
    memset(&o, 0, sizeof(o));
    o.title = o.legend = o.caption = o.fit_lanes = o.labels = o.marks = o.auto_text = true;
    o.version = GILSIM_VERSION;
    o.cursor = -1;
    o.hide_after = -1;
    return o;
}

RViewport render_viewport_default(const RIndex *ix, int width, int height)
{
    RViewport vp;
    memset(&vp, 0, sizeof(vp));
    vp.t0 = 0;
    vp.t1 = ix && ix->end > 0 ? ix->end : 1;
    vp.width = width;
    vp.height = height;
    vp.scale = 1.0f;
    vp.font_scale = 1.0f;
    vp.theme = R_THEME_LIGHT;
    return vp;
}

RLayout *render_layout_create(void)
{
    return calloc(1, sizeof(RLayout));
}

void render_layout_destroy(RLayout *L)
{
    if (!L)
        return;
    free(L->lanes);
    free(L->headers);
    free(L);
}

double render_layout_x_of(const RLayout *L, SimTime t)
{
    double span = (double)(L->vp.t1 - L->vp.t0);
    return L->plot.x + (double)(t - L->vp.t0) * L->plot.w / span;
}

SimTime render_layout_t_of(const RLayout *L, double x)
{
    double span = (double)(L->vp.t1 - L->vp.t0);
    return L->vp.t0 + (SimTime)llround((x - L->plot.x) * span / (L->plot.w > 0 ? L->plot.w : 1));
}

/* ---- Colours of span values --------------------------------------------- */

/* Fills of object lanes' counted values (Okabe-Ito hues). */
static const RColor obj_fill[R_OBJ_COUNT] = {
    [R_OBJ_SEMAPHORE] = {240, 228, 66, 255}, /* yellow: held while others may wait */
    [R_OBJ_EVENT] = {86, 180, 233, 255},     /* sky blue: set */
    [R_OBJ_QUEUE] = {86, 180, 233, 255},     /* sky blue: items */
};
static const RColor lost_fill = {150, 150, 150, 255};
static const RColor shared_fill = {86, 180, 233, 255}; /* sky blue: a shared variable's value */
static const RColor lost_ink = {204, 51, 17, 255};     /* vermillion-red: lost updates, kills */

static bool value_style(const Ctx *c, const RLane *ln, uint32_t v, RColor *fill, RHatch *h)
{
    if (v == R_IDLE)
        return false;
    if (ln->kind == R_LANE_OBJECT) {
        if (ln->okind == R_OBJ_LOCK) {
            if (v & R_LOST) {
                *fill = lost_fill;
                *h = R_HATCH_CROSS;
                return true;
            }
            *fill = render_thread_color(v, c->vp->theme);
            *h = R_HATCH_NONE;
            return true;
        }
        *fill = obj_fill[ln->okind < R_OBJ_COUNT ? ln->okind : 0];
        *h = R_HATCH_NONE;
        return fill->a != 0;
    }
    if (ln->kind == R_LANE_THREAD) {
        *fill = render_reason_color((SimReason)v, c->vp->theme);
        *h = render_reason_hatch((SimReason)v);
        return fill->a != 0;
    }
    *fill = render_thread_color(v, c->vp->theme);
    *h = R_HATCH_NONE;
    return true;
}

/* A thread's name on GIL and core lanes: "process/name" when another
 * process has a thread of that name (every process has its "main"). */
static const char *holder_label(Ctx *c, uint32_t t)
{
    const SimThreadInfo *ti = sim_trace_thread(c->ix->tr, t);
    if (!ti || !ti->name)
        return "?";
    if (c->ix->thread_dup && t < sim_trace_thread_count(c->ix->tr) && c->ix->thread_dup[t]) {
        const SimProcessInfo *pi = sim_trace_process(c->ix->tr, ti->process);
        snprintf(c->vbuf, sizeof(c->vbuf), "%s/%s", pi && pi->name ? pi->name : "?", ti->name);
        return c->vbuf;
    }
    return ti->name;
}

static const char *value_label(Ctx *c, const RLane *ln, uint32_t v, uint32_t note)
{
    if (ln->kind == R_LANE_THREAD) {
        if (note & R_NOTE_OBJ)
            return explain_wait_label(c->ix->tr, R_NOTE_ID(note), (note & R_NOTE_PUT) ? SIM_QSIDE_PUT : SIM_QSIDE_GET,
                                      ln->id, false, c->vbuf, sizeof(c->vbuf));
        if (note & R_NOTE_JOIN) {
            const SimThreadInfo *ti = sim_trace_thread(c->ix->tr, R_NOTE_ID(note));
            snprintf(c->vbuf, sizeof(c->vbuf), "join %s", ti && ti->name ? ti->name : "?");
            return c->vbuf;
        }
        if (note & R_NOTE_JOINP) {
            const SimProcessInfo *pi = sim_trace_process(c->ix->tr, R_NOTE_ID(note));
            snprintf(c->vbuf, sizeof(c->vbuf), "join %s", pi && pi->name ? pi->name : "?");
            return c->vbuf;
        }
        if (note & (R_NOTE_LAUNCH | R_NOTE_STARTUP)) {
            const SimProcessInfo *pi = sim_trace_process(c->ix->tr, R_NOTE_ID(note));
            const char *m = pi && pi->start_method ? pi->start_method : "?";
            if (note & R_NOTE_STARTUP)
                snprintf(c->vbuf, sizeof(c->vbuf), "%s start-up",
                         !strcmp(m, "spawn") ? "spawn: interpreter" : !strcmp(m, "forkserver") ? "forkserver" : m);
            else
                snprintf(c->vbuf, sizeof(c->vbuf), "%s \xe2\x86\x92 %s",
                         !strcmp(m, "fork") ? "fork()" : !strcmp(m, "os.fork") ? "os.fork()" : "launch",
                         pi && pi->name ? pi->name : "?");
            return c->vbuf;
        }
        return render_reason_short((SimReason)v);
    }
    if (ln->kind == R_LANE_OBJECT) {
        switch (ln->okind) {
        case R_OBJ_LOCK: {
            const SimThreadInfo *ti = sim_trace_thread(c->ix->tr, v & ~R_LOST);
            if (v & R_LOST)
                snprintf(c->vbuf, sizeof(c->vbuf), "held by a lost thread (%s)",
                         ti && ti->name ? ti->name : "?");
            else
                snprintf(c->vbuf, sizeof(c->vbuf), "%s", ti && ti->name ? ti->name : "?");
            break;
        }
        case R_OBJ_SEMAPHORE:
            snprintf(c->vbuf, sizeof(c->vbuf), "%u of %u permits taken", v, ln->vmax);
            break;
        case R_OBJ_EVENT:
            snprintf(c->vbuf, sizeof(c->vbuf), "set");
            break;
        case R_OBJ_QUEUE:
            snprintf(c->vbuf, sizeof(c->vbuf), "%u item%s", v, v == 1 ? "" : "s");
            break;
        default:
            c->vbuf[0] = '\0';
            break;
        }
        return c->vbuf;
    }
    return holder_label(c, v);
}

/* ---- Drawing one lane --------------------------------------------------- */

typedef struct Run {
    int c0, c1;
    RMix mix;
    uint32_t note;  /* the span's note (one span only) */
    bool open;
} Run;

typedef struct LaneDraw {
    Ctx *c;
    const RLane *ln;
    SimTime forever; /* blocked forever from here (its own label says so), or -1 */
    RRect area;     /* where spans go (device px) */
    Run run;
    int last_end;   /* last drawn column + 1, for separators */
    uint32_t last_val;
} LaneDraw;

static bool mix_eq(const RMix *a, const RMix *b)
{
    if (a->n != b->n)
        return false;
    for (int k = 0; k < a->n; k++)
        if (a->v[k] != b->v[k] || a->q[k] != b->q[k])
            return false;
    return true;
}

static void flush_run(LaneDraw *ld)
{
    Run *r = &ld->run;
    if (!r->open)
        return;
    r->open = false;
    Ctx *c = ld->c;
    RRect a = ld->area;
    const RMix *m = &r->mix;
    bool single = m->n == 1 && m->q[0] == R_MIX_FULL;
    uint32_t dom = m->n ? m->v[0] : R_IDLE;
    int period = U(c, 7) < 4 ? 4 : U(c, 7);
    int x = a.x + r->c0, w = r->c1 - r->c0 + 1;
    /* Counted objects (semaphore holders, queue items) draw as tall as
     * they are full. */
    bool counted = single && ld->ln->kind == R_LANE_OBJECT &&
                   (ld->ln->okind == R_OBJ_SEMAPHORE || ld->ln->okind == R_OBJ_QUEUE) && dom != R_IDLE;
    bool drawn = false;
    RColor fill = {0, 0, 0, 0};
    RHatch h = R_HATCH_NONE;
    RRect box = {x, a.y, w, a.h};
    if (counted) {
        uint32_t v = dom > ld->ln->vmax ? ld->ln->vmax : dom;
        int bh = (int)((long long)a.h * v / ld->ln->vmax);
        if (bh < a.h / 6)
            bh = a.h / 6;
        if (bh < 1)
            bh = 1;
        box = rrect(x, a.y + a.h - bh, w, bh);
        if ((drawn = value_style(c, ld->ln, dom, &fill, &h)))
            draw_rect_hatched(c->dl, box, fill, h, render_hatch_ink(fill), period);
    } else {
        /* The mix, bottom first; the last value takes the rounding rest. */
        int y = a.y + a.h, used = 0;
        for (int k = 0; k < m->n; k++) {
            used += m->q[k];
            int top = a.y + a.h - (int)((long long)a.h * used / R_MIX_FULL);
            int hh = y - top;
            if (hh < 1 && k == m->n - 1)
                hh = 1, top = y - 1;
            RColor f;
            RHatch hk;
            if (hh > 0 && value_style(c, ld->ln, m->v[k], &f, &hk)) {
                draw_rect_hatched(c->dl, rrect(x, top, w, hh), f, hk, render_hatch_ink(f), period);
                drawn = true;
                fill = f;
                h = hk;
            }
            y = top;
        }
        if (m->n)
            box = rrect(x, y, w, a.y + a.h - y);
    }
    if (drawn) {
        /* A hairline between neighbouring holders keeps hand-overs visible. */
        if (single && ld->ln->kind != R_LANE_THREAD && ld->last_end == r->c0 && ld->last_val != R_IDLE &&
            ld->last_val != dom && box.w >= S(c, 4))
            draw_rect(c->dl, rrect(box.x, box.y, U(c, 1) < 1 ? 1 : U(c, 1), box.h), c->pal->lane_bg);
        if (counted && c->opt->labels) {
            /* Counts are read above a short bar: label on the lane, not the bar. */
            const char *lab = value_label(c, ld->ln, dom, 0);
            int fs = a.h * 38 / 100;
            if (fs < c->f_small)
                fs = c->f_small;
            if (fs > c->f_body)
                fs = c->f_body;
            int tw = text_w(c, R_FONT_REGULAR, fs, lab);
            if (fs >= U(c, 8) && fs + S(c, 2) <= a.h && tw + U(c, 10) <= box.w) {
                RColor backing = c->pal->lane_bg;
                backing.a = 200;
                draw_rect(c->dl,
                          rrect(box.x + box.w / 2 - tw / 2 - U(c, 3), a.y + a.h / 2 - fs * 6 / 10,
                                tw + U(c, 6), fs * 12 / 10),
                          backing);
                draw_text(c->dl, box.x + box.w / 2, a.y + a.h / 2, lab, R_FONT_REGULAR, fs,
                          R_ALIGN_CENTER, c->pal->fg);
            }
        } else if (c->opt->labels && single && box.w >= U(c, 26) && box.h >= U(c, 11) &&
                   (ld->forever < 0 || c->t0 + (r->c1 + 1) * c->npp <= (double)ld->forever)) {
            const char *lab = value_label(c, ld->ln, dom, r->note);
            /* Taller lanes get larger labels, up to the body size and a half. */
            int fs = box.h * 38 / 100;
            if (fs < c->f_small)
                fs = c->f_small;
            if (fs > c->f_body * 3 / 2)
                fs = c->f_body * 3 / 2;
            if (box.h < fs + S(c, 2))
                fs = box.h - S(c, 2);
            int tw = text_w(c, R_FONT_REGULAR, fs, lab);
            /* A note too wide for its span gives way to the plain state's
             * name (labels of one lane keep one size). */
            if (tw + U(c, 10) > box.w && r->note) {
                lab = value_label(c, ld->ln, dom, 0);
                tw = text_w(c, R_FONT_REGULAR, fs, lab);
            }
            if (fs >= U(c, 8) && tw + U(c, 10) <= box.w) {
                /* Where the span is cut by the plot edge, centre on what shows. */
                RColor ink = render_text_on(fill);
                if (h != R_HATCH_NONE) {
                    RColor backing = fill;
                    backing.a = 235;
                    draw_rect(c->dl,
                              rrect(box.x + box.w / 2 - tw / 2 - U(c, 3), box.y + box.h / 2 - fs * 6 / 10,
                                    tw + U(c, 6), fs * 12 / 10),
                              backing);
                }
                draw_text(c->dl, box.x + box.w / 2, box.y + box.h / 2, lab, R_FONT_REGULAR, fs,
                          R_ALIGN_CENTER, ink);
            }
        }
    }
    ld->last_end = r->c1 + 1;
    ld->last_val = drawn && single ? dom : R_IDLE;
}

static void emit(LaneDraw *ld, int c0, int c1, const RMix *mix, uint32_t note)
{
    Run *r = &ld->run;
    if (r->open && r->c1 + 1 == c0 && r->note == note && mix_eq(&r->mix, mix)) {
        r->c1 = c1;
        return;
    }
    flush_run(ld);
    *r = (Run){c0, c1, *mix, note, true};
}

/* A single value over whole columns. */
static void emit_value(LaneDraw *ld, int c0, int c1, uint32_t v, uint32_t note)
{
    RMix m = {0};
    if (v != R_IDLE && !(ld->ln->kind == R_LANE_THREAD && (v == SIM_R_EXITED || v == SIM_R_KILLED))) {
        m.n = 1;
        m.v[0] = v;
        m.q[0] = R_MIX_FULL;
    }
    emit(ld, c0, c1, &m, note);
}

/* Columns on either side a crowded column is averaged over. */
#define R_LOD_SMOOTH 3

static void draw_lane_spans(Ctx *c, const RLane *ln, RRect area)
{
    if (ln->n == 0 || area.w <= 0 || area.h <= 0)
        return;
    LaneDraw ld = {.c = c, .ln = ln, .forever = -1, .area = area, .last_end = -1, .last_val = R_IDLE};
    for (size_t k = 0; ln->kind == R_LANE_THREAD && k < ln->n_marks; k++)
        if (ln->marks[k].kind == R_TMARK_FOREVER)
            ld.forever = ln->marks[k].t;
    int w = area.w;
    double npp = c->npp, t0 = c->t0, end = (double)ln->t[ln->n];
    int col = 0;
    if (t0 < 0)
        col = (int)floor(-t0 / npp);
    if (col < 0)
        col = 0;
    RMix mix;
    /* Spans a few pixels wide or less: a regular pattern (a 6 ms convoy
     * cycle at 2 ms a pixel) would beat against the pixel grid and draw
     * stripes that look like phases. Every column then shows the mix of
     * states over itself and R_LOD_SMOOTH columns on each side, so a
     * steady mix draws steady and only a real change of mix shows. */
    size_t visible = render_lane_find(ln, (SimTime)fmax(0, t0 + w * npp)) - render_lane_find(ln, (SimTime)fmax(0, t0));
    bool dense = visible * 4 > (size_t)w;
    double pad = dense ? R_LOD_SMOOTH * npp : 0;
    /* Zoomed out past the finest pyramid level: read bins, not spans
     * (bins as wide as half the window a column is averaged over). */
    if (ln->mip.levels > 0 && npp >= (double)ln->mip.w0) {
        int L = 0;
        double bin = dense ? (2 * R_LOD_SMOOTH + 1) * npp / 2 : npp;
        while (L + 1 < ln->mip.levels && (double)(ln->mip.w0 << (L + 1)) <= bin)
            L++;
        for (; col < w; col++) {
            double ta = t0 + col * npp, tb = ta + npp;
            if (ta >= end)
                break;
            ta -= pad;
            tb += pad;
            if (ta < 0)
                ta = 0;
            if (tb > end)
                tb = end;
            lod_mip_column(ln, L, ta, tb, &mix);
            emit(&ld, col, col, &mix, 0);
            c->L->lod_columns++;
        }
        flush_run(&ld);
        return;
    }
    if (dense && ln->kind == R_LANE_THREAD) {
        /* Time per state at every column edge, in one sweep; a column's
         * window is then the difference of two edges. */
        int nc = ln->ncat;
        double *P = malloc((size_t)(w + 1) * (size_t)nc * sizeof(double));
        if (!P) {
            c->dl->oom = true;
            return;
        }
        size_t k = 0;
        for (int b = 0; b <= w; b++) {
            double t = t0 + b * npp;
            t = t < 0 ? 0 : t > end ? end : t;
            k = lod_find_from(ln, k, t);
            lod_prefix(ln, k, t, P + (size_t)b * (size_t)nc);
        }
        double cat[SIM_REASON_COUNT + 1];
        for (; col < w && t0 + col * npp < end; col++) {
            int a = col - R_LOD_SMOOTH < 0 ? 0 : col - R_LOD_SMOOTH;
            int b = col + 1 + R_LOD_SMOOTH > w ? w : col + 1 + R_LOD_SMOOTH;
            for (int q = 0; q < nc && q <= SIM_REASON_COUNT; q++)
                cat[q] = P[(size_t)b * (size_t)nc + (size_t)q] - P[(size_t)a * (size_t)nc + (size_t)q];
            lod_mix_of(ln, cat, &mix);
            emit(&ld, col, col, &mix, 0);
            c->L->lod_columns++;
        }
        free(P);
        flush_run(&ld);
        return;
    }
    size_t i = 0;
    while (col < w) {
        double ta = t0 + col * npp, tb = ta + npp;
        if (ta >= end)
            break;
        if (ta < 0)
            ta = 0;
        if (tb > end)
            tb = end;
        i = lod_find_from(ln, i, ta);
        double next = (double)ln->t[i + 1];
        if (next >= tb && (!dense || next >= tb + pad)) {
            int last = (int)floor((next - t0 - pad) / npp) - 1;
            if (last >= w)
                last = w - 1;
            if (last < col)
                last = col;
            emit_value(&ld, col, last, ln->v[i], ln->note ? ln->note[i] : 0);
            col = last + 1;
        } else {
            double wa = ta - pad > 0 ? ta - pad : 0, wb = tb + pad < end ? tb + pad : end;
            size_t a = dense ? render_lane_find(ln, (SimTime)wa) : i;
            size_t j = lod_find_from(ln, a, wb);
            if (j > a && (double)ln->t[j] >= wb)
                j--;
            lod_summarise(ln, a, j, wa, wb, &mix);
            emit(&ld, col, col, &mix, 0);
            c->L->lod_columns++;
            col++;
        }
    }
    flush_run(&ld);
}

/* ---- GIL marks ---------------------------------------------------------- */

static size_t marks_lower(const RLane *ln, double t)
{
    size_t lo = 0, hi = ln->n_marks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)ln->marks[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One glyph per mark; marks closer than `sep` pixels to the previous one
 * of their kind are skipped with a binary search, so a lane never draws
 * more than width / sep marks of a kind. */
static void draw_marks(Ctx *c, const RLane *ln, RRect lane, RRect strip)
{
    if (!c->opt->marks || ln->n_marks == 0)
        return;
    RColor ink = c->pal->mark;
    int a = strip.h * 45 / 100;
    if (a < S(c, 2))
        a = S(c, 2);
    if (a > U(c, 6))
        a = U(c, 6);
    int sep = 2 * a + S(c, 2);
    double t_end = c->t0 + c->npp * lane.w;
    size_t visible = marks_lower(ln, t_end) - marks_lower(ln, c->t0);
    if (visible > (size_t)(lane.w / sep)) {
        /* Too many to tell apart: a rug of ticks shows where they crowd. */
        RColor rug = ink;
        rug.a = 120;
        int last_x = -1;
        size_t k = marks_lower(ln, c->t0);
        while (k < ln->n_marks && (double)ln->marks[k].t <= t_end) {
            int x = lane.x + (int)floor(((double)ln->marks[k].t - c->t0) / c->npp);
            draw_rect(c->dl, rrect(x, strip.y + strip.h / 4, 1, strip.h / 2 + 1), rug);
            last_x = x;
            k = marks_lower(ln, c->t0 + (last_x + 2 - lane.x) * c->npp);
        }
        return;
    }
    static const uint8_t order[] = {R_MARK_FORCED_DROP, R_MARK_DROP_REQUEST, R_MARK_FAILED_WAKEUP,
                                    R_MARK_TIMEOUT};
    /* Columns taken by a drop request: a timeout there is its cause. */
    uint8_t *taken = calloc((size_t)lane.w + 1, 1);
    if (!taken) {
        c->dl->oom = true;
        return;
    }
    for (size_t o = 0; o < sizeof(order); o++) {
        int kind = order[o];
        int gap = kind == R_MARK_FORCED_DROP ? S(c, 3) : sep;
        size_t k = marks_lower(ln, c->t0 - c->npp * a);
        int last_x = -1000000;
        while (k < ln->n_marks) {
            const RMark *m = &ln->marks[k];
            if ((double)m->t > t_end + c->npp * a)
                break;
            if (m->kind != kind) {
                k++;
                continue;
            }
            int col = (int)floor(((double)m->t - c->t0) / c->npp);
            int x = lane.x + col;
            if (x - last_x < gap) {
                /* Jump to the first mark past the gap. */
                k = marks_lower(ln, c->t0 + (last_x + gap - lane.x) * c->npp);
                continue;
            }
            int cy = strip.y + strip.h / 2;
            switch (kind) {
            case R_MARK_FORCED_DROP:
                draw_rect(c->dl, rrect(x - U(c, 1), lane.y, U(c, 2) < 2 ? 2 : U(c, 2), lane.h), ink);
                break;
            case R_MARK_DROP_REQUEST: {
                /* Points down at the holder it asks to drop. */
                int tip = strip.y + strip.h - 1, top = tip - a * 3 / 2;
                if (top < strip.y)
                    top = strip.y;
                draw_tri(c->dl, x - a, top, x + a, top, x, tip, ink);
                for (int d = -a; d <= a; d++)
                    if (col + d >= 0 && col + d < lane.w)
                        taken[col + d] = 1;
                break;
            }
            case R_MARK_FAILED_WAKEUP: {
                int r = a * 7 / 10;
                draw_line(c->dl, x - r, cy - r, x + r, cy + r, ink, S(c, 1.5));
                draw_line(c->dl, x - r, cy + r, x + r, cy - r, ink, S(c, 1.5));
                break;
            }
            case R_MARK_TIMEOUT:
                if (col >= 0 && col < lane.w && taken[col])
                    break;
                draw_line(c->dl, x, cy - a, x + a, cy, ink, S(c, 1));
                draw_line(c->dl, x + a, cy, x, cy + a, ink, S(c, 1));
                draw_line(c->dl, x, cy + a, x - a, cy, ink, S(c, 1));
                draw_line(c->dl, x - a, cy, x, cy - a, ink, S(c, 1));
                break;
            }
            last_x = x;
            k++;
        }
    }
    free(taken);
}

/* ---- Object lanes: waiters and marks ------------------------------------ */

/* The most waiters in [ta, tb), reading at most 64 spans (else 64 samples). */
static uint32_t waiters_max(const RLane *ln, size_t *from, double ta, double tb, double *next)
{
    size_t i = *from;
    if (i + 1 < ln->wn && (double)ln->wt[i + 1] <= ta) {
        size_t lo = i, hi = ln->wn;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if ((double)ln->wt[mid] <= ta)
                lo = mid;
            else
                hi = mid;
        }
        i = lo;
    }
    *from = i;
    *next = (double)ln->wt[i + 1];
    if (*next >= tb)
        return ln->wv[i];
    uint32_t m = ln->wv[i];
    size_t k = i + 1, seen = 0;
    while (k < ln->wn && (double)ln->wt[k] < tb && seen < 64) {
        if (ln->wv[k] > m)
            m = ln->wv[k];
        k++;
        seen++;
    }
    if (k < ln->wn && (double)ln->wt[k] < tb) {
        double q = (tb - ta) / 64;
        for (double ts = ta; ts < tb; ts += q) {
            uint32_t w = render_lane_waiters(ln, (SimTime)ts);
            if (w > m)
                m = w;
        }
    }
    return m;
}

static size_t wfind(const RLane *ln, double t)
{
    size_t lo = 0, hi = ln->wn;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)ln->wt[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The number of waiting threads as a step area (height per waiter), with
 * "n waiting" where a step is wide enough to read. */
static void draw_waiters(Ctx *c, const RLane *ln, RRect strip)
{
    if (ln->wmax == 0 || strip.h <= 0 || strip.w <= 0)
        return;
    RColor fill = render_reason_color(SIM_R_LOCK, c->vp->theme);
    RColor edge = fill;
    edge.r = (uint8_t)(edge.r * 7 / 10);
    edge.g = (uint8_t)(edge.g * 7 / 10);
    edge.b = (uint8_t)(edge.b * 7 / 10);
    double end = (double)ln->wt[ln->wn];
    int col = c->t0 < 0 ? (int)floor(-c->t0 / c->npp) : 0;
    size_t from = wfind(ln, c->t0 + col * c->npp > 0 ? c->t0 + col * c->npp : 0);
    int run0 = -1;
    uint32_t run_v = 0;
    int fs = c->f_caption;
    for (;;) {
        bool done = col >= strip.w;
        double ta = c->t0 + col * c->npp, tb = ta + c->npp;
        if (!done && ta >= end)
            done = true;
        uint32_t v = 0;
        int last = col;
        if (!done) {
            double next;
            v = waiters_max(ln, &from, ta < 0 ? 0 : ta, tb > end ? end : tb, &next);
            if (next >= tb) {
                last = (int)floor((next - c->t0) / c->npp) - 1;
                if (last >= strip.w)
                    last = strip.w - 1;
                if (last < col)
                    last = col;
            }
        }
        if (run0 >= 0 && (done || v != run_v)) {
            /* Close the run [run0, col). */
            if (run_v > 0) {
                int h = (int)((long long)strip.h * (run_v > ln->wmax ? ln->wmax : run_v) / ln->wmax);
                if (h < S(c, 2))
                    h = S(c, 2);
                RRect box = rrect(strip.x + run0, strip.y + strip.h - h, col - run0, h);
                draw_rect(c->dl, box, fill);
                draw_rect(c->dl, rrect(box.x, box.y, box.w, S(c, 1) < 1 ? 1 : S(c, 1)), edge);
                char lab[32];
                snprintf(lab, sizeof(lab), "%u waiting", run_v);
                int tw = text_w(c, R_FONT_REGULAR, fs, lab);
                if (c->opt->labels && fs >= U(c, 8) && strip.h >= fs && tw + U(c, 8) <= box.w) {
                    RColor ink = render_text_on(fill);
                    int ty = strip.y + strip.h - fs * 6 / 10 - S(c, 1);
                    if (h < fs + S(c, 2)) {
                        ink = c->pal->fg;
                        ty = box.y - fs * 6 / 10;
                        if (ty - fs / 2 < strip.y - strip.h)
                            ty = strip.y + strip.h / 2;
                    }
                    draw_text(c->dl, box.x + U(c, 4), ty, lab, R_FONT_REGULAR, fs, R_ALIGN_LEFT, ink);
                }
            }
            run0 = -1;
        }
        if (done)
            break;
        if (run0 < 0) {
            run0 = col;
            run_v = v;
        }
        c->L->lod_columns += last > col ? 0 : 1;
        col = last + 1;
    }
}

/* Block, wake, timeout, failure and signal marks on an object lane, thinned
 * like the GIL's marks: at most one of a kind per few pixels. */
static void draw_sync_marks(Ctx *c, const RLane *ln, RRect lane, int base_y)
{
    if (!c->opt->marks || ln->n_marks == 0)
        return;
    RColor ink = c->pal->mark;
    int a = lane.h * 18 / 100;
    if (a < S(c, 2))
        a = S(c, 2);
    if (a > U(c, 5))
        a = U(c, 5);
    int sep = 2 * a + S(c, 2);
    double t_end = c->t0 + c->npp * lane.w;
    size_t visible = marks_lower(ln, t_end) - marks_lower(ln, c->t0);
    if (visible > (size_t)(lane.w / sep) * 2) {
        /* Too many to tell apart: a rug along the base line. */
        RColor rug = ink;
        rug.a = 110;
        size_t k = marks_lower(ln, c->t0);
        while (k < ln->n_marks && (double)ln->marks[k].t <= t_end) {
            int x = lane.x + (int)floor(((double)ln->marks[k].t - c->t0) / c->npp);
            draw_rect(c->dl, rrect(x, base_y - a, 1, a), rug);
            k = marks_lower(ln, c->t0 + (x + 2 - lane.x) * c->npp);
        }
        return;
    }
    for (int kind = R_SMARK_BLOCK; kind <= R_SMARK_SIGNAL; kind++) {
        size_t k = marks_lower(ln, c->t0 - c->npp * a);
        int last_x = -1000000;
        while (k < ln->n_marks) {
            const RMark *m = &ln->marks[k];
            if ((double)m->t > t_end + c->npp * a)
                break;
            if (m->kind != kind) {
                k++;
                continue;
            }
            int x = lane.x + (int)floor(((double)m->t - c->t0) / c->npp);
            if (x - last_x < sep) {
                k = marks_lower(ln, c->t0 + (last_x + sep - lane.x) * c->npp);
                continue;
            }
            switch (kind) {
            case R_SMARK_BLOCK: /* down: a thread goes to wait */
                draw_tri(c->dl, x - a, base_y - a, x + a, base_y - a, x, base_y, ink);
                break;
            case R_SMARK_WAKE: /* up: a waiter leaves */
                draw_tri(c->dl, x - a, base_y, x + a, base_y, x, base_y - a, ink);
                break;
            case R_SMARK_TIMEOUT: {
                int cy = base_y - a;
                draw_line(c->dl, x, cy - a, x + a, cy, ink, S(c, 1));
                draw_line(c->dl, x + a, cy, x, cy + a, ink, S(c, 1));
                draw_line(c->dl, x, cy + a, x - a, cy, ink, S(c, 1));
                draw_line(c->dl, x - a, cy, x, cy - a, ink, S(c, 1));
                break;
            }
            case R_SMARK_FAIL: {
                int cy = base_y - a;
                draw_line(c->dl, x - a, cy - a, x + a, cy + a, ink, S(c, 1.5));
                draw_line(c->dl, x - a, cy + a, x + a, cy - a, ink, S(c, 1.5));
                break;
            }
            default: /* signal: a bar across the lane */
                draw_rect(c->dl, rrect(x - S(c, 1), lane.y, S(c, 2) < 2 ? 2 : S(c, 2), lane.h), ink);
                break;
            }
            last_x = x;
            k++;
        }
    }
}

/* ---- Shared variables -------------------------------------------------- */

/* The step function (tt, vv, n) at time t. */
static uint32_t step_at(const SimTime *tt, const uint32_t *vv, size_t n, double t)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)tt[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return vv[lo];
}

static void thousands(int64_t v, char *buf, size_t n)
{
    char d[32];
    snprintf(d, sizeof(d), "%lld", (long long)(v < 0 ? -v : v));
    size_t len = strlen(d), k = 0;
    if (v < 0 && k + 1 < n)
        buf[k++] = '-';
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = d[i];
    }
    buf[k] = '\0';
}

/*
 * A shared variable: its value as an area, the value it would have had
 * with no update lost as a line above it (the two part where updates are
 * lost), a mark at every lost update, and the final value against the
 * expected one written on the lane.
 */
static void draw_shared(Ctx *c, const RLane *ln, RRect lane)
{
    if (lane.h <= 0 || lane.w <= 0)
        return;
    double end = (double)ln->t[ln->n];
    /* Scaled to what is on screen: the gap between the value and the
     * no-loss line stays visible at any zoom (both only grow with time). */
    double t_vis = c->t0 + c->npp * lane.w;
    if (t_vis > end - 1)
        t_vis = end - 1;
    double vmax = t_vis > 0 ? fmax(step_at(ln->t, ln->v, ln->n + 1, t_vis),
                                   ln->wn ? step_at(ln->wt, ln->wv, ln->wn + 1, t_vis) : 0)
                            : 1;
    if (vmax < 1 || vmax >= (double)R_IDLE)
        vmax = 1;
    int line_w = S(c, 2) < 2 ? 2 : S(c, 2);
    int base = lane.y + lane.h;
    int run0 = -1, run_h = 0, prev_ey = -1;
    for (int col = 0; col <= lane.w; col++) {
        double t = c->t0 + (col + 1) * c->npp;
        bool out = col == lane.w || c->t0 + col * c->npp >= end || t <= 0;
        int h = 0, ey = -1;
        if (!out) {
            double tt = t < end ? t : end - 1;
            uint32_t v = step_at(ln->t, ln->v, ln->n + 1, tt);
            uint32_t x = ln->wn ? step_at(ln->wt, ln->wv, ln->wn + 1, tt) : v;
            if (v == R_IDLE) {
                /* Before its process began: no value yet, nothing drawn. */
                if (run0 >= 0 && run_h > 0)
                    draw_rect(c->dl, rrect(lane.x + run0, base - run_h, col - run0, run_h), shared_fill);
                run0 = -1;
                prev_ey = -1;
                continue;
            }
            h = (int)lround((double)v / vmax * (lane.h - line_w));
            ey = base - line_w - (int)lround((double)x / vmax * (lane.h - line_w));
        }
        if (run0 >= 0 && (out || h != run_h)) {
            if (run_h > 0)
                draw_rect(c->dl, rrect(lane.x + run0, base - run_h, col - run0, run_h), shared_fill);
            run0 = -1;
        }
        if (!out && run0 < 0) {
            run0 = col;
            run_h = h;
        }
        if (!out) {
            /* The no-loss line, one pixel column at a time (steps joined). */
            int y0 = prev_ey >= 0 ? prev_ey : ey;
            int top = y0 < ey ? y0 : ey, bot = y0 < ey ? ey : y0;
            draw_rect(c->dl, rrect(lane.x + col, top, 1, bot - top + line_w), c->pal->fg);
        }
        prev_ey = out ? -1 : ey;
        if (out && col < lane.w && c->t0 + col * c->npp >= end)
            break;
    }
    /* Lost updates: a red mark at each, thinned to one per few pixels. */
    if (c->opt->marks && ln->n_marks) {
        int a = lane.h * 16 / 100;
        if (a < S(c, 3))
            a = S(c, 3);
        if (a > U(c, 6))
            a = U(c, 6);
        double t_end = c->t0 + c->npp * lane.w;
        size_t k = marks_lower(ln, c->t0);
        int last_x = -1000000;
        while (k < ln->n_marks && (double)ln->marks[k].t <= t_end) {
            int x = lane.x + (int)floor(((double)ln->marks[k].t - c->t0) / c->npp);
            if (x - last_x < 2 * a + S(c, 1)) {
                k = marks_lower(ln, c->t0 + (last_x + 2 * a + S(c, 1) - lane.x) * c->npp);
                continue;
            }
            draw_tri(c->dl, x - a, lane.y, x + a, lane.y, x, lane.y + 2 * a, lost_ink);
            last_x = x;
            k++;
        }
    }
    /* The outcome in words: what a class compares with its prediction. */
    char f[32], e[32], l[32], text[160];
    thousands(ln->s_final, f, sizeof(f));
    thousands(ln->s_expected, e, sizeof(e));
    thousands(ln->s_lost, l, sizeof(l));
    if (ln->s_lost > 0)
        snprintf(text, sizeof(text), "final %s \xc2\xb7 expected %s \xc2\xb7 %s lost", f, e, l);
    else
        snprintf(text, sizeof(text), "final %s \xc2\xb7 expected %s \xc2\xb7 none lost", f, e);
    int fs = lane.h * 30 / 100;
    if (fs > c->f_body)
        fs = c->f_body;
    if (fs < c->f_caption)
        fs = c->f_caption;
    if (fs + S(c, 4) > lane.h)
        return;
    int tw = text_w(c, R_FONT_BOLD, fs, text);
    if (tw + U(c, 16) > lane.w)
        return;
    RColor backing = c->pal->panel_bg;
    backing.a = 225;
    int tx = lane.x + U(c, 8), ty = lane.y + lane.h / 2;
    draw_rect(c->dl, rrect(tx - U(c, 4), ty - fs * 7 / 10, tw + U(c, 8), fs * 14 / 10), backing);
    draw_text(c->dl, tx, ty, text, R_FONT_BOLD, fs, R_ALIGN_LEFT, ln->s_lost > 0 ? lost_ink : c->pal->fg);
}

/* ---- A thread's life ------------------------------------------------------ */

/*
 * Where a thread starts (a notch at its first transition), ends (a bar),
 * is killed (a red cross, "killed", or the signal that ended its process:
 * "SIGTERM", "SIGKILL", "os._exit") and waits forever (a red frame over
 * the rest of the lane, "blocked forever since T"): the lifecycle a plain
 * span colour does not say.
 */
static void draw_life(Ctx *c, const RLane *ln, RRect lane)
{
    if (!c->opt->marks || ln->n_marks == 0 || lane.h <= 0)
        return;
    double t_end = c->t0 + c->npp * lane.w;
    for (size_t k = 0; k < ln->n_marks; k++) {
        const RMark *m = &ln->marks[k];
        double xf = lane.x + ((double)m->t - c->t0) / c->npp;
        int x = (int)lround(xf);
        int a = lane.h * 22 / 100;
        if (a < S(c, 3))
            a = S(c, 3);
        if (a > U(c, 7))
            a = U(c, 7);
        switch (m->kind) {
        case R_TMARK_START:
            if ((double)m->t < c->t0 || (double)m->t > t_end)
                break;
            draw_rect(c->dl, rrect(x, lane.y, S(c, 2) < 2 ? 2 : S(c, 2), lane.h), c->pal->fg);
            draw_tri(c->dl, x, lane.y, x + a, lane.y + a / 2 + S(c, 1), x, lane.y + a + S(c, 1), c->pal->fg);
            break;
        case R_TMARK_EXIT:
            if ((double)m->t < c->t0 || (double)m->t > t_end)
                break;
            draw_rect(c->dl, rrect(x - (S(c, 2) < 2 ? 2 : S(c, 2)), lane.y, S(c, 2) < 2 ? 2 : S(c, 2), lane.h),
                      c->pal->fg);
            break;
        case R_TMARK_KILLED: {
            if ((double)m->t < c->t0 || (double)m->t > t_end)
                break;
            int cy = lane.y + lane.h / 2, r = a;
            draw_line(c->dl, x - r, cy - r, x + r, cy + r, lost_ink, S(c, 2.5));
            draw_line(c->dl, x - r, cy + r, x + r, cy - r, lost_ink, S(c, 2.5));
            int fs = c->f_small;
            /* Its process ended from outside: by which signal, or os._exit
             * (index.c keeps the record's cause in `other`). */
            const char *word = m->other == SIM_C_SIGTERM ? "SIGTERM"
                               : m->other == SIM_C_SIGKILL ? "SIGKILL"
                               : m->other == SIM_C_OS_EXIT ? "os._exit"
                                                           : "killed";
            if (c->opt->labels && fs + S(c, 2) <= lane.h && x + r + U(c, 4) + text_w(c, R_FONT_BOLD, fs, word) <= lane.x + lane.w)
                draw_text(c->dl, x + r + U(c, 4), cy, word, R_FONT_BOLD, fs, R_ALIGN_LEFT, lost_ink);
            break;
        }
        case R_TMARK_FOREVER: {
            double xa = xf < lane.x ? lane.x : xf;
            double xb = lane.x + ((double)ln->t[ln->n] - c->t0) / c->npp;
            if (xb > lane.x + lane.w)
                xb = lane.x + lane.w;
            if (xb <= xa)
                break;
            int th = S(c, 2) < 2 ? 2 : S(c, 2);
            draw_frame(c->dl, rrect((int)xa, lane.y, (int)(xb - xa), lane.h), lost_ink, th);
            char t[40], text[96];
            snprintf(text, sizeof(text), "blocked forever, since %s", duration_text_rounded(m->t, 4, t, sizeof(t)));
            int fs = c->f_small;
            int tw = text_w(c, R_FONT_BOLD, fs, text);
            if (c->opt->labels && fs + S(c, 4) <= lane.h && tw + U(c, 12) <= xb - xa) {
                RColor backing = c->pal->panel_bg;
                backing.a = 230;
                int tx = (int)xa + U(c, 6), ty = lane.y + lane.h / 2;
                draw_rect(c->dl, rrect(tx - U(c, 3), ty - fs * 7 / 10, tw + U(c, 6), fs * 14 / 10), backing);
                draw_text(c->dl, tx, ty, text, R_FONT_BOLD, fs, R_ALIGN_LEFT, lost_ink);
            }
            break;
        }
        default:
            break;
        }
    }
}

/* ---- Header, axis, legend, caption -------------------------------------- */

static void short_hash(uint64_t h, char *buf, size_t n)
{
    snprintf(buf, n, "%08llx", (unsigned long long)(h >> 32));
}

typedef struct Seg {
    char text[96];
    bool accent;
} Seg;

/* The parameters that matter, as separately coloured segments. */
static int param_segments(const Ctx *c, Seg *seg)
{
    const SimRunInfo *in = sim_trace_info(c->ix->tr);
    char d[48];
    int n = 0;
    snprintf(seg[n].text, sizeof(seg[n].text), "switch interval %s",
             duration_text_rounded(in->switch_interval, 4, d, sizeof(d)));
    seg[n++].accent = c->opt->hl_interval;
    snprintf(seg[n].text, sizeof(seg[n].text), "%d core%s", in->cores, in->cores == 1 ? "" : "s");
    seg[n++].accent = c->opt->hl_cores;
    snprintf(seg[n].text, sizeof(seg[n].text), "GIL %s",
             in->gil_policy && *in->gil_policy ? in->gil_policy : "new");
    seg[n++].accent = false;
    snprintf(seg[n].text, sizeof(seg[n].text), "Python %s",
             in->python_version && *in->python_version ? in->python_version : "?");
    seg[n++].accent = false;
    snprintf(seg[n].text, sizeof(seg[n].text), "seed %llu", (unsigned long long)in->seed);
    seg[n++].accent = false;
    return n;
}

static const char *scenario_name(const Ctx *c)
{
    const SimRunInfo *in = sim_trace_info(c->ix->tr);
    return in->scenario && *in->scenario ? in->scenario : "untitled scenario";
}

static void draw_title(Ctx *c, RRect r)
{
    Seg seg[8];
    int n = param_segments(c, seg);
    const char *sep = "  \xc2\xb7  "; /* " · " */
    int fs = c->f_body, sw = text_w(c, R_FONT_REGULAR, fs, sep);
    int total = 0;
    for (int i = 0; i < n; i++)
        total += text_w(c, seg[i].accent ? R_FONT_BOLD : R_FONT_REGULAR, fs, seg[i].text) +
                 (i ? sw : 0);
    int cy = r.y + r.h / 2;
    if (c->opt->tag && *c->opt->tag) {
        /* Compare: a badge names the run. */
        int tw = text_w(c, R_FONT_BOLD, c->f_title, c->opt->tag);
        int bw = tw + U(c, 14), bh = c->f_title + U(c, 8);
        draw_rect(c->dl, rrect(r.x, cy - bh / 2, bw, bh), c->pal->accent);
        draw_text(c->dl, r.x + bw / 2, cy, c->opt->tag, R_FONT_BOLD, c->f_title, R_ALIGN_CENTER,
                  render_text_on(c->pal->accent));
        r.x += bw + U(c, 10);
        r.w -= bw + U(c, 10);
    }
    int name_w = text_w(c, R_FONT_BOLD, c->f_title, scenario_name(c));
    /* Parameters on the right when they fit beside the name, else under it;
     * in one row, the last ones (seed, version) give way first. */
    bool beside = name_w + total + U(c, 24) <= r.w;
    while (!beside && c->opt->title_one_row && n > 0) {
        n--;
        total -= text_w(c, seg[n].accent ? R_FONT_BOLD : R_FONT_REGULAR, fs, seg[n].text) + (n ? sw : 0);
        beside = name_w + total + U(c, 24) <= r.w;
    }
    int py = beside ? cy : r.y + r.h + c->f_body * 6 / 10;
    draw_text(c->dl, r.x, beside ? cy : r.y + r.h / 2, scenario_name(c), R_FONT_BOLD, c->f_title,
              R_ALIGN_LEFT, c->pal->fg);
    if (!beside && c->opt->caption)
        return; /* narrow picture: the caption carries the parameters */
    int x = beside ? r.x + r.w - total : r.x;
    for (int i = 0; i < n; i++) {
        if (i) {
            draw_text(c->dl, x, py, sep, R_FONT_REGULAR, fs, R_ALIGN_LEFT, c->pal->fg_dim);
            x += sw;
        }
        RFont f = seg[i].accent ? R_FONT_BOLD : R_FONT_REGULAR;
        draw_text(c->dl, x, py, seg[i].text, f, fs, R_ALIGN_LEFT,
                  seg[i].accent ? c->pal->accent : c->pal->fg_dim);
        x += text_w(c, f, fs, seg[i].text);
    }
}

static bool title_fits_one_row(Ctx *c, int width)
{
    Seg seg[8];
    int n = param_segments(c, seg);
    int total = 0;
    for (int i = 0; i < n; i++)
        total += text_w(c, seg[i].accent ? R_FONT_BOLD : R_FONT_REGULAR, c->f_body, seg[i].text) +
                 text_w(c, R_FONT_REGULAR, c->f_body, "  \xc2\xb7  ");
    return text_w(c, R_FONT_BOLD, c->f_title, scenario_name(c)) + total + U(c, 24) <= width;
}

/* Grid lines behind the spans (grid = true) or the axis under them. */
static void draw_axis(Ctx *c, RRect plot, int y_top, int y_bottom, bool grid)
{
    RLayout *L = c->L;
    int label_px = U(c, 96);
    SimTime min_step = (SimTime)ceil(label_px * c->npp);
    RTicks tk = render_ticks(c->vp->t0, c->vp->t1, min_step);
    L->ticks = tk;
    int tick = U(c, 5), minor_tick = U(c, 3);
    int line_w = S(c, 1) < 1 ? 1 : S(c, 1);
    if (!grid)
        draw_rect(c->dl, rrect(plot.x, y_bottom, plot.w, line_w), c->pal->axis);
    SimTime first = (SimTime)floor((double)c->vp->t0 / (double)tk.minor) * tk.minor;
    int fs = c->f_small;
    for (SimTime t = first; t <= c->vp->t1; t += tk.minor) {
        double xf = render_layout_x_of(L, t);
        if (xf < plot.x - 0.5 || xf > plot.x + plot.w + 0.5)
            continue;
        int x = (int)lround(xf);
        if (x >= plot.x + plot.w)
            x = plot.x + plot.w - 1;
        bool major = t % tk.step == 0;
        if (grid) {
            draw_rect(c->dl, rrect(x, y_top, line_w, y_bottom - y_top),
                      major ? c->pal->grid_major : c->pal->grid);
            continue;
        }
        if (!major) {
            draw_rect(c->dl, rrect(x, y_bottom, line_w, minor_tick), c->pal->axis);
            continue;
        }
        draw_rect(c->dl, rrect(x, y_bottom, line_w, tick), c->pal->axis);
        char buf[48];
        render_tick_label(&tk, t, buf, sizeof(buf));
        int tw = text_w(c, R_FONT_REGULAR, fs, buf);
        int lx = x;
        RAlign al = R_ALIGN_CENTER;
        if (x - tw / 2 < plot.x - U(c, 4)) {
            lx = x - U(c, 2);
            al = R_ALIGN_LEFT;
        } else if (x + tw / 2 > plot.x + plot.w + U(c, 12)) {
            lx = x + U(c, 2);
            al = R_ALIGN_RIGHT;
        }
        draw_text(c->dl, lx, y_bottom + tick + fs * 7 / 10 + S(c, 2), buf, R_FONT_REGULAR, fs, al,
                  c->pal->fg);
    }
}

/* Legend entries: a swatch kind and a label. */
typedef struct LegendItem {
    int kind;   /* 0 reason, 1 mark, 2 thread colours */
    int value;  /* SimReason or RMarkKind */
    const char *label;
    int w;      /* measured width including the swatch */
} LegendItem;

static const SimReason legend_order[] = {
    SIM_R_PYTHON, SIM_R_C_CALL, SIM_R_NOGIL, SIM_R_WAIT_GIL, SIM_R_WAIT_CORE,
    SIM_R_IO, SIM_R_SLEEP, SIM_R_LOCK, SIM_R_JOIN, SIM_R_SWITCH_WAIT,
    SIM_R_START_WAIT, SIM_R_NEW, SIM_R_KILLED,
};

static const char *const mark_short[R_MARK_COUNT] = {
    [R_MARK_DROP_REQUEST] = "drop request",
    [R_MARK_TIMEOUT] = "timeout",
    [R_MARK_FAILED_WAKEUP] = "failed wake-up",
    [R_MARK_FORCED_DROP] = "forced drop",
};

static const char *const mark_labels[R_MARK_COUNT] = {
    [R_MARK_DROP_REQUEST] = "timeout \xe2\x86\x92 drop request",
    [R_MARK_TIMEOUT] = "timeout, no request",
    [R_MARK_FAILED_WAKEUP] = "woke, GIL taken",
    [R_MARK_FORCED_DROP] = "forced drop",
};

/* Reasons and marks that show in the visible range: the legend explains
 * what is on the picture, not everything the run ever did. */
static void used_in_range(const Ctx *c, uint32_t *reasons, uint32_t *marks)
{
    const RIndex *ix = c->ix;
    double t0 = (double)c->vp->t0, t1 = (double)c->vp->t1;
    if (c->opt->hide_after >= 0 && t1 > (double)c->opt->hide_after)
        t1 = (double)c->opt->hide_after;
    if (t0 < 0)
        t0 = 0;
    if (t1 > (double)ix->end)
        t1 = (double)ix->end;
    *reasons = 0;
    *marks = 0;
    if (t1 <= t0)
        return;
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        const RLane *ln = &ix->lanes[i];
        if (ln->n == 0)
            continue;
        size_t a = render_lane_find(ln, (SimTime)t0), b = render_lane_find(ln, (SimTime)t1);
        if (ln->kind == R_LANE_THREAD) {
            if (b - a <= 4 * R_LOD_BLOCK) {
                for (size_t k = a; k <= b && k < ln->n; k++)
                    if (ln->v[k] != R_IDLE && (double)ln->t[k + 1] > t0 && (double)ln->t[k] < t1)
                        *reasons |= 1u << ln->v[k];
            } else {
                double pa[SIM_REASON_COUNT + 1], pb[SIM_REASON_COUNT + 1];
                lod_prefix(ln, a, t0, pa);
                lod_prefix(ln, b, t1, pb);
                for (int k = 0; k < SIM_REASON_COUNT; k++)
                    if (pb[k] - pa[k] > 0)
                        *reasons |= 1u << k;
            }
        }
        if (ln->n_marks && ln->kind == R_LANE_GIL) {
            size_t m0 = marks_lower(ln, t0), m1 = marks_lower(ln, t1);
            if (m1 - m0 > 100000) {
                *marks |= ix->marks_used;
            } else {
                for (size_t k = m0; k < m1; k++)
                    *marks |= 1u << ln->marks[k].kind;
            }
        }
    }
}

static int legend_items(Ctx *c, LegendItem *it)
{
    uint32_t reasons, marks;
    used_in_range(c, &reasons, &marks);
    int n = 0;
    int sw = U(c, 22), gap = U(c, 6);
    for (size_t i = 0; i < sizeof(legend_order) / sizeof(legend_order[0]); i++) {
        SimReason r = legend_order[i];
        if (!(reasons & (1u << r)))
            continue;
        const char *label = c->compact ? render_reason_short(r) : render_reason_label(r);
        if (r == SIM_R_PYTHON && !c->compact && c->ix->n_gils_shown == 0)
            label = "Running Python"; /* no GIL to hold (free-threaded) */
        it[n] = (LegendItem){0, r, label, 0};
        it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    bool has_gil = false;
    for (uint32_t i = 0; i < c->ix->n_lanes; i++)
        has_gil |= c->ix->lanes[i].kind != R_LANE_THREAD;
    if (has_gil) {
        it[n] = (LegendItem){2, 0,
                             c->compact                   ? "holder"
                             : c->ix->n_object_lanes == 0 ? "GIL / core lanes: holder's colour"
                                                          : "GIL / core / lock lanes: holder's colour",
                             0};
        it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    /* Object lanes: waiters, lost owners, wait and wake marks. */
    bool waits = false, lost = false, smarks = false, signals = false;
    for (uint32_t i = 0; i < c->ix->n_lanes; i++) {
        const RLane *ln = &c->ix->lanes[i];
        if (ln->kind != R_LANE_OBJECT || ln->okind == R_OBJ_SHARED)
            continue;
        waits |= ln->wmax > 0;
        lost |= ln->lost;
        for (size_t k = 0; k < ln->n_marks && !(smarks && signals); k++) {
            signals |= ln->marks[k].kind == R_SMARK_SIGNAL;
            smarks |= ln->marks[k].kind != R_SMARK_SIGNAL;
        }
    }
    bool shared = false, lost_updates = false;
    for (uint32_t i = 0; i < c->ix->n_lanes; i++) {
        const RLane *ln = &c->ix->lanes[i];
        if (ln->kind == R_LANE_OBJECT && ln->okind == R_OBJ_SHARED) {
            shared = true;
            lost_updates |= ln->s_lost > 0;
        }
    }
    if (shared) {
        it[n] = (LegendItem){7, 0, c->compact ? "value / no loss" : "shared value, and its value had no update been lost", 0};
        it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    if (lost_updates && c->opt->marks) {
        it[n] = (LegendItem){8, 0, c->compact ? "lost update" : "lost update (a write over newer ones)", 0};
        it[n].w = U(c, 14) + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    /* Kills and waits forever are written on the lane ("killed",
     * "blocked forever, since ..."): no legend entry needed. */
    if (waits) {
        it[n] = (LegendItem){4, 0, c->compact ? "waiting" : "threads waiting on the object", 0};
        it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    if (lost) {
        it[n] = (LegendItem){5, 0, c->compact ? "lost owner" : "held by a lost thread (fork)", 0};
        it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    if (smarks && c->opt->marks) {
        it[n] = (LegendItem){6, 0, c->compact ? "waits / woken" : "starts waiting / is woken", 0};
        it[n].w = U(c, 24) + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    if (signals && c->opt->marks) {
        it[n] = (LegendItem){1, R_MARK_FORCED_DROP,
                             c->compact ? "set / notify" : "event set, notify, barrier released", 0};
        it[n].w = U(c, 14) + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
        n++;
    }
    /* Zoomed out far enough that pixels hold several spans: explain the
     * stacked mix of states. */
    int est_w = c->vp->width * 8 / 10;
    for (uint32_t i = 0; i < c->ix->n_lanes; i++) {
        const RLane *ln = &c->ix->lanes[i];
        if (ln->kind == R_LANE_OBJECT && ln->okind == R_OBJ_SHARED)
            continue; /* drawn as a value, never as a mix */
        size_t a = render_lane_find(ln, c->vp->t0), b = render_lane_find(ln, c->vp->t1);
        if (a != SIZE_MAX && b - a > (size_t)est_w / 3) {
            it[n] = (LegendItem){3, 0,
                                 c->compact ? "mix of states"
                                            : "crowded pixels: the mix of states, stacked",
                                 0};
            it[n].w = sw + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
            n++;
            break;
        }
    }
    if (c->opt->marks) {
        static const int mo[] = {R_MARK_DROP_REQUEST, R_MARK_TIMEOUT, R_MARK_FORCED_DROP,
                                 R_MARK_FAILED_WAKEUP};
        for (size_t i = 0; i < 4; i++) {
            if (!(marks & (1u << mo[i])))
                continue;
            it[n] = (LegendItem){1, mo[i], c->compact ? mark_short[mo[i]] : mark_labels[mo[i]], 0};
            it[n].w = U(c, 14) + gap + text_w(c, R_FONT_REGULAR, c->f_legend, it[n].label);
            n++;
        }
    }
    return n;
}

static int legend_rows(Ctx *c, const LegendItem *it, int n, int width)
{
    int rows = n ? 1 : 0, x = 0, spacing = U(c, c->compact ? 12 : 18);
    for (int i = 0; i < n; i++) {
        if (x > 0 && x + it[i].w > width) {
            rows++;
            x = 0;
        }
        x += it[i].w + spacing;
    }
    return rows;
}

static void draw_mark_glyph(Ctx *c, int kind, int x, int cy, int a)
{
    RColor ink = c->pal->fg;
    switch (kind) {
    case R_MARK_DROP_REQUEST:
        draw_tri(c->dl, x - a, cy - a, x + a, cy - a, x, cy + a, ink);
        break;
    case R_MARK_TIMEOUT:
        draw_line(c->dl, x, cy - a, x + a, cy, ink, S(c, 1));
        draw_line(c->dl, x + a, cy, x, cy + a, ink, S(c, 1));
        draw_line(c->dl, x, cy + a, x - a, cy, ink, S(c, 1));
        draw_line(c->dl, x - a, cy, x, cy - a, ink, S(c, 1));
        break;
    case R_MARK_FAILED_WAKEUP:
        draw_line(c->dl, x - a, cy - a, x + a, cy + a, ink, S(c, 1.5));
        draw_line(c->dl, x - a, cy + a, x + a, cy - a, ink, S(c, 1.5));
        break;
    default:
        draw_rect(c->dl, rrect(x - U(c, 1), cy - a - S(c, 2), U(c, 2) < 2 ? 2 : U(c, 2),
                               2 * a + S(c, 4)),
                  ink);
        break;
    }
}

static void draw_legend(Ctx *c, const LegendItem *it, int n, RRect r, int row_h)
{
    int x = r.x, y = r.y, spacing = U(c, c->compact ? 12 : 18), sw = U(c, 22), sh = U(c, 12), gap = U(c, 6);
    int period = U(c, 7) < 4 ? 4 : U(c, 7);
    for (int i = 0; i < n; i++) {
        if (x > r.x && x + it[i].w > r.x + r.w) {
            x = r.x;
            y += row_h;
        }
        int cy = y + row_h / 2;
        int lx;
        if (it[i].kind == 0) {
            SimReason rs = (SimReason)it[i].value;
            RColor f = render_reason_color(rs, c->vp->theme);
            RRect sr = rrect(x, cy - sh / 2, sw, sh);
            draw_rect_hatched(c->dl, sr, f, render_reason_hatch(rs), render_hatch_ink(f), period);
            draw_frame(c->dl, sr, c->pal->panel_border, 1);
            lx = x + sw + gap;
        } else if (it[i].kind == 2) {
            int third = sw / 3;
            for (int k = 0; k < 3; k++)
                draw_rect(c->dl, rrect(x + k * third, cy - sh / 2, k == 2 ? sw - 2 * third : third, sh),
                          render_thread_color((uint32_t)k, c->vp->theme));
            lx = x + sw + gap;
        } else if (it[i].kind == 3) {
            RColor a = render_reason_color(SIM_R_WAIT_GIL, c->vp->theme);
            RColor b = render_reason_color(SIM_R_PYTHON, c->vp->theme);
            RRect sr = rrect(x, cy - sh / 2, sw, sh);
            draw_rect_hatched(c->dl, sr, a, render_reason_hatch(SIM_R_WAIT_GIL),
                              render_hatch_ink(a), period);
            draw_rect(c->dl, rrect(x, cy - sh / 2 + sh - sh / 3, sw, sh / 3), b);
            draw_frame(c->dl, sr, c->pal->panel_border, 1);
            lx = x + sw + gap;
        } else if (it[i].kind == 4) {
            RColor f = render_reason_color(SIM_R_LOCK, c->vp->theme);
            draw_rect(c->dl, rrect(x, cy, sw / 2, sh / 2), f);
            draw_rect(c->dl, rrect(x + sw / 2, cy - sh / 2, sw - sw / 2, sh), f);
            lx = x + sw + gap;
        } else if (it[i].kind == 5) {
            RRect sr = rrect(x, cy - sh / 2, sw, sh);
            draw_rect_hatched(c->dl, sr, lost_fill, R_HATCH_CROSS, render_hatch_ink(lost_fill), period);
            draw_frame(c->dl, sr, c->pal->panel_border, 1);
            lx = x + sw + gap;
        } else if (it[i].kind == 7) {
            RRect sr = rrect(x, cy - sh / 2, sw, sh);
            draw_rect(c->dl, rrect(x, cy - sh / 2 + sh / 3, sw, sh - sh / 3), shared_fill);
            draw_rect(c->dl, rrect(x, cy - sh / 2, sw, S(c, 2) < 2 ? 2 : S(c, 2)), c->pal->fg);
            draw_frame(c->dl, sr, c->pal->panel_border, 1);
            lx = x + sw + gap;
        } else if (it[i].kind == 8) {
            int a = U(c, 5);
            draw_tri(c->dl, x + U(c, 7) - a, cy - a, x + U(c, 7) + a, cy - a, x + U(c, 7), cy + a, lost_ink);
            lx = x + U(c, 14) + gap;
        } else if (it[i].kind == 6) {
            int a = U(c, 5);
            draw_tri(c->dl, x + U(c, 6) - a, cy - a / 2, x + U(c, 6) + a, cy - a / 2, x + U(c, 6),
                     cy + a / 2, c->pal->fg);
            draw_tri(c->dl, x + U(c, 18) - a, cy + a / 2, x + U(c, 18) + a, cy + a / 2, x + U(c, 18),
                     cy - a / 2, c->pal->fg);
            lx = x + U(c, 24) + gap;
        } else {
            draw_mark_glyph(c, it[i].value, x + U(c, 7), cy, U(c, 5));
            lx = x + U(c, 14) + gap;
        }
        draw_text(c->dl, lx, cy, it[i].label, R_FONT_REGULAR, c->f_legend, R_ALIGN_LEFT, c->pal->fg);
        x += it[i].w + spacing;
    }
}

static void caption_text(Ctx *c, char *buf, size_t n, bool with_range)
{
    const SimRunInfo *in = sim_trace_info(c->ix->tr);
    char hash[24], si[32], e[32];
    short_hash(in->scenario_hash, hash, sizeof(hash));
    duration_text_rounded(in->switch_interval, 4, si, sizeof(si));
    int k = snprintf(buf, n,
                     "gilsim %s  \xc2\xb7  scenario \xe2\x80\x9c%s\xe2\x80\x9d #%s  \xc2\xb7  "
                     "seed %llu  \xc2\xb7  switch interval %s  \xc2\xb7  %d core%s  \xc2\xb7  "
                     "GIL %s  \xc2\xb7  Python %s",
                     c->opt->version ? c->opt->version : GILSIM_VERSION, scenario_name(c), hash,
                     (unsigned long long)in->seed, si, in->cores, in->cores == 1 ? "" : "s",
                     in->gil_policy && *in->gil_policy ? in->gil_policy : "new",
                     in->python_version && *in->python_version ? in->python_version : "?");
    if (with_range && k > 0 && (size_t)k < n) {
        char r[96];
        snprintf(buf + k, n - (size_t)k, "  \xc2\xb7  showing %s of %s",
                 render_fmt_range(c->vp->t0, c->vp->t1, r, sizeof(r)),
                 duration_text_rounded(c->ix->end, 4, e, sizeof(e)));
    }
}

/* The caption broken at its " · " separators into lines of at most width
 * pixels; returns the number of lines (at most 4). */
#define CAPTION_SEP "  \xc2\xb7  "
static int caption_lines(Ctx *c, int width, char lines[4][640])
{
    char cap[640];
    caption_text(c, cap, sizeof(cap), true);
    int n = 0;
    lines[0][0] = '\0';
    const char *p = cap;
    while (*p && n < 4) {
        const char *sep = strstr(p, CAPTION_SEP);
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        char piece[640];
        snprintf(piece, sizeof(piece), "%.*s", (int)len, p);
        char trial[640];
        size_t used = strlen(lines[n]);
        bool fits = used + len + 8 < sizeof(trial);
        if (fits) {
            memcpy(trial, lines[n], used);
            trial[used] = '\0';
            if (used)
                strcat(trial, CAPTION_SEP);
            strcat(trial, piece);
        }
        if (*lines[n] && (!fits || text_w(c, R_FONT_REGULAR, c->f_caption, trial) > width)) {
            if (++n == 4)
                break;
            memcpy(lines[n], piece, strlen(piece) + 1);
        } else if (fits) {
            memcpy(lines[n], trial, strlen(trial) + 1);
        }
        p = sep ? sep + strlen(CAPTION_SEP) : p + len;
    }
    return n < 4 ? n + 1 : 4;
}

/* ---- Lanes geometry ----------------------------------------------------- */

static int lane_height(const Ctx *c, const RLane *ln, int lane_h)
{
    if (ln->kind == R_LANE_GIL)
        return lane_h * 4 / 3;
    if (ln->kind == R_LANE_CORE)
        return lane_h * 5 / 6 > 1 ? lane_h * 5 / 6 : lane_h;
    if (ln->kind == R_LANE_OBJECT && ln->wmax > 0 && ln->okind != R_OBJ_WAITONLY)
        return lane_h * 3 / 2; /* two rows: holders above, waiters below */
    (void)c;
    return lane_h;
}

static int content_height(const Ctx *c, int lane_h, int header_h, int group_gap)
{
    int h = 0;
    for (uint32_t g = 0; g < c->ix->n_groups; g++) {
        const RGroup *grp = &c->ix->groups[g];
        h += header_h + (g ? group_gap : 0);
        for (uint32_t k = 0; k < grp->n_lanes; k++)
            h += lane_height(c, &c->ix->lanes[grp->first_lane + k], lane_h);
    }
    return h;
}

static void group_title(const Ctx *c, const RGroup *grp, char *buf, size_t n, char *sub, size_t sn)
{
    sub[0] = '\0';
    if (grp->process == SIM_NONE) {
        snprintf(buf, n, "Machine");
        snprintf(sub, sn, "%u core%s", c->ix->n_cores, c->ix->n_cores == 1 ? "" : "s");
    } else if (grp->process == R_GROUP_ORPHANS) {
        snprintf(buf, n, "Threads");
    } else if (grp->process == R_GROUP_SHARED) {
        snprintf(buf, n, "Shared by processes");
        snprintf(sub, sn, "declared under \"ipc\": multiprocessing's queues, pipes, locks, values");
    } else {
        const SimProcessInfo *pi = sim_trace_process(c->ix->tr, grp->process);
        snprintf(buf, n, "%s", pi && pi->name && *pi->name ? pi->name : "process");
        uint32_t threads = 0;
        for (uint32_t k = 0; k < grp->n_lanes; k++)
            threads += c->ix->lanes[grp->first_lane + k].kind == R_LANE_THREAD;
        if (pi && pi->start_method && *pi->start_method && strcmp(pi->start_method, "initial"))
            snprintf(sub, sn, "%u thread%s \xc2\xb7 started by %s", threads, threads == 1 ? "" : "s",
                     pi->start_method);
        else
            snprintf(sub, sn, "%u thread%s", threads, threads == 1 ? "" : "s");
    }
}

static int ensure_geom(RLayout *L, uint32_t n_lanes, uint32_t n_groups)
{
    if (L->n_lanes < n_lanes || !L->lanes) {
        RLaneGeom *nl = realloc(L->lanes, (n_lanes + 1) * sizeof(*nl));
        if (!nl)
            return SIM_ERR_NOMEM;
        L->lanes = nl;
    }
    if (L->n_groups < n_groups || !L->headers) {
        RRect *nh = realloc(L->headers, (n_groups + 1) * sizeof(*nh));
        if (!nh)
            return SIM_ERR_NOMEM;
        L->headers = nh;
    }
    L->n_lanes = n_lanes;
    L->n_groups = n_groups;
    return SIM_OK;
}

/* ---- The frame ---------------------------------------------------------- */

int render_layout_build(RLayout *L, const RIndex *ix, const RViewport *vpin,
                        const RLayoutOpts *opt, const RTextMetrics *tm, DrawList *dl)
{
    RViewport vp = *vpin;
    if (vp.t1 <= vp.t0)
        vp.t1 = vp.t0 + 1;
    if (vp.scale <= 0)
        vp.scale = 1;
    if (vp.font_scale <= 0)
        vp.font_scale = 1;
    L->vp = vp;
    draw_list_reset(dl);
    if (ensure_geom(L, ix->n_lanes, ix->n_groups) < 0)
        return SIM_ERR_NOMEM;
    const RPalette *pal = render_palette(vp.theme);
    dl->clear = pal->bg;
    dl->width = vp.width;
    dl->height = vp.height;
    Ctx c = {.L = L, .ix = ix, .vp = &L->vp, .opt = opt, .tm = tm, .dl = dl, .pal = pal};
    c.s = vp.scale;
    c.u = (double)vp.scale * vp.font_scale;
    const double u0 = c.u;
    int grow = 0; /* 0 not tried, 1 grown, 2 undone */
relayout:
    L->u100 = (int)lround(c.u * 100);
    c.f_title = U(&c, 20);
    c.f_body = U(&c, 13);
    c.f_small = U(&c, 12);
    c.f_label = U(&c, 13);
    c.f_caption = U(&c, 11);
    L->lod_columns = 0;

    int W = vp.width, H = vp.height;
    int mx = U(&c, 14), my = U(&c, 10);
    if (opt->title_compact)
        c.f_title = c.f_body * 108 / 100;

    /* Top: title (one or two rows). */
    int y = opt->title_compact ? S(&c, 4) : my;
    L->title = rrect(mx, y, W - 2 * mx, 0);
    if (opt->title) {
        int row = opt->title_compact ? U(&c, 19) : U(&c, 30);
        bool one = opt->caption || opt->title_one_row || title_fits_one_row(&c, W - 2 * mx);
        L->title.h = row;
        y += row + (one ? 0 : U(&c, 18)) + S(&c, 6);
    }

    /* Below the lanes: axis, legend and caption follow the last lane; the
     * viewer's reserved space is anchored to the bottom edge. */
    char cap_lines[4][640];
    int n_cap = opt->caption ? caption_lines(&c, W - 2 * mx, cap_lines) : 0;
    int cap_line_h = U(&c, 16);
    int caption_h = n_cap ? n_cap * cap_line_h + U(&c, 4) : 0;
    LegendItem items[SIM_REASON_COUNT + 16];
    int n_items = 0, legend_row_h = U(&c, 22), legend_h = 0;
    if (opt->legend) {
        c.compact = false;
        c.f_legend = c.f_small;
        n_items = legend_items(&c, items);
        int rows = legend_rows(&c, items, n_items, W - 2 * mx);
        if (rows > 2) {
            /* Small picture: keep the lanes, shorten the legend. */
            c.compact = true;
            c.f_legend = c.f_caption;
            legend_row_h = U(&c, 18);
            n_items = legend_items(&c, items);
            rows = legend_rows(&c, items, n_items, W - 2 * mx);
        }
        if (opt->legend_max_rows > 0 && rows > opt->legend_max_rows) {
            /* The timeline first: the legend keeps what fits, in its order
             * (states before marks). */
            while (n_items > 0 && legend_rows(&c, items, n_items, W - 2 * mx) > opt->legend_max_rows)
                n_items--;
            rows = opt->legend_max_rows;
        }
        legend_h = rows * legend_row_h + S(&c, 4);
    }
    L->bottom = H - (opt->title_compact ? S(&c, 2) : my) - opt->reserve_bottom;
    int axis_h = opt->axis_h > 0 ? (int)lround(opt->axis_h * c.u) : U(&c, 30);
    int lanes_top = y + S(&c, 4);
    int avail = L->bottom - lanes_top - axis_h - legend_h - caption_h - (legend_h ? S(&c, 6) : 0);
    if (avail < 0)
        avail = 0;

    /* Lane heights: nominal, shrunk to fit (export) or to a readable
     * minimum (viewer, which then scrolls), grown into spare room. */
    int header_h = opt->header_h > 0 ? (int)lround(opt->header_h * c.u) : U(&c, 24), group_gap = S(&c, 6);
    int nominal = U(&c, 28), max_h = U(&c, 110), min_h = opt->fit_lanes ? S(&c, 3) : U(&c, 16);
    if (min_h < 2)
        min_h = 2;
    int lane_h = nominal;
    int fixed = content_height(&c, 0, header_h, group_gap);
    int per = content_height(&c, 1000, 0, 0); /* lanes' height in thousandths of lane_h */
    if (per > 0) {
        int fit = (int)((long long)(avail - fixed) * 1000 / per);
        lane_h = fit < min_h ? min_h : fit > max_h ? max_h : fit;
    }
    if (opt->fit_lanes && fixed > avail / 3 && ix->n_groups > 0) {
        header_h = header_h / 2 > U(&c, 12) ? header_h / 2 : U(&c, 12);
        fixed = content_height(&c, 0, header_h, group_gap);
        if (per > 0) {
            int fit = (int)((long long)(avail - fixed) * 1000 / per);
            lane_h = fit < min_h ? min_h : fit > max_h ? max_h : fit;
        }
    }
    /* A roomy picture (few lanes on a large canvas) would leave the lanes
     * at their largest and the text small: grow everything instead, once. */
    if (opt->auto_text && per > 0) {
        double fit = (double)(avail - fixed) * 1000 / per;
        if (grow == 0 && fit > max_h * 1.1) {
            /* Up to 1.6 times, or as much as the canvas is larger than a
             * 1500 x 850 one, so a huge picture looks like a small one. */
            double k = pow(fit / max_h, 0.75);
            double cap = fmin((double)W / (1500 * c.s), (double)H / (850 * c.s));
            if (cap < 1.6)
                cap = 1.6;
            c.u *= k < cap ? k : cap;
            grow = 1;
            goto relayout;
        }
        if (grow == 1 && fit < max_h * 0.7) {
            /* Larger text took the room it was meant to fill: undo. */
            c.u = u0;
            grow = 2;
            goto relayout;
        }
    }
    L->lane_h = lane_h;
    L->lane_h_max = max_h;
    int content_h = content_height(&c, lane_h, header_h, group_gap);
    L->content_h = content_h;
    int shown_h = content_h < avail ? content_h : avail;
    int max_scroll = content_h - shown_h;
    if (L->vp.vscroll > max_scroll)
        L->vp.vscroll = max_scroll;
    if (L->vp.vscroll < 0)
        L->vp.vscroll = 0;
    int lanes_bottom = lanes_top + shown_h;

    /* Label column from the widest lane name. */
    int label_w = U(&c, 60);
    char name[160];
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        const RLane *ln = &ix->lanes[i];
        int lf = lane_height(&c, ln, lane_h) * 30 / 100;
        if (lf < c.f_label)
            lf = c.f_label;
        if (lf > c.f_body * 3 / 2)
            lf = c.f_body * 3 / 2;
        int w = text_w(&c, ln->kind == R_LANE_GIL ? R_FONT_BOLD : R_FONT_REGULAR, lf,
                       render_lane_name(ix, ln, name, sizeof(name))) +
                lf * 8 / 10 + U(&c, 24);
        if (ln->kind == R_LANE_OBJECT)
            w += text_w(&c, R_FONT_REGULAR, c.f_caption, render_lane_object_kind(ix, ln)) + U(&c, 5);
        if (w > label_w)
            label_w = w;
    }
    if (label_w > W * 28 / 100)
        label_w = W * 28 / 100;
    if (opt->label_w > 0)
        label_w = opt->label_w;
    L->labels = rrect(mx, lanes_top, label_w, shown_h);
    L->plot = rrect(mx + label_w + U(&c, 6), lanes_top, W - (mx + label_w + U(&c, 6)) - U(&c, 18),
                    shown_h);
    if (L->plot.w < 1)
        L->plot.w = 1;
    L->lanes_clip = rrect(0, lanes_top, W, shown_h);
    L->axis = rrect(L->plot.x, lanes_bottom, L->plot.w, axis_h);
    L->legend = rrect(mx, lanes_bottom + axis_h + S(&c, 6), W - 2 * mx, legend_h);
    L->caption = rrect(mx, L->legend.y + legend_h, W - 2 * mx, caption_h);
    c.t0 = (double)vp.t0;
    c.npp = (double)(vp.t1 - vp.t0) / L->plot.w;

    if (opt->title)
        draw_title(&c, L->title);

    /* Geometry of every lane and header (scrolled). */
    {
        int yy = lanes_top - L->vp.vscroll;
        for (uint32_t g = 0; g < ix->n_groups; g++) {
            const RGroup *grp = &ix->groups[g];
            if (g)
                yy += group_gap;
            L->headers[g] = rrect(mx, yy, W - 2 * mx + S(&c, 4), header_h);
            yy += header_h;
            for (uint32_t k = 0; k < grp->n_lanes; k++) {
                uint32_t li = grp->first_lane + k;
                int h = lane_height(&c, &ix->lanes[li], lane_h);
                L->lanes[li] = (RLaneGeom){yy, h};
                yy += h;
            }
        }
        for (uint32_t g = 0; g < ix->n_groups; g++) {
            RRect *hr = &L->headers[g];
            if (hr->y + hr->h <= lanes_top || hr->y >= lanes_bottom)
                hr->h = 0;
        }
        for (uint32_t i = 0; i < ix->n_lanes; i++) {
            RLaneGeom *lg = &L->lanes[i];
            if (lg->y + lg->h <= lanes_top || lg->y >= lanes_bottom)
                lg->h = 0;
        }
    }

    draw_clip(dl, L->lanes_clip);
    /* Lane backgrounds, then grid, then spans and marks, then labels. */
    for (uint32_t g = 0; g < ix->n_groups; g++) {
        if (L->headers[g].h == 0)
            continue;
        RRect hr = L->headers[g];
        draw_rect(dl, hr, pal->header_bg);
        char title[160], sub[160];
        group_title(&c, &ix->groups[g], title, sizeof(title), sub, sizeof(sub));
        int fs = header_h < c.f_body + S(&c, 4) ? header_h - S(&c, 4) : c.f_body;
        if (fs >= 6) {
            draw_text(dl, hr.x + U(&c, 8), hr.y + hr.h / 2, title, R_FONT_BOLD, fs, R_ALIGN_LEFT,
                      pal->fg);
            int tw = text_w(&c, R_FONT_BOLD, fs, title);
            draw_text(dl, hr.x + U(&c, 8) + tw + U(&c, 10), hr.y + hr.h / 2, sub, R_FONT_REGULAR,
                      c.f_caption < fs ? c.f_caption : fs, R_ALIGN_LEFT, pal->fg_dim);
        }
    }
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLaneGeom lg = L->lanes[i];
        if (lg.h == 0)
            continue;
        draw_rect(dl, rrect(L->plot.x, lg.y, L->plot.w, lg.h), (i & 1) ? pal->lane_alt : pal->lane_bg);
    }
    draw_unclip(dl);
    /* Quiz: the run after hide_after stays behind a veil. */
    int x_hide = L->plot.x + L->plot.w;
    if (opt->hide_after >= 0) {
        double xh = render_layout_x_of(L, opt->hide_after);
        x_hide = xh < L->plot.x ? L->plot.x : xh > L->plot.x + L->plot.w ? L->plot.x + L->plot.w
                                                                         : (int)lround(xh);
    }
    draw_clip(dl, rrect(L->plot.x, lanes_top, L->plot.w, shown_h));
    draw_axis(&c, L->plot, lanes_top, lanes_bottom, true);
    draw_clip(dl, rrect(L->plot.x, lanes_top, x_hide - L->plot.x, shown_h));
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLaneGeom lg = L->lanes[i];
        if (lg.h == 0)
            continue;
        const RLane *ln = &ix->lanes[i];
        int pad = lg.h >= U(&c, 12) ? S(&c, 3) : lg.h >= 6 ? 1 : 0;
        RRect lane = rrect(L->plot.x, lg.y + pad, L->plot.w, lg.h - 2 * pad);
        if (ln->kind == R_LANE_GIL) {
            /* Top part: marks; bottom part: holders. */
            int strip_h = lane.h * 28 / 100;
            RRect spans = rrect(lane.x, lane.y + strip_h, lane.w, lane.h - strip_h);
            draw_lane_spans(&c, ln, spans);
            draw_marks(&c, ln, lane, rrect(lane.x, lane.y, lane.w, strip_h));
        } else if (ln->kind == R_LANE_OBJECT && ln->okind == R_OBJ_SHARED) {
            draw_shared(&c, ln, lane);
        } else if (ln->kind == R_LANE_OBJECT) {
            /* Top: owner, holders, fill or "set"; bottom: waiters. */
            int wh = ln->wmax == 0 ? 0 : ln->okind == R_OBJ_WAITONLY ? lane.h : lane.h * 42 / 100;
            RRect top = rrect(lane.x, lane.y, lane.w, lane.h - wh);
            RRect bot = rrect(lane.x, lane.y + lane.h - wh, lane.w, wh);
            if (top.h > 0)
                draw_lane_spans(&c, ln, top);
            draw_waiters(&c, ln, bot);
            draw_sync_marks(&c, ln, lane, wh ? bot.y + S(&c, 1) : lane.y + lane.h);
        } else if (ln->kind == R_LANE_THREAD) {
            draw_lane_spans(&c, ln, lane);
            draw_life(&c, ln, lane);
        } else {
            draw_lane_spans(&c, ln, lane);
        }
    }
    /* Selection and cursor over the spans. */
    if (opt->has_sel && opt->sel_lane < ix->n_lanes && L->lanes[opt->sel_lane].h > 0) {
        RLaneGeom lg = L->lanes[opt->sel_lane];
        double xa = render_layout_x_of(L, opt->sel_t0), xb = render_layout_x_of(L, opt->sel_t1);
        if (xa < L->plot.x - 4)
            xa = L->plot.x - 4;
        if (xb > L->plot.x + L->plot.w + 4)
            xb = L->plot.x + L->plot.w + 4;
        int th = S(&c, 2) < 2 ? 2 : S(&c, 2);
        int xi = (int)floor(xa), wi = (int)ceil(xb) - xi;
        if (wi < 2 * th + 1)
            wi = 2 * th + 1, xi -= th;
        draw_frame(dl, rrect(xi - th, lg.y, wi + 2 * th, lg.h), pal->select, th);
    }
    draw_unclip(dl);
    if (x_hide < L->plot.x + L->plot.w) {
        RRect veil = rrect(x_hide, lanes_top, L->plot.x + L->plot.w - x_hide, shown_h);
        draw_rect_hatched(dl, veil, pal->lane_alt, R_HATCH_DIAG, pal->grid_major,
                          U(&c, 14) < 6 ? 6 : U(&c, 14));
        const char *q = "What happens next?";
        int fs = c.f_title;
        int tw = text_w(&c, R_FONT_BOLD, fs, q);
        if (tw + U(&c, 24) <= veil.w) {
            int cy = veil.y + veil.h / 2;
            draw_rect(dl, rrect(veil.x + veil.w / 2 - tw / 2 - U(&c, 10), cy - fs, tw + U(&c, 20), 2 * fs),
                      pal->panel_bg);
            draw_text(dl, veil.x + veil.w / 2, cy, q, R_FONT_BOLD, fs, R_ALIGN_CENTER, pal->fg);
        }
    }

    /* Lane labels, clipped to their column: a long name is cut, it never
     * covers the plot. */
    draw_clip(dl, rrect(0, L->lanes_clip.y, L->plot.x, L->lanes_clip.h));
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLaneGeom lg = L->lanes[i];
        if (lg.h == 0)
            continue;
        const RLane *ln = &ix->lanes[i];
        /* Names grow with tall lanes (slides), shrink with thin ones. */
        int fs = lg.h * 30 / 100 > c.f_label ? lg.h * 30 / 100 : c.f_label;
        if (fs > c.f_body * 3 / 2)
            fs = c.f_body * 3 / 2;
        if (fs > lg.h - S(&c, 2))
            fs = lg.h - S(&c, 2);
        if (fs < 6)
            continue;
        int cy = lg.y + lg.h / 2;
        int x = L->labels.x + U(&c, 8);
        render_lane_name(ix, ln, name, sizeof(name));
        if (ln->kind == R_LANE_THREAD) {
            int chip = fs * 8 / 10;
            draw_rect(dl, rrect(x, cy - chip / 2, chip, chip), render_thread_color(ln->id, vp.theme));
            x += chip + U(&c, 6);
            const SimThreadInfo *ti = sim_trace_thread(ix->tr, ln->id);
            draw_text(dl, x, cy, name, R_FONT_REGULAR, fs, R_ALIGN_LEFT,
                      ti && ti->daemon ? pal->fg_dim : pal->fg);
        } else if (ln->kind == R_LANE_GIL) {
            x += fs * 8 / 10 + U(&c, 6);
            draw_text(dl, x, cy, name, R_FONT_BOLD, fs, R_ALIGN_LEFT, pal->fg);
        } else if (ln->kind == R_LANE_OBJECT) {
            /* A hollow chip: an object, not a thread; the kind in small text. */
            int chip = fs * 8 / 10;
            draw_frame(dl, rrect(x, cy - chip / 2, chip, chip), pal->fg_dim, S(&c, 1) < 1 ? 1 : S(&c, 1));
            x += chip + U(&c, 6);
            draw_text(dl, x, cy, name, R_FONT_REGULAR, fs, R_ALIGN_LEFT, pal->fg);
            int kfs = c.f_caption < fs ? c.f_caption : fs;
            int nx = x + text_w(&c, R_FONT_REGULAR, fs, name) + U(&c, 5);
            const char *kind = render_lane_object_kind(ix, ln);
            if (nx + text_w(&c, R_FONT_REGULAR, kfs, kind) <= L->labels.x + L->labels.w)
                draw_text(dl, nx, cy, kind, R_FONT_REGULAR, kfs, R_ALIGN_LEFT, pal->fg_dim);
        } else {
            x += fs * 8 / 10 + U(&c, 6);
            draw_text(dl, x, cy, name, R_FONT_REGULAR, fs, R_ALIGN_LEFT, pal->fg_dim);
        }
    }
    draw_unclip(dl);

    if (!opt->no_axis_labels)
        draw_axis(&c, L->plot, lanes_top, lanes_bottom, false);
    else
        draw_rect(dl, rrect(L->plot.x, lanes_bottom, L->plot.w, S(&c, 1) < 1 ? 1 : S(&c, 1)), pal->axis);

    /* Playback cursor across lanes and axis. */
    if (opt->cursor >= 0 && opt->cursor >= vp.t0 && opt->cursor <= vp.t1) {
        int x = (int)lround(render_layout_x_of(L, opt->cursor));
        int th = S(&c, 2) < 2 ? 2 : S(&c, 2);
        draw_rect(dl, rrect(x - th / 2, lanes_top, th, lanes_bottom - lanes_top + U(&c, 6)),
                  pal->cursor);
        int a = U(&c, 6);
        draw_tri(dl, x - a, lanes_top - a, x + a, lanes_top - a, x, lanes_top + S(&c, 1), pal->cursor);
    }

    if (opt->legend && n_items)
        draw_legend(&c, items, n_items, L->legend, legend_row_h);
    for (int i = 0; i < n_cap; i++)
        draw_text(dl, L->caption.x, L->caption.y + U(&c, 2) + i * cap_line_h + cap_line_h / 2,
                  cap_lines[i], R_FONT_REGULAR, c.f_caption, R_ALIGN_LEFT, pal->fg_dim);
    /* The caption whole, even when the picture has none or breaks it into
     * lines: an SVG's <desc> says what the picture shows. */
    char desc[1024];
    caption_text(&c, desc, sizeof(desc), true);
    draw_list_set_meta(dl, scenario_name(&c), desc);
    return dl->oom ? SIM_ERR_NOMEM : SIM_OK;
}

bool render_layout_hit(const RLayout *L, const RIndex *ix, int x, int y, RHit *hit)
{
    if (!rrect_contains(L->lanes_clip, x, y) || L->n_lanes != ix->n_lanes)
        return false;
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLaneGeom lg = L->lanes[i];
        if (lg.h == 0 || y < lg.y || y >= lg.y + lg.h)
            continue;
        const RLane *ln = &ix->lanes[i];
        memset(hit, 0, sizeof(*hit));
        hit->lane = i;
        hit->kind = ln->kind;
        hit->in_label = x < L->plot.x;
        if (!hit->in_label && x >= L->plot.x + L->plot.w)
            return false;
        hit->t = render_layout_t_of(L, x + 0.5);
        hit->slop = (SimTime)((double)(L->vp.t1 - L->vp.t0) / (L->plot.w > 0 ? L->plot.w : 1) * 4);
        hit->thread = ln->kind == R_LANE_THREAD ? ln->id : SIM_NONE;
        if (hit->in_label || hit->t < 0 || hit->t >= ix->end) {
            hit->span = SIZE_MAX;
            hit->value = R_IDLE;
            return true;
        }
        size_t k = render_lane_find(ln, hit->t);
        hit->span = k;
        hit->value = ln->v[k];
        hit->start = ln->t[k];
        hit->end = ln->t[k + 1];
        if (ln->kind == R_LANE_OBJECT)
            hit->thread = ln->okind == R_OBJ_LOCK && ln->v[k] != R_IDLE ? (ln->v[k] & ~R_LOST) : SIM_NONE;
        else if (ln->kind != R_LANE_THREAD)
            hit->thread = ln->v[k] == R_IDLE ? SIM_NONE : ln->v[k];
        return true;
    }
    return false;
}
