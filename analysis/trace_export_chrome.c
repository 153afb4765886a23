/*
 * trace_export_chrome.c - the trace of a run as Chrome Trace Event JSON
 * (trace_export.h says what the file holds).
 *
 * One pass over the records in time order, every number formatted by hand
 * into a large buffer (trace_export_out.h), so a run of a million
 * transitions is written in a fraction of a second and the bytes never
 * depend on the locale.
 *
 * A slice is written when it begins, with its duration already known: a
 * backward pass links each state record to the same thread's next one and
 * each GIL acquisition to the record that ends the holding, and a forward
 * survey finds which tracks will hold anything and what each join waited
 * for. The JSON is then in time order, except that a flow goes out whole
 * with the hand-over that ends it, and the names of the tracks come last,
 * once it is known which tracks were used (Perfetto makes a thread of
 * every pid/tid it reads, so a name given to a track without events is an
 * empty thread on screen).
 *
 * Perfetto binds a flow point to the slice on top of its track's stack
 * when it reads the point, in time order, ties broken by file order. So
 * every slice a flow point must bind to is written before it, and the
 * step through the holding that was asked to end is placed strictly
 * inside that holding: on its boundary nothing holds the GIL, and a
 * reader that binds by time (chrome://tracing) would find no slice.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "run.h"
#include "trace_export.h"
#include "trace_export_out.h"

/* ---- Links between records ---------------------------------------------------- */

/*
 * next[i] is, for a STATE record, the index of the same thread's next STATE
 * record; for a GIL_ACQUIRE, the index of the record that ends the holding
 * (the GIL's next DROP or, failing that, ACQUIRE); for a GIL_TIMEOUT, the
 * record that makes it count (the same thread's next drop request, or its
 * take of the GIL on that wake-up, with no other timeout or failed wake-up
 * between), NONE when the timed wait ran out for nothing (a switch happened
 * meanwhile, and a later signal or timeout gave the GIL); NONE otherwise or
 * when there is none. first[t] is thread t's first STATE record.
 */
static uint32_t *links_build(const SimTrace *tr, uint32_t *first)
{
    size_t n = sim_trace_count(tr);
    uint32_t nt = sim_trace_thread_count(tr), ng = sim_trace_gil_count(tr);
    const SimRecord *r = sim_trace_records(tr);
    uint32_t *next = malloc((n ? n : 1) * sizeof(*next));
    uint32_t *gil_end = malloc((ng ? ng : 1) * sizeof(*gil_end));
    uint32_t *gil_next = malloc((nt ? nt : 1) * sizeof(*gil_next));
    if (!next || !gil_end || !gil_next) {
        free(next);
        free(gil_end);
        free(gil_next);
        return NULL;
    }
    for (uint32_t t = 0; t < nt; t++)
        first[t] = gil_next[t] = NONE;
    for (uint32_t g = 0; g < ng; g++)
        gil_end[g] = NONE;
    for (size_t i = n; i-- > 0;) {
        next[i] = NONE;
        switch (r[i].kind) {
        case SIM_REC_STATE:
            if (r[i].thread < nt) {
                next[i] = first[r[i].thread];
                first[r[i].thread] = (uint32_t)i;
            }
            break;
        case SIM_REC_GIL_ACQUIRE:
            if (r[i].arg < ng) {
                next[i] = gil_end[r[i].arg];
                gil_end[r[i].arg] = (uint32_t)i;
            }
            if (r[i].thread < nt)
                gil_next[r[i].thread] = (uint32_t)i;
            break;
        case SIM_REC_GIL_DROP:
            if (r[i].arg < ng)
                gil_end[r[i].arg] = (uint32_t)i;
            break;
        case SIM_REC_GIL_TIMEOUT:
            if (r[i].thread < nt) {
                uint32_t k = gil_next[r[i].thread];
                if (k != NONE && (r[k].kind == SIM_REC_DROP_REQUEST ||
                                  (r[k].kind == SIM_REC_GIL_ACQUIRE && r[k].cause == SIM_C_GIL_TIMEOUT)))
                    next[i] = k;
                gil_next[r[i].thread] = (uint32_t)i;
            }
            break;
        case SIM_REC_DROP_REQUEST:
        case SIM_REC_FAILED_WAKEUP:
            if (r[i].thread < nt)
                gil_next[r[i].thread] = (uint32_t)i;
            break;
        default:
            break;
        }
    }
    free(gil_end);
    free(gil_next);
    return next;
}

static const char *drop_name(unsigned k)
{
    switch (k) {
    case SIM_DROP_VOLUNTARY: return "voluntary";
    case SIM_DROP_FORCED: return "forced";
    case SIM_DROP_EXIT: return "exit";
    default: return "unknown";
    }
}

/* ---- Chrome Trace Event JSON ------------------------------------------------- */

typedef struct Request {
    uint32_t thread;
    SimTime t;
} Request;

/* Drop requests on one GIL waiting for the hand-over that answers them. */
typedef struct GilFlows {
    Request *req;
    size_t n, cap;
    SimTime hold_t;  /* when the current or last holding began */
    bool dropped;    /* a holding with a slice ended after the first request */
    SimTime drop_t;  /* ... when */
    SimTime drop_hold_t; /* ... and when that holding began */
} GilFlows;

/* A process join, by the STATE record that began it, and the process whose
 * end let it go on. */
typedef struct JoinTarget {
    uint32_t rec;
    uint32_t process;
} JoinTarget;

typedef struct Chrome {
    const SimTrace *tr;
    const SimRecord *r;
    Out o;
    Names nm;
    uint32_t nt, np, ng, no, nc;
    bool all_timeouts;       /* write the timeouts that changed nothing too */
    uint64_t timeouts_left_out;
    StrBuf *thread_id;       /* [nt] "pid":P,"tid":T of each thread */
    StrBuf *gil_id;          /* [ng] of each GIL's track, in its process */
    StrBuf *core_id;         /* [nc] of each core's track, in the machine */
    StrBuf *counter_id;      /* [np + 1] where a process's counters go; [np] the machine's */
    StrBuf *gil_name;        /* [ng] "GIL", or "GIL 2" for a subinterpreter's own */
    StrBuf *gil_counter;     /* [ng] ,"name":"GIL","args":{"waiters": */
    StrBuf *run_label;       /* [nt] "process/thread", a core slice's name */
    StrBuf states[SIM_ST_COUNT], reasons[SIM_REASON_COUNT], causes[SIM_CAUSE_COUNT];
    uint32_t *gil_proc;      /* [ng] the process a GIL belongs to, NONE if none */
    uint32_t *first_thread;  /* [np] each process's first thread, NONE if none */
    uint8_t *gil_used;       /* [ng] it has a holding of non-zero length: a track */
    uint8_t *core_used;      /* [nc] something ran on it: a track */
    uint8_t *thread_used;    /* [nt] an event went on its track */
    uint8_t *reason;         /* [nt] current reason of each thread */
    uint32_t *on_core;       /* [nt] the core whose slice a thread is in, NONE if none */
    int64_t *waiters;        /* [ng] threads in Runnable(wait_gil) */
    int64_t *waiters_shown;  /* [ng] value of the last counter event */
    uint32_t *dirty;         /* GILs whose waiter count changed this instant */
    uint32_t n_dirty;
    uint8_t *is_dirty;       /* [ng] */
    int64_t run_queue, run_queue_shown;
    GilFlows *flows;         /* [ng] */
    JoinTarget *joins;       /* process joins, by record */
    size_t n_joins;
    uint64_t flow_id;
    uint64_t events;
    /* Objects drawn as counters: shared variables (value), queues and
     * pipes (items), semaphores (permits taken). */
    uint8_t *counted;        /* [no] 0: no counter; else OBJ_* */
    StrBuf *counter_name;    /* [no] "\"count (shared)\"" */
    int64_t *value;          /* [no] the value, items or permits taken now */
    int64_t *expected;       /* [no] shared: the value had no update been lost */
} Chrome;

enum { OBJ_NONE = 0, OBJ_SHARED, OBJ_QUEUE, OBJ_SEMAPHORE };

static inline void ev_begin(Chrome *c)
{
    if (c->events++)
        OUT_LIT(&c->o, ",\n{");
    else
        OUT_LIT(&c->o, "\n{");
}

static void bufs_free(StrBuf *b, uint32_t n)
{
    for (uint32_t i = 0; b && i < n; i++)
        strbuf_fini(&b[i]);
    free(b);
}

static void chrome_free(Chrome *c)
{
    bufs_free(c->thread_id, c->nt);
    bufs_free(c->gil_id, c->ng);
    bufs_free(c->core_id, c->nc);
    bufs_free(c->counter_id, c->np + 1);
    bufs_free(c->gil_name, c->ng);
    bufs_free(c->gil_counter, c->ng);
    bufs_free(c->run_label, c->nt);
    bufs_free(c->counter_name, c->no);
    for (int i = 0; i < SIM_ST_COUNT; i++)
        strbuf_fini(&c->states[i]);
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        strbuf_fini(&c->reasons[i]);
    for (int i = 0; i < SIM_CAUSE_COUNT; i++)
        strbuf_fini(&c->causes[i]);
    for (uint32_t g = 0; c->flows && g < c->ng; g++)
        free(c->flows[g].req);
    free(c->flows);
    free(c->gil_proc);
    free(c->first_thread);
    free(c->gil_used);
    free(c->core_used);
    free(c->thread_used);
    free(c->reason);
    free(c->on_core);
    free(c->waiters);
    free(c->waiters_shown);
    free(c->dirty);
    free(c->is_dirty);
    free(c->joins);
    free(c->counted);
    free(c->value);
    free(c->expected);
    names_free(&c->nm);
    out_fini(&c->o);
}

static bool id_str(StrBuf *s, uint32_t pid, uint32_t tid)
{
    char buf[64];
    size_t k = 0;
    memcpy(buf, "\"pid\":", 6);
    k = 6;
    k += fmt_u64(buf + k, pid);
    memcpy(buf + k, ",\"tid\":", 7);
    k += 7;
    k += fmt_u64(buf + k, tid);
    strbuf_put(s, buf, k);
    return !s->oom;
}

static int join_cmp(const void *a, const void *b)
{
    uint32_t x = ((const JoinTarget *)a)->rec, y = ((const JoinTarget *)b)->rec;
    return x < y ? -1 : x > y;
}

/*
 * What the tracks will hold, before anything is written: which GILs have a
 * holding of non-zero length, which cores ran something, how many cores
 * there are, and, for every join of a process, the process whose end let
 * it go on (the trace says which thread a join waits for, but of a
 * process only that one ended: the last to end while the join waited).
 */
static bool survey(Chrome *c, const uint32_t *next)
{
    const SimRecord *r = c->r;
    size_t n = sim_trace_count(c->tr);
    SimTime end = sim_trace_end(c->tr);
    uint32_t *pending = malloc((c->nt ? c->nt : 1) * sizeof(*pending));
    size_t cap = 0;
    if (!pending)
        return false;
    for (uint32_t t = 0; t < c->nt; t++)
        pending[t] = NONE;
    uint32_t last_exit = NONE;
    SimTime last_exit_t = -1;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        switch (r[i].kind) {
        case SIM_REC_GIL_ACQUIRE:
            if (r[i].arg < c->ng && (next[i] != NONE ? r[next[i]].t : end) > r[i].t)
                c->gil_used[r[i].arg] = 1;
            break;
        case SIM_REC_PROC_EXIT:
            last_exit = r[i].arg;
            last_exit_t = r[i].t;
            break;
        case SIM_REC_STATE: {
            uint32_t t = r[i].thread;
            if (t >= c->nt)
                break;
            if (SIM_REC_NEW_STATE(&r[i]) == SIM_ST_RUNNING && r[i].arg < c->nc &&
                (next[i] != NONE ? r[next[i]].t : end) > r[i].t)
                c->core_used[r[i].arg] = 1;
            uint32_t j = pending[t];
            if (j != NONE && last_exit != NONE && last_exit_t >= r[j].t) {
                if (c->n_joins == cap) {
                    size_t ncap = cap ? cap * 2 : 8;
                    JoinTarget *nj = realloc(c->joins, ncap * sizeof(*nj));
                    if (!nj) {
                        ok = false;
                        break;
                    }
                    c->joins = nj;
                    cap = ncap;
                }
                c->joins[c->n_joins++] = (JoinTarget){j, last_exit};
            }
            pending[t] = r[i].reason == SIM_R_JOIN && !r[i].other ? (uint32_t)i : NONE;
            break;
        }
        default:
            break;
        }
    }
    free(pending);
    if (ok && c->n_joins > 1)
        qsort(c->joins, c->n_joins, sizeof(*c->joins), join_cmp);
    return ok;
}

/* The highest core a Running record names, plus one, and at least the
 * machine's cores. */
static uint32_t core_count(const SimTrace *tr)
{
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    int cores = sim_trace_info(tr)->cores;
    uint32_t nc = cores > 0 && cores < 1 << 20 ? (uint32_t)cores : 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].kind == SIM_REC_STATE && SIM_REC_NEW_STATE(&r[i]) == SIM_ST_RUNNING && r[i].arg >= nc &&
            r[i].arg < 1 << 20)
            nc = r[i].arg + 1;
    return nc;
}

static bool chrome_init(Chrome *c, const SimTrace *tr, FILE *f)
{
    memset(c, 0, sizeof(*c));
    c->tr = tr;
    c->r = sim_trace_records(tr);
    c->nt = sim_trace_thread_count(tr);
    c->np = sim_trace_process_count(tr);
    c->ng = sim_trace_gil_count(tr);
    c->no = sim_trace_object_count(tr);
    c->nc = core_count(tr);
    if (!out_init(&c->o, f) || !names_build(tr, quote_json, &c->nm))
        return false;
    c->thread_id = calloc(c->nt + 1, sizeof(StrBuf));
    c->gil_id = calloc(c->ng + 1, sizeof(StrBuf));
    c->core_id = calloc(c->nc + 1, sizeof(StrBuf));
    c->counter_id = calloc(c->np + 1, sizeof(StrBuf));
    c->gil_name = calloc(c->ng + 1, sizeof(StrBuf));
    c->gil_counter = calloc(c->ng + 1, sizeof(StrBuf));
    c->run_label = calloc(c->nt + 1, sizeof(StrBuf));
    c->gil_proc = malloc((c->ng + 1) * sizeof(uint32_t));
    c->first_thread = malloc((c->np + 1) * sizeof(uint32_t));
    c->gil_used = calloc(c->ng + 1, 1);
    c->core_used = calloc(c->nc + 1, 1);
    c->thread_used = calloc(c->nt + 1, 1);
    c->reason = calloc(c->nt + 1, 1);
    c->on_core = malloc((c->nt + 1) * sizeof(uint32_t));
    c->waiters = calloc(c->ng + 1, sizeof(int64_t));
    c->waiters_shown = calloc(c->ng + 1, sizeof(int64_t));
    c->dirty = calloc(c->ng + 1, sizeof(uint32_t));
    c->is_dirty = calloc(c->ng + 1, 1);
    c->flows = calloc(c->ng + 1, sizeof(GilFlows));
    c->counted = calloc(c->no + 1, 1);
    c->counter_name = calloc(c->no + 1, sizeof(StrBuf));
    c->value = calloc(c->no + 1, sizeof(int64_t));
    c->expected = calloc(c->no + 1, sizeof(int64_t));
    if (!c->thread_id || !c->gil_id || !c->core_id || !c->counter_id || !c->gil_name || !c->gil_counter ||
        !c->run_label || !c->gil_proc || !c->first_thread || !c->gil_used || !c->core_used ||
        !c->thread_used || !c->reason || !c->on_core || !c->waiters || !c->waiters_shown || !c->dirty ||
        !c->is_dirty || !c->flows || !c->counted || !c->counter_name || !c->value || !c->expected)
        return false;
    for (uint32_t o = 0; o < c->no; o++) {
        const SimObjectInfo *oi = sim_trace_object(tr, o);
        const char *k = oi->kind ? oi->kind : "";
        const char *what = NULL;
        if (!strcmp(k, "shared"))
            c->counted[o] = OBJ_SHARED, what = "shared";
        else if (!strcmp(k, "queue") || !strcmp(k, "pipe") || !strcmp(k, "mp_queue"))
            c->counted[o] = OBJ_QUEUE, what = k;
        else if (!strcmp(k, "semaphore") || !strcmp(k, "bounded_semaphore"))
            c->counted[o] = OBJ_SEMAPHORE, what = "semaphore";
        if (!what)
            continue;
        c->value[o] = c->counted[o] == OBJ_SHARED ? oi->initial : 0;
        c->expected[o] = oi->initial;
        char label[256];
        snprintf(label, sizeof(label), "%s (%s)", oi->name ? oi->name : "?", what);
        if (!quote_json(label, &c->counter_name[o]))
            return false;
    }
    for (uint32_t p = 0; p < c->np; p++)
        c->first_thread[p] = NONE;
    for (uint32_t t = 0; t < c->nt; t++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, t);
        c->on_core[t] = NONE;
        if (!id_str(&c->thread_id[t], ti->process + 1, t + 1))
            return false;
        if (ti->process < c->np && c->first_thread[ti->process] == NONE)
            c->first_thread[ti->process] = t;
        const SimProcessInfo *pi = ti->process < c->np ? sim_trace_process(tr, ti->process) : NULL;
        char label[512];
        snprintf(label, sizeof(label), "%s/%s", pi && pi->name ? pi->name : "?", ti->name ? ti->name : "?");
        if (!quote_json(label, &c->run_label[t]))
            return false;
    }
    /* A GIL belongs to the process whose interpreter it is: the process's
     * own, or the subinterpreter GIL its threads use. */
    for (uint32_t g = 0; g < c->ng; g++)
        c->gil_proc[g] = NONE;
    for (uint32_t p = c->np; p-- > 0;) {
        uint32_t g = sim_trace_process(tr, p)->gil;
        if (g < c->ng)
            c->gil_proc[g] = p;
    }
    for (uint32_t t = 0; t < c->nt; t++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, t);
        if (ti->gil < c->ng && c->gil_proc[ti->gil] == NONE && ti->process < c->np)
            c->gil_proc[ti->gil] = ti->process;
    }
    /* Tids: the threads', then each GIL's track, then each core's, so every
     * tid is unique across the file. */
    for (uint32_t g = 0; g < c->ng; g++) {
        uint32_t p = c->gil_proc[g];
        const SimProcessInfo *pi = p < c->np ? sim_trace_process(tr, p) : NULL;
        char name[64];
        if (pi && g > pi->gil)
            snprintf(name, sizeof(name), "GIL %u", g - pi->gil); /* as the viewer's lane */
        else
            snprintf(name, sizeof(name), "GIL");
        if (!id_str(&c->gil_id[g], (p < c->np ? p : c->np) + 1, c->nt + 1 + g) ||
            !quote_json(name, &c->gil_name[g]))
            return false;
        strbuf_puts(&c->gil_counter[g], ",\"name\":");
        strbuf_put(&c->gil_counter[g], c->gil_name[g].s, c->gil_name[g].n);
        strbuf_puts(&c->gil_counter[g], ",\"args\":{\"waiters\":");
        if (c->gil_counter[g].oom)
            return false;
    }
    for (uint32_t k = 0; k < c->nc; k++)
        if (!id_str(&c->core_id[k], c->np + 1, c->nt + c->ng + 1 + k))
            return false;
    for (int i = 0; i < SIM_ST_COUNT; i++)
        if (!quote_json(sim_state_name((SimState)i), &c->states[i]))
            return false;
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        if (!quote_json(sim_reason_name((SimReason)i), &c->reasons[i]))
            return false;
    for (int i = 0; i < SIM_CAUSE_COUNT; i++)
        if (!quote_json(sim_cause_name((SimCause)i), &c->causes[i]))
            return false;
    return true;
}

/* Where counters go, once the survey has said which tracks exist: a
 * process's on its GIL's track, or its first thread's when its GIL is
 * never held (free-threaded); the machine's on its first core. Perfetto
 * keys a counter by process and name, but makes a thread of the tid. */
static bool counter_ids(Chrome *c)
{
    for (uint32_t p = 0; p < c->np; p++) {
        uint32_t g = sim_trace_process(c->tr, p)->gil, t = c->first_thread[p];
        bool ok;
        if (g < c->ng && c->gil_used[g] && c->gil_proc[g] == p)
            ok = id_str(&c->counter_id[p], p + 1, c->nt + 1 + g);
        else
            ok = id_str(&c->counter_id[p], p + 1, t != NONE ? t + 1 : c->nt + c->ng + c->nc + 1 + p);
        if (!ok)
            return false;
    }
    uint32_t k = 0;
    while (k < c->nc && !c->core_used[k])
        k++;
    return id_str(&c->counter_id[c->np], c->np + 1, c->nt + c->ng + 1 + (k < c->nc ? k : 0));
}

/* The track a counter of process p (c->np: the machine) goes on is used. */
static void counter_track_used(Chrome *c, uint32_t p)
{
    if (p >= c->np) {
        uint32_t k = 0;
        while (k < c->nc && !c->core_used[k])
            k++;
        if (k < c->nc || c->nc)
            c->core_used[k < c->nc ? k : 0] = 1;
        return;
    }
    uint32_t g = sim_trace_process(c->tr, p)->gil, t = c->first_thread[p];
    if (!(g < c->ng && c->gil_used[g] && c->gil_proc[g] == p) && t != NONE)
        c->thread_used[t] = 1;
}

static const StrBuf *thread_name(const Chrome *c, uint32_t t)
{
    static const StrBuf unknown = {"\"?\"", 3, 4, false};
    return t < c->nt ? &c->nm.thread[t] : &unknown;
}

/* ---- Events ---- */

static void ev_meta(Chrome *c, const StrBuf *id, const char *what, const StrBuf *name, int64_t sort_index)
{
    Out *o = &c->o;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"M\",");
    out_str(o, id);
    OUT_LIT(o, ",\"ts\":0,\"name\":\"");
    out_put(o, what, strlen(what));
    if (name) {
        OUT_LIT(o, "\",\"args\":{\"name\":");
        out_str(o, name);
    } else {
        OUT_LIT(o, "\",\"args\":{\"sort_index\":");
        out_i64(o, sort_index);
    }
    OUT_LIT(o, "}}");
}

static void ev_counter(Chrome *c, const StrBuf *id, SimTime t, const char *name_key, size_t key_len, int64_t v)
{
    Out *o = &c->o;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"C\",");
    out_str(o, id);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, t);
    out_put(o, name_key, key_len);
    out_i64(o, v);
    OUT_LIT(o, "}}");
}

#define RUNQ_COUNTER ",\"name\":\"run queue\",\"args\":{\"threads\":"

/* Counter values settle once every record of an instant is applied. */
static void counters_flush(Chrome *c, SimTime t)
{
    for (uint32_t k = 0; k < c->n_dirty; k++) {
        uint32_t g = c->dirty[k];
        c->is_dirty[g] = 0;
        if (c->waiters[g] != c->waiters_shown[g]) {
            ev_counter(c, &c->gil_id[g], t, c->gil_counter[g].s, c->gil_counter[g].n, c->waiters[g]);
            c->waiters_shown[g] = c->waiters[g];
        }
    }
    c->n_dirty = 0;
    if (c->run_queue != c->run_queue_shown) {
        ev_counter(c, &c->counter_id[c->np], t, RUNQ_COUNTER, sizeof(RUNQ_COUNTER) - 1, c->run_queue);
        c->run_queue_shown = c->run_queue;
    }
}

/* A thread began or stopped waiting for its GIL: that GIL's counter, when
 * the GIL has a track (a GIL nobody ever holds has no waiters to show). */
static void waiters_add(Chrome *c, uint32_t thread, int d)
{
    uint32_t g = sim_trace_thread(c->tr, thread)->gil;
    if (g >= c->ng || !c->gil_used[g])
        return;
    c->waiters[g] += d;
    if (!c->is_dirty[g]) {
        c->is_dirty[g] = 1;
        c->dirty[c->n_dirty++] = g;
    }
}

/* An instant on a thread's track; the caller writes the args and closes them. */
static void ev_instant_open(Chrome *c, const SimRecord *r, const char *name_cat_args)
{
    Out *o = &c->o;
    c->thread_used[r->thread] = 1;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"i\",\"s\":\"t\",");
    out_str(o, &c->thread_id[r->thread]);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, r->t);
    out_put(o, name_cat_args, strlen(name_cat_args));
}

/* What a Blocked interval waits for, as the viewer's lane says it ("join
 * worker", "join p1", "get q", "lock L"); "" when it waits for no one
 * thing (I/O, sleep, the switch wait). */
static const char *wait_label(const Chrome *c, size_t i, char *buf, size_t n)
{
    const SimRecord *r = &c->r[i];
    buf[0] = '\0';
    if (SIM_REC_NEW_STATE(r) != SIM_ST_BLOCKED)
        return buf;
    if (r->reason == SIM_R_JOIN) {
        if (r->other && r->other - 1 < c->nt) {
            const SimThreadInfo *ti = sim_trace_thread(c->tr, r->other - 1);
            snprintf(buf, n, "join %s", ti->name ? ti->name : "?");
            return buf;
        }
        size_t lo = 0, hi = c->n_joins;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (c->joins[mid].rec < i)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < c->n_joins && c->joins[lo].rec == i && c->joins[lo].process < c->np) {
            const SimProcessInfo *pi = sim_trace_process(c->tr, c->joins[lo].process);
            snprintf(buf, n, "join %s", pi->name ? pi->name : "?");
        }
        return buf;
    }
    if (r->reason != SIM_R_LOCK && r->reason != SIM_R_IO)
        return buf;
    /* A wait on an object: its BLOCK record follows at the same instant. */
    size_t total = sim_trace_count(c->tr);
    for (size_t j = i + 1; j < total && c->r[j].t == r->t; j++) {
        const SimRecord *b = &c->r[j];
        if (b->kind == SIM_REC_STATE && b->thread == r->thread)
            break;
        if (b->kind == SIM_REC_SYNC && b->state == SIM_SYNC_BLOCK && b->thread == r->thread) {
            if (b->arg < c->no)
                explain_wait_label(c->tr, b->arg, b->reason, r->thread, false, buf, n);
            break;
        }
    }
    return buf;
}

static void ev_state(Chrome *c, size_t i, SimTime end)
{
    Out *o = &c->o;
    const SimRecord *r = &c->r[i];
    SimState s = SIM_REC_NEW_STATE(r);
    unsigned reason = r->reason < SIM_REASON_COUNT ? r->reason : SIM_R_NEW;
    unsigned cause = r->cause < SIM_CAUSE_COUNT ? r->cause : SIM_C_NONE;
    char label[256];
    StrBuf waits = {0};
    /* A wait is named after what it waits for, so that two waits in a row
     * (a join of one process, then of the next) read as two slices. */
    if (*wait_label(c, i, label, sizeof(label)) && !quote_json(label, &waits)) {
        o->failed = true;
        return;
    }
    c->thread_used[r->thread] = 1;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"X\",");
    out_str(o, &c->thread_id[r->thread]);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, r->t);
    OUT_LIT(o, ",\"dur\":");
    out_us(o, end - r->t);
    OUT_LIT(o, ",\"name\":");
    out_str(o, waits.n ? &waits : &c->states[s < SIM_ST_COUNT ? s : SIM_ST_NEW]);
    OUT_LIT(o, ",\"cat\":");
    out_str(o, &c->reasons[reason]);
    OUT_LIT(o, ",\"args\":{\"state\":");
    out_str(o, &c->states[s < SIM_ST_COUNT ? s : SIM_ST_NEW]);
    OUT_LIT(o, ",\"reason\":");
    out_str(o, &c->reasons[reason]);
    if (waits.n) {
        OUT_LIT(o, ",\"waits_for\":");
        out_str(o, &waits);
    }
    if (s == SIM_ST_RUNNING) {
        OUT_LIT(o, ",\"core\":");
        out_u64(o, r->arg);
    }
    OUT_LIT(o, ",\"cause\":");
    out_str(o, &c->causes[cause]);
    if (r->other && r->other - 1 < c->nt) {
        OUT_LIT(o, ",\"other_thread\":");
        out_str(o, &c->nm.thread[r->other - 1]);
    }
    OUT_LIT(o, "}}");
    strbuf_fini(&waits);
}

/*
 * A thread began running on a core it was not already running on: one
 * slice on that core's track, named "process/thread", as long as the
 * thread keeps running there (a Running record that only changes the
 * reason, python to c_call, continues it).
 */
static void ev_core(Chrome *c, size_t i, const uint32_t *next)
{
    const SimRecord *r = &c->r[i];
    uint32_t k = r->arg;
    SimTime end = sim_trace_end(c->tr);
    uint32_t j = next[i];
    while (j != NONE && SIM_REC_NEW_STATE(&c->r[j]) == SIM_ST_RUNNING && c->r[j].arg == k)
        j = next[j];
    SimTime until = j != NONE ? c->r[j].t : end;
    if (until <= r->t || k >= c->nc)
        return;
    Out *o = &c->o;
    const SimThreadInfo *ti = sim_trace_thread(c->tr, r->thread);
    c->core_used[k] = 1;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"X\",");
    out_str(o, &c->core_id[k]);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, r->t);
    OUT_LIT(o, ",\"dur\":");
    out_us(o, until - r->t);
    OUT_LIT(o, ",\"name\":");
    out_str(o, &c->run_label[r->thread]);
    OUT_LIT(o, ",\"cat\":\"core\",\"args\":{\"thread\":");
    out_str(o, &c->nm.thread[r->thread]);
    OUT_LIT(o, ",\"process\":");
    if (ti->process < c->np)
        out_str(o, &c->nm.process[ti->process]);
    else
        OUT_LIT(o, "null");
    OUT_LIT(o, "}}");
}

/*
 * One holding of a GIL: a slice on the GIL's track named after the holder
 * or, when it lasts no time at all, an instant on the holder's own track.
 * A zero-length slice would sort after the holding that begins at the
 * same instant and, as the slice last begun on the GIL track, capture the
 * flows meant for that holding.
 */
static void ev_gil_hold(Chrome *c, uint32_t g, const SimRecord *r, const SimRecord *end_rec, SimTime end)
{
    Out *o = &c->o;
    const StrBuf *holder = thread_name(c, r->thread);
    ev_begin(c);
    if (end > r->t) {
        OUT_LIT(o, "\"ph\":\"X\",");
        out_str(o, &c->gil_id[g]);
        OUT_LIT(o, ",\"ts\":");
        out_us(o, r->t);
        OUT_LIT(o, ",\"dur\":");
        out_us(o, end - r->t);
        OUT_LIT(o, ",\"name\":");
        out_str(o, holder);
    } else {
        c->thread_used[r->thread] = 1;
        OUT_LIT(o, "\"ph\":\"i\",\"s\":\"t\",");
        out_str(o, &c->thread_id[r->thread]);
        OUT_LIT(o, ",\"ts\":");
        out_us(o, r->t);
        OUT_LIT(o, ",\"name\":\"GIL acquired and released\"");
    }
    OUT_LIT(o, ",\"cat\":\"gil\",\"args\":{\"holder\":");
    out_str(o, holder);
    OUT_LIT(o, ",\"drop\":\"");
    const char *drop = !end_rec ? "held at end" : end_rec->kind == SIM_REC_GIL_DROP ? drop_name(end_rec->state) : "none";
    out_put(o, drop, strlen(drop));
    OUT_LIT(o, "\"");
    if (r->other && r->other - 1 < c->nt) {
        OUT_LIT(o, ",\"previous\":");
        out_str(o, &c->nm.thread[r->other - 1]);
    }
    OUT_LIT(o, "}}");
}

#define FLOW_NAME ",\"name\":\"GIL handover\",\"cat\":\"gil\"}"

static void ev_flow(Chrome *c, const char *ph, uint64_t id, const StrBuf *track, SimTime t)
{
    Out *o = &c->o;
    ev_begin(c);
    out_put(o, ph, strlen(ph));
    OUT_LIT(o, ",\"id\":");
    out_u64(o, id);
    OUT_LIT(o, ",");
    out_str(o, track);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, t);
    OUT_LIT(o, FLOW_NAME);
}

/*
 * The GIL changed hands: every request waiting on it gets its flow. Each
 * point is written after the slice or instant it must bind to: the start
 * to the requester's "drop request" instant, the step to the holding that
 * was asked to end, the end to the new holding, `end_track` being the
 * GIL's track or, for a zero-length holding, the new holder's own track.
 * The step is halfway between the request (or the holding's start, when
 * later) and the drop, strictly inside the holding; when less than 2 ns
 * separate them there is no such instant and the step is left out.
 */
static void flows_answer(Chrome *c, uint32_t g, const StrBuf *end_track, SimTime t)
{
    GilFlows *fl = &c->flows[g];
    for (size_t k = 0; k < fl->n; k++) {
        const Request *q = &fl->req[k];
        uint64_t id = ++c->flow_id;
        ev_flow(c, "\"ph\":\"s\"", id, &c->thread_id[q->thread], q->t);
        if (fl->dropped && fl->drop_t < t) {
            SimTime lo = q->t > fl->drop_hold_t ? q->t : fl->drop_hold_t;
            if (fl->drop_t - lo >= 2)
                ev_flow(c, "\"ph\":\"t\"", id, &c->gil_id[g], lo + (fl->drop_t - lo) / 2);
        }
        ev_flow(c, "\"ph\":\"f\",\"bp\":\"e\"", id, end_track, t);
    }
    fl->n = 0;
    fl->dropped = false;
}

static bool flows_request(Chrome *c, uint32_t g, const SimRecord *r)
{
    GilFlows *fl = &c->flows[g];
    if (fl->n == fl->cap) {
        size_t ncap = fl->cap ? fl->cap * 2 : 4;
        Request *nr = realloc(fl->req, ncap * sizeof(*nr));
        if (!nr)
            return false;
        fl->req = nr;
        fl->cap = ncap;
    }
    fl->req[fl->n++] = (Request){r->thread, r->t};
    return true;
}

/* An object's counter: on its process (the machine for objects every
 * process shares), named after the object and its kind. */
static void ev_object_counter(Chrome *c, uint32_t o, SimTime t)
{
    Out *o_ = &c->o;
    uint32_t p = sim_trace_object(c->tr, o)->process;
    if (p > c->np)
        p = c->np;
    counter_track_used(c, p);
    ev_begin(c);
    OUT_LIT(o_, "\"ph\":\"C\",");
    out_str(o_, &c->counter_id[p]);
    OUT_LIT(o_, ",\"ts\":");
    out_us(o_, t);
    OUT_LIT(o_, ",\"name\":");
    out_str(o_, &c->counter_name[o]);
    switch (c->counted[o]) {
    case OBJ_SHARED:
        OUT_LIT(o_, ",\"args\":{\"value\":");
        out_i64(o_, c->value[o]);
        OUT_LIT(o_, ",\"no loss\":");
        out_i64(o_, c->expected[o]);
        break;
    case OBJ_QUEUE:
        OUT_LIT(o_, ",\"args\":{\"items\":");
        out_i64(o_, c->value[o]);
        break;
    default:
        OUT_LIT(o_, ",\"args\":{\"permits taken\":");
        out_i64(o_, c->value[o]);
        break;
    }
    OUT_LIT(o_, "}}");
}

/* A SYNC record moves an object's counter: a write (value, less the
 * updates it overwrote, with an instant where updates are lost), an item
 * in or out, a permit taken or given back. */
static void sync_counter(Chrome *c, const SimRecord *r)
{
    uint32_t o = r->arg;
    if (o >= c->no || !c->counted[o])
        return;
    switch (c->counted[o]) {
    case OBJ_SHARED:
        if (r->state != SIM_SYNC_WRITE)
            return;
        c->value[o] += 1 - sim_write_lost(r);
        c->expected[o] += 1;
        if (sim_write_lost(r) > 0) {
            ev_instant_open(c, r, ",\"name\":\"lost update\",\"cat\":\"sync\",\"args\":{\"object\":");
            out_str(&c->o, &c->nm.object[o]);
            OUT_LIT(&c->o, ",\"overwrote\":");
            out_u64(&c->o, (uint64_t)sim_write_lost(r));
            OUT_LIT(&c->o, "}}");
        }
        break;
    case OBJ_QUEUE:
        if (r->state != SIM_SYNC_PUT && r->state != SIM_SYNC_GET)
            return;
        c->value[o] = r->other;
        break;
    default:
        if (r->state == SIM_SYNC_ACQUIRE)
            c->value[o]++;
        else if (r->state == SIM_SYNC_RELEASE && r->reason == SIM_REL_PLAIN && c->value[o] > 0)
            c->value[o]--;
        else
            return;
        break;
    }
    ev_object_counter(c, o, r->t);
}

static void sync_instant(Chrome *c, const SimRecord *r)
{
    Out *o = &c->o;
    const char *what;
    switch ((SimSyncEvent)r->state) {
    case SIM_SYNC_BLOCK: what = ",\"name\":\"block\",\"cat\":\"sync\",\"args\":{"; break;
    case SIM_SYNC_TIMEOUT: what = ",\"name\":\"wait timeout\",\"cat\":\"sync\",\"args\":{"; break;
    case SIM_SYNC_TRY_FAIL: what = ",\"name\":\"try failed\",\"cat\":\"sync\",\"args\":{"; break;
    case SIM_SYNC_BROKEN: what = ",\"name\":\"barrier broken\",\"cat\":\"sync\",\"args\":{"; break;
    case SIM_SYNC_ERROR: what = ",\"name\":\"error\",\"cat\":\"sync\",\"args\":{"; break;
    default: return;
    }
    ev_instant_open(c, r, what);
    if (r->arg < c->no) {
        OUT_LIT(o, "\"object\":");
        out_str(o, &c->nm.object[r->arg]);
        OUT_LIT(o, ",\"kind\":");
        out_str(o, &c->nm.object_kind[r->arg]);
    } else {
        OUT_LIT(o, "\"object\":null");
    }
    if (r->state == SIM_SYNC_ERROR) {
        const char *m = sim_sync_error_message((SimSyncError)r->reason);
        OUT_LIT(o, ",\"error\":\"");
        out_put(o, m, strlen(m)); /* fixed texts without quotes or escapes */
        OUT_LIT(o, "\"");
    } else if (r->state == SIM_SYNC_BLOCK || r->state == SIM_SYNC_TIMEOUT) {
        OUT_LIT(o, ",\"waiters\":");
        out_u64(o, r->other);
    }
    OUT_LIT(o, "}}");
}

static void deadlock_instant(Chrome *c, size_t rec)
{
    Out *o = &c->o;
    const SimRecord *r = &c->r[rec];
    SimWait w;
    sim_trace_wait(c->tr, rec, &w);
    ev_instant_open(c, r, ",\"name\":\"deadlock\",\"cat\":\"deadlock\",\"args\":{\"waits_for\":\"");
    const char *kind = sim_wait_kind_name(w.kind);
    out_put(o, kind, strlen(kind));
    OUT_LIT(o, "\"");
    const StrBuf *on = NULL;
    if (w.thread < c->nt)
        on = &c->nm.thread[w.thread];
    else if (w.process < c->np)
        on = &c->nm.process[w.process];
    else if (w.object < c->no)
        on = &c->nm.object[w.object];
    if (on) {
        OUT_LIT(o, ",\"on\":");
        out_str(o, on);
    }
    OUT_LIT(o, "}}");
}

/* The names and order of the tracks that hold something: each process
 * (in creation order, the machine last), its GILs' tracks first, then its
 * threads in creation order; the machine's cores in order. */
static void write_metadata(Chrome *c)
{
    const SimRunInfo *info = sim_trace_info(c->tr);
    uint8_t *proc_used = calloc(c->np + 1, 1);
    uint32_t *rank = calloc(c->np + 1, sizeof(uint32_t));
    if (!proc_used || !rank) {
        free(proc_used);
        free(rank);
        c->o.failed = true;
        return;
    }
    for (uint32_t g = 0; g < c->ng; g++)
        if (c->gil_used[g] && c->gil_proc[g] < c->np)
            proc_used[c->gil_proc[g]] = 1;
    for (uint32_t t = 0; t < c->nt; t++)
        if (c->thread_used[t] && sim_trace_thread(c->tr, t)->process < c->np)
            proc_used[sim_trace_thread(c->tr, t)->process] = 1;
    for (uint32_t p = 0; p < c->np; p++) {
        if (!proc_used[p])
            continue;
        ev_meta(c, &c->counter_id[p], "process_name", &c->nm.process[p], 0);
        ev_meta(c, &c->counter_id[p], "process_sort_index", NULL, p);
    }
    for (uint32_t g = 0; g < c->ng; g++) {
        uint32_t p = c->gil_proc[g];
        if (!c->gil_used[g] || p >= c->np)
            continue;
        ev_meta(c, &c->gil_id[g], "thread_name", &c->gil_name[g], 0);
        /* The process's own GIL first, its subinterpreters' after it. */
        ev_meta(c, &c->gil_id[g], "thread_sort_index", NULL, g - sim_trace_process(c->tr, p)->gil);
    }
    for (uint32_t t = 0; t < c->nt; t++) {
        uint32_t p = sim_trace_thread(c->tr, t)->process;
        int64_t k = p < c->np ? ++rank[p] : (int64_t)t + 1;
        if (!c->thread_used[t])
            continue;
        ev_meta(c, &c->thread_id[t], "thread_name", &c->nm.thread[t], 0);
        ev_meta(c, &c->thread_id[t], "thread_sort_index", NULL, (int64_t)c->ng + k);
    }
    free(rank);
    free(proc_used);
    bool machine = false;
    for (uint32_t k = 0; k < c->nc; k++)
        machine |= c->core_used[k] != 0;
    if (!machine)
        return;
    char buf[64];
    size_t k = 0;
    memcpy(buf, "\"machine (", 10);
    k = 10;
    k += fmt_u64(buf + k, info->cores > 0 ? (uint64_t)info->cores : 0);
    memcpy(buf + k, info->cores == 1 ? " core)\"" : " cores)\"", info->cores == 1 ? 7 : 8);
    k += info->cores == 1 ? 7 : 8;
    const StrBuf mname = {buf, k, sizeof(buf), false};
    ev_meta(c, &c->counter_id[c->np], "process_name", &mname, 0);
    ev_meta(c, &c->counter_id[c->np], "process_sort_index", NULL, c->np);
    for (uint32_t i = 0; i < c->nc; i++) {
        if (!c->core_used[i])
            continue;
        char name[32];
        size_t n = 0;
        memcpy(name, "\"core ", 6);
        n = 6;
        n += fmt_u64(name + n, i);
        name[n++] = '"';
        const StrBuf cname = {name, n, sizeof(name), false};
        ev_meta(c, &c->core_id[i], "thread_name", &cname, 0);
        ev_meta(c, &c->core_id[i], "thread_sort_index", NULL, i);
    }
}

static void write_other_data(Chrome *c)
{
    Out *o = &c->o;
    const SimRunInfo *info = sim_trace_info(c->tr);
    StrBuf scen = {0}, pol = {0}, py = {0};
    bool ok = quote_json(info->scenario, &scen) && quote_json(info->gil_policy, &pol) &&
              quote_json(info->python_version, &py);
    if (!ok) {
        strbuf_fini(&scen);
        strbuf_fini(&pol);
        strbuf_fini(&py);
        o->failed = true;
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char hash[16];
    for (int i = 0; i < 16; i++)
        hash[i] = hex[(info->scenario_hash >> (60 - 4 * i)) & 15];
    OUT_LIT(o, "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"gilsim_version\":\"" GILSIM_VERSION
               "\",\"scenario\":");
    out_str(o, &scen);
    OUT_LIT(o, ",\"scenario_hash\":\"");
    out_put(o, hash, sizeof(hash));
    OUT_LIT(o, "\",\"seed\":");
    out_u64(o, info->seed);
    OUT_LIT(o, ",\"switch_interval_ns\":");
    out_i64(o, info->switch_interval);
    OUT_LIT(o, ",\"cores\":");
    out_i64(o, info->cores);
    OUT_LIT(o, ",\"gil_policy\":");
    out_str(o, &pol);
    OUT_LIT(o, ",\"python_version\":");
    out_str(o, &py);
    OUT_LIT(o, ",\"outcome\":\"");
    const char *oc = run_outcome_name(info->outcome);
    out_put(o, oc, strlen(oc));
    OUT_LIT(o, "\",\"sim_time_ns\":");
    out_i64(o, sim_trace_end(c->tr));
    OUT_LIT(o, ",\"gil_timeouts_left_out\":");
    out_u64(o, c->timeouts_left_out);
    OUT_LIT(o, ",\"time_unit\":\"us\"}\n}\n");
    strbuf_fini(&scen);
    strbuf_fini(&pol);
    strbuf_fini(&py);
}

static bool write_records(Chrome *c, const uint32_t *next)
{
    const SimRecord *recs = c->r;
    size_t n = sim_trace_count(c->tr);
    SimTime end = sim_trace_end(c->tr);
    SimTime now = n ? recs[0].t : 0;
    for (size_t i = 0; i < n; i++) {
        const SimRecord *r = &recs[i];
        if (r->t != now) {
            counters_flush(c, now);
            now = r->t;
        }
        if (r->thread >= c->nt)
            continue;
        switch ((SimRecordKind)r->kind) {
        case SIM_REC_STATE: {
            unsigned old = c->reason[r->thread], nr = r->reason;
            if (old != nr) {
                if (old == SIM_R_WAIT_GIL)
                    waiters_add(c, r->thread, -1);
                if (nr == SIM_R_WAIT_GIL)
                    waiters_add(c, r->thread, +1);
                c->run_queue += (nr == SIM_R_WAIT_CORE) - (old == SIM_R_WAIT_CORE);
                c->reason[r->thread] = (uint8_t)nr;
            }
            bool running = SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING;
            if (running && c->on_core[r->thread] != r->arg)
                ev_core(c, i, next);
            c->on_core[r->thread] = running ? r->arg : NONE;
            if (SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED)
                break;
            SimTime until = next[i] != NONE ? recs[next[i]].t : end;
            /* Zero-length intervals are left out: in Perfetto a zero-length
             * slice would nest inside the one beginning at the same instant. */
            if (until > r->t)
                ev_state(c, i, until);
            break;
        }
        case SIM_REC_GIL_ACQUIRE: {
            uint32_t g = r->arg;
            if (g >= c->ng || c->gil_proc[g] == NONE)
                break;
            const SimRecord *e = next[i] != NONE ? &recs[next[i]] : NULL;
            SimTime until = e ? e->t : end;
            ev_gil_hold(c, g, r, e, until);
            flows_answer(c, g, until > r->t ? &c->gil_id[g] : &c->thread_id[r->thread], r->t);
            c->flows[g].hold_t = r->t;
            break;
        }
        case SIM_REC_GIL_DROP: {
            GilFlows *fl = r->arg < c->ng ? &c->flows[r->arg] : NULL;
            if (fl && fl->n && !fl->dropped && fl->hold_t < r->t) {
                fl->dropped = true;
                fl->drop_t = r->t;
                fl->drop_hold_t = fl->hold_t;
            }
            break;
        }
        case SIM_REC_DROP_REQUEST:
            ev_instant_open(c, r, ",\"name\":\"drop request\",\"cat\":\"gil\",\"args\":{\"holder\":");
            out_str(&c->o, thread_name(c, r->other - 1));
            OUT_LIT(&c->o, "}}");
            if (r->arg < c->ng && !flows_request(c, r->arg, r))
                return false;
            break;
        case SIM_REC_GIL_TIMEOUT:
            /* Most timed waits run out after a switch and change nothing;
             * in a many-thread run they are half the file. */
            if (next[i] == NONE && !c->all_timeouts) {
                c->timeouts_left_out++;
                break;
            }
            ev_instant_open(c, r, ",\"name\":\"GIL timeout\",\"cat\":\"gil\",\"args\":{\"holder\":");
            out_str(&c->o, thread_name(c, r->other - 1));
            if (next[i] == NONE)
                OUT_LIT(&c->o, ",\"effect\":\"none\"}}");
            else if (recs[next[i]].kind == SIM_REC_DROP_REQUEST)
                OUT_LIT(&c->o, ",\"effect\":\"drop request\"}}");
            else
                OUT_LIT(&c->o, ",\"effect\":\"took the GIL\"}}");
            break;
        case SIM_REC_FAILED_WAKEUP:
            ev_instant_open(c, r, ",\"name\":\"failed wake-up\",\"cat\":\"gil\",\"args\":{\"holder\":");
            out_str(&c->o, thread_name(c, r->other - 1));
            OUT_LIT(&c->o, "}}");
            break;
        case SIM_REC_FORK:
            ev_instant_open(c, r, ",\"name\":\"fork\",\"cat\":\"process\",\"args\":{\"child\":");
            if (r->arg < c->np)
                out_str(&c->o, &c->nm.process[r->arg]);
            else
                OUT_LIT(&c->o, "null");
            if (r->state)
                OUT_LIT(&c->o, ",\"multithreaded\":true");
            OUT_LIT(&c->o, "}}");
            break;
        case SIM_REC_DEADLOCK:
            deadlock_instant(c, i);
            break;
        case SIM_REC_SYNC:
            sync_instant(c, r);
            sync_counter(c, r);
            break;
        default:
            break;
        }
    }
    counters_flush(c, now);
    return true;
}

int trace_export_chrome(const SimTrace *tr, FILE *f, TraceExportStats *st)
{
    if (sim_trace_count(tr) >= NONE)
        return SIM_ERR_LIMIT;
    Chrome c;
    uint32_t *first = malloc((sim_trace_thread_count(tr) + 1) * sizeof(uint32_t));
    uint32_t *next = first ? links_build(tr, first) : NULL;
    if (!next || !chrome_init(&c, tr, f) || !survey(&c, next) || !counter_ids(&c)) {
        if (next)
            chrome_free(&c);
        free(first);
        free(next);
        return SIM_ERR_NOMEM;
    }
    c.all_timeouts = st && (st->flags & TRACE_EXPORT_ALL_GIL_TIMEOUTS);
    c.o.limit = st ? st->max_bytes : 0;
    /* Every counter shows its value once the first instant is applied. */
    for (uint32_t g = 0; g < c.ng; g++) {
        c.waiters_shown[g] = -1;
        if (c.gil_used[g]) {
            c.is_dirty[g] = 1;
            c.dirty[c.n_dirty++] = g;
        }
    }
    c.run_queue_shown = -1;
    counter_track_used(&c, c.np);
    OUT_LIT(&c.o, "{\"traceEvents\":[");
    /* Every object counter starts at its initial value. */
    for (uint32_t o = 0; o < c.no; o++)
        if (c.counted[o])
            ev_object_counter(&c, o, 0);
    bool ok = write_records(&c, next);
    write_metadata(&c);
    write_other_data(&c);
    out_flush(&c.o);
    int rc = !ok ? SIM_ERR_NOMEM : c.o.too_big ? SIM_ERR_LIMIT : c.o.failed || fflush(f) != 0 ? SIM_ERR_IO : SIM_OK;
    if (st) {
        st->bytes = c.o.written;
        st->events = c.events;
        st->gil_timeouts_left_out = c.timeouts_left_out;
    }
    chrome_free(&c);
    free(first);
    free(next);
    return rc;
}
