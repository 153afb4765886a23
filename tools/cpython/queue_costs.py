#!/usr/bin/env python3
"""queue_costs: what a queue.Queue put or get costs, split where the
queue's mutex splits it, for gilsim's python.queue_op_cost (the Python run
while holding the mutex) and python.queue_call_cost (the rest of the call:
put() or get() itself, Condition.__enter__ before the mutex is taken,
__exit__ after it is let go).

What, per run (a fresh interpreter each), in one thread, CPU time
(time.process_time; time.clock on 2.7) per iteration less an empty loop's:
  whole   put(i); get() on an unbounded queue (Queue.Queue on 2.7)
  inside  the statements put and get run between taking and releasing the
          mutex (Lib/queue.py: the maxsize test, _put, unfinished_tasks += 1,
          not_empty.notify(); the _qsize test, _get, not_full.notify()),
          run with the mutex held so that notify() finds it owned
so  queue_op_cost = inside / 2  and  queue_call_cost = (whole - inside) / 2.

Why split: a forced GIL switch that lands inside the mutex turns the other
thread's next put or get into a real lock wait, and a thread woken from
that wait takes the mutex only if it finds it free: how much of each call
lies outside the mutex decides how often it does.

Usage: queue_costs.py [--runs N] [--versions 2.7,3.11]
Prints a table and, with --json, the rows. Run it on a quiet machine.
"""
import common

NAME = "queue_costs"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
try:
    import queue
except ImportError:
    import Queue as queue
try:
    cpu = time.process_time
except AttributeError:
    cpu = time.clock

def empty(q, n):
    for i in xrange(n):
        pass

def whole(q, n):
    put, get = q.put, q.get
    for i in xrange(n):
        put(i)
        get()

def inside(q, n):
    # Lib/queue.py's put and get bodies for an unbounded queue, blocking,
    # no timeout; `q` is a local as `self` is in the methods.
    for i in xrange(n):
        if q.maxsize > 0:
            pass
        q._put(i)
        q.unfinished_tasks += 1
        q.not_empty.notify()
        while not q._qsize():
            pass
        item = q._get()
        q.not_full.notify()

def per_iteration(f, q, n):
    f(q, 1000)
    t0 = cpu()
    f(q, n)
    return (cpu() - t0) / n

if __name__ == "__main__":
    n = ARGS["n"]
    q = queue.Queue()
    base = per_iteration(empty, q, n)
    w = per_iteration(whole, q, n) - base
    q.mutex.acquire()  # held, so that notify() finds it owned
    i = per_iteration(inside, q, n) - base
    q.mutex.release()
    emit({"whole_ns": w * 1e9, "inside_ns": i * 1e9,
          "queue_op_cost_ns": i / 2 * 1e9, "queue_call_cost_ns": (w - i) / 2 * 1e9})
'''

FIGURES = ["whole_ns", "inside_ns", "queue_op_cost_ns", "queue_call_cost_ns"]


def run(py, version, quick, reps, log=print):
    rows = common.measure_configs(py, CODE, [{"n": 50000 if quick else 300000}], reps, 120, log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"]] + [common.cell(r, k, True) for k in FIGURES] for r in rows]
    return common.table(["version", "put+get", "inside the mutex", "queue_op_cost", "queue_call_cost"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
