/*
 * overrides.c - `--set KEY=VALUE`: command-line values written into the
 * parsed tree before the walk.
 *
 * An override does not bypass validation: it replaces (or creates) a value
 * in the cJSON tree, and the one walk then checks it like any value from
 * the file. What an override adds is provenance: each records the JSON
 * pointer it set, so that an error in a value it put there is located at
 * "--set KEY=VALUE" instead of a place in the file (see ld_locate). KEY is
 * dotted ("processes.0.threads.1.name"); VALUE is JSON when it parses as
 * JSON, else a string. Later overrides win.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "loader.h"

__attribute__((format(printf, 3, 4)))
static int fail_override(Loader *c, const Override *o, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (c->oom)
        return ld_nomem(c);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_error_set(c->err, SIM_ERR_INVALID, "--set %s: %s: %s", o->raw,
                         c->path[0] ? c->path : "/", msg);
}

static bool parse_index_seg(const char *s, int *out)
{
    size_t l = strlen(s);
    if (l == 0 || l > 9 || strspn(s, "0123456789") != l || (l > 1 && s[0] == '0'))
        return false;
    *out = atoi(s);
    return true;
}

/* The override value: JSON if it is valid JSON, else the text as a string. */
static cJSON *override_value(const char *value)
{
    size_t off;
    char why[8];
    if (jsonloc_check(value, strlen(value), &off, why, sizeof(why)) == 0)
        return cJSON_ParseWithOpts(value, NULL, 1); /* NULL: out of memory */
    return cJSON_CreateString(value);
}

static int apply_override(Loader *c, cJSON *root, Override *o)
{
    const char *raw = o->raw;
    const char *eq = strchr(raw, '=');
    size_t klen = eq ? (size_t)(eq - raw) : 0;
    bool bad = klen == 0 || raw[0] == '.' || raw[klen - 1] == '.';
    for (size_t i = 0; !bad && i + 1 < klen; i++)
        bad = raw[i] == '.' && raw[i + 1] == '.';
    int rc = 0;
    size_t at;
    ld_path_pop(c, 0);
    if (jsonloc_utf8_check(raw, strlen(raw), &at) < 0) {
        /* As a file's text must be: the bytes reach names and outputs. */
        char prefix[48], shown[64];
        size_t k = at < sizeof(prefix) - 1 ? at : sizeof(prefix) - 1;
        while (k > 0 && k < at && ((unsigned char)raw[k] & 0xc0) == 0x80)
            k--; /* only whole characters of the valid part are shown */
        memcpy(prefix, raw, k);
        prefix[k] = '\0';
        return sim_error_set(c->err, SIM_ERR_INVALID, "--set %s...: invalid UTF-8 byte 0x%02x at byte %zu; "
                             "expected UTF-8 text", ld_quote(prefix, shown, sizeof(shown)),
                             (unsigned char)raw[at], at + 1);
    }
    if (bad)
        return sim_error_set(c->err, SIM_ERR_INVALID,
                             "--set %s: expected KEY=VALUE, e.g. python.switch_interval=1ms", raw);
    o->value = eq + 1;
    char *key = strndup(raw, (size_t)(eq - raw));
    if (!key)
        return ld_nomem(c);
    cJSON *node = root;
    char *seg = key;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        bool last = !dot;
        cJSON *child;
        if (cJSON_IsObject(node)) {
            child = cJSON_GetObjectItemCaseSensitive(node, seg);
            ld_path_push_key(c, seg);
            if (last) {
                cJSON *nv = override_value(o->value);
                bool ok = nv && (child ? cJSON_ReplaceItemInObjectCaseSensitive(node, seg, nv)
                                       : cJSON_AddItemToObject(node, seg, nv));
                if (!ok)
                    cJSON_Delete(nv);
                /* cJSON replaces even when it could not copy the key. */
                if (!ok || !nv->string)
                    rc = ld_nomem(c);
                break;
            }
            if (!child && !(child = cJSON_AddObjectToObject(node, seg))) {
                rc = ld_nomem(c);
                break;
            }
        } else if (cJSON_IsArray(node)) {
            int idx, size = cJSON_GetArraySize(node);
            char q[64];
            if (!parse_index_seg(seg, &idx)) {
                rc = fail_override(c, o, "expected an array index, got '%s'", ld_quote(seg, q, sizeof(q)));
                break;
            }
            if (idx >= size) {
                if (size == 0)
                    rc = fail_override(c, o, "index %d is out of range; the array is empty", idx);
                else
                    rc = fail_override(c, o, "index %d is out of range; expected 0 to %d", idx, size - 1);
                break;
            }
            ld_path_push_index(c, (size_t)idx);
            if (last) {
                cJSON *nv = override_value(o->value);
                if (!nv || !cJSON_ReplaceItemInArray(node, idx, nv)) {
                    cJSON_Delete(nv);
                    rc = ld_nomem(c);
                }
                break;
            }
            child = cJSON_GetArrayItem(node, idx);
        } else {
            char q[64];
            rc = fail_override(c, o, "expected an object to set '%s' in, got %s", ld_quote(seg, q, sizeof(q)),
                               ld_type_name(node));
            break;
        }
        node = child;
        seg = dot + 1;
    }
    free(key);
    if (rc == 0 && !(o->ptr = ld_path_dup(c)))
        rc = ld_nomem(c);
    ld_path_pop(c, 0);
    return rc;
}

int ld_apply_overrides(Loader *c, cJSON *root, const char *const *overrides, int n)
{
    if (n <= 0 || !overrides)
        return 0;
    c->ov = calloc((size_t)n, sizeof(*c->ov));
    if (!c->ov)
        return ld_nomem(c);
    for (int k = 0; k < n; k++) {
        c->ov[k].raw = overrides[k] ? overrides[k] : "";
        c->n_ov = k + 1;
        int rc = apply_override(c, root, &c->ov[k]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
