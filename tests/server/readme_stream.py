"""The README's "Stream it" commands run as written, with free ports in place of the fixed
ones (other servers may run on this machine) and a sink that ends in place of the screen:
the servers start, the gst-launch-1.0 clients decode frames, the recording is a video of the
size asked, the RTP/UDP and SRT sender/receiver pairs carry frames. The players that need a
screen are checked on the same URL: ffplay with ffprobe (the same FFmpeg libraries),
gst-play-1.0 with a fake video sink, VLC with a video output that shows nothing and its scene
filter saving what it decoded."""
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time

README = os.path.abspath(sys.argv[1])
del sys.argv[1]  # fvserver.exe() is the next argument
from fvserver import check, exe, fail, log, run, spawn  # noqa: E402

SERVER = "build/tools/fractalvid-server"
SCREEN_SINK = "autovideosink"
ENDING_SINK = "identity eos-after=10 ! fakesink"


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


text = open(README, encoding="utf-8").read()
section = text[text.index("## Stream it"):]
section = section[:section.index("\n## ", 1)]
commands = [line for block in re.findall(r"```sh\n(.*?)```", section, re.S)
            for line in block.splitlines() if line.strip() and not line.startswith("#")]
check(commands and commands[0] == "./dev.sh setup && export GST_PLUGIN_PATH=$PWD/build/gst",
      "the section starts with the setup line: %r" % commands[:1])
commands = commands[1:]  # the test environment points at the build tree already

# The README's ports, each replaced by a free one.
ports = {"8554": free_port(socket.SOCK_STREAM), "8555": free_port(socket.SOCK_STREAM),
         "8890": free_port(socket.SOCK_DGRAM),
         "5000": free_port(socket.SOCK_DGRAM), "8891": free_port(socket.SOCK_DGRAM)}


def as_run(cmd, server_port=None):
    """The command with this build's server, free ports and a sink that ends."""
    for old, new in ports.items():
        cmd = re.sub(r"(?<=[:= ])%s\b" % old, str(new), cmd)
    if server_port:
        cmd = cmd.replace(":%d/" % ports["8554"], ":%d/" % server_port)
    cmd = cmd.replace(SERVER, shlex.quote(exe()))
    return cmd.replace(SCREEN_SINK, ENDING_SINK)


tmp = tempfile.TemporaryDirectory(prefix="fv-readme-stream-")


def bash(cmd, timeout=60):
    p = run(["bash", "-c", "set -euo pipefail\n" + cmd], timeout=timeout, cwd=tmp.name)
    check(p.returncode == 0, "README command failed (%d): %s\n%s\n%s"
          % (p.returncode, cmd, p.stdout[-1500:], p.stderr[-1500:]))
    return p


class Background:
    """A command left running; its output kept (read as it comes, so it never blocks)."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.proc = spawn(["bash", "-c", "exec " + cmd], cwd=tmp.name, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_line(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(pattern, line)
                if m:
                    return m
            if self.proc.poll() is not None and not any(re.search(pattern, l)
                                                        for l in self.lines):
                break
            time.sleep(0.05)
        fail("%s: no line matching %r in:\n%s" % (self.cmd, pattern, "".join(self.lines[-20:])))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def ffprobe_video(url_args, seconds=1):
    p = run(["ffprobe", "-v", "error", "-count_frames", "-read_intervals", "%%+%d" % seconds,
             "-select_streams", "v:0", "-show_entries", "stream=width,height,nb_read_frames",
             "-of", "csv=p=0"] + url_args, timeout=60)
    check(p.returncode == 0, "ffprobe %s: %s" % (url_args, p.stderr[-1000:]))
    # MPEG-TS lists the stream under its program too: the first line is enough.
    return [int(v) for v in p.stdout.strip().splitlines()[0].split(",")]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def vlc_watch(cmd):
    """VLC as written, without a screen: no interface, a video output that shows nothing,
    and its scene filter writing every decoded picture to a PNG; four seconds, then it quits.
    VLC refuses to run as root: as root (CI), it runs as nobody."""
    args = shlex.split(cmd)
    with tempfile.TemporaryDirectory(prefix="fv-readme-vlc-") as shots:
        os.chmod(shots, 0o777)
        head = ["vlc", "-I", "dummy", "--vout", "vdummy", "--no-audio", "--no-video-title-show",
                "--video-filter", "scene", "--scene-format", "png", "--scene-ratio", "1",
                "--scene-prefix", "frame", "--scene-path", shots, "--run-time", "4",
                "--play-and-exit", "-vv"]
        env = dict(os.environ, HOME=shots)
        if os.geteuid() == 0:
            head = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + head
        p = run(head + args[1:], timeout=60, env=env)
        pictures = sorted(f for f in os.listdir(shots) if f.endswith(".png"))
        check(p.returncode == 0 and len(pictures) >= 10,
              "%s: exit %d, %d pictures decoded:\n%s" % (cmd, p.returncode, len(pictures),
                                                       (p.stdout + p.stderr)[-3000:]))
        # The pictures are VLC's buffers, padded below the frame; VLC's log (-vv) names the
        # visible size of what it shows.
        width, _ = png_size(os.path.join(shots, pictures[-1]))
        shown = re.findall(r"video output debug: original format .*? vsz (\d+)x(\d+)",
                           p.stdout + p.stderr)
        check(width == 640 and shown and shown[-1] == ("640", "360"),
              "%s: pictures %d wide, shown at %s" % (cmd, width, shown[-1:]))


def watch(cmd, server, server_port):
    """A client of the README's server: a player checked on its URL, a recording, a
    gst-launch-1.0 receiver or ffprobe."""
    if cmd.startswith("vlc "):
        vlc_watch(as_run(cmd, server_port))
    elif cmd.startswith("ffplay "):
        args = shlex.split(as_run(cmd, server_port))[1:]
        # A second of the stream: up to 30 frames, fewer when a busy machine makes the
        # element skip some.
        width, height, frames = ffprobe_video(args)
        check((width, height) == (640, 360) and frames >= 3, "%s: %dx%d, %d frames"
              % (cmd, width, height, frames))
    elif cmd.startswith("gst-play-1.0 "):
        args = shlex.split(as_run(cmd, server_port))
        before = len(server.lines)
        player = Background(" ".join(shlex.quote(a) for a in
                                     [args[0], "--videosink=fakesink"] + args[1:]))
        # It connected and asked for the stream, and still plays a while later.
        query = args[-1].split("?", 1)[1]
        deadline = time.monotonic() + 30
        while not any(re.search(r"connected: /fractal\?" + re.escape(query) + "$", line)
                      for line in server.lines[before:]):
            check(player.proc.poll() is None and time.monotonic() < deadline,
                  "gst-play-1.0 did not connect:\n" + "".join(player.lines))
            time.sleep(0.1)
        time.sleep(3)
        check(player.proc.poll() is None, "gst-play-1.0 stopped:\n" + "".join(player.lines))
        player.stop()
    elif cmd.startswith("ffmpeg ") and " -t 10 " in cmd:
        bash(as_run(cmd, server_port).replace(" -t 10 ", " -t 2 "))
        out = cmd.split()[-1]
        path = os.path.join(tmp.name, out)
        width, height, frames = ffprobe_video([path], seconds=10)
        p = run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                 path], timeout=30)
        duration = float(p.stdout.strip())
        # Two seconds of the live stream: at most 30 fps. On a busy machine the element skips
        # the frames it could not render in time, and a skip longer than what is left of the
        # two seconds ends the recording early: a few frames are enough.
        check((width, height) == (640, 360) and 2 <= frames <= 65 and duration <= 3,
              "the recording: %dx%d, %d frames, %.2f s (2 s at 30 fps)"
              % (width, height, frames, duration))
    elif cmd.startswith("ffprobe ") or cmd.startswith("gst-launch-1.0 "):
        bash(as_run(cmd, server_port))
    else:
        fail("the test does not know how to run: %s" % cmd)


def send_and_receive(sender_cmd, receiver_cmd):
    """A gst-launch-1.0 sender, then its receiver, which must end with frames."""
    sender = Background(as_run(sender_cmd))
    time.sleep(1)
    bash("exec " + as_run(receiver_cmd))
    sender.stop()


# Clients of one server, and sender/receiver pairs, run side by side (as users would, in
# several terminals); setup steps and servers in order.
batch = []


def run_batch():
    failures = []

    def job(fn, args, cmds):
        try:
            fn(*args)
            for c in cmds:
                log("ok: %s" % c)
        except SystemExit:
            failures.append(cmds[0])

    threads = [threading.Thread(target=job, args=item) for item in batch]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batch.clear()
    check(not failures, "README commands failed: %s" % failures)


ran = 0
servers = []
server_port = None
pending = list(commands)
while pending:
    cmd = pending.pop(0)
    if cmd.startswith(SERVER):
        run_batch()
        server = Background(as_run(cmd) + (" --port 0" if "--port" not in cmd else ""))
        server_port = int(server.wait_line(r"serving rtsps?://[^ ]+:(\d+)/").group(1))
        servers.append(server)
        log("ok: %s (port %d)" % (cmd, server_port))
    elif cmd.startswith(("printf ", "openssl ", "htpasswd ")):
        run_batch()
        bash(as_run(cmd, server_port))
        log("ok: %s" % cmd)
    elif cmd.startswith("gst-launch-1.0 fractalvidsrc"):
        # A sender: its receiver is the next command.
        receiver = pending.pop(0)
        check(receiver.startswith("gst-launch-1.0 ") and SCREEN_SINK in receiver,
              "a receiver follows the sender: %r" % receiver)
        batch.append((send_and_receive, (cmd, receiver), [cmd, receiver]))
        ran += 1
    elif cmd.startswith("gst-play-1.0 "):
        # Checked by its connection in the server's log: alone, so no other client's counts.
        run_batch()
        batch.append((watch, (cmd, servers[-1], server_port), [cmd]))
        run_batch()
    else:
        batch.append((watch, (cmd, servers[-1], server_port), [cmd]))
    ran += 1
run_batch()

for server in servers:
    check(server.stop() == 0, "a server did not exit 0: %s" % server.cmd)
check(ran == len(commands), "ran %d of %d commands" % (ran, len(commands)))
log("ok: %d README commands ran" % ran)
