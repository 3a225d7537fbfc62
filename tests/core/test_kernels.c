/* Every chaos-game lane kernel this build and CPU have (scalar, AVX2, AVX-512) gives the
 * reference's histogram and inside count, bit for bit, on the renderer's own systems and on
 * random ones built to reach runaway resets, infinities, NaN and points off the image (G6,
 * G9), and on systems whose walkers live far out (|x| >= 2^20), where the vector
 * transcendentals of the SIMD kernels (core/fvmath_simd.h) hand their lanes to the scalar
 * functions; and on warped systems (G10), whose points go through windows and a projective
 * map with its division. Like dav1d's checkasm: a kernel the CPU lacks is reported, not failed. */
#include "fv_internal.h"
#include "kernel_systems.h"
#include "variations.h"

#include <glib.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

static const int sizes[][2] = {{256, 256}, {64, 48}, {17, 16}, {16, 23}};

typedef struct Stats {
    long runs[FV_NUM_KERNELS];
    long warped; /* projective warped systems checked */
    long rect;   /* warps folded into a clip rectangle */
    uint64_t steps, far_steps; /* the far systems' reference steps, and those far out */
} Stats;

/* A system whose walkers live far out: contracting maps, most with translations of 2^20 to
 * 2^30 (a few walkers of a vector near, most far), framed around the far points, so the
 * variations' sin, cos and tan see |x| >= 2^20 (their rare path) on most steps; now and
 * then a walker runs away. */
static void kernel_system_far(FvSystem *sys, FvRng *rng, int v, int width, int height)
{
    int n = fv_rng_int(rng, FV_MIN_MAPS, FV_MAX_MAPS);
    sys->cancel = NULL;
    sys->choices = NULL;
    sys->warped = false;
    sys->n = n;
    sys->variation = v;
    double w[FV_MAX_MAPS], reach = ldexp(1.0, fv_rng_int(rng, 20, 30));
    for (int i = 0; i < n; i++) {
        FvMap *m = &sys->maps[i];
        m->a = fv_rng_uniform(rng, -0.8, 0.8);
        m->b = fv_rng_uniform(rng, -0.8, 0.8);
        m->c = fv_rng_uniform(rng, -0.8, 0.8);
        m->d = fv_rng_uniform(rng, -0.8, 0.8);
        bool far = i > 0 && fv_rng_int(rng, 0, 3) != 0;
        m->e = fv_rng_uniform(rng, -1, 1) * (far ? reach : 1.0);
        m->f = fv_rng_uniform(rng, -1, 1) * (far ? reach : 1.0);
        w[i] = fv_rng_uniform(rng, 0.1, 1);
    }
    fv_alias_build(&sys->alias, w, n);
    sys->sx = width / (4 * reach);
    sys->sy = height / (4 * reach);
    sys->ox = width / 2.0;
    sys->oy = height / 2.0;
}

/* Steps of lane's walkers (the reference's walk) whose map output, the variation's input,
 * has a coordinate beyond 2^20, out of *steps. */
static uint64_t far_steps(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                          uint64_t *steps)
{
    uint64_t far = 0;
    for (int j = 0; j < FV_WALKERS_PER_LANE; j++) {
        uint64_t walk, reset;
        double x, y;
        fv_walker_init(sample_key, lane * FV_WALKERS_PER_LANE + j, &walk, &reset, &x, &y);
        for (uint64_t i = 0; i < (uint64_t)FV_DISCARD + iters; i++) {
            uint64_t r = fv_draw(walk, i);
            const FvMap *m = &sys->maps[fv_alias_choose(&sys->alias, r)];
            double nx = m->a * x + m->b * y + m->e, ny = m->c * x + m->d * y + m->f;
            far += !(fabs(nx) < 0x1p20) || !(fabs(ny) < 0x1p20);
            (*steps)++;
            fv_variation_apply(sys->variation, m, r, &nx, &ny);
            if (!(fabs(nx) < FV_RUNAWAY && fabs(ny) < FV_RUNAWAY)) {
                fv_walker_reset(reset, i, &x, &y);
            } else {
                x = nx;
                y = ny;
            }
        }
    }
    return far;
}

/* Run every kernel on lane `lane` of sys and compare with the reference. */
static void check_system(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                         int width, int height, Stats *stats, const char *what)
{
    size_t pixels = (size_t)width * height;
    uint32_t *want = g_new(uint32_t, pixels), *got = g_new(uint32_t, pixels);
    /* a non-zero start: kernels add to the histogram, they do not overwrite it */
    for (size_t p = 0; p < pixels; p++)
        want[p] = (uint32_t)(p * 2654435761u) >> 20;
    memcpy(got, want, pixels * sizeof(*got));
    uint32_t *start = g_new(uint32_t, pixels);
    memcpy(start, want, pixels * sizeof(*start));
    uint64_t inside = fv_chaos_lane_ref(sys, sample_key, lane, iters, want, width, height);
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        FvLaneKernel f = fv_chaos_kernel(k, sys->variation);
        if (!f)
            continue;
        memcpy(got, start, pixels * sizeof(*got));
        uint64_t n = f(sys, sample_key, lane, iters, got, width, height);
        if (n != inside || memcmp(got, want, pixels * sizeof(*got)) != 0) {
            size_t diff = 0;
            for (size_t p = 0; p < pixels; p++)
                diff += got[p] != want[p];
            g_error("kernel %s differs from the reference on %s: variation %d, %dx%d, lane %d, "
                    "iters %u: inside %" G_GUINT64_FORMAT " vs %" G_GUINT64_FORMAT
                    ", %zu pixels differ",
                    fv_chaos_kernel_name(k), what, sys->variation, width, height, lane, iters, n,
                    inside, diff);
        }
        stats->runs[k]++;
    }
    /* fv_chaos_lane is one of the kernels */
    memcpy(got, start, pixels * sizeof(*got));
    g_assert_cmpuint(fv_chaos_lane(sys, sample_key, lane, iters, got, width, height), ==, inside);
    g_assert_true(memcmp(got, want, pixels * sizeof(*got)) == 0);
    g_free(start);
    g_free(got);
    g_free(want);
}

static void test_kernels_bit_exact(void)
{
    Stats stats = {{0}, 0, 0, 0, 0};
    FvRng rng;
    fv_rng_init(&rng, 0x6b65726e656c73);
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        /* the renderer's systems: class frames framed by probing */
        for (int c = 0; c < 6; c++) {
            const int *size = sizes[c % G_N_ELEMENTS(sizes)];
            FvSystem sys;
            uint64_t key = fv_key(0x636c617373, (uint64_t)v, (uint64_t)c);
            kernel_system_class(&sys, key, v, size[0], size[1]);
            int lane = fv_rng_int(&rng, 0, FV_LANES - 1);
            check_system(&sys, key, lane, (uint32_t)fv_rng_int(&rng, 500, 3000), size[0], size[1],
                         &stats, "a class system");
        }
        /* random systems, iteration counts from none plotted up */
        for (int c = 0; c < 40; c++) {
            const int *size = sizes[fv_rng_int(&rng, 0, G_N_ELEMENTS(sizes) - 1)];
            FvSystem sys;
            kernel_system_random(&sys, &rng, v, size[0], size[1]);
            uint64_t key = fv_rng_next(&rng);
            int lane = fv_rng_int(&rng, 0, FV_LANES - 1);
            uint32_t iters = c < 4 ? (uint32_t)c : (uint32_t)fv_rng_int(&rng, 4, 1500);
            check_system(&sys, key, lane, iters, size[0], size[1], &stats, "a random system");
        }
        /* warped systems (G10): class and random systems plotted through random warps */
        for (int c = 0; c < 16; c++) {
            const int *size = sizes[fv_rng_int(&rng, 0, G_N_ELEMENTS(sizes) - 1)];
            FvSystem sys;
            uint64_t key = fv_rng_next(&rng);
            if (c % 2)
                kernel_system_random(&sys, &rng, v, size[0], size[1]);
            else
                kernel_system_class(&sys, key, v, size[0], size[1]);
            kernel_warp_random(&sys, &rng, size[0], size[1]);
            stats.warped += sys.warp.projective;
            stats.rect += sys.warp.rect;
            int lane = fv_rng_int(&rng, 0, FV_LANES - 1);
            uint32_t iters = (uint32_t)fv_rng_int(&rng, 100, 2000);
            check_system(&sys, key, lane, iters, size[0], size[1], &stats, "a warped system");
        }
        /* far systems: the rare paths of the vector transcendentals */
        for (int c = 0; c < 12; c++) {
            const int *size = sizes[fv_rng_int(&rng, 0, G_N_ELEMENTS(sizes) - 1)];
            FvSystem sys;
            kernel_system_far(&sys, &rng, v, size[0], size[1]);
            uint64_t key = fv_rng_next(&rng);
            int lane = fv_rng_int(&rng, 0, FV_LANES - 1);
            uint32_t iters = (uint32_t)fv_rng_int(&rng, 100, 1500);
            check_system(&sys, key, lane, iters, size[0], size[1], &stats, "a far system");
            stats.far_steps += far_steps(&sys, key, lane, iters, &stats.steps);
        }
    }
    g_test_message("far systems: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " steps with a coordinate beyond 2^20",
                   stats.far_steps, stats.steps);
    /* most of their steps take the rare paths */
    g_assert_cmpuint(stats.far_steps, >, stats.steps / 4);
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        if (stats.runs[k])
            g_test_message("kernel %s: %ld systems bit-exact", fv_chaos_kernel_name(k),
                           stats.runs[k]);
        else
            g_test_message("kernel %s: not available in this build or on this CPU",
                           fv_chaos_kernel_name(k));
    }
    g_assert_cmpint(stats.runs[FV_KERNEL_SCALAR], >, 0);
    g_test_message("%ld projective warped systems, %ld clip rectangles", stats.warped, stats.rect);
    g_assert_cmpint(stats.warped, >, FV_NUM_VARIATIONS * 3);
    g_assert_cmpint(stats.rect, >, FV_NUM_VARIATIONS * 2);
}

/* An identity warp plots every point where the plain rule does: the same histogram, in every
 * kernel, as a clip rectangle (the frame) and as a map (the plain frame's own, no clip box). */
static void test_identity_warp_is_plain(void)
{
    FvRng rng;
    fv_rng_init(&rng, 0x6964656e74);
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        const int *size = sizes[v % G_N_ELEMENTS(sizes)];
        const size_t pixels = (size_t)size[0] * size[1];
        FvSystem plain, warped;
        uint64_t key = fv_key(0x6964, (uint64_t)v, 0);
        kernel_system_class(&plain, key, v, size[0], size[1]);
        warped = plain;
        warped.warped = true;
        if (v % 2) {
            warped.warp = (FvWarp){.rect = true, .clip = {0, size[0], 0, size[1]}};
        } else {
            warped.warp = (FvWarp){.m = {1, 0, 0, 0, 1, 0, 0, 0, 1}};
            fv_warp_on_world(&warped, size[0], size[1]);
            warped.warp.clip[0] = warped.warp.clip[2] = -INFINITY;
            warped.warp.clip[1] = warped.warp.clip[3] = INFINITY;
        }
        for (int k = -1; k < FV_NUM_KERNELS; k++) {
            FvLaneKernel f = k < 0 ? fv_chaos_lane_ref : fv_chaos_kernel(k, v);
            if (!f)
                continue;
            uint32_t *a = g_new0(uint32_t, pixels), *b = g_new0(uint32_t, pixels);
            int lane = fv_rng_int(&rng, 0, FV_LANES - 1);
            uint64_t na = f(&plain, key, lane, 700, a, size[0], size[1]);
            uint64_t nb = f(&warped, key, lane, 700, b, size[0], size[1]);
            g_assert_cmpuint(na, ==, nb);
            g_assert_cmpuint(na, >, 0);
            g_assert_true(memcmp(a, b, pixels * sizeof(*a)) == 0);
            g_free(a);
            g_free(b);
        }
    }
}

/* A counter near 2^32 saturates instead of wrapping, in the reference and in every kernel:
 * a frame may plot more than 2^32 points, and a wrapped count would depend on which lanes
 * shared a thread's histogram. */
static void test_counters_saturate(void)
{
    enum { W = 32, H = 32 };
    FvSystem sys = {.n = 3, .variation = FV_VARIATION_LINEAR};
    double w[3] = {1, 1, 1};
    /* every map sends every point to the origin: all hits land on one pixel */
    fv_alias_build(&sys.alias, w, 3);
    sys.sx = sys.sy = W / 2.0;
    sys.ox = sys.oy = W / 2.0;
    const size_t centre = (size_t)(H / 2) * W + W / 2;
    for (int k = -1; k < FV_NUM_KERNELS; k++) {
        FvLaneKernel f = k < 0 ? fv_chaos_lane_ref : fv_chaos_kernel(k, sys.variation);
        if (!f)
            continue;
        uint32_t hist[W * H] = {0};
        hist[centre] = UINT32_MAX - 100;
        uint64_t inside = f(&sys, 1234, 3, 1000, hist, W, H);
        g_assert_cmpuint(inside, ==, 1000 * FV_WALKERS_PER_LANE);
        g_assert_cmpuint(hist[centre], ==, UINT32_MAX);
        for (size_t p = 0; p < W * H; p++)
            if (p != centre)
                g_assert_cmpuint(hist[p], ==, 0);
    }
}

/* A walk cancelled part way returns the count of the points it plotted, and every one of
 * them is in the histogram: the SIMD kernels increment a batch's counters during the next
 * batch's walk, and a cancel must not drop the last batch's. The cancel comes from another
 * thread while the walk runs, so where it lands varies; the walk is long (a fraction of a
 * second at least), and a kernel is tried until a cancel lands part way. */
typedef struct CancelRun {
    FvLaneKernel f;
    FvSystem *sys;
    uint32_t *hist;
    uint64_t inside;
} CancelRun;

static gpointer cancel_run(gpointer data)
{
    CancelRun *run = data;
    run->inside = run->f(run->sys, 77, 0, 8000000, run->hist, 256, 256);
    return NULL;
}

static void test_cancelled_walk_counts_its_points(void)
{
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        for (int grouped = 0; grouped < 2; grouped++) {
            FvLaneKernel f = grouped ? fv_chaos_group_kernel(k, FV_VARIATION_LINEAR)
                                     : fv_chaos_kernel(k, FV_VARIATION_LINEAR);
            if (!f)
                continue;
            const uint64_t full = 8000000ull * FV_WALKERS_PER_LANE * (grouped ? FV_LANE_GROUP : 1);
            bool part_way = false;
            for (int attempt = 0; attempt < 8 && !part_way; attempt++) {
                FvSystem sys;
                kernel_system_class(&sys, 5, FV_VARIATION_LINEAR, 256, 256);
                atomic_int cancel = 0;
                sys.cancel = &cancel;
                CancelRun run = {f, &sys, g_new0(uint32_t, 256 * 256), 0};
                GThread *t = g_thread_new("walk", cancel_run, &run);
                g_usleep(2000 << attempt / 2);
                atomic_store(&cancel, 1);
                g_thread_join(t);
                uint64_t sum = 0;
                for (size_t p = 0; p < 256 * 256; p++)
                    sum += run.hist[p];
                g_free(run.hist);
                if (sum != run.inside)
                    g_error("kernel %s%s cancelled after %llu points: %llu in the histogram",
                            fv_chaos_kernel_name(k), grouped ? " (group)" : "",
                            (unsigned long long)run.inside, (unsigned long long)sum);
                part_way = run.inside > 0 && run.inside < full;
            }
            g_assert_true(part_way);
        }
    }
}

/* A system for the group and probe checks: c picks a class system, a random one (runaway
 * resets, NaN, points off the image), a warped one or a far one. */
static void some_system(FvSystem *sys, FvRng *rng, int v, int c, uint64_t *key, int size[2])
{
    const int *sz = sizes[fv_rng_int(rng, 0, G_N_ELEMENTS(sizes) - 1)];
    size[0] = sz[0];
    size[1] = sz[1];
    *key = fv_rng_next(rng);
    switch (c % 4) {
    case 0:
        kernel_system_class(sys, *key, v, size[0], size[1]);
        break;
    case 1:
        kernel_system_random(sys, rng, v, size[0], size[1]);
        break;
    case 2:
        kernel_system_random(sys, rng, v, size[0], size[1]);
        kernel_warp_random(sys, rng, size[0], size[1]);
        break;
    default:
        kernel_system_far(sys, rng, v, size[0], size[1]);
        break;
    }
}

/* Every group kernel (FV_LANE_GROUP lanes advanced together) gives the sum of its lanes'
 * reference histograms and inside counts, bit for bit; so does fv_chaos_lanes, grouped or
 * not. */
static void test_groups_bit_exact(void)
{
    long runs[FV_NUM_KERNELS] = {0};
    FvRng rng;
    fv_rng_init(&rng, 0x67726f757073);
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        for (int c = 0; c < 12; c++) {
            FvSystem sys;
            uint64_t key;
            int size[2];
            some_system(&sys, &rng, v, c, &key, size);
            const size_t pixels = (size_t)size[0] * size[1];
            const int lane = fv_rng_int(&rng, 0, FV_LANES - FV_LANE_GROUP);
            const uint32_t iters = c < 2 ? (uint32_t)c : (uint32_t)fv_rng_int(&rng, 50, 1200);
            uint32_t *want = g_new(uint32_t, pixels), *got = g_new(uint32_t, pixels);
            for (size_t p = 0; p < pixels; p++)
                want[p] = (uint32_t)(p * 2654435761u) >> 22;
            uint32_t *start = g_memdup2(want, pixels * sizeof(*want));
            uint64_t inside = 0;
            for (int l = 0; l < FV_LANE_GROUP; l++)
                inside += fv_chaos_lane_ref(&sys, key, lane + l, iters, want, size[0], size[1]);
            for (int k = -1; k < FV_NUM_KERNELS; k++) {
                FvLaneKernel f = k < 0 ? NULL : fv_chaos_group_kernel(k, v);
                if (k >= 0 && !f)
                    continue;
                memcpy(got, start, pixels * sizeof(*got));
                /* k = -1: fv_chaos_lanes, a group, then the same lanes as 1 + 3 */
                uint64_t n;
                if (f) {
                    n = f(&sys, key, lane, iters, got, size[0], size[1]);
                } else if (c % 2) {
                    n = fv_chaos_lanes(&sys, key, lane, FV_LANE_GROUP, iters, got, size[0],
                                       size[1]);
                } else {
                    n = fv_chaos_lanes(&sys, key, lane, 1, iters, got, size[0], size[1]);
                    n += fv_chaos_lanes(&sys, key, lane + 1, FV_LANE_GROUP - 1, iters, got,
                                        size[0], size[1]);
                }
                if (n != inside || memcmp(got, want, pixels * sizeof(*got)) != 0)
                    g_error("group kernel %s differs from the reference: variation %d, system "
                            "kind %d, %dx%d, lanes %d.., iters %u",
                            k < 0 ? "fv_chaos_lanes" : fv_chaos_kernel_name(k), v, c % 4,
                            size[0], size[1], lane, iters);
                if (k >= 0)
                    runs[k]++;
            }
            g_free(start);
            g_free(got);
            g_free(want);
        }
    }
    for (int k = 0; k < FV_NUM_KERNELS; k++)
        g_test_message("group kernel %s: %ld systems bit-exact", fv_chaos_kernel_name(k), runs[k]);
    g_assert_cmpint(runs[FV_KERNEL_SCALAR], ==, FV_NUM_VARIATIONS * 12);
}

/* Draws of lanes lane..lane+nlanes-1 that a kept word leaves to be drawn again under alias
 * table t: its top 13 bits of the draw's low half equal its column's threshold's. */
static long kept_ties(const FvChoices *kept, const FvAlias *t, int lane, int nlanes)
{
    long ties = 0;
    for (int l = lane; l < lane + nlanes; l++)
        for (size_t i = 0; i < (size_t)kept->filled[l] * FV_WALKERS_PER_LANE; i++) {
            uint16_t w = kept->words[(size_t)l * kept->steps * FV_WALKERS_PER_LANE + i];
            ties += (w >> 3) == (t->threshold[w & 7] >> 19);
        }
    return ties;
}

/* The map choices a SIMD kernel keeps from a sample's first frame (FvChoices) give the
 * reference's counts in the frames after it, whose alias tables differ (as a clip's frames
 * do): every lane and group kernel, written and then read, for kept words that cover all of
 * a walk and some of it; words of another sample or map count are not read, nor kept by a
 * cancelled walk. Scrambled words change the counts: the kernels that keep them read them. */
static void test_kept_choices_bit_exact(void)
{
    long reads = 0, ties = 0, runs = 0;
    FvRng rng;
    fv_rng_init(&rng, 0x6b657074);
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        for (int c = 0; c < 8; c++) {
            FvSystem frame[2];
            uint64_t key;
            int size[2];
            some_system(&frame[0], &rng, v, c, &key, size);
            const size_t pixels = (size_t)size[0] * size[1];
            /* the next frame: other weights, so other thresholds and aliases */
            frame[1] = frame[0];
            double w[FV_MAX_MAPS];
            for (int i = 0; i < frame[1].n; i++)
                w[i] = fv_rng_int(&rng, 0, 5) == 0 ? 0.0 : fv_rng_uniform(&rng, 0, 1);
            fv_alias_build(&frame[1].alias, w, frame[1].n);
            const bool grouped = c % 2;
            const int nlanes = grouped ? FV_LANE_GROUP : 1;
            const int lane = fv_rng_int(&rng, 0, FV_LANES - nlanes);
            const uint32_t iters = (uint32_t)fv_rng_int(&rng, 300, 2500);
            const uint64_t draws = (uint64_t)FV_DISCARD + iters;
            /* room for all draws, or for some (the rest drawn as ever) */
            FvChoices kept = {.sample_key = key, .n = frame[0].n};
            kept.steps = c % 4 < 2 ? (uint32_t)draws : (uint32_t)fv_rng_int(&rng, 1, (int)draws);
            kept.words = g_new(uint16_t, (size_t)kept.steps * FV_LANES * FV_WALKERS_PER_LANE);
            frame[0].choices = frame[1].choices = &kept;
            uint32_t *want = g_new0(uint32_t, pixels), *got = g_new0(uint32_t, pixels);
            for (int k = 0; k < FV_NUM_KERNELS; k++) {
                FvLaneKernel f = grouped ? fv_chaos_group_kernel(k, v) : fv_chaos_kernel(k, v);
                if (!f)
                    continue;
                /* the SIMD kernels keep them, but for the random variations (they draw every
                 * step, whose draw they read) */
                const bool keeps = k != FV_KERNEL_SCALAR && !FV_READS_DRAWS(v);
                memset(kept.filled, 0, sizeof(kept.filled));
                /* frames 0, 1, 0, 1: the first writes (the kernels that keep), the rest read */
                for (int t = 0; t < 4; t++) {
                    const FvSystem *sys = &frame[t % 2];
                    memset(want, 0, pixels * sizeof(*want));
                    memset(got, 0, pixels * sizeof(*got));
                    uint64_t inside = 0;
                    for (int l = 0; l < nlanes; l++)
                        inside +=
                            fv_chaos_lane_ref(sys, key, lane + l, iters, want, size[0], size[1]);
                    if (t > 0 && keeps)
                        ties += kept_ties(&kept, &sys->alias, lane, nlanes);
                    uint64_t n = f(sys, key, lane, iters, got, size[0], size[1]);
                    if (n != inside || memcmp(got, want, pixels * sizeof(*got)) != 0)
                        g_error("kernel %s (%s) with kept choices differs from the reference: "
                                "variation %d, system kind %d, frame %d, lanes %d.., iters %u, "
                                "room for %u draws",
                                fv_chaos_kernel_name(k), grouped ? "group" : "lane", v, c % 4, t,
                                lane, iters, kept.steps);
                    const uint32_t room = draws < kept.steps ? (uint32_t)draws : kept.steps;
                    for (int l = 0; l < nlanes; l++)
                        g_assert_cmpuint(kept.filled[lane + l], ==, keeps ? room : 0);
                    reads += t > 0 && keeps;
                    runs++;
                }
                if (!keeps)
                    continue;
                /* another sample's key, another map count: the words are not read */
                uint64_t other = key ^ 1;
                memset(want, 0, pixels * sizeof(*want));
                memset(got, 0, pixels * sizeof(*got));
                uint64_t inside = 0;
                for (int l = 0; l < nlanes; l++)
                    inside += fv_chaos_lane_ref(&frame[1], other, lane + l, iters, want, size[0],
                                                size[1]);
                g_assert_cmpuint(f(&frame[1], other, lane, iters, got, size[0], size[1]), ==,
                                 inside);
                g_assert_true(memcmp(got, want, pixels * sizeof(*got)) == 0);
                kept.n = frame[1].n + 1;
                memset(got, 0, pixels * sizeof(*got));
                memset(want, 0, pixels * sizeof(*want));
                inside = 0;
                for (int l = 0; l < nlanes; l++)
                    inside +=
                        fv_chaos_lane_ref(&frame[1], key, lane + l, iters, want, size[0], size[1]);
                g_assert_cmpuint(f(&frame[1], key, lane, iters, got, size[0], size[1]), ==, inside);
                g_assert_true(memcmp(got, want, pixels * sizeof(*got)) == 0);
                kept.n = frame[1].n;
                /* scrambled words are read: the counts change (a linear system of walkers
                 * that stay in the image; all the words of its walks kept) */
                if (v == FV_VARIATION_LINEAR && c % 4 == 0 && kept.steps == draws) {
                    for (size_t i = 0; i < (size_t)kept.steps * FV_WALKERS_PER_LANE; i++)
                        kept.words[(size_t)lane * kept.steps * FV_WALKERS_PER_LANE + i] ^= 1;
                    memset(got, 0, pixels * sizeof(*got));
                    f(&frame[1], key, lane, iters, got, size[0], size[1]);
                    g_assert_false(memcmp(got, want, pixels * sizeof(*got)) == 0);
                }
                /* a cancelled walk keeps no words */
                atomic_int cancel = 1;
                FvSystem stopped = frame[0];
                stopped.cancel = &cancel;
                memset(kept.filled, 0, sizeof(kept.filled));
                f(&stopped, key, lane, iters, got, size[0], size[1]);
                for (int l = 0; l < nlanes; l++)
                    g_assert_cmpuint(kept.filled[lane + l], ==, 0);
            }
            g_free(got);
            g_free(want);
            g_free(kept.words);
        }
    }
    g_test_message("%ld kernel runs with kept choices, %ld of them reading, %ld draws drawn "
                   "again",
                   runs, reads, ties);
    if (fv_chaos_kernel(FV_KERNEL_AVX2, FV_VARIATION_LINEAR)) {
        g_assert_cmpint(reads, >, 0);
        g_assert_cmpint(ties, >, 0); /* the rare path was taken */
    }
}

/* Every probe kernel gives fv_probe_points_ref's array: the same points, bits and order, and
 * the same prefix when cut short, with nothing written past it; fv_probe_points is one of
 * them. */
static void test_probe_bit_exact(void)
{
    enum { MAX = FV_PROBE_WALKERS * FV_PROBE_ITERS };
    long runs[FV_NUM_KERNELS] = {0}, short_runs = 0;
    double *want = g_new(double, 2 * MAX), *got = g_new(double, 2 * MAX);
    FvRng rng;
    fv_rng_init(&rng, 0x70726f6265);
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        for (int c = 0; c < 12; c++) {
            FvSystem sys;
            uint64_t key;
            int size[2];
            some_system(&sys, &rng, v, c, &key, size);
            /* every fifth probe is cut short */
            const int max = c % 5 == 4 ? fv_rng_int(&rng, 1, MAX - 1) : MAX;
            const int n = fv_probe_points_ref(&sys, key, want, max);
            g_assert_cmpint(n, <=, max);
            short_runs += n < MAX && max == MAX; /* some walker ran away: points dropped */
            for (int k = -1; k < FV_NUM_KERNELS; k++) {
                FvProbeKernel f = k < 0 ? fv_probe_points : fv_chaos_probe_kernel(k, v);
                if (!f)
                    continue;
                memset(got, 0xa5, 2 * MAX * sizeof(*got));
                int m = f(&sys, key, got, max);
                if (m != n || memcmp(got, want, 2 * (size_t)n * sizeof(*got)) != 0)
                    g_error("probe kernel %s differs from the reference: variation %d, system "
                            "kind %d, max %d: %d points against %d",
                            k < 0 ? "fv_probe_points" : fv_chaos_kernel_name(k), v, c % 4, max,
                            m, n);
                /* nothing written past max points */
                for (size_t i = 2 * (size_t)max; i < 2 * (size_t)MAX; i++)
                    if (memcmp(&got[i], &(uint64_t){0xa5a5a5a5a5a5a5a5}, sizeof(double)) != 0)
                        g_error("probe kernel %s wrote past its %d points",
                                k < 0 ? "fv_probe_points" : fv_chaos_kernel_name(k), max);
                if (k >= 0)
                    runs[k]++;
            }
        }
    }
    for (int k = 0; k < FV_NUM_KERNELS; k++)
        g_test_message("probe kernel %s: %ld systems bit-exact", fv_chaos_kernel_name(k), runs[k]);
    g_test_message("%ld probes with runaway walkers", short_runs);
    g_assert_cmpint(runs[FV_KERNEL_SCALAR], ==, FV_NUM_VARIATIONS * 12);
    g_assert_cmpint(short_runs, >, 10);
    g_free(got);
    g_free(want);
}

/* The kernel chosen per variation by measurement is one this CPU has, and so is the way a
 * group of lanes runs (its group kernel or lane by lane); both are measured once. */
static void test_chosen_kernel(void)
{
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        int k = fv_chaos_best_kernel(v);
        g_assert_cmpint(k, >=, 0);
        g_assert_cmpint(k, <, FV_NUM_KERNELS);
        g_assert_nonnull(fv_chaos_kernel(k, v));
        g_assert_nonnull(fv_chaos_group_kernel(k, v));
        g_assert_nonnull(fv_chaos_probe_kernel(k, v));
        const bool grouped = fv_chaos_best_grouped(v);
        g_assert_cmpint(fv_chaos_best_kernel(v), ==, k); /* measured once */
        g_assert_cmpint(fv_chaos_best_grouped(v), ==, grouped);
        g_test_message("%s: %s%s", fv_variation_name(v), fv_chaos_kernel_name(k),
                       grouped ? " (group kernel)" : " (lane by lane)");
    }
}

/* The random variations (julia, noise, rays, blade) have the SIMD kernels (lane, group, probe)
 * this CPU has; kernels-bit-exact and the others hold them to the reference. */
static void test_random_variations_simd(void)
{
    int random = 0, kernels = 0;
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        if (!FV_READS_DRAWS(v))
            continue;
        random++;
        for (int k = 0; k < FV_NUM_KERNELS; k++) {
            if (k == FV_KERNEL_SCALAR || !fv_chaos_kernel(k, FV_VARIATION_LINEAR))
                continue; /* not in this build or on this CPU */
            g_assert_nonnull(fv_chaos_kernel(k, v));
            g_assert_nonnull(fv_chaos_group_kernel(k, v));
            g_assert_nonnull(fv_chaos_probe_kernel(k, v));
            kernels++;
        }
    }
    g_assert_cmpint(random, ==, 4);
    if (!kernels)
        g_test_skip("no SIMD kernels in this build or on this CPU");
}

/* The short runs before the measurement's rounds drop a kernel only when its fastest way is
 * more than FV_WAYS_KEPT_RATIO times behind the fastest way of all: a far slower kernel goes
 * (both its ways), a close one stays, one way's slow run does not drop its kernel's other way,
 * and a time that is not a number is timed again. */
static void test_ways_kept(void)
{
    enum { S = FV_KERNEL_SCALAR, A2 = FV_KERNEL_SCALAR + 1, A5 = FV_KERNEL_SCALAR + 2 };
    static const struct {
        int n;
        int kernel[5];
        double ns[5];
        bool want[5];
    } cases[] = {
        /* AVX-512 group and lane (the lane slowed once), AVX2 twice as slow, the plain kernel */
        {5, {A5, A5, A2, A2, S}, {100, 170, 200, 210, 600}, {true, true, false, false, false}},
        /* AVX2 within the ratio (a core with half-width 512-bit units): kept, both ways */
        {5, {A5, A5, A2, A2, S}, {100, 110, 160, 140, 600}, {true, true, true, true, false}},
        /* exactly the ratio is kept; just past it is not */
        {3, {A5, A2, S}, {100, 100 * FV_WAYS_KEPT_RATIO, 100 * FV_WAYS_KEPT_RATIO + 1e-9},
         {true, true, false}},
        /* the lead is not the first way */
        {3, {A5, A2, S}, {400, 140, 90}, {false, false, true}},
        /* a time that is not a number is kept; so is every way when all took forever */
        {3, {A5, A2, S}, {100, NAN, 900}, {true, true, false}},
        {2, {A5, S}, {INFINITY, INFINITY}, {true, true}},
        {1, {S}, {5}, {true}},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool keep[5] = {false};
        int kept = fv_chaos_ways_kept(cases[i].n, cases[i].kernel, cases[i].ns, keep), want = 0;
        for (int c = 0; c < cases[i].n; c++) {
            if (keep[c] != cases[i].want[c])
                g_error("case %zu, way %d: kept %d, want %d", i, c, keep[c], cases[i].want[c]);
            want += cases[i].want[c];
        }
        g_assert_cmpint(kept, ==, want);
    }
}

/* Threads asking at once for the kernels of variations not yet measured: each variation is
 * measured once, by one thread, and every thread gets its choice. */
enum { ASKERS = 4 };
static const char *const asked[] = {"cosine", "popcorn", "horseshoe", "bent", "linear", "eyefish"};
enum { ASKED = G_N_ELEMENTS(asked) };
typedef struct Asker {
    atomic_int *waiting;
    int way[ASKED];
} Asker;

static gpointer ask_ways(gpointer data)
{
    Asker *a = data;
    atomic_fetch_sub(a->waiting, 1);
    while (atomic_load(a->waiting) > 0) /* all start together */
        ;
    for (int i = 0; i < ASKED; i++) {
        int v;
        g_assert_cmpint(fv_variation_from_name(asked[i], &v), ==, 0);
        a->way[i] = 2 * fv_chaos_best_kernel(v) + fv_chaos_best_grouped(v);
    }
    return NULL;
}

static void test_measured_once(void)
{
    const int before = fv_chaos_measured();
    atomic_int waiting = ASKERS;
    Asker askers[ASKERS];
    GThread *threads[ASKERS];
    for (int t = 0; t < ASKERS; t++) {
        askers[t].waiting = &waiting;
        threads[t] = g_thread_new("asker", ask_ways, &askers[t]);
    }
    for (int t = 0; t < ASKERS; t++)
        g_thread_join(threads[t]);
    for (int t = 1; t < ASKERS; t++)
        for (int i = 0; i < ASKED; i++)
            g_assert_cmpint(askers[t].way[i], ==, askers[0].way[i]);
    /* in a process of its own (meson runs each test so) none was measured before */
    if (before == 0)
        g_assert_cmpint(fv_chaos_measured(), ==, ASKED);
    else
        g_assert_cmpint(fv_chaos_measured() - before, <=, ASKED);
}

/* The framing's two-pass dilation, each instruction set's build of it, equals the plain 3x3
 * one on 0/1 images of every shape, sparse and dense, and in place; the count alone
 * (fv_dilate3_count, each build) is the reference's, and leaves its input as it was. */
static void test_dilate_bit_exact(void)
{
    static const int shapes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {3, 5}, {17, 16}, {128, 128},
                                    {256, 256}, {33, 250}};
    unsigned tried = 0; /* the variants run */
    FvRng rng;
    fv_rng_init(&rng, 0x64696c617465);
    for (size_t s = 0; s < G_N_ELEMENTS(shapes); s++)
        for (int round = 0; round < 6; round++) {
            const int w = shapes[s][0], h = shapes[s][1];
            const size_t n = (size_t)w * h;
            uint8_t *in = g_new(uint8_t, n), *want = g_new(uint8_t, n), *got = g_new(uint8_t, n),
                    *tmp = g_new(uint8_t, n);
            /* from empty to full: a few points, clusters, most pixels */
            const double density = round == 0 ? 0 : round == 5 ? 1 : pow(0.3, 5 - round);
            for (size_t p = 0; p < n; p++)
                in[p] = fv_rng_uniform(&rng, 0, 1) < density;
            int count = fv_dilate3_ref(in, want, w, h);
            uint8_t *ring = g_new(uint8_t, 4 * (size_t)w + 2), *copy = g_memdup2(in, n);
            g_assert_cmpint(fv_dilate3_count(in, ring, w, h), ==, count);
            for (int isa = 0; isa < FV_NUM_ISAS; isa++) {
                FvDilateCountFn f = fv_dilate3_count_for((FvIsa)isa);
                if (f)
                    g_assert_cmpint(f(in, ring, w, h), ==, count);
            }
            g_assert_true(memcmp(in, copy, n) == 0);
            g_free(ring);
            g_free(copy);
            g_assert_cmpint(fv_dilate3(in, got, tmp, w, h), ==, count);
            g_assert_true(memcmp(got, want, n) == 0);
            memcpy(got, in, n); /* in place */
            g_assert_cmpint(fv_dilate3(got, got, tmp, w, h), ==, count);
            g_assert_true(memcmp(got, want, n) == 0);
            /* and every variant this CPU runs, alone */
            for (int isa = 0; isa < FV_NUM_ISAS; isa++) {
                FvDilateFn f = fv_dilate3_for((FvIsa)isa);
                if (!f)
                    continue;
                memset(got, 0, n);
                g_assert_cmpint(f(in, got, tmp, w, h), ==, count);
                g_assert_true(memcmp(got, want, n) == 0);
                memcpy(got, in, n);
                g_assert_cmpint(f(got, got, tmp, w, h), ==, count);
                g_assert_true(memcmp(got, want, n) == 0);
                tried |= 1u << isa;
            }
            g_free(in);
            g_free(want);
            g_free(got);
            g_free(tmp);
        }
    g_assert_true(tried & (1u << FV_ISA_PLAIN));
    if (g_test_verbose())
        g_print("dilate variants run: %#x\n", tried);
}

/* fv_mark_points marks the pixels the plain loop of its definition marks: points inside,
 * on the edges (0, just below size, size itself), outside, huge, infinite and NaN, in counts
 * that end inside and at the end of its blocks; the spare slot takes the outside ones. */
/* Every build of fv_box3_segment this CPU runs gives the 3x3 sums of its definition, counts
 * near UINT32_MAX saturating once, for every segment width up to FV_BOX_CHUNK. */
static void test_box3_segment_every_variant(void)
{
    enum { N = FV_BOX_CHUNK };
    uint32_t up[N + 2], mid[N + 2], dn[N + 2], want[N], got[N];
    const uint32_t *rows[3] = {up, mid, dn};
    unsigned tried = 0;
    FvRng rng;
    fv_rng_init(&rng, 0x626f7833);
    for (int n = 1; n <= N; n += n < 40 ? 1 : 13) {
        for (int i = 0; i < n + 2; i++)
            for (int r = 0; r < 3; r++) {
                int kind = fv_rng_int(&rng, 0, 3);
                ((uint32_t *)rows[r])[i] =
                    kind == 0   ? 0
                    : kind == 1 ? (uint32_t)fv_rng_int(&rng, 0, 1000)
                    : kind == 2 ? UINT32_MAX / 9 + (uint32_t)fv_rng_int(&rng, 0, 3)
                                : UINT32_MAX - (uint32_t)fv_rng_int(&rng, 0, 3);
            }
        for (int x = 0; x < n; x++) {
            uint64_t sum = 0;
            for (int r = 0; r < 3; r++)
                sum += (uint64_t)rows[r][x] + rows[r][x + 1] + rows[r][x + 2];
            want[x] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
        }
        for (int isa = 0; isa < FV_NUM_ISAS; isa++) {
            FvBox3SegmentFn f = fv_box3_segment_for((FvIsa)isa);
            if (!f)
                continue;
            memset(got, 0xa5, sizeof(got));
            f(up, mid, dn, got, n);
            g_assert_cmpmem(got, (size_t)n * 4, want, (size_t)n * 4);
            tried |= 1u << isa;
        }
        fv_box3_segment(up, mid, dn, got, n);
        g_assert_cmpmem(got, (size_t)n * 4, want, (size_t)n * 4);
    }
    g_assert_true(tried & 1u); /* the plain build always */
    if (g_test_verbose())
        g_print("box3-segment variants run: %#x\n", tried);
}

/* Every build of the histogram copies' saturating sum this CPU runs gives min(UINT32_MAX,
 * a + b), into a third array and in place, for every width up to FV_BOX_CHUNK + 2. */
static void test_add_sat_segment_every_variant(void)
{
    enum { N = FV_BOX_CHUNK + 2 };
    uint32_t a[N], b[N], want[N], got[N];
    unsigned tried = 0;
    FvRng rng;
    fv_rng_init(&rng, 0x61646473);
    for (int n = 1; n <= N; n += n < 40 ? 1 : 11) {
        for (int i = 0; i < n; i++) {
            uint32_t *v[2] = {&a[i], &b[i]};
            for (int k = 0; k < 2; k++) {
                int kind = fv_rng_int(&rng, 0, 3);
                *v[k] = kind == 0   ? 0
                        : kind == 1 ? (uint32_t)fv_rng_int(&rng, 0, 1000)
                        : kind == 2 ? UINT32_MAX / 2 + (uint32_t)fv_rng_int(&rng, 0, 3)
                                    : UINT32_MAX - (uint32_t)fv_rng_int(&rng, 0, 3);
            }
            uint64_t sum = (uint64_t)a[i] + b[i];
            want[i] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
        }
        for (int isa = 0; isa < FV_NUM_ISAS; isa++) {
            FvAddSatSegmentFn f = fv_add_sat_segment_for((FvIsa)isa);
            if (!f)
                continue;
            memset(got, 0xa5, sizeof(got));
            f(got, a, b, n);
            g_assert_cmpmem(got, (size_t)n * 4, want, (size_t)n * 4);
            memcpy(got, a, sizeof(a));
            f(got, got, b, n); /* in place, as the third copy on is added */
            g_assert_cmpmem(got, (size_t)n * 4, want, (size_t)n * 4);
            tried |= 1u << isa;
        }
    }
    g_assert_true(tried & 1u); /* the plain build always */
    if (g_test_verbose())
        g_print("add-sat-segment variants run: %#x\n", tried);
}

static void test_mark_points_equals_plain(void)
{
    static const int sizes_[] = {1, 3, 128, 256};
    static const int counts[] = {0, 1, 255, 256, 257, 19200};
    unsigned tried = 0; /* the variants run */
    FvRng rng;
    fv_rng_init(&rng, 0x6d61726b);
    for (size_t z = 0; z < G_N_ELEMENTS(sizes_); z++)
        for (size_t c = 0; c < G_N_ELEMENTS(counts); c++) {
            const int size = sizes_[z], n = counts[c];
            const size_t pixels = (size_t)size * size;
            double *xy = g_new(double, 2 * (size_t)n + 1);
            const double sx = fv_rng_uniform(&rng, 0.5, 2) * size, ox = 0.5 * size;
            const double sy = -fv_rng_uniform(&rng, 0.5, 2) * size, oy = 0.5 * size;
            static const double odd[] = {INFINITY, -INFINITY, NAN, 1e300, -1e300, -0.0};
            for (int i = 0; i < 2 * n; i++) {
                int kind = fv_rng_int(&rng, 0, 9);
                xy[i] = kind < 7   ? fv_rng_uniform(&rng, -0.8, 0.8)
                        : kind < 9 ? (fv_rng_uniform(&rng, -1, 1) < 0 ? -1 : 1) * 0.5 /* an edge */
                                   : odd[fv_rng_int(&rng, 0, G_N_ELEMENTS(odd) - 1)];
            }
            /* exact edges in pixels: 0, size, and the double just below size */
            if (n >= 3) {
                xy[0] = (0 - ox) / sx;
                xy[2] = (size - ox) / sx;
                xy[4] = (nextafter((double)size, 0) - ox) / sx;
            }
            uint8_t *want = g_new0(uint8_t, pixels + 1), *got = g_new0(uint8_t, pixels + 1);
            for (int p = 0; p < n; p++) {
                double px = xy[2 * p] * sx + ox, py = xy[2 * p + 1] * sy + oy;
                if (px >= 0 && px < size && py >= 0 && py < size)
                    want[(int)py * size + (int)px] = 1;
            }
            fv_mark_points(xy, n, sx, ox, sy, oy, size, got);
            g_assert_true(memcmp(got, want, pixels) == 0);
            /* and every variant this CPU runs, alone */
            for (int isa = 0; isa < FV_NUM_ISAS; isa++) {
                FvMarkPointsFn f = fv_mark_points_for((FvIsa)isa);
                if (!f)
                    continue;
                memset(got, 0, pixels + 1);
                f(xy, n, sx, ox, sy, oy, size, got);
                g_assert_true(memcmp(got, want, pixels) == 0);
                tried |= 1u << isa;
            }
            g_free(xy);
            g_free(want);
            g_free(got);
        }
    g_assert_true(tried & (1u << FV_ISA_PLAIN));
    if (g_test_verbose())
        g_print("mark-points variants run: %#x\n", tried);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kernels/mark-points-equals-plain", test_mark_points_equals_plain);
    g_test_add_func("/kernels/bit-exact", test_kernels_bit_exact);
    g_test_add_func("/kernels/counters-saturate", test_counters_saturate);
    g_test_add_func("/kernels/identity-warp-is-plain", test_identity_warp_is_plain);
    g_test_add_func("/kernels/groups-bit-exact", test_groups_bit_exact);
    g_test_add_func("/kernels/probe-bit-exact", test_probe_bit_exact);
    g_test_add_func("/kernels/kept-choices-bit-exact", test_kept_choices_bit_exact);
    g_test_add_func("/kernels/cancelled-walk-counts-its-points",
                    test_cancelled_walk_counts_its_points);
    g_test_add_func("/kernels/chosen-kernel", test_chosen_kernel);
    g_test_add_func("/kernels/random-variations-simd", test_random_variations_simd);
    g_test_add_func("/kernels/ways-kept-after-the-short-runs", test_ways_kept);
    g_test_add_func("/kernels/measured-once-by-threads-asking-at-once", test_measured_once);
    g_test_add_func("/kernels/dilate-bit-exact", test_dilate_bit_exact);
    g_test_add_func("/kernels/box3-segment-every-variant", test_box3_segment_every_variant);
    g_test_add_func("/kernels/add-sat-segment-every-variant", test_add_sat_segment_every_variant);
    return g_test_run();
}
