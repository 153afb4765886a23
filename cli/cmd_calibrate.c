/*
 * cmd_calibrate.c - `gilsim calibrate`: measures this machine and an
 * interpreter (analysis/py/calibrate.py, embedded), prints each figure
 * with its spread, and writes the figures whose keys are parameters of
 * the scenario's "machine" and "python" sections as a profile, which
 * --profile (or a scenario's "profile") applies.
 *
 * Which keys are parameters is the loader's table's business
 * (sim_config_key_known): a figure whose key is not one is shown and left
 * out, so the script may measure ahead of the model.
 *
 * Exit codes: 0 measured (and written), 1 the interpreter or the file
 * failed, 2 bad flags.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "cli.h"
#include "duration_text.h"
#include "pyemit.h"
#include "strbuf.h"
#include "text_file.h"

static void calibrate_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim calibrate [--python PATH] [-o PROFILE.json] [--only KEY]...\n\n"
            "Measures this machine and a Python interpreter: the wake-up latency of a\n"
            "blocked thread, the context switch, thread start and join, fork, spawn and\n"
            "fork-server starts, the cost of a loop iteration, a check point, an increment\n"
            "and a call, pickling, a pipe's latency, the timer's overshoot. Each figure is\n"
            "the median of repeated samples, printed with its 10th to 90th percentiles.\n\n"
            "  --python PATH   the interpreter (default python3)\n"
            "  -o, --output F  write the figures that are parameters of a scenario's\n"
            "                  \"machine\" and \"python\" sections as a profile: apply it with\n"
            "                  --profile F on any command, or \"profile\": \"F\" in a scenario\n"
            "  --only KEY      measure only this figure (repeatable), e.g. python.fork_cost\n\n"
            "A profile's values apply where the scenario gives none; --set beats both.\n"
            "The machine's load moves every figure: check it first (cat /proc/loadavg).\n"
            "Exit status: 0 measured, 1 the interpreter or the file failed, 2 invalid flags.\n");
}

/* A figure rounded to 3 significant digits, in ns (at least 1). */
static SimTime rounded(double ns)
{
    if (!(ns > 0))
        return 0;
    double mag = pow(10, floor(log10(ns)) - 2);
    SimTime r = (SimTime)llround(llround(ns / mag) * mag);
    return r > 0 ? r : 1;
}

static void load_average(char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    double a, b, c;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, n, "%.2f %.2f %.2f", a, b, c);
    fclose(f);
}

/* A number of a measurement's JSON (0 when missing). */
static double figure(const cJSON *m, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, key));
}

/* The value a profile holds for measurement m: a duration, or for a
 * distribution {"uniform": [p10, p90]}. NULL when out of memory. */
static cJSON *profile_value(const cJSON *m)
{
    char a[48], b[48];
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(m, "kind");
    double med = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "median_ns"));
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "distribution") == 0) {
        double lo = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "p10_ns"));
        double hi = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "p90_ns"));
        cJSON *o = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(o, "uniform");
        duration_text_exact(rounded(lo), "0us", a, sizeof(a));
        duration_text_exact(rounded(hi), "0us", b, sizeof(b));
        if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString(a)) ||
            !cJSON_AddItemToArray(arr, cJSON_CreateString(b))) {
            cJSON_Delete(o);
            return NULL;
        }
        return o;
    }
    return cJSON_CreateString(duration_text_exact(rounded(med), "0us", a, sizeof(a)));
}

/* Appends v as compact JSON. */
static void put_json(StrBuf *b, const cJSON *v)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    if (t)
        strbuf_puts(b, t);
    else
        b->oom = true;
    cJSON_free(t);
}

static void put_json_string(StrBuf *b, const char *s)
{
    cJSON *v = cJSON_CreateString(s);
    put_json(b, v);
    cJSON_Delete(v);
}

/* Writes the profile, one value a line; the figures kept are those marked
 * in keep[]. Where the figures came from goes under "_measured", which
 * the loader reads as a comment. */
static int write_profile(const char *path, const cJSON *list, const bool *keep, const CliPython *py,
                         const char *python, const char *load, SimError *err)
{
    StrBuf b = {0};
    char when[32] = "", interp[128];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    snprintf(interp, sizeof(interp), "%s %s", py->implementation, py->version);
    strbuf_puts(&b, "{\n  \"_measured\": {\n    \"by\": \"gilsim calibrate " GILSIM_VERSION
                    "\",\n    \"python\": ");
    put_json_string(&b, interp);
    strbuf_puts(&b, ",\n    \"interpreter\": ");
    put_json_string(&b, python);
    strbuf_printf(&b, ",\n    \"date\": \"%s\",\n    \"load_average\": \"%s\",\n    \"spread_p10_p90\": {",
                  when, load);
    const char *sep = "";
    int i = 0;
    for (const cJSON *m = list ? list->child : NULL; m; m = m->next, i++) {
        if (!keep[i])
            continue;
        char a[48], c[48];
        duration_text_exact(rounded(figure(m, "p10_ns")), "0us", a, sizeof(a));
        duration_text_exact(rounded(figure(m, "p90_ns")), "0us", c, sizeof(c));
        strbuf_printf(&b, "%s\n      ", sep);
        put_json_string(&b, cJSON_GetObjectItemCaseSensitive(m, "key")->valuestring);
        strbuf_printf(&b, ": \"%s..%s\"", a, c);
        sep = ",";
    }
    strbuf_puts(&b, "\n    }\n  }");
    static const char *const SECTIONS[2] = {"machine", "python"};
    for (int s = 0; s < 2; s++) {
        strbuf_printf(&b, ",\n  \"%s\": {", SECTIONS[s]);
        sep = "";
        i = 0;
        for (const cJSON *m = list ? list->child : NULL; m; m = m->next, i++) {
            const char *key = cJSON_GetObjectItemCaseSensitive(m, "key")->valuestring;
            size_t n = strlen(SECTIONS[s]);
            if (!keep[i] || strncmp(key, SECTIONS[s], n) != 0 || key[n] != '.')
                continue;
            cJSON *v = profile_value(m);
            strbuf_printf(&b, "%s\n    ", sep);
            put_json_string(&b, key + n + 1);
            strbuf_puts(&b, ": ");
            put_json(&b, v);
            cJSON_Delete(v);
            sep = ",";
        }
        strbuf_puts(&b, "\n  }");
    }
    strbuf_puts(&b, "\n}\n");
    size_t len;
    char *text = strbuf_take(&b, &len);
    if (!text)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        if (f)
            fclose(f);
        rc = sim_error_set(err, SIM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    free(text);
    return rc;
}

/* Loads the built-in scenario with the profile, as a check that every
 * value written reads back. */
static int check_profile(const char *path, SimError *err)
{
    cJSON *str = cJSON_CreateString(path);
    char *q = str ? cJSON_PrintUnformatted(str) : NULL;
    cJSON_Delete(str);
    if (!q)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    size_t n = strlen(q) + 9;
    char *ov = malloc(n);
    int rc = SIM_ERR_NOMEM;
    if (ov) {
        snprintf(ov, n, "profile=%s", q);
        const char *ovs[1] = {ov};
        SimScenario *sc = NULL;
        rc = sim_scenario_load_text(cli_default_scenario_name, cli_default_scenario,
                                    strlen(cli_default_scenario), ovs, 1, &sc, err);
        sim_scenario_destroy(sc);
    } else {
        sim_error_set(err, rc, "out of memory");
    }
    free(ov);
    cJSON_free(q);
    return rc;
}

int cmd_calibrate(int argc, char **argv)
{
    const char *python = "python3", *out = NULL;
    const char **only = NULL;
    int n_only = 0, rc = EXIT_USAGE;
    char dir[4096] = "";
    char *text = NULL;
    cJSON *root = NULL;
    bool *keep = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            calibrate_usage(stdout);
            return EXIT_OK;
        }
        bool takes = strcmp(a, "--python") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                     strcmp(a, "--only") == 0;
        if (!takes) {
            fprintf(stderr, "gilsim calibrate: unknown argument '%s'; see 'gilsim calibrate --help'\n", a);
            goto out;
        }
        if (!next) {
            fprintf(stderr, "gilsim calibrate: %s needs a value\n", a);
            goto out;
        }
        i++;
        if (strcmp(a, "--python") == 0) {
            python = next;
        } else if (strcmp(a, "--only") == 0) {
            if (!sim_config_key_known(next) && !strchr(next, '.')) {
                fprintf(stderr, "gilsim calibrate: --only '%s': expected a key such as python.fork_cost\n",
                        next);
                goto out;
            }
            const char **v = realloc(only, (size_t)(n_only + 1) * sizeof(*v));
            if (!v) {
                fprintf(stderr, "gilsim calibrate: out of memory\n");
                rc = EXIT_RUNTIME;
                goto out;
            }
            only = v;
            only[n_only++] = next;
        } else {
            out = next;
        }
    }

    SimError err;
    CliPython py;
    rc = EXIT_RUNTIME;
    if (cli_python_probe(python, &py, &err) < 0) {
        fprintf(stderr, "gilsim calibrate: %s\n", err.msg);
        goto out;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/gilsim-measure-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "gilsim calibrate: cannot make a folder under %s: %s\n", tmp && *tmp ? tmp : "/tmp",
                strerror(errno));
        dir[0] = '\0';
        goto out;
    }
    /* The script, with the keys to measure appended as its arguments. */
    char script[4200], path[4200];
    snprintf(script, sizeof(script), "%s/calibrate.py", dir);
    FILE *f = fopen(script, "w");
    if (!f || fputs(pyemit_calibrate, f) < 0 || fprintf(f, "\n") < 0 || fclose(f) != 0) {
        fprintf(stderr, "gilsim calibrate: %s: cannot write\n", script);
        goto out;
    }
    if (n_only) {
        /* The script measures only the keys this names (the child inherits it). */
        StrBuf keys = {0};
        for (int k = 0; k < n_only; k++)
            strbuf_printf(&keys, "%s%s", k ? "," : "", only[k]);
        setenv("GILSIM_CALIBRATE_ONLY", strbuf_str(&keys), 1);
        strbuf_fini(&keys);
    }
    char load[64];
    load_average(load, sizeof(load));
    printf("gilsim calibrate: %s %s (%s), load average %s\n", py.implementation, py.version, python,
           load[0] ? load : "unknown");
    fflush(stdout);
    CliPythonRun res;
    if (cli_python_run(python, script, dir, 600 * 1000000000LL, &res, &err) < 0) {
        fprintf(stderr, "gilsim calibrate: %s\n", err.msg);
        goto out;
    }
    snprintf(path, sizeof(path), "%s/stdout.txt", dir);
    size_t len;
    if (res.timed_out || res.exit_code != 0 || text_file_read(path, &text, &len, &err) < 0 ||
        !(root = cJSON_Parse(text))) {
        char tail[1500];
        snprintf(path, sizeof(path), "%s/stderr.txt", dir);
        cli_file_tail(path, 6, tail, sizeof(tail));
        fprintf(stderr, "gilsim calibrate: the measurement failed on %s (exit %d)%s%s\n", python,
                res.exit_code, tail[0] ? ":\n" : "", tail);
        goto out;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "measurements");
    int n = cJSON_GetArraySize(list), written = 0;
    keep = calloc((size_t)(n ? n : 1), sizeof(*keep));
    if (!keep)
        goto out;
    printf("\n  %-30s %10s   %-23s %5s\n", "key", "median", "p10 .. p90", "n");
    int i = 0;
    for (const cJSON *m = list ? list->child : NULL; m; m = m->next, i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "key");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
        const char *key = cJSON_IsString(k) ? k->valuestring : "?";
        bool wanted = n_only == 0;
        for (int j = 0; j < n_only; j++)
            wanted |= strcmp(only[j], key) == 0;
        if (!wanted)
            continue;
        if (cJSON_IsString(e)) {
            printf("  %-30s %10s   %-23s %5s  %s\n", key, "-", "", "", e->valuestring);
            continue;
        }
        char med[32], lo[32], hi[32], range[80];
        double md = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "median_ns"));
        sim_duration_format(rounded(md), med, sizeof(med));
        sim_duration_format(rounded(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "p10_ns"))), lo,
                            sizeof(lo));
        sim_duration_format(rounded(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "p90_ns"))), hi,
                            sizeof(hi));
        snprintf(range, sizeof(range), "%s .. %s", lo, hi);
        bool known = sim_config_key_known(key);
        bool positive_ok = rounded(md) > 0;
        keep[i] = known && positive_ok;
        written += keep[i];
        printf("  %-30s %10s   %-23s %5d  %s\n", key, med, range,
               (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "n")),
               !known ? "not a parameter of this gilsim" : !positive_ok ? "too small to keep" : "");
    }
    if (out) {
        if (write_profile(out, list, keep, &py, python, load, &err) < 0 || check_profile(out, &err) < 0) {
            fprintf(stderr, "gilsim calibrate: %s\n", err.msg);
            goto out;
        }
        fprintf(stderr, "\nwrote %s: %d value%s; apply it with --profile %s\n", out, written,
                written == 1 ? "" : "s", out);
    } else {
        fprintf(stderr, "\n(no profile written: add -o PROFILE.json)\n");
    }
    rc = EXIT_OK;
out:
    if (dir[0]) {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
        if (!strchr(dir, '\'') && system(cmd) != 0)
            fprintf(stderr, "gilsim calibrate: could not remove %s\n", dir);
    }
    cJSON_Delete(root);
    free(text);
    free(keep);
    free(only);
    return rc;
}
