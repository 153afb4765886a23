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
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "datadir.h"
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
               "Run 'gilsim help COMMAND' (or 'gilsim COMMAND --help') for a command's options.\n\n"
               "FILE, for every command, is a scenario file, the name of a bundled scenario\n"
               "('gilsim list'), or - to read the scenario from standard input; -- ends the\n"
               "options, so a file whose name starts with - can follow it. Data (reports,\n"
               "traces, images written to -o -) goes to standard output; what was written,\n"
               "progress, notes and errors go to standard error.\n\n"
               "gilsim --version prints the version; gilsim --paths, the folders its bundled\n"
               "scenarios and fonts are taken from (see FILES in gilsim(1)).\n");
}

/* Where the data was found, for a packager or a user whose copy cannot
 * find it: one "kind<TAB>folder" line each, "-" for not found. */
static int print_paths(void)
{
    static const struct {
        const char *label;
        RDataKind kind;
        const char *probe;
    } kinds[] = {
        {"scenarios", R_DATA_SCENARIOS, "convoy.json"},
        {"fonts", R_DATA_FONTS, "DejaVuSans.ttf"},
    };
    int rc = EXIT_OK;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char *d = render_data_find_dir(kinds[i].kind, kinds[i].probe);
        printf("%s\t%s\n", kinds[i].label, d ? d : "-");
        if (!d)
            rc = EXIT_RUNTIME;
        free(d);
    }
    return rc;
}

static const Command *command_named(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static void unknown_command(const char *c)
{
    const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
    size_t n = 0;
    for (; n < sizeof(commands) / sizeof(commands[0]); n++)
        names[n] = commands[n].name;
    names[n++] = "help";
    const char *best = cli_closest(c, names, n);
    if (best)
        fprintf(stderr, "gilsim: unknown command '%s'; did you mean '%s'? Run 'gilsim --help' for the list\n", c,
                best);
    else
        fprintf(stderr, "gilsim: unknown command '%s'; run 'gilsim --help' for the list\n", c);
}

/* `--` ends the options of any command: it is dropped, and every argument
 * after it that starts with '-' (but "-", standard input) is given to the
 * command as "./-name", the same file, which no option parser takes for a
 * flag. argv is rewritten in place; the new names are kept until exit. */
static int end_of_options(int argc, char **argv)
{
    int i = 2;
    while (i < argc && strcmp(argv[i], "--") != 0)
        i++;
    if (i >= argc)
        return argc;
    for (int k = i + 1; k < argc; k++) {
        const char *a = argv[k];
        if (a[0] == '-' && a[1] != '\0') {
            char *p = malloc(strlen(a) + 3);
            if (!p) {
                fprintf(stderr, "gilsim: out of memory\n");
                exit(EXIT_RUNTIME);
            }
            sprintf(p, "./%s", a);
            argv[k] = p; /* lives until exit, as argv does */
        }
        argv[k - 1] = argv[k];
    }
    argv[argc - 1] = NULL;
    return argc - 1;
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
    if (strcmp(c, "help") == 0 && argc > 2) {
        /* gilsim help CMD: CMD's own --help. */
        const Command *cmd = command_named(argv[2]);
        if (!cmd) {
            unknown_command(argv[2]);
            return EXIT_USAGE;
        }
        char *args[] = {(char *)cmd->name, "--help", NULL};
        return cmd->fn(2, args);
    }
    if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(c, "--paths") == 0)
        return print_paths();
    if (strcmp(c, "--version") == 0 || strcmp(c, "-V") == 0) {
        printf("gilsim %s\n", GILSIM_VERSION);
        return EXIT_OK;
    }
    const Command *cmd = command_named(c);
    if (!cmd) {
        unknown_command(c);
        return EXIT_USAGE;
    }
    argc = end_of_options(argc, argv);
    return cmd->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    render_output_cleanup_on_signals();
    return stdout_checked(dispatch(argc, argv));
}
