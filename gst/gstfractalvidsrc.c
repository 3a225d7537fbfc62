/* fractalvid: the fractalvidsrc element (spec: shared/spec/element.md, E1..E6).
 *
 * This file only translates between GStreamer and the core: properties, caps, allocation,
 * time, seeking, queries and labels. Pixels come from the core (fractalvid.h), are rendered a
 * clip ahead by the worker (gstfractalvidworker.c) and written into raw frames by
 * gstfractalvidpack.c.
 *
 * Every frame is a pure function of (settings, clip index, frame in clip) (E5), so seeking
 * needs no replay: a stream frame is mapped to its clip by summing the cheap per-clip frame
 * counts, and that clip is rendered. Nothing depends on timestamps or on earlier frames. */

/**
 * SECTION:element-fractalvidsrc
 * @title: fractalvidsrc
 *
 * Renders the fractal video generator as a video source: short clips of iterated function
 * systems in smooth motion, each clip labelled with its class.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 fractalvidsrc num-clips=2 ! x264enc ! mp4mux ! filesink location=fractal.mp4
 * gst-launch-1.0 fractalvidsrc class=3 seed=7 ! videoconvert ! autovideosink
 * gst-launch-1.0 playbin uri="fractal://class=3&seed=7"
 * ]|
 */

#include "gstfractalvidsrc.h"

#include "gstfractalvidmeta.h"
#include "gstfractalvidpack.h"
#include "gstfractalviduri.h"
#include "gstfractalvidworker.h"

#include "fractalvid.h"

#include <gst/video/video.h>

#include <errno.h>

GST_DEBUG_CATEGORY_STATIC(gst_fractal_vid_src_debug);
#define GST_CAT_DEFAULT gst_fractal_vid_src_debug

/* The seed's clips (G1): 256x256 at 12 frames per second. */
#define DEFAULT_WIDTH 256
#define DEFAULT_HEIGHT 256
#define DEFAULT_FPS_N 12
#define DEFAULT_FPS_D 1

/* fractalvid.h: with clip-frames 0 a class draws 18..20 frames (G1). Bounds the live
 * look-ahead. */
#define MAX_DRAWN_CLIP_FRAMES 20

#define DEFAULT_CLASS 0
#define DEFAULT_SEED 0
#define DEFAULT_CLASS_SEED 0
#define DEFAULT_MOTION FV_MOTION_NONLINEAR
#define DEFAULT_VARIATION FV_VARIATION_AUTO
#define DEFAULT_CLIP_FRAMES 0
#define DEFAULT_NUM_CLIPS -1
#define DEFAULT_FIRST_CLIP 0
#define DEFAULT_DENSITY FV_DEFAULT_DENSITY
#define DEFAULT_THREADS 0
#define MAX_THREADS 256
#define DEFAULT_IS_LIVE FALSE
#define DEFAULT_TIMESTAMP_OFFSET 0

/* Seeking and the duration sum per-clip frame counts; beyond this many clips (about 80
 * million frames, 77 days at 12 fps) a seek fails and the duration is unknown rather than
 * the element stalling. */
#define MAX_MAPPED_CLIPS (G_GUINT64_CONSTANT(1) << 22)

enum {
    PROP_0,
    PROP_CLASS,
    PROP_SEED,
    PROP_CLASS_SEED,
    PROP_MOTION,
    PROP_VARIATION,
    PROP_CLIP_FRAMES,
    PROP_NUM_CLIPS,
    PROP_FIRST_CLIP,
    PROP_DENSITY,
    PROP_THREADS,
    PROP_IS_LIVE,
    PROP_TIMESTAMP_OFFSET,
};

/* The properties a fractal:// URI may set, in the order the URI lists them. */
static const gchar *const uri_keys[] = {"class",
                                        "class-seed",
                                        "seed",
                                        "motion",
                                        "variation",
                                        "clip-frames",
                                        "num-clips",
                                        "first-clip",
                                        "density",
                                        "threads",
                                        "is-live",
                                        "num-buffers",
                                        "timestamp-offset",
                                        NULL};

static const gchar *const uri_always_keys[] = {"class", "seed", NULL};

struct _GstFractalVidSrc {
    GstPushSrc parent;

    /* Properties. The object lock guards them: they change while playing (E1). */
    gint class_id;
    guint64 seed;
    guint64 class_seed;
    FvMotion motion;
    gint variation;
    guint clip_frames;
    gint num_clips;
    guint64 first_clip;
    gdouble density;
    guint threads;
    gint64 timestamp_offset;

    /* Negotiated format; written by set_caps and read by queries, under the object lock. */
    GstVideoInfo info;
    gboolean have_info;

    /* Position of the next frame. Only the streaming thread, or do_seek/start with the
     * streaming thread stopped, touch these. */
    guint64 frame; /* in the stream; also GST_BUFFER_OFFSET */
    guint64 clip_index;
    guint frame_in_clip;
    /* A framerate change keeps the time reached: PTS(n) = caps_time + (n - caps_frame) / fps. */
    guint64 caps_frame;
    GstClockTime caps_time;
    /* Take the properties anew before the next frame (after start and seeks); also sends
     * the clip's tags again. */
    gboolean resnapshot;

    /* The clip being played, the settings it was rendered with and its index. */
    FvClip *clip;
    FvSettings clip_settings;
    guint64 clip_loaded;
    /* Renders clips ahead; created in start(), freed in stop(); pointer under the object lock. */
    GstFractalVidWorker *worker;
    guint8 *scratch;
    gsize scratch_size;

    /* Slowest clip render seen, part of the live latency (object lock). */
    GstClockTime slowest_render;

    /* First stream frame of each clip under map_settings, for seeking and the duration. */
    GMutex map_lock;
    GArray *clip_starts;
    FvSettings map_settings;
    guint64 map_first;
    gboolean map_valid;
};

static void gst_fractal_vid_src_uri_handler_init(gpointer g_iface, gpointer iface_data);

#define gst_fractal_vid_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE(GstFractalVidSrc, gst_fractal_vid_src, GST_TYPE_PUSH_SRC,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER,
                                              gst_fractal_vid_src_uri_handler_init);
                        GST_DEBUG_CATEGORY_INIT(gst_fractal_vid_src_debug, "fractalvidsrc", 0,
                                                "fractal video source"));
GST_ELEMENT_REGISTER_DEFINE(fractalvidsrc, "fractalvidsrc", GST_RANK_NONE,
                            GST_TYPE_FRACTAL_VID_SRC);

/* ---- enum types ---- */

GType gst_fractal_vid_src_motion_get_type(void)
{
    static GType type = 0;
    static const GEnumValue values[] = {
        {FV_MOTION_STATIC, "Every frame is the start state (a still fractal)", "static"},
        {FV_MOTION_NAIVE, "The six numbers of each map interpolated linearly", "naive"},
        {FV_MOTION_LINEAR, "Decomposed interpolation with linear weights", "linear"},
        {FV_MOTION_NONLINEAR, "Decomposed interpolation along the class's sampled curves",
         "nonlinear"},
        {0, NULL, NULL},
    };

    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("GstFractalVidSrcMotion", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

GType gst_fractal_vid_src_variation_get_type(void)
{
    static GType type = 0;

    if (g_once_init_enter(&type)) {
        /* Built from the core's names, so the enum can never disagree with the renderer.
         * Registered types live as long as the process: the table is never freed. */
        GEnumValue *values = g_new0(GEnumValue, FV_NUM_VARIATIONS + 2);
        GType t;

        values[0].value = FV_VARIATION_AUTO;
        values[0].value_name = "The paper's policy: linear half the time, else one of "
                               "horseshoe, bent, fisheye, popcorn, cosine, eyefish, cylinder";
        values[0].value_nick = fv_variation_name(FV_VARIATION_AUTO);
        values[1].value = FV_VARIATION_LINEAR;
        values[1].value_name = "No variation: the system stays linear";
        values[1].value_nick = fv_variation_name(FV_VARIATION_LINEAR);
        for (gint v = 1; v < FV_NUM_VARIATIONS; v++) {
            values[v + 1].value = v;
            values[v + 1].value_name =
                g_strdup_printf("The %s flame variation", fv_variation_name(v));
            values[v + 1].value_nick = fv_variation_name(v);
        }
        t = g_enum_register_static("GstFractalVidSrcVariation", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

/* ---- settings and the frame map ---- */

/* The core's settings of the current properties and size. Called with the object lock. */
static void gst_fractal_vid_src_snapshot_locked(GstFractalVidSrc *src, FvSettings *s)
{
    fv_default_settings(s);
    s->class_id = src->class_id;
    s->class_seed = src->class_seed;
    s->seed = src->seed;
    s->motion = src->motion;
    s->variation = src->variation;
    s->clip_frames = src->clip_frames;
    s->density = src->density;
    s->width = src->have_info ? GST_VIDEO_INFO_WIDTH(&src->info) : DEFAULT_WIDTH;
    s->height = src->have_info ? GST_VIDEO_INFO_HEIGHT(&src->info) : DEFAULT_HEIGHT;
}

/* Where the stream starts and ends: its first clip and the clip after its last one
 * (G_MAXUINT64 when endless). */
typedef struct {
    guint64 first;
    guint64 end;
} ClipRange;

static void gst_fractal_vid_src_snapshot(GstFractalVidSrc *src, FvSettings *s, ClipRange *range)
{
    GST_OBJECT_LOCK(src);
    gst_fractal_vid_src_snapshot_locked(src, s);
    if (range) {
        range->first = src->first_clip;
        range->end = src->num_clips < 0 || src->first_clip > G_MAXUINT64 - src->num_clips
                         ? G_MAXUINT64
                         : src->first_clip + src->num_clips;
    }
    GST_OBJECT_UNLOCK(src);
}

/* Make the map describe the clips of s from clip first on, extended to at least clips
 * clips. FALSE when a clip has no frames (bad settings) or the map would pass
 * MAX_MAPPED_CLIPS. Called with map_lock. */
static gboolean gst_fractal_vid_src_map_extend_locked(GstFractalVidSrc *src, const FvSettings *s,
                                                      guint64 first, guint64 clips)
{
    if (!src->map_valid || src->map_first != first ||
        !gst_fractal_vid_settings_equal(&src->map_settings, s)) {
        guint64 zero = 0;

        g_array_set_size(src->clip_starts, 0);
        g_array_append_val(src->clip_starts, zero);
        src->map_settings = *s;
        src->map_first = first;
        src->map_valid = TRUE;
    }
    if (clips > MAX_MAPPED_CLIPS || first > G_MAXUINT64 - clips)
        return FALSE;
    while (src->clip_starts->len <= clips) {
        guint64 last = src->clip_starts->len - 1;
        guint frames = fv_clip_frame_count(s, first + last);
        guint64 next;

        if (frames == 0)
            return FALSE;
        next = g_array_index(src->clip_starts, guint64, last) + frames;
        g_array_append_val(src->clip_starts, next);
    }
    return TRUE;
}

/* Stream frames from the start of clip first to the start of clip first + clips. */
static gboolean gst_fractal_vid_src_frames_between(GstFractalVidSrc *src, const FvSettings *s,
                                                   guint64 first, guint64 clips, guint64 *frames)
{
    gboolean ok;

    if (s->clip_frames) {
        if (clips > G_MAXUINT64 / s->clip_frames)
            return FALSE;
        *frames = clips * s->clip_frames;
        return TRUE;
    }
    g_mutex_lock(&src->map_lock);
    ok = gst_fractal_vid_src_map_extend_locked(src, s, first, clips);
    if (ok)
        *frames = g_array_index(src->clip_starts, guint64, clips);
    g_mutex_unlock(&src->map_lock);
    return ok;
}

/* The clip holding stream frame frame of a stream starting at clip first, and the frame's
 * index in that clip. */
static gboolean gst_fractal_vid_src_locate_frame(GstFractalVidSrc *src, const FvSettings *s,
                                                 guint64 first, guint64 frame, guint64 *clip_index,
                                                 guint *frame_in_clip)
{
    guint64 lo, hi;
    gboolean ok;

    if (s->clip_frames) {
        if (frame / s->clip_frames > G_MAXUINT64 - first)
            return FALSE;
        *clip_index = first + frame / s->clip_frames;
        *frame_in_clip = frame % s->clip_frames;
        return TRUE;
    }

    g_mutex_lock(&src->map_lock);
    ok = gst_fractal_vid_src_map_extend_locked(src, s, first, 0);
    /* Extend until a clip starts after frame; then binary search the last start <= frame. */
    while (ok && g_array_index(src->clip_starts, guint64, src->clip_starts->len - 1) <= frame)
        ok = gst_fractal_vid_src_map_extend_locked(src, s, first, src->clip_starts->len);
    if (ok) {
        lo = 0;
        hi = src->clip_starts->len - 1;
        while (hi - lo > 1) {
            guint64 mid = lo + (hi - lo) / 2;
            if (g_array_index(src->clip_starts, guint64, mid) <= frame)
                lo = mid;
            else
                hi = mid;
        }
        *clip_index = first + lo;
        *frame_in_clip = frame - g_array_index(src->clip_starts, guint64, lo);
    }
    g_mutex_unlock(&src->map_lock);
    return ok;
}

/* Frames in the whole stream, when num-clips or num-buffers bound it. */
static gboolean gst_fractal_vid_src_total_frames(GstFractalVidSrc *src, guint64 *frames)
{
    FvSettings s;
    ClipRange range;
    gint num_buffers;
    guint64 total = G_MAXUINT64;
    gboolean bounded = FALSE;

    gst_fractal_vid_src_snapshot(src, &s, &range);
    GST_OBJECT_LOCK(src);
    num_buffers = GST_BASE_SRC(src)->num_buffers;
    GST_OBJECT_UNLOCK(src);

    if (range.end != G_MAXUINT64 &&
        gst_fractal_vid_src_frames_between(src, &s, range.first, range.end - range.first, &total))
        bounded = TRUE;
    if (num_buffers >= 0) {
        total = MIN(total, (guint64)num_buffers);
        bounded = TRUE;
    }
    *frames = total;
    return bounded;
}

/* Time of stream frame n, without timestamp-offset. */
static GstClockTime gst_fractal_vid_src_frame_time(GstFractalVidSrc *src, guint64 n)
{
    const GstVideoInfo *info = &src->info;

    if (GST_VIDEO_INFO_FPS_N(info) <= 0 || n < src->caps_frame)
        return src->caps_time;
    return src->caps_time + gst_util_uint64_scale(n - src->caps_frame,
                                                  (guint64)GST_VIDEO_INFO_FPS_D(info) * GST_SECOND,
                                                  GST_VIDEO_INFO_FPS_N(info));
}

/* ---- properties ---- */

static gboolean gst_fractal_vid_src_is_render_property(guint prop_id)
{
    switch (prop_id) {
    case PROP_CLASS:
    case PROP_SEED:
    case PROP_CLASS_SEED:
    case PROP_MOTION:
    case PROP_VARIATION:
    case PROP_CLIP_FRAMES:
    case PROP_DENSITY:
        return TRUE;
    default:
        return FALSE;
    }
}

static void gst_fractal_vid_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(object);
    gboolean live_latency_changed = FALSE;
    gboolean duration_changed = FALSE;

    GST_OBJECT_LOCK(src);
    switch (prop_id) {
    case PROP_CLASS:
        src->class_id = g_value_get_int(value);
        break;
    case PROP_SEED:
        src->seed = g_value_get_uint64(value);
        break;
    case PROP_CLASS_SEED:
        src->class_seed = g_value_get_uint64(value);
        break;
    case PROP_MOTION:
        src->motion = g_value_get_enum(value);
        break;
    case PROP_VARIATION:
        src->variation = g_value_get_enum(value);
        break;
    case PROP_CLIP_FRAMES:
        src->clip_frames = g_value_get_uint(value);
        live_latency_changed = duration_changed = TRUE;
        break;
    case PROP_NUM_CLIPS:
        src->num_clips = g_value_get_int(value);
        duration_changed = TRUE;
        break;
    case PROP_FIRST_CLIP:
        src->first_clip = g_value_get_uint64(value);
        duration_changed = TRUE;
        break;
    case PROP_DENSITY:
        src->density = g_value_get_double(value);
        break;
    case PROP_THREADS:
        src->threads = g_value_get_uint(value);
        if (src->worker)
            gst_fractal_vid_worker_set_threads(src->worker, src->threads);
        break;
    case PROP_IS_LIVE:
        /* Takes the object lock itself. */
        break;
    case PROP_TIMESTAMP_OFFSET:
        src->timestamp_offset = g_value_get_int64(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    /* The clip rendered ahead is redone with the new settings, so the change shows at the
     * next clip boundary without a stall (E1). The worker never takes the object lock. */
    if (src->worker && gst_fractal_vid_src_is_render_property(prop_id)) {
        FvSettings s;

        gst_fractal_vid_src_snapshot_locked(src, &s);
        gst_fractal_vid_worker_update_prefetch(src->worker, &s);
    }
    live_latency_changed &= src->worker != NULL;
    duration_changed &= src->worker != NULL;
    GST_OBJECT_UNLOCK(src);

    if (prop_id == PROP_IS_LIVE)
        gst_base_src_set_live(GST_BASE_SRC(src), g_value_get_boolean(value));
    if (live_latency_changed && gst_base_src_is_live(GST_BASE_SRC(src)))
        gst_element_post_message(GST_ELEMENT(src), gst_message_new_latency(GST_OBJECT(src)));
    if (duration_changed)
        gst_element_post_message(GST_ELEMENT(src),
                                 gst_message_new_duration_changed(GST_OBJECT(src)));
}

static void gst_fractal_vid_src_get_property(GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(object);

    if (prop_id == PROP_IS_LIVE) {
        g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(src)));
        return;
    }

    GST_OBJECT_LOCK(src);
    switch (prop_id) {
    case PROP_CLASS:
        g_value_set_int(value, src->class_id);
        break;
    case PROP_SEED:
        g_value_set_uint64(value, src->seed);
        break;
    case PROP_CLASS_SEED:
        g_value_set_uint64(value, src->class_seed);
        break;
    case PROP_MOTION:
        g_value_set_enum(value, src->motion);
        break;
    case PROP_VARIATION:
        g_value_set_enum(value, src->variation);
        break;
    case PROP_CLIP_FRAMES:
        g_value_set_uint(value, src->clip_frames);
        break;
    case PROP_NUM_CLIPS:
        g_value_set_int(value, src->num_clips);
        break;
    case PROP_FIRST_CLIP:
        g_value_set_uint64(value, src->first_clip);
        break;
    case PROP_DENSITY:
        g_value_set_double(value, src->density);
        break;
    case PROP_THREADS:
        g_value_set_uint(value, src->threads);
        break;
    case PROP_TIMESTAMP_OFFSET:
        g_value_set_int64(value, src->timestamp_offset);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(src);
}

/* ---- caps ---- */

/* video/x-raw in formats, at every offered size and rate. */
static GstStructure *gst_fractal_vid_src_raw_structure(const GValue *formats)
{
    GstStructure *s = gst_structure_new_empty("video/x-raw");

    gst_structure_set_value(s, "format", formats);
    gst_structure_set(s, "width", GST_TYPE_INT_RANGE, FV_MIN_SIZE, FV_MAX_SIZE, "height",
                      GST_TYPE_INT_RANGE, FV_MIN_SIZE, FV_MAX_SIZE, "framerate",
                      GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, "pixel-aspect-ratio",
                      GST_TYPE_FRACTION, 1, 1, NULL);
    return s;
}

/* The offered caps, cheapest formats first (E2): one structure per run of formats of the
 * same kind in the pack order (gray, YUV, RGB, 16-bit gray). The YUV formats say full range:
 * their luma is the GRAY8 frame, 0..255, not squeezed to 16..235. */
static GstCaps *gst_fractal_vid_src_make_caps(void)
{
    GstCaps *caps = gst_caps_new_empty();
    GstVideoColorimetry full_range;
    gchar *colorimetry;
    guint i = 0;

    gst_video_colorimetry_from_string(&full_range, GST_VIDEO_COLORIMETRY_BT601);
    full_range.range = GST_VIDEO_COLOR_RANGE_0_255;
    colorimetry = gst_video_colorimetry_to_string(&full_range);

    while (i < gst_fractal_vid_pack_n_formats) {
        const GstVideoFormatInfo *first =
            gst_video_format_get_info(gst_fractal_vid_pack_formats[i]);
        const GstVideoFormatFlags kind = GST_VIDEO_FORMAT_INFO_FLAGS(first) &
                                         (GST_VIDEO_FORMAT_FLAG_YUV | GST_VIDEO_FORMAT_FLAG_RGB);
        GValue formats = G_VALUE_INIT;
        GstStructure *s;

        gst_value_list_init(&formats, 4);
        do {
            GValue name = G_VALUE_INIT;

            g_value_init(&name, G_TYPE_STRING);
            g_value_set_string(&name, gst_video_format_to_string(gst_fractal_vid_pack_formats[i]));
            gst_value_list_append_and_take_value(&formats, &name);
            i++;
            /* Gray formats are neither YUV nor RGB: each gets its own structure. */
        } while (kind && i < gst_fractal_vid_pack_n_formats &&
                 (GST_VIDEO_FORMAT_INFO_FLAGS(
                      gst_video_format_get_info(gst_fractal_vid_pack_formats[i])) &
                  kind));
        s = gst_fractal_vid_src_raw_structure(&formats);
        if (kind & GST_VIDEO_FORMAT_FLAG_YUV)
            gst_structure_set(s, "colorimetry", G_TYPE_STRING, colorimetry, NULL);
        gst_caps_append_structure(caps, s);
        g_value_unset(&formats);
    }
    g_free(colorimetry);
    return caps;
}

static GstCaps *gst_fractal_vid_src_fixate(GstBaseSrc *bsrc, GstCaps *caps)
{
    GstStructure *s;

    /* The cheapest format downstream takes, in our order rather than downstream's: an
     * encoder listing Y444 first still gets I420 (E2). */
    for (guint i = 0; i < gst_fractal_vid_pack_n_formats; i++) {
        GstCaps *format =
            gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                                gst_video_format_to_string(gst_fractal_vid_pack_formats[i]), NULL);
        GstCaps *preferred = gst_caps_intersect(caps, format);

        gst_caps_unref(format);
        if (!gst_caps_is_empty(preferred)) {
            gst_caps_unref(caps);
            caps = preferred;
            break;
        }
        gst_caps_unref(preferred);
    }

    caps = gst_caps_truncate(gst_caps_make_writable(caps));
    s = gst_caps_get_structure(caps, 0);
    /* The seed's clips when downstream leaves it open (E2). */
    gst_structure_fixate_field_nearest_int(s, "width", DEFAULT_WIDTH);
    gst_structure_fixate_field_nearest_int(s, "height", DEFAULT_HEIGHT);
    gst_structure_fixate_field_nearest_fraction(s, "framerate", DEFAULT_FPS_N, DEFAULT_FPS_D);
    if (gst_structure_has_field(s, "pixel-aspect-ratio"))
        gst_structure_fixate_field_nearest_fraction(s, "pixel-aspect-ratio", 1, 1);

    return GST_BASE_SRC_CLASS(parent_class)->fixate(bsrc, caps);
}

/* Default negotiation, plus an error that names what downstream asked for and what this
 * element offers when they do not meet (E6), instead of a bare "not-negotiated". */
static gboolean gst_fractal_vid_src_negotiate(GstBaseSrc *bsrc)
{
    GstPad *pad = GST_BASE_SRC_PAD(bsrc);
    GstCaps *asked, *offered;
    gchar *asked_text, *offered_text;
    GString *formats;

    if (GST_BASE_SRC_CLASS(parent_class)->negotiate(bsrc))
        return TRUE;
    if (GST_PAD_IS_FLUSHING(pad))
        return FALSE;

    asked = gst_pad_peer_query_caps(pad, NULL);
    offered = gst_pad_get_pad_template_caps(pad);
    asked_text = asked ? gst_caps_to_string(asked) : g_strdup("nothing");
    offered_text = gst_caps_to_string(offered);
    formats = g_string_new(NULL);
    for (guint i = 0; i < gst_fractal_vid_pack_n_formats; i++)
        g_string_append_printf(formats, "%s%s", i ? ", " : "",
                               gst_video_format_to_string(gst_fractal_vid_pack_formats[i]));
    GST_ELEMENT_ERROR(bsrc, CORE, NEGOTIATION,
                      ("fractalvidsrc cannot produce what downstream asks for. Downstream "
                       "accepts: %s. fractalvidsrc offers video/x-raw in %s, %d..%d pixels wide "
                       "and high, pixel-aspect-ratio 1/1, any framerate.",
                       asked_text, formats->str, FV_MIN_SIZE, FV_MAX_SIZE),
                      ("offered caps: %s", offered_text));
    g_string_free(formats, TRUE);
    g_free(asked_text);
    g_free(offered_text);
    if (asked)
        gst_caps_unref(asked);
    gst_caps_unref(offered);
    return FALSE;
}

static gboolean gst_fractal_vid_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstVideoInfo info;

    if (!gst_video_info_from_caps(&info, caps) ||
        !gst_fractal_vid_pack_supports(GST_VIDEO_INFO_FORMAT(&info)) ||
        GST_VIDEO_INFO_WIDTH(&info) < FV_MIN_SIZE || GST_VIDEO_INFO_WIDTH(&info) > FV_MAX_SIZE ||
        GST_VIDEO_INFO_HEIGHT(&info) < FV_MIN_SIZE || GST_VIDEO_INFO_HEIGHT(&info) > FV_MAX_SIZE ||
        GST_VIDEO_INFO_FPS_N(&info) < 0 || GST_VIDEO_INFO_FPS_D(&info) <= 0) {
        GST_WARNING_OBJECT(src, "refusing caps %" GST_PTR_FORMAT, caps);
        return FALSE;
    }

    GST_OBJECT_LOCK(src);
    /* A new framerate applies from the next frame on; the time reached so far stays. */
    if (src->have_info) {
        src->caps_time = gst_fractal_vid_src_frame_time(src, src->frame);
        src->caps_frame = src->frame;
    }
    src->info = info;
    src->have_info = TRUE;
    GST_OBJECT_UNLOCK(src);

    GST_DEBUG_OBJECT(src, "negotiated %" GST_PTR_FORMAT, caps);
    /* Negotiation happens in PAUSED, before a live source may produce: start rendering the
     * first clip now, so it is ready by PLAYING. */
    if (src->worker && !src->clip) {
        FvSettings s;
        ClipRange range;

        gst_fractal_vid_src_snapshot(src, &s, &range);
        if (src->clip_index < range.end)
            gst_fractal_vid_worker_prefetch(src->worker, &s, src->clip_index);
    }
    if (gst_base_src_is_live(bsrc))
        gst_element_post_message(GST_ELEMENT(src), gst_message_new_latency(GST_OBJECT(src)));
    return TRUE;
}

/* A video buffer pool (downstream's if it offers one), with GstVideoMeta when downstream
 * understands it, so strides may differ from the default (E2). */
static gboolean gst_fractal_vid_src_decide_allocation(GstBaseSrc *bsrc, GstQuery *query)
{
    GstCaps *caps;
    GstVideoInfo info;
    GstBufferPool *pool = NULL;
    GstStructure *config;
    guint size, min = 0, max = 0;
    gboolean update;
    gpointer probe;

    gst_query_parse_allocation(query, &caps, NULL);
    if (!caps || !gst_video_info_from_caps(&info, caps))
        return FALSE;

    update = gst_query_get_n_allocation_pools(query) > 0;
    if (update)
        gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
    size = update ? MAX(size, GST_VIDEO_INFO_SIZE(&info)) : GST_VIDEO_INFO_SIZE(&info);

    /* GStreamer's memory allocators abort when memory runs out. Try one frame here, so a
     * size that cannot be had fails with a message instead of a crash (E6). */
    probe = g_try_malloc(size);
    if (!probe) {
        GST_ELEMENT_ERROR(bsrc, RESOURCE, NO_SPACE_LEFT,
                          ("Not enough memory for a %dx%d %s frame (%u bytes)",
                           GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                           GST_VIDEO_INFO_NAME(&info), size),
                          ("try a smaller size or a format with fewer bytes per pixel"));
        if (pool)
            gst_object_unref(pool);
        return FALSE;
    }
    g_free(probe);

    if (!pool)
        pool = gst_video_buffer_pool_new();

    config = gst_buffer_pool_get_config(pool);
    gst_buffer_pool_config_set_params(config, caps, size, min, max);
    if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL))
        gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    if (!gst_buffer_pool_set_config(pool, config)) {
        /* Downstream's pool wants other parameters: take them if they still fit the caps,
         * else use a pool of our own. */
        config = gst_buffer_pool_get_config(pool);
        if (!gst_buffer_pool_config_validate_params(config, caps, size, min, max)) {
            gst_structure_free(config);
            gst_object_unref(pool);
            pool = gst_video_buffer_pool_new();
            config = gst_buffer_pool_get_config(pool);
            gst_buffer_pool_config_set_params(config, caps, size, min, max);
            gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
        }
        if (!gst_buffer_pool_set_config(pool, config)) {
            GST_ELEMENT_ERROR(bsrc, RESOURCE, SETTINGS,
                              ("Could not configure a buffer pool for %dx%d %s video",
                               GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                               GST_VIDEO_INFO_NAME(&info)),
                              (NULL));
            gst_object_unref(pool);
            return FALSE;
        }
    }

    if (update)
        gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
    else
        gst_query_add_allocation_pool(query, pool, size, min, max);
    gst_object_unref(pool);
    return TRUE;
}

/* ---- time and seeking ---- */

static gboolean gst_fractal_vid_src_is_seekable(GstBaseSrc *bsrc)
{
    /* A live stream follows the clock; a non-live one is a pure function of the frame (E3). */
    return !gst_base_src_is_live(bsrc);
}

static gboolean gst_fractal_vid_src_do_seek(GstBaseSrc *bsrc, GstSegment *segment)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstClockTime position = segment->position;
    FvSettings s;
    ClipRange range;
    guint64 frame = 0, clip_index;
    guint frame_in_clip;
    gint fps_n, fps_d;

    if (segment->rate < 0.0) {
        GST_WARNING_OBJECT(src, "reverse playback is not supported");
        return FALSE;
    }

    GST_OBJECT_LOCK(src);
    fps_n = src->have_info ? GST_VIDEO_INFO_FPS_N(&src->info) : DEFAULT_FPS_N;
    fps_d = src->have_info ? GST_VIDEO_INFO_FPS_D(&src->info) : DEFAULT_FPS_D;
    GST_OBJECT_UNLOCK(src);
    gst_fractal_vid_src_snapshot(src, &s, &range);

    /* The frame showing at position: floor (position * fps) (E3), on the grid of the frames'
     * own (truncated) timestamps, so a seek to a frame's PTS lands on that frame and not on
     * the one before, whose end the sink would clip. A still stream (0/1) has only frame 0. */
    if (fps_n > 0 && GST_CLOCK_TIME_IS_VALID(position)) {
        frame = gst_util_uint64_scale(position, fps_n, (guint64)fps_d * GST_SECOND);
        if (gst_util_uint64_scale(frame + 1, (guint64)fps_d * GST_SECOND, fps_n) <= position)
            frame++;
    }
    if (!gst_fractal_vid_src_locate_frame(src, &s, range.first, frame, &clip_index,
                                          &frame_in_clip)) {
        GST_WARNING_OBJECT(src, "cannot seek to frame %" G_GUINT64_FORMAT, frame);
        return FALSE;
    }

    segment->time = segment->start;
    src->frame = frame;
    src->clip_index = clip_index;
    src->frame_in_clip = frame_in_clip;
    src->caps_frame = 0;
    src->caps_time = 0;
    src->resnapshot = TRUE;
    GST_DEBUG_OBJECT(src,
                     "seek to %" GST_TIME_FORMAT ": frame %" G_GUINT64_FORMAT
                     ", clip %" G_GUINT64_FORMAT " frame %u",
                     GST_TIME_ARGS(position), frame, clip_index, frame_in_clip);

    /* Start rendering the clip now, while basesrc restarts the streaming thread. */
    if (src->worker && src->have_info && clip_index < range.end)
        gst_fractal_vid_worker_prefetch(src->worker, &s, clip_index);
    return TRUE;
}

static void gst_fractal_vid_src_get_times(GstBaseSrc *bsrc, GstBuffer *buffer, GstClockTime *start,
                                          GstClockTime *end)
{
    *start = *end = GST_CLOCK_TIME_NONE;
    /* Live: each frame is released when the clock reaches its PTS (E3). */
    if (gst_base_src_is_live(bsrc) && GST_BUFFER_PTS_IS_VALID(buffer)) {
        *start = GST_BUFFER_PTS(buffer);
        if (GST_BUFFER_DURATION_IS_VALID(buffer))
            *end = *start + GST_BUFFER_DURATION(buffer);
    }
}

/* ---- queries ---- */

/* Live latency: a clip's first frame needs the whole clip rendered (G8), so the renderer
 * looks a whole clip ahead; if rendering a clip ever took longer, that is the latency. */
static GstClockTime gst_fractal_vid_src_latency_locked(GstFractalVidSrc *src)
{
    guint frames = src->clip_frames ? src->clip_frames : MAX_DRAWN_CLIP_FRAMES;
    /* Asked before caps are set (a pipeline going straight to PLAYING): assume the default
     * rate; set_caps posts a latency message with the real one. */
    gint fps_n = src->have_info ? GST_VIDEO_INFO_FPS_N(&src->info) : DEFAULT_FPS_N;
    gint fps_d = src->have_info ? GST_VIDEO_INFO_FPS_D(&src->info) : DEFAULT_FPS_D;
    GstClockTime look_ahead = 0;

    /* A still stream (0/1) has one frame, not a clip, to wait for. */
    if (fps_n > 0)
        look_ahead = gst_util_uint64_scale(frames, (guint64)fps_d * GST_SECOND, fps_n);
    return MAX(look_ahead, src->slowest_render);
}

static gboolean gst_fractal_vid_src_query(GstBaseSrc *bsrc, GstQuery *query)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_LATENCY:
        if (gst_base_src_is_live(bsrc)) {
            GstClockTime latency;

            GST_OBJECT_LOCK(src);
            latency = gst_fractal_vid_src_latency_locked(src);
            GST_OBJECT_UNLOCK(src);
            GST_DEBUG_OBJECT(src, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS(latency));
            /* Frames are made on demand and never dropped: no upper bound. */
            gst_query_set_latency(query, TRUE, latency, GST_CLOCK_TIME_NONE);
            return TRUE;
        }
        break;
    case GST_QUERY_DURATION: {
        GstFormat format;
        guint64 frames;
        gint fps_n, fps_d;

        gst_query_parse_duration(query, &format, NULL);
        GST_OBJECT_LOCK(src);
        fps_n = src->have_info ? GST_VIDEO_INFO_FPS_N(&src->info) : DEFAULT_FPS_N;
        fps_d = src->have_info ? GST_VIDEO_INFO_FPS_D(&src->info) : DEFAULT_FPS_D;
        GST_OBJECT_UNLOCK(src);
        if (fps_n <= 0 || (format != GST_FORMAT_TIME && format != GST_FORMAT_DEFAULT) ||
            !gst_fractal_vid_src_total_frames(src, &frames))
            break;
        if (format == GST_FORMAT_TIME)
            gst_query_set_duration(
                query, format, gst_util_uint64_scale(frames, (guint64)fps_d * GST_SECOND, fps_n));
        else
            gst_query_set_duration(query, format, frames);
        return TRUE;
    }
    case GST_QUERY_CONVERT: {
        GstFormat src_format, dest_format;
        gint64 src_value, dest_value;
        GstVideoInfo info;
        gboolean have_info;

        GST_OBJECT_LOCK(src);
        info = src->info;
        have_info = src->have_info;
        GST_OBJECT_UNLOCK(src);
        if (!have_info)
            break;
        gst_query_parse_convert(query, &src_format, &src_value, &dest_format, NULL);
        if (!gst_video_info_convert(&info, src_format, src_value, dest_format, &dest_value))
            return FALSE;
        gst_query_set_convert(query, src_format, src_value, dest_format, dest_value);
        return TRUE;
    }
    case GST_QUERY_URI: {
        /* Also makes the stream-id deterministic: GStreamer derives it from the URI (E4). */
        gchar *uri = gst_fractal_vid_uri_build(G_OBJECT(src), uri_keys, uri_always_keys);
        gst_query_set_uri(query, uri);
        g_free(uri);
        return TRUE;
    }
    default:
        break;
    }
    return GST_BASE_SRC_CLASS(parent_class)->query(bsrc, query);
}

/* ---- streaming ---- */

/* Global TITLE and COMMENT with every label of the clip (E4); sent through basesrc so it
 * goes out after the segment and before the clip's first buffer. */
static void gst_fractal_vid_src_send_tags(GstFractalVidSrc *src, const FvClipInfo *ci)
{
    GstTagList *tags = gst_tag_list_new_empty();
    gchar *title, *comment;

    if (ci->class_id >= 0)
        title = g_strdup_printf("fractalvid class %" G_GINT64_FORMAT " seed %" G_GUINT64_FORMAT
                                " clip %" G_GUINT64_FORMAT,
                                (gint64)ci->class_id, (guint64)ci->seed, (guint64)ci->clip_index);
    else
        title = g_strdup_printf("fractalvid unlabeled seed %" G_GUINT64_FORMAT
                                " clip %" G_GUINT64_FORMAT,
                                (guint64)ci->seed, (guint64)ci->clip_index);
    comment = g_strdup_printf("class=%" G_GINT64_FORMAT " class-seed=%" G_GUINT64_FORMAT
                              " seed=%" G_GUINT64_FORMAT " clip=%" G_GUINT64_FORMAT
                              " class-key=%" G_GUINT64_FORMAT " motion=%s variation=%s frames=%u"
                              " size=%ux%u generator=%s",
                              (gint64)ci->class_id, (guint64)ci->class_seed, (guint64)ci->seed,
                              (guint64)ci->clip_index, (guint64)ci->class_key,
                              fv_motion_name(ci->motion), fv_variation_name(ci->variation),
                              ci->frames, ci->width, ci->height, FV_GENERATOR_VERSION);

    gst_tag_list_add(tags, GST_TAG_MERGE_REPLACE, GST_TAG_TITLE, title, GST_TAG_COMMENT, comment,
                     NULL);
    gst_tag_list_set_scope(tags, GST_TAG_SCOPE_GLOBAL);
    GST_DEBUG_OBJECT(src, "clip tags %" GST_PTR_FORMAT, tags);
    /* basesrc's send_event queues the event for the streaming loop. Called directly, not
     * through gst_element_send_event(): that takes the state lock, which a state change
     * holds while it waits for this (streaming) thread to stop: a deadlock. */
    GST_ELEMENT_CLASS(parent_class)->send_event(GST_ELEMENT(src), gst_event_new_tag(tags));
    g_free(title);
    g_free(comment);
}

/* Rendering a clip slower than the look-ahead: the live latency grows to match (E3). */
static void gst_fractal_vid_src_note_render_time(GstFractalVidSrc *src, gdouble seconds)
{
    GstClockTime render = (GstClockTime)(seconds * GST_SECOND);
    gboolean grew;

    if (!gst_base_src_is_live(GST_BASE_SRC(src)))
        return;
    GST_OBJECT_LOCK(src);
    grew = render > gst_fractal_vid_src_latency_locked(src);
    if (grew)
        src->slowest_render = render;
    GST_OBJECT_UNLOCK(src);
    if (grew) {
        GST_INFO_OBJECT(src, "a clip took %.3f s to render: latency grows", seconds);
        gst_element_post_message(GST_ELEMENT(src), gst_message_new_latency(GST_OBJECT(src)));
    }
}

/* Make src->clip the clip of the next frame: the clip the position is in, rendered with the
 * properties as they are now (at a clip boundary, after start or a seek), or the same clip
 * at a new size after a renegotiation. */
static GstFlowReturn gst_fractal_vid_src_prepare_clip(GstFractalVidSrc *src)
{
    const GstVideoInfo *info = &src->info;
    const FvClipInfo *ci;
    FvSettings wanted;
    const gchar *bad_field = NULL;
    ClipRange range;
    gint num_buffers_left, result;
    gdouble seconds = 0;
    const gboolean new_clip = !src->clip || src->resnapshot || src->clip_loaded != src->clip_index;

    if (!new_clip && src->clip_settings.width == (guint)info->width &&
        src->clip_settings.height == (guint)info->height)
        return GST_FLOW_OK;

    gst_fractal_vid_src_snapshot(src, &wanted, &range);
    if (!new_clip) {
        /* Same clip, new size: keep the settings it started with. */
        FvSettings resized = src->clip_settings;

        resized.width = wanted.width;
        resized.height = wanted.height;
        wanted = resized;
    } else if (src->clip_index >= range.end) {
        return GST_FLOW_EOS;
    }
    src->resnapshot = FALSE;

    /* A seek that lands in the clip being played keeps it. */
    if (!(src->clip && src->clip_loaded == src->clip_index &&
          gst_fractal_vid_settings_equal(&wanted, &src->clip_settings))) {
        if (fv_settings_validate(&wanted, &bad_field) != 0) {
            GST_ELEMENT_ERROR(src, LIBRARY, SETTINGS,
                              ("Invalid fractal settings: %s", bad_field ? bad_field : "unknown"),
                              (NULL));
            return GST_FLOW_ERROR;
        }

        if (src->clip) {
            gst_fractal_vid_worker_give_back(src->worker, src->clip);
            src->clip = NULL;
        }
        result = gst_fractal_vid_worker_take(src->worker, &wanted, src->clip_index, &src->clip,
                                             &seconds);
        if (result == -ECANCELED)
            return GST_FLOW_FLUSHING;
        if (result == -ENOMEM) {
            GST_ELEMENT_ERROR(src, RESOURCE, NO_SPACE_LEFT,
                              ("Not enough memory to render a %ux%u fractal clip of %u frames",
                               wanted.width, wanted.height,
                               fv_clip_frame_count(&wanted, src->clip_index)),
                              ("fv_render_clip: %s; try a smaller size or fewer clip-frames",
                               g_strerror(ENOMEM)));
            return GST_FLOW_ERROR;
        }
        if (result != 0) {
            GST_ELEMENT_ERROR(src, LIBRARY, FAILED,
                              ("Could not render fractal clip %" G_GUINT64_FORMAT, src->clip_index),
                              ("fv_render_clip: %s", g_strerror(-result)));
            return GST_FLOW_ERROR;
        }
        src->clip_settings = wanted;
        src->clip_loaded = src->clip_index;
        gst_fractal_vid_src_note_render_time(src, seconds);
    }

    ci = fv_clip_info(src->clip);
    /* Only settings changed between the seek and now could leave the position past the
     * clip's end; play the clip's last frame rather than fail. */
    if (src->frame_in_clip >= ci->frames)
        src->frame_in_clip = ci->frames - 1;

    /* The next clip renders while this one plays, unless the stream ends first: a clip
     * render nobody will play is not started. num_buffers_left counts
     * the buffers after this one. */
    num_buffers_left = GST_BASE_SRC(src)->num_buffers_left;
    if (GST_VIDEO_INFO_FPS_N(info) > 0 && src->clip_index + 1 < range.end &&
        (num_buffers_left < 0 || (guint)num_buffers_left >= ci->frames - src->frame_in_clip))
        gst_fractal_vid_worker_prefetch(src->worker, &wanted, src->clip_index + 1);

    if (new_clip)
        gst_fractal_vid_src_send_tags(src, ci);
    return GST_FLOW_OK;
}

static GstFlowReturn gst_fractal_vid_src_fill(GstPushSrc *psrc, GstBuffer *buffer)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(psrc);
    const GstVideoInfo *info = &src->info;
    GstVideoFrame vframe;
    GstFlowReturn ret;
    GstClockTime pts;
    gint64 offset;
    gboolean written;

    if (G_UNLIKELY(!src->have_info))
        return GST_FLOW_NOT_NEGOTIATED;
    /* Framerate 0/1: one still frame, then EOS (E2). */
    if (GST_VIDEO_INFO_FPS_N(info) == 0 && src->frame > 0)
        return GST_FLOW_EOS;

    ret = gst_fractal_vid_src_prepare_clip(src);
    if (ret != GST_FLOW_OK)
        return ret;

    if (!gst_video_frame_map(&vframe, info, buffer, GST_MAP_WRITE)) {
        GST_ELEMENT_ERROR(src, RESOURCE, WRITE,
                          ("Could not map a %dx%d %s buffer for writing", info->width, info->height,
                           GST_VIDEO_INFO_NAME(info)),
                          (NULL));
        return GST_FLOW_ERROR;
    }
    written = gst_fractal_vid_pack_frame(src->clip, src->frame_in_clip, &vframe, &src->scratch,
                                         &src->scratch_size);
    gst_video_frame_unmap(&vframe);
    if (!written) {
        GST_ELEMENT_ERROR(src, STREAM, FAILED,
                          ("Could not write frame %u of fractal clip %" G_GUINT64_FORMAT,
                           src->frame_in_clip, src->clip_index),
                          (NULL));
        return GST_FLOW_ERROR;
    }

    GST_OBJECT_LOCK(src);
    offset = src->timestamp_offset;
    GST_OBJECT_UNLOCK(src);

    /* Every timestamp from the frame count, so nothing drifts (E3). */
    pts = gst_fractal_vid_src_frame_time(src, src->frame);
    GST_BUFFER_PTS(buffer) = offset + pts;
    GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buffer) = GST_VIDEO_INFO_FPS_N(info) > 0
                                      ? gst_fractal_vid_src_frame_time(src, src->frame + 1) - pts
                                      : GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET(buffer) = src->frame;
    GST_BUFFER_OFFSET_END(buffer) = src->frame + 1;
    gst_fractal_vid_meta_add(buffer, fv_clip_info(src->clip), src->frame_in_clip, src->frame);

    src->frame++;
    if (++src->frame_in_clip >= fv_clip_info(src->clip)->frames) {
        src->clip_index++;
        src->frame_in_clip = 0;
    }
    return GST_FLOW_OK;
}

/* ---- states ---- */

static gboolean gst_fractal_vid_src_start(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstFractalVidWorker *worker;
    guint threads;
    gint err;

    GST_OBJECT_LOCK(src);
    threads = src->threads;
    GST_OBJECT_UNLOCK(src);

    worker = gst_fractal_vid_worker_new(threads, &err);
    if (!worker) {
        GST_ELEMENT_ERROR(src, LIBRARY, INIT,
                          ("Could not start the fractal renderer with %u threads", threads),
                          ("fv_renderer_open: %s", g_strerror(-err)));
        return FALSE;
    }

    GST_OBJECT_LOCK(src);
    src->worker = worker;
    gst_video_info_init(&src->info);
    src->have_info = FALSE;
    src->slowest_render = 0;
    GST_OBJECT_UNLOCK(src);

    src->frame = 0;
    src->clip_index = 0;
    src->frame_in_clip = 0;
    src->caps_frame = 0;
    src->caps_time = 0;
    src->resnapshot = TRUE;
    return TRUE;
}

static gboolean gst_fractal_vid_src_stop(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstFractalVidWorker *worker;

    GST_OBJECT_LOCK(src);
    worker = src->worker;
    src->worker = NULL;
    src->have_info = FALSE;
    GST_OBJECT_UNLOCK(src);

    fv_clip_free(&src->clip);
    /* A clip being rendered is cancelled: this waits for one lane of one frame at most. */
    gst_fractal_vid_worker_free(worker);
    g_clear_pointer(&src->scratch, g_free);
    src->scratch_size = 0;
    return TRUE;
}

/* Flushing (seeks, state changes): a streaming thread waiting for a clip returns at once. */
static gboolean gst_fractal_vid_src_unlock(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    GST_OBJECT_LOCK(src);
    if (src->worker)
        gst_fractal_vid_worker_set_flushing(src->worker, TRUE);
    GST_OBJECT_UNLOCK(src);
    return TRUE;
}

static gboolean gst_fractal_vid_src_unlock_stop(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    GST_OBJECT_LOCK(src);
    if (src->worker)
        gst_fractal_vid_worker_set_flushing(src->worker, FALSE);
    GST_OBJECT_UNLOCK(src);
    return TRUE;
}

/* ---- URI handler ---- */

static GstURIType gst_fractal_vid_src_uri_get_type(G_GNUC_UNUSED GType type)
{
    return GST_URI_SRC;
}

static const gchar *const *gst_fractal_vid_src_uri_get_protocols(G_GNUC_UNUSED GType type)
{
    static const gchar *const protocols[] = {GST_FRACTAL_VID_URI_SCHEME, NULL};

    return protocols;
}

static gchar *gst_fractal_vid_src_uri_get_uri(GstURIHandler *handler)
{
    return gst_fractal_vid_uri_build(G_OBJECT(handler), uri_keys, uri_always_keys);
}

static gboolean gst_fractal_vid_src_uri_set_uri(GstURIHandler *handler, const gchar *uri,
                                                GError **error)
{
    GstElement *element = GST_ELEMENT(handler);
    GstState state;

    GST_OBJECT_LOCK(element);
    state = GST_STATE(element);
    GST_OBJECT_UNLOCK(element);
    if (state > GST_STATE_READY) {
        g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                    "fractalvidsrc: the URI can only be changed in the NULL or READY state");
        return FALSE;
    }
    return gst_fractal_vid_uri_apply(G_OBJECT(handler), uri, uri_keys, error);
}

static void gst_fractal_vid_src_uri_handler_init(gpointer g_iface,
                                                 G_GNUC_UNUSED gpointer iface_data)
{
    GstURIHandlerInterface *iface = g_iface;

    iface->get_type = gst_fractal_vid_src_uri_get_type;
    iface->get_protocols = gst_fractal_vid_src_uri_get_protocols;
    iface->get_uri = gst_fractal_vid_src_uri_get_uri;
    iface->set_uri = gst_fractal_vid_src_uri_set_uri;
}

/* ---- GObject ---- */

static void gst_fractal_vid_src_finalize(GObject *object)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(object);

    g_array_unref(src->clip_starts);
    g_mutex_clear(&src->map_lock);
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_fractal_vid_src_class_init(GstFractalVidSrcClass *klass)
{
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS(klass);
    GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS(klass);
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GstCaps *caps;

    gobject_class->set_property = gst_fractal_vid_src_set_property;
    gobject_class->get_property = gst_fractal_vid_src_get_property;
    gobject_class->finalize = gst_fractal_vid_src_finalize;

    g_object_class_install_property(
        gobject_class, PROP_CLASS,
        g_param_spec_int("class", "Class",
                         "The class: which system and motion the clips show (G1). "
                         "-1: unlabeled, a new random class every clip",
                         -1, G_MAXINT, DEFAULT_CLASS, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_SEED,
        g_param_spec_uint64("seed", "Seed",
                            "Which samples of the class: clip k of the stream is sample "
                            "(seed, k)",
                            0, G_MAXUINT64, DEFAULT_SEED, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_CLASS_SEED,
        g_param_spec_uint64("class-seed", "Class seed",
                            "Which universe of classes: a class is the same system for every "
                            "seed",
                            0, G_MAXUINT64, DEFAULT_CLASS_SEED, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_MOTION,
        g_param_spec_enum("motion", "Motion", "How the system moves between its key states (G3)",
                          GST_TYPE_FRACTAL_VID_SRC_MOTION, DEFAULT_MOTION,
                          flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_VARIATION,
        g_param_spec_enum("variation", "Variation",
                          "Nonlinear variation applied after every map (G5)",
                          GST_TYPE_FRACTAL_VID_SRC_VARIATION, DEFAULT_VARIATION,
                          flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_CLIP_FRAMES,
        g_param_spec_uint(
            "clip-frames", "Clip frames", "Frames per clip; 0: as the class draws it (18..20)", 0,
            FV_MAX_CLIP_FRAMES, DEFAULT_CLIP_FRAMES, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_NUM_CLIPS,
        g_param_spec_int("num-clips", "Number of clips",
                         "End of stream after this many clips; -1: endless", -1, G_MAXINT,
                         DEFAULT_NUM_CLIPS, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_FIRST_CLIP,
        g_param_spec_uint64("first-clip", "First clip",
                            "Clip the stream starts with: the stream plays clips first-clip, "
                            "first-clip + 1, ... (to shard a dataset, or one clip per file)",
                            0, G_MAXUINT64, DEFAULT_FIRST_CLIP, flags | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        gobject_class, PROP_DENSITY,
        g_param_spec_double("density", "Density",
                            "Plotted points per pixel per frame: quality versus speed "
                            "(the paper's is 14.26)",
                            FV_MIN_DENSITY, FV_MAX_DENSITY, DEFAULT_DENSITY,
                            flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_THREADS,
        g_param_spec_uint("threads", "Threads",
                          "Rendering threads; 0: one per core (pixels do not depend on it)", 0,
                          MAX_THREADS, DEFAULT_THREADS, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_IS_LIVE,
        g_param_spec_boolean("is-live", "Is live",
                             "Release frames on the pipeline clock, like a camera", DEFAULT_IS_LIVE,
                             flags | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        gobject_class, PROP_TIMESTAMP_OFFSET,
        g_param_spec_int64("timestamp-offset", "Timestamp offset",
                           "An offset added to timestamps set on buffers (in ns)", 0, G_MAXINT64,
                           DEFAULT_TIMESTAMP_OFFSET, flags | GST_PARAM_MUTABLE_READY));

    gst_element_class_set_static_metadata(
        element_class, "Fractal video source", "Source/Video",
        "Renders fractal videos (iterated function systems in smooth motion), "
        "labelled per clip, for pre-training video models and as a test source",
        "fractalvid developers");
    caps = gst_fractal_vid_src_make_caps();
    gst_element_class_add_pad_template(
        element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps);

    basesrc_class->negotiate = gst_fractal_vid_src_negotiate;
    basesrc_class->fixate = gst_fractal_vid_src_fixate;
    basesrc_class->set_caps = gst_fractal_vid_src_set_caps;
    basesrc_class->decide_allocation = gst_fractal_vid_src_decide_allocation;
    basesrc_class->is_seekable = gst_fractal_vid_src_is_seekable;
    basesrc_class->do_seek = gst_fractal_vid_src_do_seek;
    basesrc_class->get_times = gst_fractal_vid_src_get_times;
    basesrc_class->query = gst_fractal_vid_src_query;
    basesrc_class->start = gst_fractal_vid_src_start;
    basesrc_class->stop = gst_fractal_vid_src_stop;
    basesrc_class->unlock = gst_fractal_vid_src_unlock;
    basesrc_class->unlock_stop = gst_fractal_vid_src_unlock_stop;
    pushsrc_class->fill = gst_fractal_vid_src_fill;

    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_MOTION, 0);
    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_VARIATION, 0);
}

static void gst_fractal_vid_src_init(GstFractalVidSrc *src)
{
    src->class_id = DEFAULT_CLASS;
    src->seed = DEFAULT_SEED;
    src->class_seed = DEFAULT_CLASS_SEED;
    src->motion = DEFAULT_MOTION;
    src->variation = DEFAULT_VARIATION;
    src->clip_frames = DEFAULT_CLIP_FRAMES;
    src->num_clips = DEFAULT_NUM_CLIPS;
    src->first_clip = DEFAULT_FIRST_CLIP;
    src->density = DEFAULT_DENSITY;
    src->threads = DEFAULT_THREADS;
    src->timestamp_offset = DEFAULT_TIMESTAMP_OFFSET;
    gst_video_info_init(&src->info);

    g_mutex_init(&src->map_lock);
    src->clip_starts = g_array_new(FALSE, FALSE, sizeof(guint64));

    /* Time is the natural format: seeks and segments are in TIME (E3). */
    gst_base_src_set_format(GST_BASE_SRC(src), GST_FORMAT_TIME);
    gst_base_src_set_live(GST_BASE_SRC(src), DEFAULT_IS_LIVE);
}
