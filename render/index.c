/*
 * index.c - turns a trace into lanes: per process a GIL lane, one lane
 * per thread and one per object it used (locks, semaphores, events,
 * queues, shared variables); objects no one process owns in a group of
 * their own; then one lane per core. Each lane is a time-sorted tiling of
 * spans with block prefix sums for level-of-detail summaries. Thread
 * spans carry a note of what they are about (the object a wait is on, the
 * thread or process a join waits for, a process a C call launched, a
 * process's start-up), thread lanes mark a thread's start, end, kill and
 * wait forever, and a shared variable's lane replays its value from its
 * initial one and each write's lost updates (value += 1 - lost).
 *
 * Two passes over the records: the first counts, so every array is
 * allocated once at its final size (ten million transitions must not pay
 * for repeated growth); the second fills.
 *
 * Invariant: in every lane t[0] == 0, t[n] == end, t is strictly
 * increasing and neighbouring spans have different values (equal-time
 * records overwrite, equal values merge).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "sim.h"

#define R_GROUP_ORPHANS (SIM_NONE - 1) /* threads whose process is unknown */
#define R_GROUP_SHARED (SIM_NONE - 2)  /* objects every process shares (pipes, mp queues) */

static int lane_alloc(RLane *ln, size_t max_spans, int ncat, size_t max_marks)
{
    ln->t = malloc((max_spans + 1) * sizeof(*ln->t));
    ln->v = malloc(max_spans * sizeof(*ln->v));
    ln->ncat = ncat;
    ln->cum = calloc((max_spans / R_LOD_BLOCK + 1) * (size_t)ncat, sizeof(*ln->cum));
    if (max_marks)
        ln->marks = malloc(max_marks * sizeof(*ln->marks));
    if (!ln->t || !ln->v || !ln->cum || (max_marks && !ln->marks))
        return SIM_ERR_NOMEM;
    ln->t[0] = 0;
    ln->v[0] = R_IDLE;
    ln->n = 1;
    return SIM_OK;
}

/* From time t on, the step function (tt, vv, *n spans) has `value`. */
static void step_set(SimTime *tt, uint32_t *vv, size_t *n, SimTime t, uint32_t value)
{
    size_t last = *n - 1;
    if (t <= tt[last]) {
        /* Same instant as the current span's start: the later record wins. */
        if (last > 0 && vv[last - 1] == value)
            (*n)--;
        else
            vv[last] = value;
        return;
    }
    if (vv[last] == value)
        return;
    tt[*n] = t;
    vv[*n] = value;
    (*n)++;
}

/* From time t on, the lane shows `value`. */
static void lane_set(RLane *ln, SimTime t, uint32_t value)
{
    step_set(ln->t, ln->v, &ln->n, t, value);
}

static uint32_t category(const RLane *ln, uint32_t v)
{
    if (ln->kind == R_LANE_THREAD)
        return v == R_IDLE ? SIM_REASON_COUNT : v;
    return 0; /* busy time only */
}

static void lane_finish(RLane *ln, SimTime end)
{
    /* A last span starting at `end` would be empty: drop it. */
    if (ln->n > 1 && ln->t[ln->n - 1] >= end)
        ln->n--;
    ln->t[ln->n] = end;
    int64_t *acc = ln->cum; /* block 0 starts at zero */
    for (size_t i = 0; i < ln->n; i++) {
        if (i % R_LOD_BLOCK == 0 && i > 0) {
            int64_t *next = ln->cum + (i / R_LOD_BLOCK) * (size_t)ln->ncat;
            memcpy(next, acc, (size_t)ln->ncat * sizeof(*acc));
            acc = next;
        }
        if (ln->kind == R_LANE_THREAD || ln->v[i] != R_IDLE)
            acc[category(ln, ln->v[i])] += ln->t[i + 1] - ln->t[i];
    }
}

static void lane_free(RLane *ln)
{
    free(ln->wt);
    free(ln->wv);
    free(ln->t);
    free(ln->v);
    free(ln->cum);
    free(ln->marks);
    free(ln->mip.hist);
    free(ln->mip.top);
    free(ln->note);
}

/* ---- Level-of-detail pyramid -------------------------------------------- */

typedef struct Scratch {
    uint32_t id[64];
    float w[64];
    int n;
} Scratch;

static void scratch_add(Scratch *sc, uint32_t id, float w)
{
    for (int k = 0; k < sc->n; k++)
        if (sc->id[k] == id) {
            sc->w[k] += w;
            return;
        }
    if (sc->n < 64) {
        sc->id[sc->n] = id;
        sc->w[sc->n++] = w;
        return;
    }
    int m = 0; /* full: the lightest entry gives way */
    for (int k = 1; k < 64; k++)
        if (sc->w[k] < sc->w[m])
            m = k;
    if (sc->w[m] < w) {
        sc->id[m] = id;
        sc->w[m] = w;
    }
}

/* Keeps the R_MIP_TOP heaviest entries of sc in t (busy is set apart). */
static void scratch_to_top(const Scratch *sc, RMipTop *t)
{
    for (int k = 0; k < R_MIP_TOP; k++) {
        t->id[k] = R_IDLE;
        t->w[k] = 0;
    }
    for (int i = 0; i < sc->n; i++) {
        float w = sc->w[i];
        int m = 0;
        for (int k = 1; k < R_MIP_TOP; k++)
            if (t->w[k] < t->w[m])
                m = k;
        if (w > t->w[m]) {
            t->id[m] = sc->id[i];
            t->w[m] = w;
        }
    }
}

static void flush_bin(const RLane *ln, Scratch *sc, size_t bin)
{
    if (bin < ln->mip.nb[0])
        scratch_to_top(sc, &ln->mip.top[bin]);
    sc->n = 0;
}

static int lane_mip(RLane *ln, SimTime end)
{
    RMip *m = &ln->mip;
    /* A shared variable's values are numbers, not holders: drawn from
     * the spans directly (layout.c). */
    if (ln->n < 4 * R_MIP_SPANS || (ln->kind == R_LANE_OBJECT && ln->okind == R_OBJ_SHARED))
        return SIM_OK;
    double want = (double)end * R_MIP_SPANS / (double)ln->n;
    SimTime w0 = 1;
    while ((double)w0 < want && w0 < ((SimTime)1 << 60))
        w0 <<= 1;
    size_t total = 0;
    int levels = 0;
    for (SimTime w = w0; levels < 48; w <<= 1) {
        size_t nb = (size_t)((end + w - 1) / w);
        m->off[levels] = total;
        m->nb[levels] = nb;
        total += nb;
        levels++;
        if (nb <= 1 || w > ((SimTime)1 << 61))
            break;
    }
    bool threads = ln->kind == R_LANE_THREAD;
    if (threads)
        m->hist = calloc(total * (size_t)ln->ncat, sizeof(float));
    else
        m->top = calloc(total, sizeof(RMipTop));
    if (threads ? !m->hist : !m->top)
        return SIM_ERR_NOMEM;
    m->levels = levels;
    m->w0 = w0;

    /* Level 0 from the spans. */
    Scratch sc = {.n = 0};
    size_t cur = 0;
    for (size_t i = 0; i < ln->n; i++) {
        SimTime a = ln->t[i], b = ln->t[i + 1];
        uint32_t v = ln->v[i];
        size_t first = (size_t)(a / w0), last = (size_t)((b - 1) / w0);
        for (size_t bin = first; bin <= last && bin < m->nb[0]; bin++) {
            SimTime lo = (SimTime)bin * w0, hi = lo + w0;
            float w = (float)((b < hi ? b : hi) - (a > lo ? a : lo));
            if (threads) {
                m->hist[bin * (size_t)ln->ncat + (v == R_IDLE ? SIM_REASON_COUNT : v)] += w;
                continue;
            }
            if (v == R_IDLE)
                continue;
            if (bin != cur) {
                flush_bin(ln, &sc, cur);
                cur = bin;
            }
            m->top[bin].busy += w;
            scratch_add(&sc, v, w);
        }
    }
    if (!threads)
        flush_bin(ln, &sc, cur);

    /* Each further level merges pairs of bins of the level below. */
    for (int L = 1; L < levels; L++) {
        size_t below = m->off[L - 1], here = m->off[L];
        for (size_t b = 0; b < m->nb[L]; b++) {
            size_t c0 = 2 * b, c1 = 2 * b + 1;
            if (threads) {
                float *dst = m->hist + (here + b) * (size_t)ln->ncat;
                for (size_t c = c0; c <= c1 && c < m->nb[L - 1]; c++) {
                    const float *src = m->hist + (below + c) * (size_t)ln->ncat;
                    for (int k = 0; k < ln->ncat; k++)
                        dst[k] += src[k];
                }
            } else {
                Scratch mg = {.n = 0};
                RMipTop *dst = &m->top[here + b];
                for (size_t c = c0; c <= c1 && c < m->nb[L - 1]; c++) {
                    const RMipTop *src = &m->top[below + c];
                    dst->busy += src->busy;
                    for (int k = 0; k < R_MIP_TOP; k++)
                        if (src->w[k] > 0)
                            scratch_add(&mg, src->id[k], src->w[k]);
                }
                scratch_to_top(&mg, dst);
            }
        }
    }
    return SIM_OK;
}

void render_index_destroy(RIndex *ix)
{
    if (!ix)
        return;
    for (uint32_t i = 0; i < ix->n_lanes; i++)
        lane_free(&ix->lanes[i]);
    free(ix->lanes);
    free(ix->groups);
    free(ix->thread_lane);
    free(ix->thread_dup);
    free(ix->gil_lane);
    free(ix->object_lane);
    free(ix);
}

size_t render_lane_find(const RLane *ln, SimTime t)
{
    if (ln->n == 0)
        return SIZE_MAX;
    size_t lo = 0, hi = ln->n; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ln->t[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

const char *render_lane_name(const RIndex *ix, const RLane *ln, char *buf, size_t n)
{
    switch (ln->kind) {
    case R_LANE_GIL: {
        /* A subinterpreter's own GIL is named after its interpreter. */
        const SimProcessInfo *pi = ln->process < sim_trace_process_count(ix->tr)
                                       ? sim_trace_process(ix->tr, ln->process)
                                       : NULL;
        if (pi && ln->id > pi->gil)
            snprintf(buf, n, "GIL %u", ln->id - pi->gil);
        else
            snprintf(buf, n, "GIL");
        break;
    }
    case R_LANE_THREAD: {
        const SimThreadInfo *ti = sim_trace_thread(ix->tr, ln->id);
        snprintf(buf, n, "%s", ti && ti->name && *ti->name ? ti->name : "?");
        break;
    }
    case R_LANE_OBJECT: {
        const SimObjectInfo *oi = sim_trace_object(ix->tr, ln->id);
        snprintf(buf, n, "%s", oi && oi->name && *oi->name ? oi->name : "object");
        break;
    }
    default:
        snprintf(buf, n, "core %u", ln->id);
        break;
    }
    return buf;
}

uint32_t render_lane_waiters(const RLane *ln, SimTime t)
{
    if (ln->kind != R_LANE_OBJECT || ln->wn == 0 || t < 0)
        return 0;
    size_t lo = 0, hi = ln->wn;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ln->wt[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return ln->wv[lo];
}

const char *render_lane_object_kind(const RIndex *ix, const RLane *ln)
{
    if (ln->kind != R_LANE_OBJECT)
        return "";
    const SimObjectInfo *oi = sim_trace_object(ix->tr, ln->id);
    return oi && oi->kind ? oi->kind : "object";
}

static RObjKind object_kind(const char *k)
{
    if (!k)
        return R_OBJ_WAITONLY;
    if (!strcmp(k, "lock") || !strcmp(k, "rlock") || !strcmp(k, "condition"))
        return R_OBJ_LOCK;
    if (!strcmp(k, "semaphore") || !strcmp(k, "bounded_semaphore"))
        return R_OBJ_SEMAPHORE;
    if (!strcmp(k, "event"))
        return R_OBJ_EVENT;
    if (!strcmp(k, "queue") || !strcmp(k, "pipe") || !strcmp(k, "mp_queue"))
        return R_OBJ_QUEUE;
    if (!strcmp(k, "shared"))
        return R_OBJ_SHARED;
    return R_OBJ_WAITONLY;
}

/* A shared variable's value as a span value: counts this large are drawn
 * to scale, the figures keep the exact numbers. */
static uint32_t shared_value(int64_t v)
{
    return v < 0 ? 0 : v >= (int64_t)R_LOST ? R_LOST - 1 : (uint32_t)v;
}

/* From time t on, a thread lane shows `reason`; a new span says nothing
 * beyond its reason until told otherwise (note). */
static void thread_set(RLane *ln, SimTime t, uint32_t reason)
{
    size_t n = ln->n;
    uint32_t last = ln->v[n - 1];
    lane_set(ln, t, reason);
    if (ln->n != n || ln->v[ln->n - 1] != last)
        ln->note[ln->n - 1] = R_NOTE_NONE;
}

/* A multiprocessing child started: the C call of its parent that launched
 * it says so (fork and spawn alike), found at the launch time. */
static void note_launch(RIndex *ix, const SimTrace *tr, const SimRecord *r, const ExplainStartCosts *costs)
{
    const SimProcessInfo *pi = sim_trace_process(tr, r->arg);
    if (!pi || pi->parent == SIM_NONE || !pi->start_method)
        return;
    SimTime at = r->t, delay = 0;
    if (strcmp(pi->start_method, "fork") != 0 && strcmp(pi->start_method, "os.fork") != 0) {
        if ((delay = explain_launch_delay(tr, costs, r->arg)) < 0)
            return;
        at = r->t - delay;
    }
    for (uint32_t t = 0; t < sim_trace_thread_count(tr); t++) {
        if (sim_trace_thread(tr, t)->process != pi->parent || ix->thread_lane[t] == SIM_NONE)
            continue;
        RLane *tl = &ix->lanes[ix->thread_lane[t]];
        size_t k = render_lane_find(tl, at > 0 ? at - 1 : 0);
        if (k == SIZE_MAX || tl->v[k] != SIM_R_C_CALL || tl->t[k] >= at)
            continue;
        if (tl->note[k] == R_NOTE_NONE)
            tl->note[k] = R_NOTE_LAUNCH | r->arg;
        return;
    }
}

/* One SYNC record on its object's lane: owner or count, waiters, marks. */
static void object_record(RLane *ln, const SimRecord *r, int64_t *holders, uint32_t *last_other)
{
    SimSyncEvent e = (SimSyncEvent)r->state;
    uint32_t cur = ln->v[ln->n - 1];
    int mk = -1;
    bool waiters = false;
    switch (e) {
    case SIM_SYNC_ACQUIRE:
        waiters = true;
        if (ln->okind == R_OBJ_LOCK) {
            /* A nested RLock acquire keeps the owner. */
            if (cur == R_IDLE || (cur & ~R_LOST) != r->thread) {
                uint32_t v = r->thread | (r->reason == SIM_ACQ_FORK_ORPHAN ? R_LOST : 0);
                lane_set(ln, r->t, v);
                if (v & R_LOST)
                    ln->lost = true;
            }
        } else if (ln->okind == R_OBJ_SEMAPHORE) {
            ++*holders;
            lane_set(ln, r->t, (uint32_t)*holders);
            if ((uint32_t)*holders > ln->vmax)
                ln->vmax = (uint32_t)*holders;
        }
        break;
    case SIM_SYNC_RELEASE:
        waiters = true;
        if (ln->okind == R_OBJ_LOCK) {
            if (r->reason != SIM_REL_PARTIAL) /* a nested release: still held */
                lane_set(ln, r->t, R_IDLE);
        } else if (ln->okind == R_OBJ_SEMAPHORE) {
            if (*holders > 0)
                --*holders;
            lane_set(ln, r->t, *holders ? (uint32_t)*holders : R_IDLE);
        }
        break;
    case SIM_SYNC_BLOCK:
        waiters = true;
        mk = R_SMARK_BLOCK;
        break;
    case SIM_SYNC_WAKE:
        waiters = true;
        mk = R_SMARK_WAKE;
        break;
    case SIM_SYNC_TIMEOUT:
        waiters = true;
        mk = R_SMARK_TIMEOUT;
        break;
    case SIM_SYNC_TRY_FAIL:
    case SIM_SYNC_ERROR:
        mk = R_SMARK_FAIL;
        break;
    case SIM_SYNC_SET:
        if (ln->okind == R_OBJ_EVENT)
            lane_set(ln, r->t, 1);
        mk = R_SMARK_SIGNAL;
        break;
    case SIM_SYNC_CLEAR:
        if (ln->okind == R_OBJ_EVENT)
            lane_set(ln, r->t, R_IDLE);
        break;
    case SIM_SYNC_NOTIFY:
    case SIM_SYNC_BROKEN:
        mk = R_SMARK_SIGNAL;
        break;
    case SIM_SYNC_PASS:
        if (ln->okind == R_OBJ_WAITONLY)
            mk = R_SMARK_SIGNAL; /* a barrier let its parties go */
        break;
    case SIM_SYNC_WRITE:
        if (ln->okind == R_OBJ_SHARED) {
            /* A write leaves the value one higher, less the updates it
             * overwrote; with none lost it would be one higher than the
             * writes so far. */
            ln->s_final += 1 - sim_write_lost(r);
            ln->s_expected += 1;
            ln->s_lost += sim_write_lost(r);
            lane_set(ln, r->t, shared_value(ln->s_final));
            step_set(ln->wt, ln->wv, &ln->wn, r->t, shared_value(ln->s_expected));
            if (shared_value(ln->s_expected) > ln->vmax)
                ln->vmax = shared_value(ln->s_expected);
            if (shared_value(ln->s_final) > ln->vmax)
                ln->vmax = shared_value(ln->s_final);
            if (sim_write_lost(r) > 0)
                mk = R_SMARK_LOST;
        }
        break;
    case SIM_SYNC_STORE:
        if (ln->okind == R_OBJ_SHARED) {
            /* An assignment moves the value and what is expected alike. */
            ln->s_final += sim_store_delta(r);
            ln->s_expected += sim_store_delta(r);
            lane_set(ln, r->t, shared_value(ln->s_final));
            step_set(ln->wt, ln->wv, &ln->wn, r->t, shared_value(ln->s_expected));
            if (shared_value(ln->s_expected) > ln->vmax)
                ln->vmax = shared_value(ln->s_expected);
            if (shared_value(ln->s_final) > ln->vmax)
                ln->vmax = shared_value(ln->s_final);
        }
        break;
    case SIM_SYNC_PUT:
    case SIM_SYNC_GET:
        if (ln->okind == R_OBJ_QUEUE) {
            lane_set(ln, r->t, r->other ? r->other : R_IDLE);
            if (r->other > ln->vmax)
                ln->vmax = r->other;
        }
        break;
    default:
        break;
    }
    if (waiters) {
        step_set(ln->wt, ln->wv, &ln->wn, r->t, r->other);
        if (r->other > ln->wmax)
            ln->wmax = r->other;
    }
    if (mk >= 0)
        ln->marks[ln->n_marks++] =
            (RMark){r->t, r->thread, mk == R_SMARK_LOST ? (uint32_t)sim_write_lost(r) : 0, (uint8_t)mk,
                    mk == R_SMARK_LOST ? *last_other : SIM_NONE};
    if (e == SIM_SYNC_WRITE)
        *last_other = r->thread; /* the last writer, for the next write by another */
}

typedef struct NamedThread {
    const char *name;
    uint32_t id;
} NamedThread;

static int by_name(const void *a, const void *b)
{
    const NamedThread *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

typedef struct Counts {
    size_t *thread_recs;  /* STATE records per thread */
    size_t *gil_recs;     /* acquire + drop per GIL */
    size_t *gil_marks;
    size_t *core_runs;    /* Running records per core */
    size_t *obj_recs;     /* SYNC records per object */
} Counts;

static void counts_free(Counts *c)
{
    free(c->thread_recs);
    free(c->gil_recs);
    free(c->gil_marks);
    free(c->core_runs);
    free(c->obj_recs);
}

int render_index_build(const SimTrace *tr, RIndex **out)
{
    return render_index_build_with(tr, NULL, out);
}

int render_index_build_with(const SimTrace *tr, const ExplainStartCosts *costs, RIndex **out)
{
    *out = NULL;
    SimTime *startup = NULL;
    bool *copy_shown = NULL; /* variables shown beside a copy a fork made */
    const SimRecord *recs = sim_trace_records(tr);
    size_t nrec = sim_trace_count(tr);
    uint32_t nth = sim_trace_thread_count(tr), nproc = sim_trace_process_count(tr);
    uint32_t ngil = sim_trace_gil_count(tr);
    uint32_t nobj = sim_trace_object_count(tr);
    const SimRunInfo *info = sim_trace_info(tr);
    uint32_t ncore = info->cores > 0 ? (uint32_t)info->cores : 0;

    /* Pass 1: sizes. */
    for (size_t i = 0; i < nrec; i++) {
        const SimRecord *r = &recs[i];
        if (r->kind == SIM_REC_STATE && SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING && r->arg < 4096 &&
            r->arg + 1 > ncore)
            ncore = r->arg + 1;
        if (r->kind >= SIM_REC_GIL_ACQUIRE && r->kind <= SIM_REC_FAILED_WAKEUP && r->arg < 65536 &&
            r->arg + 1 > ngil)
            ngil = r->arg + 1;
    }
    Counts cn = {calloc(nth + 1, sizeof(size_t)), calloc(ngil + 1, sizeof(size_t)),
                 calloc(ngil + 1, sizeof(size_t)), calloc(ncore + 1, sizeof(size_t)),
                 calloc(nobj + 1, sizeof(size_t))};
    RIndex *ix = calloc(1, sizeof(*ix));
    uint32_t *running_core = calloc(nth + 1, sizeof(uint32_t));
    int64_t *holders = calloc(nobj + 1, sizeof(int64_t));
    uint32_t *last_writer = malloc((nobj + 1) * sizeof(uint32_t));
    for (uint32_t o = 0; last_writer && o <= nobj; o++)
        last_writer[o] = SIM_NONE;
    if (costs && (startup = malloc((nth + 1) * sizeof(SimTime)))) {
        /* A spawned or forkserver child's first thread shows its process's
         * start-up from the launch to the start. */
        for (uint32_t t = 0; t < nth; t++)
            startup[t] = -1;
        for (size_t i = 0; i < nrec; i++) {
            const SimRecord *r = &recs[i];
            if (r->kind != SIM_REC_PROC_START || r->thread >= nth)
                continue;
            SimTime d = explain_launch_delay(tr, costs, r->arg);
            if (d > 0)
                startup[r->thread] = r->t - d > 0 ? r->t - d : 0;
        }
    }
    if (!cn.thread_recs || !cn.gil_recs || !cn.gil_marks || !cn.core_runs || !cn.obj_recs || !ix ||
        !running_core || !holders || !last_writer)
        goto out_nomem;
    ix->tr = tr;
    ix->end = sim_trace_end(tr);
    ix->n_cores = ncore;
    ix->n_gils = ngil;
    for (size_t i = 0; i < nrec; i++) {
        const SimRecord *r = &recs[i];
        if (r->t > ix->end)
            ix->end = r->t;
        switch (r->kind) {
        case SIM_REC_STATE:
            if (r->thread < nth)
                cn.thread_recs[r->thread]++;
            if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING && r->arg < ncore)
                cn.core_runs[r->arg]++;
            ix->transitions++;
            break;
        case SIM_REC_GIL_ACQUIRE:
            if (r->arg < ngil)
                cn.gil_recs[r->arg]++;
            break;
        case SIM_REC_GIL_DROP:
            if (r->arg < ngil) {
                cn.gil_recs[r->arg]++;
                if (r->state == SIM_DROP_FORCED)
                    cn.gil_marks[r->arg]++;
            }
            break;
        case SIM_REC_DROP_REQUEST:
        case SIM_REC_GIL_TIMEOUT:
        case SIM_REC_FAILED_WAKEUP:
            if (r->arg < ngil)
                cn.gil_marks[r->arg]++;
            break;
        case SIM_REC_SYNC:
            if (r->arg < nobj)
                cn.obj_recs[r->arg]++;
            break;
        default:
            break;
        }
    }
    if (ix->end <= 0)
        ix->end = 1;
    /* A variable copied by a fork that one side changed is shown on both
     * sides, unchanged copy included: the parent's 42 beside the child's
     * 43 is the point. (Pairs are found by name among the variables; a
     * trace with very many of them skips this.) */
    copy_shown = calloc(nobj + 1, sizeof(bool));
    if (!copy_shown)
        goto out_nomem;
    uint32_t n_vars = 0;
    for (uint32_t o = 0; o < nobj; o++)
        n_vars += strcmp(sim_trace_object(tr, o)->kind, "shared") == 0;
    for (uint32_t o = 0; o < nobj && n_vars <= 4096; o++) {
        const SimObjectInfo *a = sim_trace_object(tr, o);
        if (cn.obj_recs[o] == 0 || strcmp(a->kind, "shared") != 0 || a->process >= nproc)
            continue;
        for (uint32_t k = 0; k < nobj; k++) {
            const SimObjectInfo *b = sim_trace_object(tr, k);
            if (k != o && b->process < nproc && b->process != a->process && strcmp(b->kind, "shared") == 0 &&
                strcmp(b->name, a->name) == 0)
                copy_shown[k] = true;
        }
    }

    /* Lanes and groups, in display order. */
    ix->lanes = calloc((size_t)ngil + nth + nobj + ncore + 1, sizeof(*ix->lanes));
    ix->object_lane = malloc((nobj + 1) * sizeof(uint32_t));
    ix->n_objects = nobj;
    ix->groups = calloc((size_t)nproc + 3, sizeof(*ix->groups));
    ix->thread_lane = malloc((nth + 1) * sizeof(uint32_t));
    ix->thread_dup = calloc(nth + 1, 1);
    ix->gil_lane = malloc((ngil + 1) * sizeof(uint32_t));
    if (!ix->lanes || !ix->groups || !ix->thread_lane || !ix->gil_lane || !ix->object_lane || !ix->thread_dup)
        goto out_nomem;
    /* Names shared by threads of several processes ("main") need their
     * process on GIL and core lanes. Threads named alike are found by
     * sorting their indices by name. */
    {
        NamedThread *by = malloc((nth + 1) * sizeof(*by));
        if (!by)
            goto out_nomem;
        for (uint32_t t = 0; t < nth; t++)
            by[t] = (NamedThread){sim_trace_thread(tr, t)->name, t};
        qsort(by, nth, sizeof(*by), by_name);
        for (uint32_t k = 1; k < nth; k++)
            if (!strcmp(by[k].name, by[k - 1].name))
                ix->thread_dup[by[k].id] = ix->thread_dup[by[k - 1].id] = 1;
        free(by);
    }
    for (uint32_t o = 0; o < nobj; o++)
        ix->object_lane[o] = SIM_NONE;
    for (uint32_t g = 0; g < ngil; g++)
        ix->gil_lane[g] = SIM_NONE;
    for (uint32_t t = 0; t < nth; t++)
        ix->thread_lane[t] = SIM_NONE;

    for (uint32_t p = 0; p <= nproc + 1; p++) {
        uint32_t proc = p < nproc ? p : p == nproc ? R_GROUP_ORPHANS : R_GROUP_SHARED;
        RGroup *grp = &ix->groups[ix->n_groups];
        grp->process = proc;
        grp->first_lane = ix->n_lanes;
        if (p < nproc) {
            /* A GIL nobody ever took (free-threaded build, a process that
             * never ran Python) gets no lane. */
            uint32_t g = sim_trace_process(tr, p)->gil;
            if (g < ngil && ix->gil_lane[g] == SIM_NONE && cn.gil_recs[g] > 0) {
                RLane *ln = &ix->lanes[ix->n_lanes];
                ln->kind = R_LANE_GIL;
                ln->id = g;
                ln->process = p;
                ix->gil_lane[g] = ix->n_lanes++;
                ix->n_gils_shown++;
            }
            /* Subinterpreters with a GIL of their own (per-interpreter
             * GILs): their lanes follow the main one, in GIL order. */
            for (uint32_t sg = g + 1; sg < ngil; sg++) {
                bool mine = false;
                for (uint32_t t = 0; t < nth && !mine; t++)
                    mine = sim_trace_thread(tr, t)->process == p && sim_trace_thread(tr, t)->gil == sg;
                if (!mine || ix->gil_lane[sg] != SIM_NONE || cn.gil_recs[sg] == 0)
                    continue;
                RLane *ln = &ix->lanes[ix->n_lanes];
                ln->kind = R_LANE_GIL;
                ln->id = sg;
                ln->process = p;
                ix->gil_lane[sg] = ix->n_lanes++;
                ix->n_gils_shown++;
            }
        } else if (proc == R_GROUP_ORPHANS) {
            for (uint32_t g = 0; g < ngil; g++) {
                if (ix->gil_lane[g] != SIM_NONE || cn.gil_recs[g] == 0)
                    continue;
                RLane *ln = &ix->lanes[ix->n_lanes];
                ln->kind = R_LANE_GIL;
                ln->id = g;
                ln->process = proc;
                ix->gil_lane[g] = ix->n_lanes++;
                ix->n_gils_shown++;
            }
        }
        for (uint32_t t = 0; t < nth && proc != R_GROUP_SHARED; t++) {
            uint32_t tp = sim_trace_thread(tr, t)->process;
            if (tp < nproc ? tp != p : p != nproc)
                continue;
            RLane *ln = &ix->lanes[ix->n_lanes];
            ln->kind = R_LANE_THREAD;
            ln->id = t;
            ln->process = proc;
            ix->thread_lane[t] = ix->n_lanes++;
        }
        /* Synchronization objects and shared variables somebody used, after
         * the threads; objects of no one process in a group of their own. */
        for (uint32_t o = 0; o < nobj && proc != R_GROUP_ORPHANS; o++) {
            const SimObjectInfo *oi = sim_trace_object(tr, o);
            if (cn.obj_recs[o] == 0 && !copy_shown[o])
                continue;
            if (oi->process < nproc ? oi->process != p : proc != R_GROUP_SHARED)
                continue;
            RLane *ln = &ix->lanes[ix->n_lanes];
            ln->kind = R_LANE_OBJECT;
            ln->id = o;
            ln->process = proc;
            ln->okind = (uint8_t)object_kind(oi->kind);
            if ((ln->okind == R_OBJ_SEMAPHORE || ln->okind == R_OBJ_QUEUE) && oi->initial > 0 &&
                oi->initial < (int64_t)R_LOST)
                ln->vmax = (uint32_t)oi->initial;
            if (ln->okind == R_OBJ_EVENT)
                ln->vmax = 1;
            if (ln->okind == R_OBJ_SHARED)
                ln->s_initial = ln->s_final = ln->s_expected = oi->initial;
            ix->object_lane[o] = ix->n_lanes++;
            ix->n_object_lanes++;
        }
        grp->n_lanes = ix->n_lanes - grp->first_lane;
        if (grp->n_lanes > 0)
            ix->n_groups++;
    }
    if (ncore > 0) {
        RGroup *grp = &ix->groups[ix->n_groups++];
        grp->process = SIM_NONE;
        grp->first_lane = ix->n_lanes;
        grp->n_lanes = ncore;
        for (uint32_t c = 0; c < ncore; c++) {
            RLane *ln = &ix->lanes[ix->n_lanes++];
            ln->kind = R_LANE_CORE;
            ln->id = c;
            ln->process = SIM_NONE;
        }
    }
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLane *ln = &ix->lanes[i];
        int rc;
        if (ln->kind == R_LANE_GIL)
            rc = lane_alloc(ln, cn.gil_recs[ln->id] + 2, 1, cn.gil_marks[ln->id]);
        else if (ln->kind == R_LANE_THREAD) {
            /* Marks: its start, its end, a start-up and a wait forever. */
            rc = lane_alloc(ln, cn.thread_recs[ln->id] + 3, SIM_REASON_COUNT + 1, 4);
            ln->note = calloc(cn.thread_recs[ln->id] + 3, sizeof(*ln->note));
            if (rc == SIM_OK && !ln->note)
                rc = SIM_ERR_NOMEM;
        }
        else if (ln->kind == R_LANE_OBJECT) {
            size_t k = cn.obj_recs[ln->id];
            rc = lane_alloc(ln, k + 2, 1, k);
            ln->wt = malloc((k + 3) * sizeof(*ln->wt));
            ln->wv = malloc((k + 2) * sizeof(*ln->wv));
            if (rc == SIM_OK && (!ln->wt || !ln->wv))
                rc = SIM_ERR_NOMEM;
            if (rc == SIM_OK) {
                ln->wt[0] = 0;
                ln->wv[0] = 0;
                ln->wn = 1;
                /* A variable has its initial value from its process's start
                 * (set at its PROC_START below; nothing is drawn before);
                 * one of no process (a multiprocessing Value) from 0. */
                if (ln->okind == R_OBJ_SHARED && sim_trace_object(tr, ln->id)->process >= nproc)
                    ln->v[0] = ln->wv[0] = shared_value(ln->s_initial);
            }
        }
        else
            rc = lane_alloc(ln, 2 * cn.core_runs[ln->id] + 2, 1, 0);
        if (rc < 0)
            goto out_nomem;
    }

    /* Pass 2: fill. */
    uint32_t last_exit_p = SIM_NONE;
    SimTime last_exit_t = -1;
    for (uint32_t t = 0; t < nth; t++)
        running_core[t] = SIM_NONE;
    for (size_t i = 0; i < nrec; i++) {
        const SimRecord *r = &recs[i];
        switch (r->kind) {
        case SIM_REC_STATE: {
            if (r->thread >= nth)
                break;
            ix->reasons_used |= 1u << (r->reason < SIM_REASON_COUNT ? r->reason : 0);
            RLane *tl = &ix->lanes[ix->thread_lane[r->thread]];
            if (tl->n == 1 && tl->v[0] == R_IDLE) {
                /* The thread's first transition: its start, after its
                 * process's start-up when the trace tells one. */
                if (startup && startup[r->thread] >= 0 && startup[r->thread] < r->t) {
                    thread_set(tl, startup[r->thread], SIM_R_NEW);
                    tl->note[tl->n - 1] = R_NOTE_STARTUP | sim_trace_thread(tr, r->thread)->process;
                    ix->reasons_used |= 1u << SIM_R_NEW;
                }
                tl->marks[tl->n_marks++] = (RMark){r->t, r->thread, 0, R_TMARK_START, SIM_NONE};
            }
            uint32_t before = tl->v[tl->n - 1];
            size_t before_span = tl->n - 1;
            thread_set(tl, r->t, r->reason < SIM_REASON_COUNT ? r->reason : SIM_R_NEW);
            if (r->reason == SIM_R_JOIN && r->other && r->other - 1 < nth)
                tl->note[tl->n - 1] = R_NOTE_JOIN | (r->other - 1);
            else if (before == SIM_R_JOIN && tl->note[before_span] == R_NOTE_NONE && last_exit_p != SIM_NONE &&
                     last_exit_t >= tl->t[before_span])
                tl->note[before_span] = R_NOTE_JOINP | last_exit_p; /* the process it joined ended */
            if (SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED && tl->n_marks < 3)
                tl->marks[tl->n_marks++] =
                    (RMark){r->t, r->thread, r->cause, r->reason == SIM_R_KILLED ? R_TMARK_KILLED : R_TMARK_EXIT, SIM_NONE};
            uint32_t was = running_core[r->thread];
            if (was != SIM_NONE) {
                RLane *cl = &ix->lanes[ix->n_lanes - ncore + was];
                if (cl->v[cl->n - 1] == r->thread)
                    lane_set(cl, r->t, R_IDLE);
                running_core[r->thread] = SIM_NONE;
            }
            if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING && r->arg < ncore) {
                lane_set(&ix->lanes[ix->n_lanes - ncore + r->arg], r->t, r->thread);
                running_core[r->thread] = r->arg;
            }
            break;
        }
        case SIM_REC_DEADLOCK:
            if (r->thread < nth) {
                RLane *tl = &ix->lanes[ix->thread_lane[r->thread]];
                if (tl->n_marks < 4)
                    tl->marks[tl->n_marks++] = (RMark){tl->t[tl->n - 1], r->thread, 0, R_TMARK_FOREVER, SIM_NONE};
            }
            break;
        case SIM_REC_PROC_START:
            note_launch(ix, tr, r, costs);
            for (uint32_t k = 0; k < ix->n_lanes; k++) {
                RLane *vl = &ix->lanes[k];
                if (vl->kind == R_LANE_OBJECT && vl->okind == R_OBJ_SHARED && vl->n == 1 && vl->v[0] == R_IDLE &&
                    sim_trace_object(tr, vl->id)->process == r->arg) {
                    lane_set(vl, r->t, shared_value(vl->s_initial));
                    step_set(vl->wt, vl->wv, &vl->wn, r->t, shared_value(vl->s_initial));
                }
            }
            break;
        case SIM_REC_PROC_EXIT:
            last_exit_p = r->arg;
            last_exit_t = r->t;
            break;
        case SIM_REC_SYNC:
            if (r->state == SIM_SYNC_BLOCK && r->thread < nth) {
                /* The wait the thread's state change just began is on this
                 * object: say so on its span. */
                RLane *tl = &ix->lanes[ix->thread_lane[r->thread]];
                uint32_t v = tl->v[tl->n - 1];
                if ((v == SIM_R_LOCK || v == SIM_R_IO) && tl->t[tl->n - 1] == r->t)
                    tl->note[tl->n - 1] = R_NOTE_OBJ | (r->reason == SIM_QSIDE_PUT ? R_NOTE_PUT : 0) | r->arg;
            }
            if (r->arg < nobj && ix->object_lane[r->arg] != SIM_NONE)
                object_record(&ix->lanes[ix->object_lane[r->arg]], r, &holders[r->arg], &last_writer[r->arg]);
            break;
        case SIM_REC_GIL_ACQUIRE:
            if (r->arg < ngil && r->thread < nth && ix->gil_lane[r->arg] != SIM_NONE)
                lane_set(&ix->lanes[ix->gil_lane[r->arg]], r->t, r->thread);
            break;
        case SIM_REC_GIL_DROP:
        case SIM_REC_DROP_REQUEST:
        case SIM_REC_GIL_TIMEOUT:
        case SIM_REC_FAILED_WAKEUP: {
            if (r->arg >= ngil || ix->gil_lane[r->arg] == SIM_NONE)
                break;
            RLane *gl = &ix->lanes[ix->gil_lane[r->arg]];
            int mk = -1;
            if (r->kind == SIM_REC_GIL_DROP) {
                if (gl->v[gl->n - 1] == r->thread)
                    lane_set(gl, r->t, R_IDLE);
                if (r->state == SIM_DROP_FORCED)
                    mk = R_MARK_FORCED_DROP;
            } else {
                mk = r->kind == SIM_REC_DROP_REQUEST ? R_MARK_DROP_REQUEST
                     : r->kind == SIM_REC_GIL_TIMEOUT ? R_MARK_TIMEOUT
                                                      : R_MARK_FAILED_WAKEUP;
            }
            if (mk == R_MARK_DROP_REQUEST) {
                /* A request is made because the requester's timed wait ran
                 * out just before: the request's mark stands for both. */
                for (size_t k = gl->n_marks, seen = 0; k-- > 0 && seen < 4; seen++) {
                    RMark *prev = &gl->marks[k];
                    if (prev->kind == R_MARK_TIMEOUT && prev->thread == r->thread) {
                        memmove(prev, prev + 1, (gl->n_marks - k - 1) * sizeof(*prev));
                        gl->n_marks--;
                        break;
                    }
                }
            }
            if (mk >= 0)
                gl->marks[gl->n_marks++] = (RMark){r->t, r->thread, r->other, (uint8_t)mk, SIM_NONE};
            break;
        }
        default:
            break;
        }
    }
    /* An object that was only ever taken and given back in the same instant
     * (an internal mutex) would be an empty lane: drop it. */
    {
        uint32_t w = 0, *remap = malloc((ix->n_lanes + 1) * sizeof(uint32_t));
        if (!remap)
            goto out_nomem;
        for (uint32_t i = 0; i < ix->n_lanes; i++) {
            RLane *ln = &ix->lanes[i];
            if (ln->kind == R_LANE_OBJECT && ln->n == 1 && ln->v[0] == R_IDLE && ln->wmax == 0 &&
                ln->n_marks == 0) {
                ix->object_lane[ln->id] = SIM_NONE;
                ix->n_object_lanes--;
                lane_free(ln);
                remap[i] = SIM_NONE;
                continue;
            }
            remap[i] = w;
            if (w != i)
                ix->lanes[w] = *ln;
            w++;
        }
        if (w != ix->n_lanes) {
            for (uint32_t g = 0; g < ix->n_groups; g++) {
                RGroup *grp = &ix->groups[g];
                uint32_t first = SIM_NONE, n = 0;
                for (uint32_t k = 0; k < grp->n_lanes; k++) {
                    uint32_t to = remap[grp->first_lane + k];
                    if (to == SIM_NONE)
                        continue;
                    if (first == SIM_NONE)
                        first = to;
                    n++;
                }
                grp->first_lane = first == SIM_NONE ? 0 : first;
                grp->n_lanes = n;
            }
            uint32_t ng = 0;
            for (uint32_t g = 0; g < ix->n_groups; g++)
                if (ix->groups[g].n_lanes)
                    ix->groups[ng++] = ix->groups[g];
            ix->n_groups = ng;
            for (uint32_t t = 0; t < nth; t++)
                if (ix->thread_lane[t] != SIM_NONE)
                    ix->thread_lane[t] = remap[ix->thread_lane[t]];
            for (uint32_t g = 0; g < ngil; g++)
                if (ix->gil_lane[g] != SIM_NONE)
                    ix->gil_lane[g] = remap[ix->gil_lane[g]];
            for (uint32_t o = 0; o < nobj; o++)
                if (ix->object_lane[o] != SIM_NONE)
                    ix->object_lane[o] = remap[ix->object_lane[o]];
            memset(&ix->lanes[w], 0, (ix->n_lanes - w) * sizeof(RLane));
            ix->n_lanes = w;
        }
        free(remap);
    }
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        RLane *ln = &ix->lanes[i];
        lane_finish(ln, ix->end);
        if (ln->kind == R_LANE_OBJECT) {
            if (ln->wn > 1 && ln->wt[ln->wn - 1] >= ix->end)
                ln->wn--;
            ln->wt[ln->wn] = ix->end;
            if (ln->vmax == 0)
                ln->vmax = 1;
        }
        if (lane_mip(ln, ix->end) < 0)
            goto out_nomem;
        if (ln->kind == R_LANE_GIL)
            for (size_t k = 0; k < ln->n_marks; k++)
                ix->marks_used |= 1u << ln->marks[k].kind;
    }

    counts_free(&cn);
    free(holders);
    free(copy_shown);
    free(last_writer);
    free(running_core);
    free(startup);
    *out = ix;
    return SIM_OK;

out_nomem:
    counts_free(&cn);
    free(startup);
    free(holders);
    free(copy_shown);
    free(last_writer);
    free(running_core);
    render_index_destroy(ix);
    return SIM_ERR_NOMEM;
}
