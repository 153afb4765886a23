/*
 * strbuf.h - StrBuf, the one growable text buffer of gilsim (the library's
 * text outputs, analysis/, render/ and cli/): appends of bytes, strings
 * and printf-style text, and room to write into directly.
 *
 * A StrBuf starts zeroed (StrBuf b = {0}). Once anything was appended its
 * text is NUL-terminated, which appending binary data (NUL bytes included)
 * keeps true. An allocation failure sets `oom`: every later append is then
 * dropped, so a caller checks once at the end rather than after each
 * append. An append may move `s`, so never keep a pointer into the text
 * across one (the rule of Redis's sds).
 *
 * Call order:
 *
 *     StrBuf b = {0};
 *     strbuf_printf(&b, "%d points", n);  strbuf_puts(&b, " of ");  ...
 *     size_t len;
 *     char *text = strbuf_take(&b, &len); // malloc'd, NULL when out of memory
 */
#ifndef GILSIM_STRBUF_H
#define GILSIM_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct StrBuf {
    char *s;    /* the text, NUL-terminated; NULL until the first append */
    size_t n;   /* its length in bytes, the NUL excluded */
    size_t cap; /* bytes allocated */
    bool oom;   /* an allocation failed; appends are dropped from then on */
} StrBuf;

void strbuf_put(StrBuf *b, const void *data, size_t len);
void strbuf_puts(StrBuf *b, const char *s);
void strbuf_putc(StrBuf *b, char c);
void strbuf_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(StrBuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Room for `more` bytes past the end of the text (and its NUL): returns
 * where they go, or NULL when out of memory. Bytes written there become
 * text only through strbuf_commit(b, k), k <= more. */
char *strbuf_reserve(StrBuf *b, size_t more);
void strbuf_commit(StrBuf *b, size_t k);

/* The text, "" while nothing was appended; valid until the next append. */
const char *strbuf_str(const StrBuf *b);

/* Empties the text and clears the oom mark, keeping the memory: the
 * buffer takes appends again. */
void strbuf_reset(StrBuf *b);

/* Hands the text over: malloc'd and NUL-terminated ("" for an empty
 * buffer), its length in *len when len is not NULL; NULL when out of
 * memory. The buffer is left empty and reusable either way. */
char *strbuf_take(StrBuf *b, size_t *len);

/* Frees the text; the buffer is empty again. */
void strbuf_fini(StrBuf *b);

#endif /* GILSIM_STRBUF_H */
