"""tests/core/bench_authors.py, ours only: it renders, prints our time per clip and says the
authors' generator was not run; a directory that is not their checkout is refused by name."""
import re
import subprocess
import sys
import tempfile

script, render = sys.argv[1], sys.argv[2]
run = subprocess.run([sys.executable, script, "--render", render, "--clips", "2", "--rounds", "2",
                      "--threads", "1"], capture_output=True, text=True, timeout=600)
assert run.returncode == 0, run.stderr[-2000:]
out = run.stdout
assert len(re.findall(r"^round \d: fractalvid +\d+\.\d ms/clip$", out, re.M)) == 2, out
assert re.search(r"^fractalvid: +\d+\.\d ms/clip \(median of 2 rounds of 2 clips\)$", out, re.M), out
assert "authors' generator: not run (give --authors DIR)" in out, out
assert "load average" in out, out

with tempfile.TemporaryDirectory() as empty:
    bad = subprocess.run([sys.executable, script, "--render", render, "--authors", empty],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not a checkout of davidsvy/fractal_video" in bad.stderr, (
        bad.returncode, bad.stderr)
print("ok")
