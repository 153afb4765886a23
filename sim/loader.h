/*
 * loader.h - what the files of the scenario loader share: the Loader state
 * and its functions, in the manner of a module's private header.
 *
 * The loader is scenario.c (the top), jsonwalk.c (pointer, locations,
 * errors, scalar values), config.c (the parameter table), objects.c
 * (declared objects), names.c (the name table and lookups), compile.c
 * (programs), spawn.c (fork children, pools, managers' servers), link.c
 * (start/join targets and warnings, after the walk) and overrides.c
 * (--set). They
 * alone include cJSON.h, through this header; the rest of sim/ sees only
 * the finished SimScenario. Functions shared between them are prefixed
 * ld_; everything else stays static in its file.
 *
 * Convention of every ld_ function that takes a Loader and returns int:
 * 0 on success; on failure a negative SIM_ERR_* with c->err filled in, the
 * loader's pointer left at the offending value. A caller returns the code
 * as it is; the load ends there.
 */
#ifndef GILSIM_LOADER_H
#define GILSIM_LOADER_H

#include <cJSON.h>

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
#define MAX_DURATION_NS 9.2e18 /* what sim_duration_parse accepts; ~292 years */

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Kinds an operation accepts, as bit masks over SimPrimKind. */
#define PK(k) (1u << (k))
#define KINDS_LOCK (PK(SIM_PRIM_LOCK) | PK(SIM_PRIM_RLOCK) | PK(SIM_PRIM_SEMAPHORE) | \
                    PK(SIM_PRIM_BOUNDED_SEMAPHORE))
#define KINDS_WITH (KINDS_LOCK | PK(SIM_PRIM_CONDITION))
#define KINDS_WAIT (PK(SIM_PRIM_EVENT) | PK(SIM_PRIM_CONDITION) | PK(SIM_PRIM_BARRIER))
#define KINDS_QUEUE (PK(SIM_PRIM_QUEUE) | PK(SIM_PRIM_PIPE) | PK(SIM_PRIM_MP_QUEUE))
/* What "ipc" may hold: what crosses processes (multiprocessing's locks and
 * events are kernel semaphores in shared memory). */
#define KINDS_IPC (PK(SIM_PRIM_PIPE) | PK(SIM_PRIM_MP_QUEUE) | PK(SIM_PRIM_MANAGER) | KINDS_LOCK | \
                   PK(SIM_PRIM_EVENT))
#define KINDS_POLL (KINDS_LOCK | PK(SIM_PRIM_EVENT) | KINDS_QUEUE)

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
    ProcExtra *extra;    /* [cap_extra], one per process template */
    int cap_extra;
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
    size_t op_at;        /* length of the path of the operation object being compiled */
    uint32_t want_src;   /* sim_scenario_op_where: the op whose pointer to keep, or UINT32_MAX */
    char *want_ptr;      /* ... its operation object's pointer once made; owned */
} Loader;

/* ---- jsonwalk.c: text helpers ------------------------------------------- */

/* Copies user text for a one-line message into buf (n >= 8): at most ~48
 * bytes, cut at a UTF-8 boundary with "...", control characters as '?'. */
const char *ld_quote(const char *s, char *buf, size_t n);
/* Shortest text that reads back as the same double. */
void ld_fmt_double(double d, char *buf, size_t n);
/* "a number", "a string", ... for "got %s" in messages. */
const char *ld_type_name(const cJSON *v);
/* Keys starting with '$' or '_' are comments, ignored everywhere. */
bool ld_ignored_key(const char *k);
/* Index of s in names[0, n), or -1. */
int ld_find_name(const char *const *names, int n, const char *s);
/* Keeps in *best the closest plausible candidate for a misspelt word
 * (start with *best = NULL, *best_d = INT_MAX). */
void ld_suggest_consider(const char *word, const char *cand, const char **best, int *best_d);
/* The closest plausible name for a misspelt word, or NULL. */
const char *ld_suggest(const char *word, const char *const *names, int n);
/*
 * names[0, n) as a list for a message, into buf (cut when full): each name
 * between quote marks q ("" or "\""), ", " between them but `last` before
 * the last one, or `last2` when there are only two: ("", ", ", ", ") gives
 * a, b, c; ("\"", " or ", ", or ") gives "a" or "b" and "a", "b", or "c".
 */
void ld_join_names(const char *const *names, int n, const char *q, const char *last2, const char *last,
                   char *buf, size_t size);

/* ---- jsonwalk.c: the JSON pointer of the current value ------------------ */

/* Room for extra more bytes of path; false (and c->oom) if out of memory. */
bool ld_path_reserve(Loader *c, size_t extra);
/* Appends "/key" (RFC 6901 escaped) or "/i"; returns the length to pop back to. */
size_t ld_path_push_key(Loader *c, const char *key);
size_t ld_path_push_index(Loader *c, size_t i);
void ld_path_pop(Loader *c, size_t mark);
/* The current pointer, malloc'd; NULL (and c->oom) if out of memory. */
char *ld_path_dup(Loader *c);
/* The pointer of member `key` of the current value, malloc'd. */
char *ld_path_child(Loader *c, const char *key);
/* Looks up obj[key]; when present, pushes "/key" (pop with ld_path_pop). */
const cJSON *ld_enter(Loader *c, const cJSON *obj, const char *key, size_t *mark);

/* ---- jsonwalk.c: errors ------------------------------------------------- */

enum { AT_VALUE = 0, AT_KEY = 1 };

int ld_nomem(Loader *c);
/*
 * Where the value (or key) at ptr came from: "FILE:LINE:COL", or just
 * "line LINE" when line_only, or "--set K=V". nth picks among duplicate
 * keys; a duplicate is always in the file, never from an override.
 */
void ld_locate(const Loader *c, const char *ptr, int how, unsigned nth, bool line_only, char *buf,
               size_t n);
/* Fails with the message shown for pointer disp but located at loc_ptr. */
int ld_fail_loc(Loader *c, int code, const char *disp, const char *loc_ptr, int how, unsigned nth,
                const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Fails at the current value. */
#define fail(c, ...) ld_fail_loc((c), SIM_ERR_INVALID, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)
#define fail_limit(c, ...) ld_fail_loc((c), SIM_ERR_LIMIT, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)
int ld_fail_missing(Loader *c, const char *key, const char *expected);
/* Second occurrence of `key` in the object at the current path. */
int ld_fail_duplicate_key(Loader *c, const char *key);
/* Every key of obj must be in keys (or a '$'/'_' comment key), once; n <= 64. */
int ld_check_keys(Loader *c, const cJSON *obj, const char *const *keys, int n);
/* The same for a small fixed set of keys; `in` names the object for the
 * message, e.g. "a semaphore" or "an acquire operation". */
int ld_check_only(Loader *c, const cJSON *obj, const char *const *keys, int n, const char *in);

/* ---- jsonwalk.c: scalar values at the current path ---------------------- */

enum { DUR_NONNEG = 0, DUR_POSITIVE = 1 };

/* The number as the user wrote it ("1e999", "-1"), from the file or the
 * override that set it; the double otherwise. */
void ld_raw_number(const Loader *c, const cJSON *v, char *buf, size_t n);
/* A number or boolean typed on the command line where text is expected,
 * as typed; NULL if v did not come straight from an override. */
const char *ld_override_text(const Loader *c, const cJSON *v);
/* A string; `what` names it in the message. */
int ld_get_string(Loader *c, const cJSON *v, const char *what, const char **out);
/* A non-empty string. */
int ld_get_name(Loader *c, const cJSON *v, const char **out);
int ld_get_bool(Loader *c, const cJSON *v, bool *out);
/* One of names[0, n); `what` names the kind of value in the message. */
int ld_get_enum(Loader *c, const cJSON *v, const char *const *names, int n, const char *what, int *out);
/* An integer in [lo, hi]. */
int ld_get_integer(Loader *c, const cJSON *v, double lo, double hi, double *out);
/* A number in [lo, hi]. */
int ld_get_number(Loader *c, const cJSON *v, double lo, double hi, double *out);
/* An integer in [0, 2^64). */
int ld_get_seed(Loader *c, const cJSON *v, uint64_t *out);
/* A plain duration, "5ms" or a number of seconds; rule DUR_NONNEG or DUR_POSITIVE. */
int ld_get_duration(Loader *c, const cJSON *v, int rule, SimTime *out);
/* A duration or {"uniform": [LOW, HIGH]} or {"exp": MEAN}. */
int ld_get_dist(Loader *c, const cJSON *v, SimDist *out);

/* ---- objects.c ---------------------------------------------------------- */

extern const char *const ld_prim_names[SIM_PRIM_KIND_COUNT];    /* "lock", ... by SimPrimKind */
extern const char *const ld_prim_articles[SIM_PRIM_KIND_COUNT]; /* "a", "an" before them */

/* "sync" and "shared" of declared process `index` (the current path is the
 * process object p): its objects, before any of its programs. */
int ld_load_process_objects(Loader *c, const cJSON *p, int index);
/* The top-level "ipc" object at the current path. */
int ld_load_ipc(Loader *c, const cJSON *v);

/* ---- names.c ------------------------------------------------------------ */

/* Template index of name in scope, or -1. */
int ld_names_find(const NameTable *t, int scope, const char *name);
/* Adds a name known to be absent; name must outlive the table. SIM_ERR_NOMEM
 * (c->err untouched) or 0. */
int ld_names_add(NameTable *t, int scope, const char *name, int index);
/* Registers a process name; fails if taken. The current path is its value. */
int ld_register_process_name(Loader *c, const char *name, int index);

/* A comma-separated list of names for a message, cut with "..." when full. */
typedef struct NameList {
    char buf[200];
    size_t len;
    bool full;
} NameList;
void ld_list_add(NameList *l, const char *name);

/*
 * The object an op names (v, at the current path): the thread's process's
 * "sync" first, then "ipc". *obj is an index into sc->prims, or IPC_OBJ(k)
 * for "ipc" object k; *kind its kind, which must be in `kinds`.
 */
int ld_resolve_prim(Loader *c, const Ctx *x, const cJSON *v, unsigned kinds, const char *op, int *obj,
                    int *kind);
/* The variable an increment, assign or poll (`op`) names (v, at the current
 * path): a "shared" or "local" of the thread's process, else a Value, Array
 * or Manager's Value of "ipc". *obj is its index in sc->shared. */
int ld_resolve_shared(Loader *c, const Ctx *x, const cJSON *v, const char *op, int *obj);
/* After the walk: moves the "ipc" objects behind every process's and points
 * the ops that name them at their final indices. */
int ld_place_ipc(Loader *c);
/* After ld_place_ipc: a queue or pipe declared under the "sync" of several
 * processes, put to in one and got from in another, is two objects that
 * never meet: an error that says to declare it once under "ipc". A lock
 * declared in several processes and taken in them is a warning. */
int ld_check_sharing(Loader *c);

/* ---- compile.c ---------------------------------------------------------- */

/* Compiles the program at the current path and appends it to sc->ops as
 * the program of `thread`. */
int ld_compile_program(Loader *c, const cJSON *v, int thread);
/* Appends a zeroed op of `kind` to vec; *out points at it until the next push. */
int ld_op_push(Loader *c, OpVec *vec, int kind, SimOp **out);
/* Appends vec to sc->ops; *first is where it starts. */
int ld_ops_append(Loader *c, const OpVec *vec, uint32_t *first);
/* Compiles the array of op objects arr (the current path) into vec. */
int ld_compile_ops(Loader *c, const cJSON *arr, OpVec *vec, const Ctx *x, int depth);

/* ---- spawn.c ------------------------------------------------------------ */

/* The os.fork() child f (the current path) of `thread`: its templates and
 * program; *target is the child's process. */
int ld_compile_fork(Loader *c, const cJSON *f, int thread, int *target);
/* A pool's definition at the current path; records the pool and its worker
 * program (placed after the walk) and returns its index in *index. */
int ld_compile_pool(Loader *c, const cJSON *v, bool processes, const Ctx *x, int *index);
/* After the references: each pool's worker template, behind all others. */
int ld_make_pool_workers(Loader *c);
/* After the pools, before ld_place_ipc: each "ipc" manager's server process. */
int ld_make_managers(Loader *c);

/* ---- link.c ------------------------------------------------------------- */

/* After the walk: default names of fork children, "<parent>-child"... */
int ld_name_fork_children(Loader *c);
/* After the walk: points a start or join op at the thread or process it names. */
int ld_resolve_ref(Loader *c, const Ref *r);
/* After everything: the warnings of a scenario that loads (sc->warnings). */
int ld_warn(Loader *c);

/* ---- config.c ----------------------------------------------------------- */

enum { PARAMS_MACHINE = 0, PARAMS_PYTHON, PARAMS_SECTION_COUNT };

/* The "machine" or "python" object at the current path into cfg, which
 * holds the defaults. obj may be NULL (the section is absent): the rules
 * that run anyway, such as python.version's defaults, still run. */
int ld_load_config(Loader *c, const cJSON *obj, int section, SimConfig *cfg);

/* ---- overrides.c -------------------------------------------------------- */

/* Applies "key=value" overrides to the tree, in order, recording in c->ov
 * what each set. */
int ld_apply_overrides(Loader *c, cJSON *root, const char *const *overrides, int n);

/* ---- profile.c ---------------------------------------------------------- */

/* The root's "profile" (from the file or --profile), if any: its values
 * merged into root where the scenario gives none; recorded in c->sc. */
int ld_apply_profile(Loader *c, cJSON *root);

/* ---- scenario.c --------------------------------------------------------- */

extern const char *const ld_method_names[3]; /* "fork", ... by SimStartMethod */

/* Grow sc->procs (with c->extra) and sc->threads to hold need templates;
 * new entries are zeroed. */
int ld_grow_procs(Loader *c, int need);
int ld_grow_threads(Loader *c, int need);
/* Grows *arr of elements of size bytes to hold need; new ones zeroed. */
int ld_grow_array(Loader *c, void **arr, int *cap, int need, size_t size);
/* Adds a warning to sc->warnings (printf-style); SIM_ERR_NOMEM or 0. */
int ld_warning(Loader *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* GILSIM_LOADER_H */
