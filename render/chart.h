/*
 * chart.h - line charts of figures against one parameter (what `gilsim
 * sweep --plot` draws): a stack of small multiples sharing one x axis, each
 * panel with its own y axis and legend, every line a median with an
 * optional min-max band, plus a title, a marked x value and a caption.
 *
 * The chart is plain data (RChart) that the caller fills; chart.c turns it
 * into a draw list with no SDL, measuring text through the same injected
 * callback as the timeline layout, so a test can check the geometry with a
 * fake metric. chart_export.c (SDL half of the renderer) writes it as PNG or
 * SVG.
 *
 * Call order:
 *
 *     RChart c = {...};                         // borrowed arrays and strings
 *     RChartStyle st = render_chart_style_default();
 *     DrawList dl;  draw_list_init(&dl);
 *     RChartGeom g;
 *     render_chart_build(&c, &st, &metrics, &dl, &g);
 *     int point = render_chart_hit(&g, x, y);  // viewer: which x was clicked
 *     draw_list_free(&dl);
 *
 * Invariant: values that cannot be drawn (NAN, or <= 0 on a log axis) break
 * a line instead of bending it to the edge, and nothing is drawn outside a
 * panel's plot area except labels.
 */
#ifndef GILSIM_CHART_H
#define GILSIM_CHART_H

#include <stdbool.h>

#include "draw.h"
#include "layout.h"
#include "sim.h"

#define R_CHART_MAX_PANELS 8

typedef enum RChartScale {
    R_SCALE_AUTO = 0, /* log when every value is > 0 and they span over 20x */
    R_SCALE_LINEAR,
    R_SCALE_LOG,
} RChartScale;

typedef enum RChartXKind {
    R_X_NUMBER = 0,   /* plain numbers */
    R_X_DURATION,     /* nanoseconds, ticks read "100 µs", "5 ms" */
    R_X_CATEGORY,     /* evenly spaced, labelled with x_labels */
} RChartXKind;

typedef struct RChartLine {
    const char *label;    /* legend text */
    RColor color;
    bool dashed;
    const double *y;      /* [n_x] the line (medians); NAN: no value */
    const double *lo;     /* [n_x] band bottom and top (min and max over runs); */
    const double *hi;     /*       NULL: no band */
} RChartLine;

typedef struct RChartPanel {
    const char *title;    /* above the panel, e.g. "I/O latency (ms)" */
    RChartScale y_scale;
    bool y_zero;          /* a linear axis starts at zero */
    const RChartLine *lines;
    int n_lines;
    double y_max;         /* > 0: a linear axis ends here when the data allow (100 for %) */
} RChartPanel;

typedef struct RChart {
    const char *title;
    const char *subtitle;  /* one line under the title; NULL: none */
    const char *caption;   /* provenance, broken at its " · " separators */
    const char *x_label;   /* under the x axis */
    RChartXKind x_kind;
    bool x_log;
    int n_x;
    const double *x;       /* [n_x] increasing positions (ignored for categories) */
    const char *const *x_labels; /* [n_x] category names (R_X_CATEGORY) */
    double x_mark;         /* a value marked by a dashed rule across the panels; NAN: none */
    const char *x_mark_label;
    const RChartPanel *panels;
    int n_panels;          /* 1 .. R_CHART_MAX_PANELS */
} RChart;

typedef struct RChartStyle {
    int width, height;     /* device pixels */
    float scale;           /* device pixels per logical pixel */
    RTheme theme;
} RChartStyle;

/* 1600x900, light, scale 1: a 16:9 slide. */
RChartStyle render_chart_style_default(void);

/* Where the last chart put things, for hit-testing. */
typedef struct RChartGeom {
    int n_panels;
    RRect plot[R_CHART_MAX_PANELS]; /* each panel's plot area */
    int n_x;
    int *px;                        /* [n_x] device x of each point (owned; see _fini) */
} RChartGeom;

/* Builds the chart into dl (reset first). geom may be NULL; when given it
 * must be zeroed before the first call and released with
 * render_chart_geom_fini. Returns 0, SIM_ERR_INVALID for an empty chart or
 * too many panels, or SIM_ERR_NOMEM. */
int render_chart_build(const RChart *c, const RChartStyle *st, const RTextMetrics *tm,
                       DrawList *dl, RChartGeom *geom);
void render_chart_geom_fini(RChartGeom *g);

/* The point whose x is nearest to (x, y) inside a panel, within a few
 * pixels; -1 if none. */
int render_chart_hit(const RChartGeom *g, int x, int y);

/* ---- Export (chart_export.c, SDL half) ---------------------------------- */

/* Draws the chart with the bundled fonts and writes it atomically as PNG
 * or SVG: nothing is left at path on failure. */
int render_chart_export_png(const RChart *c, const RChartStyle *st, const char *path,
                            SimError *err);
int render_chart_export_svg(const RChart *c, const RChartStyle *st, const char *path,
                            SimError *err);

#endif /* GILSIM_CHART_H */
