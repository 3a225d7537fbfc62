"""`meson install` installs fractalvid-dataset beside fractalvid-render, executable, and the
installed copy makes a dataset with the installed plugin alone (GStreamer pointed at the
installed plugin folder, not the build tree): the same clips as the build tree's copy.

  installed_tool_makes_a_dataset.py FRACTALVID-DATASET FRACTALVID-RENDER MESON BUILD-DIR"""
import os
import subprocess
import sys

from dstest import SMALL, check, make, manifest, tmpdir

meson, build = sys.argv[3], sys.argv[4]
ARGS = ["--classes", "2", "--per-class", "2"]

with tmpdir() as tmp:
    dest = os.path.join(tmp, "dest")
    p = subprocess.run([meson, "install", "--no-rebuild", "-C", build, "--destdir", dest],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, "meson install: %s %s" % (p.stdout[-2000:], p.stderr[-2000:]))
    found = {}
    for d, _, names in os.walk(dest):
        for name in names:
            found.setdefault(name, []).append(os.path.join(d, name))
    tools = found.get("fractalvid-dataset", [])
    check(len(tools) == 1, "installed fractalvid-dataset: %s" % tools)
    tool = tools[0]
    render = found.get("fractalvid-render", [""])[0]
    check(os.path.dirname(tool) == os.path.dirname(render),
          "fractalvid-dataset in %s, fractalvid-render in %s" % (tool, render))
    check(os.access(tool, os.X_OK), "%s is not executable" % tool)
    plugins = found.get("libgstfractalvid.so", [])
    check(len(plugins) == 1, "installed plugin: %s" % plugins)
    # The installed plugin only (and the libraries installed with it, if any).
    libs = sorted({d for name, paths in found.items() if name.startswith("lib") and ".so" in name
                   for d in map(os.path.dirname, paths)})
    env = {k: v for k, v in os.environ.items() if k != "GST_PLUGIN_PATH"}
    env.update(GST_PLUGIN_PATH_1_0=os.path.dirname(plugins[0]),
               GST_REGISTRY_1_0=os.path.join(tmp, "registry.bin"),
               LD_LIBRARY_PATH=os.pathsep.join(libs))
    out = os.path.join(tmp, "installed")
    p = subprocess.run([tool, "make", "--out", out, "--quiet"] + SMALL + ARGS, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, "installed fractalvid-dataset exited %d: %s" % (
        p.returncode, p.stderr[-3000:]))
    ref = os.path.join(tmp, "build-tree")
    make(ref, *ARGS)
    a = manifest(os.path.join(out, "manifest.jsonl"))
    b = manifest(os.path.join(ref, "manifest.jsonl"))
    check(len(a) == 4 and a == b, "installed and build-tree manifests differ:\n%s\n%s" % (a, b))
print("ok: meson install installs fractalvid-dataset, and the installed copy makes the dataset")
