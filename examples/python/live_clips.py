#!/usr/bin/python3
"""Read a live fractalvidsrc from Python: each clip as a numpy array, with its labels.

    live_clips.py [CLASS [NUM-CLIPS]]        (defaults: class 3, 2 clips)

Run from the build tree with GST_PLUGIN_PATH=build/gst. fractalvidsrc labels every buffer
with a GstFractalVidMeta, a custom meta whose structure holds class, class-key, class-seed,
seed, clip, frame-in-clip, frames-in-clip, frame, motion and variation; appsink hands the
buffers over, and the frames of one clip are stacked into a uint8 (T, H, W) array, the
layout of fractalvid.render (and its frames: the same bits for the same values).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstApp, GstVideo  # noqa: E402,F401 (GstApp: appsink.pull_sample)

import numpy  # noqa: E402

CAPS = "video/x-raw,format=GRAY8,width=112,height=112"


def labels_of(buffer):
    """The labels of a buffer: its GstFractalVidMeta's fields as a dict."""
    meta = buffer.get_custom_meta("GstFractalVidMeta")
    labels = meta.get_structure()
    return {labels.nth_field_name(i): labels.get_value(labels.nth_field_name(i))
            for i in range(labels.n_fields())}


def clips(class_id=3, num_clips=2):
    """Yield (frames, labels) per clip of a live fractalvidsrc: frames a uint8 (T, H, W)."""
    pipeline = Gst.parse_launch(
        "fractalvidsrc is-live=true class=%d num-clips=%d ! %s ! appsink name=sink"
        % (class_id, num_clips, CAPS))
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    frames = []
    try:
        while (sample := sink.pull_sample()) is not None:  # None: end of stream or error
            info = GstVideo.VideoInfo.new_from_caps(sample.get_caps())
            buffer = sample.get_buffer()
            ok, mapped = buffer.map(Gst.MapFlags.READ)
            rows = numpy.frombuffer(mapped.data, numpy.uint8).reshape(info.height, -1)
            frames.append(rows[:, :info.width].copy())  # rows may be padded to the stride
            buffer.unmap(mapped)
            labels = labels_of(buffer)
            if labels["frame-in-clip"] + 1 == labels["frames-in-clip"]:
                yield numpy.stack(frames), labels
                frames = []
        error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        if error:
            raise RuntimeError(error.parse_error()[0].message)
    finally:
        pipeline.set_state(Gst.State.NULL)


if __name__ == "__main__":
    Gst.init(None)
    for frames, labels in clips(*map(int, sys.argv[1:])):
        print("clip %(clip)d: class %(class)d seed %(seed)d motion %(motion)s "
              "variation %(variation)s" % labels,
              "frames %s mean %.1f" % (frames.shape, frames.mean()))
