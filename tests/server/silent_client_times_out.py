"""A client that goes silent without closing its connection (no TEARDOWN, no FIN, no
keep-alive) loses its session when --session-timeout expires, and its pipeline stops."""
import re
import socket
import time

from fvserver import SMALL, Server, check, log

with Server("--shared=no", "--session-timeout", "3") as server:
    url = server.url("class=3&" + SMALL)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)

    def request(lines):
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(65536)
        head, _, body = reply.partition(b"\r\n\r\n")
        m = re.search(rb"Content-Length: (\d+)", head)
        while m and len(body) < int(m.group(1)):
            body += sock.recv(65536)
        return head.decode()

    head = request(["DESCRIBE %s RTSP/1.0" % url, "CSeq: 1", "Accept: application/sdp"])
    check(head.startswith("RTSP/1.0 200"), head)
    base = re.search(r"Content-Base: (\S+)", head).group(1)
    head = request(["SETUP %sstream=0 RTSP/1.0" % base, "CSeq: 2",
                    "Transport: RTP/AVP;unicast;client_port=40000-40001"])
    check(head.startswith("RTSP/1.0 200"), head)
    session = re.search(r"Session: ([^;\r\n]+)", head).group(1)
    head = request(["PLAY %s RTSP/1.0" % base, "CSeq: 3", "Session: " + session])
    check(head.startswith("RTSP/1.0 200"), head)
    server.wait_for(r"pipeline 1 started")
    t0 = time.monotonic()
    # Silence, connection open: only the session timeout can end it.
    server.wait_for(r"pipeline 1 stopped", timeout=20)
    waited = time.monotonic() - t0
    log("ok: the silent client's pipeline stopped after %.1f s (timeout 3 s)" % waited)
    check(waited >= 2.0, "stopped before the timeout (%.1f s)" % waited)
    sock.close()
    check(server.stop() == 0, "server did not exit 0")
