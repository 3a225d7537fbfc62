"""A DataLoader over FractalVideoDataset yields the frames fractalvid-render writes for the same
values, with any number of workers (0, 1, 2, 3), either start method (fork, spawn), in any
order: every clip is a pure function of its index. The unlabeled dataset matches --class -1."""
import warnings

import numpy

from fvpy import check, cli_clips, fvexe, require

torch = require("torch")
from torch.utils.data import DataLoader  # noqa: E402

from fractalvid.torch import FractalVideoDataset, UnlabeledFractalVideoDataset  # noqa: E402

CLASSES, PER_CLASS = 2, 2
SETTINGS = dict(seed=5, class_seed=2, size=(64, 48), frames=0, density=2)


def check_items(items, expected, how):
    """items: (clip tensor, label) pairs; expected: (numpy frames, label) pairs."""
    items = list(items)
    check(len(items) == len(expected), "%s: %d items" % (how, len(items)))
    for i, ((clip, label), (want, want_label)) in enumerate(zip(items, expected)):
        check(clip.dtype == torch.uint8 and tuple(clip.shape) == want.shape,
              "%s item %d: %s %s, expected uint8 %s" % (how, i, clip.dtype, tuple(clip.shape),
                                                         want.shape))
        check(numpy.array_equal(clip.numpy(), want), "%s item %d: frames differ" % (how, i))
        check(int(label) == want_label, "%s item %d: label %s" % (how, i, label))


def main():
    # More workers than cores is part of the point.
    warnings.filterwarnings("ignore", message="This DataLoader will create")

    # What fractalvid-render writes: class c, clips 0..PER_CLASS-1, one run per class.
    expected = [(clip, c) for c in range(CLASSES)
                for clip in cli_clips(fvexe(), clips=PER_CLASS, class_id=c, **SETTINGS)]
    data = FractalVideoDataset(CLASSES, PER_CLASS, **SETTINGS)
    check(len(data) == CLASSES * PER_CLASS, "len %d" % len(data))

    # batch_size=None: one clip per item (the classes draw 18..20 frames: nothing to stack).
    for workers in (0, 1, 2, 3):
        check_items(DataLoader(data, batch_size=None, num_workers=workers), expected,
                    "%d workers" % workers)
    check_items(DataLoader(data, batch_size=None, num_workers=2,
                           multiprocessing_context="spawn"), expected, "2 spawned workers")

    # Shuffled order, 2 workers: each index still gives its own clip.
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(1)).tolist()
    loader = DataLoader(data, batch_size=None, num_workers=2, sampler=order)
    check_items([item for _, item in sorted(zip(order, loader), key=lambda x: x[0])], expected,
                "shuffled, 2 workers")

    # Fixed-length clips batch to (B, T, H, W) and labels to a tensor.
    fixed = dict(SETTINGS, frames=4)
    batches = list(DataLoader(FractalVideoDataset(CLASSES, PER_CLASS, **fixed), batch_size=4,
                              num_workers=2))
    clips = torch.cat([b[0] for b in batches])
    labels = torch.cat([b[1] for b in batches])
    check(tuple(clips.shape) == (4, 4, 48, 64), "batched shape %s" % (tuple(clips.shape),))
    expected = [(clip, c) for c in range(CLASSES)
                for clip in cli_clips(fvexe(), clips=PER_CLASS, class_id=c, **fixed)]
    check_items(zip(clips, labels), expected, "batches of 4")

    # Unlabeled: item i is clip i of --class -1.
    got = list(DataLoader(UnlabeledFractalVideoDataset(4, **SETTINGS), batch_size=None,
                          num_workers=2))
    want = cli_clips(fvexe(), clips=4, class_id=-1, **SETTINGS)
    check_items([(g, -1) for g in got], [(w, -1) for w in want], "unlabeled, 2 workers")
    print("ok")


# Spawned workers import this file: only the main process runs the test.
if __name__ == "__main__":
    main()
