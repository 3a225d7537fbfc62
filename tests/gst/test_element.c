/* fractalvidsrc element tests (GstHarness, gstcheck). Each test checks one behaviour of the
 * contract (shared/spec/element.md) and names it; meson runs each as its own test with the
 * leaks tracer on, and gstcheck fails a test whose objects outlive it. Pixels are compared
 * with what the core renders directly for the same settings. */

#include "fvtest.h"

#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>

#include <sys/resource.h>

/* Small, fast clips: these tests are about the element, not about pictures. */
#define W 32
#define H 24
#define DENSITY 1.0

static GstHarness *new_harness(const gchar *caps)
{
    GstHarness *h = gst_harness_new("fractalvidsrc");

    gst_harness_set_sink_caps_str(h, caps);
    return h;
}

/* ---- E2: caps ---- */

GST_START_TEST(test_template_lists_every_format_gray8_first)
{
    static const gchar *expected[] = {"GRAY8", "I420", "NV12", "Y444", "RGBA",
                                      "BGRA",  "ARGB", "ABGR", "RGBx", "BGRx",
                                      "xRGB",  "xBGR", "RGB",  "BGR",  "GRAY16_LE"};
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    GstPad *pad = gst_element_get_static_pad(src, "src");
    GstCaps *caps = gst_pad_get_pad_template_caps(pad);
    guint n = 0;

    for (guint i = 0; i < gst_caps_get_size(caps); i++) {
        const GstStructure *s = gst_caps_get_structure(caps, i);
        const GValue *formats = gst_structure_get_value(s, "format");
        const GValue *width = gst_structure_get_value(s, "width");
        gint par_n, par_d;

        fail_unless(gst_structure_has_name(s, "video/x-raw"));
        fail_unless_equals_int(gst_value_get_int_range_min(width), FV_MIN_SIZE);
        fail_unless_equals_int(gst_value_get_int_range_max(width), FV_MAX_SIZE);
        fail_unless(gst_structure_get_fraction(s, "pixel-aspect-ratio", &par_n, &par_d) &&
                    par_n == 1 && par_d == 1);
        for (guint f = 0; f < gst_value_list_get_size(formats); f++) {
            fail_unless(n < G_N_ELEMENTS(expected));
            fail_unless_equals_string(g_value_get_string(gst_value_list_get_value(formats, f)),
                                      expected[n]);
            n++;
        }
    }
    fail_unless_equals_int(n, G_N_ELEMENTS(expected));
    gst_caps_unref(caps);
    gst_object_unref(pad);
    gst_object_unref(src);
}

GST_END_TEST;

GST_START_TEST(test_open_caps_fixate_to_256x256_12fps_gray8)
{
    GstHarness *h = gst_harness_new("fractalvidsrc");
    GstCaps *caps;
    GstVideoInfo info;

    g_object_set(h->element, "num-buffers", 1, "density", 0.2, NULL);
    gst_harness_play(h);
    gst_buffer_unref(gst_harness_pull(h));
    caps = gst_pad_get_current_caps(h->sinkpad);
    fail_unless(gst_video_info_from_caps(&info, caps));
    fail_unless_equals_int(GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_FORMAT_GRAY8);
    fail_unless_equals_int(info.width, 256);
    fail_unless_equals_int(info.height, 256);
    fail_unless_equals_int(info.fps_n, 12);
    fail_unless_equals_int(info.fps_d, 1);
    fail_unless_equals_int(info.par_n, 1);
    fail_unless_equals_int(info.par_d, 1);
    gst_caps_unref(caps);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* Every format carries the core's luma exactly: GRAY8 itself, YUV as full-range Y with
 * neutral chroma, RGB as R = G = B with opaque alpha, GRAY16_LE as the core's 16-bit frame.
 * An odd size checks subsampled planes and strides. */
GST_START_TEST(test_every_format_carries_the_gray8_luma)
{
    const guint w = 37, h_px = 23, frames = 3;
    FvSettings s = fv_test_settings(2, 5, w, h_px, 2.0);
    FvClip *clip = fv_test_render(&s, 0);
    const gchar *formats[] = {"GRAY8", "I420", "NV12", "Y444", "RGBA", "BGRA", "ARGB",     "ABGR",
                              "RGBx",  "BGRx", "xRGB", "xBGR", "RGB",  "BGR",  "GRAY16_LE"};

    for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
        gchar *caps_str = g_strdup_printf("video/x-raw,format=%s,width=%u,"
                                          "height=%u,framerate=12/1",
                                          formats[f], w, h_px);
        GstHarness *h = new_harness(caps_str);
        GstCaps *caps;
        GstVideoInfo info;

        g_object_set(h->element, "class", 2, "seed", (guint64)5, "density", 2.0, "num-buffers",
                     (gint)frames, NULL);
        /* Half the runs let downstream take GstVideoMeta: same pixels either way. */
        if (f % 2)
            gst_harness_add_propose_allocation_meta(h, GST_VIDEO_META_API_TYPE, NULL);
        gst_harness_play(h);
        for (guint n = 0; n < frames; n++) {
            GstBuffer *buf = gst_harness_pull(h);
            guint8 *gray = fv_test_gray8(clip, n);
            GstVideoFrame vf;

            caps = gst_pad_get_current_caps(h->sinkpad);
            fail_unless(gst_video_info_from_caps(&info, caps));
            fail_unless_equals_string(GST_VIDEO_INFO_NAME(&info), formats[f]);
            fail_unless(gst_video_frame_map(&vf, &info, buf, GST_MAP_READ));

            if (GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_GRAY16_LE) {
                guint16 *ref = g_new(guint16, w * h_px);
                fail_unless_equals_int(fv_clip_write_gray16(clip, n, ref, w * 2), 0);
                for (guint y = 0; y < h_px; y++) {
                    const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 0) +
                                        y * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0);
                    for (guint x = 0; x < w; x++)
                        fail_unless_equals_int(GST_READ_UINT16_LE(row + 2 * x), ref[y * w + x]);
                }
                g_free(ref);
            } else if (GST_VIDEO_INFO_IS_YUV(&info) || GST_VIDEO_INFO_IS_GRAY(&info)) {
                for (guint y = 0; y < h_px; y++) {
                    const guint8 *row =
                        GST_VIDEO_FRAME_COMP_DATA(&vf, 0) + y * GST_VIDEO_FRAME_COMP_STRIDE(&vf, 0);
                    fail_unless(memcmp(row, gray + y * w, w) == 0,
                                "%s: luma row %u differs from the core's frame", formats[f], y);
                }
                for (guint c = 1; c < GST_VIDEO_INFO_N_COMPONENTS(&info); c++) {
                    for (gint y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(&vf, c); y++) {
                        const guint8 *row = GST_VIDEO_FRAME_COMP_DATA(&vf, c) +
                                            y * GST_VIDEO_FRAME_COMP_STRIDE(&vf, c);
                        for (gint x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH(&vf, c); x++)
                            fail_unless_equals_int(row[x * GST_VIDEO_FRAME_COMP_PSTRIDE(&vf, c)],
                                                   128);
                    }
                }
                /* Full range is what the caps say, so a converter keeps 0..255. */
                fail_unless_equals_int(info.colorimetry.range, GST_VIDEO_COLOR_RANGE_0_255);
            } else {
                for (guint y = 0; y < h_px; y++) {
                    for (guint x = 0; x < w; x++) {
                        for (guint c = 0; c < GST_VIDEO_INFO_N_COMPONENTS(&info); c++) {
                            const guint8 *px = GST_VIDEO_FRAME_COMP_DATA(&vf, c) +
                                               y * GST_VIDEO_FRAME_COMP_STRIDE(&vf, c) +
                                               x * GST_VIDEO_FRAME_COMP_PSTRIDE(&vf, c);
                            fail_unless_equals_int(*px,
                                                   c == GST_VIDEO_COMP_A ? 255 : gray[y * w + x]);
                        }
                    }
                }
            }
            gst_video_frame_unmap(&vf);
            gst_caps_unref(caps);
            gst_buffer_unref(buf);
            g_free(gray);
        }
        gst_harness_teardown(h);
        g_free(caps_str);
    }
    fv_clip_free(&clip);
}

GST_END_TEST;

GST_START_TEST(test_framerate_0_gives_one_still_frame_then_eos)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=0/1");
    FvSettings s = fv_test_settings(0, 0, W, H, DENSITY);
    FvClip *clip = fv_test_render(&s, 0);
    guint8 *gray = fv_test_gray8(clip, 0);
    GstBuffer *buf;
    GstMapInfo map;
    GstEvent *ev;
    gboolean eos = FALSE;

    g_object_set(h->element, "density", DENSITY, NULL);
    gst_harness_play(h);
    buf = gst_harness_pull(h);
    fail_unless_equals_uint64(GST_BUFFER_PTS(buf), 0);
    fail_unless(!GST_BUFFER_DURATION_IS_VALID(buf));
    fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
    fail_unless(memcmp(map.data, gray, W * H) == 0);
    gst_buffer_unmap(buf, &map);
    gst_buffer_unref(buf);

    while (!eos && (ev = gst_harness_pull_event(h))) {
        eos = GST_EVENT_TYPE(ev) == GST_EVENT_EOS;
        gst_event_unref(ev);
    }
    fail_unless(eos);
    fail_unless_equals_int(gst_harness_buffers_received(h), 1);
    g_free(gray);
    fv_clip_free(&clip);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* Caps nobody can meet: an error naming what downstream accepts and what is offered. */
GST_START_TEST(test_impossible_caps_error_names_asked_and_offered)
{
    const gchar *asked[] = {"video/x-raw,format=YUY2", "video/x-raw,width=10000", "video/x-bayer"};
    const gchar *named[] = {"YUY2", "10000", "video/x-bayer"};

    for (guint i = 0; i < G_N_ELEMENTS(asked); i++) {
        GstElement *pipeline = gst_parse_launch("fractalvidsrc density=0.2 ! "
                                                "capsfilter name=filter ! fakesink",
                                                NULL);
        GstElement *filter = gst_bin_get_by_name(GST_BIN(pipeline), "filter");
        GstCaps *caps = gst_caps_from_string(asked[i]);
        GstMessage *msg;
        GError *err = NULL;
        gchar *debug = NULL;

        g_object_set(filter, "caps", caps, NULL);
        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        msg = fv_test_wait_end(pipeline);
        fail_unless_equals_int(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
        gst_message_parse_error(msg, &err, &debug);
        fail_unless(g_error_matches(err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION),
                    "unexpected error: %s", err->message);
        fail_unless(strstr(err->message, named[i]) != NULL,
                    "error does not name what was asked: %s", err->message);
        fail_unless(strstr(err->message, "GRAY8") && strstr(err->message, "8192"),
                    "error does not name what is offered: %s", err->message);
        g_error_free(err);
        g_free(debug);
        gst_message_unref(msg);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_caps_unref(caps);
        gst_object_unref(filter);
        gst_object_unref(pipeline);
    }
}

GST_END_TEST;

/* Run launch in this forked test process with its address space capped at headroom bytes
 * more than it uses now; return the error it ends with (g_error_free it), or NULL when
 * the cap cannot be tried (under AddressSanitizer). */
static GError *error_with_memory_cap(const gchar *launch, gsize headroom)
{
    struct rlimit old, cap;
    GstElement *pipeline;
    GstMessage *msg;
    GError *err = NULL;
    gchar *status = NULL, *vm;
    gsize used;

#ifdef FV_TEST_UNDER_ASAN
    g_print("skipped under AddressSanitizer\n");
    return NULL;
#endif
    pipeline = gst_parse_launch(launch, NULL);

    /* What the process maps now (threads, libraries, plugins), from /proc. */
    fail_unless(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
    vm = strstr(status, "VmSize:");
    fail_unless(vm != NULL);
    used = (gsize)g_ascii_strtoull(vm + 7, NULL, 10) * 1024;
    g_free(status);

    fail_unless_equals_int(getrlimit(RLIMIT_AS, &old), 0);
    cap = old;
    cap.rlim_cur = used + headroom;
    fail_unless_equals_int(setrlimit(RLIMIT_AS, &cap), 0);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = fv_test_wait_end(pipeline);
    fail_unless_equals_int(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
    gst_message_parse_error(msg, &err, NULL);
    gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    setrlimit(RLIMIT_AS, &old);
    return err;
}

/* A clip too big for the memory available: a clear element error, no crash. */
GST_START_TEST(test_unallocatable_clip_fails_with_clear_error)
{
    /* Room for a 64 MiB GRAY8 frame, not for the core's 20 frames of 8192x8192 counts. */
    GError *err = error_with_memory_cap("fractalvidsrc num-buffers=1 density=0.01 ! "
                                        "video/x-raw,format=GRAY8,width=8192,height=8192 ! "
                                        "fakesink",
                                        (gsize)768 << 20);

    if (!err)
        return;
    fail_unless(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT),
                "unexpected error: %s", err->message);
    fail_unless(strstr(err->message, "8192x8192") != NULL, "%s", err->message);
    g_error_free(err);
}

GST_END_TEST;

/* A frame buffer too big for the memory available: a clear element error, no crash (the
 * allocators of GStreamer would abort). */
GST_START_TEST(test_unallocatable_frame_fails_with_clear_error)
{
    /* Not even room for one 256 MiB RGBA frame. */
    GError *err = error_with_memory_cap("fractalvidsrc num-buffers=1 density=0.01 ! "
                                        "video/x-raw,format=RGBA,width=8192,height=8192 ! "
                                        "fakesink",
                                        (gsize)128 << 20);

    if (!err)
        return;
    fail_unless(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT),
                "unexpected error: %s", err->message);
    fail_unless(strstr(err->message, "8192x8192 RGBA") != NULL, "%s", err->message);
    g_error_free(err);
}

GST_END_TEST;

/* ---- E3: time ---- */

/* PTS from the frame count with no drift, durations that tile, offsets = frame index. */
GST_START_TEST(test_timestamps_durations_and_offsets)
{
    const gint64 offset = 5 * GST_SECOND;
    const guint frames = 45;
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=30000/1001");

    g_object_set(h->element, "density", 0.2, "clip-frames", 7, "num-buffers", (gint)frames,
                 "timestamp-offset", offset, NULL);
    gst_harness_play(h);
    for (guint n = 0; n < frames; n++) {
        GstBuffer *buf = gst_harness_pull(h);
        GstClockTime pts = gst_util_uint64_scale(n, 1001 * GST_SECOND, 30000);
        GstClockTime next = gst_util_uint64_scale(n + 1, 1001 * GST_SECOND, 30000);

        fail_unless_equals_uint64(GST_BUFFER_PTS(buf), offset + pts);
        fail_unless(!GST_BUFFER_DTS_IS_VALID(buf));
        fail_unless_equals_uint64(GST_BUFFER_DURATION(buf), next - pts);
        fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), n);
        fail_unless_equals_uint64(GST_BUFFER_OFFSET_END(buf), n + 1);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "frame"), n);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), n / 7);
        fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), n % 7);
        gst_buffer_unref(buf);
    }
    gst_harness_teardown(h);
}

GST_END_TEST;

/* Live: a frame is pushed only when the clock reaches its PTS, and the latency answered
 * is the whole-clip look-ahead. */
GST_START_TEST(test_live_frames_follow_the_clock_with_clip_latency)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=10/1");
    GstTestClock *clock;
    GstQuery *query;
    gboolean live;
    GstClockTime min, max;

    g_object_set(h->element, "is-live", TRUE, "clip-frames", 4, "density", DENSITY, "num-clips", 2,
                 NULL);
    gst_harness_use_testclock(h);
    clock = gst_harness_get_testclock(h);
    gst_harness_play(h);

    for (guint n = 0; n < 8; n++) {
        GstClockID id;
        GstClockTime pts = n * GST_SECOND / 10;
        GstBuffer *buf;

        gst_test_clock_wait_for_next_pending_id(clock, &id);
        /* Frame n waits for its own time, and nothing was pushed ahead of the clock. */
        fail_unless_equals_uint64(gst_clock_id_get_time(id), pts);
        fail_unless_equals_int(gst_harness_buffers_received(h), n);
        gst_test_clock_set_time(clock, pts);
        fail_unless(gst_test_clock_process_next_clock_id(clock) == id);
        gst_clock_id_unref(id);
        buf = gst_harness_pull(h);
        fail_unless_equals_uint64(GST_BUFFER_PTS(buf), pts);
        gst_buffer_unref(buf);
    }

    query = gst_query_new_latency();
    fail_unless(gst_element_query(h->element, query));
    gst_query_parse_latency(query, &live, &min, &max);
    fail_unless(live);
    /* Four frames at 10/1: a 0.4 s clip is rendered before its first frame goes out. */
    fail_unless_equals_uint64(min, 4 * GST_SECOND / 10);
    fail_unless(max == GST_CLOCK_TIME_NONE || max >= min);
    gst_query_unref(query);
    gst_object_unref(clock);
    gst_harness_teardown(h);
}

GST_END_TEST;

GST_START_TEST(test_duration_answered_when_bounded)
{
    FvSettings s = fv_test_settings(6, 0, 256, 256, FV_DEFAULT_DENSITY);
    guint64 frames =
        fv_clip_frame_count(&s, 0) + fv_clip_frame_count(&s, 1) + fv_clip_frame_count(&s, 2);
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    gint64 duration;

    /* Endless: unknown. */
    fail_if(gst_element_query_duration(src, GST_FORMAT_TIME, &duration) && duration != -1);

    g_object_set(src, "class", 6, "num-clips", 3, NULL);
    fail_unless(gst_element_query_duration(src, GST_FORMAT_DEFAULT, &duration));
    fail_unless_equals_int64(duration, frames);
    fail_unless(gst_element_query_duration(src, GST_FORMAT_TIME, &duration));
    fail_unless_equals_int64(duration, gst_util_uint64_scale(frames, GST_SECOND, 12));

    /* num-buffers bounds it too. */
    g_object_set(src, "num-buffers", 5, NULL);
    fail_unless(gst_element_query_duration(src, GST_FORMAT_DEFAULT, &duration));
    fail_unless_equals_int64(duration, 5);
    gst_object_unref(src);
}

GST_END_TEST;

/* ---- E3: seeking ---- */

typedef struct {
    gchar *md5;
    GstClockTime pts;
    guint64 clip;
    guint frame_in_clip;
} Frame;

static void frame_clear(Frame *f)
{
    g_free(f->md5);
}

static GstElement *seek_pipeline(void)
{
    /* class -1: a new class every clip, so clips differ in length (18..20 frames) and the
     * frame-to-clip map is really exercised. */
    return gst_parse_launch(
        "fractalvidsrc class=-1 seed=11 num-clips=4 "
        "density=1 ! video/x-raw,format=GRAY8,width=32,height=32,framerate=12/1 "
        "! appsink name=sink sync=false",
        NULL);
}

static void read_sample(GstSample *sample, Frame *f)
{
    GstBuffer *buf = gst_sample_get_buffer(sample);

    f->md5 = fv_test_frame_md5(buf, gst_sample_get_caps(sample));
    f->pts = GST_BUFFER_PTS(buf);
    f->clip = fv_test_label_uint64(buf, "clip");
    f->frame_in_clip = fv_test_label_uint(buf, "frame-in-clip");
}

/* A seek to t gives frame floor (t * fps), bit-identical to sequential playback, in any
 * order of seeks (E3, E5). */
GST_START_TEST(test_seek_gives_the_frames_of_sequential_playback)
{
    GstElement *pipeline = seek_pipeline();
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GArray *frames = g_array_new(FALSE, TRUE, sizeof(Frame));
    FvSettings s = fv_test_settings(-1, 11, 32, 32, 1.0);
    guint64 expected_frames = 0;
    const gint targets[] = {0, 40, 5, 19, 20, 21, 57, 38, -1, 3, 39, 1, 58};
    GstSample *sample;
    gint64 duration;

    g_array_set_clear_func(frames, (GDestroyNotify)frame_clear);
    for (guint k = 0; k < 4; k++)
        expected_frames += fv_clip_frame_count(&s, k);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        Frame f;
        read_sample(sample, &f);
        g_array_append_val(frames, f);
        gst_sample_unref(sample);
    }
    fail_unless_equals_int(frames->len, expected_frames);
    fail_unless(gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration));
    fail_unless_equals_int64(duration, gst_util_uint64_scale(expected_frames, GST_SECOND, 12));

    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) !=
                GST_STATE_CHANGE_FAILURE);
    for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
        guint n = targets[i] < 0 ? frames->len - 1 : (guint)targets[i];
        const Frame *want = &g_array_index(frames, Frame, n);
        /* Odd seeks land mid-frame: still frame n (floor). */
        GstClockTime t = want->pts + (i % 2 ? GST_SECOND / 48 : 0);
        Frame got;

        fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                            GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, t));
        fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                    GST_STATE_CHANGE_SUCCESS);
        sample = gst_app_sink_pull_preroll(GST_APP_SINK(sink));
        fail_unless(sample != NULL);
        read_sample(sample, &got);
        fail_unless_equals_uint64(got.pts, want->pts);
        fail_unless_equals_uint64(got.clip, want->clip);
        fail_unless_equals_int(got.frame_in_clip, want->frame_in_clip);
        fail_unless_equals_string(got.md5, want->md5);
        frame_clear(&got);
        gst_sample_unref(sample);
    }

    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_array_unref(frames);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* first-clip: the stream plays clips first-clip, first-clip + 1, ... from time 0, and a seek
 * counts frames from there. */
GST_START_TEST(test_first_clip_starts_the_stream_at_that_clip)
{
    GstElement *pipeline = gst_parse_launch("fractalvidsrc first-clip=5 num-clips=2 class=-1 "
                                            "density=1 ! video/x-raw,format=GRAY8,width=32,"
                                            "height=24,framerate=12/1 ! appsink name=sink "
                                            "sync=false",
                                            NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    FvSettings s = fv_test_settings(-1, 0, W, H, DENSITY);
    guint frames5 = fv_clip_frame_count(&s, 5), frames6 = fv_clip_frame_count(&s, 6);
    FvClip *clip6 = fv_test_render(&s, 6);
    guint8 *gray = fv_test_gray8(clip6, 1);
    GstSample *sample;
    GstBuffer *buf;
    GstMapInfo map;
    gint64 duration;
    guint n = 0;

    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                GST_STATE_CHANGE_SUCCESS);
    fail_unless(gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration));
    fail_unless_equals_int64(duration, gst_util_uint64_scale(frames5 + frames6, GST_SECOND, 12));

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        buf = gst_sample_get_buffer(sample);
        fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), n);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), n < frames5 ? 5 : 6);
        n++;
        gst_sample_unref(sample);
    }
    fail_unless_equals_int(n, frames5 + frames6);

    /* Stream frame frames5 + 1 is frame 1 of clip 6. */
    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) !=
                GST_STATE_CHANGE_FAILURE);
    fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                        GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                        gst_util_uint64_scale(frames5 + 1, GST_SECOND, 12)));
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                GST_STATE_CHANGE_SUCCESS);
    sample = gst_app_sink_pull_preroll(GST_APP_SINK(sink));
    buf = gst_sample_get_buffer(sample);
    fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), 6);
    fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), 1);
    fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
    fail_unless(memcmp(map.data, gray, W * H) == 0);
    gst_buffer_unmap(buf, &map);
    gst_sample_unref(sample);

    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_free(gray);
    fv_clip_free(&clip6);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* ---- E4: labels ---- */

typedef struct {
    GMutex lock;
    GPtrArray *items; /* "tag <comment>" or "buf <clip> <frame-in-clip>" */
} Recorder;

static GstPadProbeReturn record_probe(G_GNUC_UNUSED GstPad *pad, GstPadProbeInfo *info,
                                      gpointer data)
{
    Recorder *rec = data;
    gchar *item = NULL;

    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
        item = g_strdup_printf("buf %" G_GUINT64_FORMAT " %u", fv_test_label_uint64(buf, "clip"),
                               fv_test_label_uint(buf, "frame-in-clip"));
    } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_TAG) {
        GstTagList *tags;
        gchar *comment = NULL, *title = NULL;

        gst_event_parse_tag(GST_PAD_PROBE_INFO_EVENT(info), &tags);
        fail_unless_equals_int(gst_tag_list_get_scope(tags), GST_TAG_SCOPE_GLOBAL);
        fail_unless(gst_tag_list_get_string(tags, GST_TAG_TITLE, &title));
        fail_unless(gst_tag_list_get_string(tags, GST_TAG_COMMENT, &comment));
        item = g_strdup_printf("tag %s | %s", comment, title);
        g_free(title);
        g_free(comment);
    }
    if (item) {
        g_mutex_lock(&rec->lock);
        g_ptr_array_add(rec->items, item);
        g_mutex_unlock(&rec->lock);
    }
    return GST_PAD_PROBE_OK;
}

/* Each clip starts with a global tag event carrying every label, and every buffer carries
 * the custom meta with its clip and frame in clip. */
GST_START_TEST(test_each_clip_starts_with_tags_and_every_frame_has_meta)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=12/1");
    FvSettings s = fv_test_settings(4, 2, W, H, DENSITY);
    Recorder rec;
    GstPad *srcpad = gst_element_get_static_pad(h->element, "src");
    guint item = 0;

    g_mutex_init(&rec.lock);
    rec.items = g_ptr_array_new_with_free_func(g_free);
    gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      record_probe, &rec, NULL);
    g_object_set(h->element, "class", 4, "seed", (guint64)2, "density", DENSITY, "num-clips", 3,
                 NULL);
    gst_harness_play(h);

    for (guint k = 0; k < 3; k++) {
        FvClip *clip = fv_test_render(&s, k);
        const FvClipInfo *ci = fv_clip_info(clip);
        gchar *comment = g_strdup_printf(
            "class=4 class-seed=0 seed=2 clip=%u "
            "class-key=%" G_GUINT64_FORMAT " motion=nonlinear variation=%s frames=%u"
            " size=32x24 generator=%s",
            k, (guint64)ci->class_key, fv_variation_name(ci->variation), ci->frames,
            FV_GENERATOR_VERSION);
        gchar *tag = g_strdup_printf("tag %s | fractalvid class 4 seed 2 clip %u", comment, k);

        for (guint n = 0; n < ci->frames; n++) {
            GstBuffer *buf = gst_harness_pull(h);
            const GstStructure *labels = fv_test_labels(buf);

            fail_unless_equals_int64(fv_test_label_int64(buf, "class"), 4);
            fail_unless_equals_uint64(fv_test_label_uint64(buf, "seed"), 2);
            fail_unless_equals_uint64(fv_test_label_uint64(buf, "class-seed"), 0);
            fail_unless_equals_uint64(fv_test_label_uint64(buf, "class-key"), ci->class_key);
            fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), k);
            fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), n);
            fail_unless_equals_int(fv_test_label_uint(buf, "frames-in-clip"), ci->frames);
            fail_unless_equals_string(gst_structure_get_string(labels, "motion"), "nonlinear");
            fail_unless_equals_string(gst_structure_get_string(labels, "variation"),
                                      fv_variation_name(ci->variation));
            gst_buffer_unref(buf);
        }

        /* The clip's tag comes right before its first buffer. */
        g_mutex_lock(&rec.lock);
        while (item < rec.items->len &&
               !g_str_has_prefix(g_ptr_array_index(rec.items, item), "tag"))
            item++;
        fail_unless(item + 1 < rec.items->len);
        fail_unless_equals_string(g_ptr_array_index(rec.items, item), tag);
        {
            gchar *first = g_strdup_printf("buf %u 0", k);
            fail_unless_equals_string(g_ptr_array_index(rec.items, item + 1), first);
            g_free(first);
        }
        item++;
        g_mutex_unlock(&rec.lock);
        g_free(tag);
        g_free(comment);
        fv_clip_free(&clip);
    }

    gst_harness_teardown(h);
    gst_object_unref(srcpad);
    g_ptr_array_unref(rec.items);
    g_mutex_clear(&rec.lock);
}

GST_END_TEST;

GST_START_TEST(test_unlabeled_clips_draw_a_new_class_each)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=12/1");
    guint64 keys[3];

    g_object_set(h->element, "class", -1, "density", 0.2, "num-clips", 3, "clip-frames", 2, NULL);
    gst_harness_play(h);
    for (guint n = 0; n < 6; n++) {
        GstBuffer *buf = gst_harness_pull(h);
        fail_unless_equals_int64(fv_test_label_int64(buf, "class"), -1);
        keys[n / 2] = fv_test_label_uint64(buf, "class-key");
        gst_buffer_unref(buf);
    }
    fail_unless(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* ---- E4: URIs ---- */

GST_START_TEST(test_fractal_uri_sets_properties_and_round_trips)
{
    GError *err = NULL;
    GstElement *src;
    gint class_id, clip_frames, num_clips, motion, variation;
    guint64 seed;
    gdouble density;
    gchar *uri, *again;
    GstQuery *query;

    fail_unless(gst_uri_protocol_is_supported(GST_URI_SRC, "fractal"));
    src = gst_element_make_from_uri(
        GST_URI_SRC,
        "fractal://class=3&seed=7&"
        "motion=linear&variation=bent&density=2.5&clip-frames=5&num-clips=2",
        NULL, &err);
    fail_unless(src != NULL, "%s", err ? err->message : "?");
    g_object_get(src, "class", &class_id, "seed", &seed, "motion", &motion, "variation", &variation,
                 "density", &density, "clip-frames", &clip_frames, "num-clips", &num_clips, NULL);
    fail_unless_equals_int(class_id, 3);
    fail_unless_equals_uint64(seed, 7);
    fail_unless_equals_int(motion, FV_MOTION_LINEAR);
    fail_unless_equals_string(fv_variation_name(variation), "bent");
    fail_unless_equals_float(density, 2.5);
    fail_unless_equals_int(clip_frames, 5);
    fail_unless_equals_int(num_clips, 2);

    /* Canonical form: class and seed, then what differs from the defaults. */
    uri = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
    fail_unless_equals_string(uri, "fractal://class=3&seed=7&motion=linear&"
                                   "variation=bent&clip-frames=5&num-clips=2&density=2.5");
    query = gst_query_new_uri();
    fail_unless(gst_element_query(src, query));
    gst_query_parse_uri(query, &again);
    fail_unless_equals_string(again, uri);
    g_free(again);
    gst_query_unref(query);

    /* A URI describes the whole stream: keys left out go back to their defaults. */
    fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(src), "fractal://seed=1", NULL));
    g_object_get(src, "class", &class_id, "motion", &motion, NULL);
    fail_unless_equals_int(class_id, 0);
    fail_unless_equals_int(motion, FV_MOTION_NONLINEAR);
    fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(src), uri, NULL));
    again = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
    fail_unless_equals_string(again, uri);
    g_free(again);
    g_free(uri);
    gst_object_unref(src);
}

GST_END_TEST;

GST_START_TEST(test_bad_fractal_uris_are_refused_with_clear_errors)
{
    static const struct {
        const gchar *uri;
        const gchar *says;
    } bad[] = {
        {"fractal://bogus=1", "unknown key \"bogus\""},
        {"fractal://class=abc", "not a valid class"},
        {"fractal://class=-2", "from -1 to 2147483647"},
        {"fractal://seed=-1", "not a valid seed"},
        {"fractal://motion=wobbly", "static, naive, linear, nonlinear"},
        {"fractal://variation=nope", "horseshoe"},
        {"fractal://density=0", "not a valid density"},
        {"fractal://class", "not a key=value pair"},
        {"http://example.com/", "http"},
    };
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);

    g_object_set(src, "class", 9, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        gint class_id;

        fail_if(gst_uri_handler_set_uri(GST_URI_HANDLER(src), bad[i].uri, &err), "%s accepted",
                bad[i].uri);
        fail_unless(err != NULL && err->domain == GST_URI_ERROR);
        fail_unless(strstr(err->message, bad[i].says) != NULL,
                    "error for %s does not say \"%s\": %s", bad[i].uri, bad[i].says, err->message);
        g_error_free(err);
        /* Nothing of a refused URI is applied. */
        g_object_get(src, "class", &class_id, NULL);
        fail_unless_equals_int(class_id, 9);
    }
    gst_object_unref(src);
}

GST_END_TEST;

static gchar *stream_id_of(const gchar *uri)
{
    GstHarness *h = gst_harness_new("fractalvidsrc");
    GstEvent *ev;
    const gchar *id = NULL;
    gchar *copy;

    fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(h->element), uri, NULL));
    gst_harness_set_sink_caps_str(h, "video/x-raw,width=16,height=16");
    g_object_set(h->element, "num-buffers", 1, "density", 0.1, NULL);
    gst_harness_play(h);
    ev = gst_harness_pull_event(h);
    fail_unless_equals_int(GST_EVENT_TYPE(ev), GST_EVENT_STREAM_START);
    gst_event_parse_stream_start(ev, &id);
    copy = g_strdup(id);
    gst_event_unref(ev);
    gst_harness_teardown(h);
    return copy;
}

GST_START_TEST(test_stream_id_is_deterministic_per_uri)
{
    gchar *a = stream_id_of("fractal://class=3&seed=7");
    gchar *b = stream_id_of("fractal://class=3&seed=7");
    gchar *c = stream_id_of("fractal://class=3&seed=8");

    fail_unless_equals_string(a, b);
    fail_if(g_str_equal(a, c));
    g_free(a);
    g_free(b);
    g_free(c);
}

GST_END_TEST;

/* ---- E1, E5: properties ---- */

/* Properties changed while playing leave the current clip alone and take effect at the
 * next clip boundary, with exactly the pixels the core renders for the new values. */
GST_START_TEST(test_property_changes_while_playing_apply_at_next_clip)
{
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc name=src class=1 "
                         "seed=1 density=1 num-clips=2 clip-frames=10 ! video/x-raw,format=GRAY8,"
                         "width=32,height=24,framerate=12/1 ! appsink name=sink sync=false "
                         "max-buffers=1",
                         NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    FvSettings before = fv_test_settings(1, 1, W, H, DENSITY);
    FvSettings after = fv_test_settings(5, 9, W, H, DENSITY);
    FvClip *clips[2];
    GstMessage *msg;

    before.clip_frames = after.clip_frames = 10;
    after.motion = FV_MOTION_LINEAR;
    after.variation = 16; /* fisheye */
    clips[0] = fv_test_render(&before, 0);
    clips[1] = fv_test_render(&after, 1);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    for (guint n = 0; n < 20; n++) {
        GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        GstBuffer *buf = gst_sample_get_buffer(sample);
        guint k = n / 10;
        guint8 *gray = fv_test_gray8(clips[k], n % 10);
        GstMapInfo map;

        if (n == 2)
            g_object_set(src, "class", 5, "seed", (guint64)9, "motion", FV_MOTION_LINEAR,
                         "variation", 16, NULL);
        fail_unless_equals_int64(fv_test_label_int64(buf, "class"), k ? 5 : 1);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "seed"), k ? 9 : 1);
        fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
        fail_unless(memcmp(map.data, gray, W * H) == 0, "frame %u differs", n);
        gst_buffer_unmap(buf, &map);
        g_free(gray);
        gst_sample_unref(sample);
    }
    msg = fv_test_wait_end(pipeline);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    fv_clip_free(&clips[0]);
    fv_clip_free(&clips[1]);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

typedef struct {
    GstElement *src;
    volatile gint stop;
} Hammer;

static gpointer hammer_properties(gpointer data)
{
    Hammer *hammer = data;
    guint i = 0;

    while (!g_atomic_int_get(&hammer->stop)) {
        g_object_set(hammer->src, "class", (gint)(i % 3), "seed", (guint64)i, "motion",
                     (gint)(i % FV_NUM_MOTIONS), "variation", (gint)(i % 5) - 1, "clip-frames",
                     3 + i % 4, "density", 0.5 + (i % 3) * 0.25, "threads", i % 3, NULL);
        i++;
        g_usleep(200);
    }
    return NULL;
}

/* Properties hammered from another thread while playing: no crash or deadlock, and every
 * clip stays consistent (one class and seed throughout, frames in order). */
GST_START_TEST(test_property_storm_while_playing_keeps_clips_consistent)
{
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc name=src density=1 "
                         "num-buffers=300 ! video/x-raw,format=GRAY8,width=32,height=24 ! "
                         "appsink name=sink sync=false max-buffers=4",
                         NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    Hammer hammer = {gst_bin_get_by_name(GST_BIN(pipeline), "src"), 0};
    GThread *thread;
    GstSample *sample;
    guint64 last_clip = G_MAXUINT64, expect_frame = 0;
    gint64 clip_class = 0;
    guint64 clip_seed = 0;
    guint count = 0;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    thread = g_thread_new("hammer", hammer_properties, &hammer);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstBuffer *buf = gst_sample_get_buffer(sample);
        guint64 clip = fv_test_label_uint64(buf, "clip");

        if (clip != last_clip) {
            fail_unless(last_clip == G_MAXUINT64 || clip == last_clip + 1);
            fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), 0);
            clip_class = fv_test_label_int64(buf, "class");
            clip_seed = fv_test_label_uint64(buf, "seed");
            last_clip = clip;
            expect_frame = 0;
        }
        fail_unless_equals_int64(fv_test_label_int64(buf, "class"), clip_class);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "seed"), clip_seed);
        fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), expect_frame);
        expect_frame++;
        count++;
        gst_sample_unref(sample);
    }
    g_atomic_int_set(&hammer.stop, 1);
    g_thread_join(thread);
    fail_unless_equals_int(count, 300);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(hammer.src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* E5: the thread count never changes a bit. */
GST_START_TEST(test_thread_count_does_not_change_pixels)
{
    gchar *digests[2];

    for (guint t = 0; t < 2; t++) {
        GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=64,height=48,"
                                    "framerate=12/1");
        GChecksum *sum = g_checksum_new(G_CHECKSUM_MD5);

        g_object_set(h->element, "threads", t + 1, "class", 7, "num-clips", 1, "density", 4.0,
                     NULL);
        gst_harness_play(h);
        for (guint n = 0; n < 18; n++) {
            GstBuffer *buf = gst_harness_pull(h);
            GstMapInfo map;
            fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
            g_checksum_update(sum, map.data, map.size);
            gst_buffer_unmap(buf, &map);
            gst_buffer_unref(buf);
        }
        digests[t] = g_strdup(g_checksum_get_string(sum));
        g_checksum_free(sum);
        gst_harness_teardown(h);
    }
    fail_unless_equals_string(digests[0], digests[1]);
    g_free(digests[0]);
    g_free(digests[1]);
}

GST_END_TEST;

/* Renegotiating to another size mid-clip continues the same clip and frame, re-rendered at
 * the new size. */
GST_START_TEST(test_renegotiation_continues_the_clip_at_the_new_size)
{
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc density=1 class=2 "
                         "num-clips=2 clip-frames=8 ! capsfilter name=filter caps=video/x-raw,"
                         "format=GRAY8,width=32,height=24 ! appsink name=sink sync=false "
                         "max-buffers=1",
                         NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstElement *filter = gst_bin_get_by_name(GST_BIN(pipeline), "filter");
    FvSettings small = fv_test_settings(2, 0, 32, 24, DENSITY);
    FvSettings big = fv_test_settings(2, 0, 48, 40, DENSITY);
    GstSample *sample;
    guint n = 0, big_frames = 0;

    small.clip_frames = big.clip_frames = 8;
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstBuffer *buf = gst_sample_get_buffer(sample);
        GstVideoInfo info;
        FvClip *clip;
        guint8 *gray;
        GstMapInfo map;

        fail_unless(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
        fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), n);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), n / 8);
        fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), n % 8);
        clip = fv_test_render(info.width == 48 ? &big : &small, n / 8);
        gray = fv_test_gray8(clip, n % 8);
        fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
        fail_unless_equals_int(map.size, info.width * info.height);
        fail_unless(memcmp(map.data, gray, map.size) == 0, "frame %u differs", n);
        gst_buffer_unmap(buf, &map);
        big_frames += info.width == 48;
        g_free(gray);
        fv_clip_free(&clip);
        gst_sample_unref(sample);

        if (n == 3) {
            GstCaps *caps = gst_caps_from_string("video/x-raw,format=GRAY8,"
                                                 "width=48,height=40");
            g_object_set(filter, "caps", caps, NULL);
            gst_caps_unref(caps);
        }
        n++;
    }
    fail_unless_equals_int(n, 16);
    /* The switch happened mid-clip (a few frames are in flight when it is asked for). */
    fail_unless(big_frames > 8 && big_frames <= 12, "%u frames at the new size", big_frames);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(filter);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* ---- E6: states ---- */

/* A thousand state changes in every order while streaming, half on a live source (whose
 * PAUSED does not preroll): no deadlock, no leak. Short clips at a high rate so clip
 * boundaries (tags, render-ahead) happen all the time. */
GST_START_TEST(test_thousand_state_changes_neither_leak_nor_deadlock)
{
    static const GstState states[] = {GST_STATE_NULL, GST_STATE_READY, GST_STATE_PAUSED,
                                      GST_STATE_PLAYING};
    GstElement *pipelines[2] = {
        gst_parse_launch("fractalvidsrc density=0.1 clip-frames=3 ! "
                         "video/x-raw,width=16,height=16 ! fakesink sync=false",
                         NULL),
        gst_parse_launch("fractalvidsrc is-live=true density=0.1 clip-frames=3 ! "
                         "video/x-raw,width=16,height=16,framerate=500/1 ! fakesink",
                         NULL),
    };
    GRand *rand = g_rand_new_with_seed(42);

    for (guint i = 0; i < 1000; i++) {
        GstElement *pipeline = pipelines[i % 2];
        GstState target = states[g_rand_int_range(rand, 0, 4)];
        GstStateChangeReturn ret;

        fail_if(gst_element_set_state(pipeline, target) == GST_STATE_CHANGE_FAILURE);
        ret = gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT);
        fail_unless(ret == GST_STATE_CHANGE_SUCCESS || ret == GST_STATE_CHANGE_NO_PREROLL,
                    "state change %u to %s did not complete", i,
                    gst_element_state_get_name(target));
        if (g_rand_boolean(rand))
            g_usleep(g_rand_int_range(rand, 0, 2000));
    }
    for (guint p = 0; p < 2; p++) {
        gst_element_set_state(pipelines[p], GST_STATE_NULL);
        gst_object_unref(pipelines[p]);
    }
    g_rand_free(rand);
}

GST_END_TEST;

/* Stopping while a clip is being rendered (and rendered ahead) waits for it cleanly. */
GST_START_TEST(test_stop_during_render_is_clean)
{
    GstElement *pipeline = gst_parse_launch("fractalvidsrc ! "
                                            "video/x-raw,width=96,height=96 ! fakesink sync=false",
                                            NULL);

    for (guint i = 0; i < 60; i++) {
        fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
        g_usleep(i * 500);
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                               GST_STATE_CHANGE_SUCCESS);
    }
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* Stopping while a big clip renders (seconds of work) cancels the render: the state change
 * returns within about a frame's lane, not after the whole clip. */
GST_START_TEST(test_stop_cancels_a_long_render)
{
    GstElement *pipeline = gst_parse_launch("fractalvidsrc ! "
                                            "video/x-raw,width=2048,height=2048 ! fakesink",
                                            NULL);
    gint64 asked;

    fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    g_usleep(300 * 1000);
    asked = g_get_monotonic_time();
    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
    fail_unless(g_get_monotonic_time() - asked < 2 * G_USEC_PER_SEC, "stopping took %.1f s",
                (g_get_monotonic_time() - asked) / 1e6);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static GstPadProbeReturn note_first_offset(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    gint64 *first = data;

    (void)pad;
    if (*first < 0)
        *first = (gint64)GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
}

/* A seek to another clip while the next clip renders ahead cancels that render: the seek
 * waits for one clip's render, not for two. Clips of one class take about equally long.
 * A seek to a frame's timestamp starts at that very frame (not the one before). */
GST_START_TEST(test_seek_cancels_the_render_ahead)
{
    GstElement *pipeline = gst_parse_launch("fractalvidsrc name=src class=0 clip-frames=10 ! "
                                            "video/x-raw,width=1536,height=1536 ! fakesink",
                                            NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(src, "src");
    gint64 started, preroll, seek, first_offset = 0;

    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, note_first_offset, &first_offset, NULL);

    started = g_get_monotonic_time();
    fail_if(gst_element_set_state(pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                GST_STATE_CHANGE_SUCCESS);
    preroll = g_get_monotonic_time() - started; /* clip 0; clip 1 now renders ahead */

    started = g_get_monotonic_time();
    first_offset = -1;
    fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                        GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                        gst_util_uint64_scale(100, GST_SECOND, 12)));
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                GST_STATE_CHANGE_SUCCESS);
    seek = g_get_monotonic_time() - started; /* clip 10 */
    fail_unless(seek < preroll * 3 / 2, "seek took %.2f s, a clip %.2f s", seek / 1e6,
                preroll / 1e6);
    fail_unless_equals_int64(first_offset, 100);

    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pad);
    gst_object_unref(src);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static Suite *fractalvidsrc_suite(void)
{
    Suite *s = suite_create("fractalvidsrc");
    TCase *tc = tcase_create("element");

    /* The thousand state changes and pixel comparisons need more than check's 20 s on a
     * loaded 2-core machine. */
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_template_lists_every_format_gray8_first);
    tcase_add_test(tc, test_open_caps_fixate_to_256x256_12fps_gray8);
    tcase_add_test(tc, test_every_format_carries_the_gray8_luma);
    tcase_add_test(tc, test_framerate_0_gives_one_still_frame_then_eos);
    tcase_add_test(tc, test_impossible_caps_error_names_asked_and_offered);
    tcase_add_test(tc, test_unallocatable_clip_fails_with_clear_error);
    tcase_add_test(tc, test_unallocatable_frame_fails_with_clear_error);
    tcase_add_test(tc, test_timestamps_durations_and_offsets);
    tcase_add_test(tc, test_live_frames_follow_the_clock_with_clip_latency);
    tcase_add_test(tc, test_duration_answered_when_bounded);
    tcase_add_test(tc, test_seek_gives_the_frames_of_sequential_playback);
    tcase_add_test(tc, test_first_clip_starts_the_stream_at_that_clip);
    tcase_add_test(tc, test_each_clip_starts_with_tags_and_every_frame_has_meta);
    tcase_add_test(tc, test_unlabeled_clips_draw_a_new_class_each);
    tcase_add_test(tc, test_fractal_uri_sets_properties_and_round_trips);
    tcase_add_test(tc, test_bad_fractal_uris_are_refused_with_clear_errors);
    tcase_add_test(tc, test_stream_id_is_deterministic_per_uri);
    tcase_add_test(tc, test_property_changes_while_playing_apply_at_next_clip);
    tcase_add_test(tc, test_property_storm_while_playing_keeps_clips_consistent);
    tcase_add_test(tc, test_thread_count_does_not_change_pixels);
    tcase_add_test(tc, test_renegotiation_continues_the_clip_at_the_new_size);
    tcase_add_test(tc, test_thousand_state_changes_neither_leak_nor_deadlock);
    tcase_add_test(tc, test_stop_during_render_is_clean);
    tcase_add_test(tc, test_stop_cancels_a_long_render);
    tcase_add_test(tc, test_seek_cancels_the_render_ahead);
    return s;
}

GST_CHECK_MAIN(fractalvidsrc);
