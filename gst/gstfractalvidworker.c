/* fractalvid: render-ahead worker of fractalvidsrc (see gstfractalvidworker.h).
 *
 * One request slot and a short queue of finished units, oldest first. The element only ever
 * asks for one unit next (the one after the current unit, or the one a seek or a late live
 * stream lands in), so a newer request simply replaces an older one. Besides, once a whole
 * clip asked for ahead (a fresh prefetch) is done, the worker renders the clips after it on
 * its own (speculative units), while fewer than `ahead` units wait: a clip's frames depend
 * only on its settings and index, so a clip rendered early is the very clip asked for later.
 * A request that matches nothing queued drops the speculative units and cancels one under way;
 * new properties drop those rendered with the old ones. At most 1 + ahead units' storage
 * exist: the one the element plays and those queued or being rendered. */

#include "gstfractalvidworker.h"

#include <errno.h>
#include <pthread.h>

typedef struct {
    FvSettings settings;
    guint64 clip_index;
    guint frame; /* GST_FRACTAL_VID_WHOLE_CLIP, or the one frame */
} ClipKey;

/* A unit asked for, being rendered or rendered. */
typedef struct {
    ClipKey key;
    /* a fresh prefetch: update_prefetch may redo it */
    gboolean prefetch;
    /* rendered on the worker's own initiative: nobody asked for it yet */
    gboolean speculative;
    /* the clips after it (before it if lower) may be rendered ahead up to this one; its own
     * index: none (a unit asked for otherwise than by a fresh whole-clip prefetch) */
    guint64 until;
} Unit;

/* A finished unit, waiting to be taken (clip is NULL if rendering failed). */
typedef struct {
    Unit unit;
    FvClip *clip;
    gint result;
    gdouble seconds;
    gchar *error; /* the renderer's reason when result is not 0 */
} Done;

struct _GstFractalVidWorker {
    GMutex lock;
    GCond cond;
    GThread *thread;

    /* Owned by the thread while it renders; threads_wanted and ahead are read under the
     * lock. */
    FvRenderer *renderer;
    gboolean reused; /* the renderer was a stopped worker's, kept (see keep_renderer) */
    guint64 held;    /* the most the renderer holds: the need of its largest unit rendered */
    guint threads_open;
    guint threads_wanted;
    guint budget_open;
    guint ahead;

    /* The next unit to render. */
    gboolean have_request;
    Unit request;

    /* The unit being rendered, since busy_since (monotonic). */
    gboolean busy;
    Unit busy_unit;
    gint64 busy_since;

    /* Finished units (Done *), oldest first. */
    GQueue done;
    gchar *taken_error; /* the renderer's reason of the last failed unit taken */

    /* The newest unit rendered whose clips after it may be rendered ahead (toward its
     * until): a fresh whole-clip prefetch, or a speculative unit. */
    gboolean have_follow;
    Unit follow;

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

/* Keep clip as the spare storage, or free it if there is one. Called with the lock. */
static void keep_spare_locked(GstFractalVidWorker *worker, FvClip *clip)
{
    if (!worker->spare)
        worker->spare = clip;
    else
        fv_clip_free(&clip);
}

/* Free d, its storage kept as the spare if there is none. Called with the lock. */
static void drop_done_locked(GstFractalVidWorker *worker, Done *d)
{
    keep_spare_locked(worker, d->clip);
    g_free(d->error);
    g_free(d);
}

/* The finished unit key names, or NULL. Called with the lock. */
static Done *find_done_locked(GstFractalVidWorker *worker, const FvSettings *settings,
                              guint64 clip_index, guint frame)
{
    for (GList *l = worker->done.head; l; l = l->next) {
        Done *d = l->data;

        if (clip_key_equal(&d->unit.key, settings, clip_index, frame))
            return d;
    }
    return NULL;
}

/* Whether unit was rendered with settings, at its own size (settings NULL: never). */
static gboolean rendered_with(const Unit *unit, const FvSettings *settings)
{
    FvSettings s;

    if (!settings)
        return FALSE;
    s = *settings;
    s.width = unit->key.settings.width;
    s.height = unit->key.settings.height;
    return gst_fractal_vid_settings_equal(&s, &unit->key.settings);
}

/* Drop the speculative units (finished, and cancel the one under way) not rendered with
 * settings (NULL: all of them). Called with the lock. */
static void drop_speculation_locked(GstFractalVidWorker *worker, const FvSettings *settings)
{
    GList *l = worker->done.head;

    while (l) {
        GList *next = l->next;
        Done *d = l->data;

        if (d->unit.speculative && !rendered_with(&d->unit, settings)) {
            g_queue_delete_link(&worker->done, l);
            drop_done_locked(worker, d);
        }
        l = next;
    }
    if (worker->busy && worker->busy_unit.speculative &&
        !rendered_with(&worker->busy_unit, settings))
        fv_renderer_cancel(worker->renderer, 1);
    if (worker->have_follow && !rendered_with(&worker->follow, settings))
        worker->have_follow = FALSE;
}

/* Whether clip x is on the way from clip from to clip until (both included). */
static gboolean on_the_way(guint64 from, guint64 until, guint64 x)
{
    return from <= until ? from <= x && x <= until : until <= x && x <= from;
}

/* Storage for the next render: the spare, else the storage of a finished unit that is not
 * wanted now (a request is rendered only when it matched none of them; a speculative render
 * starts with none to spare), else none (a new clip). Called with the lock. */
static FvClip *take_storage_locked(GstFractalVidWorker *worker, gboolean speculative)
{
    FvClip *clip = worker->spare;
    Done *d;

    worker->spare = NULL;
    if (!speculative) {
        while ((d = g_queue_pop_head(&worker->done))) {
            if (!clip) {
                clip = d->clip;
                d->clip = NULL;
            }
            drop_done_locked(worker, d);
        }
    }
    return clip;
}

/* The renderer of the last worker freed, kept for the next worker of the process for
 * keep_us: a new stream's first clip then needs no threads started and no memory mapped and
 * first touched (a fresh renderer's first clip at 256x256 spends a few milliseconds in page
 * faults on its 12 MiB, in huge pages, more where the host backs a guest's memory only when
 * touched). One at most, of at most KEEP_MAX_BYTES; a worker that opens another kind (other
 * threads) closes it first, so it never adds to what a new stream maps. A thread closes it
 * once keep_us has passed; it ends then, and starts again with the next renderer kept. */
#define KEEP_MAX_BYTES ((guint64)64 << 20)
static GMutex keep_lock;
static GCond keep_cond;
static FvRenderer *kept;
static guint kept_threads;
static guint64 kept_held;
static gint64 kept_until;
/* The reaper: none, busy (starting, or closing a renderer: see keep_prepare_fork), or parked
 * waiting for the kept renderer's time */
static enum { REAPER_NONE, REAPER_BUSY, REAPER_PARKED } reaper;
static GCond reaper_parked;
static gint64 keep_us = GST_FRACTAL_VID_KEEP_SECONDS * G_USEC_PER_SEC;

/* fork() waits while the reaper is busy: starting (its first lines allocate, in the C
 * library and in a sanitizer's runtime) or closing a renderer (freeing). A thread caught
 * holding an allocator's lock leaves that lock held in the child for ever where the
 * allocator does not prepare for fork() (AddressSanitizer's in GCC 12): the child's first
 * allocation of that size would wait without end. Parked, waiting for its time, it holds
 * nothing; that is all but a few microseconds of its life. (Its last instructions, once it
 * has let go of keep_lock to end, are not waited for.)
 *
 * A child of fork() has none of the parent's threads: neither the kept renderer's nor the
 * reaper. It forgets the renderer (its memory, shared with the parent until written, is left
 * alone) and starts afresh. */
static void keep_prepare_fork(void)
{
    g_mutex_lock(&keep_lock);
    while (reaper == REAPER_BUSY)
        g_cond_wait(&reaper_parked, &keep_lock);
}

static void keep_parent_fork(void)
{
    g_mutex_unlock(&keep_lock);
}

static void keep_child_fork(void)
{
    kept = NULL;
    reaper = REAPER_NONE;
    g_mutex_unlock(&keep_lock);
}

static void keep_init(void)
{
    static gsize once = 0;

    if (g_once_init_enter(&once)) {
        pthread_atfork(keep_prepare_fork, keep_parent_fork, keep_child_fork);
        g_once_init_leave(&once, 1);
    }
}

/* Closes the kept renderer once its time has passed, and any kept while it closed one; ends
 * when nothing is kept. */
static gpointer keep_reaper(gpointer data)
{
    FvRenderer *r;

    (void)data;
    g_mutex_lock(&keep_lock);
    for (;;) {
        while (kept && g_get_monotonic_time() < kept_until) {
            reaper = REAPER_PARKED;
            g_cond_broadcast(&reaper_parked);
            g_cond_wait_until(&keep_cond, &keep_lock, kept_until);
            reaper = REAPER_BUSY;
        }
        r = kept;
        kept = NULL;
        if (!r)
            break;
        g_mutex_unlock(&keep_lock);
        fv_renderer_close(&r);
        g_mutex_lock(&keep_lock);
    }
    reaper = REAPER_NONE;
    g_cond_broadcast(&reaper_parked);
    g_mutex_unlock(&keep_lock);
    return NULL;
}

/* Keep r (a renderer of threads threads holding up to held bytes) for the next worker, or
 * close it. */
static void keep_renderer(FvRenderer *r, guint threads, guint64 held)
{
    FvRenderer *old = NULL;

    keep_init();
    g_mutex_lock(&keep_lock);
    if (keep_us > 0) {
        old = kept;
        kept = r;
        r = NULL;
        kept_threads = threads;
        kept_held = held;
        kept_until = g_get_monotonic_time() + keep_us;
        if (reaper == REAPER_NONE) {
            GThread *t = g_thread_try_new("fractalvid-keep", keep_reaper, NULL, NULL);

            reaper = t ? REAPER_BUSY : REAPER_NONE;
            if (t)
                g_thread_unref(t);
            else { /* no thread to close it later: closed now */
                r = kept;
                kept = NULL;
            }
        }
        g_cond_broadcast(&keep_cond);
    }
    g_mutex_unlock(&keep_lock);
    fv_renderer_close(&old);
    fv_renderer_close(&r);
}

/* The kept renderer if it has threads threads, *held set to what it may hold (NULL
 * otherwise; one of other threads is closed). */
static FvRenderer *take_kept_renderer(guint threads, guint64 *held)
{
    FvRenderer *r, *other = NULL;

    g_mutex_lock(&keep_lock);
    *held = kept_held;
    r = kept;
    kept = NULL;
    if (r && kept_threads != threads) {
        other = r;
        r = NULL;
    }
    g_cond_broadcast(&keep_cond);
    g_mutex_unlock(&keep_lock);
    fv_renderer_close(&other);
    return r;
}

void gst_fractal_vid_worker_set_keep(gdouble seconds)
{
    g_mutex_lock(&keep_lock);
    keep_us = seconds > 0 ? (gint64)(seconds * G_USEC_PER_SEC) : 0;
    if (kept)
        kept_until = MIN(kept_until, g_get_monotonic_time() + keep_us);
    g_cond_broadcast(&keep_cond);
    g_mutex_unlock(&keep_lock);
}

gboolean gst_fractal_vid_worker_kept(void)
{
    gboolean any;

    g_mutex_lock(&keep_lock);
    any = kept != NULL;
    g_mutex_unlock(&keep_lock);
    return any;
}

gboolean gst_fractal_vid_worker_reused(GstFractalVidWorker *worker)
{
    gboolean reused;

    g_mutex_lock(&worker->lock);
    reused = worker->reused;
    g_mutex_unlock(&worker->lock);
    return reused;
}

/* (Re)open the renderer with threads threads: the kept one if it has those. Called with the
 * lock. */
static gint gst_fractal_vid_worker_open_locked(GstFractalVidWorker *worker, guint threads)
{
    gint result;

    fv_renderer_close(&worker->renderer);
    worker->renderer = take_kept_renderer(threads, &worker->held);
    worker->reused = worker->renderer != NULL;
    if (!worker->reused)
        worker->held = 0;
    result = worker->renderer ? 0 : fv_renderer_open(&worker->renderer, threads);
    worker->budget_open = 0;
    if (result != 0)
        fv_renderer_close(&worker->renderer);
    worker->threads_open = result == 0 ? threads : G_MAXUINT;
    return result;
}

/* The memory budget of a render: the clips the element holds once it is done. The unit asked
 * for: the one played and this one. A speculative one: the one played and ahead queued. */
static gint gst_fractal_vid_worker_budget(GstFractalVidWorker *worker, guint clips)
{
    gint result = 0;

    if (clips != worker->budget_open) {
        result = fv_renderer_budget_clips(worker->renderer, clips);
        worker->budget_open = result == 0 ? clips : 0;
    }
    return result;
}

/* Render ahead from unit (a whole clip rendered) on, toward its until. Called with the lock. */
static void follow_locked(GstFractalVidWorker *worker, const Unit *unit)
{
    worker->have_follow = unit->until != unit->key.clip_index;
    if (worker->have_follow)
        worker->follow = *unit;
    g_cond_broadcast(&worker->cond);
}

/* The unit to render on the worker's own initiative: the clip after the one to follow, while
 * fewer than ahead units wait and the way toward its until goes on. Called with the lock. */
static gboolean next_speculation_locked(GstFractalVidWorker *worker, Unit *unit)
{
    const Unit *follow = &worker->follow;
    guint64 index = follow->key.clip_index;

    if (!worker->have_follow || worker->flushing ||
        g_queue_get_length(&worker->done) >= worker->ahead || follow->until == index)
        return FALSE;
    /* past the clips already there (rendered ahead before the way was followed from an
     * earlier one, or asked for on their own) */
    do {
        if (index == follow->until)
            return FALSE;
        index = follow->until > index ? index + 1 : index - 1;
    } while (find_done_locked(worker, &follow->key.settings, index, follow->key.frame));
    *unit = *follow;
    unit->key.clip_index = index;
    unit->prefetch = FALSE;
    unit->speculative = TRUE;
    return TRUE;
}

static gpointer gst_fractal_vid_worker_loop(gpointer data)
{
    GstFractalVidWorker *worker = data;

    g_mutex_lock(&worker->lock);
    while (!worker->quit) {
        Unit unit;
        FvClip *clip;
        Done *d;
        guint threads;
        gint result = 0;
        gint64 started;

        if (worker->have_request) {
            unit = worker->request;
            worker->have_request = FALSE;
            /* Asked twice for what is already waiting: nothing to do. */
            if (find_done_locked(worker, &unit.key.settings, unit.key.clip_index, unit.key.frame)) {
                g_cond_broadcast(&worker->cond);
                continue;
            }
        } else if (!next_speculation_locked(worker, &unit)) {
            g_cond_wait(&worker->cond, &worker->lock);
            continue;
        }

        clip = take_storage_locked(worker, unit.speculative);
        threads = worker->threads_wanted;
        worker->busy = TRUE;
        worker->busy_unit = unit;
        started = worker->busy_since = g_get_monotonic_time();
        /* A new thread count, a new renderer: opened under the lock, before the cancel flag
         * is reset, so a cancel from another thread (a seek, stop) always reaches the renderer
         * that renders; none is lost to the one closed. */
        if (threads != worker->threads_open)
            result = gst_fractal_vid_worker_open_locked(worker, threads);
        if (result == 0)
            result =
                gst_fractal_vid_worker_budget(worker, unit.speculative ? 1 + worker->ahead : 2);
        /* a cancel was meant for the render before this one */
        if (!worker->quit && worker->renderer)
            fv_renderer_cancel(worker->renderer, 0);
        g_mutex_unlock(&worker->lock);

        if (result == 0 && !clip)
            result = fv_clip_new(&clip);
        if (result == 0 && unit.key.frame == GST_FRACTAL_VID_WHOLE_CLIP)
            result =
                fv_render_clip(worker->renderer, &unit.key.settings, unit.key.clip_index, clip);
        else if (result == 0)
            result = fv_render_frame(worker->renderer, &unit.key.settings, unit.key.clip_index,
                                     unit.key.frame, clip);

        g_mutex_lock(&worker->lock);
        worker->busy = FALSE;
        if (worker->renderer) {
            guint64 need = fv_render_memory_need(&unit.key.settings, worker->threads_open, 1);

            worker->held = MAX(worker->held, need);
        }
        /* Cancelled because another unit is wanted: nothing to hand over, keep the storage.
         * A render started speculatively that failed (it did not fit the budget of the
         * deeper queue, say) is not handed over either, even if it was asked for meanwhile:
         * whoever waits for it asks again, and it is rendered as the unit asked for. */
        if (result == -ECANCELED || (result != 0 && unit.speculative)) {
            if (result != -ECANCELED)
                worker->have_follow = FALSE;
            keep_spare_locked(worker, clip);
            g_cond_broadcast(&worker->cond);
            continue;
        }
        if (result != 0)
            fv_clip_free(&clip);
        d = g_new0(Done, 1);
        /* busy_unit, not unit: a request meanwhile may have claimed the speculative render */
        d->unit = worker->busy_unit;
        /* the clips after it come next */
        if (result == 0 && d->unit.key.frame == GST_FRACTAL_VID_WHOLE_CLIP)
            follow_locked(worker, &d->unit);
        else
            worker->have_follow = FALSE;
        d->clip = clip;
        d->result = result;
        d->seconds = (g_get_monotonic_time() - started) / 1e6;
        if (result != 0 && worker->renderer)
            d->error = g_strdup(fv_renderer_error(worker->renderer));
        g_queue_push_tail(&worker->done, d);
        g_cond_broadcast(&worker->cond);
    }
    g_mutex_unlock(&worker->lock);
    return NULL;
}

GstFractalVidWorker *gst_fractal_vid_worker_new(guint threads, guint ahead, gint *err)
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
    worker->ahead = CLAMP(ahead, 1, GST_FRACTAL_VID_MAX_AHEAD);
    g_queue_init(&worker->done);
    g_mutex_init(&worker->lock);
    g_cond_init(&worker->cond);
    worker->thread = g_thread_new("fractalvid-render", gst_fractal_vid_worker_loop, worker);
    *err = 0;
    return worker;
}

void gst_fractal_vid_worker_free(GstFractalVidWorker *worker)
{
    Done *d;

    if (!worker)
        return;

    g_mutex_lock(&worker->lock);
    worker->quit = TRUE;
    /* a clip being rendered is of no use now: stop it within a frame's lane */
    if (worker->renderer)
        fv_renderer_cancel(worker->renderer, 1);
    g_cond_broadcast(&worker->cond);
    g_mutex_unlock(&worker->lock);
    g_thread_join(worker->thread);

    while ((d = g_queue_pop_head(&worker->done))) {
        fv_clip_free(&d->clip);
        g_free(d->error);
        g_free(d);
    }
    fv_clip_free(&worker->spare);
    /* kept for the next stream when it is small: what its largest unit rendered needs */
    if (worker->renderer && worker->threads_open != G_MAXUINT && worker->held <= KEEP_MAX_BYTES)
        keep_renderer(worker->renderer, worker->threads_open, worker->held);
    else
        fv_renderer_close(&worker->renderer);
    worker->renderer = NULL;
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

guint gst_fractal_vid_auto_ahead(gboolean live, gdouble render_seconds, gdouble play_seconds)
{
    return live && play_seconds > 0 &&
                   render_seconds * GST_FRACTAL_VID_AUTO_DEEP_SHARE > play_seconds
               ? GST_FRACTAL_VID_AUTO_AHEAD_LIVE
               : GST_FRACTAL_VID_AUTO_AHEAD;
}

void gst_fractal_vid_worker_set_ahead(GstFractalVidWorker *worker, guint ahead)
{
    g_mutex_lock(&worker->lock);
    worker->ahead = CLAMP(ahead, 1, GST_FRACTAL_VID_MAX_AHEAD);
    g_cond_broadcast(&worker->cond);
    g_mutex_unlock(&worker->lock);
}

/* Ask for a unit unless it is waiting, being rendered or already asked for. The newest wish
 * wins: a different request still queued is dropped, and so are the speculative units. */
static void request_locked(GstFractalVidWorker *worker, const FvSettings *settings,
                           guint64 clip_index, guint frame, gboolean prefetch, guint64 until)
{
    Done *d = find_done_locked(worker, settings, clip_index, frame);
    Unit *claimed = NULL;

    if (d)
        claimed = &d->unit;
    else if (worker->busy && clip_key_equal(&worker->busy_unit.key, settings, clip_index, frame))
        claimed = &worker->busy_unit;
    if (claimed) {
        worker->have_request = FALSE;
        /* A speculative unit is now the one asked for; a fresh prefetch may go on from it. */
        claimed->prefetch = claimed->speculative ? prefetch : claimed->prefetch && prefetch;
        claimed->speculative = FALSE;
        if (prefetch) {
            claimed->until = until;
            /* The way goes on from the clips already rendered ahead of it, or from it when it
             * is rendered (one being rendered is followed when it is done). */
            if (worker->have_follow &&
                on_the_way(clip_index, until, worker->follow.key.clip_index) &&
                clip_key_equal(&worker->follow.key, settings, worker->follow.key.clip_index, frame))
                worker->follow.until = until;
            else if (d && d->result == 0 && frame == GST_FRACTAL_VID_WHOLE_CLIP)
                follow_locked(worker, &d->unit);
            /* The clip being rendered on the way (after the one followed) is followed when it
             * is done, with its own until: it goes as far now. */
            if (worker->busy && worker->busy_unit.speculative &&
                on_the_way(clip_index, until, worker->busy_unit.key.clip_index) &&
                clip_key_equal(&worker->busy_unit.key, settings, worker->busy_unit.key.clip_index,
                               frame))
                worker->busy_unit.until = until;
        }
        g_cond_broadcast(&worker->cond);
        return;
    }
    drop_speculation_locked(worker, NULL);
    if (!(worker->have_request &&
          clip_key_equal(&worker->request.key, settings, clip_index, frame))) {
        worker->request.key.settings = *settings;
        worker->request.key.clip_index = clip_index;
        worker->request.key.frame = frame;
        worker->request.speculative = FALSE;
        worker->have_request = TRUE;
        g_cond_broadcast(&worker->cond);
    }
    /* The unit being rendered is not the one wanted next (a seek, or settings changed):
     * stop it rather than make the wanted one wait for it. */
    if (worker->busy)
        fv_renderer_cancel(worker->renderer, 1);
    worker->request.prefetch = prefetch;
    worker->request.until = prefetch ? until : clip_index;
}

void gst_fractal_vid_worker_prefetch(GstFractalVidWorker *worker, const FvSettings *settings,
                                     guint64 clip_index, guint frame, gboolean fresh, guint64 until)
{
    g_mutex_lock(&worker->lock);
    request_locked(worker, settings, clip_index, frame, fresh, until);
    g_mutex_unlock(&worker->lock);
}

void gst_fractal_vid_worker_update_prefetch(GstFractalVidWorker *worker, const FvSettings *settings)
{
    const Unit *last = NULL;
    FvSettings updated;

    g_mutex_lock(&worker->lock);
    /* The prefetched unit is whichever is queued, being rendered or waiting, newest first;
     * a unit the element already waits for is left alone. */
    if (worker->have_request) {
        if (worker->request.prefetch)
            last = &worker->request;
    } else if (worker->busy && !worker->busy_unit.speculative) {
        if (worker->busy_unit.prefetch)
            last = &worker->busy_unit;
    } else {
        for (GList *l = worker->done.tail; l; l = l->prev) {
            const Done *d = l->data;

            if (d->unit.speculative)
                continue;
            if (d->unit.prefetch && d->result == 0)
                last = &d->unit;
            break;
        }
    }

    /* The clips rendered ahead with other settings are not the next clips any more. */
    drop_speculation_locked(worker, settings);
    if (last) {
        const Unit unit = *last;

        updated = *settings;
        updated.width = unit.key.settings.width;
        updated.height = unit.key.settings.height;
        request_locked(worker, &updated, unit.key.clip_index, unit.key.frame, TRUE, unit.until);
    }
    g_mutex_unlock(&worker->lock);
}

gint gst_fractal_vid_worker_take(GstFractalVidWorker *worker, const FvSettings *settings,
                                 guint64 clip_index, guint frame, FvClip **clip, gdouble *seconds,
                                 gdouble *waited)
{
    const gint64 started = g_get_monotonic_time();
    gint result;
    Done *d;

    g_mutex_lock(&worker->lock);
    for (;;) {
        if (worker->flushing) {
            result = -ECANCELED;
            break;
        }
        if ((d = find_done_locked(worker, settings, clip_index, frame))) {
            Done *older;

            /* Units before it are passed over for good. */
            while ((older = g_queue_peek_head(&worker->done)) != d) {
                g_queue_pop_head(&worker->done);
                drop_done_locked(worker, older);
            }
            g_queue_pop_head(&worker->done);
            /* A failed render is handed over once; asking again renders again. */
            result = d->result;
            g_free(worker->taken_error);
            worker->taken_error = d->error;
            *seconds = d->seconds;
            *clip = d->clip;
            g_free(d);
            /* room in the queue: the worker may go on ahead */
            g_cond_broadcast(&worker->cond);
            break;
        }
        request_locked(worker, settings, clip_index, frame, FALSE, clip_index);
        g_cond_wait(&worker->cond, &worker->lock);
    }
    g_mutex_unlock(&worker->lock);
    *waited = (g_get_monotonic_time() - started) / 1e6;
    return result;
}

GstFractalVidUnitState gst_fractal_vid_worker_find(GstFractalVidWorker *worker,
                                                   const FvSettings *settings, guint64 clip_index,
                                                   guint frame, gdouble *elapsed)
{
    GstFractalVidUnitState state = GST_FRACTAL_VID_UNIT_ABSENT;

    g_mutex_lock(&worker->lock);
    if (find_done_locked(worker, settings, clip_index, frame)) {
        state = GST_FRACTAL_VID_UNIT_READY;
    } else if (worker->busy &&
               clip_key_equal(&worker->busy_unit.key, settings, clip_index, frame)) {
        state = GST_FRACTAL_VID_UNIT_RENDERING;
        *elapsed = (g_get_monotonic_time() - worker->busy_since) / 1e6;
    }
    g_mutex_unlock(&worker->lock);
    return state;
}

gboolean gst_fractal_vid_worker_wait_idle(GstFractalVidWorker *worker, gint64 end_time,
                                          gboolean ahead)
{
    gboolean idle;

    /* The loop holds the lock from one unit's end to the next one's start, so busy is never
     * seen false between two clips rendered ahead. */
    g_mutex_lock(&worker->lock);
    while (!(idle = !worker->have_request &&
                    !(worker->busy && (ahead || !worker->busy_unit.speculative))) &&
           !worker->flushing)
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
    keep_spare_locked(worker, clip);
    g_mutex_unlock(&worker->lock);
}

void gst_fractal_vid_worker_set_flushing(GstFractalVidWorker *worker, gboolean flushing)
{
    g_mutex_lock(&worker->lock);
    worker->flushing = flushing;
    g_cond_broadcast(&worker->cond);
    g_mutex_unlock(&worker->lock);
}
