"""Clips per second of `fractalvid-dataset make` in every format at the paper's settings
(256x256, 18-20 frames at 12 fps), beside the authors' generator when a checkout of it is
given (github.com/davidsvy/fractal_video: generate_synthetic.py --type fractal, which writes
HEVC mp4 files through ffmpeg).

  bench_make.py FRACTALVID-DATASET [--clips N] [--authors CHECKOUT [--authors-clips M]]

Ours: N unlabeled clips per format (a new class every clip, as the authors' unlabeled mode),
wall time of the whole command, start-up included. Theirs: the steady rate after Numba's
compile, from the times their M files were written: (M - 1) / (last - first). Both use every
core of the machine."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

FORMATS = [("mp4", "H.264 mp4"), ("hevc", "H.265 mp4"), ("ffv1", "FFV1 mkv, lossless"),
           ("png", "PNG frames"), ("webdataset", "tars of H.264 mp4")]


def timed(cmd, **kw):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return time.monotonic() - t0


def du(path):
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(path) for n in ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tool")
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--labelled", action="store_true",
                    help="also make --classes 10 --per-class clips/10 in mp4")
    ap.add_argument("--authors", metavar="CHECKOUT")
    ap.add_argument("--authors-clips", type=int, default=20)
    ap.add_argument("--python", default="/usr/bin/python3")
    args = ap.parse_args()

    theirs = None
    with tempfile.TemporaryDirectory(prefix="fv-bench-") as tmp:
        if args.authors:
            script = os.path.join(args.authors, "generate_synthetic.py")
            out = os.path.join(tmp, "authors")
            wall = timed([args.python, script, "--type", "fractal", "--dir_out", out,
                          "--samples", str(args.authors_clips)], cwd=args.authors)
            written = sorted(os.path.getmtime(os.path.join(out, n)) for n in os.listdir(out))
            if len(written) != args.authors_clips or len(written) < 2:
                sys.exit("the authors' script wrote %d files, not %d" % (
                    len(written), args.authors_clips))
            theirs = (len(written) - 1) / (written[-1] - written[0])
            print("authors' generate_synthetic.py: %.2f clips/s after Numba's compile (%d clips, "
                  "%.1f s in all), %.0f KiB/clip" % (theirs, len(written), wall,
                                                     du(out) / len(written) / 1024))
            shutil.rmtree(out)
        print("%-11s %-20s %6s %8s %8s %9s%s" % ("format", "", "clips", "seconds", "clips/s",
                                                 "KiB/clip", "  vs authors" if theirs else ""))
        runs = [(f, d, ["--unlabeled", str(args.clips)]) for f, d in FORMATS]
        if args.labelled:
            runs.append(("mp4", "labelled, 10 classes",
                         ["--classes", "10", "--per-class", str(max(1, args.clips // 10))]))
        for fmt, what, size in runs:
            out = os.path.join(tmp, fmt)
            seconds = timed([args.tool, "make", "--quiet", "--out", out, "--format", fmt] + size)
            clips = args.clips if "--unlabeled" in size else 10 * max(1, args.clips // 10)
            rate = clips / seconds
            print("%-11s %-20s %6d %8.1f %8.1f %9.0f%s" % (
                fmt, what, clips, seconds, rate, du(out) / clips / 1024,
                "  %6.1fx" % (rate / theirs) if theirs else ""))
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
