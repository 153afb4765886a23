/*
 * objects.c - the objects a scenario declares: the synchronization objects
 * of "sync" and "ipc", and the variables of "shared", "local" and "ipc".
 * Their names go into the name table (names.c). The objects of a
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

/* ---- Objects: "sync", "shared" and "ipc" ---------------------------------- */

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
                ld_list_add(&list, sc->prims[i].name);
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
