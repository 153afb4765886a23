"""sleep_delay: how late a 1 ms sleep returns beside CPU-bound threads.

What: one I/O thread loops time.sleep(0.001) 500 times (100 with --quick)
beside 0, 1 or 2 CPU-bound threads (`while running: n += 1`), at switch
intervals 1, 5 and 20 ms (2.7: its default check interval, "check100").
Reported: the extra delay of each sleep (elapsed by perf_counter minus
1 ms) at p50, p90 and p99 in microseconds, the I/O thread's operations per
second (sleeps / loop time), and, on 3.7+ where thread_time exists, the
CPU-bound threads' CPU time over their wall time (hog_cpu_share).

How: the CPU-bound threads start first and run 50 ms before the I/O thread
starts; the main thread only joins. Percentiles are per run, over its 500
sleeps; the table gives their median (and spread) across runs.

Why: with 0 CPU-bound threads the extra delay is the OS's timer slack and
wake-up latency. With a CPU-bound thread holding the GIL, the sleeper that
wakes must wait for the GIL: under the new GIL (3.2+) it waits one switch
interval before it may ask for a drop (the convoy effect), so the extra
delay should track the interval; 2.7's old GIL behaves differently.
"""
import common

NAME = "sleep_delay"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
running = True

def hog(out):
    n = 0
    w0, c0 = clock(), cpu_clock()
    while running:
        n += 1
    out.append((clock() - w0, cpu_clock() - c0))

def io(n, delays, box):
    sleep = time.sleep
    start = clock()
    for _ in xrange(n):
        t0 = clock()
        sleep(0.001)
        delays.append(clock() - t0 - 0.001)
    box.append(clock() - start)

if __name__ == "__main__":
    if ARGS["interval"]:
        set_interval(ARGS["interval"])
    hog_out, delays, box = [], [], []
    hogs = [threading.Thread(target=hog, args=(hog_out,)) for _ in range(ARGS["hogs"])]
    for t in hogs:
        t.start()
    time.sleep(0.05)
    t = threading.Thread(target=io, args=(ARGS["n"], delays, box))
    t.start()
    t.join()
    running = False
    for h in hogs:
        h.join()
    us = [d * 1e6 for d in delays]
    r = {"extra_p50_us": percentile(us, 50), "extra_p90_us": percentile(us, 90),
         "extra_p99_us": percentile(us, 99), "ops_per_s": len(us) / box[0]}
    if hogs and hasattr(time, "thread_time"):
        r["hog_cpu_share"] = sum(c / w for w, c in hog_out) / len(hog_out)
    emit(r)
'''


def run(py, version, quick, reps, log=print):
    intervals = [None] if version == "2.7" else [0.001, 0.005, 0.02]
    configs = [{"hogs": h, "interval": iv, "n": 100 if quick else 500}
               for h in (0, 1, 2) for iv in intervals]
    rows = common.measure_configs(py, CODE, configs, reps, 300, log)
    for r in rows:
        r["version"] = version
        r["interval"] = "check100" if r["interval"] is None else "%gms" % (r["interval"] * 1e3)
    return rows


def table(rows):
    lines = [[r["version"], r.get("hogs", "-"), r.get("interval", "-"),
              common.cell(r, "extra_p50_us", True), common.cell(r, "extra_p90_us", True),
              common.cell(r, "extra_p99_us"), common.cell(r, "ops_per_s", True),
              common.cell(r, "hog_cpu_share")] for r in rows]
    return common.table(["version", "hogs", "interval", "extra p50 us [p10..p90]",
                         "extra p90 us [p10..p90]", "p99 us", "I/O ops/s [p10..p90]",
                         "hog cpu share"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
