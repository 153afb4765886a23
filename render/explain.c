/*
 * explain.c - the sentences of the viewer's explain panel, built from the
 * record kinds and causes the simulator stores, and the cause -> effect
 * chain of the last GIL hand-over (drop request -> drop -> take; I/O done
 * -> request), which the viewer also draws as arrows.
 *
 * Invariant: every search backwards is bounded (MAX_SCAN records), so a
 * sentence costs the same on a ten-million-record trace as on a small one;
 * when a cause lies further back it is simply left out.
 */
#include <stdio.h>
#include <string.h>

#include "duration_text.h"
#include "sim.h"
#include "view.h"

#define MAX_SCAN 200000

static const char *tname(const RIndex *ix, uint32_t t)
{
    const SimThreadInfo *ti = sim_trace_thread(ix->tr, t);
    return ti && ti->name && *ti->name ? ti->name : "?";
}

static const char *pname(const RIndex *ix, uint32_t p)
{
    const SimProcessInfo *pi = sim_trace_process(ix->tr, p);
    return pi && pi->name && *pi->name ? pi->name : "?";
}

/* "lock L", "queue jobs", or "object 3" when the trace has no name. */
static const char *oname(const RIndex *ix, uint32_t o, char *buf, size_t n)
{
    const SimObjectInfo *oi = o < sim_trace_object_count(ix->tr) ? sim_trace_object(ix->tr, o) : NULL;
    if (oi && oi->name && *oi->name)
        snprintf(buf, n, "%s %s", oi->kind && *oi->kind ? oi->kind : "object", oi->name);
    else
        snprintf(buf, n, "object %u", o);
    return buf;
}

static char *dur(SimTime ns, char *buf, size_t n)
{
    return duration_text_rounded(ns, 3, buf, n);
}

/* The reason thread th had just before time t (from its lane). */
static int reason_before(const RIndex *ix, uint32_t th, SimTime t)
{
    if (th >= sim_trace_thread_count(ix->tr) || t <= 0)
        return -1;
    const RLane *ln = &ix->lanes[ix->thread_lane[th]];
    size_t k = render_lane_find(ln, t - 1);
    return k == SIZE_MAX || ln->v[k] == R_IDLE ? -1 : (int)ln->v[k];
}

/* The start of the span thread th is in at time t. */
static SimTime span_start(const RIndex *ix, uint32_t th, SimTime t)
{
    const RLane *ln = &ix->lanes[ix->thread_lane[th]];
    size_t k = render_lane_find(ln, t);
    return k == SIZE_MAX ? t : ln->t[k];
}

static const char *blocked_what(int reason)
{
    switch (reason) {
    case SIM_R_IO:
        return "its I/O";
    case SIM_R_SLEEP:
        return "its sleep";
    case SIM_R_LOCK:
        return "waiting for a lock";
    case SIM_R_JOIN:
        return "its join";
    case SIM_R_SWITCH_WAIT:
        return "waiting for the hand-over";
    case SIM_R_START_WAIT:
        return "waiting for the started thread";
    case SIM_R_NOGIL:
        return "its GIL-free C work";
    default:
        return "what it was doing";
    }
}

char *render_explain_record(const RIndex *ix, size_t rec, char *buf, size_t n)
{
    buf[0] = '\0';
    if (rec >= sim_trace_count(ix->tr))
        return buf;
    const SimRecord *r = &sim_trace_records(ix->tr)[rec];
    const char *x = tname(ix, r->thread);
    const char *o = r->other ? tname(ix, r->other - 1) : NULL;
    switch (r->kind) {
    case SIM_REC_STATE: {
        SimReason why = (SimReason)r->reason;
        int before = reason_before(ix, r->thread, r->t);
        switch (SIM_REC_NEW_STATE(r)) {
        case SIM_ST_RUNNING: {
            const char *what = why == SIM_R_C_CALL  ? "runs a C call holding the GIL"
                               : why == SIM_R_NOGIL ? "runs C code with the GIL released"
                                                    : "runs Python";
            if (r->cause == SIM_C_CORE_FREE || before == SIM_R_WAIT_CORE)
                snprintf(buf, n, "%s got core %u and %s", x, r->arg, what);
            else if (why == SIM_R_NOGIL)
                snprintf(buf, n, "%s released the GIL and %s on core %u", x, what, r->arg);
            else
                snprintf(buf, n, "%s holds the GIL and %s on core %u", x, what, r->arg);
            break;
        }
        case SIM_ST_RUNNABLE:
            if (why == SIM_R_WAIT_CORE) {
                if (r->cause == SIM_C_PREEMPTED)
                    snprintf(buf, n, "%s was preempted by the OS (time slice over) and waits for "
                                     "a core", x);
                else
                    snprintf(buf, n, "%s is ready but every core is busy", x);
            } else if (r->cause == SIM_C_OBJECT) {
                snprintf(buf, n, "%s may go on (the object it waited for let it through) and asks "
                                 "for the GIL", x);
            } else if (r->cause == SIM_C_TIMEOUT) {
                snprintf(buf, n, "%s's timed wait ran out; it asks for the GIL", x);
            } else if (r->cause == SIM_C_DROP_REQUEST) {
                snprintf(buf, n, "%s saw the drop request at a check point, dropped the GIL and "
                                 "now waits to take it back", x);
            } else if (r->cause == SIM_C_THREAD_START || before < 0 || before == SIM_R_NEW) {
                snprintf(buf, n, "%s started and asks for the GIL", x);
            } else if (r->cause == SIM_C_OP_END || (before >= SIM_R_IO && before <= SIM_R_START_WAIT) ||
                       before == SIM_R_NOGIL) {
                snprintf(buf, n, "%s finished %s and asks for the GIL", x, blocked_what(before));
            } else {
                snprintf(buf, n, "%s waits for the GIL", x);
            }
            break;
        case SIM_ST_BLOCKED:
            switch (why) {
            case SIM_R_IO:
                snprintf(buf, n, "%s started I/O, releasing the GIL", x);
                break;
            case SIM_R_SLEEP:
                snprintf(buf, n, "%s went to sleep, releasing the GIL", x);
                break;
            case SIM_R_LOCK:
                snprintf(buf, n, "%s blocks on a lock", x);
                break;
            case SIM_R_JOIN:
                snprintf(buf, n, "%s waits in join", x);
                break;
            case SIM_R_SWITCH_WAIT:
                snprintf(buf, n, "%s dropped the GIL and waits until another thread has taken it "
                                 "(forced switching)", x);
                break;
            case SIM_R_START_WAIT:
                snprintf(buf, n, "%s waits until the thread it started runs", x);
                break;
            default:
                snprintf(buf, n, "%s is blocked (%s)", x, sim_reason_name(why));
                break;
            }
            break;
        case SIM_ST_TERMINATED:
            if (why == SIM_R_KILLED && r->cause == SIM_C_FORK)
                snprintf(buf, n, "%s did not survive the fork", x);
            else if (why == SIM_R_KILLED)
                snprintf(buf, n, "%s (a daemon) was killed as the last non-daemon thread ended", x);
            else if (r->cause == SIM_C_ERROR)
                snprintf(buf, n, "%s ended with an exception", x);
            else
                snprintf(buf, n, "%s finished", x);
            break;
        default:
            snprintf(buf, n, "%s is new", x);
            break;
        }
        break;
    }
    case SIM_REC_GIL_ACQUIRE:
        if (o && r->other - 1 != r->thread)
            snprintf(buf, n, "%s took the GIL from %s", x, o);
        else if (r->cause == SIM_C_GIL_FREE)
            snprintf(buf, n, "%s took the free GIL", x);
        else
            snprintf(buf, n, "%s took the GIL", x);
        break;
    case SIM_REC_GIL_DROP:
        if (r->state == SIM_DROP_FORCED)
            snprintf(buf, n, "%s dropped the GIL at a check point because of the drop request", x);
        else if (r->state == SIM_DROP_EXIT)
            snprintf(buf, n, "%s released the GIL as it ended", x);
        else
            snprintf(buf, n, "%s released the GIL", x);
        break;
    case SIM_REC_DROP_REQUEST: {
        char d[32];
        const SimRunInfo *in = sim_trace_info(ix->tr);
        snprintf(buf, n, "%s waited a whole switch interval (%s) with no switch, so it set the "
                         "drop request%s%s",
                 x, dur(in->switch_interval, d, sizeof(d)), o ? " for " : "", o ? o : "");
        break;
    }
    case SIM_REC_GIL_TIMEOUT:
        snprintf(buf, n, "%s's timed wait for the GIL ran out", x);
        break;
    case SIM_REC_FAILED_WAKEUP:
        snprintf(buf, n, "%s woke up but %s had the GIL again; it waits another interval", x,
                 o ? o : "another thread");
        break;
    case SIM_REC_PROC_START:
        snprintf(buf, n, "process %s started", pname(ix, r->arg));
        break;
    case SIM_REC_PROC_EXIT:
        snprintf(buf, n, "process %s ended", pname(ix, r->arg));
        break;
    case SIM_REC_FORK:
        snprintf(buf, n, "%s forked process %s", x, pname(ix, r->arg));
        break;
    case SIM_REC_DEADLOCK: {
        char what[512];
        snprintf(buf, n, "%s waits forever for %s: deadlock", x,
                 sim_trace_wait_text(ix->tr, rec, what, sizeof(what)));
        break;
    }
    case SIM_REC_SYNC: {
        char ob[128];
        oname(ix, r->arg, ob, sizeof(ob));
        unsigned k = r->other;
        switch (r->state) {
        case SIM_SYNC_ACQUIRE:
            if (r->reason == SIM_ACQ_FORK_ORPHAN)
                snprintf(buf, n,
                         "the fork copied %s held by %s into the child, where %s does not "
                         "exist: nobody will ever release it",
                         ob, x, x);
            else if (r->reason == SIM_ACQ_FORK_COPY)
                snprintf(buf, n, "the fork copied %s into the child still held by %s's copy", ob, x);
            else
                snprintf(buf, n, "%s acquired %s%s", x, ob, k ? " (others still waiting)" : "");
            break;
        case SIM_SYNC_RELEASE:
            if (r->reason == SIM_REL_PARTIAL)
                snprintf(buf, n, "%s released %s once but still holds it (nested)", x, ob);
            else
                snprintf(buf, n, "%s released %s (%u waiting)", x, ob, k);
            break;
        case SIM_SYNC_BLOCK:
            snprintf(buf, n, "%s waits for %s (%u waiting now)", x, ob, k);
            break;
        case SIM_SYNC_WAKE:
            snprintf(buf, n, "%s was woken by %s", x, ob);
            break;
        case SIM_SYNC_TIMEOUT:
            snprintf(buf, n, "%s gave up waiting for %s (timeout)", x, ob);
            break;
        case SIM_SYNC_TRY_FAIL:
            snprintf(buf, n, "%s tried %s without blocking and did not get it", x, ob);
            break;
        case SIM_SYNC_SET:
            snprintf(buf, n, "%s set %s, releasing %u thread%s", x, ob, k, k == 1 ? "" : "s");
            break;
        case SIM_SYNC_CLEAR:
            snprintf(buf, n, "%s cleared %s", x, ob);
            break;
        case SIM_SYNC_NOTIFY:
            snprintf(buf, n, "%s notified %s, waking %u", x, ob, k);
            break;
        case SIM_SYNC_PASS:
            snprintf(buf, n, "%s passed %s", x, ob);
            break;
        case SIM_SYNC_BROKEN:
            snprintf(buf, n, "%s broke", ob);
            break;
        case SIM_SYNC_PUT:
            snprintf(buf, n, "%s put an item in %s (%u now)", x, ob, k);
            break;
        case SIM_SYNC_GET:
            snprintf(buf, n, "%s took an item from %s (%u left)", x, ob, k);
            break;
        case SIM_SYNC_WRITE: {
            int32_t lost = (int32_t)k;
            if (lost > 0)
                snprintf(buf, n, "%s wrote %s, overwriting %d update%s: lost", x, ob, (int)lost,
                         lost == 1 ? "" : "s");
            else if (lost < 0)
                snprintf(buf, n, "%s wrote %s from a stale read, raising it back by %d", x, ob, (int)-lost + 1);
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

/* The pieces of the last hand-over at or before rec. */
typedef struct Handover {
    bool ok;
    uint32_t gil, taker, holder, requester;
    SimTime t_take, t_drop, t_request, t_wait, t_timeout;
    int drop_kind;      /* SimDropKind, -1 unknown */
    int holder_reason;  /* what the holder went on to do, -1 unknown */
    SimTime t_io_end;   /* taker's I/O (or sleep) ended, -1 unknown */
    int taker_before;   /* what the taker was doing before it waited */
} Handover;

static uint32_t gil_of_record(const RIndex *ix, const SimRecord *r)
{
    if (r->kind >= SIM_REC_GIL_ACQUIRE && r->kind <= SIM_REC_FAILED_WAKEUP)
        return r->arg;
    const SimThreadInfo *ti = sim_trace_thread(ix->tr, r->thread);
    return ti ? ti->gil : SIM_NONE;
}

static bool find_handover(const RIndex *ix, size_t rec, Handover *h)
{
    memset(h, 0, sizeof(*h));
    const SimRecord *rs = sim_trace_records(ix->tr);
    size_t n = sim_trace_count(ix->tr);
    if (rec >= n)
        return false;
    uint32_t gil = gil_of_record(ix, &rs[rec]);
    size_t acq = SIZE_MAX;
    for (size_t i = rec + 1, k = 0; i-- > 0 && k < MAX_SCAN; k++)
        if (rs[i].kind == SIM_REC_GIL_ACQUIRE && rs[i].arg == gil) {
            acq = i;
            break;
        }
    if (acq == SIZE_MAX)
        return false;
    const SimRecord *a = &rs[acq];
    h->ok = true;
    h->gil = gil;
    h->taker = a->thread;
    h->t_take = a->t;
    h->holder = a->other ? a->other - 1 : SIM_NONE;
    h->requester = SIM_NONE;
    h->drop_kind = -1;
    h->holder_reason = -1;
    h->t_io_end = -1;
    h->taker_before = -1;
    if (h->holder == h->taker)
        h->holder = SIM_NONE;
    /* Back from the take: the holder's drop, then the request before it. */
    size_t i = acq, k = 0;
    if (h->holder != SIM_NONE) {
        while (i-- > 0 && k++ < MAX_SCAN) {
            const SimRecord *r = &rs[i];
            if (r->kind == SIM_REC_GIL_DROP && r->arg == gil && r->thread == h->holder) {
                h->drop_kind = r->state;
                h->t_drop = r->t;
                h->holder_reason = -1;
                for (size_t j = i + 1; j < n && j < i + 16 && rs[j].t == r->t; j++)
                    if (rs[j].kind == SIM_REC_STATE && rs[j].thread == h->holder)
                        h->holder_reason = rs[j].reason;
                for (size_t j = i; j-- > 0 && i - j < 16 && rs[j].t == r->t;)
                    if (rs[j].kind == SIM_REC_STATE && rs[j].thread == h->holder)
                        h->holder_reason = rs[j].reason;
                break;
            }
            if (r->kind == SIM_REC_GIL_ACQUIRE && r->arg == gil)
                break;
        }
        if (h->drop_kind == SIM_DROP_FORCED) {
            while (i-- > 0 && k++ < MAX_SCAN) {
                const SimRecord *r = &rs[i];
                if (r->kind == SIM_REC_DROP_REQUEST && r->arg == gil) {
                    h->requester = r->thread;
                    h->t_request = r->t;
                    h->t_timeout = r->t;
                    h->t_wait = span_start(ix, r->thread, r->t);
                    /* The timed wait that ran out just before the request. */
                    for (size_t j = i, m = 0; j-- > 0 && m < 64 && rs[j].t >= h->t_wait; m++)
                        if (rs[j].kind == SIM_REC_GIL_TIMEOUT && rs[j].thread == r->thread &&
                            rs[j].arg == gil) {
                            h->t_timeout = rs[j].t;
                            break;
                        }
                    break;
                }
                if (r->kind == SIM_REC_GIL_ACQUIRE && r->arg == gil)
                    break;
            }
        }
    }
    /* How the taker came to wait: I/O or sleep ended, or it was forced off. */
    SimTime wait_start = span_start(ix, h->taker, h->t_take > 0 ? h->t_take - 1 : 0);
    int before = reason_before(ix, h->taker, wait_start);
    h->taker_before = before;
    if (before >= SIM_R_IO && before <= SIM_R_START_WAIT)
        h->t_io_end = wait_start;
    return true;
}

char *render_explain_handover(const RIndex *ix, size_t rec, char *buf, size_t n)
{
    buf[0] = '\0';
    Handover h;
    if (!find_handover(ix, rec, &h))
        return buf;
    const char *w = tname(ix, h.taker);
    char d1[32], d2[32], d3[32];
    size_t k = 0;
#define ADD(...)                                                                                  \
    do {                                                                                          \
        if (k < n)                                                                                \
            k += (size_t)snprintf(buf + k, n - k, __VA_ARGS__);                                   \
    } while (0)
    if (h.holder == SIM_NONE) {
        if (h.t_io_end >= 0)
            ADD("%s finished %s and took the free GIL (+%s)", w, blocked_what(h.taker_before),
                dur(h.t_take - h.t_io_end, d1, sizeof(d1)));
        else
            ADD("%s took the free GIL", w);
        return buf;
    }
    const char *hn = tname(ix, h.holder);
    if (h.drop_kind == SIM_DROP_FORCED && h.requester != SIM_NONE) {
        const char *rn = tname(ix, h.requester);
        if (h.t_io_end >= 0 && h.requester == h.taker)
            ADD("%s finished %s; ", w, blocked_what(h.taker_before));
        ADD("%s waited %s with no switch \xe2\x86\x92 set the drop request; ", rn,
            dur(h.t_timeout - h.t_wait, d1, sizeof(d1)));
        ADD("%s dropped the GIL at its next check point (+%s); ", hn,
            dur(h.t_drop - h.t_request, d2, sizeof(d2)));
        ADD("%s took it (+%s wake-up)", w, dur(h.t_take - h.t_drop, d3, sizeof(d3)));
    } else if (h.drop_kind == SIM_DROP_FORCED) {
        ADD("%s dropped the GIL at a check point (drop request); %s took it (+%s wake-up)", hn, w,
            dur(h.t_take - h.t_drop, d1, sizeof(d1)));
    } else if (h.drop_kind == SIM_DROP_EXIT) {
        ADD("%s ended and released the GIL; %s took it (+%s wake-up)", hn, w,
            dur(h.t_take - h.t_drop, d1, sizeof(d1)));
    } else if (h.drop_kind == SIM_DROP_VOLUNTARY) {
        const char *for_what = h.holder_reason == SIM_R_IO      ? " for I/O"
                               : h.holder_reason == SIM_R_SLEEP ? " to sleep"
                               : h.holder_reason == SIM_R_NOGIL ? " for C work without the GIL"
                               : h.holder_reason == SIM_R_LOCK  ? " to block on a lock"
                               : h.holder_reason == SIM_R_JOIN  ? " to join"
                                                                : "";
        if (h.t_io_end >= 0)
            ADD("%s finished %s and waited %s; ", w, blocked_what(h.taker_before),
                dur(h.t_drop - h.t_io_end > 0 ? h.t_drop - h.t_io_end : 0, d2, sizeof(d2)));
        ADD("%s released the GIL%s; %s took it (+%s wake-up)", hn, for_what, w,
            dur(h.t_take - h.t_drop, d1, sizeof(d1)));
    } else {
        ADD("%s took the GIL from %s", w, hn);
    }
#undef ADD
    return buf;
}

bool render_explain_chain(const RIndex *ix, size_t rec, RChain *out)
{
    memset(out, 0, sizeof(*out));
    Handover h;
    if (!find_handover(ix, rec, &h) || h.holder == SIM_NONE || h.drop_kind < 0)
        return false;
    uint32_t gl = h.gil < ix->n_gils ? ix->gil_lane[h.gil] : SIM_NONE;
#define PT(tt, ln, lab)                                                                           \
    do {                                                                                          \
        if (out->n < R_CHAIN_MAX && (ln) != SIM_NONE) {                                           \
            out->t[out->n] = (tt);                                                                \
            out->lane[out->n] = (ln);                                                             \
            out->label[out->n] = (lab);                                                           \
            out->n++;                                                                             \
        }                                                                                         \
    } while (0)
    if (h.t_io_end >= 0 && (h.requester == h.taker || h.drop_kind != SIM_DROP_FORCED))
        PT(h.t_io_end, ix->thread_lane[h.taker], "I/O done \xe2\x86\x92 asks for the GIL");
    if (h.drop_kind == SIM_DROP_FORCED && h.requester != SIM_NONE)
        PT(h.t_request, gl, "drop request");
    PT(h.t_drop, ix->thread_lane[h.holder],
       h.drop_kind == SIM_DROP_FORCED ? "forced drop" : "releases the GIL");
    PT(h.t_take, ix->thread_lane[h.taker], "takes the GIL");
#undef PT
    return out->n >= 2;
}
