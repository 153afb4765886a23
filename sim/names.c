/*
 * names.c - the name table, and what names resolve to: the objects and
 * variables that operations name, and objects declared under the same name
 * in several processes.
 *
 * One open-addressing table holds every name, keyed by scope: -1 for
 * process names, p for the thread names of process p, OBJ_SCOPE(p) for the
 * objects of declared process p and IPC_SCOPE for "ipc". Objects are
 * declared (objects.c) before any program is compiled, so an operation's
 * name resolves on the spot; only "ipc" indices are fixed up at the end,
 * by ld_place_ipc. A failed lookup says where it looked and what is there.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

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

/* ---- Messages ------------------------------------------------------------ */

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

void ld_list_add(NameList *l, const char *name)
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
                ld_list_add(&list, sc->shared[i].name);
            }
        } else {
            for (int i = ps->first_prim; i < ps->first_prim + c->extra[owner].n_decl; i++) {
                ld_suggest_consider(name, sc->prims[i].name, &best, &best_d);
                ld_list_add(&list, sc->prims[i].name);
            }
        }
        snprintf(where, sizeof(where), "in process '%s'", ld_quote(ps->name, q2, sizeof(q2)));
    } else {
        snprintf(where, sizeof(where), "in a process pool's task");
    }
    if (!shared) {
        for (int i = 0; i < c->n_ipc; i++) {
            ld_suggest_consider(name, c->ipc[i].name, &best, &best_d);
            ld_list_add(&list, c->ipc[i].name);
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
