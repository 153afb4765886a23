#!/usr/bin/env python3
"""thread_pieces: where the time of a thread's start() and join() goes, in
CPU time of each side, for the next step of python.thread_start_cost.

What, per run (a fresh interpreter each), 2,000 cycles of
threading.Thread(target=f); start(); join() after 200 to warm up, f
reading the new thread's own CPU clock (3.7+: time.thread_time):
  cycle_wall_us    wall time of a cycle
  process_cpu_us   CPU time of the whole process per cycle
  main_cpu_us      the main thread's CPU time per cycle (3.7+)
  child_cpu_us     the rest: the new thread's CPU time per cycle (3.7+)
  child_boot_us    the new thread's CPU time from its creation until its
                   target runs (3.7+): the C bootstrap, take_gil and
                   Thread._bootstrap_inner up to run()
  ctor_us          threading.Thread(target=f) alone, main thread CPU
and, from a second loop whose target spins 300 us (so that the main
thread, woken by the _started event, is certainly asleep on the GIL when
the target ends):
  end_to_start_us  from the target's last statement until start() returns
                   in the main thread: the new thread's exit, its drop of
                   the GIL and the main thread's wake-up

Why: gilsim charges a thread's start as one C call in the parent
(python.thread_start_cost) and its exit as nothing. The figures here show
that the two threads' CPU times add up to about the wall time of a cycle
(they rarely run at once and are rarely both idle), that the new thread's
own CPU is 40-60 % of it, and that from 3.11 its exit after the target
costs as much as its start-up before it. A model of the pieces needs
these; the whole start+join is measured by start_join.py.
"""
import common

NAME = "thread_pieces"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
process_cpu = getattr(time, "process_time", None) or time.clock
thread_cpu = getattr(time, "thread_time", None)
boot = [0.0]
marks = [0.0]

def target():
    if thread_cpu:
        boot[0] += thread_cpu()

def spin():
    e = clock() + 0.0003
    while clock() < e:
        pass
    marks[0] = clock()

def cycles(n, f, start=True):
    boot[0] = 0.0
    c0, w0 = process_cpu(), clock()
    m0 = thread_cpu() if thread_cpu else 0.0
    for _ in xrange(n):
        t = threading.Thread(target=f)
        if start:
            t.start()
            t.join()
    m1 = thread_cpu() if thread_cpu else 0.0
    return ((clock() - w0) / n * 1e6, (process_cpu() - c0) / n * 1e6, (m1 - m0) / n * 1e6, boot[0] / n * 1e6)

def end_to_start(n):
    out = []
    for _ in xrange(n):
        t = threading.Thread(target=spin)
        t.start()
        out.append(clock() - marks[0])
        t.join()
    return percentile(out, 50) * 1e6

if __name__ == "__main__":
    n = ARGS["n"]
    cycles(200, target)
    wall, proc, main, child_boot = cycles(n, target)
    ctor = cycles(n, target, start=False)[2]
    r = {"cycle_wall_us": wall, "process_cpu_us": proc, "end_to_start_us": end_to_start(n // 4)}
    if thread_cpu:
        r.update({"main_cpu_us": main, "child_cpu_us": proc - main, "child_boot_us": child_boot,
                  "ctor_us": ctor})
    emit(r)
'''

FIGURES = ["cycle_wall_us", "process_cpu_us", "main_cpu_us", "child_cpu_us", "child_boot_us", "ctor_us",
           "end_to_start_us"]


def run(py, version, quick, reps, log=print):
    rows = common.measure_configs(py, CODE, [{"n": 400 if quick else 2000}], reps, 120, log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"]] + [common.cell(r, k, True) for k in FIGURES] for r in rows]
    return common.table(["version", "cycle wall", "process CPU", "main CPU", "child CPU", "child boot",
                         "Thread()", "target end -> start()"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
