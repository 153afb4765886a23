"""start_join: what starting and joining a thread or a process costs.

What, per run (a fresh interpreter each):
  thread  threading.Thread(target=noop): start() until it returns, then
          join(); 1000 times (200 with --quick).
  fork    os.fork() of a child that calls os._exit(0) at once: the time in
          the parent until fork() returns, and the total until
          os.waitpid() returns; 200 times (50).
  mp-*    multiprocessing.Process(target=noop) with the start methods fork,
          spawn and forkserver (3.x; 2.7 has fork only): start() and join();
          30 times (8), after one first process that is not counted, whose
          start+join is reported alone as first_ms (for forkserver it
          includes starting the server).
Reported: the median of each time within a run; the table shows the median
and spread of those medians across runs.

How: perf_counter (time.time on 2.7) around each call, in the main thread
of an otherwise idle interpreter.

Why: these are the fixed costs that decide whether a thread, a fork or a
process pool pays off for a task of a given size.
"""
import common

NAME = "start_join"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
import os

def noop():
    pass

def thread_case(n):
    st, jn = [], []
    for _ in xrange(n):
        t = threading.Thread(target=noop)
        t0 = clock()
        t.start()
        t1 = clock()
        t.join()
        t2 = clock()
        st.append(t1 - t0)
        jn.append(t2 - t1)
    return {"start_us": percentile(st, 50) * 1e6, "join_us": percentile(jn, 50) * 1e6}

def fork_case(n):
    fk, tot = [], []
    for _ in xrange(n):
        t0 = clock()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        t1 = clock()
        os.waitpid(pid, 0)
        t2 = clock()
        fk.append(t1 - t0)
        tot.append(t2 - t0)
    return {"fork_us": percentile(fk, 50) * 1e6, "total_us": percentile(tot, 50) * 1e6}

def mp_case(method, n):
    import multiprocessing
    ctx = multiprocessing.get_context(method) if method != "default" else multiprocessing
    st, jn = [], []
    for i in xrange(n + 1):
        p = ctx.Process(target=noop)
        t0 = clock()
        p.start()
        t1 = clock()
        p.join()
        t2 = clock()
        if p.exitcode != 0:
            raise RuntimeError("child exit code %r" % p.exitcode)
        if i == 0:
            first = (t2 - t0) * 1e3
        else:
            st.append(t1 - t0)
            jn.append(t2 - t1)
    return {"start_ms": percentile(st, 50) * 1e3, "join_ms": percentile(jn, 50) * 1e3,
            "first_ms": first}

if __name__ == "__main__":
    case, n = ARGS["case"], ARGS["n"]
    if case == "thread":
        emit(thread_case(n))
    elif case == "fork":
        emit(fork_case(n))
    else:
        emit(mp_case(ARGS["method"], n))
'''


def run(py, version, quick, reps, log=print):
    methods = ["default"] if version == "2.7" else ["fork", "spawn", "forkserver"]
    configs = [{"case": "thread", "n": 200 if quick else 1000},
               {"case": "fork", "n": 50 if quick else 200}]
    configs += [{"case": "mp", "method": m, "n": 8 if quick else 30} for m in methods]
    rows = common.measure_configs(py, CODE, configs, reps, 180, log)
    for r in rows:
        r["version"] = version
        if r.get("method") == "default":
            r["method"] = "fork"
    return rows


def table(rows):
    lines = []
    for r in rows:
        case = r.get("case", "-")
        name = case if case != "mp" else "mp-" + r["method"]
        if case == "thread":
            a, b, unit = "start_us", "join_us", "us"
        elif case == "fork":
            a, b, unit = "fork_us", "total_us", "us"
        else:
            a, b, unit = "start_ms", "join_ms", "ms"
        lines.append([r["version"], name, unit, common.cell(r, a, True),
                      common.cell(r, b, True), common.cell(r, "first_ms")])
    return common.table(["version", "what", "unit", "start/fork [p10..p90]",
                         "join/total [p10..p90]", "first ms"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
