/* Counter-based random numbers: every draw is a pure function of (key, counter), so no
 * draw depends on thread scheduling or on which draws came before it (E5). */
#include "fv_internal.h"

uint64_t fv_key(uint64_t key, uint64_t tag, uint64_t index)
{
    uint64_t h = fv_mix64(key ^ UINT64_C(0x6a09e667f3bcc909));
    h = fv_mix64(h + tag * UINT64_C(0x9e3779b97f4a7c15));
    return fv_mix64(h ^ (index + UINT64_C(0xbb67ae8584caa73b)));
}

void fv_rng_init(FvRng *rng, uint64_t key)
{
    rng->key = key;
    rng->counter = 0;
}

uint64_t fv_rng_next(FvRng *rng)
{
    return fv_draw(rng->key, rng->counter++);
}

double fv_rng_uniform(FvRng *rng, double lo, double hi)
{
    return lo + (hi - lo) * fv_unit(fv_rng_next(rng));
}

int fv_rng_int(FvRng *rng, int lo, int hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    /* Multiply-shift: bias below 2^-32 for the tiny spans used here. */
    return lo + (int)(((fv_rng_next(rng) >> 32) * span) >> 32);
}

int fv_rng_weighted(FvRng *rng, const double *weights, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    double u = fv_rng_uniform(rng, 0, total);
    for (int i = 0; i < n; i++) {
        if (u < weights[i])
            return i;
        u -= weights[i];
    }
    return n - 1;
}
