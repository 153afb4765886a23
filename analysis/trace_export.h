/*
 * trace_export.h - a finished run's trace as files other tools read:
 * Chrome Trace Event JSON (Perfetto, chrome://tracing) and a CSV with one
 * row per thread state interval.
 *
 * Both writers read only the trace, so the bytes depend only on the
 * scenario, its seed and the gilsim version: no clock, no locale, no
 * addresses. They stream through a buffered writer into `f`; the caller
 * makes the output atomic (temporary file, then rename).
 */
#ifndef GILSIM_TRACE_EXPORT_H
#define GILSIM_TRACE_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"

/* What a writer produced, and the one thing it is told. */
typedef struct TraceExportStats {
    uint64_t max_bytes; /* in: stop with SIM_ERR_LIMIT rather than write more; 0: no limit */
    uint64_t bytes;     /* bytes written to f */
    uint64_t events;    /* JSON: trace events; CSV: rows (header excluded) */
} TraceExportStats;

/* A floor on the bytes either format takes per trace record, for refusing
 * an export that will certainly pass a size limit before writing any of it. */
#define TRACE_EXPORT_MIN_BYTES_PER_RECORD 16

/*
 * Chrome Trace Event JSON, object form:
 *
 *   pid 1..N          one per simulated process, in creation order;
 *                     pid N+1 is the machine (run-queue counter)
 *   tid 1..T          one per thread, in creation order
 *   tid T+1..T+N      each process's GIL track ("GIL"): one X slice per
 *                     holding, named after the holder (a holding of zero
 *                     length is an instant "GIL acquired and released" on
 *                     the holder's track instead)
 *   X                 one slice per state interval of non-zero length,
 *                     name = state, cat = reason, ts/dur in microseconds
 *                     with three decimals (exact nanoseconds)
 *   i                 drop requests, GIL timeouts, failed wake-ups, forks,
 *                     deadlocks, blocks/timeouts/errors on objects, and
 *                     "lost update" {"object", "overwrote"} on the writer
 *   C                 "GIL" {"waiters"} per process, "run queue"
 *                     {"threads"} for the machine; per object, on its
 *                     process (the machine for objects every process
 *                     shares): "NAME (shared)" {"value", "no loss"},
 *                     "NAME (queue|pipe|mp_queue)" {"items"},
 *                     "NAME (semaphore)" {"permits taken"}
 *   s / t / f         one flow per drop request that was followed by a
 *                     hand-over: from the requester's "drop request"
 *                     instant, through the holding it ended, to the next
 *                     holding
 *
 * Returns 0, SIM_ERR_NOMEM, SIM_ERR_IO (errno says why) or SIM_ERR_LIMIT
 * (st->max_bytes reached: f holds the start of the output).
 */
int trace_export_chrome(const SimTrace *tr, FILE *f, TraceExportStats *st);

/*
 * CSV, header first:
 *
 *   process,thread,state,reason,start_ns,end_ns,core,gil_holder
 *
 * Rows are ordered by thread (creation order), then start. A thread's rows
 * tile its life, from its first state record to its end (or the end of the
 * run), with no gaps or overlaps; zero-length intervals are kept, so the
 * rows are also the complete list of its transitions. core is empty unless
 * Running; gil_holder names the thread holding the thread's GIL at start_ns
 * (after every record of that instant), empty if nobody does.
 *
 * Returns 0, SIM_ERR_NOMEM, SIM_ERR_IO or SIM_ERR_LIMIT, as the Chrome writer.
 */
int trace_export_csv(const SimTrace *tr, FILE *f, TraceExportStats *st);

#endif /* GILSIM_TRACE_EXPORT_H */
