/*
 * bench.c - the benchmarks' synthetic workload, clock and median
 * (bench.h).
 */
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "strbuf.h"

char *bench_workload_json(const BenchWorkload *w)
{
    StrBuf s = {0};
    strbuf_printf(&s, "{\"name\": \"%s\", \"seed\": %llu, \"machine\": {\"cores\": %d},", w->name,
                  (unsigned long long)w->seed, w->cores);
    if (w->switch_interval)
        strbuf_printf(&s, " \"python\": {\"switch_interval\": \"%s\"},", w->switch_interval);
    strbuf_puts(&s, " \"processes\": [");
    for (int p = 0; p < w->procs; p++) {
        strbuf_printf(&s, "%s{\"name\": \"%s%d\", \"threads\": [", p ? ", " : "",
                      w->process_prefix, p);
        for (int t = 0; t < w->threads; t++)
            strbuf_printf(&s,
                          "%s{\"name\": \"%s%d\", \"program\": [{\"repeat\": %d, \"do\": [%s]}]}",
                          t ? ", " : "", w->thread_prefix, t, w->rounds,
                          w->cpu_every > 0 && t % w->cpu_every == 0 ? w->cpu_heavy : w->io_bound);
        strbuf_puts(&s, "]}");
    }
    strbuf_puts(&s, "]}");
    return strbuf_take(&s, NULL);
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
