"""A bad argument exits with status 2 and one clear message naming the option (values of the
generator options as the element itself words them), before any file is made; a folder made
with other arguments is refused and left as it was."""
import os

from dstest import check, make, run, tmpdir, tree

CASES = [
    (["--classes", "0", "--per-class", "2"], "--classes 0"),
    (["--classes", "2"], "--per-class"),
    (["--unlabeled", "4", "--classes", "2", "--per-class", "2"], "--unlabeled"),
    (["--classes", "x", "--per-class", "2"], "--classes"),
    (["--unlabeled", "-1"], "--unlabeled -1"),
    (["--unlabeled", "4", "--format", "avi"], "--format"),
    (["--unlabeled", "4", "--motion", "fast"], "--motion fast"),
    (["--unlabeled", "4", "--variation", "nope"], "--variation nope"),
    (["--unlabeled", "4", "--seed", "-1"], "--seed -1"),
    (["--unlabeled", "4", "--class-seed", "1.5"], "--class-seed 1.5"),
    (["--unlabeled", "4", "--frames", "100001"], "--frames 100001"),
    (["--unlabeled", "4", "--density", "0"], "--density 0"),
    (["--unlabeled", "4", "--size", "64"], "--size 64"),
    (["--unlabeled", "4", "--size", "9000x64"], "--size 9000x64"),
    (["--unlabeled", "4", "--size", "8x8"], "--size 8x8: --format mp4's mp4mux"),
    (["--unlabeled", "4", "--size", "8x8", "--format", "hevc"], "--format hevc's x265enc"),
    (["--unlabeled", "4", "--size", "65x64"], "even width and height"),
    (["--unlabeled", "4", "--fps", "0"], "--fps 0"),
    (["--unlabeled", "4", "--fps", "12/x"], "--fps 12/x"),
    (["--unlabeled", "4", "--preset", "warp"], "--preset warp"),
    (["--unlabeled", "4", "--crf", "52"], "--crf 52"),
    (["--unlabeled", "4", "--format", "png", "--crf", "20"], "--crf"),
    (["--unlabeled", "4", "--clips-per-tar", "3"], "--clips-per-tar"),
    (["--unlabeled", "4", "--shard", "2/2"], "--shard 2/2"),
    (["--unlabeled", "4", "--shard", "1"], "--shard 1"),
    (["--unlabeled", "4", "--jobs", "0"], "--jobs 0"),
    (["--unlabeled", "4", "--bogus"], "--bogus"),
]

with tmpdir() as tmp:
    out = os.path.join(tmp, "never")
    for args, named in CASES:
        p = run(["make", "--out", out] + args)
        err = p.stderr.strip()
        check(p.returncode == 2, "%s: exit %d: %s" % (args, p.returncode, err))
        check(err.startswith("fractalvid-dataset: error: ") and len(err.splitlines()) == 1,
              "%s: not one error line: %r" % (args, err))
        check(named in err, "%s: the message does not name %r: %s" % (args, named, err))
        check(not os.path.exists(out), "%s: %s was created" % (args, out))
    for args in (["merge", tmp], ["verify", tmp], ["frobnicate"], []):
        p = run(args)
        check(p.returncode == 2 and "error" in p.stderr, (args, p.returncode, p.stderr))

    # Resuming with other arguments would mix two datasets: refused, nothing touched.
    made = os.path.join(tmp, "made")
    make(made, "--classes", "2", "--per-class", "2")
    before = tree(made)
    p = run(["make", "--out", made, "--classes", "2", "--per-class", "3", "--size", "64x64",
             "--density", "2"])
    check(p.returncode == 2 and "other arguments" in p.stderr and "per_class" in p.stderr,
          p.stderr)
    check(tree(made) == before, "a refused run changed the folder")
print("ok: %d bad arguments refused" % len(CASES))
