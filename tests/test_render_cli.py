#!/usr/bin/env python3
"""The render command end to end: PNG and SVG files, their size and
content, the SVG parsed as XML, and every refusal (bad flags, huge sizes,
bad ranges) exiting 2 with one line and writing nothing.

Prints "N passed, N failed" like the C tests.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

GILSIM = os.environ.get("GILSIM", "build/cli/gilsim")
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAILED: " + msg, file=sys.stderr)


def run(*args):
    p = subprocess.run([GILSIM, "render", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def svg_pieces(root):
    """Each piece of text: a <text>'s own, or each <tspan>'s when a line of
    several pieces (a header, a table row) is one <text>."""
    ns = "{http://www.w3.org/2000/svg}"
    return [e.text for e in root.iter() if e.tag in (ns + "text", ns + "tspan") and e.text]


def main():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "convoy.png")
        rc, so, se = run("-o", out, "--size", "1280x720", "--range", "0ms..40ms")
        check(rc == 0, "render PNG: %d %s" % (rc, se))
        check(os.path.exists(out) and png_size(out) == (1280, 720), "PNG is 1280x720")
        check(os.path.getsize(out) > 20000 if os.path.exists(out) else False, "PNG has content")
        check("wrote " + out in se and so == "", "reports what it wrote, on standard error: " + se)

        rc, so, se = run("-o", out, "--size", "800x450", "--scale", "2", "--theme", "dark")
        check(rc == 0 and png_size(out) == (1600, 900), "scale 2 doubles the pixels")

        svg = os.path.join(d, "convoy.svg")
        rc, so, se = run("-o", svg, "--range", "..30ms", "--set", "python.switch_interval=2ms")
        check(rc == 0, "render SVG: %s" % se)
        try:
            root = ET.parse(svg).getroot()
            ns = "{http://www.w3.org/2000/svg}"
            check(root.tag == ns + "svg", "root is <svg>")
            check(root.get("width") == "1920" and root.get("height") == "1080", "SVG size")
            texts = svg_pieces(root)
            check(any(t == "Convoy effect" for t in texts), "title as text")
            check(any("switch interval 2 ms" in t for t in texts), "override shown: %s" % texts[:8])
            check(any("gilsim " in t and "seed" in t for t in texts), "caption")
            check(any(t == "Waiting for the GIL" for t in texts), "legend")
            check(len(list(root.iter(ns + "pattern"))) >= 2, "hatch patterns")
            check(len(list(root.iter(ns + "rect"))) > 50, "rects")
        except ET.ParseError as e:
            check(False, "SVG well-formed: %s" % e)

        # Compare: the same scenario with an override, and two scenarios.
        cmp_png = os.path.join(d, "compare.png")
        rc, so, se = run("convoy", "--compare", "python.switch_interval=1ms", "-o", cmp_png,
                         "--size", "1400x800", "--range", "0ms..40ms")
        check(rc == 0, "compare PNG: %d %s" % (rc, se))
        check(os.path.exists(cmp_png) and png_size(cmp_png) == (1400, 800), "compare PNG size")
        check("compared" in se and "(A)" in se and "(B)" in se, "compare says what: " + se)
        cmp_svg = os.path.join(d, "compare.svg")
        rc, so, se = run("convoy", "--compare", "python.switch_interval=1ms", "-o", cmp_svg,
                         "--range", "0ms..40ms")
        check(rc == 0, "compare SVG: %s" % se)
        try:
            ns = "{http://www.w3.org/2000/svg}"
            texts = svg_pieces(ET.parse(cmp_svg).getroot())
            check("A" in texts and "B" in texts, "run tags A and B")
            check(texts.count("Convoy effect") == 2, "both titles")
            check(any("switch interval 5 ms" in t for t in texts) and
                  any("switch interval 1 ms" in t for t in texts), "both intervals shown")
            check("run length" in texts and "GIL switches / s" in texts, "statistics table")
            check("io I/O p50" in texts and "io I/O ops / s" in texts and "hog CPU share" in texts and
                  "io waiting for the GIL" in texts, "per-thread statistics: rates and shares")
            check(not any(t.endswith(" running") for t in texts), "no running totals of runs of different lengths")
            # The makespans as the reports give them, and their relative change.
            ms = [json.loads(subprocess.run([GILSIM, "run", "convoy", "--json"] + extra, capture_output=True,
                                            text=True).stdout)["sim_time_ns"] / 1e9
                  for extra in ([], ["--set", "python.switch_interval=1ms"])]
            change = "%+d%%" % round(100 * (ms[1] - ms[0]) / ms[0])
            # the table gives 4 significant digits and drops trailing zeros
            shown = [("%.*f" % (4 - len(str(int(m))), m)).rstrip("0").rstrip(".") + " s" for m in ms]
            check(shown[0] in texts and shown[1] in texts and change in texts,
                  "makespans %.3f s and %.3f s and their change %s: %s" %
                  (ms[0], ms[1], change, [t for t in texts if "%" in t or " s" in t][:8]))
            check(texts.count("Waiting for the GIL") == 1, "one legend for both runs")
        except ET.ParseError as e:
            check(False, "compare SVG well-formed: %s" % e)
        rc, so, se = run("convoy", "convoy_4cpu", "-o", cmp_svg, "--range", "0ms..60ms")
        check(rc == 0, "compare two files: %s" % se)
        try:
            texts = svg_pieces(ET.parse(cmp_svg).getroot())
            check("Convoy effect: I/O beside 4 CPU-bound threads" in texts, "B's title")
            check("cpu1 CPU share" in texts and "only B" in texts, "threads of one run only")
        except ET.ParseError as e:
            check(False, "compare SVG well-formed: %s" % e)

        # The count += 1 race: the shared variable's lane, its lost-update
        # marks and the final value against the expected one, as text.
        race_svg = os.path.join(d, "race.svg")
        rc, so, se = run("counter_race_39", "-o", race_svg)
        check(rc == 0, "render counter_race_39: %s" % se)
        try:
            ns = "{http://www.w3.org/2000/svg}"
            root = ET.parse(race_svg).getroot()
            texts = svg_pieces(root)
            check("count" in texts and "shared" in texts, "the shared variable has a lane, named")
            outcome = [t for t in texts if re.fullmatch(r"final [0-9,]+ \u00b7 expected 40,000 \u00b7 [0-9,]+ lost", t)]
            check(outcome, "the lane says the final value against the expected one: %s" %
                  [t for t in texts if t.startswith("final")])
            check("lost update (a write over newer ones)" in texts, "the legend names the lost-update marks")
            red = [e for e in root.iter() if (e.get("fill") or "").lower() in ("#cc3311", "rgb(204,51,17)")]
            check(len(red) >= 1, "red lost-update marks on the lane (%d)" % len(red))
        except ET.ParseError as e:
            check(False, "race SVG well-formed: %s" % e)

        # Refusals: exit 2, one line on stderr, nothing written.
        bad = os.path.join(d, "bad.png")
        cases = [
            ("huge size", ["-o", bad, "--size", "20000x20000"]),
            ("huge scaled size", ["-o", bad, "--size", "16384x16384", "--scale", "2"]),
            ("compare two ways", ["-o", bad, "convoy", "convoy_4cpu", "--compare",
                                  "python.switch_interval=1ms"]),
            ("compare without a value", ["-o", bad, "--compare", "fast"]),
            ("malformed size", ["-o", bad, "--size", "wide"]),
            ("bad range", ["-o", bad, "--range", "50ms..10ms"]),
            ("malformed range", ["-o", bad, "--range", "soon"]),
            ("range after the end", ["-o", bad, "--range", "500s..600s"]),
            ("bad theme", ["-o", bad, "--theme", "blue"]),
            ("bad scale", ["-o", bad, "--scale", "0"]),
            ("unknown flag", ["-o", bad, "--sparkles"]),
            ("no output", []),
            ("bad extension", ["-o", os.path.join(d, "x.gif")]),
            ("missing value", ["-o"]),
            ("bad scenario", ["-o", bad, "/nonexistent/scenario.json"]),
            ("bad override", ["-o", bad, "--set", "machine.cores=-3"]),
        ]
        for name, args in cases:
            rc, so, se = run(*args)
            lines = [l for l in se.splitlines() if l.strip()]
            check(rc == 2, "%s: exit %d, want 2 (%s)" % (name, rc, se.strip()))
            check(len(lines) == 1, "%s: one line of error, got %r" % (name, se))
            check(not os.path.exists(bad), "%s: nothing written" % name)
        rc, so, se = run("--help")
        check(rc == 0 and "--range" in so and "--scale" in so, "--help")
        leftovers = [f for f in os.listdir(d) if ".tmp" in f]
        check(not leftovers, "no temporary files: %s" % leftovers)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
