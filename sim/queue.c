/*
 * queue.c - the simulator's event queue: a 4-ary min-heap keyed by
 * (time, seq) over an array of slots, beside FIFO lanes for events of a
 * constant delay (sim_internal.h says when a push takes a lane).
 *
 * Invariant: heap[i] <= heap[child] for every node, and for every slot s
 * in the heap, heap[slots[s].heap_idx].slot == s. A lane's ring is sorted
 * by (time, seq), its head entry is live, and its live entries are those
 * whose slot is marked as in that lane with the entry's generation. Equal
 * times pop in push order because seq only grows across heap and lanes,
 * which is what makes a run deterministic.
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
    for (int l = 0; l < SIM_QUEUE_LANES; l++)
        free(q->lanes[l].ring);
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

/* A slot for a new event, its generation advanced; UINT32_MAX when out
 * of memory. */
static uint32_t take_slot(SimQueue *q, SimTime t, uint32_t type, uint32_t thread, int64_t data)
{
    uint32_t slot;
    if (q->n_free) {
        slot = q->free_slots[--q->n_free];
    } else {
        if (q->n_slots == q->cap_slots) {
            uint32_t cap = q->cap_slots;
            if (!grow((void **)&q->slots, &cap, sizeof(*q->slots)))
                return UINT32_MAX;
            /* The free list can never hold more than every slot. */
            void *nf = realloc(q->free_slots, (size_t)cap * sizeof(*q->free_slots));
            if (!nf)
                return UINT32_MAX;
            q->free_slots = nf;
            q->cap_slots = cap;
        }
        slot = q->n_slots++;
        q->slots[slot].gen = 0;
        q->slots[slot].heap_idx = SLOT_FREE;
    }
    SimQueueSlot *s = &q->slots[slot];
    s->gen++;
    if (s->gen == 0)
        s->gen = 1; /* keep handle 0 impossible */
    s->ev.t = t;
    s->ev.type = type;
    s->ev.thread = thread;
    s->ev.data = data;
    return slot;
}

static void free_slot(SimQueue *q, uint32_t slot)
{
    q->slots[slot].heap_idx = SLOT_FREE;
    q->free_slots[q->n_free++] = slot;
}

static inline SimHandle handle_of(const SimQueue *q, uint32_t slot)
{
    return ((SimHandle)q->slots[slot].gen << 32) | slot;
}

SimHandle sim_queue_push(SimQueue *q, SimTime t, uint32_t type, uint32_t thread, int64_t data)
{
    if (q->n == q->cap && !grow((void **)&q->heap, &q->cap, sizeof(*q->heap)))
        return 0;
    uint32_t slot = take_slot(q, t, type, thread, data);
    if (slot == UINT32_MAX)
        return 0;
    SimHeapNode node = {t, q->next_seq++, slot, 0};
    sift_up(q, q->n++, node);
    return handle_of(q, slot);
}

/* ---- Lanes ---------------------------------------------------------------- */

static inline bool lane_entry_live(const SimQueue *q, uint32_t l, const SimHeapNode *e)
{
    const SimQueueSlot *s = &q->slots[e->slot];
    return s->heap_idx == SIM_SLOT_IN_LANE(l) && s->gen == e->gen;
}

/* Drops cancelled entries from the head, so the head is live or the ring
 * empty; a ring with no live entry is emptied at once. */
static void lane_settle(SimQueue *q, uint32_t l)
{
    SimLane *ln = &q->lanes[l];
    if (ln->live == 0) {
        ln->used = ln->head = 0;
        return;
    }
    while (!lane_entry_live(q, l, &ln->ring[ln->head])) {
        ln->head = (ln->head + 1) & (ln->cap - 1);
        ln->used--;
    }
}

static bool lane_grow(SimLane *ln)
{
    uint32_t cap = ln->cap ? ln->cap * 2 : 64;
    SimHeapNode *ring = malloc((size_t)cap * sizeof(*ring));
    if (!ring)
        return false;
    for (uint32_t i = 0; i < ln->used; i++)
        ring[i] = ln->ring[(ln->head + i) & (ln->cap - 1)];
    free(ln->ring);
    ln->ring = ring;
    ln->cap = cap;
    ln->head = 0;
    return true;
}

SimHandle sim_queue_push_lane(SimQueue *q, uint32_t lane, SimTime t, uint32_t type, uint32_t thread,
                              int64_t data)
{
    SimLane *ln = &q->lanes[lane];
    if (sim_queue_size(q) < SIM_QUEUE_LANE_MIN)
        return sim_queue_push(q, t, type, thread, data);
    /* Where the entry goes: after every entry of time <= t (a later push of
     * an equal time pops later, as in the heap); entries behind it move
     * back one. */
    uint32_t mask = ln->cap - 1, at = ln->used;
    while (at > 0 && ln->ring[(ln->head + at - 1) & mask].t > t) {
        if (ln->used - at == SIM_LANE_SHIFT_MAX)
            return sim_queue_push(q, t, type, thread, data);
        at--;
    }
    if (ln->used == ln->cap) {
        if (!lane_grow(ln))
            return 0;
        mask = ln->cap - 1;
    }
    uint32_t slot = take_slot(q, t, type, thread, data);
    if (slot == UINT32_MAX)
        return 0;
    q->slots[slot].heap_idx = SIM_SLOT_IN_LANE(lane);
    for (uint32_t i = ln->used; i > at; i--)
        ln->ring[(ln->head + i) & mask] = ln->ring[(ln->head + i - 1) & mask];
    ln->ring[(ln->head + at) & mask] = (SimHeapNode){t, q->next_seq++, slot, q->slots[slot].gen};
    ln->used++;
    ln->live++;
    return handle_of(q, slot);
}

/* ---- Removal -------------------------------------------------------------- */

static void remove_at(SimQueue *q, uint32_t i)
{
    free_slot(q, q->heap[i].slot);
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
    if (s->heap_idx >= SIM_SLOT_IN_LANE(SIM_QUEUE_LANES - 1)) {
        /* In a lane: the entry stays in the ring, stale, until it is the head. */
        uint32_t l = SIM_SLOT_IN_LANE(0) - s->heap_idx;
        free_slot(q, slot);
        q->lanes[l].live--;
        lane_settle(q, l);
        return true;
    }
    remove_at(q, s->heap_idx);
    return true;
}

/* The least of the heap's top and the lanes' heads (every head is live):
 * its node, and the lane it heads (-1: the heap); NULL when empty. */
static const SimHeapNode *least(const SimQueue *q, int *from)
{
    const SimHeapNode *best = q->n ? &q->heap[0] : NULL;
    *from = -1;
    for (int l = 0; l < SIM_QUEUE_LANES; l++) {
        const SimLane *ln = &q->lanes[l];
        if (ln->used && (!best || node_less(&ln->ring[ln->head], best))) {
            best = &ln->ring[ln->head];
            *from = l;
        }
    }
    return best;
}

const SimEvent *sim_queue_peek(const SimQueue *q)
{
    int from;
    const SimHeapNode *best = least(q, &from);
    return best ? &q->slots[best->slot].ev : NULL;
}

bool sim_queue_pop(SimQueue *q, SimEvent *out)
{
    int from;
    const SimHeapNode *best = least(q, &from);
    if (!best)
        return false;
    if (from >= 0) {
        SimLane *ln = &q->lanes[from];
        uint32_t slot = ln->ring[ln->head].slot;
        *out = q->slots[slot].ev;
        free_slot(q, slot);
        ln->head = (ln->head + 1) & (ln->cap - 1);
        ln->used--;
        ln->live--;
        lane_settle(q, (uint32_t)from);
        return true;
    }
    uint32_t slot = q->heap[0].slot;
    *out = q->slots[slot].ev;
    free_slot(q, slot);
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
    uint32_t in_lanes = 0;
    for (uint32_t l = 0; l < SIM_QUEUE_LANES; l++) {
        const SimLane *ln = &q->lanes[l];
        uint32_t live = 0;
        for (uint32_t i = 0; i < ln->used; i++) {
            const SimHeapNode *e = &ln->ring[(ln->head + i) & (ln->cap - 1)];
            if (i > 0 && node_less(e, &ln->ring[(ln->head + i - 1) & (ln->cap - 1)]))
                return false;
            if (lane_entry_live(q, l, e)) {
                live++;
                if (q->slots[e->slot].ev.t != e->t)
                    return false;
            } else if (i == 0) {
                return false; /* the head is live */
            }
        }
        if (live != ln->live)
            return false;
        in_lanes += live;
    }
    uint32_t live = 0;
    for (uint32_t s = 0; s < q->n_slots; s++)
        live += q->slots[s].heap_idx != SLOT_FREE;
    return live == q->n + in_lanes && live + q->n_free == q->n_slots;
}
