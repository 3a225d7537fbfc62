/* The SIMD kernels' shared functions (chaos_simd.h): which variations have kernels, the rare
 * runaway lanes, the walkers' set-up. The kernels are chaos_avx2.c and chaos_avx512.c. */
#include "chaos_simd.h"

#if FV_SIMD && FV_HAVE_FVMATH_SIMD

bool fv_chaos_simd_handles(int variation)
{
    switch (variation) {
        SIMD_VARIATIONS(CASE)
        RANDOM_VARIATIONS(CASE)
        return true;
    default:
        return false;
    }
}

/* The rare lanes of one vector where some walker ran away: the reference's step and plot,
 * one walker at a time, from the vector's new points nx, ny. */
void fv_simd_fix_up(const FvSystem *sys, int lanes, const double *nx, const double *ny, double *x,
                    double *y, int64_t *skip, const uint64_t *reset, uint64_t i, uint32_t *hist,
                    int width, int height, uint64_t *inside, double *pts_x, double *pts_y,
                    size_t *npts)
{
    for (int l = 0; l < lanes; l++) {
        if (!(__builtin_fabs(nx[l]) < FV_RUNAWAY && __builtin_fabs(ny[l]) < FV_RUNAWAY)) {
            fv_walker_reset(reset[l], i, &x[l], &y[l]);
            skip[l] = FV_RESET_DISCARD;
            continue;
        }
        x[l] = nx[l];
        y[l] = ny[l];
        if (skip[l]) {
            skip[l]--;
            continue;
        }
        if (pts_x) { /* a probe: the point itself */
            pts_x[*npts] = nx[l];
            pts_y[*npts] = ny[l];
            (*npts)++;
            continue;
        }
        double px, py;
        if (fv_plot_point(sys, nx[l], ny[l], width, height, &px, &py)) {
            fv_hist_add(&hist[(size_t)(int)py * (size_t)width + (size_t)(int)px]);
            (*inside)++;
        }
    }
}

void fv_simd_lane_setup(LaneSetup *s, const FvSystem *sys, uint64_t sample_key, int lane, int lanes)
{
    memset(s, 0, sizeof(*s));
    for (int j = 0; j < FV_WALKERS_PER_LANE * lanes; j++)
        fv_walker_init(sample_key, lane * FV_WALKERS_PER_LANE + j, &s->walk[j], &s->reset[j],
                       &s->x[j], &s->y[j]);
    for (int i = 0; i < sys->alias.n && i < FV_MAX_MAPS; i++) {
        const FvMap *m = &sys->maps[i];
        s->coef[0][i] = m->a;
        s->coef[1][i] = m->b;
        s->coef[2][i] = m->c;
        s->coef[3][i] = m->d;
        s->coef[4][i] = m->e;
        s->coef[5][i] = m->f;
        s->threshold[i] = sys->alias.threshold[i];
        s->alias[i] = sys->alias.alias[i];
    }
}

#else /* no SIMD kernels in this build */

bool fv_chaos_simd_handles(int variation)
{
    (void)variation;
    return false;
}

#endif
