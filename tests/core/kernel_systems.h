/* Systems for the lane-kernel test and benchmark: the renderer's own (a class's first frame,
 * framed by probing) and random ones built to reach the corners of the kernels. */
#ifndef FV_KERNEL_SYSTEMS_H
#define FV_KERNEL_SYSTEMS_H

#include "fv_internal.h"

#include <math.h>

/* Frame 0 of class key with variation v, framed for width x height as the renderer does. */
static inline void kernel_system_class(FvSystem *sys, uint64_t key, int v, int width, int height)
{
    static double xy[2 * FV_PROBE_WALKERS * FV_PROBE_ITERS];
    FvClass cls;
    fv_class_draw(&cls, key, 0);
    sys->cancel = NULL;
    sys->n = cls.n;
    sys->variation = v;
    fv_class_maps(&cls, FV_MOTION_NONLINEAR, 0, cls.frames, sys->maps);
    double w[FV_MAX_MAPS];
    for (int i = 0; i < cls.n; i++)
        w[i] = fabs(sys->maps[i].a * sys->maps[i].d - sys->maps[i].b * sys->maps[i].c);
    fv_alias_build(&sys->alias, w, cls.n);
    int n = fv_probe_points(sys, key, xy, FV_PROBE_WALKERS * FV_PROBE_ITERS);
    FvBox box = {-1, -1, 1, 1};
    if (n == 0 || fv_probe_box(xy, n, 0.9, &box) != 0)
        box = (FvBox){-1, -1, 1, 1};
    fv_framing_set(sys, &box, 0.1, width, height);
}

/* A random system of rng's: maps that mostly contract, some that expand (walkers run away
 * and are reset), now and then wild ones (infinities, NaN); random weights, some zero; a
 * framing that may leave much of the attractor off the image, or flip it. */
static inline void kernel_system_random(FvSystem *sys, FvRng *rng, int v, int width, int height)
{
    int n = fv_rng_int(rng, FV_MIN_MAPS, FV_MAX_MAPS);
    /* 0-5 contracting, 6-8 expanding, 9 wild: a mix of all, with huge maps whose products
     * overflow to infinities and NaN */
    int kind = fv_rng_int(rng, 0, 9);
    static const double scales[3] = {0.8, 2.5, 1e300};
    sys->cancel = NULL;
    sys->n = n;
    sys->variation = v;
    double w[FV_MAX_MAPS];
    for (int i = 0; i < n; i++) {
        FvMap *m = &sys->maps[i];
        double scale = scales[kind <= 5 ? 0 : kind <= 8 ? 1 : fv_rng_int(rng, 0, 2)];
        m->a = fv_rng_uniform(rng, -scale, scale);
        m->b = fv_rng_uniform(rng, -scale, scale);
        m->c = fv_rng_uniform(rng, -scale, scale);
        m->d = fv_rng_uniform(rng, -scale, scale);
        m->e = fv_rng_uniform(rng, -1, 1);
        m->f = fv_rng_uniform(rng, -1, 1);
        w[i] = fv_rng_int(rng, 0, 4) == 0 ? 0.0 : fv_rng_uniform(rng, 0, 1);
    }
    fv_alias_build(&sys->alias, w, n);
    double zoom = exp(fv_rng_uniform(rng, log(0.2), log(5.0)));
    sys->sx = zoom * width / 2 * (fv_rng_int(rng, 0, 5) == 0 ? -1 : 1);
    sys->sy = zoom * height / 2 * (fv_rng_int(rng, 0, 5) == 0 ? -1 : 1);
    sys->ox = fv_rng_uniform(rng, -0.5, 1.5) * width;
    sys->oy = fv_rng_uniform(rng, -0.5, 1.5) * height;
}

#endif
