"""Same arguments, same bits: across calls, renderers, thread counts, processes (fork and a
fresh interpreter), and out= arrays; different arguments, different clips."""
import hashlib
import os
import subprocess
import sys

import numpy

import fractalvid
from fvpy import check

KW = dict(size=96, frames=6, density=4)


def digest(frames):
    return hashlib.sha256(frames.tobytes()).hexdigest()


first = fractalvid.render(4, 2, 1, **KW)[0]
reference = digest(first)
for threads in (0, 1, 2, 3, 7):
    r = fractalvid.Renderer(threads=threads)
    for _ in range(2):  # the second call reuses the renderer's scratch memory
        check(digest(r.render(4, 2, 1, **KW)[0]) == reference, "threads=%d differs" % threads)
    check(digest(fractalvid.render(4, 2, 1, threads=threads, **KW)[0]) == reference,
          "render(threads=%d) differs" % threads)

# Another clip in between does not leak into the next (scratch reuse).
r = fractalvid.Renderer(threads=2)
r.render(9, 9, 9, size=200, frames=20, density=8)
check(digest(r.render(4, 2, 1, **KW)[0]) == reference, "scratch reuse changed the clip")

# out=: filled in place, returned, same bits; reused for the next clip of the same length.
out = numpy.full((6, 96, 96), 77, numpy.uint8)
got, labels = fractalvid.render(4, 2, 1, out=out, **KW)
check(got is out and digest(out) == reference, "out= is filled and returned")
fractalvid.render(4, 2, 2, out=out, **KW)
check(digest(out) == digest(fractalvid.render(4, 2, 2, **KW)[0]), "out= reused")

# Each input changes the clip.
variants = [dict(class_id=5), dict(seed=3), dict(clip=2), dict(class_seed=1),
            dict(motion="static"), dict(variation="swirl"), dict(density=5)]
for change in variants:
    kw = dict(class_id=4, seed=2, clip=1, **KW)
    kw.update(change)
    check(digest(fractalvid.render(**kw)[0]) != reference, "%s left the clip unchanged" % change)

# A forked child (what a DataLoader worker is) renders the same bits with the parent's
# renderer (its worker threads are not in the child: it opens its own).
r = fractalvid.Renderer(threads=2)
r.render(0, **KW)
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    try:
        msg = digest(r.render(4, 2, 1, **KW)[0]) + digest(fractalvid.render(4, 2, 1, **KW)[0])
    except BaseException as e:  # report anything to the parent
        msg = repr(e)
    os.write(write, msg.encode())
    os._exit(0)
os.close(write)
answer = b""
while True:
    chunk = os.read(read, 4096)
    if not chunk:
        break
    answer += chunk
os.waitpid(pid, 0)
check(answer.decode() == reference * 2, "forked child: %s" % answer.decode())

# A fresh interpreter renders the same bits.
code = ("import hashlib, fractalvid; print(hashlib.sha256(fractalvid.render(4, 2, 1, size=96, "
        "frames=6, density=4)[0].tobytes()).hexdigest())")
other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
check(other.stdout.strip() == reference, "a new process: %s %s" % (other.stdout, other.stderr))
print("ok")
