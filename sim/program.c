/*
 * program.c - the interpreter: runs a thread's program op by op.
 *
 * A program is a flat run of SimScenario.ops; a `repeat` op is followed by
 * its body and runs through a small loop stack. A thread steps through its
 * program only while it holds the GIL and a core (prog_advance): work ops
 * become work segments (thread.c), blocking ops release the GIL first,
 * synchronization ops run in sync.c and pools in pool.c, and creating a
 * thread or a process is a GIL-holding C call whose effect happens when it
 * ends (prog_work_done). Adding an op means the compiler (sim/ loader) and
 * this file, plus the file of what the op works on.
 *
 * Every pass through the program is a step at the current instant
 * (world_step), so a loop that takes no simulated time ends the run with
 * an error naming its repeat instead of spinning forever.
 *
 * Invariant: prog_advance is only called on a thread that holds the GIL
 * (or runs free-threaded) and has a core.
 */
#include <assert.h>

#include "engine.h"

/* The next op to run, after the ends of finished loops. NULL: the end. */
static const SimOp *prog_next(SimWorld *w, Thread *t)
{
    const SimOp *ops = w->sc->ops;
    for (;;) {
        /* Each pass is a step: a repeat of ops that take no time (or of
         * nothing but empty repeats) would otherwise spin here forever. */
        if (!world_step(w, t))
            return NULL;
        if (t->prog.depth > 0 && t->prog.pc == t->prog.loops[t->prog.depth - 1].end) {
            Loop *l = &t->prog.loops[t->prog.depth - 1];
            if (--l->left > 0) {
                t->prog.pc = l->start;
                continue;
            }
            t->prog.depth--;
            continue;
        }
        if (t->prog.pc >= t->prog.end)
            return NULL;
        const SimOp *op = &ops[t->prog.pc];
        if (op->kind == SIM_OP_BRANCH) {
            /* if random.random() < p: the then-part (which ends in a SKIP
             * over the else-part), else the else-part. Drawn from the
             * thread's stream, so the scenario's seed decides. */
            bool then = (double)op->value > sim_rng_unit(&t->rng) * 1e9;
            t->prog.pc += then ? 1 : 1 + op->body_len;
            continue;
        }
        if (op->kind == SIM_OP_SKIP) {
            t->prog.pc += 1 + op->body_len;
            continue;
        }
        if (op->kind == SIM_OP_REPEAT) {
            uint32_t start = t->prog.pc + 1, end = start + op->body_len;
            if (op->count == 0 || op->body_len == 0 || t->prog.depth >= MAX_LOOP_DEPTH) {
                t->prog.pc = end;
                continue;
            }
            t->prog.loops[t->prog.depth++] = (Loop){start, end, op->count};
            t->prog.pc = start;
            continue;
        }
        t->prog.pc++;
        return op;
    }
}

/* The op after the current one is a release, in sequence (the end of a
 * `with` block, or lock.release() next). */
static bool release_next(const SimWorld *w, const Thread *t)
{
    if (t->prog.pc >= t->prog.end || (t->prog.depth > 0 && t->prog.pc == t->prog.loops[t->prog.depth - 1].end))
        return false;
    return w->sc->ops[t->prog.pc].kind == SIM_OP_RELEASE;
}

/* A sync op is over. Where CPython checks the eval breaker next, a pending
 * drop request is honoured; returns true if the thread dropped the GIL
 * there. Before 3.10 every opcode that goes through the main dispatch
 * checks (Python/ceval.c: DISPATCH), so there is a check after any
 * acquire, release or increment, whatever comes next. From 3.10 only
 * jumps, calls and function entries check (CHECK_EVAL_BREAKER):
 * - an acquire() or release() call checks once it has returned: after an
 *   acquire with the lock held, after a release with it free;
 * - a `with` block calls __enter__ from inside one instruction, with no
 *   check, and __exit__ as a call, which checks once the lock is free;
 * - after an increment, the next check is the loop's backward jump or the
 *   next call, so an increment followed by a release reaches none before
 *   it. Two threads doing `with lock: count += 1` never hold the lock at a
 *   check point from 3.10; with lock.acquire() they do, and fall into a
 *   lock convoy as before 3.10 (tools/cpython/lock_tp.py, form=acquire). */
static bool sync_op_done(SimWorld *w, Thread *t)
{
    const SimOp *op = t->sync.op;
    t->sync.op = NULL;
    bool old = sim_py_version(w->cfg) < 310;
    bool check = op->kind == SIM_OP_RELEASE ||
                 (op->kind == SIM_OP_ACQUIRE && (old || !(op->flags & SIM_OPF_WITH))) ||
                 (op->kind == SIM_OP_INCREMENT && (old || !release_next(w, t)));
    return check && gil_check_point(w, t);
}

/* Thread.start() or Process.start(): the C call that creates it. */
static void begin_start(SimWorld *w, Thread *t, const SimOp *op)
{
    SimTime dur;
    t->prog.post_target = op->target;
    if (op->target_kind == SIM_TARGET_THREAD) {
        t->prog.post = POST_START_THREAD;
        dur = w->cfg->thread_start_cost;
        int k = w->sc->threads[op->target].interpreter;
        Process *self = w->procs[t->proc];
        if (k > 0 && k < 64 && !(self->interp_started & (1ull << k))) {
            self->interp_started |= 1ull << k; /* Py_NewInterpreterFromConfig */
            dur += w->cfg->interp_start_cost;
        }
    } else {
        t->prog.post = POST_START_PROCESS;
        dur = proc_launch_cost(w, &w->sc->procs[op->target]);
    }
    work_begin(w, t, SIM_OP_C_CALL, dur > 0 ? dur : 1, SIM_C_OP_BEGIN);
}

/* The live process made from template `spec`, or NULL (not created yet, or over). */
static Process *live_process(SimWorld *w, int32_t spec)
{
    for (uint32_t i = 0; i < w->n_procs; i++)
        if (w->procs[i]->spec == &w->sc->procs[spec] && !w->procs[i]->done)
            return w->procs[i];
    return NULL;
}

/* join(): false when there is nothing to wait for (never started, or over:
 * joining something already finished never releases the GIL). */
static bool begin_join(SimWorld *w, Thread *t, const SimOp *op)
{
    if (op->target_kind == SIM_TARGET_THREAD) {
        /* The thread of that template started last in this process. */
        Thread *target = thread_last_of(w, t->proc, &w->sc->threads[op->target]);
        if (!target || target->done)
            return false;
        thread_release_for(w, t, SIM_WAIT_JOIN_THREAD, op->timeout, (int32_t)target->id);
        return true;
    }
    /* The process of that template started last. */
    uint32_t last = w->last_proc ? w->last_proc[op->target] : NO_THREAD;
    Process *target = last == NO_THREAD ? NULL : w->procs[last];
    if (!target || target->done)
        return false;
    thread_release_for(w, t, SIM_WAIT_JOIN_PROCESS, op->timeout, (int32_t)target->id);
    return true;
}

/* Starts *owed of C work holding the GIL and clears it; false if none is owed. */
static bool pay_owed(SimWorld *w, Thread *t, SimTime *owed, SimCause what)
{
    if (*owed <= 0)
        return false;
    SimTime dur = *owed;
    *owed = 0;
    t->prog.post = POST_NONE;
    work_begin(w, t, SIM_OP_C_CALL, dur, what);
    return true;
}

void prog_advance(SimWorld *w, Thread *t)
{
    assert(t->holds_gil && t->core >= 0);
    t->resumed = true;
    /* Resume a cpu op interrupted by a forced drop or a preemption. */
    if (t->work.kind != NO_WORK && t->work.left > 0) {
        sync_work_resumed(w, t);
        work_resume(w, t);
        return;
    }
    t->work.kind = NO_WORK;
    t->work.checks = NULL;
    if (t->sync.op && (!sync_step(w, t) || sync_op_done(w, t)))
        return;
    for (;;) {
        /* Owed C work, holding the GIL, before the next op: the kernel's
         * side of the wake-ups its last op made (sync_step), whether that
         * op ended in an event or just now, so that a release's futex call
         * runs with the lock already free (sem_post raises the count
         * first); a forked child's after-fork work (page faults of its
         * copy, the at-fork hooks) and, started by multiprocessing,
         * Process._bootstrap (child_costs). */
        if (pay_owed(w, t, &t->wake_debt, SIM_C_WAKE_COST) || pay_owed(w, t, &t->prog.boot, SIM_C_CHILD_BOOT))
            return;
        const SimOp *op = prog_next(w, t);
        /* A child process's exit (child_costs), before the parent's join
         * or waitpid can return. */
        if (!op && !w->fail_code && pay_owed(w, t, &t->prog.exit, SIM_C_CHILD_EXIT))
            return;
        if (!op) {
            if (!w->fail_code) /* else the run ends here, the thread where it is */
                thread_exit(w, t, SIM_R_EXITED, SIM_C_EXIT);
            return;
        }
        switch ((SimOpKind)op->kind) {
        case SIM_OP_CPU:
        case SIM_OP_C_CALL: {
            SimTime dur = sim_dist_sample(&op->dur, &t->rng);
            if (dur == 0)
                continue;
            t->prog.post = POST_NONE;
            work_begin(w, t, (SimOpKind)op->kind, dur, SIM_C_OP_BEGIN);
            return;
        }
        case SIM_OP_NOGIL:
            thread_release_for(w, t, SIM_WAIT_NOGIL, sim_dist_sample(&op->dur, &t->rng), 0);
            return;
        case SIM_OP_IO:
            thread_release_for(w, t, SIM_WAIT_IO, sim_dist_sample(&op->dur, &t->rng), 0);
            return;
        case SIM_OP_SLEEP: {
            SimTime dur = sim_dist_sample(&op->dur, &t->rng);
            /* time.sleep(0) before 3.11 is a select() with a zero timeout:
             * no timer, the call returns at once, still without the GIL.
             * From 3.11 it is clock_nanosleep to a deadline already past,
             * which still arms a timer (Modules/timemodule.c pysleep). */
            if (dur == 0 && sim_py_version(w->cfg) < 311)
                thread_release_for(w, t, SIM_WAIT_NOGIL, w->cfg->syscall_cost, 0);
            else
                thread_release_for(w, t, SIM_WAIT_SLEEP, dur, 0);
            return;
        }
        case SIM_OP_START:
            /* Creating the OS thread or process runs in C with the GIL held. */
            begin_start(w, t, op);
            return;
        case SIM_OP_FORK:
            t->prog.post = POST_FORK;
            t->prog.post_target = op->target;
            work_begin(w, t, SIM_OP_C_CALL, w->cfg->fork_cost > 0 ? w->cfg->fork_cost : 1, SIM_C_OP_BEGIN);
            return;
        case SIM_OP_JOIN:
            if (begin_join(w, t, op))
                return;
            continue;
        case SIM_OP_TERMINATE:
            /* os.kill(pid, SIGTERM or SIGKILL): a system call that keeps the
             * GIL; the signal lands when it returns. */
            t->prog.post = POST_SIGNAL;
            t->prog.post_target = op->target;
            t->prog.post_kill = (op->flags & SIM_OPF_KILL) != 0;
            work_begin(w, t, SIM_OP_C_CALL, w->cfg->syscall_cost > 0 ? w->cfg->syscall_cost : 1, SIM_C_OP_BEGIN);
            return;
        case SIM_OP_EXIT:
            /* os._exit(n): _exit(2) at once, no finally, no atexit, no flush. */
            thread_kill_process(w, w->procs[t->proc], t, SIM_C_OS_EXIT, (int32_t)op->value);
            return;
        case SIM_OP_BRANCH:
        case SIM_OP_SKIP:
            continue; /* taken in prog_next */
        case SIM_OP_CALL:
        case SIM_OP_SERVE:
        case SIM_OP_ASSIGN:
        case SIM_OP_POLL:
        case SIM_OP_ACQUIRE:
        case SIM_OP_RELEASE:
        case SIM_OP_WAIT:
        case SIM_OP_SET:
        case SIM_OP_CLEAR:
        case SIM_OP_NOTIFY:
        case SIM_OP_PUT:
        case SIM_OP_GET:
        case SIM_OP_INCREMENT:
        case SIM_OP_POOL:
            t->sync.op = op;
            t->sync.phase = 0;
            t->sync.timed_out = false;
            t->sync.failed = false;
            if (!sync_step(w, t) || sync_op_done(w, t))
                return;
            continue;
        case SIM_OP_REPEAT:
        case SIM_OP_KIND_COUNT:
            break;
        }
    }
}

/* A GIL-holding C call that created something ended: the effect happens
 * now. Returns false when the thread went on elsewhere (Thread.start()
 * waits for the new thread) or memory ran out. */
static bool finish_c_call(SimWorld *w, Thread *t)
{
    Post post = (Post)t->prog.post;
    t->prog.post = POST_NONE;
    switch (post) {
    case POST_START_THREAD: {
        Thread *child = thread_create(w, &w->sc->threads[t->prog.post_target], t->proc, NULL);
        if (!child)
            return false;
        child->started = true;
        os_start_thread(w, child);
        /* Thread.start() waits on _started, releasing the GIL. */
        thread_release_for(w, t, SIM_WAIT_START, 0, (int32_t)child->id);
        return false;
    }
    case POST_START_PROCESS: {
        const SimProcessSpec *ps = &w->sc->procs[t->prog.post_target];
        Process *p = proc_create(w, ps, t->proc, NULL);
        if (!p)
            return false;
        world_schedule(w, w->now + proc_start_delay(w, ps), EV_PROC_START, p->id, 0);
        return true;
    }
    case POST_FORK: {
        Process *p = proc_create(w, &w->sc->procs[t->prog.post_target], t->proc, NULL);
        if (!p)
            return false;
        proc_begin(w, p, t);
        return true;
    }
    case POST_SIGNAL: {
        /* SIGTERM's and SIGKILL's default actions end the process where it
         * is (Python installs no SIGTERM handler): Process.exitcode is
         * minus the signal's number. Signalling one that has ended does
         * nothing. */
        Process *p = live_process(w, t->prog.post_target);
        bool kill = t->prog.post_kill;
        if (p)
            thread_kill_process(w, p, t, kill ? SIM_C_SIGKILL : SIM_C_SIGTERM, kill ? -9 : -15);
        return true;
    }
    case POST_NONE:
        break;
    }
    return true;
}

void prog_work_done(SimWorld *w, Thread *t)
{
    t->work.ev = 0;
    work_account(w, t);
    if (t->work.to_end) {
        t->work.done += t->work.left; /* rounding of a slowed-down segment */
        t->work.left = 0;
    }
    if (t->work.left > 0) {
        /* A check point with a drop request pending. */
        assert(t->work.kind == SIM_OP_CPU && w->gils[t->gil].drop_request && t->holds_gil);
        gil_forced_drop(w, t);
        return;
    }
    uint8_t kind = t->work.kind;
    t->work.kind = NO_WORK;
    if (kind == SIM_OP_NOGIL) {
        /* Py_END_ALLOW_THREADS: take the GIL back, still on this core. */
        gil_take(w, t);
        return;
    }
    /* The end of a C call checks the eval breaker. */
    if (kind == SIM_OP_C_CALL && (!finish_c_call(w, t) || gil_check_point(w, t)))
        return;
    prog_advance(w, t);
}

void prog_continue(SimWorld *w, Thread *t)
{
    t->waking = false;
    Cont c = (Cont)t->cont;
    t->cont = CONT_NONE;
    gil_note_coming(w, t);
    switch (c) {
    case CONT_TAKE_GIL:
        gil_take(w, t);
        break;
    case CONT_GIL_CHECK:
        gil_check(w, t);
        break;
    case CONT_RESUME_WORK:
        work_resume(w, t);
        break;
    case CONT_DO_PENDING:
        thread_do_pending(w, t);
        break;
    case CONT_RUN_PROGRAM:
        prog_advance(w, t);
        break;
    case CONT_PRIM_RETRY:
        sync_retry(w, t);
        break;
    case CONT_NONE:
        break;
    }
}
