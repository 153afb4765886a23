/*
 * cmd_trace.c - `gilsim trace`: simulate a scenario and write its trace for
 * other tools, as Chrome Trace Event JSON (Perfetto, chrome://tracing) or
 * as a CSV of state intervals.
 *
 * Every flag is checked and the scenario simulated before anything is
 * written. A file output streams into a temporary file beside OUT that is
 * renamed into place at the end, so OUT appears whole or not at all.
 *
 * Exit codes: 0 written, 1 the output could not be written, 2 bad flags or
 * an invalid scenario (nothing written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "trace_export.h"

typedef enum TraceFormat { FMT_NONE = 0, FMT_CHROME, FMT_CSV } TraceFormat;

static void trace_usage(FILE *f)
{
    fprintf(f, "usage: gilsim trace [FILE] [--set KEY=VALUE]... [--seed N] [--until T]\n"
               "                    [--format chrome|csv] -o OUT\n\n"
               "Simulates FILE (a scenario, or the name of a bundled one; the built-in convoy\n"
               "scenario when omitted) and writes its trace for other tools.\n\n"
               "  --format chrome   Chrome Trace Event JSON: open it in https://ui.perfetto.dev\n"
               "                    or chrome://tracing. A track per thread with a slice per\n"
               "                    state, a GIL track per process, GIL-waiter and run-queue\n"
               "                    counters, and an arrow from each drop request to the\n"
               "                    hand-over that answers it\n"
               "  --format csv      one row per thread state interval:\n"
               "                    process,thread,state,reason,start_ns,end_ns,core,gil_holder\n"
               "  -o OUT            the file to write (atomically), or - for standard output;\n"
               "                    without --format, .json means chrome and .csv means csv\n"
               "  --set KEY=VALUE   override a scenario value, e.g. python.switch_interval=1ms\n"
               "  --seed N          override the scenario's seed\n"
               "  --until T         stop the simulation at time T (e.g. 2s)\n\n"
               "The output is byte-identical for the same scenario, seed and gilsim version.\n"
               "Exit status: 0 written, 1 cannot write OUT, 2 invalid scenario or flags.\n");
}

static TraceFormat format_named(const char *s)
{
    if (strcmp(s, "chrome") == 0)
        return FMT_CHROME;
    if (strcmp(s, "csv") == 0)
        return FMT_CSV;
    return FMT_NONE;
}

static TraceFormat format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return FMT_NONE;
    if (strcasecmp(dot, ".json") == 0)
        return FMT_CHROME;
    if (strcasecmp(dot, ".csv") == 0)
        return FMT_CSV;
    return FMT_NONE;
}

/* Takes the value of a flag given as "--flag VALUE" or "--flag=VALUE".
 * Returns 1 and sets *val if argv[*i] is the flag, 0 if it is not, -1 if
 * the value is missing (message printed). */
static int flag_value(const char *flag, const char *alias, int argc, char **argv, int *i, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(flag);
    if (strncmp(a, flag, n) == 0 && a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (strcmp(a, flag) != 0 && !(alias && strcmp(a, alias) == 0))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "gilsim trace: %s needs a value\n", a);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

static int export_to(TraceFormat fmt, const SimTrace *tr, FILE *f, TraceExportStats *st)
{
    return fmt == FMT_CHROME ? trace_export_chrome(tr, f, st) : trace_export_csv(tr, f, st);
}

/* Streams the export into a temporary file beside path, then renames it
 * into place; on any failure the temporary file is removed. */
static int write_atomic(TraceFormat fmt, const SimTrace *tr, const char *path, TraceExportStats *st)
{
    char tmp[4096];
    SimError err;
    int fd = render_temp_beside(path, tmp, sizeof(tmp), &err);
    if (fd < 0) {
        fprintf(stderr, "gilsim trace: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        fprintf(stderr, "gilsim trace: %s: cannot write: %s\n", path, strerror(e));
        return EXIT_RUNTIME;
    }
    int rc = export_to(fmt, tr, f, st);
    int e = errno;
    if (fclose(f) != 0 && rc == SIM_OK) {
        rc = SIM_ERR_IO;
        e = errno;
    }
    if (rc == SIM_OK) {
        if (rename(tmp, path) != 0) {
            rc = SIM_ERR_IO;
            e = errno;
        }
    }
    if (rc != SIM_OK) {
        unlink(tmp);
        if (rc == SIM_ERR_IO)
            fprintf(stderr, "gilsim trace: %s: cannot write: %s\n", path, strerror(e));
        else if (rc == SIM_ERR_LIMIT)
            fprintf(stderr, "gilsim trace: %s: the trace has too many records to export\n", path);
        else
            fprintf(stderr, "gilsim trace: %s: out of memory\n", path);
    }
    return rc == SIM_OK ? EXIT_OK : EXIT_RUNTIME;
}

int cmd_trace(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    const char *out = NULL, *fmt_name = NULL;
    RunResult run = {0};
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            trace_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        int k = flag_value("--output", "-o", argc, argv, &i, &val);
        if (k == 0 && strncmp(a, "-o", 2) == 0 && a[2] != '\0') /* -oFILE */
            k = 1, val = a + 2;
        if (k < 0)
            goto out;
        if (k > 0) {
            if (out) {
                fprintf(stderr, "gilsim trace: -o given twice ('%s' and '%s')\n", out, val);
                goto out;
            }
            if (!*val) {
                fprintf(stderr, "gilsim trace: -o needs a file name (or - for standard output)\n");
                goto out;
            }
            out = val;
            continue;
        }
        k = flag_value("--format", NULL, argc, argv, &i, &val);
        if (k < 0)
            goto out;
        if (k > 0) {
            if (format_named(val) == FMT_NONE) {
                fprintf(stderr, "gilsim trace: --format '%s': expected chrome or csv\n", val);
                goto out;
            }
            fmt_name = val;
            continue;
        }
        k = cli_sim_opt(&o, argc, argv, &i);
        if (k < 0)
            goto out;
        if (k == 0) {
            fprintf(stderr, "gilsim trace: unknown option '%s'; see 'gilsim trace --help'\n", a);
            goto out;
        }
    }
    if (!out) {
        fprintf(stderr, "gilsim trace: where to? add -o FILE (or -o - for standard output)\n");
        goto out;
    }
    bool to_stdout = strcmp(out, "-") == 0;
    TraceFormat fmt = fmt_name ? format_named(fmt_name) : to_stdout ? FMT_NONE : format_of_path(out);
    if (fmt == FMT_NONE) {
        fprintf(stderr, "gilsim trace: cannot tell the format of '%s'; add --format chrome or --format csv\n",
                out);
        goto out;
    }

    SimError err;
    int s = cli_simulate(&o, &run, &err);
    if (s < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(s);
        goto out;
    }
    TraceExportStats st = {0};
    if (to_stdout) {
        int w = export_to(fmt, run.trace, stdout, &st);
        if (w != SIM_OK) {
            fprintf(stderr, "gilsim trace: standard output: %s\n",
                    w == SIM_ERR_IO ? strerror(errno) : w == SIM_ERR_LIMIT ? "too many records" : "out of memory");
            rc = EXIT_RUNTIME;
            goto out;
        }
    } else {
        rc = write_atomic(fmt, run.trace, out, &st);
        if (rc != EXIT_OK)
            goto out;
        printf("wrote %s (%s, %llu %s, %.1f MB)\n", out, fmt == FMT_CHROME ? "Chrome trace" : "CSV",
               (unsigned long long)st.events, fmt == FMT_CHROME ? "events" : "intervals",
               (double)st.bytes / 1e6);
    }
    if (run.outcome == SIM_RUN_DEADLOCK)
        fprintf(stderr, "gilsim trace: note: the run ended in a deadlock\n");
    rc = EXIT_OK;
out:
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
