/*
 * chart_model.h - what a chart of figures against one parameter shows, as
 * plain data: a stack of panels sharing one x axis, each with its own y
 * axis and legend, every line a median with an optional min-max band, plus
 * a title, a marked x value and a provenance caption.
 *
 * The model says what to show and nothing about pixels: colours are
 * roles (a series, a thread state, the dim ink), which the renderer
 * (render/chart.c) turns into a theme's colours when it draws. A sweep's
 * chart is built by sweep_chart_create (sweep_chart.h), from a sweep that
 * ran or from its CSV alike.
 *
 * Invariant: every array has n_x entries, and a value that cannot be shown
 * is NAN (a line breaks there instead of bending).
 */
#ifndef GILSIM_CHART_MODEL_H
#define GILSIM_CHART_MODEL_H

#include <stdbool.h>

#define CHART_MAX_PANELS 8

typedef enum ChartScale {
    CHART_SCALE_AUTO = 0, /* log when every value is > 0 and they span over 20x */
    CHART_SCALE_LINEAR,
    CHART_SCALE_LOG,
} ChartScale;

typedef enum ChartXKind {
    CHART_X_NUMBER = 0,   /* plain numbers */
    CHART_X_DURATION,     /* nanoseconds, ticks read "100 µs", "5 ms" */
    CHART_X_CATEGORY,     /* evenly spaced, labelled with x_labels */
} ChartXKind;

/* The colour of a line, by role. */
typedef enum ChartInk {
    CHART_INK_SERIES = 0, /* the index-th of the distinct series colours */
    CHART_INK_STATE,      /* the colour of thread state (SimReason) index */
    CHART_INK_DIM,        /* the page's dim text colour */
} ChartInk;

typedef struct ChartColor {
    ChartInk ink;
    int index;
} ChartColor;

typedef struct ChartLine {
    const char *label;    /* legend text */
    ChartColor color;
    bool dashed;
    const double *y;      /* [n_x] the line (medians); NAN: no value */
    const double *lo;     /* [n_x] band bottom and top (min and max over runs); */
    const double *hi;     /*       NULL: no band */
    int series;           /* which series the line belongs to (Chart.points) */
} ChartLine;

typedef struct ChartPanel {
    const char *title;    /* above the panel, e.g. "I/O latency (ms)" */
    ChartScale y_scale;
    bool y_zero;          /* a linear axis starts at zero */
    const ChartLine *lines;
    int n_lines;
    double y_max;         /* > 0: a linear axis ends here when the data allow (100 for %) */
} ChartPanel;

typedef struct Chart {
    const char *title;
    const char *subtitle;  /* one line under the title; NULL: none */
    const char *caption;   /* provenance, broken at its " · " separators */
    const char *x_label;   /* under the x axis */
    ChartXKind x_kind;
    bool x_log;
    int n_x;
    const double *x;       /* [n_x] increasing positions (ignored for categories) */
    const char *const *x_labels; /* [n_x] category names (CHART_X_CATEGORY) */
    double x_mark;         /* a value marked by a dashed rule across the panels; NAN: none */
    const char *x_mark_label;
    const ChartPanel *panels;
    int n_panels;          /* 1 .. CHART_MAX_PANELS */
    /* Where each value was measured, for a click to open it: points[s *
     * n_x + i] is the sweep point of series s at x i, point_labels[s * n_x
     * + i] says which it is ("switch_interval=5ms · cores=2"). NULL: not a
     * sweep. */
    int n_series;
    const int *points;
    const char *const *point_labels;
} Chart;

#endif /* GILSIM_CHART_MODEL_H */
