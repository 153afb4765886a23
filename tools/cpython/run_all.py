#!/usr/bin/env python3
"""run_all: run every CPython measurement and write one JSON results file.

    python3 tools/cpython/run_all.py [--quick] [--versions 3.9,3.10,3.11]
        [--cases race,sleep_delay,...] [--reps N] [-o results/DATE.json]
        [--wait-quiet MINUTES] [--strict]
    python3 tools/cpython/run_all.py --show results/DATE.json

Runs the cases race, sleep_delay, sleep0, queue_tp, lock_tp and start_join (one
module each beside this file; their docstrings say what they measure and
why) on each requested interpreter from ~/.pyenv/versions, each figure
from at least 5 runs (3 with --quick, which also shortens every run).
Writes results/DATE.json beside this file, with the machine (nproc, CPU
model, kernel, glibc), every interpreter's exact version, the load before
and after each case and the whole run, and whether the machine was quiet;
prints a table per case and writes the same text to results/DATE.txt.

Timing is only meaningful on an otherwise idle machine: the 1-minute load
average is checked first. --wait-quiet waits up to that many minutes for
it to fall to 0.5; --strict then refuses to run on a busy machine, and
otherwise the run goes on and is marked noisy (top-level "quiet": false).
"""
import argparse
import datetime
import json
import os
import sys
import time

import common
import lock_tp
import queue_tp
import race
import sleep0
import sleep_delay
import start_join

CASES = [race, sleep_delay, sleep0, queue_tp, lock_tp, start_join]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs, 3 repetitions")
    ap.add_argument("--versions", default=",".join(common.ALL_VERSIONS))
    ap.add_argument("--cases", default=",".join(c.NAME for c in CASES))
    ap.add_argument("--reps", type=int, help="runs per figure (default 5, quick 3)")
    ap.add_argument("-o", "--output", help="JSON file (default results/DATE.json)")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="MINUTES")
    ap.add_argument("--strict", action="store_true", help="refuse to run on a busy machine")
    ap.add_argument("--show", metavar="JSON", help="print the tables of a results file and exit")
    a = ap.parse_args()
    if a.show:
        with open(a.show) as f:
            print(report(json.load(f)))
        return
    reps = a.reps or (3 if a.quick else 5)
    if reps < 5 and not a.quick:
        ap.error("a full run needs at least 5 runs per figure")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    quiet_at_start = common.check_load(a.strict, a.wait_quiet, log)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M")
    out = a.output or os.path.join(common.HERE, "results", stamp + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    started = time.time()
    total = common.LoadProbe()
    versions = {}
    for v in a.versions.split(","):
        py = common.interpreter(v)
        versions[v] = dict(path=py, **common.interpreter_version(py)) if py else \
            {"error": "no interpreter for %s under %s" % (v, common.PYENV)}
    result = {"created": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": " ".join(sys.argv), "quick": a.quick, "reps": reps,
              "machine": common.machine_info(), "driver": sys.version.split()[0],
              "interpreters": versions, "cases": {}}
    names = a.cases.split(",")
    for case in [c for c in CASES if c.NAME in names]:
        probe = common.LoadProbe(check_before=False)
        rows = []
        for v, info in versions.items():
            if "error" in info:
                rows.append({"version": v, "errors": [info["error"]]})
                continue
            log("%s %s (%.0f s so far, load %.2f)" % (case.NAME, v, time.time() - started,
                                                       common.LoadProbe.loadavg()[0]))
            try:
                rows += case.run(info["path"], v, a.quick, reps, log)
            except Exception as e:  # a case that breaks on one version is reported
                rows.append({"version": v, "errors": [repr(e)]})
        result["cases"][case.NAME] = {"load": probe.finish(), "rows": rows}
        with open(out, "w") as f:  # partial results survive an interrupted run
            json.dump(result, f, indent=1)
    result["load"] = total.finish()
    result["duration_s"] = round(time.time() - started)
    result["quiet"] = quiet_at_start and all(c["load"]["quiet"]
                                             for c in result["cases"].values())
    with open(out, "w") as f:
        json.dump(result, f, indent=1)

    text = report(result)
    with open(os.path.splitext(out)[0] + ".txt", "w") as f:
        f.write(text + "\n")
    print(text)
    log("wrote %s" % out)


def report(r):
    """The readable tables of a results dict."""
    text = [report_header(r)]
    for case in [c for c in CASES if c.NAME in r["cases"]]:
        c = r["cases"][case.NAME]
        text.append("\n== %s  (other processes used %.2f cores meanwhile%s)\n%s" % (
            case.NAME, c["load"]["other_cpu_cores"], "" if c["load"]["quiet"] else "; NOISY",
            case.table(c["rows"])))
        for row in c["rows"]:
            for e in sorted(set(row.get("errors", []))):
                text.append("  error on %s: %s" % (row["version"], e))
    return "\n".join(text)


def report_header(r):
    m, ld = r["machine"], r.get("load") or {"loadavg_before": "?", "loadavg_after": "?",
                                             "other_cpu_cores": -1, "steal_cores": -1}
    lines = ["CPython measurements %s%s: %d runs per figure, median [p10..p90] across runs"
             % (r["created"], " (quick)" if r["quick"] else "", r["reps"]),
             "machine: %d x %s, kernel %s, %s" % (m["nproc"], m["cpu_model"], m["kernel"],
                                                   m["glibc"]),
             "load average before %s, after %s; other processes %.2f cores, steal %.2f; %s"
             % (ld["loadavg_before"], ld["loadavg_after"], ld["other_cpu_cores"],
                ld["steal_cores"], "QUIET" if r.get("quiet") else "NOISY (machine was busy)"),
             "interpreters: " + ", ".join(i.get("version", "?") for i in r["interpreters"].values())]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
