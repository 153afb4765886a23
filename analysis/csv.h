/*
 * csv.h - CSV as RFC 4180 has it, both ways: one field quoted only when it
 * must be, and a whole text read back into a table of cells.
 *
 * Every CSV gilsim writes (the run report, the trace's state intervals,
 * sweeps) quotes through csv_field, so all of them read back with
 * csv_table_parse.
 */
#ifndef GILSIM_CSV_H
#define GILSIM_CSV_H

#include <stddef.h>

#include "strbuf.h"

/* Appends s as one field: as it is, or, when it holds a comma, a double
 * quote, CR or LF, between double quotes with each quote doubled. */
void csv_field(StrBuf *b, const char *s);

/* A CSV read into cells: rows x cols, row 0 the header. */
typedef struct CsvTable {
    char **cell; /* [rows * cols], each malloc'd */
    int rows, cols;
} CsvTable;

/*
 * Reads text (len bytes; NUL bytes end it early) into t. Rows end at LF,
 * CRLF or CR; a quoted field may hold commas, line ends and doubled
 * quotes. Returns 0, or -1 with a one-line reason in why ("line 3 has 2
 * fields, the header 5", "out of memory"); t is empty on failure.
 */
int csv_table_parse(const char *text, size_t len, CsvTable *t, char *why, size_t why_n);
void csv_table_fini(CsvTable *t);

/* The cell at (row, col); "" outside the table. */
const char *csv_cell(const CsvTable *t, int row, int col);
/* The column whose header is name, or -1. */
int csv_column(const CsvTable *t, const char *name);

#endif /* GILSIM_CSV_H */
