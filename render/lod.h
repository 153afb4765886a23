/*
 * lod.h - level-of-detail summaries shared by the layout (lod.c); internal
 * to render/.
 *
 * Invariant: a summary never reads more than a bounded number of spans or
 * bins, so drawing a lane costs O(columns) at any zoom.
 */
#ifndef GILSIM_LOD_H
#define GILSIM_LOD_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"


/* Index of the span containing t, searching forward from `from` (which
 * must not be past the answer). */
size_t lod_find_from(const RLane *ln, size_t from, double t);

/* Time per category in [0, t), t inside span k: out has ln->ncat entries
 * (thread lanes: one per reason plus "not there"; others: busy time). */
void lod_prefix(const RLane *ln, size_t k, double t, double *out);

/* What one pixel column of a lane shows: up to R_MIX_MAX values stacked
 * from the bottom, each as tall as its share of the column's time, in a
 * fixed order (reasons in their order, holders by thread), so neighbouring
 * columns with the same mix of states look the same and a steady mix can
 * never alias into stripes that look like phases. On thread lanes the
 * states fill the lane; on GIL and core lanes the empty top is idle time. */
#define R_MIX_MAX 3
#define R_MIX_FULL 16 /* heights are in sixteenths of the lane */
typedef struct RMix {
    uint8_t n;                /* values stacked; 0: nothing to draw */
    uint32_t v[R_MIX_MAX];
    uint8_t q[R_MIX_MAX];     /* heights, bottom first, summing to at most R_MIX_FULL */
} RMix;

/* Spans i..j over [ta, tb). */
void lod_summarise(const RLane *ln, size_t i, size_t j, double ta, double tb, RMix *out);

/* The same from pyramid level L (bins of ln->mip.w0 << L ns). */
void lod_mip_column(const RLane *ln, int L, double ta, double tb, RMix *out);

/* A thread lane's mix from its time per category (ln->ncat values, as
 * lod_prefix gives them, the last one "not there"). */
void lod_mix_of(const RLane *ln, const double *cat_time, RMix *out);

#endif /* GILSIM_LOD_H */
