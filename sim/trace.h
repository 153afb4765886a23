/*
 * trace.h - the record of a run: every thread state transition and every
 * GIL event, in time order, plus the names of what took part.
 *
 * The viewer, the exports and the statistics all read this one structure.
 * Records are 24-byte values in a flat array sorted by time (ties keep the
 * order in which the simulator made them), so millions of them stay cheap.
 *
 * Invariant: for every thread the STATE records chain: each record's old
 * state is the previous record's new state, starting from SIM_ST_NEW.
 */
#ifndef GILSIM_TRACE_H
#define GILSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t SimTime; /* nanoseconds since the start of the run */

/* Thread lifecycle states. */
typedef enum SimState {
    SIM_ST_NEW = 0,
    SIM_ST_RUNNABLE,
    SIM_ST_RUNNING,
    SIM_ST_BLOCKED,
    SIM_ST_TERMINATED,
    SIM_ST_COUNT
} SimState;

/* Why a thread is in its state. Each reason belongs to exactly one state
 * (sim_reason_state). */
typedef enum SimReason {
    SIM_R_NEW = 0,        /* New: created, not started */
    SIM_R_WAIT_GIL,       /* Runnable: inside take_gil, waiting for the GIL */
    SIM_R_WAIT_CORE,      /* Runnable: ready but every core is busy */
    SIM_R_PYTHON,         /* Running: bytecode, holds the GIL */
    SIM_R_C_CALL,         /* Running: C call holding the GIL (no check points) */
    SIM_R_NOGIL,          /* Running: C work with the GIL released */
    SIM_R_IO,             /* Blocked: I/O */
    SIM_R_SLEEP,          /* Blocked: time.sleep */
    SIM_R_LOCK,           /* Blocked: a lock or other primitive */
    SIM_R_JOIN,           /* Blocked: join of a thread or process */
    SIM_R_SWITCH_WAIT,    /* Blocked: dropped the GIL, waits until another thread took it */
    SIM_R_START_WAIT,     /* Blocked: Thread.start() waits for the new thread to run */
    SIM_R_EXITED,         /* Terminated: program finished */
    SIM_R_KILLED,         /* Terminated: daemon killed at exit, or lost in a fork */
    SIM_REASON_COUNT
} SimReason;

/* What a record says happened, and what its fields mean. `thread` is
 * always the thread the record is about; `other` names another thread
 * plus one (0 = none) unless said otherwise. */
typedef enum SimRecordKind {
    SIM_REC_STATE = 0,     /* thread changed state: state = new | old << 4, reason = new SimReason,
                              arg = core when Running, else 0 */
    SIM_REC_GIL_ACQUIRE,   /* thread took GIL `arg`; other = previous holder; state = SIM_ACQ_* or 0 */
    SIM_REC_GIL_DROP,      /* thread released GIL `arg`; state = SimDropKind */
    SIM_REC_DROP_REQUEST,  /* thread set the drop request on GIL `arg`; other = the holder */
    SIM_REC_GIL_TIMEOUT,   /* thread's timed wait on GIL `arg` expired; other = the holder;
                            * state = SIM_TIMEOUT_HELD or 0 */
    SIM_REC_FAILED_WAKEUP, /* thread woke and found GIL `arg` taken; other = the holder */
    SIM_REC_PROC_START,    /* process `arg` began; thread = its first thread; other = the forking
                              thread of an os.fork() child */
    SIM_REC_PROC_EXIT,     /* process `arg` ended; thread = its last thread; other = its exit code
                              as an int32_t (0; the status given to os._exit; -15 after
                              terminate(), -9 after kill()), cause = SIM_C_EXIT or how it ended */
    SIM_REC_FORK,          /* thread called os.fork(); arg = the child process, other = the child's
                              thread, state = 1 if other threads were alive in the parent */
    SIM_REC_DEADLOCK,      /* thread is stuck forever: arg = SimWaitKind, other = what it waits
                              for (SimWaitKind says: a thread, a process or an object, plus one),
                              reason = its SimReason at the end */
    SIM_REC_SYNC,          /* a primitive changed: state = SimSyncEvent, arg = the object,
                              other = per event (SimSyncEvent), reason = the event's detail
                              (SimAcquireDetail, SimReleaseDetail, SimQueueSide, SimSyncError) */
    SIM_REC_KIND_COUNT
} SimRecordKind;

typedef enum SimDropKind {
    SIM_DROP_VOLUNTARY = 0, /* around I/O, sleep, nogil C work, blocking */
    SIM_DROP_FORCED,        /* at a check point, because of a drop request */
    SIM_DROP_EXIT,          /* the thread ended */
} SimDropKind;

/* A GIL_ACQUIRE record's state, how the signal reached the taker
 * (linux-glibc): SIM_ACQ_AWAKE, still awake in its wait (it consumed the
 * signal before blocking, so it paid no wake-up); SIM_ACQ_ALONE, as the one
 * waiter left in group G1, passed over by the signal before;
 * SIM_ACQ_MISSED, as the longest sleeper, woken by the futex because the
 * newest waiter, still awake, did not consume the signal first. */
#define SIM_ACQ_AWAKE 1
#define SIM_ACQ_ALONE 2
#define SIM_ACQ_MISSED 3

/* A GIL_TIMEOUT record's state: the woken thread was left queued on its
 * last CPU, busy with another thread, before it ran (busy_wake_share). */
#define SIM_TIMEOUT_HELD 1

/* What a blocked thread waits for (DEADLOCK records: arg). */
typedef enum SimWaitKind {
    SIM_WAIT_NONE = 0,
    SIM_WAIT_IO,
    SIM_WAIT_SLEEP,
    SIM_WAIT_NOGIL,
    SIM_WAIT_JOIN_THREAD,  /* other = the joined thread + 1 */
    SIM_WAIT_JOIN_PROCESS, /* other = the joined process + 1 */
    SIM_WAIT_START,        /* Thread.start(): other = the started thread + 1 */
    SIM_WAIT_OBJECT,       /* a lock, semaphore, event, condition, barrier, queue or pipe:
                              other = the object + 1 */
    SIM_WAIT_KIND_COUNT
} SimWaitKind;

/* What happened to a synchronization object (SIM_REC_SYNC records: state).
 * `thread` did it; `arg` is the object (sim_trace_object); `other` is given
 * per event below. */
typedef enum SimSyncEvent {
    SIM_SYNC_ACQUIRE = 0, /* took a lock or semaphore; other = waiters left */
    SIM_SYNC_RELEASE,     /* released it; other = waiters */
    SIM_SYNC_BLOCK,       /* started waiting on it; other = waiters now */
    SIM_SYNC_WAKE,        /* was woken to retry or to go on; other = waiters left */
    SIM_SYNC_TIMEOUT,     /* its wait timed out; other = waiters left */
    SIM_SYNC_TRY_FAIL,    /* a non-blocking acquire failed */
    SIM_SYNC_SET,         /* Event.set; other = threads released */
    SIM_SYNC_CLEAR,       /* Event.clear */
    SIM_SYNC_NOTIFY,      /* Condition.notify; other = threads woken */
    SIM_SYNC_PASS,        /* Event.wait / Barrier.wait returned; other = barrier parties released */
    SIM_SYNC_BROKEN,      /* Barrier broken (a wait timed out) */
    SIM_SYNC_PUT,         /* an item went in; other = items now */
    SIM_SYNC_GET,         /* an item came out; other = items now */
    SIM_SYNC_WRITE,       /* a shared variable was written: other, as an int32_t, = the value it
                             replaced minus the value its writer had read (the updates it
                             overwrote; negative when a stale write had lowered the value since);
                             the value after it is the value before + 1 - that, so a variable's
                             history replays from its `initial`, and lost updates in all =
                             writes - (final - initial) = the sum of these */
    SIM_SYNC_ERROR,       /* a misuse Python raises for; reason = SimSyncError */
    SIM_SYNC_STORE,       /* a variable was assigned: other, as an int32_t, = the value stored minus
                             the value it replaced (saturated), so the history still replays */
    SIM_SYNC_EVENT_COUNT
} SimSyncEvent;

/* SYNC records carry a detail in `reason` whose meaning depends on the
 * event; 0 always means the plain case. */
typedef enum SimAcquireDetail {
    SIM_ACQ_PLAIN = 0,
    SIM_ACQ_FORK_ORPHAN,  /* in a fork child: held by a thread that does not exist there;
                             `thread` is the parent's thread that held it */
    SIM_ACQ_FORK_COPY,    /* in a fork child: the forking thread's copy holds it */
} SimAcquireDetail;

typedef enum SimReleaseDetail {
    SIM_REL_PLAIN = 0,
    SIM_REL_PARTIAL,      /* an RLock's depth went down; the thread still holds it */
} SimReleaseDetail;

typedef enum SimQueueSide {
    SIM_QSIDE_GET = 0,    /* BLOCK and TIMEOUT on a queue: a get (or any other wait) */
    SIM_QSIDE_PUT,        /* ... a put waiting for room (queue.Full on timeout) */
} SimQueueSide;

typedef enum SimSyncError {
    SIM_SERR_NONE = 0,
    SIM_SERR_RELEASE_UNLOCKED,  /* RuntimeError: release unlocked lock */
    SIM_SERR_RELEASE_UNOWNED,   /* RuntimeError: cannot release un-acquired lock (RLock) */
    SIM_SERR_TOO_MANY_RELEASES, /* ValueError: Semaphore released too many times */
    SIM_SERR_WAIT_UNOWNED,      /* RuntimeError: cannot wait on un-acquired lock */
    SIM_SERR_NOTIFY_UNOWNED,    /* RuntimeError: cannot notify on un-acquired lock */
    SIM_SERR_BROKEN_BARRIER,    /* threading.BrokenBarrierError */
    SIM_SERR_COUNT
} SimSyncError;

/* Why a transition happened; feeds the viewer's "explain" panel. */
typedef enum SimCause {
    SIM_C_NONE = 0,
    SIM_C_THREAD_START,   /* the thread was started */
    SIM_C_OP_BEGIN,       /* the program reached an operation */
    SIM_C_OP_END,         /* an operation (I/O, sleep, C work) finished */
    SIM_C_GIL_BUSY,       /* take_gil found the GIL held */
    SIM_C_GIL_FREE,       /* take_gil found the GIL free and took it */
    SIM_C_GIL_SIGNAL,     /* woken by another thread's drop_gil */
    SIM_C_GIL_TIMEOUT,    /* the switch interval ran out */
    SIM_C_DROP_REQUEST,   /* the holder saw a drop request at a check point */
    SIM_C_SWITCHED,       /* another thread took the GIL (FORCE_SWITCHING wait ends) */
    SIM_C_PREEMPTED,      /* the OS time slice ran out */
    SIM_C_CORE_FREE,      /* a core became free */
    SIM_C_JOINED,         /* the joined thread or process ended */
    SIM_C_STARTED,        /* the started thread has run */
    SIM_C_EXIT,           /* the program ended */
    SIM_C_DAEMON_KILL,    /* the last non-daemon thread of the process ended */
    SIM_C_FORK,           /* created by a fork */
    SIM_C_DEADLOCK,       /* nothing can ever wake it */
    SIM_C_OBJECT,         /* a synchronization object let it go on (release, notify, set, put...) */
    SIM_C_TIMEOUT,        /* a timed wait on an object ran out */
    SIM_C_ERROR,          /* an exception ended it */
    SIM_C_SIGTERM,        /* Process.terminate(): SIGTERM ended its process (other = the caller + 1) */
    SIM_C_SIGKILL,        /* Process.kill(): SIGKILL ended its process (other = the caller + 1) */
    SIM_C_OS_EXIT,        /* os._exit() ended its process (other = the caller + 1) */
    SIM_C_SHUTDOWN,       /* a Manager's server shut down: every process using it had ended */
    SIM_C_WAKE_COST,      /* C work: the kernel's side of the wake-ups its last op caused (machine.wake_cost) */
    SIM_C_CHILD_BOOT,     /* C work: a new child process's after-fork work or bootstrap, before its program */
    SIM_C_CHILD_EXIT,     /* C work: a child process's exit, after its program, before a join returns */
    SIM_CAUSE_COUNT
} SimCause;

typedef struct SimRecord {
    SimTime t;
    uint32_t thread; /* the thread the record is about */
    uint32_t arg;    /* STATE: core when running, else 0; GIL_*: GIL index; PROC_*: process */
    uint32_t other;  /* another thread involved, plus one (0 = none) */
    uint8_t kind;    /* SimRecordKind */
    uint8_t state;   /* STATE: new state | old state << 4; GIL_DROP: SimDropKind;
                        GIL_ACQUIRE: SIM_ACQ_* (how a signal reached it) or 0 */
    uint8_t reason;  /* STATE: new SimReason */
    uint8_t cause;   /* SimCause */
} SimRecord;

/* A SIM_SYNC_WRITE record's updates overwritten (see SimSyncEvent):
 * signed, so read it through this. */
static inline int32_t sim_write_lost(const SimRecord *r) { return (int32_t)r->other; }
/* A SIM_SYNC_STORE record's change of value, and a PROC_EXIT record's exit
 * code: signed as well. */
static inline int32_t sim_store_delta(const SimRecord *r) { return (int32_t)r->other; }
static inline int32_t sim_exit_code(const SimRecord *r) { return (int32_t)r->other; }

#define SIM_REC_NEW_STATE(r) ((SimState)((r)->state & 0x0f))
#define SIM_REC_OLD_STATE(r) ((SimState)((r)->state >> 4))
#define SIM_NONE UINT32_MAX

typedef struct SimTrace SimTrace;

/* Names of what took part, in creation order. */
typedef struct SimThreadInfo {
    const char *name;
    uint32_t process;
    uint32_t gil;
    uint8_t daemon;
} SimThreadInfo;

typedef struct SimProcessInfo {
    const char *name;
    uint32_t parent;      /* SIM_NONE for processes of the scenario's top level */
    uint32_t gil;
    const char *start_method; /* "fork", "spawn", "forkserver", "os.fork" or "initial" */
} SimProcessInfo;

/* The parameters a reader shows beside the picture. */
/* A synchronization object or shared variable of one process. */
typedef struct SimObjectInfo {
    const char *name;
    uint32_t process;
    const char *kind;     /* "lock", "rlock", "semaphore", ..., "shared" */
    int64_t initial;      /* semaphore value, barrier parties, queue maxsize, shared initial */
} SimObjectInfo;

typedef struct SimRunInfo {
    const char *scenario;      /* scenario name */
    uint64_t scenario_hash;
    uint64_t seed;
    int cores;
    SimTime switch_interval;
    const char *gil_policy;    /* "new", ... */
    const char *python_version;/* "3.11" */
    int outcome;               /* SIM_RUN_* once the run ended, -1 while running */
    SimTime short_sleep;       /* machine.short_sleep: a sleeper woken sooner costs the waker
                                  machine.short_sleep_wake_cost, else machine.wake_cost */
} SimRunInfo;

size_t sim_trace_count(const SimTrace *tr);
const SimRecord *sim_trace_records(const SimTrace *tr);
SimTime sim_trace_end(const SimTrace *tr);        /* time the run stopped */
uint32_t sim_trace_thread_count(const SimTrace *tr);
const SimThreadInfo *sim_trace_thread(const SimTrace *tr, uint32_t i);
uint32_t sim_trace_process_count(const SimTrace *tr);
const SimProcessInfo *sim_trace_process(const SimTrace *tr, uint32_t i);
uint32_t sim_trace_gil_count(const SimTrace *tr);
uint32_t sim_trace_object_count(const SimTrace *tr);
const SimObjectInfo *sim_trace_object(const SimTrace *tr, uint32_t i);
const SimRunInfo *sim_trace_info(const SimTrace *tr);
void sim_trace_destroy(SimTrace *tr);

/* ---- Building a trace (the simulator does this; importers and tests may) */

SimTrace *sim_trace_create(void);
/* Appends a record; returns 0 or a negative SIM_ERR_NOMEM (-3). Records must
 * be pushed in non-decreasing time. */
int sim_trace_push(SimTrace *tr, const SimRecord *r);
/* Register names; return the new index or a negative error. */
int sim_trace_add_thread(SimTrace *tr, const char *name, uint32_t process, uint32_t gil, int daemon);
int sim_trace_add_process(SimTrace *tr, const char *name, uint32_t parent, uint32_t gil,
                          const char *start_method);
int sim_trace_add_object(SimTrace *tr, const char *name, uint32_t process, const char *kind, int64_t initial);
void sim_trace_set_gils(SimTrace *tr, uint32_t n);
void sim_trace_set_end(SimTrace *tr, SimTime t);
/* Run parameters; strings are copied. */
int sim_trace_set_info(SimTrace *tr, const SimRunInfo *info);
/* Stable text dump, one record per line (golden tests). *out is malloc'd. */
int sim_trace_dump(const SimTrace *tr, char **out, size_t *len);

const char *sim_state_name(SimState s);       /* "Running" */
const char *sim_reason_name(SimReason r);     /* "wait_gil" */
SimState sim_reason_state(SimReason r);       /* the state a reason belongs to */
const char *sim_record_kind_name(SimRecordKind k);
const char *sim_cause_name(SimCause c);
const char *sim_sync_event_name(SimSyncEvent e);
const char *sim_sync_error_message(SimSyncError e); /* "RuntimeError: release unlocked lock" */
/* The detail of a SYNC record in words ("fork_orphan", "partial", "put");
 * "" for the plain case, the error message for SIM_SYNC_ERROR. */
const char *sim_sync_detail_name(SimSyncEvent e, uint8_t detail);

/* ---- What a deadlocked thread waits for (trace_wait.c) ------------------ */

/* A DEADLOCK record decoded. Indices that do not apply are SIM_NONE. */
typedef struct SimWait {
    SimWaitKind kind;      /* the record's arg */
    uint32_t thread;       /* JOIN_THREAD, START: the thread waited for */
    uint32_t process;      /* JOIN_PROCESS: the process waited for */
    uint32_t object;       /* OBJECT: the object waited for */
    uint32_t holder;       /* OBJECT that is a lock or RLock: the thread holding it */
    uint8_t holder_absent; /* ... a thread that does not exist in the waiter's process:
                              it held the lock when the process forked */
    uint32_t next;         /* the thread whose progress would free this one (the
                              joined or started thread, or a present holder): one
                              edge of the wait-for graph */
} SimWait;

/* Decodes record rec of tr, which must be a SIM_REC_DEADLOCK record.
 * Returns 0, or SIM_ERR_INVALID (out zeroed, indices SIM_NONE) otherwise. */
int sim_trace_wait(const SimTrace *tr, size_t rec, SimWait *out);
/* The same wait in words, as read after "waits for": "join of thread
 * main/worker", "lock 'L' held by main/a", "lock 'L', held by a thread that
 * does not exist in this process: ...". "" for any other record. Returns buf. */
char *sim_trace_wait_text(const SimTrace *tr, size_t rec, char *buf, size_t n);
/* "nothing", "io", "sleep", "nogil", "join_thread", "join_process",
 * "start", "object"; "unknown" past the enum. */
const char *sim_wait_kind_name(SimWaitKind k);

#endif /* GILSIM_TRACE_H */
