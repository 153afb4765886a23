/*
 * objects.c - what a scenario declares by name: the name table, the
 * synchronization objects of "sync" and "ipc", the shared variables of
 * "shared", and the lookups that operations make of them.
 *
 * One open-addressing table holds every name, keyed by scope: -1 for
 * process names, p for the thread names of process p, OBJ_SCOPE(p) for the
 * objects of declared process p and IPC_SCOPE for "ipc". The objects of a
 * process are contiguous in SimScenario.prims (declared ones, then the
 * RLocks of conditions declared without a lock), processes in order; the
 * "ipc" objects wait in Loader.ipc until the walk ends and ld_place_ipc
 * moves them behind all the others. Objects are declared before any
 * program is compiled, so an operation's name resolves on the spot; only
 * "ipc" indices are fixed up at the end.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

/* Synchronization object types, in SimPrimKind order, with their articles. */
const char *const ld_prim_names[SIM_PRIM_KIND_COUNT] = {
    "lock", "rlock", "semaphore", "bounded_semaphore", "event",
    "condition", "barrier", "queue", "pipe", "mp_queue", "manager",
};
const char *const ld_prim_articles[SIM_PRIM_KIND_COUNT] = {
    "a", "an", "a", "a", "an", "a", "a", "a", "a", "an", "a",
};

/* The fields of an object's {"type": T, ...} form, by type. */
static const char *const FIELDS_TYPE[] = {"type"};
static const char *const FIELDS_SEMAPHORE[] = {"type", "value"};
static const char *const FIELDS_CONDITION[] = {"type", "lock"};
static const char *const FIELDS_BARRIER[] = {"type", "parties", "timeout"};
static const char *const FIELDS_QUEUE[] = {"type", "maxsize"};
static const char *const FIELDS_VALUE[] = {"type", "initial", "lock", "manager"};
static const char *const FIELDS_ARRAY[] = {"type", "length", "initial", "lock"};

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
int ld_names_find(const NameTable *t, int scope, const char *name)
{
    if (!t->cap)
        return -1;
    size_t i = name_slot(t, scope, name);
    return t->slots[i].name ? t->slots[i].index : -1;
}

/* Adds a name known to be absent; name must outlive the table. */
int ld_names_add(NameTable *t, int scope, const char *name, int index)
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

/* Registers a process name; fails if taken. The current path is its value. */
int ld_register_process_name(Loader *c, const char *name, int index)
{
    char q[64], first[320];
    int prev = ld_names_find(&c->names, -1, name);
    if (prev >= 0) {
        ld_locate(c, c->extra[prev].ptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate process name '%s' (first at %s)",
                    ld_quote(name, q, sizeof(q)), first);
    }
    c->extra[index].ptr = ld_path_dup(c);
    if (c->oom || ld_names_add(&c->names, -1, name, index) < 0)
        return ld_nomem(c);
    return 0;
}

/* ---- Objects: "sync", "shared" and "ipc" ---------------------------------- */

/* "a lock, rlock, semaphore or bounded_semaphore" for a SimPrimKind mask. */
static void kinds_phrase(unsigned kinds, char *buf, size_t size)
{
    const char *names[SIM_PRIM_KIND_COUNT];
    char list[128];
    int n = 0, first = -1;
    for (int k = 0; k < SIM_PRIM_KIND_COUNT; k++) {
        if (!(kinds >> k & 1))
            continue;
        if (first < 0)
            first = k;
        names[n++] = ld_prim_names[k];
    }
    ld_join_names(names, n, "", " or ", " or ", list, sizeof(list));
    if (first < 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%s %s", ld_prim_articles[first], list);
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
    ld_quote(name, q, sizeof(q));
    size_t need = strlen(q) + (l->len ? 2 : 0);
    if (l->len + need + 5 > sizeof(l->buf)) {
        snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s...", l->len ? ", " : "");
        l->full = true;
        return;
    }
    l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? ", " : "", q);
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
    ld_path_pop(c, base_len);
    ld_path_push_key(c, section);
    ld_path_push_key(c, key);
    if (!c->oom)
        r = ld_path_dup(c);
    ld_path_pop(c, base_len);
    if (ld_path_reserve(c, len - base_len)) {
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
        mark = ld_path_push_key(c, key);
        rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                         "the name is empty; expected a non-empty name");
        ld_path_pop(c, mark);
        return rc;
    }
    int e = ld_names_find(&c->names, scope, key);
    if (e == -1)
        return 0;
    const char *prev = scope == IPC_SCOPE                                        ? "ipc"
                       : e <= -2 && c->sc->shared[SHARED_ENTRY(e)].scope == SIM_VAR_LOCAL ? "local"
                       : e <= -2                                                  ? "shared"
                                                                                  : "sync";
    if (strcmp(prev, section) == 0)
        return ld_fail_duplicate_key(c, key);
    char *at = sibling_ptr(c, base_len, prev, key);
    if (!at)
        return ld_nomem(c);
    ld_locate(c, at, AT_KEY, 0, true, first, sizeof(first));
    free(at);
    mark = ld_path_push_key(c, key);
    rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                     "duplicate object name '%s' in process '%s' (first under \"%s\" at %s); expected names "
                     "unique across \"sync\", \"shared\" and \"local\"",
                     ld_quote(key, q, sizeof(q)), ld_quote(c->sc->procs[proc].name, q2, sizeof(q2)), prev,
                     first);
    ld_path_pop(c, mark);
    return rc;
}

static int get_prim_type(Loader *c, const cJSON *v, int *out)
{
    char q[64], list[200];
    const char *s = ld_override_text(c, v);
    if (!s && (!cJSON_IsString(v) || !v->valuestring))
        return fail(c, "expected a type such as \"lock\", got %s", ld_type_name(v));
    if (!s)
        s = v->valuestring;
    int i = ld_find_name(ld_prim_names, SIM_PRIM_KIND_COUNT, s);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    ld_quote(s, q, sizeof(q));
    if (strcmp(s, "value") == 0 || strcmp(s, "array") == 0)
        return fail(c, "a multiprocessing.%s lives in memory every process shares; declare it under the "
                       "top-level \"ipc\", e.g. \"ipc\": {\"counter\": {\"type\": \"%s\"}}; a variable "
                       "of this process alone is declared under \"shared\"",
                    s[0] == 'v' ? "Value" : "Array", s);
    const char *best = ld_suggest(s, ld_prim_names, SIM_PRIM_KIND_COUNT);
    if (best)
        return fail(c, "'%s' is not a synchronization type; did you mean '%s'?", q, best);
    ld_join_names(ld_prim_names, SIM_PRIM_KIND_COUNT, "", ", ", ", ", list, sizeof(list));
    return fail(c, "'%s' is not a synchronization type; expected one of %s", q, list);
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
    if (!obj && !cJSON_IsString(v) && !ld_override_text(c, v))
        return fail(c, "expected a type such as \"lock\" or an object such as {\"type\": \"semaphore\", "
                       "\"value\": 3}, got %s", ld_type_name(v));
    mark = c->path_len;
    if (obj && !(f = ld_enter(c, v, "type", &mark)))
        return ld_fail_missing(c, "type", "the object's type, e.g. {\"type\": \"semaphore\", \"value\": 3}");
    if ((rc = get_prim_type(c, f, &kind)) < 0)
        return rc;
    if (ipc && kind == SIM_PRIM_QUEUE)
        return fail(c, "a queue.Queue lives in one process; for a queue between processes declare an "
                       "\"mp_queue\" (multiprocessing.Queue) here, or declare the queue under the \"sync\" "
                       "of the process whose threads use it");
    if (ipc && !(KINDS_IPC >> kind & 1))
        return fail(c, "%s %s cannot be in \"ipc\" in this version of gilsim; \"ipc\" holds what processes "
                       "share: pipes, mp_queues, managers, values, arrays, and the locks, rlocks, semaphores, "
                       "bounded_semaphores and events of multiprocessing; declare it under the \"sync\" of "
                       "the process that uses it", ld_prim_articles[kind], ld_prim_names[kind]);
    if (!ipc && kind == SIM_PRIM_MANAGER)
        return fail(c, "a manager is a server process every process reaches; declare it under the top-level "
                       "\"ipc\", e.g. \"ipc\": {\"m\": \"manager\"}");
    ld_path_pop(c, mark);
    out->kind = (uint8_t)kind;
    if (kind == SIM_PRIM_SEMAPHORE || kind == SIM_PRIM_BOUNDED_SEMAPHORE)
        out->value = 1;
    if (!obj) {
        if (kind == SIM_PRIM_BARRIER)
            return fail(c, "a barrier needs its number of parties; expected {\"type\": \"barrier\", "
                           "\"parties\": N}");
        return 0;
    }

    snprintf(what, sizeof(what), "%s %s", ld_prim_articles[kind], ld_prim_names[kind]);
    switch (kind) {
    case SIM_PRIM_SEMAPHORE:
    case SIM_PRIM_BOUNDED_SEMAPHORE:
        if ((rc = ld_check_only(c, v, FIELDS_SEMAPHORE, COUNT(FIELDS_SEMAPHORE), what)) < 0)
            return rc;
        if ((f = ld_enter(c, v, "value", &mark))) {
            if (cJSON_IsNumber(f) && f->valuedouble < 0) {
                ld_raw_number(c, f, num, sizeof(num));
                return fail(c, "%s is negative; expected an integer from 0 to %.0f (Python raises "
                               "ValueError: semaphore initial value must be >= 0)", num, MAX_COUNT);
            }
            if ((rc = ld_get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
                return rc;
            out->value = (int64_t)n;
            ld_path_pop(c, mark);
        }
        break;
    case SIM_PRIM_CONDITION:
        if ((rc = ld_check_only(c, v, FIELDS_CONDITION, COUNT(FIELDS_CONDITION), what)) < 0)
            return rc;
        if ((f = ld_enter(c, v, "lock", &mark))) {
            const char *s;
            if ((rc = ld_get_string(c, f, "the name of a lock or rlock declared under \"sync\"", &s)) < 0)
                return rc;
            if (!*s)
                return fail(c, "the name is empty; expected the name of a lock or rlock declared under "
                               "\"sync\"");
            ld_path_pop(c, mark);
        }
        break;
    case SIM_PRIM_BARRIER:
        if ((rc = ld_check_only(c, v, FIELDS_BARRIER, COUNT(FIELDS_BARRIER), what)) < 0)
            return rc;
        if (!(f = ld_enter(c, v, "parties", &mark)))
            return ld_fail_missing(c, "parties", "the number of threads that wait for each other, e.g. "
                                                 "{\"type\": \"barrier\", \"parties\": 3}");
        if ((rc = ld_get_integer(c, f, 1, MAX_COUNT, &n)) < 0)
            return rc;
        out->value = (int64_t)n;
        ld_path_pop(c, mark);
        if ((f = ld_enter(c, v, "timeout", &mark))) {
            if ((rc = ld_get_duration(c, f, DUR_NONNEG, &out->timeout)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        break;
    case SIM_PRIM_QUEUE:
    case SIM_PRIM_MP_QUEUE:
        if ((rc = ld_check_only(c, v, FIELDS_QUEUE, COUNT(FIELDS_QUEUE), what)) < 0)
            return rc;
        if ((f = ld_enter(c, v, "maxsize", &mark))) {
            if ((rc = ld_get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
                return rc;
            out->value = (int64_t)n;
            ld_path_pop(c, mark);
        }
        break;
    default:
        if ((rc = ld_check_only(c, v, FIELDS_TYPE, COUNT(FIELDS_TYPE), what)) < 0)
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
                       "\"ready\": \"event\"}, got %s", ld_type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ld_ignored_key(k))
            continue;
        if ((rc = check_object_name(c, OBJ_SCOPE(proc), k, "sync", base_len, proc)) < 0)
            return rc;
        size_t mark = ld_path_push_key(c, k);
        if (sc->n_prims + c->n_ipc >= MAX_PRIMS)
            return fail_too_many_prims(c);
        SimPrimSpec spec;
        if ((rc = load_prim_spec(c, m, proc, false, &spec)) < 0)
            return rc;
        rc = ld_grow_array(c, (void **)&sc->prims, &c->cap_prims, sc->n_prims + 1, sizeof(*sc->prims));
        if (rc < 0)
            return rc;
        if (!(spec.name = strdup(k)))
            return ld_nomem(c);
        int idx = sc->n_prims++;
        sc->prims[idx] = spec;
        if (ld_names_add(&c->names, OBJ_SCOPE(proc), spec.name, idx) < 0)
            return ld_nomem(c);
        ld_path_pop(c, mark);
    }
    return 0;
}

/* A new variable spec at the end of sc->shared; its name is set by the caller. */
static SimSharedSpec *new_variable(Loader *c, int process, int64_t initial, uint8_t scope)
{
    SimScenario *sc = c->sc;
    if (sc->n_shared >= MAX_SHARED) {
        fail_limit(c, "more than %d shared variables; at most %d are supported", MAX_SHARED, MAX_SHARED);
        return NULL;
    }
    if (ld_grow_array(c, (void **)&sc->shared, &c->cap_shared, sc->n_shared + 1, sizeof(*sc->shared)) < 0)
        return NULL;
    SimSharedSpec *ss = &sc->shared[sc->n_shared++];
    *ss = (SimSharedSpec){NULL, process, initial, scope, 0, -1, -1};
    return ss;
}

/* The "shared" (module globals) or "local" (threading.local attributes)
 * object of declared process proc, at the current path. */
static int load_shared(Loader *c, const cJSON *v, int proc, size_t base_len, bool local)
{
    SimScenario *sc = c->sc;
    int rc;
    double n;
    const char *section = local ? "local" : "shared";
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object naming %s with their initial values, e.g. "
                       "{\"count\": 0}, got %s", local ? "the attributes of a threading.local() and"
                                                         : "shared variables", ld_type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ld_ignored_key(k))
            continue;
        if ((rc = check_object_name(c, OBJ_SCOPE(proc), k, section, base_len, proc)) < 0)
            return rc;
        size_t mark = ld_path_push_key(c, k);
        if ((rc = ld_get_integer(c, m, -MAX_SHARED_VALUE, MAX_SHARED_VALUE, &n)) < 0)
            return rc;
        SimSharedSpec *ss = new_variable(c, proc, (int64_t)n, local ? SIM_VAR_LOCAL : SIM_VAR_GLOBAL);
        if (!ss)
            return c->err->code;
        if (!(ss->name = strdup(k)))
            return ld_nomem(c);
        int idx = sc->n_shared - 1;
        if (ld_names_add(&c->names, OBJ_SCOPE(proc), ss->name, SHARED_ENTRY(idx)) < 0)
            return ld_nomem(c);
        ld_path_pop(c, mark);
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
        if (ld_ignored_key(k))
            continue;
        SimPrimSpec *sp = &sc->prims[idx++];
        const cJSON *lv = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "lock") : NULL;
        if (sp->kind != SIM_PRIM_CONDITION || !lv)
            continue;
        size_t mark = ld_path_push_key(c, k);
        ld_path_push_key(c, "lock");
        const char *name;
        int rc = ld_get_string(c, lv, "the name of a lock or rlock declared under \"sync\"", &name);
        if (rc < 0)
            return rc;
        ld_quote(name, q, sizeof(q));
        int e = ld_names_find(&c->names, OBJ_SCOPE(proc), name);
        if (e <= -2)
            return fail(c, "'%s' is a shared variable; a condition's lock must be a lock or rlock declared "
                           "under \"sync\"", q);
        if (e >= 0 && sc->prims[e].kind != SIM_PRIM_LOCK && sc->prims[e].kind != SIM_PRIM_RLOCK)
            return fail(c, "'%s' is %s %s; a condition's lock must be a lock or rlock", q,
                        ld_prim_articles[sc->prims[e].kind], ld_prim_names[sc->prims[e].kind]);
        if (e < 0) {
            const char *best = NULL;
            int best_d = INT_MAX;
            NameList list = {"", 0, false};
            const SimProcessSpec *ps = &sc->procs[proc];
            for (int i = ps->first_prim; i < ps->first_prim + c->extra[proc].n_decl; i++) {
                if (sc->prims[i].kind != SIM_PRIM_LOCK && sc->prims[i].kind != SIM_PRIM_RLOCK)
                    continue;
                ld_suggest_consider(name, sc->prims[i].name, &best, &best_d);
                list_add(&list, sc->prims[i].name);
            }
            ld_quote(ps->name, q2, sizeof(q2));
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
        ld_path_pop(c, mark);
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
        rc = ld_grow_array(c, (void **)&sc->prims, &c->cap_prims, sc->n_prims + 1, sizeof(*sc->prims));
        if (rc < 0)
            return rc;
        size_t len = strlen(sc->prims[i].name) + sizeof(".lock");
        char *name = malloc(len);
        if (!name)
            return ld_nomem(c);
        snprintf(name, len, "%s.lock", sc->prims[i].name);
        int idx = sc->n_prims++;
        sc->prims[idx] = (SimPrimSpec){name, proc, SIM_PRIM_RLOCK, 0, -1, -1};
        sc->prims[i].lock = idx;
    }
    return 0;
}

/* "sync" and "shared" of declared process `index` (the current path is the
 * process object p): its objects, before any of its programs. */
int ld_load_process_objects(Loader *c, const cJSON *p, int index)
{
    SimScenario *sc = c->sc;
    const cJSON *sections[3] = {NULL, NULL, NULL};
    int n = 0, rc;
    for (const cJSON *m = p->child; m; m = m->next)
        if (m->string && (strcmp(m->string, "sync") == 0 || strcmp(m->string, "shared") == 0 ||
                          strcmp(m->string, "local") == 0))
            sections[n++] = m; /* ld_check_keys let each through once */
    sc->procs[index].first_prim = sc->n_prims;
    sc->procs[index].first_shared = sc->n_shared;
    size_t base = c->path_len;
    /* In document order, so a duplicate name is blamed on the later one. */
    for (int i = 0; i < n; i++) {
        bool sync = strcmp(sections[i]->string, "sync") == 0;
        size_t mark = ld_path_push_key(c, sections[i]->string);
        rc = sync ? load_sync(c, sections[i], index, base)
                  : load_shared(c, sections[i], index, base, strcmp(sections[i]->string, "local") == 0);
        if (rc < 0)
            return rc;
        ld_path_pop(c, mark);
        if (sync)
            c->extra[index].n_decl = sc->n_prims - sc->procs[index].first_prim;
        else
            sc->procs[index].n_shared = sc->n_shared - sc->procs[index].first_shared;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(sections[i]->string, "sync") != 0)
            continue;
        size_t mark = ld_path_push_key(c, "sync");
        if ((rc = resolve_condition_locks(c, sections[i], index)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((rc = add_condition_locks(c, index)) < 0)
        return rc;
    sc->procs[index].n_prims = sc->n_prims - sc->procs[index].first_prim;
    return 0;
}

/* "value" or "array" when the "ipc" member v declares a multiprocessing
 * Value or Array (or a Manager's Value), else NULL: an object. */
static const char *variable_type(const cJSON *v)
{
    const char *t = cJSON_IsString(v) ? v->valuestring : NULL;
    if (cJSON_IsObject(v)) {
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(v, "type");
        t = cJSON_IsString(ty) ? ty->valuestring : NULL;
    }
    if (t && (strcmp(t, "value") == 0 || strcmp(t, "array") == 0))
        return t;
    return NULL;
}

/* A Value or Array under "ipc" (the current path is v, named k):
 * multiprocessing.Value(typecode, initial, lock=True), Array(typecode,
 * length, lock=True), or a Manager's Value ("manager": M, resolved once
 * every "ipc" name is known). A lock is an RLock of its own among the
 * "ipc" objects, as multiprocessing makes one. */
static int load_ipc_variable(Loader *c, const cJSON *v, const char *k, bool array, const char **manager)
{
    SimScenario *sc = c->sc;
    size_t mark;
    int rc;
    double n = 0, length = 1;
    bool lock = true;
    const cJSON *f;
    char what[32];
    *manager = NULL;
    snprintf(what, sizeof(what), array ? "an array" : "a value");
    if (cJSON_IsObject(v)) {
        if ((rc = array ? ld_check_only(c, v, FIELDS_ARRAY, COUNT(FIELDS_ARRAY), what)
                        : ld_check_only(c, v, FIELDS_VALUE, COUNT(FIELDS_VALUE), what)) < 0)
            return rc;
        if ((f = ld_enter(c, v, "initial", &mark))) {
            if ((rc = ld_get_integer(c, f, -MAX_SHARED_VALUE, MAX_SHARED_VALUE, &n)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if (array) {
            if (!(f = ld_enter(c, v, "length", &mark)))
                return ld_fail_missing(c, "length", "the number of elements, e.g. {\"type\": \"array\", "
                                                    "\"length\": 4}");
            if ((rc = ld_get_integer(c, f, 1, 1024, &length)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if ((f = ld_enter(c, v, "manager", &mark))) {
            if ((rc = ld_get_name(c, f, manager)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if ((f = ld_enter(c, v, "lock", &mark))) {
            if ((rc = ld_get_bool(c, f, &lock)) < 0)
                return rc;
            if (*manager)
                return fail(c, "a Manager's Value has no lock of its own: every access is a call to the "
                               "manager; expected no \"lock\" beside \"manager\"");
            ld_path_pop(c, mark);
        }
    } else if (array) {
        return fail(c, "an array needs its length; expected {\"type\": \"array\", \"length\": N}");
    }
    if (*manager)
        lock = false;
    SimSharedSpec *ss = new_variable(c, -1, (int64_t)n, *manager ? SIM_VAR_MANAGED : SIM_VAR_VALUE);
    if (!ss)
        return c->err->code;
    int idx = sc->n_shared - 1;
    ss->length = array ? (uint32_t)length : 0; /* 0: a Value, not an array */
    if (!(ss->name = strdup(k)))
        return ld_nomem(c);
    if (ld_names_add(&c->names, IPC_SCOPE, ss->name, SHARED_ENTRY(idx)) < 0)
        return ld_nomem(c);
    if (!lock)
        return 0;
    if (c->n_ipc >= MAX_PRIMS)
        return fail_too_many_prims(c);
    if ((rc = ld_grow_array(c, (void **)&c->ipc, &c->cap_ipc, c->n_ipc + 1, sizeof(*c->ipc))) < 0)
        return rc;
    size_t len = strlen(k) + sizeof(".lock");
    char *name = malloc(len);
    if (!name)
        return ld_nomem(c);
    snprintf(name, len, "%s.lock", k);
    c->ipc[c->n_ipc] = (SimPrimSpec){name, -1, SIM_PRIM_RLOCK, 0, -1, -1};
    sc->shared[idx].lock = IPC_OBJ(c->n_ipc);
    c->n_ipc++;
    return 0;
}

/* The top-level "ipc" object at the current path. */
int ld_load_ipc(Loader *c, const cJSON *v)
{
    int rc;
    char q[64], q2[64];
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object naming what processes share, e.g. {\"results\": \"mp_queue\", "
                       "\"lock\": \"lock\", \"counter\": {\"type\": \"value\"}}, got %s", ld_type_name(v));
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ld_ignored_key(k))
            continue;
        if ((rc = check_object_name(c, IPC_SCOPE, k, "ipc", 0, -1)) < 0)
            return rc;
        size_t mark = ld_path_push_key(c, k);
        const char *vt = variable_type(m);
        if (vt) {
            const char *manager;
            if ((rc = load_ipc_variable(c, m, k, vt[0] == 'a', &manager)) < 0)
                return rc;
            ld_path_pop(c, mark);
            continue;
        }
        if (c->n_ipc >= MAX_PRIMS)
            return fail_too_many_prims(c);
        SimPrimSpec spec;
        if ((rc = load_prim_spec(c, m, -1, true, &spec)) < 0)
            return rc;
        if ((rc = ld_grow_array(c, (void **)&c->ipc, &c->cap_ipc, c->n_ipc + 1, sizeof(*c->ipc))) < 0)
            return rc;
        if (!(spec.name = strdup(k)))
            return ld_nomem(c);
        int idx = c->n_ipc++;
        c->ipc[idx] = spec;
        if (ld_names_add(&c->names, IPC_SCOPE, spec.name, idx) < 0)
            return ld_nomem(c);
        ld_path_pop(c, mark);
    }
    /* A Manager's values name their manager, which may be declared after them. */
    for (const cJSON *m = v->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        const cJSON *mv = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "manager") : NULL;
        if (ld_ignored_key(k) || !variable_type(m) || !cJSON_IsString(mv))
            continue;
        int e = ld_names_find(&c->names, IPC_SCOPE, k);
        size_t mark = ld_path_push_key(c, k);
        ld_path_push_key(c, "manager");
        int mk = ld_names_find(&c->names, IPC_SCOPE, mv->valuestring);
        ld_quote(mv->valuestring, q, sizeof(q));
        if (mk <= -2 || (mk >= 0 && c->ipc[mk].kind != SIM_PRIM_MANAGER))
            return fail(c, "'%s' is not a manager; expected the name of an \"ipc\" object declared "
                           "\"manager\"", q);
        if (mk < 0) {
            const char *best = NULL;
            int best_d = INT_MAX;
            for (int i = 0; i < c->n_ipc; i++)
                if (c->ipc[i].kind == SIM_PRIM_MANAGER)
                    ld_suggest_consider(mv->valuestring, c->ipc[i].name, &best, &best_d);
            if (best)
                return fail(c, "no manager '%s' under \"ipc\"; did you mean '%s'?", q, best);
            return fail(c, "no manager '%s' under \"ipc\"; declare it there, e.g. \"ipc\": {\"%s\": "
                           "\"manager\"}", q, ld_quote(mv->valuestring, q2, sizeof(q2)));
        }
        c->sc->shared[SHARED_ENTRY(e)].manager = IPC_OBJ(mk);
        ld_path_pop(c, mark);
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

    ld_quote(name, q, sizeof(q));
    if (owner < 0 && x->submitter >= 0) {
        int so = objects_owner(c, x->submitter);
        if (ld_names_find(&c->names, OBJ_SCOPE(so), name) != -1)
            return fail(c, "'%s' belongs to process '%s', but a process pool's task runs in another process; "
                           "only \"ipc\" objects are shared with it",
                        q, ld_quote(sc->procs[so].name, q2, sizeof(q2)));
    }
    if (owner >= 0) {
        const SimProcessSpec *ps = &sc->procs[owner];
        if (shared) {
            for (int i = ps->first_shared; i < ps->first_shared + ps->n_shared; i++) {
                ld_suggest_consider(name, sc->shared[i].name, &best, &best_d);
                list_add(&list, sc->shared[i].name);
            }
        } else {
            for (int i = ps->first_prim; i < ps->first_prim + c->extra[owner].n_decl; i++) {
                ld_suggest_consider(name, sc->prims[i].name, &best, &best_d);
                list_add(&list, sc->prims[i].name);
            }
        }
        snprintf(where, sizeof(where), "in process '%s'", ld_quote(ps->name, q2, sizeof(q2)));
    } else {
        snprintf(where, sizeof(where), "in a process pool's task");
    }
    if (!shared) {
        for (int i = 0; i < c->n_ipc; i++) {
            ld_suggest_consider(name, c->ipc[i].name, &best, &best_d);
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
    snprintf(eg, sizeof(eg), "%s", ld_prim_names[k]);
    if (kinds & KINDS_IPC & ~PK(SIM_PRIM_MANAGER)) {
        /* Declared in each process's "sync", it would be one object per
         * process: what processes share is declared once, under "ipc". */
        const char *ipc_eg = (kinds & KINDS_QUEUE) ? "mp_queue" : eg;
        return fail(c, "no object '%s' %s; none are declared under \"sync\"; declare it there for this "
                       "process's threads, e.g. \"sync\": {\"%s\": \"%s\"}, or once under the top-level "
                       "\"ipc\" to share it between processes, e.g. \"ipc\": {\"%s\": \"%s\"}",
                    q, where, q, eg, q, ipc_eg);
    }
    return fail(c, "no object '%s' %s; none are declared under \"sync\"; declare it there, e.g. \"sync\": "
                   "{\"%s\": \"%s\"}", q, where, q, eg);
}

/*
 * The object an op names (v, at the current path): the thread's process's
 * "sync" first, then "ipc". *obj is an index into sc->prims, or IPC_OBJ(k)
 * for "ipc" object k; *kind its kind, which must be in `kinds`.
 */
int ld_resolve_prim(Loader *c, const Ctx *x, const cJSON *v, unsigned kinds, const char *op, int *obj,
                    int *kind)
{
    char need[160], what[200], q[64], hint[160] = "";
    const char *name;
    const SimPrimSpec *sp = NULL;
    int rc;

    kinds_phrase(kinds, need, sizeof(need));
    snprintf(what, sizeof(what), "the name of %s", need);
    if ((rc = ld_get_string(c, v, what, &name)) < 0)
        return rc;
    if (!*name)
        return fail(c, "the name is empty; expected %s", what);
    ld_quote(name, q, sizeof(q));
    if (x->proc >= 0) {
        int e = ld_names_find(&c->names, OBJ_SCOPE(objects_owner(c, x->proc)), name);
        if (e <= -2)
            return fail(c, "'%s' is %s; %s needs %s", q,
                        c->sc->shared[SHARED_ENTRY(e)].scope == SIM_VAR_LOCAL ? "an attribute of a threading.local()"
                                                                               : "a shared variable",
                        op, need);
        if (e >= 0) {
            sp = &c->sc->prims[e];
            *obj = e;
        }
    }
    if (!sp) {
        int k = ld_names_find(&c->names, IPC_SCOPE, name);
        if (k >= 0) {
            sp = &c->ipc[k];
            *obj = IPC_OBJ(k);
        } else if (k <= -2) {
            /* A Value or Array: `with v.get_lock():` takes its lock. */
            const SimSharedSpec *ss = &c->sc->shared[SHARED_ENTRY(k)];
            if ((kinds & KINDS_LOCK) && ss->lock != -1) {
                *obj = ss->lock;
                *kind = SIM_PRIM_RLOCK;
                return 0;
            }
            if (kinds & KINDS_LOCK)
                return fail(c, "'%s' is a %s without a lock (%s); %s needs %s", q,
                            ss->scope == SIM_VAR_MANAGED ? "Manager's Value" : ss->length > 0 ? "multiprocessing Array" : "multiprocessing Value",
                            ss->scope == SIM_VAR_MANAGED ? "its accesses are calls to the manager" : "\"lock\": false",
                            op, need);
            return fail(c, "'%s' is a variable (a multiprocessing Value or Array); %s needs %s", q, op, need);
        }
    }
    if (!sp)
        return fail_no_object(c, x, name, false, kinds);
    if (!(kinds >> sp->kind & 1)) {
        if (sp->kind == SIM_PRIM_CONDITION && (kinds & KINDS_LOCK))
            snprintf(hint, sizeof(hint),
                     " (to hold a condition's lock, use {\"with\": \"%s\", \"do\": [...]})", q);
        return fail(c, "'%s' is %s %s; %s needs %s%s", q, ld_prim_articles[sp->kind], ld_prim_names[sp->kind],
                    op, need, hint);
    }
    *kind = sp->kind;
    return 0;
}

/* The variable an increment, assign or poll names (v, at the current path). */
int ld_resolve_shared(Loader *c, const Ctx *x, const cJSON *v, const char *op, int *obj)
{
    const char *name;
    const SimPrimSpec *sp = NULL;
    char q[64];
    int rc;
    if ((rc = ld_get_string(c, v, "the name of a shared variable", &name)) < 0)
        return rc;
    if (!*name)
        return fail(c, "the name is empty; expected the name of a shared variable");
    ld_quote(name, q, sizeof(q));
    if (x->proc >= 0) {
        int e = ld_names_find(&c->names, OBJ_SCOPE(objects_owner(c, x->proc)), name);
        if (e <= -2) {
            *obj = SHARED_ENTRY(e); /* the encoding is its own inverse */
            return 0;
        }
        if (e >= 0)
            sp = &c->sc->prims[e];
    }
    if (!sp) {
        int k = ld_names_find(&c->names, IPC_SCOPE, name);
        if (k >= 0)
            sp = &c->ipc[k];
        else if (k <= -2) {
            *obj = SHARED_ENTRY(k);
            return 0;
        }
    }
    if (sp)
        return fail(c, "'%s' is %s %s; %s needs a variable (declared under \"shared\" or \"local\", or a "
                       "value or array under \"ipc\")", q, ld_prim_articles[sp->kind], ld_prim_names[sp->kind],
                    op);
    return fail_no_object(c, x, name, true, 0);
}

/* Moves the "ipc" objects behind every process's and points the ops that
 * name them at their final indices. */
int ld_place_ipc(Loader *c)
{
    SimScenario *sc = c->sc;
    int base = sc->n_prims, rc;
    if (c->n_ipc == 0)
        return 0;
    if ((rc = ld_grow_array(c, (void **)&sc->prims, &c->cap_prims, base + c->n_ipc, sizeof(*sc->prims))) < 0)
        return rc;
    memcpy(sc->prims + base, c->ipc, (size_t)c->n_ipc * sizeof(*c->ipc));
    sc->n_prims += c->n_ipc;
    c->n_ipc = 0; /* the names belong to sc now */
    for (uint32_t i = 0; i < sc->n_ops; i++) {
        SimOp *op = &sc->ops[i];
        bool names_prim = (op->kind >= SIM_OP_ACQUIRE && op->kind <= SIM_OP_GET) || op->kind == SIM_OP_CALL ||
                          op->kind == SIM_OP_SERVE || (op->kind == SIM_OP_POLL && !(op->flags & SIM_OPF_VAR));
        if (names_prim && op->obj <= -2)
            op->obj = base + IPC_OBJ(op->obj); /* the encoding is its own inverse */
    }
    for (int i = 0; i < sc->n_shared; i++) {
        SimSharedSpec *ss = &sc->shared[i];
        if (ss->lock <= -2)
            ss->lock = base + IPC_OBJ(ss->lock);
        if (ss->manager <= -2)
            ss->manager = base + IPC_OBJ(ss->manager);
    }
    for (int p = 0; p < sc->n_procs; p++)
        if (sc->procs[p].serves > 0)
            sc->procs[p].serves += base; /* 1 + k of "ipc" becomes 1 + its index */
    return 0;
}

/* ---- Objects declared in several processes -------------------------------- */

typedef struct DeclUse {
    int prim;                     /* index in sc->prims */
    int proc;                     /* the declaring process */
    uint32_t puts, gets, acquires; /* ops on it, fork children's included */
} DeclUse;

static const SimScenario *decl_sc;

static int by_decl_name(const void *a, const void *b)
{
    const DeclUse *x = a, *y = b;
    int r = strcmp(decl_sc->prims[x->prim].name, decl_sc->prims[y->prim].name);
    return r ? r : x->proc - y->proc;
}

/* Fails at /processes/P/sync/NAME. */
static int fail_at_sync(Loader *c, int proc, const char *name, const char *msg)
{
    ld_path_pop(c, 0);
    ld_path_push_key(c, "processes");
    ld_path_push_index(c, (size_t)proc);
    ld_path_push_key(c, "sync");
    ld_path_push_key(c, name);
    return c->oom ? ld_nomem(c) : fail(c, "%s", msg);
}

int ld_check_sharing(Loader *c)
{
    SimScenario *sc = c->sc;
    int n = 0, rc = 0;
    const unsigned kinds = KINDS_QUEUE | KINDS_LOCK | PK(SIM_PRIM_EVENT);
    for (int p = 0; p < c->n_decl_procs; p++)
        n += c->extra[p].n_decl;
    if (n < 2)
        return 0;
    DeclUse *d = calloc((size_t)n, sizeof(*d));
    int *slot = malloc((size_t)sc->n_prims * sizeof(int));
    if (!d || !slot) {
        free(d);
        free(slot);
        return ld_nomem(c);
    }
    for (int i = 0; i < sc->n_prims; i++)
        slot[i] = -1;
    int k = 0;
    for (int p = 0; p < c->n_decl_procs; p++)
        for (int i = sc->procs[p].first_prim; i < sc->procs[p].first_prim + c->extra[p].n_decl; i++)
            if (kinds >> sc->prims[i].kind & 1) {
                slot[i] = k;
                d[k++] = (DeclUse){i, p, 0, 0, 0};
            }
    for (uint32_t i = 0; i < sc->n_ops; i++) {
        const SimOp *op = &sc->ops[i];
        if ((op->kind != SIM_OP_PUT && op->kind != SIM_OP_GET && op->kind != SIM_OP_ACQUIRE) || op->obj < 0 ||
            op->obj >= sc->n_prims || slot[op->obj] < 0)
            continue;
        DeclUse *u = &d[slot[op->obj]];
        u->puts += op->kind == SIM_OP_PUT;
        u->gets += op->kind == SIM_OP_GET;
        u->acquires += op->kind == SIM_OP_ACQUIRE;
    }
    decl_sc = sc;
    qsort(d, (size_t)k, sizeof(*d), by_decl_name);
    char msg[1024], q[64], a[64], b[64];
    for (int i = 0; i < k && rc == 0;) {
        int j = i;
        while (j < k && strcmp(sc->prims[d[j].prim].name, sc->prims[d[i].prim].name) == 0)
            j++;
        if (j - i >= 2) {
            const SimPrimSpec *sp = &sc->prims[d[i].prim];
            int writer = -1, reader = -1, takers = 0;
            for (int m = i; m < j; m++) {
                if (d[m].puts && !d[m].gets && writer < 0)
                    writer = m;
                if (d[m].gets && !d[m].puts && reader < 0)
                    reader = m;
                takers += d[m].acquires > 0;
            }
            ld_quote(sp->name, q, sizeof(q));
            if ((KINDS_QUEUE >> sp->kind & 1) && writer >= 0 && reader >= 0) {
                ld_quote(sc->procs[d[writer].proc].name, a, sizeof(a));
                ld_quote(sc->procs[d[reader].proc].name, b, sizeof(b));
                snprintf(msg, sizeof(msg),
                         "%s %s '%s' is declared in the \"sync\" of process '%s' and of process '%s': these are "
                         "two separate objects, so what '%s' puts never reaches '%s', whose get waits forever; "
                         "declare it once under the top-level \"ipc\" to share it between processes, e.g. "
                         "\"ipc\": {\"%s\": \"%s\"}", ld_prim_articles[sp->kind], ld_prim_names[sp->kind], q, a,
                         b, a, b, q, sp->kind == SIM_PRIM_PIPE ? "pipe" : "mp_queue");
                rc = fail_at_sync(c, d[reader].proc, sp->name, msg);
            } else if (!(KINDS_QUEUE >> sp->kind & 1) && takers >= 2) {
                ld_quote(sc->procs[d[i].proc].name, a, sizeof(a));
                ld_quote(sc->procs[d[i + 1].proc].name, b, sizeof(b));
                rc = ld_warning(c, "%s %s '%s' is declared in the \"sync\" of process '%s' and of process '%s'%s: "
                                   "each process has its own, so they never exclude each other; to share one "
                                   "between processes, declare it once under the top-level \"ipc\" (a "
                                   "multiprocessing %s)", ld_prim_articles[sp->kind], ld_prim_names[sp->kind], q,
                                a, b, j - i > 2 ? " and others" : "",
                                sp->kind == SIM_PRIM_EVENT ? "Event" : sp->kind == SIM_PRIM_RLOCK ? "RLock"
                                : sp->kind == SIM_PRIM_LOCK ? "Lock" : "Semaphore");
            }
        }
        i = j;
    }
    free(d);
    free(slot);
    return rc;
}
