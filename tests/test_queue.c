/*
 * test_queue.c - the event queue: randomised push/cancel/pop, to the heap
 * and to the FIFO lanes, against the queue's invariants and a reference
 * model; equal-time FIFO order; stale handles.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "test.h"

static void test_fifo_ties(void)
{
    SimQueue q;
    sim_queue_init(&q);
    for (uint32_t i = 0; i < 100; i++)
        sim_queue_push(&q, 5, 0, i, 0);
    sim_queue_push(&q, 1, 0, 1000, 0);
    SimEvent ev;
    CHECK(sim_queue_pop(&q, &ev) && ev.t == 1 && ev.thread == 1000, "earliest time pops first");
    bool fifo = true;
    for (uint32_t i = 0; i < 100; i++)
        fifo &= sim_queue_pop(&q, &ev) && ev.t == 5 && ev.thread == i;
    CHECK(fifo, "equal times pop in push order");
    CHECK(!sim_queue_pop(&q, &ev), "empty queue pops nothing");
    sim_queue_fini(&q);
}

static void test_stale_handles(void)
{
    SimQueue q;
    sim_queue_init(&q);
    SimHandle a = sim_queue_push(&q, 10, 0, 1, 0);
    CHECK(a != 0, "push returns a live handle");
    CHECK(sim_queue_cancel(&q, a), "cancel a pending event");
    CHECK(!sim_queue_cancel(&q, a), "cancelling twice finds nothing");
    SimHandle b = sim_queue_push(&q, 20, 0, 2, 0); /* reuses a's slot */
    CHECK(!sim_queue_cancel(&q, a), "a stale handle does not cancel the slot's new event");
    CHECK(sim_queue_size(&q) == 1, "the new event is still queued");
    SimEvent ev;
    CHECK(sim_queue_pop(&q, &ev) && ev.thread == 2, "the new event pops");
    CHECK(!sim_queue_cancel(&q, b), "a fired event cannot be cancelled");
    CHECK(!sim_queue_cancel(&q, 0), "handle 0 is never live");
    sim_queue_fini(&q);
}

typedef struct Ref {
    SimTime t;
    uint64_t order;
    SimHandle h;
    bool live;
} Ref;

static void test_random(void)
{
    SimQueue q;
    sim_queue_init(&q);
    SimRng rng;
    sim_rng_seed(&rng, 42, 0);
    enum { N = 20000 };
    Ref *ref = calloc(N, sizeof(*ref));
    uint32_t n = 0, live = 0;
    bool sane = true, order_ok = true, model_ok = true;
    SimTime last = -1;
    uint64_t last_order = 0;
    for (int step = 0; step < 200000; step++) {
        uint64_t op = sim_rng_below(&rng, 10);
        if (op < 5 && n < N) {
            /* Few distinct times, so ties are frequent. */
            SimTime t = last < 0 ? 0 : last;
            t += (SimTime)sim_rng_below(&rng, 50);
            /* A third of pushes each to the heap and to the two lanes;
             * a lane push before its lane's last goes to the heap. */
            uint32_t lane = (uint32_t)sim_rng_below(&rng, 3);
            SimHandle h = lane == 2 ? sim_queue_push(&q, t, 0, n, (int64_t)n)
                                    : sim_queue_push_lane(&q, lane, t, 0, n, (int64_t)n);
            ref[n] = (Ref){t, n, h, true};
            n++;
            live++;
        } else if (op < 7 && n > 0) {
            uint32_t k = (uint32_t)sim_rng_below(&rng, n);
            bool removed = sim_queue_cancel(&q, ref[k].h);
            model_ok &= removed == ref[k].live;
            if (ref[k].live)
                live--;
            ref[k].live = false;
        } else {
            SimEvent ev;
            bool got = sim_queue_pop(&q, &ev);
            model_ok &= got == (live > 0);
            if (got) {
                /* Must be the smallest (t, order) among the live references. */
                uint32_t best = UINT32_MAX;
                for (uint32_t i = 0; i < n; i++)
                    if (ref[i].live && (best == UINT32_MAX || ref[i].t < ref[best].t ||
                                        (ref[i].t == ref[best].t && ref[i].order < ref[best].order)))
                        best = i;
                model_ok &= best == ev.thread;
                order_ok &= ev.t > last || (ev.t == last && ev.thread > last_order) || last < 0;
                last = ev.t;
                last_order = ev.thread;
                ref[ev.thread].live = false;
                live--;
            }
        }
        if (step % 32 == 0)
            sane &= sim_queue_sane(&q);
        if (n == N && live == 0)
            break;
    }
    CHECK(sane, "heap invariant holds after every 32 operations");
    CHECK(model_ok, "pops and cancels agree with a reference model");
    CHECK(order_ok, "pops are monotone in (time, push order)");
    CHECK(sim_queue_size(&q) == live, "size matches live events (%u vs %u)", sim_queue_size(&q), live);
    free(ref);
    sim_queue_fini(&q);
}

/* Lanes switch on with the queue's size and keep the one heap's order. */
static void test_lanes(void)
{
    SimQueue q;
    sim_queue_init(&q);
    bool ok = true;
    for (uint32_t i = 0; i < 3 * SIM_QUEUE_LANE_MIN; i++) {
        /* Lane 0 every 10 ns, lane 1 every 7 ns from 3, the heap at odd
         * times: interleaved, with ties between all three. */
        ok &= sim_queue_push_lane(&q, 0, 10 * i, 0, 3 * i, 0) != 0;
        ok &= sim_queue_push_lane(&q, 1, 3 + 7 * i, 0, 3 * i + 1, 0) != 0;
        ok &= sim_queue_push(&q, 5 * i + 1, 0, 3 * i + 2, 0) != 0;
    }
    CHECK(ok && q.lanes[0].live > 0 && q.lanes[1].live > 0, "a large queue puts lane pushes in lanes (%u, %u)",
          q.lanes[0].live, q.lanes[1].live);
    /* Lane 0 ends at 10 * (3 * LANE_MIN - 1): a push 15 ns before its end
     * is slotted in among the last entries; one before more than
     * SIM_LANE_SHIFT_MAX of them takes the heap. */
    SimTime end = 10 * (3 * SIM_QUEUE_LANE_MIN - 1);
    SimHandle near = sim_queue_push_lane(&q, 0, end - 15, 0, 999998, 0);
    CHECK(sim_queue_sane(&q) && q.slots[(uint32_t)near].heap_idx == SIM_SLOT_IN_LANE(0),
          "a push just before its lane's last is slotted into the lane, in order");
    CHECK(sim_queue_cancel(&q, near), "and is cancelled there");
    for (uint32_t i = 0; i < SIM_LANE_SHIFT_MAX; i++)
        ok &= sim_queue_push_lane(&q, 0, end + 10 * (i + 1), 0, 1000000 + i, 0) != 0;
    SimHandle late = sim_queue_push_lane(&q, 0, end - 1, 0, 999999, 0);
    CHECK(sim_queue_sane(&q) && q.slots[(uint32_t)late].heap_idx < SIM_SLOT_IN_LANE(SIM_QUEUE_LANES - 1),
          "a push before more than %d of its lane's entries goes to the heap", SIM_LANE_SHIFT_MAX);
    CHECK(sim_queue_cancel(&q, late), "and is cancelled there");
    SimEvent ev, prev = {-1, 0, 0, 0};
    uint32_t popped = 0;
    while (sim_queue_pop(&q, &ev)) {
        /* Pushes were in thread order at each time, so ties pop that way. */
        ok &= ev.t > prev.t || (ev.t == prev.t && ev.thread > prev.thread) || popped == 0;
        prev = ev;
        popped++;
    }
    CHECK(ok && popped == 9 * SIM_QUEUE_LANE_MIN + SIM_LANE_SHIFT_MAX, "heap and lanes pop in (time, push order): %u events", popped);
    CHECK(sim_queue_size(&q) == 0 && sim_queue_sane(&q), "emptied");
    sim_queue_fini(&q);
}

int main(void)
{
    test_fifo_ties();
    test_stale_handles();
    test_random();
    test_lanes();
    return test_report();
}
