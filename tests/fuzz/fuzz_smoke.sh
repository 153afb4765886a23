#!/bin/sh
# make test's short fuzzing run: builds the libFuzzer harness with clang
# into OUT (make's own rule) and fuzzes for SECONDS on one core, after
# running every reproducer once. Skipped (77) where clang has no libFuzzer:
# `make fuzz-deps` installs it.
#
#   tests/fuzz/fuzz_smoke.sh SOURCE_ROOT OUT [SECONDS]
set -u
ROOT=${1:?usage: fuzz_smoke.sh SOURCE_ROOT OUT [SECONDS]}
OUT=${2:?usage: fuzz_smoke.sh SOURCE_ROOT OUT [SECONDS]}
SECS=${3:-25}
probe=$(mktemp -d)
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe/p.c"
if ! command -v clang >/dev/null || ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  rm -rf "$probe"
  echo "no clang with libFuzzer here (make fuzz-deps installs it): skipped"
  exit 77
fi
rm -rf "$probe"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
make -s -C "$ROOT" "$OUT/fuzz_scenario" FUZZ_BUILD="$OUT" || exit 1
exec "$ROOT/tests/fuzz/run_fuzz.sh" "$OUT" "$SECS" 1
