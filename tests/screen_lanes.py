#!/usr/bin/env python3
"""How much of a viewer screenshot the timeline lanes take, read from the
pixels alone.

A row belongs to the timeline when at least half of the window's width
there is either a lane's background (the light theme's two lane greys and
the process header band, with or without a grid line over them) or a
saturated colour (span fills: Python green, wait-GIL orange, I/O blue, the
holders' colours on GIL and core lanes). Panels are white, so they never
count. Such rows form bands; a band counts when it is at least 40 px tall,
gaps of up to 6 px (lane padding) inside it allowed, so the scrub bar (a
thin grey track) is left out. Two runs in compare mode make two bands.

usage: screen_lanes.py SHOT.png X Y W H   (the window's geometry on the screen)
prints: "lanes L of H (bands B)" in pixels.
"""
import subprocess
import sys

LANE_GREYS = [(246, 247, 249), (238, 240, 243), (226, 230, 236)]


def lane_pixel(r, g, b):
    if max(r, g, b) - min(r, g, b) > 60:
        return True
    for (lr, lg, lb) in LANE_GREYS:
        # A grid line darkens a lane by at most 20/255 of its grey.
        if lr - 24 <= r <= lr + 2 and lg - 24 <= g <= lg + 2 and lb - 24 <= b <= lb + 2 and \
                abs((lr - r) - (lb - b)) <= 3:
            return True
    return False


def rows_of(png, x, y, w, h):
    raw = subprocess.run(['convert', png, '-crop', '%dx%d+%d+%d' % (w, h, x, y), '+repage',
                          '-depth', '8', 'rgb:-'], capture_output=True, check=True).stdout
    assert len(raw) == w * h * 3, 'unexpected raw size %d for %dx%d' % (len(raw), w, h)
    rows = []
    for j in range(h):
        line = raw[j * w * 3:(j + 1) * w * 3]
        on = 0
        for i in range(0, w * 3, 3):
            if lane_pixel(line[i], line[i + 1], line[i + 2]):
                on += 1
        rows.append(on * 2 >= w)
    return rows


def bands(rows, min_h=40, max_gap=6):
    out = []
    start = last = None
    for j, on in enumerate(rows):
        if not on:
            continue
        if start is not None and j - last - 1 <= max_gap:
            last = j
            continue
        if start is not None:
            out.append((start, last))
        start = last = j
    if start is not None:
        out.append((start, last))
    return [(a, b) for (a, b) in out if b - a + 1 >= min_h]


def measure(png, x, y, w, h):
    found = bands(rows_of(png, x, y, w, h))
    return sum(b - a + 1 for (a, b) in found), len(found)


if __name__ == '__main__':
    png = sys.argv[1]
    x, y, w, h = (int(v) for v in sys.argv[2:6])
    lanes, n = measure(png, x, y, w, h)
    print('lanes %d of %d (bands %d)' % (lanes, h, n))
