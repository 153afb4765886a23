#!/usr/bin/env python3
"""Prints a scenario of N CPU-bound threads in one process on 8 cores at
the default 5 ms switch interval: the workload `gilsim bench` scales from
10 to 100,000 threads, as a file a whole-process timer can run.

    tools/cpu_bound_scenario.py 10000 > /tmp/cpu10000.json
    /usr/bin/time -v build/gilsim run /tmp/cpu10000.json --until 1s > /dev/null
"""
import json
import sys


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit('usage: cpu_bound_scenario.py THREADS')
    n = int(sys.argv[1])
    threads = [{'name': 't%d' % i, 'program': [{'cpu': '1000s'}]} for i in range(n)]
    json.dump({'name': '%d CPU-bound threads' % n, 'seed': 7, 'machine': {'cores': 8},
               'processes': [{'name': 'p0', 'threads': threads}]}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
