/*
 * fileio.c - atomic output files: write to a temporary name beside the
 * target, flush it to disk, then rename it into place.
 *
 * Invariant: on any failure the temporary file is removed and the target
 * is untouched, so a reader never sees a partial image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int render_temp_beside(const char *path, char *tmp, size_t n, SimError *err)
{
    if ((size_t)snprintf(tmp, n, "%s.tmp-XXXXXX", path) >= n) {
        sim_error_set(err, SIM_ERR_IO, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        sim_error_set(err, SIM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return fd;
}

int render_write_atomic(const char *path, const void *data, size_t n, SimError *err)
{
    char tmp[4096];
    int fd = render_temp_beside(path, tmp, sizeof(tmp), err);
    if (fd < 0)
        return SIM_ERR_IO;
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t k = write(fd, p, left);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            goto out_unlink;
        }
        p += k;
        left -= (size_t)k;
    }
    if (fsync(fd) < 0 && errno != EINVAL)
        goto out_unlink;
    if (close(fd) < 0) {
        fd = -1;
        goto out_unlink;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto out_unlink;
    return SIM_OK;

out_unlink: {
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return sim_error_set(err, SIM_ERR_IO, "cannot write %s: %s", path, strerror(e));
}
}
