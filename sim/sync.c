/*
 * sync.c - threading's primitives as CPython builds them, queue.Queue,
 * pipes and multiprocessing queues, multiprocessing's locks (the same
 * objects, shared by every process: a kernel semaphore is acquired as a
 * threading lock is, try first and release the GIL only to block), and
 * variables with `x += 1`, `x = n` and busy-waits on them: module
 * globals, threading.local() attributes and multiprocessing Values and
 * Arrays.
 *
 * An acquire first tries without releasing the GIL; only a contended
 * acquire releases the GIL, blocks, and re-takes the GIL after the wake-up
 * (Modules/_threadmodule.c acquire_timed). A released lock wakes one
 * waiter, chosen as the OS would, and that waiter retries when it runs,
 * so another thread may barge in first. The waker pays for the wake-up
 * after the release, with the lock already free (more for a thread that
 * went to sleep moments before: prim_wake), and before 3.13 (a glibc
 * semaphore) pays the futex call again at each release until the woken
 * waiter is back (lock_is_sem). Each acquire and release called from
 * Python costs python.lock_call_cost first (lock_call). Condition.wait
 * releases its lock, waits to be notified (oldest waiter first, as the
 * deque in Lib/threading.py), re-takes the GIL and then the lock.
 * queue.Queue is one Lock and two Conditions, as Lib/queue.py.
 *
 * Invariant: a thread is in at most one object's wait list (wait_prim
 * names it), and a thread in a wait list is Blocked with no core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---- Objects -------------------------------------------------------------------- */

static const char *const prim_kind_names[SIM_PRIM_KIND_COUNT] = {
    "lock", "rlock", "semaphore", "bounded_semaphore", "event", "condition",
    "barrier", "queue", "pipe", "mp_queue", "manager",
};

Prim *prim_new(SimWorld *w, const SimPrimSpec *spec, uint8_t kind, const char *name, uint32_t process)
{
    if (!world_grow(w, (void **)&w->all_prims, &w->cap_all_prims, w->n_all_prims + 1, sizeof(Prim *)))
        return NULL;
    Prim *p = calloc(1, sizeof(*p));
    if (!p) {
        w->oom = true;
        return NULL;
    }
    p->spec = spec;
    p->kind = kind;
    p->owner = NO_THREAD;
    p->slot = w->n_all_prims;
    wl_init(&p->waiters, w, WL_OBJECT);
    wl_init(&p->waiters2, w, WL_OBJECT);
    if (kind == SIM_PRIM_SEMAPHORE || kind == SIM_PRIM_BOUNDED_SEMAPHORE)
        p->count = spec->value;
    w->all_prims[w->n_all_prims++] = p;
    int64_t initial = spec && kind == spec->kind ? spec->value : 0;
    int id = sim_trace_add_object(w->trace, name, process, prim_kind_names[kind], initial);
    if (id < 0)
        w->oom = true;
    p->id = (uint32_t)(id < 0 ? 0 : id);
    return p;
}

/* The lock a Condition or a Queue uses internally, when it has its own. */
Prim *prim_inner_lock(SimWorld *w, const SimPrimSpec *spec, uint32_t process)
{
    char name[256];
    bool queue = spec->kind == SIM_PRIM_QUEUE;
    snprintf(name, sizeof(name), "%s.%s", spec->name, queue ? "mutex" : "lock");
    return prim_new(w, spec, queue ? SIM_PRIM_LOCK : SIM_PRIM_RLOCK, name, process);
}

/* ---- Wait lists and wake-ups ------------------------------------------------------ */

void sync_record(SimWorld *w, Thread *t, Prim *p, SimSyncEvent ev, uint32_t n, uint8_t detail, SimCause cause)
{
    world_record(w, SIM_REC_SYNC, t ? t->id : SIM_NONE, p->id, n, (uint8_t)ev, detail, (uint8_t)cause);
}

static WaitList *prim_list(Prim *p, int list)
{
    return list == 0 ? &p->waiters : &p->waiters2;
}

void prim_list_remove(Prim *p, int list, uint32_t id)
{
    wl_remove(prim_list(p, list), id);
}

static bool prim_list_add(Prim *p, int list, uint32_t id)
{
    return wl_add(prim_list(p, list), id);
}

static uint32_t prim_waiting(const Prim *p) { return wl_count(&p->waiters) + wl_count(&p->waiters2); }

/* Takes a lock or semaphore if it is free; a lost-in-fork owner never lets go. */
static bool prim_try_take(Prim *p, Thread *t)
{
    switch (p->kind) {
    case SIM_PRIM_LOCK:
        if (p->owner != NO_THREAD)
            return false;
        p->owner = t->id;
        return true;
    case SIM_PRIM_RLOCK:
        if (p->owner == t->id) {
            p->count++;
            return true;
        }
        if (p->owner != NO_THREAD)
            return false;
        p->owner = t->id;
        p->count = 1;
        return true;
    case SIM_PRIM_SEMAPHORE:
    case SIM_PRIM_BOUNDED_SEMAPHORE:
        if (p->count <= 0)
            return false;
        p->count--;
        return true;
    default:
        return false;
    }
}

/* The blocked thread gets going again after the OS wake-up latency. What
 * the futex wake costs the waker (sync_step charges it) depends on how
 * long the sleeper slept: under machine.short_sleep, as in a lock or queue
 * handed back and forth, short_sleep_wake_cost; else wake_cost
 * (tools/cpython/wake_cost_idle.py). */
void prim_wake(SimWorld *w, Thread *t, Prim *p, WakeMode mode, SimCause cause)
{
    world_cancel(w, &t->wait_timer);
    t->sync.prim = NULL;
    t->sync.retry = p;
    if (mode == WAKE_RETRY)
        p->woken++;
    sync_record(w, t, p, SIM_SYNC_WAKE, prim_waiting(p), 0, cause);
    w->wake_costs += w->now - t->sync.asleep_since < w->cfg->short_sleep ? w->cfg->short_sleep_wake_cost
                                                                          : w->cfg->wake_cost;
    os_wake(w, t, mode == WAKE_RETRY ? CONT_PRIM_RETRY : CONT_TAKE_GIL);
}

/* Wakes one waiter of a list: by the OS's choice for locks (under
 * linux-glibc the futex's: the longest sleeper), oldest first for
 * Condition (its waiters queue up in a deque). */
void prim_wake_one(SimWorld *w, Prim *p, int list, bool fifo, WakeMode mode)
{
    WaitList *l = prim_list(p, list);
    uint32_t n = wl_count(l);
    if (n == 0)
        return;
    uint32_t i = fifo || w->cfg->wake_policy != SIM_WAKE_RANDOM ? 0 : (uint32_t)sim_rng_below(&w->os_rng, n);
    prim_wake(w, T(w, wl_take(l, i)), p, mode, SIM_C_OBJECT);
}

void prim_wake_all(SimWorld *w, Prim *p, int list, WakeMode mode)
{
    while (wl_count(prim_list(p, list)))
        prim_wake_one(w, p, list, true, mode);
}

/* A Lock or RLock built on a glibc semaphore, as CPython's are before 3.13
 * (Python/thread_pthread.h, USE_SEMAPHORES; 3.13's PyMutex parks its
 * waiters in a queue of its own). sem_post makes the futex wake call
 * whenever the semaphore counts waiters, and a waiter woken by an earlier
 * post counts until its sem_wait returns: a release while such a waiter
 * is still on its way back costs machine.futex_wake_cost, for no wake-up. */
static bool lock_is_sem(const SimWorld *w, const Prim *p)
{
    return (p->kind == SIM_PRIM_LOCK || p->kind == SIM_PRIM_RLOCK) && sim_py_version(w->cfg) < 313;
}

/* Lets go of a lock-like object; NULL error means fine. */
static SimSyncError prim_release(SimWorld *w, Thread *t, Prim *p, bool all_depth)
{
    switch (p->kind) {
    case SIM_PRIM_LOCK:
        if (p->owner == NO_THREAD)
            return SIM_SERR_RELEASE_UNLOCKED;
        p->owner = NO_THREAD;
        break;
    case SIM_PRIM_RLOCK:
        if (p->owner != t->id)
            return SIM_SERR_RELEASE_UNOWNED;
        if (!all_depth && --p->count > 0) {
            sync_record(w, t, p, SIM_SYNC_RELEASE, prim_waiting(p), SIM_REL_PARTIAL, SIM_C_OP_BEGIN);
            return SIM_SERR_NONE;
        }
        p->count = 0;
        p->owner = NO_THREAD;
        break;
    case SIM_PRIM_SEMAPHORE:
    case SIM_PRIM_BOUNDED_SEMAPHORE:
        if (p->kind == SIM_PRIM_BOUNDED_SEMAPHORE && p->count >= p->spec->value)
            return SIM_SERR_TOO_MANY_RELEASES;
        p->count++;
        break;
    default:
        break;
    }
    sync_record(w, t, p, SIM_SYNC_RELEASE, prim_waiting(p), 0, SIM_C_OP_BEGIN);
    if (p->woken > 0 && wl_count(&p->waiters) == 0 && lock_is_sem(w, p))
        t->wake_debt += w->cfg->futex_wake_cost;
    prim_wake_one(w, p, 0, false, WAKE_RETRY);
    return SIM_SERR_NONE;
}

/* A misuse Python raises for: the exception ends the thread. */
static void sync_raise(SimWorld *w, Thread *t, Prim *p, SimSyncError e)
{
    sync_record(w, t, p, SIM_SYNC_ERROR, 0, (uint8_t)e, SIM_C_ERROR);
    t->sync.op = NULL;
    thread_exit(w, t, SIM_R_EXITED, SIM_C_ERROR);
}

/* Releases the GIL and waits on an object's list; false = blocked. */
bool sync_block(SimWorld *w, Thread *t, Prim *p, int list, WakeMode mode, SimTime timeout, uint8_t next_phase)
{
    t->sync.prim = p;
    t->sync.list = (uint8_t)list;
    t->sync.mode = (uint8_t)mode;
    t->sync.phase = next_phase;
    thread_release_for(w, t, SIM_WAIT_OBJECT, timeout, (int32_t)p->id);
    return false;
}

/* do_pending for SIM_WAIT_OBJECT: the GIL is released; now really wait. */
void sync_enter_wait(SimWorld *w, Thread *t)
{
    Prim *p = t->sync.prim;
    /* A lock freed while we let go of the GIL is simply taken. */
    if (t->sync.mode == WAKE_RETRY && t->sync.list == 0 && prim_try_take(p, t)) {
        t->sync.prim = NULL;
        sync_record(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OBJECT);
        gil_take(w, t);
        return;
    }
    uint32_t other = 0;
    if ((p->kind == SIM_PRIM_LOCK || p->kind == SIM_PRIM_RLOCK) && p->owner < GHOST)
        other = p->owner + 1;
    world_set_reason(w, t,
                     p->kind == SIM_PRIM_PIPE || p->kind == SIM_PRIM_MP_QUEUE || p->kind == SIM_PRIM_MANAGER
                         ? SIM_R_IO
                         : SIM_R_LOCK,
                     SIM_C_OP_BEGIN, other);
    os_release_core(w, t);
    t->sync.asleep_since = w->now;
    prim_list_add(p, t->sync.list, t->id);
    sync_record(w, t, p, SIM_SYNC_BLOCK, prim_waiting(p), t->sync.list, SIM_C_OP_BEGIN);
    if (t->block.dur >= 0) {
        t->sync.deadline = sim_time_add(w->now, t->block.dur);
        t->wait_timer = world_schedule(w, os_timer(w, t, t->sync.deadline), EV_SYNC_TIMEOUT, t->id, 0);
    } else {
        t->sync.deadline = -1;
    }
}

/* A timed wait ran out: leave the list, then take the GIL and go on. */
void sync_timed_out(SimWorld *w, Thread *t)
{
    Prim *p = t->sync.prim;
    t->wait_timer = 0;
    if (!p)
        return;
    prim_list_remove(p, t->sync.list, t->id);
    t->sync.timed_out = true;
    sync_record(w, t, p, SIM_SYNC_TIMEOUT, prim_waiting(p), 0, SIM_C_TIMEOUT);
    t->sync.prim = NULL;
    os_ready(w, t, CONT_TAKE_GIL); /* the timer woke it: os_timer */
}

/* Woken by a lock release: retry before taking the GIL (on a core). */
void sync_retry(SimWorld *w, Thread *t)
{
    Prim *p = t->sync.retry;
    p->woken--;
    if (prim_try_take(p, t)) {
        sync_record(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OBJECT);
        gil_take(w, t);
        return;
    }
    /* Another thread barged in while we woke up: wait again, until the
     * original deadline if there was one. */
    t->sync.prim = p;
    t->sync.list = 0;
    t->sync.mode = WAKE_RETRY;
    t->block.dur = t->sync.deadline < 0 ? -1 : t->sync.deadline > w->now ? t->sync.deadline - w->now : 0;
    sync_enter_wait(w, t);
}

static Prim *op_prim(SimWorld *w, Thread *t, const SimOp *op)
{
    const SimPrimSpec *ps = &w->sc->prims[op->obj];
    if (ps->process < 0)
        return w->ipc[op->obj - w->ipc_first];
    Process *pr = w->procs[t->proc];
    return pr->prims[op->obj - pr->spec->first_prim];
}

static bool owns(const Prim *lock, const Thread *t) { return lock->owner == t->id; }

/* ---- Ops ------------------------------------------------------------------------
 *
 * Each op that can block or run bytecode midway goes through named steps;
 * Thread.sync.phase holds the step to run when the thread is back on a core
 * with the GIL. Every op starts at its step 0.
 */

enum { ACQUIRE_CALL = 0, ACQUIRE_TRY, ACQUIRE_WOKEN }; /* acquire: the call, woken with it, or timed out */
enum { RELEASE_CALL = 0, RELEASE_NOW };               /* release: the call, then the C release */
enum { EVENT_CHECK = 0, EVENT_WOKEN };                /* Event.wait */
enum { COND_RELEASE = 0, COND_RELOCK, COND_RELOCKED }; /* Condition.wait */
enum { BARRIER_ARRIVE = 0, BARRIER_WOKEN };           /* Barrier.wait */
enum { PIPE_START = 0, PIPE_READY, PIPE_DONE };       /* send: pickled; recv: woken, unpickled */
enum { QUEUE_CALL = 0, QUEUE_LOCK, QUEUE_LOCKED, QUEUE_READY }; /* queue.Queue put/get, its mutex */
enum { INCREMENT_READ = 0, INCREMENT_WRITE };         /* x += 1 */
enum { VALUE_LOCK_READ = 0, VALUE_READ, VALUE_LOCK_WRITE, VALUE_WRITE }; /* v.value += 1, v.value = n */
enum { POLL_CHECK = 0, POLL_AGAIN };                  /* while not ready: pass */
/* A call through a Manager's proxy: steps base + CALL_*, over once at base + CALL_OVER. */
enum { CALL_PICKLE = 0, CALL_SEND, CALL_UNPICKLE, CALL_OVER };
enum { MGET = 0, MADD = MGET + CALL_OVER, MSET, MDONE = MSET + CALL_OVER }; /* v.value += 1 on a proxy */
enum { SERVE_WAIT = 0, SERVE_REPLY };                 /* the server's loop */

/* A misuse Python raises for ends the thread; returns false (not over). */
static bool raise_error(SimWorld *w, Thread *t, Prim *p, SimSyncError e)
{
    sync_raise(w, t, p, e);
    return false;
}

/* Takes `lock` for a compound op, blocking if needed; true when held now. */
static bool sync_lock(SimWorld *w, Thread *t, Prim *lock, uint8_t next_phase)
{
    if (prim_try_take(lock, t)) {
        sync_record(w, t, lock, SIM_SYNC_ACQUIRE, prim_waiting(lock), 0, SIM_C_OP_BEGIN);
        t->sync.phase = next_phase;
        return true;
    }
    sync_block(w, t, lock, 0, WAKE_RETRY, -1, next_phase);
    return false;
}

/* Starts a stretch of bytecode inside a compound op (the thread goes on at
 * the next step when it ends); checks: where it can stop, NULL for the
 * check points of plain bytecode. */
static bool sync_work(SimWorld *w, Thread *t, SimTime dur, const CheckPlan *checks, uint8_t next_phase)
{
    t->sync.phase = next_phase;
    t->work.checks = checks;
    work_begin(w, t, SIM_OP_CPU, dur > 0 ? dur : 1, SIM_C_OP_BEGIN);
    return false;
}

/* The variable an op names, where it lives: a module global of the
 * thread's process, the thread's own threading.local() attribute (made on
 * first use, from its declared initial value), or an element of a
 * multiprocessing Value or Array that every process shares. */
static Shared *var_of(SimWorld *w, Thread *t, uint32_t obj, uint16_t index)
{
    const SimSharedSpec *ss = &w->sc->shared[obj];
    if (ss->scope == SIM_VAR_VALUE || ss->scope == SIM_VAR_MANAGED)
        return &w->vars[obj][index < ss->length ? index : 0];
    Process *pr = w->procs[t->proc];
    uint32_t k = obj - (uint32_t)pr->spec->first_shared;
    if (ss->scope != SIM_VAR_LOCAL)
        return &pr->shared[k];
    if (!t->locals) {
        t->locals = calloc((size_t)pr->spec->n_shared, sizeof(Shared));
        if (!t->locals) {
            w->oom = true;
            return &pr->shared[k]; /* the run ends at this event */
        }
        for (int i = 0; i < pr->spec->n_shared; i++)
            t->locals[i].id = UINT32_MAX;
    }
    Shared *v = &t->locals[k];
    if (v->id == UINT32_MAX) {
        char name[300];
        const SimThreadInfo *ti = sim_trace_thread(w->trace, t->id);
        snprintf(name, sizeof(name), "%s [%s]", ss->name, ti && ti->name ? ti->name : "?");
        int id = sim_trace_add_object(w->trace, name, t->proc, "shared", ss->initial);
        if (id < 0)
            w->oom = true;
        *v = (Shared){(uint32_t)(id < 0 ? 0 : id), ss->initial};
    }
    return v;
}

static Shared *op_shared(SimWorld *w, Thread *t, const SimOp *op)
{
    return var_of(w, t, (uint32_t)op->obj, op->index);
}

/* A Value's or Array's own lock (lock=True), NULL without one. */
static Prim *var_lock(SimWorld *w, const SimOp *op)
{
    const SimSharedSpec *ss = &w->sc->shared[op->obj];
    if (ss->scope != SIM_VAR_VALUE || ss->lock < 0)
        return NULL;
    return w->ipc[ss->lock - w->ipc_first];
}

/* Writes v and records it: an increment's write (lost: the updates it
 * overwrote) or an assignment's store (the change, so the value's history
 * replays from its initial value). */
static void var_write(SimWorld *w, Thread *t, Shared *v, int64_t value, bool store, int64_t lost)
{
    int64_t d = store ? value - v->value : lost;
    int32_t recorded = d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int32_t)d;
    v->value = value;
    world_record(w, SIM_REC_SYNC, t->id, v->id, (uint32_t)recorded, store ? SIM_SYNC_STORE : SIM_SYNC_WRITE, 0,
                 SIM_C_OP_END);
}

/* x += 1: one iteration of its loop's bytecode (gil_plan_increments), the
 * read where LOAD_GLOBAL runs, the write at the end. While a thread holds
 * the GIL no other thread of its process writes, so the value read is the
 * value when the op started, or when it took the GIL back if it lost it
 * before reaching the read (sync_work_resumed). A write over a value
 * another thread wrote since the read loses those updates: as many as the
 * value grew meanwhile.
 *
 * `v.value += 1` on a multiprocessing Value (or `a[i] += 1` on an Array)
 * is a property read and a property write, each a call that takes the
 * object's lock for itself alone (Lib/multiprocessing/sharedctypes.py
 * synchronized getters and setters), with the addition between: the lock
 * never covers the whole `+=`, and other processes run on other cores
 * meanwhile, GIL or not. So it reads at the start, runs the bytecode of a
 * read-call-write iteration, and writes at the end, taking the lock (if
 * it has one) around the read and around the write; what other processes
 * wrote in between is lost. Only `with v.get_lock(): v.value += 1` (an
 * RLock, so the inner takes are re-entrant) makes it whole. Its length is
 * the loop's bytecode plus two accesses (python.value_cost, or
 * raw_value_cost for lock=False: measured on 3.11 and 3.12, 265 and 449
 * ns an iteration with the lock, 122 and 165 without). */
static bool step_increment(SimWorld *w, Thread *t, const SimOp *op)
{
    Shared *v = op_shared(w, t, op);
    if (w->sc->shared[op->obj].scope == SIM_VAR_VALUE) {
        Prim *lock = var_lock(w, op);
        switch (t->sync.phase) {
        case VALUE_LOCK_READ:
            if (lock && !sync_lock(w, t, lock, VALUE_READ))
                return false;
            /* fall through */
        case VALUE_READ:
            t->sync.inc_read = v->value;
            if (lock)
                prim_release(w, t, lock, false);
        {
            /* Saturating: the costs may be set as large as a duration goes. */
            SimTime access = lock ? w->cfg->value_cost : w->cfg->raw_value_cost;
            return sync_work(w, t, sim_time_add(w->increment[0].total, sim_time_add(access, access)),
                             &w->increment[0].checks, VALUE_LOCK_WRITE);
        }
        case VALUE_LOCK_WRITE:
            if (lock && !sync_lock(w, t, lock, VALUE_WRITE))
                return false;
            /* fall through */
        default:
            var_write(w, t, v, t->sync.inc_read + 1, false, v->value - t->sync.inc_read);
            if (lock)
                prim_release(w, t, lock, false);
            return true;
        }
    }
    if (t->sync.phase == INCREMENT_READ) {
        const IncrementPlan *plan = &w->increment[(op->flags & SIM_OPF_CALL_BETWEEN) ? 1 : 0];
        t->sync.inc_read = v->value;
        return sync_work(w, t, plan->total, &plan->checks, INCREMENT_WRITE);
    }
    var_write(w, t, v, t->sync.inc_read + 1, false, v->value - t->sync.inc_read);
    return true;
}

void sync_work_resumed(SimWorld *w, Thread *t)
{
    const SimOp *op = t->sync.op;
    if (!op || op->kind != SIM_OP_INCREMENT || t->sync.phase != INCREMENT_WRITE ||
        w->sc->shared[op->obj].scope >= SIM_VAR_VALUE)
        return;
    const IncrementPlan *plan = &w->increment[(op->flags & SIM_OPF_CALL_BETWEEN) ? 1 : 0];
    if (t->work.done <= plan->read_at)
        t->sync.inc_read = op_shared(w, t, op)->value; /* it had not read yet */
}

/* x = value: a STORE_GLOBAL (or an attribute of a threading.local) is one
 * bytecode, whole under the GIL; a Value's setter takes its lock. */
static bool step_assign(SimWorld *w, Thread *t, const SimOp *op)
{
    Prim *lock = var_lock(w, op);
    if (t->sync.phase == VALUE_LOCK_READ && lock && !sync_lock(w, t, lock, VALUE_READ))
        return false;
    var_write(w, t, op_shared(w, t, op), op->value, true, 0);
    if (lock)
        prim_release(w, t, lock, false);
    return true;
}

/* Has what a poll waits for come true? `while lock.locked(): pass`,
 * `while not e.is_set(): pass`, `while q.empty(): pass`, `while x < N:
 * pass`. A Value is read directly: its getter's lock only delays the loop. */
static bool poll_done(SimWorld *w, Thread *t, const SimOp *op)
{
    if (op->flags & SIM_OPF_VAR)
        return op_shared(w, t, op)->value >= op->value;
    Prim *p = op_prim(w, t, op);
    switch (p->kind) {
    case SIM_PRIM_LOCK:
    case SIM_PRIM_RLOCK:
        return p->owner == NO_THREAD;
    case SIM_PRIM_SEMAPHORE:
    case SIM_PRIM_BOUNDED_SEMAPHORE:
    case SIM_PRIM_EVENT:
    case SIM_PRIM_QUEUE:
    case SIM_PRIM_PIPE:
    case SIM_PRIM_MP_QUEUE:
        return p->count > 0;
    default:
        return true;
    }
}

/* A busy-wait: the loop runs bytecode holding the GIL, a check point at
 * every backward jump, so it gives the GIL up only when a drop request
 * forces it, as any cpu loop. It is simulated in stretches of POLL_STRETCH,
 * the condition tested after each: what it waits for is seen at most that
 * late, and a long wait costs one event per stretch, not per iteration. */
#define POLL_STRETCH 10000 /* ns */

static bool step_poll(SimWorld *w, Thread *t, const SimOp *op)
{
    if (t->sync.phase == POLL_CHECK)
        t->sync.polls = 0;
    if (poll_done(w, t, op))
        return true;
    if (sim_queue_size(&w->q) == 0) {
        /* Nothing else is pending, so nothing can ever make the condition
         * true: the loop would spin forever. It stops here, on its core,
         * and the run ends as stuck (the run loop finds no event),
         * running Python as it would be. */
        world_set_reason(w, t, SIM_R_PYTHON, SIM_C_OP_BEGIN, 0);
        return false;
    }
    t->sync.polls++;
    return sync_work(w, t, POLL_STRETCH, NULL, POLL_AGAIN);
}

/* The Python side of an acquire or release call (python.lock_call_cost),
 * then step `next`. From 3.10 it has no check point inside: a call checks
 * only once it has returned, and `with` calls __enter__ from inside one
 * instruction (sync_op_done); before 3.10 every instruction of it can
 * stop, inside the lock on the way out. */
static bool lock_call(SimWorld *w, Thread *t, uint8_t next)
{
    if (w->cfg->lock_call_cost <= 0) {
        t->sync.phase = next;
        return true;
    }
    return sync_work(w, t, w->cfg->lock_call_cost, sim_py_version(w->cfg) < 310 ? NULL : &gil_no_checks, next);
}

static bool step_acquire(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    if (t->sync.phase == ACQUIRE_CALL && !lock_call(w, t, ACQUIRE_TRY))
        return false;
    if (t->sync.phase == ACQUIRE_WOKEN)
        return true; /* acquired while woken, or timed out (acquire returned False) */
    if (prim_try_take(p, t)) {
        sync_record(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OP_BEGIN);
        return true;
    }
    if ((op->flags & SIM_OPF_NONBLOCKING) || op->timeout == 0) {
        sync_record(w, t, p, SIM_SYNC_TRY_FAIL, prim_waiting(p), 0, SIM_C_OP_BEGIN);
        return true;
    }
    return sync_block(w, t, p, 0, WAKE_RETRY, op->timeout, ACQUIRE_WOKEN);
}

static bool step_release(SimWorld *w, Thread *t, Prim *p)
{
    if (t->sync.phase == RELEASE_CALL && !lock_call(w, t, RELEASE_NOW))
        return false;
    SimSyncError e = prim_release(w, t, p, false);
    return e ? raise_error(w, t, p, e) : true;
}

static bool step_notify(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    if (!owns(p->lock, t))
        return raise_error(w, t, p, SIM_SERR_NOTIFY_UNOWNED);
    uint32_t n = op->count == 0 ? wl_count(&p->waiters) : op->count;
    if (n > wl_count(&p->waiters))
        n = wl_count(&p->waiters);
    sync_record(w, t, p, SIM_SYNC_NOTIFY, n, 0, SIM_C_OP_BEGIN);
    for (uint32_t i = 0; i < n; i++)
        prim_wake_one(w, p, 0, true, WAKE_NOTIFIED);
    return true;
}

static bool step_event_wait(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    if (t->sync.phase == EVENT_CHECK) {
        if (p->count || op->timeout == 0) {
            sync_record(w, t, p, SIM_SYNC_PASS, 0, 0, SIM_C_OP_BEGIN);
            return true;
        }
        return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, EVENT_WOKEN);
    }
    if (!t->sync.timed_out)
        sync_record(w, t, p, SIM_SYNC_PASS, 0, 0, SIM_C_OBJECT);
    return true;
}

static bool step_condition_wait(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    if (t->sync.phase == COND_RELEASE) {
        if (!owns(p->lock, t))
            return raise_error(w, t, p, SIM_SERR_WAIT_UNOWNED);
        t->sync.saved_depth = p->lock->count;
        prim_release(w, t, p->lock, true);
        return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, COND_RELOCK);
    }
    /* _acquire_restore: take the lock back (it may be contended). */
    if (t->sync.phase == COND_RELOCK && !sync_lock(w, t, p->lock, COND_RELOCKED))
        return false;
    if (p->lock->kind == SIM_PRIM_RLOCK)
        p->lock->count = t->sync.saved_depth;
    return true;
}

static bool step_barrier_wait(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    SimTime timeout = op->timeout >= 0 ? op->timeout : p->spec->timeout;
    if (t->sync.phase == BARRIER_ARRIVE) {
        if (p->broken)
            return raise_error(w, t, p, SIM_SERR_BROKEN_BARRIER);
        if (++p->count >= p->spec->value) {
            p->count = 0;
            sync_record(w, t, p, SIM_SYNC_PASS, (uint32_t)p->spec->value, 0, SIM_C_OP_BEGIN);
            prim_wake_all(w, p, 0, WAKE_NOTIFIED);
            return true;
        }
        return sync_block(w, t, p, 0, WAKE_NOTIFIED, timeout, BARRIER_WOKEN);
    }
    if (t->sync.timed_out && !p->broken) {
        /* The waiter that timed out breaks the barrier for everyone. */
        p->broken = true;
        sync_record(w, t, p, SIM_SYNC_BROKEN, wl_count(&p->waiters), 0, SIM_C_TIMEOUT);
        uint32_t pos = 0;
        for (uint32_t id; (id = wl_next(&p->waiters, &pos)) != NO_THREAD;)
            T(w, id)->sync.failed = true;
        prim_wake_all(w, p, 0, WAKE_NOTIFIED);
    }
    if (t->sync.timed_out || t->sync.failed) {
        t->sync.failed = false;
        return raise_error(w, t, p, SIM_SERR_BROKEN_BARRIER);
    }
    return true;
}

/* A pipe end or a multiprocessing queue: pickling holds the GIL; the bytes
 * travel the pipe; a reader blocks (in I/O) until a message arrives. */
static bool step_pipe(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    bool pickle = p->kind == SIM_PRIM_MP_QUEUE;
    if (op->kind == SIM_OP_PUT) {
        if (t->sync.phase == PIPE_START && pickle)
            return sync_work(w, t, w->cfg->pickle_cost, NULL, PIPE_READY);
        SimTime transfer = sim_dist_sample(&op->dur, &t->rng);
        world_schedule(w, w->now + w->cfg->pipe_latency + transfer, EV_PIPE_DELIVER, t->id, (int64_t)p->slot);
        sync_record(w, t, p, SIM_SYNC_PUT, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
        return true;
    }
    if (t->sync.phase == PIPE_START) {
        if (p->count == 0)
            return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, PIPE_READY);
        t->sync.phase = PIPE_READY;
    }
    if (t->sync.phase == PIPE_READY) {
        if (t->sync.timed_out)
            return true;
        if (p->count == 0) /* another reader took it first */
            return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, PIPE_READY);
        p->count--;
        sync_record(w, t, p, SIM_SYNC_GET, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
        if (pickle)
            return sync_work(w, t, w->cfg->pickle_cost, NULL, PIPE_DONE);
    }
    return true;
}

/* queue.Queue: `with self.not_full:` / `with self.not_empty:`. Lib/queue.py
 * runs Python under the mutex (the size test, the append or popleft,
 * notify and its _is_owned): python.queue_op_cost of bytecode with its
 * check points, so a forced switch can fall while the mutex is held and
 * turn the other side's next put or get into a real lock wait. The rest of
 * the call (put() itself, Condition.__enter__ up to the mutex, __exit__
 * after it), python.queue_call_cost, runs without it: charged before the
 * mutex, which in a loop of puts is the same as after the one before, and
 * is the window in which a thread woken from the mutex's wait finds it
 * free. */
static bool step_queue(SimWorld *w, Thread *t, const SimOp *op, Prim *p)
{
    bool put = op->kind == SIM_OP_PUT;
    if (t->sync.phase == QUEUE_CALL) {
        if (w->cfg->queue_call_cost > 0)
            return sync_work(w, t, w->cfg->queue_call_cost, NULL, QUEUE_LOCK);
        t->sync.phase = QUEUE_LOCK;
    }
    if (t->sync.phase == QUEUE_LOCK && !sync_lock(w, t, p->lock, QUEUE_LOCKED))
        return false;
    if (t->sync.phase == QUEUE_LOCKED && w->cfg->queue_op_cost > 0)
        return sync_work(w, t, w->cfg->queue_op_cost, NULL, QUEUE_READY);
    int64_t maxsize = p->spec->value;
    bool blocked = put ? maxsize > 0 && p->count >= maxsize : p->count == 0;
    if (blocked) {
        if (t->sync.timed_out || op->timeout == 0) {
            /* queue.Full / queue.Empty */
            sync_record(w, t, p, SIM_SYNC_TIMEOUT, prim_waiting(p), put ? SIM_QSIDE_PUT : SIM_QSIDE_GET,
                        SIM_C_TIMEOUT);
            prim_release(w, t, p->lock, false);
            return true;
        }
        /* Wait on not_full / not_empty; woken, take the mutex again. */
        prim_release(w, t, p->lock, false);
        return sync_block(w, t, p, put ? 1 : 0, WAKE_NOTIFIED, op->timeout, QUEUE_LOCK);
    }
    if (put)
        p->count++;
    else
        p->count--;
    sync_record(w, t, p, put ? SIM_SYNC_PUT : SIM_SYNC_GET, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
    prim_wake_one(w, p, put ? 0 : 1, true, WAKE_NOTIFIED);
    prim_release(w, t, p->lock, false);
    return true;
}

/* ---- A Manager: a server process, a round trip per access ------------------------
 *
 * multiprocessing.Manager() runs a server process; a proxy's every method
 * call (a dict's d[k] = v, a Value proxy's .value) pickles a request, sends
 * it down a socket, waits for the reply without the GIL and unpickles it,
 * and the server unpickles, runs the method on the one real object and
 * pickles the reply (Lib/multiprocessing/managers.py). CPython's server
 * serves each connection in a thread of its own; they take turns on the
 * server's GIL and each request is short, so one thread serving requests
 * in arrival order is what the callers see. The request's effect (a read or
 * a write of a Value) happens in the server when it serves it, so two
 * processes doing `v.value += 1` through proxies (a get, then a set) lose
 * updates as they would on a raw Value.
 */

/* The call of t's current op to manager m, from step `base`; 1 once over,
 * 0 while it works or waits (the step returns false). */
static int manager_call(SimWorld *w, Thread *t, Prim *m, uint8_t base)
{
    switch (t->sync.phase - base) {
    case CALL_PICKLE:
        sync_work(w, t, w->cfg->pickle_cost, NULL, base + CALL_SEND);
        return 0;
    case CALL_SEND:
        world_schedule(w, w->now + w->cfg->pipe_latency, EV_PIPE_DELIVER, t->id, (int64_t)m->slot);
        sync_block(w, t, m, 1, WAKE_NOTIFIED, -1, base + CALL_UNPICKLE);
        return 0;
    case CALL_UNPICKLE:
        sync_work(w, t, w->cfg->pickle_cost, NULL, base + CALL_OVER);
        return 0;
    default:
        return 1;
    }
}

/* The manager an op of a caller reaches: the op's object, or its variable's manager. */
static Prim *op_manager(SimWorld *w, Thread *t, const SimOp *op)
{
    if (op->kind == SIM_OP_CALL || op->kind == SIM_OP_SERVE)
        return op_prim(w, t, op);
    return w->ipc[w->sc->shared[op->obj].manager - w->ipc_first];
}

/* What the server does for caller c's request, when it serves it. */
static void manager_apply(SimWorld *w, Thread *server, Thread *c)
{
    const SimOp *op = c->sync.op;
    if (!op || (op->kind != SIM_OP_INCREMENT && op->kind != SIM_OP_ASSIGN))
        return; /* a method call of no variable: its time is all there is */
    Shared *v = var_of(w, c, (uint32_t)op->obj, op->index);
    if (op->kind == SIM_OP_ASSIGN)
        var_write(w, server, v, op->value, true, 0);
    else if (c->sync.phase == MGET + CALL_UNPICKLE)
        c->sync.inc_read = v->value; /* the get */
    else
        var_write(w, server, v, c->sync.inc_read + 1, false, v->value - c->sync.inc_read); /* the set */
}

/* A call through a proxy (CALL, or an assignment to a Manager's Value). */
static bool step_call(SimWorld *w, Thread *t, const SimOp *op)
{
    return manager_call(w, t, op_manager(w, t, op), 0) == 1;
}

/* v.value += 1 through a proxy: a get, the addition, a set. */
static bool step_managed_increment(SimWorld *w, Thread *t, const SimOp *op)
{
    Prim *m = op_manager(w, t, op);
    if (t->sync.phase < MADD)
        return manager_call(w, t, m, MGET) == 1 && step_managed_increment(w, t, op);
    if (t->sync.phase == MADD)
        return sync_work(w, t, w->increment[0].total, &w->increment[0].checks, MSET);
    return manager_call(w, t, m, MSET) == 1;
}

/* The server's thread: serves the oldest request, replies, waits for more. */
static bool step_serve(SimWorld *w, Thread *t, const SimOp *op)
{
    Prim *m = op_prim(w, t, op);
    if (t->sync.phase == SERVE_REPLY) {
        Thread *c = T(w, t->sync.serving);
        if (!c->done)
            world_schedule(w, w->now + w->cfg->pipe_latency, EV_REPLY, c->id, (int64_t)m->slot);
        t->sync.phase = SERVE_WAIT;
    }
    if (m->n_reqs == 0)
        return sync_block(w, t, m, 0, WAKE_NOTIFIED, -1, SERVE_WAIT);
    uint32_t id = m->reqs[0];
    memmove(m->reqs, m->reqs + 1, (m->n_reqs - 1) * sizeof(*m->reqs));
    m->n_reqs--;
    m->count = m->n_reqs;
    t->sync.serving = id;
    sync_record(w, t, m, SIM_SYNC_GET, m->n_reqs, 0, SIM_C_OBJECT);
    if (!T(w, id)->done)
        manager_apply(w, t, T(w, id));
    /* Unpickle the request, run the method, pickle the reply. */
    return sync_work(w, t, sim_time_add(w->cfg->pickle_cost, w->cfg->pickle_cost), NULL, SERVE_REPLY);
}

void sync_reply(SimWorld *w, Thread *t, Prim *p)
{
    if (t->sync.prim != p) {
        /* Still on its way into the wait (a FORCE_SWITCHING hand-over):
         * the reply waits in the socket until it reads it. */
        world_schedule(w, w->now + w->cfg->pipe_latency, EV_REPLY, t->id, (int64_t)p->slot);
        return;
    }
    prim_list_remove(p, 1, t->id);
    prim_wake(w, t, p, WAKE_NOTIFIED, SIM_C_OBJECT);
}

static bool sync_step_op(SimWorld *w, Thread *t);

/* One step of t's op. Each sleeper the step woke cost t a futex wake in
 * the kernel (a system call and an interrupt to the sleeper's CPU):
 * machine.short_sleep_wake_cost for one asleep less than
 * machine.short_sleep, as in a lock or queue handed back and forth, else
 * machine.wake_cost (prim_wake). It is paid before t's next op
 * (prog_advance), as is a release's futex call for waiters already woken
 * (prim_release). */
bool sync_step(SimWorld *w, Thread *t)
{
    SimTime before = w->wake_costs;
    bool over = sync_step_op(w, t);
    t->wake_debt += w->wake_costs - before;
    return over;
}

static bool sync_step_op(SimWorld *w, Thread *t)
{
    const SimOp *op = t->sync.op;
    bool managed = (op->kind == SIM_OP_INCREMENT || op->kind == SIM_OP_ASSIGN) &&
                   w->sc->shared[op->obj].scope == SIM_VAR_MANAGED;
    if (op->kind == SIM_OP_CALL || (managed && op->kind == SIM_OP_ASSIGN))
        return step_call(w, t, op);
    if (managed)
        return step_managed_increment(w, t, op);
    if (op->kind == SIM_OP_SERVE)
        return step_serve(w, t, op);
    if (op->kind == SIM_OP_INCREMENT)
        return step_increment(w, t, op);
    if (op->kind == SIM_OP_ASSIGN)
        return step_assign(w, t, op);
    if (op->kind == SIM_OP_POLL)
        return step_poll(w, t, op);
    if (op->kind == SIM_OP_POOL)
        return op->flags & SIM_OPF_POOL_WORKER ? pool_worker_step(w, t, op) : pool_submit_step(w, t, op);
    Prim *p = op_prim(w, t, op);
    switch ((SimOpKind)op->kind) {
    case SIM_OP_ACQUIRE:
        return step_acquire(w, t, op, p);
    case SIM_OP_RELEASE:
        return step_release(w, t, p);
    case SIM_OP_SET:
        p->count = 1;
        sync_record(w, t, p, SIM_SYNC_SET, wl_count(&p->waiters), 0, SIM_C_OP_BEGIN);
        prim_wake_all(w, p, 0, WAKE_NOTIFIED);
        return true;
    case SIM_OP_CLEAR:
        p->count = 0;
        sync_record(w, t, p, SIM_SYNC_CLEAR, 0, 0, SIM_C_OP_BEGIN);
        return true;
    case SIM_OP_NOTIFY:
        return step_notify(w, t, op, p);
    case SIM_OP_WAIT:
        return p->kind == SIM_PRIM_EVENT       ? step_event_wait(w, t, op, p)
               : p->kind == SIM_PRIM_CONDITION ? step_condition_wait(w, t, op, p)
               : p->kind == SIM_PRIM_BARRIER   ? step_barrier_wait(w, t, op, p)
                                               : true;
    case SIM_OP_PUT:
    case SIM_OP_GET:
        return p->kind == SIM_PRIM_PIPE || p->kind == SIM_PRIM_MP_QUEUE ? step_pipe(w, t, op, p)
                                                                         : step_queue(w, t, op, p);
    default:
        return true;
    }
}

/* A message arrives at a pipe's reading end, or a request at a Manager's server. */
void sync_pipe_deliver(SimWorld *w, Prim *p, uint32_t from)
{
    if (p->kind == SIM_PRIM_MANAGER && !world_push_u32(w, &p->reqs, &p->n_reqs, &p->cap_reqs, from))
        return;
    p->count++;
    prim_wake_one(w, p, 0, true, WAKE_NOTIFIED);
}

