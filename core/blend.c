/* The blend of a clip with effects (G10 5, 6): one row of output pixels at a time, each pixel
 * alone. The pixel's point on the blend's canvas comes through the camera's inverse (black
 * off the perspective's quad), the background there is interpolated bilinearly (8-bit
 * weights, integers), and fractal and background are mixed as the seed mixes them:
 * ((1 - a) fg^0.75 + a bg^0.75)^e, or their pixel max.
 *
 * fv_blend_row_ref is the plain C definition; fv_blend_row_avx2 does per pixel exactly its
 * operations (exactly rounded + - * /, truncating conversions, integer arithmetic, table
 * lookups), four pixels at a time, so the same bits (tests/core/test_effects.c). */
#include "fv_internal.h"

#include <string.h>

/* The background at canvas point (bx, by) (pixel centres already taken off), bilinear with
 * 8-bit weights; points outside take the border's values. */
static inline uint32_t sample(const uint16_t *canvas, int cw, int ch, double bx, double by)
{
    /* (int) truncates: moved one pixel right and down so that every value is positive */
    bx = bx < -1 ? -1 : bx > cw ? cw : bx;
    by = by < -1 ? -1 : by > ch ? ch : by;
    int tx = (int)((bx + 1) * 256), ty = (int)((by + 1) * 256);
    int ix = (tx >> 8) - 1, iy = (ty >> 8) - 1;
    uint32_t ax = (uint32_t)(tx & 255), ay = (uint32_t)(ty & 255);
    int x0 = ix < 0 ? 0 : ix > cw - 1 ? cw - 1 : ix, x1 = ix + 1 > cw - 1 ? cw - 1 : ix + 1;
    int y0 = iy < 0 ? 0 : iy > ch - 1 ? ch - 1 : iy, y1 = iy + 1 > ch - 1 ? ch - 1 : iy + 1;
    const uint16_t *r0 = canvas + (size_t)y0 * cw, *r1 = canvas + (size_t)y1 * cw;
    uint32_t top = r0[x0] * (256 - ax) + r0[x1] * ax;
    uint32_t bottom = r1[x0] * (256 - ax) + r1[x1] * ax;
    /* at most 65535 * 65536 + 32768: fits 32 bits */
    return (top * (256 - ay) + bottom * ay + 32768) >> 16;
}

/* ((1 - a) fg^0.75 + a bg^0.75)^e as a 16-bit value, e from the table pow_e. */
static inline uint16_t mix(const FvBlend *b, double fg075, uint32_t bg075)
{
    double at = ((1 - b->alpha) * fg075 + b->alpha * (bg075 * (1.0 / 65535))) * FV_BLEND_STEPS;
    int i = (int)at;
    i = i < 0 ? 0 : i > FV_BLEND_STEPS ? FV_BLEND_STEPS : i;
    double v = (b->pow_e[i] + (at - i) * (b->pow_e[i + 1] - b->pow_e[i])) * 65535;
    return (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v + 0.5);
}

/* Pixel x of a row whose terms of y are rx, ry, rz. */
static inline void blend_pixel(const FvBlend *b, int x, double rx, double ry, double rz,
                               uint16_t *row)
{
    const double *m = b->m;
    const double px = x + 0.5;
    double qx = m[0] * px + rx, qy = m[3] * px + ry;
    if (b->framed) {
        double k = 1.0 / (m[6] * px + rz);
        qx = qx * k;
        qy = qy * k;
        if (!(qx >= 0 && qx < b->width && qy >= 0 && qy < b->height)) {
            row[x] = 0; /* off the perspective's quad: black */
            return;
        }
    }
    uint32_t bg =
        sample(b->canvas, b->cw, b->ch, qx * b->scale + b->off[0], qy * b->scale + b->off[1]);
    const uint16_t code = row[x];
    if (b->max_blend)
        row[x] = b->fg[code] > bg ? b->fg[code] : (uint16_t)bg;
    else
        row[x] = mix(b, b->fg075[code], bg);
}

void fv_blend_row_ref(const FvBlend *b, int y, uint16_t *row)
{
    const double *m = b->m, py = y + 0.5;
    const double rx = m[1] * py + m[2], ry = m[4] * py + m[5], rz = m[7] * py + m[8];
    for (int x = 0; x < b->width; x++)
        blend_pixel(b, x, rx, ry, rz, row);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* Four 64-bit lane masks as four 32-bit ones. */
AVX2 static inline __m128i mask32(__m256d m)
{
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(m), even));
}

/* Four pixels at once: the reference's operations per lane. Lanes off the quad are given a
 * harmless canvas point and zeroed at the end. */
AVX2 static void blend_row_avx2(const FvBlend *b, int y, uint16_t *row)
{
    const double *m = b->m, py = y + 0.5;
    const double srx = m[1] * py + m[2], sry = m[4] * py + m[5], srz = m[7] * py + m[8];
    const __m256d rx = _mm256_set1_pd(srx), ry = _mm256_set1_pd(sry), rz = _mm256_set1_pd(srz);
    const __m256d m0 = _mm256_set1_pd(m[0]), m3 = _mm256_set1_pd(m[3]), m6 = _mm256_set1_pd(m[6]);
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd(),
                  minus1 = _mm256_set1_pd(-1);
    const __m256d fw = _mm256_set1_pd(b->width), fh = _mm256_set1_pd(b->height);
    const __m256d cwd = _mm256_set1_pd(b->cw), chd = _mm256_set1_pd(b->ch);
    const __m256d offx = _mm256_set1_pd(b->off[0]), offy = _mm256_set1_pd(b->off[1]);
    const __m256d scale = _mm256_set1_pd(b->scale);
    const __m256d k256 = _mm256_set1_pd(256), inv = _mm256_set1_pd(1.0 / 65535);
    const __m256d a1 = _mm256_set1_pd(1 - b->alpha), a = _mm256_set1_pd(b->alpha);
    const __m256d steps = _mm256_set1_pd(FV_BLEND_STEPS), full = _mm256_set1_pd(65535),
                  half = _mm256_set1_pd(0.5);
    const __m128i c255 = _mm_set1_epi32(255), c256 = _mm_set1_epi32(256), c1 = _mm_set1_epi32(1),
                  zeroi = _mm_setzero_si128(), cwm1 = _mm_set1_epi32(b->cw - 1),
                  chm1 = _mm_set1_epi32(b->ch - 1), cwi = _mm_set1_epi32(b->cw),
                  round = _mm_set1_epi32(32768), low16 = _mm_set1_epi32(0xffff),
                  maxstep = _mm_set1_epi32(FV_BLEND_STEPS);
    const __m256d lanes = _mm256_set_pd(3.5, 2.5, 1.5, 0.5);
    const int *canvas32 = (const int *)(const void *)b->canvas;
    int x = 0;
    for (; x + 4 <= b->width; x += 4) {
        const __m256d px = _mm256_add_pd(_mm256_set1_pd(x), lanes);
        __m256d qx = _mm256_add_pd(_mm256_mul_pd(m0, px), rx);
        __m256d qy = _mm256_add_pd(_mm256_mul_pd(m3, px), ry);
        __m256d keep = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
        if (b->framed) {
            __m256d k = _mm256_div_pd(one, _mm256_add_pd(_mm256_mul_pd(m6, px), rz));
            qx = _mm256_mul_pd(qx, k);
            qy = _mm256_mul_pd(qy, k);
            keep = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(qx, zero, _CMP_GE_OQ),
                                               _mm256_cmp_pd(qx, fw, _CMP_LT_OQ)),
                                 _mm256_and_pd(_mm256_cmp_pd(qy, zero, _CMP_GE_OQ),
                                               _mm256_cmp_pd(qy, fh, _CMP_LT_OQ)));
            qx = _mm256_and_pd(qx, keep); /* off the quad: the canvas's corner, thrown away */
            qy = _mm256_and_pd(qy, keep);
        }
        /* sample(): clamped to [-1, size] as bx < -1 ? -1 : bx > size ? size : bx */
        __m256d bx = _mm256_add_pd(_mm256_mul_pd(qx, scale), offx);
        __m256d by = _mm256_add_pd(_mm256_mul_pd(qy, scale), offy);
        bx = _mm256_blendv_pd(bx, minus1, _mm256_cmp_pd(bx, minus1, _CMP_LT_OQ));
        bx = _mm256_blendv_pd(bx, cwd, _mm256_cmp_pd(bx, cwd, _CMP_GT_OQ));
        by = _mm256_blendv_pd(by, minus1, _mm256_cmp_pd(by, minus1, _CMP_LT_OQ));
        by = _mm256_blendv_pd(by, chd, _mm256_cmp_pd(by, chd, _CMP_GT_OQ));
        __m128i tx = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(bx, one), k256));
        __m128i ty = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(by, one), k256));
        __m128i ix = _mm_sub_epi32(_mm_srai_epi32(tx, 8), c1),
                iy = _mm_sub_epi32(_mm_srai_epi32(ty, 8), c1);
        __m128i ax = _mm_and_si128(tx, c255), ay = _mm_and_si128(ty, c255);
        __m128i x0 = _mm_min_epi32(_mm_max_epi32(ix, zeroi), cwm1);
        __m128i x1 = _mm_min_epi32(_mm_add_epi32(ix, c1), cwm1);
        __m128i y0 = _mm_min_epi32(_mm_max_epi32(iy, zeroi), chm1);
        __m128i y1 = _mm_min_epi32(_mm_add_epi32(iy, c1), chm1);
        __m128i r0 = _mm_mullo_epi32(y0, cwi), r1 = _mm_mullo_epi32(y1, cwi);
        /* 32-bit gathers of 16-bit values (the canvas has a spare value at its end) */
        __m128i c00 = _mm_and_si128(_mm_i32gather_epi32(canvas32, _mm_add_epi32(r0, x0), 2), low16);
        __m128i c10 = _mm_and_si128(_mm_i32gather_epi32(canvas32, _mm_add_epi32(r0, x1), 2), low16);
        __m128i c01 = _mm_and_si128(_mm_i32gather_epi32(canvas32, _mm_add_epi32(r1, x0), 2), low16);
        __m128i c11 = _mm_and_si128(_mm_i32gather_epi32(canvas32, _mm_add_epi32(r1, x1), 2), low16);
        __m128i wx = _mm_sub_epi32(c256, ax), wy = _mm_sub_epi32(c256, ay);
        __m128i top = _mm_add_epi32(_mm_mullo_epi32(c00, wx), _mm_mullo_epi32(c10, ax));
        __m128i bottom = _mm_add_epi32(_mm_mullo_epi32(c01, wx), _mm_mullo_epi32(c11, ax));
        __m128i bg = _mm_srli_epi32(
            _mm_add_epi32(_mm_add_epi32(_mm_mullo_epi32(top, wy), _mm_mullo_epi32(bottom, ay)),
                          round),
            16);
        __m128i code = _mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i *)(row + x)));
        __m128i out;
        if (b->max_blend) {
            __m128i fg = _mm_and_si128(
                _mm_i32gather_epi32((const int *)(const void *)b->fg, code, 2), low16);
            out = _mm_max_epi32(fg, bg);
        } else {
            __m256d f = _mm256_i32gather_pd(b->fg075, code, 8);
            __m256d at = _mm256_mul_pd(
                _mm256_add_pd(_mm256_mul_pd(a1, f),
                              _mm256_mul_pd(a, _mm256_mul_pd(_mm256_cvtepi32_pd(bg), inv))),
                steps);
            __m128i i = _mm256_cvttpd_epi32(at);
            i = _mm_min_epi32(_mm_max_epi32(i, zeroi), maxstep);
            __m256d p0 = _mm256_i32gather_pd(b->pow_e, i, 8);
            __m256d p1 = _mm256_i32gather_pd(b->pow_e + 1, i, 8);
            __m256d v = _mm256_mul_pd(
                _mm256_add_pd(p0, _mm256_mul_pd(_mm256_sub_pd(at, _mm256_cvtepi32_pd(i)),
                                                _mm256_sub_pd(p1, p0))),
                full);
            /* v < 0 ? 0 : v > 65535 ? 65535 : v + 0.5, truncated */
            __m128i t = _mm256_cvttpd_epi32(_mm256_add_pd(v, half));
            __m256d low = _mm256_cmp_pd(v, zero, _CMP_LT_OQ),
                    high = _mm256_cmp_pd(v, full, _CMP_GT_OQ);
            t = _mm_blendv_epi8(t, zeroi, mask32(low));
            t = _mm_blendv_epi8(t, low16, mask32(high));
            out = t;
        }
        if (b->framed) {
            out = _mm_and_si128(out, mask32(keep));
        }
        _mm_storel_epi64((__m128i *)(row + x), _mm_packus_epi32(out, out));
    }
    /* the last few pixels as the reference does them */
    for (; x < b->width; x++)
        blend_pixel(b, x, srx, sry, srz, row);
}
#endif

FvBlendRow fv_blend_row_kernel(bool simd)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (simd && __builtin_cpu_supports("avx2"))
        return blend_row_avx2;
#endif
    (void)simd;
    return fv_blend_row_ref;
}
