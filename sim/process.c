/*
 * process.c - processes: created, started (by the scenario, by
 * multiprocessing with a start method, or by os.fork()), and ended when
 * their last non-daemon thread ends; their synchronization objects and
 * shared variables; and fork.
 *
 * A process owns its GILs (one, or one per interpreter: gil_count_for) and
 * its objects. os.fork() copies the parent at that instant: the child's
 * objects are copies of the parent's (pipes are the same pipe, seen from
 * both sides), its only thread is the copy of the forking thread, already
 * holding the child's fresh GIL, and a lock held by any other thread of
 * the parent stays held in the child by a thread that does not exist
 * there (GHOST), which is how fork with a held lock deadlocks. A
 * multiprocessing Value or Array is one copy for every process (shared
 * memory, w->vars); threading.local() values belong to threads, and the
 * forking thread's copy in the child gets copies of its own.
 *
 * Invariant: w->live_procs counts the processes created and not ended,
 * so the run is over exactly when it reaches zero.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"

static const char *const METHOD_NAMES[] = {"fork", "spawn", "forkserver", "initial", "os.fork"};

Process *proc_create(SimWorld *w, const SimProcessSpec *spec, uint32_t parent, const char *name)
{
    uint32_t n_interp = gil_count_for(w, spec);
    if (!w->last_proc) {
        w->last_proc = malloc((size_t)w->sc->n_procs * sizeof(*w->last_proc));
        if (!w->last_proc) {
            w->oom = true;
            return NULL;
        }
        for (int i = 0; i < w->sc->n_procs; i++)
            w->last_proc[i] = NO_THREAD;
    }
    if (!world_grow(w, (void **)&w->procs, &w->cap_procs, w->n_procs + 1, sizeof(Process *)) ||
        !world_grow(w, (void **)&w->gils, &w->cap_gils, w->n_gils + n_interp, sizeof(Gil)))
        return NULL;
    Process *p = calloc(1, sizeof(*p));
    if (!p) {
        w->oom = true;
        return NULL;
    }
    p->id = w->n_procs;
    p->spec = spec;
    p->gil = w->n_gils;
    p->n_interp = n_interp;
    for (uint32_t k = 0; k < n_interp; k++, w->n_gils++)
        gil_init(w, &w->gils[w->n_gils], w->n_gils);
    w->procs[w->n_procs++] = p;
    w->last_proc[spec - w->sc->procs] = p->id;
    p->live_head = p->live_tail = NO_THREAD;
    if (sim_trace_add_process(w->trace, name ? name : spec->name, parent, p->gil,
                              METHOD_NAMES[spec->start_method]) < 0)
        w->oom = true;
    sim_trace_set_gils(w->trace, w->n_gils);
    w->live_procs++;
    return p;
}

SimTime proc_launch_cost(SimWorld *w, const SimProcessSpec *ps)
{
    return ps->start_method == SIM_START_FORK ? w->cfg->mp_fork_start_cost : w->cfg->ipc_cost;
}

/* How long a multiprocessing child takes to start running: a spawned one
 * starts an interpreter; a fork server is started on first use, then each
 * child is a cheap fork from it; a forked child runs at once. */
SimTime proc_start_delay(SimWorld *w, const SimProcessSpec *ps)
{
    if (ps->start_method == SIM_START_SPAWN)
        return w->cfg->spawn_cost;
    if (ps->start_method != SIM_START_FORKSERVER)
        return 0;
    SimTime delay = w->cfg->forkserver_cost;
    if (!w->forkserver_up) {
        delay += w->cfg->spawn_cost;
        w->forkserver_up = true;
    }
    return delay;
}

/* ---- Objects ------------------------------------------------------------------ */

/* Each multiprocessing Value and Array: its elements, one trace object
 * each ("counter", or "arr[0]", "arr[1]"... for an Array). */
static bool make_values(SimWorld *w)
{
    const SimScenario *sc = w->sc;
    for (int i = 0; i < sc->n_shared; i++) {
        const SimSharedSpec *ss = &sc->shared[i];
        if (ss->scope != SIM_VAR_VALUE && ss->scope != SIM_VAR_MANAGED)
            continue;
        if (!w->vars && !(w->vars = calloc((size_t)sc->n_shared, sizeof(Shared *))))
            return false;
        uint32_t n = ss->length ? ss->length : 1;
        if (!(w->vars[i] = calloc(n, sizeof(Shared))))
            return false;
        for (uint32_t k = 0; k < n; k++) {
            char name[300];
            if (ss->length > 0)
                snprintf(name, sizeof(name), "%s[%u]", ss->name, k);
            else
                snprintf(name, sizeof(name), "%s", ss->name);
            int id = sim_trace_add_object(w->trace, name, SIM_NONE, "shared", ss->initial);
            if (id < 0)
                return false;
            w->vars[i][k] = (Shared){(uint32_t)id, ss->initial};
        }
    }
    return true;
}

bool proc_make_ipc_objects(SimWorld *w)
{
    const SimScenario *sc = w->sc;
    if (!make_values(w))
        return false;
    w->ipc_first = sc->n_prims;
    for (int i = 0; i < sc->n_prims; i++)
        if (sc->prims[i].process < 0 && w->ipc_first == sc->n_prims)
            w->ipc_first = i;
    if (w->ipc_first == sc->n_prims)
        return true;
    int n = sc->n_prims - w->ipc_first;
    w->ipc = calloc((size_t)n, sizeof(Prim *));
    if (!w->ipc)
        return false;
    for (int i = 0; i < n; i++) {
        const SimPrimSpec *sp = &sc->prims[w->ipc_first + i];
        if (!(w->ipc[i] = prim_new(w, sp, sp->kind, sp->name, SIM_NONE)))
            return false;
        if (sp->kind == SIM_PRIM_QUEUE || sp->kind == SIM_PRIM_CONDITION)
            w->ipc[i]->lock = prim_inner_lock(w, sp, SIM_NONE);
    }
    return true;
}

/* Fresh objects for a process that starts from nothing (not a fork). */
static bool make_objects(SimWorld *w, Process *p)
{
    const SimProcessSpec *ps = p->spec;
    if (ps->n_prims) {
        p->prims = calloc((size_t)ps->n_prims, sizeof(Prim *));
        if (!p->prims)
            return false;
        for (int i = 0; i < ps->n_prims; i++) {
            const SimPrimSpec *sp = &w->sc->prims[ps->first_prim + i];
            p->prims[i] = prim_new(w, sp, sp->kind, sp->name, p->id);
            if (!p->prims[i])
                return false;
        }
        for (int i = 0; i < ps->n_prims; i++) {
            const SimPrimSpec *sp = &w->sc->prims[ps->first_prim + i];
            if (sp->kind == SIM_PRIM_CONDITION && sp->lock >= 0)
                p->prims[i]->lock = p->prims[sp->lock - ps->first_prim];
            else if (sp->kind == SIM_PRIM_CONDITION || sp->kind == SIM_PRIM_QUEUE)
                p->prims[i]->lock = prim_inner_lock(w, sp, p->id);
        }
    }
    if (ps->n_shared) {
        p->shared = calloc((size_t)ps->n_shared, sizeof(Shared));
        if (!p->shared)
            return false;
        for (int i = 0; i < ps->n_shared; i++) {
            const SimSharedSpec *ss = &w->sc->shared[ps->first_shared + i];
            if (ss->scope == SIM_VAR_LOCAL)
                continue; /* one per thread (Thread.locals) */
            int id = sim_trace_add_object(w->trace, ss->name, p->id, "shared", ss->initial);
            if (id < 0)
                return false;
            p->shared[i] = (Shared){(uint32_t)id, ss->initial};
        }
    }
    return !w->oom;
}

/* A lock's owner in a forked child: the forking thread's copy keeps what it
 * held; a lock any other thread held stays held by nobody who can release it. */
static void fork_owner(SimWorld *w, const Prim *src, Prim *dst, const Thread *forker, Thread *copy)
{
    if (src->owner == NO_THREAD)
        return;
    if (src->owner == forker->id) {
        dst->owner = copy->id;
        sync_record(w, copy, dst, SIM_SYNC_ACQUIRE, 0, SIM_ACQ_FORK_COPY, SIM_C_FORK);
        return;
    }
    dst->owner = GHOST;
    dst->ghost_of = src->owner == GHOST ? src->ghost_of : src->owner;
    /* Named after the parent's thread: the viewer and the deadlock report
     * say who held it when the process forked. */
    world_record(w, SIM_REC_SYNC, dst->ghost_of, dst->id, 0, SIM_SYNC_ACQUIRE, SIM_ACQ_FORK_ORPHAN, SIM_C_FORK);
}

static Prim *prim_fork_copy(SimWorld *w, const Prim *src, uint32_t process, const Thread *forker, Thread *copy)
{
    const SimObjectInfo *oi = sim_trace_object(w->trace, src->id);
    Prim *dst = prim_new(w, src->spec, src->kind, oi ? oi->name : "?", process);
    if (!dst)
        return NULL;
    dst->count = src->count;
    dst->broken = src->broken;
    fork_owner(w, src, dst, forker, copy);
    return dst;
}

/* os.fork(): the child's objects are copies of the parent's at this instant;
 * pipes are the same pipe, seen from both processes. */
static bool fork_objects(SimWorld *w, Process *child, const Thread *forker, Thread *copy)
{
    Process *parent = w->procs[forker->proc];
    const SimProcessSpec *ps = child->spec;
    if (ps->n_prims) {
        child->prims = calloc((size_t)ps->n_prims, sizeof(Prim *));
        if (!child->prims)
            return false;
        for (int i = 0; i < ps->n_prims; i++) {
            Prim *src = parent->prims[i];
            if (src->kind == SIM_PRIM_PIPE || src->kind == SIM_PRIM_MP_QUEUE)
                child->prims[i] = src;
            else if (!(child->prims[i] = prim_fork_copy(w, src, child->id, forker, copy)))
                return false;
        }
        for (int i = 0; i < ps->n_prims; i++) {
            Prim *src = parent->prims[i];
            if (!src->lock)
                continue;
            int k = -1;
            for (int j = 0; j < ps->n_prims; j++)
                if (parent->prims[j] == src->lock)
                    k = j;
            child->prims[i]->lock = k >= 0 ? child->prims[k] : prim_fork_copy(w, src->lock, child->id, forker, copy);
            if (!child->prims[i]->lock)
                return false;
        }
    }
    if (ps->n_shared) {
        child->shared = calloc((size_t)ps->n_shared, sizeof(Shared));
        if (!child->shared)
            return false;
        for (int i = 0; i < ps->n_shared; i++) {
            const SimSharedSpec *ss = &w->sc->shared[ps->first_shared + i];
            if (ss->scope == SIM_VAR_LOCAL)
                continue; /* the forking thread's copy carries its own (begin_fork_child) */
            int id = sim_trace_add_object(w->trace, ss->name, child->id, "shared", parent->shared[i].value);
            if (id < 0)
                return false;
            child->shared[i] = (Shared){(uint32_t)id, parent->shared[i].value};
        }
    }
    return !w->oom;
}

/* ---- Start and end ------------------------------------------------------------ */

/* The first thread of an os.fork() child: the copy of the forking thread,
 * holding the child's GIL, going on with the program after the fork. */
static bool begin_fork_child(SimWorld *w, Process *p, const Thread *forker, Thread *t)
{
    if (!fork_objects(w, p, forker, t))
        return false;
    if (forker->locals) {
        /* The forking thread's threading.local() values, copied with the
         * rest of its memory: new objects in the child, made on first use. */
        int n = p->spec->n_shared;
        if (!(t->locals = malloc((size_t)n * sizeof(Shared))))
            return false;
        for (int i = 0; i < n; i++)
            t->locals[i] = (Shared){UINT32_MAX, forker->locals[i].value};
    }
    Process *parent = w->procs[forker->proc];
    uint32_t others = parent->n_live - !forker->done; /* the parent's live threads but the forker */
    world_record(w, SIM_REC_FORK, forker->id, p->id, t->id + 1, others > 0, 0, SIM_C_FORK);
    gil_give_to_fork_child(w, t);
    os_request_core(w, t, CONT_RUN_PROGRAM);
    return true;
}

/* What a child process's first thread pays before its first op (a forked
 * child's after-fork work; a spawned child's start-up is a delay before
 * it exists, proc_start_delay) and after its last (its exit: os._exit
 * tearing down its copy, or a spawned interpreter's finalization), so
 * that a parent's join returns as late as CPython's. A process ended from
 * outside or by an os_exit op ends at that instant: its exit is not
 * charged. */
static void child_costs(SimWorld *w, Thread *t, const Thread *forker)
{
    const SimConfig *cfg = w->cfg;
    switch (forker ? SIM_START_OSFORK : w->procs[t->proc]->spec->start_method) {
    case SIM_START_OSFORK:
        t->prog.boot = cfg->os_fork_child_cost;
        t->prog.exit = cfg->fork_exit_cost;
        break;
    case SIM_START_FORK:
        t->prog.boot = cfg->fork_child_cost;
        t->prog.exit = cfg->mp_exit_cost;
        break;
    case SIM_START_FORKSERVER:
        t->prog.exit = cfg->mp_exit_cost;
        break;
    case SIM_START_SPAWN:
        t->prog.exit = cfg->spawn_exit_cost;
        break;
    default:
        break;
    }
}

void proc_begin(SimWorld *w, Process *p, const Thread *forker)
{
    p->started = true;
    if (!forker && !make_objects(w, p)) {
        w->oom = true;
        return;
    }
    const SimProcessSpec *ps = p->spec;
    bool first = true;
    for (int i = 0; i < ps->n_threads; i++) {
        const SimThreadSpec *ts = &w->sc->threads[ps->first_thread + i];
        if (ts->manual_start)
            continue;
        Thread *t = thread_create(w, ts, p->id, NULL);
        if (!t)
            return;
        t->started = true;
        if (first)
            child_costs(w, t, forker);
        if (first)
            world_record(w, SIM_REC_PROC_START, t->id, p->id, forker ? forker->id + 1 : 0, 0, 0,
                         forker ? SIM_C_FORK : SIM_C_THREAD_START);
        if (first && forker) {
            if (!begin_fork_child(w, p, forker, t)) {
                w->oom = true;
                return;
            }
        } else {
            world_schedule(w, w->now, EV_THREAD_BEGIN, t->id, 0);
        }
        first = false;
    }
    if (first) {
        /* A process whose threads all start manually has nothing to run. */
        p->done = true;
        w->live_procs--;
    }
}

void proc_end(SimWorld *w, Process *p, Thread *last)
{
    p->done = true;
    w->live_procs--;
    world_record(w, SIM_REC_PROC_EXIT, last->id, p->id, (uint32_t)p->exit_code, 0, 0,
                 p->end_cause ? p->end_cause : SIM_C_EXIT);
    thread_wake_joiners(w, p->joiners, p->n_joiners);
    p->n_joiners = 0;
    if (p->spec->serves)
        return;
    /* The last process that could use a Manager has ended: its server
     * shuts down (the manager's finalizer asks it to), exitcode 0. */
    for (uint32_t i = 0; i < w->n_procs; i++)
        if (!w->procs[i]->done && !w->procs[i]->spec->serves)
            return;
    for (uint32_t i = 0; i < w->n_procs; i++)
        if (!w->procs[i]->done && w->procs[i]->spec->serves)
            thread_kill_process(w, w->procs[i], NULL, SIM_C_SHUTDOWN, 0);
}
