/*
 * test_chart.c - the pure chart builder (render/chart.c) without SDL: the
 * geometry of the x axis (log and linear), hit-testing of points and
 * lines, lines broken at missing values, colour roles, the legend and the
 * marked value, all read from the draw list under a fake text metric.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "test.h"

static int fake_width(void *ud, RFont f, int size, const char *s)
{
    (void)ud;
    (void)f;
    return (int)strlen(s) * size * 6 / 10;
}

static const RTextMetrics metrics = {fake_width, NULL};

static bool has_text(const DrawList *dl, const char *want)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->cmds[i].kind == R_CMD_TEXT && strcmp(draw_text_of(dl, &dl->cmds[i]), want) == 0)
            return true;
    return false;
}

static size_t count_color(const DrawList *dl, RCmdKind k, RColor c)
{
    size_t n = 0;
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *m = &dl->cmds[i];
        n += m->kind == k && m->color.r == c.r && m->color.g == c.g && m->color.b == c.b;
    }
    return n;
}

int main(void)
{
    enum { N = 6 };
    double x[N] = {1e5, 3e5, 1e6, 3e6, 1e7, 5e7}; /* ns, log-spaced-ish */
    double lat[N] = {1.2, 1.4, 2.0, 4.0, 11.0, 51.0};
    double lat_lo[N] = {1.1, 1.3, 1.9, 3.9, 10.5, 50.0};
    double lat_hi[N] = {1.3, 1.5, 2.1, 4.1, 11.5, 52.0};
    double sw[N] = {1600, 1400, 1000, 500, 180, 39};
    double gap[N] = {0.9, 0.95, NAN, 0.98, 0.99, 1.0};
    ChartColor c_blue = {CHART_INK_STATE, SIM_R_IO}, c_red = {CHART_INK_STATE, SIM_R_WAIT_GIL},
               c_green = {CHART_INK_STATE, SIM_R_PYTHON};
    RColor blue = render_chart_color(c_blue, R_THEME_LIGHT);
    RColor red = render_chart_color(c_red, R_THEME_LIGHT);
    RColor green = render_chart_color(c_green, R_THEME_LIGHT);
    CHECK(blue.b > blue.r && red.r > red.b && green.g > green.r, "state roles: blue, red, green");
    ChartLine l_lat = {"io p50", c_blue, false, lat, lat_lo, lat_hi, 0};
    ChartLine l_sw = {"switches / s", c_red, false, sw, NULL, NULL, 0};
    ChartLine l_gap = {"throughput", c_green, true, gap, NULL, NULL, 0};
    ChartPanel panels[3] = {
        {"latency (ms)", CHART_SCALE_AUTO, false, &l_lat, 1, 0},
        {"switches", CHART_SCALE_LOG, false, &l_sw, 1, 0},
        {"throughput", CHART_SCALE_LINEAR, true, &l_gap, 1, 0},
    };
    Chart c = {
        .title = "Test chart",
        .subtitle = "sub",
        .caption = "gilsim 0.1.0  \xc2\xb7  scenario \xe2\x80\x9cx\xe2\x80\x9d",
        .x_label = "python.switch_interval (log scale)",
        .x_kind = CHART_X_DURATION,
        .x_log = true,
        .n_x = N,
        .x = x,
        .x_mark = 5e6,
        .x_mark_label = "default 5 ms",
        .panels = panels,
        .n_panels = 3,
    };
    RChartStyle st = render_chart_style_default();
    CHECK_EQ(st.width, 1600);
    CHECK_EQ(st.height, 900);
    DrawList dl;
    draw_list_init(&dl);
    RChartGeom g;
    memset(&g, 0, sizeof(g));
    CHECK_EQ(render_chart_build(&c, &st, &metrics, &dl, &g), 0);
    CHECK_EQ(dl.width, 1600);
    CHECK_EQ(g.n_panels, 3);
    CHECK_EQ(g.n_x, N);

    /* x positions increase, and on a log axis equal ratios are equal steps. */
    for (int i = 1; i < N; i++)
        CHECK(g.px[i] > g.px[i - 1], "x %d", i);
    int d13 = g.px[1] - g.px[0], d35 = g.px[3] - g.px[2];
    CHECK(abs(d13 - d35) <= 1, "log spacing: %d vs %d", d13, d35);
    for (int p = 0; p < 3; p++) {
        CHECK(g.px[0] > g.plot[p].x && g.px[N - 1] < g.plot[p].x + g.plot[p].w, "points inside");
        if (p)
            CHECK(g.plot[p].y > g.plot[p - 1].y + g.plot[p - 1].h, "panels stacked");
    }

    /* Hit-testing: a click near a point's x in any panel finds it. */
    RRect p1 = g.plot[1];
    CHECK_EQ(render_chart_hit(&g, g.px[3] + 2, p1.y + p1.h / 2), 3);
    CHECK_EQ(render_chart_hit(&g, g.px[0], g.plot[0].y + 5), 0);
    CHECK_EQ(render_chart_hit(&g, 5, 5), -1);
    CHECK_EQ(render_chart_hit(&g, (g.px[4] + g.px[5]) / 2, p1.y + 5), -1);
    /* ... and the line there: a panel's only line, or none outside panels. */
    int panel = -1, px, py;
    CHECK_EQ(render_chart_hit_line(&c, &g, 3, g.px[3], p1.y + 2, &panel), 0);
    CHECK_EQ(panel, 1);
    CHECK_EQ(render_chart_hit_line(&c, &g, 3, 5, 5, &panel), -1);
    CHECK(render_chart_point_pos(&c, &g, 1, 0, 3, &px, &py) && px == g.px[3] &&
              py > p1.y && py < p1.y + p1.h,
          "a value's position is inside its panel");
    CHECK(!render_chart_point_pos(&c, &g, 2, 0, 2, &px, &py), "a missing value has no position");

    /* Text: title, legends, marked value, x ticks in time units, y ticks. */
    CHECK(has_text(&dl, "Test chart"), "title");
    CHECK(has_text(&dl, "io p50") && has_text(&dl, "switches / s"), "legend");
    CHECK(has_text(&dl, "default 5 ms"), "mark label");
    CHECK(has_text(&dl, "1 ms") && has_text(&dl, "10 ms"), "duration ticks");
    CHECK(has_text(&dl, "1000") || has_text(&dl, "1k"), "log y ticks");
    CHECK(!has_text(&dl, "1e+03"), "no exponent notation");
    CHECK(has_text(&dl, "0"), "throughput axis starts at zero");

    /* Lines: the switches line has N - 1 segments; the dashed throughput
     * line skips the gaps around its missing value (no segment reaches it). */
    size_t red_lines = count_color(&dl, R_CMD_LINE, red);
    CHECK(red_lines == N - 1 + 1, "switches: %zu lines (segments + legend)", red_lines);
    size_t green_tris = count_color(&dl, R_CMD_TRI, green);
    CHECK(green_tris == 0, "dashed lines draw square markers, not diamonds");
    size_t green_rects = count_color(&dl, R_CMD_RECT, green);
    CHECK(green_rects == N - 1 + 1, "one marker per drawable value: %zu", green_rects);
    /* The band: two triangles per segment, in a colour between line and page. */
    size_t band = 0;
    for (size_t i = 0; i < dl.n; i++) {
        const RCmd *m = &dl.cmds[i];
        if (m->kind == R_CMD_TRI && m->color.b > blue.b && m->color.r > blue.r)
            band++;
    }
    CHECK(band == 2 * (N - 1), "band triangles: %zu", band);

    /* Categories and a single point still lay out. */
    const char *names[2] = {"3.9", "3.12"};
    double one[2] = {1, 2};
    ChartLine l_cat = {"v", c_blue, false, one, NULL, NULL, 0};
    ChartPanel pc = {"cat", CHART_SCALE_AUTO, false, &l_cat, 1, 0};
    Chart cc = {.title = "c", .x_kind = CHART_X_CATEGORY, .n_x = 2, .x_labels = names,
                .x_mark = NAN, .panels = &pc, .n_panels = 1};
    CHECK_EQ(render_chart_build(&cc, &st, &metrics, &dl, &g), 0);
    CHECK(has_text(&dl, "3.9") && has_text(&dl, "3.12"), "category ticks");
    CHECK(g.px[0] < g.px[1], "categories in order");
    cc.n_panels = 0;
    CHECK_EQ(render_chart_build(&cc, &st, &metrics, &dl, &g), SIM_ERR_INVALID);

    render_chart_geom_fini(&g);
    draw_list_free(&dl);
    return test_report();
}
