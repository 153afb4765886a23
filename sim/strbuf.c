/*
 * strbuf.c - the growable text buffer (strbuf.h).
 *
 * Capacity doubles from 256 bytes, so n appends cost O(n) copies in all.
 * Invariant: when s is not NULL, s[n] == '\0' and n < cap; when oom is
 * set, s and n are what they were before the failed append.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Makes room for more bytes plus the NUL; false (and oom) if it cannot. */
static bool grow(StrBuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (more > (size_t)-1 / 2 - b->n) {
        b->oom = true;
        return false;
    }
    size_t need = b->n + more + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    if (!b->s)
        s[0] = '\0';
    b->s = s;
    b->cap = cap;
    return true;
}

void strbuf_put(StrBuf *b, const void *data, size_t len)
{
    if (!grow(b, len))
        return;
    memcpy(b->s + b->n, data, len);
    b->n += len;
    b->s[b->n] = '\0';
}

void strbuf_puts(StrBuf *b, const char *s)
{
    strbuf_put(b, s, strlen(s));
}

void strbuf_putc(StrBuf *b, char c)
{
    strbuf_put(b, &c, 1);
}

void strbuf_vprintf(StrBuf *b, const char *fmt, va_list ap)
{
    if (b->oom)
        return;
    /* Most texts fit in what is left: format straight into it, and only
     * when it does not, grow to the exact size and format again. */
    va_list again;
    va_copy(again, ap);
    size_t room = b->s ? b->cap - b->n : 0;
    int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
    if (k < 0) {
        b->oom = true; /* an encoding error; nothing sensible to append */
        if (b->s)
            b->s[b->n] = '\0';
    } else if ((size_t)k < room) {
        b->n += (size_t)k;
    } else if (grow(b, (size_t)k)) {
        vsnprintf(b->s + b->n, b->cap - b->n, fmt, again);
        b->n += (size_t)k;
    } else if (b->s) {
        b->s[b->n] = '\0';
    }
    va_end(again);
}

void strbuf_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *strbuf_reserve(StrBuf *b, size_t more)
{
    return grow(b, more) ? b->s + b->n : NULL;
}

void strbuf_commit(StrBuf *b, size_t k)
{
    if (b->oom || !b->s || k > b->cap - b->n - 1)
        return;
    b->n += k;
    b->s[b->n] = '\0';
}

const char *strbuf_str(const StrBuf *b)
{
    return b->s ? b->s : "";
}

void strbuf_reset(StrBuf *b)
{
    b->n = 0;
    b->oom = false;
    if (b->s)
        b->s[0] = '\0';
}

char *strbuf_take(StrBuf *b, size_t *len)
{
    char *s = NULL;
    if (!b->oom)
        s = b->s ? b->s : strdup("");
    if (s && len)
        *len = b->s ? b->n : 0;
    if (!s)
        free(b->s);
    memset(b, 0, sizeof(*b));
    return s;
}

void strbuf_fini(StrBuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
