/*
 * sched.c - the operating system: N cores, one FIFO run queue, time slices
 * and the wake-up of blocked threads.
 *
 * A thread that wants to run asks for a core (os_request_core): it gets its
 * last core if idle, else the lowest idle one, else it queues. A thread
 * with an affinity mask (os.sched_setaffinity) only ever gets a core of its
 * mask: a freed core takes the first queued thread allowed on it, and a
 * time slice only preempts for a thread that may use the core. A core that
 * changes hands costs a context switch before the thread's continuation
 * runs. While threads wait for a core, every busy core has a time-slice
 * timer; when it expires the running thread is preempted (keeping the GIL
 * if it holds it, except where gil_preempted says otherwise) and queues at
 * the back. Every wake-up from a blocking call or a condition variable
 * costs the machine's wake-up latency, drawn from the woken thread's own
 * random stream, before the thread even asks for a core. A timer (a
 * sleep, a timed wait) is slower: it fires machine.timer_slack late, as
 * the Linux kernel lets a thread's timers fire anywhere in that range and
 * an idle CPU has nothing earlier to fire them with, and its interrupt
 * then takes machine.timer_latency to wake the thread (tools/cpython/
 * os_probe.c: a 1 ms sleep returns ~117 us late here, a thread signalled
 * by another CPU runs ~15-25 us later however long its CPU idled).
 *
 * Invariant: a core's `thread` and that thread's `core` point at each
 * other; a queued thread has in_runq set and no core.
 */
#include "engine.h"

/* May t run on core c? Its affinity mask (os.sched_setaffinity, inherited
 * by threads and children) is 0 when it may run anywhere. */
static bool allowed(const Thread *t, int c)
{
    uint64_t mask = t->spec->affinity;
    return mask == 0 || (c < 64 && (mask >> c & 1));
}

int os_usable_cores(const SimWorld *w, const Thread *t)
{
    uint64_t mask = t->spec->affinity;
    if (mask == 0)
        return w->cfg->cores;
    uint64_t machine = w->cfg->cores >= 64 ? ~0ull : (1ull << w->cfg->cores) - 1;
    return __builtin_popcountll(mask & machine);
}

/* The idle core a woken thread would run on: its last one if idle, else
 * the lowest idle one it may use; -1 if every such core is busy. */
static int idle_core_for(SimWorld *w, const Thread *t)
{
    if (t->last_core >= 0 && w->cores[t->last_core].thread == NO_THREAD && allowed(t, t->last_core))
        return t->last_core;
    for (int c = 0; c < w->cfg->cores; c++)
        if (w->cores[c].thread == NO_THREAD && allowed(t, c))
            return c;
    return -1;
}

bool os_idle_core_exists(SimWorld *w, const Thread *t)
{
    return idle_core_for(w, t) >= 0;
}

static SimTime wake_latency(SimWorld *w, Thread *t)
{
    return sim_dist_sample(&w->cfg->wake_latency, &t->rng);
}

void os_start_thread(SimWorld *w, Thread *t)
{
    world_schedule(w, w->now + wake_latency(w, t), EV_THREAD_BEGIN, t->id, 0);
}

SimTime os_timer(SimWorld *w, Thread *t, SimTime at)
{
    return sim_time_add(sim_time_add(at, w->cfg->timer_slack), sim_dist_sample(&w->cfg->timer_latency, &t->rng));
}

/* The thread will run `cont` once it is ready, at `at`, and has a core. */
static void ready_at(SimWorld *w, Thread *t, Cont cont, SimTime at)
{
    t->cont = (uint8_t)cont;
    t->waking = true;
    gil_note_coming(w, t);
    if (at == w->now)
        world_schedule_after(w, LANE_NOW, at, EV_READY, t->id, 0);
    else
        world_schedule(w, at, EV_READY, t->id, 0);
}

void os_ready(SimWorld *w, Thread *t, Cont cont) { ready_at(w, t, cont, w->now); }

void os_wake_after(SimWorld *w, Thread *t, Cont cont, const SimDist *latency)
{
    ready_at(w, t, cont, sim_time_add(w->now, sim_dist_sample(latency, &t->rng)));
}

void os_wake(SimWorld *w, Thread *t, Cont cont) { os_wake_after(w, t, cont, &w->cfg->wake_latency); }

void os_block_for(SimWorld *w, Thread *t, SimTime dur, bool timer)
{
    /* The thread draws nothing while blocked, so its wake-up can be drawn
     * now: one event for "done and scheduled again", not two. A timer's
     * expiry wakes the thread where it slept; anything else is a signal
     * from another CPU and costs the wake-up latency. */
    SimTime end = timer ? os_timer(w, t, sim_time_add(w->now, dur))
                        : sim_time_add(sim_time_add(w->now, dur), wake_latency(w, t));
    t->block.ev = world_schedule(w, end, EV_BLOCK_END, t->id, 0);
}

/* ---- The run queue -------------------------------------------------------- */

static void runq_push(SimWorld *w, Thread *t)
{
    t->rq_next = NO_THREAD;
    t->rq_prev = w->rq_tail;
    t->in_runq = true;
    if (w->rq_tail == NO_THREAD)
        w->rq_head = t->id;
    else
        T(w, w->rq_tail)->rq_next = t->id;
    w->rq_tail = t->id;
    w->rq_len++;
    gil_note_coming(w, t);
}

void os_runq_remove(SimWorld *w, Thread *t)
{
    if (!t->in_runq)
        return;
    if (t->rq_prev == NO_THREAD)
        w->rq_head = t->rq_next;
    else
        T(w, t->rq_prev)->rq_next = t->rq_next;
    if (t->rq_next == NO_THREAD)
        w->rq_tail = t->rq_prev;
    else
        T(w, t->rq_next)->rq_prev = t->rq_prev;
    t->rq_next = t->rq_prev = NO_THREAD;
    t->in_runq = false;
    w->rq_len--;
    gil_note_coming(w, t);
}

/* The first queued thread that may run on core c, taken off the queue. */
static Thread *runq_pop(SimWorld *w, int c)
{
    for (uint32_t id = w->rq_head; id != NO_THREAD; id = T(w, id)->rq_next) {
        Thread *t = T(w, id);
        if (allowed(t, c)) {
            os_runq_remove(w, t);
            return t;
        }
    }
    return NULL;
}

/* ---- Cores ---------------------------------------------------------------- */

/* Arms the time-slice timers of busy cores once threads wait for a core. */
static void arm_slices(SimWorld *w)
{
    for (int c = 0; c < w->cfg->cores; c++) {
        Core *k = &w->cores[c];
        if (k->thread != NO_THREAD && !k->slice_ev) {
            SimTime at = k->since + w->cfg->time_slice;
            if (at < w->now)
                at = w->now;
            k->slice_ev = world_schedule(w, at, EV_SLICE, (uint32_t)c, 0);
        }
    }
}

/* Gives core c to thread t, paying the context switch when it changes
 * hands. A thread given a core that another thread freed starts from an
 * event even when the switch is free: run at once, it would run inside the
 * freeing thread's call, which goes on afterwards with a world that thread
 * could have changed under it (a GIL taken, a waiter woken, its whole
 * process ended). */
static void assign_core(SimWorld *w, Thread *t, uint32_t c, bool handed_over)
{
    Core *k = &w->cores[c];
    k->thread = t->id;
    k->since = w->now;
    t->core = (int32_t)c;
    bool switch_cost = k->last != t->id && w->cfg->ctx_switch > 0;
    k->last = t->id;
    t->last_core = (int32_t)c;
    if (switch_cost || handed_over) {
        t->waking = true;
        gil_note_coming(w, t);
        world_schedule_after(w, LANE_ON_CORE, w->now + (switch_cost ? w->cfg->ctx_switch : 0), EV_ON_CORE,
                             t->id, 0);
    } else {
        prog_continue(w, t);
    }
}

static void dispatch(SimWorld *w, uint32_t c)
{
    if (w->cores[c].thread != NO_THREAD)
        return;
    Thread *t = runq_pop(w, (int)c);
    if (t)
        assign_core(w, t, c, true);
}

void os_request_core(SimWorld *w, Thread *t, Cont cont)
{
    t->cont = (uint8_t)cont;
    gil_note_coming(w, t);
    int free_core = idle_core_for(w, t);
    if (free_core >= 0) {
        assign_core(w, t, (uint32_t)free_core, false);
        return;
    }
    /* Every core is busy. A thread waiting inside take_gil stays "waiting for
     * the GIL" in the picture; anything else is waiting for a core. */
    if (cont != CONT_GIL_CHECK)
        world_set_reason(w, t, SIM_R_WAIT_CORE, SIM_C_NONE, 0);
    runq_push(w, t);
    arm_slices(w);
}

void os_release_core(SimWorld *w, Thread *t)
{
    if (t->core < 0)
        return;
    uint32_t c = (uint32_t)t->core;
    Core *k = &w->cores[c];
    k->thread = NO_THREAD;
    world_cancel(w, &k->slice_ev);
    t->core = -1;
    if (k->held != NO_THREAD)
        gil_held_waiter_runs(w, c);
    dispatch(w, c);
}

void os_slice_expired(SimWorld *w, uint32_t c)
{
    Core *k = &w->cores[c];
    k->slice_ev = 0;
    if (k->thread == NO_THREAD || w->rq_len == 0)
        return;
    bool wanted = false; /* by a queued thread allowed on this core */
    for (uint32_t id = w->rq_head; id != NO_THREAD && !wanted; id = T(w, id)->rq_next)
        wanted = allowed(T(w, id), (int)c);
    if (!wanted)
        return;
    Thread *t = T(w, k->thread);
    if (t->waking || !t->work.ev) {
        /* Mid context switch: look again one slice later. */
        k->since = w->now;
        arm_slices(w);
        return;
    }
    if (t->work.to_end && t->work.ev_at == w->now) {
        /* Its work ends at this very instant, from an event still pending:
         * look again once it has ended (an event pushed now comes after
         * every event due now), so that a thread is not
         * preempted with nothing left to do (it may then release the core,
         * or go on and be preempted at this same instant). */
        k->slice_ev = world_schedule(w, w->now, EV_SLICE, c, 0);
        return;
    }
    /* Preempt: the thread keeps the GIL if it holds it. */
    world_cancel(w, &t->work.ev);
    work_account(w, t);
    k->thread = NO_THREAD;
    t->core = -1;
    t->cont = CONT_RESUME_WORK; /* off a core and out of the run queue: not coming either way */
    if (gil_preempted(w, t))
        t->cont = CONT_TAKE_GIL;
    world_set_reason(w, t, SIM_R_WAIT_CORE, SIM_C_PREEMPTED, 0);
    runq_push(w, t);
    dispatch(w, c);
    arm_slices(w);
}
