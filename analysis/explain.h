/*
 * explain.h - why each transition of a run happened, told from the trace:
 * the one explanation engine behind the viewer's explain panel and its
 * cause -> effect arrows, `gilsim explain` and the tests.
 *
 * Every record has a cause field (SimCause). The engine follows it to the
 * record that caused this one: a GIL acquisition woken by a signal to the
 * drop that signalled; a forced drop to the drop request it answered; the
 * request to the timed wait that ran out; a wait for the GIL to the I/O
 * that ended; a killed daemon to the exit of the last non-daemon thread;
 * a lost update to the writes it overwrote. The "why" of a record is told
 * from that causal record and nothing else, never from the nearest GIL
 * event, and the arrows join exactly the same pairs.
 *
 *     Explainer *ex;
 *     explain_create(trace, &ex);                    // once per trace
 *     size_t rec = explain_record_at(ex, t, thread); // the record at t
 *     ExplainPanel p;  explain_panel(ex, rec, &p);   // now / why / next
 *     explain_destroy(ex);
 *
 * Invariant: only the trace is read, through per-thread, per-GIL and
 * per-object lists of record indices built once, so finding a cause is a
 * binary search and a few steps, whatever the trace's length.
 */
#ifndef GILSIM_EXPLAIN_H
#define GILSIM_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

typedef struct Explainer Explainer;

/* Indexes tr (borrowed; it must outlive the explainer). Returns 0,
 * SIM_ERR_NOMEM, or SIM_ERR_LIMIT for a trace of 2^32 records or more. */
int explain_create(const SimTrace *tr, Explainer **out);
void explain_destroy(Explainer *ex);

#define EXPLAIN_NONE ((size_t)-1)

/* The record that caused record rec, or EXPLAIN_NONE when the cause is
 * the thread's own program at its start, or lies outside the trace. */
size_t explain_cause(const Explainer *ex, size_t rec);
/* The first record that rec caused, or EXPLAIN_NONE. */
size_t explain_effect(const Explainer *ex, size_t rec);

/* The record a reader means by "at time t": the last record with time <=
 * t; with thread != SIM_NONE the last one of that thread, its state change
 * first when it made several at that instant. EXPLAIN_NONE if none. */
size_t explain_record_at(const Explainer *ex, SimTime t, uint32_t thread);

/* One clause each, without a final full stop. Each returns buf. */
char *explain_what(const Explainer *ex, size_t rec, char *buf, size_t n); /* what changed */
char *explain_why(const Explainer *ex, size_t rec, char *buf, size_t n);  /* from its cause */
char *explain_next(const Explainer *ex, size_t rec, char *buf, size_t n); /* what it causes */

/* The panel's text for record rec: a head line, what changed (the clauses
 * of the thread's records at that instant), why, and what comes next.
 * Sentences end with a full stop; a part that does not apply is "". */
typedef struct ExplainPanel {
    char head[192];
    char now[1024];
    char why[1024];
    char next[768];
} ExplainPanel;

void explain_panel(const Explainer *ex, size_t rec, ExplainPanel *out);

/* The chain of causes that ends at rec, oldest first: the records joined
 * by explain_cause, each with a short label for its arrow's end. */
#define EXPLAIN_CHAIN_MAX 5
typedef struct ExplainChain {
    int n;
    size_t rec[EXPLAIN_CHAIN_MAX];
    const char *label[EXPLAIN_CHAIN_MAX];
} ExplainChain;

void explain_chain(const Explainer *ex, size_t rec, ExplainChain *out);

/* "process/thread" when the name is ambiguous in the run, else the name. */
const char *explain_thread_name(const Explainer *ex, uint32_t thread, char *buf, size_t n);

/* How a blocked wait on an object reads in a lane and a sentence: "get q"
 * / "get from queue 'q' (empty)", "put q" / "put into queue 'q' (full)",
 * "shutdown" / "shutdown(wait=True): waits for the pool's workers",
 * "lock L" / "lock 'L'". obj is the object, side the BLOCK record's
 * detail, waiter the blocked thread. Returns buf. */
char *explain_wait_label(const SimTrace *tr, uint32_t obj, unsigned side, uint32_t waiter, bool sentence,
                         char *buf, size_t n);

/* What starting a multiprocessing child costs before it runs (the
 * scenario's python.spawn_cost and python.forkserver_cost); the trace
 * records when a child starts running but not when it was launched. */
typedef struct ExplainStartCosts {
    SimTime spawn, forkserver;
} ExplainStartCosts;

/* The costs in effect for scenario sc. Returns 0 or SIM_ERR_NOMEM. */
int explain_start_costs(const SimScenario *sc, ExplainStartCosts *out);

/* How long a multiprocessing child started by spawn or forkserver takes
 * from its launch to its start: the interpreter's (or the fork server's)
 * start-up, the first forkserver child also paying for the server's own
 * start. -1 for any other process, or costs NULL. */
SimTime explain_launch_delay(const SimTrace *tr, const ExplainStartCosts *costs, uint32_t process);

/* When such a child was launched: its start minus that delay; -1 when it
 * has none or never started. */
SimTime explain_process_launch(const SimTrace *tr, const ExplainStartCosts *costs, uint32_t process);

#endif /* GILSIM_EXPLAIN_H */
