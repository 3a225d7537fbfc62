/* fractalvid-server: one stream request, from a URL query to the elements that make it.
 *
 * A query names the element's properties (class=3&seed=7&motion=linear, the fractal://
 * grammar, applied to fractalvidsrc through its URI handler) and the stream's own keys
 * (codec, bitrate, gop, quality, width, height, fps or framerate, format), parsed by the same
 * value functions. Two queries naming the same stream have the same key, whatever their
 * order or spelling, so they can share one pipeline. */
#ifndef FV_SERVER_STREAM_H
#define FV_SERVER_STREAM_H

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum FvCodec {
    FV_CODEC_H264,
    FV_CODEC_H265,
    FV_CODEC_VP8,
    FV_CODEC_MJPEG,
} FvCodec;

/* What the elements end in: an RTP payloader named pay0 (RTSP) or an MPEG-TS muxer (SRT). */
typedef enum FvPackaging {
    FV_PACKAGING_RTP,
    FV_PACKAGING_MPEGTS,
} FvPackaging;

#define FV_STREAM_ERROR (fv_stream_error_quark())
GQuark fv_stream_error_quark(void);

typedef enum FvStreamError {
    FV_STREAM_ERROR_BAD_QUERY, /* an unknown key, a bad value, keys that do not go together */
    FV_STREAM_ERROR_CAPS,      /* a size, rate or format the element or encoder cannot do */
    FV_STREAM_ERROR_MISSING,   /* an element that is not installed */
} FvStreamError;

typedef struct FvStream {
    gchar *key;         /* canonical description: equal keys, equal streams */
    gchar *element_uri; /* fractal://... for fractalvidsrc, is-live=true included */
    FvCodec codec;
    guint bitrate; /* kbit/s */
    guint gop;     /* frames from one key frame to the next */
    guint quality; /* JPEG quality (mjpeg) */
    GstCaps *caps; /* raw video between the element and the encoder, fixed */
} FvStream;

/* Parse query (the part of the URL after '?', NULL or "" for every default). NULL and an
 * FV_STREAM_ERROR whose message names the key and what it accepts otherwise. */
FvStream *fv_stream_parse(const gchar *query, GError **error);

void fv_stream_free(FvStream *stream);

/* Add the elements of stream to bin, linked from fractalvidsrc (named "source") through the
 * encoder (named "encoder") to an RTP payloader named "pay0" or an MPEG-TS muxer; returns that
 * last element (owned by bin). Checks first that the element and the encoder can make the
 * caps asked for; on FALSE nothing is added. */
GstElement *fv_stream_build(const FvStream *stream, GstBin *bin, FvPackaging packaging,
                            GError **error);

/* fv_stream_build() into a bin thrown away: the whole check, without a pipeline. */
gboolean fv_stream_check(const FvStream *stream, FvPackaging packaging, GError **error);

/* Ask the encoder in bin for a key frame now, so a viewer joining a running stream sees a
 * picture at once instead of at the next scheduled key frame. */
void fv_stream_request_key_frame(GstBin *bin);

/* The list of the stream's own keys, for messages: "codec, bitrate, ...". */
const gchar *fv_stream_keys_text(void);

G_END_DECLS

#endif
