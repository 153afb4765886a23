#!/usr/bin/env python3
"""The published results the model must reproduce, checked by running the
real binary on scenario files. Sources: Beazley, "Understanding the Python
GIL" (PyCon 2010); Skvortsov, "Python behind the scenes #13: the GIL and its
effects on Python multithreading" (2021), its tables N1 and C2.

- N1: CPU-bound work split over 2/4/8 threads on 2 cores takes about as long
  as sequential (Skvortsov: 6.52 / 6.57 / 6.59 / 6.58 s).
- Processes: 2 processes on 2 cores take about half.
- With 2 CPU-bound threads the GIL changes hands once per timed wait: about
  1/(interval + the timer's slack and latency + the waiter's wake-up) times
  a second.
- C2 shape: an I/O thread doing 1 ms waits beside one CPU-bound thread gets
  about 1/(1 ms + interval) operations per second; beside two or more it gets
  markedly fewer (the convoy effect).
"""
from gilsim_test import check, close_to, config, report, scenario_file, run_json, seconds, thread, process, simple

WORK_S = 2.0


def cpu_threads(k, cores=2):
    per = WORK_S / k
    return simple('cpu x%d' % k, {('t%d' % i): [{'cpu': per}] for i in range(k)}, cores=cores)


def test_threads_no_faster():
    seq = run_json(scenario_file(cpu_threads(1), 'n1-1.json'))['sim_time_ns'] / 1e9
    close_to(seq, WORK_S, 0.02, 'N1: one thread does %.1f s of work in about that time' % WORK_S)
    for k in (2, 4, 8):
        t = run_json(scenario_file(cpu_threads(k), 'n1-%d.json' % k))['sim_time_ns'] / 1e9
        close_to(t, seq, 0.15, 'N1: %d threads on 2 cores take as long as sequential' % k)


def test_processes_halve():
    sc = {'name': 'two processes', 'seed': 1, 'machine': {'cores': 2},
          'processes': [{'name': 'p%d' % i, 'threads': [{'name': 'main', 'program': [{'cpu': WORK_S / 2}]}]}
                        for i in range(2)]}
    t = run_json(scenario_file(sc, 'procs.json'))['sim_time_ns'] / 1e9
    close_to(t, WORK_S / 2, 0.15, '2 processes on 2 cores take about half of sequential')
    sc['machine']['cores'] = 1
    t1 = run_json(scenario_file(sc, 'procs1.json'))['sim_time_ns'] / 1e9
    close_to(t1, WORK_S, 0.15, '2 processes on 1 core take about as long as sequential')


def test_switch_rate():
    for interval_ms in (1, 5, 20):
        sc = simple('pair', {'a': [{'cpu': 2.0}], 'b': [{'cpu': 2.0}]}, interval='%dms' % interval_ms)
        path = scenario_file(sc, 'pair-%d.json' % interval_ms)
        r = run_json(path)
        secs = r['sim_time_ns'] / 1e9
        rate = process(r, 'main')['gil']['switches'] / secs
        m = config(path)['machine']
        period = (interval_ms / 1000 + seconds(m['timer_slack']) + seconds(m['timer_latency']) +
                  seconds(m['wake_latency']))
        close_to(rate, 1 / period, 0.15,
                 'two CPU-bound threads switch once per timed wait (%.0f/s) at %d ms' % (1 / period, interval_ms))


def io_rate(cpu_threads_n, interval_ms, reps=300):
    threads = {'io': [{'repeat': reps, 'do': [{'io': '1ms'}, {'cpu': '20us'}]}]}
    for i in range(cpu_threads_n):
        threads['cpu%d' % i] = {'daemon': True, 'program': [{'cpu': 600}]}
    sc = simple('io beside %d cpu' % cpu_threads_n, threads, interval='%gms' % interval_ms)
    r = run_json(scenario_file(sc, 'io-%d-%g.json' % (cpu_threads_n, interval_ms)))
    io = thread(r, 'io')
    return io['io']['count'] / (io['finished_ns'] / 1e9)


def test_io_convoy():
    alone = io_rate(0, 5)
    check(alone > 900, 'an I/O thread alone does nearly 1000 ops/s (%.0f)' % alone)
    one = {}
    for interval_ms in (1, 2, 5, 10, 20):
        one[interval_ms] = io_rate(1, interval_ms, reps=200 if interval_ms < 10 else 100)
        close_to(one[interval_ms], 1000.0 / (1 + interval_ms), 0.15,
                 'C2: I/O beside one CPU thread gets 1/(1 ms + interval) ops/s at %d ms' % interval_ms)
    for n in (2, 4):
        r = io_rate(n, 5, reps=100)
        check(r < 0.75 * one[5], 'convoy: I/O beside %d CPU threads gets markedly fewer ops/s '
              '(%.0f vs %.0f beside one)' % (n, r, one[5]))


if __name__ == '__main__':
    test_threads_no_faster()
    test_processes_halve()
    test_switch_rate()
    test_io_convoy()
    report()
