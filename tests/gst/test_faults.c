/* fractalvidsrc under attack and careless use (E6): URI values in the one strict grammar,
 * the last clip index, memory that does not suffice, stops that come at once whatever the
 * size and density. One behaviour per test; meson runs each with the leaks tracer. */

#include "fvtest.h"

#include <sys/resource.h>

/* Seconds a stop may take: the promise is one; the machine is shared, and sanitizers slow
 * every allocation, free and thread switch several times over. */
#if defined(__SANITIZE_THREAD__)
/* TSan keeps shadow memory for every byte of the big histograms: allocating and freeing them
 * takes seconds there, more on a busy machine; the bound only says a stop does not hang. */
#define STOP_BOUND 60.0
#elif defined(FV_TEST_UNDER_ASAN)
#define STOP_BOUND 12.0
#else
#define STOP_BOUND 3.0
#endif

/* ---- strict values in fractal:// URIs ---- */

GST_START_TEST(test_uri_values_follow_the_one_grammar)
{
    static const struct {
        const gchar *uri;
        const gchar *says;
    } bad[] = {
        /* GStreamer's deserialisers took all of these */
        {"fractal://class=little_endian", "not a valid class (expected an integer from -1 to "
                                          "2147483647"},
        {"fractal://class=max", "not a valid class"},
        {"fractal://class=+1", "not a valid class"},
        {"fractal://class=%201", "not a valid class"},
        {"fractal://class=1%20", "not a valid class"},
        {"fractal://class=2147483648", "from -1 to 2147483647"},
        {"fractal://seed=0x10", "not a valid seed (expected an integer from 0 to "
                                "18446744073709551615)"},
        {"fractal://seed=1e3", "not a valid seed"},
        {"fractal://first-clip=18446744073709551616", "not a valid first-clip"},
        {"fractal://density=0x1p3", "not a valid density (expected a decimal number from 0.01 "
                                    "to 1000"},
        {"fractal://density=inf", "not a valid density"},
        {"fractal://density=nan", "not a valid density"},
        {"fractal://density=1e4", "not a valid density"},
        {"fractal://clip-frames=-1", "not a valid clip-frames"},
        {"fractal://num-clips=-2", "from -1 to 2147483647"},
        {"fractal://threads=257", "not a valid threads (expected an integer from 0 to 256"},
        {"fractal://render-ahead=-1", "not a valid render-ahead (expected an integer from 0 to 15"},
        {"fractal://render-ahead=16", "not a valid render-ahead"},
        {"fractal://render-ahead=+2", "not a valid render-ahead"},
        {"fractal://motion=3", "not a valid motion (expected one of static, naive, linear, "
                               "nonlinear)"},
        {"fractal://variation=-1", "not a valid variation"},
        {"fractal://is-live=1", "not a valid is-live (expected true or false)"},
        {"fractal://is-live=yes", "not a valid is-live"},
        {"fractal://num-buffers=0x10", "not a valid num-buffers"},
        {"fractal://timestamp-offset=1.5", "not a valid timestamp-offset"},
        {"fractal://timestamp-offset=-1", "not a valid timestamp-offset"},
    };
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    gint class_id, num_buffers;
    guint64 seed, first_clip;
    gdouble density;
    gboolean live;

    g_object_set(src, "class", 9, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;

        fail_if(gst_uri_handler_set_uri(GST_URI_HANDLER(src), bad[i].uri, &err), "%s accepted",
                bad[i].uri);
        fail_unless(err != NULL && err->domain == GST_URI_ERROR);
        fail_unless(strstr(err->message, bad[i].says) != NULL,
                    "error for %s does not say \"%s\": %s", bad[i].uri, bad[i].says, err->message);
        g_error_free(err);
        g_object_get(src, "class", &class_id, NULL);
        fail_unless_equals_int(class_id, 9);
    }

    /* what the grammar takes: decimal (leading zeros too), exponents, names, true/false */
    fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(src),
                                        "fractal://class=007&seed=18446744073709551615&"
                                        "first-clip=18446744073709551615&density=1e3&"
                                        "is-live=true&num-buffers=-1",
                                        NULL));
    g_object_get(src, "class", &class_id, "seed", &seed, "first-clip", &first_clip, "density",
                 &density, "is-live", &live, "num-buffers", &num_buffers, NULL);
    fail_unless_equals_int(class_id, 7);
    fail_unless_equals_uint64(seed, G_MAXUINT64);
    fail_unless_equals_uint64(first_clip, G_MAXUINT64);
    fail_unless_equals_float(density, 1000.0);
    fail_unless(live);
    fail_unless_equals_int(num_buffers, -1);
    gst_object_unref(src);
}

GST_END_TEST;

/* ---- the last clip index ---- */

/* Clips played by a launch line (appsink named sink), and the clip label of each buffer. */
static GArray *clips_played(const gchar *launch)
{
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GArray *clips = g_array_new(FALSE, FALSE, sizeof(guint64));
    GstSample *sample;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), FV_TEST_TIMEOUT))) {
        guint64 clip = fv_test_label_uint64(gst_sample_get_buffer(sample), "clip");

        if (clips->len == 0 || g_array_index(clips, guint64, clips->len - 1) != clip)
            g_array_append_val(clips, clip);
        gst_sample_unref(sample);
    }
    fail_unless(gst_app_sink_is_eos(GST_APP_SINK(sink)), "%s: no EOS", launch);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return clips;
}

/* first-clip=18446744073709551615 num-clips=1 plays that clip: the end of the index range
 * is a clip, not "endless". A stream that reaches it ends there, never wrapping to clip 0. */
GST_START_TEST(test_last_clip_index_is_a_clip)
{
    static const struct {
        const gchar *props;
        guint clips;
        guint64 first;
    } cases[] = {
        {"first-clip=18446744073709551615 num-clips=1", 1, G_MAXUINT64},
        {"first-clip=18446744073709551615 num-clips=3", 1, G_MAXUINT64},
        {"first-clip=18446744073709551615", 1, G_MAXUINT64}, /* endless: to the last index */
        {"first-clip=18446744073709551614 num-clips=5", 2, G_MAXUINT64 - 1},
        {"first-clip=18446744073709551614 num-clips=0", 0, 0},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gchar *launch = g_strdup_printf("fractalvidsrc %s clip-frames=2 density=0.5 ! "
                                        "video/x-raw,format=GRAY8,width=16,height=16,"
                                        "framerate=12/1 ! appsink name=sink sync=false",
                                        cases[i].props);
        GArray *clips = clips_played(launch);

        fail_unless_equals_int(clips->len, cases[i].clips);
        for (guint k = 0; k < clips->len; k++)
            fail_unless_equals_uint64(g_array_index(clips, guint64, k), cases[i].first + k);
        g_array_unref(clips);
        g_free(launch);
    }
}

GST_END_TEST;

/* The duration of a stream that ends at the last clip index is known, like any other. */
GST_START_TEST(test_duration_of_a_stream_at_the_last_clip_index)
{
    GstElement *pipeline = gst_parse_launch("fractalvidsrc first-clip=18446744073709551615 "
                                            "num-clips=1 density=0.5 ! video/x-raw,width=16,"
                                            "height=16,framerate=12/1 ! fakesink",
                                            NULL);
    FvSettings s = fv_test_settings(0, 0, 16, 16, 0.5);
    gint64 duration = -1;

    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                GST_STATE_CHANGE_SUCCESS);
    fail_unless(gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration));
    fail_unless_equals_int64(
        duration, gst_util_uint64_scale(fv_clip_frame_count(&s, G_MAXUINT64), GST_SECOND, 12));
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* ---- memory ---- */

/* Clips that do not fit the memory left: an element error that names what the two clips
 * the element holds need and the limit in force, before anything is allocated. */
GST_START_TEST(test_memory_error_names_the_need_and_the_limit)
{
    struct rlimit old, cap;
    GstElement *pipeline;
    GstMessage *msg;
    GError *err = NULL;
    gchar *status = NULL, *vm;

#ifdef FV_TEST_UNDER_ASAN
    g_print("skipped under AddressSanitizer (it reserves terabytes of address space)\n");
    return;
#endif
    /* 2 clips x 20 frames x 2048x2048 x 2 bytes = 320 MiB; 200 MiB of room */
    pipeline = gst_parse_launch("fractalvidsrc num-buffers=1 density=0.01 clip-frames=20 ! "
                                "video/x-raw,format=GRAY8,width=2048,height=2048 ! fakesink",
                                NULL);
    fail_unless(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
    vm = strstr(status, "VmSize:");
    fail_unless(vm != NULL);
    fail_unless_equals_int(getrlimit(RLIMIT_AS, &old), 0);
    cap = old;
    /* the streaming and render threads map their stacks after the cap: room for those */
    cap.rlim_cur = (gsize)g_ascii_strtoull(vm + 7, NULL, 10) * 1024 + ((gsize)200 << 20);
    g_free(status);
    fail_unless_equals_int(setrlimit(RLIMIT_AS, &cap), 0);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = fv_test_wait_end(pipeline);
    fail_unless_equals_int(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
    gst_message_parse_error(msg, &err, NULL);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_message_unref(msg);
    gst_object_unref(pipeline);
    setrlimit(RLIMIT_AS, &old);

    fail_unless(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT),
                "unexpected error: %s", err->message);
    fail_unless(strstr(err->message, "a 2048x2048 clip of 20 frames needs") != NULL, "%s",
                err->message);
    fail_unless(strstr(err->message, "of frames for 2 clips") != NULL, "%s", err->message);
    fail_unless(strstr(err->message, "is available (RLIMIT_AS)") != NULL, "%s", err->message);
    g_error_free(err);
}

GST_END_TEST;

/* ---- stops that come at once ---- */

/* Set launch PLAYING, wait after_ms, stop it; how long the stop took (seconds). */
static gdouble stop_after(const gchar *launch, guint after_ms)
{
    GstElement *pipeline = gst_parse_launch(launch, NULL);
    gint64 asked;

    fail_unless(pipeline != NULL);
    fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    g_usleep(after_ms * 1000);
    asked = g_get_monotonic_time();
    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
    gst_object_unref(pipeline);
    return (g_get_monotonic_time() - asked) / 1e6;
}

/* 100000 frames to frame: the framing probe alone was a minute of work that no stop could
 * interrupt. */
GST_START_TEST(test_stop_during_a_long_framing_probe_is_prompt)
{
    gdouble s = stop_after("fractalvidsrc clip-frames=100000 density=0.01 ! "
                           "video/x-raw,width=64,height=64 ! fakesink",
                           700);

    fail_unless(s < STOP_BOUND, "stopping took %.1f s", s);
}

GST_END_TEST;

/* Four billion points per lane (8192x8192 at density 1000): a lane was many seconds long. */
GST_START_TEST(test_stop_during_a_dense_frame_is_prompt)
{
    gdouble s = stop_after("fractalvidsrc density=1000 clip-frames=1 ! "
                           "video/x-raw,width=8192,height=8192 ! fakesink",
                           1500);

    fail_unless(s < STOP_BOUND, "stopping took %.1f s", s);
}

GST_END_TEST;

/* Clips rendered ahead never fail a stream whose clips fit two at a time: with room for the
 * clip played and the next one but not one more, render-ahead=4 renders no further ahead and
 * the stream plays to its end. */
GST_START_TEST(test_render_ahead_that_does_not_fit_renders_fewer)
{
    struct rlimit old, cap;
    GstElement *pipeline;
    GstMessage *msg;
    gchar *status = NULL, *vm;
    FvSettings s = fv_test_settings(0, 0, 4096, 2048, 0.01);
    GstElement *sink;
    GstSample *sample;
    guint frames = 0;
    guint64 two, three;

#ifdef FV_TEST_UNDER_ASAN
    g_print("skipped under AddressSanitizer (it reserves terabytes of address space)\n");
    return;
#endif
    /* 20 frames x 4096x2048 x 2 bytes = 320 MiB a clip */
    s.clip_frames = 20;
    two = fv_render_memory_need(&s, 1, 2);
    three = fv_render_memory_need(&s, 1, 3);
    fail_unless(three - two >= ((guint64)320 << 20));
    pipeline = gst_parse_launch("fractalvidsrc num-buffers=60 density=0.01 clip-frames=20 "
                                "threads=1 render-ahead=4 ! video/x-raw,format=GRAY8,"
                                "width=4096,height=2048 ! appsink name=sink sync=false "
                                "max-buffers=1",
                                NULL);
    fail_unless(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
    vm = strstr(status, "VmSize:");
    fail_unless(vm != NULL);
    fail_unless_equals_int(getrlimit(RLIMIT_AS, &old), 0);
    cap = old;
    /* what two clips need, and 240 MiB for the threads' stacks and malloc arenas (about 150
     * MiB of address space) and the frames in flight: not a third clip of 320 MiB */
    cap.rlim_cur = (gsize)g_ascii_strtoull(vm + 7, NULL, 10) * 1024 + two + ((gsize)240 << 20);
    g_free(status);
    fail_unless_equals_int(setrlimit(RLIMIT_AS, &cap), 0);

    /* Downstream holds clip 0 while clips are rendered ahead: the third does not fit. */
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_usleep(5 * G_USEC_PER_SEC);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        frames++;
        gst_sample_unref(sample);
    }
    msg = fv_test_wait_end(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    setrlimit(RLIMIT_AS, &old);
    fv_test_assert_eos(msg);
    gst_message_unref(msg);
    fail_unless_equals_int(frames, 60);
}

GST_END_TEST;

/* A threads change opens a new renderer for the next render; a stop or a seek that comes
 * meanwhile cancels that renderer, never only the one closed. */
GST_START_TEST(test_stop_right_after_a_threads_change_is_prompt)
{
    for (guint i = 0; i < 6; i++) {
        GstElement *pipeline = gst_parse_launch("fractalvidsrc name=src density=1000 "
                                                "clip-frames=1 ! video/x-raw,width=2048,"
                                                "height=2048 ! fakesink",
                                                NULL);
        GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
        gint64 asked;
        gdouble took;

        fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
        g_usleep(200 * 1000);
        /* the render of clip 0 is under way: a seek asks for another clip with other threads */
        g_object_set(src, "threads", 1 + i % 2, NULL);
        gst_element_seek_simple(pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
                                gst_util_uint64_scale(5 + i, GST_SECOND, 12));
        g_usleep(i * 20 * 1000);
        asked = g_get_monotonic_time();
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                               GST_STATE_CHANGE_SUCCESS);
        took = (g_get_monotonic_time() - asked) / 1e6;
        fail_unless(took < STOP_BOUND, "stopping took %.1f s (round %u)", took, i);
        gst_object_unref(src);
        gst_object_unref(pipeline);
    }
}

GST_END_TEST;

static Suite *fractalvidsrc_faults_suite(void)
{
    Suite *s = suite_create("fractalvidsrc-faults");
    TCase *tc = tcase_create("faults");

    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_uri_values_follow_the_one_grammar);
    tcase_add_test(tc, test_last_clip_index_is_a_clip);
    tcase_add_test(tc, test_duration_of_a_stream_at_the_last_clip_index);
    tcase_add_test(tc, test_memory_error_names_the_need_and_the_limit);
    tcase_add_test(tc, test_render_ahead_that_does_not_fit_renders_fewer);
    tcase_add_test(tc, test_stop_during_a_long_framing_probe_is_prompt);
    tcase_add_test(tc, test_stop_during_a_dense_frame_is_prompt);
    tcase_add_test(tc, test_stop_right_after_a_threads_change_is_prompt);
    return s;
}

GST_CHECK_MAIN(fractalvidsrc_faults);
