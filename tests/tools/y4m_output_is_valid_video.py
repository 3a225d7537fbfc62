#!/usr/bin/env python3
"""--output FILE.y4m writes one mono YUV4MPEG2 header, then every frame of every clip back to
back; ffprobe decodes exactly those frames at the requested size and rate."""

from fvtest import (SMALL, check, ffprobe_stream, parse_y4m, path, require_ffprobe, run_ok,
                    tmpdir)

require_ffprobe()
with tmpdir() as d:
    # Two clips of 3 frames at a non-square size: width and height must not be swapped.
    out = path(d, "two.y4m")
    run_ok(SMALL + ["--clips", "2", "--quiet", "--output", out])
    data = open(out, "rb").read()
    header, fields, frames = parse_y4m(data)
    check(header == "YUV4MPEG2 W64 H48 F12:1 Ip A1:1 Cmono",
          "unexpected y4m header %r" % header)
    check(len(frames) == 6, "expected 6 frames (2 clips x 3), parsed %d" % len(frames))
    # Clip-wide tone mapping (G8) puts each clip's brightest pixel at 255: an all-black or
    # wrongly copied frame would not.
    for clip in range(2):
        brightest = max(max(f) for f in frames[clip * 3:clip * 3 + 3])
        check(brightest == 255, "clip %d brightest pixel is %d, not 255" % (clip, brightest))
    check(frames[0] != frames[3], "clip 0 and clip 1 wrote identical first frames")

    info = ffprobe_stream(out)
    check(info["width"] == "64" and info["height"] == "48",
          "ffprobe size %sx%s, want 64x48" % (info["width"], info["height"]))
    check(info["pix_fmt"] == "gray", "ffprobe pix_fmt %s, want gray" % info["pix_fmt"])
    check(info["nb_read_frames"] == "6", "ffprobe decoded %s frames, want 6" % info["nb_read_frames"])
    check(info["r_frame_rate"] == "12/1", "ffprobe rate %s, want 12/1" % info["r_frame_rate"])

    # --fps reaches the header; --frames 0 lets the class choose 18..20 frames (G1).
    out = path(d, "natural.y4m")
    run_ok(["--size", "32x32", "--density", "1", "--frames", "0", "--fps", "25/2",
            "--quiet", "-o", out])
    info = ffprobe_stream(out)
    n = int(info["nb_read_frames"])
    check(18 <= n <= 20, "--frames 0 gave %d frames, want 18..20" % n)
    check(info["r_frame_rate"] == "25/2", "--fps 25/2 gave rate %s" % info["r_frame_rate"])
    header, _, frames = parse_y4m(open(out, "rb").read())
    check(" F25:2 " in header and len(frames) == n, "header/frames mismatch: %r" % header)

    # The size limits themselves are accepted (16 is the smallest side).
    out = path(d, "tiny.y4m")
    run_ok(["--size", "16x24", "--frames", "1", "--density", "1", "--quiet", "-o", out])
    info = ffprobe_stream(out)
    check((info["width"], info["height"], info["nb_read_frames"]) == ("16", "24", "1"),
          "16x24 single frame read back as %r" % info)
print("ok")
