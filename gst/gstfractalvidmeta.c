/* fractalvid: the per-buffer labels of fractalvidsrc (see gstfractalvidmeta.h). */

#include "gstfractalvidmeta.h"

const GstMetaInfo *gst_fractal_vid_meta_get_info(void)
{
    static const GstMetaInfo *info = NULL;

    if (g_once_init_enter(&info)) {
        /* No tags: the labels do not depend on size, format or colour, so converters and
         * scalers keep the meta (their default copies metas without tags). */
        static const gchar *tags[] = {NULL};
        const GstMetaInfo *registered =
            gst_meta_register_custom(GST_FRACTAL_VID_META_NAME, tags, NULL, NULL, NULL);
        g_once_init_leave(&info, registered);
    }
    return info;
}

void gst_fractal_vid_meta_add(GstBuffer *buffer, const FvClipInfo *info, gdouble density,
                              guint frame_in_clip, guint64 frame)
{
    GstCustomMeta *meta;
    GstStructure *labels;

    gst_fractal_vid_meta_get_info();
    meta = gst_buffer_add_custom_meta(buffer, GST_FRACTAL_VID_META_NAME);
    labels = gst_custom_meta_get_structure(meta);
    gst_structure_set(labels, "class", G_TYPE_INT64, (gint64)info->class_id, "class-key",
                      G_TYPE_UINT64, (guint64)info->class_key, "class-seed", G_TYPE_UINT64,
                      (guint64)info->class_seed, "seed", G_TYPE_UINT64, (guint64)info->seed, "clip",
                      G_TYPE_UINT64, (guint64)info->clip_index, "frame-in-clip", G_TYPE_UINT,
                      frame_in_clip, "frames-in-clip", G_TYPE_UINT, info->frames, "frame",
                      G_TYPE_UINT64, frame, "motion", G_TYPE_STRING, fv_motion_name(info->motion),
                      "variation", G_TYPE_STRING, fv_variation_name(info->variation),
                      "normalization", G_TYPE_STRING, fv_normalization_name(info->normalization),
                      "density", G_TYPE_DOUBLE, density, NULL);
}
