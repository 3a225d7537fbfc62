#!/usr/bin/env python3
"""A run writes each clip while the next one renders, and holds two clips at most: into a pipe
nobody reads yet, clip 1 is rendered (its summary line on stderr) while clip 0 waits to be
written, and clip 2 is not, as it would take the place of clip 0. Once read, the stream is
whole and equal to a file's. A run that wrote each clip before rendering the next would
never print clip 1's line here."""

import subprocess
import threading
import time

from fvtest import check, exe, parse_y4m, path, run_ok, tmpdir

# 4 frames of 256x256: a clip (262 KB) is more than a pipe holds, so writing clip 0 blocks
# until the test reads.
ARGS = ["--size", "256x256", "--frames", "4", "--density", "1", "--class", "3", "--clips", "3"]

proc = subprocess.Popen([exe()] + ARGS + ["-o", "-"], stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
lines = []
seen = {k: threading.Event() for k in range(3)}


def read_stderr():
    for raw in proc.stderr:
        line = raw.decode(errors="replace")
        lines.append(line)
        for k in seen:
            if " clip %d:" % k in line:
                seen[k].set()


reader = threading.Thread(target=read_stderr, daemon=True)
reader.start()
try:
    check(seen[1].wait(120), "clip 1 was not rendered while clip 0 waited to be written: %r"
          % lines)
    time.sleep(1.0)
    check(not seen[2].is_set(), "clip 2 was rendered while clips 0 and 1 were unwritten (more "
          "than two clips held): %r" % lines)
    data = proc.stdout.read()
    proc.wait(timeout=120)
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
reader.join(10)
check(proc.returncode == 0, "exit %d: %r" % (proc.returncode, lines))
check(seen[2].is_set(), "no summary line for clip 2: %r" % lines)
_, _, frames = parse_y4m(data)
check(len(frames) == 12, "%d frames, want 12" % len(frames))
with tmpdir() as d:
    out = path(d, "run.y4m")
    run_ok(ARGS + ["-q", "-o", out])
    check(open(out, "rb").read() == data, "the piped stream differs from the file")
print("ok")
