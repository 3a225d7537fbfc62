"""fractalvid-server's figures, measured side by side in one run (`./dev.sh bench`, or
`python3 tests/server/bench_server.py build/tools/fractalvid-server
build/tests/server/bench-client`):

- time from DESCRIBE to the first decoded frame, for a new pipeline (--shared=no; also with
  normalization=frame) and for a viewer joining a running one, at 640x360@30 with the
  default gop;
- the server's CPU (percent of one core) and memory (peak RSS) with 1, 8 and 32 clients of one
  query, shared (one pipeline) and unshared (one each), at the paper's 256x256@12, with the
  frame rate each client received."""
import statistics
import subprocess
import sys
import threading
import time

from fvserver import Server, check, spawn

CLIENT = sys.argv.pop(2)
FIRST_FRAME_QUERY = "class=3&seed=7&motion=linear&width=640&height=360&fps=30"
LOAD_QUERY = "class=3&seed=7"
RUNS = 10
SECONDS = 6
CLIENTS = (1, 8, 32)


def client(*args, timeout=120):
    p = spawn([CLIENT] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              text=True)
    out, err = p.communicate(timeout=timeout)
    check(p.returncode == 0, "bench-client %s: %s" % (args, err))
    return out


def first_frames(server, label, query=FIRST_FRAME_QUERY):
    out = client("first-frame", server.url(query), RUNS)
    ms = [float(line.split()[1]) for line in out.splitlines() if line.startswith("first-frame")]
    print("%-34s median %5.0f ms   min %5.0f   max %5.0f   (%d runs)"
          % (label, statistics.median(ms), min(ms), max(ms), len(ms)), flush=True)


print("DESCRIBE to first decoded frame, 640x360 at 30 fps, H.264, default gop (rtspsrc, "
      "latency=0):")
with Server("--shared=no") as server:
    first_frames(server, "new pipeline (--shared=no)")
    # A clip's first frame needs the whole clip (the paper's normalization); frame
    # normalization renders one frame before the first leaves.
    first_frames(server, "new pipeline, normalization=frame",
                 FIRST_FRAME_QUERY + "&normalization=frame")
with Server() as server:
    keeper = spawn([CLIENT, "watch", server.url(FIRST_FRAME_QUERY), "1", "600"],
                   stdout=subprocess.PIPE, text=True)
    check(keeper.stdout.readline().strip() == "all-connected", "the running viewer")
    first_frames(server, "joining a running pipeline")
    keeper.kill()
    keeper.wait()

print("\nServer CPU and memory, clients of one query at 256x256, 12 fps (%d s each):" % SECONDS)
print("%-9s %7s %10s %10s %12s %14s" % ("mode", "clients", "pipelines", "CPU %", "peak RSS",
                                         "fps/client"))
for shared in (True, False):
    for clients in CLIENTS:
        args = ["--max-pipelines", "32", "--max-clients", "64"]
        if not shared:
            args.append("--shared=no")
        with Server(*args) as server:
            idle_rss = server.rss_kib()
            watcher = spawn([CLIENT, "watch", server.url(LOAD_QUERY), str(clients), str(SECONDS)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if watcher.stdout.readline().strip() != "all-connected":
                check(False, "clients did not connect: %s" % watcher.stderr.read())
            cpu0, t0 = server.cpu_seconds(), time.monotonic()
            peak = [server.rss_kib()]

            def sample():
                while watcher.poll() is None:
                    peak.append(server.rss_kib())
                    time.sleep(0.2)
            sampler = threading.Thread(target=sample)
            sampler.start()
            out, err = watcher.communicate(timeout=SECONDS + 60)
            cpu = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0) * 100
            sampler.join()
            check(watcher.returncode == 0, err)
            fps = [float(line.split()[1]) for line in out.splitlines()
                   if line.startswith("client-fps")]
            pipelines = server.count(r"pipeline \d+ started")
            print("%-9s %7d %10d %10.1f %9.1f MiB %8.1f..%.1f"
                  % ("shared" if shared else "unshared", clients, pipelines, cpu,
                     max(peak) / 1024, min(fps), max(fps)), flush=True)
print("(idle server: %.1f MiB)" % (idle_rss / 1024))
