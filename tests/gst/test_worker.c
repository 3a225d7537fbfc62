/* The render-ahead worker of fractalvidsrc (gst/gstfractalvidworker.c): whole clips are
 * rendered ahead up to its depth while nobody consumes them, bit-identical to the clips
 * asked for; a request elsewhere (a seek) or new properties drop what was rendered ahead;
 * taking a clip passes over the older ones; backwards play renders backwards; depth 1 renders
 * only the clip asked for. Waits poll the worker's state, never a wall-clock speed. */
#include <gst/check/gstcheck.h>

#include "fvtest.h"
#include "gstfractalvidworker.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define WHOLE GST_FRACTAL_VID_WHOLE_CLIP

static FvSettings small_settings(guint64 seed)
{
    FvSettings s = fv_test_settings(3, seed, 48, 32, 1.0);

    s.clip_frames = 6;
    return s;
}

static GstFractalVidUnitState state_of(GstFractalVidWorker *worker, const FvSettings *s,
                                       guint64 clip_index)
{
    gdouble elapsed = 0;

    return gst_fractal_vid_worker_find(worker, s, clip_index, WHOLE, &elapsed);
}

/* Wait until clip clip_index of s is rendered and waiting (fails after FV_TEST_TIMEOUT). */
static void wait_ready(GstFractalVidWorker *worker, const FvSettings *s, guint64 clip_index)
{
    const gint64 end = g_get_monotonic_time() + FV_TEST_TIMEOUT / GST_USECOND;

    while (state_of(worker, s, clip_index) != GST_FRACTAL_VID_UNIT_READY) {
        fail_unless(g_get_monotonic_time() < end, "clip %" G_GUINT64_FORMAT " never rendered",
                    clip_index);
        g_usleep(2000);
    }
}

/* Let the worker run for a while (it must do nothing meanwhile: nothing is asserted on the
 * time itself). */
static void let_it_run(void)
{
    g_usleep(300000);
}

/* Take clip clip_index of s and check it against reference (the core's, rendered before),
 * pixel for pixel; frees reference. */
static void take_and_check_against(GstFractalVidWorker *worker, const FvSettings *s,
                                   guint64 clip_index, FvClip *reference)
{
    FvClip *clip = NULL;
    const FvClipInfo *info;
    gdouble seconds = 0, waited = 0;

    fail_unless_equals_int(
        gst_fractal_vid_worker_take(worker, s, clip_index, WHOLE, &clip, &seconds, &waited), 0);
    info = fv_clip_info(clip);
    fail_unless_equals_uint64(info->clip_index, clip_index);
    fail_unless_equals_int(info->frames, fv_clip_info(reference)->frames);
    for (guint f = 0; f < info->frames; f++) {
        guint8 *got = fv_test_gray8(clip, f), *want = fv_test_gray8(reference, f);

        fail_unless(memcmp(got, want, (gsize)s->width * s->height) == 0,
                    "clip %" G_GUINT64_FORMAT " frame %u differs", clip_index, f);
        g_free(got);
        g_free(want);
    }
    gst_fractal_vid_worker_give_back(worker, clip);
    fv_clip_free(&reference);
}

/* Take clip clip_index of s and check it is the core's, pixel for pixel. */
static void take_and_check(GstFractalVidWorker *worker, const FvSettings *s, guint64 clip_index)
{
    take_and_check_against(worker, s, clip_index, fv_test_render(s, clip_index));
}

/* Ask for clip clip_index of s alone (nothing after it), take it and check it */
static void render_and_check(GstFractalVidWorker *worker, const FvSettings *s, guint64 clip_index)
{
    gst_fractal_vid_worker_prefetch(worker, s, clip_index, WHOLE, TRUE, clip_index);
    take_and_check(worker, s, clip_index);
}

static GstFractalVidWorker *new_worker(guint ahead)
{
    gint err = -1;
    GstFractalVidWorker *worker = gst_fractal_vid_worker_new(1, ahead, &err);

    fail_unless(worker != NULL);
    fail_unless_equals_int(err, 0);
    return worker;
}

/* The element plays clip 0 and asks for clip 1 ahead: the worker renders clips 1 and 2 (its
 * depth) and no more while nobody takes them, and each clip is the one asked for. */
GST_START_TEST(test_two_clips_are_rendered_ahead_while_nobody_consumes)
{
    GstFractalVidWorker *worker = new_worker(2);
    const FvSettings s = small_settings(1);

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 1);
    wait_ready(worker, &s, 0);
    take_and_check(worker, &s, 0);
    /* the way goes on to clip 9, the depth stops it at clip 2 */
    gst_fractal_vid_worker_prefetch(worker, &s, 1, WHOLE, TRUE, 9);
    wait_ready(worker, &s, 1);
    wait_ready(worker, &s, 2);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 3), GST_FRACTAL_VID_UNIT_ABSENT);

    /* clip 1 taken: room for clip 3 */
    take_and_check(worker, &s, 1);
    wait_ready(worker, &s, 3);
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_READY);
    take_and_check(worker, &s, 2);
    take_and_check(worker, &s, 3);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Waiting for the worker with ahead returns once the clips rendered ahead are there too (the
 * queue full: the clip asked for and two more at depth 3); without it, once the clip asked for
 * is. */
GST_START_TEST(test_waiting_with_ahead_waits_for_the_clips_rendered_ahead)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings s = small_settings(4);
    const gint64 end = g_get_monotonic_time() + FV_TEST_TIMEOUT / GST_USECOND;

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 9);
    fail_unless(gst_fractal_vid_worker_wait_idle(worker, end, FALSE));
    fail_unless_equals_int(state_of(worker, &s, 0), GST_FRACTAL_VID_UNIT_READY);
    fail_unless(gst_fractal_vid_worker_wait_idle(worker, end, TRUE));
    fail_unless_equals_int(state_of(worker, &s, 1), GST_FRACTAL_VID_UNIT_READY);
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_READY);
    fail_unless_equals_int(state_of(worker, &s, 3), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 0);
    take_and_check(worker, &s, 1);
    take_and_check(worker, &s, 2);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Clips are rendered ahead only toward until: not past the stream's end. */
GST_START_TEST(test_clips_ahead_stop_at_until)
{
    GstFractalVidWorker *worker = new_worker(4);
    const FvSettings s = small_settings(2);

    gst_fractal_vid_worker_prefetch(worker, &s, 5, WHOLE, TRUE, 6);
    wait_ready(worker, &s, 6);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 7), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 5);
    take_and_check(worker, &s, 6);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* A seek (a request for a clip not rendered ahead) drops the clips rendered ahead at once and
 * gets the clip it asks for. */
GST_START_TEST(test_a_request_elsewhere_drops_the_clips_rendered_ahead)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings s = small_settings(3);

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 5);
    wait_ready(worker, &s, 2);
    gst_fractal_vid_worker_prefetch(worker, &s, 40, WHOLE, TRUE, 41);
    fail_unless_equals_int(state_of(worker, &s, 1), GST_FRACTAL_VID_UNIT_ABSENT);
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 40);
    wait_ready(worker, &s, 41);
    take_and_check(worker, &s, 41);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* New properties while clips wait ahead: the clip asked for is redone with them, the clips
 * rendered ahead with the old ones are dropped, and those after it come with the new ones. */
GST_START_TEST(test_new_properties_drop_the_clips_rendered_ahead)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings old = small_settings(4);
    FvSettings now = small_settings(5);

    now.motion = FV_MOTION_LINEAR;
    gst_fractal_vid_worker_prefetch(worker, &old, 1, WHOLE, TRUE, 9);
    wait_ready(worker, &old, 3);
    gst_fractal_vid_worker_update_prefetch(worker, &now);
    fail_unless_equals_int(state_of(worker, &old, 2), GST_FRACTAL_VID_UNIT_ABSENT);
    fail_unless_equals_int(state_of(worker, &old, 3), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &now, 1);
    wait_ready(worker, &now, 3);
    take_and_check(worker, &now, 2);
    take_and_check(worker, &now, 3);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Taking a clip further on (a late live stream skipping) passes over the older ones; the
 * clips after it stay. */
GST_START_TEST(test_taking_a_later_clip_passes_over_older_ones)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings s = small_settings(6);

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 2);
    wait_ready(worker, &s, 2);
    take_and_check(worker, &s, 1);
    fail_unless_equals_int(state_of(worker, &s, 0), GST_FRACTAL_VID_UNIT_ABSENT);
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_READY);
    take_and_check(worker, &s, 2);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Playing backwards: the clips before the one asked for are rendered ahead. */
GST_START_TEST(test_backwards_renders_the_clips_before)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings s = small_settings(7);

    gst_fractal_vid_worker_prefetch(worker, &s, 5, WHOLE, TRUE, 3);
    wait_ready(worker, &s, 3);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 6), GST_FRACTAL_VID_UNIT_ABSENT);
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 5);
    take_and_check(worker, &s, 4);
    take_and_check(worker, &s, 3);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Depth 1 (render-ahead=1): one clip waits at most, as a single slot. */
GST_START_TEST(test_depth_one_keeps_one_clip_waiting)
{
    GstFractalVidWorker *worker = new_worker(1);
    const FvSettings s = small_settings(8);

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 9);
    wait_ready(worker, &s, 0);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 1), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 0);
    /* clip 0 plays: room for one clip */
    wait_ready(worker, &s, 1);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 2), GST_FRACTAL_VID_UNIT_ABSENT);
    /* deeper from now on */
    gst_fractal_vid_worker_set_ahead(worker, 2);
    wait_ready(worker, &s, 2);
    take_and_check(worker, &s, 1);
    take_and_check(worker, &s, 2);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* The element asks for the next clip (rendered ahead already) with a further until while the
 * clip after it is being rendered on the worker's own: when that one is done, the way goes on
 * to the new until (it once stopped at the old one, so the queue ran shallower than its depth
 * whenever a clip was taken during a render ahead: most of the time in a live stream). */
GST_START_TEST(test_a_further_until_reaches_the_clip_being_rendered_ahead)
{
    gboolean seen = FALSE;

    /* the window: clip 1 done, clip 2 being rendered; a few tries (a fresh worker each) in
     * case a render is over before the test looks: bigger and longer clips than the other
     * tests', so each takes a while. Clip 0's reference is rendered before the worker starts:
     * rendered while the worker rendered clips 1 and 2, it could take longer than both (a
     * CI run with the suite's tests side by side found clip 2 done in all ten tries). */
    for (guint64 seed = 20; seed < 30 && !seen; seed++) {
        FvSettings s = fv_test_settings(3, seed, 384, 384, FV_DEFAULT_DENSITY);
        FvClip *reference = NULL;
        GstFractalVidWorker *worker = NULL;

        s.clip_frames = 12;
        reference = fv_test_render(&s, 0);
        worker = new_worker(3);
        gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 2);
        wait_ready(worker, &s, 0);
        take_and_check_against(worker, &s, 0, reference);
        wait_ready(worker, &s, 1);
        if (state_of(worker, &s, 2) == GST_FRACTAL_VID_UNIT_RENDERING) {
            /* clip 1 is taken next: clips up to 3 may be rendered ahead now */
            gst_fractal_vid_worker_prefetch(worker, &s, 1, WHOLE, TRUE, 3);
            seen = state_of(worker, &s, 2) == GST_FRACTAL_VID_UNIT_RENDERING;
            wait_ready(worker, &s, 2);
            if (seen)
                wait_ready(worker, &s, 3);
        }
        gst_fractal_vid_worker_free(worker);
    }
    fail_unless(seen, "never caught clip 2 being rendered");
}

GST_END_TEST;

/* The way followed anew from a clip with clips after it already rendered (the element asks
 * for the next clip with a further until once the worker has reached the old one) goes on
 * past them: the worker once stopped at the first one there, idle with room in its queue
 * until the element had taken up to it. */
GST_START_TEST(test_the_way_goes_on_past_the_clips_already_there)
{
    GstFractalVidWorker *worker = new_worker(4);
    const FvSettings s = small_settings(5);

    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 2);
    wait_ready(worker, &s, 0);
    wait_ready(worker, &s, 1);
    wait_ready(worker, &s, 2);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 3), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 0);
    /* clip 0 plays: clip 1 asked for next, clips up to 4 may be rendered ahead */
    gst_fractal_vid_worker_prefetch(worker, &s, 1, WHOLE, TRUE, 4);
    wait_ready(worker, &s, 3);
    wait_ready(worker, &s, 4);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 5), GST_FRACTAL_VID_UNIT_ABSENT);
    for (guint64 k = 1; k <= 4; k++)
        take_and_check(worker, &s, k);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* render-ahead=0: two clips ahead, four for a live stream whose clips take more than a
 * quarter of their play time to render (strictly), two while that is not known. */
GST_START_TEST(test_auto_depth_is_four_for_slow_live_clips_only)
{
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0.55, 0.667), 4);
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 1.4, 0.6), 4);
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0.251, 1.0), 4);
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0.25, 1.0), 2);
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0.03, 1.667), 2);
    /* not live: no play time to keep up with */
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(FALSE, 1.4, 0.6), 2);
    /* nothing measured yet */
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0, 0.667), 2);
    fail_unless_equals_int(gst_fractal_vid_auto_ahead(TRUE, 0.5, 0), 2);
}

GST_END_TEST;

/* Frames rendered alone (normalization=frame) and units the element waits for are never
 * followed by renders of its own. */
GST_START_TEST(test_frames_and_units_waited_for_are_not_followed)
{
    GstFractalVidWorker *worker = new_worker(3);
    FvSettings s = small_settings(9);
    FvClip *clip = NULL;
    gdouble seconds, waited;

    s.normalization = FV_NORMALIZATION_FRAME;
    gst_fractal_vid_worker_prefetch(worker, &s, 0, 2, FALSE, 0);
    fail_unless_equals_int(gst_fractal_vid_worker_take(worker, &s, 0, 2, &clip, &seconds, &waited),
                           0);
    fail_unless_equals_int(fv_clip_info(clip)->first_frame, 2);
    gst_fractal_vid_worker_give_back(worker, clip);
    s.normalization = FV_NORMALIZATION_CLIP;
    /* asked for ahead, but not as a fresh prefetch (the element's same clip) */
    gst_fractal_vid_worker_prefetch(worker, &s, 4, WHOLE, FALSE, 9);
    wait_ready(worker, &s, 4);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 5), GST_FRACTAL_VID_UNIT_ABSENT);
    take_and_check(worker, &s, 4);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 5), GST_FRACTAL_VID_UNIT_ABSENT);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Flushing: take returns at once; nothing is rendered ahead meanwhile; afterwards it goes on. */
GST_START_TEST(test_flushing_stops_rendering_ahead)
{
    GstFractalVidWorker *worker = new_worker(3);
    const FvSettings s = small_settings(10);
    FvClip *clip = NULL;
    gdouble seconds, waited;

    gst_fractal_vid_worker_set_flushing(worker, TRUE);
    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 5);
    fail_unless_equals_int(
        gst_fractal_vid_worker_take(worker, &s, 0, WHOLE, &clip, &seconds, &waited), -ECANCELED);
    /* the clip asked for is rendered all the same, to be taken later */
    wait_ready(worker, &s, 0);
    let_it_run();
    fail_unless_equals_int(state_of(worker, &s, 1), GST_FRACTAL_VID_UNIT_ABSENT);
    gst_fractal_vid_worker_set_flushing(worker, FALSE);
    wait_ready(worker, &s, 2);
    take_and_check(worker, &s, 0);
    gst_fractal_vid_worker_free(worker);
}

GST_END_TEST;

/* Wait until no freed worker's renderer is kept (fails after FV_TEST_TIMEOUT). */
static void wait_none_kept(void)
{
    const gint64 end = g_get_monotonic_time() + FV_TEST_TIMEOUT / GST_USECOND;

    while (gst_fractal_vid_worker_kept()) {
        fail_unless(g_get_monotonic_time() < end, "the kept renderer was never closed");
        g_usleep(2000);
    }
}

/* A freed worker's renderer renders the next worker's clips (no threads started, no memory
 * mapped anew): the same pixels; one kept at most, taken by one worker only. */
GST_START_TEST(test_a_freed_workers_renderer_serves_the_next_worker)
{
    const FvSettings s = small_settings(3);
    GstFractalVidWorker *first, *second, *third;

    gst_fractal_vid_worker_set_keep(60);
    first = new_worker(1);
    fail_if(gst_fractal_vid_worker_kept());
    render_and_check(first, &s, 0);
    gst_fractal_vid_worker_free(first);
    fail_unless(gst_fractal_vid_worker_kept());

    second = new_worker(1);
    fail_unless(gst_fractal_vid_worker_reused(second));
    fail_if(gst_fractal_vid_worker_kept());
    /* the clip it rendered before and others, each the core's */
    for (guint64 clip = 0; clip < 3; clip++)
        render_and_check(second, &s, clip);
    third = new_worker(1); /* nothing kept while the second renders */
    fail_if(gst_fractal_vid_worker_reused(third));
    render_and_check(third, &s, 1);
    gst_fractal_vid_worker_free(second);
    gst_fractal_vid_worker_free(third); /* kept instead of the second's, which is closed */
    fail_unless(gst_fractal_vid_worker_kept());
    gst_fractal_vid_worker_set_keep(0);
    wait_none_kept();
}

GST_END_TEST;

/* A worker of other threads does not take the kept renderer: it closes it before it opens
 * its own, so what is kept never adds to a new stream's memory. */
GST_START_TEST(test_a_kept_renderer_of_other_threads_is_closed)
{
    const FvSettings s = small_settings(4);
    GstFractalVidWorker *one, *two;
    gint err = -1;

    gst_fractal_vid_worker_set_keep(60);
    one = new_worker(1);
    gst_fractal_vid_worker_free(one);
    fail_unless(gst_fractal_vid_worker_kept());
    two = gst_fractal_vid_worker_new(2, 1, &err);
    fail_unless(two != NULL);
    fail_if(gst_fractal_vid_worker_reused(two));
    fail_if(gst_fractal_vid_worker_kept());
    render_and_check(two, &s, 0);
    gst_fractal_vid_worker_free(two);
    fail_unless(gst_fractal_vid_worker_kept());
    one = new_worker(1);
    fail_if(gst_fractal_vid_worker_reused(one));
    fail_if(gst_fractal_vid_worker_kept());
    gst_fractal_vid_worker_free(one);
    gst_fractal_vid_worker_set_keep(0);
    wait_none_kept();
}

GST_END_TEST;

/* The kept renderer is closed once its time has passed, not before; a worker after that
 * opens its own. */
GST_START_TEST(test_the_kept_renderer_is_closed_after_its_time)
{
    const FvSettings s = small_settings(5);
    GstFractalVidWorker *worker;
    gint64 freed;

    gst_fractal_vid_worker_set_keep(0.5);
    worker = new_worker(1);
    render_and_check(worker, &s, 0);
    gst_fractal_vid_worker_free(worker);
    freed = g_get_monotonic_time();
    fail_unless(gst_fractal_vid_worker_kept());
    wait_none_kept();
    fail_unless(g_get_monotonic_time() - freed >= 400000, "closed after %" G_GINT64_FORMAT " us",
                g_get_monotonic_time() - freed);
    worker = new_worker(1);
    fail_if(gst_fractal_vid_worker_reused(worker));
    gst_fractal_vid_worker_free(worker);
    gst_fractal_vid_worker_set_keep(0);
    wait_none_kept();
}

GST_END_TEST;

/* A child of fork() (a training loader's worker processes, say) has none of the kept
 * renderer's threads: it opens its own, and renders the core's clip; the parent keeps its. */
GST_START_TEST(test_a_forked_child_does_not_take_the_kept_renderer)
{
    const FvSettings s = small_settings(7);
    GstFractalVidWorker *worker;
    gint status = -1;
    pid_t child;

#ifdef FV_TEST_UNDER_TSAN
    g_print("skipped under ThreadSanitizer (it cannot follow a fork once there are threads)\n");
    return;
#endif
    gst_fractal_vid_worker_set_keep(60);
    worker = new_worker(1);
    gst_fractal_vid_worker_free(worker);
    fail_unless(gst_fractal_vid_worker_kept());
    child = fork();
    fail_if(child < 0);
    if (child == 0) {
        /* no check macros here: exit codes name what failed */
        FvClip *clip = NULL, *reference = fv_test_render(&s, 0);
        gdouble seconds = 0, waited = 0;
        gint err = -1;

        if (gst_fractal_vid_worker_kept())
            _exit(2);
        worker = gst_fractal_vid_worker_new(1, 1, &err);
        if (!worker || gst_fractal_vid_worker_reused(worker))
            _exit(3);
        gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 0);
        if (gst_fractal_vid_worker_take(worker, &s, 0, WHOLE, &clip, &seconds, &waited) != 0)
            _exit(4);
        for (guint f = 0; f < fv_clip_info(reference)->frames; f++) {
            guint8 *got = fv_test_gray8(clip, f), *want = fv_test_gray8(reference, f);

            if (memcmp(got, want, (gsize)s.width * s.height) != 0)
                _exit(5);
            g_free(got);
            g_free(want);
        }
        gst_fractal_vid_worker_give_back(worker, clip);
        gst_fractal_vid_worker_free(worker); /* kept in the child, by a reaper of its own */
        if (!gst_fractal_vid_worker_kept())
            _exit(6);
        _exit(0);
    }
    fail_unless_equals_int(waitpid(child, &status, 0), child);
    fail_unless(WIFEXITED(status), "the child did not exit");
    fail_unless_equals_int(WEXITSTATUS(status), 0);
    fail_unless(gst_fractal_vid_worker_kept());
    worker = new_worker(1);
    fail_unless(gst_fractal_vid_worker_reused(worker));
    gst_fractal_vid_worker_free(worker);
    gst_fractal_vid_worker_set_keep(0);
    wait_none_kept();
}

GST_END_TEST;

static gpointer do_nothing(gpointer data)
{
    return data;
}

/* fork() right as a stream stops, the keep thread then starting: the child can allocate and
 * start threads, every time. (Under AddressSanitizer, whose runtime in GCC 12 does not
 * prepare its allocator for fork(), a child forked while that thread allocated waited for ever
 * on the lock it held.) A child still running after 30 s is killed and named. */
GST_START_TEST(test_a_fork_as_a_stream_stops_gives_a_working_child)
{
#ifdef FV_TEST_UNDER_TSAN
    g_print("skipped under ThreadSanitizer (it cannot follow a fork once there are threads)\n");
    return;
#endif
    for (guint round = 0; round < 20; round++) {
        GstFractalVidWorker *worker;
        gint status = -1;
        pid_t child, got = 0;
        gint64 end;

        gst_fractal_vid_worker_set_keep(60);
        worker = new_worker(1);
        gst_fractal_vid_worker_free(worker); /* the keep thread starts */
        child = fork();
        fail_if(child < 0);
        if (child == 0) {
            gpointer block = g_malloc(8192);
            GThread *t = g_thread_new("child", do_nothing, block);

            g_free(g_thread_join(t));
            _exit(0);
        }
        end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
        while ((got = waitpid(child, &status, WNOHANG)) == 0 && g_get_monotonic_time() < end)
            g_usleep(1000);
        if (got == 0) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
        }
        fail_unless(got == child, "round %u: the child forked as a stream stopped hung", round);
        fail_unless(WIFEXITED(status) && WEXITSTATUS(status) == 0, "round %u: the child failed",
                    round);
        gst_fractal_vid_worker_set_keep(0);
        wait_none_kept();
    }
}

GST_END_TEST;

/* A renderer that holds more than 64 MiB (for a 2048x2048 clip of 6 frames) is closed, not
 * kept, even when its last clip was a small one: it holds what its largest clip needed. */
GST_START_TEST(test_a_big_renderer_is_not_kept)
{
    FvSettings s = fv_test_settings(3, 6, 2048, 2048, 0.01), small;
    GstFractalVidWorker *worker;
    FvClip *clip = NULL;
    gdouble seconds = 0, waited = 0;

    s.clip_frames = 6;
    fail_unless(fv_render_memory_need(&s, 1, 1) > ((guint64)64 << 20));
    gst_fractal_vid_worker_set_keep(60);
    worker = new_worker(1);
    gst_fractal_vid_worker_prefetch(worker, &s, 0, WHOLE, TRUE, 0);
    fail_unless_equals_int(
        gst_fractal_vid_worker_take(worker, &s, 0, WHOLE, &clip, &seconds, &waited), 0);
    gst_fractal_vid_worker_give_back(worker, clip);
    small = small_settings(8);
    render_and_check(worker, &small, 0);
    gst_fractal_vid_worker_free(worker);
    fail_if(gst_fractal_vid_worker_kept());
    gst_fractal_vid_worker_set_keep(0);
}

GST_END_TEST;

static Suite *worker_suite(void)
{
    Suite *s = suite_create("fractalvidworker");
    TCase *tc = tcase_create("worker");

    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_two_clips_are_rendered_ahead_while_nobody_consumes);
    tcase_add_test(tc, test_clips_ahead_stop_at_until);
    tcase_add_test(tc, test_waiting_with_ahead_waits_for_the_clips_rendered_ahead);
    tcase_add_test(tc, test_a_request_elsewhere_drops_the_clips_rendered_ahead);
    tcase_add_test(tc, test_new_properties_drop_the_clips_rendered_ahead);
    tcase_add_test(tc, test_taking_a_later_clip_passes_over_older_ones);
    tcase_add_test(tc, test_backwards_renders_the_clips_before);
    tcase_add_test(tc, test_depth_one_keeps_one_clip_waiting);
    tcase_add_test(tc, test_auto_depth_is_four_for_slow_live_clips_only);
    tcase_add_test(tc, test_the_way_goes_on_past_the_clips_already_there);
    tcase_add_test(tc, test_a_further_until_reaches_the_clip_being_rendered_ahead);
    tcase_add_test(tc, test_frames_and_units_waited_for_are_not_followed);
    tcase_add_test(tc, test_flushing_stops_rendering_ahead);
    tcase_add_test(tc, test_a_freed_workers_renderer_serves_the_next_worker);
    tcase_add_test(tc, test_a_kept_renderer_of_other_threads_is_closed);
    tcase_add_test(tc, test_the_kept_renderer_is_closed_after_its_time);
    tcase_add_test(tc, test_a_big_renderer_is_not_kept);
    tcase_add_test(tc, test_a_forked_child_does_not_take_the_kept_renderer);
    tcase_add_test(tc, test_a_fork_as_a_stream_stops_gives_a_working_child);
    return s;
}

GST_CHECK_MAIN(worker);
