/*
 * sim_internal.h - structures shared by the files of sim/; never included
 * outside it.
 *
 * A SimScenario is the validated, immutable form of a scenario file: a
 * configuration, process and thread templates, and every thread program
 * flattened into one op array (a `repeat` op is followed by its body).
 * Runtime instances (the world's threads and processes) point back at the
 * templates; a template can be instantiated many times (fork in a loop).
 */
#ifndef GILSIM_SIM_INTERNAL_H
#define GILSIM_SIM_INTERNAL_H

#include "sim.h"

/* ---- Distributions and random numbers ----------------------------------- */

typedef enum SimDistKind { SIM_DIST_FIXED = 0, SIM_DIST_UNIFORM, SIM_DIST_EXP } SimDistKind;

typedef struct SimDist {
    uint8_t kind;
    SimTime a; /* fixed value, uniform low, exponential mean */
    SimTime b; /* uniform high */
} SimDist;

typedef struct SimRng {
    uint64_t s[4];
} SimRng;

void sim_rng_seed(SimRng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(SimRng *r);
uint64_t sim_rng_below(SimRng *r, uint64_t n); /* uniform in [0, n), n > 0 */
double sim_rng_unit(SimRng *r);                 /* uniform in [0, 1) */
/* A sample of d: at most SIM_DURATION_MAX, like every duration of a scenario. */
SimTime sim_dist_sample(const SimDist *d, SimRng *r);

/* ---- Time arithmetic that cannot overflow --------------------------------
 * Times and durations are >= 0. The engine adds a few durations (each at
 * most SIM_DURATION_MAX) to a time at most SIM_TIME_MAX, which always fits;
 * where a duration is scaled (slowed-down or free-threaded work) the
 * result saturates at SIM_TIME_NEVER, which world_schedule then refuses.
 */
static inline SimTime sim_time_add(SimTime a, SimTime b)
{
    return b > SIM_TIME_NEVER - a ? SIM_TIME_NEVER : a + b;
}

static inline SimTime sim_time_scale(SimTime d, double f)
{
    double v = (double)d * f + 0.5;
    return v >= 9.2e18 ? SIM_TIME_NEVER : (SimTime)v;
}

/* ---- Event queue ---------------------------------------------------------
 * A 4-ary min-heap ordered by (time, seq), beside FIFO lanes. seq is a
 * per-queue counter, so events at equal times fire in the order they were
 * pushed (FIFO) and runs are reproducible bit for bit. Events live in slots
 * that remember where they are, so cancel is O(log n) without a search;
 * handles carry a generation, so cancelling a stale handle finds nothing.
 *
 * A lane holds events pushed with the same delay (a context switch is
 * always now + its cost): they arrive in time order, so a ring buffer
 * keeps them sorted for O(1) instead of a heap's O(log n) each way. Pop takes
 * the least (time, seq) of the heap's top and the lanes' heads, so the
 * order is exactly the one heap's. A push whose time would go before its
 * lane's last goes to the heap instead; below SIM_QUEUE_LANE_MIN queued
 * events every push does, as a small heap is as fast without the lanes'
 * extra comparisons.
 */

typedef uint64_t SimHandle; /* 0 is never a live handle */

typedef struct SimEvent {
    SimTime t;
    uint32_t type;
    uint32_t thread;
    int64_t data;
} SimEvent;

typedef struct SimHeapNode {
    SimTime t;
    uint64_t seq;
    uint32_t slot;
    uint32_t gen; /* lanes: the slot's generation when pushed (a cancelled entry's is stale) */
} SimHeapNode;

typedef struct SimQueueSlot {
    SimEvent ev;
    uint32_t heap_idx; /* heap position; SIM_SLOT_IN_LANE(l) in lane l; UINT32_MAX when free */
    uint32_t gen;
} SimQueueSlot;

#define SIM_QUEUE_LANES 3
#ifndef SIM_QUEUE_LANE_MIN /* a build may set it (0: lanes always, to test them) */
#define SIM_QUEUE_LANE_MIN 64
#endif
/* How many entries a lane push may move back to keep its ring sorted: a
 * timer's latency varies by tens of microseconds, so a timeout armed just
 * after another may fire just before it; past this many the heap is
 * cheaper. */
#define SIM_LANE_SHIFT_MAX 256
#define SIM_SLOT_IN_LANE(l) (UINT32_MAX - 1 - (uint32_t)(l))

/* A ring of nodes in (time, seq) order; its head is live, cancelled
 * entries behind it are dropped when they reach the head. */
typedef struct SimLane {
    SimHeapNode *ring;
    uint32_t cap;   /* a power of two, or 0 */
    uint32_t head;  /* index of the oldest entry */
    uint32_t used;  /* entries in the ring, cancelled ones included */
    uint32_t live;  /* entries not cancelled */
} SimLane;

typedef struct SimQueue {
    SimHeapNode *heap;
    uint32_t n, cap;
    SimQueueSlot *slots;
    uint32_t n_slots, cap_slots;
    uint32_t *free_slots;
    uint32_t n_free;
    uint64_t next_seq;
    SimLane lanes[SIM_QUEUE_LANES];
} SimQueue;

void sim_queue_init(SimQueue *q);
void sim_queue_fini(SimQueue *q);
/* Returns a handle, or 0 when out of memory. */
SimHandle sim_queue_push(SimQueue *q, SimTime t, uint32_t type, uint32_t thread, int64_t data);
/* The same, for an event whose delay is the same as the others of `lane`
 * (< SIM_QUEUE_LANES); it fires in exactly the order sim_queue_push's
 * would. */
SimHandle sim_queue_push_lane(SimQueue *q, uint32_t lane, SimTime t, uint32_t type, uint32_t thread,
                              int64_t data);
/* Removes a pending event; false if it already fired or was cancelled. */
bool sim_queue_cancel(SimQueue *q, SimHandle h);
/* The event sim_queue_pop would pop next, in place (valid until the next
 * push, pop or cancel); NULL when empty. */
const SimEvent *sim_queue_peek(const SimQueue *q);
/* Pops the earliest event into *out; false when empty. */
bool sim_queue_pop(SimQueue *q, SimEvent *out);
static inline uint32_t sim_queue_size(const SimQueue *q)
{
    uint32_t n = q->n;
    for (int l = 0; l < SIM_QUEUE_LANES; l++)
        n += q->lanes[l].live;
    return n;
}
static inline SimTime sim_queue_peek_time(const SimQueue *q)
{
    SimTime t = q->n ? q->heap[0].t : INT64_MAX;
    for (int l = 0; l < SIM_QUEUE_LANES; l++)
        if (q->lanes[l].used && q->lanes[l].ring[q->lanes[l].head].t < t)
            t = q->lanes[l].ring[q->lanes[l].head].t;
    return t;
}
/* Heap and lane invariant check, for assert() and tests. */
bool sim_queue_sane(const SimQueue *q);

/* ---- Scenario (scenario.h) --------------------------------------------- */

#include "scenario.h"

/* ---- Trace storage (trace.c) ------------------------------------------ */

struct SimTrace {
    SimRecord *recs;
    size_t n, cap;
    SimThreadInfo *threads;
    uint32_t n_threads, cap_threads;
    SimProcessInfo *procs;
    uint32_t n_procs, cap_procs;
    SimObjectInfo *objects;
    uint32_t n_objects, cap_objects;
    uint32_t n_gils;
    SimTime end;
    SimRunInfo info;
};

/* The simulator's append: the common case inline, growth in trace.c. */
static inline int sim_trace_append(SimTrace *tr, const SimRecord *r)
{
    if (tr->n < tr->cap) {
        tr->recs[tr->n++] = *r;
        return SIM_OK;
    }
    return sim_trace_push(tr, r);
}

uint64_t sim_fnv1a(const void *data, size_t n);

#endif /* GILSIM_SIM_INTERNAL_H */
