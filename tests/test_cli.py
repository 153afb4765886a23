#!/usr/bin/env python3
"""The command line as a user meets it: help, version, the run report in its
three forms, overrides, determinism, bad input with a located one-line error
and exit code 2, deadlocks with exit code 3."""
import csv
import io as io_module
import json
import os
import re

from gilsim_test import (check, report, scenario_file, gilsim, run_json, thread, process, simple,
                         SCENARIOS)

CONVOY = os.path.join(SCENARIOS, 'convoy.json')


def test_help_version():
    rc, out, _ = gilsim('--help')
    check(rc == 0 and 'run' in out and 'view' in out and 'render' in out, 'gilsim --help lists the commands')
    rc, out, _ = gilsim('--version')
    check(rc == 0 and re.match(r'gilsim \d+\.\d+\.\d+', out), 'gilsim --version prints the version')
    for cmd in ('run', 'validate', 'bench'):
        rc, out, _ = gilsim(cmd, '--help')
        check(rc == 0 and out.startswith('usage: gilsim ' + cmd), 'gilsim %s --help prints its usage' % cmd)
    rc, _, err = gilsim('frobnicate')
    check(rc == 2 and 'unknown command' in err, 'an unknown command exits 2 with a message')
    rc, _, err = gilsim('run', CONVOY, '--frob')
    check(rc == 2 and "unknown option '--frob'" in err and err.count('\n') == 1,
          'an unknown flag gets a one-line error and exit 2')


def test_report_forms():
    rc, out, _ = gilsim('run')
    check(rc == 0 and 'Convoy effect' in out and 'GIL of main' in out,
          'gilsim run with no file runs the built-in convoy scenario')
    r = run_json(CONVOY)
    for key in ('seed', 'sim_time_ns', 'events', 'transitions', 'threads', 'processes', 'deadlock'):
        check(key in r, '--json has "%s"' % key)
    io = thread(r, 'io')
    for key in ('process', 'name', 'finished_ns', 'state_ns', 'gil_acquisitions', 'io'):
        check(key in io, 'a thread has "%s"' % key)
    for key in ('running', 'wait_gil', 'wait_core', 'blocked'):
        check(key in io['state_ns'], 'state_ns has "%s"' % key)
    check(set(io['io']['latency_ns']) >= {'p50', 'p90', 'p99', 'max'}, 'I/O latency has p50/p90/p99/max')
    check(io['io']['count'] == 500, 'the convoy I/O thread did its 500 operations')
    g = process(r, 'main')['gil']
    for key in ('switches', 'drop_requests', 'forced_drops', 'timeouts', 'failed_wakeups'):
        check(key in g, 'the GIL report has "%s"' % key)
    check(r['deadlock'] is None, 'no deadlock in the convoy')
    hog = thread(r, 'hog')
    check(hog['end'] == 'killed', 'the daemon hog is killed at exit')
    # No I/O: its statistics are missing values, not measured zeros.
    check(hog['io']['count'] == 0 and all(v is None for v in hog['io']['latency_ns'].values()),
          'the statistics of an empty sample are null in --json', str(hog['io']))
    rc, out, _ = gilsim('run', CONVOY, '--csv')
    rows = {row['thread']: row for row in csv.DictReader(io_module.StringIO(out))}
    check(rc == 0 and rows['hog']['io_count'] == '0' and rows['hog']['io_p50_ns'] == '' and
          rows['hog']['io_max_ns'] == '' and rows['io']['io_p50_ns'] != '',
          'and empty fields in --csv', str(rows.get('hog')))
    total = sum(v for k, v in io['state_ns'].items() if k not in ('running', 'runnable', 'blocked'))
    life = io['finished_ns'] - io['started_ns']
    check(total == life, 'state times add up to the thread lifetime (%d vs %d)' % (total, life))
    rc, out, _ = gilsim('run', CONVOY, '--csv')
    lines = out.strip().split('\n')
    check(rc == 0 and lines[0].startswith('process,thread,') and len(lines) == 3, '--csv prints a header and a row per thread')


def test_overrides_and_determinism():
    a = gilsim('run', CONVOY, '--json', check_rc=0)[1]
    b = gilsim('run', CONVOY, '--json', check_rc=0)[1]
    check(a == b, 'the same scenario and seed give byte-identical output')
    c = run_json(CONVOY, '--seed', '7')
    check(c['seed'] == 7 and json.loads(a)['sim_time_ns'] != c['sim_time_ns'], '--seed changes the run')
    d = run_json(CONVOY, '--set', 'python.switch_interval=1ms', '--set', 'machine.cores=4')
    check(d['config']['switch_interval_ns'] == 1000000 and d['config']['cores'] == 4, '--set overrides values')
    check(d['sim_time_ns'] < json.loads(a)['sim_time_ns'] / 2, 'a 1 ms interval shortens the convoy')
    u = run_json(CONVOY, '--until', '100ms')
    check(u['outcome'] == 'until' and u['sim_time_ns'] == 100000000, '--until stops the run at that time')
    rc, out, _ = gilsim('run', CONVOY, '--explain-config')
    cfg = json.loads(out)
    check(rc == 0 and cfg['python']['switch_interval'] == '5ms' and 'wake_latency' in cfg['machine'],
          '--explain-config prints every value in effect')
    rc, out, _ = gilsim('run', 'convoy', '--json')
    check(rc == 0 and json.loads(out)['scenario'] == 'Convoy effect', 'a bundled scenario is found by name')


def bad(text, name):
    path = os.path.join(os.path.dirname(scenario_file({}, name)), name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def test_bad_input():
    good = json.load(open(CONVOY))
    cases = [
        ('truncated.json', json.dumps(good)[:-30], r'truncated\.json:1:\d+: '),
        ('unknown-op.json', json.dumps(simple('x', {'a': [{'cpux': '1ms'}]}), indent=1),
         r"unknown-op\.json:\d+:\d+: /processes/0/threads/0/program/0: .*cpux"),
        ('negative.json', json.dumps(simple('x', {'a': [{'io': '-1ms'}]}), indent=1),
         r'negative\.json:\d+:\d+: /processes/0/threads/0/program/0/io: '),
        ('badjoin.json', json.dumps(simple('x', {'a': [{'join': 'ghost'}]}), indent=1),
         r"badjoin\.json:\d+:\d+: /processes/0/threads/0/program/0/join: .*ghost"),
        ('dup.json', json.dumps(simple('x', {'a': [], 'b': []}), indent=1).replace('"b"', '"a"'),
         r"dup\.json:\d+:\d+: /processes/0/threads/1/name: .*duplicate"),
        ('type.json', json.dumps(dict(simple('x', {'a': []}), machine={'cores': 'two'}), indent=1),
         r'type\.json:\d+:\d+: /machine/cores: '),
    ]
    for name, text, pattern in cases:
        path = bad(text, name)
        for cmd in ('run', 'validate'):
            rc, out, err = gilsim(cmd, path)
            check(rc == 2 and out == '' and re.search('^' + re.escape(path[:-len(name)]) + pattern, err) and err.count('\n') == 1,
                  '%s %s: exit 2 with one located line' % (cmd, name), '%d %r' % (rc, err))
    rc, _, err = gilsim('run', '/nonexistent/x.json')
    check(rc == 2 and '/nonexistent/x.json' in err, 'a missing file is named in the error')
    rc, _, err = gilsim('run', CONVOY, '--set', 'python.switch_interval=abc')
    check(rc == 2 and err.startswith('--set python.switch_interval=abc'), 'a bad --set value is located at the flag')
    rc, _, err = gilsim('run', CONVOY, '--seed', 'x')
    check(rc == 2 and '--seed' in err, 'a bad --seed is refused')
    rc, out, _ = gilsim('validate', CONVOY)
    check(rc == 0 and out.strip().endswith(': ok'), 'validate says ok for a good file')


def test_view_range():
    out = os.path.join(os.path.dirname(scenario_file({}, 'x.json')), 'first.png')
    # What was written is said on standard error: standard output is for data.
    rc, _, msg = gilsim('render', 'convoy', '-o', out, '--size', '320x180')
    check(rc == 0 and '0 ms' in msg and '40 ms' in msg, 'render shows the scenario\'s "view" range by default (%s)' % msg.strip())
    rc, _, msg = gilsim('render', 'convoy', '-o', out, '--size', '320x180', '--range', '0ms..10ms')
    check(rc == 0 and '10 ms' in msg, '--range still wins (%s)' % msg.strip())
    bad_view = dict(simple('v', {'a': [{'cpu': '1ms'}]}), view={'range': '5ms..1ms'})
    rc, _, err = gilsim('validate', scenario_file(bad_view, 'badview.json'))
    check(rc == 2 and '/view/range' in err and 'START < END' in err, 'a backwards view range is a located error')


def test_deadlock_exit():
    sc = simple('join cycle', {'a': [{'join': 'b'}], 'b': [{'join': 'a'}]})
    path = scenario_file(sc, 'cycle.json')
    rc, out, _ = gilsim('run', path, '--json')
    r = json.loads(out)
    check(rc == 3 and r['outcome'] == 'deadlock', 'a join cycle deadlocks with exit code 3')
    stuck = {t['thread']: t for t in r['deadlock']['threads']}
    check(stuck.get('a', {}).get('on') == 'main/b' and stuck.get('b', {}).get('on') == 'main/a',
          'the report names what each stuck thread waits for')
    rc, out, _ = gilsim('run', path)
    check(rc == 3 and 'DEADLOCK' in out, 'the table report says DEADLOCK too')


if __name__ == '__main__':
    test_help_version()
    test_report_forms()
    test_overrides_and_determinism()
    test_bad_input()
    test_view_range()
    test_deadlock_exit()
    report()
