/*
 * palette.c - colours, hatches and labels of states, threads and themes.
 *
 * The state colours keep the meanings users already read in GIL and
 * thread timelines (David Beazley's GIL talks, the Tracy profiler,
 * giltracer, perf's "waiting for cpu"): green runs Python holding the GIL,
 * vermillion waits for the GIL (red: waiting on a lock), amber waits for a
 * core, blue is blocked on I/O, grey sleeps or has not started. Hues come
 * from the Okabe-Ito set, thread colours from Paul Tol's "muted" set, both
 * colour-blind safe.
 *
 * Invariant: no two reasons that share a luminance band share a hatch, so a
 * grey-scale printout still tells every state apart (labels do the rest).
 */
#include "layout.h"

static const RPalette light = {
    .bg = {255, 255, 255, 255},
    .fg = {31, 35, 40, 255},
    .fg_dim = {91, 99, 112, 255},
    .lane_bg = {246, 247, 249, 255},
    .lane_alt = {238, 240, 243, 255},
    .header_bg = {226, 230, 236, 255},
    .grid = {0, 0, 0, 20},
    .grid_major = {0, 0, 0, 40},
    .axis = {91, 99, 112, 255},
    .mark = {20, 22, 26, 255},
    .cursor = {20, 22, 26, 255},
    .select = {20, 22, 26, 255},
    .accent = {194, 24, 91, 255},
    .panel_bg = {255, 255, 255, 244},
    .panel_fg = {31, 35, 40, 255},
    .panel_border = {190, 196, 205, 255},
    .arrow = {20, 22, 26, 235},
    .mixed = {0, 0, 0, 90},
};

static const RPalette dark = {
    .bg = {22, 24, 29, 255},
    .fg = {232, 234, 237, 255},
    .fg_dim = {154, 160, 166, 255},
    .lane_bg = {31, 34, 40, 255},
    .lane_alt = {36, 39, 46, 255},
    .header_bg = {47, 52, 61, 255},
    .grid = {255, 255, 255, 20},
    .grid_major = {255, 255, 255, 44},
    .axis = {154, 160, 166, 255},
    .mark = {245, 245, 245, 255},
    .cursor = {255, 255, 255, 255},
    .select = {255, 255, 255, 255},
    .accent = {255, 111, 168, 255},
    .panel_bg = {38, 42, 49, 244},
    .panel_fg = {232, 234, 237, 255},
    .panel_border = {84, 90, 100, 255},
    .arrow = {250, 250, 250, 235},
    .mixed = {255, 255, 255, 90},
};

const RPalette *render_palette(RTheme theme)
{
    return theme == R_THEME_DARK ? &dark : &light;
}

typedef struct ReasonStyle {
    RColor light, dark;
    uint8_t hatch;
    const char *label, *shrt;
} ReasonStyle;

#define C(r, g, b) {r, g, b, 255}
static const ReasonStyle styles[SIM_REASON_COUNT] = {
    [SIM_R_NEW] = {C(232, 232, 232), C(58, 61, 68), R_HATCH_NONE, "Not started, or its process starting", "new"},
    [SIM_R_WAIT_GIL] = {C(213, 94, 0), C(213, 94, 0), R_HATCH_DIAG, "Waiting for the GIL",
                        "wait GIL"},
    [SIM_R_WAIT_CORE] = {C(230, 159, 0), C(230, 159, 0), R_HATCH_DOTS, "Waiting for a core",
                         "wait core"},
    [SIM_R_PYTHON] = {C(0, 158, 115), C(0, 158, 115), R_HATCH_NONE, "Running Python (holds GIL)",
                      "Python"},
    [SIM_R_C_CALL] = {C(17, 112, 90), C(32, 128, 104), R_HATCH_VERT, "C call holding the GIL",
                      "C call"},
    [SIM_R_NOGIL] = {C(142, 99, 181), C(152, 112, 192), R_HATCH_BACKDIAG,
                     "C code, GIL released", "no-GIL C"},
    [SIM_R_IO] = {C(0, 114, 178), C(30, 128, 196), R_HATCH_HORIZ, "Blocked on I/O", "I/O"},
    [SIM_R_SLEEP] = {C(190, 190, 190), C(105, 110, 120), R_HATCH_NONE, "Sleeping", "sleep"},
    [SIM_R_LOCK] = {C(204, 121, 167), C(204, 121, 167), R_HATCH_CROSS, "Blocked on a lock, queue or event",
                    "lock"},
    [SIM_R_JOIN] = {C(127, 143, 166), C(127, 143, 166), R_HATCH_GRID, "Blocked in join", "join"},
    [SIM_R_SWITCH_WAIT] = {C(240, 168, 132), C(200, 130, 100), R_HATCH_BACKDIAG,
                           "Dropped GIL, waits for the handover", "switch wait"},
    [SIM_R_START_WAIT] = {C(169, 182, 200), C(110, 122, 140), R_HATCH_VERT,
                          "Waits for a started thread", "start wait"},
    [SIM_R_EXITED] = {C(255, 255, 255), C(0, 0, 0), R_HATCH_NONE, "Exited", "exited"},
    [SIM_R_KILLED] = {C(208, 208, 208), C(80, 84, 92), R_HATCH_CROSS, "Killed (daemon or fork)",
                      "killed"},
};
#undef C

RColor render_reason_color(SimReason r, RTheme theme)
{
    if ((unsigned)r >= SIM_REASON_COUNT)
        return (RColor){128, 128, 128, 255};
    if (r == SIM_R_EXITED) /* the lane simply ends: nothing is drawn */
        return (RColor){0, 0, 0, 0};
    return theme == R_THEME_DARK ? styles[r].dark : styles[r].light;
}

RHatch render_reason_hatch(SimReason r)
{
    return (unsigned)r < SIM_REASON_COUNT ? (RHatch)styles[r].hatch : R_HATCH_NONE;
}

const char *render_reason_label(SimReason r)
{
    return (unsigned)r < SIM_REASON_COUNT ? styles[r].label : "?";
}

const char *render_reason_short(SimReason r)
{
    return (unsigned)r < SIM_REASON_COUNT ? styles[r].shrt : "?";
}

/* Paul Tol's muted scheme, reordered so neighbours contrast in grey too. */
static const RColor thread_colors[] = {
    {51, 34, 136, 255},  /* indigo */
    {221, 204, 119, 255}, /* sand */
    {68, 170, 153, 255}, /* teal */
    {204, 102, 119, 255}, /* rose */
    {136, 204, 238, 255}, /* cyan */
    {136, 34, 85, 255},  /* wine */
    {153, 153, 51, 255}, /* olive */
    {17, 119, 51, 255},  /* green */
    {170, 68, 153, 255}, /* purple */
};

static int luma(RColor c)
{
    return (299 * c.r + 587 * c.g + 114 * c.b) / 1000;
}

RColor render_thread_color(uint32_t thread, RTheme theme)
{
    RColor c = thread_colors[thread % (sizeof(thread_colors) / sizeof(thread_colors[0]))];
    if (theme == R_THEME_DARK && luma(c) < 110) {
        /* Dark hues vanish on a dark page: lift them toward white. */
        c.r = (uint8_t)(c.r + (255 - c.r) * 45 / 100);
        c.g = (uint8_t)(c.g + (255 - c.g) * 45 / 100);
        c.b = (uint8_t)(c.b + (255 - c.b) * 45 / 100);
    }
    return c;
}

RColor render_text_on(RColor fill)
{
    return luma(fill) >= 140 ? (RColor){20, 22, 26, 255} : (RColor){255, 255, 255, 255};
}

RColor render_hatch_ink(RColor fill)
{
    return luma(fill) >= 120 ? (RColor){0, 0, 0, 84} : (RColor){255, 255, 255, 96};
}
