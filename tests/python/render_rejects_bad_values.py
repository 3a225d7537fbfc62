"""A bad value raises ValueError (out of range) or TypeError (wrong kind), naming the keyword
and what it allows; nothing is rendered and the renderer keeps working."""
import subprocess
import sys

import numpy

import fractalvid
from fvpy import SMALL, check

# (keywords, exception, words the message must contain)
cases = [
    (dict(class_id=-2), ValueError, ["class_id", "-2", "0..2147483647", "-1 for unlabeled"]),
    (dict(class_id=2**31), ValueError, ["class_id", "2147483648", "0..2147483647"]),
    (dict(class_id=2**63), ValueError, ["class_id", "0..2147483647"]),
    (dict(class_id=1.5), TypeError, ["class_id", "1.5"]),
    (dict(class_id="3"), TypeError, ["class_id", "'3'"]),
    (dict(seed=-1), ValueError, ["seed", "-1", "0..18446744073709551615"]),
    (dict(seed=2**64), ValueError, ["seed", "18446744073709551616", "0..18446744073709551615"]),
    (dict(clip=-3), ValueError, ["clip", "-3", "0..18446744073709551615"]),
    (dict(clip=True), TypeError, ["clip", "True"]),
    (dict(class_seed=-1), ValueError, ["class_seed", "0..18446744073709551615"]),
    (dict(size=0), ValueError, ["size", "0", "1..8192"]),
    (dict(size=8193), ValueError, ["size", "8193", "1..8192"]),
    (dict(size=(64, 0)), ValueError, ["size", "(64, 0)", "(width, height)", "1..8192"]),
    (dict(size=(64,)), ValueError, ["size", "(64,)"]),
    (dict(size="64x"), ValueError, ["size", "'64x'", "\"WxH\""]),
    (dict(size="-64x64"), ValueError, ["size", "'-64x64'"]),
    (dict(size=64.0), TypeError, ["size", "64.0"]),
    (dict(frames=-1), ValueError, ["frames", "-1", "0..100000", "18..20"]),
    (dict(frames=100001), ValueError, ["frames", "100001", "0..100000"]),
    (dict(motion="fast"), ValueError, ["motion", "'fast'", "'static'", "'nonlinear'"]),
    (dict(motion=1), TypeError, ["motion", "'naive'"]),
    (dict(variation="spiralz"), ValueError, ["variation", "'spiralz'", "'auto'", "'cross'"]),
    (dict(variation=None), TypeError, ["variation", "None", "'auto'"]),
    (dict(density=0.001), ValueError, ["density", "0.001", "0.01..1000"]),
    (dict(density=float("nan")), ValueError, ["density", "nan", "0.01..1000"]),
    (dict(density=float("inf")), ValueError, ["density", "inf"]),
    (dict(density="2"), TypeError, ["density", "'2'"]),
    (dict(effects="zoom+blur"), ValueError, ["effects", "'zoom+blur'", "blur is not an effect"]),
    (dict(effects=["zoom", 3]), TypeError, ["effects", "['zoom', 3]"]),
    (dict(effects=8), TypeError, ["effects", "8", "'paper'"]),
    (dict(augment_seed=-1), ValueError, ["augment_seed", "-1"]),
    (dict(augment_seed=2**64), ValueError, ["augment_seed"]),
    (dict(augment_seed=1.5), TypeError, ["augment_seed", "1.5"]),
    (dict(threads=-1), ValueError, ["threads", "-1", "0..256", "one per core"]),
    (dict(threads=257), ValueError, ["threads", "257", "0..256"]),
    (dict(threads=[2]), TypeError, ["threads", "[2]"]),
]
for kw, exc, words in cases:
    try:
        fractalvid.render(**kw)
    except exc as e:
        msg = str(e)
        check(msg.startswith(next(iter(kw)) + ":"), "%s: message names the keyword first: %r"
              % (kw, msg))
        for w in words:
            check(w in msg, "%s: %r not in message %r" % (kw, w, msg))
    except Exception as e:  # any other exception is the failure reported
        check(False, "%s: expected %s, got %s: %s" % (kw, exc.__name__, type(e).__name__, e))
    else:
        check(False, "%s: accepted" % kw)
    # frame_count and Renderer.render check the same way.
    if "threads" not in kw:
        for call in (fractalvid.frame_count, fractalvid.Renderer(threads=1).render):
            try:
                call(**kw)
                check(False, "%s: %s accepted" % (kw, call.__name__))
            except exc:
                pass

# Unknown keywords and a keyword-only value given positionally are TypeErrors.
for bad in (lambda: fractalvid.render(colour=1), lambda: fractalvid.render(0, 0, 0, 64)):
    try:
        bad()
        check(False, "accepted")
    except TypeError:
        pass

# out must be a writable uint8 C array of exactly (T, H, W).
n = fractalvid.frame_count(**SMALL)
for out, exc, word in [
        (numpy.zeros((n + 1, 48, 64), numpy.uint8), ValueError, "(3, 48, 64)"),
        (numpy.zeros((n, 64, 48), numpy.uint8), ValueError, "(3, 48, 64)"),
        (numpy.zeros((n, 48, 64), numpy.uint16), ValueError, "uint8"),
        (numpy.zeros((n, 48, 128), numpy.uint8)[:, :, ::2], TypeError, "C-contiguous"),
        (bytes(n * 48 * 64), TypeError, "writable"),
        ("frames", TypeError, "writable")]:
    try:
        fractalvid.render(out=out, **SMALL)
        check(False, "out=%r accepted" % type(out))
    except exc as e:
        check(str(e).startswith("out:") and word in str(e), "out error: %s" % e)

frozen = numpy.zeros((n, 48, 64), numpy.uint8)
frozen.flags.writeable = False
try:
    fractalvid.render(out=frozen, **SMALL)
    check(False, "read-only out accepted")
except TypeError as e:
    check("writable" in str(e), str(e))

# Errors leave the renderer working: the same clip as before.
a = fractalvid.render(1, **SMALL)[0]
check(numpy.array_equal(a, fractalvid.Renderer().render(1, **SMALL)[0]), "after errors")
print("ok: %d bad values" % len(cases))

# A render that does not fit the memory left is a MemoryError in the library's words: what it
# needs and the limit. In a child process, under an address-space limit with room for the
# array (one byte a pixel) and not for the library's frames (two bytes a pixel).
child = r"""
import resource, fractalvid
r = fractalvid.Renderer(threads=1)
mapped = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
clip = 100 * 2048 * 2048
resource.setrlimit(resource.RLIMIT_AS, (mapped + clip + clip // 2, resource.RLIM_INFINITY))
try:
    r.render(0, size=2048, frames=100, density=0.01)
    print("rendered")
except MemoryError as e:
    print(e)
"""
said = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                      check=True).stdout.strip()
check(said.startswith("not enough memory: a 2048x2048 clip of 100 frames needs"), said)
check("(RLIMIT_AS)" in said, said)
print("ok: memory errors name the need and the limit")
