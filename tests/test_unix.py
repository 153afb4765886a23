"""The command line's Unix habits, as a shell user relies on them.

- FILE may be -: the scenario comes from standard input, for every
  command that loads one, and its errors are located at "-".
- -- ends the options: a file whose name starts with - can follow it.
- gilsim help CMD is CMD's own help; an unknown command or scenario
  name suggests the closest one and gilsim list.
- Data goes to standard output, status to standard error: with -o FILE
  standard output stays empty; render -o - writes the image itself.
"""
import os
import shutil
import subprocess

from gilsim_test import GILSIM, SCENARIOS, _tmp, check, gilsim, report

CONVOY = os.path.join(SCENARIOS, 'convoy.json')
with open(CONVOY) as f:
    CONVOY_TEXT = f.read()
TMP = _tmp.name


def run_bytes(*args, stdin=None, cwd=None):
    p = subprocess.run([GILSIM] + list(args), input=stdin, capture_output=True, cwd=cwd, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def test_stdin():
    rc, by_name, _ = gilsim('run', 'convoy')
    rc2, from_stdin, err = gilsim('run', '-', stdin=CONVOY_TEXT)
    check(rc == rc2 == 0 and from_stdin == by_name, 'run -: the same report as the file', err)
    rc, out, err = gilsim('validate', '-', stdin=CONVOY_TEXT)
    check(rc == 0 and out.strip() == '-: ok', 'validate -', out + err)
    rc, out, err = gilsim('trace', '-', '--format', 'csv', '-o', '-', stdin=CONVOY_TEXT)
    rc2, want, _ = gilsim('trace', 'convoy', '--format', 'csv', '-o', '-')
    check(rc == 0 and out == want and len(out) > 1000, 'trace -: the same CSV as the file', err)
    rc, out, err = gilsim('explain', '-', '--at', '10ms', stdin=CONVOY_TEXT)
    check(rc == 0 and 'Now:' in out, 'explain -', err)
    rc, out, err = gilsim('sweep', '-', '--set', 'python.switch_interval=1ms,5ms', '--runs', '1', stdin=CONVOY_TEXT)
    check(rc == 0 and out.startswith('python.switch_interval,') and out.count('\n') == 3, 'sweep -: CSV', err)
    rc, out, err = run_bytes('render', '-', '-o', '-', '--format', 'svg', '--size', '640x360',
                             stdin=CONVOY_TEXT.encode())
    check(rc == 0 and out.startswith(b'<?xml') and b'</svg>' in out, 'render -: the SVG', err)
    # Errors in standard input are located at "-".
    rc, _, err = gilsim('run', '-', stdin='{"threads": [\n')
    check(rc == 2 and err.startswith('-:2:'), 'a syntax error on standard input is located at -:LINE', err)
    rc, _, err = gilsim('run', '-', stdin='')
    check(rc == 2 and err.startswith('-:'), 'empty standard input is an invalid scenario at -', err)
    rc, _, err = gilsim('render', '-', '-', '-o', os.path.join(TMP, 'x.png'), stdin=CONVOY_TEXT)
    check(rc == 2 and 'standard input' in err, 'only one of two scenarios may be -', err)


def test_end_of_options():
    odd = os.path.join(TMP, '-odd.json')
    shutil.copy(CONVOY, odd)
    p = subprocess.run([GILSIM, 'run', '--', '-odd.json'], capture_output=True, text=True, cwd=TMP, timeout=300)
    check(p.returncode == 0 and p.stdout.startswith('Convoy effect'), 'run -- -odd.json reads the file', p.stderr)
    p = subprocess.run([GILSIM, 'run', '-odd.json'], capture_output=True, text=True, cwd=TMP, timeout=300)
    check(p.returncode == 2, 'without --, -odd.json is an unknown option', p.stderr)
    p = subprocess.run([GILSIM, 'run', '--seed', '3', '--', '-'], input=CONVOY_TEXT, capture_output=True,
                       text=True, cwd=TMP, timeout=300)
    check(p.returncode == 0 and 'seed 3' in p.stdout, 'after --, - is still standard input', p.stderr)


def test_help():
    for cmd in ('run', 'render', 'trace', 'list', 'sweep', 'view'):
        rc, out, err = gilsim('help', cmd)
        rc2, want, _ = gilsim(cmd, '--help')
        check(rc == rc2 == 0 and out == want and out.startswith('usage: gilsim ' + cmd),
              'gilsim help %s is %s --help' % (cmd, cmd), err)
    rc, out, err = gilsim('help')
    check(rc == 0 and 'commands:' in out, 'gilsim help alone is the overview')
    rc, out, err = gilsim('help', 'rnu')
    check(rc == 2 and out == '' and "did you mean 'run'" in err, 'gilsim help rnu suggests run', err)
    rc, out, err = gilsim('rendr', 'convoy')
    check(rc == 2 and "did you mean 'render'" in err, 'an unknown command suggests the closest', err)
    rc, out, err = gilsim('frobnicate')
    check(rc == 2 and 'did you mean' not in err and 'gilsim --help' in err, 'nothing close: no suggestion', err)


def test_suggestions():
    rc, out, err = gilsim('run', 'convoi')
    check(rc == 2 and "did you mean 'convoy'?" in err and 'gilsim list' in err and out == '',
          'a mistyped scenario name suggests the closest bundled one and gilsim list', err)
    rc, out, err = gilsim('render', 'per_interp', '-o', os.path.join(TMP, 'y.png'))
    check(rc == 2 and "did you mean 'per_interpreter'?" in err, 'the start of a name suggests the name', err)
    rc, out, err = gilsim('run', 'qqqqqqq')
    check(rc == 2 and 'did you mean' not in err and 'gilsim list' in err, 'nothing close: only gilsim list', err)
    rc, out, err = gilsim('run', os.path.join(TMP, 'convoi.json'))
    check(rc == 2 and 'convoi.json' in err and "did you mean 'convoy'?" in err,
          'a missing file whose name is close to a bundled one suggests it', err)
    rc, out, _ = gilsim('list', '--names')
    names = out.split()
    check(rc == 0 and 'convoy' in names and all(n == n.strip() and ' ' not in n for n in names)
          and names == sorted(names), 'list --names: one sorted name a line')


def test_streams():
    png = os.path.join(TMP, 'z.png')
    rc, out, err = gilsim('render', 'convoy', '-o', png, '--size', '320x180')
    check(rc == 0 and out == '' and 'wrote ' + png in err, 'render -o FILE: status on stderr, stdout empty', out)
    rc, out, err = gilsim('trace', 'convoy', '-o', os.path.join(TMP, 't.json'))
    check(rc == 0 and out == '' and 'wrote' in err, 'trace -o FILE: status on stderr, stdout empty', out)
    rc, out, err = gilsim('sweep', 'convoy', '--set', 'python.switch_interval=1ms,5ms', '--runs', '1',
                          '-o', os.path.join(TMP, 's.csv'))
    check(rc == 0 and out == '' and 'wrote' in err, 'sweep -o FILE: status on stderr, stdout empty', out)
    rc, data, err = run_bytes('render', 'convoy', '-o', '-', '--size', '320x180')
    check(rc == 0 and data[:8] == b'\x89PNG\r\n\x1a\n' and data.endswith(b'IEND\xaeB`\x82')
          and 'standard output' in err, 'render -o -: the PNG on stdout, the status on stderr', err)
    with open(png, 'rb') as f:
        check(data == f.read(), 'render -o - writes the same bytes as render -o FILE')
    rc, data, err = run_bytes('render', 'convoy', '-o', '-', '--format', 'svg', '--size', '320x180')
    check(rc == 0 and data.startswith(b'<?xml'), 'render -o - --format svg: the SVG on stdout', err)
    rc, data, err = run_bytes('render', 'convoy', '-o', os.path.join(TMP, 'noext'), '--format', 'svg')
    check(rc == 0 and open(os.path.join(TMP, 'noext'), 'rb').read(5) == b'<?xml',
          '--format svg names the format when the file name cannot', err)
    rc, data, err = run_bytes('render', 'convoy', '-o', os.path.join(TMP, 'noext2'))
    check(rc == 2 and '--format' in err, 'a name without .png/.svg and no --format is refused, naming --format', err)
    rc, _, err = run_bytes('render', 'convoy', '-o', '-', '--format', 'gif')
    check(rc == 2 and 'png or svg' in err, '--format gif is refused', err)
    rc, out, err = gilsim('run', 'convoy', '--json')
    check(rc == 0 and out.startswith('{') and err == '', 'run --json: only data on stdout, nothing on stderr', err)


def main():
    test_stdin()
    test_end_of_options()
    test_help()
    test_suggestions()
    test_streams()
    report()


if __name__ == '__main__':
    main()
