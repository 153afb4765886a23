/*
 * lod.c - level-of-detail summaries: what one pixel column of a lane shows
 * when it holds several spans. Exact sums for a few spans, block prefix
 * sums for many on thread lanes, sampling on GIL and core lanes, and the
 * time-bin pyramid once a pixel holds more than a pyramid bin.
 *
 * Invariant: a summary costs O(log n + R_LOD_BLOCK) whatever the number of
 * spans under the pixel, and depends only on the lane and the interval,
 * so the same view always draws the same picture.
 */
#include <math.h>
#include <string.h>

#include "lod.h"
#include "sim.h"

#define EXACT_SPANS 32 /* columns with at most this many spans are summed exactly */


/* Index of the span containing t, searching forward from `from` (which
 * must not be past the answer): a gallop, then a binary search. */
size_t lod_find_from(const RLane *ln, size_t from, double t)
{
    size_t lo = from, step = 1, hi;
    if (lo >= ln->n)
        return ln->n - 1;
    for (;;) {
        hi = lo + step;
        if (hi >= ln->n || (double)ln->t[hi] > t)
            break;
        lo = hi;
        step *= 2;
    }
    if (hi > ln->n)
        hi = ln->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)ln->t[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t cat_of(const RLane *ln, uint32_t v)
{
    return ln->kind == R_LANE_THREAD ? (v == R_IDLE ? SIM_REASON_COUNT : v) : 0;
}

/* Time per category in [0, t): block prefix plus the spans after it. */
void lod_prefix(const RLane *ln, size_t k, double t, double *out)
{
    size_t b = k / R_LOD_BLOCK;
    for (int i = 0; i < ln->ncat; i++)
        out[i] = (double)ln->cum[b * (size_t)ln->ncat + (size_t)i];
    bool threads = ln->kind == R_LANE_THREAD;
    for (size_t m = b * R_LOD_BLOCK; m < k; m++)
        if (threads || ln->v[m] != R_IDLE)
            out[cat_of(ln, ln->v[m])] += (double)(ln->t[m + 1] - ln->t[m]);
    if (threads || ln->v[k] != R_IDLE)
        out[cat_of(ln, ln->v[k])] += t - (double)ln->t[k];
}

typedef struct Tally {
    uint32_t v[EXACT_SPANS + 2];
    double w[EXACT_SPANS + 2];
    int n;
} Tally;

static void tally_add(Tally *ta, uint32_t v, double w)
{
    for (int i = 0; i < ta->n; i++)
        if (ta->v[i] == v) {
            ta->w[i] += w;
            return;
        }
    if (ta->n < EXACT_SPANS + 2) {
        ta->v[ta->n] = v;
        ta->w[ta->n++] = w;
    }
}

static bool is_nothing(const RLane *ln, uint32_t v)
{
    return v == R_IDLE || (ln->kind == R_LANE_THREAD && (v == SIM_R_EXITED || v == SIM_R_KILLED));
}

/*
 * Turns a column's time per value into the stack drawn. Thread lanes: the
 * states present share the whole height (any state beats "not there", so
 * short spans stay visible). GIL and core lanes: each holder as tall as
 * its share of the column, the rest idle, and busy nine tenths or more
 * reads as busy. Values under a sixteenth are left out, at most
 * R_MIX_MAX are kept, and the heights are rounded so they add up.
 */
static void conclude(const RLane *ln, Tally *t, RMix *out)
{
    out->n = 0;
    double sum = 0, busy = 0;
    for (int k = 0; k < t->n; k++) {
        sum += t->w[k];
        if (is_nothing(ln, t->v[k]))
            t->w[k] = 0;
        else
            busy += t->w[k];
    }
    if (busy <= 0 || sum <= 0)
        return;
    double scale = ln->kind == R_LANE_THREAD ? busy : busy / sum >= 0.9 ? busy : sum;
    /* The heaviest values, in one pass: pick[] stays sorted by weight. */
    int pick[R_MIX_MAX];
    int np = 0;
    for (int k = 0; k < t->n; k++) {
        double wk = t->w[k];
        if (wk <= 0 || (np == R_MIX_MAX && wk <= t->w[pick[np - 1]]))
            continue;
        int at = np < R_MIX_MAX ? np++ : R_MIX_MAX - 1;
        while (at > 0 && t->w[pick[at - 1]] < wk) {
            pick[at] = pick[at - 1];
            at--;
        }
        pick[at] = k;
    }
    /* Values under a sixteenth give way (the heaviest always stays). */
    while (np > 1 && t->w[pick[np - 1]] / scale < 1.0 / R_MIX_FULL)
        np--;
    /* Heights by largest remainder, so they add up to the covered share. */
    double kept = 0;
    for (int q = 0; q < np; q++)
        kept += t->w[pick[q]];
    int total = (int)lround(R_MIX_FULL * (ln->kind == R_LANE_THREAD ? 1.0 : kept / scale));
    if (total > R_MIX_FULL)
        total = R_MIX_FULL;
    if (total < 2)
        total = 2; /* something happened here: keep it visible */
    int h[R_MIX_MAX], given = 0;
    double rem[R_MIX_MAX];
    for (int q = 0; q < np; q++) {
        double exact = total * t->w[pick[q]] / kept;
        h[q] = (int)exact;
        rem[q] = exact - h[q];
        given += h[q];
    }
    while (given < total) {
        int b = 0;
        for (int q = 1; q < np; q++)
            if (rem[q] > rem[b])
                b = q;
        h[b]++;
        rem[b] = -1;
        given++;
    }
    /* Bottom first in a fixed order: reasons by number, holders by id. */
    for (int q = 0; q < np; q++)
        if (h[q] > 0) {
            out->v[out->n] = t->v[pick[q]];
            out->q[out->n++] = (uint8_t)h[q];
        }
    for (int a = 1; a < out->n; a++)
        for (int b = a; b > 0 && out->v[b] < out->v[b - 1]; b--) {
            uint32_t v = out->v[b];
            uint8_t qq = out->q[b];
            out->v[b] = out->v[b - 1];
            out->q[b] = out->q[b - 1];
            out->v[b - 1] = v;
            out->q[b - 1] = qq;
        }
}

/* Summarises spans i..j over [ta, tb). */
void lod_summarise(const RLane *ln, size_t i, size_t j, double ta, double tb, RMix *out)
{
    Tally tally = {.n = 0};
    size_t count = j - i + 1;
    if (count <= EXACT_SPANS) {
        for (size_t k = i; k <= j; k++) {
            double a = fmax(ta, (double)ln->t[k]), b = fmin(tb, (double)ln->t[k + 1]);
            if (b > a)
                tally_add(&tally, ln->v[k], b - a);
        }
    } else if (ln->kind == R_LANE_THREAD) {
        double pa[SIM_REASON_COUNT + 1], pb[SIM_REASON_COUNT + 1];
        lod_prefix(ln, i, ta, pa);
        lod_prefix(ln, j, tb, pb);
        for (int k = 0; k <= SIM_REASON_COUNT; k++)
            tally_add(&tally, k == SIM_REASON_COUNT ? R_IDLE : (uint32_t)k, pb[k] - pa[k]);
    } else {
        /* Busy time is exact; who was busy is sampled at 16 instants per
         * column on a grid anchored at time zero, so panning does not
         * flicker and every span is hit in proportion to its length. */
        double pa, pb;
        lod_prefix(ln, i, ta, &pa);
        lod_prefix(ln, j, tb, &pb);
        double busy = pb - pa, idle = (tb - ta) - busy;
        double q = (tb - ta) / 16;
        Tally who = {.n = 0};
        int hits = 0;
        size_t k = i;
        for (double ts = ceil(ta / q) * q; ts < tb; ts += q) {
            k = lod_find_from(ln, k, ts);
            if (ln->v[k] != R_IDLE) {
                tally_add(&who, ln->v[k], 1);
                hits++;
            }
        }
        for (int m = 0; m < who.n && hits > 0; m++)
            tally_add(&tally, who.v[m], busy * who.w[m] / hits);
        tally_add(&tally, R_IDLE, idle);
    }
    conclude(ln, &tally, out);
}

/* Summary of [ta, tb) from pyramid level L: the bins it overlaps, each
 * weighted by the overlap. Spans are assumed spread evenly inside a bin,
 * so edges may move by up to one bin, which is at most one pixel. */
void lod_mip_column(const RLane *ln, int L, double ta, double tb, RMix *out)
{
    const RMip *m = &ln->mip;
    double w = (double)(m->w0 << L);
    size_t b0 = (size_t)(ta / w), b1 = (size_t)((tb - 1e-6) / w);
    if (b1 >= m->nb[L])
        b1 = m->nb[L] - 1;
    Tally tally = {.n = 0};
    double total = tb - ta;
    if (ln->kind == R_LANE_THREAD) {
        double acc[SIM_REASON_COUNT + 1] = {0};
        for (size_t b = b0; b <= b1; b++) {
            double lo = b * w, hi = lo + w;
            double f = (fmin(hi, tb) - fmax(lo, ta)) / w;
            const float *h = m->hist + (m->off[L] + b) * (size_t)ln->ncat;
            for (int k = 0; k <= SIM_REASON_COUNT; k++)
                acc[k] += f * h[k];
        }
        for (int k = 0; k <= SIM_REASON_COUNT; k++)
            if (acc[k] > 0)
                tally_add(&tally, k == SIM_REASON_COUNT ? R_IDLE : (uint32_t)k, acc[k]);
    } else {
        double busy = 0;
        for (size_t b = b0; b <= b1; b++) {
            double lo = b * w, hi = lo + w;
            double f = (fmin(hi, tb) - fmax(lo, ta)) / w;
            const RMipTop *t = &m->top[m->off[L] + b];
            busy += f * t->busy;
            for (int k = 0; k < R_MIP_TOP; k++)
                if (t->w[k] > 0)
                    tally_add(&tally, t->id[k], f * t->w[k]);
        }
        double idle = total - busy;
        if (idle > 0)
            tally_add(&tally, R_IDLE, idle);
    }
    conclude(ln, &tally, out);
}

void lod_mix_of(const RLane *ln, const double *cat_time, RMix *out)
{
    Tally tally = {.n = 0};
    for (int k = 0; k < ln->ncat && k <= SIM_REASON_COUNT; k++)
        if (cat_time[k] > 0)
            tally_add(&tally, k == SIM_REASON_COUNT ? R_IDLE : (uint32_t)k, cat_time[k]);
    conclude(ln, &tally, out);
}
