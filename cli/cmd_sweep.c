/*
 * cmd_sweep.c - `gilsim sweep`: run a scenario over a grid of parameter
 * values, several seeds per point, and write the figures as CSV and
 * optionally as a chart.
 *
 * Every flag, range and output name is checked before the first
 * simulation starts; a point whose values are invalid, or whose run cannot
 * go on, stops the sweep (exit 2) and nothing is written. The CSV goes to
 * -o or to stdout; the chart and a CSV file are written together, all or
 * none. The progress bar and notes go to stderr only, so piped CSV stays
 * clean.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "chart.h"
#include "cli.h"
#include "output.h"
#include "render.h"
#include "sweep.h"
#include "sweep_chart.h"

static void sweep_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim sweep [FILE] --set KEY=A..B:lin|log:N | --set KEY=a,b,c ...\n"
            "                    [--set KEY=VALUE]... [--runs N] [--seed N] [--until T]\n"
            "                    [-o OUT.csv] [--plot OUT.png|OUT.svg] [--metrics LIST] [--x KEY]\n"
            "                    [--size WxH] [--scale S] [--theme light|dark] [--jobs N] [--quiet]\n\n"
            "Runs FILE (a scenario or the name of a bundled one; the built-in convoy scenario\n"
            "when omitted) at every point of the cross product of the swept --set values, each\n"
            "point --runs times with seeds SEED..SEED+runs-1, and writes one CSV row per point.\n\n"
            "Swept values:\n"
            "  KEY=A..B:log:N     N values from A to B, evenly spaced on a log scale\n"
            "  KEY=A..B:lin:N     N values from A to B, evenly spaced\n"
            "  KEY=a,b,c          the listed values\n"
            "  A and B are durations with a unit (0.1ms..50ms) or plain numbers (1..8). Range\n"
            "  values are rounded to the fewest significant digits (at least 3) that keep them\n"
            "  apart; the CSV holds each value exactly as simulated. Any other --set value (or a\n"
            "  JSON value starting with [ { or \") is a fixed override for every point.\n\n"
            "Options:\n"
            "  --runs N           runs per point (default 5)\n"
            "  --seed N           first seed (default: the scenario's seed)\n"
            "  --until T          stop every run at simulated time T\n"
            "  --max-records N    trace budget of each run (default: an eighth of the memory,\n"
            "                     shared by the jobs)\n"
            "  -o, --output PATH  where to write the CSV (default: stdout)\n"
            "  --plot PATH        also draw a chart; .png or .svg chooses the format\n"
            "  --metrics LIST     chart panels, some of %s\n"
            "                     (default %s)\n"
            "  --x KEY            the swept key along the x axis (default: the first range);\n"
            "                     the other swept keys become separate lines\n"
            "  --size WxH         chart size in pixels before scaling (default 1600x900)\n"
            "  --scale S          draw the chart S times larger (2 for high-DPI slides)\n"
            "  --theme T          light (default) or dark\n"
            "  --jobs N           worker threads (default: one per CPU); the output is the same\n"
            "                     for any N\n"
            "  -q, --quiet        no progress bar and no summary\n\n"
            "CSV columns: the swept values (durations also as KEY_ns), then the median, min and\n"
            "max over the runs of: makespan_s; throughput (seconds of Python bytecode run per\n"
            "simulated second, all threads); io_p50_ms, io_p90_ms, io_p99_ms of each thread that\n"
            "does I/O, named io_p50_ms[process/thread] (an operation runs from its start until\n"
            "the thread runs again); switches_per_s and forced_drops_per_s (all GILs);\n"
            "failed_wakeups (per run); gil_wait_core_idle (share of the run during which some\n"
            "thread waited for the GIL while a core was idle); io_ops_per_s[process/thread].\n"
            "Then: deadlocks (runs that deadlocked), set (every --set of the point, joined by\n"
            "';', enough with FILE, seed and until to re-run it), seed, runs, until, sweep,\n"
            "scenario, scenario_name, scenario_hash, gilsim.\n\n"
            "A progress bar appears on stderr when a sweep takes over a second and stderr is a\n"
            "terminal. Files are written whole or not at all.\n"
            "Exit status: 0 written, 1 could not write, 2 invalid scenario, values or flags.\n",
            SWEEP_METRICS, SWEEP_METRICS_DEFAULT);
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* ---- Progress --------------------------------------------------------------- */

typedef struct Progress {
    bool on;     /* stderr is a terminal and not --quiet */
    bool shown;  /* something is on the line */
    double last; /* elapsed time of the last redraw */
} Progress;

static void progress(void *ud, int done, int total, double elapsed)
{
    Progress *p = ud;
    if (!p->on)
        return;
    if (done >= total) {
        if (p->shown)
            fputs("\r\033[K", stderr);
        p->shown = false;
        return;
    }
    if (elapsed < 1.0 || elapsed - p->last < 0.1)
        return;
    p->last = elapsed;
    enum { WIDTH = 30 };
    int fill = total ? (int)((long long)done * WIDTH / total) : 0;
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    char eta[48] = "";
    if (done > 0)
        snprintf(eta, sizeof(eta), ", about %.0f s left", elapsed * (total - done) / done);
    fprintf(stderr, "\r\033[Ksweep [%s] %d/%d runs, %.1f s%s", bar, done, total, elapsed, eta);
    fflush(stderr);
    p->shown = true;
}

/* ---- The command ------------------------------------------------------------ */

int cmd_sweep(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    SweepKey *keys = NULL;
    const char **fixed = NULL;
    int n_keys = 0, n_fixed = 0;
    long runs = 5, jobs = 0;
    bool has_seed = false, quiet = false;
    unsigned long long seed = 0;
    const char *out = NULL, *plot = NULL, *metrics = NULL, *x_name = NULL;
    int w = 1600, h = 900;
    double scale = 1.0;
    RTheme theme = R_THEME_LIGHT;
    int rc = EXIT_USAGE;
    SweepResult *res = NULL;
    SweepChart *chart = NULL;
    char *csv = NULL, *path = NULL;
    char why[600];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sweep_usage(stdout);
            rc = EXIT_OK;
            goto out;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
            continue;
        }
        /* Options with a value, as "--opt VALUE" or "--opt=VALUE". */
        static const char *const valued[] = {"--set", "-D",      "--seed",  "-s",     "--runs",
                                             "--jobs", "-j",     "-o",      "--output", "--plot",
                                             "--metrics", "--x", "--size",  "--scale", "--theme"};
        const char *opt = NULL, *val = NULL;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]) && !opt; k++) {
            size_t l = strlen(valued[k]);
            if (strcmp(a, valued[k]) == 0) {
                opt = valued[k];
                if (i + 1 >= argc) {
                    fprintf(stderr, "gilsim sweep: %s needs a value\n", a);
                    goto out;
                }
                val = argv[++i];
            } else if (strncmp(a, valued[k], l) == 0 && a[l] == '=' && valued[k][1] == '-') {
                opt = valued[k];
                val = a + l + 1;
            }
        }
        if (!opt) {
            int k = cli_sim_opt(&o, argc, argv, &i); /* FILE and --until */
            if (k < 0)
                goto out;
            if (k == 0) {
                fprintf(stderr, "gilsim sweep: unknown option '%s'; see 'gilsim sweep --help'\n", a);
                goto out;
            }
            continue;
        }
        if (strcmp(opt, "--set") == 0 || strcmp(opt, "-D") == 0) {
            SweepKey k;
            int s = sweep_key_parse(val, &k, why, sizeof(why));
            if (s < 0) {
                fprintf(stderr, "gilsim sweep: %s\n", why);
                goto out;
            }
            if (s == 1) {
                for (int j = 0; j < n_keys; j++)
                    if (strcmp(keys[j].key, k.key) == 0) {
                        fprintf(stderr, "gilsim sweep: --set %s is swept twice\n", k.key);
                        sweep_key_fini(&k);
                        goto out;
                    }
                SweepKey *nk = realloc(keys, (size_t)(n_keys + 1) * sizeof(*nk));
                if (!nk) {
                    sweep_key_fini(&k);
                    fprintf(stderr, "gilsim sweep: out of memory\n");
                    rc = EXIT_RUNTIME;
                    goto out;
                }
                keys = nk;
                keys[n_keys++] = k;
            } else {
                const char **nf = realloc(fixed, (size_t)(n_fixed + 1) * sizeof(*nf));
                if (!nf) {
                    fprintf(stderr, "gilsim sweep: out of memory\n");
                    rc = EXIT_RUNTIME;
                    goto out;
                }
                fixed = nf;
                fixed[n_fixed++] = val;
            }
        } else if (strcmp(opt, "--seed") == 0 || strcmp(opt, "-s") == 0) {
            uint64_t sv;
            if (sim_seed_parse(val, &sv) != SIM_OK) {
                fprintf(stderr, "gilsim sweep: --seed '%s': expected a whole number from 0 to "
                                "18446744073709551615, digits only\n", val);
                goto out;
            }
            seed = sv;
            has_seed = true;
        } else if (strcmp(opt, "--runs") == 0) {
            if (!parse_int(val, 1, 1000, &runs)) {
                fprintf(stderr, "gilsim sweep: --runs '%s': expected a whole number from 1 to 1000\n",
                        val);
                goto out;
            }
        } else if (strcmp(opt, "--jobs") == 0 || strcmp(opt, "-j") == 0) {
            if (!parse_int(val, 1, 1024, &jobs)) {
                fprintf(stderr, "gilsim sweep: --jobs '%s': expected a whole number from 1 to 1024\n",
                        val);
                goto out;
            }
        } else if (strcmp(opt, "-o") == 0 || strcmp(opt, "--output") == 0) {
            out = val;
        } else if (strcmp(opt, "--plot") == 0) {
            plot = val;
        } else if (strcmp(opt, "--metrics") == 0) {
            metrics = val;
        } else if (strcmp(opt, "--x") == 0) {
            x_name = val;
        } else if (strcmp(opt, "--size") == 0) {
            if (!cli_parse_size(val, &w, &h)) {
                fprintf(stderr, "gilsim sweep: --size '%s': expected WIDTHxHEIGHT, e.g. 1600x900\n",
                        val);
                goto out;
            }
        } else if (strcmp(opt, "--scale") == 0) {
            if (cli_scale_opt("sweep", val, &scale) < 0)
                goto out;
        } else if (strcmp(opt, "--theme") == 0) {
            if (cli_theme_opt("sweep", val, &theme) < 0)
                goto out;
        }
    }

    /* --profile (cli_sim_opt's override profile=PATH) holds for every point. */
    for (int k = 0; k < o.n_sets; k++) {
        const char **nf = realloc(fixed, (size_t)(n_fixed + 1) * sizeof(*nf));
        if (!nf) {
            fprintf(stderr, "gilsim sweep: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        fixed = nf;
        fixed[n_fixed++] = o.sets[k];
    }
    if (n_keys == 0) {
        fprintf(stderr, "gilsim sweep: nothing to sweep; give a range or a list, e.g. --set "
                        "python.switch_interval=0.1ms..50ms:log:12 or --set machine.cores=1,2,4\n");
        goto out;
    }
    int x_key = -1;
    if (x_name) {
        for (int k = 0; k < n_keys && x_key < 0; k++)
            if (strcmp(keys[k].key, x_name) == 0)
                x_key = k;
        if (x_key < 0) {
            fprintf(stderr, "gilsim sweep: --x %s: not a swept key; swept:", x_name);
            for (int k = 0; k < n_keys; k++)
                fprintf(stderr, " %s", keys[k].key);
            fputc('\n', stderr);
            goto out;
        }
    }
    if ((metrics || x_name) && !plot) {
        fprintf(stderr, "gilsim sweep: %s only shapes the chart; add --plot OUT.png\n",
                metrics ? "--metrics" : "--x");
        goto out;
    }
    if (metrics && sweep_metrics_check(metrics, why, sizeof(why)) < 0) {
        fprintf(stderr, "gilsim sweep: %s\n", why);
        goto out;
    }
    bool svg = false;
    SimError err;
    if (plot) {
        svg = cli_ends_with(plot, ".svg");
        if (!svg && !cli_ends_with(plot, ".png")) {
            fprintf(stderr, "gilsim sweep: --plot '%s': the name must end in .png or .svg\n", plot);
            goto out;
        }
        if (render_export_check_size(w, h, scale, &err) < 0) {
            fprintf(stderr, "gilsim sweep: %s\n", err.msg);
            goto out;
        }
    }
    if (out && strcmp(out, "-") == 0)
        out = NULL;
    if (out && plot && strcmp(out, plot) == 0) {
        fprintf(stderr, "gilsim sweep: -o and --plot name the same file '%s'\n", out);
        goto out;
    }

    const char *text = cli_default_scenario;
    size_t text_len;
    if (cli_is_stdin(o.file)) {
        if (cli_read_stdin(&text, &text_len, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = EXIT_RUNTIME;
            goto out;
        }
    } else if (o.file && !(path = cli_find_scenario(o.file))) {
        SimScenario *sc = NULL; /* the loader's message, with a suggestion */
        int lrc = cli_load_scenario(o.file, NULL, 0, &sc, &err);
        sim_scenario_destroy(sc);
        if (lrc < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = cli_exit_for(lrc);
            goto out;
        }
    }
    SweepSpec sp = {
        .file = o.file,
        .source_path = o.file && !cli_is_stdin(o.file) ? (path ? path : o.file) : NULL,
        .source_name = o.file ? "-" : cli_default_scenario_name,
        .source_text = text,
        .fixed = fixed,
        .n_fixed = n_fixed,
        .keys = keys,
        .n_keys = n_keys,
        .runs = (int)runs,
        .has_seed = has_seed,
        .seed = seed,
        .until = o.until,
        .jobs = (int)jobs,
        .max_records = o.max_records,
    };
    Progress pr = {.on = !quiet && isatty(STDERR_FILENO)};
    int src = sweep_run(&sp, progress, &pr, &res, &err);
    if (src < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(src);
        goto out;
    }

    /* Every output is made in memory first, then written together (all
     * or none, output.h): a CSV that cannot be written leaves the previous
     * plot in place, and the other way round. */
    char *picture = NULL;
    size_t picture_len = 0, len = 0;
    if (plot) {
        SweepChartOpts copt = {.metrics = metrics, .x_key = x_key};
        chart = sweep_chart_create(res, &copt, &err);
        if (!chart) {
            fprintf(stderr, "gilsim sweep: %s\n", err.msg);
            rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
            goto out;
        }
        RChartStyle st = {.width = (int)lround(w * scale), .height = (int)lround(h * scale),
                          .scale = (float)scale, .theme = theme};
        int wrc = render_chart_encode(sweep_chart(chart), &st, svg, &picture, &picture_len, &err);
        if (wrc < 0) {
            fprintf(stderr, "gilsim sweep: %s\n", err.msg);
            rc = wrc == SIM_ERR_LIMIT ? EXIT_USAGE : EXIT_RUNTIME;
            goto out;
        }
    }
    if (!(csv = sweep_csv(res, &len))) {
        fprintf(stderr, "gilsim sweep: out of memory while writing the CSV\n");
        free(picture);
        rc = EXIT_RUNTIME;
        goto out;
    }
    const char *paths[2] = {plot, out}, *bytes[2] = {picture, csv};
    size_t lens[2] = {picture_len, len};
    ROutput *outs[2];
    int n_outs = 0, wrc = SIM_OK;
    for (int i = 0; i < 2 && wrc == SIM_OK; i++) {
        if (!paths[i])
            continue;
        if (!(outs[n_outs] = render_output_open(paths[i], &err))) {
            wrc = SIM_ERR_IO;
            break;
        }
        wrc = render_output_write(outs[n_outs++], bytes[i], lens[i], &err);
    }
    free(picture);
    if (wrc == SIM_OK)
        wrc = render_output_commit(outs, n_outs, &err);
    else
        for (int i = 0; i < n_outs; i++)
            render_output_discard(outs[i]);
    if (wrc < 0) {
        fprintf(stderr, "gilsim sweep: %s\n", err.msg);
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (!out && (fwrite(csv, 1, len, stdout) != len || fflush(stdout) != 0)) {
        fprintf(stderr, "gilsim sweep: cannot write the CSV to stdout: %s\n", strerror(errno));
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (!quiet) {
        FILE *f = stderr; /* a note, never mixed with data */
        int points = sweep_result_points(res);
        fprintf(f, "%s %d point%s x %ld run%s in %.2f s on %d thread%s", out ? "wrote" : "swept",
                points, points == 1 ? "" : "s", runs, runs == 1 ? "" : "s",
                sweep_result_seconds(res), sweep_result_jobs(res),
                sweep_result_jobs(res) == 1 ? "" : "s");
        if (out)
            fprintf(f, " to %s", out);
        if (plot)
            fprintf(f, "%s %s (%dx%d)", out ? " and" : "; chart", plot, (int)lround(w * scale),
                    (int)lround(h * scale));
        fputc('\n', f);
    }
    if (sweep_result_deadlocks(res))
        fprintf(stderr, "gilsim sweep: note: %d run%s ended in a deadlock (see the deadlocks "
                        "column)\n",
                sweep_result_deadlocks(res), sweep_result_deadlocks(res) == 1 ? "" : "s");
    rc = EXIT_OK;
out:
    free(path);
    free(csv);
    sweep_chart_destroy(chart);
    sweep_result_destroy(res);
    for (int k = 0; k < n_keys; k++)
        sweep_key_fini(&keys[k]);
    free(keys);
    free(fixed);
    cli_sim_opts_free(&o);
    return rc;
}
