"""Bound to an address other machines can reach, the server refuses to start without
credentials (exit 2, saying why) unless --no-auth is given; with credentials, a client on
that address without a password is answered 401, with it gets the stream. SRT there needs a
passphrase likewise."""
import socket

from fvserver import SMALL, Server, check, ffprobe, log, rtsp_request, run, exe

QUERY = "class=3&" + SMALL


def outward_address():
    """This machine's address on its default route, or 0.0.0.0 (every interface)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.123", 9))  # no packet is sent
            addr = s.getsockname()[0]
        if not addr.startswith("127."):
            return addr
    except OSError:
        pass
    return "0.0.0.0"


address = outward_address()
connect = "127.0.0.1" if address == "0.0.0.0" else address
log("non-loopback address: %s (clients connect to %s)" % (address, connect))

p = run([exe(), "--address", address, "--port", "0"], timeout=30)
check(p.returncode == 2, "no credentials: exit %d (expected 2)" % p.returncode)
check("refusing" in p.stderr and "--no-auth" in p.stderr, "message: %s" % p.stderr)
log("ok: refuses to start without credentials: %s" % p.stderr.strip())

p = run([exe(), "--address", address, "--port", "0", "--user", "u", "--password", "p",
         "--srt-port", "0"], timeout=30)
check(p.returncode == 2 and "--srt-passphrase" in p.stderr, "SRT without passphrase: %d %s"
      % (p.returncode, p.stderr))
log("ok: refuses SRT without a passphrase: %s" % p.stderr.strip())

with Server("--address", address, "--user", "u", "--password", "pw") as server:
    url = server.url(QUERY, host=connect)
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", url, host=connect)
    check(code == 401, "no password: %d %s" % (code, reason))
    p = run(["ffprobe", "-v", "error", url], timeout=30)
    check(p.returncode != 0 and "401" in p.stderr, "ffprobe without password: %s" % p.stderr)
    info = ffprobe(server.url(QUERY, host=connect, auth=("u", "pw")), seconds=1)
    check(info["width"] == "160", "with the password: %s" % info)
    log("ok: with credentials: 401 without the password, the stream with it")
    check(server.stop() == 0, "server did not exit 0")

with Server("--address", address, "--no-auth") as server:
    info = ffprobe(server.url(QUERY, host=connect), seconds=1)
    check(info["width"] == "160", "--no-auth: %s" % info)
    log("ok: --no-auth serves anyone")
    check(server.stop() == 0, "server did not exit 0")
