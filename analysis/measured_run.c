/*
 * measured_run.c - the recordings of one run of a scenario's Python
 * program, read into a MeasuredRun (see measured.h).
 *
 * Each process of the program wrote one JSON file when it ended: its name,
 * start method and parent, its start and end, the calibration, the table
 * of record codes, its objects, its shared variables' first and last
 * values, and per thread a flat array of (time, code, argument) triples.
 * The codes are read by name through the file's own table, so the runtime
 * may renumber them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "measured.h"
#include "text_file.h"

static const char *const CODE_NAMES[MC_COUNT] = {
    "end", "cpu", "c_call", "nogil", "io", "sleep", "acquire", "release", "wait", "set", "clear",
    "notify", "put", "get", "increment", "start", "join", "fork", "pool", "gap", "thread_begin",
    "thread_end", "task", "launch", "unknown",
};

const char *measured_code_name(MCode c)
{
    return c < MC_COUNT ? CODE_NAMES[c] : "unknown";
}

/* The run's copy of s, one per distinct text; NULL when out of memory. */
static const char *intern(MeasuredRun *m, const char *s)
{
    for (size_t i = m->n_strings; i-- > 0;)
        if (strcmp(m->strings[i], s) == 0)
            return m->strings[i];
    if (m->n_strings == m->cap_strings) {
        size_t cap = m->cap_strings ? m->cap_strings * 2 : 32;
        char **v = realloc(m->strings, cap * sizeof(*v));
        if (!v)
            return NULL;
        m->strings = v;
        m->cap_strings = cap;
    }
    char *c = strdup(s);
    if (c)
        m->strings[m->n_strings++] = c;
    return c;
}

static char *dup_or_null(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring ? strdup(v->valuestring) : NULL;
}

static int bad(SimError *err, const char *name, const char *what)
{
    return sim_error_set(err, SIM_ERR_INVALID, "%s: not a gilsim recording: %s", name, what);
}

/* The file's code numbers -> MCode. */
static int read_codes(const cJSON *codes, uint8_t map[256])
{
    for (int i = 0; i < 256; i++)
        map[i] = MC_UNKNOWN;
    for (const cJSON *c = cJSON_IsObject(codes) ? codes->child : NULL; c; c = c->next) {
        if (!cJSON_IsNumber(c) || c->valuedouble < 0 || c->valuedouble > 255)
            return -1;
        for (int k = 0; k < MC_UNKNOWN; k++)
            if (c->string && strcmp(c->string, CODE_NAMES[k]) == 0)
                map[(int)c->valuedouble] = (uint8_t)k;
    }
    return 0;
}

static int read_thread(MeasuredRun *m, const cJSON *t, int proc, const uint8_t map[256], const char *name,
                       SimError *err)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(t, "events");
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(t, "name");
    if (!cJSON_IsArray(ev) || !cJSON_IsString(tn))
        return bad(err, name, "a thread without a name or events");
    MThread *th = &m->threads[m->n_threads];
    memset(th, 0, sizeof(*th));
    th->proc = proc;
    th->daemon = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "daemon"));
    const cJSON *ho = cJSON_GetObjectItemCaseSensitive(t, "handovers");
    th->handovers = cJSON_IsNumber(ho) && ho->valuedouble >= 0 ? (int64_t)ho->valuedouble : -1;
    if (!(th->name = strdup(tn->valuestring)))
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    m->n_threads++;
    size_t n = (size_t)cJSON_GetArraySize(ev) / 3;
    th->ev = calloc(n ? n : 1, sizeof(*th->ev));
    if (!th->ev)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    const cJSON *x = ev->child;
    for (size_t i = 0; i < n; i++) {
        const cJSON *tv = x, *cv = tv->next, *av = cv->next;
        x = av->next;
        if (!cJSON_IsNumber(tv) || !cJSON_IsNumber(cv) || cv->valuedouble < 0 || cv->valuedouble > 255)
            return bad(err, name, "an event that is not (time, code, argument)");
        MEvent *e = &th->ev[th->n++];
        e->t = (SimTime)tv->valuedouble;
        e->code = map[(int)cv->valuedouble];
        if (cJSON_IsNumber(av)) {
            e->num = av->valuedouble;
            if (e->code == MC_GAP)
                e->until = (SimTime)av->valuedouble;
        } else if (cJSON_IsString(av)) {
            if (!(e->obj = intern(m, av->valuestring)))
                return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        }
    }
    return 0;
}

static int add_object(MeasuredRun *m, const char *name, const cJSON *spec)
{
    if (measured_object(m, name) >= 0)
        return 0;
    MObject *v = realloc(m->objects, (size_t)(m->n_objects + 1) * sizeof(*v));
    if (!v)
        return SIM_ERR_NOMEM;
    m->objects = v;
    MObject *o = &v[m->n_objects];
    memset(o, 0, sizeof(*o));
    o->name = strdup(name);
    o->kind = dup_or_null(cJSON_GetArrayItem(spec, 0));
    o->lock = dup_or_null(cJSON_GetArrayItem(spec, 1));
    m->n_objects++;
    return o->name && o->kind ? 0 : SIM_ERR_NOMEM;
}

static int read_process(MeasuredRun *m, const cJSON *root, const char *name, SimError *err)
{
    if (!cJSON_IsObject(root) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "gilsim_measure")))
        return bad(err, name, "no \"gilsim_measure\" version");
    uint8_t map[256];
    if (read_codes(cJSON_GetObjectItemCaseSensitive(root, "codes"), map) < 0)
        return bad(err, name, "a code table that is not names to numbers");
    const cJSON *threads = cJSON_GetObjectItemCaseSensitive(root, "threads");
    if (!cJSON_IsArray(threads))
        return bad(err, name, "no threads");
    MProc *pv = realloc(m->procs, (size_t)(m->n_procs + 1) * sizeof(*pv));
    if (!pv)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    m->procs = pv;
    MProc *p = &pv[m->n_procs];
    memset(p, 0, sizeof(*p));
    int pi = m->n_procs++;
    p->name = dup_or_null(cJSON_GetObjectItemCaseSensitive(root, "process"));
    p->method = dup_or_null(cJSON_GetObjectItemCaseSensitive(root, "method"));
    p->parent = dup_or_null(cJSON_GetObjectItemCaseSensitive(root, "parent"));
    if (!p->name || !p->method)
        return bad(err, name, "a process without a name or start method");
    const cJSON *v;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "pid")))
        p->pid = (long)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "t_start")))
        p->t_start = (SimTime)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "t_end")))
        p->t_end = (SimTime)v->valuedouble;
    p->killed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "killed"));

    /* The interpreter and calibration: the same in every process. */
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(root, "python")))
        snprintf(m->python, sizeof(m->python), "%s", v->valuestring);
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(root, "implementation")))
        snprintf(m->implementation, sizeof(m->implementation), "%s", v->valuestring);
    m->gil_enabled = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "gil_enabled"));
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "cores")))
        m->cores = (int)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "switch_interval")))
        m->switch_interval = v->valuedouble;
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "cal");
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(cal, "cpu_rate")))
        m->cpu_rate = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(cal, "chunk")))
        m->chunk = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(cal, "io_overshoot")))
        m->io_overshoot = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(cal, "sleep_overshoot")))
        m->sleep_overshoot = v->valuedouble;

    for (const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "objects"); o && o->child;) {
        for (const cJSON *k = o->child; k; k = k->next)
            if (k->string && cJSON_IsArray(k) && add_object(m, k->string, k) < 0)
                return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        break;
    }
    const cJSON *shared = cJSON_GetObjectItemCaseSensitive(root, "shared");
    int ns = cJSON_GetArraySize(shared);
    if (ns > 0) {
        p->shared = calloc((size_t)ns, sizeof(*p->shared));
        if (!p->shared)
            return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
        for (const cJSON *s = shared->child; s; s = s->next) {
            MShared *sh = &p->shared[p->n_shared++];
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "initial");
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(s, "final");
            if (!(sh->name = strdup(s->string ? s->string : "")))
                return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
            sh->known = cJSON_IsNumber(a) && cJSON_IsNumber(b);
            sh->initial = cJSON_IsNumber(a) ? (int64_t)a->valuedouble : 0;
            sh->final = cJSON_IsNumber(b) ? (int64_t)b->valuedouble : 0;
        }
    }

    int nt = cJSON_GetArraySize(threads);
    MThread *tv = realloc(m->threads, (size_t)(m->n_threads + nt + 1) * sizeof(*tv));
    if (!tv)
        return sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    m->threads = tv;
    for (const cJSON *t = threads->child; t; t = t->next) {
        int rc = read_thread(m, t, pi, map, name, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int measured_run_parse(const char *const *texts, const char *const *names, int n, MeasuredRun *m,
                       SimError *err)
{
    memset(m, 0, sizeof(*m));
    m->gil_enabled = true;
    for (int i = 0; i < n; i++) {
        cJSON *root = cJSON_Parse(texts[i]);
        if (!root) {
            measured_run_fini(m);
            return bad(err, names[i], "not JSON (was the program stopped while writing it?)");
        }
        int rc = read_process(m, root, names[i], err);
        cJSON_Delete(root);
        if (rc < 0) {
            measured_run_fini(m);
            return rc;
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int measured_run_read_dir(const char *dir, MeasuredRun *m, SimError *err)
{
    memset(m, 0, sizeof(*m));
    DIR *d = opendir(dir);
    if (!d)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read the recordings", dir);
    char **paths = NULL;
    int n = 0, rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "process-", 8) != 0 || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char **v = realloc(paths, (size_t)(n + 1) * sizeof(*v));
        size_t plen = strlen(dir) + len + 2;
        char *p = malloc(plen);
        if (!v || !p) {
            free(p);
            if (v)
                paths = v;
            rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
            break;
        }
        paths = v;
        snprintf(p, plen, "%s/%s", dir, de->d_name);
        paths[n++] = p;
    }
    closedir(d);
    if (rc == 0 && n == 0)
        rc = sim_error_set(err, SIM_ERR_IO, "%s: no recordings (process-*.json): the program wrote nothing",
                           dir);
    char **texts = rc == 0 ? calloc((size_t)n, sizeof(*texts)) : NULL;
    if (rc == 0 && !texts)
        rc = sim_error_set(err, SIM_ERR_NOMEM, "out of memory");
    if (rc == 0) {
        qsort(paths, (size_t)n, sizeof(*paths), by_name);
        for (int i = 0; i < n && rc == 0; i++) {
            size_t len;
            rc = text_file_read(paths[i], &texts[i], &len, err);
        }
        if (rc == 0)
            rc = measured_run_parse((const char *const *)texts, (const char *const *)paths, n, m, err);
    }
    for (int i = 0; i < n; i++) {
        free(paths[i]);
        if (texts)
            free(texts[i]);
    }
    free(paths);
    free(texts);
    return rc;
}

void measured_run_fini(MeasuredRun *m)
{
    for (int i = 0; i < m->n_procs; i++) {
        MProc *p = &m->procs[i];
        free(p->name);
        free(p->method);
        free(p->parent);
        for (int k = 0; k < p->n_shared; k++)
            free(p->shared[k].name);
        free(p->shared);
    }
    free(m->procs);
    for (int i = 0; i < m->n_threads; i++) {
        free(m->threads[i].name);
        free(m->threads[i].ev);
    }
    free(m->threads);
    for (int i = 0; i < m->n_objects; i++) {
        free(m->objects[i].name);
        free(m->objects[i].kind);
        free(m->objects[i].lock);
    }
    free(m->objects);
    for (size_t i = 0; i < m->n_strings; i++)
        free(m->strings[i]);
    free(m->strings);
    memset(m, 0, sizeof(*m));
}

int measured_object(const MeasuredRun *m, const char *name)
{
    for (int i = 0; name && i < m->n_objects; i++)
        if (strcmp(m->objects[i].name, name) == 0)
            return i;
    return -1;
}

int64_t measured_process_handovers(const MeasuredRun *m, const char *name)
{
    int64_t sum = -1;
    for (int i = 0; name && i < m->n_threads; i++) {
        const MThread *t = &m->threads[i];
        if (t->handovers >= 0 && t->proc >= 0 && t->proc < m->n_procs && m->procs[t->proc].name &&
            strcmp(m->procs[t->proc].name, name) == 0)
            sum = (sum < 0 ? 0 : sum) + t->handovers;
    }
    return sum;
}

void measured_summary(const MeasuredRun *m, MeasuredSummary *s)
{
    memset(s, 0, sizeof(*s));
    s->outcome = SIM_RUN_DONE;
    SimTime first = 0, last = 0;
    for (int i = 0; i < m->n_procs; i++) {
        if (i == 0 || m->procs[i].t_start < first)
            first = m->procs[i].t_start;
        if (m->procs[i].t_end > last)
            last = m->procs[i].t_end;
    }
    s->makespan = last > first ? last - first : 0;
    bool stuck = false, still_working = false;
    for (int i = 0; i < m->n_threads; i++) {
        const MThread *t = &m->threads[i];
        bool ended = false, working = false;
        const MEvent *cpu = NULL;
        double paused = 0;
        for (size_t k = 0; k < t->n; k++) {
            MCode c = (MCode)t->ev[k].code;
            if (c == MC_CPU) {
                cpu = &t->ev[k];
                paused = 0;
            } else if (c == MC_GAP && cpu) {
                paused += (double)(t->ev[k].until - t->ev[k].t);
            } else if (c == MC_END && cpu) {
                s->cpu_asked_ns += cpu->num * 1e9;
                s->cpu_ran_ns += (double)(t->ev[k].t - cpu->t) - paused;
                cpu = NULL;
            }
            /* In work that ends by itself (CPU, a C call, I/O, a sleep),
             * or in an operation that waits for something else. */
            if (c == MC_CPU || c == MC_C_CALL || c == MC_NOGIL || c == MC_IO || c == MC_SLEEP)
                working = true;
            else if (c != MC_GAP)
                working = false;
            if (c == MC_GAP)
                s->gaps++;
            else if (c == MC_THREAD_END)
                ended = true;
            else if (c != MC_END && c != MC_THREAD_BEGIN && c != MC_TASK && c != MC_LAUNCH && c != MC_UNKNOWN)
                s->ops++;
        }
        if (!ended && !t->daemon && (m->timed_out || m->procs[t->proc].killed))
            stuck = true, still_working |= working;
    }
    /* A thread still at work when the time limit stopped the program makes
     * it a run that did not end in time, not a deadlock. */
    if (stuck)
        s->outcome = still_working ? SIM_RUN_UNTIL : SIM_RUN_DEADLOCK;
}
