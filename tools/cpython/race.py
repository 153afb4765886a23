"""race: lost updates of an unlocked `count += 1` shared by threads.

What: T threads (4 and 2) each add 1 to a global N times, with no lock:
  inline  for _ in range(n): count += 1           (`global count`)
  split   for _ in range(n): c = count; f(); count = c + 1   (def f(): pass)
at switch intervals 5 ms and 0.1 ms (2.7 has no switch interval; it runs
once with its default sys.setcheckinterval(100), shown as "check100").
Reported: N, the expected and final value, lost updates (expected - final),
lost updates per second of the run's wall time, the wall time, the process's
CPU time during the run, and the slowdown: wall time over the CPU time the
same T x N iterations take in one thread alone (the calibration below).

How: the threads wait on an Event so they start together; the wall time
runs from that Event to the last join. N is sized per version, variant and
thread count so that a run lasts about 1.5 s (0.3 s with --quick), from a
CPU-time calibration: one thread alone runs the same loop over 200 000
iterations, timed with thread_time (process CPU time where that is
missing), median of 5; that calibration is repeated and reported too
(ns per iteration), as a figure in its own right.

Why: whether an update is lost depends on where the interpreter may hand
the GIL over: between any two bytecodes before 3.10, only at backward
jumps and calls from 3.10 on. The split variant puts a call between the
read and the write, so it loses updates on every version.
"""
import common

NAME = "race"
VERSIONS = common.ALL_VERSIONS
CAL_N = 200000

CODE = r'''
count = 0

def f():
    pass

def inline(n):
    global count
    for _ in xrange(n):
        count += 1

def split(n):
    global count
    for _ in xrange(n):
        c = count
        f()
        count = c + 1

def calibrate(work, n):
    times = []
    for _ in range(5):
        box = []
        def one():
            t0 = cpu_clock()
            work(n)
            box.append(cpu_clock() - t0)
        t = threading.Thread(target=one)
        t.start()
        t.join()
        times.append(box[0])
    return percentile(times, 50) / n * 1e9

def race(work, n, k):
    global count
    import os
    count = 0
    go = threading.Event()
    def body():
        go.wait()
        work(n)
    ts = [threading.Thread(target=body) for _ in range(k)]
    for t in ts:
        t.start()
    c0 = sum(os.times()[:2])
    t0 = clock()
    go.set()
    for t in ts:
        t.join()
    wall = clock() - t0
    cpu = sum(os.times()[:2]) - c0
    lost = n * k - count
    return {"expected": n * k, "final": count, "lost": lost,
            "lost_pct": 100.0 * lost / (n * k), "lost_per_s": lost / wall,
            "wall_s": wall, "cpu_s": cpu}

if __name__ == "__main__":
    work = globals()[ARGS["variant"]]
    if ARGS.get("calibrate"):
        emit({"ns_per_iter": calibrate(work, ARGS["n"])})
    else:
        if ARGS["interval"]:
            set_interval(ARGS["interval"])
        emit(race(work, ARGS["n"], ARGS["threads"]))
'''


def run(py, version, quick, reps, log=print):
    target = 0.3 if quick else 1.5
    intervals = [None] if version == "2.7" else [0.005, 0.0001]
    rows = []
    for variant in ("inline", "split"):
        try:
            ns = common.run_snippet(py, CODE, {"variant": variant, "calibrate": True,
                                                "n": CAL_N}, timeout=60)["ns_per_iter"]
        except Exception as e:
            rows.append({"version": version, "variant": variant, "errors": [str(e)]})
            continue
        cal = common.measure_configs(
            py, CODE, [{"variant": variant, "calibrate": True, "n": CAL_N}], reps, 60, log)[0]
        configs = [{"variant": variant, "threads": k, "interval": iv,
                    "n": max(1000, int(target / (k * ns * 1e-9)))}
                   for k in (4, 2) for iv in intervals]
        for row in common.measure_configs(py, CODE, configs, reps, 120, log):
            row["version"] = version
            row["ns_per_iter"] = cal.get("ns_per_iter")
            if "wall_s" in row and isinstance(cal.get("ns_per_iter"), dict):
                alone = row["threads"] * row["n"] * cal["ns_per_iter"]["median"] * 1e-9
                row["slowdown"] = row["wall_s"]["median"] / alone
            row["interval"] = "check100" if row["interval"] is None else \
                "%gms" % (row["interval"] * 1e3)
            rows.append(row)
    return rows


def table(rows):
    lines = [[r["version"], r.get("variant", "-"), r.get("threads", "-"), r.get("interval", "-"),
              common.fmt(r.get("n")), common.cell(r, "ns_per_iter"), common.cell(r, "expected"),
              common.cell(r, "final"),
              common.cell(r, "lost", True), common.cell(r, "lost_pct"),
              common.cell(r, "lost_per_s", True), common.cell(r, "wall_s"),
              common.cell(r, "cpu_s"), common.fmt(r.get("slowdown"))]
             for r in rows]
    return common.table(["version", "variant", "thr", "interval", "N/thread", "ns/iter",
                         "expected", "final",
                         "lost [p10..p90]", "lost %", "lost/s [p10..p90]", "wall s", "cpu s",
                         "slowdown"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
