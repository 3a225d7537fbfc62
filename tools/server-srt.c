/* fractalvid-server: MPEG-TS over SRT (see server-srt.h). */

#include "server-srt.h"

#include "server-stream.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include <string.h>
#include <syslog.h>

/* SRT live mode carries 1316 bytes per packet: 7 MPEG-TS packets. */
#define SRT_LIVE_PAYLOAD 1316

typedef struct Caller {
    SRTSOCKET sock;
    gchar *peer;
    gchar *query;
    gint64 since; /* monotonic, us */
} Caller;

/* One pipeline and the callers it feeds. */
typedef struct Feed {
    FvSrtServer *srt;
    guint id;
    gchar *key; /* the shared table's key; NULL when not shared */
    GstElement *pipeline;
    GSource *bus_watch;
    GMutex lock; /* callers: the streaming thread sends while callers come and go */
    GPtrArray *callers;
} Feed;

struct FvSrtServer {
    FvSrtConfig config;
    gchar *address;
    gchar *passphrase;
    SRTSOCKET listener;
    guint port;
    GThread *accept_thread;
    GMainContext *context; /* where feeds are stopped and their buses watched */
    GMutex lock;           /* feeds, shared, stopping */
    GPtrArray *feeds;
    GHashTable *shared; /* key -> Feed */
    gboolean stopping;
    /* A caller refused may retry at once, again and again (srtsrc does): one log line for
     * a run of the same refusal. Only the listener's thread touches these. */
    gchar *last_refusal;
    gint64 last_refusal_time;
    guint refusal_repeats;
};

static FvSrtServer *srt_ref(FvSrtServer *srt)
{
    return g_atomic_rc_box_acquire(srt);
}

static void srt_clear(FvSrtServer *srt)
{
    g_free(srt->last_refusal);
    g_free(srt->address);
    g_free(srt->passphrase);
    g_ptr_array_unref(srt->feeds);
    g_hash_table_unref(srt->shared);
    g_main_context_unref(srt->context);
    g_mutex_clear(&srt->lock);
}

static void srt_unref(FvSrtServer *srt)
{
    g_atomic_rc_box_release_full(srt, (GDestroyNotify)srt_clear);
}

static gchar *peer_text(const struct sockaddr *addr, gsize len)
{
    GSocketAddress *sa = g_socket_address_new_from_native((gpointer)addr, len);
    gchar *text;

    if (!G_IS_INET_SOCKET_ADDRESS(sa)) {
        g_clear_object(&sa);
        return g_strdup("?");
    }
    GInetAddress *ia = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa));
    gchar *ip = g_inet_address_to_string(ia);
    text = g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(sa)));
    g_free(ip);
    g_object_unref(sa);
    return text;
}

/* The query in a streamid: "class=3&seed=7", "/fractal?class=3", "fractal?class=3", or the
 * SRT access-control form "#!::r=fractal?class=3&seed=7,m=request". NULL if the streamid
 * asks for something else (another resource, publishing). */
static gchar *query_of_streamid(const gchar *streamid, GError **error)
{
    gchar *resource = NULL;
    const gchar *q;
    gchar *query;

    if (!streamid)
        streamid = "";
    if (g_str_has_prefix(streamid, "#!::")) {
        gchar **items = g_strsplit(streamid + 4, ",", -1);
        gboolean ok = TRUE;

        for (gchar **item = items; ok && *item; item++) {
            if (g_str_has_prefix(*item, "r=")) {
                g_free(resource);
                resource = g_strdup(*item + 2);
            } else if (g_str_has_prefix(*item, "m=") && strcmp(*item, "m=request") != 0) {
                g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                            "streamid: mode %s is not served (only m=request)", *item + 2);
                ok = FALSE;
            }
        }
        g_strfreev(items);
        if (!ok) {
            g_free(resource);
            return NULL;
        }
        streamid = resource ? resource : "";
    }

    q = streamid;
    if (*q == '/')
        q++;
    if (g_str_has_prefix(q, "fractal") && (q[7] == '?' || q[7] == '\0'))
        q += 7;
    else if (strchr(q, '?') || (*q && !strchr(q, '='))) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                    "streamid \"%s\" names no fractal stream (expected a query such as "
                    "class=3&seed=7, or fractal?class=3&seed=7)",
                    streamid);
        g_free(resource);
        return NULL;
    }
    if (*q == '?')
        q++;
    /* A streamid given inside an srt:// URL (ffmpeg's ?streamid=) may arrive escaped as a
     * whole: "class=3%26seed=7". Values never hold '&', so one without is unescaped once. */
    if (!strchr(q, '&') && strstr(q, "%26"))
        query = g_uri_unescape_string(q, NULL);
    else
        query = g_strdup(q);
    if (!query) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_BAD_QUERY,
                    "streamid \"%s\": bad %%-escape", streamid);
        g_free(resource);
        return NULL;
    }
    g_free(resource);
    return query;
}

/* ---- Callers ---- */

static void caller_close(Caller *caller, const gchar *why)
{
    gdouble seconds = (g_get_monotonic_time() - caller->since) / 1e6;

    srt_close(caller->sock);
    fv_log("srt caller %s disconnected%s%s: %s (%.1f s)", caller->peer, why ? ", " : "",
           why ? why : "", caller->query, seconds);
    g_free(caller->peer);
    g_free(caller->query);
    g_free(caller);
}

/* ---- Feeds ---- */

static void feed_free(Feed *feed)
{
    g_mutex_clear(&feed->lock);
    g_ptr_array_unref(feed->callers);
    g_free(feed->key);
    g_free(feed);
}

/* Stop feed's pipeline and disconnect its callers; feed is out of the tables already. Not
 * from the feed's streaming thread. */
static void feed_stop(Feed *feed, const gchar *why)
{
    guint running;

    if (feed->bus_watch) {
        g_source_destroy(feed->bus_watch);
        g_source_unref(feed->bus_watch);
    }
    gst_element_set_state(feed->pipeline, GST_STATE_NULL);
    gst_object_unref(feed->pipeline);
    while (feed->callers->len)
        caller_close(g_ptr_array_steal_index(feed->callers, feed->callers->len - 1), why);
    running = fv_limits_release_pipeline(feed->srt->config.limits);
    fv_log("pipeline %u stopped (%u running)", feed->id, running);
    feed_free(feed);
    fv_return_memory();
}

/* Take feed out of the tables; FALSE if it was already. Holds srt->lock. */
static gboolean feed_detach_locked(FvSrtServer *srt, Feed *feed)
{
    if (!g_ptr_array_remove_fast(srt->feeds, feed))
        return FALSE;
    if (feed->key && g_hash_table_lookup(srt->shared, feed->key) == feed)
        g_hash_table_remove(srt->shared, feed->key);
    return TRUE;
}

typedef struct FeedRef {
    FvSrtServer *srt;
    guint id;
    gchar *why;
} FeedRef;

static void feed_ref_free(FeedRef *ref)
{
    srt_unref(ref->srt);
    g_free(ref->why);
    g_free(ref);
}

static Feed *find_feed_locked(FvSrtServer *srt, guint id)
{
    for (guint i = 0; i < srt->feeds->len; i++) {
        Feed *feed = g_ptr_array_index(srt->feeds, i);
        if (feed->id == id)
            return feed;
    }
    return NULL;
}

/* In the server's context: stop the feed if it has no callers left (one may have come). */
static gboolean stop_idle_feed(gpointer data)
{
    FeedRef *ref = data;
    FvSrtServer *srt = ref->srt;
    Feed *feed;
    gboolean stop = FALSE;

    g_mutex_lock(&srt->lock);
    feed = find_feed_locked(srt, ref->id);
    if (feed) {
        g_mutex_lock(&feed->lock);
        stop = feed->callers->len == 0 || ref->why != NULL;
        g_mutex_unlock(&feed->lock);
        if (stop)
            feed_detach_locked(srt, feed);
    }
    g_mutex_unlock(&srt->lock);
    if (stop)
        feed_stop(feed, ref->why);
    return G_SOURCE_REMOVE;
}

/* Ask the server's context to stop feed: when it has no caller left (why NULL), or now. */
static void schedule_stop(Feed *feed, const gchar *why)
{
    FeedRef *ref = g_new0(FeedRef, 1);

    ref->srt = srt_ref(feed->srt);
    ref->id = feed->id;
    ref->why = g_strdup(why);
    g_main_context_invoke_full(feed->srt->context, G_PRIORITY_DEFAULT, stop_idle_feed, ref,
                               (GDestroyNotify)feed_ref_free);
}

/* The streaming thread: one TS buffer to every caller. A caller whose connection broke
 * is dropped; one whose send buffer is full loses this buffer (it cannot hold back the
 * others). */
static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer data)
{
    Feed *feed = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    GstBuffer *buffer = sample ? gst_sample_get_buffer(sample) : NULL;
    GstMapInfo map;
    gboolean emptied = FALSE;

    if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        if (sample)
            gst_sample_unref(sample);
        return GST_FLOW_OK;
    }
    g_mutex_lock(&feed->lock);
    for (guint i = 0; i < feed->callers->len;) {
        Caller *caller = g_ptr_array_index(feed->callers, i);
        gboolean broken = FALSE;

        for (gsize off = 0; off < map.size && !broken; off += SRT_LIVE_PAYLOAD) {
            gint n = (gint)MIN(map.size - off, SRT_LIVE_PAYLOAD);
            if (srt_sendmsg2(caller->sock, (const char *)map.data + off, n, NULL) == SRT_ERROR)
                broken = srt_getlasterror(NULL) != SRT_EASYNCSND;
        }
        if (broken) {
            g_ptr_array_remove_index_fast(feed->callers, i);
            caller_close(caller, "connection closed");
            emptied = feed->callers->len == 0;
        } else {
            i++;
        }
    }
    g_mutex_unlock(&feed->lock);
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
    if (emptied)
        schedule_stop(feed, NULL);
    return GST_FLOW_OK;
}

static gboolean on_bus_message(G_GNUC_UNUSED GstBus *bus, GstMessage *message, gpointer data)
{
    Feed *feed = data;

    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError *err = NULL;
        gchar *why;

        gst_message_parse_error(message, &err, NULL);
        fv_log("pipeline %u failed: %s", feed->id, err->message);
        why = g_strdup_printf("pipeline failed: %s", err->message);
        schedule_stop(feed, why);
        g_free(why);
        g_error_free(err);
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
        schedule_stop(feed, "end of stream");
    }
    return G_SOURCE_CONTINUE;
}

/* A new pipeline for stream, PLAYING; NULL (and a log line) if it cannot run. */
static Feed *feed_new(FvSrtServer *srt, const FvStream *stream, guint id, GError **error)
{
    GstElement *pipeline = gst_pipeline_new(NULL);
    GstElement *mux = fv_stream_build(stream, GST_BIN(pipeline), FV_PACKAGING_MPEGTS, error);
    GstElement *sink;
    GstBus *bus;
    Feed *feed;
    GstAppSinkCallbacks callbacks = {.new_sample = on_new_sample};

    if (!mux) {
        gst_object_unref(pipeline);
        return NULL;
    }
    sink = gst_element_factory_make("appsink", NULL);
    /* The element paces the stream (live); the sink passes buffers on as they come. */
    g_object_set(sink, "sync", FALSE, "max-buffers", 64, "drop", TRUE, NULL);
    gst_bin_add(GST_BIN(pipeline), sink);
    gst_element_link(mux, sink);

    feed = g_new0(Feed, 1);
    feed->srt = srt;
    feed->id = id;
    feed->pipeline = pipeline;
    feed->callers = g_ptr_array_new();
    g_mutex_init(&feed->lock);
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, feed, NULL);

    bus = gst_element_get_bus(pipeline);
    feed->bus_watch = gst_bus_create_watch(bus);
    g_source_set_callback(feed->bus_watch, (GSourceFunc)(void (*)(void))on_bus_message, feed, NULL);
    g_source_attach(feed->bus_watch, srt->context);
    gst_object_unref(bus);

    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        g_set_error(error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS, "the pipeline did not start");
        g_source_destroy(feed->bus_watch);
        g_source_unref(feed->bus_watch);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(pipeline);
        feed_free(feed);
        return NULL;
    }
    return feed;
}

/* ---- Listener ---- */

#define REFUSAL_QUIET_US (10 * G_USEC_PER_SEC)

static void log_refusal(FvSrtServer *srt, const gchar *who, int reason, const gchar *text)
{
    const gchar *port = strrchr(who, ':');
    gchar *what = g_strdup_printf("%.*s (%d): %s", port ? (int)(port - who) : (int)strlen(who), who,
                                  reason, text);
    gint64 now = g_get_monotonic_time();

    if (srt->last_refusal && strcmp(what, srt->last_refusal) == 0 &&
        now - srt->last_refusal_time < REFUSAL_QUIET_US) {
        srt->refusal_repeats++;
        g_free(what);
        return;
    }
    if (srt->refusal_repeats)
        fv_log("srt: the refusal above came %u more times", srt->refusal_repeats);
    fv_log("srt caller %s refused (%d): %s", who, reason, text);
    g_free(srt->last_refusal);
    srt->last_refusal = what;
    srt->last_refusal_time = now;
    srt->refusal_repeats = 0;
}

/* Before the handshake completes: refuse a caller whose streamid is not a good query, or who
 * would exceed the limits, with a reason code it can read (srt_getrejectreason). */
static int on_listen(void *opaque, SRTSOCKET ns, G_GNUC_UNUSED int hs_version,
                     const struct sockaddr *peer, const char *streamid)
{
    FvSrtServer *srt = opaque;
    GError *error = NULL;
    gchar *query = query_of_streamid(streamid, &error);
    FvStream *stream = query ? fv_stream_parse(query, &error) : NULL;
    gchar *who = peer_text(peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                             : sizeof(struct sockaddr_in));
    int reason = 0;

    if (!stream || !fv_stream_check(stream, FV_PACKAGING_MPEGTS, &error)) {
        reason = error->domain == FV_STREAM_ERROR && error->code == FV_STREAM_ERROR_MISSING
                     ? SRT_REJX_ISE
                     : SRT_REJX_BAD_REQUEST;
        log_refusal(srt, who, reason, error->message);
    } else {
        FvLimits *limits = srt->config.limits;
        gchar *text = NULL;
        gboolean joins;

        g_mutex_lock(&srt->lock);
        joins = srt->config.shared && g_hash_table_contains(srt->shared, stream->key);
        g_mutex_unlock(&srt->lock);
        g_mutex_lock(&limits->lock);
        if (limits->max_clients && limits->clients >= limits->max_clients)
            text = g_strdup_printf("%u clients, the most this server takes (--max-clients)",
                                   limits->max_clients);
        else if (!joins && limits->max_pipelines && limits->pipelines >= limits->max_pipelines)
            text = g_strdup_printf("%u pipelines run, the most this server runs "
                                   "(--max-pipelines)",
                                   limits->max_pipelines);
        g_mutex_unlock(&limits->lock);
        if (text) {
            reason = SRT_REJX_OVERLOAD;
            log_refusal(srt, who, reason, text);
            g_free(text);
        }
    }
    if (reason)
        srt_setrejectreason(ns, reason);
    g_clear_error(&error);
    fv_stream_free(stream);
    g_free(query);
    g_free(who);
    return reason ? -1 : 0;
}

/* An accepted caller: join its query's pipeline or start one. */
static void add_caller(FvSrtServer *srt, SRTSOCKET sock, const struct sockaddr *addr, int len)
{
    char streamid[1024] = "";
    int idlen = sizeof streamid - 1;
    GError *error = NULL;
    gchar *who = peer_text(addr, (gsize)len);
    gchar *query = NULL;
    FvStream *stream = NULL;
    Feed *feed = NULL, *started = NULL;
    guint id = 0;
    gboolean no = FALSE;

    srt_getsockflag(sock, SRTO_STREAMID, streamid, &idlen);
    streamid[MAX(0, MIN(idlen, (int)sizeof streamid - 1))] = '\0';
    /* Sends never block: a slow caller loses buffers instead of holding up the others. */
    srt_setsockflag(sock, SRTO_SNDSYN, &no, sizeof no);

    if (!(query = query_of_streamid(streamid, &error)) ||
        !(stream = fv_stream_parse(query, &error)))
        goto refused;
    if (!fv_limits_take_client(srt->config.limits)) {
        g_set_error(&error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS, "too many clients");
        goto refused;
    }

    g_mutex_lock(&srt->lock);
    if (srt->stopping) {
        g_mutex_unlock(&srt->lock);
        fv_limits_release_client(srt->config.limits);
        g_set_error(&error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS, "the server is stopping");
        goto refused;
    }
    if (srt->config.shared)
        feed = g_hash_table_lookup(srt->shared, stream->key);
    if (!feed) {
        if (!fv_limits_take_pipeline(srt->config.limits, &id)) {
            g_set_error(&error, FV_STREAM_ERROR, FV_STREAM_ERROR_CAPS, "too many pipelines");
        } else if (!(feed = started = feed_new(srt, stream, id, &error))) {
            fv_limits_release_pipeline(srt->config.limits);
        } else {
            g_ptr_array_add(srt->feeds, feed);
            if (srt->config.shared) {
                feed->key = g_strdup(stream->key);
                g_hash_table_insert(srt->shared, feed->key, feed);
            }
        }
    }
    if (feed) {
        Caller *caller = g_new0(Caller, 1);

        caller->sock = sock;
        caller->peer = g_strdup(who);
        caller->query = g_strdup(query);
        caller->since = g_get_monotonic_time();
        fv_log("srt caller %s connected: %s", who, query);
        if (started)
            fv_log("pipeline %u started: %s", id, stream->key);
        g_mutex_lock(&feed->lock);
        g_ptr_array_add(feed->callers, caller);
        g_mutex_unlock(&feed->lock);
        /* A caller joining a running stream needs a key frame to start from. */
        if (!started)
            fv_stream_request_key_frame(GST_BIN(feed->pipeline));
    }
    g_mutex_unlock(&srt->lock);
    if (!feed) {
        fv_limits_release_client(srt->config.limits);
        goto refused;
    }
    fv_stream_free(stream);
    g_free(query);
    g_free(who);
    return;

refused:
    fv_log("srt caller %s refused: %s", who, error ? error->message : "?");
    srt_close(sock);
    g_clear_error(&error);
    fv_stream_free(stream);
    g_free(query);
    g_free(who);
}

static gpointer accept_loop(gpointer data)
{
    FvSrtServer *srt = data;

    for (;;) {
        struct sockaddr_storage addr;
        int len = sizeof addr;
        SRTSOCKET sock = srt_accept(srt->listener, (struct sockaddr *)&addr, &len);
        gboolean stopping;

        g_mutex_lock(&srt->lock);
        stopping = srt->stopping;
        g_mutex_unlock(&srt->lock);
        if (sock == SRT_INVALID_SOCK) {
            if (stopping || srt_getsockstate(srt->listener) != SRTS_LISTENING)
                break;
            continue;
        }
        if (stopping) {
            srt_close(sock);
            break;
        }
        add_caller(srt, sock, (struct sockaddr *)&addr, len);
    }
    return NULL;
}

FvSrtServer *fv_srt_server_start(const FvSrtConfig *config, GError **error)
{
    FvSrtServer *srt;
    GInetAddress *ia = g_inet_address_new_from_string(config->address);
    GSocketAddress *sa;
    struct sockaddr_storage native;
    int len = sizeof native;
    gboolean ok;

    if (!ia) {
        /* A host name: its first address, as the RTSP side binds. */
        GResolver *resolver = g_resolver_get_default();
        GList *addrs = g_resolver_lookup_by_name(resolver, config->address, NULL, error);

        g_object_unref(resolver);
        if (!addrs) {
            g_prefix_error(error, "SRT: ");
            return NULL;
        }
        ia = g_object_ref(addrs->data);
        g_resolver_free_addresses(addrs);
    }
    sa = g_inet_socket_address_new(ia, (guint16)config->port);
    ok = g_socket_address_to_native(sa, &native, sizeof native, error);
    len = (int)g_socket_address_get_native_size(sa);
    g_object_unref(sa);
    g_object_unref(ia);
    if (!ok)
        return NULL;

    srt_startup();
    /* Our log says why a caller was refused; libsrt's own warnings would repeat it. */
    srt_setloglevel(LOG_CRIT);
    srt = g_atomic_rc_box_new0(FvSrtServer);
    srt->config = *config;
    srt->address = g_strdup(config->address);
    srt->passphrase = g_strdup(config->passphrase);
    srt->config.address = srt->address;
    srt->config.passphrase = srt->passphrase;
    srt->context = g_main_context_ref_thread_default();
    srt->feeds = g_ptr_array_new();
    srt->shared = g_hash_table_new(g_str_hash, g_str_equal);
    g_mutex_init(&srt->lock);

    srt->listener = srt_create_socket();
    if (srt->passphrase)
        ok = srt_setsockflag(srt->listener, SRTO_PASSPHRASE, srt->passphrase,
                             (int)strlen(srt->passphrase)) != SRT_ERROR;
    if (!ok || srt_bind(srt->listener, (struct sockaddr *)&native, len) == SRT_ERROR ||
        srt_listen_callback(srt->listener, on_listen, srt) == SRT_ERROR ||
        srt_listen(srt->listener, 64) == SRT_ERROR) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "SRT: cannot listen on %s:%u: %s",
                    config->address, config->port, srt_getlasterror_str());
        srt_close(srt->listener);
        srt_unref(srt);
        srt_cleanup();
        return NULL;
    }
    len = sizeof native;
    srt_getsockname(srt->listener, (struct sockaddr *)&native, &len);
    srt->port = native.ss_family == AF_INET6 ? g_ntohs(((struct sockaddr_in6 *)&native)->sin6_port)
                                             : g_ntohs(((struct sockaddr_in *)&native)->sin_port);
    srt->accept_thread = g_thread_new("srt-accept", accept_loop, srt);
    return srt;
}

guint fv_srt_server_get_port(FvSrtServer *srt)
{
    return srt->port;
}

void fv_srt_server_stop(FvSrtServer *srt)
{
    GPtrArray *feeds;

    g_mutex_lock(&srt->lock);
    srt->stopping = TRUE;
    g_mutex_unlock(&srt->lock);
    /* Closing the listener wakes srt_accept(). */
    srt_close(srt->listener);
    g_thread_join(srt->accept_thread);

    g_mutex_lock(&srt->lock);
    feeds = g_ptr_array_copy(srt->feeds, NULL, NULL);
    g_ptr_array_set_size(srt->feeds, 0);
    g_hash_table_remove_all(srt->shared);
    g_mutex_unlock(&srt->lock);
    for (guint i = 0; i < feeds->len; i++)
        feed_stop(g_ptr_array_index(feeds, i), "server stopping");
    g_ptr_array_unref(feeds);
    srt_unref(srt);
    srt_cleanup();
}
