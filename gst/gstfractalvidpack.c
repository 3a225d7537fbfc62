/* fractalvid: write a rendered clip's frame into a raw video frame (see gstfractalvidpack.h).
 *
 * Planes, strides and component offsets all come from the GstVideoFrame, so frames from
 * any buffer pool (padded strides, GstVideoMeta) are written correctly. Values follow the
 * frame's colour range as GStreamer defines it (gst_video_color_range_offsets): the core's
 * 0..255 (or 0..65535) brightness becomes 16..235 (4096..60160) in limited range. */

#include "gstfractalvidpack.h"

#include <string.h>

/* Cheapest first: what fixation picks when downstream accepts anything (E2). */
const GstVideoFormat gst_fractal_vid_pack_formats[] = {
    GST_VIDEO_FORMAT_GRAY8, GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12,
    GST_VIDEO_FORMAT_Y444,  GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA,
    GST_VIDEO_FORMAT_ARGB,  GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_RGBx,
    GST_VIDEO_FORMAT_BGRx,  GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
    GST_VIDEO_FORMAT_RGB,   GST_VIDEO_FORMAT_BGR,  GST_VIDEO_FORMAT_GRAY16_LE,
};

const guint gst_fractal_vid_pack_n_formats = G_N_ELEMENTS(gst_fractal_vid_pack_formats);

gboolean gst_fractal_vid_pack_supports(GstVideoFormat format)
{
    for (guint i = 0; i < gst_fractal_vid_pack_n_formats; i++)
        if (gst_fractal_vid_pack_formats[i] == format)
            return TRUE;
    return FALSE;
}

/* Brightness (0..max) to a component value of the frame's range: offset + v * scale / max,
 * rounded. Identity in full range. */
typedef struct {
    gint offset[GST_VIDEO_MAX_COMPONENTS];
    gint scale[GST_VIDEO_MAX_COMPONENTS];
    gboolean full;
    guint8 lut[256]; /* of component 0, for 8-bit formats */
} Range;

static void range_init(Range *range, const GstVideoFrame *vframe)
{
    const GstVideoFormatInfo *finfo = vframe->info.finfo;
    const gint max = (1 << GST_VIDEO_FORMAT_INFO_DEPTH(finfo, 0)) - 1;

    gst_video_color_range_offsets(vframe->info.colorimetry.range, finfo, range->offset,
                                  range->scale);
    range->full = range->offset[0] == 0 && range->scale[0] == max;
    for (gint v = 0; v < 256; v++)
        range->lut[v] = (guint8)(range->offset[0] + (v * range->scale[0] + 127) / 255);
}

/* Map the rows of an 8-bit plane through the range (limited range only). */
static void remap8(const Range *range, guint8 *data, gint stride, gint width, gint height)
{
    if (range->full)
        return;
    for (gint y = 0; y < height; y++) {
        guint8 *row = data + (gsize)y * stride;
        for (gint x = 0; x < width; x++)
            row[x] = range->lut[row[x]];
    }
}

static gboolean pack_gray8(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                           const Range *range)
{
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(vframe, 0);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, 0);

    if (fv_clip_write_gray8(clip, frame, data, stride) != 0)
        return FALSE;
    remap8(range, data, stride, GST_VIDEO_FRAME_WIDTH(vframe), GST_VIDEO_FRAME_HEIGHT(vframe));
    return TRUE;
}

static gboolean pack_gray16(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                            const Range *range)
{
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(vframe, 0);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, 0);

    if (fv_clip_write_gray16(clip, frame, (uint16_t *)data, stride) != 0)
        return FALSE;
    if (range->full && G_BYTE_ORDER == G_LITTLE_ENDIAN)
        return TRUE;
    /* The core writes host order, full range; the format is little endian. */
    for (gint y = 0; y < GST_VIDEO_FRAME_HEIGHT(vframe); y++) {
        guint16 *row = (guint16 *)(data + (gsize)y * stride);
        for (gint x = 0; x < GST_VIDEO_FRAME_WIDTH(vframe); x++) {
            guint32 v = row[x];
            if (!range->full)
                v = range->offset[0] + (v * (guint32)range->scale[0] + 32767) / 65535;
            row[x] = GUINT16_TO_LE((guint16)v);
        }
    }
    return TRUE;
}

/* Luma into the Y plane, every other plane neutral chroma. */
static gboolean pack_planar_yuv(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                                const Range *range)
{
    const GstVideoFormatInfo *finfo = vframe->info.finfo;

    if (!pack_gray8(clip, frame, vframe, range))
        return FALSE;

    for (guint plane = 1; plane < GST_VIDEO_FRAME_N_PLANES(vframe); plane++) {
        guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(vframe, plane);
        gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, plane);
        gint comp[GST_VIDEO_MAX_COMPONENTS];
        gint rows, row_bytes;

        /* The plane's first component gives its size; an interleaved plane (NV12's UV) has a
         * pixel stride that covers every component in it. Neutral chroma is the offset of
         * the chroma components (128 in either range). */
        gst_video_format_info_component(finfo, plane, comp);
        rows = GST_VIDEO_FRAME_COMP_HEIGHT(vframe, comp[0]);
        row_bytes = GST_VIDEO_FRAME_COMP_WIDTH(vframe, comp[0]) *
                    GST_VIDEO_FRAME_COMP_PSTRIDE(vframe, comp[0]);
        for (gint y = 0; y < rows; y++)
            memset(data + (gsize)y * stride, range->offset[comp[0]], row_bytes);
    }
    return TRUE;
}

/* Gray into every byte of a packed RGB pixel, then opaque alpha if the format has one. */
static gboolean pack_rgb(const FvClip *clip, guint frame, GstVideoFrame *vframe, const Range *range,
                         guint8 **scratch, gsize *scratch_size)
{
    const gint width = GST_VIDEO_FRAME_WIDTH(vframe);
    const gint height = GST_VIDEO_FRAME_HEIGHT(vframe);
    const gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE(vframe, 0);
    const gboolean has_alpha = GST_VIDEO_INFO_HAS_ALPHA(&vframe->info);
    const gint alpha_offset =
        has_alpha ? GST_VIDEO_FRAME_COMP_POFFSET(vframe, GST_VIDEO_COMP_A) : 0;
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(vframe, 0);
    const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, 0);
    const gsize gray_size = (gsize)width * height;

    if (*scratch_size < gray_size) {
        g_free(*scratch);
        *scratch = g_malloc(gray_size);
        *scratch_size = gray_size;
    }
    if (fv_clip_write_gray8(clip, frame, *scratch, width) != 0)
        return FALSE;
    remap8(range, *scratch, width, width, height);

    for (gint y = 0; y < height; y++) {
        const guint8 *gray = *scratch + (gsize)y * width;
        guint8 *row = data + (gsize)y * stride;

        if (pstride == 4) {
            for (gint x = 0; x < width; x++)
                memset(row + 4 * x, gray[x], 4);
        } else {
            for (gint x = 0; x < width; x++)
                memset(row + pstride * x, gray[x], pstride);
        }
        /* Alpha is not a colour: opaque in either range. */
        if (has_alpha) {
            for (gint x = 0; x < width; x++)
                row[pstride * x + alpha_offset] = 0xff;
        }
    }
    return TRUE;
}

gboolean gst_fractal_vid_pack_frame(const FvClip *clip, guint frame, GstVideoFrame *vframe,
                                    guint8 **scratch, gsize *scratch_size)
{
    const GstVideoFormatInfo *finfo = vframe->info.finfo;
    Range range;

    range_init(&range, vframe);
    switch (GST_VIDEO_FORMAT_INFO_FORMAT(finfo)) {
    case GST_VIDEO_FORMAT_GRAY8:
        return pack_gray8(clip, frame, vframe, &range);
    case GST_VIDEO_FORMAT_GRAY16_LE:
        return pack_gray16(clip, frame, vframe, &range);
    default:
        break;
    }
    if (GST_VIDEO_FORMAT_INFO_IS_YUV(finfo) && GST_VIDEO_FORMAT_INFO_PSTRIDE(finfo, 0) == 1)
        return pack_planar_yuv(clip, frame, vframe, &range);
    if (GST_VIDEO_FORMAT_INFO_IS_RGB(finfo) && GST_VIDEO_FORMAT_INFO_BITS(finfo) == 8)
        return pack_rgb(clip, frame, vframe, &range, scratch, scratch_size);
    g_return_val_if_reached(FALSE);
}
