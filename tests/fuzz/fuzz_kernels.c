/* libFuzzer target: every chaos-game lane kernel (scalar, AVX2, AVX-512, those this CPU has),
 * group kernel and framing probe against the plain C reference, on systems made from the input: any finite maps (huge ones
 * too: walkers run away and are reset), any weights, any framing, any variation. The counts
 * and the points inside must be the same to the bit. */
#include "fv_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* Reads the input front to back; zeros past its end. */
typedef struct Reader {
    const uint8_t *data;
    size_t size, at;
} Reader;

static uint64_t take(Reader *r, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v |= (uint64_t)(r->at < r->size ? r->data[r->at++] : 0) << (8 * i);
    return v;
}

/* Any finite double (the renderer's maps and framing are finite; their size is not bounded). */
static double take_double(Reader *r)
{
    uint64_t bits = take(r, 8);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return isfinite(d) ? d : (double)(int64_t)bits * 0x1p-60;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Reader r = {data, size, 0};
    FvSystem sys;
    memset(&sys, 0, sizeof(sys));
    sys.n = FV_MIN_MAPS + (int)(take(&r, 1) % (FV_MAX_MAPS - FV_MIN_MAPS + 1));
    sys.variation = (int)(take(&r, 1) % FV_NUM_VARIATIONS);
    const int width = 1 + (int)(take(&r, 1) % 64), height = 1 + (int)(take(&r, 1) % 64);
    const int lane = (int)(take(&r, 1) % FV_LANES);
    const uint32_t iters = (uint32_t)(take(&r, 2) % 3000);
    const uint64_t key = take(&r, 8);
    double w[FV_MAX_MAPS];
    for (int i = 0; i < sys.n; i++) {
        FvMap *m = &sys.maps[i];
        /* mostly contracting maps, so the walks stay in view; a flag byte lets any through */
        const int wild = take(&r, 1) % 4 == 0;
        double *c[6] = {&m->a, &m->b, &m->c, &m->d, &m->e, &m->f};
        for (int k = 0; k < 6; k++) {
            double v = take_double(&r);
            *c[k] = wild ? v : (k < 4 ? fmod(v, 1.2) : fmod(v, 2.0));
            if (!isfinite(*c[k]))
                *c[k] = 0;
        }
        w[i] = (double)take(&r, 1);
    }
    fv_alias_build(&sys.alias, w, sys.n);
    const int wild_view = take(&r, 1) % 4 == 0;
    double sx = take_double(&r), sy = take_double(&r), ox = take_double(&r), oy = take_double(&r);
    sys.sx = wild_view ? sx : fmod(sx, 4.0 * width);
    sys.sy = wild_view ? sy : fmod(sy, 4.0 * height);
    sys.ox = wild_view ? ox : fmod(ox, 2.0 * width);
    sys.oy = wild_view ? oy : fmod(oy, 2.0 * height);

    const size_t pixels = (size_t)width * height;
    uint32_t *want = calloc(pixels, sizeof(uint32_t)), *got = calloc(pixels, sizeof(uint32_t));
    const uint64_t inside = fv_chaos_lane_ref(&sys, key, lane, iters, want, width, height);
    uint64_t counted = 0;
    for (size_t p = 0; p < pixels; p++)
        counted += want[p];
    CHECK(counted == inside);
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        FvLaneKernel f = fv_chaos_kernel(k, sys.variation);
        if (!f)
            continue;
        memset(got, 0, pixels * sizeof(uint32_t));
        uint64_t n = f(&sys, key, lane, iters, got, width, height);
        if (n != inside || memcmp(got, want, pixels * sizeof(uint32_t)) != 0) {
            fprintf(stderr, "kernel %s differs from the reference: variation %d, %d maps, %dx%d, "
                    "lane %d, iters %u, inside %llu vs %llu\n",
                    fv_chaos_kernel_name(k), sys.variation, sys.n, width, height, lane, iters,
                    (unsigned long long)n, (unsigned long long)inside);
            abort();
        }
    }
    /* a group of lanes from lane (or the last group) against its lanes' reference sum */
    const int first = lane <= FV_LANES - FV_LANE_GROUP ? lane : FV_LANES - FV_LANE_GROUP;
    memset(want, 0, pixels * sizeof(uint32_t));
    uint64_t group_inside = 0;
    for (int l = 0; l < FV_LANE_GROUP; l++)
        group_inside += fv_chaos_lane_ref(&sys, key, first + l, iters, want, width, height);
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        FvLaneKernel f = fv_chaos_group_kernel(k, sys.variation);
        if (!f)
            continue;
        memset(got, 0, pixels * sizeof(uint32_t));
        uint64_t n = f(&sys, key, first, iters, got, width, height);
        if (n != group_inside || memcmp(got, want, pixels * sizeof(uint32_t)) != 0) {
            fprintf(stderr, "group kernel %s differs from the reference: variation %d, lanes %d..\n",
                    fv_chaos_kernel_name(k), sys.variation, first);
            abort();
        }
    }
    /* the framing probe's points, all of them or the first max */
    enum { PROBE_MAX = FV_PROBE_WALKERS * FV_PROBE_ITERS };
    const int max = 1 + (int)(take(&r, 2) % PROBE_MAX);
    double *pwant = malloc(2 * sizeof(double) * PROBE_MAX),
           *pgot = malloc(2 * sizeof(double) * PROBE_MAX);
    const int npoints = fv_probe_points_ref(&sys, key, pwant, max);
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        FvProbeKernel f = fv_chaos_probe_kernel(k, sys.variation);
        if (!f)
            continue;
        int m = f(&sys, key, pgot, max);
        if (m != npoints || memcmp(pgot, pwant, 2 * sizeof(double) * (size_t)m) != 0) {
            fprintf(stderr, "probe kernel %s differs from the reference: variation %d, max %d\n",
                    fv_chaos_kernel_name(k), sys.variation, max);
            abort();
        }
    }
    free(pwant);
    free(pgot);
    free(want);
    free(got);
    return 0;
}
