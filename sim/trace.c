/*
 * trace.c - the append-only record of a run, its name tables, and the
 * stable text dump that golden tests compare.
 *
 * Invariant: records are stored in the order they were pushed, which is
 * non-decreasing in time; readers may binary-search on t.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "strbuf.h"


SimTrace *sim_trace_create(void)
{
    SimTrace *tr = calloc(1, sizeof(*tr));
    if (tr)
        tr->info.outcome = -1;
    return tr;
}

void sim_trace_destroy(SimTrace *tr)
{
    if (!tr)
        return;
    for (uint32_t i = 0; i < tr->n_threads; i++)
        free((char *)tr->threads[i].name);
    for (uint32_t i = 0; i < tr->n_procs; i++) {
        free((char *)tr->procs[i].name);
        free((char *)tr->procs[i].start_method);
    }
    free((char *)tr->info.scenario);
    free((char *)tr->info.gil_policy);
    free((char *)tr->info.python_version);
    for (uint32_t i = 0; i < tr->n_objects; i++) {
        free((char *)tr->objects[i].name);
        free((char *)tr->objects[i].kind);
    }
    free(tr->objects);
    free(tr->threads);
    free(tr->procs);
    free(tr->recs);
    free(tr);
}

int sim_trace_push(SimTrace *tr, const SimRecord *r)
{
    if (tr->n == tr->cap) {
        size_t ncap = tr->cap ? tr->cap * 2 : 4096;
        SimRecord *nr = realloc(tr->recs, ncap * sizeof(*nr));
        if (!nr)
            return SIM_ERR_NOMEM;
        tr->recs = nr;
        tr->cap = ncap;
    }
    tr->recs[tr->n++] = *r;
    return SIM_OK;
}

static char *dup_str(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int sim_trace_add_thread(SimTrace *tr, const char *name, uint32_t process, uint32_t gil, int daemon)
{
    if (tr->n_threads == tr->cap_threads) {
        uint32_t ncap = tr->cap_threads ? tr->cap_threads * 2 : 16;
        SimThreadInfo *nt = realloc(tr->threads, ncap * sizeof(*nt));
        if (!nt)
            return SIM_ERR_NOMEM;
        tr->threads = nt;
        tr->cap_threads = ncap;
    }
    char *n = dup_str(name);
    if (!n)
        return SIM_ERR_NOMEM;
    tr->threads[tr->n_threads] = (SimThreadInfo){n, process, gil, (uint8_t)(daemon != 0)};
    return (int)tr->n_threads++;
}

int sim_trace_add_process(SimTrace *tr, const char *name, uint32_t parent, uint32_t gil,
                          const char *start_method)
{
    if (tr->n_procs == tr->cap_procs) {
        uint32_t ncap = tr->cap_procs ? tr->cap_procs * 2 : 8;
        SimProcessInfo *np = realloc(tr->procs, ncap * sizeof(*np));
        if (!np)
            return SIM_ERR_NOMEM;
        tr->procs = np;
        tr->cap_procs = ncap;
    }
    char *n = dup_str(name), *m = dup_str(start_method);
    if (!n || !m) {
        free(n);
        free(m);
        return SIM_ERR_NOMEM;
    }
    tr->procs[tr->n_procs] = (SimProcessInfo){n, parent, gil, m};
    return (int)tr->n_procs++;
}

int sim_trace_add_object(SimTrace *tr, const char *name, uint32_t process, const char *kind, int64_t initial)
{
    if (tr->n_objects == tr->cap_objects) {
        uint32_t ncap = tr->cap_objects ? tr->cap_objects * 2 : 8;
        SimObjectInfo *no = realloc(tr->objects, ncap * sizeof(*no));
        if (!no)
            return SIM_ERR_NOMEM;
        tr->objects = no;
        tr->cap_objects = ncap;
    }
    char *n = dup_str(name), *k = dup_str(kind);
    if (!n || !k) {
        free(n);
        free(k);
        return SIM_ERR_NOMEM;
    }
    tr->objects[tr->n_objects] = (SimObjectInfo){n, process, k, initial};
    return (int)tr->n_objects++;
}

uint32_t sim_trace_object_count(const SimTrace *tr) { return tr->n_objects; }
const SimObjectInfo *sim_trace_object(const SimTrace *tr, uint32_t i)
{
    return i < tr->n_objects ? &tr->objects[i] : NULL;
}

void sim_trace_set_gils(SimTrace *tr, uint32_t n) { tr->n_gils = n; }
void sim_trace_set_end(SimTrace *tr, SimTime t) { tr->end = t; }

int sim_trace_set_info(SimTrace *tr, const SimRunInfo *info)
{
    char *s = dup_str(info->scenario), *g = dup_str(info->gil_policy), *v = dup_str(info->python_version);
    if (!s || !g || !v) {
        free(s);
        free(g);
        free(v);
        return SIM_ERR_NOMEM;
    }
    free((char *)tr->info.scenario);
    free((char *)tr->info.gil_policy);
    free((char *)tr->info.python_version);
    tr->info = *info;
    tr->info.scenario = s;
    tr->info.gil_policy = g;
    tr->info.python_version = v;
    return SIM_OK;
}

size_t sim_trace_count(const SimTrace *tr) { return tr->n; }
const SimRecord *sim_trace_records(const SimTrace *tr) { return tr->recs; }
SimTime sim_trace_end(const SimTrace *tr) { return tr->end; }
uint32_t sim_trace_thread_count(const SimTrace *tr) { return tr->n_threads; }
const SimThreadInfo *sim_trace_thread(const SimTrace *tr, uint32_t i)
{
    return i < tr->n_threads ? &tr->threads[i] : NULL;
}
uint32_t sim_trace_process_count(const SimTrace *tr) { return tr->n_procs; }
const SimProcessInfo *sim_trace_process(const SimTrace *tr, uint32_t i)
{
    return i < tr->n_procs ? &tr->procs[i] : NULL;
}
uint32_t sim_trace_gil_count(const SimTrace *tr) { return tr->n_gils; }
const SimRunInfo *sim_trace_info(const SimTrace *tr) { return &tr->info; }

static const char *const state_names[SIM_ST_COUNT] = {
    "New", "Runnable", "Running", "Blocked", "Terminated",
};

static const struct {
    const char *name;
    SimState state;
} reasons[SIM_REASON_COUNT] = {
    [SIM_R_NEW] = {"new", SIM_ST_NEW},
    [SIM_R_WAIT_GIL] = {"wait_gil", SIM_ST_RUNNABLE},
    [SIM_R_WAIT_CORE] = {"wait_core", SIM_ST_RUNNABLE},
    [SIM_R_PYTHON] = {"python", SIM_ST_RUNNING},
    [SIM_R_C_CALL] = {"c_call", SIM_ST_RUNNING},
    [SIM_R_NOGIL] = {"nogil", SIM_ST_RUNNING},
    [SIM_R_IO] = {"io", SIM_ST_BLOCKED},
    [SIM_R_SLEEP] = {"sleep", SIM_ST_BLOCKED},
    [SIM_R_LOCK] = {"lock", SIM_ST_BLOCKED},
    [SIM_R_JOIN] = {"join", SIM_ST_BLOCKED},
    [SIM_R_SWITCH_WAIT] = {"switch_wait", SIM_ST_BLOCKED},
    [SIM_R_START_WAIT] = {"start_wait", SIM_ST_BLOCKED},
    [SIM_R_EXITED] = {"exited", SIM_ST_TERMINATED},
    [SIM_R_KILLED] = {"killed", SIM_ST_TERMINATED},
};

static const char *const kind_names[SIM_REC_KIND_COUNT] = {
    "state", "gil_acquire", "gil_drop", "drop_request", "gil_timeout",
    "failed_wakeup", "proc_start", "proc_exit", "fork", "deadlock", "sync",
};

static const char *const sync_event_names[SIM_SYNC_EVENT_COUNT] = {
    "acquire", "release", "block", "wake", "timeout", "try_fail", "set", "clear",
    "notify", "pass", "broken", "put", "get", "write", "error", "store",
};

static const char *const sync_error_messages[SIM_SERR_COUNT] = {
    "",
    "RuntimeError: release unlocked lock",
    "RuntimeError: cannot release un-acquired lock",
    "ValueError: Semaphore released too many times",
    "RuntimeError: cannot wait on un-acquired lock",
    "RuntimeError: cannot notify on un-acquired lock",
    "threading.BrokenBarrierError",
};

static const char *const cause_names[SIM_CAUSE_COUNT] = {
    "none", "thread_start", "op_begin", "op_end", "gil_busy", "gil_free",
    "gil_signal", "gil_timeout", "drop_request", "switched", "preempted",
    "core_free", "joined", "started", "exit", "daemon_kill", "fork", "deadlock",
    "object", "timeout", "error", "sigterm", "sigkill", "os_exit", "shutdown",
    "wake_cost", "child_boot", "child_exit",
};

const char *sim_state_name(SimState s) { return (unsigned)s < SIM_ST_COUNT ? state_names[s] : "?"; }
const char *sim_reason_name(SimReason r) { return (unsigned)r < SIM_REASON_COUNT ? reasons[r].name : "?"; }
SimState sim_reason_state(SimReason r) { return (unsigned)r < SIM_REASON_COUNT ? reasons[r].state : SIM_ST_NEW; }
const char *sim_record_kind_name(SimRecordKind k) { return (unsigned)k < SIM_REC_KIND_COUNT ? kind_names[k] : "?"; }
const char *sim_cause_name(SimCause c) { return (unsigned)c < SIM_CAUSE_COUNT ? cause_names[c] : "?"; }
const char *sim_sync_event_name(SimSyncEvent e)
{
    return (unsigned)e < SIM_SYNC_EVENT_COUNT ? sync_event_names[e] : "?";
}
const char *sim_sync_error_message(SimSyncError e)
{
    return (unsigned)e < SIM_SERR_COUNT ? sync_error_messages[e] : "?";
}

const char *sim_sync_detail_name(SimSyncEvent e, uint8_t detail)
{
    if (detail == 0)
        return "";
    switch (e) {
    case SIM_SYNC_ACQUIRE:
        return detail == SIM_ACQ_FORK_ORPHAN ? "fork_orphan" : detail == SIM_ACQ_FORK_COPY ? "fork_copy" : "?";
    case SIM_SYNC_RELEASE:
        return detail == SIM_REL_PARTIAL ? "partial" : "?";
    case SIM_SYNC_BLOCK:
    case SIM_SYNC_TIMEOUT:
        return detail == SIM_QSIDE_PUT ? "put" : "?";
    case SIM_SYNC_ERROR:
        return sim_sync_error_message((SimSyncError)detail);
    default:
        return "?";
    }
}

int sim_trace_dump(const SimTrace *tr, char **out, size_t *len)
{
    StrBuf b = {0};
    strbuf_printf(&b, "# scenario=%s seed=%llu cores=%d interval=%lld policy=%s python=%s\n",
                  tr->info.scenario ? tr->info.scenario : "", (unsigned long long)tr->info.seed,
                  tr->info.cores, (long long)tr->info.switch_interval,
                  tr->info.gil_policy ? tr->info.gil_policy : "",
                  tr->info.python_version ? tr->info.python_version : "");
    for (uint32_t i = 0; i < tr->n_procs; i++)
        strbuf_printf(&b, "# process %u %s parent=%d gil=%u start=%s\n", i, tr->procs[i].name,
                      tr->procs[i].parent == SIM_NONE ? -1 : (int)tr->procs[i].parent,
                      tr->procs[i].gil, tr->procs[i].start_method);
    for (uint32_t i = 0; i < tr->n_threads; i++)
        strbuf_printf(&b, "# thread %u %s process=%u%s\n", i, tr->threads[i].name,
                      tr->threads[i].process, tr->threads[i].daemon ? " daemon" : "");
    for (uint32_t i = 0; i < tr->n_objects; i++)
        strbuf_printf(&b, "# object %u %s process=%u kind=%s initial=%lld\n", i, tr->objects[i].name,
                      tr->objects[i].process, tr->objects[i].kind, (long long)tr->objects[i].initial);
    for (size_t i = 0; i < tr->n; i++) {
        const SimRecord *r = &tr->recs[i];
        const char *tn = r->thread < tr->n_threads ? tr->threads[r->thread].name : "?";
        strbuf_printf(&b, "t=%lld %s %s", (long long)r->t, tn, sim_record_kind_name(r->kind));
        switch (r->kind) {
        case SIM_REC_STATE:
            strbuf_printf(&b, " %s->%s(%s)", sim_state_name(SIM_REC_OLD_STATE(r)),
                          sim_state_name(SIM_REC_NEW_STATE(r)), sim_reason_name(r->reason));
            if (SIM_REC_NEW_STATE(r) == SIM_ST_RUNNING)
                strbuf_printf(&b, " core=%u", r->arg);
            break;
        case SIM_REC_SYNC:
            strbuf_printf(&b, " %s obj=%u n=%u", sim_sync_event_name((SimSyncEvent)r->state), r->arg,
                          r->other);
            if (r->state == SIM_SYNC_ERROR)
                strbuf_printf(&b, " error=%s", sim_sync_error_message((SimSyncError)r->reason));
            strbuf_printf(&b, " cause=%s\n", sim_cause_name(r->cause));
            continue;
        case SIM_REC_GIL_DROP:
            strbuf_printf(&b, " gil=%u %s", r->arg,
                          r->state == SIM_DROP_FORCED ? "forced"
                              : r->state == SIM_DROP_EXIT ? "exit" : "voluntary");
            break;
        default:
            strbuf_printf(&b, " arg=%u", r->arg);
            break;
        }
        if (r->other)
            strbuf_printf(&b, " other=%s", r->other - 1 < tr->n_threads ? tr->threads[r->other - 1].name : "?");
        strbuf_printf(&b, " cause=%s\n", sim_cause_name(r->cause));
    }
    strbuf_printf(&b, "# end=%lld outcome=%d\n", (long long)tr->end, tr->info.outcome);
    *out = strbuf_take(&b, len);
    return *out ? SIM_OK : SIM_ERR_NOMEM;
}
