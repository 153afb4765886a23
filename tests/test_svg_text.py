"""SVG text sits where the PNG's does, in other renderers too.

The same timeline is rendered as PNG (gilsim's own SDL renderer) and as
SVG, and the SVG is rasterised with rsvg-convert (and headless Chromium
when it is installed). For every left-aligned text of the SVG, the ink
box found near it in each raster (top, bottom, left) must agree with the
PNG's within a pixel or two: a baseline left to dominant-baseline, which
rsvg ignores, puts text about a third of an em too high; spaces that
collapse shift what follows a separator. The document must also carry
<title> and <desc> (the caption), and a header's pieces in one <text>.

Skipped (77) without rsvg-convert.
"""
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

from gilsim_test import _tmp, check, gilsim, report

TMP = _tmp.name
W, H = 1280, 720
NS = '{http://www.w3.org/2000/svg}'
TOL = 2


def read_png(path):
    """Pixels of an 8-bit RGB or RGBA, non-interlaced PNG: rows of (r, g, b)."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    pos, idat, hdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (path, hdr)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp == 4:  # over a white page, as a viewer shows it
            px = []
            for x in range(w):
                r, g, b_, al = line[4 * x:4 * x + 4]
                px.append(tuple((v * al + 255 * (255 - al)) // 255 for v in (r, g, b_)))
        else:
            px = [tuple(line[3 * x:3 * x + 3]) for x in range(w)]
        rows.append(px)
    return rows


def ink_box(img, x0, y0, x1, y1):
    """The box of the pixels in the region that differ clearly from its most
    common colour (the background the text is drawn on); None if none."""
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(len(img[0]), x1), min(len(img), y1)
    counts = {}
    for y in range(y0, y1):
        for x in range(x0, x1):
            counts[img[y][x]] = counts.get(img[y][x], 0) + 1
    if not counts:
        return None
    bg = max(counts, key=counts.get)
    box = None
    for y in range(y0, y1):
        for x in range(x0, x1):
            p = img[y][x]
            if abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) > 150:
                box = [x, y, x, y] if box is None else [min(box[0], x), min(box[1], y), max(box[2], x),
                                                        max(box[3], y)]
    return box


def pieces(root):
    """(x, baseline, size, text) of every left-aligned piece of text."""
    out = []
    for t in root.iter(NS + 'text'):
        if t.get('text-anchor', 'start') != 'start':
            continue
        y, size = int(t.get('y')), int(t.get('font-size'))
        spans = list(t.iter(NS + 'tspan'))
        if not spans:
            out.append((int(t.get('x')), y, size, t.text or ''))
        for s in spans:
            out.append((int(s.get('x')), y, size, s.text or ''))
    return out


def compare(label, ref, img, items):
    bad, n = [], 0
    for x, base, size, text in items:
        if sum(ch.isalnum() for ch in text) < 3 or text != text.strip():
            continue
        # From the cap height above the baseline to the descent below it, as
        # wide as the text can be; a little room left and right.
        region = (x - 3, base - size, x + int(len(text) * size * 0.62) + 3, base + size * 3 // 10)
        a, b = ink_box(ref, *region), ink_box(img, *region)
        if a is None or b is None:
            continue
        n += 1
        if abs(a[0] - b[0]) > TOL or abs(a[1] - b[1]) > TOL or abs(a[3] - b[3]) > TOL:
            bad.append('%r at %d,%d: png %s vs %s' % (text, x, base, a, b))
    check(n >= 10 and not bad, '%s: %d text boxes where the PNG has them (within %d px)' % (label, n, TOL),
          '; '.join(bad[:4]) or 'only %d compared' % n)


def main():
    rsvg = shutil.which('rsvg-convert')
    if not rsvg:
        print('rsvg-convert not found (Debian: librsvg2-bin): skipped')
        sys.exit(77)
    png, svg = os.path.join(TMP, 't.png'), os.path.join(TMP, 't.svg')
    for out in (png, svg):
        rc, _, err = gilsim('render', 'convoy', '-o', out, '--size', '%dx%d' % (W, H))
        if not check(rc == 0, 'render %s' % os.path.basename(out), err):
            report()
    root = ET.parse(svg).getroot()
    title, desc = root.find(NS + 'title'), root.find(NS + 'desc')
    check(title is not None and title.text == 'Convoy effect', '<title> names the scenario')
    check(desc is not None and 'scenario \u201cConvoy effect\u201d' in desc.text and 'seed 1' in desc.text,
          '<desc> carries the caption', desc.text if desc is not None else '')
    texts = list(root.iter(NS + 'text'))
    check(texts and not any(t.get('dominant-baseline') for t in texts),
          'no text relies on dominant-baseline')
    header = [t for t in texts if len(list(t.iter(NS + 'tspan'))) >= 5]
    check(header and any(s.text == '  \u00b7  ' for s in header[0].iter(NS + 'tspan'))
          and header[0].get('{http://www.w3.org/XML/1998/namespace}space') == 'preserve',
          'the header\'s segments and separators are one <text>, spaces preserved')

    ref = read_png(png)
    items = pieces(root)
    raster = os.path.join(TMP, 'rsvg.png')
    rc = subprocess.run([rsvg, '-w', str(W), '-h', str(H), '-o', raster, svg], capture_output=True).returncode
    if check(rc == 0, 'rsvg-convert rasterises the SVG'):
        compare('rsvg-convert', ref, read_png(raster), items)

    chrome = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if chrome:
        shot = os.path.join(TMP, 'chrome.png')
        try:
            subprocess.run([chrome, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                            '--force-device-scale-factor=1', '--window-size=%d,%d' % (W, H),
                            '--screenshot=' + shot, 'file://' + svg],
                           capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            pass
        if os.path.exists(shot):
            compare('headless Chromium', ref, read_png(shot), items)
        else:
            print('headless Chromium did not start here: its comparison is left out')
    report()


if __name__ == '__main__':
    main()
