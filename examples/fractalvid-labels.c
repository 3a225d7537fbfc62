/* fractalvid-labels: embed fractalvidsrc in a program and read every frame's labels.
 *
 * Builds `fractalvidsrc ! appsink`, pulls the frames and prints the labels fractalvidsrc
 * attaches to each buffer as a custom meta (GstFractalVidMeta). This is how a training
 * program takes frames and their class straight from the element, without files.
 *
 *   fractalvid-labels [CLASS [NUM-CLIPS]]      (defaults: class 3, 2 clips)
 *
 * Run it from the build tree with GST_PLUGIN_PATH=build/gst. */

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <stdlib.h>

static void print_labels(GstSample *sample)
{
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, "GstFractalVidMeta");
    const GstStructure *labels;
    gint64 class_id = 0;
    guint64 frame = 0, clip = 0, seed = 0;
    guint frame_in_clip = 0;

    if (!meta) {
        g_printerr("frame without labels\n");
        return;
    }
    labels = gst_custom_meta_get_structure(meta);
    gst_structure_get(labels, "frame", G_TYPE_UINT64, &frame, "class", G_TYPE_INT64, &class_id,
                      "seed", G_TYPE_UINT64, &seed, "clip", G_TYPE_UINT64, &clip, "frame-in-clip",
                      G_TYPE_UINT, &frame_in_clip, NULL);
    g_print("frame %" G_GUINT64_FORMAT " pts %" GST_TIME_FORMAT ": class %" G_GINT64_FORMAT
            " seed %" G_GUINT64_FORMAT " clip %" G_GUINT64_FORMAT
            " frame-in-clip %u motion %s variation %s\n",
            frame, GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), class_id, seed, clip, frame_in_clip,
            gst_structure_get_string(labels, "motion"),
            gst_structure_get_string(labels, "variation"));
}

int main(int argc, char **argv)
{
    GstElement *pipeline, *src, *sink;
    GstSample *sample;
    GstMessage *msg;
    GstBus *bus;
    int status = EXIT_SUCCESS;

    gst_init(&argc, &argv);

    pipeline = gst_pipeline_new("labels");
    src = gst_element_factory_make("fractalvidsrc", NULL);
    sink = gst_element_factory_make("appsink", NULL);
    if (!pipeline || !src || !sink) {
        g_printerr("fractalvidsrc not found: set GST_PLUGIN_PATH to the plugin's "
                   "directory\n");
        return EXIT_FAILURE;
    }
    g_object_set(src, "class", argc > 1 ? atoi(argv[1]) : 3, "num-clips",
                 argc > 2 ? atoi(argv[2]) : 2, NULL);
    /* sync=false: as fast as the renderer goes, as a training loop wants. */
    g_object_set(sink, "sync", FALSE, NULL);
    gst_bin_add_many(GST_BIN(pipeline), src, sink, NULL);
    gst_element_link(src, sink);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    /* NULL at the end of the stream (or on an error, reported below). */
    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        print_labels(sample);
        gst_sample_unref(sample);
    }

    bus = gst_element_get_bus(pipeline);
    msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (msg) {
        GError *err = NULL;
        gst_message_parse_error(msg, &err, NULL);
        g_printerr("error: %s\n", err->message);
        g_error_free(err);
        gst_message_unref(msg);
        status = EXIT_FAILURE;
    }
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    /* Lets the leaks tracer (GST_TRACERS=leaks) check that nothing outlived the pipeline. */
    gst_deinit();
    return status;
}
