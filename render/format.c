/*
 * format.c - time axes as people read them: ticks and ranges, in the
 * units of duration_text_rounded (analysis/duration_text.h).
 *
 * Invariant: every label of one axis uses the same unit and number of
 * decimals (a column of "10.25 ms, 10.50 ms" never mixes in "10.7 ms"), and
 * tick steps are 1, 2 or 5 times a power of ten nanoseconds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "duration_text.h"
#include "layout.h"

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
    duration_text_unit((double)tk.step, &tk.unit, &tk.unit_name);
    double digits = tk.unit < 1000000 ? 1e3 : 1e4;
    if (near / (double)tk.unit >= 1e3 || mag / (double)tk.unit >= digits)
        duration_text_unit(mag, &tk.unit, &tk.unit_name);
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
    duration_text_rounded(t1, 4, b, sizeof(b));
    if (t0 == 0) {
        /* "0 ms - 30 ms" reads better than "0 ns - 30 ms". */
        const char *unit = strchr(b, ' ');
        snprintf(a, sizeof(a), "0%s", unit ? unit : "");
    } else {
        duration_text_rounded(t0, 4, a, sizeof(a));
    }
    snprintf(buf, n, "%s \xe2\x80\x93 %s", a, b);
    return buf;
}
