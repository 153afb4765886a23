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
#include <time.h>
#include <unistd.h>

#include "trace_export.h"
#include "sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* procs processes of threads threads; thread 0 of each is CPU-bound, the
 * others wait on I/O and parse a little, `rounds` times. */
static char *workload(int procs, int threads, int rounds)
{
    size_t cap = 1024 + (size_t)procs * (size_t)threads * 256;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t n = (size_t)snprintf(s, cap,
                                "{\"name\": \"trace export benchmark\", \"seed\": 11,"
                                " \"machine\": {\"cores\": 4}, \"python\": {\"switch_interval\": \"1ms\"},"
                                " \"processes\": [");
    for (int p = 0; p < procs; p++) {
        n += (size_t)snprintf(s + n, cap - n, "%s{\"name\": \"proc%d\", \"threads\": [", p ? ", " : "", p);
        for (int t = 0; t < threads; t++) {
            const char *body = t == 0 ? "{\"cpu\": {\"uniform\": [\"2ms\", \"6ms\"]}}, {\"io\": \"100us\"}"
                                      : "{\"io\": {\"exp\": \"400us\"}}, {\"cpu\": {\"uniform\": [\"10us\", \"100us\"]}}";
            n += (size_t)snprintf(s + n, cap - n,
                                  "%s{\"name\": \"worker-%d\", \"program\": [{\"repeat\": %d, \"do\": [%s]}]}",
                                  t ? ", " : "", t, rounds, body);
        }
        n += (size_t)snprintf(s + n, cap - n, "]}");
    }
    snprintf(s + n, cap - n, "]}");
    return s;
}

typedef int (*Writer)(const SimTrace *, FILE *, TraceExportStats *);

/* Median MB/s of `runs` exports into path; *bytes gets the output size. */
static double measure(Writer w, const SimTrace *tr, const char *path, int runs, uint64_t *bytes)
{
    double *mbs = calloc((size_t)runs, sizeof(double));
    if (!mbs)
        return -1;
    for (int i = 0; i < runs; i++) {
        double a = now_s();
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
        double b = now_s();
        mbs[i] = (double)st.bytes / 1e6 / (b - a);
        *bytes = st.bytes;
    }
    qsort(mbs, (size_t)runs, sizeof(double), cmp_double);
    double med = runs % 2 ? mbs[runs / 2] : (mbs[runs / 2 - 1] + mbs[runs / 2]) / 2;
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
    double t0 = now_s();
    if (sim_world_run(w, SIM_TIME_NEVER) < 0) {
        fprintf(stderr, "bench_trace: the simulation failed\n");
        return 1;
    }
    double t1 = now_s();
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
