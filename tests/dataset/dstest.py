"""Helpers shared by the fractalvid-dataset tests (Python 3 standard library only).

Every test takes the path of fractalvid-dataset as its first argument (meson passes the copy in
the build tree; its environment points GStreamer at the built plugin) and exits 0 on success,
1 on failure, 77 to skip."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# Small clips keep a test to seconds: 64x64 at a low density (every value still goes through
# the element, the encoders and the muxers as at full size).
SMALL = ["--size", "64x64", "--density", "2"]


def exe():
    if len(sys.argv) < 2:
        sys.exit("usage: %s PATH/TO/fractalvid-dataset [ARGS]" % sys.argv[0])
    return os.path.abspath(sys.argv[1])


def fail(msg):
    print("FAIL: " + str(msg), file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def skip(msg):
    print("SKIP: " + msg, file=sys.stderr)
    sys.exit(SKIP)


def run(args, timeout=300, **kw):
    """Run fractalvid-dataset with args; CompletedProcess with text stdout and stderr."""
    return subprocess.run([exe()] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, **kw)


def run_ok(args, **kw):
    p = run(args, **kw)
    check(p.returncode == 0, "fractalvid-dataset %s exited %d:\n%s" % (
        " ".join(map(str, args)), p.returncode, p.stderr[-3000:]))
    return p


def make(out, *args, **kw):
    return run_ok(["make", "--out", out, "--quiet"] + SMALL + list(args), **kw)


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="fv-dataset-test-")


def manifest(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def tree(root):
    """{relative path: sha256} of every file under root."""
    files = {}
    for d, _, names in os.walk(root):
        for name in names:
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return files


def same_tree(a, b, what, ignore=()):
    ta = {k: v for k, v in tree(a).items() if not any(k.startswith(i) for i in ignore)}
    tb = {k: v for k, v in tree(b).items() if not any(k.startswith(i) for i in ignore)}
    only = sorted(set(ta) ^ set(tb))
    check(not only, "%s: files in one tree only: %s" % (what, only[:10]))
    differ = sorted(k for k in ta if ta[k] != tb[k])
    check(not differ, "%s: files differ: %s" % (what, differ[:10]))
    return ta


def hidden_files(root):
    return sorted(os.path.relpath(os.path.join(d, n), root) for d, dirs, names in os.walk(root)
                  for n in names + dirs if n.startswith("."))


def require(program, package):
    if shutil.which(program) is None:
        skip("%s not found (install %s)" % (program, package))


def ffprobe(path, entries="stream=codec_name,width,height,pix_fmt,color_range,r_frame_rate,"
            "nb_read_frames:format_tags=title,comment,comments"):
    """{key: value} of ffprobe's view of path's first video stream, frames counted by
    decoding."""
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", entries, "-of", "default=noprint_wrappers=1", path],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "ffprobe %s: %s" % (path, p.stderr))
    info = {}
    for line in p.stdout.splitlines():
        key, _, value = line.partition("=")
        info[key.replace("TAG:", "").lower()] = value
    return info


def decoded_gray_sha256(path, pattern=None):
    """sha256 of the frames ffmpeg decodes from path (a file, or a %05d.png pattern) as GRAY8:
    for a lossless format, the raw frames' digest."""
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", pattern or path, "-f", "rawvideo",
                        "-pix_fmt", "gray", "-"], capture_output=True, timeout=120)
    check(p.returncode == 0, "ffmpeg %s: %s" % (path, p.stderr.decode(errors="replace")))
    return hashlib.sha256(p.stdout).hexdigest()
