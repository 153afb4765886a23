/*
 * test_queue.c - the event queue: randomised push/cancel/pop against the heap
 * invariant and a reference model, equal-time FIFO order, stale handles.
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
            ref[n] = (Ref){t, n, sim_queue_push(&q, t, 0, n, (int64_t)n), true};
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

int main(void)
{
    test_fifo_ties();
    test_stale_handles();
    test_random();
    return test_report();
}
