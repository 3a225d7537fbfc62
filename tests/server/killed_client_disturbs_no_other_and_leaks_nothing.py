"""A client killed mid-stream (SIGKILL: no TEARDOWN) disturbs no other client, its pipeline
(unshared) stops as soon as its connection drops, and nothing leaks: after rounds of killed
clients the server's memory and thread count come back to where they were."""
import time

from fvserver import Server, Viewer, check, log, rtspsrc

QUERY = "class=5&seed=%d&width=320&height=240&fps=15&density=2"
ROUNDS = 3


def kill_round(server, seed):
    """A viewer starts, decodes a few frames and is killed; its pipeline must stop."""
    mark = len(server.lines)
    victim = Viewer(rtspsrc(server.url(QUERY % seed)))
    started = server.wait_for(r"pipeline (\d+) started", start=mark).group(1)
    victim.wait_frames(5)
    victim.kill()
    server.wait_for(r"pipeline %s stopped" % started, timeout=20, start=mark)


def settled(server, what):
    """(RSS KiB, threads) once no pipeline runs and idle threads had time to go."""
    server.wait_until(lambda: server.running_pipelines() == 0, "no pipeline runs")
    time.sleep(1.0)
    return server.rss_kib(), server.threads()


with Server("--shared=no") as server:
    # Warm up: the first pipelines load plugins and fill allocator pools for good.
    kill_round(server, 100)
    kill_round(server, 101)
    rss0, threads0 = settled(server, "warm-up")
    log("baseline: RSS %d KiB, %d threads" % (rss0, threads0))

    survivor = Viewer(rtspsrc(server.url(QUERY % 1)))
    survivor.wait_frames(5)
    # What one running pipeline of this size holds: a leaked one would keep about as much.
    footprint = server.rss_kib() - rss0
    log("one pipeline: %d KiB" % footprint)
    for r in range(ROUNDS):
        before = survivor.frames
        kill_round(server, 200 + r)
        # The other client kept receiving through the kill.
        survivor.wait_frames(before + 8, timeout=20)
    log("ok: %d clients killed; the other decoded %d frames meanwhile" % (ROUNDS, survivor.frames))
    survivor.stop()

    # Back to the baseline: threads exactly (idle pool threads may take a while to go), memory
    # within allocator noise: less than half of what one pipeline holds, where the pipelines
    # of the killed clients, leaked, would hold three times that.
    margin = max(footprint // 2, 2048)
    deadline = time.monotonic() + 30
    while True:
        rss, threads = settled(server, "after")
        if (threads <= threads0 and rss <= rss0 + margin) or time.monotonic() > deadline:
            break
    log("after: RSS %d KiB, %d threads" % (rss, threads))
    check(threads <= threads0, "threads: %d, baseline %d" % (threads, threads0))
    check(rss <= rss0 + margin, "RSS grew from %d to %d KiB (one pipeline: %d KiB)"
          % (rss0, rss, footprint))
    check(server.stop() == 0, "server did not exit 0")
