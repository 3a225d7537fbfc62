"""Clips per second of `fractalvid-dataset make` in every format at the paper's settings
(256x256, 18-20 frames at 12 fps), beside the authors' generator when a checkout of it is
given (github.com/davidsvy/fractal_video: generate_synthetic.py --type fractal, unlabeled
clips written as HEVC mp4 through ffmpeg).

  bench_make.py FRACTALVID-DATASET [--clips N] [--labelled] [--authors CHECKOUT [--authors-clips M]]

Ours: N unlabeled clips per format (a new class every clip, as the authors' unlabeled mode),
the whole command timed, start-up included: wall seconds, and CPU seconds (user + system,
every thread and child). Theirs: CPU seconds per clip after Numba's compile, from a run of 1
clip and a run of 1 + M clips, both after a run that fills Numba's cache:
(CPU(1 + M) - CPU(1)) / M, with Numba on one thread (its least CPU per clip; its threads spin
when the machine is busy). CPU per clip is what decides clips/s on a machine whose cores all
work, and it hardly moves with the load of other programs; the ratio of the two is the
speed-up."""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

FORMATS = [("mp4", "H.264 mp4"), ("hevc", "H.265 mp4"), ("ffv1", "FFV1 mkv, lossless"),
           ("png", "PNG frames"), ("webdataset", "tars of H.264 mp4")]


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, **kw):
    """(wall seconds, CPU seconds) of cmd."""
    cpu0, t0 = children_cpu(), time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return time.monotonic() - t0, children_cpu() - cpu0


def du(path):
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(path) for n in ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tool")
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--labelled", action="store_true",
                    help="also make --classes 10 --per-class clips/10 in mp4")
    ap.add_argument("--authors", metavar="CHECKOUT")
    ap.add_argument("--authors-clips", type=int, default=10)
    ap.add_argument("--python", default="/usr/bin/python3")
    args = ap.parse_args()

    theirs = None
    with tempfile.TemporaryDirectory(prefix="fv-bench-") as tmp:
        if args.authors:
            cmd = [args.python, os.path.join(args.authors, "generate_synthetic.py"), "--type",
                   "fractal", "--dir_out"]
            env = dict(os.environ, NUMBA_NUM_THREADS="1")
            # Numba caches some of what it compiles beside the sources: a first run fills the
            # cache, so the two measured runs compile the same and the difference is clips.
            timed(cmd + [os.path.join(tmp, "a0"), "--samples", "1"], cwd=args.authors, env=env)
            _, one = timed(cmd + [os.path.join(tmp, "a1"), "--samples", "1"],
                           cwd=args.authors, env=env)
            wall, more = timed(cmd + [os.path.join(tmp, "a2"), "--samples",
                                      str(1 + args.authors_clips)], cwd=args.authors, env=env)
            theirs = (more - one) / args.authors_clips
            print("authors' generate_synthetic.py: %.2f CPU-s per clip after Numba's compile "
                  "(%d clips; %.0f s wall in all), %.0f KiB/clip" % (
                      theirs, args.authors_clips, wall,
                      du(os.path.join(tmp, "a2")) / (1 + args.authors_clips) / 1024))
            for run in ("a0", "a1"):
                shutil.rmtree(os.path.join(tmp, run))
            shutil.rmtree(os.path.join(tmp, "a2"))
        print("%-11s %-20s %5s %8s %8s %10s %8s%s" % (
            "format", "", "clips", "seconds", "clips/s", "CPU-s/clip", "KiB/clip",
            "  vs authors (CPU/clip)" if theirs else ""))
        runs = [(f, d, ["--unlabeled", str(args.clips)], args.clips) for f, d in FORMATS]
        if args.labelled:
            per = max(1, args.clips // 10)
            runs.append(("mp4", "labelled, 10 classes",
                         ["--classes", "10", "--per-class", str(per)], 10 * per))
        for fmt, what, size, clips in runs:
            out = os.path.join(tmp, fmt)
            wall, cpu = timed([args.tool, "make", "--quiet", "--out", out, "--format", fmt]
                              + size)
            print("%-11s %-20s %5d %8.1f %8.1f %10.3f %8.0f%s" % (
                fmt, what, clips, wall, clips / wall, cpu / clips, du(out) / clips / 1024,
                "  %8.1fx" % (theirs / (cpu / clips)) if theirs else ""))
            sys.stdout.flush()
            shutil.rmtree(out)
    print("%d cores; load average %.1f at the end" % (os.cpu_count(), os.getloadavg()[0]))


if __name__ == "__main__":
    main()
