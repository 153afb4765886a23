/*
 * text_file.h - a whole file read into memory, with one size limit for
 * every text gilsim reads: scenarios, a sweep's scenario, a sweep CSV.
 */
#ifndef GILSIM_TEXT_FILE_H
#define GILSIM_TEXT_FILE_H

#include <stddef.h>

#include "sim.h"

/* Largest file read: what a scenario may be (a sweep CSV of the most
 * points a sweep makes fits too). */
#define TEXT_FILE_MAX_BYTES SIM_MAX_SCENARIO_BYTES

/*
 * Reads path whole into *text (malloc'd, NUL-terminated; the caller frees
 * it), its length in *len. Returns 0, or with err filled and *text NULL:
 * SIM_ERR_IO "PATH: cannot read: REASON", SIM_ERR_LIMIT when the file is
 * larger than TEXT_FILE_MAX_BYTES, SIM_ERR_NOMEM.
 */
int text_file_read(const char *path, char **text, size_t *len, SimError *err);

#endif /* GILSIM_TEXT_FILE_H */
