/*
 * test_gil.c - the GIL state machine on hand-built worlds with a fixed
 * wake-up latency, so every hand-over happens at an exact, known time.
 *
 * Each case checks one rule of Python/ceval_gil.c (take_gil, drop_gil):
 * the timed wait, the drop request only after a timeout with no switch,
 * the holder's check point, FORCE_SWITCHING, C calls without check points,
 * voluntary release around I/O, OS preemption keeping the GIL. The last
 * case breaks a world on purpose to show sim_world_check notices.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h" /* white-box: the invariant test breaks a world on purpose */
#include "test.h"

#define MS 1000000LL
#define US 1000LL

/* A scenario assembled in memory: one process per `procs` entry. */
typedef struct Builder {
    SimScenario sc;
    SimProcessSpec procs[8];
    SimThreadSpec threads[16];
    SimOp ops[64];
    SimSharedSpec shared[4];
} Builder;

static void builder_init(Builder *b, int cores)
{
    memset(b, 0, sizeof(*b));
    SimConfig *c = &b->sc.cfg;
    /* The defaults, made exact: no context-switch cost, one fixed wake-up
     * latency for signals, switch waits and timers alike, no timer slack,
     * the oldest waiter woken first, a woken thread never left on a busy
     * core, no free-threading overhead. */
    sim_config_defaults(c);
    c->cores = cores;
    c->ctx_switch = 0;
    c->wake_latency = (SimDist){SIM_DIST_FIXED, 10 * US, 0};
    c->switch_wake_latency = c->wake_latency;
    c->timer_latency = c->wake_latency;
    c->timer_slack = 0;
    c->wake_policy = SIM_WAKE_FIFO;
    c->busy_wake_share = 0;
    c->ft_overhead = 1.0;
    b->sc.name = "test";
    b->sc.description = "";
    b->sc.lesson = "";
    b->sc.source = "test";
    b->sc.procs = b->procs;
    b->sc.threads = b->threads;
    b->sc.ops = b->ops;
    b->sc.shared = b->shared;
}

/* A shared variable of the last process, starting at `initial`. */
static int add_shared(Builder *b, const char *name, int64_t initial)
{
    SimProcessSpec *p = &b->procs[b->sc.n_procs - 1];
    if (p->n_shared == 0)
        p->first_shared = b->sc.n_shared;
    p->n_shared++;
    b->shared[b->sc.n_shared] = (SimSharedSpec){(char *)name, b->sc.n_procs - 1, initial, SIM_VAR_GLOBAL, 0, -1, -1};
    return b->sc.n_shared++;
}

static void add_process(Builder *b, const char *name)
{
    SimProcessSpec *p = &b->procs[b->sc.n_procs++];
    p->name = (char *)name;
    p->start_method = SIM_START_INITIAL;
    p->first_thread = b->sc.n_threads;
}

/* Adds a thread to the last process with the given ops. */
static void add_thread(Builder *b, const char *name, bool daemon, const SimOp *ops, int n)
{
    SimThreadSpec *t = &b->threads[b->sc.n_threads++];
    t->name = (char *)name;
    t->process = b->sc.n_procs - 1;
    t->daemon = daemon;
    t->prog_first = b->sc.n_ops;
    t->prog_len = (uint32_t)n;
    memcpy(&b->ops[b->sc.n_ops], ops, (size_t)n * sizeof(SimOp));
    b->sc.n_ops += (uint32_t)n;
    b->procs[b->sc.n_procs - 1].n_threads++;
}

static SimOp op(SimOpKind kind, SimTime d)
{
    return (SimOp){.kind = (uint8_t)kind, .dur = {SIM_DIST_FIXED, d, 0}};
}

static SimOp repeat(uint32_t count, uint32_t body_len)
{
    return (SimOp){.kind = SIM_OP_REPEAT, .count = count, .body_len = body_len};
}

static SimWorld *run(Builder *b, SimTime until)
{
    SimError err;
    SimWorld *w = sim_world_create(&b->sc, &err);
    CHECK(w != NULL, "world created: %s", w ? "" : err.msg);
    if (w) {
        sim_world_run(w, until);
        CHECK(sim_world_check(w, &err) == SIM_OK, "invariants hold after the run: %s", err.msg);
    }
    return w;
}

/* The n-th record (0-based) of a kind, optionally for one thread; NULL if none. */
static const SimRecord *find(const SimTrace *tr, SimRecordKind kind, int thread, int n)
{
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr); i++)
        if (r[i].kind == kind && (thread < 0 || r[i].thread == (uint32_t)thread) && n-- == 0)
            return &r[i];
    return NULL;
}

static size_t count(const SimTrace *tr, SimRecordKind kind, int thread, SimTime before)
{
    size_t n = 0;
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr) && r[i].t < before; i++)
        n += r[i].kind == kind && (thread < 0 || r[i].thread == (uint32_t)thread);
    return n;
}

/* Checks that the STATE records of every thread chain old -> new. */
static bool states_chain(const SimTrace *tr)
{
    uint32_t n = sim_trace_thread_count(tr);
    SimState *last = calloc(n, sizeof(*last));
    const SimRecord *r = sim_trace_records(tr);
    bool ok = true;
    SimTime prev = 0;
    for (size_t i = 0; i < sim_trace_count(tr); i++) {
        ok &= r[i].t >= prev;
        prev = r[i].t;
        if (r[i].kind != SIM_REC_STATE)
            continue;
        ok &= SIM_REC_OLD_STATE(&r[i]) == last[r[i].thread];
        ok &= sim_reason_state((SimReason)r[i].reason) == SIM_REC_NEW_STATE(&r[i]);
        last[r[i].thread] = SIM_REC_NEW_STATE(&r[i]);
    }
    free(last);
    return ok;
}

static void test_single_thread(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "main");
    SimOp p[] = {op(SIM_OP_CPU, 10 * MS)};
    add_thread(&b, "solo", false, p, 1);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    const SimTrace *tr = sim_world_trace(w);
    CHECK(sim_trace_end(tr) == 10 * MS, "one thread, 10 ms of bytecode, ends at 10 ms (%lld)",
          (long long)sim_trace_end(tr));
    CHECK(count(tr, SIM_REC_GIL_ACQUIRE, -1, INT64_MAX) == 1, "it takes the free GIL once");
    CHECK(count(tr, SIM_REC_DROP_REQUEST, -1, INT64_MAX) == 0, "nobody asks it to drop");
    CHECK(states_chain(tr), "state records chain and times never go back");
    sim_world_destroy(w);
}

static void test_first_handover(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "main");
    SimOp p[] = {op(SIM_OP_CPU, 100 * MS)};
    add_thread(&b, "t1", false, p, 1);
    add_thread(&b, "t2", false, p, 1);
    SimWorld *w = run(&b, 30 * MS);
    const SimTrace *tr = sim_world_trace(w);
    const SimRecord *a0 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 0);
    CHECK(a0 && a0->thread == 0 && a0->t == 0, "t1 takes the free GIL at 0");
    const SimRecord *to = find(tr, SIM_REC_GIL_TIMEOUT, 1, 0);
    CHECK(to && to->t == 5 * MS + 10 * US, "t2's timed wait wakes it after one interval and the timer's "
          "latency (5 ms + 10 us): %lld", to ? (long long)to->t : -1LL);
    const SimRecord *rq = find(tr, SIM_REC_DROP_REQUEST, 1, 0);
    CHECK(rq && rq->t == 5 * MS + 10 * US, "t2 sets the drop request at once: the timer woke it where it waited");
    const SimRecord *dr = find(tr, SIM_REC_GIL_DROP, 0, 0);
    CHECK(dr && dr->state == SIM_DROP_FORCED && dr->t >= rq->t && dr->t <= rq->t + 100,
          "t1 drops the GIL at its next check point (within 100 ns)");
    const SimRecord *a1 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 1);
    CHECK(a1 && a1->thread == 1 && a1->t == dr->t + 10 * US, "the signalled t2 takes it one wake-up later");
    const SimRecord *sw = NULL;
    for (int i = 0; (sw = find(tr, SIM_REC_STATE, 0, i)) != NULL; i++)
        if (sw->reason == SIM_R_SWITCH_WAIT)
            break;
    CHECK(sw && sw->t == dr->t, "FORCE_SWITCHING: t1 waits on switch_cond right after dropping");
    CHECK(count(tr, SIM_REC_GIL_ACQUIRE, 0, a1->t + 1) == 1, "t1 cannot re-take the GIL before t2 took it");
    /* Steady state: one hand-over per interval plus two wake-ups. */
    size_t switches = count(tr, SIM_REC_GIL_ACQUIRE, -1, 30 * MS) - 1;
    CHECK(switches == 5, "five hand-overs in 30 ms at a 5 ms interval (%zu)", switches);
    CHECK(states_chain(tr), "state records chain");
    sim_world_destroy(w);
}

static void test_no_request_after_switch(void)
{
    Builder b;
    builder_init(&b, 4);
    add_process(&b, "main");
    SimOp p[] = {op(SIM_OP_CPU, 100 * MS)};
    add_thread(&b, "t1", false, p, 1);
    add_thread(&b, "t2", false, p, 1);
    add_thread(&b, "t3", false, p, 1);
    SimWorld *w = run(&b, 9 * MS);
    const SimTrace *tr = sim_world_trace(w);
    /* t2 and t3 both wait from 0 and both time out at 5 ms. t2 (first in
     * FIFO order) requests; once t2 has the GIL, t3 finds switch_number
     * changed and must not request again. */
    CHECK(count(tr, SIM_REC_GIL_TIMEOUT, 2, 9 * MS) >= 1, "t3 timed out too");
    CHECK(count(tr, SIM_REC_DROP_REQUEST, -1, 9 * MS) == 1,
          "only one drop request: a timeout after a switch requests nothing");
    const SimRecord *a1 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 1);
    CHECK(a1 && a1->thread != 0, "the GIL went to a waiter, not back to t1");
    sim_world_destroy(w);
}

static void test_c_call_ignores_interval(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "main");
    SimOp p1[] = {op(SIM_OP_C_CALL, 50 * MS), op(SIM_OP_CPU, 50 * MS)};
    SimOp p2[] = {op(SIM_OP_CPU, 10 * MS)};
    add_thread(&b, "regex", false, p1, 2);
    add_thread(&b, "other", false, p2, 1);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    const SimTrace *tr = sim_world_trace(w);
    const SimRecord *rq = find(tr, SIM_REC_DROP_REQUEST, 1, 0);
    const SimRecord *dr = find(tr, SIM_REC_GIL_DROP, 0, 0);
    CHECK(rq && rq->t < 6 * MS, "the waiter asks after one interval");
    CHECK(dr && dr->t == 50 * MS && dr->state == SIM_DROP_FORCED,
          "a GIL-holding C call passes no check point: the drop waits for its end (50 ms)");
    sim_world_destroy(w);
}

static void test_io_release(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "main");
    SimOp io[] = {repeat(10, 2), op(SIM_OP_IO, 1 * MS), op(SIM_OP_CPU, 20 * US)};
    add_thread(&b, "io", false, io, 3);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    const SimTrace *tr = sim_world_trace(w);
    /* Alone, each op costs 1 ms + wake-up + 20 us, and the GIL is free. */
    SimTime expect = 10 * (1 * MS + 10 * US + 20 * US);
    CHECK(sim_trace_end(tr) == expect, "an I/O thread alone re-takes the free GIL at once (%lld vs %lld)",
          (long long)sim_trace_end(tr), (long long)expect);
    CHECK(count(tr, SIM_REC_GIL_DROP, 0, INT64_MAX) == 11, "it drops the GIL around each I/O and at exit");
    sim_world_destroy(w);
}

static void test_io_convoy(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "main");
    SimOp io[] = {repeat(20, 2), op(SIM_OP_IO, 1 * MS), op(SIM_OP_CPU, 20 * US)};
    SimOp hog[] = {op(SIM_OP_CPU, 10000 * MS)};
    add_thread(&b, "io", false, io, 3);
    add_thread(&b, "hog", true, hog, 1);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    const SimTrace *tr = sim_world_trace(w);
    double per_op = (double)sim_trace_end(tr) / 20 / MS;
    CHECK(per_op > 5.9 && per_op < 6.3, "beside a CPU-bound thread each 1 ms I/O costs about 1 ms + 5 ms (%.3f ms)",
          per_op);
    const SimRecord *last = find(tr, SIM_REC_STATE, 1, (int)count(tr, SIM_REC_STATE, 1, INT64_MAX) - 1);
    CHECK(last && last->reason == SIM_R_KILLED, "the daemon hog is killed when io, the last non-daemon, ends");
    CHECK(states_chain(tr), "state records chain");
    sim_world_destroy(w);
}

static void test_preemption_keeps_gil(void)
{
    Builder b;
    builder_init(&b, 1);
    add_process(&b, "a");
    SimOp p[] = {op(SIM_OP_CPU, 20 * MS)};
    add_thread(&b, "a", false, p, 1);
    add_process(&b, "b");
    add_thread(&b, "b", false, p, 1);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    const SimTrace *tr = sim_world_trace(w);
    CHECK(sim_trace_end(tr) == 40 * MS, "two processes on one core share it: 40 ms (%lld)",
          (long long)sim_trace_end(tr));
    const SimRecord *pre = NULL;
    for (int i = 0; (pre = find(tr, SIM_REC_STATE, 0, i)) != NULL; i++)
        if (pre->reason == SIM_R_WAIT_CORE)
            break;
    CHECK(pre && pre->t == 4 * MS && pre->cause == SIM_C_PREEMPTED, "the OS preempts after one 4 ms slice");
    const SimRecord *d = find(tr, SIM_REC_GIL_DROP, 0, 0);
    CHECK(d && d->state == SIM_DROP_EXIT && d->t == 36 * MS, "a preempted holder keeps its GIL until it ends at 36 ms");
    sim_world_destroy(w);
}

static void test_check_point_by_version(void)
{
    for (int v = 0; v < 2; v++) {
        Builder b;
        builder_init(&b, 2);
        b.sc.cfg.py_minor = v ? 12 : 9;
        b.sc.cfg.check_point_gap = v ? 100 : 30;
        b.sc.cfg.wake_latency.a = 7 * US + 13; /* off the check-point grid */
        b.sc.cfg.switch_wake_latency = b.sc.cfg.timer_latency = b.sc.cfg.wake_latency;
        add_process(&b, "main");
        SimOp p[] = {op(SIM_OP_CPU, 100 * MS)};
        add_thread(&b, "t1", false, p, 1);
        add_thread(&b, "t2", false, p, 1);
        SimWorld *w = run(&b, 6 * MS);
        const SimTrace *tr = sim_world_trace(w);
        const SimRecord *rq = find(tr, SIM_REC_DROP_REQUEST, 1, 0);
        const SimRecord *dr = find(tr, SIM_REC_GIL_DROP, 0, 0);
        SimTime lag = rq && dr ? dr->t - rq->t : -1;
        CHECK(lag > 0 && lag < b.sc.cfg.check_point_gap,
              "3.%d: the holder reacts within one check-point gap (%lld ns < %lld ns)", b.sc.cfg.py_minor,
              (long long)lag, (long long)b.sc.cfg.check_point_gap);
        sim_world_destroy(w);
    }
}

static void test_determinism(void)
{
    char *dumps[2];
    size_t lens[2];
    for (int k = 0; k < 2; k++) {
        Builder b;
        builder_init(&b, 2);
        b.sc.cfg.wake_latency = (SimDist){SIM_DIST_UNIFORM, 10 * US, 90 * US};
        b.sc.cfg.timer_latency = (SimDist){SIM_DIST_UNIFORM, 50 * US, 150 * US};
        b.sc.cfg.timer_slack = 50 * US;
        b.sc.cfg.wake_policy = SIM_WAKE_RANDOM;
        add_process(&b, "main");
        SimOp io[] = {repeat(50, 2), (SimOp){.kind = SIM_OP_IO, .dur = {SIM_DIST_EXP, 1 * MS, 0}},
                      op(SIM_OP_CPU, 20 * US)};
        SimOp hog[] = {op(SIM_OP_CPU, 10000 * MS)};
        add_thread(&b, "io", false, io, 3);
        add_thread(&b, "h1", true, hog, 1);
        add_thread(&b, "h2", true, hog, 1);
        SimWorld *w = run(&b, SIM_TIME_NEVER);
        sim_trace_dump(sim_world_trace(w), &dumps[k], &lens[k]);
        sim_world_destroy(w);
    }
    CHECK(lens[0] == lens[1] && memcmp(dumps[0], dumps[1], lens[0]) == 0,
          "the same scenario and seed give a byte-identical trace");
    free(dumps[0]);
    free(dumps[1]);
}

/* Four threads of Python 3.9 each do `count += 1` once on two cores;
 * LOAD_GLOBAL takes 7 ms here, longer than the 5 ms switch interval, so the
 * GIL changes hands at the check point right after a read. With the oldest
 * waiter woken first and a fixed 10 us wake-up for signals and timers, the
 * trace is, by hand:
 *   0 ms      t0 reads 0; the waiters' timeout (5.01 ms) asks for a drop,
 *             honoured after the read, at 7 ms;
 *   7.01 ms   t1 reads 0;  14.02 ms  t2 reads 0;
 *   21.03 ms  t0 writes 1 (nothing lost); 21.04 ms  t2 writes 1 (t0's update
 *             lost); 21.05 ms  t3 reads 1 and at 28.05 ms writes 2;
 *   28.06 ms  t1 writes 1 over 2 (t2's and t3's updates lost).
 * So: final 1, 4 writes, 3 lost; in trace order t0, t2, t3, t1 write,
 * overwriting 0, 1, 0, 2 updates. (Summing version gaps, 0 + 3 + 1 + 0, counted t2's lost update
 * twice: final 0.) */
static void test_lost_updates_by_hand(void)
{
    Builder b;
    builder_init(&b, 2);
    b.sc.cfg.py_minor = 9;
    b.sc.cfg.loop_cost = 0;
    b.sc.cfg.bytecode_cost = 1;
    b.sc.cfg.global_load_cost = 7 * MS;
    b.sc.cfg.arith_cost = 1;
    b.sc.cfg.global_store_cost = 1;
    add_process(&b, "main");
    int x = add_shared(&b, "count", 0);
    SimOp inc = {.kind = SIM_OP_INCREMENT, .obj = x};
    add_thread(&b, "t0", false, &inc, 1);
    add_thread(&b, "t1", false, &inc, 1);
    add_thread(&b, "t2", false, &inc, 1);
    add_thread(&b, "t3", false, &inc, 1);
    SimWorld *w = run(&b, SIM_TIME_NEVER);
    if (!w)
        return;
    const SimTrace *tr = sim_world_trace(w);
    SimStats *st = sim_stats_compute(tr);
    CHECK(st && st->n_objects == 1, "one shared variable");
    if (st && st->n_objects == 1) {
        const SimObjectStats *o = &st->objects[0];
        CHECK(o->writes == 4 && o->lost == 3 && o->final == 1, "final 1 from 4 writes, 3 lost (got final %lld, "
              "%llu writes, %llu lost)", (long long)o->final, (unsigned long long)o->writes,
              (unsigned long long)o->lost);
    }
    CHECK(w->procs[0]->shared[0].value == 1, "the variable itself ends at 1");
    /* The writes in trace order: which thread, how many updates it overwrote. */
    int writer[4] = {-1, -1, -1, -1};
    int32_t lost[4] = {-1, -1, -1, -1};
    int n_writes = 0;
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr); i++)
        if (r[i].kind == SIM_REC_SYNC && r[i].state == SIM_SYNC_WRITE && n_writes < 4) {
            writer[n_writes] = (int)r[i].thread;
            lost[n_writes++] = sim_write_lost(&r[i]);
        }
    CHECK(n_writes == 4 && writer[0] == 0 && writer[1] == 2 && writer[2] == 3 && writer[3] == 1,
          "t0, t2, t3, t1 write in that order (got %d %d %d %d)", writer[0], writer[1], writer[2], writer[3]);
    CHECK(lost[0] == 0 && lost[1] == 1 && lost[2] == 0 && lost[3] == 2,
          "the writes overwrite 0, 1, 0, 2 updates (got %d %d %d %d)", lost[0], lost[1], lost[2], lost[3]);
    sim_stats_destroy(st);
    sim_world_destroy(w);
}

/* glibc's condition variable (linux-glibc): a waiter that a group switch put
 * in G1 and the signal passed over is the only one the next signal can go
 * to, even when a newer waiter is still awake and would take it after a
 * switch (cond_steal 1). t1 holds the GIL from 0 and sleeps at 1 ms: that
 * signal switches groups (t2 and t3 waiting since 0) and wakes t2, the
 * longest sleeper; t3 stays in G1. t1 comes back at 2.009 ms and waits
 * again, 1 us before t2 sleeps and signals at 2.01 ms: that signal is t3's
 * alone. */
static void test_glibc_group_g1(void)
{
    Builder b;
    builder_init(&b, 2);
    b.sc.cfg.wake_policy = SIM_WAKE_GLIBC;
    b.sc.cfg.cond_steal = 1;
    add_process(&b, "main");
    SimOp t1[] = {op(SIM_OP_CPU, 1 * MS), op(SIM_OP_SLEEP, 999 * US), op(SIM_OP_CPU, 1 * MS)};
    SimOp t2[] = {op(SIM_OP_CPU, 1 * MS), op(SIM_OP_SLEEP, 10 * MS)};
    SimOp t3[] = {op(SIM_OP_CPU, 1 * MS)};
    add_thread(&b, "t1", false, t1, 3);
    add_thread(&b, "t2", false, t2, 2);
    add_thread(&b, "t3", false, t3, 1);
    SimWorld *w = run(&b, 4 * MS);
    const SimTrace *tr = sim_world_trace(w);
    const SimRecord *a1 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 1);
    CHECK(a1 && a1->thread == 1 && a1->state == 0 && a1->t == 1 * MS + 10 * US,
          "t1's sleep at 1 ms switches groups and wakes t2, the longest sleeper (%lld)",
          a1 ? (long long)a1->t : -1LL);
    const SimRecord *a2 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 2);
    const SimRecord *d2 = find(tr, SIM_REC_GIL_DROP, 1, 0);
    CHECK(d2 && d2->t == 2 * MS + 10 * US, "t2 sleeps and signals at 2.01 ms (%lld)", d2 ? (long long)d2->t : -1LL);
    const SimRecord *wt = NULL;
    for (int i = 0; (wt = find(tr, SIM_REC_STATE, 0, i)) != NULL; i++)
        if (wt->reason == SIM_R_WAIT_GIL && wt->t > 1 * MS)
            break;
    CHECK(wt && d2 && d2->t - wt->t <= b.sc.cfg.cond_enter_window,
          "t1 waits again within the enter window before that signal (%lld)", wt ? (long long)wt->t : -1LL);
    CHECK(a2 && a2->thread == 2 && a2->state == SIM_ACQ_ALONE && d2 && a2->t == d2->t + 10 * US,
          "the signal goes to t3 alone, left in G1, woken after the wake-up latency");
    sim_world_destroy(w);

    /* Without t3 no one is left in G1, and t1, still awake, takes the
     * same signal. */
    builder_init(&b, 2);
    b.sc.cfg.wake_policy = SIM_WAKE_GLIBC;
    b.sc.cfg.cond_steal = 1;
    add_process(&b, "main");
    add_thread(&b, "t1", false, t1, 3);
    add_thread(&b, "t2", false, t2, 2);
    w = run(&b, 4 * MS);
    tr = sim_world_trace(w);
    a2 = find(tr, SIM_REC_GIL_ACQUIRE, -1, 2);
    CHECK(a2 && a2->thread == 0 && a2->state == SIM_ACQ_AWAKE, "with no one left in G1, t1 takes it awake");
    sim_world_destroy(w);
}

/* sim_world_check finds each kind of broken state it promises to. */
static void test_invariant_checker(void)
{
    Builder b;
    builder_init(&b, 2);
    add_process(&b, "p");
    SimOp cpu[] = {op(SIM_OP_CPU, 20 * MS)};
    add_thread(&b, "a", false, cpu, 1);
    add_thread(&b, "b", false, cpu, 1);
    SimError err;
    SimWorld *w = sim_world_create(&b.sc, &err);
    CHECK(w != NULL, "world created");
    if (!w)
        return;
    sim_world_run(w, 7 * MS); /* mid-run: one holds the GIL, the other waits */
    CHECK(sim_world_check(w, &err) == SIM_OK, "a healthy world passes: %s", err.msg);
    Gil *g = &w->gils[0];
    uint32_t holder = g->holder;
    CHECK(holder != NO_THREAD, "someone holds the GIL at 7 ms");
    g->holder = NO_THREAD;
    CHECK(sim_world_check(w, &err) == SIM_ERR_INVALID && strstr(err.msg, "locked=1"),
          "a locked GIL without a holder is caught: %s", err.msg);
    g->holder = holder;
    w->threads[holder == 0 ? 1 : 0]->holds_gil = true;
    CHECK(sim_world_check(w, &err) == SIM_ERR_INVALID, "two holders are caught: %s", err.msg);
    w->threads[holder == 0 ? 1 : 0]->holds_gil = false;
    int32_t core = w->threads[holder]->core;
    w->threads[holder]->core = core == 0 ? 1 : 0;
    CHECK(sim_world_check(w, &err) == SIM_ERR_INVALID && strstr(err.msg, "core"),
          "a thread and a core that disagree are caught: %s", err.msg);
    w->threads[holder]->core = core;
    w->live_procs++;
    CHECK(sim_world_check(w, &err) == SIM_ERR_INVALID && strstr(err.msg, "processes"),
          "a wrong process count is caught: %s", err.msg);
    w->live_procs--;
    CHECK(sim_world_check(w, &err) == SIM_OK, "restored, it passes again: %s", err.msg);
    sim_world_destroy(w);
}

int main(void)
{
    test_single_thread();
    test_first_handover();
    test_no_request_after_switch();
    test_c_call_ignores_interval();
    test_io_release();
    test_io_convoy();
    test_glibc_group_g1();
    test_preemption_keeps_gil();
    test_check_point_by_version();
    test_determinism();
    test_invariant_checker();
    test_lost_updates_by_hand();
    return test_report();
}
