/*
 * explain.c - the explanation engine's cause -> effect chain placed on
 * the timeline: each record of the chain (analysis/explain.h) becomes a
 * point on the lane it happened on, for the viewer's arrows.
 *
 * Invariant: a point is made only for a record whose lane exists, so an
 * arrow is drawn only between two things that happened and are shown;
 * the words of the explain panel and the arrows come from the same links.
 */
#include <string.h>

#include "sim.h"
#include "view.h"

uint32_t render_record_lane(const RIndex *ix, size_t rec)
{
    if (rec >= sim_trace_count(ix->tr))
        return SIM_NONE;
    const SimRecord *r = &sim_trace_records(ix->tr)[rec];
    if (r->kind == SIM_REC_SYNC && r->arg < ix->n_objects && ix->object_lane[r->arg] != SIM_NONE &&
        (r->state == SIM_SYNC_WRITE || r->state == SIM_SYNC_RELEASE || r->state == SIM_SYNC_SET ||
         r->state == SIM_SYNC_NOTIFY || r->state == SIM_SYNC_PUT || r->state == SIM_SYNC_GET))
        return ix->object_lane[r->arg];
    if (r->kind == SIM_REC_PROC_START || r->kind == SIM_REC_PROC_EXIT) {
        /* The process's first lane: where its story begins or ends. */
        for (uint32_t g = 0; g < ix->n_groups; g++)
            if (ix->groups[g].process == r->arg)
                return ix->groups[g].first_lane;
    }
    if (r->thread < sim_trace_thread_count(ix->tr))
        return ix->thread_lane[r->thread];
    return SIM_NONE;
}

bool render_explain_chain(const RIndex *ix, const Explainer *ex, size_t rec, RChain *out)
{
    memset(out, 0, sizeof(*out));
    if (!ex)
        return false;
    ExplainChain ch;
    explain_chain(ex, rec, &ch);
    const SimRecord *rs = sim_trace_records(ix->tr);
    for (int i = 0; i < ch.n && out->n < R_CHAIN_MAX; i++) {
        uint32_t lane = render_record_lane(ix, ch.rec[i]);
        if (lane == SIM_NONE)
            continue;
        /* Two records of one step (a drop and the wait it leads to) at the
         * same time on the same lane are one point. */
        if (out->n > 0 && out->t[out->n - 1] == rs[ch.rec[i]].t && out->lane[out->n - 1] == lane)
            continue; /* the first record of the step names it: "forced drop", "takes the GIL" */
        out->t[out->n] = rs[ch.rec[i]].t;
        out->lane[out->n] = lane;
        out->label[out->n] = ch.label[i];
        out->n++;
    }
    return out->n >= 2;
}
