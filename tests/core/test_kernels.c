/* Every chaos-game lane kernel this build and CPU have (scalar, AVX2, AVX-512) gives the
 * reference's histogram and inside count, bit for bit, on the renderer's own systems and on
 * random ones built to reach runaway resets, infinities, NaN and points off the image (G6,
 * G9). Like dav1d's checkasm: a kernel the CPU lacks is reported, not failed. */
#include "fv_internal.h"
#include "kernel_systems.h"

#include <glib.h>
#include <string.h>

static const int sizes[][2] = {{256, 256}, {64, 48}, {17, 16}, {16, 23}};

typedef struct Stats {
    long runs[FV_NUM_KERNELS];
} Stats;

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
    Stats stats = {{0}};
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
    }
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        if (stats.runs[k])
            g_test_message("kernel %s: %ld systems bit-exact", fv_chaos_kernel_name(k),
                           stats.runs[k]);
        else
            g_test_message("kernel %s: not available in this build or on this CPU",
                           fv_chaos_kernel_name(k));
    }
    g_assert_cmpint(stats.runs[FV_KERNEL_SCALAR], >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kernels/bit-exact", test_kernels_bit_exact);
    return g_test_run();
}
