#!/usr/bin/env python3
"""Every reproducer ever found (tests/fuzz/regressions) runs through
`gilsim run` and ends quickly, without a crash or a sanitizer report, as
its "_expect" says: the exit status (or statuses), text the error must
contain when the run fails, and values the JSON report must hold.

A file may start with "#set KEY=VALUE" lines, as the fuzz harness reads
them: they become --set arguments, the rest is the scenario.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from gilsim_test import GILSIM, _tmp, check, report  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'regressions')


def at(rep, path):
    for part in path.split('/'):
        rep = rep[int(part)] if isinstance(rep, list) else rep[part]
    return rep


for name in sorted(os.listdir(HERE)):
    raw = open(os.path.join(HERE, name), 'rb').read()
    sets = []
    while raw.startswith(b'#set '):
        line, _, raw = raw.partition(b'\n')
        sets.append(line[5:])
    path = os.path.join(_tmp.name, 'regression.json')
    with open(path, 'wb') as f:
        f.write(raw)
    try:
        expect = json.loads(raw.decode('utf-8')).get('_expect', {})
    except ValueError:
        expect = {}
    args = [GILSIM.encode(), b'run', path.encode()]  # no --until: each must end by itself
    for s in sets:
        args += [b'--set', s]
    if 'json' in expect:
        args.append(b'--json')
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, timeout=600)
    secs = time.monotonic() - t0
    err = p.stderr.decode('utf-8', 'replace')
    exits = expect.get('exit', [0, 1, 2, 3])
    exits = exits if isinstance(exits, list) else [exits]
    ok = p.returncode in exits and 'runtime error' not in err and 'Sanitizer' not in err
    if ok and p.returncode != 0 and 'stderr' in expect:
        ok = expect['stderr'] in err
    if ok and p.returncode == 0:
        rep = json.loads(p.stdout) if 'json' in expect else None
        for k, v in expect.get('json', {}).items():
            ok = ok and at(rep, k) == v
    check(ok and secs < 60, '%s: exit %d in %.2f s' % (name, p.returncode, secs), err.strip()[:400])
report()
