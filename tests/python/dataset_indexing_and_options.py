"""FractalVideoDataset behaves as a map-style dataset: length, negative and out-of-range
indices, numpy and tensor indices, class/clip of an index, labels, epoch, transforms, the
threads default, and bad arguments refused at construction with the keyword named."""
import pickle

import numpy

import fractalvid
from fvpy import SMALL, check, require

torch = require("torch")
from fractalvid.torch import (FractalVideoDataset, ToFloatVideo,  # noqa: E402
                              UnlabeledFractalVideoDataset)



def times_ten(label):
    return label * 10


data = FractalVideoDataset(4, 3, seed=2, **SMALL)
check(len(data) == 12, "len")
check(data.clip_of(0) == (0, 0) and data.clip_of(5) == (1, 2) and data.clip_of(11) == (3, 2),
      "index i is clip i % per_class of class i // per_class")
clip, label = data[5]
check(isinstance(clip, torch.Tensor) and clip.dtype == torch.uint8 and clip.shape == (3, 48, 64),
      "uint8 (T, H, W) tensor")
check(isinstance(label, int) and label == 1, "label is the class: %r" % label)
want = fractalvid.render(1, 2, 2, **SMALL)[0]
check(numpy.array_equal(clip.numpy(), want), "item 5 = render(class 1, seed 2, clip 2)")
check(numpy.array_equal(data[-1][0].numpy(), data[11][0].numpy()), "negative index")
check(numpy.array_equal(data[numpy.int64(5)][0].numpy(), want), "numpy index")
check(numpy.array_equal(data[torch.tensor(5)][0].numpy(), want), "tensor index")
for bad in (12, -13, 100):
    try:
        data[bad]
        check(False, "index %d accepted" % bad)
    except IndexError as e:
        check(str(bad) in str(e) and "12" in str(e), str(e))
check(len(list(iter(data))) == 12, "iterating a dataset stops at IndexError")

frames, labels = data.render(5)
check(numpy.array_equal(frames, want) and labels["class_id"] == 1 and labels["clip"] == 2
      and labels["seed"] == 2, "render(i) gives the labels: %s" % labels)

# epoch: without effects, accepted and kept, and the clips do not change.
later = FractalVideoDataset(4, 3, seed=2, epoch=7, **SMALL)
check(later.epoch == 7 and numpy.array_equal(later[5][0].numpy(), want), "epoch=7")
later.set_epoch(8)
check(later.epoch == 8 and numpy.array_equal(later[5][0].numpy(), want), "set_epoch(8)")
# with effects, the epoch is the clips' augment seed: each epoch draws them anew over the
# same plain clip, and the items are render()'s with that augment seed
real = FractalVideoDataset(4, 3, seed=2, effects="paper", epoch=7, **SMALL)
frames7, labels7 = real.render(5)
check(numpy.array_equal(real[5][0].numpy(),
                        fractalvid.render(1, 2, 2, effects="paper", augment_seed=7, **SMALL)[0]),
      "epoch 7 = render(..., effects='paper', augment_seed=7)")
check(labels7["augment_seed"] == 7 and labels7["class_key"] == labels["class_key"], labels7)
changed = 0
for epoch in (8, 9, 10):
    real.set_epoch(epoch)
    f, l = real.render(5)
    check(l["augment_seed"] == epoch and l["class_key"] == labels["class_key"], l)
    changed += not numpy.array_equal(f, frames7)
check(changed >= 2, "only %d of 3 epochs changed the clip's effects" % changed)
zoomed = FractalVideoDataset(4, 3, seed=2, effects=["zoom"], **SMALL)
check(zoomed.render(5)[1]["effects"] == ["zoom"], "effects=['zoom'] applies zoom")
for bad, kind in ((-1, ValueError), ("1", TypeError)):
    try:
        real.set_epoch(bad)
        check(False, "set_epoch(%r) accepted" % (bad,))
    except kind as e:
        check("augment_seed" in str(e), str(e))
try:
    FractalVideoDataset(4, 3, effects="blur", **SMALL)
    check(False, "effects='blur' accepted")
except ValueError as e:
    check("effects" in str(e) and "blur" in str(e), str(e))

# Transforms: the float (C, T, H, W) layout of video models; target_transform on the label.
shaped = FractalVideoDataset(4, 3, seed=2, transform=ToFloatVideo(channels=3),
                             target_transform=times_ten, **SMALL)
video, label = shaped[5]
check(video.dtype == torch.float32 and tuple(video.shape) == (3, 3, 48, 64), "float (C,T,H,W)")
check(torch.equal(video[2], torch.from_numpy(want).float() / 255), "channels hold the luma / 255")
check(float(video.max()) == 1.0 and label == 10, "range [0, 1], label transformed")

# Unlabeled: clip i of class -1, the tensor alone.
unlabeled = UnlabeledFractalVideoDataset(5, seed=3, **SMALL)
check(len(unlabeled) == 5, "unlabeled len")
item = unlabeled[4]
check(isinstance(item, torch.Tensor) and numpy.array_equal(
    item.numpy(), fractalvid.render(-1, 3, 4, **SMALL)[0]), "unlabeled item 4 = clip 4 of -1")
check(unlabeled.render(4)[1]["class_id"] == -1, "unlabeled labels")

# Picklable (spawned workers receive the dataset pickled).
copy = pickle.loads(pickle.dumps(shaped))
check(torch.equal(copy[5][0], video), "a pickled dataset gives the same items")

# threads: None (default) means one per core here (no DataLoader worker); checked up front.
check(FractalVideoDataset(1, 1).threads is None, "threads default")
check(numpy.array_equal(FractalVideoDataset(4, 3, seed=2, threads=1, **SMALL)[5][0].numpy(),
                        want), "threads=1: same frames")

bad_args = [
    (dict(classes=0, per_class=1), ValueError, "classes"),
    (dict(classes=1, per_class=0), ValueError, "per_class"),
    (dict(classes=1.5, per_class=1), TypeError, "classes"),
    (dict(classes=2**63 + 1, per_class=1), ValueError, "class_id"),
    (dict(classes=1, per_class=1, size=0), ValueError, "size"),
    (dict(classes=1, per_class=1, frames=-1), ValueError, "frames"),
    (dict(classes=1, per_class=1, seed=-1), ValueError, "seed"),
    (dict(classes=1, per_class=1, motion="x"), ValueError, "motion"),
    (dict(classes=1, per_class=1, variation="x"), ValueError, "variation"),
    (dict(classes=1, per_class=1, density=0), ValueError, "density"),
    (dict(classes=1, per_class=1, threads=-1), ValueError, "threads"),
    (dict(classes=1, per_class=1, colour=1), TypeError, "colour"),
]
for kw, exc, key in bad_args:
    try:
        FractalVideoDataset(**kw)
        check(False, "%s accepted" % kw)
    except exc as e:
        check(key in str(e), "%s: %r does not name %s" % (kw, str(e), key))
try:
    UnlabeledFractalVideoDataset(0)
    check(False, "0 clips accepted")
except ValueError as e:
    check(str(e).startswith("clips:"), str(e))
print("ok")
