"""A full disk stops the run with status 1 and a message naming the clip and the reason;
no temporary file is left, every file that looks finished is complete (byte-identical to the
same run on a roomy disk) and recorded clips verify; with room again, the same command
completes the dataset. The disk is a small tmpfs, so the test needs root and mount."""
import os
import subprocess

from dstest import check, hidden_files, make, manifest, run, same_tree, skip, tmpdir, tree

ARGS = ["--format", "ffv1", "--classes", "3", "--per-class", "8", "--size", "96x96"]

if os.geteuid() != 0:
    skip("mounting a small tmpfs needs root")
with tmpdir() as tmp:
    ref = os.path.join(tmp, "ref")
    make(ref, *ARGS)
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(ref) for n in ns)
    disk = os.path.join(tmp, "disk")
    os.mkdir(disk)
    # Room for about a third of the dataset.
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk" % (size // 3 // 1024),
                            "tmpfs", disk], capture_output=True, text=True)
    if mount.returncode != 0:
        skip("mount not permitted here: %s" % mount.stderr.strip())
    try:
        out = os.path.join(disk, "ds")
        p = run(["make", "--out", out, "--quiet", "--size", "64x64", "--density", "2"] + ARGS)
        check(p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr))
        check("No space left" in p.stderr and ("clip train/" in p.stderr or "manifest" in
                                                p.stderr), p.stderr)
        check("run the same command again" in p.stderr, p.stderr)
        check(not hidden_files(out), "left %s" % hidden_files(out))
        ref_files = tree(ref)
        for path, sha in tree(out).items():
            if path.startswith("train/"):
                check(ref_files.get(path) == sha, "%s looks finished but is not" % path)
        recorded = manifest(os.path.join(out, "manifest.jsonl")) if os.path.exists(
            os.path.join(out, "manifest.jsonl")) else []
        for line in recorded:
            check(ref_files.get(line["path"]) == line["sha256"], line["path"])
        check(len(recorded) < 24, "the disk never filled")
        # Room again: the run completes to the same dataset.
        subprocess.run(["mount", "-o", "remount,size=%dk" % (4 * size // 1024), disk],
                       check=True)
        make(out, *ARGS)
        same_tree(ref, out, "completed after the disk was full")
    finally:
        subprocess.run(["umount", disk], check=True)
print("ok: a full disk left no partial clip, and the run completed with room again")
