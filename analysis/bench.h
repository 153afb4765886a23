/*
 * bench.h - what gilsim's benchmarks share (`gilsim bench`,
 * tests/bench_trace.c): a synthetic workload of many processes and
 * threads, clocks, the median their figures are, and the bare heap loop
 * the simulator's cost per event is held against.
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
/* CPU seconds this process has used. */
double bench_cpu_now(void);

/* The bare event loop (bench_heap.c): `events` pops and pushes on a
 * binary heap of queue_size events with delays averaging mean_delay.
 * Returns the last event's time, or -1 when out of memory. */
int64_t bench_bare_heap(uint64_t events, uint32_t queue_size, int64_t mean_delay);

/* The median of v[0..n) (n > 0), which it sorts. */
double bench_median(double *v, int n);

#endif /* GILSIM_BENCH_H */
