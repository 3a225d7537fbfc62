"""What the fractalvid-server tests share (Python 3 standard library only).

Every test script takes the path of the fractalvid-server executable as its first argument
(meson passes the build target). Every process a test starts is started here, bounded in
time, and stopped by the test (or, at the latest, when the script exits). Clients are the
real ones: gst-launch-1.0 with rtspsrc or srtsrc, ffmpeg and ffprobe."""

import atexit
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# Small, cheap streams: a few ms per frame to render and encode, even with other builds
# running on the machine.
SMALL = "width=160&height=120&fps=12&density=2"

_processes = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def log(msg):
    print(msg, flush=True)


def exe():
    if len(sys.argv) < 2:
        sys.exit("usage: %s PATH/TO/fractalvid-server" % sys.argv[0])
    return os.path.abspath(sys.argv[1])


def _stop_all():
    for p in _processes:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


atexit.register(_stop_all)


def spawn(cmd, **kw):
    """Start cmd in its own process group (so a timeout kills all of it)."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    _processes.append(p)
    return p


def run(cmd, timeout=60, timed_out=None, **kw):
    """Run cmd to its end, at most timeout seconds; returns CompletedProcess (text). On a
    timeout the command is killed and the test fails, unless timed_out(stdout) says the
    output is what was wanted: the CompletedProcess then has returncode None."""
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        if timed_out and timed_out(out):
            return subprocess.CompletedProcess(cmd, None, out, err)
        fail("timed out after %ds: %s\nstdout:\n%s\nstderr:\n%s"
             % (timeout, " ".join(cmd), out[-2000:], err[-2000:]))
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


class Server:
    """fractalvid-server on a free port, its log read as it comes."""

    def __init__(self, *args, srt=False, expect_start=True, program=None, env=None):
        cmd = ([program or exe(), "--port", "0"] + (["--srt-port", "0"] if srt else []) +
               list(args))
        self.cmd = cmd
        self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env)
        self.lines = []
        self.errors = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.errors),
                         daemon=True).start()
        self.port = self.srt_port = None
        self.host = "127.0.0.1"
        self.scheme = "rtsp"
        if expect_start:
            m = self.wait_for(r"serving (rtsps?)://([^ ]+):(\d+)/fractal")
            self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
            if srt:
                self.srt_port = int(self.wait_for(r"serving srt://[^ ]+:(\d+)").group(1))

    def _read(self, stream, into):
        for line in stream:
            with self._cond:
                into.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, pattern, timeout=30, start=0):
        """The first log line from index start matching pattern (a match object)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._pending()):
                    fail("server log has no line matching %r after %ds; log:\n%s\nstderr:\n%s"
                         % (pattern, timeout, "\n".join(self.lines[-40:]),
                            "\n".join(self.errors[-20:])))
                self._cond.wait(min(left, 0.2))

    def _pending(self):
        return False

    def count(self, pattern):
        rx = re.compile(pattern)
        with self._cond:
            return sum(1 for line in self.lines if rx.search(line))

    def wait_until(self, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                fail("%s: not after %ds; log:\n%s" % (what, timeout, "\n".join(self.lines[-30:])))
            time.sleep(0.1)

    def running_pipelines(self):
        """The pipeline count of the last "pipeline N started/stopped (M running)" line."""
        with self._cond:
            for line in reversed(self.lines):
                m = re.search(r"\((\d+) running\)", line)
                if m:
                    return int(m.group(1))
                if " started: " in line:
                    break
        return self.count(r"pipeline \d+ started") - self.count(r"pipeline \d+ stopped")

    def url(self, query="", host=None, auth=None):
        creds = "%s:%s@" % auth if auth else ""
        return "%s://%s%s:%d/fractal%s" % (self.scheme, creds, host or self.host, self.port,
                                           "?" + query if query else "")

    def srt_url(self):
        return "srt://127.0.0.1:%d" % self.srt_port

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Send sig; the exit status (the server must exit by itself within timeout)."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stacks = backtraces(self.proc.pid)
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            fail("server did not exit within %ds of signal %d; log:\n%s\nstderr:\n%s\n%s"
                 % (timeout, sig, "\n".join(self.lines[-30:]), "\n".join(self.errors[-20:]),
                    stacks))

    def rss_kib(self):
        return _status_field(self.proc.pid, "VmRSS")

    def threads(self):
        return _status_field(self.proc.pid, "Threads")

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # a check failed inside the with block: the server's side of the story
        if exc_type is not None and not (exc_type is SystemExit and exc.code in (0, None)):
            print("server log, last lines:\n" + "\n".join(self.lines[-30:]), file=sys.stderr)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def backtraces(pid):
    """Every thread's stack of a process that hangs, by gdb if there is one: what a failure
    needs to be understood from its log alone."""
    gdb = shutil.which("gdb")
    if not gdb:
        return "(no gdb for the stacks of the hung process)"
    try:
        p = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "(gdb did not attach within 60 s)"
    return "stacks of the hung process:\n" + p.stdout[-12000:]


def _status_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return None


# ---- A raw RTSP request: the exact status line and body a client gets ----

def rtsp_request(port, method, url, headers=None, host="127.0.0.1", timeout=20):
    """Send one request on a new connection; returns (code, reason, headers dict, body)."""
    lines = ["%s %s RTSP/1.0" % (method, url), "CSeq: 1", "User-Agent: fractalvid-test"]
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        head_lines = head.decode("utf-8", "replace").split("\r\n")
        m = re.match(r"RTSP/1\.0 (\d{3}) ?(.*)", head_lines[0])
        check(m is not None, "not an RTSP response: %r" % head_lines[:1])
        hdrs = {}
        for line in head_lines[1:]:
            k, _, v = line.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        length = int(hdrs.get("content-length", ["0"])[0])
        while len(body) < length:
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk
        return int(m.group(1)), m.group(2), hdrs, body.decode("utf-8", "replace")


# ---- Clients receiving frames ----

class Received:
    """Frames a client decoded: caps, and each frame's luma plane (width*height bytes).

    The luma is the fractal (the element's chroma is neutral): compared as it comes out of
    the decoder, in the range the stream carries, with the element's own luma."""

    def __init__(self, width, height, framerate, pts, frames):
        self.width, self.height, self.framerate = width, height, framerate
        self.pts = pts
        self.frames = frames


def luma_planes(data, width, height):
    """The Y planes of back-to-back I420 frames."""
    y = width * height
    size = y + 2 * ((width + 1) // 2) * ((height + 1) // 2)
    return [data[i:i + y] for i in range(0, len(data) - size + 1, size)]


def _parse_gst_verbose(text):
    caps = []
    for line in re.findall(r"identity0\.GstPad:sink: caps = (video/x-raw.*)", text):
        fields = dict(re.findall(r"([a-z-]+)=\([a-z]+\)([^,]+)", line))
        if fields.get("format") == "I420":
            fn, fd = fields["framerate"].split("/")
            caps.append((fields["width"], fields["height"], fn, fd))
    pts = [_gst_time(t) for t in re.findall(r"chain .*?pts: ([0-9:.]+)", text)]
    return caps, pts


def _gst_time(text):
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def gst_receive(src, frames, timeout=60, extra_env=None, retry_unavailable=0):
    """gst-launch-1.0 SRC ! decodebin ! I420: the first `frames` decoded frames.

    src is the source part of the pipeline, e.g. 'rtspsrc location=... latency=100'. With
    retry_unavailable, a request answered "503 ... did not start in time" (gst-rtsp-server
    waits 20 s for a new pipeline's first frame, which several pipelines starting at once on a
    busy machine can take) is made again, at most that many times."""
    with tempfile.TemporaryDirectory(prefix="fv-server-test-") as tmp:
        out = os.path.join(tmp, "frames.yuv")
        cmd = ["gst-launch-1.0", "-v"] + src.split() + [
            "!", "decodebin", "!", "videoconvert", "!", "video/x-raw,format=I420", "!",
            # identity's end of stream can cost the last frames (dropped, or one decoded
            # from an unfinished picture): two more are asked for and left out.
            "identity", "eos-after=%d" % (frames + 2), "silent=false", "!",
            "filesink", "location=" + out]
        env = dict(os.environ, **(extra_env or {}))

        # identity's end of stream is a flow return that goes upstream through decodebin to
        # the source, which then sends EOS down. With srtsrc it has been seen not to end
        # gst-launch (in two of about a dozen CI runs): every frame came, identity passed them on
        # for the whole minute, and nothing ended. The frames are what is checked here.
        def received_all(out):
            return len(_parse_gst_verbose(out)[1]) >= frames + 2

        p = run(cmd, timeout=timeout, env=env, timed_out=received_all)
        if p.returncode is None:
            log("gst-launch did not end after identity's end of stream; the frames had all "
                "come: %s" % src)
        while (p.returncode != 0 and p.returncode is not None and retry_unavailable > 0 and
               "did not start in time" in p.stdout + p.stderr):
            log("a pipeline did not start in time (a busy machine): asking again")
            retry_unavailable -= 1
            # Clients refused together ask again apart, so their pipelines start apart.
            time.sleep(random.uniform(0, 15))
            p = run(cmd, timeout=timeout, env=env)
        # rtspsrc's PAUSE or TEARDOWN while gst-launch shuts down after the end of stream can
        # find the connection already closed; the frames were all received by then, and they
        # are what is checked here. gst-launch stops at the first error, so "Got EOS" means
        # none came before the end of stream.
        late_error = p.returncode is None or (
            p.returncode != 0 and 'Got EOS from element "pipeline0"' in p.stdout)
        if late_error and p.returncode is not None:
            log("an error while shutting down after the end of stream: %s"
                % p.stderr.strip().splitlines()[-1:])
        check(p.returncode == 0 or late_error, "%s exited %s:\n%s\n%s"
              % (" ".join(cmd), p.returncode, p.stdout[-1500:], p.stderr[-1500:]))
        caps, pts = _parse_gst_verbose(p.stdout)
        check(caps, "no I420 caps in gst-launch output:\n" + p.stdout[-2000:])
        w, h, fn, fd = (int(x) for x in caps[-1])
        data = open(out, "rb").read()
    return Received(w, h, (fn, fd), pts[:frames], luma_planes(data, w, h)[:frames])


class Viewer:
    """A client that keeps receiving until stopped: gst-launch-1.0 SRC ! decodebin !
    fakesink, counting the frames it decodes as they come."""

    def __init__(self, src):
        cmd = ["gst-launch-1.0", "-v"] + src.split() + [
            "!", "decodebin", "!", "identity", "silent=false", "!", "fakesink"]
        self.cmd = cmd
        self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.frames = 0
        self.tail = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if "chain " in line and "identity0:sink" in line:
                self.frames += 1
            else:
                self.tail = (self.tail + [line.rstrip()])[-30:]

    def wait_frames(self, count, timeout=30):
        """Wait until count frames were decoded in all."""
        deadline = time.monotonic() + timeout
        while self.frames < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                fail("viewer got %d of %d frames (%s); its output:\n%s"
                     % (self.frames, count, "exited %s" % self.proc.returncode
                        if self.proc.poll() is not None else "timed out",
                        "\n".join(self.tail)))
            time.sleep(0.05)

    def kill(self):
        """Vanish without a word: SIGKILL, as a crash or a pulled cable would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """Stop as a user would (Ctrl-C: gst-launch sends TEARDOWN)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def rtspsrc(url, extra=""):
    # rtspsrc gives up on UDP after 5 s without a packet and starts again over TCP, and on a
    # reply after 20 s; on a busy machine a new pipeline can take that long to send its first
    # frame (the DESCRIBE that starts it is answered then), several starting at once longer.
    return ("rtspsrc location=%s latency=200 timeout=30000000 tcp-timeout=90000000 %s"
            % (url, extra)).strip()


def ffmpeg_receive(url, frames, width, height, timeout=60, input_args=()):
    """ffmpeg decodes `frames` frames of url (4:2:0, left in the range it carries): their
    luma planes."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"] + list(input_args) + [
        "-i", url, "-frames:v", str(frames), "-f", "rawvideo", "-"]
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        fail("ffmpeg timed out on %s: %s" % (url, err.decode(errors="replace")[-1000:]))
    check(p.returncode == 0, "ffmpeg exited %d on %s: %s"
          % (p.returncode, url, err.decode(errors="replace")[-1500:]))
    return luma_planes(out, width, height)


def ffprobe(url, seconds=2, timeout=60, input_args=()):
    """width, height, r_frame_rate, codec_name and frames decoded in `seconds` of url."""
    cmd = ["ffprobe", "-v", "error"] + list(input_args) + [
        "-count_frames", "-read_intervals", "%%+%d" % seconds, "-select_streams", "v:0",
        "-show_entries", "stream=codec_name,width,height,r_frame_rate,nb_read_frames",
        "-of", "default=noprint_wrappers=1", url]
    p = run(cmd, timeout=timeout)
    check(p.returncode == 0, "ffprobe exited %d on %s: %s" % (p.returncode, url, p.stderr[-1500:]))
    info = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("=")
        info.setdefault(k, v)
    return info


# ---- What the element itself renders ----

def element_frames(props, width, height, fps, count):
    """The luma of frames 0..count-1 of fractalvidsrc with props (gst-launch property
    syntax), in I420 as the server gives the encoder."""
    with tempfile.TemporaryDirectory(prefix="fv-server-test-") as tmp:
        out = os.path.join(tmp, "ref.yuv")
        cmd = (["gst-launch-1.0", "-q", "fractalvidsrc"] + props.split() +
               ["num-buffers=%d" % count, "!",
                "video/x-raw,format=I420,width=%d,height=%d,framerate=%s" % (width, height, fps),
                "!", "filesink", "location=" + out])
        p = run(cmd, timeout=120)
        check(p.returncode == 0, "reference render failed: %s" % p.stderr[-1500:])
        data = open(out, "rb").read()
    return luma_planes(data, width, height)


def psnr(a, b, step=1):
    """PSNR in dB of two luma planes of equal size (every step-th pixel)."""
    aa, bb = a[::step], b[::step]
    se = sum((x - y) * (x - y) for x, y in zip(aa, bb))
    if se == 0:
        return 99.0
    return 10 * math.log10(255 * 255 * len(aa) / se)


def match_frames(received, reference, min_psnr):
    """Each received frame is one of the element's frames, in order: returns the indexes
    matched and the PSNRs. Fails if a frame matches none closely enough."""
    indexes, scores = [], []
    start = 0
    for i, frame in enumerate(received):
        # A coarse pass on every 5th pixel finds the frame, the full one measures it.
        window = range(start, min(len(reference), start + 40))
        best = max(window, key=lambda k: psnr(frame, reference[k], 5))
        score = psnr(frame, reference[best])
        check(score >= min_psnr, "received frame %d matches no element frame well: best %d "
              "at %.1f dB (need %.0f)" % (i, best, score, min_psnr))
        indexes.append(best)
        scores.append(score)
        start = best
    check(indexes == sorted(indexes), "received frames out of order: %s" % indexes)
    return indexes, scores
