/* In-pipeline speed of fractalvidsrc against the core alone, on the same clips.
 *
 * Renders clips 0..N-1 of the unlabeled stream (a new class every clip, seed 0, 256x256, the
 * seed's density) twice: with the core directly (one renderer, all cores, as
 * tests/core/bench.c does) and through `fractalvidsrc ! fakesink sync=false` in GRAY8.
 * Prints frames per second of both (medians of three alternated rounds) and their ratio; the
 * element should reach at least 90%.
 *
 * Then the time to the first frame of a 256x256 stream (class=-1), per normalization: from
 * set_state (PLAYING) on a new pipeline to the first buffer leaving fractalvidsrc (the plugin
 * loaded already, so gst_init and loading are not counted), against a fresh renderer's first
 * frame in the core. First the process's first stream (seed 77: it also times the kernels and
 * opens the renderer), then seeds 79-87, five runs each (the median of each seed, their median
 * and the slowest): each a new pipeline, whose fractalvidsrc renders with the renderer of the
 * stream stopped before it, kept (gst_fractal_vid_worker_free), as a process that starts
 * stream after stream does; the core's each from a fresh renderer. The runs go round the
 * seeds (79, 80, ..., 87, 79, ...), so the stream before each is another seed's: a kept
 * renderer still holds its last clip's framing, and a stream of that same clip (an RTSP
 * server's next client of the same URI) skips the clip's framing probe, which a new stream
 * does not. That case is timed too, under the clip's normalization: each of the element's
 * runs followed at once by another of its seed.
 *
 * Usage: bench-element [clips] (default 20). Needs GST_PLUGIN_PATH to find the plugin. */

#include "../core/bench_first_frame.h"
#include "bench_plugin.h"
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

/* ms from a fresh renderer to frame 0 of clip 0 of seed, as tests/core/bench.c times it;
 * negative on failure */
static gdouble core_first_frame(guint64 seed, FvNormalization norm)
{
    double ms;
    return fv_bench_first_frame(norm, seed, &ms) ? -1 : ms;
}

static GstPadProbeReturn note_first(GstPad *pad, GstPadProbeInfo *info, gpointer when)
{
    (void)pad;
    (void)info;
    if (!*(gint64 *)when)
        *(gint64 *)when = g_get_monotonic_time();
    return GST_PAD_PROBE_OK;
}

/* ms from set_state (PLAYING) on a new pipeline to the first buffer out of the source;
 * negative on failure */
static gdouble element_first_frame(const gchar *source)
{
    gchar *launch = g_strdup_printf("%s name=src num-buffers=1 ! "
                                    "video/x-raw,format=GRAY8,width=256,height=256 ! fakesink",
                                    source);
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    gint64 start, first = 0;
    gboolean ok;

    g_free(launch);
    if (!pipeline)
        return -1;
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, note_first, &first, NULL);
    GstBus *bus = gst_element_get_bus(pipeline);
    start = g_get_monotonic_time();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstMessage *msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND,
                                                 GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && first;
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pad);
    gst_object_unref(src);
    gst_object_unref(pipeline);
    return ok ? (first - start) / 1e3 : -1;
}

static gint cmp_double(gconstpointer a, gconstpointer b)
{
    gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
    return (x > y) - (x < y);
}

enum { FIRST_SEEDS = 9, FIRST_RUNS = 5 };

/* The median over seeds 79.. of each seed's median of FIRST_RUNS runs, and the slowest
 * seed's, of the element (element TRUE) or the core, in *median and *slowest; FALSE on
 * failure. The runs go round the seeds, so the stream before each is another seed's. With
 * again (the element only), each run is followed at once by a stream of the same seed, which
 * renders the clip its kept renderer framed last: their median and slowest in again[0] and
 * again[1], each new stream's time paired with its repeat's in one window of the host's load. */
static gboolean first_frames(gboolean element, FvNormalization norm, gdouble *median,
                             gdouble *slowest, gdouble again[2])
{
    gdouble runs[2][FIRST_SEEDS][FIRST_RUNS];
    gchar *sources[FIRST_SEEDS];

    for (guint i = 0; i < FIRST_SEEDS; i++)
        sources[i] = g_strdup_printf("fractalvidsrc class=-1 seed=%u normalization=%s", 79 + i,
                                     norm == FV_NORMALIZATION_CLIP ? "clip" : "frame");
    for (guint r = 0; r < FIRST_RUNS; r++)
        for (guint i = 0; i < FIRST_SEEDS; i++) {
            runs[0][i][r] =
                element ? element_first_frame(sources[i]) : core_first_frame(79 + i, norm);
            if (again)
                runs[1][i][r] = element_first_frame(sources[i]);
        }
    for (guint i = 0; i < FIRST_SEEDS; i++)
        g_free(sources[i]);
    for (guint set = 0; set < (again ? 2u : 1u); set++) {
        gdouble seeds[FIRST_SEEDS];
        for (guint i = 0; i < FIRST_SEEDS; i++) {
            for (guint r = 0; r < FIRST_RUNS; r++)
                if (runs[set][i][r] < 0)
                    return FALSE;
            qsort(runs[set][i], FIRST_RUNS, sizeof(gdouble), cmp_double);
            seeds[i] = runs[set][i][FIRST_RUNS / 2];
        }
        qsort(seeds, FIRST_SEEDS, sizeof(gdouble), cmp_double);
        *(set ? &again[0] : median) = seeds[FIRST_SEEDS / 2];
        *(set ? &again[1] : slowest) = seeds[FIRST_SEEDS - 1];
    }
    return TRUE;
}

/* The first-frame table (see the top of the file); FALSE on failure */
static gboolean first_frame_table(void)
{
    /* the process's first stream: the element's, before any other render */
    const gdouble first = element_first_frame("fractalvidsrc class=-1 seed=77");
    gdouble test = element_first_frame("videotestsrc");

    if (first < 0 || test < 0)
        return FALSE;
    g_print("first 256x256 frame: from set_state (PLAYING) to the first buffer out of the "
            "source (plugin loaded; after the process's first stream, each new pipeline's "
            "element renders with the renderer of the stream stopped before, kept, which "
            "rendered another seed), against a fresh renderer in the core\n");
    g_print("  the process's first stream (seed 77, it also times the kernels): "
            "fractalvidsrc %.1f ms; videotestsrc %.1f ms\n",
            first, test);
    for (guint n = 0; n < 2; n++) {
        const FvNormalization norm = n == 0 ? FV_NORMALIZATION_CLIP : FV_NORMALIZATION_FRAME;
        gdouble em, es, cm, cs;
        gdouble again[2];
        if (!first_frames(TRUE, norm, &em, &es, n == 0 ? again : NULL) ||
            !first_frames(FALSE, norm, &cm, &cs, NULL))
            return FALSE;
        g_print("  normalization=%-5s seeds 79-%d (median of %d runs each): fractalvidsrc "
                "median %5.1f ms, slowest %5.1f ms; core median %5.1f ms, slowest %5.1f ms\n",
                n == 0 ? "clip" : "frame", 79 + FIRST_SEEDS - 1, FIRST_RUNS, em, es, cm, cs);
        if (n == 0)
            g_print("  the same clip again (each run above followed at once by a stream of its "
                    "seed: the kept renderer framed the clip, no framing probe), "
                    "normalization=clip: fractalvidsrc median %5.1f ms, slowest %5.1f ms\n",
                    again[0], again[1]);
    }
    return TRUE;
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
    if (!fv_bench_have_element(argv[0]))
        return 2;
    if (!first_frame_table()) {
        g_printerr("first-frame benchmark failed\n");
        return 1;
    }
    /* Rounds alternated, element first, so neither benefits from caches warmed by the other
     * and a slow moment of the machine does not decide; the median of each. */
    enum { ROUNDS = 3 };
    gdouble element_fps[ROUNDS], core_fps[ROUNDS];
    for (guint r = 0; r < ROUNDS; r++) {
        element_fps[r] = element_frames_per_second(clips, &element_frames);
        core_fps[r] = core_frames_per_second(clips, &core_frames);
        if (element_fps[r] == 0 || core_fps[r] == 0 || element_frames != core_frames) {
            g_printerr("benchmark failed (frames: element %" G_GUINT64_FORMAT
                       ", core %" G_GUINT64_FORMAT ")\n",
                       element_frames, core_frames);
            return 1;
        }
    }
    qsort(element_fps, ROUNDS, sizeof(gdouble), cmp_double);
    qsort(core_fps, ROUNDS, sizeof(gdouble), cmp_double);
    element = element_fps[ROUNDS / 2];
    core = core_fps[ROUNDS / 2];
    g_print("core alone               %7.1f frames/s\n", core);
    g_print(
        "fractalvidsrc ! fakesink %7.1f frames/s  (%.0f%% of the core; %u clips, %" G_GUINT64_FORMAT
        " frames, 256x256 GRAY8; medians of %d rounds)\n",
        element, 100 * element / core, clips, element_frames, ROUNDS);
    return 0;
}
