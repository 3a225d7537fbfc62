"""examples/python/train.py trains as written: one short epoch, a finite loss printed."""
import math
import re
import subprocess
import sys

from fvpy import check, require

require("torch")
run = subprocess.run([sys.executable, sys.argv[1], "1", "4", "4"], capture_output=True,
                     text=True, timeout=600)
check(run.returncode == 0, "train.py exited %d: %s" % (run.returncode, run.stderr[-2000:]))
m = re.fullmatch(r"epoch 0: loss (\S+)\n", run.stdout)
check(m is not None, "unexpected output: %r" % run.stdout)
check(math.isfinite(float(m.group(1))), "loss %s" % m.group(1))
print("ok: " + run.stdout.strip())
