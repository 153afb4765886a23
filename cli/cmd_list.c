/*
 * cmd_list.c - `gilsim list`: the bundled lessons, one line each, so a
 * teacher can pick one and open it by name (`gilsim view convoy`).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_report.h"

/* A lesson states its run's figures ("{io.ops_per_s}"): the scenario is
 * run to fill them in; a lesson without any is printed as written. */
static void print_lesson(const char *path, const char *lesson)
{
    SimScenario *sc = NULL;
    SimError err;
    RunResult run;
    SimStats *st = NULL;
    char *text = NULL;
    if (strchr(lesson, '{') && sim_scenario_load_file(path, NULL, 0, &sc, &err) == 0 &&
        run_result_simulate(sc, SIM_TIME_NEVER, &run, &err) == 0) {
        if ((st = sim_stats_compute(run.trace)))
            text = run_report_lesson(&run, st);
        sim_stats_destroy(st);
        run_result_fini(&run);
    }
    printf("%-28s Lesson: %s\n", "", text ? text : lesson);
    free(text);
}

int cmd_list(int argc, char **argv)
{
    bool long_form = false, names_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gilsim list [--long | --names]\n\n"
                   "Lists the bundled scenarios: the name to pass to run, view or render, and what\n"
                   "each shows.\n\n"
                   "  --long   add each scenario's description and lesson\n"
                   "  --names  print the names only, one a line (for scripts and shell completion)\n");
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--long") == 0) {
            long_form = true;
            continue;
        }
        if (strcmp(argv[i], "--names") == 0) {
            names_only = true;
            continue;
        }
        fprintf(stderr, "gilsim list: unknown option '%s'; see 'gilsim list --help'\n", argv[i]);
        return EXIT_USAGE;
    }
    if (long_form && names_only) {
        fprintf(stderr, "gilsim list: --long and --names cannot be combined\n");
        return EXIT_USAGE;
    }
    char *dir = cli_scenario_dir();
    char **names = NULL;
    int n = dir ? cli_scenario_names(&names) : -1;
    if (n < 0) {
        fprintf(stderr, "gilsim list: cannot find the bundled scenarios (installed under share/gilsim/scenarios; "
                        "set GILSIM_SCENARIOS to their folder)\n");
        free(dir);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    for (int i = 0; i < n; i++) {
        if (names_only) {
            printf("%s\n", names[i]);
            continue;
        }
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s.json", dir, names[i]);
        SimScenario *sc = NULL;
        SimError err;
        if (sim_scenario_load_file(path, NULL, 0, &sc, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = EXIT_USAGE;
        } else {
            printf("%-28s %s\n", names[i], sim_scenario_name(sc));
            if (long_form) {
                printf("%-28s %s\n", "", sim_scenario_description(sc));
                if (*sim_scenario_lesson(sc))
                    print_lesson(path, sim_scenario_lesson(sc));
                printf("\n");
            }
        }
        sim_scenario_destroy(sc);
    }
    cli_names_free(names, n);
    free(dir);
    return rc;
}
