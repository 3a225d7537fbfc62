/* Walker's alias method (Vose's construction) for choosing a map in proportion to |det A|
 * (G2) with one random number. Every column gets a threshold and an alias, which the
 * seed's table did not guarantee (G9). */
#include "fv_internal.h"

#include <math.h>

void fv_alias_build(FvAlias *t, const double *weights, int n)
{
    double q[FV_MAX_MAPS], total = 0;
    int small[FV_MAX_MAPS], large[FV_MAX_MAPS], ns = 0, nl = 0;

    t->n = n;
    for (int i = 0; i < n; i++) {
        double w = weights[i];
        q[i] = (w > 0 && isfinite(w)) ? w : 0;
        total += q[i];
    }
    for (int i = 0; i < n; i++) {
        q[i] = (total > 1e-300 && isfinite(total)) ? q[i] * n / total : 1.0;
        t->alias[i] = (uint8_t)i;
        if (q[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        int s = small[--ns], l = large[nl - 1];
        t->threshold[s] = (uint32_t)fmin(4294967295.0, floor(q[s] * 4294967296.0 + 0.5));
        t->alias[s] = (uint8_t)l;
        q[l] -= 1.0 - q[s];
        if (q[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* What is left is (up to rounding) exactly full: keep it always. */
    while (nl > 0) {
        int l = large[--nl];
        t->threshold[l] = UINT32_MAX;
        t->alias[l] = (uint8_t)l;
    }
    while (ns > 0) {
        int s = small[--ns];
        t->threshold[s] = UINT32_MAX;
        t->alias[s] = (uint8_t)s;
    }
}
