/*
 * cmd_explain.c - `gilsim explain`: what the viewer's explain panel says
 * at an instant of a run (what changed, why, what it causes next), the
 * run's named figures, or its lesson with those figures filled in.
 *
 * The text comes from the explanation engine (analysis/explain.h) the
 * viewer and the tests use, so what this prints is what a class sees.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "explain.h"
#include "figures.h"

static void explain_usage(FILE *f)
{
    fprintf(f,
            "usage: gilsim explain [FILE] --at TIME [--thread NAME] [--set KEY=VALUE]... [--seed N]\n"
            "                      [--until T]\n"
            "       gilsim explain [FILE] --figures | --lesson\n\n"
            "Simulates FILE (a scenario or the name of a bundled one; the built-in convoy\n"
            "scenario when omitted) and prints what the viewer's explain panel says with the\n"
            "cursor at TIME: what changed, why (from the record that caused it) and what it\n"
            "causes next.\n\n"
            "  --at TIME       the instant, e.g. 5.0259ms: the last change at or before it\n"
            "  --thread NAME   that thread's last change at or before TIME (NAME or\n"
            "                  PROCESS/NAME)\n"
            "  --figures       print the run's named figures instead, one 'name = value' a\n"
            "                  line: what lesson texts write as {name}\n"
            "  --lesson        print the scenario's lesson with the run's figures filled in\n"
            "  --set, --seed, --until  as for gilsim run\n\n"
            "Exit status: 0 printed, 1 nothing at that time, 2 invalid scenario or flags.\n");
}

/* Thread index by "name" or "process/name"; SIM_NONE when there is none. */
static uint32_t find_thread(const SimTrace *tr, const char *name)
{
    const char *slash = strchr(name, '/');
    for (uint32_t t = 0; t < sim_trace_thread_count(tr); t++) {
        const SimThreadInfo *ti = sim_trace_thread(tr, t);
        if (!slash) {
            if (strcmp(ti->name, name) == 0)
                return t;
            continue;
        }
        const SimProcessInfo *pi = sim_trace_process(tr, ti->process);
        size_t pl = (size_t)(slash - name);
        if (pi && strlen(pi->name) == pl && strncmp(pi->name, name, pl) == 0 && strcmp(ti->name, slash + 1) == 0)
            return t;
    }
    return SIM_NONE;
}

static int print_figures(const RunResult *run, bool lesson)
{
    SimStats *st = sim_stats_compute(run->trace);
    Figures f;
    if (!st || figures_compute(run->trace, st, &f) < 0) {
        sim_stats_destroy(st);
        fprintf(stderr, "gilsim explain: out of memory\n");
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    if (lesson) {
        StrBuf b = {0};
        char bad[96];
        int unknown = figures_template(&f, sim_scenario_lesson(run->sc), &b, bad, sizeof(bad));
        printf("%s\n", strbuf_str(&b));
        if (unknown) {
            fprintf(stderr, "gilsim explain: the lesson names an unknown figure {%s}\n", bad);
            rc = EXIT_USAGE;
        }
        strbuf_fini(&b);
    } else {
        for (int i = 0; i < f.n; i++) {
            char v[64];
            printf("%s = %s\n", f.v[i].key, figure_text(&f.v[i], v, sizeof(v)));
        }
    }
    figures_fini(&f);
    sim_stats_destroy(st);
    return rc;
}

int cmd_explain(int argc, char **argv)
{
    CliSimOpts o = {.until = SIM_TIME_NEVER};
    SimTime t = -1;
    const char *thread = NULL;
    bool figures = false, lesson = false;
    int rc = EXIT_USAGE;
    RunResult run = {0};
    Explainer *ex = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            explain_usage(stdout);
            cli_sim_opts_free(&o);
            return EXIT_OK;
        }
        if ((strcmp(a, "--at") == 0 || strcmp(a, "--thread") == 0) && !next) {
            fprintf(stderr, "gilsim explain: %s needs a value\n", a);
            goto out;
        }
        if (strcmp(a, "--at") == 0) {
            if (!cli_parse_time(next, &t)) {
                fprintf(stderr, "gilsim explain: --at '%s': expected a time, e.g. 5.0259ms\n", next);
                goto out;
            }
            i++;
        } else if (strcmp(a, "--thread") == 0) {
            thread = next;
            i++;
        } else if (strcmp(a, "--figures") == 0) {
            figures = true;
        } else if (strcmp(a, "--lesson") == 0) {
            lesson = true;
        } else {
            int k = cli_sim_opt(&o, argc, argv, &i);
            if (k < 0)
                goto out;
            if (k == 0) {
                fprintf(stderr, "gilsim explain: unknown option '%s'\n", a);
                goto out;
            }
        }
    }
    if (t < 0 && !figures && !lesson) {
        fprintf(stderr, "gilsim explain: say when: --at TIME (or --figures, --lesson)\n");
        goto out;
    }
    SimError err;
    if (cli_simulate(&o, &run, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = err.code == SIM_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
        goto out;
    }
    if (figures || lesson) {
        rc = print_figures(&run, lesson);
        goto out;
    }
    uint32_t th = SIM_NONE;
    if (thread && (th = find_thread(run.trace, thread)) == SIM_NONE) {
        fprintf(stderr, "gilsim explain: --thread '%s': no such thread in \xe2\x80\x9c%s\xe2\x80\x9d\n", thread,
                sim_scenario_name(run.sc));
        goto out;
    }
    if (explain_create(run.trace, &ex) < 0) {
        fprintf(stderr, "gilsim explain: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    size_t rec = explain_record_at(ex, t, th);
    if (rec == EXPLAIN_NONE) {
        fprintf(stderr, "gilsim explain: nothing happened%s%s at or before that time\n", thread ? " to " : "",
                thread ? thread : "");
        rc = EXIT_RUNTIME;
        goto out;
    }
    ExplainPanel p;
    explain_panel(ex, rec, &p);
    printf("%s\n", p.head);
    printf("Now:  %s\n", p.now);
    if (*p.why)
        printf("Why:  %s\n", p.why);
    if (*p.next)
        printf("Next: %s\n", p.next);
    rc = EXIT_OK;
out:
    explain_destroy(ex);
    run_result_fini(&run);
    cli_sim_opts_free(&o);
    return rc;
}
