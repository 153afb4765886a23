/*
 * output.h - pure outputs of a draw list: an SVG document (svg.c) and the
 * atomic file writer every export uses (fileio.c). No SDL.
 *
 * Invariant: an output file either appears complete under its final name
 * or not at all, and a failed command leaves every previous file as it
 * was; temporary files are made beside the target and renamed.
 */
#ifndef GILSIM_OUTPUT_H
#define GILSIM_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "draw.h"
#include "sim.h"

/* The draw list as a standalone SVG document: rectangles, hatches as
 * <pattern>s, text as <text>. Returns malloc'd UTF-8 (length in *len),
 * or NULL when out of memory. */
char *render_svg_from_list(const DrawList *dl, size_t *len);

/*
 * Output files (fileio.c), the one writer of every file gilsim makes.
 *
 *     ROutput *o = render_output_open(path, &err);     // stages beside the target
 *     render_output_write(o, data, n, &err);           // or fprintf(render_output_stream(o), ...)
 *     render_output_commit(&o, 1, &err);               // checks, syncs, renames; frees o
 *
 * or render_output_discard(o) to give up. Several outputs of one command
 * commit together, all or none. A symlink is followed; a character device
 * or a FIFO is written in place, and so is "-", standard output; a
 * directory or other special file is refused. Every function that fails sets err: "cannot write PATH: why".
 */
typedef struct ROutput ROutput;

ROutput *render_output_open(const char *path, SimError *err);
/* As render_output_open, with flags: R_OUT_GZIP compresses what is written
 * (gzip, as `gzip -6` would, the same bytes for the same input). "-" is
 * standard output for both. */
enum { R_OUT_GZIP = 1 };
ROutput *render_output_open_with(const char *path, unsigned flags, SimError *err);
/* The stream to write into; its errors are found by the commit. */
FILE *render_output_stream(ROutput *o);
int render_output_write(ROutput *o, const void *data, size_t n, SimError *err);
/* Flushes, syncs and closes the staged file, checking each step; the
 * commit does this for outputs not finished yet. */
int render_output_finish(ROutput *o, SimError *err);
/* Puts outs[0, n) in place: all of them, or (on any failure) none, every
 * previous file left as it was. Frees them either way. */
int render_output_commit(ROutput **outs, int n, SimError *err);
/* Removes the staged file and frees o (NULL is fine). */
void render_output_discard(ROutput *o);

/* data as the file path: open, write, commit. */
int render_write_atomic(const char *path, const void *data, size_t n, SimError *err);

/* From now on SIGINT, SIGTERM and SIGHUP remove every staged file before
 * the process dies of them (main calls it once; signals the shell ignores
 * stay ignored). */
void render_output_cleanup_on_signals(void);

#endif /* GILSIM_OUTPUT_H */
