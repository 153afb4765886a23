"""The installed gilsim works wherever its tree is put.

`meson install --destdir` stages an install of this build; the staged
prefix is then moved to a folder of another name, and from yet another
working folder the moved binary must list, run and render the bundled
scenarios, and `man gilsim` must show its page. Where a private mount
namespace can be made (unshare, as root), the source and build trees are
hidden behind empty folders while it runs, so nothing can be found there
by accident; elsewhere the binary is checked for their paths instead.
Also checked: the data is taken from the moved tree (gilsim --paths),
the man page formats without warnings, and bash completion offers the
bundled scenario names.
"""
import os
import shutil
import struct
import subprocess
import tempfile

from gilsim_test import SOURCE_ROOT, check, report

BUILD_ROOT = os.environ.get('GILSIM_BUILD_ROOT') or os.path.join(SOURCE_ROOT, 'build')
MESON = os.environ.get('MESON') or shutil.which('meson') or 'meson'


def run(cmd, cwd=None, env=None, timeout=300):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def can_hide():
    """A private mount namespace with bind mounts works here."""
    if not shutil.which('unshare') or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as d:
        rc, _, _ = run(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                        'mount --bind "$0" "$0"', d])
    return rc == 0


def main():
    tmp = tempfile.mkdtemp(prefix='gilsim-install-')
    try:
        stage = os.path.join(tmp, 'stage')
        rc, _, err = run([MESON, 'install', '-C', BUILD_ROOT, '--destdir', stage, '--no-rebuild', '--quiet'])
        if not check(rc == 0, 'meson install --destdir stages an install', err.strip()[-400:]):
            report()
        bins = [os.path.join(r, f) for r, _, fs in os.walk(stage) for f in fs
                if f == 'gilsim' and os.path.basename(r) == 'bin']
        if not check(len(bins) == 1, 'one bin/gilsim is installed', str(bins)):
            report()
        staged_prefix = os.path.dirname(os.path.dirname(bins[0]))
        share = os.path.join(staged_prefix, 'share')
        # -Dbundled_fonts=false (a distribution's package) installs no fonts:
        # the system's are used.
        bundled_fonts = os.path.isdir(os.path.join(share, 'gilsim', 'fonts'))
        want = ['gilsim/scenarios/convoy.json', 'gilsim/scenarios/schema.json', 'man/man1/gilsim.1',
                'bash-completion/completions/gilsim', 'doc/gilsim/LICENSE']
        if bundled_fonts:
            want.append('gilsim/fonts/DejaVuSans.ttf')
        missing = [w for w in want if not os.path.isfile(os.path.join(share, w))]
        # zsh's folder is an option (Debian: /usr/share/zsh/vendor-completions).
        if not any('_gilsim' in fs and '/zsh/' in r + '/' for r, _, fs in os.walk(stage)):
            missing.append('zsh completion _gilsim')
        check(not missing, 'the scenarios, fonts, man page, completions and LICENSE are installed', str(missing))
        check(not any(f == 'gilsim-uninstalled' for _, _, fs in os.walk(stage) for f in fs),
              'the build folder\'s marker is not installed')

        # Moved to a folder of another name, one level deeper.
        prefix = os.path.join(tmp, 'moved', 'opt-gilsim')
        os.makedirs(os.path.dirname(prefix))
        os.rename(staged_prefix, prefix)
        exe = os.path.join(prefix, 'bin', 'gilsim')
        work = os.path.join(tmp, 'work')
        os.makedirs(work)

        # The binary names neither tree outside its debug information.
        stripped = os.path.join(tmp, 'stripped')
        if shutil.which('objcopy') and run(['objcopy', '--strip-debug', exe, stripped])[0] == 0:
            with open(stripped, 'rb') as f:
                blob = f.read()
            leaks = [p for p in (os.path.realpath(SOURCE_ROOT), os.path.realpath(BUILD_ROOT))
                     if p.encode() in blob]
            check(not leaks, 'no path of the source or build tree is compiled into the binary', str(leaks))

        env = {k: v for k, v in os.environ.items() if not k.startswith('GILSIM')}
        env['MANPATH'] = os.path.join(prefix, 'share', 'man')
        env['MANWIDTH'] = '80'
        env['LC_ALL'] = 'C.UTF-8'
        script = os.path.join(tmp, 'steps.sh')
        # Each step's output goes to its own files, read after the namespace is gone.
        with open(script, 'w') as f:
            f.write('set -u\ncd "$WORK"\n'
                    'step() { name=$1; shift; "$@" > "$OUTS/$name.out" 2> "$OUTS/$name.err"; '
                    'echo $? > "$OUTS/$name.rc"; }\n'
                    'step paths "$EXE" --paths\n'
                    'step list "$EXE" list\n'
                    'step run "$EXE" run convoy\n'
                    'step render "$EXE" render convoy -o x.png --size 640x360\n'
                    'step man man -P cat gilsim\n'
                    'step stdin sh -c \'"$0" run - < "$1"\' "$EXE" "$SCEN"\n')
        outs = os.path.join(tmp, 'outs')
        os.makedirs(outs)
        env.update(WORK=work, OUTS=outs, EXE=exe,
                   SCEN=os.path.join(prefix, 'share', 'gilsim', 'scenarios', 'convoy.json'))
        hidden = can_hide()
        if hidden:
            empty = os.path.join(tmp, 'empty')
            os.makedirs(empty)
            mounts = ''.join('mount --bind "%s" "%s" && ' % (empty, p)
                             # the deeper first: a build folder may be inside the source tree
                             for p in sorted({os.path.realpath(SOURCE_ROOT), os.path.realpath(BUILD_ROOT)},
                                             key=len, reverse=True))
            cmd = ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                   mounts + 'test ! -e "%s/meson.build" && sh "%s"' % (os.path.realpath(SOURCE_ROOT), script)]
        else:
            cmd = ['sh', script]
        rc, _, err = run(cmd, env=env)
        check(rc == 0, 'the steps ran (%s)' % ('source and build trees hidden' if hidden
                                              else 'no mount namespace here: trees left in place'), err)

        def step(name):
            def read(ext):
                try:
                    with open(os.path.join(outs, name + '.' + ext), 'rb') as f:
                        return f.read()
                except OSError:
                    return b''
            rc = read('rc').strip()
            return int(rc) if rc else -1, read('out').decode(errors='replace'), read('err').decode(errors='replace')

        rc, out, err = step('paths')
        dirs = dict(line.split('\t', 1) for line in out.splitlines() if '\t' in line)
        real = os.path.realpath(prefix)
        trees = (os.path.realpath(SOURCE_ROOT) + '/', os.path.realpath(BUILD_ROOT) + '/')
        fonts = dirs.get('fonts', '-')
        check(rc == 0 and dirs.get('scenarios', '').startswith(real + '/share/gilsim/')
              and (fonts.startswith(real + '/share/gilsim/') if bundled_fonts
                   else fonts != '-' and not (fonts + '/').startswith(trees)),
              'gilsim --paths: scenarios and fonts from the moved tree%s' % ('' if bundled_fonts else
                                                                            ' (fonts: the system\'s)'),
              out + err)
        rc, out, err = step('list')
        check(rc == 0 and 'convoy' in out and 'per_interpreter' in out, 'gilsim list works from the moved tree',
              '%d %s' % (rc, err))
        rc, out, err = step('run')
        check(rc == 0 and 'Convoy effect' in out, 'gilsim run convoy works from the moved tree', '%d %s' % (rc, err))
        rc, out, err = step('render')
        png = os.path.join(work, 'x.png')
        size = None
        if os.path.exists(png):
            with open(png, 'rb') as f:
                head = f.read(24)
            if head[:8] == b'\x89PNG\r\n\x1a\n':
                size = struct.unpack('>II', head[16:24])
        check(rc == 0 and size == (640, 360), 'gilsim render convoy -o x.png works from the moved tree',
              '%d %s %s' % (rc, size, err))
        rc, out, err = step('man')
        check(rc == 0 and 'gilsim' in out and 'SYNOPSIS' in out and 'VIEWER KEYS' in out,
              'man gilsim shows the installed page', '%d %s' % (rc, err))
        rc, out, err = step('stdin')
        check(rc == 0 and 'Convoy effect' in out, 'gilsim run - reads the scenario from standard input',
              '%d %s' % (rc, err))

        # The page formats without warnings (-k: it is UTF-8, as man reads it).
        page = os.path.join(prefix, 'share', 'man', 'man1', 'gilsim.1')
        if shutil.which('groff'):
            rc, _, err = run(['groff', '-k', '-man', '-Tutf8', '-ww', '-z', page])
            check(rc == 0 and not err.strip(), 'the man page formats without groff warnings', err[:400])

        # bash completion offers the bundled scenarios and the commands.
        comp = os.path.join(prefix, 'share', 'bash-completion', 'completions', 'gilsim')
        if shutil.which('bash'):
            sh = ('source "$0"; COMP_WORDS=("$1" run conv); COMP_CWORD=2; _gilsim; echo "${COMPREPLY[@]}"; '
                  'COMP_WORDS=("$1" ren); COMP_CWORD=1; _gilsim; echo "${COMPREPLY[@]}"; '
                  'COMP_WORDS=("$1" trace --form); COMP_CWORD=2; _gilsim; echo "${COMPREPLY[@]}"')
            rc, out, err = run(['bash', '-c', sh, comp, exe], cwd=work)
            lines = out.decode().split('\n')
            check(rc == 0 and len(lines) >= 3 and 'convoy' in lines[0].split() and lines[1].split() == ['render']
                  and '--format' in lines[2].split(),
                  'bash completion: scenario names, commands, options', out.decode() + err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report()


if __name__ == '__main__':
    main()
