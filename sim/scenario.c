/*
 * scenario.c - scenario JSON -> validated, immutable SimScenario.
 *
 * The only cJSON user of the library. Loading is: strict syntax check
 * (jsonloc.c, for exact positions), cJSON parse, --set overrides applied to
 * the tree, then one walk that validates and converts in document order.
 * Names used by start/join are resolved after the walk, because they may
 * refer to processes declared further down.
 *
 * Every error is one line "LOCATION: /json/pointer: what is wrong; what is
 * expected". LOCATION is FILE:LINE:COL of the offending value in the
 * original text, found again from its JSON pointer, or "--set K=V" when the
 * value came from an override. The walk keeps the pointer of the value at
 * hand in Loader.path for exactly this purpose.
 *
 * Flattened layout: threads of a process are contiguous (declared threads
 * first, fork-child threads after them), and each thread's program is one
 * contiguous run of SimScenario.ops, a repeat op followed by its body.
 */
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "sim_internal.h"

#define NS_PER_US 1000LL
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

#define MAX_OPS 1000000u
#define MAX_THREADS 100000
#define MAX_PROCS 10000
#define MAX_REPEAT_DEPTH 16
#define MAX_FILE_BYTES (256u << 20)
#define MAX_DURATION_NS 9.2e18 /* what sim_duration_parse accepts; ~292 years */

/* ---- Defaults ----------------------------------------------------------- */

void sim_config_defaults(SimConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->cores = 2;
    cfg->time_slice = 4 * NS_PER_MS;
    cfg->ctx_switch = 2 * NS_PER_US;
    cfg->wake_latency.kind = SIM_DIST_UNIFORM;
    cfg->wake_latency.a = 10 * NS_PER_US;
    cfg->wake_latency.b = 40 * NS_PER_US;
    cfg->wake_policy = SIM_WAKE_RANDOM;
    cfg->py_major = 3;
    cfg->py_minor = 12;
    cfg->gil = SIM_GIL_NEW;
    cfg->switch_interval = 5 * NS_PER_MS;
    cfg->check_point_gap = 100;
    cfg->check_interval = 100;
    cfg->tick_cost = 15;
    cfg->ft_overhead = 1.08;
    cfg->thread_start_cost = 100 * NS_PER_US;
    cfg->fork_cost = 2 * NS_PER_MS;
    cfg->spawn_cost = 50 * NS_PER_MS;
    cfg->forkserver_cost = 3 * NS_PER_MS;
    cfg->ipc_cost = 500 * NS_PER_US;
    /* Not settable from a scenario yet; rough costs of CPython 3.12 on a
     * current x86-64 machine. */
    cfg->pickle_cost = 5 * NS_PER_US;
    cfg->pipe_latency = 20 * NS_PER_US;
    cfg->increment_cost = 40;
    cfg->call_cost = 100;
}

/* ---- Names of enumerated values (index = enum value) -------------------- */

/* The operations a program may contain, in SimOpKind order. */
#define N_OPS (SIM_OP_FORK + 1)
static const char *const OP_NAMES[N_OPS] = {
    "cpu", "c_call", "nogil", "io", "sleep", "repeat", "start", "join", "fork",
};
static const char *const GIL_NAMES[SIM_GIL_POLICY_COUNT] = {"new", "new-noforce", "old", "none"};
static const char *const WAKE_NAMES[] = {"random", "fifo"};
static const char *const START_NAMES[] = {"auto", "manual"};
static const char *const METHOD_NAMES[] = {"fork", "spawn", "forkserver"};

static const char *const ROOT_KEYS[] = {
    "name", "description", "lesson", "seed", "schema_version", "machine", "python", "processes",
};
static const char *const MACHINE_KEYS[] = {
    "cores", "time_slice", "context_switch", "wake_latency", "wakeup_policy",
};
static const char *const PYTHON_KEYS[] = {
    "version", "gil", "switch_interval", "check_point_gap", "check_interval", "tick_cost",
    "ft_overhead", "thread_start_cost", "fork_cost", "spawn_cost", "forkserver_cost", "ipc_cost",
};
static const char *const PROCESS_KEYS[] = {"name", "start", "start_method", "threads"};
static const char *const THREAD_KEYS[] = {"name", "daemon", "start", "program"};
static const char *const FORK_KEYS[] = {"name", "program"};
static const char *const DIST_KEYS[] = {"uniform", "exp"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- Loader state ------------------------------------------------------- */

typedef struct Override {
    const char *raw;   /* the whole "key=value" argument; borrowed */
    const char *value; /* the text after '=' */
    char *ptr;         /* JSON pointer of the value it set; NULL until applied */
} Override;

/* Names -> template index, one table for every scope: scope -1 holds the
 * process names, scope p the thread names of process p. Open addressing. */
typedef struct NameEntry {
    const char *name; /* NULL: empty slot; points into a spec (owned there) */
    int scope;
    int index;
} NameEntry;

typedef struct NameTable {
    NameEntry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} NameTable;

/* A start or join op whose name is resolved after the walk. */
typedef struct Ref {
    int thread;       /* template whose program holds the op */
    uint32_t op;      /* offset of the op in that program */
    const char *name; /* borrowed from the cJSON tree */
    char *ptr;        /* pointer of the name value, for errors; owned */
} Ref;

/* Per process template, what only the loader needs. */
typedef struct ProcExtra {
    char *ptr;  /* pointer of its "name" value, or of its fork op; owned */
    int parent; /* process template that forks it, -1 if declared */
} ProcExtra;

typedef struct OpVec {
    SimOp *v;
    uint32_t n, cap;
} OpVec;

typedef struct Loader {
    const char *source;  /* file path or given name */
    const char *text;    /* NUL-terminated copy of the original bytes */
    size_t len;
    SimError *err;
    Override *ov;        /* applied overrides, in order */
    int n_ov;
    char *path;          /* JSON pointer of the value being looked at */
    size_t path_len, path_cap;
    bool oom;            /* a path push failed: the load ends in SIM_ERR_NOMEM */
    SimScenario *sc;     /* being built; destroyed by the caller on failure */
    int cap_procs, cap_threads;
    uint32_t cap_ops;
    ProcExtra *extra;    /* [cap_procs] */
    int n_decl_procs;    /* processes declared in "processes"; fork children follow */
    NameTable names;
    Ref *refs;
    size_t n_refs, cap_refs;
    uint32_t ops_made;   /* every flattened op created so far, for MAX_OPS */
    uint8_t default_method;
} Loader;

/* ---- Small text helpers ------------------------------------------------- */

/* Copies user text for a one-line message: at most ~48 bytes (cut at a
 * UTF-8 boundary, then "..."), control characters shown as '?'. */
static const char *quote(const char *s, char *buf, size_t n)
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
static void fmt_double(double d, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.17g", d);
}

/* Shortest exact text of a duration with a unit: "5ms", "1.5ms", "100ns". */
static void fmt_duration(SimTime ns, char *buf, size_t n)
{
    static const struct {
        const char *unit;
        long long scale;
        int digits;
    } units[] = {{"s", NS_PER_S, 9}, {"ms", NS_PER_MS, 6}, {"us", NS_PER_US, 3}, {"ns", 1, 0}};
    char best[48] = "";
    if (ns < 0) {
        snprintf(buf, n, "%lldns", (long long)ns);
        return;
    }
    for (int u = 0; u < COUNT(units); u++) {
        char tmp[48];
        long long whole = ns / units[u].scale, frac = ns % units[u].scale;
        if (whole == 0 && units[u].scale > 1)
            continue;
        if (frac) {
            int l = snprintf(tmp, sizeof(tmp), "%lld.%0*lld", whole, units[u].digits, frac);
            while (l > 0 && tmp[l - 1] == '0')
                tmp[--l] = '\0';
            snprintf(tmp + l, sizeof(tmp) - (size_t)l, "%s", units[u].unit);
        } else {
            snprintf(tmp, sizeof(tmp), "%lld%s", whole, units[u].unit);
        }
        if (!best[0] || strlen(tmp) < strlen(best))
            memcpy(best, tmp, sizeof(best));
    }
    snprintf(buf, n, "%s", best);
}

static const char *type_name(const cJSON *v)
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

static bool ignored_key(const char *k)
{
    return k[0] == '$' || k[0] == '_';
}

static int find_name(const char *const *names, int n, const char *s)
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
static void suggest_consider(const char *word, const char *cand, const char **best, int *best_d)
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

static const char *suggest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (int i = 0; i < n; i++)
        suggest_consider(word, names[i], &best, &best_d);
    return best;
}

static void join_names(const char *const *names, int n, char *buf, size_t size)
{
    size_t l = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && l < size; i++)
        l += (size_t)snprintf(buf + l, size - l, "%s%s", i ? ", " : "", names[i]);
}

/* ---- JSON pointer of the current value ---------------------------------- */

static bool path_reserve(Loader *c, size_t extra)
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
static size_t path_push_key(Loader *c, const char *key)
{
    size_t mark = c->path_len;
    if (!path_reserve(c, 1 + 2 * strlen(key)))
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

static size_t path_push_index(Loader *c, size_t i)
{
    char num[24];
    size_t mark = c->path_len;
    int l = snprintf(num, sizeof(num), "/%zu", i);
    if (!path_reserve(c, (size_t)l))
        return mark;
    memcpy(c->path + c->path_len, num, (size_t)l + 1);
    c->path_len += (size_t)l;
    return mark;
}

static void path_pop(Loader *c, size_t mark)
{
    c->path_len = mark;
    if (c->path)
        c->path[mark] = '\0';
}

static char *path_dup(Loader *c)
{
    char *p = strdup(c->path);
    if (!p)
        c->oom = true;
    return p;
}

/* The pointer of member `key` of the current value, malloc'd. */
static char *path_child(Loader *c, const char *key)
{
    size_t mark = path_push_key(c, key);
    char *p = c->oom ? NULL : strdup(c->path);
    path_pop(c, mark);
    return p;
}

/* Looks up obj[key]; when present, pushes "/key" (pop with path_pop). */
static const cJSON *enter(Loader *c, const cJSON *obj, const char *key, size_t *mark)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *mark = v ? path_push_key(c, key) : c->path_len;
    return v;
}

/* True if ptr is prefix or lies below it (segment-wise). */
static bool ptr_within(const char *ptr, const char *prefix)
{
    size_t l = strlen(prefix);
    return strncmp(ptr, prefix, l) == 0 && (ptr[l] == '\0' || ptr[l] == '/');
}

/* ---- Errors ------------------------------------------------------------- */

enum { AT_VALUE = 0, AT_KEY = 1 };

static int nomem(Loader *c)
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
static void locate(const Loader *c, const char *ptr, int how, unsigned nth, bool line_only, char *buf,
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
static int fail_loc(Loader *c, int code, const char *disp, const char *loc_ptr, int how, unsigned nth,
                    const char *fmt, ...)
{
    if (c->oom)
        return nomem(c);
    char loc[320], msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    locate(c, loc_ptr, how, nth, false, loc, sizeof(loc));
    return sim_error_set(c->err, code, "%s: %s: %s", loc, disp[0] ? disp : "/", msg);
}

#define fail(c, ...) fail_loc((c), SIM_ERR_INVALID, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)
#define fail_limit(c, ...) fail_loc((c), SIM_ERR_LIMIT, (c)->path, (c)->path, AT_VALUE, 0, __VA_ARGS__)

static int fail_missing(Loader *c, const char *key, const char *expected)
{
    return fail(c, "missing key '%s'; expected %s", key, expected);
}

/* Unknown key `key` in the object at the current path. */
static int fail_unknown_key(Loader *c, const char *key, const char *const *keys, int n)
{
    char q[64], list[320];
    size_t mark = path_push_key(c, key);
    const char *best = suggest(key, keys, n);
    int rc;
    if (best) {
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                      "unknown key '%s'; did you mean '%s'?", quote(key, q, sizeof(q)), best);
    } else {
        join_names(keys, n, list, sizeof(list));
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                      "unknown key '%s'; expected one of %s (or a comment key starting with '_')",
                      quote(key, q, sizeof(q)), list);
    }
    path_pop(c, mark);
    return rc;
}

/* Second occurrence of `key` in the object at the current path. */
static int fail_duplicate_key(Loader *c, const char *key)
{
    char q[64], first[320];
    size_t mark = path_push_key(c, key);
    locate(c, c->path, AT_KEY, 0, true, first, sizeof(first));
    int rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 1,
                      "duplicate key '%s' (first at %s)",
                      quote(key, q, sizeof(q)), first);
    path_pop(c, mark);
    return rc;
}

/* Every key of obj must be in keys (or a '$'/'_' comment key), once. */
static int check_keys(Loader *c, const cJSON *obj, const char *const *keys, int n)
{
    uint64_t seen = 0;
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        int i = find_name(keys, n, k);
        if (i < 0)
            return fail_unknown_key(c, k, keys, n);
        if (seen >> i & 1)
            return fail_duplicate_key(c, k);
        seen |= 1ull << i;
    }
    return 0;
}

/* ---- Scalar values ------------------------------------------------------ */

/*
 * The number at the current path as the user wrote it ("1e999", "-1"),
 * from the file or from the override that set it; the double otherwise.
 */
static void raw_number(const Loader *c, const cJSON *v, char *buf, size_t n)
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
        fmt_double(v->valuedouble, buf, n);
}

/*
 * A number or boolean given on the command line where text is expected
 * ("--set python.version=3.10", "--set processes.0.name=42") is taken as the
 * text typed, since shells make quoting JSON strings awkward. NULL if v did
 * not come straight from an override.
 */
static const char *override_text(const Loader *c, const cJSON *v)
{
    const Override *o = override_covering(c, c->path);
    if (o && strcmp(o->ptr, c->path) == 0 && (cJSON_IsNumber(v) || cJSON_IsBool(v)))
        return o->value;
    return NULL;
}

static int get_string(Loader *c, const cJSON *v, const char *what, const char **out)
{
    if ((*out = override_text(c, v)))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", what, type_name(v));
    *out = v->valuestring;
    return 0;
}

static int get_name(Loader *c, const cJSON *v, const char **out)
{
    int rc = get_string(c, v, "a string", out);
    if (rc == 0 && !**out)
        return fail(c, "the name is empty; expected a non-empty string");
    return rc;
}

static int get_bool(Loader *c, const cJSON *v, bool *out)
{
    if (!cJSON_IsBool(v))
        return fail(c, "expected true or false, got %s", type_name(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* One of names[0, n); `what` names the kind of value in the message. */
static int get_enum(Loader *c, const cJSON *v, const char *const *names, int n, const char *what, int *out)
{
    char list[160], q[64];
    size_t l = 0;
    for (int i = 0; i < n && l < sizeof(list); i++) {
        const char *sep = i == 0 ? "" : i < n - 1 ? ", " : n == 2 ? " or " : ", or ";
        l += (size_t)snprintf(list + l, sizeof(list) - l, "%s\"%s\"", sep, names[i]);
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, "expected %s, got %s", list, type_name(v));
    int i = find_name(names, n, v->valuestring);
    if (i < 0)
        return fail(c, "'%s' is not %s; expected %s", quote(v->valuestring, q, sizeof(q)), what, list);
    *out = i;
    return 0;
}

/* An integer in [lo, hi]. */
static int get_integer(Loader *c, const cJSON *v, double lo, double hi, double *out)
{
    char range[80], num[48];
    snprintf(range, sizeof(range), "an integer from %.0f to %.0f", lo, hi);
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, type_name(v));
    double d = v->valuedouble;
    bool integral = isfinite(d) && d == floor(d);
    if (!integral || d < lo || d > hi) {
        /* Only now: finding the text again costs a scan of the file. */
        raw_number(c, v, num, sizeof(num));
        return fail(c, "%s %s; expected %s", num, integral ? "is out of range" : "is not an integer",
                    range);
    }
    *out = d;
    return 0;
}

static int get_seed(Loader *c, const cJSON *v, uint64_t *out)
{
    static const char range[] = "an integer from 0 to 18446744073709551615";
    char num[48];
    if (!cJSON_IsNumber(v))
        return fail(c, "expected %s, got %s", range, type_name(v));
    raw_number(c, v, num, sizeof(num));
    /* Doubles hold integers exactly only up to 2^53; seeds need all 64 bits. */
    if (num[0] && strspn(num, "0123456789") == strlen(num)) {
        errno = 0;
        unsigned long long u = strtoull(num, NULL, 10);
        if (errno == ERANGE)
            return fail(c, "%s is out of range; expected %s", num, range);
        *out = u;
        return 0;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return fail(c, "%s is not an integer; expected %s", num, range);
    if (d < 0 || d >= 18446744073709551616.0)
        return fail(c, "%s is out of range; expected %s", num, range);
    *out = (uint64_t)d;
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

enum { DUR_NONNEG = 0, DUR_POSITIVE = 1 };

/* A plain duration: "5ms" or a number of seconds. */
static int get_duration(Loader *c, const cJSON *v, int rule, SimTime *out)
{
    char q[64];
    SimTime t = 0;
    if (cJSON_IsString(v) && v->valuestring) {
        const char *s = v->valuestring;
        bool negative;
        quote(s, q, sizeof(q));
        if (!duration_syntax_ok(s, &negative))
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
        int rc = sim_duration_parse(s, &t);
        if (rc == SIM_ERR_LIMIT && negative)
            return fail(c, "'%s' is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (rc == SIM_ERR_LIMIT)
            return fail(c, "'%s' is too long; expected a duration below 292 years", q);
        if (rc < 0)
            return fail(c, "'%s' is not a duration; expected a number with a unit ns, us, ms or s, "
                           "e.g. \"5ms\"", q);
    } else if (cJSON_IsNumber(v)) {
        double ns = v->valuedouble * 1e9;
        if (v->valuedouble < 0 || !isfinite(ns) || ns > MAX_DURATION_NS)
            raw_number(c, v, q, sizeof(q));
        if (v->valuedouble < 0)
            return fail(c, "%s is negative; expected a duration >= 0, e.g. \"5ms\"", q);
        if (!isfinite(ns) || ns > MAX_DURATION_NS)
            return fail(c, "%s seconds is too long; expected a duration below 292 years", q);
        t = (SimTime)llround(ns);
    } else if (looks_like_dist(v)) {
        return fail(c, "a distribution is not allowed here; expected a fixed duration such as \"5ms\" "
                       "(distributions are allowed in operations and machine.wake_latency)");
    } else {
        return fail(c, "expected a duration such as \"5ms\", got %s", type_name(v));
    }
    if (rule == DUR_POSITIVE && t == 0)
        return fail(c, "a zero duration is not allowed here; expected a duration > 0, e.g. \"5ms\"");
    *out = t;
    return 0;
}

/* A duration or {"uniform": [LOW, HIGH]} or {"exp": MEAN}. */
static int get_dist(Loader *c, const cJSON *v, SimDist *out)
{
    static const char forms[] = "{\"uniform\": [LOW, HIGH]} or {\"exp\": MEAN}";
    size_t mark;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(v)) {
        if (cJSON_IsArray(v))
            return fail(c, "expected a duration such as \"5ms\" or a distribution %s, got an array", forms);
        out->kind = SIM_DIST_FIXED;
        return get_duration(c, v, DUR_NONNEG, &out->a);
    }
    if ((rc = check_keys(c, v, DIST_KEYS, COUNT(DIST_KEYS))) < 0)
        return rc;
    const cJSON *uni = cJSON_GetObjectItemCaseSensitive(v, "uniform");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(v, "exp");
    if (uni && ex)
        return fail(c, "a distribution has one kind; expected either \"uniform\" or \"exp\", not both");
    if (!uni && !ex)
        return fail(c, "empty distribution; expected %s", forms);
    if (ex) {
        enter(c, v, "exp", &mark);
        out->kind = SIM_DIST_EXP;
        rc = get_duration(c, ex, DUR_POSITIVE, &out->a);
        path_pop(c, mark);
        return rc;
    }
    enter(c, v, "uniform", &mark);
    out->kind = SIM_DIST_UNIFORM;
    if (!cJSON_IsArray(uni))
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %s", type_name(uni));
    else if (cJSON_GetArraySize(uni) != 2)
        rc = fail(c, "expected [LOW, HIGH], an array of two durations, got %d element%s",
                  cJSON_GetArraySize(uni), cJSON_GetArraySize(uni) == 1 ? "" : "s");
    else {
        size_t m2 = path_push_index(c, 0);
        rc = get_duration(c, uni->child, DUR_NONNEG, &out->a);
        path_pop(c, m2);
        if (rc == 0) {
            m2 = path_push_index(c, 1);
            rc = get_duration(c, uni->child->next, DUR_NONNEG, &out->b);
            path_pop(c, m2);
        }
        if (rc == 0 && out->a > out->b) {
            char lo[48], hi[48];
            fmt_duration(out->a, lo, sizeof(lo));
            fmt_duration(out->b, hi, sizeof(hi));
            rc = fail(c, "low %s is greater than high %s; expected [LOW, HIGH] with LOW <= HIGH", lo, hi);
        }
    }
    path_pop(c, mark);
    return rc;
}

/* ---- Name table --------------------------------------------------------- */

static size_t name_slot(const NameTable *t, int scope, const char *name)
{
    uint64_t h = sim_fnv1a(name, strlen(name)) ^ ((uint64_t)(unsigned)scope * 0x9e3779b97f4a7c15ULL);
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slots[i].name && (t->slots[i].scope != scope || strcmp(t->slots[i].name, name) != 0))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Template index of name in scope, or -1. */
static int names_find(const NameTable *t, int scope, const char *name)
{
    if (!t->cap)
        return -1;
    size_t i = name_slot(t, scope, name);
    return t->slots[i].name ? t->slots[i].index : -1;
}

/* Adds a name known to be absent; name must outlive the table. */
static int names_add(NameTable *t, int scope, const char *name, int index)
{
    if ((t->n + 1) * 2 > t->cap) {
        NameTable bigger = {NULL, t->cap ? t->cap * 2 : 64, 0};
        bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
        if (!bigger.slots)
            return SIM_ERR_NOMEM;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].name)
                bigger.slots[name_slot(&bigger, t->slots[i].scope, t->slots[i].name)] = t->slots[i];
        bigger.n = t->n;
        free(t->slots);
        *t = bigger;
    }
    t->slots[name_slot(t, scope, name)] = (NameEntry){name, scope, index};
    t->n++;
    return 0;
}

/* ---- Templates ---------------------------------------------------------- */

static int grow_procs(Loader *c, int need)
{
    if (need <= c->cap_procs)
        return 0;
    int cap = c->cap_procs ? c->cap_procs * 2 : 8;
    while (cap < need)
        cap *= 2;
    SimProcessSpec *p = realloc(c->sc->procs, (size_t)cap * sizeof(*p));
    if (!p)
        return nomem(c);
    c->sc->procs = p;
    ProcExtra *e = realloc(c->extra, (size_t)cap * sizeof(*e));
    if (!e)
        return nomem(c);
    c->extra = e;
    memset(p + c->cap_procs, 0, (size_t)(cap - c->cap_procs) * sizeof(*p));
    memset(e + c->cap_procs, 0, (size_t)(cap - c->cap_procs) * sizeof(*e));
    c->cap_procs = cap;
    return 0;
}

static int grow_threads(Loader *c, int need)
{
    if (need <= c->cap_threads)
        return 0;
    int cap = c->cap_threads ? c->cap_threads * 2 : 8;
    while (cap < need)
        cap *= 2;
    SimThreadSpec *t = realloc(c->sc->threads, (size_t)cap * sizeof(*t));
    if (!t)
        return nomem(c);
    memset(t + c->cap_threads, 0, (size_t)(cap - c->cap_threads) * sizeof(*t));
    c->sc->threads = t;
    c->cap_threads = cap;
    return 0;
}

/* Registers a process name; fails if taken. The current path is its value. */
static int register_process_name(Loader *c, const char *name, int index)
{
    char q[64], first[320];
    int prev = names_find(&c->names, -1, name);
    if (prev >= 0) {
        locate(c, c->extra[prev].ptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate process name '%s' (first at %s)",
                    quote(name, q, sizeof(q)), first);
    }
    c->extra[index].ptr = path_dup(c);
    if (c->oom || names_add(&c->names, -1, name, index) < 0)
        return nomem(c);
    return 0;
}

/* ---- Programs ----------------------------------------------------------- */

static int compile_ops(Loader *c, const cJSON *arr, OpVec *vec, int thread, int depth);
static int compile_program(Loader *c, const cJSON *v, int thread);

/* Appends a zeroed op of `kind` to vec; *out points at it until the next push. */
static int op_push(Loader *c, OpVec *vec, int kind, SimOp **out)
{
    if (c->ops_made >= MAX_OPS)
        return fail_limit(c, "more than %u operations in all; at most %u are supported (a repeat "
                             "body counts once)", MAX_OPS, MAX_OPS);
    if (vec->n == vec->cap) {
        uint32_t cap = vec->cap ? vec->cap * 2 : 16;
        SimOp *v = realloc(vec->v, cap * sizeof(*v));
        if (!v)
            return nomem(c);
        vec->v = v;
        vec->cap = cap;
    }
    SimOp *op = &vec->v[vec->n++];
    memset(op, 0, sizeof(*op));
    op->kind = (uint8_t)kind;
    op->target = -1;
    op->obj = -1;
    op->timeout = -1; /* a join waits for as long as it takes */
    c->ops_made++;
    *out = op;
    return 0;
}

/* Adds the process and thread templates of an os.fork() child. */
static int add_fork_child(Loader *c, int parent_thread, int *child_proc, int *child_thread)
{
    SimScenario *sc = c->sc;
    int rc;
    if (sc->n_procs >= MAX_PROCS)
        return fail_limit(c, "more than %d processes (fork children included); at most %d are "
                             "supported", MAX_PROCS, MAX_PROCS);
    if (sc->n_threads >= MAX_THREADS)
        return fail_limit(c, "more than %d threads (fork children included); at most %d are "
                             "supported", MAX_THREADS, MAX_THREADS);
    if ((rc = grow_procs(c, sc->n_procs + 1)) < 0 || (rc = grow_threads(c, sc->n_threads + 1)) < 0)
        return rc;
    int p = sc->n_procs++, t = sc->n_threads++;
    SimProcessSpec *ps = &sc->procs[p];
    ps->start_method = SIM_START_OSFORK;
    ps->manual_start = true;
    ps->first_thread = t;
    ps->n_threads = 1;
    c->extra[p].parent = sc->threads[parent_thread].process;
    SimThreadSpec *ts = &sc->threads[t];
    ts->process = p;
    ts->name = strdup(sc->threads[parent_thread].name);
    if (!ts->name || names_add(&c->names, p, ts->name, t) < 0)
        return nomem(c);
    *child_proc = p;
    *child_thread = t;
    return 0;
}

static int compile_fork(Loader *c, const cJSON *f, int thread, int *target)
{
    size_t mark;
    int rc, p = 0, t = 0;
    const char *name = NULL;
    if (!cJSON_IsObject(f))
        return fail(c, "expected the child {\"name\": \"...\", \"program\": [...]}, got %s", type_name(f));
    if ((rc = check_keys(c, f, FORK_KEYS, COUNT(FORK_KEYS))) < 0)
        return rc;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(f, "program");
    if (!prog)
        return fail_missing(c, "program", "the child's operations, e.g. {\"program\": [{\"cpu\": \"1ms\"}]}");
    const cJSON *nv = enter(c, f, "name", &mark);
    if (nv) {
        rc = get_name(c, nv, &name);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    if ((rc = add_fork_child(c, thread, &p, &t)) < 0)
        return rc;
    if (name) {
        enter(c, f, "name", &mark);
        c->sc->procs[p].name = strdup(name);
        rc = c->sc->procs[p].name ? register_process_name(c, c->sc->procs[p].name, p) : nomem(c);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    } else if (!(c->extra[p].ptr = path_dup(c))) {
        return nomem(c);
    }
    *target = p;
    enter(c, f, "program", &mark);
    rc = compile_program(c, prog, t);
    path_pop(c, mark);
    return rc;
}

/* Compiles the op object at the current path into vec. */
static int compile_op(Loader *c, const cJSON *o, OpVec *vec, int thread, int depth)
{
    static const char usage[] = "expected one of cpu, c_call, nogil, io, sleep, repeat, start, join, fork";
    const cJSON *key = NULL, *do_item = NULL, *unknown = NULL;
    char q[64];
    size_t mark;
    int rc;

    if (!cJSON_IsObject(o))
        return fail(c, "expected an operation such as {\"cpu\": \"1ms\"}, got %s", type_name(o));
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        if (ignored_key(k))
            continue;
        if (find_name(OP_NAMES, N_OPS, k) >= 0) {
            if (key && strcmp(key->string, k) == 0)
                return fail_duplicate_key(c, k);
            if (key)
                return fail(c, "an operation has one kind, got both '%s' and '%s'; expected one "
                               "operation per object, e.g. [{\"cpu\": \"1ms\"}, {\"io\": \"2ms\"}]",
                            key->string, k);
            key = m;
        } else if (strcmp(k, "do") == 0) {
            if (do_item)
                return fail_duplicate_key(c, k);
            do_item = m;
        } else if (!unknown) {
            unknown = m;
        }
    }
    if (!key && unknown) {
        /* Shown at the op object, located at the misspelt key. */
        const char *k = unknown->string ? unknown->string : "";
        char *at = path_child(c, k);
        if (!at)
            return nomem(c);
        rc = fail_loc(c, SIM_ERR_INVALID, c->path, at, AT_KEY, 0, "unknown operation '%s'; %s",
                      quote(k, q, sizeof(q)), usage);
        free(at);
        return rc;
    }
    if (!key && do_item)
        return fail(c, "'do' without 'repeat'; expected {\"repeat\": N, \"do\": [...]}");
    if (!key)
        return fail(c, "empty operation; %s", usage);
    int kind = find_name(OP_NAMES, N_OPS, key->string);
    if (unknown || (do_item && kind != SIM_OP_REPEAT)) {
        const cJSON *bad = unknown ? unknown : do_item;
        /* Report whichever of the two comes first in the object. */
        if (unknown && do_item && kind != SIM_OP_REPEAT) {
            for (const cJSON *m = o->child; m; m = m->next)
                if (m == do_item || m == unknown) {
                    bad = m;
                    break;
                }
        }
        mark = path_push_key(c, bad->string);
        if (kind == SIM_OP_REPEAT)
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                          "unknown key '%s' in a repeat operation; expected only \"repeat\" and \"do\"",
                          quote(bad->string, q, sizeof(q)));
        else
            rc = fail_loc(c, SIM_ERR_INVALID, c->path, c->path, AT_KEY, 0,
                          "unknown key '%s' in a %s operation; expected only \"%s\"",
                          quote(bad->string, q, sizeof(q)), OP_NAMES[kind], OP_NAMES[kind]);
        path_pop(c, mark);
        return rc;
    }

    mark = path_push_key(c, key->string);
    switch (kind) {
    case SIM_OP_CPU:
    case SIM_OP_C_CALL:
    case SIM_OP_NOGIL:
    case SIM_OP_IO:
    case SIM_OP_SLEEP: {
        SimDist d;
        if ((rc = get_dist(c, key, &d)) < 0)
            break;
        SimOp *op;
        if ((rc = op_push(c, vec, kind, &op)) < 0)
            break;
        op->dur = d;
        break;
    }
    case SIM_OP_REPEAT: {
        double n;
        if ((rc = get_integer(c, key, 0, INT32_MAX, &n)) < 0)
            break;
        path_pop(c, mark);
        if (!do_item)
            return fail_missing(c, "do", "the operations to repeat, e.g. {\"repeat\": 10, \"do\": "
                                         "[{\"cpu\": \"1ms\"}]}");
        if (depth + 1 > MAX_REPEAT_DEPTH)
            return fail(c, "repeat nested %d levels deep; expected at most %d levels", depth + 1,
                        MAX_REPEAT_DEPTH);
        mark = path_push_key(c, "do");
        if (!cJSON_IsArray(do_item)) {
            rc = fail(c, "expected an array of operations, got %s", type_name(do_item));
            break;
        }
        SimOp *op;
        if ((rc = op_push(c, vec, SIM_OP_REPEAT, &op)) < 0)
            break;
        uint32_t at = vec->n - 1;
        vec->v[at].count = (uint32_t)n;
        if ((rc = compile_ops(c, do_item, vec, thread, depth + 1)) < 0)
            break;
        vec->v[at].body_len = vec->n - at - 1;
        break;
    }
    case SIM_OP_START:
    case SIM_OP_JOIN: {
        const char *name;
        if ((rc = get_string(c, key, "the name of a thread or process", &name)) < 0)
            break;
        if (!*name) {
            rc = fail(c, "the name is empty; expected the name of a thread or process");
            break;
        }
        if (c->n_refs == c->cap_refs) {
            size_t cap = c->cap_refs ? c->cap_refs * 2 : 16;
            Ref *r = realloc(c->refs, cap * sizeof(*r));
            if (!r) {
                rc = nomem(c);
                break;
            }
            c->refs = r;
            c->cap_refs = cap;
        }
        SimOp *op;
        if ((rc = op_push(c, vec, kind, &op)) < 0)
            break;
        Ref *r = &c->refs[c->n_refs];
        r->thread = thread;
        r->op = vec->n - 1;
        r->name = name;
        r->ptr = path_dup(c);
        if (!r->ptr) {
            rc = nomem(c);
            break;
        }
        c->n_refs++;
        break;
    }
    case SIM_OP_FORK: {
        int target = -1;
        /* The child's program is compiled (and appended) before the op is
         * pushed, so the op count check sees the child's ops first. */
        if ((rc = compile_fork(c, key, thread, &target)) < 0)
            break;
        SimOp *op;
        if ((rc = op_push(c, vec, SIM_OP_FORK, &op)) < 0)
            break;
        op->target = target;
        break;
    }
    default:
        rc = 0;
        break;
    }
    path_pop(c, mark);
    return rc;
}

static int compile_ops(Loader *c, const cJSON *arr, OpVec *vec, int thread, int depth)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        size_t mark = path_push_index(c, i);
        int rc = compile_op(c, o, vec, thread, depth);
        path_pop(c, mark);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Compiles the program at the current path and appends it to sc->ops as
 * the program of `thread`. */
static int compile_program(Loader *c, const cJSON *v, int thread)
{
    OpVec vec = {NULL, 0, 0};
    SimScenario *sc = c->sc;
    int rc;
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of operations, got %s", type_name(v));
    rc = compile_ops(c, v, &vec, thread, 0);
    if (rc == 0 && sc->n_ops + vec.n > c->cap_ops) {
        uint32_t cap = c->cap_ops ? c->cap_ops : 64;
        while (cap < sc->n_ops + vec.n)
            cap *= 2;
        SimOp *ops = realloc(sc->ops, cap * sizeof(*ops));
        if (!ops) {
            rc = nomem(c);
        } else {
            sc->ops = ops;
            c->cap_ops = cap;
        }
    }
    if (rc == 0) {
        if (vec.n)
            memcpy(sc->ops + sc->n_ops, vec.v, vec.n * sizeof(*vec.v));
        sc->threads[thread].prog_first = sc->n_ops;
        sc->threads[thread].prog_len = vec.n;
        sc->n_ops += vec.n;
    }
    free(vec.v);
    return rc;
}

/* ---- Processes and threads ---------------------------------------------- */

static int load_thread(Loader *c, const cJSON *t, int proc, int index)
{
    SimScenario *sc = c->sc;
    SimThreadSpec *ts = &sc->threads[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64], q2[64], first[320], fptr[64];

    if (!cJSON_IsObject(t))
        return fail(c, "expected a thread such as {\"name\": \"worker\", \"program\": [...]}, got %s",
                    type_name(t));
    if ((rc = check_keys(c, t, THREAD_KEYS, COUNT(THREAD_KEYS))) < 0)
        return rc;
    ts->process = proc;
    if (!(v = enter(c, t, "name", &mark)))
        return fail_missing(c, "name", "a string naming the thread");
    if ((rc = get_name(c, v, &name)) < 0)
        return rc;
    int prev = names_find(&c->names, proc, name);
    if (prev >= 0) {
        snprintf(fptr, sizeof(fptr), "/processes/%d/threads/%d/name", proc,
                 prev - sc->procs[proc].first_thread);
        locate(c, fptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate thread name '%s' in process '%s' (first at %s)",
                    quote(name, q, sizeof(q)), quote(sc->procs[proc].name, q2, sizeof(q2)), first);
    }
    if (!(ts->name = strdup(name)) || names_add(&c->names, proc, ts->name, index) < 0)
        return nomem(c);
    path_pop(c, mark);

    if ((v = enter(c, t, "daemon", &mark))) {
        if ((rc = get_bool(c, v, &ts->daemon)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, t, "start", &mark))) {
        if ((rc = get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ts->manual_start = mode == 1;
        path_pop(c, mark);
    }
    if (!(v = enter(c, t, "program", &mark)))
        return fail_missing(c, "program", "an array of operations (it may be empty)");
    if ((rc = compile_program(c, v, index)) < 0)
        return rc;
    path_pop(c, mark);
    return 0;
}

static int load_process(Loader *c, const cJSON *p, int index, int first_thread)
{
    SimScenario *sc = c->sc;
    SimProcessSpec *ps = &sc->procs[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64];

    c->extra[index].parent = -1;
    if (!cJSON_IsObject(p))
        return fail(c, "expected a process such as {\"name\": \"main\", \"threads\": [...]}, got %s",
                    type_name(p));
    if ((rc = check_keys(c, p, PROCESS_KEYS, COUNT(PROCESS_KEYS))) < 0)
        return rc;
    if (!(v = enter(c, p, "name", &mark)))
        return fail_missing(c, "name", "a string naming the process");
    if ((rc = get_name(c, v, &name)) < 0)
        return rc;
    if (!(ps->name = strdup(name)))
        return nomem(c);
    if ((rc = register_process_name(c, ps->name, index)) < 0)
        return rc;
    path_pop(c, mark);

    if ((v = enter(c, p, "start", &mark))) {
        if ((rc = get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ps->manual_start = mode == 1;
        path_pop(c, mark);
    }
    ps->start_method = c->default_method;
    if ((v = enter(c, p, "start_method", &mark))) {
        if ((rc = get_enum(c, v, METHOD_NAMES, COUNT(METHOD_NAMES), "a start method", &mode)) < 0)
            return rc;
        ps->start_method = (uint8_t)mode;
        path_pop(c, mark);
    }
    if (!ps->manual_start)
        ps->start_method = SIM_START_INITIAL;

    if (!(v = enter(c, p, "threads", &mark)))
        return fail_missing(c, "threads", "an array of threads");
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of threads, got %s", type_name(v));
    if (!v->child)
        return fail(c, "process '%s' has no threads; expected at least one thread",
                    quote(ps->name, q, sizeof(q)));
    ps->first_thread = first_thread;
    ps->n_threads = cJSON_GetArraySize(v);
    size_t j = 0;
    for (const cJSON *t = v->child; t; t = t->next, j++) {
        size_t m2 = path_push_index(c, j);
        if ((rc = load_thread(c, t, index, first_thread + (int)j)) < 0)
            return rc;
        path_pop(c, m2);
    }
    path_pop(c, mark);
    return 0;
}

static int load_processes(Loader *c, const cJSON *arr)
{
    SimScenario *sc = c->sc;
    int rc;
    if (!cJSON_IsArray(arr))
        return fail(c, "expected an array of processes, got %s", type_name(arr));
    if (!arr->child)
        return fail(c, "the array is empty; expected at least one process, e.g. "
                       "{\"name\": \"main\", \"threads\": [...]}");
    int np = cJSON_GetArraySize(arr);
    if (np > MAX_PROCS)
        return fail_limit(c, "%d processes; at most %d are supported", np, MAX_PROCS);
    /* Thread templates of declared processes come first and contiguous, so
     * their indices are fixed before any fork child is appended. */
    long nt = 0;
    for (const cJSON *p = arr->child; p; p = p->next) {
        const cJSON *t = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, "threads") : NULL;
        if (cJSON_IsArray(t))
            nt += cJSON_GetArraySize(t);
    }
    if (nt > MAX_THREADS)
        return fail_limit(c, "%ld threads in all; at most %d are supported", nt, MAX_THREADS);
    if ((rc = grow_procs(c, np)) < 0 || (rc = grow_threads(c, (int)nt)) < 0)
        return rc;
    sc->n_procs = np;
    sc->n_threads = (int)nt;
    c->n_decl_procs = np;

    int i = 0, first = 0;
    for (const cJSON *p = arr->child; p; p = p->next, i++) {
        size_t mark = path_push_index(c, (size_t)i);
        if ((rc = load_process(c, p, i, first)) < 0)
            return rc;
        first += sc->procs[i].n_threads;
        path_pop(c, mark);
    }
    return 0;
}

/* Default names of fork children: "<parent>-child", then "-2", "-3"... */
static int name_fork_children(Loader *c)
{
    SimScenario *sc = c->sc;
    for (int p = c->n_decl_procs; p < sc->n_procs; p++) {
        if (sc->procs[p].name)
            continue;
        const char *parent = sc->procs[c->extra[p].parent].name;
        size_t len = strlen(parent) + 32;
        char *name = malloc(len);
        if (!name)
            return nomem(c);
        snprintf(name, len, "%s-child", parent);
        for (int k = 2; names_find(&c->names, -1, name) >= 0; k++)
            snprintf(name, len, "%s-child-%d", parent, k);
        sc->procs[p].name = name;
        if (names_add(&c->names, -1, name, p) < 0)
            return nomem(c);
    }
    return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail_ref(Loader *c, const Ref *r, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail_loc(c, SIM_ERR_INVALID, r->ptr, r->ptr, AT_VALUE, 0, "%s", msg);
}

static int resolve_ref(Loader *c, const Ref *r)
{
    SimScenario *sc = c->sc;
    SimOp *op = &sc->ops[sc->threads[r->thread].prog_first + r->op];
    int p = sc->threads[r->thread].process;
    bool start = op->kind == SIM_OP_START;
    const char *verb = start ? "start" : "join";
    char q[64], q2[64], where[320];
    quote(r->name, q, sizeof(q));

    int u = names_find(&c->names, p, r->name);
    if (u >= 0) {
        if (u == r->thread)
            return fail_ref(c, r, "thread '%s' cannot %s itself; expected another thread or a process",
                            q, verb);
        if (start && !sc->threads[u].manual_start)
            return fail_ref(c, r, "thread '%s' starts with its process; declare it with "
                                  "\"start\": \"manual\" to start it here", q);
        op->target_kind = SIM_TARGET_THREAD;
        op->target = u;
        return 0;
    }
    int t = names_find(&c->names, -1, r->name);
    if (t < 0) {
        const char *best = NULL;
        int best_d = INT_MAX;
        const SimProcessSpec *ps = &sc->procs[p];
        for (int i = ps->first_thread; i < ps->first_thread + ps->n_threads; i++)
            suggest_consider(r->name, sc->threads[i].name, &best, &best_d);
        for (int i = 0; i < sc->n_procs; i++)
            suggest_consider(r->name, sc->procs[i].name, &best, &best_d);
        quote(sc->procs[p].name, q2, sizeof(q2));
        if (best)
            return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; did you mean '%s'?",
                            q, q2, q, best);
        return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; expected the name "
                              "of a thread of this process or of a process", q, q2, q);
    }
    if (t == p)
        return fail_ref(c, r, "a thread cannot %s its own process '%s'; expected another process or a "
                              "thread", verb, q);
    if (start && t >= c->n_decl_procs) {
        locate(c, c->extra[t].ptr, AT_VALUE, 0, true, where, sizeof(where));
        return fail_ref(c, r, "process '%s' is created by the fork at %s and cannot be started; "
                              "expected a process declared with \"start\": \"manual\"", q, where);
    }
    if (start && !sc->procs[t].manual_start)
        return fail_ref(c, r, "process '%s' starts with the run; declare it with \"start\": \"manual\" "
                              "to start it here", q);
    op->target_kind = SIM_TARGET_PROCESS;
    op->target = t;
    return 0;
}

/* ---- Configuration ------------------------------------------------------ */

/* "MAJOR.MINOR" for the supported versions: 2.0-2.7, 3.0-3.14. */
static bool parse_version(const char *s, int *major, int *minor)
{
    if ((s[0] != '2' && s[0] != '3') || s[1] != '.')
        return false;
    const char *m = s + 2;
    size_t digits = strspn(m, "0123456789");
    if (digits == 0 || digits > 2 || m[digits] || (digits == 2 && m[0] == '0'))
        return false;
    int mi = atoi(m), ma = s[0] - '0';
    if ((ma == 2 && mi > 7) || (ma == 3 && mi > 14))
        return false;
    *major = ma;
    *minor = mi;
    return true;
}

static int load_machine(Loader *c, const cJSON *m, SimConfig *cfg)
{
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    if (!cJSON_IsObject(m))
        return fail(c, "expected an object, got %s", type_name(m));
    if ((rc = check_keys(c, m, MACHINE_KEYS, COUNT(MACHINE_KEYS))) < 0)
        return rc;
    if ((v = enter(c, m, "cores", &mark))) {
        if ((rc = get_integer(c, v, 1, 1024, &n)) < 0)
            return rc;
        cfg->cores = (int)n;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "time_slice", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->time_slice)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "context_switch", &mark))) {
        if ((rc = get_duration(c, v, DUR_NONNEG, &cfg->ctx_switch)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "wake_latency", &mark))) {
        if ((rc = get_dist(c, v, &cfg->wake_latency)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, m, "wakeup_policy", &mark))) {
        if ((rc = get_enum(c, v, WAKE_NAMES, COUNT(WAKE_NAMES), "a wakeup policy", &e)) < 0)
            return rc;
        cfg->wake_policy = (uint8_t)e;
        path_pop(c, mark);
    }
    return 0;
}

static int load_python(Loader *c, const cJSON *py, SimConfig *cfg)
{
    static const struct {
        const char *key;
        size_t offset;
    } plain[] = {
        {"tick_cost", offsetof(SimConfig, tick_cost)},
        {"thread_start_cost", offsetof(SimConfig, thread_start_cost)},
        {"fork_cost", offsetof(SimConfig, fork_cost)},
        {"spawn_cost", offsetof(SimConfig, spawn_cost)},
        {"forkserver_cost", offsetof(SimConfig, forkserver_cost)},
        {"ipc_cost", offsetof(SimConfig, ipc_cost)},
    };
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    char q[64];

    if (py) {
        if (!cJSON_IsObject(py))
            return fail(c, "expected an object, got %s", type_name(py));
        if ((rc = check_keys(c, py, PYTHON_KEYS, COUNT(PYTHON_KEYS))) < 0)
            return rc;
        if ((v = enter(c, py, "version", &mark))) {
            const char *text = override_text(c, v);
            if (!text && cJSON_IsNumber(v))
                return fail(c, "expected a string such as \"3.12\", got a number; quote the version "
                               "(as a number, 3.10 would be 3.1)");
            if (!text && (!cJSON_IsString(v) || !v->valuestring))
                return fail(c, "expected a string such as \"3.12\", got %s", type_name(v));
            if (!text)
                text = v->valuestring;
            if (!parse_version(text, &cfg->py_major, &cfg->py_minor))
                return fail(c, "'%s' is not a supported Python version; expected \"2.0\" to \"2.7\" or "
                               "\"3.0\" to \"3.14\"", quote(text, q, sizeof(q)));
            path_pop(c, mark);
        }
    }
    /* Version-dependent defaults, before the explicit values below. */
    int ver = cfg->py_major * 100 + cfg->py_minor;
    cfg->gil = ver < 302 ? SIM_GIL_OLD : SIM_GIL_NEW;
    cfg->check_point_gap = ver <= 309 ? 30 : 100;
    c->default_method = ver >= 314 ? SIM_START_FORKSERVER : SIM_START_FORK;
    if (!py)
        return 0;

    if ((v = enter(c, py, "gil", &mark))) {
        if ((rc = get_enum(c, v, GIL_NAMES, COUNT(GIL_NAMES), "a GIL policy", &e)) < 0)
            return rc;
        cfg->gil = (uint8_t)e;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "switch_interval", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->switch_interval)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "check_point_gap", &mark))) {
        if ((rc = get_duration(c, v, DUR_POSITIVE, &cfg->check_point_gap)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "check_interval", &mark))) {
        if ((rc = get_integer(c, v, 1, INT_MAX, &n)) < 0)
            return rc;
        cfg->check_interval = (int)n;
        path_pop(c, mark);
    }
    if ((v = enter(c, py, "ft_overhead", &mark))) {
        char num[48];
        if (!cJSON_IsNumber(v))
            return fail(c, "expected a number from 1 to 1000, got %s", type_name(v));
        if (!isfinite(v->valuedouble) || v->valuedouble < 1.0 || v->valuedouble > 1000.0) {
            raw_number(c, v, num, sizeof(num));
            return fail(c, "%s is out of range; expected a number from 1 to 1000", num);
        }
        cfg->ft_overhead = v->valuedouble;
        path_pop(c, mark);
    }
    for (int i = 0; i < COUNT(plain); i++) {
        if ((v = enter(c, py, plain[i].key, &mark))) {
            int rule = strcmp(plain[i].key, "tick_cost") == 0 ? DUR_POSITIVE : DUR_NONNEG;
            if ((rc = get_duration(c, v, rule, (SimTime *)((char *)cfg + plain[i].offset))) < 0)
                return rc;
            path_pop(c, mark);
        }
    }
    return 0;
}

/* ---- Overrides ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail_override(Loader *c, const Override *o, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (c->oom)
        return nomem(c);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_error_set(c->err, SIM_ERR_INVALID, "--set %s: %s: %s", o->raw,
                         c->path[0] ? c->path : "/", msg);
}

static bool parse_index_seg(const char *s, int *out)
{
    size_t l = strlen(s);
    if (l == 0 || l > 9 || strspn(s, "0123456789") != l || (l > 1 && s[0] == '0'))
        return false;
    *out = atoi(s);
    return true;
}

/* The override value: JSON if it is valid JSON, else the text as a string. */
static cJSON *override_value(const char *value)
{
    size_t off;
    char why[8];
    if (jsonloc_check(value, strlen(value), &off, why, sizeof(why)) == 0)
        return cJSON_ParseWithOpts(value, NULL, 1); /* NULL: out of memory */
    return cJSON_CreateString(value);
}

static int apply_override(Loader *c, cJSON *root, Override *o)
{
    const char *raw = o->raw;
    const char *eq = strchr(raw, '=');
    size_t klen = eq ? (size_t)(eq - raw) : 0;
    bool bad = klen == 0 || raw[0] == '.' || raw[klen - 1] == '.';
    for (size_t i = 0; !bad && i + 1 < klen; i++)
        bad = raw[i] == '.' && raw[i + 1] == '.';
    int rc = 0;
    path_pop(c, 0);
    if (bad)
        return sim_error_set(c->err, SIM_ERR_INVALID,
                             "--set %s: expected KEY=VALUE, e.g. python.switch_interval=1ms", raw);
    o->value = eq + 1;
    char *key = strndup(raw, (size_t)(eq - raw));
    if (!key)
        return nomem(c);
    cJSON *node = root;
    char *seg = key;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        bool last = !dot;
        cJSON *child;
        if (cJSON_IsObject(node)) {
            child = cJSON_GetObjectItemCaseSensitive(node, seg);
            path_push_key(c, seg);
            if (last) {
                cJSON *nv = override_value(o->value);
                bool ok = nv && (child ? cJSON_ReplaceItemInObjectCaseSensitive(node, seg, nv)
                                       : cJSON_AddItemToObject(node, seg, nv));
                if (!ok)
                    cJSON_Delete(nv);
                /* cJSON replaces even when it could not copy the key. */
                if (!ok || !nv->string)
                    rc = nomem(c);
                break;
            }
            if (!child && !(child = cJSON_AddObjectToObject(node, seg))) {
                rc = nomem(c);
                break;
            }
        } else if (cJSON_IsArray(node)) {
            int idx, size = cJSON_GetArraySize(node);
            char q[64];
            if (!parse_index_seg(seg, &idx)) {
                rc = fail_override(c, o, "expected an array index, got '%s'", quote(seg, q, sizeof(q)));
                break;
            }
            if (idx >= size) {
                if (size == 0)
                    rc = fail_override(c, o, "index %d is out of range; the array is empty", idx);
                else
                    rc = fail_override(c, o, "index %d is out of range; expected 0 to %d", idx, size - 1);
                break;
            }
            path_push_index(c, (size_t)idx);
            if (last) {
                cJSON *nv = override_value(o->value);
                if (!nv || !cJSON_ReplaceItemInArray(node, idx, nv)) {
                    cJSON_Delete(nv);
                    rc = nomem(c);
                }
                break;
            }
            child = cJSON_GetArrayItem(node, idx);
        } else {
            char q[64];
            rc = fail_override(c, o, "expected an object to set '%s' in, got %s", quote(seg, q, sizeof(q)),
                               type_name(node));
            break;
        }
        node = child;
        seg = dot + 1;
    }
    free(key);
    if (rc == 0 && !(o->ptr = path_dup(c)))
        rc = nomem(c);
    path_pop(c, 0);
    return rc;
}

static int apply_overrides(Loader *c, cJSON *root, const char *const *overrides, int n)
{
    if (n <= 0 || !overrides)
        return 0;
    c->ov = calloc((size_t)n, sizeof(*c->ov));
    if (!c->ov)
        return nomem(c);
    for (int k = 0; k < n; k++) {
        c->ov[k].raw = overrides[k] ? overrides[k] : "";
        c->n_ov = k + 1;
        int rc = apply_override(c, root, &c->ov[k]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- The scenario ------------------------------------------------------- */

static int load_root(Loader *c, const cJSON *root)
{
    SimScenario *sc = c->sc;
    size_t mark;
    int rc;
    const cJSON *v;
    const char *s;

    if ((rc = check_keys(c, root, ROOT_KEYS, COUNT(ROOT_KEYS))) < 0)
        return rc;
    if ((v = enter(c, root, "schema_version", &mark))) {
        if (!cJSON_IsNumber(v))
            return fail(c, "expected the integer 1, got %s", type_name(v));
        if (v->valuedouble != 1.0) {
            char num[48];
            raw_number(c, v, num, sizeof(num));
            return fail(c, "schema version %s is not supported; expected 1", num);
        }
        path_pop(c, mark);
    }
    if (!(v = enter(c, root, "name", &mark)))
        return fail_missing(c, "name", "a string naming the scenario");
    if ((rc = get_name(c, v, &s)) < 0)
        return rc;
    if (!(sc->name = strdup(s)))
        return nomem(c);
    path_pop(c, mark);
    if ((v = enter(c, root, "description", &mark))) {
        if ((rc = get_string(c, v, "a string", &s)) < 0)
            return rc;
        path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->description = strdup(s)))
        return nomem(c);
    if ((v = enter(c, root, "lesson", &mark))) {
        if ((rc = get_string(c, v, "a string", &s)) < 0)
            return rc;
        path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->lesson = strdup(s)))
        return nomem(c);
    if ((v = enter(c, root, "seed", &mark))) {
        if ((rc = get_seed(c, v, &sc->cfg.seed)) < 0)
            return rc;
        path_pop(c, mark);
    }

    v = enter(c, root, "python", &mark);
    rc = load_python(c, v, &sc->cfg);
    if (rc < 0)
        return rc;
    if (v)
        path_pop(c, mark);
    /* CPython keeps the interval in whole microseconds, at least 1. */
    sc->cfg.switch_interval = sc->cfg.switch_interval / NS_PER_US * NS_PER_US;
    if (sc->cfg.switch_interval < NS_PER_US)
        sc->cfg.switch_interval = NS_PER_US;

    if ((v = enter(c, root, "machine", &mark))) {
        if ((rc = load_machine(c, v, &sc->cfg)) < 0)
            return rc;
        path_pop(c, mark);
    }
    if (!(v = enter(c, root, "processes", &mark)))
        return fail_missing(c, "processes", "an array of processes, e.g. [{\"name\": \"main\", "
                                            "\"threads\": [...]}]");
    if ((rc = load_processes(c, v)) < 0)
        return rc;
    path_pop(c, mark);

    if ((rc = name_fork_children(c)) < 0)
        return rc;
    for (size_t i = 0; i < c->n_refs; i++)
        if ((rc = resolve_ref(c, &c->refs[i])) < 0)
            return rc;
    return c->oom ? nomem(c) : 0;
}

/* A parse error at byte off of the text. */
static int fail_parse(Loader *c, size_t off, const char *why)
{
    int line, col;
    jsonloc_linecol(c->text, c->len, off, &line, &col);
    return sim_error_set(c->err, SIM_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", c->source, line, col, why);
}

static void loader_fini(Loader *c)
{
    for (int k = 0; k < c->n_ov; k++)
        free(c->ov[k].ptr);
    free(c->ov);
    for (size_t i = 0; i < c->n_refs; i++)
        free(c->refs[i].ptr);
    free(c->refs);
    for (int p = 0; p < c->cap_procs; p++)
        free(c->extra[p].ptr);
    free(c->extra);
    free(c->names.slots);
    free(c->path);
}

int sim_scenario_load_text(const char *name, const char *text, size_t len,
                           const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    Loader c;
    cJSON *root = NULL;
    char *copy = NULL;
    int rc;

    if (!out)
        return sim_error_set(err, SIM_ERR_INVALID, "sim_scenario_load_text: no result pointer");
    *out = NULL;
    if (!name)
        name = "(scenario)";
    if (!text)
        len = 0;
    memset(&c, 0, sizeof(c));
    c.source = name;
    c.err = err;
    c.sc = calloc(1, sizeof(*c.sc));
    copy = malloc(len + 1);
    if (!c.sc || !copy || !path_reserve(&c, 0)) {
        rc = nomem(&c);
        goto out;
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    c.text = copy;
    c.len = len;
    c.path[0] = '\0';
    c.sc->hash = sim_fnv1a(copy, len);
    sim_config_defaults(&c.sc->cfg);
    if (!(c.sc->source = strdup(name))) {
        rc = nomem(&c);
        goto out;
    }

    size_t off;
    char why[200];
    if (jsonloc_check(copy, len, &off, why, sizeof(why)) < 0) {
        rc = fail_parse(&c, off, why);
        goto out;
    }
    const char *start = copy, *end = NULL;
    if (len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0)
        start += 3;
    root = cJSON_ParseWithOpts(start, &end, 1);
    if (!root) {
        /* Valid JSON that cJSON still refuses: a number cJSON cannot read
         * in one piece (it stops at 63 characters), else out of memory. */
        bool long_number = end && end > start && end < copy + len && strchr("0123456789", *end) &&
                           strchr("0123456789.eE+-", end[-1]);
        rc = long_number ? fail_parse(&c, (size_t)(end - copy), "number too long; expected at most 63 "
                                                                  "characters")
                         : nomem(&c);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = fail(&c, "expected an object (the scenario), got %s", type_name(root));
        goto out;
    }
    if ((rc = apply_overrides(&c, root, overrides, n_overrides)) < 0)
        goto out;
    rc = load_root(&c, root);
out:
    cJSON_Delete(root);
    loader_fini(&c);
    free(copy);
    if (rc < 0) {
        sim_scenario_destroy(c.sc);
        return rc;
    }
    *out = c.sc;
    return SIM_OK;
}

int sim_scenario_load_file(const char *path, const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    if (out)
        *out = NULL;
    if (!path)
        return sim_error_set(err, SIM_ERR_IO, "(null): cannot read: no path given");
    FILE *f = fopen(path, "rb");
    if (!f)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int rc = SIM_OK;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int e = errno;
                rc = sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(e ? e : EIO));
            }
            break;
        }
        if (cap >= MAX_FILE_BYTES) {
            rc = sim_error_set(err, SIM_ERR_LIMIT, "%s: the file is larger than %u MiB; expected a "
                                                   "scenario of reasonable size", path, MAX_FILE_BYTES >> 20);
            break;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return sim_error_set(err, SIM_ERR_NOMEM, "%s: out of memory", path);
    if (rc == SIM_OK)
        rc = sim_scenario_load_text(path, buf, n, overrides, n_overrides, out, err);
    free(buf);
    return rc;
}

void sim_scenario_destroy(SimScenario *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->n_procs; i++)
        free(sc->procs[i].name);
    for (int i = 0; i < sc->n_threads; i++)
        free(sc->threads[i].name);
    for (int i = 0; i < sc->n_prims; i++)
        free(sc->prims[i].name);
    for (int i = 0; i < sc->n_shared; i++)
        free(sc->shared[i].name);
    free(sc->procs);
    free(sc->threads);
    free(sc->ops);
    free(sc->prims);
    free(sc->shared);
    free(sc->pools);
    free(sc->name);
    free(sc->description);
    free(sc->lesson);
    free(sc->source);
    free(sc);
}

const char *sim_scenario_name(const SimScenario *sc)
{
    return sc->name ? sc->name : "";
}

const char *sim_scenario_description(const SimScenario *sc)
{
    return sc->description ? sc->description : "";
}

const char *sim_scenario_lesson(const SimScenario *sc)
{
    return sc->lesson ? sc->lesson : "";
}

uint64_t sim_scenario_seed(const SimScenario *sc)
{
    return sc->cfg.seed;
}

uint64_t sim_scenario_hash(const SimScenario *sc)
{
    return sc->hash;
}

/* ---- Explaining the configuration --------------------------------------- */

typedef struct Out {
    char buf[4096];
    size_t len;
} Out;

__attribute__((format(printf, 2, 3)))
static void out_add(Out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->len >= sizeof(o->buf))
        return;
    va_start(ap, fmt);
    int l = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
    va_end(ap);
    if (l > 0)
        o->len += (size_t)l;
}

static void out_duration(Out *o, const char *key, SimTime t, bool last)
{
    char d[48];
    fmt_duration(t, d, sizeof(d));
    out_add(o, "    \"%s\": \"%s\"%s\n", key, d, last ? "" : ",");
}

char *sim_scenario_explain_config(const SimScenario *sc)
{
    const SimConfig *cfg = &sc->cfg;
    Out *o = malloc(sizeof(*o));
    char a[48], b[48], num[48];
    if (!o)
        return NULL;
    o->len = 0;
    out_add(o, "{\n  \"seed\": %llu,\n  \"machine\": {\n", (unsigned long long)cfg->seed);
    out_add(o, "    \"cores\": %d,\n", cfg->cores);
    out_duration(o, "time_slice", cfg->time_slice, false);
    out_duration(o, "context_switch", cfg->ctx_switch, false);
    fmt_duration(cfg->wake_latency.a, a, sizeof(a));
    fmt_duration(cfg->wake_latency.b, b, sizeof(b));
    if (cfg->wake_latency.kind == SIM_DIST_UNIFORM)
        out_add(o, "    \"wake_latency\": {\"uniform\": [\"%s\", \"%s\"]},\n", a, b);
    else if (cfg->wake_latency.kind == SIM_DIST_EXP)
        out_add(o, "    \"wake_latency\": {\"exp\": \"%s\"},\n", a);
    else
        out_add(o, "    \"wake_latency\": \"%s\",\n", a);
    out_add(o, "    \"wakeup_policy\": \"%s\"\n  },\n  \"python\": {\n",
            cfg->wake_policy < COUNT(WAKE_NAMES) ? WAKE_NAMES[cfg->wake_policy] : "random");
    out_add(o, "    \"version\": \"%d.%d\",\n", cfg->py_major, cfg->py_minor);
    out_add(o, "    \"gil\": \"%s\",\n", cfg->gil < SIM_GIL_POLICY_COUNT ? GIL_NAMES[cfg->gil] : "new");
    out_duration(o, "switch_interval", cfg->switch_interval, false);
    out_duration(o, "check_point_gap", cfg->check_point_gap, false);
    out_add(o, "    \"check_interval\": %d,\n", cfg->check_interval);
    out_duration(o, "tick_cost", cfg->tick_cost, false);
    fmt_double(cfg->ft_overhead, num, sizeof(num));
    out_add(o, "    \"ft_overhead\": %s,\n", num);
    out_duration(o, "thread_start_cost", cfg->thread_start_cost, false);
    out_duration(o, "fork_cost", cfg->fork_cost, false);
    out_duration(o, "spawn_cost", cfg->spawn_cost, false);
    out_duration(o, "forkserver_cost", cfg->forkserver_cost, false);
    out_duration(o, "ipc_cost", cfg->ipc_cost, true);
    out_add(o, "  }\n}\n");
    char *s = strdup(o->buf);
    free(o);
    return s;
}
