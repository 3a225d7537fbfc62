/* A measuring RTSP client for the server benchmark (bench_server.py), built on rtspsrc.
 *
 *   bench-client first-frame URL RUNS
 *       Prints, per run, the milliseconds from the moment rtspsrc sends DESCRIBE to the
 *       first decoded frame (rtspsrc latency=0, avdec_h264, appsink).
 *   bench-client watch URL CLIENTS SECONDS
 *       Opens CLIENTS rtspsrc sessions in one process (depayloaded, not decoded: the
 *       clients' own cost stays small) and, from a second after all have a frame, counts
 *       SECONDS of frames; prints the frames each received per second. */

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtsp/gstrtspmessage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_FRAME_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct Probe {
    gint64 describe_at; /* monotonic us; 0 until DESCRIBE is sent */
    gint64 first_frame_at;
    gint frames; /* atomic */
} Probe;

static gboolean on_before_send(G_GNUC_UNUSED GstElement *src, GstRTSPMessage *msg, Probe *p)
{
    GstRTSPMethod method;
    const gchar *uri;
    GstRTSPVersion version;

    if (gst_rtsp_message_get_type(msg) == GST_RTSP_MESSAGE_REQUEST &&
        gst_rtsp_message_parse_request(msg, &method, &uri, &version) == GST_RTSP_OK &&
        method == GST_RTSP_DESCRIBE && p->describe_at == 0)
        p->describe_at = g_get_monotonic_time();
    return TRUE;
}

static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer data)
{
    Probe *p = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);

    if (g_atomic_int_add(&p->frames, 1) == 0)
        p->first_frame_at = g_get_monotonic_time();
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static void on_handoff(G_GNUC_UNUSED GstElement *sink, G_GNUC_UNUSED GstBuffer *buffer,
                       G_GNUC_UNUSED GstPad *pad, Probe *p)
{
    g_atomic_int_inc(&p->frames);
}

static GstElement *launch(const gchar *description)
{
    GError *error = NULL;
    GstElement *pipeline = gst_parse_launch(description, &error);

    if (!pipeline) {
        g_printerr("bench-client: %s\n", error->message);
        exit(1);
    }
    return pipeline;
}

/* Fail at once on a pipeline error rather than waiting for a timeout. */
static void check_bus(GstElement *pipeline)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg;

    while ((msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR))) {
        GError *err = NULL;
        gst_message_parse_error(msg, &err, NULL);
        g_printerr("bench-client: %s\n", err->message);
        exit(1);
    }
    gst_object_unref(bus);
}

static int first_frame(const gchar *url, int runs)
{
    for (int i = 0; i < runs; i++) {
        gchar *desc = g_strdup_printf("rtspsrc name=src latency=0 location=\"%s\" ! "
                                      "rtph264depay ! h264parse ! avdec_h264 ! "
                                      "appsink name=sink sync=false",
                                      url);
        GstElement *pipeline = launch(desc);
        GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
        GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
        GstAppSinkCallbacks callbacks = {.new_sample = on_new_sample};
        Probe p = {0};
        gint64 deadline;

        g_signal_connect(src, "before-send", G_CALLBACK(on_before_send), &p);
        gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, &p, NULL);
        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        deadline = g_get_monotonic_time() + FIRST_FRAME_TIMEOUT_US;
        while (g_atomic_int_get(&p.frames) == 0 && g_get_monotonic_time() < deadline) {
            check_bus(pipeline);
            g_usleep(1000);
        }
        if (g_atomic_int_get(&p.frames) == 0) {
            g_printerr("bench-client: no frame within 10 s\n");
            return 1;
        }
        g_print("first-frame-ms %.1f\n", (p.first_frame_at - p.describe_at) / 1000.0);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(src);
        gst_object_unref(sink);
        gst_object_unref(pipeline);
        g_free(desc);
        /* The server stops the pipeline before the next run starts a new one. */
        g_usleep(G_USEC_PER_SEC / 2);
    }
    return 0;
}

static int watch(const gchar *url, int clients, double seconds)
{
    GString *desc = g_string_new(NULL);
    GstElement *pipeline;
    Probe *probes = g_new0(Probe, clients);
    gint64 deadline, start;
    int ready = 0;

    for (int i = 0; i < clients; i++)
        g_string_append_printf(desc,
                               "rtspsrc latency=100 location=\"%s\" ! rtph264depay ! "
                               "fakesink name=sink%d sync=false signal-handoffs=true ",
                               url, i);
    pipeline = launch(desc->str);
    for (int i = 0; i < clients; i++) {
        gchar *name = g_strdup_printf("sink%d", i);
        GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
        g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &probes[i]);
        gst_object_unref(sink);
        g_free(name);
    }
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (ready < clients && g_get_monotonic_time() < deadline) {
        check_bus(pipeline);
        g_usleep(10000);
        ready = 0;
        for (int i = 0; i < clients; i++)
            ready += g_atomic_int_get(&probes[i].frames) > 0;
    }
    if (ready < clients) {
        g_printerr("bench-client: %d of %d clients received frames\n", ready, clients);
        return 1;
    }
    g_print("all-connected\n");
    fflush(stdout); /* the benchmark starts measuring now */
    /* Count from a second later: the start of each stream is the first-frame figure's. */
    start = g_get_monotonic_time();
    while (g_get_monotonic_time() - start < G_USEC_PER_SEC) {
        check_bus(pipeline);
        g_usleep(10000);
    }
    for (int i = 0; i < clients; i++)
        g_atomic_int_set(&probes[i].frames, 0);
    start = g_get_monotonic_time();
    while (g_get_monotonic_time() - start < (gint64)(seconds * G_USEC_PER_SEC)) {
        check_bus(pipeline);
        g_usleep(10000);
    }
    seconds = (g_get_monotonic_time() - start) / 1e6;
    for (int i = 0; i < clients; i++)
        g_print("client-fps %.2f\n", g_atomic_int_get(&probes[i].frames) / seconds);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_string_free(desc, TRUE);
    g_free(probes);
    return 0;
}

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    if (argc == 4 && strcmp(argv[1], "first-frame") == 0)
        return first_frame(argv[2], atoi(argv[3]));
    if (argc == 5 && strcmp(argv[1], "watch") == 0)
        return watch(argv[2], atoi(argv[3]), g_ascii_strtod(argv[4], NULL));
    g_printerr("usage: %s first-frame URL RUNS | watch URL CLIENTS SECONDS\n", argv[0]);
    return 2;
}
