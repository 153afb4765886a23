"""Shared helpers of the Python tests that drive the gilsim binary.

Each test script makes scenario files, runs `gilsim` on them as a user
would, and checks the behaviour a user relies on. CHECK-style counting ends
with the same "N passed, N failed" line as the C tests.
"""
import json
import os
import subprocess
import sys
import tempfile

GILSIM = os.environ.get('GILSIM') or os.path.join(
    os.path.dirname(__file__), '..', 'build', 'gilsim')
SOURCE_ROOT = os.environ.get('GILSIM_SOURCE_ROOT') or os.path.join(os.path.dirname(__file__), '..')
SCENARIOS = os.path.join(SOURCE_ROOT, 'scenarios')

_passed = 0
_failed = 0
_tmp = tempfile.TemporaryDirectory(prefix='gilsim-test-')


def check(cond, what, detail=''):
    global _passed, _failed
    if cond:
        _passed += 1
        print('ok   ' + what)
    else:
        _failed += 1
        print('FAIL ' + what + (': ' + detail if detail else ''))
    return cond


def close_to(value, expected, tolerance, what):
    ok = expected != 0 and abs(value - expected) <= tolerance * abs(expected)
    return check(ok, '%s: %.4g vs expected %.4g (±%d%%)' % (what, value, expected, tolerance * 100))


def report():
    print('%d passed, %d failed' % (_passed, _failed))
    sys.exit(1 if _failed else 0)


def scenario_file(obj, name='scenario.json'):
    path = os.path.join(_tmp.name, name)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)
    return path


def gilsim(*args, check_rc=None, stdin=None):
    """Runs the binary; returns (rc, stdout, stderr)."""
    p = subprocess.run([GILSIM] + [str(a) for a in args], capture_output=True, text=True,
                       input=stdin, timeout=600)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError('gilsim %s exited %d (expected %d): %s' %
                             (' '.join(map(str, args)), p.returncode, check_rc, p.stderr.strip()))
    return p.returncode, p.stdout, p.stderr


def run_json(path, *args):
    rc, out, err = gilsim('run', path, '--json', *args)
    if rc not in (0, 3):
        raise AssertionError('gilsim run %s failed (%d): %s' % (path, rc, err.strip()))
    return json.loads(out)


def config(path, *args):
    """The configuration in effect (gilsim run --explain-config) as a dict."""
    rc, out, err = gilsim('run', path, '--explain-config', *args)
    if rc != 0:
        raise AssertionError('gilsim run %s --explain-config failed (%d): %s' % (path, rc, err.strip()))
    return json.loads(out)


def seconds(value):
    """A duration as explain-config prints it ("50us", "1.5ms") in seconds;
    a distribution ({"uniform": [a, b]}, {"exp": m}) as its mean."""
    if isinstance(value, dict):
        if 'uniform' in value:
            return sum(seconds(v) for v in value['uniform']) / 2
        return seconds(value['exp'])
    for unit, scale in (('ns', 1e-9), ('us', 1e-6), ('ms', 1e-3), ('s', 1.0)):
        if value.endswith(unit):
            return float(value[:-len(unit)]) * scale
    raise ValueError(value)


def thread(report, name, process=None):
    for t in report['threads']:
        if t['name'] == name and (process is None or t['process'] == process):
            return t
    raise KeyError(name)


def process(report, name):
    for p in report['processes']:
        if p['name'] == name:
            return p
    raise KeyError(name)


def simple(name, threads, cores=2, interval='5ms', version='3.12', seed=1, processes=None, **python):
    """A scenario with one process 'main' holding `threads` (name -> program)."""
    procs = processes or [{'name': 'main', 'threads': [
        dict({'name': n}, **t) if isinstance(t, dict) else {'name': n, 'program': t}
        for n, t in threads.items()]}]
    py = {'version': version, 'switch_interval': interval}
    py.update(python)
    return {'name': name, 'seed': seed, 'machine': {'cores': cores}, 'python': py, 'processes': procs}
