"""DataLoader throughput: clips rendered on the fly (FractalVideoDataset) against the same clips
decoded from H.264 mp4 files (PyAV), same workers, same tensor layout (uint8 (T, H, W)).

    bench_dataloader.py PATH/TO/fractalvid-render [--classes 10] [--per-class 4]
                        [--workers 2] [--epochs 3] [--size 256]

The mp4 files are made first (fractalvid-render | ffmpeg -c:v libx264 -pix_fmt yuv420p, one
clip per file, as a dataset on disk holds them) and sit in the page cache while they are
read: decoding is measured without disk I/O. Epochs of the two loaders alternate, so a
change of load on the machine hits both; the median epoch is reported."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import av
import numpy
import torch
from torch.utils.data import DataLoader, Dataset

from fractalvid.torch import FractalVideoDataset


class Mp4Clips(Dataset):
    """(clip, label) from mp4 files: every frame decoded to gray, stacked to uint8 (T, H, W)."""

    def __init__(self, items):
        self.items = items  # (path, label)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        with av.open(path) as container:
            frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
        return torch.from_numpy(numpy.stack(frames)), label


def make_mp4s(exe, folder, classes, per_class, size):
    items = []
    for c in range(classes):
        for k in range(per_class):
            path = os.path.join(folder, "%05d_%05d.mp4" % (c, k))
            render = subprocess.Popen([exe, "-q", "--class", str(c), "--first-clip", str(k),
                                       "--size", "%dx%d" % (size, size), "-o", "-"],
                                      stdout=subprocess.PIPE)
            subprocess.run(["ffmpeg", "-v", "error", "-f", "yuv4mpegpipe", "-i", "-",
                            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", path],
                           stdin=render.stdout, check=True)
            render.stdout.close()
            if render.wait() != 0:
                sys.exit("fractalvid-render failed")
            items.append((path, c))
    return items


def epoch_seconds(loader):
    start = time.perf_counter()
    n = sum(1 for _ in loader)
    return time.perf_counter() - start, n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fractalvid_render")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--per-class", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fv-bench-") as folder:
        start = time.perf_counter()
        items = make_mp4s(args.fractalvid_render, folder, args.classes, args.per_class,
                          args.size)
        make_seconds = time.perf_counter() - start
        mp4_bytes = sum(os.path.getsize(p) for p, _ in items)
        loaders = {
            "render on the fly (FractalVideoDataset)":
                FractalVideoDataset(args.classes, args.per_class, size=args.size),
            "decode mp4 files (PyAV, H.264 yuv420p)": Mp4Clips(items),
        }
        loaders = {name: DataLoader(data, batch_size=None, num_workers=args.workers,
                                    persistent_workers=args.workers > 0)
                   for name, data in loaders.items()}
        times = {name: [] for name in loaders}
        frames = {}
        for name, loader in loaders.items():  # warm-up: workers start, files are cached
            frames[name] = sum(clip.shape[0] for clip, _ in loader)
        for _ in range(args.epochs):
            for name, loader in loaders.items():
                seconds, n = epoch_seconds(loader)
                times[name].append(seconds)
        clips = args.classes * args.per_class
        print("DataLoader, %d workers, %d clips %dx%d (%d frames), uint8 (T, H, W), median of "
              "%d epochs:" % (args.workers, clips, args.size, args.size,
                              frames[next(iter(frames))], args.epochs))
        rates = {}
        for name, t in times.items():
            rates[name] = clips / statistics.median(t)
            print("  %-42s %7.1f clips/s  %7.0f frames/s" % (name, rates[name],
                                                            frames[name] / statistics.median(t)))
        render_rate, decode_rate = rates.values()
        print("  on the fly / mp4: %.2fx; the mp4 files: %.1f MiB (%.0f KiB per clip), made at "
              "%.1f clips/s (fractalvid-render | ffmpeg libx264, one clip at a time)"
              % (render_rate / decode_rate, mp4_bytes / 2**20, mp4_bytes / 1024 / clips,
                 clips / make_seconds))


if __name__ == "__main__":
    main()
