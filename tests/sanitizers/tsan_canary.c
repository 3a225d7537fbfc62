/* The ThreadSanitizer run's own check: a data race in instrumented code on an element's
 * streaming thread is still reported under tests/sanitizers/tsan.supp (which ignores what
 * libgstreamer and libglib do internally). A pad probe, called by GStreamer on
 * fractalvidsrc's streaming thread, and the main thread write one counter with no lock;
 * the run must end in TSan's report (the test is expected to fail). Without TSan it
 * exits 77 (skipped). */
#include <gst/gst.h>

#include <stdio.h>

static int unguarded; /* written by both threads, deliberately without a lock */
static int probes;    /* buffers seen, read relaxed: no ordering between the threads */

static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad;
    (void)info;
    (void)data;
    unguarded++;
    __atomic_fetch_add(&probes, 1, __ATOMIC_RELAXED);
    return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv)
{
#ifndef __SANITIZE_THREAD__
    (void)argc;
    (void)argv;
    fprintf(stderr, "SKIP: built without ThreadSanitizer\n");
    return 77;
#else
    gst_init(&argc, &argv);
    GError *err = NULL;
    GstElement *pipeline =
        gst_parse_launch("fractalvidsrc name=src num-clips=1 clip-frames=30 density=1 ! "
                         "video/x-raw,width=32,height=32,framerate=30/1 ! fakesink sync=true",
                         &err);
    if (!pipeline) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    /* while the streaming thread pushes buffers (the first clip takes a while under TSan) */
    for (int ms = 0; ms < 120000 && __atomic_load_n(&probes, __ATOMIC_RELAXED) < 20; ms++) {
        unguarded++;
        g_usleep(1000);
    }
    GstMessage *msg = gst_bus_timed_pop_filtered(GST_ELEMENT_BUS(pipeline), 30 * GST_SECOND,
                                                 GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pad);
    gst_object_unref(src);
    gst_object_unref(pipeline);
    /* reached only when TSan said nothing: the suppressions hid a race of ours */
    fprintf(stderr, "FAIL: no report of the race on the streaming thread (%d buffers)\n",
            __atomic_load_n(&probes, __ATOMIC_RELAXED));
    return 0;
#endif
}
