#!/usr/bin/env bash
# Developer entry point for fractalvid on Debian 12.
#
#   ./dev.sh setup            install missing packages, configure and build
#   ./dev.sh test [ARGS...]   setup, run meson test (ARGS go to meson test, e.g. --suite core),
#                             and end with the line "N passed, N failed"
#   ./dev.sh summary          the last test run's failed tests and "N passed, N failed" again
#   ./dev.sh bench            setup, run the benchmarks verbosely
#   ./dev.sh render [ARGS...] setup, run the built fractalvid-render with ARGS
#   ./dev.sh env              print the exports that let gst-launch-1.0 find the built plugin
#                             and /usr/bin/python3 the built package (eval "$(./dev.sh env)")
#
# Environment: BUILD_DIR (default build), MESON_ARGS (extra `meson setup` arguments,
# split on spaces), CI (set by CI systems; nothing here depends on a terminal).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BUILD_DIR=${BUILD_DIR:-build}
read -r -a MESON_EXTRA <<<"${MESON_ARGS:-}"

# Everything a fresh Debian 12 machine needs to build, test and try the project. One list, so
# adding a dependency is a one-word change. libc6-dev is only a Recommends of gcc, and we
# install without recommends to keep CI fast. clang and libclang-rt-dev (libFuzzer) build the
# fuzz targets, llvm's llvm-symbolizer names the frames sanitizer reports and suppressions
# match, locales gives localedef the sources of a decimal-comma locale for a parser test.
PACKAGES="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-x
  ffmpeg python3
  python3-dev python3-numpy python3-torch python3-av python3-gi python3-gst-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-gstreamer-1.0
  slurm-wlm munge python3-yaml
  clang libclang-rt-dev llvm
  locales
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp libsrt-gnutls-dev glib-networking openssl
  gstreamer1.0-plugins-base-apps
  vlc-bin vlc-plugin-base vlc-plugin-access-extra apache2-utils"

log() { printf 'dev.sh: %s\n' "$*" >&2; }

# Run as root directly, otherwise through sudo (a developer's machine).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root to run: $* (install sudo or run as root)"
        return 1
    fi
}

install_packages() {
    local missing=() pkg
    for pkg in $PACKAGES; do
        # dpkg-query is instant; apt is only touched when something is really missing.
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    log "installing: ${missing[*]}"
    # Noninteractive: CI has no stdin and no terminal.
    # Wait for another apt run (an unattended upgrade, a second build) instead of failing.
    local lock=(-o DPkg::Lock::Timeout=600)
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" update -q || return
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -q \
        --no-install-recommends "${missing[@]}"
}

configure_and_build() {
    if [ -f "$BUILD_DIR/meson-private/coredata.dat" ]; then
        # Reconfigure so new MESON_ARGS (e.g. -Dwerror=true) apply to an existing build dir.
        meson setup --reconfigure "$BUILD_DIR" ${MESON_EXTRA[@]+"${MESON_EXTRA[@]}"} || return
    else
        meson setup "$BUILD_DIR" ${MESON_EXTRA[@]+"${MESON_EXTRA[@]}"} || return
    fi
    meson compile -C "$BUILD_DIR"
}

# Explicit returns: `set -e` does not apply inside a function called from an `if`.
setup() {
    install_packages || return
    configure_and_build
}

# Print "N passed, N failed[, N skipped]" from meson's test log, after a line "FAILED: name
# (result, duration)" for each test that failed; return 1 if any failed.
# $1 is meson test's exit status: a failure the log does not show (a test target that did not
# build) still counts as one failed, so the line never says all passed when meson did not.
summarize() {
    local testlog="$BUILD_DIR/meson-logs/testlog.json" meson_rc=$1
    if [ ! -f "$testlog" ]; then
        log "no test log at $testlog: meson test did not run"
        echo "0 passed, 1 failed"
        return 1
    fi
    # One JSON object per line, one line per test (meson's format).
    python3 - "$testlog" "$meson_rc" <<'EOF'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        if not line.strip():
            continue
        test = json.loads(line)
        result = test.get("result", "")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            # Named again here, next to the totals, so the tail of a long log says which.
            print("FAILED: %s (%s, %.1f s)" % (test.get("name", "?"), result,
                                              test.get("duration") or 0))
if failed == 0 and sys.argv[2] != "0":
    failed = 1
line = "%d passed, %d failed" % (passed, failed)
if skipped:
    line += ", %d skipped" % skipped
print(line)
sys.exit(1 if failed else 0)
EOF
}

run_tests() {
    # A build failure is a failed run, and still ends with the summary line CI looks for.
    if ! setup; then
        log "setup or build failed"
        echo "0 passed, 1 failed"
        return 1
    fi
    # A stale log from an earlier run must not be counted.
    rm -f "$BUILD_DIR/meson-logs/testlog.json"
    local rc=0
    meson test -C "$BUILD_DIR" --print-errorlogs "$@" || rc=$?
    [ "$rc" -eq 0 ] || log "meson test exited $rc"
    summarize "$rc"
}

usage() {
    sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    setup) setup ;;
    test) run_tests "$@" ;;
    summary) summarize 0 ;;
    bench)
        setup
        meson test -C "$BUILD_DIR" --benchmark --verbose "$@"
        ;;
    render)
        setup >&2
        exec "$BUILD_DIR/tools/fractalvid-render" "$@"
        ;;
    env)
        # Printed, not exported: a script cannot change its caller's environment.
        printf 'export GST_PLUGIN_PATH=%q\n' "$PWD/$BUILD_DIR/gst"
        # $PATH stays literal so it expands in the caller's shell, to the caller's PATH.
        printf 'export PATH=%q:"$PATH"\n' "$PWD/$BUILD_DIR/tools"
        printf 'export PYTHONPATH=%q${PYTHONPATH:+:"$PYTHONPATH"}\n' "$PWD/$BUILD_DIR/python"
        ;;
    -h | --help | help) usage ;;
    *)
        usage
        exit 2
        ;;
esac
