/*
 * pyemit.h - a scenario as a Python program that does what it describes on
 * a real interpreter and records what happened (`gilsim measure`).
 *
 * The program is self-contained: gilsim's measuring runtime
 * (analysis/py/runtime.py, embedded at build time) comes first, then one
 * function per process with one nested function per thread, written as a
 * teacher would write the lesson by hand: `for _ in range(500):`, `with
 * lock:`, `q.get()`, `io(0.001)`, `cpu(20e-6)`. Every operation of the
 * scenario becomes one call of the runtime (cpu, c_call, nogil, io, sleep,
 * increment, start, join, fork, thread_pool, process_pool) or one method of
 * a runtime object (Lock, RLock, Semaphore, BoundedSemaphore, Event,
 * Condition, Barrier, Queue, Pipe, MpQueue), which does the real thing and
 * records its begin and end.
 *
 * Names in the scenario become Python identifiers (letters, digits and
 * '_', never a keyword or a name of the runtime, unique in the program);
 * the names the program records are the scenario's own.
 */
#ifndef GILSIM_PYEMIT_H
#define GILSIM_PYEMIT_H

#include <stdbool.h>

#include "sim.h"
#include "strbuf.h"

#define PYEMIT_MAX_NOTES 8

/* What the emitted program cannot reproduce, one line each ("pipe
 * \"transfer\" times are not reproduced: ..."). */
typedef struct PyEmitNotes {
    char line[PYEMIT_MAX_NOTES][200];
    int n;
    /* The oldest Python the program runs on (100 * major + minor; the
     * runtime itself needs 2.7) and the feature that asks for it. */
    int min_version;
    char min_feature[64];
} PyEmitNotes;

/*
 * Writes the program for scenario sc (loaded by the sim library, so valid)
 * into out: the runtime, then the scenario as sc's loader read it (the
 * file with --set values and a profile applied), with the parameters in
 * effect. command is the gilsim command line the header quotes (may be
 * NULL). Returns 0, or a negative SIM_ERR_* with err filled (out of
 * memory, or a scenario text that is not the JSON it was).
 */
int pyemit_program(const SimScenario *sc, const char *command, StrBuf *out, PyEmitNotes *notes,
                   SimError *err);

/* The embedded runtime (analysis/py/runtime.py) and calibration script
 * (analysis/py/calibrate.py). */
extern const char pyemit_runtime[];
extern const char pyemit_calibrate[];

#endif /* GILSIM_PYEMIT_H */
