#!/usr/bin/env python3
"""gilsim explain on the bundled lessons: the "why" of hand-picked
transitions names the record that caused each one, never merely the
nearest GIL event. The transitions are found in each run's Chrome trace
(state slices and instants), so the cases follow the model when its
figures move; each case asserts words of the expected cause, and words of
the wrong cause the old panel gave where one is known."""
import json
import os
import re

from gilsim_test import check, config, report, gilsim, run_json, seconds, SCENARIOS

CASES = 0


def path(name):
    return os.path.join(SCENARIOS, name + '.json')


class Run:
    """A lesson's Chrome trace: slices and instants by thread name."""

    def __init__(self, name, *extra):
        self.name, self.extra = name, extra
        rc, out, err = gilsim('trace', path(name), '--format', 'chrome', '-o', '-', *extra)
        assert rc == 0, err
        ev = json.loads(out)['traceEvents']
        self.tname = {(e['pid'], e['tid']): e['args']['name'] for e in ev
                      if e['ph'] == 'M' and e['name'] == 'thread_name'}
        self.pname = {e['pid']: e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'process_name'}
        self.ev = ev

    def who(self, e):
        return self.tname.get((e['pid'], e['tid']))

    def slices(self, thread, reason=None, process=None):
        out = [e for e in self.ev if e['ph'] == 'X' and e.get('cat') != 'gil' and self.who(e) == thread and
               (reason is None or e['args'].get('reason') == reason) and
               (process is None or self.pname.get(e['pid']) == process)]
        return sorted(out, key=lambda e: e['ts'])

    def instants(self, name, thread=None):
        return sorted((e for e in self.ev if e['ph'] == 'i' and e['name'] == name and
                       (thread is None or self.who(e) == thread)), key=lambda e: e['ts'])

    def after(self, thread, ts):
        """The thread's slice that begins where another ends."""
        for e in self.slices(thread):
            if abs(e['ts'] - ts) < 1e-6:
                return e
        return None


def explain(run, ts, thread):
    rc, out, err = gilsim('explain', path(run.name), '--at', '%.3fus' % ts, '--thread', thread, *run.extra)
    parts = {'head': '', 'now': '', 'why': '', 'next': ''}
    for line in out.splitlines():
        m = re.match(r'(Now|Why|Next):\s+(.*)', line)
        if m:
            parts[m.group(1).lower()] = m.group(2)
        elif not parts['head']:
            parts['head'] = line
    parts['rc'] = rc
    return parts


def case(run, ts, thread, what, where, want, unwanted=()):
    """One transition: the panel's part `where` has every word of want and
    none of unwanted."""
    global CASES
    CASES += 1
    p = explain(run, ts, thread)
    text = p[where]
    ok = p['rc'] == 0 and all(w in text for w in want) and not any(u in text for u in unwanted)
    check(ok, '%s: %s at %.3f us (%s)' % (run.name, what, ts, thread), '%s: %r' % (where, text))


def main():
    # The convoy: I/O start, the wait after it, timeout, request, forced drop, take.
    c = Run('convoy')
    for e in c.slices('io', 'io')[:3]:
        case(c, e['ts'], 'io', 'I/O start', 'why', ['reached an I/O operation', 'releases the GIL'],
             ['took the free GIL', 'took the GIL'])
        case(c, e['ts'], 'io', 'I/O start (what)', 'now', ['io started I/O'])
    waits = [e for e in c.slices('io', 'wait_gil') if e['ts'] > 0][:3]
    for e in waits:
        case(c, e['ts'], 'io', 'asks for the GIL after its I/O', 'why', ["io's I/O ended", 'hog holds it'])
    for e in c.instants('drop request', 'io')[:3]:
        case(c, e['ts'], 'io', 'drop request', 'why',
             ["io's timed wait", 'ran out', 'had not changed hands'], ['took the free GIL'])
        case(c, e['ts'], 'io', 'drop request (next)', 'next', ['hog drops the GIL at its next check point'])
    requests = [e['ts'] for e in c.instants('drop request', 'io')]
    timeouts = [e for e in c.instants('GIL timeout', 'io')
                if any(0 <= r - e['ts'] < 200 for r in requests)][:3]
    for e in timeouts:
        if e['ts'] in requests:
            # The timer woke io where it waited: it sets the request at the
            # same instant, and the panel tells that last record.
            case(c, e['ts'], 'io', 'timeout with no switch', 'next', ['drops the GIL at its next check point'])
            case(c, e['ts'], 'io', 'timeout (why)', 'why', ['timed wait of one switch interval', 'ran out'])
        else:
            case(c, e['ts'], 'io', 'timeout with no switch', 'next', ['sets the drop request'])
            case(c, e['ts'], 'io', 'timeout (why)', 'why', ['has waited', 'one switch interval (5 ms)', "the timer's slack"])
    for e in c.slices('hog', 'switch_wait')[:3]:
        case(c, e['ts'], 'hog', 'forced drop', 'why', ['io set the drop request', 'FORCE_SWITCHING'],
             ['released the GIL for I/O'])
        after = c.after('hog', e['ts'] + e['dur'])
        if after:
            case(c, after['ts'], 'hog', 'its switch wait ends', 'why', ['io took the GIL at', "ends hog's wait"])
    wait_ends = {round(w['ts'] + w['dur'], 3) for w in c.slices('io', 'wait_gil') if w['ts'] > 0}
    takes = [e for e in c.slices('io', 'python') if round(e['ts'], 3) in wait_ends]
    # io set the drop request and went back into its wait: when the holder's
    # signal comes while it is still awake (linux-glibc), it takes the GIL in
    # the instant of the drop, and the panel must not speak of a wake-up.
    drops = {e['ts'] for e in c.slices('hog', 'switch_wait')}
    awake = [e for e in takes if e['ts'] in drops]
    woken = [e for e in takes if e['ts'] not in drops]
    check(len(awake) >= 3 and len(woken) >= 3, 'convoy: io takes the GIL both awake (%d) and woken (%d)'
          % (len(awake), len(woken)))
    for e in woken[:3]:
        case(c, e['ts'], 'io', 'take after a wake-up', 'why',
             ['the OS woke io, which took the GIL', 'the wake-up latency', 'on the signal of hog, which dropped '
              'the GIL at a check point'],
             ['+3 ms wake-up', 'still awake', 'took the GIL:'])  # Now says that already
    for e in awake[:3]:
        case(c, e['ts'], 'io', 'take of a signal while awake', 'why',
             ['io, still awake in its wait, took the signal itself 0 ns after it was sent',
              'no wake-up to pay', 'hog dropped the GIL at a check point'], ['the OS woke io', 'wake-up latency'])
    # Beside two CPU-bound threads a timeout often finds the GIL moved: no request.
    c2 = Run('convoy_2cpu', '--gil-timeouts')  # (those that changed nothing are left out by default)
    c2.extra = ()
    requests = [e['ts'] for e in c2.instants('drop request', 'io')]
    runs = [e['ts'] for e in c2.slices('io', 'python')]
    moved = [e for e in c2.instants('GIL timeout', 'io')
             if not any(0 <= r - e['ts'] < 200 for r in requests + runs)][:3]
    check(len(moved) == 3, 'convoy_2cpu has timeouts after a switch (%d)' % len(moved))
    for e in moved:
        case(c2, e['ts'], 'io', 'timeout after a switch', 'next',
             ['no drop request', 'changed hands during the wait', 'another full interval'])
    # glibc's group G1: a wait that began before the signal preceding the one
    # that woke io was passed over by it, so that signal was io's alone; a
    # wait that began after it competed with the requester.
    g1 = Run('convoy_2cpu', '--gil-timeouts')
    drops = sorted(e['ts'] for t in ('cpu1', 'cpu2') for e in g1.slices(t, 'switch_wait'))
    timeouts = [e['ts'] for e in g1.instants('GIL timeout', 'io')]
    alone, newer = [], []
    for w in g1.slices('io', 'wait_gil'):
        end = w['ts'] + w['dur']
        before = [d for d in drops if d <= end]
        if len(before) < 2 or not any(abs(e['ts'] - end) < 1e-6 for e in g1.slices('io', 'python')):
            continue
        registered = max([w['ts']] + [t for t in timeouts if w['ts'] <= t < end])
        (alone if registered < before[-2] else newer).append(end)
    check(len(alone) >= 2 and len(newer) >= 2, 'convoy_2cpu: io takes the GIL both as G1\'s last waiter (%d) and '
          'after a group switch (%d)' % (len(alone), len(newer)))
    for ts in alone[:3]:
        case(c2, ts, 'io', 'signal to the waiter left in G1', 'why',
             ['glibc\'s condition variable sent the signal to io alone',
              'io had waited since before the previous signal, which passed it over'], ['still awake'])
    for ts in newer[:3]:
        case(c2, ts, 'io', 'signal after a group switch', 'why', ['io'], ['alone'])
    # After a group switch the requester, still awake, usually takes the
    # signal; when another thread set the request and io took the GIL, the
    # requester missed it and the futex woke its longest sleeper.
    reqs = g1.instants('drop request')
    missed = [ts for ts in newer if g1.who(max((e for e in reqs if e['ts'] <= ts), key=lambda e: e['ts'])) != 'io']
    check(len(missed) >= 2, 'convoy_2cpu: io takes a signal the requester missed (%d)' % len(missed))
    for ts in missed[:3]:
        case(c2, ts, 'io', 'signal the awake requester missed', 'why',
             ['the futex woke the longest sleeper, io',
              'the newest waiter, still awake in its wait, missed the signal', 'had set the drop request'],
             ['alone', 'io had set'])
    # A timeout whose wake-up was left on a busy CPU (machine.busy_wake_share)
    # ends its wait 1.5 ms or more after the interval and its timer's slack.
    late, prompt = [], []
    for w in g1.slices('io', 'wait_gil'):
        mine = [t for t in timeouts if w['ts'] <= t <= w['ts'] + w['dur']]
        for a, b in zip([w['ts']] + mine, mine):
            (late if b - a > 6500 else prompt if b - a < 5200 else []).append(b)
    check(len(late) >= 2 and len(prompt) >= 2, 'convoy_2cpu: io timeouts prompt (%d) and held (%d)'
          % (len(prompt), len(late)))
    for ts in late[:2]:
        case(c2, ts, 'io', 'timeout held on a busy CPU', 'why',
             ['without being signalled', 'left it queued on the CPU it last ran on, busy with another thread'])
    for ts in prompt[:2]:
        case(c2, ts, 'io', 'timeout on time', 'why', ['without being signalled'], ['left it queued'])
    # A lock wait, and lost updates.
    lk = Run('counter_lock')
    for th in ('t1', 't2'):
        for e in lk.slices(th, 'lock')[:1]:
            case(lk, e['ts'], th, 'lock wait', 'now', ["waits for lock 'lock'"])
            case(lk, e['ts'], th, 'lock wait (why)', 'why', ['a wait on an object'])
    # A forced drop says when the thread still holds the lock: the drop
    # that starts counter_lock's convoy (the other thread blocks on the
    # lock next), not the ones before, which fall outside the block.
    drops = []
    for th in ('t1', 't2'):
        drops += [(e['ts'], th) for e in lk.slices(th, 'switch_wait')]
    drops.sort()
    first_block = min(e['ts'] for th in ('t1', 't2') for e in lk.slices(th, 'lock'))
    before = [d for d in drops if d[0] < first_block]
    check(len(before) >= 2, 'counter_lock: forced drops before the first lock wait (%d)' % len(before))
    for ts, th in before[:-1]:
        case(lk, ts, th, 'forced drop outside the block', 'why', ['dropped the GIL at its next check point'],
             ['still holding'])
    # A long stretch of one state beyond the search's reach is not called
    # the end of the run.
    for e in lk.slices('t2', 'python')[1:2]:
        case(lk, e['ts'], 't2', 'a long run of Python', 'next', ['t2 stays so past', 'at least'],
             ['to the end of the run'])
    for ts, th in before[-1:]:
        case(lk, ts, th, 'forced drop that starts the convoy', 'why',
             ["%s dropped the GIL at its next check point still holding lock 'lock' (taken at" % th,
              'now blocks on it', 'set the drop request', 'FORCE_SWITCHING'])
    race = Run('counter_race_39')
    for e in race.instants('lost update')[:3]:
        th = race.who(e)
        other = 't2' if th == 't1' else 't1'
        case(race, e['ts'], th, 'lost update', 'why',
             ["%s's" % other, 'wrote its own value over them', 'between the read and the write', 'lost'])
        case(race, e['ts'], th, 'lost update (what)', 'now', ['over %d newer update' % e['args']['overwrote']])
    call = Run('counter_race_call')
    for e in call.instants('lost update')[:1]:
        case(call, e['ts'], call.who(e), 'lost update (a call between)', 'why', ['lost'])
    # Daemon kills, at the end of the run.
    for name, daemon, last in (('daemon_threads', 'helper', 'main'), ('convoy', 'hog', 'io')):
        rep = run_json(path(name))
        t = [x for x in rep['threads'] if x['name'] == daemon][0]
        case(Run(name), t['finished_ns'] / 1e3, daemon, 'daemon kill', 'why',
             ['daemon thread', 'when %s, the last non-daemon thread' % last], ['took the GIL'])
    # A deadlock says who is stuck, in which process, since when, and why.
    fk = Run('fork_lock_deadlock')
    for e in fk.instants('deadlock')[:1]:
        case(fk, e['ts'], 'child/main', 'deadlock (what)', 'now',
             ['main of process child is blocked forever, since', "lock 'log_lock'"])
        case(fk, e['ts'], 'child/main', 'deadlock (why)', 'why',
             ["os.fork() copied lock 'log_lock'", 'logger', 'no thread can ever release it'])
    # Waits named by their real object.
    tp = Run('thread_pool')
    for e in tp.slices('main', 'lock')[:1]:
        case(tp, e['ts'], 'main', 'pool shutdown', 'now', ['shutdown(wait=True)'], ['blocks on a lock'])
    qp = Run('queue_pipeline')
    puts = [e for e in qp.slices('producer1', 'lock')][:1]
    check(puts, 'queue_pipeline: a producer blocks in put()')
    for e in puts:
        case(qp, e['ts'], 'producer1', 'put on a full queue', 'now', ["put() into queue 'q', which is full"])
    sem = Run('semaphore_pool')
    for e in [x for th in ('w4', 'w5', 'w6', 'w7', 'w8') for x in sem.slices(th, 'lock')][:1]:
        case(sem, e['ts'], sem.who(e), 'semaphore wait', 'now', ["a permit of semaphore 'slots'"])
    rl = Run('rlock_reentry')
    waits = [e for th in ('other', 'waiter', 'b', 't2') for e in rl.slices(th, 'lock')]
    if waits:
        case(rl, waits[0]['ts'], rl.who(waits[0]), 'RLock wait', 'now', ["rlock 'r'"])
    # Joins, starts and wake-ups by an object.
    sm = Run('start_methods')
    joins = sm.slices('main', 'join', process='main')
    for e in joins[:2]:
        after = sm.after('main', e['ts'] + e['dur'])
        if after:
            case(sm, after['ts'], 'main/main', 'a join returns', 'why', ['joined, ended'])
    spawned = sm.slices('main', process='spawned')[:1]
    for e in spawned:
        case(sm, e['ts'], 'spawned/main', 'a spawned process starts', 'why', ['process spawned began'])
    ev = Run('event_signal')
    for th in ('w1', 'w2'):
        woken = [e for e in ev.slices(th) if e['args']['reason'] in ('wait_gil', 'wait_core') and e['ts'] > 0][:1]
        for e in woken:
            case(ev, e['ts'], th, 'woken by set()', 'why', ['set', 'woke %s' % th])
    gui = Run('gui_latency')
    for e in [x for x in gui.slices('ui', 'wait_gil') if x['ts'] > 0][:2]:
        case(gui, e['ts'], 'ui', 'asks for the GIL after a sleep', 'why', ["ui's sleep ended", 'worker holds it'])
    cc = Run('c_call_regex')
    for e in cc.slices('regex', 'switch_wait')[:1]:
        case(cc, e['ts'], 'regex', 'a C call ends into a forced drop', 'why', ['ui set the drop request'])
    old = Run('old_gil_battle', '--until', '30ms')
    # At an instant where the thread's state also changes, the panel explains
    # the state change; a failed wake-up is asked about where it stands alone.
    changes = {(old.who(s), s['ts']) for s in old.ev if s['ph'] == 'X'}
    alone = [e for e in old.instants('failed wake-up') if (old.who(e), e['ts']) not in changes]
    check(len(alone) >= 2, 'old_gil_battle: failed wake-ups to explain (%d)' % len(alone))
    for e in alone[:2]:
        case(old, e['ts'], old.who(e), 'failed wake-up', 'why', ['signalled', 'took the GIL'],
             ["%s's release" % old.who(e)])  # its own release never signals it
    # The old GIL has no timed wait or drop request: a thread that lost the
    # lock at a release blocks on it, and the taker caught the release.
    for th in ('t1', 't2'):
        for e in [x for x in old.slices(th, 'wait_gil') if x['ts'] > 10][:2]:  # after the start
            case(old, e['ts'], th, 'loses the lock at its release', 'why',
                 ['released the GIL at its check interval', 'looked while the lock was free',
                  'blocks on the lock'], ['switch interval', 'drop request', 'ask'])
            case(old, e['ts'] + e['dur'], th, 'takes the lock at the holder\'s release', 'why',
                 ['woken by one of', 'found the lock free', 'futex wake'], ['wake-up latency'])
    io8 = Run('io_8_threads')
    for th in ('t1', 't2'):
        for e in io8.slices(th, 'io')[:1]:
            case(io8, e['ts'], th, 'I/O start', 'why', ['reached an I/O operation'], ['took the free GIL'])
    # C work a thread owes outside its program is named, with the parameter
    # that sets it, not called "a C call".
    owed = (('fork_pipe', 'child_boot', ["after-fork C work", 'os_fork_child_cost'], ['has just been created']),
            ('fork_pipe', 'child_exit', ["process's exit", 'fork_exit_cost'], ['program ended']),
            ('start_methods', 'child_boot', ["multiprocessing's bootstrap", 'fork_child_cost'],
             ['has just been created']),
            ('start_methods', 'child_exit', ["process's exit", 'mp_exit_cost'], ['program ended']),
            ('queue_pipeline', 'wake_cost', ["kernel's side of the wake-ups", 'machine.wake_cost'],
             ['asleep on', 'machine.short_sleep_wake_cost']))
    for name, cause, now, why in owed:
        run = Run(name)
        xs = sorted((e for e in run.ev if e['ph'] == 'X' and e['args'].get('cause') == cause),
                    key=lambda e: e['ts'])
        check(xs, '%s: a slice of %s' % (name, cause))
        for e in xs[:1]:
            th = '%s/%s' % (run.pname[e['pid']], run.who(e))
            case(run, e['ts'], th, cause + ' (what)', 'now', now, ['a C call'])
            case(run, e['ts'], th, cause + ' (why)', 'why', why)
    # A wake-up cost says what it paid for: the sleeper a release woke (the
    # other thread of counter_lock), or a release while the waiter woken by
    # an earlier one was not back yet (glibc's semaphore still counts it):
    # the release named is the one that began the last sleeper's wake-up.
    lk = Run('counter_lock')
    machine = config(path('counter_lock'))['machine']
    wake_us, futex_us = (seconds(machine[k]) * 1e6 for k in ('short_sleep_wake_cost', 'futex_wake_cost'))
    owed = [e for e in lk.slices('t1', 'c_call') if e['args'].get('cause') == 'wake_cost']
    sleeper = [e for e in owed if abs(e['dur'] - wake_us) < 1e-6]
    check(sleeper, 'counter_lock: t1 pays for waking a sleeper just gone to sleep (short_sleep_wake_cost, %g us)'
          % wake_us)
    for e in sleeper[:1]:
        case(lk, e['ts'], 't1', 'wake cost of a sleeper', 'why',
             ['woke t2, asleep on lock', 'machine.short_sleep_wake_cost', 'less than machine.short_sleep'],
             ['futex_wake_cost', 'machine.wake_cost'])
        idle = [f for f in owed if f['ts'] > e['ts'] and abs(f['dur'] - futex_us) < 1e-6][:1]
        check(idle and all(g['ts'] >= f['ts'] for f in idle for g in sleeper if g['ts'] > e['ts']),
              'counter_lock: the next wake cost of t1 after it is a futex call for nobody (futex_wake_cost, '
              '%g us)' % futex_us)
        for f in idle:
            case(lk, f['ts'], 't1', 'futex call for a waiter on its way back', 'why',
                 ['released lock', 't2, woken by a release at', 'not back yet', 'machine.futex_wake_cost'],
                 ['asleep on'])
            m = re.search(r'woken by a release at ([0-9.]+) ms', explain(lk, f['ts'], 't1')['why'])
            check(m and abs(float(m.group(1)) - e['ts'] / 1e3) < 1e-5,
                  'counter_lock: the release named is the one that woke t2 (%s ms, the sleeper\'s wake cost at %.6f ms)'
                  % (m.group(1) if m else '?', e['ts'] / 1e3))
    spawned = Run('start_methods')
    exits = [e for e in spawned.ev if e['ph'] == 'X' and e['args'].get('cause') == 'child_exit' and
             'spawn' in spawned.pname.get(e['pid'], '')]
    check(exits, 'start_methods: a spawned child exits')
    for e in exits[:1]:
        case(spawned, e['ts'], 'spawned/' + spawned.who(e), 'spawn exit (what)', 'now', ['spawn_exit_cost'])

    check(CASES >= 40, '%d transitions explained (at least 40)' % CASES)
    # The command's own contract.
    rc, out, err = gilsim('explain', path('convoy'), '--at', '1s', '--thread', 'nobody')
    check(rc == 2 and 'nobody' in err, 'an unknown thread: exit 2, named')
    rc, out, err = gilsim('explain', path('convoy'))
    check(rc == 2 and '--at' in err, 'no time: exit 2, says --at')
    rc, out, _ = gilsim('explain', path('convoy'), '--at', '1us', '--thread', 'hog')
    check(rc == 1, 'nothing before the thread\'s first record: exit 1')
    rc, out, _ = gilsim('explain', '--help')
    check(rc == 0 and out.startswith('usage: gilsim explain'), 'gilsim explain --help')
    report()


if __name__ == '__main__':
    main()
