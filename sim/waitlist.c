/*
 * waitlist.c - the threads waiting on one GIL or one object, in arrival
 * order, with every operation the engine needs in O(log n): add at the
 * back, remove any thread, and take the k-th (the OS's random choice
 * among waiters, or the oldest), so that no wake-up, timeout or kill
 * scans a list of waiters.
 *
 * Threads sit at increasing positions of an array, with holes where a
 * thread left; a Fenwick tree over the array counts the threads up to
 * each position, so the k-th in arrival order is one descent of the
 * tree. Each thread remembers its position (WaitList.which names the
 * field). When the array's end is reached the threads are moved to the
 * front in their order, their positions rewritten, and the array doubles
 * if they fill more than half of it: at least cap/2 adds pass between two
 * moves, so a move costs O(1) per add, amortised.
 *
 * Invariant: ids[head, tail) holds the n listed threads in arrival order
 * and holes; tree counts exactly the threads; a listed thread's position
 * field names its index in ids.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define WL_HOLE UINT32_MAX
#define WL_MIN_CAP 8

void wl_init(WaitList *l, SimWorld *w, WaitSlot which)
{
    memset(l, 0, sizeof(*l));
    l->w = w;
    l->which = (uint8_t)which;
}

void wl_fini(WaitList *l)
{
    free(l->ids);
    free(l->tree);
    l->ids = l->tree = NULL;
    l->n = l->cap = l->head = l->tail = 0;
}

static inline uint32_t *pos_of(const WaitList *l, uint32_t id)
{
    return &T(l->w, id)->wl_pos[l->which];
}

static inline void tree_add(WaitList *l, uint32_t pos, int32_t d)
{
    for (uint32_t i = pos + 1; i <= l->cap; i += i & (0u - i))
        l->tree[i] += (uint32_t)d;
}

/* Moves the threads to the front, in order, growing the array so that
 * they fill at most half of it once one more is added. */
static bool compact(WaitList *l)
{
    uint32_t cap = l->cap ? l->cap : WL_MIN_CAP;
    while ((uint64_t)(l->n + 1) * 2 > cap)
        cap *= 2;
    if (cap != l->cap) {
        uint32_t *ids = realloc(l->ids, (size_t)cap * sizeof(*ids));
        if (!ids) {
            l->w->oom = true;
            return false;
        }
        l->ids = ids;
        uint32_t *tree = realloc(l->tree, ((size_t)cap + 1) * sizeof(*tree));
        if (!tree) {
            l->w->oom = true;
            return false;
        }
        l->tree = tree;
    }
    uint32_t j = 0;
    for (uint32_t pos = l->head; pos < l->tail; pos++) {
        uint32_t id = l->ids[pos];
        if (id == WL_HOLE)
            continue;
        l->ids[j] = id;
        *pos_of(l, id) = j++;
    }
    l->cap = cap;
    l->head = 0;
    l->tail = j;
    /* The tree of positions [0, j) filled, built in O(cap). */
    l->tree[0] = 0;
    for (uint32_t i = 1; i <= cap; i++)
        l->tree[i] = i <= j;
    for (uint32_t i = 1; i <= cap; i++) {
        uint32_t up = i + (i & (0u - i));
        if (up <= cap)
            l->tree[up] += l->tree[i];
    }
    return true;
}

bool wl_add(WaitList *l, uint32_t id)
{
    if (l->tail == l->cap && !compact(l))
        return false;
    uint32_t pos = l->tail++;
    l->ids[pos] = id;
    *pos_of(l, id) = pos;
    tree_add(l, pos, 1);
    l->n++;
    return true;
}

static void remove_at(WaitList *l, uint32_t pos)
{
    uint32_t id = l->ids[pos];
    *pos_of(l, id) = WL_NONE;
    l->ids[pos] = WL_HOLE;
    tree_add(l, pos, -1);
    l->n--;
    if (l->n == 0) {
        l->head = l->tail = 0; /* the tree is all zeros again */
        return;
    }
    while (l->ids[l->head] == WL_HOLE)
        l->head++;
}

bool wl_remove(WaitList *l, uint32_t id)
{
    uint32_t pos = *pos_of(l, id);
    if (pos < l->head || pos >= l->tail || l->ids[pos] != id)
        return false;
    remove_at(l, pos);
    return true;
}

/* The index in ids of the k-th thread (0 = the oldest); k < n. */
static uint32_t select_pos(const WaitList *l, uint32_t k)
{
    if (k == 0)
        return l->head; /* head is never a hole while the list has threads */
    uint32_t pos = 0, rem = k + 1;
    for (uint32_t step = l->cap; step; step >>= 1) {
        uint32_t next = pos + step;
        if (next <= l->cap && l->tree[next] < rem) {
            pos = next;
            rem -= l->tree[next];
        }
    }
    return pos; /* the tree index pos + 1 holds the k-th: position pos */
}

uint32_t wl_peek(const WaitList *l, uint32_t k)
{
    return l->ids[select_pos(l, k)];
}

uint32_t wl_take(WaitList *l, uint32_t k)
{
    uint32_t pos = select_pos(l, k);
    uint32_t id = l->ids[pos];
    remove_at(l, pos);
    return id;
}

uint32_t wl_next(const WaitList *l, uint32_t *pos)
{
    for (; *pos < l->tail; (*pos)++) {
        if (*pos >= l->head && l->ids[*pos] != WL_HOLE)
            return l->ids[(*pos)++];
    }
    return NO_THREAD;
}

bool wl_sane(const WaitList *l)
{
    if (l->head > l->tail || l->tail > l->cap || (l->n && l->ids[l->head] == WL_HOLE))
        return false;
    uint32_t live = 0;
    for (uint32_t pos = l->head; pos < l->tail; pos++) {
        uint32_t id = l->ids[pos];
        if (id == WL_HOLE)
            continue;
        if (id >= l->w->n_threads || *pos_of(l, id) != pos)
            return false;
        live++;
        /* The tree's prefix count up to pos is the thread's rank + 1. */
        uint32_t sum = 0;
        if (live <= 64 || live == l->n)
            for (uint32_t i = pos + 1; i > 0; i -= i & (0u - i))
                sum += l->tree[i];
        else
            sum = live;
        if (sum != live)
            return false;
    }
    return live == l->n;
}
