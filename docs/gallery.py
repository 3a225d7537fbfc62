#!/usr/bin/env python3
"""Montages of the emulation of real video (G10): one PNG per effect and one of the paper's mix.

Each montage shows the same clips with the effect on (rows), frames 0, 5, 10, 15 and the last
(columns), as the authors' own montage does (docs/authors-augmentations-montage.png). Frames
come from fractalvid-render (y4m on stdout) and are written as 8-bit grayscale PNGs by hand:
the script needs nothing but Python.

    /usr/bin/python3 docs/gallery.py                       # into docs/gallery/
    /usr/bin/python3 docs/gallery.py --out /tmp/g --size 128 --clips 1
"""

import argparse
import os
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (file name, --effects value): the rows of the authors' montage, then the paper's mix.
EFFECTS = [
    ("static-background", "static-background"),
    ("dynamic-background", "dynamic-background"),
    ("scale", "scale"),
    ("clones", "clones"),
    ("perspective", "perspective"),
    ("foreground-shift", "foreground-shift"),
    ("background-pan", "background-pan"),
    ("camera-pan", "camera-pan"),
    ("zoom", "zoom"),
    ("shake", "shake"),
    ("paper", "paper"),
]

# The clips shown: unlabeled clips (a fresh class each) of class-seed 0, seed 0.
CLIPS = [3, 8, 11]
PICKS = [0, 5, 10, 15, -1]
GAP = 4


def read_y4m(data):
    """Frames (bytes) of a grayscale y4m stream, with its width and height."""
    end = data.index(b"\n")
    fields = data[:end].split()
    if fields[0] != b"YUV4MPEG2":
        raise ValueError("not a y4m stream")
    width = int(next(f[1:] for f in fields if f.startswith(b"W")))
    height = int(next(f[1:] for f in fields if f.startswith(b"H")))
    frames, at, size = [], end + 1, width * height
    while at < len(data):
        line = data.index(b"\n", at)
        if not data[at:line].startswith(b"FRAME"):
            raise ValueError("bad frame header")
        frames.append(data[line + 1:line + 1 + size])
        at = line + 1 + size
    return width, height, frames


def halve(frame, width, height):
    """2x2 box average: the seed's montage cells are half its frames."""
    w, h = width // 2, height // 2
    out = bytearray(w * h)
    for y in range(h):
        r0, r1 = 2 * y * width, (2 * y + 1) * width
        for x in range(w):
            i = 2 * x
            out[y * w + x] = (frame[r0 + i] + frame[r0 + i + 1] + frame[r1 + i] +
                              frame[r1 + i + 1] + 2) // 4
    return bytes(out), w, h


def write_png(path, pixels, width, height):
    """An 8-bit grayscale PNG, by hand: zlib is all it needs."""
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))

    def chunk(kind, body):
        return (len(body).to_bytes(4, "big") + kind + body +
                (zlib.crc32(kind + body) & 0xffffffff).to_bytes(4, "big"))

    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", width.to_bytes(4, "big") + height.to_bytes(4, "big") +
                        b"\x08\x00\x00\x00\x00"))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def render(binary, effects, clip, size, augment_seed):
    cmd = [binary, "--class", "-1", "--first-clip", str(clip), "--clips", "1",
           "--size", "%dx%d" % (size, size), "--effects", effects,
           "--augment-seed", str(augment_seed), "--quiet", "--output", "-"]
    data = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    return read_y4m(data)


def montage(binary, effects, clips, size, augment_seed):
    """Rows of clips, columns of frames 0, 5, 10, 15, last; dark grey between cells."""
    rows = []
    for clip in clips:
        width, height, frames = render(binary, effects, clip, size, augment_seed)
        rows.append([halve(frames[i], width, height) for i in PICKS])
    cw, ch = rows[0][0][1], rows[0][0][2]
    W = len(PICKS) * cw + (len(PICKS) - 1) * GAP
    H = len(rows) * ch + (len(rows) - 1) * GAP
    canvas = bytearray([64]) * (W * H)
    for r, row in enumerate(rows):
        for c, (pixels, w, h) in enumerate(row):
            x0, y0 = c * (cw + GAP), r * (ch + GAP)
            for y in range(h):
                canvas[(y0 + y) * W + x0:(y0 + y) * W + x0 + w] = pixels[y * w:(y + 1) * w]
    return bytes(canvas), W, H


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", default=os.path.join(ROOT, "build", "tools",
                                                         "fractalvid-render"),
                        help="the fractalvid-render to use (default: build/tools/)")
    parser.add_argument("--out", default=os.path.join(HERE, "gallery"),
                        help="folder for the PNGs (default: docs/gallery)")
    parser.add_argument("--size", type=int, default=256, help="frame size rendered (256)")
    parser.add_argument("--clips", type=int, default=3, help="clips (rows) per montage (3)")
    parser.add_argument("--augment-seed", type=int, default=0, help="augment seed (0)")
    args = parser.parse_args()
    if not os.access(args.render, os.X_OK):
        sys.exit("gallery.py: %s not found: build first (./dev.sh setup)" % args.render)
    os.makedirs(args.out, exist_ok=True)
    for name, effects in EFFECTS:
        pixels, w, h = montage(args.render, effects, CLIPS[:args.clips], args.size,
                               args.augment_seed)
        path = os.path.join(args.out, name + ".png")
        write_png(path, pixels, w, h)
        print(path)


if __name__ == "__main__":
    main()
