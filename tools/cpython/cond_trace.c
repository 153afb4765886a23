/*
 * cond_trace.c - records an interpreter's condition-variable calls without
 * slowing them: loaded with LD_PRELOAD, it wraps pthread_cond_timedwait,
 * pthread_cond_wait and pthread_cond_signal, stamps each call's entry and
 * return with CLOCK_MONOTONIC (the clock CPython's GIL deadlines use), and
 * keeps them in memory until the process exits, when it writes one line per
 * call to the file named by $COND_TRACE:
 *
 *     TID KIND RC OBJECT ENTRY_NS RETURN_NS DEADLINE_NS GROUP LEFT
 *
 * KIND is 1 timed wait, 2 wait, 3 signal, and for the semaphores under
 * CPython's locks before 3.13, 4 sem_wait, 5 sem_timedwait or
 * sem_clockwait, 6 sem_trywait, 7 sem_post (RC 0 or the errno; GROUP and
 * LEFT 0); DEADLINE_NS is the timed wait's
 * absolute deadline (0 otherwise); RC is what the call returned (110 is
 * ETIMEDOUT). GROUP and LEFT are read from glibc's condition variable at
 * entry (nptl/pthread_cond_common.c, glibc 2.25 to 2.40: __wseq's bit 0 is
 * the index of group G2, and __g_size[] counts each group's waiters not
 * yet signalled): for a wait, the index of G2, which the waiter joins; for
 * a signal, the index of G1 and how many of its waiters are left (0: this
 * signal first makes every waiter the new G1, a group switch). A read at
 * entry can race the call itself; a group switch between the two is rare. A wrapped call costs two clock reads and an atomic increment,
 * tens of nanoseconds beside waits of microseconds and more: the traced
 * program's I/O thread runs as often as untraced (tools/cpython/
 * cond_trace.py checks it). Build: cc -O2 -shared -fPIC cond_trace.c -ldl.
 *
 * Invariant: a record is written whole before the call returns to its
 * caller; records past the buffer's end are counted, not kept.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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
    unsigned group, left;
} Call;

/* glibc's pthread_cond_t (struct __pthread_cond_s), its first fields: the
 * layout of 2.25 to 2.40, read as plain words. */
typedef struct CondWords {
    unsigned long long wseq, g1_start;
    unsigned g_refs[2], g_size[2];
} CondWords;

static void groups(const pthread_cond_t *c, int kind, unsigned *group, unsigned *left)
{
    const volatile CondWords *w = (const volatile CondWords *)(const void *)c;
    unsigned g2 = (unsigned)(w->wseq & 1);
    *group = kind == 3 ? g2 ^ 1 : g2;
    *left = kind == 3 ? w->g_size[g2 ^ 1] : 0;
}

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

static void keep(int kind, int rc, const void *obj, long long entry, long long deadline, unsigned group,
                 unsigned left)
{
    long long ret = now_ns();
    int i = atomic_fetch_add(&n_calls, 1);
    if (i >= MAX_CALLS)
        return;
    if (!my_tid)
        my_tid = (int)syscall(SYS_gettid);
    calls[i] = (Call){my_tid, kind, rc, obj, entry, ret, deadline, group, left};
}

/* The wrapped functions, found once each: the next definition after ours. */
typedef int (*TimedWaitFn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
typedef int (*WaitFn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*SignalFn)(pthread_cond_t *);
typedef int (*SemFn)(sem_t *);
typedef int (*SemTimedFn)(sem_t *, const struct timespec *);
typedef int (*SemClockFn)(sem_t *, clockid_t, const struct timespec *);
#define NEXT(type, name) \
    static type next; \
    if (!next) \
        next = (type)dlsym(RTLD_NEXT, name)

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *at)
{
    NEXT(TimedWaitFn, "pthread_cond_timedwait");
    long long entry = now_ns();
    unsigned group, left;
    groups(c, 1, &group, &left);
    int rc = next(c, m, at);
    keep(1, rc, c, entry, at->tv_sec * 1000000000LL + at->tv_nsec, group, left);
    return rc;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    NEXT(WaitFn, "pthread_cond_wait");
    long long entry = now_ns();
    unsigned group, left;
    groups(c, 2, &group, &left);
    int rc = next(c, m);
    keep(2, rc, c, entry, 0, group, left);
    return rc;
}

int pthread_cond_signal(pthread_cond_t *c)
{
    NEXT(SignalFn, "pthread_cond_signal");
    long long entry = now_ns();
    unsigned group, left;
    groups(c, 3, &group, &left);
    int rc = next(c);
    keep(3, rc, c, entry, 0, group, left);
    return rc;
}

/* A lock's semaphore (CPython's threading.Lock before 3.13): kind 4 a
 * blocking wait, 5 a timed wait, 6 a try, 7 a post. RC is 0 or errno. */
static int sem_rc(int rc) { return rc == 0 ? 0 : errno; }

static int sem_call(int kind, sem_t *s, int (*call)(sem_t *, const void *), const void *arg)
{
    long long entry = now_ns();
    int rc = call(s, arg);
    int saved = errno;
    keep(kind, sem_rc(rc), s, entry, 0, 0, 0);
    errno = saved;
    return rc;
}

static int do_sem_wait(sem_t *s, const void *arg)
{
    (void)arg;
    NEXT(SemFn, "sem_wait");
    return next(s);
}
static int do_sem_trywait(sem_t *s, const void *arg)
{
    (void)arg;
    NEXT(SemFn, "sem_trywait");
    return next(s);
}
static int do_sem_post(sem_t *s, const void *arg)
{
    (void)arg;
    NEXT(SemFn, "sem_post");
    return next(s);
}
static int do_sem_timedwait(sem_t *s, const void *arg)
{
    NEXT(SemTimedFn, "sem_timedwait");
    return next(s, arg);
}
typedef struct ClockArg { clockid_t clock; const struct timespec *at; } ClockArg;
static int do_sem_clockwait(sem_t *s, const void *arg)
{
    NEXT(SemClockFn, "sem_clockwait");
    const ClockArg *a = arg;
    return next(s, a->clock, a->at);
}

int sem_wait(sem_t *s) { return sem_call(4, s, do_sem_wait, NULL); }
int sem_timedwait(sem_t *s, const struct timespec *at) { return sem_call(5, s, do_sem_timedwait, at); }
int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *at)
{
    ClockArg a = {clock, at};
    return sem_call(5, s, do_sem_clockwait, &a);
}
int sem_trywait(sem_t *s) { return sem_call(6, s, do_sem_trywait, NULL); }
int sem_post(sem_t *s) { return sem_call(7, s, do_sem_post, NULL); }

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
        fprintf(out, "%d %d %d %p %lld %lld %lld %u %u\n", calls[i].tid, calls[i].kind, calls[i].rc, calls[i].obj,
                calls[i].entry, calls[i].ret, calls[i].deadline, calls[i].group, calls[i].left);
    fclose(out);
}
