/* Weight curves of the motion (G3): linear, sharp, curve (a quadratic spline) and periodic.
 * Curves are drawn for the class's own clip length and evaluated at a clip position
 * u in [0, 1], so a clip of any length replays the same motion. */
#include "fv_internal.h"
#include "fvmath.h"

#include <math.h>

const double fv_curve_family_weights[3] = {0.2, 0.55, 0.25};

/* A C1 quadratic spline through the knots: each knot interval is two quadratic pieces
 * meeting at its midpoint, with the slope at every knot taken from its neighbours (central
 * differences). The one-knot-per-piece quadratic spline has a free slope whose error
 * alternates from interval to interval and can swing far outside [0, 1]; this one
 * overshoots about as much as the seed's curves do. */
void fv_spline_init(FvSpline *s, const double *y, int n)
{
    s->n = n;
    for (int k = 0; k < n; k++) {
        s->y[k] = y[k];
        if (k == 0)
            s->m[k] = y[1] - y[0];
        else if (k == n - 1)
            s->m[k] = y[n - 1] - y[n - 2];
        else
            s->m[k] = 0.5 * (y[k + 1] - y[k - 1]);
    }
}

static int spline_locate(const FvSpline *s, double u, double *frac)
{
    if (!(u > 0))
        u = 0;
    if (u > 1)
        u = 1;
    double pos = u * (s->n - 1);
    int k = (int)pos;
    if (k > s->n - 2)
        k = s->n - 2;
    *frac = pos - k;
    return k;
}

/* Second-order coefficients of interval k's two pieces: y_k + m_k t + a t^2 on [0, 1/2],
 * y_k+1 + m_k+1 (t - 1) + b (t - 1)^2 on [1/2, 1], equal in value and slope at 1/2. */
static void spline_piece(const FvSpline *s, int k, double *a, double *b)
{
    double delta = s->y[k + 1] - s->y[k];
    *a = 2.0 * delta - 1.5 * s->m[k] - 0.5 * s->m[k + 1];
    *b = s->m[k + 1] - s->m[k] - *a;
}

double fv_spline_eval(const FvSpline *s, double u)
{
    double t, a, b;
    int k = spline_locate(s, u, &t);
    spline_piece(s, k, &a, &b);
    if (t <= 0.5)
        return s->y[k] + s->m[k] * t + a * t * t;
    double v = t - 1.0;
    return s->y[k + 1] + s->m[k + 1] * v + b * v * v;
}

/* Integral over interval k from 0 to t (t in [0, 1]), in knot-interval units. */
static double spline_piece_integral(const FvSpline *s, int k, double t)
{
    double a, b;
    spline_piece(s, k, &a, &b);
    double h = t < 0.5 ? t : 0.5;
    double sum = s->y[k] * h + s->m[k] * h * h / 2.0 + a * h * h * h / 3.0;
    if (t > 0.5) {
        double v1 = t - 1.0, v0 = -0.5;
        double y1 = s->y[k + 1], m1 = s->m[k + 1];
        sum += (y1 * v1 + m1 * v1 * v1 / 2.0 + b * v1 * v1 * v1 / 3.0) -
               (y1 * v0 + m1 * v0 * v0 / 2.0 + b * v0 * v0 * v0 / 3.0);
    }
    return sum;
}

double fv_spline_integral(const FvSpline *s, double u)
{
    double t;
    int k = spline_locate(s, u, &t);
    double sum = 0;
    for (int j = 0; j < k; j++)
        sum += spline_piece_integral(s, j, 1.0);
    sum += spline_piece_integral(s, k, t);
    return sum / (s->n - 1);
}

double fv_spline_mean_step(const FvSpline *s)
{
    double sum = 0;
    for (int k = 0; k + 1 < s->n; k++)
        sum += fabs(s->y[k + 1] - s->y[k]);
    return sum / (s->n - 1);
}

static void spline_draw(FvSpline *s, int n, double lo, double hi, FvRng *rng)
{
    double y[FV_CURVE_MAX_KNOTS];
    for (int k = 0; k < n; k++)
        y[k] = fv_rng_uniform(rng, lo, hi);
    fv_spline_init(s, y, n);
}

static double periodic_raw(const FvCurve *c, double u)
{
    /* phase advances 2*pi per period, scaled by the wandering frequency */
    double phase = 2.0 * FV_PI * (c->frames - 1) / c->period * fv_spline_integral(&c->freq, u);
    return fv_spline_eval(&c->amp, u) * fv_sin(phase);
}

void fv_curve_draw(FvCurve *c, FvCurveKind kind, int frames, FvRng *rng)
{
    *c = (FvCurve){.kind = kind, .frames = frames};
    switch (kind) {
    case FV_CURVE_LINEAR:
        break;
    case FV_CURVE_SHARP:
        c->ramp = fv_rng_int(rng, 4, 8);
        c->hold = fv_rng_int(rng, 4, frames - c->ramp - 4 > 4 ? frames - c->ramp - 4 : 4);
        break;
    case FV_CURVE_SPLINE: {
        int n = fv_rng_int(rng, 5, 9);
        spline_draw(&c->spline, n, 0, 1, rng);
        while (c->redraws < 6 && !(fv_spline_mean_step(&c->spline) > 0.45)) {
            spline_draw(&c->spline, n, 0, 1, rng);
            c->redraws++;
        }
        break;
    }
    case FV_CURVE_PERIODIC:
        c->period = fv_rng_int(rng, 5, 15);
        spline_draw(&c->freq, FV_PERIODIC_KNOTS, 0.15, 1.7, rng);
        spline_draw(&c->amp, FV_PERIODIC_KNOTS, 0.6, 1.0, rng);
        c->amplitude = fv_rng_uniform(rng, 1.5, 4.0) * c->period / 100.0;
        c->lo = INFINITY;
        c->hi = -INFINITY;
        for (int i = 0; i <= 256; i++) {
            double v = periodic_raw(c, i / 256.0);
            c->lo = fmin(c->lo, v);
            c->hi = fmax(c->hi, v);
        }
        break;
    }
}

double fv_curve_eval(const FvCurve *c, double u)
{
    switch (c->kind) {
    case FV_CURVE_SHARP: {
        /* frames 0..hold-1 are 0; the ramp reaches 1 on frame hold+ramp-1 */
        double t = u * (c->frames - 1);
        double w = (t - (c->hold - 1)) / c->ramp;
        return w < 0 ? 0 : w > 1 ? 1 : w;
    }
    case FV_CURVE_SPLINE:
        return fv_spline_eval(&c->spline, u);
    case FV_CURVE_PERIODIC: {
        double span = c->hi - c->lo;
        if (!(span > 1e-12))
            return 0;
        double w = (periodic_raw(c, u) - c->lo) / span;
        w = w < 0 ? 0 : w > 1 ? 1 : w;
        return c->amplitude * w;
    }
    case FV_CURVE_LINEAR:
    default:
        return u;
    }
}
