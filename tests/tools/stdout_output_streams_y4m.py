#!/usr/bin/env python3
"""--output - writes the same y4m bytes as a file would, to stdout only (the summary stays on
stderr), and streams: the first clip arrives while later clips are still being rendered."""

import subprocess
import time

from fvtest import (SMALL, check, exe, ffprobe_stream, parse_y4m, path, require_ffprobe, run_ok,
                    tmpdir)

require_ffprobe()
with tmpdir() as d:
    args = SMALL + ["--clips", "2", "--seed", "5"]
    piped = run_ok(args + ["--output", "-"])  # not --quiet: the summary must not leak in
    out = path(d, "file.y4m")
    run_ok(args + ["--quiet", "--output", out])
    check(piped.stdout == open(out, "rb").read(), "stdout y4m differs from file y4m")
    check(b"clip" in piped.stderr, "expected the per-clip summary on stderr")
    info = ffprobe_stream(piped.stdout)
    check((info["width"], info["height"], info["nb_read_frames"]) == ("64", "48", "6"),
          "ffprobe read stdout y4m as %r" % info)
    _, _, frames = parse_y4m(piped.stdout)
    check(len(frames) == 6, "stdout y4m has %d frames, want 6" % len(frames))

# Streaming: ask for far more clips than could finish, read the first clip, and see the
# process still running. A renderer that buffered the whole run would never deliver it.
header_len = len("YUV4MPEG2 W64 H48 F12:1 Ip A1:1 Cmono\n")
first_clip = header_len + 3 * (6 + 64 * 48)
proc = subprocess.Popen([exe()] + SMALL + ["--clips", "1000000", "-q", "-o", "-"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL)
try:
    got = b""
    deadline = time.monotonic() + 100
    while len(got) < first_clip and time.monotonic() < deadline:
        chunk = proc.stdout.read1(first_clip - len(got))
        if not chunk:
            break
        got += chunk
    check(len(got) == first_clip, "first clip did not arrive (%d of %d bytes)"
          % (len(got), first_clip))
    check(proc.poll() is None, "process ended before 1000000 clips could be rendered")
finally:
    proc.kill()
    proc.wait()
print("ok")
