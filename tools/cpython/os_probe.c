/*
 * os_probe.c - the operating system's part of a GIL hand-over, measured on
 * this machine: the pieces gilsim's machine.* wake-up parameters stand for,
 * each timed alone.
 *
 *   timer slack        how late a 1 ms clock_nanosleep and a 1 ms
 *                      pthread_cond_timedwait return (the kernel lets a
 *                      timer fire up to the thread's timer slack late)
 *   idle wake          from pthread_cond_signal until the waiter runs, when
 *                      the waiter has been blocked 5 ms (its CPU idle)
 *   recent wake        the same after 20 us, 100 us and 500 us blocked
 *   enter window       a waiter calls pthread_cond_wait at T; the signal
 *                      comes at T + d. Up to some d the waiter has not yet
 *                      blocked in the kernel and takes the signal at once;
 *                      after it, it sleeps and pays a wake-up. Printed: the
 *                      share of fast returns for d from 0 to 20 us.
 *   sleep(0)           clock_nanosleep to a deadline already past, as
 *                      CPython 3.11+ does for time.sleep(0)
 *   steal share        take_gil's race, alone: one thread has slept 1 ms
 *                      on the condition variable (an I/O thread waiting
 *                      for the GIL); another sets a flag (the drop
 *                      request) under the mutex and waits again; a third,
 *                      polling the flag every ~50 ns as bytecode polls the
 *                      eval breaker, locks, signals and unlocks as
 *                      drop_gil does. Printed: the share of rounds the
 *                      flag's setter takes the signal before the sleeper
 *                      (machine.cond_steal)
 *
 * Build and run:  cc -O2 -pthread tools/cpython/os_probe.c -o /tmp/os_probe && /tmp/os_probe
 * Prints one JSON object; medians and 10th/90th percentiles in microseconds.
 * Run it on a quiet machine (the load average is printed): another busy
 * process makes idle CPUs busy and every figure wrong.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void spin_until(double t)
{
    while (now_us() < t) {
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_stats(const char *name, double *v, int n, int last)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    printf("  \"%s\": {\"p10\": %.1f, \"p50\": %.1f, \"p90\": %.1f, \"n\": %d}%s\n", name, v[n / 10], v[n / 2],
           v[n * 9 / 10], n, last ? "" : ",");
}

/* ---- A waiter thread and its signaller --------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int token;                 /* the predicate, under mu */
static _Atomic double t_waiting;  /* when the waiter called wait */
static _Atomic double t_returned; /* when it came back */
static _Atomic int round_no, done_no;

static void *waiter(void *arg)
{
    (void)arg;
    for (int r = 1;; r++) {
        while (atomic_load(&round_no) >= 0 && atomic_load(&round_no) < r) {
        }
        if (atomic_load(&round_no) < 0)
            return NULL;
        pthread_mutex_lock(&mu);
        atomic_store(&t_waiting, now_us());
        while (!token)
            pthread_cond_wait(&cv, &mu);
        token = 0;
        pthread_mutex_unlock(&mu);
        atomic_store(&t_returned, now_us());
        atomic_store(&done_no, r);
    }
}

/* One round: the waiter starts waiting; `delay` us later the signal. Returns
 * the time from the signal to the waiter's return. */
static double one_round(int r, double delay)
{
    atomic_store(&t_waiting, 0);
    atomic_store(&round_no, r);
    while (atomic_load(&t_waiting) == 0) {
    }
    double go = atomic_load(&t_waiting) + delay;
    if (delay > 200) {
        struct timespec ts = {0, (long)((delay - 100) * 1000)};
        nanosleep(&ts, NULL);
    }
    spin_until(go);
    pthread_mutex_lock(&mu);
    token = 1;
    double t_signal = now_us();
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    while (atomic_load(&done_no) < r) {
    }
    return atomic_load(&t_returned) - t_signal;
}

/* ---- take_gil's race: the drop request's setter against a sleeper ------- */

static _Atomic int request;     /* the drop request, set under mu */
static _Atomic int holder_stop; /* ends the holder's loop */
static _Atomic int sleeper_go, sleeper_in, sleeper_won;

/* The GIL's holder: bytecode that polls the eval breaker every ~50 ns;
 * on a request, drop_gil (lock, signal, unlock). */
static void *holder(void *arg)
{
    (void)arg;
    volatile unsigned sink = 0;
    while (!atomic_load_explicit(&holder_stop, memory_order_relaxed)) {
        for (int i = 0; i < 20; i++)
            sink += (unsigned)i;
        if (!atomic_load_explicit(&request, memory_order_relaxed))
            continue;
        pthread_mutex_lock(&mu);
        atomic_store(&request, 0);
        token = 1;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

/* Waits under mu until a token is there, and takes it. */
static void wait_token(void)
{
    while (!token)
        pthread_cond_wait(&cv, &mu);
    token = 0;
}

/* The I/O thread: asleep on the condition variable well before the
 * request, as one that waits for the GIL after a sleep. */
static void *sleeper(void *arg)
{
    (void)arg;
    for (int r = 1;; r++) {
        while (atomic_load(&sleeper_go) >= 0 && atomic_load(&sleeper_go) < r) {
        }
        if (atomic_load(&sleeper_go) < 0)
            return NULL;
        pthread_mutex_lock(&mu);
        atomic_store(&sleeper_in, r);
        wait_token();
        if (!atomic_load(&sleeper_won)) {
            /* first back: it won; release the requester, still waiting */
            atomic_store(&sleeper_won, 1);
            token = 1;
            pthread_cond_signal(&cv);
        }
        pthread_mutex_unlock(&mu);
        atomic_store(&sleeper_in, 0);
    }
}

/* One round: the sleeper waits 1 ms, then the requester (this thread) sets
 * the request under the mutex and waits; whoever returns first won. */
static int steal_round(int r)
{
    atomic_store(&sleeper_won, 0);
    atomic_store(&sleeper_go, r);
    while (atomic_load(&sleeper_in) != r) {
    }
    pthread_mutex_lock(&mu); /* the sleeper is in its wait */
    pthread_mutex_unlock(&mu);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&mu);
    atomic_store(&request, 1);
    wait_token();
    int stolen = !atomic_load(&sleeper_won);
    if (stolen) { /* release the sleeper */
        atomic_store(&sleeper_won, 1);
        token = 1;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&mu);
    while (atomic_load(&sleeper_in) == r) {
    }
    return stolen;
}

int main(void)
{
    double loadavg[3] = {0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &loadavg[0], &loadavg[1], &loadavg[2]) != 3)
            loadavg[0] = -1;
        fclose(f);
    }
    printf("{\n  \"loadavg\": [%.2f, %.2f, %.2f],\n", loadavg[0], loadavg[1], loadavg[2]);

    enum { N = 200 };
    static double v[N];
    /* Timer slack. */
    for (int i = 0; i < N; i++) {
        double t0 = now_us();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        v[i] = now_us() - t0 - 1000;
    }
    print_stats("sleep_1ms_late_us", v, N, 0);
    for (int i = 0; i < N; i++) {
        pthread_mutex_lock(&mu);
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 1000000;
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
        double t0 = now_us();
        pthread_cond_timedwait(&cv, &mu, &dl);
        v[i] = now_us() - t0 - 1000;
        pthread_mutex_unlock(&mu);
    }
    print_stats("condwait_1ms_late_us", v, N, 0);
    /* sleep(0) as 3.11+ does it: an absolute deadline already past. */
    for (int i = 0; i < N; i++) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        double t0 = now_us();
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
        v[i] = now_us() - t0;
    }
    print_stats("sleep0_us", v, N, 0);

    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    int r = 0;
    static const double blocked[] = {5000, 500, 100, 20};
    static const char *const names[] = {"wake_after_5ms_us", "wake_after_500us_us", "wake_after_100us_us",
                                        "wake_after_20us_us"};
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < N; i++)
            v[i] = one_round(++r, blocked[k]);
        print_stats(names[k], v, N, 0);
    }
    /* The window in which a waiter that is entering its wait takes a signal
     * without sleeping: a return within 3 us of the signal is fast. */
    printf("  \"fast_return_share_by_delay_us\": {");
    for (int d = 0; d <= 20; d += (d < 6 ? 1 : 2)) {
        int fast = 0;
        for (int i = 0; i < N; i++)
            fast += one_round(++r, d) < 3.0;
        printf("%s\"%d\": %.2f", d ? ", " : "", d, (double)fast / N);
    }
    printf("},\n");
    atomic_store(&round_no, -1);
    pthread_join(th, NULL);

    enum { M = 1000 };
    pthread_t h, c;
    pthread_create(&h, NULL, holder, NULL);
    pthread_create(&c, NULL, sleeper, NULL);
    int stolen = 0;
    for (int i = 1; i <= M; i++)
        stolen += steal_round(i);
    atomic_store(&sleeper_go, -1);
    atomic_store(&holder_stop, 1);
    pthread_join(h, NULL);
    pthread_join(c, NULL);
    printf("  \"steal_share\": %.3f\n}\n", (double)stolen / M);
    return 0;
}
