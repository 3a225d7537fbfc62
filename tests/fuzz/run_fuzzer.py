#!/usr/bin/env python3
"""Run one libFuzzer target for a bounded time, as a test of the fuzz suite.

usage: run_fuzzer.py FUZZER SECONDS CORPUS ARTIFACTS

The corpus in the repository seeds the run and is only read: inputs the run finds go to a
scratch directory. A crash, a failed check or a leak fails the test and leaves the input in
ARTIFACTS (reproduce with: FUZZER ARTIFACTS/crash-...)."""
import os
import subprocess
import sys
import tempfile

fuzzer, seconds, corpus, artifacts = sys.argv[1:5]
os.makedirs(artifacts, exist_ok=True)
with tempfile.TemporaryDirectory(prefix="fv-fuzz-") as scratch:
    cmd = [fuzzer, "-max_total_time=%d" % int(seconds), "-timeout=30", "-rss_limit_mb=4096",
           "-print_final_stats=1", "-artifact_prefix=" + os.path.join(artifacts, ""),
           scratch, corpus]
    print(" ".join(cmd), flush=True)
    sys.exit(subprocess.run(cmd).returncode)
