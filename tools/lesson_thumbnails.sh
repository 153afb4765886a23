#!/bin/sh
# Renders the README's lesson thumbnails with gilsim render; each shows the
# stretch of time its scenario names under "view". Run from the top of the
# checkout after `make`; writes assets/readme/lessons/NAME.png.
set -e
G=${GILSIM:-./build/gilsim}
out=assets/readme/lessons
mkdir -p "$out"
for f in scenarios/*.json; do
    name=$(basename "$f" .json)
    [ "$name" = schema ] && continue
    [ "$name" = convoy ] && continue
    "$G" render "$name" -o "$out/$name.png" --size 960x540 >/dev/null 2>&1 ||
        "$G" render "$name" -o "$out/$name.png" --size 960x540 >/dev/null
done
