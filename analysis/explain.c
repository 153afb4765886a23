/*
 * explain.c - the explanation engine (explain.h): for each record, the
 * record its cause field points at, the sentence that tells the one in
 * terms of the other, and what the record goes on to cause.
 *
 * How a cause is found, by record and cause:
 *   GIL acquire  gil_signal: the GIL's last drop (it signalled the taker);
 *                gil_timeout: the taker's own timeout; gil_free: what the
 *                taker finished just before (its previous state)
 *   GIL drop     forced: the pending drop request; voluntary or exit: the
 *                operation the thread reached (its previous state)
 *   drop request the requester's timeout just before
 *   timeout      the start of that timed wait (entry, failed wake-up,
 *                request or earlier timeout of the same waiter)
 *   failed wake-up  the drop whose signal woke it
 *   state        op_begin after an acquire: the acquire; op_begin: the
 *                operation before; gil_busy: what the thread finished;
 *                switch wait: the drop request; leaving a switch wait: the
 *                other thread's acquire; object/timeout: the wake-up or
 *                timeout on the object; joined/started: the other thread's
 *                end or first acquire; daemon_kill: the last non-daemon
 *                exit; fork: the fork
 *   sync         wake: the release, set, notify, put or exit that woke it;
 *                a lost update: the first write it overwrote
 *
 * Invariant: every search is a binary search in one thread's, GIL's or
 * object's list, or a bounded walk along it (MAX_WALK), so a sentence
 * costs the same on a ten-million-record trace as on a small one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "duration_text.h"
#include "explain.h"

#define MAX_WALK 4096
#define NONE EXPLAIN_NONE

typedef struct List {
    uint32_t *i; /* record indices, increasing */
    size_t n;
} List;

struct Explainer {
    const SimTrace *tr;
    const SimRecord *r;
    size_t n;
    uint32_t nt, ng, no, np;
    List *thread; /* [nt] every record about the thread */
    List *gil;    /* [ng] GIL records (acquire, drop, request, timeout, failed wake-up) */
    List *object; /* [no] SYNC records */
    uint32_t *pool;
    bool *ambiguous; /* [nt] the thread's name is used by another thread */
};

static bool gil_kind(uint8_t k)
{
    return k >= SIM_REC_GIL_ACQUIRE && k <= SIM_REC_FAILED_WAKEUP;
}

typedef struct Named {
    const char *name;
    uint32_t id;
} Named;

static int by_name(const void *a, const void *b)
{
    const Named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

int explain_create(const SimTrace *tr, Explainer **out)
{
    *out = NULL;
    size_t n = sim_trace_count(tr);
    if (n >= UINT32_MAX)
        return SIM_ERR_LIMIT;
    Explainer *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return SIM_ERR_NOMEM;
    ex->tr = tr;
    ex->r = sim_trace_records(tr);
    ex->n = n;
    ex->nt = sim_trace_thread_count(tr);
    ex->ng = sim_trace_gil_count(tr);
    ex->no = sim_trace_object_count(tr);
    ex->np = sim_trace_process_count(tr);
    for (size_t i = 0; i < n; i++)
        if (gil_kind(ex->r[i].kind) && ex->r[i].arg >= ex->ng && ex->r[i].arg < 65536)
            ex->ng = ex->r[i].arg + 1;
    ex->thread = calloc(ex->nt + 1, sizeof(List));
    ex->gil = calloc(ex->ng + 1, sizeof(List));
    ex->object = calloc(ex->no + 1, sizeof(List));
    ex->ambiguous = calloc(ex->nt + 1, sizeof(bool));
    /* Every record is in at most two lists: its thread's, and its GIL's
     * or object's. */
    ex->pool = malloc((2 * n + 1) * sizeof(uint32_t));
    if (!ex->thread || !ex->gil || !ex->object || !ex->pool || !ex->ambiguous) {
        explain_destroy(ex);
        return SIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const SimRecord *r = &ex->r[i];
        if (r->thread < ex->nt)
            ex->thread[r->thread].n++;
        if (gil_kind(r->kind) && r->arg < ex->ng)
            ex->gil[r->arg].n++;
        else if (r->kind == SIM_REC_SYNC && r->arg < ex->no)
            ex->object[r->arg].n++;
    }
    uint32_t *p = ex->pool;
    for (uint32_t t = 0; t < ex->nt; t++, p += ex->thread[t - 1].n)
        ex->thread[t].i = p;
    for (uint32_t g = 0; g < ex->ng; g++, p += ex->gil[g - 1].n)
        ex->gil[g].i = p;
    for (uint32_t o = 0; o < ex->no; o++, p += ex->object[o - 1].n)
        ex->object[o].i = p;
    for (uint32_t t = 0; t < ex->nt; t++)
        ex->thread[t].n = 0;
    for (uint32_t g = 0; g < ex->ng; g++)
        ex->gil[g].n = 0;
    for (uint32_t o = 0; o < ex->no; o++)
        ex->object[o].n = 0;
    for (size_t i = 0; i < n; i++) {
        const SimRecord *r = &ex->r[i];
        if (r->thread < ex->nt) {
            List *l = &ex->thread[r->thread];
            l->i[l->n++] = (uint32_t)i;
        }
        if (gil_kind(r->kind) && r->arg < ex->ng) {
            List *l = &ex->gil[r->arg];
            l->i[l->n++] = (uint32_t)i;
        } else if (r->kind == SIM_REC_SYNC && r->arg < ex->no) {
            List *l = &ex->object[r->arg];
            l->i[l->n++] = (uint32_t)i;
        }
    }
    /* Names two threads share, found by sorting (name, thread) pairs. */
    Named *by = malloc((ex->nt + 1) * sizeof(*by));
    if (!by) {
        explain_destroy(ex);
        return SIM_ERR_NOMEM;
    }
    for (uint32_t t = 0; t < ex->nt; t++)
        by[t] = (Named){sim_trace_thread(tr, t)->name, t};
    qsort(by, ex->nt, sizeof(*by), by_name);
    for (uint32_t k = 1; k < ex->nt; k++)
        if (strcmp(by[k].name, by[k - 1].name) == 0)
            ex->ambiguous[by[k].id] = ex->ambiguous[by[k - 1].id] = true;
    free(by);
    *out = ex;
    return SIM_OK;
}

void explain_destroy(Explainer *ex)
{
    if (!ex)
        return;
    free(ex->thread);
    free(ex->gil);
    free(ex->object);
    free(ex->pool);
    free(ex->ambiguous);
    free(ex);
}

/* ---- Lists ------------------------------------------------------------------ */

/* Position in l of the last index < rec (before: strictly before), or of
 * the last index <= rec; SIZE_MAX if none. */
static size_t pos_before(const List *l, size_t rec, bool strict)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? l->i[mid] < rec : l->i[mid] <= rec)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? SIZE_MAX : lo - 1;
}

/* Walks l back from before rec: the first record for which want() holds. */
typedef bool (*Want)(const Explainer *ex, const SimRecord *r, const void *arg);

static size_t find_back(const Explainer *ex, const List *l, size_t rec, Want want, const void *arg)
{
    size_t k = pos_before(l, rec, true);
    for (size_t steps = 0; k != SIZE_MAX && steps < MAX_WALK; steps++, k = k ? k - 1 : SIZE_MAX)
        if (want(ex, &ex->r[l->i[k]], arg))
            return l->i[k];
    return NONE;
}

static size_t find_fwd(const Explainer *ex, const List *l, size_t rec, Want want, const void *arg)
{
    size_t k = pos_before(l, rec, false);
    k = k == SIZE_MAX ? 0 : k + 1;
    for (size_t steps = 0; k < l->n && steps < MAX_WALK; steps++, k++)
        if (want(ex, &ex->r[l->i[k]], arg))
            return l->i[k];
    return NONE;
}

static bool is_state(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    (void)arg;
    return r->kind == SIM_REC_STATE;
}

static bool is_kind(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    return r->kind == *(const uint8_t *)arg;
}

static bool is_acquire_by_other(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    return r->kind == SIM_REC_GIL_ACQUIRE && r->thread != *(const uint32_t *)arg;
}

static bool is_drop(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    (void)arg;
    return r->kind == SIM_REC_GIL_DROP;
}

static const List *tlist(const Explainer *ex, uint32_t t)
{
    static const List empty = {NULL, 0};
    return t < ex->nt ? &ex->thread[t] : &empty;
}

static const List *glist(const Explainer *ex, uint32_t g)
{
    static const List empty = {NULL, 0};
    return g < ex->ng ? &ex->gil[g] : &empty;
}

static const List *olist(const Explainer *ex, uint32_t o)
{
    static const List empty = {NULL, 0};
    return o < ex->no ? &ex->object[o] : &empty;
}

/* The thread's state record before rec, and after it. */
static size_t prev_state(const Explainer *ex, uint32_t t, size_t rec)
{
    return find_back(ex, tlist(ex, t), rec, is_state, NULL);
}

static size_t next_state(const Explainer *ex, uint32_t t, size_t rec)
{
    return find_fwd(ex, tlist(ex, t), rec, is_state, NULL);
}

/* The reason thread t had just before record rec (SIM_R_NEW at first). */
static SimReason reason_before(const Explainer *ex, uint32_t t, size_t rec)
{
    size_t p = prev_state(ex, t, rec);
    return p == NONE ? SIM_R_NEW : (SimReason)ex->r[p].reason;
}

static uint32_t gil_of_thread(const Explainer *ex, uint32_t t)
{
    const SimThreadInfo *ti = sim_trace_thread(ex->tr, t);
    return ti ? ti->gil : SIM_NONE;
}

/* ---- Words ------------------------------------------------------------------ */

const char *explain_thread_name(const Explainer *ex, uint32_t t, char *buf, size_t n)
{
    const SimThreadInfo *ti = sim_trace_thread(ex->tr, t);
    if (!ti) {
        snprintf(buf, n, "?");
        return buf;
    }
    const SimProcessInfo *pi = sim_trace_process(ex->tr, ti->process);
    if (t < ex->nt && ex->ambiguous[t] && pi)
        snprintf(buf, n, "%s/%s", pi->name, ti->name);
    else
        snprintf(buf, n, "%s", ti->name);
    return buf;
}

/* Names of several threads in one sentence need separate buffers. */
typedef struct Names {
    char b[6][160];
    int k;
} Names;

static const char *nm(const Explainer *ex, Names *ns, uint32_t t)
{
    char *b = ns->b[ns->k++ % 6];
    return explain_thread_name(ex, t, b, sizeof(ns->b[0]));
}

static const char *pname(const Explainer *ex, uint32_t p)
{
    const SimProcessInfo *pi = sim_trace_process(ex->tr, p);
    return pi && pi->name ? pi->name : "?";
}

/* The C work a thread owes outside its program (SIM_C_WAKE_COST,
 * CHILD_BOOT, CHILD_EXIT), named for a reader with the parameter that
 * sets it; NULL for any other cause. */
static const char *owed_work(const Explainer *ex, uint32_t t, SimCause c)
{
    const SimThreadInfo *ti = sim_trace_thread(ex->tr, t);
    const SimProcessInfo *pi = ti ? sim_trace_process(ex->tr, ti->process) : NULL;
    const char *m = pi && pi->start_method ? pi->start_method : "";
    bool os_fork = strcmp(m, "os.fork") == 0, spawn = strcmp(m, "spawn") == 0;
    switch (c) {
    case SIM_C_WAKE_COST:
        return "the kernel's side of the wake-ups it caused (machine.wake_cost, short_sleep_wake_cost, futex_wake_cost)";
    case SIM_C_CHILD_BOOT:
        return os_fork ? "its after-fork C work (os_fork_child_cost)"
                       : "multiprocessing's bootstrap (fork_child_cost)";
    case SIM_C_CHILD_EXIT:
        return os_fork ? "its process's exit (fork_exit_cost)"
               : spawn ? "its process's exit (spawn_exit_cost)"
                       : "its process's exit (mp_exit_cost)";
    default:
        return NULL;
    }
}

typedef struct Times {
    char b[6][48];
    int k;
} Times;

static const char *at(Times *ts, SimTime t)
{
    char *b = ts->b[ts->k++ % 6];
    return duration_text_rounded(t, 6, b, sizeof(ts->b[0]));
}

static const char *dur(Times *ts, SimTime d)
{
    char *b = ts->b[ts->k++ % 6];
    return duration_text_rounded(d < 0 ? 0 : d, 3, b, sizeof(ts->b[0]));
}

static const char *obj_kind_name(const SimTrace *tr, uint32_t o)
{
    const SimObjectInfo *oi = o < sim_trace_object_count(tr) ? sim_trace_object(tr, o) : NULL;
    return oi && oi->kind ? oi->kind : "object";
}

static const char *obj_name(const SimTrace *tr, uint32_t o)
{
    const SimObjectInfo *oi = o < sim_trace_object_count(tr) ? sim_trace_object(tr, o) : NULL;
    return oi && oi->name ? oi->name : "?";
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

char *explain_wait_label(const SimTrace *tr, uint32_t obj, unsigned side, uint32_t waiter, bool sentence,
                         char *buf, size_t n)
{
    const char *k = obj_kind_name(tr, obj), *name = obj_name(tr, obj);
    bool pool = ends_with(name, ".work");
    bool process_pool = pool && strncmp(name, "Pool", 4) == 0;
    (void)waiter;
    if (pool && side == SIM_QSIDE_PUT) {
        if (process_pool)
            snprintf(buf, n, sentence ? "map(): waits for the workers' results" : "map() results");
        else
            snprintf(buf, n, sentence ? "shutdown(wait=True): waits for the pool's workers to finish"
                                      : "pool shutdown");
    } else if (pool) {
        snprintf(buf, n, sentence ? "an idle pool worker: waits for work" : "idle: no work");
    } else if (!strcmp(k, "queue") || !strcmp(k, "mp_queue") || !strcmp(k, "pipe")) {
        const char *what = !strcmp(k, "pipe") ? "pipe" : !strcmp(k, "mp_queue") ? "multiprocessing queue" : "queue";
        /* In a lane the short form, where the span is narrow. */
        const char *verb = side == SIM_QSIDE_PUT ? "put" : !strcmp(k, "pipe") ? "read" : "get";
        if (!sentence)
            snprintf(buf, n, "%s %s", verb, name);
        else if (side == SIM_QSIDE_PUT)
            snprintf(buf, n, "put() into %s '%s', which is full", what, name);
        else if (!strcmp(k, "pipe"))
            snprintf(buf, n, "a read from %s '%s', which is empty", what, name);
        else
            snprintf(buf, n, "get() from %s '%s', which is empty", what, name);
    } else if (!strcmp(k, "event") || !strcmp(k, "condition") || !strcmp(k, "barrier")) {
        snprintf(buf, n, sentence ? "%s '%s' (wait)" : "wait %s", sentence ? k : name, name);
    } else if (!strcmp(k, "semaphore") || !strcmp(k, "bounded_semaphore")) {
        snprintf(buf, n, sentence ? "a permit of semaphore '%s'" : "acquire %s", name);
    } else {
        snprintf(buf, n, sentence ? "%s '%s'" : "%s %s", k, name);
    }
    return buf;
}

/* The BLOCK record that goes with thread t's block at record rec's instant. */
static size_t block_record(const Explainer *ex, uint32_t t, size_t rec)
{
    const List *l = tlist(ex, t);
    size_t k = pos_before(l, rec, false);
    /* The block is recorded just after (or, for some primitives, just
     * before) the state change, at the same instant. */
    for (size_t j = k == SIZE_MAX ? 0 : k; j < l->n && ex->r[l->i[j]].t == ex->r[rec].t; j++)
        if (ex->r[l->i[j]].kind == SIM_REC_SYNC && ex->r[l->i[j]].state == SIM_SYNC_BLOCK)
            return l->i[j];
    for (size_t j = k; j != SIZE_MAX && ex->r[l->i[j]].t == ex->r[rec].t; j = j ? j - 1 : SIZE_MAX)
        if (ex->r[l->i[j]].kind == SIM_REC_SYNC && ex->r[l->i[j]].state == SIM_SYNC_BLOCK)
            return l->i[j];
    return NONE;
}

/* What a thread does in a reason, as the object of "finished ...". */
static const char *doing(SimReason r)
{
    switch (r) {
    case SIM_R_IO: return "I/O";
    case SIM_R_SLEEP: return "sleep";
    case SIM_R_NOGIL: return "C work without the GIL";
    case SIM_R_PYTHON: return "Python";
    case SIM_R_C_CALL: return "C call";
    case SIM_R_LOCK: return "wait";
    case SIM_R_JOIN: return "join";
    case SIM_R_START_WAIT: return "Thread.start()";
    case SIM_R_SWITCH_WAIT: return "wait for the hand-over";
    case SIM_R_WAIT_CORE: return "wait for a core";
    case SIM_R_WAIT_GIL: return "wait for the GIL";
    default: return "previous step";
    }
}

static const char *holder_name(const Explainer *ex, Names *ns, const SimRecord *r, size_t rec, uint32_t g);

/* What a deadlocked thread waits for, briefly: "lock 'L'", "join of t". */
static const char *deadlock_target(const Explainer *ex, size_t rec, char *buf, size_t n)
{
    SimWait w;
    sim_trace_wait(ex->tr, rec, &w);
    Names ns = {.k = 0};
    switch (w.kind) {
    case SIM_WAIT_OBJECT:
        snprintf(buf, n, "%s '%s'", obj_kind_name(ex->tr, w.object), obj_name(ex->tr, w.object));
        break;
    case SIM_WAIT_JOIN_THREAD:
        snprintf(buf, n, "join() of %s", w.thread != SIM_NONE ? nm(ex, &ns, w.thread) : "?");
        break;
    case SIM_WAIT_JOIN_PROCESS:
        snprintf(buf, n, "join() of process %s", w.process != SIM_NONE ? pname(ex, w.process) : "?");
        break;
    case SIM_WAIT_START:
        snprintf(buf, n, "Thread.start() of %s", w.thread != SIM_NONE ? nm(ex, &ns, w.thread) : "?");
        break;
    default:
        snprintf(buf, n, "%s", sim_wait_kind_name(w.kind));
        break;
    }
    return buf;
}

/* ---- What changed ------------------------------------------------------------ */

char *explain_what(const Explainer *ex, size_t rec, char *buf, size_t n)
{
    buf[0] = '\0';
    if (rec >= ex->n)
        return buf;
    const SimRecord *r = &ex->r[rec];
    Names ns = {.k = 0};
    Times ts = {.k = 0};
    const char *x = nm(ex, &ns, r->thread);
    const char *o = r->other && r->other - 1 < ex->nt ? nm(ex, &ns, r->other - 1) : NULL;
    switch (r->kind) {
    case SIM_REC_STATE: {
        SimReason why = (SimReason)r->reason;
        SimReason before = reason_before(ex, r->thread, rec);
        size_t nx = next_state(ex, r->thread, rec);
        SimTime len = nx != NONE ? ex->r[nx].t - r->t : -1;
        char lasting[64] = "";
        if (len > 0)
            snprintf(lasting, sizeof(lasting), " (%s)", dur(&ts, len));
        switch (SIM_REC_NEW_STATE(r)) {
        case SIM_ST_RUNNING:
            if (before == SIM_R_WAIT_CORE)
                snprintf(buf, n, "%s got core %u and runs %s", x, r->arg, doing(why));
            else if (why == SIM_R_NOGIL)
                snprintf(buf, n, "%s runs C code without the GIL on core %u%s", x, r->arg, lasting);
            else if (why == SIM_R_C_CALL && owed_work(ex, r->thread, (SimCause)r->cause))
                snprintf(buf, n, "%s runs %s holding the GIL on core %u%s", x,
                         owed_work(ex, r->thread, (SimCause)r->cause), r->arg, lasting);
            else if (why == SIM_R_C_CALL)
                snprintf(buf, n, "%s runs a C call holding the GIL on core %u%s", x, r->arg, lasting);
            else
                snprintf(buf, n, "%s holds the GIL and runs Python on core %u%s", x, r->arg, lasting);
            break;
        case SIM_ST_RUNNABLE:
            if (why == SIM_R_WAIT_CORE)
                snprintf(buf, n, "%s is ready to run but waits for a core%s", x, lasting);
            else
                snprintf(buf, n, "%s waits for the GIL, which %s holds%s", x,
                         holder_name(ex, &ns, r, rec, gil_of_thread(ex, r->thread)), lasting);
            break;
        case SIM_ST_BLOCKED: {
            char w[160];
            size_t b = block_record(ex, r->thread, rec);
            switch (why) {
            case SIM_R_IO:
                if (b != NONE)
                    snprintf(buf, n, "%s blocks in %s%s, without the GIL", x,
                             explain_wait_label(ex->tr, ex->r[b].arg, ex->r[b].reason, r->thread, true, w,
                                                sizeof(w)),
                             lasting);
                else
                    snprintf(buf, n, "%s started I/O%s, without the GIL", x, lasting);
                break;
            case SIM_R_SLEEP:
                snprintf(buf, n, "%s sleeps%s, without the GIL", x, lasting);
                break;
            case SIM_R_LOCK:
                if (b != NONE)
                    snprintf(buf, n, "%s waits for %s%s", x,
                             explain_wait_label(ex->tr, ex->r[b].arg, ex->r[b].reason, r->thread, true, w,
                                                sizeof(w)),
                             lasting);
                else
                    snprintf(buf, n, "%s blocks on a lock%s", x, lasting);
                break;
            case SIM_R_JOIN:
                if (o)
                    snprintf(buf, n, "%s waits in join() for %s%s", x, o, lasting);
                else
                    snprintf(buf, n, "%s waits in join()%s", x, lasting);
                break;
            case SIM_R_SWITCH_WAIT:
                snprintf(buf, n, "%s waits until another thread has taken the GIL%s", x, lasting);
                break;
            case SIM_R_START_WAIT:
                snprintf(buf, n, "%s waits in Thread.start() until %s has run%s", x, o ? o : "the new thread",
                         lasting);
                break;
            default:
                snprintf(buf, n, "%s is blocked (%s)%s", x, sim_reason_name(why), lasting);
                break;
            }
            break;
        }
        case SIM_ST_TERMINATED:
            if (why == SIM_R_KILLED && r->cause == SIM_C_FORK)
                snprintf(buf, n, "%s does not exist in the forked child", x);
            else if (why == SIM_R_KILLED && r->cause == SIM_C_SIGTERM)
                snprintf(buf, n, "%s was stopped where it was: terminate() sent its process SIGTERM", x);
            else if (why == SIM_R_KILLED && r->cause == SIM_C_SIGKILL)
                snprintf(buf, n, "%s was stopped where it was: kill() sent its process SIGKILL", x);
            else if (why == SIM_R_KILLED && r->cause == SIM_C_OS_EXIT)
                snprintf(buf, n, "%s was stopped where it was: os._exit() ended its process", x);
            else if (why == SIM_R_KILLED && r->cause == SIM_C_SHUTDOWN)
                snprintf(buf, n, "%s was stopped: its manager shut down once no process could use it", x);
            else if (why == SIM_R_KILLED)
                snprintf(buf, n, "%s (a daemon thread) was killed", x);
            else if (r->cause == SIM_C_ERROR)
                snprintf(buf, n, "%s ended with an exception", x);
            else
                snprintf(buf, n, "%s finished (Terminated)", x);
            break;
        default:
            snprintf(buf, n, "%s is new", x);
            break;
        }
        break;
    }
    case SIM_REC_GIL_ACQUIRE:
        if (r->cause == SIM_C_FORK)
            snprintf(buf, n, "%s holds the child's fresh GIL", x);
        else if (o && r->other - 1 != r->thread)
            snprintf(buf, n, "%s took the GIL (last held by %s)", x, o);
        else
            snprintf(buf, n, "%s took the GIL", x);
        break;
    case SIM_REC_GIL_DROP:
        if (r->state == SIM_DROP_FORCED)
            snprintf(buf, n, "%s dropped the GIL at a check point", x);
        else if (r->state == SIM_DROP_EXIT)
            snprintf(buf, n, "%s released the GIL as it ended", x);
        else
            snprintf(buf, n, "%s released the GIL", x);
        break;
    case SIM_REC_DROP_REQUEST:
        snprintf(buf, n, "%s set the drop request%s%s", x, o ? " for " : "", o ? o : "");
        break;
    case SIM_REC_GIL_TIMEOUT:
        snprintf(buf, n, "%s's timed wait for the GIL ran out", x);
        break;
    case SIM_REC_FAILED_WAKEUP:
        snprintf(buf, n, "%s woke up but %s has the GIL: a failed wake-up", x, o ? o : "another thread");
        break;
    case SIM_REC_PROC_START:
        snprintf(buf, n, "process %s started (%s)", pname(ex, r->arg),
                 sim_trace_process(ex->tr, r->arg) ? sim_trace_process(ex->tr, r->arg)->start_method : "?");
        break;
    case SIM_REC_PROC_EXIT:
        snprintf(buf, n, "process %s ended", pname(ex, r->arg));
        break;
    case SIM_REC_FORK:
        snprintf(buf, n, "%s called os.fork(): process %s", x, pname(ex, r->arg));
        break;
    case SIM_REC_DEADLOCK: {
        const SimThreadInfo *ti = sim_trace_thread(ex->tr, r->thread);
        size_t since = prev_state(ex, r->thread, rec + 1);
        char what[256];
        snprintf(buf, n, "%s of process %s is blocked forever, since %s: it waits for %s", ti ? ti->name : "?",
                 ti ? pname(ex, ti->process) : "?", at(&ts, since != NONE ? ex->r[since].t : r->t),
                 deadlock_target(ex, rec, what, sizeof(what)));
        break;
    }
    case SIM_REC_SYNC: {
        char ob[160];
        snprintf(ob, sizeof(ob), "%s '%s'", obj_kind_name(ex->tr, r->arg), obj_name(ex->tr, r->arg));
        unsigned k = r->other;
        switch (r->state) {
        case SIM_SYNC_ACQUIRE:
            if (r->reason == SIM_ACQ_FORK_ORPHAN)
                snprintf(buf, n, "the fork copied %s held by %s, who does not exist in the child", ob, x);
            else if (r->reason == SIM_ACQ_FORK_COPY)
                snprintf(buf, n, "the fork copied %s, still held by %s's copy", ob, x);
            else
                snprintf(buf, n, "%s acquired %s", x, ob);
            break;
        case SIM_SYNC_RELEASE:
            if (r->reason == SIM_REL_PARTIAL)
                snprintf(buf, n, "%s released %s once but still holds it", x, ob);
            else
                snprintf(buf, n, "%s released %s (%u waiting)", x, ob, k);
            break;
        case SIM_SYNC_BLOCK: {
            char w[160];
            snprintf(buf, n, "%s waits for %s (%u waiting)", x,
                     explain_wait_label(ex->tr, r->arg, r->reason, r->thread, true, w, sizeof(w)), k);
            break;
        }
        case SIM_SYNC_WAKE: snprintf(buf, n, "%s was woken by %s", x, ob); break;
        case SIM_SYNC_TIMEOUT: snprintf(buf, n, "%s gave up waiting for %s (timeout)", x, ob); break;
        case SIM_SYNC_TRY_FAIL: snprintf(buf, n, "%s tried %s without blocking and failed", x, ob); break;
        case SIM_SYNC_SET: snprintf(buf, n, "%s set %s, releasing %u", x, ob, k); break;
        case SIM_SYNC_CLEAR: snprintf(buf, n, "%s cleared %s", x, ob); break;
        case SIM_SYNC_NOTIFY: snprintf(buf, n, "%s notified %s, waking %u", x, ob, k); break;
        case SIM_SYNC_PASS: snprintf(buf, n, "%s passed %s", x, ob); break;
        case SIM_SYNC_BROKEN: snprintf(buf, n, "%s broke", ob); break;
        case SIM_SYNC_PUT: snprintf(buf, n, "%s put an item into %s (%u inside)", x, ob, k); break;
        case SIM_SYNC_GET: snprintf(buf, n, "%s took an item from %s (%u left)", x, ob, k); break;
        case SIM_SYNC_WRITE: {
            int lost = sim_write_lost(r);
            if (lost > 0)
                snprintf(buf, n, "%s wrote %s over %d newer update%s: lost", x, ob, lost, lost == 1 ? "" : "s");
            else if (lost < 0)
                snprintf(buf, n, "%s wrote %s from a stale read, raising it by %d", x, ob, 1 - lost);
            else
                snprintf(buf, n, "%s wrote %s", x, ob);
            break;
        }
        case SIM_SYNC_ERROR:
            snprintf(buf, n, "%s: %s on %s", x, sim_sync_error_message((SimSyncError)r->reason), ob);
            break;
        default:
            snprintf(buf, n, "%s: %s on %s", x, sim_sync_event_name((SimSyncEvent)r->state), ob);
            break;
        }
        break;
    }
    default:
        snprintf(buf, n, "%s: %s", x, sim_record_kind_name((SimRecordKind)r->kind));
        break;
    }
    return buf;
}

/* ---- Causes ------------------------------------------------------------------ */

/* Thread t's last GIL record of kind k on GIL g before rec. */
static size_t last_of_thread(const Explainer *ex, uint32_t t, size_t rec, uint8_t k)
{
    return find_back(ex, tlist(ex, t), rec, is_kind, &k);
}

/* Who holds GIL g just before record rec: SIM_NONE when it is free. */
static uint32_t holder_at(const Explainer *ex, uint32_t g, size_t rec)
{
    const List *l = glist(ex, g);
    size_t k = pos_before(l, rec, true);
    for (size_t steps = 0; k != SIZE_MAX && steps < MAX_WALK; steps++, k = k ? k - 1 : SIZE_MAX) {
        const SimRecord *r = &ex->r[l->i[k]];
        if (r->kind == SIM_REC_GIL_ACQUIRE)
            return r->thread;
        if (r->kind == SIM_REC_GIL_DROP)
            return SIM_NONE;
    }
    return SIM_NONE;
}

/* The holder a record names (other), else the GIL's holder then. */
static const char *holder_name(const Explainer *ex, Names *ns, const SimRecord *r, size_t rec, uint32_t g)
{
    if (r->other && r->other - 1 < ex->nt)
        return nm(ex, ns, r->other - 1);
    uint32_t h = g != SIM_NONE ? holder_at(ex, g, rec) : SIM_NONE;
    return h != SIM_NONE && h != r->thread ? nm(ex, ns, h) : "another thread";
}

/* The drop request pending on GIL g at rec: the last one since the last
 * acquisition. */
static size_t pending_request(const Explainer *ex, uint32_t g, size_t rec)
{
    const List *l = glist(ex, g);
    size_t k = pos_before(l, rec, true);
    for (size_t steps = 0; k != SIZE_MAX && steps < MAX_WALK; steps++, k = k ? k - 1 : SIZE_MAX) {
        const SimRecord *r = &ex->r[l->i[k]];
        if (r->kind == SIM_REC_DROP_REQUEST)
            return l->i[k];
        if (r->kind == SIM_REC_GIL_ACQUIRE)
            return NONE;
    }
    return NONE;
}

/* The record at rec's instant, before it, by another thread than t, that
 * made a thread exit (Terminated) in process p (non-daemon when asked). */
static size_t exit_at_instant(const Explainer *ex, size_t rec, uint32_t p, bool nondaemon)
{
    for (size_t i = rec, steps = 0; i-- > 0 && steps < MAX_WALK && ex->r[i].t == ex->r[rec].t; steps++) {
        const SimRecord *r = &ex->r[i];
        const SimThreadInfo *ti = sim_trace_thread(ex->tr, r->thread);
        if (r->kind == SIM_REC_STATE && SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED && ti && ti->process == p &&
            (!nondaemon || !ti->daemon) && r->reason == SIM_R_EXITED)
            return i;
    }
    return NONE;
}

/* An operation of thread *arg on a Lock or RLock (a semaphore's acquire
 * takes a slot, not the lock). */
static bool is_own_lock_op(const Explainer *ex, const SimRecord *r, const void *arg)
{
    if (r->kind != SIM_REC_SYNC || r->thread != *(const uint32_t *)arg)
        return false;
    const char *k = obj_kind_name(ex->tr, r->arg);
    return strcmp(k, "lock") == 0 || strcmp(k, "rlock") == 0;
}

/* The acquire of the lock thread X still holds just before rec, when its
 * last operation on a Lock or RLock took one; NONE otherwise (an RLock
 * released once of twice is not seen). */
static size_t lock_held(const Explainer *ex, uint32_t X, size_t rec)
{
    size_t k = find_back(ex, tlist(ex, X), rec, is_own_lock_op, &X);
    return k != NONE && ex->r[k].state == SIM_SYNC_ACQUIRE ? k : NONE;
}

/* Where a thread went to sleep: its state became Blocked. */
static bool is_block(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    (void)arg;
    return r->kind == SIM_REC_STATE && SIM_REC_NEW_STATE(r) == SIM_ST_BLOCKED;
}

/* The timed wait that a GIL timeout of thread t ended: its start. */
static bool starts_wait(const Explainer *ex, const SimRecord *r, const void *arg)
{
    (void)ex;
    (void)arg;
    return (r->kind == SIM_REC_STATE && r->reason == SIM_R_WAIT_GIL) || r->kind == SIM_REC_FAILED_WAKEUP ||
           r->kind == SIM_REC_DROP_REQUEST || r->kind == SIM_REC_GIL_TIMEOUT ||
           (r->kind == SIM_REC_STATE && r->reason != SIM_R_WAIT_GIL);
}

/* The other thread's record that woke t on object o at rec's instant. */
static size_t waker(const Explainer *ex, size_t rec, uint32_t o, uint32_t t)
{
    for (size_t i = rec, steps = 0; i-- > 0 && steps < MAX_WALK && ex->r[i].t == ex->r[rec].t; steps++) {
        const SimRecord *r = &ex->r[i];
        if (r->thread == t)
            continue;
        if (r->kind == SIM_REC_SYNC && r->arg == o && r->state != SIM_SYNC_WAKE && r->state != SIM_SYNC_BLOCK)
            return i;
        if (r->kind == SIM_REC_STATE && SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED)
            return i; /* a pool's last worker ended: shutdown returns */
    }
    return NONE;
}

/* Whether thread w, woken on object o by record wake, is still on its way
 * back at record rec: no acquire or new wait of its own on o between. */
static bool still_waking(const Explainer *ex, uint32_t o, size_t wake, size_t rec, uint32_t w)
{
    const List *l = olist(ex, o);
    size_t k = pos_before(l, wake, false);
    for (size_t steps = 0; ++k < l->n && l->i[k] < rec && steps < MAX_WALK; steps++) {
        const SimRecord *r = &ex->r[l->i[k]];
        if (r->thread == w && r->kind == SIM_REC_SYNC &&
            (r->state == SIM_SYNC_ACQUIRE || r->state == SIM_SYNC_BLOCK || r->state == SIM_SYNC_TIMEOUT))
            return false;
    }
    return true;
}

/* What thread X's wake-up cost (the C work at rec, cause SIM_C_WAKE_COST)
 * paid for: the sleepers its last operation woke (the record of the first
 * in *woke) and, after a lock release with nobody left asleep, the waiter
 * an earlier release woke that was not back yet (*idle, and its wake-up in
 * *idle_wake; glibc's semaphore still counts it). NONE where there is none. */
static void wake_cost_parts(const Explainer *ex, uint32_t X, size_t from, size_t rec, size_t *woke, int *n_woke,
                            size_t *idle, size_t *idle_wake)
{
    *woke = *idle = *idle_wake = NONE;
    *n_woke = 0;
    const List *l = tlist(ex, X);
    size_t k = from == NONE ? SIZE_MAX : pos_before(l, from, false);
    for (size_t steps = 0; (k = k == SIZE_MAX ? 0 : k + 1) < l->n && l->i[k] < rec && steps < MAX_WALK; steps++) {
        size_t s = l->i[k];
        const SimRecord *op = &ex->r[s];
        if (op->kind != SIM_REC_SYNC || op->thread != X)
            continue;
        int before = *n_woke;
        /* The wake-ups it made follow it at the same instant. */
        for (size_t i = s + 1; i < rec && ex->r[i].t == op->t && ex->r[i].thread != X && i - s < MAX_WALK; i++)
            if (ex->r[i].kind == SIM_REC_SYNC && ex->r[i].state == SIM_SYNC_WAKE) {
                if (*woke == NONE)
                    *woke = i;
                (*n_woke)++;
            }
        if (*n_woke > before || op->state != SIM_SYNC_RELEASE || *idle != NONE)
            continue;
        const List *ol = olist(ex, op->arg);
        size_t j = pos_before(ol, s, true);
        for (size_t st = 0; j != SIZE_MAX && st < MAX_WALK; st++, j = j ? j - 1 : SIZE_MAX) {
            const SimRecord *r = &ex->r[ol->i[j]];
            if (r->kind == SIM_REC_SYNC && r->state == SIM_SYNC_WAKE) {
                if (still_waking(ex, op->arg, ol->i[j], s, r->thread)) {
                    *idle = s;
                    *idle_wake = ol->i[j];
                }
                break;
            }
        }
    }
}

static size_t join_target_end(const Explainer *ex, size_t block, size_t rec)
{
    const SimRecord *b = &ex->r[block];
    if (b->other && b->other - 1 < ex->nt) {
        uint32_t j = b->other - 1;
        const List *l = tlist(ex, j);
        size_t k = pos_before(l, rec, false);
        for (size_t steps = 0; k != SIZE_MAX && steps < MAX_WALK; steps++, k = k ? k - 1 : SIZE_MAX) {
            const SimRecord *r = &ex->r[l->i[k]];
            if (r->kind == SIM_REC_STATE && SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED)
                return l->i[k];
        }
        return NONE;
    }
    /* A process join: the last process exit at or before the wake-up. */
    for (size_t i = rec + 1, steps = 0; i-- > block && steps < 4 * MAX_WALK; steps++)
        if (ex->r[i].kind == SIM_REC_PROC_EXIT)
            return i;
    return NONE;
}

/* The run's GIL is CPython's old one (3.1 and earlier): no timed wait, no
 * drop request, a release and re-take every check interval. */
static bool is_old_gil(const SimRunInfo *info)
{
    return info->gil_policy && strcmp(info->gil_policy, "old") == 0;
}

/*
 * The cause of record rec and, when why != NULL, the sentence that tells
 * it. Both come from one place so the arrows and the words cannot differ.
 */
static size_t cause_of(const Explainer *ex, size_t rec, char *why, size_t wn)
{
    char sink[8];
    if (!why) {
        why = sink;
        wn = sizeof(sink);
    }
    why[0] = '\0';
    if (rec >= ex->n)
        return NONE;
    const SimRecord *r = &ex->r[rec];
    uint32_t X = r->thread;
    Names ns = {.k = 0};
    Times ts = {.k = 0};
    const char *x = nm(ex, &ns, X);
    const SimRunInfo *info = sim_trace_info(ex->tr);
    size_t c = NONE;

    switch (r->kind) {
    case SIM_REC_GIL_ACQUIRE: {
        uint32_t g = r->arg;
        if (r->cause == SIM_C_FORK) {
            c = last_of_thread(ex, X, rec + 1, SIM_REC_FORK);
            snprintf(why, wn, "os.fork() gives the child a fresh GIL, held by the copy of the forking thread");
            break;
        }
        if (r->cause == SIM_C_GIL_SIGNAL) {
            c = find_back(ex, glist(ex, g), rec, is_drop, NULL);
            if (c != NONE) {
                const SimRecord *d = &ex->r[c];
                const char *h = nm(ex, &ns, d->thread);
                const char *how = d->state == SIM_DROP_FORCED ? "dropped the GIL at a check point"
                                  : d->state == SIM_DROP_EXIT ? "released the GIL as it ended"
                                                              : "released the GIL";
                char asked[200] = "";
                size_t q = d->state == SIM_DROP_FORCED ? pending_request(ex, g, c) : NONE;
                if (q != NONE)
                    snprintf(asked, sizeof(asked), " (%s had set the drop request at %s)",
                             nm(ex, &ns, ex->r[q].thread), at(&ts, ex->r[q].t));
                char drop[320]; /* what h did: "dropped the GIL at 5 ms (...)" */
                snprintf(drop, sizeof(drop), "%s at %s%s", how, at(&ts, d->t), asked);
                /* What decided the take comes first: a narrow panel shows
                 * only the first line or two. */
                if (d->t == r->t && d->state == SIM_DROP_FORCED && is_old_gil(info))
                    snprintf(why, wn, "woken by one of %s's earlier releases, %s looked again as %s released the "
                                      "GIL at its check interval (%s) and found the lock free while the release "
                                      "was still in its futex wake",
                             h, x, h, at(&ts, d->t));
                else if (r->state == SIM_ACQ_AWAKE)
                    snprintf(why, wn, "%s, still awake in its wait, took the signal itself %s after it was sent, "
                                      "with no wake-up to pay: %s %s and signalled",
                             x, dur(&ts, r->t - d->t), h, drop);
                else if (r->state == SIM_ACQ_ALONE)
                    snprintf(why, wn, "glibc's condition variable sent the signal to %s alone, as %s had waited "
                                      "since before the previous signal, which passed it over, so no newer waiter "
                                      "could take it: %s %s and signalled; the OS woke %s, which took the GIL %s "
                                      "later",
                             x, x, h, drop, x, dur(&ts, r->t - d->t));
                else if (r->state == SIM_ACQ_MISSED)
                    snprintf(why, wn, "the futex woke the longest sleeper, %s: the newest waiter, still awake in "
                                      "its wait, missed the signal, which it usually takes before it blocks. %s "
                                      "%s and signalled; %s took the GIL %s later",
                             x, h, drop, x, dur(&ts, r->t - d->t));
                else
                    snprintf(why, wn, "the OS woke %s, which took the GIL %s later (the wake-up latency), on the "
                                      "signal of %s, which %s",
                             x, dur(&ts, r->t - d->t), h, drop);
            }
            break;
        }
        if (r->cause == SIM_C_GIL_TIMEOUT) {
            c = last_of_thread(ex, X, rec, SIM_REC_GIL_TIMEOUT);
            if (c != NONE)
                snprintf(why, wn, "%s's timed wait ran out at %s and, once it ran again, the GIL was free", x,
                         at(&ts, ex->r[c].t));
            break;
        }
        /* gil_free: what the taker finished just before. */
        c = prev_state(ex, X, rec);
        size_t d = find_back(ex, glist(ex, g), rec, is_drop, NULL);
        char freed[256] = "nobody held it yet";
        if (d != NONE) {
            const SimRecord *dr = &ex->r[d];
            const char *h = nm(ex, &ns, dr->thread);
            size_t after = next_state(ex, dr->thread, d);
            SimReason went = after != NONE && ex->r[after].t == dr->t ? (SimReason)ex->r[after].reason
                                                                       : (SimReason)SIM_REASON_COUNT;
            if (dr->thread == X)
                snprintf(freed, sizeof(freed), "%s itself had released it at %s", x, at(&ts, dr->t));
            else if (dr->state == SIM_DROP_VOLUNTARY && went < SIM_REASON_COUNT)
                snprintf(freed, sizeof(freed), "%s had released it at %s for %s", h, at(&ts, dr->t), doing(went));
            else
                snprintf(freed, sizeof(freed), "%s had released it at %s", h, at(&ts, dr->t));
        }
        if (c == NONE) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            snprintf(why, wn, "%s started (process %s began) and found the GIL free (%s)", x,
                     ti ? pname(ex, ti->process) : "?", freed);
        } else {
            SimReason before = (SimReason)ex->r[c].reason;
            snprintf(why, wn, "%s finished its %s (%s) and called take_gil: the GIL was free, %s", x,
                     doing(before), dur(&ts, r->t - ex->r[c].t), freed);
        }
        break;
    }
    case SIM_REC_GIL_DROP: {
        uint32_t g = r->arg;
        if (r->state == SIM_DROP_FORCED) {
            c = pending_request(ex, g, rec);
            if (c != NONE)
                snprintf(why, wn, "%s had set the drop request at %s; %s saw it at its next check point, %s later",
                         nm(ex, &ns, ex->r[c].thread), at(&ts, ex->r[c].t), x, dur(&ts, r->t - ex->r[c].t));
            else if (is_old_gil(info))
                snprintf(why, wn, "the old GIL is released every check interval, and a woken waiter looked while "
                                  "the release was still in its futex wake, so the lock was free");
            else
                snprintf(why, wn, "%s let go at a check point while another thread waited", x);
            break;
        }
        c = prev_state(ex, X, rec);
        if (r->cause == SIM_C_DAEMON_KILL) {
            snprintf(why, wn, "%s was killed while holding the GIL", x);
            break;
        }
        if (r->state == SIM_DROP_EXIT) {
            snprintf(why, wn, "%s's program ended; a thread releases the GIL as it exits", x);
            break;
        }
        size_t after = next_state(ex, X, rec);
        SimReason went = after != NONE && ex->r[after].t == r->t ? (SimReason)ex->r[after].reason : SIM_R_NEW;
        if (went == SIM_R_SWITCH_WAIT) {
            size_t b = after != NONE ? next_state(ex, X, after) : NONE;
            went = b != NONE ? (SimReason)ex->r[b].reason : SIM_R_NEW;
        }
        snprintf(why, wn, "%s's program reached %s, a call that releases the GIL while it waits",
                 x, went == SIM_R_IO ? "an I/O operation" : went == SIM_R_SLEEP ? "time.sleep()"
                    : went == SIM_R_NOGIL ? "C work that releases the GIL"
                    : went == SIM_R_LOCK ? "a blocking wait on an object"
                    : went == SIM_R_JOIN ? "a join()" : went == SIM_R_START_WAIT ? "Thread.start()"
                    : "a blocking call");
        break;
    }
    case SIM_REC_DROP_REQUEST: {
        c = last_of_thread(ex, X, rec, SIM_REC_GIL_TIMEOUT);
        size_t w0 = c != NONE ? find_back(ex, tlist(ex, X), c, starts_wait, NULL) : NONE;
        const char *h = r->other && r->other - 1 < ex->nt ? nm(ex, &ns, r->other - 1) : "the holder";
        if (c != NONE)
            snprintf(why, wn, "%s's timed wait of one switch interval (%s, since %s) ran out at %s and the GIL "
                              "had not changed hands meanwhile (%s still held it), so take_gil asks %s to drop it",
                     x, dur(&ts, info->switch_interval), at(&ts, w0 != NONE ? ex->r[w0].t : ex->r[c].t - info->switch_interval),
                     at(&ts, ex->r[c].t), h, h);
        break;
    }
    case SIM_REC_GIL_TIMEOUT: {
        c = find_back(ex, tlist(ex, X), rec, starts_wait, NULL);
        if (c != NONE && r->t - ex->r[c].t > info->switch_interval)
            snprintf(why, wn, "%s has waited %s on the GIL's condition variable since %s without being signalled: "
                              "one switch interval (%s)%s",
                     x, dur(&ts, r->t - ex->r[c].t), at(&ts, ex->r[c].t), dur(&ts, info->switch_interval),
                     r->state == SIM_TIMEOUT_HELD
                         ? " and the timer's slack, and then the OS left it queued on the CPU it last ran on, "
                           "busy with another thread, while another CPU idled"
                         : ", then the timer's slack and the time until it ran again");
        else if (c != NONE)
            snprintf(why, wn, "%s has waited one switch interval (%s) on the GIL's condition variable since %s "
                              "without being signalled",
                     x, dur(&ts, r->t - ex->r[c].t), at(&ts, ex->r[c].t));
        break;
    }
    case SIM_REC_FAILED_WAKEUP: {
        c = find_back(ex, glist(ex, r->arg), rec, is_drop, NULL);
        /* Under the old GIL the last drop on record can be the waiter's
         * own, lost at a release it did not catch; the signal came from a
         * release of the holder's, which has no record. (The new GIL
         * records every release that signals.) */
        if (c != NONE && ex->r[c].thread == X && is_old_gil(info))
            c = NONE;
        uint32_t me = X;
        size_t steal = c != NONE ? find_fwd(ex, glist(ex, r->arg), c, is_acquire_by_other, &me) : NONE;
        if (c == NONE && r->other && r->other - 1 < ex->nt) {
            /* The old GIL releases and re-takes at every check interval
             * without a record of the instant: the holder signalled and
             * won the race back. */
            const char *h = nm(ex, &ns, r->other - 1);
            snprintf(why, wn, "%s released the GIL at its check interval and signalled %s, but took the GIL "
                              "back before %s could run",
                     h, x, x);
        } else if (c != NONE)
            snprintf(why, wn, "%s's release at %s signalled %s, but before %s could run %s took the GIL%s%s",
                     nm(ex, &ns, ex->r[c].thread), at(&ts, ex->r[c].t), x, x,
                     steal != NONE && steal < rec ? nm(ex, &ns, ex->r[steal].thread) : "another thread",
                     steal != NONE && steal < rec ? " at " : "", steal != NONE && steal < rec ? at(&ts, ex->r[steal].t) : "");
        break;
    }
    case SIM_REC_PROC_START: {
        const SimProcessInfo *pi = sim_trace_process(ex->tr, r->arg);
        if (r->cause == SIM_C_FORK) {
            c = r->other ? last_of_thread(ex, r->other - 1, rec + 1, SIM_REC_FORK) : NONE;
            snprintf(why, wn, "%s called os.fork()", r->other ? nm(ex, &ns, r->other - 1) : "a thread");
        } else if (pi && pi->parent != SIM_NONE) {
            snprintf(why, wn, "process %s started it with the %s start method", pname(ex, pi->parent), pi->start_method);
        } else {
            snprintf(why, wn, "it is one of the scenario's processes, running from the start");
        }
        break;
    }
    case SIM_REC_PROC_EXIT:
        c = prev_state(ex, X, rec + 1);
        snprintf(why, wn, "its last non-daemon thread, %s, ended", x);
        break;
    case SIM_REC_FORK:
        c = prev_state(ex, X, rec);
        snprintf(why, wn, "%s's program reached os.fork()", x);
        break;
    case SIM_REC_DEADLOCK: {
        SimWait w;
        sim_trace_wait(ex->tr, rec, &w);
        c = prev_state(ex, X, rec + 1);
        if (w.kind == SIM_WAIT_OBJECT && w.holder != SIM_NONE) {
            uint8_t sk = SIM_REC_SYNC;
            const List *l = olist(ex, w.object);
            size_t k = pos_before(l, rec, true);
            for (size_t steps = 0; k != SIZE_MAX && steps < MAX_WALK; steps++, k = k ? k - 1 : SIZE_MAX) {
                const SimRecord *q = &ex->r[l->i[k]];
                if (q->kind == sk && q->state == SIM_SYNC_ACQUIRE) {
                    c = l->i[k];
                    break;
                }
            }
            const char *h = nm(ex, &ns, w.holder);
            if (w.holder_absent)
                snprintf(why, wn, "os.fork() copied %s '%s' at %s while %s held it; %s does not exist in process "
                                  "%s (only the forking thread is copied), so no thread can ever release it",
                         obj_kind_name(ex->tr, w.object), obj_name(ex->tr, w.object),
                         c != NONE ? at(&ts, ex->r[c].t) : "?", h, h, pname(ex, sim_trace_thread(ex->tr, X)->process));
            else
                snprintf(why, wn, "%s has held %s '%s' since %s and never releases it: it is stuck too", h,
                         obj_kind_name(ex->tr, w.object), obj_name(ex->tr, w.object),
                         c != NONE ? at(&ts, ex->r[c].t) : "?");
        } else if (w.kind == SIM_WAIT_OBJECT) {
            snprintf(why, wn, "no thread left can set, notify, release or feed %s '%s'",
                     obj_kind_name(ex->tr, w.object), obj_name(ex->tr, w.object));
        } else if (w.thread != SIM_NONE) {
            snprintf(why, wn, "%s never gets there: it is blocked forever too", nm(ex, &ns, w.thread));
        } else {
            char what[512];
            snprintf(why, wn, "nothing left can end its wait for %s", sim_trace_wait_text(ex->tr, rec, what, sizeof(what)));
        }
        break;
    }
    case SIM_REC_SYNC: {
        uint32_t o = r->arg;
        switch (r->state) {
        case SIM_SYNC_WAKE:
            c = waker(ex, rec, o, X);
            if (c != NONE) {
                char w[256];
                explain_what(ex, c, w, sizeof(w));
                snprintf(why, wn, "%s", w);
            }
            break;
        case SIM_SYNC_TIMEOUT:
            c = find_back(ex, tlist(ex, X), rec, is_kind, &(uint8_t){SIM_REC_SYNC});
            snprintf(why, wn, "its wait on %s '%s' had a timeout, and nothing let it through before it ran out",
                     obj_kind_name(ex->tr, o), obj_name(ex->tr, o));
            break;
        case SIM_SYNC_WRITE: {
            if (sim_write_lost(r) < 0) {
                /* Its read was older than a stale write that lowered the
                 * value since: this write raises it again. */
                c = prev_state(ex, X, rec);
                snprintf(why, wn, "%s's `%s += 1` had read the value before another thread's stale write "
                                  "lowered it, so its own write raises it by %d",
                         x, obj_name(ex->tr, o), 1 - sim_write_lost(r));
                break;
            }
            unsigned lost = (unsigned)sim_write_lost(r);
            if (!lost) {
                c = prev_state(ex, X, rec);
                snprintf(why, wn, "%s's `%s += 1` read the value and wrote it back with no other write between",
                         x, obj_name(ex->tr, o));
                break;
            }
            /* The writes in between are the last `lost` ones before. */
            const List *l = olist(ex, o);
            size_t k = pos_before(l, rec, true);
            size_t first = NONE;
            uint32_t who[4];
            int nw = 0;
            for (unsigned m = 0; k != SIZE_MAX && m < lost && m < MAX_WALK; k = k ? k - 1 : SIZE_MAX) {
                const SimRecord *wr = &ex->r[l->i[k]];
                if (wr->kind != SIM_REC_SYNC || wr->state != SIM_SYNC_WRITE)
                    continue;
                first = l->i[k];
                m++;
                bool seen = false;
                for (int q = 0; q < nw; q++)
                    seen |= who[q] == wr->thread;
                if (!seen && nw < 4)
                    who[nw++] = wr->thread;
            }
            c = first;
            char names[320] = "";
            for (int q = 0; q < nw; q++) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof(names) - len, "%s%s", q == 0 ? "" : q == nw - 1 ? " and " : ", ",
                         nm(ex, &ns, who[q]));
            }
            snprintf(why, wn, "%s read %s before %s's %u update%s (from %s) and wrote its own value over them: a "
                              "switch fell between the read and the write of `%s += 1`, so %s lost",
                     x, obj_name(ex->tr, o), names, lost, lost == 1 ? "" : "s",
                     first != NONE ? at(&ts, ex->r[first].t) : "?", obj_name(ex->tr, o),
                     lost == 1 ? "that update is" : "those updates are");
            break;
        }
        case SIM_SYNC_ACQUIRE:
            if (r->cause == SIM_C_OBJECT) {
                c = find_back(ex, tlist(ex, X), rec + 1, is_kind, &(uint8_t){SIM_REC_SYNC});
                if (c == rec)
                    c = find_back(ex, tlist(ex, X), rec, is_kind, &(uint8_t){SIM_REC_SYNC});
                snprintf(why, wn, "%s was woken when %s '%s' became free and won the retry", x,
                         obj_kind_name(ex->tr, o), obj_name(ex->tr, o));
                break;
            }
            /* fall through */
        default:
            c = prev_state(ex, X, rec);
            snprintf(why, wn, "%s's program reached this operation on %s '%s'", x, obj_kind_name(ex->tr, o),
                     obj_name(ex->tr, o));
            break;
        }
        break;
    }
    case SIM_REC_STATE: {
        SimReason R = (SimReason)r->reason;
        size_t p = prev_state(ex, X, rec);
        SimReason before = p != NONE ? (SimReason)ex->r[p].reason : SIM_R_NEW;
        SimTime since = p != NONE ? ex->r[p].t : -1;
        uint32_t g = gil_of_thread(ex, X);
        if (R == SIM_R_SWITCH_WAIT) {
            c = pending_request(ex, g, rec);
            if (c == NONE) {
                /* The request was cleared by the drop at this instant. */
                size_t d = last_of_thread(ex, X, rec, SIM_REC_GIL_DROP);
                c = d != NONE ? pending_request(ex, g, d) : NONE;
            }
            const char *rq = c != NONE ? nm(ex, &ns, ex->r[c].thread) : "a waiter";
            /* A drop with a lock held is how a lock convoy starts: said
             * first, as the panel may show only the first line. */
            size_t k = lock_held(ex, X, rec);
            if (r->cause == SIM_C_DROP_REQUEST && k != NONE)
                snprintf(why, wn, "%s dropped the GIL at its next check point still holding %s '%s' (taken at %s), "
                                  "so a thread that wants it now blocks on it; %s set the drop request%s%s, and by "
                                  "FORCE_SWITCHING %s must wait until another thread has taken the GIL",
                         x, obj_kind_name(ex->tr, ex->r[k].arg), obj_name(ex->tr, ex->r[k].arg),
                         at(&ts, ex->r[k].t), rq, c != NONE ? " at " : "", c != NONE ? at(&ts, ex->r[c].t) : "", x);
            else if (r->cause == SIM_C_DROP_REQUEST)
                snprintf(why, wn, "%s set the drop request%s%s; %s dropped the GIL at its next check point and, "
                                  "by FORCE_SWITCHING, must wait until another thread has taken it",
                         rq, c != NONE ? " at " : "", c != NONE ? at(&ts, ex->r[c].t) : "", x);
            else
                snprintf(why, wn, "%s released the GIL for a blocking call while %s's drop request was pending, "
                                  "so by FORCE_SWITCHING it waits until another thread has taken the GIL before "
                                  "it goes on",
                         x, rq);
            break;
        }
        if (r->cause == SIM_C_WAKE_COST) {
            /* The wake-ups: the operation before, which released, notified,
             * set or put. */
            size_t woke, idle, idle_wake;
            int n_woke;
            wake_cost_parts(ex, X, p, rec, &woke, &n_woke, &idle, &idle_wake);
            char a[512] = "", b[512] = "";
            if (woke != NONE) {
                const SimRecord *wr = &ex->r[woke];
                /* How long it slept decides the price (prim_wake). */
                size_t slept = find_back(ex, tlist(ex, wr->thread), woke, is_block, NULL);
                char asleep[96] = "";
                bool short_sleep = false;
                if (slept != NONE) {
                    SimTime d = wr->t - ex->r[slept].t;
                    short_sleep = d < info->short_sleep;
                    snprintf(asleep, sizeof(asleep), " for %s", dur(&ts, d));
                }
                snprintf(a, sizeof(a), "%s's last operation woke %s%s, asleep on %s '%s'%s (the futex wake call, the "
                                       "scheduler's queue and the interrupt to its CPU: %s)",
                         x, nm(ex, &ns, wr->thread), n_woke > 1 ? " and others" : "", obj_kind_name(ex->tr, wr->arg),
                         obj_name(ex->tr, wr->arg), asleep,
                         short_sleep ? "machine.short_sleep_wake_cost, as it went to sleep less than "
                                       "machine.short_sleep before"
                                     : "machine.wake_cost");
                c = woke;
            }
            if (idle != NONE) {
                const SimRecord *ir = &ex->r[idle], *iw = &ex->r[idle_wake];
                snprintf(b, sizeof(b), "%s released %s '%s' while %s, woken by a release at %s, was not back yet: "
                                       "glibc's semaphore still counts it as a waiter, so the release makes the "
                                       "futex wake call for nobody (machine.futex_wake_cost)",
                         woke != NONE ? "it also" : x, obj_kind_name(ex->tr, ir->arg), obj_name(ex->tr, ir->arg),
                         nm(ex, &ns, iw->thread), at(&ts, iw->t));
                if (c == NONE)
                    c = idle;
            }
            if (woke == NONE && idle == NONE) {
                c = p;
                snprintf(why, wn, "%s's last operation woke threads waiting on an object; the kernel's side runs in "
                                  "the waker, holding the GIL, before its next operation", x);
            } else {
                snprintf(why, wn, "%s%s%s; this runs in the waker, holding the GIL, before its next operation", a,
                         *a && *b ? "; " : "", b);
            }
            break;
        }
        if (r->cause == SIM_C_CHILD_BOOT) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            uint8_t ps = SIM_REC_PROC_START;
            c = find_back(ex, tlist(ex, X), rec, is_kind, &ps);
            snprintf(why, wn, "process %s has just been created; %s is its first thread, and a new process "
                              "does this C work before any of its Python runs",
                     ti ? pname(ex, ti->process) : "?", x);
            break;
        }
        if (r->cause == SIM_C_CHILD_EXIT) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            c = p;
            snprintf(why, wn, "%s's program ended; process %s exits (the interpreter finalizes, the kernel "
                              "tears the process down) before whoever waits for it can go on",
                     x, ti ? pname(ex, ti->process) : "?");
            break;
        }
        if (r->cause == SIM_C_DAEMON_KILL) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            c = ti ? exit_at_instant(ex, rec, ti->process, true) : NONE;
            snprintf(why, wn, "%s is a daemon thread: when %s, the last non-daemon thread of process %s, ended, "
                              "the interpreter shut down and killed it wherever it was",
                     x, c != NONE ? nm(ex, &ns, ex->r[c].thread) : "the last non-daemon thread",
                     ti ? pname(ex, ti->process) : "?");
            break;
        }
        if (before == SIM_R_SWITCH_WAIT) {
            uint32_t me = X;
            c = find_fwd(ex, glist(ex, g), p, is_acquire_by_other, &me);
            if (c != NONE && c < rec)
                snprintf(why, wn, "%s took the GIL at %s, which ends %s's wait for the hand-over; the OS woke %s "
                                  "(%s later)",
                         nm(ex, &ns, ex->r[c].thread), at(&ts, ex->r[c].t), x, x, dur(&ts, r->t - ex->r[c].t));
            else
                c = NONE;
            if (c != NONE && R == SIM_R_WAIT_GIL) {
                size_t len = strlen(why);
                const char *h = holder_name(ex, &ns, r, rec, g);
                snprintf(why + len, wn - len, "; it asks for the GIL back, but %s holds it", h);
            }
            break;
        }
        if (r->cause == SIM_C_FORK && R == SIM_R_KILLED) {
            snprintf(why, wn, "os.fork() copies only the thread that calls it");
            break;
        }
        if (r->cause == SIM_C_OBJECT || r->cause == SIM_C_TIMEOUT) {
            uint8_t sk = SIM_REC_SYNC;
            c = find_back(ex, tlist(ex, X), rec, is_kind, &sk);
            if (c != NONE && r->cause == SIM_C_OBJECT) {
                size_t wk = waker(ex, c, ex->r[c].arg, X);
                char w[320] = "";
                if (wk != NONE)
                    explain_what(ex, wk, w, sizeof(w));
                snprintf(why, wn, "%s%swoke %s from its wait on %s '%s'%s", w, *w ? ", which " : "",
                         x, obj_kind_name(ex->tr, ex->r[c].arg), obj_name(ex->tr, ex->r[c].arg),
                         R == SIM_R_WAIT_GIL ? "; it must take the GIL back before it goes on" : "");
            } else if (c != NONE) {
                snprintf(why, wn, "%s's timed wait on %s '%s' ran out", x, obj_kind_name(ex->tr, ex->r[c].arg),
                         obj_name(ex->tr, ex->r[c].arg));
            }
            break;
        }
        if (before == SIM_R_JOIN && p != NONE) {
            c = join_target_end(ex, p, rec);
            if (c != NONE && ex->r[c].kind == SIM_REC_PROC_EXIT)
                snprintf(why, wn, "process %s, which %s joined, ended at %s", pname(ex, ex->r[c].arg), x,
                         at(&ts, ex->r[c].t));
            else if (c != NONE)
                snprintf(why, wn, "%s, which %s joined, ended at %s", nm(ex, &ns, ex->r[c].thread), x,
                         at(&ts, ex->r[c].t));
            break;
        }
        if (before == SIM_R_START_WAIT && p != NONE) {
            const SimRecord *b = &ex->r[p];
            if (b->other && b->other - 1 < ex->nt) {
                c = find_fwd(ex, tlist(ex, b->other - 1), p, is_kind, &(uint8_t){SIM_REC_GIL_ACQUIRE});
                if (c != NONE && c < rec)
                    snprintf(why, wn, "%s, which %s started, took the GIL at %s: Thread.start() returns once the "
                                      "new thread has run",
                             nm(ex, &ns, b->other - 1), x, at(&ts, ex->r[c].t));
                else
                    c = NONE;
            }
            break;
        }
        if (r->cause == SIM_C_PREEMPTED) {
            c = p;
            snprintf(why, wn, "the OS preempted %s: its time slice ran out after %s on the core", x,
                     dur(&ts, since >= 0 ? r->t - since : 0));
            break;
        }
        if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING && R != SIM_R_NOGIL) {
            /* Running after taking the GIL at this instant (whatever the
             * record's own cause says: the take is what let it run). */
            size_t a = last_of_thread(ex, X, rec, SIM_REC_GIL_ACQUIRE);
            if (a != NONE && ex->r[a].t == r->t && before != SIM_R_PYTHON && before != SIM_R_C_CALL) {
                c = a;
                char w[768];
                cause_of(ex, a, w, sizeof(w));
                /* Now has already said that x took the GIL: the Why starts
                 * with what decided it, which a narrow panel must show. */
                snprintf(why, wn, "%s", *w ? w : "the GIL was free");
                break;
            }
        }
        if (p == NONE) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            uint8_t ps = SIM_REC_PROC_START;
            c = NONE;
            for (size_t i = rec + 1, steps = 0; i-- > 0 && steps < 4 * MAX_WALK; steps++)
                if (ex->r[i].kind == ps && ti && ex->r[i].arg == ti->process) {
                    c = i;
                    break;
                }
            /* A thread started by Thread.start(): the starter's wait. */
            for (size_t i = rec, steps = 0; i-- > 0 && steps < MAX_WALK; steps++)
                if (ex->r[i].kind == SIM_REC_STATE && ex->r[i].reason == SIM_R_START_WAIT &&
                    ex->r[i].other == X + 1) {
                    c = i;
                    break;
                }
            if (c != NONE && ex->r[c].kind == SIM_REC_STATE)
                snprintf(why, wn, "%s called %s.start() at %s", nm(ex, &ns, ex->r[c].thread), x, at(&ts, ex->r[c].t));
            else
                snprintf(why, wn, "%s has just started: process %s began", x, ti ? pname(ex, ti->process) : "?");
            if (SIM_REC_NEW_STATE(r) == SIM_ST_BLOCKED || R == SIM_R_NOGIL) {
                size_t d = last_of_thread(ex, X, rec, SIM_REC_GIL_DROP);
                size_t len = strlen(why);
                snprintf(why + len, wn - len, ", and its program reached %s at once%s",
                         R == SIM_R_IO ? "an I/O operation" : R == SIM_R_SLEEP ? "time.sleep()"
                         : R == SIM_R_NOGIL ? "C work that releases the GIL" : R == SIM_R_LOCK ? "a wait on an object"
                         : R == SIM_R_JOIN ? "a join()" : R == SIM_R_START_WAIT ? "Thread.start()" : "a blocking call",
                         d != NONE && ex->r[d].t == r->t ? ", which releases the GIL first" : "");
            }
            if (R == SIM_R_WAIT_GIL || R == SIM_R_WAIT_CORE) {
                size_t len = strlen(why);
                if (R == SIM_R_WAIT_GIL)
                    snprintf(why + len, wn - len, "; it needs the GIL to run Python, but %s holds it",
                             holder_name(ex, &ns, r, rec, gil_of_thread(ex, X)));
                else
                    snprintf(why + len, wn - len, "; every core is busy");
            }
            break;
        }
        /* Back from a wait on an object: what woke it, or its timeout. */
        if (before == SIM_R_LOCK || before == SIM_R_IO) {
            uint8_t sk = SIM_REC_SYNC;
            size_t w = find_back(ex, tlist(ex, X), rec + 1, is_kind, &sk);
            if (w != NONE && w > p && (ex->r[w].state == SIM_SYNC_WAKE || ex->r[w].state == SIM_SYNC_TIMEOUT ||
                                       ex->r[w].state == SIM_SYNC_ACQUIRE)) {
                uint32_t o = ex->r[w].arg;
                size_t wk = ex->r[w].state == SIM_SYNC_WAKE ? waker(ex, w, o, X) : NONE;
                char what[320] = "";
                if (wk != NONE)
                    explain_what(ex, wk, what, sizeof(what));
                c = wk != NONE ? wk : w;
                const char *h = holder_name(ex, &ns, r, rec, g);
                if (ex->r[w].state == SIM_SYNC_TIMEOUT)
                    snprintf(why, wn, "%s's wait on %s '%s' timed out", x, obj_kind_name(ex->tr, o), obj_name(ex->tr, o));
                else if (*what)
                    snprintf(why, wn, "%s, which woke %s from its wait on %s '%s' (%s)", what, x,
                             obj_kind_name(ex->tr, o), obj_name(ex->tr, o), dur(&ts, r->t - since));
                else
                    snprintf(why, wn, "%s '%s' let %s go on after %s", obj_kind_name(ex->tr, o), obj_name(ex->tr, o),
                             x, dur(&ts, r->t - since));
                if (R == SIM_R_WAIT_GIL) {
                    size_t len = strlen(why);
                    snprintf(why + len, wn - len, "; it must take the GIL back, but %s holds it", h);
                }
                break;
            }
        }
        /* What the thread finished: its previous state. */
        c = p;
        SimTime lasted = since >= 0 ? r->t - since : 0;
        if (R == SIM_R_WAIT_GIL && is_old_gil(info)) {
            /* No timed wait or drop request: a plain blocking acquire,
             * which one of the holder's releases lets in. */
            const char *h = holder_name(ex, &ns, r, rec, g);
            size_t d = last_of_thread(ex, X, rec, SIM_REC_GIL_DROP);
            if (d != NONE && ex->r[d].t == r->t && ex->r[d].state == SIM_DROP_FORCED)
                snprintf(why, wn, "%s released the GIL at its check interval and %s, woken earlier, looked while "
                                  "the lock was free and took it; %s blocks on the lock until one of %s's releases "
                                  "lets it in",
                         x, h, x, h);
            else
                snprintf(why, wn, "%s's %s ended (it lasted %s) and %s must take the GIL back, but %s holds it: %s "
                                  "blocks on the lock until one of %s's releases, every check interval, lets it in",
                         x, doing(before), dur(&ts, lasted), x, h, x, h);
            break;
        }
        if (R == SIM_R_WAIT_GIL) {
            const char *h = holder_name(ex, &ns, r, rec, g);
            if (before == SIM_R_WAIT_CORE)
                snprintf(why, wn, "%s got a core and called take_gil, but %s holds the GIL: %s waits on it, for "
                                  "at most one switch interval (%s) before it may ask %s to drop it",
                         x, h, x, dur(&ts, info->switch_interval), h);
            else
                snprintf(why, wn, "%s's %s ended (it lasted %s) and %s must take the GIL back, but %s holds it: "
                                  "%s waits, for at most one switch interval (%s) before it may ask %s to drop it",
                         x, doing(before), dur(&ts, lasted), x, h, x, dur(&ts, info->switch_interval), h);
            break;
        }
        if (R == SIM_R_WAIT_CORE) {
            snprintf(why, wn, "%s's %s ended and it is ready to run, but every core is busy", x, doing(before));
            break;
        }
        if (SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED) {
            snprintf(why, wn, "%s's program ended after %s of %s", x, dur(&ts, lasted), doing(before));
            break;
        }
        if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING && before == SIM_R_WAIT_CORE) {
            snprintf(why, wn, "a core became free after %s waited %s for one", x, dur(&ts, lasted));
            break;
        }
        if (SIM_REC_NEW_STATE(r) == SIM_ST_BLOCKED || R == SIM_R_NOGIL) {
            size_t d = last_of_thread(ex, X, rec, SIM_REC_GIL_DROP);
            bool dropped = d != NONE && ex->r[d].t == r->t;
            snprintf(why, wn, "after %s of %s, %s's program reached %s%s", dur(&ts, lasted), doing(before), x,
                     R == SIM_R_IO ? "an I/O operation" : R == SIM_R_SLEEP ? "time.sleep()"
                     : R == SIM_R_NOGIL ? "C work that releases the GIL" : R == SIM_R_LOCK ? "a wait on an object"
                     : R == SIM_R_JOIN ? "a join()" : R == SIM_R_START_WAIT ? "Thread.start()" : "a blocking call",
                     dropped ? ", which releases the GIL first" : "");
            break;
        }
        snprintf(why, wn, "%s's %s ended after %s and its program went on", x, doing(before), dur(&ts, lasted));
        break;
    }
    default:
        break;
    }
    return c;
}

size_t explain_cause(const Explainer *ex, size_t rec)
{
    return cause_of(ex, rec, NULL, 0);
}

char *explain_why(const Explainer *ex, size_t rec, char *buf, size_t n)
{
    cause_of(ex, rec, buf, n);
    return buf;
}

/* ---- Effects ----------------------------------------------------------------- */

static size_t effect_of(const Explainer *ex, size_t rec, char *next, size_t nn)
{
    char sink[8];
    if (!next) {
        next = sink;
        nn = sizeof(sink);
    }
    next[0] = '\0';
    if (rec >= ex->n)
        return NONE;
    const SimRecord *r = &ex->r[rec];
    uint32_t X = r->thread;
    Names ns = {.k = 0};
    Times ts = {.k = 0};
    const char *x = nm(ex, &ns, X);
    const SimRunInfo *info = sim_trace_info(ex->tr);
    size_t e = NONE;
    switch (r->kind) {
    case SIM_REC_DROP_REQUEST: {
        e = find_fwd(ex, glist(ex, r->arg), rec, is_drop, NULL);
        if (e != NONE)
            snprintf(next, nn, "%s drops the GIL at its next check point, at %s (%s later)",
                     nm(ex, &ns, ex->r[e].thread), at(&ts, ex->r[e].t), dur(&ts, ex->r[e].t - r->t));
        break;
    }
    case SIM_REC_GIL_DROP: {
        const List *l = glist(ex, r->arg);
        size_t k = pos_before(l, rec, false);
        for (k = k == SIZE_MAX ? 0 : k + 1; k < l->n && k < pos_before(l, rec, false) + MAX_WALK; k++) {
            const SimRecord *q = &ex->r[l->i[k]];
            if (q->kind == SIM_REC_GIL_ACQUIRE || q->kind == SIM_REC_FAILED_WAKEUP) {
                e = l->i[k];
                break;
            }
        }
        if (e != NONE && ex->r[e].kind == SIM_REC_GIL_ACQUIRE)
            snprintf(next, nn, "%s takes the GIL at %s (%s later)", nm(ex, &ns, ex->r[e].thread), at(&ts, ex->r[e].t),
                     dur(&ts, ex->r[e].t - r->t));
        else if (e != NONE)
            snprintf(next, nn, "%s is woken at %s but finds the GIL taken", nm(ex, &ns, ex->r[e].thread),
                     at(&ts, ex->r[e].t));
        else
            snprintf(next, nn, "nobody takes the GIL again");
        break;
    }
    case SIM_REC_GIL_TIMEOUT: {
        const List *l = tlist(ex, X);
        size_t k = pos_before(l, rec, false);
        for (k = k == SIZE_MAX ? 0 : k + 1; k < l->n; k++) {
            const SimRecord *q = &ex->r[l->i[k]];
            if (q->kind == SIM_REC_DROP_REQUEST || q->kind == SIM_REC_GIL_ACQUIRE || q->kind == SIM_REC_GIL_TIMEOUT ||
                q->kind == SIM_REC_STATE || q->kind == SIM_REC_FAILED_WAKEUP) {
                e = l->i[k];
                break;
            }
        }
        if (e != NONE && ex->r[e].kind == SIM_REC_DROP_REQUEST) {
            snprintf(next, nn, "no thread took the GIL during the wait, so once the OS runs %s it sets the drop "
                               "request, at %s",
                     x, at(&ts, ex->r[e].t));
        } else if (e != NONE && ex->r[e].kind == SIM_REC_GIL_ACQUIRE && ex->r[e].cause == SIM_C_GIL_TIMEOUT) {
            /* Taken on this very wake-up (a later signal would say so). */
            snprintf(next, nn, "the GIL is free when %s runs: it takes it at %s", x, at(&ts, ex->r[e].t));
        } else {
            /* A switch happened during the wait: no request, a fresh interval. */
            uint32_t me = X;
            size_t w0 = find_back(ex, tlist(ex, X), rec, starts_wait, NULL);
            size_t sw = w0 != NONE ? find_fwd(ex, glist(ex, r->arg), w0, is_acquire_by_other, &me) : NONE;
            if (sw != NONE && sw < rec)
                snprintf(next, nn, "no drop request: the GIL changed hands during the wait (%s took it at %s), so "
                                   "%s waits another full interval (%s)",
                         nm(ex, &ns, ex->r[sw].thread), at(&ts, ex->r[sw].t), x, dur(&ts, info->switch_interval));
            else
                snprintf(next, nn, "%s waits another interval", x);
            if (e != NONE && ex->r[e].kind != SIM_REC_GIL_TIMEOUT)
                e = NONE;
        }
        break;
    }
    case SIM_REC_FAILED_WAKEUP:
        if (is_old_gil(info))
            snprintf(next, nn, "%s blocks on the GIL again, until the holder's next release", x);
        else
            snprintf(next, nn, "%s waits on the GIL again, a fresh interval of %s", x, dur(&ts, info->switch_interval));
        e = find_fwd(ex, tlist(ex, X), rec, is_kind, &(uint8_t){SIM_REC_GIL_ACQUIRE});
        break;
    case SIM_REC_GIL_ACQUIRE: {
        size_t d = find_fwd(ex, tlist(ex, X), rec, is_kind, &(uint8_t){SIM_REC_GIL_DROP});
        e = next_state(ex, X, rec);
        if (e != NONE && ex->r[e].t == r->t)
            e = next_state(ex, X, e);
        if (d != NONE) {
            size_t after = next_state(ex, X, d);
            SimReason went = after != NONE && ex->r[after].t == ex->r[d].t ? (SimReason)ex->r[after].reason : SIM_R_NEW;
            const char *how = ex->r[d].state == SIM_DROP_FORCED ? "until a drop request makes it let go"
                              : ex->r[d].state == SIM_DROP_EXIT ? "until it ends"
                                                                : "until it releases it";
            snprintf(next, nn, "%s holds the GIL for %s, %s at %s%s%s", x, dur(&ts, ex->r[d].t - r->t), how,
                     at(&ts, ex->r[d].t), went == SIM_R_IO ? " (for I/O)" : went == SIM_R_SLEEP ? " (to sleep)" : "", "");
            e = d;
        } else {
            snprintf(next, nn, "%s holds the GIL to the end of the run", x);
        }
        break;
    }
    case SIM_REC_DEADLOCK:
        snprintf(next, nn, "nothing: no thread left can wake it");
        break;
    case SIM_REC_SYNC:
        if (r->state == SIM_SYNC_RELEASE || r->state == SIM_SYNC_SET || r->state == SIM_SYNC_NOTIFY ||
            r->state == SIM_SYNC_PUT || r->state == SIM_SYNC_GET || r->state == SIM_SYNC_PASS) {
            for (size_t i = rec + 1; i < ex->n && ex->r[i].t == r->t && i < rec + MAX_WALK; i++)
                if (ex->r[i].kind == SIM_REC_SYNC && ex->r[i].state == SIM_SYNC_WAKE && ex->r[i].arg == r->arg) {
                    e = i;
                    break;
                }
            if (e != NONE) {
                snprintf(next, nn, "it wakes %s, which must take the GIL before it goes on", nm(ex, &ns, ex->r[e].thread));
                break;
            }
        }
        e = next_state(ex, X, rec);
        if (e != NONE) {
            char w[512];
            snprintf(next, nn, "at %s %s", at(&ts, ex->r[e].t), explain_what(ex, e, w, sizeof(w)));
        }
        break;
    case SIM_REC_STATE: {
        SimReason R = (SimReason)r->reason;
        uint32_t g = gil_of_thread(ex, X);
        if (R == SIM_R_WAIT_GIL) {
            e = find_fwd(ex, tlist(ex, X), rec, is_kind, &(uint8_t){SIM_REC_GIL_ACQUIRE});
            size_t nx = next_state(ex, X, rec);
            if (e != NONE && (nx == NONE || ex->r[e].t <= ex->r[nx].t))
                snprintf(next, nn, "%s gets the GIL at %s, after waiting %s", x, at(&ts, ex->r[e].t),
                         dur(&ts, ex->r[e].t - r->t));
            else if (nx != NONE) {
                char w[512];
                e = nx;
                snprintf(next, nn, "at %s %s", at(&ts, ex->r[nx].t), explain_what(ex, nx, w, sizeof(w)));
            } else
                snprintf(next, nn, "%s never gets the GIL", x);
            break;
        }
        if (R == SIM_R_SWITCH_WAIT) {
            uint32_t me = X;
            e = find_fwd(ex, glist(ex, g), rec, is_acquire_by_other, &me);
            if (e != NONE)
                snprintf(next, nn, "%s takes the GIL at %s; only then may %s go on", nm(ex, &ns, ex->r[e].thread),
                         at(&ts, ex->r[e].t), x);
            break;
        }
        if (SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED) {
            const SimThreadInfo *ti = sim_trace_thread(ex->tr, X);
            for (size_t i = rec + 1; i < ex->n && ex->r[i].t == r->t && i < rec + MAX_WALK; i++) {
                const SimRecord *q = &ex->r[i];
                if (q->kind == SIM_REC_STATE && q->cause == SIM_C_DAEMON_KILL) {
                    e = i;
                    snprintf(next, nn, "the interpreter shuts down: daemon thread %s is killed", nm(ex, &ns, q->thread));
                    break;
                }
                if (q->kind == SIM_REC_PROC_EXIT && ti && q->arg == ti->process) {
                    e = i;
                    snprintf(next, nn, "process %s ends", pname(ex, q->arg));
                    break;
                }
            }
            if (e == NONE)
                snprintf(next, nn, "%s runs no more", x);
            break;
        }
        e = next_state(ex, X, rec);
        if (e != NONE) {
            char w[512];
            snprintf(next, nn, "at %s (%s later) %s", at(&ts, ex->r[e].t), dur(&ts, ex->r[e].t - r->t),
                     explain_what(ex, e, w, sizeof(w)));
        } else {
            /* The search stops after MAX_WALK of the thread's records: say
             * how far it looked, not that nothing follows. */
            const List *l = tlist(ex, X);
            size_t k = pos_before(l, rec, false);
            size_t last = k == SIZE_MAX ? 0 : k + MAX_WALK;
            if (last < l->n)
                snprintf(next, nn, "%s stays so past %s at least", x, at(&ts, ex->r[l->i[last]].t));
            else
                snprintf(next, nn, "%s stays so to the end of the run", x);
        }
        break;
    }
    default:
        e = next_state(ex, X, rec);
        if (e != NONE) {
            char w[512];
            snprintf(next, nn, "at %s %s", at(&ts, ex->r[e].t), explain_what(ex, e, w, sizeof(w)));
        }
        break;
    }
    return e;
}

size_t explain_effect(const Explainer *ex, size_t rec)
{
    return effect_of(ex, rec, NULL, 0);
}

char *explain_next(const Explainer *ex, size_t rec, char *buf, size_t n)
{
    effect_of(ex, rec, buf, n);
    return buf;
}

/* ---- The panel --------------------------------------------------------------- */

size_t explain_record_at(const Explainer *ex, SimTime t, uint32_t thread)
{
    if (thread == SIM_NONE || thread >= ex->nt) {
        size_t lo = 0, hi = ex->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ex->r[mid].t <= t)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo == 0 ? NONE : lo - 1;
    }
    const List *l = &ex->thread[thread];
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ex->r[l->i[mid]].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NONE;
    /* At an instant with several records, the lane's change (its state)
     * is the one to explain, unless the run found the thread stuck for
     * good right then: "blocked forever" says more about that state. */
    size_t last = lo - 1, state = NONE;
    SimTime when = ex->r[l->i[last]].t;
    for (size_t k = last + 1; k-- > 0 && ex->r[l->i[k]].t == when;) {
        if (ex->r[l->i[k]].kind == SIM_REC_DEADLOCK)
            return l->i[k];
        if (ex->r[l->i[k]].kind == SIM_REC_STATE && state == NONE)
            state = l->i[k];
    }
    return state != NONE ? state : l->i[last];
}

static void sentence(char *s, size_t n)
{
    size_t k = strlen(s);
    if (k == 0)
        return;
    if (s[k - 1] != '.' && k + 1 < n) {
        s[k] = '.';
        s[k + 1] = '\0';
    }
}

void explain_panel(const Explainer *ex, size_t rec, ExplainPanel *out)
{
    memset(out, 0, sizeof(*out));
    if (rec >= ex->n)
        return;
    const SimRecord *r = &ex->r[rec];
    char t[48];
    snprintf(out->head, sizeof(out->head), "at %s \xc2\xb7 record %zu of %zu (%s)",
             duration_text_rounded(r->t, 7, t, sizeof(t)), rec + 1, ex->n,
             sim_record_kind_name((SimRecordKind)r->kind));
    /* Now: the thread's records at this instant up to rec (at most three). */
    size_t idx[3];
    int k = 0;
    const List *l = tlist(ex, r->thread);
    size_t p = pos_before(l, rec, false);
    if (p != SIZE_MAX && l->i[p] == rec) {
        for (size_t j = p + 1; j-- > 0 && k < 3 && ex->r[l->i[j]].t == r->t;)
            idx[k++] = l->i[j];
    } else {
        idx[k++] = rec;
    }
    size_t used = 0;
    for (int j = k; j-- > 0;) {
        char clause[512];
        explain_what(ex, idx[j], clause, sizeof(clause));
        if (!*clause)
            continue;
        used += (size_t)snprintf(out->now + used, sizeof(out->now) - used, "%s%s", used ? "; " : "", clause);
        if (used >= sizeof(out->now))
            break;
    }
    sentence(out->now, sizeof(out->now));
    explain_why(ex, rec, out->why, sizeof(out->why));
    sentence(out->why, sizeof(out->why));
    explain_next(ex, rec, out->next, sizeof(out->next));
    sentence(out->next, sizeof(out->next));
}

static const char *short_label(const Explainer *ex, size_t rec)
{
    const SimRecord *r = &ex->r[rec];
    switch (r->kind) {
    case SIM_REC_GIL_ACQUIRE: return "takes the GIL";
    case SIM_REC_GIL_DROP:
        return r->state == SIM_DROP_FORCED ? "forced drop" : r->state == SIM_DROP_EXIT ? "ends, releases the GIL"
                                                                                        : "releases the GIL";
    case SIM_REC_DROP_REQUEST: return "drop request";
    case SIM_REC_GIL_TIMEOUT: return "timeout";
    case SIM_REC_FAILED_WAKEUP: return "woke, GIL taken";
    case SIM_REC_PROC_START: return "process starts";
    case SIM_REC_PROC_EXIT: return "process ends";
    case SIM_REC_FORK: return "os.fork()";
    case SIM_REC_DEADLOCK: return "blocked forever";
    case SIM_REC_SYNC:
        switch (r->state) {
        case SIM_SYNC_WAKE: return "woken";
        case SIM_SYNC_RELEASE: return "release";
        case SIM_SYNC_SET: return "set";
        case SIM_SYNC_NOTIFY: return "notify";
        case SIM_SYNC_PUT: return "put";
        case SIM_SYNC_GET: return "get";
        case SIM_SYNC_WRITE: return sim_write_lost(r) > 0 ? "lost update" : "write";
        case SIM_SYNC_BLOCK: return "blocks";
        case SIM_SYNC_ACQUIRE: return "acquires";
        default: return sim_sync_event_name((SimSyncEvent)r->state);
        }
    case SIM_REC_STATE: {
        SimReason R = (SimReason)r->reason;
        SimReason before = reason_before(ex, r->thread, rec);
        if (R == SIM_R_WAIT_GIL)
            return before == SIM_R_IO ? "I/O done \xe2\x86\x92 asks for the GIL"
                   : before == SIM_R_SLEEP ? "sleep done \xe2\x86\x92 asks for the GIL"
                                            : "asks for the GIL";
        if (R == SIM_R_SWITCH_WAIT)
            return "waits for the hand-over";
        if (R == SIM_R_IO)
            return "starts I/O";
        if (R == SIM_R_KILLED)
            return "killed";
        if (R == SIM_R_EXITED)
            return "ends";
        if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING)
            return "runs";
        if (SIM_REC_NEW_STATE(r) == SIM_ST_BLOCKED)
            return "blocks";
        return sim_reason_name(R);
    }
    default:
        return "";
    }
}

void explain_chain(const Explainer *ex, size_t rec, ExplainChain *out)
{
    memset(out, 0, sizeof(*out));
    if (rec >= ex->n)
        return;
    size_t chain[EXPLAIN_CHAIN_MAX];
    int n = 0;
    size_t cur = rec;
    while (cur != NONE && n < EXPLAIN_CHAIN_MAX) {
        /* A state change and the GIL record it goes with at the same
         * instant are one step of the story: keep the earlier one. */
        chain[n++] = cur;
        size_t c = explain_cause(ex, cur);
        if (c != NONE && c >= cur)
            break; /* causes lie before their effects; anything else is a bug */
        cur = c;
    }
    for (int i = 0; i < n; i++) {
        out->rec[i] = chain[n - 1 - i];
        out->label[i] = short_label(ex, out->rec[i]);
    }
    out->n = n;
}

/* ---- Process start-up -------------------------------------------------------- */

int explain_start_costs(const SimScenario *sc, ExplainStartCosts *out)
{
    memset(out, 0, sizeof(*out));
    char *cfg = sim_scenario_explain_config(sc);
    if (!cfg)
        return SIM_ERR_NOMEM;
    cJSON *root = cJSON_Parse(cfg);
    free(cfg);
    if (!root)
        return SIM_ERR_NOMEM;
    const cJSON *py = cJSON_GetObjectItemCaseSensitive(root, "python");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(py, "spawn_cost");
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(py, "forkserver_cost");
    if (cJSON_IsString(sp))
        sim_duration_parse(sp->valuestring, &out->spawn);
    if (cJSON_IsString(fs))
        sim_duration_parse(fs->valuestring, &out->forkserver);
    cJSON_Delete(root);
    return SIM_OK;
}

SimTime explain_launch_delay(const SimTrace *tr, const ExplainStartCosts *costs, uint32_t process)
{
    const SimProcessInfo *pi = sim_trace_process(tr, process);
    if (!costs || !pi || !pi->start_method)
        return -1;
    bool spawn = strcmp(pi->start_method, "spawn") == 0;
    bool server = strcmp(pi->start_method, "forkserver") == 0;
    if (!spawn && !server)
        return -1;
    SimTime delay = spawn ? costs->spawn : costs->forkserver;
    if (server) {
        /* The first forkserver child, in creation order, starts the server. */
        bool first = true;
        for (uint32_t p = 0; p < process; p++) {
            const SimProcessInfo *q = sim_trace_process(tr, p);
            first &= !(q && q->start_method && strcmp(q->start_method, "forkserver") == 0);
        }
        if (first)
            delay += costs->spawn;
    }
    return delay;
}

SimTime explain_process_launch(const SimTrace *tr, const ExplainStartCosts *costs, uint32_t process)
{
    SimTime delay = explain_launch_delay(tr, costs, process);
    if (delay < 0)
        return -1;
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    for (size_t i = 0; i < n; i++)
        if (r[i].kind == SIM_REC_PROC_START && r[i].arg == process)
            return r[i].t - delay >= 0 ? r[i].t - delay : 0;
    return -1;
}
