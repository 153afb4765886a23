/*
 * world.c - the discrete-event loop of a simulated run, the trace writer
 * every part of the engine records through, and the public SimWorld API.
 *
 * The engine's parts and how they meet are described in engine.h. This
 * file only pops events in (time, push order) and hands each to the part
 * it concerns; a run ends when no process is left (done), when no event is
 * left while threads remain (deadlock: nothing can ever move again), or at
 * the requested time.
 *
 * Every run ends, whatever the scenario: simulated time must advance (a
 * run that takes more than max_steps events and program steps at one
 * instant is stuck, and fails naming the op), it may not pass
 * SIM_TIME_MAX, and the trace may not outgrow its record budget. Each of
 * these ends the run with an error instead of running or growing forever.
 *
 * Invariant: a world's run depends only on its scenario (seed included)
 * and its record budget: the same inputs give a bit-for-bit identical
 * trace.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

/* ---- Arrays, events, records --------------------------------------------------- */

bool world_grow(SimWorld *w, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np) {
        w->oom = true;
        return false;
    }
    *p = np;
    *cap = ncap;
    return true;
}

bool world_push_u32(SimWorld *w, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v)
{
    if (!world_grow(w, (void **)arr, cap, *n + 1, sizeof(uint32_t)))
        return false;
    (*arr)[(*n)++] = v;
    return true;
}

/* The thread an event is about, or NULL. */
static Thread *event_thread(SimWorld *w, uint32_t type, uint32_t thread)
{
    if (type == EV_SLICE)
        return thread < (uint32_t)w->cfg->cores && w->cores[thread].thread != NO_THREAD
                   ? T(w, w->cores[thread].thread)
                   : NULL;
    if (type == EV_PROC_START || type == EV_PIPE_DELIVER)
        return NULL;
    return thread < w->n_threads ? T(w, thread) : NULL;
}

static SimHandle schedule(SimWorld *w, int lane, SimTime at, EventType type, uint32_t thread, int64_t data)
{
    if (at > SIM_TIME_MAX) {
        /* Pushed all the same, so every handle stays armed for the
         * invariant check; the run ends before it fires. */
        Thread *t = event_thread(w, type, thread);
        char who[160] = "", end[32];
        if (t)
            world_thread_name(w, t, who, sizeof(who));
        world_fail(w, SIM_ERR_RUN, t ? world_thread_op(w, t) : UINT32_MAX,
                   "simulated time would pass %s, the most a run can reach%s%s; expected shorter "
                   "durations or fewer repeats", sim_duration_format(SIM_TIME_MAX, end, sizeof(end)),
                   t ? ", at this op of " : "", who);
    }
    SimHandle h = lane < 0 ? sim_queue_push(&w->q, at, type, thread, data)
                           : sim_queue_push_lane(&w->q, (uint32_t)lane, at, type, thread, data);
    if (!h)
        w->oom = true;
    return h;
}

SimHandle world_schedule(SimWorld *w, SimTime at, EventType type, uint32_t thread, int64_t data)
{
    return schedule(w, -1, at, type, thread, data);
}

SimHandle world_schedule_after(SimWorld *w, Lane lane, SimTime at, EventType type, uint32_t thread, int64_t data)
{
    return schedule(w, (int)lane, at, type, thread, data);
}

void world_cancel(SimWorld *w, SimHandle *h)
{
    if (*h)
        sim_queue_cancel(&w->q, *h);
    *h = 0;
}

void world_record(SimWorld *w, uint8_t kind, uint32_t thread, uint32_t arg, uint32_t other, uint8_t state,
                  uint8_t reason, uint8_t cause)
{
    SimRecord r = {w->now, thread, arg, other, kind, state, reason, cause};
    if (w->max_records && w->trace->n >= w->max_records) {
        if (!w->fail_code)
            world_fail(w, SIM_ERR_BUDGET, UINT32_MAX,
                       "the trace reached its budget of %" PRIu64 " records (%.1f GB) at %s of simulated "
                       "time; expected a shorter run (--until) or a larger budget (--max-records)",
                       w->max_records, (double)w->max_records * sizeof(SimRecord) / 1e9,
                       sim_duration_format(w->now, (char[32]){0}, 32));
        return;
    }
    if (sim_trace_append(w->trace, &r) < 0)
        w->oom = true;
}

void world_set_reason(SimWorld *w, Thread *t, SimReason reason, SimCause cause, uint32_t other)
{
    SimState old = sim_reason_state((SimReason)t->reason), now = sim_reason_state(reason);
    /* Back in its program, the thread ran the bytecode that makes the call
     * or returns, if only for no time: without a Running record an I/O
     * right after another (same state, same reason) or after a wait for
     * the GIL would not show as one, and the counters built on states
     * would miss it. */
    bool ran = t->resumed && t->core >= 0 && old != SIM_ST_RUNNING &&
               (now == SIM_ST_BLOCKED || reason == SIM_R_EXITED);
    if (t->reason == reason && !ran)
        return;
    if (ran) {
        world_record(w, SIM_REC_STATE, t->id, (uint32_t)t->core, 0,
                     (uint8_t)(SIM_ST_RUNNING | (old << 4)), SIM_R_PYTHON, (uint8_t)cause);
        old = SIM_ST_RUNNING;
    }
    if (now != SIM_ST_RUNNABLE)
        t->resumed = false;
    uint32_t arg = now == SIM_ST_RUNNING ? (uint32_t)t->core : 0;
    world_record(w, SIM_REC_STATE, t->id, arg, other, (uint8_t)(now | (old << 4)), (uint8_t)reason, (uint8_t)cause);
    t->reason = (uint8_t)reason;
}

/* ---- Failures: runs that cannot go on ------------------------------------------- */

void world_fail(SimWorld *w, int code, uint32_t op, const char *fmt, ...)
{
    if (w->fail_code)
        return;
    w->fail_code = code;
    w->fail_op = op;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->fail_msg, sizeof(w->fail_msg), fmt, ap);
    va_end(ap);
}

uint32_t world_thread_op(const SimWorld *w, const Thread *t)
{
    if (t->sync.op)
        return (uint32_t)(t->sync.op - w->sc->ops);
    if (t->prog.pc > t->spec->prog_first && t->prog.pc <= t->prog.end)
        return t->prog.pc - 1;
    return t->spec->prog_len ? t->spec->prog_first : UINT32_MAX;
}

const char *world_thread_name(const SimWorld *w, const Thread *t, char *buf, size_t n)
{
    const SimThreadInfo *ti = sim_trace_thread(w->trace, t->id);
    const SimProcessInfo *pi = ti ? sim_trace_process(w->trace, ti->process) : NULL;
    snprintf(buf, n, "thread '%.48s' of process '%.48s'", ti ? ti->name : "?", pi ? pi->name : "?");
    return buf;
}

bool world_step_slow(SimWorld *w, Thread *t)
{
    char who[160], when[32];
    world_thread_name(w, t, who, sizeof(who));
    sim_duration_format(w->now, when, sizeof(when));
    if (t->prog.depth > 0) {
        /* The innermost repeat is the loop whose body takes no time. */
        world_fail(w, SIM_ERR_RUN, t->prog.loops[t->prog.depth - 1].start - 1,
                   "this repeat of %s runs without simulated time passing (%" PRIu64 " steps at %s); "
                   "expected its body to take time, e.g. {\"cpu\": \"1us\"}", who, w->steps, when);
    } else {
        world_fail(w, SIM_ERR_RUN, world_thread_op(w, t),
                   "simulated time stopped advancing at %s: %" PRIu64 " steps at that instant, the last "
                   "at this op of %s; expected time to pass", when, w->steps, who);
    }
    return false;
}

/* ---- Event dispatch ---------------------------------------------------------- */

static void on_event(SimWorld *w, const SimEvent *ev)
{
    Thread *t = ev->type == EV_SLICE || ev->type == EV_PROC_START || ev->type == EV_PIPE_DELIVER
                    ? NULL
                    : T(w, ev->thread);
    switch ((EventType)ev->type) {
    case EV_THREAD_BEGIN:
        if (!t->done)
            os_request_core(w, t, CONT_TAKE_GIL);
        break;
    case EV_READY:
        if (!t->done)
            os_request_core(w, t, (Cont)t->cont);
        break;
    case EV_ON_CORE:
        if (!t->done)
            prog_continue(w, t);
        break;
    case EV_RUN:
        prog_work_done(w, t);
        break;
    case EV_BLOCK_END:
        t->block.ev = 0;
        os_request_core(w, t, CONT_TAKE_GIL);
        break;
    case EV_GIL_TIMEOUT:
        gil_timed_out(w, t);
        break;
    case EV_SLICE:
        os_slice_expired(w, ev->thread);
        break;
    case EV_PROC_START:
        if (!w->procs[ev->thread]->done) /* else terminated while starting */
            proc_begin(w, w->procs[ev->thread], NULL);
        break;
    case EV_SYNC_TIMEOUT:
        if (!t->done)
            sync_timed_out(w, t);
        break;
    case EV_PIPE_DELIVER:
        sync_pipe_deliver(w, w->all_prims[ev->data], ev->thread);
        break;
    case EV_JOIN_TIMEOUT:
        thread_join_timed_out(w, t);
        break;
    case EV_REPLY:
        if (!t->done)
            sync_reply(w, t, w->all_prims[ev->data]);
        break;
    }
}

/* ---- Deadlock reporting -------------------------------------------------------- */

/* Every live thread is stuck: say what each waits for, in a DEADLOCK
 * record (trace.h). */
static void report_deadlock(SimWorld *w)
{
    for (uint32_t i = 0; i < w->n_threads; i++) {
        Thread *t = T(w, i);
        if (t->done || !t->started)
            continue;
        uint32_t other = 0;
        /* A thread still running is in a busy-wait nothing can end
         * (sync.c step_poll): its last blocking call is not what it waits for. */
        uint8_t kind = sim_reason_state((SimReason)t->reason) == SIM_ST_RUNNING ? SIM_WAIT_NONE : t->block.kind;
        if (kind == SIM_WAIT_JOIN_THREAD || kind == SIM_WAIT_START || kind == SIM_WAIT_JOIN_PROCESS ||
            kind == SIM_WAIT_OBJECT)
            other = (uint32_t)t->block.of + 1;
        world_record(w, SIM_REC_DEADLOCK, t->id, kind, other, 0, t->reason, SIM_C_DEADLOCK);
    }
}

/* ---- Public API ----------------------------------------------------------------- */

SimWorld *sim_world_create(const SimScenario *sc, SimError *err)
{
    SimWorld *w = calloc(1, sizeof(*w));
    if (!w) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->sc = sc;
    w->cfg = &sc->cfg;
    w->outcome = -1;
    w->max_records = sim_default_max_records();
    w->max_steps = w->steps_base = SIM_STEPS_PER_INSTANT;
    w->fail_op = UINT32_MAX;
    w->rq_head = w->rq_tail = NO_THREAD;
    sim_queue_init(&w->q);
    w->trace = sim_trace_create();
    w->cores = calloc((size_t)sc->cfg.cores, sizeof(Core));
    if (!w->trace || !w->cores)
        goto out_nomem;
    for (int c = 0; c < sc->cfg.cores; c++)
        w->cores[c] = (Core){NO_THREAD, NO_THREAD, 0, 0, NO_THREAD};
    char version[16];
    snprintf(version, sizeof(version), "%d.%d", sc->cfg.py_major, sc->cfg.py_minor);
    SimRunInfo info = {sc->name, sc->hash, sc->cfg.seed, sc->cfg.cores, sc->cfg.switch_interval,
                       sim_gil_policy_name(sc->cfg.gil), version, -1, sc->cfg.short_sleep};
    if (sim_trace_set_info(w->trace, &info) < 0)
        goto out_nomem;
    sim_rng_seed(&w->os_rng, sc->cfg.seed, 999);
    gil_plan_increments(w);
    if (!proc_make_ipc_objects(w))
        goto out_nomem;
    for (int i = 0; i < sc->n_procs; i++) {
        if (sc->procs[i].manual_start)
            continue;
        Process *p = proc_create(w, &sc->procs[i], SIM_NONE, NULL);
        if (!p)
            goto out_nomem;
        proc_begin(w, p, NULL);
    }
    if (w->oom)
        goto out_nomem;
    return w;
out_nomem:
    sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    sim_world_destroy(w);
    return NULL;
}

void sim_world_destroy(SimWorld *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_threads; i++) {
        free(w->threads[i]->joiners);
        free(w->threads[i]->locals);
        free(w->threads[i]);
    }
    for (uint32_t i = 0; i < w->n_all_prims; i++) {
        wl_fini(&w->all_prims[i]->waiters);
        wl_fini(&w->all_prims[i]->waiters2);
        free(w->all_prims[i]->reqs);
        free(w->all_prims[i]);
    }
    free(w->all_prims);
    free(w->ipc);
    for (int i = 0; w->vars && i < w->sc->n_shared; i++)
        free(w->vars[i]);
    free(w->vars);
    for (uint32_t i = 0; i < w->n_pools; i++)
        free(w->pools[i]);
    free(w->pools);
    for (uint32_t i = 0; i < w->n_procs; i++) {
        free(w->procs[i]->prims);
        free(w->procs[i]->shared);
        free(w->procs[i]->threads);
        free(w->procs[i]->joiners);
        free(w->procs[i]);
    }
    for (uint32_t i = 0; i < w->n_gils; i++)
        wl_fini(&w->gils[i].waiters);
    free(w->last_thread_keys);
    free(w->last_thread_vals);
    free(w->last_proc);
    free(w->threads);
    free(w->procs);
    free(w->gils);
    free(w->cores);
    sim_queue_fini(&w->q);
    sim_trace_destroy(w->trace);
    free(w);
}

/* ---- Invariants ----------------------------------------------------------------- */

int sim_world_check(const SimWorld *w, SimError *err)
{
    int rc = gil_check_sane(w, err);
    if (rc < 0)
        return rc;
    if (!sim_queue_sane(&w->q))
        return sim_error_set(err, SIM_ERR_INVALID, "the event queue is out of order");
    uint32_t queued = 0, live_threads = 0;
    for (uint32_t i = 0; i < w->n_threads; i++) {
        const Thread *t = w->threads[i];
        if (t->core >= 0 && (t->core >= w->cfg->cores || w->cores[t->core].thread != t->id))
            return sim_error_set(err, SIM_ERR_INVALID, "thread %u is on core %d, which runs another", i, t->core);
        if (t->in_runq && t->core >= 0)
            return sim_error_set(err, SIM_ERR_INVALID, "thread %u is queued for a core and on core %d", i, t->core);
        queued += t->in_runq;
    }
    for (int c = 0; c < w->cfg->cores; c++) {
        uint32_t id = w->cores[c].thread;
        if (id != NO_THREAD && (id >= w->n_threads || w->threads[id]->core != c))
            return sim_error_set(err, SIM_ERR_INVALID, "core %d runs thread %u, which is not on it", c, id);
    }
    uint32_t walked = 0, prev = NO_THREAD;
    for (uint32_t id = w->rq_head; id != NO_THREAD && walked <= w->n_threads; id = w->threads[id]->rq_next) {
        walked += w->threads[id]->in_runq;
        if (w->threads[id]->rq_prev != prev)
            return sim_error_set(err, SIM_ERR_INVALID, "run queue: thread %u links back to %u, not %u", id,
                                 w->threads[id]->rq_prev, prev);
        prev = id;
    }
    if (queued != w->rq_len || walked != w->rq_len || prev != w->rq_tail)
        return sim_error_set(err, SIM_ERR_INVALID, "run queue: length %u, %u marked, %u linked", w->rq_len, queued,
                             walked);
    uint32_t live = 0, listed = 0;
    for (uint32_t i = 0; i < w->n_procs; i++) {
        const Process *p = w->procs[i];
        live += !p->done;
        listed += p->n_live;
        /* The threads not done, oldest first, linked both ways. */
        uint32_t n = 0, last = NO_THREAD;
        for (uint32_t id = p->live_head; id != NO_THREAD && n <= w->n_threads; id = w->threads[id]->live_next) {
            const Thread *t = w->threads[id];
            if (t->done || t->proc != i || t->live_prev != last || (last != NO_THREAD && last >= id))
                return sim_error_set(err, SIM_ERR_INVALID, "process %u: its list of live threads is broken at %u",
                                     i, id);
            last = id;
            n++;
        }
        if (n != p->n_live || last != p->live_tail)
            return sim_error_set(err, SIM_ERR_INVALID, "process %u: %u live threads listed, %u counted", i, n,
                                 p->n_live);
        for (uint32_t k = 0; k < p->n_joiners; k++)
            if (p->joiners[k] >= w->n_threads || w->threads[p->joiners[k]]->join_idx != k)
                return sim_error_set(err, SIM_ERR_INVALID, "process %u: joiner %u is not where it says", i, k);
    }
    for (uint32_t i = 0; i < w->n_threads; i++) {
        const Thread *t = w->threads[i];
        live_threads += !t->done;
        for (uint32_t k = 0; k < t->n_joiners; k++)
            if (t->joiners[k] >= w->n_threads || w->threads[t->joiners[k]]->join_idx != k)
                return sim_error_set(err, SIM_ERR_INVALID, "thread %u: joiner %u is not where it says", i, k);
    }
    for (uint32_t i = 0; i < w->n_all_prims; i++)
        if (!wl_sane(&w->all_prims[i]->waiters) || !wl_sane(&w->all_prims[i]->waiters2))
            return sim_error_set(err, SIM_ERR_INVALID, "object %u: its wait list is broken", w->all_prims[i]->id);
    if (listed != live_threads)
        return sim_error_set(err, SIM_ERR_INVALID, "%u threads alive, %u listed", live_threads, listed);
    if (live != w->live_procs)
        return sim_error_set(err, SIM_ERR_INVALID, "%u processes alive, %u counted", live, w->live_procs);
    return SIM_OK;
}

#ifdef SIM_CHECK_INVARIANTS
static void check_invariants(const SimWorld *w)
{
    /* The check walks every thread, core, process and GIL: after every
     * event while the world is small, and every k-th event in a large one
     * (k grows with its size), so that a debug run of 10,000 processes
     * stays linear in its events instead of taking hours. */
    uint64_t size = (uint64_t)w->n_threads + w->n_procs + w->n_gils + (uint64_t)w->cfg->cores;
    if (w->events % (size / 256 + 1) != 0)
        return;
    SimError err;
    if (sim_world_check(w, &err) < 0) {
        fprintf(stderr, "gilsim: invariant broken at t=%lld ns after event %llu: %s\n", (long long)w->now,
                (unsigned long long)w->events, err.msg);
        abort();
    }
}
#else
static void check_invariants(const SimWorld *w) { (void)w; }
#endif /* SIM_CHECK_INVARIANTS */

static void finish(SimWorld *w, int outcome)
{
    w->finished = true;
    w->outcome = outcome;
    sim_trace_set_end(w->trace, w->now);
    SimRunInfo info = *sim_trace_info(w->trace);
    info.outcome = outcome;
    if (sim_trace_set_info(w->trace, &info) < 0)
        w->oom = true;
}

/* A run that cannot go on is over: its trace ends now. */
static int fail_run(SimWorld *w)
{
    if (!w->finished)
        finish(w, w->fail_code);
    return w->fail_code;
}

/* The event about to be dispatched is one more step at its instant. */
static bool event_step(SimWorld *w, const SimEvent *ev)
{
    if (ev->t > w->instant) {
        w->instant = ev->t;
        w->steps_before += w->steps;
        w->steps = 0;
    }
    /* Each thread created so far may take a few steps at one instant. */
    w->max_steps = w->steps_base + (uint64_t)SIM_STEPS_PER_THREAD * w->n_threads;
    if (++w->steps <= w->max_steps)
        return true;
    Thread *t = event_thread(w, ev->type, ev->thread);
    char who[160] = "", when[32];
    if (t)
        world_thread_name(w, t, who, sizeof(who));
    world_fail(w, SIM_ERR_RUN, t ? world_thread_op(w, t) : UINT32_MAX,
               "simulated time stopped advancing at %s: %" PRIu64 " events at that instant%s%s; expected "
               "time to pass between them (zero latencies and costs can let threads hand work back and "
               "forth forever)", sim_duration_format(w->now, when, sizeof(when)), w->steps - 1,
               t ? ", the last for this op of " : "", who);
    return false;
}

/* Starts loading the thread of the event after this one while this one
 * runs: with thousands of threads their structs are out of the nearer
 * caches, and the next event's thread is known a whole event ahead. */
static void prefetch_next(const SimWorld *w)
{
    const SimEvent *nx = sim_queue_peek(&w->q);
    if (!nx || nx->type == EV_SLICE || nx->type == EV_PROC_START || nx->thread >= w->n_threads)
        return;
    const char *t = (const char *)w->threads[nx->thread];
    __builtin_prefetch(t);
    __builtin_prefetch(t + 64);
    __builtin_prefetch(t + 128);
}

int sim_world_run(SimWorld *w, SimTime until)
{
    if (w->finished)
        return w->fail_code ? w->fail_code : w->outcome;
    if (w->fail_code)
        return fail_run(w);
    SimEvent ev;
    while (w->live_procs > 0) {
        if (w->oom)
            return SIM_ERR_NOMEM;
        if (sim_queue_size(&w->q) == 0) {
            report_deadlock(w);
            finish(w, SIM_RUN_DEADLOCK);
            return w->oom ? SIM_ERR_NOMEM : w->outcome;
        }
        if (sim_queue_peek_time(&w->q) > until) {
            w->now = until;
            finish(w, SIM_RUN_UNTIL);
            return w->outcome;
        }
        if (w->max_total_steps && w->steps_before + w->steps >= w->max_total_steps) {
            char when[32];
            world_fail(w, SIM_ERR_BUDGET, UINT32_MAX, "the run reached its budget of %" PRIu64 " steps (events "
                       "and program steps) at %s of simulated time", w->max_total_steps,
                       sim_duration_format(w->now, when, sizeof(when)));
            return fail_run(w);
        }
        if ((w->events & 1023) == 0) {
            w->queue_sum += sim_queue_size(&w->q);
            w->queue_samples++;
        }
        sim_queue_pop(&w->q, &ev);
        prefetch_next(w);
        w->now = ev.t;
        if (!event_step(w, &ev))
            return fail_run(w);
        w->events++;
        on_event(w, &ev);
        check_invariants(w);
        if (w->fail_code)
            return w->oom ? SIM_ERR_NOMEM : fail_run(w);
    }
    if (w->oom)
        return SIM_ERR_NOMEM;
    if (w->fail_code)
        return fail_run(w);
    finish(w, SIM_RUN_DONE);
    return w->outcome;
}

void sim_world_error(const SimWorld *w, SimError *err)
{
    const char *src = w->sc->source ? w->sc->source : "(scenario)";
    if (w->oom || !w->fail_code) {
        sim_error_set(err, SIM_ERR_NOMEM, "%s: the simulation ran out of memory", src);
        return;
    }
    char where[400];
    if (w->fail_op != UINT32_MAX)
        sim_scenario_op_where(w->sc, w->fail_op, where, sizeof(where));
    else
        snprintf(where, sizeof(where), "%s", src);
    sim_error_set(err, w->fail_code, "%s: %s", where, w->fail_msg);
}

void sim_world_set_max_records(SimWorld *w, uint64_t max_records)
{
    w->max_records = max_records;
}

void sim_world_set_max_steps(SimWorld *w, uint64_t max_steps)
{
    w->max_total_steps = max_steps;
}

void sim_world_set_steps_per_instant(SimWorld *w, uint64_t steps)
{
    w->max_steps = w->steps_base = steps;
}

uint64_t sim_default_max_records(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return (uint64_t)1 << 26;
    uint64_t n = (uint64_t)pages * (uint64_t)size / 8 / sizeof(SimRecord);
    /* Exports and the viewer index records with 32 bits. */
    uint64_t most = (uint64_t)UINT32_MAX - 1;
    return n > most ? most : n < 4096 ? 4096 : n;
}

const SimTrace *sim_world_trace(const SimWorld *w) { return w->trace; }
uint64_t sim_world_events(const SimWorld *w) { return w->events; }

double sim_world_queue_mean(const SimWorld *w)
{
    return w->queue_samples ? (double)w->queue_sum / (double)w->queue_samples : 0.0;
}

SimTrace *sim_world_take_trace(SimWorld *w)
{
    SimTrace *tr = w->trace;
    w->trace = NULL;
    if (!w->finished)
        sim_trace_set_end(tr, w->now);
    w->finished = true;
    return tr;
}
