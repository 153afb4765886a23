/*
 * bench_trace.c - how fast `gilsim trace` writes (a benchmark, not a test).
 *
 * Simulates a synthetic run of about a million transitions (processes of
 * I/O-bound threads beside a CPU-bound one: GIL hand-overs, drop requests,
 * core contention), then exports it again and again:
 *
 *   - Chrome Trace Event JSON into a file (temporary file in $TMPDIR or
 *     /tmp, closed after each run; the page cache, not the disk, as when a
 *     user writes a trace) and into /dev/null (formatting alone);
 *   - the CSV of state intervals, the same two ways.
 *
 * Prints the median MB/s (1 MB = 10^6 bytes) of each and the target beside
 * the Chrome one (>= 50 MB/s). BENCH_TRACE_RUNS overrides the 7 runs;
 * BENCH_TRACE_ITERATIONS the workload's length (1100 rounds per thread).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "trace_export.h"
#include "sim.h"

/* procs processes of threads threads; thread 0 of each is CPU-bound, the
 * others wait on I/O and parse a little, `rounds` times. */
static char *workload(int procs, int threads, int rounds)
{
    BenchWorkload w = {
        .name = "trace export benchmark",
        .process_prefix = "proc",
        .thread_prefix = "worker-",
        .seed = 11,
        .cores = 4,
        .switch_interval = "1ms",
        .procs = procs,
        .threads = threads,
        .rounds = rounds,
        .cpu_every = threads,
        .cpu_heavy = "{\"cpu\": {\"uniform\": [\"2ms\", \"6ms\"]}}, {\"io\": \"100us\"}",
        .io_bound = "{\"io\": {\"exp\": \"400us\"}}, {\"cpu\": {\"uniform\": [\"10us\", \"100us\"]}}",
    };
    return bench_workload_json(&w);
}

typedef int (*Writer)(const SimTrace *, FILE *, TraceExportStats *);

/* Median MB/s of `runs` exports into path; *bytes gets the output size. */
static double measure(Writer w, const SimTrace *tr, const char *path, int runs, uint64_t *bytes)
{
    double *mbs = calloc((size_t)runs, sizeof(double));
    if (!mbs)
        return -1;
    for (int i = 0; i < runs; i++) {
        double a = bench_now();
        FILE *f = fopen(path, "wb");
        TraceExportStats st = {0};
        if (!f || w(tr, f, &st) != SIM_OK) {
            if (f)
                fclose(f);
            free(mbs);
            return -1;
        }
        if (fclose(f) != 0) {
            free(mbs);
            return -1;
        }
        double b = bench_now();
        mbs[i] = (double)st.bytes / 1e6 / (b - a);
        *bytes = st.bytes;
    }
    double med = bench_median(mbs, runs);
    free(mbs);
    return med;
}

int main(void)
{
    int runs = 7, rounds = 1100;
    const char *env = getenv("BENCH_TRACE_RUNS");
    if (env && atoi(env) > 0)
        runs = atoi(env);
    env = getenv("BENCH_TRACE_ITERATIONS");
    if (env && atoi(env) > 0)
        rounds = atoi(env);

    char *text = workload(16, 16, rounds);
    SimScenario *sc = NULL;
    SimError err;
    if (!text || sim_scenario_load_text("bench", text, strlen(text), NULL, 0, &sc, &err) < 0) {
        fprintf(stderr, "bench_trace: %s\n", text ? err.msg : "out of memory");
        return 1;
    }
    SimWorld *w = sim_world_create(sc, &err);
    if (!w) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 1;
    }
    double t0 = bench_now();
    if (sim_world_run(w, SIM_TIME_NEVER) < 0) {
        fprintf(stderr, "bench_trace: the simulation failed\n");
        return 1;
    }
    double t1 = bench_now();
    const SimTrace *tr = sim_world_trace(w);
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr), transitions = 0;
    for (size_t i = 0; i < n; i++)
        transitions += r[i].kind == SIM_REC_STATE;
    printf("gilsim trace export benchmark, median of %d runs\n", runs);
    printf("run: 16 processes x 16 threads on 4 cores, %.2f s simulated in %.2f s wall\n",
           (double)sim_trace_end(tr) / 1e9, t1 - t0);
    printf("     %zu transitions, %zu trace records\n\n", transitions, n);

    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/gilsim-bench-trace-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("bench_trace: mkstemp");
        return 1;
    }
    close(fd);
    static const struct {
        const char *name;
        Writer w;
        double target;
    } formats[] = {
        {"Chrome JSON", trace_export_chrome, 50},
        {"CSV", trace_export_csv, 0},
    };
    int rc = 0;
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        uint64_t bytes = 0;
        double file = measure(formats[k].w, tr, path, runs, &bytes);
        double null = measure(formats[k].w, tr, "/dev/null", runs, &bytes);
        if (file < 0 || null < 0) {
            fprintf(stderr, "bench_trace: writing the %s export failed\n", formats[k].name);
            rc = 1;
            break;
        }
        printf("%s: %.1f MB (%.0f bytes per transition)\n", formats[k].name, (double)bytes / 1e6,
               (double)bytes / (double)(transitions ? transitions : 1));
        printf("  into a file:       %8.0f MB/s", file);
        if (formats[k].target > 0)
            printf("   (target: >= %.0f MB/s: %s)", formats[k].target,
                   file >= formats[k].target ? "met" : "NOT MET");
        printf("\n  into /dev/null:    %8.0f MB/s\n", null);
    }
    unlink(path);
    sim_world_destroy(w);
    sim_scenario_destroy(sc);
    free(text);
    return rc;
}
