"""Helpers shared by the Python package's tests.

Meson runs each test with PYTHONPATH at the built package (build/python). Scripts that
compare with fractalvid-render take its path as their first argument. Exit 0 passes, 1
fails, 77 skips (a module the test needs is missing)."""

import importlib
import subprocess
import sys

SKIP = 77

# Small clips keep every render to milliseconds.
SMALL = dict(size=(64, 48), frames=3, density=2)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def require(module):
    """Import module, or skip the test when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        print("SKIP: %s not importable (%s)" % (module, e), file=sys.stderr)
        sys.exit(SKIP)


def cli_args(class_id=0, seed=0, clip=0, size=256, frames=0, class_seed=0, motion="nonlinear",
             variation="auto", density=None, effects=None, augment_seed=0, threads=None):
    """fractalvid-render's options for fractalvid.render's keywords (the same names)."""
    if isinstance(size, int):
        size = (size, size)
    args = ["--class", str(class_id), "--seed", str(seed), "--first-clip", str(clip),
            "--size", "%dx%d" % tuple(size), "--frames", str(frames),
            "--class-seed", str(class_seed), "--motion", motion, "--variation", variation]
    if density is not None:
        args += ["--density", repr(float(density))]
    if threads is not None:
        args += ["--threads", str(threads)]
    if effects is not None:
        names = effects if isinstance(effects, str) else "+".join(effects)
        args += ["--effects", names, "--augment-seed", str(augment_seed)]
    return args


def cli_clips(exe, clips=1, **kw):
    """Frames of `clips` clips from fractalvid-render's y4m on stdout: a list per clip of
    (T, H, W) uint8 numpy arrays; clip lengths from fractalvid.frame_count."""
    import numpy
    import fractalvid
    run = subprocess.run([exe, "-q", "-o", "-", "--clips", str(clips)] + cli_args(**kw),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    check(run.returncode == 0, "fractalvid-render failed: %s" % run.stderr.decode())
    data = run.stdout
    header_end = data.index(b"\n")
    fields = {w[:1]: w[1:] for w in data[:header_end].split(b" ")[1:]}
    width, height = int(fields[b"W"]), int(fields[b"H"])
    frames = []
    pos = header_end + 1
    while pos < len(data):
        check(data[pos:pos + 6] == b"FRAME\n", "y4m FRAME marker expected at %d" % pos)
        pos += 6
        frames.append(numpy.frombuffer(data[pos:pos + width * height], numpy.uint8)
                      .reshape(height, width))
        pos += width * height
    out = []
    kw.pop("threads", None)
    first = kw.pop("clip", 0)
    for k in range(first, first + clips):
        n = fractalvid.frame_count(clip=k, **kw)
        out.append(numpy.stack(frames[:n]))
        frames = frames[n:]
    check(not frames, "fractalvid-render wrote %d frames more than frame_count says" % len(frames))
    return out


def fvexe():
    """The fractalvid-render executable given as the first argument."""
    if len(sys.argv) < 2:
        sys.exit("usage: %s PATH/TO/fractalvid-render" % sys.argv[0])
    return sys.argv[1]
