/* core/fvmath_simd.h against core/fvmath.h, bit for bit: every vector function (AVX2, 4 lanes;
 * AVX-512, 8 lanes) must give each lane the bits of the scalar function, for every input.
 * Millions of inputs per function: uniform and log-uniform over the whole double range
 * (subnormals, huge, inf, NaN payloads of both signs), next to multiples of pi/2, next to
 * the thresholds of the rare paths (2^20 for sin/cos/tan, 704 for exp) and of the tables,
 * shuffled so that rare lanes sit among common ones in a vector. Like dav1d's checkasm: an
 * instruction set the CPU lacks is reported, not failed.
 *
 * Also: the scalar functions still give the bits they gave before fvmath.h was reorganised
 * to share its cores with the vector code (a hash over a fixed input set, recorded first).
 *
 * Usage: test-fvmath-simd [inputs per function, default 4000000] */
#include "fv_internal.h"
#include "fvmath_simd.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the scalar bits, unchanged ---- */

/* Hash of fv_sin, fv_cos, fv_sincos, fv_tan, fv_tanh, fv_atan2, fv_exp, fv_log, fv_pow and
 * fv_fmod over the inputs below, recorded with fvmath.h as it was before the vector
 * functions (gcc and clang, -O0 and -O2, with and without -march=native: all the same). */
#define SCALAR_HASH UINT64_C(0x08d54418ecb66374)

static uint64_t hash_state = UINT64_C(0x1234567887654321);

static uint64_t hash_rnd(void)
{
    uint64_t z = (hash_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double hash_input(long i)
{
    uint64_t r = hash_rnd();
    switch (i % 6) {
    case 0:
        return fv__dbl(r); /* any bits: NaN, inf, subnormal, huge */
    case 1:
        return ((double)(r >> 11) * 0x1p-53 - 0.5) * 20.0;
    case 2:
        return ((double)(r >> 11) * 0x1p-53 - 0.5) * 2e6;
    case 3: {
        double k = (double)(int64_t)(r % 2000001) - 1000000.0;
        return k * 1.5707963267948966 +
               ((double)((r >> 40) & 0xff) - 128) * 0x1p-50 * (k == 0 ? 1 : k);
    }
    case 4:
        return fv__dbl((r & UINT64_C(0x800fffffffffffff)) |
                       ((uint64_t)(1023 - 60 + (r >> 52) % 130) << 52));
    default:
        return ((double)(r >> 11) * 0x1p-53 - 0.5) * 1500.0;
    }
}

static uint64_t hash_of[10];

static void hash_in(int f, double v)
{
    hash_of[f] = (hash_of[f] ^ fv__bits(v)) * UINT64_C(0x100000001b3);
    hash_of[f] ^= hash_of[f] >> 29;
}

static int check_scalar_hash(void)
{
    for (long i = 0; i < 6000000; i++) {
        double x = hash_input(i), y = hash_input(i + 3), s, c;
        hash_in(0, fv_sin(x));
        hash_in(1, fv_cos(x));
        fv_sincos(x, &s, &c);
        hash_in(2, s);
        hash_in(2, c);
        hash_in(3, fv_tan(x));
        hash_in(4, fv_tanh(x));
        hash_in(5, fv_atan2(y, x));
        hash_in(6, fv_exp(x));
        hash_in(7, fv_log(x));
        hash_in(8, fv_pow(x, y * 1e-3));
        hash_in(9, fv_fmod(x, y));
    }
    uint64_t all = 0;
    for (int f = 0; f < 10; f++)
        all = all * 31 + hash_of[f];
    printf("scalar fvmath.h bit hash %016llx, recorded %016llx: %s\n", (unsigned long long)all,
           (unsigned long long)SCALAR_HASH, all == SCALAR_HASH ? "same" : "DIFFERENT");
    return all == SCALAR_HASH ? 0 : 1;
}

/* ---- inputs ---- */

static uint64_t rng_state = UINT64_C(0x5eed5eed12345678);

/* splitmix64: the core's own mix of a stepped state */
static uint64_t rnd64(void)
{
    return fv_mix64(rng_state += UINT64_C(0x9e3779b97f4a7c15));
}

static double unif(double a, double b)
{
    return a + (b - a) * ((double)(rnd64() >> 11) * 0x1p-53);
}

static double with_sign(double x)
{
    return rnd64() & 1 ? -x : x;
}

/* x moved by d ulps (d small), through zero and up to inf */
static double ulps(double x, int d)
{
    for (; d > 0; d--)
        x = nextafter(x, INFINITY);
    for (; d < 0; d++)
        x = nextafter(x, -INFINITY);
    return x;
}

/* clang-format off */
static const double specials[] = {
    0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, 0x1.fffffffffffffp-1023, 1e-300,
    1e-20, 1.0, -1.0, 0.5, 2.0, 3.0, 22.0, 44.0, 1e10, -1e10, 0x1p20, -0x1p20,
    0x1.fffffffffffffp19, -0x1.fffffffffffffp19, 0x1.0000000000001p20, 0x1p52, 0x1p53, 1e300,
    DBL_MAX, -DBL_MAX, 704.0, -704.0, 0x1.5ffffffffffffp9, -0x1.5ffffffffffffp9, 709.78, 709.8,
    710.0, -745.13, -746.0, -800.0, 1.5707963267948966, 3.141592653589793, 4.71238898038469,
    6.283185307179586, -1.5707963267948966, 1570796.3267948966, 0x1p-27, 0x1p-60};
/* clang-format on */

/* One input of the mix: index i picks the kind. */
static double input(uint64_t i)
{
    uint64_t r = rnd64();
    switch (i % 12) {
    case 0: /* any bits at all: NaN payloads, inf, subnormals, huge */
        return fv__dbl(r);
    case 1: /* the chaos game's range */
        return unif(-12.0, 12.0);
    case 2:
        return unif(-1000.0, 1000.0);
    case 3: /* up to and beyond the 2^20 threshold */
        return unif(-0x1p21, 0x1p21);
    case 4: { /* log-uniform over every exponent, random sign */
        int e = (int)(r % 2098) - 1075;
        return with_sign(ldexp(1.0 + (double)(rnd64() >> 12) * 0x1p-52, e));
    }
    case 5: { /* next to k pi/2, |k| < 2^21 (both sides of the 2^20 threshold) */
        double k = (double)(int64_t)(r % (UINT64_C(1) << 22)) - 0x1p21;
        if (r & (UINT64_C(1) << 40))
            k = (double)(int64_t)((r >> 41) % 64) - 32.0;
        return ulps(k * 1.5707963267948966, (int)((r >> 48) % 9) - 4);
    }
    case 6: { /* a special value, nudged by a few ulps */
        double s = specials[r % (sizeof(specials) / sizeof(specials[0]))];
        int d = (int)((r >> 32) % 5) - 2;
        return isfinite(s) && d ? ulps(s, d) : s;
    }
    case 7: /* inf and NaN, both signs, payloads */
        switch ((r >> 8) % 4) {
        case 0:
            return INFINITY;
        case 1:
            return -INFINITY;
        case 2:
            return fv__dbl(UINT64_C(0x7ff8000000000000) | (r >> 20));
        default:
            return fv__dbl(UINT64_C(0xfff0000000000001) | (r >> 20));
        }
    case 8: /* tanh and exp's ranges */
        return unif(-50.0, 50.0);
    case 9:
        return unif(-760.0, 760.0);
    case 10: /* tiny */
        return with_sign(ldexp(1.0 + (double)(rnd64() >> 12) * 0x1p-52, -(int)(r % 1074)));
    default: /* huge */
        return with_sign(ldexp(1.0 + (double)(rnd64() >> 12) * 0x1p-52, 20 + (int)(r % 1004)));
    }
}

/* ---- the vector functions over arrays (n a multiple of 8) ---- */

enum {
    F_SIN,
    F_COS,
    F_SINCOS_S,
    F_SINCOS_C,
    F_TAN,
    F_TANH,
    F_EXP,
    F_ATAN2,
    F_FMOD,
    F_FMOD_NEAR,
    F_POW,
    F_POW_SMALL,
    F_NUM
};
static const char *const fname[F_NUM] = {
    "sin", "cos", "sincos (sin)", "sincos (cos)", "tan", "tanh", "exp", "atan2", "fmod",
    "fmod (near a multiple)", "pow", "pow (x, sin y)"};

/* fmod(z, y) with z next to a whole multiple of y: the quotient rounds across an integer,
 * and the remainder takes the scalar code's steps back into [0, |y|) */
static void scalar_all(const double *x, const double *y, const double *z, double (*out)[F_NUM],
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i][F_SIN] = fv_sin(x[i]);
        out[i][F_COS] = fv_cos(x[i]);
        fv_sincos(x[i], &out[i][F_SINCOS_S], &out[i][F_SINCOS_C]);
        out[i][F_TAN] = fv_tan(x[i]);
        out[i][F_TANH] = fv_tanh(x[i]);
        out[i][F_EXP] = fv_exp(x[i]);
        out[i][F_ATAN2] = fv_atan2(y[i], x[i]);
        out[i][F_FMOD] = fv_fmod(x[i], y[i]);
        out[i][F_FMOD_NEAR] = fv_fmod(z[i], y[i]);
        out[i][F_POW] = fv_pow(x[i], y[i]);
        out[i][F_POW_SMALL] = fv_pow(x[i], fv_sin(y[i])); /* r^sin(theta), power's */
    }
}

#if FV_HAVE_FVMATH_SIMD
#define DEFINE_ALL(name, W, TARGET, V, LOAD, STORE)                                                \
    static __attribute__((target(TARGET))) void name(const double *x, const double *y,             \
                                                     const double *z, double(*out)[F_NUM],         \
                                                     size_t n)                                     \
    {                                                                                              \
        double tmp[F_NUM][W];                                                                      \
        for (size_t i = 0; i < n; i += W) {                                                        \
            V vx = LOAD(&x[i]), vy = LOAD(&y[i]), vz = LOAD(&z[i]), s, c;                          \
            STORE(tmp[F_SIN], fv##W##_sin(vx));                                                    \
            STORE(tmp[F_COS], fv##W##_cos(vx));                                                    \
            fv##W##_sincos(vx, &s, &c);                                                            \
            STORE(tmp[F_SINCOS_S], s);                                                             \
            STORE(tmp[F_SINCOS_C], c);                                                             \
            STORE(tmp[F_TAN], fv##W##_tan(vx));                                                    \
            STORE(tmp[F_TANH], fv##W##_tanh(vx));                                                  \
            STORE(tmp[F_EXP], fv##W##_exp(vx));                                                    \
            STORE(tmp[F_ATAN2], fv##W##_atan2(vy, vx));                                            \
            STORE(tmp[F_FMOD], fv##W##_fmod(vx, vy));                                              \
            STORE(tmp[F_FMOD_NEAR], fv##W##_fmod(vz, vy));                                         \
            STORE(tmp[F_POW], fv##W##_pow(vx, vy));                                                \
            STORE(tmp[F_POW_SMALL], fv##W##_pow(vx, fv##W##_sin(vy)));                             \
            for (int l = 0; l < W; l++)                                                            \
                for (int f = 0; f < F_NUM; f++)                                                    \
                    out[i + l][f] = tmp[f][l];                                                     \
        }                                                                                          \
    }
DEFINE_ALL(avx2_all, 4, "avx2", __m256d, _mm256_loadu_pd, _mm256_storeu_pd)
DEFINE_ALL(avx512_all, 8, "avx512f,avx512dq", __m512d, _mm512_loadu_pd, _mm512_storeu_pd)
#endif

typedef void (*AllFunc)(const double *x, const double *y, const double *z, double (*out)[F_NUM],
                        size_t n);

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 4000000;
    int failed = check_scalar_hash();
#if FV_HAVE_FVMATH_SIMD
    const size_t chunk = 1 << 16;
    double *x = malloc(chunk * sizeof(*x)), *y = malloc(chunk * sizeof(*y));
    double *z = malloc(chunk * sizeof(*z));
    double(*want)[F_NUM] = malloc(chunk * sizeof(*want));
    double(*got)[F_NUM] = malloc(chunk * sizeof(*got));
    if (!x || !y || !z || !want || !got)
        return 2;
    __builtin_cpu_init();
    const struct {
        const char *name;
        AllFunc f;
        int have;
    } isa[] = {
        {"avx2", avx2_all, __builtin_cpu_supports("avx2")},
        {"avx512", avx512_all,
         __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")},
    };
    long mismatches[2][F_NUM] = {{0}}, rare = 0;
    uint64_t i = 0;
    for (long done = 0; done < total; done += (long)chunk) {
        /* the edge cases first, then the mix */
        for (size_t k = 0; k < chunk; k++, i++) {
            size_t nspec = sizeof(specials) / sizeof(specials[0]);
            x[k] = i < nspec ? specials[i] : input(i);
            y[k] = input(i * 7 + 3);
        }
        /* each special against each special too (atan2's zeros, infinities and NaN) */
        if (done == 0) {
            size_t nspec = sizeof(specials) / sizeof(specials[0]), k = 0;
            for (size_t a = 0; a < nspec; a++)
                for (size_t b = 0; b < nspec && k < chunk / 2; b++, k++) {
                    x[chunk / 2 + k] = specials[a];
                    y[chunk / 2 + k] = specials[b];
                }
        }
        /* a whole multiple of y (up to 2^40 of it, often small), nudged by -2..2 ulps */
        for (size_t k = 0; k < chunk; k++) {
            uint64_t r = rnd64();
            double n = (double)(r >> (r & 1 ? 54 : 24));
            z[k] = with_sign(ulps(n * y[k], (int)((r >> 1) % 5) - 2));
        }
        for (size_t k = 0; k < chunk; k++)
            rare += !(fabs(x[k]) < 0x1p20);
        scalar_all(x, y, z, want, chunk);
        for (size_t s = 0; s < sizeof(isa) / sizeof(isa[0]); s++) {
            if (!isa[s].have)
                continue;
            isa[s].f(x, y, z, got, chunk);
            for (size_t k = 0; k < chunk; k++)
                for (int f = 0; f < F_NUM; f++)
                    if (fv__bits(got[k][f]) != fv__bits(want[k][f])) {
                        if (mismatches[s][f]++ < 5)
                            printf("%s %s(%a, %a): %a (%016llx), scalar %a (%016llx)\n",
                                   isa[s].name, fname[f],
                                   f == F_ATAN2 ? y[k] : f == F_FMOD_NEAR ? z[k] : x[k],
                                   f == F_ATAN2 ? x[k] : f >= F_FMOD ? y[k] : 0.0, got[k][f],
                                   (unsigned long long)fv__bits(got[k][f]), want[k][f],
                                   (unsigned long long)fv__bits(want[k][f]));
                    }
        }
    }
    printf("%ld inputs per function, %ld of them on a rare path (|x| >= 2^20, inf, NaN)\n", total,
           rare);
    for (size_t s = 0; s < sizeof(isa) / sizeof(isa[0]); s++) {
        if (!isa[s].have) {
            printf("%s: not available on this CPU\n", isa[s].name);
            continue;
        }
        for (int f = 0; f < F_NUM; f++) {
            printf("%-7s %-13s %s (%ld lanes differ)\n", isa[s].name, fname[f],
                   mismatches[s][f] ? "DIFFERENT" : "bit-exact", mismatches[s][f]);
            failed |= mismatches[s][f] != 0;
        }
    }
    free(x);
    free(y);
    free(z);
    free(want);
    free(got);
#else
    (void)total;
    printf("no vector functions in this build\n");
#endif
    return failed;
}
