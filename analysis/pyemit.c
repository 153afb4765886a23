/*
 * pyemit.c - a scenario written as the Python program `gilsim measure`
 * runs (see pyemit.h).
 *
 * The program is made from the scenario's JSON as the loader walked it
 * (sim_scenario_json) and the parameters in effect (its explain-config),
 * in one pass over the JSON. Module-level definitions met inside a process
 * (the `x += 1` of a shared variable, a process pool's task, which must be
 * picklable) are collected aside and written before the processes.
 *
 * Invariant: no identifier the program defines is a Python keyword, a
 * builtin it uses or a name of the runtime, and each is unique among the
 * module's names and those of its process's function, so no name shadows
 * another where it is used. (A module-level name made later may equal a
 * local of an earlier process: that process never uses it, since module
 * names are made where they are first used.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "pyemit.h"

/* Names the runtime (analysis/py/runtime.py) and Python define, which a
 * scenario's names must not take. Everything of the runtime starting with
 * '_' is safe already: identifiers made here never start with '_'. */
static const char *const RESERVED[] = {
    /* keywords (3.x and 2.7) and the builtins the program uses */
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return",
    "try", "while", "with", "yield", "range", "xrange", "sum", "dict", "list", "len", "int", "object",
    "globals", "next", "isinstance", "min", "max", "float", "sorted", "open", "str", "bool",
    "BaseException", "RuntimeError",
    /* modules the runtime imports */
    "gc", "hashlib", "json", "multiprocessing", "os", "platform", "random", "select", "signal",
    "sys", "threading", "time", "print_function",
    /* the runtime's public names */
    "PY2", "CODES", "CHUNK_SECONDS", "GAP_SECONDS", "cpu", "c_call", "nogil", "io", "sleep",
    "uniform", "exponential", "increment", "Lock", "RLock", "Semaphore", "BoundedSemaphore",
    "Event", "Condition", "Barrier", "Queue", "MpQueue", "Pipe", "Thread", "Process", "start",
    "join", "fork", "thread_pool", "process_pool", "run_process", "launch",
    /* what the scenario part defines under fixed names */
    "PROCESSES", "make_ipc", "ipc", "f",
};

/* ---- Identifiers ------------------------------------------------------------ */

/* The identifiers taken, open addressing over strdup'd names. */
typedef struct IdSet {
    char **slot;
    size_t cap, n;
    bool oom;
} IdSet;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool ids_has(const IdSet *s, const char *id)
{
    if (!s->cap)
        return false;
    for (size_t i = hash_str(id) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->slot[i], id) == 0)
            return true;
    return false;
}

static void ids_add(IdSet *s, const char *id)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        char **slot = calloc(cap, sizeof(*slot));
        if (!slot) {
            s->oom = true;
            return;
        }
        for (size_t k = 0; k < s->cap; k++)
            if (s->slot[k]) {
                size_t i = hash_str(s->slot[k]) & (cap - 1);
                while (slot[i])
                    i = (i + 1) & (cap - 1);
                slot[i] = s->slot[k];
            }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    char *copy = strdup(id);
    if (!copy) {
        s->oom = true;
        return;
    }
    size_t i = hash_str(id) & (s->cap - 1);
    while (s->slot[i])
        i = (i + 1) & (s->cap - 1);
    s->slot[i] = copy;
    s->n++;
}

static void ids_fini(IdSet *s)
{
    for (size_t k = 0; k < s->cap; k++)
        free(s->slot[k]);
    free(s->slot);
}

#define ID_MAX 96

/* A fresh identifier made of prefix and name: ASCII letters, digits and
 * '_' (anything else becomes '_'), never starting with a digit or '_', a
 * suffix _2, _3... when taken in either set; added to ids. Written to out
 * (ID_MAX bytes). */
static const char *make_id(IdSet *ids, const IdSet *other, const char *prefix, const char *name, char *out)
{
    char base[ID_MAX - 12];
    size_t n = 0;
    for (const char *p = prefix; *p && n < sizeof(base) - 1; p++)
        base[n++] = *p;
    for (const unsigned char *p = (const unsigned char *)name; *p && n < sizeof(base) - 1; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        base[n++] = ok ? (char)*p : '_';
    }
    base[n] = '\0';
    if (n == 0 || base[0] == '_' || (base[0] >= '0' && base[0] <= '9')) {
        memmove(base + 1, base, n + 1 < sizeof(base) - 1 ? n + 1 : sizeof(base) - 2);
        base[0] = 'v';
        base[sizeof(base) - 1] = '\0';
    }
    snprintf(out, ID_MAX, "%s", base);
    for (int k = 2; ids_has(ids, out) || ids_has(other, out); k++)
        snprintf(out, ID_MAX, "%s_%d", base, k);
    ids_add(ids, out);
    return out;
}

/* ---- The emitter's state --------------------------------------------------------- */

/* An object a name can mean in the current process: the Python expression
 * that reaches it and its kind. */
typedef struct Obj {
    char *name;
    char expr[ID_MAX + 16];
    char kind[24];     /* "lock", ..., "mp_queue", or "shared" */
    char helper[2][ID_MAX]; /* shared: the functions doing `+= 1`, without / with a call ("" until made) */
} Obj;

typedef struct ObjVec {
    Obj *v;
    int n, cap;
} ObjVec;

typedef struct Emit {
    StrBuf *out;      /* the program */
    StrBuf defs;      /* module-level definitions met inside processes */
    IdSet ids;        /* module-level identifiers, the reserved ones included */
    IdSet locals;     /* those of the current process's function */
    const cJSON *root;
    const cJSON *ipc; /* top-level "ipc" object or NULL */
    ObjVec objs;      /* the current process's objects, then the "ipc" ones */
    ObjVec globals;   /* shared variables at module level (name -> global) */
    char **procs;     /* process names so far, fork children included */
    int n_procs, cap_procs;
    int version;      /* 100 * major + minor */
    bool uses[5];     /* cpu, c_call, nogil, io, sleep appear */
    bool call_f;      /* the `f` of an increment with a call is needed */
    int pools;
    PyEmitNotes *notes;
    bool oom;
} Emit;

static const char *const WORK_OPS[] = {"cpu", "c_call", "nogil", "io", "sleep"};

static void note(Emit *e, const char *line)
{
    for (int i = 0; i < e->notes->n; i++)
        if (strcmp(e->notes->line[i], line) == 0)
            return;
    if (e->notes->n < PYEMIT_MAX_NOTES)
        snprintf(e->notes->line[e->notes->n++], sizeof(e->notes->line[0]), "%s", line);
}

/* The program needs Python `version` (100 * major + minor) for `feature`. */
static void needs(Emit *e, int version, const char *feature)
{
    if (version > e->notes->min_version) {
        e->notes->min_version = version;
        snprintf(e->notes->min_feature, sizeof(e->notes->min_feature), "%s", feature);
    }
}

static void indent(StrBuf *b, int level)
{
    for (int i = 0; i < level; i++)
        strbuf_puts(b, "    ");
}

__attribute__((format(printf, 3, 4)))
static void line(StrBuf *b, int level, const char *fmt, ...)
{
    va_list ap;
    indent(b, level);
    va_start(ap, fmt);
    strbuf_vprintf(b, fmt, ap);
    va_end(ap);
    strbuf_putc(b, '\n');
}

/* s as a Python string literal: JSON's escapes are Python's. Returns a
 * malloc'd text, or NULL when out of memory. */
static char *py_str(const char *s)
{
    cJSON *str = cJSON_CreateString(s ? s : "");
    char *text = str ? cJSON_PrintUnformatted(str) : NULL;
    cJSON_Delete(str);
    return text;
}

/* Appends a Python string literal of s. */
static void put_str(Emit *e, StrBuf *b, const char *s)
{
    char *q = py_str(s);
    if (!q) {
        e->oom = true;
        return;
    }
    strbuf_puts(b, q);
    cJSON_free(q);
}

/* A duration in seconds as a literal people read: 0.005, 1.5, 20e-6, 100e-9. */
static void put_seconds(StrBuf *b, SimTime ns)
{
    if (ns < 0)
        ns = 0;
    if (ns % 1000000 == 0) {
        char t[40];
        snprintf(t, sizeof(t), "%.9f", (double)ns / 1e9);
        char *end = t + strlen(t) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.')
            end[1] = '0';
        strbuf_puts(b, t);
    } else if (ns % 1000 == 0) {
        strbuf_printf(b, "%llde-6", (long long)(ns / 1000));
    } else {
        strbuf_printf(b, "%llde-9", (long long)ns);
    }
}

/* A JSON duration (string with a unit, or seconds) in ns; -1 if not one. */
static SimTime json_duration(const cJSON *v)
{
    SimTime t;
    if (cJSON_IsString(v) && v->valuestring && sim_duration_parse(v->valuestring, &t) == SIM_OK)
        return t;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0)
        return (SimTime)(v->valuedouble * 1e9 + 0.5);
    return -1;
}

/* A duration or distribution as a Python expression. */
static void put_dist(StrBuf *b, const cJSON *v)
{
    const cJSON *u = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "uniform") : NULL;
    const cJSON *x = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "exp") : NULL;
    if (cJSON_IsArray(u) && cJSON_GetArraySize(u) == 2) {
        strbuf_puts(b, "uniform(");
        put_seconds(b, json_duration(cJSON_GetArrayItem(u, 0)));
        strbuf_puts(b, ", ");
        put_seconds(b, json_duration(cJSON_GetArrayItem(u, 1)));
        strbuf_puts(b, ")");
    } else if (x) {
        strbuf_puts(b, "exponential(");
        put_seconds(b, json_duration(x));
        strbuf_puts(b, ")");
    } else {
        SimTime t = json_duration(v);
        put_seconds(b, t < 0 ? 0 : t);
    }
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *get_str(const cJSON *o, const char *key, const char *def)
{
    const cJSON *v = get(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

/* ---- Objects ----------------------------------------------------------------------- */

static Obj *obj_push(Emit *e, ObjVec *vec, const char *name)
{
    if (vec->n == vec->cap) {
        int cap = vec->cap ? vec->cap * 2 : 16;
        Obj *v = realloc(vec->v, (size_t)cap * sizeof(*v));
        if (!v) {
            e->oom = true;
            return NULL;
        }
        vec->v = v;
        vec->cap = cap;
    }
    Obj *o = &vec->v[vec->n];
    memset(o, 0, sizeof(*o));
    if (!(o->name = strdup(name))) {
        e->oom = true;
        return NULL;
    }
    vec->n++;
    return o;
}

static void objs_clear(ObjVec *vec)
{
    for (int i = 0; i < vec->n; i++)
        free(vec->v[i].name);
    vec->n = 0;
}

/* The object `name` means in the current process: its "sync" and "shared"
 * first, then "ipc" (objs holds them in that order). */
static Obj *find_obj(Emit *e, const char *name)
{
    for (int i = 0; i < e->objs.n; i++)
        if (strcmp(e->objs.v[i].name, name) == 0)
            return &e->objs.v[i];
    return NULL;
}

static const char *type_of(const cJSON *spec)
{
    return cJSON_IsString(spec) ? spec->valuestring : get_str(spec, "type", "lock");
}

/* The "ipc" objects as e->objs entries reached through ipc["name"]. */
static void add_ipc_objects(Emit *e)
{
    for (const cJSON *m = e->ipc ? e->ipc->child : NULL; m; m = m->next) {
        if (!m->string || m->string[0] == '$' || m->string[0] == '_')
            continue;
        Obj *o = obj_push(e, &e->objs, m->string);
        if (!o)
            return;
        char *q = py_str(m->string);
        if (!q) {
            e->oom = true;
            return;
        }
        snprintf(o->expr, sizeof(o->expr), "ipc[%s]", q);
        cJSON_free(q);
        snprintf(o->kind, sizeof(o->kind), "%s", type_of(m));
    }
}

/* The constructor call of one object spec, e.g. Semaphore("slots", 3). */
static void put_constructor(Emit *e, StrBuf *b, const char *name, const cJSON *spec)
{
    static const char *const CLASSES[][2] = {
        {"lock", "Lock"}, {"rlock", "RLock"}, {"semaphore", "Semaphore"},
        {"bounded_semaphore", "BoundedSemaphore"}, {"event", "Event"}, {"condition", "Condition"},
        {"barrier", "Barrier"}, {"queue", "Queue"}, {"pipe", "Pipe"}, {"mp_queue", "MpQueue"},
    };
    const char *type = type_of(spec), *cls = "Lock";
    if (strcmp(type, "barrier") == 0)
        needs(e, 302, "threading.Barrier");
    for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++)
        if (strcmp(CLASSES[i][0], type) == 0)
            cls = CLASSES[i][1];
    strbuf_printf(b, "%s(", cls);
    put_str(e, b, name);
    const cJSON *v;
    if ((strcmp(type, "semaphore") == 0 || strcmp(type, "bounded_semaphore") == 0) &&
        cJSON_IsNumber(v = get(spec, "value")))
        strbuf_printf(b, ", %.0f", v->valuedouble);
    if (strcmp(type, "barrier") == 0 && cJSON_IsNumber(v = get(spec, "parties"))) {
        strbuf_printf(b, ", %.0f", v->valuedouble);
        if ((v = get(spec, "timeout"))) {
            strbuf_puts(b, ", timeout=");
            put_seconds(b, json_duration(v));
        }
    }
    if ((strcmp(type, "queue") == 0 || strcmp(type, "mp_queue") == 0) &&
        cJSON_IsNumber(v = get(spec, "maxsize")) && v->valuedouble > 0)
        strbuf_printf(b, ", maxsize=%.0f", v->valuedouble);
    if (strcmp(type, "condition") == 0 && (v = get(spec, "lock")) && cJSON_IsString(v)) {
        Obj *lock = find_obj(e, v->valuestring);
        if (lock)
            strbuf_printf(b, ", %s", lock->expr);
    }
    strbuf_puts(b, ")");
}

/* A shared variable's module global, made on first sight. */
static Obj *shared_global(Emit *e, const char *name, double initial)
{
    for (int i = 0; i < e->globals.n; i++)
        if (strcmp(e->globals.v[i].name, name) == 0)
            return &e->globals.v[i];
    Obj *g = obj_push(e, &e->globals, name);
    if (!g)
        return NULL;
    char id[ID_MAX];
    snprintf(g->expr, sizeof(g->expr), "%s", make_id(&e->ids, &e->locals, "", name, id));
    snprintf(g->kind, sizeof(g->kind), "shared");
    strbuf_printf(&e->defs, "%s = %.0f  # a shared variable\n", g->expr, initial);
    return g;
}

/* The function doing `name += 1` (with_call: `c = name; f(); name = c + 1`). */
static const char *increment_helper(Emit *e, Obj *g, bool with_call)
{
    char *h = g->helper[with_call];
    if (h[0])
        return h;
    char id[ID_MAX];
    make_id(&e->ids, &e->locals, with_call ? "add_one_with_call_to_" : "add_one_to_", g->expr, id);
    snprintf(h, ID_MAX, "%s", id);
    StrBuf *b = &e->defs;
    strbuf_printf(b, "\n\ndef %s():\n    global %s\n", h, g->expr);
    if (with_call) {
        strbuf_printf(b, "    c = %s\n    f()\n    %s = c + 1\n", g->expr, g->expr);
        e->call_f = true;
    } else {
        strbuf_printf(b, "    %s += 1\n", g->expr);
    }
    return h;
}

/* ---- Operations ---------------------------------------------------------------------- */

static bool has_proc(const Emit *e, const char *name)
{
    for (int i = 0; i < e->n_procs; i++)
        if (strcmp(e->procs[i], name) == 0)
            return true;
    return false;
}

static void add_proc(Emit *e, const char *name)
{
    if (e->n_procs == e->cap_procs) {
        int cap = e->cap_procs ? e->cap_procs * 2 : 16;
        char **v = realloc(e->procs, (size_t)cap * sizeof(*v));
        if (!v) {
            e->oom = true;
            return;
        }
        e->procs = v;
        e->cap_procs = cap;
    }
    if (!(e->procs[e->n_procs] = strdup(name)))
        e->oom = true;
    else
        e->n_procs++;
}

/* Scope of the code being written. */
typedef struct Scope {
    const char *proc;   /* process name */
    const char *thread; /* thread name */
    bool process_task;  /* a process pool's task: only "ipc" objects */
} Scope;

static void emit_ops(Emit *e, StrBuf *b, int level, const cJSON *arr, const Scope *s);

/* The expression of the object an op names, or a placeholder the runtime
 * rejects (the scenario was validated, so this does not happen). */
static const char *obj_expr(Emit *e, const cJSON *v, const Scope *s)
{
    const char *name = cJSON_IsString(v) ? v->valuestring : "";
    if (!s->process_task) {
        Obj *o = find_obj(e, name);
        if (o)
            return o->expr;
    } else {
        for (int i = 0; i < e->objs.n; i++)
            if (strncmp(e->objs.v[i].expr, "ipc[", 4) == 0 && strcmp(e->objs.v[i].name, name) == 0)
                return e->objs.v[i].expr;
    }
    return "None";
}

static void put_timeout(StrBuf *b, const cJSON *op, bool first)
{
    const cJSON *t = get(op, "timeout");
    if (!t)
        return;
    strbuf_puts(b, first ? "timeout=" : ", timeout=");
    put_seconds(b, json_duration(t));
}

static void emit_fork(Emit *e, StrBuf *b, int level, const cJSON *spec, const Scope *s)
{
    const char *given = get_str(spec, "name", NULL);
    char name[256];
    if (given) {
        snprintf(name, sizeof(name), "%s", given);
    } else {
        snprintf(name, sizeof(name), "%s-child", s->proc);
        for (int k = 2; has_proc(e, name); k++)
            snprintf(name, sizeof(name), "%s-child-%d", s->proc, k);
    }
    add_proc(e, name);
    char id[ID_MAX];
    make_id(&e->locals, &e->ids, "fork_", name, id);
    line(b, level, "def %s():  # the program of the forked child, process \"%s\"", id, name);
    Scope cs = {name, s->thread, s->process_task};
    const cJSON *prog = get(spec, "program");
    emit_ops(e, b, level + 1, prog, &cs);
    indent(b, level);
    strbuf_puts(b, "fork(");
    put_str(e, b, name);
    strbuf_printf(b, ", %s)\n", id);
}

static void emit_pool(Emit *e, StrBuf *b, int level, const cJSON *spec, bool processes, const Scope *s)
{
    int k = e->pools++;
    char id[ID_MAX], tag[32];
    const cJSON *w = get(spec, "workers"), *n = get(spec, "tasks");
    int workers = cJSON_IsNumber(w) ? (int)w->valuedouble : 1;
    double tasks = cJSON_IsNumber(n) ? n->valuedouble : 0;
    snprintf(tag, sizeof(tag), "%d", k);
    if (!processes) {
        needs(e, 302, "concurrent.futures.ThreadPoolExecutor");
        make_id(&e->locals, &e->ids, "pool_task_", tag, id);
        line(b, level, "def %s():  # one task of the ThreadPoolExecutor", id);
        emit_ops(e, b, level + 1, get(spec, "task"), s);
        line(b, level, "thread_pool(%d, %.0f, %s)", workers, tasks, id);
        return;
    }
    /* A process pool's task is pickled by name: a module-level function. */
    make_id(&e->ids, &e->locals, "process_pool_task_", tag, id);
    Scope ts = {s->proc, "MainThread", true};
    StrBuf task = {0};
    strbuf_printf(&task, "\n\ndef %s(ipc):  # one task of a multiprocessing Pool, run in a worker process\n",
                  id);
    emit_ops(e, &task, 1, get(spec, "task"), &ts);
    strbuf_puts(&e->defs, strbuf_str(&task));
    e->oom |= task.oom;
    strbuf_fini(&task);
    const char *method = get_str(spec, "start_method", e->version >= 314 ? "forkserver" : "fork");
    if (strcmp(method, "fork") != 0)
        needs(e, 304, "multiprocessing start methods other than fork");
    const cJSON *c = get(spec, "chunksize");
    indent(b, level);
    strbuf_printf(b, "process_pool(%d, %.0f, %s, ", workers, tasks, id);
    put_str(e, b, method);
    if (cJSON_IsNumber(c))
        strbuf_printf(b, ", chunksize=%.0f", c->valuedouble);
    strbuf_puts(b, ")\n");
}

/* Writes one operation; false when it writes nothing (an operation the
 * runtime leaves out, said in a note). */
static bool emit_op(Emit *e, StrBuf *b, int level, const cJSON *op, const Scope *s)
{
    const cJSON *k = NULL;
    for (const cJSON *m = op ? op->child : NULL; m && !k; m = m->next) {
        static const char *const KINDS[] = {
            "cpu", "c_call", "nogil", "io", "sleep", "repeat", "start", "join", "fork", "acquire",
            "release", "with", "wait", "set", "clear", "notify", "notify_all", "put", "send", "get",
            "recv", "increment", "thread_pool", "process_pool",
        };
        for (size_t i = 0; m->string && i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
            if (strcmp(m->string, KINDS[i]) == 0)
                k = m;
    }
    if (!k) {
        /* The constructs the runtime does not write yet: said, not faked. */
        static const char *const UNWRITTEN[] = {"terminate", "kill", "os_exit", "poll", "branch", "assign"};
        for (const cJSON *m = op ? op->child : NULL; m; m = m->next)
            for (size_t i = 0; m->string && i < sizeof(UNWRITTEN) / sizeof(UNWRITTEN[0]); i++)
                if (strcmp(m->string, UNWRITTEN[i]) == 0) {
                    char what[96];
                    snprintf(what, sizeof(what), "a \"%s\" operation is not reproduced: it is left out", m->string);
                    note(e, what);
                }
        return false;
    }
    const char *kind = k->string;
    for (int i = 0; i < 5; i++)
        if (strcmp(kind, WORK_OPS[i]) == 0) {
            e->uses[i] = true;
            indent(b, level);
            strbuf_printf(b, "%s(", kind);
            put_dist(b, k);
            strbuf_puts(b, ")\n");
            return true;
        }
    if (strcmp(kind, "repeat") == 0) {
        line(b, level, "for _ in range(%.0f):", cJSON_IsNumber(k) ? k->valuedouble : 0);
        emit_ops(e, b, level + 1, get(op, "do"), s);
    } else if (strcmp(kind, "start") == 0 || strcmp(kind, "join") == 0) {
        indent(b, level);
        strbuf_printf(b, "%s(", kind);
        put_str(e, b, cJSON_IsString(k) ? k->valuestring : "");
        put_timeout(b, op, false);
        strbuf_puts(b, ")\n");
    } else if (strcmp(kind, "fork") == 0) {
        emit_fork(e, b, level, k, s);
    } else if (strcmp(kind, "thread_pool") == 0 || strcmp(kind, "process_pool") == 0) {
        emit_pool(e, b, level, k, kind[0] == 'p', s);
    } else if (strcmp(kind, "with") == 0) {
        line(b, level, "with %s:", obj_expr(e, k, s));
        emit_ops(e, b, level + 1, get(op, "do"), s);
    } else if (strcmp(kind, "increment") == 0) {
        const cJSON *cb = get(op, "call_between");
        Obj *g = NULL;
        for (int i = 0; i < e->globals.n && cJSON_IsString(k); i++)
            if (strcmp(e->globals.v[i].name, k->valuestring) == 0)
                g = &e->globals.v[i];
        if (!g) {
            note(e, "an increment of a multiprocessing Value or a threading.local is not reproduced: it is "
                    "left out");
            return false;
        }
        indent(b, level);
        strbuf_puts(b, "increment(");
        put_str(e, b, g->name);
        strbuf_printf(b, ", %s)\n", increment_helper(e, g, cJSON_IsTrue(cb)));
    } else {
        /* Methods of the named object. */
        const char *method = kind;
        if (strcmp(kind, "send") == 0)
            method = "put";
        else if (strcmp(kind, "recv") == 0)
            method = "get";
        indent(b, level);
        strbuf_printf(b, "%s.%s(", obj_expr(e, k, s), method);
        bool first = true;
        const cJSON *v;
        if (strcmp(kind, "acquire") == 0 && cJSON_IsFalse(get(op, "blocking"))) {
            strbuf_puts(b, "blocking=False");
            first = false;
        }
        if (strcmp(kind, "notify") == 0 && cJSON_IsNumber(v = get(op, "n"))) {
            strbuf_printf(b, "n=%.0f", v->valuedouble);
            first = false;
        }
        put_timeout(b, op, first);
        strbuf_puts(b, ")\n");
        if (get(op, "transfer"))
            note(e, "a pipe's \"transfer\" time is not reproduced: each message is a small object");
    }
    return true;
}

static void emit_ops(Emit *e, StrBuf *b, int level, const cJSON *arr, const Scope *s)
{
    bool any = false;
    for (const cJSON *op = cJSON_IsArray(arr) ? arr->child : NULL; op; op = op->next)
        any |= emit_op(e, b, level, op, s);
    if (!any)
        line(b, level, "pass");
}

/* Records a thread makes, at most: two per operation run. */
static double ops_run(const cJSON *arr)
{
    double n = 0;
    for (const cJSON *op = cJSON_IsArray(arr) ? arr->child : NULL; op; op = op->next) {
        const cJSON *r = get(op, "repeat"), *w = get(op, "with");
        if (r)
            n += (cJSON_IsNumber(r) ? r->valuedouble : 0) * ops_run(get(op, "do"));
        else if (w)
            n += 2 + ops_run(get(op, "do"));
        else
            n += 1;
    }
    return n > 1e7 ? 1e7 : n;
}

/* ---- Processes ------------------------------------------------------------------------- */

/* Declares a process's objects as locals of its function: locks first,
 * since a condition names its lock. */
static void emit_objects(Emit *e, StrBuf *b, const cJSON *p)
{
    const cJSON *sync = get(p, "sync");
    for (int pass = 0; pass < 2; pass++)
        for (const cJSON *m = sync ? sync->child : NULL; m; m = m->next) {
            if (!m->string || m->string[0] == '$' || m->string[0] == '_')
                continue;
            bool cond = strcmp(type_of(m), "condition") == 0;
            if (cond != (pass == 1))
                continue;
            Obj *o = obj_push(e, &e->objs, m->string);
            if (!o)
                return;
            char id[ID_MAX];
            snprintf(o->expr, sizeof(o->expr), "%s", make_id(&e->locals, &e->ids, "", m->string, id));
            snprintf(o->kind, sizeof(o->kind), "%s", type_of(m));
            indent(b, 1);
            strbuf_printf(b, "%s = ", o->expr);
            put_constructor(e, b, m->string, m);
            strbuf_putc(b, '\n');
        }
}

/* ", affinity=[0, 1]" for a scenario's "affinity" (the loader checked it
 * is an array of core numbers); nothing without one. */
static void put_affinity(StrBuf *b, const cJSON *a)
{
    if (!cJSON_IsArray(a))
        return;
    strbuf_puts(b, ", affinity=[");
    for (const cJSON *c = a->child; c; c = c->next)
        strbuf_printf(b, "%s%.0f", c == a->child ? "" : ", ", cJSON_IsNumber(c) ? c->valuedouble : 0);
    strbuf_putc(b, ']');
}

static void emit_process(Emit *e, const cJSON *p, char *fn_id)
{
    StrBuf body = {0};
    const char *pname = get_str(p, "name", "main");
    const cJSON *threads = get(p, "threads"), *shared = get(p, "shared");
    objs_clear(&e->objs);
    ids_fini(&e->locals);
    memset(&e->locals, 0, sizeof(e->locals));
    make_id(&e->ids, &e->locals, "process_", pname, fn_id);
    int n_threads = cJSON_GetArraySize(threads);
    strbuf_printf(&body, "\n\ndef %s(ipc):\n    \"\"\"Process ", fn_id);
    put_str(e, &body, pname);
    strbuf_printf(&body, ": %d thread%s.\"\"\"\n", n_threads, n_threads == 1 ? "" : "s");

    /* Shared variables: module globals, set to their initial values here. */
    for (const cJSON *m = shared ? shared->child : NULL; m; m = m->next) {
        if (!m->string || m->string[0] == '$' || m->string[0] == '_')
            continue;
        double v = cJSON_IsNumber(m) ? m->valuedouble : 0;
        Obj *g = shared_global(e, m->string, v);
        Obj *o = g ? obj_push(e, &e->objs, m->string) : NULL;
        if (!o)
            break;
        snprintf(o->expr, sizeof(o->expr), "%s", g->expr);
        snprintf(o->kind, sizeof(o->kind), "shared");
        line(&body, 1, "global %s", g->expr);
        line(&body, 1, "%s = %.0f", g->expr, v);
    }
    emit_objects(e, &body, p);
    add_ipc_objects(e);
    for (int i = 0; i < e->objs.n; i++)
        if (strncmp(e->objs.v[i].expr, "ipc[", 4) == 0) {
            /* Shadowed "ipc" names stay out of reach, as in the loader. */
            Obj *first = find_obj(e, e->objs.v[i].name);
            if (first != &e->objs.v[i])
                continue;
            char id[ID_MAX];
            make_id(&e->locals, &e->ids, "", e->objs.v[i].name, id);
            line(&body, 1, "%s = %s", id, e->objs.v[i].expr);
            snprintf(e->objs.v[i].expr, sizeof(e->objs.v[i].expr), "%s", id);
        }

    char (*tids)[ID_MAX] = calloc((size_t)(n_threads ? n_threads : 1), ID_MAX);
    if (!tids) {
        e->oom = true;
        strbuf_fini(&body);
        return;
    }
    int j = 0;
    for (const cJSON *t = threads ? threads->child : NULL; t; t = t->next, j++) {
        const char *tname = get_str(t, "name", "thread");
        make_id(&e->locals, &e->ids, "thread_", tname, tids[j]);
        strbuf_printf(&body, "\n    def %s():\n", tids[j]);
        Scope s = {pname, tname, false};
        emit_ops(e, &body, 2, get(t, "program"), &s);
        if (get(t, "interpreter"))
            note(e, "threads run in the main interpreter: subinterpreters (\"interpreter\") are not "
                    "created");
    }
    strbuf_putc(&body, '\n');
    indent(&body, 1);
    strbuf_puts(&body, "run_process(");
    put_str(e, &body, pname);
    strbuf_puts(&body, ", [\n");
    j = 0;
    for (const cJSON *t = threads ? threads->child : NULL; t; t = t->next, j++) {
        indent(&body, 2);
        strbuf_puts(&body, "Thread(");
        put_str(e, &body, get_str(t, "name", "thread"));
        strbuf_printf(&body, ", %s", tids[j]);
        if (cJSON_IsTrue(get(t, "daemon")))
            strbuf_puts(&body, ", daemon=True");
        if (strcmp(get_str(t, "start", ""), "manual") == 0)
            strbuf_puts(&body, ", manual=True");
        put_affinity(&body, get(t, "affinity"));
        strbuf_printf(&body, ", size=%.0f),\n", 2 * ops_run(get(t, "program")) + 16);
    }
    free(tids);
    indent(&body, 1);
    strbuf_puts(&body, "]");
    bool any_shared = false;
    for (int i = 0; i < e->objs.n; i++) {
        if (strcmp(e->objs.v[i].kind, "shared") != 0)
            continue;
        strbuf_puts(&body, any_shared ? ", " : ", shared={");
        put_str(e, &body, e->objs.v[i].name);
        strbuf_puts(&body, ": ");
        put_str(e, &body, e->objs.v[i].expr);
        any_shared = true;
    }
    if (any_shared)
        strbuf_putc(&body, '}');
    put_affinity(&body, get(p, "affinity"));
    strbuf_puts(&body, ")\n");
    e->oom |= body.oom;
    strbuf_puts(&e->defs, strbuf_str(&body));
    strbuf_fini(&body);
}

/* ---- The program ------------------------------------------------------------------------- */

/* A value of the explain-config JSON, as text ("" when missing). */
static const char *cfg_str(const cJSON *cfg, const char *section, const char *key)
{
    const cJSON *v = get(get(cfg, section), key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static void emit_header(Emit *e, const SimScenario *sc, const char *command)
{
    StrBuf *b = e->out;
    strbuf_puts(b, "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n");
    strbuf_printf(b, "# \"%s\" as a Python program, written by gilsim %s", sim_scenario_name(sc),
                  GILSIM_VERSION);
    if (command)
        strbuf_printf(b, ":\n#   %s", command);
    strbuf_puts(b, "\n#\n# It does on this interpreter what the scenario describes and, run by\n"
                   "# `gilsim measure`, records what happened. gilsim's measuring runtime comes\n"
                   "# first; the scenario starts at \"# ---- The scenario\".\n\n");
}

/* Wraps text into comment lines of at most 76 columns. */
static void put_comment(StrBuf *b, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t len = strlen(p);
        size_t cut = len;
        if (len > 74) {
            cut = 74;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = 74;
        }
        strbuf_puts(b, "# ");
        strbuf_put(b, p, cut);
        strbuf_putc(b, '\n');
        p += cut;
        while (*p == ' ')
            p++;
    }
}

int pyemit_program(const SimScenario *sc, const char *command, StrBuf *out, PyEmitNotes *notes,
                   SimError *err)
{
    Emit e;
    memset(&e, 0, sizeof(e));
    e.out = out;
    e.notes = notes;
    memset(notes, 0, sizeof(*notes));
    notes->min_version = 207;
    snprintf(notes->min_feature, sizeof(notes->min_feature), "the measuring runtime");
    for (size_t i = 0; i < sizeof(RESERVED) / sizeof(RESERVED[0]); i++)
        ids_add(&e.ids, RESERVED[i]);

    char *cfg_text = sim_scenario_explain_config(sc);
    cJSON *cfg = cfg_text ? cJSON_Parse(cfg_text) : NULL;
    free(cfg_text);
    cJSON *root = cJSON_Parse(sim_scenario_json(sc));
    if (!cfg || !root) {
        cJSON_Delete(cfg);
        cJSON_Delete(root);
        ids_fini(&e.ids);
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while writing the Python program");
    }
    e.root = root;
    e.ipc = get(root, "ipc");
    const char *ver = cfg_str(cfg, "python", "version");
    e.version = ver[0] ? atoi(ver) * 100 + atoi(strchr(ver, '.') ? strchr(ver, '.') + 1 : "0") : 312;
    const char *gil = cfg_str(cfg, "python", "gil");
    SimTime si = 0;
    sim_duration_parse(cfg_str(cfg, "python", "switch_interval"), &si);
    const cJSON *cores = get(get(cfg, "machine"), "cores");
    const cJSON *check = get(get(cfg, "python"), "check_interval");
    const cJSON *seed = get(cfg, "seed");

    emit_header(&e, sc, command);
    strbuf_puts(out, pyemit_runtime);
    size_t mark = out->n;
    strbuf_printf(out, "\n\n# ---- The scenario: %s ", sim_scenario_name(sc));
    for (size_t w = out->n - mark - 2; w < 78; w++)
        strbuf_putc(out, '-');
    strbuf_putc(out, '\n');
    if (sim_scenario_description(sc)[0])
        put_comment(out, sim_scenario_description(sc));
    strbuf_printf(out, "# Modelled: Python %s, GIL %s, switch interval %s, %d core%s.\n", ver, gil,
                  cfg_str(cfg, "python", "switch_interval"),
                  cJSON_IsNumber(cores) ? (int)cores->valuedouble : 1,
                  cJSON_IsNumber(cores) && cores->valuedouble == 1 ? "" : "s");

    /* Processes, in order: declared ones, their fork children as met. */
    const cJSON *procs = get(root, "processes");
    int np = cJSON_GetArraySize(procs);
    char (*fn)[ID_MAX] = calloc((size_t)(np ? np : 1), ID_MAX);
    if (!fn)
        e.oom = true;
    for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next)
        add_proc(&e, get_str(p, "name", "main"));
    int i = 0;
    for (const cJSON *p = procs ? procs->child : NULL; p && fn; p = p->next, i++)
        emit_process(&e, p, fn[i]);

    if (e.call_f)
        strbuf_puts(out, "\n\ndef f():\n    \"\"\"The call between the read and the write.\"\"\"\n");
    if (e.globals.n)
        strbuf_putc(out, '\n');
    strbuf_puts(out, strbuf_str(&e.defs));

    if (e.ipc && e.ipc->child) {
        strbuf_puts(out, "\n\ndef make_ipc():\n    \"\"\"The pipes and queues every process shares.\"\"\"\n"
                         "    return {\n");
        for (const cJSON *m = e.ipc->child; m; m = m->next) {
            if (!m->string || m->string[0] == '$' || m->string[0] == '_')
                continue;
            strbuf_puts(out, "        ");
            put_str(&e, out, m->string);
            strbuf_puts(out, ": ");
            put_constructor(&e, out, m->string, m);
            strbuf_puts(out, ",\n");
        }
        strbuf_puts(out, "    }\n");
    }

    strbuf_puts(out, "\n\n# Each process: its function and how it starts (\"initial\": when the program\n"
                     "# starts; else by a start() with that start method).\nPROCESSES = {\n");
    i = 0;
    for (const cJSON *p = procs ? procs->child : NULL; p && fn; p = p->next, i++) {
        bool manual = strcmp(get_str(p, "start", ""), "manual") == 0;
        const char *method = manual ? get_str(p, "start_method", e.version >= 314 ? "forkserver" : "fork")
                                    : "initial";
        if (strcmp(method, "initial") != 0 && strcmp(method, "fork") != 0)
            needs(&e, 304, "multiprocessing start methods other than fork");
        strbuf_puts(out, "    ");
        put_str(&e, out, get_str(p, "name", "main"));
        strbuf_printf(out, ": (%s, ", fn[i]);
        put_str(&e, out, method);
        strbuf_puts(out, "),\n");
    }
    strbuf_puts(out, "}\n\nif __name__ == \"__main__\":\n    launch([");
    bool first = true;
    for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next) {
        if (strcmp(get_str(p, "start", ""), "manual") == 0)
            continue;
        if (!first)
            strbuf_puts(out, ", ");
        put_str(&e, out, get_str(p, "name", "main"));
        first = false;
    }
    strbuf_puts(out, "], switch_interval=");
    put_seconds(out, si > 0 ? si : 5000000);
    strbuf_printf(out, ", cores=%d,\n           uses=(", cJSON_IsNumber(cores) ? (int)cores->valuedouble : 2);
    int n_uses = 0;
    for (int k = 0; k < 5; k++)
        if (e.uses[k])
            strbuf_printf(out, "%s\"%s\"", n_uses++ ? ", " : "", WORK_OPS[k]);
    strbuf_printf(out, "%s), seed=%.0f", n_uses == 1 ? "," : "",
                  cJSON_IsNumber(seed) ? seed->valuedouble : 1);
    if (strcmp(gil, "old") == 0 && cJSON_IsNumber(check))
        strbuf_printf(out, ", check_interval=%.0f", check->valuedouble);
    strbuf_puts(out, ",\n           scenario=");
    put_str(&e, out, sim_scenario_name(sc));
    strbuf_puts(out, ")\n");

    bool oom = e.oom || e.ids.oom || e.locals.oom || e.defs.oom || out->oom;
    free(fn);
    for (int k = 0; k < e.n_procs; k++)
        free(e.procs[k]);
    free(e.procs);
    objs_clear(&e.objs);
    free(e.objs.v);
    objs_clear(&e.globals);
    free(e.globals.v);
    strbuf_fini(&e.defs);
    ids_fini(&e.ids);
    ids_fini(&e.locals);
    cJSON_Delete(cfg);
    cJSON_Delete(root);
    if (oom)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while writing the Python program");
    return 0;
}
