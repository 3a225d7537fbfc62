"""An output folder that cannot be written exits with status 2 and a message naming the folder
and the reason, leaving nothing behind: a path under a regular file, and a read-only
filesystem (a read-only tmpfs mount when run as root; a folder without write permission
otherwise)."""
import os
import subprocess

from dstest import check, run, tmpdir

ARGS = ["--classes", "2", "--per-class", "2", "--size", "64x64", "--density", "2"]

with tmpdir() as tmp:
    plain = os.path.join(tmp, "a-file")
    open(plain, "w").close()
    out = os.path.join(plain, "dataset")
    p = run(["make", "--out", out] + ARGS)
    check(p.returncode == 2 and out in p.stderr and "Not a directory" in p.stderr, p.stderr)

    locked = os.path.join(tmp, "locked")
    os.mkdir(locked)
    how = None
    if os.geteuid() == 0:
        # Root writes through permissions; a read-only filesystem stops it.
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", locked],
                               capture_output=True, text=True)
        if mount.returncode == 0:
            how = "read-only tmpfs"
        else:
            print("note: mount not permitted (%s); read-only case not run" % mount.stderr.strip())
    else:
        os.chmod(locked, 0o555)
        how = "folder without write permission"
    try:
        if how:
            for out in (locked, os.path.join(locked, "dataset")):
                p = run(["make", "--out", out] + ARGS)
                check(p.returncode == 2 and out in p.stderr, (how, p.returncode, p.stderr))
                check("Read-only file system" in p.stderr or "Permission denied" in p.stderr,
                      (how, p.stderr))
                check(os.listdir(locked) == [], "%s: %s" % (how, os.listdir(locked)))
    finally:
        if how == "read-only tmpfs":
            subprocess.run(["umount", locked], check=True)
        os.chmod(locked, 0o755)
print("ok: unwritable folders are reported" + (" (%s)" % how if how else ""))
