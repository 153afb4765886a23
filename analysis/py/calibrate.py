# gilsim calibrate: measures this machine and interpreter, and prints the
# figures as JSON for `gilsim calibrate`, which keeps those whose key is a
# parameter of the scenario's "machine" or "python" section and writes
# them as a profile.
#
# Each figure is one entry of MEASUREMENTS: the parameter's key, the kind
# of value ("duration", or "distribution" for a spread the model draws
# from), how many samples, and a function returning the samples in
# seconds. Adding a parameter gilsim should calibrate is adding an entry;
# an entry whose key is not (or no longer) a parameter is reported and
# left out of the profile.
#
# Every figure is the median of repeated samples, with its 10th and 90th
# percentiles; the machine's load moves them, so run it on a quiet machine.
# Runs on CPython 3.6 and later (and 2.7, with fewer figures).
from __future__ import print_function

import json
import os
import pickle
import select
import sys
import threading
import time

try:
    import multiprocessing
except ImportError:
    multiprocessing = None

_clock = getattr(time, "perf_counter", time.time)
if hasattr(time, "thread_time"):
    _cpu = time.thread_time
elif hasattr(time, "clock_gettime") and hasattr(time, "CLOCK_THREAD_CPUTIME_ID"):
    def _cpu():
        return time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
else:
    _cpu = time.clock


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


# ---- What is measured --------------------------------------------------------

def wake_latency(n):
    """A lock released by one thread until the thread blocked on it runs
    Python again (futex wake-up, scheduling, taking the free GIL), the
    waiter's CPU busy a moment before: a signal's wake-up."""
    go, back = threading.Lock(), threading.Lock()
    go.acquire()
    back.acquire()
    sent = [0.0]
    out = []

    def waiter():
        for _ in range(n):
            go.acquire()
            out.append(_clock() - sent[0])
            back.release()

    t = threading.Thread(target=waiter)
    t.start()
    for _ in range(n):
        end = _clock() + 0.00005
        while _clock() < end:  # the waiter has just blocked
            pass
        sent[0] = _clock()
        go.release()
        back.acquire()      # blocks, releasing the GIL
    t.join()
    return out


def _timer_slack_s():
    """The kernel's timer slack for this thread: Linux lets a timer that
    ends a sleep or a timed wait fire this much late, to batch wake-ups."""
    try:
        with open("/proc/self/timerslack_ns") as f:
            return int(f.read()) * 1e-9
    except (OSError, ValueError):
        return 50e-6


def timer_slack(n):
    """The slack itself, read from the kernel (one sample is exact)."""
    return [_timer_slack_s()]


def timer_latency(n):
    """How late time.sleep(1 ms) returns beyond the timer slack: the wake-up
    of a thread whose CPU went idle while it slept."""
    slack = _timer_slack_s()
    return [max(0.0, x - slack) for x in sleep_overshoot(n)]


def _pin(cpu):
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, [cpu])


def context_switch(n):
    """Two processes on one CPU passing a byte back and forth through
    pipes: half a round trip, less the pipe calls themselves."""
    if not hasattr(os, "fork") or not hasattr(os, "sched_getaffinity"):
        return []
    cpu = sorted(os.sched_getaffinity(0))[0]
    old = os.sched_getaffinity(0)
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    rounds = 200
    pid = os.fork()
    if pid == 0:
        _pin(cpu)
        for _ in range(n * rounds + 1):
            os.read(r1, 1)
            os.write(w2, b"x")
        os._exit(0)
    _pin(cpu)
    os.write(w1, b"x")
    os.read(r2, 1)
    r3, w3 = os.pipe()
    out = []
    for _ in range(n):
        t = _clock()
        for _ in range(rounds):
            os.write(w3, b"x")
            os.read(r3, 1)
        calls = (_clock() - t) / rounds  # one write and one read, no switch
        t = _clock()
        for _ in range(rounds):
            os.write(w1, b"x")
            os.read(r2, 1)
        trip = (_clock() - t) / rounds
        out.append(max(0.0, (trip - 2 * calls) / 2))
    os.waitpid(pid, 0)
    os.sched_setaffinity(0, old)
    for fd in (r1, w1, r2, w2, r3, w3):
        os.close(fd)
    return out


def _noop():
    pass


def _release_waking(n, before):
    """lock.release() that wakes a thread asleep in acquire(), less a
    release nobody waits for: the futex wake and the interrupt. before()
    runs ahead of each release, while the other thread sleeps."""
    gate, ran = threading.Lock(), threading.Lock()
    gate.acquire()
    ran.acquire()
    done = []

    def helper():
        while True:
            gate.acquire()
            if done:
                return
            ran.release()

    th = threading.Thread(target=helper)
    th.start()
    out = []
    for _ in range(n):
        before()
        a = _clock()
        gate.release()
        b = _clock()
        ran.acquire()
        x = threading.Lock()
        x.acquire()
        c = _clock()
        x.release()
        out.append(max(0.0, (b - a) - (_clock() - c)))
    done.append(1)
    time.sleep(0.002)
    gate.release()
    th.join()
    return out


def wake_cost(n):
    """The release, by a thread that has itself just slept 1 ms."""
    return _release_waking(n, lambda: time.sleep(0.001))


def short_sleep_wake_cost(n):
    """The release, to a thread that went to sleep 20 us before, by a
    thread busy since: as two threads handing a lock back and forth."""
    def spin():
        t0 = _clock()
        while _clock() - t0 < 20e-6:
            pass
    return _release_waking(n, spin)


def thread_start(n):
    """Thread.start(): until the new thread has started (it then holds the GIL)."""
    out = []
    for _ in range(n):
        t = threading.Thread(target=_noop)
        a = _clock()
        t.start()
        out.append(_clock() - a)
        t.join()
    return out


def thread_join(n):
    """Thread.join() of a thread that has finished its work: its exit."""
    out = []
    for _ in range(n):
        done = threading.Event()
        t = threading.Thread(target=done.set)
        t.start()
        done.wait()
        a = _clock()
        t.join()
        out.append(_clock() - a)
    return out


def _fork_pieces(n):
    """os.fork() of a child that stamps the time and calls os._exit(0), n
    times: (the fork returning in the parent, from that return until the
    child runs Python, from the child's stamp until waitpid returns)."""
    parent, child, exit_ = [], [], []
    r, w = os.pipe()
    for _ in range(n):
        a = _clock()
        pid = os.fork()
        if pid == 0:
            os.write(w, repr(_clock()).encode())
            os._exit(0)
        b = _clock()
        t = float(os.read(r, 64))
        os.waitpid(pid, 0)
        parent.append(b - a)
        child.append(max(0.0, t - b))
        exit_.append(_clock() - t)
    os.close(r)
    os.close(w)
    return parent, child, exit_


def fork_parent(n):
    """os.fork() in the parent: the copy of the process."""
    return _fork_pieces(n)[0]


def fork_child(n):
    """A child of os.fork(): from the fork's return in the parent until
    the child runs Python (its copy's page faults, the after-fork hooks)."""
    return _fork_pieces(n)[1]


def fork_exit(n):
    """A forked child's exit: from its os._exit until the parent's
    os.waitpid() returns."""
    return _fork_pieces(n)[2]


def _child_clock(conn):
    conn.send(_clock())
    conn.close()


def _start_method(method, n, warm):
    """multiprocessing start with `method`: (until the child runs Python,
    the parent's start() call, the parent's join() once the child's work
    is done), samples after `warm` starts."""
    ctx = multiprocessing.get_context(method)
    child, parent, join = [], [], []
    for i in range(n + warm):
        r, w = ctx.Pipe(False)
        p = ctx.Process(target=_child_clock, args=(w,))
        a = _clock()
        p.start()
        b = _clock()
        t = r.recv()
        c = _clock()
        p.join()
        if i >= warm:
            child.append(t - a)
            parent.append(b - a)
            join.append(_clock() - c)
    return child, parent, join


def spawn_start(n):
    """A spawned child: a fresh interpreter, until it runs the target."""
    return _start_method("spawn", n, 0)[0] if multiprocessing and hasattr(multiprocessing, "get_context") else []


def forkserver_start(n):
    """A child forked by a warm fork server, until it runs the target."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    return _start_method("forkserver", n, 1)[0]


def spawn_exit(n):
    """Process.join() of a spawned child that has sent its result: its
    interpreter's finalization and exit."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    return _start_method("spawn", n, 0)[2]


def mp_exit(n):
    """Process.join() of a forked multiprocessing child that has sent its
    result: its finalizers and os._exit."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    return _start_method("fork", n, 1)[2]


def ipc_start(n):
    """The parent's side of a spawn start: Process.start() itself."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    return _start_method("spawn", n, 0)[1]


def _per_iteration(body, n=200000, reps=9, f=None):
    """Thread CPU time per iteration of a loop running `body`, from
    generated code (so the loop is the one measured); `f` in the body is
    an empty function, or the object given."""
    f = _noop if f is None else f
    src = ("def run(n, f):\n    global count\n    c = 0\n    for _ in range(n):\n        %s\n" % body)
    ns = {"count": 0}
    exec(compile(src, "<calibrate>", "exec"), ns)
    run = ns["run"]
    run(n // 10, f)
    out = []
    for _ in range(reps):
        a = _cpu()
        run(n, f)
        out.append((_cpu() - a) / n)
    return out


def bytecode(n):
    """A plain opcode (LOAD_CONST, STORE_FAST): `c = 1` beyond the loop, halved."""
    return [x / 2 for x in _extra("c = 1", n)]


def _beside(body, base, n):
    """body's loop less base's, per iteration, plus one plain opcode."""
    a = _per_iteration(body, reps=n)
    b = _per_iteration(base, reps=n)
    op = quantile(bytecode(n), 0.5)
    return [max(0.0, x - y + op) for x, y in zip(sorted(a), sorted(b))]


def global_load(n):
    """LOAD_GLOBAL: `c = count` against `c = 1`."""
    return _beside("c = count", "c = 1", n)


def global_store(n):
    """STORE_GLOBAL: `count = 1` against `c = 1`."""
    return _beside("count = 1", "c = 1", n)


def arith(n):
    """Adding two small ints: `c = c + 1` against `c = c` (a LOAD_CONST less)."""
    a = _per_iteration("c = c + 1", reps=n)
    b = _per_iteration("c = c", reps=n)
    op = quantile(bytecode(n), 0.5)
    return [max(0.0, x - y - op) for x, y in zip(sorted(a), sorted(b))]


def _queue_pieces(n):
    """queue.Queue put(i); get() per item, and the part of both that runs
    under the queue's mutex (their bodies, run with the mutex held so
    that notify() finds it owned), in CPU time: (whole, inside) pairs."""
    try:
        import queue
    except ImportError:
        import Queue as queue
    q = queue.Queue()

    def whole(k):
        put, get = q.put, q.get
        for i in range(k):
            put(i)
            get()

    def inside(k, q=q):
        for i in range(k):
            if q.maxsize > 0:
                pass
            q._put(i)
            q.unfinished_tasks += 1
            q.not_empty.notify()
            while not q._qsize():
                pass
            q._get()
            q.not_full.notify()

    out = []
    for _ in range(n):
        a = _cpu()
        whole(500)
        b = _cpu()
        q.mutex.acquire()
        inside(500)
        c = _cpu()
        q.mutex.release()
        out.append(((b - a) / 500, (c - b) / 500))
    return out


def queue_op(n):
    """queue.Queue put or get: the Python run under the queue's mutex."""
    return [i / 2 for w, i in _queue_pieces(n)]


def queue_call(n):
    """queue.Queue put or get: the rest of the call, outside the mutex."""
    return [max(0.0, w - i) / 2 for w, i in _queue_pieces(n)]


def fork_child_mp(n):
    """A child started by multiprocessing's fork: from the parent's start()
    returning until the child runs its target (Process._bootstrap)."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    child, parent, join = _start_method("fork", n, 1)
    return [max(0.0, c - p) for c, p in zip(child, parent)]


def fork_start_mp(n):
    """Process.start() with the fork start method, in the parent."""
    if not multiprocessing or not hasattr(multiprocessing, "get_context"):
        return []
    return _start_method("fork", n, 1)[1]


def loop_iteration(n):
    """One iteration of `for _ in range(n): pass`."""
    return _per_iteration("pass", reps=n)


def _checks_per_iteration():
    """Eval-breaker checks in one iteration of that loop: FOR_ITER and the
    jump back up to 3.9, only the backward jump from 3.10."""
    return 1 if sys.version_info >= (3, 10) else 2


def check_point_gap(n):
    """Bytecode time between two eval-breaker checks in a tight loop."""
    k = _checks_per_iteration()
    return [x / k for x in loop_iteration(n)]


def _extra(body, n, f=None):
    base = _per_iteration("pass", reps=n)
    more = _per_iteration(body, reps=n, f=f)
    return [max(0.0, m - b) for m, b in zip(sorted(more), sorted(base))]


def increment(n):
    """`count += 1` on a global (LOAD_GLOBAL, add, STORE_GLOBAL), beyond the loop."""
    return _extra("count += 1", n)


def call(n):
    """Calling an empty Python function, beyond the loop."""
    return _extra("f()", n)


def lock_call(n):
    """A lock's acquire or release called from Python: `with lock: pass`
    beyond the loop, halved."""
    return [x / 2 for x in _extra("with f: pass", n, threading.Lock())]


def pickle_message(n):
    """Pickling and unpickling one small message (one side each)."""
    out = []
    msg = (1, 0, None)
    for _ in range(n):
        a = _cpu()
        for _ in range(1000):
            pickle.loads(pickle.dumps(msg))
        out.append((_cpu() - a) / 1000 / 2)
    return out


def pipe_latency(n):
    """A byte's trip through a pipe to another process and back, halved."""
    if not hasattr(os, "fork"):
        return []
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    pid = os.fork()
    if pid == 0:
        for _ in range(n * 50):
            os.read(r1, 1)
            os.write(w2, b"x")
        os._exit(0)
    out = []
    for _ in range(n * 50):
        a = _clock()
        os.write(w1, b"x")
        os.read(r2, 1)
        out.append((_clock() - a) / 2)
    os.waitpid(pid, 0)
    for fd in (r1, w1, r2, w2):
        os.close(fd)
    return out


def pool_submit(n):
    """ThreadPoolExecutor.submit() while its one worker is busy."""
    try:
        from concurrent.futures import ThreadPoolExecutor
    except ImportError:
        return []
    out = []
    for _ in range(n):
        gate = threading.Event()
        ex = ThreadPoolExecutor(max_workers=1)
        ex.submit(gate.wait)
        a = _clock()
        for _ in range(200):
            ex.submit(_noop)
        out.append((_clock() - a) / 200)
        gate.set()
        ex.shutdown(wait=True)
    return out


def sleep_overshoot(n):
    """How much later than asked time.sleep(1 ms) returns (timer slack and
    wake-up)."""
    out = []
    for _ in range(n):
        a = _clock()
        time.sleep(0.001)
        out.append(max(0.0, _clock() - a - 0.001))
    return out


def select_overshoot(n):
    """The same for select() with a 1 ms timeout (the `io` operation)."""
    out = []
    for _ in range(n):
        a = _clock()
        select.select([], [], [], 0.001)
        out.append(max(0.0, _clock() - a - 0.001))
    return out


# key, kind, samples, function: one entry a figure.
MEASUREMENTS = [
    ("machine.wake_latency", "distribution", 300, wake_latency),
    ("machine.timer_latency", "distribution", 100, timer_latency),
    ("machine.context_switch", "duration", 30, context_switch),
    ("machine.wake_cost", "duration", 200, wake_cost),
    ("machine.short_sleep_wake_cost", "duration", 200, short_sleep_wake_cost),
    ("machine.pipe_latency", "duration", 20, pipe_latency),
    ("machine.timer_slack", "duration", 1, timer_slack),
    ("machine.io_overshoot", "duration", 100, select_overshoot),
    ("python.check_point_gap", "duration", 9, check_point_gap),
    ("python.loop_cost", "duration", 9, loop_iteration),
    ("python.bytecode_cost", "duration", 9, bytecode),
    ("python.global_load_cost", "duration", 9, global_load),
    ("python.global_store_cost", "duration", 9, global_store),
    ("python.arith_cost", "duration", 9, arith),
    ("python.increment_cost", "duration", 9, increment),
    ("python.call_cost", "duration", 9, call),
    ("python.queue_op_cost", "duration", 20, queue_op),
    ("python.queue_call_cost", "duration", 20, queue_call),
    ("python.lock_call_cost", "duration", 9, lock_call),
    ("python.thread_start_cost", "duration", 200, thread_start),
    ("python.thread_join_cost", "duration", 200, thread_join),
    ("python.fork_cost", "duration", 30, fork_parent),
    ("python.os_fork_child_cost", "duration", 30, fork_child),
    ("python.fork_exit_cost", "duration", 30, fork_exit),
    ("python.mp_fork_start_cost", "duration", 10, fork_start_mp),
    ("python.fork_child_cost", "duration", 10, fork_child_mp),
    ("python.spawn_cost", "duration", 5, spawn_start),
    ("python.forkserver_cost", "duration", 10, forkserver_start),
    ("python.ipc_cost", "duration", 5, ipc_start),
    ("python.spawn_exit_cost", "duration", 5, spawn_exit),
    ("python.mp_exit_cost", "duration", 10, mp_exit),
    ("python.pickle_cost", "duration", 20, pickle_message),
    ("python.pool_submit_cost", "duration", 20, pool_submit),
]


def main():
    only = set(sys.argv[1:]) | set(k for k in os.environ.get("GILSIM_CALIBRATE_ONLY", "").split(",") if k)
    out = []
    for key, kind, n, fn in MEASUREMENTS:
        if only and key not in only:
            continue
        try:
            xs = fn(n)
        except Exception as e:  # a figure this platform cannot give
            out.append({"key": key, "kind": kind, "error": "%s: %s" % (type(e).__name__, e)})
            continue
        if not xs:
            out.append({"key": key, "kind": kind, "error": "not available on this platform"})
            continue
        out.append({"key": key, "kind": kind, "n": len(xs), "what": " ".join((fn.__doc__ or "").split()),
                    "median_ns": quantile(xs, 0.5) * 1e9, "p10_ns": quantile(xs, 0.1) * 1e9,
                    "p90_ns": quantile(xs, 0.9) * 1e9})
        sys.stderr.write("measured %s\n" % key)
        sys.stderr.flush()
    v = sys.version_info
    print(json.dumps({"gilsim_calibrate": 1, "python": "%d.%d.%d" % (v[0], v[1], v[2]),
                      "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                      "measurements": out}))


if __name__ == "__main__":
    main()
