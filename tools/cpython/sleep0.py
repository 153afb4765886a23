"""sleep0: how many time.sleep(0) calls a thread makes per second.

What: a thread calls time.sleep(0) in a loop for 1 s (0.3 s with --quick),
alone and beside one CPU-bound thread (`while running: n += 1`), at the
5 ms switch interval (2.7: its default check interval). Reported: calls
per second, and the p50 and p99 of the time one call takes (us).

How: the loop reads perf_counter around each call, so the figure includes
two clock reads per call (tens of ns, against microseconds per call).
The CPU-bound thread starts 50 ms before the loop.

Why: sleep(0) releases the GIL and takes it back. Alone that is a system
call and two uncontended GIL operations. Beside a CPU-bound thread that
grabs the released GIL, every call waits for the GIL to come back: up to a
switch interval under the new GIL, so about 1/5 ms = 200 calls a second.
"""
import common

NAME = "sleep0"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
running = True

def hog():
    n = 0
    while running:
        n += 1

def loop(duration, box):
    sleep = time.sleep
    times = []
    end = clock() + duration
    t1 = clock()
    while t1 < end:
        t0 = t1
        sleep(0)
        t1 = clock()
        times.append(t1 - t0)
    box.append(times)

if __name__ == "__main__":
    set_interval(0.005)
    hogs = [threading.Thread(target=hog) for _ in range(ARGS["hogs"])]
    for h in hogs:
        h.start()
    time.sleep(0.05)
    box = []
    t = threading.Thread(target=loop, args=(ARGS["duration"], box))
    t.start()
    t.join()
    running = False
    for h in hogs:
        h.join()
    times = box[0]
    us = [x * 1e6 for x in times]
    emit({"calls_per_s": len(times) / sum(times), "call_p50_us": percentile(us, 50),
          "call_p99_us": percentile(us, 99)})
'''


def run(py, version, quick, reps, log=print):
    configs = [{"hogs": h, "duration": 0.3 if quick else 1.0} for h in (0, 1)]
    rows = common.measure_configs(py, CODE, configs, reps, 60, log)
    for r in rows:
        r["version"] = version
        r["interval"] = "check100" if version == "2.7" else "5ms"
    return rows


def table(rows):
    lines = [[r["version"], r.get("hogs", "-"), r.get("interval", "-"), common.cell(r, "calls_per_s", True),
              common.cell(r, "call_p50_us"), common.cell(r, "call_p99_us")] for r in rows]
    return common.table(["version", "hogs", "interval", "calls/s [p10..p90]",
                         "call p50 us", "call p99 us"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
