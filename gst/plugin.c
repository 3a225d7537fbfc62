/* fractalvid: the GStreamer plugin holding fractalvidsrc. */

#include "gstfractalvidmeta.h"
#include "gstfractalvidsrc.h"

#include "fractalvid.h"

static gboolean plugin_init(GstPlugin *plugin)
{
    /* Registered with the plugin, so a program can look the meta up by name as soon as the
     * plugin is loaded, before the first buffer. */
    gst_fractal_vid_meta_get_info();
    return GST_ELEMENT_REGISTER(fractalvidsrc, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, fractalvid,
                  "Endless, labelled, reproducible fractal videos (iterated function systems in "
                  "smooth motion) for pre-training video models and testing pipelines",
                  plugin_init, FV_VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
