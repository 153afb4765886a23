/*
 * text_file.c - whole files into memory (text_file.h).
 *
 * The buffer doubles from 64 KiB, so a file costs O(size) copies, and the
 * size limit is checked before each doubling, so a huge file or an
 * endless pipe fails early instead of eating the machine's memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_file.h"

int text_file_read(const char *path, char **text, size_t *len, SimError *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    int rc = SIM_OK;
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            if (ferror(f)) {
                int e = errno;
                rc = sim_error_set(err, SIM_ERR_IO, "%s: cannot read: %s", path,
                                   strerror(e ? e : EIO));
            }
            break;
        }
        if (cap >= TEXT_FILE_MAX_BYTES) {
            rc = sim_error_set(err, SIM_ERR_LIMIT, "%s: the file is larger than %u MiB", path,
                               TEXT_FILE_MAX_BYTES >> 20);
            break;
        }
        char *bigger = realloc(buf, cap * 2 + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return sim_error_set(err, SIM_ERR_NOMEM, "%s: out of memory", path);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return SIM_OK;
}
