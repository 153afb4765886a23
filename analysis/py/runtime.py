# ---- gilsim measuring runtime ---------------------------------------------
#
# What the scenario's code below calls: one function or object per gilsim
# operation (cpu, c_call, nogil, io, sleep, locks, events, queues, pipes,
# threads, processes, fork, pools), each of which does the real thing on
# this interpreter and writes a timestamp when it begins and when it ends.
#
# Recording needs no profiler. Each thread appends (time, code, argument)
# triples to its own preallocated list. CPU work is a plain Python loop
# sized by a calibration made at start-up (thread CPU time per iteration),
# which also reads the clock every few microseconds: a gap in its own
# progress longer than a threshold is a stretch of time when the thread was
# not running (it lost the GIL, or the OS preempted it). gilsim rebuilds
# each thread's states and the GIL's hand-overs from these records
# (analysis/measured_trace.c). Under Python 2's GIL those pauses are not
# hand-overs: a holder's own releases, each a futex call while another
# thread waits, slow its loop into pauses, and the hand-overs come tens of
# thousands of times a second, too briefly to show as pauses. So on
# Python 2 every loop iteration and every record also notes which thread
# ran Python last, and each thread counts the times it found another one
# there: the process's hand-overs, counted where they happen.
#
# Each process writes its records as JSON into the folder named by the
# environment variable GILSIM_MEASURE_DIR when it ends (or when the
# measuring tool stops it with SIGTERM). Without that variable the program
# runs on its own and prints how long each thread took.
#
# Runs on CPython 3.6 and later; on 2.7 without Barrier, ThreadPoolExecutor
# and start methods other than fork.
from __future__ import print_function

import gc
import hashlib
import json
import multiprocessing
import os
import platform
import random
import select
import signal
import sys
import threading
import time

try:
    import queue as _queue
except ImportError:  # Python 2
    import Queue as _queue

PY2 = sys.version_info[0] == 2
_range = xrange if PY2 else range  # noqa: F821 (Python 2 only)
_clock = getattr(time, "perf_counter", time.time)  # CLOCK_MONOTONIC on Linux: one clock for every process

if hasattr(time, "thread_time"):
    _thread_cpu = time.thread_time
elif hasattr(time, "clock_gettime") and hasattr(time, "CLOCK_THREAD_CPUTIME_ID"):
    def _thread_cpu():
        return time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
else:  # Python 2: process CPU time, read while only one thread runs
    _thread_cpu = time.clock

# Record codes; the JSON output carries this table, so gilsim reads the
# names, not the numbers.
CODES = {"end": 0, "cpu": 1, "c_call": 2, "nogil": 3, "io": 4, "sleep": 5, "acquire": 6,
         "release": 7, "wait": 8, "set": 9, "clear": 10, "notify": 11, "put": 12, "get": 13,
         "increment": 14, "start": 15, "join": 16, "fork": 17, "pool": 18, "gap": 19,
         "thread_begin": 20, "thread_end": 21, "task": 22, "launch": 23}
_END, _GAP, _TASK = 0, 19, 22

CHUNK_SECONDS = 5e-6   # CPU work between two reads of the clock
GAP_SECONDS = 20e-6    # a longer pause than this in CPU work is a gap

# One process's measuring state; a child process gets a copy (_child_state).
_state = {"t0": None, "dir": None, "cal": {}, "switch_interval": None, "check_interval": None,
          "cores": None, "cpus": None, "pinned": False, "scenario": ""}
_process = None         # this process: name, start method, parent, times, shared variables
_recorders = []         # one per thread that ran here
_tls = threading.local()
_halted = []            # not empty once the program is being stopped
_threads = {}           # scenario thread name -> Thread, in this process
_processes = {}         # process name -> Process or forked pid, started from here
_ipc = {}               # the scenario's "ipc" objects, in every process
_objects = {}           # object name -> [kind, its lock's name (conditions)], for the records
_random = random.Random(1)
_last = [None]          # Python 2: the recorder of the thread that ran Python last


class _Recorder(object):
    """A thread's records: a list of (time, code, argument) as three slots."""

    def __init__(self, name, daemon, size):
        self.name = name
        self.daemon = daemon
        self.buf = [None] * (3 * size)
        self.n = 0
        self.handovers = 0  # Python 2: times it took the GIL from another thread
        _recorders.append(self)

    def mark(self, code, arg, t=None):
        if PY2 and _last[0] is not self:
            _last[0] = self
            self.handovers += 1
        n = self.n
        buf = self.buf
        if n + 3 > len(buf):
            buf.extend([None] * (len(buf) + 3))
        buf[n] = _clock() if t is None else t
        buf[n + 1] = code
        buf[n + 2] = arg
        self.n = n + 3

    def gap(self, t, u):
        n = self.n
        buf = self.buf
        if n + 3 > len(buf):
            buf.extend([None] * (len(buf) + 3))
        buf[n] = t
        buf[n + 1] = _GAP
        buf[n + 2] = u
        self.n = n + 3


class _NoRecorder(object):
    handovers = 0

    def gap(self, t, u):
        pass


def _rec():
    """The current thread's recorder; threads gilsim did not start (pool
    workers) get one on their first operation, under their own name."""
    try:
        return _tls.rec
    except AttributeError:
        t = threading.current_thread()
        r = _tls.rec = _Recorder(t.name, t.daemon, 4096)
        r.mark(CODES["thread_begin"], 0)
        return r


# ---- Work ------------------------------------------------------------------

def _spin(n, r, t):
    """n iterations of an empty loop: a check point each (the backward
    jump), so a drop request is served within one iteration. Every chunk
    reads the clock, and a pause longer than the threshold since the last
    reading (t, at first the caller's) is recorded. Returns the last
    reading. On Python 2 each iteration also counts a hand-over to r when
    another thread ran last (see the top of this file); the calibration
    runs the same loop, so a second of CPU work is the same either way."""
    clock = _clock
    chunk = _state["cal"].get("chunk", 256)
    limit = _state["cal"].get("gap_limit", GAP_SECONDS)
    last = _last
    while n > 0:
        k = chunk if n > chunk else n
        n -= k
        if PY2:
            for _ in _range(k):
                if last[0] is not r:
                    last[0] = r
                    r.handovers += 1
        else:
            for _ in _range(k):
                pass
        u = clock()
        if u - t > limit:
            r.gap(t, u)
        t = u
        if _halted:
            _park()
    return t


def _park():
    """Blocks the thread for good, without the GIL (the program is being
    stopped: _on_sigterm)."""
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()


def _pause_check(r, t):
    """Records the time since t as a gap if it was one; returns now."""
    u = _clock()
    if u - t > _state["cal"].get("gap_limit", GAP_SECONDS):
        r.gap(t, u)
    return u


def cpu(seconds):
    """Python bytecode: holds the GIL, passes check points. The clock
    readings run from the begin record to the end record, so a pause
    anywhere in between is seen."""
    r = _rec()
    t = _clock()
    r.mark(1, seconds, t)
    t = _spin(int(seconds * _state["cal"]["cpu_rate"] + 0.5), r, t)
    r.mark(_END, 1, _pause_check(r, t))


def c_call(seconds):
    """A C call that holds the GIL and passes no check point: sum() over a
    range runs entirely in C."""
    r = _rec()
    t = _clock()
    r.mark(2, seconds, t)
    rate = _state["cal"]["c_call_rate"]
    n = int(seconds * rate + 0.5)
    t = _pause_check(r, t)  # the GIL may change hands up to the call
    sum(_range(n))
    u = _clock()
    due = t + n / rate  # later than this: preempted, or waited for the GIL after the call
    if u - due > _state["cal"].get("gap_limit", GAP_SECONDS):
        r.gap(due, u)
    r.mark(_END, 1, u)


def nogil(seconds):
    """C work with the GIL released: OpenSSL's PBKDF2 (hashlib releases the
    GIL around it), sized to the duration."""
    r = _rec()
    r.mark(3, seconds)
    n = int(seconds * _state["cal"]["nogil_rate"] + 0.5)
    if n > 0:
        hashlib.pbkdf2_hmac("sha1", b"gilsim", b"salt", n)
    r.mark(_END, 1)


def io(seconds):
    """Blocking I/O: select() waiting that long for nothing; releases the GIL."""
    r = _rec()
    r.mark(4, seconds)
    select.select([], [], [], seconds)
    r.mark(_END, 1)


def sleep(seconds):
    """time.sleep: releases the GIL."""
    r = _rec()
    r.mark(5, seconds)
    time.sleep(seconds)
    r.mark(_END, 1)


def uniform(low, high):
    """A duration drawn uniformly from [low, high] (seeded by the scenario)."""
    return _random.uniform(low, high)


def exponential(mean):
    """A duration drawn from an exponential distribution of that mean."""
    return _random.expovariate(1.0 / mean) if mean > 0 else 0.0


def increment(name, add_one):
    """`name += 1` on a shared variable (a module global), done by add_one."""
    r = _rec()
    r.mark(14, name)
    add_one()
    r.mark(_END, 1)


# ---- Synchronization ---------------------------------------------------------

def _timeout(t):
    return None if t is None or t < 0 else t


class _Object(object):
    """A threading object that records its operations under its name."""

    def _named(self, name, kind, lock=None):
        self.name = name
        _objects[name] = [kind, lock]

    def _do(self, code, fn, *args):
        r = _rec()
        r.mark(code, self.name)
        try:
            ok = fn(*args)
        except BaseException:
            r.mark(_END, -1)
            raise
        r.mark(_END, 0 if ok is False else 1)
        return ok


class _LockLike(_Object):
    def acquire(self, blocking=True, timeout=-1):
        return self._do(6, self._acquire, blocking, timeout)

    def _acquire(self, blocking, timeout):
        if not blocking or _timeout(timeout) is None:
            return self._lock.acquire(blocking)
        if not PY2:
            return self._lock.acquire(True, timeout)
        end = _clock() + timeout  # Python 2 has no timeout: poll, as its Condition.wait did
        delay = 0.0005
        while not self._lock.acquire(False):
            left = end - _clock()
            if left <= 0:
                return False
            delay = min(delay * 2, left, 0.05)
            time.sleep(delay)
        return True

    def release(self):
        self._do(7, self._lock.release)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class Lock(_LockLike):
    def __init__(self, name):
        self._named(name, "lock")
        self._lock = threading.Lock()


class RLock(_LockLike):
    def __init__(self, name):
        self._named(name, "rlock")
        self._lock = threading.RLock()


class Semaphore(_LockLike):
    def __init__(self, name, value=1):
        self._named(name, "semaphore")
        self._lock = threading.Semaphore(value)


class BoundedSemaphore(_LockLike):
    def __init__(self, name, value=1):
        self._named(name, "bounded_semaphore")
        self._lock = threading.BoundedSemaphore(value)


class Event(_Object):
    def __init__(self, name):
        self._named(name, "event")
        self._ev = threading.Event()

    def wait(self, timeout=None):
        return self._do(8, self._ev.wait, _timeout(timeout))

    def set(self):
        self._do(9, self._ev.set)

    def clear(self):
        self._do(10, self._ev.clear)


class Condition(_Object):
    """threading.Condition; `with cv:` takes its lock (records it there)."""

    def __init__(self, name, lock=None):
        self.lock = lock if lock is not None else RLock(name)
        self._named(name, "condition", self.lock.name)
        self._cv = threading.Condition(self.lock._lock)

    def __enter__(self):
        self.lock.acquire()
        return self

    def __exit__(self, *exc):
        self.lock.release()

    def wait(self, timeout=None):
        return self._do(8, self._cv.wait, _timeout(timeout))

    def notify(self, n=1):
        self._do(11, self._cv.notify, n)

    def notify_all(self):
        self._do(11, self._cv.notify_all)


class Barrier(_Object):
    def __init__(self, name, parties, timeout=None):
        self._named(name, "barrier")
        self._b = threading.Barrier(parties, _timeout(timeout))

    def wait(self, timeout=None):
        return self._do(8, self._b.wait, _timeout(timeout))


class Queue(_Object):
    """queue.Queue; a put or get that times out goes on (Full, Empty caught)."""

    kind = "queue"

    def __init__(self, name, maxsize=0):
        self._named(name, self.kind)
        self._q = self._make(maxsize)

    def _make(self, maxsize):
        return _queue.Queue(maxsize)

    def put(self, item=None, timeout=None):
        return self._do(12, self._put, item, _timeout(timeout))

    def _put(self, item, timeout):
        try:
            self._q.put(item, True, timeout)
            return True
        except _queue.Full:
            return False

    def get(self, timeout=None):
        return self._do(13, self._get, _timeout(timeout))

    def _get(self, timeout):
        try:
            self._q.get(True, timeout)
            return True
        except _queue.Empty:
            return False


class MpQueue(Queue):
    """multiprocessing.Queue: pickles every item and sends it through a pipe."""

    kind = "mp_queue"

    def _make(self, maxsize):
        return multiprocessing.Queue(maxsize)


class Pipe(_Object):
    """multiprocessing.Pipe(duplex=False): put sends one message, get receives one."""

    def __init__(self, name):
        self._named(name, "pipe")
        self._r, self._w = multiprocessing.Pipe(False)

    def put(self, item=0, timeout=None):
        return self._do(12, self._w.send, item)

    def get(self, timeout=None):
        return self._do(13, self._recv, _timeout(timeout))

    def _recv(self, timeout):
        if timeout is not None and not self._r.poll(timeout):
            return False
        self._r.recv()
        return True


# ---- Threads and processes ---------------------------------------------------

class Thread(object):
    """A scenario thread: program runs in a threading.Thread named name.
    manual: started by a start() operation instead of with its process.
    size: how many records to make room for."""

    def __init__(self, name, program, daemon=False, manual=False, size=1024, affinity=None):
        self.name = name
        self.program = program
        self.daemon = daemon
        self.manual = manual
        self.size = size
        self.affinity = affinity
        self.thread = None
        self.done = threading.Event()
        _threads[name] = self

    def start(self):
        self.thread = threading.Thread(target=self.run, name=self.name)
        self.thread.daemon = self.daemon
        self.thread.start()

    def run(self):
        _pin_to(self.affinity if self.affinity is not None else _process.get("affinity"))
        r = _tls.rec = _Recorder(self.name, self.daemon, self.size)
        r.mark(CODES["thread_begin"], 0)
        self.body(r)

    def body(self, r):
        try:
            self.program()
        except BaseException:
            r.mark(CODES["thread_end"], -1)
            self.done.set()
            raise
        r.mark(CODES["thread_end"], 1)
        self.done.set()

    def join(self, timeout=None):
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return self.done.wait(timeout)


def _child_state():
    s = dict(_state)
    s["parent"] = _process["name"] if _process else None
    return s


def _context(method):
    if PY2:
        if method != "fork":
            raise RuntimeError("Python 2 starts processes only with fork")
        return multiprocessing
    return multiprocessing.get_context(method)


class Process(object):
    """A scenario process started with multiprocessing and a start method;
    PROCESSES[name] names its module-level function."""

    def __init__(self, name, method):
        self.name = name
        main = globals()["PROCESSES"][name][0]
        self.p = _context(method).Process(target=_process_entry, name=name,
                                          args=(_child_state(), name, method, main, _ipc))
        _processes[name] = self

    def start(self):
        self.p.start()

    def join(self, timeout=None):
        self.p.join(_timeout(timeout))
        return not self.p.is_alive()


def start(name):
    """Thread.start() or Process.start() of the thread or process called name."""
    r = _rec()
    r.mark(15, name)
    if name in _threads:
        _threads[name].start()
    else:
        Process(name, globals()["PROCESSES"][name][1]).start()
    r.mark(_END, 1)


def join(name, timeout=None):
    """Thread.join(), Process.join() or os.waitpid() of a forked child."""
    r = _rec()
    r.mark(16, name)
    target = _threads.get(name) or _processes[name]
    if isinstance(target, int):
        ok = _waitpid(name, target, _timeout(timeout))
    else:
        ok = target.join(timeout)
    r.mark(_END, 1 if ok else 0)
    return ok


def _waitpid(name, pid, timeout):
    if timeout is None:
        os.waitpid(pid, 0)
        return True
    end = _clock() + timeout
    while True:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
        if _clock() >= end:
            return False
        time.sleep(0.0005)


def fork(name, program):
    """os.fork(): the child, process name, runs program in a copy of this
    thread and exits; the parent goes on."""
    r = _rec()
    r.mark(17, name)
    pid = os.fork()
    if pid == 0:
        try:
            _become_child(name, "os.fork", r.name)
            program()
            _tls.rec.mark(CODES["thread_end"], 1)
        finally:
            _finish_process()
            os._exit(0)
    _processes[name] = pid
    r.mark(_END, 1)


def thread_pool(workers, tasks, task):
    """ThreadPoolExecutor(workers): task() submitted tasks times, then shut
    down, waiting."""
    from concurrent.futures import ThreadPoolExecutor
    r = _rec()
    r.mark(18, "thread_pool")
    ex = ThreadPoolExecutor(max_workers=workers)
    for i in _range(tasks):
        ex.submit(_run_task, task, i, None)
    ex.shutdown(wait=True)
    r.mark(_END, 1)


def process_pool(workers, tasks, task, method, chunksize=None):
    """multiprocessing Pool(workers).map of task(ipc) over tasks items;
    task is a module-level function."""
    r = _rec()
    r.mark(18, "process_pool")
    pool = _context(method).Pool(workers, _pool_worker_init, (_child_state(), _ipc))
    pool.map(_pool_task, [(task, i) for i in _range(tasks)], chunksize)
    pool.close()
    pool.join()
    r.mark(_END, 1)


def _run_task(task, i, arg):
    r = _rec()
    r.mark(_TASK, i)
    if arg is None:
        task()
    else:
        task(arg)
    r.mark(_END, 1)


def _pool_task(item):
    _run_task(item[0], item[1], _ipc)


def _pool_worker_init(state, ipc):
    global _ipc
    _ipc = ipc
    _setup_process(state, multiprocessing.current_process().name, "pool", state.get("parent"))
    r = _tls.rec = _Recorder("MainThread", False, 4096)  # runs the tasks, as CPython names it
    r.mark(CODES["thread_begin"], 0)
    multiprocessing.util.Finalize(None, _finish_process, exitpriority=10)


def _process_entry(state, name, method, main, ipc):
    global _ipc
    _ipc = ipc
    _setup_process(state, name, method, state.get("parent"))
    main(ipc)


def run_process(name, threads, shared=None, affinity=None):
    """Runs process name's threads: the first thread that is neither daemon
    nor started by hand runs on the process's main thread, after starting
    the others in order; then waits for every non-daemon thread, as the
    interpreter does at exit, and writes the records. shared maps each
    shared variable to its global; affinity lists the scenario's cores the
    process may run on (None: all)."""
    if _process is None:
        raise RuntimeError("run_process() outside launch()")
    _process["affinity"] = affinity
    here = next((t for t in threads if not t.daemon and not t.manual), None)
    _pin_to(here.affinity if here is not None and here.affinity is not None else affinity)
    if shared:
        _process["shared_names"] = dict(shared)
        _process["shared_initial"] = _shared_values()
    if here is not None:
        r = _tls.rec = _Recorder(here.name, False, here.size)
        r.mark(CODES["thread_begin"], 0)
        if not PY2:
            threading.current_thread().name = here.name
    for t in threads:
        if t is not here and not t.manual:
            if here is not None:
                r.mark(CODES["launch"], t.name)  # not an operation of the scenario
            t.start()
            if here is not None:
                r.mark(_END, 1)
    if here is not None:
        here.body(r)
    for t in threads:
        if t is not here and not t.daemon and t.thread is not None:
            _join_to_end(t.thread)
    _finish_process()


def _join_to_end(thread):
    """The program's last joins. Python 2's untimed join() blocks in a lock
    that no signal interrupts, so the time limit's SIGTERM would never reach
    the handler that writes the records; a join with a timeout polls."""
    if not PY2:
        thread.join()
        return
    while thread.is_alive():
        thread.join(0.001)


def launch(initial, switch_interval, cores, uses=("cpu",), seed=1, check_interval=None,
           scenario=""):
    """The program's start: pins the process to `cores` CPUs where the OS
    allows it, sets the switch interval, calibrates the operations in
    `uses`, makes the "ipc" objects (make_ipc), then runs the first of the
    `initial` processes here and the others as forked children."""
    global _ipc
    _state["dir"] = os.environ.get("GILSIM_MEASURE_DIR")
    _state["scenario"] = scenario
    _state["cores"] = _pin(cores)
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(switch_interval)
    elif check_interval:
        sys.setcheckinterval(check_interval)
    _state["switch_interval"] = switch_interval
    _state["check_interval"] = check_interval
    _random.seed(seed)
    _calibrate(uses)
    _last[0] = None
    _state["t0"] = _clock()
    if _state["dir"]:
        # The measuring tool's time limit starts now, not at start-up.
        open(os.path.join(_state["dir"], "started"), "w").close()
    make = globals().get("make_ipc")
    _ipc = make() if make else {}
    others = [Process(name, "fork") for name in initial[1:]]
    _setup_process(_state, initial[0], "initial", None)
    for p in others:
        p.start()
    globals()["PROCESSES"][initial[0]][0](_ipc)
    for p in others:
        p.join()


def _affinity(cpus=None):
    """The CPUs the calling thread may run on (a sorted list), or with cpus
    sets them; None where the OS does not say. Python 2 has no
    os.sched_getaffinity, so it calls the C library's."""
    if hasattr(os, "sched_getaffinity"):
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        return sorted(os.sched_getaffinity(0))
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        bits = 8 * ctypes.sizeof(ctypes.c_ulong)
        mask = (ctypes.c_ulong * (1024 // bits))()
        if cpus is not None:
            for c in cpus:
                mask[c // bits] |= 1 << (c % bits)
            if libc.sched_setaffinity(0, ctypes.sizeof(mask), mask) != 0:
                return None
        if libc.sched_getaffinity(0, ctypes.sizeof(mask), mask) != 0:
            return None
        return [c for c in _range(1024) if mask[c // bits] >> (c % bits) & 1]
    except (ImportError, OSError, AttributeError):
        return None


def _pin(cores):
    """Restricts this process (and what it starts) to `cores` CPUs; returns
    how many it may use."""
    cpus = _affinity()
    if cpus is None:
        return None
    if cores and cores < len(cpus):
        cpus = _affinity(cpus[:cores]) or cpus[:cores]
    _state["cpus"] = cpus
    return len(cpus)


def _pin_to(cores):
    """A scenario's "affinity" for the calling thread (and the threads it
    starts): core c is the program's CPU c, counted modulo the CPUs it has;
    None is all of them, as a thread or process without one has in gilsim
    whatever its creator's mask was. Until something was pinned every
    thread has all of them already, and a thread's start (which programs
    measure) pays no system call for nothing."""
    cpus = _state.get("cpus")
    if not cpus or not (cores or _state.get("pinned")):
        return
    if cores:
        _state["pinned"] = True  # children get _state: their masks come from a pinned thread
    want = sorted(set(cpus[c % len(cpus)] for c in cores)) if cores else cpus
    _affinity(want)


# ---- Calibration ---------------------------------------------------------------

def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def _rate(work, n, reps=7):
    """Work items per second of thread CPU time: the median of reps runs."""
    work(max(1, n // 10))
    rates = []
    for _ in _range(reps):
        c = _thread_cpu()
        work(n)
        d = _thread_cpu() - c
        rates.append(n / d if d > 0 else float(n) * 1e9)
    return _median(rates)


def _overshoot(block, seconds, reps=9):
    """How much later than asked a blocking call of that length returns."""
    xs = []
    for _ in _range(reps):
        t = _clock()
        block(seconds)
        xs.append(_clock() - t - seconds)
    return max(0.0, _median(xs))


def _calibrate(uses):
    cal = _state["cal"]
    cal["chunk"] = 256
    cal["gap_limit"] = GAP_SECONDS
    none = _NoRecorder()
    rate = _rate(lambda n: _spin(n, none, _clock()), 200000)
    cal["cpu_rate"] = rate
    cal["chunk"] = max(16, int(rate * CHUNK_SECONDS))
    cal["cpu_rate"] = _rate(lambda n: _spin(n, none, _clock()), max(200000, int(rate * 0.005)))
    cal["gap_limit"] = GAP_SECONDS + cal["chunk"] / cal["cpu_rate"]
    cal["c_call_rate"] = _rate(lambda n: sum(_range(n)), 1000000) if "c_call" in uses else 1e8
    if "nogil" in uses:
        cal["nogil_rate"] = _rate(lambda n: hashlib.pbkdf2_hmac("sha1", b"gilsim", b"salt", n), 5000)
    else:
        cal["nogil_rate"] = 1e6
    cal["io_overshoot"] = _overshoot(lambda s: select.select([], [], [], s), 0.001)
    cal["sleep_overshoot"] = _overshoot(time.sleep, 0.001) if "sleep" in uses else cal["io_overshoot"]


# ---- Writing the records ---------------------------------------------------------

def _setup_process(state, name, method, parent):
    global _process, _recorders
    if state is not _state:
        _state.clear()
        _state.update(state)
    if hasattr(sys, "setswitchinterval") and _state.get("switch_interval"):
        sys.setswitchinterval(_state["switch_interval"])
    _recorders = []
    _threads.clear()
    _processes.clear()
    _process = {"name": name, "method": method, "parent": parent, "pid": os.getpid(),
                "t_start": _clock(), "t_end": None, "killed": False, "done": False,
                "shared_names": {}, "shared_initial": {}}
    if hasattr(_tls, "rec"):
        del _tls.rec
    signal.signal(signal.SIGTERM, _on_sigterm)


def _become_child(name, method, thread_name):
    """In an os.fork() child: a process of its own, whose one thread is the
    copy of the forking one."""
    old = _process
    _setup_process(_state, name, method, old["name"] if old else None)
    _process["shared_names"] = dict(old["shared_names"]) if old else {}
    _process["shared_initial"] = _shared_values()
    r = _tls.rec = _Recorder(thread_name, False, 1024)
    r.mark(CODES["thread_begin"], 0)


def _shared_values():
    g = globals()
    return dict((k, g.get(v)) for k, v in _process["shared_names"].items())


def _on_sigterm(signum, frame):
    # Writing the records is Python work: CPU loops still running would
    # share the GIL with it (the old GIL's battle made a 20 s run's writing
    # outlast the grace), so they stop at their next clock reading.
    _halted.append(True)
    _finish_process(killed=True)
    os._exit(3)


def _finish_process(killed=False):
    """Writes this process's records (once)."""
    p = _process
    if p is None or p["done"]:
        return
    p["done"] = True
    p["t_end"] = _clock()
    p["killed"] = killed
    t0 = _state["t0"]
    threads = []
    for r in list(_recorders):
        n = r.n
        ev = r.buf[:n]
        for i in _range(0, n, 3):
            ev[i] = int((ev[i] - t0) * 1e9)
            if ev[i + 1] == _GAP:
                ev[i + 2] = int((ev[i + 2] - t0) * 1e9)
        th = {"name": r.name, "daemon": bool(r.daemon), "events": ev}
        if PY2:
            th["handovers"] = r.handovers
        threads.append(th)
    shared = {}
    final = _shared_values()
    for k in p["shared_names"]:
        shared[k] = {"initial": p["shared_initial"].get(k), "final": final.get(k)}
    out = {"gilsim_measure": 1, "scenario": _state["scenario"], "process": p["name"],
           "method": p["method"], "parent": p["parent"], "pid": p["pid"],
           "python": "%d.%d.%d" % sys.version_info[:3],
           "implementation": platform.python_implementation(),
           "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
           "t_start": int((p["t_start"] - t0) * 1e9), "t_end": int((p["t_end"] - t0) * 1e9),
           "killed": killed, "cores": _state["cores"], "switch_interval": _state["switch_interval"],
           "cal": _state["cal"], "codes": CODES, "objects": _objects, "shared": shared,
           "threads": threads}
    d = _state["dir"]
    if d:
        path = os.path.join(d, "process-%d.json" % os.getpid())
        with open(path + ".tmp", "w") as f:
            json.dump(out, f, separators=(",", ":"))
        os.rename(path + ".tmp", path)
    else:
        _print_summary(out)


def _print_summary(out):
    lines = ["process %s: %.3f s" % (out["process"], (out["t_end"] - out["t_start"]) / 1e9)]
    for t in out["threads"]:
        ev = t["events"]
        ops = sum(1 for i in _range(1, len(ev), 3) if 0 < ev[i] < 19)
        span = (ev[-3] - ev[0]) / 1e9 if ev else 0.0
        lines.append("  thread %-16s %4d operations in %.3f s" % (t["name"], ops, span))
    for k, v in sorted(out["shared"].items()):
        lines.append("  %s: %s at the end" % (k, v["final"]))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


gc.collect()  # start the measurement with no garbage from the imports
# ---- end of the gilsim runtime ----------------------------------------------
