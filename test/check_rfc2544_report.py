#!/usr/bin/env python3
"""Checks the files an rfc2544 run wrote under PREFIX, independently of our Lua: PREFIX.json parses
and agrees with PREFIX.csv and PREFIX-trials.csv, and PREFIX.svg renders with rsvg-convert (librsvg)
into a PNG of the SVG's size whose throughput panel shows one bar per frame size, each as tall as
its Mpps on a shared scale. Prints a summary line; exits non-zero naming the first problem.

usage: test/check_rfc2544_report.py PREFIX
"""
import csv
import json
import re
import struct
import subprocess
import sys
import zlib

BAR = (0x1F, 0x77, 0xB4)  # the throughput bars' colour (lua/rfc2544/svg.lua COLORS[1])
PANEL = (98, 398)         # the first panel's plot area, rows (40 + top margin 58, plus 300)


def fail(msg):
    sys.exit("check_rfc2544_report: " + msg)


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def png_pixels(path, last):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA, non-interlaced PNG, decoding
    rows 0..last only (pure Python is slow, and the bars are in the first panel)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                fail(f"{path}: unexpected PNG format depth {depth} colour type {ctype}")
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(min(h, last)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def bars(rows):
    """Column groups of the bar colour inside the throughput panel: [(x0, x1, height)]."""
    y0, y1 = PANEL
    cols = {}
    for y in range(y0, min(y1, len(rows))):
        for x, px in enumerate(rows[y]):
            if px == BAR:
                cols[x] = cols.get(x, 0) + 1
    groups = []
    for x in sorted(cols):
        if groups and x == groups[-1][1] + 1:
            g = groups[-1]
            groups[-1] = (g[0], x, max(g[2], cols[x]))
        else:
            groups.append((x, x, cols[x]))
    return groups


def main():
    if len(sys.argv) != 2:
        fail("usage: check_rfc2544_report.py PREFIX")
    prefix = sys.argv[1]
    report = json.load(open(prefix + ".json"))
    sizes = report["sizes"]
    if not sizes:
        fail("no sizes in the JSON report")
    for k in ("title", "date", "seconds", "settings", "ports", "trials", "files"):
        if k not in report:
            fail(f"the JSON report has no {k!r}")

    rows = list(csv.DictReader(open(prefix + ".csv")))
    if [int(r["size"]) for r in rows] != [s["size"] for s in sizes]:
        fail("CSV and JSON list different sizes")
    for r, s in zip(rows, sizes):
        t = s.get("throughput")
        if t:
            for col, key in (("throughput_pps", "pps"), ("throughput_offered_pct", "percent"),
                             ("throughput_mpps", "mpps")):
                if not close(float(r[col]), t[key]):
                    fail(f"{s['size']} B: CSV {col} {r[col]} but JSON {t[key]}")
        lat = s.get("latency")
        if lat and lat.get("count"):
            if int(r["latency_p50_ns"]) != lat["p50"]:
                fail(f"{s['size']} B: CSV p50 {r['latency_p50_ns']} but JSON {lat['p50']}")
            if not lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p99_9"] <= lat["max"]:
                fail(f"{s['size']} B: latency percentiles out of order: {lat}")
    trials = list(csv.DictReader(open(prefix + "-trials.csv")))
    if len(trials) != len(report["trials"]):
        fail(f"{len(trials)} rows in the trials CSV, {len(report['trials'])} trials in the JSON")
    for r, t in zip(trials, report["trials"]):
        if r["test"] != t["test"] or int(r["tx"]) != t["tx"] or int(r["rx"]) != t["rx"]:
            fail(f"trial CSV row {r} differs from JSON {t}")

    svg = open(prefix + ".svg").read()
    m = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', svg)
    if not m:
        fail("no width and height on the <svg> element")
    png = prefix + ".png"
    r = subprocess.run(["rsvg-convert", "-o", png, prefix + ".svg"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"rsvg-convert cannot render the chart: {r.stderr.strip()}")
    w, h, pixels = png_pixels(png, PANEL[1])
    if (w, h) != (int(m.group(1)), int(m.group(2))):
        fail(f"rendered {w}x{h}, the SVG says {m.group(1)}x{m.group(2)}")
    want = [s for s in sizes if s.get("throughput")]
    got = bars(pixels)
    if len(got) != len(want):
        fail(f"{len(got)} bars rendered in the throughput panel, {len(want)} sizes measured: {got}")
    # One scale for all bars: height / Mpps agrees to within 2 pixels of the tallest.
    tallest = max(range(len(want)), key=lambda i: want[i]["throughput"]["mpps"])
    scale = got[tallest][2] / want[tallest]["throughput"]["mpps"]
    for g, s in zip(got, want):
        if abs(g[2] - s["throughput"]["mpps"] * scale) > 2:
            fail(f"{s['size']} B bar is {g[2]} px for {s['throughput']['mpps']} Mpps (scale {scale:.1f} px/Mpps)")
    print(f"report ok: {len(sizes)} sizes, {len(trials)} trials, chart {w}x{h} with bars {[g[2] for g in got]} px")


main()
