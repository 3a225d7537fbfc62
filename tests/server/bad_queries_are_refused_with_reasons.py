"""A bad query gets an RTSP error whose reason phrase (and text body) says what was wrong: an
unknown key, a value out of range, caps the element or encoder cannot make, keys that do not
go together. Real clients show it (rtspsrc's error, ffprobe's status). The server keeps
serving good requests in between."""
from fvserver import SMALL, Server, Viewer, check, log, rtsp_request, rtspsrc, run

CASES = [
    # query, status, words the reason must contain
    ("class=3&bogus=1", 400, ['unknown key "bogus"', "codec"]),
    ("seed=-7", 400, ['"-7"', "seed", "0 to 18446744073709551615"]),
    ("motion=wobbly", 400, ["motion", "nonlinear"]),
    ("width=0", 400, ["width", "1 to 8192"]),
    ("width=9000&height=64", 400, ["width", "8192"]),
    ("fps=0", 400, ["framerate"]),
    ("codec=av1", 400, ["codec", "h264"]),
    ("bitrate=0", 400, ["bitrate", "1 to 1000000"]),
    ("width=161&height=120", 400, ["divisible by 2", "161x120"]),
    ("codec=vp8&format=Y444", 400, ["vp8", "Y444", "I420"]),
    ("codec=mjpeg&format=GRAY8", 400, ["mjpeg", "4:2:0"]),
    ("codec=mjpeg&bitrate=900", 400, ["bitrate", "mjpeg", "quality"]),
    ("quality=50", 400, ["quality", "mjpeg"]),
    ("fps=12&framerate=12", 400, ["given twice"]),
    ("is-live=false", 400, ["is-live", "live"]),
    ("class=3&seed=1%zz", 400, ["escape"]),
    # One value grammar for the element's keys and the stream's: decimal only, no sign on
    # unsigned values, no spaces, fractions as N or N/D.
    ("seed=0x10", 400, ['"0x10"', "seed"]),
    ("bitrate=%2B900", 400, ['"+900"', "bitrate"]),
    ("density=%201", 400, ['" 1"', "density"]),
    ("fps=30/0", 400, ['"30/0"', "framerate", "N/D"]),
    ("fps=0x1e", 400, ['"0x1e"', "framerate"]),
]

with Server() as server:
    # A client watching all along: bad requests around it disturb nothing.
    viewer = Viewer(rtspsrc(server.url("class=3&" + SMALL)))
    viewer.wait_frames(3)
    for query, status, words in CASES:
        url = server.url(query)
        code, reason, headers, body = rtsp_request(server.port, "DESCRIBE", url)
        check(code == status, "%s: status %d %s, expected %d" % (query, code, reason, status))
        for w in words:
            check(w in reason and w in body, "%s: reason %r / body %r lacks %r"
                  % (query, reason, body, w))
        log("ok: %s -> %d %s" % (query, code, reason))
        # ... and the server still serves.
        good = rtsp_request(server.port, "DESCRIBE", server.url("class=3&" + SMALL))
        check(good[0] == 200, "a good DESCRIBE after %s: %s %s" % (query, good[0], good[1]))

    # Another path than /fractal: not found.
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url().replace(
        "/fractal", "/other"))
    check(code == 404, "/other: %d %s" % (code, reason))

    # What clients show.
    p = run(["gst-launch-1.0", "rtspsrc", "location=" + server.url("class=3&bogus=1"), "!",
             "fakesink"], timeout=30)
    check(p.returncode != 0 and 'unknown key \\"bogus\\"' in p.stdout + p.stderr
          or 'unknown key "bogus"' in p.stdout + p.stderr,
          "rtspsrc does not show the reason:\n" + p.stdout[-1500:] + p.stderr[-1500:])
    p = run(["ffprobe", "-v", "error", server.url("seed=-7")], timeout=30)
    check(p.returncode != 0 and "400" in p.stderr, "ffprobe: %s" % p.stderr)
    log("ok: rtspsrc shows the reason, ffprobe the status")

    before = viewer.frames
    viewer.wait_frames(before + 3)
    check(server.count(r"pipeline \d+ started") == 1, "the good requests joined one pipeline")
    check(server.count("refused 400") == len(CASES) + 2, "a refusal line per bad request")
    log("ok: the watching client went on (%d frames), one pipeline served every good request"
        % viewer.frames)

    # Frame rates as N and as N/D are good values.
    for query in ("fps=30&" + SMALL.replace("fps=12&", ""),
                  "fps=30000/1001&" + SMALL.replace("fps=12&", "")):
        code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(query))
        check(code == 200, "%s: %d %s" % (query, code, reason))
    viewer.stop()
    check(server.stop() == 0, "server did not exit 0")
