/*
 * pool.c - concurrent.futures.ThreadPoolExecutor and multiprocessing.Pool.
 *
 * ThreadPoolExecutor: submit() queues a work item and starts a worker
 * thread while fewer than max_workers exist and none is
 * idle; workers loop on a SimpleQueue; shutdown(wait=True) wakes the idle
 * workers and joins them all. multiprocessing.Pool(n).map: n worker
 * processes started by the chosen method, chunks of
 * ceil(items / (4 n)) items pickled into a pipe, each chunk unpickled, run
 * and its result pickled back. The parent's helper threads (task and result
 * handlers) are folded into the submitting thread.
 *
 * Invariant: a pool's live_workers counts its workers that have not
 * ended; shutdown returns to the submitter exactly when it reaches zero.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"

struct PoolRun {
    const SimPoolSpec *spec;
    uint32_t submitter;
    uint32_t submitted;      /* items (thread pool) or chunks (process pool) sent */
    uint32_t units;          /* items or chunks in all */
    uint32_t results;        /* chunks whose result came back */
    uint32_t chunk;          /* items per chunk */
    uint32_t taken;          /* chunks taken by workers */
    uint32_t workers, live_workers;
    bool shutdown;
    Prim *work;              /* pending work: count = queued items or chunks; waiters = idle workers */
};

static PoolRun *pool_new(SimWorld *w, Thread *submitter, const SimPoolSpec *ps)
{
    if (!world_grow(w, (void **)&w->pools, &w->cap_pools, w->n_pools + 1, sizeof(PoolRun *)))
        return NULL;
    PoolRun *r = calloc(1, sizeof(*r));
    if (!r) {
        w->oom = true;
        return NULL;
    }
    w->pools[w->n_pools++] = r;
    r->spec = ps;
    r->submitter = submitter->id;
    char name[64];
    snprintf(name, sizeof(name), "%s%u.work", ps->processes ? "Pool" : "ThreadPoolExecutor", w->n_pools - 1);
    r->work = prim_new(w, NULL, ps->processes ? SIM_PRIM_PIPE : SIM_PRIM_QUEUE, name, submitter->proc);
    if (ps->processes) {
        /* Pool.map's default: divmod(len, 4 * processes), rounded up. */
        uint32_t c = ps->chunksize;
        if (c == 0) {
            uint32_t d = 4u * (uint32_t)ps->workers;
            c = ps->tasks / d + (ps->tasks % d ? 1 : 0);
            if (c == 0)
                c = 1;
        }
        r->chunk = c;
        r->units = ps->tasks / c + (ps->tasks % c ? 1 : 0);
    } else {
        r->chunk = 1;
        r->units = ps->tasks;
    }
    return r;
}

static void pool_start_worker(SimWorld *w, Thread *submitter, PoolRun *r)
{
    const SimPoolSpec *ps = r->spec;
    r->workers++;
    r->live_workers++;
    char name[128];
    if (!ps->processes) {
        /* As CPython names them: ThreadPoolExecutor-<pool>_<worker>. */
        snprintf(name, sizeof(name), "%s_%u", w->sc->threads[ps->worker_thread].name, r->workers - 1);
        Thread *wk = thread_create(w, &w->sc->threads[ps->worker_thread], submitter->proc, name);
        if (!wk)
            return;
        wk->pool.serves = r;
        wk->started = true;
        os_start_thread(w, wk);
        return;
    }
    const SimProcessSpec *pspec = &w->sc->procs[ps->worker_process];
    snprintf(name, sizeof(name), "%s-%u", pspec->name, r->workers);
    Process *p = proc_create(w, pspec, submitter->proc, name);
    if (!p)
        return;
    p->pool = r;
    world_schedule(w, w->now + proc_start_delay(w, pspec), EV_PROC_START, p->id, 0);
}

/* The steps of a POOL op (Thread.sync.phase), for the submitter and for a worker. */
enum {
    SUBMIT_CREATE = 0,      /* create the pool */
    SUBMIT_START_WORKERS,   /* process pool: start the next worker (a fork or a launch) */
    SUBMIT_WORKER_LAUNCHED, /* its start cost is paid: the worker process exists */
    SUBMIT_NEXT,            /* submit the next item or pickle the next chunk */
    SUBMIT_SENT,            /* it is sent */
    SUBMIT_FINISH,          /* map() waits for the results; shutdown(wait=True) for the workers */
};
enum {
    WORKER_TAKE = 0,        /* take an item or a chunk, or wait for one */
    WORKER_UNPICKLED,       /* a chunk is unpickled */
    WORKER_RUN_TASK,        /* run the task program once on the next item */
    WORKER_RESULT_PICKLED,  /* a chunk's result is pickled: send it back */
};

/* The submitting side of a POOL op. */
bool pool_submit_step(SimWorld *w, Thread *t, const SimOp *op)
{
    const SimPoolSpec *ps = &w->sc->pools[op->obj];
    PoolRun *r = t->pool.runs;
    for (;;) {
        switch (t->sync.phase) {
        case SUBMIT_CREATE: /* create the pool */
            if (!(r = t->pool.runs = pool_new(w, t, ps)))
                return false;
            if (ps->processes) {
                t->sync.phase = SUBMIT_START_WORKERS;
                continue;
            }
            t->sync.phase = SUBMIT_NEXT;
            continue;
        case SUBMIT_START_WORKERS: /* process pool: start the workers, each costing the parent a fork or a launch */
            if (r->workers < (uint32_t)ps->workers) {
                SimTime cost = proc_launch_cost(w, &w->sc->procs[ps->worker_process]);
                t->sync.phase = SUBMIT_WORKER_LAUNCHED;
                work_begin(w, t, SIM_OP_C_CALL, cost > 0 ? cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            t->sync.phase = SUBMIT_NEXT;
            continue;
        case SUBMIT_WORKER_LAUNCHED:
            pool_start_worker(w, t, r);
            t->sync.phase = SUBMIT_START_WORKERS;
            continue;
        case SUBMIT_NEXT: /* submit one item or pickle one chunk, holding the GIL */
            if (r->submitted < r->units) {
                SimTime cost = ps->processes ? w->cfg->pickle_cost : w->cfg->pool_submit_cost;
                bool new_worker = !ps->processes && wl_count(&r->work->waiters) == 0 && r->workers < (uint32_t)ps->workers;
                if (new_worker)
                    cost += w->cfg->thread_start_cost;
                t->sync.phase = SUBMIT_SENT;
                work_begin(w, t, SIM_OP_CPU, cost > 0 ? cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            t->sync.phase = SUBMIT_FINISH;
            continue;
        case SUBMIT_SENT:
            r->submitted++;
            if (ps->processes) {
                world_schedule(w, w->now + w->cfg->pipe_latency, EV_PIPE_DELIVER, t->id, (int64_t)r->work->slot);
                /* As a pipe's send does, so the chunk counts as put. */
                sync_record(w, t, r->work, SIM_SYNC_PUT, (uint32_t)r->work->count, 0, SIM_C_OP_BEGIN);
            } else {
                r->work->count++;
                sync_record(w, t, r->work, SIM_SYNC_PUT, (uint32_t)r->work->count, 0, SIM_C_OP_BEGIN);
                if (wl_count(&r->work->waiters))
                    prim_wake_one(w, r->work, 0, true, WAKE_NOTIFIED);
                else if (r->workers < (uint32_t)ps->workers)
                    pool_start_worker(w, t, r);
            }
            t->sync.phase = SUBMIT_NEXT;
            continue;
        case SUBMIT_FINISH: /* map() waits for the results; shutdown(wait=True) joins the workers */
            if (ps->processes && r->results < r->units)
                return sync_block(w, t, r->work, 1, WAKE_NOTIFIED, -1, SUBMIT_FINISH);
            if (!r->shutdown) {
                r->shutdown = true;
                prim_wake_all(w, r->work, 0, WAKE_NOTIFIED);
            }
            if (r->live_workers > 0)
                return sync_block(w, t, r->work, 1, WAKE_NOTIFIED, -1, SUBMIT_FINISH);
            return true;
        default:
            return true;
        }
    }
}

/* A worker's loop: take an item (or a chunk), run the task program on it,
 * come back here. The POOL op's loop frame jumps back to this op after each
 * run of the body. */
bool pool_worker_step(SimWorld *w, Thread *t, const SimOp *op)
{
    PoolRun *r = t->pool.serves;
    uint32_t here = (uint32_t)(op - w->sc->ops);
    uint32_t body_end = here + 1 + op->body_len;
    if (t->sync.phase == WORKER_TAKE && t->prog.depth > 0 && t->prog.loops[t->prog.depth - 1].start == here)
        t->prog.depth--; /* back from a run of the body */
    for (;;) {
        switch (t->sync.phase) {
        case WORKER_TAKE:
            if (r->spec->processes && t->pool.items > 0) {
                t->pool.items--;
                t->sync.phase = WORKER_RUN_TASK;
                continue;
            }
            if (r->spec->processes && t->pool.busy) {
                /* A chunk is done: pickle its result and send it back. */
                t->pool.busy = false;
                t->sync.phase = WORKER_RESULT_PICKLED;
                work_begin(w, t, SIM_OP_CPU, w->cfg->pickle_cost > 0 ? w->cfg->pickle_cost : 1, SIM_C_OP_BEGIN);
                return false;
            }
            if (r->work->count > 0) {
                r->work->count--;
                sync_record(w, t, r->work, SIM_SYNC_GET, (uint32_t)r->work->count, 0, SIM_C_OP_BEGIN);
                if (r->spec->processes) {
                    uint32_t left = r->spec->tasks - r->chunk * r->taken++;
                    t->pool.items = left < r->chunk ? left : r->chunk;
                    t->pool.busy = true;
                    t->sync.phase = WORKER_UNPICKLED;
                    work_begin(w, t, SIM_OP_CPU, w->cfg->pickle_cost > 0 ? w->cfg->pickle_cost : 1,
                               SIM_C_OP_BEGIN);
                    return false;
                }
                t->sync.phase = WORKER_RUN_TASK;
                continue;
            }
            if (r->shutdown) {
                t->prog.pc = body_end; /* the sentinel: leave the loop, the thread ends */
                return true;
            }
            return sync_block(w, t, r->work, 0, WAKE_NOTIFIED, -1, WORKER_TAKE);
        case WORKER_UNPICKLED: /* unpickled a chunk */
            t->sync.phase = WORKER_TAKE;
            continue;
        case WORKER_RUN_TASK: /* run the task program once, then come back to this op */
            if (op->body_len == 0) {
                t->sync.phase = WORKER_TAKE;
                continue;
            }
            if (t->prog.depth >= MAX_LOOP_DEPTH)
                return true;
            t->prog.loops[t->prog.depth++] = (Loop){here, body_end, 2};
            t->prog.pc = here + 1;
            return true;
        case WORKER_RESULT_PICKLED: /* result pickled: it reaches the parent after the pipe */
            r->results++;
            if (r->results >= r->units) {
                Thread *sub = T(w, r->submitter);
                if (sub->sync.prim == r->work) {
                    prim_list_remove(r->work, 1, sub->id);
                    prim_wake(w, sub, r->work, WAKE_NOTIFIED, SIM_C_OBJECT);
                }
            }
            t->sync.phase = WORKER_TAKE;
            continue;
        default:
            return true;
        }
    }
}

/* A pool worker thread ended: the last one lets shutdown(wait=True) return. */
void pool_worker_exit(SimWorld *w, Thread *t)
{
    PoolRun *r = t->pool.serves;
    if (--r->live_workers == 0 && r->shutdown) {
        Thread *sub = T(w, r->submitter);
        if (sub->sync.prim == r->work) {
            prim_list_remove(r->work, 1, sub->id);
            prim_wake(w, sub, r->work, WAKE_NOTIFIED, SIM_C_OBJECT);
        }
    }
}

