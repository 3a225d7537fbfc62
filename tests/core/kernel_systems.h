/* Systems for the lane-kernel test and benchmark: the renderer's own (a class's first frame,
 * framed by probing) and random ones built to reach the corners of the kernels. */
#ifndef FV_KERNEL_SYSTEMS_H
#define FV_KERNEL_SYSTEMS_H

#include "fv_internal.h"

#include <math.h>
#include <string.h>

/* Frame 0 of class key with variation v, framed for width x height as the renderer does. */
static inline void kernel_system_class(FvSystem *sys, uint64_t key, int v, int width, int height)
{
    static double xy[2 * FV_PROBE_WALKERS * FV_PROBE_ITERS];
    FvClass cls;
    fv_class_draw(&cls, key, 0);
    sys->cancel = NULL;
    sys->choices = NULL;
    sys->warped = false;
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
    sys->choices = NULL;
    sys->warped = false;
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

/* A random warp for sys (G10's plotting through scale, shifts, perspective and camera): an
 * affine part that moves, scales, rotates or flips the plain frame, now and then a projective
 * part strong enough to put a horizon (Z = 0) across the image, and 0..2 windows, some of them
 * cutting through the image. */
static inline void kernel_warp_random(FvSystem *sys, FvRng *rng, int width, int height)
{
    FvWarp *w = &sys->warp;
    memset(w, 0, sizeof(*w));
    sys->warped = true;
    if (fv_rng_int(rng, 0, 3) == 0) {
        /* folded into a clip rectangle, part of it off the image or not */
        w->rect = true;
        w->clip[0] = fv_rng_uniform(rng, -0.2, 0.6) * width;
        w->clip[1] = w->clip[0] + fv_rng_uniform(rng, 0.1, 1.0) * width;
        w->clip[2] = fv_rng_uniform(rng, -0.2, 0.6) * height;
        w->clip[3] = w->clip[2] + fv_rng_uniform(rng, 0.1, 1.0) * height;
        for (int k = 0; k < 4; k++)
            w->clip[k] = w->clip[k] < 0 ? 0 : w->clip[k];
        w->clip[1] = w->clip[1] > width ? width : w->clip[1];
        w->clip[3] = w->clip[3] > height ? height : w->clip[3];
        return;
    }
    double ang = fv_rng_uniform(rng, -FV_PI, FV_PI), k = fv_rng_uniform(rng, 0.2, 2.0);
    double flip = fv_rng_int(rng, 0, 3) == 0 ? -1 : 1;
    w->m[0] = k * cos(ang) * flip;
    w->m[1] = -k * sin(ang);
    w->m[3] = k * sin(ang) * flip;
    w->m[4] = k * cos(ang);
    w->m[2] = fv_rng_uniform(rng, -0.5, 1.0) * width;
    w->m[5] = fv_rng_uniform(rng, -0.5, 1.0) * height;
    w->projective = fv_rng_int(rng, 0, 2) != 0;
    if (w->projective) {
        double strong = fv_rng_int(rng, 0, 3) == 0 ? 3.0 : 0.5;
        w->m[6] = fv_rng_uniform(rng, -strong, strong) / width;
        w->m[7] = fv_rng_uniform(rng, -strong, strong) / height;
        w->m[8] = fv_rng_uniform(rng, 0.5, 1.5);
    } else {
        w->m[6] = w->m[7] = 0;
        w->m[8] = 1;
    }
    w->windows = fv_rng_int(rng, 0, FV_MAX_WINDOWS);
    for (int i = 0; i < w->windows; i++) {
        FvWindow *q = &w->window[i];
        double a = fv_rng_uniform(rng, -FV_PI, FV_PI), s = fv_rng_uniform(rng, 0.3, 1.5);
        q->a = s * cos(a);
        q->b = -s * sin(a);
        q->c = s * sin(a);
        q->d = s * cos(a);
        q->e = fv_rng_uniform(rng, -0.5, 0.5) * width;
        q->f = fv_rng_uniform(rng, -0.5, 0.5) * height;
        q->w = fv_rng_uniform(rng, 0.2, 1.0) * width;
        q->h = fv_rng_uniform(rng, 0.2, 1.0) * height;
    }
    fv_warp_on_world(sys, width, height);
}

#endif
