"""meson install puts the plugin where GStreamer looks for plugins and libfractalvid (shared),
its header and fractalvid.pc under the prefix. Installed into a DESTDIR, the element loads from
there (GST_PLUGIN_SYSTEM_PATH, LD_LIBRARY_PATH for the library) and gst-inspect-1.0 shows its
package and origin; the library exports the functions of its header and nothing else; a
program builds against the installed fractalvid.pc and runs.

Usage: install_into_destdir.py BUILD_DIR SOURCE_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

build, source = sys.argv[1:3]


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, (cmd, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


meson = shutil.which("meson")
options = {o["name"]: o["value"]
           for o in json.loads(run([meson, "introspect", "--buildoptions", build]))}
prefix = options["prefix"]
libdir = os.path.join(prefix, options["libdir"])
includedir = os.path.join(prefix, options["includedir"])
system_plugins = run(["pkg-config", "--variable=pluginsdir", "gstreamer-1.0"]).strip()
plugin_dir = options["gst-plugin-dir"] or system_plugins

with tempfile.TemporaryDirectory() as dest:
    def staged(path):
        return os.path.join(dest, os.path.relpath(path, "/"))

    run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"])
    plugin = staged(os.path.join(plugin_dir, "libgstfractalvid.so"))
    lib = staged(os.path.join(libdir, "libfractalvid.so.0"))
    for path in (plugin, lib, staged(os.path.join(libdir, "libfractalvid.so")),
                 staged(os.path.join(includedir, "fractalvid", "fractalvid.h")),
                 staged(os.path.join(libdir, "pkgconfig", "fractalvid.pc"))):
        assert os.path.exists(path), (path, sorted(glob.glob(dest + "/**", recursive=True)))

    # The element, from the DESTDIR only (the system directory for fakesink).
    env = dict(os.environ)
    for var in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0"):
        env.pop(var, None)
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = os.path.dirname(plugin) + os.pathsep + system_plugins
    env["GST_REGISTRY_1_0"] = os.path.join(dest, "registry.bin")
    env["LD_LIBRARY_PATH"] = os.path.dirname(lib)
    inspect = run(["gst-inspect-1.0", "fractalvidsrc"], env=env)
    assert re.search(r"Filename\s+" + re.escape(plugin), inspect), inspect
    assert re.search(r"Binary package\s+" + re.escape(options["package-name"]), inspect), inspect
    assert re.search(r"Origin URL\s+" + re.escape(options["package-origin"]), inspect), inspect
    run(["gst-launch-1.0", "-q", "fractalvidsrc", "num-buffers=3", "density=0.5", "!",
         "fakesink"], env=env)

    # The library exports what its header declares, nothing else.
    header = open(staged(os.path.join(includedir, "fractalvid", "fractalvid.h"))).read()
    declared = set(re.findall(r"\b(fv_\w+)\s*\(", re.sub(r"/\*.*?\*/", "", header, flags=re.S)))
    exported = set(re.findall(r"\s[TDBR]\s+(\w+)@@", run(["nm", "-D", "--defined-only", lib])))
    assert declared and exported == declared, (sorted(exported ^ declared))

    # A program built against the installed pkg-config file.
    env["PKG_CONFIG_PATH"] = staged(os.path.join(libdir, "pkgconfig"))
    env["PKG_CONFIG_SYSROOT_DIR"] = dest
    flags = run(["pkg-config", "--cflags", "--libs", "fractalvid"], env=env).split()
    program = os.path.join(dest, "render-clip")
    run(["cc", "-o", program, os.path.join(source, "examples", "render-clip.c")] + flags, env=env)
    work = os.path.join(dest, "work")
    os.mkdir(work)
    run([program, "2", "clip"], env=env, cwd=work)
    frames = sorted(os.listdir(work))
    assert len(frames) >= 18 and frames[0] == "clip-00.pgm", frames
print("ok: installed into a DESTDIR; element and library load from there")
