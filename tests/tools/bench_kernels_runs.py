"""fractalvid-bench-kernels as a user runs it: a small table of linear and its limit line,
the time per walker step set against the instructions per walker step; a bad argument is
refused before anything is printed on stdout."""
import re
import subprocess
import sys

bench = sys.argv[1]


def run(*args):
    return subprocess.run([bench, *args], capture_output=True, text=True, timeout=600)


ok = run("1", "64", "linear")
assert ok.returncode == 0, ok.stderr[-2000:]
out = ok.stdout
assert re.search(r"^linear +\d+\.\d\d( +(\d+\.\d\d|-)){6}  \w+$", out, re.M), out
if "instructions not counted" not in out:  # ptrace refused: no limit line
    m = re.search(r"^linear, \w+ [a-z ]+: (\d+\.\d) instructions a walker step .* a limit of "
                  r"(\d+\.\d\d) cycles; measured (\d+\.\d\d) cycles a step \(walks of (\d+) less "
                  r"walks of (\d+) iterations, .*\), (\d+\.\d\d)x the limit; (\d+\.\d\d) cycles a "
                  r"plotted point with set-up and the 200 discarded steps$", out, re.M)
    assert m, out
    per_step, limit, measured, whole, part, ratio, _ = (float(g) for g in m.groups())
    assert part == whole // 4 and part > 0, (whole, part)
    assert abs(limit - per_step / 8) < 0.01, (per_step, limit)
    assert abs(ratio - measured / limit) < 0.02 + 0.01 * ratio, (measured, limit, ratio)

for args, why in ((["1", "64", "nosuch"], "unknown variation nosuch"),
                  (["1", "64", "linear,nosuch"], "unknown variation nosuch"),
                  (["0"], "usage:"), (["1", "9000"], "usage:")):
    bad = run(*args)
    assert bad.returncode == 2, (args, bad.returncode, bad.stdout, bad.stderr)
    assert bad.stdout == "", (args, bad.stdout)
    assert why in bad.stderr, (args, bad.stderr)
print("ok")
