/* fractalvidsrc as a live source, side by side with videotestsrc: time to the first frame at
 * a synchronised sink, latency, do-timestamp, another live source in the same pipeline, and
 * live pipelines at 640x360, 1280x720 and 1920x1080 at 30 fps, at the default density and
 * with adaptive-density (which trades density for time), printing frames late or skipped and
 * the largest size that holds 30 fps.
 *
 * Usage: bench-live [seconds per size] (default 20). bench-live targets [seconds] (default 60)
 * instead: class=-1 (mixed variations) at 1280x720 for that long, then the largest size
 * holding 30 fps for class=-1 and for a linear class, a third of it per size. Needs
 * GST_PLUGIN_PATH to find the plugin. Prints figures; asserts nothing (timings depend on the machine and its load). */

#include "bench_plugin.h"

#include <gst/gst.h>

#include <stdlib.h>

static const struct {
    gint width, height;
} sizes[] = {{640, 360}, {1280, 720}, {1920, 1080}};

/* A size "holds 30 fps" when at most this share of the expected frames is late or skipped
 * (the targets' minute also says whether none was). */
#define HOLD_SHARE 0.01

typedef struct {
    gint64 started;  /* monotonic time of set_state (PLAYING) */
    gint64 playing;  /* monotonic time the pipeline said it reached PLAYING */
    gint64 first;    /* monotonic time of the first frame rendered by the sink, or 0 */
    gint64 last;     /* and of the last one */
    guint64 frames;  /* frames the sink rendered */
    gdouble density; /* density in the meta of the last buffer */
    gdouble density_sum;
} Watch;

/* Whether a message comes from fractalvidsrc (whatever the element's name). */
static gboolean from_fractalvidsrc(GstMessage *msg)
{
    GstElementFactory *factory;

    if (!GST_IS_ELEMENT(GST_MESSAGE_SRC(msg)))
        return FALSE;
    factory = gst_element_get_factory(GST_ELEMENT(GST_MESSAGE_SRC(msg)));
    return factory && g_str_equal(GST_OBJECT_NAME(factory), "fractalvidsrc");
}

static void on_handoff(GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
    Watch *watch = data;
    GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, "GstFractalVidMeta");

    (void)sink;
    (void)pad;
    watch->last = g_get_monotonic_time();
    if (!watch->first)
        watch->first = watch->last;
    watch->frames++;
    if (meta &&
        gst_structure_get_double(gst_custom_meta_get_structure(meta), "density", &watch->density))
        watch->density_sum += watch->density;
}

static GstElement *launch(const gchar *description)
{
    GError *err = NULL;
    GstElement *pipeline = gst_parse_launch(description, &err);

    if (!pipeline) {
        g_printerr("cannot build %s: %s\n", description, err->message);
        exit(1);
    }
    return pipeline;
}

static void watch_sink(GstElement *pipeline, const gchar *name, Watch *watch)
{
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), name);

    g_object_set(sink, "signal-handoffs", TRUE, NULL);
    g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), watch);
    gst_object_unref(sink);
}

/* What the source said while the pipeline ran. */
typedef struct {
    guint64 skipped;        /* frames the source skipped (its last QoS message) */
    guint latency_messages; /* latency messages the source posted */
    gboolean error;
} Heard;

/* Run pipeline for seconds (or to EOS), listening to its bus. */
static void run(GstElement *pipeline, gdouble seconds, Watch *watch, Heard *heard)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    const gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

    watch->started = g_get_monotonic_time();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    for (;;) {
        gint64 left = end - g_get_monotonic_time();
        GstMessage *msg;

        if (left <= 0)
            break;
        msg = gst_bus_timed_pop_filtered(bus, left * GST_USECOND,
                                         GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS |
                                             GST_MESSAGE_LATENCY | GST_MESSAGE_STATE_CHANGED);
        if (!msg)
            break;
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_STATE_CHANGED) {
            GstState state;

            gst_message_parse_state_changed(msg, NULL, &state, NULL);
            if (GST_MESSAGE_SRC(msg) == GST_OBJECT(pipeline) && state == GST_STATE_PLAYING &&
                !watch->playing)
                watch->playing = g_get_monotonic_time();
        } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_LATENCY) {
            /* As gst-launch does. */
            gst_bin_recalculate_latency(GST_BIN(pipeline));
            if (from_fractalvidsrc(msg))
                heard->latency_messages++;
        } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_QOS && from_fractalvidsrc(msg)) {
            GstFormat format;
            guint64 processed, dropped;

            gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
            heard->skipped = dropped;
        } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            GError *err = NULL;

            gst_message_parse_error(msg, &err, NULL);
            g_printerr("error: %s\n", err->message);
            g_error_free(err);
            heard->error = TRUE;
            gst_message_unref(msg);
            break;
        } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
            gst_message_unref(msg);
            break;
        }
        gst_message_unref(msg);
    }
    gst_object_unref(bus);
}

static GstClockTime pipeline_latency(GstElement *pipeline)
{
    GstQuery *query = gst_query_new_latency();
    GstClockTime min = GST_CLOCK_TIME_NONE;

    if (gst_element_query(pipeline, query))
        gst_query_parse_latency(query, NULL, &min, NULL);
    gst_query_unref(query);
    return min;
}

static gdouble ms(GstClockTime t)
{
    return GST_CLOCK_TIME_IS_VALID(t) ? t / 1e6 : -1;
}

static gint cmp_double(gconstpointer a, gconstpointer b)
{
    gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
    return (x > y) - (x < y);
}

/* Median over three runs of the time from asking for PLAYING (and from the pipeline
 * reaching PLAYING) to the first frame a synchronised sink renders, and the latency. */
static void first_frame(const gchar *source)
{
    gdouble times[3], from_playing[3];
    GstClockTime latency = GST_CLOCK_TIME_NONE;

    for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
        gchar *text = g_strdup_printf("%s is-live=true ! video/x-raw,width=256,height=256,"
                                      "framerate=12/1 ! fakesink name=sink sync=true",
                                      source);
        GstElement *pipeline = launch(text);
        Watch watch = {0};
        Heard heard = {0};

        watch_sink(pipeline, "sink", &watch);
        run(pipeline, 1.5, &watch, &heard);
        times[i] = watch.first ? (watch.first - watch.started) / 1e3 : -1;
        from_playing[i] = watch.first && watch.playing ? (watch.first - watch.playing) / 1e3 : -1;
        latency = pipeline_latency(pipeline);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(pipeline);
        g_free(text);
    }
    qsort(times, G_N_ELEMENTS(times), sizeof(gdouble), cmp_double);
    qsort(from_playing, G_N_ELEMENTS(from_playing), sizeof(gdouble), cmp_double);
    g_print("  %-14s first frame %6.1f ms after set_state (PLAYING), %6.1f ms after the "
            "pipeline is PLAYING (medians of 3); latency %5.1f ms\n",
            source, times[1], from_playing[1], ms(latency));
}

/* Frames per second a synchronised sink renders with do-timestamp=true, from its first frame.
 * Each buffer waits for its time plus the latency, so any latency beyond the frame period
 * (the sink's processing deadline too) slows the stream down. */
static void do_timestamp(const gchar *source, gdouble seconds, guint deadline_ms)
{
    gchar *text = g_strdup_printf("%s is-live=true do-timestamp=true ! video/x-raw,width=256,"
                                  "height=256,framerate=12/1 ! fakesink name=sink sync=true "
                                  "processing-deadline=%u",
                                  source, deadline_ms * 1000000);
    GstElement *pipeline = launch(text);
    Watch watch = {0};
    Heard heard = {0};

    watch_sink(pipeline, "sink", &watch);
    run(pipeline, seconds, &watch, &heard);
    g_print("  %-14s do-timestamp=true: %5.1f frames/s at 256x256@12, sink "
            "processing-deadline %2u ms\n",
            source, watch.frames > 1 ? (watch.frames - 1) * 1e6 / (watch.last - watch.first) : 0,
            deadline_ms);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_free(text);
}

/* The first frame of a live videotestsrc, alone and next to another live source. */
static void other_source(const gchar *neighbour)
{
    gchar *text = g_strdup_printf(
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "fakesink name=other sync=true %s%s",
        neighbour ? neighbour : "",
        neighbour ? " is-live=true ! video/x-raw,width=256,height=256,framerate=12/1 ! "
                    "fakesink sync=true"
                  : "");
    GstElement *pipeline = launch(text);
    Watch watch = {0};
    Heard heard = {0};

    watch_sink(pipeline, "other", &watch);
    run(pipeline, 1.5, &watch, &heard);
    g_print("  videotestsrc next to %-13s first frame %6.1f ms after PLAYING, pipeline "
            "latency %5.1f ms\n",
            neighbour ? neighbour : "nothing:",
            watch.first ? (watch.first - watch.started) / 1e3 : -1, ms(pipeline_latency(pipeline)));
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_free(text);
}

/* A live 30 fps pipeline at width x height for seconds, the source's properties props
 * besides; TRUE when it holds 30 fps. *missed (when not NULL): the frames due that the sink
 * did not render on time (skipped by the source, late at the sink, or not there yet when the
 * run ended; one frame of slack for where the run's end falls), G_MAXUINT64 after an error. */
static gboolean live_size(gint width, gint height, gboolean adaptive, gdouble seconds,
                          const gchar *props, guint64 *missed)
{
    gchar *text = g_strdup_printf(
        "fractalvidsrc name=src is-live=true adaptive-density=%s %s ! video/x-raw,format=I420,"
        "width=%d,height=%d,framerate=30/1 ! fakesink name=sink sync=true qos=true "
        "max-lateness=20000000",
        adaptive ? "true" : "false", props, width, height);
    GstElement *pipeline = launch(text);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    Watch watch = {0};
    Heard heard = {0};
    GstStructure *stats = NULL;
    guint64 rendered = 0, late = 0, expected;
    GstClockTime latency;
    gboolean holds;

    watch_sink(pipeline, "sink", &watch);
    run(pipeline, seconds, &watch, &heard);
    latency = pipeline_latency(pipeline);
    /* Frames due from the first one on, it included (a slow first clip delays the start, not
     * frames): one every 1/30 s from it to the run's end. */
    expected = (guint64)(seconds * 30);
    if (watch.first)
        expected = 1 + (guint64)((watch.started + seconds * G_USEC_PER_SEC - watch.first) * 30 /
                                 G_USEC_PER_SEC);
    g_object_get(sink, "stats", &stats, NULL);
    gst_structure_get_uint64(stats, "rendered", &rendered);
    gst_structure_get_uint64(stats, "dropped", &late);
    gst_structure_free(stats);
    holds = !heard.error && late + heard.skipped <= HOLD_SHARE * expected &&
            rendered + 1 >= (1 - HOLD_SHARE) * expected;
    if (missed) {
        const guint64 short_of = expected > rendered + 1 ? expected - rendered - 1 : 0;
        *missed = heard.error ? G_MAXUINT64 : MAX(late + heard.skipped, short_of);
    }
    g_print(
        "  %4dx%-4d  density %5.2f%s  first frame after %5.0f ms; of %4" G_GUINT64_FORMAT
        " frames due %4" G_GUINT64_FORMAT " on time, %4" G_GUINT64_FORMAT
        " skipped by the source, %3" G_GUINT64_FORMAT
        " late at the sink; latency %5.1f ms, re-posted %u times%s\n",
        width, height, watch.frames ? watch.density_sum / watch.frames : 0,
        adaptive ? " (mean)" : "       ", watch.first ? (watch.first - watch.started) / 1e3 : -1,
        expected, rendered, heard.skipped, late, ms(latency),
        heard.latency_messages > 0 ? heard.latency_messages - 1 : 0, holds ? "  holds 30 fps" : "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    g_free(text);
    return holds;
}

/* Mixed variations (class=-1) live at 1280x720 and 30 fps for seconds, then the largest size
 * (of those in sizes) that holds 30 fps for class=-1 and for a linear class. */
static void live_targets(gdouble seconds)
{
    static const gchar *const streams[][2] = {
        {"class=-1", "unlabeled, mixed variations"},
        {"class=0 variation=linear", "a linear class"},
    };

    g_print("Live I420 at 30 fps, the default density, normalization=clip:\n");
    g_print("fractalvidsrc is-live=true class=-1 at 1280x720 for %.0f s:\n", seconds);
    guint64 missed;
    live_size(1280, 720, FALSE, seconds, "class=-1", &missed);
    if (missed == 0)
        g_print("  every frame on time, none late or skipped: the target is met\n");
    else if (missed == G_MAXUINT64)
        g_print("  the pipeline failed: the target is not met\n");
    else
        g_print("  %" G_GUINT64_FORMAT " frames not on time (late, skipped or missing): the target "
                "(none) is not met\n",
                missed);
    for (guint k = 0; k < G_N_ELEMENTS(streams); k++) {
        const gchar *largest = "none";
        gchar *name = NULL;

        g_print("%s (%s), %.0f s per size:\n", streams[k][0], streams[k][1], seconds / 3);
        for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
            if (!live_size(sizes[i].width, sizes[i].height, FALSE, seconds / 3, streams[k][0],
                           NULL))
                break;
            g_free(name);
            name = g_strdup_printf("%dx%d", sizes[i].width, sizes[i].height);
            largest = name;
        }
        g_print("  largest size that holds 30 fps: %s\n", largest);
        g_free(name);
    }
}

int main(int argc, char **argv)
{
    gboolean targets = argc > 1 && g_str_equal(argv[1], "targets");
    gdouble seconds = argc > 1 + targets ? g_ascii_strtod(argv[1 + targets], NULL)
                      : targets      ? 60
                                     : 20;

    gst_init(&argc, &argv);
    if (!(seconds >= 1)) {
        g_printerr("usage: %s [targets] [seconds per size >= 1]\n", argv[0]);
        return 2;
    }
    if (!fv_bench_have_element(argv[0]))
        return 2;
    if (targets) {
        live_targets(seconds);
        return 0;
    }

    g_print("Time to the first frame at a synchronised sink (256x256 at 12 fps):\n");
    first_frame("videotestsrc");
    first_frame("fractalvidsrc");
    g_print("do-timestamp=true:\n");
    for (guint deadline = 0; deadline <= 20; deadline += 20) {
        do_timestamp("videotestsrc", 5, deadline);
        do_timestamp("fractalvidsrc", 5, deadline);
    }
    g_print("Another live source in the same pipeline:\n");
    other_source(NULL);
    other_source("videotestsrc");
    other_source("fractalvidsrc");

    for (gint adaptive = 0; adaptive < 2; adaptive++) {
        const gchar *largest = "none";
        gchar *name = NULL;

        g_print("Live I420 at 30 fps for %.0f s, %s:\n", seconds,
                adaptive ? "adaptive-density=true" : "the default density");
        for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
            if (live_size(sizes[i].width, sizes[i].height, adaptive, seconds, "", NULL)) {
                g_free(name);
                name = g_strdup_printf("%dx%d", sizes[i].width, sizes[i].height);
                largest = name;
            }
        }
        g_print("  largest size that holds 30 fps: %s\n", largest);
        g_free(name);
    }
    return 0;
}
