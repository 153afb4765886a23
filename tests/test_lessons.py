#!/usr/bin/env python3
"""Every bundled scenario teaches one thing; this runs each one and asserts
the outcome its lesson claims, so a change to the model that breaks a
lesson fails the suite. A scenario without a claim here fails too."""
import glob
import json
import os

from gilsim_test import check, report, gilsim, run_json, thread, process, SCENARIOS


def secs(r):
    return r['sim_time_ns'] / 1e9


def io_rate(r, name='io'):
    t = thread(r, name)
    return t['io']['count'] / (t['finished_ns'] / 1e9)


def shared(r, name):
    return [o for o in r['shared'] if o['name'] == name][0]


def lock(r, name):
    return [o for o in r['locks'] if o['name'] == name][0]


def run(name, *args):
    return run_json(os.path.join(SCENARIOS, name + '.json'), *args)


def claims():
    seq = secs(run('cpu_sequential'))
    c = {}
    c['cpu_sequential'] = lambda r: (abs(secs(r) - 2.0) < 0.01, '2 s of work take 2 s (%.3f s)' % secs(r))
    c['cpu_4_threads'] = lambda r: (abs(secs(r) - seq) < 0.15 * seq and
                                    abs(secs(run('cpu_4_threads', '--set', 'machine.cores=1')) - seq) < 0.15 * seq,
                                    '4 threads are no faster than 1 on 4 cores or 1 (%.2f s)' % secs(r))
    c['cpu_4_processes'] = lambda r: (secs(r) < seq / 3 and secs(run('cpu_4_processes', '--set', 'machine.cores=1')) > seq * 0.95,
                                      '4 processes on 4 cores: about 4x faster; on 1 core: no faster (%.2f s)' % secs(r))
    c['io_8_threads'] = lambda r: (secs(r) < 0.25, '8 x 20 requests of ~10 ms overlap: %.0f ms' % (secs(r) * 1e3))
    c['convoy'] = lambda r: (abs(io_rate(r) - 1000 / 6) < 0.15 * 1000 / 6, 'about 1/(1 ms + 5 ms) ops/s (%.0f)' % io_rate(r))
    one = io_rate(run('convoy'))
    c['convoy_2cpu'] = lambda r: (io_rate(r) < 0.75 * one, 'fewer ops/s beside 2 CPU threads (%.0f vs %.0f)' % (io_rate(r), one))
    c['convoy_4cpu'] = lambda r: (io_rate(r) < 0.45 * one, 'far fewer beside 4 (%.0f vs %.0f)' % (io_rate(r), one))
    c['convoy_1ms'] = lambda r: (io_rate(r) > 400 and process(r, 'main')['gil']['switches'] / secs(r) > 800,
                                 '1 ms interval: ~500 ops/s, many hand-overs (%.0f)' % io_rate(r))
    c['convoy_20ms'] = lambda r: (io_rate(r) < 50, '20 ms interval: fewer than 50 ops/s (%.0f)' % io_rate(r))
    c['c_call_regex'] = lambda r: (thread(r, 'ui')['gil_wait']['latency_ns']['max'] > 40e6 and
                                   thread(run('c_call_regex', '--set', 'python.switch_interval=1ms'), 'ui')['gil_wait']['latency_ns']['max'] > 40e6,
                                   'the UI thread waits out the whole 50 ms call, whatever the interval')
    c['nogil_hashlib'] = lambda r: (secs(r) < 0.3 * 4 * 0.8, 'hashing releases the GIL: 4 threads, 4 cores, ~4x (%.2f s)' % secs(r))
    c['start_methods'] = lambda r: (thread(r, 'main', 'spawned')['started_ns'] - thread(r, 'main', 'forked')['finished_ns'] > 45e6,
                                    'spawn pays ~50 ms of interpreter start-up that fork does not')
    c['daemon_threads'] = lambda r: (thread(r, 'helper')['end'] == 'killed' and secs(r) < 0.05,
                                     'the daemon helper is killed when main ends (%.0f ms)' % (secs(r) * 1e3))
    c['gui_latency'] = lambda r: (secs(r) > 60 * 0.018 * 1.15, 'every 16 ms frame is late by about an interval (%.2f s)' % secs(r))
    c['old_gil_battle'] = lambda r: (abs(secs(r) - 15.4) < 0.25 * 15.4 and process(r, 'main')['gil']['failed_wakeups'] > 1000,
                                     "two threads twice as slow as one on the old GIL (%.1f s)" % secs(r))
    c['free_threaded_scaling'] = lambda r: (secs(r) < 0.6 and secs(run('free_threaded_scaling', '--set', 'python.gil=new')) > 1.9,
                                            'no GIL: 4 threads on 4 cores ~4x faster than with it (%.2f s)' % secs(r))
    c['per_interpreter'] = lambda r: (secs(r) < 0.6 and secs(run('per_interpreter', '--set', 'python.gil=new')) > 0.95,
                                      'own GILs: two threads on two cores in half the time (%.2f s)' % secs(r))
    c['counter_lock'] = lambda r: (shared(r, 'count')['final'] == 40000, 'the lock keeps all 40000 updates')
    c['counter_race_39'] = lambda r: (shared(r, 'count')['lost_updates'] > 0, '3.9 loses updates')
    c['counter_race_311'] = lambda r: (shared(r, 'count')['lost_updates'] == 0, '3.11 loses none')
    c['counter_race_call'] = lambda r: (shared(r, 'count')['lost_updates'] > 0, 'a call between read and write loses updates')
    c['rlock_reentry'] = lambda r: (r['outcome'] == 'done' and lock(r, 'r')['acquisitions'] == 4, 'RLock re-entry does not deadlock')
    c['semaphore_pool'] = lambda r: (lock(r, 'slots')['max_holders'] == 3, 'at most 3 holders')
    c['event_signal'] = lambda r: (min(thread(r, w)['finished_ns'] for w in ('w1', 'w2', 'w3')) > 12e6, 'nobody goes before set()')
    c['condition_producer_consumer'] = lambda r: (r['outcome'] == 'done', 'the consumer gets every notification')
    c['barrier'] = lambda r: (thread(r, 'fast')['state_ns']['lock'] > 25e6, 'the fast worker waits for the slow one')
    c['queue_pipeline'] = lambda r: (r['queues'][0]['max_size_seen'] <= 5 and r['queues'][0]['gets'] == 60, 'bounded queue, all items through')
    c['thread_pool'] = lambda r: (len([t for t in r['threads'] if t['name'] != 'main']) == 2, 'two workers')
    c['process_pool'] = lambda r: (len([p for p in r['processes'] if p['parent'] == 'main']) == 4 and secs(r) < 0.1, 'four processes in parallel')
    c['fork_pipe'] = lambda r: (r['outcome'] == 'done', 'parent and child talk through the pipe')
    c['fork_lock_deadlock'] = lambda r: (r['outcome'] == 'deadlock' and 'log_lock' in json.dumps(r['deadlock']), 'the child deadlocks on the copied lock')
    return c


if __name__ == '__main__':
    c = claims()
    files = sorted(glob.glob(os.path.join(SCENARIOS, '*.json')))
    for f in files:
        name = os.path.basename(f)[:-5]
        if name == 'schema':
            continue
        data = json.load(open(f))
        check(data.get('lesson') and data.get('description'), '%s has a description and a lesson' % name)
        if name not in c:
            check(False, '%s: no claim is checked for this lesson' % name)
            continue
        try:
            ok, what = c[name](run(name))
        except Exception as e:  # a scenario that fails to load or run fails its lesson
            ok, what = False, 'could not run: %s' % e
        check(ok, '%s: %s' % (name, what))
    rc, out, _ = gilsim('list')
    check(rc == 0 and all(os.path.basename(f)[:-5] in out for f in files if not f.endswith('schema.json')),
          'gilsim list names every bundled scenario')
    report()
