/*
 * trace_export_csv.c - the trace of a run as a CSV of thread state
 * intervals (trace_export.h says what the file holds).
 *
 * The rows are built first, thread by thread, then written in one
 * sequential pass through the buffered writer of trace_export_out.h, with
 * every name quoted once.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "trace_export.h"
#include "trace_export_out.h"

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

int trace_export_csv(const SimTrace *tr, FILE *f, TraceExportStats *st)
{
    uint32_t nt = sim_trace_thread_count(tr);
    Out o = {0};
    Names nm = {0};
    StrBuf states[SIM_ST_COUNT] = {{0}}, reasons[SIM_REASON_COUNT] = {{0}};
    size_t *first = NULL;
    Row *rows = rows_build(tr, &first);
    bool ok = rows && out_init(&o, f) && names_build(tr, quote_csv, &nm);
    for (int i = 0; ok && i < SIM_ST_COUNT; i++)
        ok = quote_csv(sim_state_name((SimState)i), &states[i]);
    for (int i = 0; ok && i < SIM_REASON_COUNT; i++)
        ok = quote_csv(sim_reason_name((SimReason)i), &reasons[i]);
    if (ok) {
        o.limit = st ? st->max_bytes : 0;
        OUT_LIT(&o, "process,thread,state,reason,start_ns,end_ns,core,gil_holder\n");
        for (uint32_t t = 0; t < nt; t++) {
            const StrBuf *proc = &nm.process[sim_trace_thread(tr, t)->process];
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
    int rc = !ok ? SIM_ERR_NOMEM : o.too_big ? SIM_ERR_LIMIT : o.failed || fflush(f) != 0 ? SIM_ERR_IO : SIM_OK;
    if (st) {
        st->bytes = o.written;
        st->events = first ? first[nt] : 0;
    }
    for (int i = 0; i < SIM_ST_COUNT; i++)
        strbuf_fini(&states[i]);
    for (int i = 0; i < SIM_REASON_COUNT; i++)
        strbuf_fini(&reasons[i]);
    names_free(&nm);
    out_fini(&o);
    free(first);
    free(rows);
    return rc;
}
