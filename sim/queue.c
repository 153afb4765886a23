/*
 * queue.c - the simulator's event queue: a 4-ary min-heap keyed by
 * (time, seq) over an array of slots.
 *
 * Invariant: heap[i] <= heap[child] for every node, and for every live slot
 * s, heap[slots[s].heap_idx].slot == s. Equal times pop in push order because
 * seq only grows, which is what makes a run deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define SLOT_FREE UINT32_MAX
#define ARITY 4 /* a 4-ary heap: half the depth, children share a cache line */

static inline bool node_less(const SimHeapNode *a, const SimHeapNode *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    return a->seq < b->seq;
}

static inline void heap_place(SimQueue *q, uint32_t i, SimHeapNode node)
{
    q->heap[i] = node;
    q->slots[node.slot].heap_idx = i;
}

static void sift_up(SimQueue *q, uint32_t i, SimHeapNode node)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / ARITY;
        if (!node_less(&node, &q->heap[parent]))
            break;
        heap_place(q, i, q->heap[parent]);
        i = parent;
    }
    heap_place(q, i, node);
}

/* The smallest of node i's children, or UINT32_MAX for a leaf. */
static inline uint32_t min_child(const SimQueue *q, uint32_t i)
{
    uint32_t first = ARITY * i + 1;
    if (first >= q->n)
        return UINT32_MAX;
    uint32_t end = first + ARITY < q->n ? first + ARITY : q->n;
    uint32_t best = first;
    for (uint32_t c = first + 1; c < end; c++)
        if (node_less(&q->heap[c], &q->heap[best]))
            best = c;
    return best;
}

static void sift_down(SimQueue *q, uint32_t i, SimHeapNode node)
{
    for (;;) {
        uint32_t child = min_child(q, i);
        if (child == UINT32_MAX || !node_less(&q->heap[child], &node))
            break;
        heap_place(q, i, q->heap[child]);
        i = child;
    }
    heap_place(q, i, node);
}

void sim_queue_init(SimQueue *q)
{
    memset(q, 0, sizeof(*q));
}

void sim_queue_fini(SimQueue *q)
{
    free(q->heap);
    free(q->slots);
    free(q->free_slots);
    memset(q, 0, sizeof(*q));
}

static bool grow(void **p, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

SimHandle sim_queue_push(SimQueue *q, SimTime t, uint32_t type, uint32_t thread, int64_t data)
{
    uint32_t slot;
    if (q->n_free) {
        slot = q->free_slots[--q->n_free];
    } else {
        if (q->n_slots == q->cap_slots) {
            uint32_t cap = q->cap_slots;
            if (!grow((void **)&q->slots, &cap, sizeof(*q->slots)))
                return 0;
            /* The free list can never hold more than every slot. */
            void *nf = realloc(q->free_slots, (size_t)cap * sizeof(*q->free_slots));
            if (!nf)
                return 0;
            q->free_slots = nf;
            q->cap_slots = cap;
        }
        slot = q->n_slots++;
        q->slots[slot].gen = 0;
        q->slots[slot].heap_idx = SLOT_FREE;
    }
    if (q->n == q->cap && !grow((void **)&q->heap, &q->cap, sizeof(*q->heap))) {
        q->free_slots[q->n_free++] = slot;
        return 0;
    }
    SimQueueSlot *s = &q->slots[slot];
    s->gen++;
    if (s->gen == 0)
        s->gen = 1; /* keep handle 0 impossible */
    s->ev.t = t;
    s->ev.type = type;
    s->ev.thread = thread;
    s->ev.data = data;
    SimHeapNode node = {t, q->next_seq++, slot};
    sift_up(q, q->n++, node);
    return ((SimHandle)s->gen << 32) | slot;
}

static void remove_at(SimQueue *q, uint32_t i)
{
    uint32_t slot = q->heap[i].slot;
    q->slots[slot].heap_idx = SLOT_FREE;
    q->free_slots[q->n_free++] = slot;
    q->n--;
    if (i == q->n)
        return;
    SimHeapNode last = q->heap[q->n];
    /* The moved node may belong above or below i; only one direction can apply. */
    if (i > 0 && node_less(&last, &q->heap[(i - 1) / ARITY]))
        sift_up(q, i, last);
    else
        sift_down(q, i, last);
}

bool sim_queue_cancel(SimQueue *q, SimHandle h)
{
    uint32_t slot = (uint32_t)h;
    uint32_t gen = (uint32_t)(h >> 32);
    if (h == 0 || slot >= q->n_slots)
        return false;
    SimQueueSlot *s = &q->slots[slot];
    if (s->gen != gen || s->heap_idx == SLOT_FREE)
        return false;
    remove_at(q, s->heap_idx);
    return true;
}

bool sim_queue_pop(SimQueue *q, SimEvent *out)
{
    if (q->n == 0)
        return false;
    uint32_t slot = q->heap[0].slot;
    *out = q->slots[slot].ev;
    q->slots[slot].heap_idx = SLOT_FREE;
    q->free_slots[q->n_free++] = slot;
    q->n--;
    if (q->n == 0)
        return true;
    /* Floyd's bottom-up pop: walk the hole down along the smallest children
     * to a leaf, then sift the last node up from there. The last node
     * usually belongs near the bottom, so this saves comparisons. */
    SimHeapNode last = q->heap[q->n];
    uint32_t i = 0;
    for (uint32_t child; (child = min_child(q, i)) != UINT32_MAX; i = child)
        heap_place(q, i, q->heap[child]);
    sift_up(q, i, last);
    return true;
}

bool sim_queue_sane(const SimQueue *q)
{
    for (uint32_t i = 0; i < q->n; i++) {
        if (q->slots[q->heap[i].slot].heap_idx != i)
            return false;
        if (q->slots[q->heap[i].slot].ev.t != q->heap[i].t)
            return false;
        if (i > 0 && node_less(&q->heap[i], &q->heap[(i - 1) / ARITY]))
            return false;
    }
    uint32_t live = 0;
    for (uint32_t s = 0; s < q->n_slots; s++)
        live += q->slots[s].heap_idx != SLOT_FREE;
    return live == q->n && live + q->n_free == q->n_slots;
}
