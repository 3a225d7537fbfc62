"""render() releases the GIL: two threads render at the same time, each on its own renderer,
and the main thread runs meanwhile (it sees both renders running and cancels them).

Nothing here measures time: with the GIL held during a render, the main thread could not run
until a render had finished, would never see both running, and the test fails; the renders
are long (seconds) unless cancelled."""
import threading

import numpy

import fractalvid
from fvpy import SMALL, check

LONG = dict(size=512, density=1000, frames=20)  # ~5e9 points: many seconds on one thread

renderers = [fractalvid.Renderer(threads=1), fractalvid.Renderer(threads=1)]
outcome = [None, None]


def render_long(i):
    try:
        renderers[i].render(i, **LONG)
        outcome[i] = "finished"
    except fractalvid.RenderCancelled:
        outcome[i] = "cancelled"


threads = [threading.Thread(target=render_long, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
# Python code running here while both renders run is the proof.
both = False
while any(t.is_alive() for t in threads):
    if all(r.rendering for r in renderers):
        both = True
        break
    threading.Event().wait(0.001)
check(both, "the two renders never ran at the same time: %s" % outcome)
for r in renderers:
    r.cancel()
for t in threads:
    t.join()
check(outcome == ["cancelled", "cancelled"], "both renders stopped by cancel(): %s" % outcome)

# cancel() without a render does nothing, and a cancelled renderer renders the next clip whole.
renderers[0].cancel()
got = renderers[0].render(3, **SMALL)[0]
check(numpy.array_equal(got, fractalvid.Renderer(threads=1).render(3, **SMALL)[0]),
      "the render after a cancel is complete and exact")

# Threads sharing the module-level render() each get their own renderer: same results as
# one after the other.
expected = [fractalvid.render(k, **SMALL)[0] for k in range(8)]
results = [None] * 8


def worker(first):
    for k in range(first, 8, 4):
        results[k] = fractalvid.render(k, **SMALL)[0]


pool = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in pool:
    t.start()
for t in pool:
    t.join()
check(all(numpy.array_equal(a, b) for a, b in zip(expected, results)),
      "render() from 4 threads gives the frames of one thread")

# One renderer shared by threads renders one clip at a time, each whole.
shared = fractalvid.Renderer(threads=1)
results = [None] * 8


def shared_worker(first):
    for k in range(first, 8, 4):
        results[k] = shared.render(k, **SMALL)[0]


pool = [threading.Thread(target=shared_worker, args=(i,)) for i in range(4)]
for t in pool:
    t.start()
for t in pool:
    t.join()
check(all(numpy.array_equal(a, b) for a, b in zip(expected, results)),
      "one Renderer shared by 4 threads gives the frames of one thread")
print("ok")
