/*
 * sweep_csv.c - a sweep's results as CSV, both ways: written from a
 * result (one row per point, the figures' median, min and max over the
 * runs, then the provenance that re-runs a point), and read back into a
 * result that charts like the one that ran.
 *
 * Reading trusts nothing: the swept keys come from the provenance column
 * `sweep`, parsed again exactly as --set parses them, and every row's
 * values must be the ones those keys give in row-major order, so a CSV
 * edited by hand is refused rather than charted wrongly.
 *
 * Invariant: reading what sweep_csv wrote gives back the spec, the points
 * and the aggregates (to the nine significant digits the CSV holds).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "duration_text.h"
#include "sweep_internal.h"

/* ---- Writing ------------------------------------------------------------------ */

static const char *const agg_name[3] = {"median", "min", "max"};

/* One field, preceded by a comma unless first. */
static void field(StrBuf *b, bool *first, const char *s)
{
    if (!*first)
        strbuf_putc(b, ',');
    *first = false;
    csv_field(b, s);
}

static void field_num(StrBuf *b, bool *first, double v)
{
    char t[64] = "";
    if (isfinite(v))
        snprintf(t, sizeof(t), "%.9g", v);
    field(b, first, t);
}

/* "COL_median" or "COL[IO]_median" (a = 0, 1, 2: median, min, max). */
static void fig_column(char *h, size_t n, const char *col, const char *io, int a)
{
    if (io)
        snprintf(h, n, "%s[%s]_%s", col, io, agg_name[a]);
    else
        snprintf(h, n, "%s_%s", col, agg_name[a]);
}

static void header_fig(StrBuf *b, bool *first, const char *col, const char *io)
{
    for (int a = 0; a < 3; a++) {
        char h[600];
        fig_column(h, sizeof(h), col, io, a);
        field(b, first, h);
    }
}

static void row_fig(StrBuf *b, bool *first, const SweepResult *r, int p, int metric, int io, int t)
{
    const SweepAgg *a = sweep_agg(r, p, sweep_fig(r, metric, io, t));
    field_num(b, first, a->med);
    field_num(b, first, a->min);
    field_num(b, first, a->max);
}

static const char *const tail[] = {"deadlocks", "set",      "seed",          "runs",
                                   "until",     "sweep",    "scenario",      "scenario_name",
                                   "scenario_hash", "gilsim"};
enum { TAIL_COUNT = sizeof(tail) / sizeof(tail[0]) };

char *sweep_csv(const SweepResult *r, size_t *len)
{
    const SweepSpec *sp = &r->spec;
    StrBuf b = {0};
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
    header_fig(&b, &first, sweep_m_col[M_MAKESPAN], NULL);
    header_fig(&b, &first, sweep_m_col[M_THROUGHPUT], NULL);
    for (int u = 0; u < r->n_io; u++)
        for (int t = T_P50; t <= T_P99; t++)
            header_fig(&b, &first, sweep_t_col[t], r->io[u]);
    for (int m = M_SWITCHES; m < M_COUNT; m++)
        header_fig(&b, &first, sweep_m_col[m], NULL);
    for (int u = 0; u < r->n_io; u++)
        header_fig(&b, &first, sweep_t_col[T_OPS], r->io[u]);
    for (int i = 0; i < TAIL_COUNT; i++)
        field(&b, &first, tail[i]);
    strbuf_putc(&b, '\n');

    /* Provenance shared by every row. */
    StrBuf sweep = {0}, set = {0};
    for (int k = 0; k < sp->n_keys; k++)
        strbuf_printf(&sweep, "%s%s=%s", k ? ";" : "", sp->keys[k].key, sp->keys[k].spec);
    char until[48] = "", hash[24], seed[32], runs[16];
    if (sp->until != SIM_TIME_NEVER)
        duration_text_exact(sp->until, "s", until, sizeof(until));
    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)r->hash);
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
    snprintf(runs, sizeof(runs), "%d", r->runs);

    for (int p = 0; p < r->n_points; p++) {
        first = true;
        strbuf_reset(&set);
        for (int i = 0; i < sp->n_fixed; i++)
            strbuf_printf(&set, "%s%s", i ? ";" : "", sp->fixed[i]);
        for (int k = 0; k < sp->n_keys; k++) {
            const SweepKey *key = &sp->keys[k];
            int v = r->coord[p * sp->n_keys + k];
            field(&b, &first, key->values[v]);
            if (key->duration) {
                char ns[32];
                snprintf(ns, sizeof(ns), "%lld", (long long)llround(key->num[v]));
                field(&b, &first, ns);
            }
            strbuf_printf(&set, "%s%s=%s", set.n ? ";" : "", key->key, key->values[v]);
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
        char dls[16];
        snprintf(dls, sizeof(dls), "%d", r->deadlocks[p]);
        field(&b, &first, dls);
        field(&b, &first, strbuf_str(&set));
        field(&b, &first, seed);
        field(&b, &first, runs);
        field(&b, &first, until);
        field(&b, &first, strbuf_str(&sweep));
        field(&b, &first, sp->file ? sp->file : "");
        field(&b, &first, r->name);
        field(&b, &first, hash);
        field(&b, &first, r->version);
        strbuf_putc(&b, '\n');
        b.oom = b.oom || set.oom;
    }
    b.oom = b.oom || sweep.oom;
    strbuf_fini(&set);
    strbuf_fini(&sweep);
    return strbuf_take(&b, len);
}

/* ---- Reading ------------------------------------------------------------------ */

/* A cell as a number; NAN when empty or not a number. */
static double num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end == s || *end ? NAN : v;
}

/* The swept keys' names: the columns before the first figure, less the
 * KEY_ns column after each duration key. Returns how many, or -1. */
static int key_columns(const CsvTable *t, int c_first_fig, int *col, bool *has_ns)
{
    int n = 0;
    for (int c = 0; c < c_first_fig; c++) {
        char ns[600];
        snprintf(ns, sizeof(ns), "%s_ns", csv_cell(t, 0, c));
        col[n] = c;
        has_ns[n] = c + 1 < c_first_fig && strcmp(csv_cell(t, 0, c + 1), ns) == 0;
        c += has_ns[n];
        n++;
    }
    return n;
}

/* Parses the `sweep` provenance ("K0=SPEC0;K1=SPEC1") into keys whose names
 * are known from the header: each spec runs to the next ";NAME=". */
static int parse_keys(const CsvTable *t, const char *sweep, const int *col, int nk, SweepKey *keys,
                      char *why, size_t wn)
{
    const char *p = sweep;
    for (int k = 0; k < nk; k++) {
        const char *name = csv_cell(t, 0, col[k]);
        size_t nl = strlen(name);
        if (strncmp(p, name, nl) != 0 || p[nl] != '=') {
            snprintf(why, wn, "its sweep column does not name the swept key '%s'", name);
            return -1;
        }
        const char *end = p + strlen(p);
        if (k + 1 < nk) {
            char next[600];
            snprintf(next, sizeof(next), ";%s=", csv_cell(t, 0, col[k + 1]));
            const char *q = strstr(p + nl + 1, next);
            if (!q) {
                snprintf(why, wn, "its sweep column does not name the swept key '%s'",
                         csv_cell(t, 0, col[k + 1]));
                return -1;
            }
            end = q;
        }
        char *set = strndup(p, (size_t)(end - p));
        if (!set) {
            snprintf(why, wn, "out of memory");
            return -1;
        }
        char inner[400];
        int rc = sweep_key_parse(set, &keys[k], inner, sizeof(inner));
        free(set);
        if (rc < 0) {
            snprintf(why, wn, "its sweep column: %s", inner);
            return -1;
        }
        if (rc == 0) {
            snprintf(why, wn, "its sweep column gives '%s' one value, not a range or a list", name);
            return -1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* The fixed overrides: row 1's `set` less the swept keys' values at its
 * end. They were joined by ';', so one that holds a ';' comes back split. */
static int parse_fixed(const char *set, const SweepResult *r, char ***out, int *n_out)
{
    const SweepSpec *sp = &r->spec;
    StrBuf keys = {0};
    for (int k = 0; k < sp->n_keys; k++)
        strbuf_printf(&keys, "%s%s=%s", k ? ";" : "", sp->keys[k].key,
                      sp->keys[k].values[r->coord[k]]);
    if (keys.oom)
        return SIM_ERR_NOMEM;
    size_t ls = strlen(set), lk = keys.n;
    bool ok = ls >= lk && strcmp(set + ls - lk, strbuf_str(&keys)) == 0 &&
              (ls == lk || set[ls - lk - 1] == ';');
    strbuf_fini(&keys);
    *out = NULL;
    *n_out = 0;
    if (!ok)
        return SIM_ERR_PARSE;
    size_t lf = ls > lk ? ls - lk - 1 : 0;
    if (lf == 0)
        return SIM_OK;
    int n = 1;
    for (size_t i = 0; i < lf; i++)
        n += set[i] == ';';
    char **list = calloc((size_t)n, sizeof(*list));
    if (!list)
        return SIM_ERR_NOMEM;
    const char *p = set;
    for (int i = 0; i < n; i++) {
        const char *semi = memchr(p, ';', (size_t)(set + lf - p));
        const char *end = semi ? semi : set + lf;
        if (!(list[i] = strndup(p, (size_t)(end - p)))) {
            for (int j = 0; j < i; j++)
                free(list[j]);
            free(list);
            return SIM_ERR_NOMEM;
        }
        p = end + 1;
    }
    *out = list;
    *n_out = n;
    return SIM_OK;
}

int sweep_result_read_csv(const char *name, const char *text, size_t len, SweepResult **out,
                          SimError *err)
{
    *out = NULL;
    CsvTable t;
    char why[600];
    if (csv_table_parse(text, len, &t, why, sizeof(why)) < 0)
        return sim_error_set(err, strcmp(why, "out of memory") ? SIM_ERR_PARSE : SIM_ERR_NOMEM,
                             "%s: %s", name, why);
    int rc = SIM_ERR_PARSE;
    SweepResult *r = NULL;
    SweepKey *keys = NULL;
    int *kcol = NULL, nk = 0, *fcol = NULL;
    bool *has_ns = NULL;
    if (t.rows < 2) {
        sim_error_set(err, rc, "%s: no points (expected a CSV written by gilsim sweep)", name);
        goto out;
    }
    int c_mk = csv_column(&t, "makespan_s_median");
    int c_set = csv_column(&t, "set"), c_scen = csv_column(&t, "scenario");
    if (c_set < 0 || c_scen < 0 || c_mk < 1) {
        sim_error_set(err, rc, "%s: not a gilsim sweep CSV: no set, scenario or makespan column",
                      name);
        goto out;
    }
    int c_tail[TAIL_COUNT];
    for (int i = 0; i < TAIL_COUNT; i++)
        if ((c_tail[i] = csv_column(&t, tail[i])) < 0) {
            sim_error_set(err, rc, "%s: not a gilsim sweep CSV: no %s column", name, tail[i]);
            goto out;
        }
    enum { C_DEADLOCKS, C_SET, C_SEED, C_RUNS, C_UNTIL, C_SWEEP, C_SCENARIO, C_NAME, C_HASH,
           C_VERSION };

    /* What was swept. */
    kcol = calloc((size_t)c_mk, sizeof(int));
    has_ns = calloc((size_t)c_mk, sizeof(bool));
    keys = calloc((size_t)c_mk, sizeof(SweepKey));
    if (!kcol || !has_ns || !keys)
        goto nomem;
    nk = key_columns(&t, c_mk, kcol, has_ns);
    if (parse_keys(&t, csv_cell(&t, 1, c_tail[C_SWEEP]), kcol, nk, keys, why, sizeof(why)) < 0) {
        rc = strcmp(why, "out of memory") ? SIM_ERR_PARSE : SIM_ERR_NOMEM;
        sim_error_set(err, rc, "%s: not a gilsim sweep CSV: %s", name, why);
        goto out;
    }
    long long points = 1;
    for (int k = 0; k < nk; k++) {
        points *= keys[k].n;
        if (keys[k].duration != has_ns[k] || points > t.rows) {
            sim_error_set(err, rc, "%s: not a gilsim sweep CSV: its rows are not the points of "
                                   "its sweep column", name);
            goto out;
        }
    }
    if (points != t.rows - 1) {
        sim_error_set(err, rc, "%s: not a gilsim sweep CSV: %d rows for the %lld points of its "
                               "sweep column", name, t.rows - 1, points);
        goto out;
    }
    const char *runs_s = csv_cell(&t, 1, c_tail[C_RUNS]);
    const char *until_s = csv_cell(&t, 1, c_tail[C_UNTIL]);
    char *end;
    errno = 0;
    long runs = strtol(runs_s, &end, 10);
    SimTime until = SIM_TIME_NEVER;
    uint64_t seed;
    if (errno || end == runs_s || *end || runs < 1 ||
        (*until_s && sim_duration_parse(until_s, &until) != SIM_OK) ||
        sim_seed_parse(csv_cell(&t, 1, c_tail[C_SEED]), &seed) != SIM_OK) {
        sim_error_set(err, rc, "%s: not a gilsim sweep CSV: bad runs, until or seed", name);
        goto out;
    }
    SweepSpec sp = {.keys = keys, .n_keys = nk, .runs = (int)runs, .has_seed = true,
                    .until = until};
    if (!(r = sweep_result_alloc(&sp, (int)points)))
        goto nomem;
    r->own_keys = keys;
    keys = NULL;
    const char *file = csv_cell(&t, 1, c_tail[C_SCENARIO]);
    if (*file && !(r->spec.file = r->own_file = strdup(file)))
        goto nomem;
    r->seed = r->spec.seed = seed;
    r->hash = strtoull(csv_cell(&t, 1, c_tail[C_HASH]), NULL, 16);
    if (!(r->name = strdup(csv_cell(&t, 1, c_tail[C_NAME]))) ||
        !(r->version = strdup(csv_cell(&t, 1, c_tail[C_VERSION]))))
        goto nomem;
    int frc = parse_fixed(csv_cell(&t, 1, c_tail[C_SET]), r, &r->own_fixed, &r->spec.n_fixed);
    if (frc == SIM_ERR_NOMEM)
        goto nomem;
    if (frc < 0) {
        sim_error_set(err, rc, "%s: not a gilsim sweep CSV: its set column does not end with "
                               "the swept values", name);
        goto out;
    }
    r->spec.fixed = (const char *const *)r->own_fixed;

    /* Every row is the point its position says. */
    for (int p = 0; p < r->n_points; p++) {
        bool same = true;
        for (int k = 0; k < nk && same; k++) {
            const SweepKey *key = &r->spec.keys[k];
            same = strcmp(csv_cell(&t, p + 1, kcol[k]), key->values[r->coord[p * nk + k]]) == 0;
        }
        if (!same) {
            sim_error_set(err, rc, "%s: not a gilsim sweep CSV: line %d is not the point its "
                                   "sweep column puts there", name, p + 2);
            goto out;
        }
        r->deadlocks[p] = atoi(csv_cell(&t, p + 1, c_tail[C_DEADLOCKS]));
        r->deadlocks_total += r->deadlocks[p];
    }

    /* The I/O threads, in the order of their columns. */
    for (int c = 0; c < t.cols; c++) {
        const char *h = csv_cell(&t, 0, c);
        size_t hl = strlen(h), pl = strlen(sweep_t_col[T_P50]);
        if (strncmp(h, sweep_t_col[T_P50], pl) != 0 || h[pl] != '[' || hl < pl + 9 ||
            strcmp(h + hl - 8, "]_median") != 0)
            continue;
        char **more = realloc(r->io, (size_t)(r->n_io + 1) * sizeof(*more));
        if (!more)
            goto nomem;
        r->io = more;
        if (!(r->io[r->n_io] = strndup(h + pl + 1, hl - pl - 9)))
            goto nomem;
        r->n_io++;
    }
    if (sweep_result_alloc_agg(r) < 0)
        goto nomem;
    int nf = sweep_n_figs(r);
    fcol = malloc((size_t)nf * 3 * sizeof(int));
    if (!fcol)
        goto nomem;
    for (int f = 0; f < nf; f++)
        for (int a = 0; a < 3; a++) {
            char h[600];
            if (f < M_COUNT)
                fig_column(h, sizeof(h), sweep_m_col[f], NULL, a);
            else
                fig_column(h, sizeof(h), sweep_t_col[(f - M_COUNT) % T_COUNT],
                           r->io[(f - M_COUNT) / T_COUNT], a);
            fcol[f * 3 + a] = csv_column(&t, h);
        }
    for (int p = 0; p < r->n_points; p++)
        for (int f = 0; f < nf; f++) {
            SweepAgg *a = &r->agg[(size_t)p * (size_t)nf + (size_t)f];
            a->med = fcol[f * 3] < 0 ? NAN : num(csv_cell(&t, p + 1, fcol[f * 3]));
            a->min = fcol[f * 3 + 1] < 0 ? NAN : num(csv_cell(&t, p + 1, fcol[f * 3 + 1]));
            a->max = fcol[f * 3 + 2] < 0 ? NAN : num(csv_cell(&t, p + 1, fcol[f * 3 + 2]));
        }
    *out = r;
    r = NULL;
    rc = SIM_OK;
    goto out;
nomem:
    rc = sim_error_set(err, SIM_ERR_NOMEM, "%s: out of memory", name);
out:
    for (int k = 0; keys && k < nk; k++)
        sweep_key_fini(&keys[k]);
    free(keys);
    free(kcol);
    free(has_ns);
    free(fcol);
    sweep_result_destroy(r);
    csv_table_fini(&t);
    return rc;
}
