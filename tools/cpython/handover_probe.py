#!/usr/bin/env python3
"""Who wins a forced GIL hand-over: an I/O thread (a loop of 1 ms sleeps)
beside N CPU-bound threads, on a real interpreter.

Each CPU-bound thread runs a pure-Python loop and reads the clock every few
hundred iterations; a jump of more than GAP_US between two readings is a
stretch in which it did not hold the GIL (or a CPU). The I/O thread stamps
each sleep's start and its return. From the stamps:

  delay      how much later than 1 ms each sleep returned (p50, p90)
  won        the hand-overs away from a CPU-bound thread while the I/O
             thread waited for the GIL (1 ms after its sleep began, to its
             return): each wait ends with one to the I/O thread (the
             CPU-bound threads never let go otherwise), and the others went
             to another CPU-bound thread (a gap that ends with that one
             resuming); the I/O thread's share of those. Its own wins are
             counted by its waits, not by gaps: it holds the GIL for
             microseconds, so the thread it took the GIL from pauses too
             briefly to leave a gap.

Usage: handover_probe.py [--python PY] [--cpu N] [--interval MS] [--seconds S]
       handover_probe.py --gilsim BIN [--seed K] [--set KEY=VALUE]... [--cpu N]
           [--interval MS] [--seconds S]
The first form runs the measured program in PY (default python3) and prints
JSON. The second simulates the same threads in gilsim (3.11, 2 cores) and
prints the same figures from its trace: a hand-over away from a CPU-bound
thread while the I/O thread waited is one its trace shows (the GIL holder
changing), so no gap threshold is involved.
"""
import json
import statistics
import subprocess
import sys

PROGRAM = r'''
import sys, threading, time
clock = time.perf_counter
N_CPU, SECONDS, GAP = %d, %f, %f
sys.setswitchinterval(%f)
stop = False
gaps = [[] for _ in range(N_CPU)]
sleeps = []

def cpu(k):
    out = gaps[k]
    last = clock()
    while not stop:
        for _ in range(200):
            pass
        t = clock()
        if t - last > GAP:
            out.append((last, t))
        last = t

def io():
    while not stop:
        t0 = clock()
        time.sleep(0.001)
        sleeps.append((t0, clock()))

threads = [threading.Thread(target=cpu, args=(k,)) for k in range(N_CPU)]
threads.append(threading.Thread(target=io))
for t in threads: t.start()
time.sleep(SECONDS)
stop = True
for t in threads: t.join()
import json
print(json.dumps({"gaps": gaps, "sleeps": sleeps}))
'''


def analyse(data, n_cpu):
    sleeps = data['sleeps'][20:]  # skip the start-up
    gaps = data['gaps']
    delays = [(t1 - t0 - 0.001) * 1e6 for (t0, t1) in sleeps]
    q = lambda v, p: sorted(v)[int(p * (len(v) - 1))]
    out = {'ios': len(sleeps), 'delay_p50_us': round(q(delays, 0.5), 1), 'delay_p90_us': round(q(delays, 0.9), 1)}
    if n_cpu < 2:
        return out
    # Each gap of a CPU-bound thread starts when it lost the GIL. Whoever
    # resumed first after that took it: another CPU-bound thread (the end
    # of its gap) or the I/O thread (the return of its sleep). Counted only
    # while the I/O thread was waiting for the GIL (its 1 ms was over).
    resumes = sorted([(end, 'cpu%d' % k) for k in range(n_cpu) for (_, end) in gaps[k]] +
                     [(t1, 'io') for (_, t1) in sleeps])
    waiting = [(t0 + 0.001, t1) for (t0, t1) in sleeps]
    import bisect
    times = [r[0] for r in resumes]
    won, lost = len(waiting), 0
    for k in range(n_cpu):
        for (start, _) in gaps[k]:
            i = bisect.bisect_left(waiting, (start, float('inf'))) - 1
            if i < 0 or not (waiting[i][0] < start < waiting[i][1]):
                continue
            j = bisect.bisect_right(times, start)
            if j < len(resumes) and resumes[j][1] not in ('io', 'cpu%d' % k):
                lost += 1
    if won + lost:
        out['io_won'] = won
        out['cpu_won'] = lost
        out['won_share'] = round(won / (won + lost), 3)
    return out


def simulate(binary, sets, n_cpu, interval_ms, seconds, seed):
    """The same figures from gilsim's trace of the same threads."""
    sc = {'name': 'handover probe', 'seed': seed, 'machine': {'cores': 2},
          'python': {'version': '3.11', 'switch_interval': '%gms' % interval_ms},
          'processes': [{'name': 'main', 'threads': [
              {'name': 'io', 'program': [{'repeat': int(seconds * 1000), 'do': [{'sleep': '1ms'}]}]}] + [
              {'name': 'cpu%d' % k, 'daemon': True, 'program': [{'cpu': '3600s'}]} for k in range(n_cpu)]}]}
    args = [binary, 'trace', '-', '--format', 'csv', '-o', '-']
    for kv in sets:
        args += ['--set', kv]
    r = subprocess.run(args, input=json.dumps(sc), capture_output=True, text=True)
    if r.returncode:
        sys.exit(r.stderr)
    takes, waits, sleeps = [], [], []
    for line in r.stdout.splitlines()[1:]:
        _, th, state, reason, a, b, _, holder = line.split(',')
        a, b = int(a), int(b)
        # A thread takes the GIL where a Running stretch of its own begins
        # (the I/O thread's are zero-long: it sleeps again at once).
        if state == 'Running' and (holder == th or (th == 'io' and a == b)):
            takes.append((a, th))
        if th == 'io' and state == 'Runnable' and reason == 'wait_gil':
            waits.append((a, b))
        if th == 'io' and state == 'Blocked' and reason == 'sleep':
            sleeps.append((a, b))
    import bisect
    takes.sort()
    times = [t for t, _ in takes]
    won = lost = 0
    for a, b in waits:
        # who held the GIL when the wait began, then each change of holder in it
        i = bisect.bisect_right(times, a)
        prev = takes[i - 1][1] if i else None
        while i < len(takes) and takes[i][0] <= b:
            th = takes[i][1]
            if th != prev:
                won += th == 'io'
                lost += th != 'io'
            prev = th
            i += 1
    # each sleep's delay: from its start to the I/O thread's next take
    io_takes = [t for t, th in takes if th == 'io']
    delays = []
    for a, b in sleeps:
        i = bisect.bisect_left(io_takes, b)
        if i < len(io_takes):
            delays.append((io_takes[i] - a) / 1e3 - 1000)
    delays = delays[20:]  # skip the start-up, as the measured program does
    q = lambda v, p: sorted(v)[int(p * (len(v) - 1))]  # noqa: E731
    out = {'ios': len(delays), 'delay_p50_us': round(q(delays, 0.5), 1), 'delay_p90_us': round(q(delays, 0.9), 1)}
    if n_cpu >= 2 and won + lost:
        out.update(io_won=won, cpu_won=lost, won_share=round(won / (won + lost), 3))
    return out


def main(argv):
    py, n_cpu, interval_ms, seconds = 'python3', 2, 5.0, 4.0
    binary, sets, seed = None, [], 1
    it = iter(argv)
    for a in it:
        if a == '--python':
            py = next(it)
        elif a == '--cpu':
            n_cpu = int(next(it))
        elif a == '--interval':
            interval_ms = float(next(it))
        elif a == '--seconds':
            seconds = float(next(it))
        elif a == '--gilsim':
            binary = next(it)
        elif a == '--set':
            sets.append(next(it))
        elif a == '--seed':
            seed = int(next(it))
    if binary:
        res = simulate(binary, sets, n_cpu, interval_ms, seconds, seed)
        res.update({'gilsim': binary, 'set': sets, 'seed': seed, 'cpu_threads': n_cpu, 'interval_ms': interval_ms})
        print(json.dumps(res))
        return
    gap = max(interval_ms / 1000 / 4, 0.0002)
    src = PROGRAM % (n_cpu, seconds, gap, interval_ms / 1000)
    r = subprocess.run([py, '-c', src], capture_output=True, text=True, timeout=seconds * 10 + 60)
    if r.returncode:
        sys.exit(r.stderr)
    res = analyse(json.loads(r.stdout), n_cpu)
    res.update({'python': py, 'cpu_threads': n_cpu, 'interval_ms': interval_ms,
                'loadavg': open('/proc/loadavg').read().split()[:3]})
    print(json.dumps(res))


if __name__ == '__main__':
    main(sys.argv[1:])
