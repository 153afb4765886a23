/*
 * cmd_view.c - `gilsim view` (and `gilsim` alone): simulate a scenario and
 * open the timeline viewer on it, with live re-simulation when the switch
 * interval or the core count is changed from the keyboard.
 *
 * Without a display the command says so in one line and points to
 * `gilsim render`, or, given --headless PATH, draws the same timeline to
 * PATH and prints the run report instead (what `make run` uses on a
 * headless machine).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"
#include "report.h"

static void view_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim view [FILE] [--set KEY=VALUE]... [--seed N] [--until T]\n"
            "                   [--theme light|dark] [--projector] [--speed T] [--size WxH]\n"
            "                   [--headless PATH]\n\n"
            "Simulates FILE (a scenario or the name of a bundled one; the built-in convoy\n"
            "scenario when omitted) and opens a window that replays it: one GIL lane and one\n"
            "lane per thread for each process, one lane per core. Press ? in the window for\n"
            "every key; I/Shift+I and C/Shift+C re-run the scenario with half/double the\n"
            "switch interval or cores.\n\n"
            "  --set KEY=VALUE   override a scenario value, e.g. python.switch_interval=1ms\n"
            "  --seed N          override the scenario's seed\n"
            "  --until T         stop the simulation at time T\n"
            "  --theme T         light (default) or dark\n"
            "  --projector       start with large text\n"
            "  --speed T         playback speed: simulated time per second, e.g. 1ms\n"
            "  --size WxH        window size (default: most of the screen)\n"
            "  --headless PATH   when no display is available, render the timeline to PATH\n"
            "                    (PNG) and print the run report instead of failing\n\n"
            "Exit status: 0 closed normally, 1 no display or runtime failure, 2 invalid\n"
            "scenario or flags.\n");
}

typedef struct ViewCtx {
    const CliSimOpts *o;
} ViewCtx;

/* Live tuning: the same scenario and overrides, plus the two knobs. */
static int resim(void *ud, SimTime interval, int cores, SimTrace **out, SimError *err)
{
    const ViewCtx *vc = ud;
    char a[64], b[64];
    snprintf(a, sizeof(a), "python.switch_interval=%lldns", (long long)interval);
    snprintf(b, sizeof(b), "machine.cores=%d", cores);
    const char *extra[2] = {a, b};
    CliRun run;
    int rc = cli_simulate_with(vc->o, extra, 2, &run, err);
    if (rc < 0)
        return rc;
    *out = run.trace;
    run.trace = NULL;
    cli_run_free(&run);
    return SIM_OK;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (errno || end == s || (*end != 'x' && *end != 'X'))
        return false;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (errno || end == p || *end || a < 320 || b < 240 || a > 16384 || b > 16384)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

/* Headless stand-in for the window: the whole run as a 1920x1080 PNG. */
static int render_instead(const CliRun *run, SimTrace *tr, const char *path, RTheme theme)
{
    RIndex *ix = NULL;
    if (render_index_build(tr, &ix) < 0) {
        fprintf(stderr, "gilsim view: out of memory while indexing the trace\n");
        return EXIT_RUNTIME;
    }
    RViewport vp = render_viewport_default(ix, 1920, 1080);
    vp.theme = theme;
    RLayoutOpts lo = render_layout_opts_export();
    SimError err;
    int rc = render_export_png(ix, &vp, &lo, path, &err);
    render_index_destroy(ix);
    if (rc < 0) {
        fprintf(stderr, "gilsim view: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    printf("No display: the timeline of \xe2\x80\x9c%s\xe2\x80\x9d is in %s (1920x1080).\n"
           "Open it with an image viewer, or run 'gilsim view' where a display is available.\n\n",
           sim_scenario_name(run->sc), path);
    SimStats *st = sim_stats_compute(tr);
    if (st) {
        CliRun shown = *run;
        shown.trace = tr;
        cli_report_text(stdout, &shown, st);
        sim_stats_destroy(st);
    }
    return EXIT_OK;
}

int cmd_view(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    RViewerOpts vo;
    memset(&vo, 0, sizeof(vo));
    const char *headless = NULL;
    int rc = EXIT_USAGE;
    CliRun run = {0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            view_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        bool takes = strcmp(a, "--theme") == 0 || strcmp(a, "--speed") == 0 ||
                     strcmp(a, "--size") == 0 || strcmp(a, "--headless") == 0 ||
                     strcmp(a, "--headless-fallback") == 0;
        if (takes && !next) {
            fprintf(stderr, "gilsim view: %s needs a value\n", a);
            goto out;
        }
        if (strcmp(a, "--theme") == 0) {
            if (strcmp(next, "light") && strcmp(next, "dark")) {
                fprintf(stderr, "gilsim view: --theme '%s': expected light or dark\n", next);
                goto out;
            }
            vo.theme = strcmp(next, "dark") == 0 ? R_THEME_DARK : R_THEME_LIGHT;
            i++;
        } else if (strcmp(a, "--speed") == 0) {
            SimTime t;
            if (sim_duration_parse(next, &t) != SIM_OK || t <= 0) {
                fprintf(stderr, "gilsim view: --speed '%s': expected a duration per second, e.g. 1ms\n",
                        next);
                goto out;
            }
            vo.speed = (double)t;
            i++;
        } else if (strcmp(a, "--size") == 0) {
            if (!parse_size(next, &vo.width, &vo.height)) {
                fprintf(stderr, "gilsim view: --size '%s': expected WIDTHxHEIGHT from 320x240 to "
                                "16384x16384\n",
                        next);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--headless") == 0 || strcmp(a, "--headless-fallback") == 0) {
            headless = next;
            i++;
        } else if (strcmp(a, "--projector") == 0) {
            vo.projector = true;
        } else {
            int k = cli_sim_opt(&o, argc, argv, &i);
            if (k < 0)
                goto out;
            if (k == 0) {
                fprintf(stderr, "gilsim view: unknown option '%s'; see 'gilsim view --help'\n", a);
                goto out;
            }
        }
    }

    SimError err;
    if (cli_simulate(&o, &run, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE; /* as gilsim run */
        goto out;
    }
    char title[256];
    snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s", sim_scenario_name(run.sc));
    ViewCtx vc = {&o};
    vo.title = title;
    vo.resim = resim;
    vo.resim_ud = &vc;
    vo.version = GILSIM_VERSION;

    SimTrace *tr = run.trace;
    run.trace = NULL;
    int vr = render_viewer_run(&tr, &vo, &err);
    if (vr == R_VIEWER_NO_DISPLAY) {
        if (headless)
            rc = render_instead(&run, tr, headless, vo.theme);
        else {
            fprintf(stderr,
                    "gilsim view: no display available (%s); use 'gilsim render FILE -o out.png' "
                    "instead\n",
                    err.msg);
            rc = EXIT_RUNTIME;
        }
    } else if (vr < 0) {
        fprintf(stderr, "gilsim view: %s\n", err.msg);
        rc = EXIT_RUNTIME;
    } else {
        rc = EXIT_OK;
    }
    sim_trace_destroy(tr);
out:
    cli_run_free(&run);
    cli_sim_opts_free(&o);
    return rc;
}
