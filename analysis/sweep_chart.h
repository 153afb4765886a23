/*
 * sweep_chart.h - the chart of a sweep: which figures become panels, which
 * swept key runs along x, and the chart model (chart_model.h) built from a
 * SweepResult, whether it ran or was read from its CSV.
 *
 * Call order:
 *
 *     SweepChartOpts o = {.metrics = NULL, .x_key = -1};
 *     SweepChart *ch = sweep_chart_create(result, &o, &err);
 *     render_chart_export_svg(sweep_chart(ch), &style, path, &err);  // render/chart.h
 *     sweep_chart_destroy(ch);
 */
#ifndef GILSIM_SWEEP_CHART_H
#define GILSIM_SWEEP_CHART_H

#include <stddef.h>

#include "chart_model.h"
#include "sweep.h"

/* Panels a chart can show, for --metrics. */
#define SWEEP_METRICS "latency,ops,switches,forced,failed,idle,throughput,makespan"
#define SWEEP_METRICS_DEFAULT "latency,switches,throughput"

/* Checks a --metrics list; 0 or -1 with why filled. */
int sweep_metrics_check(const char *list, char *why, size_t n);

typedef struct SweepChartOpts {
    const char *metrics;   /* comma-separated panel names; NULL: the default */
    int x_key;             /* index of the swept key along x; -1: the first range */
} SweepChartOpts;

typedef struct SweepChart SweepChart;

/* The chart of a sweep (arrays owned by the SweepChart; r must outlive it).
 * NULL with err set when out of memory or when no panel has data. */
SweepChart *sweep_chart_create(const SweepResult *r, const SweepChartOpts *opt, SimError *err);
const Chart *sweep_chart(const SweepChart *ch);
void sweep_chart_destroy(SweepChart *ch);

#endif /* GILSIM_SWEEP_CHART_H */
