/*
 * cmd_render.c - `gilsim render`: simulate a scenario and export its
 * timeline as PNG or SVG without a display.
 *
 * Every flag is checked before the simulation runs, so a bad size, range
 * or output name costs nothing and writes nothing (exit 2). The picture is
 * drawn by the same layout code as the viewer.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "duration_text.h"
#include "render.h"

static void render_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim render [FILE [FILE_B]] -o OUT.png|OUT.svg|- [--format png|svg]\n"
            "                     [--size WxH] [--range A..B]\n"
            "                     [--theme light|dark] [--scale S] [--projector]\n"
            "                     [--set KEY=VALUE]... [--seed N] [--until T]\n"
            "                     [--compare KEY=VALUE]... [--measured[=DIR]] [--python PATH]\n\n"
            "Simulates FILE (a scenario or the name of a bundled one; - reads it from standard\n"
            "input; the built-in convoy scenario when omitted) and draws its timeline, with\n"
            "legend, time axis, title and a caption naming the scenario, its hash, the gilsim\n"
            "version, seed and parameters. No display is needed.\n\n"
            "  -o, --output PATH  where to write; .png or .svg chooses the format; - writes\n"
            "                     the image to standard output (PNG unless --format svg)\n"
            "  --format F         png or svg, whatever the name says\n"
            "  --size WxH         picture size in pixels before scaling (default 1920x1080)\n"
            "  --range A..B       time range to show, e.g. 0ms..50ms, 1s.., ..200us\n"
            "                     (default: the whole run)\n"
            "  --theme T          light (default) or dark\n"
            "  --scale S          draw everything S times larger (2 for high-DPI slides);\n"
            "                     the PNG is then (W*S)x(H*S) pixels\n"
            "  --projector        large text and lanes, for a room\n"
            "  --set KEY=VALUE    override a scenario value, e.g. python.switch_interval=1ms\n"
            "  --seed N           override the scenario's seed\n"
            "  --until T          stop the simulation at time T\n"
            "  --compare KEY=VALUE  draw a second run of FILE with this override too\n"
            "  --measured[=DIR]   draw under it the run measured on a real Python: FILE's\n"
            "                     program run once (see gilsim measure), or the recordings\n"
            "                     gilsim measure --save wrote to DIR\n"
            "  --python PATH      the interpreter for --measured (default python3)\n\n"
            "Compare: with two files, or one file and --compare, both runs are stacked on one\n"
            "shared time axis (A on top, B below) with their key statistics side by side and\n"
            "the notable differences highlighted.\n\n"
            "Sizes are limited to %d pixels per side and %lld pixels in total (after --scale).\n"
            "Exit status: 0 written, 1 could not write, 2 invalid scenario or flags.\n",
            R_EXPORT_MAX_SIDE, (long long)R_EXPORT_MAX_PIXELS);
}

/* "A..B" with either side optional; -1 marks an open side. */
static bool parse_range(const char *s, SimTime *t0, SimTime *t1)
{
    const char *dots = strstr(s, "..");
    if (!dots)
        return false;
    char a[64], b[64];
    size_t la = (size_t)(dots - s), lb = strlen(dots + 2);
    if (la >= sizeof(a) || lb >= sizeof(b))
        return false;
    memcpy(a, s, la);
    a[la] = '\0';
    memcpy(b, dots + 2, lb + 1);
    *t0 = *t1 = -1;
    if (la && !cli_parse_time(a, t0))
        return false;
    if (lb && !cli_parse_time(b, t1))
        return false;
    if (*t0 < -1 || *t1 < -1)
        return false;
    return true;
}

int cmd_render(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    const char *out = NULL;
    int forced_svg = -1; /* from --png / --svg */
    int w = 1920, h = 1080;
    double scale = 1.0;
    bool projector = false;
    RTheme theme = R_THEME_LIGHT;
    SimTime r0 = -1, r1 = -1;
    int rc = EXIT_USAGE;
    RunResult run = {0}, run_b = {0};
    RIndex *ix = NULL, *ix_b = NULL;
    const char *file_b = NULL;
    const char **cmp = NULL;
    int n_cmp = 0, k;
    CliMeasuredOpt mo = {0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            render_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        bool takes = strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--png") == 0 ||
                     strcmp(a, "--format") == 0 ||
                     strcmp(a, "--svg") == 0 || strcmp(a, "--size") == 0 ||
                     strcmp(a, "--range") == 0 || strcmp(a, "--theme") == 0 ||
                     strcmp(a, "--scale") == 0 || strcmp(a, "--compare") == 0;
        if (takes && !next) {
            fprintf(stderr, "gilsim render: %s needs a value\n", a);
            goto out;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--png") == 0 ||
            strcmp(a, "--svg") == 0) {
            out = next;
            if (strcmp(a, "--svg") == 0 || strcmp(a, "--png") == 0)
                forced_svg = strcmp(a, "--svg") == 0;
            i++;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(next, "png") != 0 && strcmp(next, "svg") != 0) {
                fprintf(stderr, "gilsim render: --format '%s': expected png or svg\n", next);
                goto out;
            }
            forced_svg = strcmp(next, "svg") == 0;
            i++;
        } else if (strcmp(a, "--size") == 0) {
            if (!cli_parse_size(next, &w, &h)) {
                fprintf(stderr, "gilsim render: --size '%s': expected WIDTHxHEIGHT, e.g. 1920x1080\n",
                        next);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--range") == 0) {
            if (!parse_range(next, &r0, &r1) || (r0 >= 0 && r1 >= 0 && r1 <= r0)) {
                fprintf(stderr,
                        "gilsim render: --range '%s': expected START..END with START < END, e.g. "
                        "0ms..50ms\n",
                        next);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--theme") == 0) {
            if (cli_theme_opt("render", next, &theme) < 0)
                goto out;
            i++;
        } else if (strcmp(a, "--scale") == 0) {
            if (cli_scale_opt("render", next, &scale) < 0)
                goto out;
            i++;
        } else if (strcmp(a, "--projector") == 0) {
            projector = true;
        } else if (strcmp(a, "--compare") == 0) {
            if (cli_compare_opt("render", next, &cmp, &n_cmp) < 0)
                goto out;
            i++;
        } else if ((k = cli_measured_opt("render", &mo, argc, argv, &i)) != 0) {
            if (k < 0)
                goto out;
        } else if (cli_compare_operand("render", &o, &file_b, argc, argv, &i) < 0) {
            goto out;
        }
    }
    if (!out) {
        fprintf(stderr, "gilsim render: no output; add -o OUT.png or -o OUT.svg\n");
        goto out;
    }
    bool to_stdout = strcmp(out, "-") == 0;
    bool svg = forced_svg >= 0 ? forced_svg == 1 : cli_ends_with(out, ".svg");
    if (forced_svg < 0 && !svg && !to_stdout && !cli_ends_with(out, ".png")) {
        fprintf(stderr, "gilsim render: -o '%s': the name must end in .png or .svg (or add --format png|svg)\n",
                out);
        goto out;
    }
    if (to_stdout && !svg && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "gilsim render: not writing a PNG to a terminal; redirect it (-o - > x.png), or add "
                        "--format svg\n");
        goto out;
    }
    SimError err;
    if (render_export_check_size(w, h, scale, &err) < 0) {
        fprintf(stderr, "gilsim render: %s\n", err.msg);
        goto out;
    }

    if (file_b && n_cmp) {
        fprintf(stderr, "gilsim render: compare two files or use --compare, not both\n");
        goto out;
    }
    if (mo.on && (file_b || n_cmp)) {
        fprintf(stderr, "gilsim render: --measured shows FILE beside its measured run; no FILE_B or --compare\n");
        goto out;
    }
    if (cli_simulate(&o, &run, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(err.code); /* as gilsim run */
        goto out;
    }
    if (mo.on && (k = cli_measured_second("render", &o, &mo, &run, &run_b)) != EXIT_OK) {
        rc = k;
        goto out;
    }
    if (file_b || n_cmp || mo.on) {
        if (!mo.on && cli_simulate_second(&o, file_b, cmp, n_cmp, &run_b, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = cli_exit_for(err.code);
            goto out;
        }
        ExplainStartCosts costs_b;
        if (explain_start_costs(run_b.sc, &costs_b) < 0 || render_index_build_with(run_b.trace, &costs_b, &ix_b) < 0) {
            fprintf(stderr, "gilsim render: out of memory while indexing the trace\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    ExplainStartCosts costs;
    if (explain_start_costs(run.sc, &costs) < 0 || render_index_build_with(run.trace, &costs, &ix) < 0) {
        fprintf(stderr, "gilsim render: out of memory while indexing the trace\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    RViewport vp = render_viewport_default(ix, (int)lround(w * scale), (int)lround(h * scale));
    SimTime end = ix->end;
    if (ix_b && ix_b->end > end) {
        end = ix_b->end; /* one time axis for both runs */
        vp.t1 = end;
    }
    SimTime v0, v1;
    if (r0 < 0 && r1 < 0 && sim_scenario_view_range(run.sc, &v0, &v1) && v0 < end) {
        /* No --range: the stretch the scenario's author (A's, when two runs
         * share the axis) chose to show. */
        r0 = v0;
        r1 = v1;
    }
    if (r0 >= 0)
        vp.t0 = r0;
    if (r1 >= 0)
        vp.t1 = r1;
    if (vp.t0 >= end) {
        char a[32], b[32];
        fprintf(stderr, "gilsim render: --range starts at %s but the run ends at %s\n",
                duration_text_rounded(vp.t0, 4, a, sizeof(a)), duration_text_rounded(end, 4, b, sizeof(b)));
        goto out;
    }
    if (vp.t1 <= vp.t0)
        vp.t1 = vp.t0 + 1;
    vp.scale = (float)scale;
    vp.font_scale = projector ? 1.5f : 1.0f;
    vp.theme = theme;
    RLayoutOpts lo = render_layout_opts_export();
    lo.version = GILSIM_VERSION;
    int wrc;
    if (ix_b) {
        RCmpRow rows[R_CMP_MAX_ROWS];
        int n_rows = render_compare_stats(run.trace, run_b.trace, rows, R_CMP_MAX_ROWS);
        const RIndex *pair[2] = {ix, ix_b};
        wrc = render_export_compare(pair, &vp, &lo, rows, n_rows, out, svg, &err);
    } else {
        wrc = svg ? render_export_svg(ix, &vp, &lo, out, &err)
                  : render_export_png(ix, &vp, &lo, out, &err);
    }
    if (wrc < 0) {
        fprintf(stderr, "gilsim render: %s\n", err.msg);
        rc = wrc == SIM_ERR_LIMIT ? EXIT_USAGE : EXIT_RUNTIME;
        goto out;
    }
    char range[96];
    fprintf(stderr, "wrote %s%s (%dx%d, %s)\n", to_stdout ? (svg ? "SVG to " : "PNG to ") : "",
            to_stdout ? "standard output" : out, vp.width, vp.height,
           render_fmt_range(vp.t0, vp.t1, range, sizeof(range)));
    if (ix_b)
        fprintf(stderr, "compared \xe2\x80\x9c%s\xe2\x80\x9d (A) with \xe2\x80\x9c%s\xe2\x80\x9d (B)\n",
               sim_scenario_name(run.sc), sim_scenario_name(run_b.sc));
    if (run.outcome == SIM_RUN_DEADLOCK || (ix_b && run_b.outcome == SIM_RUN_DEADLOCK))
        fprintf(stderr, "gilsim render: note: the run ended in a deadlock\n");
    rc = EXIT_OK;
out:
    render_index_destroy(ix);
    render_index_destroy(ix_b);
    run_result_fini(&run_b);
    free(cmp);
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
