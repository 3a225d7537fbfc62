"""With --user/--password (Basic and Digest), an htpasswd file (Basic) or an htdigest file
(Digest), a request without credentials or with a wrong password is answered 401 and gets no
stream; the right password gets the stream, with rtspsrc and with ffprobe. The htpasswd file
is written by Apache's htpasswd, with each kind of hash it makes."""
import base64
import hashlib
import os
import subprocess
import tempfile

from fvserver import (SMALL, Server, check, exe, ffprobe, gst_receive, log, rtsp_request, rtspsrc,
                      run)

QUERY = "class=3&" + SMALL


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


def refused_by_clients(server, user, password):
    p = run(["ffprobe", "-v", "error", server.url(QUERY, auth=(user, password))], timeout=30)
    check(p.returncode != 0 and "401" in p.stderr, "ffprobe with a wrong password: %s"
          % p.stderr)
    p = run(["gst-launch-1.0", "rtspsrc", "location=" + server.url(QUERY), "user-id=" + user,
             "user-pw=" + password, "!", "fakesink"], timeout=30)
    check(p.returncode != 0 and "Unauthorized" in p.stdout + p.stderr,
          "rtspsrc with a wrong password:\n" + p.stdout[-1000:] + p.stderr[-1000:])


with Server("--user", "alice", "--password", "s3cret") as server:
    code, reason, headers, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY))
    check(code == 401, "no credentials: %d %s" % (code, reason))
    offered = " ".join(headers.get("www-authenticate", []))
    check("Basic" in offered and "Digest" in offered and 'realm="fractalvid"' in offered,
          "WWW-Authenticate: %s" % offered)
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                      basic("alice", "wrong"))
    check(code == 401, "wrong Basic password: %d %s" % (code, reason))
    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                      basic("mallory", "s3cret"))
    check(code == 401, "unknown user: %d %s" % (code, reason))
    refused_by_clients(server, "alice", "wrong")
    check(server.count(r"pipeline \d+ started") == 0, "a refused client started a pipeline:\n" +
          "\n".join(server.lines))

    code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                      basic("alice", "s3cret"))
    check(code == 200, "right Basic password: %d %s" % (code, reason))
    info = ffprobe(server.url(QUERY, auth=("alice", "s3cret")), seconds=1)
    check(info["width"] == "160", "ffprobe with the password: %s" % info)
    got = gst_receive(rtspsrc(server.url(QUERY), "user-id=alice user-pw=s3cret"), 4)
    check(len(got.frames) >= 3, "rtspsrc with the password got no frames")
    log("ok: --user/--password: 401 without or with a wrong password, streams with it")
    check(server.stop() == 0, "server did not exit 0")

with tempfile.TemporaryDirectory(prefix="fv-server-test-") as tmp:
    path = os.path.join(tmp, "users.htdigest")
    ha1 = hashlib.md5(b"bob:fractalvid:hunter22").hexdigest()
    with open(path, "w") as f:
        f.write("bob:fractalvid:%s\n" % ha1)
    with Server("--htdigest", path) as server:
        code, _, headers, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY))
        offered = " ".join(headers.get("www-authenticate", []))
        check(code == 401 and "Digest" in offered, "htdigest: %d %s" % (code, offered))
        refused_by_clients(server, "bob", "hunter2")
        info = ffprobe(server.url(QUERY, auth=("bob", "hunter22")), seconds=1)
        check(info["height"] == "120", "ffprobe with the htdigest password: %s" % info)
        log("ok: --htdigest: Digest only, the file's password works, another does not")
        check(server.stop() == 0, "server did not exit 0")

    with Server("--user", "alice", "--password", "s3cret", "--auth-method", "digest") as server:
        code, _, headers, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                           basic("alice", "s3cret"))
        offered = " ".join(headers.get("www-authenticate", []))
        check(code == 401 and "Basic" not in offered, "digest only: Basic accepted (%d)" % code)
        log("ok: --auth-method digest refuses Basic")
        check(server.stop() == 0, "server did not exit 0")

# htpasswd's hashes: bcrypt (-B), Apache MD5 (-m, its default), SHA-256 (-2), SHA-512 (-5),
# SHA-1 (-s).
HTPASSWD_USERS = [("ann", "-B", "pw-bcrypt"), ("ben", "-m", "pw-apr1"), ("cy", "-2", "pw-sha256"),
                  ("di", "-5", "pw-sha512"), ("ed", "-s", "pw-sha1")]
with tempfile.TemporaryDirectory(prefix="fv-server-test-") as tmp:
    path = os.path.join(tmp, "users.htpasswd")
    for i, (user, kind, password) in enumerate(HTPASSWD_USERS):
        subprocess.run(["htpasswd", "-b" + ("c" if i == 0 else ""), kind, path, user, password],
                       check=True, capture_output=True, timeout=30)
    with Server("--htpasswd", path) as server:
        code, _, headers, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY))
        offered = " ".join(headers.get("www-authenticate", []))
        check(code == 401 and "Basic" in offered and "Digest" not in offered,
              "htpasswd: %d %s" % (code, offered))
        for user, kind, password in HTPASSWD_USERS:
            code, reason, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                              basic(user, password))
            check(code == 200, "htpasswd %s %s, right password: %d %s" % (kind, user, code,
                                                                          reason))
            for wrong in (password + "x", password[:-1], ""):
                code, _, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                             basic(user, wrong))
                check(code == 401, "htpasswd %s %s, password %r: %d" % (kind, user, wrong, code))
        code, _, _, _ = rtsp_request(server.port, "DESCRIBE", server.url(QUERY),
                                     basic("nobody", "pw-apr1"))
        check(code == 401, "htpasswd: a user not in the file: %d" % code)
        refused_by_clients(server, "ann", "pw-bcryp")
        info = ffprobe(server.url(QUERY, auth=("ben", "pw-apr1")), seconds=1)
        check(info["width"] == "160", "ffprobe with an htpasswd password: %s" % info)
        got = gst_receive(rtspsrc(server.url(QUERY), "user-id=di user-pw=pw-sha512"), 4)
        check(len(got.frames) >= 3, "rtspsrc with an htpasswd password got no frames")
        log("ok: --htpasswd: every kind of htpasswd hash checks its password, and only it")
        check(server.stop() == 0, "server did not exit 0")

    # A line the server cannot check is refused at start, naming it.
    with open(path, "a") as f:
        f.write("fay:plain-text\n")
    p = run([exe(), "--port", "0", "--htpasswd", path], timeout=30)
    check(p.returncode == 2 and "line 6" in p.stderr and "fay" in p.stderr,
          "a plain-text password line: exit %d: %s" % (p.returncode, p.stderr))
    log("ok: an htpasswd line of plain text is refused: %s" % p.stderr.strip())
