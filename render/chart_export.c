/*
 * chart_export.c - charts as files without a display: the draw list from
 * chart.c is replayed by the SDL backend on a software renderer over an
 * ARGB8888 surface and saved with SDL2_image, or turned into SVG.
 *
 * Invariant: the size is checked before anything is drawn, and the file
 * appears under its final name complete or not at all (a temporary file
 * beside it is renamed into place, and removed on failure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "SDL_image.h"

#include "chart.h"
#include "output.h"
#include "render.h"

static int build(const Chart *c, const RChartStyle *st, RText *tx, DrawList *dl, SimError *err)
{
    RTextMetrics tm = render_text_metrics(tx);
    int rc = render_chart_build(c, st, &tm, dl, NULL);
    if (rc == SIM_ERR_INVALID)
        return sim_error_set(err, rc, "nothing to chart (no points or no panels)");
    if (rc < 0)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory while drawing the chart");
    return SIM_OK;
}


int render_chart_export_png(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err)
{
    if (render_export_check_size(st->width, st->height, 1.0, err) < 0)
        return SIM_ERR_LIMIT;
    int rc = SIM_ERR_NOMEM;
    SDL_Renderer *rend = NULL;
    RText *tx = NULL;
    RBackend *be = NULL;
    DrawList dl;
    draw_list_init(&dl);
    SDL_Surface *s =
        SDL_CreateRGBSurfaceWithFormat(0, st->width, st->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) {
        rc = sim_error_set(err, SIM_ERR_NOMEM, "cannot allocate a %dx%d image: %s", st->width,
                           st->height, SDL_GetError());
        goto out;
    }
    rend = SDL_CreateSoftwareRenderer(s);
    if (!rend) {
        rc = sim_error_set(err, SIM_ERR_IO, "cannot create a software renderer: %s", SDL_GetError());
        goto out;
    }
    if (!(tx = render_text_create(rend, err))) {
        rc = err ? err->code : SIM_ERR_IO;
        goto out;
    }
    if (!(be = render_backend_create(rend, tx, err)))
        goto out;
    if ((rc = build(c, st, tx, &dl, err)) < 0)
        goto out;
    if ((rc = render_backend_draw(be, &dl, err)) < 0)
        goto out;
    SDL_RenderPresent(rend);
    rc = render_save_png(s, path, err);
out:
    draw_list_free(&dl);
    render_backend_destroy(be);
    render_text_destroy(tx);
    if (rend)
        SDL_DestroyRenderer(rend);
    if (s)
        SDL_FreeSurface(s);
    return rc;
}

int render_chart_export_svg(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err)
{
    if (render_export_check_size(st->width, st->height, 1.0, err) < 0)
        return SIM_ERR_LIMIT;
    /* Measured with the PNG's fonts, so both pictures lay out alike. */
    RText *tx = render_text_create(NULL, err);
    if (!tx)
        return err ? err->code : SIM_ERR_IO;
    DrawList dl;
    draw_list_init(&dl);
    char *svg = NULL;
    size_t len = 0;
    int rc = build(c, st, tx, &dl, err);
    if (rc == SIM_OK) {
        if (!(svg = render_svg_from_list(&dl, &len)))
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while writing the SVG");
        else
            rc = render_write_atomic(path, svg, len, err);
    }
    free(svg);
    draw_list_free(&dl);
    render_text_destroy(tx);
    return rc;
}
