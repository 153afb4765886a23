#!/usr/bin/env python3
"""Who wins a forced GIL hand-over: an I/O thread (a loop of 1 ms sleeps)
beside N CPU-bound threads, on a real interpreter.

Each CPU-bound thread runs a pure-Python loop and reads the clock every few
hundred iterations; a jump of more than GAP_US between two readings is a
stretch in which it did not hold the GIL (or a CPU). The I/O thread stamps
each sleep's start and its return. From the stamps:

  delay      how much later than 1 ms each sleep returned (p50, p90)
  won        for every hand-over away from a CPU-bound thread while the
             I/O thread waited for the GIL (1 ms after its sleep began, to
             its return): who resumed first, the I/O thread or another
             CPU-bound thread; the I/O thread's share of those

Usage: handover_probe.py [--python PY] [--cpu N] [--interval MS] [--seconds S]
Runs the measured program in PY (default python3) and prints JSON.
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
    won = lost = 0
    for k in range(n_cpu):
        for (start, _) in gaps[k]:
            i = bisect.bisect_left(waiting, (start, float('inf'))) - 1
            if i < 0 or not (waiting[i][0] < start < waiting[i][1]):
                continue
            j = bisect.bisect_right(times, start)
            if j < len(resumes):
                if resumes[j][1] == 'io':
                    won += 1
                elif resumes[j][1] != 'cpu%d' % k:
                    lost += 1
    if won + lost:
        out['io_won'] = won
        out['cpu_won'] = lost
        out['won_share'] = round(won / (won + lost), 3)
    return out


def main(argv):
    py, n_cpu, interval_ms, seconds = 'python3', 2, 5.0, 4.0
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
