/* fractalvidsrc in real pipelines: encoded with x264enc, muxed into MP4 and Matroska, read
 * back with GStreamer (discoverer, qtdemux and a decoder) and with ffprobe; played by
 * playbin from a fractal:// URI; live with a synchronised sink. */

#include "fvtest.h"

#include <gst/pbutils/pbutils.h>

#include <glib/gstdio.h>

/* The clips these tests record: class 3, seed 7, two clips. */
#define CLASS 3
#define SEED 7
#define CLIPS 2
#define WIDTH 128
#define HEIGHT 96

static guint expected_frames(void)
{
    FvSettings s = fv_test_settings(CLASS, SEED, WIDTH, HEIGHT, 2.0);
    guint frames = 0;

    for (guint k = 0; k < CLIPS; k++)
        frames += fv_clip_frame_count(&s, k);
    return frames;
}

/* Record the clips into a temporary file through muxer; returns its path (g_free it). */
static gchar *record(const gchar *muxer, const gchar *extension)
{
    gchar *path =
        g_strdup_printf("%s/fractalvid-test-%d.%s", g_get_tmp_dir(), (gint)getpid(), extension);
    gchar *launch =
        g_strdup_printf("fractalvidsrc class=%d seed=%d "
                        "num-clips=%d density=2 ! video/x-raw,width=%d,height=%d ! x264enc "
                        "speed-preset=ultrafast ! %s ! filesink location=\"%s\"",
                        CLASS, SEED, CLIPS, WIDTH, HEIGHT, muxer, path);

    fv_test_run_to_eos(launch);
    g_free(launch);
    return path;
}

/* Frames decoded back from an MP4 file by qtdemux and a decoder. */
static guint count_decoded_frames(const gchar *path)
{
    gchar *launch = g_strdup_printf("filesrc location=\"%s\" ! qtdemux ! "
                                    "h264parse ! avdec_h264 ! appsink name=sink sync=false",
                                    path);
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstSample *sample;
    guint frames = 0;

    fail_unless(pipeline != NULL);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        frames++;
        gst_sample_unref(sample);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    g_free(launch);
    return frames;
}

static GstDiscovererInfo *discover(const gchar *path)
{
    GError *err = NULL;
    GstDiscoverer *discoverer = gst_discoverer_new(30 * GST_SECOND, &err);
    gchar *uri = gst_filename_to_uri(path, NULL);
    GstDiscovererInfo *info;

    fail_unless(discoverer != NULL);
    info = gst_discoverer_discover_uri(discoverer, uri, &err);
    fail_unless(info != NULL, "discoverer: %s", err ? err->message : "?");
    fail_unless_equals_int(gst_discoverer_info_get_result(info), GST_DISCOVERER_OK);
    g_free(uri);
    gst_object_unref(discoverer);
    return info;
}

/* The labels survive the muxer as container TITLE and COMMENT. */
static void check_tags(const GstTagList *tags)
{
    gchar *title = NULL, *comment = NULL;
    gchar *labels = g_strdup_printf("class=%d class-seed=0 seed=%d clip=0 ", CLASS, SEED);

    fail_unless(tags != NULL);
    fail_unless(gst_tag_list_get_string(tags, GST_TAG_TITLE, &title));
    fail_unless(gst_tag_list_get_string(tags, GST_TAG_COMMENT, &comment));
    fail_unless(g_str_has_prefix(title, "fractalvid class 3 seed 7"), "%s", title);
    fail_unless(g_str_has_prefix(comment, labels), "%s", comment);
    fail_unless(strstr(comment, "generator=" FV_GENERATOR_VERSION) != NULL);
    fail_unless(strstr(comment, "motion=nonlinear variation=") != NULL);
    g_free(labels);
    g_free(title);
    g_free(comment);
}

static void check_video_stream(GstDiscovererInfo *info, guint frames)
{
    GList *videos = gst_discoverer_info_get_video_streams(info);
    GstDiscovererVideoInfo *video;
    GstClockTime duration = gst_discoverer_info_get_duration(info);
    GstClockTime expected = gst_util_uint64_scale(frames, GST_SECOND, 12);

    fail_unless_equals_int(g_list_length(videos), 1);
    video = videos->data;
    fail_unless_equals_int(gst_discoverer_video_info_get_width(video), WIDTH);
    fail_unless_equals_int(gst_discoverer_video_info_get_height(video), HEIGHT);
    fail_unless_equals_int(gst_discoverer_video_info_get_framerate_num(video), 12);
    fail_unless_equals_int(gst_discoverer_video_info_get_framerate_denom(video), 1);
    /* Within one frame: containers round durations to their timescale. */
    fail_unless(duration + GST_SECOND / 12 > expected && duration < expected + GST_SECOND / 12,
                "duration %" GST_TIME_FORMAT " for %u frames", GST_TIME_ARGS(duration), frames);
    gst_discoverer_stream_info_list_free(videos);
}

GST_START_TEST(test_x264_mp4_reads_back_frames_size_duration_tags)
{
    guint frames = expected_frames();
    gchar *path = record("mp4mux", "mp4");
    GstDiscovererInfo *info = discover(path);

    check_video_stream(info, frames);
    check_tags(gst_discoverer_info_get_tags(info));
    fail_unless_equals_int(count_decoded_frames(path), frames);
    gst_discoverer_info_unref(info);
    g_unlink(path);
    g_free(path);
}

GST_END_TEST;

GST_START_TEST(test_x264_matroska_keeps_title_and_comment)
{
    gchar *path = record("matroskamux", "mkv");
    GstDiscovererInfo *info = discover(path);

    check_video_stream(info, expected_frames());
    check_tags(gst_discoverer_info_get_tags(info));
    gst_discoverer_info_unref(info);
    g_unlink(path);
    g_free(path);
}

GST_END_TEST;

/* ffprobe, a reader that is not GStreamer, sees the same file. */
GST_START_TEST(test_ffprobe_reads_frames_size_and_tags_of_mp4)
{
    gchar *ffprobe = g_find_program_in_path("ffprobe");
    gchar *path, *out = NULL, *expected;
    gint status;
    GError *err = NULL;

    if (!ffprobe) {
        g_print("ffprobe not installed: nothing to check\n");
        return;
    }
    path = record("mp4mux", "mp4");
    {
        const gchar *argv[] = {ffprobe,
                               "-v",
                               "error",
                               "-count_frames",
                               "-select_streams",
                               "v:0",
                               "-show_entries",
                               "stream=width,height,nb_read_frames,color_range:format_tags="
                               "title,comment",
                               "-of",
                               "default=noprint_wrappers=1",
                               path,
                               NULL};
        fail_unless(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &out, NULL, &status, &err),
                    "%s", err ? err->message : "?");
    }
    fail_unless(g_spawn_check_wait_status(status, NULL), "ffprobe failed");
    expected = g_strdup_printf("nb_read_frames=%u\n", expected_frames());
    fail_unless(strstr(out, "width=128\n") && strstr(out, "height=96\n"), "%s", out);
    /* Limited range, as GStreamer's YUV default (the encoder is told, and tells players). */
    fail_unless(strstr(out, "color_range=tv\n"), "%s", out);
    fail_unless(strstr(out, expected) != NULL, "%s", out);
    fail_unless(strstr(out, "TAG:title=fractalvid class 3 seed 7 clip 0\n"), "%s", out);
    fail_unless(strstr(out, "TAG:comment=class=3 class-seed=0 seed=7 clip=0 "), "%s", out);
    g_free(expected);
    g_free(out);
    g_unlink(path);
    g_free(path);
    g_free(ffprobe);
}

GST_END_TEST;

/* playbin (through uridecodebin) plays a fractal:// URI to the end. */
GST_START_TEST(test_playbin_plays_a_fractal_uri)
{
    GstElement *playbin = gst_element_factory_make("playbin", NULL);
    GstElement *vsink = gst_element_factory_make("appsink", NULL);
    GstElement *asink = gst_element_factory_make("fakesink", NULL);
    GstSample *sample;
    guint frames = 0;

    g_object_set(vsink, "sync", FALSE, NULL);
    g_object_set(playbin, "uri",
                 "fractal://class=3&seed=7&num-clips=1&"
                 "clip-frames=6&density=1",
                 "video-sink", vsink, "audio-sink", asink, NULL);
    gst_element_set_state(playbin, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(vsink)))) {
        GstBuffer *buf = gst_sample_get_buffer(sample);
        fail_unless_equals_int64(fv_test_label_int64(buf, "class"), 3);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "seed"), 7);
        frames++;
        gst_sample_unref(sample);
    }
    fail_unless_equals_int(frames, 6);
    gst_element_set_state(playbin, GST_STATE_NULL);
    gst_object_unref(playbin);
}

GST_END_TEST;

/* Wait for the end of the pipeline, and count the frames live source src skipped from its
 * QoS messages on the way (the last one counts them all): waiting for EOS alone would
 * throw them away. */
static GstMessage *wait_end_counting_skips(GstElement *pipeline, GstElement *src, guint64 *skipped)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg;

    *skipped = 0;
    while ((msg = gst_bus_timed_pop_filtered(
                bus, FV_TEST_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS)) &&
           GST_MESSAGE_TYPE(msg) == GST_MESSAGE_QOS) {
        if (GST_MESSAGE_SRC(msg) == GST_OBJECT(src))
            gst_message_parse_qos_stats(msg, NULL, NULL, skipped);
        gst_message_unref(msg);
    }
    gst_object_unref(bus);
    fail_unless(msg != NULL, "pipeline neither ended nor failed in time");
    return msg;
}

/* Live with a clock-synchronised sink: every frame of the two clips either reaches the sink
 * on time or, on a machine too busy to render it in time, is skipped by the source and
 * counted in its QoS messages; none arrives late. The latency is one frame period. */
GST_START_TEST(test_live_stream_keeps_real_time)
{
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc name=src is-live=true num-clips=2 class=1 ! "
                         "video/x-raw,width=128,height=128,framerate=24/1 ! "
                         "fakesink name=sink sync=true qos=true max-lateness=20000000",
                         NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    FvSettings s = fv_test_settings(1, 0, 128, 128, FV_DEFAULT_DENSITY);
    const guint64 frames = fv_clip_frame_count(&s, 0) + fv_clip_frame_count(&s, 1);
    GstQuery *query;
    GstStructure *stats;
    guint64 rendered = 0, dropped = 0, skipped;
    gboolean live;
    GstClockTime min;
    GstMessage *msg;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = wait_end_counting_skips(pipeline, src, &skipped);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);

    query = gst_query_new_latency();
    fail_unless(gst_element_query(pipeline, query));
    gst_query_parse_latency(query, &live, &min, NULL);
    fail_unless(live);
    /* One frame at 24/1, plus at most a few frames of measured render overrun. */
    fail_unless(min >= gst_util_uint64_scale(1, GST_SECOND, 24));
    fail_unless(min <= gst_util_uint64_scale(5, GST_SECOND, 24), "latency %" GST_TIME_FORMAT,
                GST_TIME_ARGS(min));
    gst_query_unref(query);

    g_object_get(sink, "stats", &stats, NULL);
    gst_structure_get_uint64(stats, "rendered", &rendered);
    gst_structure_get_uint64(stats, "dropped", &dropped);
    gst_structure_free(stats);
    g_print("%" G_GUINT64_FORMAT " frames: %" G_GUINT64_FORMAT " on time, %" G_GUINT64_FORMAT
            " skipped, %" G_GUINT64_FORMAT " late\n",
            frames, rendered, skipped, dropped);
    fail_unless_equals_uint64(rendered + skipped + dropped, frames);
    /* A late frame is a stall of the whole machine between the source and the sink. */
    fail_unless(dropped <= 1, "%" G_GUINT64_FORMAT " frames late", dropped);
    fail_unless(rendered >= frames / 2);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* Fixation takes x264enc's preferred format (Y444), so odd sizes, which 4:2:0 cannot
 * encode, work. */
GST_START_TEST(test_odd_size_encodes_with_x264)
{
    fv_test_run_to_eos("fractalvidsrc num-buffers=3 density=1 ! video/x-raw,width=17,height=17 ! "
                       "x264enc speed-preset=ultrafast ! fakesink");
    fv_test_run_to_eos("fractalvidsrc num-buffers=3 density=1 ! video/x-raw,width=1,height=1 ! "
                       "x264enc speed-preset=ultrafast ! fakesink");
}

GST_END_TEST;

/* A live fractalvidsrc next to another live source: the pipeline's latency, by which every
 * live source's frames wait, is one frame period of ours (plus the sinks' processing
 * deadline), not a clip; and with do-timestamp=true frames come at the rate the sink takes
 * them, not one per latency. */
GST_START_TEST(test_live_source_leaves_other_live_sources_alone)
{
    GstElement *pipeline = gst_parse_launch(
        "videotestsrc is-live=true num-buffers=30 ! video/x-raw,width=64,height=48,"
        "framerate=30/1 ! fakesink name=other sync=true qos=true max-lateness=20000000 "
        "fractalvidsrc is-live=true do-timestamp=true num-buffers=24 ! video/x-raw,width=64,"
        "height=64,framerate=12/1 ! appsink name=sink sync=true",
        NULL);
    GstElement *other = gst_bin_get_by_name(GST_BIN(pipeline), "other");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstClockTime first = GST_CLOCK_TIME_NONE, last = GST_CLOCK_TIME_NONE, min, deadline = 0;
    GstStructure *stats;
    guint64 rendered = 0, dropped = 0;
    GstQuery *query;
    GstSample *sample;
    GstMessage *msg;
    guint frames = 0;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstClockTime dts = GST_BUFFER_DTS(gst_sample_get_buffer(sample));

        if (!GST_CLOCK_TIME_IS_VALID(first))
            first = dts;
        last = dts;
        frames++;
        gst_sample_unref(sample);
    }
    fail_unless_equals_int(frames, 24);
    /* do-timestamp stamps the time each frame leaves: 23 frame periods apart at full rate,
     * 23 clips apart if frames waited for a clip of latency. Two periods each at most. */
    fail_unless(last - first < 23 * 2 * GST_SECOND / 12, "24 frames took %" GST_TIME_FORMAT,
                GST_TIME_ARGS(last - first));

    query = gst_query_new_latency();
    fail_unless(gst_element_query(pipeline, query));
    gst_query_parse_latency(query, NULL, &min, NULL);
    gst_query_unref(query);
    g_object_get(other, "processing-deadline", &deadline, NULL);
    fail_unless(min >= GST_SECOND / 12 && min <= GST_SECOND / 12 + deadline + GST_MSECOND,
                "pipeline latency %" GST_TIME_FORMAT, GST_TIME_ARGS(min));

    msg = fv_test_wait_end(pipeline);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);
    g_object_get(other, "stats", &stats, NULL);
    gst_structure_get_uint64(stats, "rendered", &rendered);
    gst_structure_get_uint64(stats, "dropped", &dropped);
    /* videotestsrc's frames all reached its sink (its own lateness is the machine's load). */
    fail_unless_equals_uint64(rendered + dropped, 30);
    gst_structure_free(stats);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(other);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static Suite *pipelines_suite(void)
{
    Suite *s = suite_create("fractalvidsrc-pipelines");
    TCase *tc = tcase_create("pipelines");

    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_x264_mp4_reads_back_frames_size_duration_tags);
    tcase_add_test(tc, test_x264_matroska_keeps_title_and_comment);
    tcase_add_test(tc, test_ffprobe_reads_frames_size_and_tags_of_mp4);
    tcase_add_test(tc, test_playbin_plays_a_fractal_uri);
    tcase_add_test(tc, test_live_stream_keeps_real_time);
    tcase_add_test(tc, test_odd_size_encodes_with_x264);
    tcase_add_test(tc, test_live_source_leaves_other_live_sources_alone);
    return s;
}

GST_CHECK_MAIN(pipelines);
