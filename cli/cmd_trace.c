/*
 * cmd_trace.c - `gilsim trace`: simulate a scenario and write its trace for
 * other tools, as Chrome Trace Event JSON (Perfetto, chrome://tracing) or
 * as a CSV of state intervals.
 *
 * Every flag is checked and the scenario simulated before anything is
 * written. A file output streams through the one writer (render/output.h):
 * into a temporary file beside OUT, renamed into place at the end, so OUT
 * appears whole or not at all. An export larger than --max-size is
 * refused, before writing when the trace's size alone says so.
 *
 * Exit codes: 0 written, 1 the output could not be written, 2 bad flags or
 * an invalid scenario (nothing written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "output.h"
#include "trace_export.h"

typedef enum TraceFormat { FMT_NONE = 0, FMT_CHROME, FMT_CSV } TraceFormat;

/* Above this an export is refused unless --max-size allows it: Perfetto
 * opens traces up to about 2 GB, and a 1 KB scenario can ask for far more. */
#define TRACE_MAX_SIZE_DEFAULT 1000000000ull

static void trace_usage(FILE *f)
{
    fprintf(f, "usage: gilsim trace [FILE] [--set KEY=VALUE]... [--seed N] [--until T]\n"
               "                    [--format chrome|csv] [--gil-timeouts] -o OUT\n\n"
               "Simulates FILE (a scenario, or the name of a bundled one; - reads it from\n"
               "standard input; the built-in convoy scenario when omitted) and writes its\n"
               "trace for other tools.\n\n"
               "  --format chrome   Chrome Trace Event JSON: open it in https://ui.perfetto.dev\n"
               "                    or chrome://tracing (also --format perfetto, chrometrace).\n"
               "                    A track per thread with a slice per state (a wait named\n"
               "                    after what it waits for), a GIL track per interpreter, a\n"
               "                    track per core naming who runs there, GIL-waiter and\n"
               "                    run-queue counters, and an arrow from each drop request,\n"
               "                    through the holding it ends, to the hand-over\n"
               "  --format csv      one row per thread state interval:\n"
               "                    process,thread,state,reason,start_ns,end_ns,core,gil_holder\n"
               "  -o OUT            the file to write (atomically), or - for standard output;\n"
               "                    without --format, .json means chrome and .csv means csv;\n"
               "                    a name ending in .gz (run.json.gz) is gzip-compressed,\n"
               "                    which Perfetto opens as it is\n"
               "  --gil-timeouts    also write the GIL timeouts that changed nothing (a switch\n"
               "                    happened during the wait, so the waiter waits again); by\n"
               "                    default only the count is kept, in otherData\n"
               "  --set KEY=VALUE   override a scenario value, e.g. python.switch_interval=1ms\n"
               "  --seed N          override the scenario's seed\n"
               "  --until T         stop the simulation at time T (e.g. 2s)\n"
               "  --max-records N   stop with an error rather than record more than N trace\n"
               "                    records (default: an eighth of the memory)\n"
               "  --max-size SIZE   refuse to write more than SIZE (default 1G; 500M, 4GB...)\n"
               "                    of uncompressed output, what a reader has to load\n\n"
               "The output is byte-identical for the same scenario, seed and gilsim version.\n"
               "Exit status: 0 written, 1 cannot write OUT (or larger than --max-size), 2 invalid\n"
               "scenario or flags.\n");
}

/* py-spy's users type chrometrace, Perfetto's perfetto: the same JSON. */
static TraceFormat format_named(const char *s)
{
    if (strcmp(s, "chrome") == 0 || strcmp(s, "perfetto") == 0 || strcmp(s, "chrometrace") == 0)
        return FMT_CHROME;
    if (strcmp(s, "csv") == 0)
        return FMT_CSV;
    return FMT_NONE;
}

/* The format a file name asks for; a .gz after it does not count. */
static TraceFormat format_of_path(const char *path)
{
    char name[4096];
    snprintf(name, sizeof(name), "%s", path);
    if (cli_ends_with(name, ".gz"))
        name[strlen(name) - 3] = '\0';
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
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

/* What went wrong in an export, for "gilsim trace: OUT: ...". */
static void report_export_error(const char *where, int rc, int e, const TraceExportStats *st)
{
    if (rc == SIM_ERR_LIMIT)
        fprintf(stderr, "gilsim trace: %s: the export would be larger than --max-size %.1f MB (%.1f MB "
                        "written when it stopped); pass a larger --max-size to write it, or shorten the "
                        "run with --until\n",
                where, (double)st->max_bytes / 1e6, (double)st->bytes / 1e6);
    else if (rc == SIM_ERR_IO)
        fprintf(stderr, "gilsim trace: %s: cannot write: %s\n", where, strerror(e));
    else
        fprintf(stderr, "gilsim trace: %s: out of memory\n", where);
}

/* Streams the export through the one writer (output.h): staged beside
 * path and renamed into place, or written in place to a device or FIFO;
 * on any failure nothing changes at path. */
static int write_file(TraceFormat fmt, const SimTrace *tr, const char *path, TraceExportStats *st)
{
    SimError err;
    ROutput *o = render_output_open_with(path, cli_ends_with(path, ".gz") ? R_OUT_GZIP : 0, &err);
    if (!o) {
        fprintf(stderr, "gilsim trace: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    errno = 0;
    int rc = export_to(fmt, tr, render_output_stream(o), st);
    int e = errno;
    if (rc != SIM_OK) {
        render_output_discard(o);
        report_export_error(path, rc, e, st);
        return EXIT_RUNTIME;
    }
    if (render_output_commit(&o, 1, &err) < 0) {
        fprintf(stderr, "gilsim trace: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    const char *out = NULL, *fmt_name = NULL;
    uint64_t max_size = TRACE_MAX_SIZE_DEFAULT;
    bool all_timeouts = false;
    RunResult run = {0};
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            trace_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        if (strcmp(a, "--gil-timeouts") == 0) {
            all_timeouts = true;
            continue;
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
        k = flag_value("--max-size", NULL, argc, argv, &i, &val);
        if (k < 0)
            goto out;
        if (k > 0) {
            if (cli_parse_bytes(val, &max_size) < 0) {
                fprintf(stderr, "gilsim trace: --max-size '%s': expected a size such as 500M, 2G or 4GB\n",
                        val);
                goto out;
            }
            continue;
        }
        k = flag_value("--format", NULL, argc, argv, &i, &val);
        if (k < 0)
            goto out;
        if (k > 0) {
            if (format_named(val) == FMT_NONE) {
                fprintf(stderr, "gilsim trace: --format '%s': expected chrome (or perfetto, chrometrace) or csv\n",
                        val);
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
    TraceExportStats st = {.max_bytes = max_size, .flags = all_timeouts ? TRACE_EXPORT_ALL_GIL_TIMEOUTS : 0};
    uint64_t floor_bytes = (uint64_t)sim_trace_count(run.trace) * TRACE_EXPORT_MIN_BYTES_PER_RECORD;
    if (floor_bytes > max_size) {
        /* Said before a byte is written: a short scenario can make a huge trace. */
        fprintf(stderr, "gilsim trace: the %s of this run would be over %.1f MB (%zu trace records), more "
                        "than --max-size %.1f MB; pass a larger --max-size to write it, or shorten the run "
                        "with --until\n", fmt == FMT_CHROME ? "Chrome trace" : "CSV", (double)floor_bytes / 1e6,
                sim_trace_count(run.trace), (double)max_size / 1e6);
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (to_stdout) {
        errno = 0;
        int w = export_to(fmt, run.trace, stdout, &st);
        if (w != SIM_OK) {
            report_export_error("standard output", w, errno, &st);
            rc = EXIT_RUNTIME;
            goto out;
        }
    } else {
        rc = write_file(fmt, run.trace, out, &st);
        if (rc != EXIT_OK)
            goto out;
        fprintf(stderr, "wrote %s (%s, %llu %s, %.1f MB%s)\n", out, fmt == FMT_CHROME ? "Chrome trace" : "CSV",
                (unsigned long long)st.events, fmt == FMT_CHROME ? "events" : "intervals", (double)st.bytes / 1e6,
                cli_ends_with(out, ".gz") ? " before compression" : "");
    }
    if (run.outcome == SIM_RUN_DEADLOCK)
        fprintf(stderr, "gilsim trace: note: the run ended in a deadlock\n");
    rc = EXIT_OK;
out:
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
