#!/usr/bin/env python3
"""Keeps $defs.machine and $defs.python of scenarios/schema.json in step
with the loader's parameter table (sim/config.c), which is where they are
defined: `gilsim validate --schema-params` prints them, and this script
writes them into the file in its hand-kept layout (one line a parameter).
The rest of the file is left as it is.

usage: update_schema.py [--check] [--gilsim PATH] [--schema FILE]

  --check   change nothing; exit 1 with a diff if the file is not in step
  --gilsim  the binary (default: $GILSIM, else build/gilsim)
  --schema  the schema file (default: scenarios/schema.json)
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SECTIONS = ('machine', 'python')


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(', ', ': '))


def render(name, schema):
    """The lines of $defs.NAME but its closing brace: its own keys at indent
    6, one property a line at indent 8."""
    lines = ['    %s: {' % json.dumps(name)]
    keys = list(schema)
    for i, key in enumerate(keys):
        comma = ',' if i < len(keys) - 1 else ''
        if key == 'properties':
            lines.append('      "properties": {')
            props = list(schema[key].items())
            for j, (pkey, pschema) in enumerate(props):
                lines.append('        %s: %s%s' % (json.dumps(pkey), compact(pschema),
                                                  ',' if j < len(props) - 1 else ''))
            lines.append('      }' + comma)
        else:
            lines.append('      %s: %s%s' % (json.dumps(key), compact(schema[key]), comma))
    return lines


def replace_section(lines, name, schema):
    """Replaces the block `    "NAME": {` ... `    }` of $defs; keeps the comma after it."""
    opening = re.compile(r'^    %s: \{$' % re.escape(json.dumps(name)))
    starts = [i for i, line in enumerate(lines) if opening.match(line)]
    if len(starts) != 1:
        sys.exit('update_schema.py: expected one line \'    "%s": {\' in the schema, found %d'
                 % (name, len(starts)))
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if re.match(r'^    \}', lines[i])), None)
    if end is None:
        sys.exit('update_schema.py: $defs.%s is not closed at its own indent' % name)
    closing = '    }' + lines[end][len('    }'):]
    return lines[:start] + render(name, schema) + [closing] + lines[end + 1:]


def main():
    ap = argparse.ArgumentParser(description='Writes the parameter sections of the scenario schema.')
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--gilsim', default=os.environ.get('GILSIM') or os.path.join(ROOT, 'build', 'gilsim'))
    ap.add_argument('--schema', default=os.path.join(ROOT, 'scenarios', 'schema.json'))
    args = ap.parse_args()

    out = subprocess.run([args.gilsim, 'validate', '--schema-params'], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit('update_schema.py: %s validate --schema-params failed: %s' % (args.gilsim, out.stderr.strip()))
    params = json.loads(out.stdout)
    with open(args.schema, encoding='utf-8') as f:
        old = f.read()
    lines = old.split('\n')
    for name in SECTIONS:
        lines = replace_section(lines, name, params[name])
    new = '\n'.join(lines)
    json.loads(new)  # still one JSON document

    if new == old:
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   args.schema, args.schema + ' (from the table)'))
        print('%s is not in step with the parameter table; run tools/update_schema.py' % args.schema)
        return 1
    with open(args.schema, 'w', encoding='utf-8') as f:
        f.write(new)
    print('updated %s' % args.schema)
    return 0


if __name__ == '__main__':
    sys.exit(main())
