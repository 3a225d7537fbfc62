/* fractalvid: fractal:// URIs (E4), e.g. fractal://class=3&seed=7&motion=linear.
 *
 * A URI is a list of key=value pairs, each key a property of the element; keys left out
 * take their default, so a URI describes the whole stream and the stream-id made from it
 * is deterministic. */
#ifndef GST_FRACTAL_VID_URI_H
#define GST_FRACTAL_VID_URI_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_FRACTAL_VID_URI_SCHEME "fractal"

/* Parse uri and set the properties of object named by it. keys (NULL-terminated) are the
 * properties a URI may set. Nothing is set unless the whole URI is valid; then every key
 * not in the URI is reset to its default. FALSE and error (GST_URI_ERROR_BAD_URI) otherwise. */
gboolean gst_fractal_vid_uri_apply(GObject *object, const gchar *uri, const gchar *const *keys,
                                   GError **error);

/* The URI of object's current properties: the always_keys always, the other keys when not
 * at their default, in the order of keys. */
gchar *gst_fractal_vid_uri_build(GObject *object, const gchar *const *keys,
                                 const gchar *const *always_keys);

G_END_DECLS

#endif
