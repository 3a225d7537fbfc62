#!/usr/bin/env python3
"""bench-live targets, short: the minute at 1280x720 (here a few seconds) is followed by a
line that says whether the target (every frame on time: none late, skipped or missing) is met,
by the count, apart from the looser "holds 30 fps" (at most 1% late or skipped); then the
largest sizes."""
import re
import subprocess
import sys

run = subprocess.run([sys.argv[1], "targets", "3"], capture_output=True, text=True, timeout=300)
assert run.returncode == 0, run.stderr[-2000:]
out = run.stdout
m = re.search(r"for 3 s:\n  1280x720 .* of +(\d+) frames due +(\d+) on time, +(\d+) skipped by "
              r"the source, +(\d+) late at the sink;.*\n  (.*)\n", out)
assert m, out
due, on_time = int(m.group(1)), int(m.group(2))
skipped, late, verdict = int(m.group(3)), int(m.group(4)), m.group(5)
# frames due and not rendered on time (one of slack for where the run ends)
missed = max(skipped + late, due - on_time - 1)
if missed == 0:
    assert verdict == "every frame on time, none late or skipped: the target is met", verdict
else:
    assert verdict == ("%d frames not on time (late, skipped or missing): the target (none) is "
                       "not met" % missed), (verdict, due, on_time, skipped, late)
assert len(re.findall(r"^  largest size that holds 30 fps: ", out, re.M)) == 2, out
print("ok")
