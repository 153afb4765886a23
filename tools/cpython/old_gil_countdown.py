#!/usr/bin/env python3
"""old_gil_countdown: Beazley's countdown on the old GIL (CPython 2.7),
one thread against two, at several check intervals, beside gilsim.

What, per run (a fresh interpreter each): `while n > 0: n -= 1` for 20
million iterations, either in the main thread alone or split between two
threads started together, with sys.setcheckinterval(check) (100 is 2.7's
default), on every CPU or pinned to one (sched_setaffinity through ctypes,
which 2.7's os module lacks):
  wall_s     from the first start to the last join
  user_s     the process's user CPU time
  sys_s      ... and its system CPU time (the futex calls of the battle)
and, with two threads at the default check interval, in a loop that also
marks which thread ran last (half the iterations, as the loop is slower):
  switches_per_s  hand-overs a second: iterations that find the other
                  thread's mark, so the GIL came from it
The table gives the two-thread runs as a multiple of the one-thread run at
the same check interval, and gilsim's simulation of the same thing: the
same Python version, cores and check interval, each thread's work half of
the one-thread run's measured time (its CPU-time calibration; nothing else
is set).

Why: gilsim's old-GIL costs (python.old_signal_cost, old_contention_cost)
are calibrated on Beazley's figures for Python 2.6 on a 2010 Mac, where two
threads on four cores took twice as long as one. On Linux with glibc the
lock under the old GIL is a semaphore, and the same program runs several
times slower with two threads; this measures how much, on this machine.
"""
import json
import os
import subprocess
import sys

import common

NAME = "old_gil_countdown"
VERSIONS = ["2.7"]
ITERATIONS = 20000000

CODE = r'''
import ctypes, os

def pin_to_one_cpu():
    libc = ctypes.CDLL(None, use_errno=True)
    mask = ctypes.c_ulong(1)
    if libc.sched_setaffinity(0, ctypes.sizeof(mask), ctypes.byref(mask)) != 0:
        raise OSError(ctypes.get_errno(), "sched_setaffinity")

def count(n):
    while n > 0:
        n -= 1

last = [None]
switches = [0]

def count_switches(n, me):
    """The countdown that also counts hand-overs: an iteration that finds
    the other thread's mark got the GIL from it (a slower loop, so its own
    runs)."""
    l = last
    s = 0
    while n > 0:
        n -= 1
        if l[0] != me:
            l[0] = me
            s += 1
    switches[0] += s - 1

if __name__ == "__main__":
    n, threads = ARGS["n"], ARGS["threads"]
    if ARGS["pinned"]:
        pin_to_one_cpu()
    sys.setcheckinterval(ARGS["check"])
    t0, c0 = clock(), os.times()
    if threads == 1:
        count(n)
    else:
        f, args = (count_switches, lambda i: (n // threads, i)) if ARGS["counted"] else (count, lambda i: (n // threads,))
        ts = [threading.Thread(target=f, args=args(i)) for i in xrange(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    c1 = os.times()
    wall = clock() - t0
    out = {"wall_s": wall, "user_s": c1[0] - c0[0], "sys_s": c1[1] - c0[1]}
    if ARGS["counted"]:
        out["switches_per_s"] = switches[0] / wall
    emit(out)
'''

CHECKS = [100, 1000, 10000]


def run(py, version, quick, reps, log=print):
    n = ITERATIONS // 4 if quick else ITERATIONS
    configs = [{"n": n, "threads": th, "check": ck, "pinned": pin, "counted": False}
               for pin in (False, True) for ck in CHECKS for th in (1, 2)]
    configs += [{"n": n // 2, "threads": 2, "check": 100, "pinned": pin, "counted": True} for pin in (False, True)]
    rows = common.measure_configs(py, CODE, configs, reps, 300, log)
    for r in rows:
        r["version"] = version
    return rows


def simulate(version, cores, check, per_thread_s):
    """gilsim's makespan of two threads of per_thread_s CPU work each, and
    their hand-overs per second."""
    gilsim = os.environ.get("GILSIM") or os.path.join(common.HERE, "..", "..", "build", "gilsim")
    sc = {"name": "countdown", "machine": {"cores": cores},
          "python": {"version": version, "check_interval": check},
          "processes": [{"name": "main", "threads": [
              {"name": "t%d" % i, "program": [{"cpu": "%.6fs" % per_thread_s}]} for i in (1, 2)]}]}
    p = subprocess.run([gilsim, "run", "-", "--json"], input=json.dumps(sc), stdout=subprocess.PIPE,
                       universal_newlines=True, check=True)
    r = json.loads(p.stdout)
    makespan = r["sim_time_ns"] / 1e9
    return makespan, r["processes"][0]["gil"]["switches"] / makespan


def table(rows):
    by = {}
    for r in rows:
        by[(r["version"], r["pinned"], r["check"], r["threads"], r["counted"])] = r
    lines = []
    for (version, pinned, check, threads, counted), r in sorted(by.items()):
        one = by.get((version, pinned, check, 1, False), {}).get("wall_s")
        if threads != 2 or "wall_s" not in r or not one:
            continue
        alone = one["median"]
        sim, sim_rate = simulate(version, 1 if pinned else os.cpu_count(), check, alone / 2)
        cpus = "1 (pinned)" if pinned else "all"
        if counted:
            lines.append([version, cpus, str(check), "hand-overs/s", common.cell(r, "switches_per_s", True),
                          common.fmt(sim_rate)])
        else:
            lines.append([version, cpus, str(check), "2 threads / 1",
                          "%s (%s s, sys %s s)" % (common.fmt(r["wall_s"]["median"] / alone),
                                                   common.cell(r, "wall_s", True), common.cell(r, "sys_s")),
                          common.fmt(sim / alone)])
    return common.table(["version", "CPUs", "check", "figure", "CPython", "gilsim"], lines)


if __name__ == "__main__":
    common.standalone(sys.modules[__name__])
