/*
 * gil.c - the GIL: every design gilsim models, and every rule in which the
 * design changes what a thread does. A new policy or wake-up rule touches
 * this file only.
 *
 * The new GIL (CPython 3.2+, Python/ceval_gil.c): take_gil waits on a
 * condition variable for one switch interval; only a timeout with no
 * switch meanwhile (switch_number unchanged) sets the drop request; the
 * holder notices it at its next check point (the eval breaker), drops the
 * GIL, signals one waiter (chosen as the OS would: machine.wakeup_policy)
 * and, with FORCE_SWITCHING, waits until some other thread took the GIL.
 * A waiter signalled by the dropper pays the OS wake-up latency; one
 * whose timed wait ran out pays the timer's slack and latency instead
 * (os_timer); the dropper goes on machine.switch_wake_latency after the
 * take (switch_cond's wake-up, then switch_mutex and the GIL's mutex,
 * measured apart from other wake-ups because it is slower: cond_trace.py);
 * each then needs a core (sched.c).
 *
 * Who is signalled (machine.wakeup_policy): "random" (any waiter,
 * uniformly), "fifo" (the oldest), or "linux-glibc", glibc's condition
 * variable (since 2.25: nptl/pthread_cond_wait.c, pthread_cond_signal.c,
 * pthread_cond_common.c). There every wait takes a place in group G2 and a
 * signal goes to group G1 while G1 has a waiter left unsignalled; only when
 * it has none does the signal first make every registered waiter the new
 * G1 (a group switch). A signal to G1 goes to the longest sleeper there,
 * and no waiter of G2 can take it. After a switch all waiters compete: any
 * of them still awake consumes the signal by reading the group's signal
 * count before it blocks in the futex; otherwise FUTEX_WAKE wakes the one
 * that has slept longest (the kernel queues equal-priority sleepers in
 * order). The thread awake is the one that just timed out, set the drop
 * request and waited again: machine.cond_steal is the chance that the
 * holder's signal comes before it blocks, and machine.cond_enter_window how
 * long a waiter stays awake; a waiter taken awake pays no wake-up, and its
 * GIL_ACQUIRE record says so (SIM_ACQ_AWAKE). The waiters passed over stay
 * in G1, and one whose wait lasts until the next signal gets it alone.
 * A wait normally ends one interval after it began, before the next
 * signal; it lasts longer when its timeout wakes the thread on a CPU busy
 * with another thread (machine.busy_wake_share, gil_timed_out).
 * Beside two CPU-bound threads this decides when an I/O thread gets the
 * GIL: measured in CPython 3.9, 3.11 and 3.13 by tools/cpython/
 * cond_trace.py, which records the interpreter's condition-variable calls,
 * the requester takes 93 % of the signals after a group switch, and an I/O
 * thread left in G1 takes every signal that finds it there.
 *
 * CPU work is not simulated check point by check point: a running holder
 * has one pending event, at the end of its work or at the next check
 * point once a drop request is pending, so a 60 s CPU-bound thread costs
 * a handful of events per hand-over.
 *
 * The other designs, selected by python.gil:
 *   "new-noforce"      the new GIL without FORCE_SWITCHING: the dropper
 *                      re-takes the GIL before the woken waiter runs;
 *   "old"              CPython <= 3.1: a release and re-acquire every
 *                      check_interval ticks, waiters woken to fail;
 *   "none"             free-threaded (PEP 703): no lock, slower bytecode;
 *   "per-interpreter"  3.12+ (PEP 684): the new GIL, one per interpreter.
 *
 * Invariant: a GIL has at most one holder; the holder's holds_gil is set
 * and its `gil` names this GIL; every thread in `waiters` has no core.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

void gil_init(SimWorld *w, Gil *g, uint32_t index)
{
    memset(g, 0, sizeof(*g));
    g->holder = g->last_holder = g->switch_waiter = NO_THREAD;
    wl_init(&g->waiters, w, WL_GIL);
    sim_rng_seed(&g->rng, w->cfg->seed, 1 + index);
}

uint32_t gil_count_for(SimWorld *w, const SimProcessSpec *spec)
{
    /* Under "per-interpreter", one per subinterpreter its threads live in,
     * numbered from the process's main GIL. */
    uint32_t n_interp = 1;
    if (w->cfg->gil == SIM_GIL_PER_INTERP)
        for (int i = 0; i < spec->n_threads; i++)
            if ((uint32_t)w->sc->threads[spec->first_thread + i].interpreter + 1 > n_interp)
                n_interp = (uint32_t)w->sc->threads[spec->first_thread + i].interpreter + 1;
    return n_interp;
}

/* ---- The new GIL ------------------------------------------------------------ */

/* Whether the work in progress has check points at all. */
static bool has_checks(const Thread *t)
{
    return !t->work.checks || t->work.checks->n > 0;
}

static void gil_waiters_remove(Gil *g, uint32_t id)
{
    wl_remove(&g->waiters, id);
}

/* Its wait's timer is cancelled or has run out: no longer held by a CPU. */
static void unhold(SimWorld *w, Thread *t)
{
    if (t->gil_wait.held_on) {
        w->cores[t->gil_wait.held_on - 1].held = NO_THREAD;
        t->gil_wait.held_on = 0;
    }
}

/* The thread returns from its condition-variable wait: signalled, after
 * the OS wake-up latency; timed out, at once (the timer's own latency is
 * in when it fired: os_timer). */
static void wake_from_cond(SimWorld *w, Thread *t, Cont cont, bool timed_out)
{
    t->gil_wait.by_timeout = timed_out;
    if (timed_out)
        os_ready(w, t, cont);
    else
        os_wake(w, t, cont);
}

/* COND_SIGNAL(gil->cond): wake one waiter, chosen the way the OS would.
 * Under linux-glibc a waiter left in G1 gets it alone; else, after a group
 * switch, the newest waiter, if it entered its wait within the enter
 * window, may take the signal while still awake: it goes on at once, with
 * no wake-up to pay. Otherwise the futex wakes its longest sleeper. */
static void gil_signal_one(SimWorld *w, Gil *g)
{
    uint32_t n = wl_count(&g->waiters);
    if (n == 0 || w->cfg->gil == SIM_GIL_NONE)
        return;
    const SimConfig *cfg = w->cfg;
    uint32_t i = 0;
    uint8_t how = 0;
    if (cfg->wake_policy == SIM_WAKE_GLIBC && cfg->gil != SIM_GIL_OLD) {
        /* (The old GIL's lock is a semaphore, not a condition variable: a
         * waiter still awake that finds it free is old_free_share's window.)
         * A waiter registered before the last group switch and not
         * signalled since is still in G1: the signal is its alone. */
        if (T(w, wl_peek(&g->waiters, 0))->gil_wait.since >= g->g1_since) {
            g->g1_since = w->now;
            const Thread *newest = T(w, wl_peek(&g->waiters, n - 1));
            bool in_window = w->now - newest->gil_wait.since <= cfg->cond_enter_window;
            bool awake = in_window && sim_rng_unit(&g->rng) < cfg->cond_steal;
            i = awake ? n - 1 : 0;
            how = awake ? SIM_ACQ_AWAKE : in_window && n > 1 ? SIM_ACQ_MISSED : 0;
        } else {
            how = SIM_ACQ_ALONE;
        }
    } else if (cfg->wake_policy == SIM_WAKE_RANDOM) {
        i = (uint32_t)sim_rng_below(&g->rng, n);
    }
    Thread *t = T(w, wl_take(&g->waiters, i));
    world_cancel(w, &t->gil_wait.timer);
    unhold(w, t);
    t->gil_wait.signalled = how;
    if (how == SIM_ACQ_AWAKE) {
        t->gil_wait.by_timeout = false;
        os_ready(w, t, CONT_GIL_CHECK);
        return;
    }
    wake_from_cond(w, t, CONT_GIL_CHECK, false);
}

/* The holder learns of a drop request at its next check point. */
static void gil_notify_holder(SimWorld *w, Gil *g)
{
    if (g->holder == NO_THREAD)
        return;
    Thread *h = T(w, g->holder);
    if (h->core >= 0 && !h->waking && h->work.ev && h->work.kind == SIM_OP_CPU && has_checks(h)) {
        work_account(w, h);
        work_plan(w, h);
    }
}

static void notify_started(SimWorld *w, Thread *t)
{
    if (t->ever_held_gil)
        return;
    t->ever_held_gil = true;
    if (t->start_waiter != NO_THREAD) {
        Thread *p = T(w, t->start_waiter);
        t->start_waiter = NO_THREAD;
        os_wake(w, p, CONT_TAKE_GIL);
    }
}

static void old_replan_holder(SimWorld *w, Gil *g);
static uint32_t old_contenders(SimWorld *w, const Gil *g);
static double old_slowdown(SimWorld *w, const Gil *g);

static void gil_acquire(SimWorld *w, Thread *t, SimCause cause)
{
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NONE) {
        /* Free-threaded: attaching to the interpreter takes no lock. */
        t->holds_gil = true;
        notify_started(w, t);
        return;
    }
    assert(!g->locked);
    g->locked = true;
    g->holder = t->id;
    uint32_t prev = g->last_holder;
    if (g->last_holder != t->id) {
        g->last_holder = t->id;
        g->switch_number++;
    }
    if (w->cfg->gil != SIM_GIL_NEW_NOFORCE || prev != t->id) {
        g->drop_request = false;
        g->spec_retake = false;
    }
    t->holds_gil = true;
    uint8_t how = cause == SIM_C_GIL_SIGNAL ? t->gil_wait.signalled : 0;
    world_record(w, SIM_REC_GIL_ACQUIRE, t->id, t->gil, prev == NO_THREAD ? 0 : prev + 1, how, 0, (uint8_t)cause);
    /* FORCE_SWITCHING: the thread that dropped the GIL may go on now, once
     * its wait on switch_cond returns and it has passed switch_mutex and
     * the GIL's mutex, which this thread holds until take_gil ends. */
    if (g->switch_waiter != NO_THREAD) {
        Thread *d = T(w, g->switch_waiter);
        g->switch_waiter = NO_THREAD;
        d->gil_wait.by_timeout = false;
        os_wake_after(w, d, (Cont)d->gil_wait.after_switch, &w->cfg->switch_wake_latency);
    }
    notify_started(w, t);
}

/* Enters take_gil's timed wait: one switch interval on the condition variable. */
static void gil_wait(SimWorld *w, Thread *t, SimCause cause)
{
    Gil *g = &w->gils[t->gil];
    t->gil_wait.saved_switch = g->switch_number;
    t->gil_wait.since = w->now;
    t->gil_wait.signalled = 0;
    if (!wl_add(&g->waiters, t->id))
        return;
    if (w->cfg->gil != SIM_GIL_OLD)
        t->gil_wait.timer = world_schedule_after(w, LANE_GIL_TIMEOUT,
                                                 os_timer(w, t, sim_time_add(w->now, w->cfg->switch_interval)),
                                                 EV_GIL_TIMEOUT, t->id, 0);
    world_set_reason(w, t, SIM_R_WAIT_GIL, cause, g->holder == NO_THREAD ? 0 : g->holder + 1);
    os_release_core(w, t);
    if (w->cfg->gil == SIM_GIL_OLD) {
        /* A plain blocking acquire: woken by the holder's next release,
         * which comes within one check interval while it runs bytecode. */
        if (wl_count(&g->waiters) == 1)
            old_replan_holder(w, g);
        Thread *h = g->holder == NO_THREAD ? NULL : T(w, g->holder);
        if (h && h->core >= 0 && h->work.kind == SIM_OP_CPU && h->work.ev)
            gil_signal_one(w, g);
    }
}

/* ---- The old GIL (CPython <= 3.1) ------------------------------------------
 *
 * Every check_interval ticks the holder releases the GIL and re-acquires it
 * at once; a release signals one blocked waiter, which needs the OS wake-up
 * latency to run and often finds the GIL taken again (a failed wake-up).
 * It wins if its attempt falls while the lock is free. On Linux the lock is
 * a glibc semaphore, and sem_post makes the value 1 before its futex-wake
 * system call (nptl/sem_post.c), so the lock stays free for the whole call,
 * not for an instant: the window is the release's whole cost (its
 * signalling, old_signal_cost, and on several cores the wake of the waiter
 * beside it, old_contention_cost) plus a tick, out of a period of
 * check_interval ticks and that cost. A thread arriving at the lock tries
 * it once before it blocks (sem_wait's fast path), with the same chance. A
 * woken waiter that loses goes back to its futex and is woken by the next
 * release, so it tries again at the wake-up latency's pace until it wins.
 * A release before a blocking call wakes a sleeping waiter too, and pays
 * machine.wake_cost for it. CPython 2.7 here: an I/O thread's 1 ms sleep
 * ends about as late beside one or two CPU-bound threads as alone
 * (tools/cpython/sleep_delay.py), and two CPU-bound threads pinned to one
 * CPU hand over ~250 times a second; on two CPUs they hand over ~69,000
 * times a second, under three times as often as here, as 2.7's ticks are
 * faster than tick_cost and its releases cost more
 * (tools/cpython/old_gil_countdown.py).
 *
 * Ticks are not simulated one by one: while threads wait, the holder's
 * bytecode runs slower by the cost of signalling them on every release,
 * and more on several cores, where the woken waiters fight over the lock
 * (calibrated on Beazley's countdown, "Understanding the Python GIL",
 * PyCon 2010: 7.8 s alone, 11.3 s for two threads on one core, 15.4 s on
 * four cores; on this Linux machine 2.7 pays more on two cores and nothing
 * on one: tools/cpython/old_gil_countdown.py).
 */

/* Threads of a GIL that want it: blocked on it, or woken or runnable on
 * their way into take_gil (counted as they go: gil_note_coming). */
static uint32_t old_contenders(SimWorld *w, const Gil *g)
{
    if (wl_count(&g->waiters))
        return wl_count(&g->waiters);
    if (g->holder == NO_THREAD)
        return 0;
    return g->coming - T(w, g->holder)->coming;
}

static bool is_coming(const Thread *t)
{
    return !t->done && (t->in_runq || t->waking) && (t->cont == CONT_TAKE_GIL || t->cont == CONT_GIL_CHECK);
}

void gil_note_coming(SimWorld *w, Thread *t)
{
    if (w->cfg->gil != SIM_GIL_OLD)
        return; /* only the old GIL counts its contenders */
    bool now = is_coming(t);
    if (now != t->coming) {
        t->coming = now;
        if (now)
            w->gils[t->gil].coming++;
        else
            w->gils[t->gil].coming--;
    }
}

/* What one release of an old GIL that someone waits for costs its holder:
 * the semaphore's post and its futex wake, which costs more when the
 * waiter can run beside the holder (several cores the holder's process may
 * use; an affinity mask can leave it one), where the woken waiters fight
 * over the lock. The lock is free for all of it. */
static double old_release_cost(SimWorld *w, const Gil *g)
{
    double cost = (double)w->cfg->old_signal_cost;
    int usable = g->holder == NO_THREAD ? w->cfg->cores : os_usable_cores(w, T(w, g->holder));
    if (usable > 1)
        cost += (double)w->cfg->old_contention_cost;
    return cost;
}

/* Wall time per unit of bytecode for the holder of an old GIL that someone
 * waits for. */
static double old_contended_slowdown(SimWorld *w, const Gil *g)
{
    double period = (double)w->cfg->check_interval * (double)w->cfg->tick_cost;
    return period > 0 ? 1.0 + old_release_cost(w, g) / period : 1.0;
}

/* The same, for the holder as it is now. */
static double old_slowdown(SimWorld *w, const Gil *g)
{
    if (w->cfg->gil != SIM_GIL_OLD || old_contenders(w, g) == 0)
        return 1.0;
    return old_contended_slowdown(w, g);
}

/* The share of a release period (check_interval ticks and the release)
 * in which the old GIL is free: from the semaphore's post to the holder's
 * re-acquire, the post's futex wake, and a tick. */
static double old_free_share(SimWorld *w, const Gil *g)
{
    double release = old_release_cost(w, g);
    double period = (double)w->cfg->check_interval * (double)w->cfg->tick_cost + release;
    double window = (double)w->cfg->tick_cost + release;
    return period > window ? window / period : 1.0;
}

/* Waiters came or went: the holder's pace changes. */
static void old_replan_holder(SimWorld *w, Gil *g)
{
    if (g->holder == NO_THREAD)
        return;
    Thread *h = T(w, g->holder);
    if (h->core >= 0 && !h->waking && h->work.ev && h->work.kind == SIM_OP_CPU) {
        work_account(w, h);
        work_plan(w, h);
    }
}

/* t caught the GIL in the instant a running holder dropped it to take it
 * again at once (the old GIL's release, new-noforce's drop): the holder
 * stops, its drop is forced, t takes the GIL, and the holder's re-take
 * finds it taken and waits, keeping its resumable work. */
static void take_between_release_and_retake(SimWorld *w, Thread *t, Gil *g, SimCause cause)
{
    Thread *h = T(w, g->holder);
    world_cancel(w, &h->work.ev);
    work_account(w, h);
    g->locked = false;
    g->holder = NO_THREAD;
    h->holds_gil = false;
    world_record(w, SIM_REC_GIL_DROP, h->id, h->gil, 0, SIM_DROP_FORCED, 0, SIM_C_DROP_REQUEST);
    h->cont = CONT_TAKE_GIL;
    gil_note_coming(w, h); /* counted under the old GIL only */
    gil_acquire(w, t, cause);
    gil_wait(w, h, SIM_C_GIL_BUSY);
    prog_advance(w, t);
}

/* A thread tries the old GIL while its holder runs: true if it caught it
 * between the holder's release and its re-acquire, and took it. */
static bool old_try(SimWorld *w, Thread *t, Gil *g, SimCause cause)
{
    Thread *h = T(w, g->holder);
    bool ticking = h->core >= 0 && !h->waking && h->work.ev && h->work.kind == SIM_OP_CPU;
    if (!ticking || sim_rng_unit(&g->rng) >= old_free_share(w, g))
        return false;
    gil_waiters_remove(g, t->id);
    take_between_release_and_retake(w, t, g, cause);
    return true;
}

/* A woken waiter tries the old GIL again. */
static void old_check(SimWorld *w, Thread *t, Gil *g)
{
    if (old_try(w, t, g, SIM_C_GIL_SIGNAL))
        return;
    world_record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, g->holder + 1, 0, 0, SIM_C_GIL_SIGNAL);
    gil_wait(w, t, SIM_C_GIL_SIGNAL);
}

/* new-noforce: a woken waiter races the holder that drops and re-takes the
 * GIL at every check point; it wins if it looks during the instant the GIL
 * is free, about one tick out of a check-point gap. */
static void noforce_check(SimWorld *w, Thread *t, Gil *g)
{
    Thread *h = T(w, g->holder);
    bool ticking = h->core >= 0 && !h->waking && h->work.ev && h->work.kind == SIM_OP_CPU && has_checks(h);
    SimTime gap = w->cfg->check_point_gap > 0 ? w->cfg->check_point_gap : 1;
    if (ticking && (SimTime)sim_rng_below(&g->rng, (uint64_t)gap) < w->cfg->tick_cost) {
        take_between_release_and_retake(w, t, g, SIM_C_GIL_SIGNAL);
        return;
    }
    world_record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, h->id + 1, 0, 0, SIM_C_GIL_SIGNAL);
    gil_wait(w, t, SIM_C_GIL_SIGNAL);
    if (ticking)
        gil_signal_one(w, g); /* the holder's next drop signals again */
}

/* take_gil() on a core: take it if free, else wait. */
void gil_take(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    if (!g->locked || w->cfg->gil == SIM_GIL_NONE) {
        gil_acquire(w, t, SIM_C_GIL_FREE);
        prog_advance(w, t);
        return;
    }
    /* The old GIL's sem_wait tries the lock before it blocks, with the same
     * chance as a woken waiter of finding it free during a release. */
    if (w->cfg->gil == SIM_GIL_OLD && g->holder != NO_THREAD && old_try(w, t, g, SIM_C_GIL_FREE))
        return;
    gil_wait(w, t, SIM_C_GIL_BUSY);
}

/* A woken waiter looks at the GIL again (the body of take_gil's loop). */
void gil_check(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    if (!g->locked) {
        gil_acquire(w, t, t->gil_wait.by_timeout ? SIM_C_GIL_TIMEOUT : SIM_C_GIL_SIGNAL);
        prog_advance(w, t);
        return;
    }
    uint32_t holder_ref = g->holder == NO_THREAD ? 0 : g->holder + 1;
    if (w->cfg->gil == SIM_GIL_OLD) {
        old_check(w, t, g);
        return;
    }
    if (w->cfg->gil == SIM_GIL_NEW_NOFORCE && g->spec_retake) {
        noforce_check(w, t, g);
        return;
    }
    if (t->gil_wait.by_timeout) {
        if (g->switch_number == t->gil_wait.saved_switch && !g->drop_request) {
            g->drop_request = true;
            world_record(w, SIM_REC_DROP_REQUEST, t->id, t->gil, holder_ref, 0, 0, SIM_C_GIL_TIMEOUT);
            gil_notify_holder(w, g);
        }
    } else {
        world_record(w, SIM_REC_FAILED_WAKEUP, t->id, t->gil, holder_ref, 0, 0, SIM_C_GIL_SIGNAL);
    }
    gil_wait(w, t, t->gil_wait.by_timeout ? SIM_C_GIL_TIMEOUT : SIM_C_GIL_SIGNAL);
}

/*
 * drop_gil(). Returns with the thread either still on its core (no switch
 * wait) or in the FORCE_SWITCHING wait, where after_switch says what it does
 * once another thread has taken the GIL.
 */
void gil_drop(SimWorld *w, Thread *t, SimDropKind kind)
{
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NONE) {
        t->holds_gil = false;
        return;
    }
    assert(g->holder == t->id);
    bool request_pending = g->drop_request;
    g->locked = false;
    g->holder = NO_THREAD;
    g->last_holder = t->id;
    t->holds_gil = false;
    world_record(w, SIM_REC_GIL_DROP, t->id, t->gil, 0, (uint8_t)kind, 0,
           kind == SIM_DROP_FORCED ? SIM_C_DROP_REQUEST : kind == SIM_DROP_EXIT ? SIM_C_EXIT : SIM_C_OP_BEGIN);
    /* The old GIL's waiters sleep in the semaphore's futex: a release before
     * a blocking call wakes one, a futex wake that costs the releaser what
     * a lock's release with a sleeper costs (machine.wake_cost), paid before
     * its next op. (Its releases in CPU work pay theirs in old_slowdown.) */
    if (w->cfg->gil == SIM_GIL_OLD && kind == SIM_DROP_VOLUNTARY && wl_count(&g->waiters) > 0)
        t->wake_debt += w->cfg->wake_cost;
    gil_signal_one(w, g);
    if (request_pending && kind != SIM_DROP_EXIT &&
        (w->cfg->gil == SIM_GIL_NEW || w->cfg->gil == SIM_GIL_PER_INTERP) &&
        g->last_holder == t->id) {
        g->drop_request = false;
        assert(g->switch_waiter == NO_THREAD);
        g->switch_waiter = t->id;
        world_set_reason(w, t, SIM_R_SWITCH_WAIT, kind == SIM_DROP_FORCED ? SIM_C_DROP_REQUEST : SIM_C_OP_BEGIN, 0);
        os_release_core(w, t);
    }
}

/* The GIL's switch_waiter, not the thread's reason: the reason stays
 * "switch wait" until the thread records something else, which a thread
 * that took the GIL back and blocked at once had not done yet. */
bool gil_in_switch_wait(const SimWorld *w, const Thread *t)
{
    return w->cfg->gil != SIM_GIL_NONE && w->gils[t->gil].switch_waiter == t->id;
}

/* The holder stops at a check point because of a drop request. */
void gil_forced_drop(SimWorld *w, Thread *t)
{
    t->gil_wait.after_switch = CONT_TAKE_GIL;
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_NEW_NOFORCE) {
        /* Without FORCE_SWITCHING the dropper takes the GIL straight back:
         * it is still running, the woken waiter is not. The request stays
         * set (only its setter resets it), so from now on the holder drops
         * and re-takes at every check point; those are not simulated one
         * by one (see gil_check). */
        gil_drop(w, t, SIM_DROP_FORCED);
        gil_acquire(w, t, SIM_C_GIL_FREE);
        g->spec_retake = true;
        prog_advance(w, t);
        return;
    }
    gil_drop(w, t, SIM_DROP_FORCED);
    if (!gil_in_switch_wait(w, t))
        gil_take(w, t);
}


/* A timeout that fires while the waiter's last CPU runs another thread and
 * another CPU idles: the woken thread may be left queued on that CPU
 * (machine.busy_wake_share), where it is still in the condition variable's
 * wait as far as glibc knows, until that CPU frees or busy_wake_hold
 * passes. On Linux the wake-up goes to the thread's previous CPU when the
 * scheduler finds no idle CPU sharing its cache, as on this VM, and the
 * running thread is not always preempted (tools/cpython/cond_trace.py). */
static bool held_by_busy_cpu(SimWorld *w, Thread *t)
{
    const SimConfig *cfg = w->cfg;
    int c = t->last_core;
    if (t->gil_wait.held_on || cfg->busy_wake_share <= 0 || c < 0 || w->cores[c].thread == NO_THREAD ||
        w->cores[c].held != NO_THREAD || !os_idle_core_exists(w, t) ||
        sim_rng_unit(&t->rng) >= cfg->busy_wake_share)
        return false;
    w->cores[c].held = t->id;
    t->gil_wait.held_on = (uint16_t)(c + 1);
    SimTime hold = sim_dist_sample(&cfg->busy_wake_hold, &t->rng);
    t->gil_wait.timer = world_schedule(w, sim_time_add(w->now, hold), EV_GIL_TIMEOUT, t->id, 0);
    return true;
}

void gil_held_waiter_runs(SimWorld *w, uint32_t c)
{
    Thread *t = T(w, w->cores[c].held);
    world_cancel(w, &t->gil_wait.timer);
    t->gil_wait.timer = world_schedule(w, w->now, EV_GIL_TIMEOUT, t->id, 0);
}

void gil_timed_out(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    t->gil_wait.timer = 0;
    if (held_by_busy_cpu(w, t))
        return;
    uint8_t held = t->gil_wait.held_on ? SIM_TIMEOUT_HELD : 0;
    unhold(w, t);
    gil_waiters_remove(g, t->id);
    world_record(w, SIM_REC_GIL_TIMEOUT, t->id, t->gil, g->holder == NO_THREAD ? 0 : g->holder + 1, held, 0,
                 SIM_C_GIL_TIMEOUT);
    wake_from_cond(w, t, CONT_GIL_CHECK, true);
}

bool gil_check_point(SimWorld *w, Thread *t)
{
    if (!t->holds_gil || !w->gils[t->gil].drop_request)
        return false;
    gil_forced_drop(w, t);
    return true;
}

/* ---- Where the design changes the rest of the engine -------------------------- */

void gil_give_to_fork_child(SimWorld *w, Thread *t)
{
    uint32_t gi = w->procs[t->proc]->gil;
    Gil *g = &w->gils[gi];
    t->holds_gil = true;
    t->ever_held_gil = true;
    if (w->cfg->gil != SIM_GIL_NONE) {
        g->locked = true;
        g->holder = g->last_holder = t->id;
        world_record(w, SIM_REC_GIL_ACQUIRE, t->id, gi, 0, 0, 0, SIM_C_FORK);
    }
}

void gil_forget(SimWorld *w, Thread *t)
{
    Gil *g = &w->gils[t->gil];
    world_cancel(w, &t->gil_wait.timer);
    unhold(w, t);
    gil_waiters_remove(g, t->id);
    if (g->switch_waiter == t->id)
        g->switch_waiter = NO_THREAD;
    if (t->holds_gil && w->cfg->gil != SIM_GIL_NONE) {
        g->locked = false;
        g->holder = NO_THREAD;
        world_record(w, SIM_REC_GIL_DROP, t->id, t->gil, 0, SIM_DROP_EXIT, 0, SIM_C_DAEMON_KILL);
    }
    t->holds_gil = false;
}

bool gil_preempted(SimWorld *w, Thread *t)
{
    /* Old GIL: with waiters, every tick release is a syscall that wakes
     * one, and that is where the OS preempts: between the release and the
     * re-acquire, so the GIL is left free. */
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_OLD && t->holds_gil && t->work.kind == SIM_OP_CPU && old_contenders(w, g)) {
        gil_drop(w, t, SIM_DROP_FORCED);
        return true;
    }
    return false;
}

double gil_work_pace(SimWorld *w, Thread *t)
{
    return t->work.kind == SIM_OP_CPU && t->holds_gil ? old_slowdown(w, &w->gils[t->gil]) : 1.0;
}

SimTime gil_work_duration(SimWorld *w, SimOpKind kind, SimTime dur)
{
    /* Free-threaded builds pay for it in every bytecode (PEP 703). */
    if (kind == SIM_OP_CPU && w->cfg->gil == SIM_GIL_NONE && w->cfg->ft_overhead > 1.0)
        dur = sim_time_scale(dur, w->cfg->ft_overhead);
    return dur;
}

/* ---- Check points of the bytecode around `x += 1` ------------------------------
 *
 * Where CPython checks the eval breaker decides whether a forced switch can
 * fall between the read and the write of a shared variable (Python/ceval.c,
 * per version; the opcodes are those `dis` shows for a `for` loop whose body
 * is `count += 1`, or `c = count; f(); count = c + 1`):
 *   <= 3.9  after every opcode that ends in DISPATCH(): JUMP_ABSOLUTE,
 *           FOR_ITER, LOAD_GLOBAL, INPLACE_ADD/BINARY_ADD, CALL_FUNCTION,
 *           STORE_GLOBAL, and at the entry of every Python function; not
 *           after the FAST_DISPATCH() ones (LOAD_FAST, LOAD_CONST,
 *           STORE_FAST, POP_TOP). Two checks fall inside `count += 1`.
 *   3.10    only at backward jumps, at function entry and after a
 *           CALL_FUNCTION returns: none inside `count += 1`; two inside
 *           the call version (f's entry, and after the call returns).
 *   3.11+   at RESUME (function entry), backward jumps and calls of C
 *           functions: inside the call version, only f's RESUME.
 * The old GIL (<= 3.1) releases at the same DISPATCH boundaries as 3.9.
 * Every version checks right after the write (STORE_GLOBAL's DISPATCH, or
 * the loop's backward jump), which sync.c does when the op ends.
 */

const CheckPlan gil_no_checks = {0, {0}};

typedef struct PlanBuilder {
    IncrementPlan *p;
    SimTime t;
} PlanBuilder;

/* Saturating: the largest costs (2^62 ns each) must not wrap the sum. */
static void run_for(PlanBuilder *b, SimTime cost) { b->t = sim_time_add(b->t, cost); }

static void check_here(PlanBuilder *b, bool checked)
{
    CheckPlan *c = &b->p->checks;
    if (checked && c->n < sizeof(c->at) / sizeof(c->at[0]))
        c->at[c->n++] = b->t;
}

void gil_plan_increments(SimWorld *w)
{
    const SimConfig *c = w->cfg;
    int ver = sim_py_version(c);
    bool dispatch = ver <= 309;     /* every DISPATCH() opcode checks */
    bool after_call = ver == 310;   /* CALL_FUNCTION checks after the callee returns */
    SimTime third = c->loop_cost / 3;
    for (int call = 0; call < 2; call++) {
        IncrementPlan *p = &w->increment[call];
        memset(p, 0, sizeof(*p));
        PlanBuilder b = {p, 0};
        /* The loop's own bytecode: JUMP_ABSOLUTE, FOR_ITER, STORE_FAST _. */
        run_for(&b, third);
        check_here(&b, dispatch);
        run_for(&b, third);
        check_here(&b, dispatch);
        run_for(&b, c->loop_cost - 2 * third);
        p->read_at = b.t;
        run_for(&b, c->global_load_cost); /* LOAD_GLOBAL count: the read */
        check_here(&b, dispatch);
        if (call) {
            run_for(&b, c->bytecode_cost);     /* STORE_FAST c */
            run_for(&b, c->global_load_cost);  /* LOAD_GLOBAL f */
            check_here(&b, dispatch);
            run_for(&b, c->call_cost / 2); /* CALL: the frame is set up */
            check_here(&b, true);          /* f's entry (RESUME from 3.11) */
            run_for(&b, c->call_cost - c->call_cost / 2); /* f's body and its return */
            check_here(&b, dispatch || after_call);
            for (int i = 0; i < 3; i++)
                run_for(&b, c->bytecode_cost); /* POP_TOP, LOAD_FAST c, LOAD_CONST 1 */
        } else {
            run_for(&b, c->bytecode_cost);  /* LOAD_CONST 1 */
        }
        run_for(&b, c->arith_cost);         /* INPLACE_ADD / BINARY_ADD / BINARY_OP */
        check_here(&b, dispatch);
        run_for(&b, c->global_store_cost);  /* STORE_GLOBAL count: the write */
        p->total = b.t > 0 ? b.t : 1;
    }
}

void gil_work_planned(SimWorld *w, Thread *t)
{
    /* Old GIL: the holder's next tick release wakes a blocked waiter. */
    Gil *g = &w->gils[t->gil];
    if (w->cfg->gil == SIM_GIL_OLD && t->work.kind == SIM_OP_CPU && t->holds_gil && wl_count(&g->waiters))
        gil_signal_one(w, g);
}

/* Time from now until the next eval-breaker check of the running work. */
static SimTime next_check_point(SimWorld *w, const Thread *t)
{
    SimTime done = t->work.done + (w->now - t->work.seg_start);
    const CheckPlan *c = t->work.checks;
    if (c) {
        for (int i = 0; i < c->n; i++)
            if (c->at[i] >= done)
                return c->at[i] - done;
        return SIM_TIME_NEVER;
    }
    SimTime gap = w->cfg->check_point_gap;
    SimTime into = done % gap;
    return into ? gap - into : 0;
}

SimTime gil_next_stop(SimWorld *w, const Thread *t)
{
    const Gil *g = &w->gils[t->gil];
    if (t->work.kind != SIM_OP_CPU || !t->holds_gil || !g->drop_request || g->spec_retake)
        return SIM_TIME_NEVER;
    SimTime in = next_check_point(w, t);
    return in == SIM_TIME_NEVER ? in : w->now + in;
}

/* ---- Invariants ------------------------------------------------------------------ */

int gil_check_sane(const SimWorld *w, SimError *err)
{
    bool locking = w->cfg->gil != SIM_GIL_NONE;
    for (uint32_t gi = 0; gi < w->n_gils; gi++) {
        const Gil *g = &w->gils[gi];
        if (locking && g->locked != (g->holder != NO_THREAD))
            return sim_error_set(err, SIM_ERR_INVALID, "GIL %u: locked=%d but holder=%u", gi, g->locked, g->holder);
        if (g->holder != NO_THREAD) {
            const Thread *h = g->holder < w->n_threads ? w->threads[g->holder] : NULL;
            if (!h || !h->holds_gil || h->gil != gi || h->done)
                return sim_error_set(err, SIM_ERR_INVALID, "GIL %u: its holder %u does not hold it", gi, g->holder);
        }
        if (!wl_sane(&g->waiters))
            return sim_error_set(err, SIM_ERR_INVALID, "GIL %u: its wait list is broken", gi);
        uint32_t pos = 0;
        for (uint32_t id; (id = wl_next(&g->waiters, &pos)) != NO_THREAD;) {
            const Thread *t = w->threads[id];
            if (t->done || t->core >= 0 || t->gil != gi || (w->cfg->gil != SIM_GIL_OLD && !t->gil_wait.timer))
                return sim_error_set(err, SIM_ERR_INVALID, "GIL %u: waiter %u is on a core, done or without a timeout",
                                     gi, id);
        }
    }
    for (uint32_t i = 0; locking && i < w->n_threads; i++) {
        const Thread *t = w->threads[i];
        if (t->holds_gil && w->gils[t->gil].holder != t->id)
            return sim_error_set(err, SIM_ERR_INVALID, "thread %u holds GIL %u, whose holder is %u", i, t->gil,
                                 w->gils[t->gil].holder);
    }
    /* The threads on their way into take_gil, counted as they go (old GIL). */
    if (w->cfg->gil != SIM_GIL_OLD)
        return SIM_OK;
    /* Debug builds check after every event: no allocation for the usual
     * few GILs, where it would cost more than the check itself. */
    uint32_t few[64] = {0};
    uint32_t *coming = w->n_gils <= 64 ? few : calloc(w->n_gils, sizeof(uint32_t));
    if (!coming)
        return SIM_OK;
    int rc = SIM_OK;
    for (uint32_t i = 0; i < w->n_threads && rc == SIM_OK; i++) {
        const Thread *t = w->threads[i];
        if (t->coming != is_coming(t))
            rc = sim_error_set(err, SIM_ERR_INVALID, "thread %u: counted %s take_gil, but it is %s", i,
                               t->coming ? "on its way into" : "away from", t->coming ? "not" : "coming");
        coming[t->gil] += t->coming;
    }
    for (uint32_t gi = 0; gi < w->n_gils && rc == SIM_OK; gi++)
        if (coming[gi] != w->gils[gi].coming)
            rc = sim_error_set(err, SIM_ERR_INVALID, "GIL %u: %u threads coming, %u counted", gi, coming[gi],
                               w->gils[gi].coming);
    if (coming != few)
        free(coming);
    return rc;
}
