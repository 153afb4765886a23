/*
 * test_layout.c - the pure renderer without SDL: lanes built from a fixed
 * trace, the draw list of a fixed viewport (lane order, span rectangles,
 * axis labels, caption), hit-testing, the level-of-detail bound, time
 * formatting, explanations, the view state, the viewer chrome and the SVG.
 *
 * Text is measured by a fake metric (0.6 em per character), so positions
 * do not depend on a font.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "duration_text.h"
#include "layout.h"
#include "output.h"
#include "render_fixture.h"
#include "test.h"
#include "view.h"

static int fake_width(void *ud, RFont f, int size, const char *s)
{
    (void)ud;
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    return chars * size * (f == R_FONT_BOLD ? 65 : 60) / 100;
}

static const RTextMetrics metrics = {fake_width, NULL};

static bool has_text(const DrawList *dl, const char *want)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->cmds[i].kind == R_CMD_TEXT && strcmp(draw_text_of(dl, &dl->cmds[i]), want) == 0)
            return true;
    return false;
}

static const RCmd *find_text_containing(const DrawList *dl, const char *needle)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->cmds[i].kind == R_CMD_TEXT && strstr(draw_text_of(dl, &dl->cmds[i]), needle))
            return &dl->cmds[i];
    return NULL;
}

static bool same_color(RColor a, RColor b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* The widest filled rectangle of colour c whose top lies inside the lane. */
static const RCmd *span_rect(const DrawList *dl, RLaneGeom g, RColor c, int x_near)
{
    const RCmd *best = NULL;
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *k = &dl->cmds[i];
        if (k->kind != R_CMD_RECT || !same_color(k->color, c))
            continue;
        if (k->u.rect.y < g.y || k->u.rect.y >= g.y + g.h)
            continue;
        if (x_near >= 0 && (x_near < k->u.rect.x || x_near >= k->u.rect.x + k->u.rect.w))
            continue;
        if (!best || k->u.rect.w > best->u.rect.w)
            best = k;
    }
    return best;
}

static size_t record_index(const SimTrace *tr, SimTime t, SimRecordKind kind, uint32_t thread)
{
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr); i++)
        if (r[i].t == t && r[i].kind == kind && r[i].thread == thread)
            return i;
    return SIZE_MAX;
}

static void test_format(void)
{
    char b[64];
    CHECK_STREQ(duration_text_rounded(5 * MS, 4, b, sizeof(b)), "5 ms");
    CHECK_STREQ(duration_text_rounded(12500, 3, b, sizeof(b)), "12.5 \xc2\xb5s");
    CHECK_STREQ(duration_text_rounded(1234567890, 4, b, sizeof(b)), "1.235 s");
    CHECK_STREQ(duration_text_rounded(750, 3, b, sizeof(b)), "750 ns");
    CHECK_STREQ(duration_text_rounded(0, 3, b, sizeof(b)), "0 ns");
    CHECK_STREQ(duration_text_rounded(30 * US, 3, b, sizeof(b)), "30 \xc2\xb5s");

    RTicks tk = render_ticks(0, 20 * MS, 2260 * US);
    CHECK_EQ(tk.step, 5 * MS);
    CHECK_EQ(tk.minor, 1 * MS);
    CHECK_EQ(tk.unit, MS);
    CHECK_EQ(tk.decimals, 0);
    CHECK_STREQ(render_tick_label(&tk, 15 * MS, b, sizeof(b)), "15 ms");

    tk = render_ticks(10250 * US, 10500 * US, 40 * US);
    CHECK_EQ(tk.step, 50 * US);
    CHECK_EQ(tk.unit, MS);
    CHECK_EQ(tk.decimals, 2);
    CHECK_STREQ(render_tick_label(&tk, 10300 * US, b, sizeof(b)), "10.30 ms");

    tk = render_ticks(0, 1000 * MS, 90 * MS);
    CHECK_EQ(tk.step, 100 * MS);
    CHECK_STREQ(render_tick_label(&tk, 300 * MS, b, sizeof(b)), "300 ms");
    CHECK_EQ(tk.minor * 5, tk.step);

    tk = render_ticks(0, 2000, 300);
    CHECK_EQ(tk.step, 500);
    CHECK_STREQ(render_tick_label(&tk, 1500, b, sizeof(b)), "1.5 \xc2\xb5s");
    tk = render_ticks(0, 900, 150);
    CHECK_STREQ(render_tick_label(&tk, 400, b, sizeof(b)), "400 ns");
    tk = render_ticks(0, 5184 * US, 400 * US);
    CHECK_STREQ(render_tick_label(&tk, 1500 * US, b, sizeof(b)), "1.5 ms");

    tk = render_ticks(0, 87 * 1000 * MS, 7 * 1000 * MS);
    CHECK_EQ(tk.step, 10 * 1000 * MS);
    CHECK_STREQ(render_tick_label(&tk, 20 * 1000 * MS, b, sizeof(b)), "20 s");
}

static void test_index(const RIndex *ix)
{
    /* Display order: main (GIL 0, io, hog), worker (GIL 1, w0), cores. */
    CHECK_EQ(ix->n_groups, 3);
    CHECK_EQ(ix->n_lanes, 7);
    static const uint8_t kinds[] = {R_LANE_GIL, R_LANE_THREAD, R_LANE_THREAD, R_LANE_GIL,
                                    R_LANE_THREAD, R_LANE_CORE, R_LANE_CORE};
    static const uint32_t ids[] = {0, 0, 1, 1, 2, 0, 1};
    for (uint32_t i = 0; i < 7 && i < ix->n_lanes; i++) {
        CHECK(ix->lanes[i].kind == kinds[i], "lane %u kind %d", i, ix->lanes[i].kind);
        CHECK(ix->lanes[i].id == ids[i], "lane %u id %u", i, ix->lanes[i].id);
    }
    CHECK_EQ(ix->groups[0].process, 0);
    CHECK_EQ(ix->groups[1].process, 1);
    CHECK_EQ(ix->groups[2].process, SIM_NONE);
    CHECK_EQ(ix->end, 20 * MS);
    CHECK_EQ(ix->n_cores, 2);

    /* Every lane tiles [0, end) with strictly increasing boundaries and
     * no two equal neighbours. */
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        const RLane *ln = &ix->lanes[i];
        bool ok = ln->t[0] == 0 && ln->t[ln->n] == ix->end;
        for (size_t k = 0; k < ln->n; k++) {
            ok = ok && ln->t[k] < ln->t[k + 1];
            if (k)
                ok = ok && ln->v[k] != ln->v[k - 1];
        }
        CHECK(ok, "lane %u is not a clean tiling", i);
    }

    const RLane *io = &ix->lanes[1], *gil = &ix->lanes[0], *core1 = &ix->lanes[6];
    struct {
        const RLane *ln;
        SimTime t;
        uint32_t v;
    } want[] = {
        {io, 1 * MS, SIM_R_WAIT_GIL},      {io, 5045 * US, SIM_R_PYTHON},
        {io, 5500 * US, SIM_R_IO},         {io, 7 * MS, SIM_R_WAIT_GIL},
        {io, 18 * MS, SIM_R_EXITED},       {&ix->lanes[2], 5020 * US, SIM_R_WAIT_GIL},
        {&ix->lanes[2], 19500 * US, SIM_R_KILLED},
        {gil, 1 * MS, 1},                  {gil, 5020 * US, R_IDLE},
        {gil, 5050 * US, 0},               {gil, 5070 * US, R_IDLE},
        {gil, 6 * MS, 1},                  {&ix->lanes[3], 1500 * US, 2},
        {&ix->lanes[3], 4 * MS, R_IDLE},   {&ix->lanes[4], 3 * MS, SIM_R_SLEEP},
        {&ix->lanes[4], 6500 * US, SIM_R_NOGIL},
        {core1, 1500 * US, 2},             {core1, 5050 * US, 0},
        {core1, 9 * MS, R_IDLE},           {&ix->lanes[5], 3 * MS, 1},
        {&ix->lanes[5], 5020 * US, R_IDLE},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        size_t k = render_lane_find(want[i].ln, want[i].t);
        CHECK(k != SIZE_MAX && want[i].ln->v[k] == want[i].v, "check %zu: value %u at %lld, want %u",
              i, k == SIZE_MAX ? 0 : want[i].ln->v[k], (long long)want[i].t, want[i].v);
    }
    size_t k = render_lane_find(io, 5045 * US);
    CHECK_EQ(io->t[k], 5040 * US);
    CHECK_EQ(io->t[k + 1], 5060 * US);

    /* Marks: the timeout that led to each request is folded into it. */
    CHECK_EQ(gil->n_marks, 7);
    static const uint8_t mk[] = {R_MARK_DROP_REQUEST, R_MARK_FORCED_DROP, R_MARK_DROP_REQUEST,
                                 R_MARK_FORCED_DROP, R_MARK_FAILED_WAKEUP, R_MARK_DROP_REQUEST,
                                 R_MARK_FORCED_DROP};
    for (size_t i = 0; i < 7 && i < gil->n_marks; i++)
        CHECK(gil->marks[i].kind == mk[i], "mark %zu kind %d", i, gil->marks[i].kind);
    CHECK_EQ(gil->marks[0].t, 5 * MS);
    CHECK_EQ(gil->marks[0].other, 2);
    CHECK_EQ(ix->marks_used, (1u << R_MARK_DROP_REQUEST) | (1u << R_MARK_FORCED_DROP) |
                                 (1u << R_MARK_FAILED_WAKEUP));
    CHECK(ix->reasons_used & (1u << SIM_R_NOGIL), "nogil used");
    CHECK(!(ix->reasons_used & (1u << SIM_R_LOCK)), "lock unused");
}

static void test_frame(const RIndex *ix, RLayout *L, DrawList *dl)
{
    RViewport vp = render_viewport_default(ix, 1000, 600);
    RLayoutOpts o = render_layout_opts_export();
    o.version = "0.1.0";
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    CHECK(dl->n > 50 && dl->n < 3000, "%zu commands", dl->n);
    CHECK_EQ(dl->width, 1000);
    CHECK(same_color(dl->clear, render_palette(R_THEME_LIGHT)->bg), "clear colour");

    /* Geometry: label column left of the plot, lanes top to bottom in
     * display order, headers above their lanes, axis below. */
    CHECK(L->plot.x > L->labels.x && L->plot.w > 700, "plot %d+%d", L->plot.x, L->plot.w);
    CHECK(L->plot.x + L->plot.w <= 1000, "plot inside");
    for (uint32_t i = 0; i < ix->n_lanes; i++) {
        CHECK(L->lanes[i].h > 0, "lane %u visible", i);
        if (i)
            CHECK(L->lanes[i].y >= L->lanes[i - 1].y + L->lanes[i - 1].h, "lane %u below", i);
    }
    CHECK(L->headers[1].y + L->headers[1].h <= L->lanes[3].y, "worker header above its GIL");
    CHECK(L->lanes[0].h > L->lanes[1].h, "GIL lane is taller than thread lanes");
    CHECK(L->axis.y >= L->lanes[6].y + L->lanes[6].h, "axis under the lanes");
    CHECK(L->legend.y >= L->axis.y + L->axis.h && L->caption.y >= L->legend.y + L->legend.h,
          "legend and caption below the axis");
    CHECK(L->caption.y + L->caption.h <= 600, "caption inside");

    /* x <-> t. */
    CHECK(fabs(render_layout_x_of(L, 0) - L->plot.x) < 1e-9, "x of 0");
    CHECK(fabs(render_layout_x_of(L, 20 * MS) - (L->plot.x + L->plot.w)) < 1e-9, "x of end");
    SimTime back = render_layout_t_of(L, render_layout_x_of(L, 7 * MS));
    CHECK(llabs(back - 7 * MS) < 2, "t of x of t: %lld", (long long)back);

    /* The io lane's first span: waiting for the GIL from 0 to 5.04 ms. */
    RColor wait = render_reason_color(SIM_R_WAIT_GIL, R_THEME_LIGHT);
    const RCmd *r = span_rect(dl, L->lanes[1], wait, L->plot.x + 5);
    CHECK(r != NULL, "wait-GIL rect in the io lane");
    if (r) {
        int x_end = (int)lround(render_layout_x_of(L, 5040 * US));
        CHECK_EQ(r->u.rect.x, L->plot.x);
        CHECK(abs(r->u.rect.x + r->u.rect.w - x_end) <= 1, "ends at 5.04 ms: %d vs %d",
              r->u.rect.x + r->u.rect.w, x_end);
        CHECK_EQ(r->hatch, R_HATCH_DIAG);
        CHECK(r->u.rect.y > L->lanes[1].y && r->u.rect.y + r->u.rect.h < L->lanes[1].y + L->lanes[1].h,
              "padded inside the lane");
    }
    /* The worker's sleep, 2 ms to 6 ms, solid grey. */
    r = span_rect(dl, L->lanes[4], render_reason_color(SIM_R_SLEEP, R_THEME_LIGHT),
                  (int)render_layout_x_of(L, 4 * MS));
    CHECK(r != NULL, "sleep rect");
    if (r) {
        CHECK(abs(r->u.rect.x - (int)lround(render_layout_x_of(L, 2 * MS))) <= 1, "sleep starts at 2 ms");
        CHECK(abs(r->u.rect.x + r->u.rect.w - (int)lround(render_layout_x_of(L, 6 * MS))) <= 1,
              "sleep ends at 6 ms");
    }
    /* The GIL lane shows hog's hold in hog's colour. */
    r = span_rect(dl, L->lanes[0], render_thread_color(1, R_THEME_LIGHT), (int)render_layout_x_of(L, 2 * MS));
    CHECK(r != NULL, "hog holds the GIL at 2 ms");

    /* Labels inside wide spans; lane names; axis ticks every 5 ms. */
    CHECK(has_text(dl, "wait GIL"), "span label");
    CHECK(has_text(dl, "sleep"), "sleep label");
    CHECK(has_text(dl, "io") && has_text(dl, "hog") && has_text(dl, "w0"), "thread names");
    CHECK(has_text(dl, "GIL") && has_text(dl, "core 0") && has_text(dl, "core 1"), "lane names");
    CHECK(has_text(dl, "main") && has_text(dl, "worker") && has_text(dl, "Machine"), "group headers");
    const char *ticks[] = {"0 ms", "5 ms", "10 ms", "15 ms", "20 ms"};
    for (int i = 0; i < 5; i++)
        CHECK(has_text(dl, ticks[i]), "tick label %s", ticks[i]);
    CHECK(!has_text(dl, "2.5 ms"), "no tick between majors");
    CHECK_EQ(L->ticks.step, 5 * MS);
    const RCmd *t5 = NULL;
    for (size_t i = 0; i < dl->n; i++)
        if (dl->cmds[i].kind == R_CMD_TEXT && strcmp(draw_text_of(dl, &dl->cmds[i]), "5 ms") == 0)
            t5 = &dl->cmds[i];
    CHECK(t5 != NULL, "5 ms label");
    if (t5)
        CHECK(abs(t5->u.text.x - (int)lround(render_layout_x_of(L, 5 * MS))) <= 1, "tick at 5 ms");

    /* Title, parameters, legend, caption. */
    CHECK(has_text(dl, "Convoy (fixture)"), "title");
    CHECK(has_text(dl, "switch interval 5 ms") && has_text(dl, "2 cores") &&
              has_text(dl, "Python 3.11") && has_text(dl, "seed 7") && has_text(dl, "GIL new"),
          "parameters");
    CHECK(has_text(dl, "Waiting for the GIL") && has_text(dl, "Running Python (holds GIL)") &&
              has_text(dl, "Sleeping"),
          "legend states");
    CHECK(has_text(dl, "timeout \xe2\x86\x92 drop request") && has_text(dl, "forced drop") &&
              has_text(dl, "woke, GIL taken"),
          "legend marks");
    CHECK(!has_text(dl, "Blocked on a lock"), "unused states stay out of the legend");
    /* The caption may wrap: gather every line inside its rectangle. */
    char capbuf[2048] = "";
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *k = &dl->cmds[i];
        if (k->kind == R_CMD_TEXT && rrect_contains(L->caption, k->u.text.x, k->u.text.y)) {
            strcat(capbuf, draw_text_of(dl, k));
            strcat(capbuf, " | ");
        }
    }
    CHECK(strstr(capbuf, "gilsim 0.1.0") != NULL, "caption: %s", capbuf);
    {
        const char *s = capbuf;
        const char *parts[] = {"\xe2\x80\x9c" "Convoy (fixture)\xe2\x80\x9d", "#01234567", "seed 7",
                               "switch interval 5 ms", "2 cores", "GIL new", "Python 3.11"};
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
            CHECK(strstr(s, parts[i]) != NULL, "caption has '%s': %s", parts[i], s);
    }

    /* A wider picture has room for the range in the caption. */
    {
        RViewport wide = render_viewport_default(ix, 1800, 600);
        wide.t0 = 2 * MS;
        wide.t1 = 12 * MS;
        DrawList w;
        draw_list_init(&w);
        RLayout *LW = render_layout_create();
        render_layout_build(LW, ix, &wide, &o, &metrics, &w);
        const RCmd *c2 = find_text_containing(&w, "gilsim 0.1.0");
        CHECK(c2 && strstr(draw_text_of(&w, c2), "showing 2 ms \xe2\x80\x93 12 ms of 20 ms"),
              "caption range on one line: %s", c2 ? draw_text_of(&w, c2) : "(none)");
        CHECK(find_text_containing(dl, "showing 0 ms \xe2\x80\x93 20 ms of 20 ms") != NULL,
              "narrow caption wraps but keeps the range");
        render_layout_destroy(LW);
        draw_list_free(&w);
    }

    /* Every hatched rectangle carries a period and ink. */
    for (size_t i = 0; i < dl->n; i++)
        if (dl->cmds[i].kind == R_CMD_RECT && dl->cmds[i].hatch)
            CHECK(dl->cmds[i].size >= 2 && dl->cmds[i].color2.a > 0, "hatch %zu", i);

    /* Same inputs, same list. */
    DrawList again;
    draw_list_init(&again);
    RLayout *L2 = render_layout_create();
    render_layout_build(L2, ix, &vp, &o, &metrics, &again);
    CHECK(again.n == dl->n && memcmp(again.cmds, dl->cmds, dl->n * sizeof(RCmd)) == 0 &&
              again.text.n == dl->text.n && memcmp(again.text.s, dl->text.s, dl->text.n) == 0,
          "deterministic draw list");
    render_layout_destroy(L2);
    draw_list_free(&again);
}

static void test_hit(const RIndex *ix, RLayout *L)
{
    RHit h;
    int y_io = L->lanes[1].y + L->lanes[1].h / 2;
    CHECK(render_layout_hit(L, ix, (int)render_layout_x_of(L, 3 * MS), y_io, &h), "hit io");
    CHECK_EQ(h.lane, 1);
    CHECK_EQ(h.kind, R_LANE_THREAD);
    CHECK_EQ(h.value, SIM_R_WAIT_GIL);
    CHECK_EQ(h.thread, 0);
    CHECK_EQ(h.start, 0);
    CHECK_EQ(h.end, 5040 * US);
    CHECK(!h.in_label, "not on the label");

    int y_gil = L->lanes[0].y + L->lanes[0].h * 3 / 4;
    CHECK(render_layout_hit(L, ix, (int)render_layout_x_of(L, 2 * MS), y_gil, &h), "hit GIL");
    CHECK_EQ(h.kind, R_LANE_GIL);
    CHECK_EQ(h.value, 1);
    CHECK_EQ(h.thread, 1);
    CHECK_EQ(h.start, 0);
    CHECK_EQ(h.end, 5010 * US);

    int y_c1 = L->lanes[6].y + L->lanes[6].h / 2;
    CHECK(render_layout_hit(L, ix, (int)render_layout_x_of(L, 1500 * US), y_c1, &h), "hit core 1");
    CHECK_EQ(h.value, 2);
    CHECK_EQ(h.thread, 2);
    CHECK_EQ(h.start, 1 * MS);
    CHECK_EQ(h.end, 2 * MS);
    CHECK(render_layout_hit(L, ix, (int)render_layout_x_of(L, 3 * MS), y_c1, &h), "idle core");
    CHECK_EQ(h.value, R_IDLE);
    CHECK_EQ(h.thread, SIM_NONE);

    CHECK(render_layout_hit(L, ix, L->labels.x + 5, y_io, &h) && h.in_label, "label column");
    CHECK(!render_layout_hit(L, ix, L->plot.x + 10, L->axis.y + L->axis.h + 3, &h), "below lanes");
    CHECK(!render_layout_hit(L, ix, L->plot.x + 10, 2, &h), "title row");

    char lines[4][160];
    CHECK(render_layout_hit(L, ix, (int)render_layout_x_of(L, 5500 * US), y_io, &h), "io span");
    int n = render_hit_describe(ix, &h, lines);
    CHECK_EQ(n, 4);
    CHECK_STREQ(lines[0], "io \xc2\xb7 main");
    CHECK_STREQ(lines[1], "Blocked on I/O");
    CHECK_STREQ(lines[2], "Blocked (io)");
    CHECK_STREQ(lines[3], "5.06 ms \xe2\x86\x92 6.06 ms  (1 ms)");
}

/* A dense trace: the frame stays within a few primitives per column. */
static void test_lod(void)
{
    SimTrace *tr = fixture_synth(300000, 6, 2);
    CHECK(tr != NULL, "synthetic trace");
    if (!tr)
        return;
    RIndex *ix;
    CHECK_EQ(render_index_build(tr, &ix), 0);
    CHECK(ix->transitions >= 300000, "%zu transitions", ix->transitions);
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    SimTime spans[] = {ix->end, ix->end / 7, ix->end / 50, ix->end / 400};
    for (int z = 0; z < 4; z++) {
        RViewport vp = render_viewport_default(ix, 800, 500);
        vp.t0 = ix->end / 3;
        vp.t1 = vp.t0 + spans[z];
        if (z == 0)
            vp.t0 = 0;
        RLayoutOpts o = render_layout_opts_export();
        CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, &dl), 0);
        size_t visible = 0;
        for (uint32_t i = 0; i < ix->n_lanes; i++)
            visible += render_lane_find(&ix->lanes[i], vp.t1) - render_lane_find(&ix->lanes[i], vp.t0);
        size_t rects = draw_list_count(&dl, R_CMD_RECT);
        size_t bound = (size_t)ix->n_lanes * (size_t)L->plot.w * 3 + 600;
        CHECK(rects <= bound, "zoom %d: %zu rects > %zu for %zu visible spans", z, rects, bound, visible);
        if (z == 0)
            CHECK(visible > 50 * (size_t)L->plot.w, "zoom 0 exercises LOD: %zu spans", visible);
        /* At most a mix of three values per column per lane, plus its GIL
         * marks (forced drops). */
        for (uint32_t i = 0; i < ix->n_lanes; i++) {
            RLaneGeom g = L->lanes[i];
            size_t in_lane = 0;
            for (size_t k = 0; k < dl.n; k++) {
                const RCmd *c = &dl.cmds[k];
                if (c->kind == R_CMD_RECT && c->u.rect.y > g.y && c->u.rect.y < g.y + g.h &&
                    c->u.rect.x >= L->plot.x && c->u.rect.w < L->plot.w)
                    in_lane++;
            }
            CHECK(in_lane <= 4 * (size_t)L->plot.w, "zoom %d lane %u: %zu rects", z, i, in_lane);
        }
        CHECK(L->lod_columns <= (size_t)ix->n_lanes * (size_t)L->plot.w, "lod columns %zu",
              L->lod_columns);
    }
    /* Hit-testing a crowded pixel still finds the exact span. */
    RViewport vp = render_viewport_default(ix, 800, 500);
    RLayoutOpts o = render_layout_opts_export();
    render_layout_build(L, ix, &vp, &o, &metrics, &dl);
    RHit h;
    int x = L->plot.x + L->plot.w / 2, y = L->lanes[1].y + L->lanes[1].h / 2;
    CHECK(render_layout_hit(L, ix, x, y, &h), "hit in a dense lane");
    CHECK(h.start <= h.t && h.t < h.end, "span contains the time");
    draw_list_free(&dl);
    render_layout_destroy(L);
    render_index_destroy(ix);
    sim_trace_destroy(tr);
}

/* The explanation engine on the fixture: every "why" comes from the
 * record its cause field points at, and the arrows join the same records. */
static void test_explain(const RIndex *ix)
{
    const SimTrace *tr = ix->tr;
    Explainer *ex = NULL;
    CHECK_EQ(explain_create(tr, &ex), 0);
    if (!ex)
        return;
    char buf[1024];
    size_t acq = record_index(tr, 5040 * US, SIM_REC_GIL_ACQUIRE, 0);
    size_t drop = record_index(tr, 5010 * US, SIM_REC_GIL_DROP, 1);
    size_t req = record_index(tr, 5 * MS, SIM_REC_DROP_REQUEST, 0);
    size_t tmo = record_index(tr, 5 * MS, SIM_REC_GIL_TIMEOUT, 0);
    CHECK(acq != SIZE_MAX && drop != SIZE_MAX && req != SIZE_MAX && tmo != SIZE_MAX, "records");
    /* A signalled take: caused by the drop that signalled. */
    CHECK_EQ(explain_cause(ex, acq), drop);
    explain_why(ex, acq, buf, sizeof(buf));
    CHECK(strstr(buf, "the OS woke io, which took the GIL 30 \xc2\xb5s later") &&
              strstr(buf, "on the signal of hog, which dropped the GIL at a check point at 5.01 ms"),
          "take after a wake-up: %s", buf);
    /* A forced drop: caused by the pending drop request. */
    CHECK_EQ(explain_cause(ex, drop), req);
    explain_why(ex, drop, buf, sizeof(buf));
    CHECK(strstr(buf, "io had set the drop request at 5 ms") != NULL, "forced drop: %s", buf);
    /* The request: caused by the timeout just before it. */
    CHECK_EQ(explain_cause(ex, req), tmo);
    explain_what(ex, req, buf, sizeof(buf));
    CHECK_STREQ(buf, "io set the drop request for hog");
    explain_next(ex, req, buf, sizeof(buf));
    CHECK(strstr(buf, "hog drops the GIL at its next check point, at 5.01 ms") != NULL, "next: %s", buf);
    /* io back from I/O: its I/O ended, hog holds the GIL. */
    size_t back = record_index(tr, 6060 * US, SIM_REC_STATE, 0);
    size_t io_start = record_index(tr, 5060 * US, SIM_REC_STATE, 0);
    CHECK_EQ(explain_cause(ex, back), io_start);
    explain_why(ex, back, buf, sizeof(buf));
    CHECK(strstr(buf, "io's I/O ended (it lasted 1 ms)") && strstr(buf, "hog holds it"), "back: %s", buf);
    /* The I/O start: the program reached I/O, never "took the free GIL". */
    explain_why(ex, io_start, buf, sizeof(buf));
    CHECK(strstr(buf, "reached an I/O operation") && !strstr(buf, "free"), "I/O start: %s", buf);
    explain_what(ex, io_start, buf, sizeof(buf));
    CHECK_STREQ(buf, "io started I/O (1 ms), without the GIL");
    /* The daemon kill names the reason. */
    size_t killed = record_index(tr, 19 * MS, SIM_REC_STATE, 1);
    explain_why(ex, killed, buf, sizeof(buf));
    CHECK(strstr(buf, "daemon thread") != NULL, "kill: %s", buf);
    /* A failed wake-up is caused by a drop that signalled it. */
    size_t fw = SIZE_MAX;
    for (size_t i = 0; i < sim_trace_count(tr); i++)
        if (sim_trace_records(tr)[i].kind == SIM_REC_FAILED_WAKEUP)
            fw = i;
    CHECK(fw != SIZE_MAX && explain_cause(ex, fw) != EXPLAIN_NONE &&
              sim_trace_records(tr)[explain_cause(ex, fw)].kind == SIM_REC_GIL_DROP,
          "failed wake-up caused by a drop");
    /* The record at a time, and a thread's own. */
    CHECK_EQ(explain_record_at(ex, 5040 * US, 0), record_index(tr, 5040 * US, SIM_REC_STATE, 0));
    CHECK_EQ(explain_record_at(ex, -1, SIM_NONE), EXPLAIN_NONE);

    /* Arrows join exactly the causal records, placed on their lanes. */
    RChain ch;
    CHECK(render_explain_chain(ix, ex, acq, &ch), "chain");
    CHECK(ch.n >= 3, "chain of %d", ch.n);
    CHECK_EQ(ch.t[ch.n - 1], 5040 * US);
    CHECK_EQ(ch.lane[ch.n - 1], ix->thread_lane[0]);
    CHECK_STREQ(ch.label[ch.n - 1], "takes the GIL");
    CHECK_EQ(ch.t[ch.n - 2], 5010 * US);
    CHECK_EQ(ch.lane[ch.n - 2], ix->thread_lane[1]);
    CHECK_STREQ(ch.label[ch.n - 2], "forced drop");
    CHECK_EQ(ch.t[ch.n - 3], 5 * MS);
    CHECK_STREQ(ch.label[ch.n - 3], "timeout");
    for (int i = 0; i + 1 < ch.n; i++)
        CHECK(ch.t[i] <= ch.t[i + 1], "causes come before effects");
    /* No chain without a cause. */
    CHECK(!render_explain_chain(ix, ex, 0, &ch), "the first record has no cause");
    explain_destroy(ex);
}

static void test_view(const SimTrace *tr)
{
    RView v;
    render_view_init(&v, 20 * MS);
    CHECK(v.t0 == 0 && v.t1 == 20 * MS, "fit");
    CHECK_EQ(v.cursor, SIZE_MAX);
    render_view_zoom(&v, 0.5, 10 * MS);
    CHECK(v.t0 == 5 * MS && v.t1 == 15 * MS, "zoom around the middle: %lld..%lld",
          (long long)v.t0, (long long)v.t1);
    render_view_zoom(&v, 0.5, 7 * MS); /* the anchor keeps its place */
    CHECK(v.t0 == 6 * MS && v.t1 == 11 * MS, "zoom around 7 ms: %lld..%lld", (long long)v.t0,
          (long long)v.t1);
    render_view_pan(&v, 0.2);
    CHECK(v.t0 == 7 * MS && v.t1 == 12 * MS, "pan");
    render_view_pan(&v, 10);
    CHECK(v.t1 == 22 * MS + 1 && v.t1 - v.t0 == 5 * MS, "pan stops 10%% past the end: %lld",
          (long long)v.t1);
    render_view_zoom(&v, 1e-9, 10 * MS);
    CHECK_EQ(v.t1 - v.t0, R_VIEW_MIN_SPAN);
    render_view_zoom(&v, 1e9, 10 * MS);
    CHECK(v.t0 < 0 && v.t1 > 20 * MS, "zoom out is bounded");
    render_view_fit(&v);

    /* Stepping walks records one by one; with a thread, its transitions. */
    CHECK(render_view_step(&v, tr, 1, SIM_NONE), "step");
    CHECK_EQ(v.cursor, 0);
    CHECK(render_view_step(&v, tr, 1, SIM_NONE), "step");
    CHECK_EQ(v.cursor, 1);
    CHECK(render_view_step(&v, tr, -1, SIM_NONE) && v.cursor == 0, "back");
    CHECK(!render_view_step(&v, tr, -1, SIM_NONE), "no step before the first");
    CHECK(render_view_step(&v, tr, 1, 2), "w0's first transition");
    CHECK_EQ(v.cursor_t, 1 * MS);
    CHECK(render_view_step(&v, tr, 1, 2), "w0's second");
    CHECK(v.cursor_t == 1 * MS && sim_trace_records(tr)[v.cursor].kind == SIM_REC_STATE,
          "w0 runs at 1 ms");
    CHECK(render_view_step(&v, tr, 1, 2) && v.cursor_t == 2 * MS, "w0 sleeps at 2 ms");

    render_view_seek(&v, tr, 5040 * US);
    CHECK_EQ(sim_trace_records(tr)[v.cursor].t, 5040 * US);
    CHECK(v.cursor + 1 == sim_trace_count(tr) || sim_trace_records(tr)[v.cursor + 1].t > 5040 * US,
          "last record at the time");
    v.speed = 1 * MS;
    v.playing = true;
    CHECK(render_view_tick(&v, tr, 0.5), "tick");
    CHECK_EQ(v.cursor_t, 5540 * US);
    CHECK_EQ(sim_trace_records(tr)[v.cursor].t, 5090 * US);
    CHECK(render_view_tick(&v, tr, 100), "run to the end");
    CHECK(!v.playing && v.cursor_t == 20 * MS && v.cursor == sim_trace_count(tr) - 1, "stopped at the end");
    render_view_set_range(&v, 1 * MS, 2 * MS);
    render_view_follow(&v);
    CHECK(v.t0 <= v.cursor_t && v.cursor_t <= v.t1 && v.t1 - v.t0 == 1 * MS, "follow keeps the width");
}

static void test_overlay(const RIndex *ix, RLayout *L, DrawList *dl)
{
    RView v;
    render_view_init(&v, ix->end);
    v.help = true;
    RViewport vp = render_viewport_default(ix, 1280, 800);
    RLayoutOpts o = render_layout_opts_export();
    o.caption = false;
    o.fit_lanes = false;
    o.auto_text = false;
    RChromePlan plan = render_chrome_full(false);
    o.reserve_bottom = render_overlay_height(&vp, &plan);
    o.cursor = 5040 * US;
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    CHECK(L->bottom + o.reserve_bottom <= 800, "room for the chrome");
    CHECK(L->caption.y + L->caption.h <= L->bottom, "timeline above the chrome");
    ROverlayIn in;
    memset(&in, 0, sizeof(in));
    in.explain_now = "io took the GIL from hog.";
    in.explain_why = "io waited 5 ms with no switch.";
    in.status = "paused";
    in.toast = "switch interval 5 ms \xe2\x86\x92 2.5 ms";
    in.plan = plan;
    in.explain_next = "io holds the GIL for 20 \xc2\xb5s.";
    RFigLine figs[2] = {{"I/O", "164 ops/s", true}, {"GIL", "328 switches/s", false}};
    in.figs = figs;
    in.n_figs = 2;
    in.figs_title = "Figures";
    size_t acq = record_index(ix->tr, 5040 * US, SIM_REC_GIL_ACQUIRE, 0);
    Explainer *ex = NULL;
    explain_create(ix->tr, &ex);
    render_explain_chain(ix, ex, acq, &in.chain);
    explain_destroy(ex);
    render_view_seek(&v, ix->tr, 5040 * US);
    ROverlayGeom g;
    CHECK_EQ(render_overlay_build(L, ix, &v, &in, &metrics, dl, &g), 0);
    CHECK(g.scrub.x == L->plot.x && g.scrub.w > L->plot.w * 8 / 10 && g.scrub.y > g.panel.y,
          "scrub bar under the panel");
    CHECK(g.status.y + g.status.h <= 800, "status inside");
    CHECK(has_text(dl, "io took the GIL from hog."), "explain text");
    CHECK(has_text(dl, "Why") && has_text(dl, "Now") && has_text(dl, "Next"), "explain headings");
    CHECK(has_text(dl, "164 ops/s") && has_text(dl, "Figures") && g.figures.w > 0 &&
              g.figures.x > g.panel.x + g.panel.w,
          "the figures panel, right of the explain panel");
    CHECK(has_text(dl, "switch interval 5 ms \xe2\x86\x92 2.5 ms"), "toast");
    CHECK(has_text(dl, "Keys and mouse"), "help sheet");
    int n = 0;
    for (; render_help_lines[n]; n++) {
        char key[128];
        const char *tab = strchr(render_help_lines[n], '\t');
        CHECK(tab != NULL, "help line %d has a tab", n);
        size_t kl = tab ? (size_t)(tab - render_help_lines[n]) : 0;
        memcpy(key, render_help_lines[n], kl);
        key[kl] = '\0';
        CHECK(has_text(dl, key), "help shows '%s'", key);
    }
    CHECK(n >= 20, "%d bindings", n);
    CHECK(has_text(dl, "forced drop") && has_text(dl, "takes the GIL"), "arrow labels");

    /* With no Why to show, a long Now wraps into the lines the Why would
     * have used instead of ending in an ellipsis above an empty line. */
    in.explain_why = in.explain_next = NULL;
    in.chain.n = 0;
    in.plan.explain_lines = 3;
    in.explain_now = "Press Space to play the run, the right arrow to step through it one transition at a "
                     "time, and the question mark for every key: LASTWORD";
    draw_list_reset(dl);
    CHECK_EQ(render_overlay_build(L, ix, &v, &in, &metrics, dl, &g), 0);
    const RCmd *first = find_text_containing(dl, "Press Space");
    const RCmd *last = find_text_containing(dl, "LASTWORD");
    CHECK(first && last && last->u.text.y > first->u.text.y && !strstr(draw_text_of(dl, first), "\xe2\x80\xa6"),
          "a Now without a Why wraps onto the next line, whole");
}

/* Arrows stay in the plot, and their labels never overlap: a crowded
 * chain keeps the labels that fit and drops the rest; a point off screen
 * is reached by an arrow cut at the plot's edge, with no label. */
static void test_arrows(const RIndex *ix, RLayout *L, DrawList *dl)
{
    RView v;
    render_view_init(&v, ix->end);
    v.arrows = true;
    RViewport vp = render_viewport_default(ix, 1280, 800);
    vp.t0 = 4 * MS;
    vp.t1 = 6 * MS;
    RLayoutOpts o = render_layout_opts_export();
    o.caption = false;
    RChromePlan plan = render_chrome_full(false);
    o.reserve_bottom = render_overlay_height(&vp, &plan);
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    ROverlayIn in;
    memset(&in, 0, sizeof(in));
    in.plan = plan;
    static const char *const labels[] = {"off screen", "first label", "second label", "third label",
                                         "fourth label"};
    RChain ch = {5, {1 * MS, 5000 * US, 5001 * US, 5002 * US, 5003 * US},
                 {ix->thread_lane[0], ix->thread_lane[0], ix->thread_lane[1], ix->thread_lane[0],
                  ix->thread_lane[1]},
                 {labels[0], labels[1], labels[2], labels[3], labels[4]}};
    in.chain = ch;
    size_t before = dl->n;
    ROverlayGeom g;
    CHECK_EQ(render_overlay_build(L, ix, &v, &in, &metrics, dl, &g), 0);
    RRect box[5];
    int nb = 0;
    bool outside = false, off_label = false;
    for (size_t i = before; i < dl->n; i++) {
        const RCmd *c = &dl->cmds[i];
        if (c->kind == R_CMD_LINE)
            outside |= c->u.line.x0 < L->plot.x - 1 || c->u.line.x1 < L->plot.x - 1 ||
                       c->u.line.x0 > L->plot.x + L->plot.w + 1 || c->u.line.x1 > L->plot.x + L->plot.w + 1;
        if (c->kind != R_CMD_TEXT)
            continue;
        const char *t = draw_text_of(dl, c);
        for (int k = 0; k < 5; k++) {
            if (strcmp(t, labels[k]) != 0)
                continue;
            off_label |= k == 0;
            int w = fake_width(NULL, (RFont)c->font, c->size, t);
            if (nb < 5)
                box[nb++] = rrect(c->u.text.x, c->u.text.y - c->size / 2, w, c->size);
            outside |= c->u.text.x < L->plot.x || c->u.text.x + w > L->plot.x + L->plot.w;
        }
    }
    CHECK(!outside, "arrows and their labels stay inside the plot");
    CHECK(!off_label, "no label for a point off screen");
    CHECK(nb >= 2, "labels that fit are drawn (%d)", nb);
    bool overlap = false;
    for (int a = 0; a < nb; a++)
        for (int b = a + 1; b < nb; b++)
            overlap |= box[a].x < box[b].x + box[b].w && box[b].x < box[a].x + box[a].w &&
                       box[a].y < box[b].y + box[b].h && box[b].y < box[a].y + box[a].h;
    CHECK(!overlap, "no two labels overlap");
}

/* The figures panel: what the run has, marked where it differs from the
 * run the viewer opened with. */
static void test_figure_lines(const SimTrace *tr)
{
    SimStats *st = sim_stats_compute(tr);
    Figures f, other;
    CHECK(st && figures_compute(tr, st, &f) == 0, "figures");
    if (!st)
        return;
    RFigLine lines[R_FIG_LINES];
    int n = render_figure_lines(&f, &f, tr, lines, R_FIG_LINES);
    bool gil = false, run = false, any = false;
    for (int i = 0; i < n; i++) {
        gil |= !strcmp(lines[i].label, "GIL");
        run |= !strcmp(lines[i].label, "run") && !strcmp(lines[i].value, "20 ms");
        any |= lines[i].changed;
    }
    CHECK(gil && run, "GIL and run lines (%d lines)", n);
    CHECK(!any, "the same run: nothing marked changed");
    /* Another run: a different switch-over rate and length. */
    memcpy(&other, &f, sizeof(other));
    other.v = malloc((size_t)f.n * sizeof(Figure));
    memcpy(other.v, f.v, (size_t)f.n * sizeof(Figure));
    for (int i = 0; i < other.n; i++)
        if (!strcmp(other.v[i].key, "makespan"))
            other.v[i].value = 40 * MS;
    n = render_figure_lines(&f, &other, tr, lines, R_FIG_LINES);
    for (int i = 0; i < n; i++)
        if (!strcmp(lines[i].label, "run"))
            CHECK(lines[i].changed, "a changed figure is marked");
        else if (!strcmp(lines[i].label, "GIL"))
            CHECK(!lines[i].changed, "an unchanged one is not");
    free(other.v);
    figures_fini(&f);
    sim_stats_destroy(st);
}

static void test_svg(const RIndex *ix, RLayout *L, DrawList *dl)
{
    RViewport vp = render_viewport_default(ix, 900, 500);
    RLayoutOpts o = render_layout_opts_export();
    render_layout_build(L, ix, &vp, &o, &metrics, dl);
    size_t len = 0;
    char *svg = render_svg_from_list(dl, &len);
    CHECK(svg != NULL && len == strlen(svg), "svg text");
    if (!svg)
        return;
    CHECK(strncmp(svg, "<?xml", 5) == 0, "xml prolog");
    CHECK(strstr(svg, "width=\"900\" height=\"500\"") != NULL, "size");
    CHECK(strstr(svg, "<pattern id=\"h0\"") != NULL, "hatch patterns");
    CHECK(strstr(svg, "fill=\"url(#h") != NULL, "hatched rects");
    CHECK(strstr(svg, ">wait GIL</text>") != NULL, "text stays text");
    CHECK(strstr(svg, "clip-path") == NULL, "clipping is geometric");
    CHECK(strcmp(svg + len - 7, "</svg>\n") == 0, "closed");
    /* Nothing drawn outside the picture. */
    int bad = 0;
    for (const char *p = svg; (p = strstr(p, "<rect x=\"")); p++) {
        int x, y, w, h;
        if (sscanf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", &x, &y, &w, &h) == 4 &&
            (x < 0 || y < 0 || x + w > 900 || y + h > 500))
            bad++;
    }
    CHECK_EQ(bad, 0);
    free(svg);

    /* Names are escaped. */
    SimTrace *tr = sim_trace_create();
    sim_trace_add_process(tr, "p<&>", SIM_NONE, 0, "initial");
    sim_trace_add_thread(tr, "a\"<b>&c", 0, 0, 0);
    sim_trace_set_gils(tr, 1);
    SimRecord r = {0, 0, 0, 0, SIM_REC_STATE, SIM_ST_RUNNABLE, SIM_R_WAIT_GIL, 0};
    sim_trace_push(tr, &r);
    sim_trace_set_end(tr, 1000);
    RIndex *ix2;
    render_index_build(tr, &ix2);
    vp = render_viewport_default(ix2, 600, 300);
    render_layout_build(L, ix2, &vp, &o, &metrics, dl);
    svg = render_svg_from_list(dl, &len);
    CHECK(svg && strstr(svg, ">a&quot;&lt;b&gt;&amp;c</text>") != NULL, "escaped name");
    CHECK(svg && !strstr(svg, "a\"<b>"), "no raw name");
    free(svg);
    render_index_destroy(ix2);
    sim_trace_destroy(tr);
}

/* Degenerate inputs draw without crashing. */
static void test_edges(RLayout *L, DrawList *dl)
{
    SimTrace *tr = sim_trace_create();
    RIndex *ix;
    CHECK_EQ(render_index_build(tr, &ix), 0);
    CHECK_EQ(ix->n_lanes, 0);
    RViewport vp = render_viewport_default(ix, 300, 200);
    RLayoutOpts o = render_layout_opts_export();
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    RHit h;
    CHECK(!render_layout_hit(L, ix, 150, 100, &h), "nothing to hit");
    render_index_destroy(ix);
    sim_trace_destroy(tr);

    /* Hundreds of threads in a small picture: lanes shrink, nothing spills. */
    tr = fixture_synth(20000, 60, 8);
    CHECK_EQ(render_index_build(tr, &ix), 0);
    vp = render_viewport_default(ix, 640, 360);
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    CHECK(L->lanes_clip.y + L->lanes_clip.h <= L->axis.y, "lanes end above the axis");
    for (size_t i = 0; i < dl->n; i++) {
        const RCmd *c = &dl->cmds[i];
        if (c->kind == R_CMD_RECT)
            CHECK(c->u.rect.y >= 0 && c->u.rect.y + c->u.rect.h <= 360 + 2, "rect %zu inside", i);
    }
    /* A viewport before the run and far after it. */
    vp.t0 = -5000;
    vp.t1 = -10;
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    vp.t0 = ix->end * 2;
    vp.t1 = ix->end * 3;
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, dl), 0);
    render_index_destroy(ix);
    sim_trace_destroy(tr);
}

/* Object lanes: which objects get one, where, and what they hold. */
static void test_objects(void)
{
    SimTrace *tr = fixture_sync();
    CHECK(tr != NULL, "sync fixture");
    if (!tr)
        return;
    RIndex *ix = NULL;
    CHECK_EQ(render_index_build(tr, &ix), 0);
    if (!ix) {
        sim_trace_destroy(tr);
        return;
    }
    enum { A = 0, B = 1, C = 2, CM = 3 };
    /* mu, slots, q and the shared variable in main, mu in the child; not
     * the unused lock or the mutex that never showed. */
    CHECK_EQ(ix->n_object_lanes, 5);
    CHECK_EQ(ix->object_lane[4], SIM_NONE);
    CHECK_EQ(ix->object_lane[6], SIM_NONE);
    /* Display order: main's threads, then its objects; the child's thread,
     * then its object; the cores last. */
    CHECK_EQ(ix->object_lane[0], ix->thread_lane[C] + 1);
    CHECK_EQ(ix->object_lane[1], ix->object_lane[0] + 1);
    CHECK_EQ(ix->object_lane[2], ix->object_lane[1] + 1);
    CHECK_EQ(ix->object_lane[3], ix->object_lane[2] + 1);
    CHECK_EQ(ix->lanes[ix->object_lane[3]].okind, R_OBJ_SHARED);
    CHECK_EQ(ix->object_lane[5], ix->thread_lane[CM] + 1);
    CHECK(ix->lanes[ix->n_lanes - 1].kind == R_LANE_CORE, "cores last");
    CHECK_EQ(ix->n_groups, 3);
    CHECK_EQ(ix->groups[0].n_lanes, 7);
    CHECK_EQ(ix->groups[1].first_lane, 7);
    CHECK_EQ(ix->groups[1].n_lanes, 2);
    char name[64];
    const RLane *mu = &ix->lanes[ix->object_lane[0]];
    CHECK_STREQ(render_lane_name(ix, mu, name, sizeof(name)), "mu");
    CHECK_STREQ(render_lane_object_kind(ix, mu), "lock");
    CHECK_EQ(mu->okind, R_OBJ_LOCK);
    /* The owner over time, and the waiters. */
    CHECK_EQ(mu->v[render_lane_find(mu, 500 * US)], R_IDLE);
    CHECK_EQ(mu->v[render_lane_find(mu, 1500 * US)], A);
    CHECK_EQ(mu->v[render_lane_find(mu, 5 * MS)], B);
    CHECK_EQ(mu->v[render_lane_find(mu, 7 * MS)], R_IDLE);
    CHECK_EQ(render_lane_waiters(mu, 1 * MS), 0);
    CHECK_EQ(render_lane_waiters(mu, 3 * MS), 1);
    CHECK_EQ(render_lane_waiters(mu, 4 * MS), 0);
    CHECK_EQ(mu->wmax, 1);
    CHECK_EQ(mu->n_marks, 2);
    CHECK_EQ(mu->marks[0].kind, R_SMARK_BLOCK);
    CHECK_EQ(mu->marks[1].kind, R_SMARK_WAKE);
    CHECK(!mu->lost, "mu is released");
    const RLane *slots = &ix->lanes[ix->object_lane[1]];
    CHECK_EQ(slots->okind, R_OBJ_SEMAPHORE);
    CHECK_EQ(slots->vmax, 2);
    CHECK_EQ(slots->v[render_lane_find(slots, 2 * MS)], 2);
    CHECK_EQ(slots->v[render_lane_find(slots, 3500 * US)], 2);
    CHECK_EQ(slots->v[render_lane_find(slots, 9 * MS)], R_IDLE);
    CHECK_EQ(render_lane_waiters(slots, 2 * MS), 1);
    const RLane *q = &ix->lanes[ix->object_lane[2]];
    CHECK_EQ(q->okind, R_OBJ_QUEUE);
    CHECK_EQ(q->vmax, 4);
    CHECK_EQ(q->v[render_lane_find(q, 3 * MS)], 2);
    CHECK_EQ(q->v[render_lane_find(q, 6 * MS)], 1);
    CHECK_EQ(q->v[render_lane_find(q, 8 * MS)], R_IDLE);
    CHECK_EQ(q->wmax, 0);
    const RLane *cmu = &ix->lanes[ix->object_lane[5]];
    CHECK_EQ(cmu->process, 1);
    CHECK_EQ(cmu->v[render_lane_find(cmu, 9 * MS)], A | R_LOST);
    CHECK(cmu->lost, "the child's lock is held by a lost thread");
    CHECK_EQ(render_lane_waiters(cmu, 9 * MS), 1);

    /* The frame: names, kinds, owners, counts and waiters are drawn. */
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    RViewport vp = render_viewport_default(ix, 1600, 900);
    RLayoutOpts o = render_layout_opts_export();
    CHECK_EQ(render_layout_build(L, ix, &vp, &o, &metrics, &dl), 0);
    CHECK(has_text(&dl, "mu"), "object lane name");
    CHECK(has_text(&dl, "semaphore"), "object kind beside its name");
    CHECK(has_text(&dl, "2 of 2 permits taken"), "semaphore holders");
    CHECK(has_text(&dl, "2 items"), "queue fill");
    CHECK(find_text_containing(&dl, "held by a lost thread (a)") != NULL, "lost owner label");
    CHECK(has_text(&dl, "1 waiting"), "waiters count");
    CHECK(has_text(&dl, "threads waiting on the object"), "legend: waiters");
    CHECK(find_text_containing(&dl, "held by a lost thread (fork)") != NULL, "legend: lost owner");
    /* a's colour spans mu's lane from 1 ms to 4 ms, in the lane's top part. */
    RLaneGeom g = L->lanes[ix->object_lane[0]];
    CHECK(g.h > L->lanes[ix->thread_lane[A]].h, "a lane with waiters is taller");
    int x1 = (int)lround(render_layout_x_of(L, 1 * MS)), x4 = (int)lround(render_layout_x_of(L, 4 * MS));
    const RCmd *r = span_rect(&dl, g, render_thread_color(A, R_THEME_LIGHT), (x1 + x4) / 2);
    CHECK(r != NULL, "owner span");
    if (r) {
        CHECK(abs(r->u.rect.x - x1) <= 1 && abs(r->u.rect.x + r->u.rect.w - x4) <= 1,
              "owner span %d..%d, want %d..%d", r->u.rect.x, r->u.rect.x + r->u.rect.w, x1, x4);
        CHECK(r->u.rect.y + r->u.rect.h <= g.y + g.h * 7 / 10, "owner above the waiters");
    }
    /* Hit-testing names the object and its owner. */
    RHit h;
    int x = (int)lround(render_layout_x_of(L, 3 * MS));
    CHECK(render_layout_hit(L, ix, x, g.y + g.h / 3, &h), "hit mu");
    CHECK_EQ(h.kind, R_LANE_OBJECT);
    CHECK_EQ(h.thread, A);
    char lines[4][160];
    int n = render_hit_describe(ix, &h, lines);
    CHECK(n >= 2, "lines %d", n);
    CHECK_STREQ(lines[0], "lock mu");
    CHECK_STREQ(lines[1], "held by a \xc2\xb7 1 waiting");
    RLaneGeom cg = L->lanes[ix->object_lane[5]];
    x = (int)lround(render_layout_x_of(L, 9 * MS));
    CHECK(render_layout_hit(L, ix, x, cg.y + cg.h / 3, &h), "hit the child's mu");
    CHECK_EQ(h.thread, A);
    n = render_hit_describe(ix, &h, lines);
    CHECK(n >= 2 && strstr(lines[1], "lost thread") != NULL, "lost: %s", n >= 2 ? lines[1] : "");
    /* Zoomed far out, the lanes stay bounded: a 200 px wide frame. */
    RViewport small = render_viewport_default(ix, 200, 400);
    CHECK_EQ(render_layout_build(L, ix, &small, &o, &metrics, &dl), 0);
    /* The explain panel names the object. */
    size_t rec = record_index(tr, 5 * MS, SIM_REC_SYNC, A);
    char buf[512];
    Explainer *ex = NULL;
    explain_create(tr, &ex);
    if (ex)
        explain_what(ex, rec, buf, sizeof(buf));
    explain_destroy(ex);
    CHECK(strstr(buf, "lock 'mu'") != NULL && strstr(buf, "does not exist in the child") != NULL,
          "explain names the object and the lost owner: %s", buf);
    draw_list_free(&dl);
    render_layout_destroy(L);
    render_index_destroy(ix);
    sim_trace_destroy(tr);
}

/* Two runs stacked on one time axis, with their statistics. */
static void test_compare(void)
{
    SimTrace *a = fixture_small(), *b = fixture_sync();
    RIndex *ia = NULL, *ib = NULL;
    CHECK(a && b, "fixtures");
    if (!a || !b || render_index_build(a, &ia) < 0 || render_index_build(b, &ib) < 0) {
        CHECK(false, "index");
        goto out;
    }
    /* The same run twice: nothing changed, nothing highlighted. */
    RCmpRow rows[R_CMP_MAX_ROWS];
    int n = render_compare_stats(a, a, rows, R_CMP_MAX_ROWS);
    CHECK(n >= 3 + 2 * 3, "rows %d", n);
    CHECK_STREQ(rows[0].label, "run length");
    CHECK_STREQ(rows[0].a, "20 ms");
    CHECK_STREQ(rows[0].b, "20 ms");
    bool any = false;
    for (int i = 0; i < n; i++) {
        any |= rows[i].hl;
        CHECK_STREQ(rows[i].delta, "=");
    }
    CHECK(!any, "nothing highlighted");
    CHECK(n >= 2 && strcmp(rows[1].label, "GIL switches / s") == 0, "switches row");
    bool io = false;
    for (int i = 0; i < n; i++)
        io |= strcmp(rows[i].label, "io I/O p50") == 0;
    CHECK(io, "I/O p50 of the thread that does I/O");
    /* Rates and shares, not totals: a CPU share row for each thread. */
    bool share = false, total = false;
    for (int i = 0; i < n; i++) {
        share |= strcmp(rows[i].label, "hog CPU share") == 0;
        total |= strstr(rows[i].label, "running") != NULL;
    }
    CHECK(share && !total, "CPU shares, no running totals");
    /* Different runs: run length 20 ms vs 10 ms, threads of one run only. */
    n = render_compare_stats(a, b, rows, R_CMP_MAX_ROWS);
    CHECK_STREQ(rows[0].b, "10 ms");
    CHECK_STREQ(rows[0].delta, "-50%");
    CHECK(rows[0].hl, "a halved run is highlighted");
    bool only_a = false, only_b = false;
    for (int i = 0; i < n; i++) {
        only_a |= strcmp(rows[i].delta, "only A") == 0;
        only_b |= strcmp(rows[i].delta, "only B") == 0;
    }
    CHECK(only_a && only_b, "threads of one run only");

    RCompare *C = render_compare_create();
    DrawList dl;
    draw_list_init(&dl);
    const RIndex *pair[2] = {ia, ib};
    RViewport vp = render_viewport_default(ia, 1600, 1000);
    RLayoutOpts o = render_layout_opts_export();
    CHECK_EQ(render_compare_build(C, pair, &vp, &o, rows, n, &metrics, &dl), 0);
    /* A on top, B under it, the table under both, all inside the picture. */
    CHECK_EQ(C->y_off[0], 0);
    CHECK(C->y_off[1] == C->h[0] && C->h[0] > 200 && C->h[1] > 200, "bands %d %d", C->h[0], C->h[1]);
    CHECK(C->stats.h > 0 && C->stats.y >= C->y_off[1] + C->h[1] &&
              C->stats.y + C->stats.h <= vp.height,
          "table at %d+%d", C->stats.y, C->stats.h);
    /* One time axis: the same plot in x, so a time is at the same x. */
    CHECK_EQ(C->L[0]->plot.x, C->L[1]->plot.x);
    CHECK_EQ(C->L[0]->plot.w, C->L[1]->plot.w);
    CHECK(fabs(render_layout_x_of(C->L[0], 5 * MS) - render_layout_x_of(C->L[1], 5 * MS)) < 0.5,
          "same x for the same time");
    CHECK(has_text(&dl, "A") && has_text(&dl, "B"), "run tags");
    CHECK(has_text(&dl, "Convoy (fixture)") && has_text(&dl, "Locks (fixture)"), "both titles");
    CHECK(has_text(&dl, "run length") && has_text(&dl, "-50%"), "statistics");
    /* One legend, under B. */
    int legends = 0;
    for (size_t i = 0; i < dl.n; i++)
        if (dl.cmds[i].kind == R_CMD_TEXT &&
            strstr(draw_text_of(&dl, &dl.cmds[i]), "holder's colour") != NULL) {
            legends++;
            CHECK(dl.cmds[i].u.text.y > C->y_off[1], "legend under B");
        }
    CHECK_EQ(legends, 1);
    /* Hit-testing finds the run and its lane. */
    RHit h;
    int run = -1;
    RLaneGeom g = C->L[1]->lanes[ib->object_lane[0]];
    int x = (int)lround(render_layout_x_of(C->L[1], 3 * MS));
    CHECK(render_compare_hit(C, pair, x, C->y_off[1] + g.y + g.h / 4, &run, &h), "hit B");
    CHECK_EQ(run, 1);
    CHECK_EQ(h.kind, R_LANE_OBJECT);
    g = C->L[0]->lanes[ia->thread_lane[1]];
    CHECK(render_compare_hit(C, pair, x, g.y + g.h / 2, &run, &h), "hit A");
    CHECK_EQ(run, 0);
    CHECK_EQ(h.thread, 1);
    /* Without rows (a quiz), no table and the runs take the room. */
    CHECK_EQ(render_compare_build(C, pair, &vp, &o, rows, 0, &metrics, &dl), 0);
    CHECK_EQ(C->stats.h, 0);
    CHECK(!has_text(&dl, "makespan"), "no statistics");
    draw_list_free(&dl);
    render_compare_destroy(C);
out:
    render_index_destroy(ia);
    render_index_destroy(ib);
    sim_trace_destroy(a);
    sim_trace_destroy(b);
}

int main(void)
{
    test_format();
    SimTrace *tr = fixture_small();
    CHECK(tr != NULL, "fixture");
    if (!tr)
        return test_report();
    RIndex *ix = NULL;
    CHECK_EQ(render_index_build(tr, &ix), 0);
    RLayout *L = render_layout_create();
    DrawList dl;
    draw_list_init(&dl);
    test_index(ix);
    test_frame(ix, L, &dl);
    test_hit(ix, L);
    test_explain(ix);
    test_view(tr);
    test_overlay(ix, L, &dl);
    test_arrows(ix, L, &dl);
    test_figure_lines(ix->tr);
    test_svg(ix, L, &dl);
    test_edges(L, &dl);
    test_lod();
    test_objects();
    test_compare();
    draw_list_free(&dl);
    render_layout_destroy(L);
    render_index_destroy(ix);
    sim_trace_destroy(tr);
    return test_report();
}
