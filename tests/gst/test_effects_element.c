/* fractalvidsrc's emulation of real video (G10): the effects and augment-seed properties,
 * the frames they give (the core's, bit for bit, also after seeks), and the labels (tags and
 * meta) that say which effects a clip got and their drawn values. */

#include "fvtest.h"

#include <gst/check/gstharness.h>

#define W 48
#define H 40
#define DENSITY 2.0

/* The flags type names the core's effects, one bit each; defaults are the plain clips. */
GST_START_TEST(test_effects_default_to_none_and_name_the_core_effects)
{
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(src), "effects");
    GFlagsClass *flags;
    guint effects;
    guint64 augment_seed;

    fail_unless(G_IS_PARAM_SPEC_FLAGS(pspec));
    flags = G_PARAM_SPEC_FLAGS(pspec)->flags_class;
    fail_unless_equals_int(flags->n_values, FV_NUM_EFFECTS);
    for (gint b = 0; b < FV_NUM_EFFECTS; b++) {
        GFlagsValue *v = g_flags_get_value_by_nick(flags, fv_effect_name(b));
        fail_unless(v != NULL, "no flag %s", fv_effect_name(b));
        fail_unless_equals_int(v->value, 1u << b);
    }
    g_object_get(src, "effects", &effects, "augment-seed", &augment_seed, NULL);
    fail_unless_equals_int(effects, 0);
    fail_unless_equals_uint64(augment_seed, 0);

    /* as gst-launch spells them */
    gst_util_set_object_arg(G_OBJECT(src), "effects", "zoom+shake");
    g_object_get(src, "effects", &effects, NULL);
    fail_unless_equals_int(effects, FV_EFFECT_ZOOM | FV_EFFECT_SHAKE);
    gst_util_set_object_arg(G_OBJECT(src), "effects", "paper");
    g_object_get(src, "effects", &effects, NULL);
    fail_unless_equals_int(effects, FV_EFFECT_PAPER);
    gst_object_unref(src);
}

GST_END_TEST;

static gchar *comment_of(GstEvent *event)
{
    GstTagList *tags;
    gchar *comment = NULL;

    gst_event_parse_tag(event, &tags);
    fail_unless(gst_tag_list_get_string(tags, GST_TAG_COMMENT, &comment));
    return comment;
}

/* Check the effect labels of buf against the clip the core renders. */
static void check_effect_labels(GstBuffer *buf, const FvClip *clip, guint n)
{
    const GstStructure *labels = fv_test_labels(buf);
    const FvClipInfo *ci = fv_clip_info(clip);
    const FvEffectsInfo *e = &ci->effects;
    FvEffectsFrame f;
    gchar names[256];
    gdouble d;
    gint i;
    guint u;

    fail_unless_equals_int(fv_clip_effects_frame(clip, n, &f), 0);
    fv_effects_to_string(e->applied, names, sizeof(names));
    fail_unless_equals_string(gst_structure_get_string(labels, "effects"), names);
    fail_unless_equals_uint64(fv_test_label_uint64(buf, "augment-seed"), ci->augment_seed);
    fail_unless_equals_int(gst_structure_has_field(labels, "scale-x"),
                           (e->applied & FV_EFFECT_SCALE) != 0);
    if (e->applied & FV_EFFECT_SCALE) {
        fail_unless(gst_structure_get_double(labels, "scale-x", &d));
        fail_unless_equals_float(d, e->scale[0]);
        fail_unless(gst_structure_get_double(labels, "position-y", &d));
        fail_unless_equals_float(d, e->position[1]);
    }
    if (e->applied & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND)) {
        fail_unless_equals_uint64(fv_test_label_uint64(buf, "background-clip"),
                                  e->background_clip[0]);
        fail_unless_equals_string(gst_structure_get_string(labels, "blend"),
                                  e->blend_max ? "max" : "mix");
        fail_unless(gst_structure_get_uint(labels, "background-frame", &u));
        fail_unless_equals_int(u, e->applied & FV_EFFECT_DYNAMIC_BACKGROUND
                                      ? f.background_frame
                                      : e->background_frame[0]);
    }
    if (e->applied & FV_EFFECT_ZOOM) {
        fail_unless(gst_structure_get_double(labels, "zoom", &d));
        fail_unless_equals_float(d, f.zoom);
    }
    if (e->applied & FV_EFFECT_SHAKE) {
        fail_unless(gst_structure_get_int(labels, "shake-x", &i));
        fail_unless_equals_int(i, f.shake[0]);
    }
    if (e->applied & FV_EFFECT_CLONES) {
        fail_unless(gst_structure_get_uint(labels, "clone-frame", &u));
        fail_unless_equals_int(u, f.clone_frame);
    }
    if (e->applied & FV_EFFECT_CAMERA_PAN) {
        fail_unless(gst_structure_get_double(labels, "camera-pan-x", &d));
        fail_unless_equals_float(d, f.camera_pan[0]);
    }
    if (e->applied & FV_EFFECT_PERSPECTIVE) {
        const GValue *corners = gst_structure_get_value(labels, "perspective");
        fail_unless(corners && GST_VALUE_HOLDS_ARRAY(corners));
        fail_unless_equals_int(gst_value_array_get_size(corners), 8);
        fail_unless_equals_float(g_value_get_double(gst_value_array_get_value(corners, 5)),
                                 e->perspective[5]);
    }
}

/* With effects=paper the element gives the core's frames, bit for bit, each clip's tag says
 * which effects it got and their values, and every buffer's meta says them per frame. */
static void check_paper_effects(FvNormalization normalization)
{
    GstHarness *h = gst_harness_new("fractalvidsrc");
    FvSettings s = fv_test_settings(-1, 3, W, H, DENSITY);
    guint applied = 0;
    GPtrArray *comments = g_ptr_array_new_with_free_func(g_free);

    s.effects = FV_EFFECT_PAPER;
    s.augment_seed = 4;
    s.normalization = normalization;
    gst_harness_set_sink_caps_str(h, "video/x-raw,format=GRAY8,width=48,height=40,"
                                     "framerate=12/1");
    g_object_set(h->element, "class", -1, "seed", (guint64)3, "density", DENSITY, "num-clips", 4,
                 "augment-seed", (guint64)4, "normalization", normalization, NULL);
    gst_util_set_object_arg(G_OBJECT(h->element), "effects", "paper");
    gst_harness_play(h);
    for (guint k = 0; k < 4; k++) {
        FvClip *clip = fv_test_render(&s, k);
        const FvClipInfo *ci = fv_clip_info(clip);
        gint need = fv_effects_describe(&ci->effects, NULL, 0);
        gchar *text = g_malloc(need + 1), *comment, *want;

        fv_effects_describe(&ci->effects, text, need + 1);
        want = g_strdup_printf(" augment-seed=4 %s", text);
        /* one tag per clip, in order, before its frames */
        while (comments->len <= k) {
            GstEvent *event = gst_harness_pull_event(h);
            fail_unless(event != NULL, "clip %u has no tag", k);
            if (GST_EVENT_TYPE(event) == GST_EVENT_TAG)
                g_ptr_array_add(comments, comment_of(event));
            gst_event_unref(event);
        }
        comment = g_ptr_array_index(comments, k);
        fail_unless(g_str_has_suffix(comment, want), "tag %s lacks %s", comment, want);
        for (guint n = 0; n < ci->frames; n++) {
            GstBuffer *buf = gst_harness_pull(h);
            guint8 *ref = fv_test_gray8(clip, n);
            GstMapInfo map;

            fail_unless_equals_uint64(fv_test_label_uint64(buf, "clip"), k);
            fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
            fail_unless_equals_int(map.size, W * H);
            fail_unless(memcmp(map.data, ref, W * H) == 0, "clip %u frame %u differs", k, n);
            gst_buffer_unmap(buf, &map);
            check_effect_labels(buf, clip, n);
            g_free(ref);
            gst_buffer_unref(buf);
        }
        applied |= ci->effects.applied;
        g_free(want);
        g_free(text);
        fv_clip_free(&clip);
    }
    /* the four clips got a background each, and more */
    fail_unless(applied & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND));
    fail_unless(applied & FV_EFFECT_SCALE);
    g_ptr_array_unref(comments);
    gst_harness_teardown(h);
}

GST_START_TEST(test_paper_effects_give_the_core_frames_and_labels)
{
    check_paper_effects(FV_NORMALIZATION_CLIP);
}

GST_END_TEST;

/* Under normalization=frame (frames rendered one at a time) too. */
GST_START_TEST(test_paper_effects_under_frame_normalization)
{
    check_paper_effects(FV_NORMALIZATION_FRAME);
}

GST_END_TEST;

static gchar *sample_md5(GstSample *sample, guint64 *clip, guint *frame_in_clip)
{
    GstBuffer *buf = gst_sample_get_buffer(sample);

    *clip = fv_test_label_uint64(buf, "clip");
    *frame_in_clip = fv_test_label_uint(buf, "frame-in-clip");
    return fv_test_frame_md5(buf, gst_sample_get_caps(sample));
}

/* A seek gives the frame sequential playback gave, effects and all, in any order. */
GST_START_TEST(test_seek_with_effects_gives_the_frames_of_playback)
{
    GstElement *pipeline = gst_parse_launch(
        "fractalvidsrc class=-1 seed=2 num-clips=3 density=1 effects=paper augment-seed=8 "
        "! video/x-raw,format=GRAY8,width=40,height=32,framerate=12/1 "
        "! appsink name=sink sync=false",
        NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GPtrArray *md5 = g_ptr_array_new_with_free_func(g_free);
    const guint targets[] = {40, 3, 21, 0, 55, 19, 20};
    GstSample *sample;

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        guint64 clip;
        guint frame;
        g_ptr_array_add(md5, sample_md5(sample, &clip, &frame));
        gst_sample_unref(sample);
    }
    fail_unless(md5->len > 55);
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) !=
                GST_STATE_CHANGE_FAILURE);
    for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
        guint64 clip;
        guint frame;
        gchar *got;

        fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                            GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                            gst_util_uint64_scale(targets[i], GST_SECOND, 12)));
        fail_unless(gst_element_get_state(pipeline, NULL, NULL, FV_TEST_TIMEOUT) ==
                    GST_STATE_CHANGE_SUCCESS);
        sample = gst_app_sink_pull_preroll(GST_APP_SINK(sink));
        fail_unless(sample != NULL);
        got = sample_md5(sample, &clip, &frame);
        fail_unless_equals_string(got, g_ptr_array_index(md5, targets[i]));
        g_free(got);
        gst_sample_unref(sample);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_ptr_array_unref(md5);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* fractal:// URIs set effects and augment-seed, and give them back. */
GST_START_TEST(test_fractal_uri_takes_effects_and_augment_seed)
{
    GError *err = NULL;
    GstElement *src = gst_element_make_from_uri(
        GST_URI_SRC, "fractal://class=2&effects=zoom%2Bshake&augment-seed=9", NULL, &err);
    guint effects;
    guint64 augment_seed;
    gchar *uri;

    fail_unless(src != NULL, "%s", err ? err->message : "?");
    g_object_get(src, "effects", &effects, "augment-seed", &augment_seed, NULL);
    fail_unless_equals_int(effects, FV_EFFECT_ZOOM | FV_EFFECT_SHAKE);
    fail_unless_equals_uint64(augment_seed, 9);
    uri = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
    fail_unless(g_str_equal(uri, "fractal://class=2&seed=0&effects=zoom%2Bshake&augment-seed=9"),
                "%s", uri);
    fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(src), "fractal://effects=paper", NULL));
    g_object_get(src, "effects", &effects, "augment-seed", &augment_seed, NULL);
    fail_unless_equals_int(effects, FV_EFFECT_PAPER);
    fail_unless_equals_uint64(augment_seed, 0);
    fail_if(gst_uri_handler_set_uri(GST_URI_HANDLER(src), "fractal://effects=zoom%2Bzom", &err));
    fail_unless(strstr(err->message, "not a valid effects") != NULL, "%s", err->message);
    fail_unless(strstr(err->message, "camera-pan") != NULL, "%s", err->message);
    g_clear_error(&err);
    g_free(uri);
    gst_object_unref(src);
}

GST_END_TEST;

static Suite *effects_suite(void)
{
    Suite *s = suite_create("fractalvidsrc-effects");
    TCase *tc = tcase_create("effects");

    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_effects_default_to_none_and_name_the_core_effects);
    tcase_add_test(tc, test_paper_effects_give_the_core_frames_and_labels);
    tcase_add_test(tc, test_paper_effects_under_frame_normalization);
    tcase_add_test(tc, test_seek_with_effects_gives_the_frames_of_playback);
    tcase_add_test(tc, test_fractal_uri_takes_effects_and_augment_seed);
    return s;
}

GST_CHECK_MAIN(effects);
