/*
 * bench_heap.c - the baseline `gilsim bench` holds the simulator against:
 * the barest discrete-event loop, a binary min-heap of (time, seq) events
 * in which each event popped pushes one more at a pseudo-random delay, so
 * the heap keeps the size it was filled to.
 *
 * It has no slots, handles, cancellation, lanes or event payload to act
 * on: whatever the simulator spends per event beyond this loop is the cost
 * of modelling, measured against the same number of events and the same
 * queue size, compiled with the same flags.
 */
#include <stdlib.h>

#include "bench.h"

typedef struct Node {
    int64_t t;
    uint64_t seq;
} Node;

static inline int less(const Node *a, const Node *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void push(Node *h, uint32_t *n, Node x)
{
    uint32_t i = (*n)++;
    while (i > 0 && less(&x, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

static Node pop(Node *h, uint32_t *n)
{
    Node top = h[0], last = h[--*n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && less(&h[c + 1], &h[c]))
            c++;
        if (!less(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

/* xorshift64: delays spread over [0, 2 * mean) so sifts go all the way. */
static inline uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int64_t bench_bare_heap(uint64_t events, uint32_t queue_size, int64_t mean_delay)
{
    if (queue_size == 0)
        queue_size = 1;
    if (mean_delay < 1)
        mean_delay = 1;
    Node *h = malloc((size_t)queue_size * sizeof(*h));
    if (!h)
        return -1;
    uint64_t rng = 0x9E3779B97F4A7C15ull, seq = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < queue_size; i++)
        push(h, &n, (Node){(int64_t)(next_rand(&rng) % (uint64_t)(2 * mean_delay)), seq++});
    int64_t now = 0;
    for (uint64_t e = 0; e < events; e++) {
        Node x = pop(h, &n);
        now = x.t;
        push(h, &n, (Node){now + (int64_t)(next_rand(&rng) % (uint64_t)(2 * mean_delay)), seq++});
    }
    free(h);
    return now; /* the last time, so the loop cannot be optimised away */
}
