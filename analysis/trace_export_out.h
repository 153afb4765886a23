/*
 * trace_export_out.h - what the two trace writers share (internal to
 * analysis/): a buffered writer into a FILE that formats numbers by hand,
 * and the names of a trace quoted once in the output's syntax.
 *
 * The writers are fast because nothing here goes through printf or the
 * locale: digits are produced two at a time into a 256 KiB buffer, and a
 * name is escaped (JSON) or quoted (CSV) once per thread, process and
 * object rather than once per event.
 */
#ifndef GILSIM_TRACE_EXPORT_OUT_H
#define GILSIM_TRACE_EXPORT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "strbuf.h"

#define NONE UINT32_MAX

/* ---- Buffered writer ------------------------------------------------------ */

#define OUT_CAP ((size_t)1 << 18)

typedef struct Out {
    FILE *f;
    char *buf;
    size_t n;         /* bytes waiting in buf */
    uint64_t written; /* bytes handed to f */
    uint64_t limit;   /* stop before f gets more than this many bytes; 0: no limit */
    bool failed;      /* a write failed (errno says why), or the limit was reached */
    bool too_big;     /* ... the limit */
} Out;

bool out_init(Out *o, FILE *f);
void out_flush(Out *o);
void out_fini(Out *o);
void out_put(Out *o, const char *s, size_t len);

#define OUT_LIT(o, s) out_put((o), "" s, sizeof(s) - 1)

static inline void out_str(Out *o, const StrBuf *s)
{
    out_put(o, s->s, s->n);
}

/* Room for k more bytes (k far below OUT_CAP); returns where they go. */
static inline char *out_room(Out *o, size_t k)
{
    if (OUT_CAP - o->n < k)
        out_flush(o);
    return o->buf + o->n;
}

extern const char out_digit_pairs[201];

/* Decimal digits of v at p; returns how many. */
static inline size_t fmt_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t k = sizeof(tmp);
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--k] = out_digit_pairs[d + 1];
        tmp[--k] = out_digit_pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        tmp[--k] = out_digit_pairs[d + 1];
        tmp[--k] = out_digit_pairs[d];
    } else {
        tmp[--k] = (char)('0' + v);
    }
    memcpy(p, tmp + k, sizeof(tmp) - k);
    return sizeof(tmp) - k;
}

static inline void out_u64(Out *o, uint64_t v)
{
    char *p = out_room(o, 24);
    o->n += fmt_u64(p, v);
}

static inline void out_i64(Out *o, int64_t v)
{
    char *p = out_room(o, 24);
    size_t k = 0;
    if (v < 0) {
        p[k++] = '-';
        k += fmt_u64(p + k, (uint64_t)0 - (uint64_t)v);
    } else {
        k = fmt_u64(p, (uint64_t)v);
    }
    o->n += k;
}

/* Nanoseconds as microseconds with exactly three decimals: 1234567 -> 1234.567. */
static inline void out_us(Out *o, int64_t ns)
{
    char *p = out_room(o, 28);
    size_t k = 0;
    uint64_t u = (uint64_t)ns;
    if (ns < 0) {
        p[k++] = '-';
        u = (uint64_t)0 - (uint64_t)ns;
    }
    k += fmt_u64(p + k, u / 1000);
    unsigned f = (unsigned)(u % 1000);
    p[k++] = '.';
    p[k++] = (char)('0' + f / 100);
    p[k++] = out_digit_pairs[(f % 100) * 2];
    p[k++] = out_digit_pairs[(f % 100) * 2 + 1];
    o->n += k;
}

/* ---- Names, quoted once ----------------------------------------------------- */

/* Appends s (NULL: "") to an empty StrBuf as a JSON string literal, quotes
 * included, or as one CSV field; false when out of memory. */
bool quote_json(const char *s, StrBuf *out);
bool quote_csv(const char *s, StrBuf *out);

/* The names of a trace in one output syntax. */
typedef struct Names {
    uint32_t nt, np, no;
    StrBuf *thread, *process, *object, *object_kind;
} Names;

bool names_build(const SimTrace *tr, bool (*quote)(const char *, StrBuf *), Names *nm);
void names_free(Names *nm);

#endif /* GILSIM_TRACE_EXPORT_OUT_H */
