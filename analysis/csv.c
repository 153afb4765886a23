/*
 * csv.c - RFC 4180 fields (csv.h).
 */
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
