"""SIGINT and SIGTERM close every session (RTSP clients and SRT callers), stop every
pipeline and exit 0."""
import signal

from fvserver import SMALL, Server, Viewer, check, log, rtspsrc

for sig in (signal.SIGINT, signal.SIGTERM):
    with Server("--shared=no", srt=True) as server:
        viewers = [Viewer(rtspsrc(server.url("seed=%d&%s" % (i, SMALL)))) for i in range(2)]
        viewers.append(Viewer("srtsrc uri=%s streamid=seed=9&%s auto-reconnect=false"
                              % (server.srt_url(), SMALL)))
        for v in viewers:
            v.wait_frames(3, timeout=60)
        status = server.stop(sig)
        check(status == 0, "exit status %d after signal %d" % (status, sig))
        check(server.count(r"disconnected") == 3, "a disconnect line per client:\n" +
              "\n".join(server.lines))
        check(server.count(r"pipeline \d+ stopped") == 3, "every pipeline stopped:\n" +
              "\n".join(server.lines))
        check(server.lines[-1].endswith("stopped"), "last line: %s" % server.lines[-1])
        for v in viewers:
            v.kill()
        log("ok: signal %d: 3 sessions closed, 3 pipelines stopped, exit 0" % sig)
