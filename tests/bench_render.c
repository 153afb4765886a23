/*
 * bench_render.c - how fast the renderer is (a benchmark, not a test):
 *
 *   1. a synthetic trace of 10 million transitions: index build time, then
 *      frame times at 1920x1080 at six zoom levels, panning a little every
 *      frame: the layout alone (what the viewer pays on top of the GPU) and
 *      layout plus replay on the software renderer (the worst case, no GPU);
 *   2. a 1920x1080 PNG export of a 1-million-transition trace, end to end
 *      (fonts, layout, drawing, PNG encoding, atomic write).
 *
 * Prints p50 / p95 / max per zoom level and the targets beside them
 * (frame <= 8 ms, PNG <= 150 ms). BENCH_TRANSITIONS overrides 10 million.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duration_text.h"
#include "render.h"
#include "render_fixture.h"

#define FRAMES 40

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void stats(const char *what, double *v, int n, double target)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    double p50 = v[n / 2], p95 = v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], max = v[n - 1];
    printf("  %-28s p50 %7.2f ms   p95 %7.2f ms   max %7.2f ms   %s\n", what, p50, p95, max,
           target > 0 ? (p95 <= target ? "(within target)" : "(OVER TARGET)") : "");
}

int main(void)
{
    size_t transitions = 10000000;
    const char *env = getenv("BENCH_TRANSITIONS");
    if (env && atol(env) > 1000)
        transitions = (size_t)atol(env);

    printf("gilsim renderer benchmark\n");
    double t0 = now_ms();
    SimTrace *tr = fixture_synth(transitions, 8, 4);
    double t1 = now_ms();
    RIndex *ix = NULL;
    if (!tr || render_index_build(tr, &ix) < 0) {
        fprintf(stderr, "bench_render: out of memory building the trace\n");
        return 1;
    }
    double t2 = now_ms();
    printf("trace: %zu transitions, %zu records, %u lanes (built in %.0f ms)\n", ix->transitions,
           sim_trace_count(tr), ix->n_lanes, t1 - t0);
    printf("lane index with LOD pyramid: %.0f ms (once per trace)\n\n", t2 - t1);

    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 1920, 1080, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *rend = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    SimError err;
    RText *tx = rend ? render_text_create(rend, &err) : NULL;
    RBackend *be = tx ? render_backend_create(rend, tx, &err) : NULL;
    if (!be) {
        fprintf(stderr, "bench_render: cannot set up the software renderer or fonts\n");
        return 77;
    }
    RTextMetrics tm = render_text_metrics(tx);
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    RLayoutOpts o = render_layout_opts_export();
    o.fit_lanes = false;
    o.caption = false;
    o.cursor = ix->end / 2;

    printf("frames at 1920x1080, %d per zoom level (target: 8 ms):\n", FRAMES);
    for (int z = 0; z < 6; z++) {
        SimTime span = ix->end >> (3 * z);
        double lay[FRAMES], full[FRAMES];
        size_t cmds = 0;
        for (int f = 0; f < FRAMES; f++) {
            RViewport vp = render_viewport_default(ix, 1920, 1080);
            SimTime start = (ix->end - span) / 2 + (SimTime)((double)span * 0.01 * f);
            vp.t0 = z == 0 ? (SimTime)((double)span * 0.01 * f) : start;
            vp.t1 = vp.t0 + span;
            double a = now_ms();
            render_layout_build(L, ix, &vp, &o, &tm, &dl);
            double b = now_ms();
            render_backend_draw(be, &dl, &err);
            double c = now_ms();
            lay[f] = b - a;
            full[f] = c - a;
            cmds += dl.n;
        }
        char what[64], span_s[32];
        duration_text_rounded(span, 3, span_s, sizeof(span_s));
        printf(" zoom %d: %s visible, %zu draw commands per frame\n", z, span_s, cmds / FRAMES);
        snprintf(what, sizeof(what), "layout");
        stats(what, lay, FRAMES, 8);
        snprintf(what, sizeof(what), "layout + software draw");
        stats(what, full, FRAMES, 0);
    }
    draw_list_free(&dl);
    render_layout_destroy(L);
    render_backend_destroy(be);
    render_text_destroy(tx);
    SDL_DestroyRenderer(rend);
    SDL_FreeSurface(surf);
    render_index_destroy(ix);
    sim_trace_destroy(tr);

    /* PNG export of a 1-million-transition run. */
    tr = fixture_synth(1000000, 8, 4);
    if (!tr || render_index_build(tr, &ix) < 0)
        return 1;
    char path[] = "/tmp/gilsim-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    double pngs[9];
    for (int i = 0; i < 9; i++) {
        RViewport vp = render_viewport_default(ix, 1920, 1080);
        RLayoutOpts eo = render_layout_opts_export();
        double a = now_ms();
        if (render_export_png(ix, &vp, &eo, path, &err) < 0) {
            fprintf(stderr, "bench_render: %s\n", err.msg);
            return 1;
        }
        pngs[i] = now_ms() - a;
    }
    printf("\nPNG export, 1920x1080, %zu transitions, whole run (target: 150 ms):\n",
           ix->transitions);
    stats("fonts+layout+draw+encode", pngs, 9, 150);
    unlink(path);
    render_index_destroy(ix);
    sim_trace_destroy(tr);
    return 0;
}
