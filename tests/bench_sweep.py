#!/usr/bin/env python3
"""Benchmark of `gilsim sweep`: the issue's workload, a 12-point x 5-run
sweep of the convoy scenario (python.switch_interval 0.1 ms..50 ms, log)
with 60 s simulated per run, timed as a user would (wall clock of the whole
command, CSV written). Prints the median of several repetitions, on all
cores and on one, and the runs per second. The target is <= 1 s on a
2-core machine. A figure, not a pass/fail test.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

GILSIM = os.environ.get('GILSIM') or os.path.join(os.path.dirname(__file__), '..', 'build', 'gilsim')
SOURCE_ROOT = os.environ.get('GILSIM_SOURCE_ROOT') or os.path.join(os.path.dirname(__file__), '..')
REPEATS = int(os.environ.get('GILSIM_BENCH_REPEATS', '5'))

ARGS = [os.path.join(SOURCE_ROOT, 'scenarios', 'convoy.json'),
        '--set', 'python.switch_interval=0.1ms..50ms:log:12',
        '--set', 'processes.0.threads.0.program.0.repeat=100000',
        '--until', '60s', '--runs', '5', '-q']


def timed(extra, out):
    t0 = time.perf_counter()
    subprocess.run([GILSIM, 'sweep', *ARGS, *extra, '-o', out], check=True)
    return time.perf_counter() - t0


def main():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'sweep.csv')
        timed([], out)  # warm the page cache
        rows = []
        for label, extra in (('all cores', []), ('--jobs 1', ['--jobs', '1'])):
            t = [timed(extra, out) for _ in range(REPEATS)]
            med = statistics.median(t)
            rows.append((label, med, min(t)))
        print('gilsim sweep: 12 points x 5 runs of the convoy scenario, 60 s simulated each '
              '(%d CPUs online)' % os.cpu_count())
        for label, med, best in rows:
            print('  %-10s median %.3f s  (best %.3f s, %.0f runs/s, %.0f simulated s per wall s)'
                  % (label, med, best, 60 / med, 60 * 60 / med))
    sys.exit(0)


if __name__ == '__main__':
    main()
