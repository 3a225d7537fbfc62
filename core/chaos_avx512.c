/* The chaos-game lane kernels with AVX-512 (chaos_simd.h): 8 walkers per vector. */
#include "chaos_simd.h"

#if FV_SIMD && FV_HAVE_FVMATH_SIMD

#define AVX512 __attribute__((target("avx512f,avx512dq,popcnt,prfchw")))
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
DEFINE_WARP(AVX512_INLINE, warp8, __m512d, __mmask8, _mm512_set1_pd, GE8, LT8, AND8, _mm512_div_pd,
            false)

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
    return pick8(mix8(_mm512_add_epi64(walk, _mm512_set1_epi64((int64_t)((idx + 1) * GOLDEN)))), k,
                 NULL);
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
    if (idx + WRITE_AHEAD_DRAWS < end)
        __builtin_prefetch(words + (idx + WRITE_AHEAD_DRAWS) * 8, 1, 3);
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

/* lanes and probe as lane4's; a random variation draws every choice (it reads the draws).
 * reads: the caller found the choices read (reads_kept), the loop compiled for that mode. */
AVX512_INLINE uint64_t lane8(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                             uint32_t *hist, int width, int height, const int variation,
                             const int warped, const int lanes, const bool probe, ProbeOut *po,
                             const bool reads)
{
    enum { GMAX = GROUP_WALKERS / 8 };
    const int K = FV_WALKERS_PER_LANE * lanes, G = K / 8;
    _Static_assert(FV_WALKERS_PER_LANE % 8 == 0, "whole AVX-512 vectors of walkers");
    LaneSetup s;
    fv_simd_lane_setup(&s, sys, sample_key, lane, lanes);

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
    const int found = choice_mode(kept, sys, sample_key, lane, lanes, total, &end);
    const int mode = reads ? CHOICE_READ : found;
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
                    fv_simd_fix_up(sys, 8, anx, any, ax, ay, askip, &s.reset[8 * g], i, hist, width,
                                   height, &fixed, probe ? bx : NULL, by, &at_pos);
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
        if (!sys->warped) {                                                                        \
            if (reads_kept(sys, v, sample_key, lane, 1, iters))                                    \
                return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE, 1,   \
                             false, NULL, true);                                                   \
            return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE, 1,       \
                         false, NULL, false);                                                      \
        }                                                                                          \
        if (sys->warp.rect)                                                                        \
            return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_RECT, 1,       \
                         false, NULL, false);                                                      \
        return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_MAP, 1, false,     \
                     NULL, false);                                                                 \
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
        if (reads_kept(sys, v, sample_key, lane, FV_LANE_GROUP, iters))                            \
            return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE,          \
                         FV_LANE_GROUP, false, NULL, true);                                        \
        return lane8(sys, sample_key, lane, iters, hist, width, height, v, WARP_NONE,              \
                     FV_LANE_GROUP, false, NULL, false);                                           \
    }                                                                                              \
    static AVX512 __attribute__((noinline)) int probe8_##v(                                        \
        const FvSystem *sys, uint64_t sample_key, double *xy, int max_points)                      \
    {                                                                                              \
        ProbeOut po = {xy, max_points, 0};                                                         \
        lane8(sys, sample_key, 0, FV_PROBE_ITERS, NULL, 0, 0, v, WARP_NONE, FV_LANE_GROUP, true,   \
              &po, false);                                                                         \
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

#endif
