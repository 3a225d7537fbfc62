"""fractalvid.render gives the frames fractalvid-render writes for the same values, keyword by
keyword (the keywords and the CLI's options name the same things)."""
import numpy

import fractalvid
from fvpy import SMALL, check, cli_clips, fvexe

cases = [
    dict(),  # the defaults: class 0, 256x256, the paper's policy and density
    dict(class_id=7, seed=3, clip=2),
    dict(class_id=-1, seed=5, clip=1, **SMALL),
    dict(class_id=2, class_seed=42, **SMALL),
    dict(class_id=1, size=(96, 40), frames=5, density=4.25),
    dict(class_id=4, motion="static", variation="horseshoe", **SMALL),
    dict(class_id=4, motion="naive", variation="linear", **SMALL),
    dict(class_id=6, seed=2**64 - 1, clip=2**63, motion="linear", **SMALL),
    # the realism effects (G10): the same draw from the same augment seed
    dict(class_id=-1, clip=3, effects="paper", augment_seed=9, **SMALL),
    dict(class_id=2, clip=1, effects=["zoom", "shake", "clones"], augment_seed=2**64 - 1,
         **SMALL),
    dict(class_id=5, effects="static-background+background-pan+perspective", **SMALL),
]
for kw in cases:
    expected = cli_clips(fvexe(), **kw)[0]
    got, labels = fractalvid.render(**kw)
    check(got.shape == expected.shape and numpy.array_equal(got, expected),
          "render(%s) differs from fractalvid-render's frames" % kw)
    check(labels["frames"] == expected.shape[0], "labels frames %s" % labels)

# Several clips in one CLI run are clip, clip+1, ... of render.
kw = dict(class_id=9, seed=1, **SMALL)
for k, expected in enumerate(cli_clips(fvexe(), clips=3, clip=5, **kw)):
    check(numpy.array_equal(fractalvid.render(clip=5 + k, **kw)[0], expected), "clip %d" % (5 + k))
print("ok: %d cases" % len(cases))
