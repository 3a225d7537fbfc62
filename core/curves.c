/* Weight curves of the motion (G3): linear, sharp, curve (a quadratic spline) and periodic,
 * drawn as the seed draws them. Curves are drawn for the class's own clip length T and
 * evaluated at a clip position u in [0, 1] (frame t of T is u = t / (T - 1)), so a clip of any
 * length replays the same motion and a clip of T frames gets the seed's values exactly. */
#include "fv_internal.h"
#include "fvmath.h"

#include <math.h>

const double fv_curve_family_weights[3] = {0.2, 0.55, 0.25};

/* ---- the quadratic interpolating spline (scipy's interp1d(kind='quadratic')) ----
 *
 * Data points at positions 0, 1, ..., n-1 (index units). Knots: 0 three times, the midpoints
 * between consecutive points except the first and the last (1.5, 2.5, ..., n-2.5), n-1 three
 * times: n + 3 knots, n quadratic B-splines, whose coefficients make the spline pass through
 * every data point (the collocation system). */

static double knot(int n, int l)
{
    return l <= 2 ? 0.0 : l >= n ? (double)(n - 1) : l - 1.5;
}

/* The knot interval l (2 <= l <= n-1) holding pos, pos clamped to [0, n-1]. */
static int knot_interval(int n, double pos)
{
    int l = 2;
    while (l < n - 1 && pos >= knot(n, l + 1))
        l++;
    return l;
}

/* The three B-splines that are non-zero on interval l, at pos (B_{l-2}, B_{l-1}, B_l). */
static void basis(int n, int l, double pos, double out[3])
{
    double left[3], right[3];
    out[0] = 1.0;
    for (int j = 1; j <= 2; j++) {
        left[j] = pos - knot(n, l + 1 - j);
        right[j] = knot(n, l + j) - pos;
        double saved = 0.0;
        for (int r = 0; r < j; r++) {
            double tmp = out[r] / (right[r + 1] + left[j - r]);
            out[r] = saved + right[r + 1] * tmp;
            saved = left[j - r] * tmp;
        }
        out[j] = saved;
    }
}

void fv_spline_init(FvSpline *s, const double *y, int n)
{
    /* Solve sum_j B_j(i) c_j = y_i by Gaussian elimination with partial pivoting (n <= 10). */
    double a[FV_SPLINE_MAX_POINTS][FV_SPLINE_MAX_POINTS + 1] = {{0}};
    s->n = n;
    for (int i = 0; i < n; i++) {
        double b[3];
        int l = knot_interval(n, i);
        basis(n, l, i, b);
        for (int r = 0; r < 3; r++)
            a[i][l - 2 + r] = b[r];
        a[i][n] = y[i];
        s->y[i] = y[i];
    }
    for (int col = 0; col < n; col++) {
        int pivot = col;
        for (int i = col + 1; i < n; i++)
            if (fabs(a[i][col]) > fabs(a[pivot][col]))
                pivot = i;
        for (int j = 0; j <= n; j++) {
            double t = a[col][j];
            a[col][j] = a[pivot][j];
            a[pivot][j] = t;
        }
        for (int i = col + 1; i < n; i++) {
            double f = a[i][col] / a[col][col];
            for (int j = col; j <= n; j++)
                a[i][j] -= f * a[col][j];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double v = a[i][n];
        for (int j = i + 1; j < n; j++)
            v -= a[i][j] * s->c[j];
        s->c[i] = v / a[i][i];
    }
}

double fv_spline_eval_at(const FvSpline *s, double pos)
{
    if (!(pos > 0))
        pos = 0;
    if (pos > s->n - 1)
        pos = s->n - 1;
    double b[3];
    int l = knot_interval(s->n, pos);
    basis(s->n, l, pos, b);
    return b[0] * s->c[l - 2] + b[1] * s->c[l - 1] + b[2] * s->c[l];
}

double fv_spline_eval(const FvSpline *s, double u)
{
    return fv_spline_eval_at(s, u * (s->n - 1));
}

double fv_spline_mean_step(const FvSpline *s)
{
    double sum = 0;
    for (int k = 0; k + 1 < s->n; k++)
        sum += fabs(s->y[k + 1] - s->y[k]);
    return sum / (s->n - 1);
}

void fv_spline_draw(FvSpline *s, int n, double lo, double hi, FvRng *rng)
{
    double y[FV_SPLINE_MAX_POINTS];
    for (int k = 0; k < n; k++)
        y[k] = fv_rng_uniform(rng, lo, hi);
    fv_spline_init(s, y, n);
}

/* ---- periodic ----
 *
 * The seed's random sine: on a fine grid x_j = 0.01 j over [0, 2 pi K), the phase is the
 * running sum of frequency(x_j) * 0.01 and the value (sin(phase - pi/2) * amplitude(x_j) + 1) / 2,
 * frequency and amplitude being quadratic splines through points pi apart; frame t takes
 * grid point t * step, step = (grid length) // (P K). */

#define PERIODIC_DX 0.01

/* Frequency and amplitude splines have their points pi apart: grid x to spline position. */
static double periodic_pos(double x)
{
    return x / FV_PI;
}

static double periodic_value(const FvCurve *c, double phase, double x)
{
    double amp = fv_spline_eval_at(&c->amp, periodic_pos(x));
    return c->amplitude * ((fv_sin(phase - FV_PI / 2) * amp + 1.0) / 2.0);
}

static double periodic_eval(const FvCurve *c, double t)
{
    int t0 = (int)t;
    if (t0 >= c->frames - 1 || t0 < 0 || t == t0) {
        t0 = t0 < 0 ? 0 : t0 > c->frames - 1 ? c->frames - 1 : t0;
        return periodic_value(c, c->phase[t0], (double)t0 * c->step * PERIODIC_DX);
    }
    /* between two frames (a clip longer than the class's own): walk the grid on from frame
     * t0 to the grid points around t * step and interpolate */
    double j = t * c->step;
    long j0 = (long)j, i = (long)t0 * c->step;
    double phase = c->phase[t0];
    for (; i < j0; i++)
        phase += fv_spline_eval_at(&c->freq, periodic_pos((double)(i + 1) * PERIODIC_DX)) *
                 PERIODIC_DX;
    double next =
        phase + fv_spline_eval_at(&c->freq, periodic_pos((double)(j0 + 1) * PERIODIC_DX)) *
                    PERIODIC_DX;
    double f = j - (double)j0;
    return periodic_value(c, phase + (next - phase) * f, j * PERIODIC_DX);
}

void fv_curve_periodic_init(FvCurve *c, int frames, int period, double amplitude,
                            const double *freq, const double *amp)
{
    *c = (FvCurve){.kind = FV_CURVE_PERIODIC, .frames = frames};
    c->period = period;
    c->periods = (frames + period - 1) / period;
    c->amplitude = amplitude;
    fv_spline_init(&c->freq, freq, 2 * c->periods + 2);
    fv_spline_init(&c->amp, amp, 2 * c->periods + 2);
    long grid = (long)ceil(2.0 * c->periods * FV_PI / PERIODIC_DX);
    c->step = (int)(grid / ((long)period * c->periods));
    /* the running phase at each frame's grid point */
    double phase = 0;
    long i = 0;
    for (int t = 0; t < frames; t++) {
        long target = (long)t * c->step;
        for (; i <= target; i++)
            phase += fv_spline_eval_at(&c->freq, periodic_pos((double)i * PERIODIC_DX)) *
                     PERIODIC_DX;
        c->phase[t] = phase;
    }
}

static void periodic_draw(FvCurve *c, int frames, FvRng *rng)
{
    int period = fv_rng_int(rng, 5, 15), periods = (frames + period - 1) / period;
    double amplitude = fv_rng_uniform(rng, 1.5, 4.0) * period / 100.0;
    /* data points at 0, pi, ..., (2K+1) pi */
    double freq[FV_SPLINE_MAX_POINTS], amp[FV_SPLINE_MAX_POINTS];
    for (int k = 0; k < 2 * periods + 2; k++)
        freq[k] = fv_rng_uniform(rng, 0.15, 1.7);
    for (int k = 0; k < 2 * periods + 2; k++)
        amp[k] = fv_rng_uniform(rng, 0.6, 1.0);
    fv_curve_periodic_init(c, frames, period, amplitude, freq, amp);
}

/* ---- curves ---- */

void fv_curve_draw(FvCurve *c, FvCurveKind kind, int frames, FvRng *rng)
{
    *c = (FvCurve){.kind = kind, .frames = frames};
    switch (kind) {
    case FV_CURVE_LINEAR:
        break;
    case FV_CURVE_SHARP:
        /* m points of linspace(0, 1, m) from frame a: first move at a + 1, 1 at a + m - 1 */
        c->ramp = fv_rng_int(rng, 4, 8);
        c->hold = fv_rng_int(rng, 4, frames - c->ramp - 4 > 4 ? frames - c->ramp - 4 : 4);
        break;
    case FV_CURVE_SPLINE: {
        /* at most six draws; the last is kept whatever its steps */
        int n = fv_rng_int(rng, 5, 9);
        for (c->draws = 1;; c->draws++) {
            fv_spline_draw(&c->spline, n, 0, 1, rng);
            if (c->draws == 6 || fv_spline_mean_step(&c->spline) > 0.45)
                break;
        }
        break;
    }
    case FV_CURVE_PERIODIC:
        periodic_draw(c, frames, rng);
        break;
    }
}

double fv_curve_eval(const FvCurve *c, double u)
{
    if (!(u > 0))
        u = 0;
    if (u > 1)
        u = 1;
    /* position in the class's own frames; a frame's own u gives back its index exactly */
    double t = u * (c->frames - 1), rt = nearbyint(t);
    if (fabs(t - rt) < 1e-9)
        t = rt;
    switch (c->kind) {
    case FV_CURVE_SHARP: {
        double w = (t - c->hold) / (c->ramp - 1);
        return w < 0 ? 0 : w > 1 ? 1 : w;
    }
    case FV_CURVE_SPLINE:
        return fv_spline_eval(&c->spline, u);
    case FV_CURVE_PERIODIC:
        return periodic_eval(c, t);
    case FV_CURVE_LINEAR:
    default:
        return u;
    }
}
