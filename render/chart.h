/*
 * chart.h - a chart of figures against one parameter (the model of
 * analysis/chart_model.h, what `gilsim sweep --plot` and `gilsim view
 * --sweep` show) turned into a draw list, and the geometry a click is
 * tested against.
 *
 * chart.c draws with no SDL, measuring text through the same injected
 * callback as the timeline layout, so a test can check the geometry with a
 * fake metric; it also gives the model's colour roles their colours in the
 * chosen theme. chart_export.c (SDL half of the renderer) writes the chart
 * as PNG or SVG.
 *
 * Call order:
 *
 *     const Chart *c = sweep_chart(ch);         // analysis/sweep_chart.h
 *     RChartStyle st = render_chart_style_default();
 *     DrawList dl;  draw_list_init(&dl);
 *     RChartGeom g = {0};
 *     render_chart_build(c, &st, &metrics, &dl, &g);
 *     int point = render_chart_hit(&g, x, y);        // viewer: which x was clicked
 *     int line = render_chart_hit_line(c, &g, point, x, y); // ... on which line
 *     render_chart_geom_fini(&g);  draw_list_free(&dl);
 *
 * Invariant: values that cannot be drawn (NAN, or <= 0 on a log axis) break
 * a line instead of bending it to the edge, and nothing is drawn outside a
 * panel's plot area except labels.
 */
#ifndef GILSIM_CHART_H
#define GILSIM_CHART_H

#include <stdbool.h>

#include "chart_model.h"
#include "draw.h"
#include "layout.h"
#include "sim.h"

/* The colour a model's colour role has in a theme. */
RColor render_chart_color(ChartColor c, RTheme theme);

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
    RRect plot[CHART_MAX_PANELS]; /* each panel's plot area */
    struct {
        double lo, hi;            /* the panel's y axis, in data units */
        bool log;
    } y[CHART_MAX_PANELS];
    int n_x;
    int *px;                      /* [n_x] device x of each point (owned; see _fini) */
} RChartGeom;

/* Builds the chart into dl (reset first). geom may be NULL; when given it
 * must be zeroed before the first call and released with
 * render_chart_geom_fini. Returns 0, SIM_ERR_INVALID for an empty chart or
 * too many panels, or SIM_ERR_NOMEM. */
int render_chart_build(const Chart *c, const RChartStyle *st, const RTextMetrics *tm,
                       DrawList *dl, RChartGeom *geom);
void render_chart_geom_fini(RChartGeom *g);

/* The point whose x is nearest to (x, y) inside a panel, within a few
 * pixels; -1 if none. */
int render_chart_hit(const RChartGeom *g, int x, int y);
/* In the panel under (x, y), the line whose value at point i is nearest to
 * y; -1 if none there has a value. An index into that panel's lines. */
int render_chart_hit_line(const Chart *c, const RChartGeom *g, int i, int x, int y, int *panel);
/* Where line l of panel p shows its value at point i; false if it has none. */
bool render_chart_point_pos(const Chart *c, const RChartGeom *g, int p, int l, int i, int *x,
                            int *y);

/* ---- Export (chart_export.c, SDL half) ---------------------------------- */

/* Draws the chart with the bundled fonts and writes it atomically as PNG
 * or SVG: nothing is left at path on failure. */
int render_chart_export_png(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err);
int render_chart_export_svg(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err);
/* The same picture as bytes in memory (malloc'd into *data), for outputs
 * written together with others (output.h). */
int render_chart_encode(const Chart *c, const RChartStyle *st, bool svg, char **data, size_t *len,
                        SimError *err);

#endif /* GILSIM_CHART_H */
