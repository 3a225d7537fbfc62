/* fractalvid: write a rendered frame into any raw format fractalvidsrc offers (E2).
 *
 * Fractal brightness is the luma: GRAY8 and GRAY16_LE carry the core's 8- and 16-bit frames,
 * YUV formats carry them as luma with neutral chroma, RGB formats as R = G = B with opaque
 * alpha, each in the colour range the frame's caps say (full range: the core's values
 * exactly; limited: 16..235). Knows the clip and the GstVideoFrame, nothing else. */
#ifndef GST_FRACTAL_VID_PACK_H
#define GST_FRACTAL_VID_PACK_H

#include <gst/video/video.h>

#include "fractalvid.h"

G_BEGIN_DECLS

/* The formats offered, cheapest first (the caps template lists them in this order). */
extern const GstVideoFormat gst_fractal_vid_pack_formats[];
extern const guint gst_fractal_vid_pack_n_formats;

/* TRUE when format is one of gst_fractal_vid_pack_formats. */
gboolean gst_fractal_vid_pack_supports(GstVideoFormat format);

/* Write frame frame (its index in the clip) of clip into vframe (mapped for writing, same
 * size as the clip). scratch is reused between calls (freed with g_free by the caller). FALSE
 * if the core refuses the frame (clip does not hold it). */
gboolean gst_fractal_vid_pack_frame(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                                    guint8 **scratch, gsize *scratch_size);

G_END_DECLS

#endif
