"""--cert/--key: the server speaks RTSPS (RTSP over TLS, the video interleaved in the
encrypted connection); rtspsrc and ffprobe receive the stream from rtsps:// URLs, with
credentials too; a plain-text RTSP request gets no answer."""
import os
import socket
import tempfile

from fvserver import SMALL, Server, check, ffprobe, gst_receive, log, rtspsrc, run

QUERY = "class=3&" + SMALL

with tempfile.TemporaryDirectory(prefix="fv-server-test-") as tmp:
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    p = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days",
             "2", "-subj", "/CN=127.0.0.1"], timeout=60)
    check(p.returncode == 0, "openssl: %s" % p.stderr)

    with Server("--cert", cert, "--key", key) as server:
        check(server.scheme == "rtsps", "the server does not announce rtsps://")
        got = gst_receive(rtspsrc(server.url(QUERY), "tls-validation-flags=0"), 5)
        check((got.width, got.height) == (160, 120) and len(got.frames) >= 4,
              "rtspsrc over TLS: %dx%d, %d frames" % (got.width, got.height, len(got.frames)))
        info = ffprobe(server.url(QUERY), seconds=1)
        check(info["width"] == "160", "ffprobe over TLS: %s" % info)
        log("ok: rtsps:// with rtspsrc and ffprobe")

        # Plain text to the TLS port: no RTSP answer comes back.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(("OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n\r\n" % server.url()).encode())
            try:
                answer = s.recv(100)
            except (ConnectionResetError, socket.timeout):
                answer = b""
        check(not answer.startswith(b"RTSP/1.0 200"), "plain RTSP answered: %r" % answer)
        log("ok: plain rtsp:// is not answered")
        check(server.stop() == 0, "server did not exit 0")

    with Server("--cert", cert, "--key", key, "--user", "u", "--password", "pw") as server:
        p = run(["ffprobe", "-v", "error", server.url(QUERY)], timeout=30)
        check(p.returncode != 0 and "401" in p.stderr, "TLS, no password: %s" % p.stderr)
        info = ffprobe(server.url(QUERY, auth=("u", "pw")), seconds=1)
        check(info["height"] == "120", "TLS with the password: %s" % info)
        log("ok: rtsps:// with credentials")
        check(server.stop() == 0, "server did not exit 0")
