"""Shared helpers of the CPython measurement suite (tools/cpython/).

Every measurement runs in a fresh subprocess of the target interpreter: a
case module holds the measured program as a string (PRELUDE below plus its
own code, written in the subset of Python that 2.7 and 3.6+ both run),
`run_snippet` writes it to a temporary file, runs it with a JSON argument and
a timeout, and reads back the one `RESULT {...}` line it prints. A file, not
`-c`, because multiprocessing's spawn must re-import the main module.

`measure_configs` repeats each configuration `reps` times, the repetition
loop outermost so that a burst of load from elsewhere spreads over all
configurations instead of spoiling one, and summarises every numeric field
across runs as median, p10 and p90 (linear interpolation between the sorted
runs; nothing is dropped). A configuration that fails is reported with its
error and the other runs go on.

`LoadProbe` tells how busy the machine was: the load averages before and
after, and, from /proc/stat, how many cores other processes used meanwhile
(all CPU time the kernel counted minus our own and our waited-for
children's), with the hypervisor's steal time. A stretch is quiet when the
other processes' average use during it is at most QUIET_LOAD cores and, for
the whole run, the 1-minute load before it was too.
"""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYENV = os.path.expanduser("~/.pyenv/versions")
ALL_VERSIONS = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
QUIET_LOAD = 0.5

# Helpers the measured programs share; valid Python 2.7 and 3.6+.
PRELUDE = r'''
import json, sys, threading, time
try:
    clock = time.perf_counter          # 3.3+
except AttributeError:
    clock = time.time                  # 2.7: gettimeofday, 1 us resolution
try:
    cpu_clock = time.thread_time       # 3.7+: CPU time of this thread
except AttributeError:
    try:
        cpu_clock = time.process_time  # 3.3+
    except AttributeError:
        cpu_clock = time.clock         # 2.7 on Unix: process CPU time
try:
    xrange
except NameError:
    xrange = range
ARGS = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}

def set_interval(seconds):
    """Switch interval on 3.x; 2.7 keeps its default check interval (100)."""
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(seconds)

def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)

def emit(result):
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
'''


def interpreter(version):
    """Path of the pyenv interpreter whose version starts with `version`."""
    if os.path.isdir(PYENV):
        for name in sorted(os.listdir(PYENV)):
            if name == version or name.startswith(version + "."):
                path = os.path.join(PYENV, name, "bin", "python")
                if os.path.exists(path):
                    return path
    return None


def vkey(version):
    return tuple(int(x) for x in version.split("."))


def run_snippet(python, code, args=None, timeout=120):
    """Run PRELUDE + code under `python` with args as JSON; return its RESULT."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="gilsim_measure_",
                                     delete=False) as f:
        f.write(PRELUDE + code)
        path = f.name
    try:
        p = subprocess.run([python, "-E", "-s", path, json.dumps(args or {})],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %g s" % timeout)
    finally:
        os.unlink(path)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimeError("exit %d: %s" % (p.returncode, tail))


def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)


def summarize(values):
    """median, p10, p90 across runs, and the runs themselves."""
    return {"median": percentile(values, 50), "p10": percentile(values, 10),
            "p90": percentile(values, 90), "runs": values}


def measure_configs(python, code, configs, reps, timeout, log=None):
    """Run every config `reps` times; return one row per config.

    A row is the config's fields plus, for every numeric field of the
    results, a summary across the runs (see summarize). Errors are kept in
    the row ("errors": [...]) and do not stop the other runs.
    """
    results = [[] for _ in configs]
    errors = [[] for _ in configs]
    for rep in range(reps):
        for i, cfg in enumerate(configs):
            try:
                results[i].append(run_snippet(python, code, cfg, timeout))
            except Exception as e:  # reported, not fatal
                errors[i].append(str(e))
                if log:
                    log("    failed %s: %s" % (json.dumps(cfg), e))
    rows = []
    for cfg, res, err in zip(configs, results, errors):
        row = dict(cfg)
        if res:
            for key in res[0]:
                vals = [r[key] for r in res if isinstance(r.get(key), (int, float))]
                if len(vals) == len(res) and not isinstance(res[0][key], bool):
                    row[key] = summarize(vals)
                else:
                    row[key] = res[0][key]
        if err:
            row["errors"] = err
        rows.append(row)
    return rows


class LoadProbe:
    """Load of the machine from other processes across a stretch of our work."""

    def __init__(self, check_before=True):
        """check_before: count the load average at the start in `quiet` (off
        for a probe that starts right after our own work, which the load
        average still counts)."""
        self.check_before = check_before
        self.before = self.loadavg()
        self.t0 = time.time()
        self.stat0 = self.cpu_stat()
        self.own0 = self.own_cpu()

    @staticmethod
    def loadavg():
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]

    @staticmethod
    def cpu_stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        busy = v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq
        steal = v[7] if len(v) > 7 else 0
        return busy / hz, steal / hz

    @staticmethod
    def own_cpu():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def finish(self):
        """Dict: load averages before/after, other processes' cores, steal, quiet."""
        wall = max(time.time() - self.t0, 1e-9)
        busy, steal = self.cpu_stat()
        other = (busy - self.stat0[0] - (self.own_cpu() - self.own0)) / wall
        after = self.loadavg()
        return {"loadavg_before": self.before, "loadavg_after": after,
                "wall_s": round(wall, 2),
                "other_cpu_cores": round(max(other, 0.0), 3),
                "steal_cores": round((steal - self.stat0[1]) / wall, 3),
                "quiet": other <= QUIET_LOAD and
                         (not self.check_before or self.before[0] <= QUIET_LOAD)}


def check_load(strict=False, wait_minutes=0.0, log=print):
    """Print the load; wait up to wait_minutes for a quiet machine.

    Returns True when quiet. When it is not: with strict, exit; otherwise
    warn loudly, and the caller marks its results noisy.
    """
    deadline = time.time() + wait_minutes * 60
    while True:
        la = LoadProbe.loadavg()
        log("load average: %.2f %.2f %.2f" % tuple(la))
        if la[0] <= QUIET_LOAD:
            return True
        if time.time() >= deadline:
            break
        time.sleep(min(30, max(1, deadline - time.time())))
    msg = ("*** MACHINE NOT QUIET: 1-minute load %.2f > %.1f; timings will be "
           "disturbed and the results are marked noisy ***" % (la[0], QUIET_LOAD))
    if strict:
        log(msg.replace("are marked noisy", "were not taken"))
        sys.exit(2)
    log(msg)
    return False


def machine_info():
    def sh(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, timeout=10).stdout
        except Exception as e:
            return str(e)
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        info = ""

    def field(name):
        m = re.search(r"^%s\s*:\s*(.*)$" % name, info, re.M)
        return m.group(1).strip() if m else ""
    return {"nproc": os.cpu_count(), "cpu_model": field("model name"),
            "cpu_family_model_stepping": "%s/%s/%s" % (field("cpu family"), field("model"),
                                                       field("stepping")),
            "cpu_mhz": field("cpu MHz"), "hypervisor": "hypervisor" in field("flags").split(),
            "kernel": platform.release(),
            "glibc": sh(["ldd", "--version"]).splitlines()[0].strip()}


def interpreter_version(python):
    try:
        return run_snippet(python, "emit({'version': sys.version.split()[0], "
                                   "'full': sys.version.replace('\\n', ' ')})", timeout=30)
    except Exception as e:
        return {"error": str(e)}


# ---------------------------------------------------------------- printing

def fmt(x, digits=3):
    """Compact number: 3 significant digits, thousands kept whole."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    ax = abs(x)
    if ax >= 1000 or x == int(x) and ax >= 100:
        return "{:,.0f}".format(x).replace(",", " ")
    if ax == 0:
        return "0"
    return "%.*g" % (digits, x)


def cell(row, key, spread=False, scale=1.0):
    """Median of a summarized field, optionally with its [p10..p90] spread."""
    v = row.get(key)
    if isinstance(v, dict):
        s = fmt(v["median"] * scale)
        if spread:
            s += " [%s..%s]" % (fmt(v["p10"] * scale), fmt(v["p90"] * scale))
        return s
    return fmt(v) if v is not None else ("ERR" if row.get("errors") else "-")


def table(headers, lines):
    """Plain-text table, columns right-aligned except the first."""
    lines = [[str(c) for c in ln] for ln in lines]
    w = [max(len(str(h)), *(len(ln[i]) for ln in lines)) if lines else len(h)
         for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(headers))]
    out.append("  ".join("-" * x for x in w))
    for ln in lines:
        out.append("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(ln)))
    return "\n".join(out)


# ---------------------------------------------------------------- stand-alone

def standalone(case):
    """`python3 CASE.py [--quick] [--versions ...] [--reps N]`: one case alone."""
    import argparse
    ap = argparse.ArgumentParser(description=case.__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs, 3 repetitions")
    ap.add_argument("--versions", default=",".join(case.VERSIONS))
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    a = ap.parse_args()
    reps = a.reps or (3 if a.quick else 5)
    quiet = check_load()
    probe = LoadProbe()
    rows = []
    for v in a.versions.split(","):
        py = interpreter(v)
        if not py:
            print("no interpreter for %s" % v)
            continue
        print("%s %s ..." % (case.NAME, v), flush=True)
        rows += case.run(py, v, a.quick, reps, log=print)
    load = probe.finish()
    print(case.table(rows))
    print("load: %s%s" % (json.dumps(load), "" if quiet and load["quiet"] else "  (NOISY)"))
    if a.json:
        print(json.dumps(rows, indent=1))
