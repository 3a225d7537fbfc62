/* Fast, deterministic elementary functions for the chaos game's inner loop (G5 variations).
 *
 * Built only from IEEE-754 double +, -, *, /, comparisons and integer/bit operations, each
 * correctly rounded by any conforming implementation; with -ffp-contract=off (the build's
 * setting: no FMA contraction) every function returns the same bits with any compiler on
 * x86-64 or ARM64 (checked: gcc and clang, -O0 to -O3 -march=native, identical bits). No
 * libm call, no FMA, no float-to-int conversion (so NaN and huge inputs cannot hit undefined
 * behaviour: integers come from the bits of x + 1.5*2^52), no table larger than 2 KiB.
 * Branches only on rare inputs (huge, subnormal, non-finite); selections by quadrant, sign
 * or interval are table lookups and arithmetic.
 *
 * Accuracy, as measured by tests/core/test_fvmath.c against libm's long double functions:
 *   fv_sin, fv_cos, fv_sincos  |x| < 2^20: <= 2.4 ulp (<= 1.6 ulp for |x| < 10), also next
 *                              to multiples of pi/2. |x| >= 2^20, inf, NaN: x is folded by
 *                              its bits into [2^19, 2^20), giving a deterministic value in
 *                              [-1, 1] with no slow path (the picture cannot tell; glibc
 *                              spends 40+ ns on sin(1e9)). fv_sincos gives the bits of
 *                              fv_sin and fv_cos. The sign of a zero result is not kept.
 *   fv_tan                     sin/cos of the reduced argument, one division: <= 4 ulp for
 *                              |x| < 2^20 (<= 3 for |x| < 10), also next to the poles;
 *                              always finite.
 *   fv_atan2                   <= 2.6 ulp; C99's values for zeros and signed zeros.
 *   fv_exp                     <= 0.8 ulp; +inf above 709.78 and 0 below -745.13 (through
 *                              the subnormals), like libm.
 *   fv_log                     <= 0.9 ulp; log|x| for x < 0, -inf at 0.
 *   fv_pow                     x^y for x >= 0 (|x| for x < 0), made for r^sin(theta):
 *                              <= 0.9 ulp for |y| <= 16 (the error grows as |y| 2^-59);
 *                              0^y like libm.
 *   fv_tanh                    <= 2.6 ulp, through an expm1 sharing fv_exp's table.
 *   fv_fmod                    exact (C's fmod) for |a/b| < 2^52 but a rare last-bit
 *                              rounding; no slow path (glibc takes a step per bit of a/b).
 *
 * Method. Range reduction: Cody-Waite with pi/2 in four parts (33 + 33 + 29 + 53 bits: for
 * |k| < 2^20 the first three products with k are exact), ln2/64 in two (36 + 53 bits);
 * table-driven reduction for exp (2^(j/64) as hi + lo), log (64 intervals of the mantissa,
 * c with 8 bits so that m - c is exact, log c as hi + lo) and atan (pivots c = i/8,
 * atan(t) = atan(c) + atan((t - c)/(1 + t c))). Polynomials on the reduced intervals:
 * minimax (Remez exchange in 100-digit arithmetic, then rounded to double and re-checked on
 * a dense grid), evaluated by Estrin's scheme (shorter dependency chains than Horner's: the
 * chaos game chains every call on the previous point). tests/core/fvmath_coeffs.py derives
 * and prints every constant and table below. */
#ifndef FV_FVMATH_H
#define FV_FVMATH_H

#include <stdint.h>
#include <string.h>

/* ---- constants (printed by tests/core/fvmath_coeffs.py) ---- */
/* sin(r) = r + r z S(z), z = r^2, |r| <= pi/4; relative error: max error after rounding the
 * coefficients 2^-57.3 */
#define FV__S0 -0x1.5555555555555p-3
#define FV__S1 0x1.1111111111110p-7
#define FV__S2 -0x1.a01a01a019927p-13
#define FV__S3 0x1.71de3a545e87cp-19
#define FV__S4 -0x1.ae64540f30bb9p-26
#define FV__S5 0x1.61217c3312a28p-33
#define FV__S6 -0x1.ab1625bb228afp-41
/* cos(r) = 1 + z C(z); absolute error: max error after rounding the coefficients 2^-60.6 */
#define FV__C0 -0x1.0000000000000p-1
#define FV__C1 0x1.5555555555551p-5
#define FV__C2 -0x1.6c16c16c15d55p-10
#define FV__C3 0x1.a01a019ddcdb5p-16
#define FV__C4 -0x1.27e4f8e0da7abp-22
#define FV__C5 0x1.1eea7c23af7aap-29
#define FV__C6 -0x1.8ff80d41dbaa1p-37
/* atan(u) = u + u z A(z), |u| <= 1/16; relative error: max error after rounding the coefficients
 * 2^-60.6 */
#define FV__A0 -0x1.5555555555553p-2
#define FV__A1 0x1.999999998a1d8p-3
#define FV__A2 -0x1.249248a9180a0p-3
#define FV__A3 0x1.c719c05141626p-4
#define FV__A4 -0x1.714ab9ae000adp-4
/* exp(r) = 1 + r + r^2/2 + r^3 X(r), |r| <= ln2/128; absolute: max error after rounding the
 * coefficients 2^-56.5 */
#define FV__X0 0x1.5555555554ed6p-3
#define FV__X1 0x1.5555666535249p-5
#define FV__X2 0x1.11112150f26e6p-7
/* exp(r) - 1 = r + r^2/2 + r^3 E(r), |r| <= ln2/128; relative to r (expm1 for tanh): max error
 * after rounding the coefficients 2^-60.3 */
#define FV__E0 0x1.5555555555216p-3
#define FV__E1 0x1.5555555554ed6p-5
#define FV__E2 0x1.11111e10f87ebp-7
#define FV__E3 0x1.6c16d4ebf1eb7p-10
/* log1p(z) = z - z^2/2 + z^3 L(z), -1/128 <= z <= 1/64; absolute: max error after rounding the
 * coefficients 2^-64.4 */
#define FV__L0 0x1.5555555555507p-2
#define FV__L1 -0x1.ffffffffd67adp-3
#define FV__L2 0x1.999999ac5871fp-3
#define FV__L3 -0x1.555574c74339cp-3
#define FV__L4 0x1.24911c64a15e6p-3
#define FV__L5 -0x1.f55e74f343cacp-4
#define FV__PIO2_1 0x1.921fb54400000p+0  /* 33 bits */
#define FV__PIO2_2 0x1.0b4611a600000p-34 /* 33 bits */
#define FV__PIO2_3 0x1.3198a2e000000p-69 /* 33 bits */
#define FV__PIO2_4 0x1.b839a252049c1p-104
#define FV__INV_PIO2 0x1.45f306dc9c883p-1
#define FV__LN2_64_1 0x1.62e42fefa0000p-7 /* 36 bits */
#define FV__LN2_64_2 0x1.cf79abc9e3b3ap-46
#define FV__INV_LN2_64 0x1.71547652b82fep+6
#define FV__LN2_HI 0x1.62e42fefa3800p-1 /* multiple of 2^-42 */
#define FV__LN2_LO 0x1.ef35793c76730p-45
#define FV__PI_HI 0x1.921fb54442d18p+1
#define FV__PI_LO 0x1.1a62633145c07p-53
#define FV__PIO2_HI 0x1.921fb54442d18p+0
#define FV__PIO2_LO 0x1.1a62633145c07p-54
#define FV__SHIFT 0x1.8p52 /* x + 1.5*2^52 - 1.5*2^52 rounds x to an integer (|x| < 2^51) */
#define FV__ABS_MASK UINT64_C(0x7fffffffffffffff)
#define FV__SIGN_MASK UINT64_C(0x8000000000000000)
#define FV__INF_BITS UINT64_C(0x7ff0000000000000)

/* ---- the shared cores ----
 * The steps below are written once, as expressions over any type T with + - * that round
 * like IEEE double: double here, and the GCC vectors of doubles of fvmath_simd.h (the same
 * operations lane by lane, so the same bits). Constants broadcast. */

/* clang-format off */
/* c0 + c1 z + ... + c6 z^6 by Estrin's scheme, z2 = z^2, z4 = z^4 */
#define FV__ESTRIN7(c0, c1, c2, c3, c4, c5, c6, z, z2, z4)                                         \
    ((((c0) + (c1) * (z)) + (z2) * ((c2) + (c3) * (z))) +                                          \
     (z4) * (((c4) + (c5) * (z)) + (z2) * (c6)))
/* S(z) and C(z) of the sin and cos kernels */
#define FV__SIN_P(z, z2, z4)                                                                       \
    FV__ESTRIN7(FV__S0, FV__S1, FV__S2, FV__S3, FV__S4, FV__S5, FV__S6, z, z2, z4)
#define FV__COS_P(z, z2, z4)                                                                       \
    FV__ESTRIN7(FV__C0, FV__C1, FV__C2, FV__C3, FV__C4, FV__C5, FV__C6, z, z2, z4)
/* x - k pi/2, k an integer-valued T (fv__rem_pio2) */
#define FV__PIO2_REDUCE(x, k)                                                                      \
    (((((x) - (k) * FV__PIO2_1) - (k) * FV__PIO2_2) - (k) * FV__PIO2_3) - (k) * FV__PIO2_4)
/* x - k ln2/64 (exp, tanh) */
#define FV__LN2_64_REDUCE(x, k) (((x) - (k) * FV__LN2_64_1) - (k) * FV__LN2_64_2)
/* e^r - 1 for |r| <= ln2/128, r2 = r^2: the expm1 of tanh (relative error 2^-60.3) */
#define FV__EXPM1_P(r, r2)                                                                         \
    ((r) + (r2) * ((0.5 + FV__E0 * (r)) + (r2) * ((FV__E1 + FV__E2 * (r)) + (r2) * FV__E3)))
/* e^r - 1 for |r| <= ln2/128, r2 = r^2: the exp's (absolute error 2^-56.5) */
#define FV__EXP_P(r, r2) ((r) + (r2) * ((0.5 + FV__X0 * (r)) + (r2) * (FV__X1 + FV__X2 * (r))))
/* A(z) of atan, z2 = z^2 */
#define FV__ATAN_P(z, z2)                                                                          \
    ((FV__A0 + FV__A1 * (z)) + (z2) * ((FV__A2 + FV__A3 * (z)) + (z2) * FV__A4))
/* clang-format on */

#if defined(__GNUC__)
#define FV__UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define FV__UNLIKELY(c) (c)
#endif

/* ---- bits ---- */

static inline uint64_t fv__bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double fv__dbl(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline double fv__abs(double x)
{
    return fv__dbl(fv__bits(x) & FV__ABS_MASK);
}

/* 0.0 or 1.0 from a comparison: x +- b * fv__odd[cond] adjusts without a branch */
static const double fv__odd[2] = {0.0, 1.0};

/* The rounding error of a * b (= a*b - fl(a*b) exactly, p = fl(a*b)), by Dekker's product
 * with Veltkamp's splitting; |a|, |b| < 2^995. */
static inline double fv__mul_err(double a, double b, double p)
{
    double ca = 134217729.0 * a, cb = 134217729.0 * b; /* 2^27 + 1 */
    double ah = ca - (ca - a), al = a - ah;
    double bh = cb - (cb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* ---- sin, cos, tan ---- */

/* x = k pi/2 + r with |r| <= pi/4 (plus rounding); returns r and k mod 4. pi/2 in four
 * parts, three of 33 bits: for |k| < 2^20 their products with k are exact, x - k*PIO2_1 is
 * exact (Sterbenz), and when r is tiny (x next to a multiple of pi/2) the next two
 * differences are exact too, so r carries about 1 ulp of error even there, and r != 0. */
static inline double fv__rem_pio2(double x, uint64_t *q)
{
    if (FV__UNLIKELY(!(fv__abs(x) < 0x1p20))) {
        /* huge, inf or NaN: keep the sign and mantissa bits, exponent of 2^19 */
        uint64_t ix = fv__bits(x);
        x = fv__dbl((ix & UINT64_C(0x800fffffffffffff)) | UINT64_C(0x4120000000000000));
    }
    double y = x * FV__INV_PIO2 + FV__SHIFT;
    double k = y - FV__SHIFT;
    *q = fv__bits(y) & 3;
    return FV__PIO2_REDUCE(x, k);
}

/* The kernel: sin(r) = r + (r z) S(z) and cos(r) = 1 + (1 z) C(z), z = r*r, are both
 * a + (a z) P(z). For sin(x) with x = k pi/2 + r the quadrant k mod 4 picks a in {r, 1, -r,
 * -1} (a = r A[k] + B[k], exact) and P in {S, C}: no branch, and the choice is made from k,
 * before r is known, so it stays off the latency path. P by Estrin's scheme (z, z^2, z^4
 * shared by the two polynomials of sincos and tan) rather than Horner's, for latency: the
 * chaos game chains every call on the previous point. sin(-0) gives +0. */
static const double fv__trig_a[4] = {1.0, 0.0, -1.0, 0.0};
static const double fv__trig_b[4] = {0.0, 1.0, 0.0, -1.0};
static const double fv__trig_poly[2][7] = {
    {FV__S0, FV__S1, FV__S2, FV__S3, FV__S4, FV__S5, FV__S6},
    {FV__C0, FV__C1, FV__C2, FV__C3, FV__C4, FV__C5, FV__C6}};

/* sin(k pi/2 + r) for k mod 4 = q */
static inline double fv__trig_kernel(double r, double z, double z2, double z4, uint64_t q)
{
    const double *c = fv__trig_poly[q & 1];
    double a = r * fv__trig_a[q & 3] + fv__trig_b[q & 3];
    double p = FV__ESTRIN7(c[0], c[1], c[2], c[3], c[4], c[5], c[6], z, z2, z4);
    return a + (a * z) * p;
}

static inline double fv_sin(double x)
{
    uint64_t q;
    double r = fv__rem_pio2(x, &q), z = r * r, z2 = z * z;
    return fv__trig_kernel(r, z, z2, z2 * z2, q);
}

static inline double fv_cos(double x)
{
    uint64_t q;
    double r = fv__rem_pio2(x, &q), z = r * r, z2 = z * z;
    return fv__trig_kernel(r, z, z2, z2 * z2, q + 1);
}

/* sin(r) and cos(r) by the kernel's operations with fixed coefficients */
static inline double fv__sin_poly(double r, double z, double z2, double z4)
{
    double p = FV__SIN_P(z, z2, z4);
    return r + (r * z) * p;
}

static inline double fv__cos_poly(double z, double z2, double z4)
{
    double p = FV__COS_P(z, z2, z4);
    return 1.0 + z * p;
}

/* 1 or 0 for even or odd k, and 0 or -1: a * e - b * n is a (even) or b (odd), exactly */
static const double fv__even[2] = {1.0, 0.0};
static const double fv__negodd[2] = {0.0, -1.0};
static const double fv__sign[2] = {1.0, -1.0};

/* sin and cos with one range reduction; the same bits as fv_sin and fv_cos (up to the
 * sign of a zero) */
static inline void fv_sincos(double x, double *s, double *c)
{
    uint64_t q;
    double r = fv__rem_pio2(x, &q), z = r * r, z2 = z * z, z4 = z2 * z2;
    double ps = fv__sin_poly(r, z, z2, z4), pc = fv__cos_poly(z, z2, z4);
    uint64_t odd = q & 1;
    double e = fv__even[odd], n = fv__negodd[odd];
    /* sin: s, c, -s, -c; cos: c, -s, -c, s for k mod 4 = 0, 1, 2, 3 */
    *s = (ps * e - pc * n) * fv__sign[(q >> 1) & 1];
    *c = (pc * e - ps * n) * fv__sign[((q + 1) >> 1) & 1];
}

/* sin/cos for even k, -cos/sin for odd k; the denominator is never 0 (r != 0 for odd k) */
static inline double fv_tan(double x)
{
    uint64_t q;
    double r = fv__rem_pio2(x, &q), z = r * r, z2 = z * z, z4 = z2 * z2;
    double ps = fv__sin_poly(r, z, z2, z4), pc = fv__cos_poly(z, z2, z4);
    uint64_t odd = q & 1;
    double e = fv__even[odd], n = fv__negodd[odd];
    return (ps * e + pc * n) / (pc * e - ps * n);
}

/* ---- atan2 ---- */

/* c = i/8, atan(c) as hi + lo; rows 9..15 only pad the table for NaN input */
static const double fv__atan_tab[16][3] = {
    {0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    {0x1.0000000000000p-3, 0x1.fd5ba9aac2f6ep-4, -0x1.cd37686760c17p-59},
    {0x1.0000000000000p-2, 0x1.f5b75f92c80ddp-3, 0x1.8ab6e3cf7afbdp-57},
    {0x1.8000000000000p-2, 0x1.6f61941e4def1p-2, -0x1.c63aae6f6e918p-56},
    {0x1.0000000000000p-1, 0x1.dac670561bb4fp-2, 0x1.a2b7f222f65e2p-56},
    {0x1.4000000000000p-1, 0x1.1e00babdefeb4p-1, -0x1.928df287a668fp-58},
    {0x1.8000000000000p-1, 0x1.4978fa3269ee1p-1, 0x1.2419a87f2a458p-56},
    {0x1.c000000000000p-1, 0x1.700a7c5784634p-1, -0x1.8c34d25aadef6p-56},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
    {0x1.0000000000000p+0, 0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55},
};
/* angle = base + a or base - a, base as hi + lo; indexed by 2 * (x < 0) + (|y| > |x|) */
static const double fv__atan_base[4][2] = {
    {0.0, 0.0}, {FV__PIO2_HI, FV__PIO2_LO}, {FV__PI_HI, FV__PI_LO}, {FV__PIO2_HI, FV__PIO2_LO}};
static const double fv__atan_sgn[4] = {1.0, -1.0, -1.0, 1.0};

static inline double fv_atan2(double y, double x)
{
    uint64_t ix = fv__bits(x), iy = fv__bits(y);
    double ax = fv__dbl(ix & FV__ABS_MASK), ay = fv__dbl(iy & FV__ABS_MASK);
    uint64_t swap = ay > ax;
    double mx = ax > ay ? ax : ay, mn = ax < ay ? ax : ay; /* maxsd, minsd */
    mx = mx > 0.0 ? mx : 1.0; /* 0/0 avoided (mn is then 0 too); NaN gives 1 */
    double t = mn / mx;       /* in [0, 1] */
    uint64_t i = fv__bits(t * 8.0 + FV__SHIFT) & 15;
    double c = fv__atan_tab[i][0];
    double u = (t - c) / (1.0 + t * c), z = u * u; /* |u| <= 1/16 */
    double z2 = z * z;
    double p = FV__ATAN_P(z, z2);
    double a = fv__atan_tab[i][1] + (fv__atan_tab[i][2] + (u + (u * z) * p)); /* in [0, pi/4] */
    /* x >= 0: a or pi/2 - a (swapped); x < 0: pi - a or pi/2 + a (swapped) */
    uint64_t b = (ix >> 63) * 2 + swap;
    double res = fv__atan_base[b][0] + (fv__atan_base[b][1] + a * fv__atan_sgn[b]); /* >= +0 */
    return fv__dbl(fv__bits(res) | (iy & FV__SIGN_MASK));
}

/* ---- fmod ---- */

/* a - n b, n = trunc(a / b) for 1 <= t = a/b < 2^52 (a, b > 0, b < 2^995): n from the
 * rounded quotient, n b as an exact (Dekker) product, so exact but for a rare last-bit
 * rounding when a/b rounds across an integer */
static inline double fv__fmod_pos(double a, double b, double t)
{
    double q = (t + 0x1p52) - 0x1p52; /* nearest integer, then truncated */
    q -= fv__odd[q > t];
    double ph = q * b;
    double r = (a - ph) - fv__mul_err(q, b, ph); /* a - ph exact (Sterbenz) */
    /* the quotient rounded across an integer: one step back into [0, b) */
    r += b * fv__odd[r < 0.0];
    r -= b * fv__odd[r >= b];
    return r;
}

/* fmod(a, b) = a - n b, n = trunc(a / b), with the sign of a and |result| < |b|; exact but
 * for a rare last-bit rounding. No slow path (glibc's fmod takes one step per bit of a/b:
 * 100+ ns for a/b ~ 1e6). |a/b| >= 2^52, b = 0, inf or NaN a: |b| times a number in [0, 1)
 * taken from the bits of a (deterministic, in range); |a| < |b|: a. */
static inline double fv_fmod(double a, double b)
{
    uint64_t ia = fv__bits(a);
    double aa = fv__dbl(ia & FV__ABS_MASK), bb = fv__abs(b);
    double t = aa / bb, r;
    if (FV__UNLIKELY(!(t < 0x1p52 && bb < 0x1p995))) {
        if (t < 1.0)
            r = aa;
        else if (t < 0x1p52) /* huge b: scale both (exactly) out of the Dekker split's reach */
            r = fv__fmod_pos(aa * 0x1p-100, bb * 0x1p-100, t) * 0x1p100;
        else
            r = bb *
                (fv__dbl((ia & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000)) - 1.0);
    } else {
        r = fv__fmod_pos(aa, bb, t);
    }
    return fv__dbl(fv__bits(r) | (ia & FV__SIGN_MASK));
}

/* ---- exp, tanh ---- */

/* 2^(j/64) as hi + lo */
static const double fv__exp_tab[64][2] = {
    {0x1.0000000000000p+0, 0x0.0p+0},
    {0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56},
    {0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55},
    {0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57},
    {0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54},
    {0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59},
    {0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54},
    {0x1.1429aaea92de0p+0, -0x1.32fbf9af1369ep-54},
    {0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55},
    {0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55},
    {0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54},
    {0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55},
    {0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54},
    {0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55},
    {0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55},
    {0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54},
    {0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55},
    {0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54},
    {0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54},
    {0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56},
    {0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55},
    {0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58},
    {0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59},
    {0x1.486a2b5c13cd0p+0, 0x1.3c1a3b69062f0p-56},
    {0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56},
    {0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54},
    {0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55},
    {0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54},
    {0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54},
    {0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54},
    {0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54},
    {0x1.6623882552225p+0, -0x1.bb60987591c34p-54},
    {0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54},
    {0x1.6dfb23c651a2fp+0, -0x1.bbe3a683c88abp-57},
    {0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55},
    {0x1.75feb564267c9p+0, -0x1.0245957316dd3p-54},
    {0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55},
    {0x1.7e2f336cf4e62p+0, 0x1.05d02ba15797ep-56},
    {0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54},
    {0x1.868d99b4492edp+0, -0x1.fc6f89bd4f6bap-54},
    {0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54},
    {0x1.8f1ae99157736p+0, 0x1.5cc13a2e3976cp-55},
    {0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57},
    {0x1.97d829fde4e50p+0, -0x1.d185b7c1b85d1p-54},
    {0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56},
    {0x1.a0c667b5de565p+0, -0x1.359495d1cd533p-54},
    {0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54},
    {0x1.a9e6b5579fdbfp+0, 0x1.0fac90ef7fd31p-54},
    {0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54},
    {0x1.b33a2b84f15fbp+0, -0x1.2805e3084d708p-57},
    {0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56},
    {0x1.bcc1e904bc1d2p+0, 0x1.23dd07a2d9e84p-55},
    {0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55},
    {0x1.c67f12e57d14bp+0, 0x1.2884dff483cadp-54},
    {0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56},
    {0x1.d072d4a07897cp+0, -0x1.cbc3743797a9cp-54},
    {0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55},
    {0x1.da9e603db3285p+0, 0x1.c2300696db532p-54},
    {0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54},
    {0x1.e502ee78b3ff6p+0, 0x1.39e8980a9cc8fp-55},
    {0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54},
    {0x1.efa1bee615a27p+0, 0x1.dc7f486a4b6b0p-54},
    {0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54},
    {0x1.fa7c1819e90d8p+0, 0x1.74853f3a5931ep-55},
};

/* e^r - 1 for |r| <= ln2/128 (a little more) */
static inline double fv__expm1_poly(double r)
{
    double r2 = r * r;
    return FV__EXPM1_P(r, r2);
}

/* e^r - 1 for |r| <= ln2/128, absolute error 2^-56.5 (enough next to 1) */
static inline double fv__exp_poly(double r)
{
    double r2 = r * r;
    return FV__EXP_P(r, r2);
}

/* exp(x + xl), xl a correction much smaller than 2^-10; any x */
static inline double fv__exp_full(double x, double xl)
{
    /* clamp (NaN becomes the upper bound): beyond these the result is inf or 0 anyway */
    x = x < 709.8 ? x : 709.8;
    x = x > -746.0 ? x : -746.0;
    /* x = k ln2/64 + r, k = 64 e + j */
    double y = x * FV__INV_LN2_64 + FV__SHIFT;
    double k = y - FV__SHIFT;
    uint64_t kb = fv__bits(y) - fv__bits(FV__SHIFT) + (UINT64_C(1) << 20); /* k + 2^20 >= 0 */
    double r = FV__LN2_64_REDUCE(x, k) + xl;
    double p = fv__exp_poly(r);
    uint64_t j = kb & 63;
    int64_t e = (int64_t)(kb >> 6) - (INT64_C(1) << 14);
    int64_t e1 = (int64_t)(kb >> 7) - (INT64_C(1) << 13); /* floor(e / 2) */
    int64_t e2 = e - e1;
    /* 2^e in two normal factors, so subnormal results round once, at the end */
    double s1 = fv__dbl((uint64_t)(e1 + 1023) << 52), s2 = fv__dbl((uint64_t)(e2 + 1023) << 52);
    double v = fv__exp_tab[j][0] + (fv__exp_tab[j][1] + fv__exp_tab[j][0] * p);
    return (v * s1) * s2;
}

/* exp(x + xl) */
static inline double fv__exp2(double x, double xl)
{
    if (FV__UNLIKELY(!(x < 704.0 && x > -704.0)))
        return fv__exp_full(x, xl); /* overflow, subnormal, 0, inf, NaN */
    double y = x * FV__INV_LN2_64 + FV__SHIFT;
    double k = y - FV__SHIFT;
    uint64_t kb = fv__bits(y) - fv__bits(FV__SHIFT); /* k, two's complement */
    double r = FV__LN2_64_REDUCE(x, k) + xl;
    double p = fv__exp_poly(r);
    uint64_t j = kb & 63;
    /* 2^(k >> 6): (kb >> 6) wraps for negative k, but its low 11 bits + 1023 are right */
    double s = fv__dbl(((kb >> 6) + 1023) << 52);
    return (fv__exp_tab[j][0] + (fv__exp_tab[j][1] + fv__exp_tab[j][0] * p)) * s;
}

static inline double fv_exp(double x)
{
    if (FV__UNLIKELY(!(x < 704.0 && x > -704.0)))
        return fv__exp_full(x, 0.0);
    double y = x * FV__INV_LN2_64 + FV__SHIFT;
    double k = y - FV__SHIFT;
    uint64_t kb = fv__bits(y) - fv__bits(FV__SHIFT);
    double r = FV__LN2_64_REDUCE(x, k);
    double p = fv__exp_poly(r);
    uint64_t j = kb & 63;
    double s = fv__dbl(((kb >> 6) + 1023) << 52);
    return (fv__exp_tab[j][0] + (fv__exp_tab[j][1] + fv__exp_tab[j][0] * p)) * s;
}

/* tanh(x) = sign(x) em1 / (em1 + 2), em1 = expm1(2|x|) */
static inline double fv_tanh(double x)
{
    uint64_t ix = fv__bits(x);
    double a = 2.0 * fv__dbl(ix & FV__ABS_MASK);
    a = a < 44.0 ? a : 44.0; /* tanh(22) rounds to 1; NaN becomes 44 */
    double y = a * FV__INV_LN2_64 + FV__SHIFT;
    double k = y - FV__SHIFT;
    uint64_t kb = fv__bits(y) - fv__bits(FV__SHIFT); /* k >= 0 */
    double r = FV__LN2_64_REDUCE(a, k);
    double p = fv__expm1_poly(r);
    uint64_t j = kb & 63;
    double s = fv__dbl(((kb >> 6) + 1023) << 52);
    /* e^a - 1 = (2^e T - 1) + 2^e (T_lo + T p): the difference is exact for e = 0 */
    double em1 = (fv__exp_tab[j][0] * s - 1.0) + s * (fv__exp_tab[j][1] + fv__exp_tab[j][0] * p);
    double t = em1 / (em1 + 2.0);
    return fv__dbl(fv__bits(t) | (ix & FV__SIGN_MASK));
}

/* ---- log, pow ---- */

/* per interval of the top 6 mantissa bits: 1/c, c (8 bits, so m - c is exact), log(c) as
 * hi (multiple of 2^-42) + lo; c = 1 on both sides of 1 */
static const double fv__log_tab[64][4] = {
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0},
    {0x1.f44659e4a4271p-1, 0x1.0600000000000p+0, 0x1.7b91b07d60000p-6, -0x1.3b955b602ace4p-44},
    {0x1.ecc07b301ecc0p-1, 0x1.0a00000000000p+0, 0x1.39e87b9fe8000p-5, 0x1.eafd480ad9015p-44},
    {0x1.e573ac901e574p-1, 0x1.0e00000000000p+0, 0x1.b42dd71198000p-5, -0x1.c827ae5d6704cp-46},
    {0x1.de5d6e3f8868ap-1, 0x1.1200000000000p+0, 0x1.16536eea38000p-4, -0x1.47c5e768fa309p-46},
    {0x1.d77b654b82c34p-1, 0x1.1600000000000p+0, 0x1.51b073f060000p-4, 0x1.83f69278e686ap-44},
    {0x1.d0cb58f6ec074p-1, 0x1.1a00000000000p+0, 0x1.8c345d6318000p-4, 0x1.b20f5acb42a66p-44},
    {0x1.ca4b3055ee191p-1, 0x1.1e00000000000p+0, 0x1.c5e548f5bc000p-4, 0x1.d0c57585fbe06p-46},
    {0x1.c3f8f01c3f8f0p-1, 0x1.2200000000000p+0, 0x1.fec9131dc0000p-4, -0x1.54555d1ae6607p-44},
    {0x1.bdd2b899406f7p-1, 0x1.2600000000000p+0, 0x1.1b72ad52f6000p-3, 0x1.e80a41811a396p-45},
    {0x1.b7d6c3dda338bp-1, 0x1.2a00000000000p+0, 0x1.371fc201e8000p-3, 0x1.ee8779b2d8abcp-44},
    {0x1.b2036406c80d9p-1, 0x1.2e00000000000p+0, 0x1.526e5e3a1c000p-3, -0x1.790ba37fc5238p-44},
    {0x1.ac5701ac5701bp-1, 0x1.3200000000000p+0, 0x1.6d60fe719e000p-3, -0x1.bc6e557134767p-44},
    {0x1.a6d01a6d01a6dp-1, 0x1.3600000000000p+0, 0x1.87fa06520c000p-3, 0x1.22120401202fcp-44},
    {0x1.a16d3f97a4b02p-1, 0x1.3a00000000000p+0, 0x1.a23bc1fe2c000p-3, -0x1.539cd91dc9f0bp-44},
    {0x1.9c2d14ee4a102p-1, 0x1.3e00000000000p+0, 0x1.bc286742d8000p-3, 0x1.9ac53f39d121cp-44},
    {0x1.970e4f80cb872p-1, 0x1.4200000000000p+0, 0x1.d5c216b4fc000p-3, -0x1.1ba91bbca681bp-45},
    {0x1.920fb49d0e229p-1, 0x1.4600000000000p+0, 0x1.ef0adcbdc6000p-3, -0x1.b26b79c86af24p-45},
    {0x1.8d3018d3018d3p-1, 0x1.4a00000000000p+0, 0x1.0402594b4d000p-2, 0x1.036b89ef42d7fp-48},
    {0x1.886e5f0abb04ap-1, 0x1.4e00000000000p+0, 0x1.1058bf9ae5000p-2, -0x1.4ab9d817d52cdp-44},
    {0x1.83c977ab2beddp-1, 0x1.5200000000000p+0, 0x1.1c898c169a000p-2, -0x1.81410e5c62affp-44},
    {0x1.7f405fd017f40p-1, 0x1.5600000000000p+0, 0x1.2895a13de8000p-2, 0x1.a8d7ad24c13f0p-44},
    {0x1.7ad2208e0ecc3p-1, 0x1.5a00000000000p+0, 0x1.347dd9a988000p-2, -0x1.5594dd4c58092p-45},
    {0x1.767dce434a9b1p-1, 0x1.5e00000000000p+0, 0x1.404308686a000p-2, 0x1.f8ef43049f7d3p-44},
    {0x1.724287f46debcp-1, 0x1.6200000000000p+0, 0x1.4be5f95778000p-2, -0x1.d7c92cd9ad824p-44},
    {0x1.6e1f76b4337c7p-1, 0x1.6600000000000p+0, 0x1.5767717456000p-2, -0x1.64ead9524d7cap-44},
    {0x1.6a13cd1537290p-1, 0x1.6a00000000000p+0, 0x1.62c82f2b9c000p-2, 0x1.e54bdbd7c8a98p-44},
    {0x1.661ec6a5122f9p+0, 0x1.6e00000000000p-1, -0x1.57bf753c8d000p-2, -0x1.fadedee5d40efp-46},
    {0x1.623fa77016240p+0, 0x1.7200000000000p-1, -0x1.4c9e09e173000p-2, 0x1.e20891b0ad8a4p-45},
    {0x1.5e75bb8d015e7p+0, 0x1.7600000000000p-1, -0x1.419b423d5f000p-2, 0x1.ce379226de3ecp-44},
    {0x1.5ac056b015ac0p+0, 0x1.7a00000000000p-1, -0x1.36b6776be1000p-2, -0x1.16ecdb0f177c8p-46},
    {0x1.571ed3c506b3ap+0, 0x1.7e00000000000p-1, -0x1.2bef07cdc9000p-2, -0x1.a9cfa4a5004f4p-45},
    {0x1.5390948f40febp+0, 0x1.8200000000000p-1, -0x1.214456d0ec000p-2, 0x1.caf0428b728a3p-44},
    {0x1.5015015015015p+0, 0x1.8600000000000p-1, -0x1.16b5ccbad0000p-2, 0x1.23299042d74bfp-44},
    {0x1.4cab88725af6ep+0, 0x1.8a00000000000p-1, -0x1.0c42d67616000p-2, -0x1.7188b163ceae9p-45},
    {0x1.49539e3b2d067p+0, 0x1.8e00000000000p-1, -0x1.01eae5626c000p-2, -0x1.a43dcfade85aep-44},
    {0x1.460cbc7f5cf9ap+0, 0x1.9200000000000p-1, -0x1.ef5ade4dd0000p-3, 0x1.a211565bb8e11p-51},
    {0x1.42d6625d51f87p+0, 0x1.9600000000000p-1, -0x1.db13db0d48000p-3, -0x1.2806a847527e6p-44},
    {0x1.3fb013fb013fbp+0, 0x1.9a00000000000p-1, -0x1.c6ffbc6f00000p-3, -0x1.ee138d3a69d43p-44},
    {0x1.3c995a47babe7p+0, 0x1.9e00000000000p-1, -0x1.b31d8575bc000p-3, -0x1.c794e562a63cbp-44},
    {0x1.3991c2c187f63p+0, 0x1.a200000000000p-1, -0x1.9f6c40708a000p-3, 0x1.337d94bcd3f43p-44},
    {0x1.3698df3de0748p+0, 0x1.a600000000000p-1, -0x1.8beafeb390000p-3, 0x1.73d54aae92cd1p-47},
    {0x1.33ae45b57bcb2p+0, 0x1.aa00000000000p-1, -0x1.7898d85444000p-3, -0x1.8e67be3dbaf3fp-44},
    {0x1.30d190130d190p+0, 0x1.ae00000000000p-1, -0x1.6574ebe8c2000p-3, 0x1.98c1d34f0f462p-44},
    {0x1.2e025c04b8097p+0, 0x1.b200000000000p-1, -0x1.527e5e4a1c000p-3, 0x1.4e60b8d4b411dp-44},
    {0x1.2b404ad012b40p+0, 0x1.b600000000000p-1, -0x1.3fb45a5992000p-3, -0x1.19713c0cae559p-44},
    {0x1.288b01288b013p+0, 0x1.ba00000000000p-1, -0x1.2d1610c868000p-3, -0x1.39d6ccb81b4a1p-47},
    {0x1.25e22708092f1p+0, 0x1.be00000000000p-1, -0x1.1aa2b7e240000p-3, 0x1.1ac38dde3b366p-44},
    {0x1.23456789abcdfp+0, 0x1.c200000000000p-1, -0x1.08598b59e4000p-3, 0x1.7e5dd7009902cp-45},
    {0x1.20b470c67c0d9p+0, 0x1.c600000000000p-1, -0x1.ec739830a0000p-4, -0x1.11fcba80cdd10p-44},
    {0x1.1e2ef3b3fb874p+0, 0x1.ca00000000000p-1, -0x1.c885801bc4000p-4, -0x1.646d1c65aacd3p-45},
    {0x1.1bb4a4046ed29p+0, 0x1.ce00000000000p-1, -0x1.a4e7640b1c000p-4, 0x1.e42b6b94407c8p-47},
    {0x1.19453808ca29cp+0, 0x1.d200000000000p-1, -0x1.8197e2f410000p-4, 0x1.c0fe460d20041p-44},
    {0x1.16e0689427379p+0, 0x1.d600000000000p-1, -0x1.5e95a4d978000p-4, -0x1.1cb7ce1d17171p-44},
    {0x1.1485f0e0acd3bp+0, 0x1.da00000000000p-1, -0x1.3bdf5a7d20000p-4, 0x1.19bd0ad125895p-44},
    {0x1.12358e75d3033p+0, 0x1.de00000000000p-1, -0x1.1973bd1464000p-4, -0x1.566d154f930b3p-44},
    {0x1.0fef010fef011p+0, 0x1.e200000000000p-1, -0x1.eea31c0068000p-5, -0x1.c3dd83606d891p-44},
    {0x1.0db20a88f4696p+0, 0x1.e600000000000p-1, -0x1.aaef2d0fb0000p-5, -0x1.0fc1a353bb42ep-45},
    {0x1.0b7e6ec259dc8p+0, 0x1.ea00000000000p-1, -0x1.67c94f2d48000p-5, -0x1.dac20827cca0cp-44},
    {0x1.0953f39010954p+0, 0x1.ee00000000000p-1, -0x1.252f32f8d0000p-5, -0x1.83e9ae021b67bp-45},
    {0x1.073260a47f7c6p+0, 0x1.f200000000000p-1, -0x1.c63d2ec150000p-6, 0x1.5439ce030a687p-44},
    {0x1.05197f7d73404p+0, 0x1.f600000000000p-1, -0x1.432a925980000p-6, -0x1.98139928637fep-47},
    {0x1.03091b51f5e1ap+0, 0x1.fa00000000000p-1, -0x1.82448a3880000p-7, -0x1.4554412c584e0p-44},
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0},
};

/* log|x| = a + z + t for normal x: a = e ln2_hi + log(c)_hi exactly, z = (m - c)/c with
 * about 1 ulp relative error (exact when c = 1), t the small rest. */
static inline void fv__log_parts(uint64_t ix, double *a, double *z, double *t)
{
    uint64_t i = (ix >> 46) & 63;
    uint64_t half = i >= 27; /* mantissa >= 1.421875: halve it, so m in [0.7109, 1.4219) */
    double e = (double)((int64_t)(ix >> 52) - 1023 + (int64_t)half);
    double m = fv__dbl((ix & UINT64_C(0x000fffffffffffff)) | ((1023 - half) << 52));
    const double *row = fv__log_tab[i];
    double u = (m - row[1]) * row[0]; /* m - c exact (Sterbenz); -1/128 <= u <= 1/64 */
    double u2 = u * u, u4 = u2 * u2;
    double p = u2 * (((-0.5 + FV__L0 * u) + u2 * (FV__L1 + FV__L2 * u)) +
                     u4 * ((FV__L3 + FV__L4 * u) + u2 * FV__L5));
    *a = e * FV__LN2_HI + row[2]; /* exact: on the 2^-42 grid, |a| < 2^10 */
    *z = u;
    *t = (e * FV__LN2_LO + row[3]) + p;
}

/* 0, subnormal, inf, NaN: the bits of |x| below 2^-1022 or from inf up */
static inline int fv__log_special(uint64_t ix)
{
    return ix - UINT64_C(0x0010000000000000) >= FV__INF_BITS - UINT64_C(0x0010000000000000);
}

/* log of a subnormal |x| (bits ix): scaled by 2^52 */
static inline double fv__log_subnormal(uint64_t ix)
{
    double a, z, t;
    fv__log_parts(fv__bits(fv__dbl(ix) * 0x1p52), &a, &z, &t);
    a -= 52.0 * FV__LN2_HI; /* exact */
    double hi = a + z;
    return hi + (((a - hi) + z) + (t - 52.0 * FV__LN2_LO));
}

/* log|x|; -inf at 0 */
static inline double fv_log(double x)
{
    uint64_t ix = fv__bits(x) & FV__ABS_MASK;
    if (FV__UNLIKELY(fv__log_special(ix))) {
        if (ix == 0)
            return -fv__dbl(FV__INF_BITS);
        if (ix >= FV__INF_BITS)
            return fv__dbl(ix); /* inf, NaN */
        return fv__log_subnormal(ix);
    }
    double a, z, t;
    fv__log_parts(ix, &a, &z, &t);
    /* fast two-sum: |a| >= |z| whenever a != 0 */
    double hi = a + z;
    return hi + (((a - hi) + z) + t);
}

/* x^y for x >= 0 (|x| otherwise), made for |y| <= 1 (r^sin(theta)): e^(y log x) with
 * log x in double-double (absolute error about 2^-59) and y log x as an exact product plus
 * the rest: about 1 ulp + |y| 2^-59 relative error. 0^y is 1, 0 or +inf for y = 0, > 0,
 * < 0; inf^y is treated as DBL_MAX^y. */
static inline double fv_pow(double x, double y)
{
    uint64_t ix = fv__bits(x) & FV__ABS_MASK;
    double a, z, t;
    if (FV__UNLIKELY(fv__log_special(ix))) {
        if (ix == 0)
            return y > 0.0 ? 0.0 : y < 0.0 ? fv__dbl(FV__INF_BITS) : 1.0;
        if (ix >= FV__INF_BITS) {
            fv__log_parts(UINT64_C(0x7fefffffffffffff), &a, &z, &t);
        } else {
            fv__log_parts(fv__bits(fv__dbl(ix) * 0x1p52), &a, &z, &t);
            a -= 52.0 * FV__LN2_HI;
            t -= 52.0 * FV__LN2_LO;
        }
    } else {
        fv__log_parts(ix, &a, &z, &t);
    }
    double hi = a + z, lo = ((a - hi) + z) + t; /* log x = hi + lo */
    y = y < 0x1p900 ? y : 0x1p900;              /* keeps the splitting finite; NaN: 2^900 */
    y = y > -0x1p900 ? y : -0x1p900;
    double ph = y * hi;
    double pl = fv__mul_err(y, hi, ph) + y * lo;
    return fv__exp2(ph, pl);
}

#endif
