/* fractalvid: write a rendered clip's frame into any raw format fractalvidsrc offers (E2).
 *
 * Fractal brightness is the luma: GRAY8 is the core's 8-bit frame exactly, YUV formats carry
 * it as full-range luma with neutral chroma, RGB formats as R = G = B with opaque alpha, and
 * GRAY16_LE is the core's 16-bit frame. Knows the clip and the GstVideoFrame, nothing else. */
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

/* Write frame of clip into vframe (mapped for writing, same size as the clip). scratch is
 * reused between calls (freed with g_free by the caller). FALSE if the core refuses the
 * frame (index out of range). */
gboolean gst_fractal_vid_pack_frame(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                                    guint8 **scratch, gsize *scratch_size);

G_END_DECLS

#endif
