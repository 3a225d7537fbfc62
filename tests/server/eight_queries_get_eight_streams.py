"""Eight clients at once, each with a query of its own, get eight streams, each the frames of
its own query (compared with the element's), from eight pipelines."""
import re
import threading

from fvserver import (Server, check, element_frames, gst_receive, log, match_frames, psnr,
                      rtspsrc)

SIZE = "density=2&width=96&height=64&fps=12&bitrate=3000"
SEEDS = range(1, 9)

references = {}
results = {}


def render(seed):
    references[seed] = element_frames("class=4 seed=%d density=2" % seed, 96, 64, "12/1", 40)


renders = [threading.Thread(target=render, args=(s,)) for s in SEEDS]
for t in renders:
    t.start()
for t in renders:
    t.join()
check(len(references) == 8, "references not rendered")

with Server("--max-pipelines", "8") as server:
    def watch(seed):
        results[seed] = gst_receive(rtspsrc(server.url("class=4&seed=%d&%s" % (seed, SIZE))), 9,
                                    timeout=120, retry_unavailable=2)
    threads = [threading.Thread(target=watch, args=(s,)) for s in SEEDS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(results) == 8, "only %d clients finished" % len(results))
    for seed, got in sorted(results.items()):
        check((got.width, got.height) == (96, 64), "seed %d: %dx%d" % (seed, got.width, got.height))
        indexes, scores = match_frames(got.frames, references[seed], 35.0)
        # Not another client's stream: the other seeds' frames at the same places differ.
        for other in SEEDS:
            if other != seed:
                wrong = max(psnr(f, references[other][k]) for f, k in zip(got.frames, indexes))
                check(wrong < min(scores) - 10, "seed %d's stream looks like seed %d's"
                      % (seed, other))
        log("ok: seed %d: frames %d..%d at %.1f dB or better" % (seed, indexes[0], indexes[-1],
                                                                min(scores)))
    started = set(re.findall(r"pipeline \d+ started: (.*)", "\n".join(server.lines)))
    check(len(started) == 8, "8 pipelines expected:\n" + "\n".join(server.lines))
    check(server.stop() == 0, "server did not exit 0")
