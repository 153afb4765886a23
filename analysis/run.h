/*
 * run.h - a finished simulation as the analyses read it: the scenario
 * that ran, its trace, how the run ended and how many events it took.
 *
 * Call order:
 *
 *     SimScenario *sc;  sim_scenario_load_file(path, sets, n, &sc, &err);
 *     RunResult run;
 *     if (run_result_simulate(sc, SIM_TIME_NEVER, &run, &err) < 0) report(err.msg);
 *     ... run.trace, run.outcome ...
 *     run_result_fini(&run);
 */
#ifndef GILSIM_RUN_H
#define GILSIM_RUN_H

#include <stdint.h>

#include "sim.h"

typedef struct RunResult {
    SimScenario *sc;   /* owned */
    SimTrace *trace;   /* owned */
    int outcome;       /* SIM_RUN_* */
    uint64_t events;   /* events the simulator dispatched */
} RunResult;

/* Runs sc to its end, or until simulated time `until` (SIM_TIME_NEVER: no
 * limit). sc is owned by the result from the call on; on failure it is
 * destroyed, *out is zeroed and the negative SIM_ERR_* is returned with
 * err filled. */
int run_result_simulate(SimScenario *sc, SimTime until, RunResult *out, SimError *err);
/* The same with a trace budget of max_records (sim_world_set_max_records;
 * RUN_DEFAULT_RECORDS: the machine's default). A run that cannot go on
 * fails with sim_world_run's code and sim_world_error's message:
 * SIM_ERR_RUN (time stopped advancing), SIM_ERR_BUDGET, SIM_ERR_NOMEM. */
#define RUN_DEFAULT_RECORDS UINT64_MAX
int run_result_simulate_bounded(SimScenario *sc, SimTime until, uint64_t max_records, RunResult *out,
                                SimError *err);
/* Destroys the trace and the scenario; the result is zeroed. */
void run_result_fini(RunResult *run);

/* "done", "deadlock", "until"; "unknown" for anything else. */
const char *run_outcome_name(int outcome);

#endif /* GILSIM_RUN_H */
