"""PyTorch datasets of fractal video clips, rendered on the fly: no files.

    from torch.utils.data import DataLoader
    from fractalvid.torch import FractalVideoDataset, ToFloatVideo

    data = FractalVideoDataset(classes=100, per_class=200, frames=16,
                               transform=ToFloatVideo(channels=3))
    loader = DataLoader(data, batch_size=8, shuffle=True, num_workers=2)
    for epoch in range(epochs):
        data.set_epoch(epoch)
        for clips, labels in loader:   # clips: float32 (8, 3, 16, 256, 256)
            ...

Items. Item i of FractalVideoDataset(classes, per_class) is clip k = i % per_class of class
c = i // per_class, with its class c as label: the frames ``fractalvid-render --class c
--first-clip k`` writes for the same other values. Item i of UnlabeledFractalVideoDataset(n)
is clip i of ``fractalvid-render --class -1`` (a new class every clip).

Workers. Every item is a pure function of its index and the dataset's arguments, so any
number of DataLoader workers, any sampler order and any start method give the same tensors,
with no worker seeding. By default (threads=None) each worker renders with one thread (the
workers are the parallelism); in the main process (num_workers=0) all cores render.

Layout. A clip is a uint8 tensor (T, H, W), the luma of the frames, sharing the memory the
renderer wrote. ``transform`` receives it and returns what the model eats, e.g.
``ToFloatVideo(channels=3)`` for float32 (C, T, H, W) in [0, 1]. T is 18..20, as each class
draws it, unless ``frames`` is set; DataLoader's default collate stacks equal shapes only, so
set ``frames`` (or a transform that fixes T) for batch_size > 1.

Realism. ``effects`` renders the paper's emulation of real video into the clips (None, the
plain clips, by default; 'paper' for every effect at the paper's probability; or names of
fractalvid.EFFECTS), drawn anew each epoch: ``epoch`` (or ``set_epoch``, called before each
epoch's iteration; workers that are not persistent see it) is the clips' augment seed, so
epoch e gives the frames of ``fractalvid-render --effects E --augment-seed e`` while the plain
clip (class, sample, framing) stays the same. Without effects, ``epoch`` changes nothing.

    data = FractalVideoDataset(classes=100, per_class=200, frames=16, effects="paper")
"""

import operator

import torch
import torch.utils.data

import fractalvid

__all__ = ["FractalVideoDataset", "UnlabeledFractalVideoDataset", "ToFloatVideo"]


def _count(value, key):
    """A positive integer count (classes, per_class, clips), or ValueError naming key."""
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError("%s: invalid value %r; allowed: an integer >= 1" % (key, value)) from None
    if isinstance(value, bool) or n < 1:
        raise ValueError("%s: invalid value %r; allowed: an integer >= 1" % (key, value))
    return n


class _ClipDataset(torch.utils.data.Dataset):
    """What both datasets share: settings, index checks, rendering."""

    def __init__(self, length, *, seed, class_seed, size, frames, motion, variation, density,
                 effects, threads, epoch, transform):
        self.seed = seed
        self.settings = dict(size=size, frames=frames, class_seed=class_seed, motion=motion,
                             variation=variation, density=density, effects=effects)
        # Check every value now, in the caller's process, so a bad one names its keyword
        # here and not in a DataLoader worker.
        fractalvid.frame_count(0, seed, 0, **self.settings)
        if threads is not None:
            fractalvid.Renderer(threads=threads).close()
        self.threads = threads
        self.set_epoch(epoch)
        self.transform = transform
        self._length = length

    def __len__(self):
        return self._length

    def set_epoch(self, epoch):
        """Select the epoch's draw of the realism effects: the clips' augment seed (an integer
        0..2**64-1); without effects the clips do not change."""
        fractalvid.frame_count(0, augment_seed=epoch)  # TypeError / ValueError naming it
        self.epoch = operator.index(epoch)

    def _check_index(self, index):
        i = operator.index(index)
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("index %r out of range for %d clips" % (index, self._length))
        return i

    def _render(self, class_id, clip):
        threads = self.threads
        if threads is None:
            threads = 1 if torch.utils.data.get_worker_info() is not None else 0
        # the epoch's draw of the effects; the plain clip does not depend on it
        return fractalvid.render(class_id, self.seed, clip, threads=threads,
                                 augment_seed=self.epoch, **self.settings)

    def _tensor(self, frames):
        clip = torch.from_numpy(frames)
        return self.transform(clip) if self.transform is not None else clip


class FractalVideoDataset(_ClipDataset):
    """classes x per_class labelled clips: item i -> (clip, label), label = i // per_class.

    Keywords as fractalvid.render (seed, class_seed, size, frames, motion, variation,
    density, effects, threads; threads=None: one per worker, all cores without workers), plus
    epoch (the effects' augment seed),
    transform (applied to the uint8 (T, H, W) tensor) and target_transform (to the int label).
    """

    def __init__(self, classes, per_class, *, seed=0, class_seed=0, size=256, frames=0,
                 motion="nonlinear", variation="auto", density=fractalvid.DEFAULT_DENSITY,
                 effects=None, threads=None, epoch=0, transform=None, target_transform=None):
        self.classes = _count(classes, "classes")
        self.per_class = _count(per_class, "per_class")
        fractalvid.frame_count(self.classes - 1)  # the last class number is valid
        super().__init__(self.classes * self.per_class, seed=seed, class_seed=class_seed,
                         size=size, frames=frames, motion=motion, variation=variation,
                         density=density, effects=effects, threads=threads, epoch=epoch,
                         transform=transform)
        self.target_transform = target_transform

    def clip_of(self, index):
        """(class, clip index within the class) of item index."""
        i = self._check_index(index)
        return i // self.per_class, i % self.per_class

    def render(self, index):
        """(frames, labels) of item index: the numpy array and fractalvid.render's labels."""
        return self._render(*self.clip_of(index))

    def __getitem__(self, index):
        frames, labels = self.render(index)
        label = labels["class_id"]
        if self.target_transform is not None:
            label = self.target_transform(label)
        return self._tensor(frames), label

    def __repr__(self):
        return "FractalVideoDataset(classes=%d, per_class=%d, seed=%r, epoch=%d, %s)" % (
            self.classes, self.per_class, self.seed, self.epoch,
            ", ".join("%s=%r" % kv for kv in self.settings.items()))


class UnlabeledFractalVideoDataset(_ClipDataset):
    """clips unlabeled clips, a new class each: item i -> clip (clip i of class -1).

    For self-supervised pre-training. Keywords as FractalVideoDataset; ``render(i)`` also
    gives the labels, whose class_key tells the drawn classes apart.
    """

    def __init__(self, clips, *, seed=0, class_seed=0, size=256, frames=0, motion="nonlinear",
                 variation="auto", density=fractalvid.DEFAULT_DENSITY, effects=None, threads=None,
                 epoch=0, transform=None):
        super().__init__(_count(clips, "clips"), seed=seed, class_seed=class_seed, size=size,
                         frames=frames, motion=motion, variation=variation, density=density,
                         effects=effects, threads=threads, epoch=epoch, transform=transform)

    def render(self, index):
        """(frames, labels) of item index: the numpy array and fractalvid.render's labels."""
        return self._render(-1, self._check_index(index))

    def __getitem__(self, index):
        return self._tensor(self.render(index)[0])

    def __repr__(self):
        return "UnlabeledFractalVideoDataset(clips=%d, seed=%r, epoch=%d, %s)" % (
            len(self), self.seed, self.epoch,
            ", ".join("%s=%r" % kv for kv in self.settings.items()))


class ToFloatVideo:
    """uint8 (T, H, W) -> float32 (C, T, H, W) in [0, 1], the luma repeated in C channels
    (the layout of torchvision's video models: R(2+1)D, MViT, S3D, Swin3D)."""

    def __init__(self, channels=3):
        self.channels = _count(channels, "channels")

    def __call__(self, clip):
        video = clip.to(torch.float32).div_(255.0).unsqueeze(0)
        return video.expand(self.channels, -1, -1, -1)

    def __repr__(self):
        return "ToFloatVideo(channels=%d)" % self.channels
