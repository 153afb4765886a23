/*
 * sweep_result.c - a SweepResult's life, its accessors, and its points:
 * the overrides that simulate one point again, and its label.
 *
 * Invariant: a result's points are the cross product of its keys' values
 * in row-major order, the first key varying slowest, whether it ran or
 * was read from a CSV.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

const char *const sweep_m_col[M_COUNT] = {
    "makespan_s", "throughput", "switches_per_s", "forced_drops_per_s", "failed_wakeups",
    "gil_wait_core_idle",
};
const char *const sweep_t_col[T_COUNT] = {"io_p50_ms", "io_p90_ms", "io_p99_ms", "io_ops_per_s"};

SweepResult *sweep_result_alloc(const SweepSpec *spec, int n_points)
{
    SweepResult *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->spec = *spec;
    r->n_points = n_points;
    r->runs = spec->runs;
    int nk = spec->n_keys;
    r->coord = calloc((size_t)n_points * (size_t)(nk ? nk : 1), sizeof(int));
    r->deadlocks = calloc((size_t)(n_points ? n_points : 1), sizeof(int));
    if (!r->coord || !r->deadlocks) {
        sweep_result_destroy(r);
        return NULL;
    }
    for (int p = 0; p < n_points; p++) {
        int rem = p;
        for (int k = nk - 1; k >= 0; k--) {
            r->coord[p * nk + k] = rem % spec->keys[k].n;
            rem /= spec->keys[k].n;
        }
    }
    return r;
}

int sweep_result_alloc_agg(SweepResult *r)
{
    size_t n = (size_t)r->n_points * (size_t)sweep_n_figs(r);
    free(r->agg);
    r->agg = malloc((n ? n : 1) * sizeof(SweepAgg));
    if (!r->agg)
        return SIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        r->agg[i] = (SweepAgg){NAN, NAN, NAN};
    return SIM_OK;
}

void sweep_result_destroy(SweepResult *r)
{
    if (!r)
        return;
    for (int u = 0; u < r->n_io; u++)
        free(r->io[u]);
    free(r->io);
    free(r->agg);
    free(r->deadlocks);
    free(r->coord);
    free(r->name);
    free(r->version);
    free(r->own_file);
    for (int i = 0; r->own_fixed && i < r->spec.n_fixed; i++)
        free(r->own_fixed[i]);
    free(r->own_fixed);
    for (int k = 0; r->own_keys && k < r->spec.n_keys; k++)
        sweep_key_fini(&r->own_keys[k]);
    free(r->own_keys);
    free(r);
}

int sweep_result_points(const SweepResult *r) { return r->n_points; }
int sweep_result_jobs(const SweepResult *r) { return r->jobs_used; }
double sweep_result_seconds(const SweepResult *r) { return r->seconds; }
int sweep_result_deadlocks(const SweepResult *r) { return r->deadlocks_total; }
uint64_t sweep_result_seed(const SweepResult *r) { return r->seed; }
const SweepSpec *sweep_result_spec(const SweepResult *r) { return &r->spec; }

int sweep_point_overrides(const SweepResult *r, int p, uint64_t seed, const char **list,
                          char **owned, char *seed_buf, size_t seed_n)
{
    const SweepSpec *sp = &r->spec;
    int n = 0;
    for (int i = 0; i < sp->n_fixed; i++)
        list[n++] = sp->fixed[i];
    for (int k = 0; k < sp->n_keys; k++) {
        const SweepKey *key = &sp->keys[k];
        const char *v = key->values[r->coord[p * sp->n_keys + k]];
        size_t len = strlen(key->key) + strlen(v) + 2;
        if (!(owned[k] = malloc(len)))
            return -1;
        snprintf(owned[k], len, "%s=%s", key->key, v);
        list[n++] = owned[k];
    }
    if (seed != UINT64_MAX) {
        snprintf(seed_buf, seed_n, "seed=%llu", (unsigned long long)seed);
        list[n++] = seed_buf;
    }
    return n;
}

int sweep_point_get(const SweepResult *r, int p, SweepPoint *out)
{
    const SweepSpec *sp = &r->spec;
    memset(out, 0, sizeof(*out));
    if (p < 0 || p >= r->n_points)
        return SIM_ERR_INVALID;
    int cap = sp->n_fixed + sp->n_keys + 1;
    const char **list = calloc((size_t)cap, sizeof(*list));
    char **owned = calloc((size_t)(sp->n_keys + 1), sizeof(*owned));
    out->sets = calloc((size_t)cap, sizeof(*out->sets));
    char seed[40];
    int n = list && owned && out->sets
                ? sweep_point_overrides(r, p, r->seed, list, owned, seed, sizeof(seed))
                : -1;
    /* Every override becomes the point's own copy. */
    for (int i = 0; i < n; i++) {
        if (!(out->sets[i] = strdup(list[i]))) {
            n = -1;
            break;
        }
        out->n_sets = i + 1;
    }
    for (int k = 0; owned && k < sp->n_keys; k++)
        free(owned[k]);
    free(owned);
    free(list);
    if (n < 0) {
        sweep_point_fini(out);
        return SIM_ERR_NOMEM;
    }
    out->file = sp->file;
    out->until = sp->until;
    return SIM_OK;
}

void sweep_point_fini(SweepPoint *pt)
{
    for (int i = 0; pt->sets && i < pt->n_sets; i++)
        free(pt->sets[i]);
    free(pt->sets);
    memset(pt, 0, sizeof(*pt));
}

char *sweep_point_label(const SweepResult *r, int p, char *buf, size_t n)
{
    const SweepSpec *sp = &r->spec;
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < sp->n_keys && p >= 0 && p < r->n_points && used < n; k++) {
        const char *key = strrchr(sp->keys[k].key, '.');
        const char *v = sp->keys[k].values[r->coord[p * sp->n_keys + k]];
        int w = snprintf(buf + used, n - used, "%s%s=%s", k ? " \xc2\xb7 " : "",
                         key ? key + 1 : sp->keys[k].key, v);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}
