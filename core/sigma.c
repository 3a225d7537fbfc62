/* The sigma-factor sampler of Anderson & Farrell (G2): singular values of n maps whose
 * total sigma factor sum(s1 + 2*s2) is alpha, which keeps the system contractive. */
#include "fv_internal.h"

#include <math.h>

static double clamp_range(FvRng *rng, double lo, double hi)
{
    /* Rounding can leave hi a hair below lo; the interval is then a point. */
    if (hi < lo)
        hi = lo;
    return fv_rng_uniform(rng, lo, hi);
}

double fv_sigma_sample(FvRng *rng, int n, double *s1, double *s2)
{
    double alpha = fv_rng_uniform(rng, (5.0 + n) / 2.0, (6.0 + n) / 2.0);
    double lo = alpha - 3.0 * n + 3.0, hi = alpha;
    for (int i = 0; i < n - 1; i++) {
        double a = clamp_range(rng, fmax(0.0, lo / 3.0), fmin(1.0, hi));
        lo -= a;
        hi -= a;
        double b = clamp_range(rng, fmax(0.0, lo / 2.0), fmin(a, hi / 2.0));
        lo = lo - 2.0 * b + 3.0;
        hi -= 2.0 * b;
        s1[i] = a;
        s2[i] = b;
    }
    double b = clamp_range(rng, fmax(0.0, (hi - 1.0) / 2.0), hi / 3.0);
    s2[n - 1] = b;
    s1[n - 1] = hi - 2.0 * b;

    /* Order by decreasing s1*s2 (insertion sort: n <= 8). */
    for (int i = 1; i < n; i++) {
        double a = s1[i], c = s2[i];
        int j = i - 1;
        while (j >= 0 && s1[j] * s2[j] < a * c) {
            s1[j + 1] = s1[j];
            s2[j + 1] = s2[j];
            j--;
        }
        s1[j + 1] = a;
        s2[j + 1] = c;
    }
    return alpha;
}
