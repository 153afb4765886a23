#!/usr/bin/env python3
"""Every bundled scenario teaches one thing; this runs each one and asserts
the outcome its lesson claims, so a change to the model that breaks a
lesson fails the suite. A scenario without a claim here fails too.

A lesson may write the run's figures as {name} (gilsim explain FILE
--figures lists them): those are true by construction, and must all be
known. Every other number a lesson states is a claim: each must be matched
by a FACTS entry below that checks it against the scenario or its run, so
no lesson can state a figure its own run contradicts. The race lessons ask
their quiz about the final count, and that answer is one of the run's
figures."""
import glob
import json
import os
import re

from gilsim_test import check, report, gilsim, run_json, thread, process, scenario_file, SCENARIOS


def secs(r):
    return r['sim_time_ns'] / 1e9


def io_rate(r, name='io'):
    t = thread(r, name)
    return t['io']['count'] / ((t['finished_ns'] - t['started_ns']) / 1e9)


def shared(r, name):
    return [o for o in r['shared'] if o['name'] == name][0]


def lock(r, name):
    return [o for o in r['locks'] if o['name'] == name][0]


def run(name, *args):
    return run_json(os.path.join(SCENARIOS, name + '.json'), *args)


def config(name):
    rc, out, _ = gilsim('run', os.path.join(SCENARIOS, name + '.json'), '--explain-config')
    return json.loads(out)


def acquire_form_convoys(name):
    """The lesson's `with` blocks rewritten as acquire(), the body, release():
    a lock convoy (many contended acquires) on 3.11 and 3.12."""
    with open(os.path.join(SCENARIOS, name + '.json')) as f:
        sc = json.load(f)

    def rewrite(ops):
        out = []
        for op in ops:
            if 'with' in op:
                out += [{'acquire': op['with']}] + rewrite(op['do']) + [{'release': op['with']}]
            elif 'do' in op:
                out.append(dict(op, do=rewrite(op['do'])))
            else:
                out.append(op)
        return out
    for p in sc['processes']:
        for t in p['threads']:
            t['program'] = rewrite(t['program'])
    path = scenario_file(sc, name + '_acquire.json')
    return all(obj['contended'] > 1000 for v in ('3.11', '3.12') for obj in
               run_json(path, '--set', 'python.version=' + v)['locks'] if obj['name'] == 'lock')


def near(value, want, tol):
    return abs(value - want) <= tol * abs(want)


def ms(d):
    """A duration string of the scenario format ("5ms", "500us") in ms."""
    m = re.fullmatch(r'([0-9.]+)(ns|us|ms|s)', d)
    return float(m.group(1)) * {'ns': 1e-6, 'us': 1e-3, 'ms': 1, 's': 1e3}[m.group(2)]


def ops(name, kind):
    """Every operation of that kind in the scenario's programs."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if kind in node:
                found.append(node[kind])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(json.load(open(os.path.join(SCENARIOS, name + '.json')))['processes'])
    return found


def claims():
    seq = secs(run('cpu_sequential'))
    one = io_rate(run('convoy'))
    c = {}
    c['cpu_sequential'] = lambda r: (abs(secs(r) - 2.0) < 0.01, '2 s of work take 2 s (%.3f s)' % secs(r))
    c['cpu_4_threads'] = lambda r: (abs(secs(r) - seq) < 0.15 * seq and
                                    abs(secs(run('cpu_4_threads', '--set', 'machine.cores=1')) - seq) < 0.15 * seq,
                                    '4 threads are no faster than 1 on 4 cores or 1 (%.2f s)' % secs(r))
    c['cpu_4_processes'] = lambda r: (secs(r) < seq / 3 and secs(run('cpu_4_processes', '--set', 'machine.cores=1')) > seq * 0.95,
                                      '4 processes on 4 cores: about 4x faster; on 1 core: no faster (%.2f s)' % secs(r))
    c['io_8_threads'] = lambda r: (secs(r) < 0.25, '8 x 20 requests of ~10 ms overlap: %.0f ms' % (secs(r) * 1e3))
    c['convoy'] = lambda r: (abs(io_rate(r) - 1000 / 6) < 0.15 * 1000 / 6, 'about 1/(1 ms + 5 ms) ops/s (%.0f)' % io_rate(r))
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
    # 60 frames of a 16 ms sleep and 2 ms of work: each late by about an interval.
    c['gui_latency'] = lambda r: (0.7 < (secs(r) - 60 * 0.018) / 60 / (r['config']['switch_interval_ns'] / 1e9) < 1.6,
                                  'every frame is late by about one interval (%.1f ms)' % ((secs(r) - 60 * 0.018) / 60 * 1e3))
    c['old_gil_battle'] = lambda r: (abs(secs(r) - 15.4) < 0.25 * 15.4 and process(r, 'main')['gil']['failed_wakeups'] > 1000,
                                     "two threads twice as slow as one on the old GIL (%.1f s)" % secs(r))
    c['free_threaded_scaling'] = lambda r: (secs(r) < 0.6 and secs(run('free_threaded_scaling', '--set', 'python.gil=new')) > 1.9,
                                            'no GIL: 4 threads on 4 cores ~4x faster than with it (%.2f s)' % secs(r))
    c['per_interpreter'] = lambda r: (secs(r) < 0.6 and secs(run('per_interpreter', '--set', 'python.gil=new')) > 0.95,
                                      'own GILs: two threads on two cores in half the time (%.2f s)' % secs(r))
    c['counter_lock'] = lambda r: (shared(r, 'count')['final'] == 100000, 'the lock keeps all 100000 updates')
    c['counter_race_39'] = lambda r: (shared(r, 'count')['lost_updates'] > 0, '3.9 loses updates')
    c['counter_race_311'] = lambda r: (shared(r, 'count')['lost_updates'] == 0, '3.11 loses none')
    c['counter_race_call'] = lambda r: (shared(r, 'count')['lost_updates'] > 0, 'a call between read and write loses updates')
    c['rlock_reentry'] = lambda r: (r['outcome'] == 'done' and lock(r, 'r')['acquisitions'] == 4, 'RLock re-entry does not deadlock')
    c['semaphore_pool'] = lambda r: (lock(r, 'slots')['max_holders'] == 3, 'at most 3 holders')
    c['event_signal'] = lambda r: (min(thread(r, w)['finished_ns'] for w in ('w1', 'w2', 'w3')) > 12e6, 'nobody goes before set()')
    c['condition_producer_consumer'] = lambda r: (r['outcome'] == 'done', 'the consumer gets every notification')
    c['barrier'] = lambda r: (thread(r, 'fast')['state_ns']['lock'] > 25e6 and not r['errors'] and
                              lock(r, 'gate')['timeouts'] == 0,
                              'the fast worker waits for the slow one; no wait breaks the barrier')
    c['queue_pipeline'] = lambda r: (r['queues'][0]['max_size_seen'] == 5 and r['queues'][0]['gets'] == 60 and
                                     r['queues'][0]['put_blocked_ns'] > 0,
                                     'the bounded queue runs full and put() blocks, all items through')
    c['thread_pool'] = lambda r: (len([t for t in r['threads'] if t['name'] != 'main']) == 2, 'two workers')
    c['process_pool'] = lambda r: (len([p for p in r['processes'] if p['parent'] == 'main']) == 4 and secs(r) < 0.1, 'four processes in parallel')
    c['fork_pipe'] = lambda r: (r['outcome'] == 'done', 'parent and child talk through the pipe')
    c['fork_lock_deadlock'] = lambda r: (r['outcome'] == 'deadlock' and 'log_lock' in json.dumps(r['deadlock']), 'the child deadlocks on the copied lock')
    # The course's examples (README, "The course, example by example").
    c['busy_wait_lock'] = lambda r: (thread(r, 'main')['state_ns']['running'] > 0.9 * r['sim_time_ns'] and
                                     min(thread(r, n)['gil_wait']['latency_ns']['max'] for n in ('loop0', 'loop1')) >
                                     0.8 * r['config']['switch_interval_ns'],
                                     'main spins holding the GIL; each child waits about an interval for it')
    c['thread_local'] = lambda r: ([shared(r, 'count [%s]' % n)['final'] for n in ('T1', 'T2', 'T3')] == [1, 1, 1] and
                                   shared(r, 'total')['final'] == 3, 'each thread sees its own count = 1')
    c['fork_copy'] = lambda r: ([(o['process'], o['final']) for o in r['shared']] == [('parent', 42), ('child', 99)] and
                                process(r, 'child')['exitcode'] == 0 and process(r, 'child')['ended_by'] == 'os_exit',
                                'the child\'s copy ends at 99, the parent\'s at 42; os._exit(0) ends the child')
    c['mp_lock_20'] = lambda r: (lock(r, 'lock')['acquisitions'] == 20 and lock(r, 'lock')['max_holders'] == 1 and
                                 len(r['processes']) == 21, 'one lock, 20 processes, one holder at a time')
    c['mp_value_race'] = lambda r: (shared(r, 'v')['lost_updates'] > 0 and shared(r, 'safe')['final'] == 40000,
                                    'bare += on a Value loses updates across processes; get_lock() keeps them all')
    c['mp_queue_terminate'] = lambda r: (r['outcome'] == 'done' and r['queues'][0]['gets'] == 3 and
                                         process(r, 'reader')['exitcode'] == -15 and
                                         thread(r, 'main', 'reader')['end'] == 'killed',
                                         'the reader gets A, B, C and is ended by SIGTERM')
    c['new_gil_multicore'] = lambda r: (process(r, 'main')['gil']['switches'] / secs(r) <
                                        1.2e9 / r['config']['switch_interval_ns'] and near(secs(r), 1.0, 0.05) and
                                        process(r, 'main')['gil']['failed_wakeups'] == 0,
                                        'about one hand-over an interval, and 2 x 0.5 s take 1 s (%.2f s)' % secs(r))
    c['affinity_old_gil'] = lambda r: (secs(r) < 0.85 * secs(run_without_affinity('affinity_old_gil')) and
                                       near(secs(r), secs(run('affinity_old_gil', '--set', 'machine.cores=1')), 0.05),
                                       'pinned to one core, the old GIL runs as on one core and faster than on 4 '
                                       '(%.2f s)' % secs(r))
    c['mp_manager'] = lambda r: (shared(r, 'v')['lost_updates'] > 0 and
                                 [p['ended_by'] for p in r['processes'] if p['name'].startswith('SyncManager')] ==
                                 ['shutdown'] and
                                 work_secs('mp_manager', 200) > 10 * work_secs('mp_value_race', 200),
                                 'a proxy loses updates, far slower than a Value (%.1f ms against %.2f ms for '
                                 '2 x 200 updates); the server shuts down' %
                                 (1e3 * work_secs('mp_manager', 200), 1e3 * work_secs('mp_value_race', 200)))
    c['thread_safe_cache'] = lambda r: (shared(r, 'hits')['final'] + shared(r, 'misses')['final'] == 200 and
                                        0.74 < shared(r, 'hits')['final'] / 200 < 0.86 and
                                        secs(r) < 0.6 * shared(r, 'misses')['final'] * 0.005,
                                        'about 80%% hits; the misses\' fetches overlap (%.0f ms for %d misses)' %
                                        (secs(r) * 1e3, shared(r, 'misses')['final']))
    return c


def run_json_of(name, repeat):
    """The scenario with each repeat count set to `repeat`."""
    data = json.load(open(os.path.join(SCENARIOS, name + '.json')))

    def walk(node):
        if isinstance(node, dict):
            if 'repeat' in node:
                node['repeat'] = repeat
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(data['processes'])
    return run_json(scenario_file(data, name + '_%d.json' % repeat))


def work_secs(name, repeat):
    """The time `repeat` iterations add to one: the run without its
    processes' start and exit costs, which are the same at any count."""
    return secs(run_json_of(name, repeat)) - secs(run_json_of(name, 1))


def run_without_affinity(name, *args):
    """The scenario with every "affinity" removed."""
    data = json.load(open(os.path.join(SCENARIOS, name + '.json')))
    for p in data['processes']:
        p.pop('affinity', None)
        for t in p['threads']:
            t.pop('affinity', None)
    return run_json(scenario_file(data, name + '_free.json'), *args)


# Numbers a lesson states outside {figures}: (pattern, check, what).
# Each check gets the scenario's name and its run report.
def conv1(n, r):
    return near(io_rate(run('convoy')), 165, 0.10)


FACTS = {
    'c_call_regex': [(r'50 ms', lambda n, r: all(ms(d) == 50 for d in ops(n, 'c_call')), 'the regex call lasts 50 ms'),
                     (r'1ms', lambda n, r: True, 'a value to try, not a claim')],
    'convoy': [(r"1 ms wait|1/\(1 ms", lambda n, r: all(ms(d) == 1 for d in ops(n, 'io')), 'the I/O waits are 1 ms'),
               (r'nearly 1000', lambda n, r: all(ms(d) == 1 for d in ops(n, 'io')) and io_rate(r) < 1000,
                '1 ms waits allow at most 1000 a second')],
    'convoy_1ms': [(r'about 165 at 5 ms', conv1, 'the convoy at 5 ms gets about 165 ops/s'),
                   (r'about 330', lambda n, r: near(process(run('convoy'), 'main')['gil']['switches'] / secs(run('convoy')), 330, 0.10),
                    'the convoy at 5 ms hands the GIL over about 330 times a second'),
                   (r'5 ms', lambda n, r: True, 'the default interval it is compared with')],
    'convoy_20ms': [(r'1 ms I/O', lambda n, r: all(ms(d) == 1 for d in ops(n, 'io')), 'the I/O waits are 1 ms')],
    'convoy_2cpu': [(r'With 2 CPU', lambda n, r: len([t for t in r['threads'] if t['name'] != 'io']) == 2, 'two CPU-bound threads'),
                    (r'about 165', conv1, 'the convoy beside one CPU-bound thread gets about 165 ops/s')],
    'convoy_4cpu': [(r'With 4 CPU', lambda n, r: len([t for t in r['threads'] if t['name'] != 'io']) == 4, 'four CPU-bound threads'),
                    (r'about 165', conv1, 'the convoy beside one CPU-bound thread gets about 165 ops/s')],
    'counter_race_311': [(r'3\.10|3\.9', lambda n, r: True, 'Python versions'),
                         (r'count \+= 1', lambda n, r: True, 'code, not a figure')],
    'counter_race_39': [(r'3\.9', lambda n, r: r['config']['python'] == '3.9', 'the scenario runs Python 3.9')],
    'counter_race_call': [(r'3\.11', lambda n, r: r['config']['python'] == '3.11', 'the scenario runs Python 3.11')],
    'cpu_4_processes': [(r'on 4 cores', lambda n, r: r['config']['cores'] == 4, 'four cores'),
                        (r'the 4 processes', lambda n, r: len(r['processes']) == 5, 'four worker processes'),
                        (r'2 s of work', lambda n, r: near(secs(run('cpu_sequential')), 2, 0.01), 'the work is 2 s'),
                        (r'about 4 times', lambda n, r: 3 < secs(run('cpu_sequential')) / secs(r) <= 4.05, 'about four times faster'),
                        (r'machine\.cores=1', lambda n, r: True, 'a value to try')],
    'cpu_4_threads': [(r'2 s of work', lambda n, r: near(secs(run('cpu_sequential')), 2, 0.01), 'the work is 2 s'),
                      (r'machine\.cores=1, 2 or 4', lambda n, r: True, 'values to try')],
    'cpu_sequential': [(r'2 s of bytecode', lambda n, r: all(ms(d) == 2000 for d in ops(n, 'cpu')), 'the work is 2 s'),
                       (r'4 threads and over 4 processes', lambda n, r: True, 'the other lessons')],
    'fork_lock_deadlock': [(r'3\.12\+', lambda n, r: True, 'CPython 3.12 added the warning (gh-100228)')],
    'free_threaded_scaling': [(r'2 s of work', lambda n, r: sum(ms(d) for d in ops(n, 'cpu')) == 2000, '4 x 500 ms'),
                              (r'about 8%', lambda n, r: abs(config(n)['python']['ft_overhead'] - 1.08) < 1e-9, 'ft_overhead 1.08')],
    'io_8_threads': [(r'8 x 20', lambda n, r: len(r['threads']) == 8 and all(t['io']['count'] == 20 for t in r['threads']),
                      'eight threads of 20 requests'),
                     (r'as long as 20 do alone', lambda n, r: secs(r) < 20 * 0.0121 * 1.1, 'about 20 requests long')],
    'nogil_hashlib': [(r'3\.30 s on one thread and 1\.68 s on two', lambda n, r: True, 'Skvortsov, published figures')],
    'old_gil_battle': [(r'100 ticks', lambda n, r: config(n)['python']['check_interval'] == 100, 'check_interval 100'),
                       (r'15\.4 s against 7\.8 s', lambda n, r: near(secs(r), 15.4, 0.25), 'Beazley, reproduced within 25%'),
                       (r'11\.3 s', lambda n, r: near(secs(run(n, '--set', 'machine.cores=1')), 11.3, 0.15),
                        'on one core, as Beazley measured')],
    'per_interpreter': [(r'1 s of work', lambda n, r: sum(ms(d) for d in ops(n, 'cpu')) == 1000, '2 x 500 ms'),
                        (r'2 ms here', lambda n, r: config(n)['python']['interp_start_cost'] == '2ms', 'interp_start_cost'),
                        (r'about 80 ms for a spawned', lambda n, r: round(ms(config(n)['python']['spawn_cost']), -1) == 80,
                         'spawn_cost')],
    'process_pool': [(r'200 ms of work', lambda n, r: True, '100 tasks of 2 ms, checked below'),
                     (r'here 7 per message', lambda n, r: -(-100 // (4 * 4)) == 7, 'Pool.map chunks ceil(100 / 16)')],
    'queue_pipeline': [(r'maxsize of', lambda n, r: r['queues'][0]['maxsize'] == 5, 'maxsize 5')],
    'start_methods': [(r'about 80 ms', lambda n, r: round(ms(config(n)['python']['spawn_cost']), -1) == 80, 'spawn_cost'),
                      (r'about 35 ms', lambda n, r: round(ms(config(n)['python']['forkserver_cost']) / 5) * 5 == 35,
                       'forkserver_cost'),
                      (r'about 15 ms', lambda n, r: near(sum(ms(config(n)['python'][k]) for k in
                                                             ('mp_fork_start_cost', 'fork_child_cost', 'mp_exit_cost')),
                                                         15, 0.15), 'a fork start: the parent, the child, its exit')],
    'thread_local': [(r'prints 1', lambda n, r: all(o['final'] == 1 for o in r['shared'] if o['name'].startswith('count')),
                      'each thread\'s count is 1')],
    'fork_copy': [(r'starts at 42', lambda n, r: json.load(open(os.path.join(SCENARIOS, n + '.json')))['processes'][0]
                   ['shared']['global_var'] == 42, 'global_var = 42 before the fork'),
                  (r'store of 99|ends at 99', lambda n, r: shared(r, 'global_var') and
                   [o['final'] for o in r['shared'] if o['process'] == 'child'] == [99], 'the child stores 99'),
                  (r'os\._exit\(0\)', lambda n, r: process(r, 'child')['exitcode'] == 0, 'exit status 0')],
    'counter_lock': [(r'From 3\.10|python\.version=3\.11',
                      lambda n, r: all(obj['contended'] == 0 for v in ('3.10', '3.11') for obj in
                                       run(n, '--set', 'python.version=' + v)['locks'] if obj['name'] == 'lock'),
                      'no contended acquire on 3.10 or 3.11'),
                     (r'lock\.acquire\(\).*every version', lambda n, r: acquire_form_convoys(n),
                      'written with acquire() and release(), 3.11 and 3.12 fall into the convoy'),
                     (r'\+= 1', lambda n, r: True, 'code, not a figure')],
    'mp_lock_20': [(r'all 20 processes', lambda n, r: len(r['processes']) == 21, 'twenty children')],
    'mp_manager': [(r'\+= 1', lambda n, r: True, 'code, not a figure')],
    'mp_value_race': [(r'\+= 1', lambda n, r: True, 'code, not a figure')],
    'mp_queue_terminate': [(r'-15', lambda n, r: process(r, 'reader')['exitcode'] == -15, 'SIGTERM is signal 15')],
    'new_gil_multicore': [(r'3\.2', lambda n, r: True, 'the new GIL came with Python 3.2'),
                          (r'Python 2 took twice', lambda n, r: near(secs(run('old_gil_battle')) / 7.8, 2, 0.25),
                           'old_gil_battle: two threads about twice as slow as one')],
    'affinity_old_gil': [(r'Python 2|3\.2', lambda n, r: r['config']['python'] == '2.7', 'the scenario runs Python 2.7'),
                         (r'one core', lambda n, r: True, 'words')],
}
NUMBER = re.compile(r'\d+(?:[.,]\d+)*')


def check_numbers(name, lesson, r):
    """Every number outside {figures} is covered by a fact that holds."""
    plain = re.sub(r'\{[^}]*\}', '{}', lesson)
    covered = [False] * len(plain)
    for pattern, fact, what in FACTS.get(name, []):
        hits = list(re.finditer(pattern, plain))
        if not hits:
            continue
        ok = bool(fact(name, r))
        check(ok, '%s: "%s": %s' % (name, hits[0].group(0), what))
        for m in hits:
            for k in range(m.start(), m.end()):
                covered[k] = True
    for m in NUMBER.finditer(plain):
        check(all(covered[m.start():m.end()]), '%s: the number "%s" in "...%s..." is checked' %
              (name, m.group(0), plain[max(0, m.start() - 25):m.end() + 15]))


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
            r = run(name)
            ok, what = c[name](r)
        except Exception as e:  # a scenario that fails to load or run fails its lesson
            ok, what, r = False, 'could not run: %s' % e, None
        check(ok, '%s: %s' % (name, what))
        rc, text, err = gilsim('explain', f, '--lesson')
        check(rc == 0 and '{' not in text, '%s: every {figure} of the lesson is one of the run\'s' % name, err.strip())
        if r is not None:
            check_numbers(name, data['lesson'], r)
        quiz = data.get('quiz')
        if quiz and quiz.get('answer'):
            rc, figs, _ = gilsim('explain', f, '--figures')
            names = [ln.split(' = ')[0] for ln in figs.splitlines()]
            check(quiz['answer']['figure'] in names, '%s: the quiz is answered by a figure of the run (%s)' %
                  (name, quiz['answer']['figure']))
    for name in ('counter_race_39', 'counter_race_311', 'counter_race_call'):
        quiz = json.load(open(os.path.join(SCENARIOS, name + '.json'))).get('quiz', {})
        check(quiz.get('answer', {}).get('figure') == 'shared.count.final' and 'final count' in quiz.get('question', ''),
              '%s: the quiz asks for the final count' % name)
    # The README's course table: thread order is not deterministic, it follows the seed.
    orders = {tuple(t['name'] for t in sorted(run('io_8_threads', '--seed', str(k))['threads'],
                                                key=lambda t: t['finished_ns'])) for k in (1, 2, 3)}
    check(len(orders) > 1, 'io_8_threads: the threads finish in another order for another seed')
    # A lesson stays true after tuning: its figures follow the run.
    rc, a, _ = gilsim('explain', 'convoy', '--lesson')
    rc, b, _ = gilsim('explain', 'convoy', '--lesson', '--set', 'python.switch_interval=1ms')
    check('(5 ms)' in a and '(1 ms)' in b and a != b, 'convoy: the lesson says the interval and rate of the run shown')
    rc, out, _ = gilsim('list')
    check(rc == 0 and all(os.path.basename(f)[:-5] in out for f in files if not f.endswith('schema.json')),
          'gilsim list names every bundled scenario')
    report()
