#!/usr/bin/env python3
"""Counters that are right: every counter of the run report checked
against a small scenario whose answer is known by hand.

The machine is made exact where it matters: a fixed 10 us wake-up
latency, timers that fire on time and no context-switch cost, so a 1 ms I/O done by a thread alone takes 1.010 ms
from its start until the thread runs again.
(Lost updates are checked by the model's own tests.)
"""
from gilsim_test import check, process, run_json, report, scenario_file, thread

US, MS = 1000, 1000000
EXACT = {'cores': 2, 'wake_latency': '10us', 'timer_slack': '0ns', 'timer_latency': '0ns',
         'context_switch': '0ns'}


def scen(threads, sync=None, machine=EXACT, python=None):
    p = {'name': 'main', 'threads': threads}
    if sync:
        p['sync'] = sync
    s = {'name': 'counters', 'machine': machine, 'processes': [p]}
    if python:
        s['python'] = python
    return scenario_file(s, 'counters.json')


def obj(rep, name):
    for k in ('locks', 'queues'):
        for o in rep.get(k, []):
            if o['name'] == name:
                return o
    raise KeyError(name)


def io_ops():
    # I/O followed by a C call, by another I/O, by C work without the GIL,
    # by Python, and by the thread's end: five I/O operations.
    rep = run_json(scen([{'name': 'a', 'program': [
        {'io': '1ms'}, {'c_call': '1ms'}, {'io': '2ms'}, {'io': '1ms'}, {'nogil': '1ms'},
        {'io': '1ms'}, {'cpu': '1ms'}, {'io': '3ms'}]}]))
    io = thread(rep, 'a')['io']
    check(io['count'] == 5, 'five I/O operations counted once each', str(io['count']))
    lat = io['latency_ns']
    check(lat['p50'] == 1010 * US and lat['max'] == 3010 * US and lat['mean'] == (1010 * 3 + 2010 + 3010) * US // 5,
          'each I/O lasts its time plus the wake-up, until the thread runs again', str(lat))
    # An I/O that ends the thread; an I/O right at the start.
    rep = run_json(scen([{'name': 'a', 'program': [{'io': '1ms'}]}]))
    io = thread(rep, 'a')['io']
    check(io['count'] == 1 and io['latency_ns']['max'] == 1010 * US, 'an I/O that ends the thread counts',
          str(io))
    # A daemon killed inside its I/O never finished it.
    rep = run_json(scen([{'name': 'main', 'program': [{'sleep': '5ms'}]},
                         {'name': 'd', 'daemon': True, 'program': [{'io': '1ms'}, {'io': '1s'}]}]))
    io = thread(rep, 'd')['io']
    check(io['count'] == 1, 'a daemon killed during its second I/O finished one', str(io))
    # Two threads, one GIL: the I/O thread waits for the CPU-bound one to
    # drop the GIL; its I/O lasts until it has the GIL again.
    rep = run_json(scen([{'name': 'io', 'program': [{'io': '1ms'}, {'io': '1ms'}]},
                         {'name': 'hog', 'program': [{'cpu': '20ms'}]}]))
    t = thread(rep, 'io')
    check(t['io']['count'] == 2 and t['io']['latency_ns']['max'] > 5 * MS,
          'I/O beside a CPU-bound thread: two, each until the GIL is back', str(t['io']))
    check(t['gil_wait']['count'] == 2, 'two waits for the GIL, one after each I/O', str(t['gil_wait']))


def gil_counters():
    rep = run_json(scen([{'name': 'a', 'program': [
        {'io': '1ms'}, {'sleep': '1ms'}, {'nogil': '1ms'}, {'cpu': '1ms'}, {'io': '1ms'}]}]))
    t = thread(rep, 'a')
    g = process(rep, 'main')['gil']
    check(t['gil_acquisitions'] == 5 and g['acquisitions'] == 5,
          'GIL acquisitions: the first and one after each of 4 GIL releases', '%s %s' % (t['gil_acquisitions'], g))
    check(g['voluntary_drops'] == 4 and g['switches'] == 0 and g['forced_drops'] == 0 and g['timeouts'] == 0,
          'GIL drops: 4 voluntary, around the blocking calls (the last, at the end, is not one)', str(g))
    check(t['gil_wait']['count'] == 0, 'no wait for a GIL nobody holds', str(t['gil_wait']))
    # Two CPU-bound threads on two cores, 5 ms interval: thread b waits
    # 5 ms, times out, requests a drop; they hand over about every 5 ms.
    rep = run_json(scen([{'name': 'a', 'program': [{'cpu': '12ms'}]}, {'name': 'b', 'program': [{'cpu': '12ms'}]}]))
    g = process(rep, 'main')['gil']
    check(g['timeouts'] == g['drop_requests'] == g['forced_drops'] and 4 <= g['switches'] <= 5,
          'each timeout makes one drop request and one forced drop', str(g))


def locks():
    sync = {'l': 'lock', 'r': 'rlock', 's': {'type': 'semaphore', 'value': 2}}
    rep = run_json(scen([
        {'name': 'a', 'program': [{'with': 'l', 'do': [{'io': '2ms'}]},
                                  {'with': 'r', 'do': [{'with': 'r', 'do': [{'with': 'r', 'do': [{'cpu': '1us'}]}]}]},
                                  {'with': 's', 'do': [{'io': '2ms'}]}]},
        {'name': 'b', 'program': [{'cpu': '100us'}, {'acquire': 'l'}, {'release': 'l'},
                                  {'acquire': 'l', 'blocking': False}, {'release': 'l'},
                                  {'with': 's', 'do': [{'io': '2ms'}]}]},
        {'name': 'c', 'program': [{'cpu': '100us'}, {'acquire': 'l', 'timeout': '500us'},
                                  {'with': 's', 'do': [{'io': '2ms'}]}]},
    ], sync=sync, machine={'cores': 4, 'wake_latency': '10us', 'context_switch': '0ns'}))
    l, r, s = obj(rep, 'l'), obj(rep, 'r'), obj(rep, 's')
    check(l['acquisitions'] == 3 and l['contended'] == 1 and l['timeouts'] == 1 and l['max_waiters'] == 2 and
          l['max_holders'] == 1,
          'lock: 3 acquisitions (a, b blocking, b non-blocking), b contended, c timed out', str(l))
    check(r['acquisitions'] == 3 and r['max_holders'] == 1 and r['contended'] == 0,
          'rlock taken 3 deep by one thread: 3 acquisitions, 1 holder', str(r))
    check(s['acquisitions'] == 3 and s['max_holders'] == 2 and s['contended'] == 1,
          'semaphore(2), 3 threads: 2 hold it at once, the third waits', str(s))


def queues():
    sync = {'q': {'type': 'queue', 'maxsize': 2}, 'p': 'pipe'}
    rep = run_json(scen([
        {'name': 'a', 'program': [
            {'get': 'q', 'timeout': '1ms'},                     # empty: times out
            {'get': 'q', 'timeout': 0},                         # empty: queue.Empty at once
            {'put': 'q'}, {'put': 'q'},                         # 2 items
            {'put': 'q', 'timeout': '2ms'},                     # full: times out
            {'put': 'q', 'timeout': 0},                         # full: queue.Full at once
            {'get': 'q'}, {'get': 'q'}, {'put': 'q'}, {'get': 'q'},
            {'send': 'p'}, {'recv': 'p'}, {'recv': 'p', 'timeout': '1ms'}]}], sync=sync))
    q, p = obj(rep, 'q'), obj(rep, 'p')
    check(q['puts'] == 3 and q['gets'] == 3 and q['max_size_seen'] == 2,
          'queue: 3 puts and 3 gets that succeeded, at most 2 items', str(q))
    check(q['timeouts'] == 4, 'queue: 4 timed-out gets and puts, each counted once', str(q['timeouts']))
    check(q['get_blocked_ns'] == 1 * MS and q['put_blocked_ns'] == 2 * MS,
          'queue: blocked 1 ms in get, 2 ms in put', str(q))
    check(p['puts'] == 1 and p['gets'] == 1 and p['timeouts'] == 1, 'pipe: one message, one timed-out recv', str(p))
    # A process pool sends each chunk through its work pipe: as many puts as gets.
    rep = run_json(scen([{'name': 'a', 'program': [
        {'process_pool': {'workers': 2, 'tasks': 5, 'chunksize': 2, 'task': [{'cpu': '1ms'}]}}]}]))
    work = obj(rep, 'Pool0.work')
    check(work['puts'] == 3 and work['gets'] == 3, 'process pool: 3 chunks of 5 tasks put and got', str(work))


def events():
    sync = {'e': 'event', 'cv': 'condition', 'b': {'type': 'barrier', 'parties': 2}}
    rep = run_json(scen([
        {'name': 'a', 'program': [{'wait': 'e', 'timeout': '1ms'}, {'wait': 'e'},
                                  {'with': 'cv', 'do': [{'wait': 'cv', 'timeout': '1ms'}]}, {'wait': 'b'}]},
        {'name': 'b', 'program': [{'sleep': '3ms'}, {'set': 'e'}, {'wait': 'b'}]}], sync=sync))
    e, cv = obj(rep, 'e'), obj(rep, 'cv')
    check(e['timeouts'] == 1 and e['wait_ns']['count'] == 2, 'event: one timed-out wait, two waits', str(e))
    check(cv['timeouts'] == 1, 'condition: one timed-out wait', str(cv))


io_ops()
gil_counters()
locks()
queues()
events()
report()
