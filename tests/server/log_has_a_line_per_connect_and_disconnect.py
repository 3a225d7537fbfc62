"""The log has one line per client connect and one per disconnect, each with the client's
address and query."""
import re

from fvserver import SMALL, Server, check, ffprobe, gst_receive, log, rtspsrc

with Server() as server:
    q1, q2 = "class=3&seed=1&" + SMALL, "class=3&seed=2&" + SMALL
    gst_receive(rtspsrc(server.url(q1)), 3)
    ffprobe(server.url(q2), seconds=1)
    server.wait_until(lambda: server.count("disconnected") == 2, "two disconnect lines")
    for q in (q1, q2):
        connects = [l for l in server.lines if re.search(r"client 127\.0\.0\.1:\d+ connected: "
                                                         r"/fractal\?" + re.escape(q) + "$", l)]
        disconnects = [l for l in server.lines if re.search(
            r"client 127\.0\.0\.1:\d+ disconnected: /fractal\?" + re.escape(q) +
            r" \(\d+\.\d s\)$", l)]
        check(len(connects) == 1 and len(disconnects) == 1,
              "%s: %d connect, %d disconnect lines:\n%s" % (q, len(connects), len(disconnects),
                                                           "\n".join(server.lines)))
        log("ok: %s\n    %s" % (connects[0], disconnects[0]))
    check(server.stop() == 0, "server did not exit 0")
