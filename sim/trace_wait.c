/*
 * trace_wait.c - what a deadlocked thread waits for, read from its DEADLOCK
 * record: the joined thread or process, the started thread, or the object
 * and, for a lock, who holds it, including a holder that exists only in
 * the parent because the process forked while it held the lock.
 *
 * The report, the viewer's explain panel and the trace exports all decode
 * DEADLOCK records here and nowhere else.
 *
 * Invariant: only the trace is read. A lock's holder is the thread of the
 * object's last ACQUIRE before the record that no plain RELEASE followed,
 * found by scanning back from the record, which stops at the first
 * ACQUIRE or plain RELEASE of that object.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

const char *sim_wait_kind_name(SimWaitKind k)
{
    static const char *const names[SIM_WAIT_KIND_COUNT] = {
        "nothing", "io", "sleep", "nogil", "join_thread", "join_process", "start", "object",
    };
    return (unsigned)k < SIM_WAIT_KIND_COUNT ? names[k] : "unknown";
}

static bool lockish(const SimObjectInfo *o)
{
    return strcmp(o->kind, "lock") == 0 || strcmp(o->kind, "rlock") == 0;
}

/* The holder of lock obj just before record rec; *orphan says the holding
 * came through a fork from a thread of the parent. */
static uint32_t lock_holder(const SimTrace *tr, size_t rec, uint32_t obj, bool *orphan)
{
    const SimRecord *r = sim_trace_records(tr);
    *orphan = false;
    for (size_t i = rec; i-- > 0;) {
        if (r[i].kind != SIM_REC_SYNC || r[i].arg != obj)
            continue;
        if (r[i].state == SIM_SYNC_ACQUIRE) {
            *orphan = r[i].reason == SIM_ACQ_FORK_ORPHAN;
            return r[i].thread;
        }
        if (r[i].state == SIM_SYNC_RELEASE && r[i].reason == SIM_REL_PLAIN)
            return SIM_NONE;
    }
    return SIM_NONE;
}

int sim_trace_wait(const SimTrace *tr, size_t rec, SimWait *out)
{
    memset(out, 0, sizeof(*out));
    out->thread = out->process = out->object = out->holder = out->next = SIM_NONE;
    if (rec >= sim_trace_count(tr))
        return SIM_ERR_INVALID;
    const SimRecord *r = &sim_trace_records(tr)[rec];
    if (r->kind != SIM_REC_DEADLOCK)
        return SIM_ERR_INVALID;
    uint32_t on = r->other ? r->other - 1 : SIM_NONE;
    out->kind = (SimWaitKind)r->arg;
    switch (out->kind) {
    case SIM_WAIT_JOIN_THREAD:
    case SIM_WAIT_START:
        out->thread = out->next = on;
        break;
    case SIM_WAIT_JOIN_PROCESS:
        out->process = on;
        break;
    case SIM_WAIT_OBJECT: {
        out->object = on;
        const SimObjectInfo *o = sim_trace_object(tr, on);
        if (!o || !lockish(o))
            break;
        bool orphan;
        out->holder = lock_holder(tr, rec, on, &orphan);
        if (out->holder == SIM_NONE)
            break;
        const SimThreadInfo *me = sim_trace_thread(tr, r->thread);
        const SimThreadInfo *holder = sim_trace_thread(tr, out->holder);
        out->holder_absent = orphan || (me && holder && holder->process != me->process);
        if (!out->holder_absent)
            out->next = out->holder;
        break;
    }
    default:
        break;
    }
    return SIM_OK;
}

/* "process/thread", or "?" for no thread. */
static const char *thread_label(const SimTrace *tr, uint32_t t, char *buf, size_t n)
{
    const SimThreadInfo *ti = sim_trace_thread(tr, t);
    const SimProcessInfo *pi = ti ? sim_trace_process(tr, ti->process) : NULL;
    if (!ti)
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%s/%s", pi ? pi->name : "?", ti->name);
    return buf;
}

char *sim_trace_wait_text(const SimTrace *tr, size_t rec, char *buf, size_t n)
{
    SimWait w;
    char who[256];
    buf[0] = '\0';
    if (sim_trace_wait(tr, rec, &w) < 0)
        return buf;
    const SimRecord *r = &sim_trace_records(tr)[rec];
    switch (w.kind) {
    case SIM_WAIT_JOIN_THREAD:
        snprintf(buf, n, "join of thread %s", thread_label(tr, w.thread, who, sizeof(who)));
        break;
    case SIM_WAIT_START:
        snprintf(buf, n, "Thread.start() of %s", thread_label(tr, w.thread, who, sizeof(who)));
        break;
    case SIM_WAIT_JOIN_PROCESS: {
        const SimProcessInfo *p = sim_trace_process(tr, w.process);
        snprintf(buf, n, "join of process %s", p ? p->name : "?");
        break;
    }
    case SIM_WAIT_OBJECT: {
        const SimObjectInfo *o = sim_trace_object(tr, w.object);
        if (!o)
            snprintf(buf, n, "an object");
        else if (!lockish(o))
            snprintf(buf, n, "%s '%s', which nothing left can signal", o->kind, o->name);
        else if (w.holder == SIM_NONE)
            snprintf(buf, n, "%s '%s'", o->kind, o->name);
        else if (w.holder_absent)
            snprintf(buf, n,
                     "%s '%s', held by a thread that does not exist in this process: %s held it "
                     "when the process forked, and only the forking thread was copied",
                     o->kind, o->name, thread_label(tr, w.holder, who, sizeof(who)));
        else
            snprintf(buf, n, "%s '%s' held by %s", o->kind, o->name,
                     thread_label(tr, w.holder, who, sizeof(who)));
        break;
    }
    default:
        if (sim_reason_state((SimReason)r->reason) == SIM_ST_RUNNING)
            snprintf(buf, n, "nothing: it spins in a busy-wait whose condition nothing left can make true");
        else
            snprintf(buf, n, "%s", sim_reason_name((SimReason)r->reason));
        break;
    }
    return buf;
}
