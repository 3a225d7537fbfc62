/* Time to the first frame and peak memory of fractalvidsrc at 1920x1080, 3840x2160 and
 * 7680x4320 (GRAY8, the default density), under each normalization: clip (the paper's: a whole
 * clip is rendered before its first frame) and frame (one frame at a time).
 *
 * Each size runs in a process of its own, so the peak memory is that pipeline's.
 *
 * Usage: bench-big-frames [largest width] (default 7680). Needs GST_PLUGIN_PATH. */

#include "bench_plugin.h"

#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    gint width, height;
} sizes[] = {{1920, 1080}, {3840, 2160}, {7680, 4320}};

static void on_handoff(GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer first)
{
    (void)sink;
    (void)buffer;
    (void)pad;
    if (!*(gint64 *)first)
        *(gint64 *)first = g_get_monotonic_time();
}

/* In a child process: run the pipeline to its first frame; write the seconds it took to fd. */
static int first_frame(gint width, gint height, const gchar *normalization, int fd)
{
    gchar *launch = g_strdup_printf("fractalvidsrc normalization=%s num-buffers=1 ! "
                                    "video/x-raw,format=GRAY8,width=%d,height=%d ! "
                                    "fakesink name=sink signal-handoffs=true",
                                    normalization, width, height);
    GstElement *pipeline, *sink;
    GstMessage *msg;
    gint64 started, first = 0;
    gdouble seconds = -1;

    gst_init(NULL, NULL);
    if (!fv_bench_have_element("bench-big-frames")) {
        g_free(launch);
        return 2;
    }
    pipeline = gst_parse_launch(launch, NULL);
    if (!pipeline)
        return 1;
    sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &first);
    started = g_get_monotonic_time();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered(GST_ELEMENT_BUS(pipeline), GST_CLOCK_TIME_NONE,
                                     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && first)
        seconds = (first - started) / 1e6;
    gst_message_unref(msg);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    g_free(launch);
    return write(fd, &seconds, sizeof(seconds)) == sizeof(seconds) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const gint largest = argc > 1 ? atoi(argv[1]) : 7680;
    const gchar *normalizations[] = {"clip", "frame"};

    if (largest < sizes[0].width) {
        fprintf(stderr, "usage: %s [largest width >= %d] (the sizes: 1920x1080, 3840x2160, "
                        "7680x4320)\n",
                argv[0], sizes[0].width);
        return 2;
    }

    printf("%-11s %-14s %12s %12s\n", "size", "normalization", "first frame", "peak memory");
    for (guint i = 0; i < G_N_ELEMENTS(sizes) && sizes[i].width <= largest; i++) {
        for (guint n = 0; n < G_N_ELEMENTS(normalizations); n++) {
            int fds[2];
            pid_t child;
            struct rusage usage;
            int status;
            gdouble seconds = -1;

            if (pipe(fds) != 0)
                return 1;
            fflush(stdout);
            child = fork();
            if (child == 0) {
                close(fds[0]);
                _exit(first_frame(sizes[i].width, sizes[i].height, normalizations[n], fds[1]));
            }
            close(fds[1]);
            if (read(fds[0], &seconds, sizeof(seconds)) != sizeof(seconds))
                seconds = -1;
            close(fds[0]);
            if (wait4(child, &status, 0, &usage) < 0)
                return 1;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 2) /* no plugin: it said so */
                return 2;
            if (!WIFEXITED(status) ||
                WEXITSTATUS(status) != 0 || seconds < 0) {
                printf("%4dx%-6d %-14s failed\n", sizes[i].width, sizes[i].height,
                       normalizations[n]);
                continue;
            }
            printf("%4dx%-6d %-14s %10.2f s %8.0f MiB\n", sizes[i].width, sizes[i].height,
                   normalizations[n], seconds, usage.ru_maxrss / 1024.0);
        }
    }
    return 0;
}
