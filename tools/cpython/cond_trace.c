/*
 * cond_trace.c - records an interpreter's condition-variable calls without
 * slowing them: loaded with LD_PRELOAD, it wraps pthread_cond_timedwait,
 * pthread_cond_wait and pthread_cond_signal, stamps each call's entry and
 * return with CLOCK_MONOTONIC (the clock CPython's GIL deadlines use), and
 * keeps them in memory until the process exits, when it writes one line per
 * call to the file named by $COND_TRACE:
 *
 *     TID KIND RC OBJECT ENTRY_NS RETURN_NS DEADLINE_NS
 *
 * KIND is 1 timed wait, 2 wait, 3 signal; DEADLINE_NS is the timed wait's
 * absolute deadline (0 otherwise); RC is what the call returned (110 is
 * ETIMEDOUT). A wrapped call costs two clock reads and an atomic increment,
 * tens of nanoseconds beside waits of microseconds and more: the traced
 * program's I/O thread runs as often as untraced (tools/cpython/
 * cond_trace.py checks it). Build: cc -O2 -shared -fPIC cond_trace.c -ldl.
 *
 * Invariant: a record is written whole before the call returns to its
 * caller; records past the buffer's end are counted, not kept.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct Call {
    int tid, kind, rc;
    const void *obj;
    long long entry, ret, deadline;
} Call;

enum { MAX_CALLS = 1 << 21 };
static Call calls[MAX_CALLS];
static atomic_int n_calls;
static __thread int my_tid;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void keep(int kind, int rc, const void *obj, long long entry, long long deadline)
{
    long long ret = now_ns();
    int i = atomic_fetch_add(&n_calls, 1);
    if (i >= MAX_CALLS)
        return;
    if (!my_tid)
        my_tid = (int)syscall(SYS_gettid);
    calls[i] = (Call){my_tid, kind, rc, obj, entry, ret, deadline};
}

/* The wrapped functions, found once each: the next definition after ours. */
typedef int (*TimedWaitFn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
typedef int (*WaitFn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*SignalFn)(pthread_cond_t *);
#define NEXT(type, name) \
    static type next; \
    if (!next) \
        next = (type)dlsym(RTLD_NEXT, name)

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *at)
{
    NEXT(TimedWaitFn, "pthread_cond_timedwait");
    long long entry = now_ns();
    int rc = next(c, m, at);
    keep(1, rc, c, entry, at->tv_sec * 1000000000LL + at->tv_nsec);
    return rc;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    NEXT(WaitFn, "pthread_cond_wait");
    long long entry = now_ns();
    int rc = next(c, m);
    keep(2, rc, c, entry, 0);
    return rc;
}

int pthread_cond_signal(pthread_cond_t *c)
{
    NEXT(SignalFn, "pthread_cond_signal");
    long long entry = now_ns();
    int rc = next(c);
    keep(3, rc, c, entry, 0);
    return rc;
}

__attribute__((destructor)) static void write_calls(void)
{
    const char *path = getenv("COND_TRACE");
    FILE *out = path ? fopen(path, "w") : NULL;
    if (!out)
        return;
    int n = atomic_load(&n_calls);
    if (n > MAX_CALLS)
        n = MAX_CALLS;
    for (int i = 0; i < n; i++)
        fprintf(out, "%d %d %d %p %lld %lld %lld\n", calls[i].tid, calls[i].kind, calls[i].rc, calls[i].obj,
                calls[i].entry, calls[i].ret, calls[i].deadline);
    fclose(out);
}
