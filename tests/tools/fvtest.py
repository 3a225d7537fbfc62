"""Helpers shared by the fractalvid-render tests (stdlib only).

Every test script takes the path of the fractalvid-render executable as its first argument
(meson passes the build target) and exits 0 on success, 1 on failure, 77 to skip."""

import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# Small settings keep each render to milliseconds, even in a sanitizer build.
SMALL = ["--size", "64x48", "--frames", "3", "--density", "2"]


def exe():
    if len(sys.argv) < 2:
        sys.exit("usage: %s PATH/TO/fractalvid-render" % sys.argv[0])
    return os.path.abspath(sys.argv[1])  # a test may run it in another folder


def run(args, **kw):
    """Run fractalvid-render with args; returns CompletedProcess with bytes stdout/stderr."""
    kw.setdefault("timeout", 120)
    return subprocess.run([exe()] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def run_ok(args, **kw):
    p = run(args, **kw)
    if p.returncode != 0:
        fail("fractalvid-render %s exited %d: %s"
             % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="fv-tools-test-")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def parse_y4m(data):
    """Split a mono y4m stream into (header fields dict, list of frame byte strings)."""
    nl = data.index(b"\n")
    header = data[:nl].decode("ascii")
    words = header.split(" ")
    check(words[0] == "YUV4MPEG2", "y4m magic missing: %r" % header)
    fields = {w[0]: w[1:] for w in words[1:]}
    width, height = int(fields["W"]), int(fields["H"])
    frame_bytes = width * height
    frames = []
    pos = nl + 1
    while pos < len(data):
        check(data[pos:pos + 6] == b"FRAME\n", "FRAME marker expected at byte %d" % pos)
        pos += 6
        frame = data[pos:pos + frame_bytes]
        check(len(frame) == frame_bytes, "truncated frame at byte %d" % pos)
        frames.append(frame)
        pos += frame_bytes
    return header, fields, frames


def ffprobe_stream(path_or_bytes):
    """width, height, pix_fmt, frames counted by decoding, r_frame_rate; None if no ffprobe."""
    if shutil.which("ffprobe") is None:
        return None
    cmd = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
           "-show_entries", "stream=width,height,pix_fmt,nb_read_frames,r_frame_rate",
           "-of", "default=noprint_wrappers=1"]
    if isinstance(path_or_bytes, bytes):
        p = subprocess.run(cmd + ["-f", "yuv4mpegpipe", "-"], input=path_or_bytes,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    else:
        p = subprocess.run(cmd + [path_or_bytes], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(p.returncode == 0, "ffprobe failed: %s" % p.stderr.decode(errors="replace"))
    info = dict(line.split("=", 1) for line in p.stdout.decode().split("\n") if "=" in line)
    return info


def require_ffprobe():
    if shutil.which("ffprobe") is None:
        print("SKIP: ffprobe not found (install ffmpeg)", file=sys.stderr)
        sys.exit(SKIP)


def path(d, name):
    return os.path.join(d, name)
