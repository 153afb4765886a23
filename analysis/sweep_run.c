/*
 * sweep_run.c - running a sweep: points x runs simulations on a pool of
 * threads, each point's scenario loaded just before its runs and freed
 * after them, the figures of each run, and their aggregates per point
 * (median, minimum, maximum).
 *
 * A worker takes a point, loads its scenario (loading is serialized: the
 * JSON parser keeps a global error pointer) and runs it once per seed, so
 * a sweep holds one scenario per worker, never one per point. Runs share
 * nothing. Each run writes its figures into its own slot, and everything
 * downstream reads the slots in point and run order, which is why the
 * thread count cannot change a byte of the output. When a point fails
 * (a bad value, a run that cannot go on), the points after it are skipped
 * and the first failure is reported: every point before it always runs,
 * so which failure is reported does not depend on the thread count either.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sweep_internal.h"
#include "text_file.h"

#define MAX_POINTS 100000     /* points of a sweep */
#define MAX_JOBS_TOTAL 200000 /* runs of a sweep */

/* ---- Figures of one run ---------------------------------------------------- */

typedef struct RunIo {
    char *label;            /* "process/thread" */
    double v[T_COUNT];
} RunIo;

typedef struct RunFigures {
    int rc;                 /* SIM_OK, or why the run failed (msg says more) */
    char *msg;              /* the failed run's error; owned */
    int outcome;            /* SIM_RUN_* */
    double m[M_COUNT];
    RunIo *io;              /* threads that completed at least one I/O op */
    int n_io;
} RunFigures;

static void run_figures_free(RunFigures *r)
{
    free(r->msg);
    r->msg = NULL;
    for (int i = 0; i < r->n_io; i++)
        free(r->io[i].label);
    free(r->io);
    r->io = NULL;
    r->n_io = 0;
}

/*
 * The figures of one run. Latencies, switches, forced drops, failed
 * wake-ups and Python time come from sim_stats_compute, so `gilsim run`
 * reports the same numbers; the one figure of its own, the time during
 * which some thread waited for a GIL while fewer threads ran than there
 * are cores, takes one more pass over the state records.
 */
static int measure(const SimTrace *tr, RunFigures *out)
{
    SimStats *st = sim_stats_compute(tr);
    if (!st)
        return SIM_ERR_NOMEM;
    uint32_t nt = sim_trace_thread_count(tr);
    int cores = sim_trace_info(tr)->cores;
    SimTime end = sim_trace_end(tr);
    uint8_t *reason = calloc(nt ? nt : 1, 1);
    if (!reason) {
        sim_stats_destroy(st);
        return SIM_ERR_NOMEM;
    }
    const SimRecord *rec = sim_trace_records(tr);
    size_t n = sim_trace_count(tr);
    int waiting = 0, running = 0, rc = SIM_OK;
    SimTime last = 0, idle = 0;
    for (size_t i = 0; i < n; i++) {
        const SimRecord *r = &rec[i];
        if (r->kind != SIM_REC_STATE || r->thread >= nt)
            continue;
        if (r->t > last) {
            if (waiting > 0 && running < cores)
                idle += r->t - last;
            last = r->t;
        }
        SimReason old = (SimReason)reason[r->thread], nw = (SimReason)r->reason;
        waiting += (nw == SIM_R_WAIT_GIL) - (old == SIM_R_WAIT_GIL);
        running += (sim_reason_state(nw) == SIM_ST_RUNNING) - (sim_reason_state(old) == SIM_ST_RUNNING);
        reason[r->thread] = (uint8_t)nw;
    }
    if (end > last && waiting > 0 && running < cores)
        idle += end - last;
    free(reason);

    double python = 0; /* summed over threads, it could pass any SimTime */
    for (int i = 0; i < st->n_threads; i++)
        python += (double)st->threads[i].state_ns[SIM_R_PYTHON];
    uint64_t switches = 0, forced = 0, failed = 0;
    for (int g = 0; g < st->n_gils; g++) {
        switches += st->gils[g].switches;
        forced += st->gils[g].forced_drops;
        failed += st->gils[g].failed_wakeups;
    }
    double secs = (double)end / 1e9;
    double per_s = secs > 0 ? 1 / secs : NAN;
    out->m[M_MAKESPAN] = secs;
    out->m[M_THROUGHPUT] = secs > 0 ? python / (double)end : NAN;
    out->m[M_SWITCHES] = (double)switches * per_s;
    out->m[M_FORCED] = (double)forced * per_s;
    out->m[M_FAILED] = (double)failed;
    out->m[M_IDLE] = end > 0 ? (double)idle / (double)end : NAN;

    int n_io = 0;
    for (int i = 0; i < st->n_threads; i++)
        n_io += st->threads[i].io.count > 0;
    if (!(out->io = calloc(n_io ? (size_t)n_io : 1, sizeof(RunIo))))
        rc = SIM_ERR_NOMEM;
    for (uint32_t i = 0; i < nt && rc == SIM_OK; i++) {
        const SimLatency *lat = &st->threads[i].io;
        if (!lat->count)
            continue;
        const SimThreadInfo *ti = sim_trace_thread(tr, i);
        const SimProcessInfo *pi = sim_trace_process(tr, ti->process);
        char label[256];
        snprintf(label, sizeof(label), "%s/%s", pi ? pi->name : "?", ti->name);
        /* The same names twice (forked children): number the later ones. */
        size_t l = strlen(label);
        int dup = 1;
        for (int j = 0; j < out->n_io; j++)
            if (strncmp(out->io[j].label, label, l) == 0 &&
                (out->io[j].label[l] == '\0' || out->io[j].label[l] == '#'))
                dup++;
        if (dup > 1)
            snprintf(label + l, sizeof(label) - l, "#%d", dup);
        RunIo *io = &out->io[out->n_io];
        if (!(io->label = strdup(label))) {
            rc = SIM_ERR_NOMEM;
            break;
        }
        io->v[T_P50] = (double)lat->p50 / 1e6;
        io->v[T_P90] = (double)lat->p90 / 1e6;
        io->v[T_P99] = (double)lat->p99 / 1e6;
        io->v[T_OPS] = (double)lat->count * per_s;
        out->n_io++;
    }
    sim_stats_destroy(st);
    return rc;
}

/* ---- Running ---------------------------------------------------------------- */

typedef struct Pool {
    const SweepResult *r;
    RunFigures *run;        /* [points x runs], point-major */
    const char *name, *src; /* the scenario's text, and the name its errors cite */
    size_t len;
    uint64_t seed;          /* the first run's seed */
    uint64_t max_records;   /* trace budget of each run */
    SimTime until;
    const char **list;      /* override buffers, used under `load` */
    char **owned;
    pthread_mutex_t mu;     /* next, done, stop */
    pthread_mutex_t load;   /* cJSON's global error pointer */
    pthread_cond_t cv;
    int next, points;       /* the next point to run, of how many */
    int done, total;        /* runs finished (or skipped), of how many */
    int stop;               /* points after this one are skipped (one of its runs failed) */
} Pool;

static int fail_run(RunFigures *out, const SimError *err)
{
    out->rc = err->code < 0 ? err->code : SIM_ERR_NOMEM;
    out->msg = strdup(err->msg);
    return out->rc;
}

/* One run of a loaded scenario, measured. */
static int run_one(Pool *p, const SimScenario *sc, RunFigures *out)
{
    SimError err;
    SimWorld *w = sim_world_create(sc, &err);
    if (!w)
        return fail_run(out, &err);
    sim_world_set_max_records(w, p->max_records);
    int rc = sim_world_run(w, p->until);
    if (rc < 0) {
        sim_world_error(w, &err);
        sim_world_destroy(w);
        return fail_run(out, &err);
    }
    out->outcome = rc;
    SimTrace *tr = sim_world_take_trace(w);
    sim_world_destroy(w);
    out->rc = measure(tr, out);
    sim_trace_destroy(tr);
    return out->rc;
}

/* Loads point pt's scenario once and runs it with each of its seeds,
 * counting each run done as it ends; *ran says how many it counted. */
static int run_point(Pool *p, int pt, int *ran)
{
    RunFigures *out = &p->run[pt * p->r->runs];
    SimScenario *sc = NULL;
    SimError err;
    char seed_buf[40];
    pthread_mutex_lock(&p->load);
    int n = sweep_point_overrides(p->r, pt, UINT64_MAX, p->list, p->owned, seed_buf, sizeof(seed_buf));
    int rc = n < 0 ? sim_error_set(&err, SIM_ERR_NOMEM, "out of memory")
                   : sim_scenario_load_text(p->name, p->src, p->len, p->list, n, &sc, &err);
    for (int q = 0; q < p->r->spec.n_keys; q++)
        free(p->owned[q]), p->owned[q] = NULL;
    pthread_mutex_unlock(&p->load);
    if (rc < 0)
        return fail_run(out, &err);
    for (int k = 0; k < p->r->runs && rc == SIM_OK; k++) {
        sim_scenario_set_seed(sc, p->seed + (uint64_t)k);
        rc = run_one(p, sc, &out[k]);
        pthread_mutex_lock(&p->mu);
        p->done++;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        ++*ran;
    }
    sim_scenario_destroy(sc);
    return rc;
}

static void *worker(void *arg)
{
    Pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int pt = p->next < p->points ? p->next++ : -1;
        bool skip = pt > p->stop;
        pthread_mutex_unlock(&p->mu);
        if (pt < 0)
            break;
        int ran = 0;
        int rc = skip ? SIM_OK : run_point(p, pt, &ran);
        pthread_mutex_lock(&p->mu);
        if (rc < 0 && pt < p->stop)
            p->stop = pt;
        p->done += p->r->runs - ran; /* what did not run counts as done, for the progress */
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs every job of the pool on `jobs` threads (or here, if none can be
 * started), reporting progress from this thread. Returns the threads used. */
static int run_pool(Pool *pool, int jobs, SweepProgressFn progress, void *ud, double *seconds)
{
    pthread_mutex_init(&pool->mu, NULL);
    pthread_mutex_init(&pool->load, NULL);
    pthread_cond_init(&pool->cv, NULL);
    pthread_t *tids = calloc((size_t)jobs, sizeof(pthread_t));
    int started = 0;
    double t0 = now_s();
    for (int i = 0; tids && i < jobs; i++) {
        if (pthread_create(&tids[i], NULL, worker, pool) != 0)
            break;
        started++;
    }
    if (started == 0) {
        /* No threads to be had: run everything here. */
        worker(pool);
        started = 1;
    } else {
        pthread_mutex_lock(&pool->mu);
        while (pool->done < pool->total) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += 100 * 1000 * 1000;
            if (dl.tv_nsec >= 1000000000) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&pool->cv, &pool->mu, &dl);
            int done = pool->done;
            pthread_mutex_unlock(&pool->mu);
            if (progress && done < pool->total)
                progress(ud, done, pool->total, now_s() - t0);
            pthread_mutex_lock(&pool->mu);
        }
        pthread_mutex_unlock(&pool->mu);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    free(tids);
    *seconds = now_s() - t0;
    pthread_mutex_destroy(&pool->mu);
    pthread_mutex_destroy(&pool->load);
    pthread_cond_destroy(&pool->cv);
    if (progress)
        progress(ud, pool->total, pool->total, *seconds);
    return started;
}

/* ---- Aggregates ------------------------------------------------------------- */

/* Collects the I/O threads of all runs in first-seen order into r->io and
 * maps each run's threads onto that list: (*io_map)[j * n_io + u] is run
 * j's index of thread u, or -1. */
static int index_io(SweepResult *r, const RunFigures *run, int **io_map)
{
    int total = r->n_points * r->runs;
    for (int j = 0; j < total; j++)
        for (int t = 0; t < run[j].n_io; t++) {
            const char *lab = run[j].io[t].label;
            int found = -1;
            for (int u = 0; u < r->n_io && found < 0; u++)
                if (strcmp(r->io[u], lab) == 0)
                    found = u;
            if (found >= 0)
                continue;
            char **ni = realloc(r->io, (size_t)(r->n_io + 1) * sizeof(char *));
            if (!ni)
                return SIM_ERR_NOMEM;
            r->io = ni;
            if (!(r->io[r->n_io] = strdup(lab)))
                return SIM_ERR_NOMEM;
            r->n_io++;
        }
    int *map = malloc((size_t)total * (size_t)(r->n_io ? r->n_io : 1) * sizeof(int));
    if (!map)
        return SIM_ERR_NOMEM;
    for (int j = 0; j < total; j++)
        for (int u = 0; u < r->n_io; u++) {
            int found = -1;
            for (int t = 0; t < run[j].n_io && found < 0; t++)
                if (strcmp(r->io[u], run[j].io[t].label) == 0)
                    found = t;
            map[(size_t)j * (size_t)r->n_io + (size_t)u] = found;
        }
    *io_map = map;
    return SIM_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Figure f (sweep_fig) of run j; NAN when the run has no such I/O thread. */
static double run_fig(const SweepResult *r, const RunFigures *run, const int *io_map, int j, int f)
{
    if (f < M_COUNT)
        return run[j].m[f];
    int u = (f - M_COUNT) / T_COUNT, t = (f - M_COUNT) % T_COUNT;
    int k = io_map[(size_t)j * (size_t)r->n_io + (size_t)u];
    return k < 0 ? NAN : run[j].io[k].v[t];
}

/* Every figure of every point over the point's runs: median, min, max of
 * the runs that have it. */
static int aggregate(SweepResult *r, const RunFigures *run, const int *io_map)
{
    if (sweep_result_alloc_agg(r) < 0)
        return SIM_ERR_NOMEM;
    double *buf = malloc((size_t)r->runs * sizeof(double));
    if (!buf)
        return SIM_ERR_NOMEM;
    int nf = sweep_n_figs(r);
    for (int p = 0; p < r->n_points; p++)
        for (int f = 0; f < nf; f++) {
            int n = 0;
            for (int k = 0; k < r->runs; k++) {
                double x = run_fig(r, run, io_map, p * r->runs + k, f);
                if (isfinite(x))
                    buf[n++] = x;
            }
            if (!n)
                continue;
            qsort(buf, (size_t)n, sizeof(double), cmp_double);
            SweepAgg *a = &r->agg[(size_t)p * (size_t)nf + (size_t)f];
            a->min = buf[0];
            a->max = buf[n - 1];
            a->med = n % 2 ? buf[n / 2] : (buf[n / 2 - 1] + buf[n / 2]) / 2;
        }
    free(buf);
    return SIM_OK;
}

/* ---- The sweep ------------------------------------------------------------------ */

int sweep_run(const SweepSpec *sp, SweepProgressFn progress, void *ud, SweepResult **out,
              SimError *err)
{
    *out = NULL;
    if (sp->runs < 1)
        return sim_error_set(err, SIM_ERR_INVALID, "--runs must be at least 1");
    long long points = 1;
    for (int k = 0; k < sp->n_keys; k++) {
        points *= sp->keys[k].n;
        if (points > MAX_POINTS)
            return sim_error_set(err, SIM_ERR_LIMIT, "the sweep has more than %d points; sweep "
                                                     "fewer values", MAX_POINTS);
    }
    if (points * sp->runs > MAX_JOBS_TOTAL)
        return sim_error_set(err, SIM_ERR_LIMIT, "%lld points x %d runs is more than %d runs; use "
                                                 "fewer points or runs", points, sp->runs,
                             MAX_JOBS_TOTAL);
    SweepResult *r = sweep_result_alloc(sp, (int)points);
    if (!r)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    int total = r->n_points * r->runs;
    int rc = SIM_ERR_NOMEM;
    char *text = NULL;
    size_t len = 0;
    const char *name;
    RunFigures *run = NULL;
    int *io_map = NULL;
    const char **list = NULL;
    char **owned = NULL;
    Pool pool;
    memset(&pool, 0, sizeof(pool));
    run = calloc((size_t)total, sizeof(RunFigures));
    list = calloc((size_t)(sp->n_fixed + sp->n_keys + 2), sizeof(*list));
    owned = calloc((size_t)(sp->n_keys + 1), sizeof(*owned));
    if (!run || !list || !owned) {
        sim_error_set(err, rc, "out of memory");
        goto fail;
    }
    if (sp->source_path) {
        if ((rc = text_file_read(sp->source_path, &text, &len, err)) < 0)
            goto fail;
        name = sp->source_path;
    } else {
        name = sp->source_name;
        len = strlen(sp->source_text);
    }
    const char *src = text ? text : sp->source_text;
    char seed_buf[40];
    /* The first seed: the scenario's own (after the fixed overrides) unless given. */
    uint64_t seed = sp->seed;
    {
        SimScenario *probe = NULL;
        int n = sweep_point_overrides(r, 0, UINT64_MAX, list, owned, seed_buf, sizeof(seed_buf));
        if (n < 0)
            goto fail_nomem;
        rc = sim_scenario_load_text(name, src, len, list, n, &probe, err);
        for (int k = 0; k < sp->n_keys; k++)
            free(owned[k]), owned[k] = NULL;
        if (rc < 0)
            goto fail;
        if (!sp->has_seed)
            seed = sim_scenario_seed(probe);
        r->hash = sim_scenario_hash(probe);
        r->name = strdup(sim_scenario_name(probe));
        sim_scenario_destroy(probe);
        if (!r->name)
            goto fail_nomem;
    }
    if (seed > UINT64_MAX - (uint64_t)(r->runs - 1)) {
        rc = sim_error_set(err, SIM_ERR_INVALID, "seeds %llu and the %d after it pass 18446744073709551615; "
                                                 "expected a smaller --seed or fewer --runs",
                           (unsigned long long)seed, r->runs - 1);
        goto fail;
    }
    r->seed = seed;
    if (!(r->version = strdup(GILSIM_VERSION)))
        goto fail_nomem;
    int jobs = sp->jobs > 0 ? sp->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if (jobs > r->n_points)
        jobs = r->n_points; /* a worker runs a point's runs in turn */
    pool.r = r;
    pool.run = run;
    pool.name = name;
    pool.src = src;
    pool.len = len;
    pool.seed = seed;
    /* The machine's trace budget is shared by the runs at once. */
    pool.max_records = sp->max_records ? sp->max_records : sim_default_max_records() / (uint64_t)jobs;
    pool.list = list;
    pool.owned = owned;
    pool.until = sp->until;
    pool.points = r->n_points;
    pool.total = total;
    pool.stop = r->n_points;
    r->jobs_used = run_pool(&pool, jobs, progress, ud, &r->seconds);

    for (int j = 0; j < total; j++) {
        if (run[j].rc < 0) {
            rc = sim_error_set(err, run[j].rc, "point %d, run %d: %s", j / r->runs + 1, j % r->runs + 1,
                               run[j].msg ? run[j].msg : "out of memory");
            goto fail;
        }
        r->deadlocks[j / r->runs] += run[j].outcome == SIM_RUN_DEADLOCK;
        r->deadlocks_total += run[j].outcome == SIM_RUN_DEADLOCK;
    }
    if (index_io(r, run, &io_map) < 0 || aggregate(r, run, io_map) < 0)
        goto fail_nomem;
    rc = SIM_OK;
    *out = r;
    r = NULL;
    goto done;

fail_nomem:
    rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
fail:
done:
    for (int j = 0; run && j < total; j++)
        run_figures_free(&run[j]);
    free(run);
    free(io_map);
    free(list);
    for (int k = 0; owned && k < sp->n_keys; k++)
        free(owned[k]);
    free(owned);
    free(text);
    sweep_result_destroy(r);
    return rc;
}
