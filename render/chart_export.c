/*
 * chart_export.c - charts as files without a display: the draw list from
 * chart.c is replayed on the offscreen canvas of export.c and saved with
 * SDL2_image, or turned into SVG.
 *
 * Invariant: the size is checked before anything is drawn, and the chart
 * is encoded in memory first, so a caller can write it together with other
 * outputs (a sweep's CSV) through output.h, all or none.
 */
#include <stdlib.h>

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


/* The chart as PNG bytes. */
static int encode_png(const Chart *c, const RChartStyle *st, char **data, size_t *len, SimError *err)
{
    ROffscreen o;
    int rc = render_offscreen_open(&o, st->width, st->height, err);
    if (rc < 0)
        return rc;
    DrawList dl;
    draw_list_init(&dl);
    if ((rc = build(c, st, o.tx, &dl, err)) == SIM_OK &&
        (rc = render_backend_draw(o.be, &dl, err)) == SIM_OK) {
        SDL_RenderPresent(o.rend);
        rc = render_png_encode(o.surface, data, len, err);
    }
    draw_list_free(&dl);
    render_offscreen_close(&o, false);
    return rc;
}

/* The chart as SVG text. */
static int encode_svg(const Chart *c, const RChartStyle *st, char **data, size_t *len, SimError *err)
{
    /* Measured with the PNG's fonts, so both pictures lay out alike. */
    RText *tx = render_text_create(NULL, err);
    if (!tx)
        return err ? err->code : SIM_ERR_IO;
    DrawList dl;
    draw_list_init(&dl);
    int rc = build(c, st, tx, &dl, err);
    if (rc == SIM_OK && !(*data = render_svg_from_list(&dl, len)))
        rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory while writing the SVG");
    draw_list_free(&dl);
    render_text_destroy(tx);
    return rc;
}

int render_chart_encode(const Chart *c, const RChartStyle *st, bool svg, char **data, size_t *len,
                        SimError *err)
{
    *data = NULL;
    *len = 0;
    if (render_export_check_size(st->width, st->height, 1.0, err) < 0)
        return SIM_ERR_LIMIT;
    return svg ? encode_svg(c, st, data, len, err) : encode_png(c, st, data, len, err);
}

static int export_file(const Chart *c, const RChartStyle *st, bool svg, const char *path, SimError *err)
{
    char *data;
    size_t len;
    int rc = render_chart_encode(c, st, svg, &data, &len, err);
    if (rc == SIM_OK)
        rc = render_write_atomic(path, data, len, err);
    free(data);
    return rc;
}

int render_chart_export_png(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err)
{
    return export_file(c, st, false, path, err);
}

int render_chart_export_svg(const Chart *c, const RChartStyle *st, const char *path,
                            SimError *err)
{
    return export_file(c, st, true, path, err);
}
