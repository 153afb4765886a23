/*
 * export.c - headless pictures of a run: a software renderer draws the
 * frame into an ARGB8888 surface (no window, no display, no video driver)
 * and SDL2_image writes it as PNG; the same draw list becomes SVG.
 *
 * Invariant: sizes are checked before anything is allocated, and every
 * picture is encoded in memory and written by the one checked writer
 * (fileio.c), so a refused or failed export leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "SDL_image.h"

#include "output.h"
#include "render.h"

int render_export_check_size(int width, int height, double scale, SimError *err)
{
    if (width < 64 || height < 64)
        return sim_error_set(err, SIM_ERR_LIMIT, "size %dx%d is too small; use at least 64x64",
                             width, height);
    if (!(scale >= 0.25 && scale <= 8))
        return sim_error_set(err, SIM_ERR_LIMIT, "scale %g is out of range; use 0.25 to 8", scale);
    double w = width * scale, h = height * scale;
    if (w > R_EXPORT_MAX_SIDE || h > R_EXPORT_MAX_SIDE || w * h > (double)R_EXPORT_MAX_PIXELS)
        return sim_error_set(err, SIM_ERR_LIMIT,
                             "image of %.0fx%.0f pixels is too large; at most %d pixels per side "
                             "and %lld in total",
                             w, h, R_EXPORT_MAX_SIDE, (long long)R_EXPORT_MAX_PIXELS);
    return SIM_OK;
}

/* ---- The offscreen canvas every PNG is drawn on ---------------------------- */

int render_offscreen_open(ROffscreen *o, int width, int height, SimError *err)
{
    int rc;
    memset(o, 0, sizeof(*o));
    o->surface = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!o->surface)
        return sim_error_set(err, SIM_ERR_NOMEM, "cannot allocate a %dx%d image: %s", width,
                             height, SDL_GetError());
    if (!(o->rend = SDL_CreateSoftwareRenderer(o->surface))) {
        rc = sim_error_set(err, SIM_ERR_IO, "cannot create a software renderer: %s",
                           SDL_GetError());
        goto fail;
    }
    if (!(o->tx = render_text_create(o->rend, err))) {
        rc = err && err->code ? err->code : SIM_ERR_IO;
        goto fail;
    }
    if (!(o->be = render_backend_create(o->rend, o->tx, err))) {
        rc = err && err->code ? err->code : SIM_ERR_NOMEM;
        goto fail;
    }
    return SIM_OK;
fail:
    render_offscreen_close(o, false);
    return rc;
}

SDL_Surface *render_offscreen_close(ROffscreen *o, bool keep_surface)
{
    render_backend_destroy(o->be);
    render_text_destroy(o->tx);
    if (o->rend)
        SDL_DestroyRenderer(o->rend);
    SDL_Surface *s = o->surface;
    if (s && !keep_surface) {
        SDL_FreeSurface(s);
        s = NULL;
    }
    memset(o, 0, sizeof(*o));
    return s;
}

/* ---- Timelines ------------------------------------------------------------ */

SDL_Surface *render_export_surface(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                                   SimError *err)
{
    if (render_export_check_size(vp->width, vp->height, 1.0, err) < 0)
        return NULL;
    ROffscreen o;
    if (render_offscreen_open(&o, vp->width, vp->height, err) < 0)
        return NULL;
    int rc = SIM_ERR_NOMEM;
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    RTextMetrics tm = render_text_metrics(o.tx);
    if (!L)
        sim_error_set(err, rc, "out of memory for the frame");
    else if (render_layout_build(L, ix, vp, opt, &tm, &dl) < 0)
        sim_error_set(err, rc, "out of memory while laying out the frame");
    else
        rc = render_backend_draw(o.be, &dl, err);
    draw_list_free(&dl);
    render_layout_destroy(L);
    return render_offscreen_close(&o, rc == SIM_OK);
}

/* ---- PNG bytes -------------------------------------------------------------
 * SDL2_image writes into an SDL_RWops; this one grows a buffer in memory,
 * so the PNG reaches the disk through the one checked writer (fileio.c)
 * rather than through a FILE whose errors libpng might not report. */

typedef struct MemBuf {
    char *data;
    size_t len, cap, pos;
    bool failed;
} MemBuf;

static size_t SDLCALL mem_write(SDL_RWops *rw, const void *p, size_t size, size_t num)
{
    MemBuf *m = rw->hidden.unknown.data1;
    size_t n = size * num;
    if (m->failed || (num && n / num != size) || m->pos + n < m->pos) {
        m->failed = true;
        return 0;
    }
    if (m->pos + n > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 16;
        while (cap < m->pos + n)
            cap *= 2;
        char *d = realloc(m->data, cap);
        if (!d) {
            m->failed = true;
            return 0;
        }
        m->data = d;
        m->cap = cap;
    }
    if (m->pos > m->len)
        memset(m->data + m->len, 0, m->pos - m->len);
    memcpy(m->data + m->pos, p, n);
    m->pos += n;
    if (m->pos > m->len)
        m->len = m->pos;
    return num;
}

static Sint64 SDLCALL mem_seek(SDL_RWops *rw, Sint64 off, int whence)
{
    MemBuf *m = rw->hidden.unknown.data1;
    Sint64 base = whence == RW_SEEK_SET ? 0 : whence == RW_SEEK_CUR ? (Sint64)m->pos : (Sint64)m->len;
    if (base + off < 0)
        return -1;
    m->pos = (size_t)(base + off);
    return (Sint64)m->pos;
}

static Sint64 SDLCALL mem_size(SDL_RWops *rw)
{
    return (Sint64)((MemBuf *)rw->hidden.unknown.data1)->len;
}

static size_t SDLCALL mem_read(SDL_RWops *rw, void *p, size_t size, size_t num)
{
    (void)rw, (void)p, (void)size, (void)num;
    return 0;
}

static int SDLCALL mem_close(SDL_RWops *rw)
{
    SDL_FreeRW(rw);
    return 0;
}

int render_png_encode(SDL_Surface *s, char **data, size_t *len, SimError *err)
{
    MemBuf m = {0};
    *data = NULL;
    *len = 0;
    SDL_RWops *rw = SDL_AllocRW();
    if (!rw)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while encoding the PNG");
    rw->type = SDL_RWOPS_UNKNOWN;
    rw->hidden.unknown.data1 = &m;
    rw->write = mem_write;
    rw->seek = mem_seek;
    rw->size = mem_size;
    rw->read = mem_read;
    rw->close = mem_close;
    if (IMG_SavePNG_RW(s, rw, 1) < 0 || m.failed) {
        free(m.data);
        return sim_error_set(err, m.failed ? SIM_ERR_NOMEM : SIM_ERR_IO, "cannot encode the PNG: %s",
                             m.failed ? "out of memory" : IMG_GetError());
    }
    *data = m.data;
    *len = m.len;
    return SIM_OK;
}

int render_save_png(SDL_Surface *s, const char *path, SimError *err)
{
    char *png;
    size_t len;
    int rc = render_png_encode(s, &png, &len, err);
    if (rc == SIM_OK)
        rc = render_write_atomic(path, png, len, err);
    free(png);
    return rc;
}

int render_export_png(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                      const char *path, SimError *err)
{
    SDL_Surface *s = render_export_surface(ix, vp, opt, err);
    if (!s)
        return err ? err->code : SIM_ERR_IO;
    int rc = render_save_png(s, path, err);
    SDL_FreeSurface(s);
    return rc;
}

int render_export_svg(const RIndex *ix, const RViewport *vp, const RLayoutOpts *opt,
                      const char *path, SimError *err)
{
    if (render_export_check_size(vp->width, vp->height, 1.0, err) < 0)
        return SIM_ERR_LIMIT;
    /* Text is measured with the same fonts as the PNG, so labels fit alike. */
    RText *tx = render_text_create(NULL, err);
    if (!tx)
        return err ? err->code : SIM_ERR_IO;
    RTextMetrics tm = render_text_metrics(tx);
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    int rc;
    char *svg = NULL;
    size_t len = 0;
    if (!L || render_layout_build(L, ix, vp, opt, &tm, &dl) < 0 ||
        !(svg = render_svg_from_list(&dl, &len)))
        rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while drawing the SVG");
    else
        rc = render_write_atomic(path, svg, len, err);
    free(svg);
    draw_list_free(&dl);
    render_layout_destroy(L);
    render_text_destroy(tx);
    return rc;
}

/* ---- Compare: two runs in one picture ----------------------------------- */

static int compare_list(const RIndex *const ix[2], const RViewport *vp, const RLayoutOpts *opt,
                        const RCmpRow *rows, int n_rows, const RTextMetrics *tm, DrawList *dl,
                        SimError *err)
{
    RCompare *C = render_compare_create();
    int rc = C ? render_compare_build(C, ix, vp, opt, rows, n_rows, tm, dl) : SIM_ERR_NOMEM;
    render_compare_destroy(C);
    if (rc < 0)
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory while laying out the comparison");
    return rc;
}


int render_export_compare(const RIndex *const ix[2], const RViewport *vp, const RLayoutOpts *opt,
                          const RCmpRow *rows, int n_rows, const char *path, bool svg,
                          SimError *err)
{
    if (render_export_check_size(vp->width, vp->height, 1.0, err) < 0)
        return SIM_ERR_LIMIT;
    DrawList dl;
    draw_list_init(&dl);
    int rc;
    if (svg) {
        RText *tx = render_text_create(NULL, err);
        if (!tx)
            return err ? err->code : SIM_ERR_IO;
        RTextMetrics tm = render_text_metrics(tx);
        char *doc = NULL;
        size_t len = 0;
        rc = compare_list(ix, vp, opt, rows, n_rows, &tm, &dl, err);
        if (rc == SIM_OK && !(doc = render_svg_from_list(&dl, &len)))
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while drawing the SVG");
        if (rc == SIM_OK)
            rc = render_write_atomic(path, doc, len, err);
        free(doc);
        render_text_destroy(tx);
        draw_list_free(&dl);
        return rc;
    }
    ROffscreen o;
    if ((rc = render_offscreen_open(&o, vp->width, vp->height, err)) < 0)
        return rc;
    RTextMetrics tm = render_text_metrics(o.tx);
    rc = compare_list(ix, vp, opt, rows, n_rows, &tm, &dl, err);
    if (rc == SIM_OK)
        rc = render_backend_draw(o.be, &dl, err);
    draw_list_free(&dl);
    SDL_Surface *s = render_offscreen_close(&o, true);
    if (rc == SIM_OK)
        rc = render_save_png(s, path, err);
    SDL_FreeSurface(s);
    return rc;
}
