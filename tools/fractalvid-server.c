/* fractalvid-server: fractal video over RTSP (and SRT), one pipeline per query.
 *
 *   fractalvid-server --port 8554
 *   ffplay "rtsp://127.0.0.1:8554/fractal?class=3&seed=7&width=640&height=360&fps=30"
 *
 * A thin program over gst-rtsp-server: the URL query names the stream (server-stream.c),
 * the media factory builds fractalvidsrc ! encoder ! payloader for it, and gst-rtsp-server
 * shares one pipeline among the clients of one query. What this file adds: the query's
 * errors and the limits as RTSP replies that say what was wrong, authentication and TLS,
 * the connection log, and a clean stop on SIGINT/SIGTERM. Exit status: 0 after a signal,
 * 1 when the server cannot start, 2 for a bad command line. */

#include "server-auth.h"
#include "server-srt.h"
#include "server-stream.h"
#include "server.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define MOUNT_PATH "/fractal"
#define DEFAULT_PORT 8554
#define DEFAULT_MAX_CLIENTS 64
#define DEFAULT_MAX_PIPELINES 8
#define DEFAULT_SESSION_TIMEOUT 60
#define DEFAULT_REALM "fractalvid"
/* Threads serving RTSP connections: preparing a new pipeline blocks its connection's thread
 * until the first frame, so several connections must not share one. */
#define CLIENT_THREADS 16
/* How long a stop waits for the pipelines to wind down. */
#define STOP_TIMEOUT_US (5 * G_USEC_PER_SEC)

/* ---- Limits and log (server.h) ---- */

gboolean fv_limits_take_client(FvLimits *limits)
{
    gboolean ok;

    g_mutex_lock(&limits->lock);
    ok = !limits->max_clients || limits->clients < limits->max_clients;
    if (ok)
        limits->clients++;
    g_mutex_unlock(&limits->lock);
    return ok;
}

void fv_limits_release_client(FvLimits *limits)
{
    g_mutex_lock(&limits->lock);
    limits->clients--;
    g_mutex_unlock(&limits->lock);
}

gboolean fv_limits_take_pipeline(FvLimits *limits, guint *id)
{
    gboolean ok;

    g_mutex_lock(&limits->lock);
    ok = !limits->max_pipelines || limits->pipelines < limits->max_pipelines;
    if (ok) {
        limits->pipelines++;
        *id = ++limits->last_pipeline_id;
    }
    g_mutex_unlock(&limits->lock);
    return ok;
}

guint fv_limits_release_pipeline(FvLimits *limits)
{
    guint running;

    g_mutex_lock(&limits->lock);
    running = --limits->pipelines;
    g_mutex_unlock(&limits->lock);
    return running;
}

static guint limits_pipelines(FvLimits *limits)
{
    guint running;

    g_mutex_lock(&limits->lock);
    running = limits->pipelines;
    g_mutex_unlock(&limits->lock);
    return running;
}

void fv_return_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void fv_log(const gchar *format, ...)
{
    GDateTime *now = g_date_time_new_now_local();
    gchar *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    gchar *text;
    va_list args;

    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    /* One write per line: lines from several threads never interleave. */
    g_print("%s.%03d %s\n", stamp, g_date_time_get_microsecond(now) / 1000, text);
    g_free(text);
    g_free(stamp);
    g_date_time_unref(now);
}

/* ---- Options ---- */

typedef struct Options {
    gchar *address;
    gint port;
    gint srt_port;
    gboolean shared;
    gint max_clients;
    gint max_pipelines;
    gint session_timeout;
    gchar *user;
    gchar *password;
    gchar *htdigest;
    gchar *htpasswd;
    gchar *realm;
    gchar *auth_method;
    gboolean no_auth;
    gchar *cert;
    gchar *key;
    gchar *srt_passphrase;
} Options;

static gboolean on_shared(G_GNUC_UNUSED const gchar *name, const gchar *value, gpointer data,
                          GError **error)
{
    Options *o = data;

    if (g_ascii_strcasecmp(value, "yes") == 0 || g_ascii_strcasecmp(value, "true") == 0)
        o->shared = TRUE;
    else if (g_ascii_strcasecmp(value, "no") == 0 || g_ascii_strcasecmp(value, "false") == 0)
        o->shared = FALSE;
    else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--shared: invalid value '%s'; allowed: yes or no", value);
        return FALSE;
    }
    return TRUE;
}

/* ---- Per-connection state ---- */

typedef struct ClientData {
    gchar *peer;      /* address:port */
    gchar *query;     /* the first stream it asked for (DESCRIBE or SETUP), for the log */
    gchar *key;       /* that stream's key: one stream per connection */
    gint64 since;     /* monotonic, us */
    gboolean counted; /* holds one of --max-clients */
    /* The shared media the request being handled will join, held prepared until its reply
     * is sent (see fv_media_factory_gen_key()). */
    GstRTSPMedia *pinned;
    /* The reply to the request being handled, when it is an error we can explain better
     * than gst-rtsp-server's generic one: its status and reason phrase. */
    GMutex lock;
    GstRTSPStatusCode pending_code;
    gchar *pending_reason;
} ClientData;

static GQuark client_data_quark(void)
{
    return g_quark_from_static_string("fractalvid-server-client");
}

static void client_data_free(ClientData *cd)
{
    if (cd->pinned) {
        gst_rtsp_media_unprepare(cd->pinned);
        g_object_unref(cd->pinned);
    }
    g_free(cd->peer);
    g_free(cd->query);
    g_free(cd->key);
    g_free(cd->pending_reason);
    g_mutex_clear(&cd->lock);
    g_free(cd);
}

static ClientData *client_data(GstRTSPClient *client)
{
    return g_object_get_qdata(G_OBJECT(client), client_data_quark());
}

/* The next error reply to client carries code and reason (one line) instead of the generic
 * one. */
static void set_pending_error(GstRTSPClient *client, GstRTSPStatusCode code, const gchar *reason)
{
    ClientData *cd = client ? client_data(client) : NULL;

    if (!cd)
        return;
    g_mutex_lock(&cd->lock);
    g_free(cd->pending_reason);
    cd->pending_reason = g_strdelimit(g_strdup(reason), "\r\n", ' ');
    cd->pending_code = code;
    g_mutex_unlock(&cd->lock);
}

static void set_pending_error_unless_set(GstRTSPClient *client, GstRTSPStatusCode code,
                                         const gchar *reason)
{
    ClientData *cd = client_data(client);
    gboolean set;

    if (!cd)
        return;
    g_mutex_lock(&cd->lock);
    set = cd->pending_reason != NULL;
    g_mutex_unlock(&cd->lock);
    if (!set)
        set_pending_error(client, code, reason);
}

/* ---- Pipelines ----
 *
 * A token counts one pipeline against --max-pipelines from the moment its elements are made
 * until the media is unprepared (or, if it never was prepared, freed). */

typedef struct PipelineToken {
    FvLimits *limits;
    guint id;
    gint released;
} PipelineToken;

static void token_release(PipelineToken *token)
{
    if (!g_atomic_int_compare_and_exchange(&token->released, 0, 1))
        return;
    guint running = fv_limits_release_pipeline(token->limits);
    fv_log("pipeline %u stopped (%u running)", token->id, running);
}

static void token_unref(PipelineToken *token)
{
    g_atomic_rc_box_release_full(token, (GDestroyNotify)token_release);
}

static GQuark token_quark(void)
{
    return g_quark_from_static_string("fractalvid-server-pipeline");
}

/* The path and query of a request, as the log shows them. */
static gchar *query_text(const GstRTSPUrl *url)
{
    return g_strdup_printf("%s%s%s", url->abspath, url->query ? "?" : "",
                           url->query ? url->query : "");
}

/* ---- Media and factory ----
 *
 * The factory builds a query's pipeline and keys shared media by the stream, not the URL. The
 * media reports why a pipeline failed to start to the client waiting for it. */

#define FV_TYPE_MEDIA_FACTORY (fv_media_factory_get_type())
G_DECLARE_FINAL_TYPE(FvMediaFactory, fv_media_factory, FV, MEDIA_FACTORY, GstRTSPMediaFactory)

#define FV_TYPE_MEDIA (fv_media_get_type())
G_DECLARE_FINAL_TYPE(FvMedia, fv_media, FV, MEDIA, GstRTSPMedia)

struct _FvMediaFactory {
    GstRTSPMediaFactory parent;
    FvLimits *limits;
    /* A shared media that is being torn down stays in gst-rtsp-server's cache until it is
     * gone, and a client arriving meanwhile would get it and fail: such a stream's next
     * media is cached under a new generation of its key. */
    GMutex lock;
    GHashTable *generations; /* stream key -> generation */
    GHashTable *current;     /* stream key -> the FvMedia serving it (no reference) */
};

struct _FvMedia {
    GstRTSPMedia parent;
    GWeakRef client;  /* the connection that asked for it */
    GWeakRef factory; /* to leave its table */
    gchar *stream_key;
    PipelineToken *token;
    gint prepared; /* atomic */
    gint dying;    /* atomic: unprepare began, it cannot serve anyone new */
};

G_DEFINE_TYPE(FvMediaFactory, fv_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)
G_DEFINE_TYPE(FvMedia, fv_media, GST_TYPE_RTSP_MEDIA)

static gboolean fv_media_handle_message(GstRTSPMedia *media, GstMessage *message)
{
    FvMedia *self = FV_MEDIA(media);

    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError *err = NULL;
        GstRTSPClient *client = g_weak_ref_get(&self->client);

        gst_message_parse_error(message, &err, NULL);
        fv_log("pipeline %u failed: %s", self->token ? self->token->id : 0, err->message);
        /* While it starts, the client waiting for it gets the reason: a format the encoder
         * refused is the query's fault; anything else is ours. */
        if (client && !g_atomic_int_get(&self->prepared)) {
            gboolean query_fault =
                err->domain == GST_STREAM_ERROR ||
                (err->domain == GST_CORE_ERROR && err->code == GST_CORE_ERROR_NEGOTIATION);
            gchar *reason = g_strdup_printf("Stream failed to start: %s", err->message);
            set_pending_error(
                client, query_fault ? GST_RTSP_STS_BAD_REQUEST : GST_RTSP_STS_INTERNAL_SERVER_ERROR,
                reason);
            g_free(reason);
        }
        g_clear_object(&client);
        g_error_free(err);
    }
    return GST_RTSP_MEDIA_CLASS(fv_media_parent_class)->handle_message(media, message);
}

static gboolean fv_media_unprepare(GstRTSPMedia *media)
{
    g_atomic_int_set(&FV_MEDIA(media)->dying, 1);
    return GST_RTSP_MEDIA_CLASS(fv_media_parent_class)->unprepare(media);
}

static void fv_media_on_prepared(GstRTSPMedia *media)
{
    g_atomic_int_set(&FV_MEDIA(media)->prepared, 1);
}

static void fv_media_on_unprepared(GstRTSPMedia *media)
{
    FvMedia *self = FV_MEDIA(media);

    g_atomic_int_set(&self->dying, 1);
    /* Unprepared before it was ever prepared: it failed to start without an error of its
     * own (gst-rtsp-server gave up waiting for its first frame). */
    if (!g_atomic_int_get(&self->prepared)) {
        GstRTSPClient *client = g_weak_ref_get(&self->client);
        if (client)
            set_pending_error_unless_set(client, GST_RTSP_STS_SERVICE_UNAVAILABLE,
                                         "Service Unavailable: the stream did not start in time");
        g_clear_object(&client);
    }
    if (self->token)
        token_release(self->token);
}

static void fv_media_finalize(GObject *object)
{
    FvMedia *self = FV_MEDIA(object);
    FvMediaFactory *factory = g_weak_ref_get(&self->factory);

    if (factory && self->stream_key) {
        g_mutex_lock(&factory->lock);
        if (g_hash_table_lookup(factory->current, self->stream_key) == self)
            g_hash_table_remove(factory->current, self->stream_key);
        g_mutex_unlock(&factory->lock);
    }
    g_clear_object(&factory);
    g_weak_ref_clear(&self->factory);
    g_weak_ref_clear(&self->client);
    g_free(self->stream_key);
    if (self->token) {
        token_release(self->token);
        token_unref(self->token);
    }
    G_OBJECT_CLASS(fv_media_parent_class)->finalize(object);
    fv_return_memory(); /* the pipeline is gone with the media */
}

static void fv_media_class_init(FvMediaClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = fv_media_finalize;
    GST_RTSP_MEDIA_CLASS(klass)->handle_message = fv_media_handle_message;
    GST_RTSP_MEDIA_CLASS(klass)->unprepare = fv_media_unprepare;
}

static void fv_media_init(FvMedia *self)
{
    g_weak_ref_init(&self->client, NULL);
    g_weak_ref_init(&self->factory, NULL);
    g_signal_connect(self, "prepared", G_CALLBACK(fv_media_on_prepared), NULL);
    g_signal_connect(self, "unprepared", G_CALLBACK(fv_media_on_unprepared), NULL);
}

static GstRTSPClient *current_client(void)
{
    GstRTSPContext *ctx = gst_rtsp_context_get_current();
    return ctx ? ctx->client : NULL;
}

static GQuark stream_key_quark(void)
{
    return g_quark_from_static_string("fractalvid-server-stream-key");
}

/* Queries naming the same stream share one pipeline: the key is the stream's, not the
 * URL's. A bad query has no key (nothing cached); create_element() then refuses it.
 *
 * gst-rtsp-server looks a shared media up, then prepares it; if its last client leaves in
 * between, it is unprepared and cannot be prepared again: the new client would be refused.
 * So the media a request will join is prepared here already (held until the reply), and one
 * that is going is replaced: its stream's key moves on to a new generation. */
static gchar *fv_media_factory_gen_key(GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
    FvMediaFactory *self = FV_MEDIA_FACTORY(factory);
    FvStream *stream = fv_stream_parse(url->query, NULL);
    GstRTSPClient *client = current_client();
    ClientData *cd = client ? client_data(client) : NULL;
    FvMedia *serving;
    guint generation;
    gchar *key;

    if (!stream)
        return NULL;
    g_mutex_lock(&self->lock);
    serving = g_hash_table_lookup(self->current, stream->key);
    if (serving)
        g_object_ref(serving);
    g_mutex_unlock(&self->lock);

    /* Only a media prepared once is held (a new one is being prepared by its first client;
     * one unprepared since refuses, safely, with the prepare count unchanged). */
    if (serving && cd && !cd->pinned && g_atomic_int_get(&serving->prepared) &&
        !g_atomic_int_get(&serving->dying) &&
        gst_rtsp_media_prepare(GST_RTSP_MEDIA(serving), NULL)) {
        cd->pinned = GST_RTSP_MEDIA(g_object_ref(serving));
    }

    g_mutex_lock(&self->lock);
    generation = GPOINTER_TO_UINT(g_hash_table_lookup(self->generations, stream->key));
    if (serving && g_atomic_int_get(&serving->dying) &&
        g_hash_table_lookup(self->current, stream->key) == serving) {
        g_hash_table_insert(self->generations, g_strdup(stream->key),
                            GUINT_TO_POINTER(++generation));
        g_hash_table_remove(self->current, stream->key);
    }
    g_mutex_unlock(&self->lock);
    g_clear_object(&serving);
    key = g_strdup_printf("%s#%u", stream->key, generation);
    fv_stream_free(stream);
    return key;
}

/* Refuse the request being handled: its reply will say why. */
static void refuse(GstRTSPStatusCode code, const gchar *reason)
{
    GstRTSPContext *ctx = gst_rtsp_context_get_current();
    ClientData *cd = ctx && ctx->client ? client_data(ctx->client) : NULL;
    gchar *url = ctx && ctx->uri ? query_text(ctx->uri) : g_strdup("?");

    fv_log("client %s refused %d: %s: %s", cd ? cd->peer : "?", code, url, reason);
    if (ctx && ctx->client)
        set_pending_error(ctx->client, code, reason);
    g_free(url);
}

static GstRTSPStatusCode status_of(const GError *error)
{
    return error->domain == FV_STREAM_ERROR && error->code == FV_STREAM_ERROR_MISSING
               ? GST_RTSP_STS_INTERNAL_SERVER_ERROR
               : GST_RTSP_STS_BAD_REQUEST;
}

/* The query's pipeline, once the client is authenticated: a bad query, caps that cannot
 * be met and a request over --max-pipelines are refused here. */
static GstElement *fv_media_factory_create_element(GstRTSPMediaFactory *factory,
                                                   const GstRTSPUrl *url)
{
    FvMediaFactory *self = FV_MEDIA_FACTORY(factory);
    GError *error = NULL;
    FvStream *stream = fv_stream_parse(url->query, &error);
    GstElement *bin;
    PipelineToken *token;
    guint id;

    /* Floating, as gst-rtsp-server expects the element it is given. */
    bin = gst_bin_new(NULL);
    if (!stream || !fv_stream_build(stream, GST_BIN(bin), FV_PACKAGING_RTP, &error)) {
        refuse(status_of(error), error->message);
        g_error_free(error);
        gst_object_unref(gst_object_ref_sink(bin));
        fv_stream_free(stream);
        return NULL;
    }
    if (!fv_limits_take_pipeline(self->limits, &id)) {
        gchar *reason = g_strdup_printf("Service Unavailable: %u pipelines run, the most this "
                                        "server runs (--max-pipelines)",
                                        self->limits->max_pipelines);
        refuse(GST_RTSP_STS_SERVICE_UNAVAILABLE, reason);
        g_free(reason);
        gst_object_unref(gst_object_ref_sink(bin));
        fv_stream_free(stream);
        return NULL;
    }
    token = g_atomic_rc_box_new0(PipelineToken);
    token->limits = self->limits;
    token->id = id;
    fv_log("pipeline %u started: %s", id, stream->key);
    g_object_set_qdata_full(G_OBJECT(bin), token_quark(), token, (GDestroyNotify)token_unref);
    g_object_set_qdata_full(G_OBJECT(bin), stream_key_quark(), g_strdup(stream->key), g_free);
    fv_stream_free(stream);
    return bin;
}

/* Right after construct: hand the pipeline's token to the media, which releases it when
 * unprepared; remember who asked, to tell them if it fails to start; and which stream a
 * shared media serves. */
static void fv_media_factory_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media)
{
    FvMediaFactory *self = FV_MEDIA_FACTORY(factory);
    GstElement *element = gst_rtsp_media_get_element(media);
    PipelineToken *token = g_object_get_qdata(G_OBJECT(element), token_quark());
    const gchar *key = g_object_get_qdata(G_OBJECT(element), stream_key_quark());
    FvMedia *fv = FV_IS_MEDIA(media) ? FV_MEDIA(media) : NULL;

    GST_RTSP_MEDIA_FACTORY_CLASS(fv_media_factory_parent_class)->configure(factory, media);
    if (fv) {
        if (token && !fv->token)
            fv->token = g_atomic_rc_box_acquire(token);
        g_weak_ref_set(&fv->client, current_client());
        if (key && gst_rtsp_media_is_shared(media)) {
            fv->stream_key = g_strdup(key);
            g_weak_ref_set(&fv->factory, self);
            g_mutex_lock(&self->lock);
            g_hash_table_insert(self->current, g_strdup(key), fv);
            g_mutex_unlock(&self->lock);
        }
    }
    gst_object_unref(element);
}

static void fv_media_factory_finalize(GObject *object)
{
    FvMediaFactory *self = FV_MEDIA_FACTORY(object);

    g_hash_table_unref(self->generations);
    g_hash_table_unref(self->current);
    g_mutex_clear(&self->lock);
    G_OBJECT_CLASS(fv_media_factory_parent_class)->finalize(object);
}

static void fv_media_factory_class_init(FvMediaFactoryClass *klass)
{
    GstRTSPMediaFactoryClass *factory_class = GST_RTSP_MEDIA_FACTORY_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = fv_media_factory_finalize;
    factory_class->gen_key = fv_media_factory_gen_key;
    factory_class->create_element = fv_media_factory_create_element;
    factory_class->configure = fv_media_factory_configure;
}

static void fv_media_factory_init(FvMediaFactory *self)
{
    g_mutex_init(&self->lock);
    self->generations = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->current = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- The server ---- */

typedef struct Server {
    Options *options;
    FvLimits limits;
    GMainLoop *loop;
    GstRTSPServer *rtsp;
    FvMediaFactory *factory;
    guint rtsp_source;
    guint expire_source;
    FvSrtServer *srt;
    gint64 stop_deadline;
} Server;

static gchar *client_peer(GstRTSPClient *client)
{
    GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
    GSocket *socket = conn ? gst_rtsp_connection_get_read_socket(conn) : NULL;
    GSocketAddress *addr = socket ? g_socket_get_remote_address(socket, NULL) : NULL;
    gchar *text;

    if (addr && G_IS_INET_SOCKET_ADDRESS(addr)) {
        GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS(addr);
        gchar *ip = g_inet_address_to_string(g_inet_socket_address_get_address(isa));
        text = g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(isa));
        g_free(ip);
    } else {
        text = g_strdup(conn ? gst_rtsp_connection_get_ip(conn) : "?");
    }
    g_clear_object(&addr);
    return text;
}

static gboolean is_stream_path(const GstRTSPUrl *url)
{
    return url && (g_strcmp0(url->abspath, MOUNT_PATH) == 0 ||
                   g_strcmp0(url->abspath, MOUNT_PATH "/") == 0);
}

static void log_connected(ClientData *cd, const GstRTSPUrl *url)
{
    if (cd->query)
        return;
    cd->query = query_text(url);
    fv_log("client %s connected: %s", cd->peer, cd->query);
}

/* Every stream request of a connection over --max-clients is answered 503. (Not OPTIONS:
 * gst-rtsp-server 1.22 frees a stack message when a pre-options-request handler refuses.) */
static GstRTSPStatusCode refuse_over_limit(GstRTSPClient *client, Server *server)
{
    ClientData *cd = client_data(client);
    gchar *reason;

    if (!cd || cd->counted)
        return GST_RTSP_STS_OK;
    reason = g_strdup_printf("Service Unavailable: %u clients, the most this server takes "
                             "(--max-clients)",
                             server->limits.max_clients);
    set_pending_error(client, GST_RTSP_STS_SERVICE_UNAVAILABLE, reason);
    g_free(reason);
    return GST_RTSP_STS_SERVICE_UNAVAILABLE;
}

static GstRTSPStatusCode on_pre_request(GstRTSPClient *client, G_GNUC_UNUSED GstRTSPContext *ctx,
                                        Server *server)
{
    return refuse_over_limit(client, server);
}

/* A DESCRIBE: logged; refused if the connection already streams another query. The query
 * itself is checked when its pipeline is made (create_element()), after authentication. */
static GstRTSPStatusCode on_pre_describe(GstRTSPClient *client, GstRTSPContext *ctx, Server *server)
{
    ClientData *cd = client_data(client);
    FvStream *stream;
    GstRTSPStatusCode code = refuse_over_limit(client, server);

    if (code != GST_RTSP_STS_OK || !is_stream_path(ctx->uri))
        return code; /* another path: gst-rtsp-server answers 404 */
    log_connected(cd, ctx->uri);

    /* gst-rtsp-server keeps one media per connection for its SETUPs. */
    stream = cd->key ? fv_stream_parse(ctx->uri->query, NULL) : NULL;
    if (stream && strcmp(cd->key, stream->key) != 0) {
        gchar *reason = g_strdup_printf("this connection already streams %s; open a new "
                                        "connection for another stream",
                                        cd->query);
        fv_log("client %s refused 400: %s", cd->peer, reason);
        set_pending_error(client, GST_RTSP_STS_BAD_REQUEST, reason);
        g_free(reason);
        code = GST_RTSP_STS_BAD_REQUEST;
    }
    fv_stream_free(stream);
    return code;
}

static void on_describe(GstRTSPClient *client, GstRTSPContext *ctx, G_GNUC_UNUSED Server *server)
{
    ClientData *cd = client_data(client);
    FvStream *stream = fv_stream_parse(ctx->uri->query, NULL);

    if (stream && !cd->key)
        cd->key = g_strdup(stream->key);
    fv_stream_free(stream);
}

static GstRTSPStatusCode on_pre_setup(GstRTSPClient *client, GstRTSPContext *ctx, Server *server)
{
    GstRTSPStatusCode code = refuse_over_limit(client, server);

    if (code == GST_RTSP_STS_OK && ctx->uri)
        log_connected(client_data(client), ctx->uri);
    return code;
}

/* A viewer joining: a key frame now, so its first picture comes at once. */
static void on_play(G_GNUC_UNUSED GstRTSPClient *client, GstRTSPContext *ctx,
                    G_GNUC_UNUSED Server *server)
{
    GstElement *element = ctx->media ? gst_rtsp_media_get_element(ctx->media) : NULL;

    if (element) {
        fv_stream_request_key_frame(GST_BIN(element));
        gst_object_unref(element);
    }
}

/* The reply to a request we refused for a reason of our own says that reason. */
static void on_send_message(GstRTSPClient *client, G_GNUC_UNUSED GstRTSPContext *ctx,
                            GstRTSPMessage *message, G_GNUC_UNUSED Server *server)
{
    ClientData *cd = client_data(client);
    gchar *reason = NULL;
    GstRTSPStatusCode code;

    if (!cd || message->type != GST_RTSP_MESSAGE_RESPONSE)
        return;
    /* The request joined the media it held, or failed: either way, let go of it. */
    if (cd->pinned) {
        gst_rtsp_media_unprepare(cd->pinned);
        g_clear_object(&cd->pinned);
    }
    g_mutex_lock(&cd->lock);
    reason = cd->pending_reason;
    code = cd->pending_code;
    cd->pending_reason = NULL;
    g_mutex_unlock(&cd->lock);
    if (!reason)
        return;
    if (message->type_data.response.code >= 300) {
        gchar *body = g_strdup_printf("%s\r\n", reason);
        message->type_data.response.code = code;
        g_free(message->type_data.response.reason);
        message->type_data.response.reason = reason;
        reason = NULL;
        gst_rtsp_message_add_header(message, GST_RTSP_HDR_CONTENT_TYPE, "text/plain");
        gst_rtsp_message_take_body(message, (guint8 *)body, strlen(body));
    }
    g_free(reason);
}

static void on_closed(GstRTSPClient *client, Server *server)
{
    ClientData *cd = client_data(client);

    if (!cd)
        return;
    if (cd->query)
        fv_log("client %s disconnected: %s (%.1f s)", cd->peer, cd->query,
               (g_get_monotonic_time() - cd->since) / 1e6);
    if (cd->counted) {
        fv_limits_release_client(&server->limits);
        cd->counted = FALSE;
    }
}

static void on_new_session(G_GNUC_UNUSED GstRTSPClient *client, GstRTSPSession *session,
                           Server *server)
{
    /* A client gone without closing its connection (no TEARDOWN, no FIN) is dropped, and its
     * pipeline freed, when its session times out. */
    gst_rtsp_session_set_timeout(session, (guint)server->options->session_timeout);
}

static void on_client_connected(G_GNUC_UNUSED GstRTSPServer *rtsp, GstRTSPClient *client,
                                Server *server)
{
    ClientData *cd = g_new0(ClientData, 1);

    g_mutex_init(&cd->lock);
    cd->peer = client_peer(client);
    cd->since = g_get_monotonic_time();
    cd->counted = fv_limits_take_client(&server->limits);
    if (!cd->counted)
        fv_log("client %s refused 503: %u clients, the most this server takes", cd->peer,
               server->limits.max_clients);
    g_object_set_qdata_full(G_OBJECT(client), client_data_quark(), cd,
                            (GDestroyNotify)client_data_free);

    g_signal_connect(client, "pre-describe-request", G_CALLBACK(on_pre_describe), server);
    g_signal_connect(client, "describe-request", G_CALLBACK(on_describe), server);
    g_signal_connect(client, "pre-setup-request", G_CALLBACK(on_pre_setup), server);
    g_signal_connect(client, "pre-play-request", G_CALLBACK(on_pre_request), server);
    g_signal_connect(client, "pre-get-parameter-request", G_CALLBACK(on_pre_request), server);
    g_signal_connect(client, "play-request", G_CALLBACK(on_play), server);
    g_signal_connect(client, "send-message", G_CALLBACK(on_send_message), server);
    g_signal_connect(client, "new-session", G_CALLBACK(on_new_session), server);
    g_signal_connect(client, "closed", G_CALLBACK(on_closed), server);
}

/* The session pool's own watch sleeps through sessions created after it last woke up;
 * a look every second is cheap and certain. */
static gboolean expire_sessions(gpointer data)
{
    Server *server = data;
    GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server->rtsp);

    gst_rtsp_session_pool_cleanup(pool);
    g_object_unref(pool);
    return G_SOURCE_CONTINUE;
}

/* ---- Stopping ---- */

static GstRTSPFilterResult close_client(G_GNUC_UNUSED GstRTSPServer *rtsp,
                                        G_GNUC_UNUSED GstRTSPClient *client,
                                        G_GNUC_UNUSED gpointer data)
{
    return GST_RTSP_FILTER_REMOVE;
}

static GstRTSPFilterResult remove_session(G_GNUC_UNUSED GstRTSPSessionPool *pool,
                                          G_GNUC_UNUSED GstRTSPSession *session,
                                          G_GNUC_UNUSED gpointer data)
{
    return GST_RTSP_FILTER_REMOVE;
}

static gboolean wait_for_pipelines(gpointer data)
{
    Server *server = data;
    guint running = limits_pipelines(&server->limits);

    if (running > 0 && g_get_monotonic_time() < server->stop_deadline)
        return G_SOURCE_CONTINUE;
    if (running > 0)
        fv_log("%u pipelines did not stop in time", running);
    g_main_loop_quit(server->loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_stop_signal(gpointer data)
{
    Server *server = data;
    GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server->rtsp);

    fv_log("stopping: closing every session");
    g_source_remove(server->rtsp_source);
    gst_rtsp_server_client_filter(server->rtsp, close_client, NULL);
    gst_rtsp_session_pool_filter(pool, remove_session, NULL);
    g_object_unref(pool);
    if (server->srt) {
        fv_srt_server_stop(server->srt);
        server->srt = NULL;
    }
    server->stop_deadline = g_get_monotonic_time() + STOP_TIMEOUT_US;
    g_timeout_add(10, wait_for_pipelines, server);
    return G_SOURCE_REMOVE;
}

/* ---- Setup ---- */

/* TRUE if every address host names is a loopback one: only this machine can connect. */
static gboolean is_loopback_only(const gchar *host)
{
    GResolver *resolver = g_resolver_get_default();
    GList *addrs = g_resolver_lookup_by_name(resolver, host, NULL, NULL);
    gboolean loopback = addrs != NULL;

    for (GList *l = addrs; l; l = l->next)
        loopback = loopback && g_inet_address_get_is_loopback(l->data);
    g_resolver_free_addresses(addrs);
    g_object_unref(resolver);
    return loopback;
}

static gboolean find_element(void)
{
    GstElementFactory *factory = gst_element_factory_find("fractalvidsrc");

    /* Not on GStreamer's path: the plugin installed beside this program. */
    if (!factory) {
        gst_registry_scan_path(gst_registry_get(), FV_PLUGIN_DIR);
        factory = gst_element_factory_find("fractalvidsrc");
    }
    if (!factory)
        return FALSE;
    gst_object_unref(factory);
    return TRUE;
}

static gboolean setup_auth(Server *server, GError **error)
{
    Options *o = server->options;
    FvAuth *fv_auth;
    GstRTSPAuth *auth;
    GstRTSPToken *token;
    GstRTSPAuthMethod methods;
    gboolean credentials = o->user || o->htdigest || o->htpasswd;

    if (!credentials && !o->cert)
        return TRUE;
    /* By default, the methods the credentials can be checked by: a client given both picks
     * Digest, which an htpasswd file cannot check. */
    if (!o->auth_method)
        methods = (o->user || o->htpasswd ? GST_RTSP_AUTH_BASIC : 0) |
                  (o->user || o->htdigest ? GST_RTSP_AUTH_DIGEST : 0);
    else if (strcmp(o->auth_method, "both") == 0)
        methods = GST_RTSP_AUTH_BASIC | GST_RTSP_AUTH_DIGEST;
    else if (strcmp(o->auth_method, "basic") == 0)
        methods = GST_RTSP_AUTH_BASIC;
    else if (strcmp(o->auth_method, "digest") == 0)
        methods = GST_RTSP_AUTH_DIGEST;
    else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--auth-method: invalid value '%s'; allowed: basic, digest or both",
                    o->auth_method);
        return FALSE;
    }
    if (o->htdigest && !(methods & GST_RTSP_AUTH_DIGEST)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--htdigest needs Digest authentication (--auth-method digest or both)");
        return FALSE;
    }
    if (o->htpasswd && !(methods & GST_RTSP_AUTH_BASIC)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--htpasswd needs Basic authentication (--auth-method basic or both)");
        return FALSE;
    }

    fv_auth = fv_auth_new();
    auth = GST_RTSP_AUTH(fv_auth);
    token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "viewer", NULL);
    gst_rtsp_auth_set_supported_methods(auth, methods);
    gst_rtsp_auth_set_realm(auth, o->realm);
    if (o->user && (methods & GST_RTSP_AUTH_BASIC)) {
        gchar *basic = gst_rtsp_auth_make_basic(o->user, o->password);
        gst_rtsp_auth_add_basic(auth, basic, token);
        g_free(basic);
    }
    if (o->user && (methods & GST_RTSP_AUTH_DIGEST))
        gst_rtsp_auth_add_digest(auth, o->user, o->password, token);
    if (o->htdigest && !gst_rtsp_auth_parse_htdigest(auth, o->htdigest, token)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "--htdigest %s: cannot read it as user:realm:md5 lines", o->htdigest);
        gst_rtsp_token_unref(token);
        g_object_unref(auth);
        return FALSE;
    }
    if (o->htpasswd && !fv_auth_load_htpasswd(fv_auth, o->htpasswd, token, error)) {
        g_prefix_error(error, "--htpasswd: ");
        gst_rtsp_token_unref(token);
        g_object_unref(auth);
        return FALSE;
    }
    /* TLS alone: anyone may watch, over an encrypted connection. */
    if (!credentials)
        gst_rtsp_auth_set_default_token(auth, token);
    if (o->cert) {
        GTlsCertificate *cert = g_tls_certificate_new_from_files(o->cert, o->key, error);
        if (!cert) {
            g_prefix_error(error, "--cert/--key: ");
            gst_rtsp_token_unref(token);
            g_object_unref(auth);
            return FALSE;
        }
        gst_rtsp_auth_set_tls_certificate(auth, cert);
        g_object_unref(cert);
    }
    gst_rtsp_media_factory_add_role(
        GST_RTSP_MEDIA_FACTORY(server->factory), "viewer", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
        G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, NULL);
    gst_rtsp_server_set_auth(server->rtsp, auth);
    gst_rtsp_token_unref(token);
    g_object_unref(auth);
    return TRUE;
}

static gboolean check_options(Options *o, GError **error)
{
    gboolean loopback;

    if (o->port < 0 || o->port > 65535 || o->srt_port < -1 || o->srt_port > 65535) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--port and --srt-port take 0..65535 (0: any free port)");
        return FALSE;
    }
    if (o->max_clients < 0 || o->max_pipelines < 0 || o->session_timeout < 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--max-clients and --max-pipelines take 0 (no limit) or more, "
                    "--session-timeout 1 or more");
        return FALSE;
    }
    if (!o->user != !o->password) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--user and --password go together");
        return FALSE;
    }
    if (!o->cert != !o->key) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--cert and --key go together");
        return FALSE;
    }
    if (o->srt_passphrase && (strlen(o->srt_passphrase) < 10 || strlen(o->srt_passphrase) > 79)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--srt-passphrase: SRT takes 10 to 79 characters");
        return FALSE;
    }
    loopback = is_loopback_only(o->address);
    if (!loopback && !o->no_auth && !o->user && !o->htdigest && !o->htpasswd) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "refusing to serve %s, reachable from other machines, to anyone: give "
                    "--user and --password, --htpasswd or --htdigest, or --no-auth to serve "
                    "without credentials",
                    o->address);
        return FALSE;
    }
    if (!loopback && !o->no_auth && o->srt_port >= 0 && !o->srt_passphrase) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "refusing to serve SRT on %s to anyone: give --srt-passphrase, or --no-auth",
                    o->address);
        return FALSE;
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    Options o = {
        .address = NULL,
        .port = DEFAULT_PORT,
        .srt_port = -1,
        .shared = TRUE,
        .max_clients = DEFAULT_MAX_CLIENTS,
        .max_pipelines = DEFAULT_MAX_PIPELINES,
        .session_timeout = DEFAULT_SESSION_TIMEOUT,
    };
    GOptionEntry entries[] = {
        {"address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
         "Address to bind (default 127.0.0.1: this machine only)", "ADDR"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "RTSP port (default 8554; 0: any free port)",
         "PORT"},
        {"srt-port", 0, 0, G_OPTION_ARG_INT, &o.srt_port,
         "Also serve MPEG-TS over SRT on this UDP port (0: any free port)", "PORT"},
        {"shared", 0, 0, G_OPTION_ARG_CALLBACK, on_shared,
         "Clients of the same query share one pipeline (default yes)", "yes|no"},
        {"max-clients", 0, 0, G_OPTION_ARG_INT, &o.max_clients,
         "Most clients at once; more are answered 503 (default 64; 0: no limit)", "N"},
        {"max-pipelines", 0, 0, G_OPTION_ARG_INT, &o.max_pipelines,
         "Most pipelines at once; a request for another is answered 503 (default 8; 0: no "
         "limit)",
         "N"},
        {"session-timeout", 0, 0, G_OPTION_ARG_INT, &o.session_timeout,
         "Seconds before a silent client's session and pipeline are dropped (default 60)", "S"},
        {"user", 'u', 0, G_OPTION_ARG_STRING, &o.user, "User name clients must give", "USER"},
        {"password", 0, 0, G_OPTION_ARG_STRING, &o.password, "Password clients must give",
         "PASSWORD"},
        {"htdigest", 0, 0, G_OPTION_ARG_FILENAME, &o.htdigest,
         "Users and passwords from a file of user:realm:MD5(user:realm:password) lines "
         "(Apache's htdigest)",
         "FILE"},
        {"htpasswd", 0, 0, G_OPTION_ARG_FILENAME, &o.htpasswd,
         "Users and password hashes from an Apache htpasswd file (Basic)", "FILE"},
        {"realm", 0, 0, G_OPTION_ARG_STRING, &o.realm, "Authentication realm (default fractalvid)",
         "REALM"},
        {"auth-method", 0, 0, G_OPTION_ARG_STRING, &o.auth_method,
         "basic, digest or both (default: the ones the credentials given can be checked by)",
         "METHOD"},
        {"no-auth", 0, 0, G_OPTION_ARG_NONE, &o.no_auth,
         "Serve anyone on a non-loopback address without credentials", NULL},
        {"cert", 0, 0, G_OPTION_ARG_FILENAME, &o.cert, "TLS certificate (PEM): serve rtsps://",
         "FILE"},
        {"key", 0, 0, G_OPTION_ARG_FILENAME, &o.key, "TLS private key (PEM)", "FILE"},
        {"srt-passphrase", 0, 0, G_OPTION_ARG_STRING, &o.srt_passphrase,
         "SRT callers must know this passphrase (10..79 characters); encrypts the stream", "PASS"},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *context;
    GOptionGroup *group;
    GError *error = NULL;
    Server server = {.options = &o};
    GstRTSPMountPoints *mounts;
    GstRTSPThreadPool *threads;
    gchar *host;
    int status = 0;

    setlocale(LC_ALL, "");
#ifdef __GLIBC__
    /* glibc gives threads up to 8 malloc arenas per core; pipelines come and go with threads
     * of their own, and memory freed in an arena stays there. A few arenas keep the server's
     * size steady (see fv_return_memory()). MALLOC_ARENA_MAX still decides if set. */
    if (!g_getenv("MALLOC_ARENA_MAX"))
        mallopt(M_ARENA_MAX, 2 * (int)g_get_num_processors());
#endif
    context = g_option_context_new("- stream fractal video over RTSP and SRT");
    g_option_context_set_summary(
        context, "Serves rtsp://ADDRESS:PORT" MOUNT_PATH "?QUERY, where QUERY names the "
                 "stream:\nthe element's properties (class=3&seed=7&motion=linear, as in "
                 "fractal:// URIs)\nand codec=h264|h265|vp8|mjpeg, bitrate (kbit/s), gop, "
                 "quality (mjpeg),\nwidth, height, fps, format.");
    group = g_option_group_new("fractalvid-server", "", "", &o, NULL);
    g_option_group_add_entries(group, entries);
    g_option_context_set_main_group(context, group);
    g_option_context_add_group(context, gst_init_get_option_group());
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc > 1) {
        g_printerr("fractalvid-server: %s\n",
                   error ? error->message : "unexpected argument (see --help)");
        g_clear_error(&error);
        g_option_context_free(context);
        return EXIT_USAGE;
    }
    g_option_context_free(context);
    if (!o.address)
        o.address = g_strdup("127.0.0.1");
    if (!o.realm)
        o.realm = g_strdup(DEFAULT_REALM);
    if (!check_options(&o, &error)) {
        g_printerr("fractalvid-server: %s\n", error->message);
        g_error_free(error);
        return EXIT_USAGE;
    }
    if (!find_element()) {
        g_printerr("fractalvid-server: the fractalvidsrc element is not installed (looked in "
                   "GStreamer's plugin path and %s; set GST_PLUGIN_PATH)\n",
                   FV_PLUGIN_DIR);
        return EXIT_FAILED;
    }

    g_mutex_init(&server.limits.lock);
    server.limits.max_clients = (guint)o.max_clients;
    server.limits.max_pipelines = (guint)o.max_pipelines;
    server.loop = g_main_loop_new(NULL, FALSE);
    server.rtsp = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server.rtsp, o.address);
    {
        gchar *service = g_strdup_printf("%d", o.port);
        gst_rtsp_server_set_service(server.rtsp, service);
        g_free(service);
    }
    threads = gst_rtsp_server_get_thread_pool(server.rtsp);
    gst_rtsp_thread_pool_set_max_threads(threads, CLIENT_THREADS);
    g_object_unref(threads);

    server.factory = g_object_new(FV_TYPE_MEDIA_FACTORY, NULL);
    server.factory->limits = &server.limits;
    gst_rtsp_media_factory_set_shared(GST_RTSP_MEDIA_FACTORY(server.factory), o.shared);
    gst_rtsp_media_factory_set_media_gtype(GST_RTSP_MEDIA_FACTORY(server.factory), FV_TYPE_MEDIA);
    /* Over TLS the video travels inside the encrypted connection, not beside it on UDP. */
    if (o.cert)
        gst_rtsp_media_factory_set_protocols(GST_RTSP_MEDIA_FACTORY(server.factory),
                                             GST_RTSP_LOWER_TRANS_TCP);
    if (!setup_auth(&server, &error)) {
        g_printerr("fractalvid-server: %s\n", error->message);
        g_error_free(error);
        return EXIT_USAGE;
    }
    mounts = gst_rtsp_server_get_mount_points(server.rtsp);
    gst_rtsp_mount_points_add_factory(mounts, MOUNT_PATH,
                                      g_object_ref(GST_RTSP_MEDIA_FACTORY(server.factory)));
    g_object_unref(mounts);

    server.expire_source = g_timeout_add_seconds(1, expire_sessions, &server);

    g_signal_connect(server.rtsp, "client-connected", G_CALLBACK(on_client_connected), &server);
    server.rtsp_source = gst_rtsp_server_attach(server.rtsp, NULL);
    if (!server.rtsp_source) {
        g_printerr("fractalvid-server: cannot listen on %s port %d\n", o.address, o.port);
        return EXIT_FAILED;
    }
    /* An IPv6 address is bracketed in a URL. */
    host = strchr(o.address, ':') ? g_strdup_printf("[%s]", o.address) : g_strdup(o.address);
    fv_log("serving %s://%s:%d" MOUNT_PATH " (%s pipelines, at most %d)", o.cert ? "rtsps" : "rtsp",
           host, gst_rtsp_server_get_bound_port(server.rtsp), o.shared ? "shared" : "unshared",
           o.max_pipelines);

    if (o.srt_port >= 0) {
        FvSrtConfig srt = {
            .address = o.address,
            .port = (guint)o.srt_port,
            .passphrase = o.srt_passphrase,
            .shared = o.shared,
            .limits = &server.limits,
        };
        server.srt = fv_srt_server_start(&srt, &error);
        if (!server.srt) {
            g_printerr("fractalvid-server: %s\n", error->message);
            g_error_free(error);
            return EXIT_FAILED;
        }
        fv_log("serving srt://%s:%u (streamid: the query)", host,
               fv_srt_server_get_port(server.srt));
    }

    g_unix_signal_add(SIGINT, on_stop_signal, &server);
    g_unix_signal_add(SIGTERM, on_stop_signal, &server);
    g_main_loop_run(server.loop);
    fv_log("stopped");

    g_source_remove(server.expire_source);
    g_object_unref(server.factory);
    g_object_unref(server.rtsp);
    g_main_loop_unref(server.loop);
    g_mutex_clear(&server.limits.lock);
    g_free(host);
    g_free(o.address);
    g_free(o.user);
    g_free(o.password);
    g_free(o.htdigest);
    g_free(o.htpasswd);
    g_free(o.realm);
    g_free(o.auth_method);
    g_free(o.cert);
    g_free(o.key);
    g_free(o.srt_passphrase);
    /* Everything is released by now: the leaks tracer (GST_TRACERS=leaks) can tell. */
    gst_deinit();
    return status;
}
