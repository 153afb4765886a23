#!/usr/bin/env python3
"""How an I/O thread wins the GIL beside two CPU-bound threads, read from
the interpreter's own condition-variable calls.

The program: two threads (--cpu N: N) run a pure-Python loop, another
sleeps 1 ms in a loop (the I/O thread). It runs with cond_trace.c
preloaded, which records every pthread_cond_timedwait, pthread_cond_wait
and pthread_cond_signal call with its entry and return times
(CLOCK_MONOTONIC), its result and its deadline. In CPython 3.x
(Python/ceval_gil.c, FORCE_SWITCHING) those calls are the GIL's own steps:

  timed wait on gil->cond     a waiter in take_gil, one switch interval;
                              ETIMEDOUT with no switch meanwhile sets the
                              drop request
  signal on gil->cond         drop_gil: the holder lets go and wakes one
  signal on gil->switch_cond  take_gil: the new holder has the GIL (the
                              dropper waits for it), so the order of these
                              signals is the order of holders

For each forced drop (a CPU-bound holder's signal) while the I/O thread
waits, the next holder is the winner, and the I/O thread's current wait is
either older than the previous signal on gil->cond or newer. glibc's
condition variable (nptl/pthread_cond_wait.c, since 2.25) sends a signal
to group G1 while G1 has a waiter left unsignalled; only when none is left
do all registered waiters become the new G1. A wait older than the
previous signal was in G1 when that signal passed it by, so it is the only
waiter the next signal can go to; a newer one competes with the requester,
which has just timed out and waits again, still awake, and takes the
signal before it blocks.

Printed per run (JSON): `ios` (I/O loop iterations, and `ios_untraced`
from the same program without the recorder: the recorder must not change
it), then for the forced drops while the I/O thread waited:
`io_wait_older` (its wait older than the previous signal: how many, and
how many the I/O thread won) and `io_wait_newer` (likewise, and how many
the thread that set the drop request won itself); and for the I/O thread's
timed waits that ran out, how late they returned past the deadline
(`timeout_late_us` p50/p90, `late_share` beyond 300 us), and how long a
CPU-bound thread that dropped the GIL takes, from the take that ends its
FORCE_SWITCHING wait, to enter its next timed wait (`dropper_reentry_us`,
p10/p50/p90), and how often a dropper waits on switch_cond at all
(`dropper_waited`: [waited, forced drops], when the taker's wait was under
20 us old at the drop, i.e. it had just timed out and was still awake, and
when it was older): one that reaches switch_mutex after the new holder
finds last_holder changed and goes on at once. A wait that
returns milliseconds late outlives the next signal; with `--sched`, the
run is also recorded with `perf record` (scheduler events, all CPUs) to
show why: the I/O thread woke on the CPU where a CPU-bound thread runs,
while the other CPU idled, and waited there (`io_wakeups_on_busy_cpu`:
how many, how many waited more than 200 us, and how long). It also gives,
per forced drop, where the requester's timer woke it, whether it was on a
CPU when the holder dropped, and who took the GIL (`requester_at_drop`).

With --syscall the program is another: one CPU-bound thread beside a
thread that loops on select() with a zero timeout, a system call that
releases the GIL and returns at once (what time.sleep(0) is before 3.11).
Printed per run: `ios` (its calls), and per forced drop by the CPU-bound
thread, `dropper_waited` ([waited on switch_cond, forced drops]), how many
times the caller took the GIL before the CPU-bound thread had it back
(`takes_per_cycle`, median) and how long after the caller's first take
that was (`cpu_back_us`, p10/p50/p90).

With --queue the program is a producer thread that puts small ints into
an unbounded queue.Queue and a consumer thread that gets them, at the
default interval. Before 3.13 the queue's mutex is a threading.Lock on a
glibc semaphore, and the recorder also records sem_wait, sem_trywait and
sem_post. Printed per run: `items` (the consumer's gets, and
`items_untraced`), how long sem_post takes while the other thread waits in
sem_wait, for the first post of that wait (it wakes a sleeper) and the
later ones (the waiter is awake, on its way back: glibc still makes the
futex call), and with nobody waiting (`post_us`: p10/p50/p90 each), and
from each post's return to the same thread's next try of the lock, the
Python between two items (`next_try_us`, by the same three), how many
posts each such wait sees (`posts_per_wait`), how long the waits last
(`sem_wait_us`), and for the GIL's timed waits that a signal ended, how
often the waiter answered within 3 us, by how long it had been in its
wait when the signal came (`gil_answer_by_age`: still awake, or asleep).
With --lock the program is two threads adding 1 to a counter inside
`with lock:` (lock_tp.py's), read the same way; `items` are increments.

Usage: cond_trace.py [--python PY] [--interval MS]... [--seconds S]
                     [--runs N] [--cpu N] [--sched | --syscall | --queue | --lock]
Defaults: python3, intervals 1, 5 and 20 ms, 4 s, 3 runs. Needs a C
compiler and Linux with glibc; --sched needs perf and root.
"""
import ast
import bisect
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ETIMEDOUT = 110
TIMED_WAIT, WAIT, SIGNAL = 1, 2, 3
SEM_WAIT, SEM_TIMED_WAIT, SEM_TRY, SEM_POST = 4, 5, 6, 7

PROGRAM = r'''
import sys, threading, time
sys.setswitchinterval(float(sys.argv[1]))
stop = False
ids = {}
ios = [0]
def cpu(k):
    ids['cpu%d' % k] = threading.get_native_id()
    while not stop:
        for _ in range(200):
            pass
def io():
    ids['io'] = threading.get_native_id()
    while not stop:
        time.sleep(0.001)
        ios[0] += 1
threads = [threading.Thread(target=cpu, args=(k,)) for k in range(int(sys.argv[3]))] + [threading.Thread(target=io)]
for t in threads: t.start()
time.sleep(float(sys.argv[2]))
stop = True
for t in threads: t.join()
ids['ios'] = ios[0]
print(ids)
'''

# --syscall: one CPU-bound thread beside a thread that loops on a system
# call that releases the GIL and returns at once (time.sleep(0) before 3.11
# is such a call, select() with a zero timeout).
PROGRAM_SYSCALL = r'''
import sys, threading, time, select
sys.setswitchinterval(float(sys.argv[1]))
stop = False
ids = {}
calls = [0]
def cpu():
    ids['cpu0'] = threading.get_native_id()
    while not stop:
        for _ in range(200):
            pass
def caller():
    ids['caller'] = threading.get_native_id()
    while not stop:
        select.select([], [], [], 0)
        calls[0] += 1
threads = [threading.Thread(target=cpu), threading.Thread(target=caller)]
threads[0].start()
time.sleep(0.05)
threads[1].start()
time.sleep(float(sys.argv[2]))
stop = True
for t in threads: t.join()
ids['ios'] = calls[0]
print(ids)
'''


# --queue: a producer and a consumer on an unbounded queue.Queue.
PROGRAM_QUEUE = r'''
import sys, threading, time, queue
sys.setswitchinterval(float(sys.argv[1]))
stop = False
ids = {}
got = [0]
q = queue.Queue()
def producer():
    ids['a'] = threading.get_native_id()
    put = q.put
    while not stop:
        for i in range(100):
            put(i)
    put(None)
def consumer():
    ids['b'] = threading.get_native_id()
    get = q.get
    n = 0
    while get() is not None:
        n += 1
    got[0] = n
threads = [threading.Thread(target=consumer), threading.Thread(target=producer)]
for t in threads: t.start()
time.sleep(float(sys.argv[2]))
stop = True
for t in threads: t.join()
ids['ios'] = got[0]
print(ids)
'''

# --lock: two threads adding 1 to a counter inside `with lock:`, as
# lock_tp.py; before 3.10 a switch inside the block starts a lock convoy.
PROGRAM_LOCK = r'''
import sys, threading, time
sys.setswitchinterval(float(sys.argv[1]))
stop = False
ids = {}
lock = threading.Lock()
count = [0]
def add(name):
    ids[name] = threading.get_native_id()
    c = count
    while not stop:
        for _ in range(100):
            with lock:
                c[0] += 1
threads = [threading.Thread(target=add, args=(k,)) for k in 'ab']
for t in threads: t.start()
time.sleep(float(sys.argv[2]))
stop = True
for t in threads: t.join()
ids['ios'] = count[0]
print(ids)
'''


def quantile(v, p):
    v = sorted(v)
    return v[int(p * (len(v) - 1))] if v else None


def read_calls(path):
    """cond_trace.c's lines, each a tuple (tid, kind, rc, object, entry,
    return, deadline, group, left)."""
    with open(path) as f:
        return [tuple(x if i == 3 else int(x) for i, x in enumerate(line.split())) for line in f]


def cpu_threads(ids):
    return {v for k, v in ids.items() if k.startswith('cpu')}


def gil_conds(calls, cpu):
    """The GIL's condition variable, on which the CPU-bound threads wait
    timed, and switch_cond, on which they wait in FORCE_SWITCHING."""
    most = lambda kind: collections.Counter(c[3] for c in calls if c[1] == kind and c[0] in cpu).most_common(1)[0][0]
    return most(TIMED_WAIT), most(WAIT)


def requester_of(timeouts, t, dropper):
    """The thread that set the drop request answered at t: the last other
    thread whose timed wait ran out within 300 us before, as (when, tid)."""
    r = bisect.bisect_left(timeouts, (t,)) - 1
    while r >= 0 and timeouts[r][1] == dropper:
        r -= 1
    return timeouts[r] if r >= 0 and t - timeouts[r][0] < 300000 else (None, None)


def analyse(path, ids):
    calls = read_calls(path)
    cpu = cpu_threads(ids)
    io = ids['io']
    gil_cond, switch_cond = gil_conds(calls, cpu)
    waits = [c for c in calls if c[1] == TIMED_WAIT and c[3] == gil_cond]
    takes = sorted((c[4], c[0]) for c in calls if c[1] == SIGNAL and c[3] == switch_cond)
    drops = sorted((c[4], c[0]) for c in calls if c[1] == SIGNAL and c[3] == gil_cond)
    timeouts = sorted((c[5], c[0]) for c in waits if c[2] == ETIMEDOUT)
    io_waits = sorted((c[4], c[5]) for c in waits if c[0] == io)
    older = {'n': 0, 'io_won': 0}
    newer = {'n': 0, 'io_won': 0, 'requester_won': 0}
    for k, (t, dropper) in enumerate(drops):
        if dropper not in cpu or k == 0:
            continue
        j = bisect.bisect_right(io_waits, (t, 1 << 62)) - 1
        if j < 0 or io_waits[j][1] < t:
            continue  # the I/O thread is not waiting for the GIL now
        i = bisect.bisect_right(takes, (t, 1 << 62))
        if i == len(takes):
            continue
        winner = takes[i][1]
        if io_waits[j][0] < drops[k - 1][0]:
            older['n'] += 1
            older['io_won'] += winner == io
        else:
            requester = requester_of(timeouts, t, dropper)[1]
            newer['n'] += 1
            newer['io_won'] += winner == io
            newer['requester_won'] += winner == requester
    late = [(c[5] - c[6]) / 1000 for c in waits if c[0] == io and c[2] == ETIMEDOUT]
    # FORCE_SWITCHING: from a take (the new holder's signal) until the
    # CPU-bound thread that dropped the GIL enters its next timed wait.
    entries = collections.defaultdict(list)
    for c in waits:
        entries[c[0]].append(c[4])
    for v in entries.values():
        v.sort()
    reentry = []
    for c in calls:
        if c[1] == WAIT and c[3] == switch_cond and c[0] in cpu:
            i = bisect.bisect_right(takes, (c[5], 1 << 62)) - 1
            j = bisect.bisect_left(entries[c[0]], c[5])
            if i >= 0 and j < len(entries[c[0]]):
                reentry.append((entries[c[0]][j] - takes[i][0]) / 1000)
    # FORCE_SWITCHING races the new holder for switch_mutex: a dropper that
    # gets it only after the take finds last_holder changed and does not
    # wait at all. Per forced drop by a CPU-bound thread: did the dropper
    # wait on switch_cond (before its next timed wait), split by whether
    # the taker's own wait was under 20 us old at the drop (it had just
    # timed out and waited again: still awake) or older (it slept).
    waited = {'taker_fresh': [0, 0], 'taker_slept': [0, 0]}
    switch_waits = collections.defaultdict(list)
    for c in calls:
        if c[1] == WAIT and c[3] == switch_cond:
            switch_waits[c[0]].append(c[4])
    for v in switch_waits.values():
        v.sort()
    wait_spans = collections.defaultdict(list)
    for c in waits:
        wait_spans[c[0]].append((c[4], c[5]))
    for v in wait_spans.values():
        v.sort()
    for t, dropper in drops:
        if dropper not in cpu:
            continue
        i = bisect.bisect_right(takes, (t, 1 << 62))
        if i == len(takes) or takes[i][1] == dropper:
            continue
        taker = takes[i][1]
        spans = wait_spans[taker]
        j = bisect.bisect_right(spans, (t, 1 << 62)) - 1
        if j < 0 or spans[j][1] < t:
            continue  # the taker was not in a timed wait at the drop
        nxt = entries[dropper][bisect.bisect_right(entries[dropper], t)] \
            if bisect.bisect_right(entries[dropper], t) < len(entries[dropper]) else 1 << 62
        sw = switch_waits[dropper]
        k = bisect.bisect_left(sw, t)
        did = k < len(sw) and sw[k] < nxt
        key = 'taker_fresh' if t - spans[j][0] < 20000 else 'taker_slept'
        waited[key][0] += did
        waited[key][1] += 1
    return {'io_wait_older': older, 'io_wait_newer': newer, 'dropper_waited': waited,
            'dropper_reentry_us': [round(quantile(reentry, p), 1) for p in (0.1, 0.5, 0.9)] if reentry else None,
            'timeout_late_us': [round(quantile(late, 0.5), 1), round(quantile(late, 0.9), 1)] if late else None,
            'late_share': round(sum(1 for x in late if x > 300) / len(late), 3) if late else None}


def analyse_syscall(path, ids):
    """--syscall: per forced drop by the CPU-bound thread, whether it waited
    on switch_cond, and until it holds the GIL again, how many times the
    caller took it and how long that took from the caller's first take."""
    calls = read_calls(path)
    hog, caller = ids['cpu0'], ids['caller']
    most = lambda kind, tid: collections.Counter(c[3] for c in calls if c[1] == kind and c[0] == tid).most_common(1)
    gil_cond = most(TIMED_WAIT, caller)[0][0]
    switch_cond = [o for o, _ in collections.Counter(c[3] for c in calls if c[1] == SIGNAL).most_common(2)
                   if o != gil_cond][0]
    drops = sorted(c[4] for c in calls if c[0] == hog and c[1] == SIGNAL and c[3] == gil_cond)
    hog_takes = sorted(c[4] for c in calls if c[0] == hog and c[1] == SIGNAL and c[3] == switch_cond)
    caller_takes = sorted(c[4] for c in calls if c[0] == caller and c[1] == SIGNAL and c[3] == switch_cond)
    hog_waits = sorted(c[4] for c in calls if c[0] == hog and c[1] == WAIT and c[3] == switch_cond)
    waited, per_cycle, back = 0, [], []
    for t in drops:
        i = bisect.bisect_right(hog_takes, t)
        if i == len(hog_takes):
            break
        nxt = hog_takes[i]
        a, b = bisect.bisect_right(caller_takes, t), bisect.bisect_left(caller_takes, nxt)
        if b <= a:
            continue
        k = bisect.bisect_left(hog_waits, t)
        waited += k < len(hog_waits) and hog_waits[k] < nxt
        per_cycle.append(b - a)
        back.append((nxt - caller_takes[a]) / 1000)
    n = len(per_cycle)
    return {'forced_drops': n, 'dropper_waited': [waited, n],
            'takes_per_cycle': round(statistics.median(per_cycle), 1) if per_cycle else None,
            'cpu_back_us': [round(quantile(back, p), 1) for p in (0.1, 0.5, 0.9)] if back else None}


def analyse_lock(path, ids):
    """--queue, --lock: the costs of the lock's semaphore calls while the
    other thread waits on it, and how fast a GIL waiter answers a signal by
    the age of its wait."""
    calls = sorted(read_calls(path), key=lambda c: c[4])
    pair = (ids['a'], ids['b'])
    mutex = collections.Counter(c[3] for c in calls if c[1] == SEM_TRY and c[0] in pair).most_common(1)[0][0]
    waits = {t: [(c[4], c[5]) for c in calls if c[0] == t and c[1] == SEM_WAIT and c[3] == mutex] for t in pair}
    first, later, idle, per_wait = [], [], [], collections.Counter()
    gaps = {'first of a wait': [], 'later in the wait': [], 'nobody waiting': []}
    for t in pair:
        other = waits[pair[1] if t == pair[0] else pair[0]]
        starts = [s for s, _ in other]
        seen = collections.Counter()
        mine = [c for c in calls if c[0] == t and c[3] == mutex]
        for k, c in enumerate(mine):
            if c[1] != SEM_POST:
                continue
            i = bisect.bisect_right(starts, c[4]) - 1
            us = (c[5] - c[4]) / 1000
            if i >= 0 and other[i][0] < c[4] < other[i][1]:
                kind = 'later in the wait' if seen[i] else 'first of a wait'
                (later if seen[i] else first).append(us)
                seen[i] += 1
            else:
                kind = 'nobody waiting'
                idle.append(us)
            # From the post's return to this thread's next try: the Python
            # between two items, slower after a system call.
            if k + 1 < len(mine) and mine[k + 1][1] == SEM_TRY:
                gaps[kind].append((mine[k + 1][4] - c[5]) / 1000)
        per_wait.update(seen.values())
    gil = collections.Counter(c[3] for c in calls if c[1] == TIMED_WAIT and c[0] in pair).most_common(1)[0][0]
    signals = [c for c in calls if c[1] == SIGNAL and c[3] == gil]
    at = [c[4] for c in signals]
    ages = {'under 0.5 us': [], '0.5-1 us': [], 'over 1 us': []}
    for c in calls:
        if c[1] != TIMED_WAIT or c[3] != gil or c[0] not in pair:
            continue
        i = bisect.bisect_right(at, c[4])
        while i < len(signals) and signals[i][0] == c[0]:
            i += 1
        if i == len(signals) or signals[i][4] > c[5]:
            continue
        age = (signals[i][4] - c[4]) / 1000
        key = 'under 0.5 us' if age < 0.5 else '0.5-1 us' if age < 1 else 'over 1 us'
        ages[key].append(c[5] - signals[i][4] < 3000)
    q3 = lambda v: [round(quantile(v, p), 2) for p in (0.1, 0.5, 0.9)] if v else None
    return {'post_us': {'first of a wait': q3(first), 'later in the wait': q3(later), 'nobody waiting': q3(idle)},
            'next_try_us': {k: q3(v) for k, v in gaps.items()},
            'posts_per_wait': dict(sorted(per_wait.items())),
            'sem_wait_us': q3([(b - a) / 1000 for t in pair for a, b in waits[t]]),
            'gil_answer_by_age': {k: [sum(v), len(v)] for k, v in ages.items()}}


def sched_stuck(perf_data, ids):
    """The I/O thread's wake-ups onto a CPU running another thread while
    the other CPU was idle, and how long each waited to run."""
    out = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'cpu,time,event,trace'],
                         capture_output=True, text=True).stdout
    running = collections.defaultdict(int)
    pending = {}
    delays = []
    for line in out.splitlines():
        m = re.match(r'\s*\[(\d+)\]\s+([\d.]+):\s+(\S+): (.*)', line)
        if not m:
            continue
        cpu, t, event, rest = int(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
        if event == 'sched:sched_switch':
            nxt = int(re.search(r'next_pid=(\d+)', rest).group(1))
            running[cpu] = nxt
            if nxt in pending:
                delays.append((t - pending.pop(nxt)) * 1e6)
        elif event == 'sched:sched_wakeup':
            pid = int(re.search(r' pid=(\d+)', rest).group(1))
            target = int(re.search(r'target_cpu=(\d+)', rest).group(1))
            busy = running[target] != 0
            other_idle = any(running[c] == 0 for c in list(running) if c != target)
            if pid == ids['io'] and busy and other_idle:
                pending[pid] = t
    stuck = sorted(d for d in delays if d > 200)
    return {'n': len(delays), 'waited_over_200us': len(stuck),
            'waits_ms': [round(d / 1000, 2) for d in stuck]}


def signal_groups(path, ids):
    """Per forced drop by a CPU-bound thread, from glibc's own counters
    (cond_trace.c's GROUP and LEFT): whether the signal switched groups
    (G1 had no waiter left) or went to the waiters G1 still held, and who
    took the GIL: the requester, the I/O thread or another CPU-bound
    thread, and whether that one's wait was in G1."""
    calls = read_calls(path)
    cpu = cpu_threads(ids)
    gil_cond, switch_cond = gil_conds(calls, cpu)
    takes = sorted((c[4], c[0]) for c in calls if c[1] == SIGNAL and c[3] == switch_cond)
    timeouts = sorted((c[5], c[0]) for c in calls if c[1] == TIMED_WAIT and c[3] == gil_cond and c[2] == ETIMEDOUT)
    waits = collections.defaultdict(list)
    for c in calls:
        if c[1] == TIMED_WAIT and c[3] == gil_cond:
            waits[c[0]].append((c[4], c[5], c[7]))
    for v in waits.values():
        v.sort()
    table = collections.Counter()
    for c in calls:
        if not (c[1] == SIGNAL and c[3] == gil_cond and c[0] in cpu):
            continue
        t, dropper, g1, left = c[4], c[0], c[7], c[8]
        i = bisect.bisect_right(takes, (t, 1 << 62))
        if i == len(takes):
            continue
        winner = takes[i][1]
        requester = requester_of(timeouts, t, dropper)[1]
        ws = waits[winner]
        j = bisect.bisect_right(ws, (t, 1 << 62, 0)) - 1
        in_g1 = j >= 0 and ws[j][1] >= t and ws[j][2] == g1
        who = 'requester' if winner == requester else 'io' if winner == ids['io'] else 'other cpu'
        table['%s, %s took it%s' % ('group switch' if left == 0 else 'to G1 (%s left)' % ('1' if left == 1 else '2+'),
                                    who, ', its wait in G1' if left and in_g1 else '')] += 1
    return dict(sorted(table.items()))


def requester_at_drop(perf_data, path, ids):
    """Per forced drop with a requester (the last other CPU-bound thread
    whose wait ran out within 300 us before): whether the requester's timer
    woke it on the CPU the holder ran on, whether it was on a CPU at the
    drop (awake), and who took the GIL. perf runs on CLOCK_MONOTONIC, the
    recorder's clock, so the two line up."""
    calls = read_calls(path)
    cpu = cpu_threads(ids)
    gil_cond, switch_cond = gil_conds(calls, cpu)
    drops = sorted((c[4], c[0]) for c in calls if c[1] == SIGNAL and c[3] == gil_cond and c[0] in cpu)
    takes = sorted((c[4], c[0]) for c in calls if c[1] == SIGNAL and c[3] == switch_cond)
    timeouts = sorted((c[5], c[0]) for c in calls if c[1] == TIMED_WAIT and c[3] == gil_cond and c[2] == ETIMEDOUT)
    on_cpu, since, wakes = collections.defaultdict(list), {}, collections.defaultdict(list)
    out = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'cpu,time,event,trace'],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r'\s*\[(\d+)\]\s+([\d.]+):\s+(\S+): (.*)', line)
        if not m:
            continue
        c, t, event, rest = int(m.group(1)), int(round(float(m.group(2)) * 1e9)), m.group(3), m.group(4)
        if event == 'sched:sched_switch':
            prev = int(re.search(r'prev_pid=(\d+)', rest).group(1))
            if prev in since:
                on_cpu[prev].append((since.pop(prev), t, c))
            since[int(re.search(r'next_pid=(\d+)', rest).group(1))] = t
        else:
            wakes[int(re.search(r' pid=(\d+)', rest).group(1))].append(
                (t, int(re.search(r'target_cpu=(\d+)', rest).group(1))))

    def where(pid, t):
        return next((c for a, b, c in on_cpu[pid] if a <= t <= b), None)
    table = collections.Counter()
    for t, dropper in drops:
        i = bisect.bisect_right(takes, (t, 1 << 62))
        when, req = requester_of(timeouts, t, dropper)
        if i == len(takes) or req is None:
            continue
        winner = takes[i][1]
        woke = [w for w in wakes[req] if w[0] <= when]
        same = bool(woke) and woke[-1][1] == where(dropper, woke[-1][0])
        key = '%s, %s, %s' % ('woke on the holder\'s CPU' if same else 'woke elsewhere',
                              'awake at the drop' if where(req, t) is not None else 'off CPU at the drop',
                              'requester won' if winner == req else 'io won' if winner == ids['io'] else 'other won')
        table[key] += 1
    return dict(sorted(table.items()))


def run(py, lib, interval_ms, seconds, sched, tmp, syscall=False, n_cpu=2, lock=None):
    prog = os.path.join(tmp, 'prog.py')
    with open(prog, 'w') as f:
        f.write({'queue': PROGRAM_QUEUE, 'lock': PROGRAM_LOCK}.get(lock) or (PROGRAM_SYSCALL if syscall else PROGRAM))
    args = [py, prog, str(interval_ms / 1000), str(seconds), str(n_cpu)]
    plain = subprocess.run(args, capture_output=True, text=True, check=True)
    trace = os.path.join(tmp, 'calls.txt')
    # Preloaded into the interpreter only (env), not into perf.
    args = ['env', 'LD_PRELOAD=' + lib, 'COND_TRACE=' + trace] + args
    perf_data = os.path.join(tmp, 'perf.data')
    if sched:
        args = ['perf', 'record', '-q', '-k', 'CLOCK_MONOTONIC', '-o', perf_data, '-a', '-e',
                'sched:sched_switch,sched:sched_wakeup', '--'] + args
    traced = subprocess.run(args, capture_output=True, text=True, check=True)
    ids = ast.literal_eval(traced.stdout.strip().splitlines()[-1])
    ios, untraced = ids['ios'], ast.literal_eval(plain.stdout.strip().splitlines()[-1])['ios']
    if lock:
        out = {'python': py, 'interval_ms': interval_ms, 'items': ios, 'items_untraced': untraced}
        out.update(analyse_lock(trace, ids))
    else:
        out = {'python': py, 'interval_ms': interval_ms, 'cpu_threads': n_cpu, 'ios': ios, 'ios_untraced': untraced}
        out.update(analyse_syscall(trace, ids) if syscall else analyse(trace, ids))
        if not syscall:
            out['signal_groups'] = signal_groups(trace, ids)
        if sched and not syscall:
            out['io_wakeups_on_busy_cpu'] = sched_stuck(perf_data, ids)
            out['requester_at_drop'] = requester_at_drop(perf_data, trace, ids)
    out['loadavg'] = open('/proc/loadavg').read().split()[:3]
    return out


def main(argv):
    py, intervals, seconds, runs, sched, syscall, n_cpu, lock = 'python3', [], 4.0, 3, False, False, 2, None
    it = iter(argv)
    for a in it:
        if a == '--python':
            py = next(it)
        elif a == '--interval':
            intervals.append(float(next(it)))
        elif a == '--seconds':
            seconds = float(next(it))
        elif a == '--runs':
            runs = int(next(it))
        elif a == '--sched':
            sched = True
        elif a == '--syscall':
            syscall = True
        elif a in ('--queue', '--lock'):
            lock = a[2:]
        elif a == '--cpu':
            n_cpu = int(next(it))
        else:
            sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, 'cond_trace.so')
        subprocess.run(['cc', '-O2', '-shared', '-fPIC', '-o', lib, os.path.join(HERE, 'cond_trace.c'), '-ldl'],
                       check=True)
        for interval in intervals or ([5.0] if lock else [1.0, 5.0, 20.0]):
            for _ in range(runs):
                print(json.dumps(run(py, lib, interval, seconds, sched, tmp, syscall, n_cpu, lock)), flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
