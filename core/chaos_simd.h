/* The chaos-game lane kernels with AVX2 and AVX-512 (G6), what they share: one vector lane
 * per walker, doing per walker exactly the operations of fv_chaos_lane_ref in the same order,
 * so the same bits (tests/core/test_kernels.c). Every step is exactly rounded in IEEE
 * arithmetic (the 64-bit integer mix, + - * / sqrt, min, max), and nothing may be fused: no
 * FMA (the build passes -ffp-contract=off, and the targets do not enable FMA). The
 * transcendental variations use fvmath_simd.h, the vector twins of fvmath.h's functions,
 * bit-exact with them (tests/core/test_fvmath_simd.c); the random ones (julia, noise, rays,
 * blade) read each step's draw (recomputed from the walk stream, the kept map choices not
 * used), and those needing pow or fmod (power, rings, fan) stay on the scalar kernel.
 *
 * Compiled for any x86-64 with per-function targets; chaos.c runs a kernel only when the
 * CPU reports its instruction set. Runaway walkers (rare) are fixed up one lane at a time by
 * the reference's own code (chaos_simd.c); the histogram increments are scalar too, so two
 * lanes hitting one pixel count twice.
 *
 * Here: the variations written once for any vector width, the warp, the map choices' modes,
 * the walkers' set-up. The kernels themselves are chaos_avx2.c and chaos_avx512.c, two files
 * so that a build compiles them side by side (each is a copy of the loop per variation and
 * plotting rule: minutes of compiling under the sanitizers). Internal to the core. */
#ifndef FV_CHAOS_SIMD_H
#define FV_CHAOS_SIMD_H

#include "fv_internal.h"
#include "fvmath_simd.h"
#include "variations.h"

#include <string.h>

#ifndef FV_SIMD
#define FV_SIMD 1
#endif
#if FV_SIMD && FV_HAVE_FVMATH_SIMD

#include <immintrin.h>

#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)
#define MIX1 UINT64_C(0xbf58476d1ce4e5b9)
#define MIX2 UINT64_C(0x94d049bb133111eb)

/* fv_hist_add as the kernels' ring increments run it: one add to memory and a branch on
 * its carry (never taken in practice), where the compiler would load, add, select and store */
static inline __attribute__((always_inline)) void ring_add(uint32_t *counter)
{
    __asm__ goto("addl $1, %0\n\tjc %l[wrapped]" : "+m"(*counter) : : "cc" : wrapped);
    return;
wrapped:
    *counter = UINT32_MAX;
}

/* The increments of steps step0..step1-1 of a ring (lanes counters a step) */
static inline __attribute__((always_inline)) void ring_drain(uint32_t *const *ring, int step0,
                                                             int step1, const int lanes)
{
    for (int i = step0 * lanes; i < step1 * lanes; i++)
        ring_add(ring[i]);
}

/* The variations with SIMD kernels */
/* clang-format off */
#define SIMD_VARIATIONS(X)                                                                         \
    X(V_LINEAR) X(V_SINUSOIDAL) X(V_SPHERICAL) X(V_SWIRL) X(V_HORSESHOE) X(V_POLAR)                \
    X(V_HANDKERCHIEF) X(V_HEART) X(V_DISC) X(V_SPIRAL) X(V_HYPERBOLIC) X(V_DIAMOND) X(V_EX)        \
    X(V_BENT) X(V_WAVES) X(V_FISHEYE) X(V_POPCORN) X(V_EXPONENTIAL) X(V_COSINE) X(V_EYEFISH)       \
    X(V_BUBBLE) X(V_CYLINDER) X(V_TANGENT) X(V_CROSS) X(V_RINGS) X(V_FAN) X(V_POWER)
/* The random variations (julia, noise, rays, blade: they read the step's draw, G5) */
#define RANDOM_VARIATIONS(X) X(V_JULIA) X(V_NOISE) X(V_RAYS) X(V_BLADE)
/* clang-format on */
#define CASE(v) case v:

/* c ? a : b lane by lane, for c a comparison of GCC vectors (every bit set where true) */
#define VSEL(c, a, b) ((__typeof__(a))(((c) & (__typeof__(c))(a)) | (~(c) & (__typeof__(c))(b))))

/* The variations of variations.h, written once for any vector width with GCC vector
 * operators (+ - * / on vectors are the packed instructions, lane by lane, in the order
 * written). INLINE gives the target and inlining, V the vector type, W its lanes (the
 * transcendentals are fvmath_simd.h's fvW_sin, ...); MIN, MAX, SQRT and ABS are packed
 * instructions, MIN(a, b) being a < b ? a : b and MAX(a, b) being a > b ? a : b as minpd and
 * maxpd are, NaN included: fv_sane and fv_neg_part exactly; NZ is fv_nz. mb, md, me, mf are the
 * coefficients b, d, e, f of each walker's map (waves and popcorn read them). clamp false skips
 * the first fv_sane, for callers that know every lane below FV_RUNAWAY in magnitude (and so
 * unchanged by it). The result is the reference's before its final clamp (see the end). */
/* clang-format off */
#define DEFINE_VARIATION(INLINE, name, V, W, MIN, MAX, SQRT, ABS, NZ)                              \
    INLINE void name(int v, V *px, V *py, V mb, V md, V me, V mf, const bool clamp)                \
    {                                                                                              \
        const V zero = {0}, lim = zero + FV_RUNAWAY, eps = zero + FV_EPS;                          \
        V x = *px, y = *py;                                                                        \
        if (clamp) {                                                                               \
            x = MAX(MIN(x, lim), -lim);                                                            \
            y = MAX(MIN(y, lim), -lim);                                                            \
        }                                                                                          \
        V ox = x, oy = y;                                                                          \
        switch (v) {                                                                               \
        case V_SINUSOIDAL:                                                                         \
            ox = fv##W##_sin(x);                                                                   \
            oy = fv##W##_sin(y);                                                                   \
            break;                                                                                 \
        case V_SPHERICAL: {                                                                        \
            V r2 = x * x + y * y;                                                                  \
            ox = x / (r2 + eps);                                                                   \
            oy = y / (r2 + eps);                                                                   \
            break;                                                                                 \
        }                                                                                          \
        case V_SWIRL: {                                                                            \
            V r2 = x * x + y * y, s, c;                                                            \
            fv##W##_sincos(r2, &s, &c);                                                            \
            ox = x * s - y * c;                                                                    \
            oy = x * c + y * s;                                                                    \
            break;                                                                                 \
        }                                                                                          \
        case V_HORSESHOE: {                                                                        \
            V r2 = x * x + y * y, r = SQRT(r2);                                                    \
            ox = (x - y) * (x + y) / (r + eps);                                                    \
            oy = 2.0 * x * y / (r + eps);                                                          \
            break;                                                                                 \
        }                                                                                          \
        case V_POLAR: {                                                                            \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x);                          \
            ox = th / FV_PI;                                                                       \
            oy = r - 1.0;                                                                          \
            break;                                                                                 \
        }                                                                                          \
        case V_HANDKERCHIEF: {                                                                     \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x);                          \
            ox = r * fv##W##_sin(th + r);                                                          \
            oy = r * fv##W##_cos(th - r);                                                          \
            break;                                                                                 \
        }                                                                                          \
        case V_HEART: {                                                                            \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), s, c;                    \
            fv##W##_sincos(th * r, &s, &c);                                                        \
            ox = r * s;                                                                            \
            oy = -r * c;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_DISC: {                                                                             \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), s, c;                    \
            fv##W##_sincos(FV_PI * r, &s, &c);                                                     \
            ox = th / FV_PI * s;                                                                   \
            oy = th / FV_PI * c;                                                                   \
            break;                                                                                 \
        }                                                                                          \
        case V_SPIRAL: {                                                                           \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), st, ct, sr, cr;          \
            fv##W##_sincos(th, &st, &ct);                                                          \
            fv##W##_sincos(r, &sr, &cr);                                                           \
            ox = (ct + sr) / (r + eps);                                                            \
            oy = (st - cr) / (r + eps);                                                            \
            break;                                                                                 \
        }                                                                                          \
        case V_HYPERBOLIC: {                                                                       \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), st, ct;                  \
            fv##W##_sincos(th, &st, &ct);                                                          \
            ox = st / (r + eps);                                                                   \
            oy = r * ct;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_DIAMOND: {                                                                          \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), st, ct, sr, cr;          \
            fv##W##_sincos(th, &st, &ct);                                                          \
            fv##W##_sincos(r, &sr, &cr);                                                           \
            ox = st * cr;                                                                          \
            oy = ct * sr;                                                                          \
            break;                                                                                 \
        }                                                                                          \
        case V_EX: {                                                                               \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x);                          \
            V p0 = fv##W##_sin(th + r), p1 = fv##W##_cos(th - r);                                  \
            p0 = p0 * p0 * p0;                                                                     \
            p1 = p1 * p1 * p1;                                                                     \
            ox = r * (p0 + p1);                                                                    \
            oy = r * (p0 - p1);                                                                    \
            break;                                                                                 \
        }                                                                                          \
        case V_BENT:                                                                               \
            ox = x + MIN(x, zero);                                                                 \
            oy = y - 0.5 * MIN(y, zero);                                                           \
            break;                                                                                 \
        case V_WAVES:                                                                              \
            ox = x + mb * fv##W##_sin(y / NZ(me * me));                                            \
            oy = y + md * fv##W##_sin(x / NZ(mf * mf));                                            \
            break;                                                                                 \
        case V_FISHEYE: {                                                                          \
            V r2 = x * x + y * y, r = SQRT(r2);                                                    \
            ox = 2.0 * y / (r + 1.0);                                                              \
            oy = 2.0 * x / (r + 1.0);                                                              \
            break;                                                                                 \
        }                                                                                          \
        case V_POPCORN:                                                                            \
            ox = x + me * fv##W##_sin(fv##W##_tan(3.0 * y));                                       \
            oy = y + mf * fv##W##_sin(fv##W##_tan(3.0 * x));                                       \
            break;                                                                                 \
        case V_EXPONENTIAL: {                                                                      \
            /* fmin(x - 1, 700): x - 1 is never NaN here (x is sane) */                            \
            V g = fv##W##_exp(MIN(x - 1.0, zero + 700.0)), s, c;                                   \
            fv##W##_sincos(FV_PI * y, &s, &c);                                                     \
            ox = g * c;                                                                            \
            oy = g * s;                                                                            \
            break;                                                                                 \
        }                                                                                          \
        case V_POWER: {                                                                            \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), st, ct;                  \
            fv##W##_sincos(th, &st, &ct);                                                          \
            V p = fv##W##_pow(r, st);                                                              \
            ox = p * ct;                                                                           \
            oy = p * st;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_COSINE: {                                                                           \
            V s, c, t = fv##W##_tanh(y);                                                           \
            fv##W##_sincos(FV_PI * x, &s, &c);                                                     \
            ox = c * t;                                                                            \
            oy = -s * t;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_RINGS: {                                                                            \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), st, ct;                  \
            V c2 = me * me + eps;                                                                  \
            V k = fv##W##_fmod(r + c2, 2.0 * c2) - c2 + r * (1.0 - c2);                            \
            fv##W##_sincos(th, &st, &ct);                                                          \
            ox = k * ct;                                                                           \
            oy = k * st;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_FAN: {                                                                              \
            V r2 = x * x + y * y, r = SQRT(r2), th = fv##W##_atan2(y, x), s, c;                    \
            V t = FV_PI * me * me + eps;                                                           \
            /* the divisor's sign: t added where the remainder is below 0 */                       \
            V phase = fv##W##_fmod(th + mf, t);                                                    \
            phase = VSEL(phase < zero, phase + t, phase);                                          \
            fv##W##_sincos(VSEL(phase > t / 2.0, th - t / 2.0, th + t / 2.0), &s, &c);             \
            ox = r * c;                                                                            \
            oy = r * s;                                                                            \
            break;                                                                                 \
        }                                                                                          \
        case V_EYEFISH: {                                                                          \
            V r2 = x * x + y * y, r = SQRT(r2);                                                    \
            ox = 2.0 * x / (r + 1.0);                                                              \
            oy = 2.0 * y / (r + 1.0);                                                              \
            break;                                                                                 \
        }                                                                                          \
        case V_BUBBLE: {                                                                           \
            V r2 = x * x + y * y;                                                                  \
            ox = 4.0 * x / (r2 + 4.0);                                                             \
            oy = 4.0 * y / (r2 + 4.0);                                                             \
            break;                                                                                 \
        }                                                                                          \
        case V_CYLINDER:                                                                           \
            ox = fv##W##_sin(x);                                                                   \
            break;                                                                                 \
        case V_TANGENT:                                                                            \
            ox = fv##W##_sin(x) / NZ(fv##W##_cos(y));                                              \
            oy = fv##W##_tan(y);                                                                   \
            break;                                                                                 \
        case V_CROSS: {                                                                            \
            V k = ABS(x * x - y * y);                                                              \
            k = 1.0 / (k + eps);                                                                   \
            ox = k * x;                                                                            \
            oy = k * y;                                                                            \
            break;                                                                                 \
        }                                                                                          \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
        /* fv_variation_eval's final fv_sane is left out: it changes only values that are          \
         * runaways either way (|v| >= FV_RUNAWAY or NaN, clamped to +-FV_RUNAWAY), and the        \
         * kernels' runaway test, the next thing to see them, decides the same on both */          \
        *px = ox;                                                                                  \
        *py = oy;                                                                                  \
    }
/* clang-format on */

/* Whether a group kernel runs the variation of its vectors in phases (DEFINE_PHASED): the
 * variations whose step is a long chain of many operations (sin of tan, sincos beside tanh, a
 * sine). A group's vectors, each stepped in turn, do not overlap in the core: one vector's
 * step fills the scheduler while it waits on its own chain. The same function of every
 * vector, side by side, then the next, do (popcorn 1.3x, cosine and cylinder 4-5% on an
 * AVX-512 Xeon; the variations of a square root and divisions, bound by the divider, gain
 * nothing, and stay as they are). */
#define PHASED(v) ((v) == V_POPCORN || (v) == V_COSINE || (v) == V_CYLINDER)

/* The variation of n vectors (n <= GROUP_WALKERS / W), phase by phase: each function of the
 * variation for every vector, then the next. Each vector gets the operations of
 * DEFINE_VARIATION's name, in its order (clamp as there), so the same bits. */
/* clang-format off */
#define DEFINE_PHASED(INLINE, name, V, W, MIN, MAX)                                                \
    INLINE void name(int v, int n, V *px, V *py, const V *me, const V *mf, const bool clamp)      \
    {                                                                                              \
        enum { NMAX = GROUP_WALKERS / W };                                                         \
        const V zero = {0}, lim = zero + FV_RUNAWAY;                                               \
        V x[NMAX], y[NMAX], t[2 * NMAX], u[2 * NMAX];                                              \
        for (int g = 0; g < n; g++) {                                                              \
            x[g] = px[g];                                                                          \
            y[g] = py[g];                                                                          \
            if (clamp) {                                                                           \
                x[g] = MAX(MIN(x[g], lim), -lim);                                                  \
                y[g] = MAX(MIN(y[g], lim), -lim);                                                  \
            }                                                                                      \
        }                                                                                          \
        switch (v) {                                                                               \
        case V_POPCORN: /* (x + e sin(tan(3y)), y + f sin(tan(3x))) */                             \
            for (int g = 0; g < n; g++) {                                                          \
                t[2 * g] = 3.0 * y[g];                                                             \
                t[2 * g + 1] = 3.0 * x[g];                                                         \
            }                                                                                      \
            for (int j = 0; j < 2 * n; j++)                                                        \
                t[j] = fv##W##_tan(t[j]);                                                          \
            for (int j = 0; j < 2 * n; j++)                                                        \
                t[j] = fv##W##_sin(t[j]);                                                          \
            for (int g = 0; g < n; g++) {                                                          \
                px[g] = x[g] + me[g] * t[2 * g];                                                   \
                py[g] = y[g] + mf[g] * t[2 * g + 1];                                               \
            }                                                                                      \
            break;                                                                                 \
        case V_COSINE: /* t = tanh(y), (s, c) = sincos(pi x): (c t, -s t) */                       \
            for (int g = 0; g < n; g++)                                                            \
                t[g] = fv##W##_tanh(y[g]);                                                         \
            for (int g = 0; g < n; g++)                                                            \
                fv##W##_sincos(FV_PI * x[g], &u[2 * g], &u[2 * g + 1]);                            \
            for (int g = 0; g < n; g++) {                                                          \
                px[g] = u[2 * g + 1] * t[g];                                                       \
                py[g] = -u[2 * g] * t[g];                                                          \
            }                                                                                      \
            break;                                                                                 \
        case V_CYLINDER:                                                                           \
            for (int g = 0; g < n; g++) {                                                          \
                px[g] = fv##W##_sin(x[g]);                                                         \
                py[g] = y[g];                                                                      \
            }                                                                                      \
            break;                                                                                 \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
    }
/* clang-format on */

/* The random variations of variations.h (fv_variation_eval with the step's draws rnd), written
 * once for any width as DEFINE_VARIATION is: I the integer vector of the draws, UNIT(rnd, which)
 * fv_rnd_unit, OMEGA(rnd) julia's omega (pi where the draw's top bit is set, else 0, added
 * either way). Per lane the reference's operations in its order, the first clamp only when
 * clamp, the final one left out. */
/* clang-format off */
#define DEFINE_RANDOM(INLINE, name, V, I, W, MIN, MAX, SQRT, UNIT, OMEGA)                           \
    INLINE void name(int v, V *px, V *py, I rnd, const bool clamp)                                 \
    {                                                                                              \
        const V zero = {0}, lim = zero + FV_RUNAWAY, eps = zero + FV_EPS;                          \
        V x = *px, y = *py;                                                                        \
        if (clamp) {                                                                               \
            x = MAX(MIN(x, lim), -lim);                                                            \
            y = MAX(MIN(y, lim), -lim);                                                            \
        }                                                                                          \
        V ox = x, oy = y, r2 = x * x + y * y, s, c;                                                \
        switch (v) {                                                                               \
        case V_JULIA: {                                                                            \
            V r = SQRT(r2), th = fv##W##_atan2(y, x), omega = OMEGA(rnd), sr = SQRT(r);            \
            fv##W##_sincos(th / 2.0 + omega, &s, &c);                                              \
            ox = sr * c;                                                                           \
            oy = sr * s;                                                                           \
            break;                                                                                 \
        }                                                                                          \
        case V_NOISE: {                                                                            \
            V p1 = UNIT(rnd, 0), p2 = UNIT(rnd, 1);                                                \
            fv##W##_sincos(2 * FV_PI * p2, &s, &c);                                                \
            ox = p1 * x * c;                                                                       \
            oy = p1 * y * s;                                                                       \
            break;                                                                                 \
        }                                                                                          \
        case V_RAYS: {                                                                             \
            V p = UNIT(rnd, 0), k = fv##W##_tan(p * FV_PI) / (r2 + eps);                           \
            fv##W##_sincos(x, &s, &c);                                                             \
            ox = k * c;                                                                            \
            oy = k * s;                                                                            \
            break;                                                                                 \
        }                                                                                          \
        case V_BLADE: {                                                                            \
            V r = SQRT(r2), p = UNIT(rnd, 0);                                                      \
            fv##W##_sincos(p * r, &s, &c);                                                         \
            ox = x * (c + s);                                                                      \
            oy = x * (c - s);                                                                      \
            break;                                                                                 \
        }                                                                                          \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
        *px = ox;                                                                                  \
        *py = oy;                                                                                  \
    }
/* clang-format on */

/* The rare lanes of one vector where some walker ran away: the reference's step and plot,
 * one walker at a time, from the vector's new points nx, ny. */
__attribute__((cold)) void fv_simd_fix_up(const FvSystem *sys, int lanes, const double *nx,
                                          const double *ny, double *x, double *y, int64_t *skip,
                                          const uint64_t *reset, uint64_t i, uint32_t *hist,
                                          int width, int height, uint64_t *inside, double *pts_x,
                                          double *pts_y, size_t *npts);

/* Walkers of a group of FV_LANE_GROUP lanes, advanced together: more independent vectors
 * in flight, the same walks (a walker's streams are keyed by its index alone). */
#define GROUP_WALKERS (FV_WALKERS_PER_LANE * FV_LANE_GROUP)
_Static_assert(GROUP_WALKERS == FV_PROBE_WALKERS, "the probe's walkers are one group's");

/* The walkers of a lane (or of a group of lanes) and the system's coefficients, laid out
 * for the kernels. */
typedef struct LaneSetup {
    uint64_t walk[GROUP_WALKERS], reset[GROUP_WALKERS];
    double x[GROUP_WALKERS], y[GROUP_WALKERS];
    /* coefficient tables a..f of maps 0..7 (unused maps zero) */
    double coef[6][FV_MAX_MAPS];
    uint64_t threshold[FV_MAX_MAPS], alias[FV_MAX_MAPS];
} LaneSetup;

void fv_simd_lane_setup(LaneSetup *s, const FvSystem *sys, uint64_t sample_key, int lane,
                        int lanes);

/* Where a probe's points go (lane4 and lane8 with probe true): up to max of them. */
typedef struct ProbeOut {
    double *xy;
    int max, count;
} ProbeOut;

/* A batch's points bx, by (pos of them) after po's, as many as it has room for: a loop
 * with one bound, which the compiler vectorises (inlined in each kernel, for its target). */
static inline __attribute__((always_inline)) void probe_out(ProbeOut *po, const double *bx,
                                                            const double *by, size_t pos)
{
    const size_t room = (size_t)(po->max - po->count), n = pos < room ? pos : room;
    double *xy = po->xy + 2 * (size_t)po->count;
    for (size_t j = 0; j < n; j++) {
        xy[2 * j] = bx[j];
        xy[2 * j + 1] = by[j];
    }
    po->count += (int)n;
}

/* Iterations per batch: a batch's map choices are drawn before its walks, and its plotted
 * pixels are counted during the next batch's walks (lane4, lane8). */
#define BATCH 16
_Static_assert(FV_CANCEL_ITERS % BATCH == 0, "cancel checks on batch boundaries");

/* How a kernel gets its map choices: drawn (and FvChoices ignored), drawn and their words
 * written, or read from the words (and drawn where those do not settle them) */
enum { CHOICE_DRAW, CHOICE_WRITE, CHOICE_READ };
/* Draws ahead of the walk whose kept words are fetched into the cache */
#define PREFETCH_DRAWS (4 * BATCH)
/* Draws ahead of the walk whose words to write are fetched into the cache for writing
 * (PREFETCHW: the kernels' targets list prfchw; a no-op on CPUs without it). The words of a
 * sample's first frame overwrite those every thread read in the clip before: on two threads,
 * each store otherwise waits for its line to be taken from the other core's cache (that
 * frame's lanes took 1.7x their time on one thread; with it, 1.1x) */
#define WRITE_AHEAD_DRAWS 128

/* How lanes lane..lane+lanes-1 of a walk of total draws get their map choices from kept (NULL:
 * drawn): read when every lane has kept words of the sample's draws, written when none has;
 * *end gets the draws read or written */
static inline int choice_mode(const FvChoices *kept, const FvSystem *sys, uint64_t sample_key,
                              int lane, int lanes, uint64_t total, uint64_t *end)
{
    *end = 0;
    if (!kept || kept->sample_key != sample_key || kept->n != sys->alias.n)
        return CHOICE_DRAW;
    uint32_t least = UINT32_MAX, most = 0;
    for (int l = 0; l < lanes; l++) {
        least = kept->filled[lane + l] < least ? kept->filled[lane + l] : least;
        most = kept->filled[lane + l] > most ? kept->filled[lane + l] : most;
    }
    *end = least > 0 ? least : total < kept->steps ? total : kept->steps;
    return least > 0 ? CHOICE_READ : most == 0 ? CHOICE_WRITE : CHOICE_DRAW;
}

/* Whether lanes lane..lane+lanes-1 of a walk of variation v read their map choices from the
 * words kept for the sample (choice_mode's CHOICE_READ), as in every frame of a clip but its
 * first: the AVX-512 kernels have a copy of their walk for it, without the other modes'
 * branches in the loop (linear 2-6% faster on Zen 5) */
static inline bool reads_kept(const FvSystem *sys, int v, uint64_t sample_key, int lane, int lanes,
                              uint32_t iters)
{
    uint64_t end;
    return !FV_READS_DRAWS(v) && choice_mode(sys->choices, sys, sample_key, lane, lanes,
                                             (uint64_t)FV_DISCARD + iters, &end) == CHOICE_READ;
}

/* A walk that wrote its lanes' words to the end: they are kept for the next frames */
static inline void choices_kept(FvChoices *kept, int mode, bool whole, int lane, int lanes,
                                uint64_t end)
{
    if (mode == CHOICE_WRITE && whole)
        for (int l = 0; l < lanes; l++)
            kept->filled[lane + l] = (uint32_t)end;
}

/* The plotting rules a kernel is compiled for (fv_plot_point): plain, a warp folded into a
 * clip rectangle, a warp with its map. */
enum { WARP_NONE, WARP_RECT, WARP_MAP };

/* The map of a warped system (fv_plot_point) written once for any vector width, as
 * DEFINE_VARIATION is: V the vector type, M its comparison mask type, SET1 a broadcast, GE and
 * LT comparisons giving masks, AND of masks, DIV exact division; FINAL false leaves the test
 * against the image to the caller. Per lane the operations of fv_plot_point, in its order, so
 * the same bits. */
/* clang-format off */
#define DEFINE_WARP(INLINE, name, V, M, SET1, GE, LT, AND, DIV, FINAL)                             \
    typedef struct name##_consts {                                                             \
        int windows;                                                                               \
        bool projective;                                                                           \
        V win[FV_MAX_WINDOWS][8];                                                                  \
        V m[9];                                                                                    \
        V clip[4];                                                                                 \
        V zero, fw, fh;                                                                            \
    } name##_consts;                                                                               \
    INLINE void name##_init(name##_consts *k, const FvSystem *sys, int width, int height)          \
    {                                                                                              \
        const FvWarp *w = &sys->warp;                                                              \
        k->windows = w->windows;                                                                   \
        k->projective = w->projective;                                                             \
        for (int i = 0; i < w->windows && i < FV_MAX_WINDOWS; i++) {                               \
            const FvWindow *q = &w->window[i];                                                     \
            const double c[8] = {q->a, q->b, q->c, q->d, q->e, q->f, q->w, q->h};                  \
            for (int j = 0; j < 8; j++)                                                            \
                k->win[i][j] = SET1(c[j]);                                                         \
        }                                                                                          \
        for (int j = 0; j < 9; j++)                                                                \
            k->m[j] = SET1(w->m[j]);                                                               \
        for (int j = 0; j < 4; j++)                                                                \
            k->clip[j] = SET1(w->clip[j]);                                                         \
        k->zero = SET1(0.0);                                                                       \
        k->fw = SET1((double)width);                                                               \
        k->fh = SET1((double)height);                                                              \
    }                                                                                              \
    /* (x, y) the world points in, the pixels out; the mask of those kept */                      \
    INLINE M name(const name##_consts *k, V *px, V *py)                                            \
    {                                                                                              \
        V x = *px, y = *py;                                                                        \
        M in = AND(AND(GE(x, k->clip[0]), LT(x, k->clip[1])),                                      \
                   AND(GE(y, k->clip[2]), LT(y, k->clip[3])));                                     \
        for (int i = 0; i < k->windows; i++) {                                                     \
            const V *q = k->win[i];                                                                \
            V a = q[0] * x + q[1] * y + q[4], b = q[2] * x + q[3] * y + q[5];                      \
            in = AND(in, AND(AND(GE(a, k->zero), LT(a, q[6])), AND(GE(b, k->zero), LT(b, q[7])))); \
        }                                                                                          \
        V X = k->m[0] * x + k->m[1] * y + k->m[2];                                                 \
        V Y = k->m[3] * x + k->m[4] * y + k->m[5];                                                 \
        if (k->projective) {                                                                       \
            V rz = DIV(SET1(1.0), k->m[6] * x + k->m[7] * y + k->m[8]);                            \
            X = X * rz;                                                                            \
            Y = Y * rz;                                                                            \
        }                                                                                          \
        *px = X;                                                                                   \
        *py = Y;                                                                                   \
        if (FINAL)                                                                                 \
            in = AND(in, AND(AND(GE(X, k->zero), LT(X, k->fw)), AND(GE(Y, k->zero), LT(Y, k->fh)))); \
        return in;                                                                                 \
    }
/* clang-format on */

#endif /* FV_SIMD && FV_HAVE_FVMATH_SIMD */
#endif /* FV_CHAOS_SIMD_H */
