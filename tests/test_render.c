/*
 * test_render.c - the SDL half of the renderer, headless: the software
 * renderer draws the fixture's draw list (without text, which FreeType
 * versions rasterise differently) and the pixels are compared with
 * the PNGs in tests/golden under a tolerance; the PNG and SVG exports are
 * checked for size, content, limits and atomic writing.
 *
 * UPDATE_GOLDEN=1 rewrites the golden images instead of comparing. On a
 * mismatch the actual picture and a difference image are left in the
 * current directory. Exits 77 (skip) when the bundled fonts cannot load.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "SDL_image.h"

#include "render.h"
#include "render_fixture.h"
#include "test.h"

#ifndef GILSIM_SOURCE_ROOT_DEFAULT
#define GILSIM_SOURCE_ROOT_DEFAULT "."
#endif

static int fake_width(void *ud, RFont f, int size, const char *s)
{
    (void)ud;
    (void)f;
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    return chars * size * 6 / 10;
}

/* The frame without its text, drawn by the real backend. */
static SDL_Surface *draw_without_text(const RIndex *ix, const RViewport *vp)
{
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    RLayoutOpts o = render_layout_opts_export();
    RTextMetrics tm = {fake_width, NULL};
    render_layout_build(L, ix, vp, &o, &tm, &dl);
    size_t k = 0;
    for (size_t i = 0; i < dl.n; i++)
        if (dl.cmds[i].kind != R_CMD_TEXT)
            dl.cmds[k++] = dl.cmds[i];
    dl.n = k;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, vp->width, vp->height, 32,
                                                    SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
    SimError err;
    RBackend *be = r ? render_backend_create(r, NULL, &err) : NULL;
    if (be)
        render_backend_draw(be, &dl, &err);
    render_backend_destroy(be);
    if (r)
        SDL_DestroyRenderer(r);
    draw_list_free(&dl);
    render_layout_destroy(L);
    return s;
}

static uint32_t px(const SDL_Surface *s, int x, int y)
{
    return ((const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch))[x];
}

static SDL_Surface *load_argb(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    if (!raw)
        return NULL;
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    return s;
}

/* Pixels whose largest channel difference exceeds 24; fills a diff image. */
static long compare(const SDL_Surface *a, const SDL_Surface *b, SDL_Surface *diff, int *fx, int *fy)
{
    long bad = 0;
    *fx = *fy = -1;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            uint32_t p = px(a, x, y), q = px(b, x, y);
            int d = 0;
            for (int sh = 0; sh < 32; sh += 8) {
                int e = abs((int)((p >> sh) & 255) - (int)((q >> sh) & 255));
                if (e > d)
                    d = e;
            }
            uint32_t *o = (uint32_t *)((uint8_t *)diff->pixels + (size_t)y * (size_t)diff->pitch) + x;
            if (d > 24) {
                if (!bad) {
                    *fx = x;
                    *fy = y;
                }
                bad++;
                *o = 0xFFFF0000u;
            } else {
                *o = 0xFF000000u | ((p & 0xFEFEFE) >> 1) | 0x00404040u;
            }
        }
    return bad;
}

static void golden(const char *name, const RIndex *ix, const RViewport *vp)
{
    const char *root = getenv("GILSIM_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/golden/%s.png", root ? root : GILSIM_SOURCE_ROOT_DEFAULT,
             name);
    SDL_Surface *got = draw_without_text(ix, vp);
    CHECK(got != NULL, "%s: drawn", name);
    if (!got)
        return;
    const char *upd = getenv("UPDATE_GOLDEN");
    if (upd && *upd && strcmp(upd, "0") != 0) {
        CHECK(IMG_SavePNG(got, path) == 0, "%s: wrote %s", name, path);
        printf("updated %s\n", path);
        SDL_FreeSurface(got);
        return;
    }
    SDL_Surface *want = load_argb(path);
    CHECK(want != NULL, "%s: golden %s readable (UPDATE_GOLDEN=1 creates it)", name, path);
    if (want && (want->w != got->w || want->h != got->h)) {
        CHECK(0, "%s: golden is %dx%d, drawn %dx%d", name, want->w, want->h, got->w, got->h);
    } else if (want) {
        SDL_Surface *diff = SDL_CreateRGBSurfaceWithFormat(0, got->w, got->h, 32,
                                                           SDL_PIXELFORMAT_ARGB8888);
        int fx, fy;
        long bad = compare(got, want, diff, &fx, &fy);
        long allowed = (long)got->w * got->h / 1000; /* 0.1 % */
        CHECK(bad <= allowed, "%s: %ld pixels differ (allowed %ld), first at %d,%d", name, bad,
              allowed, fx, fy);
        if (bad > allowed) {
            char out[512];
            snprintf(out, sizeof(out), "%s.actual.png", name);
            IMG_SavePNG(got, out);
            snprintf(out, sizeof(out), "%s.diff.png", name);
            IMG_SavePNG(diff, out);
            fprintf(stderr, "left %s.actual.png and %s.diff.png in the current directory\n", name,
                    name);
        }
        SDL_FreeSurface(diff);
    }
    if (want)
        SDL_FreeSurface(want);
    SDL_FreeSurface(got);
}

static bool no_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool clean = true;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp"))
            clean = false;
    closedir(d);
    return clean;
}

static void test_exports(const RIndex *ix, const char *dir)
{
    char png[4096], svg[4096], plain[4096];
    snprintf(png, sizeof(png), "%s/view.png", dir);
    snprintf(svg, sizeof(svg), "%s/view.svg", dir);
    snprintf(plain, sizeof(plain), "%s/plain.png", dir);
    SimError err;
    RViewport vp = render_viewport_default(ix, 800, 450);
    RLayoutOpts o = render_layout_opts_export();
    CHECK_EQ(render_export_png(ix, &vp, &o, png, &err), 0);
    SDL_Surface *s = load_argb(png);
    CHECK(s != NULL, "PNG readable");
    if (s) {
        CHECK(s->w == 800 && s->h == 450, "PNG is %dx%d", s->w, s->h);
        /* Not blank: most of it is drawn, in many colours. */
        uint32_t bg = px(s, 0, 0);
        long drawn = 0;
        uint32_t seen[64];
        int n_seen = 0;
        for (int y = 0; y < s->h; y++)
            for (int x = 0; x < s->w; x++) {
                uint32_t p = px(s, x, y);
                drawn += p != bg;
                bool known = false;
                for (int k = 0; k < n_seen && !known; k++)
                    known = seen[k] == p;
                if (!known && n_seen < 64)
                    seen[n_seen++] = p;
            }
        CHECK(drawn > (long)s->w * s->h / 4, "%ld of %d pixels drawn", drawn, s->w * s->h);
        CHECK(n_seen >= 30, "%d colours", n_seen);
        /* Text is really drawn: the same frame without text differs. */
        SDL_Surface *bare = draw_without_text(ix, &vp);
        long differ = 0;
        for (int y = 0; bare && y < s->h; y++)
            for (int x = 0; x < s->w; x++)
                differ += px(s, x, y) != px(bare, x, y);
        CHECK(differ > 2000, "text changes %ld pixels", differ);
        SDL_FreeSurface(bare);
        SDL_FreeSurface(s);
    }
    struct stat st;
    CHECK(stat(png, &st) == 0 && (st.st_mode & 0444) == 0444, "PNG readable by all");

    /* High DPI: twice the pixels, same picture. */
    RViewport big = vp;
    big.width = 1600;
    big.height = 900;
    big.scale = 2;
    CHECK_EQ(render_export_png(ix, &big, &o, png, &err), 0);
    s = load_argb(png);
    CHECK(s && s->w == 1600 && s->h == 900, "scaled PNG size");
    if (s)
        SDL_FreeSurface(s);

    /* Dark theme: the page is dark. */
    RViewport dark = vp;
    dark.theme = R_THEME_DARK;
    CHECK_EQ(render_export_png(ix, &dark, &o, plain, &err), 0);
    s = load_argb(plain);
    if (s) {
        uint32_t p = px(s, 2, 2);
        CHECK(((p >> 16) & 255) < 60 && ((p >> 8) & 255) < 60, "dark page: %08x", p);
        SDL_FreeSurface(s);
    }

    /* SVG from the same list. */
    CHECK_EQ(render_export_svg(ix, &vp, &o, svg, &err), 0);
    FILE *f = fopen(svg, "rb");
    CHECK(f != NULL, "SVG written");
    if (f) {
        char head[64] = {0}, tail[16] = {0};
        size_t n = fread(head, 1, sizeof(head) - 1, f);
        fseek(f, -7, SEEK_END);
        size_t m = fread(tail, 1, 7, f);
        fclose(f);
        CHECK(n > 5 && strncmp(head, "<?xml", 5) == 0, "SVG prolog");
        CHECK(m == 7 && strcmp(tail, "</svg>\n") == 0, "SVG closed");
    }

    /* Limits: refused before any allocation. */
    CHECK_EQ(render_export_check_size(1920, 1080, 1, &err), 0);
    CHECK_EQ(render_export_check_size(16384, 16384, 1, &err), 0);
    CHECK_EQ(render_export_check_size(16384, 16384, 2, &err), SIM_ERR_LIMIT);
    CHECK(strstr(err.msg, "too large") != NULL, "message: %s", err.msg);
    CHECK_EQ(render_export_check_size(20000, 100, 1, &err), SIM_ERR_LIMIT);
    CHECK_EQ(render_export_check_size(10, 10, 1, &err), SIM_ERR_LIMIT);
    CHECK_EQ(render_export_check_size(800, 600, 100, &err), SIM_ERR_LIMIT);
    RViewport huge = vp;
    huge.width = 20000;
    char never[4096];
    snprintf(never, sizeof(never), "%s/never.png", dir);
    CHECK_EQ(render_export_png(ix, &huge, &o, never, &err), SIM_ERR_LIMIT);
    CHECK(stat(never, &st) != 0, "nothing written for a refused size");

    /* A directory that does not exist: an error, nothing left behind. */
    char bad[4096];
    snprintf(bad, sizeof(bad), "%s/missing/dir/x.png", dir);
    CHECK(render_export_png(ix, &vp, &o, bad, &err) < 0, "unwritable path fails");
    CHECK(strstr(err.msg, "missing/dir/x.png") != NULL, "message names the path: %s", err.msg);
    snprintf(bad, sizeof(bad), "%s/missing/x.svg", dir);
    CHECK(render_export_svg(ix, &vp, &o, bad, &err) < 0, "unwritable SVG path fails");
    CHECK(no_temp_files(dir), "no temporary files left in %s", dir);
}

int main(void)
{
    SimError err;
    RText *probe = render_text_create(NULL, &err);
    if (!probe) {
        printf("skipped: %s\n", err.msg);
        return 77;
    }
    render_text_destroy(probe);

    SimTrace *tr = fixture_small();
    RIndex *ix = NULL;
    CHECK(tr && render_index_build(tr, &ix) == 0, "fixture index");
    if (!ix)
        return test_report();

    RViewport vp = render_viewport_default(ix, 800, 450);
    golden("render_light_800x450", ix, &vp);
    RViewport dk = render_viewport_default(ix, 960, 540);
    dk.scale = 1.5f;
    dk.theme = R_THEME_DARK;
    dk.t0 = 4 * MS;
    dk.t1 = 12 * MS;
    golden("render_dark_4-12ms_x1.5", ix, &dk);

    char dir[] = "/tmp/gilsim-test-render-XXXXXX";
    if (mkdtemp(dir)) {
        test_exports(ix, dir);
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        CHECK(0, "temporary directory");
    }
    render_index_destroy(ix);
    sim_trace_destroy(tr);
    IMG_Quit();
    SDL_Quit();
    return test_report();
}
