/* The chaos-game lane kernel with AVX2 and AVX-512 (G6): one vector lane per walker, doing
 * per walker exactly the operations of fv_chaos_lane_ref in the same order, so the same bits
 * (tests/core/test_kernels.c). Every step is exactly rounded in IEEE arithmetic (the 64-bit
 * integer mix, + - * / sqrt, min, max), and nothing may be fused: no FMA (the build passes
 * -ffp-contract=off, and the targets below do not enable FMA). The transcendental
 * variations use fvmath_simd.h, the vector twins of fvmath.h's functions, bit-exact with
 * them (tests/core/test_fvmath_simd.c); the random ones (julia, noise, rays, blade) read
 * each step's draw (recomputed from the walk stream, the kept map choices not used), and
 * those needing pow or fmod (power, rings, fan) stay on the scalar kernel.
 *
 * Compiled for any x86-64 with per-function targets; chaos.c runs a kernel only when the
 * CPU reports its instruction set. Runaway walkers (rare) are fixed up one lane at a time by
 * the reference's own code; the histogram increments are scalar too, so two lanes hitting
 * one pixel count twice. */
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

bool fv_chaos_simd_handles(int variation)
{
    switch (variation) {
        SIMD_VARIATIONS(CASE)
        RANDOM_VARIATIONS(CASE)
        return true;
    default:
        return false;
    }
}

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
static __attribute__((noinline, cold)) void fix_up(const FvSystem *sys, int lanes, const double *nx,
                                                   const double *ny, double *x, double *y,
                                                   int64_t *skip, const uint64_t *reset, uint64_t i,
                                                   uint32_t *hist, int width, int height,
                                                   uint64_t *inside, double *pts_x, double *pts_y,
                                                   size_t *npts)
{
    for (int l = 0; l < lanes; l++) {
        if (!(__builtin_fabs(nx[l]) < FV_RUNAWAY && __builtin_fabs(ny[l]) < FV_RUNAWAY)) {
            fv_walker_reset(reset[l], i, &x[l], &y[l]);
            skip[l] = FV_RESET_DISCARD;
            continue;
        }
        x[l] = nx[l];
        y[l] = ny[l];
        if (skip[l]) {
            skip[l]--;
            continue;
        }
        if (pts_x) { /* a probe: the point itself */
            pts_x[*npts] = nx[l];
            pts_y[*npts] = ny[l];
            (*npts)++;
            continue;
        }
        double px, py;
        if (fv_plot_point(sys, nx[l], ny[l], width, height, &px, &py)) {
            fv_hist_add(&hist[(size_t)(int)py * (size_t)width + (size_t)(int)px]);
            (*inside)++;
        }
    }
}

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

static void lane_setup(LaneSetup *s, const FvSystem *sys, uint64_t sample_key, int lane, int lanes)
{
    memset(s, 0, sizeof(*s));
    for (int j = 0; j < FV_WALKERS_PER_LANE * lanes; j++)
        fv_walker_init(sample_key, lane * FV_WALKERS_PER_LANE + j, &s->walk[j], &s->reset[j],
                       &s->x[j], &s->y[j]);
    for (int i = 0; i < sys->alias.n && i < FV_MAX_MAPS; i++) {
        const FvMap *m = &sys->maps[i];
        s->coef[0][i] = m->a;
        s->coef[1][i] = m->b;
        s->coef[2][i] = m->c;
        s->coef[3][i] = m->d;
        s->coef[4][i] = m->e;
        s->coef[5][i] = m->f;
        s->threshold[i] = sys->alias.threshold[i];
        s->alias[i] = sys->alias.alias[i];
    }
}

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

/* ---- AVX2: 4 walkers per vector ---- */

#define AVX2 __attribute__((target("avx2,popcnt")))
#define AVX2_INLINE AVX2 static inline __attribute__((always_inline))

AVX2_INLINE __m256d abs4(__m256d v)
{
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), v);
}

/* fv_nz: |v| < FV_EPS ? (v < 0 ? -FV_EPS : FV_EPS) : v */
AVX2_INLINE __m256d nz4(__m256d v)
{
    __m256d small = _mm256_cmp_pd(abs4(v), _mm256_set1_pd(FV_EPS), _CMP_LT_OQ);
    __m256d neg = _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_LT_OQ);
    __m256d eps = _mm256_blendv_pd(_mm256_set1_pd(FV_EPS), _mm256_set1_pd(-FV_EPS), neg);
    return _mm256_blendv_pd(v, eps, small);
}

DEFINE_VARIATION(AVX2_INLINE, variation4, __m256d, 4, _mm256_min_pd, _mm256_max_pd, _mm256_sqrt_pd,
                 abs4, nz4)
DEFINE_PHASED(AVX2_INLINE, phased4, __m256d, 4, _mm256_min_pd, _mm256_max_pd)

#define GE4(a, b) _mm256_cmp_pd(a, b, _CMP_GE_OQ)
#define LT4(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
DEFINE_WARP(AVX2_INLINE, warp4, __m256d, __m256d, _mm256_set1_pd, GE4, LT4, _mm256_and_pd,
            _mm256_div_pd, true)

/* Low 64 bits of v * c: AVX2 multiplies only 32 x 32 -> 64 bits. */
AVX2_INLINE __m256i mullo64(__m256i v, __m256i c_lo, __m256i c_hi)
{
    __m256i lo = _mm256_mul_epu32(v, c_lo);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(v, 32), c_lo),
                                     _mm256_mul_epu32(v, c_hi));
    return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

/* fv_mix64 */
AVX2_INLINE __m256i mix4(__m256i z)
{
    const __m256i m1lo = _mm256_set1_epi64x((int64_t)(MIX1 & 0xffffffff));
    const __m256i m1hi = _mm256_set1_epi64x((int64_t)(MIX1 >> 32));
    const __m256i m2lo = _mm256_set1_epi64x((int64_t)(MIX2 & 0xffffffff));
    const __m256i m2hi = _mm256_set1_epi64x((int64_t)(MIX2 >> 32));
    z = mullo64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), m1lo, m1hi);
    z = mullo64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), m2lo, m2hi);
    return _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
}

/* Coefficient of map m from tables of the doubles' low and high 32-bit halves; sel holds
 * the dword indices per 64-bit lane: (m, m + 4) into one table when n <= 4, else (m, m)
 * into a table of low halves and one of high halves. */
AVX2_INLINE __m256d lookup4(__m256i lo, __m256i hi, __m256i sel, const bool wide)
{
    if (!wide)
        return _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(lo, sel));
    return _mm256_castsi256_pd(_mm256_blend_epi32(_mm256_permutevar8x32_epi32(lo, sel),
                                                  _mm256_permutevar8x32_epi32(hi, sel), 0xaa));
}

/* The maps chosen by sel applied to (x, y): *nx, *ny, and the maps' b, d, e, f in bdef (the
 * variations read them) */
AVX2_INLINE void map4(const __m256i *tab_lo, const __m256i *tab_hi, __m256i sel, const bool wide,
                      __m256d x, __m256d y, __m256d *nx, __m256d *ny, __m256d bdef[4])
{
    __m256d a = lookup4(tab_lo[0], tab_hi[0], sel, wide);
    __m256d c = lookup4(tab_lo[2], tab_hi[2], sel, wide);
    bdef[0] = lookup4(tab_lo[1], tab_hi[1], sel, wide);
    bdef[1] = lookup4(tab_lo[3], tab_hi[3], sel, wide);
    bdef[2] = lookup4(tab_lo[4], tab_hi[4], sel, wide);
    bdef[3] = lookup4(tab_lo[5], tab_hi[5], sel, wide);
    *nx = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(a, x), _mm256_mul_pd(bdef[0], y)), bdef[2]);
    *ny = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c, x), _mm256_mul_pd(bdef[1], y)), bdef[3]);
}

/* The spare counters of step `step` of a batch, from those of step 0: a counter of its own
 * for each lane and step, so the increments of points not plotted (walkers still discarding,
 * points off the image) never wait on one another */
AVX2_INLINE __m256i spares4(__m256i spare, int step)
{
    return _mm256_add_epi64(spare, _mm256_set1_epi64x(4 * (int64_t)sizeof(uint32_t) * step));
}

/* The map choice's constants: alias table, stream step, ... (lane4); word_tab holds each
 * column's threshold's top 13 bits, shifted as in an FvChoices word */
typedef struct Choice4 {
    __m256i thr_tab, alias_tab, golden, nmaps, bias, upper, word_tab, word_bits, seven;
} Choice4;

/* The map choices of draws r, as dword indices for lookup4; *word, when not NULL, gets
 * their FvChoices words */
AVX2_INLINE __m256i pick4(__m256i r, const Choice4 *k, __m256i *word)
{
    /* fv_alias_choose, in the low dword of each lane */
    __m256i col = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(r, 32), k->nmaps), 32);
    __m256i keep = _mm256_cmpgt_epi32(_mm256_permutevar8x32_epi32(k->thr_tab, col),
                                      _mm256_xor_si256(r, k->bias));
    if (word) /* bits 19..31 of r as bits 3..15, the column below */
        *word = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi64(r, 16), k->word_bits), col);
    __m256i m = _mm256_xor_si256(
        col, _mm256_andnot_si256(keep, _mm256_permutevar8x32_epi32(k->alias_tab, col)));
    return _mm256_add_epi64(_mm256_shuffle_epi32(m, _MM_SHUFFLE(2, 2, 0, 0)), k->upper);
}

/* The next draw of the walk streams z and its map choices, as dword indices for lookup4 */
AVX2_INLINE __m256i choose4(__m256i *z, const Choice4 *k)
{
    /* r = fv_draw(walk, i): the counter times golden, kept as a running sum */
    *z = _mm256_add_epi64(*z, k->golden);
    return pick4(mix4(*z), k, NULL);
}

/* The map choices of draw idx of walkers with walk streams walk, drawn anew */
AVX2_INLINE __m256i redraw4(__m256i walk, uint64_t idx, const Choice4 *k)
{
    return pick4(mix4(_mm256_add_epi64(walk, _mm256_set1_epi64x((int64_t)((idx + 1) * GOLDEN)))),
                 k, NULL);
}

/* read8's, for lane4: the 4 words at w */
AVX2_INLINE __m256i read4(const uint16_t *w, __m256i walk, uint64_t idx, const Choice4 *k)
{
    __m256i word = _mm256_cvtepu16_epi64(_mm_loadl_epi64((const __m128i *)w));
    __m256i thr = _mm256_permutevar8x32_epi32(k->word_tab, word);
    /* in the low dwords: word below thr keeps the column; word - thr in [0, 8) draws again */
    __m256i keep = _mm256_cmpgt_epi32(thr, word);
    __m256i tie = _mm256_cmpeq_epi32(_mm256_srli_epi32(_mm256_sub_epi32(word, thr), 3),
                                     _mm256_setzero_si256());
    if (__builtin_expect((_mm256_movemask_ps(_mm256_castsi256_ps(tie)) & 0x55) != 0, 0))
        return redraw4(walk, idx, k);
    __m256i col = _mm256_and_si256(word, k->seven);
    __m256i m = _mm256_xor_si256(
        col, _mm256_andnot_si256(keep, _mm256_permutevar8x32_epi32(k->alias_tab, col)));
    return _mm256_add_epi64(_mm256_shuffle_epi32(m, _MM_SHUFFLE(2, 2, 0, 0)), k->upper);
}

/* next8's, for lane4 */
AVX2_INLINE __m256i next4(int mode, __m256i *z, __m256i walk, uint16_t *words, uint64_t idx,
                          uint64_t end, const Choice4 *k)
{
    if (mode == CHOICE_READ) {
        if (__builtin_expect(idx < end, 1))
            return read4(words + idx * 8, walk, idx, k);
        return redraw4(walk, idx, k);
    }
    if (mode == CHOICE_DRAW || idx >= end)
        return choose4(z, k);
    *z = _mm256_add_epi64(*z, k->golden);
    __m256i word;
    __m256i m = pick4(mix4(*z), k, &word);
    /* the low 16 bits of each 64-bit lane, 4 words */
    __m256i packed = _mm256_shuffle_epi8(
        word, _mm256_setr_epi8(0, 1, 8, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 8,
                               9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    uint32_t lo = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(packed));
    uint32_t hi = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(packed, 1));
    memcpy(words + idx * 8, &lo, sizeof(lo));
    memcpy(words + idx * 8 + 2, &hi, sizeof(hi));
    return m;
}

/* choose4, the draws themselves also in *r (the random variations read them) */
AVX2_INLINE __m256i draw4(__m256i *z, const Choice4 *k, __m256i *r)
{
    *z = _mm256_add_epi64(*z, k->golden);
    *r = mix4(*z);
    return pick4(*r, k, NULL);
}

/* u < 2^52 as a double, exactly: its bits as the mantissa of 2^52, less 2^52 */
AVX2_INLINE __m256d small_u64_to_pd(__m256i u)
{
    const __m256d two52 = _mm256_set1_pd(0x1p52);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(u, _mm256_castpd_si256(two52))),
                         two52);
}

/* fv_unit(fv_mix64(rnd + (which + 1) GOLDEN)): the 53 bits as a double in two exact halves
 * (AVX2 converts no 64-bit integers), their sum exact too */
AVX2_INLINE __m256d rnd_unit4(__m256i rnd, int which)
{
    __m256i z = mix4(_mm256_add_epi64(rnd, _mm256_set1_epi64x((int64_t)((which + 1) * GOLDEN))));
    __m256i u = _mm256_srli_epi64(z, 11);
    __m256d hi = small_u64_to_pd(_mm256_srli_epi64(u, 32));
    __m256d lo = small_u64_to_pd(_mm256_and_si256(u, _mm256_set1_epi64x(0xffffffff)));
    return (hi * 0x1p32 + lo) * (1.0 / 9007199254740992.0);
}

/* pi where a draw's top bit is set, else 0 (julia's omega) */
AVX2_INLINE __m256d omega4(__m256i rnd)
{
    return _mm256_blendv_pd(_mm256_setzero_pd(), _mm256_set1_pd(FV_PI), _mm256_castsi256_pd(rnd));
}

DEFINE_RANDOM(AVX2_INLINE, random4, __m256d, __m256i, 4, _mm256_min_pd, _mm256_max_pd,
              _mm256_sqrt_pd, rnd_unit4, omega4)

/* lanes lanes from lane (1 or FV_LANE_GROUP); with probe true, no histogram: the plotted
 * points themselves go to po, in the order of iterations, then walkers (fv_probe_points_ref);
 * a random variation draws every choice (it reads the draws) */
AVX2_INLINE uint64_t lane4(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                           uint32_t *hist, int width, int height, const int variation,
                           const bool wide, const int warped, const int lanes, const bool probe,
                           ProbeOut *po)
{
    enum { GMAX = GROUP_WALKERS / 4 };
    const int K = FV_WALKERS_PER_LANE * lanes, G = K / 4;
    _Static_assert(FV_WALKERS_PER_LANE % 4 == 0, "whole AVX2 vectors of walkers");
    LaneSetup s;
    lane_setup(&s, sys, sample_key, lane, lanes);

    /* coefficient tables of 32-bit halves (lookup4) */
    __m256i tab_lo[6], tab_hi[6];
    for (int c = 0; c < 6; c++) {
        uint32_t lo[8], hi[8];
        for (int k = 0; k < 8; k++) {
            uint64_t bits;
            memcpy(&bits, &s.coef[c][k], sizeof(bits));
            lo[k] = (uint32_t)bits;
            hi[k] = (uint32_t)(bits >> 32);
        }
        if (!wide)
            memcpy(&lo[4], hi, 4 * sizeof(uint32_t));
        tab_lo[c] = _mm256_loadu_si256((const __m256i *)lo);
        tab_hi[c] = _mm256_loadu_si256((const __m256i *)hi);
    }
    /* thresholds biased by 2^31 for a signed compare; aliases as XOR with their column */
    uint32_t thr32[8], alias32[8], word32[8];
    for (int k = 0; k < 8; k++) {
        word32[k] = ((uint32_t)s.threshold[k] >> 16) & 0xfff8;
        thr32[k] = (uint32_t)s.threshold[k] ^ 0x80000000u;
        alias32[k] = (uint32_t)s.alias[k] ^ (uint32_t)k;
    }
    const Choice4 k = {
        .thr_tab = _mm256_loadu_si256((const __m256i *)thr32),
        .alias_tab = _mm256_loadu_si256((const __m256i *)alias32),
        .golden = _mm256_set1_epi64x((int64_t)GOLDEN),
        .nmaps = _mm256_set1_epi64x(sys->alias.n),
        .bias = _mm256_set1_epi32((int)0x80000000u),
        .upper = _mm256_set1_epi64x(wide ? 0 : INT64_C(4) << 32),
        .word_tab = _mm256_loadu_si256((const __m256i *)word32),
        .word_bits = _mm256_set1_epi64x(0xfff8),
        .seven = _mm256_set1_epi64x(7),
    };
    const uint64_t total = (uint64_t)FV_DISCARD + iters;
    FvChoices *const kept = probe || FV_READS_DRAWS(variation) ? NULL : sys->choices;
    uint64_t end; /* draws below it are read or written */
    const int mode = choice_mode(kept, sys, sample_key, lane, lanes, total, &end);
    __m256i walk[GMAX];
    uint16_t *words[GMAX]; /* vector g: walkers 4 (g % 2).. of lane lane + g / 2 */
    const __m256i zeroi = _mm256_setzero_si256();
    const __m128i width4 = _mm_set1_epi32(width);
    const __m256d zero = _mm256_setzero_pd(), lim = _mm256_set1_pd(FV_RUNAWAY);
    const __m256d sx = _mm256_set1_pd(sys->sx), ox = _mm256_set1_pd(sys->ox);
    const __m256d sy = _mm256_set1_pd(sys->sy), oy = _mm256_set1_pd(sys->oy);
    const __m256d fw = _mm256_set1_pd(width), fh = _mm256_set1_pd(height);
    warp4_consts wk;
    if (warped == WARP_MAP)
        warp4_init(&wk, sys, width, height);
    const __m256d cx0 = _mm256_set1_pd(warped == WARP_RECT ? sys->warp.clip[0] : 0);
    const __m256d cx1 = _mm256_set1_pd(warped == WARP_RECT ? sys->warp.clip[1] : 0);
    const __m256d cy0 = _mm256_set1_pd(warped == WARP_RECT ? sys->warp.clip[2] : 0);
    const __m256d cy1 = _mm256_set1_pd(warped == WARP_RECT ? sys->warp.clip[3] : 0);

    __m256i z[GMAX], skip[GMAX];
    __m256d x[GMAX], y[GMAX];
    bool skipping[GMAX]; /* some walker of the vector still discards its points */
    for (int g = 0; g < G; g++) {
        z[g] = walk[g] = _mm256_loadu_si256((const __m256i *)&s.walk[4 * g]);
        words[g] = mode == CHOICE_DRAW
                       ? NULL
                       : kept->words + (size_t)(lane + g / 2) * kept->steps * 8 + 4 * (g % 2);
        x[g] = _mm256_loadu_pd(&s.x[4 * g]);
        y[g] = _mm256_loadu_pd(&s.y[4 * g]);
        skip[g] = _mm256_set1_epi64x(FV_DISCARD);
        skipping[g] = true;
    }
    __m256i choice[BATCH][GMAX];
    __m256i drawn[BATCH][GMAX]; /* and their draws, for a random variation */
    /* the counters to increment, as lane8's ring */
    uint32_t *ring[2][BATCH * GROUP_WALKERS];
    uint32_t spare[BATCH * GROUP_WALKERS] = {0};
    const __m256i spare4 = _mm256_add_epi64(_mm256_set1_epi64x((int64_t)(uintptr_t)spare),
                                            _mm256_setr_epi64x(0, 4, 8, 12));
    const __m256i hist4 = _mm256_set1_epi64x((int64_t)(uintptr_t)hist);
    int cur = 0, back_steps = 0; /* the steps of the batch in ring[cur ^ 1] */
    double bx[BATCH * GROUP_WALKERS], by[BATCH * GROUP_WALKERS]; /* a probe's points */
    uint64_t inside = 0;
    bool whole = true; /* every draw made (not cancelled) */
    for (uint64_t i0 = 0; i0 < total; i0 += BATCH) {
        if (!probe && i0 % FV_CANCEL_ITERS == 0 && fv_system_cancelled(sys)) {
            whole = false;
            break;
        }
        const uint64_t i1 = total - i0 < BATCH ? total : i0 + BATCH;
        if (mode == CHOICE_READ && i0 + PREFETCH_DRAWS < end)
            for (int g = 0; g < G; g += 2)
                for (int b = 0; b < BATCH * 8 * 2; b += 64)
                    _mm_prefetch((const char *)(words[g] + (i0 + PREFETCH_DRAWS) * 8) + b,
                                 _MM_HINT_T0);
        /* first the batch's map choices: independent of the walkers' points, so long
         * dependency chains of every iteration overlap (drawing them in the walk loop
         * instead, for the same batch or a batch ahead, measures no faster with AVX2; lane8
         * draws a lane's a batch ahead) */
        for (uint64_t i = i0; i < i1; i++)
            for (int g = 0; g < G; g++)
                choice[i - i0][g] = FV_READS_DRAWS(variation)
                                        ? draw4(&z[g], &k, &drawn[i - i0][g])
                                        : next4(mode, &z[g], walk[g], words[g], i, end, &k);
        /* then the walks */
        size_t pos = 0;
        int step = 0;
        uint32_t **out = ring[cur], **const back = ring[cur ^ 1];
        const bool phased = G > 1 && PHASED(variation);
        for (uint64_t i = i0; i < i1; i++) {
            /* a phased variation: every vector's map, then the variation of all (PHASED) */
            __m256d pnx[GMAX], pny[GMAX];
            if (phased) {
                __m256d pe[GMAX], pf[GMAX];
                int sane = 0xf;
                for (int g = 0; g < G; g++) {
                    __m256d bdef[4];
                    map4(tab_lo, tab_hi, choice[i - i0][g], wide, x[g], y[g], &pnx[g], &pny[g],
                         bdef);
                    pe[g] = bdef[2];
                    pf[g] = bdef[3];
                    sane &= _mm256_movemask_pd(
                        _mm256_and_pd(_mm256_cmp_pd(abs4(pnx[g]), lim, _CMP_LT_OQ),
                                      _mm256_cmp_pd(abs4(pny[g]), lim, _CMP_LT_OQ)));
                }
                /* the clamp changes no lane below the limit: all of them clamped when one
                 * is not, the same bits */
                if (__builtin_expect(sane == 0xf, 1))
                    phased4(variation, G, pnx, pny, pe, pf, false);
                else
                    phased4(variation, G, pnx, pny, pe, pf, true);
            }
            for (int g = 0; g < G; g++, step++) {
                if (!probe && step < back_steps)
                    for (int l = 0; l < 4; l++)
                        ring_add(back[4 * step + l]);
                __m256d nx, ny;
                if (phased) {
                    nx = pnx[g];
                    ny = pny[g];
                } else {
                    /* the map, then the variation */
                    __m256d bdef[4];
                    map4(tab_lo, tab_hi, choice[i - i0][g], wide, x[g], y[g], &nx, &ny, bdef);
                    if (FV_READS_DRAWS(variation)) {
                        /* as below, with the step's draws */
                        __m256d sane = _mm256_and_pd(_mm256_cmp_pd(abs4(nx), lim, _CMP_LT_OQ),
                                                     _mm256_cmp_pd(abs4(ny), lim, _CMP_LT_OQ));
                        if (__builtin_expect(_mm256_movemask_pd(sane) == 0xf, 1))
                            random4(variation, &nx, &ny, drawn[i - i0][g], false);
                        else
                            random4(variation, &nx, &ny, drawn[i - i0][g], true);
                    } else if (variation != V_LINEAR) {
                        /* the first clamp of the variation is an identity but for runaways
                         * and NaN: off the dependency chain, behind a branch */
                        __m256d sane = _mm256_and_pd(_mm256_cmp_pd(abs4(nx), lim, _CMP_LT_OQ),
                                                     _mm256_cmp_pd(abs4(ny), lim, _CMP_LT_OQ));
                        if (__builtin_expect(_mm256_movemask_pd(sane) == 0xf, 1))
                            variation4(variation, &nx, &ny, bdef[0], bdef[1], bdef[2], bdef[3],
                                       false);
                        else
                            variation4(variation, &nx, &ny, bdef[0], bdef[1], bdef[2], bdef[3],
                                       true);
                    }
                }
                __m256d ok = _mm256_and_pd(_mm256_cmp_pd(abs4(nx), lim, _CMP_LT_OQ),
                                           _mm256_cmp_pd(abs4(ny), lim, _CMP_LT_OQ));
                if (__builtin_expect(_mm256_movemask_pd(ok) != 0xf, 0)) {
                    double anx[4], any[4], ax[4], ay[4];
                    int64_t askip[4];
                    _mm256_storeu_pd(anx, nx);
                    _mm256_storeu_pd(any, ny);
                    _mm256_storeu_pd(ax, x[g]);
                    _mm256_storeu_pd(ay, y[g]);
                    _mm256_storeu_si256((__m256i *)askip, skip[g]);
                    /* through locals: inside and pos, never address-taken, stay in
                     * registers in the loop */
                    uint64_t fixed = 0;
                    size_t at_pos = pos;
                    fix_up(sys, 4, anx, any, ax, ay, askip, &s.reset[4 * g], i, hist, width, height,
                           &fixed, probe ? bx : NULL, by, &at_pos);
                    inside += fixed;
                    pos = at_pos;
                    if (!probe) /* its points are plotted: nothing for the ring */
                        _mm256_storeu_si256((__m256i *)&out[4 * step], spares4(spare4, step));
                    x[g] = _mm256_loadu_pd(ax);
                    y[g] = _mm256_loadu_pd(ay);
                    skip[g] = _mm256_loadu_si256((const __m256i *)askip);
                    skipping[g] = true;
                    continue;
                }
                x[g] = nx;
                y[g] = ny;
                if (probe) {
                    unsigned mask = 0xf;
                    if (__builtin_expect(skipping[g], 0)) {
                        mask = (unsigned)_mm256_movemask_pd(
                            _mm256_castsi256_pd(_mm256_cmpeq_epi64(skip[g], zeroi)));
                        skip[g] = _mm256_add_epi64(skip[g], _mm256_cmpgt_epi64(skip[g], zeroi));
                        skipping[g] = !_mm256_testz_si256(skip[g], skip[g]);
                    }
                    double ax[4], ay[4];
                    _mm256_storeu_pd(ax, nx);
                    _mm256_storeu_pd(ay, ny);
                    for (int l = 0; l < 4; l++)
                        if (mask >> l & 1) {
                            bx[pos] = ax[l];
                            by[pos] = ay[l];
                            pos++;
                        }
                    continue;
                }
                __m256d px = nx, py = ny;
                if (warped != WARP_MAP) {
                    px = _mm256_add_pd(_mm256_mul_pd(nx, sx), ox);
                    py = _mm256_add_pd(_mm256_mul_pd(ny, sy), oy);
                }
                __m256d in;
                if (warped == WARP_MAP)
                    in = warp4(&wk, &px, &py);
                else if (warped == WARP_RECT)
                    in = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(px, cx0, _CMP_GE_OQ),
                                                     _mm256_cmp_pd(px, cx1, _CMP_LT_OQ)),
                                       _mm256_and_pd(_mm256_cmp_pd(py, cy0, _CMP_GE_OQ),
                                                     _mm256_cmp_pd(py, cy1, _CMP_LT_OQ)));
                else
                    in = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(px, zero, _CMP_GE_OQ),
                                                     _mm256_cmp_pd(px, fw, _CMP_LT_OQ)),
                                       _mm256_and_pd(_mm256_cmp_pd(py, zero, _CMP_GE_OQ),
                                                     _mm256_cmp_pd(py, fh, _CMP_LT_OQ)));
                if (__builtin_expect(skipping[g], 0)) {
                    /* plot where skip is 0, count skip down elsewhere */
                    __m256i plot = _mm256_cmpeq_epi64(skip[g], zeroi);
                    in = _mm256_and_pd(in, _mm256_castsi256_pd(plot));
                    skip[g] = _mm256_add_epi64(skip[g], _mm256_cmpgt_epi64(skip[g], zeroi));
                    skipping[g] = !_mm256_testz_si256(skip[g], skip[g]);
                }
                /* &hist[(int)py * width + (int)px] of the points inside, a spare counter for
                 * the others */
                __m128i at = _mm_add_epi32(_mm_mullo_epi32(_mm256_cvttpd_epi32(py), width4),
                                           _mm256_cvttpd_epi32(px));
                __m256i ptr =
                    _mm256_add_epi64(hist4, _mm256_slli_epi64(_mm256_cvtepu32_epi64(at), 2));
                _mm256_storeu_si256((__m256i *)&out[4 * step],
                                    _mm256_blendv_epi8(spares4(spare4, step), ptr,
                                                       _mm256_castpd_si256(in)));
                inside += (unsigned)__builtin_popcount((unsigned)_mm256_movemask_pd(in));
            }
        }
        if (probe) {
            probe_out(po, bx, by, pos);
            continue;
        }
        ring_drain(back, step, back_steps, 4); /* a last batch, shorter */
        back_steps = (int)(i1 - i0) * G;
        cur ^= 1;
    }
    /* the increments of the last batch walked */
    ring_drain(ring[cur ^ 1], 0, back_steps, 4);
    choices_kept(kept, mode, whole, lane, lanes, end);
    return inside;
}

/* One function per variation, each with its variation inlined (one function for all would,
 * unoptimised, hold the stack slots of every inlined copy at once: megabytes) */
#define AVX2_KERNEL(v)                                                                             \
    static AVX2 __attribute__((noinline))                                                          \
    uint64_t lane4_##v(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,         \
                       uint32_t *hist, int width, int height)                                      \
    {                                                                                              \
        const bool wide = sys->alias.n > 4;                                                        \
        const int mode = !sys->warped ? WARP_NONE : sys->warp.rect ? WARP_RECT : WARP_MAP;         \
        if (mode == WARP_MAP)                                                                      \
            return wide ? lane4(sys, sample_key, lane, iters, hist, width, height, v, true,         \
                                WARP_MAP, 1, false, NULL)                                          \
                        : lane4(sys, sample_key, lane, iters, hist, width, height, v, false,        \
                                WARP_MAP, 1, false, NULL);                                         \
        if (mode == WARP_RECT)                                                                     \
            return wide ? lane4(sys, sample_key, lane, iters, hist, width, height, v, true,         \
                                WARP_RECT, 1, false, NULL)                                         \
                        : lane4(sys, sample_key, lane, iters, hist, width, height, v, false,        \
                                WARP_RECT, 1, false, NULL);                                        \
        if (wide)                                                                                  \
            return lane4(sys, sample_key, lane, iters, hist, width, height, v, true, WARP_NONE, 1,  \
                         false, NULL);                                                             \
        return lane4(sys, sample_key, lane, iters, hist, width, height, v, false, WARP_NONE, 1,     \
                     false, NULL);                                                                 \
    }                                                                                              \
    /* a group of lanes; a warped system's lanes one by one. The group and the probe take    \
     * the coefficient tables of up to 8 maps for any system (one copy of each, not two) */      \
    static AVX2 __attribute__((noinline))                                                          \
    uint64_t group4_##v(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,        \
                        uint32_t *hist, int width, int height)                                     \
    {                                                                                              \
        if (sys->warped) {                                                                         \
            uint64_t inside = 0;                                                                   \
            for (int l = 0; l < FV_LANE_GROUP; l++)                                                \
                inside += lane4_##v(sys, sample_key, lane + l, iters, hist, width, height);        \
            return inside;                                                                         \
        }                                                                                          \
        return lane4(sys, sample_key, lane, iters, hist, width, height, v, true, WARP_NONE,         \
                     FV_LANE_GROUP, false, NULL);                                                  \
    }                                                                                              \
    static AVX2 __attribute__((noinline)) int probe4_##v(const FvSystem *sys, uint64_t sample_key, \
                                                         double *xy, int max_points)               \
    {                                                                                              \
        ProbeOut po = {xy, max_points, 0};                                                         \
        lane4(sys, sample_key, 0, FV_PROBE_ITERS, NULL, 0, 0, v, true, WARP_NONE, FV_LANE_GROUP,    \
              true, &po);                                                                          \
        return po.count;                                                                           \
    }
SIMD_VARIATIONS(AVX2_KERNEL)
RANDOM_VARIATIONS(AVX2_KERNEL)

#define AVX2_CASE(v)                                                                               \
    case v:                                                                                        \
        return lane4_##v(sys, sample_key, lane, iters, hist, width, height);

AVX2 uint64_t fv_chaos_lane_avx2(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                                 uint32_t *hist, int width, int height)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX2_CASE)
        RANDOM_VARIATIONS(AVX2_CASE)
    default:
        return 0;
    }
}

#define AVX2_GROUP_CASE(v)                                                                         \
    case v:                                                                                        \
        return group4_##v(sys, sample_key, lane, iters, hist, width, height);

AVX2 uint64_t fv_chaos_group_avx2(const FvSystem *sys, uint64_t sample_key, int lane,
                                  uint32_t iters, uint32_t *hist, int width, int height)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX2_GROUP_CASE)
        RANDOM_VARIATIONS(AVX2_GROUP_CASE)
    default:
        return 0;
    }
}

#define AVX2_PROBE_CASE(v)                                                                         \
    case v:                                                                                        \
        return probe4_##v(sys, sample_key, xy, max_points);

AVX2 int fv_chaos_probe_avx2(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX2_PROBE_CASE)
        RANDOM_VARIATIONS(AVX2_PROBE_CASE)
    default:
        return 0;
    }
}

/* ---- AVX-512: 8 walkers per vector ---- */

#define AVX512 __attribute__((target("avx512f,avx512dq,popcnt")))
#define AVX512_INLINE AVX512 static inline __attribute__((always_inline))

AVX512_INLINE __m512d abs8(__m512d v)
{
    return _mm512_abs_pd(v);
}

/* fv_nz: |v| < FV_EPS ? (v < 0 ? -FV_EPS : FV_EPS) : v */
AVX512_INLINE __m512d nz8(__m512d v)
{
    __mmask8 small = _mm512_cmp_pd_mask(abs8(v), _mm512_set1_pd(FV_EPS), _CMP_LT_OQ);
    __mmask8 neg = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d eps = _mm512_mask_blend_pd(neg, _mm512_set1_pd(FV_EPS), _mm512_set1_pd(-FV_EPS));
    return _mm512_mask_blend_pd(small, v, eps);
}

DEFINE_VARIATION(AVX512_INLINE, variation8, __m512d, 8, _mm512_min_pd, _mm512_max_pd,
                 _mm512_sqrt_pd, abs8, nz8)
DEFINE_PHASED(AVX512_INLINE, phased8, __m512d, 8, _mm512_min_pd, _mm512_max_pd)

#define GE8(a, b) _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ)
#define LT8(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ)
#define AND8(a, b) ((__mmask8)((a) & (b)))
/* the image test is the caller's: floor(px) below width, unsigned, is 0 <= px < width */
DEFINE_WARP(AVX512_INLINE, warp8, __m512d, __mmask8, _mm512_set1_pd, GE8, LT8, AND8,
            _mm512_div_pd, false)

/* fv_mix64, with AVX512DQ's 64-bit multiply */
AVX512_INLINE __m512i mix8(__m512i z)
{
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
    z = _mm512_mullo_epi64(z, _mm512_set1_epi64((int64_t)MIX1));
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
    z = _mm512_mullo_epi64(z, _mm512_set1_epi64((int64_t)MIX2));
    return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

/* |x| < lim and |y| < lim, false for NaN: max(|x|, |y|) in one instruction (VRANGEPD, its
 * result a NaN when either is) against lim */
AVX512_INLINE __mmask8 below8(__m512d x, __m512d y, __m512d lim)
{
    return _mm512_cmp_pd_mask(_mm512_range_pd(x, y, 0x0b), lim, _CMP_LT_OQ);
}

/* The maps chosen by m (all 8 maps' coefficients in tab[6], one register each) applied to
 * (x, y): *nx, *ny, and the maps' b, d, e, f in bdef (the variations read them) */
AVX512_INLINE void map8(const __m512d *tab, __m512i m, __m512d x, __m512d y, __m512d *nx,
                        __m512d *ny, __m512d bdef[4])
{
    __m512d a = _mm512_permutexvar_pd(m, tab[0]);
    __m512d c = _mm512_permutexvar_pd(m, tab[2]);
    bdef[0] = _mm512_permutexvar_pd(m, tab[1]);
    bdef[1] = _mm512_permutexvar_pd(m, tab[3]);
    bdef[2] = _mm512_permutexvar_pd(m, tab[4]);
    bdef[3] = _mm512_permutexvar_pd(m, tab[5]);
    *nx = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(a, x), _mm512_mul_pd(bdef[0], y)), bdef[2]);
    *ny = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(c, x), _mm512_mul_pd(bdef[1], y)), bdef[3]);
}

/* spares4 for lane8 */
AVX512_INLINE __m512i spares8(__m512i spare, int step)
{
    return _mm512_add_epi64(spare, _mm512_set1_epi64(8 * (int64_t)sizeof(uint32_t) * step));
}

/* The map choice's constants (lane8); word_tab holds each column's threshold's top 13 bits,
 * shifted as in an FvChoices word */
typedef struct Choice8 {
    __m512i thr_tab, alias_tab, golden, nmaps, low32, word_tab, word_bits, eight;
} Choice8;

/* The map choices of draws r; *word, when not NULL, gets their FvChoices words */
AVX512_INLINE __m512i pick8(__m512i r, const Choice8 *k, __m512i *word)
{
    /* (r >> 32) * n >> 32, the high halves moved down by shuffles; only the low 3 bits of a
     * permute index count, and the column is below 8 */
    __m512i col = _mm512_shuffle_epi32(
        _mm512_mul_epu32(_mm512_shuffle_epi32(r, _MM_PERM_DDBB), k->nmaps), _MM_PERM_DDBB);
    __mmask8 keep = _mm512_cmplt_epu64_mask(_mm512_and_si512(r, k->low32),
                                            _mm512_permutexvar_epi64(col, k->thr_tab));
    if (word) /* bits 19..31 of r as bits 3..15, the column's 3 bits below: (a & b) | c */
        *word = _mm512_ternarylogic_epi64(_mm512_srli_epi64(r, 16), k->word_bits,
                                          _mm512_and_si512(col, _mm512_set1_epi64(7)), 0xea);
    return _mm512_mask_permutexvar_epi64(col, (__mmask8)~keep, col, k->alias_tab);
}

/* The next draw of the walk streams z and its map choices */
AVX512_INLINE __m512i choose8(__m512i *z, const Choice8 *k)
{
    *z = _mm512_add_epi64(*z, k->golden);
    return pick8(mix8(*z), k, NULL);
}

/* redraw4's, for lane8 */
AVX512_INLINE __m512i redraw8(__m512i walk, uint64_t idx, const Choice8 *k)
{
    return pick8(mix8(_mm512_add_epi64(walk, _mm512_set1_epi64((int64_t)((idx + 1) * GOLDEN)))),
                 k, NULL);
}

/* The map choices of draw idx of walkers with walk streams walk (the draw is idx + 1 steps of
 * GOLDEN on), from their FvChoices words w: a word below its column's entry of word_tab keeps
 * the column, one 8 or more above takes the alias, one in between draws again */
AVX512_INLINE __m512i read8(const uint16_t *w, __m512i walk, uint64_t idx, const Choice8 *k)
{
    __m512i word = _mm512_cvtepu16_epi64(_mm_loadu_si128((const __m128i *)w));
    __m512i thr = _mm512_permutexvar_epi64(word, k->word_tab);
    __mmask8 keep = _mm512_cmplt_epu64_mask(word, thr);
    if (__builtin_expect(_mm512_cmplt_epu64_mask(_mm512_sub_epi64(word, thr), k->eight) != 0, 0))
        return redraw8(walk, idx, k);
    return _mm512_mask_permutexvar_epi64(word, (__mmask8)~keep, word, k->alias_tab);
}

/* The map choices of draw idx of vector g (lane + g of the kernel's lanes) in mode: z[g]
 * steps on unless the words are read; the words of draws below end are written or read */
AVX512_INLINE __m512i next8(int mode, __m512i *z, __m512i walk, uint16_t *words, uint64_t idx,
                            uint64_t end, const Choice8 *k)
{
    if (mode == CHOICE_READ) {
        if (__builtin_expect(idx < end, 1))
            return read8(words + idx * 8, walk, idx, k);
        return redraw8(walk, idx, k);
    }
    if (mode == CHOICE_DRAW || idx >= end)
        return choose8(z, k);
    *z = _mm512_add_epi64(*z, k->golden);
    __m512i word;
    __m512i m = pick8(mix8(*z), k, &word);
    _mm_storeu_si128((__m128i *)(words + idx * 8), _mm512_cvtepi64_epi16(word));
    return m;
}

/* fv_unit(fv_mix64(rnd + (which + 1) GOLDEN)): the 53 bits convert exactly */
AVX512_INLINE __m512d rnd_unit8(__m512i rnd, int which)
{
    __m512i z = mix8(_mm512_add_epi64(rnd, _mm512_set1_epi64((int64_t)((which + 1) * GOLDEN))));
    return _mm512_mul_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(z, 11)),
                         _mm512_set1_pd(1.0 / 9007199254740992.0));
}

AVX512_INLINE __m512d omega8(__m512i rnd)
{
    return _mm512_maskz_mov_pd(_mm512_movepi64_mask(rnd), _mm512_set1_pd(FV_PI));
}

DEFINE_RANDOM(AVX512_INLINE, random8, __m512d, __m512i, 8, _mm512_min_pd, _mm512_max_pd,
              _mm512_sqrt_pd, rnd_unit8, omega8)

/* choose8, the draws themselves also in *r (the random variations read them) */
AVX512_INLINE __m512i draw8(__m512i *z, const Choice8 *k, __m512i *r)
{
    *z = _mm512_add_epi64(*z, k->golden);
    *r = mix8(*z);
    return pick8(*r, k, NULL);
}

/* lanes and probe as lane4's; a random variation draws every choice (it reads the draws) */
AVX512_INLINE uint64_t lane8(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                             uint32_t *hist, int width, int height, const int variation,
                             const int warped, const int lanes, const bool probe, ProbeOut *po)
{
    enum { GMAX = GROUP_WALKERS / 8 };
    const int K = FV_WALKERS_PER_LANE * lanes, G = K / 8;
    _Static_assert(FV_WALKERS_PER_LANE % 8 == 0, "whole AVX-512 vectors of walkers");
    LaneSetup s;
    lane_setup(&s, sys, sample_key, lane, lanes);

    /* all 8 maps fit one register: a lookup is one permute */
    __m512d tab[6];
    for (int c = 0; c < 6; c++)
        tab[c] = _mm512_loadu_pd(s.coef[c]);
    const Choice8 k = {
        .thr_tab = _mm512_loadu_si512(s.threshold),
        .alias_tab = _mm512_loadu_si512(s.alias),
        .golden = _mm512_set1_epi64((int64_t)GOLDEN),
        .nmaps = _mm512_set1_epi64(sys->alias.n),
        .low32 = _mm512_set1_epi64(0xffffffff),
        .word_tab = _mm512_and_si512(_mm512_srli_epi64(_mm512_loadu_si512(s.threshold), 16),
                                     _mm512_set1_epi64(0xfff8)),
        .word_bits = _mm512_set1_epi64(0xfff8),
        .eight = _mm512_set1_epi64(8),
    };
    const uint64_t total = (uint64_t)FV_DISCARD + iters;
    FvChoices *const kept = probe || FV_READS_DRAWS(variation) ? NULL : sys->choices;
    uint64_t end; /* draws below it are read or written */
    const int mode = choice_mode(kept, sys, sample_key, lane, lanes, total, &end);
    __m512i walk[GMAX];
    uint16_t *words[GMAX];
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i w8 = _mm512_set1_epi64(width), h8 = _mm512_set1_epi64(height);
    const __m512d lim = _mm512_set1_pd(FV_RUNAWAY);
    const __m512d sx = _mm512_set1_pd(sys->sx), ox = _mm512_set1_pd(sys->ox);
    const __m512d sy = _mm512_set1_pd(sys->sy), oy = _mm512_set1_pd(sys->oy);
    warp8_consts wk;
    if (warped == WARP_MAP)
        warp8_init(&wk, sys, width, height);
    const __m512d cx0 = _mm512_set1_pd(warped == WARP_RECT ? sys->warp.clip[0] : 0);
    const __m512d cx1 = _mm512_set1_pd(warped == WARP_RECT ? sys->warp.clip[1] : 0);
    const __m512d cy0 = _mm512_set1_pd(warped == WARP_RECT ? sys->warp.clip[2] : 0);
    const __m512d cy1 = _mm512_set1_pd(warped == WARP_RECT ? sys->warp.clip[3] : 0);

    __m512i z[GMAX], skip[GMAX];
    __m512d x[GMAX], y[GMAX];
    bool skipping[GMAX]; /* some walker of the vector still discards its points */
    for (int g = 0; g < G; g++) {
        z[g] = walk[g] = _mm512_loadu_si512(&s.walk[8 * g]);
        words[g] = mode == CHOICE_DRAW ? NULL : kept->words + (size_t)(lane + g) * kept->steps * 8;
        x[g] = _mm512_loadu_pd(&s.x[8 * g]);
        y[g] = _mm512_loadu_pd(&s.y[8 * g]);
        skip[g] = _mm512_set1_epi64(FV_DISCARD);
        skipping[g] = true;
    }
    /* A batch's map choices, independent of the walkers' points, are drawn before its walks
     * so that long dependency chains of every iteration overlap. One vector of walkers (a
     * lane) draws them during the walks of the batch before (the first batch's before the
     * loop, and the last draws a batch it does not use): the draws fill the core beside the
     * walk's one dependency chain. */
    __m512i choice[2][BATCH][GMAX];
    /* and their draws, for a random variation */
    __m512i drawn[2][BATCH][GMAX];
    /* The counters a batch's steps increment, 8 per step (a lane not plotted points at a spare
     * counter, spares8): a batch's increments run during the next batch's walks, 8 per step,
     * so the scalar increments and the vector work overlap in the core (the sum is the same
     * in any order, saturation included) */
    uint32_t *ring[2][BATCH * GROUP_WALKERS];
    uint32_t spare[BATCH * GROUP_WALKERS] = {0};
    const __m512i spare8 = _mm512_add_epi64(_mm512_set1_epi64((int64_t)(uintptr_t)spare),
                                            _mm512_setr_epi64(0, 4, 8, 12, 16, 20, 24, 28));
    const __m512i hist8 = _mm512_set1_epi64((int64_t)(uintptr_t)hist);
    int cur = 0, back_steps = 0; /* the steps of the batch in ring[cur ^ 1] */
    double bx[BATCH * GROUP_WALKERS], by[BATCH * GROUP_WALKERS]; /* a probe's points */
    uint64_t inside = 0;
    bool whole = true; /* every draw made (not cancelled) */
    if (G == 1)
        for (int i = 0; i < BATCH; i++)
            choice[0][i][0] = FV_READS_DRAWS(variation)
                                  ? draw8(&z[0], &k, &drawn[0][i][0])
                                  : next8(mode, &z[0], walk[0], words[0], (uint64_t)i, end, &k);
    int cb = 0; /* the batch's choices, choice[cb] */
    for (uint64_t i0 = 0; i0 < total; i0 += BATCH) {
        if (!probe && i0 % FV_CANCEL_ITERS == 0 && fv_system_cancelled(sys)) {
            whole = false;
            break;
        }
        const uint64_t i1 = total - i0 < BATCH ? total : i0 + BATCH;
        if (mode == CHOICE_READ && i0 + PREFETCH_DRAWS < end)
            for (int g = 0; g < G; g++)
                for (int b = 0; b < BATCH * 8 * 2; b += 64)
                    _mm_prefetch((const char *)(words[g] + (i0 + PREFETCH_DRAWS) * 8) + b,
                                 _MM_HINT_T0);
        __m512i(*const mine)[GMAX] = choice[cb], (*const ahead)[GMAX] = choice[cb ^ 1];
        __m512i(*const rmine)[GMAX] = drawn[cb], (*const rahead)[GMAX] = drawn[cb ^ 1];
        cb ^= 1;
        if (G > 1)
            for (uint64_t i = i0; i < i1; i++)
                for (int g = 0; g < G; g++)
                    mine[i - i0][g] = FV_READS_DRAWS(variation)
                                          ? draw8(&z[g], &k, &rmine[i - i0][g])
                                          : next8(mode, &z[g], walk[g], words[g], i, end, &k);
        size_t pos = 0;
        int step = 0;
        uint32_t **out = ring[cur], **const back = ring[cur ^ 1];
        const bool phased = G > 1 && PHASED(variation);
        for (uint64_t i = i0; i < i1; i++) {
            /* a phased variation: every vector's map, then the variation of all (phased8) */
            __m512d pnx[GMAX], pny[GMAX];
            if (phased) {
                __m512d pe[GMAX], pf[GMAX];
                __mmask8 sane = 0xff;
                for (int g = 0; g < G; g++) {
                    __m512d bdef[4];
                    map8(tab, mine[i - i0][g], x[g], y[g], &pnx[g], &pny[g], bdef);
                    pe[g] = bdef[2];
                    pf[g] = bdef[3];
                    sane &= below8(pnx[g], pny[g], lim);
                }
                /* the clamp changes no lane below the limit: all of them clamped when one
                 * is not, the same bits */
                if (__builtin_expect(sane == 0xff, 1))
                    phased8(variation, G, pnx, pny, pe, pf, false);
                else
                    phased8(variation, G, pnx, pny, pe, pf, true);
            }
            for (int g = 0; g < G; g++, step++) {
                if (!probe && step < back_steps)
                    for (int l = 0; l < 8; l++)
                        ring_add(back[8 * step + l]);
                if (G == 1)
                    ahead[step][0] =
                        FV_READS_DRAWS(variation)
                            ? draw8(&z[0], &k, &rahead[step][0])
                            : next8(mode, &z[0], walk[0], words[0], i + BATCH, end, &k);
                __m512d nx, ny;
                if (phased) {
                    nx = pnx[g];
                    ny = pny[g];
                } else {
                    __m512d bdef[4];
                    map8(tab, mine[i - i0][g], x[g], y[g], &nx, &ny, bdef);
                    if (FV_READS_DRAWS(variation)) {
                        /* as below, with the step's draws */
                        __mmask8 sane = below8(nx, ny, lim);
                        if (__builtin_expect(sane == 0xff, 1))
                            random8(variation, &nx, &ny, rmine[i - i0][g], false);
                        else
                            random8(variation, &nx, &ny, rmine[i - i0][g], true);
                    } else if (variation != V_LINEAR) {
                        /* the first clamp of the variation is an identity but for runaways
                         * and NaN: off the dependency chain, behind a branch */
                        __mmask8 sane = below8(nx, ny, lim);
                        if (__builtin_expect(sane == 0xff, 1))
                            variation8(variation, &nx, &ny, bdef[0], bdef[1], bdef[2], bdef[3],
                                       false);
                        else
                            variation8(variation, &nx, &ny, bdef[0], bdef[1], bdef[2], bdef[3],
                                       true);
                    }
                }
                __mmask8 ok = below8(nx, ny, lim);
                if (__builtin_expect(ok != 0xff, 0)) {
                    double anx[8], any[8], ax[8], ay[8];
                    int64_t askip[8];
                    _mm512_storeu_pd(anx, nx);
                    _mm512_storeu_pd(any, ny);
                    _mm512_storeu_pd(ax, x[g]);
                    _mm512_storeu_pd(ay, y[g]);
                    _mm512_storeu_si512(askip, skip[g]);
                    /* through locals: inside and pos, never address-taken, stay in
                     * registers in the loop */
                    uint64_t fixed = 0;
                    size_t at_pos = pos;
                    fix_up(sys, 8, anx, any, ax, ay, askip, &s.reset[8 * g], i, hist, width, height,
                           &fixed, probe ? bx : NULL, by, &at_pos);
                    inside += fixed;
                    pos = at_pos;
                    if (!probe) /* its points are plotted: nothing for the ring */
                        _mm512_storeu_si512(&out[8 * step], spares8(spare8, step));
                    x[g] = _mm512_loadu_pd(ax);
                    y[g] = _mm512_loadu_pd(ay);
                    skip[g] = _mm512_loadu_si512(askip);
                    skipping[g] = true;
                    continue;
                }
                x[g] = nx;
                y[g] = ny;
                __mmask8 plot = 0xff;
                if (__builtin_expect(skipping[g], 0)) {
                    /* plot where skip is 0, count skip down elsewhere */
                    plot = _mm512_testn_epi64_mask(skip[g], skip[g]);
                    skip[g] = _mm512_mask_sub_epi64(skip[g], (__mmask8)~plot, skip[g], one);
                    skipping[g] = _mm512_test_epi64_mask(skip[g], skip[g]) != 0;
                }
                if (probe) {
                    _mm512_storeu_pd(&bx[pos], _mm512_maskz_compress_pd(plot, nx));
                    _mm512_storeu_pd(&by[pos], _mm512_maskz_compress_pd(plot, ny));
                    pos += (unsigned)__builtin_popcount(plot);
                    continue;
                }
                /* floor(px) as an integer, the "integer indefinite" 2^63 for NaN and huge
                 * values: 0 <= px < width exactly when it is below width, unsigned, and
                 * then it is (int)px */
                __m512d px = nx, py = ny;
                if (warped != WARP_MAP) {
                    px = _mm512_add_pd(_mm512_mul_pd(nx, sx), ox);
                    py = _mm512_add_pd(_mm512_mul_pd(ny, sy), oy);
                }
                if (warped == WARP_MAP)
                    plot &= warp8(&wk, &px, &py);
                else if (warped == WARP_RECT)
                    plot &= GE8(px, cx0) & LT8(px, cx1) & GE8(py, cy0) & LT8(py, cy1);
                __m512i fx =
                    _mm512_cvt_roundpd_epi64(px, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                __m512i fy =
                    _mm512_cvt_roundpd_epi64(py, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                __mmask8 in = _mm512_mask_cmplt_epu64_mask(plot, fx, w8);
                in = _mm512_mask_cmplt_epu64_mask(in, fy, h8);
                __m512i at = _mm512_add_epi64(_mm512_mul_epu32(fy, w8), fx);
                at = _mm512_add_epi64(hist8, _mm512_slli_epi64(at, 2));
                _mm512_storeu_si512(&out[8 * step],
                                    _mm512_mask_blend_epi64(in, spares8(spare8, step), at));
                inside += (unsigned)__builtin_popcount(in);
            }
        }
        if (probe) {
            probe_out(po, bx, by, pos);
            continue;
        }
        ring_drain(back, step, back_steps, 8); /* a last batch, shorter */
        back_steps = (int)(i1 - i0) * G;
        cur ^= 1;
    }
    /* the increments of the last batch walked */
    ring_drain(ring[cur ^ 1], 0, back_steps, 8);
    choices_kept(kept, mode, whole, lane, lanes, end);
    return inside;
}

#define AVX512_KERNEL(v)                                                                           \
    static AVX512 __attribute__((noinline))                                                        \
    uint64_t lane8_##v(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,         \
                       uint32_t *hist, int width, int height)                                      \
    {                                                                                              \
        if (!sys->warped)                                                                          \
            return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE, 1,        \
                         false, NULL);                                                             \
        if (sys->warp.rect)                                                                        \
            return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_RECT, 1,        \
                         false, NULL);                                                             \
        return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_MAP, 1, false,      \
                     NULL);                                                                        \
    }                                                                                              \
    /* a group of lanes; a warped system's lanes one by one */                                     \
    static AVX512 __attribute__((noinline))                                                        \
    uint64_t group8_##v(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,        \
                        uint32_t *hist, int width, int height)                                     \
    {                                                                                              \
        if (sys->warped) {                                                                         \
            uint64_t inside = 0;                                                                   \
            for (int l = 0; l < FV_LANE_GROUP; l++)                                                \
                inside += lane8_##v(sys, sample_key, lane + l, iters, hist, width, height);        \
            return inside;                                                                         \
        }                                                                                          \
        return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE,               \
                     FV_LANE_GROUP, false, NULL);                                                  \
    }                                                                                              \
    static AVX512 __attribute__((noinline)) int probe8_##v(const FvSystem *sys,                    \
                                                           uint64_t sample_key, double *xy,        \
                                                           int max_points)                         \
    {                                                                                              \
        ProbeOut po = {xy, max_points, 0};                                                         \
        lane8(sys, sample_key, 0, FV_PROBE_ITERS, NULL, 0, 0, v, WARP_NONE, FV_LANE_GROUP, true,    \
              &po);                                                                                \
        return po.count;                                                                           \
    }
SIMD_VARIATIONS(AVX512_KERNEL)
RANDOM_VARIATIONS(AVX512_KERNEL)

#define AVX512_CASE(v)                                                                             \
    case v:                                                                                        \
        return lane8_##v(sys, sample_key, lane, iters, hist, width, height);

AVX512 uint64_t fv_chaos_lane_avx512(const FvSystem *sys, uint64_t sample_key, int lane,
                                     uint32_t iters, uint32_t *hist, int width, int height)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX512_CASE)
        RANDOM_VARIATIONS(AVX512_CASE)
    default:
        return 0;
    }
}

#define AVX512_GROUP_CASE(v)                                                                       \
    case v:                                                                                        \
        return group8_##v(sys, sample_key, lane, iters, hist, width, height);

AVX512 uint64_t fv_chaos_group_avx512(const FvSystem *sys, uint64_t sample_key, int lane,
                                      uint32_t iters, uint32_t *hist, int width, int height)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX512_GROUP_CASE)
        RANDOM_VARIATIONS(AVX512_GROUP_CASE)
    default:
        return 0;
    }
}

#define AVX512_PROBE_CASE(v)                                                                       \
    case v:                                                                                        \
        return probe8_##v(sys, sample_key, xy, max_points);

AVX512 int fv_chaos_probe_avx512(const FvSystem *sys, uint64_t sample_key, double *xy,
                                 int max_points)
{
    switch (sys->variation) {
        SIMD_VARIATIONS(AVX512_PROBE_CASE)
        RANDOM_VARIATIONS(AVX512_PROBE_CASE)
    default:
        return 0;
    }
}

#else /* no SIMD kernels in this build */

bool fv_chaos_simd_handles(int variation)
{
    (void)variation;
    return false;
}

#endif
