/*
 * render.h - the SDL half of the renderer: fonts and text (text.c), the
 * draw-list replayer (backend_sdl.c, the only file calling SDL_Render*),
 * headless PNG and SVG export (export.c) and the interactive viewer
 * (viewer.c).
 *
 * Errors come back as SimError values ("what was attempted: SDL's reason");
 * nothing here prints or exits.
 */
#ifndef GILSIM_RENDER_H
#define GILSIM_RENDER_H

#include <stdbool.h>

#include "SDL.h"

#include "chart_model.h"
#include "compare.h"
#include "draw.h"
#include "layout.h"
#include "sim.h"

/* ---- Text (SDL2_ttf, the DejaVu fonts bundled in assets/) --------------- */

typedef struct RText RText;

/* The folder the regular face (DejaVuSans.ttf) is found in, in the order
 * datadir.h gives ($GILSIM_ASSETS, the build tree, beside the executable,
 * the install prefix, the system's fonts). NULL if none holds it. */
const char *render_assets_dir(void);

/* Opens the fonts. rend may be NULL when only measuring (SVG export);
 * borrowed, must outlive the RText. */
RText *render_text_create(SDL_Renderer *rend, SimError *err);
void render_text_destroy(RText *tx);
RTextMetrics render_text_metrics(RText *tx);
int render_text_width(void *tx, RFont f, int size_px, const char *s);
/* The cached texture of one line of text, rendered white (tint it with a
 * colour modulation); owned by tx. NULL if it cannot be made. */
SDL_Texture *render_text_texture(RText *tx, const char *s, RFont f, int size_px, int *w, int *h);
/* Marks a frame boundary: textures unused for a while are released. */
void render_text_frame_end(RText *tx);

/* ---- Backend ------------------------------------------------------------ */

typedef struct RBackend RBackend;

/* rend and tx are borrowed. */
RBackend *render_backend_create(SDL_Renderer *rend, RText *tx, SimError *err);
void render_backend_destroy(RBackend *b);
/* Clears to dl->clear and replays every command. */
int render_backend_draw(RBackend *b, const DrawList *dl, SimError *err);

/* ---- Export ------------------------------------------------------------- */

/* Largest picture accepted, in device pixels per side and in total. */
#define R_EXPORT_MAX_SIDE 16384
#define R_EXPORT_MAX_PIXELS (16384LL * 16384LL)

/* Checks a requested size (logical size times scale) before any work.
 * Returns 0 or SIM_ERR_LIMIT with a one-line reason. */
int render_export_check_size(int width, int height, double scale, SimError *err);

/* Renders the viewport (vp->width x vp->height device pixels) to a PNG or
 * SVG file, written atomically: nothing is left at path on failure. */
int render_export_png(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                      const char *path, SimError *err);
int render_export_svg(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                      const char *path, SimError *err);

/* Two runs stacked on one time axis with their statistics (compare.h),
 * to a PNG, or an SVG when svg is true; written atomically. */
int render_export_compare(const RIndex *const ix[2], const RViewport *vp, const RLayoutOpts *opt,
                          const RCmpRow *rows, int n_rows, const char *path, bool svg,
                          SimError *err);

/* An offscreen canvas, what every PNG is drawn on: an ARGB8888 surface, a
 * software renderer drawing into it (no window, no display, no video
 * driver), the fonts and the draw-list backend. */
typedef struct ROffscreen {
    SDL_Surface *surface;
    SDL_Renderer *rend;
    RText *tx;
    RBackend *be;
} ROffscreen;

/* Opens a width x height canvas (the caller has checked the size).
 * Returns 0, or a negative SIM_ERR_* with err set and o zeroed. */
int render_offscreen_open(ROffscreen *o, int width, int height, SimError *err);
/* Closes the canvas; with keep_surface, its surface is returned to the
 * caller (SDL_FreeSurface), else freed and NULL returned. */
SDL_Surface *render_offscreen_close(ROffscreen *o, bool keep_surface);

/* A surface as PNG bytes in memory (malloc'd into *data, length *len). */
int render_png_encode(SDL_Surface *s, char **data, size_t *len, SimError *err);
/* Writes a surface as PNG through the one checked writer (output.h). */
int render_save_png(SDL_Surface *s, const char *path, SimError *err);

/* Draws a frame into a new ARGB8888 surface (tests, thumbnails). */
SDL_Surface *render_export_surface(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                                   SimError *err);

/* ---- Viewer ------------------------------------------------------------- */

/* Re-simulation for live tuning: runs the scenario again with the given
 * switch interval and core count. On success *out is a new trace owned by
 * the caller; on failure err says why. */
typedef int (*RResimFn)(void *ud, SimTime switch_interval, int cores, SimTrace **out,
                        SimError *err);

typedef struct RViewerOpts {
    SimTime view_t0, view_t1; /* first stretch to show (view_t1 = 0: the whole run) */
    const char *title;    /* window title */
    RTheme theme;
    bool projector;       /* start in large-font mode */
    double speed;         /* playback speed, sim ns per wall second (0: auto) */
    RResimFn resim;       /* NULL: live tuning off */
    void *resim_ud;
    const char *version;
    const char *screenshot_dir; /* where P saves; NULL: current directory */
    int width, height;    /* window size; 0: fit the screen */
    /* Lesson panel (Q): shown at start when `lesson` is not empty; its
     * "{figure}" names are filled in from the run shown, again after
     * every live change. */
    const char *lesson_title;
    const char *description;
    const char *lesson;
    /* Quiz: statistics and the timeline after the cursor stay hidden, the
     * panel asks `quiz_question`, until Enter reveals everything. */
    bool quiz;
    const char *quiz_question;
    const char *quiz_figure;  /* the figure that answers it (figures.h), or NULL */
    /* Compare: a second run (borrowed) stacked under the first on the same
     * time axis, with both runs' statistics; live tuning is off. */
    const SimTrace *compare;
    /* What starting a spawned or forkserver child costs (the scenario's),
     * so their start-up shows on their lanes; NULL: not shown. */
    const ExplainStartCosts *start_costs;
} RViewerOpts;

enum { R_VIEWER_NO_DISPLAY = -10 };

/* Opens a window on *tr and runs until it is closed. *tr stays owned by
 * the caller: when live tuning re-simulates, the viewer destroys the trace
 * it replaces and stores the new one in *tr, which the caller destroys
 * after the call. Returns 0, R_VIEWER_NO_DISPLAY when video cannot start
 * (err says why, *tr untouched), or another negative code. */
int render_viewer_run(SimTrace **tr, const RViewerOpts *opt, SimError *err);

/* The sweep chart in a window (gilsim view --sweep): hovering marks a
 * point, a click calls pick(ud, point) with the sweep point under the
 * mouse (chart->points; the x index when the chart has none), which opens
 * that point's timeline (render_viewer_run, in a second window) and
 * returns when it is closed. Esc or Q closes the chart. Returns 0,
 * R_VIEWER_NO_DISPLAY or another negative code with err set. */
typedef int (*RChartPickFn)(void *ud, int point, SimError *err);
int render_chart_viewer_run(const Chart *chart, RChartPickFn pick, void *ud,
                            const RViewerOpts *opt, SimError *err);

#endif /* GILSIM_RENDER_H */
