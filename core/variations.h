/* The flame variations (G5), after "The Fractal Flame Algorithm" (Draves & Reckase), with
 * epsilon guards so every one stays finite on any input, NaN and huge values included.
 * Inline, so the chaos game can compile one loop per variation. */
#ifndef FV_VARIATIONS_H
#define FV_VARIATIONS_H

#include "fv_internal.h"
#include "fvmath.h"

#include <math.h>

#define FV_EPS 1e-10

enum FvVariationIndex {
    V_LINEAR,
    V_SINUSOIDAL,
    V_SPHERICAL,
    V_SWIRL,
    V_HORSESHOE,
    V_POLAR,
    V_HANDKERCHIEF,
    V_HEART,
    V_DISC,
    V_SPIRAL,
    V_HYPERBOLIC,
    V_DIAMOND,
    V_EX,
    V_JULIA,
    V_BENT,
    V_WAVES,
    V_FISHEYE,
    V_POPCORN,
    V_EXPONENTIAL,
    V_POWER,
    V_COSINE,
    V_RINGS,
    V_FAN,
    V_EYEFISH,
    V_BUBBLE,
    V_CYLINDER,
    V_NOISE,
    V_TANGENT,
    V_RAYS,
    V_BLADE,
    V_CROSS
};

/* The random variations: they read the step's draw (fv_variation_eval's rnd). */
#define FV_READS_DRAWS(v) ((v) == V_JULIA || (v) == V_NOISE || (v) == V_RAYS || (v) == V_BLADE)

/* X(V) for every variation index, for code that compiles one copy per variation. */
#define FV_FOR_EACH_VARIATION(X)                                                                   \
    X(V_LINEAR)                                                                                    \
    X(V_SINUSOIDAL)                                                                                \
    X(V_SPHERICAL)                                                                                 \
    X(V_SWIRL)                                                                                     \
    X(V_HORSESHOE)                                                                                 \
    X(V_POLAR)                                                                                     \
    X(V_HANDKERCHIEF)                                                                              \
    X(V_HEART)                                                                                     \
    X(V_DISC)                                                                                      \
    X(V_SPIRAL)                                                                                    \
    X(V_HYPERBOLIC)                                                                                \
    X(V_DIAMOND)                                                                                   \
    X(V_EX)                                                                                        \
    X(V_JULIA)                                                                                     \
    X(V_BENT)                                                                                      \
    X(V_WAVES)                                                                                     \
    X(V_FISHEYE)                                                                                   \
    X(V_POPCORN)                                                                                   \
    X(V_EXPONENTIAL)                                                                               \
    X(V_POWER)                                                                                     \
    X(V_COSINE)                                                                                    \
    X(V_RINGS)                                                                                     \
    X(V_FAN)                                                                                       \
    X(V_EYEFISH)                                                                                   \
    X(V_BUBBLE)                                                                                    \
    X(V_CYLINDER)                                                                                  \
    X(V_NOISE)                                                                                     \
    X(V_TANGENT)                                                                                   \
    X(V_RAYS)                                                                                      \
    X(V_BLADE)                                                                                     \
    X(V_CROSS)

/* Keep inputs where the walker reset threshold (G9) would keep them. */
static inline double fv_sane(double v)
{
    /* min/max forms the compiler turns into minsd/maxsd, no branches; NaN becomes the bound */
    v = v < FV_RUNAWAY ? v : FV_RUNAWAY;
    return v > -FV_RUNAWAY ? v : -FV_RUNAWAY;
}

/* min(v, 0) without a branch */
static inline double fv_neg_part(double v)
{
    return v < 0.0 ? v : 0.0;
}

/* Guard a divisor's magnitude away from zero, keeping its sign. */
static inline double fv_nz(double v)
{
    return fabs(v) < FV_EPS ? (v < 0 ? -FV_EPS : FV_EPS) : v;
}

/* Uniform [0, 1) from random bits not used by the map choice. */
static inline double fv_rnd_unit(uint64_t rnd, int which)
{
    return fv_unit(fv_mix64(rnd + (uint64_t)(which + 1) * UINT64_C(0x9e3779b97f4a7c15)));
}

static inline __attribute__((always_inline)) void
fv_variation_eval(int v, const FvMap *m, uint64_t rnd, double *px, double *py)
{
    double x = fv_sane(*px), y = fv_sane(*py), ox = x, oy = y;
    /* radius and angle only where a variation uses them: atan2 is the dearest call here.
     * Every transcendental is fvmath.h's: libm-free, so the same bits on every machine. */
#define R2 (x * x + y * y)
#define TH fv_atan2(y, x)
    switch (v) {
    case V_LINEAR:
        break;
    case V_SINUSOIDAL:
        ox = fv_sin(x);
        oy = fv_sin(y);
        break;
    case V_SPHERICAL: {
        double r2 = R2;
        ox = x / (r2 + FV_EPS);
        oy = y / (r2 + FV_EPS);
        break;
    }
    case V_SWIRL: {
        double r2 = R2;
        double s, c;
        fv_sincos(r2, &s, &c);
        ox = x * s - y * c;
        oy = x * c + y * s;
        break;
    }
    case V_HORSESHOE: {
        double r2 = R2, r = sqrt(r2);
        ox = (x - y) * (x + y) / (r + FV_EPS);
        oy = 2 * x * y / (r + FV_EPS);
        break;
    }
    case V_POLAR: {
        double r2 = R2, r = sqrt(r2), th = TH;
        ox = th / FV_PI;
        oy = r - 1;
        break;
    }
    case V_HANDKERCHIEF: {
        double r2 = R2, r = sqrt(r2), th = TH;
        ox = r * fv_sin(th + r);
        oy = r * fv_cos(th - r);
        break;
    }
    case V_HEART: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double s, c;
        fv_sincos(th * r, &s, &c);
        ox = r * s;
        oy = -r * c;
        break;
    }
    case V_DISC: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double s, c;
        fv_sincos(FV_PI * r, &s, &c);
        ox = th / FV_PI * s;
        oy = th / FV_PI * c;
        break;
    }
    case V_SPIRAL: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double st, ct, sr, cr;
        fv_sincos(th, &st, &ct);
        fv_sincos(r, &sr, &cr);
        ox = (ct + sr) / (r + FV_EPS);
        oy = (st - cr) / (r + FV_EPS);
        break;
    }
    case V_HYPERBOLIC: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double st, ct;
        fv_sincos(th, &st, &ct);
        ox = st / (r + FV_EPS);
        oy = r * ct;
        break;
    }
    case V_DIAMOND: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double st, ct, sr, cr;
        fv_sincos(th, &st, &ct);
        fv_sincos(r, &sr, &cr);
        ox = st * cr;
        oy = ct * sr;
        break;
    }
    case V_EX: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double p0 = fv_sin(th + r), p1 = fv_cos(th - r);
        p0 = p0 * p0 * p0;
        p1 = p1 * p1 * p1;
        ox = r * (p0 + p1);
        oy = r * (p0 - p1);
        break;
    }
    case V_JULIA: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double omega = (rnd >> 63) ? FV_PI : 0.0, sr = sqrt(r);
        double s, c;
        fv_sincos(th / 2 + omega, &s, &c);
        ox = sr * c;
        oy = sr * s;
        break;
    }
    case V_BENT:
        /* x doubled where negative, y halved where negative; exact, and branch-free */
        ox = x + fv_neg_part(x);
        oy = y - 0.5 * fv_neg_part(y);
        break;
    case V_WAVES:
        /* Draves's (x + b sin(y / c^2), y + e sin(x / f^2)) with his c, e, f read as the
         * translation x, the second row's d and the translation y (G5) */
        ox = x + m->b * fv_sin(y / fv_nz(m->e * m->e));
        oy = y + m->d * fv_sin(x / fv_nz(m->f * m->f));
        break;
    case V_FISHEYE: {
        double r2 = R2, r = sqrt(r2);
        /* the seed's definition swaps the coordinates (G5) */
        ox = 2 * y / (r + 1);
        oy = 2 * x / (r + 1);
        break;
    }
    case V_POPCORN:
        ox = x + m->e * fv_sin(fv_tan(3 * y));
        oy = y + m->f * fv_sin(fv_tan(3 * x));
        break;
    case V_EXPONENTIAL: {
        double g = fv_exp(fmin(x - 1, 700.0)), s, c;
        fv_sincos(FV_PI * y, &s, &c);
        ox = g * c;
        oy = g * s;
        break;
    }
    case V_POWER: {
        double r2 = R2, r = sqrt(r2), th = TH;
        double st, ct;
        fv_sincos(th, &st, &ct);
        double p = fv_pow(r, st);
        ox = p * ct;
        oy = p * st;
        break;
    }
    case V_COSINE: {
        /* tanh replaces cosh and sinh, which overflow (G5) */
        double s, c, t = fv_tanh(y);
        fv_sincos(FV_PI * x, &s, &c);
        ox = c * t;
        oy = -s * t;
        break;
    }
    case V_RINGS: {
        double r2 = R2, r = sqrt(r2), th = TH;
        /* Draves's c is the translation x (G5) */
        double c2 = m->e * m->e + FV_EPS;
        double k = fv_fmod(r + c2, 2 * c2) - c2 + r * (1 - c2), st, ct;
        fv_sincos(th, &st, &ct);
        ox = k * ct;
        oy = k * st;
        break;
    }
    case V_FAN: {
        double r2 = R2, r = sqrt(r2), th = TH;
        /* Draves's c and f are the translations (G5) */
        double t = FV_PI * m->e * m->e + FV_EPS, a;
        /* a modulo with the divisor's sign, as the seed's np.mod (C's fmod keeps the
         * dividend's, which would always turn a negative angle the same way) */
        double phase = fv_fmod(th + m->f, t);
        if (phase < 0)
            phase += t;
        if (phase > t / 2)
            a = th - t / 2;
        else
            a = th + t / 2;
        double s, c;
        fv_sincos(a, &s, &c);
        ox = r * c;
        oy = r * s;
        break;
    }
    case V_EYEFISH: {
        double r2 = R2, r = sqrt(r2);
        ox = 2 * x / (r + 1);
        oy = 2 * y / (r + 1);
        break;
    }
    case V_BUBBLE: {
        double r2 = R2;
        ox = 4 * x / (r2 + 4);
        oy = 4 * y / (r2 + 4);
        break;
    }
    case V_CYLINDER:
        ox = fv_sin(x);
        break;
    case V_NOISE: {
        double p1 = fv_rnd_unit(rnd, 0), p2 = fv_rnd_unit(rnd, 1);
        double s, c;
        fv_sincos(2 * FV_PI * p2, &s, &c);
        ox = p1 * x * c;
        oy = p1 * y * s;
        break;
    }
    case V_TANGENT:
        ox = fv_sin(x) / fv_nz(fv_cos(y));
        oy = fv_tan(y);
        break;
    case V_RAYS: {
        double r2 = R2;
        double p = fv_rnd_unit(rnd, 0);
        double k = fv_tan(p * FV_PI) / (r2 + FV_EPS), s, c;
        fv_sincos(x, &s, &c);
        ox = k * c;
        oy = k * s;
        break;
    }
    case V_BLADE: {
        double r2 = R2, r = sqrt(r2);
        double p = fv_rnd_unit(rnd, 0), s, c;
        fv_sincos(p * r, &s, &c);
        ox = x * (c + s);
        oy = x * (c - s);
        break;
    }
    case V_CROSS: {
        double k = fabs(x * x - y * y);
        k = 1.0 / (k + FV_EPS);
        ox = k * x;
        oy = k * y;
        break;
    }
    default:
        break;
    }
#undef R2
#undef R
#undef TH
    /* Clamp rather than propagate: an infinite or NaN output is a runaway walker (G9). */
    *px = fv_sane(ox);
    *py = fv_sane(oy);
}

#endif
