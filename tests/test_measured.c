/*
 * test_measured.c - measured runs rebuilt as traces (analysis/measured_*.c),
 * from recordings written by hand, so each rule of the rebuild is checked
 * without a Python interpreter or a clock: a CPU loop's gap while another
 * thread runs is a wait for the GIL and a hand-over, a gap nobody filled is
 * preemption, a blocking call is blocked until its end was due and then
 * waits for the GIL, a lock wait lasts until another thread's release, a
 * killed daemon is killed, a thread stuck at the time limit deadlocks,
 * and lost updates come from a shared variable's first and last values;
 * hand-overs the runtime counted itself (Python 2) replace the inferred
 * ones in the comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure_compare.h"
#include "measured.h"
#include "test.h"

#define MS 1000000LL
#define US 1000LL

/* One process's recording, as runtime.py writes it. threads is the JSON
 * of the "threads" array; extra goes before it (shared, objects). */
static char *recording(const char *name, const char *method, long t_end, int killed, const char *extra,
                       const char *threads)
{
    static const char CODES[] =
        "{\"end\":0,\"cpu\":1,\"c_call\":2,\"nogil\":3,\"io\":4,\"sleep\":5,\"acquire\":6,\"release\":7,"
        "\"wait\":8,\"set\":9,\"clear\":10,\"notify\":11,\"put\":12,\"get\":13,\"increment\":14,\"start\":15,"
        "\"join\":16,\"fork\":17,\"pool\":18,\"gap\":19,\"thread_begin\":20,\"thread_end\":21,\"task\":22,"
        "\"launch\":23}";
    size_t n = strlen(threads) + strlen(extra) + 2048;
    char *s = malloc(n);
    snprintf(s, n,
             "{\"gilsim_measure\":1,\"process\":\"%s\",\"method\":\"%s\",\"parent\":null,\"pid\":1,"
             "\"python\":\"3.11.7\",\"implementation\":\"CPython\",\"gil_enabled\":true,\"t_start\":0,"
             "\"t_end\":%ld,\"killed\":%s,\"cores\":2,\"switch_interval\":0.005,"
             "\"cal\":{\"chunk\":500,\"cpu_rate\":1e8,\"io_overshoot\":0.0001,\"sleep_overshoot\":0.0001},"
             "\"codes\":%s,%s\"threads\":%s}",
             name, method, t_end, killed ? "true" : "false", CODES, extra, threads);
    return s;
}

static int build(const char *text, MeasuredRun *m, SimTrace **tr)
{
    const char *texts[1] = {text}, *names[1] = {"test"};
    SimError err;
    if (measured_run_parse(texts, names, 1, m, &err) < 0) {
        fprintf(stderr, "parse: %s\n", err.msg);
        return -1;
    }
    if (measured_trace_build(m, NULL, tr, &err) < 0) {
        fprintf(stderr, "build: %s\n", err.msg);
        measured_run_fini(m);
        return -1;
    }
    return 0;
}

static uint32_t thread_named(const SimTrace *tr, const char *name)
{
    for (uint32_t i = 0; i < sim_trace_thread_count(tr); i++)
        if (strcmp(sim_trace_thread(tr, i)->name, name) == 0)
            return i;
    return SIM_NONE;
}

/* Within 2 % or 50 us of want. */
static int near(SimTime got, SimTime want)
{
    SimTime d = got > want ? got - want : want - got;
    return d <= want / 50 || d <= 50 * US;
}

/* The STATE records of a trace chain, thread by thread, from New. */
static void check_chain(const SimTrace *tr)
{
    uint32_t nt = sim_trace_thread_count(tr);
    SimState *last = calloc(nt, sizeof(*last));
    const SimRecord *r = sim_trace_records(tr);
    SimTime t = 0;
    int ok = 1;
    for (size_t k = 0; k < sim_trace_count(tr); k++) {
        ok &= r[k].t >= t;
        t = r[k].t;
        if (r[k].kind != SIM_REC_STATE || r[k].thread >= nt)
            continue;
        ok &= SIM_REC_OLD_STATE(&r[k]) == last[r[k].thread];
        last[r[k].thread] = SIM_REC_NEW_STATE(&r[k]);
    }
    CHECK(ok, "records in time order, each thread's states chained");
    free(last);
}

/* B starts an I/O, A starts CPU work; B's I/O ends while A runs, and A's
 * loop pauses from the moment it lets go (2 ms) while B runs. */
/* Thread A's and B's events in test_handover, and after it with counts. */
#define A_EVENTS "200,20,0, 300,1,0.01, 2000000,19,7000000, 10000000,0,1, 10001000,21,1"
#define B_EVENTS "0,20,0, 100,4,0.001, 2100000,0,1, 2100000,1,0.0048, 6900000,0,1, 6950000,21,1"

static void test_handover(void)
{
    char *text = recording("main", "initial", 10100 * US, 0, "",
        "[{\"name\":\"A\",\"daemon\":false,\"events\":[" A_EVENTS "]},"
        " {\"name\":\"B\",\"daemon\":false,\"events\":[" B_EVENTS "]}]");
    MeasuredRun m;
    SimTrace *tr;
    if (build(text, &m, &tr) < 0) {
        CHECK(0, "the hand-over recording builds");
        free(text);
        return;
    }
    check_chain(tr);
    SimStats *st = sim_stats_compute(tr);
    uint32_t a = thread_named(tr, "A"), b = thread_named(tr, "B");
    CHECK(a != SIM_NONE && b != SIM_NONE, "both threads are in the trace");
    /* B, then A, B when A lets go, A when B ends */
    CHECK_EQ(st->gils[0].switches, 3);
    CHECK(st->gils[0].forced_drops >= 1, "A's drop was forced (it waited for the GIL after it)");
    CHECK(near(st->threads[a].state_ns[SIM_R_WAIT_GIL], 5 * MS), "A waited ~5 ms for the GIL, got %lld",
          (long long)st->threads[a].state_ns[SIM_R_WAIT_GIL]);
    CHECK_EQ(st->threads[a].state_ns[SIM_R_WAIT_CORE], 0);
    CHECK_EQ(st->threads[b].io.count, 1);
    CHECK(near(st->threads[b].io.p50, 2100 * US), "B's I/O took until it ran Python again: %lld",
          (long long)st->threads[b].io.p50);
    CHECK(near(st->threads[b].state_ns[SIM_R_IO], 1100 * US), "B blocked on I/O for 1 ms + overshoot: %lld",
          (long long)st->threads[b].state_ns[SIM_R_IO]);
    CHECK(st->threads[b].state_ns[SIM_R_WAIT_GIL] >= 800 * US, "then waited for the GIL: %lld",
          (long long)st->threads[b].state_ns[SIM_R_WAIT_GIL]);
    CHECK_EQ(st->threads[a].last_reason, SIM_R_EXITED);
    CHECK_EQ(sim_trace_info(tr)->outcome, SIM_RUN_DONE);
    sim_stats_destroy(st);
    sim_trace_destroy(tr);
    measured_run_fini(&m);
    free(text);
}

/* The measured GIL switches per second of process main in t, or -1. */
static double measured_switch_rate(const MeasureTable *t)
{
    for (int i = 0; i < t->n; i++)
        if (t->rows[i].metric == MM_SWITCH_RATE && strcmp(t->rows[i].subject, "main") == 0 &&
            t->rows[i].n_meas)
            return t->rows[i].meas;
    return -1;
}

/* The same recording as test_handover, from a Python 2 runtime that
 * counted each thread's takes of the GIL from another thread: 3 pauses,
 * but 1,500 + 1,499 hand-overs. The comparison reads the count; a
 * recording without counts keeps the pauses' figure. */
static void test_counted_handovers(void)
{
    const char *threads =
        "[{\"name\":\"A\",\"daemon\":false,\"handovers\":1500,\"events\":[" A_EVENTS "]},"
        " {\"name\":\"B\",\"daemon\":false,\"handovers\":1499,\"events\":[" B_EVENTS "]}]";
    char *text = recording("main", "initial", 10000 * US, 0, "", threads);
    MeasuredRun m;
    SimTrace *tr;
    if (build(text, &m, &tr) < 0) {
        CHECK(0, "the counted recording builds");
        free(text);
        return;
    }
    CHECK_EQ(measured_process_handovers(&m, "main"), 2999);
    CHECK_EQ(measured_process_handovers(&m, "other"), -1);
    const SimTrace *meas[1] = {tr};
    int outcome[1] = {SIM_RUN_DONE};
    MeasureTable with, without;
    CHECK_EQ(measure_table_build(tr, SIM_RUN_DONE, meas, outcome, &m, 1, &with), 0);
    CHECK_EQ(measure_table_build(tr, SIM_RUN_DONE, meas, outcome, NULL, 1, &without), 0);
    /* main lives 10 ms: 2,999 hand-overs are 299,900 a second, the pauses' 3 are 300 */
    double counted = measured_switch_rate(&with), inferred = measured_switch_rate(&without);
    CHECK(counted > 299000 && counted < 300800, "the counted hand-overs are compared: %.0f a second", counted);
    CHECK(inferred > 290 && inferred < 310, "without counts, the pauses' hand-overs: %.0f a second", inferred);
    measure_table_fini(&with);
    measure_table_fini(&without);
    sim_trace_destroy(tr);
    measured_run_fini(&m);
    free(text);

    /* A 3.x recording has no counts. */
    text = recording("main", "initial", 10000 * US, 0, "",
                     "[{\"name\":\"A\",\"daemon\":false,\"events\":[0,20,0, 100,1,0.001, 1100000,0,1]}]");
    if (build(text, &m, &tr) == 0) {
        CHECK_EQ(measured_process_handovers(&m, "main"), -1);
        sim_trace_destroy(tr);
        measured_run_fini(&m);
    }
    free(text);
}

/* One thread, a pause in its CPU work: nobody else held the GIL, so the
 * OS preempted it and it kept the GIL. */
static void test_preempted(void)
{
    char *text = recording("main", "initial", 6 * MS, 0, "",
        "[{\"name\":\"A\",\"daemon\":false,\"events\":["
        "0,20,0, 10,1,0.004, 1000000,19,3000000, 5000000,0,1, 5000100,21,1]}]");
    MeasuredRun m;
    SimTrace *tr;
    if (build(text, &m, &tr) < 0) {
        CHECK(0, "the preemption recording builds");
        free(text);
        return;
    }
    SimStats *st = sim_stats_compute(tr);
    CHECK(near(st->threads[0].state_ns[SIM_R_WAIT_CORE], 2 * MS), "waited ~2 ms for a core, got %lld",
          (long long)st->threads[0].state_ns[SIM_R_WAIT_CORE]);
    CHECK_EQ(st->threads[0].state_ns[SIM_R_WAIT_GIL], 0);
    CHECK_EQ(st->gils[0].switches, 0);
    CHECK(near(st->gils[0].held_ns, 5 * MS), "it held the GIL throughout: %lld",
          (long long)st->gils[0].held_ns);
    sim_stats_destroy(st);
    sim_trace_destroy(tr);
    measured_run_fini(&m);
    free(text);
}

/* B waits on a lock A releases before going into I/O: B is blocked on
 * the lock until the release, and nobody holds the GIL after it. */
static void test_lock_wait(void)
{
    char *text = recording("main", "initial", 12 * MS, 0, "\"objects\":{\"L\":[\"lock\",null]},",
        "[{\"name\":\"A\",\"daemon\":false,\"events\":["
        "0,20,0, 10,6,\"L\", 20,0,1, 30,1,0.004, 4000000,0,1, 4000010,7,\"L\", 4000100,0,1,"
        " 4000200,4,0.005, 9100000,0,1, 9100100,21,1]},"
        " {\"name\":\"B\",\"daemon\":false,\"events\":["
        "0,20,0, 1000000,6,\"L\", 4050000,0,1, 4050100,7,\"L\", 4050200,0,1, 4050300,21,1]}]");
    MeasuredRun m;
    SimTrace *tr;
    if (build(text, &m, &tr) < 0) {
        CHECK(0, "the lock recording builds");
        free(text);
        return;
    }
    check_chain(tr);
    SimStats *st = sim_stats_compute(tr);
    uint32_t b = thread_named(tr, "B");
    CHECK(near(st->threads[b].state_ns[SIM_R_LOCK], 3000 * US),
          "B blocked on the lock until the release: %lld", (long long)st->threads[b].state_ns[SIM_R_LOCK]);
    sim_stats_destroy(st);
    sim_trace_destroy(tr);
    measured_run_fini(&m);
    free(text);
}

/* The time limit stopped the process: the daemon is killed, the thread
 * stuck in an acquire deadlocked, and the shared variable lost updates. */
static void test_stopped(void)
{
    char *text = recording("main", "initial", 50 * MS, 1,
        "\"objects\":{\"L\":[\"lock\",null]},\"shared\":{\"count\":{\"initial\":0,\"final\":3}},",
        "[{\"name\":\"T\",\"daemon\":false,\"events\":["
        "0,20,0, 10,14,\"count\", 20,0,1, 30,14,\"count\", 40,0,1, 50,14,\"count\", 60,0,1,"
        " 70,14,\"count\", 80,0,1, 90,14,\"count\", 100,0,1, 200,6,\"L\"]},"
        " {\"name\":\"D\",\"daemon\":true,\"events\":[0,20,0, 10,5,1.0]}]");
    MeasuredRun m;
    SimTrace *tr;
    if (build(text, &m, &tr) < 0) {
        CHECK(0, "the stopped recording builds");
        free(text);
        return;
    }
    check_chain(tr);
    MeasuredSummary sum;
    measured_summary(&m, &sum);
    CHECK_EQ(sum.outcome, SIM_RUN_DEADLOCK);
    CHECK_EQ(sum.ops, 7);
    CHECK_EQ(sim_trace_info(tr)->outcome, SIM_RUN_DEADLOCK);
    SimStats *st = sim_stats_compute(tr);
    uint32_t t = thread_named(tr, "T"), d = thread_named(tr, "D");
    CHECK_EQ(st->threads[d].last_reason, SIM_R_KILLED);
    CHECK_EQ(st->threads[t].last_reason, SIM_R_LOCK);
    int deadlocks = 0, shared = -1;
    const SimRecord *r = sim_trace_records(tr);
    for (size_t k = 0; k < sim_trace_count(tr); k++)
        if (r[k].kind == SIM_REC_DEADLOCK && r[k].thread == t && r[k].arg == SIM_WAIT_OBJECT)
            deadlocks++;
    CHECK_EQ(deadlocks, 1);
    for (uint32_t o = 0; o < sim_trace_object_count(tr); o++)
        if (strcmp(sim_trace_object(tr, o)->kind, "shared") == 0)
            shared = (int)o;
    CHECK(shared >= 0, "the shared variable is an object of the trace");
    if (shared >= 0) {
        CHECK_EQ(st->objects[shared].writes, 5);
        CHECK_EQ(st->objects[shared].lost, 2);
        CHECK_EQ(st->objects[shared].final, 3);
    }
    sim_stats_destroy(st);
    sim_trace_destroy(tr);
    measured_run_fini(&m);
    free(text);
}

/* What is not a recording says so. */
static void test_not_a_recording(void)
{
    const char *texts[1] = {"{\"threads\": []}"}, *names[1] = {"x.json"};
    MeasuredRun m;
    SimError err;
    CHECK(measured_run_parse(texts, names, 1, &m, &err) < 0, "a JSON that is not a recording is refused");
    CHECK(strstr(err.msg, "x.json") != NULL, "the message names the file: %s", err.msg);
}

int main(void)
{
    test_handover();
    test_counted_handovers();
    test_preempted();
    test_lock_wait();
    test_stopped();
    test_not_a_recording();
    return test_report();
}
