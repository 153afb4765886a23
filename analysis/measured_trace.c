/*
 * measured_trace.c - a measured run rebuilt as a SimTrace (see measured.h).
 *
 * Every record the program wrote was written by Python code, so by a
 * thread that held its process's GIL at that instant. Between records, a
 * thread was in one of a few known places, from which its state follows:
 *
 *   - between operations, or inside `cpu` work: running Python, holding
 *     the GIL, except in the gaps the CPU loop saw in its own progress
 *     (not running: it lost the GIL, or the OS preempted it);
 *   - inside `c_call` (or fork): running C code that holds the GIL;
 *   - inside `nogil`: running C code without the GIL for the calibrated
 *     duration, then waiting for the GIL back;
 *   - inside `io` / `sleep`: blocked for the duration plus the calibrated
 *     overshoot of the call, then waiting for the GIL back;
 *   - inside a lock, condition, event, barrier, queue, pipe or join wait
 *     longer than SHORT: blocked until the latest operation of another
 *     thread that could have woken it (a release, notify, set, put, the
 *     last arrival at the barrier, the end of the joined thread), then
 *     waiting for the GIL back.
 *
 * The GIL of each process is then rebuilt from the stretches in which its
 * threads held it: where two overlap, the one that began later took it
 * (the other was in fact waiting, somewhere no record shows), and the
 * overlapped part of the other becomes a wait for the GIL. A CPU loop's
 * gap during which another thread of the process held the GIL was a wait
 * for the GIL; any other gap was preemption by the OS, with the GIL kept.
 * The "waiting for the GIL back" part of a blocking call counts as such
 * only while another thread held the GIL; otherwise the call was still
 * blocked. Core numbers are assigned greedily (lowest free one): the
 * rebuilt core lanes show how many threads ran at once, not which CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measured.h"

/* A wait shorter than this never released the GIL (an uncontended lock)
 * or is too short to split. */
#define SHORT 30000

enum {
    K_PY = 0,   /* running Python, holding the GIL: CPU work (its loop saw no pause) */
    K_PYW,      /* running Python between records: held the GIL at both ends */
    K_CCALL,    /* running C code, holding the GIL */
    K_NOGIL,    /* running C code without the GIL */
    K_BLOCK,    /* blocked: reason says on what */
    K_GAP,      /* inside CPU work, not running: classified against the GIL */
    K_AFTER,    /* a blocking call's end was due: waiting for the GIL, or still blocked */
    K_WAITGIL,
    K_WAITCORE,
};

typedef struct Seg {
    SimTime t0, t1;
    uint8_t kind;
    uint8_t reason;   /* K_BLOCK, K_AFTER: the SimReason of the block (K_AFTER of nogil: SIM_R_NOGIL) */
    int16_t core;
} Seg;

typedef struct SegVec {
    Seg *v;
    size_t n, cap;
} SegVec;

/* Per thread: its segments, first raw, then classified. */
typedef struct TState {
    SegVec raw, fin;
    SimTime begin, end;  /* end: when it ended, or -1 */
    int end_reason;      /* SIM_R_EXITED, SIM_R_KILLED, or -1 (still alive: deadlock) */
    int open_code;       /* MCode of the operation it was in at the end, or -1 */
    const char *open_obj;
    uint32_t tid;        /* its index in the trace */
} TState;

/* An operation of one thread that can wake another. */
typedef enum WakerCat { W_OBJ = 0, W_BARRIER, W_THREAD_END, W_THREAD_BEGIN, W_PROC_END, W_TASK } WakerCat;

typedef struct Waker {
    SimTime t;
    int thread;
    int proc;
    uint8_t cat;
    const char *name;  /* interned in the run (objects), or the thread's / process's name */
} Waker;

typedef struct Build {
    const MeasuredRun *m;
    TState *ts;
    Waker *wk;
    size_t n_wk, cap_wk;
    SimRecord *rec;
    size_t n_rec, cap_rec;
    bool oom;
} Build;

static bool seg_push(SegVec *s, SimTime t0, SimTime t1, int kind, int reason)
{
    if (t1 <= t0)
        return true;
    if (s->n && s->v[s->n - 1].t1 == t0 && s->v[s->n - 1].kind == kind && s->v[s->n - 1].reason == reason) {
        s->v[s->n - 1].t1 = t1;
        return true;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        Seg *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (Seg){t0, t1, (uint8_t)kind, (uint8_t)reason, -1};
    return true;
}

static void push_rec(Build *b, const SimRecord *r)
{
    if (b->n_rec == b->cap_rec) {
        size_t cap = b->cap_rec ? b->cap_rec * 2 : 1024;
        SimRecord *v = realloc(b->rec, cap * sizeof(*v));
        if (!v) {
            b->oom = true;
            return;
        }
        b->rec = v;
        b->cap_rec = cap;
    }
    b->rec[b->n_rec++] = *r;
}

/* ---- Wakers ------------------------------------------------------------------- */

static void add_waker(Build *b, SimTime t, int thread, int proc, int cat, const char *name)
{
    if (!name)
        return;
    if (b->n_wk == b->cap_wk) {
        size_t cap = b->cap_wk ? b->cap_wk * 2 : 256;
        Waker *v = realloc(b->wk, cap * sizeof(*v));
        if (!v) {
            b->oom = true;
            return;
        }
        b->wk = v;
        b->cap_wk = cap;
    }
    b->wk[b->n_wk++] = (Waker){t, thread, proc, (uint8_t)cat, name};
}

static int waker_cmp(const void *pa, const void *pb)
{
    const Waker *a = pa, *b = pb;
    if (a->cat != b->cat)
        return a->cat < b->cat ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->t < b->t ? -1 : a->t > b->t;
}

/* Every operation that can end another thread's wait, by what it acts on. */
static void collect_wakers(Build *b)
{
    const MeasuredRun *m = b->m;
    for (int i = 0; i < m->n_threads; i++) {
        const MThread *t = &m->threads[i];
        int open = -1;
        const char *obj = NULL;
        for (size_t k = 0; k < t->n; k++) {
            const MEvent *e = &t->ev[k];
            switch ((MCode)e->code) {
            case MC_THREAD_BEGIN:
                add_waker(b, e->t, i, t->proc, W_THREAD_BEGIN, t->name);
                break;
            case MC_THREAD_END:
                add_waker(b, e->t, i, t->proc, W_THREAD_END, t->name);
                break;
            case MC_END:
                if (open == MC_RELEASE || open == MC_SET || open == MC_NOTIFY || open == MC_PUT ||
                    open == MC_GET)
                    add_waker(b, e->t, i, t->proc, W_OBJ, obj);
                else if (open == MC_TASK)
                    add_waker(b, e->t, i, t->proc, W_TASK, "task");
                open = -1;
                break;
            case MC_WAIT:
                add_waker(b, e->t, i, t->proc, W_BARRIER, e->obj);
                open = e->code;
                obj = e->obj;
                break;
            case MC_GAP:
                break;
            default:
                open = e->code;
                obj = e->obj;
                break;
            }
        }
    }
    for (int p = 0; p < m->n_procs; p++)
        add_waker(b, m->procs[p].t_end, -1, p, W_PROC_END, m->procs[p].name);
    qsort(b->wk, b->n_wk, sizeof(*b->wk), waker_cmp);
}

/* The latest waker of (cat, name) in (t0, t1], by another thread of a
 * process `any_proc` allows; -1 if none. */
static SimTime find_waker(const Build *b, int cat, const char *name, SimTime t0, SimTime t1, int self,
                          int proc, bool any_proc)
{
    if (!name)
        return -1;
    /* First entry of (cat, name, t > t1), then walk back. */
    size_t lo = 0, hi = b->n_wk;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const Waker *w = &b->wk[mid];
        int c = w->cat != cat ? (w->cat < cat ? -1 : 1) : strcmp(w->name, name);
        if (c < 0 || (c == 0 && w->t <= t1))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        const Waker *w = &b->wk[i];
        if (w->cat != cat || strcmp(w->name, name) != 0 || w->t <= t0)
            break;
        if (w->thread == self)
            continue;
        if (!any_proc && w->proc != proc)
            continue;
        return w->t;
    }
    return -1;
}

/* ---- Raw segments ---------------------------------------------------------------- */

static bool is_ipc_kind(const MeasuredRun *m, const char *name)
{
    int o = measured_object(m, name);
    return o >= 0 && (strcmp(m->objects[o].kind, "pipe") == 0 || strcmp(m->objects[o].kind, "mp_queue") == 0);
}

/* When a wait of thread `self` ([t0, t1], operation `code` on `obj`) was
 * ended by another thread; -1 if no record says. */
static SimTime wake_time(const Build *b, int code, const char *obj, SimTime t0, SimTime t1, int self)
{
    const MeasuredRun *m = b->m;
    int proc = m->threads[self].proc;
    SimTime w;
    switch ((MCode)code) {
    case MC_JOIN:
        if ((w = find_waker(b, W_THREAD_END, obj, t0, t1, self, proc, false)) >= 0)
            return w;
        return find_waker(b, W_PROC_END, obj, t0, t1, self, proc, true);
    case MC_START:
    case MC_LAUNCH:
        return find_waker(b, W_THREAD_BEGIN, obj, t0, t1, self, proc, false);
    case MC_POOL:
        return find_waker(b, W_TASK, "task", t0, t1, self, proc, obj && strcmp(obj, "process_pool") == 0);
    case MC_WAIT: {
        int o = measured_object(m, obj);
        if (o >= 0 && strcmp(m->objects[o].kind, "barrier") == 0)
            return find_waker(b, W_BARRIER, obj, t0, t1, self, proc, false);
        SimTime a = find_waker(b, W_OBJ, obj, t0, t1, self, proc, false);
        /* A condition's waiter takes its lock back after the notify. */
        SimTime c = o >= 0 && m->objects[o].lock
                        ? find_waker(b, W_OBJ, m->objects[o].lock, t0, t1, self, proc, false) : -1;
        return a > c ? a : c;
    }
    case MC_ACQUIRE:
    case MC_GET:
    case MC_PUT:
        return find_waker(b, W_OBJ, obj, t0, t1, self, proc, is_ipc_kind(m, obj));
    default:
        return -1;
    }
}

/* Splits a blocking call [t0, t1] that should have ended at `due`. */
static bool blocked_until(TState *s, SimTime t0, SimTime t1, SimTime due, int reason)
{
    if (due > t1)
        due = t1;
    if (due < t0)
        due = t0;
    int kind = reason == SIM_R_NOGIL ? K_NOGIL : K_BLOCK;
    return seg_push(&s->raw, t0, due, kind, reason) && seg_push(&s->raw, due, t1, K_AFTER, reason);
}

/* The segments of one finished operation [t0, t1] of thread i. */
static bool op_segments(const Build *b, int i, TState *s, const MEvent *op, SimTime t0, SimTime t1)
{
    const MeasuredRun *m = b->m;
    switch ((MCode)op->code) {
    case MC_CPU:
        return seg_push(&s->raw, t0, t1, K_PY, 0);
    case MC_RELEASE:
    case MC_SET:
    case MC_CLEAR:
    case MC_NOTIFY:
    case MC_INCREMENT:
    case MC_TASK:
        return seg_push(&s->raw, t0, t1, K_PYW, 0);
    case MC_C_CALL:
    case MC_FORK:
        return seg_push(&s->raw, t0, t1, K_CCALL, 0);
    case MC_NOGIL:
        return blocked_until(s, t0, t1, op->t + (SimTime)(op->num * 1e9), SIM_R_NOGIL);
    case MC_IO:
        return blocked_until(s, t0, t1, op->t + (SimTime)((op->num + m->io_overshoot) * 1e9), SIM_R_IO);
    case MC_SLEEP:
        return blocked_until(s, t0, t1, op->t + (SimTime)((op->num + m->sleep_overshoot) * 1e9),
                             SIM_R_SLEEP);
    case MC_START:
    case MC_LAUNCH:
        /* Thread.start() waits for the new thread; Process.start() does not. */
        if (op->obj &&
            find_waker(b, W_THREAD_BEGIN, op->obj, -1, INT64_MAX, i, m->threads[i].proc, false) < 0)
            return seg_push(&s->raw, t0, t1, K_PYW, 0);
        /* fall through */
    case MC_ACQUIRE:
    case MC_WAIT:
    case MC_GET:
    case MC_PUT:
    case MC_JOIN:
    case MC_POOL: {
        if (t1 - t0 < SHORT)
            return seg_push(&s->raw, t0, t1, K_PYW, 0);
        int reason = op->code == MC_JOIN || op->code == MC_POOL ? SIM_R_JOIN
                     : op->code == MC_START || op->code == MC_LAUNCH ? SIM_R_START_WAIT
                                                                : SIM_R_LOCK;
        SimTime w = wake_time(b, op->code, op->obj, t0, t1, i);
        return blocked_until(s, t0, t1, w >= 0 ? w : t1, reason);
    }
    default:
        return seg_push(&s->raw, t0, t1, K_PYW, 0);
    }
}

/* Thread i's raw segments from its records. */
static bool thread_segments(Build *b, int i)
{
    const MeasuredRun *m = b->m;
    const MThread *t = &m->threads[i];
    TState *s = &b->ts[i];
    const MProc *p = &m->procs[t->proc];
    /* Half a CPU chunk: where in its chunk a gap fell is not known. */
    SimTime half = m->cpu_rate > 0 && m->chunk > 0 ? (SimTime)(m->chunk / m->cpu_rate * 0.5e9) : 0;
    const MEvent *stack[8];
    int depth = 0;
    bool after_task = false; /* the last thing done was a pool task */
    SimTime cur = t->n ? t->ev[0].t : p->t_start;
    s->begin = cur;
    s->end = -1;
    s->end_reason = -1;
    s->open_code = -1;
    for (size_t k = 0; k < t->n; k++) {
        const MEvent *e = &t->ev[k];
        switch ((MCode)e->code) {
        case MC_THREAD_BEGIN:
            cur = e->t;
            break;
        case MC_THREAD_END:
            if (!seg_push(&s->raw, cur, e->t, K_PYW, 0))
                return false;
            s->end = cur = e->t;
            s->end_reason = SIM_R_EXITED;
            depth = 0;
            break;
        case MC_GAP: {
            /* In CPU work, or around a C call (which has no chunks). */
            bool c_call = depth > 0 && stack[depth - 1]->code == MC_C_CALL;
            SimTime g0 = e->t + (c_call ? 0 : half), g1 = e->until - (c_call ? 0 : half);
            if (g1 > g0 && g0 >= cur) {
                if (!seg_push(&s->raw, cur, g0, c_call ? K_CCALL : K_PY, 0) ||
                    !seg_push(&s->raw, g0, g1, K_GAP, 0))
                    return false;
                cur = g1;
            }
            break;
        }
        case MC_END:
            if (depth > 0) {
                const MEvent *op = stack[--depth];
                if (!op_segments(b, i, s, op, cur, e->t))
                    return false;
                cur = e->t;
                after_task = op->code == MC_TASK;
            }
            break;
        case MC_TASK:
            /* A pool worker between tasks waits for work. */
            if (e->t - cur >= SHORT && depth == 0) {
                if (!seg_push(&s->raw, cur, e->t, K_BLOCK, SIM_R_LOCK))
                    return false;
            } else if (!seg_push(&s->raw, cur, e->t, K_PYW, 0)) {
                return false;
            }
            cur = e->t;
            if (depth < 8)
                stack[depth++] = e;
            break;
        case MC_UNKNOWN:
            break;
        default: /* an operation begins: Python ran since the last record */
            if (!seg_push(&s->raw, cur, e->t, K_PYW, 0))
                return false;
            cur = e->t;
            if (depth < 8)
                stack[depth++] = e;
            else
                return true;
            after_task = false;
            break;
        }
    }
    if (s->end < 0) {
        /* Never ended: killed with its process (a daemon, or stopped at
         * the time limit) or, in a pool worker, ended with the process. */
        SimTime end = p->t_end > cur ? p->t_end : cur;
        if (depth > 0) {
            const MEvent *op = stack[depth - 1];
            s->open_code = op->code;
            s->open_obj = op->obj;
            int reason = op->code == MC_IO ? SIM_R_IO : op->code == MC_SLEEP ? SIM_R_SLEEP
                         : op->code == MC_JOIN || op->code == MC_POOL ? SIM_R_JOIN
                         : op->code == MC_NOGIL ? SIM_R_NOGIL : SIM_R_LOCK;
            int kind = op->code == MC_CPU ? K_PY : op->code == MC_C_CALL ? K_CCALL
                       : reason == SIM_R_NOGIL ? K_NOGIL : K_BLOCK;
            if (!seg_push(&s->raw, cur, end, kind, reason))
                return false;
        } else if (!seg_push(&s->raw, cur, end, after_task ? K_BLOCK : K_PYW, after_task ? SIM_R_LOCK : 0)) {
            return false;
        }
        bool stopped = p->killed && !t->daemon;
        if (!stopped) {
            s->end = end;
            s->end_reason = t->daemon || p->killed ? SIM_R_KILLED : SIM_R_EXITED;
        }
    }
    return true;
}

/* ---- The GIL of one process ---------------------------------------------------------- */

typedef struct Hold {
    SimTime t0, t1;
    int thread;
} Hold;

typedef struct HoldVec {
    Hold *v;
    size_t n, cap;
} HoldVec;

static bool hold_push(HoldVec *h, SimTime t0, SimTime t1, int thread)
{
    if (t1 <= t0)
        return true;
    if (h->n && h->v[h->n - 1].thread == thread && h->v[h->n - 1].t1 >= t0) {
        if (t1 > h->v[h->n - 1].t1)
            h->v[h->n - 1].t1 = t1;
        return true;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        Hold *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return false;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (Hold){t0, t1, thread};
    return true;
}

static int hold_cmp(const void *pa, const void *pb)
{
    const Hold *a = pa, *b = pb;
    if (a->t0 != b->t0)
        return a->t0 < b->t0 ? -1 : 1;
    return a->thread - b->thread;
}

/*
 * Who held the GIL when, from stretches in which threads held it (items,
 * sorted here): where stretches overlap, the one that began latest holds
 * it until it ends, then the one before it again if it has not ended. The
 * result is sorted and does not overlap.
 */
static bool holder_timeline(Hold *items, size_t n, HoldVec *out)
{
    qsort(items, n, sizeof(*items), hold_cmp);
    Hold *stack = malloc((n ? n : 1) * sizeof(*stack));
    size_t depth = 0;
    SimTime cur = 0;
    bool ok = stack != NULL;
    for (size_t i = 0; ok && i <= n; i++) {
        SimTime next = i < n ? items[i].t0 : INT64_MAX;
        while (ok && depth && stack[depth - 1].t1 <= next) {
            Hold top = stack[--depth];
            if (top.t1 > cur) {
                ok = hold_push(out, cur, top.t1, top.thread);
                cur = top.t1;
            }
        }
        if (i == n)
            break;
        if (depth && next > cur)
            ok = ok && hold_push(out, cur, next, stack[depth - 1].thread);
        stack[depth++] = items[i];
        cur = next;
    }
    free(stack);
    return ok;
}

/* The entry of h holding time t (t0 <= t < t1), or the first one after it. */
static size_t hold_find(const HoldVec *h, SimTime t)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->v[mid].t1 <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merges two timelines that do not overlap each other into out. */
static bool hold_merge(const HoldVec *a, const HoldVec *b, HoldVec *out)
{
    size_t i = 0, j = 0;
    bool ok = true;
    while (ok && (i < a->n || j < b->n)) {
        const Hold *x = j >= b->n || (i < a->n && a->v[i].t0 <= b->v[j].t0) ? &a->v[i++] : &b->v[j++];
        ok = hold_push(out, x->t0, x->t1, x->thread);
    }
    return ok;
}

/* Calls fn for the pieces of [t0, t1) by holder in h (-1: free). */
typedef bool (*PieceFn)(void *ctx, SimTime t0, SimTime t1, int holder);

static bool pieces(const HoldVec *h, SimTime t0, SimTime t1, PieceFn fn, void *ctx)
{
    SimTime t = t0;
    size_t j = hold_find(h, t);
    while (t < t1) {
        SimTime end;
        int holder;
        if (j >= h->n || h->v[j].t0 > t) { /* free until the next holding */
            end = j < h->n && h->v[j].t0 < t1 ? h->v[j].t0 : t1;
            holder = -1;
        } else {
            end = h->v[j].t1 < t1 ? h->v[j].t1 : t1;
            holder = h->v[j].thread;
            j++;
        }
        if (!fn(ctx, t, end, holder))
            return false;
        t = end;
    }
    return true;
}

/* Classifying one raw segment of thread `self` against a timeline. */
typedef struct Cls {
    int self;
    const Seg *sg;
    SegVec *fin;
    HoldVec *hold;   /* GAP pass: the thread's own holdings (preempted) go here */
    const HoldVec *h; /* GAP pass: the timeline the pieces come from */
    bool woke;       /* AFTER: another thread has held the GIL since the call's end was due */
    SimTime first, last; /* weak pass: the first start, last end of another's holding */
} Cls;

/* A CPU loop's gap: a wait for the GIL where another thread held it.
 * Where nobody is seen holding it, the holders around it decide: if this
 * thread held it last and holds it next (or nobody does), it kept the
 * GIL while the OS had it wait for a core; otherwise the GIL was changing
 * hands (a waiter's wake-up) and this thread waited for it. */
static bool gap_piece(void *ctx, SimTime t0, SimTime t1, int holder)
{
    Cls *c = ctx;
    if (holder < 0) {
        size_t j = hold_find(c->h, t0);
        int next = j < c->h->n ? c->h->v[j].thread : c->self;
        int prev = j > 0 ? c->h->v[j - 1].thread : c->self;
        holder = next == c->self && prev == c->self ? c->self : -1;
    }
    if (holder != c->self)
        return seg_push(c->fin, t0, t1, K_WAITGIL, 0);
    return seg_push(c->fin, t0, t1, K_WAITCORE, 0) && hold_push(c->hold, t0, t1, c->self);
}

static bool final_piece(void *ctx, SimTime t0, SimTime t1, int holder)
{
    Cls *c = ctx;
    const Seg *sg = c->sg;
    bool other = holder >= 0 && holder != c->self;
    switch (sg->kind) {
    case K_PY:
    case K_PYW:
    case K_CCALL:
        return seg_push(c->fin, t0, t1, other ? K_WAITGIL : sg->kind == K_CCALL ? K_CCALL : K_PY, 0);
    case K_GAP: /* the pieces it kept the GIL through are its own in the timeline */
        return seg_push(c->fin, t0, t1, holder == c->self ? K_WAITCORE : K_WAITGIL, 0);
    case K_AFTER:
        /* Still in the call until another thread is seen holding the GIL;
         * from then on waiting for it (for a core while nobody holds it). */
        if (other)
            c->woke = true;
        if (!c->woke)
            return seg_push(c->fin, t0, t1, sg->reason == SIM_R_NOGIL ? K_NOGIL : K_BLOCK, sg->reason);
        return seg_push(c->fin, t0, t1, other ? K_WAITGIL : K_WAITCORE, 0);
    default:
        return seg_push(c->fin, t0, t1, sg->kind, sg->reason);
    }
}

static bool other_piece(void *ctx, SimTime t0, SimTime t1, int holder)
{
    Cls *c = ctx;
    if (holder >= 0 && holder != c->self) {
        if (c->first < 0)
            c->first = t0;
        c->last = t1;
    }
    return true;
}

static SimReason seg_reason(const Seg *s)
{
    switch (s->kind) {
    case K_PY:
    case K_PYW: return SIM_R_PYTHON;
    case K_CCALL: return SIM_R_C_CALL;
    case K_NOGIL: return SIM_R_NOGIL;
    case K_WAITGIL: return SIM_R_WAIT_GIL;
    case K_WAITCORE: return SIM_R_WAIT_CORE;
    default: return (SimReason)s->reason;
    }
}

/* What thread i does from time t on (its segment starting at or holding t). */
static SimReason reason_at(const TState *s, SimTime t)
{
    const SegVec *f = &s->fin;
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->v[mid].t1 <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < f->n)
        return seg_reason(&f->v[lo]);
    return s->end_reason >= 0 ? (SimReason)s->end_reason : SIM_R_EXITED;
}

/* The raw segments of process p's threads of the given kind, as items. */
static Hold *items_of(const Build *b, int p, int kind1, int kind2, size_t *n)
{
    const MeasuredRun *m = b->m;
    size_t k = 0;
    for (int i = 0; i < m->n_threads; i++)
        if (m->threads[i].proc == p)
            for (size_t j = 0; j < b->ts[i].raw.n; j++)
                k += b->ts[i].raw.v[j].kind == kind1 || b->ts[i].raw.v[j].kind == kind2;
    Hold *items = malloc((k ? k : 1) * sizeof(*items));
    if (!items)
        return NULL;
    k = 0;
    for (int i = 0; i < m->n_threads; i++)
        if (m->threads[i].proc == p)
            for (size_t j = 0; j < b->ts[i].raw.n; j++) {
                const Seg *sg = &b->ts[i].raw.v[j];
                if (sg->kind == kind1 || sg->kind == kind2)
                    items[k++] = (Hold){sg->t0, sg->t1, i};
            }
    *n = k;
    return items;
}

/*
 * Classifies the threads of process p and writes its GIL's records.
 *
 * The timeline is built from evidence first. A thread inside CPU work or
 * a C call held the GIL all along (its loop saw no pause, or nothing can
 * take the GIL from a C call): these strong stretches make the timeline.
 * Python between operations is weaker evidence: the thread held the GIL
 * at the records at either end, but may have waited in between. So where
 * another thread's strong stretch falls inside such a weak one, the
 * thread is taken to have held the GIL only before the first and after
 * the last of them, and to have waited in between. CPU loops' gaps are
 * then waits for the GIL where another thread held it, and preemption
 * (the GIL kept) elsewhere.
 */
static bool process_gil(Build *b, int p)
{
    const MeasuredRun *m = b->m;
    HoldVec strong = {0}, weak = {0}, h = {0}, own = {0}, all = {0};
    size_t n;
    Hold *items = items_of(b, p, K_PY, K_CCALL, &n);
    bool ok = items != NULL;
    if (ok && m->gil_enabled)
        ok = holder_timeline(items, n, &strong);
    free(items);
    /* Weak stretches, clipped around the others' strong ones: each gives
     * at most two pieces. */
    items = ok ? items_of(b, p, K_PYW, K_PYW, &n) : NULL;
    Hold *clipped = items ? malloc((2 * n + 1) * sizeof(*clipped)) : NULL;
    ok = ok && items && clipped;
    size_t w = 0;
    for (size_t k = 0; ok && k < n && m->gil_enabled; k++) {
        Cls c = {.self = items[k].thread, .first = -1, .last = -1};
        Hold x = items[k];
        ok = pieces(&strong, x.t0, x.t1, other_piece, &c);
        if (c.first < 0) {
            clipped[w++] = x;
        } else {
            if (c.first > x.t0)
                clipped[w++] = (Hold){x.t0, c.first, x.thread};
            if (c.last < x.t1)
                clipped[w++] = (Hold){c.last, x.t1, x.thread};
        }
    }
    ok = ok && holder_timeline(clipped, w, &weak) && hold_merge(&strong, &weak, &h);
    free(items);
    free(clipped);
    /* Gaps: the preempted keep the GIL. */
    for (int i = 0; ok && i < m->n_threads; i++)
        if (m->threads[i].proc == p)
            for (size_t k = 0; ok && k < b->ts[i].raw.n; k++) {
                const Seg *sg = &b->ts[i].raw.v[k];
                SegVec scratch = {0};
                Cls c = {.self = i, .sg = sg, .fin = &scratch, .hold = &own, .h = &h};
                if (sg->kind == K_GAP)
                    ok = pieces(&h, sg->t0, sg->t1, gap_piece, &c);
                free(scratch.v);
            }
    if (ok) {
        Hold *v = own.v;
        size_t nv = own.n;
        HoldVec sorted = {0};
        if (nv) {
            qsort(v, nv, sizeof(*v), hold_cmp);
            for (size_t k = 0; ok && k < nv; k++)
                ok = hold_push(&sorted, v[k].t0, v[k].t1, v[k].thread);
        }
        ok = ok && hold_merge(&h, &sorted, &all);
        free(sorted.v);
    }
    /* Every segment against the whole timeline. */
    for (int i = 0; ok && i < m->n_threads; i++)
        if (m->threads[i].proc == p)
            for (size_t k = 0; ok && k < b->ts[i].raw.n; k++) {
                Cls c = {.self = i, .sg = &b->ts[i].raw.v[k], .fin = &b->ts[i].fin};
                ok = pieces(&all, c.sg->t0, c.sg->t1, final_piece, &c);
            }
    int last = -1;
    for (size_t k = 0; ok && m->gil_enabled && k < all.n; k++) {
        const Hold *x = &all.v[k];
        uint32_t tid = b->ts[x->thread].tid;
        SimRecord acq = {x->t0, tid, (uint32_t)p, last >= 0 ? b->ts[last].tid + 1 : 0, SIM_REC_GIL_ACQUIRE,
                         0, 0, SIM_C_GIL_FREE};
        push_rec(b, &acq);
        SimReason next = reason_at(&b->ts[x->thread], x->t1);
        uint8_t kind = next == SIM_R_WAIT_GIL ? SIM_DROP_FORCED
                       : next == SIM_R_EXITED || next == SIM_R_KILLED ? SIM_DROP_EXIT
                                                                       : SIM_DROP_VOLUNTARY;
        SimRecord drop = {x->t1, tid, (uint32_t)p, 0, SIM_REC_GIL_DROP, kind, 0,
                          kind == SIM_DROP_FORCED ? SIM_C_DROP_REQUEST : SIM_C_NONE};
        push_rec(b, &drop);
        last = x->thread;
    }
    free(strong.v);
    free(weak.v);
    free(h.v);
    free(own.v);
    free(all.v);
    return ok && !b->oom;
}

/* ---- Cores ------------------------------------------------------------------------------ */

typedef struct RunRef {
    SimTime t0, t1;
    Seg *seg;
} RunRef;

static int runref_cmp(const void *pa, const void *pb)
{
    const RunRef *a = pa, *b = pb;
    return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

/* Gives each running segment the lowest core free at its start. */
static bool assign_cores(Build *b)
{
    const MeasuredRun *m = b->m;
    size_t n = 0;
    for (int i = 0; i < m->n_threads; i++)
        for (size_t k = 0; k < b->ts[i].fin.n; k++)
            n += sim_reason_state(seg_reason(&b->ts[i].fin.v[k])) == SIM_ST_RUNNING;
    RunRef *runs = malloc((n ? n : 1) * sizeof(*runs));
    SimTime busy[256];
    if (!runs)
        return false;
    n = 0;
    for (int i = 0; i < m->n_threads; i++)
        for (size_t k = 0; k < b->ts[i].fin.n; k++) {
            Seg *s = &b->ts[i].fin.v[k];
            if (sim_reason_state(seg_reason(s)) == SIM_ST_RUNNING)
                runs[n++] = (RunRef){s->t0, s->t1, s};
        }
    qsort(runs, n, sizeof(*runs), runref_cmp);
    for (int c = 0; c < 256; c++)
        busy[c] = -1;
    for (size_t k = 0; k < n; k++) {
        int c = 0;
        while (c < 255 && busy[c] > runs[k].t0)
            c++;
        busy[c] = runs[k].t1;
        runs[k].seg->core = (int16_t)c;
    }
    free(runs);
    return true;
}

/* ---- Records ----------------------------------------------------------------------------- */

static SimState reason_state(int r)
{
    return sim_reason_state((SimReason)r);
}

static void state_rec(Build *b, SimTime t, uint32_t tid, int old, int nr, int core, int cause)
{
    SimRecord r = {t, tid, nr >= 0 && reason_state(nr) == SIM_ST_RUNNING && core >= 0 ? (uint32_t)core : 0, 0,
                   SIM_REC_STATE, (uint8_t)(reason_state(nr) | reason_state(old) << 4), (uint8_t)nr,
                   (uint8_t)cause};
    push_rec(b, &r);
}

/* Thread i's transitions, from its classified segments. */
static void thread_records(Build *b, int i)
{
    TState *s = &b->ts[i];
    int prev = SIM_R_NEW;
    for (size_t k = 0; k < s->fin.n; k++) {
        const Seg *sg = &s->fin.v[k];
        int r = seg_reason(sg);
        if (r == prev && k > 0 && sg->t0 == s->fin.v[k - 1].t1 &&
            (reason_state(r) != SIM_ST_RUNNING || sg->core == s->fin.v[k - 1].core))
            continue;
        int cause = prev == SIM_R_NEW                                        ? SIM_C_THREAD_START
                    : reason_state(r) == SIM_ST_BLOCKED || r == SIM_R_NOGIL ? SIM_C_OP_BEGIN
                    : r == SIM_R_WAIT_GIL && reason_state(prev) == SIM_ST_BLOCKED ? SIM_C_OP_END
                    : r == SIM_R_WAIT_GIL                                      ? SIM_C_DROP_REQUEST
                    : r == SIM_R_WAIT_CORE                                     ? SIM_C_PREEMPTED
                                                                               : SIM_C_NONE;
        state_rec(b, sg->t0, s->tid, prev, r, sg->core, cause);
        prev = r;
    }
    if (s->end_reason >= 0 && s->end >= 0) {
        if (prev == SIM_R_NEW)
            state_rec(b, s->end, s->tid, prev, SIM_R_PYTHON, 0, SIM_C_THREAD_START);
        state_rec(b, s->end, s->tid, prev == SIM_R_NEW ? SIM_R_PYTHON : prev, s->end_reason, -1,
                  s->end_reason == SIM_R_KILLED ? SIM_C_DAEMON_KILL : SIM_C_EXIT);
    }
}

/* Records sort by time, then by the order they were made in (each
 * thread's own records were made in order). */
typedef struct RecKey {
    SimTime t;
    size_t i;
} RecKey;

static int reckey_cmp(const void *pa, const void *pb)
{
    const RecKey *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static void sort_records(Build *b)
{
    RecKey *keys = malloc((b->n_rec ? b->n_rec : 1) * sizeof(*keys));
    SimRecord *out = malloc((b->n_rec ? b->n_rec : 1) * sizeof(*out));
    if (!keys || !out) {
        free(keys);
        free(out);
        b->oom = true;
        return;
    }
    for (size_t i = 0; i < b->n_rec; i++)
        keys[i] = (RecKey){b->rec[i].t, i};
    qsort(keys, b->n_rec, sizeof(*keys), reckey_cmp);
    for (size_t i = 0; i < b->n_rec; i++)
        out[i] = b->rec[keys[i].i];
    free(keys);
    free(b->rec);
    b->rec = out;
    b->cap_rec = b->n_rec ? b->n_rec : 1;
}

/* ---- The trace ----------------------------------------------------------------------------- */

/* Thread order: as in `like` where (process, thread) names match, then
 * the rest by process and first record. */
static int *thread_order(const MeasuredRun *m, const SimTrace *like)
{
    int *order = malloc((size_t)(m->n_threads ? m->n_threads : 1) * sizeof(*order));
    bool *used = calloc((size_t)(m->n_threads ? m->n_threads : 1), sizeof(*used));
    if (!order || !used) {
        free(order);
        free(used);
        return NULL;
    }
    int n = 0;
    for (uint32_t k = 0; like && k < sim_trace_thread_count(like); k++) {
        const SimThreadInfo *ti = sim_trace_thread(like, k);
        const SimProcessInfo *pi =
            ti->process < sim_trace_process_count(like) ? sim_trace_process(like, ti->process) : NULL;
        for (int i = 0; pi && i < m->n_threads; i++)
            if (!used[i] && strcmp(m->threads[i].name, ti->name) == 0 &&
                strcmp(m->procs[m->threads[i].proc].name, pi->name) == 0) {
                used[i] = true;
                order[n++] = i;
                break;
            }
    }
    for (int p = 0; p < m->n_procs; p++)
        for (int i = 0; i < m->n_threads; i++)
            if (!used[i] && m->threads[i].proc == p) {
                used[i] = true;
                order[n++] = i;
            }
    free(used);
    return order;
}

static int proc_index(const MeasuredRun *m, const char *name)
{
    for (int p = 0; name && p < m->n_procs; p++)
        if (strcmp(m->procs[p].name, name) == 0)
            return p;
    return -1;
}

/* Shared variables: a write per increment, the lost updates on the last. */
static void shared_records(Build *b, SimTrace *tr)
{
    const MeasuredRun *m = b->m;
    for (int p = 0; p < m->n_procs; p++)
        for (int k = 0; k < m->procs[p].n_shared; k++) {
            const MShared *sh = &m->procs[p].shared[k];
            int obj = sim_trace_add_object(tr, sh->name, (uint32_t)p, "shared", sh->initial);
            if (obj < 0) {
                b->oom = true;
                return;
            }
            int64_t writes = 0;
            size_t last = SIZE_MAX;
            for (int i = 0; i < m->n_threads; i++) {
                const MThread *t = &m->threads[i];
                if (t->proc != p)
                    continue;
                const MEvent *open = NULL;
                for (size_t e = 0; e < t->n; e++) {
                    if (t->ev[e].code == MC_INCREMENT && t->ev[e].obj && strcmp(t->ev[e].obj, sh->name) == 0)
                        open = &t->ev[e];
                    else if (t->ev[e].code == MC_END && open) {
                        SimRecord r = {t->ev[e].t, b->ts[i].tid, (uint32_t)obj, 0, SIM_REC_SYNC,
                                       SIM_SYNC_WRITE, 0, SIM_C_NONE};
                        push_rec(b, &r);
                        if (last == SIZE_MAX || b->rec[last].t <= r.t)
                            last = b->n_rec - 1;
                        writes++;
                        open = NULL;
                    } else if (t->ev[e].code != MC_GAP) {
                        open = NULL;
                    }
                }
            }
            int64_t lost = sh->known ? sh->initial + writes - sh->final : 0;
            if (last != SIZE_MAX && lost > 0 && !b->oom)
                b->rec[last].other = (uint32_t)(lost > writes ? writes : lost);
        }
}

/* A thread still blocked when the program was stopped: what it waits for. */
static void deadlock_record(Build *b, SimTrace *tr, int i, SimTime end)
{
    const MeasuredRun *m = b->m;
    const TState *s = &b->ts[i];
    SimRecord r = {end, s->tid, SIM_WAIT_NONE, 0, SIM_REC_DEADLOCK, 0, (uint8_t)reason_at(s, end - 1),
                   SIM_C_DEADLOCK};
    if (s->open_code == MC_IO || s->open_code == MC_SLEEP) {
        r.arg = s->open_code == MC_IO ? SIM_WAIT_IO : SIM_WAIT_SLEEP;
    } else if (s->open_code == MC_JOIN && s->open_obj) {
        int p = proc_index(m, s->open_obj);
        r.arg = p >= 0 ? SIM_WAIT_JOIN_PROCESS : SIM_WAIT_NONE;
        r.other = p >= 0 ? (uint32_t)p + 1 : 0;
        for (int k = 0; p < 0 && k < m->n_threads; k++)
            if (m->threads[k].proc == m->threads[i].proc && strcmp(m->threads[k].name, s->open_obj) == 0) {
                r.arg = SIM_WAIT_JOIN_THREAD;
                r.other = b->ts[k].tid + 1;
            }
    } else if (s->open_obj && s->open_code >= MC_ACQUIRE && s->open_code <= MC_GET) {
        int o = measured_object(m, s->open_obj);
        int obj = sim_trace_add_object(tr, s->open_obj, (uint32_t)m->threads[i].proc,
                                       o >= 0 ? m->objects[o].kind : "lock", 0);
        if (obj < 0) {
            b->oom = true;
            return;
        }
        r.arg = SIM_WAIT_OBJECT;
        r.other = (uint32_t)obj + 1;
    }
    push_rec(b, &r);
}

int measured_trace_build(const MeasuredRun *m, const SimTrace *like, SimTrace **out, SimError *err)
{
    Build b;
    memset(&b, 0, sizeof(b));
    b.m = m;
    *out = NULL;
    SimTrace *tr = sim_trace_create();
    b.ts = calloc((size_t)(m->n_threads ? m->n_threads : 1), sizeof(*b.ts));
    int *order = thread_order(m, like);
    bool ok = tr && b.ts && order;

    /* Processes, in the recordings' order; their GIL is their index. */
    for (int p = 0; ok && p < m->n_procs; p++) {
        int parent = proc_index(m, m->procs[p].parent);
        ok = sim_trace_add_process(tr, m->procs[p].name, parent >= 0 ? (uint32_t)parent : SIM_NONE,
                                   (uint32_t)p, m->procs[p].method) >= 0;
    }
    if (ok)
        sim_trace_set_gils(tr, (uint32_t)m->n_procs);
    for (int k = 0; ok && k < m->n_threads; k++) {
        const MThread *t = &m->threads[order[k]];
        int id = sim_trace_add_thread(tr, t->name, (uint32_t)t->proc, (uint32_t)t->proc, t->daemon);
        ok = id >= 0;
        if (ok)
            b.ts[order[k]].tid = (uint32_t)id;
    }
    if (ok) {
        collect_wakers(&b);
        ok = !b.oom;
    }
    for (int i = 0; ok && i < m->n_threads; i++)
        ok = thread_segments(&b, i);
    for (int p = 0; ok && p < m->n_procs; p++)
        ok = process_gil(&b, p);
    ok = ok && assign_cores(&b);
    for (int i = 0; ok && i < m->n_threads; i++)
        thread_records(&b, i);

    /* Process starts and ends, shared variables, stuck threads. */
    MeasuredSummary sum;
    measured_summary(m, &sum);
    SimTime end = 0;
    for (int p = 0; p < m->n_procs; p++)
        if (m->procs[p].t_end > end)
            end = m->procs[p].t_end;
    for (int p = 0; ok && p < m->n_procs; p++) {
        uint32_t first = SIM_NONE, last = SIM_NONE;
        for (int k = 0; k < m->n_threads; k++)
            if (m->threads[order[k]].proc == p) {
                if (first == SIM_NONE)
                    first = b.ts[order[k]].tid;
                last = b.ts[order[k]].tid;
            }
        if (first == SIM_NONE)
            continue;
        SimRecord st = {m->procs[p].t_start, first, (uint32_t)p, 0, SIM_REC_PROC_START, 0, 0, SIM_C_NONE};
        push_rec(&b, &st);
        if (!m->procs[p].killed) {
            SimRecord ex = {m->procs[p].t_end, last, (uint32_t)p, 0, SIM_REC_PROC_EXIT, 0, 0, SIM_C_NONE};
            push_rec(&b, &ex);
        }
    }
    if (ok)
        shared_records(&b, tr);
    for (int i = 0; ok && i < m->n_threads; i++)
        if (b.ts[i].end_reason < 0 && !m->threads[i].daemon)
            deadlock_record(&b, tr, i, end);
    if (ok && !b.oom)
        sort_records(&b);
    for (size_t k = 0; ok && !b.oom && k < b.n_rec; k++)
        ok = sim_trace_push(tr, &b.rec[k]) == 0;
    if (ok && !b.oom) {
        /* "3.11.7" -> "3.11" */
        char version[sizeof(m->python)];
        memcpy(version, m->python, sizeof(version));
        char *dot = strchr(version, '.');
        if (dot && (dot = strchr(dot + 1, '.')))
            *dot = '\0';
        const SimRunInfo *li = like ? sim_trace_info(like) : NULL;
        SimRunInfo info = {0};
        char title[400];
        snprintf(title, sizeof(title), "%s, measured on %s %s", li && li->scenario ? li->scenario : "",
                 m->implementation, m->python);
        info.scenario = title;
        info.scenario_hash = li ? li->scenario_hash : 0;
        info.seed = li ? li->seed : 0;
        info.cores = m->cores;
        info.switch_interval = (SimTime)(m->switch_interval * 1e9 + 0.5);
        info.gil_policy = !m->gil_enabled ? "none" : m->python[0] == '2' ? "old" : "new";
        info.python_version = version;
        info.outcome = sum.outcome;
        sim_trace_set_end(tr, end);
        ok = sim_trace_set_info(tr, &info) == 0;
    }
    for (int i = 0; b.ts && i < m->n_threads; i++) {
        free(b.ts[i].raw.v);
        free(b.ts[i].fin.v);
    }
    free(b.ts);
    free(b.wk);
    free(b.rec);
    free(order);
    if (!ok || b.oom) {
        sim_trace_destroy(tr);
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while rebuilding the measured run");
    }
    *out = tr;
    return 0;
}
