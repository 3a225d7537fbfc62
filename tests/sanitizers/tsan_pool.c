/* The ThreadSanitizer run's check of tsan_glib.c's buffer hand-off: a pooled buffer written by
 * one thread, which then drops its reference while another thread still holds one, and
 * written again by that other thread once it dropped the last reference and took the
 * buffer back from the pool, is not a race: the reference count orders the two writes. It
 * is what a test and the streaming thread do with a frame when the test reads a buffer the
 * element still holds (the pool's own hand-off, a mutex, TSan already sees; the count is an
 * atomic inside libgstreamer, which it does not). The main thread writes and drops its
 * reference, then tells the second thread by a relaxed atomic (which orders nothing).
 * Without the hand-off told to TSan this run ends in a report (exit 66). Built for the TSan
 * run only (tests/gst/meson.build). */
#include <gst/gst.h>

#include <stdio.h>

#ifndef __SANITIZE_THREAD__
#error "tsan_pool.c checks ThreadSanitizer's view: build it with -fsanitize=thread"
#endif

static GstBufferPool *pool;
static GstBuffer *shared; /* the pool's one buffer, a reference held by each thread */
static int dropped;       /* set once the main thread dropped its reference; read relaxed */

/* The second owner: drops the last reference (the buffer goes back to the pool), takes the
 * buffer from the pool again and writes it. */
static gpointer second_owner(gpointer data)
{
    GstBuffer *again = NULL;

    (void)data;
    while (!__atomic_load_n(&dropped, __ATOMIC_RELAXED))
        g_usleep(1000);
    gst_buffer_unref(shared);
    if (gst_buffer_pool_acquire_buffer(pool, &again, NULL) != GST_FLOW_OK)
        return GINT_TO_POINTER(1);
    GST_BUFFER_OFFSET(again) = 2;
    gst_buffer_unref(again);
    return GINT_TO_POINTER(0);
}

int main(int argc, char **argv)
{
    GstBuffer *buffer = NULL;
    GstStructure *config;
    GThread *thread;
    int failed;

    gst_init(&argc, &argv);
    pool = gst_buffer_pool_new();
    config = gst_buffer_pool_get_config(pool);
    gst_buffer_pool_config_set_params(config, NULL, 64, 1, 1);
    if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE) ||
        gst_buffer_pool_acquire_buffer(pool, &buffer, NULL) != GST_FLOW_OK) {
        fprintf(stderr, "FAIL: no buffer from a pool of one\n");
        return 1;
    }
    shared = gst_buffer_ref(buffer);
    /* Started before the write below: its start orders nothing after it. */
    thread = g_thread_new("second-owner", second_owner, NULL);
    GST_BUFFER_OFFSET(buffer) = 1;
    gst_buffer_unref(buffer);
    __atomic_store_n(&dropped, 1, __ATOMIC_RELAXED);
    failed = GPOINTER_TO_INT(g_thread_join(thread));
    gst_buffer_pool_set_active(pool, FALSE);
    gst_object_unref(pool);
    if (failed) {
        fprintf(stderr, "FAIL: the second owner got no buffer back from the pool\n");
        return 1;
    }
    return 0;
}
