"""Labelled, reproducible fractal video clips as numpy arrays.

    import fractalvid
    frames, labels = fractalvid.render(3, seed=7, clip=0)
    # frames: uint8 (T, 256, 256), T = 18..20 as class 3 draws it; labels["class_id"] == 3

A clip is a pure function of its arguments: the same arguments give the same bits, whatever
the thread count, the process or the order of calls, and the same frames as
``fractalvid-render`` and the ``fractalvidsrc`` element given the same values.

The keywords name what ``fractalvid-render``'s options and the element's properties name,
with ``class_id`` for ``class`` (a Python keyword) and underscores for dashes:

    class_id     the class; -1: unlabeled, a new random class every clip
    seed         which samples of the class: clip k is sample (seed, k)
    clip         the clip index k (the CLI's --first-clip)
    size         256 (a square), (width, height) or "WxH"; each side 1..8192
    frames       frames per clip; 0: as the class draws it (18..20)
    class_seed   which universe of classes
    motion       'static', 'naive', 'linear' or 'nonlinear' (the paper's best, default)
    variation    'auto' (the paper's policy) or one of VARIATIONS
    density      plotted points per pixel per frame (default 14.26, the paper's)
    effects      the paper's emulation of real video (G10), rendered into the clip: None
                 (the plain clip, default), 'paper' (every effect at the paper's
                 probability), or names of EFFECTS joined by '+' or in a list
    augment_seed draws the effects anew (a new value per epoch) while the plain clip (class,
                 sample, framing) stays the same
    threads      rendering threads; 0: one per core (pixels do not depend on it)

A bad value raises ValueError (or TypeError for a wrong kind of value) naming the keyword and
what it allows. ``fractalvid.torch`` has map-style PyTorch datasets over ``render``.
"""

import threading

from ._fractalvid import (
    DEFAULT_DENSITY,
    GENERATOR_VERSION,
    MAX_DENSITY,
    MAX_FRAMES,
    MAX_SIZE,
    MAX_THREADS,
    MIN_DENSITY,
    MIN_SIZE,
    EFFECTS,
    MOTIONS,
    VARIATIONS,
    RenderCancelled,
    Renderer,
    __version__,
    frame_count,
)

__all__ = [
    "render", "frame_count", "Renderer", "RenderCancelled", "MOTIONS", "VARIATIONS", "EFFECTS",
    "GENERATOR_VERSION", "DEFAULT_DENSITY", "MIN_DENSITY", "MAX_DENSITY", "MIN_SIZE",
    "MAX_SIZE", "MAX_FRAMES", "MAX_THREADS", "__version__",
]

# One Renderer per thread and thread count, so render() reuses scratch memory and threads
# never wait for each other. A Renderer inherited by a forked process (a DataLoader worker)
# reopens itself there.
_local = threading.local()


def _renderer(threads):
    renderers = getattr(_local, "renderers", None)
    if renderers is None:
        renderers = _local.renderers = {}
    try:
        renderer = renderers.get(threads)
    except TypeError:  # unhashable: Renderer says what threads allows
        renderer = None
    if renderer is None:
        renderer = Renderer(threads=threads)  # checks threads before it is cached
        renderers[threads] = renderer
    return renderer


def render(class_id=0, seed=0, clip=0, *, size=256, frames=0, class_seed=0,
           motion="nonlinear", variation="auto", density=DEFAULT_DENSITY, effects=None,
           augment_seed=0, threads=0, out=None):
    """Render one clip; returns (frames, labels).

    frames: a numpy uint8 array (T, H, W), the clip's luma, tone mapped clip-wide (its
    brightest pixel is 255); the library writes it in place, no copy follows. With
    ``out`` (a C-contiguous uint8 array of shape (frame_count(...), H, W)) the frames go
    there and ``out`` is returned.

    labels: a dict of everything the library reports about the clip: class_id, class_seed,
    seed, clip, class_key (the drawn system; tells unlabeled clips apart), motion, variation
    (resolved, never 'auto'), frames, width, height, num_maps, redraws, sample_redraws,
    points_per_frame, points_kept, max_count, generator (the generator's version),
    augment_seed, effects (the names of the effects the clip got; [] for a plain clip) and
    effect_values (each effect's drawn values, as the element's labels give them).

    The GIL is released while rendering: threads render in parallel, each with its own
    renderer. See the package docstring for the keywords.
    """
    return _renderer(threads).render(class_id, seed, clip, size=size, frames=frames,
                                     class_seed=class_seed, motion=motion,
                                     variation=variation, density=density, effects=effects,
                                     augment_seed=augment_seed, out=out)
