"""The README's pipelines run as written: the Quick start's render (after its setup step)
and every command of the "Ready pipelines" block except those that need a screen or a
second process (autovideosink, playbin, UDP), run by bash in an empty directory; then
their files are checked."""
import os
import re
import subprocess
import sys
import tempfile

readme = open(sys.argv[1], encoding="utf-8").read()
section = readme[readme.index("## Ready pipelines"):]
block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)

quick = re.search(r"## Quick start.*?```sh\n(.*?)\n", readme, re.S).group(1)
assert quick.startswith("./dev.sh setup && GST_PLUGIN_PATH=$PWD/build/gst gst-launch-1.0 "), quick
kept = [quick[len("./dev.sh setup && GST_PLUGIN_PATH=$PWD/build/gst "):]]
for line in block.splitlines():
    if re.search(r"autovideosink|playbin|udpsrc|udpsink", line):
        continue
    if line.startswith("export GST_PLUGIN_PATH="):
        continue  # the test environment points at the build tree already
    kept.append(line)
script = "set -euo pipefail\n" + "\n".join(kept) + "\n"

with tempfile.TemporaryDirectory() as tmp:
    run = subprocess.run(["bash", "-c", script], cwd=tmp, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, (script, run.stdout[-2000:], run.stderr[-2000:])
    files = set(os.listdir(tmp))
    quick_mp4 = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams",
                                "v:0", "-show_entries", "stream=nb_read_frames,width,height",
                                "-of", "csv=p=0", os.path.join(tmp, "fractal.mp4")],
                               capture_output=True, text=True, check=True)
    assert quick_mp4.stdout.strip() == "256,256,80", quick_mp4.stdout  # 4 clips of class 0
    for k in range(4):
        assert "class3_seed7_clip%d.mp4" % k in files, files
    for c in range(10):
        assert "class%d.mp4" % c in files, files
    # the ffprobe line printed the labels of clip 2
    assert "TAG:title=fractalvid class 3 seed 7 clip 2" in run.stdout, run.stdout
    assert "clip=2" in run.stdout and "class=3" in run.stdout, run.stdout
    png = open(os.path.join(tmp, "fractal.png"), "rb").read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), png[:8]
    # 512x512, as the caps asked
    assert png[16:24] == (512).to_bytes(4, "big") * 2, png[16:24]
    # each per-class file holds its 5 clips
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                            "-show_entries", "stream=nb_read_frames",
                            "-of", "csv=p=0", os.path.join(tmp, "class4.mp4")],
                           capture_output=True, text=True, check=True)
    assert 5 * 18 <= int(probe.stdout.strip()) <= 5 * 20, probe.stdout
    # the paper's effects: 4 clips, played back
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                            "-show_entries", "stream=nb_read_frames,width,height",
                            "-of", "csv=p=0", os.path.join(tmp, "real.mp4")],
                           capture_output=True, text=True, check=True)
    width, height, frames = (int(v) for v in probe.stdout.strip().split(","))
    assert (width, height) == (256, 256) and 4 * 18 <= frames <= 4 * 20, probe.stdout
print("ok: %d README commands ran" % sum(1 for l in kept if l.strip() and not l.startswith("#")))
