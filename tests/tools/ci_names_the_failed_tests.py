"""The end of a test log names what failed: `./dev.sh summary` prints a line "FAILED: name
(result, duration)" for each failed test of the last run before its totals, and `.ci/run`
gathers those lines from every configuration, each with the configuration's title, just
before its final "N passed, N failed" (the part of a long CI log most often kept). Each
configuration builds in its own directory whatever BUILD_DIR the caller has (the tests of the
sanitizer configurations run with theirs).

Usage: ci_names_the_failed_tests.py SOURCE_ROOT"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

root = sys.argv[1]


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


def executable(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


with tempfile.TemporaryDirectory(prefix="fv-ci-") as tmp:
    # 1. dev.sh summary on a test log of three tests, one failed, one timed out.
    repo = os.path.join(tmp, "repo")
    os.makedirs(os.path.join(repo, "b", "meson-logs"))
    shutil.copy(os.path.join(root, "dev.sh"), repo)
    with open(os.path.join(repo, "b", "meson-logs", "testlog.json"), "w") as f:
        for name, result, duration in (("fv:core / a", "OK", 1.0),
                                       ("fv:gst / b", "FAIL", 2.25),
                                       ("fv:server / c", "TIMEOUT", 300.0),
                                       ("fv:gst / d", "EXPECTEDFAIL", 0.5)):
            f.write(json.dumps({"name": name, "result": result, "duration": duration}) + "\n")
    p = subprocess.run(["bash", os.path.join(repo, "dev.sh"), "summary"], capture_output=True,
                       text=True, env=dict(os.environ, BUILD_DIR="b"), timeout=60)
    lines = p.stdout.splitlines()
    check(p.returncode == 1, "dev.sh summary exited %d with failures" % p.returncode)
    check(lines == ["FAILED: fv:gst / b (FAIL, 2.2 s)",
                    "FAILED: fv:server / c (TIMEOUT, 300.0 s)",
                    "2 passed, 2 failed"], "dev.sh summary printed %r" % lines)

    # 2. .ci/run around a dev.sh that fails one test in each configuration it is run for.
    ci = os.path.join(tmp, "ci")
    os.makedirs(os.path.join(ci, ".ci"))
    shutil.copy(os.path.join(root, ".ci", "run"), os.path.join(ci, ".ci", "run"))
    executable(os.path.join(ci, "dev.sh"),
               '#!/usr/bin/env bash\necho "building in ${BUILD_DIR:-build}" >&2\n'
               'echo "FAILED: fv / t-${BUILD_DIR:-build} (FAIL, 1.0 s)"\n'
               'echo "3 passed, 1 failed"\nexit 1\n')
    bin_dir = os.path.join(tmp, "bin")
    os.makedirs(bin_dir)
    executable(os.path.join(bin_dir, "clang"), "#!/bin/sh\nexit 0\n")
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
    p = subprocess.run(["bash", os.path.join(ci, ".ci", "run")], capture_output=True,
                       text=True, env=env, timeout=60)
    lines = p.stdout.splitlines()
    check(p.returncode != 0, ".ci/run exited 0 with failures")
    check(lines[-1] == "12 passed, 4 failed", ".ci/run's last line: %r" % lines[-1:])
    failed = lines[-5:-1]
    check([line.split(" [")[0] for line in failed] ==
          ["FAILED: fv / t-%s (FAIL, 1.0 s)" % d
           for d in ("build", "build-asan", "build-fuzz", "build-tsan")],
          ".ci/run's lines before the totals: %r" % failed)
    check(all(line.endswith(")]") and " [" in line for line in failed),
          "each failure names its configuration: %r" % failed)
print("ok: dev.sh summary and .ci/run name the failed tests before the totals")
