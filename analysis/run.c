/*
 * run.c - one scenario simulated from start to end into a RunResult.
 *
 * Invariant: a RunResult is either zeroed or holds a scenario and the
 * complete trace of running it.
 */
#include <string.h>

#include "run.h"

int run_result_simulate(SimScenario *sc, SimTime until, RunResult *out, SimError *err)
{
    return run_result_simulate_bounded(sc, until, RUN_DEFAULT_RECORDS, out, err);
}

int run_result_simulate_bounded(SimScenario *sc, SimTime until, uint64_t max_records, RunResult *out,
                                SimError *err)
{
    memset(out, 0, sizeof(*out));
    out->sc = sc;
    SimWorld *w = sim_world_create(sc, err);
    if (!w) {
        run_result_fini(out);
        return err && err->code < 0 ? err->code : SIM_ERR_NOMEM;
    }
    if (max_records != RUN_DEFAULT_RECORDS)
        sim_world_set_max_records(w, max_records);
    int rc = sim_world_run(w, until);
    if (rc < 0) {
        sim_world_error(w, err);
        sim_world_destroy(w);
        run_result_fini(out);
        return rc;
    }
    out->outcome = rc;
    out->events = sim_world_events(w);
    out->trace = sim_world_take_trace(w);
    sim_world_destroy(w);
    return SIM_OK;
}

void run_result_fini(RunResult *run)
{
    sim_trace_destroy(run->trace);
    sim_scenario_destroy(run->sc);
    memset(run, 0, sizeof(*run));
}

const char *run_outcome_name(int outcome)
{
    switch (outcome) {
    case SIM_RUN_DONE: return "done";
    case SIM_RUN_DEADLOCK: return "deadlock";
    case SIM_RUN_UNTIL: return "until";
    default: return "unknown";
    }
}
