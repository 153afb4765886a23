/*
 * stats.c - per-thread and per-GIL statistics computed from a trace alone,
 * so that `run`, the exports and the viewer report the same figures.
 *
 * Latencies are exact (every sample kept, nearest-rank percentiles found by
 * selection rather than sorting), which is affordable because a trace
 * already stores every transition.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

typedef struct Samples {
    SimTime *v;
    size_t n, cap;
} Samples;

static bool samples_push(Samples *s, SimTime x)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        SimTime *nv = realloc(s->v, ncap * sizeof(*nv));
        if (!nv)
            return false;
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = x;
    return true;
}

/* Nearest-rank index (0-based) of the p-th percentile of n samples. */
static size_t rank_index(size_t n, double p)
{
    size_t k = (size_t)(p * (double)n + 0.999999999);
    return k < 1 ? 0 : (k > n ? n - 1 : k - 1);
}

/* The k-th smallest of v[lo..hi), k counted in the whole array: the value a
 * full sort would put at k, found by three-way partitioning in linear time.
 * Afterwards everything before k is <= v[k] and everything after is >=, so
 * a larger k can be searched in [k, hi) next. */
static SimTime select_kth(SimTime *v, size_t lo, size_t hi, size_t k)
{
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        SimTime a = v[lo], b = v[mid], c = v[hi - 1];
        SimTime pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (v[i] < pivot) {
                SimTime t = v[lt];
                v[lt++] = v[i];
                v[i++] = t;
            } else if (v[i] > pivot) {
                SimTime t = v[--gt];
                v[gt] = v[i];
                v[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return pivot;
    }
    return v[k];
}

/* Percentiles without sorting: the sweep summarizes thousands of runs. */
static void summarize(Samples *s, SimLatency *out)
{
    memset(out, 0, sizeof(*out));
    out->count = s->n;
    if (!s->n)
        return;
    double sum = 0;
    SimTime max = s->v[0];
    for (size_t i = 0; i < s->n; i++) {
        sum += (double)s->v[i];
        if (s->v[i] > max)
            max = s->v[i];
    }
    out->mean = (SimTime)(sum / (double)s->n);
    size_t k50 = rank_index(s->n, 0.50), k90 = rank_index(s->n, 0.90), k99 = rank_index(s->n, 0.99);
    out->p50 = select_kth(s->v, 0, s->n, k50);
    out->p90 = select_kth(s->v, k50, s->n, k90);
    out->p99 = select_kth(s->v, k90, s->n, k99);
    out->max = max;
}

/* Per-thread scan state. */
typedef struct Scan {
    uint32_t block_obj;   /* object it waits on, SIM_NONE if none */
    SimTime block_t;
    uint8_t block_list;
    SimReason reason;
    SimTime since;
    SimTime io_start;   /* -1 unless an I/O op is waiting to run Python again */
    SimTime gil_start;  /* -1 unless waiting for the GIL */
    Samples io, gil;
} Scan;

SimStats *sim_stats_compute(const SimTrace *tr)
{
    SimStats *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    uint32_t nt = sim_trace_thread_count(tr), ng = sim_trace_gil_count(tr);
    st->n_threads = (int)nt;
    st->n_gils = (int)ng;
    st->sim_time_ns = sim_trace_end(tr);
    st->records = sim_trace_count(tr);
    st->threads = calloc(nt ? nt : 1, sizeof(*st->threads));
    st->gils = calloc(ng ? ng : 1, sizeof(*st->gils));
    Scan *sc = calloc(nt ? nt : 1, sizeof(*sc));
    SimTime *gil_since = calloc(ng ? ng : 1, sizeof(SimTime));
    bool *gil_held = calloc(ng ? ng : 1, sizeof(bool));
    uint32_t no = sim_trace_object_count(tr);
    st->n_objects = (int)no;
    st->objects = calloc(no ? no : 1, sizeof(*st->objects));
    uint32_t np = sim_trace_process_count(tr);
    st->n_processes = (int)np;
    st->processes = calloc(np ? np : 1, sizeof(*st->processes));
    Samples *obj_wait = calloc(no ? no : 1, sizeof(Samples));
    int64_t *holders = calloc(no ? no : 1, sizeof(int64_t));
    uint32_t *owner = malloc((no ? no : 1) * sizeof(uint32_t)); /* an RLock's holding thread */
    bool *is_queue = calloc(no ? no : 1, sizeof(bool)), *is_rlock = calloc(no ? no : 1, sizeof(bool));
    bool ok = st->threads && st->gils && sc && gil_since && gil_held && st->objects && obj_wait && holders &&
              owner && is_queue && is_rlock && st->processes;
    for (uint32_t o = 0; ok && o < no; o++) {
        const char *kind = sim_trace_object(tr, o)->kind;
        owner[o] = SIM_NONE;
        is_queue[o] = kind && strcmp(kind, "queue") == 0;
        is_rlock[o] = kind && strcmp(kind, "rlock") == 0;
    }
    for (uint32_t i = 0; ok && i < nt; i++) {
        sc[i].reason = SIM_R_NEW;
        sc[i].io_start = sc[i].gil_start = -1;
        sc[i].block_obj = SIM_NONE;
        st->threads[i].started_ns = st->threads[i].finished_ns = -1;
    }
    const SimRecord *recs = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    for (size_t i = 0; ok && i < n; i++) {
        const SimRecord *r = &recs[i];
        if (r->kind == SIM_REC_SYNC && r->arg < no) {
            SimObjectStats *os = &st->objects[r->arg];
            Scan *s = r->thread < nt ? &sc[r->thread] : NULL;
            switch ((SimSyncEvent)r->state) {
            case SIM_SYNC_ACQUIRE:
                if (r->reason == 0) /* not an ownership inherited by a fork */
                    os->acquisitions++;
                if (s && s->block_obj == r->arg && r->reason == 0)
                    os->contended++;
                /* An RLock taken again by its holder has still one holder. */
                if (!(is_rlock[r->arg] && owner[r->arg] == r->thread) &&
                    ++holders[r->arg] > (int64_t)os->max_holders)
                    os->max_holders = (uint64_t)holders[r->arg];
                owner[r->arg] = r->thread;
                if (s && s->block_obj == r->arg)
                    s->block_obj = SIM_NONE;
                break;
            case SIM_SYNC_RELEASE:
                if (r->reason == 0 && holders[r->arg] > 0)
                    holders[r->arg]--;
                if (r->reason == 0)
                    owner[r->arg] = SIM_NONE;
                break;
            case SIM_SYNC_BLOCK:
                if (r->other > os->max_waiters)
                    os->max_waiters = r->other;
                if (s) {
                    s->block_obj = r->arg;
                    s->block_t = r->t;
                    s->block_list = r->reason;
                }
                break;
            case SIM_SYNC_WAKE:
            case SIM_SYNC_TIMEOUT: {
                bool blocked = s && s->block_obj == r->arg;
                /* A queue's timed-out get or put records its wait running
                 * out and then queue.Empty / queue.Full; one timeout. */
                if (r->state == SIM_SYNC_TIMEOUT && !(is_queue[r->arg] && blocked))
                    os->timeouts++;
                if (blocked) {
                    SimTime d = r->t - s->block_t;
                    ok = samples_push(&obj_wait[r->arg], d);
                    /* Summed over threads, so it could pass any time. */
                    if (s->block_list == 1)
                        os->put_blocked_ns = sim_time_add(os->put_blocked_ns, d);
                    else
                        os->get_blocked_ns = sim_time_add(os->get_blocked_ns, d);
                    /* A lock waiter still has to win the retry: keep it
                     * counted as contended until it acquires. */
                    s->block_t = r->t;
                    if (r->state == SIM_SYNC_TIMEOUT)
                        s->block_obj = SIM_NONE;
                }
                break;
            }
            case SIM_SYNC_PUT:
            case SIM_SYNC_GET:
                if (r->state == SIM_SYNC_PUT)
                    os->puts++;
                else
                    os->gets++;
                if (r->state == SIM_SYNC_PUT && r->other > os->max_items)
                    os->max_items = r->other;
                if (s && s->block_obj == r->arg) /* its wait is over */
                    s->block_obj = SIM_NONE;
                break;
            case SIM_SYNC_WRITE:
                os->writes++;
                os->lost += (uint64_t)(int64_t)sim_write_lost(r); /* signed: see SIM_SYNC_WRITE */
                break;
            case SIM_SYNC_STORE:
                os->stored += sim_store_delta(r);
                break;
            case SIM_SYNC_ERROR:
                os->errors++;
                break;
            default:
                break;
            }
            continue;
        }
        if (r->thread >= nt)
            continue;
        SimThreadStats *ts = &st->threads[r->thread];
        Scan *s = &sc[r->thread];
        switch (r->kind) {
        case SIM_REC_STATE: {
            SimReason nr = (SimReason)r->reason;
            if (s->reason != SIM_R_NEW)
                ts->state_ns[s->reason] += r->t - s->since;
            else
                ts->started_ns = r->t;
            s->reason = nr;
            s->since = r->t;
            st->transitions++;
            if (nr == SIM_R_IO)
                s->io_start = r->t;
            if (nr == SIM_R_WAIT_GIL && s->gil_start < 0)
                s->gil_start = r->t;
            /* An I/O operation, and a wait for the GIL, is over when the
             * thread runs again, whatever it runs next (the engine
             * records a Running state, if only for no time, before the
             * next blocking call or the thread's end). A daemon killed
             * meanwhile never finished it, and it does not count. */
            if (sim_reason_state(nr) == SIM_ST_RUNNING) {
                if (s->io_start >= 0) {
                    ok = samples_push(&s->io, r->t - s->io_start);
                    s->io_start = -1;
                }
                if (s->gil_start >= 0) {
                    ok = ok && samples_push(&s->gil, r->t - s->gil_start);
                    s->gil_start = -1;
                }
            }
            if (sim_reason_state(nr) == SIM_ST_TERMINATED)
                ts->finished_ns = r->t;
            break;
        }
        case SIM_REC_GIL_ACQUIRE:
            ts->gil_acquisitions++;
            if (r->arg < ng) {
                SimGilStats *g = &st->gils[r->arg];
                g->acquisitions++;
                if (r->other != 0 && r->other != r->thread + 1)
                    g->switches++;
                gil_since[r->arg] = r->t;
                gil_held[r->arg] = true;
            }
            break;
        case SIM_REC_GIL_DROP:
            if (r->arg < ng) {
                SimGilStats *g = &st->gils[r->arg];
                if (r->state == SIM_DROP_FORCED)
                    g->forced_drops++;
                else if (r->state == SIM_DROP_VOLUNTARY)
                    g->voluntary_drops++;
                if (gil_held[r->arg])
                    g->held_ns += r->t - gil_since[r->arg];
                gil_held[r->arg] = false;
            }
            break;
        case SIM_REC_DROP_REQUEST:
            if (r->arg < ng)
                st->gils[r->arg].drop_requests++;
            break;
        case SIM_REC_GIL_TIMEOUT:
            if (r->arg < ng)
                st->gils[r->arg].timeouts++;
            break;
        case SIM_REC_FAILED_WAKEUP:
            if (r->arg < ng)
                st->gils[r->arg].failed_wakeups++;
            break;
        case SIM_REC_PROC_EXIT:
            if (r->arg < np)
                st->processes[r->arg] = (SimProcessStats){true, r->cause, sim_exit_code(r)};
            break;
        default:
            break;
        }
    }
    SimTime end = sim_trace_end(tr);
    for (uint32_t i = 0; ok && i < nt; i++) {
        SimThreadStats *ts = &st->threads[i];
        Scan *s = &sc[i];
        if (s->reason != SIM_R_NEW && sim_reason_state(s->reason) != SIM_ST_TERMINATED)
            ts->state_ns[s->reason] += end - s->since;
        for (int r = 0; r < SIM_REASON_COUNT; r++) {
            switch (sim_reason_state((SimReason)r)) {
            case SIM_ST_RUNNING: ts->running_ns += ts->state_ns[r]; break;
            case SIM_ST_RUNNABLE: ts->runnable_ns += ts->state_ns[r]; break;
            case SIM_ST_BLOCKED: ts->blocked_ns += ts->state_ns[r]; break;
            default: break;
            }
        }
        ts->last_reason = (uint8_t)s->reason;
        summarize(&s->io, &ts->io);
        summarize(&s->gil, &ts->gil_wait);
    }
    for (uint32_t o = 0; ok && o < no; o++) {
        SimObjectStats *os = &st->objects[o];
        const SimObjectInfo *oi = sim_trace_object(tr, o);
        os->final = oi->initial + (int64_t)os->writes - (int64_t)os->lost + os->stored;
        summarize(&obj_wait[o], &os->wait);
    }
    for (uint32_t o = 0; obj_wait && o < no; o++)
        free(obj_wait[o].v);
    free(obj_wait);
    free(holders);
    free(owner);
    free(is_queue);
    free(is_rlock);
    for (uint32_t g = 0; ok && g < ng; g++)
        if (gil_held[g])
            st->gils[g].held_ns += end - gil_since[g];
    for (uint32_t i = 0; sc && i < nt; i++) {
        free(sc[i].io.v);
        free(sc[i].gil.v);
    }
    free(sc);
    free(gil_since);
    free(gil_held);
    if (!ok) {
        sim_stats_destroy(st);
        return NULL;
    }
    return st;
}

void sim_stats_destroy(SimStats *st)
{
    if (!st)
        return;
    free(st->threads);
    free(st->gils);
    free(st->objects);
    free(st->processes);
    free(st);
}
