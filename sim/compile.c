/*
 * compile.c - thread programs: operation objects compiled into flat SimOp
 * runs, fork children and pools, met in the walk (link.c finishes them).
 *
 * Each thread's program is one contiguous run of SimScenario.ops, a repeat
 * (or `with`) body following its op. A fork child gets its own process and
 * thread templates, appended behind the declared ones as the walk meets
 * the fork, and its program is compiled on the spot. A pool's worker
 * program is compiled where the pool is met but placed after the walk
 * (link.c), behind every declared and fork-child template. start and join
 * may name processes declared further down, so they are recorded as Refs
 * and resolved there once every name is known.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"


/* ---- Operations ----------------------------------------------------------
 * Each operation object has exactly one operation key; the keys listed as
 * modifiers may stand beside it. `family` says how it is compiled.
 */
enum {
    F_DUR = 0, F_REPEAT, F_START, F_JOIN, F_FORK, F_ACQUIRE, F_RELEASE, F_WITH, F_WAIT, F_SET,
    F_CLEAR, F_NOTIFY, F_NOTIFY_ALL, F_PUT, F_GET, F_INCREMENT, F_THREAD_POOL, F_PROCESS_POOL,
    F_TERMINATE, F_KILL, F_EXIT, F_POLL, F_BRANCH, F_ASSIGN, F_CALL,
};

static const char *const MODS_DO[] = {"do"};
static const char *const MODS_ACQUIRE[] = {"timeout", "blocking"};
static const char *const MODS_TIMEOUT[] = {"timeout"};
static const char *const MODS_NOTIFY[] = {"n"};
static const char *const MODS_PUT[] = {"timeout", "transfer"};
static const char *const MODS_INCREMENT[] = {"call_between", "index"};
static const char *const MODS_POLL[] = {"until", "index"};
static const char *const MODS_ASSIGN[] = {"value", "index"};
static const char *const BRANCH_KEYS[] = {"p", "then", "else"};

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
    {"terminate", SIM_OP_TERMINATE, F_TERMINATE, NULL, 0},
    {"kill", SIM_OP_TERMINATE, F_KILL, NULL, 0},
    {"os_exit", SIM_OP_EXIT, F_EXIT, NULL, 0},
    {"poll", SIM_OP_POLL, F_POLL, MODS(MODS_POLL)},
    {"branch", SIM_OP_BRANCH, F_BRANCH, NULL, 0},
    {"assign", SIM_OP_ASSIGN, F_ASSIGN, MODS(MODS_ASSIGN)},
    {"call", SIM_OP_CALL, F_CALL, NULL, 0},
};
#undef MODS
#define N_OPS ((int)(sizeof(OPS) / sizeof(OPS[0])))


/* ---- Programs ----------------------------------------------------------- */

/* "a" or "an" before an operation or key name. */
static const char *article(const char *word)
{
    return word[0] && strchr("aeiou", word[0]) ? "an" : "a";
}

int ld_op_push(Loader *c, OpVec *vec, int kind, SimOp **out)
{
    if (c->ops_made >= MAX_OPS)
        return fail_limit(c, "more than %u operations in all; at most %u are supported (a repeat "
                             "body counts once)", MAX_OPS, MAX_OPS);
    if (vec->n == vec->cap) {
        uint32_t cap = vec->cap ? vec->cap * 2 : 16;
        SimOp *v = realloc(vec->v, cap * sizeof(*v));
        if (!v)
            return ld_nomem(c);
        vec->v = v;
        vec->cap = cap;
    }
    SimOp *op = &vec->v[vec->n++];
    memset(op, 0, sizeof(*op));
    op->kind = (uint8_t)kind;
    op->target = -1;
    op->obj = -1;
    op->timeout = -1; /* blocking ops wait for as long as it takes */
    op->src = c->ops_made;
    if (op->src == c->want_src && !c->want_ptr && !(c->want_ptr = strndup(c->path, c->op_at)))
        return ld_nomem(c);
    c->ops_made++;
    *out = op;
    return 0;
}

int ld_ops_append(Loader *c, const OpVec *vec, uint32_t *first)
{
    SimScenario *sc = c->sc;
    if (sc->n_ops + vec->n > c->cap_ops) {
        uint32_t cap = c->cap_ops ? c->cap_ops : 64;
        while (cap < sc->n_ops + vec->n)
            cap *= 2;
        SimOp *ops = realloc(sc->ops, cap * sizeof(*ops));
        if (!ops)
            return ld_nomem(c);
        sc->ops = ops;
        c->cap_ops = cap;
    }
    if (vec->n)
        memcpy(sc->ops + sc->n_ops, vec->v, vec->n * sizeof(*vec->v));
    *first = sc->n_ops;
    sc->n_ops += vec->n;
    return 0;
}

/* Reads the "timeout" modifier of op object o, if there; *out is kept otherwise. */
static int op_timeout(Loader *c, const cJSON *o, SimTime *out)
{
    size_t mark;
    const cJSON *v = ld_enter(c, o, "timeout", &mark);
    if (!v)
        return 0;
    int rc = ld_get_duration(c, v, DUR_NONNEG, out);
    if (rc == 0)
        ld_path_pop(c, mark);
    return rc;
}

/* The "index" modifier of op object o on variable obj: required to be
 * within an Array's length, refused for anything else. */
static int var_index(Loader *c, const cJSON *o, int obj, uint16_t *out)
{
    size_t mark;
    double n;
    const SimSharedSpec *ss = &c->sc->shared[obj];
    char q[64];
    const cJSON *v = ld_enter(c, o, "index", &mark);
    *out = 0;
    if (!v)
        return 0;
    if (ss->scope != SIM_VAR_VALUE || ss->length == 0)
        return fail(c, "'%s' is not an array; \"index\" picks an element of an array declared under \"ipc\"",
                    ld_quote(ss->name, q, sizeof(q)));
    int rc = ld_get_integer(c, v, 0, (double)ss->length - 1, &n);
    if (rc < 0)
        return rc;
    *out = (uint16_t)n;
    ld_path_pop(c, mark);
    return 0;
}

/* Is name a variable where the op stands (its process's "shared" or
 * "local", or an "ipc" Value or Array)? */
static bool names_variable(Loader *c, const Ctx *x, const char *name)
{
    if (x->proc >= 0) {
        int p = x->proc;
        while (p >= c->n_decl_procs && c->extra[p].parent >= 0)
            p = c->extra[p].parent;
        int e = ld_names_find(&c->names, OBJ_SCOPE(p), name);
        if (e != -1)
            return e <= -2;
    }
    return ld_names_find(&c->names, IPC_SCOPE, name) <= -2;
}

/* os_exit, poll, branch, assign and call; the current path is the op object. */
static int compile_more_op(Loader *c, const cJSON *o, const cJSON *key, const OpDef *def, OpVec *vec,
                           const Ctx *x, int depth)
{
    SimScenario *sc = c->sc;
    size_t mark = ld_path_push_key(c, key->string), m2;
    int obj = -1, kind = 0, rc;
    double n;
    SimOp *op;
    const cJSON *v;
    char q[64];

    switch (def->family) {
    case F_EXIT:
        /* os._exit(n): a status from 0 to 255, as the OS keeps it. */
        if ((rc = ld_get_integer(c, key, 0, 255, &n)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_EXIT, &op)) < 0)
            return rc;
        op->value = (int64_t)n;
        break;
    case F_CALL:
        if ((rc = ld_resolve_prim(c, x, key, PK(SIM_PRIM_MANAGER), "call", &obj, &kind)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_CALL, &op)) < 0)
            return rc;
        op->obj = obj;
        break;
    case F_POLL: {
        const cJSON *until = cJSON_GetObjectItemCaseSensitive(o, "until");
        bool var = cJSON_IsString(key) && names_variable(c, x, key->valuestring);
        if (var && !until)
            return fail(c, "'%s' is a variable; a poll on it needs the value it waits for, e.g. {\"poll\": "
                           "\"%s\", \"until\": 3} (while %s < 3: pass)", ld_quote(key->valuestring, q, sizeof(q)),
                        q, q);
        if (!var) {
            if ((rc = ld_resolve_prim(c, x, key, KINDS_POLL, "poll", &obj, &kind)) < 0)
                return rc;
            if (until) {
                ld_path_pop(c, mark);
                ld_enter(c, o, "until", &m2);
                return fail(c, "\"until\" is the value a variable is polled for; a poll on %s %s waits until "
                               "%s", ld_prim_articles[kind], ld_prim_names[kind],
                            kind == SIM_PRIM_EVENT ? "it is set (while not e.is_set(): pass)"
                            : (KINDS_QUEUE >> kind & 1) ? "it has an item (while q.empty(): pass)"
                                                        : "it is free (while lock.locked(): pass)");
            }
            ld_path_pop(c, mark);
            if (cJSON_GetObjectItemCaseSensitive(o, "index"))
                return fail(c, "\"index\" picks an element of an array; a poll on %s %s has none",
                            ld_prim_articles[kind], ld_prim_names[kind]);
            if ((rc = ld_op_push(c, vec, SIM_OP_POLL, &op)) < 0)
                return rc;
            op->obj = obj;
            return 0;
        }
        if ((rc = ld_resolve_shared(c, x, key, "poll", &obj)) < 0)
            return rc;
        if (sc->shared[obj].scope == SIM_VAR_MANAGED)
            return fail(c, "'%s' is a Manager's Value: each test of a poll would be a call to the manager; "
                           "expected a variable of this process or a multiprocessing Value or Array",
                        ld_quote(key->valuestring, q, sizeof(q)));
        ld_path_pop(c, mark);
        ld_enter(c, o, "until", &m2);
        if ((rc = ld_get_integer(c, until, -MAX_SHARED_VALUE, MAX_SHARED_VALUE, &n)) < 0)
            return rc;
        ld_path_pop(c, m2);
        uint16_t index;
        if ((rc = var_index(c, o, obj, &index)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_POLL, &op)) < 0)
            return rc;
        op->obj = obj;
        op->flags |= SIM_OPF_VAR;
        op->value = (int64_t)n;
        op->index = index;
        return 0;
    }
    case F_ASSIGN: {
        if ((rc = ld_resolve_shared(c, x, key, "assign", &obj)) < 0)
            return rc;
        ld_path_pop(c, mark);
        if (!(v = ld_enter(c, o, "value", &m2)))
            return ld_fail_missing(c, "value", "the value stored, e.g. {\"assign\": \"x\", \"value\": 99}");
        if ((rc = ld_get_integer(c, v, -2147483647.0, 2147483647.0, &n)) < 0)
            return rc;
        ld_path_pop(c, m2);
        uint16_t index;
        if ((rc = var_index(c, o, obj, &index)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_ASSIGN, &op)) < 0)
            return rc;
        op->obj = obj;
        op->value = (int64_t)n;
        op->index = index;
        return 0;
    }
    case F_BRANCH: {
        /* if random.random() < p: then, else: else. Compiled as BRANCH, the
         * then-part, a SKIP over the else-part, the else-part. */
        double p = 0;
        if (!cJSON_IsObject(key))
            return fail(c, "expected {\"p\": 0.9, \"then\": [...], \"else\": [...]}, got %s", ld_type_name(key));
        if ((rc = ld_check_keys(c, key, BRANCH_KEYS, COUNT(BRANCH_KEYS))) < 0)
            return rc;
        if (!(v = ld_enter(c, key, "p", &m2)))
            return ld_fail_missing(c, "p", "the probability of the \"then\" part, from 0 to 1, e.g. "
                                           "{\"p\": 0.9, \"then\": [...], \"else\": [...]}");
        if ((rc = ld_get_number(c, v, 0, 1, &p)) < 0)
            return rc;
        ld_path_pop(c, m2);
        const cJSON *then_ops = ld_enter(c, key, "then", &m2);
        if (!then_ops)
            return ld_fail_missing(c, "then", "the operations run with probability p, e.g. [{\"cpu\": \"1ms\"}]");
        ld_path_pop(c, m2);
        if (depth + 1 > MAX_REPEAT_DEPTH)
            return fail(c, "repeats and branches nested %d levels deep; expected at most %d levels", depth + 1,
                        MAX_REPEAT_DEPTH);
        if ((rc = ld_op_push(c, vec, SIM_OP_BRANCH, &op)) < 0)
            return rc;
        uint32_t at = vec->n - 1;
        vec->v[at].value = (int64_t)llround(p * 1e9);
        for (int part = 0; part < 2; part++) {
            const cJSON *ops = ld_enter(c, key, part ? "else" : "then", &m2);
            if (part == 1) {
                if ((rc = ld_op_push(c, vec, SIM_OP_SKIP, &op)) < 0)
                    return rc;
                vec->v[at].body_len = vec->n - at - 1;
            }
            if (!ops)
                continue;
            if (!cJSON_IsArray(ops))
                return fail(c, "expected an array of operations, got %s", ld_type_name(ops));
            uint32_t skip = vec->n - 1;
            if ((rc = ld_compile_ops(c, ops, vec, x, depth + 1)) < 0)
                return rc;
            if (part == 1)
                vec->v[skip].body_len = vec->n - skip - 1;
            ld_path_pop(c, m2);
        }
        break;
    }
    default:
        break;
    }
    ld_path_pop(c, mark);
    return 0;
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
    size_t mark = ld_path_push_key(c, key->string);
    int obj = -1, kind = 0, rc;
    SimTime timeout = -1;
    SimOp *op;
    const cJSON *v;
    char q[64];

    if (def->family == F_INCREMENT)
        rc = ld_resolve_shared(c, x, key, "increment", &obj);
    else
        rc = ld_resolve_prim(c, x, key, kinds_of[def->family], key->string, &obj, &kind);
    if (rc < 0)
        return rc;
    ld_path_pop(c, mark);
    if (ld_find_name(def->mods, def->n_mods, "timeout") >= 0 && (rc = op_timeout(c, o, &timeout)) < 0)
        return rc;

    switch (def->family) {
    case F_ACQUIRE: {
        bool blocking = true;
        if ((v = ld_enter(c, o, "blocking", &mark))) {
            if ((rc = ld_get_bool(c, v, &blocking)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if (!blocking && timeout >= 0) {
            ld_enter(c, o, "timeout", &mark);
            return fail(c, "can't specify a timeout for a non-blocking call (CPython raises ValueError); "
                           "expected either \"timeout\" or \"blocking\": false");
        }
        if ((rc = ld_op_push(c, vec, SIM_OP_ACQUIRE, &op)) < 0)
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
        if (!(v = ld_enter(c, o, "do", &mark)))
            return ld_fail_missing(c, "do", "the operations to run while holding it, e.g. "
                                            "{\"with\": \"lock\", \"do\": [{\"cpu\": \"1ms\"}]}");
        if (!cJSON_IsArray(v))
            return fail(c, "expected an array of operations, got %s", ld_type_name(v));
        if ((rc = ld_op_push(c, vec, SIM_OP_ACQUIRE, &op)) < 0)
            return rc;
        op->obj = lock;
        op->flags |= SIM_OPF_WITH;
        if ((rc = ld_compile_ops(c, v, vec, x, depth)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_RELEASE, &op)) < 0)
            return rc;
        op->obj = lock;
        ld_path_pop(c, mark);
        return 0;
    }
    case F_NOTIFY: {
        double n = 1;
        if ((v = ld_enter(c, o, "n", &mark))) {
            if ((rc = ld_get_integer(c, v, 1, MAX_COUNT, &n)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if ((rc = ld_op_push(c, vec, SIM_OP_NOTIFY, &op)) < 0)
            return rc;
        op->obj = obj;
        op->count = (uint32_t)n;
        return 0;
    }
    case F_PUT: {
        SimDist transfer = {SIM_DIST_FIXED, 0, 0};
        if ((v = ld_enter(c, o, "transfer", &mark))) {
            if (kind != SIM_PRIM_PIPE && kind != SIM_PRIM_MP_QUEUE)
                return fail(c, "'%s' is %s %s; \"transfer\" is the time a payload takes through a pipe, so "
                               "it applies only to a pipe or mp_queue",
                            ld_quote(c->sc->prims[obj].name, q, sizeof(q)), ld_prim_articles[kind],
                            ld_prim_names[kind]);
            if ((rc = ld_get_dist(c, v, &transfer)) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
        if ((rc = ld_op_push(c, vec, SIM_OP_PUT, &op)) < 0)
            return rc;
        op->obj = obj;
        op->timeout = timeout;
        op->dur = transfer;
        return 0;
    }
    case F_INCREMENT: {
        bool call = false;
        uint16_t index = 0;
        if ((v = ld_enter(c, o, "call_between", &mark))) {
            if ((rc = ld_get_bool(c, v, &call)) < 0)
                return rc;
            if (call && c->sc->shared[obj].scope >= SIM_VAR_VALUE)
                return fail(c, "\"call_between\" is for a variable of Python code; a multiprocessing Value "
                               "or a Manager's Value already reads and writes in two separate steps");
            ld_path_pop(c, mark);
        }
        if ((rc = var_index(c, o, obj, &index)) < 0)
            return rc;
        if ((rc = ld_op_push(c, vec, SIM_OP_INCREMENT, &op)) < 0)
            return rc;
        op->obj = obj;
        op->index = index;
        if (call)
            op->flags |= SIM_OPF_CALL_BETWEEN;
        return 0;
    }
    default: /* release, wait, set, clear, notify_all, get */
        if ((rc = ld_op_push(c, vec, def->kind, &op)) < 0)
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
        if (ld_find_name(OPS[i].mods, OPS[i].n_mods, k) >= 0)
            return true;
    return false;
}

static void op_names(char *buf, size_t size)
{
    const char *names[N_OPS];
    for (int i = 0; i < N_OPS; i++)
        names[i] = OPS[i].name;
    ld_join_names(names, N_OPS, "", ", ", ", ", buf, size);
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
        return fail(c, "expected an operation such as {\"cpu\": \"1ms\"}, got %s", ld_type_name(o));
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        const OpDef *d;
        if (ld_ignored_key(k))
            continue;
        if ((d = find_op(k))) {
            if (key && strcmp(key->string, k) == 0)
                return ld_fail_duplicate_key(c, k);
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
            ld_suggest_consider(k, OPS[i].name, &best, &best_d);
        char *at = ld_path_child(c, k);
        if (!at)
            return ld_nomem(c);
        ld_quote(k, q, sizeof(q));
        op_names(list, sizeof(list));
        if (best)
            rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, at, AT_KEY, 0,
                             "unknown operation '%s'; did you mean '%s'?", q, best);
        else
            rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, at, AT_KEY, 0,
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
            if (ld_find_name(OPS[i].mods, OPS[i].n_mods, k) >= 0)
                names[n++] = OPS[i].name;
        ld_join_names(names, n, "", ", ", ", ", list, sizeof(list));
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
    if ((rc = ld_check_only(c, o, allowed, 1 + def->n_mods, in)) < 0)
        return rc;
    if (x->task && (def->family == F_START || def->family == F_JOIN || def->family == F_FORK ||
                    def->family == F_THREAD_POOL || def->family == F_PROCESS_POOL ||
                    def->family == F_TERMINATE || def->family == F_KILL || def->family == F_EXIT)) {
        mark = ld_path_push_key(c, key->string);
        return fail(c, "'%s' is not supported in a pool's task; expected the task's own work: cpu, c_call, "
                       "nogil, io, sleep, repeat, with and the synchronization operations", def->name);
    }
    if (def->family >= F_ACQUIRE && def->family <= F_INCREMENT)
        return compile_sync_op(c, o, key, def, vec, x, depth);
    if (def->family >= F_EXIT)
        return compile_more_op(c, o, key, def, vec, x, depth);

    SimTime timeout = -1;
    if (def->family == F_JOIN && (rc = op_timeout(c, o, &timeout)) < 0)
        return rc;
    const cJSON *do_item = cJSON_GetObjectItemCaseSensitive(o, "do");
    mark = ld_path_push_key(c, key->string);
    switch (def->family) {
    case F_DUR: {
        SimDist d;
        if ((rc = ld_get_dist(c, key, &d)) < 0)
            break;
        SimOp *op;
        if ((rc = ld_op_push(c, vec, def->kind, &op)) < 0)
            break;
        op->dur = d;
        break;
    }
    case F_REPEAT: {
        double n;
        if ((rc = ld_get_integer(c, key, 0, INT32_MAX, &n)) < 0)
            break;
        ld_path_pop(c, mark);
        if (!do_item)
            return ld_fail_missing(c, "do", "the operations to repeat, e.g. {\"repeat\": 10, \"do\": "
                                            "[{\"cpu\": \"1ms\"}]}");
        if (depth + 1 > MAX_REPEAT_DEPTH)
            return fail(c, "repeat nested %d levels deep; expected at most %d levels", depth + 1,
                        MAX_REPEAT_DEPTH);
        mark = ld_path_push_key(c, "do");
        if (!cJSON_IsArray(do_item)) {
            rc = fail(c, "expected an array of operations, got %s", ld_type_name(do_item));
            break;
        }
        SimOp *op;
        if ((rc = ld_op_push(c, vec, SIM_OP_REPEAT, &op)) < 0)
            break;
        uint32_t at = vec->n - 1;
        vec->v[at].count = (uint32_t)n;
        if ((rc = ld_compile_ops(c, do_item, vec, x, depth + 1)) < 0)
            break;
        vec->v[at].body_len = vec->n - at - 1;
        break;
    }
    case F_START:
    case F_JOIN:
    case F_TERMINATE:
    case F_KILL: {
        const char *name;
        if ((rc = ld_get_string(c, key, def->family >= F_TERMINATE ? "the name of a process"
                                                                   : "the name of a thread or process", &name)) < 0)
            break;
        if (!*name) {
            rc = fail(c, "the name is empty; expected the name of a thread or process");
            break;
        }
        if (c->n_refs == c->cap_refs) {
            size_t cap = c->cap_refs ? c->cap_refs * 2 : 16;
            Ref *r = realloc(c->refs, cap * sizeof(*r));
            if (!r) {
                rc = ld_nomem(c);
                break;
            }
            c->refs = r;
            c->cap_refs = cap;
        }
        SimOp *op;
        if ((rc = ld_op_push(c, vec, def->kind, &op)) < 0)
            break;
        op->timeout = timeout;
        if (def->family == F_KILL)
            op->flags |= SIM_OPF_KILL;
        Ref *r = &c->refs[c->n_refs];
        r->thread = x->thread;
        r->op = vec->n - 1;
        r->name = name;
        r->ptr = ld_path_dup(c);
        if (!r->ptr) {
            rc = ld_nomem(c);
            break;
        }
        c->n_refs++;
        break;
    }
    case F_FORK: {
        int target = -1;
        /* The child's program is compiled (and appended) before the op is
         * pushed, so the op count check sees the child's ops first. */
        if ((rc = ld_compile_fork(c, key, x->thread, &target)) < 0)
            break;
        SimOp *op;
        if ((rc = ld_op_push(c, vec, SIM_OP_FORK, &op)) < 0)
            break;
        op->target = target;
        break;
    }
    case F_THREAD_POOL:
    case F_PROCESS_POOL: {
        int k = -1;
        if ((rc = ld_compile_pool(c, key, def->family == F_PROCESS_POOL, x, &k)) < 0)
            break;
        SimOp *op;
        if ((rc = ld_op_push(c, vec, SIM_OP_POOL, &op)) < 0)
            break;
        op->obj = k;
        break;
    }
    default:
        rc = 0;
        break;
    }
    ld_path_pop(c, mark);
    return rc;
}

int ld_compile_ops(Loader *c, const cJSON *arr, OpVec *vec, const Ctx *x, int depth)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        size_t mark = ld_path_push_index(c, i), outer = c->op_at;
        c->op_at = c->path_len; /* the ops it makes are located at this object */
        int rc = compile_op(c, o, vec, x, depth);
        c->op_at = outer;
        ld_path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Compiles the program at the current path and appends it to sc->ops as
 * the program of `thread`. */
int ld_compile_program(Loader *c, const cJSON *v, int thread)
{
    OpVec vec = {NULL, 0, 0};
    SimScenario *sc = c->sc;
    Ctx x = {thread, sc->threads[thread].process, -1, false};
    uint32_t first = 0;
    int rc;
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of operations, got %s", ld_type_name(v));
    rc = ld_compile_ops(c, v, &vec, &x, 0);
    if (rc == 0)
        rc = ld_ops_append(c, &vec, &first);
    if (rc == 0) {
        sc->threads[thread].prog_first = first;
        sc->threads[thread].prog_len = vec.n;
    }
    free(vec.v);
    return rc;
}
