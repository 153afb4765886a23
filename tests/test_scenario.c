/*
 * test_scenario.c - the scenario loader: good files load with the right
 * values, bad ones fail with the exact message (location, pointer, text),
 * overrides apply and are blamed for their own mistakes, the explained
 * configuration loads back to the same SimConfig, and no input crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonloc.h"
#include "sim_internal.h"
#include "test.h"

#define US 1000LL
#define MS 1000000LL

static SimScenario *load(const char *text, const char *const *ov, int n_ov)
{
    SimError err = {0, ""};
    SimScenario *sc = NULL;
    int rc = sim_scenario_load_text("t.json", text, strlen(text), ov, n_ov, &sc, &err);
    CHECK(rc == 0 && sc, "loads: %s", rc == 0 ? "" : err.msg);
    return sc;
}

static void expect_error(int line, const char *text, const char *const *ov, int n_ov, int code,
                         const char *want)
{
    SimError err = {0, ""};
    SimScenario *sc = (SimScenario *)&err; /* must come back NULL */
    int rc = sim_scenario_load_text("t.json", text, strlen(text), ov, n_ov, &sc, &err);
    CHECK(rc == code && err.code == code && strcmp(err.msg, want) == 0 && sc == NULL,
          "case at line %d: rc %d\n    got:  %s\n    want: %s", line, rc, err.msg, want);
    if (rc == 0)
        sim_scenario_destroy(sc);
}

#define EXPECT_ERROR(text, code, msg) expect_error(__LINE__, (text), NULL, 0, (code), (msg))
#define EXPECT_ERROR_SET(text, ov, code, msg)                                                      \
    expect_error(__LINE__, (text), (ov), (int)(sizeof(ov) / sizeof((ov)[0])), (code), (msg))

/* A one-thread scenario; the ops are at line 5, column 7. */
#define PROG(ops)                                                                                  \
    "{\n"                                                                                          \
    "  \"name\": \"t\",\n"                                                                         \
    "  \"processes\": [{\"name\": \"main\", \"threads\": [\n"                                      \
    "    {\"name\": \"w1\", \"program\": [\n"                                                      \
    "      " ops "\n"                                                                              \
    "    ]}\n"                                                                                     \
    "  ]}]\n"                                                                                      \
    "}\n"

#define MINIMAL "{\"name\": \"m\", \"processes\": [{\"name\": \"main\", \"threads\": " \
                "[{\"name\": \"t\", \"program\": [{\"cpu\": \"1ms\"}]}]}]}"

/* ---- The good path ------------------------------------------------------ */

static const char FULL[] =
    "{\n"
    "  \"$schema\": \"../scenarios/schema.json\",\n"
    "  \"_comment\": \"every operation at least once\",\n"
    "  \"schema_version\": 1,\n"
    "  \"name\": \"everything\",\n"
    "  \"description\": \"all ops\",\n"
    "  \"lesson\": \"read the code\",\n"
    "  \"quiz\": {\"question\": \"how many?\", \"answer\": {\"figure\": \"shared.final\", \"tolerance\": 0.05}},\n"
    "  \"seed\": 42,\n"
    "  \"machine\": {\"cores\": 4, \"time_slice\": \"10ms\", \"context_switch\": 0,\n"
    "              \"wake_latency\": {\"exp\": \"50us\"}, \"wakeup_policy\": \"fifo\"},\n"
    "  \"python\": {\"version\": \"3.11\", \"switch_interval\": \"2ms\", \"check_interval\": 50,\n"
    "             \"ft_overhead\": 1.5, \"ipc_cost\": \"1ms\"},\n"
    "  \"processes\": [\n"
    "    {\"name\": \"main\", \"threads\": [\n"
    "      {\"name\": \"boss\", \"program\": [\n"
    "        {\"cpu\": \"1ms\"},\n"
    "        {\"c_call\": 0.002},\n"
    "        {\"nogil\": {\"uniform\": [\"1us\", \"3us\"]}},\n"
    "        {\"repeat\": 3, \"do\": [\n"
    "          {\"io\": \"250us\"},\n"
    "          {\"repeat\": 2, \"do\": [{\"sleep\": \"1.5ms\"}, {\"cpu\": \"100ns\"}]}\n"
    "        ]},\n"
    "        {\"start\": \"helper\"},\n"
    "        {\"start\": \"pool\"},\n"
    "        {\"join\": \"helper\"},\n"
    "        {\"join\": \"pool\"},\n"
    "        {\"fork\": {\"program\": [{\"cpu\": \"1ms\"}, {\"fork\": {\"name\": \"grandchild\", \"program\": []}}]}},\n"
    "        {\"fork\": {\"program\": [], \"_why\": \"a second child\"}},\n"
    "        {\"join\": \"main-child\"}\n"
    "      ]},\n"
    "      {\"name\": \"helper\", \"daemon\": true, \"start\": \"manual\", \"program\": [{\"cpu\": \"5ms\"}]}\n"
    "    ]},\n"
    "    {\"name\": \"pool\", \"start\": \"manual\", \"start_method\": \"spawn\", \"threads\": [\n"
    "      {\"name\": \"w1\", \"program\": [{\"io\": \"1ms\"}]},\n"
    "      {\"name\": \"w2\", \"program\": []}\n"
    "    ]},\n"
    "    {\"name\": \"main-child\", \"threads\": [{\"name\": \"x\", \"program\": []}]}\n"
    "  ]\n"
    "}\n";

static const SimOp *op_at(const SimScenario *sc, int thread, uint32_t i)
{
    return &sc->ops[sc->threads[thread].prog_first + i];
}

static void test_full(void)
{
    SimScenario *sc = load(FULL, NULL, 0);
    if (!sc)
        return;
    CHECK_STREQ(sim_scenario_name(sc), "everything");
    CHECK_STREQ(sim_scenario_description(sc), "all ops");
    CHECK_STREQ(sim_scenario_lesson(sc), "read the code");
    const char *q = NULL, *fig = NULL;
    double tol = 0;
    CHECK(sim_scenario_quiz(sc, &q, &fig, &tol), "the quiz");
    CHECK(q && fig && !strcmp(q, "how many?") && !strcmp(fig, "shared.final") && tol == 0.05, "quiz %s %s %g",
          q ? q : "", fig ? fig : "", tol);
    CHECK_STREQ(sc->source, "t.json");
    CHECK_EQ(sim_scenario_seed(sc), 42);
    CHECK(sim_scenario_hash(sc) == sim_fnv1a(FULL, strlen(FULL)), "hash is FNV-1a of the text");

    const SimConfig *cfg = &sc->cfg;
    CHECK_EQ(cfg->seed, 42);
    CHECK_EQ(cfg->cores, 4);
    CHECK_EQ(cfg->time_slice, 10 * MS);
    CHECK_EQ(cfg->ctx_switch, 0);
    CHECK_EQ(cfg->wake_latency.kind, SIM_DIST_EXP);
    CHECK_EQ(cfg->wake_latency.a, 50 * US);
    CHECK_EQ(cfg->wake_policy, SIM_WAKE_FIFO);
    CHECK_EQ(cfg->py_major, 3);
    CHECK_EQ(cfg->py_minor, 11);
    CHECK_EQ(cfg->gil, SIM_GIL_NEW);
    CHECK_EQ(cfg->switch_interval, 2 * MS);
    CHECK_EQ(cfg->check_point_gap, 100);
    CHECK_EQ(cfg->check_interval, 50);
    CHECK(cfg->ft_overhead == 1.5, "ft_overhead %g", cfg->ft_overhead);
    CHECK_EQ(cfg->ipc_cost, 1 * MS);
    CHECK_EQ(cfg->tick_cost, 15);
    CHECK_EQ(cfg->spawn_cost, 84890 * US); /* 3.11's, as measured (config.c PROCESS_COSTS) */

    /* Declared processes first, then fork children in the order met. */
    static const char *const pnames[] = {"main", "pool", "main-child", "main-child-2", "grandchild",
                                         "main-child-3"};
    static const int pmethod[] = {SIM_START_INITIAL, SIM_START_SPAWN, SIM_START_INITIAL,
                                  SIM_START_OSFORK, SIM_START_OSFORK, SIM_START_OSFORK};
    static const int pfirst[] = {0, 2, 4, 5, 6, 7}, pcount[] = {2, 2, 1, 1, 1, 1};
    CHECK_EQ(sc->n_procs, 6);
    for (int p = 0; p < sc->n_procs && p < 6; p++) {
        CHECK_STREQ(sc->procs[p].name, pnames[p]);
        CHECK_EQ(sc->procs[p].start_method, pmethod[p]);
        CHECK_EQ(sc->procs[p].first_thread, pfirst[p]);
        CHECK_EQ(sc->procs[p].n_threads, pcount[p]);
        CHECK_EQ(sc->procs[p].manual_start, p == 1 || p >= 3);
    }

    static const char *const tnames[] = {"boss", "helper", "w1", "w2", "x", "boss", "boss", "boss"};
    static const int tproc[] = {0, 0, 1, 1, 2, 3, 4, 5};
    static const unsigned tlen[] = {15, 1, 1, 0, 0, 2, 0, 0};
    uint32_t total = 0;
    CHECK_EQ(sc->n_threads, 8);
    for (int t = 0; t < sc->n_threads && t < 8; t++) {
        CHECK_STREQ(sc->threads[t].name, tnames[t]);
        CHECK_EQ(sc->threads[t].process, tproc[t]);
        CHECK_EQ(sc->threads[t].prog_len, tlen[t]);
        CHECK(sc->threads[t].prog_first + sc->threads[t].prog_len <= sc->n_ops, "program in range");
        CHECK_EQ(sc->threads[t].daemon, t == 1);
        CHECK_EQ(sc->threads[t].manual_start, t == 1);
        total += sc->threads[t].prog_len;
    }
    CHECK_EQ(total, sc->n_ops);

    /* boss: the flattened program. */
    static const int kinds[] = {SIM_OP_CPU, SIM_OP_C_CALL, SIM_OP_NOGIL, SIM_OP_REPEAT, SIM_OP_IO,
                                SIM_OP_REPEAT, SIM_OP_SLEEP, SIM_OP_CPU, SIM_OP_START, SIM_OP_START,
                                SIM_OP_JOIN, SIM_OP_JOIN, SIM_OP_FORK, SIM_OP_FORK, SIM_OP_JOIN};
    for (uint32_t i = 0; i < 15; i++)
        CHECK(op_at(sc, 0, i)->kind == kinds[i], "boss op %u kind %d, want %d", i, op_at(sc, 0, i)->kind,
              kinds[i]);
    CHECK_EQ(op_at(sc, 0, 0)->dur.kind, SIM_DIST_FIXED);
    CHECK_EQ(op_at(sc, 0, 0)->dur.a, 1 * MS);
    CHECK_EQ(op_at(sc, 0, 1)->dur.a, 2 * MS);
    CHECK_EQ(op_at(sc, 0, 2)->dur.kind, SIM_DIST_UNIFORM);
    CHECK_EQ(op_at(sc, 0, 2)->dur.a, 1 * US);
    CHECK_EQ(op_at(sc, 0, 2)->dur.b, 3 * US);
    CHECK_EQ(op_at(sc, 0, 3)->count, 3);
    CHECK_EQ(op_at(sc, 0, 3)->body_len, 4);
    CHECK_EQ(op_at(sc, 0, 4)->dur.a, 250 * US);
    CHECK_EQ(op_at(sc, 0, 5)->count, 2);
    CHECK_EQ(op_at(sc, 0, 5)->body_len, 2);
    CHECK_EQ(op_at(sc, 0, 6)->dur.a, 1500 * US);
    CHECK_EQ(op_at(sc, 0, 7)->dur.a, 100);
    CHECK_EQ(op_at(sc, 0, 8)->target_kind, SIM_TARGET_THREAD);
    CHECK_EQ(op_at(sc, 0, 8)->target, 1);
    CHECK_EQ(op_at(sc, 0, 9)->target_kind, SIM_TARGET_PROCESS);
    CHECK_EQ(op_at(sc, 0, 9)->target, 1);
    CHECK_EQ(op_at(sc, 0, 10)->target_kind, SIM_TARGET_THREAD);
    CHECK_EQ(op_at(sc, 0, 10)->target, 1);
    CHECK_EQ(op_at(sc, 0, 11)->target_kind, SIM_TARGET_PROCESS);
    CHECK_EQ(op_at(sc, 0, 11)->target, 1);
    CHECK_EQ(op_at(sc, 0, 12)->target, 3);
    CHECK_EQ(op_at(sc, 0, 13)->target, 5);
    CHECK_EQ(op_at(sc, 0, 14)->target_kind, SIM_TARGET_PROCESS);
    CHECK_EQ(op_at(sc, 0, 14)->target, 2);
    /* The first child's own fork. */
    CHECK_EQ(op_at(sc, 5, 0)->kind, SIM_OP_CPU);
    CHECK_EQ(op_at(sc, 5, 1)->kind, SIM_OP_FORK);
    CHECK_EQ(op_at(sc, 5, 1)->target, 4);
    sim_scenario_destroy(sc);
}

static void test_defaults(void)
{
    SimConfig def;
    sim_config_defaults(&def);
    CHECK_EQ(def.seed, 1);
    CHECK_EQ(def.cores, 2);
    CHECK_EQ(def.time_slice, 4 * MS);
    CHECK_EQ(def.ctx_switch, 2 * US);
    CHECK(def.wake_latency.kind == SIM_DIST_UNIFORM && def.wake_latency.a == 12 * US &&
          def.wake_latency.b == 28 * US, "wake latency uniform 12us..28us");
    CHECK(def.timer_slack == 50 * US && def.timer_latency.kind == SIM_DIST_UNIFORM, "timers: 50us slack, then latency");
    CHECK_EQ(def.wake_policy, SIM_WAKE_GLIBC);
    CHECK(def.cond_steal == 0.93, "steal share measured inside CPython 3.9-3.13 (cond_trace.py)");
    CHECK(def.busy_wake_share == 0.18 && def.busy_wake_hold.kind == SIM_DIST_UNIFORM, "busy-CPU wake-ups measured too");
    CHECK(def.py_major == 3 && def.py_minor == 12, "Python 3.12");
    CHECK_EQ(def.gil, SIM_GIL_NEW);
    CHECK_EQ(def.switch_interval, 5 * MS);
    CHECK_EQ(def.check_point_gap, 100);
    CHECK_EQ(def.check_interval, 100);
    CHECK_EQ(def.tick_cost, 15);
    CHECK(def.ft_overhead == 1.08, "ft_overhead 1.08");
    CHECK_EQ(def.thread_start_cost, 100 * US);
    /* The process costs follow the version: 3.12's pieces as measured. */
    CHECK_EQ(def.fork_cost, 630 * US);
    CHECK_EQ(def.os_fork_child_cost, 4910 * US);
    CHECK_EQ(def.fork_exit_cost, 1210 * US);
    CHECK_EQ(def.mp_fork_start_cost, 5280 * US);
    CHECK_EQ(def.fork_child_cost, 7290 * US);
    CHECK_EQ(def.mp_exit_cost, 3500 * US);
    CHECK_EQ(def.spawn_cost, 77720 * US);
    CHECK_EQ(def.spawn_exit_cost, 9550 * US);
    CHECK_EQ(def.forkserver_cost, 36560 * US);
    CHECK_EQ(def.ipc_cost, 1070 * US);
    CHECK_EQ(def.pipe_latency, 20 * US);
    CHECK_EQ(def.pickle_cost, 20 * US);
    CHECK(def.loop_cost > 0 && def.call_cost > def.bytecode_cost, "opcode costs follow the version");
    CHECK_EQ(def.pool_submit_cost, 20 * US);

    SimScenario *sc = load(MINIMAL, NULL, 0);
    if (!sc)
        return;
    SimScenario with_defaults = *sc;
    with_defaults.cfg = def;
    char *got = sim_scenario_explain_config(sc), *want = sim_scenario_explain_config(&with_defaults);
    CHECK(got && want && strcmp(got, want) == 0, "a minimal scenario has the default configuration");
    free(got);
    free(want);
    CHECK_STREQ(sim_scenario_description(sc), "");
    CHECK_STREQ(sim_scenario_lesson(sc), "");
    CHECK(!sim_scenario_quiz(sc, NULL, NULL, NULL), "no quiz");
    CHECK_EQ(sim_scenario_seed(sc), 1);
    CHECK_EQ(sc->procs[0].start_method, SIM_START_INITIAL);
    CHECK(!sc->procs[0].manual_start && !sc->threads[0].daemon && !sc->threads[0].manual_start,
          "auto start, not a daemon");
    sim_scenario_destroy(sc);
}

/* Defaults that follow python.version, and the switch interval rounding. */
static void test_version_defaults(void)
{
    static const struct {
        const char *version;
        int gil;
        SimTime gap;
        int method; /* default start method of a manual process */
    } cases[] = {
        {"2.7", SIM_GIL_OLD, 30, SIM_START_FORK},   {"3.1", SIM_GIL_OLD, 30, SIM_START_FORK},
        {"3.2", SIM_GIL_NEW, 30, SIM_START_FORK},   {"3.9", SIM_GIL_NEW, 30, SIM_START_FORK},
        {"3.10", SIM_GIL_NEW, 100, SIM_START_FORK}, {"3.13", SIM_GIL_NEW, 100, SIM_START_FORK},
        {"3.14", SIM_GIL_NEW, 100, SIM_START_FORKSERVER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"name\": \"v\", \"python\": {\"version\": \"%s\"}, \"processes\": ["
                 "{\"name\": \"a\", \"threads\": [{\"name\": \"t\", \"program\": []}]},"
                 "{\"name\": \"b\", \"start\": \"manual\", \"threads\": [{\"name\": \"t\", \"program\": []}]}]}",
                 cases[i].version);
        SimScenario *sc = load(text, NULL, 0);
        if (!sc)
            continue;
        CHECK(sc->cfg.gil == cases[i].gil, "%s: gil %d", cases[i].version, sc->cfg.gil);
        CHECK(sc->cfg.check_point_gap == cases[i].gap, "%s: check_point_gap %lld", cases[i].version,
              (long long)sc->cfg.check_point_gap);
        CHECK(sc->procs[1].start_method == cases[i].method, "%s: start method %d", cases[i].version,
              sc->procs[1].start_method);
        CHECK_EQ(sc->procs[0].start_method, SIM_START_INITIAL);
        sim_scenario_destroy(sc);
    }

    /* Explicit values win over version defaults. */
    SimScenario *sc = load("{\"name\": \"v\", \"python\": {\"version\": \"2.7\", \"gil\": \"none\", "
                           "\"check_point_gap\": \"1us\"}, \"processes\": [{\"name\": \"a\", "
                           "\"threads\": [{\"name\": \"t\", \"program\": []}]}]}", NULL, 0);
    if (sc) {
        CHECK_EQ(sc->cfg.gil, SIM_GIL_NONE);
        CHECK_EQ(sc->cfg.check_point_gap, 1 * US);
        sim_scenario_destroy(sc);
    }

    /* CPython keeps the switch interval in whole microseconds, at least 1. */
    static const struct {
        const char *value;
        SimTime want;
    } si[] = {{"\"1500ns\"", 1 * US}, {"\"0.5us\"", 1 * US}, {"\"2.5ms\"", 2500 * US},
              {"0.005", 5 * MS},      {"\"1999ns\"", 1 * US}, {"\"1 s\"", 1000 * MS}};
    for (size_t i = 0; i < sizeof(si) / sizeof(si[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"name\": \"v\", \"python\": {\"switch_interval\": %s}, \"processes\": ["
                 "{\"name\": \"a\", \"threads\": [{\"name\": \"t\", \"program\": []}]}]}", si[i].value);
        sc = load(text, NULL, 0);
        if (!sc)
            continue;
        CHECK(sc->cfg.switch_interval == si[i].want, "switch_interval %s -> %lld", si[i].value,
              (long long)sc->cfg.switch_interval);
        sim_scenario_destroy(sc);
    }
}

static void test_overrides(void)
{
    static const char *const ov[] = {
        "machine.cores=4",
        "python.switch_interval=1ms",
        "processes.0.threads.0.daemon=true",
        "seed=18446744073709551615",
        "machine.wake_latency={\"exp\": \"2ms\"}",
        "name=hello world",
        "machine.cores=8",
        "python.version=3.10",
        "description=",
    };
    SimScenario *sc = load(MINIMAL, ov, (int)(sizeof(ov) / sizeof(ov[0])));
    if (!sc)
        return;
    CHECK_EQ(sc->cfg.cores, 8);
    CHECK_EQ(sc->cfg.switch_interval, 1 * MS);
    CHECK(sc->threads[0].daemon, "daemon set by override");
    CHECK(sim_scenario_seed(sc) == UINT64_MAX, "a 64-bit seed survives exactly");
    CHECK(sc->cfg.wake_latency.kind == SIM_DIST_EXP && sc->cfg.wake_latency.a == 2 * MS,
          "a JSON object as the value");
    CHECK_STREQ(sim_scenario_name(sc), "hello world");
    CHECK(sc->cfg.py_major == 3 && sc->cfg.py_minor == 10, "3.10 from the command line is 3.10");
    CHECK_EQ(sc->cfg.check_point_gap, 100);
    CHECK_STREQ(sim_scenario_description(sc), "");
    CHECK(sim_scenario_hash(sc) == sim_fnv1a(MINIMAL, strlen(MINIMAL)), "hash ignores overrides");
    sim_scenario_destroy(sc);

    /* Replacing an array element and a whole program. */
    static const char *const ov2[] = {
        "processes.0.threads.0.program.0={\"io\": \"3ms\"}",
        "processes.0.threads.0.name=main2",
    };
    sc = load(MINIMAL, ov2, 2);
    if (sc) {
        CHECK(sc->n_ops == 1 && sc->ops[0].kind == SIM_OP_IO && sc->ops[0].dur.a == 3 * MS, "op replaced");
        CHECK_STREQ(sc->threads[0].name, "main2");
        sim_scenario_destroy(sc);
    }
}

static void test_explain_roundtrip(void)
{
    static const char *const configs[] = {
        MINIMAL,
        FULL,
        "{\"name\": \"r\", \"seed\": 12345678901234567, \"machine\": {\"wake_latency\": \"20us\", "
        "\"context_switch\": \"1.5us\"}, \"python\": {\"version\": \"2.7\", \"tick_cost\": \"7ns\", "
        "\"switch_interval\": 0.0025, \"ft_overhead\": 1.0000000001, \"spawn_cost\": \"1.234567ms\"}, "
        "\"processes\": [{\"name\": \"a\", \"threads\": [{\"name\": \"t\", \"program\": []}]}]}",
        "{\"name\": \"r\", \"machine\": {\"pipe_latency\": \"1.5us\"}, \"python\": {\"pickle_cost\": 0, "
        "\"global_store_cost\": \"7ns\", \"call_cost\": 0.000001, \"pool_submit_cost\": \"3ms\"}, "
        "\"processes\": [{\"name\": \"a\", \"threads\": [{\"name\": \"t\", \"program\": []}]}]}",
    };
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        SimScenario *a = load(configs[i], NULL, 0);
        if (!a)
            continue;
        char *cfg = sim_scenario_explain_config(a);
        CHECK(cfg != NULL, "explain returns text");
        if (!cfg) {
            sim_scenario_destroy(a);
            continue;
        }
        /* Put the explained seed, machine and python under a new scenario. */
        char *end = strrchr(cfg, '}');
        size_t n = strlen(cfg) + 256;
        char *text = malloc(n);
        snprintf(text, n, "%.*s, \"name\": \"again\", \"processes\": [{\"name\": \"a\", \"threads\": "
                          "[{\"name\": \"t\", \"program\": []}]}]}", (int)(end - cfg), cfg);
        SimScenario *b = load(text, NULL, 0);
        if (b) {
            /* explain-config prints every parameter: the same text is the same config. */
            char *cfg2 = sim_scenario_explain_config(b);
            CHECK_STREQ(cfg2, cfg);
            free(cfg2);
            sim_scenario_destroy(b);
        }
        if (i == 0) {
            CHECK(strstr(cfg, "\"time_slice\": \"4ms\"") && strstr(cfg, "\"check_point_gap\": \"100ns\"") &&
                  strstr(cfg, "\"wake_latency\": {\"uniform\": [\"12us\", \"28us\"]}") &&
                  strstr(cfg, "\"ipc_cost\": \"1.07ms\"") && strstr(cfg, "\"version\": \"3.12\"") &&
                  strstr(cfg, "\"gil\": \"new\"") && strstr(cfg, "\"ft_overhead\": 1.08") &&
                  strstr(cfg, "\"pipe_latency\": \"20us\"") && strstr(cfg, "\"pickle_cost\": \"20us\"") &&
                  strstr(cfg, "\"pool_submit_cost\": \"20us\"") && strstr(cfg, "\"interp_start_cost\": \"2ms\"\n"),
                  "default values print in their shortest form:\n%s", cfg);
        }
        if (i == 2) {
            CHECK(strstr(cfg, "\"seed\": 12345678901234567,") && strstr(cfg, "\"context_switch\": \"1.5us\"") &&
                  strstr(cfg, "\"switch_interval\": \"2.5ms\"") && strstr(cfg, "\"spawn_cost\": \"1234567ns\"") &&
                  strstr(cfg, "\"wake_latency\": \"20us\"") && strstr(cfg, "\"gil\": \"old\""),
                  "values print exactly:\n%s", cfg);
        }
        if (i == 3) {
            CHECK(a->cfg.pipe_latency == 1500 && a->cfg.pickle_cost == 0 && a->cfg.global_store_cost == 7 &&
                  a->cfg.call_cost == 1000 && a->cfg.pool_submit_cost == 3 * MS, "the new costs load");
            CHECK(strstr(cfg, "\"pipe_latency\": \"1.5us\"\n  },") && strstr(cfg, "\"pickle_cost\": \"0ns\",") &&
                  strstr(cfg, "\"call_cost\": \"1us\","), "the new costs print:\n%s", cfg);
        }
        free(text);
        free(cfg);
        sim_scenario_destroy(a);
    }
}

/* What derives from the parameter table besides loading and explaining:
 * the GIL policy names and the JSON Schema of "machine" and "python". */
static void test_config_table(void)
{
    static const char *const gils[] = {"new", "new-noforce", "old", "none", "per-interpreter"};
    for (int i = 0; i < SIM_GIL_POLICY_COUNT; i++)
        CHECK_STREQ(sim_gil_policy_name(i), gils[i]);
    CHECK_STREQ(sim_gil_policy_name(SIM_GIL_POLICY_COUNT), "?");
    CHECK_STREQ(sim_gil_policy_name(-1), "?");

    char *schema = sim_config_schema();
    CHECK(schema != NULL, "the schema of the parameters is text");
    if (!schema)
        return;
    /* Spot checks; tests/test_schema.py compares it all with schema.json. */
    CHECK(strstr(schema, "\"machine\":") && strstr(schema, "\"python\":") &&
          strstr(schema, "\"additionalProperties\":\tfalse"), "both sections, closed:\n%s", schema);
    CHECK(strstr(schema, "\"maximum\":\t1024") && strstr(schema, "\"default\":\t1.08") &&
          strstr(schema, "\"default\":\t\"4ms\"") && strstr(schema, "\"default\":\t\"3.12\"") &&
          strstr(schema, "\"#/$defs/positive_duration\""), "ranges and defaults from the table:\n%s", schema);
    free(schema);
}

static void test_files(void)
{
    SimError err;
    SimScenario *sc = NULL;
    char path[] = "/tmp/gilsim-test-scenario-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temporary file");
    if (fd < 0)
        return;
    CHECK(write(fd, MINIMAL, strlen(MINIMAL)) == (ssize_t)strlen(MINIMAL), "write");
    close(fd);
    int rc = sim_scenario_load_file(path, NULL, 0, &sc, &err);
    CHECK(rc == 0 && sc, "loads from a file: %s", rc ? err.msg : "");
    if (sc) {
        CHECK_STREQ(sc->source, path);
        CHECK(sim_scenario_hash(sc) == sim_fnv1a(MINIMAL, strlen(MINIMAL)), "hash of the file bytes");
        sim_scenario_destroy(sc);
    }
    unlink(path);

    char want[256];
    rc = sim_scenario_load_file(path, NULL, 0, &sc, &err);
    snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
    CHECK(rc == SIM_ERR_IO && sc == NULL, "a missing file is SIM_ERR_IO");
    CHECK_STREQ(err.msg, want);
    rc = sim_scenario_load_file("/tmp", NULL, 0, &sc, &err);
    CHECK(rc == SIM_ERR_IO && sc == NULL, "a directory is SIM_ERR_IO");
    CHECK_STREQ(err.msg, "/tmp: cannot read: Is a directory");
}

/* ---- Synchronization objects, shared variables and pools ----------------- */

static const char SYNC[] =
    "{\n"
    "  \"name\": \"sync\",\n"
    "  \"processes\": [\n"
    "    {\"name\": \"main\",\n"
    "     \"shared\": {\"count\": 5, \"total\": -3, \"_note\": \"comment keys are skipped\"},\n"
    "     \"sync\": {\n"
    "       \"l\": \"lock\", \"r\": \"rlock\", \"s\": {\"type\": \"semaphore\", \"value\": 3},\n"
    "       \"b\": \"bounded_semaphore\",\n"
    "       \"ev\": \"event\", \"cv\": \"condition\", \"cv2\": {\"type\": \"condition\", \"lock\": \"l\"},\n"
    "       \"bar\": {\"type\": \"barrier\", \"parties\": 2, \"timeout\": \"5ms\"},\n"
    "       \"q\": {\"type\": \"queue\", \"maxsize\": 2},\n"
    "       \"p\": \"pipe\", \"mq\": \"mp_queue\", \"cv3\": {\"type\": \"condition\"},\n"
    "       \"s0\": {\"type\": \"semaphore\", \"value\": 0}\n"
    "     },\n"
    "     \"threads\": [\n"
    "       {\"name\": \"a\", \"program\": [\n"
    "         {\"acquire\": \"l\"},\n"
    "         {\"acquire\": \"s\", \"timeout\": \"1ms\"},\n"
    "         {\"acquire\": \"r\", \"blocking\": false},\n"
    "         {\"acquire\": \"b\", \"blocking\": true, \"timeout\": 0},\n"
    "         {\"release\": \"l\"},\n"
    "         {\"with\": \"cv\", \"do\": [{\"wait\": \"cv\", \"timeout\": \"2ms\"}, {\"notify\": \"cv\", \"n\": 3},\n"
    "                                {\"notify_all\": \"cv\"}]},\n"
    "         {\"with\": \"cv2\", \"do\": []},\n"
    "         {\"repeat\": 2, \"do\": [\n"
    "           {\"with\": \"l\", \"do\": [{\"increment\": \"count\", \"call_between\": true}]}]},\n"
    "         {\"set\": \"ev\"}, {\"clear\": \"ev\"}, {\"wait\": \"ev\"}, {\"wait\": \"bar\"},\n"
    "         {\"put\": \"q\", \"timeout\": \"3ms\"}, {\"get\": \"q\"},\n"
    "         {\"send\": \"p\", \"transfer\": {\"uniform\": [\"1us\", \"2us\"]}},\n"
    "         {\"recv\": \"p\", \"timeout\": \"4ms\"},\n"
    "         {\"put\": \"results\", \"transfer\": \"7us\"}, {\"get\": \"wire\"},\n"
    "         {\"increment\": \"total\", \"call_between\": false},\n"
    "         {\"join\": \"b2\", \"timeout\": \"10ms\"},\n"
    "         {\"fork\": {\"name\": \"kid\", \"program\": [\n"
    "           {\"with\": \"cv\", \"do\": []}, {\"increment\": \"count\"}, {\"put\": \"mq\"},\n"
    "           {\"put\": \"results\"},\n"
    "           {\"fork\": {\"name\": \"gk\", \"program\": [{\"acquire\": \"r\"}]}}]}}\n"
    "       ]},\n"
    "       {\"name\": \"b2\", \"program\": []}\n"
    "     ]},\n"
    "    {\"name\": \"other\", \"sync\": {\"l\": \"lock\", \"z\": \"event\"}, \"shared\": {\"count\": 1},\n"
    "     \"threads\": [{\"name\": \"t\", \"program\": [{\"acquire\": \"l\"}, {\"increment\": \"count\"},\n"
    "                                          {\"wait\": \"z\"}, {\"get\": \"results\"}, {\"join\": \"kid\"}]}]}\n"
    "  ],\n"
    "  \"ipc\": {\"results\": {\"type\": \"mp_queue\", \"maxsize\": 4}, \"wire\": \"pipe\"}\n"
    "}\n";

static void check_op(const SimScenario *sc, int thread, uint32_t i, int kind, int obj, SimTime timeout, int flags,
                     uint32_t count)
{
    if (i >= sc->threads[thread].prog_len) {
        CHECK(0, "thread %d has no op %u", thread, i);
        return;
    }
    const SimOp *op = op_at(sc, thread, i);
    CHECK(op->kind == kind && op->obj == obj && op->timeout == timeout && op->flags == flags && op->count == count,
          "thread %d op %u: kind %d obj %d timeout %lld flags %d count %u; want %d %d %lld %d %u", thread, i, op->kind,
          op->obj, (long long)op->timeout, op->flags, op->count, kind, obj, (long long)timeout, flags, count);
}

static void check_prim(const SimScenario *sc, int i, const char *name, int process, int kind, int64_t value,
                       int lock, SimTime timeout)
{
    if (i >= sc->n_prims) {
        CHECK(0, "no object %d", i);
        return;
    }
    const SimPrimSpec *p = &sc->prims[i];
    CHECK_STREQ(p->name, name);
    CHECK(p->process == process && p->kind == kind && p->value == value && p->lock == lock && p->timeout == timeout,
          "object %d (%s): process %d kind %d value %lld lock %d timeout %lld; want %d %d %lld %d %lld", i, name,
          p->process, p->kind, (long long)p->value, p->lock, (long long)p->timeout, process, kind, (long long)value,
          lock, (long long)timeout);
}

static void test_sync_objects(void)
{
    SimScenario *sc = load(SYNC, NULL, 0);
    if (!sc)
        return;
    /* main's 13 declared objects, then the RLocks of cv and cv3; other's
     * two; the "ipc" ones last. */
    CHECK_EQ(sc->n_prims, 19);
    check_prim(sc, 0, "l", 0, SIM_PRIM_LOCK, 0, -1, -1);
    check_prim(sc, 1, "r", 0, SIM_PRIM_RLOCK, 0, -1, -1);
    check_prim(sc, 2, "s", 0, SIM_PRIM_SEMAPHORE, 3, -1, -1);
    check_prim(sc, 3, "b", 0, SIM_PRIM_BOUNDED_SEMAPHORE, 1, -1, -1);
    check_prim(sc, 4, "ev", 0, SIM_PRIM_EVENT, 0, -1, -1);
    check_prim(sc, 5, "cv", 0, SIM_PRIM_CONDITION, 0, 13, -1);
    check_prim(sc, 6, "cv2", 0, SIM_PRIM_CONDITION, 0, 0, -1);
    check_prim(sc, 7, "bar", 0, SIM_PRIM_BARRIER, 2, -1, 5 * MS);
    check_prim(sc, 8, "q", 0, SIM_PRIM_QUEUE, 2, -1, -1);
    check_prim(sc, 9, "p", 0, SIM_PRIM_PIPE, 0, -1, -1);
    check_prim(sc, 10, "mq", 0, SIM_PRIM_MP_QUEUE, 0, -1, -1);
    check_prim(sc, 11, "cv3", 0, SIM_PRIM_CONDITION, 0, 14, -1);
    check_prim(sc, 12, "s0", 0, SIM_PRIM_SEMAPHORE, 0, -1, -1);
    check_prim(sc, 13, "cv.lock", 0, SIM_PRIM_RLOCK, 0, -1, -1);
    check_prim(sc, 14, "cv3.lock", 0, SIM_PRIM_RLOCK, 0, -1, -1);
    check_prim(sc, 15, "l", 1, SIM_PRIM_LOCK, 0, -1, -1);
    check_prim(sc, 16, "z", 1, SIM_PRIM_EVENT, 0, -1, -1);
    check_prim(sc, 17, "results", -1, SIM_PRIM_MP_QUEUE, 4, -1, -1);
    check_prim(sc, 18, "wire", -1, SIM_PRIM_PIPE, 0, -1, -1);

    CHECK_EQ(sc->n_shared, 3);
    static const char *const snames[] = {"count", "total", "count"};
    static const int sproc[] = {0, 0, 1};
    static const int64_t sinit[] = {5, -3, 1};
    for (int i = 0; i < sc->n_shared && i < 3; i++) {
        CHECK_STREQ(sc->shared[i].name, snames[i]);
        CHECK_EQ(sc->shared[i].process, sproc[i]);
        CHECK_EQ(sc->shared[i].initial, sinit[i]);
    }

    /* Fork children (kid, its child gk) use main's ranges. */
    static const char *const pnames[] = {"main", "other", "kid", "gk"};
    static const int pfp[] = {0, 15, 0, 0}, pnp[] = {15, 2, 15, 15}, pfs[] = {0, 2, 0, 0}, pns[] = {2, 1, 2, 2};
    CHECK_EQ(sc->n_procs, 4);
    for (int p = 0; p < sc->n_procs && p < 4; p++) {
        CHECK_STREQ(sc->procs[p].name, pnames[p]);
        CHECK(sc->procs[p].first_prim == pfp[p] && sc->procs[p].n_prims == pnp[p] &&
              sc->procs[p].first_shared == pfs[p] && sc->procs[p].n_shared == pns[p],
              "process %d objects [%d,+%d) shared [%d,+%d)", p, sc->procs[p].first_prim, sc->procs[p].n_prims,
              sc->procs[p].first_shared, sc->procs[p].n_shared);
    }
    CHECK_EQ(sc->n_pools, 0);
    CHECK_EQ(sc->n_threads, 5); /* a, b2, t, then the fork children's */

    /* Thread a: `with` is flattened to acquire, body, release. */
    enum { NB = SIM_OPF_NONBLOCKING, CB = SIM_OPF_CALL_BETWEEN };
    CHECK_EQ(sc->threads[0].prog_len, 29);
    check_op(sc, 0, 0, SIM_OP_ACQUIRE, 0, -1, 0, 0);
    check_op(sc, 0, 1, SIM_OP_ACQUIRE, 2, 1 * MS, 0, 0);
    check_op(sc, 0, 2, SIM_OP_ACQUIRE, 1, -1, NB, 0);
    check_op(sc, 0, 3, SIM_OP_ACQUIRE, 3, 0, 0, 0);
    check_op(sc, 0, 4, SIM_OP_RELEASE, 0, -1, 0, 0);
    check_op(sc, 0, 5, SIM_OP_ACQUIRE, 13, -1, SIM_OPF_WITH, 0); /* with cv: its own RLock */
    check_op(sc, 0, 6, SIM_OP_WAIT, 5, 2 * MS, 0, 0);
    check_op(sc, 0, 7, SIM_OP_NOTIFY, 5, -1, 0, 3);
    check_op(sc, 0, 8, SIM_OP_NOTIFY, 5, -1, 0, 0);
    check_op(sc, 0, 9, SIM_OP_RELEASE, 13, -1, 0, 0);
    check_op(sc, 0, 10, SIM_OP_ACQUIRE, 0, -1, SIM_OPF_WITH, 0); /* with cv2: its lock l */
    check_op(sc, 0, 11, SIM_OP_RELEASE, 0, -1, 0, 0);
    check_op(sc, 0, 12, SIM_OP_REPEAT, -1, -1, 0, 2);
    CHECK_EQ(op_at(sc, 0, 12)->body_len, 3);
    check_op(sc, 0, 13, SIM_OP_ACQUIRE, 0, -1, SIM_OPF_WITH, 0);
    check_op(sc, 0, 14, SIM_OP_INCREMENT, 0, -1, CB, 0);
    check_op(sc, 0, 15, SIM_OP_RELEASE, 0, -1, 0, 0);
    check_op(sc, 0, 16, SIM_OP_SET, 4, -1, 0, 0);
    check_op(sc, 0, 17, SIM_OP_CLEAR, 4, -1, 0, 0);
    check_op(sc, 0, 18, SIM_OP_WAIT, 4, -1, 0, 0);
    check_op(sc, 0, 19, SIM_OP_WAIT, 7, -1, 0, 0);
    check_op(sc, 0, 20, SIM_OP_PUT, 8, 3 * MS, 0, 0);
    check_op(sc, 0, 21, SIM_OP_GET, 8, -1, 0, 0);
    check_op(sc, 0, 22, SIM_OP_PUT, 9, -1, 0, 0);
    check_op(sc, 0, 23, SIM_OP_GET, 9, 4 * MS, 0, 0);
    check_op(sc, 0, 24, SIM_OP_PUT, 17, -1, 0, 0);
    check_op(sc, 0, 25, SIM_OP_GET, 18, -1, 0, 0);
    check_op(sc, 0, 26, SIM_OP_INCREMENT, 1, -1, 0, 0);
    check_op(sc, 0, 27, SIM_OP_JOIN, -1, 10 * MS, 0, 0);
    CHECK(op_at(sc, 0, 27)->target_kind == SIM_TARGET_THREAD && op_at(sc, 0, 27)->target == 1, "join b2");
    CHECK(op_at(sc, 0, 28)->kind == SIM_OP_FORK && op_at(sc, 0, 28)->target == 2, "fork kid");
    CHECK(op_at(sc, 0, 20)->dur.kind == SIM_DIST_FIXED && op_at(sc, 0, 20)->dur.a == 0,
          "a queue put takes no transfer");
    CHECK(op_at(sc, 0, 22)->dur.kind == SIM_DIST_UNIFORM && op_at(sc, 0, 22)->dur.a == 1 * US &&
          op_at(sc, 0, 22)->dur.b == 2 * US, "a pipe send's transfer distribution");
    CHECK(op_at(sc, 0, 24)->dur.kind == SIM_DIST_FIXED && op_at(sc, 0, 24)->dur.a == 7 * US, "transfer 7us");
    CHECK(op_at(sc, 0, 6)->dur.a == 0 && op_at(sc, 0, 5)->target == -1, "sync ops carry no duration or target");

    /* Thread t of "other": its own l and count, then the "ipc" queue. */
    CHECK_EQ(sc->threads[2].process, 1);
    check_op(sc, 2, 0, SIM_OP_ACQUIRE, 15, -1, 0, 0);
    check_op(sc, 2, 1, SIM_OP_INCREMENT, 2, -1, 0, 0);
    check_op(sc, 2, 2, SIM_OP_WAIT, 16, -1, 0, 0);
    check_op(sc, 2, 3, SIM_OP_GET, 17, -1, 0, 0);
    check_op(sc, 2, 4, SIM_OP_JOIN, -1, -1, 0, 0);
    CHECK(op_at(sc, 2, 4)->target_kind == SIM_TARGET_PROCESS && op_at(sc, 2, 4)->target == 2, "join kid");

    /* The fork children name main's objects. */
    CHECK(sc->threads[3].process == 2 && sc->threads[4].process == 3, "fork children's threads");
    check_op(sc, 3, 0, SIM_OP_ACQUIRE, 13, -1, SIM_OPF_WITH, 0);
    check_op(sc, 3, 1, SIM_OP_RELEASE, 13, -1, 0, 0);
    check_op(sc, 3, 2, SIM_OP_INCREMENT, 0, -1, 0, 0);
    check_op(sc, 3, 3, SIM_OP_PUT, 10, -1, 0, 0);
    check_op(sc, 3, 4, SIM_OP_PUT, 17, -1, 0, 0);
    check_op(sc, 4, 0, SIM_OP_ACQUIRE, 1, -1, 0, 0);
    sim_scenario_destroy(sc);

    /* "ipc" alone, and objects in a process declared after the one using "ipc". */
    sc = load("{\"name\": \"x\", \"ipc\": {\"w\": \"pipe\"}, \"processes\": [\n"
              "  {\"name\": \"a\", \"threads\": [{\"name\": \"t\", \"program\": [{\"send\": \"w\"}]}]},\n"
              "  {\"name\": \"b\", \"sync\": {\"w\": \"event\"}, \"threads\": [{\"name\": \"t\", \"program\": "
              "[{\"wait\": \"w\"}]}]}]}", NULL, 0);
    if (sc) {
        CHECK(sc->n_prims == 2 && sc->prims[0].kind == SIM_PRIM_EVENT && sc->prims[1].process == -1,
              "b's event, then the pipe");
        CHECK(sc->procs[0].first_prim == 0 && sc->procs[0].n_prims == 0 && sc->procs[1].first_prim == 0 &&
              sc->procs[1].n_prims == 1, "ranges");
        check_op(sc, 0, 0, SIM_OP_PUT, 1, -1, 0, 0);
        check_op(sc, 1, 0, SIM_OP_WAIT, 0, -1, 0, 0); /* a process's own name hides an "ipc" one */
        sim_scenario_destroy(sc);
    }

    /* Overrides reach objects like any other value. */
    static const char *const ov[] = {"processes.0.sync.s.value=7", "processes.0.sync.extra=rlock",
                                     "processes.0.shared.count=9"};
    sc = load(SYNC, ov, 3);
    if (sc) {
        CHECK(sc->prims[2].value == 7 && sc->shared[0].initial == 9, "values set by --set");
        CHECK(sc->n_prims == 20 && strcmp(sc->prims[13].name, "extra") == 0 &&
              sc->prims[13].kind == SIM_PRIM_RLOCK && sc->prims[5].lock == 14, "an object added by --set");
        sim_scenario_destroy(sc);
    }
}

static const char POOLS[] =
    "{\n"
    "  \"name\": \"pools\",\n"
    "  \"python\": {\"version\": \"3.14\"},\n"
    "  \"ipc\": {\"out\": \"mp_queue\"},\n"
    "  \"processes\": [\n"
    "    {\"name\": \"ForkServerPoolWorker\", \"start\": \"manual\",\n"
    "     \"threads\": [{\"name\": \"x\", \"program\": []}]},\n"
    "    {\"name\": \"main\", \"sync\": {\"l\": \"lock\", \"cv\": \"condition\"}, \"shared\": {\"n\": 0},\n"
    "     \"threads\": [{\"name\": \"m\", \"program\": [\n"
    "        {\"thread_pool\": {\"workers\": 3, \"tasks\": 10,\n"
    "                         \"task\": [{\"with\": \"cv\", \"do\": [{\"increment\": \"n\"}]}, {\"cpu\": \"1ms\"}]}},\n"
    "        {\"process_pool\": {\"workers\": 2, \"tasks\": 7,\n"
    "                          \"task\": [{\"repeat\": 2, \"do\": [{\"cpu\": \"1ms\"}]}, {\"put\": \"out\"}]}},\n"
    "        {\"process_pool\": {\"workers\": 1, \"tasks\": 0, \"chunksize\": 3, \"start_method\": \"spawn\",\n"
    "                          \"task\": []}},\n"
    "        {\"fork\": {\"program\": [\n"
    "          {\"thread_pool\": {\"workers\": 1, \"tasks\": 1, \"task\": [{\"acquire\": \"l\"}]}}]}},\n"
    "        {\"repeat\": 2, \"do\": [\n"
    "          {\"process_pool\": {\"workers\": 4, \"tasks\": 4, \"start_method\": \"fork\", \"task\": []}}]}\n"
    "      ]}]}\n"
    "  ]\n"
    "}\n";

static void check_pool(const SimScenario *sc, int k, bool processes, int workers, uint32_t tasks, uint32_t chunksize,
                       int method, int worker_thread, int worker_process, uint32_t task_len)
{
    if (k >= sc->n_pools) {
        CHECK(0, "no pool %d", k);
        return;
    }
    const SimPoolSpec *p = &sc->pools[k];
    CHECK(p->processes == processes && p->workers == workers && p->tasks == tasks && p->chunksize == chunksize &&
          (!processes || p->start_method == method) && p->worker_thread == worker_thread &&
          p->worker_process == worker_process && p->task_len == task_len,
          "pool %d: processes %d workers %d tasks %u chunksize %u method %d thread %d process %d task_len %u", k,
          p->processes, p->workers, p->tasks, p->chunksize, p->start_method, p->worker_thread, p->worker_process,
          p->task_len);
    if (worker_thread < 0 || worker_thread >= sc->n_threads)
        return;
    /* The worker's program: its loop op, then the task. */
    const SimThreadSpec *t = &sc->threads[worker_thread];
    const SimOp *loop = &sc->ops[t->prog_first];
    CHECK(t->prog_len == task_len + 1 && p->task_first == t->prog_first + 1, "pool %d: the task follows the loop op", k);
    CHECK(loop->kind == SIM_OP_POOL && loop->flags == SIM_OPF_POOL_WORKER && loop->obj == k &&
          loop->body_len == task_len, "pool %d: the worker's loop op", k);
    CHECK(!t->daemon && t->manual_start == !processes, "pool %d: worker thread start", k);
    if (processes) {
        const SimProcessSpec *ps = &sc->procs[worker_process];
        CHECK(ps->manual_start && ps->start_method == method && ps->first_thread == worker_thread &&
              ps->n_threads == 1 && ps->n_prims == 0 && ps->n_shared == 0 && t->process == worker_process,
              "pool %d: the worker process template", k);
        CHECK_STREQ(t->name, "MainThread");
    } else {
        char name[48];
        snprintf(name, sizeof(name), "ThreadPoolExecutor-%d", k);
        CHECK_STREQ(t->name, name);
    }
}

static void test_pools(void)
{
    SimScenario *sc = load(POOLS, NULL, 0);
    if (!sc)
        return;
    /* Declared threads, the fork child's, then one worker template per pool. */
    CHECK_EQ(sc->n_pools, 5);
    CHECK_EQ(sc->n_threads, 8);
    CHECK_EQ(sc->n_procs, 6);
    check_pool(sc, 0, false, 3, 10, 0, 0, 3, -1, 4);
    check_pool(sc, 1, true, 2, 7, 0, SIM_START_FORKSERVER, 4, 3, 3);
    check_pool(sc, 2, true, 1, 0, 3, SIM_START_SPAWN, 5, 4, 0);
    check_pool(sc, 3, false, 1, 1, 0, 0, 6, -1, 1);
    check_pool(sc, 4, true, 4, 4, 0, SIM_START_FORK, 7, 5, 0);
    static const char *const pnames[] = {"ForkServerPoolWorker", "main", "main-child", "ForkServerPoolWorker-2",
                                         "SpawnPoolWorker", "ForkPoolWorker"};
    for (int p = 0; p < sc->n_procs && p < 6; p++)
        CHECK_STREQ(sc->procs[p].name, pnames[p]);
    /* Worker templates are outside every process's thread range. */
    CHECK(sc->procs[1].first_thread == 1 && sc->procs[1].n_threads == 1 && sc->procs[2].first_thread == 2 &&
          sc->procs[2].n_threads == 1, "declared and fork-child ranges");
    CHECK(sc->threads[3].process == 1 && sc->threads[6].process == 2,
          "thread pool workers run in the submitter's process");

    /* The submitter's ops. */
    check_op(sc, 1, 0, SIM_OP_POOL, 0, -1, 0, 0);
    check_op(sc, 1, 1, SIM_OP_POOL, 1, -1, 0, 0);
    check_op(sc, 1, 2, SIM_OP_POOL, 2, -1, 0, 0);
    CHECK(op_at(sc, 1, 3)->kind == SIM_OP_FORK && op_at(sc, 1, 3)->target == 2, "the fork");
    check_op(sc, 1, 4, SIM_OP_REPEAT, -1, -1, 0, 2);
    check_op(sc, 1, 5, SIM_OP_POOL, 4, -1, 0, 0);
    check_op(sc, 2, 0, SIM_OP_POOL, 3, -1, 0, 0);
    /* Task ops resolve like the submitter's; a process pool's only in "ipc". */
    check_op(sc, 3, 1, SIM_OP_ACQUIRE, 2, -1, SIM_OPF_WITH, 0); /* cv's own RLock */
    check_op(sc, 3, 2, SIM_OP_INCREMENT, 0, -1, 0, 0);
    check_op(sc, 3, 3, SIM_OP_RELEASE, 2, -1, 0, 0);
    CHECK_EQ(op_at(sc, 3, 4)->kind, SIM_OP_CPU);
    check_op(sc, 4, 1, SIM_OP_REPEAT, -1, -1, 0, 2);
    CHECK_EQ(op_at(sc, 4, 2)->kind, SIM_OP_CPU);
    check_op(sc, 4, 3, SIM_OP_PUT, 3, -1, 0, 0);
    check_op(sc, 6, 1, SIM_OP_ACQUIRE, 0, -1, 0, 0); /* the fork child's pool: main's l */
    uint32_t total = 0;
    for (int t = 0; t < sc->n_threads; t++)
        total += sc->threads[t].prog_len;
    CHECK_EQ(total, sc->n_ops);
    sim_scenario_destroy(sc);

    /* The version's default start method: fork before 3.14. */
    sc = load(PROG("{\"process_pool\": {\"workers\": 1, \"tasks\": 1, \"task\": []}}"), NULL, 0);
    if (sc) {
        check_pool(sc, 0, true, 1, 1, 0, SIM_START_FORK, 1, 1, 0);
        CHECK_STREQ(sc->procs[1].name, "ForkPoolWorker");
        sim_scenario_destroy(sc);
    }
}

/* ---- Errors -------------------------------------------------------------- */

static void test_syntax_errors(void)
{
    EXPECT_ERROR("{\"name\": \"x\",\n \"processes\": [{\"name\": \"main\"",
                 SIM_ERR_PARSE, "t.json:2:31: invalid JSON: unexpected end of input; expected ',' or '}'");
    EXPECT_ERROR("", SIM_ERR_PARSE,
                 "t.json:1:1: invalid JSON: unexpected end of input; the text is empty, expected a JSON object");
    EXPECT_ERROR("{\"name\": \"x\",\n  \"processes\": [1,]}", SIM_ERR_PARSE,
                 "t.json:2:18: invalid JSON: trailing comma before ']'; JSON allows none, expected another "
                 "element or no comma");
    EXPECT_ERROR("{\"name\": \"x\",\n  \"start\": manual}", SIM_ERR_PARSE,
                 "t.json:2:12: invalid JSON: 'manual' is not a JSON value; text needs double quotes, e.g. \"manual\"");
    EXPECT_ERROR("{\"cpu\": 5ms}", SIM_ERR_PARSE,
                 "t.json:1:9: invalid JSON: '5ms' is not a JSON value; text needs double quotes, e.g. \"5ms\"");
    EXPECT_ERROR("{\"name\": \"x\", // a comment\n}", SIM_ERR_PARSE,
                 "t.json:1:15: invalid JSON: comments are not allowed in JSON; use a key starting with '_' instead");
    EXPECT_ERROR("{'name': 'x'}", SIM_ERR_PARSE,
                 "t.json:1:2: invalid JSON: unexpected character '''; JSON strings and keys use double quotes");
    EXPECT_ERROR("{\"name\": \"x} ", SIM_ERR_PARSE,
                 "t.json:1:10: invalid JSON: unterminated string; expected a closing '\"'");
    EXPECT_ERROR("{\"name\": \"x\"} x", SIM_ERR_PARSE,
                 "t.json:1:15: invalid JSON: unexpected character 'x'; expected nothing after the end of the "
                 "JSON document");
    EXPECT_ERROR("{\"name\" \"x\"}", SIM_ERR_PARSE,
                 "t.json:1:9: invalid JSON: unexpected character '\"'; expected ':' after the key");
    EXPECT_ERROR("{\"seed\": 01}", SIM_ERR_PARSE,
                 "t.json:1:10: invalid JSON: number with a leading zero; expected no leading zeros, e.g. 7 "
                 "rather than 07");
    EXPECT_ERROR("{\"a\": \"\\q\"}", SIM_ERR_PARSE,
                 "t.json:1:8: invalid JSON: invalid escape '\\q' in a string; expected one of \\\" \\\\ \\/ \\b "
                 "\\f \\n \\r \\t \\uXXXX");
    EXPECT_ERROR("{\"a\": \"\xff\"}", SIM_ERR_PARSE,
                 "t.json:1:8: invalid JSON: invalid UTF-8 byte 0xff in a string; expected UTF-8 text");
    EXPECT_ERROR("{\"a\": True}", SIM_ERR_PARSE,
                 "t.json:1:7: invalid JSON: 'True' is not a JSON value; expected true, false or null (lower case)");
    EXPECT_ERROR("{\"a\": [1 2]}", SIM_ERR_PARSE,
                 "t.json:1:10: invalid JSON: unexpected character '2'; expected ',' or ']'");

    /* Nesting beyond cJSON's limit is a syntax error, not a crash. */
    char deep[2100];
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    deep[2002] = '\0';
    EXPECT_ERROR(deep, SIM_ERR_PARSE,
                 "t.json:1:1001: invalid JSON: nesting deeper than 1000 levels; expected a flatter document");

    /* An embedded NUL is a syntax error too (load_text takes a length). */
    SimError err;
    SimScenario *sc = NULL;
    int rc = sim_scenario_load_text("t.json", MINIMAL "\0x", strlen(MINIMAL) + 2, NULL, 0, &sc, &err);
    CHECK(rc == SIM_ERR_PARSE && sc == NULL, "embedded NUL");
    char want[200];
    snprintf(want, sizeof(want), "t.json:1:%zu: invalid JSON: unexpected byte 0x00; expected nothing after "
             "the end of the JSON document", strlen(MINIMAL) + 1);
    CHECK_STREQ(err.msg, want);
}

static void test_structure_errors(void)
{
    EXPECT_ERROR("[1]", SIM_ERR_INVALID, "t.json:1:1: /: expected an object (the scenario), got an array");
    EXPECT_ERROR("{\n  \"processes\": []\n}", SIM_ERR_INVALID,
                 "t.json:1:1: /: missing key 'name'; expected a string naming the scenario");
    EXPECT_ERROR("{\"name\": 5}", SIM_ERR_INVALID, "t.json:1:10: /name: expected a string, got a number");
    EXPECT_ERROR("{\"name\": \"\"}", SIM_ERR_INVALID,
                 "t.json:1:10: /name: the name is empty; expected a non-empty string");
    EXPECT_ERROR("{\"name\": \"x\"}", SIM_ERR_INVALID,
                 "t.json:1:1: /: missing key 'processes'; expected an array of processes, e.g. "
                 "[{\"name\": \"main\", \"threads\": [...]}]");
    EXPECT_ERROR("{\"name\": \"x\",\n  \"proceses\": []}", SIM_ERR_INVALID,
                 "t.json:2:3: /proceses: unknown key 'proceses'; did you mean 'processes'?");
    EXPECT_ERROR("{\"name\": \"x\", \"a/b~c\": 1}", SIM_ERR_INVALID,
                 "t.json:1:15: /a~1b~0c: unknown key 'a/b~c'; expected one of name, description, lesson, "
                 "quiz, seed, schema_version, machine, python, ipc, view, processes, profile (or a comment key starting with '_')");
    /* A scenario's own quiz: the question, and the figure that answers. */
    EXPECT_ERROR("{\"name\": \"x\", \"quiz\": {\"answer\": {}}}", SIM_ERR_INVALID,
                 "t.json:1:23: /quiz: missing key 'question'; expected the question the class answers");
    EXPECT_ERROR("{\"name\": \"x\", \"quiz\": {\"question\": \"?\", \"answer\": {\"figure\": \"io.p50\", "
                 "\"tolerance\": -1}}}", SIM_ERR_INVALID,
                 "t.json:1:85: /quiz/answer/tolerance: expected a relative tolerance from 0 to 10 (0.1 is 10%), got "
                 "-1");
    EXPECT_ERROR("{\"name\": \"x\",\n  \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:2:16: /processes: the array is empty; expected at least one process, e.g. "
                 "{\"name\": \"main\", \"threads\": [...]}");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"main\", \"threads\": []}]}", SIM_ERR_INVALID,
                 "t.json:1:57: /processes/0/threads: process 'main' has no threads; expected at least one thread");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"main\"}]}", SIM_ERR_INVALID,
                 "t.json:1:29: /processes/0: missing key 'threads'; expected an array of threads");
    EXPECT_ERROR("{\"name\": \"x\",\n \"machine\": {\"cores\": 2,\n   \"cores\": 0}, \"processes\": []}",
                 SIM_ERR_INVALID, "t.json:3:4: /machine/cores: duplicate key 'cores' (first at line 2)");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"cores\": 0}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:36: /machine/cores: 0 is out of range; expected an integer from 1 to 1024");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"cores\": 2.5}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:36: /machine/cores: 2.5 is not an integer; expected an integer from 1 to 1024");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"cores\": \"4\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:36: /machine/cores: expected an integer from 1 to 1024, got a string");
    EXPECT_ERROR("{\"name\": \"x\", \"seed\": -1, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:23: /seed: -1 is out of range; expected an integer from 0 to 18446744073709551615");
    EXPECT_ERROR("{\"name\": \"x\", \"schema_version\": 2, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:33: /schema_version: schema version 2 is not supported; expected 1");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"version\": 3.10}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:37: /python/version: expected a string such as \"3.12\", got a number; quote the "
                 "version (as a number, 3.10 would be 3.1)");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"version\": \"3.15\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:37: /python/version: '3.15' is not a supported Python version; expected \"2.0\" to "
                 "\"2.7\" or \"3.0\" to \"3.14\"");
    EXPECT_ERROR("{\"name\": \"x\", \"view\": {\"range\": \"40ms\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:33: /view/range: '40ms' is not a range; expected START..END, e.g. \"0ms..40ms\"");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"gil\": \"nogil\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:33: /python/gil: 'nogil' is not a GIL policy; expected \"new\", \"new-noforce\", "
                 "\"old\", \"none\", or \"per-interpreter\"");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"wakeup_policy\": \"lifo\"}, \"processes\": []}",
                 SIM_ERR_INVALID, "t.json:1:44: /machine/wakeup_policy: 'lifo' is not a wakeup policy; expected "
                 "\"random\", \"fifo\", or \"linux-glibc\"");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"switch_interval\": {\"exp\": \"1ms\"}}, \"processes\": []}",
                 SIM_ERR_INVALID, "t.json:1:45: /python/switch_interval: a distribution is not allowed here; "
                 "expected a fixed duration such as \"5ms\" (distributions are allowed in operations and "
                 "in the machine's latencies, e.g. machine.wake_latency)");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"time_slice\": \"0ms\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:41: /machine/time_slice: a zero duration is not allowed here; expected a duration "
                 "> 0, e.g. \"5ms\"");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"ft_overhead\": 0.5}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:41: /python/ft_overhead: 0.5 is out of range; expected a number from 1 to 1000");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"m\", \"start_method\": \"forks\", \"threads\": []}]}",
                 SIM_ERR_INVALID, "t.json:1:59: /processes/0/start_method: 'forks' is not a start method; "
                 "expected \"fork\", \"spawn\", or \"forkserver\"");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"m\", \"threads\": [{\"name\": \"t\", "
                 "\"daemon\": \"yes\", \"program\": []}]}]}", SIM_ERR_INVALID,
                 "t.json:1:79: /processes/0/threads/0/daemon: expected true or false, got a string");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"m\", \"threads\": [{\"name\": \"t\"}]}]}",
                 SIM_ERR_INVALID, "t.json:1:55: /processes/0/threads/0: missing key 'program'; expected an "
                 "array of operations (it may be empty)");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [\n"
                 "  {\"name\": \"main\", \"threads\": [{\"name\": \"w1\", \"program\": []},\n"
                 "                            {\"name\": \"w1\", \"program\": []}]}]}",
                 SIM_ERR_INVALID, "t.json:3:38: /processes/0/threads/1/name: duplicate thread name 'w1' in "
                 "process 'main' (first at line 2)");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [\n"
                 "  {\"name\": \"main\", \"threads\": [{\"name\": \"w1\", \"program\": []}]},\n"
                 "  {\"name\": \"main\", \"threads\": [{\"name\": \"w1\", \"program\": []}]}]}",
                 SIM_ERR_INVALID, "t.json:3:12: /processes/1/name: duplicate process name 'main' (first at line 2)");
}

static void test_program_errors(void)
{
    EXPECT_ERROR(PROG("{\"cpu\": \"1ms\"},\n      {\"io\": \"2ms\"},\n      {\"cpux\": \"1ms\"}"),
                 SIM_ERR_INVALID, "t.json:7:8: /processes/0/threads/0/program/2: unknown operation 'cpux'; "
                 "did you mean 'cpu'?");
    EXPECT_ERROR(PROG("{\"compute\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:5:8: /processes/0/threads/0/program/0: unknown operation 'compute'; expected one of cpu, "
                 "c_call, nogil, io, sleep, repeat, start, join, fork, acquire, release, with, wait, set, clear, "
                 "notify, notify_all, put, get, send, recv, increment, thread_pool, process_pool, terminate, kill, os_exit, poll, branch, assign, call");
    EXPECT_ERROR(PROG("{\"cpu\": \"-5ms\"}"), SIM_ERR_INVALID,
                 "t.json:5:15: /processes/0/threads/0/program/0/cpu: '-5ms' is negative; expected a duration "
                 ">= 0, e.g. \"5ms\"");
    EXPECT_ERROR(PROG("{\"sleep\": -0.5}"), SIM_ERR_INVALID,
                 "t.json:5:17: /processes/0/threads/0/program/0/sleep: -0.5 is negative; expected a duration "
                 ">= 0, e.g. \"5ms\"");
    EXPECT_ERROR(PROG("{\"cpu\": \"5 sec\"}"), SIM_ERR_INVALID,
                 "t.json:5:15: /processes/0/threads/0/program/0/cpu: '5 sec' is not a duration; expected a "
                 "number with a unit ns, us, ms or s, e.g. \"5ms\"");
    EXPECT_ERROR(PROG("{\"cpu\": \"0x10ms\"}"), SIM_ERR_INVALID,
                 "t.json:5:15: /processes/0/threads/0/program/0/cpu: '0x10ms' is not a duration; expected a "
                 "number with a unit ns, us, ms or s, e.g. \"5ms\"");
    EXPECT_ERROR(PROG("{\"io\": true}"), SIM_ERR_INVALID,
                 "t.json:5:14: /processes/0/threads/0/program/0/io: expected a duration such as \"5ms\", got a boolean");
    EXPECT_ERROR(PROG("{\"cpu\": \"1e30s\"}"), SIM_ERR_INVALID,
                 "t.json:5:15: /processes/0/threads/0/program/0/cpu: '1e30s' is too long; expected a duration "
                 "of at most 2^60 ns (about 36.5 years)");
    EXPECT_ERROR(PROG("{\"join\": \"mian\"}"), SIM_ERR_INVALID,
                 "t.json:5:16: /processes/0/threads/0/program/0/join: no thread 'mian' in process 'main' and no "
                 "process 'mian'; did you mean 'main'?");
    EXPECT_ERROR(PROG("{\"join\": \"nobody\"}"), SIM_ERR_INVALID,
                 "t.json:5:16: /processes/0/threads/0/program/0/join: no thread 'nobody' in process 'main' and "
                 "no process 'nobody'; expected the name of a thread of this process or of a process");
    EXPECT_ERROR(PROG("{\"join\": \"w1\"}"), SIM_ERR_INVALID,
                 "t.json:5:16: /processes/0/threads/0/program/0/join: thread 'w1' cannot join itself; expected "
                 "another thread or a process");
    EXPECT_ERROR(PROG("{\"join\": \"main\"}"), SIM_ERR_INVALID,
                 "t.json:5:16: /processes/0/threads/0/program/0/join: a thread cannot join its own process "
                 "'main'; expected another process or a thread");
    EXPECT_ERROR(PROG("{\"start\": \"w1\"}"), SIM_ERR_INVALID,
                 "t.json:5:17: /processes/0/threads/0/program/0/start: thread 'w1' cannot start itself; "
                 "expected another thread or a process");
    EXPECT_ERROR(PROG("{\"cpu\": \"1ms\", \"io\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:5:7: /processes/0/threads/0/program/0: an operation has one kind, got both 'cpu' and "
                 "'io'; expected one operation per object, e.g. [{\"cpu\": \"1ms\"}, {\"io\": \"2ms\"}]");
    EXPECT_ERROR(PROG("{\"cpu\": \"1ms\", \"cpu\": \"2ms\"}"), SIM_ERR_INVALID,
                 "t.json:5:22: /processes/0/threads/0/program/0/cpu: duplicate key 'cpu' (first at line 5)");
    EXPECT_ERROR(PROG("{\"cpu\": \"1ms\", \"for\": 2}"), SIM_ERR_INVALID,
                 "t.json:5:22: /processes/0/threads/0/program/0/for: unknown key 'for' in a cpu operation; "
                 "expected only \"cpu\"");
    EXPECT_ERROR(PROG("{}"), SIM_ERR_INVALID,
                 "t.json:5:7: /processes/0/threads/0/program/0: empty operation; expected one of cpu, c_call, "
                 "nogil, io, sleep, repeat, start, join, fork, acquire, release, with, wait, set, clear, notify, "
                 "notify_all, put, get, send, recv, increment, thread_pool, process_pool, terminate, kill, os_exit, poll, branch, assign, call");
    EXPECT_ERROR(PROG("\"cpu\""), SIM_ERR_INVALID,
                 "t.json:5:7: /processes/0/threads/0/program/0: expected an operation such as {\"cpu\": \"1ms\"}, "
                 "got a string");
    EXPECT_ERROR(PROG("{\"repeat\": -1, \"do\": []}"), SIM_ERR_INVALID,
                 "t.json:5:18: /processes/0/threads/0/program/0/repeat: -1 is out of range; expected an integer "
                 "from 0 to 2147483647");
    EXPECT_ERROR(PROG("{\"repeat\": 3}"), SIM_ERR_INVALID,
                 "t.json:5:7: /processes/0/threads/0/program/0: missing key 'do'; expected the operations to "
                 "repeat, e.g. {\"repeat\": 10, \"do\": [{\"cpu\": \"1ms\"}]}");
    EXPECT_ERROR(PROG("{\"do\": []}"), SIM_ERR_INVALID,
                 "t.json:5:7: /processes/0/threads/0/program/0: 'do' without 'repeat' or 'with'; expected "
                 "{\"repeat\": N, \"do\": [...]} or {\"with\": LOCK, \"do\": [...]}");
    EXPECT_ERROR(PROG("{\"io\": {\"uniform\": [\"40us\", \"10us\"]}}"), SIM_ERR_INVALID,
                 "t.json:5:26: /processes/0/threads/0/program/0/io/uniform: low 40us is greater than high "
                 "10us; expected [LOW, HIGH] with LOW <= HIGH");
    EXPECT_ERROR(PROG("{\"io\": {\"uniform\": [\"40us\"]}}"), SIM_ERR_INVALID,
                 "t.json:5:26: /processes/0/threads/0/program/0/io/uniform: expected [LOW, HIGH], an array of "
                 "two durations, got 1 element");
    EXPECT_ERROR(PROG("{\"io\": {\"exp\": 0}}"), SIM_ERR_INVALID,
                 "t.json:5:22: /processes/0/threads/0/program/0/io/exp: a zero duration is not allowed here; "
                 "expected a duration > 0, e.g. \"5ms\"");
    EXPECT_ERROR(PROG("{\"io\": {\"normal\": \"1ms\"}}"), SIM_ERR_INVALID,
                 "t.json:5:15: /processes/0/threads/0/program/0/io/normal: unknown key 'normal'; expected one "
                 "of uniform, exp (or a comment key starting with '_')");
    EXPECT_ERROR(PROG("{\"fork\": {\"nam\": \"c\", \"program\": []}}"), SIM_ERR_INVALID,
                 "t.json:5:17: /processes/0/threads/0/program/0/fork/nam: unknown key 'nam'; did you mean 'name'?");
    EXPECT_ERROR(PROG("{\"fork\": {\"name\": \"main\", \"program\": []}}"), SIM_ERR_INVALID,
                 "t.json:5:25: /processes/0/threads/0/program/0/fork/name: duplicate process name 'main' "
                 "(first at line 3)");
    /* Only the forking thread exists in the child. */
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"main\", \"threads\": [\n"
                 "  {\"name\": \"a\", \"program\": [{\"fork\": {\"program\": [{\"join\": \"b\"}]}}]},\n"
                 "  {\"name\": \"b\", \"program\": []}]}]}",
                 SIM_ERR_INVALID, "t.json:2:60: /processes/0/threads/0/program/0/fork/program/0/join: no thread "
                 "'b' in process 'main-child' and no process 'b'; expected the name of a thread of this process "
                 "or of a process");

    /* Nested repeats: 16 levels load, 17 do not. */
    char ops[1024] = "", text[2048];
    for (int depth = 16; depth <= 17; depth++) {
        ops[0] = '\0';
        for (int i = 0; i < depth; i++)
            strcat(ops, "{\"repeat\": 2, \"do\": [");
        strcat(ops, "{\"cpu\": 1}");
        for (int i = 0; i < depth; i++)
            strcat(ops, "]}");
        snprintf(text, sizeof(text), PROG("%s"), ops);
        if (depth == 16) {
            SimScenario *sc = load(text, NULL, 0);
            if (sc) {
                CHECK(sc->n_ops == 17 && sc->ops[0].body_len == 16 && sc->ops[15].body_len == 1,
                      "16 nested repeats flatten to 17 ops");
                sim_scenario_destroy(sc);
            }
        } else {
            EXPECT_ERROR(text, SIM_ERR_INVALID,
                         "t.json:5:343: /processes/0/threads/0/program/0/do/0/do/0/do/0/do/0/do/0/do/0/do/0/do/0/"
                         "do/0/do/0/do/0/do/0/do/0/do/0/do/0/do/0: repeat nested 17 levels deep; expected at "
                         "most 16 levels");
        }
    }

    /* start needs a manual target, found anywhere in the file. */
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [\n"
                 "  {\"name\": \"main\", \"threads\": [{\"name\": \"a\", \"program\": [{\"start\": \"b\"}]},\n"
                 "                              {\"name\": \"b\", \"program\": []}]}]}",
                 SIM_ERR_INVALID, "t.json:2:68: /processes/0/threads/0/program/0/start: thread 'b' starts with "
                 "its process; declare it with \"start\": \"manual\" to start it here");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [\n"
                 "  {\"name\": \"main\", \"threads\": [{\"name\": \"a\", \"program\": [{\"start\": \"p2\"}]}]},\n"
                 "  {\"name\": \"p2\", \"threads\": [{\"name\": \"b\", \"program\": []}]}]}",
                 SIM_ERR_INVALID, "t.json:2:68: /processes/0/threads/0/program/0/start: process 'p2' starts with "
                 "the run; declare it with \"start\": \"manual\" to start it here");
    EXPECT_ERROR(PROG("{\"join\": \"main-child\"}, {\"start\": \"main-child\"}, {\"fork\": {\"program\": []}}"),
                 SIM_ERR_INVALID, "t.json:5:41: /processes/0/threads/0/program/1/start: process 'main-child' is "
                 "created by the fork at line 5 and cannot be started; expected a process declared with "
                 "\"start\": \"manual\"");
}

/* A one-thread scenario with objects: "sync" at line 4, column 13; the ops
 * at line 7, column 7. */
#define SPROG(sync, ops)                                                                           \
    "{\n"                                                                                          \
    "  \"name\": \"t\",\n"                                                                         \
    "  \"processes\": [{\"name\": \"main\",\n"                                                     \
    "    \"sync\": " sync ",\n"                                                                    \
    "    \"shared\": {\"count\": 0},\n"                                                            \
    "    \"threads\": [{\"name\": \"w1\", \"program\": [\n"                                        \
    "      " ops "\n"                                                                              \
    "    ]}]}]\n"                                                                                  \
    "}\n"

#define OBJS "{\"l\": \"lock\", \"ev\": \"event\", \"cv\": \"condition\", \"q\": \"queue\"}"

static void test_sync_errors(void)
{
    /* Names that are not there. */
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"lk\"}"), SIM_ERR_INVALID,
                 "t.json:7:19: /processes/0/threads/0/program/0/acquire: no object 'lk' in process 'main'; "
                 "expected one of l, ev, cv, q");
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"mutex\"}"), SIM_ERR_INVALID,
                 "t.json:7:19: /processes/0/threads/0/program/0/acquire: no object 'mutex' in process 'main'; "
                 "expected one of l, ev, cv, q");
    EXPECT_ERROR(SPROG("{}", "{\"release\": \"nope\"}"), SIM_ERR_INVALID,
                 "t.json:7:19: /processes/0/threads/0/program/0/release: no object 'nope' in process 'main'; "
                 "none are declared under \"sync\"; declare it there for this process's threads, e.g. "
                 "\"sync\": {\"nope\": \"lock\"}, or once under the top-level \"ipc\" to share it between "
                 "processes, e.g. \"ipc\": {\"nope\": \"lock\"}");
    EXPECT_ERROR(SPROG(OBJS, "{\"increment\": \"counter\"}"), SIM_ERR_INVALID,
                 "t.json:7:21: /processes/0/threads/0/program/0/increment: no shared variable 'counter' in "
                 "process 'main'; expected one of count");
    EXPECT_ERROR(PROG("{\"increment\": \"x\"}"), SIM_ERR_INVALID,
                 "t.json:5:21: /processes/0/threads/0/program/0/increment: no shared variable 'x' in process "
                 "'main'; none are declared under \"shared\"; declare it there, e.g. \"shared\": {\"x\": 0}");
    EXPECT_ERROR(SPROG(OBJS, "{\"wait\": 3}"), SIM_ERR_INVALID,
                 "t.json:7:16: /processes/0/threads/0/program/0/wait: expected the name of an event, condition "
                 "or barrier, got a number");
    EXPECT_ERROR(SPROG(OBJS, "{\"set\": \"\"}"), SIM_ERR_INVALID,
                 "t.json:7:15: /processes/0/threads/0/program/0/set: the name is empty; expected the name of "
                 "an event");

    /* The wrong kind of object, for each family of operations. */
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"ev\"}"), SIM_ERR_INVALID,
                 "t.json:7:19: /processes/0/threads/0/program/0/acquire: 'ev' is an event; acquire needs a "
                 "lock, rlock, semaphore or bounded_semaphore");
    EXPECT_ERROR(SPROG(OBJS, "{\"release\": \"cv\"}"), SIM_ERR_INVALID,
                 "t.json:7:19: /processes/0/threads/0/program/0/release: 'cv' is a condition; release needs a "
                 "lock, rlock, semaphore or bounded_semaphore (to hold a condition's lock, use {\"with\": "
                 "\"cv\", \"do\": [...]})");
    EXPECT_ERROR(SPROG(OBJS, "{\"with\": \"q\", \"do\": []}"), SIM_ERR_INVALID,
                 "t.json:7:16: /processes/0/threads/0/program/0/with: 'q' is a queue; with needs a lock, "
                 "rlock, semaphore, bounded_semaphore or condition");
    EXPECT_ERROR(SPROG(OBJS, "{\"wait\": \"l\"}"), SIM_ERR_INVALID,
                 "t.json:7:16: /processes/0/threads/0/program/0/wait: 'l' is a lock; wait needs an event, "
                 "condition or barrier");
    EXPECT_ERROR(SPROG(OBJS, "{\"set\": \"cv\"}"), SIM_ERR_INVALID,
                 "t.json:7:15: /processes/0/threads/0/program/0/set: 'cv' is a condition; set needs an event");
    EXPECT_ERROR(SPROG(OBJS, "{\"clear\": \"count\"}"), SIM_ERR_INVALID,
                 "t.json:7:17: /processes/0/threads/0/program/0/clear: 'count' is a shared variable; clear "
                 "needs an event");
    EXPECT_ERROR(SPROG(OBJS, "{\"notify\": \"ev\"}"), SIM_ERR_INVALID,
                 "t.json:7:18: /processes/0/threads/0/program/0/notify: 'ev' is an event; notify needs a "
                 "condition");
    EXPECT_ERROR(SPROG(OBJS, "{\"notify_all\": \"l\"}"), SIM_ERR_INVALID,
                 "t.json:7:22: /processes/0/threads/0/program/0/notify_all: 'l' is a lock; notify_all needs a "
                 "condition");
    EXPECT_ERROR(SPROG(OBJS, "{\"put\": \"l\"}"), SIM_ERR_INVALID,
                 "t.json:7:15: /processes/0/threads/0/program/0/put: 'l' is a lock; put needs a queue, pipe or "
                 "mp_queue");
    EXPECT_ERROR(SPROG(OBJS, "{\"recv\": \"ev\"}"), SIM_ERR_INVALID,
                 "t.json:7:16: /processes/0/threads/0/program/0/recv: 'ev' is an event; recv needs a queue, "
                 "pipe or mp_queue");
    EXPECT_ERROR(SPROG(OBJS, "{\"increment\": \"l\"}"), SIM_ERR_INVALID,
                 "t.json:7:21: /processes/0/threads/0/program/0/increment: 'l' is a lock; increment needs a "
                 "variable (declared under \"shared\" or \"local\", or a value or array under \"ipc\")");

    /* Modifiers. */
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"l\", \"blocking\": false, \"timeout\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:54: /processes/0/threads/0/program/0/timeout: can't specify a timeout for a "
                 "non-blocking call (CPython raises ValueError); expected either \"timeout\" or \"blocking\": "
                 "false");
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"l\", \"timout\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:24: /processes/0/threads/0/program/0/timout: unknown key 'timout' in an acquire "
                 "operation; did you mean 'timeout'?");
    EXPECT_ERROR(SPROG(OBJS, "{\"release\": \"l\", \"timeout\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:24: /processes/0/threads/0/program/0/timeout: unknown key 'timeout' in a release "
                 "operation; expected only \"release\"");
    EXPECT_ERROR(SPROG(OBJS, "{\"get\": \"q\", \"transfer\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:20: /processes/0/threads/0/program/0/transfer: unknown key 'transfer' in a get "
                 "operation; expected only \"get\" and \"timeout\"");
    EXPECT_ERROR(SPROG(OBJS, "{\"put\": \"q\", \"transfer\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:32: /processes/0/threads/0/program/0/transfer: 'q' is a queue; \"transfer\" is the "
                 "time a payload takes through a pipe, so it applies only to a pipe or mp_queue");
    EXPECT_ERROR(SPROG(OBJS, "{\"notify\": \"cv\", \"n\": 0}"), SIM_ERR_INVALID,
                 "t.json:7:29: /processes/0/threads/0/program/0/n: 0 is out of range; expected an integer from "
                 "1 to 2147483647");
    EXPECT_ERROR(SPROG(OBJS, "{\"wait\": \"ev\", \"timeout\": \"-1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:33: /processes/0/threads/0/program/0/timeout: '-1ms' is negative; expected a "
                 "duration >= 0, e.g. \"5ms\"");
    EXPECT_ERROR(SPROG(OBJS, "{\"acquire\": \"l\", \"blocking\": 0}"), SIM_ERR_INVALID,
                 "t.json:7:36: /processes/0/threads/0/program/0/blocking: expected true or false, got a number");
    EXPECT_ERROR(SPROG(OBJS, "{\"timeout\": \"1ms\"}"), SIM_ERR_INVALID,
                 "t.json:7:7: /processes/0/threads/0/program/0: 'timeout' without an operation; expected it "
                 "beside one of join, acquire, wait, put, get, send, recv");
    EXPECT_ERROR(SPROG(OBJS, "{\"with\": \"l\"}"), SIM_ERR_INVALID,
                 "t.json:7:7: /processes/0/threads/0/program/0: missing key 'do'; expected the operations to "
                 "run while holding it, e.g. {\"with\": \"lock\", \"do\": [{\"cpu\": \"1ms\"}]}");
    EXPECT_ERROR(SPROG(OBJS, "{\"with\": \"l\", \"do\": [{\"wiat\": \"ev\"}]}"), SIM_ERR_INVALID,
                 "t.json:7:29: /processes/0/threads/0/program/0/do/0: unknown operation 'wiat'; did you mean "
                 "'wait'?");

    /* Declarations. */
    EXPECT_ERROR(SPROG("{\"s\": {\"type\": \"semaphore\", \"value\": -1}}", ""), SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/s/value: -1 is negative; expected an integer from 0 to "
                 "2147483647 (Python raises ValueError: semaphore initial value must be >= 0)");
    EXPECT_ERROR(SPROG("{\"b\": {\"type\": \"barrier\", \"parties\": 0}}", ""), SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/b/parties: 0 is out of range; expected an integer from 1 to "
                 "2147483647");
    EXPECT_ERROR(SPROG("{\"b\": \"barrier\"}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/b: a barrier needs its number of parties; expected {\"type\": "
                 "\"barrier\", \"parties\": N}");
    EXPECT_ERROR(SPROG("{\"b\": {\"type\": \"barrier\"}}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/b: missing key 'parties'; expected the number of threads that "
                 "wait for each other, e.g. {\"type\": \"barrier\", \"parties\": 3}");
    EXPECT_ERROR(SPROG("{\"cv\": {\"type\": \"condition\", \"lock\": \"ev\"}, \"ev\": \"event\"}", ""),
                 SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/cv/lock: 'ev' is an event; a condition's lock must be a lock "
                 "or rlock");
    EXPECT_ERROR(SPROG("{\"cv\": {\"type\": \"condition\", \"lock\": \"count\"}}", ""), SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/cv/lock: 'count' is a shared variable; a condition's lock "
                 "must be a lock or rlock declared under \"sync\"");
    EXPECT_ERROR(SPROG("{\"cv\": {\"type\": \"condition\", \"lock\": \"lk\"}, \"lock\": \"rlock\"}", ""),
                 SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/cv/lock: no lock 'lk' under \"sync\" of process 'main'; "
                 "expected one of its locks and rlocks: lock");
    EXPECT_ERROR(SPROG("{\"cv\": {\"type\": \"condition\", \"lock\": \"x\"}}", ""), SIM_ERR_INVALID,
                 "t.json:4:50: /processes/0/sync/cv/lock: no lock 'x' under \"sync\" of process 'main'; none "
                 "is declared; declare it there, e.g. \"x\": \"lock\", or leave \"lock\" out to give the "
                 "condition its own RLock");
    EXPECT_ERROR(SPROG("{\"l\": \"Lock\"}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/l: 'Lock' is not a synchronization type; did you mean 'lock'?");
    EXPECT_ERROR(SPROG("{\"l\": \"mutex\"}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/l: 'mutex' is not a synchronization type; expected one of "
                 "lock, rlock, semaphore, bounded_semaphore, event, condition, barrier, queue, pipe, mp_queue, manager");
    EXPECT_ERROR(SPROG("{\"l\": 1}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/l: expected a type such as \"lock\" or an object such as "
                 "{\"type\": \"semaphore\", \"value\": 3}, got a number");
    EXPECT_ERROR(SPROG("{\"l\": {\"value\": 1}}", ""), SIM_ERR_INVALID,
                 "t.json:4:19: /processes/0/sync/l: missing key 'type'; expected the object's type, e.g. "
                 "{\"type\": \"semaphore\", \"value\": 3}");
    EXPECT_ERROR(SPROG("{\"s\": {\"type\": \"semaphore\", \"maxsize\": 1}}", ""), SIM_ERR_INVALID,
                 "t.json:4:41: /processes/0/sync/s/maxsize: unknown key 'maxsize' in a semaphore; expected "
                 "only \"type\" and \"value\"");
    EXPECT_ERROR(SPROG("{\"l\": {\"type\": \"lock\", \"vlaue\": 1}}", ""), SIM_ERR_INVALID,
                 "t.json:4:36: /processes/0/sync/l/vlaue: unknown key 'vlaue' in a lock; expected only \"type\"");
    EXPECT_ERROR(SPROG("{\"q\": {\"type\": \"queue\", \"maxsize\": 1.5}}", ""), SIM_ERR_INVALID,
                 "t.json:4:48: /processes/0/sync/q/maxsize: 1.5 is not an integer; expected an integer from 0 "
                 "to 2147483647");
    EXPECT_ERROR(SPROG("{\"count\": \"lock\"}", ""), SIM_ERR_INVALID,
                 "t.json:5:16: /processes/0/shared/count: duplicate object name 'count' in process 'main' "
                 "(first under \"sync\" at line 4); expected names unique across \"sync\", \"shared\" and \"local\"");
    EXPECT_ERROR(SPROG("{\"l\": \"lock\",\n             \"l\": \"rlock\"}", ""), SIM_ERR_INVALID,
                 "t.json:5:14: /processes/0/sync/l: duplicate key 'l' (first at line 4)");
    EXPECT_ERROR(SPROG("{\"\": \"lock\"}", ""), SIM_ERR_INVALID,
                 "t.json:4:14: /processes/0/sync/: the name is empty; expected a non-empty name");
    EXPECT_ERROR(SPROG("[\"lock\"]", ""), SIM_ERR_INVALID,
                 "t.json:4:13: /processes/0/sync: expected an object naming synchronization objects, e.g. "
                 "{\"lock\": \"lock\", \"ready\": \"event\"}, got an array");
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"m\", \"shared\": {\"n\": 0.5},\n"
                 "  \"threads\": [{\"name\": \"t\", \"program\": []}]}]}", SIM_ERR_INVALID,
                 "t.json:1:59: /processes/0/shared/n: 0.5 is not an integer; expected an integer from "
                 "-9007199254740991 to 9007199254740991");
    /* "shared" first: the name in "sync" is the duplicate. */
    EXPECT_ERROR("{\"name\": \"x\", \"processes\": [{\"name\": \"m\", \"shared\": {\"n\": 0},\n"
                 "  \"sync\": {\"n\": \"lock\"}, \"threads\": [{\"name\": \"t\", \"program\": []}]}]}",
                 SIM_ERR_INVALID,
                 "t.json:2:12: /processes/0/sync/n: duplicate object name 'n' in process 'm' (first under "
                 "\"shared\" at line 1); expected names unique across \"sync\", \"shared\" and \"local\"");
    /* A queue.Queue lives in one process: the advice names multiprocessing's. */
    EXPECT_ERROR("{\"name\": \"x\", \"ipc\": {\"q\": \"queue\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:28: /ipc/q: a queue.Queue lives in one process; for a queue between processes declare "
                 "an \"mp_queue\" (multiprocessing.Queue) here, or declare the queue under the \"sync\" of the "
                 "process whose threads use it");
    EXPECT_ERROR("{\"name\": \"x\", \"ipc\": {\"c\": {\"type\": \"condition\"}}, \"processes\": []}",
                 SIM_ERR_INVALID,
                 "t.json:1:37: /ipc/c/type: a condition cannot be in \"ipc\" in this version of gilsim; \"ipc\" "
                 "holds what processes share: pipes, mp_queues, managers, values, arrays, and the locks, rlocks, "
                 "semaphores, bounded_semaphores and events of multiprocessing; declare it under the \"sync\" of "
                 "the process that uses it");
    EXPECT_ERROR("{\"name\": \"x\", \"ipc\": {\"q\": {\"type\": \"mp_queue\", \"maxsize\": -1}}, \"processes\": []}",
                 SIM_ERR_INVALID,
                 "t.json:1:60: /ipc/q/maxsize: -1 is out of range; expected an integer from 0 to 2147483647");
    EXPECT_ERROR("{\"name\": \"x\", \"ipc\": {\"q\": \"pipe\", \"q\": \"pipe\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:36: /ipc/q: duplicate key 'q' (first at line 1)");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"pipe_latency\": \"-1us\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:43: /machine/pipe_latency: '-1us' is negative; expected a duration >= 0, e.g. "
                 "\"5ms\"");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"pickle_costs\": \"1us\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:26: /python/pickle_costs: unknown key 'pickle_costs'; did you mean 'pickle_cost'?");
    static const char *const neg[] = {"processes.0.sync.s={\"type\": \"semaphore\", \"value\": -2}"};
    EXPECT_ERROR_SET(SPROG(OBJS, ""), neg, SIM_ERR_INVALID,
                 "--set processes.0.sync.s={\"type\": \"semaphore\", \"value\": -2}: "
                 "/processes/0/sync/s/value: -2 is negative; expected an integer from 0 to 2147483647 (Python "
                 "raises ValueError: semaphore initial value must be >= 0)");

    /* Pools. */
    EXPECT_ERROR(SPROG(OBJS, "{\"process_pool\": {\"workers\": 2, \"tasks\": 4, \"task\": [{\"put\": \"q\"}]}}"),
                 SIM_ERR_INVALID,
                 "t.json:7:68: /processes/0/threads/0/program/0/process_pool/task/0/put: 'q' belongs to "
                 "process 'main', but a process pool's task runs in another process; only \"ipc\" objects are "
                 "shared with it");
    EXPECT_ERROR(SPROG(OBJS, "{\"process_pool\": {\"workers\": 2, \"tasks\": 4, \"task\": [{\"increment\": "
                             "\"count\"}]}}"), SIM_ERR_INVALID,
                 "t.json:7:74: /processes/0/threads/0/program/0/process_pool/task/0/increment: 'count' belongs "
                 "to process 'main', but a process pool's task runs in another process; only \"ipc\" objects "
                 "are shared with it");
    EXPECT_ERROR(SPROG(OBJS, "{\"process_pool\": {\"workers\": 2, \"tasks\": 4, \"task\": [{\"get\": \"jobs\"}]}}"),
                 SIM_ERR_INVALID,
                 "t.json:7:68: /processes/0/threads/0/program/0/process_pool/task/0/get: no object 'jobs' in a "
                 "process pool's task; it runs in another process and can use only \"ipc\" objects (pipes and "
                 "mp_queues), and none are declared");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": {\"workers\": 2, \"tasks\": 4, \"task\": [{\"fork\": "
                             "{\"program\": []}}]}}"), SIM_ERR_INVALID,
                 "t.json:7:68: /processes/0/threads/0/program/0/thread_pool/task/0/fork: 'fork' is not "
                 "supported in a pool's task; expected the task's own work: cpu, c_call, nogil, io, sleep, "
                 "repeat, with and the synchronization operations");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": {\"workers\": 0, \"tasks\": 4, \"task\": []}}"), SIM_ERR_INVALID,
                 "t.json:7:35: /processes/0/threads/0/program/0/thread_pool/workers: 0 is out of range; "
                 "expected an integer from 1 to 100000");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": {\"tasks\": 4, \"task\": []}}"), SIM_ERR_INVALID,
                 "t.json:7:23: /processes/0/threads/0/program/0/thread_pool: missing key 'workers'; expected "
                 "the number of worker threads, e.g. {\"workers\": 2, \"tasks\": 8, \"task\": [{\"io\": "
                 "\"5ms\"}]}");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": {\"workers\": 1, \"tasks\": 4, \"chunksize\": 2, \"task\": []}}"),
                 SIM_ERR_INVALID,
                 "t.json:7:50: /processes/0/threads/0/program/0/thread_pool/chunksize: unknown key "
                 "'chunksize'; expected one of workers, tasks, task (or a comment key starting with '_')");
    EXPECT_ERROR(SPROG(OBJS, "{\"process_pool\": {\"workers\": 1, \"tasks\": 4, \"start_method\": \"forks\", "
                             "\"task\": []}}"), SIM_ERR_INVALID,
                 "t.json:7:67: /processes/0/threads/0/program/0/process_pool/start_method: 'forks' is not a "
                 "start method; expected \"fork\", \"spawn\", or \"forkserver\"");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": [2, 4]}"), SIM_ERR_INVALID,
                 "t.json:7:23: /processes/0/threads/0/program/0/thread_pool: expected a pool such as "
                 "{\"workers\": 2, \"tasks\": 8, \"task\": [{\"io\": \"5ms\"}]}, got an array");
    EXPECT_ERROR(SPROG(OBJS, "{\"thread_pool\": {\"workers\": 1, \"tasks\": 4, \"task\": {\"cpu\": \"1ms\"}}}"),
                 SIM_ERR_INVALID,
                 "t.json:7:58: /processes/0/threads/0/program/0/thread_pool/task: expected an array of "
                 "operations, got an object");
}

static void test_override_errors(void)
{
    static const char *const bad_value[] = {"python.switch_interval=abc"};
    EXPECT_ERROR_SET(MINIMAL, bad_value, SIM_ERR_INVALID,
                     "--set python.switch_interval=abc: /python/switch_interval: 'abc' is not a duration; "
                     "expected a number with a unit ns, us, ms or s, e.g. \"5ms\"");
    static const char *const malformed[] = {"machine.cores"};
    EXPECT_ERROR_SET(MINIMAL, malformed, SIM_ERR_INVALID,
                     "--set machine.cores: expected KEY=VALUE, e.g. python.switch_interval=1ms");
    static const char *const empty_key[] = {"=4"};
    EXPECT_ERROR_SET(MINIMAL, empty_key, SIM_ERR_INVALID,
                     "--set =4: expected KEY=VALUE, e.g. python.switch_interval=1ms");
    static const char *const empty_seg[] = {"machine..cores=4"};
    EXPECT_ERROR_SET(MINIMAL, empty_seg, SIM_ERR_INVALID,
                     "--set machine..cores=4: expected KEY=VALUE, e.g. python.switch_interval=1ms");
    static const char *const range[] = {"processes.3.name=x"};
    EXPECT_ERROR_SET(MINIMAL, range, SIM_ERR_INVALID,
                     "--set processes.3.name=x: /processes: index 3 is out of range; expected 0 to 0");
    static const char *const not_index[] = {"processes.first.name=x"};
    EXPECT_ERROR_SET(MINIMAL, not_index, SIM_ERR_INVALID,
                     "--set processes.first.name=x: /processes: expected an array index, got 'first'");
    static const char *const through[] = {"name.first=x"};
    EXPECT_ERROR_SET(MINIMAL, through, SIM_ERR_INVALID,
                     "--set name.first=x: /name: expected an object to set 'first' in, got a string");
    static const char *const unknown[] = {"machine.coers=4"};
    EXPECT_ERROR_SET(MINIMAL, unknown, SIM_ERR_INVALID,
                     "--set machine.coers=4: /machine/coers: unknown key 'coers'; did you mean 'cores'?");
    static const char *const created[] = {"gil.policy=old"};
    EXPECT_ERROR_SET(MINIMAL, created, SIM_ERR_INVALID,
                     "--set gil.policy=old: /gil: unknown key 'gil'; expected one of name, description, lesson, "
                     "quiz, seed, schema_version, machine, python, ipc, view, processes, profile (or a comment key starting with '_')");
    static const char *const nested[] = {"machine={\"cores\": 0}"};
    EXPECT_ERROR_SET(MINIMAL, nested, SIM_ERR_INVALID,
                     "--set machine={\"cores\": 0}: /machine/cores: 0 is out of range; expected an integer from 1 "
                     "to 1024");
    static const char *const later_wins[] = {"machine.cores=0", "machine.cores=2000"};
    EXPECT_ERROR_SET(MINIMAL, later_wins, SIM_ERR_INVALID,
                     "--set machine.cores=2000: /machine/cores: 2000 is out of range; expected an integer from 1 "
                     "to 1024");
    static const char *const seed[] = {"seed=-3"};
    EXPECT_ERROR_SET(MINIMAL, seed, SIM_ERR_INVALID,
                     "--set seed=-3: /seed: -3 is out of range; expected an integer from 0 to 18446744073709551615");
    /* The first of two duplicate names came from an override. */
    static const char *const dup[] = {"processes.0.name=p2"};
    EXPECT_ERROR_SET("{\"name\": \"x\", \"processes\": [\n"
                     "  {\"name\": \"main\", \"threads\": [{\"name\": \"w1\", \"program\": []}]},\n"
                     "  {\"name\": \"p2\", \"threads\": [{\"name\": \"w1\", \"program\": []}]}]}",
                     dup, SIM_ERR_INVALID,
                     "t.json:3:12: /processes/1/name: duplicate process name 'p2' (first at --set "
                     "processes.0.name=p2)");
}

static void test_limits(void)
{
    /* 10,001 processes. */
    size_t cap = 10001 * 64 + 64, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "{\"name\": \"big\", \"processes\": [");
    for (int i = 0; i < 10001; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s{\"name\": \"p%d\", \"threads\": [{\"name\": \"t\", "
                                "\"program\": []}]}", i ? "," : "", i);
    snprintf(text + len, cap - len, "]}");
    EXPECT_ERROR(text, SIM_ERR_LIMIT, "t.json:1:30: /processes: 10001 processes; at most 10000 are supported");
    free(text);

    /* 1,000,001 ops in one program (a repeat body counts once). */
    cap = 1000001 * 12 + 256;
    text = malloc(cap);
    len = (size_t)snprintf(text, cap, "{\"name\": \"big\", \"processes\": [{\"name\": \"m\", \"threads\": "
                                      "[{\"name\": \"t\", \"program\": [");
    for (int i = 0; i < 1000001; i++) {
        memcpy(text + len, i ? ",{\"cpu\": 0}" : "{\"cpu\": 0}", i ? 11 : 10);
        len += i ? 11 : 10;
    }
    snprintf(text + len, cap - len, "]}]}]}");
    char want[256];
    snprintf(want, sizeof(want), "t.json:1:%zu: /processes/0/threads/0/program/1000000/cpu: more than 1000000 "
             "operations in all; at most 1000000 are supported (a repeat body counts once)", len - 1);
    EXPECT_ERROR(text, SIM_ERR_LIMIT, want);
    free(text);

    /* 100,001 synchronization objects. */
    cap = 100001 * 24 + 256;
    text = malloc(cap);
    len = (size_t)snprintf(text, cap, "{\"name\": \"big\", \"processes\": [{\"name\": \"m\", \"sync\": {");
    for (int i = 0; i < 100001; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s\"o%d\": \"lock\"", i ? ", " : "", i);
    snprintf(text + len, cap - len, "}, \"threads\": [{\"name\": \"t\", \"program\": []}]}]}");
    snprintf(want, sizeof(want), "t.json:1:%zu: /processes/0/sync/o100000: more than 100000 synchronization objects "
             "(with the RLocks of conditions declared without a lock); at most 100000 are supported",
             (size_t)(strstr(text, "\"o100000\"") - text) + 12);
    EXPECT_ERROR(text, SIM_ERR_LIMIT, want);
    free(text);
}

/* ---- jsonloc ------------------------------------------------------------ */

static void test_jsonloc(void)
{
    static const char t[] = "{\"a\": [1, {\"b/c\": true, \"d~e\": \"x\"}],\n"
                            " \"k\": 1, \"k\": 2, \"\\u00e9\\\"\": null}";
    size_t n = strlen(t), off = 0;
    CHECK(jsonloc_check(t, n, &off, NULL, 0) == 0, "valid text checks");
    CHECK(jsonloc_find(t, n, "", 0, 0, &off) == 0 && off == 0, "root");
    CHECK(jsonloc_find(t, n, "/a/0", 0, 0, &off) == 0 && t[off] == '1', "array element");
    CHECK(jsonloc_find(t, n, "/a/1/b~1c", 0, 0, &off) == 0 && t[off] == 't', "escaped slash");
    CHECK(jsonloc_find(t, n, "/a/1/d~0e", 0, 0, &off) == 0 && t[off] == '"', "escaped tilde");
    CHECK(jsonloc_find(t, n, "/a/1/d~0e", 1, 0, &off) == 0 && strncmp(t + off, "\"d~e\"", 5) == 0,
          "the key of a member");
    CHECK(jsonloc_find(t, n, "/k", 0, 0, &off) == 0 && t[off] == '1', "first duplicate");
    CHECK(jsonloc_find(t, n, "/k", 0, 1, &off) == 0 && t[off] == '2', "second duplicate");
    CHECK(jsonloc_find(t, n, "/k", 0, 2, &off) < 0, "no third duplicate");
    CHECK(jsonloc_find(t, n, "/\xc3\xa9\"", 0, 0, &off) == 0 && t[off] == 'n', "escaped key decoded");
    CHECK(jsonloc_find(t, n, "/a/2", 0, 0, &off) < 0, "index out of range");
    CHECK(jsonloc_find(t, n, "/a/01", 0, 0, &off) < 0, "leading zero is not an index");
    CHECK(jsonloc_find(t, n, "/zz", 0, 0, &off) < 0, "missing key");
    CHECK(jsonloc_find(t, n, "/a/0/x", 0, 0, &off) < 0, "through a scalar");

    int line, col;
    jsonloc_find(t, n, "/k", 1, 0, &off);
    jsonloc_linecol(t, n, off, &line, &col);
    CHECK(line == 2 && col == 2, "line %d col %d", line, col);
    jsonloc_linecol("\xef\xbb\xbf{}", 5, 3, &line, &col);
    CHECK(line == 1 && col == 1, "a byte order mark takes no column (%d:%d)", line, col);

    char why[160];
    CHECK(jsonloc_check("{\"a\": \"\\ud800\"}", 15, &off, why, sizeof(why)) < 0 && off == 7,
          "lone surrogate: %s", why);
    CHECK(jsonloc_check("\xef\xbb\xbf{}", 5, &off, why, sizeof(why)) == 0, "a byte order mark is fine");
    CHECK(jsonloc_check("{\"a\": \"\xc0\xaf\"}", 11, &off, why, sizeof(why)) < 0 && off == 7,
          "overlong UTF-8: %s", why);

    /* Every value of a real scenario is found where it starts. */
    static const char *const ptrs[] = {"/name", "/seed", "/machine/wake_latency/exp",
                                       "/processes/0/threads/0/program/3/do/1/do/0/sleep",
                                       "/processes/0/threads/0/program/8/fork/program/1/fork/name",
                                       "/processes/1/threads/1/program", "/processes/2/threads/0/name"};
    static const char starts[] = {'"', '4', '"', '"', '"', '[', '"'};
    for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
        CHECK(jsonloc_find(FULL, strlen(FULL), ptrs[i], 0, 0, &off) == 0 && FULL[off] == starts[i],
              "found %s", ptrs[i]);
}

/* ---- Robustness ---------------------------------------------------------- */

/* Truncations and byte mutations of a full scenario never crash, never
 * leak, and always fail with a located message (run under ASan in CI). */
static void test_mutations(void)
{
    static const char alphabet[] = "{}[]\",:0123456789-.e tfn\\/umsx\n\x01\xff";
    size_t n = strlen(FULL);
    char *buf = malloc(n + 16);
    int bad = 0, loaded = 0;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t l = 0; l <= n; l++) {
        SimError err;
        SimScenario *sc = NULL;
        int rc = sim_scenario_load_text("t.json", FULL, l, NULL, 0, &sc, &err);
        if (rc == 0) {
            loaded++;
            sim_scenario_destroy(sc);
        } else if (strncmp(err.msg, "t.json:", 7) != 0 || sc) {
            bad++;
        }
    }
    CHECK(loaded == 2, "only the whole text loads, with or without its last newline (%d did)", loaded);
    for (int it = 0; it < 5000; it++) {
        size_t l = n;
        memcpy(buf, FULL, n);
        for (int k = 0; k < 1 + it % 3; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t pos = (size_t)(x % l);
            char ch = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
            if ((x >> 20) % 3 == 0) {
                buf[pos] = ch;
            } else if ((x >> 20) % 3 == 1 && l > 1) {
                memmove(buf + pos, buf + pos + 1, l - pos - 1);
                l--;
            } else if (l < n + 15) {
                memmove(buf + pos + 1, buf + pos, l - pos);
                buf[pos] = ch;
                l++;
            }
        }
        SimError err;
        SimScenario *sc = NULL;
        static const char *const ov[] = {"machine.cores=3", "processes.0.threads.0.daemon=true"};
        int rc = sim_scenario_load_text("t.json", buf, l, ov, it % 3, &sc, &err);
        if (rc == 0) {
            char *cfg = sim_scenario_explain_config(sc);
            free(cfg);
            sim_scenario_destroy(sc);
        } else if ((strncmp(err.msg, "t.json:", 7) != 0 && strncmp(err.msg, "--set ", 6) != 0) || sc ||
                   err.code != rc) {
            bad++;
        }
    }
    CHECK(bad == 0, "%d mutated inputs gave an unlocated error", bad);
    free(buf);
}

/* The same for the objects, operations and pools: byte mutations of SYNC and
 * POOLS, and names swapped for others, so that every lookup and kind check
 * sees objects of every kind. */
static void test_mutations_sync(void)
{
    static const char alphabet[] = "{}[]\",:0123456789-.e tfn\\/lqvcpbrs_\n";
    static const char *const texts[] = {SYNC, POOLS};
    static const char *const names[] = {"l", "r", "s", "b", "ev", "cv", "cv2", "bar", "q", "p", "mq", "cv3",
                                        "count", "total", "results", "wire", "out", "n", "nope"};
    int bad = 0, loaded = 0;
    uint64_t x = 0x2545f4914f6cdd1dULL;
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(texts[k]);
        char *buf = malloc(n + 64);
        for (int it = 0; it < 4000; it++) {
            size_t l = n;
            memcpy(buf, texts[k], n);
            for (int m = 0; m < 1 + it % 3; m++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                size_t pos = (size_t)(x % l);
                char ch = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
                int what = (int)((x >> 20) % 4);
                if (what == 0) {
                    buf[pos] = ch;
                } else if (what == 1 && l > 1) {
                    memmove(buf + pos, buf + pos + 1, l - pos - 1);
                    l--;
                } else if (what == 2 && l < n + 48) {
                    memmove(buf + pos + 1, buf + pos, l - pos);
                    buf[pos] = ch;
                    l++;
                } else {
                    /* Replace the next quoted name with another one. */
                    char *q = memchr(buf + pos, '"', l - pos);
                    char *e = q ? memchr(q + 1, '"', l - (size_t)(q + 1 - buf)) : NULL;
                    const char *nm = names[(x >> 40) % (sizeof(names) / sizeof(names[0]))];
                    size_t old = e ? (size_t)(e - q - 1) : 0, nl = strlen(nm);
                    if (!e || l - old + nl > n + 48)
                        continue;
                    memmove(q + 1 + nl, e, l - (size_t)(e - buf));
                    memcpy(q + 1, nm, nl);
                    l = l - old + nl;
                }
            }
            SimError err;
            SimScenario *sc = NULL;
            int rc = sim_scenario_load_text("t.json", buf, l, NULL, 0, &sc, &err);
            if (rc == 0) {
                loaded++;
                for (int i = 0; i < sc->n_threads; i++)
                    if (sc->threads[i].prog_first + sc->threads[i].prog_len > sc->n_ops)
                        bad++;
                for (uint32_t i = 0; i < sc->n_ops; i++) {
                    const SimOp *op = &sc->ops[i];
                    if (op->kind >= SIM_OP_ACQUIRE && op->kind <= SIM_OP_GET && (op->obj < 0 || op->obj >= sc->n_prims))
                        bad++;
                    if (op->kind == SIM_OP_INCREMENT && (op->obj < 0 || op->obj >= sc->n_shared))
                        bad++;
                    if (op->kind == SIM_OP_POOL && (op->obj < 0 || op->obj >= sc->n_pools))
                        bad++;
                }
                sim_scenario_destroy(sc);
            } else if (strncmp(err.msg, "t.json:", 7) != 0 || sc || err.code != rc || strchr(err.msg, '\n')) {
                bad++;
            }
        }
        free(buf);
    }
    CHECK(bad == 0, "%d mutated inputs gave an unlocated error or an index out of range", bad);
    CHECK(loaded > 100, "some mutations still load (%d)", loaded);
}

int main(void)
{
    test_full();
    test_defaults();
    test_version_defaults();
    test_overrides();
    test_explain_roundtrip();
    test_config_table();
    test_files();
    test_sync_objects();
    test_pools();
    test_syntax_errors();
    test_structure_errors();
    test_program_errors();
    test_sync_errors();
    test_override_errors();
    test_limits();
    test_jsonloc();
    test_mutations();
    test_mutations_sync();
    return test_report();
}
