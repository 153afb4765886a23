/*
 * cmd_list.c - `gilsim list`: the bundled lessons, one line each, so a
 * teacher can pick one and open it by name (`gilsim view convoy`).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_report.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

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
    bool long_form = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gilsim list [--long]\n\n"
                   "Lists the bundled scenarios: the name to pass to run, view or render, and what\n"
                   "each shows. --long adds each lesson.\n");
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--long") == 0) {
            long_form = true;
            continue;
        }
        fprintf(stderr, "gilsim list: unknown option '%s'\n", argv[i]);
        return EXIT_USAGE;
    }
    char *dir = cli_scenario_dir();
    if (!dir) {
        fprintf(stderr, "gilsim list: cannot find the bundled scenarios (set GILSIM_SCENARIOS to their folder)\n");
        return EXIT_RUNTIME;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "gilsim list: cannot read %s\n", dir);
        free(dir);
        return EXIT_RUNTIME;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0 || strcmp(e->d_name, "schema.json") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strndup(e->d_name, l - 5);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    int rc = EXIT_OK;
    for (size_t i = 0; i < n; i++) {
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
        free(names[i]);
    }
    free(names);
    free(dir);
    return rc;
}
