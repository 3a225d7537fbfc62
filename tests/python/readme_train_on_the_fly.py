"""The README's "Train on the fly" examples run as written: the shell block (its setup line
is the build this test runs in) and every Python block, each in a fresh interpreter."""
import os
import re
import subprocess
import sys

from fvpy import check, require

require("torch")
readme_path = sys.argv[1]
root = os.path.dirname(os.path.abspath(readme_path))
readme = open(readme_path, encoding="utf-8").read()
start = readme.index("## Train on the fly")
section = readme[start:readme.index("\n## ", start + 1)]

shell = re.search(r"```sh\n(.*?)```", section, re.S).group(1).splitlines()
check(shell[0].startswith('./dev.sh setup && eval "$(./dev.sh env)"'), shell[0])
for line in shell[1:]:
    command = line.split("#")[0].split()
    check(command[0] == "/usr/bin/python3", line)
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=900)
    check(run.returncode == 0, "%s: %s" % (line, run.stderr[-2000:]))
    check(re.search(r"epoch 1: loss \d", run.stdout), "%s printed %r" % (line, run.stdout))

blocks = re.findall(r"```python\n(.*?)```", section, re.S)
check(len(blocks) == 2, "%d python blocks" % len(blocks))
for block in blocks:
    run = subprocess.run([sys.executable, "-c", block], cwd=root, capture_output=True,
                         text=True, timeout=600)
    check(run.returncode == 0, "%s\n%s" % (block, run.stderr[-2000:]))
print("ok: %d commands, %d Python blocks" % (len(shell) - 1, len(blocks)))
