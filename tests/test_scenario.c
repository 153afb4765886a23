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
    CHECK_EQ(cfg->spawn_cost, 50 * MS);

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

static bool same_config(const SimConfig *a, const SimConfig *b)
{
    return a->seed == b->seed && a->cores == b->cores && a->time_slice == b->time_slice &&
           a->ctx_switch == b->ctx_switch && a->wake_latency.kind == b->wake_latency.kind &&
           a->wake_latency.a == b->wake_latency.a && a->wake_latency.b == b->wake_latency.b &&
           a->wake_policy == b->wake_policy && a->py_major == b->py_major && a->py_minor == b->py_minor &&
           a->gil == b->gil && a->switch_interval == b->switch_interval &&
           a->check_point_gap == b->check_point_gap && a->check_interval == b->check_interval &&
           a->tick_cost == b->tick_cost && a->ft_overhead == b->ft_overhead &&
           a->thread_start_cost == b->thread_start_cost && a->fork_cost == b->fork_cost &&
           a->spawn_cost == b->spawn_cost && a->forkserver_cost == b->forkserver_cost &&
           a->ipc_cost == b->ipc_cost;
}

static void test_defaults(void)
{
    SimConfig def;
    sim_config_defaults(&def);
    CHECK_EQ(def.seed, 1);
    CHECK_EQ(def.cores, 2);
    CHECK_EQ(def.time_slice, 4 * MS);
    CHECK_EQ(def.ctx_switch, 2 * US);
    CHECK(def.wake_latency.kind == SIM_DIST_UNIFORM && def.wake_latency.a == 10 * US &&
          def.wake_latency.b == 40 * US, "wake latency uniform 10us..40us");
    CHECK_EQ(def.wake_policy, SIM_WAKE_RANDOM);
    CHECK(def.py_major == 3 && def.py_minor == 12, "Python 3.12");
    CHECK_EQ(def.gil, SIM_GIL_NEW);
    CHECK_EQ(def.switch_interval, 5 * MS);
    CHECK_EQ(def.check_point_gap, 100);
    CHECK_EQ(def.check_interval, 100);
    CHECK_EQ(def.tick_cost, 15);
    CHECK(def.ft_overhead == 1.08, "ft_overhead 1.08");
    CHECK_EQ(def.thread_start_cost, 100 * US);
    CHECK_EQ(def.fork_cost, 2 * MS);
    CHECK_EQ(def.spawn_cost, 50 * MS);
    CHECK_EQ(def.forkserver_cost, 3 * MS);
    CHECK_EQ(def.ipc_cost, 500 * US);

    SimScenario *sc = load(MINIMAL, NULL, 0);
    if (!sc)
        return;
    CHECK(same_config(&sc->cfg, &def), "a minimal scenario has the default configuration");
    CHECK_STREQ(sim_scenario_description(sc), "");
    CHECK_STREQ(sim_scenario_lesson(sc), "");
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
            CHECK(same_config(&a->cfg, &b->cfg), "config %zu survives explain and reload:\n%s", i, cfg);
            char *cfg2 = sim_scenario_explain_config(b);
            CHECK_STREQ(cfg2, cfg);
            free(cfg2);
            sim_scenario_destroy(b);
        }
        if (i == 0) {
            CHECK(strstr(cfg, "\"time_slice\": \"4ms\"") && strstr(cfg, "\"check_point_gap\": \"100ns\"") &&
                  strstr(cfg, "\"wake_latency\": {\"uniform\": [\"10us\", \"40us\"]}") &&
                  strstr(cfg, "\"ipc_cost\": \"500us\"") && strstr(cfg, "\"version\": \"3.12\"") &&
                  strstr(cfg, "\"gil\": \"new\"") && strstr(cfg, "\"ft_overhead\": 1.08"),
                  "default values print in their shortest form:\n%s", cfg);
        }
        if (i == 2) {
            CHECK(strstr(cfg, "\"seed\": 12345678901234567,") && strstr(cfg, "\"context_switch\": \"1.5us\"") &&
                  strstr(cfg, "\"switch_interval\": \"2.5ms\"") && strstr(cfg, "\"spawn_cost\": \"1234567ns\"") &&
                  strstr(cfg, "\"wake_latency\": \"20us\"") && strstr(cfg, "\"gil\": \"old\""),
                  "values print exactly:\n%s", cfg);
        }
        free(text);
        free(cfg);
        sim_scenario_destroy(a);
    }
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
                 "seed, schema_version, machine, python, processes (or a comment key starting with '_')");
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
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"gil\": \"nogil\"}, \"processes\": []}", SIM_ERR_INVALID,
                 "t.json:1:33: /python/gil: 'nogil' is not a GIL policy; expected \"new\", \"new-noforce\", "
                 "\"old\", or \"none\"");
    EXPECT_ERROR("{\"name\": \"x\", \"machine\": {\"wakeup_policy\": \"lifo\"}, \"processes\": []}",
                 SIM_ERR_INVALID, "t.json:1:44: /machine/wakeup_policy: 'lifo' is not a wakeup policy; expected "
                 "\"random\" or \"fifo\"");
    EXPECT_ERROR("{\"name\": \"x\", \"python\": {\"switch_interval\": {\"exp\": \"1ms\"}}, \"processes\": []}",
                 SIM_ERR_INVALID, "t.json:1:45: /python/switch_interval: a distribution is not allowed here; "
                 "expected a fixed duration such as \"5ms\" (distributions are allowed in operations and "
                 "machine.wake_latency)");
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
                 "expected one of cpu, c_call, nogil, io, sleep, repeat, start, join, fork");
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
                 "below 292 years");
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
                 "nogil, io, sleep, repeat, start, join, fork");
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
                 "t.json:5:7: /processes/0/threads/0/program/0: 'do' without 'repeat'; expected "
                 "{\"repeat\": N, \"do\": [...]}");
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
                     "seed, schema_version, machine, python, processes (or a comment key starting with '_')");
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

int main(void)
{
    test_full();
    test_defaults();
    test_version_defaults();
    test_overrides();
    test_explain_roundtrip();
    test_files();
    test_syntax_errors();
    test_structure_errors();
    test_program_errors();
    test_override_errors();
    test_limits();
    test_jsonloc();
    test_mutations();
    return test_report();
}
