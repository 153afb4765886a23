#!/usr/bin/env python3
"""Every run ends: scenarios whose simulated time stops advancing, that
would run past the last simulatable instant or outgrow the trace budget
end with a located error within a second or two instead of running (and
growing) forever; the largest legal durations go through every op without
an overflow (the ASan+UBSan build runs this same file and aborts on one).

Each case is a scenario a hostile user could write; the expected message
names the op by FILE:LINE:COL and JSON pointer.
"""
import json
import os
import re
import resource

from gilsim_test import check, gilsim, report, scenario_file

MAX_NS = 1 << 60  # SIM_DURATION_MAX
ASAN = 'asan' in os.environ.get('GILSIM', '')
# "Within a second" on the plain build; the sanitized build is several times
# slower. Measured in CPU seconds of the run, not wall time: other work on a
# shared machine stretches the wall clock, not the work a run does.
FAST = 10.0 if ASAN else 2.0


def proc(threads, sync=None, name='main', **kw):
    p = {'name': name, 'threads': threads}
    if sync:
        p['sync'] = sync
    p.update(kw)
    return p


def scen(procs, name='hostile', **kw):
    s = {'name': name, 'processes': procs}
    s.update(kw)
    return s


def write_text(text, name):
    path = scenario_file({}, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def timed(*args):
    """gilsim's result and the CPU seconds (user + system) it used."""
    def cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime
    t0 = cpu()
    rc, out, err = gilsim(*args)
    return rc, out, err, cpu() - t0


def located(err, path, line, col, pointer):
    return err.startswith('%s:%d:%d: %s: ' % (path, line, col, pointer))


def stuck_runs():
    # The old GIL with no wake-up latency on two cores: the clock used to
    # stick at 2 us while memory grew by 300 MB/s.
    text = ('{"name": "old0", "machine": {"cores": 2, "wake_latency": "0ns"}, "python": {"gil": "old"},\n'
            ' "processes": [{"name": "main", "threads": [\n'
            '  {"name": "a", "program": [{"cpu": "1s"}]},\n'
            '  {"name": "b", "program": [{"cpu": "1s"}]}]}]}\n')
    path = write_text(text, 'old0.json')
    for extra in ([], ['--until', '10ms']):
        rc, out, err, secs = timed('run', path, *extra)
        check(rc == 2 and secs < FAST, 'old GIL, zero wake latency %s: exit 2 in %.2f CPU s' % (extra, secs),
              '%d %s' % (rc, err.strip()))
        check(re.match(re.escape(path) + r':[34]:\d+: /processes/0/threads/[01]/program/0: simulated time '
                       r'stopped advancing at 2 us: \d+ events at that instant', err) is not None,
              'old GIL, zero wake latency: the error names the cpu op', err.strip())
        check(out == '', 'nothing printed on stdout', out[:200])

    # Setting an Event 2^31 times wrote trace records at t=0 until memory ran out.
    text = ('{"name": "events", "processes": [{"name": "main", "sync": {"e": "event"}, "threads": [\n'
            '  {"name": "a", "program": [\n'
            '    {"cpu": "1ms"},\n'
            '    {"repeat": 2147483647, "do": [{"set": "e"}]}]}]}]}\n')
    path = write_text(text, 'events.json')
    for extra in ([], ['--until', '5ms']):
        rc, out, err, secs = timed('run', path, *extra)
        check(rc == 2 and secs < FAST, 'repeat of Event.set %s: exit 2 in %.2f CPU s' % (extra, secs), err.strip())
        check(located(err, path, 4, 5, '/processes/0/threads/0/program/1') and
              "this repeat of thread 'a' of process 'main' runs without simulated time passing" in err and
              'at 1.002 ms' in err,
              'repeat of Event.set: the error names the repeat', err.strip())

    # Zero-duration work nested in repeats spun inside a single event.
    text = ('{"name": "zero", "processes": [{"name": "main", "threads": [{"name": "a", "program": [\n'
            '  {"repeat": 2147483647, "do": [\n'
            '    {"repeat": 2147483647, "do": [{"cpu": "0ns"}, {"c_call": {"uniform": ["0ns", "0ns"]}}]}]}]}]}]}\n')
    path = write_text(text, 'zero.json')
    rc, out, err, secs = timed('run', path)
    check(rc == 2 and secs < FAST and located(err, path, 3, 5, '/processes/0/threads/0/program/0/do/0'),
          'nested repeats of zero work: exit 2 naming the inner repeat (%.2f s)' % secs, err.strip())

    # Repeats of nothing but empty repeats: the interpreter itself looped.
    s = scen([proc([{'name': 'a', 'program': [
        {'repeat': 2147483647, 'do': [{'repeat': 0, 'do': [{'cpu': '1ms'}]}]}]}])])
    rc, out, err, secs = timed('run', scenario_file(s, 'empty.json'))
    check(rc == 2 and secs < FAST and '/processes/0/threads/0/program/0: this repeat' in err,
          'repeat of empty repeats: exit 2 (%.2f s)' % secs, err.strip())

    # A zero-time loop put there by --set is located at the --set.
    path = scenario_file(scen([proc([{'name': 'a', 'program': [{'cpu': '1ms'}]}], sync={'e': 'event'})]),
                         'set.json')
    prog = '[{"repeat": 100000000, "do": [{"clear": "e"}]}]'
    rc, out, err, secs = timed('run', path, '--set', 'processes.0.threads.0.program=' + prog)
    check(rc == 2 and err.startswith('--set processes.0.threads.0.program=%s: /processes/0/threads/0/program/0: '
                                     'this repeat' % prog),
          'a loop made by --set is located at the --set', err.strip())

    # A long but finite burst of zero-time ops is not a loop.
    s = scen([proc([{'name': 'a', 'program': [{'repeat': 100000, 'do': [{'set': 'e'}, {'clear': 'e'}]},
                                              {'cpu': '1ms'}]}], sync={'e': 'event'})])
    rc, out, err = gilsim('run', scenario_file(s, 'finite.json'))
    check(rc == 0, '200,000 zero-time ops at one instant still run', err.strip())

    # The same through sweep and trace: the error names the point.
    rc, out, err = gilsim('sweep', path, '--set', 'processes.0.threads.0.program=' + prog,
                          '--set', 'machine.cores=1,2', '--runs', '2', '-q')
    check(rc == 2 and err.startswith('point 1, run 1: --set processes.0.threads.0.program='),
          'sweep: a stuck run fails the sweep, naming the point', err.strip())
    rc, out, err = gilsim('trace', path, '--set', 'processes.0.threads.0.program=' + prog, '-o',
                          os.path.join(os.path.dirname(path), 'stuck.json'))
    check(rc == 2 and 'this repeat' in err and not os.path.exists(os.path.join(os.path.dirname(path), 'stuck.json')),
          'trace: a stuck run writes nothing', err.strip())


def time_limits():
    # Summed durations used to overflow into a negative time reported as "done".
    text = ('{"name": "sum", "processes": [{"name": "main", "threads": [{"name": "a", "program": [\n'
            '  {"repeat": 10, "do": [{"cpu": "%dns"}]}]}]}]}\n' % MAX_NS)
    path = write_text(text, 'sum.json')
    rc, out, err = gilsim('run', path, '--json')
    check(rc == 2 and located(err, path, 2, 25, '/processes/0/threads/0/program/0/do/0') and
          'simulated time would pass' in err, 'a sum of long durations stops with a located error', err.strip())
    for d in ('%dns' % (MAX_NS + 1000), '1e30s', '36.6e9s'):
        s = scen([proc([{'name': 'a', 'program': [{'io': d}]}])])
        rc, out, err = gilsim('validate', scenario_file(s, 'long.json'))
        check(rc == 2 and 'is too long; expected a duration of at most 2^60 ns' in err,
              'a duration of %s is refused' % d, err.strip())
    s = scen([proc([{'name': 'a', 'program': [{'io': 36.5 * 365.25 * 86400}]}])])
    rc, out, err = gilsim('validate', scenario_file(s, 'ok.json'))
    check(rc == 0, '36.5 years in seconds is accepted', err.strip())


def every_op_at_max():
    """The largest legal durations through every op, with extreme costs."""
    M = '%dns' % MAX_NS
    sync = {'l': 'lock', 'r': 'rlock', 's': {'type': 'semaphore', 'value': 1},
            'e': 'event', 'cv': {'type': 'condition', 'lock': 'l'},
            'b': {'type': 'barrier', 'parties': 2, 'timeout': M},
            'q': {'type': 'queue', 'maxsize': 1}, 'p': 'pipe'}
    ops = [
        {'cpu': M}, {'c_call': M}, {'nogil': M}, {'io': M}, {'sleep': M},
        {'cpu': {'uniform': ['0ns', M]}}, {'io': {'exp': M}},
        {'acquire': 'l', 'timeout': M}, {'release': 'l'},
        {'with': 'r', 'do': [{'with': 'r', 'do': [{'cpu': M}]}]},
        {'with': 's', 'do': [{'sleep': M}]},
        {'wait': 'e', 'timeout': M}, {'set': 'e'}, {'clear': 'e'},
        {'with': 'cv', 'do': [{'wait': 'cv', 'timeout': M}, {'notify': 'cv'}, {'notify_all': 'cv'}]},
        {'wait': 'b', 'timeout': M},
        {'put': 'q', 'timeout': M}, {'put': 'q', 'timeout': M}, {'get': 'q', 'timeout': M},
        {'send': 'p', 'transfer': M}, {'recv': 'p', 'timeout': M},
        {'increment': 'n'}, {'increment': 'n', 'call_between': True},
        {'start': 'late'}, {'join': 'late', 'timeout': M}, {'join': 'child', 'timeout': M},
        {'fork': {'name': 'forked', 'program': [{'cpu': M}]}},
        {'thread_pool': {'workers': 2, 'tasks': 3, 'task': [{'io': M}]}},
        {'process_pool': {'workers': 2, 'tasks': 3, 'task': [{'cpu': M}]}},
    ]
    # Every duration parameter at its largest, read from the parameter
    # table through explain-config (so a new one is covered by itself).
    rc, out, err = gilsim('run', scenario_file(scen([proc([{'name': 't', 'program': []}])]), 'x.json'),
                          '--explain-config')
    explained = json.loads(out)

    def durations(section, skip=()):
        vals = {}
        for k, v in explained[section].items():
            if k in skip:
                continue
            if isinstance(v, dict):
                vals[k] = {'exp': M}
            elif isinstance(v, str) and v[-1:] == 's' and v[:1].isdigit():
                vals[k] = M
        return vals
    machine = dict(durations('machine'), cores=1)
    configs = [
        {},
        {'machine': machine},
        {'python': {'gil': 'old', 'check_interval': 1, 'tick_cost': '1ns', 'old_signal_cost': M,
                    'old_contention_cost': M}},
        {'python': {'gil': 'none', 'version': '3.13', 'ft_overhead': 1000}},
        {'python': durations('python', skip=('version',))},
    ]
    for ci, cfg in enumerate(configs):
        for i, op in enumerate(ops):
            threads = [{'name': 'a', 'program': [op]},
                       {'name': 'b', 'program': [{'cpu': '1ms'}, {'set': 'e'}, {'wait': 'b'}, {'get': 'q'},
                                                 {'recv': 'p'}, {'increment': 'n'}]},
                       {'name': 'late', 'start': 'manual', 'program': [{'sleep': M}]}]
            s = scen([proc(threads, sync=sync, shared={'n': 0}),
                      proc([{'name': 't', 'program': [{'cpu': M}]}], name='child', start='manual')], **cfg)
            rc, out, err = gilsim('run', scenario_file(s, 'max.json'), '--json', '--max-records', '100000')
            ok = rc in (0, 3) or (rc == 2 and 'simulated time would pass' in err) or \
                (rc == 1 and 'the trace reached its budget' in err)
            if not check(ok and 'runtime error' not in err and 'AddressSanitizer' not in err,
                         'config %d, op %s at the largest durations' % (ci, json.dumps(op)[:60]),
                         '%d %s' % (rc, err.strip()[:300])):
                continue
            if rc in (0, 3):
                rep = json.loads(out)
                check(0 <= rep['sim_time_ns'] <= 1 << 62, 'config %d op %d: time within bounds' % (ci, i),
                      str(rep['sim_time_ns']))


def record_budget():
    rc, out, err, secs = timed('run', 'convoy', '--max-records', '1000')
    check(rc == 1 and 'the trace reached its budget of 1000 records' in err and '--max-records' in err,
          '--max-records ends the run with exit 1', err.strip())
    rc, out, err = gilsim('run', 'convoy', '--max-records', '1000000')
    check(rc == 0, 'a budget above what the run needs changes nothing', err.strip())
    for bad in ('0', '-5', '1e6', ' 7'):
        rc, out, err = gilsim('run', 'convoy', '--max-records', bad)
        check(rc == 2 and '--max-records' in err, '--max-records %r is refused' % bad, err.strip())


stuck_runs()
time_limits()
every_op_at_max()
record_budget()
report()
