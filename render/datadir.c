/*
 * datadir.c - where gilsim's data is (datadir.h says in which order it is
 * looked for, and why).
 *
 * The folders are worked out once per process from the environment, the
 * executable's own path (/proc/self/exe) and two constants meson gives:
 * GILSIM_DATADIR, the configured PREFIX/share/gilsim, and
 * GILSIM_BIN_TO_DATA, the same folder relative to the configured bindir
 * ("../share/gilsim"), which is what makes a moved tree work.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"

#ifndef GILSIM_DATADIR
#define GILSIM_DATADIR "/usr/local/share/gilsim"
#endif
#ifndef GILSIM_BIN_TO_DATA
#define GILSIM_BIN_TO_DATA "../share/gilsim"
#endif

/* The name of the marker file meson writes into a build folder. */
#define UNINSTALLED_MARKER "gilsim-uninstalled"

/* Where distributions put DejaVu: Debian and Ubuntu (fonts-dejavu-core),
 * Fedora (one folder per family), Arch, Alpine and openSUSE, FreeBSD. */
static const char *const system_font_dirs[] = {
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu-sans-mono-fonts",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts/dejavu",
};

static const char *const env_names[R_DATA_KIND_COUNT] = {
    [R_DATA_SCENARIOS] = "GILSIM_SCENARIOS",
    [R_DATA_FONTS] = "GILSIM_ASSETS",
};
/* The kind's folder in the source tree and in an installed tree. */
static const char *const source_sub[R_DATA_KIND_COUNT] = {
    [R_DATA_SCENARIOS] = "scenarios",
    [R_DATA_FONTS] = "assets",
};
static const char *const installed_sub[R_DATA_KIND_COUNT] = {
    [R_DATA_SCENARIOS] = "scenarios",
    [R_DATA_FONTS] = "fonts",
};

static char *dirs[R_DATA_KIND_COUNT][R_DATA_MAX_DIRS];
static int n_dirs[R_DATA_KIND_COUNT];
static bool computed;

bool render_data_is_file(const char *dir, const char *file)
{
    char p[PATH_MAX + 256];
    struct stat st;
    if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p))
        return false;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void add(RDataKind k, const char *a, const char *b)
{
    if (n_dirs[k] == R_DATA_MAX_DIRS)
        return;
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    char *s = malloc(la + lb + 2);
    if (!s)
        return;
    memcpy(s, a, la);
    if (b) {
        s[la] = '/';
        memcpy(s + la + 1, b, lb + 1);
    } else {
        s[la] = '\0';
    }
    dirs[k][n_dirs[k]++] = s;
}

/* The source tree a build folder's marker names, without its newline;
 * false when there is no marker in dir. */
static bool read_marker(const char *dir, char *root, size_t n)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/" UNINSTALLED_MARKER, dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    bool ok = fgets(root, (int)n, f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    root[strcspn(root, "\r\n")] = '\0';
    return root[0] == '/';
}

static void compute(void)
{
    computed = true;
    for (int k = 0; k < R_DATA_KIND_COUNT; k++) {
        const char *env = getenv(env_names[k]);
        if (env && *env)
            add((RDataKind)k, env, NULL);
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0'; /* the executable's folder */
        char root[PATH_MAX];
        bool marked = read_marker(exe, root, sizeof(root));
        if (!marked) {
            /* A test program, one folder down in the build tree. */
            char up[PATH_MAX + 4];
            snprintf(up, sizeof(up), "%s/..", exe);
            marked = read_marker(up, root, sizeof(root));
        }
        for (int k = 0; k < R_DATA_KIND_COUNT; k++) {
            if (marked)
                add((RDataKind)k, root, source_sub[k]);
            char rel[PATH_MAX + 64];
            snprintf(rel, sizeof(rel), "%s/" GILSIM_BIN_TO_DATA, exe);
            char *real = realpath(rel, NULL);
            add((RDataKind)k, real ? real : rel, installed_sub[k]);
            free(real);
        }
    }
    for (int k = 0; k < R_DATA_KIND_COUNT; k++)
        add((RDataKind)k, GILSIM_DATADIR, installed_sub[k]);
    for (size_t i = 0; i < sizeof(system_font_dirs) / sizeof(system_font_dirs[0]); i++)
        add(R_DATA_FONTS, system_font_dirs[i], NULL);
}

int render_data_dirs(RDataKind kind, const char *const **out)
{
    if (!computed)
        compute();
    if ((unsigned)kind >= R_DATA_KIND_COUNT) {
        *out = NULL;
        return 0;
    }
    *out = (const char *const *)dirs[kind];
    return n_dirs[kind];
}

char *render_data_find_dir(RDataKind kind, const char *file)
{
    const char *const *d;
    int n = render_data_dirs(kind, &d);
    for (int i = 0; i < n; i++) {
        if (!render_data_is_file(d[i], file))
            continue;
        char *real = realpath(d[i], NULL);
        return real ? real : strdup(d[i]);
    }
    return NULL;
}
