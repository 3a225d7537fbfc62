"""The same query gives the same frames: what rtspsrc and ffmpeg decode from a near-lossless
stream (a high bitrate) is, frame by frame and in order, what fractalvidsrc renders with the
query's properties, compared by PSNR on the luma (the fractal is a grey picture). Two clients
on pipelines of their own get the same frames. A stream of another seed does not match."""
from fvserver import (Server, check, element_frames, ffmpeg_receive, gst_receive, log,
                      match_frames, psnr, rtspsrc)

QUERY = "class=3&seed=7&motion=linear&density=2&width=160&height=120&fps=12&bitrate=4000"
PROPS = "class=3 seed=7 motion=linear density=2"
MIN_PSNR = 40.0

reference = element_frames(PROPS, 160, 120, "12/1", 60)
other = element_frames("class=3 seed=8 motion=linear density=2", 160, 120, "12/1", 60)

with Server("--shared=no") as server:
    url = server.url(QUERY)
    received = {
        "rtspsrc": gst_receive(rtspsrc(url), 13).frames,
        "rtspsrc again": gst_receive(rtspsrc(url, "protocols=tcp"), 13).frames,
        "ffmpeg": ffmpeg_receive(url, 12, 160, 120),
    }
    for client, frames in received.items():
        check(len(frames) >= 12, "%s decoded %d frames" % (client, len(frames)))
        indexes, scores = match_frames(frames, reference, MIN_PSNR)
        # The element's frames in their order, none twice (a live source late on a busy
        # machine may skip one).
        check(all(b > a for a, b in zip(indexes, indexes[1:])),
              "%s: frames repeated or out of order: %s" % (client, indexes))
        wrong = max(psnr(f, other[k]) for f, k in zip(frames, indexes))
        check(wrong < 25.0, "%s: another seed's frames match too (%.1f dB)" % (client, wrong))
        log("ok: %s: element frames %d..%d, PSNR %.1f..%.1f dB (another seed: at most %.1f)"
            % (client, indexes[0], indexes[-1], min(scores), max(scores), wrong))
    check(server.count(r"pipeline \d+ started") == 3, "one pipeline per client expected")
    check(server.stop() == 0, "server did not exit 0")
