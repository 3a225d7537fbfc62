"""--max-pipelines: a request that needs one more pipeline is answered 503 at once (not
queued), with a reason, while a request joining a running pipeline (the same query) is
served; once a pipeline stops a new query is served again. --max-clients: a connection over
the limit is answered 503."""
import time

from fvserver import SMALL, Server, Viewer, check, log, rtsp_request, rtspsrc, run

with Server("--max-pipelines", "2") as server:
    a = Viewer(rtspsrc(server.url("seed=1&" + SMALL)))
    b = Viewer(rtspsrc(server.url("seed=2&" + SMALL)))
    a.wait_frames(3)
    b.wait_frames(3)
    t0 = time.monotonic()
    code, reason, _, body = rtsp_request(server.port, "DESCRIBE", server.url("seed=3&" + SMALL))
    took = time.monotonic() - t0
    check(code == 503, "a third pipeline: %d %s" % (code, reason))
    check("--max-pipelines" in reason and "2 pipelines" in reason, "reason: %r" % reason)
    check(took < 5, "the refusal took %.1f s" % took)
    p = run(["ffprobe", "-v", "error", server.url("seed=3&" + SMALL)], timeout=30)
    check(p.returncode != 0 and "503" in p.stderr, "ffprobe over the limit: %s" % p.stderr)
    log("ok: over --max-pipelines: %d %s (in %.2f s)" % (code, reason, took))

    c = Viewer(rtspsrc(server.url("seed=1&" + SMALL)))  # joins a's pipeline
    c.wait_frames(3)
    log("ok: the same query joins its running pipeline")

    a.stop()
    c.stop()
    server.wait_for(r"stopped \(1 running\)", timeout=30)
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url("seed=3&" + SMALL))
    check(code == 200, "after a pipeline stopped: %d %s" % (code, reason))
    log("ok: a freed pipeline can be used again")
    b.stop()
    check(server.stop() == 0, "server did not exit 0")

with Server("--max-clients", "2") as server:
    a = Viewer(rtspsrc(server.url("seed=1&" + SMALL)))
    b = Viewer(rtspsrc(server.url("seed=1&" + SMALL)))
    a.wait_frames(2)
    b.wait_frames(2)
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url("seed=1&" + SMALL))
    check(code == 503 and "--max-clients" in reason, "a third client: %d %s" % (code, reason))
    log("ok: over --max-clients: %d %s" % (code, reason))
    a.stop()
    server.wait_for(r"disconnected")
    time.sleep(0.5)
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url("seed=1&" + SMALL))
    check(code == 200, "after a client left: %d %s" % (code, reason))
    b.stop()
    check(server.stop() == 0, "server did not exit 0")
