#!/usr/bin/env python3
"""Simulated against measured, for every bundled lesson CPython can run:
the fidelity table of the README.

For each lesson it runs `gilsim measure LESSON --runs N --json` on the
interpreter that matches the lesson's python.version when pyenv has one
(~/.pyenv/versions/X.Y.*; 2.x lessons on 2.7), else on --python, and
keeps two figures: the makespan, and the one the lesson is about (I/O
operations per second beside CPU-bound threads, lost updates, deadlock,
GIL switches per second). With --profile it also simulates each lesson
with that machine profile against the same measured runs (measure
--measured=DIR), which shows what calibrating moves.

usage: tools/fidelity.py [--gilsim PATH] [--runs N] [--python PATH] [--no-pyenv]
                         [--profile FILE] [--timeout T] [--write README.md]
                         [--results OUT.json] [--from RESULTS.json] [LESSON...]

Prints the Markdown table; --write replaces the part of the file between
<!-- fidelity:begin --> and <!-- fidelity:end --> with it. --results keeps
what was measured, and --from makes the table again from it without
measuring; with LESSONs named, --from measures those again and keeps the
rest. --timeout is measure's time limit per run (a lesson slower on the
interpreter than simulated needs more than the default). The machine's
load moves every measured figure: the table says what it was.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
BEGIN, END = '<!-- fidelity:begin -->', '<!-- fidelity:end -->'


def load_average():
    try:
        with open('/proc/loadavg') as f:
            return float(f.read().split()[0])
    except (OSError, ValueError):
        return float('nan')


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def interpreter_for(version, fallback, use_pyenv):
    """A pyenv interpreter of the lesson's minor version, if there is one."""
    if not use_pyenv:
        return fallback
    base = os.path.expanduser('~/.pyenv/versions')
    want = '2.7' if version.startswith('2.') else version
    found = sorted(glob.glob(os.path.join(base, want + '.*', 'bin', 'python')))
    return found[-1] if found else fallback


def fmt(metric, v):
    if v is None:
        return '-'
    if metric in ('makespan', 'io_latency_p50', 'finished'):
        return '%.3g s' % (v / 1e9) if v >= 1e9 else '%.3g ms' % (v / 1e6)
    if metric == 'deadlock':
        return 'yes' if v else 'no'
    if metric in ('lost_updates', 'final_value'):
        return '%d' % v
    return '%.3g' % v


def ratio(r):
    return '%.2f' % r['ratio'] if r.get('ratio') is not None else '-'


def headline(rows):
    """The figure a lesson is about, from its comparison rows: a deadlock,
    lost updates, the I/O rate of a thread beside a CPU-bound one (the
    convoy), else the GIL's hand-overs."""
    by = dict(((r['subject'], r['metric']), r) for r in rows)
    if by.get(('run', 'deadlock'), {}).get('simulated'):
        return 'deadlock', by[('run', 'deadlock')]
    for r in rows:
        if r['metric'] == 'lost_updates':
            return 'lost updates (%s)' % r['subject'].split('/')[-1], r
    busy = [r['subject'] for r in rows if r['metric'] == 'running_share' and r['simulated'] >= 0.2]
    io = [r for r in rows if r['metric'] == 'io_per_second' and r['measured'] is not None and
          any(b != r['subject'] and b.split('/')[0] == r['subject'].split('/')[0] for b in busy)]
    if io:
        named = [r for r in io if r['subject'].endswith('/io')] or io
        return 'I/O per second (%s)' % named[0]['subject'].split('/')[-1], named[0]
    sw = [r for r in rows if r['metric'] == 'gil_switches_per_second' and r['simulated'] > 0]
    if sw:
        return 'GIL switches per second', sw[0]
    return None, None


def measure(gilsim, lesson, python, runs, save, timeout=None):
    p = subprocess.run([gilsim, 'measure', lesson, '--runs', str(runs), '--json', '--python', python,
                        '--save', save] + (['--timeout', timeout] if timeout else []),
                       capture_output=True, text=True)
    if p.returncode == 4:
        return None, p.stdout.strip().split(': ', 2)[-1]
    if p.returncode != 0:
        return None, 'failed: ' + p.stderr.strip().splitlines()[-1] if p.stderr.strip() else 'failed'
    return json.loads(p.stdout), None


def replay(gilsim, lesson, save, profile):
    p = subprocess.run([gilsim, 'measure', lesson, '--measured=' + save, '--profile', profile, '--json'],
                       capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else None


def measure_all(args, names):
    """Each lesson measured (and replayed under --profile): its rows."""
    results = []
    with tempfile.TemporaryDirectory(prefix='gilsim-fidelity-') as tmp:
        for name in names:
            with open(os.path.join(ROOT, 'scenarios', name + '.json')) as f:
                version = json.load(f).get('python', {}).get('version', '3.12')
            python = interpreter_for(version, args.python, not args.no_pyenv)
            save = os.path.join(tmp, name)
            sys.stderr.write('%s on %s...\n' % (name, python))
            res, why = measure(args.gilsim, name, python, args.runs, save, args.timeout)
            entry = {'name': name, '_load': load_average(), 'date': datetime.date.today().isoformat()}
            if res is None:
                entry['why'] = why
            else:
                entry.update(python=res['python'], rows=res['rows'], notes=res.get('notes') or [])
                if args.profile:
                    again = replay(args.gilsim, name, save, args.profile)
                    entry['profile_rows'] = again['rows'] if again else None
            results.append(entry)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('lessons', nargs='*')
    ap.add_argument('--gilsim', default=os.environ.get('GILSIM') or os.path.join(ROOT, 'build', 'gilsim'))
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--python', default='python3')
    ap.add_argument('--no-pyenv', action='store_true')
    ap.add_argument('--profile')
    ap.add_argument('--write')
    ap.add_argument('--results')
    ap.add_argument('--from', dest='from_')
    ap.add_argument('--timeout')
    args = ap.parse_args()
    names = args.lessons or sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(ROOT, 'scenarios', '*.json'))
                                   if not p.endswith('schema.json'))
    head = ['lesson', 'Python', 'makespan: simulated', 'measured', 'ratio', 'figure', 'simulated', 'measured', 'ratio']
    profile = args.profile or (json.load(open(args.from_)).get('profile') if args.from_ else None)
    if profile:
        head += ['simulated with profile', 'ratio']
    if args.from_:
        with open(args.from_) as f:
            saved = json.load(f)
        results, loads, runs = saved['lessons'], saved['loads'], saved['runs']
        # Results saved before each lesson kept its date carry the file's.
        day = re.match(r'(\d{4}-\d{2}-\d{2})', os.path.basename(args.from_))
        for r in results:
            r.setdefault('date', day.group(1) if day else None)
        if args.lessons:
            again = measure_all(args, args.lessons)
            for r in again:
                at = [i for i, x in enumerate(results) if x['name'] == r['name']]
                if at:
                    loads[at[0]] = r.pop('_load')
                    results[at[0]] = r
                else:
                    loads.append(r.pop('_load'))
                    results.append(r)
    else:
        results, loads, runs = measure_all(args, names), None, args.runs
        loads = [r.pop('_load') for r in results]
    if args.results:
        with open(args.results, 'w') as f:
            json.dump({'runs': runs, 'loads': loads, 'profile': profile, 'lessons': results}, f, indent=1)
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in results:
        # A program that leaves an operation out is another program: its
        # figures are not the lesson's, so the row says so instead.
        left_out = [n for n in r.get('notes') or [] if 'not reproduced' in n]
        if left_out and not r.get('why'):
            r = dict(r, why='measured, not comparable: the program leaves something out (%s)' % '; '.join(left_out))
        elif r.get('why'):
            r = dict(r, why='not measured: ' + r['why'])
        if r.get('why'):
            lines.append('| `%s` | | %s |%s' % (r['name'], r['why'].replace('|', '/'),
                                                             ' |' * (len(head) - 3)))
            continue
        rows = r['rows']
        by = dict(((x['subject'], x['metric']), x) for x in rows)
        mk = by[('run', 'makespan')]
        label, fig = headline(rows)
        cells = ['`%s`' % r['name'], r['python'], fmt('makespan', mk['simulated']), fmt('makespan', mk['measured']),
                 ratio(mk)]
        if fig:
            cells += [label, fmt(fig['metric'], fig['simulated']), fmt(fig['metric'], fig['measured']), ratio(fig)]
        else:
            cells += ['', '', '', '']
        if len(head) > 9:
            rp = dict(((x['subject'], x['metric']), x) for x in r.get('profile_rows') or [])
            r2 = rp.get((fig['subject'], fig['metric'])) if fig else rp.get(('run', 'makespan'))
            cells += [fmt(r2['metric'], r2['simulated']) if r2 else '-', ratio(r2) if r2 else '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    nproc = os.cpu_count()
    days = sorted(set(r.get('date') or datetime.date.today().isoformat() for r in results))
    when = days[0] if len(days) == 1 else '%s to %s' % (days[0], days[-1])
    intro = ('Measured on %s (%d CPUs), %s, %d runs per lesson (median), on the pyenv interpreter of each '
             'lesson\'s Python version where there is one; load average %.1f to %.1f during the runs.'
             % (cpu_model(), nproc, when, runs, min(loads), max(loads)))
    text = intro + '\n\n' + '\n'.join(lines) + '\n'
    print(text)
    if args.write:
        with open(args.write) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            sys.exit('fidelity.py: %s has no %s ... %s markers' % (args.write, BEGIN, END))
        doc = re.sub(re.escape(BEGIN) + '.*?' + re.escape(END), lambda m: BEGIN + '\n' + text + END, doc,
                     flags=re.S)
        with open(args.write, 'w') as f:
            f.write(doc)


if __name__ == '__main__':
    main()
