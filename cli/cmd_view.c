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
#include <sys/stat.h>

#include "cli.h"
#include "render.h"
#include "run_report.h"
#include "sweep.h"
#include "sweep_chart.h"
#include "text_file.h"
#include "view.h"

static void view_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim view [FILE [FILE_B]] [--set KEY=VALUE]... [--seed N] [--until T]\n"
            "                   [--compare KEY=VALUE]... [--measured[=DIR]] [--quiz]\n"
            "       gilsim view --sweep SWEEP.csv\n"
            "                   [--theme light|dark] [--projector] [--speed T] [--size WxH]\n"
            "                   [--headless PATH]\n\n"
            "Simulates FILE (a scenario or the name of a bundled one; the built-in convoy\n"
            "scenario when omitted) and opens a window that replays it: one GIL lane and one\n"
            "lane per thread for each process, one lane per core. Press ? in the window for\n"
            "every key; I/Shift+I and C/Shift+C re-run the scenario with half/double the\n"
            "switch interval or cores. Q shows or hides the scenario's lesson.\n\n"
            "Compare: with two files, or one file and --compare, the two runs are stacked on\n"
            "one shared time axis (A on top, B below) with their key statistics side by side\n"
            "and the notable differences highlighted.\n\n"
            "  --set KEY=VALUE   override a scenario value, e.g. python.switch_interval=1ms\n"
            "  --seed N          override the scenario's seed\n"
            "  --until T         stop the simulation at time T\n"
            "  --compare K=V     also run FILE with this override and show both runs\n"
            "  --measured[=DIR]  show under it the run measured on a real Python: FILE's\n"
            "                    program run once (see gilsim measure), or the recordings\n"
            "                    gilsim measure --save wrote to DIR; --python PATH picks\n"
            "                    the interpreter (default python3)\n"
            "  --sweep CSV       show the chart gilsim sweep --plot draws, from the sweep's\n"
            "                    CSV (gilsim sweep -o CSV); a click on a point opens its\n"
            "                    timeline\n"
            "  --quiz            hide the statistics and the run after the cursor, ask what\n"
            "                    will happen; Enter reveals everything\n"
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
    RunResult run;
    int rc = cli_simulate_with(vc->o, extra, 2, &run, err);
    if (rc < 0)
        return rc;
    *out = run.trace;
    run.trace = NULL;
    run_result_fini(&run);
    return SIM_OK;
}

/* The window sizes --size accepts. */
#define WINDOW_MIN_W 320
#define WINDOW_MIN_H 240
#define WINDOW_MAX 16384

/* The exit status once a window closed (vr from render_*_run); without a
 * display, one line that says which command to use instead. */
/* The lesson panel's text: the scenario's warnings ("Warning: thread 't'
 * is declared ... but nothing starts it") ahead of its lesson, so what
 * looks wrong is seen before the run is read. NULL when there is neither;
 * the caller frees it. */
static char *lesson_with_warnings(const SimScenario *sc)
{
    const char *const *warn = NULL;
    int n = sim_scenario_warnings(sc, &warn);
    const char *lesson = sim_scenario_lesson(sc);
    size_t len = (lesson ? strlen(lesson) : 0) + 1;
    for (int i = 0; i < n; i++)
        len += strlen(warn[i]) + 16;
    if (len == 1)
        return NULL;
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    *p = '\0';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "Warning: %s. ", warn[i]);
    if (lesson)
        strcpy(p, lesson);
    return out;
}

static int window_status(int vr, const SimError *err, const char *instead)
{
    if (vr == R_VIEWER_NO_DISPLAY) {
        fprintf(stderr, "gilsim view: no display available (%s); use '%s' instead\n", err->msg,
                instead);
        return EXIT_RUNTIME;
    }
    if (vr < 0) {
        fprintf(stderr, "gilsim view: %s\n", err->msg);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* Headless stand-in for the window: the whole run as a 1920x1080 PNG. */
static int render_instead(const RunResult *run, SimTrace *tr, const char *path, RTheme theme)
{
    RIndex *ix = NULL;
    ExplainStartCosts costs;
    if (explain_start_costs(run->sc, &costs) < 0 || render_index_build_with(tr, &costs, &ix) < 0) {
        fprintf(stderr, "gilsim view: out of memory while indexing the trace\n");
        return EXIT_RUNTIME;
    }
    RViewport vp = render_viewport_default(ix, 1920, 1080);
    vp.theme = theme;
    SimTime v0, v1;
    if (sim_scenario_view_range(run->sc, &v0, &v1) && v0 < ix->end) {
        vp.t0 = v0;
        vp.t1 = v1;
    }
    RLayoutOpts lo = render_layout_opts_export();
    SimError err;
    int rc = render_export_png(ix, &vp, &lo, path, &err);
    render_index_destroy(ix);
    if (rc < 0) {
        fprintf(stderr, "gilsim view: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "No display: the timeline of \xe2\x80\x9c%s\xe2\x80\x9d is in %s (1920x1080).\n"
           "Open it with an image viewer, or run 'gilsim view' where a display is available.\n\n",
           sim_scenario_name(run->sc), path);
    SimStats *st = sim_stats_compute(tr);
    if (st) {
        RunResult shown = *run;
        shown.trace = tr;
        run_report_text(stdout, &shown, st);
        sim_stats_destroy(st);
    }
    return EXIT_OK;
}

/* A quiz question for a scenario without its own ("quiz" in the file):
 * built from what the run contains, the prediction that run's lesson is
 * about (a shared variable's final value, locks, I/O latency, parallel
 * speed-up), then how to go on. */
static void quiz_question(const RunResult *run, char *buf, size_t n)
{
    const SimTrace *tr = run->trace;
    uint32_t nth = sim_trace_thread_count(tr), nproc = sim_trace_process_count(tr);
    int cores = sim_trace_info(tr)->cores;
    bool objects = false, io = false;
    const char *shared = NULL;
    for (uint32_t i = 0; i < sim_trace_object_count(tr); i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, i);
        objects |= !oi->kind || strcmp(oi->kind, "shared") != 0;
        if (oi->kind && !strcmp(oi->kind, "shared") && !shared)
            shared = oi->name;
    }
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr) && !io; i++)
        io = r[i].kind == SIM_REC_STATE && r[i].reason == SIM_R_IO;
    const char *ask;
    char tmp[256];
    if (shared) {
        snprintf(tmp, sizeof(tmp), "What will the final value of %s be, against the value every update "
                                   "would give?", shared);
        ask = tmp;
    } else if (objects)
        ask = "Which threads will have to wait on a lock or another primitive, for how long, and "
              "will every thread finish?";
    else if (io && nth > 1)
        ask = "After each I/O, how long will the I/O thread wait before it runs again: about the "
              "I/O time, or much longer?";
    else if (nproc > 1) {
        snprintf(tmp, sizeof(tmp),
                 "%u processes on %d core%s: how much faster than one process will they finish, "
                 "and what does starting them cost?",
                 nproc, cores, cores == 1 ? "" : "s");
        ask = tmp;
    } else if (nth > 1) {
        snprintf(tmp, sizeof(tmp),
                 "%u threads on %d core%s: how much faster than one thread will they finish, and "
                 "who holds the GIL meanwhile?",
                 nth, cores, cores == 1 ? "" : "s");
        ask = tmp;
    } else {
        ask = "What will the thread spend its time on, and how long will the run take?";
    }
    snprintf(buf, n,
             "What will happen? %s Predict it before you look: Space plays the run up to where you "
             "stop it, Enter reveals the whole timeline and the lesson.",
             ask);
}

/* ---- view --sweep: the chart of a sweep, each point one click from its run */

typedef struct SweepView {
    const SweepResult *r;
    const char *csv_dir;  /* the CSV's folder, to find a scenario named relative to it */
    RViewerOpts vo;
} SweepView;

/* A click on point p: that point's run in the timeline viewer. */
static int sweep_pick(void *ud, int p, SimError *err)
{
    SweepView *sv = ud;
    SweepPoint pt;
    if (sweep_point_get(sv->r, p, &pt) < 0)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    char file[8192];
    snprintf(file, sizeof(file), "%s", pt.file ? pt.file : "");
    struct stat st;
    if (*file && file[0] != '/' && stat(file, &st) != 0 && *sv->csv_dir) {
        char alt[8192];
        int k = snprintf(alt, sizeof(alt), "%s/%s", sv->csv_dir, file);
        if (k < 0 || (size_t)k >= sizeof(alt)) {
            sweep_point_fini(&pt);
            return sim_error_set(err, SIM_ERR_IO, "scenario path too long");
        }
        if (stat(alt, &st) == 0)
            memcpy(file, alt, (size_t)k + 1);
    }
    CliSimOpts o = {.until = pt.until};
    o.file = *file ? file : NULL;
    o.sets = (const char **)pt.sets;
    o.n_sets = pt.n_sets;
    RunResult run;
    if (cli_simulate(&o, &run, err) < 0) {
        sweep_point_fini(&pt);
        return err->code ? err->code : SIM_ERR_INVALID;
    }
    char title[512], label[256];
    snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s \xc2\xb7 %s", sim_scenario_name(run.sc),
             sweep_point_label(sv->r, p, label, sizeof(label)));
    ViewCtx vc = {&o};
    RViewerOpts vo = sv->vo;
    vo.title = title;
    vo.resim = resim;
    vo.resim_ud = &vc;
    vo.lesson_title = sim_scenario_name(run.sc);
    vo.description = sim_scenario_description(run.sc);
    char *lesson = lesson_with_warnings(run.sc);
    vo.lesson = lesson ? lesson : sim_scenario_lesson(run.sc);
    sim_scenario_view_range(run.sc, &vo.view_t0, &vo.view_t1);
    SimTrace *tr = run.trace;
    run.trace = NULL;
    int rc = render_viewer_run(&tr, &vo, err);
    free(lesson);
    sim_trace_destroy(tr);
    run_result_fini(&run);
    sweep_point_fini(&pt);
    return rc;
}

/* The same chart as `gilsim sweep --plot`, from the sweep's CSV. */
static int view_sweep(const char *path, const RViewerOpts *vo)
{
    SimError err = {0, ""};
    char *text = NULL;
    size_t len = 0;
    SweepResult *r = NULL;
    SweepChart *ch = NULL;
    int rc = EXIT_USAGE;
    if (text_file_read(path, &text, &len, &err) < 0 ||
        sweep_result_read_csv(path, text, len, &r, &err) < 0 ||
        !(ch = sweep_chart_create(r, NULL, &err))) {
        fprintf(stderr, "gilsim view: --sweep: %s\n", err.msg);
        rc = cli_exit_for(err.code);
        goto out;
    }
    char dir[4096] = "";
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    SweepView sv = {.r = r, .csv_dir = dir, .vo = *vo};
    RViewerOpts co = *vo;
    char title[320];
    snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s", sweep_chart(ch)->title);
    co.title = title;
    int vr = render_chart_viewer_run(sweep_chart(ch), sweep_pick, &sv, &co, &err);
    rc = window_status(vr, &err, "gilsim sweep ... --plot chart.png");
out:
    sweep_chart_destroy(ch);
    sweep_result_destroy(r);
    free(text);
    return rc;
}

int cmd_view(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    RViewerOpts vo;
    memset(&vo, 0, sizeof(vo));
    const char *headless = NULL;
    int rc = EXIT_USAGE;
    RunResult run = {0}, run_b = {0};
    const char *file_b = NULL;
    const char **cmp = NULL;
    int n_cmp = 0;
    char question[1024];
    const char *sweep_csv = NULL;
    CliMeasuredOpt mo = {0};
    int k;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            view_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        if (strcmp(a, "--keys") == 0) {
            /* The window's ? sheet, as text (the man page's key table). */
            for (int n = 0; render_help_lines[n]; n++) {
                const char *tab = strchr(render_help_lines[n], '\t');
                if (tab)
                    printf("%.*s\t%s\n", (int)(tab - render_help_lines[n]), render_help_lines[n], tab + 1);
                else
                    printf("%s\n", render_help_lines[n]);
            }
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        bool takes = strcmp(a, "--theme") == 0 || strcmp(a, "--speed") == 0 ||
                     strcmp(a, "--size") == 0 || strcmp(a, "--headless") == 0 ||
                     strcmp(a, "--headless-fallback") == 0 || strcmp(a, "--compare") == 0 ||
                     strcmp(a, "--sweep") == 0;
        if (takes && !next) {
            fprintf(stderr, "gilsim view: %s needs a value\n", a);
            goto out;
        }
        if (strcmp(a, "--theme") == 0) {
            if (cli_theme_opt("view", next, &vo.theme) < 0)
                goto out;
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
            if (!cli_parse_size(next, &vo.width, &vo.height) || vo.width < WINDOW_MIN_W ||
                vo.height < WINDOW_MIN_H || vo.width > WINDOW_MAX || vo.height > WINDOW_MAX) {
                fprintf(stderr, "gilsim view: --size '%s': expected WIDTHxHEIGHT from %dx%d to "
                                "%dx%d\n",
                        next, WINDOW_MIN_W, WINDOW_MIN_H, WINDOW_MAX, WINDOW_MAX);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--headless") == 0 || strcmp(a, "--headless-fallback") == 0) {
            headless = next;
            i++;
        } else if (strcmp(a, "--projector") == 0) {
            vo.projector = true;
        } else if (strcmp(a, "--sweep") == 0) {
            sweep_csv = next;
            i++;
        } else if (strcmp(a, "--quiz") == 0) {
            vo.quiz = true;
        } else if (strcmp(a, "--compare") == 0) {
            if (cli_compare_opt("view", next, &cmp, &n_cmp) < 0)
                goto out;
            i++;
        } else if ((k = cli_measured_opt("view", &mo, argc, argv, &i)) != 0) {
            if (k < 0)
                goto out;
        } else if (cli_compare_operand("view", &o, &file_b, argc, argv, &i) < 0) {
            goto out;
        }
    }

    if (sweep_csv) {
        if (o.file || o.n_sets || n_cmp || vo.quiz) {
            fprintf(stderr, "gilsim view: --sweep takes the CSV alone (no scenario, --set, "
                            "--compare or --quiz)\n");
            goto out;
        }
        rc = view_sweep(sweep_csv, &vo);
        goto out;
    }
    SimError err;
    if (cli_simulate(&o, &run, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(err.code); /* as gilsim run */
        goto out;
    }
    if (file_b && n_cmp) {
        fprintf(stderr, "gilsim view: compare two files or use --compare, not both\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if (mo.on && (file_b || n_cmp)) {
        fprintf(stderr, "gilsim view: --measured shows FILE beside its measured run; no FILE_B or --compare\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if (mo.on) {
        if ((k = cli_measured_second("view", &o, &mo, &run, &run_b)) != EXIT_OK) {
            rc = k;
            goto out;
        }
        vo.compare = run_b.trace;
    } else if (file_b || n_cmp) {
        if (cli_simulate_second(&o, file_b, cmp, n_cmp, &run_b, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = cli_exit_for(err.code);
            goto out;
        }
        vo.compare = run_b.trace;
    }
    char title[512];
    if (vo.compare)
        snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s vs %s", sim_scenario_name(run.sc),
                 sim_scenario_name(run_b.sc));
    else
        snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s", sim_scenario_name(run.sc));
    ViewCtx vc = {&o};
    vo.title = title;
    vo.resim = resim;
    vo.resim_ud = &vc;
    vo.version = GILSIM_VERSION;
    vo.lesson_title = sim_scenario_name(run.sc);
    vo.description = sim_scenario_description(run.sc);
    char *lesson_text = lesson_with_warnings(run.sc);
    vo.lesson = lesson_text ? lesson_text : sim_scenario_lesson(run.sc);
    sim_scenario_view_range(run.sc, &vo.view_t0, &vo.view_t1);
    ExplainStartCosts costs;
    if (explain_start_costs(run.sc, &costs) == 0)
        vo.start_costs = &costs;
    if (vo.quiz) {
        /* The scenario's own question, and the figure that answers it; else
         * one built from what the run contains. */
        const char *q = NULL, *fig = NULL;
        if (sim_scenario_quiz(run.sc, &q, &fig, NULL)) {
            snprintf(question, sizeof(question),
                     "%s Predict it before you look: Space plays the run up to where you stop it, Enter "
                     "reveals the answer, the figures and the lesson.",
                     q);
            vo.quiz_figure = fig;
        } else {
            quiz_question(&run, question, sizeof(question));
        }
        vo.quiz_question = question;
    }

    SimTrace *tr = run.trace;
    run.trace = NULL;
    int vr = render_viewer_run(&tr, &vo, &err);
    if (vr == R_VIEWER_NO_DISPLAY && headless)
        rc = render_instead(&run, tr, headless, vo.theme);
    else
        rc = window_status(vr, &err, "gilsim render FILE -o out.png");
    free(lesson_text);
    sim_trace_destroy(tr);
out:
    run_result_fini(&run_b);
    free(cmp);
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
