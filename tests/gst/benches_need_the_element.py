#!/usr/bin/env python3
"""The gst benchmarks, run where fractalvidsrc cannot be found (no plugin path, an empty
system path, a fresh registry), say so and how to point GStreamer at the built plugin, exit 2,
and print no figures; bench-big-frames also refuses a largest width below its first size.
Usage: benches_need_the_element.py bench-live bench-element bench-big-frames"""
import os
import subprocess
import sys
import tempfile

bench_live, bench_element, bench_big_frames = sys.argv[1:4]

with tempfile.TemporaryDirectory() as empty:
    env = dict(os.environ)
    for name in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0", "GST_PLUGIN_SYSTEM_PATH",
                 "GST_PLUGIN_SYSTEM_PATH_1_0"):
        env[name] = empty
    env["GST_REGISTRY_1_0"] = env["GST_REGISTRY"] = os.path.join(empty, "registry.bin")
    for args in ([bench_live, "1"], [bench_live, "targets", "1"], [bench_element, "1"],
                 [bench_big_frames, "1920"]):
        run = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        name = os.path.basename(args[0])
        assert run.returncode == 2, (args, run.returncode, run.stdout[-1000:], run.stderr[-2000:])
        assert ("%s: the element fractalvidsrc is not found; point GST_PLUGIN_PATH at the "
                "directory of the built plugin" % name) in run.stderr, (args, run.stderr[-2000:])
        assert "CRITICAL" not in run.stderr and "WARNING" not in run.stderr, run.stderr[-2000:]
        # no figures: at most bench-big-frames' table header
        assert run.stdout.strip() in ("", "size        normalization   first frame  peak memory"), (
            args, run.stdout[-1000:])

# a largest width that names no size: refused before anything runs
for width in ("1", "x", "1919"):
    run = subprocess.run([bench_big_frames, width], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == "", (width, run.returncode, run.stdout)
    assert "usage: " in run.stderr and "[largest width >= 1920]" in run.stderr, run.stderr
print("ok")
