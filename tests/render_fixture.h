/*
 * render_fixture.h - traces for the renderer's tests and benchmarks, built
 * with the public trace builder only (no simulator needed):
 *
 *   fixture_small()  a hand-written 20 ms convoy: process "main" (io, hog)
 *                    and a spawned "worker" (w0), two GILs, two cores; every
 *                    record kind the lanes use, at round times tests check.
 *   fixture_sync()   10 ms of locks, a semaphore, a queue and a lock
 *                    inherited through a fork (object lanes).
 *   fixture_synth()  a generated run of any size (millions of transitions)
 *                    with GIL hand-overs, forced drops, I/O and core lanes.
 *
 * Invariant: both are deterministic (a fixed xorshift seed), records are
 * pushed in non-decreasing time and each thread's STATE records chain.
 */
#ifndef GILSIM_RENDER_FIXTURE_H
#define GILSIM_RENDER_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define US 1000LL
#define MS 1000000LL

typedef struct FixState {
    SimTrace *tr;
    uint8_t state[64]; /* current SimState per thread (small traces) */
    int failed;
} FixState;

static inline void fix_push(FixState *f, SimRecord r)
{
    if (sim_trace_push(f->tr, &r) < 0)
        f->failed = 1;
}

/* A state transition; old state taken from the thread's last record. */
static inline void fix_state(FixState *f, SimTime t, uint32_t th, SimState to, SimReason why,
                             uint32_t core, SimCause cause)
{
    SimRecord r = {t, th, to == SIM_ST_RUNNING ? core : 0, 0, SIM_REC_STATE,
                   (uint8_t)(to | (f->state[th] << 4)), (uint8_t)why, (uint8_t)cause};
    f->state[th] = (uint8_t)to;
    fix_push(f, r);
}

static inline void fix_gil(FixState *f, SimTime t, SimRecordKind k, uint32_t th, uint32_t gil,
                           uint32_t other_plus1, uint8_t state, SimCause cause)
{
    SimRecord r = {t, th, gil, other_plus1, (uint8_t)k, state, 0, (uint8_t)cause};
    fix_push(f, r);
}

/* Threads: 0 io, 1 hog (main, GIL 0); 2 w0 (worker, GIL 1). Cores: 2. */
static inline SimTrace *fixture_small(void)
{
    FixState f = {sim_trace_create(), {0}, 0};
    if (!f.tr)
        return NULL;
    SimTrace *tr = f.tr;
    sim_trace_add_process(tr, "main", SIM_NONE, 0, "initial");
    sim_trace_add_process(tr, "worker", 0, 1, "spawn");
    sim_trace_add_thread(tr, "io", 0, 0, 0);
    sim_trace_add_thread(tr, "hog", 0, 0, 1);
    sim_trace_add_thread(tr, "w0", 1, 1, 0);
    sim_trace_set_gils(tr, 2);
    SimRunInfo info = {"Convoy (fixture)", 0x0123456789abcdefULL, 7, 2, 5 * MS, "new", "3.11", 0, 200 * US};
    sim_trace_set_info(tr, &info);
    enum { IO = 0, HOG = 1, W0 = 2 };

    fix_state(&f, 0, HOG, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_THREAD_START);
    fix_gil(&f, 0, SIM_REC_GIL_ACQUIRE, HOG, 0, 0, 0, SIM_C_GIL_FREE);
    fix_state(&f, 0, HOG, SIM_ST_RUNNING, SIM_R_PYTHON, 0, SIM_C_GIL_FREE);
    fix_state(&f, 0, IO, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_GIL_BUSY);
    /* The worker process starts at 1 ms, runs 1 ms, sleeps, runs, exits. */
    fix_state(&f, 1 * MS, W0, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_THREAD_START);
    fix_gil(&f, 1 * MS, SIM_REC_GIL_ACQUIRE, W0, 1, 0, 0, SIM_C_GIL_FREE);
    fix_state(&f, 1 * MS, W0, SIM_ST_RUNNING, SIM_R_PYTHON, 1, SIM_C_GIL_FREE);
    fix_gil(&f, 2 * MS, SIM_REC_GIL_DROP, W0, 1, 0, SIM_DROP_VOLUNTARY, SIM_C_OP_BEGIN);
    fix_state(&f, 2 * MS, W0, SIM_ST_BLOCKED, SIM_R_SLEEP, 0, SIM_C_OP_BEGIN);

    SimTime t = 5 * MS;
    for (int round = 0; round < 3; round++) {
        /* io's interval runs out with no switch: it asks, hog drops at its
         * next check point, io takes the GIL, does 20 us and goes to I/O. */
        fix_gil(&f, t, SIM_REC_GIL_TIMEOUT, IO, 0, 0, 0, SIM_C_GIL_TIMEOUT);
        fix_gil(&f, t, SIM_REC_DROP_REQUEST, IO, 0, HOG + 1, 0, SIM_C_GIL_TIMEOUT);
        fix_gil(&f, t + 10 * US, SIM_REC_GIL_DROP, HOG, 0, 0, SIM_DROP_FORCED, SIM_C_DROP_REQUEST);
        fix_state(&f, t + 10 * US, HOG, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_DROP_REQUEST);
        fix_gil(&f, t + 40 * US, SIM_REC_GIL_ACQUIRE, IO, 0, HOG + 1, 0, SIM_C_GIL_SIGNAL);
        fix_state(&f, t + 40 * US, IO, SIM_ST_RUNNING, SIM_R_PYTHON, 1, SIM_C_GIL_SIGNAL);
        if (round == 2) {
            fix_gil(&f, t + 60 * US, SIM_REC_GIL_DROP, IO, 0, 0, SIM_DROP_EXIT, SIM_C_EXIT);
            fix_state(&f, t + 60 * US, IO, SIM_ST_TERMINATED, SIM_R_EXITED, 0, SIM_C_EXIT);
        } else {
            fix_gil(&f, t + 60 * US, SIM_REC_GIL_DROP, IO, 0, 0, SIM_DROP_VOLUNTARY, SIM_C_OP_BEGIN);
            fix_state(&f, t + 60 * US, IO, SIM_ST_BLOCKED, SIM_R_IO, 0, SIM_C_OP_BEGIN);
        }
        fix_gil(&f, t + 90 * US, SIM_REC_GIL_ACQUIRE, HOG, 0, IO + 1, 0, SIM_C_GIL_SIGNAL);
        fix_state(&f, t + 90 * US, HOG, SIM_ST_RUNNING, SIM_R_PYTHON, 0, SIM_C_GIL_SIGNAL);
        if (round == 0) {
            /* The worker wakes from its sleep and finishes. */
            fix_state(&f, 6 * MS, W0, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_OP_END);
            fix_gil(&f, 6 * MS, SIM_REC_GIL_ACQUIRE, W0, 1, W0 + 1, 0, SIM_C_GIL_FREE);
            fix_state(&f, 6 * MS, W0, SIM_ST_RUNNING, SIM_R_NOGIL, 1, SIM_C_GIL_FREE);
        }
        if (round < 2)
            fix_state(&f, t + 1060 * US, IO, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_OP_END);
        if (round == 0) {
            fix_gil(&f, 7 * MS, SIM_REC_GIL_DROP, W0, 1, 0, SIM_DROP_EXIT, SIM_C_EXIT);
            fix_state(&f, 7 * MS, W0, SIM_ST_TERMINATED, SIM_R_EXITED, 0, SIM_C_EXIT);
        }
        if (round == 1) /* a wake-up that finds the GIL taken again */
            fix_gil(&f, t + 3 * MS, SIM_REC_FAILED_WAKEUP, IO, 0, HOG + 1, 0, SIM_C_GIL_BUSY);
        t += 1060 * US + 5 * MS;
    }
    fix_state(&f, 19 * MS, HOG, SIM_ST_TERMINATED, SIM_R_KILLED, 0, SIM_C_DAEMON_KILL);
    fix_gil(&f, 19 * MS, SIM_REC_GIL_DROP, HOG, 0, 0, SIM_DROP_EXIT, SIM_C_DAEMON_KILL);
    sim_trace_set_end(tr, 20 * MS);
    if (f.failed) {
        sim_trace_destroy(tr);
        return NULL;
    }
    return tr;
}

static inline void fix_sync(FixState *f, SimTime t, uint32_t th, SimSyncEvent e, uint32_t obj,
                            uint32_t other, uint8_t reason, SimCause cause)
{
    SimRecord r = {t, th, obj, other, SIM_REC_SYNC, (uint8_t)e, reason, (uint8_t)cause};
    fix_push(f, r);
}

/*
 * fixture_sync(): 10 ms with synchronization objects. Process "main"
 * (threads a, b, c) and a forked "child" (thread cm). Objects:
 *   0 mu     lock       a holds 1-4 ms, b waits 2-4 ms then holds 4-6 ms
 *   1 slots  semaphore  capacity 2: a, b from 1 ms; c waits 1.5-3 ms; all
 *                       released at 8 ms
 *   2 q      queue      maxsize 4: puts at 2 and 2.5 ms, gets at 5 and 7 ms
 *   3 flag   shared     written at 3 ms (no lane: not a primitive)
 *   4 unused lock       never used (no lane)
 *   5 mu     lock       the child's copy: inherited at 5 ms by a, a parent
 *                       thread (lost: never released); cm waits from 6 ms
 *   6 inner  lock       taken and given back at 2 ms (no lane: nothing shows)
 */
static inline SimTrace *fixture_sync(void)
{
    FixState f = {sim_trace_create(), {0}, 0};
    if (!f.tr)
        return NULL;
    SimTrace *tr = f.tr;
    sim_trace_add_process(tr, "main", SIM_NONE, 0, "initial");
    sim_trace_add_process(tr, "child", 0, 1, "os.fork");
    sim_trace_add_thread(tr, "a", 0, 0, 0);
    sim_trace_add_thread(tr, "b", 0, 0, 0);
    sim_trace_add_thread(tr, "c", 0, 0, 0);
    sim_trace_add_thread(tr, "cm", 1, 1, 0);
    sim_trace_add_object(tr, "mu", 0, "lock", 0);
    sim_trace_add_object(tr, "slots", 0, "semaphore", 2);
    sim_trace_add_object(tr, "q", 0, "queue", 4);
    sim_trace_add_object(tr, "flag", 0, "shared", 0);
    sim_trace_add_object(tr, "unused", 0, "lock", 0);
    sim_trace_add_object(tr, "mu", 1, "lock", 0);
    sim_trace_add_object(tr, "inner", 0, "lock", 0);
    sim_trace_set_gils(tr, 2);
    SimRunInfo info = {"Locks (fixture)", 0x1111222233334444ULL, 3, 2, 5 * MS, "new", "3.12", 0, 200 * US};
    sim_trace_set_info(tr, &info);
    enum { A = 0, B = 1, C = 2, CM = 3 };
    for (uint32_t th = A; th <= C; th++)
        fix_state(&f, 0, th, SIM_ST_BLOCKED, SIM_R_SLEEP, 0, SIM_C_THREAD_START);
    fix_sync(&f, 1 * MS, A, SIM_SYNC_ACQUIRE, 0, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 1 * MS, A, SIM_SYNC_ACQUIRE, 1, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 1 * MS, B, SIM_SYNC_ACQUIRE, 1, 0, 0, SIM_C_OP_BEGIN);
    fix_state(&f, 1500 * US, C, SIM_ST_BLOCKED, SIM_R_LOCK, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 1500 * US, C, SIM_SYNC_BLOCK, 1, 1, 0, SIM_C_OP_BEGIN);
    fix_state(&f, 2 * MS, B, SIM_ST_BLOCKED, SIM_R_LOCK, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 2 * MS, B, SIM_SYNC_BLOCK, 0, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 2 * MS, A, SIM_SYNC_ACQUIRE, 6, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 2 * MS, A, SIM_SYNC_RELEASE, 6, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 2 * MS, A, SIM_SYNC_PUT, 2, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 2500 * US, A, SIM_SYNC_PUT, 2, 2, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 3 * MS, A, SIM_SYNC_RELEASE, 1, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 3 * MS, C, SIM_SYNC_WAKE, 1, 0, 0, SIM_C_OBJECT);
    fix_sync(&f, 3 * MS, C, SIM_SYNC_ACQUIRE, 1, 0, 0, SIM_C_OBJECT);
    fix_state(&f, 3 * MS, C, SIM_ST_BLOCKED, SIM_R_SLEEP, 0, SIM_C_OBJECT);
    fix_sync(&f, 3 * MS, A, SIM_SYNC_WRITE, 3, 0, 0, SIM_C_OP_END);
    fix_sync(&f, 4 * MS, A, SIM_SYNC_RELEASE, 0, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 4 * MS, B, SIM_SYNC_WAKE, 0, 0, 0, SIM_C_OBJECT);
    fix_sync(&f, 4 * MS, B, SIM_SYNC_ACQUIRE, 0, 0, 0, SIM_C_OBJECT);
    fix_state(&f, 4 * MS, B, SIM_ST_BLOCKED, SIM_R_SLEEP, 0, SIM_C_OBJECT);
    fix_state(&f, 5 * MS, CM, SIM_ST_BLOCKED, SIM_R_SLEEP, 0, SIM_C_FORK);
    fix_sync(&f, 5 * MS, A, SIM_SYNC_ACQUIRE, 5, 0, 1, SIM_C_FORK);
    fix_sync(&f, 5 * MS, B, SIM_SYNC_GET, 2, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 6 * MS, B, SIM_SYNC_RELEASE, 0, 0, 0, SIM_C_OP_BEGIN);
    fix_state(&f, 6 * MS, CM, SIM_ST_BLOCKED, SIM_R_LOCK, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 6 * MS, CM, SIM_SYNC_BLOCK, 5, 1, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 7 * MS, C, SIM_SYNC_GET, 2, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 8 * MS, A, SIM_SYNC_RELEASE, 1, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 8 * MS, B, SIM_SYNC_RELEASE, 1, 0, 0, SIM_C_OP_BEGIN);
    fix_sync(&f, 8 * MS, C, SIM_SYNC_RELEASE, 1, 0, 0, SIM_C_OP_BEGIN);
    for (uint32_t th = A; th <= C; th++)
        fix_state(&f, 9 * MS, th, SIM_ST_TERMINATED, SIM_R_EXITED, 0, SIM_C_EXIT);
    sim_trace_set_end(tr, 10 * MS);
    if (f.failed) {
        sim_trace_destroy(tr);
        return NULL;
    }
    return tr;
}

static inline uint64_t fix_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/*
 * A generated run with about `transitions` STATE records: `threads` threads
 * in one process share one GIL on `cores` cores. The holder runs 5 us to
 * 2 ms, then either goes to I/O (voluntary drop) or is forced off by a
 * waiter's drop request; the longest waiter takes the GIL next.
 */
static inline SimTrace *fixture_synth(size_t transitions, uint32_t threads, uint32_t cores)
{
    if (threads < 2 || threads > 60 || cores < 1)
        return NULL;
    FixState f = {sim_trace_create(), {0}, 0};
    if (!f.tr)
        return NULL;
    SimTrace *tr = f.tr;
    sim_trace_add_process(tr, "main", SIM_NONE, 0, "initial");
    for (uint32_t i = 0; i < threads; i++) {
        char name[32];
        snprintf(name, sizeof(name), i == 0 ? "io" : "cpu%u", i);
        sim_trace_add_thread(tr, name, 0, 0, i != 0);
    }
    sim_trace_set_gils(tr, 1);
    SimRunInfo info = {"Synthetic load", 0xfeedfacecafebeefULL, 1, (int)cores, 5 * MS, "new",
                       "3.11", 0, 200 * US};
    sim_trace_set_info(tr, &info);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    SimTime io_back[64];
    SimTime since[64];
    for (uint32_t i = 0; i < threads; i++) {
        fix_state(&f, 0, i, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_THREAD_START);
        io_back[i] = -1;
        since[i] = 0;
    }
    SimTime t = 0;
    uint32_t holder = 1, prev = 0;
    size_t made = threads;
    while (made < transitions && !f.failed) {
        uint32_t core = (uint32_t)(fix_rand(&seed) % cores);
        fix_gil(&f, t, SIM_REC_GIL_ACQUIRE, holder, 0, prev + 1, 0, SIM_C_GIL_SIGNAL);
        fix_state(&f, t, holder, SIM_ST_RUNNING, SIM_R_PYTHON, core, SIM_C_GIL_SIGNAL);
        made++;
        SimTime run = 5 * US + (SimTime)(fix_rand(&seed) % (2 * MS));
        SimTime end = t + run;
        /* Threads coming back from I/O during the slice start waiting, in
         * time order. */
        for (;;) {
            int first = -1;
            for (uint32_t i = 0; i < threads; i++)
                if (io_back[i] >= 0 && io_back[i] <= end &&
                    (first < 0 || io_back[i] < io_back[first]))
                    first = (int)i;
            if (first < 0)
                break;
            SimTime back = io_back[first] > t ? io_back[first] : t;
            fix_state(&f, back, (uint32_t)first, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_OP_END);
            made++;
            io_back[first] = -1;
            since[first] = back;
        }
        t = end;
        /* Next holder: the longest waiter. */
        uint32_t next = holder;
        for (uint32_t i = 0; i < threads; i++)
            if (i != holder && io_back[i] < 0 && f.state[i] == SIM_ST_RUNNABLE &&
                (next == holder || since[i] < since[next]))
                next = i;
        bool to_io = next == holder || fix_rand(&seed) % 3 == 0;
        if (to_io) {
            fix_gil(&f, t, SIM_REC_GIL_DROP, holder, 0, 0, SIM_DROP_VOLUNTARY, SIM_C_OP_BEGIN);
            fix_state(&f, t, holder, SIM_ST_BLOCKED, SIM_R_IO, 0, SIM_C_OP_BEGIN);
            io_back[holder] = t + 20 * US + (SimTime)(fix_rand(&seed) % MS);
        } else {
            fix_gil(&f, t, SIM_REC_GIL_TIMEOUT, next, 0, 0, 0, SIM_C_GIL_TIMEOUT);
            fix_gil(&f, t, SIM_REC_DROP_REQUEST, next, 0, holder + 1, 0, SIM_C_GIL_TIMEOUT);
            t += 5 * US;
            fix_gil(&f, t, SIM_REC_GIL_DROP, holder, 0, 0, SIM_DROP_FORCED, SIM_C_DROP_REQUEST);
            fix_state(&f, t, holder, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_DROP_REQUEST);
            since[holder] = t;
        }
        made++;
        if (next == holder) {
            /* Everyone is in I/O: idle until the first one is back. */
            int first = -1;
            for (uint32_t i = 0; i < threads; i++)
                if (io_back[i] >= 0 && (first < 0 || io_back[i] < io_back[first]))
                    first = (int)i;
            if (first < 0)
                break;
            t = io_back[first];
            fix_state(&f, t, (uint32_t)first, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0, SIM_C_OP_END);
            made++;
            io_back[first] = -1;
            since[first] = t;
            next = (uint32_t)first;
        }
        t += 3 * US;
        prev = holder;
        holder = next;
    }
    sim_trace_set_end(tr, t + 10 * US);
    if (f.failed) {
        sim_trace_destroy(tr);
        return NULL;
    }
    return tr;
}

#endif /* GILSIM_RENDER_FIXTURE_H */
