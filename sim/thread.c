/*
 * thread.c - a thread's life: created, running work on a core, blocked
 * in a call that released the GIL, joined, ended or killed (a daemon at
 * shutdown, or every thread of a process ended by a signal or os._exit,
 * wherever each one is: what it held stays held).
 *
 * Work (cpu, c_call, nogil) runs in segments: a segment starts when the
 * thread gets a core and ends when it is preempted, stops at a check point
 * or finishes; work_left and work_done carry the op across segments. A
 * segment is one event (EV_RUN), planned at the end of the work or at the
 * check point where the holder must stop for a drop request (gil.c says
 * when), so simulated CPU time costs nothing per nanosecond.
 *
 * A blocking call first releases the GIL (thread_release_for); under
 * FORCE_SWITCHING with a drop request pending, it waits until another
 * thread took the GIL and only then starts the action itself
 * (thread_do_pending).
 *
 * Invariant: a thread with work in progress has exactly one EV_RUN
 * pending while it is on a core, and none while it is not.
 */
#include <stdlib.h>

#include "engine.h"

/* ---- Work segments ---------------------------------------------------------- */

void work_plan(SimWorld *w, Thread *t)
{
    world_cancel(w, &t->work.ev);
    t->work.seg_factor = gil_work_pace(w, t);
    SimTime at = sim_time_add(w->now, sim_time_scale(t->work.left, t->work.seg_factor));
    t->work.to_end = true;
    SimTime stop = gil_next_stop(w, t);
    if (stop < at) {
        at = stop;
        t->work.to_end = false;
    }
    t->work.ev = world_schedule(w, at, EV_RUN, t->id, 0);
    t->work.ev_at = at;
    gil_work_planned(w, t);
}

static SimReason work_reason(uint8_t kind)
{
    return kind == SIM_OP_CPU ? SIM_R_PYTHON : kind == SIM_OP_C_CALL ? SIM_R_C_CALL : SIM_R_NOGIL;
}

void work_resume(SimWorld *w, Thread *t)
{
    t->work.seg_start = w->now;
    world_set_reason(w, t, work_reason(t->work.kind), SIM_C_NONE, 0);
    work_plan(w, t);
}

/* Accounts the work done since the segment began (preemption or a stop). */
void work_account(SimWorld *w, Thread *t)
{
    SimTime ran = w->now - t->work.seg_start;
    if (t->work.seg_factor > 1.0)
        ran = (SimTime)((double)ran / t->work.seg_factor);
    if (ran > t->work.left)
        ran = t->work.left;
    t->work.left -= ran;
    t->work.done += ran;
    t->work.seg_start = w->now;
}

void work_begin(SimWorld *w, Thread *t, SimOpKind kind, SimTime dur, SimCause cause)
{
    t->work.kind = (uint8_t)kind;
    t->work.left = gil_work_duration(w, kind, dur);
    t->work.done = 0;
    t->work.seg_start = w->now;
    world_set_reason(w, t, work_reason(kind), cause, 0);
    work_plan(w, t);
}

/* ---- Blocking calls ----------------------------------------------------------- */

void thread_release_for(SimWorld *w, Thread *t, SimWaitKind what, SimTime dur, int32_t target)
{
    t->block.pending = (uint8_t)what;
    t->block.dur = dur;
    t->block.target = target;
    t->gil_wait.after_switch = CONT_DO_PENDING;
    gil_drop(w, t, SIM_DROP_VOLUNTARY);
    if (!gil_in_switch_wait(w, t))
        thread_do_pending(w, t);
}

void thread_wake_joiners(SimWorld *w, uint32_t *joiners, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        Thread *j = T(w, joiners[i]);
        if (j->done || (j->reason != SIM_R_JOIN && j->reason != SIM_R_START_WAIT))
            continue; /* gone, or its join(timeout) already gave up */
        world_cancel(w, &j->wait_timer);
        os_wake(w, j, CONT_TAKE_GIL);
    }
}

/* Waits in a join list until the target ends (or the timeout). */
static void join_wait(SimWorld *w, Thread *t, bool target_done, uint32_t **list, uint32_t *n, uint32_t *cap)
{
    os_release_core(w, t);
    if (target_done) {
        thread_wake_joiners(w, &t->id, 1);
        return;
    }
    t->join_idx = *n;
    world_push_u32(w, list, n, cap, t->id);
    if (t->block.dur >= 0)
        t->wait_timer = world_schedule(w, os_timer(w, t, sim_time_add(w->now, t->block.dur)), EV_JOIN_TIMEOUT, t->id, 0);
}

void thread_do_pending(SimWorld *w, Thread *t)
{
    SimWaitKind what = (SimWaitKind)t->block.pending;
    t->block.pending = SIM_WAIT_NONE;
    t->block.kind = (uint8_t)what;
    t->block.of = t->block.target;
    switch (what) {
    case SIM_WAIT_IO:
    case SIM_WAIT_SLEEP:
        world_set_reason(w, t, what == SIM_WAIT_IO ? SIM_R_IO : SIM_R_SLEEP, SIM_C_OP_BEGIN, 0);
        os_release_core(w, t);
        os_block_for(w, t, t->block.dur, what == SIM_WAIT_SLEEP);
        break;
    case SIM_WAIT_NOGIL:
        work_begin(w, t, SIM_OP_NOGIL, t->block.dur, SIM_C_OP_BEGIN);
        break;
    case SIM_WAIT_JOIN_THREAD: {
        Thread *target = T(w, (uint32_t)t->block.target);
        world_set_reason(w, t, SIM_R_JOIN, SIM_C_OP_BEGIN, target->id + 1);
        join_wait(w, t, target->done, &target->joiners, &target->n_joiners, &target->cap_joiners);
        break;
    }
    case SIM_WAIT_JOIN_PROCESS: {
        Process *p = w->procs[t->block.target];
        world_set_reason(w, t, SIM_R_JOIN, SIM_C_OP_BEGIN, 0);
        join_wait(w, t, p->done, &p->joiners, &p->n_joiners, &p->cap_joiners);
        break;
    }
    case SIM_WAIT_START: {
        Thread *child = T(w, (uint32_t)t->block.target);
        world_set_reason(w, t, SIM_R_START_WAIT, SIM_C_OP_BEGIN, child->id + 1);
        os_release_core(w, t);
        if (child->ever_held_gil || child->done)
            thread_wake_joiners(w, &t->id, 1);
        else
            child->start_waiter = t->id;
        break;
    }
    case SIM_WAIT_OBJECT:
        sync_enter_wait(w, t);
        break;
    case SIM_WAIT_NONE:
    case SIM_WAIT_KIND_COUNT:
        break;
    }
}

/* Leaves a join list: the last joiner takes its place, as join_idx says. */
static void join_list_remove(SimWorld *w, uint32_t *list, uint32_t *n, Thread *t)
{
    uint32_t i = t->join_idx;
    if (i >= *n || list[i] != t->id)
        return;
    list[i] = list[--*n];
    T(w, list[i])->join_idx = i;
}

void thread_join_timed_out(SimWorld *w, Thread *t)
{
    /* join(timeout) returns; the joined thread or process goes on. */
    t->wait_timer = 0;
    if (t->done || t->reason != SIM_R_JOIN)
        return;
    if (t->block.kind == SIM_WAIT_JOIN_THREAD) {
        Thread *target = T(w, (uint32_t)t->block.of);
        join_list_remove(w, target->joiners, &target->n_joiners, t);
    } else {
        Process *p = w->procs[t->block.of];
        join_list_remove(w, p->joiners, &p->n_joiners, t);
    }
    os_ready(w, t, CONT_TAKE_GIL); /* the timer woke it: os_timer */
}

/* ---- Creation and the end -------------------------------------------------------- */

/* The last thread made from each template in each process, which is what
 * join() of that template finds: a hash table on process << 32 | template,
 * open addressing, at most half full. */
#define NO_KEY UINT64_MAX

static uint32_t key_slot(uint64_t key, uint32_t cap)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void last_put(SimWorld *w, uint64_t key, uint32_t id)
{
    uint32_t i = key_slot(key, w->cap_last_thread);
    while (w->last_thread_keys[i] != NO_KEY && w->last_thread_keys[i] != key)
        i = (i + 1) & (w->cap_last_thread - 1);
    if (w->last_thread_keys[i] == NO_KEY)
        w->n_last_thread++;
    w->last_thread_keys[i] = key;
    w->last_thread_vals[i] = id;
}

static void remember_thread(SimWorld *w, const Thread *t)
{
    if ((w->n_last_thread + 1) * 2 > w->cap_last_thread) {
        uint32_t cap = w->cap_last_thread ? w->cap_last_thread * 2 : 64;
        uint64_t *keys = malloc((size_t)cap * sizeof(*keys));
        uint32_t *vals = malloc((size_t)cap * sizeof(*vals));
        if (!keys || !vals) {
            free(keys);
            free(vals);
            w->oom = true;
            return;
        }
        uint64_t *old_keys = w->last_thread_keys;
        uint32_t *old_vals = w->last_thread_vals, old_cap = w->cap_last_thread;
        for (uint32_t i = 0; i < cap; i++)
            keys[i] = NO_KEY;
        w->last_thread_keys = keys;
        w->last_thread_vals = vals;
        w->cap_last_thread = cap;
        w->n_last_thread = 0;
        for (uint32_t i = 0; i < old_cap; i++)
            if (old_keys[i] != NO_KEY)
                last_put(w, old_keys[i], old_vals[i]);
        free(old_keys);
        free(old_vals);
    }
    last_put(w, (uint64_t)t->proc << 32 | (uint32_t)(t->spec - w->sc->threads), t->id);
}

Thread *thread_last_of(SimWorld *w, uint32_t proc, const SimThreadSpec *spec)
{
    if (!w->cap_last_thread)
        return NULL;
    uint64_t key = (uint64_t)proc << 32 | (uint32_t)(spec - w->sc->threads);
    for (uint32_t i = key_slot(key, w->cap_last_thread); w->last_thread_keys[i] != NO_KEY;
         i = (i + 1) & (w->cap_last_thread - 1))
        if (w->last_thread_keys[i] == key)
            return T(w, w->last_thread_vals[i]);
    return NULL;
}

Thread *thread_create(SimWorld *w, const SimThreadSpec *spec, uint32_t proc, const char *name)
{
    if (!world_grow(w, (void **)&w->threads, &w->cap_threads, w->n_threads + 1, sizeof(Thread *)))
        return NULL;
    Thread *t = calloc(1, sizeof(*t));
    if (!t) {
        w->oom = true;
        return NULL;
    }
    Process *p = w->procs[proc];
    t->id = w->n_threads;
    t->proc = proc;
    t->gil = p->gil + ((uint32_t)spec->interpreter < p->n_interp ? (uint32_t)spec->interpreter : 0);
    t->spec = spec;
    t->daemon = spec->daemon;
    t->reason = SIM_R_NEW;
    t->prog.pc = spec->prog_first;
    t->prog.end = spec->prog_first + spec->prog_len;
    t->work.kind = NO_WORK;
    t->core = -1;
    t->last_core = -1;
    t->rq_next = t->rq_prev = NO_THREAD;
    t->start_waiter = NO_THREAD;
    t->wl_pos[WL_GIL] = t->wl_pos[WL_OBJECT] = WL_NONE;
    t->sync.deadline = -1;
    t->pool.serves = p->pool;
    sim_rng_seed(&t->rng, w->cfg->seed, 1000 + t->id);
    w->threads[w->n_threads++] = t;
    if (sim_trace_add_thread(w->trace, name ? name : spec->name, proc, t->gil, spec->daemon) < 0)
        w->oom = true;
    world_push_u32(w, &p->threads, &p->n_threads, &p->cap_threads, t->id);
    if (!t->daemon)
        p->live_nondaemon++;
    t->live_next = NO_THREAD;
    t->live_prev = p->live_tail;
    if (p->live_tail == NO_THREAD)
        p->live_head = t->id;
    else
        T(w, p->live_tail)->live_next = t->id;
    p->live_tail = t->id;
    p->n_live++;
    remember_thread(w, t);
    return t;
}

static void thread_end(SimWorld *w, Thread *t, SimReason how, SimCause cause, uint32_t other);

/* A thread stopped wherever it is: a daemon thread at interpreter shutdown,
 * or any thread of a process ended from outside (cause says which; other:
 * the thread that did it + 1). */
static void thread_kill(SimWorld *w, Thread *t, SimCause cause, uint32_t other)
{
    world_cancel(w, &t->work.ev);
    world_cancel(w, &t->block.ev);
    world_cancel(w, &t->wait_timer);
    if (t->sync.prim) {
        prim_list_remove(t->sync.prim, t->sync.list, t->id);
        t->sync.prim = NULL;
    }
    t->sync.op = NULL;
    if (t->in_runq)
        os_runq_remove(w, t);
    gil_forget(w, t);
    thread_end(w, t, SIM_R_KILLED, cause, other);
}

void thread_kill_process(SimWorld *w, Process *p, const Thread *by, SimCause cause, int32_t code)
{
    if (p->done)
        return;
    p->end_cause = (uint8_t)cause;
    p->exit_code = code;
    p->end_by = by ? by->id + 1 : 0;
    if (!p->started) {
        /* Killed while its interpreter was still starting: none of its
         * threads ever ran, so the trace has nothing of it to end. */
        p->done = true;
        w->live_procs--;
        thread_wake_joiners(w, p->joiners, p->n_joiners);
        p->n_joiners = 0;
        return;
    }
    /* Off the run queue first: a core freed by one of them must not be
     * handed to another thread of this process that is about to die. */
    for (uint32_t id = p->live_head; id != NO_THREAD; id = T(w, id)->live_next)
        os_runq_remove(w, T(w, id));
    /* The last non-daemon thread to go ends the process (thread_end); a
     * process of daemon threads alone (a Manager's server) ends here. Each
     * kill takes its thread off the live list. */
    Thread *last = NULL;
    while (!p->done && p->live_head != NO_THREAD) {
        last = T(w, p->live_head);
        thread_kill(w, last, cause, p->end_by);
    }
    if (!p->done && last)
        proc_end(w, p, last);
}

void thread_exit(SimWorld *w, Thread *t, SimReason how, SimCause cause)
{
    thread_end(w, t, how, cause, 0);
}

static void thread_end(SimWorld *w, Thread *t, SimReason how, SimCause cause, uint32_t other)
{
    if (t->done)
        return;
    if (t->holds_gil)
        gil_drop(w, t, SIM_DROP_EXIT);
    t->done = true;
    t->waking = false;
    gil_note_coming(w, t);
    Process *p = w->procs[t->proc];
    if (t->live_prev == NO_THREAD)
        p->live_head = t->live_next;
    else
        T(w, t->live_prev)->live_next = t->live_next;
    if (t->live_next == NO_THREAD)
        p->live_tail = t->live_prev;
    else
        T(w, t->live_next)->live_prev = t->live_prev;
    p->n_live--;
    world_set_reason(w, t, how, cause, other);
    os_release_core(w, t);
    thread_wake_joiners(w, t->joiners, t->n_joiners);
    t->n_joiners = 0;
    if (t->start_waiter != NO_THREAD) {
        thread_wake_joiners(w, &t->start_waiter, 1);
        t->start_waiter = NO_THREAD;
    }
    if (t->pool.serves)
        pool_worker_exit(w, t);
    if (!t->daemon && --p->live_nondaemon == 0) {
        /* Interpreter shutdown: daemon threads do not survive it (nor
         * anything once a signal or os._exit ended the process). Only
         * threads not done are listed, oldest first, and each kill takes
         * one off the list. */
        while (p->live_head != NO_THREAD)
            thread_kill(w, T(w, p->live_head), p->end_cause ? (SimCause)p->end_cause : SIM_C_DAEMON_KILL,
                        p->end_by);
        proc_end(w, p, t);
    }
}
