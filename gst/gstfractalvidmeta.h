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
 * points per pixel: the density property, or less where a live stream traded it for time).
 *
 * With effects (G10, the effects property), also: effects (string, the effects the clip got,
 * names joined by '+', or "none"), augment-seed (guint64), and for each effect it got
 * (positions and sizes are fractions of the frame, x of its width, y of its height; motions
 * are this frame's, in pixels):
 *   static-background / dynamic-background: background-clip, background-clip-2 (guint64,
 *     clips of the unlabeled stream), background-frame (guint, the frame shown), blend ("mix"
 *     or "max"), blend-alpha, blend-exponent (gdouble); static: crop (array of 4 gdouble:
 *     x, y, width, height)
 *   background-pan: background-pan-x, background-pan-y (gdouble)
 *   scale: scale-x, scale-y, position-x, position-y (gdouble)
 *   clones: clone-x, clone-y, clone-angle (degrees), clone-flip (gboolean), clone-shift (gint,
 *     frames), clone-frame (guint, the clip frame the clone shows)
 *   foreground-shift: foreground-shift-x, foreground-shift-y (gdouble)
 *   perspective: perspective (array of 8 gdouble: where the corners go)
 *   camera-pan: camera-pan-x, camera-pan-y (gdouble)
 *   zoom: zoom (gdouble, this frame's scale)
 *   shake: shake-x, shake-y (gint) */
#ifndef GST_FRACTAL_VID_META_H
#define GST_FRACTAL_VID_META_H

#include <gst/gst.h>

#include "fractalvid.h"

G_BEGIN_DECLS

#define GST_FRACTAL_VID_META_NAME "GstFractalVidMeta"

/* Register the meta (idempotent; called from plugin_init). */
const GstMetaInfo *gst_fractal_vid_meta_get_info(void);

/* Label buffer as frame frame_in_clip of clip (which holds that frame), rendered at density,
 * frame frame of the stream. */
void gst_fractal_vid_meta_add(GstBuffer *buffer, const FvClip *clip, gdouble density,
                              guint frame_in_clip, guint64 frame);

G_END_DECLS

#endif
