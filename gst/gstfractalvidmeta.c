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

/* An array of n doubles, as a GstValueArray. */
static void set_doubles(GstStructure *labels, const gchar *field, const double *v, guint n)
{
    GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

    gst_value_array_init(&array, n);
    g_value_init(&item, G_TYPE_DOUBLE);
    for (guint i = 0; i < n; i++) {
        g_value_set_double(&item, v[i]);
        gst_value_array_append_value(&array, &item);
    }
    gst_structure_take_value(labels, field, &array);
    g_value_unset(&item);
}

/* The effects of the clip and of this frame (G10). */
static void add_effects(GstStructure *labels, const FvClipInfo *info, const FvEffectsFrame *f)
{
    const FvEffectsInfo *e = &info->effects;
    char names[256];

    fv_effects_to_string(e->applied, names, sizeof(names));
    gst_structure_set(labels, "effects", G_TYPE_STRING, names, "augment-seed", G_TYPE_UINT64,
                      (guint64)info->augment_seed, NULL);
    if (e->applied & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND)) {
        gboolean dynamic = (e->applied & FV_EFFECT_DYNAMIC_BACKGROUND) != 0;

        gst_structure_set(labels, "background-clip", G_TYPE_UINT64, (guint64)e->background_clip[0],
                          "background-frame", G_TYPE_UINT,
                          dynamic ? f->background_frame : e->background_frame[0], "blend",
                          G_TYPE_STRING, e->blend_max ? "max" : "mix", "blend-alpha", G_TYPE_DOUBLE,
                          e->blend_alpha, "blend-exponent", G_TYPE_DOUBLE, e->blend_exponent, NULL);
        if (!dynamic) {
            gst_structure_set(labels, "background-clip-2", G_TYPE_UINT64,
                              (guint64)e->background_clip[1], "background-frame-2", G_TYPE_UINT,
                              e->background_frame[1], NULL);
            set_doubles(labels, "crop", e->crop, 4);
        }
    }
    if (e->applied & FV_EFFECT_BACKGROUND_PAN)
        gst_structure_set(labels, "background-pan-x", G_TYPE_DOUBLE, f->background_pan[0],
                          "background-pan-y", G_TYPE_DOUBLE, f->background_pan[1], NULL);
    if (e->applied & FV_EFFECT_SCALE)
        gst_structure_set(labels, "scale-x", G_TYPE_DOUBLE, e->scale[0], "scale-y", G_TYPE_DOUBLE,
                          e->scale[1], "position-x", G_TYPE_DOUBLE, e->position[0], "position-y",
                          G_TYPE_DOUBLE, e->position[1], NULL);
    if (e->applied & FV_EFFECT_CLONES)
        gst_structure_set(labels, "clone-x", G_TYPE_DOUBLE, e->clone_position[0], "clone-y",
                          G_TYPE_DOUBLE, e->clone_position[1], "clone-angle", G_TYPE_DOUBLE,
                          e->clone_angle, "clone-flip", G_TYPE_BOOLEAN, (gboolean)e->clone_flip,
                          "clone-shift", G_TYPE_INT, e->clone_shift, "clone-frame", G_TYPE_UINT,
                          f->clone_frame, NULL);
    if (e->applied & FV_EFFECT_FOREGROUND_SHIFT)
        gst_structure_set(labels, "foreground-shift-x", G_TYPE_DOUBLE, f->foreground_shift[0],
                          "foreground-shift-y", G_TYPE_DOUBLE, f->foreground_shift[1], NULL);
    if (e->applied & FV_EFFECT_PERSPECTIVE)
        set_doubles(labels, "perspective", e->perspective, 8);
    if (e->applied & FV_EFFECT_CAMERA_PAN)
        gst_structure_set(labels, "camera-pan-x", G_TYPE_DOUBLE, f->camera_pan[0], "camera-pan-y",
                          G_TYPE_DOUBLE, f->camera_pan[1], NULL);
    if (e->applied & FV_EFFECT_ZOOM)
        gst_structure_set(labels, "zoom", G_TYPE_DOUBLE, f->zoom, NULL);
    if (e->applied & FV_EFFECT_SHAKE)
        gst_structure_set(labels, "shake-x", G_TYPE_INT, f->shake[0], "shake-y", G_TYPE_INT,
                          f->shake[1], NULL);
}

void gst_fractal_vid_meta_add(GstBuffer *buffer, const FvClip *clip, gdouble density,
                              guint frame_in_clip, guint64 frame)
{
    const FvClipInfo *info = fv_clip_info(clip);
    GstCustomMeta *meta;
    GstStructure *labels;
    FvEffectsFrame f;

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
    /* a clip rendered with effects asked for (even if it drew none) says so */
    if (info->effects.asked && fv_clip_effects_frame(clip, frame_in_clip, &f) == 0)
        add_effects(labels, info, &f);
}
