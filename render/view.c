/*
 * view.c - the viewer's viewport state: visible range, zoom and pan,
 * selection and the playback cursor over the trace's records.
 *
 * Invariant: t1 - t0 >= R_VIEW_MIN_SPAN, the range stays within 10% of the
 * run on either side, and `cursor` is the last record with t <= cursor_t
 * (SIZE_MAX when there is none).
 */
#include <math.h>
#include <string.h>

#include "sim.h"
#include "view.h"

void render_view_init(RView *v, SimTime end)
{
    memset(v, 0, sizeof(*v));
    v->end = end > 0 ? end : 1;
    v->cursor = SIZE_MAX;
    v->sel_thread = SIM_NONE;
    v->arrows = true;
    render_view_fit(v);
    v->speed = (double)v->end / 20.0; /* the whole run in 20 s */
}

void render_view_fit(RView *v)
{
    render_view_set_range(v, 0, v->end);
}

void render_view_set_range(RView *v, SimTime t0, SimTime t1)
{
    SimTime margin = v->end / 10 + 1;
    SimTime lo = -margin, hi = v->end + margin;
    if (t1 - t0 < R_VIEW_MIN_SPAN) {
        SimTime mid = t0 + (t1 - t0) / 2;
        t0 = mid - R_VIEW_MIN_SPAN / 2;
        t1 = t0 + R_VIEW_MIN_SPAN;
    }
    if (t1 - t0 > hi - lo) {
        t0 = lo;
        t1 = hi;
    }
    if (t0 < lo) {
        t1 += lo - t0;
        t0 = lo;
    }
    if (t1 > hi) {
        t0 -= t1 - hi;
        t1 = hi;
    }
    v->t0 = t0;
    v->t1 = t1;
}

void render_view_zoom(RView *v, double factor, SimTime anchor)
{
    if (!(factor > 0))
        return;
    double a = (double)anchor;
    double n0 = a - (a - (double)v->t0) * factor, n1 = a + ((double)v->t1 - a) * factor;
    if (n1 - n0 < R_VIEW_MIN_SPAN) {
        /* Deepest zoom: keep the anchor where it is on screen. */
        double frac = (a - (double)v->t0) / (double)(v->t1 - v->t0);
        n0 = a - frac * R_VIEW_MIN_SPAN;
        n1 = n0 + R_VIEW_MIN_SPAN;
    }
    render_view_set_range(v, (SimTime)llround(n0), (SimTime)llround(n1));
}

void render_view_pan(RView *v, double fraction)
{
    SimTime w = v->t1 - v->t0;
    SimTime d = (SimTime)llround(fraction * (double)w);
    render_view_set_range(v, v->t0 + d, v->t1 + d);
}

/* The last record with t <= t, or SIZE_MAX. */
static size_t record_at(const SimTrace *tr, SimTime t)
{
    const SimRecord *r = sim_trace_records(tr);
    size_t lo = 0, hi = sim_trace_count(tr);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? SIZE_MAX : lo - 1;
}

void render_view_seek(RView *v, const SimTrace *tr, SimTime t)
{
    if (t < 0)
        t = 0;
    if (t > v->end)
        t = v->end;
    v->cursor_t = t;
    v->cursor = record_at(tr, t);
}

bool render_view_step(RView *v, const SimTrace *tr, int dir, uint32_t thread)
{
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    if (n == 0)
        return false;
    size_t i = v->cursor;
    for (;;) {
        if (dir > 0) {
            i = i == SIZE_MAX ? 0 : i + 1;
            if (i >= n)
                return false;
        } else {
            if (i == SIZE_MAX || i == 0)
                return false;
            i--;
        }
        if (thread == SIM_NONE || (r[i].thread == thread && r[i].kind == SIM_REC_STATE))
            break;
    }
    v->cursor = i;
    v->cursor_t = r[i].t;
    return true;
}

bool render_view_tick(RView *v, const SimTrace *tr, double wall_s)
{
    if (!v->playing)
        return false;
    SimTime to = v->cursor_t + (SimTime)llround(v->speed * wall_s);
    if (to >= v->end) {
        to = v->end;
        v->playing = false;
    }
    if (to == v->cursor_t)
        return false;
    /* Short hops scan forward; long ones search. */
    const SimRecord *r = sim_trace_records(tr);
    size_t n = sim_trace_count(tr), i = v->cursor;
    int scanned = 0;
    while (scanned < 64) {
        size_t next = i == SIZE_MAX ? 0 : i + 1;
        if (next >= n || r[next].t > to)
            break;
        i = next;
        scanned++;
    }
    v->cursor_t = to;
    v->cursor = scanned < 64 ? i : record_at(tr, to);
    return true;
}

void render_view_follow(RView *v)
{
    SimTime w = v->t1 - v->t0;
    if (v->cursor_t >= v->t0 && v->cursor_t <= v->t1)
        return;
    SimTime t0 = v->cursor_t - (v->playing ? w / 10 : w / 2);
    /* Following never shows time outside the run when the run is wider
     * than the view. */
    if (w <= v->end) {
        if (t0 < 0)
            t0 = 0;
        if (t0 + w > v->end)
            t0 = v->end - w;
    }
    render_view_set_range(v, t0, t0 + w);
}

void render_view_rebase(RView *v, const SimTrace *tr, SimTime end)
{
    v->end = end > 0 ? end : 1;
    /* Keep the view where it was, even past the new end, so that undoing
     * a change brings back the same picture; only a view left wholly
     * beyond the run is pulled back. */
    if (v->t0 >= v->end)
        render_view_set_range(v, v->t0, v->t1);
    if (v->cursor != SIZE_MAX)
        render_view_seek(v, tr, v->cursor_t);
    else if (v->cursor_t > v->end)
        v->cursor_t = v->end;
}
