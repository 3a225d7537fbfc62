"""Every --format is read back with the right frames and labels: ffprobe for mp4, hevc and ffv1
(codec, yuv420p limited range, size, rate, frames counted by decoding, an IDR first frame, the
labels in the container's tags), the png folders and the ffv1 files decode to exactly the raw
frames of the manifest, the webdataset tars open with Python's tarfile (classes mixed, .cls
and .json per clip), and the raw digests are the library's frames (fractalvid-render)."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

from dstest import (SMALL, check, decoded_gray_sha256, ffprobe, make, manifest, require,
                    tmpdir)

require("ffprobe", "ffmpeg")
render = sys.argv[2]
CLASSES, PER_CLASS = 2, 2


def check_common(out, fmt):
    spec = json.load(open(os.path.join(out, "dataset.json")))
    check(spec["format"] == fmt and spec["size"] == [64, 64], spec)
    entries = manifest(os.path.join(out, "manifest.jsonl"))
    check(len(entries) == CLASSES * PER_CLASS, "%s: %d entries" % (fmt, len(entries)))
    for e in entries:
        check(e["format"] == fmt and e["size"] == "64x64" and e["fps"] == "12/1", e)
        check(18 <= e["frames"] <= 20, e)
        check(e["label"] == e["labels"]["class"], e)
        check(e["effects"] == [], e)
        check(len(e["raw_sha256"]) == 64, e)
        check(e["uri"].startswith("fractal://class=%d&" % e["label"]), e)
    classes = open(os.path.join(out, "classes.txt")).read()
    check(classes == "00000\n00001\n", classes)
    return entries


def check_file(out, e):
    path = os.path.join(out, e["path"])
    check(hashlib.sha256(open(path, "rb").read()).hexdigest() == e["sha256"], e["path"])
    check(os.path.getsize(path) == e["bytes"], e["path"])
    return path


def check_yuv420(path, e, codec):
    info = ffprobe(path)
    check(info["codec_name"] == codec, info)
    check(info["pix_fmt"] == "yuv420p" and info["color_range"] == "tv", info)
    check((info["width"], info["height"], info["r_frame_rate"]) == ("64", "64", "12/1"), info)
    check(int(info["nb_read_frames"]) == e["frames"], (info, e))
    comment = info.get("comment", "")
    check("class=%d " % e["label"] in comment and "clip=%d " % e["labels"]["clip"] in comment,
          (comment, e))
    first = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
         "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0", path],
        capture_output=True, text=True).stdout.split()
    check(first[0].startswith("1,I"), "the first frame is not a key (I) frame: %s" % first)
    keyframes = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "packet=flags", "-of", "csv=p=0", path], capture_output=True, text=True).stdout.split()
    check(keyframes[0].startswith("K") and len(keyframes) == e["frames"], keyframes)


raw = {}
with tmpdir() as tmp:
    for fmt in ("mp4", "hevc", "ffv1", "png", "webdataset"):
        out = os.path.join(tmp, fmt)
        extra = ["--clips-per-tar", "3"] if fmt == "webdataset" else []
        make(out, "--format", fmt, "--classes", CLASSES, "--per-class", PER_CLASS, *extra)
        entries = check_common(out, fmt)
        for e in entries:
            raw.setdefault((e["label"], e["labels"]["clip"]), set()).add(e["raw_sha256"])
        if fmt != "webdataset":
            lines = open(os.path.join(out, "train.txt")).read().splitlines()
            want = ["%s %s%d" % (e["path"], "%d " % e["frames"] if fmt == "png" else "",
                                 e["label"]) for e in entries]
            check(lines == want, (lines, want))
            paths = [e["path"] for e in entries]
            check(paths == sorted(paths) and paths[0].startswith("train/00000/00000"), paths)
        if fmt in ("mp4", "hevc"):
            for e in entries:
                check(e["path"].endswith(".mp4"), e)
                check_yuv420(check_file(out, e), e, "h264" if fmt == "mp4" else "hevc")
        elif fmt == "ffv1":
            for e in entries:
                path = check_file(out, e)
                info = ffprobe(path)
                check(info["codec_name"] == "ffv1" and info["pix_fmt"] == "gray", info)
                check(int(info["nb_read_frames"]) == e["frames"], (info, e))
                # Matroska's COMMENTS tag, as ffprobe escapes it.
                comment = info.get("comments", "").replace("\\", "")
                check("class=%d " % e["label"] in comment, info)
                # Lossless: decoding gives the raw frames back.
                check(decoded_gray_sha256(path) == e["raw_sha256"], e["path"])
        elif fmt == "png":
            for e in entries:
                folder = os.path.join(out, e["path"])
                names = sorted(os.listdir(folder))
                check(names == ["%05d.png" % i for i in range(e["frames"])], names)
                lines = "".join("%s  %s\n" % (hashlib.sha256(open(os.path.join(folder, n), "rb")
                                                              .read()).hexdigest(), n)
                                for n in names)
                check(hashlib.sha256(lines.encode()).hexdigest() == e["sha256"], e["path"])
                check(decoded_gray_sha256(folder, os.path.join(folder, "%05d.png"))
                      == e["raw_sha256"], e["path"])
        else:
            tars = sorted(n for n in os.listdir(out) if n.endswith(".tar"))
            check(tars == ["train-000000.tar", "train-000001.tar"], tars)
            by_key = {e["key"]: e for e in entries}
            for name in tars:
                with tarfile.open(os.path.join(out, name)) as tar:
                    members = tar.getnames()
                    keys = sorted({m.split(".")[0] for m in members})
                    labels = set()
                    for key in keys:
                        e = by_key[key]
                        check(e["path"] == name, e)
                        cls = tar.extractfile(key + ".cls").read().decode().strip()
                        side = json.loads(tar.extractfile(key + ".json").read())
                        video = tar.extractfile(key + ".mp4").read()
                        check(int(cls) == e["label"] == side["label"], (cls, side, e))
                        check(side["labels"] == e["labels"], side)
                        check(side["raw_sha256"] == e["raw_sha256"], side)
                        check(hashlib.sha256(video).hexdigest() == e["member_sha256"], key)
                        labels.add(e["label"])
                        clip = os.path.join(tmp, key + ".mp4")
                        open(clip, "wb").write(video)
                        check_yuv420(clip, e, "h264")
                    if len(keys) > 1:
                        check(len(labels) > 1, "%s holds one class only: %s" % (name, keys))
                check(hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()
                      == by_key[keys[0]]["sha256"], name)
            # A webdataset clip is the mp4 format's clip, byte for byte.
            mp4 = {(e["label"], e["labels"]["clip"]): e["sha256"]
                   for e in manifest(os.path.join(tmp, "mp4", "manifest.jsonl"))}
            for e in entries:
                check(e["member_sha256"] == mp4[(e["label"], e["labels"]["clip"])], e)

    # Same clip, same raw frames in every format; and they are the library's frames.
    for key, digests in raw.items():
        check(len(digests) == 1, "raw digests differ between formats for %s: %s" % (key, digests))
    y4m = subprocess.run([render, "--class", "1", "--first-clip", "1", "--clips", "1", "-q",
                          "-o", "-"] + SMALL, capture_output=True, timeout=120).stdout
    body = y4m[y4m.index(b"\n") + 1:]
    frames = body.split(b"FRAME\n")[1:]
    check(all(len(f) == 64 * 64 for f in frames) and 18 <= len(frames) <= 20, len(frames))
    check(hashlib.sha256(b"".join(frames)).hexdigest() in raw[(1, 1)],
          "raw digest is not the library's frames")
print("ok: mp4, hevc, ffv1, png and webdataset read back")
