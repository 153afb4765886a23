/*
 * report.h - the run report of `gilsim run` in its three forms.
 */
#ifndef GILSIM_REPORT_H
#define GILSIM_REPORT_H

#include <stdio.h>

#include <cJSON.h>

#include "cli.h"

/* The report as a JSON object (caller deletes it). */
cJSON *cli_report_json(const CliRun *run, const SimStats *st);
void cli_report_text(FILE *f, const CliRun *run, const SimStats *st);
void cli_report_csv(FILE *f, const CliRun *run, const SimStats *st);
/* Writes s as one CSV field, quoted when it needs to be. */
void cli_csv_field(FILE *f, const char *s);

#endif /* GILSIM_REPORT_H */
