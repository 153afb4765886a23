"""wake_cost_idle: what waking a sleeping thread costs a busy waker, by how
long the sleeper has been asleep.

What, per run (a fresh interpreter each): a helper thread blocks in
lock.acquire(); the main thread spins (holding the GIL, its CPU busy) for
`idle_us` after the helper last ran, times lock.release(), which must wake
the helper, and waits until the helper ran. 300 rounds (100 with --quick)
per idle time, 5, 50, 200 and 1000 us. Reported: the median release, in
microseconds, per idle time. A second row per version (waker_sleep_us
1000) has the main thread sleep 1 ms before it spins, as wake_cost.py's
waker does: the sleeper's idle time is then the spin plus that 1 ms.

Why: wake_cost.py times the same release from a waker that has itself
slept 1 ms (3.0-4.2 us), but inside a lock convoy cond_trace.py --lock
finds 4.4-7.1 us for a sleeper asleep some 20 us. The cost depends on the
state of both CPUs, and this shows how it moves with the sleeper's idle
time alone.
"""
import common

NAME = "wake_cost_idle"
VERSIONS = common.ALL_VERSIONS
IDLE_US = (5, 50, 200, 1000)

CODE = r'''
def release_cost(idle_us, n, waker_sleep_us):
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
    out = []
    for _ in xrange(n):
        if waker_sleep_us:
            time.sleep(waker_sleep_us * 1e-6)
        t0 = clock()
        while clock() - t0 < idle_us * 1e-6:
            pass                 # busy, holding the GIL, while the helper sleeps
        a = clock()
        gate.release()
        b = clock()
        out.append(b - a)
        ran.acquire()
    state["done"] = True
    gate.release()
    th.join()
    return percentile(out, 50) * 1e6

if __name__ == "__main__":
    emit(dict(("release_after_%d_us" % d, release_cost(d, ARGS["n"], ARGS["waker_sleep_us"]))
              for d in ARGS["idle_us"]))
'''


def run(py, version, quick, reps, log=print):
    rows = common.measure_configs(py, CODE, [{"n": 100 if quick else 300, "idle_us": list(IDLE_US), "waker_sleep_us": w}
                                                 for w in (0, 1000)], reps, 120,
                                  log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"], str(r.get("waker_sleep_us", 0))] +
             [common.cell(r, "release_after_%d_us" % d, True) for d in IDLE_US] for r in rows]
    return common.table(["version", "waker slept us"] + ["spin %d us" % d for d in IDLE_US], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
