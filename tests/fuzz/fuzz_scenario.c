/*
 * fuzz_scenario.c - libFuzzer harness: bytes as a scenario, loaded, run
 * within small bounds, then reported and exported, with the report's
 * invariants checked. Built by `make fuzz` (clang, ASan+UBSan,
 * SIM_CHECK_INVARIANTS, so the engine's own checks run after every event).
 *
 * Input: optional leading lines "#set KEY=VALUE" (applied as --set
 * overrides, so the fuzzer reaches overrides too), then the scenario's
 * JSON. Every input must end: loading refuses or accepts, and a run ends
 * done, deadlocked, at its time bound, out of budget, or with a located
 * error. Anything else (a crash, a sanitizer report, a broken invariant,
 * a hang) is a bug; its input goes to tests/fuzz/regressions/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "run.h"
#include "run_report.h"
#include "sim.h"
#include "trace_export.h"

#define MAX_SETS 8

/* Aborts (a finding) when the report contradicts itself. */
static void check_report(const SimStats *st)
{
    for (int i = 0; i < st->n_threads; i++) {
        const SimThreadStats *ts = &st->threads[i];
        SimTime sum = 0;
        for (int r = 0; r < SIM_REASON_COUNT; r++) {
            if (ts->state_ns[r] < 0)
                abort();
            sum += ts->state_ns[r];
        }
        if (ts->running_ns + ts->runnable_ns + ts->blocked_ns != sum)
            abort();
        if (ts->started_ns >= 0) {
            SimTime end = ts->finished_ns >= 0 ? ts->finished_ns : st->sim_time_ns;
            if (sum != end - ts->started_ns)
                abort(); /* state times must tile the thread's life */
        }
        if (ts->io.count && (ts->io.p50 > ts->io.max || ts->io.p99 > ts->io.max))
            abort();
    }
    for (int g = 0; g < st->n_gils; g++) {
        const SimGilStats *gs = &st->gils[g];
        if (gs->switches > gs->acquisitions || gs->held_ns < 0 || gs->held_ns > st->sim_time_ns)
            abort();
    }
    for (int o = 0; o < st->n_objects; o++) {
        const SimObjectStats *os = &st->objects[o];
        if (os->contended > os->acquisitions || (os->wait.count && os->wait.p50 > os->wait.max))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char *sets[MAX_SETS];
    int n_sets = 0;
    /* Leading "#set K=V" lines. */
    while (size > 5 && memcmp(text, "#set ", 5) == 0 && n_sets < MAX_SETS) {
        const char *nl = memchr(text, '\n', size);
        if (!nl)
            break;
        size_t l = (size_t)(nl - text) - 5;
        if (!(sets[n_sets] = malloc(l + 1)))
            break;
        memcpy(sets[n_sets], text + 5, l);
        sets[n_sets][l] = '\0';
        if (strlen(sets[n_sets]) != l) { /* a NUL inside: not a C string */
            free(sets[n_sets]);
            break;
        }
        n_sets++;
        size -= (size_t)(nl + 1 - text);
        text = nl + 1;
    }

    SimScenario *sc = NULL;
    SimError err;
    if (sim_scenario_load_text("fuzz.json", text, size, (const char *const *)sets, n_sets, &sc, &err) < 0)
        goto out;
    SimWorld *w = sim_world_create(sc, &err);
    if (!w)
        goto out;
    /* Small bounds keep each input quick; the bounds themselves are the
     * feature under test. */
    sim_world_set_max_records(w, 100000);
    sim_world_set_max_steps(w, 1000000);
    sim_world_set_steps_per_instant(w, 20000);
    int rc = sim_world_run(w, 2000000000);
    if (rc < 0) {
        sim_world_error(w, &err); /* locates the op: loads the text again */
        if (err.msg[0] == '\0')
            abort();
        sim_world_destroy(w);
        goto out;
    }
    RunResult run = {sc, sim_world_take_trace(w), rc, sim_world_events(w)};
    sim_world_destroy(w);
    sc = NULL; /* the RunResult owns it */
    SimStats *st = sim_stats_compute(run.trace);
    if (st) {
        check_report(st);
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            cJSON *rep = run_report_json(&run, st);
            char *json = rep ? cJSON_PrintUnformatted(rep) : NULL;
            if (json)
                fputs(json, devnull);
            free(json);
            cJSON_Delete(rep);
            run_report_text(devnull, &run, st);
            TraceExportStats ts = {.max_bytes = 1 << 24};
            trace_export_chrome(run.trace, devnull, &ts);
            trace_export_csv(run.trace, devnull, &ts);
            fclose(devnull);
        }
        sim_stats_destroy(st);
    }
    run_result_fini(&run);
out:
    sim_scenario_destroy(sc);
    for (int i = 0; i < n_sets; i++)
        free(sets[i]);
    return 0;
}
