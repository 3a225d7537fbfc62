"""The README's "Make a dataset" commands run as written (fractalvid-dataset from this
build), and make what the README says: the layout, train.txt and classes.txt lines, the
webdataset tars, a passing verify."""
import json
import os
import re
import subprocess
import sys
import tarfile

from dstest import check, exe, tmpdir

readme = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "README.md"), encoding="utf-8").read()
section = readme[readme.index("## Make a dataset"):]
block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
lines = [l for l in block.splitlines() if l.startswith("fractalvid-dataset ")]
check(len(lines) >= 3, lines)
script = "set -euo pipefail\n" + "\n".join(lines) + "\n"

with tmpdir() as tmp:
    env = dict(os.environ, PATH=os.path.dirname(exe()) + os.pathsep + os.environ["PATH"])
    p = subprocess.run(["bash", "-c", script], cwd=tmp, env=env, capture_output=True,
                       text=True, timeout=900)
    check(p.returncode == 0, (script, p.stderr[-3000:]))
    out = os.path.join(tmp, "fractal-10x5")
    check(os.path.isfile(os.path.join(out, "train", "00003", "00004.mp4")), os.listdir(out))
    check("train/00003/00004.mp4 3\n" in open(os.path.join(out, "train.txt")).read(), "train")
    classes = open(os.path.join(out, "classes.txt")).read().split()
    check(classes == ["%05d" % c for c in range(10)], classes)
    entries = [json.loads(l) for l in open(os.path.join(out, "manifest.jsonl"))]
    check(len(entries) == 50 and set(entries[0]) >= {
        "path", "label", "labels", "uri", "frames", "fps", "size", "format", "effects",
        "raw_sha256", "sha256"}, entries[0])
    unlabeled = os.path.join(tmp, "unlabeled-40")
    tars = sorted(n for n in os.listdir(unlabeled) if n.endswith(".tar"))
    check(tars == ["train-000000.tar", "train-000001.tar"], tars)
    with tarfile.open(os.path.join(unlabeled, tars[0])) as tar:
        check(len([n for n in tar.getnames() if n.endswith(".mp4")]) == 20, tar.getnames())
    check("50 files verified" in p.stderr, p.stderr)
print("ok: %d README dataset commands ran" % len(lines))
