/* The chaos-game lane kernels with AVX2 (chaos_simd.h): 4 walkers per vector. */
#include "chaos_simd.h"

#if FV_SIMD && FV_HAVE_FVMATH_SIMD

#define AVX2 __attribute__((target("avx2,popcnt,prfchw")))
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
    return pick4(mix4(_mm256_add_epi64(walk, _mm256_set1_epi64x((int64_t)((idx + 1) * GOLDEN)))), k,
                 NULL);
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
    if (idx + WRITE_AHEAD_DRAWS < end)
        __builtin_prefetch(words + (idx + WRITE_AHEAD_DRAWS) * 8, 1, 3);
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
    fv_simd_lane_setup(&s, sys, sample_key, lane, lanes);

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
                    fv_simd_fix_up(sys, 4, anx, any, ax, ay, askip, &s.reset[4 * g], i, hist, width,
                                   height, &fixed, probe ? bx : NULL, by, &at_pos);
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
                _mm256_storeu_si256(
                    (__m256i *)&out[4 * step],
                    _mm256_blendv_epi8(spares4(spare4, step), ptr, _mm256_castpd_si256(in)));
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
            return wide ? lane4(sys, sample_key, lane, iters, hist, width, height, v, true,        \
                                WARP_MAP, 1, false, NULL)                                          \
                        : lane4(sys, sample_key, lane, iters, hist, width, height, v, false,       \
                                WARP_MAP, 1, false, NULL);                                         \
        if (mode == WARP_RECT)                                                                     \
            return wide ? lane4(sys, sample_key, lane, iters, hist, width, height, v, true,        \
                                WARP_RECT, 1, false, NULL)                                         \
                        : lane4(sys, sample_key, lane, iters, hist, width, height, v, false,       \
                                WARP_RECT, 1, false, NULL);                                        \
        if (wide)                                                                                  \
            return lane4(sys, sample_key, lane, iters, hist, width, height, v, true, WARP_NONE, 1, \
                         false, NULL);                                                             \
        return lane4(sys, sample_key, lane, iters, hist, width, height, v, false, WARP_NONE, 1,    \
                     false, NULL);                                                                 \
    }                                                                                              \
    /* a group of lanes; a warped system's lanes one by one. The group and the probe take          \
     * the coefficient tables of up to 8 maps for any system (one copy of each, not two) */        \
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
        return lane4(sys, sample_key, lane, iters, hist, width, height, v, true, WARP_NONE,        \
                     FV_LANE_GROUP, false, NULL);                                                  \
    }                                                                                              \
    static AVX2 __attribute__((noinline)) int probe4_##v(const FvSystem *sys, uint64_t sample_key, \
                                                         double *xy, int max_points)               \
    {                                                                                              \
        ProbeOut po = {xy, max_points, 0};                                                         \
        lane4(sys, sample_key, 0, FV_PROBE_ITERS, NULL, 0, 0, v, true, WARP_NONE, FV_LANE_GROUP,   \
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

#endif
