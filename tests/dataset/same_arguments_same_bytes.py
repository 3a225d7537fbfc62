"""Same arguments, same bytes: every format made twice, with one job and with two (so clips
are rendered, encoded and finished in other orders and other threads), gives identical
files, manifests and lists; mp4's times and Matroska's UIDs are fixed, tars carry no times."""
import os

from dstest import make, same_tree, tmpdir

with tmpdir() as tmp:
    for fmt, what in (("mp4", ["--classes", "3", "--per-class", "3"]),
                      ("hevc", ["--classes", "2", "--per-class", "3"]),
                      ("ffv1", ["--classes", "2", "--per-class", "3"]),
                      ("png", ["--classes", "2", "--per-class", "2"]),
                      ("webdataset", ["--classes", "3", "--per-class", "2",
                                      "--clips-per-tar", "4"]),
                      ("mp4", ["--unlabeled", "6", "--seed", "5"])):
        a = os.path.join(tmp, fmt + "-a")
        b = os.path.join(tmp, fmt + "-b")
        make(a, "--format", fmt, "--jobs", "1", *what)
        make(b, "--format", fmt, "--jobs", "2", *what)
        files = same_tree(a, b, "%s %s" % (fmt, " ".join(what)))
        assert "manifest.jsonl" in files and "dataset.json" in files, files
        for d in (a, b):
            for root, _, names in os.walk(d):
                for name in names:
                    os.unlink(os.path.join(root, name))
print("ok: every format is byte-identical across runs and job counts")
