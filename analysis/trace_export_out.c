/*
 * trace_export_out.c - the trace writers' buffered writer and quoted
 * names (trace_export_out.h).
 *
 * Invariant: bytes reach the FILE in the order they were put, and
 * `written` counts every byte handed to it, whether or not a write
 * failed (failed says so, and errno why); past `limit` nothing more is
 * written (too_big says so).
 */
#include <stdlib.h>

#include "csv.h"
#include "trace_export_out.h"

const char out_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

bool out_init(Out *o, FILE *f)
{
    memset(o, 0, sizeof(*o));
    o->f = f;
    o->buf = malloc(OUT_CAP);
    return o->buf != NULL;
}

/* False (and the writer failed) when n more bytes would pass the limit:
 * nothing more reaches f, so an export too large stops at the limit. */
static bool within_limit(Out *o, size_t n)
{
    if (o->limit && o->written + n > o->limit)
        o->failed = o->too_big = true;
    return !o->failed;
}

void out_flush(Out *o)
{
    if (o->n && within_limit(o, o->n) && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = true;
    o->written += o->n;
    o->n = 0;
}

void out_fini(Out *o)
{
    free(o->buf);
    o->buf = NULL;
}

void out_put(Out *o, const char *s, size_t len)
{
    if (len > OUT_CAP - o->n) {
        out_flush(o);
        if (len > OUT_CAP) {
            if (within_limit(o, len) && fwrite(s, 1, len, o->f) != len)
                o->failed = true;
            o->written += len;
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

bool quote_json(const char *s, StrBuf *out)
{
    static const char hex[] = "0123456789abcdef";
    if (!s)
        s = "";
    char *d = strbuf_reserve(out, strlen(s) * 6 + 2);
    if (!d)
        return false;
    size_t k = 0;
    d[k++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            d[k++] = '\\';
            d[k++] = (char)c;
        } else if (c >= 0x20) {
            d[k++] = (char)c;
        } else if (c == '\n') {
            d[k++] = '\\';
            d[k++] = 'n';
        } else if (c == '\r') {
            d[k++] = '\\';
            d[k++] = 'r';
        } else if (c == '\t') {
            d[k++] = '\\';
            d[k++] = 't';
        } else {
            memcpy(d + k, "\\u00", 4);
            k += 4;
            d[k++] = hex[c >> 4];
            d[k++] = hex[c & 15];
        }
    }
    d[k++] = '"';
    strbuf_commit(out, k);
    return !out->oom;
}

bool quote_csv(const char *s, StrBuf *out)
{
    csv_field(out, s ? s : "");
    return !out->oom;
}

void names_free(Names *nm)
{
    for (uint32_t i = 0; nm->thread && i < nm->nt; i++)
        strbuf_fini(&nm->thread[i]);
    for (uint32_t i = 0; nm->process && i < nm->np; i++)
        strbuf_fini(&nm->process[i]);
    for (uint32_t i = 0; nm->object && i < nm->no; i++) {
        strbuf_fini(&nm->object[i]);
        strbuf_fini(&nm->object_kind[i]);
    }
    free(nm->thread);
    free(nm->process);
    free(nm->object);
    free(nm->object_kind);
    memset(nm, 0, sizeof(*nm));
}

bool names_build(const SimTrace *tr, bool (*quote)(const char *, StrBuf *), Names *nm)
{
    memset(nm, 0, sizeof(*nm));
    nm->nt = sim_trace_thread_count(tr);
    nm->np = sim_trace_process_count(tr);
    nm->no = sim_trace_object_count(tr);
    nm->thread = calloc(nm->nt + 1, sizeof(StrBuf));
    nm->process = calloc(nm->np + 1, sizeof(StrBuf));
    nm->object = calloc(nm->no + 1, sizeof(StrBuf));
    nm->object_kind = calloc(nm->no + 1, sizeof(StrBuf));
    bool ok = nm->thread && nm->process && nm->object && nm->object_kind;
    for (uint32_t i = 0; ok && i < nm->nt; i++)
        ok = quote(sim_trace_thread(tr, i)->name, &nm->thread[i]);
    for (uint32_t i = 0; ok && i < nm->np; i++)
        ok = quote(sim_trace_process(tr, i)->name, &nm->process[i]);
    for (uint32_t i = 0; ok && i < nm->no; i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, i);
        ok = quote(oi->name, &nm->object[i]) && quote(oi->kind, &nm->object_kind[i]);
    }
    if (!ok)
        names_free(nm);
    return ok;
}
