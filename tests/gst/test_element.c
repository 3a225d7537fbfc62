/* fractalvidsrc element tests (GstHarness, gstcheck). Each test checks one behaviour of the
 * contract (shared/spec/element.md) and names it; meson runs each as its own test with the
 * leaks tracer on, and gstcheck fails a test whose objects outlive it. Pixels are compared
 * with what the core renders directly for the same settings. */

#include "fvtest.h"

#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>

#include <sys/resource.h>

/* How long stopping a render may take, and how many state changes the storm test makes:
 * ThreadSanitizer makes every memory access and allocation many times slower (a stop frees
 * clips whose shadow memory it clears), so there the bound only says nothing hangs. */
#if defined(__SANITIZE_THREAD__)
#define STOP_BOUND_US (60 * G_USEC_PER_SEC)
#define STATE_CHANGES 200
#else
#define STOP_BOUND_US (2 * G_USEC_PER_SEC)
#define STATE_CHANGES 1000
#endif

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
        const GValue *par = gst_structure_get_value(s, "pixel-aspect-ratio");

        fail_unless(gst_structure_has_name(s, "video/x-raw"));
        /* From 1x1, any pixel aspect ratio, any colorimetry; progressive and mono only. */
        fail_unless_equals_int(FV_MIN_SIZE, 1);
        fail_unless_equals_int(gst_value_get_int_range_min(width), FV_MIN_SIZE);
        fail_unless_equals_int(gst_value_get_int_range_max(width), FV_MAX_SIZE);
        fail_unless(GST_VALUE_HOLDS_FRACTION_RANGE(par));
        fail_unless_equals_int(
            gst_value_get_fraction_numerator(gst_value_get_fraction_range_min(par)), 1);
        fail_unless_equals_int(
            gst_value_get_fraction_denominator(gst_value_get_fraction_range_min(par)), G_MAXINT);
        fail_unless_equals_string(gst_structure_get_string(s, "interlace-mode"), "progressive");
        fail_unless_equals_string(gst_structure_get_string(s, "multiview-mode"), "mono");
        fail_if(gst_structure_has_field(s, "colorimetry"));
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

/* Brightness v of the core's 8-bit frame as a component of a frame in range: v itself in
 * full range, 16 + v * 219 / 255 (rounded) in limited range (as gst_video_color_range_offsets
 * defines it). */
static guint expected8(guint v, GstVideoColorRange range)
{
    return range == GST_VIDEO_COLOR_RANGE_16_235 ? 16 + (v * 219 + 127) / 255 : v;
}

/* The same for the core's 16-bit frame: 4096..60160 in limited range. */
static guint expected16(guint v, GstVideoColorRange range)
{
    return range == GST_VIDEO_COLOR_RANGE_16_235 ? 4096 + (v * 56064 + 32767) / 65535 : v;
}

/* Fail unless vf holds frame n of clip: the brightness as luma (or R = G = B) in the frame's
 * range, neutral chroma, opaque alpha. */
static void check_frame_values(GstVideoFrame *vf, const FvClip *clip, guint n, const gchar *what)
{
    const GstVideoInfo *info = &vf->info;
    const GstVideoColorRange range = info->colorimetry.range;
    const guint w = GST_VIDEO_INFO_WIDTH(info), h = GST_VIDEO_INFO_HEIGHT(info);
    guint8 *gray = fv_test_gray8(clip, n);
    guint brightest = 0, core_brightest = 0;

    /* The range's black and white. */
    fail_unless_equals_int(expected8(0, GST_VIDEO_COLOR_RANGE_16_235), 16);
    fail_unless_equals_int(expected8(255, GST_VIDEO_COLOR_RANGE_16_235), 235);
    fail_unless_equals_int(expected16(65535, GST_VIDEO_COLOR_RANGE_16_235), 235 << 8);
    for (guint i = 0; i < w * h; i++)
        core_brightest = MAX(core_brightest, gray[i]);

    if (GST_VIDEO_INFO_FORMAT(info) == GST_VIDEO_FORMAT_GRAY16_LE) {
        guint16 *ref = g_new(guint16, w * h);
        fail_unless_equals_int(fv_clip_write_gray16(clip, n, ref, w * 2), 0);
        for (guint y = 0; y < h; y++) {
            const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(vf, 0) +
                                y * GST_VIDEO_FRAME_PLANE_STRIDE(vf, 0);
            for (guint x = 0; x < w; x++)
                fail_unless_equals_int(GST_READ_UINT16_LE(row + 2 * x),
                                       expected16(ref[y * w + x], range));
        }
        g_free(ref);
    } else if (GST_VIDEO_INFO_IS_YUV(info) || GST_VIDEO_INFO_IS_GRAY(info)) {
        for (guint y = 0; y < h; y++) {
            const guint8 *row =
                GST_VIDEO_FRAME_COMP_DATA(vf, 0) + y * GST_VIDEO_FRAME_COMP_STRIDE(vf, 0);
            for (guint x = 0; x < w; x++) {
                fail_unless(row[x] == expected8(gray[y * w + x], range),
                            "%s: luma %u at %u,%u, expected %u", what, row[x], x, y,
                            expected8(gray[y * w + x], range));
                brightest = MAX(brightest, row[x]);
            }
        }
        for (guint c = 1; c < GST_VIDEO_INFO_N_COMPONENTS(info); c++) {
            for (gint y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(vf, c); y++) {
                const guint8 *row =
                    GST_VIDEO_FRAME_COMP_DATA(vf, c) + y * GST_VIDEO_FRAME_COMP_STRIDE(vf, c);
                for (gint x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH(vf, c); x++)
                    fail_unless_equals_int(row[x * GST_VIDEO_FRAME_COMP_PSTRIDE(vf, c)], 128);
            }
        }
        fail_unless_equals_int(brightest, expected8(core_brightest, range));
    } else {
        for (guint y = 0; y < h; y++) {
            for (guint x = 0; x < w; x++) {
                for (guint c = 0; c < GST_VIDEO_INFO_N_COMPONENTS(info); c++) {
                    const guint8 *px = GST_VIDEO_FRAME_COMP_DATA(vf, c) +
                                       y * GST_VIDEO_FRAME_COMP_STRIDE(vf, c) +
                                       x * GST_VIDEO_FRAME_COMP_PSTRIDE(vf, c);
                    fail_unless_equals_int(
                        *px, c == GST_VIDEO_COMP_A ? 255 : expected8(gray[y * w + x], range));
                }
            }
        }
    }
    g_free(gray);
}

/* Pull frames frames of class 2, seed 5 at w x h as caps_str asks, check each against the
 * core's frame; return the negotiated caps (unref them). */
static GstCaps *pull_and_check(const gchar *caps_str, guint w, guint h_px, guint frames,
                               gboolean video_meta)
{
    FvSettings s = fv_test_settings(2, 5, w, h_px, 2.0);
    FvClip *clip = fv_test_render(&s, 0);
    GstHarness *h = new_harness(caps_str);
    GstCaps *caps = NULL;

    g_object_set(h->element, "class", 2, "seed", (guint64)5, "density", 2.0, "num-buffers",
                 (gint)frames, NULL);
    /* Downstream taking GstVideoMeta or not: same pixels either way. */
    if (video_meta)
        gst_harness_add_propose_allocation_meta(h, GST_VIDEO_META_API_TYPE, NULL);
    gst_harness_play(h);
    for (guint n = 0; n < frames; n++) {
        GstBuffer *buf = gst_harness_pull(h);
        GstVideoInfo info;
        GstVideoFrame vf;

        if (!caps)
            caps = gst_pad_get_current_caps(h->sinkpad);
        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless(gst_video_frame_map(&vf, &info, buf, GST_MAP_READ));
        check_frame_values(&vf, clip, n, caps_str);
        gst_video_frame_unmap(&vf);
        gst_buffer_unref(buf);
    }
    gst_harness_teardown(h);
    fv_clip_free(&clip);
    return caps;
}

/* Every format carries the core's brightness: GRAY8 and GRAY16_LE as the core's frames, YUV
 * as luma with neutral chroma, RGB as R = G = B with opaque alpha. Left open, the range is
 * what GStreamer assumes: limited for YUV (as videotestsrc), full for gray and RGB. An odd
 * size checks subsampled planes and strides. */
GST_START_TEST(test_every_format_carries_the_core_brightness)
{
    const gchar *formats[] = {"GRAY8", "I420", "NV12", "Y444", "RGBA", "BGRA", "ARGB",     "ABGR",
                              "RGBx",  "BGRx", "xRGB", "xBGR", "RGB",  "BGR",  "GRAY16_LE"};

    for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
        gchar *caps_str =
            g_strdup_printf("video/x-raw,format=%s,width=37,height=23,framerate=12/1", formats[f]);
        GstCaps *caps = pull_and_check(caps_str, 37, 23, 3, f % 2);
        GstVideoInfo info;

        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless_equals_string(GST_VIDEO_INFO_NAME(&info), formats[f]);
        fail_unless_equals_int(info.colorimetry.range, GST_VIDEO_INFO_IS_YUV(&info)
                                                           ? GST_VIDEO_COLOR_RANGE_16_235
                                                           : GST_VIDEO_COLOR_RANGE_0_255);
        gst_caps_unref(caps);
        g_free(caps_str);
    }
}

GST_END_TEST;

/* Downstream's colorimetry is taken as asked, and the values follow its range: limited
 * (16..235, neutral chroma 128) for bt601, bt709, bt2020 and limited RGB, full range when
 * asked. sRGB on YUV is not a YUV colorimetry: GStreamer reads it as its default, and so do
 * the values. */
GST_START_TEST(test_each_colorimetry_gives_its_range_and_values)
{
    static const struct {
        const gchar *format, *colorimetry;
        GstVideoColorRange range;
    } cases[] = {
        {"I420", "bt601", GST_VIDEO_COLOR_RANGE_16_235},
        {"I420", "bt709", GST_VIDEO_COLOR_RANGE_16_235},
        {"NV12", "bt2020", GST_VIDEO_COLOR_RANGE_16_235},
        {"Y444", "sRGB", GST_VIDEO_COLOR_RANGE_16_235},
        {"I420", "1:4:0:0", GST_VIDEO_COLOR_RANGE_0_255}, /* full-range bt601 */
        {"Y444", "1:3:5:1", GST_VIDEO_COLOR_RANGE_0_255}, /* full-range bt709 */
        {"RGBA", "sRGB", GST_VIDEO_COLOR_RANGE_0_255},
        {"BGRx", "bt709", GST_VIDEO_COLOR_RANGE_16_235},
        {"GRAY8", "bt709", GST_VIDEO_COLOR_RANGE_16_235},
        {"GRAY16_LE", "bt601", GST_VIDEO_COLOR_RANGE_16_235},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gchar *caps_str = g_strdup_printf("video/x-raw,format=%s,colorimetry=%s,width=32,"
                                          "height=24,framerate=12/1",
                                          cases[i].format, cases[i].colorimetry);
        GstCaps *caps = pull_and_check(caps_str, 32, 24, 2, FALSE);
        GstVideoInfo info;

        fail_unless_equals_string(
            gst_structure_get_string(gst_caps_get_structure(caps, 0), "colorimetry"),
            cases[i].colorimetry);
        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless_equals_int(info.colorimetry.range, cases[i].range);
        gst_caps_unref(caps);
        g_free(caps_str);
    }
}

GST_END_TEST;

/* Fixation takes downstream's order of formats: the first one it lists that we offer. */
GST_START_TEST(test_fixation_follows_downstream_format_order)
{
    static const struct {
        const gchar *asked, *format;
    } cases[] = {
        {"format={Y444,NV12,I420}", "Y444"},
        {"format={NV12,GRAY8}", "NV12"},
        {"format={YUY2,BGRx,GRAY8}", "BGRx"},
        {"format={GRAY16_LE,I420}", "GRAY16_LE"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gchar *caps_str = g_strdup_printf("video/x-raw,%s,width=32,height=24", cases[i].asked);
        GstHarness *h = new_harness(caps_str);
        GstCaps *caps;
        GstVideoInfo info;

        g_object_set(h->element, "num-buffers", 1, "density", DENSITY, NULL);
        gst_harness_play(h);
        gst_buffer_unref(gst_harness_pull(h));
        caps = gst_pad_get_current_caps(h->sinkpad);
        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless_equals_string(GST_VIDEO_INFO_NAME(&info), cases[i].format);
        gst_caps_unref(caps);
        gst_harness_teardown(h);
        g_free(caps_str);
    }
}

GST_END_TEST;

/* Any size from 1x1: the core's frames, subsampled chroma planes included. */
GST_START_TEST(test_sizes_down_to_1x1)
{
    static const struct {
        const gchar *format;
        guint w, h;
    } cases[] = {
        {"GRAY8", 1, 1}, {"I420", 1, 1}, {"NV12", 1, 1}, {"RGBA", 1, 1},
        {"I420", 3, 1},  {"NV12", 1, 3}, {"Y444", 2, 5}, {"GRAY16_LE", 1, 2},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gchar *caps_str = g_strdup_printf("video/x-raw,format=%s,width=%u,height=%u,framerate=12/1",
                                          cases[i].format, cases[i].w, cases[i].h);
        GstCaps *caps = pull_and_check(caps_str, cases[i].w, cases[i].h, 4, i % 2);
        GstVideoInfo info;

        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless_equals_int(info.width, cases[i].w);
        fail_unless_equals_int(info.height, cases[i].h);
        gst_caps_unref(caps);
        g_free(caps_str);
    }
}

GST_END_TEST;

/* Any pixel aspect ratio is taken and kept in the caps; the fractal fills the frame whatever
 * its shape, so the pixels are those of square pixels. */
GST_START_TEST(test_any_pixel_aspect_ratio)
{
    static const gint pars[][2] = {{16, 15}, {64, 45}, {1, 3}, {7, 1}};

    for (guint i = 0; i < G_N_ELEMENTS(pars); i++) {
        gchar *caps_str = g_strdup_printf("video/x-raw,format=I420,width=36,height=24,"
                                          "framerate=12/1,pixel-aspect-ratio=%d/%d",
                                          pars[i][0], pars[i][1]);
        GstCaps *caps = pull_and_check(caps_str, 36, 24, 2, FALSE);
        GstVideoInfo info;

        fail_unless(gst_video_info_from_caps(&info, caps));
        fail_unless_equals_int(info.par_n, pars[i][0]);
        fail_unless_equals_int(info.par_d, pars[i][1]);
        gst_caps_unref(caps);
        g_free(caps_str);
    }
}

GST_END_TEST;

/* Frames are progressive and mono: interlaced or stereo caps cannot be met, and the error
 * says so (E6). */
GST_START_TEST(test_interlaced_and_stereo_caps_are_refused)
{
    const gchar *asked[] = {"video/x-raw,interlace-mode=interleaved",
                            "video/x-raw,interlace-mode=mixed",
                            "video/x-raw,multiview-mode=side-by-side"};
    const gchar *named[] = {"interleaved", "mixed", "side-by-side"};

    for (guint i = 0; i < G_N_ELEMENTS(asked); i++) {
        GstElement *pipeline = gst_parse_launch("fractalvidsrc density=0.2 ! "
                                                "capsfilter name=filter ! fakesink",
                                                NULL);
        GstElement *filter = gst_bin_get_by_name(GST_BIN(pipeline), "filter");
        GstCaps *caps = gst_caps_from_string(asked[i]);
        GstMessage *msg;
        GError *err = NULL;

        g_object_set(filter, "caps", caps, NULL);
        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        msg = fv_test_wait_end(pipeline);
        fail_unless_equals_int(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
        gst_message_parse_error(msg, &err, NULL);
        fail_unless(g_error_matches(err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION), "%s",
                    err->message);
        fail_unless(strstr(err->message, named[i]) && strstr(err->message, "progressive") &&
                        strstr(err->message, "mono"),
                    "error does not say what was asked and what is offered: %s", err->message);
        g_error_free(err);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_message_unref(msg);
        gst_caps_unref(caps);
        gst_object_unref(filter);
        gst_object_unref(pipeline);
    }
}

GST_END_TEST;

/* normalization=frame: every frame is the core's frame tone mapped by its own brightest pixel
 * (each one has a 255), labelled so. */
GST_START_TEST(test_frame_normalization_gives_the_core_frames)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=40,height=30,framerate=12/1");
    FvSettings s = fv_test_settings(2, 3, 40, 30, 2.0);
    FvRenderer *renderer = NULL;
    FvClip *clip = NULL;
    guint frames, n = 0;

    s.normalization = FV_NORMALIZATION_FRAME;
    frames = fv_clip_frame_count(&s, 0) + fv_clip_frame_count(&s, 1);
    fail_unless_equals_int(fv_renderer_open(&renderer, 1), 0);
    fail_unless_equals_int(fv_clip_new(&clip), 0);
    g_object_set(h->element, "class", 2, "seed", (guint64)3, "density", 2.0, "normalization",
                 FV_NORMALIZATION_FRAME, "num-clips", 2, NULL);
    gst_harness_play(h);
    for (guint64 k = 0; k < 2; k++) {
        for (guint f = 0; f < fv_clip_frame_count(&s, k); f++, n++) {
            GstBuffer *buf = gst_harness_pull(h);
            guint8 gray[40 * 30];
            GstMapInfo map;
            guint brightest = 0;

            fail_unless_equals_int(fv_render_frame(renderer, &s, k, f, clip), 0);
            fail_unless_equals_int(fv_clip_write_gray8(clip, f, gray, 40), 0);
            fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
            fail_unless(memcmp(map.data, gray, sizeof(gray)) == 0, "clip %u frame %u differs",
                        (guint)k, f);
            for (gsize i = 0; i < map.size; i++)
                brightest = MAX(brightest, map.data[i]);
            fail_unless_equals_int(brightest, 255);
            gst_buffer_unmap(buf, &map);
            fail_unless_equals_string(
                gst_structure_get_string(fv_test_labels(buf), "normalization"), "frame");
            fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), k);
            fail_unless_equals_int(fv_test_label_uint(buf, "frame-in-clip"), f);
            gst_buffer_unref(buf);
        }
    }
    fail_unless_equals_int(n, frames);
    fv_clip_free(&clip);
    fv_renderer_close(&renderer);
    gst_harness_teardown(h);
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
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_message_unref(msg);
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
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_message_unref(msg);
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

/* Live: a frame is pushed only when the clock reaches its PTS, and the latency answered is
 * one frame period: clips are rendered ahead, the first one before PLAYING. */
GST_START_TEST(test_live_frames_follow_the_clock_with_one_frame_latency)
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
        GstClockID id, processed;
        GstClockTime pts = n * GST_SECOND / 10;
        GstBuffer *buf;

        gst_test_clock_wait_for_next_pending_id(clock, &id);
        /* Frame n waits for its own time, and nothing was pushed ahead of the clock. */
        fail_unless_equals_uint64(gst_clock_id_get_time(id), pts);
        fail_unless_equals_int(gst_harness_buffers_received(h), n);
        gst_test_clock_set_time(clock, pts);
        processed = gst_test_clock_process_next_clock_id(clock); /* a reference of its own */
        fail_unless(processed == id);
        gst_clock_id_unref(processed);
        gst_clock_id_unref(id);
        buf = gst_harness_pull(h);
        fail_unless_equals_uint64(GST_BUFFER_PTS(buf), pts);
        gst_buffer_unref(buf);
    }

    query = gst_query_new_latency();
    fail_unless(gst_element_query(h->element, query));
    gst_query_parse_latency(query, &live, &min, &max);
    fail_unless(live);
    /* One frame at 10/1, not the clip of four. */
    fail_unless_equals_uint64(min, GST_SECOND / 10);
    fail_unless(max == GST_CLOCK_TIME_NONE || max >= min);
    gst_query_unref(query);
    gst_object_unref(clock);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* Live, behind the clock: the next frame is the one due now; the frames in between are
 * skipped, never pushed late, and a QoS message counts them. Timestamps stay on the grid.
 * (One frame per second: rendering these tiny clips takes far less than a frame period, even
 * on a busy machine, so the skip aims at the frame due now, not past a render.) */
GST_START_TEST(test_live_skips_late_frames_and_says_so_in_qos)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                "framerate=1/1");
    const guint64 offsets[] = {0, 1, 2, 10, 11};
    const GstClockTime period = GST_SECOND;
    FvSettings s = fv_test_settings(0, 0, W, H, DENSITY);
    GstBus *bus = gst_bus_new();
    GstTestClock *clock;
    GstMessage *msg;
    gboolean live;
    GstClockTime running_time, stream_time, timestamp, duration;
    GstFormat format;
    guint64 processed, dropped;

    s.clip_frames = 4;
    g_object_set(h->element, "is-live", TRUE, "clip-frames", 4, "density", DENSITY, NULL);
    gst_element_set_bus(h->element, bus);
    gst_harness_use_testclock(h);
    clock = gst_harness_get_testclock(h);
    gst_harness_play(h);

    for (guint i = 0; i < G_N_ELEMENTS(offsets); i++) {
        const GstClockTime pts = offsets[i] * period;
        GstClockID id, next;
        GstBuffer *buf;
        FvClip *clip = fv_test_render(&s, offsets[i] / 4);
        guint8 *gray = fv_test_gray8(clip, offsets[i] % 4);
        GstMapInfo map;

        gst_test_clock_wait_for_next_pending_id(clock, &id);
        fail_unless_equals_uint64(gst_clock_id_get_time(id), pts);
        /* After frame 2, the clock jumps to 10.5 s: frame 10 is due. */
        gst_test_clock_set_time(clock, i == 2 ? 10 * period + period / 2
                                              : MAX(pts, gst_clock_get_time(GST_CLOCK(clock))));
        next = gst_test_clock_process_next_clock_id(clock); /* a reference of its own */
        fail_unless(next == id);
        gst_clock_id_unref(next);
        gst_clock_id_unref(id);
        buf = gst_harness_pull(h);
        fail_unless_equals_uint64(GST_BUFFER_PTS(buf), pts);
        fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), offsets[i]);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "frame"), offsets[i]);
        fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
        fail_unless(memcmp(map.data, gray, W * H) == 0, "frame %u differs", (guint)offsets[i]);
        gst_buffer_unmap(buf, &map);
        gst_buffer_unref(buf);
        g_free(gray);
        fv_clip_free(&clip);
    }

    /* One QoS message: frames 3..9 skipped, 3 frames out before them. */
    msg = gst_bus_pop_filtered(bus, GST_MESSAGE_QOS);
    fail_unless(msg != NULL, "no QoS message");
    gst_message_parse_qos(msg, &live, &running_time, &stream_time, &timestamp, &duration);
    fail_unless(live);
    fail_unless_equals_uint64(timestamp, 3 * period);
    fail_unless_equals_uint64(running_time, 3 * period);
    fail_unless_equals_uint64(duration, 7 * period);
    gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
    fail_unless_equals_int(format, GST_FORMAT_BUFFERS);
    fail_unless_equals_uint64(processed, 3);
    fail_unless_equals_uint64(dropped, 7);
    gst_message_unref(msg);
    fail_unless(gst_bus_pop_filtered(bus, GST_MESSAGE_QOS) == NULL);

    gst_element_set_bus(h->element, NULL);
    gst_object_unref(bus);
    gst_object_unref(clock);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* How long clips 0 .. clips - 1 of s take to render here and now, in a fresh renderer (so
 * the first one checks its class): the first, and the least and most of the others. */
static void time_renders(const FvSettings *s, guint64 clips, gint64 *first, gint64 *least,
                         gint64 *most)
{
    FvRenderer *renderer = NULL;
    FvClip *clip = NULL;

    *least = G_MAXINT64;
    *most = 0;
    fail_unless_equals_int(fv_renderer_open(&renderer, 0), 0);
    fail_unless_equals_int(fv_clip_new(&clip), 0);
    for (guint64 k = 0; k < clips; k++) {
        const gint64 started = g_get_monotonic_time();
        gint64 took;

        fail_unless_equals_int(fv_render_clip(renderer, s, k, clip), 0);
        took = g_get_monotonic_time() - started;
        if (k == 0) {
            *first = took;
            continue;
        }
        *least = MIN(*least, took);
        *most = MAX(*most, took);
    }
    fv_clip_free(&clip);
    fv_renderer_close(&renderer);
}

/* How long a live pipeline takes from READY to PAUSED, in microseconds. */
static gint64 time_to_paused(GstElement *pipeline)
{
    const gint64 started = g_get_monotonic_time();

    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_PAUSED),
                           GST_STATE_CHANGE_NO_PREROLL);
    return g_get_monotonic_time() - started;
}

/* PLAYING, the first buffer (frame 0) at the appsink "sink", then NULL; drops both refs. */
static void play_first_frame_then_stop(GstElement *pipeline, GstElement *sink)
{
    GstSample *sample;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    fail_unless(sample != NULL);
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(gst_sample_get_buffer(sample)), 0);
    gst_sample_unref(sample);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

/* Live: READY to PAUSED renders the first clip, so at PLAYING the first frame goes out at
 * once, at its own time 0, even at a rate whose frame period is shorter than the render
 * (else the stream would start late, its timestamps shifted by the render). */
GST_START_TEST(test_live_first_clip_is_rendered_before_playing)
{
    FvSettings s = fv_test_settings(1, 0, 384, 384, FV_DEFAULT_DENSITY);
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc is-live=true class=1 clip-frames=6 ! "
                         "video/x-raw,format=GRAY8,width=384,height=384,framerate=100/1 ! "
                         "appsink name=sink sync=false",
                         NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    gint64 render, least, most, paused;
    GstSample *sample;
    GstBuffer *buf;

    /* How long the clip takes to render here and now. */
    s.clip_frames = 6;
    time_renders(&s, 1, &render, &least, &most);
    paused = time_to_paused(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    fail_unless(sample != NULL);
    buf = gst_sample_get_buffer(sample);
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), 0);
    g_print("clip rendered in %.0f ms, READY to PAUSED took %.0f ms, first PTS %" GST_TIME_FORMAT
            "\n",
            render / 1e3, paused / 1e3, GST_TIME_ARGS(GST_BUFFER_PTS(buf)));
    /* The state change waited for the render (a second at most: on a machine too
     * loaded to render in time, nothing can be said). */
    if (paused < G_USEC_PER_SEC / 5) {
        fail_unless(paused * 2 > render, "READY to PAUSED did not wait for the first clip");
        fail_unless(GST_BUFFER_PTS(buf) * 2 < (GstClockTime)render * 1000,
                    "the first frame was not ready at PLAYING");
    }
    gst_sample_unref(sample);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* A live 512x512 pipeline of class 1's 6-frame clips, render-ahead=ahead, whose clips play
 * for plays microseconds; its sink is "sink". */
static GstElement *live_clips_playing_for(guint ahead, gint64 plays)
{
    gchar *launch = g_strdup_printf(
        "fractalvidsrc is-live=true class=1 clip-frames=6 render-ahead=%u ! "
        "video/x-raw,format=GRAY8,width=512,height=512,"
        "framerate=%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " ! appsink name=sink sync=false",
        ahead, (gint64)6 * G_USEC_PER_SEC, plays);
    GstElement *pipeline = gst_parse_launch(launch, NULL);

    g_free(launch);
    return pipeline;
}

/* CPU time the process uses in the next 100 ms, in microseconds: the element's render
 * threads are busy, or idle. A busy host can take time from them but never adds any. */
static gint64 cpu_used_in_the_next_100_ms(void)
{
    struct timespec t0, t1;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    g_usleep(G_USEC_PER_SEC / 10);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    return (t1.tv_sec - t0.tv_sec) * G_USEC_PER_SEC + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

/* READY to PAUSED of live_clips_playing_for(ahead, plays) returns once the clips ahead are
 * rendered too: after it, nothing is left to render until the stream plays, and the render
 * threads are idle (without the wait, they go on rendering the clips ahead; each of these
 * clips takes tens of milliseconds of CPU). On a machine too loaded to render them within
 * the second the state change waits at most (longest, the first clip and the clips ahead at
 * their slowest, from time_renders), nothing can be said. */
static void check_paused_waits_for_the_clips_ahead(guint ahead, gint64 plays, gint64 longest)
{
    GstElement *pipeline = live_clips_playing_for(ahead, plays);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    const gint64 paused = time_to_paused(pipeline);
    const gint64 used = cpu_used_in_the_next_100_ms();

    g_print("READY to PAUSED took %.0f ms; the 100 ms after, the process used %.1f ms of CPU\n",
            paused / 1e3, used / 1e3);
    if (longest < G_USEC_PER_SEC * 3 / 4)
        fail_unless(used < 10000, "READY to PAUSED did not wait for the clips rendered ahead: "
                                  "%.1f ms of CPU after it", used / 1e3);
    play_first_frame_then_stop(pipeline, sink);
}

/* Live, a first clip slow for its play time: READY to PAUSED also waits for the clips
 * rendered ahead (render-ahead of them in all), so a slower clip right after the first one
 * is not late at PLAYING. Here a clip plays for 6 ms and renders in tens. */
GST_START_TEST(test_live_slow_first_clip_waits_for_the_clips_ahead)
{
    FvSettings s = fv_test_settings(1, 0, 512, 512, FV_DEFAULT_DENSITY);
    gint64 first, least, most;

    /* How long the first clip (a fresh renderer checks the class) and the next three take
     * to render here and now. */
    s.clip_frames = 6;
    time_renders(&s, 4, &first, &least, &most);
    g_print("first clip rendered in %.0f ms, the next in %.0f to %.0f ms\n", first / 1e3,
            least / 1e3, most / 1e3);
    check_paused_waits_for_the_clips_ahead(4, 6 * G_USEC_PER_SEC / 1000, first + 3 * most);
}

GST_END_TEST;

/* Live, a first clip that took a fifth of its play time: READY to PAUSED waits for the clips
 * rendered ahead too, since a clip of a slower variation may take several times as long (a
 * quarter was the bound before: the clip after a fast first one came late at 1280x720). The
 * frame rate makes a clip play five times as long as the first one took to render here. */
GST_START_TEST(test_live_first_clip_a_fifth_of_its_play_time_waits_for_the_clips_ahead)
{
    FvSettings s = fv_test_settings(1, 0, 512, 512, FV_DEFAULT_DENSITY);
    gint64 first, least, most;

    s.clip_frames = 6;
    time_renders(&s, 3, &first, &least, &most);
    g_print("first clip rendered in %.0f ms, the next in %.0f to %.0f ms, a clip plays %.0f ms\n",
            first / 1e3, least / 1e3, most / 1e3, 5 * first / 1e3);
    check_paused_waits_for_the_clips_ahead(2, 5 * first, first + 2 * most);
}

GST_END_TEST;

/* The latencies the element answered, each asked the moment it posted a latency message:
 * in the posting thread (a bus sync handler), since by the time the application pops the
 * message the latency may have grown again (two growths would then read as one, twice). */
typedef struct {
    GMutex lock;
    GstElement *src;
    GArray *latencies; /* GstClockTime */
} LatenciesPosted;

static GstBusSyncReply record_latency_posted(GstBus *bus, GstMessage *msg, gpointer data)
{
    LatenciesPosted *posted = data;

    (void)bus;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_LATENCY &&
        GST_MESSAGE_SRC(msg) == GST_OBJECT(posted->src)) {
        GstQuery *query = gst_query_new_latency();
        GstClockTime min = GST_CLOCK_TIME_NONE;

        if (gst_element_query(posted->src, query))
            gst_query_parse_latency(query, NULL, &min, NULL);
        gst_query_unref(query);
        g_mutex_lock(&posted->lock);
        g_array_append_val(posted->latencies, min);
        g_mutex_unlock(&posted->lock);
    }
    return GST_BUS_PASS;
}

/* Live, rendering slower than real time: the latency grows only by measured render overrun,
 * at least doubling each time and to a few frame periods at most, so it is re-posted a few
 * times, not for every slow unit; beyond, frames are skipped. */
GST_START_TEST(test_live_latency_grows_rarely_and_stays_bounded)
{
    GstElement *pipeline = gst_parse_launch(
        "fractalvidsrc name=src is-live=true normalization=frame num-buffers=60 ! "
        "video/x-raw,format=GRAY8,width=128,height=128,framerate=1000/1 ! fakesink",
        NULL);
    GstBus *bus = gst_element_get_bus(pipeline);
    const GstClockTime period = GST_MSECOND;
    LatenciesPosted posted = {.src = gst_bin_get_by_name(GST_BIN(pipeline), "src"),
                              .latencies = g_array_new(FALSE, FALSE, sizeof(GstClockTime))};
    GstMessage *msg;

    g_mutex_init(&posted.lock);
    gst_bus_set_sync_handler(bus, record_latency_posted, &posted, NULL);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered(bus, FV_TEST_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless(msg != NULL && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS);
    gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);

    g_mutex_lock(&posted.lock);
    /* 1, then at most 2, 3 or 4, then 4, 5 periods: four messages at most. */
    fail_unless(posted.latencies->len >= 1 && posted.latencies->len <= 4, "%u latency messages",
                posted.latencies->len);
    for (guint i = 0; i < posted.latencies->len; i++) {
        const GstClockTime min = g_array_index(posted.latencies, GstClockTime, i);
        const GstClockTime last = i > 0 ? g_array_index(posted.latencies, GstClockTime, i - 1) : 0;

        g_print("latency message %u: %" GST_TIME_FORMAT "\n", i, GST_TIME_ARGS(min));

        /* The first message is the frame period (caps); each one after it grew. */
        fail_unless(i == 0 ? min == period : min > last,
                    "latency %" GST_TIME_FORMAT " after %" GST_TIME_FORMAT, GST_TIME_ARGS(min),
                    GST_TIME_ARGS(last));
        fail_unless(min <= 5 * period, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS(min));
    }
    g_mutex_unlock(&posted.lock);
    gst_bus_set_sync_handler(bus, NULL, NULL, NULL);
    g_mutex_clear(&posted.lock);
    g_array_unref(posted.latencies);
    gst_object_unref(bus);
    gst_object_unref(posted.src);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* Collect the density label of count frames of a live stream far too fast to render. */
static GArray *live_densities(gboolean adaptive, guint count)
{
    gchar *launch =
        g_strdup_printf("fractalvidsrc is-live=true class=1 adaptive-density=%s ! "
                        "video/x-raw,format=GRAY8,width=256,height=256,framerate=2000/1 ! "
                        "appsink name=sink sync=false",
                        adaptive ? "true" : "false");
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GArray *densities = g_array_new(FALSE, FALSE, sizeof(gdouble));

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while (densities->len < count) {
        GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        gdouble density = 0;

        fail_unless(sample != NULL);
        fail_unless(gst_structure_get_double(fv_test_labels(gst_sample_get_buffer(sample)),
                                             "density", &density));
        g_array_append_val(densities, density);
        gst_sample_unref(sample);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    g_free(launch);
    return densities;
}

/* adaptive-density trades density for time when rendering cannot keep up (and says which
 * density in every frame's labels); without it, the density stays the property's. */
GST_START_TEST(test_adaptive_density_trades_density_for_time)
{
    GArray *fixed = live_densities(FALSE, 30), *adapted = live_densities(TRUE, 30);
    gdouble lowest = FV_DEFAULT_DENSITY;

    for (guint i = 0; i < fixed->len; i++)
        fail_unless_equals_float(g_array_index(fixed, gdouble, i), FV_DEFAULT_DENSITY);
    /* The first clip renders before anything is measured: the property's density. */
    fail_unless_equals_float(g_array_index(adapted, gdouble, 0), FV_DEFAULT_DENSITY);
    for (guint i = 0; i < adapted->len; i++) {
        gdouble d = g_array_index(adapted, gdouble, i);
        fail_unless(d >= FV_MIN_DENSITY && d <= FV_DEFAULT_DENSITY, "density %g", d);
        lowest = MIN(lowest, d);
    }
    /* A 20-frame clip plays in 10 ms at 2000 fps: no machine renders it at full density. */
    fail_unless(lowest < FV_DEFAULT_DENSITY / 2, "density never went below %g", lowest);
    g_array_unref(fixed);
    g_array_unref(adapted);
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

/* Play pipeline from where it is to EOS, collecting every frame. */
static GArray *collect_frames(GstElement *pipeline)
{
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GArray *frames = g_array_new(FALSE, TRUE, sizeof(Frame));
    GstSample *sample;

    g_array_set_clear_func(frames, (GDestroyNotify)frame_clear);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        Frame f;
        read_sample(sample, &f);
        g_array_append_val(frames, f);
        gst_sample_unref(sample);
    }
    gst_object_unref(sink);
    return frames;
}

/* A flushing, accurate seek in PAUSED that must be accepted. */
static void seek_or_fail(GstElement *pipeline, gdouble rate, GstFormat format,
                         GstSeekType start_type, gint64 start, GstSeekType stop_type, gint64 stop)
{
    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) !=
                GST_STATE_CHANGE_FAILURE);
    fail_unless(gst_element_seek(pipeline, rate, format,
                                 GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, start_type, start,
                                 stop_type, stop));
}

/* Fail unless got holds the frames of want from first, count of them, in order (step 1) or
 * reversed (step -1). */
static void check_same_frames(GArray *got, GArray *want, guint first, guint count, gint step)
{
    fail_unless_equals_int(got->len, count);
    for (guint i = 0; i < count; i++) {
        const Frame *g = &g_array_index(got, Frame, i);
        const Frame *w = &g_array_index(want, Frame, (gint)first + step * (gint)i);

        fail_unless_equals_uint64(g->pts, w->pts);
        fail_unless_equals_uint64(g->clip, w->clip);
        fail_unless_equals_int(g->frame_in_clip, w->frame_in_clip);
        fail_unless_equals_string(g->md5, w->md5);
    }
}

/* Rate -1: the frames of forward playback, bit for bit, last first, each with its own
 * timestamp; from the end, or from a stop mid-stream (E3, E5). Both normalizations. */
GST_START_TEST(test_reverse_playback_gives_the_forward_frames_reversed)
{
    for (gint normalization = 0; normalization < FV_NUM_NORMALIZATIONS; normalization++) {
        gchar *launch = g_strdup_printf(
            "fractalvidsrc class=-1 seed=3 num-clips=3 density=1 normalization=%s ! "
            "video/x-raw,format=GRAY8,width=32,height=32,framerate=12/1 ! "
            "appsink name=sink sync=false",
            fv_normalization_name(normalization));
        GstElement *pipeline = gst_parse_launch(launch, NULL);
        GArray *forward = collect_frames(pipeline), *backward;
        const guint n = forward->len;

        fail_unless(n >= 54);
        /* From the end (the stop is the duration). */
        seek_or_fail(pipeline, -1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_NONE, -1);
        backward = collect_frames(pipeline);
        check_same_frames(backward, forward, n - 1, n, -1);
        g_array_unref(backward);

        /* From a stop mid-frame 25 (frame 25 starts before it): 25, 24, ... 0. */
        seek_or_fail(pipeline, -1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_SET,
                     g_array_index(forward, Frame, 25).pts + GST_SECOND / 48);
        backward = collect_frames(pipeline);
        check_same_frames(backward, forward, 25, 26, -1);
        g_array_unref(backward);

        /* A segment in the middle, backwards: stop at frame 40's time, start at frame 30's. */
        seek_or_fail(pipeline, -1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET,
                     g_array_index(forward, Frame, 30).pts, GST_SEEK_TYPE_SET,
                     g_array_index(forward, Frame, 40).pts);
        backward = collect_frames(pipeline);
        check_same_frames(backward, forward, 39, 10, -1);
        g_array_unref(backward);

        gst_element_set_state(pipeline, GST_STATE_NULL);
        g_array_unref(forward);
        gst_object_unref(pipeline);
        g_free(launch);
    }
}

GST_END_TEST;

/* Seeks relative to the end work when the duration is known, in time and in frames. */
GST_START_TEST(test_seek_from_the_end)
{
    GstElement *pipeline = seek_pipeline();
    GArray *all = collect_frames(pipeline), *tail;
    const guint n = all->len;

    /* The last quarter second: the last three frames at 12 fps. */
    seek_or_fail(pipeline, 1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_END, -GST_SECOND / 4,
                 GST_SEEK_TYPE_NONE, -1);
    tail = collect_frames(pipeline);
    check_same_frames(tail, all, n - 3, 3, 1);
    g_array_unref(tail);

    /* The last five frames, in frames. */
    seek_or_fail(pipeline, 1.0, GST_FORMAT_DEFAULT, GST_SEEK_TYPE_END, -5, GST_SEEK_TYPE_NONE, -1);
    tail = collect_frames(pipeline);
    check_same_frames(tail, all, n - 5, 5, 1);
    g_array_unref(tail);

    /* Frames 10 to 14, in frames. */
    seek_or_fail(pipeline, 1.0, GST_FORMAT_DEFAULT, GST_SEEK_TYPE_SET, 10, GST_SEEK_TYPE_SET, 15);
    tail = collect_frames(pipeline);
    check_same_frames(tail, all, 10, 5, 1);
    g_array_unref(tail);

    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_array_unref(all);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static GstPadProbeReturn count_flushes(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad;
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_FLUSH_START)
        g_atomic_int_inc((gint *)data);
    return GST_PAD_PROBE_OK;
}

/* A seek that cannot be done is refused before anything is flushed, from downstream or from
 * the application, and the stream goes on with its segment (E3): on a live stream; from the
 * end or backwards on an endless one; in bytes; with a start after its stop. */
GST_START_TEST(test_refused_seeks_flush_nothing)
{
    static const struct {
        gboolean live;
        gdouble rate;
        GstFormat format;
        GstSeekType start_type;
        gint64 start, stop;
    } seeks[] = {
        {TRUE, 1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET, 0, -1},
        {FALSE, 1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_END, -GST_SECOND, -1},
        {FALSE, -1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET, 0, -1},
        {FALSE, 1.0, GST_FORMAT_DEFAULT, GST_SEEK_TYPE_END, -3, -1},
        {FALSE, 1.0, GST_FORMAT_BYTES, GST_SEEK_TYPE_SET, 0, -1},
        {FALSE, 1.0, GST_FORMAT_TIME, GST_SEEK_TYPE_SET, 2 * GST_SECOND, GST_SECOND},
    };

    for (guint i = 0; i < G_N_ELEMENTS(seeks); i++) {
        for (guint from_app = 0; from_app < 2; from_app++) {
            GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=32,height=24,"
                                        "framerate=100/1");
            GstPad *srcpad = gst_element_get_static_pad(h->element, "src");
            GstEvent *seek = gst_event_new_seek(seeks[i].rate, seeks[i].format, GST_SEEK_FLAG_FLUSH,
                                                seeks[i].start_type, seeks[i].start,
                                                GST_SEEK_TYPE_SET, seeks[i].stop);
            gint flushes = 0;
            GstBuffer *buf;
            guint64 before;

            g_object_set(h->element, "is-live", seeks[i].live, "density", DENSITY, NULL);
            gst_harness_use_systemclock(h);
            gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_flushes, &flushes,
                              NULL);
            gst_harness_play(h);
            buf = gst_harness_pull(h);
            fail_unless(buf != NULL, "seek %u: no frame", i);
            before = GST_BUFFER_OFFSET(buf);
            gst_buffer_unref(buf);
            if (from_app)
                fail_if(gst_element_send_event(h->element, seek), "seek %u was done", i);
            else
                fail_if(gst_harness_push_upstream_event(h, seek), "seek %u was done", i);
            fail_unless_equals_int(g_atomic_int_get(&flushes), 0);
            /* Streaming goes on where it was. */
            buf = gst_harness_pull(h);
            fail_unless(buf != NULL, "seek %u: no frame after the seek", i);
            fail_unless(GST_BUFFER_OFFSET(buf) > before);
            gst_buffer_unref(buf);
            fail_unless_equals_int(g_atomic_int_get(&flushes), 0);
            gst_object_unref(srcpad);
            gst_harness_teardown(h);
        }
    }
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
            " size=32x24 normalization=clip density=1 generator=%s",
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
            fail_unless_equals_string(gst_structure_get_string(labels, "normalization"), "clip");
            {
                gdouble density = 0;
                fail_unless(gst_structure_get_double(labels, "density", &density));
                fail_unless_equals_float(density, DENSITY);
            }
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

/* Pull frames first..last of the stream from appsink and check their labels and pixels
 * against the clips of clip_frames frames each in clips. */
static void pull_and_check_clips(GstElement *sink, FvClip **clips, guint clip_frames, guint first,
                                 guint last)
{
    for (guint n = first; n <= last; n++) {
        GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        GstBuffer *buf;
        const FvClipInfo *info = fv_clip_info(clips[n / clip_frames]);
        guint8 *gray;
        GstMapInfo map;

        fail_unless(sample != NULL, "no frame %u", n);
        buf = gst_sample_get_buffer(sample);
        gray = fv_test_gray8(clips[n / clip_frames], n % clip_frames);
        fail_unless_equals_uint64(GST_BUFFER_OFFSET(buf), n);
        fail_unless_equals_int64(fv_test_label_int64(buf, "class"), info->class_id);
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "seed"), info->seed);
        fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
        fail_unless(memcmp(map.data, gray, W * H) == 0, "frame %u differs", n);
        gst_buffer_unmap(buf, &map);
        g_free(gray);
        gst_sample_unref(sample);
    }
}

/* Clips rendered ahead (render-ahead=4) while downstream holds the stream: new properties
 * still show from the next clip on (the clips rendered ahead with the old ones are not
 * played), and a seek then gives the frames of sequential playback. */
GST_START_TEST(test_clips_rendered_ahead_follow_property_changes_and_seeks)
{
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc name=src class=1 seed=1 density=1 num-clips=4 "
                         "clip-frames=5 render-ahead=4 ! video/x-raw,format=GRAY8,width=32,"
                         "height=24,framerate=12/1 ! appsink name=sink sync=false max-buffers=1",
                         NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    FvSettings before = fv_test_settings(1, 1, W, H, DENSITY);
    FvSettings after = fv_test_settings(5, 9, W, H, DENSITY);
    FvClip *clips[4];
    GstMessage *msg;
    guint ahead = 0;

    g_object_get(src, "render-ahead", &ahead, NULL);
    fail_unless_equals_int(ahead, 4);
    before.clip_frames = after.clip_frames = 5;
    clips[0] = fv_test_render(&before, 0);
    for (guint k = 1; k < 4; k++)
        clips[k] = fv_test_render(&after, k);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    pull_and_check_clips(sink, clips, 5, 0, 1);
    /* downstream holds frame 2: clips 1 to 3 are rendered ahead meanwhile (the test does not
     * rely on it being done) */
    g_usleep(G_USEC_PER_SEC / 2);
    g_object_set(src, "class", 5, "seed", (guint64)9, NULL);
    pull_and_check_clips(sink, clips, 5, 2, 19);
    msg = fv_test_wait_end(pipeline);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);

    /* back to frame 7 (clip 1, with the properties of now) */
    fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_DEFAULT,
                                        GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, 7));
    pull_and_check_clips(sink, clips, 5, 7, 19);
    msg = fv_test_wait_end(pipeline);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);

    gst_element_set_state(pipeline, GST_STATE_NULL);
    for (guint k = 0; k < 4; k++)
        fv_clip_free(&clips[k]);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* render-ahead: 0 (automatic, the default) or from 1 (the next clip only) to 15, set by a
 * fractal:// URI too; pixels do not depend on it. */
GST_START_TEST(test_render_ahead_does_not_change_pixels)
{
    gchar *digests[3] = {NULL, NULL, NULL};
    const guint values[3] = {1, 3, 0};
    GError *err = NULL;
    GstElement *src;
    guint ahead = 0;

    src = gst_element_make_from_uri(GST_URI_SRC, "fractal://class=-1&render-ahead=7", NULL, &err);
    fail_unless(src != NULL, "%s", err ? err->message : "?");
    g_object_get(src, "render-ahead", &ahead, NULL);
    fail_unless_equals_int(ahead, 7);
    gst_object_unref(src);

    src = gst_element_factory_make("fractalvidsrc", NULL);
    g_object_get(src, "render-ahead", &ahead, NULL);
    fail_unless_equals_int(ahead, 0);
    gst_object_unref(src);
    src = gst_element_make_from_uri(GST_URI_SRC, "fractal://render-ahead=0", NULL, &err);
    fail_unless(src != NULL, "%s", err ? err->message : "?");
    gst_object_unref(src);

    for (guint i = 0; i < 3; i++) {
        gchar *launch = g_strdup_printf(
            "fractalvidsrc name=src class=-1 seed=3 density=1 num-clips=5 render-ahead=%u ! "
            "video/x-raw,format=GRAY8,width=32,height=24 ! appsink name=sink sync=false",
            values[i]);
        GstElement *pipeline = gst_parse_launch(launch, NULL);
        GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
        GChecksum *sum = g_checksum_new(G_CHECKSUM_MD5);
        GstSample *sample;

        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
            GstBuffer *buf = gst_sample_get_buffer(sample);
            GstMapInfo map;
            gint64 class_id = fv_test_label_int64(buf, "class");

            fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
            g_checksum_update(sum, map.data, map.size);
            g_checksum_update(sum, (const guchar *)&class_id, sizeof class_id);
            gst_buffer_unmap(buf, &map);
            gst_sample_unref(sample);
        }
        digests[i] = g_strdup(g_checksum_get_string(sum));
        g_checksum_free(sum);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(sink);
        gst_object_unref(pipeline);
        g_free(launch);
    }
    fail_unless_equals_string(digests[0], digests[1]);
    fail_unless_equals_string(digests[0], digests[2]);
    for (guint i = 0; i < 3; i++)
        g_free(digests[i]);
}

GST_END_TEST;

/* current-render-ahead of a pipeline after its first frames (PLAYING, 13 frames: a few
 * clips of 6 frames taken, when live; else the preroll in PAUSED), then NULL. */
static guint render_ahead_after_a_few_clips(const gchar *launch, gboolean live)
{
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstSample *sample;
    guint ahead = 0;

    g_object_get(src, "current-render-ahead", &ahead, NULL);
    fail_unless_equals_int(ahead, 2);
    gst_element_set_state(pipeline, live ? GST_STATE_PLAYING : GST_STATE_PAUSED);
    for (guint i = 0; i < (live ? 13 : 1); i++) {
        sample = live ? gst_app_sink_pull_sample(GST_APP_SINK(sink))
                      : gst_app_sink_pull_preroll(GST_APP_SINK(sink));
        fail_unless(sample != NULL);
        gst_sample_unref(sample);
    }
    g_object_get(src, "current-render-ahead", &ahead, NULL);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return ahead;
}

/* render-ahead=0 renders four clips ahead for a live stream whose clips take more than a
 * quarter of their play time to render (a clip of 6 frames at 1000 fps plays 6 ms and takes
 * tens to render), two for a quick one (6 frames at 6 fps play 1 s, a 32x32 clip takes a few
 * milliseconds: the first clip of a new renderer, which also measures the kernels and checks
 * its class, does not count) and for a stream that is not live. */
GST_START_TEST(test_automatic_render_ahead_is_deeper_for_slow_live_clips)
{
    fail_unless_equals_int(
        render_ahead_after_a_few_clips(
            "fractalvidsrc name=src is-live=true class=1 clip-frames=6 ! video/x-raw,"
            "format=GRAY8,width=256,height=256,framerate=1000/1 ! appsink name=sink sync=false",
            TRUE),
        4);
    fail_unless_equals_int(
        render_ahead_after_a_few_clips(
            "fractalvidsrc name=src is-live=true class=1 clip-frames=6 ! video/x-raw,"
            "format=GRAY8,width=32,height=32,framerate=6/1 ! appsink name=sink sync=false",
            TRUE),
        2);
    fail_unless_equals_int(
        render_ahead_after_a_few_clips(
            "fractalvidsrc name=src class=1 clip-frames=6 ! video/x-raw,format=GRAY8,"
            "width=256,height=256,framerate=1000/1 ! appsink name=sink sync=false",
            FALSE),
        2);
}

GST_END_TEST;

/* A render-ahead set is what current-render-ahead says. */
GST_START_TEST(test_render_ahead_set_is_kept)
{
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    guint ahead = 0;

    g_object_set(src, "render-ahead", 3, NULL);
    g_object_get(src, "current-render-ahead", &ahead, NULL);
    gst_object_unref(src);
    fail_unless_equals_int(ahead, 3);
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

/* fractalvidsrc's INFO messages that say the renderer was reused, counted (a log function
 * stays installed once added: GStreamer leaks the list a removal replaces, by design) */
static gint reuse_messages;
static void count_reuse(GstDebugCategory *category, GstDebugLevel level, const gchar *file,
                        const gchar *function, gint line, GObject *object, GstDebugMessage *message,
                        gpointer data)
{
    (void)level, (void)file, (void)function, (void)line, (void)object, (void)data;
    if (!g_strcmp0(gst_debug_category_get_name(category), "fractalvidsrc") &&
        strstr(gst_debug_message_get(message), "renderer of a stream stopped before"))
        g_atomic_int_inc(&reuse_messages);
}

/* Clip 0 of class 2, seed seed from a new fractalvidsrc (threads=1), checked against the
 * core's frames */
static void stream_gives_the_core_clip(guint64 seed)
{
    GstHarness *h = new_harness("video/x-raw,format=GRAY8,width=40,height=30,framerate=12/1");
    FvSettings s = fv_test_settings(2, seed, 40, 30, 2.0);
    FvClip *reference = fv_test_render(&s, 0);

    g_object_set(h->element, "class", 2, "seed", seed, "density", 2.0, "threads", 1, "num-clips", 1,
                 NULL);
    gst_harness_play(h);
    for (guint f = 0; f < fv_clip_info(reference)->frames; f++) {
        GstBuffer *buf = gst_harness_pull(h);
        guint8 *want = fv_test_gray8(reference, f);
        GstMapInfo map;

        fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
        fail_unless(memcmp(map.data, want, 40 * 30) == 0, "seed %u frame %u differs", (guint)seed,
                    f);
        gst_buffer_unmap(buf, &map);
        gst_buffer_unref(buf);
        g_free(want);
    }
    fv_clip_free(&reference);
    gst_harness_teardown(h);
}

/* A stream started after another has stopped renders with the stopped stream's renderer
 * (kept for the next stream of the process: no threads started, no memory mapped anew), and
 * its frames are the core's all the same. */
GST_START_TEST(test_a_stream_after_another_renders_with_its_renderer)
{
    gst_debug_set_threshold_for_name("fractalvidsrc", GST_LEVEL_INFO);
    gst_debug_add_log_function(count_reuse, NULL, NULL);
    stream_gives_the_core_clip(5);
    fail_unless_equals_int(g_atomic_int_get(&reuse_messages), 0);
    stream_gives_the_core_clip(6);
    fail_unless_equals_int(g_atomic_int_get(&reuse_messages), 1);
    stream_gives_the_core_clip(5);
    fail_unless_equals_int(g_atomic_int_get(&reuse_messages), 2);
    gst_debug_unset_threshold_for_name("fractalvidsrc");
}

GST_END_TEST;

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

    for (guint i = 0; i < STATE_CHANGES; i++) {
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
    fail_unless(g_get_monotonic_time() - asked < STOP_BOUND_US, "stopping took %.1f s",
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
    tcase_add_test(tc, test_every_format_carries_the_core_brightness);
    tcase_add_test(tc, test_each_colorimetry_gives_its_range_and_values);
    tcase_add_test(tc, test_fixation_follows_downstream_format_order);
    tcase_add_test(tc, test_sizes_down_to_1x1);
    tcase_add_test(tc, test_any_pixel_aspect_ratio);
    tcase_add_test(tc, test_interlaced_and_stereo_caps_are_refused);
    tcase_add_test(tc, test_frame_normalization_gives_the_core_frames);
    tcase_add_test(tc, test_framerate_0_gives_one_still_frame_then_eos);
    tcase_add_test(tc, test_impossible_caps_error_names_asked_and_offered);
    tcase_add_test(tc, test_unallocatable_clip_fails_with_clear_error);
    tcase_add_test(tc, test_unallocatable_frame_fails_with_clear_error);
    tcase_add_test(tc, test_timestamps_durations_and_offsets);
    tcase_add_test(tc, test_live_frames_follow_the_clock_with_one_frame_latency);
    tcase_add_test(tc, test_live_skips_late_frames_and_says_so_in_qos);
    tcase_add_test(tc, test_live_first_clip_is_rendered_before_playing);
    tcase_add_test(tc, test_live_slow_first_clip_waits_for_the_clips_ahead);
    tcase_add_test(tc, test_live_first_clip_a_fifth_of_its_play_time_waits_for_the_clips_ahead);
    tcase_add_test(tc, test_live_latency_grows_rarely_and_stays_bounded);
    tcase_add_test(tc, test_adaptive_density_trades_density_for_time);
    tcase_add_test(tc, test_duration_answered_when_bounded);
    tcase_add_test(tc, test_seek_gives_the_frames_of_sequential_playback);
    tcase_add_test(tc, test_reverse_playback_gives_the_forward_frames_reversed);
    tcase_add_test(tc, test_seek_from_the_end);
    tcase_add_test(tc, test_refused_seeks_flush_nothing);
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
    tcase_add_test(tc, test_a_stream_after_another_renders_with_its_renderer);
    tcase_add_test(tc, test_stop_during_render_is_clean);
    tcase_add_test(tc, test_stop_cancels_a_long_render);
    tcase_add_test(tc, test_seek_cancels_the_render_ahead);
    tcase_add_test(tc, test_clips_rendered_ahead_follow_property_changes_and_seeks);
    tcase_add_test(tc, test_render_ahead_does_not_change_pixels);
    tcase_add_test(tc, test_automatic_render_ahead_is_deeper_for_slow_live_clips);
    tcase_add_test(tc, test_render_ahead_set_is_kept);
    return s;
}

GST_CHECK_MAIN(fractalvidsrc);
