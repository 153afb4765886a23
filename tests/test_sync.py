#!/usr/bin/env python3
"""Python's synchronization primitives, pools, fork hazards and data races:
each bundled scenario run by the real binary, and the lesson it teaches
asserted on its --json report."""
import json
import os

from gilsim_test import (check, config, report, scenario_file, gilsim, run_json, seconds, thread, process,
                         simple, SCENARIOS)


def sc(name):
    return os.path.join(SCENARIOS, name + '.json')


def obj(r, section, name, process='main'):
    for o in r[section]:
        if o['name'] == name and o['process'] == process:
            return o
    raise KeyError(name)


def test_counters():
    r = run_json(sc('counter_lock'))
    v = obj(r, 'shared', 'count')
    check(v['final'] == 100000 and v['expected'] == 100000 and v['lost_updates'] == 0,
          'with a lock the counter ends at exactly 100000 (%s)' % v['final'])
    lk = obj(r, 'locks', 'lock')
    check(lk['acquisitions'] == 100000, 'the lock was taken once per increment (%d)' % lk['acquisitions'])
    check(lk['contended'] > 0, 'the GIL handed over while the lock was held: %d contended acquires' % lk['contended'])
    r = run_json(sc('counter_race_39'))
    v = obj(r, 'shared', 'count')
    check(v['lost_updates'] > 0 and v['final'] < 40000 and v['final'] + v['lost_updates'] == 40000,
          'Python 3.9: the unprotected count += 1 loses updates (%d lost)' % v['lost_updates'])
    r = run_json(sc('counter_race_311'))
    v = obj(r, 'shared', 'count')
    s = process(r, 'main')['gil']['switches']
    check(v['lost_updates'] == 0 and v['final'] == 40000 and s > 20,
          'Python 3.11: count += 1 never splits, though the GIL switched %d times' % s)
    r = run_json(sc('counter_race_call'))
    v = obj(r, 'shared', 'count')
    check(v['lost_updates'] > 0, 'a call between read and write splits even on 3.11 (%d lost)' % v['lost_updates'])


def test_rlock():
    r = run_json(sc('rlock_reentry'))
    lk = obj(r, 'locks', 'r')
    check(r['outcome'] == 'done', 'RLock re-entry runs to the end')
    check(lk['acquisitions'] == 4, 'three nested acquires by one thread and one by the other (%d)' % lk['acquisitions'])
    other = thread(r, 'other')
    check(other['state_ns']['lock'] > 4_000_000, 'the other thread waited for all three levels to be released')


def test_semaphore():
    r = run_json(sc('semaphore_pool'))
    s = obj(r, 'locks', 'slots')
    check(s['max_holders'] == 3, 'at most 3 of 8 workers hold the semaphore at once (%d)' % s['max_holders'])
    check(s['max_waiters'] == 5, 'the other 5 wait (%d)' % s['max_waiters'])
    check(r['sim_time_ns'] > 60_000_000, 'three rounds of 20 ms I/O take over 60 ms')


def test_event_condition_barrier():
    r = run_json(sc('event_signal'))
    starts = sorted(thread(r, w)['finished_ns'] for w in ('w1', 'w2', 'w3'))
    check(r['outcome'] == 'done' and all(s > 12_000_000 for s in starts),
          'no worker goes on before the event is set')
    check(starts[2] - starts[0] >= 5_000_000, 'released together, the workers still take the GIL one at a time')
    r = run_json(sc('condition_producer_consumer'))
    check(r['outcome'] == 'done', 'producer/consumer with a Condition finishes')
    check(obj(r, 'shared', 'items')['final'] == 10, 'ten items produced')
    r = run_json(sc('barrier'))
    fast = thread(r, 'fast')
    check(r['outcome'] == 'done' and fast['state_ns']['lock'] > 25_000_000,
          'the fast worker waits at the barrier for the slow one, every phase')
    b = simple('barrier timeout', {
        'a': [{'wait': 'gate', 'timeout': '5ms'}],
        'b': [{'sleep': '50ms'}, {'wait': 'gate'}],
    })
    b['processes'][0]['sync'] = {'gate': {'type': 'barrier', 'parties': 2}}
    r = run_json(scenario_file(b, 'barrier-timeout.json'))
    errors = [e['error'] for e in r['errors']]
    check(len(errors) == 2 and all('BrokenBarrierError' in e for e in errors),
          'a timed-out wait breaks the barrier for everyone (%s)' % errors)


def test_queue_and_pools():
    r = run_json(sc('queue_pipeline'))
    q = obj(r, 'queues', 'q')
    check(r['outcome'] == 'done' and q['puts'] == 60 and q['gets'] == 60, '60 items through the queue')
    check(q['max_size_seen'] <= 5, 'a Queue(maxsize=5) never holds more than 5 (%d)' % q['max_size_seen'])
    r = run_json(sc('thread_pool'))
    workers = [t for t in r['threads'] if t['name'] != 'main']
    check(len(workers) == 2, 'ThreadPoolExecutor(2) starts exactly 2 workers (%d)' % len(workers))
    check(r['sim_time_ns'] > 4 * 5_000_000, '8 tasks on 2 workers take at least 4 rounds of 5 ms I/O')
    r = run_json(sc('process_pool'))
    pools = [p for p in r['processes'] if p['parent'] == 'main']
    check(len(pools) == 4, 'Pool(4) starts 4 worker processes (%d)' % len(pools))
    busy = sum(t['state_ns']['python'] for t in r['threads'] if t['process'] != 'main')
    check(abs(busy - 100 * 2_000_000) < 100 * 2_000_000 * 0.05, 'the workers ran 100 items of 2 ms (%.0f ms)' % (busy / 1e6))
    check(r['sim_time_ns'] < 0.5 * 100 * 2_000_000, '4 processes on 4 cores beat the sequential 200 ms (%.0f ms)' % (r['sim_time_ns'] / 1e6))


def test_fork():
    r = run_json(sc('fork_pipe'))
    check(r['outcome'] == 'done', 'fork with a pipe: the parent reads all 5 messages and joins the child')
    child = thread(r, 'main', 'child')
    check(child['state_ns']['python'] >= 15_000_000, 'the child computed in its own process')
    rc, out, _ = gilsim('run', sc('fork_lock_deadlock'), '--json')
    r = json.loads(out)
    check(rc == 3 and r['outcome'] == 'deadlock', 'fork while another thread holds a lock deadlocks the child (exit 3)')
    stuck = r['deadlock']['threads']
    check(len(stuck) == 1 and stuck[0]['process'] == 'child', 'exactly the child is stuck')
    text = json.dumps(stuck)
    check('log_lock' in text and 'does not exist' in text and 'logger' in text,
          'the report names the lock and the lost thread that held it: %s' % stuck[0].get('waits_for'))
    check(any('fork' in w for w in r['warnings']), 'fork in a multi-threaded process is warned about')


def test_misuse():
    bad = simple('release twice', {'a': [{'acquire': 'l'}, {'release': 'l'}, {'release': 'l'}, {'cpu': '1ms'}]})
    bad['processes'][0]['sync'] = {'l': 'lock'}
    rc, out, _ = gilsim('run', scenario_file(bad, 'release-twice.json'), '--json')
    r = json.loads(out)
    check(rc == 0 and any('RuntimeError: release unlocked lock' in e['error'] for e in r['errors']),
          'releasing an unlocked Lock is the RuntimeError CPython raises, in the report')
    calls = 3 * seconds(config(scenario_file(bad, 'release-twice.json'))['python']['lock_call_cost']) * 1e9
    check(abs(thread(r, 'a')['state_ns']['python'] - calls) < 1,
          'the exception ends the thread before its next op: its Python time is the three lock calls (%d ns)'
          % thread(r, 'a')['state_ns']['python'])
    for name, sync, prog, words in [
        ('unknown-lock', {}, [{'release': 'nope'}], 'nope'),
        ('negative-sem', {'s': {'type': 'semaphore', 'value': -1}}, [], 'negative'),
        ('join-self', {}, [{'join': 'a'}], 'itself'),
    ]:
        s = simple(name, {'a': prog})
        if sync:
            s['processes'][0]['sync'] = sync
        rc, out, err = gilsim('run', scenario_file(s, name + '.json'))
        check(rc == 2 and out == '' and words in err and err.count('\n') == 1,
              '%s: a clear one-line load error (%s)' % (name, err.strip()))


def wake_costs(path, *sets):
    """Durations (ns) of the C work each thread pays for the wake-ups it
    made, from the CSV trace: rows `c_call` with the given lengths."""
    args = [x for kv in sets for x in ('--set', kv)]
    rc, out, err = gilsim('trace', path, '--format', 'csv', '-o', '-', *args, check_rc=0)
    return [int(f[5]) - int(f[4]) for f in (line.split(',') for line in out.splitlines()[1:]) if f[3] == 'c_call']


def test_lock_handover():
    """A lock is a glibc semaphore before 3.13: a release while the waiter it
    woke is not back yet still makes the futex call (futex_wake_cost),
    paid with the lock already free; 3.13's PyMutex does not. And where the
    eval breaker is checked decides whether two threads doing
    `with lock: count += 1` fall into a lock convoy: before 3.10 inside the
    block, from 3.10 only after __exit__ has released the lock. Written as
    lock.acquire(); count += 1; lock.release(), the acquire is a call that
    checks once it has returned, with the lock held, on every version
    (tools/cpython/lock_tp.py, form=acquire: 1.4-2.7 us per increment on
    3.10-3.12, against 0.18-0.27 with `with`)."""
    prog_a = [{'acquire': 'L'}, {'nogil': '200us'}, {'release': 'L'},
              {'repeat': 40, 'do': [{'acquire': 'L'}, {'cpu': '200ns'}, {'release': 'L'}]}]
    prog_b = [{'sleep': '10us'}, {'acquire': 'L'}, {'release': 'L'}]
    sets = ('machine.wake_cost=3456ns', 'machine.short_sleep_wake_cost=4567ns', 'machine.futex_wake_cost=1234ns')
    for version, idle in (('3.12', True), ('3.9', True), ('3.13', False)):
        s = simple('handover', {'a': prog_a, 'b': prog_b}, version=version)
        s['processes'][0]['sync'] = {'L': {'type': 'lock'}}
        path = scenario_file(s, 'handover.json')
        costs = wake_costs(path, *sets)
        r = run_json(path)
        if idle:  # (3.13's releases cost nothing: the releaser is done before the waiter is back)
            check(thread(r, 'b')['finished_ns'] < thread(r, 'a')['finished_ns'],
                  '%s: the woken waiter gets the lock while the releaser pays for the futex calls' % version)
        check(costs.count(4567) >= 1 and costs.count(3456) == 0,
              '%s: the release that wakes the waiter asleep for under 200 us costs short_sleep_wake_cost' % version)
        n = costs.count(1234)
        check((n >= 3) == idle and (n == 0) != idle,
              '%s: releases while the woken waiter is on its way back cost futex_wake_cost %s (%d of them)'
              % (version, 'each' if idle else 'never: PyMutex', n))
    for version, form, convoy in (('3.9', 'with', True), ('3.10', 'with', False), ('3.11', 'with', False),
                                  ('3.12', 'with', False), ('3.9', 'acquire', True), ('3.10', 'acquire', True),
                                  ('3.11', 'acquire', True), ('3.12', 'acquire', True)):
        body = [{'with': 'lock', 'do': [{'increment': 'count'}]}]
        if form == 'acquire':
            body = [{'acquire': 'lock'}, {'increment': 'count'}, {'release': 'lock'}]
        s = simple('convoy', {'t1': [{'repeat': 100000, 'do': body}], 't2': [{'repeat': 100000, 'do': body}]},
                   version=version, interval='1ms')
        s['processes'][0]['sync'] = {'lock': {'type': 'lock'}}
        s['processes'][0]['shared'] = {'count': 0}
        r = run_json(scenario_file(s, 'convoy.json'))
        lk = obj(r, 'locks', 'lock')
        v = obj(r, 'shared', 'count')
        sw = process(r, 'main')['gil']['switches']
        check(v['final'] == 200000 and sw >= 2, '%s: the lock keeps every update over %d GIL switches' % (version, sw))
        check((lk['contended'] > 1000) == convoy and (lk['contended'] == 0) != convoy,
              '%s, %s: %s (%d contended acquires)' % (version, form, 'a switch inside the block starts a lock convoy'
                                                      if convoy else 'no switch lands inside the block', lk['contended']))


if __name__ == '__main__':
    test_counters()
    test_rlock()
    test_semaphore()
    test_event_condition_barrier()
    test_queue_and_pools()
    test_fork()
    test_misuse()
    test_lock_handover()
    report()
