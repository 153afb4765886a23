/*
 * strbuf.h - a growable text buffer for the library's text outputs.
 *
 * Appends never fail loudly: an allocation failure sets `oom` and every
 * later append does nothing, so a writer appends freely and checks once at
 * the end. While !oom, p is NUL-terminated (or NULL if nothing was added).
 */
#ifndef GILSIM_STRBUF_H
#define GILSIM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct SimStrBuf {
    char *p;    /* the text; owned by whoever holds the buffer; NULL until the first append */
    size_t n;   /* its length, without the NUL */
    size_t cap; /* bytes allocated at p */
    bool oom;   /* an append failed: the text is incomplete */
} SimStrBuf;

/* Appends printf-style text. */
void sim_strbuf_printf(SimStrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text, handed to the caller (free() it); NULL if an append failed or
 * nothing was added, the buffer freed either way. b is empty afterwards. */
char *sim_strbuf_take(SimStrBuf *b);

#endif /* GILSIM_STRBUF_H */
