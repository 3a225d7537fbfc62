#!/usr/bin/python3
"""Time per clip of fractalvid against the authors' generator, side by side in one run, at the
paper's settings: 256x256, unlabeled (a new class every clip), the default variation policy.

    tests/core/bench_authors.py                       # ours only
    tests/core/bench_authors.py --authors DIR         # and theirs, side by side

DIR is a checkout of github.com/davidsvy/fractal_video (MIT; Debian's python3-numba,
python3-scipy, python3-opencv run it). Both render only (no encoding, no files): theirs
in this process through tests/fidelity/fidelity_report.py's render_authors (their
build_single, after Numba's compile, NUMBA_NUM_THREADS = --threads, the clips kept in
memory); ours with `fractalvid-render --class -1 --threads T -o null`, the whole process timed,
start-up and the kernels' timing on first use included (rendered, nothing hashed or written;
--output md5 times ours hashing every frame into an .md5 file, as earlier versions of this
script did; with --threads 1, ours on one CPU). One clip of
each first, not counted (their Numba compiles some functions on first call). Rounds alternate
the two, so both see the same load; the medians per clip and their ratio are printed, with
the load average."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RENDER = os.path.join(HERE, "..", "..", "build", "tools", "fractalvid-render")


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def one_cpu():
    """The first CPU this process may run on, as a set."""
    return {min(os.sched_getaffinity(0))}


def ours_per_clip(render, clips, threads, seed, tmp, output):
    dest = "null" if output == "null" else os.path.join(tmp, "ours.md5")
    cmd = [render, "--size", "256x256", "--class", "-1", "--seed", str(seed), "--clips",
           str(clips), "--threads", str(threads), "-q", "-o", dest]
    pin = (lambda: os.sched_setaffinity(0, one_cpu())) if threads == 1 else None
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, preexec_fn=pin)
    return (time.monotonic() - t) / clips


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--render", default=DEFAULT_RENDER, help="fractalvid-render")
    ap.add_argument("--authors", metavar="DIR", help="a checkout of davidsvy/fractal_video")
    ap.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    ap.add_argument("--clips", type=int, default=40, help="our clips per round (default 40)")
    ap.add_argument("--authors-clips", type=int, default=4,
                    help="their clips per round (default 4)")
    ap.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    ap.add_argument("--output", choices=("null", "md5"), default="null",
                    help="what ours makes of its frames: null (render only, as theirs; default) "
                         "or md5 (an MD5 per frame into a file)")
    args = ap.parse_args()
    if not os.access(args.render, os.X_OK):
        sys.exit("no %s: build first (./dev.sh setup)" % args.render)
    if args.authors and not os.path.isfile(os.path.join(args.authors, "generate_synthetic.py")):
        sys.exit("%s is not a checkout of davidsvy/fractal_video" % args.authors)
    # Numba reads its thread count when it is first imported (by render_authors)
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    render_authors = None
    if args.authors:
        sys.path.insert(0, os.path.join(HERE, "..", "fidelity"))
        from fidelity_report import render_authors
    print("256x256 unlabeled clips, default policy, %d threads each; %s at the start"
          % (args.threads, load()))
    print("fractalvid-render -o %s: %s" % (args.output, "rendered only, nothing written"
          if args.output == "null" else "an MD5 per frame into a file, from a writing thread"))
    if args.threads == 1:
        print("fractalvid on CPU %d only (its rendering%s)"
              % (min(one_cpu()), " and its writing thread" if args.output == "md5" else ""))
    ours, theirs = [], []
    compiled = None
    if render_authors:
        # a first clip, not counted: Numba compiles some of their functions on first call
        _, _, compiled = render_authors(args.authors,
                                        types.SimpleNamespace(size=256, seed=1000, clips=1), 0)
    with tempfile.TemporaryDirectory(prefix="fv-bench-authors-") as tmp:
        ours_per_clip(args.render, 2, args.threads, 1000, tmp, args.output)  # the same for ours
        for r in range(args.rounds):
            line = "round %d: fractalvid %7.1f ms/clip" % (
                r + 1, 1e3 * ours_per_clip(args.render, args.clips, args.threads, r, tmp,
                                           args.output))
            ours.append(float(line.split()[3]))
            if render_authors:
                opts = types.SimpleNamespace(size=256, seed=r, clips=args.authors_clips)
                clips, seconds, _ = render_authors(args.authors, opts, 0)
                theirs.append(1e3 * seconds / len(clips))
                line += "   authors %7.1f ms/clip" % theirs[-1]
            print(line, flush=True)
    if compiled is not None:
        print("(the authors' generator after %.0f s of Numba compiling and one clip, not counted)"
              % compiled)
    a = statistics.median(ours)
    print("fractalvid:         %7.1f ms/clip (median of %d rounds of %d clips)"
          % (a, args.rounds, args.clips))
    if theirs:
        b = statistics.median(theirs)
        print("authors' generator: %7.1f ms/clip (median of %d rounds of %d clips)"
              % (b, args.rounds, args.authors_clips))
        print("ratio:              %7.1fx" % (b / a))
    else:
        print("authors' generator: not run (give --authors DIR)")
    print(load() + " at the end")


if __name__ == "__main__":
    main()
