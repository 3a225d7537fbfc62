/* Helpers shared by the fractalvidsrc tests: what the core renders for given settings (the
 * reference every pixel test compares with), running pipelines, digests. Header-only so
 * each test program stays one file plus this. */
#ifndef FV_TEST_H
#define FV_TEST_H

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "fractalvid.h"

#include <string.h>

/* Under AddressSanitizer, which reserves terabytes of address space, tests that cap the
 * address space cannot run. */
#if defined(__SANITIZE_ADDRESS__)
#define FV_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FV_TEST_UNDER_ASAN 1
#endif
#endif

/* ThreadSanitizer cannot follow a process that forks once it has threads: tests that fork
 * cannot run under it. */
#if defined(__SANITIZE_THREAD__)
#define FV_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FV_TEST_UNDER_TSAN 1
#endif
#endif

/* How long a pipeline may take to reach EOS or an error before the test fails (ThreadSanitizer
 * makes rendering many times slower). */
#if defined(__SANITIZE_THREAD__)
#define FV_TEST_TIMEOUT (300 * GST_SECOND)
#else
#define FV_TEST_TIMEOUT (60 * GST_SECOND)
#endif

/* Settings as fractalvidsrc builds them from its properties. */
static inline FvSettings fv_test_settings(gint64 class_id, guint64 seed, guint width, guint height,
                                          gdouble density)
{
    FvSettings s;

    fv_default_settings(&s);
    s.class_id = class_id;
    s.seed = seed;
    s.width = width;
    s.height = height;
    s.density = density;
    return s;
}

/* A clip rendered by the core directly, the reference for the element's output. */
static inline FvClip *fv_test_render(const FvSettings *s, guint64 clip_index)
{
    FvRenderer *renderer = NULL;
    FvClip *clip = NULL;

    fail_unless_equals_int(fv_renderer_open(&renderer, 0), 0);
    fail_unless_equals_int(fv_clip_new(&clip), 0);
    fail_unless_equals_int(fv_render_clip(renderer, s, clip_index, clip), 0);
    fv_renderer_close(&renderer);
    return clip;
}

/* Frame frame of clip as tightly packed 8-bit luma (g_free it). */
static inline guint8 *fv_test_gray8(const FvClip *clip, guint frame)
{
    const FvClipInfo *info = fv_clip_info(clip);
    guint8 *gray = g_malloc((gsize)info->width * info->height);

    fail_unless_equals_int(fv_clip_write_gray8(clip, frame, gray, info->width), 0);
    return gray;
}

/* MD5 of the visible pixels of a mapped frame (row padding excluded), as hex (g_free it). */
static inline gchar *fv_test_frame_md5(GstBuffer *buffer, GstCaps *caps)
{
    GstVideoInfo info;
    GstVideoFrame frame;
    GChecksum *sum = g_checksum_new(G_CHECKSUM_MD5);
    gchar *hex;

    fail_unless(gst_video_info_from_caps(&info, caps));
    fail_unless(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
    for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame); p++) {
        gint comp[GST_VIDEO_MAX_COMPONENTS];
        const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(&frame, p);
        gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
        gint rows, row_bytes;

        gst_video_format_info_component(info.finfo, p, comp);
        rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, comp[0]);
        row_bytes = GST_VIDEO_FRAME_COMP_WIDTH(&frame, comp[0]) *
                    GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, comp[0]);
        for (gint y = 0; y < rows; y++)
            g_checksum_update(sum, data + (gsize)y * stride, row_bytes);
    }
    gst_video_frame_unmap(&frame);
    hex = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return hex;
}

/* The labels fractalvidsrc attached to buffer (never NULL: fails the test instead). */
static inline const GstStructure *fv_test_labels(GstBuffer *buffer)
{
    GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, "GstFractalVidMeta");

    fail_unless(meta != NULL, "buffer carries no GstFractalVidMeta");
    return gst_custom_meta_get_structure(meta);
}

static inline guint64 fv_test_label_uint64(GstBuffer *buffer, const gchar *field)
{
    guint64 value = 0;

    fail_unless(gst_structure_get_uint64(fv_test_labels(buffer), field, &value), "label %s missing",
                field);
    return value;
}

static inline gint64 fv_test_label_int64(GstBuffer *buffer, const gchar *field)
{
    gint64 value = 0;

    fail_unless(gst_structure_get_int64(fv_test_labels(buffer), field, &value), "label %s missing",
                field);
    return value;
}

static inline guint fv_test_label_uint(GstBuffer *buffer, const gchar *field)
{
    guint value = 0;

    fail_unless(gst_structure_get_uint(fv_test_labels(buffer), field, &value), "label %s missing",
                field);
    return value;
}

/* Wait for EOS or an error on pipeline's bus; returns the message (unref it). Unref an error
 * only once the pipeline is stopped: the thread that posted it may still hold a reference
 * (GstBin's post_message keeps one while passing it on), and if that thread drops the last
 * one it frees the error's text after the test has read it, ordered only by an atomic count
 * inside libgstreamer that ThreadSanitizer does not see. Stopping the pipeline joins that
 * thread, so the test's own unref is the last. */
static inline GstMessage *fv_test_wait_end(GstElement *pipeline)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, FV_TEST_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

    gst_object_unref(bus);
    fail_unless(msg != NULL, "pipeline neither ended nor failed in time");
    return msg;
}

/* Fail with the error's text when msg is an error. */
static inline void fv_test_assert_eos(GstMessage *msg)
{
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *err = NULL;
        gchar *debug = NULL;

        gst_message_parse_error(msg, &err, &debug);
        fail("pipeline error: %s (%s)", err->message, GST_STR_NULL(debug));
    }
    fail_unless_equals_int(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
}

/* Run a launch line to EOS (failing the test on error). */
static inline void fv_test_run_to_eos(const gchar *launch)
{
    GError *err = NULL;
    GstElement *pipeline = gst_parse_launch(launch, &err);
    GstMessage *msg;

    fail_unless(pipeline != NULL, "bad launch line %s: %s", launch, err ? err->message : "?");
    fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    msg = fv_test_wait_end(pipeline);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);
    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
    gst_object_unref(pipeline);
}

#endif
