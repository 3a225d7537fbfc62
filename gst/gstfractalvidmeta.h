/* fractalvid: the per-buffer labels of fractalvidsrc (E4).
 *
 * A custom meta (gst_meta_register_custom), so a program reads it with nothing but GStreamer:
 *
 *   GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, "GstFractalVidMeta");
 *   GstStructure *labels = gst_custom_meta_get_structure (meta);
 *   gst_structure_get_int64 (labels, "class", &class_id);
 *
 * Fields: class (gint64, -1 unlabeled), class-key (guint64, the drawn system),
 * class-seed, seed, clip (guint64 clip index), frame-in-clip (guint), frames-in-clip (guint),
 * frame (guint64, frame index in the stream), motion and variation (names, the variation
 * resolved: never "auto"), normalization ("clip" or "frame") and density (gdouble, plotted
 * points per pixel: the density property, or less where a live stream traded it for time). */
#ifndef GST_FRACTAL_VID_META_H
#define GST_FRACTAL_VID_META_H

#include <gst/gst.h>

#include "fractalvid.h"

G_BEGIN_DECLS

#define GST_FRACTAL_VID_META_NAME "GstFractalVidMeta"

/* Register the meta (idempotent; called from plugin_init). */
const GstMetaInfo *gst_fractal_vid_meta_get_info(void);

/* Label buffer as frame frame_in_clip of the clip described by info, rendered at density,
 * frame frame of the stream. */
void gst_fractal_vid_meta_add(GstBuffer *buffer, const FvClipInfo *info, gdouble density,
                              guint frame_in_clip, guint64 frame);

G_END_DECLS

#endif
