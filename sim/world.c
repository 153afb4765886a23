/*
 * world.c - the discrete-event simulation: threads running their programs
 * on an OS scheduler with N cores, each process with CPython's GIL.
 *
 * The GIL follows Python/ceval_gil.c (3.2+): take_gil waits on a condition
 * variable for one switch interval; only a timeout with no switch meanwhile
 * sets the drop request; the holder notices it at its next check point,
 * drops the GIL, signals one waiter (chosen as the OS would) and, with
 * FORCE_SWITCHING, waits until some other thread took the GIL. Every wake-up
 * from a condition variable or a blocking call costs a wake-up latency and
 * needs a core. CPU work is not simulated check point by check point: a
 * running thread has one pending event, at the end of its work or at the
 * next check point once a drop request is pending, so a 60 s CPU-bound
 * thread costs a handful of events per GIL hand-over.
 *
 * Invariants (checked by world_sane() in debug builds):
 *  - a GIL has at most one holder, and the holder's `holds_gil` is set;
 *  - a thread is on at most one core, and core.thread points back at it;
 *  - a thread in a GIL's waiter list has an armed timeout and no core;
 *  - events are dispatched in (time, push order), so runs are reproducible.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define NO_THREAD UINT32_MAX
#define MAX_LOOP_DEPTH 17

/* ---- Types ---------------------------------------------------------------- */

typedef enum EventType {
    EV_THREAD_BEGIN, /* a thread starts: it needs a core, then the GIL */
    EV_READY,        /* a wake-up latency has passed: the thread wants a core */
    EV_ON_CORE,      /* a context switch finished: run the thread's continuation */
    EV_RUN,          /* a running thread reached the end of its work or a check point */
    EV_BLOCK_END,    /* I/O or sleep finished and the OS woke the thread */
    EV_GIL_TIMEOUT,  /* a timed wait in take_gil expired */
    EV_SLICE,        /* a core's OS time slice expired (thread = core index) */
    EV_PROC_START,   /* a process finished starting up (thread = process index) */
    EV_SYNC_TIMEOUT, /* a timed wait on a synchronization object expired */
    EV_PIPE_DELIVER, /* a message reaches the reading end of a pipe (data = prim index) */
    EV_JOIN_TIMEOUT, /* a join(timeout) gave up */
} EventType;

/* What a thread does once it is on a core. */
typedef enum Cont {
    CONT_NONE,
    CONT_TAKE_GIL,      /* call take_gil; when it succeeds, continue the program */
    CONT_GIL_CHECK,     /* woken inside take_gil: look at the GIL again */
    CONT_RESUME_WORK,   /* resume the current work op after a preemption */
    CONT_DO_PENDING,    /* start the blocking action that waited for a switch */
    CONT_RUN_PROGRAM,   /* holds the GIL already (fork child): run the program */
    CONT_PRIM_RETRY,    /* woken by a lock release: try to take it, then the GIL */
} Cont;

/* A blocking action a thread performs after releasing the GIL. */
/* A blocking action a thread performs after releasing the GIL. */
typedef enum Pending {
    PEND_NONE = SIM_WAIT_NONE,
    PEND_IO = SIM_WAIT_IO,
    PEND_SLEEP = SIM_WAIT_SLEEP,
    PEND_NOGIL = SIM_WAIT_NOGIL,
    PEND_JOIN_THREAD = SIM_WAIT_JOIN_THREAD,
    PEND_JOIN_PROCESS = SIM_WAIT_JOIN_PROCESS,
    PEND_START_WAIT = SIM_WAIT_START,
    PEND_OBJECT = SIM_WAIT_OBJECT,
} Pending;

/* How a thread blocked on an object goes on when it is woken. */
typedef enum WakeMode {
    WAKE_RETRY,    /* a lock was released: retry the acquire before the GIL */
    WAKE_NOTIFIED, /* notified, set, passed or fed: take the GIL and go on */
} WakeMode;

#define GHOST (UINT32_MAX - 1) /* owner of a lock held by a thread lost in a fork */

/* A synchronization object of one process (or shared by several: pipes). */
typedef struct Prim {
    uint32_t id;            /* trace object index */
    uint32_t slot;          /* index in SimWorld.all_prims */
    const SimPrimSpec *spec;
    uint8_t kind;           /* SimPrimKind */
    uint32_t owner;         /* LOCK/RLOCK: holder, NO_THREAD, or GHOST */
    uint32_t ghost_of;      /* GHOST: who held it in the parent at the fork */
    int64_t count;          /* RLOCK depth, SEMAPHORE value, EVENT flag, BARRIER arrivals, items */
    bool broken;            /* BARRIER */
    uint32_t *waiters;      /* acquirers; condition/event/barrier waiters; queue getters */
    uint32_t n_waiters, cap_waiters;
    uint32_t *waiters2;     /* QUEUE: putters (not_full) */
    uint32_t n_waiters2, cap_waiters2;
    struct Prim *lock;      /* CONDITION, QUEUE: the lock they use */
} Prim;

typedef struct Shared {
    uint32_t id;            /* trace object index */
    int64_t value;
    uint64_t version;       /* writes so far: a stale read shows as a version gap */
} Shared;

/* What happens when a GIL-holding work op (c_call) ends. */
typedef enum Post {
    POST_NONE,
    POST_START_THREAD,
    POST_START_PROCESS,
    POST_FORK,
} Post;

typedef struct Loop {
    uint32_t start, end, left;
} Loop;

typedef struct Thread {
    uint32_t id;
    uint32_t proc;
    uint32_t gil;
    const SimThreadSpec *spec;
    bool daemon;
    uint8_t reason;          /* current SimReason (state derives from it) */
    bool started, done;
    bool holds_gil;
    bool ever_held_gil;      /* Thread.start() returns once the child ran */
    /* program */
    uint32_t pc, prog_end;
    Loop loops[MAX_LOOP_DEPTH];
    int depth;
    /* current work op (cpu, c_call, nogil) */
    uint8_t work_kind;       /* SimOpKind, or 0xff for none */
    SimTime work_left;       /* ns of work still to do */
    SimTime work_done;       /* ns done in this op (check point phase) */
    SimTime seg_start;       /* when the current run segment began */
    double seg_factor;       /* wall time per unit of work in this segment (old GIL) */
    bool run_to_end;         /* run_ev is the end of the work, not a check point */
    SimHandle run_ev;
    uint8_t post;            /* Post action at the end of a c_call */
    int32_t post_target;
    /* blocking */
    uint8_t pending;         /* Pending action */
    uint8_t wait_kind;       /* what a blocked thread waits for: Pending value */
    int32_t wait_target;     /* the thread or process it waits for */
    SimTime pending_dur;
    int32_t pending_target;
    SimHandle block_ev;
    /* scheduling */
    uint8_t cont;            /* Cont */
    int32_t core;            /* -1 when not on a core */
    int32_t last_core;
    uint32_t rq_next;        /* run queue link */
    bool in_runq;
    bool waking;             /* a READY or ON_CORE event is pending */
    /* take_gil */
    uint64_t saved_switch;
    SimHandle gil_timer;
    bool woke_by_timeout;
    uint8_t after_switch;    /* Cont to run after a FORCE_SWITCHING wait */
    /* joins waiting for this thread */
    uint32_t *joiners;
    uint32_t n_joiners, cap_joiners;
    uint32_t start_waiter;   /* thread blocked in Thread.start() on us */
    /* the synchronization op in progress */
    const SimOp *sync_op;
    uint8_t phase;
    bool timed_out;          /* its last wait timed out */
    bool sync_failed;        /* woken by a broken barrier */
    bool no_check;           /* the current cpu work passes no check point */
    uint8_t wait_mode;       /* WakeMode */
    uint8_t wait_list;       /* 0: Prim.waiters, 1: Prim.waiters2 */
    Prim *wait_prim;
    SimHandle sync_timer;
    SimTime sync_deadline;   /* absolute end of the current timed wait, -1 none */
    Prim *retry_prim;        /* the lock to retry when woken by its release */
    int64_t inc_read;        /* INCREMENT: the value read */
    uint64_t inc_version;
    int64_t saved_depth;     /* Condition.wait on an RLock: depth to restore */
    struct PoolRun *pool;    /* pool workers: the pool they serve */
    struct PoolRun *pool_run;/* a POOL op's submitter: the pool it runs */
    uint32_t pool_items;     /* process-pool worker: items left in its chunk */
    bool pool_busy;          /* process-pool worker: a chunk's result is owed */
    SimRng rng;
} Thread;

typedef struct Gil {
    bool locked;
    uint32_t holder, last_holder;
    uint64_t switch_number;
    bool drop_request;
    bool spec_retake;        /* new-noforce: the holder drops and re-takes at every check point */
    uint32_t switch_waiter;  /* the dropper in FORCE_SWITCHING wait */
    uint32_t *waiters;       /* threads in take_gil's timed wait, by arrival */
    uint32_t n_waiters, cap_waiters;
    SimRng rng;
} Gil;

typedef struct Process {
    uint32_t id;
    const SimProcessSpec *spec;
    uint32_t gil;
    uint32_t *threads;       /* thread ids of this process */
    uint32_t n_threads, cap_threads;
    uint32_t live_nondaemon;
    bool started, done;
    uint32_t *joiners;
    uint32_t n_joiners, cap_joiners;
    struct PoolRun *pool;    /* a pool's worker process: its pool */
    uint32_t n_interp;       /* interpreters with their own GIL: gil .. gil + n_interp - 1 */
    uint64_t interp_started; /* bit k: subinterpreter k exists */
    Prim **prims;            /* [spec->n_prims], by template index - first_prim */
    Shared *shared;          /* [spec->n_shared] */
} Process;

typedef struct Core {
    uint32_t thread;         /* running (or reserved for) thread, NO_THREAD if idle */
    uint32_t last;           /* last thread that ran here (context switch cost) */
    SimTime since;           /* when the current thread got the core */
    SimHandle slice_ev;
} Core;

struct SimWorld {
    const SimScenario *sc;
    const SimConfig *cfg;
    SimTime now;
    SimQueue q;
    SimTrace *trace;
    uint64_t events;
    Thread **threads;
    uint32_t n_threads, cap_threads;
    Process **procs;
    uint32_t n_procs, cap_procs;
    Gil *gils;
    uint32_t n_gils, cap_gils;
    Core *cores;
    uint32_t rq_head, rq_tail, rq_len;
    uint32_t live_procs;     /* processes started and not done, plus pending starts */
    bool forkserver_up;
    struct PoolRun **pools;  /* every pool run, for freeing */
    uint32_t n_pools, cap_pools;
    Prim **all_prims;        /* every object, for freeing */
    uint32_t n_all_prims, cap_all_prims;
    Prim **ipc;              /* top-level objects shared by every process */
    int ipc_first;           /* template index of the first top-level object */
    SimRng os_rng;           /* the OS's choices among an object's waiters */
    bool oom;
    bool finished;
    int outcome;
};

/* ---- Small helpers ---------------------------------------------------------- */

static bool grow_array(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

static bool push_u32(SimWorld *w, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v)
{
    if (!grow_array((void **)arr, cap, *n + 1, sizeof(uint32_t))) {
        w->oom = true;
        return false;
    }
    (*arr)[(*n)++] = v;
    return true;
}

static SimHandle schedule(SimWorld *w, SimTime at, EventType type, uint32_t thread, int64_t data)
{
    SimHandle h = sim_queue_push(&w->q, at, type, thread, data);
    if (!h)
        w->oom = true;
    return h;
}

static void cancel(SimWorld *w, SimHandle *h)
{
    if (*h)
        sim_queue_cancel(&w->q, *h);
    *h = 0;
}

static void record(SimWorld *w, uint8_t kind, uint32_t thread, uint32_t arg, uint32_t other,
                   uint8_t state, uint8_t reason, uint8_t cause)
{
    SimRecord r = {w->now, thread, arg, other, kind, state, reason, cause};
    if (sim_trace_append(w->trace, &r) < 0)
        w->oom = true;
}

/* The one place thread states change, so the trace chain stays intact. */
static void set_reason(SimWorld *w, Thread *t, SimReason reason, SimCause cause, uint32_t other)
{
    if (t->reason == reason)
        return;
    SimState old = sim_reason_state((SimReason)t->reason), now = sim_reason_state(reason);
    uint32_t arg = now == SIM_ST_RUNNING ? (uint32_t)t->core : 0;
    record(w, SIM_REC_STATE, t->id, arg, other, (uint8_t)(now | (old << 4)), (uint8_t)reason, (uint8_t)cause);
    t->reason = (uint8_t)reason;
}

static SimTime wake_latency(SimWorld *w, Thread *t)
{
    return sim_dist_sample(&w->cfg->wake_latency, &t->rng);
}

static inline Thread *T(SimWorld *w, uint32_t id) { return w->threads[id]; }

/* The OS wakes a blocked thread: after the wake-up latency it wants a core
 * to run `cont`. */
static void os_wake(SimWorld *w, Thread *t, uint8_t cont)
{
    t->cont = cont;
    t->waking = true;
    schedule(w, w->now + wake_latency(w, t), EV_READY, t->id, 0);
}

/* ---- OS scheduler: cores and the run queue -------------------------------- */

static void run_continuation(SimWorld *w, Thread *t);
static void dispatch(SimWorld *w, uint32_t core);

static void runq_push(SimWorld *w, Thread *t)
{
    t->rq_next = NO_THREAD;
    t->in_runq = true;
    if (w->rq_tail == NO_THREAD)
        w->rq_head = t->id;
    else
        T(w, w->rq_tail)->rq_next = t->id;
    w->rq_tail = t->id;
    w->rq_len++;
}

static Thread *runq_pop(SimWorld *w)
{
    if (w->rq_head == NO_THREAD)
        return NULL;
    Thread *t = T(w, w->rq_head);
    w->rq_head = t->rq_next;
    if (w->rq_head == NO_THREAD)
        w->rq_tail = NO_THREAD;
    t->in_runq = false;
    w->rq_len--;
    return t;
}

static void runq_remove(SimWorld *w, Thread *t)
{
    uint32_t prev = NO_THREAD;
    for (uint32_t id = w->rq_head; id != NO_THREAD; id = T(w, id)->rq_next) {
        if (id == t->id) {
            if (prev == NO_THREAD)
                w->rq_head = t->rq_next;
            else
                T(w, prev)->rq_next = t->rq_next;
            if (w->rq_tail == id)
                w->rq_tail = prev;
            t->in_runq = false;
            w->rq_len--;
            return;
        }
        prev = id;
    }
}

/* Arms the time-slice timers of busy cores once threads wait for a core. */
static void arm_slices(SimWorld *w)
{
    for (int c = 0; c < w->cfg->cores; c++) {
        Core *k = &w->cores[c];
        if (k->thread != NO_THREAD && !k->slice_ev) {
            SimTime at = k->since + w->cfg->time_slice;
            if (at < w->now)
                at = w->now;
            k->slice_ev = schedule(w, at, EV_SLICE, (uint32_t)c, 0);
        }
    }
}

/* Gives core c to thread t, paying the context switch when it changes hands. */
static void assign_core(SimWorld *w, Thread *t, uint32_t c)
{
    Core *k = &w->cores[c];
    k->thread = t->id;
    k->since = w->now;
    t->core = (int32_t)c;
    bool switch_cost = k->last != t->id && w->cfg->ctx_switch > 0;
    k->last = t->id;
    t->last_core = (int32_t)c;
    if (switch_cost) {
        t->waking = true;
        schedule(w, w->now + w->cfg->ctx_switch, EV_ON_CORE, t->id, 0);
    } else {
        run_continuation(w, t);
    }
}

/* Thread t wants a core to run its continuation. */
static void request_core(SimWorld *w, Thread *t, Cont cont)
{
    t->cont = (uint8_t)cont;
    int free_core = -1;
    if (t->last_core >= 0 && w->cores[t->last_core].thread == NO_THREAD)
        free_core = t->last_core;
    for (int c = 0; free_core < 0 && c < w->cfg->cores; c++)
        if (w->cores[c].thread == NO_THREAD)
            free_core = c;
    if (free_core >= 0) {
        assign_core(w, t, (uint32_t)free_core);
        return;
    }
    /* Every core is busy. A thread waiting inside take_gil stays "waiting for
     * the GIL" in the picture; anything else is waiting for a core. */
    if (cont != CONT_GIL_CHECK)
        set_reason(w, t, SIM_R_WAIT_CORE, SIM_C_NONE, 0);
    runq_push(w, t);
    arm_slices(w);
}

/* Thread t leaves its core (it blocks, waits or ends). */
static void release_core(SimWorld *w, Thread *t)
{
    if (t->core < 0)
        return;
    uint32_t c = (uint32_t)t->core;
    Core *k = &w->cores[c];
    k->thread = NO_THREAD;
    cancel(w, &k->slice_ev);
    t->core = -1;
    dispatch(w, c);
}

static void dispatch(SimWorld *w, uint32_t c)
{
    if (w->cores[c].thread != NO_THREAD)
        return;
    Thread *t = runq_pop(w);
    if (t)
        assign_core(w, t, c);
}

/* ---- Work segments ---------------------------------------------------------- */

static void thread_advance(SimWorld *w, Thread *t);
static void gil_drop(SimWorld *w, Thread *t, SimDropKind kind);
static void gil_take(SimWorld *w, Thread *t);
static void forced_drop(SimWorld *w, Thread *t);

/* Time from now until the next eval-breaker check of the running cpu op. */
static SimTime next_check_point(SimWorld *w, Thread *t)
{
    SimTime gap = w->cfg->check_point_gap;
    SimTime done = t->work_done + (w->now - t->seg_start);
    SimTime into = done % gap;
    return into ? gap - into : 0;
}

static double old_slowdown(SimWorld *w, const Gil *g);
static uint32_t old_contenders(SimWorld *w, const Gil *g);
static void gil_signal_one(SimWorld *w, Gil *g);

/* Plans the single pending event of a thread that runs work on a core. */
static void plan_run(SimWorld *w, Thread *t)
{
    cancel(w, &t->run_ev);
    Gil *g = &w->gils[t->gil];
    t->seg_factor = t->work_kind == SIM_OP_CPU && t->holds_gil ? old_slowdown(w, g) : 1.0;
    SimTime at = w->now + (SimTime)((double)t->work_left * t->seg_factor + 0.5);
    t->run_to_end = true;
    if (t->work_kind == SIM_OP_CPU && !t->no_check && t->holds_gil && g->drop_request && !g->spec_retake) {
        SimTime cp = w->now + next_check_point(w, t);
        if (cp < at) {
            at = cp;
            t->run_to_end = false;
        }
    }
    t->run_ev = schedule(w, at, EV_RUN, t->id, 0);
    /* Old GIL: the holder's next tick release wakes a blocked waiter. */
    if (w->cfg->gil == SIM_GIL_OLD && t->work_kind == SIM_OP_CPU && t->holds_gil && g->n_waiters)
        gil_signal_one(w, g);
}

static void start_segment(SimWorld *w, Thread *t)
{
    t->seg_start = w->now;
    SimReason r = t->work_kind == SIM_OP_CPU ? SIM_R_PYTHON
                  : t->work_kind == SIM_OP_C_CALL ? SIM_R_C_CALL
                                                  : SIM_R_NOGIL;
    set_reason(w, t, r, SIM_C_NONE, 0);
    plan_run(w, t);
}

/* Accounts the work done since the segment began (preemption or a stop). */
static void account_segment(SimWorld *w, Thread *t)
{
    SimTime ran = w->now - t->seg_start;
    if (t->seg_factor > 1.0)
        ran = (SimTime)((double)ran / t->seg_factor);
    if (ran > t->work_left)
        ran = t->work_left;
    t->work_left -= ran;
    t->work_done += ran;
    t->seg_start = w->now;
}

static void begin_work(SimWorld *w, Thread *t, SimOpKind kind, SimTime dur, SimCause cause)
{
    /* Free-threaded builds pay for it in every bytecode (PEP 703). */
    if (kind == SIM_OP_CPU && w->cfg->gil == SIM_GIL_NONE && w->cfg->ft_overhead > 1.0)
        dur = (SimTime)((double)dur * w->cfg->ft_overhead + 0.5);
    t->work_kind = (uint8_t)kind;
    t->work_left = dur;
    t->work_done = 0;
    t->seg_start = w->now;
    SimReason r = kind == SIM_OP_CPU ? SIM_R_PYTHON : kind == SIM_OP_C_CALL ? SIM_R_C_CALL : SIM_R_NOGIL;
    set_reason(w, t, r, cause, 0);
    plan_run(w, t);
}

/* ---- The GIL ---------------------------------------------------------------- */

static void gil_waiters_remove(Gil *g, uint32_t id)
{
    for (uint32_t i = 0; i < g->n_waiters; i++) {
        if (g->waiters[i] == id) {
            memmove(&g->waiters[i], &g->waiters[i + 1], (g->n_waiters - i - 1) * sizeof(uint32_t));
            g->n_waiters--;
            return;
        }
    }
}

/* The thread returns from its condition-variable wait after the OS wake-up latency. */
static void wake_from_cond(SimWorld *w, Thread *t, Cont cont, bool timed_out)
{
    t->woke_by_timeout = timed_out;
    os_wake(w, t, (uint8_t)cont);
}

/* COND_SIGNAL(gil->cond): wake one waiter, chosen the way the OS would. */
static void gil_signal_one(SimWorld *w, Gil *g)
{
    if (g->n_waiters == 0 || w->cfg->gil == SIM_GIL_NONE)
        return;
    uint32_t i = w->cfg->wake_policy == SIM_WAKE_FIFO ? 0 : (uint32_t)sim_rng_below(&g->rng, g->n_waiters);
    uint32_t id = g->waiters[i];
    memmove(&g->waiters[i], &g->waiters[i + 1], (g->n_waiters - i - 1) * sizeof(uint32_t));
    g->n_waiters--;
    Thread *t = T(w, id);
    cancel(w, &t->gil_timer);
    wake_from_cond(w, t, CONT_GIL_CHECK, false);
}

/* The holder learns of a drop request at its next check point. */
static void gil_notify_holder(SimWorld *w, Gil *g)
{
    if (g->holder == NO_THREAD)
        return;
    Thread *h = T(w, g->holder);
    if (h->core >= 0 && !h->waking && h->run_ev && h->work_kind == SIM_OP_CPU && !h->no_check) {
        account_segment(w, h);
        plan_run(w, h);
    }
}

static void notify_started(SimWorld *w, Thread *t)
{
    if (t->ever_held_gil)
        return;
    t->ever_held_gil = true;
    if (t->start_waiter != NO_THREAD) {
        Thread *p = T(w, t->start_waiter);
        t->start_waiter = NO_THREAD;
        os_wake(w, p, CONT_TAKE_GIL);
    }
}

static void old_replan_holder(SimWorld *w, Gil *g);

static void gil_acquire(SimWorld *w, Thread *t, SimCause cause)
{
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NONE) {
        /* Free-threaded: attaching to the interpreter takes no lock. */
        t->holds_gil = true;
        notify_started(w, t);
        return;
    }
    assert(!g->locked);
    g->locked = true;
    g->holder = t->id;
    uint32_t prev = g->last_holder;
    if (g->last_holder != t->id) {
        g->last_holder = t->id;
        g->switch_number++;
    }
    if (w->cfg->gil != SIM_GIL_NEW_NOFORCE || prev != t->id) {
        g->drop_request = false;
        g->spec_retake = false;
    }
    t->holds_gil = true;
    record(w, SIM_REC_GIL_ACQUIRE, t->id, t->gil, prev == NO_THREAD ? 0 : prev + 1, 0, 0, (uint8_t)cause);
    /* FORCE_SWITCHING: the thread that dropped the GIL may go on now. */
    if (g->switch_waiter != NO_THREAD) {
        Thread *d = T(w, g->switch_waiter);
        g->switch_waiter = NO_THREAD;
        wake_from_cond(w, d, (Cont)d->after_switch, false);
    }
    notify_started(w, t);
}

/* Enters take_gil's timed wait: one switch interval on the condition variable. */
static void gil_wait(SimWorld *w, Thread *t, SimCause cause)
{
    Gil *g = &w->gils[t->gil];
    t->saved_switch = g->switch_number;
    if (!push_u32(w, &g->waiters, &g->n_waiters, &g->cap_waiters, t->id))
        return;
    if (w->cfg->gil != SIM_GIL_OLD)
        t->gil_timer = schedule(w, w->now + w->cfg->switch_interval, EV_GIL_TIMEOUT, t->id, 0);
    set_reason(w, t, SIM_R_WAIT_GIL, cause, g->holder == NO_THREAD ? 0 : g->holder + 1);
    release_core(w, t);
    if (w->cfg->gil == SIM_GIL_OLD) {
        /* A plain blocking acquire: woken by the holder's next release,
         * which comes within one check interval while it runs bytecode. */
        if (g->n_waiters == 1)
            old_replan_holder(w, g);
        Thread *h = g->holder == NO_THREAD ? NULL : T(w, g->holder);
        if (h && h->core >= 0 && h->work_kind == SIM_OP_CPU && h->run_ev)
            gil_signal_one(w, g);
    }
}

/* ---- The old GIL (CPython <= 3.1) ------------------------------------------
 *
 * Every check_interval ticks the holder releases the GIL and re-acquires it
 * at once; a release signals one blocked waiter, which needs the OS wake-up
 * latency to run and almost always finds the GIL taken again (a failed
 * wake-up). It wins only if its attempt falls in the instant between the
 * release and the re-acquire: one tick of the check interval. Ticks are
 * not simulated one by one: while threads wait, the holder's bytecode runs
 * slower by the cost of signalling them on every release, and more on
 * several cores, where the woken waiters fight over the lock's mutex
 * (calibrated on Beazley's countdown, gil-model.md section 8 O1).
 */

/* Threads of a GIL that want it: blocked on it, or woken or runnable on
 * their way into take_gil. */
static uint32_t old_contenders(SimWorld *w, const Gil *g)
{
    if (g->n_waiters)
        return g->n_waiters;
    if (g->holder == NO_THREAD)
        return 0;
    Process *p = w->procs[T(w, g->holder)->proc];
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n_threads; i++) {
        Thread *t = T(w, p->threads[i]);
        if (!t->done && t->id != g->holder && t->gil == T(w, g->holder)->gil &&
            (t->in_runq || t->waking) && (t->cont == CONT_TAKE_GIL || t->cont == CONT_GIL_CHECK))
            n++;
    }
    return n;
}

/* Wall time per unit of bytecode for the holder of an old GIL. */
static double old_slowdown(SimWorld *w, const Gil *g)
{
    if (w->cfg->gil != SIM_GIL_OLD || old_contenders(w, g) == 0)
        return 1.0;
    double period = (double)w->cfg->check_interval * (double)w->cfg->tick_cost;
    double overhead = (double)w->cfg->old_signal_cost;
    if (w->cfg->cores > 1)
        overhead += (double)w->cfg->old_contention_cost;
    return period > 0 ? 1.0 + overhead / period : 1.0;
}

/* Waiters came or went: the holder's pace changes. */
static void old_replan_holder(SimWorld *w, Gil *g)
{
    if (g->holder == NO_THREAD)
        return;
    Thread *h = T(w, g->holder);
    if (h->core >= 0 && !h->waking && h->run_ev && h->work_kind == SIM_OP_CPU) {
        account_segment(w, h);
        plan_run(w, h);
    }
}

/* A woken waiter tries the old GIL while its holder runs. */
static void old_check(SimWorld *w, Thread *t, Gil *g)
{
    Thread *h = T(w, g->holder);
    bool ticking = h->core >= 0 && !h->waking && h->run_ev && h->work_kind == SIM_OP_CPU;
    uint32_t every = w->cfg->check_interval > 0 ? (uint32_t)w->cfg->check_interval : 1;
    if (ticking && sim_rng_below(&g->rng, every) == 0) {
        /* Caught between the holder's release and its re-acquire. */
        gil_waiters_remove(g, t->id);
        cancel(w, &h->run_ev);
        account_segment(w, h);
        g->locked = false;
        g->holder = NO_THREAD;
        h->holds_gil = false;
        record(w, SIM_REC_GIL_DROP, h->id, h->gil, 0, SIM_DROP_FORCED, 0, SIM_C_DROP_REQUEST);
        h->cont = CONT_TAKE_GIL;
        gil_acquire(w, t, SIM_C_GIL_SIGNAL);
        gil_wait(w, h, SIM_C_GIL_BUSY); /* the old holder now waits; it keeps its resumable work */
        thread_advance(w, t);
        return;
    }
    record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, h->id + 1, 0, 0, SIM_C_GIL_SIGNAL);
    gil_wait(w, t, SIM_C_GIL_SIGNAL);
}

/* new-noforce: a woken waiter races the holder that drops and re-takes the
 * GIL at every check point; it wins if it looks during the instant the GIL
 * is free, about one tick out of a check-point gap. */
static void noforce_check(SimWorld *w, Thread *t, Gil *g)
{
    Thread *h = T(w, g->holder);
    bool ticking = h->core >= 0 && !h->waking && h->run_ev && h->work_kind == SIM_OP_CPU && !h->no_check;
    SimTime gap = w->cfg->check_point_gap > 0 ? w->cfg->check_point_gap : 1;
    if (ticking && (SimTime)sim_rng_below(&g->rng, (uint64_t)gap) < w->cfg->tick_cost) {
        cancel(w, &h->run_ev);
        account_segment(w, h);
        g->locked = false;
        g->holder = NO_THREAD;
        h->holds_gil = false;
        record(w, SIM_REC_GIL_DROP, h->id, h->gil, 0, SIM_DROP_FORCED, 0, SIM_C_DROP_REQUEST);
        gil_acquire(w, t, SIM_C_GIL_SIGNAL);
        gil_wait(w, h, SIM_C_GIL_BUSY); /* the old holder's next take_gil finds it taken */
        thread_advance(w, t);
        return;
    }
    record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, h->id + 1, 0, 0, SIM_C_GIL_SIGNAL);
    gil_wait(w, t, SIM_C_GIL_SIGNAL);
    if (ticking)
        gil_signal_one(w, g); /* the holder's next drop signals again */
}

/* take_gil() on a core: take it if free, else wait. */
static void gil_take(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    if (!g->locked || w->cfg->gil == SIM_GIL_NONE) {
        gil_acquire(w, t, SIM_C_GIL_FREE);
        thread_advance(w, t);
        return;
    }
    gil_wait(w, t, SIM_C_GIL_BUSY);
}

/* A woken waiter looks at the GIL again (the body of take_gil's loop). */
static void gil_check(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    if (!g->locked) {
        gil_acquire(w, t, t->woke_by_timeout ? SIM_C_GIL_TIMEOUT : SIM_C_GIL_SIGNAL);
        thread_advance(w, t);
        return;
    }
    uint32_t holder_ref = g->holder == NO_THREAD ? 0 : g->holder + 1;
    if (w->cfg->gil == SIM_GIL_OLD) {
        old_check(w, t, g);
        return;
    }
    if (w->cfg->gil == SIM_GIL_NEW_NOFORCE && g->spec_retake) {
        noforce_check(w, t, g);
        return;
    }
    if (t->woke_by_timeout) {
        if (g->switch_number == t->saved_switch && !g->drop_request) {
            g->drop_request = true;
            record(w, SIM_REC_DROP_REQUEST, t->id, t->gil, holder_ref, 0, 0, SIM_C_GIL_TIMEOUT);
            gil_notify_holder(w, g);
        }
    } else {
        record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, holder_ref, 0, 0, SIM_C_GIL_SIGNAL);
    }
    gil_wait(w, t, t->woke_by_timeout ? SIM_C_GIL_TIMEOUT : SIM_C_GIL_SIGNAL);
}

/*
 * drop_gil(). Returns with the thread either still on its core (no switch
 * wait) or in the FORCE_SWITCHING wait, where after_switch says what it does
 * once another thread has taken the GIL.
 */
static void gil_drop(SimWorld *w, Thread *t, SimDropKind kind)
{
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NONE) {
        t->holds_gil = false;
        return;
    }
    assert(g->holder == t->id);
    bool request_pending = g->drop_request;
    g->locked = false;
    g->holder = NO_THREAD;
    g->last_holder = t->id;
    t->holds_gil = false;
    record(w, SIM_REC_GIL_DROP, t->id, t->gil, 0, (uint8_t)kind, 0,
           kind == SIM_DROP_FORCED ? SIM_C_DROP_REQUEST : kind == SIM_DROP_EXIT ? SIM_C_EXIT : SIM_C_OP_BEGIN);
    gil_signal_one(w, g);
    if (request_pending && kind != SIM_DROP_EXIT &&
        (w->cfg->gil == SIM_GIL_NEW || w->cfg->gil == SIM_GIL_PER_INTERP) &&
        g->last_holder == t->id) {
        g->drop_request = false;
        assert(g->switch_waiter == NO_THREAD);
        g->switch_waiter = t->id;
        set_reason(w, t, SIM_R_SWITCH_WAIT, kind == SIM_DROP_FORCED ? SIM_C_DROP_REQUEST : SIM_C_OP_BEGIN, 0);
        release_core(w, t);
    }
}

static bool in_switch_wait(const Thread *t) { return t->reason == SIM_R_SWITCH_WAIT; }

/* The holder stops at a check point because of a drop request. */
static void forced_drop(SimWorld *w, Thread *t)
{
    t->after_switch = CONT_TAKE_GIL;
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NEW_NOFORCE) {
        /* Without FORCE_SWITCHING the dropper takes the GIL straight back:
         * it is still running, the woken waiter is not. The request stays
         * set (only its setter resets it), so from now on the holder drops
         * and re-takes at every check point; those are not simulated one
         * by one (see gil_check). */
        gil_drop(w, t, SIM_DROP_FORCED);
        gil_acquire(w, t, SIM_C_GIL_FREE);
        g->spec_retake = true;
        thread_advance(w, t);
        return;
    }
    gil_drop(w, t, SIM_DROP_FORCED);
    if (!in_switch_wait(t))
        gil_take(w, t);
}

static void release_for(SimWorld *w, Thread *t, Pending what, SimTime dur, int32_t target);
static void thread_exit(SimWorld *w, Thread *t, SimReason how, SimCause cause);

/* ---- Synchronization objects --------------------------------------------------
 *
 * threading's primitives as CPython builds them: an acquire first tries
 * without releasing the GIL; only a contended acquire releases the GIL,
 * blocks, and re-takes the GIL after the wake-up (Modules/_threadmodule.c
 * acquire_timed). A released lock wakes one waiter, chosen as the OS would,
 * and that waiter retries when it runs, so another thread may barge in
 * first. Condition.wait releases its lock, waits to be notified (oldest
 * waiter first, as the deque in Lib/threading.py), re-takes the GIL and then
 * the lock. queue.Queue is one Lock and two Conditions, as Lib/queue.py.
 */

static void record_sync(SimWorld *w, Thread *t, Prim *p, SimSyncEvent ev, uint32_t n, uint8_t extra, SimCause cause)
{
    record(w, SIM_REC_SYNC, t ? t->id : SIM_NONE, p->id, n, (uint8_t)ev, extra, (uint8_t)cause);
}

static uint32_t *prim_list(Prim *p, int list, uint32_t **n, uint32_t **cap)
{
    if (list == 0) {
        *n = &p->n_waiters;
        *cap = &p->cap_waiters;
        return p->waiters;
    }
    *n = &p->n_waiters2;
    *cap = &p->cap_waiters2;
    return p->waiters2;
}

static void prim_list_remove(Prim *p, int list, uint32_t id)
{
    uint32_t *n, *cap;
    uint32_t *a = prim_list(p, list, &n, &cap);
    for (uint32_t i = 0; i < *n; i++) {
        if (a[i] == id) {
            memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(uint32_t));
            (*n)--;
            return;
        }
    }
}

static bool prim_list_add(SimWorld *w, Prim *p, int list, uint32_t id)
{
    return list == 0 ? push_u32(w, &p->waiters, &p->n_waiters, &p->cap_waiters, id)
                     : push_u32(w, &p->waiters2, &p->n_waiters2, &p->cap_waiters2, id);
}

static uint32_t prim_waiting(const Prim *p) { return p->n_waiters + p->n_waiters2; }

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

/* The blocked thread gets going again after the OS wake-up latency. */
static void prim_wake(SimWorld *w, Thread *t, Prim *p, WakeMode mode, SimCause cause)
{
    cancel(w, &t->sync_timer);
    t->wait_prim = NULL;
    t->retry_prim = p;
    t->cont = mode == WAKE_RETRY ? CONT_PRIM_RETRY : CONT_TAKE_GIL;
    t->waking = true;
    record_sync(w, t, p, SIM_SYNC_WAKE, prim_waiting(p), 0, cause);
    schedule(w, w->now + wake_latency(w, t), EV_READY, t->id, 0);
}

/* Wakes one waiter of a list: by the OS's choice for locks, oldest first for
 * Condition (its waiters queue up in a deque). */
static void prim_wake_one(SimWorld *w, Prim *p, int list, bool fifo, WakeMode mode)
{
    uint32_t *n, *cap;
    uint32_t *a = prim_list(p, list, &n, &cap);
    if (*n == 0)
        return;
    uint32_t i = fifo || w->cfg->wake_policy == SIM_WAKE_FIFO ? 0 : (uint32_t)sim_rng_below(&w->os_rng, *n);
    uint32_t id = a[i];
    memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(uint32_t));
    (*n)--;
    prim_wake(w, T(w, id), p, mode, SIM_C_OBJECT);
}

static void prim_wake_all(SimWorld *w, Prim *p, int list, WakeMode mode)
{
    uint32_t *n, *cap;
    prim_list(p, list, &n, &cap);
    while (*n)
        prim_wake_one(w, p, list, true, mode);
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
            record_sync(w, t, p, SIM_SYNC_RELEASE, prim_waiting(p), SIM_REL_PARTIAL, SIM_C_OP_BEGIN);
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
    record_sync(w, t, p, SIM_SYNC_RELEASE, prim_waiting(p), 0, SIM_C_OP_BEGIN);
    prim_wake_one(w, p, 0, false, WAKE_RETRY);
    return SIM_SERR_NONE;
}

/* A misuse Python raises for: the exception ends the thread. */
static void sync_raise(SimWorld *w, Thread *t, Prim *p, SimSyncError e)
{
    record_sync(w, t, p, SIM_SYNC_ERROR, 0, (uint8_t)e, SIM_C_ERROR);
    t->sync_op = NULL;
    thread_exit(w, t, SIM_R_EXITED, SIM_C_ERROR);
}

/* Releases the GIL and waits on an object's list; false = blocked. */
static bool sync_block(SimWorld *w, Thread *t, Prim *p, int list, WakeMode mode, SimTime timeout, uint8_t next_phase)
{
    t->wait_prim = p;
    t->wait_list = (uint8_t)list;
    t->wait_mode = (uint8_t)mode;
    t->phase = next_phase;
    release_for(w, t, PEND_OBJECT, timeout, (int32_t)p->id);
    return false;
}

/* do_pending for PEND_OBJECT: the GIL is released; now really wait. */
static void sync_enter_wait(SimWorld *w, Thread *t)
{
    Prim *p = t->wait_prim;
    /* A lock freed while we let go of the GIL is simply taken. */
    if (t->wait_mode == WAKE_RETRY && t->wait_list == 0 && prim_try_take(p, t)) {
        t->wait_prim = NULL;
        record_sync(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OBJECT);
        gil_take(w, t);
        return;
    }
    uint32_t other = 0;
    if ((p->kind == SIM_PRIM_LOCK || p->kind == SIM_PRIM_RLOCK) && p->owner < GHOST)
        other = p->owner + 1;
    set_reason(w, t, p->kind == SIM_PRIM_PIPE || p->kind == SIM_PRIM_MP_QUEUE ? SIM_R_IO : SIM_R_LOCK,
               SIM_C_OP_BEGIN, other);
    release_core(w, t);
    prim_list_add(w, p, t->wait_list, t->id);
    record_sync(w, t, p, SIM_SYNC_BLOCK, prim_waiting(p), t->wait_list, SIM_C_OP_BEGIN);
    if (t->pending_dur >= 0) {
        t->sync_deadline = w->now + t->pending_dur;
        t->sync_timer = schedule(w, t->sync_deadline, EV_SYNC_TIMEOUT, t->id, 0);
    } else {
        t->sync_deadline = -1;
    }
}

/* A timed wait ran out: leave the list, then take the GIL and go on. */
static void sync_timeout(SimWorld *w, Thread *t)
{
    Prim *p = t->wait_prim;
    t->sync_timer = 0;
    if (!p)
        return;
    prim_list_remove(p, t->wait_list, t->id);
    t->timed_out = true;
    record_sync(w, t, p, SIM_SYNC_TIMEOUT, prim_waiting(p), 0, SIM_C_TIMEOUT);
    t->wait_prim = NULL;
    os_wake(w, t, CONT_TAKE_GIL);
}

/* Woken by a lock release: retry before taking the GIL (on a core). */
static void sync_retry(SimWorld *w, Thread *t)
{
    Prim *p = t->retry_prim;
    if (prim_try_take(p, t)) {
        record_sync(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OBJECT);
        gil_take(w, t);
        return;
    }
    /* Another thread barged in while we woke up: wait again, until the
     * original deadline if there was one. */
    t->wait_prim = p;
    t->wait_list = 0;
    t->wait_mode = WAKE_RETRY;
    t->pending_dur = t->sync_deadline < 0 ? -1 : t->sync_deadline > w->now ? t->sync_deadline - w->now : 0;
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

/* Takes `lock` for a compound op, blocking if needed; true when held now. */
static bool sync_lock(SimWorld *w, Thread *t, Prim *lock, uint8_t next_phase)
{
    if (prim_try_take(lock, t)) {
        record_sync(w, t, lock, SIM_SYNC_ACQUIRE, prim_waiting(lock), 0, SIM_C_OP_BEGIN);
        t->phase = next_phase;
        return true;
    }
    sync_block(w, t, lock, 0, WAKE_RETRY, -1, next_phase);
    return false;
}

/* Starts a stretch of bytecode inside a compound op (the thread goes on at
 * the next phase when it ends). `atomic`: no check point inside. */
static bool sync_work(SimWorld *w, Thread *t, SimTime dur, bool atomic, uint8_t next_phase)
{
    t->phase = next_phase;
    t->no_check = atomic;
    begin_work(w, t, SIM_OP_CPU, dur > 0 ? dur : 1, SIM_C_OP_BEGIN);
    return false;
}

static bool pool_submit_step(SimWorld *w, Thread *t, const SimOp *op);
static bool pool_worker_step(SimWorld *w, Thread *t, const SimOp *op);

/*
 * Runs the thread's current synchronization op from its phase. The thread
 * holds the GIL and a core. Returns true when the op is over (the program
 * goes on), false when the thread blocked, started work or ended.
 */
static bool sync_step(SimWorld *w, Thread *t)
{
    const SimOp *op = t->sync_op;
    if (op->kind == SIM_OP_INCREMENT) {
        Shared *v = &w->procs[t->proc]->shared[op->obj - w->procs[t->proc]->spec->first_shared];
        if (t->phase == 0) {
            /* Read now, write when the bytecode in between has run. Before
             * 3.10 the eval breaker is checked between the load and the
             * store; from 3.10 only a call between them is a check point. */
            t->inc_read = v->value;
            t->inc_version = v->version;
            bool call = op->flags & SIM_OPF_CALL_BETWEEN;
            bool atomic = !call && w->cfg->gil != SIM_GIL_NONE &&
                          (w->cfg->py_major > 3 || (w->cfg->py_major == 3 && w->cfg->py_minor >= 10));
            return sync_work(w, t, w->cfg->increment_cost + (call ? w->cfg->call_cost : 0), atomic, 1);
        }
        uint64_t lost = v->version - t->inc_version;
        v->value = t->inc_read + 1;
        v->version++;
        record(w, SIM_REC_SYNC, t->id, v->id, (uint32_t)(lost > UINT32_MAX ? UINT32_MAX : lost), SIM_SYNC_WRITE, 0,
               SIM_C_OP_END);
        return true;
    }
    if (op->kind == SIM_OP_POOL)
        return op->flags & SIM_OPF_POOL_WORKER ? pool_worker_step(w, t, op) : pool_submit_step(w, t, op);
    Prim *p = op_prim(w, t, op);
    switch ((SimOpKind)op->kind) {
    case SIM_OP_ACQUIRE:
        if (t->phase == 0) {
            if (prim_try_take(p, t)) {
                record_sync(w, t, p, SIM_SYNC_ACQUIRE, prim_waiting(p), 0, SIM_C_OP_BEGIN);
                return true;
            }
            if ((op->flags & SIM_OPF_NONBLOCKING) || op->timeout == 0) {
                record_sync(w, t, p, SIM_SYNC_TRY_FAIL, prim_waiting(p), 0, SIM_C_OP_BEGIN);
                return true;
            }
            return sync_block(w, t, p, 0, WAKE_RETRY, op->timeout, 1);
        }
        return true; /* acquired while woken, or timed out (acquire returned False) */
    case SIM_OP_RELEASE: {
        SimSyncError e = prim_release(w, t, p, false);
        if (e) {
            sync_raise(w, t, p, e);
            return false;
        }
        return true;
    }
    case SIM_OP_SET:
        p->count = 1;
        record_sync(w, t, p, SIM_SYNC_SET, p->n_waiters, 0, SIM_C_OP_BEGIN);
        prim_wake_all(w, p, 0, WAKE_NOTIFIED);
        return true;
    case SIM_OP_CLEAR:
        p->count = 0;
        record_sync(w, t, p, SIM_SYNC_CLEAR, 0, 0, SIM_C_OP_BEGIN);
        return true;
    case SIM_OP_NOTIFY: {
        if (!owns(p->lock, t)) {
            sync_raise(w, t, p, SIM_SERR_NOTIFY_UNOWNED);
            return false;
        }
        uint32_t n = op->count == 0 ? p->n_waiters : op->count;
        if (n > p->n_waiters)
            n = p->n_waiters;
        record_sync(w, t, p, SIM_SYNC_NOTIFY, n, 0, SIM_C_OP_BEGIN);
        for (uint32_t i = 0; i < n; i++)
            prim_wake_one(w, p, 0, true, WAKE_NOTIFIED);
        return true;
    }
    case SIM_OP_WAIT:
        switch (p->kind) {
        case SIM_PRIM_EVENT:
            if (t->phase == 0) {
                if (p->count || op->timeout == 0) {
                    record_sync(w, t, p, SIM_SYNC_PASS, 0, 0, SIM_C_OP_BEGIN);
                    return true;
                }
                return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, 1);
            }
            if (!t->timed_out)
                record_sync(w, t, p, SIM_SYNC_PASS, 0, 0, SIM_C_OBJECT);
            return true;
        case SIM_PRIM_CONDITION:
            if (t->phase == 0) {
                if (!owns(p->lock, t)) {
                    sync_raise(w, t, p, SIM_SERR_WAIT_UNOWNED);
                    return false;
                }
                t->saved_depth = p->lock->count;
                prim_release(w, t, p->lock, true);
                return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, 1);
            }
            if (t->phase == 1) {
                /* _acquire_restore: take the lock back (it may be contended). */
                if (!sync_lock(w, t, p->lock, 2))
                    return false;
            }
            if (p->lock->kind == SIM_PRIM_RLOCK)
                p->lock->count = t->saved_depth;
            return true;
        case SIM_PRIM_BARRIER: {
            SimTime timeout = op->timeout >= 0 ? op->timeout : p->spec->timeout;
            if (t->phase == 0) {
                if (p->broken) {
                    sync_raise(w, t, p, SIM_SERR_BROKEN_BARRIER);
                    return false;
                }
                if (++p->count >= p->spec->value) {
                    p->count = 0;
                    record_sync(w, t, p, SIM_SYNC_PASS, (uint32_t)p->spec->value, 0, SIM_C_OP_BEGIN);
                    prim_wake_all(w, p, 0, WAKE_NOTIFIED);
                    return true;
                }
                return sync_block(w, t, p, 0, WAKE_NOTIFIED, timeout, 1);
            }
            if (t->timed_out && !p->broken) {
                /* The waiter that timed out breaks the barrier for everyone. */
                p->broken = true;
                record_sync(w, t, p, SIM_SYNC_BROKEN, p->n_waiters, 0, SIM_C_TIMEOUT);
                for (uint32_t i = 0; i < p->n_waiters; i++)
                    T(w, p->waiters[i])->sync_failed = true;
                prim_wake_all(w, p, 0, WAKE_NOTIFIED);
            }
            if (t->timed_out || t->sync_failed) {
                t->sync_failed = false;
                sync_raise(w, t, p, SIM_SERR_BROKEN_BARRIER);
                return false;
            }
            return true;
        }
        default:
            return true;
        }
    case SIM_OP_PUT:
    case SIM_OP_GET: {
        bool put = op->kind == SIM_OP_PUT;
        if (p->kind == SIM_PRIM_PIPE || p->kind == SIM_PRIM_MP_QUEUE) {
            bool pickle = p->kind == SIM_PRIM_MP_QUEUE;
            if (put) {
                /* Pickling holds the GIL; the bytes then travel the pipe. */
                if (t->phase == 0 && pickle)
                    return sync_work(w, t, w->cfg->pickle_cost, false, 1);
                SimTime transfer = sim_dist_sample(&op->dur, &t->rng);
                schedule(w, w->now + w->cfg->pipe_latency + transfer, EV_PIPE_DELIVER, t->id, (int64_t)p->slot);
                record_sync(w, t, p, SIM_SYNC_PUT, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
                return true;
            }
            if (t->phase == 0) {
                if (p->count == 0)
                    return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, 1);
                t->phase = 1;
            }
            if (t->phase == 1) {
                if (t->timed_out)
                    return true;
                if (p->count == 0) /* another reader took it first */
                    return sync_block(w, t, p, 0, WAKE_NOTIFIED, op->timeout, 1);
                p->count--;
                record_sync(w, t, p, SIM_SYNC_GET, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
                if (pickle)
                    return sync_work(w, t, w->cfg->pickle_cost, false, 2);
            }
            return true;
        }
        /* queue.Queue: `with self.not_full:` / `with self.not_empty:` */
        int64_t maxsize = p->spec->value;
        for (;;) {
            switch (t->phase) {
            case 0:
                if (!sync_lock(w, t, p->lock, 2))
                    return false;
                continue;
            case 1: /* woken from a condition wait: re-take the mutex */
                if (!sync_lock(w, t, p->lock, 2))
                    return false;
                continue;
            case 2: {
                bool blocked = put ? maxsize > 0 && p->count >= maxsize : p->count == 0;
                if (blocked) {
                    if (t->timed_out || op->timeout == 0) {
                        /* queue.Full / queue.Empty */
                        record_sync(w, t, p, SIM_SYNC_TIMEOUT, prim_waiting(p), put, SIM_C_TIMEOUT);
                        prim_release(w, t, p->lock, false);
                        return true;
                    }
                    prim_release(w, t, p->lock, false);
                    return sync_block(w, t, p, put ? 1 : 0, WAKE_NOTIFIED, op->timeout, 1);
                }
                if (put)
                    p->count++;
                else
                    p->count--;
                record_sync(w, t, p, put ? SIM_SYNC_PUT : SIM_SYNC_GET, (uint32_t)p->count, 0, SIM_C_OP_BEGIN);
                prim_wake_one(w, p, put ? 0 : 1, true, WAKE_NOTIFIED);
                prim_release(w, t, p->lock, false);
                return true;
            }
            default:
                return true;
            }
        }
    }
    default:
        return true;
    }
}

/* A message arrives at a pipe's reading end. */
static void pipe_deliver(SimWorld *w, Prim *p)
{
    p->count++;
    prim_wake_one(w, p, 0, true, WAKE_NOTIFIED);
}

/* ---- Threads and programs --------------------------------------------------- */

static const SimOp *prog_next(SimWorld *w, Thread *t)
{
    const SimOp *ops = w->sc->ops;
    for (;;) {
        if (t->depth > 0 && t->pc == t->loops[t->depth - 1].end) {
            Loop *l = &t->loops[t->depth - 1];
            if (--l->left > 0) {
                t->pc = l->start;
                continue;
            }
            t->depth--;
            continue;
        }
        if (t->pc >= t->prog_end)
            return NULL;
        const SimOp *op = &ops[t->pc];
        if (op->kind == SIM_OP_REPEAT) {
            uint32_t start = t->pc + 1, end = start + op->body_len;
            if (op->count == 0 || op->body_len == 0 || t->depth >= MAX_LOOP_DEPTH) {
                t->pc = end;
                continue;
            }
            t->loops[t->depth++] = (Loop){start, end, op->count};
            t->pc = start;
            continue;
        }
        t->pc++;
        return op;
    }
}

static Thread *create_thread(SimWorld *w, const SimThreadSpec *spec, uint32_t proc, const char *name);
static void process_begin(SimWorld *w, Process *p, bool first_holds_gil, const Thread *forker);
static Process *create_process(SimWorld *w, const SimProcessSpec *spec, uint32_t parent, const char *name);
static void thread_exit(SimWorld *w, Thread *t, SimReason how, SimCause cause);

/* Releases the GIL for a blocking action, with FORCE_SWITCHING's wait first if a request is pending. */
static void do_pending(SimWorld *w, Thread *t);

static void release_for(SimWorld *w, Thread *t, Pending what, SimTime dur, int32_t target)
{
    t->pending = (uint8_t)what;
    t->pending_dur = dur;
    t->pending_target = target;
    t->after_switch = CONT_DO_PENDING;
    gil_drop(w, t, SIM_DROP_VOLUNTARY);
    if (!in_switch_wait(t))
        do_pending(w, t);
}

static void join_done(SimWorld *w, uint32_t *joiners, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        Thread *j = T(w, joiners[i]);
        if (j->done || (j->reason != SIM_R_JOIN && j->reason != SIM_R_START_WAIT))
            continue; /* gone, or its join(timeout) already gave up */
        cancel(w, &j->sync_timer);
        os_wake(w, j, CONT_TAKE_GIL);
    }
}

static void do_pending(SimWorld *w, Thread *t)
{
    Pending what = (Pending)t->pending;
    t->pending = PEND_NONE;
    t->wait_kind = (uint8_t)what;
    t->wait_target = t->pending_target;
    switch (what) {
    case PEND_IO:
    case PEND_SLEEP:
        set_reason(w, t, what == PEND_IO ? SIM_R_IO : SIM_R_SLEEP, SIM_C_OP_BEGIN, 0);
        release_core(w, t);
        /* The thread draws nothing while blocked, so its wake-up latency can
         * be drawn now: one event for "done and scheduled again", not two. */
        t->block_ev = schedule(w, w->now + t->pending_dur + wake_latency(w, t), EV_BLOCK_END, t->id, 0);
        break;
    case PEND_NOGIL:
        begin_work(w, t, SIM_OP_NOGIL, t->pending_dur, SIM_C_OP_BEGIN);
        break;
    case PEND_JOIN_THREAD: {
        Thread *target = T(w, (uint32_t)t->pending_target);
        set_reason(w, t, SIM_R_JOIN, SIM_C_OP_BEGIN, target->id + 1);
        release_core(w, t);
        if (target->done) {
            join_done(w, &t->id, 1);
            break;
        }
        push_u32(w, &target->joiners, &target->n_joiners, &target->cap_joiners, t->id);
        if (t->pending_dur >= 0)
            t->sync_timer = schedule(w, w->now + t->pending_dur, EV_JOIN_TIMEOUT, t->id, 0);
        break;
    }
    case PEND_JOIN_PROCESS: {
        Process *p = w->procs[t->pending_target];
        set_reason(w, t, SIM_R_JOIN, SIM_C_OP_BEGIN, 0);
        release_core(w, t);
        if (p->done) {
            join_done(w, &t->id, 1);
            break;
        }
        push_u32(w, &p->joiners, &p->n_joiners, &p->cap_joiners, t->id);
        if (t->pending_dur >= 0)
            t->sync_timer = schedule(w, w->now + t->pending_dur, EV_JOIN_TIMEOUT, t->id, 0);
        break;
    }
    case PEND_START_WAIT: {
        Thread *child = T(w, (uint32_t)t->pending_target);
        set_reason(w, t, SIM_R_START_WAIT, SIM_C_OP_BEGIN, child->id + 1);
        release_core(w, t);
        if (child->ever_held_gil || child->done)
            join_done(w, &t->id, 1);
        else
            child->start_waiter = t->id;
        break;
    }
    case PEND_OBJECT:
        sync_enter_wait(w, t);
        break;
    case PEND_NONE:
        break;
    }
}

/* A sync op is over. An increment ends at a check point (the loop's
 * backward jump), where a pending drop request is honoured. Returns true
 * if the thread dropped the GIL there. */
static bool sync_op_done(SimWorld *w, Thread *t)
{
    bool was_increment = t->sync_op->kind == SIM_OP_INCREMENT;
    t->sync_op = NULL;
    if (was_increment && t->holds_gil && w->gils[t->gil].drop_request) {
        forced_drop(w, t);
        return true;
    }
    return false;
}

/* The thread (on a core, holding the GIL) finished its current op; run the next. */
static void thread_advance(SimWorld *w, Thread *t)
{
    assert(t->holds_gil && t->core >= 0);
    /* Resume a cpu op interrupted by a forced drop or a preemption. */
    if (t->work_kind != 0xff && t->work_left > 0) {
        start_segment(w, t);
        return;
    }
    t->work_kind = 0xff;
    t->no_check = false;
    if (t->sync_op) {
        if (!sync_step(w, t))
            return;
        if (sync_op_done(w, t))
            return;
    }
    for (;;) {
        const SimOp *op = prog_next(w, t);
        if (!op) {
            thread_exit(w, t, SIM_R_EXITED, SIM_C_EXIT);
            return;
        }
        SimTime dur = 0;
        switch ((SimOpKind)op->kind) {
        case SIM_OP_CPU:
        case SIM_OP_C_CALL:
            dur = sim_dist_sample(&op->dur, &t->rng);
            if (dur == 0)
                continue;
            t->post = POST_NONE;
            begin_work(w, t, (SimOpKind)op->kind, dur, SIM_C_OP_BEGIN);
            return;
        case SIM_OP_NOGIL:
            release_for(w, t, PEND_NOGIL, sim_dist_sample(&op->dur, &t->rng), 0);
            return;
        case SIM_OP_IO:
            release_for(w, t, PEND_IO, sim_dist_sample(&op->dur, &t->rng), 0);
            return;
        case SIM_OP_SLEEP:
            release_for(w, t, PEND_SLEEP, sim_dist_sample(&op->dur, &t->rng), 0);
            return;
        case SIM_OP_START:
            /* Creating the OS thread or process runs in C with the GIL held. */
            if (op->target_kind == SIM_TARGET_THREAD) {
                t->post = POST_START_THREAD;
                t->post_target = op->target;
                dur = w->cfg->thread_start_cost;
                int k = w->sc->threads[op->target].interpreter;
                Process *self = w->procs[t->proc];
                if (k > 0 && k < 64 && !(self->interp_started & (1ull << k))) {
                    self->interp_started |= 1ull << k; /* Py_NewInterpreterFromConfig */
                    dur += w->cfg->interp_start_cost;
                }
            } else {
                const SimProcessSpec *ps = &w->sc->procs[op->target];
                t->post = POST_START_PROCESS;
                t->post_target = op->target;
                dur = ps->start_method == SIM_START_FORK ? w->cfg->fork_cost : w->cfg->ipc_cost;
            }
            begin_work(w, t, SIM_OP_C_CALL, dur > 0 ? dur : 1, SIM_C_OP_BEGIN);
            return;
        case SIM_OP_FORK:
            t->post = POST_FORK;
            t->post_target = op->target;
            begin_work(w, t, SIM_OP_C_CALL, w->cfg->fork_cost > 0 ? w->cfg->fork_cost : 1, SIM_C_OP_BEGIN);
            return;
        case SIM_OP_JOIN: {
            /* Joining something already finished never releases the GIL. */
            Process *self = w->procs[t->proc];
            if (op->target_kind == SIM_TARGET_THREAD) {
                Thread *target = NULL;
                for (uint32_t i = 0; i < self->n_threads; i++) {
                    Thread *c = T(w, self->threads[i]);
                    if (c->spec == &w->sc->threads[op->target])
                        target = c;
                }
                if (!target || !target->started) {
                    /* Joining a thread that was never started raises in CPython;
                     * here it blocks until it is started and ends. */
                    if (!target)
                        continue;
                }
                if (target->done)
                    continue;
                release_for(w, t, PEND_JOIN_THREAD, op->timeout, (int32_t)target->id);
                return;
            }
            Process *target = NULL;
            for (uint32_t i = 0; i < w->n_procs; i++)
                if (w->procs[i]->spec == &w->sc->procs[op->target])
                    target = w->procs[i];
            if (!target || target->done)
                continue;
            release_for(w, t, PEND_JOIN_PROCESS, op->timeout, (int32_t)target->id);
            return;
        }
        case SIM_OP_ACQUIRE:
        case SIM_OP_RELEASE:
        case SIM_OP_WAIT:
        case SIM_OP_SET:
        case SIM_OP_CLEAR:
        case SIM_OP_NOTIFY:
        case SIM_OP_PUT:
        case SIM_OP_GET:
        case SIM_OP_INCREMENT:
        case SIM_OP_POOL:
            t->sync_op = op;
            t->phase = 0;
            t->timed_out = false;
            t->sync_failed = false;
            if (!sync_step(w, t))
                return;
            if (sync_op_done(w, t))
                return;
            continue;
        case SIM_OP_REPEAT:
        case SIM_OP_KIND_COUNT:
            break;
        }
    }
}

/* How long a multiprocessing child takes to start running: a spawned one
 * starts an interpreter; a fork server is started on first use, then each
 * child is a cheap fork from it; a forked child runs at once. */
static SimTime process_start_delay(SimWorld *w, const SimProcessSpec *ps)
{
    if (ps->start_method == SIM_START_SPAWN)
        return w->cfg->spawn_cost;
    if (ps->start_method != SIM_START_FORKSERVER)
        return 0;
    SimTime delay = w->cfg->forkserver_cost;
    if (!w->forkserver_up) {
        delay += w->cfg->spawn_cost;
        w->forkserver_up = true;
    }
    return delay;
}

/* A work op ran to its end (or to a check point with a drop request). */
static void on_run(SimWorld *w, Thread *t)
{
    t->run_ev = 0;
    account_segment(w, t);
    if (t->run_to_end) {
        t->work_done += t->work_left; /* rounding of a slowed-down segment */
        t->work_left = 0;
    }
    Gil *g = &w->gils[t->gil];
    if (t->work_left > 0) {
        /* A check point with a drop request pending. */
        assert(t->work_kind == SIM_OP_CPU && g->drop_request && t->holds_gil);
        forced_drop(w, t);
        return;
    }
    uint8_t kind = t->work_kind;
    t->work_kind = 0xff;
    if (kind == SIM_OP_NOGIL) {
        /* Py_END_ALLOW_THREADS: take the GIL back, still on this core. */
        gil_take(w, t);
        return;
    }
    if (kind == SIM_OP_C_CALL) {
        Post post = (Post)t->post;
        t->post = POST_NONE;
        switch (post) {
        case POST_START_THREAD: {
            Process *p = w->procs[t->proc];
            Thread *child = create_thread(w, &w->sc->threads[t->post_target], p->id, NULL);
            if (!child)
                return;
            child->started = true;
            schedule(w, w->now, EV_THREAD_BEGIN, child->id, 0);
            /* Thread.start() waits on _started, releasing the GIL. */
            release_for(w, t, PEND_START_WAIT, 0, (int32_t)child->id);
            return;
        }
        case POST_START_PROCESS: {
            const SimProcessSpec *ps = &w->sc->procs[t->post_target];
            Process *p = create_process(w, ps, t->proc, NULL);
            if (!p)
                return;
            schedule(w, w->now + process_start_delay(w, ps), EV_PROC_START, p->id, 0);
            break;
        }
        case POST_FORK: {
            Process *p = create_process(w, &w->sc->procs[t->post_target], t->proc, NULL);
            if (!p)
                return;
            process_begin(w, p, true, t);
            break;
        }
        case POST_NONE:
            break;
        }
        /* The end of a C call checks the eval breaker. (Creating a process
         * may have moved the GIL array: look the GIL up again.) */
        g = &w->gils[t->gil];
        if (g->drop_request && t->holds_gil) {
            forced_drop(w, t);
            return;
        }
    }
    thread_advance(w, t);
}

/* Runs what a thread planned to do once it got a core. */
static void run_continuation(SimWorld *w, Thread *t)
{
    t->waking = false;
    Cont c = (Cont)t->cont;
    t->cont = CONT_NONE;
    switch (c) {
    case CONT_TAKE_GIL:
        gil_take(w, t);
        break;
    case CONT_GIL_CHECK:
        gil_check(w, t);
        break;
    case CONT_RESUME_WORK:
        start_segment(w, t);
        break;
    case CONT_DO_PENDING:
        do_pending(w, t);
        break;
    case CONT_RUN_PROGRAM:
        thread_advance(w, t);
        break;
    case CONT_PRIM_RETRY:
        sync_retry(w, t);
        break;
    case CONT_NONE:
        break;
    }
}

/* ---- Objects of a process -------------------------------------------------------- */

static const char *const prim_kind_names[SIM_PRIM_KIND_COUNT] = {
    "lock", "rlock", "semaphore", "bounded_semaphore", "event", "condition",
    "barrier", "queue", "pipe", "mp_queue",
};

static Prim *prim_new(SimWorld *w, const SimPrimSpec *spec, uint8_t kind, const char *name, uint32_t process)
{
    if (!grow_array((void **)&w->all_prims, &w->cap_all_prims, w->n_all_prims + 1, sizeof(Prim *))) {
        w->oom = true;
        return NULL;
    }
    Prim *p = calloc(1, sizeof(*p));
    if (!p) {
        w->oom = true;
        return NULL;
    }
    p->spec = spec;
    p->kind = kind;
    p->owner = NO_THREAD;
    p->slot = w->n_all_prims;
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
static Prim *prim_inner_lock(SimWorld *w, const SimPrimSpec *spec, uint32_t process)
{
    char name[256];
    bool queue = spec->kind == SIM_PRIM_QUEUE;
    snprintf(name, sizeof(name), "%s.%s", spec->name, queue ? "mutex" : "lock");
    return prim_new(w, spec, queue ? SIM_PRIM_LOCK : SIM_PRIM_RLOCK, name, process);
}

/* Fresh objects for a process that starts from nothing (not a fork). */
static bool process_make_objects(SimWorld *w, Process *p)
{
    const SimProcessSpec *ps = p->spec;
    if (ps->n_prims) {
        p->prims = calloc((size_t)ps->n_prims, sizeof(Prim *));
        if (!p->prims)
            return false;
        for (int i = 0; i < ps->n_prims; i++) {
            const SimPrimSpec *sp = &w->sc->prims[ps->first_prim + i];
            p->prims[i] = prim_new(w, sp, sp->kind, sp->name, p->id);
            if (!p->prims[i])
                return false;
        }
        for (int i = 0; i < ps->n_prims; i++) {
            const SimPrimSpec *sp = &w->sc->prims[ps->first_prim + i];
            if (sp->kind == SIM_PRIM_CONDITION && sp->lock >= 0)
                p->prims[i]->lock = p->prims[sp->lock - ps->first_prim];
            else if (sp->kind == SIM_PRIM_CONDITION || sp->kind == SIM_PRIM_QUEUE)
                p->prims[i]->lock = prim_inner_lock(w, sp, p->id);
        }
    }
    if (ps->n_shared) {
        p->shared = calloc((size_t)ps->n_shared, sizeof(Shared));
        if (!p->shared)
            return false;
        for (int i = 0; i < ps->n_shared; i++) {
            const SimSharedSpec *ss = &w->sc->shared[ps->first_shared + i];
            int id = sim_trace_add_object(w->trace, ss->name, p->id, "shared", ss->initial);
            if (id < 0)
                return false;
            p->shared[i] = (Shared){(uint32_t)id, ss->initial, 0};
        }
    }
    return !w->oom;
}

/* A lock's owner in a forked child: the forking thread's copy keeps what it
 * held; a lock any other thread held stays held by nobody who can release it. */
static void fork_owner(SimWorld *w, const Prim *src, Prim *dst, const Thread *forker, Thread *copy)
{
    if (src->owner == NO_THREAD)
        return;
    if (src->owner == forker->id) {
        dst->owner = copy->id;
        record_sync(w, copy, dst, SIM_SYNC_ACQUIRE, 0, SIM_ACQ_FORK_COPY, SIM_C_FORK);
        return;
    }
    dst->owner = GHOST;
    dst->ghost_of = src->owner == GHOST ? src->ghost_of : src->owner;
    /* Named after the parent's thread: the viewer and the deadlock report
     * say who held it when the process forked. */
    record(w, SIM_REC_SYNC, dst->ghost_of, dst->id, 0, SIM_SYNC_ACQUIRE, SIM_ACQ_FORK_ORPHAN, SIM_C_FORK);
}

static Prim *prim_fork_copy(SimWorld *w, const Prim *src, uint32_t process, const Thread *forker, Thread *copy)
{
    const SimObjectInfo *oi = sim_trace_object(w->trace, src->id);
    Prim *dst = prim_new(w, src->spec, src->kind, oi ? oi->name : "?", process);
    if (!dst)
        return NULL;
    dst->count = src->count;
    dst->broken = src->broken;
    fork_owner(w, src, dst, forker, copy);
    return dst;
}

/* os.fork(): the child's objects are copies of the parent's at this instant;
 * pipes are the same pipe, seen from both processes. */
static bool process_fork_objects(SimWorld *w, Process *child, const Thread *forker, Thread *copy)
{
    Process *parent = w->procs[forker->proc];
    const SimProcessSpec *ps = child->spec;
    if (ps->n_prims) {
        child->prims = calloc((size_t)ps->n_prims, sizeof(Prim *));
        if (!child->prims)
            return false;
        for (int i = 0; i < ps->n_prims; i++) {
            Prim *src = parent->prims[i];
            if (src->kind == SIM_PRIM_PIPE || src->kind == SIM_PRIM_MP_QUEUE)
                child->prims[i] = src;
            else if (!(child->prims[i] = prim_fork_copy(w, src, child->id, forker, copy)))
                return false;
        }
        for (int i = 0; i < ps->n_prims; i++) {
            Prim *src = parent->prims[i];
            if (!src->lock)
                continue;
            int k = -1;
            for (int j = 0; j < ps->n_prims; j++)
                if (parent->prims[j] == src->lock)
                    k = j;
            child->prims[i]->lock = k >= 0 ? child->prims[k] : prim_fork_copy(w, src->lock, child->id, forker, copy);
            if (!child->prims[i]->lock)
                return false;
        }
    }
    if (ps->n_shared) {
        child->shared = calloc((size_t)ps->n_shared, sizeof(Shared));
        if (!child->shared)
            return false;
        for (int i = 0; i < ps->n_shared; i++) {
            const SimSharedSpec *ss = &w->sc->shared[ps->first_shared + i];
            int id = sim_trace_add_object(w->trace, ss->name, child->id, "shared", parent->shared[i].value);
            if (id < 0)
                return false;
            child->shared[i] = (Shared){(uint32_t)id, parent->shared[i].value, 0};
        }
    }
    return !w->oom;
}

/* ---- Pools -----------------------------------------------------------------------
 *
 * concurrent.futures.ThreadPoolExecutor: submit() queues a work item and
 * starts a worker thread while fewer than max_workers exist and none is
 * idle; workers loop on a SimpleQueue; shutdown(wait=True) wakes the idle
 * workers and joins them all. multiprocessing.Pool(n).map: n worker
 * processes started by the chosen method, chunks of
 * ceil(items / (4 n)) items pickled into a pipe, each chunk unpickled, run
 * and its result pickled back. The parent's helper threads (task and result
 * handlers) are folded into the submitting thread.
 */

typedef struct PoolRun {
    const SimPoolSpec *spec;
    uint32_t submitter;
    uint32_t submitted;      /* items (thread pool) or chunks (process pool) sent */
    uint32_t units;          /* items or chunks in all */
    uint32_t results;        /* chunks whose result came back */
    uint32_t chunk;          /* items per chunk */
    uint32_t taken;          /* chunks taken by workers */
    uint32_t workers, live_workers;
    bool shutdown;
    Prim *work;              /* pending work: count = queued items or chunks; waiters = idle workers */
} PoolRun;

static PoolRun *pool_new(SimWorld *w, Thread *submitter, const SimPoolSpec *ps)
{
    if (!grow_array((void **)&w->pools, &w->cap_pools, w->n_pools + 1, sizeof(PoolRun *))) {
        w->oom = true;
        return NULL;
    }
    PoolRun *r = calloc(1, sizeof(*r));
    if (!r) {
        w->oom = true;
        return NULL;
    }
    w->pools[w->n_pools++] = r;
    r->spec = ps;
    r->submitter = submitter->id;
    char name[64];
    snprintf(name, sizeof(name), "%s%u.work", ps->processes ? "Pool" : "ThreadPoolExecutor", w->n_pools - 1);
    r->work = prim_new(w, NULL, ps->processes ? SIM_PRIM_PIPE : SIM_PRIM_QUEUE, name, submitter->proc);
    if (ps->processes) {
        /* Pool.map's default: divmod(len, 4 * processes), rounded up. */
        uint32_t c = ps->chunksize;
        if (c == 0) {
            uint32_t d = 4u * (uint32_t)ps->workers;
            c = ps->tasks / d + (ps->tasks % d ? 1 : 0);
            if (c == 0)
                c = 1;
        }
        r->chunk = c;
        r->units = ps->tasks / c + (ps->tasks % c ? 1 : 0);
    } else {
        r->chunk = 1;
        r->units = ps->tasks;
    }
    return r;
}

static void pool_start_worker(SimWorld *w, Thread *submitter, PoolRun *r)
{
    const SimPoolSpec *ps = r->spec;
    r->workers++;
    r->live_workers++;
    char name[128];
    if (!ps->processes) {
        /* As CPython names them: ThreadPoolExecutor-<pool>_<worker>. */
        snprintf(name, sizeof(name), "%s_%u", w->sc->threads[ps->worker_thread].name, r->workers - 1);
        Thread *wk = create_thread(w, &w->sc->threads[ps->worker_thread], submitter->proc, name);
        if (!wk)
            return;
        wk->pool = r;
        wk->started = true;
        schedule(w, w->now, EV_THREAD_BEGIN, wk->id, 0);
        return;
    }
    const SimProcessSpec *pspec = &w->sc->procs[ps->worker_process];
    snprintf(name, sizeof(name), "%s-%u", pspec->name, r->workers);
    Process *p = create_process(w, pspec, submitter->proc, name);
    if (!p)
        return;
    p->pool = r;
    schedule(w, w->now + process_start_delay(w, pspec), EV_PROC_START, p->id, 0);
}

/* The submitting side of a POOL op. */
static bool pool_submit_step(SimWorld *w, Thread *t, const SimOp *op)
{
    const SimPoolSpec *ps = &w->sc->pools[op->obj];
    PoolRun *r = t->pool_run;
    for (;;) {
        switch (t->phase) {
        case 0: /* create the pool */
            if (!(r = t->pool_run = pool_new(w, t, ps)))
                return false;
            if (ps->processes) {
                t->phase = 1;
                continue;
            }
            t->phase = 3;
            continue;
        case 1: /* process pool: start the workers, each costing the parent a fork or a launch */
            if (r->workers < (uint32_t)ps->workers) {
                SimTime cost = w->sc->procs[ps->worker_process].start_method == SIM_START_FORK ? w->cfg->fork_cost
                                                                                               : w->cfg->ipc_cost;
                t->phase = 2;
                t->no_check = true;
                begin_work(w, t, SIM_OP_C_CALL, cost > 0 ? cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            t->phase = 3;
            continue;
        case 2:
            pool_start_worker(w, t, r);
            t->phase = 1;
            continue;
        case 3: /* submit one item or pickle one chunk, holding the GIL */
            if (r->submitted < r->units) {
                SimTime cost = ps->processes ? w->cfg->pickle_cost : w->cfg->pool_submit_cost;
                bool new_worker = !ps->processes && r->work->n_waiters == 0 && r->workers < (uint32_t)ps->workers;
                if (new_worker)
                    cost += w->cfg->thread_start_cost;
                t->phase = 4;
                begin_work(w, t, SIM_OP_CPU, cost > 0 ? cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            t->phase = 5;
            continue;
        case 4:
            r->submitted++;
            if (ps->processes) {
                schedule(w, w->now + w->cfg->pipe_latency, EV_PIPE_DELIVER, t->id, (int64_t)r->work->slot);
            } else {
                r->work->count++;
                record_sync(w, t, r->work, SIM_SYNC_PUT, (uint32_t)r->work->count, 0, SIM_C_OP_BEGIN);
                if (r->work->n_waiters)
                    prim_wake_one(w, r->work, 0, true, WAKE_NOTIFIED);
                else if (r->workers < (uint32_t)ps->workers)
                    pool_start_worker(w, t, r);
            }
            t->phase = 3;
            continue;
        case 5: /* map() waits for the results; shutdown(wait=True) joins the workers */
            if (ps->processes && r->results < r->units)
                return sync_block(w, t, r->work, 1, WAKE_NOTIFIED, -1, 5);
            if (!r->shutdown) {
                r->shutdown = true;
                prim_wake_all(w, r->work, 0, WAKE_NOTIFIED);
            }
            if (r->live_workers > 0)
                return sync_block(w, t, r->work, 1, WAKE_NOTIFIED, -1, 5);
            return true;
        default:
            return true;
        }
    }
}

/* A worker's loop: take an item (or a chunk), run the task program on it,
 * come back here. The POOL op's loop frame jumps back to this op after each
 * run of the body. */
static bool pool_worker_step(SimWorld *w, Thread *t, const SimOp *op)
{
    PoolRun *r = t->pool;
    uint32_t here = (uint32_t)(op - w->sc->ops);
    uint32_t body_end = here + 1 + op->body_len;
    if (t->phase == 0 && t->depth > 0 && t->loops[t->depth - 1].start == here)
        t->depth--; /* back from a run of the body */
    for (;;) {
        switch (t->phase) {
        case 0:
            if (r->spec->processes && t->pool_items > 0) {
                t->pool_items--;
                t->phase = 3;
                continue;
            }
            if (r->spec->processes && t->pool_busy) {
                /* A chunk is done: pickle its result and send it back. */
                t->pool_busy = false;
                t->phase = 5;
                begin_work(w, t, SIM_OP_CPU, w->cfg->pickle_cost > 0 ? w->cfg->pickle_cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            if (r->work->count > 0) {
                r->work->count--;
                record_sync(w, t, r->work, SIM_SYNC_GET, (uint32_t)r->work->count, 0, SIM_C_OP_BEGIN);
                if (r->spec->processes) {
                    uint32_t left = r->spec->tasks - r->chunk * r->taken++;
                    t->pool_items = left < r->chunk ? left : r->chunk;
                    t->pool_busy = true;
                    t->phase = 2;
                    begin_work(w, t, SIM_OP_CPU, w->cfg->pickle_cost > 0 ? w->cfg->pickle_cost : 1,
                               SIM_C_OP_BEGIN);
                    return false;
                }
                t->phase = 3;
                continue;
            }
            if (r->shutdown) {
                t->pc = body_end; /* the sentinel: leave the loop, the thread ends */
                return true;
            }
            return sync_block(w, t, r->work, 0, WAKE_NOTIFIED, -1, 0);
        case 2: /* unpickled a chunk */
            t->phase = 0;
            continue;
        case 3: /* run the task program once, then come back to this op */
            if (op->body_len == 0) {
                t->phase = 0;
                continue;
            }
            if (t->depth >= MAX_LOOP_DEPTH)
                return true;
            t->loops[t->depth++] = (Loop){here, body_end, 2};
            t->pc = here + 1;
            return true;
        case 5: /* result pickled: it reaches the parent after the pipe */
            r->results++;
            if (r->results >= r->units) {
                Thread *sub = T(w, r->submitter);
                if (sub->wait_prim == r->work) {
                    prim_list_remove(r->work, 1, sub->id);
                    prim_wake(w, sub, r->work, WAKE_NOTIFIED, SIM_C_OBJECT);
                }
            }
            t->phase = 0;
            continue;
        default:
            return true;
        }
    }
}

/* A pool worker thread ended: the last one lets shutdown(wait=True) return. */
static void pool_worker_exit(SimWorld *w, Thread *t)
{
    PoolRun *r = t->pool;
    if (--r->live_workers == 0 && r->shutdown) {
        Thread *sub = T(w, r->submitter);
        if (sub->wait_prim == r->work) {
            prim_list_remove(r->work, 1, sub->id);
            prim_wake(w, sub, r->work, WAKE_NOTIFIED, SIM_C_OBJECT);
        }
    }
}

/* ---- Creation, exit, processes --------------------------------------------- */

static Thread *create_thread(SimWorld *w, const SimThreadSpec *spec, uint32_t proc, const char *name)
{
    if (!grow_array((void **)&w->threads, &w->cap_threads, w->n_threads + 1, sizeof(Thread *))) {
        w->oom = true;
        return NULL;
    }
    Thread *t = calloc(1, sizeof(*t));
    if (!t) {
        w->oom = true;
        return NULL;
    }
    Process *p = w->procs[proc];
    t->id = w->n_threads;
    t->proc = proc;
    t->gil = p->gil + ((uint32_t)spec->interpreter < p->n_interp ? (uint32_t)spec->interpreter : 0);
    t->spec = spec;
    t->daemon = spec->daemon;
    t->reason = SIM_R_NEW;
    t->pc = spec->prog_first;
    t->prog_end = spec->prog_first + spec->prog_len;
    t->work_kind = 0xff;
    t->core = -1;
    t->last_core = -1;
    t->rq_next = NO_THREAD;
    t->start_waiter = NO_THREAD;
    t->sync_deadline = -1;
    t->pool = p->pool;
    sim_rng_seed(&t->rng, w->cfg->seed, 1000 + t->id);
    w->threads[w->n_threads++] = t;
    if (sim_trace_add_thread(w->trace, name ? name : spec->name, proc, t->gil, spec->daemon) < 0)
        w->oom = true;
    push_u32(w, &p->threads, &p->n_threads, &p->cap_threads, t->id);
    if (!t->daemon)
        p->live_nondaemon++;
    return t;
}

static Process *create_process(SimWorld *w, const SimProcessSpec *spec, uint32_t parent, const char *name)
{
    /* One GIL per process; under "per-interpreter", one per subinterpreter
     * its threads live in, numbered from the process's main GIL. */
    uint32_t n_interp = 1;
    if (w->cfg->gil == SIM_GIL_PER_INTERP)
        for (int i = 0; i < spec->n_threads; i++)
            if ((uint32_t)w->sc->threads[spec->first_thread + i].interpreter + 1 > n_interp)
                n_interp = (uint32_t)w->sc->threads[spec->first_thread + i].interpreter + 1;
    if (!grow_array((void **)&w->procs, &w->cap_procs, w->n_procs + 1, sizeof(Process *)) ||
        !grow_array((void **)&w->gils, &w->cap_gils, w->n_gils + n_interp, sizeof(Gil))) {
        w->oom = true;
        return NULL;
    }
    Process *p = calloc(1, sizeof(*p));
    if (!p) {
        w->oom = true;
        return NULL;
    }
    p->id = w->n_procs;
    p->spec = spec;
    p->gil = w->n_gils;
    p->n_interp = n_interp;
    for (uint32_t k = 0; k < n_interp; k++) {
        Gil *g = &w->gils[w->n_gils++];
        memset(g, 0, sizeof(*g));
        g->holder = g->last_holder = g->switch_waiter = NO_THREAD;
        sim_rng_seed(&g->rng, w->cfg->seed, 1 + p->gil + k);
    }
    w->procs[w->n_procs++] = p;
    static const char *const methods[] = {"fork", "spawn", "forkserver", "initial", "os.fork"};
    if (sim_trace_add_process(w->trace, name ? name : spec->name, parent, p->gil, methods[spec->start_method]) < 0)
        w->oom = true;
    sim_trace_set_gils(w->trace, w->n_gils);
    w->live_procs++;
    return p;
}

/* The process's threads come to life. An os.fork() child starts holding its
 * fresh GIL in the copy of the forking thread. */
static void process_begin(SimWorld *w, Process *p, bool first_holds_gil, const Thread *forker)
{
    p->started = true;
    if (!forker && !process_make_objects(w, p)) {
        w->oom = true;
        return;
    }
    const SimProcessSpec *ps = p->spec;
    bool first = true;
    for (int i = 0; i < ps->n_threads; i++) {
        const SimThreadSpec *ts = &w->sc->threads[ps->first_thread + i];
        if (ts->manual_start)
            continue;
        Thread *t = create_thread(w, ts, p->id, NULL);
        if (!t)
            return;
        t->started = true;
        if (first) {
            record(w, SIM_REC_PROC_START, t->id, p->id, forker ? forker->id + 1 : 0, 0, 0,
                   forker ? SIM_C_FORK : SIM_C_THREAD_START);
        }
        if (first && first_holds_gil) {
            if (forker) {
                if (!process_fork_objects(w, p, forker, t)) {
                    w->oom = true;
                    return;
                }
                Process *parent = w->procs[forker->proc];
                uint32_t others = 0;
                for (uint32_t k = 0; k < parent->n_threads; k++)
                    others += !T(w, parent->threads[k])->done && parent->threads[k] != forker->id;
                record(w, SIM_REC_FORK, forker->id, p->id, t->id + 1, others > 0, 0, SIM_C_FORK);
            }
            Gil *g = &w->gils[p->gil];
            t->holds_gil = true;
            t->ever_held_gil = true;
            if (w->cfg->gil != SIM_GIL_NONE) {
                g->locked = true;
                g->holder = g->last_holder = t->id;
                record(w, SIM_REC_GIL_ACQUIRE, t->id, p->gil, 0, 0, 0, SIM_C_FORK);
            }
            request_core(w, t, CONT_RUN_PROGRAM);
        } else {
            schedule(w, w->now, EV_THREAD_BEGIN, t->id, 0);
        }
        first = false;
    }
    if (first) {
        /* A process whose threads all start manually has nothing to run. */
        p->done = true;
        w->live_procs--;
    }
}

static void kill_thread(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    cancel(w, &t->run_ev);
    cancel(w, &t->block_ev);
    cancel(w, &t->gil_timer);
    cancel(w, &t->sync_timer);
    if (t->wait_prim) {
        prim_list_remove(t->wait_prim, t->wait_list, t->id);
        t->wait_prim = NULL;
    }
    gil_waiters_remove(g, t->id);
    if (g->switch_waiter == t->id)
        g->switch_waiter = NO_THREAD;
    if (t->in_runq)
        runq_remove(w, t);
    if (t->holds_gil && w->cfg->gil != SIM_GIL_NONE) {
        g->locked = false;
        g->holder = NO_THREAD;
        record(w, SIM_REC_GIL_DROP, t->id, t->gil, 0, SIM_DROP_EXIT, 0, SIM_C_DAEMON_KILL);
    }
    t->holds_gil = false;
    thread_exit(w, t, SIM_R_KILLED, SIM_C_DAEMON_KILL);
}

static void process_end(SimWorld *w, Process *p, Thread *last)
{
    p->done = true;
    w->live_procs--;
    record(w, SIM_REC_PROC_EXIT, last->id, p->id, 0, 0, 0, SIM_C_EXIT);
    join_done(w, p->joiners, p->n_joiners);
    p->n_joiners = 0;
}

static void thread_exit(SimWorld *w, Thread *t, SimReason how, SimCause cause)
{
    if (t->done)
        return;
    if (t->holds_gil)
        gil_drop(w, t, SIM_DROP_EXIT);
    t->done = true;
    t->waking = false;
    set_reason(w, t, how, cause, 0);
    release_core(w, t);
    join_done(w, t->joiners, t->n_joiners);
    t->n_joiners = 0;
    if (t->start_waiter != NO_THREAD) {
        join_done(w, &t->start_waiter, 1);
        t->start_waiter = NO_THREAD;
    }
    if (t->pool)
        pool_worker_exit(w, t);
    Process *p = w->procs[t->proc];
    if (!t->daemon && --p->live_nondaemon == 0) {
        /* Interpreter shutdown: daemon threads do not survive it. */
        for (uint32_t i = 0; i < p->n_threads; i++) {
            Thread *d = T(w, p->threads[i]);
            if (!d->done)
                kill_thread(w, d);
        }
        process_end(w, p, t);
    }
}

/* ---- Event dispatch ---------------------------------------------------------- */

static void on_event(SimWorld *w, const SimEvent *ev)
{
    switch ((EventType)ev->type) {
    case EV_THREAD_BEGIN: {
        Thread *t = T(w, ev->thread);
        if (t->done)
            break;
        request_core(w, t, CONT_TAKE_GIL);
        break;
    }
    case EV_READY: {
        Thread *t = T(w, ev->thread);
        if (t->done)
            break;
        request_core(w, t, (Cont)t->cont);
        break;
    }
    case EV_ON_CORE: {
        Thread *t = T(w, ev->thread);
        if (t->done)
            break;
        run_continuation(w, t);
        break;
    }
    case EV_RUN:
        on_run(w, T(w, ev->thread));
        break;
    case EV_BLOCK_END: {
        Thread *t = T(w, ev->thread);
        t->block_ev = 0;
        request_core(w, t, CONT_TAKE_GIL);
        break;
    }
    case EV_GIL_TIMEOUT: {
        Thread *t = T(w, ev->thread);
        Gil *g = &w->gils[t->gil];
        t->gil_timer = 0;
        gil_waiters_remove(g, t->id);
        record(w, SIM_REC_GIL_TIMEOUT, t->id, t->gil, g->holder == NO_THREAD ? 0 : g->holder + 1, 0, 0,
               SIM_C_GIL_TIMEOUT);
        wake_from_cond(w, t, CONT_GIL_CHECK, true);
        break;
    }
    case EV_SLICE: {
        Core *k = &w->cores[ev->thread];
        k->slice_ev = 0;
        if (k->thread == NO_THREAD || w->rq_len == 0)
            break;
        Thread *t = T(w, k->thread);
        if (t->waking || !t->run_ev) {
            /* Mid context switch: look again one slice later. */
            k->since = w->now;
            arm_slices(w);
            break;
        }
        /* Preempt: the thread keeps the GIL if it holds it. */
        cancel(w, &t->run_ev);
        account_segment(w, t);
        k->thread = NO_THREAD;
        t->core = -1;
        t->cont = CONT_RESUME_WORK;
        Gil *g = &w->gils[t->gil];
        if (w->cfg->gil == SIM_GIL_OLD && t->holds_gil && t->work_kind == SIM_OP_CPU && old_contenders(w, g)) {
            /* Old GIL: with waiters, every tick release is a syscall that
             * wakes one, and that is where the OS preempts: between the
             * release and the re-acquire, so the GIL is left free. */
            gil_drop(w, t, SIM_DROP_FORCED);
            t->cont = CONT_TAKE_GIL;
        }
        set_reason(w, t, SIM_R_WAIT_CORE, SIM_C_PREEMPTED, 0);
        runq_push(w, t);
        dispatch(w, ev->thread);
        arm_slices(w);
        break;
    }
    case EV_PROC_START: {
        Process *p = w->procs[ev->thread];
        process_begin(w, p, false, NULL);
        break;
    }
    case EV_SYNC_TIMEOUT: {
        Thread *t = T(w, ev->thread);
        if (!t->done)
            sync_timeout(w, t);
        break;
    }
    case EV_PIPE_DELIVER:
        pipe_deliver(w, w->all_prims[ev->data]);
        break;
    case EV_JOIN_TIMEOUT: {
        /* join(timeout) returns; the joined thread or process goes on. */
        Thread *t = T(w, ev->thread);
        t->sync_timer = 0;
        if (t->done || t->reason != SIM_R_JOIN)
            break;
        if (t->wait_kind == PEND_JOIN_THREAD) {
            Thread *target = T(w, (uint32_t)t->wait_target);
            for (uint32_t i = 0; i < target->n_joiners; i++)
                if (target->joiners[i] == t->id)
                    target->joiners[i] = target->joiners[--target->n_joiners];
        } else {
            Process *p = w->procs[t->wait_target];
            for (uint32_t i = 0; i < p->n_joiners; i++)
                if (p->joiners[i] == t->id)
                    p->joiners[i] = p->joiners[--p->n_joiners];
        }
        os_wake(w, t, CONT_TAKE_GIL);
        break;
    }
    }
}

/* ---- Deadlock reporting -------------------------------------------------------- */

/* Every live thread is stuck: say what each waits for. DEADLOCK records
 * carry arg = the Pending kind and other = the awaited thread + 1 (thread
 * joins and Thread.start) or the awaited process + 1 (process joins). */
static void report_deadlock(SimWorld *w)
{
    for (uint32_t i = 0; i < w->n_threads; i++) {
        Thread *t = T(w, i);
        if (t->done || !t->started)
            continue;
        uint32_t other = 0;
        if (t->wait_kind == PEND_JOIN_THREAD || t->wait_kind == PEND_START_WAIT ||
            t->wait_kind == PEND_JOIN_PROCESS || t->wait_kind == PEND_OBJECT)
            other = (uint32_t)t->wait_target + 1;
        record(w, SIM_REC_DEADLOCK, t->id, t->wait_kind, other, 0, t->reason, SIM_C_DEADLOCK);
    }
}

/* ---- Public API ----------------------------------------------------------------- */

SimWorld *sim_world_create(const SimScenario *sc, SimError *err)
{
    SimWorld *w = calloc(1, sizeof(*w));
    if (!w) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->sc = sc;
    w->cfg = &sc->cfg;
    w->outcome = -1;
    w->rq_head = w->rq_tail = NO_THREAD;
    sim_queue_init(&w->q);
    w->trace = sim_trace_create();
    w->cores = calloc((size_t)sc->cfg.cores, sizeof(Core));
    if (!w->trace || !w->cores)
        goto out_nomem;
    for (int c = 0; c < sc->cfg.cores; c++)
        w->cores[c] = (Core){NO_THREAD, NO_THREAD, 0, 0};
    static const char *const policies[] = {"new", "new-noforce", "old", "none", "per-interpreter"};
    char version[16];
    snprintf(version, sizeof(version), "%d.%d", sc->cfg.py_major, sc->cfg.py_minor);
    SimRunInfo info = {sc->name, sc->hash, sc->cfg.seed, sc->cfg.cores, sc->cfg.switch_interval,
                       policies[sc->cfg.gil], version, -1};
    if (sim_trace_set_info(w->trace, &info) < 0)
        goto out_nomem;
    sim_rng_seed(&w->os_rng, sc->cfg.seed, 999);
    w->ipc_first = sc->n_prims;
    for (int i = 0; i < sc->n_prims; i++)
        if (sc->prims[i].process < 0 && w->ipc_first == sc->n_prims)
            w->ipc_first = i;
    if (w->ipc_first < sc->n_prims) {
        int n = sc->n_prims - w->ipc_first;
        w->ipc = calloc((size_t)n, sizeof(Prim *));
        if (!w->ipc)
            goto out_nomem;
        for (int i = 0; i < n; i++) {
            const SimPrimSpec *sp = &sc->prims[w->ipc_first + i];
            if (!(w->ipc[i] = prim_new(w, sp, sp->kind, sp->name, SIM_NONE)))
                goto out_nomem;
            if (sp->kind == SIM_PRIM_QUEUE || sp->kind == SIM_PRIM_CONDITION)
                w->ipc[i]->lock = prim_inner_lock(w, sp, SIM_NONE);
        }
    }
    for (int i = 0; i < sc->n_procs; i++) {
        if (sc->procs[i].manual_start)
            continue;
        Process *p = create_process(w, &sc->procs[i], SIM_NONE, NULL);
        if (!p)
            goto out_nomem;
        process_begin(w, p, false, NULL);
    }
    if (w->oom)
        goto out_nomem;
    return w;
out_nomem:
    sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    sim_world_destroy(w);
    return NULL;
}

void sim_world_destroy(SimWorld *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_threads; i++) {
        free(w->threads[i]->joiners);
        free(w->threads[i]);
    }
    for (uint32_t i = 0; i < w->n_all_prims; i++) {
        free(w->all_prims[i]->waiters);
        free(w->all_prims[i]->waiters2);
        free(w->all_prims[i]);
    }
    free(w->all_prims);
    free(w->ipc);
    for (uint32_t i = 0; i < w->n_pools; i++)
        free(w->pools[i]);
    free(w->pools);
    for (uint32_t i = 0; i < w->n_procs; i++) {
        free(w->procs[i]->prims);
        free(w->procs[i]->shared);
        free(w->procs[i]->threads);
        free(w->procs[i]->joiners);
        free(w->procs[i]);
    }
    for (uint32_t i = 0; i < w->n_gils; i++)
        free(w->gils[i].waiters);
    free(w->threads);
    free(w->procs);
    free(w->gils);
    free(w->cores);
    sim_queue_fini(&w->q);
    sim_trace_destroy(w->trace);
    free(w);
}

static void finish(SimWorld *w, int outcome)
{
    w->finished = true;
    w->outcome = outcome;
    sim_trace_set_end(w->trace, w->now);
    SimRunInfo info = *sim_trace_info(w->trace);
    info.outcome = outcome;
    if (sim_trace_set_info(w->trace, &info) < 0)
        w->oom = true;
}

int sim_world_run(SimWorld *w, SimTime until)
{
    if (w->finished)
        return w->outcome;
    SimEvent ev;
    while (w->live_procs > 0) {
        if (w->oom)
            return SIM_ERR_NOMEM;
        if (sim_queue_size(&w->q) == 0) {
            report_deadlock(w);
            finish(w, SIM_RUN_DEADLOCK);
            return w->oom ? SIM_ERR_NOMEM : w->outcome;
        }
        if (sim_queue_peek_time(&w->q) > until) {
            w->now = until;
            finish(w, SIM_RUN_UNTIL);
            return w->outcome;
        }
        sim_queue_pop(&w->q, &ev);
        w->now = ev.t;
        w->events++;
        on_event(w, &ev);
    }
    if (w->oom)
        return SIM_ERR_NOMEM;
    finish(w, SIM_RUN_DONE);
    return w->outcome;
}

const SimTrace *sim_world_trace(const SimWorld *w) { return w->trace; }
uint64_t sim_world_events(const SimWorld *w) { return w->events; }

SimTrace *sim_world_take_trace(SimWorld *w)
{
    SimTrace *tr = w->trace;
    w->trace = NULL;
    if (!w->finished)
        sim_trace_set_end(tr, w->now);
    w->finished = true;
    return tr;
}
