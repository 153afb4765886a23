/*
 * run_report.h - the report of a run in its three forms: the text table
 * `gilsim run` prints, one JSON object (--json) and a CSV of per-thread
 * statistics (--csv), all computed from the trace by sim_stats.
 */
#ifndef GILSIM_RUN_REPORT_H
#define GILSIM_RUN_REPORT_H

#include <stdio.h>

#include <cJSON.h>

#include "run.h"

/* The scenario's lesson with this run's figures filled in ("{io.ops_per_s}"
 * becomes "164"); malloc'd, NULL when out of memory. */
char *run_report_lesson(const RunResult *run, const SimStats *st);

/* The report as a JSON object (the caller deletes it); NULL when out of
 * memory. */
cJSON *run_report_json(const RunResult *run, const SimStats *st);
void run_report_text(FILE *f, const RunResult *run, const SimStats *st);
/* Returns 0, or SIM_ERR_NOMEM when the CSV could not be built (nothing
 * is written then). */
int run_report_csv(FILE *f, const RunResult *run, const SimStats *st);

#endif /* GILSIM_RUN_REPORT_H */
