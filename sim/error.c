/*
 * error.c - error values, durations and small shared helpers.
 *
 * Durations are integer nanoseconds everywhere; parsing rounds to the
 * nearest nanosecond and refuses anything that would overflow int64. They
 * are written two ways: rounded for people (sim_duration_format, "1.5 ms")
 * and exact in the scenario's own syntax (sim_duration_format_exact,
 * "1.5ms"), which parses back to the same value.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

int sim_error_set(SimError *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

uint64_t sim_fnv1a(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int sim_seed_parse(const char *s, uint64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || strspn(s, "0123456789") != n || (n > 1 && s[0] == '0'))
        return SIM_ERR_INVALID;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return SIM_ERR_LIMIT;
        v = v * 10 + d;
    }
    *out = v;
    return SIM_OK;
}

int sim_duration_parse(const char *s, SimTime *out)
{
    if (!s)
        return SIM_ERR_INVALID;
    while (isspace((unsigned char)*s))
        s++;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return SIM_ERR_INVALID;
    while (isspace((unsigned char)*end))
        end++;
    double scale;
    if (strcmp(end, "ns") == 0)
        scale = 1;
    else if (strcmp(end, "us") == 0 || strcmp(end, "\xc2\xb5s") == 0)
        scale = 1e3;
    else if (strcmp(end, "ms") == 0)
        scale = 1e6;
    else if (strcmp(end, "s") == 0)
        scale = 1e9;
    else
        return SIM_ERR_INVALID;
    double ns = v * scale;
    if (ns < 0)
        return SIM_ERR_LIMIT;
    if (ns > 9.2e18)
        return SIM_ERR_LIMIT;
    *out = (SimTime)llround(ns);
    return SIM_OK;
}

char *sim_duration_format(SimTime ns, char *buf, size_t n)
{
    const char *sign = ns < 0 ? "-" : "";
    double a = fabs((double)ns);
    if (a < 1e3)
        snprintf(buf, n, "%s%.0f ns", sign, a);
    else if (a < 1e6)
        snprintf(buf, n, "%s%.4g us", sign, a / 1e3);
    else if (a < 1e9)
        snprintf(buf, n, "%s%.4g ms", sign, a / 1e6);
    else
        snprintf(buf, n, "%s%.4g s", sign, a / 1e9);
    return buf;
}

char *sim_duration_format_exact(SimTime ns, char *buf, size_t n)
{
    static const struct {
        const char *unit;
        long long scale;
        int digits;
    } units[] = {{"s", 1000000000, 9}, {"ms", 1000000, 6}, {"us", 1000, 3}, {"ns", 1, 0}};
    char best[48] = "";
    if (ns < 0) {
        snprintf(buf, n, "%lldns", (long long)ns);
        return buf;
    }
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
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
    return buf;
}
