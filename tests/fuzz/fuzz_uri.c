/* libFuzzer target: fractal:// URIs through fractalvidsrc's URI handler (the plugin from the
 * build tree, GStreamer itself). Any URI: no crash, no undefined behaviour, no GLib warning;
 * a refused URI says why and changes nothing; an accepted one reads back as a canonical URI
 * that sets the same properties and reads back the same. */
#include <gst/gst.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

static GstElement *src;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    gst_init(argc, argv);
    /* warnings and criticals are bugs here */
    g_log_set_always_fatal(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
    src = gst_element_factory_make("fractalvidsrc", NULL);
    if (!src) {
        fprintf(stderr, "no fractalvidsrc: point GST_PLUGIN_PATH at the build tree\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte: whether to prefix "fractal://" (most inputs) */
    const gboolean prefix = size == 0 || data[0] % 8 != 0;
    gchar *body = g_strndup((const gchar *)data + (size > 0), size > 0 ? size - 1 : 0);
    gchar *uri = prefix ? g_strconcat("fractal://", body, NULL) : g_strdup(body);
    gchar *before = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
    GError *err = NULL;

    if (gst_uri_handler_set_uri(GST_URI_HANDLER(src), uri, &err)) {
        gchar *canonical = gst_uri_handler_get_uri(GST_URI_HANDLER(src)), *again;
        GError *err2 = NULL;

        CHECK(g_str_has_prefix(canonical, "fractal://"));
        CHECK(gst_uri_handler_set_uri(GST_URI_HANDLER(src), canonical, &err2));
        again = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
        CHECK(strcmp(again, canonical) == 0);
        g_free(again);
        g_free(canonical);
    } else {
        gchar *after = gst_uri_handler_get_uri(GST_URI_HANDLER(src));

        CHECK(err != NULL && err->message && *err->message);
        CHECK(err->domain == GST_URI_ERROR);
        CHECK(strcmp(before, after) == 0); /* nothing of a refused URI is applied */
        g_error_free(err);
        g_free(after);
    }
    g_free(before);
    g_free(uri);
    g_free(body);
    return 0;
}
