/*
 * test_analysis.c - the analysis library without SDL: StrBuf, CSV fields
 * both ways, durations as text, what a deadlocked thread waits for
 * (sim/trace_wait.c, as the report and the explain panel tell it), and a
 * sweep's CSV read back: written again byte for byte, and charted like the
 * sweep that ran (the same draw list under a fake text metric, positions
 * equal to a pixel), which is what makes `gilsim view --sweep` show what
 * `gilsim sweep --plot` draws.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "csv.h"
#include "duration_text.h"
#include "explain.h"
#include "run.h"
#include "run_report.h"
#include "strbuf.h"
#include "sweep.h"
#include "sweep_chart.h"
#include "test.h"
#include "text_file.h"
#include "view.h"

static void test_strbuf(void)
{
    StrBuf b = {0};
    CHECK_STREQ(strbuf_str(&b), "");
    strbuf_puts(&b, "ab");
    strbuf_putc(&b, 'c');
    strbuf_printf(&b, "%d-%s", 42, "x");
    CHECK_STREQ(b.s, "abc42-x");
    CHECK_EQ(b.n, 7);
    /* Longer than what is left: formatted again after growing. */
    char big[1000];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    strbuf_printf(&b, "[%s]", big);
    CHECK_EQ(b.n, 7 + 2 + 999);
    CHECK(b.s[b.n] == '\0' && b.s[8] == 'y' && b.s[b.n - 1] == ']', "grown text is whole");
    /* Binary data keeps its NULs and the text stays terminated. */
    strbuf_reset(&b);
    strbuf_put(&b, "a\0b", 3);
    CHECK(b.n == 3 && memcmp(b.s, "a\0b", 4) == 0, "binary append");
    char *w = strbuf_reserve(&b, 4);
    CHECK(w != NULL, "reserve");
    memcpy(w, "wxyz", 4);
    strbuf_commit(&b, 2);
    CHECK(b.n == 5 && memcmp(b.s + 3, "wx", 3) == 0, "commit adds what was written");
    size_t len = 0;
    char *t = strbuf_take(&b, &len);
    CHECK(t && len == 5 && b.s == NULL && b.n == 0, "take hands the text over");
    free(t);
    t = strbuf_take(&b, &len);
    CHECK(t && len == 0 && *t == '\0', "an empty buffer gives \"\"");
    free(t);
    b.oom = true;
    strbuf_puts(&b, "dropped");
    CHECK(b.n == 0 && strbuf_take(&b, NULL) == NULL, "appends after a failure are dropped");
}

static void test_csv(void)
{
    static const char *const fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "cr\rend"};
    enum { N = sizeof(fields) / sizeof(fields[0]) };
    StrBuf b = {0};
    for (int row = 0; row < 2; row++) {
        for (int i = 0; i < N; i++) {
            if (i)
                strbuf_putc(&b, ',');
            csv_field(&b, fields[i]);
        }
        strbuf_puts(&b, row ? "\r\n" : "\n");
    }
    CHECK(strncmp(b.s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"cr\rend\"\n", 43) == 0,
          "quoted only where needed: %s", b.s);
    CsvTable t;
    char why[200];
    CHECK_EQ(csv_table_parse(b.s, b.n, &t, why, sizeof(why)), 0);
    CHECK(t.rows == 2 && t.cols == N, "%d rows x %d cols", t.rows, t.cols);
    for (int r = 0; r < t.rows; r++)
        for (int i = 0; i < N; i++)
            CHECK_STREQ(csv_cell(&t, r, i), fields[i]);
    CHECK_STREQ(csv_cell(&t, 5, 0), "");
    CHECK_EQ(csv_column(&t, "a,b"), 1);
    csv_table_fini(&t);
    strbuf_fini(&b);
    CHECK_EQ(csv_table_parse("a,b\n1,2\n3\n", 10, &t, why, sizeof(why)), -1);
    CHECK_STREQ(why, "line 3 has 1 fields, the header 2");
}

static void test_durations(void)
{
    char b[64];
    CHECK_STREQ(duration_text_exact(175702, NULL, b, sizeof(b)), "175.702us");
    CHECK_STREQ(duration_text_exact(50000000, NULL, b, sizeof(b)), "50ms");
    CHECK_STREQ(duration_text_exact(0, "ms", b, sizeof(b)), "0ms");
    CHECK_STREQ(duration_text_exact(1500000000, NULL, b, sizeof(b)), "1.5s");
    CHECK_STREQ(duration_text_rounded(175702, 4, b, sizeof(b)), "175.7 \xc2\xb5s");
    CHECK_STREQ(duration_text_rounded(-5000000, 3, b, sizeof(b)), "-5 ms");
    char d[16] = "2.500";
    decimal_trim_zeros(d);
    CHECK_STREQ(d, "2.5");
}

/* Runs a scenario given as text to its end. */
static int simulate(const char *text, RunResult *run)
{
    SimScenario *sc = NULL;
    SimError err;
    if (sim_scenario_load_text("test", text, strlen(text), NULL, 0, &sc, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return run_result_simulate(sc, SIM_TIME_NEVER, run, &err);
}

/* The DEADLOCK record of thread t, or SIZE_MAX. */
static size_t deadlock_of(const SimTrace *tr, uint32_t t)
{
    const SimRecord *r = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr); i++)
        if (r[i].kind == SIM_REC_DEADLOCK && r[i].thread == t)
            return i;
    return SIZE_MAX;
}

static void test_waits(void)
{
    /* Two locks taken in opposite orders, and a third thread joining one
     * of the two: a wait-for cycle and a join of a stuck thread. */
    static const char *const two_locks =
        "{\"name\": \"two locks\", \"seed\": 1, \"machine\": {\"cores\": 2},"
        " \"processes\": [{\"name\": \"main\", \"sync\": {\"a\": \"lock\", \"b\": \"lock\"},"
        " \"threads\": ["
        "  {\"name\": \"t1\", \"program\": [{\"with\": \"a\", \"do\": [{\"sleep\": \"1ms\"},"
        "     {\"with\": \"b\", \"do\": [{\"cpu\": \"1ms\"}]}]}]},"
        "  {\"name\": \"t2\", \"program\": [{\"with\": \"b\", \"do\": [{\"sleep\": \"1ms\"},"
        "     {\"with\": \"a\", \"do\": [{\"cpu\": \"1ms\"}]}]}]},"
        "  {\"name\": \"j\", \"program\": [{\"join\": \"t1\"}]}]}]}";
    RunResult run;
    if (simulate(two_locks, &run) < 0) {
        CHECK(0, "the two-locks scenario runs");
        return;
    }
    CHECK_EQ(run.outcome, SIM_RUN_DEADLOCK);
    const SimTrace *tr = run.trace;
    char text[512];
    SimWait w;
    size_t r1 = deadlock_of(tr, 0), rj = deadlock_of(tr, 2);
    CHECK(r1 != SIZE_MAX && rj != SIZE_MAX, "t1 and j are stuck");
    CHECK_EQ(sim_trace_wait(tr, r1, &w), 0);
    CHECK(w.kind == SIM_WAIT_OBJECT && w.holder == 1 && !w.holder_absent && w.next == 1,
          "t1 waits for lock b held by t2 (kind %d, holder %u)", w.kind, w.holder);
    CHECK_STREQ(sim_trace_wait_text(tr, r1, text, sizeof(text)), "lock 'b' held by main/t2");
    CHECK_EQ(sim_trace_wait(tr, rj, &w), 0);
    CHECK(w.kind == SIM_WAIT_JOIN_THREAD && w.thread == 0 && w.next == 0, "j joins t1");
    CHECK_STREQ(sim_trace_wait_text(tr, rj, text, sizeof(text)), "join of thread main/t1");
    CHECK_STREQ(sim_wait_kind_name(w.kind), "join_thread");
    /* The explain panel names the process and the object; its "why" is
     * the holder, who is stuck too. */
    Explainer *ex = NULL;
    if (explain_create(tr, &ex) == 0) {
        explain_what(ex, r1, text, sizeof(text));
        CHECK(strstr(text, "t1 of process main is blocked forever, since ") &&
                  strstr(text, "it waits for lock 'b'"),
              "deadlock: %s", text);
        explain_why(ex, r1, text, sizeof(text));
        CHECK(strstr(text, "t2 has held lock 'b' since") && strstr(text, "stuck too"), "why: %s", text);
        explain_destroy(ex);
    }
    CHECK_EQ(sim_trace_wait(tr, 0, &w), SIM_ERR_INVALID);
    CHECK(w.next == SIM_NONE && w.holder == SIM_NONE, "another record decodes to nothing");
    /* The report tells the same: its cycle follows the waits. */
    SimStats *st = sim_stats_compute(tr);
    cJSON *rep = st ? run_report_json(&run, st) : NULL;
    cJSON *dl = rep ? cJSON_GetObjectItem(rep, "deadlock") : NULL;
    cJSON *cycle = dl ? cJSON_GetObjectItem(dl, "cycle") : NULL;
    CHECK(cJSON_IsArray(cycle) && cJSON_GetArraySize(cycle) == 3, "the report finds the cycle");
    cJSON_Delete(rep);
    sim_stats_destroy(st);
    run_result_fini(&run);
}

static void test_forked_holder(const char *root)
{
    char path[4096], *text = NULL, what[512];
    size_t len;
    SimError err;
    snprintf(path, sizeof(path), "%s/scenarios/fork_lock_deadlock.json", root);
    if (text_file_read(path, &text, &len, &err) < 0) {
        CHECK(0, "%s", err.msg);
        return;
    }
    RunResult run;
    int rc = simulate(text, &run);
    free(text);
    if (rc < 0)
        return;
    size_t rec = deadlock_of(run.trace, 2); /* the child's main thread */
    SimWait w;
    CHECK(rec != SIZE_MAX && sim_trace_wait(run.trace, rec, &w) == 0 && w.holder_absent &&
              w.next == SIM_NONE,
          "the child waits for a lock held by a thread it does not have");
    CHECK(strstr(sim_trace_wait_text(run.trace, rec, what, sizeof(what)),
                 "held by a thread that does not exist in this process: main/logger") != NULL,
          "told as such: %s", what);
    run_result_fini(&run);
    CHECK(text_file_read("/nonexistent/x.csv", &text, &len, &err) == SIM_ERR_IO && !text,
          "a missing file is an I/O error");
}

static int fake_width(void *ud, RFont f, int size, const char *s)
{
    (void)ud;
    (void)f;
    return (int)strlen(s) * size * 6 / 10;
}

/* The same commands, colours and texts, with positions equal to a pixel:
 * the CSV keeps nine significant digits, enough to move a rounding at .5
 * but never a line. */
static bool same_draw_list(const DrawList *a, const DrawList *b)
{
    if (a->n != b->n || a->text.n != b->text.n || memcmp(a->text.s, b->text.s, a->text.n) != 0)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        RCmd x = a->cmds[i], y = b->cmds[i];
        const int *px = (const int *)&x.u, *py = (const int *)&y.u;
        for (size_t k = 0; k < sizeof(x.u) / sizeof(int); k++)
            if (abs(px[k] - py[k]) > 1)
                return false;
        memset(&x.u, 0, sizeof(x.u));
        memset(&y.u, 0, sizeof(y.u));
        if (memcmp(&x, &y, sizeof(x)) != 0)
            return false;
    }
    return true;
}

static void test_sweep_csv(const char *root)
{
    char path[4096], why[300];
    snprintf(path, sizeof(path), "%s/scenarios/convoy.json", root);
    SweepKey keys[2];
    CHECK_EQ(sweep_key_parse("python.switch_interval=1ms..8ms:log:3", &keys[0], why, sizeof(why)), 1);
    CHECK_EQ(sweep_key_parse("machine.cores=1,2", &keys[1], why, sizeof(why)), 1);
    const char *fixed[] = {"seed=3"};
    SweepSpec sp = {.file = "convoy", .source_path = path, .fixed = fixed, .n_fixed = 1,
                    .keys = keys, .n_keys = 2, .runs = 2, .until = 300000000, .jobs = 2};
    SweepResult *ran = NULL, *read = NULL;
    SimError err;
    if (sweep_run(&sp, NULL, NULL, &ran, &err) < 0) {
        CHECK(0, "the sweep runs: %s", err.msg);
        goto out;
    }
    size_t len = 0, len2 = 0;
    char *csv = sweep_csv(ran, &len);
    CHECK(csv != NULL, "CSV written");
    CHECK_EQ(sweep_result_read_csv("s.csv", csv, len, &read, &err), 0);
    char *again = read ? sweep_csv(read, &len2) : NULL;
    CHECK(again && len2 == len && memcmp(csv, again, len) == 0, "read back, written again: the same bytes");
    free(again);
    if (read) {
        CHECK_EQ(sweep_result_points(read), 6);
        CHECK_EQ(sweep_result_seed(read), sweep_result_seed(ran));
        const SweepSpec *rs = sweep_result_spec(read);
        CHECK(rs->n_fixed == 1 && strcmp(rs->fixed[0], "seed=3") == 0 && rs->until == 300000000 &&
                  rs->runs == 2 && strcmp(rs->file, "convoy") == 0,
              "the provenance comes back");
        SweepPoint pt;
        char label[200];
        CHECK_EQ(sweep_point_get(read, 4, &pt), 0);
        CHECK(pt.n_sets == 4 && strcmp(pt.sets[1], "python.switch_interval=8ms") == 0 &&
                  strcmp(pt.sets[2], "machine.cores=1") == 0 && strncmp(pt.sets[3], "seed=", 5) == 0,
              "a point runs again with its overrides");
        sweep_point_fini(&pt);
        CHECK_STREQ(sweep_point_label(read, 4, label, sizeof(label)),
                    "switch_interval=8ms \xc2\xb7 cores=1");
    }
    /* Both results chart alike, down to the draw list. */
    SweepChartOpts o = {.metrics = "latency,ops,switches,idle,throughput,makespan", .x_key = -1};
    SweepChart *ca = sweep_chart_create(ran, &o, &err), *cb = read ? sweep_chart_create(read, &o, &err) : NULL;
    CHECK(ca && cb, "both charts build");
    if (ca && cb) {
        const Chart *a = sweep_chart(ca), *b = sweep_chart(cb);
        CHECK_STREQ(a->title, b->title);
        CHECK_STREQ(a->caption, b->caption);
        CHECK(a->n_series == 2 && a->n_x == 3 && a->points[1 * 3 + 2] == 5,
              "two series (cores) along x (interval); series 1 at x 2 is point 5");
        CHECK_STREQ(a->point_labels[5], "switch_interval=8ms \xc2\xb7 cores=2");
        RTextMetrics tm = {fake_width, NULL};
        RChartStyle st = render_chart_style_default();
        DrawList da, db;
        draw_list_init(&da);
        draw_list_init(&db);
        CHECK(render_chart_build(a, &st, &tm, &da, NULL) == 0 &&
                  render_chart_build(b, &st, &tm, &db, NULL) == 0,
              "both draw");
        CHECK(same_draw_list(&da, &db), "the CSV's chart is the sweep's chart");
        draw_list_free(&da);
        draw_list_free(&db);
    }
    sweep_chart_destroy(ca);
    sweep_chart_destroy(cb);
    /* A CSV that is not a sweep's, or whose rows do not match its sweep. */
    SweepResult *bad = NULL;
    CHECK_EQ(sweep_result_read_csv("f.csv", "a,b\n1,2\n", 8, &bad, &err), SIM_ERR_PARSE);
    CHECK_STREQ(err.msg, "f.csv: not a gilsim sweep CSV: no set, scenario or makespan column");
    if (csv) {
        char *swapped = strdup(csv);
        char *row = strchr(swapped, '\n') + 1;
        row[0] = '9'; /* "1ms" becomes "9ms" */
        CHECK_EQ(sweep_result_read_csv("e.csv", swapped, len, &bad, &err), SIM_ERR_PARSE);
        CHECK(strstr(err.msg, "line 2 is not the point") != NULL, "%s", err.msg);
        free(swapped);
    }
    free(csv);
out:
    sweep_result_destroy(ran);
    sweep_result_destroy(read);
    sweep_key_fini(&keys[0]);
    sweep_key_fini(&keys[1]);
}

int main(void)
{
    const char *root = getenv("GILSIM_SOURCE_ROOT");
    if (!root)
        root = ".";
    test_strbuf();
    test_csv();
    test_durations();
    test_waits();
    test_forked_holder(root);
    test_sweep_csv(root);
    return test_report();
}
