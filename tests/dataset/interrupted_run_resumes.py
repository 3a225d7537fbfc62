"""A run stopped mid-way resumes to what an uninterrupted run makes: killed (SIGKILL) it
leaves only hidden temporary files and complete clips (each byte-identical to the
uninterrupted run's), SIGINT and SIGTERM stop it with status 130 and 143 and no temporary
file; the rerun of the same command ends with the same manifest and files, for mp4 files and
for webdataset tars."""
import os
import signal
import subprocess
import sys
import time

from dstest import check, exe, hidden_files, run_ok, same_tree, tmpdir, tree


def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def stop_midway(out, what, sig, total):
    """Start make, send sig once a few clips are recorded; retried with more clips in the
    (unlikely) case the run finished first."""
    args = [exe(), "make", "--out", out, "--jobs", "2"] + what
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while p.poll() is None and lines(os.path.join(out, "manifest.jsonl")) < 2:
        check(time.monotonic() < deadline, "no clip recorded in 120 s")
        time.sleep(0.01)
    if p.poll() is not None:
        check(False, "the run ended (%d) before it could be stopped: %s" % (
            p.returncode, p.communicate()[1]))
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    done = lines(os.path.join(out, "manifest.jsonl"))
    check(done < total, "%s arrived after the last clip" % sig.name)
    return p.returncode, err


with tmpdir() as tmp:
    # 96x96 clips at the default density: long enough to stop a run mid-way.
    cases = [("mp4", ["--classes", "3", "--per-class", "8"], 24),
             ("webdataset", ["--classes", "3", "--per-class", "6", "--format", "webdataset",
                             "--clips-per-tar", "4"], 18)]
    for name, what, total in cases:
        what = ["--size", "96x96"] + what
        ref = os.path.join(tmp, name + "-ref")
        run_ok(["make", "--out", ref, "--quiet"] + what)
        ref_files = tree(ref)
        for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
            out = os.path.join(tmp, "%s-%s" % (name, sig.name))
            rc, err = stop_midway(out, what, sig, total)
            if sig == signal.SIGKILL:
                check(rc == -signal.SIGKILL, "killed run exited %d" % rc)
            else:
                check(rc == 128 + sig, "%s: exit %d: %s" % (sig.name, rc, err))
                check("interrupted" in err and "run the same command again" in err, err)
                check(not hidden_files(out), "%s left %s" % (sig.name, hidden_files(out)))
            # Whatever looks finished is finished: every visible file is the complete one.
            for path, sha in tree(out).items():
                hidden = any(part.startswith(".") for part in path.split(os.sep))
                if hidden or path.startswith("manifest"):
                    continue
                check(ref_files.get(path) == sha, "%s left %s unlike the complete file" % (
                    sig.name, path))
            run_ok(["make", "--out", out, "--quiet"] + what)
            check(not hidden_files(out), "resumed run left %s" % hidden_files(out))
            same_tree(ref, out, "%s resumed after %s" % (name, sig.name))
print("ok: SIGKILL, SIGINT and SIGTERM runs resume to the uninterrupted dataset")
