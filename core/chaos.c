/* The chaos game (G6): walkers hop through randomly chosen maps; every plotted point adds
 * one to its pixel, and one 3x3 box sum per frame turns that into the seed's 3x3 splat.
 *
 * A walker's random numbers are a counter-based stream named by (sample, walker), so every
 * frame of a clip replays the same start points and the same choices (G6), and a frame's
 * histogram is the same integer sum whichever thread ran which lane (E5). */
#include "fv_internal.h"
#include "variations.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_WALK = 0x57414c4b, TAG_START = 0x53545254, TAG_RESET = 0x52455354 };

static void unit_point(uint64_t r, double *x, double *y)
{
    /* two 32-bit halves, each mapped to [-1, 1) */
    *x = (double)(uint32_t)(r >> 32) * (2.0 / 4294967296.0) - 1.0;
    *y = (double)(uint32_t)r * (2.0 / 4294967296.0) - 1.0;
}

void fv_walker_start(uint64_t sample_key, int w, double *x, double *y)
{
    unit_point(fv_draw(fv_key(sample_key, TAG_START, 0), (uint64_t)w), x, y);
}

void fv_walker_init(uint64_t sample_key, int w, uint64_t *walk, uint64_t *reset, double *x,
                    double *y)
{
    *walk = fv_key(sample_key, TAG_WALK, (uint64_t)w);
    *reset = fv_key(sample_key, TAG_RESET, (uint64_t)w);
    fv_walker_start(sample_key, w, x, y);
}

void fv_walker_reset(uint64_t reset, uint64_t i, double *x, double *y)
{
    unit_point(fv_draw(reset, i), x, y);
}

static inline bool runaway(double x, double y)
{
    /* also true for NaN (G9) */
    return !(fabs(x) < FV_RUNAWAY && fabs(y) < FV_RUNAWAY);
}

/* Plot one point; returns 1 when it lands inside the image. */
static inline int plot(const FvSystem *sys, double x, double y, uint32_t *hist, int width,
                       int height)
{
    double px, py;
    if (fv_plot_point(sys, x, y, width, height, &px, &py)) {
        fv_hist_add(&hist[(size_t)(int)py * (size_t)width + (size_t)(int)px]);
        return 1;
    }
    return 0;
}

/* One hop of walker state (x, y) with draw i; returns true when the point is to be plotted. */
static inline __attribute__((always_inline)) bool step_v(const FvSystem *sys, uint64_t walk,
                                                         uint64_t reset, uint64_t i, double *x,
                                                         double *y, uint32_t *skip,
                                                         const int variation)
{
    uint64_t r = fv_draw(walk, i);
    const FvMap *m = &sys->maps[fv_alias_choose(&sys->alias, r)];
    double nx = m->a * *x + m->b * *y + m->e;
    double ny = m->c * *x + m->d * *y + m->f;
    if (variation != FV_VARIATION_LINEAR)
        fv_variation_eval(variation, m, r, &nx, &ny);
    if (runaway(nx, ny)) {
        /* a fresh random point, and a few unplotted iterations (G9) */
        unit_point(fv_draw(reset, i), x, y);
        *skip = FV_RESET_DISCARD;
        return false;
    }
    *x = nx;
    *y = ny;
    if (*skip) {
        (*skip)--;
        return false;
    }
    return true;
}

static inline bool step(const FvSystem *sys, uint64_t walk, uint64_t reset, uint64_t i, double *x,
                        double *y, uint32_t *skip)
{
    return step_v(sys, walk, reset, i, x, y, skip, sys->variation);
}

uint64_t fv_chaos_lane_ref(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                           uint32_t *hist, int width, int height)
{
    uint64_t inside = 0;
    for (int j = 0; j < FV_WALKERS_PER_LANE; j++) {
        int w = lane * FV_WALKERS_PER_LANE + j;
        uint64_t walk = fv_key(sample_key, TAG_WALK, (uint64_t)w);
        uint64_t reset = fv_key(sample_key, TAG_RESET, (uint64_t)w);
        double x, y;
        fv_walker_start(sample_key, w, &x, &y);
        uint32_t skip = FV_DISCARD;
        for (uint64_t i = 0; i < (uint64_t)FV_DISCARD + iters; i++) {
            if (i % FV_CANCEL_ITERS == 0 && fv_system_cancelled(sys))
                return inside;
            if (step(sys, walk, reset, i, &x, &y, &skip))
                inside += (uint64_t)plot(sys, x, y, hist, width, height);
        }
    }
    return inside;
}

/* The probe's walks: walkers 0..FV_PROBE_WALKERS-1 of the render, all of them in lockstep
 * and the variation inlined, the same steps and discards, so the probe's points are the
 * first FV_PROBE_ITERS plotted points of those walkers, iteration by iteration and walker by
 * walker in each (an order neither the box nor the lit estimate depends on; the SIMD probes
 * keep it, so their arrays are equal). */
#define PROBE_GROUP FV_PROBE_WALKERS

static inline __attribute__((always_inline)) int probe_kernel(const FvSystem *sys,
                                                              uint64_t sample_key, double *xy,
                                                              int max_points, const int variation)
{
    int count = 0;
    for (int w0 = 0; w0 < FV_PROBE_WALKERS; w0 += PROBE_GROUP) {
        uint64_t walk[PROBE_GROUP], reset[PROBE_GROUP];
        double x[PROBE_GROUP], y[PROBE_GROUP];
        uint32_t skip[PROBE_GROUP];
        for (int j = 0; j < PROBE_GROUP; j++) {
            walk[j] = fv_key(sample_key, TAG_WALK, (uint64_t)(w0 + j));
            reset[j] = fv_key(sample_key, TAG_RESET, (uint64_t)(w0 + j));
            fv_walker_start(sample_key, w0 + j, &x[j], &y[j]);
            skip[j] = FV_DISCARD;
        }
        for (uint64_t i = 0; i < FV_DISCARD + FV_PROBE_ITERS; i++) {
            for (int j = 0; j < PROBE_GROUP; j++) {
                if (step_v(sys, walk[j], reset[j], i, &x[j], &y[j], &skip[j], variation) &&
                    count < max_points) {
                    xy[2 * count] = x[j];
                    xy[2 * count + 1] = y[j];
                    count++;
                }
            }
        }
    }
    return count;
}

#define PROBE_FUNC(V)                                                                              \
    static int probe_##V(const FvSystem *sys, uint64_t key, double *xy, int max_points)            \
    {                                                                                              \
        return probe_kernel(sys, key, xy, max_points, V);                                          \
    }
FV_FOR_EACH_VARIATION(PROBE_FUNC)
#undef PROBE_FUNC

int fv_probe_points_ref(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points)
{
    switch (sys->variation) {
#define PROBE_CASE(V)                                                                              \
    case V:                                                                                        \
        return probe_##V(sys, sample_key, xy, max_points);
        FV_FOR_EACH_VARIATION(PROBE_CASE)
#undef PROBE_CASE
    default:
        return 0;
    }
}

/* The same walks, the lane's walkers advanced in lockstep: their chains are independent,
 * so the processor overlaps them. Same operations in the same order per walker, so the
 * same points, and integer counts do not care in which order points arrive. A batch of
 * iterations draws its random numbers and map choices first (no dependency on the points,
 * so those long chains overlap freely), then walks, buffering the pixels hit; the
 * histogram increments follow as one tight loop. */
#define SCALAR_BATCH 32

/* The plotting rules a kernel is compiled for: plain, a warp folded into a clip rectangle, a
 * warp with its map. */
enum { WARP_NONE, WARP_RECT, WARP_MAP };

static inline __attribute__((always_inline)) uint64_t
lane_kernel(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters, uint32_t *hist,
            int width, int height, const int variation, const int warped)
{
    enum { K = FV_WALKERS_PER_LANE, BATCH = SCALAR_BATCH };
    double x[K], y[K];
    uint64_t walk[K], reset[K];
    uint32_t skip[K];
    uint64_t inside = 0;
    const int n = sys->alias.n;
    /* Coefficients as structure of arrays, with the alias table beside them. */
    double ca[FV_MAX_MAPS], cb[FV_MAX_MAPS], cc[FV_MAX_MAPS], cd[FV_MAX_MAPS], ce[FV_MAX_MAPS],
        cf[FV_MAX_MAPS];
    for (int i = 0; i < n; i++) {
        ca[i] = sys->maps[i].a;
        cb[i] = sys->maps[i].b;
        cc[i] = sys->maps[i].c;
        cd[i] = sys->maps[i].d;
        ce[i] = sys->maps[i].e;
        cf[i] = sys->maps[i].f;
    }
    uint32_t threshold[FV_MAX_MAPS], alias[FV_MAX_MAPS];
    for (int i = 0; i < n; i++) {
        threshold[i] = sys->alias.threshold[i];
        alias[i] = sys->alias.alias[i];
    }
    const double sx = sys->sx, ox = sys->ox, sy = sys->sy, oy = sys->oy;
    const double fw = width, fh = height;
    const bool rect = warped == WARP_RECT;
    const double cx0 = rect ? sys->warp.clip[0] : 0, cx1 = rect ? sys->warp.clip[1] : 0,
                 cy0 = rect ? sys->warp.clip[2] : 0, cy1 = rect ? sys->warp.clip[3] : 0;
    /* the random variations read the draw itself */
    const bool keep_draws = FV_READS_DRAWS(variation);

    for (int j = 0; j < K; j++) {
        fv_walker_init(sample_key, lane * K + j, &walk[j], &reset[j], &x[j], &y[j]);
        skip[j] = FV_DISCARD;
    }
    uint64_t draws[BATCH][K];
    uint8_t choice[BATCH][K];
    uint32_t buf[BATCH * K];
    const uint64_t total = (uint64_t)FV_DISCARD + iters;
    _Static_assert(FV_CANCEL_ITERS % BATCH == 0, "cancel checks on batch boundaries");
    for (uint64_t i0 = 0; i0 < total; i0 += BATCH) {
        if (i0 % FV_CANCEL_ITERS == 0 && fv_system_cancelled(sys))
            break;
        const int nb = total - i0 < BATCH ? (int)(total - i0) : BATCH;
        for (int b = 0; b < nb; b++) {
#pragma GCC unroll 8
            for (int j = 0; j < K; j++) {
                uint64_t r = fv_draw(walk[j], i0 + (uint64_t)b);
                /* the alias choice without a branch: it is a coin toss per point */
                uint32_t col = (uint32_t)(((r >> 32) * (uint64_t)n) >> 32);
                uint32_t keep = 0u - (uint32_t)((uint32_t)r < threshold[col]);
                choice[b][j] = (uint8_t)((col & keep) | (alias[col] & ~keep));
                if (keep_draws)
                    draws[b][j] = r;
            }
        }
        size_t pos = 0;
        for (int b = 0; b < nb; b++) {
            const uint64_t i = i0 + (uint64_t)b;
#pragma GCC unroll 8
            for (int j = 0; j < K; j++) {
                const int m = choice[b][j];
                double nx = ca[m] * x[j] + cb[m] * y[j] + ce[m];
                double ny = cc[m] * x[j] + cd[m] * y[j] + cf[m];
                if (variation != V_LINEAR)
                    fv_variation_eval(variation, &sys->maps[m], keep_draws ? draws[b][j] : 0, &nx,
                                      &ny);
                if (__builtin_expect(runaway(nx, ny), 0)) {
                    unit_point(fv_draw(reset[j], i), &x[j], &y[j]);
                    skip[j] = FV_RESET_DISCARD;
                    continue;
                }
                x[j] = nx;
                y[j] = ny;
                if (__builtin_expect(skip[j] != 0, 0)) {
                    skip[j]--;
                    continue;
                }
                /* buffered without a branch: the slot is written always, kept when inside */
                double px, py;
                bool in;
                if (rect) {
                    px = nx * sx + ox;
                    py = ny * sy + oy;
                    in = (px >= cx0) & (px < cx1) & (py >= cy0) & (py < cy1);
                } else if (warped) {
                    in = fv_plot_point(sys, nx, ny, width, height, &px, &py);
                } else {
                    px = nx * sx + ox;
                    py = ny * sy + oy;
                    in = (px >= 0) & (px < fw) & (py >= 0) & (py < fh);
                }
                int ix = (int)(in ? px : 0.0), iy = (int)(in ? py : 0.0);
                buf[pos] = (uint32_t)iy * (uint32_t)width + (uint32_t)ix;
                pos += in;
            }
        }
        for (size_t p = 0; p < pos; p++)
            fv_hist_add(&hist[buf[p]]);
        inside += pos;
    }
    return inside;
}

static uint64_t scalar_lane(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                            uint32_t *hist, int width, int height)
{
    /* one copy of the loop per variation and plotting rule, each with both inlined */
    switch (sys->variation) {
#define LANE_CASE(V)                                                                               \
    case V:                                                                                        \
        return !sys->warped     ? lane_kernel(sys, sample_key, lane, iters, hist, width, height, V, \
                                              WARP_NONE)                                           \
               : sys->warp.rect ? lane_kernel(sys, sample_key, lane, iters, hist, width, height, V, \
                                              WARP_RECT)                                           \
                                : lane_kernel(sys, sample_key, lane, iters, hist, width, height, V, \
                                              WARP_MAP);
        FV_FOR_EACH_VARIATION(LANE_CASE)
#undef LANE_CASE
    default:
        return 0;
    }
}

/* ---- kernel choice ---- */

#ifndef FV_SIMD
#define FV_SIMD 1
#endif
#if FV_SIMD && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SIMD 1
#else
#define HAVE_SIMD 0
#endif

const char *fv_chaos_kernel_name(int k)
{
    static const char *const names[FV_NUM_KERNELS] = {"scalar", "avx2", "avx512"};
    return k >= 0 && k < FV_NUM_KERNELS ? names[k] : NULL;
}

FvLaneKernel fv_chaos_kernel(int k, int variation)
{
    if (variation < 0 || variation >= FV_NUM_VARIATIONS)
        return NULL;
    switch (k) {
    case FV_KERNEL_SCALAR:
        return scalar_lane;
#if HAVE_SIMD
    case FV_KERNEL_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
                       fv_chaos_simd_handles(variation)
                   ? fv_chaos_lane_avx2
                   : NULL;
    case FV_KERNEL_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                       __builtin_cpu_supports("popcnt") && fv_chaos_simd_handles(variation)
                   ? fv_chaos_lane_avx512
                   : NULL;
#endif
    default:
        return NULL;
    }
}

/* A group of lanes with the scalar kernel: one after another. */
static uint64_t scalar_group(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                             uint32_t *hist, int width, int height)
{
    uint64_t inside = 0;
    for (int l = 0; l < FV_LANE_GROUP; l++)
        inside += scalar_lane(sys, sample_key, lane + l, iters, hist, width, height);
    return inside;
}

FvLaneKernel fv_chaos_group_kernel(int k, int variation)
{
    if (!fv_chaos_kernel(k, variation)) /* this build, CPU and variation have kernel k */
        return NULL;
    switch (k) {
    case FV_KERNEL_SCALAR:
        return scalar_group;
#if HAVE_SIMD
    case FV_KERNEL_AVX2:
        return fv_chaos_group_avx2;
    case FV_KERNEL_AVX512:
        return fv_chaos_group_avx512;
#endif
    default:
        return NULL;
    }
}

FvProbeKernel fv_chaos_probe_kernel(int k, int variation)
{
    if (!fv_chaos_kernel(k, variation))
        return NULL;
    switch (k) {
    case FV_KERNEL_SCALAR:
        return fv_probe_points_ref;
#if HAVE_SIMD
    case FV_KERNEL_AVX2:
        return fv_chaos_probe_avx2;
    case FV_KERNEL_AVX512:
        return fv_chaos_probe_avx512;
#endif
    default:
        return NULL;
    }
}

static double thread_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A system of the variation to time the kernels on: a class's first frame (a fixed one, of
 * eight maps), framed on a size x size image around the unit square, where a class's
 * attractors mostly are. */
static void timing_system(FvSystem *sys, int variation, int size)
{
    FvClass cls;
    fv_class_draw(&cls, 3, 0);
    memset(sys, 0, sizeof(*sys));
    fv_system_build(sys, &cls, FV_MOTION_NONLINEAR, variation, NULL, 0, cls.frames);
    const FvBox unit = {-1, -1, 1, 1};
    fv_framing_set(sys, &unit, 0.1, size, size);
}

/* Lanes 0..FV_LANE_GROUP-1 of sys on a size x size histogram with kernel k, as one group
 * kernel call (grouped) or lane by lane: one way measure_kernel times. */
static void run_way(int k, bool grouped, const FvSystem *sys, uint32_t iters, uint32_t *hist,
                    int size)
{
    if (grouped) {
        fv_chaos_group_kernel(k, sys->variation)(sys, 0, 0, iters, hist, size, size);
        return;
    }
    FvLaneKernel f = fv_chaos_kernel(k, sys->variation);
    for (int l = 0; l < FV_LANE_GROUP; l++)
        f(sys, 0, l, iters, hist, size, size);
}

int fv_chaos_ways_kept(int n, const int *kernel, const double *ns, bool *keep)
{
    double lead = INFINITY;
    for (int c = 0; c < n; c++)
        lead = ns[c] < lead ? ns[c] : lead;
    int kept = 0;
    for (int c = 0; c < n; c++) {
        double fastest = ns[c]; /* of kernel[c]'s ways */
        for (int o = 0; o < n; o++)
            if (kernel[o] == kernel[c] && ns[o] < fastest)
                fastest = ns[o];
        /* the lead's kernel is always kept; so is a NaN time, timed again in full */
        keep[c] = !(fastest > FV_WAYS_KEPT_RATIO * lead);
        kept += keep[c];
    }
    return kept;
}

/* Which kernel this CPU runs fastest for the variation, and whether a group of lanes (the
 * renderer's usual task) is faster with its group kernel or lane by lane: each way this CPU
 * has, timed on a group in alternating rounds, by its least thread CPU time, so a busy
 * machine slows every candidate alike. A group kernel keeps more vectors in flight; a lane
 * alone leaves room in the core for the histogram increments, which a short walk (linear)
 * can fill. A first short run of each way (a walk's discarded steps and 4 plotted ones, also
 * the code's first use) drops the kernels far behind (fv_chaos_ways_kept: on an AVX-512 core
 * with full-width units, AVX2 and the plain kernel), so the rounds time only the contenders.
 * Timed at the paper's 256x256 (the histogram in L2, as a clip's). Every way gives the same
 * counts, so the choice changes the speed only. The kernels that keep a sample's map choices
 * (FvChoices) are timed reading them, as they run in all frames of a clip but the first.
 * Once per variation: about 1-4 ms on a 2.5 GHz Xeon (2-9 ms when every kernel was timed in
 * every round).
 * Returns the kernel; *grouped tells the way. */
static int measure_kernel(int variation, bool simd, bool *grouped)
{
    enum { SIZE = 256, ITERS = 400, ROUNDS = 3 };
    int cand[2 * FV_NUM_KERNELS], n = 0;
    bool group[2 * FV_NUM_KERNELS];
    for (int k = FV_NUM_KERNELS - 1; k >= 0; k--) { /* widest first, groups first: kept on a tie */
        if (!(simd || k == FV_KERNEL_SCALAR) || !fv_chaos_group_kernel(k, variation))
            continue;
        cand[n] = k;
        group[n++] = true;
        if (k != FV_KERNEL_SCALAR) { /* the scalar group is its lanes one at a time */
            cand[n] = k;
            group[n++] = false;
        }
    }
    *grouped = group[0];
    if (n == 1)
        return cand[0];
    uint32_t *hist = calloc((size_t)SIZE * SIZE, sizeof(*hist));
    if (!hist) /* no room to time them: the widest group */
        return cand[0];
    memset(hist, 0, (size_t)SIZE * SIZE * sizeof(*hist)); /* its pages, before any timing */
    FvSystem sys;
    timing_system(&sys, variation, SIZE);
    /* the map choices kept, as every frame of a clip but its first reads them (the kernels
     * that keep them), written by a first run of the widest way */
    FvChoices kept = {.steps = FV_DISCARD + ITERS, .n = sys.alias.n};
    kept.words = malloc((size_t)fv_choices_bytes(kept.steps));
    if (kept.words) {
        sys.choices = &kept;
        run_way(cand[0], group[0], &sys, ITERS, hist, SIZE);
    }
    double best[2 * FV_NUM_KERNELS], brief[2 * FV_NUM_KERNELS];
    bool keep[2 * FV_NUM_KERNELS];
    for (int c = 0; c < n; c++) {
        best[c] = INFINITY;
        /* a short run first: the code's first use (its pages, caches), and a first timing */
        double t0 = thread_ns();
        run_way(cand[c], group[c], &sys, 4, hist, SIZE);
        brief[c] = thread_ns() - t0;
    }
    fv_chaos_ways_kept(n, cand, brief, keep);
    for (int round = 0; round < ROUNDS; round++)
        for (int c = 0; c < n; c++) {
            if (!keep[c]) /* far behind in the short run */
                continue;
            double t0 = thread_ns();
            run_way(cand[c], group[c], &sys, ITERS, hist, SIZE);
            double t = thread_ns() - t0;
            best[c] = t < best[c] ? t : best[c];
        }
    free(kept.words);
    free(hist);
    int pick = 0;
    for (int c = 1; c < n; c++)
        if (best[c] < best[pick])
            pick = c;
    *grouped = group[pick];
    return cand[pick];
}

/* The way chosen per variation on first use: kernel + 1, plus GROUPED when a group of lanes
 * runs the group kernel; 0 while not measured. */
enum { GROUPED = 1 << 4 };
static atomic_int best_way[FV_NUM_VARIATIONS];
static atomic_int measured;
/* Held while a variation is measured: one at a time, so that no other measurement runs
 * beside it. A renderer's threads all reach a new variation at once (in their probes), and
 * two measuring side by side slowed each other unevenly: 2-thread renders chose cosine's
 * slower way (lane by lane, 12% slower) in some processes, 1-thread renders never. */
static pthread_mutex_t measuring = PTHREAD_MUTEX_INITIALIZER;

static int best_way_of(int variation)
{
    int w = atomic_load_explicit(&best_way[variation], memory_order_acquire);
    if (w)
        return w;
    pthread_mutex_lock(&measuring);
    w = atomic_load_explicit(&best_way[variation], memory_order_relaxed);
    if (!w) {
        const char *no_simd = getenv("FV_NO_SIMD");
        bool simd = !(no_simd && *no_simd && strcmp(no_simd, "0") != 0), grouped;
        int k = measure_kernel(variation, simd, &grouped);
        w = (k + 1) | (grouped ? GROUPED : 0);
        atomic_fetch_add_explicit(&measured, 1, memory_order_relaxed);
        atomic_store_explicit(&best_way[variation], w, memory_order_release);
    }
    pthread_mutex_unlock(&measuring);
    return w;
}

int fv_chaos_measured(void)
{
    return atomic_load_explicit(&measured, memory_order_relaxed);
}

/* Best kernel per variation, chosen on first use. FV_NO_SIMD=1 in the environment keeps to
 * the scalar kernel, for A/B runs; either way the pixels are the same. */
int fv_chaos_best_kernel(int variation)
{
    if (variation < 0 || variation >= FV_NUM_VARIATIONS)
        return FV_KERNEL_SCALAR;
    return (best_way_of(variation) & (GROUPED - 1)) - 1;
}

bool fv_chaos_best_grouped(int variation)
{
    if (variation < 0 || variation >= FV_NUM_VARIATIONS)
        return false;
    return (best_way_of(variation) & GROUPED) != 0;
}

uint64_t fv_chaos_lane(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                       uint32_t *hist, int width, int height)
{
    if (sys->variation < 0 || sys->variation >= FV_NUM_VARIATIONS)
        return 0;
    return fv_chaos_kernel(fv_chaos_best_kernel(sys->variation),
                           sys->variation)(sys, sample_key, lane, iters, hist, width, height);
}

uint64_t fv_chaos_lanes(const FvSystem *sys, uint64_t sample_key, int lane, int nlanes,
                        uint32_t iters, uint32_t *hist, int width, int height)
{
    if (sys->variation < 0 || sys->variation >= FV_NUM_VARIATIONS)
        return 0;
    if (nlanes == FV_LANE_GROUP && fv_chaos_best_grouped(sys->variation))
        return fv_chaos_group_kernel(fv_chaos_best_kernel(sys->variation),
                                     sys->variation)(sys, sample_key, lane, iters, hist, width,
                                                     height);
    uint64_t inside = 0;
    for (int l = 0; l < nlanes; l++)
        inside += fv_chaos_lane(sys, sample_key, lane + l, iters, hist, width, height);
    return inside;
}

int fv_probe_points(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points)
{
    if (sys->variation < 0 || sys->variation >= FV_NUM_VARIATIONS)
        return 0;
    return fv_chaos_probe_kernel(fv_chaos_best_kernel(sys->variation),
                                 sys->variation)(sys, sample_key, xy, max_points);
}

static inline uint32_t add_sat32(uint32_t a, uint32_t b)
{
    uint32_t s = a + b;
    return s < a ? UINT32_MAX : s;
}

/* Saturating adds of non-negative counts give min(UINT32_MAX, the sum) in any order, so the
 * column sums and then their sums along the row equal the 3x3 sum saturated once. Plain
 * loops over short arrays, for the compiler to vectorise; compiled once per instruction set
 * below (16 counts a vector with AVX-512 against 4), the same sums on each. */
static inline __attribute__((always_inline)) void box3_segment(const uint32_t *up,
                                                               const uint32_t *mid,
                                                               const uint32_t *dn, uint32_t *out,
                                                               int n)
{
    uint32_t col[FV_BOX_CHUNK + 2];
    for (int i = 0; i < n + 2; i++)
        col[i] = add_sat32(add_sat32(up[i], mid[i]), dn[i]);
    for (int i = 0; i < n; i++)
        out[i] = add_sat32(add_sat32(col[i], col[i + 1]), col[i + 2]);
}

/* The same for the sum of two histogram copies (the plain x86-64 build has no unsigned
 * 32-bit min or compare to saturate with) */
static inline __attribute__((always_inline)) void add_sat_segment(uint32_t *out,
                                                                  const uint32_t *a,
                                                                  const uint32_t *b, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = add_sat32(a[i], b[i]);
}

#define SEGMENT_BUILD(isa, ATTR)                                                                   \
    static ATTR void box3_segment_##isa(const uint32_t *up, const uint32_t *mid,                   \
                                        const uint32_t *dn, uint32_t *out, int n)                  \
    {                                                                                              \
        box3_segment(up, mid, dn, out, n);                                                         \
    }                                                                                              \
    static ATTR void add_sat_segment_##isa(uint32_t *out, const uint32_t *a, const uint32_t *b,    \
                                           int n)                                                  \
    {                                                                                              \
        add_sat_segment(out, a, b, n);                                                             \
    }
SEGMENT_BUILD(plain, )
#if FV_SIMD && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
SEGMENT_BUILD(avx2, __attribute__((target("avx2"))))
SEGMENT_BUILD(avx512, __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))))
static const FvBox3SegmentFn box3_segment_isa[FV_NUM_ISAS] = {
    box3_segment_plain, box3_segment_avx2, box3_segment_avx512};
static const FvAddSatSegmentFn add_sat_segment_isa[FV_NUM_ISAS] = {
    add_sat_segment_plain, add_sat_segment_avx2, add_sat_segment_avx512};
#else
static const FvBox3SegmentFn box3_segment_isa[FV_NUM_ISAS] = {box3_segment_plain};
static const FvAddSatSegmentFn add_sat_segment_isa[FV_NUM_ISAS] = {add_sat_segment_plain};
#endif

FvBox3SegmentFn fv_box3_segment_for(FvIsa isa)
{
    return fv_isa_runs(isa) ? box3_segment_isa[isa] : NULL;
}

FvAddSatSegmentFn fv_add_sat_segment_for(FvIsa isa)
{
    return fv_isa_runs(isa) ? add_sat_segment_isa[isa] : NULL;
}

void fv_box3_segment(const uint32_t *up, const uint32_t *mid, const uint32_t *dn, uint32_t *out,
                     int n)
{
    box3_segment_isa[fv_isa_best()](up, mid, dn, out, n);
}

/* Columns x0 - 1 .. x0 + n of a row (NULL: outside the image) into seg, zero outside it. */
static void padded_segment(const uint32_t *row, int width, int x0, int n, uint32_t *seg)
{
    for (int i = 0; i < n + 2; i++) {
        int x = x0 - 1 + i;
        seg[i] = row && x >= 0 && x < width ? row[x] : 0;
    }
}

void fv_box3_row(const uint32_t *up, const uint32_t *mid, const uint32_t *dn, uint32_t *out,
                 int width)
{
    uint32_t u[FV_BOX_CHUNK + 2], m[FV_BOX_CHUNK + 2], d[FV_BOX_CHUNK + 2];
    for (int x0 = 0; x0 < width; x0 += FV_BOX_CHUNK) {
        const int n = width - x0 < FV_BOX_CHUNK ? width - x0 : FV_BOX_CHUNK;
        padded_segment(up, width, x0, n, u);
        padded_segment(mid, width, x0, n, m);
        padded_segment(dn, width, x0, n, d);
        fv_box3_segment(u, m, d, out + x0, n);
    }
}

void fv_box3_rows(const uint32_t *in, uint32_t *out, int width, int height, int y0, int y1)
{
    for (int y = y0; y < y1; y++)
        fv_box3_row(y > 0 ? in + (size_t)(y - 1) * width : NULL, in + (size_t)y * width,
                    y + 1 < height ? in + (size_t)(y + 1) * width : NULL,
                    out + (size_t)y * width, width);
}

void fv_splat3_naive(const int *px, const int *py, size_t npoints, uint32_t *out, int width,
                     int height)
{
    memset(out, 0, sizeof(*out) * (size_t)width * (size_t)height);
    for (size_t p = 0; p < npoints; p++) {
        if (px[p] < 0 || px[p] >= width || py[p] < 0 || py[p] >= height)
            continue;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int x = px[p] + dx, y = py[p] + dy;
                if (x >= 0 && x < width && y >= 0 && y < height)
                    out[(size_t)y * width + x]++;
            }
    }
}
