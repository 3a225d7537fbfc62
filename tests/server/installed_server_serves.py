"""meson install puts fractalvid-server in the prefix's bin directory; installed into a
DESTDIR, with the plugin installed beside it (and nothing from the build tree), it serves a
stream ffprobe reads, and exits 0 on SIGTERM.

Usage: installed_server_serves.py BUILD_DIR"""
import json
import os
import shutil
import sys
import tempfile

sys.argv.insert(1, "unused")  # fvserver takes the server's path as its first argument
from fvserver import SMALL, Server, check, ffprobe, log, run  # noqa: E402

build = sys.argv[2]
meson = shutil.which("meson")
options = {o["name"]: o["value"]
           for o in json.loads(run([meson, "introspect", "--buildoptions", build]).stdout)}
system_plugins = run(["pkg-config", "--variable=pluginsdir", "gstreamer-1.0"]).stdout.strip()
plugin_dir = options["gst-plugin-dir"] or system_plugins

with tempfile.TemporaryDirectory(prefix="fv-server-install-") as dest:
    def staged(path):
        return os.path.join(dest, os.path.relpath(path, "/"))

    p = run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"],
            timeout=120)
    check(p.returncode == 0, "meson install: %s" % p.stderr[-2000:])
    server = staged(os.path.join(options["prefix"], options["bindir"], "fractalvid-server"))
    check(os.access(server, os.X_OK), "no installed server at %s" % server)

    env = dict(os.environ)
    for var in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0", "LD_LIBRARY_PATH"):
        env.pop(var, None)
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = staged(plugin_dir) + os.pathsep + system_plugins
    env["GST_REGISTRY_1_0"] = os.path.join(dest, "registry.bin")
    env["LD_LIBRARY_PATH"] = staged(os.path.join(options["prefix"], options["libdir"]))
    srv = Server(program=server, env=env)
    info = ffprobe(srv.url("class=2&" + SMALL), seconds=1)
    check(info["width"] == "160" and info["codec_name"] == "h264", "ffprobe: %s" % info)
    check(srv.stop() == 0, "the installed server did not exit 0; log:\n%s"
          % "\n".join(srv.lines[-30:]))
log("ok: the installed server serves from the installed plugin")
