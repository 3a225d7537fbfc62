#!/usr/bin/python3
"""Measure fractalvid's clips and, side by side, the authors' generator's, with the same
statistics (the generator table of the README).

    tests/fidelity/fidelity_report.py --clips 120                 # ours only
    tests/fidelity/fidelity_report.py --clips 120 --authors DIR   # and theirs

DIR is a checkout of github.com/davidsvy/fractal_video (MIT; run with Debian's python3-numba,
python3-scipy, python3-opencv and python3-pil). Their clips are taken straight from their
renderer (build_single), before their lossy x265 encoding, as uint8 the way their writer
converts them (value * 255, truncated); ours are fractalvid-render's 8-bit frames.

--labelled compares labelled samples instead: CLASSES classes x clips/CLASSES samples each
(theirs: classes from sample_params_video, samples from mutate_weights, as their labelled
datasets are made). --montage FILE writes a PNG of four clips x five frames of ours (and, with
--authors, FILE with "-authors" before the extension of theirs). Needs numpy."""

import argparse
import os
import re
import subprocess
import sys
import time
import types
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RENDER = os.path.join(HERE, "..", "..", "build", "tools", "fractalvid-render")

# The seed's variation policy (G5): its indices and our names.
SEED_VARIATIONS = {0: "linear", 4: "horseshoe", 14: "bent", 16: "fisheye", 17: "popcorn",
                   20: "cosine", 27: "eyefish", 29: "cylinder"}
POLICY = ["linear", "horseshoe", "bent", "fisheye", "popcorn", "cosine", "eyefish", "cylinder"]


class Clip:
    def __init__(self, frames, maps, variation):
        self.frames = frames  # uint8 (T, H, W)
        self.maps = maps
        self.variation = variation


# ---- ours ----

def read_y4m(data):
    """Every frame of a y4m stream, (N, H, W) uint8."""
    end = data.index(b"\n")
    header = data[:end].split()
    if header[0] != b"YUV4MPEG2":
        raise ValueError("not a y4m stream")
    w = int(next(h[1:] for h in header if h.startswith(b"W")))
    h = int(next(h[1:] for h in header if h.startswith(b"H")))
    frames, pos = [], end + 1
    while pos < len(data):
        if not data.startswith(b"FRAME", pos):
            raise ValueError("no FRAME at byte %d" % pos)
        pos = data.index(b"\n", pos) + 1
        frames.append(np.frombuffer(data, np.uint8, w * h, pos).reshape(h, w))
        pos += w * h
    return np.stack(frames)


SUMMARY = re.compile(r"clip (\d+): (\d+) frames, (\d+) maps, variation (\S+),")


def render_ours(render, args, classes):
    """fractalvid-render's clips: unlabeled, or `classes` classes of samples each."""
    runs = []
    if classes:
        per = args.clips // classes
        for c in range(classes):
            runs.append(["--class", str(c), "--class-seed", str(args.seed), "--clips", str(per)])
    else:
        runs.append(["--class", "-1", "--seed", str(args.seed), "--clips", str(args.clips)])
    clips, seconds = [], 0.0
    for extra in runs:
        cmd = [render, "--size", "%dx%d" % (args.size, args.size), "-o", "-"] + extra
        t = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        seconds += time.monotonic() - t
        frames = read_y4m(p.stdout)
        start = 0
        for _, count, maps, variation in SUMMARY.findall(p.stderr.decode()):
            clips.append(Clip(frames[start:start + int(count)], int(maps), variation))
            start += int(count)
        if start != len(frames):
            sys.exit("fractalvid-render's summaries count %d frames of %d" % (start, len(frames)))
    return clips, seconds


# ---- theirs ----

def render_authors(directory, args, classes):
    sys.path.insert(0, os.path.abspath(directory))
    import random
    try:
        from src.synthetic.fractal import build as authors_build
        from src.synthetic.fractal.params import (compose_params, mutate_weights,
                                                  sample_params_video)
    except ImportError as e:
        sys.exit("the authors' generator in %s does not import: %s\n(on Debian it needs: apt-get "
                 "install python3-numba python3-scipy python3-opencv python3-pil)"
                 % (directory, e))
    opts = types.SimpleNamespace(img=False, res=args.size, res_b=128, bs_point=128, iter=7500,
                                 iter_b=3000, iter_skip=200, thres_b=0.9)
    # compile the kernels first (their script does the same before it starts counting)
    t = time.monotonic()
    authors_build.compile_numba(types.SimpleNamespace(**vars(opts), n_images=4))
    compile_seconds = time.monotonic() - t
    random.seed(args.seed)
    np.random.seed(args.seed)
    class_params = [sample_params_video(var=[-1]) for _ in range(classes)]
    clips, seconds = [], 0.0
    for k in range(args.clips):
        t = time.monotonic()
        params = class_params[k % classes] if classes else sample_params_video(var=[-1])
        weights = compose_params(params)
        if classes:
            weights = mutate_weights(weights)
        frames = authors_build.build_single(args=opts, weights=weights, var=params["var"])
        seconds += time.monotonic() - t
        # as their writer converts before encoding: value * 255, truncated to uint8
        frames = (frames * 255).astype(np.uint8)
        clips.append(Clip(frames, weights.shape[1], SEED_VARIATIONS.get(params["var"], "?")))
    return clips, seconds, compile_seconds


# ---- statistics ----

def statistics(clips):
    lit, bright, change, area_change, lit_values = [], [], [], [], []
    clips_hazy = clips_dark = frames_dark = frames = 0
    for c in clips:
        f = c.frames.astype(np.float64)
        on = c.frames > 0
        lit_t = on.mean(axis=(1, 2))
        lit.append(lit_t.mean())
        bright.append(f.mean() / 255)
        change.append(np.abs(np.diff(f, axis=0)).mean() / 255)
        area_change.append(np.abs(np.diff(lit_t)).mean())
        # a sample of lit pixels per clip, so every clip weighs the same in the quantiles
        values = c.frames[on]
        if values.size:
            lit_values.append(np.quantile(values, np.linspace(0, 1, 101)))
        clips_hazy += bool((lit_t > 0.85).any())
        clips_dark += bool((lit_t < 0.05).any())
        frames_dark += int((lit_t < 0.05).sum())
        frames += len(lit_t)
    q = np.concatenate(lit_values) if lit_values else np.zeros(1)
    n = len(clips)
    maps = np.bincount([c.maps for c in clips], minlength=9)[3:9] / n
    mix = [sum(c.variation == v for c in clips) / n for v in POLICY]
    return [
        ("lit fraction (pixels > 0), mean", "%.3f" % np.mean(lit)),
        ("lit fraction, 10th / 90th percentile of clips",
         "%.3f / %.3f" % tuple(np.quantile(lit, [0.1, 0.9]))),
        ("brightness (mean pixel / 255)", "%.3f" % np.mean(bright)),
        ("lit-pixel value, 10th / 50th / 90th percentile",
         "%.0f / %.0f / %.0f" % tuple(np.quantile(q, [0.1, 0.5, 0.9]))),
        ("frame-to-frame change (mean abs difference / 255)", "%.4f" % np.mean(change)),
        ("change of lit area per frame", "%.4f" % np.mean(area_change)),
        ("clips with a frame over 85% lit", "%.1f%%" % (100.0 * clips_hazy / n)),
        ("clips with a frame under 5% lit", "%.1f%%" % (100.0 * clips_dark / n)),
        ("frames under 5% lit", "%.2f%%" % (100.0 * frames_dark / frames)),
        ("maps 3 / 4 / 5 / 6 / 7 / 8", " / ".join("%.2f" % m for m in maps)),
        ("variations: linear / each of the seven (mean, min..max)",
         "%.2f / %.3f (%.3f..%.3f)" % (mix[0], np.mean(mix[1:]), min(mix[1:]), max(mix[1:]))),
    ]


# ---- montage ----

def write_png(path, image):
    """An 8-bit grayscale PNG, by hand: numpy and zlib are all it needs."""
    h, w = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return (len(data).to_bytes(4, "big") + body +
                (zlib.crc32(body) & 0xffffffff).to_bytes(4, "big"))

    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", w.to_bytes(4, "big") + h.to_bytes(4, "big") + b"\x08\x00\x00\x00\x00"))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def montage(clips, cell=128):
    """Four clips (rows) x five evenly spaced frames, each halved to cell x cell."""
    rows = []
    for c in clips[:4]:
        t = len(c.frames)
        picks = [round(i * (t - 1) / 4) for i in range(5)]
        cells = []
        for i in picks:
            f = c.frames[i].astype(np.float64)
            k = f.shape[0] // cell
            f = f[:cell * k, :cell * k].reshape(cell, k, cell, k).mean(axis=(1, 3))
            cells.append(np.round(f).astype(np.uint8))
        rows.append(np.concatenate(cells, axis=1))
    return np.concatenate(rows, axis=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=120, help="clips of each generator")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--labelled", type=int, default=0, metavar="CLASSES",
                    help="labelled samples of CLASSES classes instead of unlabeled clips")
    ap.add_argument("--authors", metavar="DIR", help="a checkout of davidsvy/fractal_video")
    ap.add_argument("--render", default=DEFAULT_RENDER, help="the fractalvid-render to run")
    ap.add_argument("--montage", metavar="FILE.png")
    args = ap.parse_args()

    ours, our_seconds = render_ours(args.render, args, args.labelled)
    columns = [("fractalvid", statistics(ours))]
    timing = ["fractalvid: %.3f s per clip (fractalvid-render, %d clips)"
              % (our_seconds / len(ours), len(ours))]
    theirs = None
    if args.authors:
        theirs, seconds, compile_seconds = render_authors(args.authors, args, args.labelled)
        columns.append(("authors' generator", statistics(theirs)))
        # ours redraws degenerate classes (G9); theirs does not: their clips that would pass
        lit_enough = [c for c in theirs if ((c.frames > 0).mean(axis=(1, 2)) >= 0.05).all()]
        columns.append(("authors', no frame under 5%% lit (%d clips)" % len(lit_enough),
                        statistics(lit_enough)))
        timing.append("authors' generator: %.3f s per clip in process, after %.0f s of compiling"
                      % (seconds / len(theirs), compile_seconds))

    kind = ("labelled (%d classes)" % args.labelled) if args.labelled else "unlabeled"
    print("%d %s clips each, %dx%d, seed %d" % (args.clips, kind, args.size, args.size, args.seed))
    print()
    print("| statistic | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for i, (label, _) in enumerate(columns[0][1]):
        print("| %s | %s |" % (label, " | ".join(col[i][1] for _, col in columns)))
    print()
    for line in timing:
        print(line)
    if args.montage:
        write_png(args.montage, montage(ours))
        print("wrote %s" % args.montage)
        if theirs:
            root, ext = os.path.splitext(args.montage)
            write_png(root + "-authors" + ext, montage(theirs))
            print("wrote %s-authors%s" % (root, ext))


if __name__ == "__main__":
    main()
