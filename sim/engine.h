/*
 * engine.h - what the files of the simulation engine share; never included
 * outside sim/. As Lua's files share lstate.h, each engine file holds one
 * job and they meet here:
 *
 *   world.c    the event loop, event dispatch, the trace writer, the
 *              invariant checker and the public SimWorld API
 *   sched.c    the OS: cores, the run queue, time slices, wake-ups      os_
 *   gil.c      every GIL design and every rule a design changes         gil_
 *   thread.c   a thread's life: work on a core, blocking, joins, exit   work_, thread_
 *   program.c  the interpreter: a thread's program, op by op            prog_
 *   sync.c     threading's primitives, queues, pipes, shared variables  sync_, prim_
 *   process.c  processes, their objects, and fork                       proc_
 *   pool.c     ThreadPoolExecutor and multiprocessing.Pool              pool_
 *   waitlist.c the threads waiting on a GIL or an object, by arrival     wl_
 *
 * No step of an event scans the threads, a wait list, the processes or
 * the run queue: every list a thread leaves from the middle knows where
 * the thread is, and every count a rule needs is kept as it changes, so
 * 100,000 threads cost per event what 10 do (to a log factor).
 *
 * Invariants (sim_world_check tests them; debug builds after every event,
 * or every k-th one in a world of more than 256 threads, processes, GILs
 * and cores):
 *  - a GIL has at most one holder, and the holder's `holds_gil` is set;
 *  - a thread is on at most one core, and core.thread points back at it;
 *  - a thread in a GIL's waiter list has no core and (new GIL) an armed
 *    timeout;
 *  - the run queue holds exactly the threads marked in_runq, linked both ways;
 *  - a wait list's threads know their position in it; a joiner knows its
 *    index in its join list; a process lists exactly its threads not done;
 *  - under the old GIL, a GIL's `coming` counts its threads marked
 *    `coming`, which are those queued or waking on their way into take_gil;
 *  - events are dispatched in (time, push order), so runs are reproducible.
 */
#ifndef GILSIM_ENGINE_H
#define GILSIM_ENGINE_H

#include "sim_internal.h"

#define NO_THREAD UINT32_MAX
#define GHOST (UINT32_MAX - 1) /* owner of a lock held by a thread lost in a fork */
#define MAX_LOOP_DEPTH 17
#define NO_WORK 0xff           /* Thread.work.kind when no work op is in progress */

/* ---- Events and continuations ------------------------------------------- */

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
    EV_PIPE_DELIVER, /* a message reaches the reading end of a pipe (data = object slot) */
    EV_JOIN_TIMEOUT, /* a join(timeout) gave up */
    EV_REPLY,        /* a Manager's reply reaches its caller (thread = the caller, data = object slot) */
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

/* How a thread blocked on an object goes on when it is woken. */
typedef enum WakeMode {
    WAKE_RETRY,    /* a lock was released: retry the acquire before the GIL */
    WAKE_NOTIFIED, /* notified, set, passed or fed: take the GIL and go on */
} WakeMode;

/* What happens when a GIL-holding C call (a start or a fork) ends. */
typedef enum Post {
    POST_NONE,
    POST_START_THREAD,
    POST_START_PROCESS,
    POST_FORK,
    POST_SIGNAL,        /* Process.terminate() or kill(): os.kill() returned, the signal lands */
} Post;

/* The event queue's FIFO lanes: one per constant delay (sim_internal.h). */
typedef enum Lane {
    LANE_GIL_TIMEOUT = 0, /* a GIL wait's timeout: now + the switch interval + the timer slack, plus
                             the timer's latency, which varies: the pushes it puts out of order take
                             the heap */
    LANE_ON_CORE = 1,     /* the end of a context switch: now + its cost */
    LANE_NOW = 2,         /* due now, after everything already due now: a timer's thread ready */
} Lane;

/* ---- The world's parts --------------------------------------------------- */

/* Which position field of a thread a wait list keeps: a thread waits in at
 * most one GIL's list and at most one object's list at a time. */
typedef enum WaitSlot { WL_GIL = 0, WL_OBJECT = 1 } WaitSlot;
#define WL_NONE UINT32_MAX /* Thread.wl_pos of a thread in no list */

/* Threads waiting on a GIL or an object, in arrival order (waitlist.c):
 * add, remove and take the k-th in O(log n). */
typedef struct WaitList {
    SimWorld *w;             /* the threads' world: positions live in them */
    uint32_t *ids;           /* [cap]: threads by position, holes where one left */
    uint32_t *tree;          /* [cap + 1]: Fenwick tree counting the threads */
    uint32_t head, tail;     /* the positions in use */
    uint32_t n, cap;         /* threads listed; positions allocated (a power of two) */
    uint8_t which;           /* WaitSlot */
} WaitList;

/* A synchronization object of one process (or shared by several: pipes). */
typedef struct Prim {
    uint32_t id;            /* trace object index */
    uint32_t slot;          /* index in SimWorld.all_prims */
    const SimPrimSpec *spec;
    uint8_t kind;           /* SimPrimKind */
    uint32_t owner;         /* LOCK/RLOCK: holder, NO_THREAD, or GHOST */
    uint32_t ghost_of;      /* GHOST: who held it in the parent at the fork */
    int64_t count;          /* RLOCK depth, SEMAPHORE value, EVENT flag, BARRIER arrivals, items */
    uint32_t woken;         /* waiters a release woke to retry that have not yet; read for a
                               LOCK/RLOCK, whose glibc semaphore still counts them (lock_is_sem) */
    bool broken;            /* BARRIER */
    WaitList waiters;       /* acquirers; condition/event/barrier waiters; queue getters */
    WaitList waiters2;      /* QUEUE: putters (not_full) */
    struct Prim *lock;      /* CONDITION, QUEUE: the lock they use */
    uint32_t *reqs;         /* MANAGER: callers whose request reached the server, oldest first
                               (waiters: the server; waiters2: callers awaiting their reply) */
    uint32_t n_reqs, cap_reqs;
} Prim;

typedef struct Shared {
    uint32_t id;            /* trace object index */
    int64_t value;
} Shared;

/* Where a stretch of bytecode checks the eval breaker, so that a pending
 * drop request stops it: at the `at` offsets from its start (ascending).
 * Thread.work.checks NULL means a cpu loop instead: a check every
 * python.check_point_gap. */
typedef struct CheckPlan {
    uint8_t n;
    SimTime at[8];
} CheckPlan;

/* One iteration of a loop around `x += 1` (or `c = x; f(); x = c + 1`),
 * from just after the previous write to the write: its length, where the
 * read happens and where the checks fall, as gil_plan_increments lays
 * them out for the scenario's Python version. */
typedef struct IncrementPlan {
    SimTime total;           /* the write happens here, at the end */
    SimTime read_at;         /* the read (LOAD_GLOBAL) happens here */
    CheckPlan checks;
} IncrementPlan;

typedef struct Loop {
    uint32_t start, end, left;
} Loop;

typedef struct PoolRun PoolRun; /* pool.c */

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
    bool resumed;            /* back in its program since its last Running, Blocked or Terminated
                                record: it runs bytecode even if it blocks at once (world_set_reason) */
    SimRng rng;
    /* What an event touches most is kept in the first cache lines: the
     * scheduling and GIL-wait fields here, the program's loop stack last. */
    /* scheduling (sched.c) */
    uint8_t cont;            /* Cont */
    int32_t core;            /* -1 when not on a core */
    int32_t last_core;
    uint32_t rq_next, rq_prev; /* run queue links */
    bool in_runq;
    bool waking;             /* a READY or ON_CORE event is pending */
    bool coming;             /* counted in its GIL's `coming` (gil_note_coming) */
    SimHandle wait_timer;    /* the timeout of a wait on an object or of a join */
    /* inside take_gil (gil.c) */
    struct {
        uint64_t saved_switch;   /* the GIL's switch_number when the wait began */
        SimTime since;           /* when the wait began */
        SimHandle timer;         /* the switch interval's timeout */
        bool by_timeout;         /* the last wake-up was that timeout */
        uint8_t signalled;       /* how the last signal reached it: SIM_ACQ_* or 0 */
        uint16_t held_on;        /* 1 + the core whose thread its fired timeout waits for
                                  * (Core.held), 0 if none */
        uint8_t after_switch;    /* Cont to run after a FORCE_SWITCHING wait */
    } gil_wait;
    uint32_t wl_pos[2];      /* its position in a GIL's and an object's wait list (WaitSlot) */
    /* the work op in progress: cpu, c_call, nogil (thread.c) */
    struct {
        uint8_t kind;            /* SimOpKind, or NO_WORK */
        SimTime left;            /* ns of work still to do */
        SimTime done;            /* ns done in this op (places the check points) */
        SimTime seg_start;       /* when the current run segment began */
        double seg_factor;       /* wall time per unit of work in this segment (old GIL) */
        bool to_end;             /* ev is the end of the work, not a check point */
        const CheckPlan *checks; /* where it can stop for a drop request; NULL: a cpu loop */
        SimHandle ev;            /* EV_RUN */
        SimTime ev_at;           /* when ev is due */
    } work;
    /* a blocking call (thread.c) */
    struct {
        uint8_t pending;         /* SimWaitKind to start once the GIL is released */
        SimTime dur;             /* its duration (I/O, sleep, nogil) or timeout (-1 = none) */
        int32_t target;          /* the thread, process or object it concerns */
        uint8_t kind;            /* SimWaitKind of the call in progress */
        int32_t of;              /* ... and the thread, process or object it waits for */
        SimHandle ev;            /* EV_BLOCK_END of an I/O or a sleep */
    } block;
    uint32_t *joiners;       /* threads joining this one */
    uint32_t n_joiners, cap_joiners;
    uint32_t join_idx;       /* its index in the join list it waits in */
    SimTime wake_debt;       /* machine.wake_cost of the sleepers its last op woke, to pay */
    uint32_t start_waiter;   /* thread blocked in Thread.start() on us */
    uint32_t live_prev, live_next; /* the process's threads not done, by creation */
    /* the program (program.c) */
    struct {
        uint32_t pc, end;        /* next op and the end of the program, in SimScenario.ops */
        Loop loops[MAX_LOOP_DEPTH];
        int depth;
        SimTime boot;            /* a forked child: C work before its first bytecode (0: none) */
        SimTime exit;            /* a child process's first thread: its exit's cost, paid after
                                    its last op (0: none, or paid) */
        uint8_t post;            /* Post: what the current C call creates when it ends */
        int32_t post_target;
        bool post_kill;          /* POST_SIGNAL: SIGKILL rather than SIGTERM */
    } prog;
    /* the synchronization op in progress (sync.c) */
    struct {
        const SimOp *op;
        uint8_t phase;           /* the op's step; each op names its steps */
        bool timed_out;          /* its last wait timed out */
        bool failed;             /* woken by a broken barrier */
        uint8_t mode;            /* WakeMode */
        uint8_t list;            /* 0: Prim.waiters, 1: Prim.waiters2 */
        Prim *prim;              /* the object whose list it waits in */
        SimTime deadline;        /* absolute end of the current timed wait, -1 none */
        Prim *retry;             /* the lock to retry when woken by its release */
        int64_t inc_read;        /* INCREMENT: the value read */
        uint32_t polls;          /* POLL: stretches of the loop run so far */
        uint32_t serving;        /* SERVE: the caller whose request is being served */
        int64_t saved_depth;     /* Condition.wait on an RLock: depth to restore */
        SimTime asleep_since;    /* when it went to sleep in the object's wait list */
    } sync;
    /* pools (pool.c) */
    struct {
        PoolRun *serves;         /* pool workers: the pool they serve */
        PoolRun *runs;           /* a POOL op's submitter: the pool it runs */
        uint32_t items;          /* process-pool worker: items left in its chunk */
        bool busy;               /* process-pool worker: a chunk's result is owed */
    } pool;
    Shared *locals;          /* threading.local() attributes: [its process's n_shared], made on first
                                use; an entry's id is UINT32_MAX until the thread touches it */
} Thread;

typedef struct Gil {
    bool locked;
    uint32_t holder, last_holder;
    uint64_t switch_number;
    bool drop_request;
    bool spec_retake;        /* new-noforce: the holder drops and re-takes at every check point */
    uint32_t switch_waiter;  /* the dropper in FORCE_SWITCHING wait */
    WaitList waiters;        /* threads in take_gil's timed wait, by arrival */
    SimTime g1_since;        /* linux-glibc: when the last group switch made every waiter then
                              * registered group G1 (see gil_signal_one) */
    uint32_t coming;         /* its threads queued or waking on their way into take_gil */
    SimRng rng;
} Gil;

typedef struct Process {
    uint32_t id;
    const SimProcessSpec *spec;
    uint32_t gil;
    uint32_t *threads;       /* thread ids of this process */
    uint32_t n_threads, cap_threads;
    uint32_t live_nondaemon;
    uint32_t live_head, live_tail; /* its threads not done, by creation (Thread.live_next) */
    uint32_t n_live;
    bool started, done;
    uint32_t *joiners;
    uint32_t n_joiners, cap_joiners;
    PoolRun *pool;           /* a pool's worker process: its pool */
    uint32_t n_interp;       /* interpreters with their own GIL: gil .. gil + n_interp - 1 */
    uint64_t interp_started; /* bit k: subinterpreter k exists */
    Prim **prims;            /* [spec->n_prims], by template index - first_prim */
    Shared *shared;          /* [spec->n_shared] (a "local" entry is unused: see Thread.locals) */
    uint8_t end_cause;       /* 0, or how it was ended from outside: SIM_C_SIGTERM, SIGKILL, OS_EXIT */
    int32_t exit_code;       /* Process.exitcode once done: 0, os._exit's status, -15, -9 */
    uint32_t end_by;         /* the thread that ended it + 1, 0 = none */
} Process;

typedef struct Core {
    uint32_t thread;         /* running (or reserved for) thread, NO_THREAD if idle */
    uint32_t last;           /* last thread that ran here (context switch cost) */
    SimTime since;           /* when the current thread got the core */
    SimHandle slice_ev;
    uint32_t held;           /* a GIL waiter whose timed-out wake-up waits for this core (gil.c) */
} Core;

struct SimWorld {
    const SimScenario *sc;
    const SimConfig *cfg;
    SimTime now;
    SimTime wake_costs;          /* what waking every sleeper of an object's wait list has cost,
                                    ever (prim_wake; sync_step charges a step's share to its thread) */
    SimQueue q;
    SimTrace *trace;
    uint64_t events;
    uint64_t queue_sum, queue_samples; /* the queue's size every 1024 events (sim_world_queue_mean) */
    Thread **threads;
    uint32_t n_threads, cap_threads;
    Process **procs;
    uint32_t n_procs, cap_procs;
    Gil *gils;
    uint32_t n_gils, cap_gils;
    /* join targets by template: the last thread of a template in a process
     * (open addressing on process << 32 | template), the last process of a
     * process template */
    uint64_t *last_thread_keys;
    uint32_t *last_thread_vals;
    uint32_t n_last_thread, cap_last_thread;
    uint32_t *last_proc;     /* [sc->n_procs] */
    Core *cores;
    uint32_t rq_head, rq_tail, rq_len;
    uint32_t live_procs;     /* processes started and not done, plus pending starts */
    bool forkserver_up;
    PoolRun **pools;         /* every pool run, for freeing */
    uint32_t n_pools, cap_pools;
    Prim **all_prims;        /* every object, for freeing */
    uint32_t n_all_prims, cap_all_prims;
    Prim **ipc;              /* top-level objects shared by every process */
    Shared **vars;           /* [sc->n_shared]: a multiprocessing Value or Array's elements (shared
                                memory, one copy for every process); NULL for other variables */
    int ipc_first;           /* template index of the first top-level object */
    SimRng os_rng;           /* the OS's choices among an object's waiters */
    IncrementPlan increment[2]; /* x += 1 inline [0] and with a call between [1] */
    bool oom;
    bool finished;
    int outcome;
    /* Bounds of a run (world.c): every run ends. */
    SimTime instant;         /* the simulated instant the steps below were taken at */
    uint64_t steps;          /* events and program steps at that instant */
    uint64_t max_steps;      /* more means time stopped advancing: SIM_ERR_RUN */
    uint64_t steps_base;     /* ... SIM_STEPS_PER_INSTANT, plus SIM_STEPS_PER_THREAD a thread */
    uint64_t max_records;    /* trace budget, 0 = none: SIM_ERR_BUDGET */
    uint64_t steps_before;   /* events and program steps at earlier instants */
    uint64_t max_total_steps; /* budget of all steps, 0 = none: SIM_ERR_BUDGET */
    int fail_code;           /* 0, or why the run cannot go on (world_fail) */
    uint32_t fail_op;        /* the op that error names (SimScenario.ops), or UINT32_MAX */
    char fail_msg[320];
};

static inline Thread *T(SimWorld *w, uint32_t id) { return w->threads[id]; }

/* ---- world.c: events, the trace, arrays ----------------------------------- */

/* Each sets w->oom and returns 0/false when memory runs out; the run loop
 * then ends with SIM_ERR_NOMEM. */
bool world_grow(SimWorld *w, void **p, uint32_t *cap, uint32_t need, size_t elem);
bool world_push_u32(SimWorld *w, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v);
SimHandle world_schedule(SimWorld *w, SimTime at, EventType type, uint32_t thread, int64_t data);
/* The same for an event due a constant delay after now (one delay per
 * lane), which the queue keeps in a FIFO lane; the order of events is the
 * same as world_schedule's. */
SimHandle world_schedule_after(SimWorld *w, Lane lane, SimTime at, EventType type, uint32_t thread, int64_t data);
void world_cancel(SimWorld *w, SimHandle *h);
void world_record(SimWorld *w, uint8_t kind, uint32_t thread, uint32_t arg, uint32_t other,
                  uint8_t state, uint8_t reason, uint8_t cause);
/* The one place thread states change, so the trace chain stays intact. */
void world_set_reason(SimWorld *w, Thread *t, SimReason reason, SimCause cause, uint32_t other);

/* The run cannot go on (time stopped advancing or would pass SIM_TIME_MAX,
 * the trace budget is spent): records why, naming op (an index into
 * SimScenario.ops, or UINT32_MAX), and the run loop ends the run after the
 * current event. The first failure wins. */
void world_fail(SimWorld *w, int code, uint32_t op, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The op thread t is at: its synchronization op, else the last op it began. */
uint32_t world_thread_op(const SimWorld *w, const Thread *t);
/* "thread 'a' of process 'main'", for messages; returns buf. */
const char *world_thread_name(const SimWorld *w, const Thread *t, char *buf, size_t n);
/* One more step at the current instant (an event, an op, a loop's jump).
 * False once a run has taken more than max_steps without time passing:
 * then t's op is named in the failure and the caller must stop. */
bool world_step_slow(SimWorld *w, Thread *t);
static inline bool world_step(SimWorld *w, Thread *t)
{
    return ++w->steps <= w->max_steps || world_step_slow(w, t);
}

/* ---- waitlist.c: wait lists ---------------------------------------------- */

void wl_init(WaitList *l, SimWorld *w, WaitSlot which);
void wl_fini(WaitList *l);
static inline uint32_t wl_count(const WaitList *l) { return l->n; }
/* Adds a thread at the back; false when memory ran out (w->oom). */
bool wl_add(WaitList *l, uint32_t id);
/* Removes a thread; false if it is not in this list. */
bool wl_remove(WaitList *l, uint32_t id);
/* The k-th thread in arrival order (0: the oldest); k < count. */
uint32_t wl_peek(const WaitList *l, uint32_t k);
/* Removes and returns the k-th thread in arrival order (0: the oldest); k < count. */
uint32_t wl_take(WaitList *l, uint32_t k);
/* Iterates in arrival order: start with *pos = 0; NO_THREAD at the end. */
uint32_t wl_next(const WaitList *l, uint32_t *pos);
bool wl_sane(const WaitList *l);

/* ---- sched.c: the OS ------------------------------------------------------ */

/* The OS wakes a blocked thread: after the wake-up latency it wants a core
 * to run `cont`. */
void os_wake(SimWorld *w, Thread *t, Cont cont);
/* The same after a latency of its own (drawn from t's random stream). */
void os_wake_after(SimWorld *w, Thread *t, Cont cont, const SimDist *latency);
/* A thread just created by Thread.start() (or a pool) first runs once the
 * CPU it is placed on wakes. */
void os_start_thread(SimWorld *w, Thread *t);
/* The thread blocks for `dur` and is woken by the OS after it: one event
 * for "done and scheduled again". `timer`: the end is a timer's (a sleep),
 * which fires machine.timer_slack late; an I/O completes when it does. */
void os_block_for(SimWorld *w, Thread *t, SimTime dur, bool timer);
/* When the thread's timer armed now for `at` wakes it: the kernel's slack
 * and the timer interrupt's latency (drawn from t's random stream). */
SimTime os_timer(SimWorld *w, Thread *t, SimTime at);
/* A timer woke the thread where it slept: it wants a core now. */
void os_ready(SimWorld *w, Thread *t, Cont cont);
void os_request_core(SimWorld *w, Thread *t, Cont cont);
/* Frees t's core and hands it to the next queued thread, which starts
 * from an event (see assign_core): nothing else runs inside this call, so
 * the caller goes on to wait (arm a wake-up, join a list) in the world it
 * saw before. */
void os_release_core(SimWorld *w, Thread *t);
/* Whether a core t may use is idle. */
bool os_idle_core_exists(SimWorld *w, const Thread *t);
/* How many of the machine's cores t may run on (its affinity mask). */
int os_usable_cores(const SimWorld *w, const Thread *t);
void os_runq_remove(SimWorld *w, Thread *t);
/* EV_SLICE: core c's time slice ran out. */
void os_slice_expired(SimWorld *w, uint32_t c);

/* ---- gil.c: the GIL, every design ----------------------------------------- */

void gil_init(SimWorld *w, Gil *g, uint32_t index);
/* How many GILs a process of this template has (one per interpreter under
 * "per-interpreter", else one). */
uint32_t gil_count_for(SimWorld *w, const SimProcessSpec *spec);
/* take_gil() on a core: take it if free, else wait. */
void gil_take(SimWorld *w, Thread *t);
/* A woken waiter looks at the GIL again (the body of take_gil's loop). */
void gil_check(SimWorld *w, Thread *t);
/* EV_GIL_TIMEOUT: the timed wait in take_gil ran out. */
void gil_timed_out(SimWorld *w, Thread *t);
/* Core c has just freed: the GIL waiter held there by its timeout goes on. */
void gil_held_waiter_runs(SimWorld *w, uint32_t c);
/* drop_gil(); afterwards the thread may be in the FORCE_SWITCHING wait. */
void gil_drop(SimWorld *w, Thread *t, SimDropKind kind);
bool gil_in_switch_wait(const SimWorld *w, const Thread *t);
/* The holder stops at a check point because of a drop request. */
void gil_forced_drop(SimWorld *w, Thread *t);
/* At a check point outside cpu work (the end of a C call, an increment's
 * loop jump): drops the GIL if a drop request is pending; true if it did. */
bool gil_check_point(SimWorld *w, Thread *t);
/* An os.fork() child's first thread starts holding its process's GIL. */
void gil_give_to_fork_child(SimWorld *w, Thread *t);
/* A killed thread lets go of the GIL and leaves its waiters. */
void gil_forget(SimWorld *w, Thread *t);
/* The OS preempts the holder: true if the GIL went free with it (old GIL). */
bool gil_preempted(SimWorld *w, Thread *t);
/* Work on the GIL's terms: the wall-time factor of the holder's bytecode,
 * the duration of a cpu op. */
double gil_work_pace(SimWorld *w, Thread *t);
SimTime gil_work_duration(SimWorld *w, SimOpKind kind, SimTime dur);
/* Lays out w->increment[] for the scenario's version and costs. */
void gil_plan_increments(SimWorld *w);
/* A stretch of bytecode with no check point in it. */
extern const CheckPlan gil_no_checks;
/* A work segment was planned: the old GIL's holder wakes a waiter at its next tick. */
void gil_work_planned(SimWorld *w, Thread *t);
/* When the running holder stops for a drop request: the time of its next
 * check point, or SIM_TIME_NEVER when it need not stop. */
SimTime gil_next_stop(SimWorld *w, const Thread *t);

/* After a thread's in_runq, waking, cont or done changed: keeps its GIL's
 * count of threads on their way into take_gil (the old GIL's contenders;
 * other designs count nothing). */
void gil_note_coming(SimWorld *w, Thread *t);
/* The GIL's part of sim_world_check. */
int gil_check_sane(const SimWorld *w, SimError *err);

/* ---- thread.c: a thread's life -------------------------------------------- */

Thread *thread_create(SimWorld *w, const SimThreadSpec *spec, uint32_t proc, const char *name);
/* The thread made last from template spec in process proc, or NULL. */
Thread *thread_last_of(SimWorld *w, uint32_t proc, const SimThreadSpec *spec);
void thread_exit(SimWorld *w, Thread *t, SimReason how, SimCause cause);
/* Ends process p from outside its Python code: SIGTERM or SIGKILL (the
 * default action: no finally, no atexit) or os._exit(). Every thread stops
 * where it is, and a lock one of them held stays held. by: the thread
 * that did it (NULL: none); code: Process.exitcode. */
void thread_kill_process(SimWorld *w, Process *p, const Thread *by, SimCause cause, int32_t code);
/* Releases the GIL for a blocking action `what` (a SimWaitKind), with
 * FORCE_SWITCHING's wait first if a request is pending. dur is the
 * action's length (I/O, sleep, nogil) or its timeout (-1 = none). */
void thread_release_for(SimWorld *w, Thread *t, SimWaitKind what, SimTime dur, int32_t target);
/* Starts the blocking action whose GIL release is done. */
void thread_do_pending(SimWorld *w, Thread *t);
/* Wakes the threads of a join list whose join has not given up. */
void thread_wake_joiners(SimWorld *w, uint32_t *joiners, uint32_t n);
/* EV_JOIN_TIMEOUT */
void thread_join_timed_out(SimWorld *w, Thread *t);
void work_begin(SimWorld *w, Thread *t, SimOpKind kind, SimTime dur, SimCause cause);
void work_resume(SimWorld *w, Thread *t);
void work_account(SimWorld *w, Thread *t);
void work_plan(SimWorld *w, Thread *t);

/* ---- program.c: the interpreter ------------------------------------------- */

/* The thread (on a core, holding the GIL) finished its current op; run the next. */
void prog_advance(SimWorld *w, Thread *t);
/* EV_RUN: a work op ran to its end (or to a check point with a drop request). */
void prog_work_done(SimWorld *w, Thread *t);
/* Runs what a thread planned to do once it got a core. */
void prog_continue(SimWorld *w, Thread *t);

/* ---- sync.c: synchronization objects -------------------------------------- */

Prim *prim_new(SimWorld *w, const SimPrimSpec *spec, uint8_t kind, const char *name, uint32_t process);
/* The lock a Condition or a Queue uses internally, when it has its own. */
Prim *prim_inner_lock(SimWorld *w, const SimPrimSpec *spec, uint32_t process);
void prim_list_remove(Prim *p, int list, uint32_t id);
void prim_wake(SimWorld *w, Thread *t, Prim *p, WakeMode mode, SimCause cause);
void prim_wake_one(SimWorld *w, Prim *p, int list, bool fifo, WakeMode mode);
void prim_wake_all(SimWorld *w, Prim *p, int list, WakeMode mode);
void sync_record(SimWorld *w, Thread *t, Prim *p, SimSyncEvent ev, uint32_t n, uint8_t detail, SimCause cause);
/* Runs the thread's current synchronization op from its step. The thread
 * holds the GIL and a core. True when the op is over (the program goes
 * on), false when the thread blocked, started work or ended. */
bool sync_step(SimWorld *w, Thread *t);
/* Releases the GIL and waits on an object's list; returns false (blocked). */
bool sync_block(SimWorld *w, Thread *t, Prim *p, int list, WakeMode mode, SimTime timeout, uint8_t next_phase);
void sync_enter_wait(SimWorld *w, Thread *t);
/* The thread takes up the work of its sync op again after losing the GIL. */
void sync_work_resumed(SimWorld *w, Thread *t);
void sync_timed_out(SimWorld *w, Thread *t);
void sync_retry(SimWorld *w, Thread *t);
/* A message reaches the reading end of a pipe, or a caller's request
 * reaches a Manager's server (from: the sender). */
void sync_pipe_deliver(SimWorld *w, Prim *p, uint32_t from);
/* EV_REPLY: a Manager's reply reaches caller t. */
void sync_reply(SimWorld *w, Thread *t, Prim *p);

/* ---- process.c: processes and fork ---------------------------------------- */

/* The top-level "ipc" objects every process shares, made once per run,
 * with the Values and Arrays (w->vars). */
bool proc_make_ipc_objects(SimWorld *w);
Process *proc_create(SimWorld *w, const SimProcessSpec *spec, uint32_t parent, const char *name);
/* The process's threads come to life; forker: the thread whose os.fork()
 * made it (its first thread then starts holding the fresh GIL). */
void proc_begin(SimWorld *w, Process *p, const Thread *forker);
void proc_end(SimWorld *w, Process *p, Thread *last);
/* What starting a multiprocessing child costs the parent (a fork, or
 * launching an interpreter), and how long the child takes to start. */
SimTime proc_launch_cost(SimWorld *w, const SimProcessSpec *ps);
SimTime proc_start_delay(SimWorld *w, const SimProcessSpec *ps);

/* ---- pool.c: pools -------------------------------------------------------- */

bool pool_submit_step(SimWorld *w, Thread *t, const SimOp *op);
bool pool_worker_step(SimWorld *w, Thread *t, const SimOp *op);
void pool_worker_exit(SimWorld *w, Thread *t);

#endif /* GILSIM_ENGINE_H */
