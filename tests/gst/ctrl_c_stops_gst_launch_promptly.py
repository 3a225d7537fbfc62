#!/usr/bin/env python3
"""Ctrl-C (a real SIGINT) to `gst-launch-1.0 -e fractalvidsrc ...` ends it within a second or
so at any size and density: a 100000-frame clip (a minute of framing probe) and an 8192x8192
frame at density 1000 (billions of points per lane) used to take 68 s and 45 s."""

import shutil
import signal
import subprocess
import sys
import time

PIPELINES = [
    "fractalvidsrc clip-frames=100000 density=0.01 ! video/x-raw,width=64,height=64 ! fakesink",
    "fractalvidsrc density=1000 clip-frames=1 ! video/x-raw,width=8192,height=8192 ! fakesink",
]
# A generous bound: the machine is shared, sanitizers slow everything; the promise is 1 s.
BOUND = 5.0

launch = shutil.which("gst-launch-1.0")
if launch is None:
    print("SKIP: gst-launch-1.0 not found")
    sys.exit(77)

for line in PIPELINES:
    proc = subprocess.Popen([launch, "-e"] + line.split(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # gst-launch-1.0 handles SIGINT from the moment it sets the pipeline going (before that,
    # a SIGINT kills it, as any program): wait for that, then let rendering get under way
    said = b""
    while b"Setting pipeline to PAUSED" not in said:
        chunk = proc.stdout.readline()
        if not chunk:
            break
        said += chunk
    time.sleep(1.5)
    if proc.poll() is not None:
        print("FAIL: %s ended before the interrupt: %s" % (line, proc.stdout.read().decode()))
        sys.exit(1)
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
        out = said + out
    except subprocess.TimeoutExpired:
        proc.kill()
        print("FAIL: %s still running 60 s after SIGINT" % line)
        sys.exit(1)
    took = time.monotonic() - asked
    print("%.2f s to exit after SIGINT: %s" % (took, line))
    if took > BOUND or proc.returncode != 0:
        print("FAIL: exit %d after %.1f s: %s" % (proc.returncode, took, out.decode()[-2000:]))
        sys.exit(1)
print("ok")
