#!/usr/bin/env python3
"""GIL policies compared on one workload (README, "GIL policies"):
Beazley's countdown on the old GIL, the old GIL's fast but wasteful I/O
response against the new GIL's convoy, FORCE_SWITCHING, and free-threaded
scaling and lost updates."""
from gilsim_test import check, close_to, report, scenario_file, gilsim, run_json, thread, process, simple

COUNTDOWN = 7.8  # Beazley, PyCon 2010: countdown(100M) alone on Python 2.6


def countdown(threads, cores, gil='old', version='2.6'):
    per = COUNTDOWN / threads
    sc = simple('countdown x%d' % threads, {'t%d' % i: [{'cpu': per}] for i in range(threads)},
                cores=cores, version=version, gil=gil)
    return run_json(scenario_file(sc, 'countdown-%s-%d-%d.json' % (gil, threads, cores)))


def test_beazley_countdown():
    seq = countdown(1, 4)['sim_time_ns'] / 1e9
    close_to(seq, COUNTDOWN, 0.02, 'old GIL, one thread: 7.8 s')
    two = countdown(2, 4)
    t2 = two['sim_time_ns'] / 1e9
    close_to(t2, 15.4, 0.25, 'O1: old GIL, 2 threads on 4 cores about 2x slower than sequential (15.4 s)')
    close_to(countdown(4, 4)['sim_time_ns'] / 1e9, 15.7, 0.25, 'O1: 4 threads on 4 cores (15.7 s)')
    one = countdown(2, 1)['sim_time_ns'] / 1e9
    close_to(one, 11.3, 0.25, 'O1: 2 threads restricted to one core (11.3 s)')
    check(one < t2 * 0.85, 'one core is faster than four for the old GIL (%.1f s vs %.1f s)' % (one, t2))
    g = process(two, 'main')['gil']
    # A woken waiter wins only if it looks while the semaphore's post is
    # still in its futex wake, which on several cores is the whole cost of
    # a release (old_signal_cost and old_contention_cost): about half of a
    # release period here.
    check(0.5 * g['switches'] < g['failed_wakeups'] < 2 * g['switches'],
          'on several cores a woken waiter finds the GIL taken again about as often as it wins: 0.5-2 '
          'failed wake-ups per hand-over (%d failed wake-ups, %d switches)' % (g['failed_wakeups'], g['switches']))
    # So a hand-over every one or two wake-ups (12-28 us each): tens of
    # thousands a second (CPython 2.7 on two CPUs here: about 69,000,
    # tools/cpython/old_gil_countdown.py), not the one per time slice of
    # the pinned case.
    rate = g['switches'] / t2
    check(15000 < rate < 60000, 'the old GIL changes hands every wake-up or two: %.0f switches/s' % rate)
    check(two['config']['gil'] == 'old', 'run --json reports the policy')


def io_beside_cpu(gil, version='3.12'):
    sc = simple('io beside cpu (%s)' % gil, {
        'io': [{'repeat': 300, 'do': [{'io': '1ms'}, {'cpu': '20us'}]}],
        'hog': {'daemon': True, 'program': [{'cpu': 600}]},
    }, version=version, gil=gil)
    r = run_json(scenario_file(sc, 'io-%s.json' % gil))
    io = thread(r, 'io')
    return r, io['io']['latency_ns']['p50'] / 1e6, process(r, 'main')['gil']


def test_io_response():
    _, new_p50, new_gil = io_beside_cpu('new')
    _, old_p50, old_gil = io_beside_cpu('old', version='2.7')
    check(new_p50 > 5.5, 'new GIL: each 1 ms I/O waits out the 5 ms interval (p50 %.2f ms)' % new_p50)
    check(old_p50 < new_p50 * 0.7, 'old GIL: the I/O thread gets back faster (p50 %.2f ms vs %.2f ms)'
          % (old_p50, new_p50))
    check(old_p50 < 1.5, 'old GIL: the I/O thread wins the GIL within a few wake-ups (p50 %.2f ms for a 1 ms I/O)'
          % old_p50)
    check(old_gil['failed_wakeups'] > 300 and new_gil['failed_wakeups'] == 0,
          'old GIL: paid for with wake-up waste, more failed wake-ups than I/O operations (%d vs %d)'
          % (old_gil['failed_wakeups'], new_gil['failed_wakeups']))
    _, nf_p50, nf_gil = io_beside_cpu('new-noforce')
    check(nf_gil['failed_wakeups'] > 0,
          'without FORCE_SWITCHING the dropper re-takes the GIL first: %d failed wake-ups' % nf_gil['failed_wakeups'])
    check(nf_p50 >= new_p50, 'and the I/O thread gains nothing (p50 %.2f ms)' % nf_p50)


def test_free_threaded():
    sc = simple('ft', {'a': [{'cpu': 1.0}], 'b': [{'cpu': 1.0}]}, version='3.14', gil='none')
    r = run_json(scenario_file(sc, 'ft.json'))
    t = r['sim_time_ns'] / 1e9
    close_to(t, 1.0 * 1.08, 0.05, 'free-threaded: 2 threads on 2 cores take half of 2 s, times the 8% overhead')
    check(process(r, 'main')['gil']['acquisitions'] == 0, 'no GIL is taken at all')
    sc = simple('ft race', {'a': [{'repeat': 20000, 'do': [{'increment': 'count'}, {'cpu': '100ns'}]}],
                            'b': [{'repeat': 20000, 'do': [{'increment': 'count'}, {'cpu': '100ns'}]}]},
                version='3.14', gil='none')
    sc['processes'][0]['shared'] = {'count': 0}
    r = run_json(scenario_file(sc, 'ft-race.json'))
    v = [o for o in r['shared'] if o['name'] == 'count'][0]
    check(v['lost_updates'] > 0, 'free-threaded: a plain count += 1 loses updates (%d lost)' % v['lost_updates'])
    sc['python']['gil'] = 'new'
    sc['python']['version'] = '3.12'
    r = run_json(scenario_file(sc, 'gil-race.json'))
    v = [o for o in r['shared'] if o['name'] == 'count'][0]
    check(v['lost_updates'] == 0, 'the same on 3.12 with the GIL loses none')


def test_per_interpreter():
    sc = simple('interpreters', {
        'main': [{'start': 'a'}, {'start': 'b'}, {'join': 'a'}, {'join': 'b'}],
        'a': {'start': 'manual', 'interpreter': 1, 'program': [{'cpu': 1.0}]},
        'b': {'start': 'manual', 'interpreter': 2, 'program': [{'cpu': 1.0}]},
    }, version='3.12', gil='per-interpreter')
    r = run_json(scenario_file(sc, 'interp.json'))
    close_to(r['sim_time_ns'] / 1e9, 1.0, 0.05, 'per-interpreter: two threads in two subinterpreters on 2 cores take half of 2 s')
    gils = process(r, 'main')['interpreter_gils']
    check(len(gils) == 3 and all(g['acquisitions'] >= 1 for g in gils), 'each interpreter has its own GIL (%d)' % len(gils))
    sc['python']['gil'] = 'new'
    r = run_json(scenario_file(sc, 'interp-shared.json'))
    check(r['sim_time_ns'] / 1e9 > 1.9, 'with the new GIL the subinterpreters share one GIL (%.2f s)' % (r['sim_time_ns'] / 1e9))
    sc['python'] = {'version': '3.11', 'gil': 'per-interpreter'}
    rc, out, err = gilsim('run', scenario_file(sc, 'interp-311.json'))
    check(rc == 2 and 'PEP 684' in err, 'per-interpreter GILs need 3.12: a located error (%s)' % err.strip())


if __name__ == '__main__':
    test_beazley_countdown()
    test_io_response()
    test_free_threaded()
    test_per_interpreter()
    report()
