/*
 * format.c - time as people read it: adaptive units and axis ticks.
 *
 * Invariant: every label of one axis uses the same unit and number of
 * decimals (a column of "10.25 ms, 10.50 ms" never mixes in "10.7 ms"), and
 * tick steps are 1, 2 or 5 times a power of ten nanoseconds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

static void unit_for(double mag, SimTime *unit, const char **name)
{
    if (mag < 1e3) {
        *unit = 1;
        *name = "ns";
    } else if (mag < 1e6) {
        *unit = 1000;
        *name = "\xc2\xb5s"; /* µs */
    } else if (mag < 1e9) {
        *unit = 1000000;
        *name = "ms";
    } else {
        *unit = 1000000000;
        *name = "s";
    }
}

/* Drops trailing zeros (and a trailing dot) of a decimal number in place. */
static void trim_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

char *render_fmt_time(SimTime ns, int digits, char *buf, size_t n)
{
    if (digits < 1)
        digits = 1;
    double mag = fabs((double)ns);
    SimTime unit;
    const char *name;
    unit_for(mag, &unit, &name);
    double v = (double)ns / (double)unit;
    int ints = fabs(v) < 10 ? 1 : fabs(v) < 100 ? 2 : 3;
    int dec = digits - ints;
    if (dec < 0)
        dec = 0;
    if (unit == 1)
        dec = 0;
    char num[64];
    snprintf(num, sizeof(num), "%.*f", dec, v);
    trim_zeros(num);
    if (strcmp(num, "-0") == 0)
        strcpy(num, "0");
    snprintf(buf, n, "%s %s", num, name);
    return buf;
}

RTicks render_ticks(SimTime t0, SimTime t1, SimTime min_step)
{
    RTicks tk;
    if (min_step < 1)
        min_step = 1;
    SimTime p = 1;
    for (;;) {
        if (p >= min_step) {
            tk.step = p;
            break;
        }
        if (2 * p >= min_step) {
            tk.step = 2 * p;
            break;
        }
        if (5 * p >= min_step) {
            tk.step = 5 * p;
            break;
        }
        if (p > INT64_MAX / 20) {
            tk.step = p * 10;
            break;
        }
        p *= 10;
    }
    /* Minor ticks: fifths of 1 and 5, quarters of 2; never below 1 ns. */
    SimTime lead = tk.step / p;
    tk.minor = lead == 2 ? tk.step / 4 : tk.step / 5;
    if (tk.minor < 1 || tk.minor * (lead == 2 ? 4 : 5) != tk.step)
        tk.minor = tk.step;
    /* The unit of the step ("100 ms", not "0.1 s"), unless labels would
     * reach four digits of ns or us ("1.5 ms", not "1500 us"), five of ms,
     * or the view is offset far from zero ("4.8 ms", not "4800 us"); then
     * the unit of the largest time. */
    double mag = fmax(fabs((double)t0), fabs((double)t1));
    double near = fmin(fabs((double)t0), fabs((double)t1));
    unit_for((double)tk.step, &tk.unit, &tk.unit_name);
    double digits = tk.unit < 1000000 ? 1e3 : 1e4;
    if (near / (double)tk.unit >= 1e3 || mag / (double)tk.unit >= digits)
        unit_for(mag, &tk.unit, &tk.unit_name);
    double ratio = (double)tk.unit / (double)tk.step;
    tk.decimals = ratio > 1.0 ? (int)ceil(log10(ratio) - 1e-9) : 0;
    if (tk.decimals > 9)
        tk.decimals = 9;
    return tk;
}

char *render_tick_label(const RTicks *tk, SimTime t, char *buf, size_t n)
{
    double v = (double)t / (double)tk->unit;
    char num[64];
    snprintf(num, sizeof(num), "%.*f", tk->decimals, v);
    if (strcmp(num, "-0") == 0 || (num[0] == '-' && strspn(num + 1, "0.") == strlen(num + 1)))
        memmove(num, num + 1, strlen(num));
    snprintf(buf, n, "%s %s", num, tk->unit_name);
    return buf;
}

char *render_fmt_range(SimTime t0, SimTime t1, char *buf, size_t n)
{
    char a[48], b[48];
    render_fmt_time(t1, 4, b, sizeof(b));
    if (t0 == 0) {
        /* "0 ms - 30 ms" reads better than "0 ns - 30 ms". */
        const char *unit = strchr(b, ' ');
        snprintf(a, sizeof(a), "0%s", unit ? unit : "");
    } else {
        render_fmt_time(t0, 4, a, sizeof(a));
    }
    snprintf(buf, n, "%s \xe2\x80\x93 %s", a, b);
    return buf;
}
