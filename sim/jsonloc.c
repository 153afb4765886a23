/*
 * jsonloc.c - a strict JSON checker and a pointer-to-offset scanner.
 *
 * Both work on the raw bytes with an index that is compared against len
 * before every read, so truncated or hostile text can only produce an error,
 * never an out-of-bounds access. The checker is iterative (an explicit
 * stack of open containers), so deep nesting costs no C stack.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"

/* ---- Shared scanning helpers ------------------------------------------- */

static size_t skip_bom(const char *s, size_t n)
{
    if (n >= 3 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
        (unsigned char)s[2] == 0xbf)
        return 3;
    return 0;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && is_ws(s[i]))
        i++;
    return i;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at s[i]; -1 if they are not there. */
static long read_hex4(const char *s, size_t n, size_t i)
{
    if (i > n || n - i < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_value(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at s[i] (a byte >= 0x80), or 0. */
static size_t utf8_seq_len(const char *str, size_t n, size_t i)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[i];
    size_t len;
    unsigned long cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n - i < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int jsonloc_utf8_check(const char *s, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n;) {
        size_t l = (unsigned char)s[i] < 0x80 ? 1 : utf8_seq_len(s, n, i);
        if (l == 0) {
            *bad = i;
            return -1;
        }
        i += l;
    }
    return 0;
}

/* ---- The checker -------------------------------------------------------- */

typedef struct Check {
    const char *s;
    size_t n;
    size_t err_off;
    char *why;
    size_t why_n;
} Check;

__attribute__((format(printf, 3, 4)))
static int check_fail(Check *k, size_t off, const char *fmt, ...)
{
    k->err_off = off;
    if (k->why && k->why_n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->why, k->why_n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-' || c == '+';
}

/* A run of word characters at s[i], for messages about unquoted text. */
static size_t word_len(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && is_word_char(s[j]))
        j++;
    return j - i;
}

/* Reports an unexpected byte at s[i]; `expected` completes the sentence. */
static int check_unexpected(Check *k, size_t i, const char *expected)
{
    if (i >= k->n)
        return check_fail(k, k->n, "unexpected end of input; expected %s", expected);
    unsigned char c = (unsigned char)k->s[i];
    if (c == '\'')
        return check_fail(k, i, "unexpected character '''; JSON strings and keys use double quotes");
    if (c == '/')
        return check_fail(k, i, "comments are not allowed in JSON; use a key starting with '_' instead");
    if (c > 0x20 && c < 0x7f)
        return check_fail(k, i, "unexpected character '%c'; expected %s", c, expected);
    return check_fail(k, i, "unexpected byte 0x%02x; expected %s", c, expected);
}

/* A bare word where a value or key belongs: say what to write instead. */
static int check_bare_word(Check *k, size_t i, size_t wl, bool is_key)
{
    int w = wl > 40 ? 40 : (int)wl;
    const char *p = k->s + i;
    if (!is_key && (wl == 4 || wl == 5) &&
        (strncmp(p, "True", wl) == 0 || strncmp(p, "TRUE", wl) == 0 || strncmp(p, "False", wl) == 0 ||
         strncmp(p, "FALSE", wl) == 0 || strncmp(p, "Null", wl) == 0 || strncmp(p, "NULL", wl) == 0 ||
         strncmp(p, "None", wl) == 0))
        return check_fail(k, i, "'%.*s' is not a JSON value; expected true, false or null (lower case)",
                          w, p);
    if (is_key)
        return check_fail(k, i, "unquoted key '%.*s'; keys need double quotes, e.g. \"%.*s\"", w, p, w, p);
    return check_fail(k, i, "'%.*s' is not a JSON value; text needs double quotes, e.g. \"%.*s\"", w, p,
                      w, p);
}

/* Checks the string whose opening quote is at *pi and moves past it. */
static int check_string(Check *k, size_t *pi)
{
    const char *s = k->s;
    size_t n = k->n, open = *pi, i = *pi + 1;
    for (;;) {
        if (i >= n)
            return check_fail(k, open, "unterminated string; expected a closing '\"'");
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            *pi = i + 1;
            return 0;
        }
        if (c == '\n' || c == '\r')
            return check_fail(k, i, "line break inside a string; expected a closing '\"' before it "
                                    "(or \\n to mean a line break)");
        if (c < 0x20)
            return check_fail(k, i, "control character 0x%02x inside a string; expected it escaped, "
                                    "e.g. \\t or \\u00%02x", c, c);
        if (c >= 0x80) {
            size_t l = utf8_seq_len(s, n, i);
            if (!l)
                return check_fail(k, i, "invalid UTF-8 byte 0x%02x in a string; expected UTF-8 text", c);
            i += l;
            continue;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= n)
            return check_fail(k, open, "unterminated string; expected a closing '\"'");
        char e = s[i + 1];
        if (strchr("\"\\/bfnrt", e) && e != '\0') {
            i += 2;
            continue;
        }
        if (e != 'u') {
            if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
                return check_fail(k, i, "invalid escape '\\%c' in a string; expected one of "
                                        "\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", e);
            return check_fail(k, i, "invalid escape in a string; expected one of "
                                    "\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
        long u = read_hex4(s, n, i + 2);
        if (u < 0)
            return check_fail(k, i, "invalid \\u escape; expected four hex digits, e.g. \\u00e9");
        if (u >= 0xdc00 && u <= 0xdfff)
            return check_fail(k, i, "invalid \\u escape: a lone low surrogate; expected a high "
                                    "surrogate \\uD800-\\uDBFF before it");
        if (u >= 0xd800 && u <= 0xdbff) {
            long lo = (i + 7 < n && s[i + 6] == '\\' && s[i + 7] == 'u') ? read_hex4(s, n, i + 8) : -1;
            if (lo < 0xdc00 || lo > 0xdfff)
                return check_fail(k, i, "invalid \\u escape: a lone high surrogate; expected a low "
                                        "surrogate \\uDC00-\\uDFFF after it");
            i += 12;
            continue;
        }
        i += 6;
    }
}

/* Checks the number at *pi (s[*pi] is '-' or a digit) and moves past it. */
static int check_number(Check *k, size_t *pi)
{
    const char *s = k->s;
    size_t n = k->n, start = *pi, i = *pi;
    if (s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9') {
        if (i < n && is_word_char(s[i]))
            return check_bare_word(k, start, word_len(s, n, start), false);
        return check_fail(k, start, "'-' without digits; expected a number such as -1");
    }
    if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
        return check_fail(k, start, "number with a leading zero; expected no leading zeros, e.g. 7 "
                                    "rather than 07");
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return check_fail(k, start, "number ends with '.'; expected digits after the point, e.g. 1.0");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9') {
            /* "5es" is more likely a unit gone wrong than an exponent. */
            if (i < n && is_word_char(s[i]))
                return check_bare_word(k, start, word_len(s, n, start), false);
            return check_fail(k, start, "number with an empty exponent; expected digits after 'e'");
        }
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    /* "5ms" without quotes: the number runs straight into letters. */
    if (i < n && is_word_char(s[i]))
        return check_bare_word(k, start, word_len(s, n, start), false);
    *pi = i;
    return 0;
}

enum { EXPECT_VALUE, EXPECT_KEY, AFTER_VALUE };

int jsonloc_check(const char *text, size_t len, size_t *err_off, char *why, size_t why_n)
{
    Check k = {text, len, 0, why, why_n};
    char stack[JSONLOC_MAX_DEPTH];
    int depth = 0;
    size_t i = skip_ws(text, len, skip_bom(text, len));
    int state = EXPECT_VALUE;
    int rc = 0;

    if (why && why_n)
        why[0] = '\0';
    if (i >= len) {
        rc = check_fail(&k, len, "unexpected end of input; the text is empty, expected a JSON object");
        goto out;
    }
    size_t values = 0;
    for (;;) {
        i = skip_ws(text, len, i);
        if (state == EXPECT_VALUE) {
            if (i >= len) {
                rc = check_fail(&k, len, "unexpected end of input; expected a value");
                goto out;
            }
            if (++values > JSONLOC_MAX_VALUES) {
                check_fail(&k, i, "more than %u values; at most %u are supported", JSONLOC_MAX_VALUES,
                           JSONLOC_MAX_VALUES);
                rc = -2;
                goto out;
            }
            char c = text[i];
            if (c == '{' || c == '[') {
                if (depth >= JSONLOC_MAX_DEPTH) {
                    rc = check_fail(&k, i, "nesting deeper than %d levels; expected a flatter document",
                                    JSONLOC_MAX_DEPTH);
                    goto out;
                }
                stack[depth++] = c;
                i = skip_ws(text, len, i + 1);
                if (i < len && text[i] == (c == '{' ? '}' : ']')) {
                    depth--;
                    i++;
                    state = AFTER_VALUE;
                } else {
                    state = c == '{' ? EXPECT_KEY : EXPECT_VALUE;
                }
                continue;
            }
            if (c == '"')
                rc = check_string(&k, &i);
            else if (c == '-' || (c >= '0' && c <= '9'))
                rc = check_number(&k, &i);
            else if (is_word_char(c)) {
                size_t wl = word_len(text, len, i);
                if ((wl == 4 && (strncmp(text + i, "true", 4) == 0 || strncmp(text + i, "null", 4) == 0)) ||
                    (wl == 5 && strncmp(text + i, "false", 5) == 0))
                    i += wl;
                else
                    rc = check_bare_word(&k, i, wl, false);
            } else {
                rc = check_unexpected(&k, i, "a value (object, array, string, number, true, false or null)");
            }
            if (rc < 0)
                goto out;
            state = AFTER_VALUE;
        } else if (state == EXPECT_KEY) {
            if (i >= len) {
                rc = check_fail(&k, len, "unexpected end of input; expected a key in double quotes");
                goto out;
            }
            if (text[i] != '"') {
                if (is_word_char(text[i]))
                    rc = check_bare_word(&k, i, word_len(text, len, i), true);
                else
                    rc = check_unexpected(&k, i, "a key in double quotes");
                goto out;
            }
            if ((rc = check_string(&k, &i)) < 0)
                goto out;
            i = skip_ws(text, len, i);
            if (i >= len || text[i] != ':') {
                rc = check_unexpected(&k, i, "':' after the key");
                goto out;
            }
            i++;
            state = EXPECT_VALUE;
        } else {
            if (depth == 0) {
                if (i < len)
                    rc = check_unexpected(&k, i, "nothing after the end of the JSON document");
                goto out;
            }
            char close = stack[depth - 1] == '{' ? '}' : ']';
            if (i >= len) {
                rc = check_fail(&k, len, "unexpected end of input; expected ',' or '%c'", close);
                goto out;
            }
            if (text[i] == close) {
                depth--;
                i++;
                continue;
            }
            if (text[i] != ',') {
                char expected[16];
                snprintf(expected, sizeof(expected), "',' or '%c'", close);
                rc = check_unexpected(&k, i, expected);
                goto out;
            }
            size_t comma = i;
            i = skip_ws(text, len, i + 1);
            if (i < len && text[i] == close) {
                rc = check_fail(&k, comma, "trailing comma before '%c'; JSON allows none, expected "
                                           "another %s or no comma", close,
                                close == '}' ? "member" : "element");
                goto out;
            }
            state = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
        }
    }
out:
    if (rc < 0 && err_off)
        *err_off = k.err_off;
    return rc;
}

/* ---- Pointer lookup ----------------------------------------------------- */

/* Skips the string starting at the quote s[i]; returns the index after the
 * closing quote, or n if it is not closed. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* Skips one value starting at s[i] (no leading whitespace); returns the
 * index after it, or n on malformed text. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n;
    if (s[i] == '"')
        return skip_string(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, n, i);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return n;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_ws(s[i]))
        i++;
    return i;
}

/* Encodes code point cp as UTF-8 into out; returns the byte count. */
static size_t utf8_encode(unsigned long cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the JSON string at s[*pi] (its opening quote) and compares it to
 * seg[0, seg_len). Moves *pi past the string. Returns 1 if equal, 0 if
 * not, -1 if the string is malformed. */
static int string_equals(const char *s, size_t n, size_t *pi, const char *seg, size_t seg_len)
{
    size_t i = *pi + 1, pos = 0;
    bool same = true;
    while (i < n && s[i] != '"') {
        char buf[4];
        size_t bl;
        if (s[i] != '\\') {
            buf[0] = s[i++];
            bl = 1;
        } else {
            if (i + 1 >= n)
                return -1;
            char e = s[i + 1];
            i += 2;
            switch (e) {
            case 'b': buf[0] = '\b'; bl = 1; break;
            case 'f': buf[0] = '\f'; bl = 1; break;
            case 'n': buf[0] = '\n'; bl = 1; break;
            case 'r': buf[0] = '\r'; bl = 1; break;
            case 't': buf[0] = '\t'; bl = 1; break;
            case 'u': {
                long u = read_hex4(s, n, i);
                if (u < 0)
                    return -1;
                i += 4;
                unsigned long cp = (unsigned long)u;
                if (u >= 0xd800 && u <= 0xdbff && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
                    long lo = read_hex4(s, n, i + 2);
                    if (lo >= 0xdc00 && lo <= 0xdfff) {
                        cp = 0x10000 + (((unsigned long)u - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
                        i += 6;
                    }
                }
                bl = utf8_encode(cp, buf);
                break;
            }
            default: buf[0] = e; bl = 1; break;
            }
        }
        if (same && (pos + bl > seg_len || memcmp(seg + pos, buf, bl) != 0))
            same = false;
        pos += bl;
    }
    if (i >= n)
        return -1;
    *pi = i + 1;
    return same && pos == seg_len;
}

/* Parses an array index segment: digits without a leading zero. */
static bool parse_index(const char *seg, size_t len, size_t *out)
{
    if (len == 0 || len > 15 || (len > 1 && seg[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t k = 0; k < len; k++) {
        if (seg[k] < '0' || seg[k] > '9')
            return false;
        v = v * 10 + (size_t)(seg[k] - '0');
    }
    *out = v;
    return true;
}

int jsonloc_find(const char *text, size_t len, const char *pointer, int want_key, unsigned nth,
                 size_t *off)
{
    size_t i = skip_ws(text, len, skip_bom(text, len));
    const char *q = pointer;
    char *seg = malloc(strlen(pointer) + 1);
    int rc = -1;
    if (!seg)
        return -1;

    while (*q) {
        if (*q != '/')
            goto out;
        q++;
        size_t sl = 0;
        while (*q && *q != '/') {
            if (q[0] == '~' && (q[1] == '0' || q[1] == '1')) {
                seg[sl++] = q[1] == '0' ? '~' : '/';
                q += 2;
            } else {
                seg[sl++] = *q++;
            }
        }
        bool last = *q == '\0';
        i = skip_ws(text, len, i);
        if (i >= len)
            goto out;
        if (text[i] == '{') {
            unsigned seen = 0;
            i++;
            for (;;) {
                i = skip_ws(text, len, i);
                if (i >= len || text[i] != '"')
                    goto out;
                size_t key_at = i;
                int eq = string_equals(text, len, &i, seg, sl);
                if (eq < 0)
                    goto out;
                i = skip_ws(text, len, i);
                if (i >= len || text[i] != ':')
                    goto out;
                i = skip_ws(text, len, i + 1);
                if (eq && (!last || seen++ == nth)) {
                    if (last && want_key) {
                        *off = key_at;
                        rc = 0;
                        goto out;
                    }
                    break;
                }
                i = skip_ws(text, len, skip_value(text, len, i));
                if (i >= len || text[i] != ',')
                    goto out;
                i++;
            }
        } else if (text[i] == '[') {
            size_t idx;
            if (!parse_index(seg, sl, &idx))
                goto out;
            i++;
            for (size_t e = 0;; e++) {
                i = skip_ws(text, len, i);
                if (i >= len || text[i] == ']')
                    goto out;
                if (e == idx)
                    break;
                i = skip_ws(text, len, skip_value(text, len, i));
                if (i >= len || text[i] != ',')
                    goto out;
                i++;
            }
        } else {
            goto out;
        }
    }
    i = skip_ws(text, len, i);
    if (i < len) {
        *off = i;
        rc = 0;
    }
out:
    free(seg);
    return rc;
}

void jsonloc_linecol(const char *text, size_t len, size_t off, int *line, int *col)
{
    if (off > len)
        off = len;
    size_t line_start = 0;
    int l = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    }
    if (line_start == 0) {
        size_t bom = skip_bom(text, len);
        line_start = off >= bom ? bom : 0;
    }
    *line = l;
    *col = (int)(off - line_start) + 1;
}
