/* fractalvid: the fractalvidsrc element, a GStreamer video source rendering the fractal
 * video generator (spec: shared/spec/element.md, E1..E6). */
#ifndef GST_FRACTAL_VID_SRC_H
#define GST_FRACTAL_VID_SRC_H

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_FRACTAL_VID_SRC (gst_fractal_vid_src_get_type())
G_DECLARE_FINAL_TYPE(GstFractalVidSrc, gst_fractal_vid_src, GST, FRACTAL_VID_SRC, GstPushSrc)

/* The enum types of the motion, variation and normalization properties (registered, plugin
 * API). */
#define GST_TYPE_FRACTAL_VID_SRC_MOTION (gst_fractal_vid_src_motion_get_type())
GType gst_fractal_vid_src_motion_get_type(void);
#define GST_TYPE_FRACTAL_VID_SRC_VARIATION (gst_fractal_vid_src_variation_get_type())
GType gst_fractal_vid_src_variation_get_type(void);
#define GST_TYPE_FRACTAL_VID_SRC_NORMALIZATION (gst_fractal_vid_src_normalization_get_type())
GType gst_fractal_vid_src_normalization_get_type(void);
/* The flags type of the effects property (registered, plugin API). */
#define GST_TYPE_FRACTAL_VID_SRC_EFFECTS (gst_fractal_vid_src_effects_get_type())
GType gst_fractal_vid_src_effects_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(fractalvidsrc);

G_END_DECLS

#endif
