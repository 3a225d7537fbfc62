#!/usr/bin/python3
"""Pre-train a video model on fractal clips rendered on the fly: no dataset on disk.

    train.py [EPOCHS [CLASSES [PER_CLASS]]]        (defaults: 2 epochs, 10 classes, 10 clips)
"""
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader

from fractalvid.torch import FractalVideoDataset, ToFloatVideo


def main(epochs=2, classes=10, per_class=10):
    data = FractalVideoDataset(classes, per_class, size=112, frames=8,
                               transform=ToFloatVideo(channels=3))  # float (3, 8, 112, 112)
    loader = DataLoader(data, batch_size=8, shuffle=True, num_workers=2)
    model = nn.Sequential(nn.Conv3d(3, 16, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool3d(1),
                          nn.Flatten(), nn.Linear(16, classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(epochs):
        data.set_epoch(epoch)  # the realism effects' draw, once the generator has them
        for clips, labels in loader:  # clips (8, 3, 8, 112, 112), labels (8,)
            loss = nn.functional.cross_entropy(model(clips), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print("epoch %d: loss %.3f" % (epoch, loss.item()))


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
