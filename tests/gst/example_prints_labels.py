#!/usr/bin/env python3
"""Run examples/fractalvid-labels and check it printed every frame's labels, in order.

Usage: example_prints_labels.py EXAMPLE
Class 5, two clips: every line has class 5, frames count up from 0, each clip starts at
frame-in-clip 0 and has the 18..20 frames a class draws (G1)."""
import re
import subprocess
import sys

LINE = re.compile(r"frame (\d+) pts \S+: class (-?\d+) seed (\d+) clip (\d+) "
                  r"frame-in-clip (\d+) motion (\w+) variation (\w+)$")


def main():
    run = subprocess.run([sys.argv[1], "5", "2"], capture_output=True, text=True,
                         timeout=120)
    if run.returncode != 0:
        sys.exit("example failed (%d): %s" % (run.returncode, run.stderr))
    frames_per_clip = {}
    lines = run.stdout.splitlines()
    for n, line in enumerate(lines):
        m = LINE.match(line)
        if not m:
            sys.exit("unexpected line: %r" % line)
        frame, cls, seed, clip, in_clip = (int(m.group(i)) for i in range(1, 6))
        if frame != n or cls != 5 or seed != 0:
            sys.exit("wrong labels on line %d: %r" % (n, line))
        if in_clip != frames_per_clip.get(clip, 0):
            sys.exit("frame-in-clip out of order on line %d: %r" % (n, line))
        if m.group(6) != "nonlinear":
            sys.exit("wrong motion on line %d: %r" % (n, line))
        frames_per_clip[clip] = in_clip + 1
    if sorted(frames_per_clip) != [0, 1]:
        sys.exit("expected clips 0 and 1, got %s" % sorted(frames_per_clip))
    if not all(18 <= f <= 20 for f in frames_per_clip.values()):
        sys.exit("clip lengths %s outside 18..20" % frames_per_clip)
    print("%d frames of 2 clips, labels in order" % len(lines))


if __name__ == "__main__":
    main()
