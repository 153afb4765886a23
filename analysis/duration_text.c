/*
 * duration_text.c - durations as exact or rounded text (duration_text.h).
 *
 * Invariant: duration_text_exact(ns) parses back to ns, checked on every
 * call; duration_text_rounded never shows "-0".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "duration_text.h"

char *duration_text_exact(SimTime ns, const char *zero_unit, char *buf, size_t n)
{
    static const struct {
        SimTime u;
        const char *name;
        int digits;
    } units[] = {{1000000000, "s", 9}, {1000000, "ms", 6}, {1000, "us", 3}, {1, "ns", 0}};
    if (ns == 0) {
        snprintf(buf, n, "0%.2s", zero_unit ? zero_unit : "s");
        return buf;
    }
    int k = 0;
    while (k < 3 && ns < units[k].u)
        k++;
    long long whole = (long long)(ns / units[k].u), frac = (long long)(ns % units[k].u);
    if (frac == 0) {
        snprintf(buf, n, "%lld%s", whole, units[k].name);
    } else {
        char f[24];
        snprintf(f, sizeof(f), "%0*lld", units[k].digits, frac);
        size_t l = strlen(f);
        while (l > 0 && f[l - 1] == '0')
            f[--l] = '\0';
        snprintf(buf, n, "%lld.%s%s", whole, f, units[k].name);
    }
    SimTime back;
    if (sim_duration_parse(buf, &back) != SIM_OK || back != ns)
        snprintf(buf, n, "%lldns", (long long)ns);
    return buf;
}

void duration_text_unit(double ns, SimTime *unit, const char **name)
{
    if (ns < 1e3) {
        *unit = 1;
        *name = "ns";
    } else if (ns < 1e6) {
        *unit = 1000;
        *name = "\xc2\xb5s"; /* µs */
    } else if (ns < 1e9) {
        *unit = 1000000;
        *name = "ms";
    } else {
        *unit = 1000000000;
        *name = "s";
    }
}

void decimal_trim_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

char *duration_text_rounded(SimTime ns, int digits, char *buf, size_t n)
{
    if (digits < 1)
        digits = 1;
    SimTime unit;
    const char *name;
    duration_text_unit(fabs((double)ns), &unit, &name);
    double v = (double)ns / (double)unit;
    int ints = fabs(v) < 10 ? 1 : fabs(v) < 100 ? 2 : 3;
    int dec = digits - ints;
    if (dec < 0)
        dec = 0;
    if (unit == 1)
        dec = 0;
    char num[64];
    snprintf(num, sizeof(num), "%.*f", dec, v);
    decimal_trim_zeros(num);
    if (strcmp(num, "-0") == 0)
        strcpy(num, "0");
    snprintf(buf, n, "%s %s", num, name);
    return buf;
}
