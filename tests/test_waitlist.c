/*
 * test_waitlist.c - the wait lists of GILs and objects (sim/waitlist.c)
 * against the plain array they replaced: random adds, removals from the
 * middle and takes of the k-th must leave both in the same order, so that
 * the OS's random choice among waiters picks the same thread from either.
 * Two lists share the threads, one per position field, as a GIL's and an
 * object's do.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h" /* white-box: a world of bare threads is enough */
#include "test.h"

#define N_THREADS 600

typedef struct Model {
    uint32_t ids[N_THREADS];
    uint32_t n;
} Model;

static void model_remove_at(Model *m, uint32_t i)
{
    memmove(&m->ids[i], &m->ids[i + 1], (m->n - i - 1) * sizeof(uint32_t));
    m->n--;
}

static bool same_order(const WaitList *l, const Model *m)
{
    if (wl_count(l) != m->n || !wl_sane(l))
        return false;
    uint32_t pos = 0, i = 0;
    for (uint32_t id; (id = wl_next(l, &pos)) != NO_THREAD; i++)
        if (i >= m->n || m->ids[i] != id)
            return false;
    return i == m->n;
}

/* Small xorshift: the test's own stream, independent of the simulator's. */
static uint64_t rnd_state = 88172645463325252ull;
static uint32_t rnd_below(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

static void test_against_model(SimWorld *w)
{
    WaitList lists[2];
    Model models[2] = {0};
    bool listed[2][N_THREADS] = {{false}};
    wl_init(&lists[0], w, WL_GIL);
    wl_init(&lists[1], w, WL_OBJECT);
    bool ok = true;
    uint32_t max_seen = 0;
    for (int step = 0; step < 200000 && ok; step++) {
        int k = (int)rnd_below(2);
        WaitList *l = &lists[k];
        Model *m = &models[k];
        /* Phases of growth and of shrinking, so the list fills, empties
         * and compacts many times. */
        bool grow = (step / 5000) % 2 == 0;
        uint32_t op = rnd_below(10);
        if (m->n == 0 || (grow ? op < 6 : op < 3)) {
            uint32_t id = rnd_below(N_THREADS);
            if (listed[k][id])
                continue;
            ok &= wl_add(l, id);
            m->ids[m->n++] = id;
            listed[k][id] = true;
        } else if (op < 8) {
            uint32_t i = rnd_below(m->n);
            uint32_t id = m->ids[i];
            ok &= wl_remove(l, id);
            ok &= !wl_remove(l, id); /* a second removal finds nothing */
            model_remove_at(m, i);
            listed[k][id] = false;
        } else {
            uint32_t i = op == 8 ? 0 : rnd_below(m->n);
            uint32_t id = wl_take(l, i);
            ok &= id == m->ids[i];
            model_remove_at(m, i);
            listed[k][id] = false;
        }
        if (m->n > max_seen)
            max_seen = m->n;
        if (step % 97 == 0)
            ok &= same_order(&lists[0], &models[0]) && same_order(&lists[1], &models[1]);
    }
    CHECK(ok, "adds, removals and takes of the k-th match the array model");
    CHECK(same_order(&lists[0], &models[0]) && same_order(&lists[1], &models[1]), "both lists end in order");
    CHECK(max_seen > 100, "the lists grew past their first size (%u)", max_seen);
    wl_fini(&lists[0]);
    wl_fini(&lists[1]);
}

static void test_empty_and_refill(SimWorld *w)
{
    WaitList l;
    wl_init(&l, w, WL_GIL);
    CHECK(wl_count(&l) == 0 && wl_sane(&l), "a new list is empty");
    CHECK(!wl_remove(&l, 3), "removing from an empty list finds nothing");
    for (int round = 0; round < 3; round++) {
        for (uint32_t id = 0; id < 20; id++)
            wl_add(&l, id);
        uint32_t a = wl_take(&l, 5), b = wl_take(&l, 0), c = wl_take(&l, 17);
        CHECK(a == 5 && b == 0 && c == 19, "take counts from the oldest (round %d: %u %u %u)", round, a, b, c);
        while (wl_count(&l))
            wl_take(&l, wl_count(&l) - 1);
        CHECK(wl_sane(&l) && T(w, 7)->wl_pos[WL_GIL] == WL_NONE, "emptied, no thread keeps a position");
    }
    wl_fini(&l);
}

int main(void)
{
    SimWorld w;
    memset(&w, 0, sizeof(w));
    w.threads = calloc(N_THREADS, sizeof(Thread *));
    for (uint32_t i = 0; w.threads && i < N_THREADS; i++) {
        w.threads[i] = calloc(1, sizeof(Thread));
        if (!w.threads[i])
            return 1;
        w.threads[i]->id = i;
        w.threads[i]->wl_pos[WL_GIL] = w.threads[i]->wl_pos[WL_OBJECT] = WL_NONE;
    }
    if (!w.threads)
        return 1;
    w.n_threads = N_THREADS;
    test_empty_and_refill(&w);
    test_against_model(&w);
    for (uint32_t i = 0; i < N_THREADS; i++)
        free(w.threads[i]);
    free(w.threads);
    return test_report();
}
