"""--shared=no: each client of the same query gets a pipeline of its own, stopped when that
client leaves."""
from fvserver import SMALL, Server, Viewer, check, log, rtspsrc

with Server("--shared=no") as server:
    viewers = [Viewer(rtspsrc(server.url("class=3&seed=7&" + SMALL))) for _ in range(3)]
    for v in viewers:
        v.wait_frames(5, timeout=60)
    check(server.count(r"pipeline \d+ started") == 3,
          "3 pipelines expected:\n" + "\n".join(server.lines))
    viewers[0].stop()
    server.wait_for(r"stopped \(2 running\)", timeout=30)
    before = viewers[1].frames
    viewers[1].wait_frames(before + 5)
    log("ok: 3 clients, 3 pipelines; one left, 2 still run")
    for v in viewers[1:]:
        v.stop()
    server.wait_for(r"stopped \(0 running\)", timeout=30)
    check(server.stop() == 0, "server did not exit 0")
