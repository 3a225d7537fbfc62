"""Two shards merged equal one unsharded run: the same clips, files, digests, manifest,
train.txt and classes.txt (for files and for webdataset tars); merge refuses a missing part
and a clip made by two parts, naming them."""
import os
import shutil

from dstest import check, make, run, same_tree, tmpdir

with tmpdir() as tmp:
    for fmt, what in (("mp4", ["--classes", "3", "--per-class", "4"]),
                      ("webdataset", ["--classes", "3", "--per-class", "3",
                                      "--clips-per-tar", "2"])):
        whole = os.path.join(tmp, fmt + "-whole")
        parts = os.path.join(tmp, fmt + "-parts")
        make(whole, "--format", fmt, *what)
        for shard in ("1/2", "0/2"):
            make(parts, "--format", fmt, "--shard", shard, *what)
        check(not os.path.exists(os.path.join(parts, "manifest.jsonl")),
              "a part wrote the merged manifest")
        p = run(["merge", parts])
        check(p.returncode == 0, p.stderr)
        same_tree(whole, parts, fmt + ": merged parts against one run", ignore=("manifest-",))

    parts = os.path.join(tmp, "mp4-parts")
    # A part missing: merge names the clips and fails.
    moved = os.path.join(tmp, "manifest-1-of-2.jsonl")
    shutil.move(os.path.join(parts, "manifest-1-of-2.jsonl"), moved)
    p = run(["merge", parts])
    check(p.returncode == 1 and "missing" in p.stderr and "train/00001/" in p.stderr
          and "--shard 1/2" in p.stderr, p.stderr)
    shutil.move(moved, os.path.join(parts, "manifest-1-of-2.jsonl"))
    # A clip in two parts: another split of the same dataset overlaps.
    make(parts, "--shard", "2/3", "--classes", "3", "--per-class", "4")
    p = run(["merge", parts])
    check(p.returncode == 1 and "more than one manifest" in p.stderr
          and "manifest-2-of-3.jsonl" in p.stderr, p.stderr)
    # The parts named explicitly merge again.
    p = run(["merge", parts, "manifest-0-of-2.jsonl", "manifest-1-of-2.jsonl"])
    check(p.returncode == 0, p.stderr)
print("ok: shards merge into the unsharded dataset; gaps and overlaps are refused")
