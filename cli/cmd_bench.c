/*
 * cmd_bench.c - `gilsim bench`: how fast the simulator is, in figures.
 *
 * Speed targets are checked here, never by timed tests: the machines are
 * shared and noisy, so each figure is the median of several runs and the
 * command prints it rather than judging it.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"

/* A large synthetic workload: mostly I/O-bound threads with one CPU-heavy
 * thread in eight: GIL hand-overs, core contention and I/O in one mix. */
static char *synthetic_scenario(int procs, int threads, int iterations)
{
    char name[96];
    snprintf(name, sizeof(name), "bench: %d processes x %d threads", procs, threads);
    BenchWorkload w = {
        .name = name,
        .process_prefix = "p",
        .thread_prefix = "t",
        .seed = 7,
        .cores = 8,
        .procs = procs,
        .threads = threads,
        .rounds = iterations,
        .cpu_every = 8,
        .cpu_heavy = "{\"cpu\": {\"uniform\": [\"1ms\", \"3ms\"]}}, {\"io\": {\"exp\": \"200us\"}}",
        .io_bound = "{\"io\": {\"exp\": \"500us\"}}, {\"cpu\": {\"uniform\": [\"20us\", \"200us\"]}}",
    };
    return bench_workload_json(&w);
}

typedef struct Sample {
    double wall;
    double sim_s;
    uint64_t transitions, records, events;
} Sample;

static int bench_one(const char *name, const char *text, Sample *out)
{
    SimScenario *sc = NULL;
    SimError err;
    if (sim_scenario_load_text(name, text, strlen(text), NULL, 0, &sc, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    SimWorld *w = sim_world_create(sc, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        sim_scenario_destroy(sc);
        return -1;
    }
    double t0 = bench_now();
    int rc = sim_world_run(w, SIM_TIME_NEVER);
    double t1 = bench_now();
    if (rc < 0) {
        fprintf(stderr, "gilsim bench: simulation failed (%d)\n", rc);
        sim_world_destroy(w);
        sim_scenario_destroy(sc);
        return -1;
    }
    const SimTrace *tr = sim_world_trace(w);
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    uint64_t transitions = 0;
    for (size_t i = 0; i < n; i++)
        transitions += r[i].kind == SIM_REC_STATE;
    *out = (Sample){t1 - t0, (double)sim_trace_end(tr) / 1e9, transitions, n, sim_world_events(w)};
    sim_world_destroy(w);
    sim_scenario_destroy(sc);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gilsim bench [--runs N]\n\n"
                   "Prints the simulator's speed: recorded transitions per second on a large\n"
                   "synthetic workload, simulated seconds per wall second on the convoy scenario,\n"
                   "and trace bytes per transition. Each figure is the median of N runs (default 5).\n");
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > 1000) {
                fprintf(stderr, "gilsim bench: --runs takes a number from 1 to 1000\n");
                return EXIT_USAGE;
            }
            continue;
        }
        fprintf(stderr, "gilsim bench: unknown option '%s'\n", argv[i]);
        return EXIT_USAGE;
    }
    double *a = calloc((size_t)runs, sizeof(double)), *b = calloc((size_t)runs, sizeof(double));
    char *synth = synthetic_scenario(32, 8, 2000);
    if (!a || !b || !synth) {
        fprintf(stderr, "gilsim bench: out of memory\n");
        free(a);
        free(b);
        free(synth);
        return EXIT_RUNTIME;
    }
    Sample s = {0};
    printf("gilsim %s bench, median of %d runs\n\n", GILSIM_VERSION, runs);
    for (int i = 0; i < runs; i++) {
        if (bench_one("bench", synth, &s) < 0)
            goto fail;
        a[i] = (double)s.transitions / s.wall;
        b[i] = (double)s.records / s.wall;
    }
    printf("synthetic: 32 processes x 8 threads on 8 cores, %.2f s simulated\n", s.sim_s);
    printf("  %llu transitions, %llu trace records, %llu events per run\n", (unsigned long long)s.transitions,
           (unsigned long long)s.records, (unsigned long long)s.events);
    printf("  transitions per second:      %12.0f\n", bench_median(a, runs));
    printf("  trace records per second:    %12.0f\n", bench_median(b, runs));
    printf("  trace bytes per record:      %12zu\n", sizeof(SimRecord));
    printf("  trace bytes per transition:  %12.1f  (GIL marks included)\n\n",
           (double)(s.records * sizeof(SimRecord)) / (double)s.transitions);
    for (int i = 0; i < runs; i++) {
        if (bench_one(cli_default_scenario_name, cli_default_scenario, &s) < 0)
            goto fail;
        a[i] = s.sim_s / s.wall;
        b[i] = (double)s.transitions / s.wall;
    }
    printf("convoy (built-in default scenario), %.2f s simulated, %llu transitions per run\n", s.sim_s,
           (unsigned long long)s.transitions);
    printf("  simulated seconds per wall second: %10.0f\n", bench_median(a, runs));
    printf("  transitions per second:            %10.0f\n", bench_median(b, runs));
    free(a);
    free(b);
    free(synth);
    return EXIT_OK;
fail:
    free(a);
    free(b);
    free(synth);
    return EXIT_RUNTIME;
}
