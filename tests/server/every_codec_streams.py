"""codec=h264, h265, vp8 and mjpeg each stream, decoded by rtspsrc at the size asked."""
from fvserver import SMALL, Server, check, gst_receive, log, rtspsrc

with Server() as server:
    for codec, extra in (("h264", "&bitrate=500&gop=6"), ("h265", "&bitrate=500"),
                         ("vp8", "&bitrate=500"), ("mjpeg", "&quality=90")):
        got = gst_receive(rtspsrc(server.url("codec=%s%s&%s" % (codec, extra, SMALL))), 6)
        check((got.width, got.height) == (160, 120), "%s: %dx%d" % (codec, got.width, got.height))
        check(len(got.frames) >= 5 and all(max(f) > 64 for f in got.frames),
              "%s: %d frames, some dark" % (codec, len(got.frames)))
        log("ok: %s" % codec)
    check(server.stop() == 0, "server did not exit 0")
