/*
 * export_trace.c - the trace of a run as Chrome Trace Event JSON and as a
 * CSV of state intervals (export_trace.h says what each file holds).
 *
 * Both writers make one pass over the records in time order and format
 * every number by hand into a large buffer, so a run of a million
 * transitions is written in a fraction of a second and the bytes never
 * depend on the locale. Names are escaped (JSON) or quoted (CSV) once per
 * thread, process and object, not once per event.
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

#include "export_trace.h"
#include "report.h"

#define NONE UINT32_MAX

/* ---- Buffered writer ------------------------------------------------------ */

#define OUT_CAP ((size_t)1 << 18)

typedef struct Out {
    FILE *f;
    char *buf;
    size_t n;         /* bytes waiting in buf */
    uint64_t written; /* bytes handed to f */
    bool failed;      /* a write failed; errno says why */
} Out;

static bool out_init(Out *o, FILE *f)
{
    memset(o, 0, sizeof(*o));
    o->f = f;
    o->buf = malloc(OUT_CAP);
    return o->buf != NULL;
}

static void out_flush(Out *o)
{
    if (o->n && !o->failed && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = true;
    o->written += o->n;
    o->n = 0;
}

/* Room for k more bytes (k far below OUT_CAP); returns where they go. */
static inline char *out_room(Out *o, size_t k)
{
    if (OUT_CAP - o->n < k)
        out_flush(o);
    return o->buf + o->n;
}

static void out_put(Out *o, const char *s, size_t len)
{
    if (len > OUT_CAP - o->n) {
        out_flush(o);
        if (len > OUT_CAP) {
            if (!o->failed && fwrite(s, 1, len, o->f) != len)
                o->failed = true;
            o->written += len;
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

#define OUT_LIT(o, s) out_put((o), "" s, sizeof(s) - 1)

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Decimal digits of v at p; returns how many. */
static inline size_t fmt_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t k = sizeof(tmp);
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--k] = digit_pairs[d + 1];
        tmp[--k] = digit_pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        tmp[--k] = digit_pairs[d + 1];
        tmp[--k] = digit_pairs[d];
    } else {
        tmp[--k] = (char)('0' + v);
    }
    memcpy(p, tmp + k, sizeof(tmp) - k);
    return sizeof(tmp) - k;
}

static inline void out_u64(Out *o, uint64_t v)
{
    char *p = out_room(o, 24);
    o->n += fmt_u64(p, v);
}

static inline void out_i64(Out *o, int64_t v)
{
    char *p = out_room(o, 24);
    size_t k = 0;
    if (v < 0) {
        p[k++] = '-';
        k += fmt_u64(p + k, (uint64_t)0 - (uint64_t)v);
    } else {
        k = fmt_u64(p, (uint64_t)v);
    }
    o->n += k;
}

/* Nanoseconds as microseconds with exactly three decimals: 1234567 -> 1234.567. */
static inline void out_us(Out *o, int64_t ns)
{
    char *p = out_room(o, 28);
    size_t k = 0;
    uint64_t u = (uint64_t)ns;
    if (ns < 0) {
        p[k++] = '-';
        u = (uint64_t)0 - (uint64_t)ns;
    }
    k += fmt_u64(p + k, u / 1000);
    unsigned f = (unsigned)(u % 1000);
    p[k++] = '.';
    p[k++] = (char)('0' + f / 100);
    p[k++] = digit_pairs[(f % 100) * 2];
    p[k++] = digit_pairs[(f % 100) * 2 + 1];
    o->n += k;
}

/* ---- Names, escaped once ---------------------------------------------------- */

typedef struct Str {
    char *s;
    size_t n;
} Str;

static void out_str(Out *o, const Str *s) { out_put(o, s->s, s->n); }

/* s as a JSON string literal, quotes included. */
static bool json_quote(const char *s, Str *out)
{
    static const char hex[] = "0123456789abcdef";
    if (!s)
        s = "";
    size_t len = strlen(s);
    char *d = malloc(len * 6 + 3);
    if (!d)
        return false;
    size_t k = 0;
    d[k++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            d[k++] = '\\';
            d[k++] = (char)c;
        } else if (c >= 0x20) {
            d[k++] = (char)c;
        } else if (c == '\n') {
            d[k++] = '\\';
            d[k++] = 'n';
        } else if (c == '\r') {
            d[k++] = '\\';
            d[k++] = 'r';
        } else if (c == '\t') {
            d[k++] = '\\';
            d[k++] = 't';
        } else {
            memcpy(d + k, "\\u00", 4);
            k += 4;
            d[k++] = hex[c >> 4];
            d[k++] = hex[c & 15];
        }
    }
    d[k++] = '"';
    d[k] = '\0';
    out->s = d;
    out->n = k;
    return true;
}

/* s as one CSV field, quoted only when it must be (cli_csv_field's rules). */
static bool csv_quote(const char *s, Str *out)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m)
        return false;
    cli_csv_field(m, s ? s : "");
    if (fclose(m) != 0) {
        free(buf);
        return false;
    }
    out->s = buf;
    out->n = n;
    return true;
}

/* The names of a trace in one output syntax. */
typedef struct Names {
    uint32_t nt, np, no;
    Str *thread, *process, *object, *object_kind;
} Names;

static void names_free(Names *nm)
{
    for (uint32_t i = 0; nm->thread && i < nm->nt; i++)
        free(nm->thread[i].s);
    for (uint32_t i = 0; nm->process && i < nm->np; i++)
        free(nm->process[i].s);
    for (uint32_t i = 0; nm->object && i < nm->no; i++) {
        free(nm->object[i].s);
        free(nm->object_kind[i].s);
    }
    free(nm->thread);
    free(nm->process);
    free(nm->object);
    free(nm->object_kind);
    memset(nm, 0, sizeof(*nm));
}

static bool names_build(const SimTrace *tr, bool (*quote)(const char *, Str *), Names *nm)
{
    memset(nm, 0, sizeof(*nm));
    nm->nt = sim_trace_thread_count(tr);
    nm->np = sim_trace_process_count(tr);
    nm->no = sim_trace_object_count(tr);
    nm->thread = calloc(nm->nt + 1, sizeof(Str));
    nm->process = calloc(nm->np + 1, sizeof(Str));
    nm->object = calloc(nm->no + 1, sizeof(Str));
    nm->object_kind = calloc(nm->no + 1, sizeof(Str));
    bool ok = nm->thread && nm->process && nm->object && nm->object_kind;
    for (uint32_t i = 0; ok && i < nm->nt; i++)
        ok = quote(sim_trace_thread(tr, i)->name, &nm->thread[i]);
    for (uint32_t i = 0; ok && i < nm->np; i++)
        ok = quote(sim_trace_process(tr, i)->name, &nm->process[i]);
    for (uint32_t i = 0; ok && i < nm->no; i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, i);
        ok = quote(oi->name, &nm->object[i]) && quote(oi->kind, &nm->object_kind[i]);
    }
    if (!ok)
        names_free(nm);
    return ok;
}

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

static const char *outcome_name(int o)
{
    switch (o) {
    case SIM_RUN_DONE: return "done";
    case SIM_RUN_DEADLOCK: return "deadlock";
    case SIM_RUN_UNTIL: return "until";
    default: return "unknown";
    }
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
    Str *thread_id;   /* [nt] "pid":P,"tid":T of each thread */
    Str *proc_id;     /* [np + 1] "pid":P,"tid":T of each GIL track; [np] the machine */
    Str states[SIM_ST_COUNT], reasons[SIM_REASON_COUNT], causes[SIM_CAUSE_COUNT];
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
} Chrome;

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
        free(c->thread_id[i].s);
    for (uint32_t i = 0; c->proc_id && i <= c->np; i++)
        free(c->proc_id[i].s);
    for (int i = 0; i < SIM_ST_COUNT; i++)
        free(c->states[i].s);
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        free(c->reasons[i].s);
    for (int i = 0; i < SIM_CAUSE_COUNT; i++)
        free(c->causes[i].s);
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
    names_free(&c->nm);
    free(c->o.buf);
}

static bool id_str(Str *s, uint32_t pid, uint32_t tid)
{
    char buf[64];
    size_t k = 0;
    memcpy(buf, "\"pid\":", 6);
    k = 6;
    k += fmt_u64(buf + k, pid);
    memcpy(buf + k, ",\"tid\":", 7);
    k += 7;
    k += fmt_u64(buf + k, tid);
    s->s = malloc(k + 1);
    if (!s->s)
        return false;
    memcpy(s->s, buf, k);
    s->s[k] = '\0';
    s->n = k;
    return true;
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
    if (!out_init(&c->o, f) || !names_build(tr, json_quote, &c->nm))
        return false;
    c->thread_id = calloc(c->nt + 1, sizeof(Str));
    c->proc_id = calloc(c->np + 1, sizeof(Str));
    c->gil_proc = malloc((c->ng + 1) * sizeof(uint32_t));
    c->reason = calloc(c->nt + 1, 1);
    c->waiters = calloc(c->np + 1, sizeof(int64_t));
    c->waiters_shown = calloc(c->np + 1, sizeof(int64_t));
    c->dirty = calloc(c->np + 1, sizeof(uint32_t));
    c->is_dirty = calloc(c->np + 1, 1);
    c->flows = calloc(c->ng + 1, sizeof(GilFlows));
    if (!c->thread_id || !c->proc_id || !c->gil_proc || !c->reason || !c->waiters || !c->waiters_shown ||
        !c->dirty || !c->is_dirty || !c->flows)
        return false;
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
        if (!json_quote(sim_state_name((SimState)i), &c->states[i]))
            return false;
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        if (!json_quote(sim_reason_name((SimReason)i), &c->reasons[i]))
            return false;
    for (int i = 0; i < SIM_CAUSE_COUNT; i++)
        if (!json_quote(sim_cause_name((SimCause)i), &c->causes[i]))
            return false;
    return true;
}

static const Str *thread_name(const Chrome *c, uint32_t t)
{
    static const Str unknown = {"\"?\"", 3};
    return t < c->nt ? &c->nm.thread[t] : &unknown;
}

/* ---- Events ---- */

static void ev_meta(Chrome *c, const Str *id, const char *what, const Str *name, int64_t sort_index)
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

static void ev_counter(Chrome *c, const Str *id, SimTime t, const char *name_key, int64_t v)
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
    const Str *holder = thread_name(c, r->thread);
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

static void ev_flow(Chrome *c, const char *ph, uint64_t id, const Str *track, SimTime t)
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
static void flows_answer(Chrome *c, uint32_t g, uint32_t p, const Str *end_track, SimTime t)
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
    const Str *on = NULL;
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
        static const Str gil = {"\"GIL\"", 5};
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
    Str machine = {buf, k};
    static const Str cores = {"\"cores\"", 7};
    ev_meta(c, &c->proc_id[c->np], "process_name", &machine, 0);
    ev_meta(c, &c->proc_id[c->np], "process_sort_index", NULL, c->np);
    ev_meta(c, &c->proc_id[c->np], "thread_name", &cores, 0);
}

static void write_other_data(Chrome *c)
{
    Out *o = &c->o;
    const SimRunInfo *info = sim_trace_info(c->tr);
    Str scen = {0}, pol = {0}, py = {0};
    bool ok = json_quote(info->scenario, &scen) && json_quote(info->gil_policy, &pol) &&
              json_quote(info->python_version, &py);
    if (!ok) {
        free(scen.s);
        free(pol.s);
        free(py.s);
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
    const char *oc = outcome_name(info->outcome);
    out_put(o, oc, strlen(oc));
    OUT_LIT(o, "\",\"sim_time_ns\":");
    out_i64(o, sim_trace_end(c->tr));
    OUT_LIT(o, ",\"time_unit\":\"us\"}\n}\n");
    free(scen.s);
    free(pol.s);
    free(py.s);
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
            break;
        default:
            break;
        }
    }
    counters_flush(c, now);
    return true;
}

int export_trace_chrome(const SimTrace *tr, FILE *f, ExportTraceStats *st)
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
    OUT_LIT(&c.o, "{\"traceEvents\":[");
    write_metadata(&c);
    bool ok = write_records(&c, next);
    write_other_data(&c);
    out_flush(&c.o);
    int rc = !ok ? SIM_ERR_NOMEM : c.o.failed || fflush(f) != 0 ? SIM_ERR_IO : SIM_OK;
    if (st) {
        st->bytes = c.o.written;
        st->events = c.events;
    }
    chrome_free(&c);
    free(first);
    free(next);
    return rc;
}

/* ---- CSV ----------------------------------------------------------------------- */

/* One state interval of one thread. */
typedef struct Row {
    SimTime start, end;
    uint32_t core;
    uint32_t holder; /* NONE if nobody holds the thread's GIL */
    uint8_t state, reason;
} Row;

/* A row opened in the current instant, waiting for its GIL holder. */
typedef struct Fresh {
    size_t row;
    uint32_t gil;
} Fresh;

/*
 * The rows of every thread, thread after thread, each thread's in time
 * order: counted first, then filled in one forward pass into per-thread
 * ranges (*first has nt + 1 offsets), so writing them is sequential. An
 * interval ends at the thread's next state record, or at the end of the
 * run. Its GIL holder is read once every record of its first instant has
 * been applied, so the hand-overs of that instant count whatever their
 * order in the trace.
 */
static Row *rows_build(const SimTrace *tr, size_t **first)
{
    size_t n = sim_trace_count(tr);
    uint32_t nt = sim_trace_thread_count(tr), ng = sim_trace_gil_count(tr);
    const SimRecord *r = sim_trace_records(tr);
    size_t *off = calloc((size_t)nt + 1, sizeof(*off));
    size_t *cursor = malloc(((size_t)nt + 1) * sizeof(*cursor));
    size_t *open = malloc(((size_t)nt + 1) * sizeof(*open));
    uint32_t *gil_of = malloc(((size_t)nt + 1) * sizeof(*gil_of));
    uint32_t *cur = malloc(((size_t)ng + 1) * sizeof(*cur));
    Fresh *fresh = NULL;
    size_t n_fresh = 0, cap_fresh = 0;
    Row *rows = NULL;
    bool ok = off && cursor && open && gil_of && cur;
    for (size_t i = 0; ok && i < n; i++)
        if (r[i].kind == SIM_REC_STATE && r[i].thread < nt && SIM_REC_NEW_STATE(&r[i]) != SIM_ST_TERMINATED)
            off[r[i].thread + 1]++;
    if (ok) {
        for (uint32_t t = 0; t < nt; t++) {
            off[t + 1] += off[t];
            cursor[t] = off[t];
            open[t] = SIZE_MAX;
            gil_of[t] = sim_trace_thread(tr, t)->gil;
        }
        for (uint32_t g = 0; g < ng; g++)
            cur[g] = NONE;
        rows = malloc((off[nt] ? off[nt] : 1) * sizeof(*rows));
        ok = rows != NULL;
    }
    SimTime end = sim_trace_end(tr);
    for (size_t i = 0; ok && i < n;) {
        size_t j = i;
        for (; j < n && r[j].t == r[i].t; j++) {
            const SimRecord *x = &r[j];
            if (x->kind == SIM_REC_GIL_ACQUIRE && x->arg < ng) {
                cur[x->arg] = x->thread;
            } else if (x->kind == SIM_REC_GIL_DROP && x->arg < ng) {
                if (cur[x->arg] == x->thread)
                    cur[x->arg] = NONE;
            } else if (x->kind == SIM_REC_STATE && x->thread < nt) {
                uint32_t t = x->thread;
                if (open[t] != SIZE_MAX)
                    rows[open[t]].end = x->t;
                open[t] = SIZE_MAX;
                SimState s = SIM_REC_NEW_STATE(x);
                if (s == SIM_ST_TERMINATED)
                    continue;
                size_t k = cursor[t]++;
                rows[k] = (Row){x->t, end, x->arg, NONE, (uint8_t)(s < SIM_ST_COUNT ? s : SIM_ST_NEW),
                                x->reason < SIM_REASON_COUNT ? x->reason : SIM_R_NEW};
                open[t] = k;
                if (n_fresh == cap_fresh) {
                    size_t ncap = cap_fresh ? cap_fresh * 2 : 64;
                    Fresh *nf = realloc(fresh, ncap * sizeof(*nf));
                    if (!nf) {
                        ok = false;
                        break;
                    }
                    fresh = nf;
                    cap_fresh = ncap;
                }
                fresh[n_fresh++] = (Fresh){k, gil_of[t]};
            }
        }
        /* The instant is over: the rows it opened learn their GIL holder. */
        for (size_t k = 0; ok && k < n_fresh; k++)
            rows[fresh[k].row].holder = fresh[k].gil < ng ? cur[fresh[k].gil] : NONE;
        n_fresh = 0;
        i = j;
    }
    free(cursor);
    free(open);
    free(gil_of);
    free(cur);
    free(fresh);
    if (!ok) {
        free(off);
        free(rows);
        return NULL;
    }
    *first = off;
    return rows;
}

int export_trace_csv(const SimTrace *tr, FILE *f, ExportTraceStats *st)
{
    uint32_t nt = sim_trace_thread_count(tr);
    Out o = {0};
    Names nm = {0};
    Str states[SIM_ST_COUNT] = {{0}}, reasons[SIM_REASON_COUNT] = {{0}};
    size_t *first = NULL;
    Row *rows = rows_build(tr, &first);
    bool ok = rows && out_init(&o, f) && names_build(tr, csv_quote, &nm);
    for (int i = 0; ok && i < SIM_ST_COUNT; i++)
        ok = csv_quote(sim_state_name((SimState)i), &states[i]);
    for (int i = 0; ok && i < SIM_REASON_COUNT; i++)
        ok = csv_quote(sim_reason_name((SimReason)i), &reasons[i]);
    if (ok) {
        OUT_LIT(&o, "process,thread,state,reason,start_ns,end_ns,core,gil_holder\n");
        for (uint32_t t = 0; t < nt; t++) {
            const Str *proc = &nm.process[sim_trace_thread(tr, t)->process];
            for (size_t k = first[t]; k < first[t + 1]; k++) {
                const Row *w = &rows[k];
                out_str(&o, proc);
                OUT_LIT(&o, ",");
                out_str(&o, &nm.thread[t]);
                OUT_LIT(&o, ",");
                out_str(&o, &states[w->state]);
                OUT_LIT(&o, ",");
                out_str(&o, &reasons[w->reason]);
                OUT_LIT(&o, ",");
                out_i64(&o, w->start);
                OUT_LIT(&o, ",");
                out_i64(&o, w->end);
                OUT_LIT(&o, ",");
                if (w->state == SIM_ST_RUNNING)
                    out_u64(&o, w->core);
                OUT_LIT(&o, ",");
                if (w->holder < nt)
                    out_str(&o, &nm.thread[w->holder]);
                OUT_LIT(&o, "\n");
            }
        }
        out_flush(&o);
    }
    int rc = !ok ? SIM_ERR_NOMEM : o.failed || fflush(f) != 0 ? SIM_ERR_IO : SIM_OK;
    if (st) {
        st->bytes = o.written;
        st->events = first ? first[nt] : 0;
    }
    for (int i = 0; i < SIM_ST_COUNT; i++)
        free(states[i].s);
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        free(reasons[i].s);
    names_free(&nm);
    free(o.buf);
    free(first);
    free(rows);
    return rc;
}
