/*
 * main.c - the gilsim program: dispatches to one command per file.
 *
 * With no arguments it opens the viewer on the built-in default scenario,
 * which is what a teacher types first. Whatever the command, output that
 * did not reach standard output makes the exit status 1, and staged
 * output files are removed if the process is interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

typedef struct Command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"run", cmd_run, "simulate a scenario and print what happened"},
    {"validate", cmd_validate, "check a scenario file without running it"},
    {"view", cmd_view, "open the timeline viewer"},
    {"render", cmd_render, "export the timeline as PNG or SVG"},
    {"trace", cmd_trace, "export the trace (Chrome/Perfetto JSON or CSV)"},
    {"explain", cmd_explain, "say what happened at an instant of a run, and why"},
    {"list", cmd_list, "list the bundled lessons"},
    {"bench", cmd_bench, "measure simulator speed"},
    {"sweep", cmd_sweep, "run a scenario over a grid of parameters; CSV and chart"},
    {"measure", cmd_measure, "run a scenario on a real Python and compare with the simulation"},
    {"calibrate", cmd_calibrate, "measure this machine and Python; write a profile of its figures"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gilsim [COMMAND] [ARGS]\n\n"
               "A simulator and visualizer of CPython's GIL scheduling.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nWith no command, opens the viewer on the built-in convoy-effect scenario.\n"
               "Run 'gilsim COMMAND --help' for a command's options.\n");
}

/* What a command printed must have reached standard output: a full disk
 * or a closed pipe is a failure, exit 1, whatever the command said. */
static int stdout_checked(int rc)
{
    if (ferror(stdout) | (fclose(stdout) != 0)) {
        fprintf(stderr, "gilsim: cannot write to standard output: %s\n", strerror(errno ? errno : EIO));
        return rc ? rc : EXIT_RUNTIME;
    }
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return cmd_view(argc, argv);
    const char *c = argv[1];
    if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(c, "--version") == 0 || strcmp(c, "-V") == 0) {
        printf("gilsim %s\n", GILSIM_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(c, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "gilsim: unknown command '%s'; run 'gilsim --help' for the list\n", c);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    render_output_cleanup_on_signals();
    return stdout_checked(dispatch(argc, argv));
}
