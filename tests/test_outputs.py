#!/usr/bin/env python3
"""Outputs that never destroy: every file gilsim writes (PNG, SVG, trace
exports, sweep CSV and chart) goes through one writer that checks every
write, syncs and renames, so a failed write (a full disk, simulated here
by a file size limit) leaves the previous file as it was; a FIFO or a
device is written in place, a symlink is followed, a directory refused;
a sweep's CSV and chart are written together or not at all; an
interrupted export leaves no temporary file; and every command exits
non-zero when standard output cannot be written.
"""
import os
import resource
import signal
import stat
import subprocess
import threading
import time

from gilsim_test import GILSIM, _tmp, check, gilsim, report, scenario_file

TMP = _tmp.name


def run_limited(args, fsize):
    """gilsim with files limited to fsize bytes: writes past it fail with
    EFBIG, as they would with ENOSPC on a full disk."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    p = subprocess.run([GILSIM] + args, capture_output=True, text=True, preexec_fn=limit, timeout=300)
    return p.returncode, p.stdout, p.stderr


def leftovers(d):
    return [f for f in os.listdir(d) if '.tmp-' in f or '.old-' in f]


def fresh_dir(name):
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if os.path.islink(p) or not os.path.isdir(p):
            os.unlink(p)
    return d


def full_disk():
    d = fresh_dir('full')
    cases = [
        ('render PNG', 'out.png', ['render', 'convoy', '--size', '800x450', '-o']),
        ('render SVG', 'out.svg', ['render', 'convoy', '--size', '800x450', '-o']),
        ('compare PNG', 'cmp.png', ['render', 'convoy', '--compare', 'python.switch_interval=1ms', '-o']),
        ('trace Chrome', 'out.json', ['trace', 'convoy', '-o']),
        ('trace CSV', 'out.csv', ['trace', 'convoy', '-o']),
        ('view --headless', 'view.png', ['view', 'convoy', '--headless']),
    ]
    for what, name, args in cases:
        path = os.path.join(d, name)
        with open(path, 'wb') as f:
            f.write(b'previous contents\n')
        rc, out, err = run_limited(args + [path], 4096)
        with open(path, 'rb') as f:
            kept = f.read() == b'previous contents\n'
        check(rc == 1 and kept and 'wrote' not in out and not leftovers(d),
              '%s on a full disk: exit 1, the previous file kept, nothing left behind' % what,
              'rc %d kept %s out %r err %r left %s' % (rc, kept, out[:80], err.strip()[:200], leftovers(d)))
    # The same commands with room to write succeed, and replace the file.
    for what, name, args in cases:
        path = os.path.join(d, name)
        rc, out, err = gilsim(*(args + [path]))
        check(rc == 0 and os.path.getsize(path) > 100 and not leftovers(d), '%s with room: written' % what,
              err.strip())


def special_targets():
    d = fresh_dir('special')
    # A FIFO is written in place: a reader gets the picture and it stays a FIFO.
    fifo = os.path.join(d, 'pipe.svg')
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, 'rb').read()))
    reader.start()
    rc, out, err = gilsim('render', 'convoy', '--size', '800x450', '-o', fifo)
    reader.join(60)
    check(rc == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode) and got and got[0].startswith(b'<?xml'),
          '-o FIFO: written in place, still a FIFO', err.strip())
    fifo2 = os.path.join(d, 'pipe.csv')
    os.mkfifo(fifo2)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo2, 'rb').read()))
    reader.start()
    rc, out, err = gilsim('trace', 'convoy', '--format', 'csv', '-o', fifo2)
    reader.join(60)
    check(rc == 0 and stat.S_ISFIFO(os.lstat(fifo2).st_mode) and got and got[0].startswith(b'process,'),
          'trace -o FIFO: streamed in place', err.strip())

    # A character device is written in place, never replaced (as root,
    # `-o /dev/null` used to replace /dev/null with a regular file). A
    # private null device stands in for it.
    if os.geteuid() == 0:
        png, csv = os.path.join(d, 'null.png'), os.path.join(d, 'null.csv')
        for dev in (png, csv):
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        for args in (['render', 'convoy', '--size', '800x450', '-o', png],
                     ['trace', 'convoy', '-o', csv, '--format', 'chrome'],
                     ['sweep', 'convoy', '--set', 'machine.cores=1,2', '--runs', '1', '-q', '--until', '100ms',
                      '-o', csv, '--plot', png]):
            rc, out, err = gilsim(*args)
            check(rc == 0 and stat.S_ISCHR(os.lstat(png).st_mode) and stat.S_ISCHR(os.lstat(csv).st_mode),
                  '%s -o a device: still a device' % args[0], err.strip())
    # The real /dev/null only where a writer that replaces (an old gilsim
    # run against this test) cannot: not as root.
    if os.geteuid() != 0 and stat.S_ISCHR(os.lstat('/dev/null').st_mode):
        rc, out, err = gilsim('trace', 'convoy', '--format', 'csv', '-o', '/dev/null')
        check(rc == 0 and stat.S_ISCHR(os.lstat('/dev/null').st_mode), '-o /dev/null: still a device',
              '%d %s' % (rc, err.strip()))

    # A symlink is followed: the file it names is replaced, the link stays.
    real = os.path.join(d, 'real.png')
    link = os.path.join(d, 'link.png')
    with open(real, 'wb') as f:
        f.write(b'old')
    os.symlink('real.png', link)
    rc, out, err = gilsim('render', 'convoy', '--size', '800x450', '-o', link)
    with open(real, 'rb') as f:
        head = f.read(8)
    check(rc == 0 and os.path.islink(link) and head == b'\x89PNG\r\n\x1a\n' and not leftovers(d),
          '-o symlink: the link stays, its target gets the PNG', err.strip())
    dangling = os.path.join(d, 'dangling.csv')
    os.symlink('made.csv', dangling)
    rc, out, err = gilsim('trace', 'convoy', '-o', dangling)
    check(rc == 0 and os.path.islink(dangling) and os.path.getsize(os.path.join(d, 'made.csv')) > 100,
          '-o dangling symlink: the file it names is created', err.strip())
    os.chmod(real, 0o600)
    rc, out, err = gilsim('render', 'convoy', '--size', '800x450', '-o', real)
    check(rc == 0 and stat.S_IMODE(os.stat(real).st_mode) == 0o600, 'a replaced file keeps its permissions',
          oct(os.stat(real).st_mode))

    # A directory is refused and left alone.
    sub = os.path.join(d, 'dir.png')
    os.mkdir(sub)
    rc, out, err = gilsim('render', 'convoy', '--size', '800x450', '-o', sub)
    check(rc == 1 and os.path.isdir(sub) and 'is a directory' in err and not leftovers(d),
          '-o a directory: refused', err.strip())


def sweep_all_or_none():
    d = fresh_dir('sweep')
    csv, plot = os.path.join(d, 'sweep.csv'), os.path.join(d, 'sweep.png')
    base = ['sweep', 'convoy', '--set', 'python.switch_interval=1ms,5ms', '--runs', '1', '-q',
            '--until', '200ms']
    rc, out, err = gilsim(*(base + ['-o', csv, '--plot', plot]))
    check(rc == 0 and os.path.exists(csv) and os.path.exists(plot), 'sweep writes its CSV and plot', err.strip())
    before = {p: open(p, 'rb').read() for p in (csv, plot)}
    # The CSV cannot be written: the plot made before it must not replace the previous one.
    rc, out, err = gilsim(*(base[:-2] + ['--until', '300ms', '-o', os.path.join(d, 'no', 'such', 'dir.csv'),
                                         '--plot', plot]))
    check(rc == 1 and open(plot, 'rb').read() == before[plot] and not leftovers(d),
          'sweep: a CSV that cannot be written leaves the previous plot', err.strip())
    # And the other way round, on a full disk.
    rc, out, err = run_limited(base[:-2] + ['--until', '300ms', '-o', csv, '--plot', plot], 8192)
    check(rc == 1 and all(open(p, 'rb').read() == before[p] for p in (csv, plot)) and not leftovers(d),
          'sweep on a full disk: both previous files kept', err.strip())


def interrupted_export():
    d = fresh_dir('sigint')
    s = {'name': 'busy', 'python': {'switch_interval': '20us'}, 'machine': {'cores': 4},
         'processes': [{'name': 'main', 'threads': [
             {'name': 't%d' % i, 'program': [{'cpu': '2s'}]} for i in range(6)]}]}
    path = scenario_file(s, 'busy.json')
    out = os.path.join(d, 'big.json')
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = subprocess.Popen([GILSIM, 'trace', path, '-o', out, '--max-size', '100G'],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = False
        deadline = time.monotonic() + 120
        while p.poll() is None and time.monotonic() < deadline:
            if leftovers(d):
                seen = True
                p.send_signal(sig)
                break
            time.sleep(0.001)
        p.wait(60)
        check(seen and p.returncode == -sig and not leftovers(d) and not os.path.exists(out),
              'an export stopped by %s leaves no temporary file' % signal.Signals(sig).name,
              'seen %s rc %s left %s' % (seen, p.returncode, leftovers(d)))


def size_limit():
    d = fresh_dir('size')
    out = os.path.join(d, 'big.json')
    s = {'name': 'busy', 'python': {'switch_interval': '20us'},
         'processes': [{'name': 'main', 'threads': [{'name': 't%d' % i, 'program': [{'cpu': '200ms'}]}
                                                    for i in range(4)]}]}
    path = scenario_file(s, 'size.json')
    rc, out_, err = gilsim('trace', path, '-o', out, '--max-size', '1M')
    check(rc == 1 and '--max-size' in err and not os.path.exists(out) and not leftovers(d),
          'an export over --max-size is refused and nothing is written', err.strip())
    rc, out_, err = gilsim('trace', path, '-o', out, '--max-size', '10G')
    check(rc == 0 and os.path.getsize(out) > 1000000, 'a larger --max-size writes it', err.strip())
    for bad in ('', '1X', '-1', '1.5G'):
        rc, out_, err = gilsim('trace', path, '-o', out, '--max-size', bad)
        check(rc == 2, '--max-size %r is refused' % bad, err.strip())


def stdout_errors():
    """Every command, run and list included, fails when stdout cannot be written."""
    cmds = [['run', 'convoy'], ['run', 'convoy', '--json'], ['run', 'convoy', '--csv'],
            ['run', 'convoy', '--explain-config'], ['list'], ['list', '--long'], ['validate', 'convoy'],
            ['trace', 'convoy', '-o', '-', '--format', 'csv'], ['--help'], ['--version'], ['run', '--help'],
            ['sweep', 'convoy', '--set', 'machine.cores=1,2', '--runs', '1', '-q', '--until', '100ms'],
            ['validate', '--schema-params']]
    for args in cmds:
        with open('/dev/full', 'w') as full:
            p = subprocess.run([GILSIM] + args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
        check(p.returncode == 1 and 'standard output' in p.stderr + 'stdout',
              '%s > /dev/full: exit 1' % ' '.join(args), '%d %s' % (p.returncode, p.stderr.strip()[:200]))


full_disk()
special_targets()
sweep_all_or_none()
interrupted_export()
size_limit()
stdout_errors()
report()
