#!/usr/bin/env python3
"""wake_cost: what waking a sleeping thread costs the thread that wakes it,
for gilsim's machine.wake_cost.

What, per run (a fresh interpreter each): a helper thread sleeps in
lock.acquire() (its CPU idle, the GIL released); the main thread waits
1 ms, times lock.release() (a sem_post that must wake the sleeper: a
futex system call and an interrupt to the sleeper's CPU), then waits for
the helper to signal that it ran; and times the release of a lock nobody
waits for. 300 rounds (100 with --quick). Reported: the median of each,
and their difference, in microseconds.

Why: every release, notify, set or put that wakes a blocked thread pays
this in the waker, holding the GIL; a producer and a consumer that wake
each other item by item pay it on every item.
"""
import common

NAME = "wake_cost"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
def main(n):
    gate = threading.Lock()
    gate.acquire()
    ran = threading.Lock()
    ran.acquire()
    state = {"done": False}

    def helper():
        while True:
            gate.acquire()       # asleep until the main thread releases it
            if state["done"]:
                return
            ran.release()

    th = threading.Thread(target=helper)
    th.start()
    waking, idle = [], []
    for _ in xrange(n):
        time.sleep(0.001)
        a = clock()
        gate.release()
        b = clock()
        waking.append(b - a)
        ran.acquire()
        x = threading.Lock()
        x.acquire()
        a = clock()
        x.release()
        b = clock()
        idle.append(b - a)
    state["done"] = True
    time.sleep(0.002)
    gate.release()
    th.join()
    w, i = percentile(waking, 50) * 1e6, percentile(idle, 50) * 1e6
    return {"release_waking_us": w, "release_idle_us": i, "wake_cost_us": w - i}

if __name__ == "__main__":
    emit(main(ARGS["n"]))
'''

FIGURES = ["release_waking_us", "release_idle_us", "wake_cost_us"]


def run(py, version, quick, reps, log=print):
    rows = common.measure_configs(py, CODE, [{"n": 100 if quick else 300}], reps, 120, log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"]] + [common.cell(r, k, True) for k in FIGURES] for r in rows]
    return common.table(["version", "release waking a sleeper", "release, nobody waiting", "wake cost"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
