/* fractalvid: the fractalvidsrc element (spec: shared/spec/element.md, E1..E6).
 *
 * This file only translates between GStreamer and the core: properties, caps, allocation,
 * time, seeking, queries and labels. Pixels come from the core (fractalvid.h), are rendered a
 * unit ahead by the worker (gstfractalvidworker.c: a whole clip, or one frame under the
 * frame normalization) and written into raw frames by gstfractalvidpack.c.
 *
 * Every frame is a pure function of (settings, clip index, frame in clip) (E5), so seeking,
 * reverse playback and a late live stream skipping ahead need no replay: a stream frame is
 * mapped to its clip by summing the cheap per-clip frame counts, and that clip is rendered.
 * Nothing depends on timestamps or on earlier frames.
 *
 * Live, the element waits on the pipeline clock itself (rather than through basesrc's
 * get_times), because it decides per frame whether the frame can still be on time: a frame
 * later than its latency is skipped, and the skip reported in a QoS message. */

/**
 * SECTION:element-fractalvidsrc
 * @title: fractalvidsrc
 *
 * Renders the fractal video generator as a video source: short clips of iterated function
 * systems in smooth motion, each clip labelled with its class. Every buffer carries its
 * labels in a GstFractalVidMeta (see gstfractalvidmeta.h); every clip starts with TITLE and
 * COMMENT tags.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 fractalvidsrc num-clips=2 ! x264enc ! mp4mux ! filesink location=fractal.mp4
 * gst-launch-1.0 fractalvidsrc class=3 seed=7 ! videoconvert ! autovideosink
 * gst-launch-1.0 playbin uri="fractal://class=3&seed=7"
 * gst-launch-1.0 fractalvidsrc is-live=true normalization=frame !
 * video/x-raw,width=1920,height=1080 ! videoconvert ! autovideosink
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
#include <math.h>

GST_DEBUG_CATEGORY_STATIC(gst_fractal_vid_src_debug);
#define GST_CAT_DEFAULT gst_fractal_vid_src_debug

/* The paper's clips: 256x256 at 12 frames per second. */
#define DEFAULT_WIDTH 256
#define DEFAULT_HEIGHT 256
#define DEFAULT_FPS_N 12
#define DEFAULT_FPS_D 1

#define DEFAULT_CLASS 0
#define DEFAULT_SEED 0
#define DEFAULT_CLASS_SEED 0
#define DEFAULT_MOTION FV_MOTION_NONLINEAR
#define DEFAULT_VARIATION FV_VARIATION_AUTO
#define DEFAULT_CLIP_FRAMES 0
#define DEFAULT_NUM_CLIPS -1
#define DEFAULT_FIRST_CLIP 0
#define DEFAULT_DENSITY FV_DEFAULT_DENSITY
#define DEFAULT_EFFECTS 0
#define DEFAULT_AUGMENT_SEED 0
#define DEFAULT_THREADS 0
#define MAX_THREADS FV_MAX_THREADS
#define DEFAULT_IS_LIVE FALSE
#define DEFAULT_TIMESTAMP_OFFSET 0
#define DEFAULT_NORMALIZATION FV_NORMALIZATION_CLIP
#define DEFAULT_ADAPTIVE_DENSITY FALSE
#define DEFAULT_RENDER_AHEAD 0 /* automatic: see gst_fractal_vid_auto_ahead */

/* Seeking and the duration sum per-clip frame counts; beyond this many clips (about 80
 * million frames, 77 days at 12 fps) a seek fails and the duration is unknown rather than
 * the element stalling. */
#define MAX_MAPPED_CLIPS (G_GUINT64_CONSTANT(1) << 22)

/* Live, READY to PAUSED waits this long at most for the first clip (or frame), so it is
 * ready when the pipeline goes to PLAYING (the paper's clips take tens of milliseconds),
 * and, when that clip took more than 1 / AHEAD_WAIT_SHARE of its play time, for the clips
 * rendered ahead too: a clip of a slow variation can take six or seven times as long as one
 * of a fast variation (class=-1 at 1280x720: 760 ms against 114), and the clip after the
 * first would be late if it were only started at PLAYING. Longer renders finish after, and
 * the stream starts when they do. At most a second, because the other live sources of the
 * pipeline wait too. */
#define FIRST_UNIT_WAIT G_USEC_PER_SEC
#define AHEAD_WAIT_SHARE 10

/* Live, a clip that renders slower than the clip before it plays raises the latency by its
 * overrun, in whole frame periods, at least doubling each time and never beyond this many
 * periods; a frame later than the latency is skipped instead. */
#define MAX_OVERRUN_PERIODS 4

/* Live, a render aimed past frames that cannot be on time aims this much past the render time
 * expected (renders vary). */
#define RENDER_MARGIN 1.25

/* adaptive-density: a unit's render may take this share of its play time; each unit moves
 * the density by at most these factors. */
#define ADAPT_BUDGET 0.75
#define ADAPT_MIN_STEP 0.25
#define ADAPT_MAX_STEP 1.25

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
    PROP_EFFECTS,
    PROP_AUGMENT_SEED,
    PROP_THREADS,
    PROP_IS_LIVE,
    PROP_TIMESTAMP_OFFSET,
    PROP_NORMALIZATION,
    PROP_ADAPTIVE_DENSITY,
    PROP_RENDER_AHEAD,
    PROP_CURRENT_RENDER_AHEAD,
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
                                        "normalization",
                                        "effects",
                                        "augment-seed",
                                        "threads",
                                        "render-ahead",
                                        "is-live",
                                        "adaptive-density",
                                        "num-buffers",
                                        "timestamp-offset",
                                        NULL};

static const gchar *const uri_always_keys[] = {"class", "seed", NULL};

/* ready: where a live READY to PAUSED stands in waiting for the first unit. */
enum { READY_WAIT_CAPS = 0, READY_FIRST_ASKED = 1, READY_NO_CAPS = -1 };

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
    guint effects;
    guint64 augment_seed;
    guint threads;
    gint64 timestamp_offset;
    FvNormalization normalization;
    gboolean adaptive_density;
    guint render_ahead;
    guint auto_ahead; /* render-ahead=0: the clips rendered ahead now (object lock) */

    /* Negotiated format; written by set_caps and read by queries, under the object lock. */
    GstVideoInfo info;
    gboolean have_info;

    /* Position of the next frame. Only the streaming thread, or do_seek/start with the
     * streaming thread stopped, touch these. */
    guint64 frame; /* in the stream; also GST_BUFFER_OFFSET */
    guint64 clip_index;
    guint frame_in_clip;
    gboolean reverse;    /* playing backwards (a seek with a negative rate) */
    gboolean past_start; /* reverse: the stream's first frame went out */
    gboolean clip_done;  /* clip_index is the last clip index and it has been played */
    /* A framerate change keeps the time reached: PTS(n) = caps_time + (n - caps_frame) / fps. */
    guint64 caps_frame;
    GstClockTime caps_time;
    /* Take the properties anew before the next frame (after start and seeks); also sends
     * the clip's tags again. */
    gboolean resnapshot;

    /* The clip being played and the settings its frames are rendered with, taken when it
     * started (E1). */
    gboolean have_clip_settings;
    guint64 settings_clip;
    FvSettings clip_settings;
    /* The unit in clip: frame frame_loaded (GST_FRACTAL_VID_WHOLE_CLIP: every frame) of clip
     * clip_loaded, rendered with loaded_settings. */
    FvClip *clip;
    guint64 clip_loaded;
    guint frame_loaded;
    FvSettings loaded_settings;
    /* Renders units ahead; created in start(), freed in stop(); pointer under the object lock. */
    GstFractalVidWorker *worker;
    guint8 *scratch;
    gsize scratch_size;

    /* Live. The object lock guards clock_id, playing, flushing, live_restart, overrun and
     * live_density; the rest is the streaming thread's. */
    GstClockID clock_id;          /* the wait for the next frame's time */
    gboolean playing;             /* PLAYING: pausing unschedules the wait */
    gboolean flushing;            /* unlock(): stop waiting */
    gboolean live_restart;        /* the next frame is the first since PLAYING */
    GstClockTimeDiff live_offset; /* added to timestamps: a late start shifts the stream */
    GstClockTime overrun;         /* latency beyond one frame period */
    guint64 skip_to;              /* frames before this one are skipped (rendering aimed past) */
    gboolean ahead_asked;         /* the unit asked for next renders while this one plays */
    gboolean behind;              /* rendering falls behind: see prepare_unit */
    gdouble render_seconds;       /* how long a unit takes to render, recent average */
    gdouble render_mean;          /* the same over about eight units */
    guint renders_noted;          /* live units rendered since start */
    gdouble later_mean;           /* render_mean of the units after the first */
    gdouble live_density;         /* adaptive-density's density; 0 until it has traded */
    guint64 processed, dropped;   /* frames pushed and skipped, for QoS messages */

    /* A live READY to PAUSED waits for the first unit (see FIRST_UNIT_WAIT). */
    GMutex ready_lock;
    GCond ready_cond;
    gint ready;
    gint64 first_asked; /* monotonic time the first unit was asked for */
    gint64 first_plays; /* and how long it plays, in microseconds (G_MAXINT64: a still) */

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

GType gst_fractal_vid_src_normalization_get_type(void)
{
    static GType type = 0;
    static const GEnumValue values[] = {
        {FV_NORMALIZATION_CLIP,
         "By the clip's brightest pixel: brightness steady within a clip, as the paper's; a "
         "whole clip is rendered before its first frame",
         "clip"},
        {FV_NORMALIZATION_FRAME,
         "By each frame's own brightest pixel: a frame needs only itself, so the first frame "
         "comes at once and one frame is held at a time",
         "frame"},
        {0, NULL, NULL},
    };

    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("GstFractalVidSrcNormalization", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

GType gst_fractal_vid_src_effects_get_type(void)
{
    static GType type = 0;
    static const gchar *const descriptions[FV_NUM_EFFECTS] = {
        "Static background: the max of two frames of other clips, a resized crop, held still",
        "Dynamic background: another clip replayed by a random walk over a few of its frames",
        "Background pan: the static background pans (implies static-background)",
        "Scale: the fractal resized per axis, 0.3..1, and placed at random",
        "Clones: a second copy, flipped, rotated, shifted in time (both copies 0.2..0.7)",
        "Foreground shift: the fractal pans",
        "Perspective: the frame seen at an angle, each corner moved inward",
        "Camera pan: the whole picture pans",
        "Zoom: the camera zooms in or out",
        "Shake: the camera shakes",
        "The paper's mix: every effect not named, at the paper's probability",
    };

    if (g_once_init_enter(&type)) {
        /* Nicks are the core's names, so the flags never disagree with the renderer or the
         * command line. Registered types live as long as the process. */
        GFlagsValue *values = g_new0(GFlagsValue, FV_NUM_EFFECTS + 1);
        GType t;

        for (gint b = 0; b < FV_NUM_EFFECTS; b++) {
            values[b].value = 1u << b;
            values[b].value_name = descriptions[b];
            values[b].value_nick = fv_effect_name(b);
        }
        t = g_flags_register_static("GstFractalVidSrcEffects", values);
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
    /* A live stream that traded density for time keeps the density it traded to. */
    if (src->adaptive_density && src->live_density > 0)
        s->density = MIN(s->density, src->live_density);
    s->normalization = src->normalization;
    s->effects = src->effects;
    s->augment_seed = src->augment_seed;
    s->width = src->have_info ? GST_VIDEO_INFO_WIDTH(&src->info) : DEFAULT_WIDTH;
    s->height = src->have_info ? GST_VIDEO_INFO_HEIGHT(&src->info) : DEFAULT_HEIGHT;
}

/* The clips of the stream: count clips from first (endless: to the last clip index there
 * is). Clip indices do not wrap: a stream that reaches clip G_MAXUINT64 ends with it, so
 * first-clip=18446744073709551615 num-clips=1 plays that clip, and nothing is a sentinel. */
typedef struct {
    guint64 first;
    guint64 count;
    gboolean endless;
} ClipRange;

/* TRUE when clip is one of range's. */
static gboolean gst_fractal_vid_src_range_has(const ClipRange *range, guint64 clip)
{
    return clip >= range->first && (range->endless || clip - range->first < range->count);
}

/* The clip after clip in range, or FALSE when clip is its last. */
static gboolean gst_fractal_vid_src_range_next(const ClipRange *range, guint64 clip, guint64 *next)
{
    if (clip == G_MAXUINT64 || !gst_fractal_vid_src_range_has(range, clip + 1))
        return FALSE;
    *next = clip + 1;
    return TRUE;
}

static void gst_fractal_vid_src_snapshot(GstFractalVidSrc *src, FvSettings *s, ClipRange *range)
{
    GST_OBJECT_LOCK(src);
    gst_fractal_vid_src_snapshot_locked(src, s);
    if (range) {
        /* clip indices after first (all of them, first included, may be 2^64) */
        const guint64 after_first = G_MAXUINT64 - src->first_clip;

        range->first = src->first_clip;
        range->endless = src->num_clips < 0;
        range->count = 0;
        if (src->num_clips > 0)
            range->count = (guint64)src->num_clips - 1 > after_first ? after_first + 1
                                                                     : (guint64)src->num_clips;
    }
    GST_OBJECT_UNLOCK(src);
}

/* The frame of clip frame_in_clip that a unit of s starts with: the frame itself under the
 * frame normalization, else the whole clip. */
static guint gst_fractal_vid_src_unit_frame(const FvSettings *s, guint frame_in_clip)
{
    return s->normalization == FV_NORMALIZATION_FRAME ? frame_in_clip : GST_FRACTAL_VID_WHOLE_CLIP;
}

/* The most clips rendered ahead now: render-ahead, or what render-ahead=0 chose. Called with
 * the object lock. */
static guint gst_fractal_vid_src_ahead_locked(GstFractalVidSrc *src)
{
    return src->render_ahead ? src->render_ahead : src->auto_ahead;
}

/* The last clip the worker may render ahead to, from clip_index (a whole clip of s asked for
 * next) on in the direction of play: render-ahead clips in all, fewer when the stream ends
 * first (num-clips, num-buffers), so no clip nobody plays is rendered. frames: the frames
 * played from now to the end of clip_index. Under the frame normalization, clip_index. */
static guint64 gst_fractal_vid_src_ahead_until(GstFractalVidSrc *src, const FvSettings *s,
                                               const ClipRange *range, guint64 clip_index,
                                               guint64 frames)
{
    const gint num_buffers_left = GST_BASE_SRC(src)->num_buffers_left;
    guint64 until = clip_index;
    guint ahead;

    if (s->normalization == FV_NORMALIZATION_FRAME)
        return clip_index;
    GST_OBJECT_LOCK(src);
    ahead = gst_fractal_vid_src_ahead_locked(src);
    GST_OBJECT_UNLOCK(src);
    for (guint i = 1; i < ahead; i++) {
        if (num_buffers_left >= 0 && frames >= (guint64)num_buffers_left)
            break;
        if (!src->reverse) {
            if (!gst_fractal_vid_src_range_next(range, until, &until))
                break;
        } else {
            if (until <= range->first)
                break;
            until--;
        }
        frames += fv_clip_frame_count(s, until);
    }
    return until;
}

/* The frames played from frame frame_in_clip of clip clip_index of s to the clip's end, in the
 * direction of play. */
static guint64 gst_fractal_vid_src_frames_to_end(GstFractalVidSrc *src, const FvSettings *s,
                                                 guint64 clip_index, guint frame_in_clip)
{
    const guint frames = fv_clip_frame_count(s, clip_index);

    if (src->reverse)
        return (guint64)frame_in_clip + 1;
    return frames > frame_in_clip ? frames - frame_in_clip : 1;
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
    /* clips first .. first + clips - 1 must exist (the last index is a clip too) */
    if (clips > MAX_MAPPED_CLIPS || (clips > 0 && first > G_MAXUINT64 - (clips - 1)))
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

    if (!range.endless &&
        gst_fractal_vid_src_frames_between(src, &s, range.first, range.count, &total))
        bounded = TRUE;
    if (num_buffers >= 0) {
        total = MIN(total, (guint64)num_buffers);
        bounded = TRUE;
    }
    *frames = total;
    return bounded;
}

/* One frame's duration; 0 for a still stream (0/1). */
static GstClockTime gst_fractal_vid_src_period(const GstVideoInfo *info)
{
    if (GST_VIDEO_INFO_FPS_N(info) <= 0)
        return 0;
    return gst_util_uint64_scale(GST_SECOND, GST_VIDEO_INFO_FPS_D(info),
                                 GST_VIDEO_INFO_FPS_N(info));
}

/* Time of stream frame n, without timestamp-offset. */
static GstClockTime gst_fractal_vid_src_frame_time(GstFractalVidSrc *src, guint64 n)
{
    const GstVideoInfo *info = &src->info;
    const guint64 unit = (guint64)GST_VIDEO_INFO_FPS_D(info) * GST_SECOND;
    GstClockTime back;

    if (GST_VIDEO_INFO_FPS_N(info) <= 0)
        return src->caps_time;
    if (n >= src->caps_frame)
        return src->caps_time +
               gst_util_uint64_scale(n - src->caps_frame, unit, GST_VIDEO_INFO_FPS_N(info));
    /* Backwards past a framerate change. */
    back = gst_util_uint64_scale(src->caps_frame - n, unit, GST_VIDEO_INFO_FPS_N(info));
    return src->caps_time > back ? src->caps_time - back : 0;
}

/* The last stream frame whose time (without timestamp-offset) is at or before t, on the grid
 * of the frames' own truncated timestamps, so that frame's own time gives that frame. */
static guint64 gst_fractal_vid_src_frame_at(GstFractalVidSrc *src, GstClockTime t)
{
    const GstVideoInfo *info = &src->info;
    const guint64 unit = (guint64)GST_VIDEO_INFO_FPS_D(info) * GST_SECOND;
    guint64 n;

    if (GST_VIDEO_INFO_FPS_N(info) <= 0 || t <= src->caps_time)
        return src->caps_frame;
    n = src->caps_frame +
        gst_util_uint64_scale(t - src->caps_time, GST_VIDEO_INFO_FPS_N(info), unit);
    if (gst_fractal_vid_src_frame_time(src, n + 1) <= t)
        n++;
    return n;
}

/* Frames of clip clip_index: of the clip being played as it is rendered, of any other clip
 * as the properties s now draw it. */
static guint gst_fractal_vid_src_clip_frames(GstFractalVidSrc *src, const FvSettings *s,
                                             guint64 clip_index)
{
    if (src->have_clip_settings && src->settings_clip == clip_index)
        return fv_clip_frame_count(&src->clip_settings, clip_index);
    return fv_clip_frame_count(s, clip_index);
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
    case PROP_NORMALIZATION:
    case PROP_ADAPTIVE_DENSITY:
    case PROP_EFFECTS:
    case PROP_AUGMENT_SEED:
        return TRUE;
    default:
        return FALSE;
    }
}

static void gst_fractal_vid_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(object);
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
        duration_changed = TRUE;
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
    case PROP_EFFECTS:
        src->effects = g_value_get_flags(value);
        break;
    case PROP_AUGMENT_SEED:
        src->augment_seed = g_value_get_uint64(value);
        break;
    case PROP_THREADS:
        src->threads = g_value_get_uint(value);
        if (src->worker)
            gst_fractal_vid_worker_set_threads(src->worker, src->threads);
        break;
    case PROP_RENDER_AHEAD:
        src->render_ahead = g_value_get_uint(value);
        if (src->worker)
            gst_fractal_vid_worker_set_ahead(src->worker, gst_fractal_vid_src_ahead_locked(src));
        break;
    case PROP_IS_LIVE:
        /* Takes the object lock itself. */
        break;
    case PROP_TIMESTAMP_OFFSET:
        src->timestamp_offset = g_value_get_int64(value);
        break;
    case PROP_NORMALIZATION:
        src->normalization = g_value_get_enum(value);
        break;
    case PROP_ADAPTIVE_DENSITY:
        src->adaptive_density = g_value_get_boolean(value);
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
    duration_changed &= src->worker != NULL;
    GST_OBJECT_UNLOCK(src);

    if (prop_id == PROP_IS_LIVE)
        gst_base_src_set_live(GST_BASE_SRC(src), g_value_get_boolean(value));
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
    case PROP_EFFECTS:
        g_value_set_flags(value, src->effects);
        break;
    case PROP_AUGMENT_SEED:
        g_value_set_uint64(value, src->augment_seed);
        break;
    case PROP_THREADS:
        g_value_set_uint(value, src->threads);
        break;
    case PROP_RENDER_AHEAD:
        g_value_set_uint(value, src->render_ahead);
        break;
    case PROP_CURRENT_RENDER_AHEAD:
        g_value_set_uint(value, gst_fractal_vid_src_ahead_locked(src));
        break;
    case PROP_TIMESTAMP_OFFSET:
        g_value_set_int64(value, src->timestamp_offset);
        break;
    case PROP_NORMALIZATION:
        g_value_set_enum(value, src->normalization);
        break;
    case PROP_ADAPTIVE_DENSITY:
        g_value_set_boolean(value, src->adaptive_density);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(src);
}

/* ---- caps ---- */

/* video/x-raw in formats, at every offered size, rate and pixel aspect ratio (the fractal
 * fills the frame whatever its shape), progressive and mono. Any colorimetry: the picture is
 * gray, so only the range matters, and every range is written as GStreamer defines it. */
static GstStructure *gst_fractal_vid_src_raw_structure(const GValue *formats)
{
    GstStructure *s = gst_structure_new_empty("video/x-raw");

    gst_structure_set_value(s, "format", formats);
    gst_structure_set(s, "width", GST_TYPE_INT_RANGE, FV_MIN_SIZE, FV_MAX_SIZE, "height",
                      GST_TYPE_INT_RANGE, FV_MIN_SIZE, FV_MAX_SIZE, "framerate",
                      GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, "pixel-aspect-ratio",
                      GST_TYPE_FRACTION_RANGE, 1, G_MAXINT, G_MAXINT, 1, "interlace-mode",
                      G_TYPE_STRING, "progressive", "multiview-mode", G_TYPE_STRING,
                      gst_video_multiview_mode_to_caps_string(GST_VIDEO_MULTIVIEW_MODE_MONO), NULL);
    return s;
}

/* The offered caps, cheapest formats first (E2): one structure per run of formats of the
 * same kind in the pack order (gray, YUV, RGB, 16-bit gray). */
static GstCaps *gst_fractal_vid_src_make_caps(void)
{
    GstCaps *caps = gst_caps_new_empty();
    guint i = 0;

    while (i < gst_fractal_vid_pack_n_formats) {
        const GstVideoFormatInfo *first =
            gst_video_format_get_info(gst_fractal_vid_pack_formats[i]);
        const GstVideoFormatFlags kind = GST_VIDEO_FORMAT_INFO_FLAGS(first) &
                                         (GST_VIDEO_FORMAT_FLAG_YUV | GST_VIDEO_FORMAT_FLAG_RGB);
        GValue formats = G_VALUE_INIT;

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
        gst_caps_append_structure(caps, gst_fractal_vid_src_raw_structure(&formats));
        g_value_unset(&formats);
    }
    return caps;
}

/* caps arrive in downstream's order of preference (see negotiate): the first structure and
 * the first format in it win (E2). */
static GstCaps *gst_fractal_vid_src_fixate(GstBaseSrc *bsrc, GstCaps *caps)
{
    GstStructure *s;
    const gchar *format;

    caps = gst_caps_truncate(gst_caps_make_writable(caps));
    s = gst_caps_get_structure(caps, 0);
    gst_structure_fixate_field(s, "format");
    /* The paper's clips when downstream leaves it open (E2). */
    gst_structure_fixate_field_nearest_int(s, "width", DEFAULT_WIDTH);
    gst_structure_fixate_field_nearest_int(s, "height", DEFAULT_HEIGHT);
    gst_structure_fixate_field_nearest_fraction(s, "framerate", DEFAULT_FPS_N, DEFAULT_FPS_D);
    if (gst_structure_has_field(s, "pixel-aspect-ratio"))
        gst_structure_fixate_field_nearest_fraction(s, "pixel-aspect-ratio", 1, 1);
    else
        gst_structure_set(s, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);

    /* A colorimetry left open becomes the one GStreamer assumes for this format and size
     * (limited range for YUV), if offered. */
    format = gst_structure_get_string(s, "format");
    if (gst_structure_has_field(s, "colorimetry") && format) {
        GstVideoInfo info;
        gint width = 0, height = 0;

        gst_structure_get_int(s, "width", &width);
        gst_structure_get_int(s, "height", &height);
        if (gst_video_info_set_format(&info, gst_video_format_from_string(format), width, height)) {
            gchar *colorimetry = gst_video_colorimetry_to_string(&info.colorimetry);

            if (colorimetry)
                gst_structure_fixate_field_string(s, "colorimetry", colorimetry);
            g_free(colorimetry);
        }
    }
    return GST_BASE_SRC_CLASS(parent_class)->fixate(bsrc, caps);
}

/* An error that names what downstream asked for and what this element offers when they do
 * not meet (E6), instead of a bare "not-negotiated". */
static void gst_fractal_vid_src_not_negotiated(GstBaseSrc *bsrc, GstCaps *asked)
{
    GstCaps *offered = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(bsrc));
    gchar *asked_text = asked ? gst_caps_to_string(asked) : g_strdup("nothing");
    gchar *offered_text = gst_caps_to_string(offered);
    GString *formats = g_string_new(NULL);

    for (guint i = 0; i < gst_fractal_vid_pack_n_formats; i++)
        g_string_append_printf(formats, "%s%s", i ? ", " : "",
                               gst_video_format_to_string(gst_fractal_vid_pack_formats[i]));
    GST_ELEMENT_ERROR(bsrc, CORE, NEGOTIATION,
                      ("fractalvidsrc cannot produce what downstream asks for. Downstream "
                       "accepts: %s. fractalvidsrc offers video/x-raw in %s, %d..%d pixels wide "
                       "and high, any framerate and pixel-aspect-ratio, progressive and mono "
                       "(not interlaced, not stereo), in any colorimetry.",
                       asked_text, formats->str, FV_MIN_SIZE, FV_MAX_SIZE),
                      ("offered caps: %s", offered_text));
    g_string_free(formats, TRUE);
    g_free(asked_text);
    g_free(offered_text);
    gst_caps_unref(offered);
}

/* Whether caps hold every format we offer. */
static gboolean gst_fractal_vid_src_takes_every_format(GstCaps *caps)
{
    for (guint i = 0; i < gst_fractal_vid_pack_n_formats; i++) {
        GstCaps *one =
            gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                                gst_video_format_to_string(gst_fractal_vid_pack_formats[i]), NULL);
        gboolean takes = gst_caps_can_intersect(caps, one);

        gst_caps_unref(one);
        if (!takes)
            return FALSE;
    }
    return TRUE;
}

/* As basesrc's, but downstream's caps are asked for without our caps as a filter, so their
 * order is downstream's preference, down to the order of a list of formats (E2): an encoder
 * listing Y444 first gets Y444 (odd sizes then encode), a capsfilter gets its first format.
 * Downstream that takes every format we offer (a converter, a sink that takes anything)
 * states no preference: it gets our cheapest, GRAY8. */
static gboolean gst_fractal_vid_src_negotiate(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstPad *pad = GST_BASE_SRC_PAD(bsrc);
    GstCaps *ours = gst_pad_query_caps(pad, NULL);
    GstCaps *theirs = gst_pad_peer_query_caps(pad, NULL);
    GstCaps *caps;
    gboolean ok = FALSE;

    GST_DEBUG_OBJECT(src, "downstream accepts %" GST_PTR_FORMAT, theirs);
    if (theirs) {
        /* One structure per value of every list, in downstream's order. */
        GstCaps *ordered = gst_caps_normalize(gst_caps_ref(theirs));

        caps = gst_caps_intersect_full(ordered, ours, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(ordered);
        if (gst_fractal_vid_src_takes_every_format(caps)) {
            gst_caps_unref(caps);
            caps = gst_caps_intersect_full(ours, theirs, GST_CAPS_INTERSECT_FIRST);
        }
    } else {
        caps = gst_caps_ref(ours);
    }
    if (!gst_caps_is_empty(caps)) {
        caps = gst_fractal_vid_src_fixate(bsrc, caps);
        GST_DEBUG_OBJECT(src, "fixated to %" GST_PTR_FORMAT, caps);
        ok = gst_caps_is_fixed(caps) && gst_base_src_set_caps(bsrc, caps);
    }
    gst_caps_unref(caps);
    if (!ok && !GST_PAD_IS_FLUSHING(pad)) {
        gst_fractal_vid_src_not_negotiated(bsrc, theirs);
        g_mutex_lock(&src->ready_lock);
        src->ready = READY_NO_CAPS;
        g_cond_broadcast(&src->ready_cond);
        g_mutex_unlock(&src->ready_lock);
    }
    if (theirs)
        gst_caps_unref(theirs);
    gst_caps_unref(ours);
    return ok;
}

static gboolean gst_fractal_vid_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstVideoInfo info;
    gint64 first_plays;

    if (!gst_video_info_from_caps(&info, caps) ||
        !gst_fractal_vid_pack_supports(GST_VIDEO_INFO_FORMAT(&info)) ||
        GST_VIDEO_INFO_WIDTH(&info) < FV_MIN_SIZE || GST_VIDEO_INFO_WIDTH(&info) > FV_MAX_SIZE ||
        GST_VIDEO_INFO_HEIGHT(&info) < FV_MIN_SIZE || GST_VIDEO_INFO_HEIGHT(&info) > FV_MAX_SIZE ||
        GST_VIDEO_INFO_FPS_N(&info) < 0 || GST_VIDEO_INFO_FPS_D(&info) <= 0 ||
        GST_VIDEO_INFO_INTERLACE_MODE(&info) != GST_VIDEO_INTERLACE_MODE_PROGRESSIVE ||
        (GST_VIDEO_INFO_MULTIVIEW_MODE(&info) != GST_VIDEO_MULTIVIEW_MODE_NONE &&
         GST_VIDEO_INFO_MULTIVIEW_MODE(&info) != GST_VIDEO_MULTIVIEW_MODE_MONO)) {
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
     * first unit now, so it is ready by PLAYING. */
    first_plays = G_MAXINT64;
    if (src->worker && !src->clip) {
        FvSettings s;
        ClipRange range;

        gst_fractal_vid_src_snapshot(src, &s, &range);
        if (GST_VIDEO_INFO_FPS_N(&info) > 0)
            first_plays = gst_util_uint64_scale_int(
                (gst_fractal_vid_src_unit_frame(&s, src->frame_in_clip) ==
                         GST_FRACTAL_VID_WHOLE_CLIP
                     ? fv_clip_frame_count(&s, src->clip_index) - src->frame_in_clip
                     : 1) *
                    (guint64)G_USEC_PER_SEC,
                GST_VIDEO_INFO_FPS_D(&info), GST_VIDEO_INFO_FPS_N(&info));
        if (gst_fractal_vid_src_range_has(&range, src->clip_index) &&
            fv_settings_validate(&s, NULL) == 0)
            gst_fractal_vid_worker_prefetch(
                src->worker, &s, src->clip_index,
                gst_fractal_vid_src_unit_frame(&s, src->frame_in_clip), TRUE,
                gst_fractal_vid_src_ahead_until(src, &s, &range, src->clip_index,
                                                gst_fractal_vid_src_frames_to_end(
                                                    src, &s, src->clip_index, src->frame_in_clip)));
    }
    g_mutex_lock(&src->ready_lock);
    if (src->ready == READY_WAIT_CAPS) {
        src->ready = READY_FIRST_ASKED;
        src->first_asked = g_get_monotonic_time();
        src->first_plays = first_plays;
    }
    g_cond_broadcast(&src->ready_cond);
    g_mutex_unlock(&src->ready_lock);

    /* The frame period, the latency, follows the rate. */
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

/* The rate of the stream: negotiated, else the default the caps will fixate to. */
static void gst_fractal_vid_src_rate(GstFractalVidSrc *src, gint *fps_n, gint *fps_d)
{
    GST_OBJECT_LOCK(src);
    *fps_n = src->have_info ? GST_VIDEO_INFO_FPS_N(&src->info) : DEFAULT_FPS_N;
    *fps_d = src->have_info ? GST_VIDEO_INFO_FPS_D(&src->info) : DEFAULT_FPS_D;
    GST_OBJECT_UNLOCK(src);
}

/* Time of frame n of a stream starting at 0 (seeks reset the time base). */
static GstClockTime gst_fractal_vid_src_grid_time(guint64 n, gint fps_n, gint fps_d)
{
    return gst_util_uint64_scale(n, (guint64)fps_d * GST_SECOND, fps_n);
}

/* The frame showing at t: floor (t * fps) (E3), on the grid of the frames' own (truncated)
 * timestamps, so a seek to a frame's PTS lands on that frame and not on the one before. */
static guint64 gst_fractal_vid_src_grid_frame(GstClockTime t, gint fps_n, gint fps_d)
{
    guint64 n = gst_util_uint64_scale(t, fps_n, (guint64)fps_d * GST_SECOND);

    if (gst_fractal_vid_src_grid_time(n + 1, fps_n, fps_d) <= t)
        n++;
    return n;
}

/* Where a seek to position at rate lands: the frame at position forward; backwards, the last
 * frame that starts before position (the end of the segment). FALSE when no frame does. */
static gboolean gst_fractal_vid_src_seek_frame(GstFractalVidSrc *src, GstClockTime position,
                                               gdouble rate, guint64 *frame)
{
    gint fps_n, fps_d;
    guint64 total;

    gst_fractal_vid_src_rate(src, &fps_n, &fps_d);
    *frame = 0;
    /* A still stream (0/1) has only frame 0. */
    if (fps_n <= 0 || !GST_CLOCK_TIME_IS_VALID(position))
        return TRUE;
    *frame = gst_fractal_vid_src_grid_frame(position, fps_n, fps_d);
    if (rate >= 0)
        return TRUE;
    if (gst_fractal_vid_src_total_frames(src, &total) && *frame >= total)
        *frame = total;
    if (gst_fractal_vid_src_grid_time(*frame, fps_n, fps_d) >= position) {
        if (*frame == 0)
            return FALSE;
        (*frame)--;
    }
    return TRUE;
}

/* A seek made explicit before basesrc flushes anything (E3): in TIME, with END resolved
 * against the duration and a backwards seek's open end made the stream's end. *out is the
 * seek to do (event itself, or a new one with its seqnum). FALSE, and nothing flushed, for
 * a seek that cannot be done: live, a format other than TIME or DEFAULT (frames), the end or
 * backwards on an endless stream, an empty or unreachable segment. */
static gboolean gst_fractal_vid_src_prepare_seek(GstFractalVidSrc *src, GstEvent *event,
                                                 GstEvent **out)
{
    GstBaseSrc *bsrc = GST_BASE_SRC(src);
    gdouble rate;
    GstFormat format;
    GstSeekFlags flags;
    GstSeekType start_type, stop_type;
    gint64 start, stop;
    GstSegment segment;
    GstClockTime duration = GST_CLOCK_TIME_NONE;
    gint fps_n, fps_d;
    guint64 frames, frame, clip_index;
    guint frame_in_clip;
    gint64 start_at, stop_at;
    gboolean rewrite;
    FvSettings s;
    ClipRange range;

    gst_event_parse_seek(event, &rate, &format, &flags, &start_type, &start, &stop_type, &stop);
    if (gst_base_src_is_live(bsrc)) {
        GST_WARNING_OBJECT(src, "refusing a seek: a live stream follows the clock");
        return FALSE;
    }
    gst_fractal_vid_src_rate(src, &fps_n, &fps_d);
    if (format != GST_FORMAT_TIME && (format != GST_FORMAT_DEFAULT || fps_n <= 0)) {
        GST_WARNING_OBJECT(src, "refusing a seek in %s: seeks are in time or frames",
                           gst_format_get_name(format));
        return FALSE;
    }
    if (fps_n > 0 && gst_fractal_vid_src_total_frames(src, &frames))
        duration = gst_fractal_vid_src_grid_time(frames, fps_n, fps_d);

    /* Frames to time; END offsets keep their sign. */
    if (format == GST_FORMAT_DEFAULT) {
        if (start_type != GST_SEEK_TYPE_NONE && start != -1)
            start = (start < 0 ? -1 : 1) *
                    (gint64)gst_fractal_vid_src_grid_time(ABS(start), fps_n, fps_d);
        if (stop_type != GST_SEEK_TYPE_NONE && stop != -1)
            stop = (stop < 0 ? -1 : 1) *
                   (gint64)gst_fractal_vid_src_grid_time(ABS(stop), fps_n, fps_d);
    }

    GST_OBJECT_LOCK(src);
    segment = bsrc->segment;
    GST_OBJECT_UNLOCK(src);
    segment.duration = duration;

    /* Where the segment would start and stop; END needs the duration, and so does a
     * backwards segment without a stop (it plays back from the end). */
    start_at = start_type == GST_SEEK_TYPE_SET   ? start
               : start_type == GST_SEEK_TYPE_END ? (gint64)duration + start
                                                 : (gint64)segment.start;
    stop_at = stop_type == GST_SEEK_TYPE_SET   ? stop
              : stop_type == GST_SEEK_TYPE_END ? (gint64)duration + stop
                                               : (gint64)segment.stop;
    if ((start_type == GST_SEEK_TYPE_END || stop_type == GST_SEEK_TYPE_END ||
         (rate < 0 && stop_at == -1)) &&
        !GST_CLOCK_TIME_IS_VALID(duration)) {
        GST_WARNING_OBJECT(src, "refusing a seek from the end or backwards: the stream is "
                                "endless (set num-clips or num-buffers)");
        return FALSE;
    }
    if (rate < 0 && stop_at == -1)
        stop_at = duration;
    start_at = MAX(start_at, 0);
    if (GST_CLOCK_TIME_IS_VALID(duration))
        start_at = MIN(start_at, (gint64)duration);
    if (stop_at != -1) {
        stop_at = MAX(stop_at, 0);
        if (GST_CLOCK_TIME_IS_VALID(duration))
            stop_at = MIN(stop_at, (gint64)duration);
        if (start_at > stop_at) {
            GST_WARNING_OBJECT(src, "refusing a seek whose start is after its stop");
            return FALSE;
        }
    }

    rewrite = format != GST_FORMAT_TIME || start_type == GST_SEEK_TYPE_END ||
              stop_type == GST_SEEK_TYPE_END ||
              (rate < 0 && (stop_type != GST_SEEK_TYPE_SET || stop == -1));
    if (rewrite) {
        /* Absolute values, so basesrc's segment needs no duration of its own. */
        if (start_type == GST_SEEK_TYPE_END)
            start_type = GST_SEEK_TYPE_SET;
        if (stop_type == GST_SEEK_TYPE_END || rate < 0)
            stop_type = GST_SEEK_TYPE_SET;
        if (start_type == GST_SEEK_TYPE_SET)
            start = start_at;
        if (stop_type == GST_SEEK_TYPE_SET)
            stop = stop_at;
    }
    if (!gst_segment_do_seek(&segment, rate, GST_FORMAT_TIME, flags, start_type, start, stop_type,
                             stop, NULL)) {
        GST_WARNING_OBJECT(src, "refusing a seek basesrc cannot do");
        return FALSE;
    }

    /* The frame it lands on must be one the stream has. */
    gst_fractal_vid_src_snapshot(src, &s, &range);
    if (!gst_fractal_vid_src_seek_frame(src, segment.position, rate, &frame)) {
        GST_WARNING_OBJECT(src, "refusing a seek backwards from the start: no frame to play");
        return FALSE;
    }
    if (!gst_fractal_vid_src_locate_frame(src, &s, range.first, frame, &clip_index,
                                          &frame_in_clip)) {
        GST_WARNING_OBJECT(src, "refusing a seek to frame %" G_GUINT64_FORMAT, frame);
        return FALSE;
    }

    /* Downstream learns the duration from the segment. */
    GST_OBJECT_LOCK(src);
    bsrc->segment.duration = duration;
    GST_OBJECT_UNLOCK(src);
    if (!rewrite) {
        *out = gst_event_ref(event);
        return TRUE;
    }
    *out = gst_event_new_seek(rate, GST_FORMAT_TIME, flags, start_type, start, stop_type, stop);
    gst_event_set_seqnum(*out, gst_event_get_seqnum(event));
    GST_DEBUG_OBJECT(src, "seek made explicit: %" GST_PTR_FORMAT, *out);
    return TRUE;
}

/* Seeks from downstream (the pad). */
static gboolean gst_fractal_vid_src_event(GstBaseSrc *bsrc, GstEvent *event)
{
    GstEvent *seek = NULL;
    gboolean ok;

    if (GST_EVENT_TYPE(event) != GST_EVENT_SEEK)
        return GST_BASE_SRC_CLASS(parent_class)->event(bsrc, event);
    if (!gst_fractal_vid_src_prepare_seek(GST_FRACTAL_VID_SRC(bsrc), event, &seek))
        return FALSE;
    ok = GST_BASE_SRC_CLASS(parent_class)->event(bsrc, seek);
    gst_event_unref(seek);
    return ok;
}

/* Seeks from the application (gst_element_seek on the element). */
static gboolean gst_fractal_vid_src_send_event(GstElement *element, GstEvent *event)
{
    GstEvent *seek = NULL;

    if (GST_EVENT_TYPE(event) != GST_EVENT_SEEK)
        return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
    if (!gst_fractal_vid_src_prepare_seek(GST_FRACTAL_VID_SRC(element), event, &seek)) {
        gst_event_unref(event);
        return FALSE;
    }
    gst_event_unref(event);
    return GST_ELEMENT_CLASS(parent_class)->send_event(element, seek);
}

static gboolean gst_fractal_vid_src_do_seek(GstBaseSrc *bsrc, GstSegment *segment)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    FvSettings s;
    ClipRange range;
    guint64 frame = 0, clip_index;
    guint frame_in_clip;
    gboolean past_start = FALSE;

    gst_fractal_vid_src_snapshot(src, &s, &range);
    /* prepare_seek checked the seeks that can fail; this is basesrc's first segment, or
     * a seek checked there. */
    if (!gst_fractal_vid_src_seek_frame(src, segment->position, segment->rate, &frame))
        past_start = TRUE;
    if (!gst_fractal_vid_src_locate_frame(src, &s, range.first, frame, &clip_index,
                                          &frame_in_clip)) {
        GST_WARNING_OBJECT(src, "cannot seek to frame %" G_GUINT64_FORMAT, frame);
        return FALSE;
    }

    segment->time = segment->start;
    src->frame = frame;
    src->clip_index = clip_index;
    src->frame_in_clip = frame_in_clip;
    src->reverse = segment->rate < 0;
    src->past_start = past_start;
    src->clip_done = FALSE;
    src->caps_frame = 0;
    src->caps_time = 0;
    src->resnapshot = TRUE;
    src->skip_to = 0;
    src->ahead_asked = FALSE;
    src->behind = FALSE;
    GST_DEBUG_OBJECT(src,
                     "seek to %" GST_TIME_FORMAT " at rate %g: frame %" G_GUINT64_FORMAT
                     ", clip %" G_GUINT64_FORMAT " frame %u",
                     GST_TIME_ARGS(segment->position), segment->rate, frame, clip_index,
                     frame_in_clip);

    /* Start rendering the unit now, while basesrc restarts the streaming thread. */
    if (src->worker && src->have_info && !past_start &&
        gst_fractal_vid_src_range_has(&range, clip_index))
        gst_fractal_vid_worker_prefetch(
            src->worker, &s, clip_index, gst_fractal_vid_src_unit_frame(&s, frame_in_clip), TRUE,
            gst_fractal_vid_src_ahead_until(
                src, &s, &range, clip_index,
                gst_fractal_vid_src_frames_to_end(src, &s, clip_index, frame_in_clip)));
    return TRUE;
}

/* ---- queries ---- */

static gboolean gst_fractal_vid_src_query(GstBaseSrc *bsrc, GstQuery *query)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_LATENCY:
        if (gst_base_src_is_live(bsrc)) {
            GstClockTime latency;
            gint fps_n, fps_d;

            /* One frame period (frames go out at their time, rendered ahead), plus the
             * overrun measured on slow renders (E3). Asked before caps are set (a pipeline
             * going straight to PLAYING): the default rate; set_caps posts a latency
             * message with the real one. */
            gst_fractal_vid_src_rate(src, &fps_n, &fps_d);
            GST_OBJECT_LOCK(src);
            latency =
                (fps_n > 0 ? gst_util_uint64_scale(GST_SECOND, fps_d, fps_n) : 0) + src->overrun;
            GST_OBJECT_UNLOCK(src);
            GST_DEBUG_OBJECT(src, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS(latency));
            /* Frames are made on demand and may wait: no upper bound. */
            gst_query_set_latency(query, TRUE, latency, GST_CLOCK_TIME_NONE);
            return TRUE;
        }
        break;
    case GST_QUERY_DURATION: {
        GstFormat format;
        guint64 frames;
        gint fps_n, fps_d;

        gst_query_parse_duration(query, &format, NULL);
        gst_fractal_vid_src_rate(src, &fps_n, &fps_d);
        if (fps_n <= 0 || (format != GST_FORMAT_TIME && format != GST_FORMAT_DEFAULT) ||
            !gst_fractal_vid_src_total_frames(src, &frames))
            break;
        if (format == GST_FORMAT_TIME)
            gst_query_set_duration(query, format,
                                   gst_fractal_vid_src_grid_time(frames, fps_n, fps_d));
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
static void gst_fractal_vid_src_send_tags(GstFractalVidSrc *src, const FvClipInfo *ci,
                                          gdouble density)
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
    comment = g_strdup_printf(
        "class=%" G_GINT64_FORMAT " class-seed=%" G_GUINT64_FORMAT " seed=%" G_GUINT64_FORMAT
        " clip=%" G_GUINT64_FORMAT " class-key=%" G_GUINT64_FORMAT
        " motion=%s variation=%s frames=%u size=%ux%u normalization=%s density=%g generator=%s",
        (gint64)ci->class_id, (guint64)ci->class_seed, (guint64)ci->seed, (guint64)ci->clip_index,
        (guint64)ci->class_key, fv_motion_name(ci->motion), fv_variation_name(ci->variation),
        ci->frames, ci->width, ci->height, fv_normalization_name(ci->normalization), density,
        FV_GENERATOR_VERSION);

    if (ci->effects.asked) {
        /* the effects the clip got and their drawn values (G10) */
        gint need = fv_effects_describe(&ci->effects, NULL, 0);
        gchar *effects = g_malloc(need + 1);
        gchar *with;

        fv_effects_describe(&ci->effects, effects, need + 1);
        with = g_strdup_printf("%s augment-seed=%" G_GUINT64_FORMAT " %s", comment,
                               (guint64)ci->augment_seed, effects);
        g_free(comment);
        g_free(effects);
        comment = with;
    }
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

/* ---- live timing ---- */

/* Running time of stream frame n: when it is due (live). */
static GstClockTime gst_fractal_vid_src_due(GstFractalVidSrc *src, guint64 n)
{
    gint64 offset;

    GST_OBJECT_LOCK(src);
    offset = src->timestamp_offset;
    GST_OBJECT_UNLOCK(src);
    return offset + gst_fractal_vid_src_frame_time(src, n) + src->live_offset;
}

/* The stream frame due at running time t (live). */
static guint64 gst_fractal_vid_src_frame_due_at(GstFractalVidSrc *src, GstClockTime t)
{
    GstClockTime first = gst_fractal_vid_src_due(src, src->caps_frame) - src->caps_time;

    return gst_fractal_vid_src_frame_at(src, t > first ? t - first : 0);
}

/* The running time now; FALSE without a clock. */
static gboolean gst_fractal_vid_src_now(GstFractalVidSrc *src, GstClockTime *now)
{
    GstClock *clock;
    GstClockTime base, t;

    GST_OBJECT_LOCK(src);
    clock = GST_ELEMENT_CLOCK(src);
    if (!clock) {
        GST_OBJECT_UNLOCK(src);
        return FALSE;
    }
    gst_object_ref(clock);
    base = GST_ELEMENT_CAST(src)->base_time;
    GST_OBJECT_UNLOCK(src);
    t = gst_clock_get_time(clock);
    gst_object_unref(clock);
    *now = t > base ? t - base : 0;
    return TRUE;
}

/* How late a frame may go out and still be on time downstream: the latency answered. */
static GstClockTime gst_fractal_vid_src_slack(GstFractalVidSrc *src)
{
    GstClockTime slack;

    GST_OBJECT_LOCK(src);
    slack = gst_fractal_vid_src_period(&src->info) + src->overrun;
    GST_OBJECT_UNLOCK(src);
    return slack;
}

/* Walk count frames forward from clip clip_index, frame frame_in_clip: the clip and frame
 * reached, FALSE past the stream's end. */
static gboolean gst_fractal_vid_src_walk(GstFractalVidSrc *src, const FvSettings *s,
                                         const ClipRange *range, guint64 count, guint64 *clip_index,
                                         guint *frame_in_clip)
{
    while (count > 0) {
        guint frames = gst_fractal_vid_src_clip_frames(src, s, *clip_index);
        guint left = frames > *frame_in_clip ? frames - *frame_in_clip : 1;

        if (count < left) {
            *frame_in_clip += count;
            break;
        }
        count -= left;
        if (!gst_fractal_vid_src_range_next(range, *clip_index, clip_index))
            return FALSE;
        *frame_in_clip = 0;
    }
    return TRUE;
}

/* Live: the next frames cannot be on time, so the stream goes on at stream frame target,
 * the frames before it skipped and said so in a QoS message (E3). */
static GstFlowReturn gst_fractal_vid_src_skip(GstFractalVidSrc *src, guint64 target,
                                              GstClockTime now)
{
    FvSettings s;
    ClipRange range;
    const guint64 first = src->frame, count = target - src->frame;
    const GstClockTime pts = gst_fractal_vid_src_due(src, first);
    const GstClockTime end = gst_fractal_vid_src_due(src, target);
    GstMessage *msg;
    gboolean inside;

    gst_fractal_vid_src_snapshot(src, &s, &range);
    inside =
        gst_fractal_vid_src_walk(src, &s, &range, count, &src->clip_index, &src->frame_in_clip);
    src->frame = target;
    src->ahead_asked = FALSE;
    src->dropped += count;
    GST_INFO_OBJECT(src,
                    "%" G_GUINT64_FORMAT " frames late: skipping from frame %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " skipped in all)",
                    count, first, target, src->dropped);

    msg = gst_message_new_qos(GST_OBJECT(src), TRUE, pts,
                              gst_fractal_vid_src_frame_time(src, first), pts, end - pts);
    gst_message_set_qos_values(
        msg, GST_CLOCK_TIME_IS_VALID(now) ? GST_CLOCK_DIFF(pts, now) : 0, 1.0,
        (gint)(1000000 * src->processed / MAX(src->processed + src->dropped, 1)));
    gst_message_set_qos_stats(msg, GST_FORMAT_BUFFERS, src->processed, src->dropped);
    gst_element_post_message(GST_ELEMENT(src), msg);
    return inside ? GST_FLOW_OK : GST_FLOW_EOS;
}

/* Live: the seconds until the worker has unit (a frame, or GST_FRACTAL_VID_WHOLE_CLIP) of clip
 * clip_index of settings, as far as can be told from render, what a render takes: none when
 * it is rendered already (ahead), what is left of render when it is being rendered. */
static gdouble gst_fractal_vid_src_render_left(GstFractalVidSrc *src, const FvSettings *settings,
                                               guint64 clip_index, guint unit, gdouble render)
{
    gdouble elapsed = 0;

    switch (gst_fractal_vid_worker_find(src->worker, settings, clip_index, unit, &elapsed)) {
    case GST_FRACTAL_VID_UNIT_READY:
        return 0;
    case GST_FRACTAL_VID_UNIT_RENDERING:
        return MAX(render - elapsed, 0);
    default:
        return render;
    }
}

/* Whether the unit holding the frame at clip clip_index, frame frame_in_clip is in hand. */
static gboolean gst_fractal_vid_src_have_unit(GstFractalVidSrc *src, const FvSettings *s,
                                              guint64 clip_index, guint frame_in_clip)
{
    const FvSettings *settings =
        src->have_clip_settings && src->settings_clip == clip_index ? &src->clip_settings : s;

    return src->clip && src->clip_loaded == clip_index &&
           src->frame_loaded == gst_fractal_vid_src_unit_frame(settings, frame_in_clip);
}

/* Live, before rendering: skip the frames that can no longer be on time (E3), to the frame
 * due now, or to the one due when its render would be done if it is still to render, or to
 * where the render ahead was aimed (skip_to). */
static GstFlowReturn gst_fractal_vid_src_catch_up(GstFractalVidSrc *src)
{
    guint64 target = src->frame;
    GstClockTime now = GST_CLOCK_TIME_NONE;

    /* Past the unit in hand, the frames up to where the render ahead was aimed go. */
    if (src->skip_to > src->frame) {
        FvSettings s;

        gst_fractal_vid_src_snapshot(src, &s, NULL);
        if (!gst_fractal_vid_src_have_unit(src, &s, src->clip_index, src->frame_in_clip))
            target = src->skip_to;
    }

    if (gst_fractal_vid_src_now(src, &now) &&
        now > gst_fractal_vid_src_due(src, src->frame) + gst_fractal_vid_src_slack(src)) {
        /* The first frame still on time is due at most the overrun allowance before now. */
        const GstClockTime overrun =
            gst_fractal_vid_src_slack(src) - gst_fractal_vid_src_period(&src->info);
        guint64 late = gst_fractal_vid_src_frame_due_at(src, now > overrun ? now - overrun : 0);
        guint64 clip_index = src->clip_index;
        guint frame_in_clip = src->frame_in_clip;
        FvSettings s;
        ClipRange range;

        gst_fractal_vid_src_snapshot(src, &s, &range);
        if (late > src->frame &&
            gst_fractal_vid_src_walk(src, &s, &range, late - src->frame, &clip_index,
                                     &frame_in_clip) &&
            !gst_fractal_vid_src_have_unit(src, &s, clip_index, frame_in_clip)) {
            const FvSettings *settings = src->have_clip_settings && src->settings_clip == clip_index
                                             ? &src->clip_settings
                                             : &s;
            const gdouble left = gst_fractal_vid_src_render_left(
                src, settings, clip_index, gst_fractal_vid_src_unit_frame(settings, frame_in_clip),
                src->render_seconds);

            if (left * GST_SECOND > gst_fractal_vid_src_period(&src->info))
                late = gst_fractal_vid_src_frame_due_at(
                    src, now + (GstClockTime)(RENDER_MARGIN * left * GST_SECOND));
        }
        target = MAX(target, late);
    }
    if (target <= src->frame)
        return GST_FLOW_OK;
    return gst_fractal_vid_src_skip(src, target, now);
}

/* Live, after rendering: whether the next frame would be late downstream. */
static gboolean gst_fractal_vid_src_is_late(GstFractalVidSrc *src)
{
    GstClockTime now;

    return gst_fractal_vid_src_now(src, &now) &&
           now > gst_fractal_vid_src_due(src, src->frame) + gst_fractal_vid_src_slack(src);
}

/* Live: a unit took seconds to render, and the element waited for it waited seconds. Learn
 * how long units take; under render-ahead=0, render more clips ahead while they take long
 * for their play time (gst_fractal_vid_auto_ahead, from the second unit on); trade density
 * for time (adaptive-density); and when a unit rendered ahead took longer than a unit plays
 * and was still not ready when its turn came (a clip rendered further ahead had the time of
 * the clips before it), raise the latency by the overrun (the lesser of the two excesses), in
 * whole frame periods, at least doubling, at most MAX_OVERRUN_PERIODS (beyond, frames are
 * skipped): re-posted only when it really grows. */
static void gst_fractal_vid_src_note_render(GstFractalVidSrc *src, const FvClipInfo *ci,
                                            gdouble seconds, gdouble waited, gboolean ahead)
{
    const GstClockTime period = gst_fractal_vid_src_period(&src->info);
    const GstClockTime play = ci->frames_held * period;
    const GstClockTime render = (GstClockTime)(seconds * GST_SECOND);
    const GstClockTime wait = (GstClockTime)(waited * GST_SECOND);
    gboolean grew = FALSE;
    guint auto_ahead;

    /* Mostly the last render: under adaptive-density the one before had another density. */
    src->render_seconds =
        src->render_seconds > 0 ? (src->render_seconds + 3 * seconds) / 4 : seconds;
    src->render_mean = src->render_mean > 0 ? (7 * src->render_mean + seconds) / 8 : seconds;
    if (play == 0 || seconds <= 0)
        return;

    /* The first unit of a new renderer also measures the kernels and checks its class: it
     * says little of the next ones. */
    if (++src->renders_noted >= 2)
        src->later_mean = src->later_mean > 0 ? (7 * src->later_mean + seconds) / 8 : seconds;
    GST_OBJECT_LOCK(src);
    auto_ahead = gst_fractal_vid_auto_ahead(TRUE, src->later_mean, (gdouble)play / GST_SECOND);
    if (auto_ahead != src->auto_ahead && src->render_ahead == 0) {
        GST_INFO_OBJECT(src, "units take %.3f s to render, %.3f s to play: %u clips ahead",
                        src->later_mean, (gdouble)play / GST_SECOND, auto_ahead);
        if (src->worker)
            gst_fractal_vid_worker_set_ahead(src->worker, auto_ahead);
    }
    src->auto_ahead = auto_ahead;
    if (src->adaptive_density) {
        const gdouble step =
            CLAMP(ADAPT_BUDGET * play / GST_SECOND / seconds, ADAPT_MIN_STEP, ADAPT_MAX_STEP);
        const gdouble density =
            CLAMP(src->loaded_settings.density * step, FV_MIN_DENSITY, src->density);

        if (density != src->live_density)
            GST_DEBUG_OBJECT(src, "render %.3f s for %.3f s of video: density %g", seconds,
                             (gdouble)play / GST_SECOND, density);
        src->live_density = density;
    }
    if (ahead && render > play && wait > 0) {
        const GstClockTime cap = MAX_OVERRUN_PERIODS * period;
        const GstClockTime over = MIN(render - play, wait);

        if (over > src->overrun && over <= cap) {
            GstClockTime grown = MAX(over, 2 * src->overrun);

            src->overrun = MIN(cap, (grown + period - 1) / period * period);
            grew = TRUE;
        }
    }
    GST_OBJECT_UNLOCK(src);
    if (grew) {
        GST_INFO_OBJECT(src, "a unit took %.3f s to render, %.3f s to play: latency grows", seconds,
                        (gdouble)play / GST_SECOND);
        gst_element_post_message(GST_ELEMENT(src), gst_message_new_latency(GST_OBJECT(src)));
    }
}

/* Live: if the next frame is the first since PLAYING and its render kept it past its time,
 * the stream starts where the clock is (E3): later frames are due from there. */
static void gst_fractal_vid_src_start_on_time(GstFractalVidSrc *src)
{
    GstClockTime now, due;
    gboolean restart;

    GST_OBJECT_LOCK(src);
    restart = src->live_restart && src->playing;
    if (restart)
        src->live_restart = FALSE;
    GST_OBJECT_UNLOCK(src);
    if (!restart || !gst_fractal_vid_src_now(src, &now))
        return;
    due = gst_fractal_vid_src_due(src, src->frame);
    if (now > due + gst_fractal_vid_src_period(&src->info)) {
        GST_INFO_OBJECT(src, "first frame %" GST_TIME_FORMAT " late: the stream starts now",
                        GST_TIME_ARGS(now - due));
        src->live_offset += now - due;
    }
}

/* Live: wait for the next frame's time on the pipeline clock. Pausing unschedules the wait
 * and resumes it at PLAYING; flushing ends it. */
static GstFlowReturn gst_fractal_vid_src_wait(GstFractalVidSrc *src)
{
    for (;;) {
        GstClock *clock;
        GstClockTime base, due;
        GstClockID id;
        GstClockReturn waited;

        GST_OBJECT_LOCK(src);
        if (src->flushing) {
            GST_OBJECT_UNLOCK(src);
            return GST_FLOW_FLUSHING;
        }
        if (!src->playing) {
            GstFlowReturn ret;

            GST_OBJECT_UNLOCK(src);
            ret = gst_base_src_wait_playing(GST_BASE_SRC(src));
            if (ret != GST_FLOW_OK)
                return ret;
            continue;
        }
        clock = GST_ELEMENT_CLOCK(src);
        if (!clock) {
            src->live_restart = FALSE;
            GST_OBJECT_UNLOCK(src);
            return GST_FLOW_OK;
        }
        gst_object_ref(clock);
        base = GST_ELEMENT_CAST(src)->base_time;
        GST_OBJECT_UNLOCK(src);
        gst_fractal_vid_src_start_on_time(src);
        due = gst_fractal_vid_src_due(src, src->frame);

        /* A time already passed returns at once (as basesrc does, always through the clock,
         * so a test clock sees every frame). */
        GST_OBJECT_LOCK(src);
        if (src->flushing || !src->playing) {
            GST_OBJECT_UNLOCK(src);
            gst_object_unref(clock);
            continue;
        }
        id = src->clock_id = gst_clock_new_single_shot_id(clock, base + due);
        GST_OBJECT_UNLOCK(src);
        waited = gst_clock_id_wait(id, NULL);
        GST_OBJECT_LOCK(src);
        src->clock_id = NULL;
        GST_OBJECT_UNLOCK(src);
        gst_clock_id_unref(id);
        gst_object_unref(clock);
        if (waited != GST_CLOCK_UNSCHEDULED)
            return GST_FLOW_OK;
    }
}

/* Ask the worker for the unit after the current one, unless the stream ends first: a
 * render nobody will play is not started; whole clips after it may be rendered ahead too
 * (render-ahead). Live, if rendering falls behind and it would come too late, the unit due
 * when a render started now would be done is asked for instead, and the frames before it
 * will be skipped. */
static void gst_fractal_vid_src_prefetch_next(GstFractalVidSrc *src, const FvClipInfo *ci,
                                              guint unit, const FvSettings *fresh,
                                              const ClipRange *range, gboolean live)
{
    const gint num_buffers_left = GST_BASE_SRC(src)->num_buffers_left;
    const FvSettings *settings = fresh;
    guint64 clip_index = src->clip_index, frames_to_next;
    guint frame_in_clip;
    gboolean same_clip = unit != GST_FRACTAL_VID_WHOLE_CLIP;

    if (GST_VIDEO_INFO_FPS_N(&src->info) <= 0)
        return;
    if (!src->reverse) {
        same_clip &= src->frame_in_clip + 1 < ci->frames;
        frames_to_next = same_clip ? 1 : ci->frames - src->frame_in_clip;
        if (!same_clip && !gst_fractal_vid_src_range_next(range, clip_index, &clip_index))
            return;
        frame_in_clip = same_clip ? src->frame_in_clip + 1 : 0;
    } else {
        same_clip &= src->frame_in_clip > 0;
        frames_to_next = same_clip ? 1 : src->frame_in_clip + 1;
        if (!same_clip && clip_index-- <= range->first)
            return;
        frame_in_clip =
            same_clip ? src->frame_in_clip - 1 : MAX(fv_clip_frame_count(fresh, clip_index), 1) - 1;
    }
    if (num_buffers_left >= 0 && (guint64)num_buffers_left < frames_to_next)
        return;
    if (same_clip)
        settings = &src->clip_settings;

    /* Only when rendering falls behind (see prepare_unit): renders vary, and clips rendered
     * further ahead absorb a slow one, so a slow render alone does not say the next comes
     * too late. */
    if (live && src->behind) {
        /* The render expected, scaled by the density it will have (adaptive-density), less
         * what is done of it (the unit may be rendered ahead already). */
        const GstClockTime render =
            (GstClockTime)(gst_fractal_vid_src_render_left(
                               src, settings, clip_index,
                               gst_fractal_vid_src_unit_frame(settings, frame_in_clip),
                               src->render_seconds * settings->density /
                                   src->loaded_settings.density) *
                           GST_SECOND);
        const guint64 next = src->frame + frames_to_next;
        GstClockTime now;

        if (render > 0 && gst_fractal_vid_src_now(src, &now) &&
            now + render > gst_fractal_vid_src_due(src, next) +
                               (1 + MAX_OVERRUN_PERIODS) * gst_fractal_vid_src_period(&src->info)) {
            guint64 aim =
                gst_fractal_vid_src_frame_due_at(src, now + (GstClockTime)(RENDER_MARGIN * render));
            guint64 aim_clip = src->clip_index;
            guint aim_frame = src->frame_in_clip;

            if (aim > next && gst_fractal_vid_src_walk(src, fresh, range, aim - src->frame,
                                                       &aim_clip, &aim_frame)) {
                /* Whole clips start at their first frame. */
                if (fresh->normalization != FV_NORMALIZATION_FRAME) {
                    aim -= aim_frame;
                    aim_frame = 0;
                }
                if (aim > next) {
                    GST_DEBUG_OBJECT(src,
                                     "rendering takes %.3f s: aiming at frame %" G_GUINT64_FORMAT,
                                     src->render_seconds, aim);
                    src->skip_to = aim;
                    src->ahead_asked = FALSE;
                    gst_fractal_vid_worker_prefetch(
                        src->worker, fresh, aim_clip,
                        gst_fractal_vid_src_unit_frame(fresh, aim_frame), TRUE,
                        gst_fractal_vid_src_ahead_until(src, fresh, range, aim_clip,
                                                        aim - src->frame +
                                                            fv_clip_frame_count(fresh, aim_clip)));
                    return;
                }
            }
        }
    }
    src->ahead_asked = TRUE;
    gst_fractal_vid_worker_prefetch(
        src->worker, settings, clip_index, gst_fractal_vid_src_unit_frame(settings, frame_in_clip),
        !same_clip,
        same_clip ? clip_index
                  : gst_fractal_vid_src_ahead_until(
                        src, settings, range, clip_index,
                        frames_to_next + gst_fractal_vid_src_frames_to_end(
                                             src, settings, clip_index, frame_in_clip)));
}

/* Make src->clip hold the unit of the next frame: of the clip the position is in, rendered
 * with the properties as they were when that clip started (at a clip boundary, after start or
 * a seek), at the negotiated size (a renegotiation mid-clip re-renders the same clip). */
static GstFlowReturn gst_fractal_vid_src_prepare_unit(GstFractalVidSrc *src, gboolean live)
{
    const GstVideoInfo *info = &src->info;
    const FvClipInfo *ci;
    FvSettings fresh, wanted;
    const gchar *bad_field = NULL;
    ClipRange range;
    gint result;
    gdouble seconds = 0, waited = 0;
    guint unit, frames;
    gboolean taken = FALSE;
    const gboolean new_clip =
        !src->have_clip_settings || src->resnapshot || src->settings_clip != src->clip_index;

    /* the stream played clip 2^64 - 1, the last there is */
    if (src->clip_done)
        return GST_FLOW_EOS;
    gst_fractal_vid_src_snapshot(src, &fresh, &range);
    if (new_clip) {
        if (!gst_fractal_vid_src_range_has(&range, src->clip_index))
            return GST_FLOW_EOS;
        if (fv_settings_validate(&fresh, &bad_field) != 0) {
            GST_ELEMENT_ERROR(src, LIBRARY, SETTINGS,
                              ("Invalid fractal settings: %s", bad_field ? bad_field : "unknown"),
                              (NULL));
            return GST_FLOW_ERROR;
        }
        src->clip_settings = fresh;
        src->settings_clip = src->clip_index;
        src->have_clip_settings = TRUE;
        src->resnapshot = FALSE;
    } else {
        /* Same clip, new size: keep the settings it started with. */
        src->clip_settings.width = GST_VIDEO_INFO_WIDTH(info);
        src->clip_settings.height = GST_VIDEO_INFO_HEIGHT(info);
    }
    wanted = src->clip_settings;

    /* Only settings changed between a seek and now could leave the position past the
     * clip's end; play the clip's last frame rather than fail. */
    frames = fv_clip_frame_count(&wanted, src->clip_index);
    if (src->frame_in_clip >= frames)
        src->frame_in_clip = frames - 1;
    unit = gst_fractal_vid_src_unit_frame(&wanted, src->frame_in_clip);

    if (!(src->clip && src->clip_loaded == src->clip_index && src->frame_loaded == unit &&
          gst_fractal_vid_settings_equal(&wanted, &src->loaded_settings))) {
        /* Rendered while the unit before it played, rather than on demand. */
        const gboolean ahead = src->ahead_asked;

        src->ahead_asked = FALSE;
        if (src->clip) {
            gst_fractal_vid_worker_give_back(src->worker, src->clip);
            src->clip = NULL;
        }
        result = gst_fractal_vid_worker_take(src->worker, &wanted, src->clip_index, unit,
                                             &src->clip, &seconds, &waited);
        if (result == -ECANCELED)
            return GST_FLOW_FLUSHING;
        if (result != 0) {
            /* the renderer's own words: for memory, what the units need and the limit */
            gchar *why = gst_fractal_vid_worker_error(src->worker);
            const gchar *what = unit == GST_FRACTAL_VID_WHOLE_CLIP ? "clip" : "frame";

            if (result == -ENOMEM && why)
                GST_ELEMENT_ERROR(src, RESOURCE, NO_SPACE_LEFT,
                                  ("Not enough memory for the fractal %ss: %s", what, why),
                                  ("the element holds two %ss (one plays while the next renders); "
                                   "try a smaller size, fewer clip-frames or normalization=frame",
                                   what));
            else if (result == -ENOMEM)
                GST_ELEMENT_ERROR(src, RESOURCE, NO_SPACE_LEFT,
                                  ("Not enough memory to render a %ux%u fractal %s", wanted.width,
                                   wanted.height, what),
                                  ("rendering: %s; try a smaller size, fewer clip-frames or "
                                   "normalization=frame",
                                   g_strerror(ENOMEM)));
            else
                GST_ELEMENT_ERROR(src, LIBRARY, FAILED,
                                  ("Could not render fractal clip %" G_GUINT64_FORMAT ": %s",
                                   src->clip_index, why ? why : g_strerror(-result)),
                                  ("rendering: %s", g_strerror(-result)));
            g_free(why);
            return GST_FLOW_ERROR;
        }
        src->clip_loaded = src->clip_index;
        src->frame_loaded = unit;
        src->loaded_settings = wanted;
        taken = TRUE;
        if (live) {
            const GstClockTime period = gst_fractal_vid_src_period(info);

            gst_fractal_vid_src_note_render(src, fv_clip_info(src->clip), seconds, waited, ahead);
            /* Rendering falls behind: the unit, asked ahead, still kept the stream waiting,
             * and units take longer to render than to play, not just this one. */
            src->behind =
                ahead && waited * GST_SECOND > period &&
                src->render_mean * GST_SECOND > fv_clip_info(src->clip)->frames_held * period;
        }
    }
    ci = fv_clip_info(src->clip);

    /* The next unit renders while this one plays (also after a seek that kept this one),
     * with the properties as they are now (adaptive-density may just have traded). */
    if (taken || new_clip) {
        /* A first frame late from its render sets the time base the next render aims by. */
        if (live)
            gst_fractal_vid_src_start_on_time(src);
        gst_fractal_vid_src_snapshot(src, &fresh, &range);
        gst_fractal_vid_src_prefetch_next(src, ci, unit, &fresh, &range, live);
    }

    if (new_clip)
        gst_fractal_vid_src_send_tags(src, ci, wanted.density);
    return GST_FLOW_OK;
}

static GstFlowReturn gst_fractal_vid_src_fill(GstPushSrc *psrc, GstBuffer *buffer)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(psrc);
    const GstVideoInfo *info = &src->info;
    const gboolean live = gst_base_src_is_live(GST_BASE_SRC(src));
    /* do-timestamp stamps each buffer with the time it leaves, which is never late: then
     * frames are not skipped (as videotestsrc, a stream held back by downstream falls
     * behind the clock). */
    const gboolean skip_late = live && !gst_base_src_get_do_timestamp(GST_BASE_SRC(src));
    GstVideoFrame vframe;
    GstFlowReturn ret;
    GstClockTime pts;
    gint64 offset;
    gboolean written, restart;

    if (G_UNLIKELY(!src->have_info))
        return GST_FLOW_NOT_NEGOTIATED;
    /* Framerate 0/1: one still frame, then EOS (E2); backwards: EOS after the first frame. */
    if ((GST_VIDEO_INFO_FPS_N(info) == 0 && src->frame > 0) || src->past_start)
        return GST_FLOW_EOS;

    /* The first frame since PLAYING is never late: the stream starts with it (see wait). */
    GST_OBJECT_LOCK(src);
    restart = src->live_restart || !src->playing;
    GST_OBJECT_UNLOCK(src);
    for (;;) {
        if (skip_late && !restart) {
            ret = gst_fractal_vid_src_catch_up(src);
            if (ret != GST_FLOW_OK)
                return ret;
        }
        ret = gst_fractal_vid_src_prepare_unit(src, live);
        if (ret != GST_FLOW_OK)
            return ret;
        /* A render that kept the frame past its time: skip on from where the clock is. */
        if (!skip_late || restart || !gst_fractal_vid_src_is_late(src))
            break;
    }

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

    /* Live: the frame goes out at its time (E3). */
    if (live) {
        ret = gst_fractal_vid_src_wait(src);
        if (ret != GST_FLOW_OK)
            return ret;
    }

    GST_OBJECT_LOCK(src);
    offset = src->timestamp_offset;
    GST_OBJECT_UNLOCK(src);

    /* Every timestamp from the frame count, so nothing drifts (E3). */
    pts = gst_fractal_vid_src_frame_time(src, src->frame);
    GST_BUFFER_PTS(buffer) = offset + pts + (live ? src->live_offset : 0);
    GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buffer) = GST_VIDEO_INFO_FPS_N(info) > 0
                                      ? gst_fractal_vid_src_frame_time(src, src->frame + 1) - pts
                                      : GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET(buffer) = src->frame;
    GST_BUFFER_OFFSET_END(buffer) = src->frame + 1;
    gst_fractal_vid_meta_add(buffer, src->clip, src->loaded_settings.density,
                             src->frame_in_clip, src->frame);
    src->processed++;

    if (!src->reverse) {
        src->frame++;
        if (++src->frame_in_clip >= fv_clip_info(src->clip)->frames) {
            /* after clip 2^64 - 1 there is none: the stream ends there (no wrap to clip 0) */
            if (src->clip_index == G_MAXUINT64)
                src->clip_done = TRUE;
            else
                src->clip_index++;
            src->frame_in_clip = 0;
        }
    } else if (src->frame == 0) {
        src->past_start = TRUE;
    } else {
        src->frame--;
        if (src->frame_in_clip > 0) {
            src->frame_in_clip--;
        } else {
            FvSettings s;

            gst_fractal_vid_src_snapshot(src, &s, NULL);
            src->clip_index--;
            src->frame_in_clip =
                MAX(gst_fractal_vid_src_clip_frames(src, &s, src->clip_index), 1) - 1;
        }
    }
    return GST_FLOW_OK;
}

/* ---- states ---- */

static gboolean gst_fractal_vid_src_start(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);
    GstFractalVidWorker *worker;
    guint threads, ahead;
    gint err;

    GST_OBJECT_LOCK(src);
    threads = src->threads;
    src->auto_ahead = GST_FRACTAL_VID_AUTO_AHEAD;
    ahead = gst_fractal_vid_src_ahead_locked(src);
    GST_OBJECT_UNLOCK(src);

    worker = gst_fractal_vid_worker_new(threads, ahead, &err);
    if (!worker) {
        GST_ELEMENT_ERROR(src, LIBRARY, INIT,
                          ("Could not start the fractal renderer with %u threads", threads),
                          ("fv_renderer_open: %s", g_strerror(-err)));
        return FALSE;
    }
    if (gst_fractal_vid_worker_reused(worker))
        GST_INFO_OBJECT(src, "renders with the renderer of a stream stopped before, kept");

    GST_OBJECT_LOCK(src);
    src->worker = worker;
    gst_video_info_init(&src->info);
    src->have_info = FALSE;
    src->overrun = 0;
    src->live_density = 0;
    src->live_restart = FALSE;
    src->flushing = FALSE;
    src->playing = FALSE;
    GST_OBJECT_UNLOCK(src);

    g_mutex_lock(&src->ready_lock);
    src->ready = READY_WAIT_CAPS;
    g_mutex_unlock(&src->ready_lock);

    src->frame = 0;
    src->clip_index = 0;
    src->frame_in_clip = 0;
    src->reverse = FALSE;
    src->past_start = FALSE;
    src->clip_done = FALSE;
    src->caps_frame = 0;
    src->caps_time = 0;
    src->resnapshot = TRUE;
    src->have_clip_settings = FALSE;
    src->live_offset = 0;
    src->skip_to = 0;
    src->ahead_asked = FALSE;
    src->behind = FALSE;
    src->render_seconds = 0;
    src->render_mean = 0;
    src->renders_noted = 0;
    src->later_mean = 0;
    src->processed = src->dropped = 0;
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

    g_mutex_lock(&src->ready_lock);
    src->ready = READY_NO_CAPS;
    g_cond_broadcast(&src->ready_cond);
    g_mutex_unlock(&src->ready_lock);

    fv_clip_free(&src->clip);
    src->have_clip_settings = FALSE;
    /* A unit being rendered is cancelled: this waits for one lane of one frame at most. */
    gst_fractal_vid_worker_free(worker);
    g_clear_pointer(&src->scratch, g_free);
    src->scratch_size = 0;
    return TRUE;
}

/* Live: READY to PAUSED returns once the first unit is rendered (or FIRST_UNIT_WAIT has
 * passed), so the first frame is ready when the pipeline goes to PLAYING (E3), and when that
 * unit was slow to render for its play time, once the clips rendered ahead are too (see
 * FIRST_UNIT_WAIT). The caps are negotiated meanwhile in the streaming thread, which
 * set_caps starts the render from. */
static void gst_fractal_vid_src_wait_first_unit(GstFractalVidSrc *src)
{
    const gint64 end = g_get_monotonic_time() + FIRST_UNIT_WAIT;
    GstFractalVidWorker *worker;
    gint64 asked, plays;
    gint ready;

    g_mutex_lock(&src->ready_lock);
    while (src->ready == READY_WAIT_CAPS)
        if (!g_cond_wait_until(&src->ready_cond, &src->ready_lock, end))
            break;
    ready = src->ready;
    asked = src->first_asked;
    plays = src->first_plays;
    g_mutex_unlock(&src->ready_lock);

    /* The state lock keeps stop(), which frees the worker, from running meanwhile. */
    GST_OBJECT_LOCK(src);
    worker = src->worker;
    GST_OBJECT_UNLOCK(src);
    if (ready != READY_FIRST_ASKED || !worker)
        return;
    if (!gst_fractal_vid_worker_wait_idle(worker, end, FALSE)) {
        GST_INFO_OBJECT(src, "first frame not rendered yet: it comes after PLAYING");
        return;
    }
    if ((g_get_monotonic_time() - asked) * AHEAD_WAIT_SHARE > plays &&
        !gst_fractal_vid_worker_wait_idle(worker, end, TRUE))
        GST_INFO_OBJECT(src, "clips ahead not rendered yet: they come after PLAYING");
}

static GstStateChangeReturn gst_fractal_vid_src_change_state(GstElement *element,
                                                             GstStateChange transition)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(element);
    GstStateChangeReturn ret;

    if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
        GST_OBJECT_LOCK(src);
        src->playing = TRUE;
        src->live_restart = TRUE;
        GST_OBJECT_UNLOCK(src);
    }

    ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
    if (ret == GST_STATE_CHANGE_FAILURE)
        return ret;

    switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
        if (ret == GST_STATE_CHANGE_NO_PREROLL)
            gst_fractal_vid_src_wait_first_unit(src);
        break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
        /* A live frame waiting for its time waits again at PLAYING, on the new base time. */
        GST_OBJECT_LOCK(src);
        src->playing = FALSE;
        if (src->clock_id)
            gst_clock_id_unschedule(src->clock_id);
        GST_OBJECT_UNLOCK(src);
        break;
    default:
        break;
    }
    return ret;
}

/* Flushing (seeks, state changes): a streaming thread waiting for a unit or for the clock
 * returns at once. */
static gboolean gst_fractal_vid_src_unlock(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    GST_OBJECT_LOCK(src);
    src->flushing = TRUE;
    if (src->clock_id)
        gst_clock_id_unschedule(src->clock_id);
    if (src->worker)
        gst_fractal_vid_worker_set_flushing(src->worker, TRUE);
    GST_OBJECT_UNLOCK(src);
    return TRUE;
}

static gboolean gst_fractal_vid_src_unlock_stop(GstBaseSrc *bsrc)
{
    GstFractalVidSrc *src = GST_FRACTAL_VID_SRC(bsrc);

    GST_OBJECT_LOCK(src);
    src->flushing = FALSE;
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
    g_mutex_clear(&src->ready_lock);
    g_cond_clear(&src->ready_cond);
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
                         "The class: which system and motion the clips show. "
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
        g_param_spec_enum("motion", "Motion", "How the system moves between its key states",
                          GST_TYPE_FRACTAL_VID_SRC_MOTION, DEFAULT_MOTION,
                          flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_VARIATION,
        g_param_spec_enum("variation", "Variation",
                          "Nonlinear flame variation applied after every map",
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
        gobject_class, PROP_NORMALIZATION,
        g_param_spec_enum("normalization", "Normalization",
                          "How brightness is scaled: by the clip's brightest pixel (clip, the "
                          "paper's) or by each frame's own (frame: the first frame comes at "
                          "once, for big frames and live streams)",
                          GST_TYPE_FRACTAL_VID_SRC_NORMALIZATION, DEFAULT_NORMALIZATION,
                          flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_EFFECTS,
        g_param_spec_flags(
            "effects", "Effects",
            "The paper's emulation of real video, rendered into the clips: each effect named "
            "is applied to every clip; paper applies every other one at the paper's probability "
            "(e.g. effects=paper, effects=zoom+shake). Labels: tags and meta. Default: none, the "
            "paper's plain clips",
            GST_TYPE_FRACTAL_VID_SRC_EFFECTS, DEFAULT_EFFECTS, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_AUGMENT_SEED,
        g_param_spec_uint64("augment-seed", "Augment seed",
                            "Draws the effects anew (a new value each training epoch) while the "
                            "plain clip (class, sample, framing) stays the same",
                            0, G_MAXUINT64, DEFAULT_AUGMENT_SEED,
                            flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_THREADS,
        g_param_spec_uint("threads", "Threads",
                          "Rendering threads; 0: one per core (pixels do not depend on it)", 0,
                          MAX_THREADS, DEFAULT_THREADS, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_RENDER_AHEAD,
        g_param_spec_uint("render-ahead", "Render ahead",
                          "Most whole clips rendered ahead of the one playing, while rendering "
                          "has time: a clip slower to render than to play is then on time "
                          "(live). Each holds a clip's frames in memory; 1: only the next "
                          "clip; 0: automatic, 2, or 4 when live and a clip takes more than a "
                          "quarter of its play time to render. Pixels do not depend on it",
                          0, GST_FRACTAL_VID_MAX_AHEAD, DEFAULT_RENDER_AHEAD,
                          flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_CURRENT_RENDER_AHEAD,
        g_param_spec_uint("current-render-ahead", "Current render ahead",
                          "Most whole clips rendered ahead now: render-ahead, or the number "
                          "render-ahead=0 chose for the stream",
                          1, GST_FRACTAL_VID_MAX_AHEAD, GST_FRACTAL_VID_AUTO_AHEAD,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        gobject_class, PROP_IS_LIVE,
        g_param_spec_boolean("is-live", "Is live",
                             "Release frames on the pipeline clock, like a camera; a frame that "
                             "cannot be on time is skipped",
                             DEFAULT_IS_LIVE, flags | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        gobject_class, PROP_ADAPTIVE_DENSITY,
        g_param_spec_boolean("adaptive-density", "Adaptive density",
                             "Live: when frames render slower than real time, lower the density "
                             "(at most to the density property) until they keep up, and raise "
                             "it again when there is time. The density used is in every "
                             "buffer's meta; pixels then depend on the machine's speed",
                             DEFAULT_ADAPTIVE_DENSITY, flags | GST_PARAM_MUTABLE_PLAYING));
    g_object_class_install_property(
        gobject_class, PROP_TIMESTAMP_OFFSET,
        g_param_spec_int64("timestamp-offset", "Timestamp offset",
                           "An offset added to timestamps set on buffers (in ns)", 0, G_MAXINT64,
                           DEFAULT_TIMESTAMP_OFFSET, flags | GST_PARAM_MUTABLE_READY));

    gst_element_class_set_static_metadata(
        element_class, "Fractal video source", "Source/Video",
        "Renders endless, labelled, reproducible fractal videos (iterated function systems in "
        "smooth motion) for pre-training video models and as a test source. Each clip starts "
        "with TITLE and COMMENT tags; each buffer carries a GstFractalVidMeta custom meta with "
        "its labels: class, class-key, class-seed, seed, clip, frame-in-clip, frames-in-clip, "
        "frame, motion, variation, normalization and density; with effects, also effects, "
        "augment-seed and each effect's drawn values (e.g. scale-x, zoom, shake-x)",
        "fractalvid developers");
    caps = gst_fractal_vid_src_make_caps();
    gst_element_class_add_pad_template(
        element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps);

    element_class->change_state = gst_fractal_vid_src_change_state;
    element_class->send_event = gst_fractal_vid_src_send_event;
    basesrc_class->negotiate = gst_fractal_vid_src_negotiate;
    basesrc_class->fixate = gst_fractal_vid_src_fixate;
    basesrc_class->set_caps = gst_fractal_vid_src_set_caps;
    basesrc_class->decide_allocation = gst_fractal_vid_src_decide_allocation;
    basesrc_class->is_seekable = gst_fractal_vid_src_is_seekable;
    basesrc_class->event = gst_fractal_vid_src_event;
    basesrc_class->do_seek = gst_fractal_vid_src_do_seek;
    basesrc_class->query = gst_fractal_vid_src_query;
    basesrc_class->start = gst_fractal_vid_src_start;
    basesrc_class->stop = gst_fractal_vid_src_stop;
    basesrc_class->unlock = gst_fractal_vid_src_unlock;
    basesrc_class->unlock_stop = gst_fractal_vid_src_unlock_stop;
    pushsrc_class->fill = gst_fractal_vid_src_fill;

    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_MOTION, 0);
    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_VARIATION, 0);
    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_NORMALIZATION, 0);
    gst_type_mark_as_plugin_api(GST_TYPE_FRACTAL_VID_SRC_EFFECTS, 0);
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
    src->effects = DEFAULT_EFFECTS;
    src->augment_seed = DEFAULT_AUGMENT_SEED;
    src->threads = DEFAULT_THREADS;
    src->timestamp_offset = DEFAULT_TIMESTAMP_OFFSET;
    src->normalization = DEFAULT_NORMALIZATION;
    src->adaptive_density = DEFAULT_ADAPTIVE_DENSITY;
    src->render_ahead = DEFAULT_RENDER_AHEAD;
    src->auto_ahead = GST_FRACTAL_VID_AUTO_AHEAD;
    gst_video_info_init(&src->info);

    g_mutex_init(&src->map_lock);
    src->clip_starts = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_mutex_init(&src->ready_lock);
    g_cond_init(&src->ready_cond);

    /* Time is the natural format: seeks and segments are in TIME (E3). */
    gst_base_src_set_format(GST_BASE_SRC(src), GST_FORMAT_TIME);
    gst_base_src_set_live(GST_BASE_SRC(src), DEFAULT_IS_LIVE);
}
