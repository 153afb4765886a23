#!/usr/bin/env python3
"""Bytecode class costs of this machine's interpreters, for gilsim's
python.{bytecode,global,arith,loop,call}_cost.

Each cost is solved from the CPU time (time.process_time: robust to other
load on the machine, unlike wall time) of five small loops, each run in a
fresh interpreter, median of --runs repetitions:

  empty   for _ in R: pass                 loop
  local   for _ in R: x = y                loop + 2 bytecode          (LOAD_FAST, STORE_FAST)
  load    for _ in R: count                loop + load + bytecode     (LOAD_GLOBAL, POP_TOP)
  store   for _ in R: count = y            loop + bytecode + store    (LOAD_FAST, STORE_GLOBAL)
  incr    for _ in R: count += 1           loop + load + bytecode + arith + store
  call    for _ in R: f()                  loop + load + call + bytecode

so   loop = empty;  bytecode = (local - empty) / 2;
     global_load = load - empty - bytecode;  global_store = store - empty - bytecode;
     arith = incr - empty - global_load - bytecode - global_store;
     call = call - empty - global_load - bytecode.

CPU time still grows a little when other work shares the cores (caches),
so run it on a quiet machine: the load average is printed with the figures.

Usage: bytecode_costs.py [--runs N] [--n N] [PYTHON...]   (default: python3)
Prints one JSON object per interpreter: version and costs in ns.
"""
import json
import statistics
import subprocess
import sys

SNIPPETS = {
    'empty': 'for _ in R: pass',
    'load': 'for _ in R: count',
    'store': 'for _ in R: count = y',
    'incr': 'for _ in R: count += 1',
    'local': 'for _ in R: x = y',
    'call': 'for _ in R: f()',
}

PROGRAM = '''
import time, sys
clock = getattr(time, "process_time", None) or time.clock
count = 0
def f(): pass
def body(R):
    global count
    y = 1
    %s
R = range(%d)
body(range(1000))
t0 = clock()
body(R)
t1 = clock()
sys.stdout.write("%%.6f\\n" %% ((t1 - t0) * 1e9 / %d))
'''


def python_is_2(python, cache={}):
    if python not in cache:
        v = subprocess.run([python, '-c', 'import sys; print(sys.version_info[0])'], capture_output=True,
                           text=True).stdout.strip()
        cache[python] = v == '2'
    return cache[python]


def one(python, snippet, n):
    src = PROGRAM % (snippet, n, n)
    src = src.replace("range(", "xrange(") if python_is_2(python) else src
    out = subprocess.run([python, '-c', src], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else 'failed')
    return float(out.stdout)


def costs(python, runs, n):
    ver = subprocess.run([python, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
                         capture_output=True, text=True).stdout.strip()
    t = {}
    for name, snip in SNIPPETS.items():
        t[name] = statistics.median(one(python, snip, n) for _ in range(runs))
    loop = t['empty']
    bc = (t['local'] - loop) / 2
    load = t['load'] - loop - bc
    store = t['store'] - loop - bc
    arith = t['incr'] - loop - load - bc - store
    call = t['call'] - loop - load - bc
    r = lambda v: round(v, 1)
    return {'python': ver, 'per_iteration_ns': {k: r(v) for k, v in t.items()},
            'costs_ns': {'loop': r(loop), 'bytecode': r(bc), 'global_load': r(load), 'global_store': r(store),
                         'arith': r(arith), 'call': r(call)}}


def main(argv):
    runs, n, pys = 5, 2000000, []
    it = iter(argv)
    for a in it:
        if a == '--runs':
            runs = int(next(it))
        elif a == '--n':
            n = int(next(it))
        else:
            pys.append(a)
    print(json.dumps({'loadavg': open('/proc/loadavg').read().split()[:3]}))
    for py in pys or ['python3']:
        try:
            print(json.dumps(costs(py, runs, n)))
        except Exception as e:  # a version that cannot run a snippet is reported, not fatal
            print(json.dumps({'python': py, 'error': str(e)}))
        sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1:])
