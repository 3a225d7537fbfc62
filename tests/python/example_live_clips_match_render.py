"""examples/python/live_clips.py reads a live fractalvidsrc through appsink: it prints each
clip's labels, and the clips it yields are the frames fractalvid.render gives for the same
values, with the labels of the element's meta."""
import importlib.util
import re
import subprocess
import sys

import numpy

import fractalvid
from fvpy import check, require

require("gi")
example = sys.argv[1]

# As a user runs it: class 5, one clip.
run = subprocess.run([sys.executable, example, "5", "1"], capture_output=True, text=True,
                     timeout=300)
check(run.returncode == 0, "live_clips.py exited %d: %s" % (run.returncode, run.stderr[-2000:]))
check(re.fullmatch(r"clip 0: class 5 seed 0 motion nonlinear variation \w+ "
                   r"frames \((18|19|20), 112, 112\) mean \d+\.\d\n", run.stdout) is not None,
      "unexpected output: %r" % run.stdout)

# As a module: its clips are render()'s, its labels the meta's.
spec = importlib.util.spec_from_file_location("live_clips", example)
live = importlib.util.module_from_spec(spec)
spec.loader.exec_module(live)
live.Gst.init(None)
got = list(live.clips(7, 2))
check(len(got) == 2, "2 clips, got %d" % len(got))
for k, (frames, labels) in enumerate(got):
    want, info = fractalvid.render(7, 0, k, size=112)
    check(numpy.array_equal(frames, want), "clip %d: live frames differ from render()" % k)
    check((labels["class"], labels["clip"], labels["seed"], labels["class-seed"],
           labels["class-key"], labels["frames-in-clip"], labels["motion"], labels["variation"])
          == (7, k, 0, 0, info["class_key"], info["frames"], info["motion"], info["variation"]),
          "clip %d: meta labels %s, render labels %s" % (k, labels, info))
print("ok")
