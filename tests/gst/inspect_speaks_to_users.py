"""gst-inspect-1.0 fractalvidsrc speaks to users: no internal section numbers such as "(G1)",
the package and its origin named, the per-buffer meta and its fields documented, every
property described, the normalization and variation choices and the effects listed, and
the README's listing of the properties gives the defaults the element has.

Usage: inspect_speaks_to_users.py (gst-inspect-1.0 on PATH, the plugin on GST_PLUGIN_PATH)"""
import os
import re
import subprocess

text = subprocess.run(["gst-inspect-1.0", "fractalvidsrc"], capture_output=True, text=True,
                      check=True).stdout
assert not re.search(r"\((G|E)\d+\)|\bG\d+\b|\bE\d\b", text), re.findall(r".*\bG\d+.*", text)
assert re.search(r"Binary package\s+\S", text) and "Unknown package" not in text, text
assert re.search(r"Origin URL\s+\S", text) and "Unknown package origin" not in text, text
meta = text[text.index("GstFractalVidMeta"):]
for field in ("class", "class-key", "class-seed", "seed", "clip", "frame-in-clip",
              "frames-in-clip", "frame", "motion", "variation", "normalization", "density",
              "effects", "augment-seed"):
    assert re.search(r"\b%s\b" % re.escape(field), meta), field
assert "TITLE" in text and "COMMENT" in text, text

# Every property has a description of its own (not just its name).
properties = text[text.index("Element Properties:"):]
for name, blurb in re.findall(r"^  ([a-z][a-z-]+)\s*: (.*)$", properties, re.M):
    assert len(blurb.split()) >= 3, (name, blurb)
for expected in ("normalization", "adaptive-density", "render-ahead", "is-live", "density",
                 "class", "effects", "augment-seed"):
    assert re.search(r"^  %s\s*:" % expected, properties, re.M), expected
for choice in ("clip", "frame", "nonlinear", "horseshoe"):
    assert re.search(r"\(\d+\): %s\s" % choice, properties), choice
# The effects are flags, each listed with what it emulates; the default is none.
effects = properties[properties.index("  effects "):]
assert re.search(r'Flags "\w+" Default: 0x00000000, "\(none\)"', effects), effects[:400]
for flag in ("static-background", "dynamic-background", "background-pan", "scale", "clones",
             "foreground-shift", "perspective", "camera-pan", "zoom", "shake", "paper"):
    assert re.search(r"\(0x[0-9a-f]{8}\): %s\s+- \S" % flag, effects), flag

# The README's trimmed gst-inspect listing: each "default X" there is the element's default.
readme = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "README.md"), encoding="utf-8").read()
listing = readme[readme.index("`gst-inspect-1.0 fractalvidsrc` shows"):]
listing = listing[:listing.index("\n```\n", listing.index("```") + 3)]
said = re.findall(r"^  ([a-z][a-z-]+)\s*:.*\bdefault (\S+)$", listing, re.M)
assert len(said) >= 10, said
for name, value in said:
    section = properties[properties.index("\n  %s " % name):]
    default = re.search(r"Default: (.*)", section).group(1).strip()
    number = re.match(r"-?[0-9.]+", default)
    places = len(value.split(".")[1]) if "." in value else 0  # as the README rounds it
    assert (number and round(float(number.group(0)), places) == float(value)
            and not default.endswith('"')
            if re.fullmatch(r"-?[0-9.]+", value) else
            re.search(r'"%s"$' % re.escape(value), default) or default == value), \
        (name, "README says", value, "the element", default)
print("ok")
