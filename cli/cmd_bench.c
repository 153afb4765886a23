/*
 * cmd_bench.c - `gilsim bench`: how fast the simulator is, in figures,
 * all measured in one run on one machine so they can be compared:
 *
 *  1. the cost of an event against the barest heap loop (bench_heap.c)
 *     over the same number of events and the same queue size, as a ratio
 *     of CPU times, on workloads from two threads to ten thousand;
 *  2. CPU time per simulated second for 10 to 100,000 CPU-bound threads,
 *     each 10x in threads printed beside the growth of the events, so a
 *     step that grows with the threads shows as a gap between the two;
 *  3. trace bytes and peak memory per state transition;
 *  4. transitions per second on a large synthetic mix, and the convoy.
 *
 * Speed targets are checked here, never by timed tests: the machines are
 * shared and noisy, so each figure is the median of several runs (ratios
 * are taken run by run, then the median) and the command prints it
 * rather than judging it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "cli.h"

/* A large synthetic workload: mostly I/O-bound threads with one CPU-heavy
 * thread in eight: GIL hand-overs, core contention and I/O in one mix. */
static char *synthetic_scenario(int procs, int threads, int iterations, const char *interval)
{
    char name[96];
    snprintf(name, sizeof(name), "bench: %d processes x %d threads", procs, threads);
    BenchWorkload w = {
        .name = name,
        .process_prefix = "p",
        .thread_prefix = "t",
        .seed = 7,
        .cores = 8,
        .switch_interval = interval,
        .procs = procs,
        .threads = threads,
        .rounds = iterations,
        .cpu_every = 8,
        .cpu_heavy = "{\"cpu\": {\"uniform\": [\"1ms\", \"3ms\"]}}, {\"io\": {\"exp\": \"200us\"}}",
        .io_bound = "{\"io\": {\"exp\": \"500us\"}}, {\"cpu\": {\"uniform\": [\"20us\", \"200us\"]}}",
    };
    return bench_workload_json(&w);
}

/* n CPU-bound threads in one process on 8 cores, the default 5 ms
 * interval: every thread but the holder waits for the GIL and times out. */
static char *cpu_bound_scenario(int threads)
{
    char name[96];
    snprintf(name, sizeof(name), "bench: %d CPU-bound threads", threads);
    BenchWorkload w = {
        .name = name,
        .process_prefix = "p",
        .thread_prefix = "t",
        .seed = 7,
        .cores = 8,
        .procs = 1,
        .threads = threads,
        .rounds = 1,
        .cpu_every = 1,
        .cpu_heavy = "{\"cpu\": \"1000s\"}",
    };
    return bench_workload_json(&w);
}

typedef struct Sample {
    double wall, cpu;       /* of sim_world_run alone, seconds */
    double sim_s;
    uint64_t transitions, records, events;
    double queue_mean;
} Sample;

static int bench_one(const char *name, const char *text, SimTime until, Sample *out)
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
    double t0 = bench_now(), c0 = bench_cpu_now();
    int rc = sim_world_run(w, until);
    double t1 = bench_now(), c1 = bench_cpu_now();
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
    *out = (Sample){t1 - t0, c1 - c0, (double)sim_trace_end(tr) / 1e9, transitions, n, sim_world_events(w),
                    sim_world_queue_mean(w)};
    sim_world_destroy(w);
    sim_scenario_destroy(sc);
    return 0;
}

/* CPU seconds of the bare heap loop over the events and queue size of s. */
static double bare_heap_cpu(const Sample *s)
{
    uint32_t size = s->queue_mean < 1.0 ? 1 : (uint32_t)(s->queue_mean + 0.5);
    /* Little's law: an event waits queue size x the time between events. */
    int64_t delay = s->events ? (int64_t)(s->sim_s * 1e9 / (double)s->events * size) : 1;
    double c0 = bench_cpu_now();
    volatile int64_t sink = bench_bare_heap(s->events, size, delay);
    (void)sink;
    return bench_cpu_now() - c0;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

typedef struct Workload {
    const char *label;
    char *text;
    SimTime until;
} Workload;

/* Section 1: the simulator's CPU per event over the bare heap's, run by run. */
static int cost_per_event(const Workload *wl, int n_wl, int runs, double *ratio, double *ns, double *heap_ns)
{
    printf("cost per event against a bare binary-heap loop (same events, same queue size; CPU time)\n");
    printf("  %-38s %10s %8s %9s %9s %7s\n", "workload", "events", "queue", "ns/event", "heap ns", "ratio");
    for (int k = 0; k < n_wl; k++) {
        Sample s = {0};
        for (int i = 0; i < runs; i++) {
            if (bench_one("bench", wl[k].text, wl[k].until, &s) < 0)
                return -1;
            double heap = bare_heap_cpu(&s);
            ratio[i] = s.cpu / heap;
            ns[i] = s.cpu * 1e9 / (double)s.events;
            heap_ns[i] = heap * 1e9 / (double)s.events;
        }
        printf("  %-38s %10llu %8.0f %9.1f %9.1f %6.2fx\n", wl[k].label, (unsigned long long)s.events,
               s.queue_mean, bench_median(ns, runs), bench_median(heap_ns, runs), bench_median(ratio, runs));
    }
    printf("\n");
    return 0;
}

/* Section 2: CPU per simulated second as the CPU-bound threads grow 10x. */
static int scaling(int runs, double *cpu)
{
    static const int COUNTS[] = {10, 100, 1000, 10000, 100000};
    const int n_counts = (int)(sizeof(COUNTS) / sizeof(COUNTS[0]));
    printf("CPU-bound threads in one process, 8 cores, 5 ms interval, 1 s simulated (CPU time of the run)\n");
    printf("  %7s %11s %10s %8s %8s %9s %9s %9s\n", "threads", "events", "CPU s", "CPU x", "events x",
           "ratio", "trace B/T", "peak B/T");
    double prev_cpu = 0, prev_events = 0;
    for (int k = 0; k < n_counts; k++) {
        char *text = cpu_bound_scenario(COUNTS[k]);
        if (!text)
            return -1;
        /* The largest once: it alone takes seconds. */
        int n = COUNTS[k] >= 100000 ? 1 : runs;
        Sample s = {0};
        for (int i = 0; i < n; i++) {
            if (bench_one("bench", text, 1000000000, &s) < 0) {
                free(text);
                return -1;
            }
            cpu[i] = s.cpu / s.sim_s;
        }
        free(text);
        double c = bench_median(cpu, n), e = (double)s.events / s.sim_s;
        char grow_cpu[16] = "", grow_ev[16] = "", gap[16] = "";
        if (k > 0) {
            snprintf(grow_cpu, sizeof(grow_cpu), "%.1fx", c / prev_cpu);
            snprintf(grow_ev, sizeof(grow_ev), "%.1fx", e / prev_events);
            snprintf(gap, sizeof(gap), "%.2f", (c / prev_cpu) / (e / prev_events));
        }
        printf("  %7d %11.0f %10.4f %8s %8s %9s %9.1f %9.0f%s\n", COUNTS[k], e, c, grow_cpu, grow_ev, gap,
               (double)(s.records * sizeof(SimRecord)) / (double)s.transitions,
               peak_rss_mb() * 1048576.0 / (double)s.transitions, n == 1 && runs > 1 ? "  (one run)" : "");
        prev_cpu = c;
        prev_events = e;
    }
    printf("  (events per simulated second; CPU x and events x: growth over the row above; ratio: the\n"
           "   first over the second, 1.00 when the cost per event does not grow with the threads;\n"
           "   B/T: bytes per state transition, of the trace and of the process's peak memory)\n\n");
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gilsim bench [--runs N]\n\n"
                   "Prints the simulator's speed: its CPU time per event against a bare binary-heap\n"
                   "event loop over the same events and queue size; CPU time per simulated second\n"
                   "for 10 to 100,000 CPU-bound threads; trace and peak memory per transition;\n"
                   "transitions per second on a large synthetic workload and on the convoy. Each\n"
                   "figure is the median of N runs (default 5; the 100,000 threads run once).\n");
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
    int rc = EXIT_RUNTIME;
    double *a = calloc((size_t)runs, sizeof(double)), *b = calloc((size_t)runs, sizeof(double));
    double *c = calloc((size_t)runs, sizeof(double));
    char *synth = synthetic_scenario(32, 8, 2000, NULL);
    Workload wl[] = {
        {"convoy (built-in default scenario)", (char *)cli_default_scenario, SIM_TIME_NEVER},
        {"synthetic: 32 processes x 8 threads", synth, SIM_TIME_NEVER},
        {"4 processes x 50 threads, 100 us, 2 s", synthetic_scenario(4, 50, 2000, "100us"), 2000000000},
        {"1,000 CPU-bound threads, 1 s", cpu_bound_scenario(1000), 1000000000},
        {"10,000 CPU-bound threads, 1 s", cpu_bound_scenario(10000), 1000000000},
    };
    const int n_wl = (int)(sizeof(wl) / sizeof(wl[0]));
    bool ok = a && b && c;
    for (int k = 0; k < n_wl; k++)
        ok &= wl[k].text != NULL;
    if (!ok) {
        fprintf(stderr, "gilsim bench: out of memory\n");
        goto out;
    }
    printf("gilsim %s bench, median of %d runs\n\n", GILSIM_VERSION, runs);
    if (cost_per_event(wl, n_wl, runs, a, b, c) < 0 || scaling(runs, a) < 0)
        goto out;
    Sample s = {0};
    for (int i = 0; i < runs; i++) {
        if (bench_one("bench", synth, SIM_TIME_NEVER, &s) < 0)
            goto out;
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
        if (bench_one(cli_default_scenario_name, cli_default_scenario, SIM_TIME_NEVER, &s) < 0)
            goto out;
        a[i] = s.sim_s / s.wall;
        b[i] = (double)s.transitions / s.wall;
    }
    printf("convoy (built-in default scenario), %.2f s simulated, %llu transitions per run\n", s.sim_s,
           (unsigned long long)s.transitions);
    printf("  simulated seconds per wall second: %10.0f\n", bench_median(a, runs));
    printf("  transitions per second:            %10.0f\n", bench_median(b, runs));
    printf("  trace bytes per transition:        %10.1f\n",
           (double)(s.records * sizeof(SimRecord)) / (double)s.transitions);
    rc = EXIT_OK;
out:
    for (int k = 1; k < n_wl; k++)
        free(wl[k].text);
    free(a);
    free(b);
    free(c);
    return rc;
}
