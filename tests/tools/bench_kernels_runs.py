"""fractalvid-bench-kernels as a user runs it: a small table of linear and its limit line,
the time per walker step set against the instructions per walker step at the core's width
(named) or FV_BENCH_WIDTH's; the SIMD kernels read kept map choices (fewer instructions a
step) unless FV_BENCH_DRAW=1; a bad argument is refused before anything is printed on stdout."""
import os
import re
import subprocess
import sys

bench = sys.argv[1]


def run(*args, env=None):
    return subprocess.run([bench, *args], capture_output=True, text=True, timeout=600, env=env)


LIMIT = re.compile(
    r"^linear, \w+ [a-z ]+: (\d+\.\d) instructions a walker step \(counted by single-stepping\), "
    r"at (\d+) a cycle \(([^)]*)\) a limit of (\d+\.\d\d) cycles; "
    r"measured (\d+\.\d\d) cycles a step "
    r"\(walks of (\d+) less walks of (\d+) iterations, .*\), (\d+\.\d\d)x the limit; (\d+\.\d\d) "
    r"cycles a plotted point with set-up and the 200 discarded steps$", re.M)


ADDS = re.compile(
    r"^linear's rounds, the core beside each: (\d+\.\d\d) independent adds a cycle in the "
    r"median round \(rounds (\d+\.\d\d)-(\d+\.\d\d)\); lower beside a round that shared the "
    r"core's units \(a sibling thread\), not beside one slowed through the caches$",
    re.M)


def check_limit(out, width=None):
    """The limit line's figures hold together; its width is `width`, or the core's own; the
    next line gives the core's rate of independent adds beside the rounds: within the rounds'
    range, and more than one a cycle (eight chains side by side: at least as many as the
    chain of adds the clock is measured by)."""
    m = LIMIT.search(out)
    assert m, out
    a = ADDS.search(out, m.end())
    assert a and out[m.end():a.start()] == "\n", out
    median, least, most = (float(g) for g in a.groups())
    assert 1.0 < least <= median <= most < 16, (least, median, most)
    why = m.group(3)
    per_step, at, limit, measured, whole, part, ratio, _ = (
        float(g) for g in m.group(1, 2, 4, 5, 6, 7, 8, 9))
    if width:
        assert at == width and why == "set by FV_BENCH_WIDTH", (at, why)
    else:  # the core's width, named, and how to set another
        assert at in (6, 8) and why.endswith("; FV_BENCH_WIDTH sets another"), (at, why)
        assert re.match(r"(AMD Zen|Intel Golden Cove|a core not known here)", why), why
    assert part == whole // 4 and part > 0, (whole, part)
    # per_step is printed to a tenth: the limit from it is off by up to 0.05 / at
    assert abs(limit - per_step / at) < 0.05 / at + 0.006, (per_step, at, limit)
    assert abs(ratio - measured / limit) < 0.02 + 0.01 * ratio, (measured, limit, ratio)


ok = run("1", "64", "linear")
assert ok.returncode == 0, ok.stderr[-2000:]
out = ok.stdout
assert re.search(r"^linear +\d+\.\d\d( +(\d+\.\d\d|-)){6}  \w+$", out, re.M), out
if "instructions not counted" not in out:  # ptrace refused: no limit line
    check_limit(out)
    four = run("1", "64", "linear", env=dict(os.environ, FV_BENCH_WIDTH="4"))
    assert four.returncode == 0, four.stderr[-2000:]
    check_limit(four.stdout, 4)
    # the SIMD kernels read kept map choices, unless FV_BENCH_DRAW=1: fewer instructions a step
    assert "map choices read by the SIMD kernels" in out, out
    # The way (kernel, lane by lane or grouped) is each process's own choice, by timing: the
    # counts compare within one way, so the drawn run is repeated until it chose the same, and
    # the kept run too (in a slow minute of the host either may choose the other way)
    way = re.compile(r"^(linear, [\w ]+):", re.M)
    kept_way = way.search(out).group(1)
    for attempt in range(8):
        drawn = run("1", "64", "linear", env=dict(os.environ, FV_BENCH_DRAW="1"))
        assert drawn.returncode == 0, drawn.stderr[-2000:]
        assert "map choices drawn at every step" in drawn.stdout, drawn.stdout
        check_limit(drawn.stdout)
        drawn_way = way.search(drawn.stdout).group(1)
        if drawn_way == kept_way:
            break
        again = run("1", "64", "linear")
        assert again.returncode == 0, again.stderr[-2000:]
        check_limit(again.stdout)
        if way.search(again.stdout).group(1) == drawn_way:
            out, kept_way = again.stdout, drawn_way
            break
    assert drawn_way == kept_way, ("8 drawn runs and 8 kept ones chose other ways", kept_way,
                                   drawn_way)
    if not kept_way.startswith("linear, scalar"):
        kept_step = float(LIMIT.search(out).group(1))
        drawn_step = float(LIMIT.search(drawn.stdout).group(1))
        assert kept_step < drawn_step, (kept_way, kept_step, drawn_step)

for args, why in ((["1", "64", "nosuch"], "unknown variation nosuch"),
                  (["1", "64", "linear,nosuch"], "unknown variation nosuch"),
                  (["0"], "usage:"), (["1", "9000"], "usage:")):
    bad = run(*args)
    assert bad.returncode == 2, (args, bad.returncode, bad.stdout, bad.stderr)
    assert bad.stdout == "", (args, bad.stdout)
    assert why in bad.stderr, (args, bad.stderr)
print("ok")
