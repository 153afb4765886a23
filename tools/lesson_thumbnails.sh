#!/bin/sh
# Renders the README's lesson thumbnails with gilsim render, each over the
# stretch of time that shows its point. Run from the top of the checkout
# after `make`; writes assets/readme/lessons/NAME.png.
set -e
G=${GILSIM:-./build/gilsim}
out=assets/readme/lessons
mkdir -p "$out"
thumb() { # NAME RANGE
    "$G" render "$1" -o "$out/$1.png" --size 960x540 --range "$2" >/dev/null
}
thumb cpu_sequential     0ms..2.1s
thumb cpu_4_threads      0ms..60ms
thumb cpu_4_processes    0ms..520ms
thumb io_8_threads       0ms..60ms
thumb convoy             0ms..40ms
thumb convoy_2cpu        0ms..60ms
thumb convoy_4cpu        0ms..80ms
thumb convoy_1ms         0ms..20ms
thumb convoy_20ms        0ms..100ms
thumb c_call_regex       0ms..120ms
thumb nogil_hashlib      0ms..250ms
thumb start_methods      0ms..135ms
thumb daemon_threads     0ms..32ms
thumb gui_latency        0ms..100ms
thumb old_gil_battle     0ms..2ms
thumb free_threaded_scaling 0ms..560ms
thumb per_interpreter    0ms..20ms
thumb counter_lock       0ms..6ms
thumb counter_race_39    0ms..2ms
thumb counter_race_311   0ms..2ms
thumb counter_race_call  0ms..2ms
thumb rlock_reentry      0ms..8ms
thumb semaphore_pool     0ms..70ms
thumb event_signal       0ms..25ms
thumb condition_producer_consumer 0ms..25ms
thumb barrier            0ms..45ms
thumb queue_pipeline     0ms..40ms
thumb thread_pool        0ms..30ms
thumb process_pool       0ms..70ms
thumb fork_pipe          0ms..20ms
thumb fork_lock_deadlock 0ms..6ms
