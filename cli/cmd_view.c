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

#include "chart.h"
#include "cli.h"
#include "render.h"
#include "run_report.h"

static void view_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim view [FILE [FILE_B]] [--set KEY=VALUE]... [--seed N] [--until T]\n"
            "                   [--compare KEY=VALUE]... [--quiz]\n"
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
            "  --sweep CSV       show the chart of a sweep (gilsim sweep -o CSV); a click on\n"
            "                    a point opens that point's timeline\n"
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
static int render_instead(const RunResult *run, SimTrace *tr, const char *path, RTheme theme)
{
    RIndex *ix = NULL;
    if (render_index_build(tr, &ix) < 0) {
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
    printf("No display: the timeline of \xe2\x80\x9c%s\xe2\x80\x9d is in %s (1920x1080).\n"
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

/* The quiz's question. Scenarios carry no "quiz" text yet, so the question
 * is built from what the run contains: the prediction that run's lesson
 * is about (locks, I/O latency, parallel speed-up), then how to go on. */
static void quiz_question(const RunResult *run, char *buf, size_t n)
{
    const SimTrace *tr = run->trace;
    uint32_t nth = sim_trace_thread_count(tr), nproc = sim_trace_process_count(tr);
    int cores = sim_trace_info(tr)->cores;
    bool objects = false, io = false;
    for (uint32_t i = 0; i < sim_trace_object_count(tr); i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, i);
        objects |= !oi->kind || strcmp(oi->kind, "shared") != 0;
    }
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr) && !io; i++)
        io = r[i].kind == SIM_REC_STATE && r[i].reason == SIM_R_IO;
    const char *ask;
    char tmp[256];
    if (objects)
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

typedef struct Csv {
    char **cell; /* rows x cols, row 0 the header */
    int rows, cols;
    char *text;
} Csv;

static void csv_free(Csv *cv)
{
    if (cv->cell)
        for (long i = 0; i < (long)cv->rows * cv->cols; i++)
            free(cv->cell[i]);
    free(cv->cell);
    free(cv->text);
    memset(cv, 0, sizeof(*cv));
}

/* RFC 4180 fields: quotes around a field, "" inside them for a quote. */
static int csv_load(const char *path, Csv *cv, char *why, size_t wn)
{
    memset(cv, 0, sizeof(*cv));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, wn, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap + 1);
    for (size_t k; t && (k = fread(t + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            char *nt = realloc(t, cap * 2 + 1);
            if (!nt) {
                free(t);
                t = NULL;
                break;
            }
            t = nt;
            cap *= 2;
        }
    }
    fclose(f);
    if (!t) {
        snprintf(why, wn, "out of memory reading %s", path);
        return -1;
    }
    t[n] = '\0';
    cv->text = t;
    size_t ccap = 0, nc = 0;
    char field[4096];
    int row_cols = 0;
    const char *p = t;
    while (*p) {
        size_t fl = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                if (fl + 1 < sizeof(field))
                    field[fl++] = *p;
                p++;
            }
            if (*p == '"')
                p++;
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r') {
            if (fl + 1 < sizeof(field))
                field[fl++] = *p;
            p++;
        }
        field[fl] = '\0';
        if (nc == ccap) {
            ccap = ccap ? ccap * 2 : 256;
            char **ncell = realloc(cv->cell, ccap * sizeof(*ncell));
            if (!ncell)
                goto nomem;
            cv->cell = ncell;
        }
        if (!(cv->cell[nc++] = strdup(field)))
            goto nomem;
        row_cols++;
        if (*p == ',') {
            p++;
            continue;
        }
        while (*p == '\r')
            p++;
        if (*p == '\n')
            p++;
        if (cv->rows == 0)
            cv->cols = row_cols;
        if (row_cols != cv->cols) {
            cv->rows = (int)((nc - (size_t)row_cols) / (size_t)cv->cols);
            snprintf(why, wn, "%s: line %d has %d fields, the header %d", path, cv->rows + 1,
                     row_cols, cv->cols);
            for (size_t i = nc - (size_t)row_cols; i < nc; i++)
                free(cv->cell[i]);
            return -1;
        }
        cv->rows++;
        row_cols = 0;
    }
    if (cv->rows < 2) {
        snprintf(why, wn, "%s: no points (expected a CSV written by gilsim sweep)", path);
        return -1;
    }
    return 0;
nomem:
    cv->rows = (int)(nc / (size_t)(cv->cols ? cv->cols : 1));
    snprintf(why, wn, "out of memory reading %s", path);
    return -1;
}

static const char *cell(const Csv *cv, int r, int c)
{
    return c >= 0 && c < cv->cols && r >= 0 && r < cv->rows ? cv->cell[(long)r * cv->cols + c] : "";
}

static int col(const Csv *cv, const char *name)
{
    for (int c = 0; c < cv->cols; c++)
        if (strcmp(cell(cv, 0, c), name) == 0)
            return c;
    return -1;
}

static double num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end == s ? NAN : v;
}

#define SW_MAX_LINES 12

typedef struct SweepView {
    Csv cv;
    char dir[4096];      /* the CSV's folder, to find a relative scenario */
    int n;               /* points */
    double *x, *vals;    /* [n] and [lines * 3 * n] */
    char **xl;           /* [n] category labels */
    RChartLine lines[SW_MAX_LINES];
    RChartPanel panels[4];
    char names[SW_MAX_LINES][96];
    char title[256], subtitle[512], caption[512], xlabel[128];
    RChart chart;
    RViewerOpts vo;
} SweepView;

/* Adds a line from the columns PREFIX_median/_min/_max; false if absent. */
static bool sweep_line(SweepView *sv, int *nl, const char *prefix, const char *label)
{
    char name[256];
    snprintf(name, sizeof(name), "%s_median", prefix);
    int cm = col(&sv->cv, name);
    if (cm < 0 || *nl >= SW_MAX_LINES)
        return false;
    snprintf(name, sizeof(name), "%s_min", prefix);
    int c0 = col(&sv->cv, name);
    snprintf(name, sizeof(name), "%s_max", prefix);
    int c1 = col(&sv->cv, name);
    double *v = sv->vals + (size_t)*nl * 3 * (size_t)sv->n;
    for (int i = 0; i < sv->n; i++) {
        v[i] = num(cell(&sv->cv, i + 1, cm));
        v[sv->n + i] = c0 >= 0 ? num(cell(&sv->cv, i + 1, c0)) : NAN;
        v[2 * sv->n + i] = c1 >= 0 ? num(cell(&sv->cv, i + 1, c1)) : NAN;
    }
    RChartLine *ln = &sv->lines[*nl];
    snprintf(sv->names[*nl], sizeof(sv->names[*nl]), "%s", label);
    ln->label = sv->names[*nl];
    ln->color = render_thread_color((uint32_t)*nl, R_THEME_LIGHT);
    ln->y = v;
    ln->lo = c0 >= 0 && c1 >= 0 ? v + sv->n : NULL;
    ln->hi = c0 >= 0 && c1 >= 0 ? v + 2 * sv->n : NULL;
    (*nl)++;
    return true;
}

static int sweep_view_build(SweepView *sv, char *why, size_t wn)
{
    Csv *cv = &sv->cv;
    int c_set = col(cv, "set"), c_scen = col(cv, "scenario"), c_mk = col(cv, "makespan_s_median");
    if (c_set < 0 || c_scen < 0 || c_mk < 1) {
        snprintf(why, wn, "not a gilsim sweep CSV: no set, scenario or makespan column");
        return -1;
    }
    sv->n = cv->rows - 1;
    sv->x = calloc((size_t)sv->n, sizeof(double));
    sv->xl = calloc((size_t)sv->n, sizeof(char *));
    sv->vals = calloc((size_t)SW_MAX_LINES * 3 * (size_t)sv->n, sizeof(double));
    if (!sv->x || !sv->xl || !sv->vals) {
        snprintf(why, wn, "out of memory");
        return -1;
    }
    /* The swept keys are the columns before the figures; "KEY_ns" holds a
     * duration key's value in ns. */
    int keys = 0;
    for (int c = 0; c < c_mk; c++)
        keys += strstr(cell(cv, 0, c), "_ns") == NULL;
    char ns_name[160];
    snprintf(ns_name, sizeof(ns_name), "%s_ns", cell(cv, 0, 0));
    bool duration = keys == 1 && c_mk > 1 && strcmp(cell(cv, 0, 1), ns_name) == 0;
    bool increasing = keys == 1;
    for (int i = 0; i < sv->n; i++) {
        sv->x[i] = num(cell(cv, i + 1, duration ? 1 : 0));
        if (isnan(sv->x[i]) || (i && sv->x[i] <= sv->x[i - 1]))
            increasing = false;
        char lab[256] = "";
        for (int c = 0, k = 0; c < c_mk; c++) {
            if (strstr(cell(cv, 0, c), "_ns"))
                continue;
            size_t u = strlen(lab);
            snprintf(lab + u, sizeof(lab) - u, "%s%s", k++ ? " \xc2\xb7 " : "", cell(cv, i + 1, c));
        }
        sv->xl[i] = strdup(lab);
    }
    RChart *ch = &sv->chart;
    ch->n_x = sv->n;
    ch->x = sv->x;
    ch->x_labels = (const char *const *)sv->xl;
    ch->x_kind = !increasing ? R_X_CATEGORY : duration ? R_X_DURATION : R_X_NUMBER;
    ch->x_log = increasing && sv->x[0] > 0 && sv->x[sv->n - 1] / sv->x[0] > 20;
    ch->x_mark = NAN;
    if (duration && strcmp(cell(cv, 0, 0), "python.switch_interval") == 0) {
        ch->x_mark = 5e6;
        ch->x_mark_label = "default 5 ms";
    }
    snprintf(sv->xlabel, sizeof(sv->xlabel), "%s", keys == 1 ? cell(cv, 0, 0) : "point");
    ch->x_label = sv->xlabel;
    /* Panels: I/O latency per I/O thread, switches per second, throughput. */
    int nl = 0, np = 0;
    int first = nl;
    for (int c = 0; c < cv->cols; c++) {
        const char *h = cell(cv, 0, c);
        size_t hl = strlen(h);
        if (strncmp(h, "io_p50_ms[", 10) == 0 && hl > 7 && strcmp(h + hl - 7, "_median") == 0) {
            char prefix[256], label[128];
            snprintf(prefix, sizeof(prefix), "%.*s", (int)(hl - 7), h);
            const char *lb = strchr(h, '['), *rb = strchr(h, ']');
            snprintf(label, sizeof(label), "%.*s p50", lb && rb ? (int)(rb - lb - 1) : 2,
                     lb && rb ? lb + 1 : "io");
            sweep_line(sv, &nl, prefix, label);
        }
    }
    if (nl > first)
        sv->panels[np++] = (RChartPanel){"I/O latency (ms)", R_SCALE_AUTO, true, sv->lines + first,
                                         nl - first, 0};
    first = nl;
    if (sweep_line(sv, &nl, "switches_per_s", "GIL switches / s"))
        sv->panels[np++] = (RChartPanel){"GIL switches per second", R_SCALE_AUTO, true,
                                         sv->lines + first, 1, 0};
    first = nl;
    if (sweep_line(sv, &nl, "throughput", "throughput"))
        sv->panels[np++] = (RChartPanel){"CPU-bound throughput (work per second)", R_SCALE_LINEAR,
                                         true, sv->lines + first, 1, 0};
    first = nl;
    if (np == 0 && sweep_line(sv, &nl, "makespan_s", "makespan"))
        sv->panels[np++] = (RChartPanel){"makespan (s)", R_SCALE_AUTO, true, sv->lines + first, 1, 0};
    if (np == 0) {
        snprintf(why, wn, "the CSV has no figures to chart");
        return -1;
    }
    ch->panels = sv->panels;
    ch->n_panels = np;
    const char *name = cell(cv, 1, col(cv, "scenario_name"));
    snprintf(sv->title, sizeof(sv->title), "Sweep of \xe2\x80\x9c%s\xe2\x80\x9d", *name ? name : cell(cv, 1, c_scen));
    ch->title = sv->title;
    snprintf(sv->subtitle, sizeof(sv->subtitle), "%s  \xc2\xb7  %s run%s per point  \xc2\xb7  click a point to open its timeline",
             cell(cv, 1, col(cv, "sweep")), cell(cv, 1, col(cv, "runs")),
             strcmp(cell(cv, 1, col(cv, "runs")), "1") ? "s" : "");
    ch->subtitle = sv->subtitle;
    snprintf(sv->caption, sizeof(sv->caption),
             "gilsim %s  \xc2\xb7  scenario \xe2\x80\x9c%s\xe2\x80\x9d #%.8s  \xc2\xb7  first seed %s",
             cell(cv, 1, col(cv, "gilsim")), name, cell(cv, 1, col(cv, "scenario_hash")),
             cell(cv, 1, col(cv, "seed")));
    ch->caption = sv->caption;
    return 0;
}

static void sweep_view_free(SweepView *sv)
{
    if (sv->xl)
        for (int i = 0; i < sv->n; i++)
            free(sv->xl[i]);
    free(sv->xl);
    free(sv->x);
    free(sv->vals);
    csv_free(&sv->cv);
}

/* A click on point p: that point's run in the timeline viewer. */
static int sweep_pick(void *ud, int p, SimError *err)
{
    SweepView *sv = ud;
    const Csv *cv = &sv->cv;
    int r = p + 1;
    char file[8192];
    snprintf(file, sizeof(file), "%s", cell(cv, r, col(cv, "scenario")));
    struct stat st;
    if (*file && file[0] != '/' && stat(file, &st) != 0 && *sv->dir) {
        char alt[8192];
        size_t a = strlen(sv->dir), b = strlen(file);
        if (a + b + 2 > sizeof(alt))
            return sim_error_set(err, SIM_ERR_IO, "scenario path too long");
        memcpy(alt, sv->dir, a);
        alt[a] = '/';
        memcpy(alt + a + 1, file, b + 1);
        if (stat(alt, &st) == 0)
            memcpy(file, alt, a + b + 2);
    }
    char sets[4096], seed[64];
    snprintf(sets, sizeof(sets), "%s", cell(cv, r, col(cv, "set")));
    const char *list[64];
    int n = 0;
    for (char *tok = strtok(sets, ";"); tok && n < 62; tok = strtok(NULL, ";"))
        list[n++] = tok;
    if (*cell(cv, r, col(cv, "seed"))) {
        snprintf(seed, sizeof(seed), "seed=%s", cell(cv, r, col(cv, "seed")));
        list[n++] = seed;
    }
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    o.file = *file ? file : NULL;
    o.sets = list;
    o.n_sets = n;
    RunResult run;
    if (cli_simulate(&o, &run, err) < 0)
        return err->code ? err->code : SIM_ERR_INVALID;
    char title[512];
    snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s \xc2\xb7 %s", sim_scenario_name(run.sc),
             sv->xl[p]);
    ViewCtx vc = {&o};
    RViewerOpts vo = sv->vo;
    vo.title = title;
    vo.resim = resim;
    vo.resim_ud = &vc;
    vo.lesson_title = sim_scenario_name(run.sc);
    vo.description = sim_scenario_description(run.sc);
    vo.lesson = sim_scenario_lesson(run.sc);
    sim_scenario_view_range(run.sc, &vo.view_t0, &vo.view_t1);
    SimTrace *tr = run.trace;
    run.trace = NULL;
    int rc = render_viewer_run(&tr, &vo, err);
    sim_trace_destroy(tr);
    run_result_fini(&run);
    return rc;
}

static int view_sweep(const char *path, const RViewerOpts *vo)
{
    SweepView *sv = calloc(1, sizeof(*sv));
    char why[512];
    int rc = EXIT_USAGE;
    if (!sv) {
        fprintf(stderr, "gilsim view: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (csv_load(path, &sv->cv, why, sizeof(why)) < 0 || sweep_view_build(sv, why, sizeof(why)) < 0) {
        fprintf(stderr, "gilsim view: --sweep: %s\n", why);
        goto out;
    }
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(sv->dir, sizeof(sv->dir), "%.*s", (int)(slash - path), path);
    sv->vo = *vo;
    RViewerOpts co = *vo;
    char title[320];
    snprintf(title, sizeof(title), "gilsim \xe2\x80\x94 %s", sv->title);
    co.title = title;
    SimError err = {0, ""};
    int vr = render_chart_viewer_run(&sv->chart, sweep_pick, sv, &co, &err);
    if (vr == R_VIEWER_NO_DISPLAY) {
        fprintf(stderr,
                "gilsim view: no display available (%s); use 'gilsim sweep ... --plot chart.png' "
                "instead\n",
                err.msg);
        rc = EXIT_RUNTIME;
    } else if (vr < 0) {
        fprintf(stderr, "gilsim view: %s\n", err.msg);
        rc = EXIT_RUNTIME;
    } else {
        rc = EXIT_OK;
    }
out:
    sweep_view_free(sv);
    free(sv);
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
                     strcmp(a, "--headless-fallback") == 0 || strcmp(a, "--compare") == 0 ||
                     strcmp(a, "--sweep") == 0;
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
        } else if (strcmp(a, "--sweep") == 0) {
            sweep_csv = next;
            i++;
        } else if (strcmp(a, "--quiz") == 0) {
            vo.quiz = true;
        } else if (strcmp(a, "--compare") == 0) {
            if (!strchr(next, '=')) {
                fprintf(stderr, "gilsim view: --compare '%s': expected KEY=VALUE\n", next);
                goto out;
            }
            const char **nc = realloc(cmp, (size_t)(n_cmp + 1) * sizeof(*nc));
            if (!nc) {
                fprintf(stderr, "gilsim view: out of memory\n");
                goto out;
            }
            cmp = nc;
            cmp[n_cmp++] = next;
            i++;
        } else if (a[0] != '-' && o.file && !file_b) {
            file_b = a;
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
        rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE; /* as gilsim run */
        goto out;
    }
    if (file_b && n_cmp) {
        fprintf(stderr, "gilsim view: compare two files or use --compare, not both\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if (file_b || n_cmp) {
        CliSimOpts ob = o; /* shares o's overrides, which outlive it */
        ob.file = file_b ? file_b : o.file;
        int k = file_b ? cli_simulate(&ob, &run_b, &err)
                       : cli_simulate_with(&o, cmp, n_cmp, &run_b, &err);
        if (k < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
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
    vo.lesson = sim_scenario_lesson(run.sc);
    sim_scenario_view_range(run.sc, &vo.view_t0, &vo.view_t1);
    if (vo.quiz) {
        quiz_question(&run, question, sizeof(question));
        vo.quiz_question = question;
    }

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
    run_result_fini(&run_b);
    free(cmp);
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
