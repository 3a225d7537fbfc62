/* A class (G2, G3): n affine maps given by two key states of their SVD parameters and the
 * weight curves that move each map between them; and a sample's perturbation (G4). */
#include "fv_internal.h"
#include "fvmath.h"

#include <math.h>

enum { TAG_FRAMES = 1, TAG_ATTEMPT = 2, TAG_STRUCTURE = 3 };

int fv_class_frames(uint64_t class_key)
{
    FvRng rng;
    fv_rng_init(&rng, fv_key(class_key, TAG_FRAMES, 0));
    return fv_rng_int(&rng, FV_CLASS_MIN_FRAMES, FV_CLASS_MAX_FRAMES);
}

/* The seed's variation policy (G5): half linear, else one of seven, uniformly. */
static int draw_variation(FvRng *rng)
{
    static const char *const policy[] = {"horseshoe", "bent",    "fisheye", "popcorn",
                                         "cosine",    "eyefish", "cylinder"};
    if (fv_rng_uniform(rng, 0, 1) < 0.5)
        return FV_VARIATION_LINEAR;
    int v = FV_VARIATION_LINEAR;
    fv_variation_from_name(policy[fv_rng_int(rng, 0, 6)], &v);
    return v;
}

static FvCurveKind draw_family(FvRng *rng)
{
    return (FvCurveKind)(FV_CURVE_SHARP + fv_rng_weighted(rng, fv_curve_family_weights, 3));
}

/* What a redraw keeps: drawn from the class key alone. */
static void draw_structure(FvClass *cls, uint64_t key)
{
    FvRng rng;
    fv_rng_init(&rng, fv_key(key, TAG_STRUCTURE, 0));
    cls->n = fv_rng_int(&rng, FV_MIN_MAPS, FV_MAX_MAPS);
    cls->variation = draw_variation(&rng);
    cls->constant_translation = fv_rng_uniform(&rng, 0, 1) < 0.2;
    /* the motion rule (G3): all linear; one family for every map; or 1..2 families plus
     * linear, each map taking one of them */
    if (fv_rng_uniform(&rng, 0, 1) < 0.2) {
        cls->motion_rule = 0;
        cls->num_curves = 1;
        cls->curves[0].kind = FV_CURVE_LINEAR;
    } else if (fv_rng_uniform(&rng, 0, 1) < 0.4) {
        cls->motion_rule = 1;
        cls->num_curves = 1;
        cls->curves[0].kind = draw_family(&rng);
    } else {
        cls->motion_rule = 2;
        int k = fv_rng_int(&rng, 1, 2 < cls->n ? 2 : cls->n);
        for (int j = 0; j < k; j++)
            cls->curves[j].kind = draw_family(&rng);
        cls->curves[k].kind = FV_CURVE_LINEAR;
        cls->num_curves = k + 1;
    }
    for (int i = 0; i < cls->n; i++)
        cls->curve_of_map[i] = cls->num_curves > 1 ? fv_rng_int(&rng, 0, cls->num_curves - 1) : 0;
}

void fv_class_draw(FvClass *cls, uint64_t key, int attempt)
{
    *cls = (FvClass){.key = key};
    cls->frames = fv_class_frames(key);
    draw_structure(cls, key);
    const int n = cls->n;

    FvRng rng;
    fv_rng_init(&rng, fv_key(key, TAG_ATTEMPT, (uint64_t)attempt));
    double s1[FV_MAX_MAPS], s2[FV_MAX_MAPS];
    cls->alpha_start = fv_sigma_sample(&rng, n, s1, s2);
    for (int i = 0; i < n; i++) {
        cls->start[i].s1 = s1[i];
        cls->start[i].s2 = s2[i];
    }
    cls->alpha_end = fv_sigma_sample(&rng, n, s1, s2);
    for (int i = 0; i < n; i++) {
        cls->end[i].s1 = s1[i];
        cls->end[i].s2 = s2[i];
    }
    for (int i = 0; i < n; i++) {
        FvKeyState *a = &cls->start[i], *b = &cls->end[i];
        a->theta = fv_rng_uniform(&rng, 0, 2 * FV_PI);
        a->phi = fv_rng_uniform(&rng, 0, 2 * FV_PI);
        b->theta = a->theta + fv_rng_uniform(&rng, -FV_PI, FV_PI);
        b->phi = a->phi + fv_rng_uniform(&rng, -FV_PI, FV_PI);
        a->e = fv_rng_uniform(&rng, -1, 1);
        a->f = fv_rng_uniform(&rng, -1, 1);
        if (cls->constant_translation) {
            b->e = a->e;
            b->f = a->f;
        } else {
            b->e = fv_rng_uniform(&rng, -1, 1);
            b->f = fv_rng_uniform(&rng, -1, 1);
        }
        cls->sign1x[i] = (fv_rng_next(&rng) >> 63) ? -1.0 : 1.0;
        cls->sign1y[i] = (fv_rng_next(&rng) >> 63) ? -1.0 : 1.0;
        cls->sign2x[i] = (fv_rng_next(&rng) >> 63) ? -1.0 : 1.0;
        cls->sign2y[i] = (fv_rng_next(&rng) >> 63) ? -1.0 : 1.0;
    }
    /* the weight curves' own parameters (G3) */
    for (int j = 0; j < cls->num_curves; j++)
        fv_curve_draw(&cls->curves[j], cls->curves[j].kind, cls->frames, &rng);
}

void fv_compose(const FvClass *cls, int i, const FvKeyState *k, FvMap *out)
{
    /* A = R(theta) D1 diag(s1, s2) R(phi) D2 */
    /* libm-free trigonometry: the same bits on every machine (E5) */
    double ct, st, cp, sp;
    fv_sincos(k->theta, &st, &ct);
    fv_sincos(k->phi, &sp, &cp);
    /* M = diag(s1, s2) R(phi) D2 */
    double m00 = k->s1 * cp * cls->sign2x[i], m01 = -k->s1 * sp * cls->sign2y[i];
    double m10 = k->s2 * sp * cls->sign2x[i], m11 = k->s2 * cp * cls->sign2y[i];
    /* N = D1 M */
    m00 *= cls->sign1x[i];
    m01 *= cls->sign1x[i];
    m10 *= cls->sign1y[i];
    m11 *= cls->sign1y[i];
    out->a = ct * m00 - st * m10;
    out->b = ct * m01 - st * m11;
    out->c = st * m00 + ct * m10;
    out->d = st * m01 + ct * m11;
    out->e = k->e;
    out->f = k->f;
}

static double lerp(double a, double b, double w)
{
    return a + (b - a) * w;
}

void fv_class_maps(const FvClass *cls, FvMotion motion, int t, int frames, FvMap *maps)
{
    double u = frames > 1 ? (double)t / (frames - 1) : 0.0;
    for (int i = 0; i < cls->n; i++) {
        if (motion == FV_MOTION_STATIC) {
            fv_compose(cls, i, &cls->start[i], &maps[i]);
        } else if (motion == FV_MOTION_NAIVE) {
            FvMap a, b;
            fv_compose(cls, i, &cls->start[i], &a);
            fv_compose(cls, i, &cls->end[i], &b);
            maps[i] = (FvMap){lerp(a.a, b.a, u), lerp(a.b, b.b, u), lerp(a.c, b.c, u),
                              lerp(a.d, b.d, u), lerp(a.e, b.e, u), lerp(a.f, b.f, u)};
        } else {
            double w = motion == FV_MOTION_LINEAR
                           ? u
                           : fv_curve_eval(&cls->curves[cls->curve_of_map[i]], u);
            const FvKeyState *a = &cls->start[i], *b = &cls->end[i];
            FvKeyState k = {lerp(a->theta, b->theta, w), lerp(a->phi, b->phi, w),
                            lerp(a->s1, b->s1, w),       lerp(a->s2, b->s2, w),
                            lerp(a->e, b->e, w),         lerp(a->f, b->f, w)};
            fv_compose(cls, i, &k, &maps[i]);
        }
    }
}

void fv_perturb_draw(FvPerturb *p, uint64_t sample_key)
{
    FvRng rng;
    fv_rng_init(&rng, fv_key(sample_key, 0x7065727475726231ull, 0));
    /* the same quadratic spline as G3's curves, through 4..7 points */
    for (int k = 0; k < 6; k++)
        fv_spline_draw(&p->mult[k], fv_rng_int(&rng, 4, 7), 1.0 - FV_PERTURB_MULT,
                       1.0 + FV_PERTURB_MULT, &rng);
    for (int i = 0; i < FV_MAX_MAPS; i++)
        for (int k = 0; k < 6; k++)
            p->offset[i][k] = fv_rng_uniform(&rng, -FV_PERTURB_ADD, FV_PERTURB_ADD);
}

void fv_perturb_apply(const FvPerturb *p, double u, int n, FvMap *maps)
{
    double mult[6];
    for (int k = 0; k < 6; k++)
        mult[k] = fv_spline_eval(&p->mult[k], u);
    for (int i = 0; i < n; i++) {
        double *c = &maps[i].a;
        for (int k = 0; k < 6; k++)
            c[k] = c[k] * mult[k] + p->offset[i][k];
    }
}
