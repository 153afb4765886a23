/*
 * layout.h - the pure half of the renderer: a trace becomes lanes (index.c),
 * lanes plus a viewport become a draw list (layout.c), and a point of that
 * picture maps back to a lane and a span (hit-testing). No SDL anywhere:
 * text widths come from an injected callback, so tests use a fake metric.
 *
 * Call order:
 *
 *     RIndex *ix;  render_index_build(trace, &ix);      // once per trace
 *     RLayout *L = render_layout_create();
 *     RViewport vp = render_viewport_default(ix, 1920, 1080);
 *     render_layout_build(L, ix, &vp, &opts, &metrics, &dl);   // per frame
 *     RHit h;  if (render_layout_hit(L, ix, x, y, &h)) ...
 *     render_layout_destroy(L); render_index_destroy(ix);
 *
 * Invariant: a frame draws at most a few primitives per pixel column per
 * lane, whatever the number of spans: spans narrower than a pixel are
 * merged into per-column summaries (the mix of values, stacked).
 */
#ifndef GILSIM_LAYOUT_H
#define GILSIM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "draw.h"
#include "explain.h"
#include "trace.h"

/* ---- Palette ------------------------------------------------------------ */

typedef enum RTheme { R_THEME_LIGHT = 0, R_THEME_DARK } RTheme;

typedef struct RPalette {
    RColor bg;        /* page */
    RColor fg;        /* main text */
    RColor fg_dim;    /* secondary text */
    RColor lane_bg;   /* empty lane */
    RColor lane_alt;  /* every other lane */
    RColor header_bg; /* process header band */
    RColor grid;      /* minor grid lines */
    RColor grid_major;
    RColor axis;      /* axis line and ticks */
    RColor mark;      /* GIL event marks */
    RColor cursor;    /* playback cursor */
    RColor select;    /* selection outline */
    RColor accent;    /* highlighted (changed) values */
    RColor panel_bg;  /* viewer panels, tooltips */
    RColor panel_fg;
    RColor panel_border;
    RColor arrow;     /* cause -> effect arrows */
    RColor mixed;     /* runner-up band outline in dense columns */
} RPalette;

const RPalette *render_palette(RTheme theme);
RColor render_reason_color(SimReason r, RTheme theme);
RHatch render_reason_hatch(SimReason r);
/* "Waiting for GIL" (legend) and "wait GIL" (inside spans). */
const char *render_reason_label(SimReason r);
const char *render_reason_short(SimReason r);
/* Categorical, colour-blind-safe colour of a thread (GIL and core lanes). */
RColor render_thread_color(uint32_t thread, RTheme theme);
/* Black or white, whichever reads on `fill`. */
RColor render_text_on(RColor fill);
/* Hatch ink for a fill: dark on light colours, light on dark ones. */
RColor render_hatch_ink(RColor fill);

/* ---- Time formatting ---------------------------------------------------- */

/* Single durations ("5 ms", "12.5 µs") are duration_text_rounded, from
 * analysis/duration_text.h. */

/* "0 ms – 30 ms": both ends, zero in the unit of the other end. */
char *render_fmt_range(SimTime t0, SimTime t1, char *buf, size_t n);

/* Axis ticks: a nice step (1, 2, 5 x 10^k ns) at least `min_step` wide,
 * and the unit and decimals every label of that axis uses. */
typedef struct RTicks {
    SimTime step;      /* major tick spacing */
    SimTime minor;     /* minor tick spacing (divides step) */
    SimTime unit;      /* 1, 1000, 1e6 or 1e9 */
    const char *unit_name;
    int decimals;
} RTicks;

RTicks render_ticks(SimTime t0, SimTime t1, SimTime min_step);
/* "12.5 ms" with the axis' unit and decimals. */
char *render_tick_label(const RTicks *tk, SimTime t, char *buf, size_t n);

/* ---- Lane index (built once per trace) --------------------------------- */

typedef enum RLaneKind { R_LANE_GIL = 0, R_LANE_THREAD, R_LANE_CORE, R_LANE_OBJECT } RLaneKind;

/* What an object lane's span values mean (RLane.okind). */
typedef enum RObjKind {
    R_OBJ_LOCK = 0,  /* lock, rlock, condition: the owning thread (| R_LOST) */
    R_OBJ_SEMAPHORE, /* semaphore, bounded_semaphore: threads holding it */
    R_OBJ_EVENT,     /* event: 1 while set */
    R_OBJ_QUEUE,     /* queue, pipe, mp_queue: items inside */
    R_OBJ_WAITONLY,  /* barrier and the rest: only waiters and marks */
    R_OBJ_SHARED,    /* a shared variable: its value (v) against the value with no
                        update lost (wt/wv), a mark at every lost update */
    R_OBJ_COUNT
} RObjKind;

/* Owner value flag on lock lanes: the ownership came through a fork to a
 * thread that does not exist in this process, so nobody will release it. */
#define R_LOST 0x40000000u

/* Marks on object lanes (RMark.kind), apart from the GIL's RMarkKind. */
typedef enum RSyncMark {
    R_SMARK_BLOCK = 16, /* a thread started waiting */
    R_SMARK_WAKE,       /* a waiter was woken */
    R_SMARK_TIMEOUT,    /* a wait timed out */
    R_SMARK_FAIL,       /* a non-blocking acquire failed, or a misuse error */
    R_SMARK_SIGNAL,     /* set, notify, barrier pass or break */
    R_SMARK_LOST,       /* shared variable: a write overwrote `other` updates */
} RSyncMark;

/* Marks on thread lanes: a thread's life. */
typedef enum RLifeMark {
    R_TMARK_START = 32, /* the thread's first transition (out of New) */
    R_TMARK_EXIT,       /* it finished */
    R_TMARK_KILLED,     /* a daemon killed at exit, or lost in a fork, or its process ended by
                           terminate(), kill() or os._exit() (RMark.other: the record's cause) */
    R_TMARK_FOREVER,    /* blocked forever (deadlock) from this time on */
} RLifeMark;

/* What a thread lane's span is about, beyond its reason (RLane.note): an
 * object waited on, or the processes a C call launched. */
#define R_NOTE_NONE 0u
#define R_NOTE_OBJ 0x10000000u     /* | object: waits on it (blocked) */
#define R_NOTE_PUT 0x20000000u     /* with R_NOTE_OBJ: the put side of a queue */
#define R_NOTE_LAUNCH 0x40000000u  /* | process: this C call started it */
#define R_NOTE_STARTUP 0x80000000u /* | process: the process's start-up (New) */
#define R_NOTE_JOIN 0x08000000u    /* | thread: join() waits for it */
#define R_NOTE_JOINP 0x04000000u   /* | process: join() waits for it */
#define R_NOTE_ID(n) ((n) & 0x03ffffffu)

#define R_IDLE UINT32_MAX /* span value: nothing there (GIL free, core idle) */

typedef enum RMarkKind {
    R_MARK_DROP_REQUEST = 0,
    R_MARK_TIMEOUT,
    R_MARK_FAILED_WAKEUP,
    R_MARK_FORCED_DROP,
    R_MARK_COUNT
} RMarkKind;

typedef struct RMark {
    SimTime t;
    uint32_t thread; /* who made the mark */
    uint32_t other;  /* thread involved plus one, 0 = none; lost updates: how many */
    uint8_t kind;    /* RMarkKind, RSyncMark or RLifeMark */
    uint32_t by;     /* lost updates: who wrote the newest update lost, or SIM_NONE */
} RMark;

/*
 * A lane is a tiling of [0, end) by spans: span i covers [t[i], t[i+1]) and
 * has value v[i]: a SimReason on thread lanes, a thread index (or R_IDLE)
 * on GIL and core lanes. cum[] holds, for every block of R_LOD_BLOCK spans,
 * the time each category received before the block starts; it turns the
 * time-per-category of any interval into two lookups.
 */
#define R_LOD_BLOCK 32

/*
 * A pyramid of fixed time bins for views where a pixel holds many spans:
 * level 0 bins are w0 ns wide (a power of two, about R_MIP_SPANS spans on
 * average), level k bins are w0 << k. Thread lanes keep the time per
 * category in every bin; GIL and core lanes keep the busy time and the
 * three threads that held the lane longest. A column then reads two or
 * three neighbouring bins instead of searching the spans.
 */
#define R_MIP_SPANS 32
#define R_MIP_TOP 3

typedef struct RMipTop {
    float busy;
    uint32_t id[R_MIP_TOP];
    float w[R_MIP_TOP];
} RMipTop;

typedef struct RMip {
    int levels;          /* 0: no pyramid (the lane is sparse) */
    SimTime w0;
    size_t off[48];      /* first bin of each level */
    size_t nb[48];       /* bins per level */
    float *hist;         /* thread lanes: bins x ncat */
    RMipTop *top;        /* GIL and core lanes: bins */
} RMip;

typedef struct RLane {
    uint8_t kind;       /* RLaneKind */
    uint32_t id;        /* GIL, thread or core index */
    uint32_t process;   /* owning process; SIM_NONE for cores */
    size_t n;           /* spans */
    SimTime *t;         /* n + 1 boundaries */
    uint32_t *v;        /* n values */
    int ncat;           /* categories in cum (thread lanes: reasons + idle) */
    int64_t *cum;       /* (n / R_LOD_BLOCK + 1) * ncat */
    RMark *marks;       /* GIL and object lanes: time-sorted marks */
    size_t n_marks;
    RMip mip;
    /* Object lanes only. */
    uint8_t okind;      /* RObjKind */
    uint32_t vmax;      /* largest count (semaphore capacity, queue size) */
    size_t wn;          /* waiters: a step function of wn spans */
    SimTime *wt;        /* wn + 1 boundaries, like t */
    uint32_t *wv;       /* threads waiting on the object */
    uint32_t wmax;      /* most waiters at once */
    bool lost;          /* some span is held by a lost thread */
    /* Thread lanes: per span, what it is about (R_NOTE_*), or NULL. */
    uint32_t *note;
    /* Shared variables: the run's figures for the lane's caption. */
    int64_t s_initial, s_final, s_expected, s_lost;
} RLane;

typedef struct RGroup {
    uint32_t process;    /* SIM_NONE: the machine (cores) */
    uint32_t first_lane; /* lanes [first_lane, first_lane + n_lanes) */
    uint32_t n_lanes;
} RGroup;

typedef struct RIndex {
    const SimTrace *tr;   /* borrowed; must outlive the index */
    SimTime end;          /* the later of the trace end and the last record */
    RLane *lanes;         /* display order: per process GIL, threads, objects; objects shared
                             by processes (pipes, multiprocessing queues); cores last */
    uint32_t n_lanes;
    RGroup *groups;
    uint32_t n_groups;
    uint32_t n_cores;
    uint32_t *thread_lane; /* thread -> lane */
    uint8_t *thread_dup;   /* thread -> 1 when another thread has its name */
    uint32_t *gil_lane;    /* gil -> lane or SIM_NONE */
    uint32_t n_gils;
    uint32_t n_gils_shown; /* GIL lanes (GILs somebody took) */
    uint32_t *object_lane; /* object -> lane or SIM_NONE (unused, or shared variables) */
    uint32_t n_objects;
    uint32_t n_object_lanes;
    uint32_t reasons_used; /* bit per SimReason seen */
    uint32_t marks_used;   /* bit per RMarkKind seen */
    size_t transitions;    /* STATE records */
} RIndex;

/* Builds the lanes of tr. Returns 0, or SIM_ERR_NOMEM (-3) with *out NULL. */
int render_index_build(const SimTrace *tr, RIndex **out);
/* The same, with the start-up costs of multiprocessing children (spawn,
 * forkserver), whose start-up then shows on their lanes (NULL: not shown). */
int render_index_build_with(const SimTrace *tr, const ExplainStartCosts *costs, RIndex **out);
void render_index_destroy(RIndex *ix);
/* Index of the span containing t (t clamped to the lane), or SIZE_MAX if the
 * lane has no spans. */
size_t render_lane_find(const RLane *ln, SimTime t);
/* A lane's display name: "GIL", a thread name, "core 0", "log_lock". */
const char *render_lane_name(const RIndex *ix, const RLane *ln, char *buf, size_t n);
/* Threads waiting on an object lane's object at time t. */
uint32_t render_lane_waiters(const RLane *ln, SimTime t);
/* An object lane's object kind as the scenario spells it ("semaphore"). */
const char *render_lane_object_kind(const RIndex *ix, const RLane *ln);

/* ---- Viewport and options ---------------------------------------------- */

typedef struct RViewport {
    SimTime t0, t1;     /* visible time range, t1 > t0 */
    int width, height;  /* device pixels */
    float scale;        /* device pixels per logical pixel (high DPI, --scale) */
    float font_scale;   /* extra text and lane size (projector mode) */
    RTheme theme;
    int vscroll;        /* lanes scrolled up by this many device pixels */
} RViewport;

/* The whole run in a width x height picture, light theme, scale 1. */
RViewport render_viewport_default(const RIndex *ix, int width, int height);

typedef struct RLayoutOpts {
    bool title;          /* scenario name and parameters on top */
    bool legend;
    bool caption;        /* provenance line at the bottom */
    bool fit_lanes;      /* shrink lanes to fit the height (export) */
    bool auto_text;      /* enlarge text and lanes when the picture is roomy */
    int reserve_bottom;  /* device px kept free below the axis (viewer panels) */
    const char *version; /* "0.1.0" for the caption */
    bool hl_interval;    /* show the switch interval as changed */
    bool hl_cores;       /* show the core count as changed */
    bool labels;         /* text inside wide spans */
    bool marks;          /* GIL marks */
    SimTime cursor;      /* playback cursor time, or -1 */
    bool has_sel;        /* selected span to outline */
    uint32_t sel_lane;
    SimTime sel_t0, sel_t1;
    const char *tag;     /* "A", "B": a badge before the title (compare), or NULL */
    int label_w;         /* lane label column width in device px; 0: from the names */
    SimTime hide_after;  /* quiz: draw nothing of the run after this time; -1: all */
    bool title_one_row;  /* never a second title row: parameters give way instead */
    int legend_max_rows; /* 0: as many as the legend needs */
    int axis_h;          /* axis height in logical px; 0: the default (30) */
    bool no_axis_labels; /* only the axis line (a run stacked over another) */
    bool title_compact;  /* a slim title row and top margin (stacked runs) */
    int header_h;        /* process header band in logical px; 0: the default (24) */
} RLayoutOpts;

/* Everything on, for exported images. */
RLayoutOpts render_layout_opts_export(void);

/* Text measuring, supplied by the caller (SDL_ttf, or a fake in tests). */
typedef struct RTextMetrics {
    int (*width)(void *ud, RFont font, int size_px, const char *s);
    void *ud;
} RTextMetrics;

/* ---- Layout ------------------------------------------------------------- */

typedef struct RLaneGeom {
    int y, h;           /* device px; h == 0: scrolled out of view */
} RLaneGeom;

/* The geometry of the last frame built: what hit-testing and the viewer's
 * overlays need. */
typedef struct RLayout {
    RViewport vp;
    RRect plot;         /* lanes area (time runs along x) */
    RRect lanes_clip;   /* visible part of the lanes, labels included */
    RRect labels;       /* lane label column */
    RRect axis;         /* tick labels under the lanes */
    RRect legend;
    RRect caption;
    RRect title;
    int bottom;         /* first device row free for the viewer (reserve_bottom) */
    int lane_h;         /* nominal lane height this frame */
    int lane_h_max;     /* the tallest a lane grows into spare room */
    int content_h;      /* total lanes height before scrolling */
    int u100;           /* text unit: 100 * scale * font_scale */
    RLaneGeom *lanes;   /* [n_lanes] */
    RRect *headers;     /* [n_groups] process header bands (h == 0 hidden) */
    uint32_t n_lanes, n_groups;
    size_t lod_columns; /* columns summarised by LOD in the last frame */
    RTicks ticks;
} RLayout;

RLayout *render_layout_create(void);
void render_layout_destroy(RLayout *L);

/* Builds the frame into dl (reset first). Returns 0, or SIM_ERR_NOMEM. */
int render_layout_build(RLayout *L, const RIndex *ix, const RViewport *vp,
                        const RLayoutOpts *opt, const RTextMetrics *tm, DrawList *dl);

/* x (device px) <-> time under the last frame. */
double render_layout_x_of(const RLayout *L, SimTime t);
SimTime render_layout_t_of(const RLayout *L, double x);

/* ---- Hit-testing -------------------------------------------------------- */

typedef struct RHit {
    uint32_t lane;
    uint8_t kind;       /* RLaneKind */
    size_t span;        /* index in the lane */
    uint32_t value;     /* SimReason, thread index (R_IDLE: nothing) or object count */
    uint32_t thread;    /* the thread concerned, or SIM_NONE */
    SimTime t;          /* time under the point */
    SimTime slop;       /* time a few pixels make: how near a mark counts as hit */
    SimTime start, end; /* the span */
    bool in_label;      /* the point is on the lane's name */
} RHit;

/* True if (x, y) is over a lane under the last frame built. */
bool render_layout_hit(const RLayout *L, const RIndex *ix, int x, int y, RHit *hit);

#endif /* GILSIM_LAYOUT_H */
