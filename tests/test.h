/*
 * test.h - a header-only test harness shared by the unit tests.
 *
 * CHECK(cond, fmt, ...) counts a pass or a failure; a failure prints
 * "file:line: FAILED: cond: <message>" to stderr and the test goes on.
 * test_report() prints "N passed, N failed" on its own line and returns the
 * exit status, so main() ends with `return test_report();`.
 *
 * Include it from exactly one file per test executable.
 */
#ifndef GILSIM_TEST_H
#define GILSIM_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed_;
static int test_failed_;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (cond) {                                                              \
            test_passed_++;                                                      \
        } else {                                                                 \
            test_failed_++;                                                      \
            fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

/* Two strings are equal (NULL equals only NULL); shows both on failure. */
#define CHECK_STREQ(got, want)                                                   \
    do {                                                                         \
        const char *got_ = (got), *want_ = (want);                               \
        CHECK(got_ == want_ || (got_ && want_ && strcmp(got_, want_) == 0),      \
              "\n    got:  %s\n    want: %s", got_ ? got_ : "(null)",            \
              want_ ? want_ : "(null)");                                         \
    } while (0)

/* Two integers are equal; shows both on failure. */
#define CHECK_EQ(got, want)                                                      \
    do {                                                                         \
        long long got_ = (long long)(got), want_ = (long long)(want);            \
        CHECK(got_ == want_, "got %lld, want %lld", got_, want_);                \
    } while (0)

static inline int test_report(void)
{
    fflush(stderr);
    printf("%d passed, %d failed\n", test_passed_, test_failed_);
    fflush(stdout);
    return test_failed_ ? 1 : 0;
}

#endif /* GILSIM_TEST_H */
