/*
 * output.h - pure outputs of a draw list: an SVG document (svg.c) and the
 * atomic file writer every export uses (fileio.c). No SDL.
 *
 * Invariant: an output file either appears complete under its final name
 * or not at all; temporary files are made beside the target and renamed.
 */
#ifndef GILSIM_OUTPUT_H
#define GILSIM_OUTPUT_H

#include <stddef.h>

#include "draw.h"
#include "sim.h"

/* The draw list as a standalone SVG document: rectangles, hatches as
 * <pattern>s, text as <text>. Returns malloc'd UTF-8 (length in *len),
 * or NULL when out of memory. */
char *render_svg_from_list(const DrawList *dl, size_t *len);

/* Writes data to path atomically (temporary file in the same directory,
 * flushed, then renamed). Returns 0 or SIM_ERR_IO with err set. */
int render_write_atomic(const char *path, const void *data, size_t n, SimError *err);

/* Creates an empty temporary file beside path ("path.tmp-XXXXXX", mode as
 * the umask allows) and returns its name in tmp (size n). Returns an open
 * descriptor, or -1 with err set. */
int render_temp_beside(const char *path, char *tmp, size_t n, SimError *err);

#endif /* GILSIM_OUTPUT_H */
