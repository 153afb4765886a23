#!/usr/bin/env python3
"""Strict input everywhere: seeds are unsigned decimal integers, digits
only, printed exactly in every output so a run can be repeated from its
own report; --set values get the UTF-8 and range checks files get; inputs
are bounded in size and in memory per input byte; a sweep loads one point
at a time.
"""
import csv
import io
import json
import os
import subprocess

from gilsim_test import GILSIM, _tmp, check, gilsim, report, scenario_file

BIG = 18446744073709551615
# Under ASan freed memory waits in a quarantine (256 MB) and every byte has
# a shadow: peaks are compared with room for that.
ASAN = 'asan' in GILSIM


def mb(n):
    return (4 * n + 300 if ASAN else n) * 1024


def seeds():
    for bad in (' -1', '-1', '+1', '1e3', '01', '1.0', '0x10', '18446744073709551616', '', '1 ', ' 1'):
        rc, out, err = gilsim('run', 'convoy', '--seed', bad, '--until', '1ms')
        check(rc == 2 and out == '' and '--seed' in err, 'run --seed %r is refused' % bad, err.strip())
        rc, out, err = gilsim('sweep', 'convoy', '--set', 'machine.cores=1,2', '--seed', bad, '-q')
        check(rc == 2 and out == '', 'sweep --seed %r is refused' % bad, err.strip())
    for bad in ('-1', '1e3', '1.0', '18446744073709551616', '"5"'):
        path = scenario_file({'name': 's', 'seed': 0, 'processes': []}, 'seed.json')
        with open(path, 'w') as f:
            f.write('{"name": "s", "seed": %s, "processes": [{"name": "m", "threads": [{"name": "t", '
                    '"program": []}]}]}' % bad)
        rc, out, err = gilsim('validate', path)
        check(rc == 2 and '/seed: ' in err, 'a seed written %s in a file is refused' % bad, err.strip())

    # The largest seed, printed exactly everywhere it is printed.
    d = _tmp.name
    rc, out, err = gilsim('run', 'convoy', '--seed', str(BIG), '--json', '--until', '50ms')
    check(rc == 0 and '"seed":\t%d,' % BIG in out and json.loads(out)['seed'] == BIG,
          'run --json prints the seed as an integer, digit for digit', out[:300])
    rc, out, err = gilsim('run', 'convoy', '--seed', str(BIG), '--until', '50ms')
    check(('seed %d' % BIG) in out, 'the text report prints it', out[:300])
    rc, out, err = gilsim('run', 'convoy', '--seed', str(BIG), '--explain-config')
    check(json.loads(out)['seed'] == BIG, '--explain-config prints it', out[:100])
    rc, out, err = gilsim('trace', 'convoy', '--seed', str(BIG), '--until', '50ms', '-o', '-', '--format', 'chrome')
    check(json.loads(out)['otherData']['seed'] == BIG, 'the Chrome trace carries it', err.strip())
    path = os.path.join(d, 'seed.csv')
    rc, out, err = gilsim('sweep', 'convoy', '--set', 'machine.cores=1,2', '--runs', '1', '--seed', str(BIG),
                          '--until', '50ms', '-q', '-o', path)
    rows = list(csv.DictReader(open(path)))
    check(rc == 0 and rows[0]['seed'] == str(BIG), 'the sweep CSV carries it', err.strip())
    rc, out, err = gilsim('sweep', 'convoy', '--set', 'machine.cores=1,2', '--runs', '2', '--seed', str(BIG), '-q')
    check(rc == 2 and 'seeds' in err, 'a sweep whose seeds would pass 2^64 - 1 is refused', err.strip())
    # A report's seed repeats the run.
    rc, a, err = gilsim('run', 'convoy', '--seed', '12345678901234567890', '--json', '--until', '100ms')
    seed = json.loads(a)['seed']
    rc, b, err = gilsim('run', 'convoy', '--seed', str(seed), '--json', '--until', '100ms')
    check(a == b, 'the run repeats from the seed its own report prints')


def set_values():
    for raw in (b'name=ab\xffc', b'name=\xc0\xaf', b'processes.0.name=\xed\xa0\x80', b'na\xfeme=x',
                b'machine.cores=\xff'):
        p = subprocess.run([GILSIM.encode(), b'run', b'convoy', b'--set', raw], capture_output=True)
        err = p.stderr.decode('utf-8', 'strict')  # the message itself must be UTF-8
        check(p.returncode == 2 and p.stdout == b'' and 'invalid UTF-8 byte' in err,
              '--set %r: refused as files are' % raw, err.strip())
    # Valid UTF-8 through --set reaches the JSON output intact.
    rc, out, err = gilsim('run', 'convoy', '--set', 'name=caf\u00e9 \u2713', '--json', '--until', '1ms')
    check(rc == 0 and json.loads(out)['scenario'] == 'caf\u00e9 \u2713', 'UTF-8 names pass', err.strip())
    # Ranges: the same checks as in a file.
    for kv in ('machine.cores=0', 'machine.cores=1e9', 'python.switch_interval=-1ms', 'seed=-3', 'seed=1e3',
               'python.ft_overhead=1e999', 'processes.0.threads.0.program.0.do.0.io=1e30s'):
        rc, out, err = gilsim('run', 'convoy', '--set', kv)
        check(rc == 2 and err.startswith('--set %s: ' % kv), '--set %s is refused' % kv, err.strip())


def program_file(name, ops, n):
    """A scenario of one thread running `ops` n times over, written in
    pieces: a child's peak memory counts the test's own from before the
    exec, so the test stays small."""
    path = os.path.join(_tmp.name, name)
    with open(path, 'w') as f:
        f.write('{"name": "%s", "processes": [{"name": "m", "threads": [{"name": "t", "program": [\n' % name)
        for i in range(n):
            f.write(('  %s,\n' if i + 1 < n else '  %s\n') % ops)
        f.write(']}]}]}\n')
    return path


def max_rss_kb(args):
    """Runs gilsim; returns (rc, stderr, its peak memory in KB)."""
    with open(os.path.join(_tmp.name, 'stderr.txt'), 'w+') as errf:
        p = subprocess.Popen([GILSIM] + args, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        return p.returncode, errf.read(), usage.ru_maxrss


def input_limits():
    d = _tmp.name
    # Too large a file: refused without reading it all into memory.
    big = os.path.join(d, 'big.json')
    with open(big, 'w') as f:
        f.write('{"name": "big", "_pad": "')
        for _ in range(65):
            f.write('x' * (1 << 20))
        f.write('", "processes": []}')
    rc, err, rss = max_rss_kb(['validate', big])
    check(rc == 2 and 'at most 64 MB' in err or 'larger than 64 MiB' in err, 'a 65 MB scenario is refused',
          err.strip()[:200])
    os.unlink(big)
    # 60 MB of tiny values would have cost 40 bytes per byte in cJSON.
    many = os.path.join(d, 'many.json')
    with open(many, 'w') as f:
        f.write('{"name": "many", "_pad": [')
        chunk = '0,' * (1 << 20)
        for _ in range(30):
            f.write(chunk)
        f.write('0], "processes": []}')
    rc, err, rss = max_rss_kb(['validate', many])
    check(rc == 2 and 'more than 8388608 values' in err, '30 million values are refused', err.strip()[:200])
    check(rss < mb(400), 'refusing them takes %d MB, not 2.4 GB' % (rss // 1024))
    os.unlink(many)
    # A large valid scenario: memory stays a small multiple of its size.
    path = program_file('large.json', '{"cpu": "1us"}, {"io": "1us"}', 100000)
    size = os.path.getsize(path)
    rc, err, rss = max_rss_kb(['validate', path])
    check(rc == 0 and rss < mb((60 * size >> 20) + 64),
          'a %.1f MB scenario of 200,000 ops loads in %d MB' % (size / 2**20, rss // 1024), err.strip()[:200])


def sweep_one_point_at_a_time():
    # 100 runs of a 3 MB scenario: loading them all up front took 100 copies.
    path = program_file('wide.json', '{"cpu": "1us"}', 100000)
    rc, err, rss = max_rss_kb(['sweep', path, '--set', 'python.switch_interval=1ms..100ms:lin:50', '--runs', '2',
                               '-q', '--jobs', '2', '-o', os.path.join(_tmp.name, 'wide.csv')])
    check(rc == 0 and rss < mb(300), 'a 100-run sweep of a %d MB scenario peaks at %d MB' %
          (os.path.getsize(path) >> 20, rss // 1024), err.strip()[:200])
    # A value that fails fails the sweep, naming its point; nothing is written.
    out_csv = os.path.join(_tmp.name, 'bad.csv')
    for jobs in ('1', '3'):
        rc, out, err = gilsim('sweep', 'convoy', '--set', 'machine.cores=1,0,2,-1', '-q', '--runs', '2', '--until',
                              '100ms', '--jobs', jobs, '-o', out_csv)
        check(rc == 2 and err.startswith('point 2, run 1: --set machine.cores=0: /machine/cores: ') and
              not os.path.exists(out_csv), 'a bad point fails the sweep, the first one named (--jobs %s)' % jobs,
              err.strip())


seeds()
set_values()
input_limits()
sweep_one_point_at_a_time()
report()
