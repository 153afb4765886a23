/*
 * link.c - after the walk, what needs every name known: the default names
 * of fork children, the threads and processes that start, join, terminate
 * and kill name (recorded as Refs where they were met), and the warnings
 * of a scenario that loads.
 *
 * Invariant: these run once, after every template exists (spawn.c), and
 * change no index already handed out.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

/* ---- Names of fork children and start/join targets, after the walk ------- */

/* Default names of fork children: "<parent>-child", then "-2", "-3"... */
int ld_name_fork_children(Loader *c)
{
    SimScenario *sc = c->sc;
    for (int p = c->n_decl_procs; p < sc->n_procs; p++) {
        if (sc->procs[p].name)
            continue;
        const char *parent = sc->procs[c->extra[p].parent].name;
        size_t len = strlen(parent) + 32;
        char *name = malloc(len);
        if (!name)
            return ld_nomem(c);
        snprintf(name, len, "%s-child", parent);
        for (int k = 2; ld_names_find(&c->names, -1, name) >= 0; k++)
            snprintf(name, len, "%s-child-%d", parent, k);
        sc->procs[p].name = name;
        if (ld_names_add(&c->names, -1, name, p) < 0)
            return ld_nomem(c);
    }
    return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail_ref(Loader *c, const Ref *r, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ld_fail_loc(c, SIM_ERR_INVALID, r->ptr, r->ptr, AT_VALUE, 0, "%s", msg);
}

int ld_resolve_ref(Loader *c, const Ref *r)
{
    SimScenario *sc = c->sc;
    SimOp *op = &sc->ops[sc->threads[r->thread].prog_first + r->op];
    int p = sc->threads[r->thread].process;
    bool start = op->kind == SIM_OP_START, signal = op->kind == SIM_OP_TERMINATE;
    const char *verb = start ? "start" : !signal ? "join" : (op->flags & SIM_OPF_KILL) ? "kill" : "terminate";
    char q[64], q2[64], where[320];
    ld_quote(r->name, q, sizeof(q));

    int u = ld_names_find(&c->names, p, r->name);
    if (u >= 0 && signal && ld_names_find(&c->names, -1, r->name) < 0)
        return fail_ref(c, r, "'%s' is a thread; Python cannot stop a thread from outside: only a process has "
                              "terminate() and kill(); expected the name of a process", q);
    if (u >= 0 && !signal) {
        if (u == r->thread)
            return fail_ref(c, r, "thread '%s' cannot %s itself; expected another thread or a process",
                            q, verb);
        if (start && !sc->threads[u].manual_start)
            return fail_ref(c, r, "thread '%s' starts with its process; declare it with "
                                  "\"start\": \"manual\" to start it here", q);
        op->target_kind = SIM_TARGET_THREAD;
        op->target = u;
        return 0;
    }
    int t = ld_names_find(&c->names, -1, r->name);
    if (t < 0) {
        const char *best = NULL;
        int best_d = INT_MAX;
        const SimProcessSpec *ps = &sc->procs[p];
        for (int i = ps->first_thread; i < ps->first_thread + ps->n_threads; i++)
            ld_suggest_consider(r->name, sc->threads[i].name, &best, &best_d);
        for (int i = 0; i < sc->n_procs; i++)
            ld_suggest_consider(r->name, sc->procs[i].name, &best, &best_d);
        ld_quote(sc->procs[p].name, q2, sizeof(q2));
        if (best)
            return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; did you mean '%s'?",
                            q, q2, q, best);
        return fail_ref(c, r, "no thread '%s' in process '%s' and no process '%s'; expected the name "
                              "of a thread of this process or of a process", q, q2, q);
    }
    if (t == p)
        return fail_ref(c, r, "a thread cannot %s its own process '%s'; expected another process%s", verb, q,
                        signal ? " (os_exit ends the thread's own process)" : " or a thread");
    if (signal && sc->procs[t].serves)
        return fail_ref(c, r, "'%s' is a manager's server process, which shuts down when the processes using "
                              "it have ended; expected another process", q);
    if (start && t >= c->n_decl_procs) {
        ld_locate(c, c->extra[t].ptr, AT_VALUE, 0, true, where, sizeof(where));
        return fail_ref(c, r, "process '%s' is created by the fork at %s and cannot be started; "
                              "expected a process declared with \"start\": \"manual\"", q, where);
    }
    if (start && !sc->procs[t].manual_start)
        return fail_ref(c, r, "process '%s' starts with the run; declare it with \"start\": \"manual\" "
                              "to start it here", q);
    op->target_kind = SIM_TARGET_PROCESS;
    op->target = t;
    return 0;
}

/* ---- Warnings, after the walk ------------------------------------------- */

int ld_warn(Loader *c)
{
    SimScenario *sc = c->sc;
    char q[64], q2[64];
    int rc;
    bool *started_t = calloc((size_t)sc->n_threads + 1, 1), *started_p = calloc((size_t)sc->n_procs + 1, 1);
    if (!started_t || !started_p) {
        free(started_t);
        free(started_p);
        return ld_nomem(c);
    }
    for (uint32_t i = 0; i < sc->n_ops; i++) {
        const SimOp *op = &sc->ops[i];
        if (op->kind != SIM_OP_START || op->target < 0)
            continue;
        if (op->target_kind == SIM_TARGET_THREAD && op->target < sc->n_threads)
            started_t[op->target] = true;
        else if (op->target_kind == SIM_TARGET_PROCESS && op->target < sc->n_procs)
            started_p[op->target] = true;
    }
    rc = 0;
    for (int p = 0; p < c->n_decl_procs && rc == 0; p++) {
        const SimProcessSpec *ps = &sc->procs[p];
        ld_quote(ps->name, q2, sizeof(q2));
        if (ps->manual_start && !started_p[p])
            rc = ld_warning(c, "process '%s' is declared \"start\": \"manual\" but no start operation starts it, "
                               "so it never runs", q2);
        for (int t = ps->first_thread; t < ps->first_thread + ps->n_threads && rc == 0; t++)
            if (sc->threads[t].manual_start && !started_t[t])
                rc = ld_warning(c, "thread '%s' of process '%s' is declared \"start\": \"manual\" but no start "
                                   "operation starts it, so it never runs",
                                ld_quote(sc->threads[t].name, q, sizeof(q)), q2);
    }
    free(started_t);
    free(started_p);
    return rc;
}
