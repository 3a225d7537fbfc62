"""fractalvid.render returns a C-contiguous uint8 (T, H, W) array owned by numpy and a dict of
every label the library reports, with the values asked for."""
import numpy

import fractalvid
from fvpy import check

frames, labels = fractalvid.render(3, 7, 2)
check(isinstance(frames, numpy.ndarray) and frames.dtype == numpy.uint8, repr(type(frames)))
check(frames.ndim == 3 and frames.shape[1:] == (256, 256), "shape %s" % (frames.shape,))
check(18 <= frames.shape[0] <= 20, "a class draws 18..20 frames (G1), got %d" % frames.shape[0])
check(frames.flags.c_contiguous and frames.flags.writeable and frames.flags.owndata,
      "frames are numpy's own writable C array: %s" % frames.flags)
check(frames.max() == 255, "tone mapping is clip-wide, brightest pixel 255 (G8)")
check(frames.shape[0] == fractalvid.frame_count(3, 7, 2), "frame_count agrees with render")

expected_keys = {"class_id", "class_seed", "seed", "clip", "class_key", "motion", "variation",
                 "frames", "width", "height", "num_maps", "redraws", "sample_redraws",
                 "points_per_frame", "points_kept", "max_count", "generator", "augment_seed",
                 "effects", "effect_values"}
check(set(labels) == expected_keys, "label keys: %s" % sorted(set(labels) ^ expected_keys))
check(labels["class_id"] == 3 and labels["seed"] == 7 and labels["clip"] == 2
      and labels["class_seed"] == 0, "identity labels: %s" % labels)
check(labels["frames"] == frames.shape[0] and labels["width"] == 256 and labels["height"] == 256,
      "size labels: %s" % labels)
check(labels["motion"] == "nonlinear", labels["motion"])
check(labels["variation"] in fractalvid.VARIATIONS, "variation resolved: %s" % labels["variation"])
check(3 <= labels["num_maps"] <= 8, "3..8 maps (G2): %s" % labels["num_maps"])
check(labels["points_per_frame"] == 934400, "the paper's density at 256x256: 934,400 points")
check(0 < labels["points_kept"] <= labels["points_per_frame"] * labels["frames"],
      "points kept: %s" % labels)
check(labels["generator"] == fractalvid.GENERATOR_VERSION, labels["generator"])
check(labels["effects"] == [] and labels["effect_values"] == {} and labels["augment_seed"] == 0,
      "a plain clip got no effect: %s" % labels)

# Every keyword lands in the labels.
frames, labels = fractalvid.render(class_id=5, seed=11, clip=4, size=(80, 48), frames=7,
                                   class_seed=9, motion="linear", variation="horseshoe",
                                   density=3.5, threads=1)
check(frames.shape == (7, 48, 80), "size (width, height) gives (T, H, W): %s" % (frames.shape,))
check((labels["class_id"], labels["seed"], labels["clip"], labels["class_seed"],
       labels["motion"], labels["variation"], labels["width"], labels["height"],
       labels["frames"]) == (5, 11, 4, 9, "linear", "horseshoe", 80, 48, 7), labels)
check(labels["points_per_frame"] == round(3.5 * 80 * 48), labels["points_per_frame"])
check(fractalvid.render(size="80x48", frames=2)[0].shape == (2, 48, 80), "size as \"WxH\"")

# The effects a clip got (G10), with their drawn values as numbers (text where not a number).
frames, labels = fractalvid.render(2, size=64, effects="zoom+scale", augment_seed=4)
check(labels["effects"] == ["scale", "zoom"] and labels["augment_seed"] == 4, labels)
values = labels["effect_values"]
check(set(values) >= {"scale", "position", "zoom"}, values)
check(len(values["scale"]) == 2 and all(0.3 <= v <= 1 for v in values["scale"]), values)
check(values["zoom"][0] in ("in", "out") and isinstance(values["zoom"][1], float), values)

# Unlabeled: class -1, a different drawn class (class_key) per clip.
keys = {fractalvid.render(-1, 1, k, frames=2, size=32)[1]["class_key"] for k in range(4)}
check(len(keys) == 4, "unlabeled clips draw a new class each: %s" % keys)
print("ok")
