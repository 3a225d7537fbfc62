/* The first frame of a new 256x256 stream (class -1) from a fresh renderer, as the speed
 * benchmarks time it (tests/core/bench.c, tests/gst/bench_element.c): from opening the
 * renderer to frame 0 of clip 0 of seed, under the clip's normalization the whole clip, under
 * the frame's the clip drawn and framed and one frame rendered. The first call of a process
 * also measures the kernels' speeds. 0 and *ms set, or nonzero on failure. */
#ifndef FV_BENCH_FIRST_FRAME_H
#define FV_BENCH_FIRST_FRAME_H

#include "fractalvid.h"

#include <stdint.h>
#include <time.h>

static inline int fv_bench_first_frame(FvNormalization norm, uint64_t seed, double *ms)
{
    FvRenderer *r = NULL;
    FvClip *clip = NULL;
    FvSettings s;
    struct timespec t0, t1;
    fv_default_settings(&s);
    s.class_id = -1;
    s.seed = seed;
    s.normalization = norm;
    if (fv_clip_new(&clip))
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = fv_renderer_open(&r, 0);
    if (!err)
        err = norm == FV_NORMALIZATION_CLIP ? fv_render_clip(r, &s, 0, clip)
                                            : fv_render_frame(r, &s, 0, 0, clip);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    fv_clip_free(&clip);
    fv_renderer_close(&r);
    return err != 0;
}

#endif
