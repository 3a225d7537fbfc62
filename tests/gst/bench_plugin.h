/* The gst benchmarks' check that fractalvidsrc can be found before anything is timed: without
 * it, gst_parse_launch builds a partial pipeline and the benchmarks would print criticals or
 * figures of nothing. */
#ifndef FV_BENCH_PLUGIN_H
#define FV_BENCH_PLUGIN_H

#include <gst/gst.h>

/* TRUE when the element is registered; otherwise says how to find it (on stderr). */
static inline gboolean fv_bench_have_element(const gchar *program)
{
    GstElementFactory *factory = gst_element_factory_find("fractalvidsrc");

    if (factory) {
        gst_object_unref(factory);
        return TRUE;
    }
    g_printerr("%s: the element fractalvidsrc is not found; point GST_PLUGIN_PATH at the "
               "directory of the built plugin (GST_PLUGIN_PATH=$PWD/build/gst)\n",
               program);
    return FALSE;
}

#endif
