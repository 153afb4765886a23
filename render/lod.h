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

#define R_NO_VALUE (SIM_NONE - 1) /* "no runner-up" in a column summary */

/* Index of the span containing t, searching forward from `from` (which
 * must not be past the answer). */
size_t lod_find_from(const RLane *ln, size_t from, double t);

/* Time per category in [0, t), t inside span k: out has ln->ncat entries
 * (thread lanes: one per reason plus "not there"; others: busy time). */
void lod_prefix(const RLane *ln, size_t k, double t, double *out);

/* Spans i..j over [ta, tb): the dominant value, the runner-up (or
 * R_NO_VALUE) and the drawn height in eighths (GIL and core lanes draw as
 * tall as they were busy). */
void lod_summarise(const RLane *ln, size_t i, size_t j, double ta, double tb, uint32_t *dom,
                   uint32_t *second, int *busy8);

/* The same from pyramid level L (bins of ln->mip.w0 << L ns). */
void lod_mip_column(const RLane *ln, int L, double ta, double tb, uint32_t *dom,
                    uint32_t *second, int *busy8);

#endif /* GILSIM_LOD_H */
