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
 * each GIL acquisition to the record that ends the holding. The JSON is
 * then in time order, except that a flow goes out whole with the hand-over
 * that ends it. That order matters beyond tidiness: Perfetto binds a flow
 * point to the slice last begun on its track, ties in time broken by file
 * order, so every slice or instant a flow point must bind to is written
 * before it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "trace_export.h"
#include "trace_export_out.h"

/* ---- Links between records ---------------------------------------------------- */

/*
 * next[i] is, for a STATE record, the index of the same thread's next STATE
 * record; for a GIL_ACQUIRE, the index of the record that ends the holding
 * (the GIL's next DROP or, failing that, ACQUIRE); NONE otherwise or when
 * there is none. first[t] is thread t's first STATE record.
 */
static uint32_t *links_build(const SimTrace *tr, uint32_t *first)
{
    size_t n = sim_trace_count(tr);
    uint32_t nt = sim_trace_thread_count(tr), ng = sim_trace_gil_count(tr);
    const SimRecord *r = sim_trace_records(tr);
    uint32_t *next = malloc((n ? n : 1) * sizeof(*next));
    uint32_t *gil_end = malloc((ng ? ng : 1) * sizeof(*gil_end));
    if (!next || !gil_end) {
        free(next);
        free(gil_end);
        return NULL;
    }
    for (uint32_t t = 0; t < nt; t++)
        first[t] = NONE;
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
            break;
        case SIM_REC_GIL_DROP:
            if (r[i].arg < ng)
                gil_end[r[i].arg] = (uint32_t)i;
            break;
        default:
            break;
        }
    }
    free(gil_end);
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
    SimTime drop_t;
} GilFlows;

typedef struct Chrome {
    const SimTrace *tr;
    const SimRecord *r;
    Out o;
    Names nm;
    uint32_t nt, np, ng, no;
    StrBuf *thread_id;   /* [nt] "pid":P,"tid":T of each thread */
    StrBuf *proc_id;     /* [np + 1] "pid":P,"tid":T of each GIL track; [np] the machine */
    StrBuf states[SIM_ST_COUNT], reasons[SIM_REASON_COUNT], causes[SIM_CAUSE_COUNT];
    uint32_t *gil_proc;      /* [ng] the process a GIL belongs to, NONE if none */
    uint8_t *reason;         /* [nt] current reason of each thread */
    int64_t *waiters;        /* [np] threads in Runnable(wait_gil) */
    int64_t *waiters_shown;  /* [np] value of the last counter event */
    uint32_t *dirty;         /* processes whose waiter count changed this instant */
    uint32_t n_dirty;
    uint8_t *is_dirty;       /* [np] */
    int64_t run_queue, run_queue_shown;
    GilFlows *flows;         /* [ng] */
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

static void chrome_free(Chrome *c)
{
    for (uint32_t i = 0; c->thread_id && i < c->nt; i++)
        strbuf_fini(&c->thread_id[i]);
    for (uint32_t i = 0; c->proc_id && i <= c->np; i++)
        strbuf_fini(&c->proc_id[i]);
    for (int i = 0; i < SIM_ST_COUNT; i++)
        strbuf_fini(&c->states[i]);
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        strbuf_fini(&c->reasons[i]);
    for (int i = 0; i < SIM_CAUSE_COUNT; i++)
        strbuf_fini(&c->causes[i]);
    for (uint32_t g = 0; c->flows && g < c->ng; g++)
        free(c->flows[g].req);
    free(c->thread_id);
    free(c->proc_id);
    free(c->gil_proc);
    free(c->reason);
    free(c->waiters);
    free(c->waiters_shown);
    free(c->dirty);
    free(c->is_dirty);
    free(c->flows);
    for (uint32_t i = 0; c->counter_name && i < c->no; i++)
        strbuf_fini(&c->counter_name[i]);
    free(c->counter_name);
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

static bool chrome_init(Chrome *c, const SimTrace *tr, FILE *f)
{
    memset(c, 0, sizeof(*c));
    c->tr = tr;
    c->r = sim_trace_records(tr);
    c->nt = sim_trace_thread_count(tr);
    c->np = sim_trace_process_count(tr);
    c->ng = sim_trace_gil_count(tr);
    c->no = sim_trace_object_count(tr);
    if (!out_init(&c->o, f) || !names_build(tr, quote_json, &c->nm))
        return false;
    c->thread_id = calloc(c->nt + 1, sizeof(StrBuf));
    c->proc_id = calloc(c->np + 1, sizeof(StrBuf));
    c->gil_proc = malloc((c->ng + 1) * sizeof(uint32_t));
    c->reason = calloc(c->nt + 1, 1);
    c->waiters = calloc(c->np + 1, sizeof(int64_t));
    c->waiters_shown = calloc(c->np + 1, sizeof(int64_t));
    c->dirty = calloc(c->np + 1, sizeof(uint32_t));
    c->is_dirty = calloc(c->np + 1, 1);
    c->flows = calloc(c->ng + 1, sizeof(GilFlows));
    c->counted = calloc(c->no + 1, 1);
    c->counter_name = calloc(c->no + 1, sizeof(StrBuf));
    c->value = calloc(c->no + 1, sizeof(int64_t));
    c->expected = calloc(c->no + 1, sizeof(int64_t));
    if (!c->thread_id || !c->proc_id || !c->gil_proc || !c->reason || !c->waiters || !c->waiters_shown ||
        !c->dirty || !c->is_dirty || !c->flows || !c->counted || !c->counter_name || !c->value || !c->expected)
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
    for (uint32_t t = 0; t < c->nt; t++)
        if (!id_str(&c->thread_id[t], sim_trace_thread(tr, t)->process + 1, t + 1))
            return false;
    /* Each process's GIL track, and the machine's counter track, get tids
     * after the threads' so every tid is unique across the file. */
    for (uint32_t p = 0; p <= c->np; p++)
        if (!id_str(&c->proc_id[p], p + 1, c->nt + 1 + p))
            return false;
    /* Every counter shows its value once the first instant is applied. */
    for (uint32_t p = 0; p < c->np; p++) {
        c->waiters_shown[p] = -1;
        c->is_dirty[p] = 1;
        c->dirty[c->n_dirty++] = p;
    }
    c->run_queue_shown = -1;
    for (uint32_t g = 0; g < c->ng; g++)
        c->gil_proc[g] = NONE;
    for (uint32_t p = c->np; p-- > 0;) {
        uint32_t g = sim_trace_process(tr, p)->gil;
        if (g < c->ng)
            c->gil_proc[g] = p;
    }
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

static void ev_counter(Chrome *c, const StrBuf *id, SimTime t, const char *name_key, int64_t v)
{
    Out *o = &c->o;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"C\",");
    out_str(o, id);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, t);
    out_put(o, name_key, strlen(name_key));
    out_i64(o, v);
    OUT_LIT(o, "}}");
}

#define GIL_COUNTER ",\"name\":\"GIL\",\"args\":{\"waiters\":"
#define RUNQ_COUNTER ",\"name\":\"run queue\",\"args\":{\"threads\":"

/* Counter values settle once every record of an instant is applied. */
static void counters_flush(Chrome *c, SimTime t)
{
    for (uint32_t k = 0; k < c->n_dirty; k++) {
        uint32_t p = c->dirty[k];
        c->is_dirty[p] = 0;
        if (c->waiters[p] != c->waiters_shown[p]) {
            ev_counter(c, &c->proc_id[p], t, GIL_COUNTER, c->waiters[p]);
            c->waiters_shown[p] = c->waiters[p];
        }
    }
    c->n_dirty = 0;
    if (c->run_queue != c->run_queue_shown) {
        ev_counter(c, &c->proc_id[c->np], t, RUNQ_COUNTER, c->run_queue);
        c->run_queue_shown = c->run_queue;
    }
}

static void waiters_add(Chrome *c, uint32_t thread, int d)
{
    uint32_t p = sim_trace_thread(c->tr, thread)->process;
    if (p >= c->np)
        return;
    c->waiters[p] += d;
    if (!c->is_dirty[p]) {
        c->is_dirty[p] = 1;
        c->dirty[c->n_dirty++] = p;
    }
}

/* An instant on a thread's track; the caller writes the args and closes them. */
static void ev_instant_open(Chrome *c, const SimRecord *r, const char *name_cat_args)
{
    Out *o = &c->o;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"i\",\"s\":\"t\",");
    out_str(o, &c->thread_id[r->thread]);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, r->t);
    out_put(o, name_cat_args, strlen(name_cat_args));
}

static void ev_state(Chrome *c, const SimRecord *r, SimTime end)
{
    Out *o = &c->o;
    SimState s = SIM_REC_NEW_STATE(r);
    unsigned reason = r->reason < SIM_REASON_COUNT ? r->reason : SIM_R_NEW;
    unsigned cause = r->cause < SIM_CAUSE_COUNT ? r->cause : SIM_C_NONE;
    ev_begin(c);
    OUT_LIT(o, "\"ph\":\"X\",");
    out_str(o, &c->thread_id[r->thread]);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, r->t);
    OUT_LIT(o, ",\"dur\":");
    out_us(o, end - r->t);
    OUT_LIT(o, ",\"name\":");
    out_str(o, &c->states[s < SIM_ST_COUNT ? s : SIM_ST_NEW]);
    OUT_LIT(o, ",\"cat\":");
    out_str(o, &c->reasons[reason]);
    OUT_LIT(o, ",\"args\":{\"reason\":");
    out_str(o, &c->reasons[reason]);
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
}

/*
 * One holding of a GIL: a slice on its process's GIL track named after the
 * holder or, when it lasts no time at all, an instant on the holder's own
 * track. A zero-length slice would sort after the holding that begins at
 * the same instant and, as the slice last begun on the GIL track, capture
 * the flows meant for that holding.
 */
static void ev_gil_hold(Chrome *c, uint32_t p, const SimRecord *r, const SimRecord *end_rec, SimTime end)
{
    Out *o = &c->o;
    const StrBuf *holder = thread_name(c, r->thread);
    ev_begin(c);
    if (end > r->t) {
        OUT_LIT(o, "\"ph\":\"X\",");
        out_str(o, &c->proc_id[p]);
        OUT_LIT(o, ",\"ts\":");
        out_us(o, r->t);
        OUT_LIT(o, ",\"dur\":");
        out_us(o, end - r->t);
        OUT_LIT(o, ",\"name\":");
        out_str(o, holder);
    } else {
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
 * point is written after the slice or instant it must bind to (Perfetto
 * binds a flow point to the slice last begun on its track): the start to
 * the requester's "drop request" instant, the step to the holding that
 * ended, the end to the new holding, `end_track` being the GIL track or,
 * for a zero-length holding, the new holder's own track.
 */
static void flows_answer(Chrome *c, uint32_t g, uint32_t p, const StrBuf *end_track, SimTime t)
{
    GilFlows *fl = &c->flows[g];
    for (size_t k = 0; k < fl->n; k++) {
        const Request *q = &fl->req[k];
        uint64_t id = ++c->flow_id;
        ev_flow(c, "\"ph\":\"s\"", id, &c->thread_id[q->thread], q->t);
        /* At the instant of the acquisition the new holding is the slice last
         * begun, so the step is left out then. */
        if (fl->dropped && fl->drop_t < t)
            ev_flow(c, "\"ph\":\"t\"", id, &c->proc_id[p], fl->drop_t);
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

/* An object's counter: on its process's GIL track's pid (the machine's for
 * objects every process shares), named after the object and its kind. */
static void ev_object_counter(Chrome *c, uint32_t o, SimTime t)
{
    Out *o_ = &c->o;
    uint32_t p = sim_trace_object(c->tr, o)->process;
    ev_begin(c);
    OUT_LIT(o_, "\"ph\":\"C\",");
    out_str(o_, &c->proc_id[p < c->np ? p : c->np]);
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

static void write_metadata(Chrome *c)
{
    const SimRunInfo *info = sim_trace_info(c->tr);
    for (uint32_t p = 0; p < c->np; p++) {
        static const StrBuf gil = {"\"GIL\"", 5, 6, false};
        ev_meta(c, &c->proc_id[p], "process_name", &c->nm.process[p], 0);
        ev_meta(c, &c->proc_id[p], "process_sort_index", NULL, p);
        ev_meta(c, &c->proc_id[p], "thread_name", &gil, 0);
        ev_meta(c, &c->proc_id[p], "thread_sort_index", NULL, 0);
    }
    uint32_t *rank = calloc(c->np + 1, sizeof(uint32_t));
    for (uint32_t t = 0; t < c->nt; t++) {
        uint32_t p = sim_trace_thread(c->tr, t)->process;
        int64_t k = rank && p < c->np ? ++rank[p] : (int64_t)t + 1;
        ev_meta(c, &c->thread_id[t], "thread_name", &c->nm.thread[t], 0);
        ev_meta(c, &c->thread_id[t], "thread_sort_index", NULL, k);
    }
    free(rank);
    char buf[64];
    size_t k = 0;
    memcpy(buf, "\"machine (", 10);
    k = 10;
    k += fmt_u64(buf + k, info->cores > 0 ? (uint64_t)info->cores : 0);
    memcpy(buf + k, info->cores == 1 ? " core)\"" : " cores)\"", info->cores == 1 ? 7 : 8);
    k += info->cores == 1 ? 7 : 8;
    const StrBuf machine = {buf, k, sizeof(buf), false};
    static const StrBuf cores = {"\"cores\"", 7, 8, false};
    ev_meta(c, &c->proc_id[c->np], "process_name", &machine, 0);
    ev_meta(c, &c->proc_id[c->np], "process_sort_index", NULL, c->np);
    ev_meta(c, &c->proc_id[c->np], "thread_name", &cores, 0);
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
            if (SIM_REC_NEW_STATE(r) == SIM_ST_TERMINATED)
                break;
            SimTime until = next[i] != NONE ? recs[next[i]].t : end;
            /* Zero-length intervals are left out: in Perfetto a zero-length
             * slice would nest inside the one beginning at the same instant. */
            if (until > r->t)
                ev_state(c, r, until);
            break;
        }
        case SIM_REC_GIL_ACQUIRE: {
            uint32_t g = r->arg;
            if (g >= c->ng || c->gil_proc[g] == NONE)
                break;
            const SimRecord *e = next[i] != NONE ? &recs[next[i]] : NULL;
            SimTime until = e ? e->t : end;
            ev_gil_hold(c, c->gil_proc[g], r, e, until);
            flows_answer(c, g, c->gil_proc[g], until > r->t ? &c->proc_id[c->gil_proc[g]] : &c->thread_id[r->thread],
                         r->t);
            c->flows[g].hold_t = r->t;
            break;
        }
        case SIM_REC_GIL_DROP: {
            GilFlows *fl = r->arg < c->ng ? &c->flows[r->arg] : NULL;
            if (fl && fl->n && !fl->dropped && fl->hold_t < r->t) {
                fl->dropped = true;
                fl->drop_t = r->t;
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
            ev_instant_open(c, r, ",\"name\":\"GIL timeout\",\"cat\":\"gil\",\"args\":{\"holder\":");
            out_str(&c->o, thread_name(c, r->other - 1));
            OUT_LIT(&c->o, "}}");
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
    if (!next || !chrome_init(&c, tr, f)) {
        if (next)
            chrome_free(&c);
        free(first);
        free(next);
        return SIM_ERR_NOMEM;
    }
    c.o.limit = st ? st->max_bytes : 0;
    OUT_LIT(&c.o, "{\"traceEvents\":[");
    write_metadata(&c);
    /* Every object counter starts at its initial value. */
    for (uint32_t o = 0; o < c.no; o++)
        if (c.counted[o])
            ev_object_counter(&c, o, 0);
    bool ok = write_records(&c, next);
    write_other_data(&c);
    out_flush(&c.o);
    int rc = !ok ? SIM_ERR_NOMEM : c.o.too_big ? SIM_ERR_LIMIT : c.o.failed || fflush(f) != 0 ? SIM_ERR_IO : SIM_OK;
    if (st) {
        st->bytes = c.o.written;
        st->events = c.events;
    }
    chrome_free(&c);
    free(first);
    free(next);
    return rc;
}

