/*
 * sweep_key.c - swept values: a --set value that is a range
 * ("0.1ms..50ms:log:12", "1..8:lin:8") or a list ("1,2,4") becomes the
 * exact texts passed to the scenario and their numeric values.
 *
 * Range points are rounded to the fewest significant digits (at least 3)
 * that keep them apart, and the ends stay exactly as given, so the CSV and
 * the chart show "175.7us", not "175.702366us".
 *
 * Invariant: a numeric key's every value text parses back to its numeric
 * value (NAN for the values of a key that is not numeric), and a range's
 * values strictly increase.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration_text.h"
#include "sweep.h"

#define MAX_VALUES 10000    /* values of one swept key */

static int why_set(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* A duration with a unit ("5ms", "0.1 ms"); bare numbers are not. */
static bool parse_duration(const char *s, SimTime *ns)
{
    return sim_duration_parse(s, ns) == SIM_OK;
}

static bool parse_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (errno || end == s || *end || !isfinite(x))
        return false;
    *v = x;
    return true;
}

static bool looks_integer(const char *s)
{
    return !strpbrk(s, ".eEnNiI");
}

/* The unit a duration was written with, spelled as the CSV spells it. */
static const char *unit_of(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && strcmp(s + n - 2, "ns") == 0)
        return "ns";
    if (n >= 2 && (strcmp(s + n - 2, "us") == 0 || (n >= 3 && strcmp(s + n - 3, "\xc2\xb5s") == 0)))
        return "us";
    if (n >= 2 && strcmp(s + n - 2, "ms") == 0)
        return "ms";
    return "s";
}

static double round_sig(double v, int digits)
{
    if (v == 0 || !isfinite(v))
        return v;
    double e = floor(log10(fabs(v)));
    double q = pow(10, e - digits + 1);
    return round(v / q) * q;
}

static int key_alloc(SweepKey *k, int n)
{
    k->n = n;
    k->values = calloc((size_t)n, sizeof(char *));
    k->num = calloc((size_t)n, sizeof(double));
    return k->values && k->num ? 0 : -1;
}

static int set_value(SweepKey *k, int i, const char *text, double num)
{
    if (!(k->values[i] = strdup(text)))
        return -1;
    k->num[i] = num;
    return 0;
}

static int parse_range(const char *v, SweepKey *k, char *why, size_t wn)
{
    const char *dots = strstr(v, "..");
    char a[64], b[64], kind[16];
    const char *rest = dots + 2;
    const char *c1 = strchr(rest, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || (size_t)(dots - v) >= sizeof(a) || (size_t)(c1 - rest) >= sizeof(b) ||
        (size_t)(c2 - c1 - 1) >= sizeof(kind))
        return why_set(why, wn, "'%s': expected a range A..B:lin:N or A..B:log:N, e.g. 0.1ms..50ms:log:12",
                       v);
    snprintf(a, sizeof(a), "%.*s", (int)(dots - v), v);
    snprintf(b, sizeof(b), "%.*s", (int)(c1 - rest), rest);
    snprintf(kind, sizeof(kind), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
    if (strcmp(kind, "lin") == 0)
        k->kind = SWEEP_LIN;
    else if (strcmp(kind, "log") == 0)
        k->kind = SWEEP_LOG;
    else
        return why_set(why, wn, "'%s': unknown spacing '%s'; expected lin or log", v, kind);
    char *end;
    errno = 0;
    long n = strtol(c2 + 1, &end, 10);
    if (errno || end == c2 + 1 || *end || n < 2 || n > MAX_VALUES)
        return why_set(why, wn, "'%s': the number of points '%s' must be a whole number from 2 to %d",
                       v, c2 + 1, MAX_VALUES);
    SimTime da, db;
    double na, nb;
    bool dur = parse_duration(a, &da) && parse_duration(b, &db);
    bool num = !dur && parse_number(a, &na) && parse_number(b, &nb);
    if (!dur && !num)
        return why_set(why, wn,
                       "'%s': A and B must both be durations with a unit (0.1ms..50ms) or both "
                       "plain numbers (1..8)",
                       v);
    if (dur) {
        na = (double)da;
        nb = (double)db;
    }
    if (!(na < nb))
        return why_set(why, wn, "'%s': the range must go up (A < B)", v);
    if (k->kind == SWEEP_LOG && !(na > 0))
        return why_set(why, wn, "'%s': a log range needs A > 0", v);
    k->duration = dur;
    k->numeric = true;
    if (key_alloc(k, (int)n) < 0)
        return why_set(why, wn, "out of memory");
    bool integers = !dur && looks_integer(a) && looks_integer(b);
    /* The fewest significant digits (at least 3) that keep the points
     * distinct; the ends stay as given. */
    double *raw = malloc((size_t)n * sizeof(double));
    if (!raw)
        return why_set(why, wn, "out of memory");
    for (long i = 0; i < n; i++) {
        double t = (double)i / (double)(n - 1);
        raw[i] = k->kind == SWEEP_LIN ? na + (nb - na) * t : na * pow(nb / na, t);
    }
    int digits = integers ? 0 : 3;
    for (;; digits++) {
        bool ok = true;
        double prev = -INFINITY;
        for (long i = 0; i < n && ok; i++) {
            double x = i == 0 ? na : i == n - 1 ? nb : raw[i];
            if (integers || dur)
                x = (double)llround(integers ? x : round_sig(x, digits));
            else
                x = round_sig(x, digits);
            ok = x > prev;
            prev = x;
        }
        if (ok)
            break;
        if (integers || digits >= 15) {
            free(raw);
            return why_set(why, wn,
                           "'%s' gives repeated values; use fewer points or a wider range", v);
        }
    }
    const char *zero_unit = dur ? unit_of(b) : NULL;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        double x = i == 0 ? na : i == n - 1 ? nb : raw[i];
        char text[64];
        if (dur) {
            SimTime ns = i == 0 ? da : i == n - 1 ? db : (SimTime)llround(round_sig(x, digits));
            duration_text_exact(ns, zero_unit, text, sizeof(text));
            rc = set_value(k, (int)i, text, (double)ns);
        } else if (integers) {
            snprintf(text, sizeof(text), "%lld", (long long)llround(x));
            rc = set_value(k, (int)i, text, (double)llround(x));
        } else {
            if (i == 0 || i == n - 1)
                snprintf(text, sizeof(text), "%s", i == 0 ? a : b);
            else
                snprintf(text, sizeof(text), "%.*g", digits, round_sig(x, digits));
            double back = NAN;
            parse_number(text, &back);
            rc = set_value(k, (int)i, text, back);
        }
    }
    free(raw);
    return rc < 0 ? why_set(why, wn, "out of memory") : 1;
}

static int parse_list(const char *v, SweepKey *k, char *why, size_t wn)
{
    int n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    if (n > MAX_VALUES)
        return why_set(why, wn, "'%s': more than %d values", v, MAX_VALUES);
    k->kind = SWEEP_LIST;
    if (key_alloc(k, n) < 0)
        return why_set(why, wn, "out of memory");
    const char *p = v;
    for (int i = 0; i < n; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len)
            return why_set(why, wn, "'%s': value %d of the list is empty", v, i + 1);
        if (!(k->values[i] = strndup(p, len)))
            return why_set(why, wn, "out of memory");
        for (int j = 0; j < i; j++)
            if (strcmp(k->values[j], k->values[i]) == 0)
                return why_set(why, wn, "'%s': '%s' is listed twice", v, k->values[i]);
        p = comma ? comma + 1 : p + len;
    }
    /* Numeric when every value is a duration with a unit, or every value a
     * bare number; a mix of the two is neither. */
    bool dur = true, num = true;
    for (int i = 0; i < n; i++) {
        SimTime ns;
        double x;
        dur = dur && parse_duration(k->values[i], &ns);
        num = num && parse_number(k->values[i], &x);
    }
    for (int i = 0; i < n; i++) {
        SimTime ns = 0;
        double x = NAN;
        if (dur)
            parse_duration(k->values[i], &ns), x = (double)ns;
        else if (num)
            parse_number(k->values[i], &x);
        k->num[i] = x;
    }
    k->duration = dur;
    k->numeric = dur || num;
    return 1;
}

int sweep_key_parse(const char *set, SweepKey *out, char *why, size_t wn)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return why_set(why, wn, "--set %s: expected KEY=VALUE, e.g. python.switch_interval=1ms", set);
    const char *v = eq + 1;
    if (*v == '[' || *v == '{' || *v == '"')
        return 0;
    bool range = strstr(v, "..") != NULL, list = strchr(v, ',') != NULL;
    if (!range && !list)
        return 0;
    SweepKey k;
    memset(&k, 0, sizeof(k));
    if (!(k.key = strndup(set, (size_t)(eq - set))) || !(k.spec = strdup(v))) {
        sweep_key_fini(&k);
        return why_set(why, wn, "out of memory");
    }
    char inner[400];
    int rc = range ? parse_range(v, &k, inner, sizeof(inner)) : parse_list(v, &k, inner, sizeof(inner));
    if (rc < 0) {
        why_set(why, wn, "--set %s: %s", k.key, inner);
        sweep_key_fini(&k);
        return -1;
    }
    *out = k;
    return 1;
}

void sweep_key_fini(SweepKey *k)
{
    if (!k)
        return;
    for (int i = 0; k->values && i < k->n; i++)
        free(k->values[i]);
    free(k->values);
    free(k->num);
    free(k->key);
    free(k->spec);
    memset(k, 0, sizeof(*k));
}
