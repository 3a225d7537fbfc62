#!/usr/bin/env python3
"""--list-variations prints auto first, then the 31 flame variations (G5), one per line; every
listed name is accepted by --variation and renders with exactly that variation."""

import re

from fvtest import check, path, run_ok, tmpdir

p = run_ok(["--list-variations"])
names = p.stdout.decode().split("\n")
check(names[-1] == "", "output must end with a newline")
names = names[:-1]
check(names[0] == "auto", "first line should be auto, got %r" % names[0])
variations = names[1:]
check(len(variations) == 31, "want 31 variation names after auto, got %d: %s"
      % (len(variations), variations))
check(len(set(variations)) == 31, "duplicate names: %s" % variations)
for must in ("linear", "horseshoe", "cross", "bent", "fisheye", "popcorn", "cosine", "eyefish",
             "cylinder", "julia", "blade"):
    check(must in variations, "%s missing from --list-variations" % must)

summary = re.compile(r"variation (\S+),")
with tmpdir() as d:
    out = path(d, "v.md5")
    for name in names:
        p = run_ok(["--variation", name, "--size", "16x16", "--frames", "1", "--density", "0.5",
                    "-o", out])
        m = summary.search(p.stderr.decode())
        check(m is not None, "no per-clip summary on stderr for --variation %s" % name)
        if name == "auto":
            check(m.group(1) in variations, "auto resolved to unknown %r" % m.group(1))
        else:
            check(m.group(1) == name, "--variation %s rendered %s" % (name, m.group(1)))
print("ok")
