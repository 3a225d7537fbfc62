#!/usr/bin/env python3
"""--effects and --augment-seed (G10): --list-effects names every effect, each is accepted
alone and in lists (+ or ,) and is named in the clip summary; the output does not depend on
--threads; another --augment-seed draws other effects over the same plain clip; --effects none
is the plain clip; a bad name exits 2 naming the option and the allowed names."""

import re

from fvtest import SMALL, check, path, run, run_ok, tmpdir

names = run_ok(["--list-effects"]).stdout.decode().split("\n")[:-1]
check(names[0] == "none", "--list-effects starts with none, got %r" % names[0])
effects = names[1:]
for must in ("static-background", "dynamic-background", "background-pan", "scale", "clones",
             "foreground-shift", "perspective", "camera-pan", "zoom", "shake", "paper"):
    check(must in effects, "%s missing from --list-effects" % must)

summary = re.compile(r"effects (\S+),")


def md5s(d, name, extra):
    out = path(d, name + ".md5")
    p = run_ok(SMALL + ["--class", "-1", "--clips", "2"] + extra + ["-o", out])
    with open(out) as f:
        return f.read(), p.stderr.decode()


with tmpdir() as d:
    plain, _ = md5s(d, "plain", [])
    none, _ = md5s(d, "none", ["--effects", "none", "--augment-seed", "5"])
    check(none == plain, "--effects none must give the plain clips")
    for name in effects:
        if name == "paper":
            continue
        got, err = md5s(d, name, ["--effects", name])
        check(got != plain, "--effects %s changed nothing" % name)
        applied = summary.findall(err)
        check(len(applied) == 2 and all(name in a.split("+") for a in applied),
              "--effects %s: summary says %s" % (name, applied))
    one, err = md5s(d, "p1", ["--effects", "paper", "--augment-seed", "3", "--threads", "1"])
    two, _ = md5s(d, "p2", ["--effects", "paper", "--augment-seed", "3", "--threads", "2"])
    check(one == two, "--effects paper output depends on --threads")
    other, _ = md5s(d, "p3", ["--effects", "paper", "--augment-seed", "4"])
    check(other != one, "another --augment-seed drew the same effects")
    listed, _ = md5s(d, "l1", ["--effects", "zoom+shake"])
    commas, _ = md5s(d, "l2", ["--effects", "shake,zoom"])
    check(listed == commas, "zoom+shake and shake,zoom must be the same effects")

    p = run(SMALL + ["--effects", "zoom+zom", "-o", path(d, "bad.md5")])
    err = p.stderr.decode()
    check(p.returncode == 2, "a bad effect name must exit 2, got %d" % p.returncode)
    check("--effects" in err and "zoom+zom" in err and "camera-pan" in err,
          "the message must name the option, the value and the allowed names: %s" % err)
    p = run(SMALL + ["--augment-seed", "-1", "-o", path(d, "bad.md5")])
    check(p.returncode == 2 and "--augment-seed" in p.stderr.decode(),
          "a negative --augment-seed must exit 2 naming it")
print("ok")
