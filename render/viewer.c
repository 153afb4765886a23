/*
 * viewer.c - the interactive timeline window: SDL events in, the pure view
 * state (view.c) updated, one frame laid out (layout.c + overlay.c) and
 * replayed by the backend. The explain panel and its arrows come from the
 * explanation engine (analysis/explain.h), the figures panel and the
 * lesson's {figures} from the run shown (analysis/figures.h). Live tuning
 * re-simulates through a callback the command supplies, so the renderer
 * never depends on the command line.
 *
 * The loop sleeps in SDL_WaitEvent while nothing moves and wakes at 60 Hz
 * only while playing or while a message fades, so an idle viewer costs no
 * CPU.
 *
 * Invariant: the window shows exactly one trace with its index, its
 * explainer and its figures; a re-simulation swaps them all at once (and
 * keeps the old ones when it fails).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chart.h"
#include "duration_text.h"
#include "render.h"
#include "view.h"

#define PROJECTOR_SCALE 1.5f /* as gilsim render --projector */
#define TOAST_MS 3500

/* What the chrome plan depends on. */
typedef struct PlanKey {
    int width, height;
    float font_scale;
    bool lesson, compare;
    uint32_t lanes;
} PlanKey;

typedef struct Viewer {
    SDL_Window *win;
    SDL_Renderer *rend;
    RText *tx;
    RBackend *be;
    SimTrace *tr;
    RIndex *ix;
    RLayout *L;
    DrawList dl;
    RView v;
    RViewerOpts opt;
    int out_w, out_h;    /* renderer output, device px */
    float dpi;           /* device px per window coordinate */
    /* Mouse. */
    int mx, my;          /* device px */
    bool mouse_in;
    bool pressing, dragged, scrubbing;
    int press_x, press_y;
    SimTime press_t0, press_t1;
    int press_vscroll;
    ROverlayGeom geom;
    /* Live tuning. */
    SimTime interval, interval0;
    int cores, cores0;
    char toast[320];
    Uint32 toast_until;
    /* Explanations, cached per cursor record, from the engine over tr. */
    Explainer *ex;
    size_t explained;
    char head[192], now[1024], why[1024], next[768];
    RChain chain;
    /* Figures of the run shown, and of the run the viewer opened with. */
    Figures figs, figs0;
    RFigLine figl[R_FIG_LINES];
    int n_figl;
    char *lesson_text;   /* the lesson with this run's figures filled in */
    /* The mouse counts as in the window once it moved there. */
    bool moved;
    int first_mx, first_my;
    bool seen_motion;
    bool fullscreen;
    /* The chrome plan of the last frame, and what it was made for. */
    RChromePlan plan;
    PlanKey plan_key;
    bool plan_ok;
    Uint64 last_tick;
    bool fitted_sel;
    bool quit;
    /* The modifiers as of the event being handled, from the key events in
     * queue order: SDL_GetModState() is the state after every event
     * pumped so far, so a wheel notch between Ctrl's press and release
     * could read as a plain one. */
    SDL_Keymod mod;
    /* Compare: a second run under the first, on the same time axis. */
    const SimTrace *tr_b;
    RIndex *ix_b;
    RCompare *C;
    RCmpRow rows[R_CMP_MAX_ROWS];
    int n_rows;
    /* Quiz: the future and the statistics stay hidden until Enter. */
    bool quiz_hidden;
} Viewer;

/* The geometry of the frame shown (run A's in compare mode). */
static RLayout *lay(const Viewer *vw)
{
    return vw->C ? vw->C->L[0] : vw->L;
}

static void set_toast(Viewer *vw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_toast(Viewer *vw, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vw->toast, sizeof(vw->toast), fmt, ap);
    va_end(ap);
    vw->toast_until = SDL_GetTicks() + TOAST_MS;
}

static RViewport viewport(const Viewer *vw)
{
    RViewport vp;
    memset(&vp, 0, sizeof(vp));
    vp.t0 = vw->v.t0;
    vp.t1 = vw->v.t1;
    vp.width = vw->out_w;
    vp.height = vw->out_h;
    vp.scale = vw->dpi;
    vp.font_scale = vw->v.projector ? PROJECTOR_SCALE : 1.0f;
    vp.theme = vw->v.dark ? R_THEME_DARK : R_THEME_LIGHT;
    vp.vscroll = vw->v.vscroll;
    return vp;
}

static void update_size(Viewer *vw)
{
    int ww, wh;
    SDL_GetWindowSize(vw->win, &ww, &wh);
    if (SDL_GetRendererOutputSize(vw->rend, &vw->out_w, &vw->out_h) < 0) {
        vw->out_w = ww;
        vw->out_h = wh;
    }
    vw->dpi = ww > 0 ? (float)vw->out_w / (float)ww : 1.0f;
    if (vw->dpi < 0.5f)
        vw->dpi = 1.0f;
}

static void explain_cursor(Viewer *vw)
{
    if (vw->explained == vw->v.cursor)
        return;
    vw->explained = vw->v.cursor;
    vw->head[0] = vw->now[0] = vw->why[0] = vw->next[0] = '\0';
    vw->chain.n = 0;
    size_t c = vw->v.cursor;
    if (c == SIZE_MAX || !vw->ex) {
        snprintf(vw->now, sizeof(vw->now),
                 "Press Space to play the run, \xe2\x86\x92 to step through it one transition "
                 "at a time, ? for every key.");
        return;
    }
    ExplainPanel p;
    explain_panel(vw->ex, c, &p);
    if (vw->quiz_hidden) {
        /* The record count would tell how much of the run is left. */
        char t[48];
        snprintf(vw->head, sizeof(vw->head), "at %s \xc2\xb7 record %zu",
                 duration_text_rounded(sim_trace_records(vw->tr)[c].t, 7, t, sizeof(t)), c + 1);
    } else {
        snprintf(vw->head, sizeof(vw->head), "%s", p.head);
    }
    snprintf(vw->now, sizeof(vw->now), "%s", p.now);
    snprintf(vw->why, sizeof(vw->why), "%s", p.why);
    /* The future stays unsaid in a quiz. */
    if (!vw->quiz_hidden)
        snprintf(vw->next, sizeof(vw->next), "%s", p.next);
    render_explain_chain(vw->ix, vw->ex, c, &vw->chain);
}

/* The figures of the run shown, the panel's lines, and the lesson with
 * those figures filled in; after every new trace. */
static void update_figures(Viewer *vw)
{
    figures_fini(&vw->figs);
    vw->n_figl = 0;
    SimStats *st = sim_stats_compute(vw->tr);
    if (!st || figures_compute(vw->tr, st, &vw->figs) < 0) {
        sim_stats_destroy(st);
        return;
    }
    sim_stats_destroy(st);
    if (vw->figs0.n == 0) {
        /* The first run is the base a live change is measured against. */
        vw->figs0 = vw->figs;
        vw->figs.v = malloc((size_t)vw->figs0.cap * sizeof(Figure));
        if (!vw->figs.v) {
            memset(&vw->figs, 0, sizeof(vw->figs));
            return;
        }
        memcpy(vw->figs.v, vw->figs0.v, (size_t)vw->figs0.n * sizeof(Figure));
    }
    int n = 0;
    if (vw->opt.quiz_figure && *vw->opt.quiz_figure) {
        /* The quiz's answer heads the panel once it is revealed. */
        const Figure *a = figures_find(&vw->figs, vw->opt.quiz_figure);
        if (a) {
            char v[64];
            snprintf(vw->figl[n].label, sizeof(vw->figl[n].label), "answer");
            snprintf(vw->figl[n].value, sizeof(vw->figl[n].value), "%s = %s", vw->opt.quiz_figure,
                     figure_text(a, v, sizeof(v)));
            vw->figl[n++].changed = true;
        }
    }
    n += render_figure_lines(&vw->figs, &vw->figs0, vw->tr, vw->figl + n, R_FIG_LINES - n);
    vw->n_figl = n;
    free(vw->lesson_text);
    vw->lesson_text = NULL;
    if (vw->opt.lesson && *vw->opt.lesson) {
        StrBuf b = {0};
        figures_template(&vw->figs, vw->opt.lesson, &b, NULL, 0);
        vw->lesson_text = strbuf_take(&b, NULL);
    }
}

/* Compare: the statistics table, the notable rows first, as the figures
 * panel's lines. */
static void compare_lines(Viewer *vw)
{
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < vw->n_rows && n < R_FIG_LINES; i++) {
            const RCmpRow *r = &vw->rows[i];
            if (r->hl != (pass == 0))
                continue;
            snprintf(vw->figl[n].label, sizeof(vw->figl[n].label), "%s", r->label);
            snprintf(vw->figl[n].value, sizeof(vw->figl[n].value), "%s \xe2\x86\x92 %s  (%s)", r->a, r->b,
                     r->delta);
            vw->figl[n++].changed = r->hl;
        }
    vw->n_figl = n;
}

static void selection_text(const Viewer *vw, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!vw->v.has_sel || vw->v.sel_lane >= vw->ix->n_lanes)
        return;
    RHit h;
    memset(&h, 0, sizeof(h));
    const RLane *ln = &vw->ix->lanes[vw->v.sel_lane];
    size_t k = render_lane_find(ln, vw->v.sel_t0);
    if (k == SIZE_MAX)
        return;
    h.lane = vw->v.sel_lane;
    h.kind = ln->kind;
    h.span = k;
    h.value = ln->v[k];
    h.start = ln->t[k];
    h.end = ln->t[k + 1];
    char lines[4][160];
    int m = render_hit_describe(vw->ix, &h, lines);
    size_t used = (size_t)snprintf(buf, n, "selected:");
    for (int i = 0; i < m && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " \xc2\xb7 " : " ", lines[i]);
}

/* The lesson panel's text now: the quiz question before the reveal. */
static const char *lesson_now(const Viewer *vw)
{
    if (vw->quiz_hidden)
        return vw->opt.quiz_question;
    return vw->lesson_text ? vw->lesson_text : vw->opt.lesson;
}

static void draw(Viewer *vw)
{
    update_size(vw);
    explain_cursor(vw);
    RViewport vp = viewport(vw);
    RLayoutOpts o = render_layout_opts_export();
    o.caption = false; /* the title row carries the parameters */
    o.fit_lanes = false;
    o.auto_text = false; /* text size is the user's choice here (L) */
    o.title_one_row = true;
    o.axis_h = 26;
    if (vw->C) {
        /* Two runs share the window: slim titles and header bands. */
        o.title_compact = true;
        o.header_h = 12;
    }
    o.version = vw->opt.version;
    o.cursor = vw->v.cursor_t;
    o.hl_interval = vw->interval != vw->interval0;
    o.hl_cores = vw->cores != vw->cores0;
    if (vw->quiz_hidden)
        o.hide_after = vw->v.cursor_t > 0 ? vw->v.cursor_t : 0;
    o.has_sel = vw->v.has_sel;
    o.sel_lane = vw->v.sel_lane;
    o.sel_t0 = vw->v.sel_t0;
    o.sel_t1 = vw->v.sel_t1;
    RTextMetrics tm = render_text_metrics(vw->tx);
    const char *lesson = lesson_now(vw);
    /* The chrome gives way until the lanes keep half of the window (or
     * every lane is as tall as it gets): in projector mode, at 1024x768
     * and when comparing, the timeline stays the picture. The plan is
     * kept while the window, the text size and the panels stay as they
     * are, so a frame of playback lays out once. */
    bool lesson_on = vw->v.lesson && lesson && *lesson;
    PlanKey key;
    memset(&key, 0, sizeof(key)); /* compared whole, padding included */
    key.width = vp.width;
    key.height = vp.height;
    key.font_scale = vp.font_scale;
    key.lesson = lesson_on;
    key.compare = vw->C != NULL;
    key.lanes = vw->ix->n_lanes;
    bool cached = vw->plan_ok && memcmp(&key, &vw->plan_key, sizeof(key)) == 0;
    RChromePlan plan = cached ? vw->plan : render_chrome_full(lesson_on);
    for (int pass = 0;; pass++) {
        o.reserve_bottom = render_overlay_height(&vp, &plan);
        o.legend_max_rows = plan.legend_one_row ? 1 : 0;
        int lanes_h, roomy;
        if (vw->C) {
            const RIndex *pair[2] = {vw->ix, vw->ix_b};
            if (render_compare_build(vw->C, pair, &vp, &o, vw->rows, 0, &tm, &vw->dl) < 0)
                return;
            lanes_h = vw->C->L[0]->plot.h + vw->C->L[1]->plot.h;
            roomy = vw->C->L[0]->lane_h >= vw->C->L[0]->lane_h_max &&
                    vw->C->L[1]->lane_h >= vw->C->L[1]->lane_h_max;
        } else {
            if (render_layout_build(vw->L, vw->ix, &vp, &o, &tm, &vw->dl) < 0)
                return;
            lanes_h = vw->L->plot.h;
            roomy = vw->L->lane_h >= vw->L->lane_h_max;
        }
        /* Half the window, and a little more: it must still be half once
         * rounded to pixels and lane heights. */
        int want = vp.height * 52 / 100;
        if (cached || lanes_h >= want || roomy)
            break;
        /* The lanes grow by what the chrome gives up: shrink the plan to
         * the height that leaves them half, then lay out again. */
        int target = o.reserve_bottom - (want - lanes_h);
        bool shrunk = false;
        while ((pass > 0 || render_overlay_height(&vp, &plan) > target) && render_chrome_shrink(&plan)) {
            shrunk = true;
            if (pass > 0)
                break; /* one step at a time once the arithmetic was not enough */
        }
        if (!shrunk || pass > 8)
            break;
    }
    vw->plan = plan;
    vw->plan_key = key;
    vw->plan_ok = true;
    vw->v.vscroll = lay(vw)->vp.vscroll;

    char status[256], sp[40], sel[512];
    duration_text_rounded((SimTime)vw->v.speed, 3, sp, sizeof(sp));
    if (plan.one_row)
        snprintf(status, sizeof(status), "%s%s \xc2\xb7 %s/s", vw->quiz_hidden ? "quiz: Enter reveals \xc2\xb7 " : "",
                 vw->v.playing ? "playing" : "paused", sp);
    else
        snprintf(status, sizeof(status), "%s%s  \xc2\xb7  speed %s of run per second",
                 vw->quiz_hidden ? "quiz: Enter reveals  \xc2\xb7  " : "", vw->v.playing ? "playing" : "paused", sp);
    selection_text(vw, sel, sizeof(sel));
    ROverlayIn in;
    memset(&in, 0, sizeof(in));
    in.plan = plan;
    in.explain_head = vw->head;
    in.explain_now = vw->now;
    in.explain_why = vw->why;
    in.explain_next = vw->next;
    in.selection = *sel ? sel : NULL;
    in.status = status;
    in.toast = SDL_TICKS_PASSED(SDL_GetTicks(), vw->toast_until) ? NULL : vw->toast;
    in.mouse_x = vw->mx;
    in.mouse_y = vw->my;
    bool hover_ok = vw->mouse_in && vw->moved && !vw->pressing;
    if (vw->C) {
        const RIndex *pair[2] = {vw->ix, vw->ix_b};
        int run = 0;
        in.tooltip = hover_ok && render_compare_hit(vw->C, pair, vw->mx, vw->my, &run, &in.hover) &&
                     !in.hover.in_label;
        in.hover_ix = pair[run];
    } else {
        in.tooltip = hover_ok && render_layout_hit(vw->L, vw->ix, vw->mx, vw->my, &in.hover) &&
                     !in.hover.in_label;
    }
    in.chain = vw->chain;
    in.lesson_title = vw->opt.lesson_title;
    in.lesson_desc = vw->opt.description;
    in.lesson_head = "Lesson";
    in.lesson_text = lesson;
    if (!vw->quiz_hidden) {
        in.figs = vw->figl;
        in.n_figs = vw->n_figl;
        in.figs_title = vw->C ? "Figures: A \xe2\x86\x92 B" : "Figures";
    }
    if (vw->quiz_hidden) {
        in.lesson_head = "Quiz";
        in.hide_end = true;
        /* Nothing past the cursor may leak through a tooltip. */
        if (in.tooltip && in.hover.t > vw->v.cursor_t)
            in.tooltip = false;
    }
    render_overlay_build(lay(vw), vw->ix, &vw->v, &in, &tm, &vw->dl, &vw->geom);
    SimError err;
    if (render_backend_draw(vw->be, &vw->dl, &err) == 0)
        SDL_RenderPresent(vw->rend);
}

static SimTime time_at_mouse(const Viewer *vw)
{
    const RLayout *L = lay(vw);
    if (vw->mouse_in && vw->mx >= L->plot.x && vw->mx < L->plot.x + L->plot.w)
        return render_layout_t_of(L, vw->mx);
    return vw->v.t0 + (vw->v.t1 - vw->v.t0) / 2;
}

static void resimulate(Viewer *vw, SimTime interval, int cores)
{
    if (vw->C) {
        set_toast(vw, "live tuning is off while comparing two runs");
        return;
    }
    if (!vw->opt.resim) {
        set_toast(vw, "live tuning needs a scenario to re-run");
        return;
    }
    if (interval < 1000)
        interval = 1000;
    if (interval > 1000000000)
        interval = 1000000000;
    if (cores < 1)
        cores = 1;
    if (cores > 64)
        cores = 64;
    if (interval == vw->interval && cores == vw->cores) {
        set_toast(vw, "already at the limit");
        return;
    }
    Uint64 t0 = SDL_GetPerformanceCounter();
    SimTrace *tr = NULL;
    SimError err = {0, ""};
    RIndex *ix = NULL;
    if (vw->opt.resim(vw->opt.resim_ud, interval, cores, &tr, &err) < 0 || !tr) {
        set_toast(vw, "re-simulation failed: %s", err.msg);
        return;
    }
    if (render_index_build_with(tr, vw->opt.start_costs, &ix) < 0) {
        sim_trace_destroy(tr);
        set_toast(vw, "re-simulation failed: out of memory");
        return;
    }
    double ms = (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 /
                (double)SDL_GetPerformanceFrequency();
    char a[32], b[32];
    if (interval != vw->interval)
        set_toast(vw, "switch interval %s \xe2\x86\x92 %s  \xc2\xb7  re-simulated in %.1f ms",
                  duration_text_rounded(vw->interval, 4, a, sizeof(a)),
                  duration_text_rounded(interval, 4, b, sizeof(b)), ms);
    else
        set_toast(vw, "cores %d \xe2\x86\x92 %d  \xc2\xb7  re-simulated in %.1f ms", vw->cores, cores, ms);
    Explainer *ex = NULL;
    if (explain_create(tr, &ex) < 0)
        ex = NULL; /* the panel says less, the timeline is still right */
    explain_destroy(vw->ex);
    render_index_destroy(vw->ix);
    sim_trace_destroy(vw->tr);
    vw->tr = tr;
    vw->ix = ix;
    vw->ex = ex;
    vw->interval = interval;
    vw->cores = cores;
    update_figures(vw);
    render_view_rebase(&vw->v, tr, ix->end);
    if (vw->v.has_sel && vw->v.sel_lane >= ix->n_lanes)
        vw->v.has_sel = false;
    vw->explained = (size_t)-2;
}

static void screenshot(Viewer *vw)
{
    char path[4096];
    const char *dir = vw->opt.screenshot_dir ? vw->opt.screenshot_dir : ".";
    struct stat st;
    int i;
    for (i = 1; i < 10000; i++) {
        snprintf(path, sizeof(path), "%s/gilsim-view-%03d.png", dir, i);
        if (stat(path, &st) != 0 && errno == ENOENT)
            break;
    }
    RViewport vp = viewport(vw);
    vp.vscroll = 0;
    RLayoutOpts o = render_layout_opts_export();
    o.version = vw->opt.version;
    o.auto_text = false; /* the picture is the view, text as on screen */
    o.hl_interval = vw->interval != vw->interval0;
    o.hl_cores = vw->cores != vw->cores0;
    SimError err;
    if (render_export_png(vw->ix, &vp, &o, path, &err) < 0)
        set_toast(vw, "screenshot failed: %s", err.msg);
    else
        set_toast(vw, "saved %s", path);
}

static void select_at(Viewer *vw, int x, int y)
{
    RHit h;
    if (vw->C && y >= vw->C->y_off[1]) {
        vw->v.has_sel = false; /* selection, stepping and explaining follow run A */
        return;
    }
    if (!render_layout_hit(lay(vw), vw->ix, x, y, &h) || h.span == SIZE_MAX ||
        (vw->quiz_hidden && h.t > vw->v.cursor_t)) {
        vw->v.has_sel = false;
        return;
    }
    vw->v.has_sel = true;
    vw->v.sel_lane = h.lane;
    vw->v.sel_t0 = h.start;
    vw->v.sel_t1 = h.end;
    vw->v.sel_thread = h.thread;
    vw->fitted_sel = false;
}

static void scrub_to(Viewer *vw, int x)
{
    RRect tr = vw->geom.scrub;
    double f = (double)(x - tr.x) / (tr.w > 0 ? tr.w : 1);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    render_view_seek(&vw->v, vw->tr, (SimTime)(f * (double)vw->v.end));
    render_view_follow(&vw->v);
}

static void toggle_lesson(Viewer *vw)
{
    if (vw->quiz_hidden || (vw->opt.lesson && *vw->opt.lesson))
        vw->v.lesson = !vw->v.lesson;
    else
        set_toast(vw, "this scenario has no lesson text");
}

/*
 * The left hand's keys go by where they are, not by the letter they type,
 * as in Perfetto and games: W S zoom, A D pan, and Q, left of W, the
 * lesson. On AZERTY the key typing 'q' is where A is on QWERTY, so bound
 * by letter it would open the lesson where the hand expects to pan. With
 * Ctrl, Alt or the system key held a key is a shortcut and goes by letter
 * (Ctrl+Q quits). Returns whether the key was one of these.
 */
static bool on_key_by_position(Viewer *vw, const SDL_KeyboardEvent *k)
{
    if (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI))
        return false;
    bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    RView *v = &vw->v;
    switch (k->keysym.scancode) {
    case SDL_SCANCODE_W:
        render_view_zoom(v, shift ? 0.5 : 0.8, time_at_mouse(vw));
        return true;
    case SDL_SCANCODE_S:
        render_view_zoom(v, shift ? 2.0 : 1.25, time_at_mouse(vw));
        return true;
    case SDL_SCANCODE_A:
        render_view_pan(v, shift ? -0.5 : -0.15);
        return true;
    case SDL_SCANCODE_D:
        render_view_pan(v, shift ? 0.5 : 0.15);
        return true;
    case SDL_SCANCODE_Q:
        toggle_lesson(vw);
        return true;
    default:
        return false;
    }
}

static void on_key(Viewer *vw, const SDL_KeyboardEvent *k)
{
    bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    RView *v = &vw->v;
    SimTime anchor = time_at_mouse(vw);
    if (on_key_by_position(vw, k))
        return;
    switch (k->keysym.sym) {
    case SDLK_SPACE:
        if (!v->playing && v->cursor_t >= v->end)
            render_view_seek(v, vw->tr, 0);
        v->playing = !v->playing;
        if (v->playing && (v->cursor_t < v->t0 || v->cursor_t > v->t1))
            render_view_seek(v, vw->tr, v->t0 > 0 ? v->t0 : 0);
        vw->last_tick = SDL_GetPerformanceCounter();
        break;
    case SDLK_RIGHT:
    case SDLK_PERIOD:
    case SDLK_LEFT:
    case SDLK_COMMA: {
        int dir = k->keysym.sym == SDLK_RIGHT || k->keysym.sym == SDLK_PERIOD ? 1 : -1;
        uint32_t th = shift && v->has_sel ? v->sel_thread : SIM_NONE;
        v->playing = false;
        if (shift && th == SIM_NONE)
            set_toast(vw, "select a thread's span first (click it)");
        else if (!render_view_step(v, vw->tr, dir, th))
            set_toast(vw, dir > 0 ? "no later transition" : "no earlier transition");
        render_view_follow(v);
        break;
    }
    case SDLK_LEFTBRACKET:
        v->speed = v->speed / 2 < 1 ? 1 : v->speed / 2;
        break;
    case SDLK_RIGHTBRACKET:
        v->speed = v->speed * 2 > 1e12 ? 1e12 : v->speed * 2;
        break;
    case SDLK_HOME:
        v->playing = false;
        v->cursor = SIZE_MAX;
        v->cursor_t = 0;
        render_view_follow(v);
        break;
    case SDLK_END:
        v->playing = false;
        render_view_seek(v, vw->tr, v->end);
        render_view_follow(v);
        break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
        render_view_zoom(v, shift ? 0.5 : 0.8, anchor);
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        render_view_zoom(v, shift ? 2.0 : 1.25, anchor);
        break;
    case SDLK_UP:
        v->vscroll -= lay(vw)->lane_h;
        break;
    case SDLK_DOWN:
        v->vscroll += lay(vw)->lane_h;
        break;
    case SDLK_PAGEUP:
        v->vscroll -= lay(vw)->plot.h * 9 / 10;
        break;
    case SDLK_PAGEDOWN:
        v->vscroll += lay(vw)->plot.h * 9 / 10;
        break;
    case SDLK_f:
        /* First press: the selection; again: the whole run. */
        if (v->has_sel && !vw->fitted_sel) {
            SimTime w = v->sel_t1 - v->sel_t0, pad = w / 10 + 1;
            render_view_set_range(v, v->sel_t0 - pad, v->sel_t1 + pad);
            vw->fitted_sel = true;
        } else {
            render_view_fit(v);
            vw->fitted_sel = false;
        }
        break;
    case SDLK_0:
    case SDLK_KP_0:
        render_view_fit(v);
        break;
    case SDLK_ESCAPE:
        /* Esc clears; it never quits (Ctrl+Q or closing the window does). */
        if (v->help)
            v->help = false;
        else if (v->has_sel)
            v->has_sel = false;
        else
            set_toast(vw, "nothing to clear \xc2\xb7 Ctrl+Q quits");
        break;
    case SDLK_F11:
        vw->fullscreen = !vw->fullscreen;
        if (SDL_SetWindowFullscreen(vw->win, vw->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) < 0) {
            vw->fullscreen = !vw->fullscreen;
            set_toast(vw, "fullscreen failed: %s", SDL_GetError());
        }
        break;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (vw->quiz_hidden) {
            vw->quiz_hidden = false;
            vw->explained = (size_t)-2;
            v->lesson = vw->opt.lesson && *vw->opt.lesson;
            const Figure *a = vw->opt.quiz_figure ? figures_find(&vw->figs, vw->opt.quiz_figure) : NULL;
            char val[64];
            if (a)
                set_toast(vw, "answer: %s = %s", vw->opt.quiz_figure, figure_text(a, val, sizeof(val)));
            else
                set_toast(vw, "revealed: the whole run, its figures and the lesson");
        }
        break;
    case SDLK_q:
        /* Ctrl+Q by letter; a plain 'q' typed elsewhere than left of W
         * (Dvorak, AZERTY) is the lesson too. */
        if (k->keysym.mod & KMOD_CTRL)
            vw->quit = true;
        else
            toggle_lesson(vw);
        break;
    case SDLK_SLASH:
        if (shift)
            v->help = !v->help;
        break;
    case SDLK_QUESTION:
    case SDLK_F1:
        v->help = !v->help;
        break;
    case SDLK_l:
        v->projector = !v->projector;
        set_toast(vw, v->projector ? "projector mode: larger text and lanes" : "projector mode off");
        break;
    case SDLK_t:
        v->dark = !v->dark;
        break;
    case SDLK_x:
        v->arrows = !v->arrows;
        set_toast(vw, v->arrows ? "cause \xe2\x86\x92 effect arrows on" : "arrows off");
        break;
    case SDLK_i:
        resimulate(vw, shift ? vw->interval * 2 : vw->interval / 2, vw->cores);
        break;
    case SDLK_c:
        resimulate(vw, vw->interval, shift ? vw->cores * 2 : vw->cores / 2);
        break;
    case SDLK_p:
        screenshot(vw);
        break;
    default:
        break;
    }
}

static void on_event(Viewer *vw, const SDL_Event *e)
{
    RView *v = &vw->v;
    switch (e->type) {
    case SDL_QUIT:
        vw->quit = true;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE)
            vw->quit = true;
        else if (e->window.event == SDL_WINDOWEVENT_LEAVE)
            vw->mouse_in = false;
        break;
    case SDL_KEYDOWN:
        vw->mod = (SDL_Keymod)e->key.keysym.mod;
        on_key(vw, &e->key);
        break;
    case SDL_KEYUP:
        vw->mod = (SDL_Keymod)e->key.keysym.mod;
        break;
    case SDL_MOUSEMOTION: {
        vw->mx = (int)(e->motion.x * vw->dpi);
        vw->my = (int)(e->motion.y * vw->dpi);
        vw->mouse_in = true;
        /* A window that opens under a resting pointer gets a motion event
         * without any movement: no tooltip until the mouse really moves. */
        if (!vw->seen_motion) {
            vw->seen_motion = true;
            vw->first_mx = vw->mx;
            vw->first_my = vw->my;
        } else if (abs(vw->mx - vw->first_mx) + abs(vw->my - vw->first_my) > 2) {
            vw->moved = true;
        }
        if (vw->scrubbing) {
            scrub_to(vw, vw->mx);
        } else if (vw->pressing) {
            int dx = vw->mx - vw->press_x, dy = vw->my - vw->press_y;
            if (abs(dx) > 4 * vw->dpi || abs(dy) > 4 * vw->dpi)
                vw->dragged = true;
            if (vw->dragged) {
                double npp = (double)(vw->press_t1 - vw->press_t0) / (lay(vw)->plot.w > 0 ? lay(vw)->plot.w : 1);
                SimTime d = (SimTime)(-dx * npp);
                render_view_set_range(v, vw->press_t0 + d, vw->press_t1 + d);
                v->vscroll = vw->press_vscroll - dy;
            }
        }
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button != SDL_BUTTON_LEFT && e->button.button != SDL_BUTTON_RIGHT)
            break;
        vw->moved = true;
        vw->mx = (int)(e->button.x * vw->dpi);
        vw->my = (int)(e->button.y * vw->dpi);
        if (rrect_contains(rrect(vw->geom.scrub.x - 8, vw->geom.scrub.y - 8, vw->geom.scrub.w + 16,
                                 vw->geom.scrub.h + 16),
                           vw->mx, vw->my)) {
            vw->scrubbing = true;
            v->playing = false;
            scrub_to(vw, vw->mx);
            break;
        }
        vw->pressing = true;
        vw->dragged = e->button.button == SDL_BUTTON_RIGHT;
        vw->press_x = vw->mx;
        vw->press_y = vw->my;
        vw->press_t0 = v->t0;
        vw->press_t1 = v->t1;
        vw->press_vscroll = v->vscroll;
        break;
    case SDL_MOUSEBUTTONUP:
        if (vw->scrubbing) {
            vw->scrubbing = false;
        } else if (vw->pressing) {
            if (!vw->dragged && !v->help)
                select_at(vw, vw->mx, vw->my);
            vw->pressing = false;
            vw->dragged = false;
        }
        break;
    case SDL_MOUSEWHEEL: {
        int dy = e->wheel.y, dx = e->wheel.x;
        if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) {
            dy = -dy;
            dx = -dx;
        }
        /* Perfetto's conventions, which users' hands already know:
         * Ctrl+wheel zooms around the mouse, Shift+wheel and the
         * horizontal wheel pan, the wheel alone scrolls the lanes. */
        SDL_Keymod mod = vw->mod;
        if (dy && (mod & KMOD_CTRL))
            render_view_zoom(v, dy > 0 ? 0.8 : 1.25, time_at_mouse(vw));
        else if (dy && (mod & KMOD_SHIFT))
            render_view_pan(v, dy > 0 ? -0.1 : 0.1);
        else if (dy)
            v->vscroll -= dy * (lay(vw)->lane_h > 0 ? lay(vw)->lane_h : 20);
        if (dx)
            render_view_pan(v, dx > 0 ? 0.1 : -0.1);
        break;
    }
    default:
        break;
    }
}

static void viewer_free(Viewer *vw)
{
    explain_destroy(vw->ex);
    figures_fini(&vw->figs);
    figures_fini(&vw->figs0);
    free(vw->lesson_text);
    draw_list_free(&vw->dl);
    render_layout_destroy(vw->L);
    render_compare_destroy(vw->C);
    render_index_destroy(vw->ix_b);
    render_index_destroy(vw->ix);
    sim_trace_destroy(vw->tr);
    render_backend_destroy(vw->be);
    render_text_destroy(vw->tx);
    if (vw->rend)
        SDL_DestroyRenderer(vw->rend);
    if (vw->win)
        SDL_DestroyWindow(vw->win);
}

/* ---- Windows -------------------------------------------------------------- */

/* Stops what video_start started. */
static void video_stop(bool was_up)
{
    if (!was_up)
        SDL_Quit();
}

/* Starts SDL's video for a window (the timeline's or the sweep chart's), or
 * says why there is no display to open one on. *was_up says SDL was up
 * already (a window opened from another one), so video_stop leaves it up.
 * Returns 0, or R_VIEWER_NO_DISPLAY with err set. */
static int video_start(bool *was_up, SimError *err)
{
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* With no Wayland session in sight, do not let SDL probe for one (the
     * Wayland client library prints its own complaint to stderr); X11 and
     * the Linux console remain. An explicit SDL_VIDEODRIVER wins. */
#ifdef __linux__
    if (!SDL_getenv("SDL_VIDEODRIVER") && !SDL_getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,kmsdrm");
#endif
    *was_up = SDL_WasInit(SDL_INIT_VIDEO) != 0;
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
        const char *x = SDL_getenv("DISPLAY"), *wl = SDL_getenv("WAYLAND_DISPLAY");
        if ((!x || !*x) && (!wl || !*wl))
            sim_error_set(err, R_VIEWER_NO_DISPLAY, "neither DISPLAY nor WAYLAND_DISPLAY is set");
        else if (x && *x)
            sim_error_set(err, R_VIEWER_NO_DISPLAY, "cannot open the X display '%s'", x);
        else
            sim_error_set(err, R_VIEWER_NO_DISPLAY, "%s", SDL_GetError());
        return R_VIEWER_NO_DISPLAY;
    }
    /* Without X11, Wayland or a console, SDL falls back to drivers that
     * draw nowhere; a window nobody sees is no display, unless asked for. */
    const char *driver = SDL_GetCurrentVideoDriver();
    const char *asked = SDL_getenv("SDL_VIDEODRIVER");
    if (driver && (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0) &&
        !(asked && strcmp(asked, driver) == 0)) {
        sim_error_set(err, R_VIEWER_NO_DISPLAY,
                      "no X11 or Wayland display; SDL found only its '%s' driver", driver);
        video_stop(*was_up);
        return R_VIEWER_NO_DISPLAY;
    }
    return SIM_OK;
}

/* A resizable w x h window and a renderer for it: accelerated with vsync,
 * else software. Returns 0, R_VIEWER_NO_DISPLAY when no window opens, or
 * SIM_ERR_IO; err says why. */
static int window_open(const char *title, int w, int h, SDL_Window **win, SDL_Renderer **rend,
                       SimError *err)
{
    *win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                            SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!*win)
        return sim_error_set(err, R_VIEWER_NO_DISPLAY, "cannot open a window: %s", SDL_GetError());
    *rend = SDL_CreateRenderer(*win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!*rend)
        *rend = SDL_CreateRenderer(*win, -1, SDL_RENDERER_SOFTWARE);
    if (!*rend)
        return sim_error_set(err, SIM_ERR_IO, "cannot create a renderer: %s", SDL_GetError());
    return SIM_OK;
}

int render_viewer_run(SimTrace **trp, const RViewerOpts *opt, SimError *err)
{
    SimTrace *tr = *trp;
    Viewer vw;
    memset(&vw, 0, sizeof(vw));
    vw.tr = tr;
    vw.opt = *opt;
    draw_list_init(&vw.dl);
    int rc = SIM_OK;

    /* Opened from the sweep chart's window, SDL is already up: leave it up. */
    bool sdl_was_up;
    if (video_start(&sdl_was_up, err) < 0)
        return R_VIEWER_NO_DISPLAY;
    if (render_index_build_with(tr, opt->start_costs, &vw.ix) < 0) {
        rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while indexing the trace");
        goto out;
    }
    if (opt->compare) {
        vw.tr_b = opt->compare;
        vw.C = render_compare_create();
        if (!vw.C || render_index_build_with(vw.tr_b, opt->start_costs, &vw.ix_b) < 0) {
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while indexing the trace");
            goto out;
        }
        vw.n_rows = render_compare_stats(tr, vw.tr_b, vw.rows, R_CMP_MAX_ROWS);
    }
    if (explain_create(tr, &vw.ex) < 0)
        vw.ex = NULL;
    if (vw.C)
        compare_lines(&vw);
    else
        update_figures(&vw);
    const SimRunInfo *info = sim_trace_info(tr);
    vw.interval = vw.interval0 = info->switch_interval;
    vw.cores = vw.cores0 = info->cores;

    SDL_Rect bounds = {0, 0, 1600, 900};
    SDL_GetDisplayUsableBounds(0, &bounds);
    int w = bounds.w * 85 / 100, h = bounds.h * 85 / 100;
    if (w > 1700)
        w = 1700;
    if (h > 1000)
        h = 1000;
    if (opt->width > 0 && opt->height > 0) {
        w = opt->width;
        h = opt->height;
    }
    if ((rc = window_open(opt->title ? opt->title : "gilsim", w, h, &vw.win, &vw.rend, err)) < 0)
        goto out;
    SDL_SetWindowMinimumSize(vw.win, 480, 320);
    vw.tx = render_text_create(vw.rend, err);
    if (!vw.tx) {
        rc = err->code ? err->code : SIM_ERR_IO;
        goto out;
    }
    vw.be = render_backend_create(vw.rend, vw.tx, err);
    vw.L = render_layout_create();
    if (!vw.be || !vw.L) {
        rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory for the viewer");
        goto out;
    }
    render_view_init(&vw.v, vw.ix_b && vw.ix_b->end > vw.ix->end ? vw.ix_b->end : vw.ix->end);
    vw.v.dark = opt->theme == R_THEME_DARK;
    vw.v.projector = opt->projector;
    vw.v.lesson = opt->lesson && *opt->lesson;
    vw.quiz_hidden = opt->quiz;
    if (opt->quiz) {
        vw.v.lesson = opt->quiz_question && *opt->quiz_question;
        /* A little room past the end, so the right edge does not give the
         * run's length away. */
        render_view_set_range(&vw.v, 0, vw.v.end + vw.v.end / 10);
    }
    else if (opt->view_t1 > opt->view_t0 && opt->view_t0 < vw.v.end)
        /* The lesson's stretch, within the run: never a margin before 0. */
        render_view_set_range(&vw.v, opt->view_t0 > 0 ? opt->view_t0 : 0,
                              opt->view_t1 < vw.v.end ? opt->view_t1 : vw.v.end);
    if (opt->speed > 0)
        vw.v.speed = opt->speed;
    vw.explained = (size_t)-2;
    update_size(&vw);

    bool dirty = true;
    while (!vw.quit) {
        if (dirty) {
            draw(&vw);
            dirty = false;
        }
        bool toast_on = !SDL_TICKS_PASSED(SDL_GetTicks(), vw.toast_until);
        SDL_Event e;
        int got = vw.v.playing || toast_on ? SDL_WaitEventTimeout(&e, 16) : SDL_WaitEvent(&e);
        if (got) {
            on_event(&vw, &e);
            while (SDL_PollEvent(&e))
                on_event(&vw, &e);
            dirty = true;
        }
        if (vw.v.playing) {
            Uint64 now = SDL_GetPerformanceCounter();
            double dt = (double)(now - vw.last_tick) / (double)SDL_GetPerformanceFrequency();
            vw.last_tick = now;
            if (dt > 0.25)
                dt = 0.25;
            render_view_tick(&vw.v, vw.tr, dt);
            render_view_follow(&vw.v);
            dirty = true;
        }
        if (toast_on && SDL_TICKS_PASSED(SDL_GetTicks(), vw.toast_until))
            dirty = true;
    }
out:
    *trp = vw.tr; /* the caller owns the trace shown last */
    vw.tr = NULL;
    viewer_free(&vw);
    video_stop(sdl_was_up);
    return rc;
}

/* ---- The sweep chart window --------------------------------------------- */

/* The x index under (x, y) in device pixels, or -1; *series gets the
 * series of the nearest line there (0 when there is only one). */
static int chart_hit(const Chart *c, const RChartGeom *g, float x, float y, int *series)
{
    int i = render_chart_hit(g, (int)x, (int)y);
    int panel = -1, l = i >= 0 ? render_chart_hit_line(c, g, i, (int)x, (int)y, &panel) : -1;
    *series = l >= 0 ? c->panels[panel].lines[l].series : 0;
    return i;
}

/* Opens a point's timeline in its own window (pick); back here when it
 * closes, with the events meant for that window dropped. A failure is left
 * in note for the hint. */
static void open_point(SDL_Window *win, RChartPickFn pick, void *ud, int point, char *note,
                       size_t n)
{
    SimError perr = {0, ""};
    if (pick(ud, point, &perr) < 0)
        snprintf(note, n, "could not open the point: %s", perr.msg);
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
    SDL_RaiseWindow(win);
    SDL_SetWindowInputFocus(win); /* no window manager: take the keyboard back */
}

/* The sweep point of series s at x index i (i itself for a chart that is
 * not a sweep's). */
static int chart_point(const Chart *c, int i, int s)
{
    return c->points ? c->points[s * c->n_x + i] : i;
}

int render_chart_viewer_run(const Chart *chart, RChartPickFn pick, void *ud,
                            const RViewerOpts *opt, SimError *err)
{
    bool sdl_was_up;
    if (video_start(&sdl_was_up, err) < 0)
        return R_VIEWER_NO_DISPLAY;
    int rc = SIM_OK;
    SDL_Window *win = NULL;
    SDL_Renderer *rend = NULL;
    RText *tx = NULL;
    RBackend *be = NULL;
    DrawList dl;
    draw_list_init(&dl);
    RChartGeom geom;
    memset(&geom, 0, sizeof(geom));
    int w = opt->width > 0 ? opt->width : 1400, h = opt->height > 0 ? opt->height : 850;
    if ((rc = window_open(opt->title ? opt->title : "gilsim sweep", w, h, &win, &rend, err)) < 0)
        goto out;
    if (!(tx = render_text_create(rend, err)) || !(be = render_backend_create(rend, tx, err))) {
        rc = err->code ? err->code : sim_error_set(err, SIM_ERR_IO, "cannot create a renderer");
        goto out;
    }
    bool dark = opt->theme == R_THEME_DARK, quit = false, dirty = true;
    /* The point under the mouse or picked with the keys: an x and, when
     * the chart has several series, one of them. */
    int mx = -1, my = -1, hover = -1, hover_s = 0, sel = -1, sel_s = 0;
    int n_series = chart->n_series > 0 ? chart->n_series : 1;
    char note[320] = "";
    while (!quit) {
        if (dirty) {
            int ww, wh, ow, oh;
            SDL_GetWindowSize(win, &ww, &wh);
            if (SDL_GetRendererOutputSize(rend, &ow, &oh) < 0)
                ow = ww, oh = wh;
            float dpi = ww > 0 ? (float)ow / (float)ww : 1.0f;
            RChartStyle st = render_chart_style_default();
            st.width = ow;
            st.height = oh;
            st.scale = dpi;
            st.theme = dark ? R_THEME_DARK : R_THEME_LIGHT;
            RTextMetrics tm = render_text_metrics(tx);
            if (render_chart_build(chart, &st, &tm, &dl, &geom) < 0) {
                rc = sim_error_set(err, SIM_ERR_NOMEM, "cannot draw the chart");
                goto out;
            }
            hover = mx >= 0 ? chart_hit(chart, &geom, mx * dpi, my * dpi, &hover_s) : -1;
            if (sel >= geom.n_x)
                sel = geom.n_x - 1;
            if (hover < 0) {
                hover = sel;
                hover_s = sel_s;
            }
            const RPalette *pal = render_palette(st.theme);
            if (hover >= 0 && hover < geom.n_x) {
                /* The point under the mouse: a rule across the panels and,
                 * with several series, a ring on the series' values. */
                RColor rule = pal->accent;
                rule.a = 150;
                for (int k = 0; k < geom.n_panels; k++) {
                    draw_rect(&dl, rrect(geom.px[hover] - 1, geom.plot[k].y, 3, geom.plot[k].h), rule);
                    for (int l = 0; n_series > 1 && l < chart->panels[k].n_lines; l++) {
                        int px, py, r = (int)lround(7 * dpi);
                        if (chart->panels[k].lines[l].series == hover_s &&
                            render_chart_point_pos(chart, &geom, k, l, hover, &px, &py))
                            draw_frame(&dl, rrect(px - r, py - r, 2 * r + 1, 2 * r + 1),
                                       pal->accent, (int)lround(2 * dpi));
                    }
                }
            }
            char hint[512];
            const char *label = hover >= 0 && chart->point_labels
                                    ? chart->point_labels[hover_s * chart->n_x + hover]
                                    : NULL;
            if (*note)
                snprintf(hint, sizeof(hint), "%s", note);
            else if (hover >= 0 && pick && label)
                snprintf(hint, sizeof(hint), "%s: click to open its timeline", label);
            else if (hover >= 0 && pick)
                snprintf(hint, sizeof(hint), "click to open this point's timeline");
            else
                snprintf(hint, sizeof(hint),
                         "click a point (or %s and Enter) to open its timeline  "
                         "\xc2\xb7  T theme  \xc2\xb7  Esc quits",
                         n_series > 1 ? "\xe2\x86\x90 \xe2\x86\x92 \xe2\x86\x91 \xe2\x86\x93"
                                      : "\xe2\x86\x90 \xe2\x86\x92");
            int fs = (int)lround(13 * dpi);
            int tw = render_text_width(tx, R_FONT_REGULAR, fs, hint);
            RRect box = {ow - tw - (int)(30 * dpi), (int)(8 * dpi), tw + (int)(20 * dpi), fs * 2};
            draw_rect(&dl, box, pal->panel_bg);
            draw_frame(&dl, box, pal->panel_border, 1);
            draw_text(&dl, box.x + (int)(10 * dpi), box.y + box.h / 2, hint, R_FONT_REGULAR, fs,
                      R_ALIGN_LEFT, pal->panel_fg);
            if (render_backend_draw(be, &dl, err) == 0)
                SDL_RenderPresent(rend);
            dirty = false;
        }
        SDL_Event e;
        if (!SDL_WaitEvent(&e))
            continue;
        do {
            switch (e.type) {
            case SDL_QUIT:
                quit = true;
                break;
            case SDL_WINDOWEVENT:
                if (e.window.event == SDL_WINDOWEVENT_CLOSE)
                    quit = true;
                dirty = true;
                break;
            case SDL_KEYDOWN: {
                SDL_Keycode kc = e.key.keysym.sym;
                if (kc == SDLK_ESCAPE || kc == SDLK_q)
                    quit = true;
                else if (kc == SDLK_t)
                    dark = !dark;
                else if (kc == SDLK_RIGHT || kc == SDLK_LEFT) {
                    /* Keyboard: walk the points from the one marked (under
                     * the mouse, or picked before); Enter opens one. */
                    int from = hover;
                    sel_s = hover >= 0 ? hover_s : sel_s;
                    mx = -1;
                    note[0] = '\0';
                    sel = from < 0 ? 0 : from + (kc == SDLK_RIGHT ? 1 : -1);
                    if (sel < 0)
                        sel = 0;
                    if (sel >= chart->n_x)
                        sel = chart->n_x - 1;
                } else if ((kc == SDLK_UP || kc == SDLK_DOWN) && n_series > 1) {
                    /* The next or previous series at the same x. */
                    int from = hover >= 0 ? hover_s : sel_s;
                    sel = hover >= 0 ? hover : 0;
                    mx = -1;
                    note[0] = '\0';
                    sel_s = (from + (kc == SDLK_DOWN ? 1 : n_series - 1)) % n_series;
                } else if ((kc == SDLK_RETURN || kc == SDLK_KP_ENTER) && sel >= 0 && pick) {
                    open_point(win, pick, ud, chart_point(chart, sel, sel_s), note, sizeof(note));
                }
                dirty = true;
                break;
            }
            case SDL_MOUSEMOTION:
                mx = e.motion.x;
                my = e.motion.y;
                note[0] = '\0';
                dirty = true;
                break;
            case SDL_MOUSEBUTTONUP:
                if (e.button.button == SDL_BUTTON_LEFT && pick) {
                    mx = e.button.x;
                    my = e.button.y;
                    int ww, ow, oh;
                    SDL_GetWindowSize(win, &ww, NULL);
                    SDL_GetRendererOutputSize(rend, &ow, &oh);
                    float dpi = ww > 0 ? (float)ow / (float)ww : 1.0f;
                    int s_hit = 0;
                    int p = chart_hit(chart, &geom, mx * dpi, my * dpi, &s_hit);
                    if (p >= 0)
                        open_point(win, pick, ud, chart_point(chart, p, s_hit), note,
                                   sizeof(note));
                }
                dirty = true;
                break;
            default:
                break;
            }
        } while (SDL_PollEvent(&e));
    }
out:
    render_chart_geom_fini(&geom);
    draw_list_free(&dl);
    render_backend_destroy(be);
    render_text_destroy(tx);
    if (rend)
        SDL_DestroyRenderer(rend);
    if (win)
        SDL_DestroyWindow(win);
    video_stop(sdl_was_up);
    return rc;
}
