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

/* What a writer is told, and what it produced. */
typedef struct TraceExportStats {
    uint64_t max_bytes; /* in: stop with SIM_ERR_LIMIT rather than write more; 0: no limit */
    unsigned flags;     /* in: TRACE_EXPORT_* */
    uint64_t bytes;     /* bytes written to f */
    uint64_t events;    /* JSON: trace events; CSV: rows (header excluded) */
    uint64_t gil_timeouts_left_out; /* JSON: timeouts that changed nothing, not written */
} TraceExportStats;

/* JSON: write every GIL timeout, also those that changed nothing (the
 * waiter's timed wait ran out after a switch, so it simply waits again). */
#define TRACE_EXPORT_ALL_GIL_TIMEOUTS 1u

/* A floor on the bytes either format takes per trace record, for refusing
 * an export that will certainly pass a size limit before writing any of it. */
#define TRACE_EXPORT_MIN_BYTES_PER_RECORD 16

/*
 * Chrome Trace Event JSON, object form, as the timeline shows the run:
 *
 *   pid 1..N          one per simulated process, in creation order;
 *                     pid N+1 is the machine ("machine (C cores)")
 *   tid 1..T          one per thread, in creation order
 *   tid T+1..T+G      each GIL's track, in the process it belongs to:
 *                     "GIL" for a process's own, "GIL K" for the K-th
 *                     subinterpreter GIL after it (per-interpreter GILs);
 *                     one X slice per holding, named after the holder (a
 *                     holding of zero length is an instant "GIL acquired
 *                     and released" on the holder's track instead)
 *   tid T+G+1..       each core's track in the machine ("core K"): one X
 *                     slice per stretch a thread runs there, named
 *                     "process/thread", args {"thread", "process"}
 *   X                 one slice per state interval of non-zero length,
 *                     cat = reason, args {"state", "reason", ...}; named
 *                     after the state, or for a wait on one thing after
 *                     that thing as the viewer says it ("join worker",
 *                     "join p1", "get q", "lock L"; also args.waits_for);
 *                     ts/dur in microseconds with three decimals (exact
 *                     nanoseconds)
 *   i                 drop requests, GIL timeouts that led to a drop
 *                     request or a take (all of them with
 *                     TRACE_EXPORT_ALL_GIL_TIMEOUTS; otherData says how
 *                     many were left out), failed wake-ups, forks,
 *                     deadlocks, blocks/timeouts/errors on objects, and
 *                     "lost update" {"object", "overwrote"} on the writer
 *   C                 per GIL with a track, named as the track,
 *                     {"waiters"}; "run queue" {"threads"} for the
 *                     machine; per object, on its process (the machine
 *                     for objects every process shares): "NAME (shared)"
 *                     {"value", "no loss"}, "NAME (queue|pipe|mp_queue)"
 *                     {"items"}, "NAME (semaphore)" {"permits taken"}
 *   s / t / f         one flow per drop request that was followed by a
 *                     hand-over: from the requester's "drop request"
 *                     instant, through the holding it asked to end (the
 *                     step strictly inside that slice), to the next
 *                     holding
 *   M                 names and order, last, for the tracks that hold
 *                     something: no thread, GIL or core without events is
 *                     named (a free-threaded run has no GIL tracks)
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
