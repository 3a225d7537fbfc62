/* Unit tests of the core renderer (G2-G9, E5). Each test case is registered by Meson as a
 * test of its own, named for the behaviour it checks. */
#include "fv_internal.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* ---- G2: the sigma-factor sampler ---- */

static void test_sigma_invariants(void)
{
    for (int n = FV_MIN_MAPS; n <= FV_MAX_MAPS; n++) {
        FvRng rng;
        fv_rng_init(&rng, fv_key(42, 1, (uint64_t)n));
        for (int k = 0; k < 20000; k++) {
            double s1[FV_MAX_MAPS], s2[FV_MAX_MAPS];
            double alpha = fv_sigma_sample(&rng, n, s1, s2);
            g_assert_cmpfloat(alpha, >=, (5.0 + n) / 2.0);
            g_assert_cmpfloat(alpha, <=, (6.0 + n) / 2.0);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                g_assert_cmpfloat(s2[i], >=, -1e-12);
                g_assert_cmpfloat(s2[i], <=, s1[i] + 1e-12);
                g_assert_cmpfloat(s1[i], <=, 1.0 + 1e-12);
                if (i > 0) /* ordered by decreasing s1*s2 */
                    g_assert_cmpfloat(s1[i - 1] * s2[i - 1], >=, s1[i] * s2[i]);
                sum += s1[i] + 2 * s2[i];
            }
            g_assert_cmpfloat(fabs(sum - alpha), <, 1e-9);
        }
    }
}

/* ---- G3: weight curves ---- */

/* sharp (G3): 0 through frame a, linspace(0, 1, m) from frame a, so the first move is at
 * frame a + 1 and 1 is reached at frame a + m - 1; m in 4..8, a in 4..T-m-4. */
static void test_curve_sharp_holds_and_ramps(void)
{
    FvRng rng;
    fv_rng_init(&rng, 7);
    int ramps[9] = {0};
    for (int k = 0; k < 5000; k++) {
        int frames = 18 + k % 3;
        FvCurve c;
        fv_curve_draw(&c, FV_CURVE_SHARP, frames, &rng);
        g_assert_cmpint(c.ramp, >=, 4);
        g_assert_cmpint(c.ramp, <=, 8);
        g_assert_cmpint(c.hold, >=, 4);
        g_assert_cmpint(c.hold, <=, frames - c.ramp - 4);
        ramps[c.ramp]++;
        for (int t = 0; t < frames; t++) {
            double w = fv_curve_eval(&c, (double)t / (frames - 1));
            if (t <= c.hold)
                g_assert_cmpfloat(w, ==, 0.0);
            else if (t >= c.hold + c.ramp - 1)
                g_assert_cmpfloat(w, ==, 1.0);
            else /* evenly spaced steps of 1 / (m - 1) */
                g_assert_cmpfloat(fabs(w - (double)(t - c.hold) / (c.ramp - 1)), <, 1e-12);
        }
    }
    for (int m = 4; m <= 8; m++)
        g_assert_cmpint(ramps[m], >, 5000 / 5 - 150);
}

/* The seed's interp1d(kind='quadratic') at known points (values from scipy 1.10). */
static void test_spline_matches_scipy_quadratic(void)
{
    static const double us[8] = {0.0, 0.05, 0.13, 0.37, 0.5, 0.71, 0.93, 1.0};
    static const struct {
        int n;
        double y[9], want[8];
    } cases[] = {
        {4,
         {0.2, 0.9, 0.1, 0.6},
         {0.2, 0.430375, 0.7069350000000001, 0.8569350000000001, 0.5125, 0.06509500000000004,
          0.3484550000000002, 0.6}},
        {5,
         {0.1, 0.8, 0.3, 0.95, 0.05},
         {0.1, 0.3744, 0.673664, 0.539264, 0.3, 0.9009759999999999, 0.5116639999999997, 0.05}},
        {7,
         {1.3, 0.7, 1.1, 0.65, 1.38, 0.9, 1.0},
         {1.3, 0.9739731707317075, 0.712675219512195, 1.0411076097560976, 0.65, 1.360327512195122,
          0.8399431219512195, 1.0}},
        {9,
         {0.5, 0.02, 0.97, 0.4, 0.8, 0.1, 0.6, 0.99, 0.3},
         {0.5, 0.06535314302691203, 0.042858788542001924, 0.40649033220271846, 0.8,
          0.37917295714391797, 0.833502007873041, 0.3}},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        FvSpline s;
        fv_spline_init(&s, cases[k].y, cases[k].n);
        for (int i = 0; i < 8; i++)
            g_assert_cmpfloat(fabs(fv_spline_eval(&s, us[i]) - cases[k].want[i]), <, 1e-12);
        /* through every data point */
        for (int j = 0; j < cases[k].n; j++)
            g_assert_cmpfloat(fabs(fv_spline_eval_at(&s, j) - cases[k].y[j]), <, 1e-12);
    }
}

/* A periodic curve from given draws equals the seed's random sine (values computed with the
 * seed's formula: P = 7, T = 19, amplitude 2.5 P / 100). */
static void test_curve_periodic_matches_seed(void)
{
    static const double freq[8] = {0.4940894151890962, 1.4996350745749334, 0.470414690776111,
                                   1.5738469073037784, 0.9070373426319852, 1.0982029874991008,
                                   1.337157177544489,  0.9535478812030621};
    static const double amp[8] = {0.7187202006304888, 0.6750884914645007, 0.6322965075059499,
                                  0.895376118479588,  0.7765236891583812, 0.6633239470850605,
                                  0.9519748124805115, 0.7096345847968899};
    static const double want[19] = {
        0.02461275006809165, 0.04060662004730192,  0.10431750541682804,  0.1475122562795883,
        0.09936232439648252, 0.04341292073235279,  0.034060200064812876, 0.0404076556320981,
        0.055510897276881216, 0.0999855778392819,  0.16154206785458194,  0.11978161824977926,
        0.024027661116178444, 0.024208113003491814, 0.07803383219387106, 0.12556123923968618,
        0.14571345333826832, 0.1305242455294298,   0.08119509074512779};
    FvCurve c;
    fv_curve_periodic_init(&c, 19, 7, 2.5 * 7 / 100.0, freq, amp);
    g_assert_cmpint(c.periods, ==, 3);
    for (int t = 0; t < 19; t++)
        g_assert_cmpfloat(fabs(fv_curve_eval(&c, t / 18.0) - want[t]), <, 1e-9);
    /* between frames (a longer clip) it stays between its neighbours' range, finite */
    for (int i = 0; i <= 180; i++) {
        double w = fv_curve_eval(&c, i / 180.0);
        g_assert_true(isfinite(w));
        g_assert_cmpfloat(w, >=, 0.0);
        g_assert_cmpfloat(w, <=, c.amplitude);
    }
}

/* periodic (G3): starts near its trough, is not rescaled, stays within its amplitude. */
static void test_curve_periodic_starts_near_trough(void)
{
    FvRng rng;
    fv_rng_init(&rng, 8);
    double widest = 0, above_min = 0;
    for (int k = 0; k < 3000; k++) {
        int frames = 18 + k % 3;
        FvCurve c;
        fv_curve_draw(&c, FV_CURVE_PERIODIC, frames, &rng);
        g_assert_cmpint(c.period, >=, 5);
        g_assert_cmpint(c.period, <=, 15);
        g_assert_cmpfloat(c.amplitude, >=, 1.5 * c.period / 100.0 - 1e-12);
        g_assert_cmpfloat(c.amplitude, <=, 4.0 * c.period / 100.0 + 1e-12);
        double first = fv_curve_eval(&c, 0), lo = INFINITY, hi = -INFINITY;
        for (int t = 0; t < frames; t++) {
            double w = fv_curve_eval(&c, (double)t / (frames - 1));
            g_assert_true(isfinite(w));
            /* the amplitude spline may overshoot its values (0.6..1) a little */
            g_assert_cmpfloat(w, >=, -0.1 * c.amplitude);
            g_assert_cmpfloat(w, <=, 1.1 * c.amplitude);
            lo = fmin(lo, w);
            hi = fmax(hi, w);
        }
        /* the trough of (sin(phase - pi/2) * a + 1) / 2 with a >= 0.6 is at most 0.2 of the
         * amplitude, and the first frame is there */
        g_assert_cmpfloat(first, <=, 0.2 * c.amplitude + 1e-3 * c.amplitude);
        g_assert_cmpfloat(first - lo, <=, 0.2 * c.amplitude);
        above_min += (first - lo) / c.amplitude;
        widest = fmax(widest, hi / c.amplitude);
    }
    /* on average the first frame is within a few percent of the lowest */
    g_assert_cmpfloat(above_min / 3000, <, 0.05);
    /* not rescaled to [0, 1]: a small oscillation near the start state */
    g_assert_cmpfloat(widest, <=, 1.1);
    g_assert_cmpfloat(widest, >, 0.9);
}

/* curve (G3): 5..9 points, at most six draws of the values, overshooting [0, 1] on about 30% of
 * curves (the seed's interp1d does, seen range about -0.18 .. 1.17). */
static void test_curve_spline_knot_step_rule(void)
{
    FvRng rng;
    fv_rng_init(&rng, 9);
    int redrawn = 0, gave_up = 0, overshoot = 0;
    const int n = 20000;
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < n; k++) {
        FvCurve c;
        int frames = 18 + k % 3;
        fv_curve_draw(&c, FV_CURVE_SPLINE, frames, &rng);
        g_assert_cmpint(c.spline.n, >=, 5);
        g_assert_cmpint(c.spline.n, <=, 9);
        g_assert_cmpint(c.draws, >=, 1);
        g_assert_cmpint(c.draws, <=, 6);
        /* accepted values move enough, unless the sixth draw was kept anyway */
        if (c.draws < 6)
            g_assert_cmpfloat(fv_spline_mean_step(&c.spline), >, 0.45);
        else
            gave_up += !(fv_spline_mean_step(&c.spline) > 0.45);
        redrawn += c.draws > 1;
        double clo = INFINITY, chi = -INFINITY;
        for (int t = 0; t < frames; t++) {
            double w = fv_curve_eval(&c, (double)t / (frames - 1));
            clo = fmin(clo, w);
            chi = fmax(chi, w);
        }
        overshoot += clo < 0 || chi > 1;
        lo = fmin(lo, clo);
        hi = fmax(hi, chi);
    }
    g_assert_cmpint(redrawn, >, n / 4);
    g_assert_cmpint(gave_up, >, 0);
    g_assert_cmpint(gave_up, <, n / 2);
    g_test_message("overshoot on %.3f of curves, range %.3f .. %.3f", overshoot / (double)n, lo,
                   hi);
    g_assert_cmpfloat(fabs(overshoot / (double)n - 0.30), <, 0.03);
    g_assert_cmpfloat(lo, <, -0.1);
    g_assert_cmpfloat(lo, >, -0.3);
    g_assert_cmpfloat(hi, >, 1.1);
    g_assert_cmpfloat(hi, <, 1.3);
}

static void test_class_motion_rule_frequencies(void)
{
    int rule[3] = {0, 0, 0}, n = 4000, maps[FV_MAX_MAPS + 1] = {0}, frames[21] = {0};
    int linear_variation = 0;
    for (int k = 0; k < n; k++) {
        FvClass cls;
        fv_class_draw(&cls, fv_key(5, 5, (uint64_t)k), 0);
        rule[cls.motion_rule]++;
        maps[cls.n]++;
        frames[cls.frames]++;
        linear_variation += cls.variation == FV_VARIATION_LINEAR;
        if (cls.motion_rule == 2)
            g_assert_cmpint(cls.curves[cls.num_curves - 1].kind, ==, FV_CURVE_LINEAR);
    }
    /* 0.2 all linear; 0.8 * 0.4 one family; the rest mixed (G3) */
    g_assert_cmpfloat(fabs(rule[0] / (double)n - 0.2), <, 0.03);
    g_assert_cmpfloat(fabs(rule[1] / (double)n - 0.32), <, 0.03);
    g_assert_cmpfloat(fabs(rule[2] / (double)n - 0.48), <, 0.03);
    for (int m = FV_MIN_MAPS; m <= FV_MAX_MAPS; m++)
        g_assert_cmpint(maps[m], >, n / 6 - 150);
    for (int f = 18; f <= 20; f++)
        g_assert_cmpint(frames[f], >, n / 3 - 150);
    /* half the classes stay linear (G5) */
    g_assert_cmpfloat(fabs(linear_variation / (double)n - 0.5), <, 0.04);
}

/* ---- G2: map choice in proportion to |det| ---- */

static double chi_square_critical(int df)
{
    /* upper 0.1% points of the chi-square distribution, df 1..7 */
    static const double crit[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};
    return crit[df];
}

static void check_alias(const double *w, int n, uint64_t key)
{
    FvAlias t;
    fv_alias_build(&t, w, n);
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    long counts[FV_MAX_MAPS] = {0};
    const long draws = 1000000;
    for (long k = 0; k < draws; k++) {
        int c = fv_alias_choose(&t, fv_draw(key, (uint64_t)k));
        g_assert_cmpint(c, >=, 0);
        g_assert_cmpint(c, <, n);
        counts[c]++;
    }
    double chi = 0;
    int df = -1;
    for (int i = 0; i < n; i++) {
        double expect = total > 0 ? draws * w[i] / total : (double)draws / n;
        if (expect == 0) {
            g_assert_cmpint(counts[i], ==, 0); /* a zero-area map is never chosen */
            continue;
        }
        chi += (counts[i] - expect) * (counts[i] - expect) / expect;
        df++;
    }
    if (df > 0)
        g_assert_cmpfloat(chi, <, chi_square_critical(df));
}

static void test_alias_frequencies_match_det(void)
{
    FvRng rng;
    fv_rng_init(&rng, 11);
    for (int trial = 0; trial < 24; trial++) {
        int n = FV_MIN_MAPS + trial % 6;
        double w[FV_MAX_MAPS];
        for (int i = 0; i < n; i++)
            w[i] = fv_rng_uniform(&rng, 0, 1) * fv_rng_uniform(&rng, 0, 1);
        check_alias(w, n, (uint64_t)trial);
    }
    double skewed[5] = {0.9, 0.001, 0.05, 0.0, 0.049};
    check_alias(skewed, 5, 99);
    double zeros[3] = {0, 0, 0}; /* degenerate: uniform */
    check_alias(zeros, 3, 100);
    double eight[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    check_alias(eight, 8, 101);
}

/* ---- G6: one increment per point plus one 3x3 box sum = the 3x3 splat ---- */

static void test_box_sum_equals_naive_splat(void)
{
    /* widths of one box strip (FV_BOX_CHUNK), one more, several and a part */
    const int sizes[][2] = {{50, 37}, {16, 16}, {1, 1}, {3, 200}, {256, 256}, {257, 9}, {600, 7}};
    FvRng rng;
    fv_rng_init(&rng, 12);
    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        int w = sizes[s][0], h = sizes[s][1];
        size_t npix = (size_t)w * h, npoints = 20000;
        int *px = g_new(int, npoints), *py = g_new(int, npoints);
        uint32_t *hist = g_new0(uint32_t, npix), *boxed = g_new0(uint32_t, npix),
                 *naive = g_new0(uint32_t, npix);
        for (size_t p = 0; p < npoints; p++) {
            /* some off the image, which add nothing; clusters to get large counts */
            px[p] = fv_rng_int(&rng, -2, w + 1);
            py[p] = p % 3 ? fv_rng_int(&rng, -2, h + 1) : h / 2;
            if (px[p] >= 0 && px[p] < w && py[p] >= 0 && py[p] < h)
                hist[(size_t)py[p] * w + px[p]]++;
        }
        fv_box3_rows(hist, boxed, w, h, 0, h / 2);
        fv_box3_rows(hist, boxed, w, h, h / 2, h); /* in two bands, as threads do */
        fv_splat3_naive(px, py, npoints, naive, w, h);
        g_assert_cmpmem(boxed, npix * 4, naive, npix * 4);
        g_free(px);
        g_free(py);
        g_free(hist);
        g_free(boxed);
        g_free(naive);
    }
}

/* Counts near UINT32_MAX: the box sum saturates once, as a 64-bit sum clamped at the end. */
static void test_box_sum_saturates(void)
{
    const int w = 300, h = 4;
    uint32_t *hist = g_new0(uint32_t, w * h), *boxed = g_new0(uint32_t, w * h);
    FvRng rng;
    fv_rng_init(&rng, 13);
    for (int i = 0; i < w * h; i++) {
        int kind = fv_rng_int(&rng, 0, 3);
        hist[i] = kind == 0   ? 0
                  : kind == 1 ? (uint32_t)fv_rng_int(&rng, 0, 1000)
                  : kind == 2 ? UINT32_MAX / 9 + (uint32_t)fv_rng_int(&rng, 0, 3)
                              : UINT32_MAX - (uint32_t)fv_rng_int(&rng, 0, 3);
    }
    fv_box3_rows(hist, boxed, w, h, 0, 1);
    fv_box3_rows(hist, boxed, w, h, 1, h);
    int saturated = 0, below = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint64_t sum = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h)
                        sum += hist[(y + dy) * w + x + dx];
            uint32_t want = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
            g_assert_cmpuint(boxed[y * w + x], ==, want);
            saturated += want == UINT32_MAX;
            below += want < UINT32_MAX && want > UINT32_MAX / 2;
        }
    /* both sides of the limit were met */
    g_assert_cmpint(saturated, >, 0);
    g_assert_cmpint(below, >, 0);
    g_free(hist);
    g_free(boxed);
}

/* ---- G5: variations stay finite ---- */

static void test_variations_finite(void)
{
    const double inputs[][2] = {
        {0, 0},      {0, -0.0},    {1e300, -1e300}, {NAN, 1},     {NAN, NAN}, {INFINITY, -INFINITY},
        {1e-300, 0}, {1e10, 1e10}, {-3.5, 2.25},    {0.5, 1e-12}, {1e15, 3}};
    const FvMap maps[] = {{0.5, 0.2, -0.3, 0.4, 0.1, -0.7},
                          {0, 0, 0, 0, 0, 0},
                          {1e300, -1e300, 1e-300, 0, 1e300, NAN}};
    for (int v = 0; v < FV_NUM_VARIATIONS; v++) {
        for (size_t m = 0; m < G_N_ELEMENTS(maps); m++) {
            for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++) {
                for (uint64_t rnd = 0; rnd < 4; rnd++) {
                    double x = inputs[i][0], y = inputs[i][1];
                    fv_variation_apply(v, &maps[m], fv_mix64(rnd), &x, &y);
                    if (!isfinite(x) || !isfinite(y))
                        g_error("variation %s gives (%g, %g) for (%g, %g)", fv_variation_name(v), x,
                                y, inputs[i][0], inputs[i][1]);
                }
            }
        }
    }
}

static void test_variation_definitions(void)
{
    const FvMap m = {0.5, 0.2, -0.3, 0.4, 0.25, -0.75};
    struct {
        const char *name;
        double x, y, ex, ey;
    } cases[] = {
        {"linear", 0.3, -0.4, 0.3, -0.4},
        {"bent", -0.3, -0.4, -0.6, -0.2},
        {"bent", 0.3, 0.4, 0.3, 0.4},
        {"fisheye", 0.3, 0.4, 2 * 0.4 / 1.5, 2 * 0.3 / 1.5}, /* swapped (G5) */
        {"eyefish", 0.3, 0.4, 2 * 0.3 / 1.5, 2 * 0.4 / 1.5},
        {"horseshoe", 0.3, 0.4, (0.09 - 0.16) / 0.5, 2 * 0.12 / 0.5},
        {"cylinder", 0.3, 0.4, sin(0.3), 0.4},
        {"cosine", 0.3, 0.4, cos(FV_PI * 0.3) * tanh(0.4), -sin(FV_PI * 0.3) * tanh(0.4)},
        {"popcorn", 0.3, 0.4, 0.3 + 0.25 * sin(tan(1.2)), 0.4 - 0.75 * sin(tan(0.9))},
        {"sinusoidal", 0.3, 0.4, sin(0.3), sin(0.4)},
        {"spherical", 0.3, 0.4, 0.3 / 0.25, 0.4 / 0.25},
        /* Draves's c, d, e, f are our e, c, d, f (G5): waves reads b, e, d, f */
        {"waves", 0.3, 0.4, 0.3 + 0.2 * sin(0.4 / (0.25 * 0.25)),
         0.4 + 0.4 * sin(0.3 / (0.75 * 0.75))},
        /* rings: c^2 = e^2 = 1/16, r = 0.5: fmod(0.5625, 0.125) - 0.0625 + 0.5 * 0.9375 */
        {"rings", 0.3, 0.4, 0.46875 * 0.6, 0.46875 * 0.8},
        /* fan: t = pi e^2; (theta + f) mod t (the divisor's sign) > t / 2: theta - t / 2 */
        {"fan", 0.3, 0.4, 0.5 * cos(atan2(0.4, 0.3) - FV_PI / 32),
         0.5 * sin(atan2(0.4, 0.3) - FV_PI / 32)},
        /* theta + f < 0: its modulo is taken up, into [0, t) */
        {"fan", -0.3, -0.4, 0.5 * cos(atan2(-0.4, -0.3) - FV_PI / 32),
         0.5 * sin(atan2(-0.4, -0.3) - FV_PI / 32)},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        int v;
        g_assert_cmpint(fv_variation_from_name(cases[k].name, &v), ==, 0);
        double x = cases[k].x, y = cases[k].y;
        fv_variation_apply(v, &m, 0, &x, &y);
        if (fabs(x - cases[k].ex) > 1e-8 || fabs(y - cases[k].ey) > 1e-8)
            g_error("%s(%g, %g) = (%.12g, %.12g), expected (%.12g, %.12g)", cases[k].name,
                    cases[k].x, cases[k].y, x, y, cases[k].ex, cases[k].ey);
    }
}

static void test_names_round_trip(void)
{
    g_assert_cmpint(FV_NUM_VARIATIONS, ==, 31);
    for (int v = FV_VARIATION_AUTO; v < FV_NUM_VARIATIONS; v++) {
        int back = -2;
        g_assert_nonnull(fv_variation_name(v));
        g_assert_cmpint(fv_variation_from_name(fv_variation_name(v), &back), ==, 0);
        g_assert_cmpint(back, ==, v);
    }
    int dummy;
    g_assert_cmpint(fv_variation_from_name("sparkle", &dummy), <, 0);
    g_assert_cmpint(fv_variation_from_name(NULL, &dummy), <, 0);
    g_assert_null(fv_variation_name(FV_NUM_VARIATIONS));
    for (int m = 0; m < FV_NUM_MOTIONS; m++) {
        FvMotion back;
        g_assert_cmpint(fv_motion_from_name(fv_motion_name(m), &back), ==, 0);
        g_assert_cmpint(back, ==, m);
    }
    FvMotion mo;
    g_assert_cmpint(fv_motion_from_name("wobbly", &mo), <, 0);
    for (int n = 0; n < FV_NUM_NORMALIZATIONS; n++) {
        FvNormalization back;
        g_assert_cmpint(fv_normalization_from_name(fv_normalization_name(n), &back), ==, 0);
        g_assert_cmpint(back, ==, n);
    }
    g_assert_cmpstr(fv_normalization_name(FV_NORMALIZATION_CLIP), ==, "clip");
    g_assert_cmpstr(fv_normalization_name(FV_NORMALIZATION_FRAME), ==, "frame");
    g_assert_null(fv_normalization_name(FV_NUM_NORMALIZATIONS));
    FvNormalization no;
    g_assert_cmpint(fv_normalization_from_name("video", &no), <, 0);
}

static void test_settings_validation(void)
{
    FvSettings s;
    const char *field = NULL;
    fv_default_settings(&s);
    g_assert_cmpint(fv_settings_validate(&s, &field), ==, 0);
    g_assert_null(field);
    s.width = 0;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "width");
    fv_default_settings(&s);
    s.normalization = (FvNormalization)FV_NUM_NORMALIZATIONS;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "normalization");
    fv_default_settings(&s);
    s.height = 8193;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "height");
    fv_default_settings(&s);
    s.density = NAN;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "density");
    fv_default_settings(&s);
    s.class_id = -2;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "class");
    fv_default_settings(&s);
    s.variation = FV_NUM_VARIATIONS;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "variation");
    fv_default_settings(&s);
    s.motion = (FvMotion)7;
    g_assert_cmpint(fv_settings_validate(&s, &field), <, 0);
    g_assert_cmpstr(field, ==, "motion");

    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 1), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -EINVAL);
    g_assert_null(fv_clip_info(c));
    uint8_t px[16 * 16];
    g_assert_cmpint(fv_clip_write_gray8(c, 0, px, 16), ==, -EINVAL);
    fv_clip_free(&c);
    fv_renderer_close(&r);
    g_assert_null(c);
    g_assert_null(r);
}

/* ---- rendering ---- */

typedef struct Rendered {
    FvClipInfo info;
    guint8 *pixels; /* frames x w x h */
} Rendered;

static Rendered render(FvRenderer *r, FvClip *clip, const FvSettings *s, uint64_t clip_index)
{
    Rendered out = {0};
    g_assert_cmpint(fv_render_clip(r, s, clip_index, clip), ==, 0);
    out.info = *fv_clip_info(clip);
    size_t fsize = (size_t)s->width * s->height;
    out.pixels = g_malloc(fsize * out.info.frames);
    for (unsigned f = 0; f < out.info.frames; f++)
        g_assert_cmpint(fv_clip_write_gray8(clip, f, out.pixels + f * fsize, s->width), ==, 0);
    return out;
}

static void test_threads_give_identical_bits(void)
{
    FvSettings settings[8];
    for (int k = 0; k < 8; k++)
        fv_default_settings(&settings[k]);
    settings[0].class_id = 3;
    settings[1].class_id = -1; /* unlabeled */
    settings[1].seed = 77;
    settings[2].width = 97; /* odd sizes: bands and lanes do not line up */
    settings[2].height = 61;
    settings[2].class_id = 11;
    settings[3].motion = FV_MOTION_NAIVE;
    settings[3].variation = 17; /* popcorn */
    settings[3].density = 3;
    settings[4].width = 320;
    settings[4].height = 240;
    settings[4].class_id = 14;
    settings[4].density = 4;
    settings[5].clip_frames = 5;
    settings[5].class_seed = 12345678901234ull;
    /* bands of one row (the rows two bands read are zeroed after the frame), and rows of
     * several box strips, one of them partial */
    settings[6].width = FV_MAX_SIZE;
    settings[6].height = 9;
    settings[6].density = 2;
    settings[6].clip_frames = 4;
    settings[7].width = 600;
    settings[7].height = 130;
    settings[7].density = 3;
    settings[7].clip_frames = 4;
    const unsigned threads[] = {1, 2, 3, 4};
    for (int k = 0; k < 8; k++) {
        Rendered ref = {0};
        for (size_t t = 0; t < G_N_ELEMENTS(threads); t++) {
            FvRenderer *r;
            FvClip *c;
            g_assert_cmpint(fv_renderer_open(&r, threads[t]), ==, 0);
            g_assert_cmpint(fv_renderer_threads(r), ==, threads[t]);
            g_assert_cmpint(fv_clip_new(&c), ==, 0);
            Rendered got = render(r, c, &settings[k], 2);
            size_t bytes = (size_t)settings[k].width * settings[k].height * got.info.frames;
            if (!ref.pixels) {
                ref = got;
            } else {
                g_assert_cmpint(got.info.frames, ==, ref.info.frames);
                g_assert_cmpmem(got.pixels, bytes, ref.pixels, bytes);
                g_assert_cmpuint(got.info.points_kept, ==, ref.info.points_kept);
                g_free(got.pixels);
            }
            fv_clip_free(&c);
            fv_renderer_close(&r);
        }
        g_free(ref.pixels);
    }
}

/* With more than one thread, a clip's frames run side by side, one a thread: a job (one
 * barrier) for many frames, not two jobs a frame, a frame left over run in the same job, and
 * the bits of one thread under both normalizations, for frame counts that are and are not
 * whole rounds. */
static void test_frames_run_side_by_side(void)
{
    static const unsigned frames[] = {20, 19, 12, 7, 2};
    for (size_t f = 0; f < G_N_ELEMENTS(frames); f++)
        for (int norm = 0; norm < 2; norm++) {
            FvSettings s;
            fv_default_settings(&s);
            s.width = s.height = 64;
            s.class_id = -1;
            s.clip_frames = frames[f];
            s.normalization = norm ? FV_NORMALIZATION_FRAME : FV_NORMALIZATION_CLIP;
            Rendered want = {0};
            for (unsigned threads = 1; threads <= 3; threads++) {
                FvRenderer *r;
                FvClip *c;
                g_assert_cmpint(fv_renderer_open(&r, threads), ==, 0);
                g_assert_cmpint(fv_clip_new(&c), ==, 0);
                /* the clip selected and framed first, so only its frames' jobs are counted */
                FvSystem sys[1];
                g_assert_cmpint(fv_render_systems(r, &s, 5, sys, 1, NULL), ==, (int)frames[f]);
                const uint64_t jobs0 = fv_render_jobs(r);
                Rendered got = render(r, c, &s, 5);
                const uint64_t jobs = fv_render_jobs(r) - jobs0;
                /* the first frame alone (it writes the sample's map choices: its lanes and its
                 * box pass, two jobs), then whole rounds of one frame a thread in one job with
                 * the lanes of the next frame left over at its end (its box pass a job after),
                 * then the other frames left over alone */
                const unsigned n = frames[f], left = (n - 1) % threads;
                const uint64_t expect = threads > 1 && n - 1 >= threads
                                            ? 2 + 1 + (left ? 1 + 2 * (uint64_t)(left - 1) : 0)
                                            : 2 * (uint64_t)n;
                g_assert_cmpuint(jobs, ==, expect);
                const size_t bytes = (size_t)64 * 64 * frames[f];
                g_assert_cmpuint(got.info.frames, ==, frames[f]);
                if (!want.pixels) {
                    want = got;
                } else {
                    g_assert_cmpmem(got.pixels, bytes, want.pixels, bytes);
                    g_assert_cmpuint(got.info.points_kept, ==, want.info.points_kept);
                    g_assert_cmpuint(got.info.max_count, ==, want.info.max_count);
                    g_free(got.pixels);
                }
                fv_clip_free(&c);
                fv_renderer_close(&r);
            }
            g_free(want.pixels);
        }
}

static void test_same_inputs_same_bits_any_order(void)
{
    FvRenderer *r;
    FvClip *c;
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 64;
    s.class_id = 5;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    Rendered a = render(r, c, &s, 3);
    /* render other clips and sizes in between: nothing carries over */
    FvSettings other = s;
    other.class_id = 6;
    other.width = 200;
    g_free(render(r, c, &other, 0).pixels);
    other.class_id = -1;
    g_free(render(r, c, &other, 9).pixels);
    Rendered b = render(r, c, &s, 3);
    size_t bytes = (size_t)64 * 64 * a.info.frames;
    g_assert_cmpmem(a.pixels, bytes, b.pixels, bytes);
    /* another clip index is another sample of the same class */
    Rendered d = render(r, c, &s, 4);
    g_assert_cmpuint(d.info.class_key, ==, a.info.class_key);
    g_assert_cmpuint(d.info.num_maps, ==, a.info.num_maps);
    g_assert_cmpint(d.info.variation, ==, a.info.variation);
    g_assert_true(d.info.frames != a.info.frames || memcmp(d.pixels, a.pixels, bytes) != 0);
    /* another seed of the same class: same system, other sample */
    s.seed = 1;
    Rendered e = render(r, c, &s, 3);
    g_assert_cmpuint(e.info.class_key, ==, a.info.class_key);
    g_assert_cmpuint(e.info.frames, ==, a.info.frames);
    g_assert_true(memcmp(e.pixels, a.pixels, bytes) != 0);
    g_free(a.pixels);
    g_free(b.pixels);
    g_free(d.pixels);
    g_free(e.pixels);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

static void test_clip_frame_count(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 32;
    s.density = 1;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    int seen[21] = {0};
    s.class_id = -1;
    for (uint64_t k = 0; k < 30; k++) {
        unsigned n = fv_clip_frame_count(&s, k);
        g_assert_cmpuint(n, >=, 18);
        g_assert_cmpuint(n, <=, 20);
        seen[n]++;
        g_assert_cmpint(fv_render_clip(r, &s, k, c), ==, 0);
        g_assert_cmpuint(fv_clip_info(c)->frames, ==, n);
    }
    g_assert_cmpint(seen[18] * seen[19] * seen[20], >, 0);
    s.clip_frames = 7;
    g_assert_cmpuint(fv_clip_frame_count(&s, 3), ==, 7);
    g_assert_cmpint(fv_render_clip(r, &s, 3, c), ==, 0);
    g_assert_cmpuint(fv_clip_info(c)->frames, ==, 7);
    s.clip_frames = 1;
    g_assert_cmpint(fv_render_clip(r, &s, 3, c), ==, 0);
    g_assert_cmpuint(fv_clip_info(c)->frames, ==, 1);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

static void test_static_motion_is_a_still(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 64;
    s.motion = FV_MOTION_STATIC;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    for (int cls = 0; cls < 4; cls++) {
        s.class_id = cls;
        Rendered a = render(r, c, &s, 0);
        for (unsigned f = 1; f < a.info.frames; f++)
            g_assert_cmpmem(a.pixels, 64 * 64, a.pixels + f * 64 * 64, 64 * 64);
        g_free(a.pixels);
    }
    /* and the other modes move */
    s.motion = FV_MOTION_NONLINEAR;
    s.class_id = 0;
    Rendered m = render(r, c, &s, 0);
    g_assert_true(memcmp(m.pixels, m.pixels + (m.info.frames - 1) * 64 * 64, 64 * 64) != 0);
    g_free(m.pixels);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* G7 and G8 over many classes: framing keeps >= 90% of plotted points on average, and
 * every clip's brightest pixel is 255. */
static void test_framing_keeps_points_and_brightest_is_255(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 96;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    double kept = 0;
    const int clips = 60;
    for (int k = 0; k < clips; k++) {
        s.class_id = k;
        s.motion = (FvMotion)(k % FV_NUM_MOTIONS);
        Rendered a = render(r, c, &s, 0);
        double frac =
            (double)a.info.points_kept / ((double)a.info.points_per_frame * a.info.frames);
        kept += frac;
        guint8 top = 0;
        for (size_t i = 0; i < (size_t)96 * 96 * a.info.frames; i++)
            top = MAX(top, a.pixels[i]);
        if (top != 255)
            g_error("class %d: brightest pixel %u (max count %u)", k, top, a.info.max_count);
        g_free(a.pixels);
    }
    g_test_message("framing kept %.4f of plotted points on average", kept / clips);
    g_assert_cmpfloat(kept / clips, >=, 0.9);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

static double lit_fraction(const guint8 *frame, size_t pixels)
{
    size_t lit = 0;
    for (size_t i = 0; i < pixels; i++)
        lit += frame[i] != 0;
    return (double)lit / pixels;
}

/* G9: a degenerate labelled class is redrawn, deterministically, to one that passes. */
static void test_degenerate_class_is_redrawn(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = FV_CHECK_SIZE;
    s.motion = FV_MOTION_STATIC; /* the class's start state, as the check sees it */
    s.density = 1;               /* the check does not depend on it */
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    int found = -1, redrawn = 0;
    const int classes = 200;
    for (int k = 0; k < classes; k++) {
        s.class_id = k;
        FvClass cls;
        fv_class_draw(&cls, fv_class_key(&s, 0), 0);
        /* only the class's own draws: forcing a variation keeps it out of the picture */
        s.variation = cls.variation;
        g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
        if (fv_clip_info(c)->redraws > 0) {
            redrawn++;
            if (found < 0)
                found = k;
        }
    }
    g_test_message("%d of %d classes redrawn", redrawn, classes);
    g_assert_cmpint(found, >=, 0);
    g_assert_cmpint(redrawn, <, classes / 2);

    s.class_id = found;
    FvClass first;
    fv_class_draw(&first, fv_class_key(&s, 0), 0);
    s.variation = first.variation;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    unsigned redraws = fv_clip_info(c)->redraws;
    FvClass kept;
    fv_class_draw(&kept, fv_class_key(&s, 0), (int)redraws);
    unsigned frames = fv_clip_info(c)->frames;
    double lit = fv_class_lit_fraction(r, &kept, s.motion, kept.variation, (int)frames,
                                       (int)redraws);
    g_assert_cmpfloat(lit, >=, FV_MIN_LIT_FRACTION);
    /* a new renderer, with another thread count, makes the same decision */
    FvRenderer *r2;
    g_assert_cmpint(fv_renderer_open(&r2, 1), ==, 0);
    g_assert_cmpint(fv_render_clip(r2, &s, 0, c), ==, 0);
    g_assert_cmpuint(fv_clip_info(c)->redraws, ==, redraws);
    fv_renderer_close(&r2);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* G9's promise: at the paper's size and density, no frame of an unlabeled clip lights under
 * FV_MIN_LIT_FRACTION of the picture (the filter's estimate is a lower bound of the render's
 * lit share). Short clips, many of them. */
static void test_no_dark_frames(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = FV_LIT_SIZE;
    s.class_id = -1;
    s.seed = 3;
    s.clip_frames = 4;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    const int clips = 2000;
    int redrawn = 0;
    double darkest = 1;
    for (int k = 0; k < clips; k++) {
        Rendered a = render(r, c, &s, (uint64_t)k);
        redrawn += a.info.redraws > 0;
        for (unsigned f = 0; f < a.info.frames; f++) {
            double lit = lit_fraction(a.pixels + (size_t)f * s.width * s.height,
                                      (size_t)s.width * s.height);
            if (lit < FV_MIN_LIT_FRACTION)
                g_error("clip %d frame %u lights %.4f of the picture", k, f, lit);
            darkest = MIN(darkest, lit);
        }
        g_free(a.pixels);
    }
    g_test_message("%d clips, %d redrawn, darkest frame %.4f lit", clips, redrawn, darkest);
    g_assert_cmpint(redrawn, >, 0);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* G4: an unlabeled clip (a class of its own) is its class's plain motion, frame by frame;
 * a labelled sample perturbs it. */
static void test_unlabeled_clip_is_unperturbed(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 64;
    FvRenderer *r;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    FvSystem sys[FV_CLASS_MAX_FRAMES];
    for (int labelled = 0; labelled <= 1; labelled++) {
        s.class_id = labelled ? 11 : -1;
        int perturbed = 0;
        for (uint64_t k = 0; k < 30; k++) {
            FvClipInfo info;
            int frames = fv_render_systems(r, &s, k, sys, FV_CLASS_MAX_FRAMES, &info);
            g_assert_cmpint(frames, >=, FV_CLASS_MIN_FRAMES);
            FvClass cls;
            fv_class_draw(&cls, fv_class_key(&s, k), (int)info.redraws);
            bool same = true;
            for (int t = 0; t < frames; t++) {
                FvMap plain[FV_MAX_MAPS];
                fv_class_maps(&cls, s.motion, t, frames, plain);
                g_assert_cmpint(sys[t].n, ==, cls.n);
                same = same && memcmp(plain, sys[t].maps, (size_t)cls.n * sizeof(FvMap)) == 0;
            }
            if (!labelled)
                g_assert_true(same);
            perturbed += !same;
        }
        if (labelled)
            g_assert_cmpint(perturbed, ==, 30);
    }
    fv_renderer_close(&r);
}

/* G2: constant translations (p = 0.2) are decided once per class: every map or none. */
static void test_constant_translation_per_class(void)
{
    int constant = 0;
    const int n = 4000;
    for (int k = 0; k < n; k++) {
        FvClass cls;
        fv_class_draw(&cls, fv_key(77, 1, (uint64_t)k), 0);
        int same = 0;
        for (int i = 0; i < cls.n; i++)
            same += cls.start[i].e == cls.end[i].e && cls.start[i].f == cls.end[i].f;
        g_assert_true(same == 0 || same == cls.n);
        g_assert_cmpint(same == cls.n, ==, cls.constant_translation);
        constant += cls.constant_translation;
    }
    g_assert_cmpfloat(fabs(constant / (double)n - 0.2), <, 0.025);
}

/* G9: a redraw keeps the class's structure and redraws its parameters. */
static void test_redraw_keeps_structure(void)
{
    for (int k = 0; k < 500; k++) {
        FvClass a, b;
        uint64_t key = fv_key(78, 1, (uint64_t)k);
        fv_class_draw(&a, key, 0);
        fv_class_draw(&b, key, 1 + k % 7);
        g_assert_cmpint(a.n, ==, b.n);
        g_assert_cmpint(a.variation, ==, b.variation);
        g_assert_cmpint(a.frames, ==, b.frames);
        g_assert_cmpint(a.constant_translation, ==, b.constant_translation);
        g_assert_cmpint(a.motion_rule, ==, b.motion_rule);
        g_assert_cmpint(a.num_curves, ==, b.num_curves);
        for (int j = 0; j < a.num_curves; j++)
            g_assert_cmpint(a.curves[j].kind, ==, b.curves[j].kind);
        for (int i = 0; i < a.n; i++)
            g_assert_cmpint(a.curve_of_map[i], ==, b.curve_of_map[i]);
        g_assert_cmpfloat(a.start[0].theta, !=, b.start[0].theta);
        g_assert_cmpfloat(a.start[0].s1, !=, b.start[0].s1);
    }
}

/* Pearson's chi-square of counts against expected shares. */
static double chi_square(const int *count, const double *share, int bins, int total)
{
    double chi = 0;
    for (int i = 0; i < bins; i++) {
        double e = share[i] * total;
        chi += (count[i] - e) * (count[i] - e) / e;
    }
    return chi;
}

/* G9: over 3,000 unlabeled clips, with degenerate classes redrawn, map counts stay uniform over
 * 3..8 and the variation mix stays half linear, 1/14 each of the seven (chi-square, p = 0.001). */
static void test_filter_skews_nothing(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 48; /* the filter's decisions do not depend on the size */
    s.class_id = -1;
    s.seed = 5;
    FvRenderer *r;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    static const char *const policy[] = {"linear",  "horseshoe", "bent",    "fisheye",
                                         "popcorn", "cosine",    "eyefish", "cylinder"};
    int maps[6] = {0}, variations[8] = {0}, redrawn = 0;
    const int clips = 3000;
    FvSystem sys[FV_CLASS_MAX_FRAMES];
    for (int k = 0; k < clips; k++) {
        FvClipInfo info;
        g_assert_cmpint(fv_render_systems(r, &s, (uint64_t)k, sys, FV_CLASS_MAX_FRAMES, &info), >,
                        0);
        FvClass first;
        fv_class_draw(&first, fv_class_key(&s, (uint64_t)k), 0);
        g_assert_cmpuint(info.num_maps, ==, (unsigned)first.n);
        g_assert_cmpint(info.variation, ==, first.variation);
        redrawn += info.redraws > 0;
        maps[info.num_maps - FV_MIN_MAPS]++;
        int v = -1;
        for (int i = 0; i < 8; i++)
            if (strcmp(fv_variation_name(info.variation), policy[i]) == 0)
                v = i;
        g_assert_cmpint(v, >=, 0);
        variations[v]++;
    }
    const double uniform6[6] = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};
    const double mix[8] = {0.5, 1 / 14.0, 1 / 14.0, 1 / 14.0, 1 / 14.0, 1 / 14.0, 1 / 14.0, 1 / 14.0};
    double chi_maps = chi_square(maps, uniform6, 6, clips);
    double chi_vars = chi_square(variations, mix, 8, clips);
    g_test_message("%d of %d classes redrawn; chi-square maps %.2f (5 df), variations %.2f (7 df)",
                   redrawn, clips, chi_maps, chi_vars);
    g_assert_cmpint(redrawn, >, clips / 20); /* the filter is exercised */
    g_assert_cmpfloat(chi_maps, <, 20.52);   /* p = 0.001 */
    g_assert_cmpfloat(chi_vars, <, 24.32);
    fv_renderer_close(&r);
}

static void test_huge_size_fails_cleanly(void)
{
    /* far too big to allocate on any test machine: -ENOMEM, nothing half done */
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = FV_MAX_SIZE;
    s.clip_frames = FV_MAX_CLIP_FRAMES;
    s.density = FV_MIN_DENSITY;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 1), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -ENOMEM);
    g_assert_null(fv_clip_info(c));
    /* the renderer is still usable */
    fv_default_settings(&s);
    s.width = s.height = 32;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    g_assert_nonnull(fv_clip_info(c));
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

typedef struct CancelRun {
    FvRenderer *r;
    FvClip *clip;
    FvSettings s;
    int result;
    gint64 returned_at;
} CancelRun;

static gpointer cancel_run_thread(gpointer data)
{
    CancelRun *run = data;
    run->result = fv_render_clip(run->r, &run->s, 0, run->clip);
    run->returned_at = g_get_monotonic_time();
    return NULL;
}

/* A long render stops soon after fv_renderer_cancel, and the renderer then works as new. */
static void test_cancel_stops_a_long_render(void)
{
    CancelRun run = {0};
    fv_default_settings(&run.s);
    run.s.width = run.s.height = 2048; /* about ten seconds of work on two cores */
    run.s.clip_frames = 20;
    g_assert_cmpint(fv_renderer_open(&run.r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&run.clip), ==, 0);
    GThread *thread = g_thread_new("render", cancel_run_thread, &run);
    g_usleep(300 * 1000);
    gint64 asked = g_get_monotonic_time();
    fv_renderer_cancel(run.r, 1);
    g_thread_join(thread);
    g_assert_cmpint(run.result, ==, -ECANCELED);
    g_assert_null(fv_clip_info(run.clip));
    g_test_message("returned %.0f ms after the cancel", (run.returned_at - asked) / 1e3);
    g_assert_cmpint(run.returned_at - asked, <, 2 * G_USEC_PER_SEC);
    /* still cancelled: a new render returns at once */
    g_assert_cmpint(fv_render_clip(run.r, &run.s, 0, run.clip), ==, -ECANCELED);

    /* allowed again: same bits as a renderer that was never cancelled */
    fv_renderer_cancel(run.r, 0);
    FvSettings small;
    fv_default_settings(&small);
    small.width = small.height = 64;
    Rendered a = render(run.r, run.clip, &small, 1);
    FvRenderer *fresh;
    g_assert_cmpint(fv_renderer_open(&fresh, 1), ==, 0);
    Rendered b = render(fresh, run.clip, &small, 1);
    size_t bytes = (size_t)64 * 64 * a.info.frames;
    g_assert_cmpmem(a.pixels, bytes, b.pixels, bytes);
    g_free(a.pixels);
    g_free(b.pixels);
    fv_renderer_close(&fresh);
    fv_clip_free(&run.clip);
    fv_renderer_close(&run.r);
}

static void test_gray16_matches_gray8(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = 40;
    s.height = 24;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 0), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    guint8 g8[40 * 24];
    guint16 g16[48 * 24]; /* a stride wider than the row */
    g_assert_cmpint(fv_clip_write_gray8(c, 3, g8, 40), ==, 0);
    g_assert_cmpint(fv_clip_write_gray16(c, 3, g16, 48 * 2), ==, 0);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 40; x++)
            g_assert_cmpint(abs((int)g8[y * 40 + x] - (int)((g16[y * 48 + x] + 128) / 257)), <=, 1);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* Frame normalization (G8 per frame): every frame is tone mapped by its own brightest pixel,
 * fv_render_frame gives each frame alone bit-identical to fv_render_clip's, in any order and
 * for any thread count, and the clip's normalization is left as it was. */
static void test_frame_normalization(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = 48;
    s.height = 40;
    s.class_id = 4;
    s.density = 4;
    FvRenderer *r, *r1;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_renderer_open(&r1, 1), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    const size_t fsize = (size_t)s.width * s.height;

    Rendered clip_mode = render(r, c, &s, 1);
    g_assert_cmpint(clip_mode.info.normalization, ==, FV_NORMALIZATION_CLIP);
    g_assert_cmpuint(clip_mode.info.first_frame, ==, 0);
    g_assert_cmpuint(clip_mode.info.frames_held, ==, clip_mode.info.frames);
    /* one frame alone needs the clip's maximum under the clip's normalization */
    g_assert_cmpint(fv_render_frame(r, &s, 1, 0, c), ==, -EINVAL);

    s.normalization = FV_NORMALIZATION_FRAME;
    Rendered frame_mode = render(r, c, &s, 1);
    const unsigned frames = frame_mode.info.frames;
    g_assert_cmpuint(frames, ==, clip_mode.info.frames);
    g_assert_cmpint(frame_mode.info.normalization, ==, FV_NORMALIZATION_FRAME);
    unsigned differ = 0;
    for (unsigned f = 0; f < frames; f++) {
        const guint8 *px = frame_mode.pixels + f * fsize;
        guint8 brightest = 0;
        for (size_t i = 0; i < fsize; i++)
            brightest = MAX(brightest, px[i]);
        g_assert_cmpuint(brightest, ==, 255);
        differ += memcmp(px, clip_mode.pixels + f * fsize, fsize) != 0;
    }
    /* only the clip's brightest frame is tone mapped the same way */
    g_assert_cmpuint(differ, >, 0);

    /* each frame alone, out of order, with other clips in between, on another renderer */
    const unsigned order[] = {3, 0, frames - 1, 7, 3};
    for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
        unsigned f = order[k];
        FvRenderer *rr = k % 2 ? r1 : r;
        guint8 *px = g_malloc(fsize);
        guint16 *px16 = g_new(guint16, fsize);
        if (k == 2) {
            FvSettings other = s;
            other.class_id = 9;
            g_assert_cmpint(fv_render_frame(rr, &other, 1, f, c), ==, 0);
            g_assert_cmpint(fv_render_clip(rr, &s, 2, c), ==, 0);
        }
        g_assert_cmpint(fv_render_frame(rr, &s, 1, f, c), ==, 0);
        const FvClipInfo *info = fv_clip_info(c);
        g_assert_cmpuint(info->frames, ==, frames);
        g_assert_cmpuint(info->first_frame, ==, f);
        g_assert_cmpuint(info->frames_held, ==, 1);
        g_assert_cmpint(fv_clip_write_gray8(c, f, px, s.width), ==, 0);
        g_assert_cmpmem(px, fsize, frame_mode.pixels + f * fsize, fsize);
        /* only that frame is held */
        g_assert_cmpint(fv_clip_write_gray8(c, (f + 1) % frames, px, s.width), ==, -EINVAL);
        g_assert_cmpint(fv_clip_write_gray16(c, f, px16, s.width * 2), ==, 0);
        g_free(px);
        g_free(px16);
    }
    g_assert_cmpint(fv_render_frame(r, &s, 1, frames, c), ==, -EINVAL);

    /* 16-bit frames follow the same per-frame maximum */
    g_assert_cmpint(fv_render_clip(r, &s, 1, c), ==, 0);
    for (unsigned f = 0; f < frames; f++) {
        guint16 *px16 = g_new(guint16, fsize);
        guint16 brightest = 0;
        g_assert_cmpint(fv_clip_write_gray16(c, f, px16, s.width * 2), ==, 0);
        for (size_t i = 0; i < fsize; i++) {
            brightest = MAX(brightest, px16[i]);
            g_assert_cmpint(abs((int)frame_mode.pixels[f * fsize + i] - (px16[i] + 128) / 257), <=,
                            1);
        }
        g_assert_cmpuint(brightest, ==, 65535);
        g_free(px16);
    }
    g_free(clip_mode.pixels);
    g_free(frame_mode.pixels);
    fv_clip_free(&c);
    fv_renderer_close(&r);
    fv_renderer_close(&r1);
}

/* Frames down to 1x1 render sanely: every frame lit, its brightest pixel 255, in both
 * normalizations, and the same bits for any thread count. */
static void test_tiny_sizes(void)
{
    const unsigned sizes[][2] = {{1, 1}, {2, 1}, {1, 3}, {3, 3}, {5, 2}, {15, 16}};
    FvRenderer *r1, *r2;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r1, 1), ==, 0);
    g_assert_cmpint(fv_renderer_open(&r2, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
        for (int n = 0; n < FV_NUM_NORMALIZATIONS; n++) {
            FvSettings s;
            fv_default_settings(&s);
            s.class_id = (int64_t)k;
            s.width = sizes[k][0];
            s.height = sizes[k][1];
            s.normalization = (FvNormalization)n;
            const size_t fsize = (size_t)s.width * s.height;
            Rendered a = render(r1, c, &s, 0);
            g_assert_cmpuint(a.info.points_kept, >, 0);
            for (unsigned f = 0; f < a.info.frames; f++) {
                guint8 brightest = 0;
                for (size_t i = 0; i < fsize; i++)
                    brightest = MAX(brightest, a.pixels[f * fsize + i]);
                if (n == FV_NORMALIZATION_FRAME || f == 0)
                    g_assert_cmpuint(brightest, >, 0);
                if (n == FV_NORMALIZATION_FRAME)
                    g_assert_cmpuint(brightest, ==, 255);
            }
            Rendered b = render(r2, c, &s, 0);
            g_assert_cmpmem(a.pixels, fsize * a.info.frames, b.pixels, fsize * b.info.frames);
            g_free(a.pixels);
            g_free(b.pixels);
        }
    }
    fv_clip_free(&c);
    fv_renderer_close(&r1);
    fv_renderer_close(&r2);
}

/* Anonymous memory of this process in transparent huge pages, in kB; -1 if unknown. */
static long anon_huge_kb(void)
{
    gchar *text = NULL;
    long kb = -1;
    if (!g_file_get_contents("/proc/self/smaps_rollup", &text, NULL, NULL))
        return -1;
    const char *line = strstr(text, "AnonHugePages:");
    if (line)
        kb = strtol(line + strlen("AnonHugePages:"), NULL, 10);
    g_free(text);
    return kb;
}

/* A large render's buffers (histograms, probe points, the clip's frames) ask for transparent
 * huge pages: with the system giving them on request (its usual setting, "madvise"), a
 * 1024x1024 clip holds some. Under "always" every large block gets them anyway and under
 * "never" none does, so there is nothing to tell. */
static void test_large_buffers_ask_for_huge_pages(void)
{
    gchar *mode = NULL;
    if (!g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &mode, NULL, NULL) ||
        !strstr(mode, "[madvise]") || anon_huge_kb() < 0) {
        g_test_skip("transparent huge pages are not given on request here");
        g_free(mode);
        return;
    }
    g_free(mode);
    const long before = anon_huge_kb();
    FvRenderer *r = NULL;
    FvClip *clip = NULL;
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = 1;
    s.width = s.height = 1024;
    s.density = 1;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&clip), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, clip), ==, 0);
    const long after = anon_huge_kb();
    g_test_message("anonymous huge pages: %ld kB before the render, %ld kB after", before, after);
    g_assert_cmpint(after, >=, before + 2048);
    fv_clip_free(&clip);
    fv_renderer_close(&r);
}

/* The pool's jobs, run back to back (the workers and the caller find each other while they
 * poll) and after pauses longer than the polling (they sleep and are woken), run every task
 * exactly once, each on one of the pool's threads, and the caller returns only when all are
 * done. */
typedef struct PoolJob {
    atomic_int runs[64];
    atomic_int threads_seen[8];
} PoolJob;

static void pool_task(void *ctx, int task, int thread)
{
    PoolJob *job = ctx;
    atomic_fetch_add(&job->runs[task], 1);
    atomic_fetch_add(&job->threads_seen[thread], 1);
}

static void test_pool_runs_every_task_once(void)
{
    for (int threads = 2; threads <= 4; threads++) {
        FvPool *pool = NULL;
        g_assert_cmpint(fv_pool_new(&pool, threads), ==, 0);
        g_assert_cmpint(fv_pool_threads(pool), ==, threads);
        for (int j = 0; j < 3000; j++) {
            PoolJob job = {0};
            const int ntasks = 1 + j % 64;
            /* in order and by thread (fv_pool_run_affine), every other job */
            (j & 1 ? fv_pool_run_affine : fv_pool_run)(pool, ntasks, pool_task, &job);
            for (int t = 0; t < 64; t++)
                g_assert_cmpint(atomic_load(&job.runs[t]), ==, t < ntasks ? 1 : 0);
            int seen = 0;
            for (int t = 0; t < 8; t++) {
                g_assert_true(t < threads || atomic_load(&job.threads_seen[t]) == 0);
                seen += atomic_load(&job.threads_seen[t]);
            }
            g_assert_cmpint(seen, ==, ntasks);
            if (j % 500 == 499)
                g_usleep(2000); /* longer than the polling: the next job wakes sleepers */
        }
        fv_pool_free(&pool);
        g_assert_null(pool);
    }
}

/* An affine job hands task k to thread k mod threads: tasks 0 .. threads - 1 wait until every
 * thread has started one, so none can be taken by another thread, and each must run on its
 * own thread (the plain job hands them to whichever thread comes first). A thread that is
 * late leaves its tasks to the others: thread 1 sleeping in its first task, thread 0 runs
 * every other task, its own and thread 1's. */
typedef struct AffineJob {
    int threads, sleeper_ms;
    atomic_int started;
    atomic_int ran_on[64];
} AffineJob;

static void affine_task(void *ctx, int task, int thread)
{
    AffineJob *job = ctx;
    atomic_store(&job->ran_on[task], thread);
    if (task < job->threads && job->sleeper_ms == 0) {
        atomic_fetch_add(&job->started, 1);
        const gint64 give_up = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
        while (atomic_load(&job->started) < job->threads && g_get_monotonic_time() < give_up)
            g_usleep(50);
    }
    if (thread == 1 && job->sleeper_ms > 0 && atomic_fetch_add(&job->started, 1) == 0)
        g_usleep((gulong)job->sleeper_ms * 1000);
}

static void test_pool_affine_hands_tasks_by_thread(void)
{
    for (int threads = 2; threads <= 4; threads++) {
        FvPool *pool = NULL;
        g_assert_cmpint(fv_pool_new(&pool, threads), ==, 0);
        for (int j = 0; j < 50; j++) {
            AffineJob job = {.threads = threads};
            const int ntasks = threads * (1 + j % 3);
            for (int k = 0; k < 64; k++)
                atomic_init(&job.ran_on[k], -1);
            fv_pool_run_affine(pool, ntasks, affine_task, &job);
            g_assert_cmpint(atomic_load(&job.started), ==, threads);
            for (int k = 0; k < threads; k++)
                g_assert_cmpint(atomic_load(&job.ran_on[k]), ==, k);
            for (int k = threads; k < ntasks; k++)
                g_assert_cmpint(atomic_load(&job.ran_on[k]), >=, 0);
        }
        fv_pool_free(&pool);
    }
    FvPool *pool = NULL;
    g_assert_cmpint(fv_pool_new(&pool, 2), ==, 0);
    for (int j = 0; j < 3; j++) {
        AffineJob job = {.threads = 2, .sleeper_ms = 100};
        fv_pool_run_affine(pool, 20, affine_task, &job);
        int on0 = 0;
        for (int k = 0; k < 20; k++)
            on0 += atomic_load(&job.ran_on[k]) == 0;
        g_test_message("thread 1 asleep in its first task: thread 0 ran %d of 20", on0);
        g_assert_cmpint(on0, >=, 19);
    }
    fv_pool_free(&pool);
}

/* The pool's time accounts (fv_pool_time): a job's time is the caller's, start to end; the
 * threads' time running tasks is every thread's summed, never more than the threads' time in
 * jobs; a thread with nothing left to take waits, and that shows as threads x job time less
 * task time. Tasks that sleep give times known from below. */
static void sleep_task(void *ctx, int task, int thread)
{
    (void)thread;
    const int *ms = ctx;
    g_usleep((gulong)ms[task] * 1000);
}

static void test_pool_times_its_jobs(void)
{
    const uint64_t ms = 1000000;
    for (int threads = 1; threads <= 2; threads++) {
        FvPool *pool = NULL;
        g_assert_cmpint(fv_pool_new(&pool, threads), ==, 0);
        FvPoolTime t0 = fv_pool_time(pool);
        g_assert_cmpuint(t0.jobs, ==, 0);
        g_assert_cmpuint(t0.job_ns, ==, 0);
        g_assert_cmpuint(t0.task_ns, ==, 0);
        /* one task: the caller runs it alone, its time is the job's */
        const int one[] = {20};
        fv_pool_run(pool, 1, sleep_task, (void *)one);
        FvPoolTime t1 = fv_pool_time(pool);
        g_assert_cmpuint(t1.jobs, ==, 1);
        g_assert_cmpuint(t1.job_ns, >=, 20 * ms);
        g_assert_cmpuint(t1.task_ns, ==, t1.job_ns);
        /* four tasks of 10 ms: 40 ms of tasks however they are shared */
        const int four[] = {10, 10, 10, 10};
        fv_pool_run(pool, 4, sleep_task, (void *)four);
        FvPoolTime t2 = fv_pool_time(pool);
        const uint64_t job = t2.job_ns - t1.job_ns, task = t2.task_ns - t1.task_ns;
        g_test_message("%d threads, 4 x 10 ms: job %.1f ms, tasks %.1f ms", threads, job / 1e6,
                       task / 1e6);
        g_assert_cmpuint(t2.jobs, ==, 2);
        g_assert_cmpuint(task, >=, 40 * ms);
        g_assert_cmpuint(job, >=, 40 * ms / (uint64_t)threads);
        g_assert_cmpuint(task, <=, (uint64_t)threads * job);
        if (threads == 2) {
            /* a long task and a short one: the thread that took the short one (or found
             * none left) waits about the long one's time */
            const int uneven[] = {40, 0};
            fv_pool_run(pool, 2, sleep_task, (void *)uneven);
            FvPoolTime t3 = fv_pool_time(pool);
            const uint64_t j3 = t3.job_ns - t2.job_ns, k3 = t3.task_ns - t2.task_ns;
            g_test_message("40 ms and 0 ms on 2 threads: job %.1f ms, tasks %.1f ms", j3 / 1e6,
                           k3 / 1e6);
            g_assert_cmpuint(k3, >=, 40 * ms);
            g_assert_cmpuint(k3, <=, 2 * j3);
            g_assert_cmpuint(2 * j3 - k3, >=, 30 * ms);
        }
        fv_pool_free(&pool);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pool/runs-every-task-once", test_pool_runs_every_task_once);
    g_test_add_func("/pool/affine-hands-tasks-by-thread", test_pool_affine_hands_tasks_by_thread);
    g_test_add_func("/pool/times-its-jobs", test_pool_times_its_jobs);
    g_test_add_func("/sigma/invariants", test_sigma_invariants);
    g_test_add_func("/curves/sharp-holds-and-ramps", test_curve_sharp_holds_and_ramps);
    g_test_add_func("/curves/periodic-starts-near-trough", test_curve_periodic_starts_near_trough);
    g_test_add_func("/curves/periodic-matches-seed", test_curve_periodic_matches_seed);
    g_test_add_func("/curves/spline-knot-step-rule", test_curve_spline_knot_step_rule);
    g_test_add_func("/curves/spline-matches-scipy-quadratic", test_spline_matches_scipy_quadratic);
    g_test_add_func("/class/motion-rule-frequencies", test_class_motion_rule_frequencies);
    g_test_add_func("/alias/frequencies-match-det", test_alias_frequencies_match_det);
    g_test_add_func("/chaos/box-sum-equals-naive-splat", test_box_sum_equals_naive_splat);
    g_test_add_func("/chaos/box-sum-saturates", test_box_sum_saturates);
    g_test_add_func("/variations/finite-on-any-input", test_variations_finite);
    g_test_add_func("/variations/definitions", test_variation_definitions);
    g_test_add_func("/names/round-trip", test_names_round_trip);
    g_test_add_func("/settings/validation", test_settings_validation);
    g_test_add_func("/render/threads-give-identical-bits", test_threads_give_identical_bits);
    g_test_add_func("/render/frames-run-side-by-side", test_frames_run_side_by_side);
    g_test_add_func("/render/same-inputs-same-bits", test_same_inputs_same_bits_any_order);
    g_test_add_func("/render/clip-frame-count", test_clip_frame_count);
    g_test_add_func("/render/static-motion-is-a-still", test_static_motion_is_a_still);
    g_test_add_func("/render/framing-keeps-points-brightest-255",
                    test_framing_keeps_points_and_brightest_is_255);
    g_test_add_func("/render/degenerate-class-is-redrawn", test_degenerate_class_is_redrawn);
    g_test_add_func("/render/no-dark-frames", test_no_dark_frames);
    g_test_add_func("/render/unlabeled-clip-is-unperturbed", test_unlabeled_clip_is_unperturbed);
    g_test_add_func("/class/constant-translation-per-class", test_constant_translation_per_class);
    g_test_add_func("/class/redraw-keeps-structure", test_redraw_keeps_structure);
    g_test_add_func("/render/filter-skews-nothing", test_filter_skews_nothing);
    g_test_add_func("/render/huge-size-fails-cleanly", test_huge_size_fails_cleanly);
    g_test_add_func("/render/gray16-matches-gray8", test_gray16_matches_gray8);
    g_test_add_func("/render/cancel-stops-a-long-render", test_cancel_stops_a_long_render);
    g_test_add_func("/render/frame-normalization", test_frame_normalization);
    g_test_add_func("/render/tiny-sizes", test_tiny_sizes);
    g_test_add_func("/render/large-buffers-ask-for-huge-pages",
                    test_large_buffers_ask_for_huge_pages);
    return g_test_run();
}
