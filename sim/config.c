/*
 * config.c - the configuration parameters, machine.* and python.*, as one
 * table, and everything derived from it: the defaults, the keys a section
 * accepts, the loading of its values (from the file or --set alike), the
 * explain-config text and the JSON Schema of the two sections.
 *
 * Invariant: a parameter is one row of PARAMS (plus its SimConfig field),
 * and nothing else in the library lists parameters. Rows are in the order
 * explain-config prints them, which is also the order in which they are
 * loaded and checked. The few rules that are not a type and a range are
 * named hooks on their rows: python.version fixes the defaults of the rows
 * that follow it (gil, check_point_gap) and the default start method;
 * python.gil "per-interpreter" needs 3.12; switch_interval is kept in
 * whole microseconds. This is also the only file that names GIL policies.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "strbuf.h"

/* ---- The table ----------------------------------------------------------- */

typedef enum ParamType {
    INTEGER,      /* int in [lo, hi] */
    NUMBER,       /* double in [lo, hi] */
    DURATION,     /* SimTime >= 0 */
    POS_DURATION, /* SimTime > 0 */
    DISTRIBUTION, /* SimDist: a duration, {"uniform": [LOW, HIGH]} or {"exp": MEAN} */
    ENUM,         /* uint8_t, an index into the row's names */
    VERSION,      /* "MAJOR.MINOR": two ints, the major at field, the minor at minor_field */
} ParamType;

/* The values of an ENUM parameter, index = stored value. */
typedef struct ParamNames {
    const char *const *names;
    int n;
    const char *what; /* what a value is, for messages: "a GIL policy" */
} ParamNames;

typedef struct Param {
    uint8_t section;       /* PARAMS_MACHINE or PARAMS_PYTHON */
    const char *key;
    uint8_t type;          /* ParamType */
    const char *unit;      /* what the stored number counts ("ns" for every duration);
                              documentation only: no output shows it */
    size_t field;          /* where in SimConfig; FIELD() checks its C type */
    double lo, hi;         /* INTEGER, NUMBER: the accepted range */
    double def;            /* the default: the value, nanoseconds, an ENUM index or,
                              for VERSION, 100 * MAJOR + MINOR */
    SimDist dist;          /* DISTRIBUTION: the default */
    const ParamNames *names;   /* ENUM: the values */
    size_t minor_field;    /* VERSION: where the minor goes */
    /* The default when it follows python.version (def is then unused). */
    double (*by_version)(int ver);
    /* ... or it is a column of a by-version table (BY_COLUMN). */
    const struct VersionTable *table;
    size_t column;
    /* A rule beyond type and range, checked once the value is stored, at its pointer. */
    int (*check)(Loader *c, const SimConfig *cfg);
    /* Runs once the key has been read, or found absent. */
    void (*after)(Loader *c, SimConfig *cfg);
    const char *help;      /* the description in the JSON Schema, or NULL */
    const char *source;    /* where the default comes from (explain-config says it) */
} Param;

/* offsetof(SimConfig, f), refused at compile time unless f has type T, so
 * a row cannot read or write its field as the wrong type (GCC says "size
 * of unnamed array is negative"). */
#define FIELD(f, T) \
    (offsetof(SimConfig, f) + 0 * sizeof(char[_Generic(((SimConfig *)0)->f, T: 1, default: -1)]))

#define US NS_PER_US
#define MS NS_PER_MS

static const char *const SECTION_NAMES[PARAMS_SECTION_COUNT] = {"machine", "python"};

static const char *const GIL_NAMES[] = {"new", "new-noforce", "old", "none", "per-interpreter"};
_Static_assert(sizeof(GIL_NAMES) / sizeof(GIL_NAMES[0]) == SIM_GIL_POLICY_COUNT,
               "one name per SimGilPolicy");
static const char *const WAKE_NAMES[] = {"random", "fifo", "linux-glibc"};
static const ParamNames GIL_POLICIES = {GIL_NAMES, COUNT(GIL_NAMES), "a GIL policy"};
static const ParamNames WAKE_POLICIES = {WAKE_NAMES, COUNT(WAKE_NAMES), "a wakeup policy"};

static double gil_for_version(int ver);
static double check_point_gap_for_version(int ver);
static double thread_start_cost_for(int ver);
#define QUEUE_COSTS_SOURCE "tools/cpython/queue_costs.py (results/2026-12-02_1710.queue_costs.txt)"
#define PROCESS_COSTS_SOURCE "tools/cpython/process_costs.py (results/2026-12-02_1643.process_costs.txt)"
static int gil_needs_version(Loader *c, const SimConfig *cfg);
static void version_defaults(Loader *c, SimConfig *cfg);
static void whole_microseconds(Loader *c, SimConfig *cfg);

/* ---- Defaults by version: one table a family, one column a parameter ---- */

/* A by-version table: rows ascending, each opening with its int ver, then
 * doubles in `unit` nanoseconds. A version between two rows takes the
 * earlier row; one before the first, the first. A row of PARAMS names its
 * column (BY_COLUMN). */
typedef struct VersionTable {
    const void *rows;
    size_t n, size;
    double unit;
} VersionTable;

/* Opcode costs by version, in ns: CPU time of tiny loops on the machine
 * gilsim was developed on (tools/cpython/bytecode_costs.py; results in
 * tools/cpython/results/). A version between two rows takes the earlier. */
static const struct BytecodeCosts {
    int ver;
    double loop, bytecode, global_load, global_store, arith, call;
} BYTECODE_COSTS[] = {
    {200, 7, 1, 5, 10, 2, 23},
    {300, 16, 1, 5, 10, 12, 26},
    {310, 12, 2, 7, 10, 8, 29},
    {311, 13, 1, 1, 7, 12, 17},
    {312, 17, 1, 2, 8, 14, 15},
    {313, 15, 1, 3, 8, 18, 14},
};

/* A child process's pieces by version, in us: medians of five runs of
 * tools/cpython/process_costs.py on the machine gilsim was developed on,
 * each piece timed alone in a process as small as the ones start_join.py
 * times whole. The after-fork work grew in 3.7 (the at-fork hooks);
 * spawn's start() got cheap in 3.10. 2.7 has fork only: its spawn and
 * fork-server figures are 3.6's. A version between two rows takes the
 * earlier. */
static const struct ProcessCosts {
    int ver;
    double fork, os_fork_child, fork_exit;                 /* os.fork() */
    double mp_fork_start, fork_child, mp_exit;             /* multiprocessing, fork */
    double ipc, spawn, spawn_exit, forkserver;             /* spawn and forkserver */
} PROCESS_COSTS[] = {
    {200, 520, 1650, 5410, 2290, 6470, 1980, 9230, 73150, 8150, 22340},
    {300, 890, 2390, 2080, 3970, 8280, 3520, 9230, 73150, 8150, 22340},
    {307, 580, 4660, 1200, 2890, 9290, 3510, 9440, 76660, 8800, 28390},
    {308, 540, 4730, 1070, 2410, 9460, 3020, 8070, 66260, 6630, 32270},
    {309, 570, 5000, 1480, 2950, 9060, 3450, 9810, 70550, 8430, 29970},
    {310, 770, 5780, 1490, 6260, 9020, 3870, 1330, 91650, 11280, 41610},
    {311, 630, 5250, 1390, 2290, 8920, 3310, 1070, 84890, 11360, 30540},
    {312, 630, 4910, 1210, 5280, 7290, 3500, 1070, 77720, 9550, 36560},
    {313, 670, 4480, 1150, 4630, 7680, 3480, 1070, 83390, 10950, 38300},
};

/* queue.Queue's put and get by version, in ns, split at the mutex: CPU
 * time of tools/cpython/queue_costs.py, median of five runs. From 3.11
 * the work under the mutex is cheap and most of a call is the calls
 * around it. */
static const struct QueueCosts {
    int ver;
    double op, call;
} QUEUE_COSTS[] = {
    {200, 1000, 340}, {300, 1340, 840}, {307, 1180, 740}, {308, 1160, 690}, {309, 770, 730},
    {310, 690, 620},  {311, 350, 580},  {312, 380, 710},  {313, 360, 720},
};

/* A lock's acquire or release as a call from Python, by version, in ns:
 * half of `with lock: pass` less the loop's own cost, wall time of
 * tools/cpython/lock_tp.py, median of five runs. The C call into the
 * semaphore is a small part; most is the method lookup and the call. */
static const struct LockCosts {
    int ver;
    double call;
} LOCK_COSTS[] = {
    {200, 84}, {300, 65}, {307, 41}, {308, 69}, {309, 60}, {310, 65}, {311, 67}, {312, 82}, {313, 85},
};

#define VERSION_TABLE(rows, unit) {rows, COUNT(rows), sizeof(rows[0]), unit}
static const VersionTable BYTECODE_TABLE = VERSION_TABLE(BYTECODE_COSTS, 1);
static const VersionTable PROCESS_TABLE = VERSION_TABLE(PROCESS_COSTS, US);
static const VersionTable QUEUE_TABLE = VERSION_TABLE(QUEUE_COSTS, 1);
static const VersionTable LOCK_TABLE = VERSION_TABLE(LOCK_COSTS, 1);
/* A row's default is column col of table tab (of row type `type`), which
 * must hold doubles; one shorthand a table. */
#define BY_COLUMN(tab, type, col) \
    .table = &tab, \
    .column = offsetof(type, col) + 0 * sizeof(char[_Generic(((type *)0)->col, double: 1, default: -1)])
#define BYTECODE_COST(col) BY_COLUMN(BYTECODE_TABLE, struct BytecodeCosts, col)
#define PROCESS_COST(col) BY_COLUMN(PROCESS_TABLE, struct ProcessCosts, col)
#define QUEUE_COST(col) BY_COLUMN(QUEUE_TABLE, struct QueueCosts, col)
#define LOCK_COST(col) BY_COLUMN(LOCK_TABLE, struct LockCosts, col)

/*
 * One row a parameter: {section, key, type, unit, FIELD(field, C type)},
 * then by name what applies to it: .lo/.hi, .def (or .dist, .by_version
 * or BY_COLUMN), .names, the hooks, .help. Adding a parameter is adding a
 * row here and its field to SimConfig, then running tools/update_schema.py.
 */
#define MACHINE PARAMS_MACHINE
#define PYTHON PARAMS_PYTHON
static const Param PARAMS[] = {
    {MACHINE, "cores", INTEGER, "cores", FIELD(cores, int), .lo = 1, .hi = 1024, .def = 2,
     .source = "a 2-core machine, like the one the published results and tools/cpython figures come from"},
    {MACHINE, "time_slice", POS_DURATION, "ns", FIELD(time_slice, SimTime), .def = 4 * MS,
     .help = "OS quantum when threads outnumber cores.",
     .source = "Linux CFS at HZ=250: CPU-bound threads sharing a CPU take turns of about 4 ms"},
    {MACHINE, "context_switch", DURATION, "ns", FIELD(ctx_switch, SimTime), .def = 2 * US,
     .source = "a Linux context switch on a current x86-64 CPU"},
    {MACHINE, "wake_cost", DURATION, "ns", FIELD(wake_cost, SimTime), .def = 3300,
     .help = "The waker's side of waking a thread asleep on a lock, condition, event or queue for "
             "machine.short_sleep or longer: the futex wake system call and the interrupt to the "
             "sleeper's CPU, paid after the op.",
     .source = "tools/cpython/wake_cost.py: lock.release() with a thread asleep in acquire() for 1 ms, "
               "less one with none, the waker just back from a 1 ms sleep itself; 2.9-4.2 us on "
               "CPython 3.6-3.13 here, median 3.3 us (results/2026-12-02_1720.wake_cost.txt). A waker "
               "that has run 200 us or more since a short sleep pays 14-27 us "
               "(results/2026-12-03_2012.wake_cost_idle.txt), which is not modelled"},
    {MACHINE, "short_sleep_wake_cost", DURATION, "ns", FIELD(short_sleep_wake_cost, SimTime), .def = 5400,
     .help = "The waker's side of waking a thread that went to sleep on a lock, condition, event or "
             "queue less than machine.short_sleep ago, as two threads handing a lock or a queue's "
             "items to each other do.",
     .source = "tools/cpython/wake_cost_idle.py: lock.release() by a thread that spun 5 or 50 us "
               "since the sleeper went to sleep, p50 4.8-7.9 us on CPython 3.9, 3.11 and 3.12 in three "
               "runs here (the machine moves between about 4.9 and about 7.6), median 5.4 us "
               "(results/2026-12-03_1850, _2006 and _2012.wake_cost_idle.txt); cond_trace.py --queue "
               "and --lock find 4.4-7.1 us for the post that wakes the other thread inside a convoy "
               "(results/2026-12-03_1803.cond_trace_lock.jsonl, _queue.jsonl)"},
    {MACHINE, "short_sleep", DURATION, "ns", FIELD(short_sleep, SimTime), .def = 200 * US,
     .help = "How long a thread asleep on an object counts as just gone to sleep, for "
             "machine.short_sleep_wake_cost.",
     .source = "tools/cpython/wake_cost_idle.py: for a waker busy since the sleeper went to sleep, "
               "the release's cost steps from 5-8 us to 14-27 us between 50 and 200 us of sleep, near "
               "the 200 us a KVM host polls a halted virtual CPU before it lets it sleep "
               "(halt_poll_ns); a waker just back from a 1 ms sleep itself pays 2.4-6 us"},
    {MACHINE, "futex_wake_cost", DURATION, "ns", FIELD(futex_wake_cost, SimTime), .def = 1600,
     .help = "A lock release while the waiters it must wake are already awake (woken by an earlier "
             "release, not yet back from their wait): glibc's sem_post still makes the futex wake call.",
     .source = "tools/cpython/cond_trace.py --lock and --queue: sem_post while the other thread is inside "
               "sem_wait, after the post that woke it, p50 1.05-1.26 us on CPython 3.8-3.12 here, and the "
               "Python after it runs 0.4-0.6 us longer until the next item than after a post with nobody "
               "waiting (results/2026-12-03_1803.cond_trace_lock.jsonl, _queue.jsonl)"},
    /* Wake-ups and timers: tools/cpython/os_probe.c measures each alone. */
    {MACHINE, "wake_latency", DISTRIBUTION, "ns", FIELD(wake_latency, SimDist),
     .dist = {SIM_DIST_UNIFORM, 12 * US, 28 * US},
     .help = "From a wake-up signal (another thread's release, notify, put...) until the woken thread "
             "runs.",
     .source = "tools/cpython/os_probe.c: a condition-variable signal to a blocked thread, 15-25 us here "
               "however long its CPU idled"},
    {MACHINE, "switch_wake_latency", DISTRIBUTION, "ns", FIELD(switch_wake_latency, SimDist),
     .dist = {SIM_DIST_UNIFORM, 10 * US, 60 * US},
     .help = "FORCE_SWITCHING: from the new holder's signal that it took the GIL until the thread that "
             "dropped it goes on (waits for the GIL again, or makes its blocking call): switch_cond's "
             "futex wake-up, then switch_mutex and the GIL's own mutex, which the new holder has just "
             "held.",
     .source = "tools/cpython/cond_trace.py: a CPU-bound thread beside another and an I/O thread, from "
               "the new holder's pthread_cond_signal(switch_cond) until the dropper's next timed wait, "
               "p10/p50/p90 9-23/34-39/54-114 us in CPython 3.11 at 1, 5 and 20 ms "
               "(results/2026-12-03_1410.cond_trace.jsonl; 15-18/43-51/100-411 at 5 ms in "
               "results/2026-12-03_1536.cond_trace.jsonl); a uniform 10-60 us has 15/35/55"},
    {MACHINE, "timer_slack", DURATION, "ns", FIELD(timer_slack, SimTime), .def = 50 * US,
     .help = "How late the timer of a sleep or a timed wait fires (Linux: 50us for a normal thread).",
     .source = "Linux's default timer slack for a normal thread (/proc/self/timerslack_ns: 50 us)"},
    {MACHINE, "timer_latency", DISTRIBUTION, "ns", FIELD(timer_latency, SimDist),
     .dist = {SIM_DIST_UNIFORM, 55 * US, 85 * US},
     .help = "From a timer's firing until its thread runs: the timer interrupt reaching an idle CPU.",
     .source = "tools/cpython/os_probe.c and sleep_delay.py: a 1 ms sleep returns about 117 us late here, "
               "50 us of it the timer slack"},
    {MACHINE, "busy_wake_share", NUMBER, "share", FIELD(busy_wake_share, double), .lo = 0, .hi = 1, .def = 0.18,
     .help = "The chance that a GIL waiter whose timed wait runs out while its last CPU runs another thread "
             "(and another CPU idles) is left queued on that CPU instead of moving: until it runs it is "
             "still in the condition variable's wait, so a signal can still reach it.",
     .source = "tools/cpython/cond_trace.py: an I/O thread's timed waits for the GIL beside two CPU-bound "
               "threads return over 300 us late in 9-26 % of timeouts at 5 and 20 ms on CPython 3.9, 3.11 "
               "and 3.13, median 18 % (results/2026-12-03_1300.cond_trace.jsonl); --sched shows the thread "
               "woken on the busy CPU while the other idled"},
    {MACHINE, "busy_wake_hold", DISTRIBUTION, "ns", FIELD(busy_wake_hold, SimDist),
     .dist = {SIM_DIST_UNIFORM, 1500 * US, 4 * MS},
     .help = "How long such a waiter stays queued at most; it runs sooner if that CPU's thread leaves it.",
     .source = "tools/cpython/cond_trace.py --sched: such waits that ended with the running thread "
               "preempted lasted 1.5-4.1 ms (results/2026-12-03_1300.cond_trace.jsonl)"},
    {MACHINE, "wakeup_policy", ENUM, "", FIELD(wake_policy, uint8_t), .names = &WAKE_POLICIES,
     .def = SIM_WAKE_GLIBC,
     .help = "Which condition-variable waiter the OS wakes: linux-glibc (an awake waiter may take "
             "the signal, else the longest sleeper), random or fifo (the oldest).",
     .source = "glibc's condition variable (nptl/pthread_cond_wait.c) on Linux, where CPython runs "
               "here; beside two CPU-bound threads an I/O thread's 1 ms sleep waits 0.46-0.99x as "
               "long as in CPython 3.11 at the p50 (random: 0.06-0.48x; results/2026-12-02_0128.txt)"},
    {MACHINE, "cond_enter_window", DURATION, "ns", FIELD(cond_enter_window, SimTime), .def = 2 * US,
     .help = "linux-glibc: how long after entering a condition-variable wait a thread is still awake "
             "and can take a signal without sleeping.",
     .source = "an estimate: a mutex release and one system call into the futex; a holder answers a "
               "drop request within a check point (100 ns), well inside it"},
    {MACHINE, "cond_steal", NUMBER, "share", FIELD(cond_steal, double), .lo = 0, .hi = 1, .def = 0.93,
     .help = "linux-glibc: the chance that a waiter inside its enter window takes a signal before the "
             "longest-sleeping waiter, after a group switch.",
     .source = "tools/cpython/cond_trace.py: of the forced hand-overs after a group switch while an I/O "
               "thread waited beside two CPU-bound threads, the share the thread that set the drop request "
               "took itself; median of 21 runs of CPython 3.9, 3.11 and 3.13 at 1, 5 and 20 ms: 0.93 "
               "(0.28-0.99; results/2026-12-03_1300.cond_trace.jsonl); the same race in bare C (os_probe.c) "
               "gives 0.91"},
    /* Rough costs of CPython 3.12 on a current x86-64 machine, like the
     * pickle and pool-submit costs below. */
    {MACHINE, "pipe_latency", DURATION, "ns", FIELD(pipe_latency, SimTime), .def = 20 * US,
     .help = "A message's trip through a pipe, on top of its \"transfer\".",
     .source = "a pipe write and the reader's wake-up on Linux"},

    /* First: the defaults of the rows with by_version follow it. */
    {PYTHON, "version", VERSION, "", FIELD(py_major, int), .minor_field = FIELD(py_minor, int), .def = 312,
     .after = version_defaults,
     .source = "CPython 3.12"},
    {PYTHON, "gil", ENUM, "", FIELD(gil, uint8_t), .names = &GIL_POLICIES, .by_version = gil_for_version,
     .check = gil_needs_version,
     .help = "Default: \"old\" before 3.2, else \"new\"; \"per-interpreter\" needs 3.12+.",
     .source = "CPython: the new GIL since 3.2 (Python/ceval_gil.c), ticks before"},
    {PYTHON, "switch_interval", POS_DURATION, "ns", FIELD(switch_interval, SimTime), .def = 5 * MS,
     .after = whole_microseconds,
     .help = "Rounded down to whole microseconds, at least 1us, as CPython stores it.",
     .source = "CPython's default sys.getswitchinterval(): 5 ms"},
    {PYTHON, "check_point_gap", POS_DURATION, "ns", FIELD(check_point_gap, SimTime),
     .by_version = check_point_gap_for_version,
     .help = "Bytecode time between eval-breaker checks. Default: \"30ns\" up to 3.9, \"100ns\" from 3.10.",
     .source = "a tight loop's bytecode between two eval-breaker checks (tools/cpython/bytecode_costs.py)"},
    {PYTHON, "check_interval", INTEGER, "ticks", FIELD(check_interval, int), .lo = 1, .hi = INT_MAX,
     .def = 100, .help = "Old GIL: ticks between releases.",
     .source = "Python 2's default sys.getcheckinterval(): 100 ticks"},
    {PYTHON, "tick_cost", POS_DURATION, "ns", FIELD(tick_cost, SimTime), .def = 15,
     .source = "Beazley, PyCon 2010: countdown(100M) alone in 7.8 s"},
    {PYTHON, "ft_overhead", NUMBER, "factor", FIELD(ft_overhead, double), .lo = 1, .hi = 1000, .def = 1.08,
     .help = "Free-threaded build: CPU work multiplier.",
     .source = "PEP 703: the free-threaded build's single-thread slowdown"},
    {PYTHON, "thread_start_cost", DURATION, "ns", FIELD(thread_start_cost, SimTime),
     .by_version = thread_start_cost_for,
     .help = "Thread.start()'s C part, holding the GIL: creating the OS thread. Default: 15us on 2.x, 20us "
             "on 3.0-3.9, 35us on 3.10, 100us from 3.11.",
     .source = "tools/cpython/start_join.py: Thread.start() plus join() takes 54 us on 2.7, 60-80 us on "
               "3.6-3.10 and 145 us from 3.11 here, the two wake-ups included"},
    /* A child process in pieces, each charged where it falls (PROCESS_COSTS below). */
    {PYTHON, "fork_cost", DURATION, "ns", FIELD(fork_cost, SimTime), PROCESS_COST(fork),
     .help = "os.fork() in the parent, holding the GIL: copying the process.",
     .source = PROCESS_COSTS_SOURCE ": the fork returning in the parent, per version"},
    {PYTHON, "os_fork_child_cost", DURATION, "ns", FIELD(os_fork_child_cost, SimTime),
     PROCESS_COST(os_fork_child),
     .help = "A child of os.fork(), holding its GIL before its first bytecode: its copy's page faults "
             "and the after-fork hooks.",
     .source = PROCESS_COSTS_SOURCE ": from the fork's return in the parent until the child runs "
               "Python, per version"},
    {PYTHON, "fork_exit_cost", DURATION, "ns", FIELD(fork_exit_cost, SimTime),
     PROCESS_COST(fork_exit),
     .help = "A forked child's exit (os.fork or multiprocessing's fork): the end of its program until "
             "its parent's join or waitpid can return, the kernel freeing its copy.",
     .source = PROCESS_COSTS_SOURCE ": from the child's os._exit until os.waitpid() returns, per version"},
    {PYTHON, "mp_fork_start_cost", DURATION, "ns", FIELD(mp_fork_start_cost, SimTime),
     PROCESS_COST(mp_fork_start),
     .help = "Process.start() with the fork start method, in the parent holding the GIL: the fork, "
             "its pipes and the Popen object.",
     .source = PROCESS_COSTS_SOURCE ": multiprocessing's start() with fork, per version"},
    {PYTHON, "mp_exit_cost", DURATION, "ns", FIELD(mp_exit_cost, SimTime), PROCESS_COST(mp_exit),
     .help = "A multiprocessing child started by fork or a fork server: after its target, its "
             "finalizers and os._exit, until the parent's join() can return.",
     .source = PROCESS_COSTS_SOURCE ": from the target's end until join() returns (fork), per version"},
    {PYTHON, "spawn_cost", DURATION, "ns", FIELD(spawn_cost, SimTime), PROCESS_COST(spawn),
     .help = "A spawned child: a new interpreter, importing the main module, until its target runs.",
     .source = PROCESS_COSTS_SOURCE ": from start()'s return until the target runs (spawn), per version"},
    {PYTHON, "spawn_exit_cost", DURATION, "ns", FIELD(spawn_exit_cost, SimTime),
     PROCESS_COST(spawn_exit),
     .help = "A spawned child's exit: after its target, its interpreter's finalization, until the "
             "parent's join() can return.",
     .source = PROCESS_COSTS_SOURCE ": from the target's end until join() returns (spawn), per version"},
    {PYTHON, "forkserver_cost", DURATION, "ns", FIELD(forkserver_cost, SimTime),
     PROCESS_COST(forkserver),
     .help = "A child of a warm fork server, until its target runs: the fork in the server and "
             "importing the main module.",
     .source = PROCESS_COSTS_SOURCE ": from start()'s return until the target runs (forkserver), per "
               "version"},
    {PYTHON, "ipc_cost", DURATION, "ns", FIELD(ipc_cost, SimTime), PROCESS_COST(ipc),
     .help = "Process.start() with spawn or forkserver, in the parent holding the GIL: pickling the "
             "process object and sending it.",
     .source = PROCESS_COSTS_SOURCE ": start() with spawn, per version (forkserver's start() is a few "
               "ms dearer here)"},
    {PYTHON, "pickle_cost", DURATION, "ns", FIELD(pickle_cost, SimTime), .def = 20 * US,
     .help = "multiprocessing: pickling one message, on each side, holding the GIL.",
     .source = "pickling one small message in CPython 3.12"},
    /* The bytecode of `increment` ops, per class of opcode (tools/cpython/
     * bytecode_costs.py measures them; the defaults follow the version). */
    {PYTHON, "loop_cost", DURATION, "ns", FIELD(loop_cost, SimTime), BYTECODE_COST(loop),
     .help = "A `for` loop's own bytecode per iteration (FOR_ITER, STORE_FAST, the jump back).",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: pass`, per version"},
    {PYTHON, "bytecode_cost", DURATION, "ns", FIELD(bytecode_cost, SimTime), BYTECODE_COST(bytecode),
     .help = "A plain opcode: LOAD_FAST, LOAD_CONST, STORE_FAST, POP_TOP.",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: x = y`, per version"},
    {PYTHON, "global_load_cost", DURATION, "ns", FIELD(global_load_cost, SimTime),
     BYTECODE_COST(global_load), .help = "LOAD_GLOBAL: the read of `count += 1`.",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: count`, per version"},
    {PYTHON, "global_store_cost", DURATION, "ns", FIELD(global_store_cost, SimTime),
     BYTECODE_COST(global_store), .help = "STORE_GLOBAL: the write of `count += 1`.",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: count = y`, per version"},
    {PYTHON, "arith_cost", DURATION, "ns", FIELD(arith_cost, SimTime), BYTECODE_COST(arith),
     .help = "Adding two small ints (INPLACE_ADD, BINARY_OP).",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: count += 1`, per version"},
    {PYTHON, "call_cost", DURATION, "ns", FIELD(call_cost, SimTime), BYTECODE_COST(call),
     .help = "Calling an empty Python function, to its return: the f() of an increment with \"call_between\".",
     .source = "tools/cpython/bytecode_costs.py: CPU time of `for _ in R: f()`, per version"},
    {PYTHON, "value_cost", DURATION, "ns", FIELD(value_cost, SimTime), .def = 200,
     .help = "multiprocessing Value or Array with its lock: one read or write of .value (a Python "
             "property around the lock's acquire and release).",
     .source = "v.value += 1 in a loop, per iteration: 265 ns on 3.11 and 449 ns on 3.12 with the lock, "
               "less the loop's own bytecode, halved"},
    {PYTHON, "raw_value_cost", DURATION, "ns", FIELD(raw_value_cost, SimTime), .def = 60,
     .help = "multiprocessing Value or Array with lock=False: one read or write (a ctypes attribute).",
     .source = "v.value += 1 in a loop on Value(lock=False): 122 ns on 3.11 and 165 ns on 3.12, less the "
               "loop's own bytecode, halved"},
    {PYTHON, "pool_submit_cost", DURATION, "ns", FIELD(pool_submit_cost, SimTime), .def = 20 * US,
     .help = "ThreadPoolExecutor.submit: a Future and a queue put.",
     .source = "ThreadPoolExecutor.submit in CPython 3.12: a Future and a queue put"},
    {PYTHON, "syscall_cost", DURATION, "ns", FIELD(syscall_cost, SimTime), .def = 1500,
     .help = "A system call that returns at once: time.sleep(0) before 3.11, a select() with no timeout.",
     .source = "tools/cpython/sleep0.py: time.sleep(0) on 3.10 and earlier"},
    {PYTHON, "queue_op_cost", DURATION, "ns", FIELD(queue_op_cost, SimTime), QUEUE_COST(op),
     .help = "queue.Queue put or get: the Python Lib/queue.py runs while holding the queue's mutex.",
     .source = QUEUE_COSTS_SOURCE ": the statements put and get run under the mutex, halved, per version"},
    {PYTHON, "queue_call_cost", DURATION, "ns", FIELD(queue_call_cost, SimTime),
     QUEUE_COST(call),
     .help = "queue.Queue put or get: the rest of the call, without the mutex (the method call, "
             "Condition.__enter__ up to the mutex, __exit__ after it).",
     .source = QUEUE_COSTS_SOURCE ": put(i); get() less what runs under the mutex, halved, per version"},
    {PYTHON, "lock_call_cost", DURATION, "ns", FIELD(lock_call_cost, SimTime), LOCK_COST(call),
     .help = "Acquiring or releasing a lock, semaphore or condition from Python (`with` enters and "
             "leaves, acquire(), release()): the call around the C lock, before it takes or lets go.",
     .source = "tools/cpython/lock_tp.py: half of `with lock: pass` less the loop, per version "
               "(results/2026-12-03_1728.lock_tp.json)"},
    {PYTHON, "fork_child_cost", DURATION, "ns", FIELD(fork_child_cost, SimTime),
     PROCESS_COST(fork_child),
     .help = "A multiprocessing child started by fork, holding its GIL before its target runs: the "
             "after-fork work and Process._bootstrap.",
     .source = PROCESS_COSTS_SOURCE ": from start()'s return until the target runs, per version"},
    /* Old-GIL costs calibrated on Beazley's countdown ("Understanding the
     * Python GIL", PyCon 2010): 7.8 s alone, 11.3 s for two threads on one
     * core, 15.4 s on four. */
    {PYTHON, "old_signal_cost", DURATION, "ns", FIELD(old_signal_cost, SimTime), .def = 700,
     .help = "Old GIL: a release that wakes a waiter.",
     .source = "Beazley, PyCon 2010: two threads on one core take 11.3 s, not 7.8 s"},
    {PYTHON, "old_contention_cost", DURATION, "ns", FIELD(old_contention_cost, SimTime), .def = 800,
     .help = "Old GIL, several cores: woken waiters fighting for the lock.",
     .source = "Beazley, PyCon 2010: two threads on four cores take 15.4 s"},
    {PYTHON, "interp_start_cost", DURATION, "ns", FIELD(interp_start_cost, SimTime), .def = 2 * MS,
     .help = "Creating a subinterpreter: paid by the first start of a thread in it.",
     .source = "PEP 684: creating a subinterpreter with its own GIL"},
};
#undef MACHINE
#undef PYTHON

/* ld_check_keys takes at most 64 keys (a mask of those seen); the size of
 * the whole table bounds that of each section. */
_Static_assert(sizeof(PARAMS) / sizeof(PARAMS[0]) <= 64, "ld_check_keys takes at most 64 keys");

#define FOR_EACH_PARAM(p, sec) \
    for (const Param *p = PARAMS; p < PARAMS + COUNT(PARAMS); p++) \
        if (p->section == (sec))

/* ---- The special rules --------------------------------------------------- */

/* "MAJOR.MINOR" for the supported versions: 2.0-2.7, 3.0-3.14. The schema's
 * pattern says the same and must change with it. */
#define VERSION_PATTERN "^(2\\.[0-7]|3\\.([0-9]|1[0-4]))$"
static bool parse_version(const char *s, int *major, int *minor)
{
    if ((s[0] != '2' && s[0] != '3') || s[1] != '.')
        return false;
    const char *m = s + 2;
    size_t digits = strspn(m, "0123456789");
    if (digits == 0 || digits > 2 || m[digits] || (digits == 2 && m[0] == '0'))
        return false;
    int mi = atoi(m), ma = s[0] - '0';
    if ((ma == 2 && mi > 7) || (ma == 3 && mi > 14))
        return false;
    *major = ma;
    *minor = mi;
    return true;
}

/* The new GIL arrived in 3.2; before it, the ticks of the old one. */
static double gil_for_version(int ver)
{
    return ver < 302 ? SIM_GIL_OLD : SIM_GIL_NEW;
}

static double check_point_gap_for_version(int ver)
{
    return ver <= 309 ? 30 : 100;
}

/* Thread.start() got dearer in 3.11 (tools/cpython/start_join.py). */
static double thread_start_cost_for(int ver)
{
    return ver < 300 ? 15 * US : ver < 310 ? 20 * US : ver < 311 ? 35 * US : 100 * US;
}



static int gil_needs_version(Loader *c, const SimConfig *cfg)
{
    if (cfg->gil == SIM_GIL_PER_INTERP && sim_py_version(cfg) < 312)
        return fail(c, "per-interpreter GILs arrived in Python 3.12 (PEP 684); set python.version "
                       "to \"3.12\" or later");
    return 0;
}

static void store(SimConfig *cfg, const Param *p, double v);

static bool follows_version(const Param *p)
{
    return p->by_version || p->table;
}

/* A row's default for version ver (follows_version(p)). */
static double version_default(const Param *p, int ver)
{
    if (p->by_version)
        return p->by_version(ver);
    const VersionTable *t = p->table;
    const char *row = t->rows, *best = t->rows;
    for (size_t i = 0; i < t->n; i++, row += t->size)
        if (*(const int *)row <= ver)
            best = row;
    return *(const double *)(best + p->column) * t->unit;
}

/* The defaults that follow python.version, in every row that has one. */
static void apply_version_defaults(SimConfig *cfg)
{
    int ver = sim_py_version(cfg);
    for (const Param *p = PARAMS; p < PARAMS + COUNT(PARAMS); p++)
        if (follows_version(p))
            store(cfg, p, version_default(p, ver));
}

/* After python.version, before the values that may override its defaults. */
static void version_defaults(Loader *c, SimConfig *cfg)
{
    apply_version_defaults(cfg);
    c->default_method = sim_py_version(cfg) >= 314 ? SIM_START_FORKSERVER : SIM_START_FORK;
}

/* CPython keeps the interval in whole microseconds, at least 1. */
static void whole_microseconds(Loader *c, SimConfig *cfg)
{
    (void)c;
    cfg->switch_interval = cfg->switch_interval / NS_PER_US * NS_PER_US;
    if (cfg->switch_interval < NS_PER_US)
        cfg->switch_interval = NS_PER_US;
}

const char *sim_gil_policy_name(int policy)
{
    return policy >= 0 && policy < SIM_GIL_POLICY_COUNT ? GIL_NAMES[policy] : "?";
}

/* ---- Values in SimConfig ------------------------------------------------- */

static void *at(SimConfig *cfg, size_t field)
{
    return (char *)cfg + field;
}

static const void *at_const(const SimConfig *cfg, size_t field)
{
    return (const char *)cfg + field;
}

/* Stores a default (any type but DISTRIBUTION) in the row's field. */
static void store(SimConfig *cfg, const Param *p, double v)
{
    switch ((ParamType)p->type) {
    case INTEGER:
        *(int *)at(cfg, p->field) = (int)v;
        break;
    case NUMBER:
        *(double *)at(cfg, p->field) = v;
        break;
    case DURATION:
    case POS_DURATION:
        *(SimTime *)at(cfg, p->field) = (SimTime)v;
        break;
    case ENUM:
        *(uint8_t *)at(cfg, p->field) = (uint8_t)v;
        break;
    case VERSION:
        *(int *)at(cfg, p->field) = (int)v / 100;
        *(int *)at(cfg, p->minor_field) = (int)v % 100;
        break;
    case DISTRIBUTION: /* its default is a SimDist, set by sim_config_defaults */
        break;
    }
}

void sim_config_defaults(SimConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    for (const Param *p = PARAMS; p < PARAMS + COUNT(PARAMS); p++) {
        if (p->type == DISTRIBUTION)
            *(SimDist *)at(cfg, p->field) = p->dist;
        else if (!follows_version(p))
            store(cfg, p, p->def);
    }
    apply_version_defaults(cfg);
}

/* The value of a row in cfg as JSON text, the way a scenario writes it:
 * 4, "5ms", {"uniform": ["10us", "40us"]}, "fifo", "3.12", 1.08. */
static void format_value(const Param *p, const SimConfig *cfg, char *buf, size_t n)
{
    const void *v = at_const(cfg, p->field);
    char a[48], b[48];
    switch ((ParamType)p->type) {
    case INTEGER:
        snprintf(buf, n, "%d", *(const int *)v);
        break;
    case NUMBER:
        ld_fmt_double(*(const double *)v, buf, n);
        break;
    case DURATION:
    case POS_DURATION:
        snprintf(buf, n, "\"%s\"", sim_duration_format_exact(*(const SimTime *)v, a, sizeof(a)));
        break;
    case DISTRIBUTION: {
        const SimDist *d = v;
        sim_duration_format_exact(d->a, a, sizeof(a));
        sim_duration_format_exact(d->b, b, sizeof(b));
        if (d->kind == SIM_DIST_UNIFORM)
            snprintf(buf, n, "{\"uniform\": [\"%s\", \"%s\"]}", a, b);
        else if (d->kind == SIM_DIST_EXP)
            snprintf(buf, n, "{\"exp\": \"%s\"}", a);
        else
            snprintf(buf, n, "\"%s\"", a);
        break;
    }
    case ENUM: {
        uint8_t i = *(const uint8_t *)v;
        snprintf(buf, n, "\"%s\"", p->names->names[i < p->names->n ? i : 0]);
        break;
    }
    case VERSION:
        snprintf(buf, n, "\"%d.%d\"", *(const int *)v, *(const int *)at_const(cfg, p->minor_field));
        break;
    }
}

/* ---- Loading ------------------------------------------------------------- */

static int load_version(Loader *c, const Param *p, const cJSON *v, SimConfig *cfg)
{
    char q[64];
    const char *text = ld_override_text(c, v);
    if (!text && cJSON_IsNumber(v))
        return fail(c, "expected a string such as \"3.12\", got a number; quote the version "
                       "(as a number, 3.10 would be 3.1)");
    if (!text && (!cJSON_IsString(v) || !v->valuestring))
        return fail(c, "expected a string such as \"3.12\", got %s", ld_type_name(v));
    if (!text)
        text = v->valuestring;
    if (!parse_version(text, (int *)at(cfg, p->field), (int *)at(cfg, p->minor_field))) {
        /* "3.13t" names a free-threaded build: a version and a GIL policy. */
        size_t len = strlen(text);
        char plain[16];
        int major, minor;
        if (len > 1 && len < sizeof(plain) && (text[len - 1] == 't' || text[len - 1] == 'T')) {
            memcpy(plain, text, len - 1);
            plain[len - 1] = '\0';
            if (parse_version(plain, &major, &minor))
                return fail(c, "'%s' names a free-threaded build; write the version and the GIL policy apart: "
                               "\"python\": {\"version\": \"%s\", \"gil\": \"none\"}",
                            ld_quote(text, q, sizeof(q)), plain);
        }
        return fail(c, "'%s' is not a supported Python version; expected \"2.0\" to \"2.7\" or "
                       "\"3.0\" to \"3.14\"", ld_quote(text, q, sizeof(q)));
    }
    return 0;
}

/* The value v of row p, at the current path, into cfg. */
static int load_param(Loader *c, const Param *p, const cJSON *v, SimConfig *cfg)
{
    void *f = at(cfg, p->field);
    double n;
    int e, rc = 0;
    switch ((ParamType)p->type) {
    case INTEGER:
        if ((rc = ld_get_integer(c, v, p->lo, p->hi, &n)) == 0)
            *(int *)f = (int)n;
        break;
    case NUMBER:
        rc = ld_get_number(c, v, p->lo, p->hi, f);
        break;
    case DURATION:
        rc = ld_get_duration(c, v, DUR_NONNEG, f);
        break;
    case POS_DURATION:
        rc = ld_get_duration(c, v, DUR_POSITIVE, f);
        break;
    case DISTRIBUTION:
        rc = ld_get_dist(c, v, f);
        break;
    case ENUM:
        if ((rc = ld_get_enum(c, v, p->names->names, p->names->n, p->names->what, &e)) == 0)
            *(uint8_t *)f = (uint8_t)e;
        break;
    case VERSION:
        rc = load_version(c, p, v, cfg);
        break;
    }
    if (rc == 0 && p->check)
        rc = p->check(c, cfg);
    return rc;
}

/* The keys of a section, in table order; returns how many. */
static int section_keys(int section, const char *keys[COUNT(PARAMS)])
{
    int n = 0;
    FOR_EACH_PARAM(p, section)
        keys[n++] = p->key;
    return n;
}

int ld_load_config(Loader *c, const cJSON *obj, int section, SimConfig *cfg)
{
    const char *keys[COUNT(PARAMS)];
    int n = section_keys(section, keys), rc;
    if (obj && !cJSON_IsObject(obj))
        return fail(c, "expected an object, got %s", ld_type_name(obj));
    if (obj && (rc = ld_check_keys(c, obj, keys, n)) < 0)
        return rc;
    FOR_EACH_PARAM(p, section) {
        size_t mark;
        const cJSON *v = obj ? ld_enter(c, obj, p->key, &mark) : NULL;
        if (v) {
            if ((rc = load_param(c, p, v, cfg)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if (p->after)
            p->after(c, cfg);
    }
    return 0;
}

/* ---- Explaining the configuration ---------------------------------------- */

/* s as a JSON string (cJSON's escaping), into b. */
static void strbuf_json_string(StrBuf *b, const char *s)
{
    cJSON *str = cJSON_CreateString(s);
    char *text = str ? cJSON_PrintUnformatted(str) : NULL;
    if (text)
        strbuf_puts(b, text);
    else
        b->oom = true;
    cJSON_free(text);
    cJSON_Delete(str);
}

char *sim_scenario_explain_config(const SimScenario *sc)
{
    StrBuf b = {0};
    char value[128];
    strbuf_printf(&b, "{\n  \"seed\": %llu", (unsigned long long)sc->cfg.seed);
    for (int s = 0; s < PARAMS_SECTION_COUNT; s++) {
        const char *sep = "";
        strbuf_printf(&b, ",\n  \"%s\": {", SECTION_NAMES[s]);
        FOR_EACH_PARAM(p, s) {
            format_value(p, &sc->cfg, value, sizeof(value));
            strbuf_printf(&b, "%s\n    \"%s\": %s", sep, p->key, value);
            sep = ",";
        }
        strbuf_printf(&b, "\n  }");
    }
    /* Where each value still at its default comes from (a comment key:
     * the text loads back as a scenario unchanged). */
    SimConfig def;
    sim_config_defaults(&def);
    def.py_major = sc->cfg.py_major;
    def.py_minor = sc->cfg.py_minor;
    apply_version_defaults(&def);
    const char *sep = "";
    strbuf_puts(&b, ",\n  \"_defaults\": {");
    for (int s = 0; s < PARAMS_SECTION_COUNT; s++) {
        FOR_EACH_PARAM(p, s) {
            char was[128];
            format_value(p, &sc->cfg, value, sizeof(value));
            format_value(p, &def, was, sizeof(was));
            if (!p->source || strcmp(value, was) != 0)
                continue;
            strbuf_printf(&b, "%s\n    \"%s.%s\": ", sep, SECTION_NAMES[s], p->key);
            strbuf_json_string(&b, p->source);
            sep = ",";
        }
    }
    strbuf_puts(&b, "\n  }");
    if (sc->profile) {
        /* Only with a profile, so that the text without one stays as it was. */
        strbuf_puts(&b, ",\n  \"profile\": {\n    \"file\": ");
        strbuf_json_string(&b, sc->profile);
        strbuf_puts(&b, ",\n    \"values\": [");
        for (int i = 0; i < sc->n_profile_keys; i++) {
            strbuf_puts(&b, i ? ", " : "");
            strbuf_json_string(&b, sc->profile_keys[i]);
        }
        strbuf_puts(&b, "]\n  }");
    }
    strbuf_printf(&b, "\n}\n");
    return strbuf_take(&b, NULL);
}

bool sim_config_key_known(const char *key)
{
    for (int s = 0; s < PARAMS_SECTION_COUNT; s++) {
        size_t n = strlen(SECTION_NAMES[s]);
        if (strncmp(key, SECTION_NAMES[s], n) != 0 || key[n] != '.')
            continue;
        FOR_EACH_PARAM(p, s)
            if (strcmp(p->key, key + n + 1) == 0)
                return true;
    }
    return false;
}

/* ---- The JSON Schema of the sections -------------------------------------- */

/* The schema of one parameter into prop; false when out of memory. */
static bool param_schema(const Param *p, const SimConfig *def, cJSON *prop)
{
    static const char *const refs[] = {
        [DURATION] = "#/$defs/duration",
        [POS_DURATION] = "#/$defs/positive_duration",
        [DISTRIBUTION] = "#/$defs/distribution",
    };
    bool ok = true;
    switch ((ParamType)p->type) {
    case INTEGER:
    case NUMBER:
        ok = cJSON_AddStringToObject(prop, "type", p->type == INTEGER ? "integer" : "number") &&
             cJSON_AddNumberToObject(prop, "minimum", p->lo) &&
             cJSON_AddNumberToObject(prop, "maximum", p->hi);
        break;
    case DURATION:
    case POS_DURATION:
    case DISTRIBUTION:
        ok = cJSON_AddStringToObject(prop, "$ref", refs[p->type]) != NULL;
        break;
    case ENUM: {
        cJSON *names = cJSON_CreateStringArray(p->names->names, p->names->n);
        ok = names && cJSON_AddItemToObject(prop, "enum", names);
        if (!ok)
            cJSON_Delete(names);
        break;
    }
    case VERSION:
        ok = cJSON_AddStringToObject(prop, "type", "string") &&
             cJSON_AddStringToObject(prop, "pattern", VERSION_PATTERN);
        break;
    }
    if (ok && !follows_version(p)) {
        char text[128];
        format_value(p, def, text, sizeof(text));
        cJSON *d = cJSON_Parse(text);
        ok = d && cJSON_AddItemToObject(prop, "default", d);
        if (!ok)
            cJSON_Delete(d);
    }
    if (ok && p->help)
        ok = cJSON_AddStringToObject(prop, "description", p->help) != NULL;
    return ok;
}

char *sim_config_schema(void)
{
    SimConfig def;
    char *text = NULL;
    bool ok;
    cJSON *root = cJSON_CreateObject();
    sim_config_defaults(&def);
    ok = root != NULL;
    for (int s = 0; ok && s < PARAMS_SECTION_COUNT; s++) {
        cJSON *sec = cJSON_AddObjectToObject(root, SECTION_NAMES[s]);
        cJSON *props = sec && cJSON_AddStringToObject(sec, "type", "object")
                           ? cJSON_AddObjectToObject(sec, "properties") : NULL;
        ok = props != NULL;
        FOR_EACH_PARAM(p, s) {
            cJSON *prop = ok ? cJSON_AddObjectToObject(props, p->key) : NULL;
            ok = prop && param_schema(p, &def, prop);
        }
        cJSON *comments = ok ? cJSON_AddObjectToObject(sec, "patternProperties") : NULL;
        ok = comments && cJSON_AddTrueToObject(comments, "^[$_]") &&
             cJSON_AddFalseToObject(sec, "additionalProperties");
    }
    if (ok)
        text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}
