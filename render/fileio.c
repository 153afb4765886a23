/*
 * fileio.c - the one writer of every output file: timelines, charts,
 * sweeps' CSV, trace exports.
 *
 * An output is staged: written whole to a temporary file beside its
 * target, every write, the flush, fsync and the close checked, and only
 * then renamed into place. A symlink is followed, so the file it points
 * to is replaced and the link stays. A target that is not a regular file
 * is never replaced: a character device or a FIFO is written in place
 * (`-o /dev/null`, `-o >(gzip > x.gz)`), anything else is refused.
 * Several outputs of one command commit together: each previous file is
 * kept aside (a hard link) until every rename has succeeded, and put back
 * if one fails. Temporary files and the links kept aside are registered so
 * that SIGINT, SIGTERM and SIGHUP remove them before the process dies.
 *
 * "-" is standard output, written in place like a FIFO. An output opened
 * with R_OUT_GZIP is compressed on its way to the staged file (zlib's
 * gzip format, the same bytes for the same input), behind an ordinary
 * FILE, so the writers need not know.
 *
 * Invariant: on any failure every target is as it was before the command
 * (a device or FIFO keeps what was written to it), and no temporary file
 * is left behind.
 */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "output.h"

typedef struct Gz Gz;

struct ROutput {
    char *path;       /* the target, symlinks followed ("standard output" for -) */
    char *tmp;        /* the staged file beside it; NULL when written in place */
    char *aside;      /* while committing: the previous file's hard link; NULL if none */
    FILE *f;          /* what the caller writes to; NULL once finished */
    FILE *raw;        /* under a gzip stream: the file itself; else NULL */
    Gz *gz;           /* the compressor behind f, or NULL */
    bool in_place;    /* a device, a FIFO or standard output */
    bool is_stdout;   /* "-": never closed here (main checks and closes it) */
    bool had_target;  /* a regular file was there when the output was opened */
};

/* ---- gzip behind a FILE ---------------------------------------------------
 * A cookie stream: whatever the caller writes is deflated into `raw`.
 * Closing it ends the gzip stream; errors come back as a failed write or
 * close, with errno kept. */

struct Gz {
    z_stream z;
    FILE *raw;
    int err; /* errno of the first failure, 0 if none */
    unsigned char out[1 << 16];
};

static int gz_pump(Gz *g, int flush)
{
    int zr;
    do {
        g->z.next_out = g->out;
        g->z.avail_out = sizeof(g->out);
        zr = deflate(&g->z, flush);
        if (zr == Z_STREAM_ERROR) {
            g->err = EIO;
            return -1;
        }
        size_t have = sizeof(g->out) - g->z.avail_out;
        if (have && fwrite(g->out, 1, have, g->raw) != have) {
            g->err = errno ? errno : EIO;
            return -1;
        }
    } while (g->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
    return 0;
}

static ssize_t gz_write(void *cookie, const char *buf, size_t n)
{
    Gz *g = cookie;
    size_t left = n;
    if (g->err) {
        errno = g->err;
        return -1;
    }
    while (left) {
        /* avail_in is an unsigned int: a huge buffer goes in pieces. */
        uInt chunk = left > (1u << 30) ? 1u << 30 : (uInt)left;
        g->z.next_in = (Bytef *)buf;
        g->z.avail_in = chunk;
        if (gz_pump(g, Z_NO_FLUSH) < 0) {
            errno = g->err;
            return -1;
        }
        buf += chunk;
        left -= chunk;
    }
    return (ssize_t)n;
}

/* Ends the gzip stream; the file under it stays open (the commit syncs
 * and closes it). */
static int gz_close(void *cookie)
{
    Gz *g = cookie;
    int rc = 0;
    if (!g->err) {
        g->z.next_in = NULL;
        g->z.avail_in = 0;
        rc = gz_pump(g, Z_FINISH);
    }
    int e = g->err;
    deflateEnd(&g->z);
    free(g);
    if (e) {
        errno = e;
        return -1;
    }
    return rc;
}

/* Puts a gzip stream between o's caller and its file. */
static int gz_attach(ROutput *o)
{
    Gz *g = calloc(1, sizeof(*g));
    if (!g)
        return ENOMEM;
    /* windowBits 15 + 16: a gzip header (no name, no time), so the same
     * trace gives the same bytes. */
    if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(g);
        return ENOMEM;
    }
    g->raw = o->f;
    cookie_io_functions_t io = {.write = gz_write, .close = gz_close};
    FILE *f = fopencookie(g, "w", io);
    if (!f) {
        int e = errno ? errno : ENOMEM;
        deflateEnd(&g->z);
        free(g);
        return e;
    }
    o->raw = o->f;
    o->gz = g;
    o->f = f;
    return 0;
}


/* ---- Temporary files and signals ------------------------------------------
 * A fixed table the handler reads without locks: a slot is filled before
 * its file exists and emptied before its name is freed, and the handler
 * only calls unlink, which is async-signal-safe. */

#define MAX_TEMPS 16
static char *volatile temps[MAX_TEMPS];

static bool temp_register(char *name)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (!temps[i]) {
            temps[i] = name;
            return true;
        }
    return false;
}

static void temp_forget(const char *name)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temps[i] == name)
            temps[i] = NULL;
}

static void on_signal(int sig)
{
    int saved = errno;
    for (int i = 0; i < MAX_TEMPS; i++) {
        char *name = temps[i];
        if (name)
            unlink(name);
    }
    errno = saved;
    signal(sig, SIG_DFL);
    raise(sig);
}

void render_output_cleanup_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa, old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup and friends: stay ignored */
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- Targets ------------------------------------------------------------- */

/* The file path names after following symlinks (the last one may name a
 * file that does not exist yet), malloc'd; NULL with errno set. */
static char *follow_links(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p; hops++) {
        struct stat st;
        if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode))
            return p; /* not there yet, or not a link: p it is */
        if (hops == 40) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        char link[PATH_MAX];
        ssize_t n = readlink(p, link, sizeof(link) - 1);
        if (n < 0) {
            free(p);
            return NULL;
        }
        link[n] = '\0';
        char *next;
        const char *slash = strrchr(p, '/');
        if (link[0] == '/' || !slash) {
            next = strdup(link);
        } else {
            size_t dir = (size_t)(slash - p) + 1;
            next = malloc(dir + (size_t)n + 1);
            if (next) {
                memcpy(next, p, dir);
                memcpy(next + dir, link, (size_t)n + 1);
            }
        }
        free(p);
        p = next;
    }
    errno = ENOMEM;
    return NULL;
}

static int fail_errno(SimError *err, const char *path, int e)
{
    return sim_error_set(err, SIM_ERR_IO, "cannot write %s: %s", path, strerror(e));
}

/* The output opened, with what flags ask for on top; on failure, o is
 * discarded. */
static ROutput *with_flags(ROutput *o, unsigned flags, const char *path, SimError *err)
{
    if (flags & R_OUT_GZIP) {
        int e = gz_attach(o);
        if (e) {
            fail_errno(err, path, e);
            render_output_discard(o);
            return NULL;
        }
    }
    return o;
}

ROutput *render_output_open(const char *path, SimError *err)
{
    return render_output_open_with(path, 0, err);
}

ROutput *render_output_open_with(const char *path, unsigned flags, SimError *err)
{
    ROutput *o = calloc(1, sizeof(*o));
    if (o && strcmp(path, "-") == 0) {
        /* Standard output: in place, flushed and checked by the commit,
         * closed by main (which reports a failure to close it). */
        o->is_stdout = o->in_place = true;
        o->f = stdout;
        if (!(o->path = strdup("standard output"))) {
            free(o);
            o = NULL;
        }
    } else if (o && !(o->path = follow_links(path))) {
        fail_errno(err, path, errno);
        free(o);
        return NULL;
    }
    if (!o) {
        fail_errno(err, path, ENOMEM);
        return NULL;
    }
    if (o->is_stdout)
        return with_flags(o, flags, path, err);
    struct stat st;
    int fd = -1;
    mode_t mode;
    int there = stat(o->path, &st) == 0;
    if (there && !S_ISREG(st.st_mode)) {
        if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
            sim_error_set(err, SIM_ERR_IO, "cannot write %s: %s", path,
                          S_ISDIR(st.st_mode) ? "it is a directory"
                                              : "it is not a regular file, a device or a FIFO");
            goto fail;
        }
        /* Written in place, never replaced: `-o /dev/null` as root must
         * leave /dev/null a device. */
        o->in_place = true;
        if ((fd = open(o->path, O_WRONLY | O_CLOEXEC)) < 0) {
            fail_errno(err, path, errno);
            goto fail;
        }
    } else {
        o->had_target = there;
        mode_t mask = umask(0);
        umask(mask);
        /* A replaced file keeps its permissions; a new one gets the umask's. */
        mode = o->had_target ? st.st_mode & 07777 : 0666 & ~mask;
        size_t n = strlen(o->path) + 16;
        if (!(o->tmp = malloc(n))) {
            fail_errno(err, path, ENOMEM);
            goto fail;
        }
        snprintf(o->tmp, n, "%s.tmp-XXXXXX", o->path);
        if (!temp_register(o->tmp)) {
            sim_error_set(err, SIM_ERR_IO, "cannot write %s: too many outputs at once", path);
            goto fail;
        }
        if ((fd = mkstemp(o->tmp)) < 0) {
            fail_errno(err, path, errno);
            goto fail;
        }
        fchmod(fd, mode);
    }
    if (!(o->f = fdopen(fd, "wb"))) {
        fail_errno(err, path, errno);
        close(fd);
        goto fail;
    }
    return with_flags(o, flags, path, err);
fail:
    render_output_discard(o);
    return NULL;
}

FILE *render_output_stream(ROutput *o)
{
    return o->f;
}

int render_output_write(ROutput *o, const void *data, size_t n, SimError *err)
{
    if (n && fwrite(data, 1, n, o->f) != n)
        return fail_errno(err, o->path, errno ? errno : EIO);
    return SIM_OK;
}

int render_output_finish(ROutput *o, SimError *err)
{
    FILE *f = o->f;
    o->f = NULL;
    int e = 0;
    if (o->gz) {
        /* The gzip stream ends as it closes; then the file under it is
         * finished like any other. */
        errno = 0;
        if (fclose(f) != 0)
            e = errno ? errno : EIO;
        o->gz = NULL;
        f = o->raw;
        o->raw = NULL;
    }
    if (!e && (fflush(f) != 0 || ferror(f)))
        e = errno ? errno : EIO;
    if (o->is_stdout)
        return e ? fail_errno(err, o->path, e) : SIM_OK;
    /* A device or FIFO cannot be synced (EINVAL); a file must reach the
     * disk before it replaces the previous one. */
    if (!e && fsync(fileno(f)) < 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)
        e = errno;
    if (fclose(f) != 0 && !e)
        e = errno ? errno : EIO;
    return e ? fail_errno(err, o->path, e) : SIM_OK;
}

void render_output_discard(ROutput *o)
{
    if (!o)
        return;
    if (o->gz && o->f) {
        fclose(o->f); /* the gzip stream; its file is closed below */
        o->f = o->raw;
        o->raw = NULL;
        o->gz = NULL;
    }
    if (o->f && !o->is_stdout)
        fclose(o->f);
    if (o->tmp) {
        unlink(o->tmp);
        temp_forget(o->tmp);
        free(o->tmp);
    }
    if (o->aside) {
        unlink(o->aside);
        temp_forget(o->aside);
        free(o->aside);
    }
    free(o->path);
    free(o);
}

/* Keeps the previous file under a second name while the new one moves in. */
static int set_aside(ROutput *o)
{
    size_t n = strlen(o->path) + 32;
    if (!(o->aside = malloc(n)))
        return ENOMEM;
    if (!temp_register(o->aside)) {
        free(o->aside);
        o->aside = NULL;
        return EMFILE;
    }
    for (int k = 0; k < 100; k++) {
        snprintf(o->aside, n, "%s.old-%ld-%d", o->path, (long)getpid(), k);
        if (link(o->path, o->aside) == 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    temp_forget(o->aside);
    int e = errno;
    free(o->aside);
    o->aside = NULL;
    return e == ENOENT ? 0 : e; /* gone meanwhile: nothing to keep */
}

int render_output_commit(ROutput **outs, int n, SimError *err)
{
    int rc = SIM_OK, done = 0;
    for (int i = 0; i < n && rc == SIM_OK; i++)
        if (outs[i]->f)
            rc = render_output_finish(outs[i], err);
    /* Alone, a rename is all or nothing already; together, each previous
     * file is kept until all are in place. */
    for (int i = 0; i < n && rc == SIM_OK && n > 1; i++) {
        int e = outs[i]->tmp && outs[i]->had_target ? set_aside(outs[i]) : 0;
        if (e)
            rc = sim_error_set(err, SIM_ERR_IO, "cannot write %s: cannot keep the previous file aside: %s",
                               outs[i]->path, strerror(e));
    }
    for (; done < n && rc == SIM_OK; done++) {
        ROutput *o = outs[done];
        if (o->tmp && rename(o->tmp, o->path) < 0) {
            rc = fail_errno(err, o->path, errno);
            break;
        }
        if (o->tmp) {
            temp_forget(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
        }
    }
    if (rc < 0) {
        /* Undo the renames made: the previous file back, or none as before. */
        for (int i = 0; i < done; i++) {
            ROutput *o = outs[i];
            if (o->in_place)
                continue;
            if (o->aside) {
                rename(o->aside, o->path);
                temp_forget(o->aside);
                free(o->aside);
                o->aside = NULL;
            } else if (!o->had_target) {
                unlink(o->path);
            }
        }
    }
    for (int i = 0; i < n; i++)
        render_output_discard(outs[i]);
    return rc;
}

int render_write_atomic(const char *path, const void *data, size_t n, SimError *err)
{
    ROutput *o = render_output_open(path, err);
    if (!o)
        return SIM_ERR_IO;
    int rc = render_output_write(o, data, n, err);
    if (rc < 0) {
        render_output_discard(o);
        return rc;
    }
    return render_output_commit(&o, 1, err);
}
