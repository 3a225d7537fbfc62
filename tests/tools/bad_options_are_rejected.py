#!/usr/bin/env python3
"""Every bad option or value exits 2 with one message on stderr that names the option, writes
nothing to stdout and leaves no output file; a failing write exits 1; --help exits 0."""

import os

from fvtest import check, path, run, tmpdir

# (arguments, text the message must contain)
BAD = [
    (["--bogus"], "--bogus"),
    (["--frames", "abc"], "--frames"),
    (["--frames", "-1"], "--frames"),
    (["--frames", "100001"], "--frames"),
    (["--size", "0x10"], "--size"),
    (["--size", "64x9000"], "--size"),
    (["--size", "64"], "--size"),
    (["--size", "64x64x2"], "--size"),
    (["--size", "ax64"], "--size"),
    (["--class", "-2"], "--class"),
    (["--class", "x"], "--class"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "18446744073709551616"], "--seed"),
    (["--class-seed", "1.5"], "--class-seed"),
    (["--motion", "wobble"], "--motion"),
    (["--variation", "nosuch"], "--variation"),
    (["--variation", ""], "--variation"),
    (["--density", "0"], "--density"),
    (["--density", "nan"], "--density"),
    (["--density", "2x"], "--density"),
    (["--threads", "-3"], "--threads"),
    (["--threads", "100000"], "--threads"),
    (["--clips", "-2"], "--clips"),
    # one strict grammar (the fractal:// URI's): no '+', spaces, hex, hex floats, names
    (["--class", "+1"], "--class"),
    (["--class", "0x10"], "--class"),
    (["--class", " 1"], "--class"),
    (["--class", "1 "], "--class"),
    (["--class", "max"], "--class"),
    (["--class", "2147483648"], "--class"),  # one class range with the element
    (["--seed", "0x10"], "--seed"),
    (["--seed", "+5"], "--seed"),
    (["--density", " 1"], "--density"),
    (["--density", "0x1p3"], "--density"),
    (["--density", "inf"], "--density"),
    (["--density", "1e4"], "--density"),
    (["--frames", "+3"], "--frames"),
    (["--size", " 64x64"], "--size"),
    (["--size", "0x40x64"], "--size"),
    (["--threads", "257"], "--threads"),  # one thread range with the element
    (["--fps", "0x10"], "--fps"),
    (["--motion", "2"], "--motion"),
    (["--first-clip", "-1"], "--first-clip"),
    (["--clips", "-1"], "--clips"),  # endless: only to stdout, a file is made when complete
    (["--fps", "0/1"], "--fps"),
    (["--fps", "12/"], "--fps"),
    (["--output", "clip.png"], "--output"),
    (["--output", "/nonexistent-dir/clip.y4m"], "--output"),
    ([], "--output"),  # no destination given
    (["stray-word"], "stray-word"),
]

# The ranges the messages name: the same words as the fractal:// URI's errors.
RANGES = {
    "--class": "allowed: an integer from -1 to 2147483647",
    "--seed": "allowed: an integer from 0 to 18446744073709551615",
    "--density": "allowed: a decimal number from 0.01 to 1000",
    "--threads": "allowed: an integer from 0 to 256",
    "--frames": "allowed: an integer from 0 to 100000",
    "--clips": "allowed: ",
    "--motion": "allowed: one of static, naive, linear, nonlinear",
}

with tmpdir() as d:
    for args, needle in BAD:
        # Every case names a real output file, so a missing error would create it.
        out = path(d, "should-not-exist.y4m")
        full = args + ([] if "--output" in args or not args else ["--output", out])
        p = run(["--size", "16x16", "--frames", "1", "--density", "0.5"] + full)
        err = p.stderr.decode(errors="replace").strip()
        check(p.returncode == 2, "%s: exit %d, want 2 (stderr: %s)" % (full, p.returncode, err))
        check(needle in err, "%s: message does not name %r: %r" % (full, needle, err))
        check("allowed" in err or "Unknown option" in err or "required" in err
              or "unexpected" in err or "cannot write" in err,
              "%s: message does not say what is allowed: %r" % (full, err))
        check(len(err.split("\n")) == 1, "%s: want one message line, got %r" % (full, err))
        if args and args[0] in RANGES:
            check(RANGES[args[0]] in err, "%s: message does not say %r: %r"
                  % (full, RANGES[args[0]], err))
        check(p.stdout == b"", "%s: wrote to stdout" % full)
        check(not os.path.exists(out), "%s: left %s behind" % (full, out))

    # A write that fails after the file opened (disk full) is an I/O failure: exit 1.
    if os.path.exists("/dev/full"):
        full_y4m = path(d, "full.y4m")
        os.symlink("/dev/full", full_y4m)
        p = run(["--size", "16x16", "--frames", "1", "--density", "0.5", "-q", "-o", full_y4m])
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 1, "write to /dev/full: exit %d, want 1 (%s)" % (p.returncode, err))
        check("full.y4m" in err, "write failure message does not name the file: %r" % err)

    # The values the element takes, the CLI takes: the ends of the ranges, leading zeros.
    for args in (["--class", "2147483647"], ["--seed", "18446744073709551615"],
                 ["--threads", "256"], ["--density", "1e-2"], ["--class", "007"],
                 ["--clips", "0"]):
        out = path(d, "ok.md5")
        p = run(["--size", "16x16", "--frames", "1", "--density", "0.5", "-q"] + args
                + ["-o", out])
        check(p.returncode == 0, "%s refused: %s" % (args, p.stderr.decode(errors="replace")))
        check(os.path.exists(out), "%s: no output" % args)
        os.remove(out)

    p = run(["--help"])
    text = p.stdout.decode()
    check(p.returncode == 0, "--help exit %d" % p.returncode)
    for opt in ("--class", "--seed", "--class-seed", "--motion", "--variation", "--size",
                "--frames", "--clips", "--threads", "--density", "--output", "--list-variations"):
        check(opt in text, "--help does not mention %s" % opt)
print("ok")
