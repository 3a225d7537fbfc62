/* fractalvid-server: the streams as MPEG-TS over SRT, listener mode.
 *
 * A caller names its stream in its streamid, with the query an RTSP URL would carry
 * ("class=3&seed=7&width=640"). One UDP port serves every query: srtsink sends one stream to
 * all its callers, so the listener socket is libsrt's own (the library srtsink is built on),
 * and each caller is fed from the pipeline of its query, shared by callers of the same query
 * unless sharing is off. */
#ifndef FV_SERVER_SRT_H
#define FV_SERVER_SRT_H

#include "server.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct FvSrtServer FvSrtServer;

typedef struct FvSrtConfig {
    const gchar *address;    /* numeric address to bind */
    guint port;              /* 0: any free port */
    const gchar *passphrase; /* NULL: no encryption; else callers must know it */
    gboolean shared;         /* callers of one query share one pipeline */
    FvLimits *limits;
} FvSrtConfig;

/* Bind and listen; callers are accepted on a thread of the server's own, pipelines are
 * stopped in the thread default main context of the caller of this function. */
FvSrtServer *fv_srt_server_start(const FvSrtConfig *config, GError **error);

/* The port bound (the one asked for, or the free one found for 0). */
guint fv_srt_server_get_port(FvSrtServer *srt);

/* Disconnect every caller, stop every pipeline, close the listener and free srt. */
void fv_srt_server_stop(FvSrtServer *srt);

G_END_DECLS

#endif
