/* fractalvid: render-ahead worker of fractalvidsrc (see gstfractalvidworker.h).
 *
 * One request slot, one result slot. The element only ever wants one unit next (the one after
 * the current unit, or the one a seek or a late live stream lands in), so a newer request
 * simply replaces an older one, and a result that is not what was asked for is thrown away. At
 * most two units' storage exist: the one the element plays and the one being rendered. */

#include "gstfractalvidworker.h"

#include <errno.h>

typedef struct {
    FvSettings settings;
    guint64 clip_index;
    guint frame; /* GST_FRACTAL_VID_WHOLE_CLIP, or the one frame */
} ClipKey;

struct _GstFractalVidWorker {
    GMutex lock;
    GCond cond;
    GThread *thread;

    /* Owned by the thread while it renders; threads_wanted is read under the lock. */
    FvRenderer *renderer;
    guint threads_open;
    guint threads_wanted;

    /* The next unit to render. prefetch_pending: the request came from a fresh prefetch and
     * may be refreshed by update_prefetch. */
    gboolean have_request;
    gboolean prefetch_pending;
    ClipKey request;

    /* The clip being rendered; busy_prefetch: nobody waits for it yet. */
    gboolean busy;
    gboolean busy_prefetch;
    ClipKey busy_key;

    /* The last clip rendered, waiting to be taken (done is NULL if rendering failed). */
    gboolean have_done;
    FvClip *done;
    gboolean done_prefetch;
    ClipKey done_key;
    gint done_result;
    gdouble done_seconds;
    gchar *done_error;  /* the renderer's reason when done_result is not 0 */
    gchar *taken_error; /* that of the last failed result taken */

    /* Storage given back by the element, reused by the next render. */
    FvClip *spare;

    gboolean flushing;
    gboolean quit;
};

gboolean gst_fractal_vid_settings_equal(const FvSettings *a, const FvSettings *b)
{
    return a->class_id == b->class_id && a->class_seed == b->class_seed && a->seed == b->seed &&
           a->motion == b->motion && a->variation == b->variation &&
           a->clip_frames == b->clip_frames && a->density == b->density && a->width == b->width &&
           a->height == b->height && a->normalization == b->normalization &&
           a->effects == b->effects && a->augment_seed == b->augment_seed;
}

static gboolean clip_key_equal(const ClipKey *key, const FvSettings *settings, guint64 clip_index,
                               guint frame)
{
    return key->clip_index == clip_index && key->frame == frame &&
           gst_fractal_vid_settings_equal(&key->settings, settings);
}

/* Storage for the next render: the spare, else the storage of the result waiting (which is
 * not what is wanted now), else none (a new clip). Called with the lock. */
static FvClip *take_storage_locked(GstFractalVidWorker *worker)
{
    FvClip *clip = worker->spare;

    worker->spare = NULL;
    if (worker->have_done) {
        if (clip)
            fv_clip_free(&worker->done);
        else
            clip = worker->done;
        worker->done = NULL;
        worker->have_done = FALSE;
    }
    return clip;
}

/* (Re)open the renderer with threads threads, budgeting for the two clips the element holds
 * (the one it plays, the one rendered ahead). Called with the lock. */
static gint gst_fractal_vid_worker_open_locked(GstFractalVidWorker *worker, guint threads)
{
    gint result;

    fv_renderer_close(&worker->renderer);
    result = fv_renderer_open(&worker->renderer, threads);
    if (result == 0)
        result = fv_renderer_budget_clips(worker->renderer, 2);
    if (result != 0)
        fv_renderer_close(&worker->renderer);
    worker->threads_open = result == 0 ? threads : G_MAXUINT;
    return result;
}

static gpointer gst_fractal_vid_worker_loop(gpointer data)
{
    GstFractalVidWorker *worker = data;

    g_mutex_lock(&worker->lock);
    while (!worker->quit) {
        ClipKey key;
        FvClip *clip;
        guint threads;
        gint result = 0;
        gint64 started;

        if (!worker->have_request) {
            g_cond_wait(&worker->cond, &worker->lock);
            continue;
        }
        key = worker->request;
        worker->busy_prefetch = worker->prefetch_pending;
        worker->have_request = FALSE;
        worker->prefetch_pending = FALSE;

        /* Asked twice for what is already waiting: nothing to do. */
        if (worker->have_done &&
            clip_key_equal(&worker->done_key, &key.settings, key.clip_index, key.frame)) {
            g_cond_broadcast(&worker->cond);
            continue;
        }

        clip = take_storage_locked(worker);
        threads = worker->threads_wanted;
        worker->busy = TRUE;
        worker->busy_key = key;
        started = g_get_monotonic_time();
        /* A new thread count, a new renderer: opened under the lock, before the cancel flag
         * is reset, so a cancel from another thread (a seek, stop) always reaches the renderer
         * that renders; none is lost to the one closed. */
        if (threads != worker->threads_open)
            result = gst_fractal_vid_worker_open_locked(worker, threads);
        /* a cancel was meant for the render before this one */
        if (!worker->quit)
            fv_renderer_cancel(worker->renderer, 0);
        g_mutex_unlock(&worker->lock);

        if (result == 0 && !clip)
            result = fv_clip_new(&clip);
        if (result == 0 && key.frame == GST_FRACTAL_VID_WHOLE_CLIP)
            result = fv_render_clip(worker->renderer, &key.settings, key.clip_index, clip);
        else if (result == 0)
            result =
                fv_render_frame(worker->renderer, &key.settings, key.clip_index, key.frame, clip);

        g_mutex_lock(&worker->lock);
        worker->busy = FALSE;
        if (result == -ECANCELED) {
            /* cancelled because another clip is wanted: nothing to hand over, keep the
             * storage */
            if (!worker->spare)
                worker->spare = clip;
            else
                fv_clip_free(&clip);
            g_cond_broadcast(&worker->cond);
            continue;
        }
        if (result != 0)
            fv_clip_free(&clip);
        g_free(worker->done_error);
        worker->done_error = NULL;
        if (result != 0 && worker->renderer)
            worker->done_error = g_strdup(fv_renderer_error(worker->renderer));
        worker->have_done = TRUE;
        worker->done = clip;
        worker->done_key = key;
        worker->done_prefetch = worker->busy_prefetch;
        worker->done_result = result;
        worker->done_seconds = (g_get_monotonic_time() - started) / 1e6;
        g_cond_broadcast(&worker->cond);
    }
    g_mutex_unlock(&worker->lock);
    return NULL;
}

GstFractalVidWorker *gst_fractal_vid_worker_new(guint threads, gint *err)
{
    GstFractalVidWorker *worker = g_new0(GstFractalVidWorker, 1);
    gint result;

    /* Opened here, not lazily, so a renderer that cannot start fails the state change. */
    result = gst_fractal_vid_worker_open_locked(worker, threads);
    if (result != 0) {
        g_free(worker);
        *err = result;
        return NULL;
    }
    worker->threads_wanted = threads;
    g_mutex_init(&worker->lock);
    g_cond_init(&worker->cond);
    worker->thread = g_thread_new("fractalvid-render", gst_fractal_vid_worker_loop, worker);
    *err = 0;
    return worker;
}

void gst_fractal_vid_worker_free(GstFractalVidWorker *worker)
{
    if (!worker)
        return;

    g_mutex_lock(&worker->lock);
    worker->quit = TRUE;
    /* a clip being rendered is of no use now: stop it within a frame's lane */
    fv_renderer_cancel(worker->renderer, 1);
    g_cond_broadcast(&worker->cond);
    g_mutex_unlock(&worker->lock);
    g_thread_join(worker->thread);

    fv_clip_free(&worker->done);
    fv_clip_free(&worker->spare);
    fv_renderer_close(&worker->renderer);
    g_free(worker->done_error);
    g_free(worker->taken_error);
    g_cond_clear(&worker->cond);
    g_mutex_clear(&worker->lock);
    g_free(worker);
}

void gst_fractal_vid_worker_set_threads(GstFractalVidWorker *worker, guint threads)
{
    g_mutex_lock(&worker->lock);
    worker->threads_wanted = threads;
    g_mutex_unlock(&worker->lock);
}

/* Ask for a unit unless it is waiting, being rendered or already asked for. The newest wish
 * wins: a different request still queued is dropped. */
static void request_locked(GstFractalVidWorker *worker, const FvSettings *settings,
                           guint64 clip_index, guint frame, gboolean prefetch)
{
    if (worker->have_done && clip_key_equal(&worker->done_key, settings, clip_index, frame)) {
        worker->have_request = FALSE;
        worker->done_prefetch &= prefetch;
        return;
    }
    if (worker->busy && clip_key_equal(&worker->busy_key, settings, clip_index, frame)) {
        worker->have_request = FALSE;
        worker->busy_prefetch &= prefetch;
        return;
    }
    if (!(worker->have_request && clip_key_equal(&worker->request, settings, clip_index, frame))) {
        worker->request.settings = *settings;
        worker->request.clip_index = clip_index;
        worker->request.frame = frame;
        worker->have_request = TRUE;
        g_cond_broadcast(&worker->cond);
    }
    /* The unit being rendered is not the one wanted next (a seek, or settings changed):
     * stop it rather than make the wanted one wait for it. */
    if (worker->busy)
        fv_renderer_cancel(worker->renderer, 1);
    worker->prefetch_pending = prefetch;
}

void gst_fractal_vid_worker_prefetch(GstFractalVidWorker *worker, const FvSettings *settings,
                                     guint64 clip_index, guint frame, gboolean fresh)
{
    g_mutex_lock(&worker->lock);
    request_locked(worker, settings, clip_index, frame, fresh);
    g_mutex_unlock(&worker->lock);
}

void gst_fractal_vid_worker_update_prefetch(GstFractalVidWorker *worker, const FvSettings *settings)
{
    const ClipKey *last = NULL;
    FvSettings updated;

    g_mutex_lock(&worker->lock);
    /* The prefetched clip is whichever is queued, being rendered or waiting, newest first;
     * a clip the element already waits for is left alone. */
    if (worker->have_request) {
        if (worker->prefetch_pending)
            last = &worker->request;
    } else if (worker->busy) {
        if (worker->busy_prefetch)
            last = &worker->busy_key;
    } else if (worker->have_done && worker->done_prefetch && worker->done_result == 0) {
        last = &worker->done_key;
    }

    if (last) {
        updated = *settings;
        updated.width = last->settings.width;
        updated.height = last->settings.height;
        request_locked(worker, &updated, last->clip_index, last->frame, TRUE);
    }
    g_mutex_unlock(&worker->lock);
}

gint gst_fractal_vid_worker_take(GstFractalVidWorker *worker, const FvSettings *settings,
                                 guint64 clip_index, guint frame, FvClip **clip, gdouble *seconds)
{
    gint result;

    g_mutex_lock(&worker->lock);
    for (;;) {
        if (worker->flushing) {
            result = -ECANCELED;
            break;
        }
        if (worker->have_done && clip_key_equal(&worker->done_key, settings, clip_index, frame)) {
            /* A failed render is handed over once; asking again renders again. */
            result = worker->done_result;
            g_free(worker->taken_error);
            worker->taken_error = worker->done_error;
            worker->done_error = NULL;
            *seconds = worker->done_seconds;
            *clip = worker->done;
            worker->done = NULL;
            worker->have_done = FALSE;
            break;
        }
        request_locked(worker, settings, clip_index, frame, FALSE);
        g_cond_wait(&worker->cond, &worker->lock);
    }
    g_mutex_unlock(&worker->lock);
    return result;
}

gboolean gst_fractal_vid_worker_wait_idle(GstFractalVidWorker *worker, gint64 end_time)
{
    gboolean idle;

    g_mutex_lock(&worker->lock);
    while (!(idle = !worker->have_request && !worker->busy) && !worker->flushing)
        if (!g_cond_wait_until(&worker->cond, &worker->lock, end_time))
            break;
    g_mutex_unlock(&worker->lock);
    return idle;
}

gchar *gst_fractal_vid_worker_error(GstFractalVidWorker *worker)
{
    gchar *error;

    g_mutex_lock(&worker->lock);
    error = g_strdup(worker->taken_error && *worker->taken_error ? worker->taken_error : NULL);
    g_mutex_unlock(&worker->lock);
    return error;
}

void gst_fractal_vid_worker_give_back(GstFractalVidWorker *worker, FvClip *clip)
{
    g_mutex_lock(&worker->lock);
    if (!worker->spare) {
        worker->spare = clip;
        clip = NULL;
    }
    g_mutex_unlock(&worker->lock);
    fv_clip_free(&clip);
}

void gst_fractal_vid_worker_set_flushing(GstFractalVidWorker *worker, gboolean flushing)
{
    g_mutex_lock(&worker->lock);
    worker->flushing = flushing;
    g_cond_broadcast(&worker->cond);
    g_mutex_unlock(&worker->lock);
}
