#!/bin/sh
# Records every user-visible output of every bundled scenario into a folder,
# so that a change meant to keep behaviour can be proven by `diff -r`:
#
#   tools/snapshot_outputs.sh build/gilsim /tmp/before
#   ... change ...
#   tools/snapshot_outputs.sh build/gilsim /tmp/after && diff -r /tmp/before /tmp/after
#
# Per scenario: the text, JSON and CSV reports, --explain-config, the CSV
# and Chrome traces, and the SVG and PNG timelines; plus one sweep's CSV.
# Exit codes are recorded too (deadlock lessons exit 3 by design).
set -u
GILSIM=${1:?usage: snapshot_outputs.sh GILSIM OUTDIR}
OUT=${2:?usage: snapshot_outputs.sh GILSIM OUTDIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
for f in "$ROOT"/scenarios/*.json; do
  name=$(basename "$f" .json)
  [ "$name" = schema ] && continue
  d="$OUT/$name"; mkdir -p "$d"
  { "$GILSIM" run "$f" > "$d/run.txt" 2>&1; echo "exit $?"; } > "$d/exit.txt"
  "$GILSIM" run "$f" --json > "$d/run.json" 2>&1
  "$GILSIM" run "$f" --csv > "$d/run.csv" 2>&1
  "$GILSIM" run "$f" --explain-config > "$d/config.txt" 2>&1
  "$GILSIM" trace "$f" --format csv -o "$d/trace.csv" > /dev/null 2>&1
  "$GILSIM" trace "$f" --format chrome -o "$d/trace.json" > /dev/null 2>&1
  "$GILSIM" render "$f" -o "$d/timeline.svg" > /dev/null 2>&1
  "$GILSIM" render "$f" --size 800x450 -o "$d/timeline.png" > /dev/null 2>&1
done
"$GILSIM" sweep "$ROOT/scenarios/convoy.json" --set python.switch_interval=1ms..20ms:log:4 \
  --runs 2 -o "$OUT/sweep.csv" --plot "$OUT/sweep.svg" > /dev/null 2>&1
echo "$OUT: $(find "$OUT" -type f | wc -l) files"
