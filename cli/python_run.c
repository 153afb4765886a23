/*
 * python_run.c - running a Python interpreter for `gilsim measure` and
 * `gilsim calibrate` (and the --measured of view and render): asking it
 * what it is, and running a program in a process group of its own under a
 * time limit.
 *
 * A program's processes (forked and spawned children, a fork server, a
 * resource tracker) share its process group, so the group is what is
 * waited for and, at the time limit, stopped: first SIGTERM, on which the
 * measuring runtime writes its records, then, after a grace that grows
 * with the limit, SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static SimTime now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (SimTime)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* The probe runs on every interpreter gilsim may meet, 2.7 included. */
static const char PROBE[] =
    "import sys, platform, sysconfig\n"
    "print('%d %d %s %d %d %s' % (sys.version_info[0], sys.version_info[1], platform.python_version(),\n"
    "      int(getattr(sys, '_is_gil_enabled', lambda: True)()),\n"
    "      int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))), platform.python_implementation()))\n"
    "print(sys.executable)\n";

int cli_python_probe(const char *python, CliPython *out, SimError *err)
{
    memset(out, 0, sizeof(*out));
    int fd[2];
    if (pipe(fd) < 0)
        return sim_error_set(err, SIM_ERR_IO, "cannot make a pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return sim_error_set(err, SIM_ERR_IO, "cannot start %s: %s", python, strerror(errno));
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        execlp(python, python, "-c", PROBE, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[1024];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 && (k = read(fd[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int gil = 1, ft = 0;
    char *nl = strchr(buf, '\n');
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !nl ||
        sscanf(buf, "%d %d %31s %d %d %31s", &out->major, &out->minor, out->version, &gil, &ft,
               out->implementation) != 6)
        return sim_error_set(err, SIM_ERR_IO,
                             "%s: not a Python interpreter gilsim can run (is it on the PATH? try --python "
                             "/path/to/python3)",
                             python);
    out->gil_enabled = gil != 0;
    out->free_threaded = ft != 0;
    snprintf(out->executable, sizeof(out->executable), "%.*s", (int)strcspn(nl + 1, "\n"), nl + 1);
    return 0;
}

/* True while any process of group pgid is alive. */
static bool group_alive(pid_t pgid)
{
    return kill(-pgid, 0) == 0 || errno == EPERM;
}

int cli_python_run(const char *python, const char *script, const char *dir, SimTime limit,
                   CliPythonRun *res, SimError *err)
{
    memset(res, 0, sizeof(*res));
    char out_path[4096], err_path[4096];
    snprintf(out_path, sizeof(out_path), "%s/stdout.txt", dir);
    snprintf(err_path, sizeof(err_path), "%s/stderr.txt", dir);
    SimTime t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        return sim_error_set(err, SIM_ERR_IO, "cannot start %s: %s", python, strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o >= 0)
            dup2(o, 1);
        if (e >= 0)
            dup2(e, 2);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        setenv("GILSIM_MEASURE_DIR", dir, 1);
        setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
        execlp(python, python, script, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the first kill */
    int status = 0;
    bool reaped = false, stopped = false, started = false;
    char started_path[4200];
    snprintf(started_path, sizeof(started_path), "%s/started", dir);
    /* The limit is for the program's own work: its start-up (the
     * interpreter, the calibration) is not counted, as a loaded machine
     * can stretch it past a short limit; up to START_UP_NS is allowed. */
    SimTime deadline = t0 + limit + CLI_START_UP_NS;
    for (int step = 0;; step++) {
        if (!reaped) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid)
                reaped = true;
        }
        /* Done when the program and everything it started have ended. */
        if (reaped && !group_alive(pid))
            break;
        if (!started && access(started_path, F_OK) == 0) {
            started = true;
            deadline = now_ns() + limit;
        }
        if (now_ns() > deadline) {
            stopped = true;
            break;
        }
        pause_ms(step < 200 ? 2 : 10);
    }
    res->wall_ns = now_ns() - t0;
    if (stopped) {
        /* SIGTERM: each process stops its CPU loops, writes its records
         * and exits. The records grow with the run, so the grace grows
         * with the limit. */
        kill(-pid, SIGTERM);
        SimTime t1 = now_ns(), grace = 3000000000LL + limit / 5;
        while (group_alive(pid) && now_ns() - t1 < grace) {
            if (!reaped && waitpid(pid, &status, WNOHANG) == pid)
                reaped = true;
            pause_ms(5);
        }
        if (group_alive(pid))
            kill(-pid, SIGKILL);
        if (!reaped)
            waitpid(pid, &status, 0);
    }
    res->timed_out = stopped;
    res->started = started;
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                       : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}

/* The last lines of a file, for a message; "" if unreadable. */
void cli_file_tail(const char *path, int lines, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    static char text[65536];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    while (len && text[len - 1] == '\n')
        text[--len] = '\0';
    size_t start = len;
    for (int k = 0; start > 0 && k < lines;)
        if (text[--start] == '\n')
            k++;
    if (text[start] == '\n')
        start++;
    snprintf(buf, n, "%s", text + start);
}
