"""Eight clients with the same query share one pipeline (gst-rtsp-server's shared media):
one pipeline starts, all eight decode frames, and the pipeline stops when the last leaves.
Queries that name the same stream in another order or spelling share it too."""
from fvserver import SMALL, Server, Viewer, check, log, rtspsrc

QUERIES = ["class=3&seed=7&" + SMALL, SMALL + "&seed=7&class=3",
           "class=3&seed=7&codec=h264&" + SMALL.replace("fps=12", "framerate=12/1")]

with Server() as server:
    viewers = [Viewer(rtspsrc(server.url(QUERIES[i % len(QUERIES)]))) for i in range(8)]
    for v in viewers:
        v.wait_frames(10, timeout=60)
    started = server.count(r"pipeline \d+ started")
    check(started == 1, "%d pipelines for one query:\n%s" % (started, "\n".join(server.lines)))
    check(server.count(r"client .* connected: ") == 8, "8 connect lines expected")
    log("ok: 8 clients, 1 pipeline, each decoded %s frames" % [v.frames for v in viewers])
    for v in viewers:
        v.stop()
    server.wait_for(r"pipeline 1 stopped \(0 running\)", timeout=30)
    log("ok: the pipeline stopped with its last client")
    check(server.stop() == 0, "server did not exit 0")
