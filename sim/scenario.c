/*
 * scenario.c - scenario JSON -> validated, immutable SimScenario.
 *
 * The only cJSON user of the library. Loading is: strict syntax check
 * (jsonloc.c, for exact positions), cJSON parse, --set overrides applied to
 * the tree, then one walk that validates and converts in document order.
 * Names used by start/join are resolved after the walk, because they may
 * refer to processes declared further down.
 *
 * Every error is one line "LOCATION: /json/pointer: what is wrong; what is
 * expected". LOCATION is FILE:LINE:COL of the offending value in the
 * original text, found again from its JSON pointer, or "--set K=V" when the
 * value came from an override. The walk keeps the pointer of the value at
 * hand in Loader.path for exactly this purpose.
 *
 * Flattened layout: threads of a process are contiguous (declared threads
 * first, fork-child threads after them), and each thread's program is one
 * contiguous run of SimScenario.ops, a repeat op followed by its body.
 * Synchronization objects of a process are contiguous in SimScenario.prims
 * (declared ones, then the RLocks of conditions declared without a lock),
 * processes in order, then the top-level "ipc" objects. Objects are declared
 * before any program is compiled (a process's "sync" and "shared" before its
 * threads, "ipc" before the processes), so an op's object name is resolved
 * on the spot; only "ipc" indices are fixed up at the end, once the number
 * of per-process objects is known. Pools get synthetic worker templates
 * after the walk, behind every declared and fork-child template.
 */
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "sim_internal.h"

#define NS_PER_US 1000LL
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

#define MAX_OPS 1000000u
#define MAX_THREADS 100000
#define MAX_PROCS 10000
#define MAX_PRIMS 100000  /* synchronization objects, a condition's own RLock included */
#define MAX_SHARED 100000 /* shared variables */
#define MAX_COUNT 2147483647.0 /* counts: semaphore values, parties, maxsize, tasks... */
#define MAX_SHARED_VALUE 9007199254740991.0 /* 2^53 - 1: exact in a JSON number */
#define MAX_REPEAT_DEPTH 16
#define MAX_FILE_BYTES (256u << 20)
#define MAX_DURATION_NS 9.2e18 /* what sim_duration_parse accepts; ~292 years */

/* ---- Defaults ----------------------------------------------------------- */

void sim_config_defaults(SimConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->cores = 2;
    cfg->time_slice = 4 * NS_PER_MS;
    cfg->ctx_switch = 2 * NS_PER_US;
    cfg->wake_latency.kind = SIM_DIST_UNIFORM;
    cfg->wake_latency.a = 10 * NS_PER_US;
    cfg->wake_latency.b = 40 * NS_PER_US;
    cfg->wake_policy = SIM_WAKE_RANDOM;
    cfg->py_major = 3;
    cfg->py_minor = 12;
    cfg->gil = SIM_GIL_NEW;
    cfg->switch_interval = 5 * NS_PER_MS;
    cfg->check_point_gap = 100;
    cfg->check_interval = 100;
    cfg->tick_cost = 15;
    cfg->ft_overhead = 1.08;
    cfg->thread_start_cost = 100 * NS_PER_US;
    /* Old-GIL costs calibrated on Beazley's countdown (gil-model.md, O1):
     * 7.8 s alone, 11.3 s for two threads on one core, 15.4 s on four. */
    cfg->old_signal_cost = 700;
    cfg->old_contention_cost = 800;
    cfg->interp_start_cost = 2 * NS_PER_MS;
    cfg->fork_cost = 2 * NS_PER_MS;
    cfg->spawn_cost = 50 * NS_PER_MS;
    cfg->forkserver_cost = 3 * NS_PER_MS;
    cfg->ipc_cost = 500 * NS_PER_US;
    /* Rough costs of CPython 3.12 on a current x86-64 machine. */
    cfg->pipe_latency = 20 * NS_PER_US;
    cfg->pickle_cost = 20 * NS_PER_US;
    cfg->increment_cost = 40;
    cfg->call_cost = 100;
    cfg->pool_submit_cost = 20 * NS_PER_US;
}

/* ---- Names of enumerated values (index = enum value) -------------------- */

static const char *const GIL_NAMES[SIM_GIL_POLICY_COUNT] = {"new", "new-noforce", "old", "none",
                                                              "per-interpreter"};
static const char *const WAKE_NAMES[] = {"random", "fifo"};
static const char *const START_NAMES[] = {"auto", "manual"};
static const char *const METHOD_NAMES[] = {"fork", "spawn", "forkserver"};
/* Synchronization object types, in SimPrimKind order, with their articles. */
static const char *const PRIM_NAMES[SIM_PRIM_KIND_COUNT] = {
    "lock", "rlock", "semaphore", "bounded_semaphore", "event",
    "condition", "barrier", "queue", "pipe", "mp_queue",
};
static const char *const PRIM_ARTICLES[SIM_PRIM_KIND_COUNT] = {
    "a", "an", "a", "a", "an", "a", "a", "a", "a", "an",
};

static const char *const ROOT_KEYS[] = {
    "name", "description", "lesson", "seed", "schema_version", "machine", "python", "ipc", "view", "processes",
};
static const char *const VIEW_KEYS[] = {"range"};
static const char *const MACHINE_KEYS[] = {
    "cores", "time_slice", "context_switch", "wake_latency", "wakeup_policy", "pipe_latency",
};
static const char *const PYTHON_KEYS[] = {
    "version", "gil", "switch_interval", "check_point_gap", "check_interval", "tick_cost",
    "ft_overhead", "thread_start_cost", "fork_cost", "spawn_cost", "forkserver_cost", "ipc_cost",
    "pickle_cost", "increment_cost", "call_cost", "pool_submit_cost", "old_signal_cost",
    "old_contention_cost", "interp_start_cost",
};
static const char *const PROCESS_KEYS[] = {"name", "start", "start_method", "sync", "shared", "threads"};
static const char *const THREAD_KEYS[] = {"name", "daemon", "start", "interpreter", "program"};
static const char *const FORK_KEYS[] = {"name", "program"};
static const char *const DIST_KEYS[] = {"uniform", "exp"};
static const char *const THREAD_POOL_KEYS[] = {"workers", "tasks", "task"};
static const char *const PROCESS_POOL_KEYS[] = {"workers", "tasks", "chunksize", "start_method", "task"};

/* The fields of an object's {"type": T, ...} form, by type. */
static const char *const FIELDS_TYPE[] = {"type"};
static const char *const FIELDS_SEMAPHORE[] = {"type", "value"};
static const char *const FIELDS_CONDITION[] = {"type", "lock"};
static const char *const FIELDS_BARRIER[] = {"type", "parties", "timeout"};
static const char *const FIELDS_QUEUE[] = {"type", "maxsize"};

/* ---- Operations ----------------------------------------------------------
 * Each operation object has exactly one operation key; the keys listed as
 * modifiers may stand beside it. `family` says how it is compiled.
 */
enum {
    F_DUR = 0, F_REPEAT, F_START, F_JOIN, F_FORK, F_ACQUIRE, F_RELEASE, F_WITH, F_WAIT, F_SET,
    F_CLEAR, F_NOTIFY, F_NOTIFY_ALL, F_PUT, F_GET, F_INCREMENT, F_THREAD_POOL, F_PROCESS_POOL,
};

static const char *const MODS_DO[] = {"do"};
static const char *const MODS_ACQUIRE[] = {"timeout", "blocking"};
static const char *const MODS_TIMEOUT[] = {"timeout"};
static const char *const MODS_NOTIFY[] = {"n"};
static const char *const MODS_PUT[] = {"timeout", "transfer"};
static const char *const MODS_INCREMENT[] = {"call_between"};

typedef struct OpDef {
    const char *name;
    uint8_t kind;   /* SimOpKind of the (first) op it makes */
    uint8_t family;
    const char *const *mods;
    int n_mods;
} OpDef;

#define MODS(m) m, (int)(sizeof(m) / sizeof((m)[0]))
static const OpDef OPS[] = {
    {"cpu", SIM_OP_CPU, F_DUR, NULL, 0},
    {"c_call", SIM_OP_C_CALL, F_DUR, NULL, 0},
    {"nogil", SIM_OP_NOGIL, F_DUR, NULL, 0},
    {"io", SIM_OP_IO, F_DUR, NULL, 0},
    {"sleep", SIM_OP_SLEEP, F_DUR, NULL, 0},
    {"repeat", SIM_OP_REPEAT, F_REPEAT, MODS(MODS_DO)},
    {"start", SIM_OP_START, F_START, NULL, 0},
    {"join", SIM_OP_JOIN, F_JOIN, MODS(MODS_TIMEOUT)},
    {"fork", SIM_OP_FORK, F_FORK, NULL, 0},
    {"acquire", SIM_OP_ACQUIRE, F_ACQUIRE, MODS(MODS_ACQUIRE)},
    {"release", SIM_OP_RELEASE, F_RELEASE, NULL, 0},
    {"with", SIM_OP_ACQUIRE, F_WITH, MODS(MODS_DO)},
    {"wait", SIM_OP_WAIT, F_WAIT, MODS(MODS_TIMEOUT)},
    {"set", SIM_OP_SET, F_SET, NULL, 0},
    {"clear", SIM_OP_CLEAR, F_CLEAR, NULL, 0},
    {"notify", SIM_OP_NOTIFY, F_NOTIFY, MODS(MODS_NOTIFY)},
    {"notify_all", SIM_OP_NOTIFY, F_NOTIFY_ALL, NULL, 0},
    {"put", SIM_OP_PUT, F_PUT, MODS(MODS_PUT)},
    {"get", SIM_OP_GET, F_GET, MODS(MODS_TIMEOUT)},
    {"send", SIM_OP_PUT, F_PUT, MODS(MODS_PUT)},
    {"recv", SIM_OP_GET, F_GET, MODS(MODS_TIMEOUT)},
    {"increment", SIM_OP_INCREMENT, F_INCREMENT, MODS(MODS_INCREMENT)},
    {"thread_pool", SIM_OP_POOL, F_THREAD_POOL, NULL, 0},
    {"process_pool", SIM_OP_POOL, F_PROCESS_POOL, NULL, 0},
};
#undef MODS
#define N_OPS ((int)(sizeof(OPS) / sizeof(OPS[0])))

/* Kinds an operation accepts, as bit masks over SimPrimKind. */
#define PK(k) (1u << (k))
#define KINDS_LOCK (PK(SIM_PRIM_LOCK) | PK(SIM_PRIM_RLOCK) | PK(SIM_PRIM_SEMAPHORE) | \
                    PK(SIM_PRIM_BOUNDED_SEMAPHORE))
#define KINDS_WITH (KINDS_LOCK | PK(SIM_PRIM_CONDITION))
#define KINDS_WAIT (PK(SIM_PRIM_EVENT) | PK(SIM_PRIM_CONDITION) | PK(SIM_PRIM_BARRIER))
#define KINDS_QUEUE (PK(SIM_PRIM_QUEUE) | PK(SIM_PRIM_PIPE) | PK(SIM_PRIM_MP_QUEUE))
#define KINDS_IPC (PK(SIM_PRIM_PIPE) | PK(SIM_PRIM_MP_QUEUE))

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- Loader state ------------------------------------------------------- */

typedef struct Override {
    const char *raw;   /* the whole "key=value" argument; borrowed */
    const char *value; /* the text after '=' */
    char *ptr;         /* JSON pointer of the value it set; NULL until applied */
} Override;

/* Names -> template index, one table for every scope: scope -1 holds the
 * process names, scope p the thread names of process p, OBJ_SCOPE(p) the
 * object names ("sync" and "shared") of declared process p and IPC_SCOPE the
 * top-level "ipc" names. Open addressing. */
typedef struct NameEntry {
    const char *name; /* NULL: empty slot; points into a spec (owned there) */
    int scope;
    int index;
} NameEntry;

typedef struct NameTable {
    NameEntry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} NameTable;

/* A start or join op whose name is resolved after the walk. */
typedef struct Ref {
    int thread;       /* template whose program holds the op */
    uint32_t op;      /* offset of the op in that program */
    const char *name; /* borrowed from the cJSON tree */
    char *ptr;        /* pointer of the name value, for errors; owned */
} Ref;

#define IPC_SCOPE (-2)
#define OBJ_SCOPE(p) (-3 - (p))
/* In an object scope, a shared variable's index is stored as SHARED_ENTRY(i)
 * (<= -2: -1 is "not found"), a primitive's as its index in sc->prims. */
#define SHARED_ENTRY(i) (-2 - (i))
/* Ops name an "ipc" object k by IPC_OBJ(k) until the walk ends. */
#define IPC_OBJ(k) (-2 - (k))

/* Per process template, what only the loader needs. */
typedef struct ProcExtra {
    char *ptr;     /* pointer of its "name" value, or of its fork op; owned */
    int parent;    /* process template that forks it, -1 if declared */
    int n_decl;    /* declared processes: objects declared under "sync" (the
                      first n_decl of its range; conditions' RLocks follow) */
} ProcExtra;

typedef struct OpVec {
    SimOp *v;
    uint32_t n, cap;
} OpVec;

/* Where a program is compiled: what its names resolve against. */
typedef struct Ctx {
    int thread;    /* template whose program this is; -1 in a pool's task */
    int proc;      /* process template the ops run in; -1 in a process pool's task */
    int submitter; /* in a pool's task: the submitting thread's process; else -1 */
    bool task;     /* compiling a pool's task */
} Ctx;

/* A pool met in the walk: its worker program, placed after the walk. */
typedef struct PoolExtra {
    OpVec prog;    /* the worker's POOL op, then the task */
    int proc;      /* thread pools: the process the worker threads run in */
} PoolExtra;

typedef struct Loader {
    const char *source;  /* file path or given name */
    const char *text;    /* NUL-terminated copy of the original bytes */
    size_t len;
    SimError *err;
    Override *ov;        /* applied overrides, in order */
    int n_ov;
    char *path;          /* JSON pointer of the value being looked at */
    size_t path_len, path_cap;
    bool oom;            /* a path push failed: the load ends in SIM_ERR_NOMEM */
    SimScenario *sc;     /* being built; destroyed by the caller on failure */
    int cap_procs, cap_threads;
    uint32_t cap_ops;
    ProcExtra *extra;    /* [cap_procs] */
    int n_decl_procs;    /* processes declared in "processes"; fork children follow */
    NameTable names;
    Ref *refs;
    size_t n_refs, cap_refs;
    uint32_t ops_made;   /* every flattened op created so far, for MAX_OPS */
    uint8_t default_method;
    int cap_prims, cap_shared, cap_pools, cap_pool_extra;
    SimPrimSpec *ipc;    /* top-level "ipc" objects, moved to the end of sc->prims at the end */
    int n_ipc, cap_ipc;
    PoolExtra *pool_extra; /* [cap_pool_extra], one per pool */
    int synth_threads;   /* worker templates the pools met so far will add */
    int synth_procs;
} Loader;

/* ---- Small text helpers ------------------------------------------------- */

/* Copies user text for a one-line message: at most ~48 bytes (cut at a
 * UTF-8 boundary, then "..."), control characters shown as '?'. */
static const char *quote(const char *s, char *buf, size_t n)
{
    size_t max = n > 52 ? 48 : n - 4, i = 0;
    for (; s[i] && i < max; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (s[i]) {
        while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
            i--;
        memcpy(buf + i, "...", 4);
    } else {
        buf[i] = '\0';
    }
    return buf;
}

/* Shortest text that reads back as the same double. */
static void fmt_double(double d, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.17g", d);
}

/* Shortest exact text of a duration with a unit: "5ms", "1.5ms", "100ns". */
static void fmt_duration(SimTime ns, char *buf, size_t n)
{
    static const struct {
        const char *unit;
        long long scale;
        int digits;
    } units[] = {{"s", NS_PER_S, 9}, {"ms", NS_PER_MS, 6}, {"us", NS_PER_US, 3}, {"ns", 1, 0}};
    char best[48] = "";
    if (ns < 0) {
        snprintf(buf, n, "%lldns", (long long)ns);
        return;
    }
    for (int u = 0; u < COUNT(units); u++) {
        char tmp[48];
        long long whole = ns / units[u].scale, frac = ns % units[u].scale;
        if (whole == 0 && units[u].scale > 1)
            continue;
        if (frac) {
            int l = snprintf(tmp, sizeof(tmp), "%lld.%0*lld", whole, units[u].digits, frac);
            while (l > 0 && tmp[l - 1] == '0')
                tmp[--l] = '\0';
            snprintf(tmp + l, sizeof(tmp) - (size_t)l, "%s", units[u].unit);
        } else {
            snprintf(tmp, sizeof(tmp), "%lld%s", whole, units[u].unit);
        }
        if (!best[0] || strlen(tmp) < strlen(best))
            memcpy(best, tmp, sizeof(best));
    }
    snprintf(buf, n, "%s", best);
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an unknown value";
}

static bool ignored_key(const char *k)
{
    return k[0] == '$' || k[0] == '_';
}

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* Edit distance with adjacent transpositions, case-insensitive; both
 * strings at most 64 bytes. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            bool swapped = i > 1 && j > 1 &&
                           tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
                           tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]);
            if (swapped && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* Keeps the closest plausible candidate for a misspelt word in *best. */
static void suggest_consider(const char *word, const char *cand, const char **best, int *best_d)
{
    if (strlen(word) > 64 || strlen(cand) > 64 || strcmp(word, cand) == 0)
        return;
    /* Close enough to be a slip, and not just another short name. */
    int d = edit_distance(word, cand);
    if (d <= 2 && (size_t)d * 3 <= strlen(cand) && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

static const char *suggest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (int i = 0; i < n; i++)
        suggest_consider(word, names[i], &best, &best_d);
    return best;
}

static void join_names(const char *const *names, int n, char *buf, size_t size)
{
    size_t l = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && l < size; i++)
        l += (size_t)snprintf(buf + l, size - l, "%s%s", i ? ", " : "", names[i]);
}

/* ---- JSON pointer of the current value ---------------------------------- */

static bool path_reserve(Loader *c, size_t extra)
{
    if (c->path_len + extra + 1 <= c->path_cap)
        return true;
    size_t cap = c->path_cap ? c->path_cap : 64;
    while (cap < c->path_len + extra + 1)
        cap *= 2;
    char *p = realloc(c->path, cap);
    if (!p) {
        c->oom = true;
        return false;
    }
    c->path = p;
    c->path_cap = cap;
    return true;
}

/* Appends "/key" (RFC 6901 escaped); returns the length to pop back to. */
static size_t path_push_key(Loader *c, const char *key)
{
    size_t mark = c->path_len;
    if (!path_reserve(c, 1 + 2 * strlen(key)))
        return mark;
    c->path[c->path_len++] = '/';
    for (const char *p = key; *p; p++) {
        if (*p == '~' || *p == '/') {
            c->path[c->path_len++] = '~';
            c->path[c->path_len++] = *p == '~' ? '0' : '1';
        } else {
            c->path[c->path_len++] = *p;
        }
    }
    c->path[c->path_len] = '\0';
    return mark;
}

static size_t path_push_index(Loader *c, size_t i)
{
    char num[24];
    size_t mark = c->path_len;
    int l = snprintf(num, sizeof(num), "/%zu", i);
    if (!path_reserve(c, (size_t)l))
        return mark;
    memcpy(c->path + c->path_len, num, (size_t)l + 1);
    c->path_len += (size_t)l;
    return mark;
}

static void path_pop(Loader *c, size_t mark)
{
    c->path_len = mark;
    if (c->path)
        c->path[mark] = '\0';
}

static char *path_dup(Loader *c)
{
    char *p = strdup(c->path);
    if (!p)
        c->oom = true;
    return p;
}

/* The pointer of member `key` of the current value, malloc'd. */
static char *path_child(Loader *c, const char *key)
{
    size_t mark = path_push_key(c, key);
    char *p = c->oom ? NULL : strdup(c->path);
    path_pop(c, mark);
    return p;
}

/* Looks up obj[key]; when present, pushes "/key" (pop with path_pop). */
static const cJSON *enter(Loader *c, const cJSON *obj, const char *key, size_t *mark)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *mark = v ? path_push_key(c, key) : c->path_len;
    return v;
}

/* True if ptr is prefix or lies below it (segment-wise). */
static bool ptr_within(const char *ptr, const char *prefix)
{
    size_t l = strlen(prefix);
    return strncmp(ptr, prefix, l) == 0 && (ptr[l] == '\0' || ptr[l] == '/');
}

/* ---- Errors ------------------------------------------------------------- */

enum { AT_VALUE = 0, AT_KEY = 1 };

static int nomem(Loader *c)
{
    return sim_error_set(c->err, SIM_ERR_NOMEM, "%s: out of memory", c->source);
}

/* The latest override that set ptr or one of its ancestors. */
static const Override *override_covering(const Loader *c, const char *ptr)
{
    for (int k = c->n_ov - 1; k >= 0; k--)
        if (c->ov[k].ptr && ptr_within(ptr, c->ov[k].ptr))
            return &c->ov[k];
    return NULL;
}

/* The latest override that set something below ptr (ptr was created for it). */
static const Override *override_below(const Loader *c, const char *ptr)
{
    for (int k = c->n_ov - 1; k >= 0; k--)
        if (c->ov[k].ptr && ptr_within(c->ov[k].ptr, ptr))
            return &c->ov[k];
    return NULL;
}

/*
 * Where the value (or key) at ptr came from: "FILE:LINE:COL", or just
 * "line LINE" when line_only, or "--set K=V". nth picks among duplicate
 * keys; a duplicate is always in the file, never from an override.
 */
static void locate(const Loader *c, const char *ptr, int how, unsigned nth, bool line_only, char *buf,
                   size_t n)
{
    const Override *o = nth == 0 ? override_covering(c, ptr) : NULL;
    size_t off = 0;
    bool found = false;
    if (!o) {
        found = jsonloc_find(c->text, c->len, ptr, how == AT_KEY, nth, &off) == 0;
        if (!found)
            o = override_below(c, ptr);
    }
    if (o) {
        snprintf(buf, n, "--set %s", o->raw);
        return;
    }
    /* Not in the text and not made by an override: should not happen, but
     * the nearest enclosing value in the text is still a useful place. */
    char *tmp = found ? NULL : strdup(ptr);
    while (tmp && !found) {
        char *slash = strrchr(tmp, '/');
        if (!slash)
            break;
        *slash = '\0';
        found = jsonloc_find(c->text, c->len, tmp, 0, 0, &off) == 0;
    }
    free(tmp);
    int line, col;
    jsonloc_linecol(c->text, c->len, found ? off : 0, &line, &col);
    if (line_only)
        snprintf(buf, n, "line %d", line);
    else
        snprintf(buf, n, "%s:%d:%d", c->source, line, col);
}

/* Fails with the message shown for pointer disp but located at loc_ptr. */
__attribute__((format(printf, 7, 8)))
static int fail_loc(Loader *c, int code, const char *disp, const char *loc_ptr, int how, unsigned nth,
                    const char *fmt, ...)
{
    if (c->oom)
        return nomem(c);
    char loc[320], msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    locate(c, loc_ptr, how, nth, false, loc, sizeof(loc));
    return sim_error_set(c->err, code, "%s: %s: %s", loc, disp[0] ? disp : "/", msg);
}

#define fail(c, ...) fail_loc((c), SIM_ERR_INVALID, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)
#define fail_limit(c, ...) fail_loc((c), SIM_ERR_LIMIT, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)

static int fail_missing(Loader *c, const char *key, const char *expected)
{
    return fail(c, "missing key '%s'; expected %s", key, expected);
}

/* Unknown key `key` in the object at the current path. */
static int fail_unknown_key(Loader *c, const char *key, const char *const *keys, int n)
{
    char q[64], list[320];
    size_t mark = path_push_key(c, key);
    const char *best = suggest(key, keys, n);
    int rc;
    if (best) {
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                      "unknown key '%s'; did you mean '%s'?", quote(key, q, sizeof(q)), best);
    } else {
        join_names(keys, n, list, sizeof(list));
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                      "unknown key '%s'; expected one of %s (or a comment key starting with '_')",
                      quote(key, q, sizeof(q)), list);
    }
    path_pop(c, mark);
    return rc;
}

/* Second occurrence of `key` in the object at the current path. */
static int fail_duplicate_key(Loader *c, const char *key)
{
    char q[64], first[320];
    size_t mark = path_push_key(c, key);
    locate(c, c->path, AT_KEY, 0, true, first, sizeof(first));
    int rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 1,
                      "duplicate key '%s' (first at %s)",
                      quote(key, q, sizeof(q)), first);
    path_pop(c, mark);
    return rc;
}

/* Every key of obj must be in keys (or a '$'/'_' comment key), once. */
static int check_keys(Loader *c, const cJSON *obj, const char *const *keys, int n)
{
    uint64_t seen = 0;
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        int i = find_name(keys, n, k);
        if (i < 0)
            return fail_unknown_key(c, k, keys, n);
        if (seen >> i & 1)
            return fail_duplicate_key(c, k);
        seen |= 1ull << i;
    }
    return 0;
}

/* ---- Scalar values ------------------------------------------------------ */

/*
 * The number at the current path as the user wrote it ("1e999", "-1"),
 * from the file or from the override that set it; the double otherwise.
 */
static void raw_number(const Loader *c, const cJSON *v, char *buf, size_t n)
{
    const Override *o = override_covering(c, c->path);
    const char *src = c->text, *ptr = c->path;
    size_t srclen = c->len, off, l = 0;
    if (o) {
        src = o->value;
        srclen = strlen(src);
        ptr = c->path + strlen(o->ptr);
    }
    if (jsonloc_find(src, srclen, ptr, 0, 0, &off) == 0) {
        while (off + l < srclen && l + 1 < n && l < 40 && strchr("0123456789+-.eE", src[off + l]) &&
               src[off + l])
            l++;
        memcpy(buf, src + off, l);
        buf[l] = '\0';
    }
    if (l == 0)
        fmt_double(v->valuedouble, buf, n);
}

/*
 * A number or boolean given on the command line where text is expected
 * ("--set python.version=3.10", "--set processes.0.name=42") is taken as the
 * text typed, since shells make quoting JSON strings awkward. NULL if v did
 * not come straight from an override.
 */
static const char *override_text(const Loader *c, const cJSON *v)
{
    const Override *o = override_covering(c, c->path);
    if (o && strcmp(o->ptr, c->path) == 0 && (cJSON_IsNumber(v) || cJSON_IsBool(v)))
        return o->value;
    return NULL;
}

static int get_string(Loader *c, const cJSON *v, const char *what, const char **out)
{
    if ((*out = override_text(c, v)))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", what, type_name(v));
    *out = v->valuestring;
    return 0;
}

static int get_name(Loader *c, const cJSON *v, const char **out)
{
    int rc = get_string(c, v, "a string", out);
    if (rc == 0 && !**out)
        return fail(c, "the name is empty; expected a non-empty string");
    return rc;
}

static int get_bool(Loader *c, const cJSON *v, bool *out)
{
    if (!cJSON_IsBool(v))
        return fail(c, "expected true or false, got %s", type_name(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* One of names[0, n); `what` names the kind of value in the message. */
static int get_enum(Loader *c, const cJSON *v, const char *const *names, int n, const char *what, int *out)
{
    char list[160], q[64];
    size_t l = 0;
    for (int i = 0; i < n && l < sizeof(list); i++) {
        const char *sep = i == 0 ? "" : i < n - 1 ? ", " : n == 2 ? " or " : ", or ";
        l += (size_t)snprintf(list + l, sizeof(list) - l, "%s\"%s\"", sep, names[i]);
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", list, type_name(v));
    int i = find_name(names, n, v->valuestring);
    if (i < 0)
        return fail(c, "'%s' is not %s; expected %s", quote(v->valuestring, q, sizeof(q)), what, list);
    *out = i;
    return 0;
}

/* An integer in [lo, hi]. */
static int get_integer(Loader *c, const cJSON *v, double lo, double hi, double *out)
{
    char range[80], num[48];
    snprintf(range, sizeof(range), "an integer from %.0f to %.0f", lo, hi);
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, type_name(v));
    double d = v->valuedouble;
    bool integral = isfinite(d) && d == floor(d);
    if (!integral || d < lo || d > hi) {
        /* Only now: finding the text again costs a scan of the file. */
        raw_number(c, v, num, sizeof(num));
        return fail(c, "%s %s; expected %s", num, integral ? "is out of range" : "is not an integer",
                    range);
    }
    *out = d;
    return 0;
}

static int get_seed(Loader *c, const cJSON *v, uint64_t *out)
{
    static const char range[] = "an integer from 0 to 18446744073709551615";
    char num[48];
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, type_name(v));
    raw_number(c, v, num, sizeof(num));
    /* Doubles hold integers exactly only up to 2^53; seeds need all 64 bits. */
    if (num[0] && strspn(num, "0123456789") == strlen(num)) {
        errno = 0;
        unsigned long long u = strtoull(num, NULL, 10);
        if (errno == ERANGE)
            return fail(c, "%s is out of range; expected %s", num, range);
        *out = u;
        return 0;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return fail(c, "%s is not an integer; expected %s", num, range);
    if (d < 0 || d >= 18446744073709551616.0)
        return fail(c, "%s is out of range; expected %s", num, range);
    *out = (uint64_t)d;
    return 0;
}

/* The duration grammar: [-]NUMBER[ ]*UNIT, NUMBER in JSON-like decimal
 * form (no hex, inf or nan that strtod would also take). */
static bool duration_syntax_ok(const char *s, bool *negative)
{
    const char *p = s;
    *negative = *p == '-';
    if (*p == '-')
        p++;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        p += 1 + frac;
        digits += frac;
    }
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1;
        if (*e == '+' || *e == '-')
            e++;
        size_t ed = strspn(e, "0123456789");
        if (ed)
            p = e + ed;
    }
    while (*p == ' ')
        p++;
    return strcmp(p, "ns") == 0 || strcmp(p, "us") == 0 || strcmp(p, "\xc2\xb5s") == 0 ||
           strcmp(p, "ms") == 0 || strcmp(p, "s") == 0;
}

static bool looks_like_dist(const cJSON *v)
{
    return cJSON_IsObject(v) && (cJSON_GetObjectItemCaseSensitive(v, "uniform") ||
                                 cJSON_GetObjectItemCaseSensitive(v, "exp"));
}

enum { DUR_NONNEG = 0, DUR_POSITIVE = 1 };

/* A plain duration: "5ms" or a number of seconds. */
static int get_duration(Loader *c, const cJSON *v, int rule, SimTime *out)
{
    char q[64];
    SimTime t = 0;
    if (cJSON_IsString(v) && v->valuestring) {
        const char *s = v->valuestring;
        bool negative;
        quote(s, q, sizeof(q));
        if (!duration_syntax_ok(s, &negative))
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
        int rc = sim_duration_parse(s, &t);
        if (rc == SIM_ERR_LIMIT && negative)
            return fail(c, "'%s' is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (rc == SIM_ERR_LIMIT)
            return fail(c, "'%s' is too long; expected a duration below 292 years", q);
        if (rc < 0)
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
    } else if (cJSON_IsNumber(v)) {
        double ns = v->valuedouble * 1e9;
        if (v->valuedouble < 0 || !isfinite(ns) || ns > MAX_DURATION_NS)
            raw_number(c, v, q, sizeof(q));
        if (v->valuedouble < 0)
            return fail(c, "%s is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (!isfinite(ns) || ns > MAX_DURATION_NS)
            return fail(c, "%s seconds is too long; expected a duration below 292 years", q);
        t = (SimTime)llround(ns);
    } else if (looks_like_dist(v)) {
        return fail(c, "a distribution is not allowed here; expected a fixed duration such as \"5ms\" "
                       "(distributions are allowed in operations and machine.wake_latency)");
    } else {
        return fail(c, "expected a duration such as \"5ms\", got %s", type_name(v));
    }
    if (rule == DUR_POSITIVE && t == 0)
        return fail(c, "a zero duration is not allowed here; expected a duration > 0, e.g. \"5ms\"");
    *out = t;
    return 0;
}

/* A duration or {"uniform": [LOW, HIGH]} or {"exp": MEAN}. */
static int get_dist(Loader *c, const cJSON *v, SimDist *out)
{
    static const char forms[] = "{\"uniform\": [LOW, HIGH]} or {\"exp\": MEAN}";
    size_t mark;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(v)) {
        if (cJSON_IsArray(v))
            return fail(c, "expected a duration such as \"5ms\" or a distribution %s, got an array", forms);
        out->kind = SIM_DIST_FIXED;
        return get_duration(c, v, DUR_NONNEG, &out->a);
    }
    if ((rc = check_keys(c, v, DIST_KEYS, COUNT(DIST_KEYS))) < 0)
        return rc;
    const cJSON *uni = cJSON_GetObjectItemCaseSensitive(v, "uniform");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(v, "exp");
    if (uni && ex)
        return fail(c, "a distribution has one kind; expected either \"uniform\" or \"exp\", not both");
    if (!uni && !ex)
        return fail(c, "empty distribution; expected %s", forms);
    if (ex) {
        enter(c, v, "exp", &mark);
        out->kind = SIM_DIST_EXP;
        rc = get_duration(c, ex, DUR_POSITIVE, &out->a);
        path_pop(c, mark);
        return rc;
    }
    enter(c, v, "uniform", &mark);
    out->kind = SIM_DIST_UNIFORM;
    if (!cJSON_IsArray(uni))
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %s", type_name(uni));
    else if (cJSON_GetArraySize(uni) != 2)
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %d element%s",
                  cJSON_GetArraySize(uni), cJSON_GetArraySize(uni) == 1 ? "" : "s");
    else {
        size_t m2 = path_push_index(c, 0);
        rc = get_duration(c, uni->child, DUR_NONNEG, &out->a);
        path_pop(c, m2);
        if (rc == 0) {
            m2 = path_push_index(c, 1);
            rc = get_duration(c, uni->child->next, DUR_NONNEG, &out->b);
            path_pop(c, m2);
        }
        if (rc == 0 && out->a > out->b) {
            char lo[48], hi[48];
            fmt_duration(out->a, lo, sizeof(lo));
            fmt_duration(out->b, hi, sizeof(hi));
            rc = fail(c, "low %s is greater than high %s; expected [LOW, HIGH] with LOW <= HIGH", lo, hi);
        }
    }
    path_pop(c, mark);
    return rc;
}

/* ---- Name table --------------------------------------------------------- */

static size_t name_slot(const NameTable *t, int scope, const char *name)
{
    uint64_t h = sim_fnv1a(name, strlen(name)) ^ ((uint64_t)(unsigned)scope * 0x9e3779b97f4a7c15ULL);
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slots[i].name && (t->slots[i].scope != scope || strcmp(t->slots[i].name, name) != 0))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Template index of name in scope, or -1. */
static int names_find(const NameTable *t, int scope, const char *name)
{
    if (!t->cap)
        return -1;
    size_t i = name_slot(t, scope, name);
    return t->slots[i].name ? t->slots[i].index : -1;
}

/* Adds a name known to be absent; name must outlive the table. */
static int names_add(NameTable *t, int scope, const char *name, int index)
{
    if ((t->n + 1) * 2 > t->cap) {
        NameTable bigger = {NULL, t->cap ? t->cap * 2 : 64, 0};
        bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
        if (!bigger.slots)
            return SIM_ERR_NOMEM;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].name)
                bigger.slots[name_slot(&bigger, t->slots[i].scope, t->slots[i].name)] = t->slots[i];
        bigger.n = t->n;
        free(t->slots);
        *t = bigger;
    }
    t->slots[name_slot(t, scope, name)] = (NameEntry){name, scope, index};
    t->n++;
    return 0;
}

/* ---- Templates ---------------------------------------------------------- */

static int grow_procs(Loader *c, int need)
{
    if (need <= c->cap_procs)
        return 0;
    int cap = c->cap_procs ? c->cap_procs * 2 : 8;
    while (cap < need)
        cap *= 2;
    SimProcessSpec *p = realloc(c->sc->procs, (size_t)cap * sizeof(*p));
    if (!p)
        return nomem(c);
    c->sc->procs = p;
    ProcExtra *e = realloc(c->extra, (size_t)cap * sizeof(*e));
    if (!e)
        return nomem(c);
    c->extra = e;
    memset(p + c->cap_procs, 0, (size_t)(cap - c->cap_procs) * sizeof(*p));
    memset(e + c->cap_procs, 0, (size_t)(cap - c->cap_procs) * sizeof(*e));
    c->cap_procs = cap;
    return 0;
}

static int grow_threads(Loader *c, int need)
{
    if (need <= c->cap_threads)
        return 0;
    int cap = c->cap_threads ? c->cap_threads * 2 : 8;
    while (cap < need)
        cap *= 2;
    SimThreadSpec *t = realloc(c->sc->threads, (size_t)cap * sizeof(*t));
    if (!t)
        return nomem(c);
    memset(t + c->cap_threads, 0, (size_t)(cap - c->cap_threads) * sizeof(*t));
    c->sc->threads = t;
    c->cap_threads = cap;
    return 0;
}

/* Registers a process name; fails if taken. The current path is its value. */
static int register_process_name(Loader *c, const char *name, int index)
{
    char q[64], first[320];
    int prev = names_find(&c->names, -1, name);
    if (prev >= 0) {
        locate(c, c->extra[prev].ptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate process name '%s' (first at %s)",
                    quote(name, q, sizeof(q)), first);
    }
    c->extra[index].ptr = path_dup(c);
    if (c->oom || names_add(&c->names, -1, name, index) < 0)
        return nomem(c);
    return 0;
}

/* ---- Objects: "sync", "shared" and "ipc" ---------------------------------- */

/* "a" or "an" before an operation or key name. */
static const char *article(const char *word)
{
    return word[0] && strchr("aeiou", word[0]) ? "an" : "a";
}

/* "\"a\"", "\"a\" and \"b\"", "\"a\", \"b\" and \"c\"". */
static void join_quoted(const char *const *names, int n, char *buf, size_t size)
{
    size_t l = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && l < size; i++)
        l += (size_t)snprintf(buf + l, size - l, "%s\"%s\"", i == 0 ? "" : i < n - 1 ? ", " : " and ",
                              names[i]);
}

/* "a lock, rlock, semaphore or bounded_semaphore" for a SimPrimKind mask. */
static void kinds_phrase(unsigned kinds, char *buf, size_t size)
{
    int total = 0, n = 0;
    size_t l = 0;
    buf[0] = '\0';
    for (int k = 0; k < SIM_PRIM_KIND_COUNT; k++)
        total += (int)(kinds >> k & 1);
    for (int k = 0; k < SIM_PRIM_KIND_COUNT && l < size; k++) {
        if (!(kinds >> k & 1))
            continue;
        const char *sep = n == 0 ? "" : n == total - 1 ? " or " : ", ";
        l += (size_t)snprintf(buf + l, size - l, "%s%s%s%s", sep, n == 0 ? PRIM_ARTICLES[k] : "",
                              n == 0 ? " " : "", PRIM_NAMES[k]);
        n++;
    }
}

/* A comma-separated list of names for a message, cut with "..." when full. */
typedef struct NameList {
    char buf[200];
    size_t len;
    bool full;
} NameList;

static void list_add(NameList *l, const char *name)
{
    char q[64];
    if (l->full)
        return;
    quote(name, q, sizeof(q));
    size_t need = strlen(q) + (l->len ? 2 : 0);
    if (l->len + need + 5 > sizeof(l->buf)) {
        snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s...", l->len ? ", " : "");
        l->full = true;
        return;
    }
    l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? ", " : "", q);
}

static int grow_array(Loader *c, void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, (size_t)n * size);
    if (!p)
        return nomem(c);
    memset((char *)p + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *arr = p;
    *cap = n;
    return 0;
}

/* The declared process whose objects a process uses: a fork child works on
 * copies of its parent's, made at the fork, so the names are the parent's. */
static int objects_owner(const Loader *c, int p)
{
    while (p >= c->n_decl_procs && c->extra[p].parent >= 0)
        p = c->extra[p].parent;
    return p;
}

/* The pointer of key `key` under `section` of the object whose pointer is
 * the first base_len bytes of the current one, malloc'd; the current
 * pointer is left as it was. */
static char *sibling_ptr(Loader *c, size_t base_len, const char *section, const char *key)
{
    size_t len = c->path_len;
    char *saved = strdup(c->path + base_len), *r = NULL;
    if (!saved) {
        c->oom = true;
        return NULL;
    }
    path_pop(c, base_len);
    path_push_key(c, section);
    path_push_key(c, key);
    if (!c->oom)
        r = path_dup(c);
    path_pop(c, base_len);
    if (path_reserve(c, len - base_len)) {
        memcpy(c->path + base_len, saved, len - base_len + 1);
        c->path_len = len;
    }
    free(saved);
    return r;
}

/*
 * Checks that `key`, a new name under `section` ("sync", "shared" or "ipc";
 * the current path is that object, base_len long without the section), is
 * not empty and not taken in `scope`.
 */
static int check_object_name(Loader *c, int scope, const char *key, const char *section, size_t base_len,
                             int proc)
{
    char q[64], q2[64], first[320];
    size_t mark;
    int rc;
    if (!*key) {
        mark = path_push_key(c, key);
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                      "the name is empty; expected a non-empty name");
        path_pop(c, mark);
        return rc;
    }
    int e = names_find(&c->names, scope, key);
    if (e == -1)
        return 0;
    const char *prev = scope == IPC_SCOPE ? "ipc" : e <= -2 ? "shared" : "sync";
    if (strcmp(prev, section) == 0)
        return fail_duplicate_key(c, key);
    char *at = sibling_ptr(c, base_len, prev, key);
    if (!at)
        return nomem(c);
    locate(c, at, AT_KEY, 0, true, first, sizeof(first));
    free(at);
    mark = path_push_key(c, key);
    rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                  "duplicate object name '%s' in process '%s' (first under \"%s\" at %s); expected names "
                  "unique across \"sync\" and \"shared\"",
                  quote(key, q, sizeof(q)), quote(c->sc->procs[proc].name, q2, sizeof(q2)), prev, first);
    path_pop(c, mark);
    return rc;
}

static int get_prim_type(Loader *c, const cJSON *v, int *out)
{
    char q[64], list[200];
    const char *s = override_text(c, v);
    if (!s && (!cJSON_IsString(v) || !v->valuestring))
        return fail(c, "expected a type such as \"lock\", got %s", type_name(v));
    if (!s)
        s = v->valuestring;
    int i = find_name(PRIM_NAMES, SIM_PRIM_KIND_COUNT, s);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    quote(s, q, sizeof(q));
    const char *best = suggest(s, PRIM_NAMES, SIM_PRIM_KIND_COUNT);
    if (best)
        return fail(c, "'%s' is not a synchronization type; did you mean '%s'?", q, best);
    join_names(PRIM_NAMES, SIM_PRIM_KIND_COUNT, list, sizeof(list));
    return fail(c, "'%s' is not a synchronization type; expected one of %s", q, list);
}

/* Every key of obj must be one of keys[0, n), once; `in` names the object
 * for the message, e.g. "a semaphore" or "an acquire operation". */
static int check_only(Loader *c, const cJSON *obj, const char *const *keys, int n, const char *in)
{
    uint64_t seen = 0;
    char q[64], list[200];
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        int i = find_name(keys, n, k);
        if (i >= 0 && (seen >> i & 1))
            return fail_duplicate_key(c, k);
        if (i >= 0) {
            seen |= 1ull << i;
            continue;
        }
        size_t mark = path_push_key(c, k);
        const char *best = suggest(k, keys, n);
        int rc;
        quote(k, q, sizeof(q));
        if (best) {
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                          "unknown key '%s' in %s; did you mean '%s'?", q, in, best);
        } else {
            join_quoted(keys, n, list, sizeof(list));
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                          "unknown key '%s' in %s; expected only %s", q, in, list);
        }
        path_pop(c, mark);
        return rc;
    }
    return 0;
}

/* An object's SPEC at the current path: a type name or {"type": T, ...}.
 * A condition's "lock" is checked to be a name here and resolved later. */
static int load_prim_spec(Loader *c, const cJSON *v, int proc, bool ipc, SimPrimSpec *out)
{
    size_t mark;
    int rc, kind = 0;
    double n;
    char num[48], what[64];
    const cJSON *f = v;

    memset(out, 0, sizeof(*out));
    out->process = proc;
    out->lock = -1;
    out->timeout = -1;
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsString(v) && !override_text(c, v))
        return fail(c, "expected a type such as \"lock\" or an object such as {\"type\": \"semaphore\", "
                       "\"value\": 3}, got %s", type_name(v));
    mark = c->path_len;
    if (obj && !(f = enter(c, v, "type", &mark)))
        return fail_missing(c, "type", "the object's type, e.g. {\"type\": \"semaphore\", \"value\": 3}");
    if ((rc = get_prim_type(c, f, &kind)) < 0)
        return rc;
    if (ipc && !(KINDS_IPC >> kind & 1))
        return fail(c, "%s %s cannot be in \"ipc\": threading objects live in one process; declare it under "
                       "the \"sync\" of the process that uses it (\"ipc\" holds pipes and mp_queues)",
                    PRIM_ARTICLES[kind], PRIM_NAMES[kind]);
    path_pop(c, mark);
    out->kind = (uint8_t)kind;
    if (kind == SIM_PRIM_SEMAPHORE || kind == SIM_PRIM_BOUNDED_SEMAPHORE)
        out->value = 1;
    if (!obj) {
        if (kind == SIM_PRIM_BARRIER)
            return fail(c, "a barrier needs its number of parties; expected {\"type\": \"barrier\", "
                           "\"parties\": N}");
        return 0;
    }

    snprintf(what, sizeof(what), "%s %s", PRIM_ARTICLES[kind], PRIM_NAMES[kind]);
    switch (kind) {
    case SIM_PRIM_SEMAPHORE:
    case SIM_PRIM_BOUNDED_SEMAPHORE:
        if ((rc = check_only(c, v, FIELDS_SEMAPHORE, COUNT(FIELDS_SEMAPHORE), what)) < 0)
            return rc;
        if ((f = enter(c, v, "value", &mark))) {
            if (cJSON_IsNumber(f) && f->valuedouble < 0) {
                raw_number(c, f, num, sizeof(num));
                return fail(c, "%s is negative; expected an integer from 0 to %.0f (Python raises "
                               "ValueError: semaphore initial value must be >= 0)", num, MAX_COUNT);
            }
            if ((rc = get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
                return rc;
            out->value = (int64_t)n;
            path_pop(c, mark);
        }
        break;
    case SIM_PRIM_CONDITION:
        if ((rc = check_only(c, v, FIELDS_CONDITION, COUNT(FIELDS_CONDITION), what)) < 0)
            return rc;
        if ((f = enter(c, v, "lock", &mark))) {
            const char *s;
            if ((rc = get_string(c, f, "the name of a lock or rlock declared under \"sync\"", &s)) < 0)
                return rc;
            if (!*s)
                return fail(c, "the name is empty; expected the name of a lock or rlock declared under "
                               "\"sync\"");
            path_pop(c, mark);
        }
        break;
    case SIM_PRIM_BARRIER:
        if ((rc = check_only(c, v, FIELDS_BARRIER, COUNT(FIELDS_BARRIER), what)) < 0)
            return rc;
        if (!(f = enter(c, v, "parties", &mark)))
            return fail_missing(c, "parties", "the number of threads that wait for each other, e.g. "
                                              "{\"type\": \"barrier\", \"parties\": 3}");
        if ((rc = get_integer(c, f, 1, MAX_COUNT, &n)) < 0)
            return rc;
        out->value = (int64_t)n;
        path_pop(c, mark);
        if ((f = enter(c, v, "timeout", &mark))) {
            if ((rc = get_duration(c, f, DUR_NONNEG, &out->timeout)) < 0)
                return rc;
            path_pop(c, mark);
        }
        break;
    case SIM_PRIM_QUEUE:
    case SIM_PRIM_MP_QUEUE:
        if ((rc = check_only(c, v, FIELDS_QUEUE, COUNT(FIELDS_QUEUE), what)) < 0)
            return rc;
        if ((f = enter(c, v, "maxsize", &mark))) {
            if ((rc = get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
                return rc;
            out->value = (int64_t)n;
            path_pop(c, mark);
        }
        break;
    default:
        if ((rc = check_only(c, v, FIELDS_TYPE, COUNT(FIELDS_TYPE), what)) < 0)
            return rc;
        break;
    }
    return 0;
}

static int fail_too_many_prims(Loader *c)
{
    return fail_limit(c, "more than %d synchronization objects (with the RLocks of conditions declared "
                         "without a lock); at most %d are supported", MAX_PRIMS, MAX_PRIMS);
}

/* The "sync" object of declared process proc, at the current path. */
static int load_sync(Loader *c, const cJSON *v, int proc, size_t base_len)
{
    SimScenario *sc = c->sc;
    int rc;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object naming synchronization objects, e.g. {\"lock\": \"lock\", "
                       "\"ready\": \"event\"}, got %s", type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        if ((rc = check_object_name(c, OBJ_SCOPE(proc), k, "sync", base_len, proc)) < 0)
            return rc;
        size_t mark = path_push_key(c, k);
        if (sc->n_prims + c->n_ipc >= MAX_PRIMS)
            return fail_too_many_prims(c);
        SimPrimSpec spec;
        if ((rc = load_prim_spec(c, m, proc, false, &spec)) < 0)
            return rc;
        if ((rc = grow_array(c, (void **)&sc->prims, &c->cap_prims, sc->n_prims + 1, sizeof(*sc->prims))) < 0)
            return rc;
        if (!(spec.name = strdup(k)))
            return nomem(c);
        int idx = sc->n_prims++;
        sc->prims[idx] = spec;
        if (names_add(&c->names, OBJ_SCOPE(proc), spec.name, idx) < 0)
            return nomem(c);
        path_pop(c, mark);
    }
    return 0;
}

/* The "shared" object of declared process proc, at the current path. */
static int load_shared(Loader *c, const cJSON *v, int proc, size_t base_len)
{
    SimScenario *sc = c->sc;
    int rc;
    double n;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object naming shared variables with their initial values, e.g. "
                       "{\"count\": 0}, got %s", type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        if ((rc = check_object_name(c, OBJ_SCOPE(proc), k, "shared", base_len, proc)) < 0)
            return rc;
        size_t mark = path_push_key(c, k);
        if (sc->n_shared >= MAX_SHARED)
            return fail_limit(c, "more than %d shared variables; at most %d are supported", MAX_SHARED,
                              MAX_SHARED);
        if ((rc = get_integer(c, m, -MAX_SHARED_VALUE, MAX_SHARED_VALUE, &n)) < 0)
            return rc;
        rc = grow_array(c, (void **)&sc->shared, &c->cap_shared, sc->n_shared + 1, sizeof(*sc->shared));
        if (rc < 0)
            return rc;
        SimSharedSpec *ss = &sc->shared[sc->n_shared];
        if (!(ss->name = strdup(k)))
            return nomem(c);
        ss->process = proc;
        ss->initial = (int64_t)n;
        int idx = sc->n_shared++;
        if (names_add(&c->names, OBJ_SCOPE(proc), ss->name, SHARED_ENTRY(idx)) < 0)
            return nomem(c);
        path_pop(c, mark);
    }
    return 0;
}

/* Points each condition declared with a "lock" at that lock. The current
 * path is the process's "sync" object v. */
static int resolve_condition_locks(Loader *c, const cJSON *v, int proc)
{
    SimScenario *sc = c->sc;
    int idx = sc->procs[proc].first_prim;
    char q[64], q2[64];
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        SimPrimSpec *sp = &sc->prims[idx++];
        const cJSON *lv = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "lock") : NULL;
        if (sp->kind != SIM_PRIM_CONDITION || !lv)
            continue;
        size_t mark = path_push_key(c, k);
        path_push_key(c, "lock");
        const char *name;
        int rc = get_string(c, lv, "the name of a lock or rlock declared under \"sync\"", &name);
        if (rc < 0)
            return rc;
        quote(name, q, sizeof(q));
        int e = names_find(&c->names, OBJ_SCOPE(proc), name);
        if (e <= -2)
            return fail(c, "'%s' is a shared variable; a condition's lock must be a lock or rlock declared "
                           "under \"sync\"", q);
        if (e >= 0 && sc->prims[e].kind != SIM_PRIM_LOCK && sc->prims[e].kind != SIM_PRIM_RLOCK)
            return fail(c, "'%s' is %s %s; a condition's lock must be a lock or rlock", q,
                        PRIM_ARTICLES[sc->prims[e].kind], PRIM_NAMES[sc->prims[e].kind]);
        if (e < 0) {
            const char *best = NULL;
            int best_d = INT_MAX;
            NameList list = {"", 0, false};
            const SimProcessSpec *ps = &sc->procs[proc];
            for (int i = ps->first_prim; i < ps->first_prim + c->extra[proc].n_decl; i++) {
                if (sc->prims[i].kind != SIM_PRIM_LOCK && sc->prims[i].kind != SIM_PRIM_RLOCK)
                    continue;
                suggest_consider(name, sc->prims[i].name, &best, &best_d);
                list_add(&list, sc->prims[i].name);
            }
            quote(ps->name, q2, sizeof(q2));
            if (best)
                return fail(c, "no lock '%s' under \"sync\" of process '%s'; did you mean '%s'?", q, q2,
                            best);
            if (list.len)
                return fail(c, "no lock '%s' under \"sync\" of process '%s'; expected one of its locks and "
                               "rlocks: %s", q, q2, list.buf);
            return fail(c, "no lock '%s' under \"sync\" of process '%s'; none is declared; declare it there, "
                           "e.g. \"%s\": \"lock\", or leave \"lock\" out to give the condition its own RLock",
                        q, q2, q);
        }
        sp->lock = e;
        path_pop(c, mark);
    }
    return 0;
}

/* threading.Condition() makes its own RLock: one per condition declared
 * without a lock, after the process's declared objects. */
static int add_condition_locks(Loader *c, int proc)
{
    SimScenario *sc = c->sc;
    int first = sc->procs[proc].first_prim, end = sc->n_prims, rc;
    for (int i = first; i < end; i++) {
        if (sc->prims[i].kind != SIM_PRIM_CONDITION || sc->prims[i].lock >= 0)
            continue;
        if (sc->n_prims + c->n_ipc >= MAX_PRIMS)
            return fail_too_many_prims(c);
        if ((rc = grow_array(c, (void **)&sc->prims, &c->cap_prims, sc->n_prims + 1, sizeof(*sc->prims))) < 0)
            return rc;
        size_t len = strlen(sc->prims[i].name) + sizeof(".lock");
        char *name = malloc(len);
        if (!name)
            return nomem(c);
        snprintf(name, len, "%s.lock", sc->prims[i].name);
        int idx = sc->n_prims++;
        sc->prims[idx] = (SimPrimSpec){name, proc, SIM_PRIM_RLOCK, 0, -1, -1};
        sc->prims[i].lock = idx;
    }
    return 0;
}

/* "sync" and "shared" of declared process `index` (the current path is the
 * process object p): its objects, before any of its programs. */
static int load_process_objects(Loader *c, const cJSON *p, int index)
{
    SimScenario *sc = c->sc;
    const cJSON *sections[2] = {NULL, NULL};
    int n = 0, rc;
    for (const cJSON *m = p->child; m; m = m->next)
        if (m->string && (strcmp(m->string, "sync") == 0 || strcmp(m->string, "shared") == 0))
            sections[n++] = m; /* check_keys let each through once */
    sc->procs[index].first_prim = sc->n_prims;
    sc->procs[index].first_shared = sc->n_shared;
    size_t base = c->path_len;
    /* In document order, so a duplicate name is blamed on the later one. */
    for (int i = 0; i < n; i++) {
        bool sync = strcmp(sections[i]->string, "sync") == 0;
        size_t mark = path_push_key(c, sections[i]->string);
        rc = sync ? load_sync(c, sections[i], index, base) : load_shared(c, sections[i], index, base);
        if (rc < 0)
            return rc;
        path_pop(c, mark);
        if (sync)
            c->extra[index].n_decl = sc->n_prims - sc->procs[index].first_prim;
        else
            sc->procs[index].n_shared = sc->n_shared - sc->procs[index].first_shared;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(sections[i]->string, "sync") != 0)
            continue;
        size_t mark = path_push_key(c, "sync");
        if ((rc = resolve_condition_locks(c, sections[i], index)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((rc = add_condition_locks(c, index)) < 0)
        return rc;
    sc->procs[index].n_prims = sc->n_prims - sc->procs[index].first_prim;
    return 0;
}

/* The top-level "ipc" object at the current path. */
static int load_ipc(Loader *c, const cJSON *v)
{
    int rc;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object naming pipes and queues shared by every process, e.g. "
                       "{\"results\": \"mp_queue\"}, got %s", type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        if ((rc = check_object_name(c, IPC_SCOPE, k, "ipc", 0, -1)) < 0)
            return rc;
        size_t mark = path_push_key(c, k);
        if (c->n_ipc >= MAX_PRIMS)
            return fail_too_many_prims(c);
        SimPrimSpec spec;
        if ((rc = load_prim_spec(c, m, -1, true, &spec)) < 0)
            return rc;
        if ((rc = grow_array(c, (void **)&c->ipc, &c->cap_ipc, c->n_ipc + 1, sizeof(*c->ipc))) < 0)
            return rc;
        if (!(spec.name = strdup(k)))
            return nomem(c);
        int idx = c->n_ipc++;
        c->ipc[idx] = spec;
        if (names_add(&c->names, IPC_SCOPE, spec.name, idx) < 0)
            return nomem(c);
        path_pop(c, mark);
    }
    return 0;
}

/* ---- Names in operations ------------------------------------------------- */

/* An op names an object that is not there (the current path is the name):
 * says where it looked and what there is. `shared`: increment's lookup. */
static int fail_no_object(Loader *c, const Ctx *x, const char *name, bool shared, unsigned kinds)
{
    SimScenario *sc = c->sc;
    char q[64], q2[64], where[96], eg[32];
    const char *best = NULL;
    int best_d = INT_MAX;
    NameList list = {"", 0, false};
    int owner = x->proc >= 0 ? objects_owner(c, x->proc) : -1;
    const char *noun = shared ? "shared variable" : "object";

    quote(name, q, sizeof(q));
    if (owner < 0 && x->submitter >= 0) {
        int so = objects_owner(c, x->submitter);
        if (names_find(&c->names, OBJ_SCOPE(so), name) != -1)
            return fail(c, "'%s' belongs to process '%s', but a process pool's task runs in another process; "
                           "only \"ipc\" objects are shared with it",
                        q, quote(sc->procs[so].name, q2, sizeof(q2)));
    }
    if (owner >= 0) {
        const SimProcessSpec *ps = &sc->procs[owner];
        if (shared) {
            for (int i = ps->first_shared; i < ps->first_shared + ps->n_shared; i++) {
                suggest_consider(name, sc->shared[i].name, &best, &best_d);
                list_add(&list, sc->shared[i].name);
            }
        } else {
            for (int i = ps->first_prim; i < ps->first_prim + c->extra[owner].n_decl; i++) {
                suggest_consider(name, sc->prims[i].name, &best, &best_d);
                list_add(&list, sc->prims[i].name);
            }
        }
        snprintf(where, sizeof(where), "in process '%s'", quote(ps->name, q2, sizeof(q2)));
    } else {
        snprintf(where, sizeof(where), "in a process pool's task");
    }
    if (!shared) {
        for (int i = 0; i < c->n_ipc; i++) {
            suggest_consider(name, c->ipc[i].name, &best, &best_d);
            list_add(&list, c->ipc[i].name);
        }
    }
    if (best)
        return fail(c, "no %s '%s' %s; did you mean '%s'?", noun, q, where, best);
    if (list.len)
        return fail(c, "no %s '%s' %s; expected one of %s", noun, q, where, list.buf);
    if (owner < 0 && shared)
        return fail(c, "no shared variable '%s' in a process pool's task; it runs in another process, which "
                       "has none (share data through \"ipc\" pipes and mp_queues)", q);
    if (owner < 0)
        return fail(c, "no object '%s' in a process pool's task; it runs in another process and can use only "
                       "\"ipc\" objects (pipes and mp_queues), and none are declared", q);
    if (shared)
        return fail(c, "no shared variable '%s' %s; none are declared under \"shared\"; declare it there, "
                       "e.g. \"shared\": {\"%s\": 0}", q, where, q);
    int k = 0;
    while (k < SIM_PRIM_KIND_COUNT - 1 && !(kinds >> k & 1))
        k++;
    snprintf(eg, sizeof(eg), "%s", PRIM_NAMES[k]);
    return fail(c, "no object '%s' %s; none are declared under \"sync\"; declare it there, e.g. \"sync\": "
                   "{\"%s\": \"%s\"}", q, where, q, eg);
}

/*
 * The object an op names (v, at the current path): the thread's process's
 * "sync" first, then "ipc". *obj is an index into sc->prims, or IPC_OBJ(k)
 * for "ipc" object k; *kind its kind, which must be in `kinds`.
 */
static int resolve_prim(Loader *c, const Ctx *x, const cJSON *v, unsigned kinds, const char *op, int *obj,
                        int *kind)
{
    char need[160], what[200], q[64], hint[160] = "";
    const char *name;
    const SimPrimSpec *sp = NULL;
    int rc;

    kinds_phrase(kinds, need, sizeof(need));
    snprintf(what, sizeof(what), "the name of %s", need);
    if ((rc = get_string(c, v, what, &name)) < 0)
        return rc;
    if (!*name)
        return fail(c, "the name is empty; expected %s", what);
    quote(name, q, sizeof(q));
    if (x->proc >= 0) {
        int e = names_find(&c->names, OBJ_SCOPE(objects_owner(c, x->proc)), name);
        if (e <= -2)
            return fail(c, "'%s' is a shared variable; %s needs %s", q, op, need);
        if (e >= 0) {
            sp = &c->sc->prims[e];
            *obj = e;
        }
    }
    if (!sp) {
        int k = names_find(&c->names, IPC_SCOPE, name);
        if (k >= 0) {
            sp = &c->ipc[k];
            *obj = IPC_OBJ(k);
        }
    }
    if (!sp)
        return fail_no_object(c, x, name, false, kinds);
    if (!(kinds >> sp->kind & 1)) {
        if (sp->kind == SIM_PRIM_CONDITION && (kinds & KINDS_LOCK))
            snprintf(hint, sizeof(hint),
                     " (to hold a condition's lock, use {\"with\": \"%s\", \"do\": [...]})", q);
        return fail(c, "'%s' is %s %s; %s needs %s%s", q, PRIM_ARTICLES[sp->kind], PRIM_NAMES[sp->kind], op,
                    need, hint);
    }
    *kind = sp->kind;
    return 0;
}

/* The shared variable an increment names (v, at the current path). */
static int resolve_shared(Loader *c, const Ctx *x, const cJSON *v, int *obj)
{
    const char *name;
    const SimPrimSpec *sp = NULL;
    char q[64];
    int rc;
    if ((rc = get_string(c, v, "the name of a shared variable", &name)) < 0)
        return rc;
    if (!*name)
        return fail(c, "the name is empty; expected the name of a shared variable");
    quote(name, q, sizeof(q));
    if (x->proc >= 0) {
        int e = names_find(&c->names, OBJ_SCOPE(objects_owner(c, x->proc)), name);
        if (e <= -2) {
            *obj = SHARED_ENTRY(e); /* the encoding is its own inverse */
            return 0;
        }
        if (e >= 0)
            sp = &c->sc->prims[e];
    }
    if (!sp) {
        int k = names_find(&c->names, IPC_SCOPE, name);
        if (k >= 0)
            sp = &c->ipc[k];
    }
    if (sp)
        return fail(c, "'%s' is %s %s; increment needs a shared variable (declared under \"shared\")", q,
                    PRIM_ARTICLES[sp->kind], PRIM_NAMES[sp->kind]);
    return fail_no_object(c, x, name, true, 0);
}

/* ---- Programs ----------------------------------------------------------- */

static int compile_ops(Loader *c, const cJSON *arr, OpVec *vec, const Ctx *x, int depth);
static int compile_program(Loader *c, const cJSON *v, int thread);

/* Appends a zeroed op of `kind` to vec; *out points at it until the next push. */
static int op_push(Loader *c, OpVec *vec, int kind, SimOp **out)
{
    if (c->ops_made >= MAX_OPS)
        return fail_limit(c, "more than %u operations in all; at most %u are supported (a repeat "
                             "body counts once)", MAX_OPS, MAX_OPS);
    if (vec->n == vec->cap) {
        uint32_t cap = vec->cap ? vec->cap * 2 : 16;
        SimOp *v = realloc(vec->v, cap * sizeof(*v));
        if (!v)
            return nomem(c);
        vec->v = v;
        vec->cap = cap;
    }
    SimOp *op = &vec->v[vec->n++];
    memset(op, 0, sizeof(*op));
    op->kind = (uint8_t)kind;
    op->target = -1;
    op->obj = -1;
    op->timeout = -1; /* blocking ops wait for as long as it takes */
    c->ops_made++;
    *out = op;
    return 0;
}

/* Appends vec to sc->ops; *first is where it starts. */
static int ops_append(Loader *c, const OpVec *vec, uint32_t *first)
{
    SimScenario *sc = c->sc;
    if (sc->n_ops + vec->n > c->cap_ops) {
        uint32_t cap = c->cap_ops ? c->cap_ops : 64;
        while (cap < sc->n_ops + vec->n)
            cap *= 2;
        SimOp *ops = realloc(sc->ops, cap * sizeof(*ops));
        if (!ops)
            return nomem(c);
        sc->ops = ops;
        c->cap_ops = cap;
    }
    if (vec->n)
        memcpy(sc->ops + sc->n_ops, vec->v, vec->n * sizeof(*vec->v));
    *first = sc->n_ops;
    sc->n_ops += vec->n;
    return 0;
}

/* Adds the process and thread templates of an os.fork() child. */
static int add_fork_child(Loader *c, int parent_thread, int *child_proc, int *child_thread)
{
    SimScenario *sc = c->sc;
    int rc;
    if (sc->n_procs + c->synth_procs >= MAX_PROCS)
        return fail_limit(c, "more than %d processes (fork children and pool workers included); at most %d "
                             "are supported", MAX_PROCS, MAX_PROCS);
    if (sc->n_threads + c->synth_threads >= MAX_THREADS)
        return fail_limit(c, "more than %d threads (fork children and pool workers included); at most %d are "
                             "supported", MAX_THREADS, MAX_THREADS);
    if ((rc = grow_procs(c, sc->n_procs + 1)) < 0 || (rc = grow_threads(c, sc->n_threads + 1)) < 0)
        return rc;
    int p = sc->n_procs++, t = sc->n_threads++;
    int parent = sc->threads[parent_thread].process;
    SimProcessSpec *ps = &sc->procs[p];
    ps->start_method = SIM_START_OSFORK;
    ps->manual_start = true;
    ps->first_thread = t;
    ps->n_threads = 1;
    /* The child works on copies of the parent's objects, made at the fork. */
    ps->first_prim = sc->procs[parent].first_prim;
    ps->n_prims = sc->procs[parent].n_prims;
    ps->first_shared = sc->procs[parent].first_shared;
    ps->n_shared = sc->procs[parent].n_shared;
    c->extra[p].parent = parent;
    SimThreadSpec *ts = &sc->threads[t];
    ts->process = p;
    ts->name = strdup(sc->threads[parent_thread].name);
    if (!ts->name || names_add(&c->names, p, ts->name, t) < 0)
        return nomem(c);
    *child_proc = p;
    *child_thread = t;
    return 0;
}

static int compile_fork(Loader *c, const cJSON *f, int thread, int *target)
{
    size_t mark;
    int rc, p = 0, t = 0;
    const char *name = NULL;
    if (!cJSON_IsObject(f))
        return fail(c, "expected the child {\"name\": \"...\", \"program\": [...]}, got %s", type_name(f));
    if ((rc = check_keys(c, f, FORK_KEYS, COUNT(FORK_KEYS))) < 0)
        return rc;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(f, "program");
    if (!prog)
        return fail_missing(c, "program", "the child's operations, e.g. {\"program\": [{\"cpu\": \"1ms\"}]}");
    const cJSON *nv = enter(c, f, "name", &mark);
    if (nv) {
        rc = get_name(c, nv, &name);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    if ((rc = add_fork_child(c, thread, &p, &t)) < 0)
        return rc;
    if (name) {
        enter(c, f, "name", &mark);
        c->sc->procs[p].name = strdup(name);
        rc = c->sc->procs[p].name ? register_process_name(c, c->sc->procs[p].name, p) : nomem(c);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    } else if (!(c->extra[p].ptr = path_dup(c))) {
        return nomem(c);
    }
    *target = p;
    enter(c, f, "program", &mark);
    rc = compile_program(c, prog, t);
    path_pop(c, mark);
    return rc;
}

/* A pool's definition at the current path; records the pool and its worker
 * program (placed after the walk) and returns its index in *index. */
static int compile_pool(Loader *c, const cJSON *v, bool processes, const Ctx *x, int *index)
{
    SimScenario *sc = c->sc;
    SimPoolSpec ps;
    size_t mark;
    int rc, e;
    double n;
    char expected[160];
    const cJSON *f;
    const char *example = processes ? "{\"workers\": 4, \"tasks\": 100, \"task\": [{\"cpu\": \"2ms\"}]}"
                                    : "{\"workers\": 2, \"tasks\": 8, \"task\": [{\"io\": \"5ms\"}]}";

    if (!cJSON_IsObject(v))
        return fail(c, "expected a pool such as %s, got %s", example, type_name(v));
    if ((rc = processes ? check_keys(c, v, PROCESS_POOL_KEYS, COUNT(PROCESS_POOL_KEYS))
                        : check_keys(c, v, THREAD_POOL_KEYS, COUNT(THREAD_POOL_KEYS))) < 0)
        return rc;
    memset(&ps, 0, sizeof(ps));
    ps.processes = processes;
    ps.worker_thread = -1;
    ps.worker_process = -1;
    if (!(f = enter(c, v, "workers", &mark))) {
        snprintf(expected, sizeof(expected), "the number of worker %s, e.g. %s",
                 processes ? "processes" : "threads", example);
        return fail_missing(c, "workers", expected);
    }
    if ((rc = get_integer(c, f, 1, processes ? MAX_PROCS : MAX_THREADS, &n)) < 0)
        return rc;
    ps.workers = (int)n;
    path_pop(c, mark);
    if (!(f = enter(c, v, "tasks", &mark))) {
        snprintf(expected, sizeof(expected), "the number of items to run the task on, e.g. %s", example);
        return fail_missing(c, "tasks", expected);
    }
    if ((rc = get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
        return rc;
    ps.tasks = (uint32_t)n;
    path_pop(c, mark);
    if (processes) {
        if ((f = enter(c, v, "chunksize", &mark))) {
            if ((rc = get_integer(c, f, 1, MAX_COUNT, &n)) < 0)
                return rc;
            ps.chunksize = (uint32_t)n;
            path_pop(c, mark);
        }
        ps.start_method = c->default_method;
        if ((f = enter(c, v, "start_method", &mark))) {
            if ((rc = get_enum(c, f, METHOD_NAMES, COUNT(METHOD_NAMES), "a start method", &e)) < 0)
                return rc;
            ps.start_method = (uint8_t)e;
            path_pop(c, mark);
        }
    }
    if (!(f = enter(c, v, "task", &mark))) {
        snprintf(expected, sizeof(expected), "the operations run for each item, e.g. %s", example);
        return fail_missing(c, "task", expected);
    }
    if (!cJSON_IsArray(f))
        return fail(c, "expected an array of operations, got %s", type_name(f));
    if (sc->n_threads + c->synth_threads >= MAX_THREADS)
        return fail_limit(c, "more than %d threads (fork children and pool workers included); at most %d are "
                             "supported", MAX_THREADS, MAX_THREADS);
    if (processes && sc->n_procs + c->synth_procs >= MAX_PROCS)
        return fail_limit(c, "more than %d processes (fork children and pool workers included); at most %d "
                             "are supported", MAX_PROCS, MAX_PROCS);
    if ((rc = grow_array(c, (void **)&sc->pools, &c->cap_pools, sc->n_pools + 1, sizeof(*sc->pools))) < 0 ||
        (rc = grow_array(c, (void **)&c->pool_extra, &c->cap_pool_extra, sc->n_pools + 1,
                         sizeof(*c->pool_extra))) < 0)
        return rc;

    /* The worker's program: its loop op, then the task, whose names resolve
     * like the submitter's (a process pool's: only "ipc"). */
    int k = sc->n_pools;
    OpVec prog = {NULL, 0, 0};
    SimOp *op;
    Ctx tx = {-1, processes ? -1 : x->proc, x->proc, true};
    rc = op_push(c, &prog, SIM_OP_POOL, &op);
    if (rc == 0) {
        op->flags = SIM_OPF_POOL_WORKER;
        op->obj = k;
        rc = compile_ops(c, f, &prog, &tx, 0);
    }
    if (rc < 0) {
        free(prog.v);
        return rc;
    }
    prog.v[0].body_len = prog.n - 1;
    path_pop(c, mark);
    sc->pools[k] = ps;
    c->pool_extra[k] = (PoolExtra){prog, x->proc};
    sc->n_pools++;
    c->synth_threads++;
    c->synth_procs += processes;
    *index = k;
    return 0;
}

/* Reads the "timeout" modifier of op object o, if there; *out is kept otherwise. */
static int op_timeout(Loader *c, const cJSON *o, SimTime *out)
{
    size_t mark;
    const cJSON *v = enter(c, o, "timeout", &mark);
    if (!v)
        return 0;
    int rc = get_duration(c, v, DUR_NONNEG, out);
    if (rc == 0)
        path_pop(c, mark);
    return rc;
}

/* The synchronization ops and increment; the current path is the op object. */
static int compile_sync_op(Loader *c, const cJSON *o, const cJSON *key, const OpDef *def, OpVec *vec,
                           const Ctx *x, int depth)
{
    static const unsigned kinds_of[] = {
        [F_ACQUIRE] = KINDS_LOCK, [F_RELEASE] = KINDS_LOCK, [F_WITH] = KINDS_WITH,
        [F_WAIT] = KINDS_WAIT, [F_SET] = PK(SIM_PRIM_EVENT), [F_CLEAR] = PK(SIM_PRIM_EVENT),
        [F_NOTIFY] = PK(SIM_PRIM_CONDITION), [F_NOTIFY_ALL] = PK(SIM_PRIM_CONDITION),
        [F_PUT] = KINDS_QUEUE, [F_GET] = KINDS_QUEUE,
    };
    size_t mark = path_push_key(c, key->string);
    int obj = -1, kind = 0, rc;
    SimTime timeout = -1;
    SimOp *op;
    const cJSON *v;
    char q[64];

    if (def->family == F_INCREMENT)
        rc = resolve_shared(c, x, key, &obj);
    else
        rc = resolve_prim(c, x, key, kinds_of[def->family], key->string, &obj, &kind);
    if (rc < 0)
        return rc;
    path_pop(c, mark);
    if (find_name(def->mods, def->n_mods, "timeout") >= 0 && (rc = op_timeout(c, o, &timeout)) < 0)
        return rc;

    switch (def->family) {
    case F_ACQUIRE: {
        bool blocking = true;
        if ((v = enter(c, o, "blocking", &mark))) {
            if ((rc = get_bool(c, v, &blocking)) < 0)
                return rc;
            path_pop(c, mark);
        }
        if (!blocking && timeout >= 0) {
            enter(c, o, "timeout", &mark);
            return fail(c, "can't specify a timeout for a non-blocking call (CPython raises ValueError); "
                           "expected either \"timeout\" or \"blocking\": false");
        }
        if ((rc = op_push(c, vec, SIM_OP_ACQUIRE, &op)) < 0)
            return rc;
        op->obj = obj;
        op->timeout = timeout;
        if (!blocking)
            op->flags |= SIM_OPF_NONBLOCKING;
        return 0;
    }
    case F_WITH: {
        /* `with cv:` takes the condition's lock. */
        int lock = kind == SIM_PRIM_CONDITION ? c->sc->prims[obj].lock : obj;
        if (!(v = enter(c, o, "do", &mark)))
            return fail_missing(c, "do", "the operations to run while holding it, e.g. {\"with\": \"lock\", "
                                         "\"do\": [{\"cpu\": \"1ms\"}]}");
        if (!cJSON_IsArray(v))
            return fail(c, "expected an array of operations, got %s", type_name(v));
        if ((rc = op_push(c, vec, SIM_OP_ACQUIRE, &op)) < 0)
            return rc;
        op->obj = lock;
        if ((rc = compile_ops(c, v, vec, x, depth)) < 0)
            return rc;
        if ((rc = op_push(c, vec, SIM_OP_RELEASE, &op)) < 0)
            return rc;
        op->obj = lock;
        path_pop(c, mark);
        return 0;
    }
    case F_NOTIFY: {
        double n = 1;
        if ((v = enter(c, o, "n", &mark))) {
            if ((rc = get_integer(c, v, 1, MAX_COUNT, &n)) < 0)
                return rc;
            path_pop(c, mark);
        }
        if ((rc = op_push(c, vec, SIM_OP_NOTIFY, &op)) < 0)
            return rc;
        op->obj = obj;
        op->count = (uint32_t)n;
        return 0;
    }
    case F_PUT: {
        SimDist transfer = {SIM_DIST_FIXED, 0, 0};
        if ((v = enter(c, o, "transfer", &mark))) {
            if (kind != SIM_PRIM_PIPE && kind != SIM_PRIM_MP_QUEUE)
                return fail(c, "'%s' is %s %s; \"transfer\" is the time a payload takes through a pipe, so "
                               "it applies only to a pipe or mp_queue",
                            quote(c->sc->prims[obj].name, q, sizeof(q)), PRIM_ARTICLES[kind],
                            PRIM_NAMES[kind]);
            if ((rc = get_dist(c, v, &transfer)) < 0)
                return rc;
            path_pop(c, mark);
        }
        if ((rc = op_push(c, vec, SIM_OP_PUT, &op)) < 0)
            return rc;
        op->obj = obj;
        op->timeout = timeout;
        op->dur = transfer;
        return 0;
    }
    case F_INCREMENT: {
        bool call = false;
        if ((v = enter(c, o, "call_between", &mark))) {
            if ((rc = get_bool(c, v, &call)) < 0)
                return rc;
            path_pop(c, mark);
        }
        if ((rc = op_push(c, vec, SIM_OP_INCREMENT, &op)) < 0)
            return rc;
        op->obj = obj;
        if (call)
            op->flags |= SIM_OPF_CALL_BETWEEN;
        return 0;
    }
    default: /* release, wait, set, clear, notify_all, get */
        if ((rc = op_push(c, vec, def->kind, &op)) < 0)
            return rc;
        op->obj = obj;
        if (def->family == F_WAIT || def->family == F_GET)
            op->timeout = timeout;
        return 0; /* notify_all: count 0 */
    }
}

static const OpDef *find_op(const char *k)
{
    for (int i = 0; i < N_OPS; i++)
        if (strcmp(OPS[i].name, k) == 0)
            return &OPS[i];
    return NULL;
}

/* True if k may stand beside some operation. */
static bool is_modifier(const char *k)
{
    for (int i = 0; i < N_OPS; i++)
        if (find_name(OPS[i].mods, OPS[i].n_mods, k) >= 0)
            return true;
    return false;
}

static void op_names(char *buf, size_t size)
{
    const char *names[N_OPS];
    for (int i = 0; i < N_OPS; i++)
        names[i] = OPS[i].name;
    join_names(names, N_OPS, buf, size);
}

/* Compiles the op object at the current path into vec. */
static int compile_op(Loader *c, const cJSON *o, OpVec *vec, const Ctx *x, int depth)
{
    const cJSON *key = NULL, *unknown = NULL, *mod = NULL;
    const OpDef *def = NULL;
    char q[64], list[320];
    size_t mark;
    int rc;

    if (!cJSON_IsObject(o))
        return fail(c, "expected an operation such as {\"cpu\": \"1ms\"}, got %s", type_name(o));
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        const OpDef *d;
        if (ignored_key(k))
            continue;
        if ((d = find_op(k))) {
            if (key && strcmp(key->string, k) == 0)
                return fail_duplicate_key(c, k);
            if (key)
                return fail(c, "an operation has one kind, got both '%s' and '%s'; expected one "
                               "operation per object, e.g. [{\"cpu\": \"1ms\"}, {\"io\": \"2ms\"}]",
                            key->string, k);
            key = m;
            def = d;
        } else if (is_modifier(k)) {
            if (!mod)
                mod = m;
        } else if (!unknown) {
            unknown = m;
        }
    }
    if (!key && unknown) {
        /* Shown at the op object, located at the misspelt key. */
        const char *k = unknown->string ? unknown->string : "";
        const char *best = NULL;
        int best_d = INT_MAX;
        for (int i = 0; i < N_OPS; i++)
            suggest_consider(k, OPS[i].name, &best, &best_d);
        char *at = path_child(c, k);
        if (!at)
            return nomem(c);
        quote(k, q, sizeof(q));
        op_names(list, sizeof(list));
        if (best)
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, at, AT_KEY, 0,
                          "unknown operation '%s'; did you mean '%s'?", q, best);
        else
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, at, AT_KEY, 0,
                          "unknown operation '%s'; expected one of %s", q, list);
        free(at);
        return rc;
    }
    if (!key && mod) {
        const char *k = mod->string;
        if (strcmp(k, "do") == 0)
            return fail(c, "'do' without 'repeat' or 'with'; expected {\"repeat\": N, \"do\": [...]} or "
                           "{\"with\": LOCK, \"do\": [...]}");
        const char *names[N_OPS];
        int n = 0;
        for (int i = 0; i < N_OPS; i++)
            if (find_name(OPS[i].mods, OPS[i].n_mods, k) >= 0)
                names[n++] = OPS[i].name;
        join_names(names, n, list, sizeof(list));
        return fail(c, "'%s' without an operation; expected it beside one of %s", k, list);
    }
    if (!key) {
        op_names(list, sizeof(list));
        return fail(c, "empty operation; expected one of %s", list);
    }

    /* The keys allowed beside this operation. */
    const char *allowed[4];
    char in[64];
    allowed[0] = def->name;
    for (int i = 0; i < def->n_mods; i++)
        allowed[1 + i] = def->mods[i];
    snprintf(in, sizeof(in), "%s %s operation", article(def->name), def->name);
    if ((rc = check_only(c, o, allowed, 1 + def->n_mods, in)) < 0)
        return rc;
    if (x->task && (def->family == F_START || def->family == F_JOIN || def->family == F_FORK ||
                    def->family == F_THREAD_POOL || def->family == F_PROCESS_POOL)) {
        mark = path_push_key(c, key->string);
        return fail(c, "'%s' is not supported in a pool's task; expected the task's own work: cpu, c_call, "
                       "nogil, io, sleep, repeat, with and the synchronization operations", def->name);
    }
    if (def->family >= F_ACQUIRE && def->family <= F_INCREMENT)
        return compile_sync_op(c, o, key, def, vec, x, depth);

    SimTime timeout = -1;
    if (def->family == F_JOIN && (rc = op_timeout(c, o, &timeout)) < 0)
        return rc;
    const cJSON *do_item = cJSON_GetObjectItemCaseSensitive(o, "do");
    mark = path_push_key(c, key->string);
    switch (def->family) {
    case F_DUR: {
        SimDist d;
        if ((rc = get_dist(c, key, &d)) < 0)
            break;
        SimOp *op;
        if ((rc = op_push(c, vec, def->kind, &op)) < 0)
            break;
        op->dur = d;
        break;
    }
    case F_REPEAT: {
        double n;
        if ((rc = get_integer(c, key, 0, INT32_MAX, &n)) < 0)
            break;
        path_pop(c, mark);
        if (!do_item)
            return fail_missing(c, "do", "the operations to repeat, e.g. {\"repeat\": 10, \"do\": "
                                         "[{\"cpu\": \"1ms\"}]}");
        if (depth + 1 > MAX_REPEAT_DEPTH)
            return fail(c, "repeat nested %d levels deep; expected at most %d levels", depth + 1,
                        MAX_REPEAT_DEPTH);
        mark = path_push_key(c, "do");
        if (!cJSON_IsArray(do_item)) {
            rc = fail(c, "expected an array of operations, got %s", type_name(do_item));
            break;
        }
        SimOp *op;
        if ((rc = op_push(c, vec, SIM_OP_REPEAT, &op)) < 0)
            break;
        uint32_t at = vec->n - 1;
        vec->v[at].count = (uint32_t)n;
        if ((rc = compile_ops(c, do_item, vec, x, depth + 1)) < 0)
            break;
        vec->v[at].body_len = vec->n - at - 1;
        break;
    }
    case F_START:
    case F_JOIN: {
        const char *name;
        if ((rc = get_string(c, key, "the name of a thread or process", &name)) < 0)
            break;
        if (!*name) {
            rc = fail(c, "the name is empty; expected the name of a thread or process");
            break;
        }
        if (c->n_refs == c->cap_refs) {
            size_t cap = c->cap_refs ? c->cap_refs * 2 : 16;
            Ref *r = realloc(c->refs, cap * sizeof(*r));
            if (!r) {
                rc = nomem(c);
                break;
            }
            c->refs = r;
            c->cap_refs = cap;
        }
        SimOp *op;
        if ((rc = op_push(c, vec, def->kind, &op)) < 0)
            break;
        op->timeout = timeout;
        Ref *r = &c->refs[c->n_refs];
        r->thread = x->thread;
        r->op = vec->n - 1;
        r->name = name;
        r->ptr = path_dup(c);
        if (!r->ptr) {
            rc = nomem(c);
            break;
        }
        c->n_refs++;
        break;
    }
    case F_FORK: {
        int target = -1;
        /* The child's program is compiled (and appended) before the op is
         * pushed, so the op count check sees the child's ops first. */
        if ((rc = compile_fork(c, key, x->thread, &target)) < 0)
            break;
        SimOp *op;
        if ((rc = op_push(c, vec, SIM_OP_FORK, &op)) < 0)
            break;
        op->target = target;
        break;
    }
    case F_THREAD_POOL:
    case F_PROCESS_POOL: {
        int k = -1;
        if ((rc = compile_pool(c, key, def->family == F_PROCESS_POOL, x, &k)) < 0)
            break;
        SimOp *op;
        if ((rc = op_push(c, vec, SIM_OP_POOL, &op)) < 0)
            break;
        op->obj = k;
        break;
    }
    default:
        rc = 0;
        break;
    }
    path_pop(c, mark);
    return rc;
}

static int compile_ops(Loader *c, const cJSON *arr, OpVec *vec, const Ctx *x, int depth)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        size_t mark = path_push_index(c, i);
        int rc = compile_op(c, o, vec, x, depth);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Compiles the program at the current path and appends it to sc->ops as
 * the program of `thread`. */
static int compile_program(Loader *c, const cJSON *v, int thread)
{
    OpVec vec = {NULL, 0, 0};
    SimScenario *sc = c->sc;
    Ctx x = {thread, sc->threads[thread].process, -1, false};
    uint32_t first = 0;
    int rc;
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of operations, got %s", type_name(v));
    rc = compile_ops(c, v, &vec, &x, 0);
    if (rc == 0)
        rc = ops_append(c, &vec, &first);
    if (rc == 0) {
        sc->threads[thread].prog_first = first;
        sc->threads[thread].prog_len = vec.n;
    }
    free(vec.v);
    return rc;
}

/* ---- Pool workers and "ipc" objects, after the walk ---------------------- */

static const char *const POOL_PROCESS_NAMES[] = {"ForkPoolWorker", "SpawnPoolWorker", "ForkServerPoolWorker"};

/*
 * Each pool's worker template, behind every declared and fork-child one: a
 * thread pool's worker thread runs in the submitter's process; a process
 * pool's worker is a process whose one thread, "MainThread", runs the loop.
 */
static int make_pool_workers(Loader *c)
{
    SimScenario *sc = c->sc;
    int rc;
    for (int k = 0; k < sc->n_pools; k++) {
        SimPoolSpec *ps = &sc->pools[k];
        PoolExtra *pe = &c->pool_extra[k];
        if ((rc = grow_threads(c, sc->n_threads + 1)) < 0)
            return rc;
        int proc = pe->proc;
        if (ps->processes) {
            if ((rc = grow_procs(c, sc->n_procs + 1)) < 0)
                return rc;
            int m = ps->start_method < COUNT(POOL_PROCESS_NAMES) ? ps->start_method : 0;
            const char *base = POOL_PROCESS_NAMES[m];
            size_t len = strlen(base) + 24;
            char *name = malloc(len);
            if (!name)
                return nomem(c);
            snprintf(name, len, "%s", base);
            for (int i = 2; names_find(&c->names, -1, name) >= 0; i++)
                snprintf(name, len, "%s-%d", base, i);
            proc = sc->n_procs++;
            SimProcessSpec *pp = &sc->procs[proc];
            memset(pp, 0, sizeof(*pp));
            pp->name = name;
            pp->start_method = ps->start_method;
            pp->manual_start = true;
            pp->first_thread = sc->n_threads;
            pp->n_threads = 1;
            c->extra[proc].parent = -1;
            if (names_add(&c->names, -1, name, proc) < 0)
                return nomem(c);
            ps->worker_process = proc;
        }
        int t = sc->n_threads;
        SimThreadSpec *ts = &sc->threads[t];
        char tname[48];
        snprintf(tname, sizeof(tname), "ThreadPoolExecutor-%d", k);
        memset(ts, 0, sizeof(*ts));
        if (!(ts->name = strdup(ps->processes ? "MainThread" : tname)))
            return nomem(c);
        sc->n_threads++;
        ts->process = proc;
        ts->manual_start = !ps->processes;
        uint32_t first = 0;
        if ((rc = ops_append(c, &pe->prog, &first)) < 0)
            return rc;
        ts->prog_first = first;
        ts->prog_len = pe->prog.n;
        ps->worker_thread = t;
        ps->task_first = first + 1;
        ps->task_len = pe->prog.n - 1;
        free(pe->prog.v);
        pe->prog = (OpVec){NULL, 0, 0};
    }
    return 0;
}

/* Moves the "ipc" objects behind every process's and points the ops that
 * name them at their final indices. */
static int place_ipc(Loader *c)
{
    SimScenario *sc = c->sc;
    int base = sc->n_prims, rc;
    if (c->n_ipc == 0)
        return 0;
    if ((rc = grow_array(c, (void **)&sc->prims, &c->cap_prims, base + c->n_ipc, sizeof(*sc->prims))) < 0)
        return rc;
    memcpy(sc->prims + base, c->ipc, (size_t)c->n_ipc * sizeof(*c->ipc));
    sc->n_prims += c->n_ipc;
    c->n_ipc = 0; /* the names belong to sc now */
    for (uint32_t i = 0; i < sc->n_ops; i++) {
        SimOp *op = &sc->ops[i];
        if (op->kind >= SIM_OP_ACQUIRE && op->kind <= SIM_OP_GET && op->obj <= -2)
            op->obj = base + IPC_OBJ(op->obj); /* the encoding is its own inverse */
    }
    return 0;
}

/* ---- Processes and threads ---------------------------------------------- */

static int load_thread(Loader *c, const cJSON *t, int proc, int index)
{
    SimScenario *sc = c->sc;
    SimThreadSpec *ts = &sc->threads[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64], q2[64], first[320], fptr[64];

    if (!cJSON_IsObject(t))
        return fail(c, "expected a thread such as {\"name\": \"worker\", \"program\": [...]}, got %s",
                    type_name(t));
    if ((rc = check_keys(c, t, THREAD_KEYS, COUNT(THREAD_KEYS))) < 0)
        return rc;
    ts->process = proc;
    if (!(v = enter(c, t, "name", &mark)))
        return fail_missing(c, "name", "a string naming the thread");
    if ((rc = get_name(c, v, &name)) < 0)
        return rc;
    int prev = names_find(&c->names, proc, name);
    if (prev >= 0) {
        snprintf(fptr, sizeof(fptr), "/processes/%d/threads/%d/name", proc,
                 prev - sc->procs[proc].first_thread);
        locate(c, fptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate thread name '%s' in process '%s' (first at %s)",
                    quote(name, q, sizeof(q)), quote(sc->procs[proc].name, q2, sizeof(q2)), first);
    }
    if (!(ts->name = strdup(name)) || names_add(&c->names, proc, ts->name, index) < 0)
        return nomem(c);
    path_pop(c, mark);

    if ((v = enter(c, t, "daemon", &mark))) {
        if ((rc = get_bool(c, v, &ts->daemon)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, t, "start", &mark))) {
        if ((rc = get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ts->manual_start = mode == 1;
        path_pop(c, mark);
    }
    if ((v = enter(c, t, "interpreter", &mark))) {
        double k;
        if ((rc = get_integer(c, v, 0, 63, &k)) < 0)
            return rc;
        ts->interpreter = (int)k;
        path_pop(c, mark);
    }
    if (!(v = enter(c, t, "program", &mark)))
        return fail_missing(c, "program", "an array of operations (it may be empty)");
    if ((rc = compile_program(c, v, index)) < 0)
        return rc;
    path_pop(c, mark);
    return 0;
}

static int load_process(Loader *c, const cJSON *p, int index, int first_thread)
{
    SimScenario *sc = c->sc;
    SimProcessSpec *ps = &sc->procs[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64];

    c->extra[index].parent = -1;
    if (!cJSON_IsObject(p))
        return fail(c, "expected a process such as {\"name\": \"main\", \"threads\": [...]}, got %s",
                    type_name(p));
    if ((rc = check_keys(c, p, PROCESS_KEYS, COUNT(PROCESS_KEYS))) < 0)
        return rc;
    if (!(v = enter(c, p, "name", &mark)))
        return fail_missing(c, "name", "a string naming the process");
    if ((rc = get_name(c, v, &name)) < 0)
        return rc;
    if (!(ps->name = strdup(name)))
        return nomem(c);
    if ((rc = register_process_name(c, ps->name, index)) < 0)
        return rc;
    path_pop(c, mark);

    if ((v = enter(c, p, "start", &mark))) {
        if ((rc = get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ps->manual_start = mode == 1;
        path_pop(c, mark);
    }
    ps->start_method = c->default_method;
    if ((v = enter(c, p, "start_method", &mark))) {
        if ((rc = get_enum(c, v, METHOD_NAMES, COUNT(METHOD_NAMES), "a start method", &mode)) < 0)
            return rc;
        ps->start_method = (uint8_t)mode;
        path_pop(c, mark);
    }
    if (!ps->manual_start)
        ps->start_method = SIM_START_INITIAL;
    if ((rc = load_process_objects(c, p, index)) < 0)
        return rc;

    if (!(v = enter(c, p, "threads", &mark)))
        return fail_missing(c, "threads", "an array of threads");
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of threads, got %s", type_name(v));
    if (!v->child)
        return fail(c, "process '%s' has no threads; expected at least one thread",
                    quote(ps->name, q, sizeof(q)));
    ps->first_thread = first_thread;
    ps->n_threads = cJSON_GetArraySize(v);
    size_t j = 0;
    for (const cJSON *t = v->child; t; t = t->next, j++) {
        size_t m2 = path_push_index(c, j);
        if ((rc = load_thread(c, t, index, first_thread + (int)j)) < 0)
            return rc;
        path_pop(c, m2);
    }
    path_pop(c, mark);
    return 0;
}

static int load_processes(Loader *c, const cJSON *arr)
{
    SimScenario *sc = c->sc;
    int rc;
    if (!cJSON_IsArray(arr))
        return fail(c, "expected an array of processes, got %s", type_name(arr));
    if (!arr->child)
        return fail(c, "the array is empty; expected at least one process, e.g. "
                       "{\"name\": \"main\", \"threads\": [...]}");
    int np = cJSON_GetArraySize(arr);
    if (np > MAX_PROCS)
        return fail_limit(c, "%d processes; at most %d are supported", np, MAX_PROCS);
    /* Thread templates of declared processes come first and contiguous, so
     * their indices are fixed before any fork child is appended. */
    long nt = 0;
    for (const cJSON *p = arr->child; p; p = p->next) {
        const cJSON *t = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, "threads") : NULL;
        if (cJSON_IsArray(t))
            nt += cJSON_GetArraySize(t);
    }
    if (nt > MAX_THREADS)
        return fail_limit(c, "%ld threads in all; at most %d are supported", nt, MAX_THREADS);
    if ((rc = grow_procs(c, np)) < 0 || (rc = grow_threads(c, (int)nt)) < 0)
        return rc;
    sc->n_procs = np;
    sc->n_threads = (int)nt;
    c->n_decl_procs = np;

    int i = 0, first = 0;
    for (const cJSON *p = arr->child; p; p = p->next, i++) {
        size_t mark = path_push_index(c, (size_t)i);
        if ((rc = load_process(c, p, i, first)) < 0)
            return rc;
        first += sc->procs[i].n_threads;
        path_pop(c, mark);
    }
    return 0;
}

/* Default names of fork children: "<parent>-child", then "-2", "-3"... */
static int name_fork_children(Loader *c)
{
    SimScenario *sc = c->sc;
    for (int p = c->n_decl_procs; p < sc->n_procs; p++) {
        if (sc->procs[p].name)
            continue;
        const char *parent = sc->procs[c->extra[p].parent].name;
        size_t len = strlen(parent) + 32;
        char *name = malloc(len);
        if (!name)
            return nomem(c);
        snprintf(name, len, "%s-child", parent);
        for (int k = 2; names_find(&c->names, -1, name) >= 0; k++)
            snprintf(name, len, "%s-child-%d", parent, k);
        sc->procs[p].name = name;
        if (names_add(&c->names, -1, name, p) < 0)
            return nomem(c);
    }
    return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail_ref(Loader *c, const Ref *r, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail_loc(c, SIM_ERR_INVALID, r->ptr, r->ptr, AT_VALUE, 0, "%s", msg);
}

static int resolve_ref(Loader *c, const Ref *r)
{
    SimScenario *sc = c->sc;
    SimOp *op = &sc->ops[sc->threads[r->thread].prog_first + r->op];
    int p = sc->threads[r->thread].process;
    bool start = op->kind == SIM_OP_START;
    const char *verb = start ? "start" : "join";
    char q[64], q2[64], where[320];
    quote(r->name, q, sizeof(q));

    int u = names_find(&c->names, p, r->name);
    if (u >= 0) {
        if (u == r->thread)
            return fail_ref(c, r, "thread '%s' cannot %s itself; expected another thread or a process",
                            q, verb);
        if (start && !sc->threads[u].manual_start)
            return fail_ref(c, r, "thread '%s' starts with its process; declare it with "
                                  "\"start\": \"manual\" to start it here", q);
        op->target_kind = SIM_TARGET_THREAD;
        op->target = u;
        return 0;
    }
    int t = names_find(&c->names, -1, r->name);
    if (t < 0) {
        const char *best = NULL;
        int best_d = INT_MAX;
        const SimProcessSpec *ps = &sc->procs[p];
        for (int i = ps->first_thread; i < ps->first_thread + ps->n_threads; i++)
            suggest_consider(r->name, sc->threads[i].name, &best, &best_d);
        for (int i = 0; i < sc->n_procs; i++)
            suggest_consider(r->name, sc->procs[i].name, &best, &best_d);
        quote(sc->procs[p].name, q2, sizeof(q2));
        if (best)
            return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; did you mean '%s'?",
                            q, q2, q, best);
        return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; expected the name "
                              "of a thread of this process or of a process", q, q2, q);
    }
    if (t == p)
        return fail_ref(c, r, "a thread cannot %s its own process '%s'; expected another process or a "
                              "thread", verb, q);
    if (start && t >= c->n_decl_procs) {
        locate(c, c->extra[t].ptr, AT_VALUE, 0, true, where, sizeof(where));
        return fail_ref(c, r, "process '%s' is created by the fork at %s and cannot be started; "
                              "expected a process declared with \"start\": \"manual\"", q, where);
    }
    if (start && !sc->procs[t].manual_start)
        return fail_ref(c, r, "process '%s' starts with the run; declare it with \"start\": \"manual\" "
                              "to start it here", q);
    op->target_kind = SIM_TARGET_PROCESS;
    op->target = t;
    return 0;
}

/* ---- Configuration ------------------------------------------------------ */

/* "MAJOR.MINOR" for the supported versions: 2.0-2.7, 3.0-3.14. */
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

static int load_machine(Loader *c, const cJSON *m, SimConfig *cfg)
{
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    if (!cJSON_IsObject(m))
        return fail(c, "expected an object, got %s", type_name(m));
    if ((rc = check_keys(c, m, MACHINE_KEYS, COUNT(MACHINE_KEYS))) < 0)
        return rc;
    if ((v = enter(c, m, "cores", &mark))) {
        if ((rc = get_integer(c, v, 1, 1024, &n)) < 0)
            return rc;
        cfg->cores = (int)n;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "time_slice", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->time_slice)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "context_switch", &mark))) {
        if ((rc = get_duration(c, v, DUR_NONNEG, &cfg->ctx_switch)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "wake_latency", &mark))) {
        if ((rc = get_dist(c, v, &cfg->wake_latency)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "wakeup_policy", &mark))) {
        if ((rc = get_enum(c, v, WAKE_NAMES, COUNT(WAKE_NAMES), "a wakeup policy", &e)) < 0)
            return rc;
        cfg->wake_policy = (uint8_t)e;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "pipe_latency", &mark))) {
        if ((rc = get_duration(c, v, DUR_NONNEG, &cfg->pipe_latency)) < 0)
            return rc;
        path_pop(c, mark);
    }
    return 0;
}

static int load_python(Loader *c, const cJSON *py, SimConfig *cfg)
{
    static const struct {
        const char *key;
        size_t offset;
    } plain[] = {
        {"tick_cost", offsetof(SimConfig, tick_cost)},
        {"thread_start_cost", offsetof(SimConfig, thread_start_cost)},
        {"fork_cost", offsetof(SimConfig, fork_cost)},
        {"spawn_cost", offsetof(SimConfig, spawn_cost)},
        {"forkserver_cost", offsetof(SimConfig, forkserver_cost)},
        {"ipc_cost", offsetof(SimConfig, ipc_cost)},
        {"pickle_cost", offsetof(SimConfig, pickle_cost)},
        {"increment_cost", offsetof(SimConfig, increment_cost)},
        {"call_cost", offsetof(SimConfig, call_cost)},
        {"pool_submit_cost", offsetof(SimConfig, pool_submit_cost)},
        {"old_signal_cost", offsetof(SimConfig, old_signal_cost)},
        {"old_contention_cost", offsetof(SimConfig, old_contention_cost)},
        {"interp_start_cost", offsetof(SimConfig, interp_start_cost)},
    };
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    char q[64];

    if (py) {
        if (!cJSON_IsObject(py))
            return fail(c, "expected an object, got %s", type_name(py));
        if ((rc = check_keys(c, py, PYTHON_KEYS, COUNT(PYTHON_KEYS))) < 0)
            return rc;
        if ((v = enter(c, py, "version", &mark))) {
            const char *text = override_text(c, v);
            if (!text && cJSON_IsNumber(v))
                return fail(c, "expected a string such as \"3.12\", got a number; quote the version "
                               "(as a number, 3.10 would be 3.1)");
            if (!text && (!cJSON_IsString(v) || !v->valuestring))
                return fail(c, "expected a string such as \"3.12\", got %s", type_name(v));
            if (!text)
                text = v->valuestring;
            if (!parse_version(text, &cfg->py_major, &cfg->py_minor))
                return fail(c, "'%s' is not a supported Python version; expected \"2.0\" to \"2.7\" or "
                               "\"3.0\" to \"3.14\"", quote(text, q, sizeof(q)));
            path_pop(c, mark);
        }
    }
    /* Version-dependent defaults, before the explicit values below. */
    int ver = cfg->py_major * 100 + cfg->py_minor;
    cfg->gil = ver < 302 ? SIM_GIL_OLD : SIM_GIL_NEW;
    cfg->check_point_gap = ver <= 309 ? 30 : 100;
    c->default_method = ver >= 314 ? SIM_START_FORKSERVER : SIM_START_FORK;
    if (!py)
        return 0;

    if ((v = enter(c, py, "gil", &mark))) {
        if ((rc = get_enum(c, v, GIL_NAMES, COUNT(GIL_NAMES), "a GIL policy", &e)) < 0)
            return rc;
        if (e == SIM_GIL_PER_INTERP && ver < 312)
            return fail(c, "per-interpreter GILs arrived in Python 3.12 (PEP 684); set python.version "
                           "to \"3.12\" or later");
        cfg->gil = (uint8_t)e;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "switch_interval", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->switch_interval)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "check_point_gap", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->check_point_gap)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "check_interval", &mark))) {
        if ((rc = get_integer(c, v, 1, INT_MAX, &n)) < 0)
            return rc;
        cfg->check_interval = (int)n;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "ft_overhead", &mark))) {
        char num[48];
        if (!cJSON_IsNumber(v))
            return fail(c, "expected a number from 1 to 1000, got %s", type_name(v));
        if (!isfinite(v->valuedouble) || v->valuedouble < 1.0 || v->valuedouble > 1000.0) {
            raw_number(c, v, num, sizeof(num));
            return fail(c, "%s is out of range; expected a number from 1 to 1000", num);
        }
        cfg->ft_overhead = v->valuedouble;
        path_pop(c, mark);
    }
    for (int i = 0; i < COUNT(plain); i++) {
        if ((v = enter(c, py, plain[i].key, &mark))) {
            int rule = strcmp(plain[i].key, "tick_cost") == 0 ? DUR_POSITIVE : DUR_NONNEG;
            if ((rc = get_duration(c, v, rule, (SimTime *)((char *)cfg + plain[i].offset))) < 0)
                return rc;
            path_pop(c, mark);
        }
    }
    return 0;
}

/* ---- Overrides ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail_override(Loader *c, const Override *o, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (c->oom)
        return nomem(c);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_error_set(c->err, SIM_ERR_INVALID, "--set %s: %s: %s", o->raw,
                         c->path[0] ? c->path : "/", msg);
}

static bool parse_index_seg(const char *s, int *out)
{
    size_t l = strlen(s);
    if (l == 0 || l > 9 || strspn(s, "0123456789") != l || (l > 1 && s[0] == '0'))
        return false;
    *out = atoi(s);
    return true;
}

/* The override value: JSON if it is valid JSON, else the text as a string. */
static cJSON *override_value(const char *value)
{
    size_t off;
    char why[8];
    if (jsonloc_check(value, strlen(value), &off, why, sizeof(why)) == 0)
        return cJSON_ParseWithOpts(value, NULL, 1); /* NULL: out of memory */
    return cJSON_CreateString(value);
}

static int apply_override(Loader *c, cJSON *root, Override *o)
{
    const char *raw = o->raw;
    const char *eq = strchr(raw, '=');
    size_t klen = eq ? (size_t)(eq - raw) : 0;
    bool bad = klen == 0 || raw[0] == '.' || raw[klen - 1] == '.';
    for (size_t i = 0; !bad && i + 1 < klen; i++)
        bad = raw[i] == '.' && raw[i + 1] == '.';
    int rc = 0;
    path_pop(c, 0);
    if (bad)
        return sim_error_set(c->err, SIM_ERR_INVALID,
                             "--set %s: expected KEY=VALUE, e.g. python.switch_interval=1ms", raw);
    o->value = eq + 1;
    char *key = strndup(raw, (size_t)(eq - raw));
    if (!key)
        return nomem(c);
    cJSON *node = root;
    char *seg = key;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        bool last = !dot;
        cJSON *child;
        if (cJSON_IsObject(node)) {
            child = cJSON_GetObjectItemCaseSensitive(node, seg);
            path_push_key(c, seg);
            if (last) {
                cJSON *nv = override_value(o->value);
                bool ok = nv && (child ? cJSON_ReplaceItemInObjectCaseSensitive(node, seg, nv)
                                       : cJSON_AddItemToObject(node, seg, nv));
                if (!ok)
                    cJSON_Delete(nv);
                /* cJSON replaces even when it could not copy the key. */
                if (!ok || !nv->string)
                    rc = nomem(c);
                break;
            }
            if (!child && !(child = cJSON_AddObjectToObject(node, seg))) {
                rc = nomem(c);
                break;
            }
        } else if (cJSON_IsArray(node)) {
            int idx, size = cJSON_GetArraySize(node);
            char q[64];
            if (!parse_index_seg(seg, &idx)) {
                rc = fail_override(c, o, "expected an array index, got '%s'", quote(seg, q, sizeof(q)));
                break;
            }
            if (idx >= size) {
                if (size == 0)
                    rc = fail_override(c, o, "index %d is out of range; the array is empty", idx);
                else
                    rc = fail_override(c, o, "index %d is out of range; expected 0 to %d", idx, size - 1);
                break;
            }
            path_push_index(c, (size_t)idx);
            if (last) {
                cJSON *nv = override_value(o->value);
                if (!nv || !cJSON_ReplaceItemInArray(node, idx, nv)) {
                    cJSON_Delete(nv);
                    rc = nomem(c);
                }
                break;
            }
            child = cJSON_GetArrayItem(node, idx);
        } else {
            char q[64];
            rc = fail_override(c, o, "expected an object to set '%s' in, got %s", quote(seg, q, sizeof(q)),
                               type_name(node));
            break;
        }
        node = child;
        seg = dot + 1;
    }
    free(key);
    if (rc == 0 && !(o->ptr = path_dup(c)))
        rc = nomem(c);
    path_pop(c, 0);
    return rc;
}

static int apply_overrides(Loader *c, cJSON *root, const char *const *overrides, int n)
{
    if (n <= 0 || !overrides)
        return 0;
    c->ov = calloc((size_t)n, sizeof(*c->ov));
    if (!c->ov)
        return nomem(c);
    for (int k = 0; k < n; k++) {
        c->ov[k].raw = overrides[k] ? overrides[k] : "";
        c->n_ov = k + 1;
        int rc = apply_override(c, root, &c->ov[k]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- The scenario ------------------------------------------------------- */

/* "view": {"range": "A..B"}: what the viewer and render show first. */
static int load_view(Loader *c, const cJSON *v, SimScenario *sc)
{
    size_t mark;
    int rc;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object such as {\"range\": \"0ms..40ms\"}, got %s", type_name(v));
    if ((rc = check_keys(c, v, VIEW_KEYS, COUNT(VIEW_KEYS))) < 0)
        return rc;
    const cJSON *r = enter(c, v, "range", &mark);
    if (!r)
        return 0;
    const char *text;
    if ((rc = get_string(c, r, "a range such as \"0ms..40ms\"", &text)) < 0)
        return rc;
    const char *dots = strstr(text, "..");
    char a[64], b[64], q[64];
    SimTime t0, t1;
    if (!dots || (size_t)(dots - text) >= sizeof(a) || strlen(dots + 2) >= sizeof(b))
        return fail(c, "'%s' is not a range; expected START..END, e.g. \"0ms..40ms\"", quote(text, q, sizeof(q)));
    memcpy(a, text, (size_t)(dots - text));
    a[dots - text] = '\0';
    strcpy(b, dots + 2);
    if (sim_duration_parse(a, &t0) != SIM_OK || sim_duration_parse(b, &t1) != SIM_OK || t1 <= t0)
        return fail(c, "'%s' is not a range; expected START..END with durations and START < END, e.g. "
                       "\"0ms..40ms\"", quote(text, q, sizeof(q)));
    sc->view_t0 = t0;
    sc->view_t1 = t1;
    path_pop(c, mark);
    return 0;
}

static int load_root(Loader *c, const cJSON *root)
{
    SimScenario *sc = c->sc;
    size_t mark;
    int rc;
    const cJSON *v;
    const char *s;

    if ((rc = check_keys(c, root, ROOT_KEYS, COUNT(ROOT_KEYS))) < 0)
        return rc;
    if ((v = enter(c, root, "schema_version", &mark))) {
        if (!cJSON_IsNumber(v))
            return fail(c, "expected the integer 1, got %s", type_name(v));
        if (v->valuedouble != 1.0) {
            char num[48];
            raw_number(c, v, num, sizeof(num));
            return fail(c, "schema version %s is not supported; expected 1", num);
        }
        path_pop(c, mark);
    }
    if (!(v = enter(c, root, "name", &mark)))
        return fail_missing(c, "name", "a string naming the scenario");
    if ((rc = get_name(c, v, &s)) < 0)
        return rc;
    if (!(sc->name = strdup(s)))
        return nomem(c);
    path_pop(c, mark);
    if ((v = enter(c, root, "description", &mark))) {
        if ((rc = get_string(c, v, "a string", &s)) < 0)
            return rc;
        path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->description = strdup(s)))
        return nomem(c);
    if ((v = enter(c, root, "lesson", &mark))) {
        if ((rc = get_string(c, v, "a string", &s)) < 0)
            return rc;
        path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->lesson = strdup(s)))
        return nomem(c);
    if ((v = enter(c, root, "view", &mark))) {
        if ((rc = load_view(c, v, sc)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, root, "seed", &mark))) {
        if ((rc = get_seed(c, v, &sc->cfg.seed)) < 0)
            return rc;
        path_pop(c, mark);
    }

    v = enter(c, root, "python", &mark);
    rc = load_python(c, v, &sc->cfg);
    if (rc < 0)
        return rc;
    if (v)
        path_pop(c, mark);
    /* CPython keeps the interval in whole microseconds, at least 1. */
    sc->cfg.switch_interval = sc->cfg.switch_interval / NS_PER_US * NS_PER_US;
    if (sc->cfg.switch_interval < NS_PER_US)
        sc->cfg.switch_interval = NS_PER_US;

    if ((v = enter(c, root, "machine", &mark))) {
        if ((rc = load_machine(c, v, &sc->cfg)) < 0)
            return rc;
        path_pop(c, mark);
    }
    /* Before the processes: their programs may name these objects. */
    if ((v = enter(c, root, "ipc", &mark))) {
        if ((rc = load_ipc(c, v)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if (!(v = enter(c, root, "processes", &mark)))
        return fail_missing(c, "processes", "an array of processes, e.g. [{\"name\": \"main\", "
                                            "\"threads\": [...]}]");
    if ((rc = load_processes(c, v)) < 0)
        return rc;
    path_pop(c, mark);

    if ((rc = name_fork_children(c)) < 0)
        return rc;
    for (size_t i = 0; i < c->n_refs; i++)
        if ((rc = resolve_ref(c, &c->refs[i])) < 0)
            return rc;
    /* After the references: pool workers cannot be started or joined by name. */
    if ((rc = make_pool_workers(c)) < 0 || (rc = place_ipc(c)) < 0)
        return rc;
    return c->oom ? nomem(c) : 0;
}

/* A parse error at byte off of the text. */
static int fail_parse(Loader *c, size_t off, const char *why)
{
    int line, col;
    jsonloc_linecol(c->text, c->len, off, &line, &col);
    return sim_error_set(c->err, SIM_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", c->source, line, col, why);
}

static void loader_fini(Loader *c)
{
    for (int k = 0; k < c->n_ov; k++)
        free(c->ov[k].ptr);
    free(c->ov);
    for (size_t i = 0; i < c->n_refs; i++)
        free(c->refs[i].ptr);
    free(c->refs);
    for (int p = 0; p < c->cap_procs; p++)
        free(c->extra[p].ptr);
    free(c->extra);
    for (int i = 0; i < c->n_ipc; i++)
        free(c->ipc[i].name);
    free(c->ipc);
    for (int k = 0; k < c->cap_pool_extra; k++)
        free(c->pool_extra[k].prog.v);
    free(c->pool_extra);
    free(c->names.slots);
    free(c->path);
}

int sim_scenario_load_text(const char *name, const char *text, size_t len,
                           const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    Loader c;
    cJSON *root = NULL;
    char *copy = NULL;
    int rc;

    if (!out)
        return sim_error_set(err, SIM_ERR_INVALID, "sim_scenario_load_text: no result pointer");
    *out = NULL;
    if (!name)
        name = "(scenario)";
    if (!text)
        len = 0;
    memset(&c, 0, sizeof(c));
    c.source = name;
    c.err = err;
    c.sc = calloc(1, sizeof(*c.sc));
    copy = malloc(len + 1);
    if (!c.sc || !copy || !path_reserve(&c, 0)) {
        rc = nomem(&c);
        goto out;
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    c.text = copy;
    c.len = len;
    c.path[0] = '\0';
    c.sc->hash = sim_fnv1a(copy, len);
    sim_config_defaults(&c.sc->cfg);
    if (!(c.sc->source = strdup(name))) {
        rc = nomem(&c);
        goto out;
    }

    size_t off;
    char why[200];
    if (jsonloc_check(copy, len, &off, why, sizeof(why)) < 0) {
        rc = fail_parse(&c, off, why);
        goto out;
    }
    const char *start = copy, *end = NULL;
    if (len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0)
        start += 3;
    root = cJSON_ParseWithOpts(start, &end, 1);
    if (!root) {
        /* Valid JSON that cJSON still refuses: a number cJSON cannot read
         * in one piece (it stops at 63 characters), else out of memory. */
        bool long_number = end && end > start && end < copy + len && strchr("0123456789", *end) &&
                           strchr("0123456789.eE+-", end[-1]);
        rc = long_number ? fail_parse(&c, (size_t)(end - copy), "number too long; expected at most 63 "
                                                                  "characters")
                         : nomem(&c);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = fail(&c, "expected an object (the scenario), got %s", type_name(root));
        goto out;
    }
    if ((rc = apply_overrides(&c, root, overrides, n_overrides)) < 0)
        goto out;
    rc = load_root(&c, root);
out:
    cJSON_Delete(root);
    loader_fini(&c);
    free(copy);
    if (rc < 0) {
        sim_scenario_destroy(c.sc);
        return rc;
    }
    *out = c.sc;
    return SIM_OK;
}

int sim_scenario_load_file(const char *path, const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    if (out)
        *out = NULL;
    if (!path)
        return sim_error_set(err, SIM_ERR_IO, "(null): cannot read: no path given");
    FILE *f = fopen(path, "rb");
    if (!f)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int rc = SIM_OK;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int e = errno;
                rc = sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(e ? e : EIO));
            }
            break;
        }
        if (cap >= MAX_FILE_BYTES) {
            rc = sim_error_set(err, SIM_ERR_LIMIT, "%s: the file is larger than %u MiB; expected a "
                                                   "scenario of reasonable size", path, MAX_FILE_BYTES >> 20);
            break;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return sim_error_set(err, SIM_ERR_NOMEM, "%s: out of memory", path);
    if (rc == SIM_OK)
        rc = sim_scenario_load_text(path, buf, n, overrides, n_overrides, out, err);
    free(buf);
    return rc;
}

void sim_scenario_destroy(SimScenario *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->n_procs; i++)
        free(sc->procs[i].name);
    for (int i = 0; i < sc->n_threads; i++)
        free(sc->threads[i].name);
    for (int i = 0; i < sc->n_prims; i++)
        free(sc->prims[i].name);
    for (int i = 0; i < sc->n_shared; i++)
        free(sc->shared[i].name);
    free(sc->procs);
    free(sc->threads);
    free(sc->ops);
    free(sc->prims);
    free(sc->shared);
    free(sc->pools);
    free(sc->name);
    free(sc->description);
    free(sc->lesson);
    free(sc->source);
    free(sc);
}

const char *sim_scenario_name(const SimScenario *sc)
{
    return sc->name ? sc->name : "";
}

const char *sim_scenario_description(const SimScenario *sc)
{
    return sc->description ? sc->description : "";
}

const char *sim_scenario_lesson(const SimScenario *sc)
{
    return sc->lesson ? sc->lesson : "";
}

uint64_t sim_scenario_seed(const SimScenario *sc)
{
    return sc->cfg.seed;
}

bool sim_scenario_view_range(const SimScenario *sc, SimTime *t0, SimTime *t1)
{
    if (!sc || sc->view_t1 <= 0)
        return false;
    *t0 = sc->view_t0;
    *t1 = sc->view_t1;
    return true;
}

uint64_t sim_scenario_hash(const SimScenario *sc)
{
    return sc->hash;
}

/* ---- Explaining the configuration --------------------------------------- */

typedef struct Out {
    char buf[4096];
    size_t len;
} Out;

__attribute__((format(printf, 2, 3)))
static void out_add(Out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->len >= sizeof(o->buf))
        return;
    va_start(ap, fmt);
    int l = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
    va_end(ap);
    if (l > 0)
        o->len += (size_t)l;
}

static void out_duration(Out *o, const char *key, SimTime t, bool last)
{
    char d[48];
    fmt_duration(t, d, sizeof(d));
    out_add(o, "    \"%s\": \"%s\"%s\n", key, d, last ? "" : ",");
}

char *sim_scenario_explain_config(const SimScenario *sc)
{
    const SimConfig *cfg = &sc->cfg;
    Out *o = malloc(sizeof(*o));
    char a[48], b[48], num[48];
    if (!o)
        return NULL;
    o->len = 0;
    out_add(o, "{\n  \"seed\": %llu,\n  \"machine\": {\n", (unsigned long long)cfg->seed);
    out_add(o, "    \"cores\": %d,\n", cfg->cores);
    out_duration(o, "time_slice", cfg->time_slice, false);
    out_duration(o, "context_switch", cfg->ctx_switch, false);
    fmt_duration(cfg->wake_latency.a, a, sizeof(a));
    fmt_duration(cfg->wake_latency.b, b, sizeof(b));
    if (cfg->wake_latency.kind == SIM_DIST_UNIFORM)
        out_add(o, "    \"wake_latency\": {\"uniform\": [\"%s\", \"%s\"]},\n", a, b);
    else if (cfg->wake_latency.kind == SIM_DIST_EXP)
        out_add(o, "    \"wake_latency\": {\"exp\": \"%s\"},\n", a);
    else
        out_add(o, "    \"wake_latency\": \"%s\",\n", a);
    out_add(o, "    \"wakeup_policy\": \"%s\",\n",
            cfg->wake_policy < COUNT(WAKE_NAMES) ? WAKE_NAMES[cfg->wake_policy] : "random");
    out_duration(o, "pipe_latency", cfg->pipe_latency, true);
    out_add(o, "  },\n  \"python\": {\n");
    out_add(o, "    \"version\": \"%d.%d\",\n", cfg->py_major, cfg->py_minor);
    out_add(o, "    \"gil\": \"%s\",\n", cfg->gil < SIM_GIL_POLICY_COUNT ? GIL_NAMES[cfg->gil] : "new");
    out_duration(o, "switch_interval", cfg->switch_interval, false);
    out_duration(o, "check_point_gap", cfg->check_point_gap, false);
    out_add(o, "    \"check_interval\": %d,\n", cfg->check_interval);
    out_duration(o, "tick_cost", cfg->tick_cost, false);
    fmt_double(cfg->ft_overhead, num, sizeof(num));
    out_add(o, "    \"ft_overhead\": %s,\n", num);
    out_duration(o, "thread_start_cost", cfg->thread_start_cost, false);
    out_duration(o, "fork_cost", cfg->fork_cost, false);
    out_duration(o, "spawn_cost", cfg->spawn_cost, false);
    out_duration(o, "forkserver_cost", cfg->forkserver_cost, false);
    out_duration(o, "ipc_cost", cfg->ipc_cost, false);
    out_duration(o, "pickle_cost", cfg->pickle_cost, false);
    out_duration(o, "increment_cost", cfg->increment_cost, false);
    out_duration(o, "call_cost", cfg->call_cost, false);
    out_duration(o, "pool_submit_cost", cfg->pool_submit_cost, false);
    out_duration(o, "old_signal_cost", cfg->old_signal_cost, false);
    out_duration(o, "old_contention_cost", cfg->old_contention_cost, false);
    out_duration(o, "interp_start_cost", cfg->interp_start_cost, true);
    out_add(o, "  }\n}\n");
    char *s = strdup(o->buf);
    free(o);
    return s;
}
