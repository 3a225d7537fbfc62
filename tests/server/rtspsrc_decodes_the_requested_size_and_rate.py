"""GStreamer's rtspsrc receives and decodes frames of the size and rate the URL asks for,
with timestamps one frame period apart."""
from fvserver import Server, check, gst_receive, log, rtspsrc

with Server() as server:
    for width, height, fps in ((160, 120, 15), (96, 64, 25)):
        query = "class=3&seed=7&width=%d&height=%d&fps=%d&density=2" % (width, height, fps)
        got = gst_receive(rtspsrc(server.url(query)), 16)
        check((got.width, got.height) == (width, height),
              "asked %dx%d, decoded %dx%d" % (width, height, got.width, got.height))
        check(got.framerate == (fps, 1), "asked %d fps, caps say %s" % (fps, got.framerate))
        check(len(got.frames) >= 15, "only %d frames decoded" % len(got.frames))
        steps = [b - a for a, b in zip(got.pts, got.pts[1:])]
        period = 1.0 / fps
        check(all(abs(s - period) < 0.25 * period for s in steps),
              "timestamps are not %.4f s apart: %s" % (period, steps))
        log("ok: %dx%d at %d fps, %d frames, %.4f s apart" % (width, height, fps,
                                                                len(got.frames), period))
    check(server.stop() == 0, "server did not exit 0")
