/*
 * sweep.c - parameter sweeps: swept values, the points of their cross
 * product, parallel runs, per-run figures, CSV and the chart of a sweep.
 *
 * Every scenario is loaded by the calling thread before any run starts
 * (the JSON parser keeps a global error pointer, so loading is not safe to
 * do from several threads at once); workers then only create, run and
 * destroy their own worlds, which share nothing. Each run writes its
 * figures into its own slot, and everything downstream reads the slots in
 * point and run order, which is why the thread count cannot change a byte
 * of the output.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "duration_text.h"
#include "sweep.h"

#define MAX_VALUES 10000    /* values of one swept key */
#define MAX_POINTS 100000   /* points of a sweep */
#define MAX_JOBS_TOTAL 200000 /* runs of a sweep; every scenario is loaded up front */

/* ---- Swept values --------------------------------------------------------- */

static int why_set(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* A duration with a unit ("5ms", "0.1 ms"); bare numbers are not. */
static bool parse_duration(const char *s, SimTime *ns)
{
    return sim_duration_parse(s, ns) == SIM_OK;
}

static bool parse_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (errno || end == s || *end || !isfinite(x))
        return false;
    *v = x;
    return true;
}

static bool looks_integer(const char *s)
{
    return !strpbrk(s, ".eEnNiI");
}

/* The unit a duration was written with, spelled as the CSV spells it. */
static const char *unit_of(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && strcmp(s + n - 2, "ns") == 0)
        return "ns";
    if (n >= 2 && (strcmp(s + n - 2, "us") == 0 || (n >= 3 && strcmp(s + n - 3, "\xc2\xb5s") == 0)))
        return "us";
    if (n >= 2 && strcmp(s + n - 2, "ms") == 0)
        return "ms";
    return "s";
}

static double round_sig(double v, int digits)
{
    if (v == 0 || !isfinite(v))
        return v;
    double e = floor(log10(fabs(v)));
    double q = pow(10, e - digits + 1);
    return round(v / q) * q;
}

static int key_alloc(SweepKey *k, int n)
{
    k->n = n;
    k->values = calloc((size_t)n, sizeof(char *));
    k->num = calloc((size_t)n, sizeof(double));
    return k->values && k->num ? 0 : -1;
}

static int set_value(SweepKey *k, int i, const char *text, double num)
{
    if (!(k->values[i] = strdup(text)))
        return -1;
    k->num[i] = num;
    return 0;
}

static int parse_range(const char *v, SweepKey *k, char *why, size_t wn)
{
    const char *dots = strstr(v, "..");
    char a[64], b[64], kind[16];
    const char *rest = dots + 2;
    const char *c1 = strchr(rest, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || (size_t)(dots - v) >= sizeof(a) || (size_t)(c1 - rest) >= sizeof(b) ||
        (size_t)(c2 - c1 - 1) >= sizeof(kind))
        return why_set(why, wn, "'%s': expected a range A..B:lin:N or A..B:log:N, e.g. 0.1ms..50ms:log:12",
                       v);
    snprintf(a, sizeof(a), "%.*s", (int)(dots - v), v);
    snprintf(b, sizeof(b), "%.*s", (int)(c1 - rest), rest);
    snprintf(kind, sizeof(kind), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
    if (strcmp(kind, "lin") == 0)
        k->kind = SWEEP_LIN;
    else if (strcmp(kind, "log") == 0)
        k->kind = SWEEP_LOG;
    else
        return why_set(why, wn, "'%s': unknown spacing '%s'; expected lin or log", v, kind);
    char *end;
    errno = 0;
    long n = strtol(c2 + 1, &end, 10);
    if (errno || end == c2 + 1 || *end || n < 2 || n > MAX_VALUES)
        return why_set(why, wn, "'%s': the number of points '%s' must be a whole number from 2 to %d",
                       v, c2 + 1, MAX_VALUES);
    SimTime da, db;
    double na, nb;
    bool dur = parse_duration(a, &da) && parse_duration(b, &db);
    bool num = !dur && parse_number(a, &na) && parse_number(b, &nb);
    if (!dur && !num)
        return why_set(why, wn,
                       "'%s': A and B must both be durations with a unit (0.1ms..50ms) or both "
                       "plain numbers (1..8)",
                       v);
    if (dur) {
        na = (double)da;
        nb = (double)db;
    }
    if (!(na < nb))
        return why_set(why, wn, "'%s': the range must go up (A < B)", v);
    if (k->kind == SWEEP_LOG && !(na > 0))
        return why_set(why, wn, "'%s': a log range needs A > 0", v);
    k->duration = dur;
    k->numeric = true;
    if (key_alloc(k, (int)n) < 0)
        return why_set(why, wn, "out of memory");
    bool integers = !dur && looks_integer(a) && looks_integer(b);
    /* The fewest significant digits (at least 3) that keep the points
     * distinct; the ends stay as given. */
    double *raw = malloc((size_t)n * sizeof(double));
    if (!raw)
        return why_set(why, wn, "out of memory");
    for (long i = 0; i < n; i++) {
        double t = (double)i / (double)(n - 1);
        raw[i] = k->kind == SWEEP_LIN ? na + (nb - na) * t : na * pow(nb / na, t);
    }
    int digits = integers ? 0 : 3;
    for (;; digits++) {
        bool ok = true;
        double prev = -INFINITY;
        for (long i = 0; i < n && ok; i++) {
            double x = i == 0 ? na : i == n - 1 ? nb : raw[i];
            if (integers || dur)
                x = (double)llround(integers ? x : round_sig(x, digits));
            else
                x = round_sig(x, digits);
            ok = x > prev;
            prev = x;
        }
        if (ok)
            break;
        if (integers || digits >= 15) {
            free(raw);
            return why_set(why, wn,
                           "'%s' gives repeated values; use fewer points or a wider range", v);
        }
    }
    const char *zero_unit = dur ? unit_of(b) : NULL;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        double x = i == 0 ? na : i == n - 1 ? nb : raw[i];
        char text[64];
        if (dur) {
            SimTime ns = i == 0 ? da : i == n - 1 ? db : (SimTime)llround(round_sig(x, digits));
            duration_text_exact(ns, zero_unit, text, sizeof(text));
            rc = set_value(k, (int)i, text, (double)ns);
        } else if (integers) {
            snprintf(text, sizeof(text), "%lld", (long long)llround(x));
            rc = set_value(k, (int)i, text, (double)llround(x));
        } else {
            if (i == 0 || i == n - 1)
                snprintf(text, sizeof(text), "%s", i == 0 ? a : b);
            else
                snprintf(text, sizeof(text), "%.*g", digits, round_sig(x, digits));
            double back = NAN;
            parse_number(text, &back);
            rc = set_value(k, (int)i, text, back);
        }
    }
    free(raw);
    return rc < 0 ? why_set(why, wn, "out of memory") : 1;
}

static int parse_list(const char *v, SweepKey *k, char *why, size_t wn)
{
    int n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    if (n > MAX_VALUES)
        return why_set(why, wn, "'%s': more than %d values", v, MAX_VALUES);
    k->kind = SWEEP_LIST;
    if (key_alloc(k, n) < 0)
        return why_set(why, wn, "out of memory");
    const char *p = v;
    for (int i = 0; i < n; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len)
            return why_set(why, wn, "'%s': value %d of the list is empty", v, i + 1);
        if (!(k->values[i] = strndup(p, len)))
            return why_set(why, wn, "out of memory");
        for (int j = 0; j < i; j++)
            if (strcmp(k->values[j], k->values[i]) == 0)
                return why_set(why, wn, "'%s': '%s' is listed twice", v, k->values[i]);
        p = comma ? comma + 1 : p + len;
    }
    /* Numeric when every value is a duration with a unit, or every value a
     * bare number; a mix of the two is neither. */
    bool dur = true, num = true;
    for (int i = 0; i < n; i++) {
        SimTime ns;
        double x;
        dur = dur && parse_duration(k->values[i], &ns);
        num = num && parse_number(k->values[i], &x);
    }
    for (int i = 0; i < n; i++) {
        SimTime ns = 0;
        double x = NAN;
        if (dur)
            parse_duration(k->values[i], &ns), x = (double)ns;
        else if (num)
            parse_number(k->values[i], &x);
        k->num[i] = x;
    }
    k->duration = dur;
    k->numeric = dur || num;
    return 1;
}

int sweep_key_parse(const char *set, SweepKey *out, char *why, size_t wn)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return why_set(why, wn, "--set %s: expected KEY=VALUE, e.g. python.switch_interval=1ms", set);
    const char *v = eq + 1;
    if (*v == '[' || *v == '{' || *v == '"')
        return 0;
    bool range = strstr(v, "..") != NULL, list = strchr(v, ',') != NULL;
    if (!range && !list)
        return 0;
    SweepKey k;
    memset(&k, 0, sizeof(k));
    if (!(k.key = strndup(set, (size_t)(eq - set))) || !(k.spec = strdup(v))) {
        sweep_key_fini(&k);
        return why_set(why, wn, "out of memory");
    }
    char inner[400];
    int rc = range ? parse_range(v, &k, inner, sizeof(inner)) : parse_list(v, &k, inner, sizeof(inner));
    if (rc < 0) {
        why_set(why, wn, "--set %s: %s", k.key, inner);
        sweep_key_fini(&k);
        return -1;
    }
    *out = k;
    return 1;
}

void sweep_key_fini(SweepKey *k)
{
    if (!k)
        return;
    for (int i = 0; k->values && i < k->n; i++)
        free(k->values[i]);
    free(k->values);
    free(k->num);
    free(k->key);
    free(k->spec);
    memset(k, 0, sizeof(*k));
}

/* ---- Figures of one run ---------------------------------------------------- */

enum { M_MAKESPAN = 0, M_THROUGHPUT, M_SWITCHES, M_FORCED, M_FAILED, M_IDLE, M_COUNT };
enum { T_P50 = 0, T_P90, T_P99, T_OPS, T_COUNT };

static const char *const m_col[M_COUNT] = {
    "makespan_s", "throughput", "switches_per_s", "forced_drops_per_s", "failed_wakeups",
    "gil_wait_core_idle",
};
static const char *const t_col[T_COUNT] = {"io_p50_ms", "io_p90_ms", "io_p99_ms", "io_ops_per_s"};

typedef struct RunIo {
    char *label;            /* "process/thread" */
    double v[T_COUNT];
} RunIo;

typedef struct Run {
    int rc;                 /* SIM_OK or SIM_ERR_NOMEM */
    int outcome;            /* SIM_RUN_* */
    double m[M_COUNT];
    RunIo *io;              /* threads that completed at least one I/O op */
    int n_io;
} Run;

static void run_free(Run *r)
{
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
static int measure(const SimTrace *tr, Run *out)
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

    SimTime python = 0;
    for (int i = 0; i < st->n_threads; i++)
        python += st->threads[i].state_ns[SIM_R_PYTHON];
    uint64_t switches = 0, forced = 0, failed = 0;
    for (int g = 0; g < st->n_gils; g++) {
        switches += st->gils[g].switches;
        forced += st->gils[g].forced_drops;
        failed += st->gils[g].failed_wakeups;
    }
    double secs = (double)end / 1e9;
    double per_s = secs > 0 ? 1 / secs : NAN;
    out->m[M_MAKESPAN] = secs;
    out->m[M_THROUGHPUT] = secs > 0 ? (double)python / (double)end : NAN;
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

struct SweepResult {
    const SweepSpec *spec;
    int n_points, runs, jobs_used;
    int *coord;             /* [n_points * n_keys] value index of each key */
    Run *run;               /* [n_points * runs], point-major */
    char **io;              /* I/O thread labels of every run, first seen first */
    int n_io;
    int *io_map;            /* [n_points * runs * n_io]: run's io index or -1 */
    char *name;             /* scenario name */
    uint64_t hash, seed;
    double seconds;
    int deadlocks;
};

typedef struct Pool {
    SweepResult *r;
    SimScenario **sc;       /* [jobs]; a worker destroys its job's scenario */
    SimTime until;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int next, done, total;
} Pool;

static void run_job(Pool *p, int j)
{
    Run *out = &p->r->run[j];
    SimError err;
    SimWorld *w = sim_world_create(p->sc[j], &err);
    if (!w) {
        out->rc = err.code < 0 ? err.code : SIM_ERR_NOMEM;
        goto out;
    }
    int rc = sim_world_run(w, p->until);
    if (rc < 0) {
        out->rc = rc;
    } else {
        out->outcome = rc;
        out->rc = measure(sim_world_trace(w), out);
    }
    sim_world_destroy(w);
out:
    sim_scenario_destroy(p->sc[j]);
    p->sc[j] = NULL;
}

static void *worker(void *arg)
{
    Pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int j = p->next < p->total ? p->next++ : -1;
        pthread_mutex_unlock(&p->mu);
        if (j < 0)
            break;
        run_job(p, j);
        pthread_mutex_lock(&p->mu);
        p->done++;
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

static int read_text(const char *path, char **text, size_t *len, SimError *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f);
    int e = errno;
    fclose(f);
    if (!buf)
        return sim_error_set(err, SIM_ERR_NOMEM, "%s: out of memory (or larger than 64 MiB)", path);
    if (bad) {
        free(buf);
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(e ? e : EIO));
    }
    *text = buf;
    *len = n;
    return SIM_OK;
}

/* The overrides of point p and seed (UINT64_MAX: none) into list, which
 * has room for n_fixed + n_keys + 1 entries; seed_buf holds the seed one. */
static int point_overrides(const SweepSpec *sp, const SweepResult *r, int p, uint64_t seed,
                           const char **list, char **owned, char *seed_buf, size_t seed_n)
{
    int n = 0;
    for (int i = 0; i < sp->n_fixed; i++)
        list[n++] = sp->fixed[i];
    for (int k = 0; k < sp->n_keys; k++) {
        const SweepKey *key = &sp->keys[k];
        size_t len = strlen(key->key) + strlen(key->values[r->coord[p * sp->n_keys + k]]) + 2;
        if (!(owned[k] = malloc(len)))
            return -1;
        snprintf(owned[k], len, "%s=%s", key->key, key->values[r->coord[p * sp->n_keys + k]]);
        list[n++] = owned[k];
    }
    if (seed != UINT64_MAX) {
        snprintf(seed_buf, seed_n, "seed=%llu", (unsigned long long)seed);
        list[n++] = seed_buf;
    }
    return n;
}

/* Collects the I/O threads of all runs in first-seen order and maps each
 * run's threads onto that list. */
static int index_io(SweepResult *r)
{
    int total = r->n_points * r->runs;
    for (int j = 0; j < total; j++)
        for (int t = 0; t < r->run[j].n_io; t++) {
            const char *lab = r->run[j].io[t].label;
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
    r->io_map = malloc((size_t)total * (size_t)(r->n_io ? r->n_io : 1) * sizeof(int));
    if (!r->io_map)
        return SIM_ERR_NOMEM;
    for (int j = 0; j < total; j++)
        for (int u = 0; u < r->n_io; u++) {
            int found = -1;
            for (int t = 0; t < r->run[j].n_io && found < 0; t++)
                if (strcmp(r->io[u], r->run[j].io[t].label) == 0)
                    found = t;
            r->io_map[(size_t)j * (size_t)r->n_io + (size_t)u] = found;
        }
    return SIM_OK;
}

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
    SweepResult *r = calloc(1, sizeof(*r));
    if (!r)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    r->spec = sp;
    r->n_points = (int)points;
    r->runs = sp->runs;
    int total = r->n_points * r->runs;
    int rc = SIM_ERR_NOMEM;
    char *text = NULL, *path = NULL;
    size_t len = 0;
    const char *name;
    SimScenario **sc = NULL;
    const char **list = NULL;
    char **owned = NULL;
    Pool pool;
    memset(&pool, 0, sizeof(pool));
    r->coord = calloc((size_t)r->n_points * (size_t)(sp->n_keys ? sp->n_keys : 1), sizeof(int));
    r->run = calloc((size_t)total, sizeof(Run));
    sc = calloc((size_t)total, sizeof(*sc));
    list = calloc((size_t)(sp->n_fixed + sp->n_keys + 2), sizeof(*list));
    owned = calloc((size_t)(sp->n_keys + 1), sizeof(*owned));
    if (!r->coord || !r->run || !sc || !list || !owned) {
        sim_error_set(err, rc, "out of memory");
        goto fail;
    }
    /* Points in row-major order: the first swept key varies slowest. */
    for (int p = 0; p < r->n_points; p++) {
        int rem = p;
        for (int k = sp->n_keys - 1; k >= 0; k--) {
            r->coord[p * sp->n_keys + k] = rem % sp->keys[k].n;
            rem /= sp->keys[k].n;
        }
    }
    if (sp->file) {
        path = cli_find_scenario(sp->file);
        if ((rc = read_text(path ? path : sp->file, &text, &len, err)) < 0)
            goto fail;
        name = path ? path : sp->file;
    } else {
        name = cli_default_scenario_name;
        len = strlen(cli_default_scenario);
    }
    const char *src = text ? text : cli_default_scenario;
    char seed_buf[40];
    /* The first seed: the scenario's own (after the fixed overrides) unless given. */
    uint64_t seed = sp->seed;
    {
        SimScenario *probe = NULL;
        int n = point_overrides(sp, r, 0, UINT64_MAX, list, owned, seed_buf, sizeof(seed_buf));
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
    r->seed = seed;
    for (int p = 0; p < r->n_points; p++) {
        for (int k = 0; k < r->runs; k++) {
            int n = point_overrides(sp, r, p, seed + (uint64_t)k, list, owned, seed_buf,
                                    sizeof(seed_buf));
            if (n < 0)
                goto fail_nomem;
            rc = sim_scenario_load_text(name, src, len, list, n, &sc[p * r->runs + k], err);
            for (int q = 0; q < sp->n_keys; q++)
                free(owned[q]), owned[q] = NULL;
            if (rc < 0)
                goto fail;
        }
    }

    int jobs = sp->jobs > 0 ? sp->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if (jobs > total)
        jobs = total;
    pool.r = r;
    pool.sc = sc;
    pool.until = sp->until;
    pool.total = total;
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.cv, NULL);
    pthread_t *tids = calloc((size_t)jobs, sizeof(pthread_t));
    int started = 0;
    double t0 = now_s();
    for (int i = 0; tids && i < jobs; i++) {
        if (pthread_create(&tids[i], NULL, worker, &pool) != 0)
            break;
        started++;
    }
    if (started == 0) {
        /* No threads to be had: run everything here. */
        worker(&pool);
        started = 1;
    } else {
        pthread_mutex_lock(&pool.mu);
        while (pool.done < pool.total) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += 100 * 1000 * 1000;
            if (dl.tv_nsec >= 1000000000) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&pool.cv, &pool.mu, &dl);
            int done = pool.done;
            pthread_mutex_unlock(&pool.mu);
            if (progress && done < pool.total)
                progress(ud, done, pool.total, now_s() - t0);
            pthread_mutex_lock(&pool.mu);
        }
        pthread_mutex_unlock(&pool.mu);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    free(tids);
    r->seconds = now_s() - t0;
    r->jobs_used = started;
    pthread_mutex_destroy(&pool.mu);
    pthread_cond_destroy(&pool.cv);
    if (progress)
        progress(ud, total, total, r->seconds);

    for (int j = 0; j < total; j++) {
        if (r->run[j].rc < 0) {
            rc = sim_error_set(err, r->run[j].rc, "point %d, run %d: the simulation ran out of "
                                                  "memory", j / r->runs + 1, j % r->runs + 1);
            goto fail;
        }
        r->deadlocks += r->run[j].outcome == SIM_RUN_DEADLOCK;
    }
    if (index_io(r) < 0)
        goto fail_nomem;
    free(sc);
    free(list);
    free(owned);
    free(text);
    free(path);
    *out = r;
    return SIM_OK;

fail_nomem:
    rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
fail:
    for (int j = 0; sc && j < total; j++)
        sim_scenario_destroy(sc[j]);
    free(sc);
    free(list);
    for (int k = 0; owned && k < sp->n_keys; k++)
        free(owned[k]);
    free(owned);
    free(text);
    free(path);
    sweep_result_destroy(r);
    return rc;
}

void sweep_result_destroy(SweepResult *r)
{
    if (!r)
        return;
    for (int j = 0; r->run && j < r->n_points * r->runs; j++)
        run_free(&r->run[j]);
    free(r->run);
    for (int u = 0; u < r->n_io; u++)
        free(r->io[u]);
    free(r->io);
    free(r->io_map);
    free(r->coord);
    free(r->name);
    free(r);
}

int sweep_result_points(const SweepResult *r) { return r->n_points; }
int sweep_result_jobs(const SweepResult *r) { return r->jobs_used; }
double sweep_result_seconds(const SweepResult *r) { return r->seconds; }
int sweep_result_deadlocks(const SweepResult *r) { return r->deadlocks; }
uint64_t sweep_result_seed(const SweepResult *r) { return r->seed; }

/* ---- Aggregates ------------------------------------------------------------- */

typedef struct Agg {
    double med, min, max; /* NAN when no run had the figure */
} Agg;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Global figure m (T_COUNT + thread io*T_COUNT + t for thread figures,
 * see fig()) of point p over its runs. */
static double fig(const SweepResult *r, int j, int metric, int io, int t)
{
    const Run *run = &r->run[j];
    if (io < 0)
        return run->m[metric];
    int k = r->io_map[(size_t)j * (size_t)r->n_io + (size_t)io];
    return k < 0 ? NAN : run->io[k].v[t];
}

static Agg aggregate(const SweepResult *r, int p, int metric, int io, int t)
{
    double v[64], *buf = r->runs <= 64 ? v : malloc((size_t)r->runs * sizeof(double));
    Agg a = {NAN, NAN, NAN};
    if (!buf)
        return a;
    int n = 0;
    for (int k = 0; k < r->runs; k++) {
        double x = fig(r, p * r->runs + k, metric, io, t);
        if (isfinite(x))
            buf[n++] = x;
    }
    if (n) {
        qsort(buf, (size_t)n, sizeof(double), cmp_double);
        a.min = buf[0];
        a.max = buf[n - 1];
        a.med = n % 2 ? buf[n / 2] : (buf[n / 2 - 1] + buf[n / 2]) / 2;
    }
    if (buf != v)
        free(buf);
    return a;
}

/* ---- CSV -------------------------------------------------------------------- */

typedef struct Buf {
    char *s;
    size_t n, cap;
    bool oom;
} Buf;

static void put(Buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->n + len + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void putf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(Buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof(tmp)) {
        put(b, tmp, (size_t)k);
        return;
    }
    char *big = malloc((size_t)k + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    put(b, big, (size_t)k);
    free(big);
}

/* One CSV field (RFC 4180 quoting), preceded by a comma unless first. */
static void field(Buf *b, bool *first, const char *s)
{
    if (!*first)
        put(b, ",", 1);
    *first = false;
    if (!strpbrk(s, ",\"\r\n")) {
        put(b, s, strlen(s));
        return;
    }
    put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            put(b, "\"", 1);
        put(b, p, 1);
    }
    put(b, "\"", 1);
}

static void field_num(Buf *b, bool *first, double v)
{
    char t[64] = "";
    if (isfinite(v))
        snprintf(t, sizeof(t), "%.9g", v);
    field(b, first, t);
}

static const char *const agg_name[3] = {"median", "min", "max"};

static void header_fig(Buf *b, bool *first, const char *col, const char *io)
{
    for (int a = 0; a < 3; a++) {
        char h[600];
        if (io)
            snprintf(h, sizeof(h), "%s[%s]_%s", col, io, agg_name[a]);
        else
            snprintf(h, sizeof(h), "%s_%s", col, agg_name[a]);
        field(b, first, h);
    }
}

static void row_fig(Buf *b, bool *first, const SweepResult *r, int p, int metric, int io, int t)
{
    Agg a = aggregate(r, p, metric, io, t);
    field_num(b, first, a.med);
    field_num(b, first, a.min);
    field_num(b, first, a.max);
}

char *sweep_csv(const SweepResult *r, size_t *len)
{
    const SweepSpec *sp = r->spec;
    Buf b = {0};
    bool first = true;
    /* Header. */
    for (int k = 0; k < sp->n_keys; k++) {
        field(&b, &first, sp->keys[k].key);
        if (sp->keys[k].duration) {
            char h[300];
            snprintf(h, sizeof(h), "%s_ns", sp->keys[k].key);
            field(&b, &first, h);
        }
    }
    header_fig(&b, &first, m_col[M_MAKESPAN], NULL);
    header_fig(&b, &first, m_col[M_THROUGHPUT], NULL);
    for (int u = 0; u < r->n_io; u++)
        for (int t = T_P50; t <= T_P99; t++)
            header_fig(&b, &first, t_col[t], r->io[u]);
    for (int m = M_SWITCHES; m < M_COUNT; m++)
        header_fig(&b, &first, m_col[m], NULL);
    for (int u = 0; u < r->n_io; u++)
        header_fig(&b, &first, t_col[T_OPS], r->io[u]);
    static const char *const tail[] = {"deadlocks", "set",  "seed",          "runs",
                                       "until",     "sweep", "scenario",     "scenario_name",
                                       "scenario_hash", "gilsim"};
    for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
        field(&b, &first, tail[i]);
    put(&b, "\n", 1);

    /* Provenance shared by every row. */
    Buf sweep = {0};
    for (int k = 0; k < sp->n_keys; k++)
        putf(&sweep, "%s%s=%s", k ? ";" : "", sp->keys[k].key, sp->keys[k].spec);
    char until[48] = "", hash[24], seed[32], runs[16];
    if (sp->until != SIM_TIME_NEVER)
        duration_text_exact(sp->until, "s", until, sizeof(until));
    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)r->hash);
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
    snprintf(runs, sizeof(runs), "%d", r->runs);

    for (int p = 0; p < r->n_points; p++) {
        first = true;
        Buf set = {0};
        for (int i = 0; i < sp->n_fixed; i++)
            putf(&set, "%s%s", i ? ";" : "", sp->fixed[i]);
        for (int k = 0; k < sp->n_keys; k++) {
            const SweepKey *key = &sp->keys[k];
            int v = r->coord[p * sp->n_keys + k];
            field(&b, &first, key->values[v]);
            if (key->duration) {
                char ns[32];
                snprintf(ns, sizeof(ns), "%lld", (long long)llround(key->num[v]));
                field(&b, &first, ns);
            }
            putf(&set, "%s%s=%s", set.n ? ";" : "", key->key, key->values[v]);
        }
        row_fig(&b, &first, r, p, M_MAKESPAN, -1, 0);
        row_fig(&b, &first, r, p, M_THROUGHPUT, -1, 0);
        for (int u = 0; u < r->n_io; u++)
            for (int t = T_P50; t <= T_P99; t++)
                row_fig(&b, &first, r, p, 0, u, t);
        for (int m = M_SWITCHES; m < M_COUNT; m++)
            row_fig(&b, &first, r, p, m, -1, 0);
        for (int u = 0; u < r->n_io; u++)
            row_fig(&b, &first, r, p, 0, u, T_OPS);
        int dl = 0;
        for (int k = 0; k < r->runs; k++)
            dl += r->run[p * r->runs + k].outcome == SIM_RUN_DEADLOCK;
        char dls[16];
        snprintf(dls, sizeof(dls), "%d", dl);
        field(&b, &first, dls);
        field(&b, &first, set.s ? set.s : "");
        field(&b, &first, seed);
        field(&b, &first, runs);
        field(&b, &first, until);
        field(&b, &first, sweep.s ? sweep.s : "");
        field(&b, &first, sp->file ? sp->file : "");
        field(&b, &first, r->name);
        field(&b, &first, hash);
        field(&b, &first, GILSIM_VERSION);
        put(&b, "\n", 1);
        b.oom = b.oom || set.oom;
        free(set.s);
    }
    b.oom = b.oom || sweep.oom;
    free(sweep.s);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    *len = b.n;
    return b.s;
}

/* ---- The chart ------------------------------------------------------------ */

enum { P_LATENCY = 0, P_OPS, P_SWITCHES, P_FORCED, P_FAILED, P_IDLE, P_THROUGHPUT, P_MAKESPAN,
       P_COUNT };

static const struct {
    const char *name;   /* for --metrics */
    const char *title;  /* panel title */
    const char *line;   /* legend label with a single series */
    int metric;         /* M_* (global panels) */
    RChartScale scale;
    bool zero;
    double factor;      /* display unit */
} panel_def[P_COUNT] = {
    [P_LATENCY] = {"latency", "I/O latency per operation, from its start until the thread runs "
                              "Python again (ms)", NULL, -1, R_SCALE_AUTO, false, 1},
    [P_OPS] = {"ops", "I/O operations per second", NULL, -1, R_SCALE_AUTO, false, 1},
    [P_SWITCHES] = {"switches", "GIL switches per second", "GIL switches / s", M_SWITCHES,
                    R_SCALE_AUTO, false, 1},
    [P_FORCED] = {"forced", "Forced GIL drops per second", "forced drops / s", M_FORCED,
                  R_SCALE_AUTO, false, 1},
    [P_FAILED] = {"failed", "Failed wake-ups per run", "failed wake-ups", M_FAILED,
                  R_SCALE_LINEAR, true, 1},
    [P_IDLE] = {"idle", "Time some thread waited for the GIL while a core sat idle (%)",
                "share of the run", M_IDLE, R_SCALE_LINEAR, true, 100},
    [P_THROUGHPUT] = {"throughput", "CPU-bound throughput: seconds of Python run per second",
                      "Python s / s", M_THROUGHPUT, R_SCALE_LINEAR, false, 1},
    [P_MAKESPAN] = {"makespan", "Makespan (s)", "makespan", M_MAKESPAN, R_SCALE_LINEAR, false, 1},
};

static int panel_id(const char *name, size_t len)
{
    for (int i = 0; i < P_COUNT; i++)
        if (strlen(panel_def[i].name) == len && strncmp(panel_def[i].name, name, len) == 0)
            return i;
    return -1;
}

/* Parses a --metrics list into ids (at most R_CHART_MAX_PANELS). */
static int parse_metrics(const char *list, int *ids, char *why, size_t wn)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int id = panel_id(p, len);
        if (id < 0)
            return why_set(why, wn, "--metrics: unknown metric '%.*s'; expected some of %s",
                           (int)len, p, SWEEP_METRICS);
        for (int i = 0; i < n; i++)
            if (ids[i] == id)
                return why_set(why, wn, "--metrics: '%.*s' is listed twice", (int)len, p);
        if (n == R_CHART_MAX_PANELS)
            return why_set(why, wn, "--metrics: at most %d metrics", R_CHART_MAX_PANELS);
        ids[n++] = id;
        p = comma ? comma + 1 : p + len;
    }
    if (!n)
        return why_set(why, wn, "--metrics: empty; expected some of %s", SWEEP_METRICS);
    return n;
}

int sweep_metrics_check(const char *list, char *why, size_t n)
{
    int ids[R_CHART_MAX_PANELS];
    return parse_metrics(list, ids, why, n) < 0 ? -1 : 0;
}

/* Everything a chart points to, freed together. */
struct SweepChart {
    RChart chart;
    void **owned;
    int n_owned, cap_owned;
    bool oom;
};

static void *keep(SweepChart *c, void *p)
{
    if (!p) {
        c->oom = true;
        return NULL;
    }
    if (c->n_owned == c->cap_owned) {
        int nc = c->cap_owned ? c->cap_owned * 2 : 64;
        void **no = realloc(c->owned, (size_t)nc * sizeof(void *));
        if (!no) {
            free(p);
            c->oom = true;
            return NULL;
        }
        c->owned = no;
        c->cap_owned = nc;
    }
    c->owned[c->n_owned++] = p;
    return p;
}

static char *keepf(SweepChart *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *keepf(SweepChart *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = k >= 0 ? malloc((size_t)k + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    return keep(c, s);
}

/* Colours of separate series: the renderer's thread colours, strongest
 * first (the pale sand and cyan read poorly as thin lines on white). */
static RColor series_color(int i, RTheme theme)
{
    static const uint8_t order[] = {0, 2, 3, 5, 6, 7, 8, 1, 4};
    return render_thread_color(order[i % (int)sizeof(order)], theme);
}

static const char *last_segment(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

/* The line of one figure for one series along x. */
static RChartLine make_line(SweepChart *c, const SweepResult *r, const int *pts, int n_x, int metric,
                            int io, int t, double factor)
{
    RChartLine ln = {0};
    double *y = keep(c, calloc((size_t)n_x, sizeof(double)));
    double *lo = keep(c, calloc((size_t)n_x, sizeof(double)));
    double *hi = keep(c, calloc((size_t)n_x, sizeof(double)));
    if (!y || !lo || !hi)
        return ln;
    for (int i = 0; i < n_x; i++) {
        Agg a = aggregate(r, pts[i], metric, io, t);
        y[i] = a.med * factor;
        lo[i] = a.min * factor;
        hi[i] = a.max * factor;
    }
    ln.y = y;
    ln.lo = lo;
    ln.hi = hi;
    return ln;
}

SweepChart *sweep_chart_create(const SweepResult *r, const SweepChartOpts *opt, SimError *err)
{
    const SweepSpec *sp = r->spec;
    int ids[R_CHART_MAX_PANELS];
    char why[300];
    int n_ids = parse_metrics(opt && opt->metrics ? opt->metrics : SWEEP_METRICS_DEFAULT, ids, why,
                              sizeof(why));
    if (n_ids < 0) {
        sim_error_set(err, SIM_ERR_INVALID, "%s", why);
        return NULL;
    }
    if (sp->n_keys < 1) {
        sim_error_set(err, SIM_ERR_INVALID, "nothing was swept");
        return NULL;
    }
    SweepChart *c = calloc(1, sizeof(*c));
    if (!c) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    RChart *ch = &c->chart;
    int xk = opt ? opt->x_key : -1;
    if (xk < 0 || xk >= sp->n_keys) {
        xk = 0;
        for (int k = sp->n_keys - 1; k >= 0; k--)
            if (sp->keys[k].kind != SWEEP_LIST)
                xk = k;
    }
    const SweepKey *X = &sp->keys[xk];
    int n_x = X->n;
    /* Series: every combination of the other keys, first key slowest. */
    int n_series = r->n_points / n_x;
    int *stride = keep(c, calloc((size_t)sp->n_keys, sizeof(int)));
    int *pts = keep(c, calloc((size_t)n_x, sizeof(int)));
    if (!stride || !pts)
        goto nomem;
    for (int k = sp->n_keys - 1, s = 1; k >= 0; k--) {
        stride[k] = s;
        s *= sp->keys[k].n;
    }

    /* The x axis. */
    bool increasing = X->numeric;
    for (int i = 1; i < n_x && increasing; i++)
        increasing = X->num[i] > X->num[i - 1];
    if (!increasing) {
        ch->x_kind = R_X_CATEGORY;
        ch->x_labels = (const char *const *)X->values;
    } else {
        ch->x_kind = X->duration ? R_X_DURATION : R_X_NUMBER;
        ch->x = X->num;
        ch->x_log = X->kind == SWEEP_LOG ||
                    (X->kind == SWEEP_LIST && X->num[0] > 0 && X->num[n_x - 1] / X->num[0] >= 20);
    }
    ch->n_x = n_x;
    ch->x_mark = NAN;
    if (strcmp(X->key, "python.switch_interval") == 0 && ch->x_kind == R_X_DURATION) {
        ch->x_mark = 5e6;
        ch->x_mark_label = "CPython default 5 ms";
    }
    ch->x_label = keepf(c, "%s%s", X->key, ch->x_log ? " (log scale)" : "");

    /* Series names and the other keys' values. */
    char **series = keep(c, calloc((size_t)n_series, sizeof(char *)));
    int **series_pts = keep(c, calloc((size_t)n_series, sizeof(int *)));
    if (!series || !series_pts)
        goto nomem;
    for (int s = 0; s < n_series; s++) {
        int *sp_pts = keep(c, calloc((size_t)n_x, sizeof(int)));
        if (!sp_pts)
            goto nomem;
        Buf name = {0};
        int rem = s, base = 0;
        for (int k = sp->n_keys - 1; k >= 0; k--) {
            if (k == xk)
                continue;
            int v = rem % sp->keys[k].n;
            rem /= sp->keys[k].n;
            base += v * stride[k];
        }
        for (int k = 0; k < sp->n_keys; k++) {
            if (k == xk)
                continue;
            int v = (base / stride[k]) % sp->keys[k].n;
            putf(&name, "%s%s=%s", name.n ? ", " : "", last_segment(sp->keys[k].key),
                 sp->keys[k].values[v]);
        }
        for (int i = 0; i < n_x; i++)
            sp_pts[i] = base + i * stride[xk];
        series_pts[s] = sp_pts;
        if (name.oom || n_series == 1) {
            free(name.s); /* one series needs no name */
            if (name.oom)
                goto nomem;
            continue;
        }
        if (!(series[s] = keep(c, name.s)))
            goto nomem;
    }

    /* I/O threads: drop the process name when they all share one. */
    char **io_short = keep(c, calloc((size_t)(r->n_io ? r->n_io : 1), sizeof(char *)));
    if (!io_short)
        goto nomem;
    bool one_proc = true;
    for (int u = 1; u < r->n_io && one_proc; u++) {
        const char *a = r->io[0], *b = r->io[u];
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        one_proc = la == lb && strncmp(a, b, la) == 0;
    }
    for (int u = 0; u < r->n_io; u++) {
        const char *slash = strchr(r->io[u], '/');
        io_short[u] = one_proc && slash ? (char *)slash + 1 : r->io[u];
    }

    RChartPanel *panels = keep(c, calloc((size_t)n_ids, sizeof(RChartPanel)));
    if (!panels)
        goto nomem;
    int np = 0;
    RTheme theme = opt ? opt->theme : R_THEME_LIGHT;
    RColor io_blue = render_reason_color(SIM_R_IO, theme);
    for (int q = 0; q < n_ids; q++) {
        int id = ids[q];
        bool per_thread = id == P_LATENCY || id == P_OPS;
        if (per_thread && r->n_io == 0)
            continue; /* no thread did I/O: nothing to show */
        /* p99 beside p50 only while the panel stays readable. */
        int pcts = id == P_LATENCY && n_series * r->n_io <= 3 ? 2 : 1;
        int per = per_thread ? r->n_io * pcts : 1;
        int n_lines = per * n_series;
        RChartLine *lines = keep(c, calloc((size_t)n_lines, sizeof(RChartLine)));
        if (!lines)
            goto nomem;
        int l = 0;
        for (int s = 0; s < n_series; s++) {
            RColor scol = series_color(s, theme);
            for (int u = 0; u < (per_thread ? r->n_io : 1); u++) {
                for (int v = 0; v < (id == P_LATENCY ? pcts : 1); v++) {
                    RChartLine ln;
                    int t = id == P_OPS ? T_OPS : v == 0 ? T_P50 : T_P99;
                    if (per_thread)
                        ln = make_line(c, r, series_pts[s], n_x, 0, u, t, 1);
                    else
                        ln = make_line(c, r, series_pts[s], n_x, panel_def[id].metric, -1, 0,
                                       panel_def[id].factor);
                    if (c->oom)
                        goto nomem;
                    RColor col;
                    if (n_series > 1)
                        col = scol;
                    else if (per_thread)
                        col = u == 0 ? io_blue : series_color(u, theme);
                    else if (id == P_THROUGHPUT)
                        col = render_reason_color(SIM_R_PYTHON, theme);
                    else if (id == P_IDLE)
                        col = render_reason_color(SIM_R_WAIT_CORE, theme);
                    else if (id == P_MAKESPAN)
                        col = render_palette(theme)->fg_dim;
                    else
                        col = render_reason_color(SIM_R_WAIT_GIL, theme);
                    ln.color = col;
                    /* Dashes mark p99, or with several series (one colour
                     * each) every other I/O thread. */
                    ln.dashed = (id == P_LATENCY && v == 1) ||
                                (n_series > 1 && pcts == 1 && per_thread && u % 2 == 1);
                    const char *what = per_thread ? (id == P_OPS ? "operations / s"
                                                     : v == 0 ? "p50" : "p99")
                                                  : panel_def[id].line;
                    if (per_thread && series[s])
                        ln.label = keepf(c, "%s \xc2\xb7 %s %s", series[s], io_short[u], what);
                    else if (per_thread)
                        ln.label = keepf(c, "%s %s", io_short[u], what);
                    else
                        ln.label = series[s] ? series[s] : panel_def[id].line;
                    if (!ln.label)
                        goto nomem;
                    lines[l++] = ln;
                }
            }
        }
        panels[np].title = panel_def[id].title;
        panels[np].y_scale = panel_def[id].scale;
        panels[np].y_zero = panel_def[id].zero;
        panels[np].lines = lines;
        panels[np].n_lines = l;
        panels[np].y_max = id == P_IDLE ? 100 : 0;
        if (id == P_THROUGHPUT) {
            /* One GIL runs at most one second of Python per second: keep
             * the axis from suggesting more than the next whole number. */
            double top = 0;
            for (int q2 = 0; q2 < l; q2++)
                for (int i = 0; i < n_x; i++)
                    if (isfinite(lines[q2].hi[i]))
                        top = fmax(top, lines[q2].hi[i]);
            panels[np].y_max = fmax(1, ceil(top));
        }
        np++;
    }
    if (np == 0) {
        sim_error_set(err, SIM_ERR_INVALID,
                      "no chart: no thread did I/O, and only I/O metrics were asked for");
        sweep_chart_destroy(c);
        return NULL;
    }
    ch->panels = panels;
    ch->n_panels = np;

    /* Title, subtitle and the provenance caption. */
    char a[32], b[32];
    if (X->duration)
        ch->title = keepf(c, "%s: %s from %s to %s", r->name, X->key,
                          duration_text_rounded((SimTime)X->num[0], 4, a, sizeof(a)),
                          duration_text_rounded((SimTime)X->num[n_x - 1], 4, b, sizeof(b)));
    else
        ch->title = keepf(c, "%s: %s from %s to %s", r->name, X->key, X->values[0],
                          X->values[n_x - 1]);
    char seeds[64];
    if (r->runs == 1)
        snprintf(seeds, sizeof(seeds), "seed %llu", (unsigned long long)r->seed);
    else
        snprintf(seeds, sizeof(seeds), "seeds %llu\xe2\x80\x93%llu", (unsigned long long)r->seed,
                 (unsigned long long)(r->seed + (uint64_t)r->runs - 1));
    if (r->runs > 1)
        ch->subtitle = keepf(c, "Each line is the median of %d runs per point (%s); the shaded band "
                                "spans their minimum to maximum. %d values of %s%s.",
                             r->runs, seeds, n_x, X->key,
                             X->kind == SWEEP_LOG ? ", log-spaced" : X->kind == SWEEP_LIN ? ", evenly spaced" : "");
    else
        ch->subtitle = keepf(c, "One run per point (%s). %d values of %s%s.", seeds, n_x, X->key,
                             X->kind == SWEEP_LOG ? ", log-spaced" : X->kind == SWEEP_LIN ? ", evenly spaced" : "");
    Buf cap = {0};
    putf(&cap, "gilsim %s  \xc2\xb7  scenario \xe2\x80\x9c%s\xe2\x80\x9d #%08llx", GILSIM_VERSION,
         r->name, (unsigned long long)(r->hash >> 32));
    if (sp->file)
        putf(&cap, " (%s)", sp->file);
    putf(&cap, "  \xc2\xb7  %s, %d run%s per point", seeds, r->runs, r->runs == 1 ? "" : "s");
    for (int k = 0; k < sp->n_keys; k++)
        putf(&cap, "  \xc2\xb7  --set %s=%s", sp->keys[k].key, sp->keys[k].spec);
    for (int i = 0; i < sp->n_fixed; i++)
        putf(&cap, "  \xc2\xb7  --set %s", sp->fixed[i]);
    if (sp->until != SIM_TIME_NEVER)
        putf(&cap, "  \xc2\xb7  --until %s", duration_text_rounded(sp->until, 4, a, sizeof(a)));
    if (r->deadlocks)
        putf(&cap, "  \xc2\xb7  %d run%s deadlocked", r->deadlocks, r->deadlocks == 1 ? "" : "s");
    ch->caption = cap.oom ? NULL : keep(c, cap.s);
    if (c->oom || !ch->title || !ch->subtitle || !ch->caption || !ch->x_label)
        goto nomem;
    return c;
nomem:
    sim_error_set(err, SIM_ERR_NOMEM, "out of memory while making the chart");
    sweep_chart_destroy(c);
    return NULL;
}

const RChart *sweep_chart(const SweepChart *ch)
{
    return &ch->chart;
}

void sweep_chart_destroy(SweepChart *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c);
}
