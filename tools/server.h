/* fractalvid-server: what the RTSP and SRT sides share: the limits on clients and pipelines,
 * and the log. */
#ifndef FV_SERVER_H
#define FV_SERVER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct FvLimits {
    GMutex lock;
    guint max_clients;   /* 0: no limit */
    guint max_pipelines; /* 0: no limit */
    guint clients;
    guint pipelines;
    guint last_pipeline_id;
} FvLimits;

/* A client (an RTSP connection or an SRT caller) arrives: FALSE when max_clients are here. */
gboolean fv_limits_take_client(FvLimits *limits);
void fv_limits_release_client(FvLimits *limits);

/* A new pipeline: FALSE when max_pipelines run; otherwise its id (for the log). */
gboolean fv_limits_take_pipeline(FvLimits *limits, guint *id);
/* The pipeline stopped; returns how many still run. */
guint fv_limits_release_pipeline(FvLimits *limits);

/* Give the memory a stopped pipeline freed back to the system. Its threads allocated from
 * malloc arenas of their own, which keep freed memory; a server that starts and stops
 * pipelines all day would otherwise grow to the peak of every arena. */
void fv_return_memory(void);

/* A log line on stdout: a timestamp, then the message. */
void fv_log(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

G_END_DECLS

#endif
