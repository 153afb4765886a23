/*
 * svg.c - the draw list as an SVG document, for papers and slides.
 *
 * The picture is the one the SDL backend draws: same coordinates, same
 * colours; hatches become <pattern>s anchored to the page like the SDL
 * tiles and text stays text (DejaVu Sans first, as in the PNG), one
 * <text> per line with its baseline placed as the PNG's. Clipping
 * is done here, geometrically (rectangles are cut, lines trimmed, text and
 * triangles outside dropped), rather than with clip-path, which several
 * SVG consumers (converters, LaTeX tool chains) render wrongly.
 *
 * Invariant: the output is well-formed XML whatever the scenario's names
 * contain: text is escaped and control characters are replaced.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* Text with XML's five special characters escaped and control characters,
 * which XML 1.0 forbids, replaced by '?'. */
static void put_escaped(StrBuf *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            strbuf_puts(o, "&amp;");
            break;
        case '<':
            strbuf_puts(o, "&lt;");
            break;
        case '>':
            strbuf_puts(o, "&gt;");
            break;
        case '"':
            strbuf_puts(o, "&quot;");
            break;
        default:
            strbuf_putc(o, (char)(*p < 0x20 || *p == 0x7f ? '?' : *p));
            break;
        }
    }
}

/* The intersection of r and the clip; false if empty. */
static bool clip_rect(RRect r, const RRect *clip, RRect *out)
{
    if (!clip) {
        *out = r;
        return r.w > 0 && r.h > 0;
    }
    int x0 = r.x > clip->x ? r.x : clip->x, y0 = r.y > clip->y ? r.y : clip->y;
    int x1 = r.x + r.w < clip->x + clip->w ? r.x + r.w : clip->x + clip->w;
    int y1 = r.y + r.h < clip->y + clip->h ? r.y + r.h : clip->y + clip->h;
    *out = (RRect){x0, y0, x1 - x0, y1 - y0};
    return x1 > x0 && y1 > y0;
}

/* Trims a segment to the clip (Liang-Barsky); false if nothing is left. */
static bool clip_line(double *x0, double *y0, double *x1, double *y1, const RRect *clip)
{
    if (!clip)
        return true;
    double dx = *x1 - *x0, dy = *y1 - *y0, a = 0, b = 1;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {*x0 - clip->x, clip->x + clip->w - *x0, *y0 - clip->y, clip->y + clip->h - *y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) {
            if (t > b)
                return false;
            if (t > a)
                a = t;
        } else {
            if (t < a)
                return false;
            if (t < b)
                b = t;
        }
    }
    double nx0 = *x0 + a * dx, ny0 = *y0 + a * dy, nx1 = *x0 + b * dx, ny1 = *y0 + b * dy;
    *x0 = nx0;
    *y0 = ny0;
    *x1 = nx1;
    *y1 = ny1;
    return true;
}

static void color_attr(StrBuf *o, const char *name, RColor c)
{
    strbuf_printf(o, " %s=\"#%02x%02x%02x\"", name, c.r, c.g, c.b);
    if (c.a != 255)
        strbuf_printf(o, " %s-opacity=\"%.3f\"", name, c.a / 255.0);
}

/* Pattern key: hatch, period and ink. */
typedef struct Pat {
    uint8_t hatch;
    int16_t period;
    RColor ink;
} Pat;

static int pat_find(const Pat *pats, int n, const RCmd *c)
{
    for (int i = 0; i < n; i++)
        if (pats[i].hatch == c->hatch && pats[i].period == c->size &&
            memcmp(&pats[i].ink, &c->color2, sizeof(RColor)) == 0)
            return i;
    return -1;
}

static void pattern_def(StrBuf *o, int id, const Pat *pt)
{
    int p = pt->period;
    double lw = p / 7 > 1 ? p / 7 : 1;
    strbuf_printf(o,
                  "<pattern id=\"h%d\" patternUnits=\"userSpaceOnUse\" width=\"%d\" height=\"%d\">",
                  id, p, p);
    const char *stroke_open = "<path fill=\"none\"";
    switch (pt->hatch) {
    case 1: /* DIAG */
    case 2: /* BACKDIAG */
    case 3: /* CROSS */
        strbuf_printf(o, "%s", stroke_open);
        color_attr(o, "stroke", pt->ink);
        strbuf_printf(o, " stroke-width=\"%.2f\" d=\"", lw);
        if (pt->hatch != 2) /* x + y = 0, p, 2p */
            strbuf_printf(o, "M0,%d L%d,0 M-1,1 L1,-1 M%d,%d L%d,%d ", p, p, p - 1, p + 1, p + 1,
                          p - 1);
        if (pt->hatch != 1) /* x - y = 0, p, -p */
            strbuf_printf(o, "M0,0 L%d,%d M%d,-1 L%d,1 M-1,%d L1,%d ", p, p, p - 1, p + 1, p - 1,
                          p + 1);
        strbuf_printf(o, "\"/>");
        break;
    case 4: /* HORIZ */
        strbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.2f\"", p, lw);
        color_attr(o, "fill", pt->ink);
        strbuf_printf(o, "/>");
        break;
    case 5: /* VERT */
        strbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%.2f\" height=\"%d\"", lw, p);
        color_attr(o, "fill", pt->ink);
        strbuf_printf(o, "/>");
        break;
    case 6: { /* DOTS */
        int d = p / 3 > 2 ? p / 3 : 2;
        strbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\"", d, d);
        color_attr(o, "fill", pt->ink);
        strbuf_printf(o, "/>");
        break;
    }
    case 7: /* GRID */
        strbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.2f\"", p, lw);
        color_attr(o, "fill", pt->ink);
        strbuf_printf(o, "/><rect x=\"0\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", lw, lw,
                      p - lw);
        color_attr(o, "fill", pt->ink);
        strbuf_printf(o, "/>");
        break;
    default:
        break;
    }
    strbuf_printf(o, "</pattern>\n");
}

/* ---- Text -----------------------------------------------------------------
 * The draw list gives a text's vertical centre; the PNG centres a box of
 * the font's height (ascent + descent) on it and puts the baseline ascent
 * below the box's top. SVG readers disagree on dominant-baseline (rsvg,
 * Inkscape and LaTeX tool chains ignore it), so the baseline is computed
 * here from DejaVu's metrics (all three faces: ascender 1901, descender
 * 483, of 2048 units per em), rounded up to whole pixels as SDL_ttf does.
 */
static int baseline_of(int y, int size)
{
    int ascent = (1901 * size + 2047) / 2048;
    int height = ((1901 + 483) * size + 2047) / 2048;
    return y - height / 2 + ascent;
}

static void font_attrs(StrBuf *o, const RCmd *c)
{
    if (c->font == R_FONT_BOLD)
        strbuf_printf(o, " font-weight=\"bold\"");
    else if (c->font == R_FONT_MONO)
        strbuf_printf(o, " font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\"");
    color_attr(o, "fill", c->color);
}

static bool text_visible(const RCmd *c, const RRect *clip)
{
    return !clip || rrect_contains(*clip, c->u.text.x, c->u.text.y);
}

/*
 * The TEXT command at i and those that continue its line (the same centre,
 * size and alignment, one after the other in the list: a header's segments
 * and separators) as one <text>, a <tspan> per piece at the piece's own x.
 * Spaces are kept (xml:space), so a separator's spaces neither collapse
 * nor shift what follows. Returns the index after the line.
 */
static size_t text_line(StrBuf *o, const DrawList *dl, size_t i, const RRect *clip)
{
    static const char *const anchor[] = {"start", "middle", "end"};
    const RCmd *c = &dl->cmds[i];
    size_t end = i + 1;
    while (end < dl->n && dl->cmds[end].kind == R_CMD_TEXT && dl->cmds[end].u.text.y == c->u.text.y &&
           dl->cmds[end].size == c->size && dl->cmds[end].align == c->align)
        end++;
    size_t shown = 0, first = end;
    for (size_t k = i; k < end; k++)
        if (text_visible(&dl->cmds[k], clip) && shown++ == 0)
            first = k;
    if (!shown)
        return end;
    strbuf_printf(o, "<text xml:space=\"preserve\" y=\"%d\" font-size=\"%d\"", baseline_of(c->u.text.y, c->size),
                  c->size);
    if (c->align != R_ALIGN_LEFT)
        strbuf_printf(o, " text-anchor=\"%s\"", anchor[c->align <= 2 ? c->align : 0]);
    if (shown == 1) {
        const RCmd *t = &dl->cmds[first];
        strbuf_printf(o, " x=\"%d\"", t->u.text.x);
        font_attrs(o, t);
        strbuf_printf(o, ">");
        put_escaped(o, draw_text_of(dl, t));
    } else {
        strbuf_printf(o, ">");
        for (size_t k = first; k < end; k++) {
            const RCmd *t = &dl->cmds[k];
            if (!text_visible(t, clip))
                continue;
            strbuf_printf(o, "<tspan x=\"%d\"", t->u.text.x);
            font_attrs(o, t);
            strbuf_printf(o, ">");
            put_escaped(o, draw_text_of(dl, t));
            strbuf_printf(o, "</tspan>");
        }
    }
    strbuf_printf(o, "</text>\n");
    return end;
}

char *render_svg_from_list(const DrawList *dl, size_t *len)
{
    StrBuf o = {0};
    Pat *pats = NULL;
    int n_pats = 0, cap_pats = 0;
    /* Patterns first: SVG wants them defined once, up front. */
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *c = &dl->cmds[i];
        if (c->kind != R_CMD_RECT || c->hatch == R_HATCH_NONE || c->hatch >= R_HATCH_COUNT ||
            pat_find(pats, n_pats, c) >= 0)
            continue;
        if (n_pats == cap_pats) {
            int nc = cap_pats ? cap_pats * 2 : 16;
            Pat *np = realloc(pats, (size_t)nc * sizeof(*np));
            if (!np) {
                free(pats);
                return NULL;
            }
            pats = np;
            cap_pats = nc;
        }
        pats[n_pats++] = (Pat){c->hatch, c->size, c->color2};
    }
    strbuf_printf(&o,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" stroke=\"none\" "
                  "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n",
                  dl->width, dl->height, dl->width, dl->height);
    /* What the picture is, for screen readers, file browsers and search. */
    if (draw_list_title(dl)) {
        strbuf_printf(&o, "<title>");
        put_escaped(&o, draw_list_title(dl));
        strbuf_printf(&o, "</title>\n");
    }
    if (draw_list_desc(dl)) {
        strbuf_printf(&o, "<desc>");
        put_escaped(&o, draw_list_desc(dl));
        strbuf_printf(&o, "</desc>\n");
    }
    strbuf_printf(&o, "<defs>\n");
    for (int i = 0; i < n_pats; i++)
        pattern_def(&o, i, &pats[i]);
    strbuf_printf(&o, "</defs>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\"", dl->width,
                  dl->height);
    color_attr(&o, "fill", dl->clear);
    strbuf_printf(&o, "/>\n");
    RRect clip;
    bool clipped = false;
    for (size_t i = 0; i < dl->n && !o.oom; i++) {
        const RCmd *c = &dl->cmds[i];
        const RRect *cl = clipped ? &clip : NULL;
        switch (c->kind) {
        case R_CMD_RECT: {
            RRect r;
            if (!clip_rect(c->u.rect, cl, &r))
                break;
            if (c->color.a) {
                strbuf_printf(&o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", r.x, r.y,
                              r.w, r.h);
                color_attr(&o, "fill", c->color);
                strbuf_printf(&o, "/>\n");
            }
            int pi = c->hatch != R_HATCH_NONE ? pat_find(pats, n_pats, c) : -1;
            if (pi >= 0)
                strbuf_printf(&o,
                              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#h%d)\"/>\n",
                              r.x, r.y, r.w, r.h, pi);
            break;
        }
        case R_CMD_FRAME: {
            RRect r = c->u.rect, vis;
            if (!clip_rect(r, cl, &vis))
                break;
            double t = c->size;
            strbuf_printf(&o,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\"",
                          r.x + t / 2, r.y + t / 2, r.w - t, r.h - t);
            color_attr(&o, "stroke", c->color);
            strbuf_printf(&o, " stroke-width=\"%d\"/>\n", c->size);
            break;
        }
        case R_CMD_LINE: {
            double off = (c->size % 2) ? 0.5 : 0.0;
            double x0 = c->u.line.x0 + off, y0 = c->u.line.y0 + off;
            double x1 = c->u.line.x1 + off, y1 = c->u.line.y1 + off;
            if (!clip_line(&x0, &y0, &x1, &y1, cl))
                break;
            strbuf_printf(&o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x0, y0, x1,
                          y1);
            color_attr(&o, "stroke", c->color);
            strbuf_printf(&o, " stroke-width=\"%d\" stroke-linecap=\"square\"/>\n", c->size);
            break;
        }
        case R_CMD_TRI: {
            int minx = c->u.tri.x[0], maxx = minx, miny = c->u.tri.y[0], maxy = miny;
            for (int k = 1; k < 3; k++) {
                minx = c->u.tri.x[k] < minx ? c->u.tri.x[k] : minx;
                maxx = c->u.tri.x[k] > maxx ? c->u.tri.x[k] : maxx;
                miny = c->u.tri.y[k] < miny ? c->u.tri.y[k] : miny;
                maxy = c->u.tri.y[k] > maxy ? c->u.tri.y[k] : maxy;
            }
            RRect bb = {minx, miny, maxx - minx + 1, maxy - miny + 1}, vis;
            if (!clip_rect(bb, cl, &vis))
                break;
            strbuf_printf(&o, "<polygon points=\"%d,%d %d,%d %d,%d\"", c->u.tri.x[0], c->u.tri.y[0],
                          c->u.tri.x[1], c->u.tri.y[1], c->u.tri.x[2], c->u.tri.y[2]);
            color_attr(&o, "fill", c->color);
            strbuf_printf(&o, "/>\n");
            break;
        }
        case R_CMD_TEXT:
            i = text_line(&o, dl, i, cl) - 1;
            break;
        case R_CMD_CLIP:
            clipped = c->u.rect.w >= 0;
            clip = c->u.rect;
            break;
        default:
            break;
        }
    }
    strbuf_printf(&o, "</svg>\n");
    free(pats);
    return strbuf_take(&o, len);
}
