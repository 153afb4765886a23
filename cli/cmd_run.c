/*
 * cmd_run.c - `gilsim run` (simulate and report) and `gilsim validate`.
 *
 * Exit codes: 0 done, 1 out of memory or of trace budget, 2 bad scenario or
 * flags or a run that cannot go on (nothing printed on stdout), 3
 * deadlocked run (the report is still printed).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_report.h"

static void run_usage(FILE *f)
{
    fprintf(f, "usage: gilsim run [FILE] [--set KEY=VALUE]... [--seed N] [--until T] [--max-records N]\n"
               "                  [--profile PROFILE.json] [--json | --csv] [--explain-config]\n\n"
               "Simulates FILE (a scenario, or the name of a bundled one; - reads it from\n"
               "standard input; the built-in convoy scenario when omitted) to the end and\n"
               "prints what happened per thread.\n\n"
               "  --set KEY=VALUE   override a scenario value, e.g. python.switch_interval=1ms\n"
               "  --seed N          override the scenario's seed\n"
               "  --until T         stop the simulation at time T (e.g. 2s)\n"
               "  --max-records N   fail rather than record more than N trace records\n"
               "                    (default: an eighth of the memory)\n"
               "  --profile F       apply a machine profile written by gilsim calibrate -o F\n"
               "                    (every command that simulates takes it)\n"
               "  --json            print the report as one JSON object\n"
               "  --csv             print the per-thread statistics as CSV\n"
               "  --explain-config  print every configuration value in effect, defaults included\n\n"
               "Exit status: 0 done, 1 out of memory or of trace budget, 2 invalid scenario or\n"
               "flags or a run that cannot go on (simulated time stopped advancing), 3 deadlock.\n");
}

int cmd_run(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    bool json = false, csv = false, explain = false;
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            run_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (strcmp(a, "--csv") == 0) {
            csv = true;
            continue;
        }
        if (strcmp(a, "--explain-config") == 0) {
            explain = true;
            continue;
        }
        int k = cli_sim_opt(&o, argc, argv, &i);
        if (k < 0)
            goto out;
        if (k == 0) {
            fprintf(stderr, "gilsim run: unknown option '%s'; see 'gilsim run --help'\n", a);
            goto out;
        }
    }
    if (json && csv) {
        fprintf(stderr, "gilsim run: --json and --csv cannot be combined\n");
        goto out;
    }
    SimError err;
    if (explain) {
        RunResult run;
        o.until = 0;
        if (cli_simulate(&o, &run, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            goto out;
        }
        char *text = sim_scenario_explain_config(run.sc);
        if (text)
            printf("%s\n", text);
        free(text);
        run_result_fini(&run);
        rc = EXIT_OK;
        goto out;
    }
    RunResult run;
    int s = cli_simulate(&o, &run, &err);
    if (s < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(s);
        goto out;
    }
    SimStats *st = sim_stats_compute(run.trace);
    if (!st) {
        fprintf(stderr, "gilsim run: out of memory\n");
        run_result_fini(&run);
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (json) {
        cJSON *rep = run_report_json(&run, st);
        char *text = cJSON_Print(rep);
        printf("%s\n", text);
        free(text);
        cJSON_Delete(rep);
    } else if (csv) {
        if (run_report_csv(stdout, &run, st) < 0) {
            fprintf(stderr, "gilsim run: out of memory\n");
            sim_stats_destroy(st);
            run_result_fini(&run);
            rc = EXIT_RUNTIME;
            goto out;
        }
    } else {
        run_report_text(stdout, &run, st);
    }
    rc = run.outcome == SIM_RUN_DEADLOCK ? EXIT_DEADLOCK : EXIT_OK;
    sim_stats_destroy(st);
    run_result_fini(&run);
out:
    cli_sim_opts_free(&o);
    return rc;
}

int cmd_validate(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: gilsim validate FILE [--set KEY=VALUE]...\n"
                   "       gilsim validate --schema-params\n\n"
                   "Checks a scenario without running it. Prints 'FILE: ok' (then a line\n"
                   "'FILE: warning: ...' for each thing that loads but looks wrong, such as a\n"
                   "thread declared \"start\": \"manual\" that nothing starts) or the first error\n"
                   "as FILE:LINE:COL: /json/pointer: message, and exits 0 or 2.\n\n"
                   "  --schema-params  print the JSON Schema of \"machine\" and \"python\" as the\n"
                   "                   loader checks them (tools/update_schema.py puts it in\n"
                   "                   scenarios/schema.json)\n");
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--schema-params") == 0) {
            char *text = sim_config_schema();
            if (text)
                printf("%s\n", text);
            free(text);
            cli_sim_opts_free(&o);
            return text ? EXIT_OK : EXIT_RUNTIME;
        }
        int k = cli_sim_opt(&o, argc, argv, &i);
        if (k < 0)
            goto out;
        if (k == 0) {
            fprintf(stderr, "gilsim validate: unknown option '%s'\n", argv[i]);
            goto out;
        }
    }
    if (!o.file) {
        fprintf(stderr, "gilsim validate: which file? usage: gilsim validate FILE\n");
        goto out;
    }
    char *path = cli_is_stdin(o.file) ? NULL : cli_find_scenario(o.file);
    SimScenario *sc = NULL;
    SimError err;
    if (cli_load_scenario(o.file, o.sets, o.n_sets, &sc, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = cli_exit_for(err.code);
    } else {
        printf("%s: ok\n", path ? path : o.file);
        /* What loads but looks wrong: a thread never started, a lock that
         * is one object per process... */
        const char *const *warn = NULL;
        int n = sim_scenario_warnings(sc, &warn);
        for (int i = 0; i < n; i++)
            printf("%s: warning: %s\n", path ? path : o.file, warn[i]);
        rc = EXIT_OK;
    }
    sim_scenario_destroy(sc);
    free(path);
out:
    cli_sim_opts_free(&o);
    return rc;
}
