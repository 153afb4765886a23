#!/usr/bin/env python3
"""What a scenario's author gets told: a scenario that loads but looks
wrong is run with warnings (in `validate`, in the report as text and JSON,
in the viewer's lesson panel), and the mistakes the course invites get an
error that gives the right advice: a queue declared in each process that
uses it (two queues that never meet), "3.13t" for a free-threaded build."""
from gilsim_test import check, report, scenario_file, gilsim, run_json


def sc(processes, **extra):
    d = {'name': 'w', 'seed': 1, 'machine': {'cores': 2}, 'python': {'version': '3.12'}, 'processes': processes}
    d.update(extra)
    return scenario_file(d)


def never_started():
    path = sc([{'name': 'main', 'threads': [
        {'name': 'main', 'program': [{'cpu': '1ms'}]},
        {'name': 'worker', 'start': 'manual', 'program': [{'cpu': '1ms'}]}]},
        {'name': 'helper', 'start': 'manual', 'threads': [{'name': 'main', 'program': []}]}])
    rc, out, err = gilsim('validate', path)
    check(rc == 0 and "warning: thread 'worker' of process 'main' is declared \"start\": \"manual\" but no start "
          "operation starts it, so it never runs" in out, 'validate warns of a manual thread never started', out)
    check("warning: process 'helper' is declared \"start\": \"manual\" but no start operation starts it" in out,
          'and of a manual process never started', out)
    r = run_json(path)
    check(len(r['warnings']) == 2 and 'worker' in r['warnings'][1] + r['warnings'][0],
          'the JSON report lists the warnings', str(r['warnings']))
    rc, out, _ = gilsim('run', path)
    check(rc == 0 and "  warning: thread 'worker'" in out, 'the text report prints them', out[-600:])
    started = sc([{'name': 'main', 'threads': [
        {'name': 'main', 'program': [{'start': 'worker'}, {'join': 'worker'}]},
        {'name': 'worker', 'start': 'manual', 'program': [{'cpu': '1ms'}]}]}])
    rc, out, _ = gilsim('validate', started)
    check(rc == 0 and 'warning' not in out, 'a manual thread that is started draws no warning', out)


def queue_in_each_process():
    procs = [{'name': 'main', 'threads': [{'name': 'main', 'program': [
        {'start': 'writer'}, {'start': 'reader'}, {'join': 'writer'}, {'join': 'reader'}]}]},
        {'name': 'writer', 'start': 'manual', 'sync': {'q': 'mp_queue'},
         'threads': [{'name': 'main', 'program': [{'put': 'q'}]}]},
        {'name': 'reader', 'start': 'manual', 'sync': {'q': 'mp_queue'},
         'threads': [{'name': 'main', 'program': [{'get': 'q'}]}]}]
    rc, _, err = gilsim('validate', sc(procs))
    check(rc == 2 and '/processes/2/sync/q' in err and 'two separate objects' in err and
          'declare it once under the top-level "ipc"' in err and '"ipc": {"q": "mp_queue"}' in err,
          'a queue declared in the writer and in the reader is an error that says to declare it once in "ipc"',
          err.strip())
    for p in procs[1:]:
        del p['sync']
    rc, out, err = gilsim('validate', sc(procs, ipc={'q': 'mp_queue'}))
    check(rc == 0 and 'warning' not in out, 'declared once under "ipc", it loads', err)
    r = run_json(sc(procs, ipc={'q': 'mp_queue'}))
    check(r['outcome'] == 'done', 'and the reader gets what the writer put')
    # With no "sync" at all, the advice names both places.
    procs[1]['threads'][0]['program'] = []
    procs[2]['threads'][0]['program'] = [{'get': 'nothere'}]
    rc, _, err = gilsim('validate', sc(procs))
    check(rc == 2 and '"ipc": {"nothere": "mp_queue"}' in err, 'an unknown queue: the advice names "ipc" too',
          err.strip())


def lock_in_each_process():
    procs = [{'name': n, 'sync': {'lock': 'lock'}, 'threads': [{'name': 'main', 'program': [
        {'with': 'lock', 'do': [{'cpu': '1ms'}]}]}]} for n in ('a', 'b')]
    rc, out, _ = gilsim('validate', sc(procs))
    check(rc == 0 and "warning: a lock 'lock' is declared in the \"sync\" of process 'a' and of process 'b': each "
          "process has its own, so they never exclude each other" in out and '(a multiprocessing Lock)' in out,
          'a threading lock declared and taken in two processes draws a warning', out)


def free_threaded_version():
    rc, _, err = gilsim('validate', sc([{'name': 'main', 'threads': [{'name': 't', 'program': []}]}],
                                       python={'version': '3.13t'}))
    check(rc == 2 and '/python/version' in err and
          '"python": {"version": "3.13", "gil": "none"}' in err,
          '"3.13t" is refused with the spelling that works', err.strip())
    rc, _, err = gilsim('validate', sc([{'name': 'main', 'threads': [{'name': 't', 'program': []}]}],
                                       python={'version': '3.13', 'gil': 'none'}))
    check(rc == 0, 'and that spelling loads', err)


never_started()
queue_in_each_process()
lock_in_each_process()
free_threaded_version()
report()
