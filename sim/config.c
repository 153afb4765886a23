/*
 * config.c - the configuration parameters (machine.* and python.*): their
 * defaults, their loading, and explain-config.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static const char *const GIL_NAMES[SIM_GIL_POLICY_COUNT] = {"new", "new-noforce", "old", "none",
                                                              "per-interpreter"};
static const char *const WAKE_NAMES[] = {"random", "fifo"};
static const char *const MACHINE_KEYS[] = {
    "cores", "time_slice", "context_switch", "wake_latency", "wakeup_policy", "pipe_latency",
};
static const char *const PYTHON_KEYS[] = {
    "version", "gil", "switch_interval", "check_point_gap", "check_interval", "tick_cost",
    "ft_overhead", "thread_start_cost", "fork_cost", "spawn_cost", "forkserver_cost", "ipc_cost",
    "pickle_cost", "increment_cost", "call_cost", "pool_submit_cost", "old_signal_cost",
    "old_contention_cost", "interp_start_cost",
};

/* ---- Defaults ----------------------------------------------------------- */

void sim_config_defaults(SimConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->cores = 2;
    cfg->time_slice = 4 * NS_PER_MS;
    cfg->ctx_switch = 2 * NS_PER_US;
    cfg->wake_latency.kind = SIM_DIST_UNIFORM;
    cfg->wake_latency.a = 10 * NS_PER_US;
    cfg->wake_latency.b = 40 * NS_PER_US;
    cfg->wake_policy = SIM_WAKE_RANDOM;
    cfg->py_major = 3;
    cfg->py_minor = 12;
    cfg->gil = SIM_GIL_NEW;
    cfg->switch_interval = 5 * NS_PER_MS;
    cfg->check_point_gap = 100;
    cfg->check_interval = 100;
    cfg->tick_cost = 15;
    cfg->ft_overhead = 1.08;
    cfg->thread_start_cost = 100 * NS_PER_US;
    /* Old-GIL costs calibrated on Beazley's countdown (gil-model.md, O1):
     * 7.8 s alone, 11.3 s for two threads on one core, 15.4 s on four. */
    cfg->old_signal_cost = 700;
    cfg->old_contention_cost = 800;
    cfg->interp_start_cost = 2 * NS_PER_MS;
    cfg->fork_cost = 2 * NS_PER_MS;
    cfg->spawn_cost = 50 * NS_PER_MS;
    cfg->forkserver_cost = 3 * NS_PER_MS;
    cfg->ipc_cost = 500 * NS_PER_US;
    /* Rough costs of CPython 3.12 on a current x86-64 machine. */
    cfg->pipe_latency = 20 * NS_PER_US;
    cfg->pickle_cost = 20 * NS_PER_US;
    cfg->increment_cost = 40;
    cfg->call_cost = 100;
    cfg->pool_submit_cost = 20 * NS_PER_US;
}

/* ---- Configuration ------------------------------------------------------ */

/* "MAJOR.MINOR" for the supported versions: 2.0-2.7, 3.0-3.14. */
static bool parse_version(const char *s, int *major, int *minor)
{
    if ((s[0] != '2' && s[0] != '3') || s[1] != '.')
        return false;
    const char *m = s + 2;
    size_t digits = strspn(m, "0123456789");
    if (digits == 0 || digits > 2 || m[digits] || (digits == 2 && m[0] == '0'))
        return false;
    int mi = atoi(m), ma = s[0] - '0';
    if ((ma == 2 && mi > 7) || (ma == 3 && mi > 14))
        return false;
    *major = ma;
    *minor = mi;
    return true;
}

int ld_load_machine(Loader *c, const cJSON *m, SimConfig *cfg)
{
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    if (!cJSON_IsObject(m))
        return fail(c, "expected an object, got %s", ld_type_name(m));
    if ((rc = ld_check_keys(c, m, MACHINE_KEYS, COUNT(MACHINE_KEYS))) < 0)
        return rc;
    if ((v = ld_enter(c, m, "cores", &mark))) {
        if ((rc = ld_get_integer(c, v, 1, 1024, &n)) < 0)
            return rc;
        cfg->cores = (int)n;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, m, "time_slice", &mark))) {
        if ((rc = ld_get_duration(c, v, DUR_POSITIVE, &cfg->time_slice)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, m, "context_switch", &mark))) {
        if ((rc = ld_get_duration(c, v, DUR_NONNEG, &cfg->ctx_switch)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, m, "wake_latency", &mark))) {
        if ((rc = ld_get_dist(c, v, &cfg->wake_latency)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, m, "wakeup_policy", &mark))) {
        if ((rc = ld_get_enum(c, v, WAKE_NAMES, COUNT(WAKE_NAMES), "a wakeup policy", &e)) < 0)
            return rc;
        cfg->wake_policy = (uint8_t)e;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, m, "pipe_latency", &mark))) {
        if ((rc = ld_get_duration(c, v, DUR_NONNEG, &cfg->pipe_latency)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    return 0;
}

int ld_load_python(Loader *c, const cJSON *py, SimConfig *cfg)
{
    static const struct {
        const char *key;
        size_t offset;
    } plain[] = {
        {"tick_cost", offsetof(SimConfig, tick_cost)},
        {"thread_start_cost", offsetof(SimConfig, thread_start_cost)},
        {"fork_cost", offsetof(SimConfig, fork_cost)},
        {"spawn_cost", offsetof(SimConfig, spawn_cost)},
        {"forkserver_cost", offsetof(SimConfig, forkserver_cost)},
        {"ipc_cost", offsetof(SimConfig, ipc_cost)},
        {"pickle_cost", offsetof(SimConfig, pickle_cost)},
        {"increment_cost", offsetof(SimConfig, increment_cost)},
        {"call_cost", offsetof(SimConfig, call_cost)},
        {"pool_submit_cost", offsetof(SimConfig, pool_submit_cost)},
        {"old_signal_cost", offsetof(SimConfig, old_signal_cost)},
        {"old_contention_cost", offsetof(SimConfig, old_contention_cost)},
        {"interp_start_cost", offsetof(SimConfig, interp_start_cost)},
    };
    size_t mark;
    int rc, e;
    const cJSON *v;
    double n;
    char q[64];

    if (py) {
        if (!cJSON_IsObject(py))
            return fail(c, "expected an object, got %s", ld_type_name(py));
        if ((rc = ld_check_keys(c, py, PYTHON_KEYS, COUNT(PYTHON_KEYS))) < 0)
            return rc;
        if ((v = ld_enter(c, py, "version", &mark))) {
            const char *text = ld_override_text(c, v);
            if (!text && cJSON_IsNumber(v))
                return fail(c, "expected a string such as \"3.12\", got a number; quote the version "
                               "(as a number, 3.10 would be 3.1)");
            if (!text && (!cJSON_IsString(v) || !v->valuestring))
                return fail(c, "expected a string such as \"3.12\", got %s", ld_type_name(v));
            if (!text)
                text = v->valuestring;
            if (!parse_version(text, &cfg->py_major, &cfg->py_minor))
                return fail(c, "'%s' is not a supported Python version; expected \"2.0\" to \"2.7\" or "
                               "\"3.0\" to \"3.14\"", ld_quote(text, q, sizeof(q)));
            ld_path_pop(c, mark);
        }
    }
    /* Version-dependent defaults, before the explicit values below. */
    int ver = cfg->py_major * 100 + cfg->py_minor;
    cfg->gil = ver < 302 ? SIM_GIL_OLD : SIM_GIL_NEW;
    cfg->check_point_gap = ver <= 309 ? 30 : 100;
    c->default_method = ver >= 314 ? SIM_START_FORKSERVER : SIM_START_FORK;
    if (!py)
        return 0;

    if ((v = ld_enter(c, py, "gil", &mark))) {
        if ((rc = ld_get_enum(c, v, GIL_NAMES, COUNT(GIL_NAMES), "a GIL policy", &e)) < 0)
            return rc;
        if (e == SIM_GIL_PER_INTERP && ver < 312)
            return fail(c, "per-interpreter GILs arrived in Python 3.12 (PEP 684); set python.version "
                           "to \"3.12\" or later");
        cfg->gil = (uint8_t)e;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, py, "switch_interval", &mark))) {
        if ((rc = ld_get_duration(c, v, DUR_POSITIVE, &cfg->switch_interval)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, py, "check_point_gap", &mark))) {
        if ((rc = ld_get_duration(c, v, DUR_POSITIVE, &cfg->check_point_gap)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, py, "check_interval", &mark))) {
        if ((rc = ld_get_integer(c, v, 1, INT_MAX, &n)) < 0)
            return rc;
        cfg->check_interval = (int)n;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, py, "ft_overhead", &mark))) {
        char num[48];
        if (!cJSON_IsNumber(v))
            return fail(c, "expected a number from 1 to 1000, got %s", ld_type_name(v));
        if (!isfinite(v->valuedouble) || v->valuedouble < 1.0 || v->valuedouble > 1000.0) {
            ld_raw_number(c, v, num, sizeof(num));
            return fail(c, "%s is out of range; expected a number from 1 to 1000", num);
        }
        cfg->ft_overhead = v->valuedouble;
        ld_path_pop(c, mark);
    }
    for (int i = 0; i < COUNT(plain); i++) {
        if ((v = ld_enter(c, py, plain[i].key, &mark))) {
            int rule = strcmp(plain[i].key, "tick_cost") == 0 ? DUR_POSITIVE : DUR_NONNEG;
            if ((rc = ld_get_duration(c, v, rule, (SimTime *)((char *)cfg + plain[i].offset))) < 0)
                return rc;
            ld_path_pop(c, mark);
        }
    }
    return 0;
}

/* ---- Explaining the configuration --------------------------------------- */

typedef struct Out {
    char buf[4096];
    size_t len;
} Out;

__attribute__((format(printf, 2, 3)))
static void out_add(Out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->len >= sizeof(o->buf))
        return;
    va_start(ap, fmt);
    int l = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
    va_end(ap);
    if (l > 0)
        o->len += (size_t)l;
}

static void out_duration(Out *o, const char *key, SimTime t, bool last)
{
    char d[48];
    sim_duration_format_exact(t, d, sizeof(d));
    out_add(o, "    \"%s\": \"%s\"%s\n", key, d, last ? "" : ",");
}

char *sim_scenario_explain_config(const SimScenario *sc)
{
    const SimConfig *cfg = &sc->cfg;
    Out *o = malloc(sizeof(*o));
    char a[48], b[48], num[48];
    if (!o)
        return NULL;
    o->len = 0;
    out_add(o, "{\n  \"seed\": %llu,\n  \"machine\": {\n", (unsigned long long)cfg->seed);
    out_add(o, "    \"cores\": %d,\n", cfg->cores);
    out_duration(o, "time_slice", cfg->time_slice, false);
    out_duration(o, "context_switch", cfg->ctx_switch, false);
    sim_duration_format_exact(cfg->wake_latency.a, a, sizeof(a));
    sim_duration_format_exact(cfg->wake_latency.b, b, sizeof(b));
    if (cfg->wake_latency.kind == SIM_DIST_UNIFORM)
        out_add(o, "    \"wake_latency\": {\"uniform\": [\"%s\", \"%s\"]},\n", a, b);
    else if (cfg->wake_latency.kind == SIM_DIST_EXP)
        out_add(o, "    \"wake_latency\": {\"exp\": \"%s\"},\n", a);
    else
        out_add(o, "    \"wake_latency\": \"%s\",\n", a);
    out_add(o, "    \"wakeup_policy\": \"%s\",\n",
            cfg->wake_policy < COUNT(WAKE_NAMES) ? WAKE_NAMES[cfg->wake_policy] : "random");
    out_duration(o, "pipe_latency", cfg->pipe_latency, true);
    out_add(o, "  },\n  \"python\": {\n");
    out_add(o, "    \"version\": \"%d.%d\",\n", cfg->py_major, cfg->py_minor);
    out_add(o, "    \"gil\": \"%s\",\n", cfg->gil < SIM_GIL_POLICY_COUNT ? GIL_NAMES[cfg->gil] : "new");
    out_duration(o, "switch_interval", cfg->switch_interval, false);
    out_duration(o, "check_point_gap", cfg->check_point_gap, false);
    out_add(o, "    \"check_interval\": %d,\n", cfg->check_interval);
    out_duration(o, "tick_cost", cfg->tick_cost, false);
    ld_fmt_double(cfg->ft_overhead, num, sizeof(num));
    out_add(o, "    \"ft_overhead\": %s,\n", num);
    out_duration(o, "thread_start_cost", cfg->thread_start_cost, false);
    out_duration(o, "fork_cost", cfg->fork_cost, false);
    out_duration(o, "spawn_cost", cfg->spawn_cost, false);
    out_duration(o, "forkserver_cost", cfg->forkserver_cost, false);
    out_duration(o, "ipc_cost", cfg->ipc_cost, false);
    out_duration(o, "pickle_cost", cfg->pickle_cost, false);
    out_duration(o, "increment_cost", cfg->increment_cost, false);
    out_duration(o, "call_cost", cfg->call_cost, false);
    out_duration(o, "pool_submit_cost", cfg->pool_submit_cost, false);
    out_duration(o, "old_signal_cost", cfg->old_signal_cost, false);
    out_duration(o, "old_contention_cost", cfg->old_contention_cost, false);
    out_duration(o, "interp_start_cost", cfg->interp_start_cost, true);
    out_add(o, "  }\n}\n");
    char *s = strdup(o->buf);
    free(o);
    return s;
}
