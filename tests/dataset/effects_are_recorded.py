"""--effects and --augment-seed go through to the clips: every clip of --effects zoom+shake got
both effects and the manifest says so; under --effects paper each clip's effects are the ones
its labels (the element's COMMENT) name, with their drawn values; the raw frames are the
library's frames with the same options (fractalvid-render); another --augment-seed draws other
effects over the same plain clips; dataset.json records the options; a bad value is refused
under its option's name."""
import hashlib
import json
import os
import subprocess
import sys

from dstest import SMALL, check, make, manifest, run, tmpdir

render = sys.argv[2]


def library_digest(label, clip, *options):
    y4m = subprocess.run([render, "--class", str(label), "--first-clip", str(clip), "--clips",
                          "1", "-q", "-o", "-"] + SMALL + list(options),
                         capture_output=True, timeout=120, check=True).stdout
    frames = y4m[y4m.index(b"\n") + 1:].split(b"FRAME\n")[1:]
    return hashlib.sha256(b"".join(frames)).hexdigest()


with tmpdir() as tmp:
    # every clip gets the effects named
    named = os.path.join(tmp, "named")
    make(named, "--classes", "2", "--per-class", "2", "--format", "png", "--effects",
         "zoom+shake")
    for e in manifest(os.path.join(named, "manifest.jsonl")):
        check(e["effects"] == ["zoom", "shake"], e)
        check("zoom" in e["labels"] and "shake" in e["labels"], e["labels"])
        check("effects=zoom%2Bshake" in e["uri"] or "effects=zoom+shake" in e["uri"], e["uri"])
    spec = json.load(open(os.path.join(named, "dataset.json")))
    check("effects=" in json.dumps(spec), spec)

    # the paper's mix: per clip, what its labels name, the library's frames
    runs = {}
    for seed in ("5", "6"):
        out = os.path.join(tmp, "paper-" + seed)
        make(out, "--classes", "2", "--per-class", "3", "--format", "png", "--effects", "paper",
             "--augment-seed", seed)
        runs[seed] = {(e["label"], e["labels"]["clip"]): e
                      for e in manifest(os.path.join(out, "manifest.jsonl"))}
    got_any = False
    for (label, clip), e in runs["5"].items():
        labels = e["labels"]
        effects = labels["effects"].split("+") if "effects" in labels else []
        check(e["effects"] == effects, e)
        got_any = got_any or bool(effects)
        check(labels["augment-seed"] == 5, labels)
        check(e["raw_sha256"] == library_digest(label, clip, "--effects", "paper",
                                                "--augment-seed", "5"),
              "clip %d/%d: raw frames are not the library's" % (label, clip))
    check(got_any, "no clip of the paper's mix got an effect")
    # another draw of the effects over the same plain clips (class, sample, framing)
    other = runs["6"]
    check(set(other) == set(runs["5"]), sorted(other))
    differ = 0
    for key, e in runs["5"].items():
        f = other[key]
        check(f["labels"]["class-key"] == e["labels"]["class-key"], (e, f))
        differ += f["raw_sha256"] != e["raw_sha256"]
    check(differ >= 4, "only %d of 6 clips changed with the augment seed" % differ)

    # bad values are refused, named by their option
    p = run(["make", "--out", os.path.join(tmp, "bad"), "--classes", "1", "--per-class", "1",
             "--effects", "zoom+blur"] + SMALL)
    check(p.returncode == 2 and "--effects zoom+blur" in p.stderr, (p.returncode, p.stderr))
    p = run(["make", "--out", os.path.join(tmp, "bad2"), "--classes", "1", "--per-class", "1",
             "--augment-seed", "-1"] + SMALL)
    check(p.returncode == 2 and "--augment-seed -1" in p.stderr, (p.returncode, p.stderr))
print("ok: effects and augment seed recorded and rendered")
