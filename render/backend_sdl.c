/*
 * backend_sdl.c - replays a draw list on an SDL_Renderer: the only file of
 * gilsim that calls SDL_Render*. The same code draws the window and, on a
 * software renderer over a surface, the exported PNG.
 *
 * Hatches are tiles copied with a source offset of (x mod period, y mod
 * period), so patterns stay anchored to the page and two neighbouring spans
 * of one state join without a seam. An opaque fill gets a pre-mixed opaque
 * tile (fill and ink blended once, copied without blending); a translucent
 * one gets the fill plus a white-on-transparent tile tinted with a colour
 * modulation.
 *
 * Invariant: every command is drawn with blending on and the clip state
 * the list asks for; the renderer's clip is removed when the replay ends.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define TILE 256 /* hatch texture side, rounded down to a multiple of the period */

#define SOLID_TILES 48 /* opaque pre-mixed tiles kept: reasons x themes fit */

/* An opaque tile: the fill with the hatch ink already blended in, so a
 * hatched span is one plain copy instead of a fill plus a blended copy. */
typedef struct SolidTile {
    SDL_Texture *tex;
    uint8_t hatch;
    int period, side;
    RColor fill, ink;
    unsigned last_used;
} SolidTile;

struct RBackend {
    SDL_Renderer *rend;
    RText *tx;
    SDL_Texture *hatch[R_HATCH_COUNT];
    int hatch_period[R_HATCH_COUNT];
    int hatch_side[R_HATCH_COUNT];
    SolidTile solid[SOLID_TILES];
    unsigned frame;
};

RBackend *render_backend_create(SDL_Renderer *rend, RText *tx, SimError *err)
{
    RBackend *b = calloc(1, sizeof(*b));
    if (!b) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory for the renderer");
        return NULL;
    }
    b->rend = rend;
    b->tx = tx;
    return b;
}

void render_backend_destroy(RBackend *b)
{
    if (!b)
        return;
    for (int i = 0; i < R_HATCH_COUNT; i++)
        if (b->hatch[i])
            SDL_DestroyTexture(b->hatch[i]);
    for (int i = 0; i < SOLID_TILES; i++)
        if (b->solid[i].tex)
            SDL_DestroyTexture(b->solid[i].tex);
    free(b);
}

static bool hatch_pixel(RHatch h, int x, int y, int p)
{
    int lw = p / 7 > 1 ? p / 7 : 1;
    int d = p / 3 > 2 ? p / 3 : 2;
    switch (h) {
    case R_HATCH_DIAG:
        return (x + y) % p < lw;
    case R_HATCH_BACKDIAG:
        return ((x - y) % p + p) % p < lw;
    case R_HATCH_CROSS:
        return (x + y) % p < lw || ((x - y) % p + p) % p < lw;
    case R_HATCH_HORIZ:
        return y % p < lw;
    case R_HATCH_VERT:
        return x % p < lw;
    case R_HATCH_DOTS:
        return x % p < d && y % p < d;
    case R_HATCH_GRID:
        return x % p < lw || y % p < lw;
    default:
        return false;
    }
}

static SDL_Texture *hatch_texture(RBackend *b, RHatch h, int period, int *side)
{
    if (b->hatch[h] && b->hatch_period[h] == period) {
        *side = b->hatch_side[h];
        return b->hatch[h];
    }
    if (b->hatch[h])
        SDL_DestroyTexture(b->hatch[h]);
    b->hatch[h] = NULL;
    int n = TILE / period * period;
    if (n < period)
        n = period;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, n, n, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    uint32_t on = SDL_MapRGBA(s->format, 255, 255, 255, 255);
    uint32_t off = SDL_MapRGBA(s->format, 255, 255, 255, 0);
    for (int y = 0; y < n; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch);
        for (int x = 0; x < n; x++)
            row[x] = hatch_pixel(h, x, y, period) ? on : off;
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(b->rend, s);
    SDL_FreeSurface(s);
    if (!t)
        return NULL;
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    b->hatch[h] = t;
    b->hatch_period[h] = period;
    b->hatch_side[h] = n;
    *side = n;
    return t;
}

static bool same(RColor a, RColor b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

static uint8_t mix(uint8_t under, uint8_t over, uint8_t a)
{
    return (uint8_t)((under * (255 - a) + over * a + 127) / 255);
}

static SolidTile *solid_tile(RBackend *b, const RCmd *c)
{
    int victim = 0;
    for (int i = 0; i < SOLID_TILES; i++) {
        SolidTile *t = &b->solid[i];
        if (t->tex && t->hatch == c->hatch && t->period == c->size && same(t->fill, c->color) &&
            same(t->ink, c->color2)) {
            t->last_used = b->frame;
            return t;
        }
        if (!t->tex || (b->solid[victim].tex && t->last_used < b->solid[victim].last_used))
            victim = i;
    }
    int p = c->size, n = TILE / p * p;
    if (n < p)
        n = p;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, n, n, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    RColor f = c->color, k = c->color2;
    uint32_t off = SDL_MapRGBA(s->format, f.r, f.g, f.b, 255);
    uint32_t on = SDL_MapRGBA(s->format, mix(f.r, k.r, k.a), mix(f.g, k.g, k.a), mix(f.b, k.b, k.a), 255);
    for (int y = 0; y < n; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch);
        for (int x = 0; x < n; x++)
            row[x] = hatch_pixel((RHatch)c->hatch, x, y, p) ? on : off;
    }
    SDL_Texture *tex = SDL_CreateTextureFromSurface(b->rend, s);
    SDL_FreeSurface(s);
    if (!tex)
        return NULL;
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_NONE);
    SolidTile *t = &b->solid[victim];
    if (t->tex)
        SDL_DestroyTexture(t->tex);
    *t = (SolidTile){tex, c->hatch, p, n, c->color, c->color2, b->frame};
    return t;
}

/* Copies a periodic tile over r, anchored to the page. */
static void tile_over(SDL_Renderer *rend, SDL_Texture *t, int side, int p, RRect r)
{
    for (int y = r.y; y < r.y + r.h;) {
        int sy = ((y % p) + p) % p;
        int h = side - sy;
        if (h > r.y + r.h - y)
            h = r.y + r.h - y;
        for (int x = r.x; x < r.x + r.w;) {
            int sx = ((x % p) + p) % p;
            int w = side - sx;
            if (w > r.x + r.w - x)
                w = r.x + r.w - x;
            SDL_Rect src = {sx, sy, w, h}, dst = {x, y, w, h};
            SDL_RenderCopy(rend, t, &src, &dst);
            x += w;
        }
        y += h;
    }
}

static void fill(SDL_Renderer *r, int x, int y, int w, int h)
{
    if (w <= 0 || h <= 0)
        return;
    SDL_Rect q = {x, y, w, h};
    SDL_RenderFillRect(r, &q);
}

/* Opaque colours are drawn without blending: the software renderer then
 * fills with plain stores, several times faster than blending. */
static void set_color(SDL_Renderer *r, RColor c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

static void draw_hatch(RBackend *b, const RCmd *c)
{
    int side = 0;
    SDL_Texture *t = hatch_texture(b, (RHatch)c->hatch, c->size, &side);
    if (!t)
        return;
    SDL_SetTextureColorMod(t, c->color2.r, c->color2.g, c->color2.b);
    SDL_SetTextureAlphaMod(t, c->color2.a);
    tile_over(b->rend, t, side, c->size, c->u.rect);
}

/* A thick segment as a quad of two triangles. */
static void thick_line(SDL_Renderer *r, const RCmd *c)
{
    double x0 = c->u.line.x0 + 0.5, y0 = c->u.line.y0 + 0.5;
    double x1 = c->u.line.x1 + 0.5, y1 = c->u.line.y1 + 0.5;
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
    if (len < 1e-6)
        return;
    double hw = c->size / 2.0, nx = -dy / len * hw, ny = dx / len * hw;
    SDL_Color col = {c->color.r, c->color.g, c->color.b, c->color.a};
    SDL_Vertex v[4] = {
        {{(float)(x0 + nx), (float)(y0 + ny)}, col, {0, 0}},
        {{(float)(x1 + nx), (float)(y1 + ny)}, col, {0, 0}},
        {{(float)(x1 - nx), (float)(y1 - ny)}, col, {0, 0}},
        {{(float)(x0 - nx), (float)(y0 - ny)}, col, {0, 0}},
    };
    static const int idx[6] = {0, 1, 2, 0, 2, 3};
    SDL_RenderGeometry(r, NULL, v, 4, idx, 6);
}

int render_backend_draw(RBackend *b, const DrawList *dl, SimError *err)
{
    SDL_Renderer *r = b->rend;
    if (dl->oom)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while building the frame");
    SDL_RenderSetClipRect(r, NULL);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    set_color(r, dl->clear);
    SDL_RenderClear(r);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *c = &dl->cmds[i];
        switch (c->kind) {
        case R_CMD_RECT: {
            bool hatched = c->hatch != R_HATCH_NONE && c->hatch < R_HATCH_COUNT && c->color2.a;
            SolidTile *st = hatched && c->color.a == 255 ? solid_tile(b, c) : NULL;
            if (st) {
                tile_over(r, st->tex, st->side, st->period, c->u.rect);
                break;
            }
            if (c->color.a) {
                set_color(r, c->color);
                fill(r, c->u.rect.x, c->u.rect.y, c->u.rect.w, c->u.rect.h);
            }
            if (hatched)
                draw_hatch(b, c);
            break;
        }
        case R_CMD_FRAME: {
            RRect q = c->u.rect;
            int t = c->size;
            if (2 * t >= q.w || 2 * t >= q.h) {
                set_color(r, c->color);
                fill(r, q.x, q.y, q.w, q.h);
                break;
            }
            set_color(r, c->color);
            fill(r, q.x, q.y, q.w, t);
            fill(r, q.x, q.y + q.h - t, q.w, t);
            fill(r, q.x, q.y + t, t, q.h - 2 * t);
            fill(r, q.x + q.w - t, q.y + t, t, q.h - 2 * t);
            break;
        }
        case R_CMD_LINE: {
            int x0 = c->u.line.x0, y0 = c->u.line.y0, x1 = c->u.line.x1, y1 = c->u.line.y1;
            int t = c->size;
            set_color(r, c->color);
            if (y0 == y1) {
                int xa = x0 < x1 ? x0 : x1, xb = x0 < x1 ? x1 : x0;
                fill(r, xa, y0 - t / 2, xb - xa + 1, t);
            } else if (x0 == x1) {
                int ya = y0 < y1 ? y0 : y1, yb = y0 < y1 ? y1 : y0;
                fill(r, x0 - t / 2, ya, t, yb - ya + 1);
            } else if (t <= 1) {
                SDL_RenderDrawLine(r, x0, y0, x1, y1);
            } else {
                thick_line(r, c);
            }
            break;
        }
        case R_CMD_TRI: {
            set_color(r, c->color);
            SDL_Color col = {c->color.r, c->color.g, c->color.b, c->color.a};
            SDL_Vertex v[3];
            for (int k = 0; k < 3; k++)
                v[k] = (SDL_Vertex){{(float)c->u.tri.x[k], (float)c->u.tri.y[k]}, col, {0, 0}};
            SDL_RenderGeometry(r, NULL, v, 3, NULL, 0);
            break;
        }
        case R_CMD_TEXT: {
            int w, h;
            SDL_Texture *t = b->tx ? render_text_texture(b->tx, draw_text_of(dl, c), (RFont)c->font,
                                                         c->size, &w, &h)
                                   : NULL;
            if (!t)
                break;
            SDL_SetTextureColorMod(t, c->color.r, c->color.g, c->color.b);
            SDL_SetTextureAlphaMod(t, c->color.a);
            SDL_Rect dst = {c->u.text.x, c->u.text.y - h / 2, w, h};
            if (c->align == R_ALIGN_CENTER)
                dst.x -= w / 2;
            else if (c->align == R_ALIGN_RIGHT)
                dst.x -= w;
            SDL_RenderCopy(r, t, NULL, &dst);
            break;
        }
        case R_CMD_CLIP:
            if (c->u.rect.w < 0) {
                SDL_RenderSetClipRect(r, NULL);
            } else {
                SDL_Rect q = {c->u.rect.x, c->u.rect.y, c->u.rect.w > 0 ? c->u.rect.w : 1,
                              c->u.rect.h > 0 ? c->u.rect.h : 1};
                SDL_RenderSetClipRect(r, &q);
            }
            break;
        default:
            break;
        }
    }
    SDL_RenderSetClipRect(r, NULL);
    if (b->tx)
        render_text_frame_end(b->tx);
    b->frame++;
    return SIM_OK;
}
