#!/usr/bin/python3
"""The fidelity report runs as the README shows (ours only, a few clips): every statistic of
the generator table is printed, the filter's promise shows (no frame under 5% lit), the map
and variation mixes are shares, and the montage is a PNG of four clips x five frames.

The README's report commands name only options the report has.

    report_runs.py FIDELITY_REPORT FRACTALVID_RENDER README"""

import os
import re
import struct
import subprocess
import sys
import tempfile

ROWS = ["lit fraction (pixels > 0), mean", "lit fraction, 10th / 90th percentile of clips",
        "brightness (mean pixel / 255)", "lit-pixel value, 10th / 50th / 90th percentile",
        "frame-to-frame change (mean abs difference / 255)", "change of lit area per frame",
        "clips with a frame over 85% lit", "clips with a frame under 5% lit",
        "frames under 5% lit", "maps 3 / 4 / 5 / 6 / 7 / 8",
        "variations: linear / each of the seven (mean, min..max)"]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    report, render, readme = sys.argv[1], sys.argv[2], sys.argv[3]
    helptext = subprocess.run(["/usr/bin/python3", report, "--help"], capture_output=True,
                              text=True, check=True).stdout
    commands = [l for l in open(readme).read().splitlines()
                if l.startswith("/usr/bin/python3 tests/fidelity/fidelity_report.py")]
    if len(commands) < 2:
        fail("the README shows no fidelity report commands")
    for command in commands:
        for option in re.findall(r" (--[a-z-]+)", command.split("#")[0]):
            if option not in helptext:
                fail("README option %s is not one of the report's: %s" % (option, command))
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "montage.png")
        out = subprocess.run(["/usr/bin/python3", report, "--clips", "8", "--seed", "3",
                              "--render", render, "--montage", png],
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            fail("report exited %d: %s" % (out.returncode, out.stderr[-2000:]))
        table = {}
        for line in out.stdout.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and len(cells) == 2:
                table[cells[0]] = cells[1]
        for row in ROWS:
            if row not in table:
                fail("row %r missing from:\n%s" % (row, out.stdout))
        if "8 unlabeled clips each, 256x256, seed 3" not in out.stdout:
            fail("no heading naming the clips: " + out.stdout)
        lit = float(table[ROWS[0]])
        if not 0.05 <= lit <= 1:
            fail("mean lit fraction %r" % lit)
        if table["frames under 5% lit"] != "0.00%":
            fail("frames under 5%% lit: %s (the filter promises none)" % table["frames under 5% lit"])
        maps = [float(x) for x in table[ROWS[9]].split(" / ")]
        if len(maps) != 6 or abs(sum(maps) - 1) > 0.02:
            fail("map shares %r do not sum to 1" % maps)
        with open(png, "rb") as f:
            head = f.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            fail("montage is not a PNG")
        w, h = struct.unpack(">II", head[16:24])
        if (w, h) != (5 * 128, 4 * 128) and (w, h) != (4 * 128, 5 * 128):
            fail("montage is %dx%d, not four clips x five frames of 128 px" % (w, h))
    print("ok: %d rows, montage %dx%d" % (len(ROWS), w, h))


if __name__ == "__main__":
    main()
