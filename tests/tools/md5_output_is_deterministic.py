#!/usr/bin/env python3
"""--output FILE.md5 writes one MD5 per frame per line; the digests are the same on every run
and for --threads 1, 2 and 4 (E5), equal the MD5s of the frames in the y4m output, and change
when the seed, class or clip changes."""

import hashlib
import re

from fvtest import SMALL, check, parse_y4m, path, run_ok, tmpdir

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def md5_lines(d, name, extra):
    out = path(d, name + ".md5")
    run_ok(SMALL + ["--quiet", "-o", out] + extra)
    lines = open(out).read().split("\n")
    check(lines[-1] == "", "md5 file must end with a newline")
    lines = lines[:-1]
    for line in lines:
        check(HEX32.match(line), "not an MD5 hex line: %r" % line)
    return lines


with tmpdir() as d:
    base = ["--class", "3", "--seed", "11", "--clips", "2"]
    ref = md5_lines(d, "t1", base + ["--threads", "1"])
    check(len(ref) == 6, "2 clips x 3 frames should give 6 lines, got %d" % len(ref))
    for threads in ("1", "2", "4", "0"):
        got = md5_lines(d, "t" + threads + "b", base + ["--threads", threads])
        check(got == ref, "--threads %s changed the frames:\n%s\nvs\n%s" % (threads, got, ref))

    # Same frames as the y4m output of the same settings.
    y4m = path(d, "same.y4m")
    run_ok(SMALL + base + ["--quiet", "-o", y4m])
    _, _, frames = parse_y4m(open(y4m, "rb").read())
    check([hashlib.md5(f).hexdigest() for f in frames] == ref,
          "md5 output does not match the MD5s of the y4m frames")

    # The inputs matter: another seed, class or class seed gives other frames.
    for extra in (["--class", "3", "--seed", "12", "--clips", "2"],
                  ["--class", "4", "--seed", "11", "--clips", "2"],
                  ["--class", "3", "--seed", "11", "--class-seed", "1", "--clips", "2"]):
        other = md5_lines(d, "other", extra)
        check(other != ref, "%s gave the same frames as %s" % (extra, base))
    check(ref[:3] != ref[3:], "clip 0 and clip 1 have identical frames")

    # --first-clip K renders exactly clip K of the longer run (clip k is sample (seed, k)).
    second = md5_lines(d, "second", ["--class", "3", "--seed", "11", "--first-clip", "1"])
    check(second == ref[3:], "--first-clip 1 differs from clip 1 of --clips 2")

    # Unlabeled clips are deterministic too.
    u1 = md5_lines(d, "u1", ["--class", "-1", "--clips", "2", "--threads", "1"])
    u2 = md5_lines(d, "u2", ["--class", "-1", "--clips", "2", "--threads", "2"])
    check(u1 == u2, "unlabeled clips differ between runs / thread counts")
print("ok")
