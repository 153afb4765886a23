#!/usr/bin/env python3
"""Which waiter the OS wakes when the GIL is dropped (machine.wakeup_policy),
seen where it matters most: an I/O thread's 1 ms sleeps beside two
CPU-bound threads (tools/cpython/sleep_delay.py measures the same on real
CPython).

Under "linux-glibc" the thread that just timed out, set the drop request
and waited again is still awake when the holder signals, and takes the
signal with probability machine.cond_steal while it is within
machine.cond_enter_window of its wait's start; otherwise the futex wakes
the longest sleeper, which beside two CPU-bound threads is the I/O thread.
So cond_steal = 0 hands the I/O thread the first hand-over after its sleep,
cond_steal = 1 starves it, and "fifo"/"random" keep their own rules.
"""
import csv
import io
import statistics

from gilsim_test import check, config, gilsim, report, scenario_file, seconds, simple

INTERVAL_MS = 5


def io_delays(name, *sets, version='3.11'):
    """The extra delay (us) of each 1 ms sleep of the I/O thread, from the trace."""
    sc = simple('io beside two hogs', {
        'io': [{'sleep': '50ms'}, {'repeat': 200, 'do': [{'sleep': '1ms'}, {'cpu': '1us'}]}],
        'hog0': {'daemon': True, 'program': [{'cpu': 3600}]},
        'hog1': {'daemon': True, 'program': [{'cpu': 3600}]},
    }, interval='%dms' % INTERVAL_MS, version=version)
    args = ['trace', scenario_file(sc, name), '--format', 'csv', '-o', '-']
    for s in sets:
        args += ['--set', s]
    rc, out, err = gilsim(*args, check_rc=0)
    delays, start = [], None
    for r in csv.DictReader(io.StringIO(out)):
        if r['thread'] != 'io':
            continue
        if r['reason'] == 'sleep':
            start = int(r['start_ns'])
        elif r['reason'] == 'python' and start is not None:
            delays.append((int(r['start_ns']) - start) / 1e3 - 1000)
            start = None
    return delays[1:]


def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def test_longest_sleeper_without_steals():
    d = io_delays('glibc-0.json', 'machine.wakeup_policy=linux-glibc', 'machine.cond_steal=0')
    check(len(d) > 100, 'the I/O thread ran its sleeps (%d)' % len(d))
    check(q(d, 0.9) < (INTERVAL_MS + 0.5) * 1000,
          'no steals: the futex wakes the longest sleeper, so the I/O thread takes the first hand-over '
          'after its sleep (p90 extra %.0f us < %d ms + 0.5 ms)' % (q(d, 0.9), INTERVAL_MS))


def test_awake_requester_takes_every_signal():
    d = io_delays('glibc-1.json', 'machine.wakeup_policy=linux-glibc', 'machine.cond_steal=1')
    check(statistics.median(d) > 10 * INTERVAL_MS * 1000,
          'every signal stolen: the CPU-bound requester always wins and the I/O thread waits more than '
          '10 intervals (p50 extra %.0f us)' % statistics.median(d))


def test_window_closes():
    d = io_delays('glibc-w0.json', 'machine.wakeup_policy=linux-glibc', 'machine.cond_steal=1',
                  'machine.cond_enter_window=0')
    check(q(d, 0.9) < (INTERVAL_MS + 0.5) * 1000,
          'a waiter already asleep cannot steal: with no enter window the I/O thread wins as without '
          'steals (p90 extra %.0f us)' % q(d, 0.9))


def test_steal_share_orders():
    means = [statistics.mean(io_delays('glibc-s%g.json' % p, 'machine.wakeup_policy=linux-glibc',
                                       'machine.cond_steal=%g' % p)) for p in (0, 0.5, 1)]
    check(means[0] < means[1] < means[2],
          'the more signals the awake requester steals, the longer the I/O thread waits '
          '(mean extra %.0f, %.0f, %.0f us at cond_steal 0, 0.5, 1)' % tuple(means))
    fifo = io_delays('fifo.json', 'machine.wakeup_policy=fifo')
    check(q(fifo, 0.9) < (INTERVAL_MS + 0.5) * 1000,
          'fifo: the oldest waiter, the I/O thread, wins its first hand-over (p90 %.0f us)' % q(fifo, 0.9))


def test_explained():
    c = config(scenario_file(simple('x', {'a': [{'cpu': '1ms'}]}), 'cfg.json'), '--set',
               'machine.wakeup_policy=linux-glibc')
    m = c['machine']
    check(m['wakeup_policy'] == 'linux-glibc', 'explain-config shows the policy (%s)' % m['wakeup_policy'])
    check('cond_steal' in m and 'cond_enter_window' in m and seconds(m['cond_enter_window']) > 0,
          'explain-config shows the steal share and the enter window (%s, %s)'
          % (m.get('cond_steal'), m.get('cond_enter_window')))


if __name__ == '__main__':
    test_longest_sleeper_without_steals()
    test_awake_requester_takes_every_signal()
    test_window_closes()
    test_steal_share_orders()
    test_explained()
    report()
