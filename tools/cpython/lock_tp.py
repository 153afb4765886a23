"""lock_tp: two threads adding 1 to a counter under a lock.

What: two threads each run `with lock: count += 1` n times (200 000; 50 000
with --quick), at the default switch interval (5 ms; 2.7: check interval
100); and, alone, one thread runs the same loop, and one `with lock: pass`.
form=acquire writes the block as `lock.acquire(); count += 1;
lock.release()` instead.
Reported: nanoseconds per locked increment with two threads (wall time of
both / all increments) and alone, `with lock: pass` alone, and the process's
CPU seconds per wall second with two threads (near 1: one thread at a time;
near 2: both busy, handing the lock over through the kernel).

Why: the lock is a glibc semaphore before 3.13. A switch that lands while
the lock is held makes the other thread block on it; every release then
wakes it, and once it holds the lock and waits for the GIL, the holder
blocks at its next acquire: a lock convoy, each increment a futex hand-over.
Before 3.10 the eval breaker is checked inside the `with` block; from 3.10
the next check after `count += 1` is the __exit__ call's, once the lock is
free, so the convoy never starts. But lock.acquire() is a call, and from
3.10 a call checks the eval breaker once it has returned: with the lock
held, so the explicit form can fall into the convoy on any version.
"""
import common

NAME = "lock_tp"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
import os
lock = threading.Lock()
count = [0]

def locked_with(n):
    c = count
    for _ in xrange(n):
        with lock:
            c[0] += 1

def locked_acquire(n):
    c = count
    for _ in xrange(n):
        lock.acquire()
        c[0] += 1
        lock.release()

def bare(n):
    for _ in xrange(n):
        with lock:
            pass

def timed(fn, n, threads):
    ts = [threading.Thread(target=fn, args=(n,)) for _ in range(threads)]
    c0, t0 = os.times(), clock()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    t1, c1 = clock(), os.times()
    return t1 - t0, (c1[0] + c1[1]) - (c0[0] + c0[1])

if __name__ == "__main__":
    n = ARGS["n"]
    locked = locked_acquire if ARGS["form"] == "acquire" else locked_with
    wall2, cpu2 = timed(locked, n, 2)
    wall1, _ = timed(locked, n, 1)
    wallp, _ = timed(bare, n, 1)
    assert count[0] == 3 * n
    emit({"ns_per_increment": 1e9 * wall2 / (2 * n), "ns_alone": 1e9 * wall1 / n,
          "with_pass_ns": 1e9 * wallp / n, "cpu_per_wall": cpu2 / wall2})
'''


def run(py, version, quick, reps, log=print):
    rows = common.measure_configs(py, CODE, [{"n": 50000 if quick else 200000, "form": f} for f in ("with", "acquire")], reps, 300, log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"], r.get("form", "with"), common.cell(r, "ns_per_increment", True), common.cell(r, "ns_alone"),
              common.cell(r, "with_pass_ns"), common.cell(r, "cpu_per_wall", True)] for r in rows]
    return common.table(["version", "form", "ns per increment, 2 threads [p10..p90]", "alone", "with: pass",
                         "CPU/wall [p10..p90]"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
