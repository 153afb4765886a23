#!/usr/bin/env python3
"""Generates valid random scenarios, runs each with `gilsim run --json`, and
checks what must hold whatever the scenario:

  - the run ends: done, deadlock, or a located error for a loop that takes
    no time or a spent budget (never a crash, a sanitizer report, a hang);
  - each thread's state times sum to its lifetime, and each state's time
    to its reasons' times;
  - a shared variable's final value is its expected value minus the lost
    updates;
  - a queue never holds more than its maxsize and never gives more than
    it got; locks have one holder, semaphores at most their value;
  - a process's GIL is held no longer than the run, for at least the time
    its threads run Python holding it, and acquired as often as its
    threads say; switches never outnumber acquisitions; under the new GIL
    a drop request needs a timeout and a forced drop a request;
  - the same scenario and seed give the same report, byte for byte.

Every scenario the generator writes must load: one that does not is a bug
in the generator or in the loader, and fails the check like any other.

usage: gen_scenarios.py [--count N] [--seed S] [--jobs J] [--gilsim PATH] [--keep DIR]

The failing scenarios are written to DIR (default: a temporary folder)
with the reason; a reproducer belongs in tests/fuzz/regressions/.
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

DURS = ['0ns', '1ns', '100ns', '1us', '20us', '100us', '1ms', '3ms', '10ms']
VERSIONS = ['2.7', '3.1', '3.9', '3.10', '3.12', '3.13', '3.14']


def dur(r, small=False):
    pool = DURS[:6] if small else DURS
    k = r.random()
    if k < 0.1:
        a, b = sorted(r.sample(pool, 2), key=DURS.index)
        return {'uniform': [a, b]}
    if k < 0.15:
        return {'exp': r.choice(pool[1:])}
    return r.choice(pool)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed
        self.startable = []  # manual threads the thread being written may start

    def objects(self, p):
        # Names carry their process: the same queue name declared in two
        # processes, one only putting and the other only getting, is a
        # mistake the loader rightly refuses.
        r = self.r
        sync, kinds = {}, {}
        for i in range(r.randint(0, 5)):
            kind = r.choice(['lock', 'rlock', 'semaphore', 'bounded_semaphore', 'event', 'condition',
                             'barrier', 'queue', 'pipe'])
            name = '%s%dp%d' % (kind[:3], i, p)
            if kind in ('semaphore', 'bounded_semaphore'):
                sync[name] = {'type': kind, 'value': r.randint(1, 3)}
            elif kind == 'barrier':
                sync[name] = {'type': 'barrier', 'parties': r.randint(1, 3)}
                if r.random() < 0.5:
                    sync[name]['timeout'] = r.choice(['1ms', '10ms'])
            elif kind == 'queue':
                sync[name] = {'type': 'queue', 'maxsize': r.randint(0, 3)}
            elif kind == 'condition' and r.random() < 0.5 and any(k == 'lock' for k in kinds.values()):
                lock = r.choice([n for n, k in kinds.items() if k == 'lock'])
                sync[name] = {'type': 'condition', 'lock': lock}
            else:
                sync[name] = kind
            kinds[name] = kind
        return sync, kinds

    def op(self, kinds, shared, depth, threads, procs, task=False):
        r = self.r
        choices = ['cpu'] * 6 + ['c_call', 'nogil', 'io', 'io', 'sleep']
        if depth < 2:
            choices += ['repeat', 'repeat']
        if kinds:
            choices += ['sync'] * 6
        if shared:
            choices += ['increment'] * 2
        if not task:
            if self.startable:
                choices += ['start']
            if threads:
                choices += ['join']
            if procs:
                choices += ['join_proc']
            if depth == 0:
                choices += ['fork', 'thread_pool', 'process_pool']
        c = r.choice(choices)
        if c in ('cpu', 'c_call', 'nogil', 'io', 'sleep'):
            return {c: dur(r)}
        if c == 'repeat':
            return {'repeat': r.choice([0, 1, 2, 3, 5, 20]),
                    'do': [self.op(kinds, shared, depth + 1, threads, procs, task) for _ in range(r.randint(1, 3))]}
        if c == 'increment':
            o = {'increment': r.choice(shared)}
            if r.random() < 0.3:
                o['call_between'] = True
            return o
        if c == 'start':
            return {'start': r.choice(self.startable)}
        if c == 'join':
            o = {'join': r.choice(threads)}
            if r.random() < 0.3:
                o['timeout'] = r.choice(['1ms', '5ms'])
            return o
        if c == 'join_proc':
            return {'join': r.choice(procs)}
        if c == 'fork':
            return {'fork': {'program': [self.op({}, [], 1, [], [], True) for _ in range(r.randint(1, 2))]}}
        if c in ('thread_pool', 'process_pool'):
            p = {'workers': r.randint(1, 3), 'tasks': r.randint(0, 6),
                 'task': [self.op({} if c == 'process_pool' else kinds, [], 1, [], [], True)
                          for _ in range(r.randint(1, 2))]}
            return {c: p}
        name = r.choice(list(kinds))
        kind = kinds[name]
        timeout = {'timeout': r.choice(['0ns', '500us', '2ms'])} if r.random() < 0.3 else {}
        if kind in ('lock', 'rlock', 'semaphore', 'bounded_semaphore'):
            k = r.random()
            if k < 0.5:
                return {'with': name, 'do': [self.op(kinds, shared, depth + 1, threads, procs, task)]}
            if k < 0.7:
                return dict({'acquire': name}, **timeout)
            if k < 0.8:
                return {'acquire': name, 'blocking': False}
            return {'release': name}
        if kind == 'event':
            return r.choice([dict({'wait': name}, **timeout), {'set': name}, {'set': name}, {'clear': name}])
        if kind == 'condition':
            inner = r.choice([dict({'wait': name}, **timeout), {'notify': name}, {'notify_all': name}])
            return {'with': name, 'do': [inner]}
        if kind == 'barrier':
            return dict({'wait': name}, **timeout)
        if kind in ('queue', 'pipe'):
            if r.random() < 0.5:
                o = dict({'put': name}, **timeout)
                if kind == 'pipe' and r.random() < 0.3:
                    o['transfer'] = dur(r, True)
                return o
            return dict({'get': name}, **timeout)
        raise AssertionError(kind)

    def scenario(self):
        r = self.r
        version = r.choice(VERSIONS)
        gils = ['new', 'new-noforce', 'old']
        if version in ('3.12', '3.13', '3.14'):
            gils += ['per-interpreter', 'none']
        python = {'version': version}
        if version >= '3.2' or version == '3.10':
            python['gil'] = r.choice(gils)
        if r.random() < 0.5:
            python['switch_interval'] = r.choice(['1us', '100us', '1ms', '5ms'])
        machine = {'cores': r.randint(1, 4)}
        if r.random() < 0.3:
            machine['wake_latency'] = r.choice(['0ns', '5us', {'uniform': ['1us', '50us']}])
        if r.random() < 0.2:
            machine['context_switch'] = r.choice(['0ns', '2us'])
        if r.random() < 0.2:
            machine['time_slice'] = r.choice(['100us', '1ms'])
        # Drawn apart from the main stream, so every other draw stays the
        # one a seed has always made.
        side = random.Random(self.seed * 1000003 + 17)
        if side.random() < 0.4:
            machine['wakeup_policy'] = side.choice(['fifo', 'linux-glibc', 'linux-glibc'])
            if side.random() < 0.5:
                machine['cond_steal'] = side.choice([0, 0.5, 1])
        procs = []
        n_procs = r.randint(1, 3)
        for p in range(n_procs):
            sync, kinds = self.objects(p)
            shared = ['v%d' % i for i in range(r.randint(0, 2))]
            n_threads = r.randint(1, 4)
            names = ['t%d' % i for i in range(n_threads)]
            manual = [n for n in names[1:] if r.random() < 0.3]
            threads = []
            others = [q for q in range(n_procs) if q != p]
            for i, name in enumerate(names):
                t = {'name': name, 'program': []}
                if name in manual:
                    t['start'] = 'manual'
                if i > 0 and r.random() < 0.2:
                    t['daemon'] = True
                if python.get('gil') == 'per-interpreter' and i > 0 and r.random() < 0.5:
                    t['interpreter'] = r.randint(1, 2)
                self.startable = [m for m in manual if m != name] if i == 0 else []
                joinable = [m for m in names if m != name] if i == 0 else []
                for _ in range(r.randint(1, 5)):
                    t['program'].append(self.op(kinds, shared, 0, joinable, ['p%d' % q for q in others] if i == 0
                                                else []))
                threads.append(t)
            proc = {'name': 'p%d' % p, 'threads': threads}
            if sync:
                proc['sync'] = sync
            if shared:
                proc['shared'] = {v: r.randint(0, 5) for v in shared}
            if p > 0 and r.random() < 0.3:
                proc['start'] = 'manual'
                proc['start_method'] = r.choice(['fork', 'spawn', 'forkserver'])
            procs.append(proc)
        # A manual process must be started by someone: the first thread of p0.
        for p, proc in enumerate(procs):
            if proc.get('start') == 'manual':
                procs[0]['threads'][0]['program'].insert(0, {'start': proc['name']})
        s = {'name': 'generated %d' % self.seed, 'seed': r.randint(0, 2 ** 64 - 1),
             'python': python, 'machine': machine, 'processes': procs}
        return s


def fail(reasons, why):
    reasons.append(why)


def check_report(rep, scen, reasons):
    end = rep['sim_time_ns']
    gil_policy = rep['config']['gil']
    names_by_proc = {}
    for t in rep['threads']:
        sn = t['state_ns']
        per_reason = {k: v for k, v in sn.items() if k not in ('running', 'runnable', 'blocked')}
        if any(v < 0 for v in sn.values()):
            fail(reasons, 'negative state time: %s/%s %s' % (t['process'], t['name'], sn))
        if sn['running'] != sn['python'] + sn['c_call'] + sn['nogil'] or \
           sn['runnable'] != sn['wait_gil'] + sn['wait_core'] or \
           sn['blocked'] != sum(sn[k] for k in ('io', 'sleep', 'lock', 'join', 'switch_wait', 'start_wait')):
            fail(reasons, 'state times do not add up by reason: %s/%s %s' % (t['process'], t['name'], sn))
        if t['started_ns'] >= 0:
            life = (t['finished_ns'] if 'finished_ns' in t and t['finished_ns'] is not None else end) - t['started_ns']
            if sum(per_reason.values()) != life:
                fail(reasons, 'state times %d != lifetime %d: %s/%s' % (sum(per_reason.values()), life,
                                                                         t['process'], t['name']))
        for lat in (t['io'], t['gil_wait']):
            l = lat['latency_ns']
            if lat['count'] and not (0 <= l['p50'] <= l['p90'] <= l['p99'] <= l['max']):
                fail(reasons, 'latency percentiles out of order: %s' % lat)
            if not lat['count'] and any(v is not None for v in l.values()):
                fail(reasons, 'statistics of an empty sample are not null: %s' % lat)
        names_by_proc.setdefault(t['process'], []).append(t)
    for s in rep['shared']:
        if s['final'] != s['expected'] - s['lost_updates']:
            fail(reasons, 'shared %s: final %d != expected %d - lost %d' % (s['name'], s['final'], s['expected'],
                                                                          s['lost_updates']))
    for q in rep['queues']:
        if q['kind'] == 'queue' and q['maxsize'] > 0 and q['max_size_seen'] > q['maxsize']:
            fail(reasons, 'queue %s held %d items, maxsize %d' % (q['name'], q['max_size_seen'], q['maxsize']))
        if q['gets'] > q['puts']:
            fail(reasons, 'queue %s gave %d items, got %d' % (q['name'], q['gets'], q['puts']))
    for l in rep['locks']:
        if l['contended'] > l['acquisitions']:
            fail(reasons, 'lock %s: %d contended of %d acquisitions' % (l['name'], l['contended'],
                                                                        l['acquisitions']))
        if l['kind'] in ('lock', 'rlock') and l['max_holders'] > 1:
            fail(reasons, '%s %s had %d holders' % (l['kind'], l['name'], l['max_holders']))
    sems = {}
    for p in scen['processes']:
        for n, spec in p.get('sync', {}).items():
            if isinstance(spec, dict) and spec.get('type') == 'bounded_semaphore':
                sems[(p['name'], n)] = spec['value']
    for l in rep['locks']:
        v = sems.get((l['process'], l['name']))
        if v is not None and l['max_holders'] > v:
            fail(reasons, 'semaphore %s(%d) had %d holders' % (l['name'], v, l['max_holders']))
    # Processes of one name (a pool's workers) are summed: threads name
    # their process by name only.
    gils_by_name = {}
    for p in rep['processes']:
        g = p['gil']
        if g['switches'] > g['acquisitions'] or not (0 <= g['held_ns'] <= end):
            fail(reasons, 'GIL of %s: %s over %d ns' % (p['name'], g, end))
        if gil_policy == 'new' and (g['drop_requests'] > g['timeouts'] or g['forced_drops'] > g['drop_requests']):
            fail(reasons, 'GIL of %s: requests without timeouts or forced drops without requests: %s' %
                 (p['name'], g))
        held, acq = gils_by_name.get(p['name'], (0, 0))
        gils_by_name[p['name']] = (held + sum(i['held_ns'] for i in p['interpreter_gils']),
                                   acq + sum(i['acquisitions'] for i in p['interpreter_gils']))
    for name, (held, acq) in gils_by_name.items():
        threads = names_by_proc.get(name, [])
        if gil_policy != 'none':
            python = sum(t['state_ns']['python'] + t['state_ns']['c_call'] for t in threads)
            if python > held:
                fail(reasons, 'process %s ran Python for %d ns but held its GILs for %d' % (name, python, held))
            if sum(t['gil_acquisitions'] for t in threads) != acq:
                fail(reasons, 'process %s: threads acquired GILs %d times, its GILs say %d' %
                     (name, sum(t['gil_acquisitions'] for t in threads), acq))


RUN_ERRORS = ('runs without simulated time passing', 'simulated time stopped advancing',
              'simulated time would pass', 'the trace reached its budget')


def run_one(gilsim, seed, keep):
    scen = Gen(seed).scenario()
    path = os.path.join(keep, 'gen-%d.json' % seed)
    with open(path, 'w') as f:
        json.dump(scen, f, indent=1)
    args = [gilsim, 'run', path, '--json', '--until', '2s', '--max-records', '200000']
    reasons = []
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return seed, ['timed out after 300 s'], path, 'other'
    if 'runtime error' in p.stderr or 'Sanitizer' in p.stderr or p.returncode < 0:
        reasons.append('crash or sanitizer report (rc %d): %s' % (p.returncode, p.stderr[-2000:]))
    elif p.returncode in (0, 3):
        rep = json.loads(p.stdout)
        check_report(rep, scen, reasons)
        if seed % 10 == 0:  # determinism, on a sample
            q = subprocess.run(args, capture_output=True, text=True, timeout=300)
            if q.stdout != p.stdout:
                reasons.append('two runs of the same scenario and seed differ')
    elif p.returncode in (1, 2):
        if not any(e in p.stderr for e in RUN_ERRORS):
            reasons.append('refused or failed (rc %d): %s' % (p.returncode, p.stderr.strip()[:500]))
    else:
        reasons.append('unexpected exit %d: %s' % (p.returncode, p.stderr.strip()[:500]))
    if not reasons:
        os.unlink(path)
    outcome = {0: 'done', 3: 'deadlock', 1: 'budget', 2: 'stuck'}.get(p.returncode, 'other')
    return seed, reasons, path, outcome


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--gilsim', default=os.environ.get('GILSIM') or os.path.join(HERE, '..', '..', 'build', 'gilsim'))
    ap.add_argument('--keep', default=None)
    a = ap.parse_args()
    keep = a.keep or tempfile.mkdtemp(prefix='gilsim-gen-')
    os.makedirs(keep, exist_ok=True)
    passed = failed = 0
    outcomes = {}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for seed, reasons, path, outcome in ex.map(lambda s: run_one(a.gilsim, s, keep),
                                                   range(a.seed, a.seed + a.count)):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if reasons:
                failed += 1
                print('FAIL scenario %d (%s):' % (seed, path))
                for why in reasons[:5]:
                    print('     ' + why)
            else:
                passed += 1
    print('%d generated scenarios (seeds %d..%d; %s): %d passed, %d failed' %
          (a.count, a.seed, a.seed + a.count - 1, ', '.join('%d %s' % (n, o) for o, n in sorted(outcomes.items())),
           passed, failed))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
