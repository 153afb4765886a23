/*
 * view.h - the viewer's pure logic, testable without SDL: the viewport
 * state (zoom, pan, selection, playback cursor; view.c), the cause ->
 * effect chain of the explanation engine (analysis/explain.h) placed on
 * lanes (explain.c), and the viewer's chrome drawn into the same draw list
 * as the timeline: lesson, explain and figures panels, scrub bar, status
 * line, arrows, tooltip, help (overlay.c).
 *
 * Invariant: the cursor is a record index and a time that agree: record
 * `cursor` is the last one with t <= cursor_t (SIZE_MAX before the first),
 * so stepping, playing and seeking never lose their place.
 */
#ifndef GILSIM_VIEW_H
#define GILSIM_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "explain.h"
#include "figures.h"
#include "layout.h"
#include "trace.h"

/* ---- Viewport state (view.c) ------------------------------------------- */

#define R_VIEW_MIN_SPAN 200 /* ns: the deepest zoom */

typedef struct RView {
    SimTime t0, t1;      /* visible range */
    SimTime end;         /* run length */
    int vscroll;         /* lanes scrolled, device px */
    /* Playback. */
    size_t cursor;       /* record index, SIZE_MAX before the first */
    SimTime cursor_t;
    bool playing;
    double speed;        /* simulated ns per wall-clock second */
    /* Selection: one span of one lane. */
    bool has_sel;
    uint32_t sel_lane;
    SimTime sel_t0, sel_t1;
    uint32_t sel_thread; /* thread of the selection, or SIM_NONE */
    /* Display toggles. */
    bool help, projector, dark, arrows;
    bool lesson;         /* the lesson panel (Q) */
} RView;

void render_view_init(RView *v, SimTime end);
void render_view_fit(RView *v);
/* Sets the range, clamped to [-10% of the run, 110%] and at least
 * R_VIEW_MIN_SPAN wide; the width is kept when only moving. */
void render_view_set_range(RView *v, SimTime t0, SimTime t1);
/* factor < 1 zooms in; anchor stays at the same place on screen. */
void render_view_zoom(RView *v, double factor, SimTime anchor);
/* Moves by a fraction of the visible width (negative: to the left). */
void render_view_pan(RView *v, double fraction);
/* Cursor to time t (clamped to the run). */
void render_view_seek(RView *v, const SimTrace *tr, SimTime t);
/* One record forward (dir > 0) or back; with thread != SIM_NONE, to that
 * thread's next STATE record. False when there is none. */
bool render_view_step(RView *v, const SimTrace *tr, int dir, uint32_t thread);
/* Playback: advances the cursor by wall_s seconds of speed; stops at the
 * end. Returns true if the cursor moved. */
bool render_view_tick(RView *v, const SimTrace *tr, double wall_s);
/* Pans so the cursor is visible (at 10% from the left edge when it left
 * the range while playing, centred otherwise). */
void render_view_follow(RView *v);
/* After a re-simulation: new run length, same cursor time and range (the
 * range is moved only when it lies wholly past the new end). */
void render_view_rebase(RView *v, const SimTrace *tr, SimTime end);

/* ---- Explanations on the timeline (explain.c) --------------------------- */

/* The lane a record is drawn on: its object's lane for what changed an
 * object (a write, a release, a put), its process's first lane for a
 * process's start or end, else its thread's. SIM_NONE when there is none. */
uint32_t render_record_lane(const RIndex *ix, size_t rec);

/* The cause -> effect chain that ends at record rec (explain_chain), as
 * points on lanes, oldest first; false when there are fewer than two. */
#define R_CHAIN_MAX EXPLAIN_CHAIN_MAX
typedef struct RChain {
    int n;
    SimTime t[R_CHAIN_MAX];
    uint32_t lane[R_CHAIN_MAX];
    const char *label[R_CHAIN_MAX]; /* what happens at the point */
} RChain;

bool render_explain_chain(const RIndex *ix, const Explainer *ex, size_t rec, RChain *out);

/* ---- Viewer chrome (overlay.c) ----------------------------------------- */

/* How much chrome the viewer shows under the timeline. The viewer starts
 * from render_chrome_full and shrinks the plan step by step until the
 * lanes keep at least half of the window (render_chrome_shrink). */
typedef struct RChromePlan {
    int lesson_lines;   /* lesson panel lines under its title: 4 (description
                           and three of lesson), 3, 2, 1; 0 hides the panel */
    int explain_lines;  /* explain panel: 5 (head, now, two of why, next), 4, 3
                           (no next), 2 (now and why) */
    bool one_row;       /* scrub bar and status line share one row */
    bool legend_one_row;/* the timeline's legend keeps one row */
} RChromePlan;

RChromePlan render_chrome_full(bool lesson);
/* One step smaller; false when nothing more can go. */
bool render_chrome_shrink(RChromePlan *plan);

/* A line of the figures panel: "I/O", "164 ops/s Â· p50 6.07 ms"; changed
 * marks a value that differs from the run the viewer opened with. */
typedef struct RFigLine {
    char label[40];
    char value[200];
    bool changed;
} RFigLine;

#define R_FIG_LINES 8

/* The figures panel's lines for a run (figlines.c): I/O rate and
 * latency, GIL switches, shared variables against their expected value,
 * queues, CPU share per thread, the run's length; each marked changed
 * when base (the run the viewer opened with; NULL: none) reads otherwise.
 * Returns the number of lines. */
int render_figure_lines(const Figures *now, const Figures *base, const SimTrace *tr, RFigLine *out, int max);

typedef struct ROverlayIn {
    const char *explain_head; /* "at 5.0259 ms · record 13 of 84", or NULL */
    const char *explain_now;  /* what changed at the cursor */
    const char *explain_why;  /* why, from the record that caused it */
    const char *explain_next; /* what it causes next */
    const char *selection;   /* details of the selected span, or NULL */
    const char *status;      /* right part of the status line */
    const char *toast;       /* transient message, or NULL */
    bool tooltip;
    int mouse_x, mouse_y;
    RHit hover;
    const RIndex *hover_ix;  /* the index hover refers to; NULL: the frame's */
    RChain chain;            /* arrows to draw (n == 0: none) */
    /* Lesson panel (shown while v->lesson and lesson_text is not empty). */
    const char *lesson_head;  /* "Lesson", or "Quiz" before the reveal */
    const char *lesson_title; /* scenario name */
    const char *lesson_desc;  /* one-line description */
    const char *lesson_text;  /* the lesson, or the quiz question */
    bool hide_end;            /* quiz: the run's length and record count stay unsaid */
    /* Figures panel, beside the explain panel (n_figs == 0: none). */
    const char *figs_title;   /* "Figures", "A Â· B" */
    const RFigLine *figs;
    int n_figs;
    RChromePlan plan;
} ROverlayIn;

typedef struct ROverlayGeom {
    RRect panel;   /* explain panel */
    RRect figures; /* figures panel (w == 0: none) */
    RRect scrub;   /* scrub bar track */
    RRect status;
    RRect lesson;  /* lesson panel (h == 0: hidden) */
} ROverlayGeom;

/* Device pixels the chrome takes below the legend and caption, lesson
 * panel included when the plan shows one. */
int render_overlay_height(const RViewport *vp, const RChromePlan *plan);

/* Appends the chrome to dl (after render_layout_build with reserve_bottom
 * = render_overlay_height). Fills geom for hit-testing the scrub bar. */
int render_overlay_build(const RLayout *L, const RIndex *ix, const RView *v,
                         const ROverlayIn *in, const RTextMetrics *tm, DrawList *dl,
                         ROverlayGeom *geom);

/* The tooltip's lines for a hit, for tests: "io", "Waiting for the GIL",
 * "5.060 ms -> 6.060 ms (1 ms)". Returns the number of lines. */
int render_hit_describe(const RIndex *ix, const RHit *h, char lines[4][160]);

/* The help overlay's bindings, one "key\tmeaning" per entry. */
extern const char *const render_help_lines[];

#endif /* GILSIM_VIEW_H */
