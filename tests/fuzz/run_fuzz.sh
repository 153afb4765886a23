#!/bin/sh
# Runs the libFuzzer harness (make fuzz-build) for a while and sums up.
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS JOBS
#
# The corpus lives in BUILD_DIR/corpus, seeded from the bundled scenarios,
# the golden fixtures, tests/fuzz/seeds and every reproducer in
# tests/fuzz/regressions (which are also run once each, first). Findings
# (crash-*, leak-*, timeout-*, oom-*) land in BUILD_DIR/artifacts and fail
# the run; each becomes a file in tests/fuzz/regressions once fixed.
# Prints the executions, the coverage and the time, and exits 1 on a
# finding.
set -u
BUILD=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS JOBS}
SECONDS_TOTAL=${2:-60}
JOBS=${3:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZER=$BUILD/fuzz_scenario
[ -x "$FUZZER" ] || { echo "run_fuzz.sh: $FUZZER is missing; run make fuzz-build"; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
FUZZER=$BUILD/fuzz_scenario
mkdir -p "$BUILD/corpus" "$BUILD/artifacts" "$BUILD/logs"
rm -f "$BUILD"/logs/*.log
for f in "$ROOT"/scenarios/*.json "$ROOT"/tests/golden/*.json "$ROOT"/tests/fuzz/seeds/* \
         "$ROOT"/tests/fuzz/regressions/*; do
  [ -f "$f" ] && [ "$(basename "$f")" != schema.json ] && cp "$f" "$BUILD/corpus/seed-$(basename "$f")"
done

OPTS="-dict=$ROOT/tests/fuzz/scenario.dict -max_len=65536 -timeout=30 -rss_limit_mb=2560 \
      -artifact_prefix=$BUILD/artifacts/ -print_final_stats=1"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Every reproducer once, alone: each must now pass.
if ls "$ROOT"/tests/fuzz/regressions/* >/dev/null 2>&1; then
  "$FUZZER" $OPTS "$ROOT"/tests/fuzz/regressions/* > "$BUILD/logs/regressions.log" 2>&1 ||
    { tail -40 "$BUILD/logs/regressions.log"; echo "run_fuzz.sh: a reproducer fails again"; exit 1; }
fi

start=$(date +%s)
cd "$BUILD/logs"
if [ "$JOBS" -gt 1 ]; then
  "$FUZZER" $OPTS -max_total_time="$SECONDS_TOTAL" -jobs="$JOBS" -workers="$JOBS" "$BUILD/corpus" \
    > "$BUILD/logs/main.log" 2>&1
else
  "$FUZZER" $OPTS -max_total_time="$SECONDS_TOTAL" "$BUILD/corpus" > "$BUILD/logs/fuzz-0.log" 2>&1
fi
rc=$?
end=$(date +%s)

execs=$(cat "$BUILD"/logs/fuzz-*.log | sed -n 's/^stat::number_of_executed_units: *//p' |
        awk '{s += $1} END {print s + 0}')
cov=$(cat "$BUILD"/logs/fuzz-*.log | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' |
      sort -n | tail -1)
corpus=$(ls "$BUILD/corpus" | wc -l)
findings=$(ls "$BUILD/artifacts" 2>/dev/null | wc -l)
echo "fuzz: $JOBS job(s), $((end - start)) s, $execs executions, coverage ${cov:-? ?} (cov ft), corpus $corpus inputs, $findings finding(s)"
if [ "$findings" -gt 0 ] || [ "$rc" -ne 0 ]; then
  ls "$BUILD/artifacts"
  grep -h -A30 "ERROR\|==ERROR\|runtime error\|deadly signal" "$BUILD"/logs/*.log | head -60
  exit 1
fi
exit 0
