#!/usr/bin/env python3
"""Writes gilsim's man page from the program's own help texts.

usage: gen_manpage.py GILSIM OUTPUT VERSION [DATADIR]

Run at build time (doc/meson.build): the synopsis and the commands come
from `gilsim --help`, each command's section from `gilsim help CMD`, the
viewer's keys from `gilsim view --keys`, so the page never disagrees with
the program. Only the exit status, environment and files sections are
written here. The page carries no date, so the same sources give the same
bytes.
"""
import re
import subprocess
import sys


def run(gilsim, *args):
    p = subprocess.run([gilsim] + list(args), capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit('gen_manpage.py: %s %s exited %d: %s' % (gilsim, ' '.join(args), p.returncode, p.stderr))
    return p.stdout


def esc(line):
    """One line of text as roff: backslashes and hyphens escaped, a line
    that would start a request made harmless."""
    s = line.replace('\\', '\\e').replace('-', '\\-')
    if s.startswith('.') or s.startswith("'"):
        s = '\\&' + s
    return s


def para(text):
    """Running text: blank lines become paragraph breaks."""
    out = []
    for line in text.strip('\n').split('\n'):
        out.append('.PP' if not line.strip() else esc(line.strip()))
    return out


def verbatim(text):
    return ['.nf'] + [esc(l) if l else '' for l in text.rstrip('\n').split('\n')] + ['.fi']


def main():
    gilsim, output, version = sys.argv[1:4]
    datadir = sys.argv[4] if len(sys.argv) > 4 else '/usr/local/share/gilsim'
    top = run(gilsim, '--help')
    m = re.search(r'\ncommands:\n(.*?)\n\n(.*)', top, re.S)
    if not m:
        sys.exit('gen_manpage.py: cannot find the command list in gilsim --help')
    commands = []
    for line in m.group(1).split('\n'):
        cm = re.match(r'\s+(\S+)\s+(.*)', line)
        if cm:
            commands.append((cm.group(1), cm.group(2)))
    summary = top.split('\n\n')[1].strip()
    after = m.group(2)

    out = ['.\\" -*- coding: UTF-8 -*-',
           '.\\" Written by tools/gen_manpage.py from the help texts of gilsim %s; do not edit.' % version,
           '.TH GILSIM 1 "" "gilsim %s" "User Commands"' % version,
           '.SH NAME',
           'gilsim \\- ' + esc(summary[0].lower() + summary[1:].rstrip('.')),
           '.SH SYNOPSIS']
    for name, _ in commands:
        usage = run(gilsim, 'help', name).split('\n\n')[0]
        first = usage.split('\n')[0].replace('usage: ', '', 1)
        out += ['.B ' + esc(first.split(' ', 1)[0]), esc(first.split(' ', 1)[1]) if ' ' in first else '', '.br']
    out += ['.B gilsim', '.RI [ COMMAND ]', '.br', '.B gilsim help', '.I COMMAND',
            '.SH DESCRIPTION'] + para(summary + '\n\n' + after)
    out += ['.SH COMMANDS']
    for name, text in commands:
        out += ['.TP', '.B ' + name, esc(text)]
    for name, _ in commands:
        out += ['.SS gilsim %s' % name] + verbatim(run(gilsim, 'help', name))
    out += ['.SH VIEWER KEYS',
            'In the window of', '.BR "gilsim view" ,',
            'as the window\'s own', '.B ?', 'sheet lists them:']
    for line in run(gilsim, 'view', '--keys').strip('\n').split('\n'):
        key, _, what = line.partition('\t')
        out += ['.TP', '.B ' + esc(key), esc(what)]
    out += ['.SH EXIT STATUS',
            '.TP', '.B 0', 'success',
            '.TP', '.B 1',
            'the machine ran short (memory, the trace budget) or an output could not be written',
            '.TP', '.B 2',
            'invalid scenario or flags, or a run that cannot go on; the message names',
            '.IR FILE : LINE : COL : " /json/pointer" : " message"',
            '.TP', '.B 3', 'the run deadlocked (the report is still printed)',
            '.SH ENVIRONMENT',
            '.TP', '.B GILSIM_SCENARIOS',
            'a folder of scenarios searched first for names given in place of a file',
            '.TP', '.B GILSIM_ASSETS',
            'a folder holding the fonts (DejaVuSans.ttf, DejaVuSans\\-Bold.ttf, DejaVuSansMono.ttf)',
            '.SH FILES',
            'gilsim finds its data beside itself first, so an installed tree can be moved:',
            '.TP', '.I BINDIR/../share/gilsim/scenarios',
            'the bundled scenarios and their JSON Schema, schema.json',
            '.TP', '.I BINDIR/../share/gilsim/fonts',
            'the DejaVu fonts of the pictures',
            '.PP', 'then under the prefix it was built for,', '.IR ' + esc(datadir) + ' ,',
            'and, for the fonts, the system\'s DejaVu fonts',
            '(Debian\'s fonts\\-dejavu\\-core installs them in',
            '.IR /usr/share/fonts/truetype/dejavu ).',
            '.SH SEE ALSO',
            'The Chrome traces open in https://ui.perfetto.dev and chrome://tracing.',
            'Scenarios are described by',
            '.IR ' + esc(datadir) + '/scenarios/schema.json ,',
            'which editors read through a scenario\'s "$schema" key.']
    with open(output, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
