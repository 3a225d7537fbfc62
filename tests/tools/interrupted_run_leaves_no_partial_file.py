#!/usr/bin/env python3
"""A file output is written under a temporary name in its folder and renamed when complete:
SIGINT or SIGTERM in the middle (real signals, as Ctrl-C or `kill` send them) removes the
partial file and exits 130 or 143, an older file of that name is left as it was, and a run
that completes leaves the file alone, with the usual permissions."""

import os
import signal
import stat
import subprocess
import time

from fvtest import check, exe, path, run_ok, tmpdir

# Long enough to be interrupted at leisure: hundreds of clips of 256x256.
LONG = ["--size", "256x256", "--frames", "20", "--density", "2", "--clips", "500", "-q"]


def temp_files(d, name):
    return [f for f in os.listdir(d) if f.startswith("." + name + ".")]


def interrupt(d, name, sig, old=None, grown=3 * 20 * 65536):
    out = path(d, name)
    if old is not None:
        with open(out, "wb") as f:
            f.write(old)
    proc = subprocess.Popen([exe()] + LONG + ["-o", out], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait until the temporary file holds a few clips: the signal lands mid-run
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        temps = temp_files(d, name)
        if temps and os.path.getsize(path(d, temps[0])) > grown:
            break
        check(proc.poll() is None, "%s: ended before it could be interrupted" % name)
        time.sleep(0.02)
    else:
        proc.kill()
        check(False, "%s: no temporary file grew" % name)
    # meanwhile, the final name holds nothing new
    if old is None:
        check(not os.path.exists(out), "%s exists before the run completed" % name)
    else:
        check(open(out, "rb").read() == old, "%s changed before the run completed" % name)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        check(False, "%s: still running 30 s after signal %d" % (name, sig))
    check(proc.returncode == 128 + sig, "%s: exit %d after signal %d, want %d (%s)"
          % (name, proc.returncode, sig, 128 + sig, err.decode(errors="replace")))
    check(temp_files(d, name) == [], "%s: temporary file left behind: %s"
          % (name, temp_files(d, name)))
    if old is None:
        check(not os.path.exists(out), "%s: partial output left behind" % name)
    else:
        check(open(out, "rb").read() == old, "%s: the older file was touched" % name)


with tmpdir() as d:
    for trial in range(3):
        interrupt(d, "int%d.y4m" % trial, signal.SIGINT)
        interrupt(d, "term%d.y4m" % trial, signal.SIGTERM)
    interrupt(d, "digests.md5", signal.SIGINT, grown=3 * 20 * 33)
    interrupt(d, "older.y4m", signal.SIGTERM, old=b"an older, complete file\n")
    check(sorted(os.listdir(d)) == ["older.y4m"], "left in the folder: %s" % os.listdir(d))

    # A complete run: the file, no temporary, 0666 less the umask like any new file.
    os.umask(0o022)
    out = path(d, "done.y4m")
    run_ok(["--size", "32x32", "--frames", "2", "--density", "1", "-q", "-o", out])
    check(open(out, "rb").read(10) == b"YUV4MPEG2 ", "done.y4m is not y4m")
    check(temp_files(d, "done.y4m") == [], "temporary file left after a complete run")
    mode = stat.S_IMODE(os.stat(out).st_mode)
    check(mode == 0o644, "done.y4m has mode %o, want 644" % mode)

    # A complete run over a symlink replaces the file it names and keeps the link.
    real = path(d, "real.md5")
    open(real, "w").write("old\n")
    link = path(d, "link.md5")
    os.symlink("real.md5", link)
    run_ok(["--size", "32x32", "--frames", "2", "--density", "1", "-q", "-o", link])
    check(os.path.islink(link), "the symlink was replaced")
    check(len(open(real).read().split()) == 2, "the file the link names was not written")
print("ok")
