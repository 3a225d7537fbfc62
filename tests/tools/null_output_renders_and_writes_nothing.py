#!/usr/bin/env python3
"""--output null renders every clip and drops it: exit 0, nothing on stdout, no file made (not
even one named null), and the per-clip summaries on stderr are those of the same run to a .md5
file (the same variations, redraws and points kept), but for the milliseconds."""

import os
import re

from fvtest import SMALL, check, path, run_ok, tmpdir

MS = re.compile(r", [0-9.]+ ms$")


def summaries(stderr):
    lines = [line for line in stderr.decode().splitlines() if " clip " in line]
    return [MS.sub("", line) for line in lines]


with tmpdir() as d:
    args = SMALL + ["--class", "-1", "--seed", "5", "--clips", "4"]
    null = run_ok(args + ["-o", "null"], cwd=d)
    check(null.stdout == b"", "--output null wrote to stdout: %r" % null.stdout[:80])
    check(os.listdir(d) == [], "--output null made files: %s" % os.listdir(d))
    got = summaries(null.stderr)
    check(len(got) == 4, "expected 4 clip summaries, got:\n%s" % null.stderr.decode())
    check(re.search(r"^4 clips, \d+ frames, ", null.stderr.decode(), re.M),
          "no run summary:\n%s" % null.stderr.decode())
    md5 = run_ok(args + ["-o", path(d, "same.md5")])
    check(summaries(md5.stderr) == got, "the null run rendered other clips:\n%s\nvs\n%s"
          % ("\n".join(got), "\n".join(summaries(md5.stderr))))
    # one clip, one thread: the same path without a writing thread
    run_ok(SMALL + ["--clips", "1", "--threads", "1", "-o", "null"], cwd=d)
    check(os.listdir(d) == ["same.md5"], "files after the runs: %s" % os.listdir(d))
print("ok")
