/*
 * profile.c - a machine profile (`gilsim calibrate -o machine.json`)
 * applied to a scenario: the "profile" key of the scenario, or --profile,
 * which the command line passes as the override profile=PATH.
 *
 * A profile is JSON with "machine" and "python" sections holding rows of
 * the parameter table (config.c), plus comment keys ('$' or '_'). It
 * describes the machine, so it stands between gilsim's defaults and the
 * scenario: its values are written into the scenario's tree where the
 * scenario (or --set, applied before) gives none, and the one walk then
 * reads them like any other. So --set beats the scenario, which beats the
 * profile, which beats the defaults.
 *
 * The profile is checked on its own first, with its own text, so that an
 * error in it is located in it ("machine.json:4:20: /python/fork_cost:
 * ..."); the values merged into the tree are then known to be valid. Each
 * key the profile supplied is kept in the scenario for --explain-config.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "loader.h"
#include "text_file.h"

static const char *const PROFILE_KEYS[] = {"machine", "python"};

/* True if the profile was named on the command line (--profile or --set). */
static bool from_cmdline(const Loader *c)
{
    for (int k = 0; k < c->n_ov; k++)
        if (c->ov[k].ptr && strcmp(c->ov[k].ptr, "/profile") == 0)
            return true;
    return false;
}

/* The profile's path: as given when it came from the command line (or is
 * absolute), else next to the scenario file. */
static void profile_path(const Loader *c, const char *name, char *out, size_t n)
{
    const char *slash = strrchr(c->source, '/');
    if (from_cmdline(c) || name[0] == '/' || !slash)
        snprintf(out, n, "%s", name);
    else
        snprintf(out, n, "%.*s/%s", (int)(slash - c->source), c->source, name);
}

/* Checks the profile's sections with a loader of its own (its errors are
 * located in its text). */
static int check_profile(Loader *c, const char *path, const char *text, size_t len, const cJSON *root)
{
    Loader p;
    memset(&p, 0, sizeof(p));
    p.source = path;
    p.text = text;
    p.len = len;
    p.err = c->err;
    if (!ld_path_reserve(&p, 0))
        return ld_nomem(c);
    p.path[0] = '\0';
    p.sc = c->sc; /* read by nothing the sections need; a valid pointer for the hooks */
    SimConfig scratch;
    sim_config_defaults(&scratch);
    int rc = 0;
    if (!cJSON_IsObject(root))
        rc = fail(&p, "expected an object with \"machine\" and \"python\" sections (a profile written by "
                      "gilsim calibrate), got %s", ld_type_name(root));
    if (rc == 0)
        rc = ld_check_keys(&p, root, PROFILE_KEYS, COUNT(PROFILE_KEYS));
    for (int s = 0; rc == 0 && s < PARAMS_SECTION_COUNT; s++) {
        size_t mark;
        const cJSON *v = ld_enter(&p, root, PROFILE_KEYS[s], &mark);
        if (v) {
            rc = ld_load_config(&p, v, s == 0 ? PARAMS_MACHINE : PARAMS_PYTHON, &scratch);
            if (rc == 0)
                ld_path_pop(&p, mark);
        }
    }
    if (rc == 0 && p.oom)
        rc = ld_nomem(c);
    free(p.path);
    return rc;
}

/* Writes the profile's values into the scenario's tree where it has none,
 * recording each key supplied. */
static int merge(Loader *c, cJSON *root, const cJSON *prof)
{
    SimScenario *sc = c->sc;
    for (int s = 0; s < PARAMS_SECTION_COUNT; s++) {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(prof, PROFILE_KEYS[s]);
        if (!cJSON_IsObject(from))
            continue;
        cJSON *to = cJSON_GetObjectItemCaseSensitive(root, PROFILE_KEYS[s]);
        if (!to && !(to = cJSON_AddObjectToObject(root, PROFILE_KEYS[s])))
            return ld_nomem(c);
        if (!cJSON_IsObject(to))
            continue; /* the walk reports the scenario's own mistake */
        for (const cJSON *m = from->child; m; m = m->next) {
            if (!m->string || ld_ignored_key(m->string) || cJSON_GetObjectItemCaseSensitive(to, m->string))
                continue;
            cJSON *copy = cJSON_Duplicate(m, 1);
            if (!copy || !cJSON_AddItemToObject(to, m->string, copy)) {
                cJSON_Delete(copy);
                return ld_nomem(c);
            }
            char key[200];
            snprintf(key, sizeof(key), "%s.%s", PROFILE_KEYS[s], m->string);
            char **keys = realloc(sc->profile_keys, (size_t)(sc->n_profile_keys + 1) * sizeof(*keys));
            if (!keys)
                return ld_nomem(c);
            sc->profile_keys = keys;
            if (!(keys[sc->n_profile_keys] = strdup(key)))
                return ld_nomem(c);
            sc->n_profile_keys++;
        }
    }
    return 0;
}

int ld_apply_profile(Loader *c, cJSON *root)
{
    size_t mark;
    const cJSON *v = ld_enter(c, root, "profile", &mark);
    if (!v)
        return 0;
    const char *name;
    int rc = ld_get_string(c, v, "the path of a profile written by gilsim calibrate", &name);
    if (rc < 0)
        return rc;
    char path[PATH_MAX], q[64];
    profile_path(c, name, path, sizeof(path));
    char *text = NULL;
    size_t len = 0;
    SimError e2;
    if (text_file_read(path, &text, &len, &e2) < 0) {
        if (from_cmdline(c))
            return sim_error_set(c->err, SIM_ERR_INVALID, "--profile %s; expected a file written by gilsim "
                                                          "calibrate -o", e2.msg);
        return fail(c, "cannot read the profile '%s'; expected a file written by gilsim calibrate -o",
                    ld_quote(path, q, sizeof(q)));
    }
    size_t off;
    char why[200];
    cJSON *prof = NULL;
    if (jsonloc_check(text, len, &off, why, sizeof(why)) < 0) {
        int line, col;
        jsonloc_linecol(text, len, off, &line, &col);
        rc = sim_error_set(c->err, SIM_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", path, line, col, why);
    } else {
        const char *start = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? text + 3 : text;
        prof = cJSON_Parse(start);
        rc = prof ? check_profile(c, path, text, len, prof) : ld_nomem(c);
    }
    if (rc == 0 && !(c->sc->profile = strdup(path)))
        rc = ld_nomem(c);
    if (rc == 0)
        rc = merge(c, root, prof);
    cJSON_Delete(prof);
    free(text);
    if (rc == 0)
        ld_path_pop(c, mark);
    return rc;
}
