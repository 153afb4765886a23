#!/usr/bin/env python3
"""How far apart two CPU-bound threads' forced hand-overs come, beside
gilsim's: the interval plus what each switch adds (the requester's timer
slack and wake-up, the new holder's and the dropper's wake-ups).

Two threads run a pure-Python loop; every 100 iterations each notes if
the other ran last, with the time: each such note is one hand-over. The
median gap between hand-overs is the switch period.

Usage: switch_period.py [--python PY] [--gilsim BIN] [--seconds S] [MS...]
Prints, per interval (default 1, 5 and 20 ms), CPython's median period
(p10-p90) and gilsim's, for 2 threads on this machine's CPUs (gilsim: 2
cores, Python 3.11).
"""
import json
import os
import subprocess
import sys

PROGRAM = r'''
import sys, threading, time
sys.setswitchinterval(%f)
clock = time.perf_counter
last, sw, stop = [None], [], [False]
def hog(me):
    while not stop[0]:
        for _ in range(100):
            pass
        if last[0] is not me:
            last[0] = me
            sw.append(clock())
ts = [threading.Thread(target=hog, args=(i,)) for i in range(2)]
for t in ts: t.start()
time.sleep(%f)
stop[0] = True
for t in ts: t.join()
d = sorted(b - a for a, b in zip(sw[5:], sw[6:]))
print(d[len(d) // 2], d[len(d) // 10], d[9 * len(d) // 10], len(d))
'''


def simulate(binary, ms, seconds):
    sc = {'name': 'switch period', 'machine': {'cores': 2},
          'python': {'version': '3.11', 'switch_interval': '%gms' % ms},
          'processes': [{'name': 'main', 'threads': [
              {'name': t, 'program': [{'cpu': '%gs' % seconds}]} for t in ('a', 'b')]}]}
    r = subprocess.run([binary, 'run', '-', '--json'], input=json.dumps(sc), capture_output=True, text=True,
                       check=True)
    j = json.loads(r.stdout)
    return j['sim_time_ns'] / 1e9 / j['processes'][0]['gil']['switches']


def main(argv):
    py, seconds, intervals = 'python3', 3.0, []
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'gilsim')
    it = iter(argv)
    for a in it:
        if a == '--python':
            py = next(it)
        elif a == '--gilsim':
            binary = next(it)
        elif a == '--seconds':
            seconds = float(next(it))
        else:
            intervals.append(float(a))
    print('interval   CPython median period [p10..p90]   gilsim')
    for ms in intervals or [1.0, 5.0, 20.0]:
        out = subprocess.run([py, '-c', PROGRAM % (ms / 1000, seconds)], capture_output=True, text=True,
                             check=True).stdout.split()
        med, p10, p90 = (float(x) * 1e6 for x in out[:3])
        print('%5g ms   %8.0f us [%.0f..%.0f] (%s hand-overs)   %8.0f us' % (
            ms, med, p10, p90, out[3], simulate(binary, ms, seconds) * 1e6))
    print('load average: %s' % ' '.join(open('/proc/loadavg').read().split()[:3]))


if __name__ == '__main__':
    main(sys.argv[1:])
