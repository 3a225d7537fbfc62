"""examples/render-clip writes every frame of a clip as a valid PGM image, and says so."""
import os
import re
import subprocess
import sys
import tempfile

exe = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    prefix = os.path.join(tmp, "c5")
    out = subprocess.run([exe, "5", prefix], capture_output=True, text=True, check=True).stdout
    m = re.match(r"class 5: (\d+) frames, ([3-8]) maps, variation \w+, motion nonlinear", out)
    assert m, out
    frames = int(m.group(1))
    assert 18 <= frames <= 20, frames
    names = sorted(os.listdir(tmp))
    assert names == ["c5-%02d.pgm" % f for f in range(frames)], names
    brightest = 0
    for name in names:
        data = open(os.path.join(tmp, name), "rb").read()
        assert data.startswith(b"P5\n256 256\n255\n"), data[:20]
        pixels = data[len(b"P5\n256 256\n255\n"):]
        assert len(pixels) == 256 * 256
        brightest = max(brightest, max(pixels))
    assert brightest == 255, brightest  # G8: the clip's brightest pixel is white
    # a bad class is refused with a message, not a crash
    bad = subprocess.run([exe, "-7", prefix], capture_output=True, text=True)
    assert bad.returncode == 1 and "Invalid argument" in bad.stderr, (bad.returncode, bad.stderr)
print("ok")
