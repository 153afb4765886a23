/*
 * error.c - error values, durations and small shared helpers.
 *
 * Durations are integer nanoseconds everywhere; parsing rounds to the
 * nearest nanosecond and refuses anything that would overflow int64.
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
