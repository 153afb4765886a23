#!/usr/bin/env python3
"""scenarios/schema.json against the loader: its "machine" and "python"
sections are generated from the loader's parameter table and must be in
step with it (tools/update_schema.py rewrites them), and they describe the
parameters explain-config prints, with the same defaults."""
import json
import os
import subprocess
import sys

from gilsim_test import check, report, gilsim, scenario_file, SOURCE_ROOT, SCENARIOS

SCHEMA = os.path.join(SCENARIOS, 'schema.json')
UPDATE = os.path.join(SOURCE_ROOT, 'tools', 'update_schema.py')


def test_in_step():
    p = subprocess.run([sys.executable, UPDATE, '--check', '--schema', SCHEMA], capture_output=True, text=True)
    check(p.returncode == 0, 'scenarios/schema.json $defs.machine and $defs.python match the parameter table',
          (p.stdout + p.stderr)[-3000:])


def test_matches_explain():
    rc, out, _ = gilsim('validate', '--schema-params')
    params = json.loads(out) if rc == 0 else {}
    check(rc == 0 and set(params) == {'machine', 'python'}, 'validate --schema-params prints both sections')
    with open(SCHEMA, encoding='utf-8') as f:
        defs = json.load(f)['$defs']
    minimal = scenario_file({'name': 'm', 'processes': [{'name': 'main', 'threads': [
        {'name': 't', 'program': []}]}]})
    rc, out, _ = gilsim('run', minimal, '--explain-config')
    explained = json.loads(out)
    for section in ('machine', 'python'):
        props = defs[section]['properties']
        check(list(props) == list(explained[section]),
              '$defs.%s lists the parameters explain-config prints, in its order' % section)
        for key, value in explained[section].items():
            if 'default' in props.get(key, {}):
                check(props[key]['default'] == value, '%s.%s: the schema default is the one in effect (%r)'
                      % (section, key, value))
    # The rows without a default follow python.version.
    check('default' not in defs['python']['properties']['gil'] and
          'default' not in defs['python']['properties']['check_point_gap'],
          'gil and check_point_gap have no single default')


def test_bundled_name_it():
    """Every bundled scenario names the schema beside it, so an editor
    opening it (in the tree or installed) checks and completes it; and is
    valid under it, where jsonschema is installed."""
    with open(SCHEMA, encoding='utf-8') as f:
        schema = json.load(f)
    try:
        import jsonschema
        validator = jsonschema.Draft202012Validator(schema)
    except (ImportError, AttributeError):
        validator = None
    missing, invalid = [], []
    for name in sorted(os.listdir(SCENARIOS)):
        if not name.endswith('.json') or name == 'schema.json':
            continue
        with open(os.path.join(SCENARIOS, name), encoding='utf-8') as f:
            sc = json.load(f)
        if sc.get('$schema') != 'schema.json' or next(iter(sc)) != '$schema':
            missing.append(name)
        if validator:
            errors = list(validator.iter_errors(sc))
            if errors:
                invalid.append('%s: %s' % (name, errors[0].message))
    check(not missing, 'every bundled scenario starts with "$schema": "schema.json"', str(missing))
    if validator:
        check(not invalid, 'every bundled scenario is valid under the schema', '; '.join(invalid[:3]))


test_in_step()
test_matches_explain()
test_bundled_name_it()
report()
