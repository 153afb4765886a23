/*
 * spawn.c - the process and thread templates that programs make: an
 * os.fork() child (its own process and a copy of the forking thread, its
 * program compiled on the spot), a pool (its record and worker program,
 * met in the walk), and after the walk each pool's worker template and
 * each "ipc" manager's server process.
 *
 * Invariant: templates are only appended, in a fixed order: declared ones,
 * fork children as the walk meets them, then pool workers, then managers'
 * servers; an index once handed out never moves. The MAX_PROCS and
 * MAX_THREADS limits count the templates still to come (synth_procs,
 * synth_threads), so a scenario over them fails where it asks for more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static const char *const FORK_KEYS[] = {"name", "program"};
static const char *const THREAD_POOL_KEYS[] = {"workers", "tasks", "task"};
static const char *const PROCESS_POOL_KEYS[] = {"workers", "tasks", "chunksize", "start_method", "task"};

/* ---- Fork children and pools, met in the walk ----------------------------- */

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
    if ((rc = ld_grow_procs(c, sc->n_procs + 1)) < 0 || (rc = ld_grow_threads(c, sc->n_threads + 1)) < 0)
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
    ps->affinity = sc->procs[parent].affinity;
    SimThreadSpec *ts = &sc->threads[t];
    ts->process = p;
    ts->affinity = sc->threads[parent_thread].affinity; /* the copy of the forking thread */
    ts->name = strdup(sc->threads[parent_thread].name);
    if (!ts->name || ld_names_add(&c->names, p, ts->name, t) < 0)
        return ld_nomem(c);
    *child_proc = p;
    *child_thread = t;
    return 0;
}

int ld_compile_fork(Loader *c, const cJSON *f, int thread, int *target)
{
    size_t mark;
    int rc, p = 0, t = 0;
    const char *name = NULL;
    if (!cJSON_IsObject(f))
        return fail(c, "expected the child {\"name\": \"...\", \"program\": [...]}, got %s", ld_type_name(f));
    if ((rc = ld_check_keys(c, f, FORK_KEYS, COUNT(FORK_KEYS))) < 0)
        return rc;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(f, "program");
    if (!prog)
        return ld_fail_missing(c, "program",
                               "the child's operations, e.g. {\"program\": [{\"cpu\": \"1ms\"}]}");
    const cJSON *nv = ld_enter(c, f, "name", &mark);
    if (nv) {
        rc = ld_get_name(c, nv, &name);
        ld_path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    if ((rc = add_fork_child(c, thread, &p, &t)) < 0)
        return rc;
    if (name) {
        ld_enter(c, f, "name", &mark);
        c->sc->procs[p].name = strdup(name);
        rc = c->sc->procs[p].name ? ld_register_process_name(c, c->sc->procs[p].name, p) : ld_nomem(c);
        ld_path_pop(c, mark);
        if (rc < 0)
            return rc;
    } else if (!(c->extra[p].ptr = ld_path_dup(c))) {
        return ld_nomem(c);
    }
    *target = p;
    ld_enter(c, f, "program", &mark);
    rc = ld_compile_program(c, prog, t);
    ld_path_pop(c, mark);
    return rc;
}

int ld_compile_pool(Loader *c, const cJSON *v, bool processes, const Ctx *x, int *index)
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
        return fail(c, "expected a pool such as %s, got %s", example, ld_type_name(v));
    if ((rc = processes ? ld_check_keys(c, v, PROCESS_POOL_KEYS, COUNT(PROCESS_POOL_KEYS))
                        : ld_check_keys(c, v, THREAD_POOL_KEYS, COUNT(THREAD_POOL_KEYS))) < 0)
        return rc;
    memset(&ps, 0, sizeof(ps));
    ps.processes = processes;
    ps.worker_thread = -1;
    ps.worker_process = -1;
    if (!(f = ld_enter(c, v, "workers", &mark))) {
        snprintf(expected, sizeof(expected), "the number of worker %s, e.g. %s",
                 processes ? "processes" : "threads", example);
        return ld_fail_missing(c, "workers", expected);
    }
    if ((rc = ld_get_integer(c, f, 1, processes ? MAX_PROCS : MAX_THREADS, &n)) < 0)
        return rc;
    ps.workers = (int)n;
    ld_path_pop(c, mark);
    if (!(f = ld_enter(c, v, "tasks", &mark))) {
        snprintf(expected, sizeof(expected), "the number of items to run the task on, e.g. %s", example);
        return ld_fail_missing(c, "tasks", expected);
    }
    if ((rc = ld_get_integer(c, f, 0, MAX_COUNT, &n)) < 0)
        return rc;
    ps.tasks = (uint32_t)n;
    ld_path_pop(c, mark);
    if (processes) {
        if ((f = ld_enter(c, v, "chunksize", &mark))) {
            if ((rc = ld_get_integer(c, f, 1, MAX_COUNT, &n)) < 0)
                return rc;
            ps.chunksize = (uint32_t)n;
            ld_path_pop(c, mark);
        }
        ps.start_method = c->default_method;
        if ((f = ld_enter(c, v, "start_method", &mark))) {
            if ((rc = ld_get_enum(c, f, ld_method_names, COUNT(ld_method_names), "a start method", &e)) < 0)
                return rc;
            ps.start_method = (uint8_t)e;
            ld_path_pop(c, mark);
        }
    }
    if (!(f = ld_enter(c, v, "task", &mark))) {
        snprintf(expected, sizeof(expected), "the operations run for each item, e.g. %s", example);
        return ld_fail_missing(c, "task", expected);
    }
    if (!cJSON_IsArray(f))
        return fail(c, "expected an array of operations, got %s", ld_type_name(f));
    if (sc->n_threads + c->synth_threads >= MAX_THREADS)
        return fail_limit(c, "more than %d threads (fork children and pool workers included); at most %d are "
                             "supported", MAX_THREADS, MAX_THREADS);
    if (processes && sc->n_procs + c->synth_procs >= MAX_PROCS)
        return fail_limit(c, "more than %d processes (fork children and pool workers included); at most %d "
                             "are supported", MAX_PROCS, MAX_PROCS);
    rc = ld_grow_array(c, (void **)&sc->pools, &c->cap_pools, sc->n_pools + 1, sizeof(*sc->pools));
    if (rc < 0 || (rc = ld_grow_array(c, (void **)&c->pool_extra, &c->cap_pool_extra, sc->n_pools + 1,
                                      sizeof(*c->pool_extra))) < 0)
        return rc;

    /* The worker's program: its loop op, then the task, whose names resolve
     * like the submitter's (a process pool's: only "ipc"). */
    int k = sc->n_pools;
    OpVec prog = {NULL, 0, 0};
    SimOp *op;
    Ctx tx = {-1, processes ? -1 : x->proc, x->proc, true};
    rc = ld_op_push(c, &prog, SIM_OP_POOL, &op);
    if (rc == 0) {
        op->flags = SIM_OPF_POOL_WORKER;
        op->obj = k;
        rc = ld_compile_ops(c, f, &prog, &tx, 0);
    }
    if (rc < 0) {
        free(prog.v);
        return rc;
    }
    prog.v[0].body_len = prog.n - 1;
    ld_path_pop(c, mark);
    sc->pools[k] = ps;
    c->pool_extra[k] = (PoolExtra){prog, x->proc};
    sc->n_pools++;
    c->synth_threads++;
    c->synth_procs += processes;
    *index = k;
    return 0;
}

/* ---- Pool workers, after the walk ---------------------------------------- */

static const char *const POOL_PROCESS_NAMES[] = {"ForkPoolWorker", "SpawnPoolWorker", "ForkServerPoolWorker"};

/*
 * Each pool's worker template, behind every declared and fork-child one: a
 * thread pool's worker thread runs in the submitter's process; a process
 * pool's worker is a process whose one thread, "MainThread", runs the loop.
 */
int ld_make_pool_workers(Loader *c)
{
    SimScenario *sc = c->sc;
    int rc;
    for (int k = 0; k < sc->n_pools; k++) {
        SimPoolSpec *ps = &sc->pools[k];
        PoolExtra *pe = &c->pool_extra[k];
        if ((rc = ld_grow_threads(c, sc->n_threads + 1)) < 0)
            return rc;
        int proc = pe->proc;
        if (ps->processes) {
            if ((rc = ld_grow_procs(c, sc->n_procs + 1)) < 0)
                return rc;
            int m = ps->start_method < COUNT(POOL_PROCESS_NAMES) ? ps->start_method : 0;
            const char *base = POOL_PROCESS_NAMES[m];
            size_t len = strlen(base) + 24;
            char *name = malloc(len);
            if (!name)
                return ld_nomem(c);
            snprintf(name, len, "%s", base);
            for (int i = 2; ld_names_find(&c->names, -1, name) >= 0; i++)
                snprintf(name, len, "%s-%d", base, i);
            proc = sc->n_procs++;
            SimProcessSpec *pp = &sc->procs[proc];
            memset(pp, 0, sizeof(*pp));
            pp->name = name;
            pp->start_method = ps->start_method;
            pp->manual_start = true;
            pp->first_thread = sc->n_threads;
            pp->n_threads = 1;
            pp->affinity = sc->procs[pe->proc].affinity; /* inherited across fork and exec */
            c->extra[proc].parent = -1;
            if (ld_names_add(&c->names, -1, name, proc) < 0)
                return ld_nomem(c);
            ps->worker_process = proc;
        }
        int t = sc->n_threads;
        SimThreadSpec *ts = &sc->threads[t];
        char tname[48];
        snprintf(tname, sizeof(tname), "ThreadPoolExecutor-%d", k);
        memset(ts, 0, sizeof(*ts));
        if (!(ts->name = strdup(ps->processes ? "MainThread" : tname)))
            return ld_nomem(c);
        sc->n_threads++;
        ts->process = proc;
        ts->affinity = sc->procs[proc].affinity;
        ts->manual_start = !ps->processes;
        uint32_t first = 0;
        if ((rc = ld_ops_append(c, &pe->prog, &first)) < 0)
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

/* ---- Managers, after the walk ------------------------------------------- */

/*
 * Each "ipc" manager's server process, behind every other template: one
 * thread that serves the requests of every client in turn. (CPython's
 * server runs a thread per connection; they take turns on the server's
 * GIL, and each request is short, so one thread serving them in arrival
 * order is what the clients see.) It is running when the run begins, as
 * after `m = multiprocessing.Manager()`.
 */
int ld_make_managers(Loader *c)
{
    SimScenario *sc = c->sc;
    int rc, made = 0;
    for (int k = 0; k < c->n_ipc; k++) {
        if (c->ipc[k].kind != SIM_PRIM_MANAGER)
            continue;
        if (sc->n_procs >= MAX_PROCS || sc->n_threads >= MAX_THREADS)
            return fail_limit(c, "more than %d processes or %d threads with the managers' servers", MAX_PROCS,
                              MAX_THREADS);
        if ((rc = ld_grow_procs(c, sc->n_procs + 1)) < 0 || (rc = ld_grow_threads(c, sc->n_threads + 1)) < 0)
            return rc;
        char *name = malloc(48);
        if (!name)
            return ld_nomem(c);
        snprintf(name, 48, "SyncManager-%d", ++made);
        for (int i = 2; ld_names_find(&c->names, -1, name) >= 0; i++)
            snprintf(name, 48, "SyncManager-%d-%d", made, i);
        int proc = sc->n_procs++, t = sc->n_threads++;
        SimProcessSpec *pp = &sc->procs[proc];
        memset(pp, 0, sizeof(*pp));
        pp->name = name;
        pp->start_method = SIM_START_INITIAL;
        pp->manual_start = false; /* up when the run begins, as after Manager() returns */
        pp->first_thread = t;
        pp->n_threads = 1;
        pp->serves = 1 + k;
        c->extra[proc].parent = -1;
        if (ld_names_add(&c->names, -1, name, proc) < 0)
            return ld_nomem(c);
        SimThreadSpec *ts = &sc->threads[t];
        memset(ts, 0, sizeof(*ts));
        if (!(ts->name = strdup("serve_client")))
            return ld_nomem(c);
        ts->process = proc;
        ts->daemon = true;
        OpVec prog = {NULL, 0, 0};
        SimOp *op;
        uint32_t first = 0;
        if ((rc = ld_op_push(c, &prog, SIM_OP_SERVE, &op)) == 0) {
            op->obj = IPC_OBJ(k);
            rc = ld_ops_append(c, &prog, &first);
        }
        free(prog.v);
        if (rc < 0)
            return rc;
        ts->prog_first = first;
        ts->prog_len = 1;
    }
    return 0;
}
