/*
 * test_golden.c - golden trace tests: each tests/golden/NAME.json is run and
 * its trace dumped as stable text, one record per line, then compared with
 * tests/golden/NAME.trace. A mismatch writes NAME.actual beside it. Goldens
 * are regenerated only deliberately: UPDATE_GOLDEN=1.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "test.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static void write_all(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

/* Line number of the first difference, for the failure message. */
static int first_diff_line(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return line;
}

static void check_golden(const char *dir, const char *name)
{
    char json[4200], golden[4200], actual[4200];
    snprintf(json, sizeof(json), "%s/%s.json", dir, name);
    snprintf(golden, sizeof(golden), "%s/%s.trace", dir, name);
    snprintf(actual, sizeof(actual), "%s/%s.actual", dir, name);
    SimScenario *sc = NULL;
    SimError err;
    if (sim_scenario_load_file(json, NULL, 0, &sc, &err) < 0) {
        CHECK(false, "%s loads: %s", name, err.msg);
        return;
    }
    SimWorld *w = sim_world_create(sc, &err);
    CHECK(w != NULL, "%s: world created", name);
    if (!w) {
        sim_scenario_destroy(sc);
        return;
    }
    int outcome = sim_world_run(w, SIM_TIME_NEVER);
    CHECK(outcome == SIM_RUN_DONE, "%s runs to the end (%d)", name, outcome);
    char *dump = NULL;
    size_t len = 0;
    sim_trace_dump(sim_world_trace(w), &dump, &len);
    const char *update = getenv("UPDATE_GOLDEN");
    if (update && *update && strcmp(update, "0") != 0) {
        write_all(golden, dump, len);
        printf("updated %s\n", golden);
    }
    size_t glen = 0;
    char *expect = read_all(golden, &glen);
    bool same = expect && glen == len && memcmp(expect, dump, len) == 0;
    CHECK(same, "%s: trace matches %s%s (first difference at line %d; see %s)", name, golden,
          expect ? "" : " (missing)", expect ? first_diff_line(expect, dump) : 0, actual);
    if (!same)
        write_all(actual, dump, len);
    else
        remove(actual);
    free(expect);
    free(dump);
    sim_world_destroy(w);
    sim_scenario_destroy(sc);
}

int main(void)
{
    const char *root = getenv("GILSIM_SOURCE_ROOT");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/golden", root ? root : ".");
    DIR *d = opendir(dir);
    CHECK(d != NULL, "golden directory %s exists", dir);
    if (!d)
        return test_report();
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            names[n++] = strndup(e->d_name, l - 5);
    }
    closedir(d);
    /* Directory order is not stable; the report should be. */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    CHECK(n >= 3, "at least three golden scenarios (%d)", n);
    for (int i = 0; i < n; i++) {
        check_golden(dir, names[i]);
        free(names[i]);
    }
    return test_report();
}
