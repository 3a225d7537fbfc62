#!/usr/bin/env python3
"""--output - into a pipe whose reader goes away (`| head -c`, a training job that stops):
one line on stderr saying so and exit status 1, not a silent death by SIGPIPE (141)."""

import subprocess

from fvtest import check, exe

for clips in ("-1", "50"):  # endless and bounded
    proc = subprocess.Popen([exe(), "--size", "64x64", "--frames", "3", "--density", "1",
                             "--clips", clips, "-q", "-o", "-"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    got = proc.stdout.read(1000)
    check(len(got) == 1000, "--clips %s: only %d bytes before the reader left" % (clips, len(got)))
    proc.stdout.close()  # the reader goes away
    try:
        err = proc.stderr.read()
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        check(False, "--clips %s: still running after its reader left" % clips)
    text = err.decode(errors="replace").strip()
    check(proc.returncode == 1, "--clips %s: exit %d, want 1 (%r)" % (clips, proc.returncode, text))
    check(len(text.split("\n")) == 1, "--clips %s: want one line, got %r" % (clips, text))
    check("broken pipe" in text and "'-'" in text, "--clips %s: message %r" % (clips, text))
print("ok")
