/* fractalvid-server: one stream request (see server-stream.h). */

#include "server-stream.h"

#include "gstfractalviduri.h"

#include <gst/video/video.h>

#include <string.h>

GQuark fv_stream_error_quark(void)
{
    return g_quark_from_static_string("fv-stream-error-quark");
}

/* ---- The stream's own keys, as GObject properties ----
 *
 * Declaring them as properties lets the fractal:// parser read them: the same value
 * grammar, range checks and messages as the element's keys. */

#define DEFAULT_CODEC FV_CODEC_H264
#define DEFAULT_BITRATE 2048 /* kbit/s, as x264enc */
#define MAX_BITRATE 1000000
#define DEFAULT_GOP 0 /* one second of frames */
#define MAX_GOP 100000
#define DEFAULT_QUALITY 85 /* as jpegenc */
/* The element's caps (E2): any size up to 8192; it fixates open caps to 256x256 at 12/1. */
#define MAX_SIZE 8192
#define DEFAULT_WIDTH 256
#define DEFAULT_HEIGHT 256
#define DEFAULT_FPS_N 12
#define DEFAULT_FPS_D 1
#define DEFAULT_FORMAT GST_VIDEO_FORMAT_I420

enum {
    PROP_0,
    PROP_CODEC,
    PROP_BITRATE,
    PROP_GOP,
    PROP_QUALITY,
    PROP_FORMAT,
    PROP_WIDTH,
    PROP_HEIGHT,
    PROP_FRAMERATE,
};

/* In the order the canonical key lists them. "fps" is another name for framerate. */
static const gchar *const stream_keys[] = {"codec", "bitrate", "gop",       "quality", "format",
                                           "width", "height",  "framerate", NULL};

#define FV_TYPE_STREAM_OPTIONS (fv_stream_options_get_type())
G_DECLARE_FINAL_TYPE(FvStreamOptions, fv_stream_options, FV, STREAM_OPTIONS, GObject)

struct _FvStreamOptions {
    GObject parent;
    FvCodec codec;
    guint bitrate;
    guint gop;
    guint quality;
    GstVideoFormat format;
    gint width, height;
    gint fps_n, fps_d;
};

G_DEFINE_TYPE(FvStreamOptions, fv_stream_options, G_TYPE_OBJECT)

static GType fv_codec_get_type(void)
{
    static GType type = 0;
    static const GEnumValue values[] = {
        {FV_CODEC_H264, "H.264 (x264enc)", "h264"},
        {FV_CODEC_H265, "H.265 (x265enc)", "h265"},
        {FV_CODEC_VP8, "VP8 (vp8enc)", "vp8"},
        {FV_CODEC_MJPEG, "Motion JPEG (jpegenc)", "mjpeg"},
        {0, NULL, NULL},
    };

    if (g_once_init_enter(&type))
        g_once_init_leave(&type, g_enum_register_static("FvServerCodec", values));
    return type;
}

/* The element's raw formats (E2), named as GStreamer names them. */
static GType fv_raw_format_get_type(void)
{
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_VIDEO_FORMAT_I420, "I420", "I420"},
        {GST_VIDEO_FORMAT_NV12, "NV12", "NV12"},
        {GST_VIDEO_FORMAT_Y444, "Y444", "Y444"},
        {GST_VIDEO_FORMAT_GRAY8, "GRAY8", "GRAY8"},
        {GST_VIDEO_FORMAT_GRAY16_LE, "GRAY16_LE", "GRAY16_LE"},
        {GST_VIDEO_FORMAT_RGBA, "RGBA", "RGBA"},
        {GST_VIDEO_FORMAT_BGRA, "BGRA", "BGRA"},
        {GST_VIDEO_FORMAT_ARGB, "ARGB", "ARGB"},
        {GST_VIDEO_FORMAT_ABGR, "ABGR", "ABGR"},
        {GST_VIDEO_FORMAT_RGBx, "RGBx", "RGBx"},
        {GST_VIDEO_FORMAT_BGRx, "BGRx", "BGRx"},
        {GST_VIDEO_FORMAT_xRGB, "xRGB", "xRGB"},
        {GST_VIDEO_FORMAT_xBGR, "xBGR", "xBGR"},
        {GST_VIDEO_FORMAT_RGB, "RGB", "RGB"},
        {GST_VIDEO_FORMAT_BGR, "BGR", "BGR"},
        {0, NULL, NULL},
    };

    if (g_once_init_enter(&type))
        g_once_init_leave(&type, g_enum_register_static("FvServerRawFormat", values));
    return type;
}

static void fv_stream_options_set_property(GObject *object, guint prop_id, const GValue *value,
                                           GParamSpec *pspec)
{
    FvStreamOptions *o = FV_STREAM_OPTIONS(object);

    switch (prop_id) {
    case PROP_CODEC:
        o->codec = g_value_get_enum(value);
        break;
    case PROP_BITRATE:
        o->bitrate = g_value_get_uint(value);
        break;
    case PROP_GOP:
        o->gop = g_value_get_uint(value);
        break;
    case PROP_QUALITY:
        o->quality = g_value_get_uint(value);
        break;
    case PROP_FORMAT:
        o->format = g_value_get_enum(value);
        break;
    case PROP_WIDTH:
        o->width = g_value_get_int(value);
        break;
    case PROP_HEIGHT:
        o->height = g_value_get_int(value);
        break;
    case PROP_FRAMERATE:
        o->fps_n = gst_value_get_fraction_numerator(value);
        o->fps_d = gst_value_get_fraction_denominator(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
}

static void fv_stream_options_get_property(GObject *object, guint prop_id, GValue *value,
                                           GParamSpec *pspec)
{
    FvStreamOptions *o = FV_STREAM_OPTIONS(object);

    switch (prop_id) {
    case PROP_CODEC:
        g_value_set_enum(value, o->codec);
        break;
    case PROP_BITRATE:
        g_value_set_uint(value, o->bitrate);
        break;
    case PROP_GOP:
        g_value_set_uint(value, o->gop);
        break;
    case PROP_QUALITY:
        g_value_set_uint(value, o->quality);
        break;
    case PROP_FORMAT:
        g_value_set_enum(value, o->format);
        break;
    case PROP_WIDTH:
        g_value_set_int(value, o->width);
        break;
    case PROP_HEIGHT:
        g_value_set_int(value, o->height);
        break;
    case PROP_FRAMERATE:
        gst_value_set_fraction(value, o->fps_n, o->fps_d);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
}

static void fv_stream_options_class_init(FvStreamOptionsClass *klass)
{
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

    gobject_class->set_property = fv_stream_options_set_property;
    gobject_class->get_property = fv_stream_options_get_property;

    g_object_class_install_property(gobject_class, PROP_CODEC,
                                    g_param_spec_enum("codec", "Codec", "The video codec",
                                                      fv_codec_get_type(), DEFAULT_CODEC, flags));
    g_object_class_install_property(gobject_class, PROP_BITRATE,
                                    g_param_spec_uint("bitrate", "Bitrate",
                                                      "Target bitrate in kbit/s (h264, h265, vp8)",
                                                      1, MAX_BITRATE, DEFAULT_BITRATE, flags));
    g_object_class_install_property(
        gobject_class, PROP_GOP,
        g_param_spec_uint("gop", "GOP", "Frames from one key frame to the next; 0: one second", 0,
                          MAX_GOP, DEFAULT_GOP, flags));
    g_object_class_install_property(gobject_class, PROP_QUALITY,
                                    g_param_spec_uint("quality", "Quality", "JPEG quality (mjpeg)",
                                                      1, 100, DEFAULT_QUALITY, flags));
    g_object_class_install_property(
        gobject_class, PROP_FORMAT,
        g_param_spec_enum("format", "Format", "Raw format the encoder is given",
                          fv_raw_format_get_type(), DEFAULT_FORMAT, flags));
    g_object_class_install_property(
        gobject_class, PROP_WIDTH,
        g_param_spec_int("width", "Width", "Frame width", 1, MAX_SIZE, DEFAULT_WIDTH, flags));
    g_object_class_install_property(
        gobject_class, PROP_HEIGHT,
        g_param_spec_int("height", "Height", "Frame height", 1, MAX_SIZE, DEFAULT_HEIGHT, flags));
    /* A stream needs time to pass: no 0/1 still frame here. */
    g_object_class_install_property(
        gobject_class, PROP_FRAMERATE,
        gst_param_spec_fraction("framerate", "Frame rate", "Frames per second (also: fps)", 1, 1000,
                                1000, 1, DEFAULT_FPS_N, DEFAULT_FPS_D, flags));
}

static void fv_stream_options_init(G_GNUC_UNUSED FvStreamOptions *o)
{
}

const gchar *fv_stream_keys_text(void)
{
    return "codec, bitrate, gop, quality, format, width, height, fps (or framerate)";
}

/* ---- Parsing ---- */

static const gchar *codec_name(FvCodec codec)
{
    GEnumClass *klass = g_type_class_ref(fv_codec_get_type());
    GEnumValue *v = g_enum_get_value(klass, codec);
    g_type_class_unref(klass);
    return v ? v->value_nick : "?";
}

/* The parser's messages start "fractal URI: "; in a stream request the query is the URI. */
static void set_query_error(GError **error, FvStreamError code, const GError *parse_error,
                            gboolean add_stream_keys)
{
    const gchar *text = parse_error->message;

    if (g_str_has_prefix(text, "fractal URI: "))
        text += strlen("fractal URI: ");
    if (add_stream_keys)
        g_set_error(error, FV_STREAM_ERROR, code, "%s; or a stream key: %s", text,
                    fv_stream_keys_text());
    else
        g_set_error_literal(error, FV_STREAM_ERROR, code, text);
}

static gboolean is_stream_key(const gchar *key)
{
    return g_strv_contains(stream_keys, key);
}

/* Split query into the element's key=value pairs and the stream's (escapes left for the
 * parser); given collects the stream keys named, and is-live. */
static gboolean split_query(const gchar *query, GPtrArray *element_pairs, GPtrArray *stream_pairs,
                            GHashTable *given, GError **error)
{
    gchar **pairs = g_strsplit(query ? query : "", "&", -1);
    gboolean ok = TRUE;

    for (gchar **pair = pairs; ok && *pair; pair++) {
        const gchar *eq = strchr(*pair, '=');
        gchar *key = eq ? g_uri_unescape_segment(*pair, eq, NULL) : NULL;
        const gchar *name = key && strcmp(key, "fps") == 0 ? "framerate" : key;

        if (**pair == '\0') {
            /* "a=1&&b=2": nothing between the separators */
        } else if (name && is_stream_key(name)) {
            if (g_hash_table_contains(given, name)) {
                g_set_error(
                    error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY, "%s is given twice%s", name,
                    strcmp(name, "framerate") == 0 ? " (fps and framerate are one key)" : "");
                ok = FALSE;
            } else {
                g_hash_table_add(given, g_strdup(name));
                g_ptr_array_add(stream_pairs, g_strconcat(name, eq, NULL));
            }
        } else {
            /* The element's key, or an unknown one: the element's parser says which. */
            if (name && strcmp(name, "is-live") == 0)
                g_hash_table_add(given, g_strdup(name));
            g_ptr_array_add(element_pairs, g_strdup(*pair));
        }
        g_free(key);
    }
    g_strfreev(pairs);
    return ok;
}

/* fractal://pairs joined by '&'. */
static gchar *uri_of_pairs(GPtrArray *pairs)
{
    gchar *joined, *uri;

    g_ptr_array_add(pairs, NULL);
    joined = g_strjoinv("&", (gchar **)pairs->pdata);
    g_ptr_array_remove_index(pairs, pairs->len - 1);
    uri = g_strconcat(GST_FRACTAL_VID_URI_SCHEME "://", joined, NULL);
    g_free(joined);
    return uri;
}

static gboolean apply_element_keys(const gchar *uri, gboolean is_live_given, gchar **element_uri,
                                   GError **error)
{
    GstElement *src = gst_element_factory_make("fractalvidsrc", NULL);
    GError *parse_error = NULL;
    gboolean live = FALSE;

    if (!src) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_MISSING,
                    "the fractalvidsrc element is not installed");
        return FALSE;
    }
    gst_object_ref_sink(src);
    if (!gst_uri_handler_set_uri(GST_URI_HANDLER(src), uri, &parse_error)) {
        set_query_error(error, FV_STREAM_ERROR_BAD_QUERY, parse_error,
                        strstr(parse_error->message, "unknown key") != NULL);
        g_error_free(parse_error);
        gst_object_unref(src);
        return FALSE;
    }
    /* The element's default is not live, so is-live in the query can only say false. */
    g_object_get(src, "is-live", &live, NULL);
    if (!live && is_live_given) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                    "is-live=false: the server's streams are always live (leave is-live out)");
        gst_object_unref(src);
        return FALSE;
    }
    g_object_set(src, "is-live", TRUE, NULL);
    *element_uri = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
    gst_object_unref(src);
    return TRUE;
}

FvStream *fv_stream_parse(const gchar *query, GError **error)
{
    GPtrArray *element_pairs = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *stream_pairs = g_ptr_array_new_with_free_func(g_free);
    GHashTable *given = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    FvStreamOptions *o = g_object_new(FV_TYPE_STREAM_OPTIONS, NULL);
    FvStream *stream = g_new0(FvStream, 1);
    gchar *element_uri = NULL, *stream_uri = NULL;
    GError *parse_error = NULL;
    gboolean ok = split_query(query, element_pairs, stream_pairs, given, error);

    if (ok) {
        element_uri = uri_of_pairs(element_pairs);
        stream_uri = uri_of_pairs(stream_pairs);
        ok = apply_element_keys(element_uri, g_hash_table_contains(given, "is-live"),
                                &stream->element_uri, error);
    }
    if (ok && !gst_fractal_vid_uri_apply(G_OBJECT(o), stream_uri, stream_keys, &parse_error)) {
        set_query_error(error, FV_STREAM_ERROR_BAD_QUERY, parse_error, FALSE);
        g_error_free(parse_error);
        ok = FALSE;
    }

    /* Keys that do not apply to the codec are refused rather than silently ignored. */
    if (ok && o->codec == FV_CODEC_MJPEG &&
        (g_hash_table_contains(given, "bitrate") || g_hash_table_contains(given, "gop"))) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                    "%s does not apply to codec=mjpeg (every frame is a key frame; set quality)",
                    g_hash_table_contains(given, "bitrate") ? "bitrate" : "gop");
        ok = FALSE;
    }
    if (ok && o->codec != FV_CODEC_MJPEG && g_hash_table_contains(given, "quality")) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                    "quality applies to codec=mjpeg only (codec=%s takes bitrate)",
                    codec_name(o->codec));
        ok = FALSE;
    }

    if (ok) {
        gchar *stream_part;

        if (o->gop == 0)
            g_object_set(o, "gop", (guint)MAX(1, (o->fps_n + o->fps_d - 1) / o->fps_d), NULL);
        stream->codec = o->codec;
        stream->bitrate = o->bitrate;
        stream->gop = o->gop;
        stream->quality = o->quality;
        stream->caps = gst_caps_new_simple(
            "video/x-raw", "format", G_TYPE_STRING, gst_video_format_to_string(o->format), "width",
            G_TYPE_INT, o->width, "height", G_TYPE_INT, o->height, "framerate", GST_TYPE_FRACTION,
            o->fps_n, o->fps_d, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
        /* Every stream key in the key, so defaults and explicit defaults are one stream. */
        stream_part = gst_fractal_vid_uri_build(G_OBJECT(o), stream_keys, stream_keys);
        stream->key = g_strdup_printf("%s&%s", stream->element_uri + strlen("fractal://"),
                                      stream_part + strlen("fractal://"));
        g_free(stream_part);
    }

    g_object_unref(o);
    g_hash_table_unref(given);
    g_ptr_array_unref(element_pairs);
    g_ptr_array_unref(stream_pairs);
    g_free(element_uri);
    g_free(stream_uri);
    if (!ok) {
        fv_stream_free(stream);
        return NULL;
    }
    return stream;
}

void fv_stream_free(FvStream *stream)
{
    if (!stream)
        return;
    g_free(stream->key);
    g_free(stream->element_uri);
    if (stream->caps)
        gst_caps_unref(stream->caps);
    g_free(stream);
}

/* ---- Building ---- */

static GstElement *make(const gchar *factory, const gchar *name, const gchar *package,
                        GError **error)
{
    GstElement *e = gst_element_factory_make(factory, name);

    if (!e)
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_MISSING,
                    "the %s element is not installed (%s)", factory, package);
    return e;
}

static GstElement *make_encoder(const FvStream *s, GError **error)
{
    GstElement *enc = NULL;

    switch (s->codec) {
    case FV_CODEC_H264:
        if ((enc = make("x264enc", "encoder", "gstreamer1.0-plugins-ugly", error))) {
            /* No look-ahead, no B-frames: a frame leaves as soon as it is encoded. */
            gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
            gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", "ultrafast");
            /* One slice per frame: with a slice per thread, the parameter sets the payloader
             * repeats before each IDR slice make some decoders (FFmpeg's) split a key frame
             * in two. */
            g_object_set(enc, "bitrate", s->bitrate, "key-int-max", s->gop, "threads", 1, NULL);
        }
        break;
    case FV_CODEC_H265:
        if ((enc = make("x265enc", "encoder", "gstreamer1.0-plugins-bad", error))) {
            gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
            gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", "ultrafast");
            g_object_set(enc, "bitrate", s->bitrate, "key-int-max", s->gop, NULL);
        }
        break;
    case FV_CODEC_VP8:
        if ((enc = make("vp8enc", "encoder", "gstreamer1.0-plugins-good", error))) {
            /* Real-time deadline, constant bitrate, no frames held back. */
            g_object_set(enc, "deadline", (gint64)1, "cpu-used", 8, "lag-in-frames", 0,
                         "target-bitrate", (gint)MIN(s->bitrate * 1000u, (guint)G_MAXINT),
                         "keyframe-max-dist", (gint)MIN(s->gop, (guint)G_MAXINT), NULL);
            gst_util_set_object_arg(G_OBJECT(enc), "end-usage", "cbr");
        }
        break;
    case FV_CODEC_MJPEG:
        if ((enc = make("jpegenc", "encoder", "gstreamer1.0-plugins-good", error)))
            g_object_set(enc, "quality", (gint)s->quality, NULL);
        break;
    }
    return enc;
}

static GstElement *make_payloader(const FvStream *s, GError **error)
{
    static const gchar *const names[] = {
        [FV_CODEC_H264] = "rtph264pay",
        [FV_CODEC_H265] = "rtph265pay",
        [FV_CODEC_VP8] = "rtpvp8pay",
        [FV_CODEC_MJPEG] = "rtpjpegpay",
    };
    GstElement *pay = make(names[s->codec], "pay0", "gstreamer1.0-plugins-good", error);

    if (!pay)
        return NULL;
    g_object_set(pay, "pt", 96, NULL);
    /* Parameter sets before every key frame: a viewer can start at any key frame. */
    if (s->codec == FV_CODEC_H264 || s->codec == FV_CODEC_H265)
        g_object_set(pay, "config-interval", -1, NULL);
    return pay;
}

/* What a pad can take or give, or NULL when caps are within it. */
static gchar *caps_mismatch(GstElement *element, const gchar *pad_name, const GstCaps *caps)
{
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    GstCaps *allowed = gst_pad_query_caps(pad, NULL);
    gchar *offered = NULL;

    if (!gst_caps_can_intersect(allowed, caps))
        offered = gst_caps_to_string(allowed);
    gst_caps_unref(allowed);
    gst_object_unref(pad);
    return offered;
}

static gboolean check_caps(const FvStream *s, GstElement *src, GstElement *enc,
                           FvPackaging packaging, GError **error)
{
    GstElementFactory *factory = gst_element_get_factory(enc);
    const gchar *enc_name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
    GstVideoInfo info;
    gchar *asked = gst_caps_to_string(s->caps);
    gchar *offered;
    gboolean ok = FALSE;

    if ((offered = caps_mismatch(src, "src", s->caps))) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "fractalvidsrc cannot make %s (it makes %s)", asked, offered);
    } else if ((offered = caps_mismatch(enc, "sink", s->caps))) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "codec=%s (%s) cannot take %s (it takes %s)", codec_name(s->codec), enc_name,
                    asked, offered);
    } else if (!gst_video_info_from_caps(&info, s->caps)) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS, "%s are not raw video caps",
                    asked);
    } else if ((s->codec == FV_CODEC_H264 || s->codec == FV_CODEC_H265) &&
               GST_VIDEO_INFO_N_COMPONENTS(&info) > 1 &&
               ((info.width & ((1 << GST_VIDEO_FORMAT_INFO_W_SUB(info.finfo, 1)) - 1)) ||
                (info.height & ((1 << GST_VIDEO_FORMAT_INFO_H_SUB(info.finfo, 1)) - 1)))) {
        /* x264 and x265 code whole chroma samples only. */
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "codec=%s needs a width%s divisible by 2 for format=%s (asked %dx%d)",
                    codec_name(s->codec),
                    GST_VIDEO_FORMAT_INFO_H_SUB(info.finfo, 1) ? " and height" : "",
                    GST_VIDEO_INFO_NAME(&info), info.width, info.height);
    } else if (s->codec == FV_CODEC_MJPEG && packaging == FV_PACKAGING_RTP &&
               !(GST_VIDEO_INFO_IS_YUV(&info) && GST_VIDEO_FORMAT_INFO_W_SUB(info.finfo, 1) == 1)) {
        /* RTP/JPEG (RFC 2435) carries 4:2:0 and 4:2:2 JPEG only. */
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "codec=mjpeg over RTP needs 4:2:0 video (format=I420 or NV12), not "
                    "format=%s",
                    GST_VIDEO_INFO_NAME(&info));
    } else if (packaging == FV_PACKAGING_MPEGTS &&
               !(s->codec == FV_CODEC_H264 || s->codec == FV_CODEC_H265)) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "codec=%s cannot be carried in MPEG-TS (SRT takes codec=h264 or h265)",
                    codec_name(s->codec));
    } else {
        ok = TRUE;
    }
    g_free(asked);
    g_free(offered);
    return ok;
}

/* An element made but not added to a bin. */
static void drop_floating(GstElement *element)
{
    if (element)
        gst_object_unref(gst_object_ref_sink(element));
}

GstElement *fv_stream_build(const FvStream *s, GstBin *bin, FvPackaging packaging, GError **error)
{
    GstElement *src = NULL, *filter = NULL, *queue = NULL, *enc = NULL, *parse = NULL, *last = NULL;
    GError *uri_error = NULL;

    if (!(src = make("fractalvidsrc", "source", "fractalvid", error)) ||
        !(filter = make("capsfilter", NULL, "gstreamer1.0-plugins-base", error)) ||
        !(queue = make("queue", NULL, "gstreamer1.0", error)) || !(enc = make_encoder(s, error)))
        goto failed;
    if (!gst_uri_handler_set_uri(GST_URI_HANDLER(src), s->element_uri, &uri_error)) {
        set_query_error(error, FV_STREAM_ERROR_BAD_QUERY, uri_error, FALSE);
        g_error_free(uri_error);
        goto failed;
    }
    if (!check_caps(s, src, enc, packaging, error))
        goto failed;

    if (packaging == FV_PACKAGING_RTP) {
        last = make_payloader(s, error);
    } else {
        const gchar *parser = s->codec == FV_CODEC_H264 ? "h264parse" : "h265parse";
        if ((parse = make(parser, NULL, "gstreamer1.0-plugins-bad", error))) {
            g_object_set(parse, "config-interval", -1, NULL);
            /* 7 TS packets per buffer: one SRT live-mode payload (1316 bytes). */
            if ((last = make("mpegtsmux", "mux", "gstreamer1.0-plugins-bad", error)))
                g_object_set(last, "alignment", 7, NULL);
        }
    }
    if (!last)
        goto failed;

    g_object_set(filter, "caps", s->caps, NULL);
    /* The encoder works in its own thread while the element renders the next frames; a
     * few frames at most wait between them. */
    g_object_set(queue, "max-size-buffers", 3, "max-size-bytes", 0, "max-size-time", (guint64)0,
                 NULL);
    gst_bin_add_many(bin, src, filter, queue, enc, NULL);
    if (parse)
        gst_bin_add(bin, parse);
    gst_bin_add(bin, last);
    if (!gst_element_link_many(src, filter, queue, enc, NULL) ||
        !(parse ? gst_element_link_many(enc, parse, last, NULL) : gst_element_link(enc, last))) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS,
                    "could not link fractalvidsrc to codec=%s", codec_name(s->codec));
        return NULL; /* the elements are the bin's now */
    }
    return last;

failed:
    drop_floating(src);
    drop_floating(filter);
    drop_floating(queue);
    drop_floating(enc);
    drop_floating(parse);
    drop_floating(last);
    return NULL;
}

gboolean fv_stream_check(const FvStream *stream, FvPackaging packaging, GError **error)
{
    GstElement *bin = gst_object_ref_sink(gst_bin_new(NULL));
    gboolean ok = fv_stream_build(stream, GST_BIN(bin), packaging, error) != NULL;

    gst_object_unref(bin);
    return ok;
}

void fv_stream_request_key_frame(GstBin *bin)
{
    GstElement *enc = gst_bin_get_by_name(bin, "encoder");
    GstPad *pad;

    if (!enc)
        return;
    /* An upstream event sent to the encoder's source pad reaches the encoder itself. */
    pad = gst_element_get_static_pad(enc, "src");
    gst_pad_send_event(pad,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
    gst_object_unref(enc);
}
