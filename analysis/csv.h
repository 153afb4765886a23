/*
 * csv.h - CSV as RFC 4180 has it: one field quoted only when it must be.
 *
 * Every CSV gilsim writes (the run report, the trace's state intervals,
 * sweeps) quotes through csv_field.
 */
#ifndef GILSIM_CSV_H
#define GILSIM_CSV_H

#include <stddef.h>

#include "strbuf.h"

/* Appends s as one field: as it is, or, when it holds a comma, a double
 * quote, CR or LF, between double quotes with each quote doubled. */
void csv_field(StrBuf *b, const char *s);

#endif /* GILSIM_CSV_H */
