#!/usr/bin/env python3
"""`gilsim trace`: the Chrome Trace Event JSON and the CSV of state
intervals, checked against the run report of the same scenario and seed.

Chrome JSON: it parses; one pid per process plus the machine, small unique
tids with their names; each thread's X slices tile its life as the report
gives it; the GIL track holds one slice per acquisition; every answered
drop request has a flow whose three points bind, under Perfetto's ordering
rules, to the requester's slice, the ended holding and the new one; the
counters follow the thread states; otherData carries the provenance.
Tracks as the picture has them: a track per core whose slices add up to
each thread's running time there, a GIL track per interpreter (none in a
free-threaded run), no named track without events, joins named after
their target. --format perfetto and chrometrace, .json.gz, and the GIL
timeouts that changed nothing left out but counted.
CSV: each thread's rows tile its life and add up to the report's state
times exactly. Both: byte-identical across runs; bad flags and bad
scenarios exit 2 and write nothing.
"""
import csv
import gzip
import io
import json
import os
import tempfile
from collections import defaultdict

from gilsim_test import SOURCE_ROOT, check, report, scenario_file, gilsim, run_json, SCENARIOS

CONVOY = os.path.join(SCENARIOS, 'convoy.json')
OUT = tempfile.mkdtemp(prefix='gilsim-trace-test-')

# Two processes, one core (so threads queue for it), names that need
# escaping in JSON and quoting in CSV.
TWO = scenario_file({
    'name': 'two "processes"', 'seed': 4, 'machine': {'cores': 1},
    'python': {'version': '3.12', 'switch_interval': '2ms'},
    'processes': [
        {'name': 'web', 'threads': [
            {'name': 'io, "quoted"\\x', 'program': [{'repeat': 30, 'do': [{'io': '1ms'}, {'cpu': '50us'}]}]},
            {'name': 'hog', 'program': [{'cpu': '60ms'}]}]},
        {'name': 'batch', 'threads': [
            {'name': 'a', 'program': [{'cpu': '40ms'}]},
            {'name': 'b', 'program': [{'repeat': 10, 'do': [{'cpu': '2ms'}, {'sleep': '1ms'}]}]}]},
    ]}, 'two_processes.json')


def ns(us):
    """Microseconds with three decimals, back to exact nanoseconds."""
    return round(us * 1000)


def out_path(name):
    return os.path.join(OUT, name)


def trace_bytes(scenario, fmt, *extra, name=None):
    path = out_path(name or 'out.' + ('json' if fmt == 'chrome' else 'csv'))
    if os.path.exists(path):
        os.unlink(path)
    rc, _, err = gilsim('trace', scenario, '--format', fmt, '-o', path, *extra)
    if rc != 0:
        raise AssertionError('gilsim trace %s --format %s failed (%d): %s' % (scenario, fmt, rc, err.strip()))
    with open(path, 'rb') as f:
        return f.read()


def lifetime(t, rep):
    end = t['finished_ns'] if t['finished_ns'] is not None else rep['sim_time_ns']
    return t['started_ns'], end


# ---- Chrome JSON --------------------------------------------------------------

class Chrome:
    """The parts of a Chrome trace the checks look at."""

    def __init__(self, data):
        self.data = data
        self.events = data['traceEvents']
        self.proc_names = {}      # pid -> name
        self.thread_names = {}    # (pid, tid) -> name
        self.tid_pids = defaultdict(set)
        for e in self.events:
            if 'tid' in e:
                self.tid_pids[e['tid']].add(e['pid'])
            if e['ph'] == 'M' and e['name'] == 'process_name':
                self.proc_names[e['pid']] = e['args']['name']
            if e['ph'] == 'M' and e['name'] == 'thread_name':
                self.thread_names[(e['pid'], e['tid'])] = e['args']['name']
        self.pid_of = {v: k for k, v in self.proc_names.items()}

    def track(self, process, thread):
        pid = self.pid_of[process]
        tids = [tid for (p, tid), n in self.thread_names.items() if p == pid and n == thread]
        assert len(tids) == 1, (process, thread, tids)
        return pid, tids[0]

    def slices(self, pid, tid):
        return sorted((e for e in self.events if e['ph'] == 'X' and e['pid'] == pid and e['tid'] == tid),
                      key=lambda e: e['ts'])


def perfetto_bindings(events, slow):
    """Which slice each flow event binds to, as Perfetto's JSON importer does
    it: events sorted by timestamp (ties: in slow mode X slices longest
    first, then everything else; otherwise file order), and a flow point
    bound to the slice most recently begun on its track."""
    def key(ie):
        i, e = ie
        k = 0
        if slow and e['ph'] == 'X' and e['dur'] > 0:
            k = -ns(e['dur'])
        return (ns(e['ts']), k, i)
    top = {}
    bound = defaultdict(dict)  # flow id -> ph -> (flow event, slice)
    for _, e in sorted(enumerate(events), key=key):
        track = (e.get('pid'), e.get('tid'))
        if e['ph'] in 'Xi':  # a thread-scoped instant is a slice of no length
            top[track] = e
        elif e['ph'] in 'stf':
            bound[e['id']][e['ph']] = (e, top.get(track))
    return bound


def cfg_cores(data):
    return data.get('otherData', {}).get('cores', 0)


def check_chrome(label, scenario, *extra):
    rep = run_json(scenario, *extra)
    raw = trace_bytes(scenario, 'chrome', *extra)
    try:
        data = json.loads(raw)
    except ValueError as e:
        check(False, '%s: the Chrome trace parses as JSON' % label, str(e))
        return
    check(isinstance(data.get('traceEvents'), list) and data.get('displayTimeUnit') == 'ms',
          '%s: object form with traceEvents and displayTimeUnit' % label)
    c = Chrome(data)

    # Processes and threads.
    n = len(rep['processes'])
    check(sorted(c.proc_names) == list(range(1, n + 2)),
          '%s: pids are 1..%d (processes, then the machine)' % (label, n + 1), str(sorted(c.proc_names)))
    check([c.proc_names[i + 1] for i in range(n)] == [p['name'] for p in rep['processes']],
          '%s: process_name metadata names the processes in order' % label)
    check(c.proc_names[n + 1].startswith('machine ('), '%s: the last pid is the machine' % label)
    check(all(len(p) == 1 for p in c.tid_pids.values()), '%s: every tid belongs to one pid' % label)
    # Threads, then GIL tracks, then core tracks: a tid per track, no gaps to speak of.
    n_gils = sum(1 for nm in c.thread_names.values() if nm == 'GIL' or nm.startswith('GIL '))
    check(max(c.tid_pids) <= len(rep['threads']) + n_gils + cfg_cores(data) + n + 1,
          '%s: tids are small integers' % label, str(max(c.tid_pids)))
    for p in rep['processes']:
        pid = c.pid_of[p['name']]
        names = sorted(nm for (pp, _), nm in c.thread_names.items() if pp == pid and nm != 'GIL')
        want = sorted(t['name'] for t in rep['threads'] if t['process'] == p['name'])
        check(names == want, '%s: process %s has thread_name metadata for its threads' % (label, p['name']),
              '%s vs %s' % (names, want))
        check(sum(1 for (pp, _), nm in c.thread_names.items() if pp == pid and nm == 'GIL') == 1,
              '%s: process %s has one GIL track' % (label, p['name']))
    check(all(e['name'] in ('thread_sort_index', 'process_sort_index', 'thread_name', 'process_name')
              for e in c.events if e['ph'] == 'M'), '%s: only the four metadata kinds' % label)

    # Thread slices tile each thread's life.
    tiled = True
    for t in rep['threads']:
        pid, tid = c.track(t['process'], t['name'])
        sl = c.slices(pid, tid)
        start, end = lifetime(t, rep)
        total = sum(ns(e['dur']) for e in sl)
        ok = total == end - start and (not sl or (ns(sl[0]['ts']) == start and ns(sl[-1]['ts']) + ns(sl[-1]['dur']) == end))
        ok = ok and all(ns(a['ts']) + ns(a['dur']) == ns(b['ts']) for a, b in zip(sl, sl[1:]))
        ok = ok and all(e['args']['reason'] == e['cat'] and (('core' in e['args']) == (e['name'] == 'Running'))
                        for e in sl)
        if not ok:
            tiled = False
            check(False, '%s: slices of %s sum to its life' % (label, t['name']), '%d vs %d' % (total, end - start))
    check(tiled, '%s: each thread\'s X slices tile its life (started_ns..finished_ns) exactly' % label)

    # GIL tracks: one slice per acquisition (an instant on the holder's
    # track when it lasts no time), the holdings add up to held_ns.
    blips = [e for e in c.events if e['ph'] == 'i' and e['name'] == 'GIL acquired and released']
    for p in rep['processes']:
        pid, tid = c.track(p['name'], 'GIL')
        sl = c.slices(pid, tid)
        zero = [e for e in blips if e['pid'] == pid]
        g = p['gil']
        check(len(sl) + len(zero) == g['acquisitions'] and all(e['dur'] > 0 for e in sl),
              '%s: GIL track of %s has a slice per acquisition, zero-length ones as instants (%d)'
              % (label, p['name'], g['acquisitions']), '%d + %d' % (len(sl), len(zero)))
        per = defaultdict(int)
        for e in sl + zero:
            per[e['args']['holder']] += 1
        check(all(e['name'] == e['args']['holder'] for e in sl), '%s: GIL slices are named after the holder' % label)
        check(all(c.thread_names[(e['pid'], e['tid'])] == e['args']['holder'] for e in zero),
              '%s: a zero-length holding is an instant on the holder\'s own track' % label)
        want = {t['name']: t['gil_acquisitions'] for t in rep['threads']
                if t['process'] == p['name'] and t['gil_acquisitions']}
        check(dict(per) == want, '%s: GIL slices of %s are named after the holders, as many as each took it'
              % (label, p['name']), '%s vs %s' % (dict(per), want))
        held = sum(ns(e['dur']) for e in sl)
        check(held == g['held_ns'], '%s: GIL holdings of %s add up to held_ns' % (label, p['name']),
              '%d vs %d' % (held, g['held_ns']))
        forced = sum(1 for e in sl + zero if e['args']['drop'] == 'forced')
        check(forced == g['forced_drops'], '%s: GIL slices of %s end in forced drops as often as reported'
              % (label, p['name']))

    # Instants: drop requests, timeouts, failed wake-ups.
    inst = [e for e in c.events if e['ph'] == 'i']
    check(all(e.get('s') == 't' for e in inst), '%s: instants are thread-scoped' % label)
    for kind, key in (('drop request', 'drop_requests'), ('GIL timeout', 'timeouts'),
                      ('failed wake-up', 'failed_wakeups')):
        got = sum(1 for e in inst if e['name'] == kind)
        if kind == 'GIL timeout':  # those that changed nothing are counted, not written
            got += data.get('otherData', {}).get('gil_timeouts_left_out', 0)
        want = sum(p['gil'][key] for p in rep['processes'])
        check(got == want, '%s: one "%s" instant per reported one (%d)' % (label, kind, want), str(got))

    # Flows: one per drop request answered by a hand-over, bound where they belong.
    requests = [e for e in inst if e['name'] == 'drop request']
    gil_starts = defaultdict(list)
    for p in rep['processes']:
        pid, tid = c.track(p['name'], 'GIL')
        gil_starts[pid] = [ns(e['ts']) for e in c.slices(pid, tid)]
    for e in blips:
        gil_starts[e['pid']].append(ns(e['ts']))
    answered = [q for q in requests if any(s >= ns(q['ts']) for s in gil_starts[q['pid']])]
    flows = defaultdict(dict)
    for e in c.events:
        if e['ph'] in 'stf':
            flows[e['id']][e['ph']] = e
    check(len(flows) == len(answered) and len(answered) > 0,
          '%s: a flow per drop request answered by a hand-over (%d)' % (label, len(answered)), str(len(flows)))
    check(all('s' in f and 'f' in f and f['f'].get('bp') == 'e' for f in flows.values()),
          '%s: every flow has its start and its end (bp "e")' % label)
    req_at = {(q['pid'], q['tid'], ns(q['ts'])): q for q in requests}
    for slow in (False, True):
        bound = perfetto_bindings(c.events, slow)
        bad = []
        for fid, pts in bound.items():
            s_ev, s_sl = pts['s']
            f_ev, f_sl = pts['f']
            q = req_at.get((s_ev['pid'], s_ev['tid'], ns(s_ev['ts'])))
            gtid = c.track(c.proc_names[f_ev['pid']], 'GIL')[1]
            # The start binds to the "drop request" instant itself.
            ok = q is not None and s_sl is q
            # The end binds to the new holding: its GIL slice, or its instant.
            ok = ok and f_sl is not None and f_sl['pid'] == f_ev['pid'] and ns(f_sl['ts']) == ns(f_ev['ts'])
            ok = ok and ((f_sl['ph'] == 'X' and f_sl['tid'] == gtid) or
                         (f_sl['ph'] == 'i' and f_sl['name'] == 'GIL acquired and released'))
            if 't' in pts:
                # The step is strictly inside the holding that was asked to
                # end: on its boundary nothing holds the GIL.
                t_ev, t_sl = pts['t']
                ok = ok and t_sl is not None and t_sl['tid'] == gtid and t_sl['name'] == q['args']['holder']
                ok = ok and ns(t_sl['ts']) < ns(t_ev['ts']) < ns(t_sl['ts']) + ns(t_sl['dur']) <= ns(f_ev['ts'])
            if not ok:
                bad.append(fid)
        check(not bad, '%s: flows bind to requester, ended holding and new holding (%s sorting)'
              % (label, 'duration' if slow else 'file-order'), 'flows %s' % bad[:5])

    # Counters follow the thread states (checked against the CSV intervals).
    rows = list(csv.DictReader(io.StringIO(trace_bytes(scenario, 'csv', *extra).decode())))

    def expected(reason, process=None):
        delta = defaultdict(int)
        for r in rows:
            if r['reason'] == reason and (process is None or r['process'] == process):
                s, e = int(r['start_ns']), int(r['end_ns'])
                if e > s:
                    delta[s] += 1
                    delta[e] -= 1
        v, out = 0, {}
        for t in sorted(delta):
            v += delta[t]
            out[t] = v
        return out

    def follows(counter_events, want):
        series = sorted((ns(e['ts']), list(e['args'].values())[0]) for e in counter_events)
        # The counters are not closed at the end of the run.
        times = sorted(t for t in set(want) | {t for t, _ in series} if t < rep['sim_time_ns'])
        k, cur, prev = 0, None, None
        for t in times:
            while k < len(series) and series[k][0] <= t:
                cur = series[k][1]
                k += 1
            if t in want:
                prev = want[t]
            if (prev or 0) != cur:
                return False
        return len(set(t for t, _ in series)) == len(series)

    for p in rep['processes']:
        pid = c.pid_of[p['name']]
        ce = [e for e in c.events if e['ph'] == 'C' and e['pid'] == pid and e['name'] == 'GIL']
        check(ce and follows(ce, expected('wait_gil', p['name'])),
              '%s: GIL waiters counter of %s follows the threads in wait_gil' % (label, p['name']))
    rq = [e for e in c.events if e['ph'] == 'C' and e['name'] == 'run queue']
    check(rq and all(e['pid'] == n + 1 for e in rq) and follows(rq, expected('wait_core')),
          '%s: the machine\'s run-queue counter follows the threads in wait_core' % label)

    # Provenance.
    od = data.get('otherData', {})
    cfg = rep['config']
    want = {'gilsim_version': rep['gilsim'], 'scenario': rep['scenario'], 'scenario_hash': rep['scenario_hash'],
            'seed': rep['seed'], 'switch_interval_ns': cfg['switch_interval_ns'], 'cores': cfg['cores'],
            'gil_policy': cfg['gil'], 'python_version': cfg['python'], 'outcome': rep['outcome'],
            'sim_time_ns': rep['sim_time_ns']}
    diff = {k: (od.get(k), v) for k, v in want.items() if od.get(k) != v}
    check(not diff, '%s: otherData carries the provenance of the run' % label, str(diff))
    check(len(od.get('scenario_hash', '')) == 16 and all(ch in '0123456789abcdef' for ch in od['scenario_hash']),
          '%s: the scenario hash is 16 hex digits' % label)
    return rep


# ---- CSV ------------------------------------------------------------------------

def check_csv(label, scenario, *extra):
    rep = run_json(scenario, *extra)
    text = trace_bytes(scenario, 'csv', *extra).decode()
    check(text.split('\n', 1)[0] == 'process,thread,state,reason,start_ns,end_ns,core,gil_holder',
          '%s: the CSV header' % label)
    rows = list(csv.DictReader(io.StringIO(text)))
    order = []
    by = defaultdict(list)
    for r in rows:
        key = (r['process'], r['thread'])
        if not order or order[-1] != key:
            order.append(key)
        by[key].append(r)
    want_order = [(t['process'], t['name']) for t in rep['threads'] if t['started_ns'] >= 0]
    check(order == want_order, '%s: rows come thread by thread, in the report\'s order' % label,
          '%s vs %s' % (order, want_order))
    tiles = totals = cores = holders = True
    for t in rep['threads']:
        rs = by.get((t['process'], t['name']), [])
        start, end = lifetime(t, rep)
        s = [int(r['start_ns']) for r in rs]
        e = [int(r['end_ns']) for r in rs]
        ok = bool(rs) and s[0] == start and e[-1] == end and all(a <= b for a, b in zip(s, e))
        ok = ok and all(e[i] == s[i + 1] for i in range(len(rs) - 1))
        if not ok:
            tiles = False
            check(False, '%s: %s tiles its life' % (label, t['name']))
        spent = defaultdict(int)
        for r in rs:
            spent[r['reason']] += int(r['end_ns']) - int(r['start_ns'])
        for reason, v in t['state_ns'].items():
            if reason in ('running', 'runnable', 'blocked'):
                continue
            if spent.get(reason, 0) != v:
                totals = False
                check(False, '%s: %s spent %s ns in %s' % (label, t['name'], v, reason), str(spent.get(reason)))
        for r in rs:
            if (r['core'] != '') != (r['state'] == 'Running') or (r['core'] and not r['core'].isdigit()):
                cores = False
            # (A zero-length interval may end with a drop in the same instant.)
            if r['reason'] in ('python', 'c_call') and r['end_ns'] != r['start_ns'] and r['gil_holder'] != t['name']:
                holders = False
    check(tiles, '%s: each thread\'s intervals tile its life with no gap or overlap' % label)
    check(totals, '%s: interval lengths add up to the report\'s state_ns exactly' % label)
    check(cores, '%s: core is given exactly for Running rows' % label)
    check(holders, '%s: a thread running Python holds its GIL (gil_holder)' % label)
    return rows


# ---- Flags, determinism, outputs ---------------------------------------------

def test_determinism():
    for scen, label in ((CONVOY, 'convoy'), (TWO, 'two processes')):
        for fmt in ('chrome', 'csv'):
            a = trace_bytes(scen, fmt, name='a.' + fmt)
            b = trace_bytes(scen, fmt, name='b.' + fmt)
            check(a == b and len(a) > 1000, '%s: %s output is byte-identical across runs' % (label, fmt))
    rc, out, _ = gilsim('trace', CONVOY, '--format', 'csv', '-o', '-')
    check(rc == 0 and out.encode() == trace_bytes(CONVOY, 'csv'), '-o - writes the same CSV to standard output')
    a = trace_bytes(CONVOY, 'chrome', '--seed', '9', name='s9.json')
    b = trace_bytes(CONVOY, 'chrome', name='s1.json')
    check(a != b and json.loads(a)['otherData']['seed'] == 9, '--seed changes the trace and its provenance')


def test_format_from_extension():
    for ext, first in (('json', b'{"traceEvents":['), ('csv', b'process,thread,')):
        path = out_path('by_ext.' + ext.upper())
        rc, out, err = gilsim('trace', CONVOY, '-o', path)
        with open(path, 'rb') as f:
            head = f.read(40)
        check(rc == 0 and head.startswith(first) and 'wrote' in err and out == '',
              'the format follows the extension .%s' % ext.upper())
    check(not [f for f in os.listdir(OUT) if '.tmp' in f], 'no temporary file is left behind')


def test_until():
    rep = check_chrome('convoy --until 50ms', CONVOY, '--until', '50ms')
    check(rep['outcome'] == 'until' and rep['sim_time_ns'] == 50_000_000, '--until stops the run at 50 ms')
    rows = check_csv('convoy --until 50ms', CONVOY, '--until', '50ms')
    check(all(int(r['end_ns']) <= 50_000_000 for r in rows) and
          any(int(r['end_ns']) == 50_000_000 for r in rows if r['thread'] == 'hog'),
          'a thread alive at the end gets its last interval up to the end of the run')


def test_bad_input():
    bad_json = scenario_file({'name': 'broken', 'processes': 'nope'}, 'bad.json')
    not_json = os.path.join(OUT, 'not.json')
    with open(not_json, 'w') as f:
        f.write('{"name": "x",,}')
    target = out_path('never.json')
    cases = [
        (['--frob'], 'an unknown flag'),
        (['--format', 'xml'], 'an unknown format'),
        (['--format'], '--format without a value'),
        (['--seed', '-1'], 'a negative seed'),
        (['--until', 'soon'], 'a bad --until'),
        (['--set', 'machine.cores=banana'], 'a bad override'),
    ]
    for extra, what in cases:
        rc, out, err = gilsim('trace', CONVOY, '-o', target, *extra)
        check(rc == 2 and err.count('\n') == 1 and not os.path.exists(target),
              '%s: exit 2, a one-line error, nothing written' % what, 'rc=%d err=%r' % (rc, err))
    rc, _, err = gilsim('trace', CONVOY)
    check(rc == 2 and '-o' in err and err.count('\n') == 1, 'a missing -o: exit 2 with a one-line error')
    rc, _, err = gilsim('trace', CONVOY, '-o')
    check(rc == 2 and err.count('\n') == 1, '-o without a value: exit 2')
    txt = out_path('never.txt')
    rc, _, err = gilsim('trace', CONVOY, '-o', txt)
    check(rc == 2 and '--format' in err and not os.path.exists(txt),
          'an output name without .json or .csv needs --format; nothing written')
    rc, _, err = gilsim('trace', CONVOY, '-o', '-')
    check(rc == 2 and '--format' in err, '-o - needs --format')
    for path, what in ((bad_json, 'an invalid scenario'), (not_json, 'a scenario that is not JSON'),
                       (os.path.join(OUT, 'missing.json'), 'a missing scenario')):
        rc, out, err = gilsim('trace', path, '-o', target)
        check(rc == 2 and err.count('\n') == 1 and os.path.basename(path) in err and not os.path.exists(target)
              and out == '', '%s: the loader\'s one-line error, exit 2, nothing written' % what, err)
    rc, _, err = gilsim('trace', CONVOY, '-o', os.path.join(OUT, 'no', 'such', 'dir', 'x.json'))
    check(rc == 1 and 'cannot write' in err, 'an unwritable output: exit 1 with the reason')
    check(not [f for f in os.listdir(OUT) if '.tmp' in f], 'failures leave no temporary file')
    rc, out, _ = gilsim('trace', '--help')
    check(rc == 0 and out.startswith('usage: gilsim trace'), 'gilsim trace --help prints its usage')


def test_object_counters():
    """A shared variable's value, a queue's items and a semaphore's permits
    are counter tracks; every lost update is an instant on its writer."""
    path = os.path.join(SOURCE_ROOT, 'scenarios', 'counter_race_39.json')
    data = json.loads(trace_bytes(path, 'chrome'))
    rep = run_json(path)
    sh = [o for o in rep['shared'] if o['name'] == 'count'][0]
    ce = sorted((e for e in data['traceEvents'] if e['ph'] == 'C' and e['name'] == 'count (shared)'),
                key=lambda e: e['ts'])
    check(ce and ce[0]['args'] == {'value': 0, 'no loss': 0},
          'counter_race_39: the shared variable\'s counter starts at its initial value')
    check(ce and ce[-1]['args']['value'] == sh['final'] and ce[-1]['args']['no loss'] == sh['expected'],
          'counter_race_39: its counter ends at the final value against the expected one (%s)' %
          (ce[-1]['args'] if ce else None))
    lost = [e for e in data['traceEvents'] if e.get('name') == 'lost update']
    check(lost and sum(e['args']['overwrote'] for e in lost) == sh['lost_updates'],
          'counter_race_39: the lost-update instants add up to the lost updates (%d)' % sh['lost_updates'])
    path = os.path.join(SOURCE_ROOT, 'scenarios', 'queue_pipeline.json')
    data = json.loads(trace_bytes(path, 'chrome'))
    q = [e for e in data['traceEvents'] if e['ph'] == 'C' and e['name'].endswith('(queue)')]
    check(q and max(e['args']['items'] for e in q) == run_json(path)['queues'][0]['max_size_seen'],
          'queue_pipeline: the queue\'s counter track reaches its largest size')
    path = os.path.join(SOURCE_ROOT, 'scenarios', 'semaphore_pool.json')
    data = json.loads(trace_bytes(path, 'chrome'))
    sem = [e for e in data['traceEvents'] if e['ph'] == 'C' and e['name'] == 'slots (semaphore)']
    check(sem and max(e['args']['permits taken'] for e in sem) == 3,
          'semaphore_pool: the semaphore\'s counter track shows at most 3 permits taken')


def named_tracks(data):
    """(pid, tid) -> name, and pid -> name, from the metadata."""
    ev = data['traceEvents']
    threads = {(e['pid'], e['tid']): e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'thread_name'}
    procs = {e['pid']: e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'process_name'}
    return threads, procs


def test_tracks():
    """The tracks the picture has: a core track each, a GIL track per
    interpreter, no track without events, waits named after their target."""
    for name in ('convoy', 'per_interpreter', 'free_threaded_scaling', 'process_pool', 'io_8_threads'):
        path = os.path.join(SCENARIOS, name + '.json')
        rep = run_json(path)
        data = json.loads(trace_bytes(path, 'chrome', name=name + '.json'))
        ev = data['traceEvents']
        threads, procs = named_tracks(data)
        used = defaultdict(int)
        for e in ev:
            if e['ph'] != 'M' and 'tid' in e:
                used[(e['pid'], e['tid'])] += 1
        check(all(used[k] for k in threads), '%s: every named track holds events (no empty threads)' % name,
              str([threads[k] for k in threads if not used[k]]))
        check(all(k in threads for k in used), '%s: every track with events is named' % name)
        # Cores: one track each in the machine, slices naming who runs there.
        machine = max(procs)
        cores = {tid: nm for (pid, tid), nm in threads.items() if pid == machine and nm.startswith('core ')}
        slices = [e for e in ev if e['ph'] == 'X' and e['pid'] == machine and e['tid'] in cores]
        rows = list(csv.DictReader(io.StringIO(trace_bytes(path, 'csv', name=name + '.csv').decode())))
        ran = defaultdict(int)       # thread -> ns Running, from the CSV
        for r in rows:
            if r['state'] == 'Running':
                ran[(r['process'], r['thread'], int(r['core']))] += int(r['end_ns']) - int(r['start_ns'])
        on_core = defaultdict(int)
        for e in slices:
            on_core[(e['args']['process'], e['args']['thread'], int(cores[e['tid']].split()[1]))] += ns(e['dur'])
        check(cores and on_core == {k: v for k, v in ran.items() if v}, '%s: core tracks show each thread '
              'running exactly as long as it ran on that core (%d cores used)' % (name, len(cores)))
        check(all(e['name'] == '%s/%s' % (e['args']['process'], e['args']['thread']) for e in slices),
              '%s: a core slice is named process/thread' % name)
        overlap = False
        for tid in cores:
            sl = sorted((ns(e['ts']), ns(e['ts']) + ns(e['dur'])) for e in slices if e['tid'] == tid)
            overlap |= any(a[1] > b[0] for a, b in zip(sl, sl[1:]))
        check(not overlap, '%s: one thread at a time on a core' % name)
        # GILs: a track per interpreter whose GIL is held, none when none is.
        gil_tracks = {k: nm for k, nm in threads.items() if nm == 'GIL' or nm.startswith('GIL ')}
        held = [g for p in rep['processes'] for g in [p['gil']] if g.get('held_ns')]
        if name == 'free_threaded_scaling':
            check(not gil_tracks, '%s: a free-threaded run has no GIL track' % name, str(gil_tracks))
        elif name == 'per_interpreter':
            check(sorted(gil_tracks.values()) == ['GIL', 'GIL 1', 'GIL 2'],
                  '%s: a GIL track per interpreter (the main one, then each subinterpreter\'s)' % name,
                  str(sorted(gil_tracks.values())))
            holders = {nm: {e['name'] for e in ev if e['ph'] == 'X' and (e['pid'], e['tid']) == k}
                       for k, nm in gil_tracks.items()}
            check(holders.get('GIL 1') and holders.get('GIL 2') and not holders['GIL 1'] & holders['GIL 2'],
                  '%s: each interpreter\'s GIL is held by its own threads' % name, str(holders))
            waits = sorted({e['name'] for e in ev if e['ph'] == 'X' and e['name'].startswith('join ')})
            check(waits == ['join a', 'join b'], '%s: each join is its own slice, named after its target' % name,
                  str(waits))
        else:
            check(len(gil_tracks) == len(held) == len(rep['processes']),
                  '%s: a GIL track per process (%d)' % (name, len(held)), str(gil_tracks))


def test_formats():
    a = trace_bytes(CONVOY, 'chrome', name='c.json')
    for alias in ('perfetto', 'chrometrace'):
        rc, out, err = gilsim('trace', CONVOY, '--format', alias, '-o', '-')
        check(rc == 0 and out.encode() == a, '--format %s is the Chrome trace' % alias, err)
    gz = out_path('c.json.gz')
    rc, out, err = gilsim('trace', CONVOY, '-o', gz)
    with open(gz, 'rb') as f:
        z = f.read()
    check(rc == 0 and z[:2] == b'\x1f\x8b' and gzip.decompress(z) == a and len(z) * 5 < len(a),
          '.json.gz: gzip of the same trace, at least 5x smaller (%d -> %d bytes)' % (len(a), len(z)), err)
    rc, _, _ = gilsim('trace', CONVOY, '-o', out_path('d.json.gz'))
    with open(out_path('d.json.gz'), 'rb') as f:
        check(rc == 0 and f.read() == z, '.json.gz output is byte-identical across runs')
    cpu4 = os.path.join(SCENARIOS, 'convoy_4cpu.json')
    rep = run_json(cpu4)
    timeouts = sum(p['gil']['timeouts'] for p in rep['processes'])
    some = json.loads(trace_bytes(cpu4, 'chrome', name='t1.json'))
    every = json.loads(trace_bytes(cpu4, 'chrome', '--gil-timeouts', name='t2.json'))
    n_some = sum(1 for e in some['traceEvents'] if e['name'] == 'GIL timeout')
    n_all = sum(1 for e in every['traceEvents'] if e['name'] == 'GIL timeout')
    left = some['otherData']['gil_timeouts_left_out']
    check(n_all == timeouts and n_some + left == timeouts and left > 0 and
          all(e['args']['effect'] != 'none' for e in some['traceEvents'] if e['name'] == 'GIL timeout'),
          'timeouts that changed nothing are left out and counted (%d of %d); --gil-timeouts writes all'
          % (left, timeouts))


def test_timeout_effects():
    """Each GIL timeout's "effect" says what that timeout did, as the explain
    panel tells it from the same trace: set the drop request, took the GIL on
    that wake-up, or nothing (a switch happened during the wait; the thread
    waits again, and a later signal may give it the GIL). An I/O thread
    beside two CPU-bound threads at 20 ms waits through many switches."""
    io_thread = {'name': 'io', 'program': [{'sleep': '5ms'}, {'repeat': 6, 'do': [{'sleep': '1ms'}, {'cpu': '1us'}]}]}
    hogs = [{'name': 'hog%d' % k, 'daemon': True, 'program': [{'cpu': '10s'}]} for k in (1, 2)]
    sc = scenario_file({'name': 'io beside two', 'seed': 1, 'machine': {'cores': 2},
                        'python': {'version': '3.11', 'switch_interval': '20ms'},
                        'processes': [{'name': 'main', 'threads': [io_thread] + hogs}]}, 'io_beside_two.json')
    data = json.loads(trace_bytes(sc, 'chrome', '--gil-timeouts', name='effects.json'))
    ev = data['traceEvents']
    names = {(e['pid'], e['tid']): e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'thread_name'}
    words = {'drop request': 'sets the drop request', 'took the GIL': 'takes it at',
             'none': 'no drop request: the GIL changed hands during the wait'}
    seen = defaultdict(int)
    wrong = []
    for e in ev:
        if e['ph'] != 'i' or e['name'] != 'GIL timeout':
            continue
        effect = e['args']['effect']
        who = names[(e['pid'], e['tid'])]
        rc, out, err = gilsim('explain', sc, '--at', '%.3fus' % e['ts'], '--thread', 'main/' + who)
        nxt = ''.join(line for line in out.splitlines() if line.startswith('Next:'))
        seen[effect] += 1
        if rc != 0 or 'gil_timeout' not in out or words.get(effect, '?') not in nxt:
            wrong.append('%s at %.3f us: %s / %s' % (who, e['ts'], effect, nxt or err))
    check(not wrong and seen['none'] > 0 and seen['drop request'] > 0,
          'each GIL timeout beside two CPU-bound threads and an I/O thread says what it did, as explain '
          'does (%s)' % dict(seen), '; '.join(wrong[:3]))


def main():
    test_tracks()
    test_formats()
    test_timeout_effects()
    test_object_counters()
    check_chrome('convoy', CONVOY)
    check_chrome('two processes', TWO)
    check_csv('convoy', CONVOY)
    check_csv('two processes', TWO)
    test_until()
    test_determinism()
    test_format_from_extension()
    test_bad_input()
    report()


if __name__ == '__main__':
    main()
