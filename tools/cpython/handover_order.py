#!/usr/bin/env python3
"""Who takes the GIL at a forced hand-over among CPU-bound threads alone:
the thread that set the drop request, or a thread that has waited longer.

Three CPU-bound threads share the GIL (no I/O, no sleeps). With the new
GIL, while X holds it, the thread that held it just before X (call it P)
is the one whose timed wait runs out with no switch in between, so P sets
the drop request and waits again at once; the third thread (Q) timed out
earlier, found that a switch had happened, and went back to sleep in the
condition variable. When X drops the GIL and signals, who goes on decides
the order of holders:

  P again     "ping-pong": X, P, X, P ... (Q waits until the pair breaks)
  Q           "round robin": X, P, Q, X, P, Q ...

So the share of hand-overs that go back to the previous holder measures how
often the requester, awake and just re-entering its wait, takes the signal
before a sleeper does: the chance that gilsim's "linux-glibc" wake-up
policy calls machine.cond_steal (0.5 under "random", 0 under "fifo").
No I/O thread and no sleep take part, so the figure is independent of the
sleep_delay case it helps to predict.

Each thread runs a pure-Python loop and reads the clock every 200
iterations; a jump of more than a quarter of the interval between two
readings is a stretch it did not hold the GIL. The order in which the
threads resume is the order of holders.

Usage:
    handover_order.py [--python PY] [--interval MS] [--seconds S] [--runs N]
    handover_order.py --gilsim BIN [--set KEY=VALUE]... [--interval MS]
        [--seconds S] [--runs N]

The first form runs the program in PY (default python3) N times (default
5) and prints a JSON line per run and the median share. The second runs the
same three threads in gilsim (3.11, 2 cores, seeds 1..N) and computes the
same share from its trace.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

PROGRAM = r'''
import sys, threading, time
clock = time.perf_counter
SECONDS, GAP = %f, %f
sys.setswitchinterval(%f)
stop = False
gaps = [[] for _ in range(3)]

def cpu(k):
    out = gaps[k]
    last = clock()
    while not stop:
        for _ in range(200):
            pass
        t = clock()
        if t - last > GAP:
            out.append(t)
        last = t

threads = [threading.Thread(target=cpu, args=(k,)) for k in range(3)]
for t in threads: t.start()
time.sleep(SECONDS)
stop = True
for t in threads: t.join()
import json
print(json.dumps(gaps))
'''


def share(order):
    """order: holders in the order they took the GIL. Returns (ping-pong
    hand-overs, all hand-overs counted)."""
    seq = []
    for h in order:
        if not seq or seq[-1] != h:
            seq.append(h)
    back = total = 0
    for i in range(2, len(seq)):
        total += 1
        if seq[i] == seq[i - 2]:
            back += 1
    return back, total


def run_cpython(py, interval_ms, seconds):
    gap = interval_ms / 1000 / 4
    src = PROGRAM % (seconds, gap, interval_ms / 1000)
    r = subprocess.run([py, '-E', '-s', '-c', src], capture_output=True, text=True, timeout=seconds * 10 + 60)
    if r.returncode:
        sys.exit(r.stderr)
    gaps = json.loads(r.stdout)
    resumes = sorted((t, k) for k in range(3) for t in gaps[k])
    # the first 10 % is start-up
    skip = resumes[0][0] + seconds * 0.1 if resumes else 0
    return share([k for (t, k) in resumes if t >= skip])


def scenario(interval_ms, seconds):
    threads = [{"name": "cpu%d" % k, "daemon": True, "program": [{"cpu": "%ds" % (seconds * 10)}]} for k in range(3)]
    threads.append({"name": "main", "program": [{"sleep": "%dms" % (seconds * 1000)}]})
    return {"name": "handover order: 3 CPU-bound threads", "machine": {"cores": 2},
            "python": {"version": "3.11", "switch_interval": "%gms" % interval_ms},
            "processes": [{"name": "main", "threads": threads}]}


def run_gilsim(binary, sets, interval_ms, seconds, seed):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(scenario(interval_ms, seconds), f)
        path = f.name
    try:
        cmd = [binary, 'trace', path, '--seed', str(seed), '--format', 'csv', '-o', '-']
        for s in sets:
            cmd += ['--set', s]
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    finally:
        os.unlink(path)
    rows = [line.split(',') for line in r.stdout.splitlines()[1:]]
    starts = sorted((int(row[4]), row[1]) for row in rows
                    if row[2] == 'Running' and row[3] == 'python' and row[1].startswith('cpu'))
    skip = seconds * 1e9 * 0.1
    return share([name for (t, name) in starts if t >= skip])


def main(argv):
    py, binary, sets, interval_ms, seconds, runs = 'python3', None, [], 5.0, 4.0, 5
    it = iter(argv)
    for a in it:
        if a == '--python':
            py = next(it)
        elif a == '--gilsim':
            binary = next(it)
        elif a == '--set':
            sets.append(next(it))
        elif a == '--interval':
            interval_ms = float(next(it))
        elif a == '--seconds':
            seconds = float(next(it))
        elif a == '--runs':
            runs = int(next(it))
        else:
            sys.exit('handover_order.py: unknown argument %r' % a)
    shares = []
    for i in range(runs):
        if binary:
            back, total = run_gilsim(binary, sets, interval_ms, seconds, i + 1)
            who = {'gilsim': binary, 'set': sets, 'seed': i + 1}
        else:
            back, total = run_cpython(py, interval_ms, seconds)
            who = {'python': py, 'loadavg': open('/proc/loadavg').read().split()[:3]}
        s = back / total if total else float('nan')
        shares.append(s)
        print(json.dumps(dict(who, interval_ms=interval_ms, handovers=total, back=back, share=round(s, 3))),
              flush=True)
    print(json.dumps({'median_share': round(statistics.median(shares), 3),
                      'min': round(min(shares), 3), 'max': round(max(shares), 3), 'runs': runs}))


if __name__ == '__main__':
    main(sys.argv[1:])
