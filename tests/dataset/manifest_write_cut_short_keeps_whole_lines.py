"""A manifest write that fails part way (here a file size limit, RLIMIT_FSIZE, reached in the
middle of the line of the one clip left to make; a full disk fails the same way) stops the
run with status 1 and a message naming the manifest, and leaves the manifest exactly as it
was: no half line. A manifest that ends in half a line (a kill) loses that line when the run
resumes, and the rerun completes the dataset to the same files as an uninterrupted run."""
import json
import os
import resource

from dstest import check, hidden_files, make, run, same_tree, tmpdir, tree

ARGS = ["--format", "ffv1", "--classes", "2", "--per-class", "3"]


def limit_file_size(size):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


with tmpdir() as tmp:
    ref = os.path.join(tmp, "ref")
    make(ref, *ARGS)
    ref_files = tree(ref)
    lines = read(os.path.join(ref, "manifest.jsonl")).splitlines(keepends=True)
    check(len(lines) == 6, "%d manifest lines" % len(lines))
    last = json.loads(lines[-1])["path"]
    largest = max(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(ref) for n in ns)

    # The dataset with its last clip missing, and a manifest that blank lines (which a
    # manifest reader skips) bring to 40 bytes short of the limit: the missing clip is made
    # again, fits, and its line reaches the limit part way.
    out = os.path.join(tmp, "out")
    make(out, *ARGS)
    os.remove(os.path.join(out, last))
    limit = 2 * largest + 4096
    kept = b"".join(lines[:-1])
    padded = kept + b"\n" * (limit - 40 - len(kept))
    manifest = os.path.join(out, "manifest.jsonl")
    write(manifest, padded)
    p = run(["make", "--out", out, "--quiet", "--size", "64x64", "--density", "2"] + ARGS,
            preexec_fn=limit_file_size(limit))
    check(p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr))
    check("manifest.jsonl: File too large" in p.stderr, p.stderr)
    check("run the same command again" in p.stderr, p.stderr)
    check(os.path.exists(os.path.join(out, last)), "the clip was not made: %s" % p.stderr)
    after = read(manifest)
    check(after == padded, "the manifest changed: %d bytes after, %d before, ends %r" % (
        len(after), len(padded), after[-60:]))
    check(not hidden_files(out), "left %s" % hidden_files(out))

    # Half a line at the end (as a kill mid-write leaves it): dropped, its clip made again.
    write(manifest, kept + lines[-1][:25])
    os.remove(os.path.join(out, last))
    make(out, *ARGS)
    same_tree(ref, out, "resumed after a manifest cut short")
    check(tree(out) == ref_files, "not the uninterrupted dataset")
print("ok: a manifest write cut short left whole lines, and the run completed")
