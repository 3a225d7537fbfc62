"""tests/bench_targets.py --quick: every benchmark run briefly, and a table with a row per
target whose verdict agrees with its figure and goal; bad arguments refused before anything
runs.

Usage: bench_targets_quick.py BENCH_TARGETS BUILD_DIR"""
import re
import subprocess
import sys

script, build = sys.argv[1], sys.argv[2]


def run(*args):
    return subprocess.run([sys.executable, script, "--build", build] + list(args),
                          capture_output=True, text=True, timeout=1200)


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


for args, said in ((["--only", "7"], "--only takes target numbers 1 to 5"),
                   (["--only", "x"], "--only takes target numbers 1 to 5"),
                   (["--authors", build], "is not a checkout of davidsvy/fractal_video")):
    p = run(*args)
    check(p.returncode == 2 and said in p.stderr and not p.stdout,
          "%s: exit %d, stderr %r" % (args, p.returncode, p.stderr[-300:]))
p = subprocess.run([sys.executable, script, "--build", "/nonexistent"], capture_output=True,
                   text=True, timeout=60)
check(p.returncode == 2 and "no tools/fractalvid-render in /nonexistent" in p.stderr,
      "a missing build: exit %d, %r" % (p.returncode, p.stderr[-300:]))

p = run("--quick", "--brief")
check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr[-2000:]))
lines = p.stdout.splitlines()
head = [i for i, line in enumerate(lines) if line.startswith("target ")]
check(len(head) == 1 and lines[head[0] - 1].startswith("performance targets, "),
      "no table: %r" % p.stdout)
rows = lines[head[0] + 1:]
numbered = {}
for row in rows:
    m = re.match(r"(\d) (.*?)  +(.*?)  +(.*?)  +(met|not met|not measured)$", row)
    if m:
        numbered.setdefault(int(m.group(1)), []).append(m.groups())
check(sorted(numbered) == [1, 2, 3, 4, 5], "a row for each target: %r" % rows)
check(len(numbered[3]) == 2, "target 3 at two sizes: %r" % numbered[3])
check(numbered[1][0][4] == "not measured" and "theirs not run" in numbered[1][0][2],
      "target 1 without the authors' generator: %r" % (numbered[1],))
for n, _, measured, goal, said in sum((numbered[k] for k in (2, 3, 4, 5)), []):
    value = float(re.match(r"[\d.]+", measured).group(0))
    limit = re.match(r"(>=|<=|none)\s*([\d.]*)", goal)
    check(limit, "target %s's goal %r" % (n, goal))
    if limit.group(1) == "none":
        ok = value == 0
    elif limit.group(1) == ">=":
        ok = value >= float(limit.group(2))
    else:
        ok = value <= float(limit.group(2))
    check(said == ("met" if ok else "not met"),
          "target %s: %r against %r says %r" % (n, measured, goal, said))
check(any(re.match(r"  the same, 1 thread each +ours [\d.]+ ms a clip; theirs not run ", r)
          for r in rows), "target 1 on one thread: %r" % rows)
check(any(re.match(r"  largest size holding 30 fps: .* +(\d+x\d+|none) / (\d+x\d+|none) ", r)
          for r in rows),
      "the largest live sizes: %r" % rows)
check(any(re.match(r"  the same clip again \(the kept renderer framed it\) +[\d.]+ ms +\(reported\)", r)
          for r in rows), "the same clip's row: %r" % rows)
parts = [re.match(r"  threads working \(idle: serial, job ends\) / work against 1 thread +"
                  r"([\d.]+)% \(([\d.]+)%, ([\d.]+)%\) / ([\d.]+)x +\(reported\)", r)
         for r in rows]
parts = [p.groups() for p in parts if p]
check(len(parts) == 2, "where each size's scaling went: %r" % rows)
for working, serial, ends, work in parts:
    check(abs(float(working) + float(serial) + float(ends) - 100) < 0.25 and float(work) > 0,
          "the threads' time adds up: %r" % ((working, serial, ends, work),))
ceilings = [re.match(r"  the machine's ceiling: as many 1-thread processes +"
                     r"([\d.]+)x \(rounds ([\d.]+)x to ([\d.]+)x\) +\(reported\)", r) for r in rows]
ceilings = [tuple(map(float, c.groups())) for c in ceilings if c]
check(len(ceilings) == 2, "the machine's ceiling at each size: %r" % rows)
for median, low, high in ceilings:
    check(0 < low <= median <= high, "a ceiling within its rounds: %r" % ((median, low, high),))
adds = [re.match(r"  the core beside the rounds: independent adds a cycle +([\d.]+), the median "
                 r"round \(rounds ([\d.]+) to ([\d.]+)\) +\(reported\)", r) for r in rows]
adds = [tuple(map(float, a.groups())) for a in adds if a]
check(len(adds) == 1 and 0 < adds[0][1] <= adds[0][0] <= adds[0][2],
      "the core's rate beside the kernel's rounds: %r" % rows)
check(any(re.match(r"  way chosen by measurement .* +(\d+) of (\d+) variations", r)
          for r in rows), "the choice row: %r" % rows)
print("ok: a verdict per target that agrees with its figure")
