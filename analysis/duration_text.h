/*
 * duration_text.h - durations (and the decimals they are made of) as
 * text, in the forms gilsim's outputs need, each for its own reason:
 *
 *   exact    "175.702us", "50ms": the shortest text, in the largest unit,
 *            that sim_duration_parse reads back to exactly the same
 *            nanoseconds. For files that are read again (a sweep's CSV,
 *            --set values), where rounding would change the run.
 *   rounded  "175.7 µs", "50 ms": `digits` significant digits (never fewer
 *            than the integer part), trailing zeros dropped, a space and
 *            µs. For people: the viewer, pictures, chart titles and
 *            captions, where an exact "175.702us" is noise.
 *
 * The run report prints a third form, sim/'s sim_duration_format ("175.7
 * us", ASCII only, four significant digits), which scripts already read.
 */
#ifndef GILSIM_DURATION_TEXT_H
#define GILSIM_DURATION_TEXT_H

#include <stddef.h>

#include "sim.h"

/* The exact form; zero takes zero_unit ("0ms"; NULL: "0s"). The result
 * always parses back to ns (it falls back to "123ns"). Returns buf. */
char *duration_text_exact(SimTime ns, const char *zero_unit, char *buf, size_t n);

/* The rounded form, in the unit that keeps 1..999 (ns, µs, ms, s).
 * Returns buf. */
char *duration_text_rounded(SimTime ns, int digits, char *buf, size_t n);

/* The unit people read a duration of magnitude `ns` in: *unit is 1, 1e3,
 * 1e6 or 1e9 ns, *name "ns", "µs", "ms" or "s". */
void duration_text_unit(double ns, SimTime *unit, const char **name);

/* Drops the trailing zeros of a decimal number in place, and its decimal
 * point if nothing follows it ("2.50" -> "2.5", "3.000" -> "3"). */
void decimal_trim_zeros(char *s);

#endif /* GILSIM_DURATION_TEXT_H */
