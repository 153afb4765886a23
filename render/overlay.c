/*
 * overlay.c - the viewer's chrome, appended to the timeline's draw list:
 * the lesson panel, the explain panel (what changed at the cursor, why,
 * what next) with the figures panel beside it, the scrub bar over the
 * whole run, the status line with key hints, cause -> effect arrows, the
 * hover tooltip, a toast for live changes and the help sheet. How much of
 * it shows is a plan (RChromePlan) the viewer shrinks until the lanes
 * keep half of the window.
 *
 * Invariant: pure like layout.c: everything is derived from the last
 * layout's geometry, the view state and the strings the viewer passes in,
 * so the viewer's look is testable without a window.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration_text.h"
#include "sim.h"
#include "view.h"

const char *const render_help_lines[] = {
    "Space\tplay / pause the cursor",
    "\xe2\x86\x90  \xe2\x86\x92  (or , .)\tstep one transition back / forward",
    "Shift + \xe2\x86\x90  \xe2\x86\x92\tstep the selected thread's transitions",
    "[   ]\tslower / faster playback",
    "Home   End\tcursor to the start / end of the run",
    "click or drag the scrub bar\tmove the cursor",
    "W   S   (+  -)\tzoom in / out around the mouse (Shift: faster)",
    "Ctrl + wheel\tzoom around the mouse",
    "A   D\tpan left / right (Shift: faster)",
    "Shift + wheel, drag the timeline\tpan",
    "wheel, \xe2\x86\x91  \xe2\x86\x93   PgUp  PgDn\tscroll the lanes",
    "W A S D, Q\tgo by position, not letter: the same keys on AZERTY or Dvorak",
    "F\tfit the selection (again: the whole run)",
    "0\tfit the whole run",
    "hover\ttooltip: thread, state, reason, start, duration",
    "click a span\tselect it and show its details",
    "Esc\tclear the selection / close help",
    "Q (left of W)\tlesson panel: the scenario's description and lesson",
    "Enter\tquiz (--quiz): reveal the run, its statistics and the lesson",
    "I   Shift+I\thalve / double the switch interval, re-simulate",
    "C   Shift+C\thalve / double the cores, re-simulate",
    "X\tcause \xe2\x86\x92 effect arrows on / off",
    "L\tprojector mode (larger text and lanes)",
    "F11\tfullscreen on / off",
    "T\tlight / dark theme",
    "P\tsave the current view as PNG",
    "?   F1\tthis help",
    "Ctrl+Q, or close the window\tquit",
    NULL,
};

typedef struct OCtx {
    const RLayout *L;
    const RIndex *ix;
    const RView *v;
    const RTextMetrics *tm;
    DrawList *dl;
    const RPalette *pal;
    double s, u;
} OCtx;

static int S(const OCtx *c, double v)
{
    return (int)lround(v * c->s);
}

static int U(const OCtx *c, double v)
{
    return (int)lround(v * c->u);
}

static int tw(const OCtx *c, RFont f, int size, const char *s)
{
    if (c->tm && c->tm->width)
        return c->tm->width(c->tm->ud, f, size, s);
    return (int)(strlen(s) * (size_t)size * 6 / 10);
}

RChromePlan render_chrome_full(bool lesson)
{
    RChromePlan p = {lesson ? 4 : 0, 5, false, false};
    return p;
}

bool render_chrome_shrink(RChromePlan *p)
{
    /* The lesson's first lines and the "why" stay longest: they are what a
     * class reads. */
    if (p->lesson_lines == 4) {
        p->lesson_lines = 3;
    } else if (p->explain_lines == 5) {
        p->explain_lines = 4;
    } else if (p->lesson_lines == 3) {
        p->lesson_lines = 2;
    } else if (!p->one_row) {
        p->one_row = true;
    } else if (p->explain_lines == 4) {
        p->explain_lines = 3;
    } else if (p->lesson_lines == 2) {
        p->lesson_lines = 1;
    } else if (p->explain_lines == 3) {
        p->explain_lines = 2;
    } else if (p->lesson_lines == 1) {
        p->lesson_lines = 0;
    } else if (!p->legend_one_row) {
        p->legend_one_row = true;
    } else {
        return false;
    }
    return true;
}

static double unit(const RViewport *vp)
{
    return (double)vp->scale * (vp->font_scale > 0 ? vp->font_scale : 1);
}

static int lesson_panel_h(double u, const RChromePlan *p)
{
    return p->lesson_lines > 0 ? (int)lround(u * ((1 + p->lesson_lines) * 19 + 16)) : 0;
}

int render_overlay_height(const RViewport *vp, const RChromePlan *p)
{
    double u = unit(vp);
    int h = (int)lround(u * 4) + (int)lround(u * (p->explain_lines * 19 + 16));
    if (p->lesson_lines > 0)
        h += lesson_panel_h(u, p) + (int)lround(u * 8);
    h += p->one_row ? (int)lround(u * 28) : (int)lround(u * 52);
    return h + (int)lround(u * 2);
}

/* Draws s wrapped into at most max_lines lines of width w; returns lines. */
static int draw_wrapped(OCtx *c, int x, int y, int w, int line_h, const char *s, RFont f, int size,
                        RColor col, int max_lines)
{
    char line[1024];
    int lines = 0;
    const char *p = s;
    while (*p && lines < max_lines) {
        size_t best = 0, len = 0;
        /* Grow word by word while it fits. */
        for (;;) {
            const char *q = p + len;
            while (*q == ' ')
                q++;
            const char *e = q;
            while (*e && *e != ' ')
                e++;
            size_t cand = (size_t)(e - p);
            if (cand >= sizeof(line))
                break;
            memcpy(line, p, cand);
            line[cand] = '\0';
            if (best > 0 && tw(c, f, size, line) > w)
                break;
            best = cand;
            len = cand;
            if (!*e)
                break;
        }
        if (best == 0)
            break;
        bool last = lines == max_lines - 1 && p[best];
        memcpy(line, p, best);
        line[best] = '\0';
        if (last) {
            /* Out of room: end with an ellipsis that fits. */
            size_t k = strlen(line);
            while (k > 0 && tw(c, f, size, line) + tw(c, f, size, "\xe2\x80\xa6") > w)
                line[--k] = '\0';
            strcat(line, "\xe2\x80\xa6");
        }
        draw_text(c->dl, x, y + lines * line_h + line_h / 2, line, f, size, R_ALIGN_LEFT, col);
        lines++;
        p += best;
        while (*p == ' ')
            p++;
    }
    return lines;
}

static void panel_box(OCtx *c, RRect r)
{
    draw_rect(c->dl, r, c->pal->panel_bg);
    draw_frame(c->dl, r, c->pal->panel_border, S(c, 1) < 1 ? 1 : S(c, 1));
}

static char *fmt_t(SimTime t, char *buf, size_t n)
{
    return duration_text_rounded(t, 6, buf, n);
}

int render_hit_describe(const RIndex *ix, const RHit *h, char lines[4][160])
{
    const RLane *ln = &ix->lanes[h->lane];
    char a[40], b[40], d[40], name[128];
    int n = 0;
    render_lane_name(ix, ln, name, sizeof(name));
    switch (ln->kind) {
    case R_LANE_THREAD: {
        const SimThreadInfo *ti = sim_trace_thread(ix->tr, ln->id);
        const SimProcessInfo *pi = ti ? sim_trace_process(ix->tr, ti->process) : NULL;
        snprintf(lines[n++], 160, "%s%s%s%s", name, ti && ti->daemon ? " (daemon)" : "",
                 pi ? " \xc2\xb7 " : "", pi && pi->name ? pi->name : "");
        if (h->span == SIZE_MAX || h->value == R_IDLE) {
            snprintf(lines[n++], 160, "not started");
            return n;
        }
        SimReason r = (SimReason)h->value;
        snprintf(lines[n++], 160, "%s", render_reason_label(r));
        snprintf(lines[n++], 160, "%s (%s)", sim_state_name(sim_reason_state(r)), sim_reason_name(r));
        break;
    }
    case R_LANE_GIL: {
        const SimProcessInfo *pi =
            ln->process < sim_trace_process_count(ix->tr) ? sim_trace_process(ix->tr, ln->process) : NULL;
        snprintf(lines[n++], 160, "GIL of %s", pi && pi->name ? pi->name : "a process");
        if (h->span == SIZE_MAX)
            return n;
        if (h->value == R_IDLE)
            snprintf(lines[n++], 160, "free");
        else
            snprintf(lines[n++], 160, "held by %s", sim_trace_thread(ix->tr, h->value)->name);
        break;
    }
    case R_LANE_OBJECT: {
        snprintf(lines[n++], 160, "%s %s", render_lane_object_kind(ix, ln), name);
        if (h->span == SIZE_MAX)
            return n;
        if (ln->okind == R_OBJ_SHARED) {
            uint32_t x = render_lane_waiters(ln, h->t); /* the no-loss value */
            snprintf(lines[n++], 160, "value %u \xc2\xb7 %u had no update been lost", h->value, x);
            /* A lost update under the mouse: whose write overwrote whose. */
            const RMark *best = NULL;
            for (size_t k = 0; k < ln->n_marks; k++) {
                const RMark *m = &ln->marks[k];
                if (m->t >= h->t - h->slop && m->t <= h->t + h->slop &&
                    (!best || llabs(m->t - h->t) < llabs(best->t - h->t)))
                    best = m;
                if (m->t > h->t + h->slop)
                    break;
            }
            if (best) {
                const SimThreadInfo *ti = sim_trace_thread(ix->tr, best->thread);
                const SimThreadInfo *by = best->by != SIM_NONE ? sim_trace_thread(ix->tr, best->by) : NULL;
                snprintf(lines[n++], 160, "lost: %s's write at %s overwrote %u newer update%s%s%s", ti ? ti->name : "?",
                         fmt_t(best->t, a, sizeof(a)), best->other, best->other == 1 ? "" : "s", by ? " by " : "",
                         by ? by->name : "");
                return n;
            }
            break;
        }
        uint32_t w = render_lane_waiters(ln, h->t), v = h->value;
        char what[128] = "";
        switch (ln->okind) {
        case R_OBJ_LOCK:
            if (v == R_IDLE)
                snprintf(what, sizeof(what), "free");
            else if (v & R_LOST)
                snprintf(what, sizeof(what), "held by a lost thread (%s, via fork)",
                         sim_trace_thread(ix->tr, v & ~R_LOST)->name);
            else
                snprintf(what, sizeof(what), "held by %s", sim_trace_thread(ix->tr, v)->name);
            break;
        case R_OBJ_SEMAPHORE:
            snprintf(what, sizeof(what), "%u of %u held", v == R_IDLE ? 0 : v, ln->vmax);
            break;
        case R_OBJ_EVENT:
            snprintf(what, sizeof(what), "%s", v == R_IDLE ? "clear" : "set");
            break;
        case R_OBJ_QUEUE:
            snprintf(what, sizeof(what), "%u item%s", v == R_IDLE ? 0 : v, v == 1 ? "" : "s");
            break;
        default:
            break;
        }
        if (*what)
            snprintf(lines[n++], 160, "%s \xc2\xb7 %u waiting", what, w);
        else
            snprintf(lines[n++], 160, "%u waiting", w);
        break;
    }
    default:
        snprintf(lines[n++], 160, "%s", name);
        if (h->span == SIZE_MAX)
            return n;
        if (h->value == R_IDLE)
            snprintf(lines[n++], 160, "idle");
        else
            snprintf(lines[n++], 160, "runs %s", sim_trace_thread(ix->tr, h->value)->name);
        break;
    }
    snprintf(lines[n++], 160, "%s \xe2\x86\x92 %s  (%s)", fmt_t(h->start, a, sizeof(a)),
             fmt_t(h->end, b, sizeof(b)), duration_text_rounded(h->end - h->start, 4, d, sizeof(d)));
    return n;
}

static void draw_tooltip(OCtx *c, const ROverlayIn *in)
{
    char lines[4][160];
    int n = render_hit_describe(in->hover_ix ? in->hover_ix : c->ix, &in->hover, lines);
    if (n == 0)
        return;
    int fs = U(c, 13), lh = U(c, 19), pad = U(c, 8);
    int w = 0;
    for (int i = 0; i < n; i++) {
        int k = tw(c, i == 0 ? R_FONT_BOLD : R_FONT_REGULAR, fs, lines[i]);
        if (k > w)
            w = k;
    }
    RRect box = {in->mouse_x + U(c, 16), in->mouse_y + U(c, 18), w + 2 * pad, n * lh + 2 * pad - U(c, 4)};
    int W = c->L->vp.width, H = c->L->vp.height;
    if (box.x + box.w > W - S(c, 4))
        box.x = in->mouse_x - U(c, 12) - box.w;
    if (box.y + box.h > H - S(c, 4))
        box.y = in->mouse_y - U(c, 12) - box.h;
    if (box.x < S(c, 4))
        box.x = S(c, 4);
    if (box.y < S(c, 4))
        box.y = S(c, 4);
    RColor shadow = {0, 0, 0, 40};
    draw_rect(c->dl, rrect(box.x + S(c, 3), box.y + S(c, 3), box.w, box.h), shadow);
    panel_box(c, box);
    for (int i = 0; i < n; i++)
        draw_text(c->dl, box.x + pad, box.y + pad - U(c, 2) + i * lh + lh / 2, lines[i],
                  i == 0 ? R_FONT_BOLD : R_FONT_REGULAR, fs, R_ALIGN_LEFT,
                  i == 0 ? c->pal->panel_fg : c->pal->fg_dim);
}

static void arrow_head(OCtx *c, double x0, double y0, double x1, double y1, RColor col)
{
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
    if (len < 1)
        return;
    double ux = dx / len, uy = dy / len, a = U(c, 10), hw = U(c, 5);
    double bx = x1 - ux * a, by = y1 - uy * a;
    draw_tri(c->dl, (int)lround(x1), (int)lround(y1), (int)lround(bx - uy * hw),
             (int)lround(by + ux * hw), (int)lround(bx + uy * hw), (int)lround(by - ux * hw), col);
}

static bool boxes_meet(RRect a, RRect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/*
 * The cause -> effect arrows, drawn only inside the plot: a point whose
 * time lies off screen is reached by an arrow cut at the plot's edge, and
 * an arrow with both ends on one side is not drawn at all. Each label is
 * tried above-right, above-left, below-right and below-left of its point
 * and dropped when every place overlaps a label already drawn.
 */
static void draw_chain(OCtx *c, const RChain *ch)
{
    const RLayout *L = c->L;
    if (ch->n < 2)
        return;
    RRect plot = L->plot;
    draw_clip(c->dl, plot);
    RColor halo = c->pal->panel_bg;
    halo.a = 210;
    RColor ink = c->pal->arrow;
    double px[R_CHAIN_MAX];
    int py[R_CHAIN_MAX];
    bool vis[R_CHAIN_MAX], inside[R_CHAIN_MAX];
    for (int i = 0; i < ch->n; i++) {
        px[i] = render_layout_x_of(L, ch->t[i]);
        vis[i] = ch->lane[i] < L->n_lanes && L->lanes[ch->lane[i]].h > 0;
        py[i] = vis[i] ? L->lanes[ch->lane[i]].y + L->lanes[ch->lane[i]].h / 2 : 0;
        vis[i] &= py[i] >= plot.y && py[i] < plot.y + plot.h;
        inside[i] = vis[i] && px[i] >= plot.x && px[i] <= plot.x + plot.w;
    }
    for (int i = 0; i + 1 < ch->n; i++) {
        if (!vis[i] || !vis[i + 1])
            continue;
        double x0 = px[i], x1 = px[i + 1];
        if ((x0 < plot.x && x1 < plot.x) || (x0 > plot.x + plot.w && x1 > plot.x + plot.w))
            continue;
        int y0 = py[i], y1 = py[i + 1];
        /* Stop short of the target dot. */
        double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
        if (len < U(c, 14))
            continue;
        /* Cut where the arrow leaves the plot, so no coordinate is huge. */
        double ta = 0, tb = 1;
        if (dx != 0) {
            double e0 = (plot.x - x0) / dx, e1 = (plot.x + plot.w - x0) / dx;
            double lo = e0 < e1 ? e0 : e1, hi = e0 < e1 ? e1 : e0;
            ta = lo > 0 ? lo : 0;
            tb = hi < 1 ? hi : 1;
        }
        double k = (len - U(c, 5)) / len;
        if (tb > k)
            tb = k;
        if (tb <= ta)
            continue;
        int ax = (int)lround(x0 + dx * ta), ay = (int)lround(y0 + dy * ta);
        int ex = (int)lround(x0 + dx * tb), ey = (int)lround(y0 + dy * tb);
        draw_line(c->dl, ax, ay, ex, ey, halo, S(c, 5));
        draw_line(c->dl, ax, ay, ex, ey, ink, S(c, 2));
        if (tb >= k - 1e-9)
            arrow_head(c, x0, y0, ex, ey, ink);
    }
    int fs = U(c, 11);
    RRect placed[R_CHAIN_MAX];
    int n_placed = 0;
    for (int i = 0; i < ch->n; i++) {
        if (!inside[i])
            continue;
        int x = (int)lround(px[i]);
        int r = U(c, 4);
        draw_rect(c->dl, rrect(x - r - S(c, 1), py[i] - r - S(c, 1), 2 * r + S(c, 2), 2 * r + S(c, 2)), halo);
        draw_rect(c->dl, rrect(x - r, py[i] - r, 2 * r, 2 * r), ink);
    }
    /* Newest first: the effect at the cursor keeps its label. */
    for (int i = ch->n; i-- > 0;) {
        if (!inside[i] || !ch->label[i] || !*ch->label[i])
            continue;
        int x = (int)lround(px[i]);
        int w = tw(c, R_FONT_BOLD, fs, ch->label[i]);
        int bh = fs * 14 / 10;
        RRect cand[4] = {
            {x + U(c, 8) - U(c, 4), py[i] - U(c, 12) - bh / 2, w + U(c, 8), bh},
            {x - U(c, 8) - w - U(c, 4), py[i] - U(c, 12) - bh / 2, w + U(c, 8), bh},
            {x + U(c, 8) - U(c, 4), py[i] + U(c, 12) - bh / 2, w + U(c, 8), bh},
            {x - U(c, 8) - w - U(c, 4), py[i] + U(c, 12) - bh / 2, w + U(c, 8), bh},
        };
        int pick = -1;
        for (int k = 0; k < 4 && pick < 0; k++) {
            RRect b = cand[k];
            if (b.x < plot.x || b.x + b.w > plot.x + plot.w || b.y < plot.y || b.y + b.h > plot.y + plot.h)
                continue;
            bool free_ = true;
            for (int q = 0; q < n_placed && free_; q++)
                free_ = !boxes_meet(b, placed[q]);
            if (free_)
                pick = k;
        }
        if (pick < 0)
            continue; /* no room: better no label than one over another */
        RRect b = cand[pick];
        placed[n_placed++] = b;
        draw_rect(c->dl, b, halo);
        draw_text(c->dl, b.x + U(c, 4), b.y + b.h / 2, ch->label[i], R_FONT_BOLD, fs, R_ALIGN_LEFT, ink);
    }
    draw_unclip(c->dl);
}

static void draw_help(OCtx *c)
{
    int W = c->L->vp.width, H = c->L->vp.height;
    RColor dim = c->pal->bg;
    dim.a = 170;
    draw_rect(c->dl, rrect(0, 0, W, H), dim);
    int n = 0;
    while (render_help_lines[n])
        n++;
    int fs = U(c, 14), lh = U(c, 22), pad = U(c, 20);
    int kw = 0, mw = 0;
    char key[128];
    for (int i = 0; i < n; i++) {
        const char *tab = strchr(render_help_lines[i], '\t');
        size_t kl = tab ? (size_t)(tab - render_help_lines[i]) : 0;
        if (kl >= sizeof(key))
            kl = sizeof(key) - 1;
        memcpy(key, render_help_lines[i], kl);
        key[kl] = '\0';
        int a = tw(c, R_FONT_BOLD, fs, key), b = tw(c, R_FONT_REGULAR, fs, tab ? tab + 1 : "");
        if (a > kw)
            kw = a;
        if (b > mw)
            mw = b;
    }
    int title_h = U(c, 34);
    /* Shrink the text when the sheet would not fit the window. */
    int need_h = n * lh + 2 * pad + title_h;
    if (need_h > H - S(c, 20) && H > 0) {
        double f = (double)(H - S(c, 20)) / need_h;
        fs = (int)(fs * f);
        lh = (int)(lh * f);
        kw = (int)(kw * f) + 1;
        mw = (int)(mw * f) + 1;
        title_h = (int)(title_h * f);
    }
    RRect box = {0, 0, kw + mw + U(c, 28) + 2 * pad, n * lh + 2 * pad + title_h};
    box.x = (W - box.w) / 2;
    box.y = (H - box.h) / 2;
    RColor shadow = {0, 0, 0, 60};
    draw_rect(c->dl, rrect(box.x + S(c, 4), box.y + S(c, 4), box.w, box.h), shadow);
    panel_box(c, box);
    draw_text(c->dl, box.x + pad, box.y + pad + title_h / 2 - U(c, 4), "Keys and mouse", R_FONT_BOLD,
              fs * 13 / 10, R_ALIGN_LEFT, c->pal->panel_fg);
    for (int i = 0; i < n; i++) {
        const char *tab = strchr(render_help_lines[i], '\t');
        size_t kl = tab ? (size_t)(tab - render_help_lines[i]) : 0;
        if (kl >= sizeof(key))
            kl = sizeof(key) - 1;
        memcpy(key, render_help_lines[i], kl);
        key[kl] = '\0';
        int y = box.y + pad + title_h + i * lh + lh / 2;
        draw_text(c->dl, box.x + pad, y, key, R_FONT_BOLD, fs, R_ALIGN_LEFT, c->pal->accent);
        draw_text(c->dl, box.x + pad + kw + U(c, 28), y, tab ? tab + 1 : "", R_FONT_REGULAR, fs,
                  R_ALIGN_LEFT, c->pal->panel_fg);
    }
}

static void draw_scrub(OCtx *c, RRect track, bool hide_end)
{
    const RView *v = c->v;
    const RPalette *p = c->pal;
    draw_rect(c->dl, track, p->lane_alt);
    draw_frame(c->dl, track, p->panel_border, 1);
    double k = (double)track.w / (double)(v->end > 0 ? v->end : 1);
    int x0 = track.x + (int)floor(fmax(0, (double)v->t0) * k);
    int x1 = track.x + (int)ceil(fmin((double)v->end, (double)v->t1) * k);
    if (x1 - x0 < S(c, 3))
        x1 = x0 + S(c, 3);
    RColor win = p->accent;
    win.a = 60;
    draw_rect(c->dl, rrect(x0, track.y, x1 - x0, track.h), win);
    RColor edge = p->accent;
    edge.a = 200;
    draw_frame(c->dl, rrect(x0, track.y, x1 - x0, track.h), edge, S(c, 1) < 1 ? 1 : S(c, 1));
    int cx = track.x + (int)lround((double)v->cursor_t * k);
    int th = S(c, 2) < 2 ? 2 : S(c, 2);
    draw_rect(c->dl, rrect(cx - th / 2, track.y - S(c, 3), th, track.h + S(c, 6)), p->cursor);
    int a = U(c, 6);
    draw_tri(c->dl, cx - a, track.y - S(c, 3) - a, cx + a, track.y - S(c, 3) - a, cx,
             track.y - S(c, 3), p->cursor);
    char e[32];
    int fs = U(c, 11);
    draw_text(c->dl, track.x - U(c, 6), track.y + track.h / 2, "0", R_FONT_REGULAR, fs,
              R_ALIGN_RIGHT, p->fg_dim);
    draw_text(c->dl, track.x + track.w + U(c, 6), track.y + track.h / 2,
              hide_end ? "?" : duration_text_rounded(v->end, 3, e, sizeof(e)), R_FONT_REGULAR, fs,
              R_ALIGN_LEFT, p->fg_dim);
}

/* s cut to width w with an ellipsis, into out. */
static const char *fit(OCtx *c, const char *s, RFont f, int size, int w, char *out, size_t n)
{
    snprintf(out, n, "%s", s);
    size_t k = strlen(out);
    if (tw(c, f, size, out) <= w)
        return out;
    while (k > 0 && tw(c, f, size, out) + tw(c, f, size, "\xe2\x80\xa6") > w) {
        out[--k] = '\0';
        while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80) /* whole UTF-8 characters */
            out[--k] = '\0';
        if (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0xc0)
            out[--k] = '\0';
    }
    if (k + 4 < n)
        strcat(out, "\xe2\x80\xa6");
    return out;
}

/* "Now", "Why", "Next" before their text, which wraps into max lines;
 * returns the lines used. */
static int labelled(OCtx *c, int x, int y, int w, int lh, const char *head, const char *text, int fs,
                    int max)
{
    if (!text || !*text || max <= 0)
        return 0;
    int k = tw(c, R_FONT_BOLD, fs, "Next  ");
    draw_text(c->dl, x, y + lh / 2, head, R_FONT_BOLD, fs, R_ALIGN_LEFT, c->pal->accent);
    return draw_wrapped(c, x + k + U(c, 4), y, w - k - U(c, 4), lh, text, R_FONT_REGULAR, fs, c->pal->panel_fg,
                        max);
}

static void draw_figures(OCtx *c, RRect r, const ROverlayIn *in, int lines)
{
    panel_box(c, r);
    int fs = U(c, 13), lh = U(c, 19), pad = U(c, 8);
    int x = r.x + pad, y = r.y + pad, w = r.w - 2 * pad;
    draw_text(c->dl, x, y + lh / 2, in->figs_title ? in->figs_title : "Figures", R_FONT_BOLD, fs, R_ALIGN_LEFT,
              c->pal->accent);
    int lw = 0;
    for (int i = 0; i < in->n_figs; i++) {
        int k = tw(c, R_FONT_BOLD, fs, in->figs[i].label);
        if (k > lw)
            lw = k;
    }
    lw += U(c, 10);
    if (lw > w / 3)
        lw = w / 3;
    for (int i = 0; i < in->n_figs && i + 1 < lines; i++) {
        const RFigLine *f = &in->figs[i];
        int yy = y + (i + 1) * lh;
        char lab[64];
        draw_text(c->dl, x, yy + lh / 2, fit(c, f->label, R_FONT_BOLD, fs, lw - U(c, 6), lab, sizeof(lab)), R_FONT_BOLD,
                  fs, R_ALIGN_LEFT, c->pal->fg_dim);
        draw_wrapped(c, x + lw, yy, w - lw, lh, f->value, f->changed ? R_FONT_BOLD : R_FONT_REGULAR, fs,
                     f->changed ? c->pal->accent : c->pal->panel_fg, 1);
    }
}

int render_overlay_build(const RLayout *L, const RIndex *ix, const RView *v,
                         const ROverlayIn *in, const RTextMetrics *tm, DrawList *dl,
                         ROverlayGeom *geom)
{
    OCtx c = {L, ix, v, tm, dl, render_palette(L->vp.theme), L->vp.scale,
              (double)L->vp.scale * L->vp.font_scale};
    const RPalette *p = c.pal;
    RChromePlan plan = in->plan;
    if (plan.explain_lines < 2)
        plan.explain_lines = 2;
    int W = L->vp.width;
    int mx = U(&c, 14);
    int y = L->bottom + U(&c, 4);
    int fs = U(&c, 13), lh = U(&c, 19), pad = U(&c, 8);
    memset(geom, 0, sizeof(*geom));

    if (v->arrows && in->chain.n >= 2)
        draw_chain(&c, &in->chain);

    /* Lesson panel: what the scenario is about and what to notice. */
    geom->lesson = rrect(mx, y, 0, 0);
    if (v->lesson && in->lesson_text && *in->lesson_text && plan.lesson_lines > 0) {
        RRect lp = {mx, y, W - 2 * mx, lesson_panel_h(c.u, &plan)};
        geom->lesson = lp;
        panel_box(&c, lp);
        RColor band = p->accent;
        draw_rect(dl, rrect(lp.x, lp.y, S(&c, 4) < 3 ? 3 : S(&c, 4), lp.h), band);
        int lx = lp.x + pad + U(&c, 4), lw = lp.w - 2 * pad - U(&c, 4);
        const char *head = in->lesson_head && *in->lesson_head ? in->lesson_head : "Lesson";
        int hw = tw(&c, R_FONT_BOLD, fs, head);
        draw_text(dl, lx, lp.y + pad + lh / 2, head, R_FONT_BOLD, fs, R_ALIGN_LEFT, p->accent);
        char title[512];
        snprintf(title, sizeof(title), "%s", in->lesson_title ? in->lesson_title : "");
        draw_text(dl, lx + hw + U(&c, 10), lp.y + pad + lh / 2, title, R_FONT_BOLD, fs,
                  R_ALIGN_LEFT, p->panel_fg);
        const char *hint = "Q hides this panel";
        int tw_t = tw(&c, R_FONT_BOLD, fs, title);
        if (hw + tw_t + tw(&c, R_FONT_REGULAR, U(&c, 11), hint) + U(&c, 40) <= lw)
            draw_text(dl, lp.x + lp.w - pad, lp.y + pad + lh / 2, hint, R_FONT_REGULAR, U(&c, 11),
                      R_ALIGN_RIGHT, p->fg_dim);
        int used = 1, room = plan.lesson_lines;
        if (room >= 4 && in->lesson_desc && *in->lesson_desc) {
            used += draw_wrapped(&c, lx, lp.y + pad + used * lh, lw, lh, in->lesson_desc,
                                 R_FONT_REGULAR, fs, p->fg_dim, 1);
            room--;
        }
        draw_wrapped(&c, lx, lp.y + pad + used * lh, lw, lh, in->lesson_text, R_FONT_REGULAR, fs,
                     p->panel_fg, room);
        y += lp.h + U(&c, 8);
    }

    /* Explain panel, and the figures panel beside it. */
    int row_h = plan.explain_lines * lh + 2 * pad;
    int fig_w = in->n_figs > 0 ? (W - 2 * mx) * 38 / 100 : 0;
    int gap = fig_w ? U(&c, 8) : 0;
    RRect panel = {mx, y, W - 2 * mx - fig_w - gap, row_h};
    geom->panel = panel;
    panel_box(&c, panel);
    if (fig_w) {
        geom->figures = rrect(panel.x + panel.w + gap, y, fig_w, row_h);
        draw_figures(&c, geom->figures, in, plan.explain_lines);
    }
    int tx = panel.x + pad, ty = panel.y + pad, tw_ = panel.w - 2 * pad;
    {
        char head[256], t[40];
        const char *state = v->playing ? "\xe2\x96\xb6" : "\xe2\x80\x96";
        if (v->cursor == SIZE_MAX)
            snprintf(head, sizeof(head), "%s  %s  \xc2\xb7  before the first transition", state,
                     fmt_t(v->cursor_t, t, sizeof(t)));
        else if (in->explain_head && *in->explain_head)
            snprintf(head, sizeof(head), "%s  %s", state, in->explain_head);
        else
            snprintf(head, sizeof(head), "%s  %s", state, fmt_t(v->cursor_t, t, sizeof(t)));
        int used = 0, lines = plan.explain_lines;
        if (lines >= 3) {
            draw_text(dl, tx, ty + lh / 2, head, R_FONT_BOLD, fs, R_ALIGN_LEFT, p->panel_fg);
            if (in->selection) {
                int sw = tw(&c, R_FONT_REGULAR, U(&c, 12), in->selection);
                int hw = tw(&c, R_FONT_BOLD, fs, head);
                if (hw + sw + U(&c, 30) <= tw_)
                    draw_text(dl, panel.x + panel.w - pad, ty + lh / 2, in->selection, R_FONT_REGULAR,
                              U(&c, 12), R_ALIGN_RIGHT, p->accent);
            }
            used = 1;
        }
        bool has_next = lines >= 4 && in->explain_next && *in->explain_next;
        bool has_why = in->explain_why && *in->explain_why;
        /* Now takes one line when a Why follows, else the room there is. */
        int now_room = has_why ? 1 : lines - used - (has_next ? 1 : 0);
        used += labelled(&c, tx, ty + used * lh, tw_, lh, "Now", in->explain_now, fs, now_room);
        int why_room = lines - used - (has_next ? 1 : 0);
        used += labelled(&c, tx, ty + used * lh, tw_, lh, "Why", in->explain_why, fs, why_room);
        if (has_next)
            labelled(&c, tx, ty + used * lh, tw_, lh, "Next", in->explain_next, fs, lines - used);
    }

    /* Scrub bar, aligned with the plot; the status line under it, or on
     * its row when room is short. */
    y = panel.y + panel.h + U(&c, plan.one_row ? 8 : 12);
    char endbuf[32];
    duration_text_rounded(v->end, 3, endbuf, sizeof(endbuf));
    int end_w = tw(&c, R_FONT_REGULAR, U(&c, 11), endbuf) + U(&c, 12);
    const char *hints = "Space play \xc2\xb7 \xe2\x86\x90/\xe2\x86\x92 step \xc2\xb7 W/S zoom "
                        "\xc2\xb7 A/D pan \xc2\xb7 I/\xe2\x87\xa7I interval \xc2\xb7 C/\xe2\x87\xa7""C "
                        "cores \xc2\xb7 L projector \xc2\xb7 Q lesson \xc2\xb7 ? help";
    int sfs = U(&c, 12);
    int right_w = in->status ? tw(&c, R_FONT_REGULAR, sfs, in->status) : 0;
    RRect track = {L->plot.x, y + (plan.one_row ? U(&c, 3) : 0), L->plot.w - end_w, U(&c, 14)};
    if (plan.one_row) {
        /* The status goes right of the run's length; it is the short one. */
        int room = W - mx - right_w - U(&c, 16) - end_w - track.x;
        track.w = room < track.w ? room : track.w;
    }
    if (track.w < U(&c, 60))
        track.w = U(&c, 60);
    geom->scrub = track;
    draw_text(dl, mx, track.y + track.h / 2, "run", R_FONT_BOLD, U(&c, 12), R_ALIGN_LEFT, p->fg_dim);
    draw_scrub(&c, track, in->hide_end);

    y = plan.one_row ? y : track.y + track.h + U(&c, 6);
    RRect st = {mx, y, W - 2 * mx, U(&c, 20)};
    geom->status = st;
    if (!plan.one_row) {
        if (tw(&c, R_FONT_REGULAR, sfs, hints) + right_w + U(&c, 24) <= st.w)
            draw_text(dl, st.x, st.y + st.h / 2, hints, R_FONT_REGULAR, sfs, R_ALIGN_LEFT, p->fg_dim);
        else
            draw_text(dl, st.x, st.y + st.h / 2, "? help", R_FONT_REGULAR, sfs, R_ALIGN_LEFT, p->fg_dim);
    }
    if (in->status)
        draw_text(dl, st.x + st.w, st.y + st.h / 2, in->status, R_FONT_REGULAR, sfs, R_ALIGN_RIGHT,
                  p->fg);

    /* Toast: top centre of the lanes. */
    if (in->toast && *in->toast) {
        int tfs = U(&c, 15);
        int w = tw(&c, R_FONT_BOLD, tfs, in->toast) + 2 * U(&c, 14);
        if (w > W - 2 * mx)
            w = W - 2 * mx;
        RRect box = {(W - w) / 2, L->lanes_clip.y + U(&c, 10), w, U(&c, 32)};
        RColor shadow = {0, 0, 0, 50};
        draw_rect(dl, rrect(box.x + S(&c, 3), box.y + S(&c, 3), box.w, box.h), shadow);
        draw_rect(dl, box, p->panel_bg);
        draw_frame(dl, box, p->accent, S(&c, 2) < 2 ? 2 : S(&c, 2));
        draw_text(dl, box.x + box.w / 2, box.y + box.h / 2, in->toast, R_FONT_BOLD, tfs,
                  R_ALIGN_CENTER, p->panel_fg);
    }

    if (in->tooltip && !v->help)
        draw_tooltip(&c, in);
    if (v->help)
        draw_help(&c);
    return dl->oom ? SIM_ERR_NOMEM : SIM_OK;
}
