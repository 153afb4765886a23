/*
 * overlay.c - the viewer's chrome, appended to the timeline's draw list:
 * the explain panel (what happened at the cursor and why), the scrub bar
 * over the whole run, the status line with key hints, cause -> effect
 * arrows, the hover tooltip, a toast for live changes and the help sheet.
 *
 * Invariant: pure like layout.c: everything is derived from the last
 * layout's geometry, the view state and the strings the viewer passes in,
 * so the viewer's look is testable without a window.
 */
#include <math.h>
#include <stdio.h>
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
    "mouse wheel\tzoom around the mouse",
    "A   D\tpan left / right (Shift: faster)",
    "drag the timeline\tpan",
    "\xe2\x86\x91  \xe2\x86\x93   PgUp  PgDn\tscroll the lanes",
    "F\tfit the selection (again: the whole run)",
    "0\tfit the whole run",
    "hover\ttooltip: thread, state, reason, start, duration",
    "click a span\tselect it and show its details",
    "Esc\tclear the selection / close help / quit",
    "Q\tlesson panel: the scenario's description and lesson",
    "Enter\tquiz (--quiz): reveal the run, its statistics and the lesson",
    "I   Shift+I\thalve / double the switch interval, re-simulate",
    "C   Shift+C\thalve / double the cores, re-simulate",
    "X\tcause \xe2\x86\x92 effect arrows on / off",
    "L\tprojector mode (large text)",
    "T\tlight / dark theme",
    "P\tsave the current view as PNG",
    "?   F1\tthis help",
    "Ctrl+Q\tquit",
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

int render_overlay_height(const RViewport *vp)
{
    double u = (double)vp->scale * (vp->font_scale > 0 ? vp->font_scale : 1);
    /* Panel of four text lines, scrub bar, status line, gaps. */
    return (int)lround(u * (4 * 19 + 16) + u * 26 + u * 22 + u * 8);
}

int render_lesson_height(const RViewport *vp)
{
    double u = (double)vp->scale * (vp->font_scale > 0 ? vp->font_scale : 1);
    /* Title, description and three lines of lesson, padding, gap. */
    return (int)lround(u * (5 * 19 + 16) + u * 8);
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

static int lane_mid(const RLayout *L, uint32_t lane, bool *visible)
{
    RLaneGeom g = L->lanes[lane];
    *visible = g.h > 0;
    return g.y + g.h / 2;
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

static void draw_chain(OCtx *c, const RChain *ch)
{
    const RLayout *L = c->L;
    if (ch->n < 2)
        return;
    draw_clip(c->dl, L->lanes_clip);
    RColor halo = c->pal->panel_bg;
    halo.a = 210;
    RColor ink = c->pal->arrow;
    int px[R_CHAIN_MAX], py[R_CHAIN_MAX];
    bool vis[R_CHAIN_MAX];
    for (int i = 0; i < ch->n; i++) {
        px[i] = (int)lround(render_layout_x_of(L, ch->t[i]));
        py[i] = lane_mid(L, ch->lane[i], &vis[i]);
    }
    for (int i = 0; i + 1 < ch->n; i++) {
        if (!vis[i] || !vis[i + 1])
            continue;
        int x0 = px[i], y0 = py[i], x1 = px[i + 1], y1 = py[i + 1];
        /* Stop short of the target dot. */
        double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
        if (len < U(c, 14))
            continue;
        double k = (len - U(c, 5)) / len;
        int ex = (int)lround(x0 + dx * k), ey = (int)lround(y0 + dy * k);
        draw_line(c->dl, x0, y0, ex, ey, halo, S(c, 5));
        draw_line(c->dl, x0, y0, ex, ey, ink, S(c, 2));
        arrow_head(c, x0, y0, ex, ey, ink);
    }
    int fs = U(c, 11);
    for (int i = 0; i < ch->n; i++) {
        if (!vis[i])
            continue;
        int r = U(c, 4);
        draw_rect(c->dl, rrect(px[i] - r - S(c, 1), py[i] - r - S(c, 1), 2 * r + S(c, 2), 2 * r + S(c, 2)), halo);
        draw_rect(c->dl, rrect(px[i] - r, py[i] - r, 2 * r, 2 * r), ink);
        if (!ch->label[i])
            continue;
        int w = tw(c, R_FONT_BOLD, fs, ch->label[i]);
        /* Labels sit above their point, right of it when there is room. */
        int lx = px[i] + U(c, 8), ly = py[i] - U(c, 12);
        if (lx + w > L->plot.x + L->plot.w)
            lx = px[i] - U(c, 8) - w;
        RRect b = {lx - U(c, 4), ly - fs * 7 / 10, w + U(c, 8), fs * 14 / 10};
        draw_rect(c->dl, b, halo);
        draw_text(c->dl, lx, ly, ch->label[i], R_FONT_BOLD, fs, R_ALIGN_LEFT, ink);
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

int render_overlay_build(const RLayout *L, const RIndex *ix, const RView *v,
                         const ROverlayIn *in, const RTextMetrics *tm, DrawList *dl,
                         ROverlayGeom *geom)
{
    OCtx c = {L, ix, v, tm, dl, render_palette(L->vp.theme), L->vp.scale,
              (double)L->vp.scale * L->vp.font_scale};
    const RPalette *p = c.pal;
    int W = L->vp.width;
    int mx = U(&c, 14);
    int y = L->bottom + U(&c, 4);
    int fs = U(&c, 13), lh = U(&c, 19), pad = U(&c, 8);

    if (v->arrows && in->chain.n >= 2)
        draw_chain(&c, &in->chain);

    /* Lesson panel: what the scenario is about and what to notice. */
    geom->lesson = rrect(mx, y, 0, 0);
    if (v->lesson && in->lesson_text && *in->lesson_text) {
        RRect lp = {mx, y, W - 2 * mx, 5 * lh + 2 * pad};
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
        int used = 1;
        if (in->lesson_desc && *in->lesson_desc)
            used += draw_wrapped(&c, lx, lp.y + pad + used * lh, lw, lh, in->lesson_desc,
                                 R_FONT_REGULAR, fs, p->fg_dim, 1);
        draw_wrapped(&c, lx, lp.y + pad + used * lh, lw, lh, in->lesson_text, R_FONT_REGULAR, fs,
                     p->panel_fg, 5 - used);
        y += render_lesson_height(&L->vp);
    }

    /* Explain panel. */
    RRect panel = {mx, y, W - 2 * mx, 4 * lh + 2 * pad};
    geom->panel = panel;
    panel_box(&c, panel);
    int tx = panel.x + pad, ty = panel.y + pad, tw_ = panel.w - 2 * pad;
    {
        char head[256], t[40];
        const SimRecord *rs = sim_trace_records(ix->tr);
        size_t n = sim_trace_count(ix->tr);
        if (v->cursor == SIZE_MAX)
            snprintf(head, sizeof(head), "%s  %s  \xc2\xb7  before the first transition",
                     v->playing ? "\xe2\x96\xb6" : "\xe2\x80\x96", fmt_t(v->cursor_t, t, sizeof(t)));
        else if (in->hide_end)
            snprintf(head, sizeof(head), "%s  %s  \xc2\xb7  record %zu (%s)",
                     v->playing ? "\xe2\x96\xb6" : "\xe2\x80\x96", fmt_t(v->cursor_t, t, sizeof(t)),
                     v->cursor + 1, sim_record_kind_name((SimRecordKind)rs[v->cursor].kind));
        else
            snprintf(head, sizeof(head), "%s  %s  \xc2\xb7  record %zu of %zu (%s)",
                     v->playing ? "\xe2\x96\xb6" : "\xe2\x80\x96", fmt_t(v->cursor_t, t, sizeof(t)),
                     v->cursor + 1, n, sim_record_kind_name((SimRecordKind)rs[v->cursor].kind));
        draw_text(dl, tx, ty + lh / 2, head, R_FONT_BOLD, fs, R_ALIGN_LEFT, p->panel_fg);
        if (in->selection) {
            int sw = tw(&c, R_FONT_REGULAR, U(&c, 12), in->selection);
            int hw = tw(&c, R_FONT_BOLD, fs, head);
            if (hw + sw + U(&c, 30) <= tw_)
                draw_text(dl, panel.x + panel.w - pad, ty + lh / 2, in->selection, R_FONT_REGULAR,
                          U(&c, 12), R_ALIGN_RIGHT, p->accent);
        }
        int used = 1;
        if (in->explain_now && *in->explain_now) {
            int k = tw(&c, R_FONT_BOLD, fs, "Now  ");
            draw_text(dl, tx, ty + used * lh + lh / 2, "Now", R_FONT_BOLD, fs, R_ALIGN_LEFT,
                      p->accent);
            used += draw_wrapped(&c, tx + k + U(&c, 8), ty + used * lh, tw_ - k - U(&c, 8), lh,
                                 in->explain_now, R_FONT_REGULAR, fs, p->panel_fg, 1);
        }
        if (in->explain_why && *in->explain_why) {
            int k = tw(&c, R_FONT_BOLD, fs, "Now  ");
            draw_text(dl, tx, ty + used * lh + lh / 2, "Why", R_FONT_BOLD, fs, R_ALIGN_LEFT,
                      p->accent);
            used += draw_wrapped(&c, tx + k + U(&c, 8), ty + used * lh, tw_ - k - U(&c, 8), lh,
                                 in->explain_why, R_FONT_REGULAR, fs, p->panel_fg, 4 - used);
        }
    }

    /* Scrub bar, aligned with the plot. */
    y = panel.y + panel.h + U(&c, 12);
    char endbuf[32];
    duration_text_rounded(v->end, 3, endbuf, sizeof(endbuf));
    int end_w = tw(&c, R_FONT_REGULAR, U(&c, 11), endbuf) + U(&c, 12);
    RRect track = {L->plot.x, y, L->plot.w - end_w, U(&c, 14)};
    geom->scrub = track;
    draw_text(dl, mx, track.y + track.h / 2, "run", R_FONT_BOLD, U(&c, 12), R_ALIGN_LEFT, p->fg_dim);
    draw_scrub(&c, track, in->hide_end);

    /* Status line: key hints left, state right. */
    y = track.y + track.h + U(&c, 6);
    RRect st = {mx, y, W - 2 * mx, U(&c, 20)};
    geom->status = st;
    const char *hints = "Space play \xc2\xb7 \xe2\x86\x90/\xe2\x86\x92 step \xc2\xb7 W/S zoom "
                        "\xc2\xb7 A/D pan \xc2\xb7 I/\xe2\x87\xa7I interval \xc2\xb7 C/\xe2\x87\xa7""C "
                        "cores \xc2\xb7 L projector \xc2\xb7 Q lesson \xc2\xb7 ? help";
    int sfs = U(&c, 12);
    int right_w = in->status ? tw(&c, R_FONT_REGULAR, sfs, in->status) : 0;
    if (tw(&c, R_FONT_REGULAR, sfs, hints) + right_w + U(&c, 24) <= st.w)
        draw_text(dl, st.x, st.y + st.h / 2, hints, R_FONT_REGULAR, sfs, R_ALIGN_LEFT, p->fg_dim);
    else
        draw_text(dl, st.x, st.y + st.h / 2, "? help", R_FONT_REGULAR, sfs, R_ALIGN_LEFT, p->fg_dim);
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
