/*
 * run_report.c - the run report: what `gilsim run` prints as a table, as
 * JSON (--json) or as CSV (--csv), all computed from the trace by
 * sim_stats; a deadlock's waits are told by sim_trace_wait_text.
 *
 * The JSON field names are a contract: tests, sweeps and users' scripts
 * read them. Add fields; never rename one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "csv.h"
#include "figures.h"
#include "run_report.h"

/* Integers are written as integers, digit for digit: a double would print
 * a seed or a time beyond 2^53 rounded, and the run could not be repeated
 * from its own report. */
static void json_u64(cJSON *o, const char *key, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    cJSON_AddRawToObject(o, key, num);
}

static void json_int(cJSON *o, const char *key, int64_t v)
{
    if (v >= -(1LL << 53) && v <= 1LL << 53) { /* a double holds it exactly */
        cJSON_AddNumberToObject(o, key, (double)v);
        return;
    }
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    cJSON_AddRawToObject(o, key, num);
}

/* A number of the report as the table prints it, written either way. */
static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsRaw(v) ? strtod(v->valuestring, NULL) : v->valuedouble;
}

/* How a thread ended ("exited", "killed"), or NULL while it lives. */
static const char *thread_end(const SimThreadStats *ts)
{
    SimReason r = (SimReason)ts->last_reason;
    return sim_reason_state(r) == SIM_ST_TERMINATED ? sim_reason_name(r) : NULL;
}

/* How process p ended: the cause of its PROC_EXIT record (SIM_C_EXIT, or
 * SIM_C_SIGTERM, SIGKILL, OS_EXIT, SHUTDOWN when ended from outside its
 * code) and its exit code; false while it lives (or never ran). */
static bool process_end(const SimStats *st, uint32_t p, SimCause *cause, int32_t *code)
{
    const SimProcessStats *ps = &st->processes[p];
    *cause = (SimCause)ps->end_cause;
    *code = ps->exit_code;
    return ps->ended;
}

/* What ended a process from outside, for the report: NULL for a normal exit. */
static const char *end_cause_name(SimCause c)
{
    switch (c) {
    case SIM_C_SIGTERM:
        return "terminate";
    case SIM_C_SIGKILL:
        return "kill";
    case SIM_C_OS_EXIT:
        return "os_exit";
    case SIM_C_SHUTDOWN:
        return "shutdown";
    default:
        return NULL;
    }
}

/* A statistic of a sample: null when the sample is empty, since a 0 would
 * read as a measured zero (pandas and jq then see a missing value). */
static void json_stat(cJSON *o, const char *key, uint64_t count, int64_t v)
{
    if (count)
        json_int(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *latency_json(const SimLatency *l)
{
    cJSON *o = cJSON_CreateObject();
    json_int(o, "count", (int64_t)(l->count));
    cJSON *lat = cJSON_AddObjectToObject(o, "latency_ns");
    json_stat(lat, "p50", l->count, (int64_t)(l->p50));
    json_stat(lat, "p90", l->count, (int64_t)(l->p90));
    json_stat(lat, "p99", l->count, (int64_t)(l->p99));
    json_stat(lat, "max", l->count, (int64_t)(l->max));
    json_stat(lat, "mean", l->count, (int64_t)(l->mean));
    return o;
}

static const char *thread_label(const SimTrace *tr, uint32_t t, char *buf, size_t n)
{
    const SimThreadInfo *ti = sim_trace_thread(tr, t);
    if (!ti) {
        snprintf(buf, n, "?");
        return buf;
    }
    snprintf(buf, n, "%s/%s", sim_trace_process(tr, ti->process)->name, ti->name);
    return buf;
}

static cJSON *deadlock_json(const SimTrace *tr)
{
    const SimRecord *recs = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    uint32_t nt = sim_trace_thread_count(tr);
    SimWait *waits = calloc(nt ? nt : 1, sizeof(*waits));
    bool *stuck = calloc(nt ? nt : 1, sizeof(bool));
    cJSON *threads = cJSON_CreateArray();
    char who[256], what[512];
    for (size_t i = 0; waits && stuck && i < n; i++) {
        const SimRecord *r = &recs[i];
        if (r->kind != SIM_REC_DEADLOCK || r->thread >= nt)
            continue;
        const SimThreadInfo *ti = sim_trace_thread(tr, r->thread);
        SimWait *sw = &waits[r->thread];
        sim_trace_wait(tr, i, sw);
        stuck[r->thread] = true;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "process", sim_trace_process(tr, ti->process)->name);
        cJSON_AddStringToObject(o, "thread", ti->name);
        cJSON_AddStringToObject(o, "state", sim_reason_name((SimReason)r->reason));
        cJSON_AddStringToObject(o, "waits_for", sim_trace_wait_text(tr, i, what, sizeof(what)));
        if (sw->next != SIM_NONE)
            cJSON_AddStringToObject(o, "on", thread_label(tr, sw->next, who, sizeof(who)));
        cJSON_AddItemToArray(threads, o);
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddItemToObject(d, "threads", threads);
    /* The wait-for cycle, if following "waits for" from a stuck thread
     * comes back to where it started. */
    cJSON *cycle = NULL;
    for (uint32_t start = 0; waits && stuck && start < nt && !cycle; start++) {
        if (!stuck[start])
            continue;
        uint32_t cur = start;
        for (uint32_t steps = 0; steps <= nt; steps++) {
            cur = waits[cur].next;
            if (cur == SIM_NONE || cur >= nt || !stuck[cur])
                break;
            if (cur == start) {
                cycle = cJSON_CreateArray();
                uint32_t k = start;
                do {
                    cJSON_AddItemToArray(cycle, cJSON_CreateString(thread_label(tr, k, who, sizeof(who))));
                    k = waits[k].next;
                } while (k != start);
                cJSON_AddItemToArray(cycle, cJSON_CreateString(thread_label(tr, start, who, sizeof(who))));
                break;
            }
        }
    }
    if (cycle)
        cJSON_AddItemToObject(d, "cycle", cycle);
    else
        cJSON_AddNullToObject(d, "cycle");
    free(waits);
    free(stuck);
    return d;
}

static cJSON *objects_json(const SimTrace *tr, const SimStats *st, cJSON *root)
{
    cJSON *locks = cJSON_AddArrayToObject(root, "locks");
    cJSON *shared = cJSON_AddArrayToObject(root, "shared");
    cJSON *queues = cJSON_AddArrayToObject(root, "queues");
    for (int i = 0; i < st->n_objects; i++) {
        const SimObjectInfo *oi = sim_trace_object(tr, (uint32_t)i);
        const SimObjectStats *os = &st->objects[i];
        const SimProcessInfo *pi = sim_trace_process(tr, oi->process);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", oi->name);
        cJSON_AddStringToObject(o, "process", pi ? pi->name : "");
        cJSON_AddStringToObject(o, "kind", oi->kind);
        if (strcmp(oi->kind, "shared") == 0) {
            json_int(o, "initial", (int64_t)(oi->initial));
            json_int(o, "final", (int64_t)(os->final));
            json_int(o, "expected", (int64_t)(oi->initial + (int64_t)os->writes + os->stored));
            json_int(o, "lost_updates", (int64_t)(os->lost));
            cJSON_AddItemToArray(shared, o);
            continue;
        }
        bool queue = strcmp(oi->kind, "queue") == 0 || strcmp(oi->kind, "pipe") == 0 ||
                     strcmp(oi->kind, "mp_queue") == 0;
        if (queue) {
            json_int(o, "maxsize", (int64_t)(oi->initial));
            json_int(o, "puts", (int64_t)(os->puts));
            json_int(o, "gets", (int64_t)(os->gets));
            json_int(o, "max_size_seen", (int64_t)(os->max_items));
            json_int(o, "put_blocked_ns", (int64_t)(os->put_blocked_ns));
            json_int(o, "get_blocked_ns", (int64_t)(os->get_blocked_ns));
            json_int(o, "timeouts", (int64_t)(os->timeouts));
            cJSON_AddItemToArray(queues, o);
            continue;
        }
        json_int(o, "acquisitions", (int64_t)(os->acquisitions));
        json_int(o, "contended", (int64_t)(os->contended));
        json_int(o, "max_waiters", (int64_t)(os->max_waiters));
        json_int(o, "max_holders", (int64_t)(os->max_holders));
        json_int(o, "timeouts", (int64_t)(os->timeouts));
        cJSON *wj = cJSON_AddObjectToObject(o, "wait_ns");
        json_int(wj, "count", (int64_t)(os->wait.count));
        json_stat(wj, "p50", os->wait.count, (int64_t)(os->wait.p50));
        json_stat(wj, "p99", os->wait.count, (int64_t)(os->wait.p99));
        json_stat(wj, "max", os->wait.count, (int64_t)(os->wait.max));
        cJSON_AddItemToArray(locks, o);
    }
    cJSON *errors = cJSON_AddArrayToObject(root, "errors");
    const SimRecord *r = sim_trace_records(tr);
    char who[256];
    for (size_t i = 0; i < sim_trace_count(tr); i++) {
        if (r[i].kind != SIM_REC_SYNC || r[i].state != SIM_SYNC_ERROR)
            continue;
        const SimObjectInfo *oi = sim_trace_object(tr, r[i].arg);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "thread", thread_label(tr, r[i].thread, who, sizeof(who)));
        cJSON_AddStringToObject(e, "object", oi ? oi->name : "");
        cJSON_AddStringToObject(e, "error", sim_sync_error_message((SimSyncError)r[i].reason));
        json_int(e, "at_ns", (int64_t)(r[i].t));
        cJSON_AddItemToArray(errors, e);
    }
    return root;
}

cJSON *run_report_json(const RunResult *run, const SimStats *st)
{
    const SimTrace *tr = run->trace;
    const SimRunInfo *info = sim_trace_info(tr);
    cJSON *root = cJSON_CreateObject();
    char hash[32];
    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)info->scenario_hash);
    cJSON_AddStringToObject(root, "gilsim", GILSIM_VERSION);
    cJSON_AddStringToObject(root, "scenario", info->scenario);
    cJSON_AddStringToObject(root, "scenario_hash", hash);
    json_u64(root, "seed", info->seed);
    cJSON_AddStringToObject(root, "outcome", run_outcome_name(run->outcome));
    json_int(root, "sim_time_ns", (int64_t)(st->sim_time_ns));
    json_int(root, "events", (int64_t)(run->events));
    json_int(root, "transitions", (int64_t)(st->transitions));
    json_int(root, "records", (int64_t)(st->records));
    cJSON *cfg = cJSON_AddObjectToObject(root, "config");
    json_int(cfg, "cores", info->cores);
    cJSON_AddStringToObject(cfg, "python", info->python_version);
    cJSON_AddStringToObject(cfg, "gil", info->gil_policy);
    json_int(cfg, "switch_interval_ns", (int64_t)(info->switch_interval));

    cJSON *threads = cJSON_AddArrayToObject(root, "threads");
    for (int i = 0; i < st->n_threads; i++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, (uint32_t)i);
        const SimThreadStats *ts = &st->threads[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "process", sim_trace_process(tr, ti->process)->name);
        cJSON_AddStringToObject(o, "name", ti->name);
        cJSON_AddBoolToObject(o, "daemon", ti->daemon);
        json_int(o, "started_ns", (int64_t)(ts->started_ns));
        if (ts->finished_ns >= 0)
            json_int(o, "finished_ns", (int64_t)(ts->finished_ns));
        else
            cJSON_AddNullToObject(o, "finished_ns");
        const char *end = thread_end(&st->threads[i]);
        if (end)
            cJSON_AddStringToObject(o, "end", end);
        else
            cJSON_AddNullToObject(o, "end");
        cJSON *sn = cJSON_AddObjectToObject(o, "state_ns");
        json_int(sn, "running", (int64_t)(ts->running_ns));
        json_int(sn, "runnable", (int64_t)(ts->runnable_ns));
        json_int(sn, "blocked", (int64_t)(ts->blocked_ns));
        for (int r = SIM_R_WAIT_GIL; r < SIM_R_EXITED; r++)
            json_int(sn, sim_reason_name((SimReason)r), ts->state_ns[r]);
        json_int(o, "gil_acquisitions", (int64_t)(ts->gil_acquisitions));
        cJSON_AddItemToObject(o, "io", latency_json(&ts->io));
        cJSON_AddItemToObject(o, "gil_wait", latency_json(&ts->gil_wait));
        cJSON_AddItemToArray(threads, o);
    }

    cJSON *procs = cJSON_AddArrayToObject(root, "processes");
    for (uint32_t p = 0; p < sim_trace_process_count(tr); p++) {
        const SimProcessInfo *pi = sim_trace_process(tr, p);
        const SimGilStats *g = &st->gils[pi->gil];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", pi->name);
        cJSON_AddStringToObject(o, "start_method", pi->start_method);
        SimCause how;
        int32_t code;
        if (process_end(st, p, &how, &code)) {
            /* Process.exitcode: 0, os._exit's status, or minus the signal. */
            json_int(o, "exitcode", code);
            if (end_cause_name(how))
                cJSON_AddStringToObject(o, "ended_by", end_cause_name(how));
            else
                cJSON_AddNullToObject(o, "ended_by");
        } else {
            cJSON_AddNullToObject(o, "exitcode");
            cJSON_AddNullToObject(o, "ended_by");
        }
        if (pi->parent == SIM_NONE)
            cJSON_AddNullToObject(o, "parent");
        else
            cJSON_AddStringToObject(o, "parent", sim_trace_process(tr, pi->parent)->name);
        cJSON *gj = cJSON_AddObjectToObject(o, "gil");
        json_int(gj, "acquisitions", (int64_t)(g->acquisitions));
        json_int(gj, "switches", (int64_t)(g->switches));
        json_int(gj, "drop_requests", (int64_t)(g->drop_requests));
        json_int(gj, "forced_drops", (int64_t)(g->forced_drops));
        json_int(gj, "voluntary_drops", (int64_t)(g->voluntary_drops));
        json_int(gj, "timeouts", (int64_t)(g->timeouts));
        json_int(gj, "failed_wakeups", (int64_t)(g->failed_wakeups));
        json_int(gj, "held_ns", (int64_t)(g->held_ns));
        /* Subinterpreters with their own GIL (python.gil = per-interpreter). */
        cJSON *interps = cJSON_AddArrayToObject(o, "interpreter_gils");
        for (uint32_t k = pi->gil; k < (uint32_t)st->n_gils; k++) {
            bool used = false;
            for (uint32_t t = 0; t < sim_trace_thread_count(tr); t++)
                used |= sim_trace_thread(tr, t)->process == p && sim_trace_thread(tr, t)->gil == k;
            if (!used && k != pi->gil)
                break;
            cJSON *ij = cJSON_CreateObject();
            json_int(ij, "interpreter", (int64_t)(k - pi->gil));
            json_int(ij, "acquisitions", (int64_t)(st->gils[k].acquisitions));
            json_int(ij, "switches", (int64_t)(st->gils[k].switches));
            json_int(ij, "held_ns", (int64_t)(st->gils[k].held_ns));
            cJSON_AddItemToArray(interps, ij);
        }
        cJSON_AddItemToArray(procs, o);
    }

    objects_json(tr, st, root);
    cJSON *warnings = cJSON_AddArrayToObject(root, "warnings");
    /* What looked wrong in the scenario although it loaded. */
    const char *const *sw = NULL;
    int nsw = run->sc ? sim_scenario_warnings(run->sc, &sw) : 0;
    for (int i = 0; i < nsw; i++)
        cJSON_AddItemToArray(warnings, cJSON_CreateString(sw[i]));
    const SimRecord *recs = sim_trace_records(tr);
    for (size_t i = 0; i < sim_trace_count(tr); i++) {
        if (recs[i].kind == SIM_REC_FORK && recs[i].state) {
            char buf[512], who[256];
            snprintf(buf, sizeof(buf),
                     "DeprecationWarning at %.3f ms: %s called fork() while its process is multi-threaded; "
                     "use of fork() may lead to deadlocks in the child",
                     (double)recs[i].t / 1e6, thread_label(tr, recs[i].thread, who, sizeof(who)));
            cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
        }
    }
    if (run->outcome == SIM_RUN_DEADLOCK)
        cJSON_AddItemToObject(root, "deadlock", deadlock_json(tr));
    else
        cJSON_AddNullToObject(root, "deadlock");
    return root;
}

static void fmt_dur(SimTime ns, char *buf, size_t n)
{
    if (ns < 0)
        snprintf(buf, n, "-");
    else
        sim_duration_format(ns, buf, n);
}

char *run_report_lesson(const RunResult *run, const SimStats *st)
{
    const char *lesson = sim_scenario_lesson(run->sc);
    Figures fig;
    if (!lesson || !strchr(lesson, '{') || figures_compute(run->trace, st, &fig) < 0)
        return strdup(lesson ? lesson : "");
    StrBuf b = {0};
    figures_template(&fig, lesson, &b, NULL, 0);
    figures_fini(&fig);
    return strbuf_take(&b, NULL);
}

void run_report_text(FILE *f, const RunResult *run, const SimStats *st)
{
    const SimTrace *tr = run->trace;
    const SimRunInfo *info = sim_trace_info(tr);
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
    sim_duration_format(info->switch_interval, a, sizeof(a));
    fprintf(f, "%s\n", info->scenario);
    fprintf(f, "  Python %s, GIL %s, switch interval %s, %d core%s, seed %llu\n", info->python_version,
            info->gil_policy, a, info->cores, info->cores == 1 ? "" : "s", (unsigned long long)info->seed);
    char *lesson = run_report_lesson(run, st);
    if (lesson && *lesson)
        fprintf(f, "  Lesson: %s\n", lesson);
    free(lesson);
    sim_duration_format(st->sim_time_ns, a, sizeof(a));
    fprintf(f, "  simulated %s: %llu events, %llu transitions; outcome: %s\n\n", a,
            (unsigned long long)run->events, (unsigned long long)st->transitions, run_outcome_name(run->outcome));

    fprintf(f, "  %-12s %-12s %10s  %10s %10s %10s %10s %8s %7s %10s %10s\n", "process", "thread", "finished",
            "running", "wait_gil", "wait_core", "blocked", "GIL acq", "I/O ops", "I/O p50", "I/O p99");
    for (int i = 0; i < st->n_threads; i++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, (uint32_t)i);
        const SimThreadStats *ts = &st->threads[i];
        fmt_dur(ts->finished_ns, a, sizeof(a));
        const char *end = thread_end(&st->threads[i]);
        SimCause how = SIM_C_EXIT;
        int32_t code;
        bool outside = process_end(st, ti->process, &how, &code) && end_cause_name(how);
        char mark = end && strcmp(end, "killed") == 0 ? (outside ? '!' : '*') : ' ';
        fmt_dur(ts->running_ns, b, sizeof(b));
        fmt_dur(ts->state_ns[SIM_R_WAIT_GIL], c, sizeof(c));
        fmt_dur(ts->state_ns[SIM_R_WAIT_CORE], d, sizeof(d));
        fmt_dur(ts->blocked_ns, e, sizeof(e));
        if (ts->io.count) {
            fmt_dur(ts->io.p50, g, sizeof(g));
            fmt_dur(ts->io.p99, h, sizeof(h));
        } else {
            strcpy(g, "-");
            strcpy(h, "-");
        }
        fprintf(f, "  %-12.12s %-12.12s %10s%c %10s %10s %10s %10s %8llu %7llu %10s %10s\n",
                sim_trace_process(tr, ti->process)->name, ti->name, a, mark, b, c, d, e,
                (unsigned long long)ts->gil_acquisitions, (unsigned long long)ts->io.count, g, h);
    }
    bool killed = false, stopped = false;
    for (int i = 0; i < st->n_threads; i++) {
        const char *end = thread_end(&st->threads[i]);
        SimCause how = SIM_C_EXIT;
        int32_t code;
        bool outside = process_end(st, sim_trace_thread(tr, (uint32_t)i)->process, &how, &code) &&
                       end_cause_name(how);
        killed |= end && strcmp(end, "killed") == 0 && !outside;
        stopped |= end && strcmp(end, "killed") == 0 && outside;
    }
    if (killed)
        fprintf(f, "  * daemon thread killed when the last non-daemon thread of its process ended\n");
    if (stopped)
        fprintf(f, "  ! stopped where it was: its process ended at once (terminate, kill or os._exit: below)\n");
    fprintf(f, "\n");
    double secs = st->sim_time_ns > 0 ? (double)st->sim_time_ns / 1e9 : 1;
    for (uint32_t p = 0; p < sim_trace_process_count(tr); p++) {
        const SimProcessInfo *pi = sim_trace_process(tr, p);
        const SimGilStats *gs = &st->gils[pi->gil];
        fprintf(f, "  GIL of %s: %llu switches (%.0f/s), %llu drop requests, %llu forced drops, "
                   "%llu timeouts, %llu failed wake-ups\n",
                pi->name, (unsigned long long)gs->switches, (double)gs->switches / secs,
                (unsigned long long)gs->drop_requests, (unsigned long long)gs->forced_drops,
                (unsigned long long)gs->timeouts, (unsigned long long)gs->failed_wakeups);
    }
    for (uint32_t p = 0; p < sim_trace_process_count(tr); p++) {
        SimCause how;
        int32_t code;
        if (process_end(st, p, &how, &code) && end_cause_name(how))
            fprintf(f, "  process %s ended by %s: exitcode %d%s\n", sim_trace_process(tr, p)->name,
                    how == SIM_C_SIGTERM ? "terminate() (SIGTERM)" : how == SIM_C_SIGKILL ? "kill() (SIGKILL)"
                    : how == SIM_C_OS_EXIT ? "os._exit()" : "its manager's shutdown",
                    (int)code, how == SIM_C_SHUTDOWN ? "" : "; no finally, no atexit ran, and a lock it held stays held");
    }
    cJSON *rep = run_report_json(run, st);
    cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(rep, "shared"))
    {
        fprintf(f, "  shared %s/%s: final %.0f, expected %.0f, %.0f lost updates\n",
                cJSON_GetObjectItem(it, "process")->valuestring, cJSON_GetObjectItem(it, "name")->valuestring,
                num(it, "final"), num(it, "expected"),
                num(it, "lost_updates"));
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(rep, "locks"))
    {
        if (num(it, "acquisitions") == 0 &&
            num(it, "max_waiters") == 0)
            continue;
        char p50[32] = "-";
        const cJSON *wait = cJSON_GetObjectItem(it, "wait_ns");
        if (!cJSON_IsNull(cJSON_GetObjectItem(wait, "p50")))
            sim_duration_format((SimTime)num(wait, "p50"), p50, sizeof(p50));
        fprintf(f, "  %s %s/%s: %.0f acquisitions, %.0f contended, up to %.0f waiting, wait p50 %s\n",
                cJSON_GetObjectItem(it, "kind")->valuestring, cJSON_GetObjectItem(it, "process")->valuestring,
                cJSON_GetObjectItem(it, "name")->valuestring, num(it, "acquisitions"),
                num(it, "contended"), num(it, "max_waiters"),
                p50);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(rep, "queues"))
    {
        fprintf(f, "  %s %s/%s: %.0f puts, %.0f gets, up to %.0f items\n", cJSON_GetObjectItem(it, "kind")->valuestring,
                cJSON_GetObjectItem(it, "process")->valuestring, cJSON_GetObjectItem(it, "name")->valuestring,
                num(it, "puts"), num(it, "gets"),
                num(it, "max_size_seen"));
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(rep, "errors"))
    {
        fprintf(f, "  error: %s in %s (%s)\n", cJSON_GetObjectItem(it, "error")->valuestring,
                cJSON_GetObjectItem(it, "thread")->valuestring, cJSON_GetObjectItem(it, "object")->valuestring);
    }
    cJSON *warnings = cJSON_GetObjectItem(rep, "warnings");
    cJSON *wi;
    cJSON_ArrayForEach(wi, warnings) fprintf(f, "  warning: %s\n", wi->valuestring);
    cJSON *dl = cJSON_GetObjectItem(rep, "deadlock");
    if (dl && !cJSON_IsNull(dl)) {
        fprintf(f, "\n  DEADLOCK: nothing can ever move again.\n");
        cJSON *ti;
        cJSON_ArrayForEach(ti, cJSON_GetObjectItem(dl, "threads"))
        {
            fprintf(f, "    %s/%s waits for %s\n", cJSON_GetObjectItem(ti, "process")->valuestring,
                    cJSON_GetObjectItem(ti, "thread")->valuestring,
                    cJSON_GetObjectItem(ti, "waits_for")->valuestring);
        }
    }
    cJSON_Delete(rep);
}

int run_report_csv(FILE *f, const RunResult *run, const SimStats *st)
{
    const SimTrace *tr = run->trace;
    StrBuf b = {0};
    strbuf_puts(&b, "process,thread,daemon,started_ns,finished_ns,end,running_ns,runnable_ns,blocked_ns");
    for (int r = SIM_R_WAIT_GIL; r < SIM_R_EXITED; r++)
        strbuf_printf(&b, ",%s_ns", sim_reason_name((SimReason)r));
    strbuf_puts(&b, ",gil_acquisitions,io_count,io_p50_ns,io_p90_ns,io_p99_ns,io_max_ns,"
                    "gil_wait_count,gil_wait_p50_ns,gil_wait_p99_ns,gil_wait_max_ns\n");
    for (int i = 0; i < st->n_threads; i++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, (uint32_t)i);
        const SimThreadStats *ts = &st->threads[i];
        const char *end = thread_end(&st->threads[i]);
        csv_field(&b, sim_trace_process(tr, ti->process)->name);
        strbuf_putc(&b, ',');
        csv_field(&b, ti->name);
        strbuf_printf(&b, ",%d,%lld,%lld,%s,%lld,%lld,%lld", ti->daemon, (long long)ts->started_ns,
                      (long long)ts->finished_ns, end ? end : "", (long long)ts->running_ns,
                      (long long)ts->runnable_ns, (long long)ts->blocked_ns);
        for (int r = SIM_R_WAIT_GIL; r < SIM_R_EXITED; r++)
            strbuf_printf(&b, ",%lld", (long long)ts->state_ns[r]);
        /* An empty sample's statistics are empty fields, not zeros. */
        strbuf_printf(&b, ",%llu,%llu", (unsigned long long)ts->gil_acquisitions, (unsigned long long)ts->io.count);
        if (ts->io.count)
            strbuf_printf(&b, ",%lld,%lld,%lld,%lld", (long long)ts->io.p50, (long long)ts->io.p90,
                          (long long)ts->io.p99, (long long)ts->io.max);
        else
            strbuf_puts(&b, ",,,,");
        strbuf_printf(&b, ",%llu", (unsigned long long)ts->gil_wait.count);
        if (ts->gil_wait.count)
            strbuf_printf(&b, ",%lld,%lld,%lld\n", (long long)ts->gil_wait.p50, (long long)ts->gil_wait.p99,
                          (long long)ts->gil_wait.max);
        else
            strbuf_puts(&b, ",,,\n");
    }
    if (b.oom) {
        strbuf_fini(&b);
        return SIM_ERR_NOMEM;
    }
    fwrite(b.s, 1, b.n, f);
    strbuf_fini(&b);
    return SIM_OK;
}
