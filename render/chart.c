/*
 * chart.c - a Chart model becomes a draw list: title, small multiples sharing
 * one x axis (log or linear or categories), y axes with "nice" ticks, a
 * min-max band under each median line, a legend beside each panel, the
 * marked x value and the provenance caption. Pure: no SDL; text widths come
 * from the injected metrics.
 *
 * Bands are opaque colours premixed with the page, not translucent fills:
 * the PNG and the SVG then show no seams where the band's triangles meet,
 * and two bands that overlap stay readable because the lines are drawn on
 * top of every band.
 *
 * Invariant: a panel's data is drawn inside its plot area only (clipped),
 * and the geometry handed back is the one the draw list shows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "duration_text.h"

#define SEP "  \xc2\xb7  " /* the caption's " · " */
#define MAX_TICKS 64

typedef struct Axis {
    bool log;
    double lo, hi;         /* in data units (log: positive) */
    int n;
    double tick[MAX_TICKS];
    char label[MAX_TICKS][32];
} Axis;

typedef struct Ctx {
    const Chart *c;
    const RChartStyle *st;
    const RTextMetrics *tm;
    const RPalette *pal;
    DrawList *dl;
    double k;              /* device px per logical px, text included */
    int f_title, f_sub, f_panel, f_tick, f_legend, f_caption;
    RRect plot_x;          /* horizontal extent shared by every panel */
    Axis x;
} Ctx;

static int K(const Ctx *c, double v)
{
    return (int)lround(v * c->k);
}

static int text_w(const Ctx *c, RFont f, int size, const char *s)
{
    if (c->tm && c->tm->width)
        return c->tm->width(c->tm->ud, f, size, s);
    return (int)(strlen(s) * (size_t)size * 6 / 10);
}

static RColor mix(RColor a, RColor b, double t)
{
    return (RColor){(uint8_t)lround(a.r * t + b.r * (1 - t)), (uint8_t)lround(a.g * t + b.g * (1 - t)),
                    (uint8_t)lround(a.b * t + b.b * (1 - t)), 255};
}

/* Colours of separate series: the renderer's thread colours, strongest
 * first (the pale sand and cyan read poorly as thin lines on white). */
RColor render_chart_color(ChartColor c, RTheme theme)
{
    static const uint8_t order[] = {0, 2, 3, 5, 6, 7, 8, 1, 4};
    switch (c.ink) {
    case CHART_INK_STATE:
        return render_reason_color((SimReason)c.index, theme);
    case CHART_INK_DIM:
        return render_palette(theme)->fg_dim;
    default:
        return render_thread_color(order[(c.index > 0 ? c.index : 0) % (int)sizeof(order)], theme);
    }
}

static RColor line_color(const Ctx *c, const ChartLine *ln)
{
    return render_chart_color(ln->color, c->st->theme);
}

RChartStyle render_chart_style_default(void)
{
    return (RChartStyle){.width = 1600, .height = 900, .scale = 1.0f, .theme = R_THEME_LIGHT};
}

/* ---- Numbers and ticks -------------------------------------------------- */

/* A tick label: "0.25", "40", "12k", "1.5M". step (0: unknown) sets the
 * decimals of a linear axis so that one axis never mixes precisions. */
static void fmt_num(double v, double step, char *buf, size_t n)
{
    double a = fabs(v);
    if (a >= 1e6 && (step == 0 || step >= 1e5)) {
        snprintf(buf, n, "%.3g", v / 1e6);
        strncat(buf, "M", n - strlen(buf) - 1);
    } else if (a >= 1e4 && (step == 0 || step >= 1e2)) {
        snprintf(buf, n, "%.3g", v / 1e3);
        strncat(buf, "k", n - strlen(buf) - 1);
    } else if (step > 0) {
        int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        if (dec > 9)
            dec = 9;
        snprintf(buf, n, "%.*f", dec, v);
        decimal_trim_zeros(buf);
    } else if (a >= 1 && v == floor(v)) {
        snprintf(buf, n, "%.0f", v);
    } else {
        snprintf(buf, n, "%.3g", v);
    }
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, n, "0");
}

static double nice_step(double raw)
{
    if (!(raw > 0))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void axis_label(const Ctx *c, const Axis *a, bool duration, double v, double step, char *buf,
                       size_t n)
{
    (void)c;
    (void)a;
    if (duration)
        duration_text_rounded((SimTime)llround(v), 3, buf, n);
    else
        fmt_num(v, step, buf, n);
}

/* Linear axis over [lo, hi] with about `target` ticks; the range is widened
 * to whole steps. */
static void axis_linear(const Ctx *c, Axis *a, double lo, double hi, int target, bool duration)
{
    a->log = false;
    if (!(hi > lo)) {
        double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double step = nice_step((hi - lo) / (target > 1 ? target : 1));
    a->lo = floor(lo / step + 1e-9) * step;
    a->hi = ceil(hi / step - 1e-9) * step;
    if (!(a->hi > a->lo))
        a->hi = a->lo + step;
    a->n = 0;
    for (double t = a->lo; t <= a->hi + step * 1e-6 && a->n < MAX_TICKS; t += step) {
        double v = fabs(t) < step * 1e-9 ? 0 : t;
        a->tick[a->n] = v;
        axis_label(c, a, duration, v, step, a->label[a->n], sizeof(a->label[0]));
        a->n++;
    }
}

/* Log axis: padded by `pad` decades; ticks 1-2-5 per decade when the axis
 * spans few decades, fewer when it spans many. */
static void axis_log(const Ctx *c, Axis *a, double lo, double hi, double pad, bool duration)
{
    a->log = true;
    if (!(lo > 0))
        lo = hi > 0 ? hi / 10 : 1;
    if (!(hi > lo))
        hi = lo * 10;
    double l0 = log10(lo), l1 = log10(hi);
    double p = (l1 - l0) * pad;
    if (p < 0.04)
        p = 0.04;
    l0 -= p;
    l1 += p;
    a->lo = pow(10, l0);
    a->hi = pow(10, l1);
    double span = l1 - l0;
    static const double m125[] = {1, 2, 5}, m1[] = {1}, mfine[] = {1, 2, 3, 4, 5, 6, 8};
    const double *ms = span <= 1.2 ? mfine : span <= 3.2 ? m125 : m1;
    int nm = span <= 1.2 ? 7 : span <= 3.2 ? 3 : 1;
    int every = span <= 7 ? 1 : (int)ceil(span / 7);
    a->n = 0;
    for (int e = (int)floor(l0); e <= (int)ceil(l1) && a->n < MAX_TICKS; e++) {
        if (((e % every) + every) % every)
            continue;
        for (int i = 0; i < nm && a->n < MAX_TICKS; i++) {
            double v = ms[i] * pow(10, e);
            if (v < a->lo * 0.9999 || v > a->hi * 1.0001)
                continue;
            a->tick[a->n] = v;
            axis_label(c, a, duration, v, 0, a->label[a->n], sizeof(a->label[0]));
            a->n++;
        }
    }
}

/* Position of v along the axis, 0..1 (NAN if it cannot be shown). */
static double axis_frac(const Axis *a, double v)
{
    if (!isfinite(v))
        return NAN;
    if (a->log) {
        if (!(v > 0))
            return NAN;
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    }
    return (v - a->lo) / (a->hi - a->lo);
}

/* ---- The x axis --------------------------------------------------------- */

static bool all_integers(const Chart *ch)
{
    for (int i = 0; i < ch->n_x; i++)
        if (!isfinite(ch->x[i]) || ch->x[i] != floor(ch->x[i]))
            return false;
    return true;
}

static void x_axis(Ctx *c)
{
    const Chart *ch = c->c;
    Axis *a = &c->x;
    memset(a, 0, sizeof(*a));
    if (ch->x_kind == CHART_X_CATEGORY) {
        a->lo = -0.5;
        a->hi = ch->n_x - 0.5;
        for (int i = 0; i < ch->n_x && a->n < MAX_TICKS; i++) {
            a->tick[a->n] = i;
            snprintf(a->label[a->n], sizeof(a->label[0]), "%s",
                     ch->x_labels && ch->x_labels[i] ? ch->x_labels[i] : "");
            a->n++;
        }
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < ch->n_x; i++) {
        double v = ch->x[i];
        if (!isfinite(v) || (ch->x_log && !(v > 0)))
            continue;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    bool dur = ch->x_kind == CHART_X_DURATION;
    if (ch->x_log) {
        axis_log(c, a, lo, hi, 0.03, dur);
        return;
    }
    int target = c->plot_x.w / K(c, 110);
    if (target < 2)
        target = 2;
    if (!dur && all_integers(ch) && ch->n_x <= 16) {
        /* Few whole numbers (cores, thread counts): tick the points themselves. */
        double pad = hi > lo ? (hi - lo) * 0.04 : 0.5;
        a->log = false;
        a->lo = lo - pad;
        a->hi = hi + pad;
        for (int i = 0; i < ch->n_x && a->n < MAX_TICKS; i++) {
            a->tick[a->n] = ch->x[i];
            fmt_num(ch->x[i], 1, a->label[a->n], sizeof(a->label[0]));
            a->n++;
        }
        return;
    }
    double pad = hi > lo ? (hi - lo) * 0.03 : fabs(lo) * 0.1 + 1;
    axis_linear(c, a, lo, hi, target, dur);
    /* Keep the whole-step ticks but not the empty margins they add. */
    a->lo = lo - pad;
    a->hi = hi + pad;
    int k = 0;
    for (int i = 0; i < a->n; i++)
        if (a->tick[i] >= a->lo - 1e-9 * fabs(a->hi - a->lo) &&
            a->tick[i] <= a->hi + 1e-9 * fabs(a->hi - a->lo)) {
            a->tick[k] = a->tick[i];
            memmove(a->label[k], a->label[i], sizeof(a->label[0]));
            k++;
        }
    a->n = k;
}

static double x_pos(const Ctx *c, int i)
{
    const Chart *ch = c->c;
    double f = ch->x_kind == CHART_X_CATEGORY ? axis_frac(&c->x, i) : axis_frac(&c->x, ch->x[i]);
    return isfinite(f) ? c->plot_x.x + f * c->plot_x.w : NAN;
}

/* ---- A panel's y axis ---------------------------------------------------- */

static bool y_value_ok(bool log, double v)
{
    return isfinite(v) && (!log || v > 0);
}

static void y_axis(Ctx *c, const ChartPanel *p, int plot_h, Axis *a)
{
    double lo = INFINITY, hi = -INFINITY, plo = INFINITY;
    for (int l = 0; l < p->n_lines; l++) {
        const ChartLine *ln = &p->lines[l];
        for (int i = 0; i < c->c->n_x; i++) {
            const double v3[3] = {ln->y ? ln->y[i] : NAN, ln->lo ? ln->lo[i] : NAN,
                                  ln->hi ? ln->hi[i] : NAN};
            for (int k = 0; k < 3; k++) {
                if (!isfinite(v3[k]))
                    continue;
                lo = fmin(lo, v3[k]);
                hi = fmax(hi, v3[k]);
                if (v3[k] > 0)
                    plo = fmin(plo, v3[k]);
            }
        }
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    bool log = p->y_scale == CHART_SCALE_LOG ||
               (p->y_scale == CHART_SCALE_AUTO && lo > 0 && hi / lo > 20);
    if (log && isfinite(plo)) {
        axis_log(c, a, plo, hi, 0.05, false);
        return;
    }
    /* Room above and below the data, so no line runs along the frame. */
    double room = (hi - lo) * 0.04;
    lo = lo >= 0 ? fmax(0, lo - room) : lo - room; /* never below zero for positive data */
    if (!(p->y_max > 0 && hi <= p->y_max && hi + room > p->y_max))
        hi += room;
    if (p->y_zero && lo > 0)
        lo = 0;
    if (p->y_zero && hi < 0)
        hi = 0;
    int target = plot_h / K(c, 46);
    if (target < 2)
        target = 2;
    if (target > 6)
        target = 6;
    axis_linear(c, a, lo, hi, target, false);
}

static double y_pos(const Axis *a, RRect plot, double v)
{
    double f = axis_frac(a, v);
    return isfinite(f) ? plot.y + plot.h - f * plot.h : NAN;
}

/* ---- Drawing helpers ----------------------------------------------------- */

/* A dashed segment continuing the pattern from *phase (device px). */
static void dashed(Ctx *c, double x0, double y0, double x1, double y1, RColor col, int th,
                   double *phase)
{
    double on = K(c, 11), off = K(c, 7), period = on + off;
    double len = hypot(x1 - x0, y1 - y0);
    if (len < 1e-9)
        return;
    double s = 0;
    while (s < len) {
        double ph = fmod(*phase + s, period);
        double seg = ph < on ? on - ph : period - ph;
        if (s + seg > len)
            seg = len - s;
        if (ph < on) {
            double a = s / len, b = (s + seg) / len;
            draw_line(c->dl, (int)lround(x0 + (x1 - x0) * a), (int)lround(y0 + (y1 - y0) * a),
                      (int)lround(x0 + (x1 - x0) * b), (int)lround(y0 + (y1 - y0) * b), col, th);
        }
        s += seg;
    }
    *phase = fmod(*phase + len, period);
}

static void marker(Ctx *c, int x, int y, bool square, RColor col)
{
    int r = K(c, 4.5);
    if (r < 2)
        r = 2;
    if (square) {
        int h = r * 8 / 10;
        draw_rect(c->dl, rrect(x - h, y - h, 2 * h + 1, 2 * h + 1), col);
        return;
    }
    draw_tri(c->dl, x - r, y, x, y - r, x + r, y, col);
    draw_tri(c->dl, x - r, y, x + r, y, x, y + r, col);
}

static RColor band_color(const Ctx *c, RColor col)
{
    return mix(col, c->pal->bg, c->st->theme == R_THEME_DARK ? 0.32 : 0.2);
}

static void draw_band(Ctx *c, const ChartLine *ln, const Axis *ya, RRect plot)
{
    if (!ln->lo || !ln->hi)
        return;
    RColor bc = band_color(c, line_color(c, ln));
    int n = c->c->n_x;
    for (int i = 0; i < n; i++) {
        bool ok = y_value_ok(ya->log, ln->lo[i]) && y_value_ok(ya->log, ln->hi[i]) &&
                  isfinite(x_pos(c, i));
        if (!ok)
            continue;
        int xa = (int)lround(x_pos(c, i));
        int ta = (int)lround(y_pos(ya, plot, ln->hi[i])), ba = (int)lround(y_pos(ya, plot, ln->lo[i]));
        bool next = i + 1 < n && y_value_ok(ya->log, ln->lo[i + 1]) &&
                    y_value_ok(ya->log, ln->hi[i + 1]) && isfinite(x_pos(c, i + 1));
        bool prev = i > 0 && y_value_ok(ya->log, ln->lo[i - 1]) &&
                    y_value_ok(ya->log, ln->hi[i - 1]) && isfinite(x_pos(c, i - 1));
        if (next) {
            int xb = (int)lround(x_pos(c, i + 1));
            int tb = (int)lround(y_pos(ya, plot, ln->hi[i + 1]));
            int bb = (int)lround(y_pos(ya, plot, ln->lo[i + 1]));
            draw_tri(c->dl, xa, ta, xb, tb, xb, bb, bc);
            draw_tri(c->dl, xa, ta, xb, bb, xa, ba, bc);
        } else if (!prev) {
            /* An isolated point: its range as a short bar. */
            int w = K(c, 6);
            draw_rect(c->dl, rrect(xa - w / 2, ta, w, ba - ta + 1), bc);
        }
    }
}

static void draw_series(Ctx *c, const ChartLine *ln, const Axis *ya, RRect plot)
{
    int n = c->c->n_x;
    RColor col = line_color(c, ln);
    int th = K(c, ln->dashed ? 2.5 : 3);
    if (th < 1)
        th = 1;
    double phase = 0;
    for (int i = 0; i + 1 < n; i++) {
        if (!ln->y || !y_value_ok(ya->log, ln->y[i]) || !y_value_ok(ya->log, ln->y[i + 1]))
            continue;
        double xa = x_pos(c, i), xb = x_pos(c, i + 1);
        if (!isfinite(xa) || !isfinite(xb))
            continue;
        double ya0 = y_pos(ya, plot, ln->y[i]), yb = y_pos(ya, plot, ln->y[i + 1]);
        if (ln->dashed)
            dashed(c, xa, ya0, xb, yb, col, th, &phase);
        else
            draw_line(c->dl, (int)lround(xa), (int)lround(ya0), (int)lround(xb), (int)lround(yb),
                      col, th);
    }
    for (int i = 0; ln->y && i < n; i++) {
        double xa = x_pos(c, i);
        if (!y_value_ok(ya->log, ln->y[i]) || !isfinite(xa))
            continue;
        marker(c, (int)lround(xa), (int)lround(y_pos(ya, plot, ln->y[i])), ln->dashed, col);
    }
}

/* The legend sample of a line: band swatch, a stroke and a marker. */
static void legend_sample(Ctx *c, const ChartLine *ln, int x, int y, int w)
{
    RColor col = line_color(c, ln);
    if (ln->lo && ln->hi)
        draw_rect(c->dl, rrect(x, y - K(c, 7), w, K(c, 14)), band_color(c, col));
    int th = K(c, ln->dashed ? 2.5 : 3);
    if (ln->dashed) {
        double phase = K(c, 2);
        dashed(c, x, y, x + w, y, col, th, &phase);
    } else {
        draw_line(c->dl, x, y, x + w, y, col, th);
    }
    marker(c, x + w / 2, y, ln->dashed, col);
}

/* Text cut to fit max_w pixels, with an ellipsis. */
static void fit_text(const Ctx *c, RFont f, int size, const char *s, int max_w, char *out,
                     size_t n)
{
    snprintf(out, n, "%s", s);
    if (text_w(c, f, size, out) <= max_w)
        return;
    size_t len = strlen(out);
    while (len > 0) {
        len--;
        while (len > 0 && ((unsigned char)out[len] & 0xc0) == 0x80)
            len--; /* keep UTF-8 sequences whole */
        if (len + 4 > n)
            continue;
        memcpy(out + len, "\xe2\x80\xa6", 4);
        if (text_w(c, f, size, out) <= max_w)
            return;
    }
    out[0] = '\0';
}

/* The caption broken at its " · " separators into lines of at most width
 * pixels; returns the number of lines (at most 3). */
static int caption_lines(const Ctx *c, int width, char lines[3][512])
{
    const char *cap = c->c->caption;
    if (!cap || !*cap)
        return 0;
    int n = 0;
    lines[0][0] = '\0';
    const char *p = cap;
    while (*p && n < 3) {
        const char *sep = strstr(p, SEP);
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        char trial[sizeof(lines[0])];
        int k = snprintf(trial, sizeof(trial), "%s%s%.*s", lines[n], *lines[n] ? SEP : "",
                         (int)len, p);
        bool fits = k >= 0 && (size_t)k < sizeof(trial);
        if (*lines[n] && (!fits || text_w(c, R_FONT_REGULAR, c->f_caption, trial) > width)) {
            if (++n == 3)
                break;
            snprintf(lines[n], sizeof(lines[0]), "%.*s", (int)len, p);
        } else {
            memcpy(lines[n], trial, strlen(trial) + 1);
        }
        p = sep ? sep + strlen(SEP) : p + len;
    }
    return n < 3 ? n + 1 : 3;
}

/* ---- The chart ----------------------------------------------------------- */

int render_chart_build(const Chart *ch, const RChartStyle *st, const RTextMetrics *tm,
                       DrawList *dl, RChartGeom *geom)
{
    draw_list_reset(dl);
    if (!ch || ch->n_x < 1 || ch->n_panels < 1 || ch->n_panels > CHART_MAX_PANELS || !st ||
        st->width < 64 || st->height < 64 || (ch->x_kind != CHART_X_CATEGORY && !ch->x))
        return SIM_ERR_INVALID;
    Ctx c = {.c = ch, .st = st, .tm = tm, .pal = render_palette(st->theme), .dl = dl};
    int W = st->width, H = st->height;
    double s = st->scale > 0 ? st->scale : 1;
    double room = sqrt((W / s) * (H / s) / (1600.0 * 900.0));
    c.k = s * fmin(1.5, fmax(0.75, room));
    c.f_title = K(&c, 26);
    c.f_sub = K(&c, 15);
    c.f_panel = K(&c, 15);
    c.f_tick = K(&c, 13);
    c.f_legend = K(&c, 14);
    c.f_caption = K(&c, 12);
    const RPalette *pal = c.pal;
    dl->clear = pal->bg;
    dl->width = W;
    dl->height = H;

    int m = K(&c, 28);
    int y = m;
    /* Title and subtitle. */
    if (ch->title && *ch->title) {
        char t[512];
        fit_text(&c, R_FONT_BOLD, c.f_title, ch->title, W - 2 * m, t, sizeof(t));
        draw_text(dl, m, y + K(&c, 15), t, R_FONT_BOLD, c.f_title, R_ALIGN_LEFT, pal->fg);
        y += K(&c, 36);
    }
    if (ch->subtitle && *ch->subtitle) {
        char t[512];
        fit_text(&c, R_FONT_REGULAR, c.f_sub, ch->subtitle, W - 2 * m, t, sizeof(t));
        draw_text(dl, m, y + K(&c, 10), t, R_FONT_REGULAR, c.f_sub, R_ALIGN_LEFT, pal->fg_dim);
        y += K(&c, 24);
    }
    y += K(&c, 10);

    /* Bottom up: caption, x label, tick labels. */
    char cap[3][512];
    int n_cap = caption_lines(&c, W - 2 * m, cap);
    int cap_line = K(&c, 18);
    int bottom = H - m + K(&c, 8) - n_cap * cap_line;
    for (int i = 0; i < n_cap; i++)
        draw_text(dl, m, bottom + i * cap_line + cap_line / 2, cap[i], R_FONT_REGULAR, c.f_caption,
                  R_ALIGN_LEFT, pal->fg_dim);
    bottom -= n_cap ? K(&c, 10) : 0;
    int xlabel_h = ch->x_label && *ch->x_label ? K(&c, 24) : 0;
    int ticks_h = K(&c, 24);
    int panels_bottom = bottom - xlabel_h - ticks_h;

    /* Panels stacked: each a title row and a plot. */
    int np = ch->n_panels;
    int title_h = K(&c, 26), gap = K(&c, 16);
    int plot_h = (panels_bottom - y - np * title_h - (np - 1) * gap) / np;
    if (plot_h < K(&c, 30))
        plot_h = K(&c, 30);

    Axis *ya = calloc((size_t)np, sizeof(Axis));
    if (!ya)
        return SIM_ERR_NOMEM;
    for (int p = 0; p < np; p++)
        y_axis(&c, &ch->panels[p], plot_h, &ya[p]);

    /* Gutters: y tick labels on the left, legends on the right. */
    int tick_w = 0;
    for (int p = 0; p < np; p++)
        for (int i = 0; i < ya[p].n; i++) {
            int w = text_w(&c, R_FONT_REGULAR, c.f_tick, ya[p].label[i]);
            tick_w = w > tick_w ? w : tick_w;
        }
    int sample_w = K(&c, 36);
    int legend_w = 0;
    for (int p = 0; p < np; p++)
        for (int l = 0; l < ch->panels[p].n_lines; l++) {
            const char *lab = ch->panels[p].lines[l].label ? ch->panels[p].lines[l].label : "";
            int w = sample_w + K(&c, 10) + text_w(&c, R_FONT_REGULAR, c.f_legend, lab);
            legend_w = w > legend_w ? w : legend_w;
        }
    int legend_max = W * 32 / 100;
    if (legend_w > legend_max)
        legend_w = legend_max;
    int plot_l = m + tick_w + K(&c, 12);
    int plot_r = W - m - (legend_w ? legend_w + K(&c, 24) : 0);
    if (plot_r - plot_l < K(&c, 100))
        plot_r = plot_l + K(&c, 100);
    c.plot_x = rrect(plot_l, 0, plot_r - plot_l, 0);
    x_axis(&c);

    if (geom) {
        int *px = realloc(geom->px, (size_t)ch->n_x * sizeof(int));
        if (!px) {
            free(ya);
            return SIM_ERR_NOMEM;
        }
        geom->px = px;
        geom->n_x = ch->n_x;
        geom->n_panels = np;
        for (int i = 0; i < ch->n_x; i++) {
            double xp = x_pos(&c, i);
            geom->px[i] = isfinite(xp) ? (int)lround(xp) : -1;
        }
    }

    double mark_x = NAN;
    if (isfinite(ch->x_mark) && ch->x_kind != CHART_X_CATEGORY) {
        double f = axis_frac(&c.x, ch->x_mark);
        if (f >= 0 && f <= 1)
            mark_x = plot_l + f * c.plot_x.w;
    }
    int hair = K(&c, 1) > 1 ? K(&c, 1) : 1;

    for (int p = 0; p < np; p++) {
        const ChartPanel *pn = &ch->panels[p];
        int top = y + p * (title_h + plot_h + gap);
        RRect plot = rrect(plot_l, top + title_h, c.plot_x.w, plot_h);
        if (geom) {
            geom->plot[p] = plot;
            geom->y[p].lo = ya[p].lo;
            geom->y[p].hi = ya[p].hi;
            geom->y[p].log = ya[p].log;
        }
        int title_y = top + title_h / 2 - K(&c, 2);
        int title_right = plot_l;
        if (pn->title && *pn->title) {
            draw_text(dl, plot_l, title_y, pn->title, R_FONT_BOLD, c.f_panel, R_ALIGN_LEFT, pal->fg);
            title_right += text_w(&c, R_FONT_BOLD, c.f_panel, pn->title);
        }
        draw_rect(dl, plot, pal->lane_bg);
        /* Grid and y ticks. */
        for (int i = 0; i < ya[p].n; i++) {
            int yy = (int)lround(y_pos(&ya[p], plot, ya[p].tick[i]));
            if (yy < plot.y - 1 || yy > plot.y + plot.h + 1)
                continue;
            draw_line(dl, plot.x, yy, plot.x + plot.w - 1, yy, pal->grid_major, hair);
            draw_text(dl, plot.x - K(&c, 8), yy, ya[p].label[i], R_FONT_REGULAR, c.f_tick,
                      R_ALIGN_RIGHT, pal->fg_dim);
        }
        for (int i = 0; i < c.x.n; i++) {
            double f = axis_frac(&c.x, c.x.tick[i]);
            if (!(f >= 0 && f <= 1))
                continue;
            int xx = (int)lround(plot.x + f * plot.w);
            draw_line(dl, xx, plot.y, xx, plot.y + plot.h - 1, pal->grid, hair);
        }
        /* The marked value. */
        if (isfinite(mark_x)) {
            int mx = (int)lround(mark_x);
            double phase = 0;
            dashed(&c, mx, plot.y, mx, plot.y + plot.h, pal->fg_dim, hair + 1, &phase);
            if (p == 0 && ch->x_mark_label && *ch->x_mark_label) {
                int w = text_w(&c, R_FONT_REGULAR, c.f_tick, ch->x_mark_label);
                int lx = mx - w / 2;
                if (lx < title_right + K(&c, 16))
                    lx = title_right + K(&c, 16);
                if (lx + w > plot.x + plot.w)
                    lx = plot.x + plot.w - w;
                draw_text(dl, lx, title_y, ch->x_mark_label, R_FONT_REGULAR, c.f_tick, R_ALIGN_LEFT,
                          pal->fg_dim);
                draw_tri(dl, mx - K(&c, 5), plot.y - K(&c, 6), mx + K(&c, 5), plot.y - K(&c, 6), mx,
                         plot.y, pal->fg_dim);
            }
        }
        /* Data, clipped to the plot (plus room for the markers). */
        int pad = K(&c, 6);
        draw_clip(dl, rrect(plot.x - pad, plot.y - pad, plot.w + 2 * pad, plot.h + 2 * pad));
        for (int l = 0; l < pn->n_lines; l++)
            draw_band(&c, &pn->lines[l], &ya[p], plot);
        /* Dashed lines (secondary figures) first, so solid ones stay on top. */
        for (int pass = 0; pass < 2; pass++)
            for (int l = 0; l < pn->n_lines; l++)
                if (pn->lines[l].dashed == (pass == 0))
                    draw_series(&c, &pn->lines[l], &ya[p], plot);
        draw_unclip(dl);
        /* Axes. */
        draw_line(dl, plot.x, plot.y, plot.x, plot.y + plot.h - 1, pal->axis, hair);
        draw_line(dl, plot.x, plot.y + plot.h - 1, plot.x + plot.w - 1, plot.y + plot.h - 1, pal->axis,
                  hair);
        /* Legend beside the plot. */
        int lx = plot.x + plot.w + K(&c, 24);
        int row = K(&c, 24);
        int shown = plot.h / row;
        if (shown < 1)
            shown = 1;
        for (int l = 0; l < pn->n_lines && legend_w > 0; l++) {
            int ly = plot.y + K(&c, 10) + l * row;
            if (l == shown - 1 && pn->n_lines > shown) {
                draw_textf(dl, lx, ly, R_FONT_REGULAR, c.f_legend, R_ALIGN_LEFT, pal->fg_dim,
                           "+%d more", pn->n_lines - l);
                break;
            }
            legend_sample(&c, &pn->lines[l], lx, ly, sample_w);
            char t[256];
            fit_text(&c, R_FONT_REGULAR, c.f_legend, pn->lines[l].label ? pn->lines[l].label : "",
                     legend_w - sample_w - K(&c, 10), t, sizeof(t));
            draw_text(dl, lx + sample_w + K(&c, 10), ly, t, R_FONT_REGULAR, c.f_legend, R_ALIGN_LEFT,
                      pal->fg);
        }
        /* X tick labels under the last panel. */
        if (p == np - 1) {
            int ty = plot.y + plot.h + ticks_h / 2 + K(&c, 2);
            int last_right = -1000000;
            for (int i = 0; i < c.x.n; i++) {
                double f = axis_frac(&c.x, c.x.tick[i]);
                if (!(f >= 0 && f <= 1))
                    continue;
                int xx = (int)lround(plot.x + f * plot.w);
                int w = text_w(&c, R_FONT_REGULAR, c.f_tick, c.x.label[i]);
                if (xx - w / 2 < last_right + K(&c, 10))
                    continue; /* would overlap its left neighbour */
                draw_line(dl, xx, plot.y + plot.h, xx, plot.y + plot.h + K(&c, 4), pal->axis, hair);
                draw_text(dl, xx, ty, c.x.label[i], R_FONT_REGULAR, c.f_tick, R_ALIGN_CENTER,
                          pal->fg_dim);
                last_right = xx + w - w / 2;
            }
            if (xlabel_h)
                draw_text(dl, plot.x + plot.w / 2, plot.y + plot.h + ticks_h + xlabel_h / 2 + K(&c, 2),
                          ch->x_label, R_FONT_REGULAR, c.f_legend, R_ALIGN_CENTER, pal->fg);
        }
    }
    free(ya);
    /* An SVG's <title> and <desc>: the title and the caption whole. */
    draw_list_set_meta(dl, ch->title, ch->caption);
    return dl->oom ? SIM_ERR_NOMEM : SIM_OK;
}

void render_chart_geom_fini(RChartGeom *g)
{
    if (!g)
        return;
    free(g->px);
    memset(g, 0, sizeof(*g));
}

int render_chart_hit(const RChartGeom *g, int x, int y)
{
    if (!g || !g->px)
        return -1;
    for (int p = 0; p < g->n_panels; p++) {
        RRect r = g->plot[p];
        if (x < r.x - 4 || x > r.x + r.w + 4 || y < r.y - 4 || y > r.y + r.h + 4)
            continue;
        int best = -1, best_d = 0;
        for (int i = 0; i < g->n_x; i++) {
            if (g->px[i] < 0)
                continue;
            int d = abs(g->px[i] - x);
            if (best < 0 || d < best_d) {
                best = i;
                best_d = d;
            }
        }
        /* Within half the gap to the neighbours, and never far away. */
        int reach = 24;
        for (int i = 0; best >= 0 && i < g->n_x; i++)
            if (i != best && g->px[i] >= 0 && abs(g->px[i] - g->px[best]) / 2 < reach)
                reach = abs(g->px[i] - g->px[best]) / 2;
        return best >= 0 && best_d <= (reach > 3 ? reach : 3) ? best : -1;
    }
    return -1;
}

/* The y axis of panel p as the last build laid it out. */
static Axis geom_axis(const RChartGeom *g, int p)
{
    return (Axis){.log = g->y[p].log, .lo = g->y[p].lo, .hi = g->y[p].hi};
}

bool render_chart_point_pos(const Chart *c, const RChartGeom *g, int p, int l, int i, int *x,
                            int *y)
{
    if (!c || !g || !g->px || p < 0 || p >= g->n_panels || p >= c->n_panels || l < 0 ||
        l >= c->panels[p].n_lines || i < 0 || i >= g->n_x || g->px[i] < 0)
        return false;
    const ChartLine *ln = &c->panels[p].lines[l];
    Axis a = geom_axis(g, p);
    double py = ln->y && y_value_ok(a.log, ln->y[i]) ? y_pos(&a, g->plot[p], ln->y[i]) : NAN;
    if (!isfinite(py))
        return false;
    *x = g->px[i];
    *y = (int)lround(py);
    return true;
}

int render_chart_hit_line(const Chart *c, const RChartGeom *g, int i, int x, int y, int *panel)
{
    if (panel)
        *panel = -1;
    if (!c || !g || i < 0 || i >= c->n_x || g->n_panels != c->n_panels)
        return -1;
    for (int p = 0; p < g->n_panels; p++) {
        RRect r = g->plot[p];
        if (x < r.x - 4 || x > r.x + r.w + 4 || y < r.y - 4 || y > r.y + r.h + 4)
            continue;
        if (panel)
            *panel = p;
        int best = -1, best_d = 0;
        for (int l = 0; l < c->panels[p].n_lines; l++) {
            int px, py;
            if (!render_chart_point_pos(c, g, p, l, i, &px, &py))
                continue;
            if (best < 0 || abs(py - y) < best_d) {
                best = l;
                best_d = abs(py - y);
            }
        }
        return best;
    }
    return -1;
}
