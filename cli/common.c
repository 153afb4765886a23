/*
 * common.c - what every simulating command shares: the common options,
 * loading and running a scenario (and the second run of a comparison), the
 * flags several commands take (--compare, --theme, --scale, --size), and
 * finding bundled scenarios.
 *
 * Output files are written atomically by render/fileio.c for every command.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "cli.h"

#ifndef GILSIM_SOURCE_DIR
#define GILSIM_SOURCE_DIR "."
#endif

/* A whole number written with digits only (no sign, space or exponent). */
static bool parse_count(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19 || strspn(s, "0123456789") != n)
        return false;
    *out = strtoull(s, NULL, 10);
    return true;
}

int cli_sim_opt(CliSimOpts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *val = NULL;
    bool is_set = strcmp(a, "--set") == 0 || strcmp(a, "-D") == 0;
    bool is_seed = strcmp(a, "--seed") == 0 || strcmp(a, "-s") == 0;
    bool is_until = strcmp(a, "--until") == 0;
    bool is_profile = strcmp(a, "--profile") == 0;
    bool is_max = strcmp(a, "--max-records") == 0;
    if (strncmp(a, "--set=", 6) == 0)
        val = a + 6, is_set = true;
    else if (strncmp(a, "--seed=", 7) == 0)
        val = a + 7, is_seed = true;
    else if (strncmp(a, "--until=", 8) == 0)
        val = a + 8, is_until = true;
    else if (strncmp(a, "--profile=", 10) == 0)
        val = a + 10, is_profile = true;
    else if (strncmp(a, "--max-records=", 14) == 0)
        val = a + 14, is_max = true;
    if (!is_set && !is_seed && !is_until && !is_profile && !is_max) {
        if (a[0] == '-' && a[1] != '\0')
            return 0;
        if (o->file) {
            fprintf(stderr, "gilsim: unexpected argument '%s' (the scenario is already '%s')\n", a, o->file);
            return -1;
        }
        o->file = a;
        return 1;
    }
    if (!val) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "gilsim: %s needs a value\n", a);
            return -1;
        }
        val = argv[++*i];
    }
    if (is_set) {
        const char **ns = realloc(o->sets, (size_t)(o->n_sets + 2) * sizeof(*ns));
        if (!ns) {
            fprintf(stderr, "gilsim: out of memory\n");
            return -1;
        }
        o->sets = ns;
        o->sets[o->n_sets++] = val;
        return 1;
    }
    if (is_max) {
        uint64_t n;
        if (!parse_count(val, &n) || n == 0) {
            fprintf(stderr, "gilsim: --max-records '%s': expected a whole number >= 1, digits only\n", val);
            return -1;
        }
        o->max_records = n;
        return 1;
    }
    if (is_seed) {
        uint64_t s;
        if (sim_seed_parse(val, &s) != SIM_OK) {
            fprintf(stderr, "gilsim: --seed '%s': expected a whole number from 0 to 18446744073709551615, "
                            "digits only\n", val);
            return -1;
        }
        snprintf(o->seed_buf, sizeof(o->seed_buf), "seed=%llu", (unsigned long long)s);
        const char **ns = realloc(o->sets, (size_t)(o->n_sets + 2) * sizeof(*ns));
        if (!ns) {
            fprintf(stderr, "gilsim: out of memory\n");
            return -1;
        }
        o->sets = ns;
        o->sets[o->n_sets++] = o->seed_buf;
        return 1;
    }
    if (is_profile) {
        /* profile="PATH", the path as a JSON string, so that any name reads
         * back as the text it is. */
        cJSON *str = cJSON_CreateString(val);
        char *q = str ? cJSON_PrintUnformatted(str) : NULL;
        cJSON_Delete(str);
        const char **ns = q ? realloc(o->sets, (size_t)(o->n_sets + 2) * sizeof(*ns)) : NULL;
        char *buf = ns ? malloc(strlen(q) + 9) : NULL;
        if (!buf) {
            cJSON_free(q);
            if (ns)
                o->sets = ns;
            fprintf(stderr, "gilsim: out of memory\n");
            return -1;
        }
        o->sets = ns;
        sprintf(buf, "profile=%s", q);
        cJSON_free(q);
        free(o->profile_buf);
        o->profile_buf = buf;
        o->sets[o->n_sets++] = buf;
        return 1;
    }
    SimTime t;
    if (sim_duration_parse(val, &t) != SIM_OK) {
        fprintf(stderr, "gilsim: --until '%s': expected a duration such as 2s or 500ms\n", val);
        return -1;
    }
    o->until = t;
    return 1;
}

void cli_sim_opts_free(CliSimOpts *o)
{
    free(o->profile_buf);
    o->profile_buf = NULL;
    free(o->sets);
    o->sets = NULL;
    o->n_sets = 0;
}

static int load(const CliSimOpts *o, const char *const *extra, int n_extra, SimScenario **sc, SimError *err)
{
    int n = o->n_sets + n_extra;
    const char **all = calloc((size_t)(n ? n : 1), sizeof(*all));
    if (!all)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    for (int i = 0; i < o->n_sets; i++)
        all[i] = o->sets[i];
    for (int i = 0; i < n_extra; i++)
        all[o->n_sets + i] = extra[i];
    int rc;
    if (o->file) {
        char *path = cli_find_scenario(o->file);
        rc = sim_scenario_load_file(path ? path : o->file, all, n, sc, err);
        free(path);
    } else {
        rc = sim_scenario_load_text(cli_default_scenario_name, cli_default_scenario,
                                    strlen(cli_default_scenario), all, n, sc, err);
    }
    free(all);
    return rc;
}

int cli_simulate_with(const CliSimOpts *o, const char *const *extra, int n_extra, RunResult *run,
                      SimError *err)
{
    SimScenario *sc = NULL;
    memset(run, 0, sizeof(*run));
    int rc = load(o, extra, n_extra, &sc, err);
    if (rc < 0)
        return rc;
    return run_result_simulate_bounded(sc, o->until, o->max_records ? o->max_records : RUN_DEFAULT_RECORDS,
                                       run, err);
}

int cli_exit_for(int sim_err)
{
    return sim_err == SIM_ERR_NOMEM || sim_err == SIM_ERR_BUDGET ? EXIT_RUNTIME : EXIT_USAGE;
}

int cli_simulate(const CliSimOpts *o, RunResult *run, SimError *err)
{
    return cli_simulate_with(o, NULL, 0, run, err);
}

int cli_simulate_second(const CliSimOpts *o, const char *file_b, const char *const *cmp,
                        int n_cmp, RunResult *run, SimError *err)
{
    if (!file_b)
        return cli_simulate_with(o, cmp, n_cmp, run, err);
    CliSimOpts ob = *o; /* shares o's overrides, which outlive it */
    ob.file = file_b;
    return cli_simulate(&ob, run, err);
}

int cli_compare_operand(const char *cmd, CliSimOpts *o, const char **file_b, int argc, char **argv,
                        int *i)
{
    const char *a = argv[*i];
    if (a[0] != '-' && o->file && !*file_b) {
        *file_b = a;
        return 0;
    }
    int k = cli_sim_opt(o, argc, argv, i);
    if (k == 0)
        fprintf(stderr, "gilsim %s: unknown option '%s'; see 'gilsim %s --help'\n", cmd, a, cmd);
    return k > 0 ? 0 : -1;
}

int cli_compare_opt(const char *cmd, const char *val, const char ***list, int *n)
{
    if (!strchr(val, '=')) {
        fprintf(stderr, "gilsim %s: --compare '%s': expected KEY=VALUE\n", cmd, val);
        return -1;
    }
    const char **more = realloc(*list, (size_t)(*n + 1) * sizeof(*more));
    if (!more) {
        fprintf(stderr, "gilsim %s: out of memory\n", cmd);
        return -1;
    }
    *list = more;
    (*list)[(*n)++] = val;
    return 0;
}

int cli_theme_opt(const char *cmd, const char *val, RTheme *theme)
{
    if (strcmp(val, "light") == 0)
        *theme = R_THEME_LIGHT;
    else if (strcmp(val, "dark") == 0)
        *theme = R_THEME_DARK;
    else {
        fprintf(stderr, "gilsim %s: --theme '%s': expected light or dark\n", cmd, val);
        return -1;
    }
    return 0;
}

int cli_scale_opt(const char *cmd, const char *val, double *scale)
{
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end || !isfinite(v) || v < 0.25 || v > 8) {
        fprintf(stderr, "gilsim %s: --scale '%s': expected a number from 0.25 to 8\n", cmd, val);
        return -1;
    }
    *scale = v;
    return 0;
}

bool cli_parse_size(const char *s, int *w, int *h)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (errno || end == s || (*end != 'x' && *end != 'X'))
        return false;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (errno || end == p || *end || a < 1 || b < 1 || a > CLI_SIZE_MAX || b > CLI_SIZE_MAX)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

int cli_parse_bytes(const char *s, uint64_t *out)
{
    size_t digits = strspn(s, "0123456789");
    if (digits == 0 || digits > 15)
        return -1;
    uint64_t v = strtoull(s, NULL, 10), mul = 1;
    const char *u = s + digits;
    switch (*u) {
    case 'k': case 'K': mul = 1000ull; u++; break;
    case 'm': case 'M': mul = 1000000ull; u++; break;
    case 'g': case 'G': mul = 1000000000ull; u++; break;
    case 't': case 'T': mul = 1000000000000ull; u++; break;
    default: break;
    }
    if (*u == 'b' || *u == 'B')
        u++;
    if (*u || v > UINT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

bool cli_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directories bundled scenarios are looked up in, in order. */
static int scenario_dirs(const char **dirs, char *exe_dir, size_t n)
{
    int k = 0;
    const char *env = getenv("GILSIM_SCENARIOS");
    if (env && *env)
        dirs[k++] = env;
    ssize_t len = readlink("/proc/self/exe", exe_dir, n - 32);
    if (len > 0) {
        exe_dir[len] = '\0';
        char *slash = strrchr(exe_dir, '/');
        if (slash) {
            strcpy(slash, "/../scenarios");
            char *real = realpath(exe_dir, NULL);
            if (real) {
                snprintf(exe_dir, n, "%s", real);
                free(real);
            }
            dirs[k++] = exe_dir;
        }
    }
    dirs[k++] = GILSIM_SOURCE_DIR "/scenarios";
    return k;
}

char *cli_scenario_dir(void)
{
    const char *dirs[4];
    char exe_dir[4096];
    int n = scenario_dirs(dirs, exe_dir, sizeof(exe_dir));
    for (int i = 0; i < n; i++) {
        char probe[8192];
        snprintf(probe, sizeof(probe), "%s/convoy.json", dirs[i]);
        if (is_file(probe))
            return strdup(dirs[i]);
    }
    return NULL;
}

char *cli_find_scenario(const char *name)
{
    if (is_file(name))
        return strdup(name);
    if (strchr(name, '/'))
        return NULL;
    const char *dirs[4];
    char exe_dir[4096];
    int n = scenario_dirs(dirs, exe_dir, sizeof(exe_dir));
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
        if (is_file(path))
            return strdup(path);
        snprintf(path, sizeof(path), "%s/%s.json", dirs[i], name);
        if (is_file(path))
            return strdup(path);
    }
    return NULL;
}

bool cli_parse_time(const char *s, SimTime *out)
{
    if (sim_duration_parse(s, out) == SIM_OK)
        return true;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 9e9)
        return false;
    *out = (SimTime)llround(v * 1e9);
    return true;
}
