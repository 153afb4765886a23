/*
 * common.c - what every simulating command shares: the common options,
 * loading and running a scenario (and the second run of a comparison), the
 * flags several commands take (--compare, --theme, --scale, --size), and
 * finding bundled scenarios.
 *
 * Output files are written atomically by render/fileio.c for every command.
 */
#include <dirent.h>
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
#include "datadir.h"

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

/* ---- Standard input ------------------------------------------------------
 * Read once, whole, the first time a command asks for it: a viewer that
 * re-simulates, or a comparison of "-" with an override, loads it again. */

static char *stdin_text;
static size_t stdin_len;
static bool stdin_read;

bool cli_is_stdin(const char *file)
{
    return file && strcmp(file, "-") == 0;
}

int cli_read_stdin(const char **text, size_t *len, SimError *err)
{
    if (!stdin_read) {
        size_t cap = 1 << 16, n = 0;
        char *buf = malloc(cap);
        while (buf) {
            if (n == cap) {
                /* The loader refuses more than 64 MB; read one byte past
                 * that so it can say so. */
                if (cap > ((size_t)64 << 20)) {
                    break;
                }
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    free(buf);
                    buf = NULL;
                    break;
                }
                buf = nb;
                cap *= 2;
            }
            size_t k = fread(buf + n, 1, cap - n, stdin);
            n += k;
            if (k == 0)
                break;
        }
        if (buf && n == cap) {
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
        if (!buf)
            return sim_error_set(err, SIM_ERR_NOMEM, "-: out of memory while reading standard input");
        buf[n] = '\0'; /* for readers that want a string */
        if (ferror(stdin)) {
            int e = errno;
            free(buf);
            return sim_error_set(err, SIM_ERR_IO, "-: cannot read standard input: %s", strerror(e ? e : EIO));
        }
        stdin_text = buf;
        stdin_len = n;
        stdin_read = true;
    }
    *text = stdin_text;
    *len = stdin_len;
    return SIM_OK;
}

int cli_load_scenario(const char *file, const char *const *sets, int n_sets, SimScenario **sc,
                      SimError *err)
{
    if (!file)
        return sim_scenario_load_text(cli_default_scenario_name, cli_default_scenario,
                                      strlen(cli_default_scenario), sets, n_sets, sc, err);
    if (cli_is_stdin(file)) {
        const char *text;
        size_t len;
        int rc = cli_read_stdin(&text, &len, err);
        return rc < 0 ? rc : sim_scenario_load_text("-", text, len, sets, n_sets, sc, err);
    }
    char *path = cli_find_scenario(file);
    if (!path) {
        char hint[256];
        cli_suggest_scenario(file, hint, sizeof(hint));
        if (!strchr(file, '/') && !cli_ends_with(file, ".json"))
            return sim_error_set(err, SIM_ERR_IO, "%s: no such file, nor a bundled scenario of that name; %s",
                                 file, hint);
        int rc = sim_scenario_load_file(file, sets, n_sets, sc, err);
        if (rc < 0 && err && strlen(err->msg) + strlen(hint) + 3 < sizeof(err->msg)) {
            strcat(err->msg, "; ");
            strcat(err->msg, hint);
        }
        return rc;
    }
    int rc = sim_scenario_load_file(path, sets, n_sets, sc, err);
    free(path);
    return rc;
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
    int rc = cli_load_scenario(o->file, all, n, sc, err);
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
    if ((a[0] != '-' || a[1] == '\0') && o->file && !*file_b) {
        if (cli_is_stdin(a) && cli_is_stdin(o->file)) {
            fprintf(stderr, "gilsim %s: only one of the two scenarios can come from standard input (-)\n", cmd);
            return -1;
        }
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

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *cli_scenario_dir(void)
{
    return render_data_find_dir(R_DATA_SCENARIOS, "convoy.json");
}

char *cli_find_scenario(const char *name)
{
    if (is_file(name))
        return strdup(name);
    if (strchr(name, '/') || !*name)
        return NULL;
    const char *const *dirs;
    int n = render_data_dirs(R_DATA_SCENARIOS, &dirs);
    for (int i = 0; i < n; i++) {
        char file[4096];
        snprintf(file, sizeof(file), "%s", name);
        if (!render_data_is_file(dirs[i], file)) {
            snprintf(file, sizeof(file), "%s.json", name);
            if (!render_data_is_file(dirs[i], file))
                continue;
        }
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dirs[i], file);
        return strdup(path);
    }
    return NULL;
}

/* ---- Names close to a mistyped one ----------------------------------------- */

/* The optimal string alignment distance (Levenshtein with transpositions),
 * in bytes; names are short. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *cli_closest(const char *name, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, names[i]);
        /* A name that starts with what was typed is as good as a typo. */
        if (len >= 3 && strncmp(names[i], name, len) == 0 && d > 1)
            d = 1 + (strlen(names[i]) - len > 8);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t limit = len < 6 ? 2 : len / 3 + 1;
    return best && best_d <= limit ? best : NULL;
}

int cli_scenario_names(char ***out)
{
    *out = NULL;
    char *dir = cli_scenario_dir();
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return -1;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0 || strcmp(e->d_name, "schema.json") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, (size_t)cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strndup(e->d_name, l - 5)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(*names), cmp_name);
    *out = names;
    return n;
}

void cli_names_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void cli_suggest_scenario(const char *name, char *buf, size_t n)
{
    char **names;
    int k = cli_scenario_names(&names);
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    char stem[256];
    snprintf(stem, sizeof(stem), "%s", base);
    if (cli_ends_with(stem, ".json"))
        stem[strlen(stem) - 5] = '\0';
    const char *best = k > 0 ? cli_closest(stem, (const char *const *)names, (size_t)k) : NULL;
    if (best)
        snprintf(buf, n, "did you mean '%s'? 'gilsim list' shows the bundled scenarios", best);
    else
        snprintf(buf, n, "'gilsim list' shows the bundled scenarios");
    cli_names_free(names, k > 0 ? k : 0);
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
