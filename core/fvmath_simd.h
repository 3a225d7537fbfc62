/* fvmath.h's functions on vectors of doubles: AVX2 (4 lanes, fv4_*) and AVX-512 (8 lanes,
 * fv8_*), for the SIMD chaos-game kernels (chaos_avx2.c, chaos_avx512.c).
 *
 * Every lane gets the bits of the scalar function, for every input: the lanes run the scalar
 * code's operations in the scalar code's order, mostly through the very same expressions
 * (fvmath.h's shared cores FV__SIN_P, FV__PIO2_REDUCE, ..., written once for double and
 * vector types) and the same tables. Only IEEE + - * / and bit operations, none fused: the
 * targets below do not enable FMA, and the build passes -ffp-contract=off. Table lookups
 * become selects, permutes or gathers; the scalar code's selections by comparison become
 * the packed min, max and compare-and-blend with the same NaN rules (minpd(a, b) is
 * a < b ? a : b, maxpd(a, b) is a > b ? a : b).
 *
 * Where the scalar code branches on a rare input (sin, cos, tan: |x| >= 2^20, inf or NaN; exp:
 * |x| >= 704, inf or NaN; fmod: |a/b| >= 2^52, |b| >= 2^995, b = 0, inf or NaN; pow: x zero,
 * subnormal, inf or NaN, |y log x| >= 704), the vector computes the common path for all lanes,
 * and the lanes of the rare inputs are then recomputed by the scalar function itself, one at a
 * time (a cold branch: once in millions of calls in the chaos game). tanh and atan2 have no
 * branch.
 *
 * tests/core/test_fvmath_simd.c compares every function, bit for bit, with the scalar one
 * over millions of inputs and the edge cases.
 *
 * The functions need the target's instructions: call them from functions compiled for
 * avx2 (fv4_*) or avx512f,avx512dq (fv8_*) and run those only where the CPU has them. */
#ifndef FVS_W /* ---- the first inclusion: setup, then the code once per width ---- */
#ifndef FV_FVMATH_SIMD_H
#define FV_FVMATH_SIMD_H

#include "fvmath.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FV_HAVE_FVMATH_SIMD 1

#include <immintrin.h>

/* The scalar fix-ups of the rare lanes: out[l] = f(x[l]) for the lanes l in mask. Cold and
 * out of line, so the vector code keeps only a test and a not-taken branch. */
#define FV__FIX(fn)                                                                                \
    static __attribute__((noinline, cold, unused)) void fv__fix_##fn(const double *x, double *out, \
                                                                     unsigned mask)                \
    {                                                                                              \
        for (int l = 0; mask; l++, mask >>= 1)                                                     \
            if (mask & 1)                                                                          \
                out[l] = fv_##fn(x[l]);                                                            \
    }
FV__FIX(sin)
FV__FIX(cos)
FV__FIX(tan)
FV__FIX(exp)
#undef FV__FIX

/* The same for functions of two inputs: out[l] = f(a[l], b[l]) */
#define FV__FIX2(fn)                                                                               \
    static __attribute__((noinline, cold, unused)) void fv__fix_##fn(                              \
        const double *a, const double *b, double *out, unsigned mask)                              \
    {                                                                                              \
        for (int l = 0; mask; l++, mask >>= 1)                                                     \
            if (mask & 1)                                                                          \
                out[l] = fv_##fn(a[l], b[l]);                                                      \
    }
FV__FIX2(fmod)
FV__FIX2(pow)
#undef FV__FIX2

static __attribute__((noinline, cold, unused)) void fv__fix_sincos(const double *x, double *s,
                                                                   double *c, unsigned mask)
{
    for (int l = 0; mask; l++, mask >>= 1)
        if (mask & 1)
            fv_sincos(x[l], &s[l], &c[l]);
}

#define FVS_CAT_(a, b, c) a##b##c
#define FVS_CAT(a, b, c) FVS_CAT_(a, b, c)
/* fv4_name or fv8_name */
#define FVS_FN(name) FVS_CAT(fv, FVS_W, _##name)

/* ---- AVX2: 4 lanes; a mask selects the lanes whose sign bit is set ---- */
#define FVS_W 4
#define FVS_V __m256d
#define FVS_I __m256i
#define FVS_M __m256d
#define FVS_ATTR static inline __attribute__((always_inline, unused, target("avx2")))
#define FVS_SET(d) _mm256_set1_pd(d)
#define FVS_SETI(i) _mm256_set1_epi64x((long long)(i))
#define FVS_BITS(v) _mm256_castpd_si256(v)
#define FVS_DBL(i) _mm256_castsi256_pd(i)
#define FVS_ANDI(a, b) _mm256_and_si256(a, b)
#define FVS_ORI(a, b) _mm256_or_si256(a, b)
#define FVS_XORI(a, b) _mm256_xor_si256(a, b)
#define FVS_ADDI(a, b) _mm256_add_epi64(a, b)
#define FVS_SUBI(a, b) _mm256_sub_epi64(a, b)
#define FVS_SRLI(a, n) _mm256_srli_epi64(a, n)
#define FVS_SLLI(a, n) _mm256_slli_epi64(a, n)
#define FVS_ABS(v) _mm256_andnot_pd(_mm256_set1_pd(-0.0), v)
#define FVS_MIN(a, b) _mm256_min_pd(a, b)
#define FVS_MAX(a, b) _mm256_max_pd(a, b)
#define FVS_CMP(a, b, pred) _mm256_cmp_pd(a, b, pred)
/* bit b of each lane of i, as a mask */
#define FVS_BIT(i, b) _mm256_castsi256_pd(_mm256_slli_epi64(i, 63 - (b)))
#define FVS_MXOR(a, b) _mm256_xor_pd(a, b)
/* m ? t : f, lane by lane */
#define FVS_SEL(m, t, f) _mm256_blendv_pd(f, t, m)
/* the mask as bits, lane l in bit l */
#define FVS_MBITS(m) ((unsigned)_mm256_movemask_pd(m))
#define FVS_LOAD(p) _mm256_loadu_pd(p)
#define FVS_STORE(p, v) _mm256_storeu_pd(p, v)
/* base[i] for each lane's 64-bit index i */
#define FVS_GATHER(base, i) _mm256_i64gather_pd(base, i, 8)
/* v as the compiler cannot see it (see fv*_atan2) */
#define FVS_OPAQUE(v) __asm__("" : "+x"(v))
#include "fvmath_simd.h"

/* ---- AVX-512: 8 lanes, mask registers ---- */
#define FVS_W 8
#define FVS_V __m512d
#define FVS_I __m512i
#define FVS_M __mmask8
#define FVS_ATTR static inline __attribute__((always_inline, unused, target("avx512f,avx512dq")))
#define FVS_SET(d) _mm512_set1_pd(d)
#define FVS_SETI(i) _mm512_set1_epi64((long long)(i))
#define FVS_BITS(v) _mm512_castpd_si512(v)
#define FVS_DBL(i) _mm512_castsi512_pd(i)
#define FVS_ANDI(a, b) _mm512_and_si512(a, b)
#define FVS_ORI(a, b) _mm512_or_si512(a, b)
#define FVS_XORI(a, b) _mm512_xor_si512(a, b)
#define FVS_ADDI(a, b) _mm512_add_epi64(a, b)
#define FVS_SUBI(a, b) _mm512_sub_epi64(a, b)
#define FVS_SRLI(a, n) _mm512_srli_epi64(a, n)
#define FVS_SLLI(a, n) _mm512_slli_epi64(a, n)
#define FVS_ABS(v) _mm512_abs_pd(v)
#define FVS_MIN(a, b) _mm512_min_pd(a, b)
#define FVS_MAX(a, b) _mm512_max_pd(a, b)
#define FVS_CMP(a, b, pred) _mm512_cmp_pd_mask(a, b, pred)
#define FVS_BIT(i, b) _mm512_test_epi64_mask(i, _mm512_set1_epi64((long long)(UINT64_C(1) << (b))))
#define FVS_MXOR(a, b) ((__mmask8)((a) ^ (b)))
#define FVS_SEL(m, t, f) _mm512_mask_blend_pd(m, f, t)
#define FVS_MBITS(m) ((unsigned)(m))
#define FVS_LOAD(p) _mm512_loadu_pd(p)
#define FVS_STORE(p, v) _mm512_storeu_pd(p, v)
#define FVS_GATHER(base, i) _mm512_i64gather_pd(i, base, 8)
#define FVS_OPAQUE(v) __asm__("" : "+v"(v))
/* a 16-entry table of doubles (each stride apart from base) in two registers: lookups are
 * one permute (constant loads the compiler keeps out of loops) */
#define FVS_LUT16(base, stride, i)                                                                 \
    _mm512_permutex2var_pd(                                                                        \
        _mm512_set_pd((base)[7 * (stride)], (base)[6 * (stride)], (base)[5 * (stride)],            \
                      (base)[4 * (stride)], (base)[3 * (stride)], (base)[2 * (stride)],            \
                      (base)[1 * (stride)], (base)[0]),                                            \
        i,                                                                                         \
        _mm512_set_pd((base)[15 * (stride)], (base)[14 * (stride)], (base)[13 * (stride)],         \
                      (base)[12 * (stride)], (base)[11 * (stride)], (base)[10 * (stride)],         \
                      (base)[9 * (stride)], (base)[8 * (stride)]))
#include "fvmath_simd.h"

#endif /* x86-64 */
#endif /* FV_FVMATH_SIMD_H */

#else /* ---- the width-generic code, included once per width (FVS_W lanes) ---- */

/* v with the lanes of mask replaced by fix(x) of the scalar function */
FVS_ATTR FVS_V FVS_FN(fix)(void (*fix)(const double *, double *, unsigned), FVS_V x, FVS_V v,
                           unsigned mask)
{
    double ax[FVS_W], av[FVS_W];
    FVS_STORE(ax, x);
    FVS_STORE(av, v);
    fix(ax, av, mask);
    return FVS_LOAD(av);
}

/* v with the lanes of mask replaced by fix(a, b) of a scalar function of two inputs */
FVS_ATTR FVS_V FVS_FN(fix2)(void (*fix)(const double *, const double *, double *, unsigned),
                            FVS_V a, FVS_V b, FVS_V v, unsigned mask)
{
    double xa[FVS_W], xb[FVS_W], xv[FVS_W];
    FVS_STORE(xa, a);
    FVS_STORE(xb, b);
    FVS_STORE(xv, v);
    fix(xa, xb, xv, mask);
    return FVS_LOAD(xv);
}

/* The lanes where fv__rem_pio2 takes its rare branch: !(|x| < 2^20), NaN included. */
FVS_ATTR unsigned FVS_FN(trig_rare)(FVS_V x)
{
    return FVS_MBITS(FVS_CMP(FVS_ABS(x), FVS_SET(0x1p20), _CMP_NLT_UQ));
}

/* fv__rem_pio2 for |x| < 2^20: r, and y whose low bits are k mod 4 */
FVS_ATTR FVS_V FVS_FN(rem_pio2)(FVS_V x, FVS_I *q)
{
    FVS_V y = x * FV__INV_PIO2 + FV__SHIFT;
    FVS_V k = y - FV__SHIFT;
    *q = FVS_BITS(y);
    return FV__PIO2_REDUCE(x, k);
}

/* fv__trig_kernel: the tables' a in {1, 0, -1, 0}, b in {0, 1, 0, -1} and polynomial S or C
 * by k mod 4 = q, as selects */
FVS_ATTR FVS_V FVS_FN(trig_kernel)(FVS_V r, FVS_V z, FVS_V z2, FVS_V z4, FVS_I q)
{
    FVS_M odd = FVS_BIT(q, 0);
    /* a = r * ta + tb is 1 or -1 for odd q and r or -r for even q (by bit 1 of q): one
     * select, the sign by bits. Only for r = -0 or +0 may it differ from the product's a in
     * the sign of a zero, and then the result is a + (a z) p = +0 either way (z = +0 and p
     * = S(0) < 0, so (a z) p is a zero of the other sign). */
    FVS_I sign = FVS_SLLI(FVS_SRLI(q, 1), 63);
    FVS_V a = FVS_SEL(odd, FVS_DBL(FVS_ORI(FVS_BITS(FVS_SET(1.0)), sign)),
                      FVS_DBL(FVS_XORI(FVS_BITS(r), sign)));
#define FVS_C(i) FVS_SEL(odd, FVS_SET(FV__C##i), FVS_SET(FV__S##i))
    FVS_V p = FV__ESTRIN7(FVS_C(0), FVS_C(1), FVS_C(2), FVS_C(3), FVS_C(4), FVS_C(5), FVS_C(6), z,
                          z2, z4);
#undef FVS_C
    return a + (a * z) * p;
}

/* fv_sin */
FVS_ATTR FVS_V FVS_FN(sin)(FVS_V x)
{
    FVS_I q;
    FVS_V r = FVS_FN(rem_pio2)(x, &q), z = r * r, z2 = z * z;
    FVS_V v = FVS_FN(trig_kernel)(r, z, z2, z2 * z2, q);
    unsigned rare = FVS_FN(trig_rare)(x);
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix)(fv__fix_sin, x, v, rare);
    return v;
}

/* fv_cos */
FVS_ATTR FVS_V FVS_FN(cos)(FVS_V x)
{
    FVS_I q;
    FVS_V r = FVS_FN(rem_pio2)(x, &q), z = r * r, z2 = z * z;
    FVS_V v = FVS_FN(trig_kernel)(r, z, z2, z2 * z2, FVS_ADDI(q, FVS_SETI(1)));
    unsigned rare = FVS_FN(trig_rare)(x);
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix)(fv__fix_cos, x, v, rare);
    return v;
}

/* The common part of fv_sincos and fv_tan: the kernel polynomials ps and pc, and the lanes
 * of odd k. The scalar code's a * e - b * n and a * e + b * n with (e, n) = (1, 0) or (0, -1)
 * are selects here, exactly: pc is in [0.7, 1] (|r| <= pi/4 plus rounding), ps is never -0
 * (r + (r z) S(z) is +0 for r = +-0, as S(0) < 0) and never 0 for odd k (r != 0 there), so
 * the products by 0 are zeros that leave the other term unchanged. Lanes outside that (huge,
 * inf, NaN) are the rare ones the callers recompute. */
FVS_ATTR void FVS_FN(sincos_parts)(FVS_V x, FVS_I *q, FVS_V *ps, FVS_V *pc, FVS_M *odd)
{
    FVS_V r = FVS_FN(rem_pio2)(x, q), z = r * r, z2 = z * z, z4 = z2 * z2;
    *ps = r + (r * z) * FV__SIN_P(z, z2, z4); /* fv__sin_poly */
    *pc = 1.0 + z * FV__COS_P(z, z2, z4);     /* fv__cos_poly */
    *odd = FVS_BIT(*q, 0);
}

/* fv_sincos */
FVS_ATTR void FVS_FN(sincos)(FVS_V x, FVS_V *s, FVS_V *c)
{
    FVS_I q;
    FVS_V ps, pc;
    FVS_M odd;
    FVS_FN(sincos_parts)(x, &q, &ps, &pc, &odd);
    /* ps * e - pc * n is ps (even k) or pc (odd), pc * e - ps * n the other; the products
     * by fv__sign[(q >> 1) & 1] and fv__sign[((q + 1) >> 1) & 1] (1 or -1, the values
     * not NaN) flip the sign bit */
    FVS_I sgs = FVS_SLLI(FVS_SRLI(q, 1), 63);
    FVS_I sgc = FVS_SLLI(FVS_SRLI(FVS_ADDI(q, FVS_SETI(1)), 1), 63);
    FVS_V vs = FVS_DBL(FVS_XORI(FVS_BITS(FVS_SEL(odd, pc, ps)), sgs));
    FVS_V vc = FVS_DBL(FVS_XORI(FVS_BITS(FVS_SEL(odd, ps, pc)), sgc));
    unsigned rare = FVS_FN(trig_rare)(x);
    if (FV__UNLIKELY(rare)) {
        double ax[FVS_W], as[FVS_W], ac[FVS_W];
        FVS_STORE(ax, x);
        FVS_STORE(as, vs);
        FVS_STORE(ac, vc);
        fv__fix_sincos(ax, as, ac, rare);
        vs = FVS_LOAD(as);
        vc = FVS_LOAD(ac);
    }
    *s = vs;
    *c = vc;
}

/* fv_tan */
FVS_ATTR FVS_V FVS_FN(tan)(FVS_V x)
{
    FVS_I q;
    FVS_V ps, pc;
    FVS_M odd;
    FVS_FN(sincos_parts)(x, &q, &ps, &pc, &odd);
    /* (ps * e + pc * n) / (pc * e - ps * n): ps / pc (even k) or -pc / ps (odd) */
    FVS_V num = FVS_SEL(odd, FVS_DBL(FVS_XORI(FVS_BITS(pc), FVS_SETI(FV__SIGN_MASK))), ps);
    FVS_V v = num / FVS_SEL(odd, ps, pc);
    unsigned rare = FVS_FN(trig_rare)(x);
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix)(fv__fix_tan, x, v, rare);
    return v;
}

/* fv__exp_tab[j][0] and [1] */
FVS_ATTR void FVS_FN(exp_tab)(FVS_I j, FVS_V *hi, FVS_V *lo)
{
    FVS_I i = FVS_SLLI(j, 1);
    *hi = FVS_GATHER(&fv__exp_tab[0][0], i);
    *lo = FVS_GATHER(&fv__exp_tab[0][1], i);
}

/* 2^(kb >> 6), for kb from FVS_FN(exp_split) */
FVS_ATTR FVS_V FVS_FN(exp_scale)(FVS_I kb)
{
    return FVS_DBL(FVS_SLLI(FVS_ADDI(FVS_SRLI(kb, 6), FVS_SETI(1023)), 52));
}

/* x = (k + r) ln2/64: returns r, and k as the bits kb of k + FV__SHIFT less FV__SHIFT's */
FVS_ATTR FVS_V FVS_FN(exp_split)(FVS_V x, FVS_I *kb)
{
    FVS_V y = x * FV__INV_LN2_64 + FV__SHIFT;
    FVS_V k = y - FV__SHIFT;
    *kb = FVS_SUBI(FVS_BITS(y), FVS_BITS(FVS_SET(FV__SHIFT)));
    return FV__LN2_64_REDUCE(x, k);
}

/* The common path's end of fv_exp and fv__exp2: 2^(k/64) e^r */
FVS_ATTR FVS_V FVS_FN(exp_tail)(FVS_V r, FVS_I kb)
{
    FVS_V r2 = r * r;
    FVS_V p = FV__EXP_P(r, r2); /* fv__exp_poly */
    FVS_V t0, t1;
    FVS_FN(exp_tab)(FVS_ANDI(kb, FVS_SETI(63)), &t0, &t1);
    return (t0 + (t1 + t0 * p)) * FVS_FN(exp_scale)(kb);
}

/* fv_tanh: no branch */
FVS_ATTR FVS_V FVS_FN(tanh)(FVS_V x)
{
    FVS_I ix = FVS_BITS(x);
    FVS_V a = 2.0 * FVS_ABS(x);
    a = FVS_MIN(a, FVS_SET(44.0)); /* a < 44 ? a : 44 */
    FVS_I kb;
    FVS_V r = FVS_FN(exp_split)(a, &kb);
    FVS_V r2 = r * r;
    FVS_V p = FV__EXPM1_P(r, r2); /* fv__expm1_poly */
    FVS_V t0, t1;
    FVS_FN(exp_tab)(FVS_ANDI(kb, FVS_SETI(63)), &t0, &t1);
    FVS_V s = FVS_FN(exp_scale)(kb);
    FVS_V em1 = (t0 * s - 1.0) + s * (t1 + t0 * p);
    FVS_V t = em1 / (em1 + 2.0);
    return FVS_DBL(FVS_ORI(FVS_BITS(t), FVS_ANDI(ix, FVS_SETI(FV__SIGN_MASK))));
}

/* fv_exp; the rare lanes (!(|x| < 704): fv__exp_full) by the scalar function */
FVS_ATTR FVS_V FVS_FN(exp)(FVS_V x)
{
    FVS_I kb;
    FVS_V r = FVS_FN(exp_split)(x, &kb);
    FVS_V v = FVS_FN(exp_tail)(r, kb);
    unsigned rare = FVS_MBITS(FVS_CMP(FVS_ABS(x), FVS_SET(704.0), _CMP_NLT_UQ));
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix)(fv__fix_exp, x, v, rare);
    return v;
}

/* fv__mul_err */
FVS_ATTR FVS_V FVS_FN(mul_err)(FVS_V a, FVS_V b, FVS_V p)
{
    FVS_V ca = 134217729.0 * a, cb = 134217729.0 * b;
    FVS_V ah = ca - (ca - a), al = a - ah;
    FVS_V bh = cb - (cb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* fv_fmod; the rare lanes (!(|a/b| < 2^52 && |b| < 2^995): huge quotients, b = 0, inf and
 * NaN) by the scalar function. fv__odd[c] becomes a select of 1.0 or 0.0, multiplied as the
 * scalar code multiplies it. */
FVS_ATTR FVS_V FVS_FN(fmod)(FVS_V a, FVS_V b)
{
    const FVS_V one = FVS_SET(1.0), nil = FVS_SET(0.0);
    FVS_I ia = FVS_BITS(a);
    FVS_V aa = FVS_ABS(a), bb = FVS_ABS(b);
    FVS_V t = aa / bb;
    /* fv__fmod_pos */
    FVS_V q = (t + 0x1p52) - 0x1p52;
    q = q - FVS_SEL(FVS_CMP(q, t, _CMP_GT_OQ), one, nil);
    FVS_V ph = q * bb;
    FVS_V r = (aa - ph) - FVS_FN(mul_err)(q, bb, ph);
    r = r + bb * FVS_SEL(FVS_CMP(r, nil, _CMP_LT_OQ), one, nil);
    r = r - bb * FVS_SEL(FVS_CMP(r, bb, _CMP_GE_OQ), one, nil);
    FVS_V v = FVS_DBL(FVS_ORI(FVS_BITS(r), FVS_ANDI(ia, FVS_SETI(FV__SIGN_MASK))));
    unsigned rare = FVS_MBITS(FVS_CMP(t, FVS_SET(0x1p52), _CMP_NLT_UQ)) |
                    FVS_MBITS(FVS_CMP(bb, FVS_SET(0x1p995), _CMP_NLT_UQ));
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix2)(fv__fix_fmod, a, b, v, rare);
    return v;
}

/* fv__log_parts for normal |x| (bits ix, sign clear): the table's rows by gathers; e, a small
 * integer, converted exactly through the bits of FV__SHIFT (AVX2 has no int64 conversion) */
FVS_ATTR void FVS_FN(log_parts)(FVS_I ix, FVS_V *a, FVS_V *z, FVS_V *t)
{
    FVS_I i = FVS_ANDI(FVS_SRLI(ix, 46), FVS_SETI(63));
    FVS_I half = FVS_SRLI(FVS_SUBI(FVS_SETI(26), i), 63); /* i >= 27: 1, else 0 */
    FVS_I ie = FVS_ADDI(FVS_SUBI(FVS_SRLI(ix, 52), FVS_SETI(1023)), half);
    FVS_V e = FVS_DBL(FVS_ADDI(ie, FVS_BITS(FVS_SET(FV__SHIFT)))) - FV__SHIFT;
    FVS_V m = FVS_DBL(FVS_ORI(FVS_ANDI(ix, FVS_SETI(UINT64_C(0x000fffffffffffff))),
                              FVS_SLLI(FVS_SUBI(FVS_SETI(1023), half), 52)));
    FVS_I row = FVS_SLLI(i, 2);
    FVS_V r0 = FVS_GATHER(&fv__log_tab[0][0], row), r1 = FVS_GATHER(&fv__log_tab[0][1], row);
    FVS_V r2 = FVS_GATHER(&fv__log_tab[0][2], row), r3 = FVS_GATHER(&fv__log_tab[0][3], row);
    FVS_V u = (m - r1) * r0;
    FVS_V u2 = u * u, u4 = u2 * u2;
    FVS_V p = u2 * (((-0.5 + FV__L0 * u) + u2 * (FV__L1 + FV__L2 * u)) +
                    u4 * ((FV__L3 + FV__L4 * u) + u2 * FV__L5));
    *a = e * FV__LN2_HI + r2;
    *z = u;
    *t = (e * FV__LN2_LO + r3) + p;
}

/* fv_pow; the rare lanes (x zero, subnormal, inf or NaN: fv__log_special; y log x beyond
 * fv__exp2's common path, NaN included) by the scalar function */
FVS_ATTR FVS_V FVS_FN(pow)(FVS_V x, FVS_V y)
{
    FVS_I ix = FVS_ANDI(FVS_BITS(x), FVS_SETI(FV__ABS_MASK));
    FVS_V a, z, t;
    FVS_FN(log_parts)(ix, &a, &z, &t);
    FVS_V hi = a + z, lo = ((a - hi) + z) + t;
    FVS_V yc = FVS_MAX(FVS_MIN(y, FVS_SET(0x1p900)), FVS_SET(-0x1p900));
    FVS_V ph = yc * hi;
    FVS_V pl = FVS_FN(mul_err)(yc, hi, ph) + yc * lo;
    /* fv__exp2(ph, pl) */
    FVS_I kb;
    FVS_V r = FVS_FN(exp_split)(ph, &kb) + pl;
    FVS_V v = FVS_FN(exp_tail)(r, kb);
    FVS_V ax = FVS_DBL(ix);
    unsigned rare = FVS_MBITS(FVS_CMP(ax, FVS_SET(0x1p-1022), _CMP_NGE_UQ)) |
                    FVS_MBITS(FVS_CMP(ax, FVS_SET(0x1.fffffffffffffp1023), _CMP_GT_OQ)) |
                    FVS_MBITS(FVS_CMP(FVS_ABS(ph), FVS_SET(704.0), _CMP_NLT_UQ));
    if (FV__UNLIKELY(rare))
        v = FVS_FN(fix2)(fv__fix_pow, x, y, v, rare);
    return v;
}

/* Column col of fv__atan_tab at rows i (0..15) */
FVS_ATTR FVS_V FVS_FN(atan_tab)(int col, FVS_I i)
{
#ifdef FVS_LUT16
    return FVS_LUT16(&fv__atan_tab[0][col], 3, i);
#else
    return FVS_GATHER(&fv__atan_tab[0][col], FVS_ADDI(FVS_SLLI(i, 1), i));
#endif
}

/* fv_atan2: no branch; the tables fv__atan_base and fv__atan_sgn, indexed by
 * b = 2 * (x < 0) + swap, as selects */
FVS_ATTR FVS_V FVS_FN(atan2)(FVS_V y, FVS_V x)
{
    FVS_I ix = FVS_BITS(x), iy = FVS_BITS(y);
    FVS_V ax = FVS_ABS(x), ay = FVS_ABS(y);
    FVS_M swap = FVS_CMP(ay, ax, _CMP_GT_OQ);
    FVS_V mx = FVS_MAX(ax, ay), mn = FVS_MIN(ax, ay);
    mx = FVS_SEL(FVS_CMP(mx, FVS_SET(0.0), _CMP_GT_OQ), mx, FVS_SET(1.0));
    FVS_V t = mn / mx;
    FVS_I i = FVS_ANDI(FVS_BITS(t * 8.0 + FV__SHIFT), FVS_SETI(15));
    FVS_V c = FVS_FN(atan_tab)(0, i);
    FVS_V u = (t - c) / (1.0 + t * c), z = u * u;
    FVS_V z2 = z * z;
    FVS_V p = FV__ATAN_P(z, z2);
    FVS_V a = FVS_FN(atan_tab)(1, i) + (FVS_FN(atan_tab)(2, i) + (u + (u * z) * p));
    /* b: 0 (0, 0, 1), 1 (pi/2, -1), 2 (pi, -1), 3 (pi/2, 1) */
    FVS_M neg = FVS_BIT(ix, 63);
    FVS_V bhi = FVS_SEL(swap, FVS_SET(FV__PIO2_HI), FVS_SEL(neg, FVS_SET(FV__PI_HI), FVS_SET(0.0)));
    FVS_V blo = FVS_SEL(swap, FVS_SET(FV__PIO2_LO), FVS_SEL(neg, FVS_SET(FV__PI_LO), FVS_SET(0.0)));
    FVS_V sgn = FVS_SEL(FVS_MXOR(swap, neg), FVS_SET(-1.0), FVS_SET(1.0));
    /* a is NaN for NaN input: a real multiply keeps its sign, as the scalar one does, where
     * a compiler may make a * (c ? -1 : 1) a sign flip (clang does) */
    FVS_OPAQUE(sgn);
    FVS_V res = bhi + (blo + a * sgn);
    return FVS_DBL(FVS_ORI(FVS_BITS(res), FVS_ANDI(iy, FVS_SETI(FV__SIGN_MASK))));
}

/* this width's parameters end here; the next inclusion defines its own */
#undef FVS_W
#undef FVS_V
#undef FVS_I
#undef FVS_M
#undef FVS_ATTR
#undef FVS_SET
#undef FVS_SETI
#undef FVS_BITS
#undef FVS_DBL
#undef FVS_ANDI
#undef FVS_ORI
#undef FVS_XORI
#undef FVS_ADDI
#undef FVS_SUBI
#undef FVS_SRLI
#undef FVS_SLLI
#undef FVS_ABS
#undef FVS_MIN
#undef FVS_MAX
#undef FVS_CMP
#undef FVS_BIT
#undef FVS_MXOR
#undef FVS_SEL
#undef FVS_MBITS
#undef FVS_LOAD
#undef FVS_STORE
#undef FVS_GATHER
#undef FVS_OPAQUE
#undef FVS_LUT16
#endif /* FVS_W */
