"""docs/gallery.py (the README's realism gallery) runs: one PNG montage per effect and one of
the paper's mix, each a valid 8-bit grayscale PNG of 5 frames across and the clips down, and
an effect's montage differs from the plain clips'.

Usage: gallery_makes_a_montage_per_effect.py GALLERY_PY FRACTALVID_RENDER"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

gallery, exe = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as out:
    run = subprocess.run([sys.executable, gallery, "--render", exe, "--out", out, "--size", "32",
                          "--clips", "2"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    names = sorted(os.listdir(out))
    want = sorted(n + ".png" for n in (
        "static-background", "dynamic-background", "background-pan", "scale", "clones",
        "foreground-shift", "perspective", "camera-pan", "zoom", "shake", "paper"))
    assert names == want, names
    images = {}
    for name in names:
        data = open(os.path.join(out, name), "rb").read()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
        # 5 cells of 16 px (halved 32 px frames) and 4 px gaps; 2 rows
        assert (width, height, depth, kind) == (5 * 16 + 4 * 4, 2 * 16 + 4, 8, 0), (name, width,
                                                                                    height)
        at, idat = 8, b""
        while at < len(data):
            size, tag = struct.unpack(">I4s", data[at:at + 8])
            if tag == b"IDAT":
                idat += data[at + 8:at + 8 + size]
            at += 12 + size
        images[name] = zlib.decompress(idat)
    assert len(set(images.values())) == len(images), "two effects gave the same montage"
print("ok: %d montages" % len(names))
