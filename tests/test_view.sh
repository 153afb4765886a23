#!/bin/sh
# test_view.sh - the viewer on a virtual X server, driven like a user: real
# key presses, mouse moves and clicks (xdotool), screenshots of the screen
# (ImageMagick's import) checked for content and for change after a zoom,
# a live switch-interval change, help, selection and playback; the P
# screenshot; a clean exit on Ctrl+Q (Esc never quits); the lesson panel
# (Q), quiz
# mode (--quiz, Enter reveals) and compare mode; at 1024x768, projector mode
# alone and comparing, with the lanes measured to fill half of the window,
# and the figures panel following a live change; the one-line no-display
# message and the --headless PNG that `make run` uses.
#
# Skips (exit 77) with a message when Xvfb, xdotool or ImageMagick is
# missing. KEEP_SHOTS=DIR copies the screenshots there to be looked at.
# Prints "N passed, N failed" like the other tests.
set -u

GILSIM=${GILSIM:-build/cli/gilsim}
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check() { if eval "$1"; then pass; else fail "$2"; fi; }

for tool in Xvfb xdotool import identify compare; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skipped: '$tool' is not installed (apt-get install xvfb xdotool imagemagick)"
        exit 77
    fi
done

work=$(mktemp -d /tmp/gilsim-view-XXXXXX)
xvfb_pid=""
view_pid=""
cleanup() {
    [ -n "$view_pid" ] && kill "$view_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    if [ -n "${KEEP_SHOTS:-}" ]; then
        mkdir -p "$KEEP_SHOTS" && cp "$work"/*.png "$KEEP_SHOTS"/ 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free display number: no socket and no lock file.
n=91
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do
    n=$((n + 1))
done
Xvfb ":$n" -screen 0 1400x900x24 -nolisten tcp -noreset >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
DISPLAY=":$n"
export DISPLAY
i=0
until xdotool getdisplaygeometry >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
        echo "skipped: Xvfb did not start: $(cat "$work/xvfb.log")"
        exit 77
    fi
    sleep 0.1
done

shot() { import -window root "$work/$1.png" 2>/dev/null; }
colours() { identify -format '%k' "$work/$1.png" 2>/dev/null || echo 0; }
spread() { identify -format '%[fx:int(1000*standard_deviation)]' "$work/$1.png" 2>/dev/null || echo 0; }
# Pixels that differ between two screenshots (any channel by more than 2%).
differ() { compare -metric AE -fuzz 2% "$work/$1.png" "$work/$2.png" null: 2>&1 | sed 's/[^0-9].*//'; }
key() { xdotool key --delay 60 "$@"; sleep 0.4; }
# Screenshot NAME once it differs from PREV by more than MIN pixels, or
# after 8 s: a loaded machine (or a sanitizer build) can take longer than
# a key's pause to draw the next frame. The check that follows decides.
shot_until() {
    j=0
    while [ $j -lt 32 ]; do
        shot "$1"
        [ "$(differ "$2" "$1")" -gt "$3" ] 2>/dev/null && return 0
        sleep 0.25
        j=$((j + 1))
    done
    echo "note: $1 still within $3 pixels of $2 after 8 s"
}

# Under AddressSanitizer the X11 and D-Bus client libraries SDL loads at run
# time keep a few small allocations past exit that LeakSanitizer cannot
# attribute (their module is unloaded by then). Leak checking stays on for
# gilsim's own code in the layout and render tests; memory errors are still
# fatal here.
viewer_asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

start_viewer() {
    (cd "$work" && ASAN_OPTIONS="$viewer_asan" exec "$GILSIM" view --size 1280x800 "$@" \
        >"$work/view.log" 2>&1) &
    view_pid=$!
    wid=$(timeout 180 xdotool search --sync --onlyvisible --name '^gilsim' 2>/dev/null | head -n 1)
    if [ -z "$wid" ]; then
        fail "the viewer window did not appear: $(cat "$work/view.log")"
        return 1
    fi
    xdotool windowmove --sync "$wid" 0 0 2>/dev/null
    xdotool windowfocus --sync "$wid" 2>/dev/null
    settle
    return 0
}

# Waits (up to 10 s: sanitizer builds are slow) until the screen shows more
# than a blank window, then a moment more for it to settle.
settle() {
    i=0
    while [ $i -lt 50 ]; do
        import -window root "$work/settle.png" 2>/dev/null
        [ "$(identify -format '%k' "$work/settle.png" 2>/dev/null || echo 0)" -gt 20 ] && break
        sleep 0.2
        i=$((i + 1))
    done
    sleep 0.6
}

# Waits up to 10 s for the viewer to exit; sets $status to its exit status
# (not in a subshell: only the parent shell can wait for it).
wait_exit() {
    i=0
    while kill -0 "$view_pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$view_pid" 2>/dev/null; then
        status=timeout
        return
    fi
    wait "$view_pid"
    status=$?
    view_pid=""
}

if start_viewer; then
    shot s0_start
    check '[ "$(colours s0_start)" -gt 200 ]' "first frame has content ($(colours s0_start) colours)"
    check '[ "$(spread s0_start)" -gt 50 ]' "first frame is not flat"

    # Hover over the io lane: a tooltip.
    xdotool mousemove --sync 640 250
    sleep 0.5
    shot s1_hover

    # W zooms around the mouse; so does Ctrl+wheel, as in Perfetto, where
    # Shift+wheel pans and the wheel alone scrolls the lanes.
    key w w w w
    shot_until s2_zoom s1_hover 20000
    check '[ "$(differ s1_hover s2_zoom)" -gt 20000 ]' "zooming changes the picture"
    xdotool keydown ctrl sleep 0.1 click 4 click 4 sleep 0.1 keyup ctrl
    shot_until s2b_ctrl_wheel s2_zoom 20000
    check '[ "$(differ s2_zoom s2b_ctrl_wheel)" -gt 20000 ]' "Ctrl+wheel zooms"
    xdotool keydown shift sleep 0.1 click 5 click 5 sleep 0.1 keyup shift
    shot_until s2c_shift_wheel s2b_ctrl_wheel 20000
    check '[ "$(differ s2b_ctrl_wheel s2c_shift_wheel)" -gt 20000 ]' "Shift+wheel pans"
    xdotool click 5
    sleep 1
    shot s2d_wheel
    check '[ "$(differ s2c_shift_wheel s2d_wheel)" -lt 20000 ]' \
        "the wheel alone does not zoom (it scrolls the lanes; the convoy's fit the window)"
    # WASD go by position: with a French (AZERTY) layout the key where A
    # is on QWERTY types 'q' but still pans left, and D pans back, instead
    # of opening the lesson panel.
    if command -v setxkbmap >/dev/null 2>&1 && setxkbmap -layout fr 2>/dev/null; then
        shot s2e_before
        xdotool key --delay 60 38 40
        sleep 1
        shot s2f_azerty
        check '[ "$(differ s2e_before s2f_azerty)" -lt 3000 ]' \
            "on AZERTY the physical A and D keys pan there and back (no lesson panel)"
        xdotool key --delay 60 38
        shot_until s2g_azerty_a s2f_azerty 20000
        check '[ "$(differ s2f_azerty s2g_azerty_a)" -gt 20000 ]' "on AZERTY the physical A key pans"
        setxkbmap -layout us 2>/dev/null
    fi
    key s s
    shot s2b_zoom

    # I halves the switch interval and re-simulates; after the message has
    # faded the lanes themselves differ. Shift+I brings the run back.
    key i
    shot s3_interval_toast
    sleep 4
    shot_until s4_interval s2b_zoom 5000
    check '[ "$(differ s2b_zoom s4_interval)" -gt 5000 ]' "a live interval change alters the lanes"
    key shift+i
    sleep 4
    shot s5_back
    check '[ "$(differ s2b_zoom s5_back)" -lt 3000 ]' \
        "doubling back gives the same picture ($(differ s2b_zoom s5_back) pixels differ)"

    # C halves the cores.
    key c
    sleep 4
    shot_until s5b_cores s5_back 3000
    check '[ "$(differ s5_back s5b_cores)" -gt 3000 ]' "a live core change alters the picture"
    key shift+c
    sleep 4

    # Help sheet, then Esc closes it.
    key question
    shot_until s6_help s5_back 100000
    check '[ "$(differ s5_back s6_help)" -gt 100000 ]' "? shows the help sheet"
    key Escape
    shot s6b_nohelp
    check '[ "$(differ s5_back s6b_nohelp)" -lt 3000 ]' "Esc closes the help sheet"

    # Click selects a span; stepping and playing move the cursor.
    xdotool mousemove --sync 640 250 click 1
    sleep 0.4
    key Right Right Right
    shot_until s7_step s6b_nohelp 500
    check '[ "$(differ s6b_nohelp s7_step)" -gt 500 ]' "selection and stepping show"
    key space
    sleep 1.5
    key space
    shot_until s8_played s7_step 500
    check '[ "$(differ s7_step s8_played)" -gt 500 ]' "playback moves the cursor"

    # Projector mode and dark theme, and back.
    key l
    shot_until s9_projector s8_played 50000
    check '[ "$(differ s8_played s9_projector)" -gt 50000 ]' "L enlarges the text"
    key l t
    shot_until s10_dark s8_played 300000
    check '[ "$(differ s8_played s10_dark)" -gt 300000 ]' "T switches to the dark theme"
    key t

    # A resize re-lays out the frame to the new size.
    xdotool windowsize --sync "$wid" 1000 640 2>/dev/null
    sleep 1
    shot_until s10b_resized s8_played 100000
    check '[ "$(differ s8_played s10b_resized)" -gt 100000 ]' "resizing redraws at the new size"
    check '[ "$(colours s10b_resized)" -gt 200 ]' "the resized frame has content"
    xdotool windowsize --sync "$wid" 1280 800 2>/dev/null
    sleep 1

    # P saves the current view as PNG through the export code.
    key p
    sleep 1
    check '[ -f "$work/gilsim-view-001.png" ]' "P saved gilsim-view-001.png"
    if [ -f "$work/gilsim-view-001.png" ]; then
        size=$(identify -format '%wx%h' "$work/gilsim-view-001.png")
        check '[ "$size" = "1280x800" ]' "the saved view is the window's size ($size)"
    fi

    # Ctrl+Q quits cleanly (Q alone toggles the lesson panel).
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "Ctrl+Q exits with status 0 (got $status)"
fi

# Esc clears and never quits: with nothing selected it only says how to
# quit (Ctrl+Q).
if start_viewer --theme dark; then
    shot s11_dark_start
    check '[ "$(colours s11_dark_start)" -gt 100 ]' "dark start has content"
    key Escape
    sleep 0.5
    check 'kill -0 "$view_pid" 2>/dev/null' "Esc with nothing selected does not quit"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "then Ctrl+Q exits with status 0 (got $status)"
fi

# A bundled scenario by name opens with its lesson panel; Q hides it and
# brings it back.
if start_viewer semaphore_pool; then
    shot s12_lesson
    key q
    shot_until s12b_nolesson s12_lesson 20000
    check '[ "$(differ s12_lesson s12b_nolesson)" -gt 20000 ]' \
        "Q hides the lesson panel ($(differ s12_lesson s12b_nolesson) pixels differ)"
    key q
    shot s12c_lesson
    check '[ "$(differ s12_lesson s12c_lesson)" -lt 3000 ]' "Q shows the lesson panel again"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "lesson viewer exits with status 0 (got $status)"
fi

# Quiz: the run after the cursor and the statistics stay hidden; playing
# uncovers the run up to the cursor; Enter reveals everything.
if start_viewer counter_lock --quiz; then
    shot s13_quiz
    check '[ "$(colours s13_quiz)" -gt 50 ]' "quiz start has content"
    key space
    sleep 2
    key space
    shot_until s13b_played s13_quiz 2000
    check '[ "$(differ s13_quiz s13b_played)" -gt 2000 ]' \
        "playing uncovers the run up to the cursor ($(differ s13_quiz s13b_played) pixels differ)"
    key Return
    shot_until s13c_revealed s13b_played 30000
    check '[ "$(differ s13b_played s13c_revealed)" -gt 30000 ]' \
        "Enter reveals the rest ($(differ s13b_played s13c_revealed) pixels differ)"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "quiz viewer exits with status 0 (got $status)"
fi

# Compare: two runs on one time axis open and close cleanly.
if start_viewer convoy --compare python.switch_interval=1ms; then
    shot s14_compare
    check '[ "$(colours s14_compare)" -gt 200 ]' "compare view has content"
    key w w
    shot_until s14b_zoom s14_compare 20000
    check '[ "$(differ s14_compare s14b_zoom)" -gt 20000 ]' "zoom moves both runs"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "compare viewer exits with status 0 (got $status)"
fi

# A sweep's chart: Right picks the first point, Enter opens its timeline in
# a second window, closing it returns to the chart, Esc closes the chart.
if "$GILSIM" sweep convoy --set python.switch_interval=1ms..20ms:log:3 --runs 1 --until 400ms \
    -o "$work/sweep.csv" --quiet >/dev/null 2>&1 && start_viewer --sweep "$work/sweep.csv"; then
    shot s15_sweep
    check '[ "$(colours s15_sweep)" -gt 50 ]' "sweep chart has content"
    key Right Right
    shot_until s15b_point s15_sweep 200
    check '[ "$(differ s15_sweep s15b_point)" -gt 200 ]' "arrow keys mark a point"
    key Return
    sleep 2
    point=$(xdotool search --onlyvisible --name 'ms$' 2>/dev/null | head -n 1)
    check '[ -n "$point" ]' "Enter opens the point's timeline window"
    shot_until s15c_timeline s15b_point 100000
    check '[ "$(differ s15b_point s15c_timeline)" -gt 100000 ]' "the timeline shows"
    key ctrl+q
    sleep 1
    shot s15d_back
    check '[ "$(differ s15b_point s15d_back)" -lt 5000 ]' \
        "closing the timeline returns to the chart ($(differ s15b_point s15d_back) pixels differ)"
    key Escape
    wait_exit
    check '[ "$status" = 0 ]' "sweep viewer exits with status 0 (got $status)"
fi

# A 1024x768 screen, as in many classrooms: the viewer's own window size
# (85% of the screen). Projector mode (L), alone and comparing two runs,
# keeps the timeline's lanes on at least half of the window, measured on
# the screenshot's pixels (screen_lanes.py). The figures panel follows a
# live change of the switch interval.
kill "$xvfb_pid" 2>/dev/null
wait "$xvfb_pid" 2>/dev/null
n=$((n + 1))
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do
    n=$((n + 1))
done
Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -noreset >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
DISPLAY=":$n"
i=0
until xdotool getdisplaygeometry >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 100 ] && break
    sleep 0.1
done
lanes_tool="${GILSIM_SOURCE_ROOT:-.}/tests/screen_lanes.py"

start_small() {
    (cd "$work" && ASAN_OPTIONS="$viewer_asan" exec "$GILSIM" view "$@" >"$work/view.log" 2>&1) &
    view_pid=$!
    wid=$(timeout 180 xdotool search --sync --onlyvisible --name '^gilsim' 2>/dev/null | head -n 1)
    if [ -z "$wid" ]; then
        fail "the viewer window did not appear at 1024x768: $(cat "$work/view.log")"
        return 1
    fi
    xdotool windowfocus --sync "$wid" 2>/dev/null
    settle
    eval "$(xdotool getwindowgeometry --shell "$wid")"
    return 0
}

# The share of the window's height the lanes take, in percent.
lanes_pct() {
    python3 "$lanes_tool" "$work/$1.png" "$X" "$Y" "$WIDTH" "$HEIGHT" |
        awk '{ printf "%d", 100 * $2 / $4 }'
}

if start_small convoy; then
    key l
    sleep 4 # the toast fades
    shot s16_projector_1024
    pct=$(lanes_pct s16_projector_1024)
    check '[ "${pct:-0}" -ge 50 ]' "1024x768, projector mode: the lanes fill ${pct}% of the window (50% or more)"
    key l q
    sleep 4
    shot s16b_figures
    key i
    sleep 4
    shot s16c_figures_after
    # The figures panel: right of the explain panel, under the timeline.
    fx=$((X + WIDTH * 64 / 100)) fw=$((WIDTH * 33 / 100)) fy=$((Y + HEIGHT * 62 / 100)) fh=$((HEIGHT * 28 / 100))
    fig_diff=$(compare -metric AE -fuzz 2% \
        "$work/s16b_figures.png[${fw}x${fh}+${fx}+${fy}]" "$work/s16c_figures_after.png[${fw}x${fh}+${fx}+${fy}]" \
        null: 2>&1 | sed 's/[^0-9].*//')
    check '[ "${fig_diff:-0}" -gt 200 ]' "I changes the figures panel (${fig_diff:-0} pixels differ)"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "1024x768 viewer exits with status 0 (got $status)"
fi

if start_small convoy --compare python.switch_interval=1ms; then
    key l
    sleep 4
    shot s17_compare_projector_1024
    pct=$(lanes_pct s17_compare_projector_1024)
    check '[ "${pct:-0}" -ge 50 ]' "1024x768, compare in projector mode: the lanes fill ${pct}% of the window (50% or more)"
    key l
    sleep 4
    shot s17b_compare_1024
    pct=$(lanes_pct s17b_compare_1024)
    check '[ "${pct:-0}" -ge 50 ]' "1024x768, compare: the lanes fill ${pct}% of the window (50% or more)"
    key ctrl+q
    wait_exit
    check '[ "$status" = 0 ]' "1024x768 compare viewer exits with status 0 (got $status)"
fi

# No display: one line and status 1; --headless renders instead.
out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 60 "$GILSIM" view 2>&1 >/dev/null)
status=$?
check '[ "$status" = 1 ]' "no display: status 1 (got $status)"
check '[ "$(printf "%s\n" "$out" | wc -l)" = 1 ]' "no display: one line ($out)"
case $out in
*"no display available"*"gilsim render"*) pass ;;
*) fail "no display: message names the problem and gilsim render ($out)" ;;
esac
env -u DISPLAY -u WAYLAND_DISPLAY timeout 60 "$GILSIM" view --headless "$work/headless.png" \
    >"$work/headless.txt" 2>&1
status=$?
check '[ "$status" = 0 ]' "--headless: status 0 (got $status: $(cat "$work/headless.txt"))"
check '[ -f "$work/headless.png" ]' "--headless wrote the PNG"
if [ -f "$work/headless.png" ]; then
    size=$(identify -format '%wx%h' "$work/headless.png")
    check '[ "$size" = "1920x1080" ]' "--headless PNG is 1920x1080 ($size)"
fi
check 'grep -q "headless.png" "$work/headless.txt"' "--headless says where the picture is"

# --sweep refuses a missing or foreign CSV, and extra arguments, in one line
# with status 2 before any window opens.
printf 'a,b\n1,2\n' >"$work/foreign.csv"
for args in "--sweep $work/none.csv" "--sweep $work/foreign.csv" "convoy --sweep $work/foreign.csv"; do
    # shellcheck disable=SC2086
    out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 60 "$GILSIM" view $args 2>&1 >/dev/null)
    status=$?
    check '[ "$status" = 2 ]' "view $args: status 2 (got $status: $out)"
    check '[ "$(printf "%s\n" "$out" | wc -l)" = 1 ]' "view $args: one line ($out)"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
