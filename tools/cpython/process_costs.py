#!/usr/bin/env python3
"""process_costs: the pieces of an os.fork() and of a multiprocessing
start by each method, each timed alone, for gilsim's python.* process
costs:

  os.fork      fork_cost, os_fork_child_cost, fork_exit_cost
  mp fork      mp_fork_start_cost, fork_child_cost (its exit: fork_exit_cost)
  spawn        ipc_cost (the parent's start()), spawn_cost, spawn_exit_cost
  forkserver   ipc_cost, forkserver_cost (its exit: fork_exit_cost)

What, per run (a fresh interpreter each):
  fork  os.fork() of a child that stamps the time (perf_counter, one clock
        for every process) down a pipe and calls os._exit(0); 200 times
        (50 with --quick). Pieces: the fork returning in the parent; from
        that return until the child runs Python; from the child's stamp
        until os.waitpid() returns in the parent.
  mp    multiprocessing.Process(target=stamp) with each start method
        (fork, spawn, forkserver; 2.7 has fork only), 30 times (8) after
        one that is not counted. Pieces: start() in the parent; from
        start()'s return until the target runs; from the target's stamp
        (sent down a multiprocessing Pipe) until join() returns (the
        child's exit).
The program imports no more than start_join.py's does, because a fork's
cost grows with the parent's memory: these are the pieces of the very
processes start_join.py times whole.

Why pieces: gilsim charges each where it falls (the parent holding its
GIL, the child before its first bytecode, the child's exit before a join
returns), so a timeline shows who waits for what; start_join.py's totals
are then a check of the sum that no piece was fitted to.
"""
import common

NAME = "process_costs"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
import os

def stamp(w):
    os.write(w, repr(clock()).encode())
    os._exit(0)

def fork_pieces(n):
    parent, child, exit_ = [], [], []
    r, w = os.pipe()
    for _ in xrange(n):
        a = clock()
        pid = os.fork()
        if pid == 0:
            stamp(w)
        b = clock()
        t = float(os.read(r, 64))
        os.waitpid(pid, 0)
        c = clock()
        parent.append(b - a)
        child.append(max(0.0, t - b))
        exit_.append(c - t)
    return {"fork_cost_us": percentile(parent, 50) * 1e6,
            "os_fork_child_cost_us": percentile(child, 50) * 1e6,
            "fork_exit_cost_us": percentile(exit_, 50) * 1e6}

def target(conn):
    conn.send(clock())
    conn.close()

def mp_pieces(method, n):
    import multiprocessing  # 2.7 has no get_context; its only method is fork
    ctx = multiprocessing.get_context(method) if hasattr(multiprocessing, "get_context") else multiprocessing
    start, child, exit_ = [], [], []
    for i in xrange(n + 1):
        r, w = ctx.Pipe(False)  # a spawned child inherits no plain fd
        p = ctx.Process(target=target, args=(w,))
        a = clock()
        p.start()
        b = clock()
        t = r.recv()
        p.join()
        c = clock()
        if i:
            start.append(b - a)
            child.append(max(0.0, t - b))
            exit_.append(c - t)
    return {method + "_start_us": percentile(start, 50) * 1e6,
            method + "_child_us": percentile(child, 50) * 1e6,
            method + "_exit_us": percentile(exit_, 50) * 1e6}

if __name__ == "__main__":
    emit(fork_pieces(ARGS["n"]) if ARGS["case"] == "os.fork" else mp_pieces(ARGS["case"], ARGS["n"]))
'''

FIGURES = ["fork_cost_us", "os_fork_child_cost_us", "fork_exit_cost_us"] + [
    "%s_%s_us" % (m, piece) for m in ("fork", "spawn", "forkserver") for piece in ("start", "child", "exit")]


def run(py, version, quick, reps, log=print):
    configs = [{"case": "os.fork", "n": 50 if quick else 200}]
    configs += [{"case": m, "n": 8 if quick else 30}
                for m in (["fork"] if version == "2.7" else ["fork", "spawn", "forkserver"])]
    rows = common.measure_configs(py, CODE, configs, reps, 180, log)
    merged = {"version": version}
    for r in rows:
        merged.update({k: v for k, v in r.items() if k in FIGURES or k == "error"})
    return [merged]


def table(rows):
    lines = [[r["version"]] + [common.cell(r, k) for k in FIGURES] for r in rows]
    return common.table(["version", "os.fork", "child", "exit"] +
                        ["%s %s" % (m, piece) for m in ("mp-fork", "spawn", "forkserver")
                         for piece in ("start", "child", "exit")], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
