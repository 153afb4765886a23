"""queue_tp: queue.Queue throughput between one producer and one consumer.

What: a producer thread puts 200 000 small ints (40 000 with --quick) into
a queue.Queue (Queue.Queue on 2.7), unbounded and with maxsize=10, and a
consumer thread gets them; default switch interval (5 ms; 2.7: check
interval 100). Reported: items per second (items / time from the start of
both threads until the consumer has the last one), and how often put and
get blocked, per 1000 items.

How: Queue.put/get wait on the queue's Condition objects (not_full,
not_empty) only when they must block; the script swaps those for a
Condition subclass that counts wait() calls. That costs nothing on the
non-blocking path, so the throughput is not disturbed.

Why: with an unbounded queue the producer rarely waits and the GIL moves
at switch intervals, so the consumer drains batches. With maxsize=10 the
threads must alternate every few items, and each hand-over is a GIL and
condition-variable round trip: that cost per item is what this shows.
"""
import common

NAME = "queue_tp"
VERSIONS = common.ALL_VERSIONS

CODE = r'''
try:
    import queue
except ImportError:
    import Queue as queue
Cond = getattr(threading, "_Condition", None) or threading.Condition

class CountingCondition(Cond):
    waits = 0
    def wait(self, timeout=None):
        self.waits += 1
        return Cond.wait(self, timeout)

def producer(q, n):
    put = q.put
    for i in xrange(n):
        put(i & 255)
    put(None)

def consumer(q, box):
    get = q.get
    n = 0
    while get() is not None:
        n += 1
    box.append((clock(), n))

if __name__ == "__main__":
    q = queue.Queue(ARGS["maxsize"])
    q.not_empty = CountingCondition(q.mutex)
    q.not_full = CountingCondition(q.mutex)
    box = []
    ts = [threading.Thread(target=consumer, args=(q, box)),
          threading.Thread(target=producer, args=(q, ARGS["n"]))]
    t0 = clock()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    end, got = box[0]
    assert got == ARGS["n"]
    emit({"items_per_s": got / (end - t0),
          "put_blocks_per_1k": 1000.0 * q.not_full.waits / got,
          "get_blocks_per_1k": 1000.0 * q.not_empty.waits / got})
'''


def run(py, version, quick, reps, log=print):
    configs = [{"maxsize": m, "n": 40000 if quick else 200000} for m in (0, 10)]
    rows = common.measure_configs(py, CODE, configs, reps, 120, log)
    for r in rows:
        r["version"] = version
    return rows


def table(rows):
    lines = [[r["version"], r.get("maxsize") or "unbounded", common.cell(r, "items_per_s", True),
              common.cell(r, "put_blocks_per_1k"), common.cell(r, "get_blocks_per_1k")]
             for r in rows]
    return common.table(["version", "maxsize", "items/s [p10..p90]", "put blocks/1k",
                         "get blocks/1k"], lines)


if __name__ == "__main__":
    common.standalone(__import__(__name__))
