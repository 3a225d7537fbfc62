#!/usr/bin/env python3
"""Clip indices end at 18446744073709551615, which is a clip like any other: --first-clip at
the end renders it, and a run that reaches it ends there (no wrap to clip 0), as the stream
of fractalvidsrc does with the same first-clip and num-clips."""

from fvtest import check, path, run_ok, tmpdir

LAST = 18446744073709551615
BASE = ["--size", "16x16", "--frames", "2", "--density", "0.5", "-q"]

with tmpdir() as d:
    def digests(first, clips):
        out = path(d, "c.md5")
        run_ok(BASE + ["--first-clip", str(first), "--clips", str(clips), "-o", out])
        return open(out).read().split()

    last = digests(LAST, 1)
    check(len(last) == 2, "clip %d: %d frames, want 2" % (LAST, len(last)))
    check(digests(LAST, 3) == last, "a run from the last clip renders that clip only")
    two = digests(LAST - 1, 5)
    check(len(two) == 4 and two[2:] == last, "a run to the last clip ends with it")
    check(digests(0, 1) != last, "clip 0 is not the last clip")
print("ok")
