"""The README's commands, run as written.

Every gilsim command the README shows (indented code lines and inline
`gilsim ...` spans) is taken from the file:

- a command with no placeholder is run as written, from an empty folder
  (with the assets/readme/ folder the README writes into), in the
  README's order, and must exit 0; a viewer command gets --headless,
  since the test has no display; commands that time a real Python
  (measure, calibrate) run only when the Python they name is there and
  GILSIM_README_SLOW=1 asks for them, otherwise they are checked like a
  synopsis; the sanitized build checks every command that way;
- a synopsis (FILE, NAME, [optional], a|b) must name a real command, and
  every --option it shows must be in that command's help.

The meson commands it gives (`meson test -C build --benchmark`) must be
accepted by meson.
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile

from gilsim_test import GILSIM, SOURCE_ROOT, check, report

README = os.path.join(SOURCE_ROOT, 'README.md')
BUILD_ROOT = os.environ.get('GILSIM_BUILD_ROOT') or os.path.join(SOURCE_ROOT, 'build')
SLOW = os.environ.get('GILSIM_README_SLOW') == '1'
# The sanitized build checks every command like a synopsis instead of
# running it: the README's sweeps and renders take over ten minutes under
# ASan, and the plain build runs them all (their memory safety is the
# other tests' job under ASan).
ASAN = 'asan' in GILSIM
PLACEHOLDER = re.compile(r'\b(FILE|FILE_B|NAME|CMD|COMMAND|TIME|KEY|OUT|PATH|PROFILE|DIR|N|T|K=V|KEY=VALUE|WxH)\b|[\[\]|]|\.\.\.')


def commands():
    """(line number, command, inline) of each gilsim command in the README:
    the code lines first, in order (a later one may use an earlier one's
    output), then the inline spans."""
    out, inline = [], []
    fenced = False
    with open(README, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if line.startswith('```'):
                fenced = not fenced
                continue
            if fenced:  # program output, not commands
                continue
            if line.startswith('    gilsim'):
                cmd = line.strip()
                cmd = re.sub(r'\s+#.*$', '', cmd)  # a trailing comment
                out.append((n, cmd, False))
            for m in re.finditer(r'`(gilsim(?: [^`]*)?)`', line):
                inline.append((n, m.group(1), True))
    return out + inline


def help_of(cmd, cache={}):
    if cmd not in cache:
        p = subprocess.run([GILSIM, 'help', cmd], capture_output=True, text=True, timeout=60)
        cache[cmd] = p.stdout if p.returncode == 0 else None
    return cache[cmd]


def check_synopsis(n, cmd):
    words = cmd.split()
    if len(words) == 1:
        return check(True, 'README:%d: %s' % (n, cmd))
    sub = words[1]
    if sub.startswith('-'):  # a top-level option: in gilsim --help
        text = subprocess.run([GILSIM, '--help'], capture_output=True, text=True, timeout=60).stdout
        return check(re.search(r'(?<![\w-])' + re.escape(sub) + r'(?![\w-])', text) is not None,
                     'README:%d: %s is in gilsim --help' % (n, cmd))
    if sub == 'help':  # gilsim help CMD
        p = subprocess.run([GILSIM, 'help', 'run'], capture_output=True, text=True, timeout=60)
        return check(p.returncode == 0 and p.stdout.startswith('usage: gilsim run'), 'README:%d: %s' % (n, cmd))
    text = help_of(sub)
    if not check(text is not None, 'README:%d: "%s" is a command' % (n, sub), cmd):
        return False
    opts = set(re.findall(r'(?<![\w-])(--?[a-zA-Z][\w-]*)', cmd))
    missing = sorted(o for o in opts if not re.search(r'(?<![\w-])' + re.escape(o) + r'(?![\w-])', text))
    return check(not missing, 'README:%d: the options of "%s" are in its help' % (n, cmd[:60]), str(missing))


def runnable(cmd, inline, work):
    """The argv to run for cmd, or None when it can only be checked: a
    synopsis, the bare viewer, a span that names a command or an option
    ("`gilsim render`", "`gilsim sweep --plot`"), or a command whose input
    only a skipped slow command would have written."""
    argv = shlex.split(cmd)
    if PLACEHOLDER.search(cmd) or len(argv) == 1 or (inline and (len(argv) == 2 or argv[-1].startswith('--'))):
        return None
    if '--sweep' in argv and argv[1] == 'view':  # a sweep's chart opens only in a window
        return None
    for k, a in enumerate(argv):
        if (a.endswith('.json') or a.endswith('.csv')) and argv[k - 1] not in ('-o', '--output', '>') \
                and not os.path.exists(os.path.join(work, a)):
            return None
    redirect = None
    if '>' in argv:
        k = argv.index('>')
        redirect = argv[k + 1]
        argv = argv[:k]
    sub = argv[1] if len(argv) > 1 else 'view'
    if ASAN:
        return None
    if sub in ('measure', 'calibrate') or '--measured' in argv:
        py = argv[argv.index('--python') + 1] if '--python' in argv else 'python3'
        if '--emit-python' not in argv and not (SLOW and shutil.which(os.path.expanduser(py))):
            return None
    if sub == 'view':
        argv = argv + ['--headless', 'view.png']
    return argv[1:], redirect


def check_gallery():
    """Every lesson's row in the README's gallery shows its thumbnail, and
    its title and description as the scenario file has them today."""
    with open(README, encoding='utf-8') as f:
        text = f.read()
    rows = {m.group(2): m for m in re.finditer(
        r'<img src="assets/readme/lessons/([a-z0-9_]+)\.png"[^>]*> \| \*\*`([a-z0-9_]+)`\*\* ([^<|]*)<br>([^|]*) \|',
        text)}
    stale, missing = [], []
    for path in sorted(glob.glob(os.path.join(SOURCE_ROOT, 'scenarios', '*.json'))):
        name = os.path.basename(path)[:-5]
        if name in ('schema', 'convoy'):
            continue
        with open(path, encoding='utf-8') as f:
            sc = json.load(f)
        m = rows.get(name)
        if not m:
            missing.append(name)
        elif (m.group(1), m.group(3).strip(), m.group(4).strip()) != (name, sc['name'], sc['description']):
            stale.append(name)
    check(not missing and not stale and len(rows) >= 30,
          "the README's lesson gallery has every lesson (%d), with its thumbnail, title and description "
          'as its scenario file says' % len(rows), 'missing %s; stale %s' % (missing, stale))


def main():
    cmds = commands()
    check(len(cmds) >= 20, 'the README shows gilsim commands (%d)' % len(cmds))
    ran = checked = 0
    work = tempfile.mkdtemp(prefix='gilsim-readme-')
    try:
        os.makedirs(os.path.join(work, 'assets', 'readme'))
        env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
        seen = set()
        for n, cmd, inline in cmds:
            if cmd in seen:
                continue
            seen.add(cmd)
            how = runnable(cmd, inline, work)
            if how is None:
                check_synopsis(n, cmd)
                checked += 1
                continue
            args, redirect = how
            out = open(os.path.join(work, redirect), 'w') if redirect else subprocess.PIPE
            try:
                p = subprocess.run([GILSIM] + args, cwd=work, env=env, stdout=out, stderr=subprocess.PIPE,
                                   text=True, timeout=600)
            finally:
                if redirect:
                    out.close()
            ran += 1
            check(p.returncode == 0, 'README:%d: %s' % (n, cmd), '%d: %s' % (p.returncode, p.stderr.strip()[-300:]))
        check(ran >= 8 or (ASAN and checked >= 20),
              '%d commands run as written, %d synopses checked against the help' % (ran, checked))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    check_gallery()
    meson = os.environ.get('MESON') or shutil.which('meson')
    with open(README, encoding='utf-8') as f:
        text = f.read()
    for m in sorted(set(re.findall(r'`(meson [^`]*)`', text))):
        argv = shlex.split(m)
        if argv[1] == 'test' and meson:
            argv = [meson] + argv[1:] + ['--list']
            argv[argv.index('-C') + 1] = BUILD_ROOT
            p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
            check(p.returncode == 0, 'README: "%s" is accepted by meson' % m, p.stderr.strip()[-300:])
    report()


if __name__ == '__main__':
    main()
