/*
 * csv.c - RFC 4180 fields out (csv_field) and tables in (csv_table_parse).
 *
 * Invariant: csv_table_parse(csv_field(x)) gives back x for any x without
 * NUL bytes, and every row of a parsed table has the header's width.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void csv_field(StrBuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        strbuf_puts(b, s);
        return;
    }
    strbuf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            strbuf_putc(b, '"');
        strbuf_putc(b, *p);
    }
    strbuf_putc(b, '"');
}

void csv_table_fini(CsvTable *t)
{
    if (t->cell)
        for (long i = 0; i < (long)t->rows * t->cols; i++)
            free(t->cell[i]);
    free(t->cell);
    memset(t, 0, sizeof(*t));
}

/* Appends one finished field to the flat list of cells. */
static int push_cell(char ***cells, size_t *n, size_t *cap, StrBuf *field)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        char **more = realloc(*cells, nc * sizeof(*more));
        if (!more)
            return -1;
        *cells = more;
        *cap = nc;
    }
    char *s = strbuf_take(field, NULL);
    if (!s)
        return -1;
    (*cells)[(*n)++] = s;
    return 0;
}

int csv_table_parse(const char *text, size_t len, CsvTable *t, char *why, size_t why_n)
{
    memset(t, 0, sizeof(*t));
    const char *p = text, *end = text + strnlen(text, len);
    char **cells = NULL;
    size_t n = 0, cap = 0;
    int rows = 0, cols = 0, row_cols = 0;
    StrBuf field = {0};
    while (p < end) {
        if (*p == '"') {
            for (p++; p < end; p++) {
                if (*p == '"' && (p + 1 >= end || p[1] != '"'))
                    break;
                if (*p == '"')
                    p++; /* a doubled quote stands for one */
                strbuf_putc(&field, *p);
            }
            if (p < end)
                p++; /* the closing quote */
        }
        while (p < end && *p != ',' && *p != '\n' && *p != '\r')
            strbuf_putc(&field, *p++);
        if (field.oom || push_cell(&cells, &n, &cap, &field) < 0)
            goto nomem;
        row_cols++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
        if (rows == 0)
            cols = row_cols;
        if (row_cols != cols) {
            snprintf(why, why_n, "line %d has %d fields, the header %d", rows + 1, row_cols, cols);
            goto fail;
        }
        rows++;
        row_cols = 0;
    }
    t->cell = cells;
    t->rows = rows;
    t->cols = cols;
    return 0;
nomem:
    snprintf(why, why_n, "out of memory");
fail:
    strbuf_fini(&field);
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
    return -1;
}

const char *csv_cell(const CsvTable *t, int row, int col)
{
    if (row < 0 || row >= t->rows || col < 0 || col >= t->cols)
        return "";
    return t->cell[(long)row * t->cols + col];
}

int csv_column(const CsvTable *t, const char *name)
{
    for (int c = 0; c < t->cols; c++)
        if (strcmp(csv_cell(t, 0, c), name) == 0)
            return c;
    return -1;
}
