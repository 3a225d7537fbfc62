"""tests/core/bench_authors.py, ours only: it renders, prints our time per clip and says the
authors' generator was not run; a directory that is not their checkout is refused by name, and
a checkout whose code does not import by the module it lacks."""
import os
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
# ours renders only, as theirs, by default; --threads 1 is one CPU for ours
assert "fractalvid-render -o null: rendered only, nothing written" in out, out
assert re.search(r"^fractalvid on CPU \d+ only \(its rendering\)$", out, re.M), out
# --output md5: an MD5 per frame, the writing thread on that CPU too
md5 = subprocess.run([sys.executable, script, "--render", render, "--clips", "2", "--rounds", "1",
                      "--threads", "1", "--output", "md5"], capture_output=True, text=True,
                     timeout=600)
assert md5.returncode == 0, md5.stderr[-2000:]
assert "fractalvid-render -o md5: an MD5 per frame into a file" in md5.stdout, md5.stdout
assert re.search(r"^fractalvid on CPU \d+ only \(its rendering and its writing thread\)$",
                 md5.stdout, re.M), md5.stdout

with tempfile.TemporaryDirectory() as empty:
    bad = subprocess.run([sys.executable, script, "--render", render, "--authors", empty],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not a checkout of davidsvy/fractal_video" in bad.stderr, (
        bad.returncode, bad.stderr)
# A checkout whose code does not import (here: a module the machine lacks) is refused by the
# missing module's name and the packages that bring it, not with a traceback.
with tempfile.TemporaryDirectory() as fake:
    os.makedirs(os.path.join(fake, "src", "synthetic"))
    open(os.path.join(fake, "generate_synthetic.py"), "w").close()
    open(os.path.join(fake, "src", "__init__.py"), "w").close()
    with open(os.path.join(fake, "src", "synthetic", "__init__.py"), "w") as f:
        f.write("import fv_no_such_module_here\n")
    bad = subprocess.run([sys.executable, script, "--render", render, "--authors", fake],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0, (bad.returncode, bad.stderr)
    assert "does not import: No module named 'fv_no_such_module_here'" in bad.stderr, bad.stderr
    assert "apt-get install python3-numba" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr, bad.stderr
print("ok")
