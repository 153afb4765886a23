/*
 * scenario.h - the validated scenario as the engine reads it: op and object
 * templates, the configuration, and the few loader services the engine
 * calls. A part of sim_internal.h, included by it after SimDist: include
 * that one, never this directly.
 *
 * Every value here was checked by the loader (sim/scenario.c and the files
 * sharing sim/loader.h): indices are in range, names are unique where the
 * scenario format says so, and SimConfig holds a value for every parameter
 * of the table in sim/config.c, defaults included.
 */
#ifndef GILSIM_SCENARIO_H
#define GILSIM_SCENARIO_H

#ifndef GILSIM_SIM_INTERNAL_H
#error "include sim_internal.h, which includes scenario.h"
#endif

typedef enum SimOpKind {
    SIM_OP_CPU = 0, /* Python bytecode: holds the GIL, passes check points */
    SIM_OP_C_CALL,  /* C call holding the GIL: no check points */
    SIM_OP_NOGIL,   /* C work with the GIL released: needs a core only */
    SIM_OP_IO,      /* blocking I/O: releases the GIL */
    SIM_OP_SLEEP,   /* time.sleep: releases the GIL */
    SIM_OP_REPEAT,  /* the next body_len ops, count times */
    SIM_OP_START,   /* start a thread or process declared with "start": "manual" */
    SIM_OP_JOIN,    /* wait for a thread or process to end */
    SIM_OP_FORK,    /* os.fork(): child process runs the op's program */
    /* synchronization (obj = primitive index, timeout = -1 for none) */
    SIM_OP_ACQUIRE,   /* Lock/RLock/Semaphore acquire; flags may say non-blocking */
    SIM_OP_RELEASE,   /* Lock/RLock/Semaphore release */
    SIM_OP_WAIT,      /* Event.wait, Condition.wait, Barrier.wait */
    SIM_OP_SET,       /* Event.set */
    SIM_OP_CLEAR,     /* Event.clear */
    SIM_OP_NOTIFY,    /* Condition.notify(count); count 0 = notify_all */
    SIM_OP_PUT,       /* queue.Queue.put / pipe send (one item) */
    SIM_OP_GET,       /* queue.Queue.get / pipe receive (one item) */
    SIM_OP_INCREMENT, /* shared[obj] += 1, read then write; flags may put a call between */
    SIM_OP_POOL,      /* run a pool: see SimPoolSpec (obj = pool index) */
    /* appended after the first release; kept in this order */
    SIM_OP_TERMINATE, /* Process.terminate() (SIGTERM) or, with SIM_OPF_KILL, kill() (SIGKILL) */
    SIM_OP_EXIT,      /* os._exit(value): the whole process ends at once */
    SIM_OP_POLL,      /* busy-wait: bytecode that checks obj until its condition holds */
    SIM_OP_BRANCH,    /* if random() < p: the next body_len ops (the then-part and its SKIP);
                         else the ops after them. p in parts per billion in `value` */
    SIM_OP_SKIP,      /* the end of a branch's then-part: jumps over the next body_len ops */
    SIM_OP_ASSIGN,    /* shared[obj] = value (a STORE_GLOBAL, a ctypes or a proxy store) */
    SIM_OP_CALL,      /* one method call through a Manager's proxy (obj = the manager) */
    SIM_OP_SERVE,     /* a Manager's server thread: serves requests forever (obj = the manager) */
    SIM_OP_KIND_COUNT
} SimOpKind;

typedef enum SimTargetKind { SIM_TARGET_THREAD = 0, SIM_TARGET_PROCESS } SimTargetKind;

typedef struct SimOp {
    uint8_t kind;        /* SimOpKind */
    uint8_t target_kind; /* START/JOIN: SimTargetKind */
    uint32_t count;      /* REPEAT: iterations (>= 0) */
    uint32_t body_len;   /* REPEAT: number of flattened ops in the body */
    int32_t target;      /* START/JOIN: thread or process template; FORK: child process template */
    SimDist dur;         /* CPU, C_CALL, NOGIL, IO, SLEEP; PUT/GET on a pipe: payload transfer time */
    int32_t obj;         /* sync ops: primitive index (SimScenario.prims); INCREMENT: shared index;
                            POOL: pool index */
    uint32_t src;        /* where it came from: the loader made it as its src-th op (it sits in
                            padding, so 1M-op programs pay nothing); sim_scenario_op_where turns
                            it into a place in the file only when an error names the op */
    union {
        SimTime timeout; /* blocking sync ops and JOIN: -1 = wait forever */
        int64_t value;   /* ASSIGN: the value stored; EXIT: the exit status; POLL on a variable:
                            the value it waits for; BRANCH: p in parts per billion */
    };
    uint8_t flags;       /* SIM_OPF_* */
    uint16_t index;      /* INCREMENT, ASSIGN, POLL on an Array: the element */
} SimOp;

#define SIM_OPF_NONBLOCKING 0x01 /* ACQUIRE(blocking=False) */
#define SIM_OPF_CALL_BETWEEN 0x02 /* INCREMENT: c = x; f(); x = c + 1 (a call between read and write) */
#define SIM_OPF_POOL_WORKER 0x04  /* POOL: the worker's loop (in a pool's worker thread program) */
#define SIM_OPF_KILL 0x08         /* TERMINATE: kill() (SIGKILL) rather than terminate() (SIGTERM) */
#define SIM_OPF_VAR 0x10          /* POLL: obj is a shared variable (until value), not an object */
#define SIM_OPF_WITH 0x20         /* ACQUIRE: a `with` block's __enter__, not an acquire() call */

/* Synchronization primitives, declared per process ("sync") or, for the
 * ones that cross processes, at the top level ("ipc"). */
typedef enum SimPrimKind {
    SIM_PRIM_LOCK = 0,
    SIM_PRIM_RLOCK,
    SIM_PRIM_SEMAPHORE,
    SIM_PRIM_BOUNDED_SEMAPHORE,
    SIM_PRIM_EVENT,
    SIM_PRIM_CONDITION,
    SIM_PRIM_BARRIER,
    SIM_PRIM_QUEUE,    /* queue.Queue: one Lock + Conditions, as Lib/queue.py */
    SIM_PRIM_PIPE,     /* os.pipe / multiprocessing.Pipe: shared by reference across fork */
    SIM_PRIM_MP_QUEUE, /* multiprocessing.Queue: a pipe plus pickling on both sides */
    SIM_PRIM_MANAGER,  /* multiprocessing.Manager(): a server process, a round trip per access */
    SIM_PRIM_KIND_COUNT
} SimPrimKind;

typedef struct SimPrimSpec {
    char *name;
    int process;     /* declaring process template; -1 for a top-level "ipc" object */
    uint8_t kind;    /* SimPrimKind */
    int64_t value;   /* SEMAPHORE*: initial value; BARRIER: parties; QUEUE/MP_QUEUE: maxsize (0 = unbounded) */
    int32_t lock;    /* CONDITION: primitive index of its lock, -1 = its own RLock */
    SimTime timeout; /* BARRIER: default timeout, -1 = none */
} SimPrimSpec;

/* Where a variable lives and who sees it. */
typedef enum SimVarScope {
    SIM_VAR_GLOBAL = 0, /* a module global of its process ("shared"); a fork child gets a copy */
    SIM_VAR_LOCAL,      /* a threading.local() attribute ("local"): one value per thread */
    SIM_VAR_VALUE,      /* multiprocessing.Value or Array ("ipc"): shared memory, every process */
    SIM_VAR_MANAGED,    /* a Manager's Value ("ipc"): lives in the manager's server process */
} SimVarScope;

typedef struct SimSharedSpec {
    char *name;
    int process;     /* declaring process template; -1 for an "ipc" Value, Array or managed value */
    int64_t initial;
    uint8_t scope;   /* SimVarScope */
    uint32_t length; /* VALUE: the number of elements of an Array; 0 for anything else (a Value) */
    int32_t lock;    /* VALUE: its lock (an "ipc" RLock, SimScenario.prims), -1 for lock=False */
    int32_t manager; /* MANAGED: the manager (SimScenario.prims) */
} SimSharedSpec;

/* concurrent.futures.ThreadPoolExecutor / multiprocessing.Pool running a
 * task program over `tasks` items, then shut down (waiting). */
typedef struct SimPoolSpec {
    bool processes;      /* multiprocessing.Pool: workers are processes */
    int workers;         /* max_workers / processes */
    uint32_t tasks;      /* number of items submitted (map) */
    uint32_t chunksize;  /* items per message (process pools); 0 = CPython's map default */
    uint8_t start_method;/* process pools: SimStartMethod */
    uint32_t task_first; /* the task program, into SimScenario.ops */
    uint32_t task_len;
    int worker_thread;   /* a synthetic thread template the workers run (manual start) */
    int worker_process;  /* process pools: a synthetic process template for the workers */
} SimPoolSpec;

typedef enum SimStartMethod {
    SIM_START_FORK = 0,
    SIM_START_SPAWN,
    SIM_START_FORKSERVER,
    SIM_START_INITIAL, /* a process that exists when the run begins */
    SIM_START_OSFORK,  /* created by an os.fork() op */
} SimStartMethod;

typedef struct SimThreadSpec {
    char *name;
    int process;         /* process template index */
    bool daemon;
    bool manual_start;   /* started by a `start` op instead of with its process */
    int interpreter;     /* subinterpreter of its process (0 = main); its own GIL under "per-interpreter" */
    uint32_t prog_first; /* into SimScenario.ops */
    uint32_t prog_len;
    uint64_t affinity;   /* the cores it may run on (bit c: core c), 0 = any (os.sched_setaffinity) */
} SimThreadSpec;

typedef struct SimProcessSpec {
    char *name;
    uint8_t start_method; /* SimStartMethod */
    bool manual_start;
    int first_thread;     /* its thread templates are [first_thread, first_thread+n_threads) */
    int n_threads;
    int first_prim;       /* its primitives are [first_prim, first_prim+n_prims); a fork child */
    int n_prims;          /*   uses its parent's range (the copies are made at the fork) */
    int first_shared;     /* its shared variables, likewise */
    int n_shared;
    int32_t serves;       /* a Manager's server process: 1 + its manager (SimScenario.prims); else 0 */
    uint64_t affinity;    /* what its threads inherit (SimThreadSpec.affinity) */
} SimProcessSpec;

typedef enum SimGilPolicy {
    SIM_GIL_NEW = 0,     /* CPython 3.2+ */
    SIM_GIL_NEW_NOFORCE, /* new GIL without FORCE_SWITCHING */
    SIM_GIL_OLD,         /* CPython <= 3.1 ticks */
    SIM_GIL_NONE,        /* free-threaded */
    SIM_GIL_PER_INTERP,  /* 3.12+ (PEP 684): the new GIL, one per interpreter */
    SIM_GIL_POLICY_COUNT
} SimGilPolicy;

typedef enum SimWakePolicy { SIM_WAKE_RANDOM = 0, SIM_WAKE_FIFO, SIM_WAKE_GLIBC } SimWakePolicy;

typedef struct SimConfig {
    uint64_t seed;
    /* machine */
    int cores;
    SimTime time_slice;      /* OS quantum when threads outnumber cores */
    SimTime ctx_switch;      /* cost when a core switches to another thread */
    SimTime wake_cost;       /* the waker's side of waking a sleeping thread */
    SimTime futex_wake_cost; /* a lock release whose waiters are all awake: the futex call alone */
    SimTime short_sleep_wake_cost; /* the waker's side of waking a thread asleep under short_sleep */
    SimTime short_sleep;     /* below this, a sleeper costs short_sleep_wake_cost to wake */
    SimDist wake_latency;    /* from a wake-up signal (another CPU's) until the thread runs */
    SimDist switch_wake_latency; /* FORCE_SWITCHING: from the take until the dropper goes on */
    SimTime timer_slack;     /* how late a sleep's or a timed wait's timer fires */
    SimDist timer_latency;   /* from a timer's firing until its thread runs */
    double busy_wake_share;  /* the chance that a GIL waiter whose timeout fires on a busy CPU waits there */
    SimDist busy_wake_hold;  /* ... and for how long at most (less if that CPU frees first) */
    uint8_t wake_policy;     /* SimWakePolicy: which condvar waiter the OS wakes */
    SimTime cond_enter_window; /* linux-glibc: a waiter this new to its wait may take a signal awake */
    double cond_steal;       /* linux-glibc: the chance that such a waiter does */
    /* python */
    int py_major, py_minor;
    uint8_t gil;             /* SimGilPolicy */
    SimTime switch_interval;
    SimTime check_point_gap; /* bytecode time between eval-breaker checks */
    int check_interval;      /* old GIL: ticks between releases */
    SimTime tick_cost;       /* old GIL: time of one tick */
    SimTime old_signal_cost; /* old GIL: a release that wakes a waiter (sem_post) */
    SimTime old_contention_cost; /* old GIL, several cores: woken waiters fighting for the lock */
    double ft_overhead;      /* free-threaded: CPU work multiplier */
    SimTime thread_start_cost;
    SimTime fork_cost;       /* os.fork(), paid by the parent */
    SimTime os_fork_child_cost; /* an os.fork() child, before its first bytecode */
    SimTime fork_exit_cost;  /* an os.fork() child's exit, before its parent's waitpid returns */
    SimTime mp_exit_cost;    /* a multiprocessing child's exit (fork, forkserver) */
    SimTime spawn_exit_cost; /* a spawned child's exit: its interpreter's finalization */
    SimTime mp_fork_start_cost; /* Process.start() with fork, paid by the parent */
    SimTime spawn_cost;      /* interpreter start-up of a spawned child */
    SimTime forkserver_cost; /* a start through a warm fork server */
    SimTime ipc_cost;        /* parent side of a spawn or forkserver start */
    SimTime pickle_cost;     /* per message and side: multiprocessing pickling (GIL held) */
    SimTime pipe_latency;    /* a message's trip through a pipe */
    SimTime loop_cost;         /* a `for` loop's own bytecode per iteration */
    SimTime bytecode_cost;     /* a plain opcode: LOAD_FAST, LOAD_CONST, STORE_FAST, POP_TOP */
    SimTime global_load_cost;  /* LOAD_GLOBAL */
    SimTime global_store_cost; /* STORE_GLOBAL */
    SimTime arith_cost;        /* adding two small ints (INPLACE_ADD, BINARY_OP) */
    SimTime call_cost;         /* calling an empty Python function, to its return */
    SimTime pool_submit_cost;/* ThreadPoolExecutor.submit: a Future and a queue put */
    SimTime value_cost;      /* a synchronized Value's read or write: property, lock, ctypes */
    SimTime raw_value_cost;  /* a Value's read or write with lock=False */
    SimTime queue_op_cost;   /* queue.Queue put/get: Python run under the queue's mutex */
    SimTime queue_call_cost; /* queue.Queue put/get: the rest of the call, outside the mutex */
    SimTime lock_call_cost;  /* acquire or release called from Python, around the C lock */
    SimTime syscall_cost;    /* a system call that returns at once (select for sleep(0) before 3.11) */
    SimTime fork_child_cost; /* a multiprocessing fork child's bootstrap, until its target runs */
    SimTime interp_start_cost; /* creating a subinterpreter (first start of a thread in it) */
} SimConfig;

/* The configured Python version as one number: 3.9 is 309, 2.7 is 207. */
static inline int sim_py_version(const SimConfig *c) { return c->py_major * 100 + c->py_minor; }

struct SimScenario {
    char *name;
    char *description;
    char *lesson;
    char *quiz_question;     /* "quiz": the question, NULL when there is none */
    char *quiz_figure;       /* ... the figure that answers it, or NULL */
    double quiz_tolerance;   /* ... within this relative tolerance */
    char *source;            /* file path or embedded name */
    char *json;              /* the tree the loader walked, overrides applied (cJSON's allocator) */
    char *profile;           /* the machine profile applied, or NULL */
    char **profile_keys;     /* "machine.wake_latency"...: the values it supplied */
    int n_profile_keys;
    SimTime view_t0, view_t1; /* "view": {"range"}: first stretch to show; t1 = 0 when none */
    uint64_t hash;
    SimConfig cfg;
    SimProcessSpec *procs;
    int n_procs;
    SimThreadSpec *threads;
    int n_threads;
    SimOp *ops;
    uint32_t n_ops;
    SimPrimSpec *prims;      /* per-process primitives, then the top-level "ipc" ones */
    int n_prims;
    SimSharedSpec *shared;
    int n_shared;
    SimPoolSpec *pools;
    int n_pools;
    char *text;              /* the scenario's bytes and overrides, kept to locate an op */
    size_t text_len;
    char **overrides;        /* [n_overrides] "key=value", as given */
    int n_overrides;
    char **warnings;         /* what looks wrong but loads: a thread never started... */
    int n_warnings;
};

/* Where op `op` (an index into sc->ops) came from, as an error message
 * starts: "FILE:LINE:COL: /json/pointer" of the operation object, or
 * "--set K=V: /json/pointer" when an override put it there; just the
 * source name when it cannot be found (out of memory). Loads the text
 * again to find it, so call it only to report an error. */
void sim_scenario_op_where(const SimScenario *sc, uint32_t op, char *buf, size_t n);

/* Fills cfg with the documented defaults (seed 1, Python 3.12). */
void sim_config_defaults(SimConfig *cfg);

/* "new", "new-noforce", "old", "none" or "per-interpreter", as scenarios
 * spell a SimGilPolicy; "?" for any other value. */
const char *sim_gil_policy_name(int policy);

/* Shortest exact text of a duration as scenario files write it, one that
 * sim_duration_parse reads back to the same value: "5ms", "1.5us", "100ns".
 * (sim_duration_format, for people, rounds to 4 digits: "5 ms".) Returns buf. */
char *sim_duration_format_exact(SimTime ns, char *buf, size_t n);

#endif /* GILSIM_SCENARIO_H */
