/*
 * bench.h - what gilsim's benchmarks share (`gilsim bench`,
 * tests/bench_trace.c): a synthetic workload of many processes and
 * threads, a monotonic clock and the median their figures are.
 *
 * Figures are printed, never judged by a test: the machines are shared and
 * noisy, so each is the median of several runs.
 */
#ifndef GILSIM_BENCH_H
#define GILSIM_BENCH_H

#include <stdint.h>

/*
 * procs processes of threads threads each; every thread repeats its two
 * operations `rounds` times. Thread t is CPU-heavy when t % cpu_every ==
 * 0, the others I/O-bound, which mixes GIL hand-overs, drop requests,
 * core contention and I/O in one run.
 */
typedef struct BenchWorkload {
    const char *name;            /* the scenario's name */
    const char *process_prefix;  /* processes are named PREFIX0, PREFIX1, ... */
    const char *thread_prefix;   /* threads likewise, in each process */
    uint64_t seed;
    int cores;
    const char *switch_interval; /* "1ms"; NULL: the default */
    int procs, threads, rounds;
    int cpu_every;
    const char *cpu_heavy;       /* the CPU-heavy threads' two operations, as JSON */
    const char *io_bound;        /* the I/O-bound threads' */
} BenchWorkload;

/* The workload as scenario JSON (malloc'd), or NULL when out of memory. */
char *bench_workload_json(const BenchWorkload *w);

/* Seconds on the monotonic clock. */
double bench_now(void);

/* The median of v[0..n) (n > 0), which it sorts. */
double bench_median(double *v, int n);

#endif /* GILSIM_BENCH_H */
