#!/usr/bin/env python3
"""`gilsim sweep` end to end: the shape the GIL model must show across
switch intervals, the CSV (exact values, columns, re-simulation of a point
from its row), byte-identical parallel and sequential sweeps, the chart as
PNG and SVG, and every refusal exiting 2 with one line and writing nothing.

Prints "N passed, N failed" like the other suites.
"""
import csv
import io
import os
import struct
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gilsim_test import check, close_to, config, gilsim, report, run_json, scenario_file, seconds, simple  # noqa: E402

_TMP_DIR = tempfile.TemporaryDirectory(prefix='gilsim-sweep-')
TMP = _TMP_DIR.name
INTERVALS_MS = [1, 2, 5, 10, 20]
IO_MS = 1.0
CPU_US = 20


def sweep(*args, check_rc=0):
    return gilsim('sweep', *args, check_rc=check_rc)


def read_csv(path_or_text, text=False):
    f = io.StringIO(path_or_text) if text else open(path_or_text, newline='')
    with f:
        return list(csv.DictReader(f))


def col(rows, name):
    return [float(r[name]) for r in rows]


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), 'unexpected PNG format'
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def convoy(hogs=1, repeat=200):
    threads = {'io': [{'repeat': repeat, 'do': [{'io': '%gms' % IO_MS}, {'cpu': '%dus' % CPU_US}]}]}
    for k in range(hogs):
        threads['hog%d' % k] = {'daemon': True, 'program': [{'cpu': '600s'}]}
    return scenario_file(simple('Convoy sweep', threads, cores=2), 'convoy_sweep.json')


def test_shape():
    """One I/O thread beside one CPU-bound thread."""
    path = convoy()
    out = os.path.join(TMP, 'convoy.csv')
    sweep(path, '--set', 'python.switch_interval=1ms..20ms:log:5', '--runs', '3', '-o', out, '-q')
    rows = read_csv(out)
    check(len(rows) == 5, 'one row per point: %d' % len(rows))
    check([r['python.switch_interval'] for r in rows] == ['1ms', '2.11ms', '4.47ms', '9.46ms', '20ms'],
          'log-spaced values, 3 significant digits: %s' % [r['python.switch_interval'] for r in rows])
    iv = [float(r['python.switch_interval_ns']) / 1e6 for r in rows]
    p50 = col(rows, 'io_p50_ms[main/io]_median')
    check(all(b > a for a, b in zip(p50, p50[1:])), 'I/O latency rises with the interval: %s' % p50)
    m = config(path)['machine']
    wake_ms = 1000 * (seconds(m['timer_slack']) + seconds(m['timer_latency']) + seconds(m['wake_latency']))
    for i, ms in enumerate(iv):
        # The I/O op itself, then about one timed wait for the GIL: the
        # interval, its timer's slack and the waiter's wake-up.
        close_to(p50[i] - IO_MS, ms + wake_ms, 0.15, 'latency beyond the I/O at %g ms' % ms)
        ops = float(rows[i]['io_ops_per_s[main/io]_median'])
        close_to(ops, 1000.0 / (IO_MS + ms), 0.15, 'I/O ops/s at %g ms ~ 1/(1 ms + interval)' % ms)
        sw = float(rows[i]['switches_per_s_median'])
        close_to(sw, 2 * ops, 0.05, 'two switches per I/O op at %g ms' % ms)
    sw = col(rows, 'switches_per_s_median')
    check(all(b < a for a, b in zip(sw, sw[1:])), 'switches per second fall: %s' % sw)
    tp = col(rows, 'throughput_median')
    check(all(b >= a * 0.999 for a, b in zip(tp, tp[1:])),
          'CPU-bound throughput does not fall as the interval grows: %s' % tp)
    idle = col(rows, 'gil_wait_core_idle_median')
    check(all(0 <= x <= 1 for x in idle) and all(b > a for a, b in zip(idle, idle[1:])),
          'time waiting for the GIL beside an idle core grows with the interval: %s' % idle)
    for r in rows:
        lo, med, hi = (float(r['io_p99_ms[main/io]_' + a]) for a in ('min', 'median', 'max'))
        if not lo <= med <= hi:
            check(False, 'min <= median <= max: %s' % r)
            break
    else:
        check(True, 'min <= median <= max')


def test_switches():
    """Two CPU-bound threads hand the GIL over once per timed wait."""
    path = scenario_file(simple('CPU pair', {
        'a': [{'cpu': '2s'}], 'b': [{'cpu': '2s'}]}, cores=2), 'pair.json')
    out = os.path.join(TMP, 'pair.csv')
    sweep(path, '--set', 'python.switch_interval=1ms..20ms:log:5', '--runs', '2', '-o', out, '-q')
    rows = read_csv(out)
    m = config(path)['machine']
    wake_ms = 1000 * (seconds(m['timer_slack']) + seconds(m['timer_latency']) + seconds(m['wake_latency']))
    for r in rows:
        ms = float(r['python.switch_interval_ns']) / 1e6
        close_to(float(r['switches_per_s_median']), 1000.0 / (ms + wake_ms), 0.15,
                 'switches per second ~ 1/(interval + slack + wake-up) at %g ms' % ms)
        close_to(float(r['forced_drops_per_s_median']), 1000.0 / (ms + wake_ms), 0.15,
                 'forced drops per second ~ 1/(interval + slack + wake-up) at %g ms' % ms)
    check(not any('io_p50' in k for k in rows[0]), 'no I/O columns without I/O threads')


def test_csv(path):
    out = os.path.join(TMP, 'cols.csv')
    sweep(path, '--set', 'python.switch_interval=250us,3ms', '--set', 'machine.cores=1,2',
          '--set', 'seed=9', '--runs', '1', '--seed', '4', '-o', out, '-q')
    rows = read_csv(out)
    check(len(rows) == 4, 'cross product: 2 x 2 points')
    check([(r['python.switch_interval'], r['machine.cores']) for r in rows] ==
          [('250us', '1'), ('250us', '2'), ('3ms', '1'), ('3ms', '2')],
          'first swept key varies slowest')
    check('machine.cores_ns' not in rows[0], 'plain numbers get no _ns column')
    r = rows[1]
    check(r['set'] == 'seed=9;python.switch_interval=250us;machine.cores=2',
          'set column holds every override: %s' % r['set'])
    check(r['seed'] == '4' and r['runs'] == '1', 'seed and runs columns')
    check(r['scenario'] == path and r['scenario_name'] == 'Convoy sweep', 'scenario columns')
    check(len(r['scenario_hash']) == 16, 'scenario hash')
    # Re-simulating a point from its row gives its figures.
    sets = []
    for s in r['set'].split(';'):
        sets += ['--set', s]
    rep = run_json(path, *sets, '--seed', r['seed'])
    io_t = [t for t in rep['threads'] if t['name'] == 'io'][0]
    check(float(r['io_p50_ms[main/io]_median']) == io_t['io']['latency_ns']['p50'] / 1e6 and
          float(r['io_p99_ms[main/io]_median']) == io_t['io']['latency_ns']['p99'] / 1e6,
          'a row re-simulates to the same latencies as gilsim run')
    check(float(r['makespan_s_median']) == rep['sim_time_ns'] / 1e9, 'same makespan as gilsim run')
    gil = rep['processes'][0]['gil']
    close_to(float(r['switches_per_s_median']), gil['switches'] / (rep['sim_time_ns'] / 1e9), 1e-6,
             'same switches as gilsim run')

    # Range values are exact durations: the text and the _ns column agree.
    out = os.path.join(TMP, 'exact.csv')
    sweep(path, '--set', 'python.switch_interval=0.1ms..50ms:log:12', '--runs', '1', '-o', out, '-q',
          '--set', 'processes.0.threads.0.program.0.repeat=20')
    units = {'ns': 1, 'us': 1000, 'ms': 1000000, 's': 1000000000}
    ok = True
    vals = []
    for r in read_csv(out):
        v = r['python.switch_interval']
        unit = v[len(v.rstrip('nums')):]
        num = Decimal(v[:-len(unit)])
        ok = ok and unit in units and num * units[unit] == int(r['python.switch_interval_ns'])
        vals.append(int(r['python.switch_interval_ns']))
    check(ok, 'duration texts equal their _ns values exactly')
    check(vals[0] == 100000 and vals[-1] == 50000000 and vals == sorted(set(vals)),
          'range ends are exact and values distinct')

    # CSV on stdout when there is no -o, with nothing else mixed in.
    rc, so, se = sweep(path, '--set', 'python.switch_interval=1ms,2ms', '--runs', '1')
    rows = read_csv(so, text=True)
    check(rc == 0 and len(rows) == 2 and so.startswith('python.switch_interval,'),
          'CSV to stdout without -o')
    check('swept 2 points' in se, 'summary on stderr when the CSV is on stdout: %s' % se.strip())
    rc, so, se = sweep(path, '--set', 'python.switch_interval=1ms,2ms', '--runs', '1', '-q')
    check(se == '', '--quiet says nothing')


def test_parallel(path):
    a = os.path.join(TMP, 'seq.csv')
    b = os.path.join(TMP, 'par.csv')
    args = [path, '--set', 'python.switch_interval=0.2ms..20ms:log:6', '--set', 'machine.cores=1,2',
            '--runs', '4', '-q']
    sweep(*args, '--jobs', '1', '-o', a)
    sweep(*args, '--jobs', '8', '-o', b)
    with open(a, 'rb') as f, open(b, 'rb') as g:
        check(f.read() == g.read(), 'parallel and sequential sweeps write identical CSV')


def test_plot(path):
    png = os.path.join(TMP, 'sweep.png')
    rc, so, se = sweep(path, '--set', 'python.switch_interval=0.5ms..20ms:log:6', '--runs', '2',
                       '-o', os.path.join(TMP, 'p.csv'), '--plot', png)
    check(rc == 0 and 'sweep.png (1600x900)' in se, 'reports the chart on standard error: %s' % se.strip())
    try:
        w, h, bpp, rows = png_pixels(png)
    except Exception as e:  # noqa: BLE001
        check(False, 'PNG readable: %s' % e)
        return
    check((w, h) == (1600, 900), 'default chart size 1600x900: %dx%d' % (w, h))
    bg = rows[0][:bpp]
    colours = set()
    ink = 0
    for y in range(0, h, 3):
        row = rows[y]
        for x in range(0, w * bpp, 3 * bpp):
            px = row[x:x + bpp]
            colours.add(px)
            ink += px != bg
    total = len(range(0, h, 3)) * len(range(0, w * bpp, 3 * bpp))
    check(len(colours) > 20 and ink > total * 0.03,
          'the chart is not blank: %d colours, %.1f%% ink' % (len(colours), 100.0 * ink / total))
    # The median lines use the palette's I/O blue and Python green.
    blue, green = bytes((0, 114, 178)), bytes((0, 158, 115))
    check(any(c[:3] == blue for c in colours) and any(c[:3] == green for c in colours),
          'latency and throughput lines in the state colours')

    rc, so, se = sweep(path, '--set', 'python.switch_interval=0.5ms..20ms:log:4', '--runs', '1',
                       '-o', os.path.join(TMP, 'p.csv'), '--plot', png, '--size', '800x500',
                       '--scale', '1.5', '--metrics', 'latency,ops,switches,forced,failed,idle,throughput,makespan')
    w, h, _, _ = png_pixels(png)
    check(rc == 0 and (w, h) == (1200, 750), 'requested size times scale: %dx%d' % (w, h))

    svg = os.path.join(TMP, 'sweep.svg')
    rc, so, se = sweep(path, '--set', 'python.switch_interval=0.5ms..20ms:log:6', '--set',
                       'machine.cores=1,2', '--runs', '2', '-o', os.path.join(TMP, 'p.csv'),
                       '--plot', svg, '--theme', 'dark')
    check(rc == 0, 'SVG chart: %s' % se.strip())
    try:
        root = ET.parse(svg).getroot()
        ns = '{http://www.w3.org/2000/svg}'
        texts = [''.join(t.itertext()) for t in root.iter(ns + 'text')]
        check(root.tag == ns + 'svg' and root.get('width') == '1600', 'SVG root and size')
        check(any(t.startswith('Convoy sweep: python.switch_interval from 500') for t in texts),
              'title: %s' % texts[:2])
        check(any('CPython default 5 ms' in t for t in texts), 'default interval marked')
        check(any('gilsim ' in t and 'seeds 1' in t for t in texts), 'caption with provenance')
        check(any(t.startswith('cores=1') for t in texts) and any(t.startswith('cores=2') for t in texts),
              'a legend entry per series')
        check(len(list(root.iter(ns + 'polygon'))) > 20, 'bands and markers drawn')
    except ET.ParseError as e:
        check(False, 'SVG well-formed: %s' % e)


def test_refusals(path):
    out = os.path.join(TMP, 'bad.csv')
    png = os.path.join(TMP, 'bad.png')
    iv = 'python.switch_interval=1ms..5ms:log:3'
    cases = [
        ('nothing swept', [path, '--set', 'python.switch_interval=1ms']),
        ('range without spacing', [path, '--set', 'python.switch_interval=1ms..5ms']),
        ('unknown spacing', [path, '--set', 'python.switch_interval=1ms..5ms:exp:3']),
        ('one point', [path, '--set', 'python.switch_interval=1ms..5ms:log:1']),
        ('range going down', [path, '--set', 'python.switch_interval=5ms..1ms:lin:3']),
        ('log from zero', [path, '--set', 'machine.cores=0..4:log:3']),
        ('mixed units', [path, '--set', 'python.switch_interval=1ms..5:lin:3']),
        ('repeated whole numbers', [path, '--set', 'machine.cores=1..2:lin:4']),
        ('empty list item', [path, '--set', 'machine.cores=1,,2']),
        ('duplicate list item', [path, '--set', 'machine.cores=1,2,1']),
        ('same key swept twice', [path, '--set', iv, '--set', 'python.switch_interval=1ms,2ms']),
        ('bad value at a point', [path, '--set', 'python.switch_interval=1ms,soon']),
        ('unknown key', [path, '--set', 'machine.corez=1,2']),
        ('missing scenario', [os.path.join(TMP, 'nope.json'), '--set', iv]),
        ('bad runs', [path, '--set', iv, '--runs', '0']),
        ('bad jobs', [path, '--set', iv, '--jobs', 'many']),
        ('bad seed', [path, '--set', iv, '--seed', '-1']),
        ('bad plot name', [path, '--set', iv, '--plot', os.path.join(TMP, 'bad.gif')]),
        ('bad size', [path, '--set', iv, '--plot', png, '--size', '10x10']),
        ('bad metric', [path, '--set', iv, '--plot', png, '--metrics', 'latency,speed']),
        ('--x not swept', [path, '--set', iv, '--plot', png, '--x', 'machine.cores']),
        ('--metrics without --plot', [path, '--set', iv, '--metrics', 'latency']),
        ('unknown option', [path, '--set', iv, '--fast']),
        ('missing value', [path, '--set', iv, '--runs']),
    ]
    for what, args in cases:
        rc, so, se = sweep(*args, '-o', out, check_rc=None)
        lines = se.strip().splitlines()
        check(rc == 2 and len(lines) == 1 and not os.path.exists(out) and not os.path.exists(png),
              '%s: exit 2, one line, nothing written (rc=%d: %s)' % (what, rc, se.strip()))
    rc, so, _ = sweep('--help')
    check(rc == 0 and 'A..B:log:N' in so, 'sweep --help')


def main():
    test_shape()
    path = convoy(repeat=60)
    test_switches()
    test_csv(path)
    test_parallel(path)
    test_plot(path)
    test_refusals(path)
    report()


if __name__ == '__main__':
    main()
