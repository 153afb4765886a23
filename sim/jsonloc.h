/*
 * jsonloc.h - positions in JSON text.
 *
 * cJSON builds a tree but forgets where each value came from, so error
 * messages find their way back through this scanner: it walks the original
 * text along a JSON pointer and returns the byte offset of the value (or of
 * its key). It also checks that text is strict RFC 8259 JSON and says
 * precisely where and why it is not.
 *
 * Standalone: needs only the C library, allocates at most one small buffer
 * and never reads outside [text, text + len), whatever the input.
 */
#ifndef GILSIM_JSONLOC_H
#define GILSIM_JSONLOC_H

#include <stddef.h>

/* Containers nested deeper than this are refused (cJSON's own limit). */
#define JSONLOC_MAX_DEPTH 1000
/* Texts of more values than this are refused: cJSON spends about 80 bytes
 * on each, so "[0,0,0,...]" would otherwise cost 40 bytes of memory per
 * byte of text. A million-op scenario has two to five million values. */
#define JSONLOC_MAX_VALUES (1u << 23)

/*
 * Checks that text[0, len) is one strict JSON value (a leading UTF-8 byte
 * order mark is allowed) of at most JSONLOC_MAX_VALUES values. Returns 0
 * if it is; otherwise -1 (not JSON) or -2 (too many values) with *err_off
 * set to the offending byte (len for a premature end) and a short reason
 * such as "unexpected end of input" or "unexpected character 'x'; expected
 * ':'" written to why[0, why_n).
 */
int jsonloc_check(const char *text, size_t len, size_t *err_off, char *why, size_t why_n);

/*
 * Finds the value named by `pointer` (RFC 6901: "" is the whole text,
 * "/a/0/b~1c" is key "b/c" of element 0 of key "a") in valid JSON text.
 * If want_key is non-zero and the last segment names an object member, the
 * offset of that member's key (its opening quote) is returned instead. When
 * an object holds the last segment's key more than once, nth selects the
 * occurrence (0 = first); intermediate segments always take the first.
 * Returns 0 with *off set, or -1 if there is no such value.
 */
int jsonloc_find(const char *text, size_t len, const char *pointer, int want_key, unsigned nth,
                 size_t *off);

/* Checks that s[0, n) is UTF-8 text, by the rule the checker applies to
 * strings (no overlong forms, surrogates or code points past U+10FFFF).
 * Returns 0, or -1 with *bad set to the offset of the first byte that is
 * not part of a valid sequence. */
int jsonloc_utf8_check(const char *s, size_t n, size_t *bad);

/* 1-based line and byte column of offset off (clamped to len). A leading
 * byte order mark does not count as a column. */
void jsonloc_linecol(const char *text, size_t len, size_t off, int *line, int *col);

#endif /* GILSIM_JSONLOC_H */
