/*
 * scenario.c - scenario JSON -> validated, immutable SimScenario: the top
 * of the loader.
 *
 * Loading is: strict syntax check (jsonloc.c, for exact positions), cJSON
 * parse, --set overrides applied to the tree (overrides.c), then one walk
 * that validates and converts in document order: the root here, the
 * configuration in config.c, objects in objects.c, programs in compile.c,
 * every value read through jsonwalk.c. Names used by start/join are
 * resolved after the walk, because they may refer to processes declared
 * further down. The files share one private header, loader.h, and only
 * they see cJSON.
 *
 * Thread templates of declared processes come first and contiguous, so
 * their indices are fixed before any fork child is appended; fork
 * children, then pool workers, follow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "loader.h"
#include "text_file.h"

const char *const ld_method_names[3] = {"fork", "spawn", "forkserver"};

static const char *const ROOT_KEYS[] = {
    "name", "description", "lesson", "quiz", "seed", "schema_version", "machine", "python", "ipc", "view",
    "processes", "profile",
};
static const char *const VIEW_KEYS[] = {"range"};
static const char *const QUIZ_KEYS[] = {"question", "answer"};
static const char *const ANSWER_KEYS[] = {"figure", "tolerance"};
static const char *const PROCESS_KEYS[] = {"name", "start", "start_method", "sync", "shared", "local",
                                           "affinity", "threads"};
static const char *const THREAD_KEYS[] = {"name", "daemon", "start", "interpreter", "affinity", "program"};
static const char *const START_NAMES[] = {"auto", "manual"};

/* ---- Templates ---------------------------------------------------------- */

int ld_grow_procs(Loader *c, int need)
{
    int rc = ld_grow_array(c, (void **)&c->sc->procs, &c->cap_procs, need, sizeof(*c->sc->procs));
    return rc < 0 ? rc : ld_grow_array(c, (void **)&c->extra, &c->cap_extra, need, sizeof(*c->extra));
}

int ld_grow_threads(Loader *c, int need)
{
    return ld_grow_array(c, (void **)&c->sc->threads, &c->cap_threads, need, sizeof(*c->sc->threads));
}

int ld_grow_array(Loader *c, void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, (size_t)n * size);
    if (!p)
        return ld_nomem(c);
    memset((char *)p + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *arr = p;
    *cap = n;
    return 0;
}

int ld_warning(Loader *c, const char *fmt, ...)
{
    SimScenario *sc = c->sc;
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (sc->n_warnings >= 100)
        return 0; /* enough to see what is wrong */
    char **w = realloc(sc->warnings, (size_t)(sc->n_warnings + 1) * sizeof(*w));
    if (!w)
        return ld_nomem(c);
    sc->warnings = w;
    if (!(w[sc->n_warnings] = strdup(buf)))
        return ld_nomem(c);
    sc->n_warnings++;
    return 0;
}

/* ---- Processes and threads ---------------------------------------------- */

/* "affinity": [0, 1]: the cores a process's or a thread's threads may run
 * on (os.sched_setaffinity), as a mask; each a core of the machine, and at
 * most core 63. */
static int load_affinity(Loader *c, const cJSON *v, uint64_t *out)
{
    int cores = c->sc->cfg.cores;
    int most = cores < 64 ? cores : 64;
    char eg[64];
    snprintf(eg, sizeof(eg), "[0]%s", cores > 1 ? " or [0, 1]" : "");
    if (!cJSON_IsArray(v) || !v->child)
        return fail(c, "expected a non-empty array of core numbers, e.g. %s, got %s", eg,
                    cJSON_IsArray(v) ? "an empty array" : ld_type_name(v));
    uint64_t mask = 0;
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        double n;
        size_t mark = ld_path_push_index(c, i);
        int rc = ld_get_integer(c, e, 0, most - 1, &n);
        if (rc < 0)
            return rc;
        ld_path_pop(c, mark);
        mask |= 1ull << (int)n;
    }
    *out = mask;
    return 0;
}

static int load_thread(Loader *c, const cJSON *t, int proc, int index)
{
    SimScenario *sc = c->sc;
    SimThreadSpec *ts = &sc->threads[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64], q2[64], first[320], fptr[64];

    if (!cJSON_IsObject(t))
        return fail(c, "expected a thread such as {\"name\": \"worker\", \"program\": [...]}, got %s",
                    ld_type_name(t));
    if ((rc = ld_check_keys(c, t, THREAD_KEYS, COUNT(THREAD_KEYS))) < 0)
        return rc;
    ts->process = proc;
    if (!(v = ld_enter(c, t, "name", &mark)))
        return ld_fail_missing(c, "name", "a string naming the thread");
    if ((rc = ld_get_name(c, v, &name)) < 0)
        return rc;
    int prev = ld_names_find(&c->names, proc, name);
    if (prev >= 0) {
        snprintf(fptr, sizeof(fptr), "/processes/%d/threads/%d/name", proc,
                 prev - sc->procs[proc].first_thread);
        ld_locate(c, fptr, AT_VALUE, 0, true, first, sizeof(first));
        return fail(c, "duplicate thread name '%s' in process '%s' (first at %s)",
                    ld_quote(name, q, sizeof(q)), ld_quote(sc->procs[proc].name, q2, sizeof(q2)), first);
    }
    if (!(ts->name = strdup(name)) || ld_names_add(&c->names, proc, ts->name, index) < 0)
        return ld_nomem(c);
    ld_path_pop(c, mark);

    if ((v = ld_enter(c, t, "daemon", &mark))) {
        if ((rc = ld_get_bool(c, v, &ts->daemon)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, t, "start", &mark))) {
        if ((rc = ld_get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ts->manual_start = mode == 1;
        ld_path_pop(c, mark);
    }
    ts->affinity = sc->procs[proc].affinity;
    if ((v = ld_enter(c, t, "affinity", &mark))) {
        if ((rc = load_affinity(c, v, &ts->affinity)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, t, "interpreter", &mark))) {
        double k;
        if ((rc = ld_get_integer(c, v, 0, 63, &k)) < 0)
            return rc;
        ts->interpreter = (int)k;
        ld_path_pop(c, mark);
    }
    if (!(v = ld_enter(c, t, "program", &mark)))
        return ld_fail_missing(c, "program", "an array of operations (it may be empty)");
    if ((rc = ld_compile_program(c, v, index)) < 0)
        return rc;
    ld_path_pop(c, mark);
    return 0;
}

static int load_process(Loader *c, const cJSON *p, int index, int first_thread)
{
    SimScenario *sc = c->sc;
    SimProcessSpec *ps = &sc->procs[index];
    size_t mark;
    int rc, mode;
    const cJSON *v;
    const char *name;
    char q[64];

    c->extra[index].parent = -1;
    if (!cJSON_IsObject(p))
        return fail(c, "expected a process such as {\"name\": \"main\", \"threads\": [...]}, got %s",
                    ld_type_name(p));
    if ((rc = ld_check_keys(c, p, PROCESS_KEYS, COUNT(PROCESS_KEYS))) < 0)
        return rc;
    if (!(v = ld_enter(c, p, "name", &mark)))
        return ld_fail_missing(c, "name", "a string naming the process");
    if ((rc = ld_get_name(c, v, &name)) < 0)
        return rc;
    if (!(ps->name = strdup(name)))
        return ld_nomem(c);
    if ((rc = ld_register_process_name(c, ps->name, index)) < 0)
        return rc;
    ld_path_pop(c, mark);

    if ((v = ld_enter(c, p, "start", &mark))) {
        if ((rc = ld_get_enum(c, v, START_NAMES, COUNT(START_NAMES), "a start mode", &mode)) < 0)
            return rc;
        ps->manual_start = mode == 1;
        ld_path_pop(c, mark);
    }
    ps->start_method = c->default_method;
    if ((v = ld_enter(c, p, "start_method", &mark))) {
        if ((rc = ld_get_enum(c, v, ld_method_names, COUNT(ld_method_names), "a start method", &mode)) < 0)
            return rc;
        ps->start_method = (uint8_t)mode;
        ld_path_pop(c, mark);
    }
    if (!ps->manual_start)
        ps->start_method = SIM_START_INITIAL;
    if ((v = ld_enter(c, p, "affinity", &mark))) {
        if ((rc = load_affinity(c, v, &ps->affinity)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((rc = ld_load_process_objects(c, p, index)) < 0)
        return rc;

    if (!(v = ld_enter(c, p, "threads", &mark)))
        return ld_fail_missing(c, "threads", "an array of threads");
    if (!cJSON_IsArray(v))
        return fail(c, "expected an array of threads, got %s", ld_type_name(v));
    if (!v->child)
        return fail(c, "process '%s' has no threads; expected at least one thread",
                    ld_quote(ps->name, q, sizeof(q)));
    ps->first_thread = first_thread;
    ps->n_threads = cJSON_GetArraySize(v);
    size_t j = 0;
    for (const cJSON *t = v->child; t; t = t->next, j++) {
        size_t m2 = ld_path_push_index(c, j);
        if ((rc = load_thread(c, t, index, first_thread + (int)j)) < 0)
            return rc;
        ld_path_pop(c, m2);
    }
    ld_path_pop(c, mark);
    return 0;
}

static int load_processes(Loader *c, const cJSON *arr)
{
    SimScenario *sc = c->sc;
    int rc;
    if (!cJSON_IsArray(arr))
        return fail(c, "expected an array of processes, got %s", ld_type_name(arr));
    if (!arr->child)
        return fail(c, "the array is empty; expected at least one process, e.g. "
                       "{\"name\": \"main\", \"threads\": [...]}");
    int np = cJSON_GetArraySize(arr);
    if (np > MAX_PROCS)
        return fail_limit(c, "%d processes; at most %d are supported", np, MAX_PROCS);
    /* Thread templates of declared processes come first and contiguous, so
     * their indices are fixed before any fork child is appended. */
    long nt = 0;
    for (const cJSON *p = arr->child; p; p = p->next) {
        const cJSON *t = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, "threads") : NULL;
        if (cJSON_IsArray(t))
            nt += cJSON_GetArraySize(t);
    }
    if (nt > MAX_THREADS)
        return fail_limit(c, "%ld threads in all; at most %d are supported", nt, MAX_THREADS);
    if ((rc = ld_grow_procs(c, np)) < 0 || (rc = ld_grow_threads(c, (int)nt)) < 0)
        return rc;
    sc->n_procs = np;
    sc->n_threads = (int)nt;
    c->n_decl_procs = np;

    int i = 0, first = 0;
    for (const cJSON *p = arr->child; p; p = p->next, i++) {
        size_t mark = ld_path_push_index(c, (size_t)i);
        if ((rc = load_process(c, p, i, first)) < 0)
            return rc;
        first += sc->procs[i].n_threads;
        ld_path_pop(c, mark);
    }
    return 0;
}

/* ---- The scenario ------------------------------------------------------- */

/* "view": {"range": "A..B"}: what the viewer and render show first. */
static int load_view(Loader *c, const cJSON *v, SimScenario *sc)
{
    size_t mark;
    int rc;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object such as {\"range\": \"0ms..40ms\"}, got %s", ld_type_name(v));
    if ((rc = ld_check_keys(c, v, VIEW_KEYS, COUNT(VIEW_KEYS))) < 0)
        return rc;
    const cJSON *r = ld_enter(c, v, "range", &mark);
    if (!r)
        return 0;
    const char *text;
    if ((rc = ld_get_string(c, r, "a range such as \"0ms..40ms\"", &text)) < 0)
        return rc;
    const char *dots = strstr(text, "..");
    char a[64], b[64], q[64];
    SimTime t0, t1;
    if (!dots || (size_t)(dots - text) >= sizeof(a) || strlen(dots + 2) >= sizeof(b))
        return fail(c, "'%s' is not a range; expected START..END, e.g. \"0ms..40ms\"", ld_quote(text, q, sizeof(q)));
    memcpy(a, text, (size_t)(dots - text));
    a[dots - text] = '\0';
    strcpy(b, dots + 2);
    if (sim_duration_parse(a, &t0) != SIM_OK || sim_duration_parse(b, &t1) != SIM_OK || t1 <= t0)
        return fail(c, "'%s' is not a range; expected START..END with durations and START < END, e.g. "
                       "\"0ms..40ms\"", ld_quote(text, q, sizeof(q)));
    sc->view_t0 = t0;
    sc->view_t1 = t1;
    ld_path_pop(c, mark);
    return 0;
}

/* "quiz": {"question": "...", "answer": {"figure": "shared.count.final",
 * "tolerance": 0.05}}: the scenario's own question, and the figure of the
 * run (analysis/figures.h) that answers it, within a relative tolerance.
 * Figure names are checked against the run, not here: they name threads
 * and objects that exist only once it ran. */
static int load_quiz(Loader *c, const cJSON *v, SimScenario *sc)
{
    size_t mark;
    int rc;
    const char *s;
    if (!cJSON_IsObject(v))
        return fail(c, "expected an object such as {\"question\": \"...\", \"answer\": {\"figure\": "
                       "\"io.ops_per_s\"}}, got %s", ld_type_name(v));
    if ((rc = ld_check_keys(c, v, QUIZ_KEYS, COUNT(QUIZ_KEYS))) < 0)
        return rc;
    const cJSON *q = ld_enter(c, v, "question", &mark);
    if (!q)
        return ld_fail_missing(c, "question", "the question the class answers");
    if ((rc = ld_get_string(c, q, "a string", &s)) < 0)
        return rc;
    if (!*s)
        return fail(c, "the question is empty");
    if (!(sc->quiz_question = strdup(s)))
        return ld_nomem(c);
    ld_path_pop(c, mark);
    const cJSON *a = ld_enter(c, v, "answer", &mark);
    if (!a)
        return 0;
    if (!cJSON_IsObject(a))
        return fail(c, "expected an object such as {\"figure\": \"io.ops_per_s\", \"tolerance\": 0.1}, got %s",
                    ld_type_name(a));
    if ((rc = ld_check_keys(c, a, ANSWER_KEYS, COUNT(ANSWER_KEYS))) < 0)
        return rc;
    size_t m2;
    const cJSON *f = ld_enter(c, a, "figure", &m2);
    if (!f)
        return ld_fail_missing(c, "figure", "the name of the figure that answers, e.g. \"shared.count.final\"");
    if ((rc = ld_get_string(c, f, "a figure name", &s)) < 0)
        return rc;
    if (!*s)
        return fail(c, "the figure name is empty");
    if (!(sc->quiz_figure = strdup(s)))
        return ld_nomem(c);
    ld_path_pop(c, m2);
    sc->quiz_tolerance = 0.1;
    const cJSON *t = ld_enter(c, a, "tolerance", &m2);
    if (t) {
        if (!cJSON_IsNumber(t))
            return fail(c, "expected a relative tolerance from 0 to 10 (0.1 is 10%%), got %s", ld_type_name(t));
        if (!(t->valuedouble >= 0) || t->valuedouble > 10) {
            char num[48];
            ld_raw_number(c, t, num, sizeof(num));
            return fail(c, "expected a relative tolerance from 0 to 10 (0.1 is 10%%), got %s", num);
        }
        sc->quiz_tolerance = t->valuedouble;
        ld_path_pop(c, m2);
    }
    ld_path_pop(c, mark);
    return 0;
}

static int load_root(Loader *c, const cJSON *root)
{
    SimScenario *sc = c->sc;
    size_t mark;
    int rc;
    const cJSON *v;
    const char *s;

    if ((rc = ld_check_keys(c, root, ROOT_KEYS, COUNT(ROOT_KEYS))) < 0)
        return rc;
    if ((v = ld_enter(c, root, "schema_version", &mark))) {
        if (!cJSON_IsNumber(v))
            return fail(c, "expected the integer 1, got %s", ld_type_name(v));
        if (v->valuedouble != 1.0) {
            char num[48];
            ld_raw_number(c, v, num, sizeof(num));
            return fail(c, "schema version %s is not supported; expected 1", num);
        }
        ld_path_pop(c, mark);
    }
    if (!(v = ld_enter(c, root, "name", &mark)))
        return ld_fail_missing(c, "name", "a string naming the scenario");
    if ((rc = ld_get_name(c, v, &s)) < 0)
        return rc;
    if (!(sc->name = strdup(s)))
        return ld_nomem(c);
    ld_path_pop(c, mark);
    if ((v = ld_enter(c, root, "description", &mark))) {
        if ((rc = ld_get_string(c, v, "a string", &s)) < 0)
            return rc;
        ld_path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->description = strdup(s)))
        return ld_nomem(c);
    if ((v = ld_enter(c, root, "lesson", &mark))) {
        if ((rc = ld_get_string(c, v, "a string", &s)) < 0)
            return rc;
        ld_path_pop(c, mark);
    } else {
        s = "";
    }
    if (!(sc->lesson = strdup(s)))
        return ld_nomem(c);
    if ((v = ld_enter(c, root, "view", &mark))) {
        if ((rc = load_view(c, v, sc)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, root, "quiz", &mark))) {
        if ((rc = load_quiz(c, v, sc)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if ((v = ld_enter(c, root, "seed", &mark))) {
        if ((rc = ld_get_seed(c, v, &sc->cfg.seed)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }

    v = ld_enter(c, root, "python", &mark);
    if ((rc = ld_load_config(c, v, PARAMS_PYTHON, &sc->cfg)) < 0)
        return rc;
    if (v)
        ld_path_pop(c, mark);
    if ((v = ld_enter(c, root, "machine", &mark))) {
        if ((rc = ld_load_config(c, v, PARAMS_MACHINE, &sc->cfg)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    /* Before the processes: their programs may name these objects. */
    if ((v = ld_enter(c, root, "ipc", &mark))) {
        if ((rc = ld_load_ipc(c, v)) < 0)
            return rc;
        ld_path_pop(c, mark);
    }
    if (!(v = ld_enter(c, root, "processes", &mark)))
        return ld_fail_missing(c, "processes", "an array of processes, e.g. [{\"name\": \"main\", "
                                               "\"threads\": [...]}]");
    if ((rc = load_processes(c, v)) < 0)
        return rc;
    ld_path_pop(c, mark);

    if ((rc = ld_name_fork_children(c)) < 0)
        return rc;
    for (size_t i = 0; i < c->n_refs; i++)
        if ((rc = ld_resolve_ref(c, &c->refs[i])) < 0)
            return rc;
    /* After the references: pool workers cannot be started or joined by name. */
    if ((rc = ld_make_pool_workers(c)) < 0 || (rc = ld_make_managers(c)) < 0 || (rc = ld_place_ipc(c)) < 0)
        return rc;
    if ((rc = ld_check_sharing(c)) < 0 || (rc = ld_warn(c)) < 0)
        return rc;
    return c->oom ? ld_nomem(c) : 0;
}

/* A parse error at byte off of the text. */
static int fail_parse(Loader *c, size_t off, const char *why)
{
    int line, col;
    jsonloc_linecol(c->text, c->len, off, &line, &col);
    return sim_error_set(c->err, SIM_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", c->source, line, col, why);
}

static void loader_fini(Loader *c)
{
    for (int k = 0; k < c->n_ov; k++)
        free(c->ov[k].ptr);
    free(c->ov);
    for (size_t i = 0; i < c->n_refs; i++)
        free(c->refs[i].ptr);
    free(c->refs);
    for (int p = 0; p < c->cap_extra; p++)
        free(c->extra[p].ptr);
    free(c->extra);
    for (int i = 0; i < c->n_ipc; i++)
        free(c->ipc[i].name);
    free(c->ipc);
    for (int k = 0; k < c->cap_pool_extra; k++)
        free(c->pool_extra[k].prog.v);
    free(c->pool_extra);
    free(c->names.slots);
    free(c->path);
}

/* Loads text into c->sc, leaving the loader's state for the caller to
 * read and release (loader_fini, and c->text, the NUL-terminated copy of
 * the bytes, which it owns). */
static int load(Loader *c, const char *name, const char *text, size_t len, const char *const *overrides,
                int n_overrides, SimError *err)
{
    cJSON *root = NULL;
    char *copy = NULL;
    int rc;

    c->source = name;
    c->err = err;
    c->sc = calloc(1, sizeof(*c->sc));
    copy = malloc(len + 1);
    c->text = copy;
    if (!c->sc || !copy || !ld_path_reserve(c, 0))
        return ld_nomem(c);
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    c->len = len;
    c->path[0] = '\0';
    c->sc->hash = sim_fnv1a(copy, len);
    sim_config_defaults(&c->sc->cfg);
    if (!(c->sc->source = strdup(name)))
        return ld_nomem(c);

    size_t off;
    char why[200];
    int jrc = jsonloc_check(copy, len, &off, why, sizeof(why));
    if (jrc == -2) {
        int line, col;
        jsonloc_linecol(copy, len, off, &line, &col);
        return sim_error_set(c->err, SIM_ERR_LIMIT, "%s:%d:%d: %s", name, line, col, why);
    }
    if (jrc < 0)
        return fail_parse(c, off, why);
    const char *start = copy, *end = NULL;
    if (len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0)
        start += 3;
    root = cJSON_ParseWithOpts(start, &end, 1);
    if (!root) {
        /* Valid JSON that cJSON still refuses: a number cJSON cannot read
         * in one piece (it stops at 63 characters), else out of memory. */
        bool long_number = end && end > start && end < copy + len && strchr("0123456789", *end) &&
                           strchr("0123456789.eE+-", end[-1]);
        return long_number ? fail_parse(c, (size_t)(end - copy), "number too long; expected at most 63 "
                                                                   "characters")
                           : ld_nomem(c);
    }
    if (!cJSON_IsObject(root))
        rc = fail(c, "expected an object (the scenario), got %s", ld_type_name(root));
    else if ((rc = ld_apply_overrides(c, root, overrides, n_overrides)) == 0 &&
             (rc = ld_apply_profile(c, root)) == 0) {
        rc = load_root(c, root);
        if (rc == 0)
            c->sc->json = cJSON_PrintUnformatted(root); /* NULL reads as "" */
    }
    cJSON_Delete(root);
    return rc;
}

/* Keeps the text and the overrides in sc, for sim_scenario_op_where. */
static int keep_source(SimScenario *sc, char *text, size_t len, const char *const *overrides, int n)
{
    sc->text = text;
    sc->text_len = len;
    if (n <= 0)
        return SIM_OK;
    if (!(sc->overrides = calloc((size_t)n, sizeof(char *))))
        return SIM_ERR_NOMEM;
    for (int i = 0; i < n; i++, sc->n_overrides++)
        if (!(sc->overrides[i] = strdup(overrides[i] ? overrides[i] : "")))
            return SIM_ERR_NOMEM;
    return SIM_OK;
}

int sim_scenario_load_text(const char *name, const char *text, size_t len,
                           const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    Loader c;

    if (!out)
        return sim_error_set(err, SIM_ERR_INVALID, "sim_scenario_load_text: no result pointer");
    *out = NULL;
    if (!name)
        name = "(scenario)";
    if (!text)
        len = 0;
    if (len > SIM_MAX_SCENARIO_BYTES)
        return sim_error_set(err, SIM_ERR_LIMIT, "%s: the scenario is %.1f MB; at most %u MB are supported",
                             name, (double)len / (1 << 20), SIM_MAX_SCENARIO_BYTES >> 20);
    memset(&c, 0, sizeof(c));
    c.want_src = UINT32_MAX;
    int rc = load(&c, name, text, len, overrides, n_overrides, err);
    char *copy = (char *)c.text;
    loader_fini(&c);
    if (rc == 0) {
        rc = keep_source(c.sc, copy, len, overrides, n_overrides);
        copy = NULL;
        if (rc < 0)
            sim_error_set(err, rc, "%s: out of memory", name);
    }
    free(copy);
    if (rc < 0) {
        sim_scenario_destroy(c.sc);
        return rc;
    }
    *out = c.sc;
    return SIM_OK;
}

void sim_scenario_op_where(const SimScenario *sc, uint32_t op, char *buf, size_t n)
{
    Loader c;
    SimError err;
    memset(&c, 0, sizeof(c));
    c.want_src = op < sc->n_ops ? sc->ops[op].src : UINT32_MAX;
    /* The same bytes and overrides load the same way, so the loader makes
     * the same op as its src-th again, at the same place. */
    load(&c, sc->source, sc->text, sc->text_len, (const char *const *)sc->overrides, sc->n_overrides, &err);
    if (c.want_ptr) {
        char loc[320];
        ld_locate(&c, c.want_ptr, AT_VALUE, 0, false, loc, sizeof(loc));
        snprintf(buf, n, "%s: %s", loc, c.want_ptr[0] ? c.want_ptr : "/");
    } else {
        snprintf(buf, n, "%s", sc->source);
    }
    free(c.want_ptr);
    free((char *)c.text);
    loader_fini(&c);
    sim_scenario_destroy(c.sc);
}

int sim_scenario_load_file(const char *path, const char *const *overrides, int n_overrides,
                           SimScenario **out, SimError *err)
{
    if (out)
        *out = NULL;
    if (!path)
        return sim_error_set(err, SIM_ERR_IO, "(null): cannot read: no path given");
    char *buf;
    size_t n;
    int rc = text_file_read(path, &buf, &n, err);
    if (rc == SIM_OK)
        rc = sim_scenario_load_text(path, buf, n, overrides, n_overrides, out, err);
    free(buf);
    return rc;
}

void sim_scenario_destroy(SimScenario *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->n_procs; i++)
        free(sc->procs[i].name);
    for (int i = 0; i < sc->n_threads; i++)
        free(sc->threads[i].name);
    for (int i = 0; i < sc->n_prims; i++)
        free(sc->prims[i].name);
    for (int i = 0; i < sc->n_shared; i++)
        free(sc->shared[i].name);
    free(sc->procs);
    free(sc->threads);
    free(sc->ops);
    free(sc->prims);
    free(sc->shared);
    free(sc->pools);
    free(sc->name);
    free(sc->description);
    free(sc->lesson);
    free(sc->quiz_question);
    free(sc->quiz_figure);
    free(sc->source);
    cJSON_free(sc->json);
    free(sc->profile);
    for (int i = 0; i < sc->n_profile_keys; i++)
        free(sc->profile_keys[i]);
    free(sc->profile_keys);
    free(sc->text);
    for (int i = 0; i < sc->n_overrides; i++)
        free(sc->overrides[i]);
    free(sc->overrides);
    for (int i = 0; i < sc->n_warnings; i++)
        free(sc->warnings[i]);
    free(sc->warnings);
    free(sc);
}

int sim_scenario_warnings(const SimScenario *sc, const char *const **out)
{
    if (out)
        *out = (const char *const *)sc->warnings;
    return sc->n_warnings;
}

const char *sim_scenario_name(const SimScenario *sc)
{
    return sc->name ? sc->name : "";
}

const char *sim_scenario_description(const SimScenario *sc)
{
    return sc->description ? sc->description : "";
}

bool sim_scenario_quiz(const SimScenario *sc, const char **question, const char **figure, double *tolerance)
{
    if (!sc->quiz_question)
        return false;
    if (question)
        *question = sc->quiz_question;
    if (figure)
        *figure = sc->quiz_figure;
    if (tolerance)
        *tolerance = sc->quiz_tolerance;
    return true;
}

const char *sim_scenario_lesson(const SimScenario *sc)
{
    return sc->lesson ? sc->lesson : "";
}

uint64_t sim_scenario_seed(const SimScenario *sc)
{
    return sc->cfg.seed;
}

void sim_scenario_set_seed(SimScenario *sc, uint64_t seed)
{
    sc->cfg.seed = seed;
}

bool sim_scenario_view_range(const SimScenario *sc, SimTime *t0, SimTime *t1)
{
    if (!sc || sc->view_t1 <= 0)
        return false;
    *t0 = sc->view_t0;
    *t1 = sc->view_t1;
    return true;
}

uint64_t sim_scenario_hash(const SimScenario *sc)
{
    return sc->hash;
}

const char *sim_scenario_json(const SimScenario *sc)
{
    return sc && sc->json ? sc->json : "";
}
