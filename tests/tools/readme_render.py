"""The README's fractalvid-render examples run as written (with this build's program), and
make what they say."""
import os
import re
import shlex
import subprocess
import sys
import tempfile

readme, exe = sys.argv[1], os.path.abspath(sys.argv[2])
text = open(readme, encoding="utf-8").read()
section = text[text.index("## fractalvid-render"):]
block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
lines = [l for l in block.splitlines() if l.startswith("build/tools/fractalvid-render")]
assert len(lines) >= 6, lines
script = "set -euo pipefail\n" + "\n".join(
    shlex.quote(exe) + l[len("build/tools/fractalvid-render"):] for l in lines) + "\n"

with tempfile.TemporaryDirectory() as tmp:
    run = subprocess.run(["bash", "-c", script], cwd=tmp, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    files = set(os.listdir(tmp))
    assert {"class7.y4m", "unlabeled.mp4", "still.y4m", "frames.md5", "part2.md5"} <= files, files
    assert open(os.path.join(tmp, "class7.y4m"), "rb").read(10) == b"YUV4MPEG2 "
    still = open(os.path.join(tmp, "still.y4m"), "rb").read()
    assert still.count(b"FRAME\n") == 1, still.count(b"FRAME\n")
    md5 = open(os.path.join(tmp, "frames.md5")).read().split()
    assert len(md5) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", m) for m in md5), md5
    # the paper's effects: 4 clips; zoom and shake at the authors' training size, 8 frames
    real = open(os.path.join(tmp, "real.y4m"), "rb").read()
    assert 4 * 18 <= real.count(b"FRAME\n") <= 4 * 20, real.count(b"FRAME\n")
    md5 = open(os.path.join(tmp, "zoom_shake.md5")).read().split()
    assert len(md5) == 8 and len(set(md5)) > 1, md5
    # -o null: the 40 clips rendered (the run's summary line), no file made
    assert re.search(r"^40 clips, \d+ frames, ", run.stderr, re.M), run.stderr[-2000:]
    assert "null" not in files, files
    # --list-variations printed the names
    assert "horseshoe" in run.stdout and "cross" in run.stdout, run.stdout
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                            "-show_entries", "stream=nb_read_frames,width,height",
                            "-of", "csv=p=0", os.path.join(tmp, "unlabeled.mp4")],
                           capture_output=True, text=True, check=True)
    width, height, frames = (int(v) for v in probe.stdout.strip().split(","))
    assert (width, height) == (256, 256) and 20 * 18 <= frames <= 20 * 20, probe.stdout
print("ok: %d README commands ran" % len(lines))
