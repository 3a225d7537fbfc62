/* In-pipeline speed of fractalvidsrc against the core alone, on the same clips.
 *
 * Renders clips 0..N-1 of the unlabeled stream (a new class every clip, seed 0, 256x256, the
 * seed's density) twice: with the core directly (one renderer, all cores, as
 * tests/core/bench.c does) and through `fractalvidsrc ! fakesink sync=false` in GRAY8.
 * Prints frames per second of both and their ratio; the element should reach at least 90%.
 *
 * Usage: bench-element [clips] (default 20). Needs GST_PLUGIN_PATH to find the plugin. */

#include "fractalvid.h"

#include <gst/gst.h>

#include <stdlib.h>

static gdouble core_frames_per_second(guint clips, guint64 *frames)
{
    FvRenderer *renderer = NULL;
    FvClip *clip = NULL;
    FvSettings s;
    gint64 start;

    fv_default_settings(&s);
    s.class_id = -1;
    if (fv_renderer_open(&renderer, 0) != 0 || fv_clip_new(&clip) != 0)
        return 0;
    *frames = 0;
    start = g_get_monotonic_time();
    for (guint k = 0; k < clips; k++) {
        if (fv_render_clip(renderer, &s, k, clip) != 0)
            return 0;
        *frames += fv_clip_info(clip)->frames;
    }
    gdouble seconds = (g_get_monotonic_time() - start) / 1e6;
    fv_clip_free(&clip);
    fv_renderer_close(&renderer);
    return *frames / seconds;
}

static GstPadProbeReturn count_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer frames)
{
    (void)pad;
    (void)info;
    (*(guint64 *)frames)++;
    return GST_PAD_PROBE_OK;
}

static gdouble element_frames_per_second(guint clips, guint64 *frames)
{
    gchar *launch = g_strdup_printf("fractalvidsrc class=-1 num-clips=%u ! "
                                    "video/x-raw,format=GRAY8,width=256,height=256 ! "
                                    "fakesink name=sink sync=false",
                                    clips);
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    GstElement *sink;
    GstPad *pad;
    GstBus *bus;
    GstMessage *msg;
    gint64 start;
    gdouble seconds;

    g_free(launch);
    if (!pipeline)
        return 0;
    sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    pad = gst_element_get_static_pad(sink, "sink");
    *frames = 0;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, frames, NULL);
    /* Timed from the state change, as a user's pipeline starts: includes the first clip. */
    start = g_get_monotonic_time();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    bus = gst_element_get_bus(pipeline);
    msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    seconds = (g_get_monotonic_time() - start) / 1e6;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
        seconds = 0;
    gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pad);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return seconds > 0 ? *frames / seconds : 0;
}

int main(int argc, char **argv)
{
    guint clips = argc > 1 ? (guint)atoi(argv[1]) : 20;
    guint64 core_frames = 0, element_frames = 0;
    gdouble core, element;

    gst_init(&argc, &argv);
    if (clips < 1) {
        g_printerr("usage: %s [clips >= 1]\n", argv[0]);
        return 2;
    }
    /* Element first, so neither run benefits from caches warmed by the other. */
    element = element_frames_per_second(clips, &element_frames);
    core = core_frames_per_second(clips, &core_frames);
    if (element == 0 || core == 0 || element_frames != core_frames) {
        g_printerr("benchmark failed (frames: element %" G_GUINT64_FORMAT
                   ", core %" G_GUINT64_FORMAT ")\n",
                   element_frames, core_frames);
        return 1;
    }
    g_print("core alone               %7.1f frames/s\n", core);
    g_print(
        "fractalvidsrc ! fakesink %7.1f frames/s  (%.0f%% of the core; %u clips, %" G_GUINT64_FORMAT
        " frames, 256x256 GRAY8)\n",
        element, 100 * element / core, clips, element_frames);
    return 0;
}
