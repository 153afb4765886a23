/*
 * view.h - the viewer's pure logic, testable without SDL: the viewport
 * state (zoom, pan, selection, playback cursor; view.c), the sentences of
 * the explain panel and the cause -> effect chain behind them (explain.c),
 * and the viewer's chrome drawn into the same draw list as the timeline:
 * explain panel, scrub bar, status line, tooltip, help (overlay.c).
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

/* ---- Explanations (explain.c) ------------------------------------------ */

/* One clause about record rec: "io took the GIL from hog and runs Python
 * on core 1". Returns buf. */
char *render_explain_record(const RIndex *ix, size_t rec, char *buf, size_t n);

/* The last GIL hand-over at or before rec, told as cause and effect: "io
 * waited 5 ms with no switch -> set the drop request; hog dropped the GIL
 * at its next check point (+10 us); io took it (+30 us wake-up)". Empty
 * if there was none. Returns buf. */
char *render_explain_handover(const RIndex *ix, size_t rec, char *buf, size_t n);

/* The points of that story, for arrows: times on lanes, oldest first. */
#define R_CHAIN_MAX 5
typedef struct RChain {
    int n;
    SimTime t[R_CHAIN_MAX];
    uint32_t lane[R_CHAIN_MAX];
    const char *label[R_CHAIN_MAX]; /* what happens at the point */
} RChain;

bool render_explain_chain(const RIndex *ix, size_t rec, RChain *out);

/* ---- Viewer chrome (overlay.c) ----------------------------------------- */

typedef struct ROverlayIn {
    const char *explain_now; /* sentence about the cursor's record(s) */
    const char *explain_why; /* the hand-over story */
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
} ROverlayIn;

typedef struct ROverlayGeom {
    RRect panel;   /* explain panel */
    RRect scrub;   /* scrub bar track */
    RRect status;
    RRect lesson;  /* lesson panel (h == 0: hidden) */
} ROverlayGeom;

/* Device pixels the chrome needs below the legend and caption. */
int render_overlay_height(const RViewport *vp);
/* Extra device pixels the lesson panel takes above the explain panel. */
int render_lesson_height(const RViewport *vp);

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
