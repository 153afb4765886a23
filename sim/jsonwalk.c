/*
 * jsonwalk.c - the loader's walk over the cJSON tree: where it is, where
 * that is in the file, and the scalar values it reads there.
 *
 * Loader.path is the JSON pointer of the value being looked at. Callers
 * push a segment before they read a value and pop it after success; on
 * failure the pointer is left at the culprit, so every error is one line
 * "LOCATION: /json/pointer: what is wrong; what is expected". LOCATION is
 * FILE:LINE:COL of the value in the original text, found again from its
 * pointer by jsonloc.c, or "--set K=V" when an override put it there.
 * Nothing here knows what a scenario means: only JSON, pointers and the
 * shapes of values (names, integers, durations, distributions, enums).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "loader.h"

static const char *const DIST_KEYS[] = {"uniform", "exp"};

/* ---- Small text helpers ------------------------------------------------- */

/* Copies user text for a one-line message: at most ~48 bytes (cut at a
 * UTF-8 boundary, then "..."), control characters shown as '?'. */
const char *ld_quote(const char *s, char *buf, size_t n)
{
    size_t max = n > 52 ? 48 : n - 4, i = 0;
    for (; s[i] && i < max; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (s[i]) {
        while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
            i--;
        memcpy(buf + i, "...", 4);
    } else {
        buf[i] = '\0';
    }
    return buf;
}

/* Shortest text that reads back as the same double. */
void ld_fmt_double(double d, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.17g", d);
}

const char *ld_type_name(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an unknown value";
}

bool ld_ignored_key(const char *k)
{
    return k[0] == '$' || k[0] == '_';
}

int ld_find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* Edit distance with adjacent transpositions, case-insensitive; both
 * strings at most 64 bytes. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            bool swapped = i > 1 && j > 1 &&
                           tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
                           tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]);
            if (swapped && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* Keeps the closest plausible candidate for a misspelt word in *best. */
void ld_suggest_consider(const char *word, const char *cand, const char **best, int *best_d)
{
    if (strlen(word) > 64 || strlen(cand) > 64 || strcmp(word, cand) == 0)
        return;
    /* Close enough to be a slip, and not just another short name. */
    int d = edit_distance(word, cand);
    if (d <= 2 && (size_t)d * 3 <= strlen(cand) && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

const char *ld_suggest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (int i = 0; i < n; i++)
        ld_suggest_consider(word, names[i], &best, &best_d);
    return best;
}

void ld_join_names(const char *const *names, int n, const char *q, const char *last2, const char *last,
                   char *buf, size_t size)
{
    size_t l = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && l < size; i++) {
        const char *sep = i == 0 ? "" : i < n - 1 ? ", " : n == 2 ? last2 : last;
        l += (size_t)snprintf(buf + l, size - l, "%s%s%s%s", sep, q, names[i], q);
    }
}

/* ---- JSON pointer of the current value ---------------------------------- */

bool ld_path_reserve(Loader *c, size_t extra)
{
    if (c->path_len + extra + 1 <= c->path_cap)
        return true;
    size_t cap = c->path_cap ? c->path_cap : 64;
    while (cap < c->path_len + extra + 1)
        cap *= 2;
    char *p = realloc(c->path, cap);
    if (!p) {
        c->oom = true;
        return false;
    }
    c->path = p;
    c->path_cap = cap;
    return true;
}

/* Appends "/key" (RFC 6901 escaped); returns the length to pop back to. */
size_t ld_path_push_key(Loader *c, const char *key)
{
    size_t mark = c->path_len;
    if (!ld_path_reserve(c, 1 + 2 * strlen(key)))
        return mark;
    c->path[c->path_len++] = '/';
    for (const char *p = key; *p; p++) {
        if (*p == '~' || *p == '/') {
            c->path[c->path_len++] = '~';
            c->path[c->path_len++] = *p == '~' ? '0' : '1';
        } else {
            c->path[c->path_len++] = *p;
        }
    }
    c->path[c->path_len] = '\0';
    return mark;
}

size_t ld_path_push_index(Loader *c, size_t i)
{
    char num[24];
    size_t mark = c->path_len;
    int l = snprintf(num, sizeof(num), "/%zu", i);
    if (!ld_path_reserve(c, (size_t)l))
        return mark;
    memcpy(c->path + c->path_len, num, (size_t)l + 1);
    c->path_len += (size_t)l;
    return mark;
}

void ld_path_pop(Loader *c, size_t mark)
{
    c->path_len = mark;
    if (c->path)
        c->path[mark] = '\0';
}

char *ld_path_dup(Loader *c)
{
    char *p = strdup(c->path);
    if (!p)
        c->oom = true;
    return p;
}

/* The pointer of member `key` of the current value, malloc'd. */
char *ld_path_child(Loader *c, const char *key)
{
    size_t mark = ld_path_push_key(c, key);
    char *p = c->oom ? NULL : strdup(c->path);
    ld_path_pop(c, mark);
    return p;
}

/* Looks up obj[key]; when present, pushes "/key" (pop with ld_path_pop). */
const cJSON *ld_enter(Loader *c, const cJSON *obj, const char *key, size_t *mark)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *mark = v ? ld_path_push_key(c, key) : c->path_len;
    return v;
}

/* True if ptr is prefix or lies below it (segment-wise). */
static bool ptr_within(const char *ptr, const char *prefix)
{
    size_t l = strlen(prefix);
    return strncmp(ptr, prefix, l) == 0 && (ptr[l] == '\0' || ptr[l] == '/');
}

/* ---- Errors ------------------------------------------------------------- */

int ld_nomem(Loader *c)
{
    return sim_error_set(c->err, SIM_ERR_NOMEM, "%s: out of memory", c->source);
}

/* The latest override that set ptr or one of its ancestors. */
static const Override *override_covering(const Loader *c, const char *ptr)
{
    for (int k = c->n_ov - 1; k >= 0; k--)
        if (c->ov[k].ptr && ptr_within(ptr, c->ov[k].ptr))
            return &c->ov[k];
    return NULL;
}

/* The latest override that set something below ptr (ptr was created for it). */
static const Override *override_below(const Loader *c, const char *ptr)
{
    for (int k = c->n_ov - 1; k >= 0; k--)
        if (c->ov[k].ptr && ptr_within(c->ov[k].ptr, ptr))
            return &c->ov[k];
    return NULL;
}

/*
 * Where the value (or key) at ptr came from: "FILE:LINE:COL", or just
 * "line LINE" when line_only, or "--set K=V". nth picks among duplicate
 * keys; a duplicate is always in the file, never from an override.
 */
void ld_locate(const Loader *c, const char *ptr, int how, unsigned nth, bool line_only, char *buf,
               size_t n)
{
    const Override *o = nth == 0 ? override_covering(c, ptr) : NULL;
    size_t off = 0;
    bool found = false;
    if (!o) {
        found = jsonloc_find(c->text, c->len, ptr, how == AT_KEY, nth, &off) == 0;
        if (!found)
            o = override_below(c, ptr);
    }
    if (o) {
        snprintf(buf, n, "--set %s", o->raw);
        return;
    }
    /* Not in the text and not made by an override: should not happen, but
     * the nearest enclosing value in the text is still a useful place. */
    char *tmp = found ? NULL : strdup(ptr);
    while (tmp && !found) {
        char *slash = strrchr(tmp, '/');
        if (!slash)
            break;
        *slash = '\0';
        found = jsonloc_find(c->text, c->len, tmp, 0, 0, &off) == 0;
    }
    free(tmp);
    int line, col;
    jsonloc_linecol(c->text, c->len, found ? off : 0, &line, &col);
    if (line_only)
        snprintf(buf, n, "line %d", line);
    else
        snprintf(buf, n, "%s:%d:%d", c->source, line, col);
}

/* Fails with the message shown for pointer disp but located at loc_ptr. */
__attribute__((format(printf, 7, 8)))
int ld_fail_loc(Loader *c, int code, const char *disp, const char *loc_ptr, int how, unsigned nth,
                const char *fmt, ...)
{
    if (c->oom)
        return ld_nomem(c);
    char loc[320], msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld_locate(c, loc_ptr, how, nth, false, loc, sizeof(loc));
    return sim_error_set(c->err, code, "%s: %s: %s", loc, disp[0] ? disp : "/", msg);
}

int ld_fail_missing(Loader *c, const char *key, const char *expected)
{
    return fail(c, "missing key '%s'; expected %s", key, expected);
}

/* Unknown key `key` in the object at the current path. */
static int fail_unknown_key(Loader *c, const char *key, const char *const *keys, int n)
{
    char q[64], list[320];
    size_t mark = ld_path_push_key(c, key);
    const char *best = ld_suggest(key, keys, n);
    int rc;
    if (best) {
        rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                         "unknown key '%s'; did you mean '%s'?", ld_quote(key, q, sizeof(q)), best);
    } else {
        ld_join_names(keys, n, "", ", ", ", ", list, sizeof(list));
        rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                         "unknown key '%s'; expected one of %s (or a comment key starting with '_')",
                         ld_quote(key, q, sizeof(q)), list);
    }
    ld_path_pop(c, mark);
    return rc;
}

/* Second occurrence of `key` in the object at the current path. */
int ld_fail_duplicate_key(Loader *c, const char *key)
{
    char q[64], first[320];
    size_t mark = ld_path_push_key(c, key);
    ld_locate(c, c->path, AT_KEY, 0, true, first, sizeof(first));
    int rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 1,
                         "duplicate key '%s' (first at %s)",
                         ld_quote(key, q, sizeof(q)), first);
    ld_path_pop(c, mark);
    return rc;
}

/* Every key of obj must be in keys (or a '$'/'_' comment key), once. */
int ld_check_keys(Loader *c, const cJSON *obj, const char *const *keys, int n)
{
    uint64_t seen = 0;
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ld_ignored_key(k))
            continue;
        int i = ld_find_name(keys, n, k);
        if (i < 0)
            return fail_unknown_key(c, k, keys, n);
        if (seen >> i & 1)
            return ld_fail_duplicate_key(c, k);
        seen |= 1ull << i;
    }
    return 0;
}

/* Every key of obj must be one of keys[0, n), once; `in` names the object
 * for the message, e.g. "a semaphore" or "an acquire operation". */
int ld_check_only(Loader *c, const cJSON *obj, const char *const *keys, int n, const char *in)
{
    uint64_t seen = 0;
    char q[64], list[200];
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ld_ignored_key(k))
            continue;
        int i = ld_find_name(keys, n, k);
        if (i >= 0 && (seen >> i & 1))
            return ld_fail_duplicate_key(c, k);
        if (i >= 0) {
            seen |= 1ull << i;
            continue;
        }
        size_t mark = ld_path_push_key(c, k);
        const char *best = ld_suggest(k, keys, n);
        int rc;
        ld_quote(k, q, sizeof(q));
        if (best) {
            rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                             "unknown key '%s' in %s; did you mean '%s'?", q, in, best);
        } else {
            ld_join_names(keys, n, "\"", " and ", " and ", list, sizeof(list));
            rc = ld_fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                             "unknown key '%s' in %s; expected only %s", q, in, list);
        }
        ld_path_pop(c, mark);
        return rc;
    }
    return 0;
}

/* ---- Scalar values ------------------------------------------------------ */

/*
 * The number at the current path as the user wrote it ("1e999", "-1"),
 * from the file or from the override that set it; the double otherwise.
 */
void ld_raw_number(const Loader *c, const cJSON *v, char *buf, size_t n)
{
    const Override *o = override_covering(c, c->path);
    const char *src = c->text, *ptr = c->path;
    size_t srclen = c->len, off, l = 0;
    if (o) {
        src = o->value;
        srclen = strlen(src);
        ptr = c->path + strlen(o->ptr);
    }
    if (jsonloc_find(src, srclen, ptr, 0, 0, &off) == 0) {
        while (off + l < srclen && l + 1 < n && l < 40 && strchr("0123456789+-.eE", src[off + l]) &&
               src[off + l])
            l++;
        memcpy(buf, src + off, l);
        buf[l] = '\0';
    }
    if (l == 0)
        ld_fmt_double(v->valuedouble, buf, n);
}

/*
 * A number or boolean given on the command line where text is expected
 * ("--set python.version=3.10", "--set processes.0.name=42") is taken as the
 * text typed, since shells make quoting JSON strings awkward. NULL if v did
 * not come straight from an override.
 */
const char *ld_override_text(const Loader *c, const cJSON *v)
{
    const Override *o = override_covering(c, c->path);
    if (o && strcmp(o->ptr, c->path) == 0 && (cJSON_IsNumber(v) || cJSON_IsBool(v)))
        return o->value;
    return NULL;
}

int ld_get_string(Loader *c, const cJSON *v, const char *what, const char **out)
{
    if ((*out = ld_override_text(c, v)))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", what, ld_type_name(v));
    *out = v->valuestring;
    return 0;
}

int ld_get_name(Loader *c, const cJSON *v, const char **out)
{
    int rc = ld_get_string(c, v, "a string", out);
    if (rc == 0 && !**out)
        return fail(c, "the name is empty; expected a non-empty string");
    return rc;
}

int ld_get_bool(Loader *c, const cJSON *v, bool *out)
{
    if (!cJSON_IsBool(v))
        return fail(c, "expected true or false, got %s", ld_type_name(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* One of names[0, n); `what` names the kind of value in the message. */
int ld_get_enum(Loader *c, const cJSON *v, const char *const *names, int n, const char *what, int *out)
{
    char list[160], q[64];
    ld_join_names(names, n, "\"", " or ", ", or ", list, sizeof(list));
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", list, ld_type_name(v));
    int i = ld_find_name(names, n, v->valuestring);
    if (i < 0)
        return fail(c, "'%s' is not %s; expected %s", ld_quote(v->valuestring, q, sizeof(q)), what, list);
    *out = i;
    return 0;
}

/* An integer in [lo, hi]. */
int ld_get_integer(Loader *c, const cJSON *v, double lo, double hi, double *out)
{
    char range[80], num[48];
    snprintf(range, sizeof(range), "an integer from %.0f to %.0f", lo, hi);
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, ld_type_name(v));
    double d = v->valuedouble;
    bool integral = isfinite(d) && d == floor(d);
    if (!integral || d < lo || d > hi) {
        /* Only now: finding the text again costs a scan of the file. */
        ld_raw_number(c, v, num, sizeof(num));
        return fail(c, "%s %s; expected %s", num, integral ? "is out of range" : "is not an integer",
                    range);
    }
    *out = d;
    return 0;
}

int ld_get_number(Loader *c, const cJSON *v, double lo, double hi, double *out)
{
    char range[96], a[32], b[32], num[48];
    ld_fmt_double(lo, a, sizeof(a));
    ld_fmt_double(hi, b, sizeof(b));
    snprintf(range, sizeof(range), "a number from %s to %s", a, b);
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, ld_type_name(v));
    if (!isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi) {
        ld_raw_number(c, v, num, sizeof(num));
        return fail(c, "%s is out of range; expected %s", num, range);
    }
    *out = v->valuedouble;
    return 0;
}

int ld_get_seed(Loader *c, const cJSON *v, uint64_t *out)
{
    static const char range[] = "an integer from 0 to 18446744073709551615";
    char num[48];
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, ld_type_name(v));
    /* As written, not as a double: doubles hold integers exactly only up
     * to 2^53, and a seed must read back as the one gilsim prints. */
    ld_raw_number(c, v, num, sizeof(num));
    int rc = sim_seed_parse(num, out);
    if (rc == SIM_ERR_LIMIT || (rc < 0 && num[0] == '-'))
        return fail(c, "%s is out of range; expected %s", num, range);
    if (rc < 0)
        return fail(c, "%s is not written as a seed; expected %s in plain digits", num, range);
    return 0;
}

/* The duration grammar: [-]NUMBER[ ]*UNIT, NUMBER in JSON-like decimal
 * form (no hex, inf or nan that strtod would also take). */
static bool duration_syntax_ok(const char *s, bool *negative)
{
    const char *p = s;
    *negative = *p == '-';
    if (*p == '-')
        p++;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        p += 1 + frac;
        digits += frac;
    }
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1;
        if (*e == '+' || *e == '-')
            e++;
        size_t ed = strspn(e, "0123456789");
        if (ed)
            p = e + ed;
    }
    while (*p == ' ')
        p++;
    return strcmp(p, "ns") == 0 || strcmp(p, "us") == 0 || strcmp(p, "\xc2\xb5s") == 0 ||
           strcmp(p, "ms") == 0 || strcmp(p, "s") == 0;
}

static bool looks_like_dist(const cJSON *v)
{
    return cJSON_IsObject(v) && (cJSON_GetObjectItemCaseSensitive(v, "uniform") ||
                                 cJSON_GetObjectItemCaseSensitive(v, "exp"));
}

/* SIM_DURATION_MAX in words. */
#define TOO_LONG "a duration of at most 2^60 ns (about 36.5 years)"

/* A plain duration: "5ms" or a number of seconds. */
int ld_get_duration(Loader *c, const cJSON *v, int rule, SimTime *out)
{
    char q[64];
    SimTime t = 0;
    if (cJSON_IsString(v) && v->valuestring) {
        const char *s = v->valuestring;
        bool negative;
        ld_quote(s, q, sizeof(q));
        if (!duration_syntax_ok(s, &negative))
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
        int rc = sim_duration_parse(s, &t);
        if (rc == SIM_ERR_LIMIT && negative)
            return fail(c, "'%s' is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (rc == SIM_ERR_LIMIT)
            return fail(c, "'%s' is too long; expected %s", q, TOO_LONG);
        if (rc < 0)
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
    } else if (cJSON_IsNumber(v)) {
        double ns = v->valuedouble * 1e9;
        if (v->valuedouble < 0 || !isfinite(ns) || ns > MAX_DURATION_NS)
            ld_raw_number(c, v, q, sizeof(q));
        if (v->valuedouble < 0)
            return fail(c, "%s is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (!isfinite(ns) || ns > MAX_DURATION_NS)
            return fail(c, "%s seconds is too long; expected %s", q, TOO_LONG);
        t = (SimTime)llround(ns);
    } else if (looks_like_dist(v)) {
        return fail(c, "a distribution is not allowed here; expected a fixed duration such as \"5ms\" "
                       "(distributions are allowed in operations and in the machine's latencies, "
                       "e.g. machine.wake_latency)");
    } else {
        return fail(c, "expected a duration such as \"5ms\", got %s", ld_type_name(v));
    }
    if (t > SIM_DURATION_MAX && cJSON_IsString(v))
        return fail(c, "'%s' is too long; expected %s", q, TOO_LONG);
    if (t > SIM_DURATION_MAX) {
        ld_raw_number(c, v, q, sizeof(q));
        return fail(c, "%s seconds is too long; expected %s", q, TOO_LONG);
    }
    if (rule == DUR_POSITIVE && t == 0)
        return fail(c, "a zero duration is not allowed here; expected a duration > 0, e.g. \"5ms\"");
    *out = t;
    return 0;
}

/* A duration or {"uniform": [LOW, HIGH]} or {"exp": MEAN}. */
int ld_get_dist(Loader *c, const cJSON *v, SimDist *out)
{
    static const char forms[] = "{\"uniform\": [LOW, HIGH]} or {\"exp\": MEAN}";
    size_t mark;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(v)) {
        if (cJSON_IsArray(v))
            return fail(c, "expected a duration such as \"5ms\" or a distribution %s, got an array", forms);
        out->kind = SIM_DIST_FIXED;
        return ld_get_duration(c, v, DUR_NONNEG, &out->a);
    }
    if ((rc = ld_check_keys(c, v, DIST_KEYS, COUNT(DIST_KEYS))) < 0)
        return rc;
    const cJSON *uni = cJSON_GetObjectItemCaseSensitive(v, "uniform");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(v, "exp");
    if (uni && ex)
        return fail(c, "a distribution has one kind; expected either \"uniform\" or \"exp\", not both");
    if (!uni && !ex)
        return fail(c, "empty distribution; expected %s", forms);
    if (ex) {
        ld_enter(c, v, "exp", &mark);
        out->kind = SIM_DIST_EXP;
        rc = ld_get_duration(c, ex, DUR_POSITIVE, &out->a);
        ld_path_pop(c, mark);
        return rc;
    }
    ld_enter(c, v, "uniform", &mark);
    out->kind = SIM_DIST_UNIFORM;
    if (!cJSON_IsArray(uni))
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %s", ld_type_name(uni));
    else if (cJSON_GetArraySize(uni) != 2)
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %d element%s",
                  cJSON_GetArraySize(uni), cJSON_GetArraySize(uni) == 1 ? "" : "s");
    else {
        size_t m2 = ld_path_push_index(c, 0);
        rc = ld_get_duration(c, uni->child, DUR_NONNEG, &out->a);
        ld_path_pop(c, m2);
        if (rc == 0) {
            m2 = ld_path_push_index(c, 1);
            rc = ld_get_duration(c, uni->child->next, DUR_NONNEG, &out->b);
            ld_path_pop(c, m2);
        }
        if (rc == 0 && out->a > out->b) {
            char lo[48], hi[48];
            sim_duration_format_exact(out->a, lo, sizeof(lo));
            sim_duration_format_exact(out->b, hi, sizeof(hi));
            rc = fail(c, "low %s is greater than high %s; expected [LOW, HIGH] with LOW <= HIGH", lo, hi);
        }
    }
    ld_path_pop(c, mark);
    return rc;
}
