#!/usr/bin/env python3
"""Prints the closing line of `make test` from meson's test logs.

usage: test_summary.py BUILD_DIR...

Each meson test counts once per build directory (plain and sanitized). The
last line is "N passed, N failed[, N skipped]"; the exit status is 1 when a
test failed or a log is missing.
"""
import json
import os
import sys


def main():
    passed = failed = skipped = 0
    failures = []
    for build in sys.argv[1:]:
        log = os.path.join(build, 'meson-logs', 'testlog.json')
        if not os.path.exists(log):
            failures.append('%s: no test log (did the build fail?)' % build)
            failed += 1
            continue
        with open(log) as f:
            for line in f:
                if not line.strip():
                    continue
                t = json.loads(line)
                result = t.get('result')
                if result in ('OK', 'EXPECTEDFAIL'):
                    passed += 1
                elif result == 'SKIP':
                    skipped += 1
                else:
                    failed += 1
                    failures.append('%s: %s (%s)' % (build, t.get('name'), result))
    for f in failures:
        print('FAILED', f)
    line = '%d passed, %d failed' % (passed, failed)
    if skipped:
        line += ', %d skipped' % skipped
    print(line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
