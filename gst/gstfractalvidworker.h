/* fractalvid: render-ahead worker of fractalvidsrc.
 *
 * Under the clip's normalization a clip's first frame needs the whole clip's maximum (G8), so
 * a clip is rendered in one go; under the frame normalization each frame is rendered alone.
 * The worker renders these units on its own thread (with the core's thread pool behind it),
 * so the next unit is being rendered while the element plays the current one. Whole clips go
 * further: once the clip asked for is done, the worker renders the clips after it with the
 * same settings, up to a depth, so time a quick clip leaves over is spent on the ones after
 * it (a clip's frames depend only on its settings and index). It knows nothing of GStreamer:
 * the element asks for units by (settings, clip index, frame) and gets them back. */
#ifndef GST_FRACTAL_VID_WORKER_H
#define GST_FRACTAL_VID_WORKER_H

#include <glib.h>

#include "fractalvid.h"

G_BEGIN_DECLS

typedef struct _GstFractalVidWorker GstFractalVidWorker;

/* The frame of a unit that is a whole clip. */
#define GST_FRACTAL_VID_WHOLE_CLIP G_MAXUINT

/* Start a worker whose renderer uses threads threads (0 = one per core) and renders up to
 * ahead whole clips ahead (see gst_fractal_vid_worker_set_ahead). NULL and *err set to a
 * negative errno when the renderer cannot be opened. Its memory budget counts two units
 * (clips, or frames rendered alone) for the unit asked for: the one the element plays and
 * that one; a clip rendered further ahead counts 1 + ahead, and one that does not fit is
 * not rendered (a deeper queue never fails a render that fits two). */
GstFractalVidWorker *gst_fractal_vid_worker_new(guint threads, guint ahead, gint *err);

/* Most clips rendered ahead of the one the element plays, 1..GST_FRACTAL_VID_MAX_AHEAD (1:
 * only the clip asked for). From the next render on. */
void gst_fractal_vid_worker_set_ahead(GstFractalVidWorker *worker, guint ahead);
#define GST_FRACTAL_VID_MAX_AHEAD (FV_MAX_BUDGET_CLIPS - 1)

/* render-ahead=0 (automatic): the clips rendered ahead, GST_FRACTAL_VID_AUTO_AHEAD, or
 * GST_FRACTAL_VID_AUTO_AHEAD_LIVE for a live stream whose clips take more than
 * 1 / GST_FRACTAL_VID_AUTO_DEEP_SHARE of their play time to render (render_seconds, a mean of
 * the renders after a stream's first, against play_seconds, a clip's play time; 0 when not
 * known yet). There a clip of a slow variation takes longer to render than to play (class=-1
 * at 1280x720: popcorn 1.1-1.5 s a clip against 0.6 s of play, linear 0.25-0.35 s), and the
 * clips rendered ahead are the slack that absorbs a run of them: in the live benchmark's
 * minute on a 2-core Xeon, alternated runs skipped 1, 58 and 0 frames with 4 ahead (the
 * worker mended), 84, 59 and 273 with 2 (a model of its 90 clips gave no fewer with more than
 * 4). A stream whose clips render quickly needs no such slack and keeps its memory. */
#define GST_FRACTAL_VID_AUTO_AHEAD 2
#define GST_FRACTAL_VID_AUTO_AHEAD_LIVE 4
#define GST_FRACTAL_VID_AUTO_DEEP_SHARE 4
guint gst_fractal_vid_auto_ahead(gboolean live, gdouble render_seconds, gdouble play_seconds);

/* Stop the thread (waiting for a clip being rendered) and free everything; NULL is allowed.
 * Its renderer is kept for the next worker of the process with the same threads, for
 * GST_FRACTAL_VID_KEEP_SECONDS (gst_fractal_vid_worker_set_keep), when what it holds for
 * the largest unit it rendered is at most 64 MiB (20-frame 256x256 clips: 12 MiB); a worker opening a
 * renderer of other threads closes it. One renderer is kept at most. */
void gst_fractal_vid_worker_free(GstFractalVidWorker *worker);
#define GST_FRACTAL_VID_KEEP_SECONDS 10

/* How long a freed worker's renderer is kept from now on (0: not kept; the one kept now is
 * closed within seconds). Process-wide. */
void gst_fractal_vid_worker_set_keep(gdouble seconds);

/* TRUE while a freed worker's renderer is kept. */
gboolean gst_fractal_vid_worker_kept(void);

/* TRUE when the worker renders with a freed worker's renderer, kept. */
gboolean gst_fractal_vid_worker_reused(GstFractalVidWorker *worker);

/* Rendering threads for the next clip rendered (pixels do not depend on it, E5). */
void gst_fractal_vid_worker_set_threads(GstFractalVidWorker *worker, guint threads);

/* Ask for frame frame (GST_FRACTAL_VID_WHOLE_CLIP: every frame) of clip clip_index of
 * settings to be rendered in the background, replacing any earlier request that has not
 * started; clips rendered ahead that are not this one are dropped (a render of one under way
 * is cancelled). fresh: the settings are the properties of now, and may be updated by
 * gst_fractal_vid_worker_update_prefetch(); then, for a whole clip, the worker goes on to
 * the clips after it, one by one toward clip until (below clip_index: backwards; equal: none)
 * while fewer clips than the depth wait. A hint: gst_fractal_vid_worker_take() is exact. */
void gst_fractal_vid_worker_prefetch(GstFractalVidWorker *worker, const FvSettings *settings,
                                     guint64 clip_index, guint frame, gboolean fresh,
                                     guint64 until);

/* The rendering properties changed: redo the pending fresh prefetch, if any, with settings
 * (its clip index, frame, width and height are kept); clips rendered further ahead with
 * other settings are dropped. */
void gst_fractal_vid_worker_update_prefetch(GstFractalVidWorker *worker,
                                            const FvSettings *settings);

/* Wait for frame frame (or GST_FRACTAL_VID_WHOLE_CLIP) of clip clip_index of settings and
 * hand it over in *clip (the caller owns it until it gives it back); units rendered before it
 * are dropped, those after it kept. Returns 0, -ECANCELED when flushing, or the core's
 * negative errno. *seconds is set to the wall time the render took, *waited to the time this
 * call waited for it. */
gint gst_fractal_vid_worker_take(GstFractalVidWorker *worker, const FvSettings *settings,
                                 guint64 clip_index, guint frame, FvClip **clip, gdouble *seconds,
                                 gdouble *waited);

/* Where a unit stands: rendered and waiting to be taken, being rendered (*elapsed set to the
 * seconds it has taken so far), or neither. */
typedef enum {
    GST_FRACTAL_VID_UNIT_ABSENT,
    GST_FRACTAL_VID_UNIT_RENDERING,
    GST_FRACTAL_VID_UNIT_READY,
} GstFractalVidUnitState;

GstFractalVidUnitState gst_fractal_vid_worker_find(GstFractalVidWorker *worker,
                                                   const FvSettings *settings, guint64 clip_index,
                                                   guint frame, gdouble *elapsed);

/* Wait until nothing is asked for or being rendered but clips rendered ahead on the worker's
 * own initiative (what was asked is then done), flushing is set, or the monotonic time
 * end_time passes. With ahead, wait for those too: until the worker has nothing left to do
 * (its queue of clips rendered ahead is full, or the stream ends, or the next clip does not
 * fit in memory). TRUE when idle. */
gboolean gst_fractal_vid_worker_wait_idle(GstFractalVidWorker *worker, gint64 end_time,
                                          gboolean ahead);

/* Why the last failed gst_fractal_vid_worker_take() failed, in the renderer's words (e.g.
 * the memory a clip needs and the limit it passes); NULL if unknown. g_free it. */
gchar *gst_fractal_vid_worker_error(GstFractalVidWorker *worker);

/* Give back a clip from gst_fractal_vid_worker_take(), so its storage is reused. */
void gst_fractal_vid_worker_give_back(GstFractalVidWorker *worker, FvClip *clip);

/* While flushing, gst_fractal_vid_worker_take() returns -ECANCELED at once. A unit being
 * rendered is finished all the same, to be taken later, unless another unit is asked for (or
 * the worker is freed), which cancels it. */
void gst_fractal_vid_worker_set_flushing(GstFractalVidWorker *worker, gboolean flushing);

/* TRUE when both settings render the same pixels (field by field: no padding compared). */
gboolean gst_fractal_vid_settings_equal(const FvSettings *a, const FvSettings *b);

G_END_DECLS

#endif
