/* Internal interfaces of the core, shared by its files and by the unit tests. */
#ifndef FV_INTERNAL_H
#define FV_INTERNAL_H

#include "fractalvid.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define FV_PI 3.14159265358979323846
#define FV_MIN_MAPS 3
#define FV_MAX_MAPS 8

/* ---- random numbers (rng.c): counter-based, so any draw is a pure function ---- */

/* splitmix64's finaliser: a bijective 64-bit mix. */
static inline uint64_t fv_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The counter-th draw of the stream named by key. */
static inline uint64_t fv_draw(uint64_t key, uint64_t counter)
{
    return fv_mix64(key + (counter + 1) * UINT64_C(0x9e3779b97f4a7c15));
}

/* Uniform double in [0, 1) from 53 random bits. */
static inline double fv_unit(uint64_t r)
{
    return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

/* A sequential stream: key plus a counter. */
typedef struct FvRng {
    uint64_t key;
    uint64_t counter;
} FvRng;

/* Key of a named sub-stream of key (hash of key, tag and index). */
uint64_t fv_key(uint64_t key, uint64_t tag, uint64_t index);
void fv_rng_init(FvRng *rng, uint64_t key);
uint64_t fv_rng_next(FvRng *rng);
/* Uniform in [lo, hi). */
double fv_rng_uniform(FvRng *rng, double lo, double hi);
/* Uniform integer in lo..hi inclusive. */
int fv_rng_int(FvRng *rng, int lo, int hi);
/* Index drawn from weights[0..n-1] (non-negative, not all zero). */
int fv_rng_weighted(FvRng *rng, const double *weights, int n);

/* ---- sigma-factor sampler (sigma.c, G2) ---- */

/* Singular values of n maps with sum(s1 + 2*s2) = alpha, 0 <= s2 <= s1 <= 1, ordered by
 * decreasing s1*s2. Returns alpha. */
double fv_sigma_sample(FvRng *rng, int n, double *s1, double *s2);

/* ---- weight curves (curves.c, G3) ---- */

typedef enum FvCurveKind {
    FV_CURVE_LINEAR = 0,
    FV_CURVE_SHARP,
    FV_CURVE_SPLINE, /* the seed's "curve" */
    FV_CURVE_PERIODIC
} FvCurveKind;

/* Data points of a spline: 9 for a curve, 7 for G4, 2K + 2 <= 10 for a periodic curve. */
#define FV_SPLINE_MAX_POINTS 10
/* Frames a class draws for its clips (G1: 18..20). */
#define FV_CLASS_MIN_FRAMES 18
#define FV_CLASS_MAX_FRAMES 20

/* The quadratic interpolating spline of scipy's interp1d(kind='quadratic') (G3) through
 * n evenly spaced data points: a quadratic B-spline with knots at the midpoints between
 * points (the first and last midpoint left out) whose coefficients solve the collocation
 * system. */
typedef struct FvSpline {
    int n;                          /* data points, 3..FV_SPLINE_MAX_POINTS */
    double y[FV_SPLINE_MAX_POINTS]; /* data values */
    double c[FV_SPLINE_MAX_POINTS]; /* B-spline coefficients */
} FvSpline;

/* The spline through y[0..n-1] placed at positions 0..n-1. */
void fv_spline_init(FvSpline *s, const double *y, int n);
/* n data values drawn U(lo, hi) from rng, then fv_spline_init. */
void fv_spline_draw(FvSpline *s, int n, double lo, double hi, FvRng *rng);
/* Value at pos in [0, n-1] (clamped). */
double fv_spline_eval_at(const FvSpline *s, double pos);
/* Value at u in [0, 1]: the data points evenly spaced over [0, 1]. */
double fv_spline_eval(const FvSpline *s, double u);

typedef struct FvCurve {
    FvCurveKind kind;
    int frames; /* the class's own clip length T the curve was drawn for */
    /* sharp: 0 up to frame hold, linspace(0, 1, ramp) from frame hold, then 1 */
    int hold, ramp;
    /* spline ("curve") */
    FvSpline spline;
    int draws; /* draws of the data values it took (1..6) */
    /* periodic */
    int period, periods;               /* P frames, K = ceil(T / P) periods */
    double amplitude;                  /* U(1.5, 4) * P / 100 */
    FvSpline freq, amp;                /* wandering frequency and amplitude, points pi apart */
    int step;                          /* grid points between frames */
    double phase[FV_CLASS_MAX_FRAMES]; /* running phase at each frame's grid point */
} FvCurve;

extern const double fv_curve_family_weights[3]; /* sharp, curve, periodic */

/* Draw a curve of the given kind for a clip of frames frames. */
void fv_curve_draw(FvCurve *c, FvCurveKind kind, int frames, FvRng *rng);
/* A periodic curve from its drawn values: freq and amp hold 2 ceil(frames / period) + 2 data
 * points each. */
void fv_curve_periodic_init(FvCurve *c, int frames, int period, double amplitude,
                            const double *freq, const double *amp);
/* Weight at u in [0, 1] (clip start to clip end). */
double fv_curve_eval(const FvCurve *c, double u);
/* Mean absolute step between consecutive knots of a spline. */
double fv_spline_mean_step(const FvSpline *s);

/* ---- a class and its per-frame maps (class.c, G2-G4) ---- */

typedef struct FvKeyState {
    double theta, phi, s1, s2, e, f;
} FvKeyState;

typedef struct FvClass {
    uint64_t key;  /* identifies the system */
    int n;         /* maps, 3..8 */
    int frames;    /* clip length drawn by the class (18..20) */
    int variation; /* drawn by the policy (G5) */
    double alpha_start, alpha_end;
    FvKeyState start[FV_MAX_MAPS], end[FV_MAX_MAPS];
    double sign1x[FV_MAX_MAPS], sign1y[FV_MAX_MAPS]; /* D1 */
    double sign2x[FV_MAX_MAPS], sign2y[FV_MAX_MAPS]; /* D2 */
    bool constant_translation; /* every map keeps its start translation (G2, per class) */
    int motion_rule;           /* 0: all linear, 1: one family for all, 2: mixed */
    int num_curves;
    FvCurve curves[3];
    int curve_of_map[FV_MAX_MAPS];
} FvClass;

/* A 2-D affine map: x' = a x + b y + e, y' = c x + d y + f. */
typedef struct FvMap {
    double a, b, c, d, e, f;
} FvMap;

/* Per-sample perturbation (G4). */
typedef struct FvPerturb {
    FvSpline mult[6];              /* multiplier curves, one per coefficient */
    double offset[FV_MAX_MAPS][6]; /* constant offsets per map and coefficient */
} FvPerturb;

#define FV_PERTURB_MULT 0.4
#define FV_PERTURB_ADD 0.2

/* Draw class attempt `attempt` of the class stream key. Every attempt keeps the class's
 * structure (number of maps, variation, frames, motion rule with its curve families, constant
 * translations) and redraws the rest (G9: a redraw skews nothing). */
void fv_class_draw(FvClass *cls, uint64_t key, int attempt);
/* Frames a class draws (18..20), independent of redraws. */
int fv_class_frames(uint64_t class_key);
/* Compose the 2x2 linear part of map i from parameters. */
void fv_compose(const FvClass *cls, int i, const FvKeyState *k, FvMap *out);
/* Maps of frame t of a clip of frames frames, before perturbation. */
void fv_class_maps(const FvClass *cls, FvMotion motion, int t, int frames, FvMap *maps);
void fv_perturb_draw(FvPerturb *p, uint64_t sample_key);
/* Apply a perturbation to maps at clip position u in [0, 1]. */
void fv_perturb_apply(const FvPerturb *p, double u, int n, FvMap *maps);

/* ---- variations (variations.c, G5) ---- */

/* Apply variation v to (x, y) after map m; rnd supplies randomness to the random ones.
 * Finite output for any input, including NaN and huge values. */
void fv_variation_apply(int v, const FvMap *m, uint64_t rnd, double *x, double *y);

/* ---- map choice (alias.c) ---- */

typedef struct FvAlias {
    int n;
    uint32_t threshold[FV_MAX_MAPS]; /* keep column i when the low 32 bits are below */
    uint8_t alias[FV_MAX_MAPS];
} FvAlias;

/* Build an alias table for probabilities proportional to weights (uniform if all ~0). */
void fv_alias_build(FvAlias *t, const double *weights, int n);
/* Choose a column with one 64-bit random number. */
static inline int fv_alias_choose(const FvAlias *t, uint64_t r)
{
    int i = (int)(((r >> 32) * (uint64_t)t->n) >> 32);
    return (uint32_t)r < t->threshold[i] ? i : t->alias[i];
}

/* ---- the chaos game (chaos.c, G6) ---- */

#define FV_WALKERS 128
/* Tasks per frame; a lane's walkers advance in lockstep, one AVX-512 vector of 8 (the
 * output does not depend on the grouping: walker w's streams are keyed by w alone). */
#define FV_LANES 16
#define FV_WALKERS_PER_LANE (FV_WALKERS / FV_LANES)
/* Lanes a SIMD kernel may advance together, as one task (fv_chaos_lanes): more independent
 * vectors in flight; the same walks, so the same counts. */
#define FV_LANE_GROUP 4
#define FV_DISCARD 200
#define FV_RESET_DISCARD 20
#define FV_RUNAWAY 1e10

/* A window a warped point (x, y) must lie in (G10): (a, b) = (a x + b y + e, c x + d y + f)
 * inside [0, w) x [0, h). */
typedef struct FvWindow {
    double a, b, c, d, e, f;
    double w, h;
} FvWindow;
#define FV_MAX_WINDOWS 2

/* Where a warped point lands (G10: scale, placement, shifts, perspective, pan, zoom and shake
 * as one map of the plotted points).
 * - rect: the warp is axis-aligned and folded into the system's sx, ox, sy, oy; the point's
 *   pixel (u, v) is kept inside [clip[0], clip[1]) x [clip[2], clip[3]) (the plain frame's
 *   edges, moved, and the image's, in one test).
 * - else: the world point (x, y) is kept inside [clip[0], clip[1]) x [clip[2], clip[3]) (the
 *   plain frame, in world coordinates) and inside every window, and plotted at
 *   (X / Z, Y / Z), with X = m[0] x + m[1] y + m[2], Y = m[3] x + m[4] y + m[5],
 *   Z = m[6] x + m[7] y + m[8] (sx, ox, sy, oy folded in); an affine warp (not projective)
 *   skips the division: X / 1 is X. */
typedef struct FvWarp {
    bool rect;
    double clip[4];
    int windows;
    FvWindow window[FV_MAX_WINDOWS];
    double m[9];
    bool projective;
} FvWarp;

/* The map choices of a sample's walks, kept from the first frame rendered for the next ones:
 * every frame of a clip draws the same random numbers (G6), and only the alias table that
 * turns a draw into a map changes from frame to frame. One 16-bit word per lane, draw and
 * walker: the column (low 3 bits) and the top 13 bits of the draw's low half above it. Those
 * settle the alias test (low half below the column's threshold) unless they equal the
 * threshold's top 13 bits; then the kernel draws again. A lane's words are written by the
 * one task that runs the lane in a frame and read in later frames (fv_pool_run in between). */
/* Draws a lane keeps: 16 MiB, all of a 960x540 clip's at the seed's density, the first ones
 * of a larger clip's (counted in the renderer's memory need) */
#define FV_CHOICE_MAX_STEPS (1u << 16)
typedef struct FvChoices {
    uint16_t *words; /* [FV_LANES][steps][FV_WALKERS_PER_LANE] */
    uint32_t steps;  /* draws a lane has room for */
    uint64_t sample_key;
    int n;                     /* maps of the systems the columns are of */
    uint32_t filled[FV_LANES]; /* draws of each lane written (0: none yet) */
} FvChoices;
/* Bytes of the words of steps draws a lane */
static inline uint64_t fv_choices_bytes(uint64_t steps)
{
    return steps * FV_LANES * FV_WALKERS_PER_LANE * sizeof(uint16_t);
}

/* One frame's system, ready for the chaos game. */
typedef struct FvSystem {
    int n;
    FvMap maps[FV_MAX_MAPS];
    FvAlias alias;
    int variation;
    /* world -> pixel: px = x * sx + ox, py = y * sy + oy */
    double sx, ox, sy, oy;
    /* a lane stops early (its histogram is then thrown away) once this is set; NULL: never */
    const atomic_int *cancel;
    /* the pixel then goes through warp (effects, G10); false for plain clips */
    bool warped;
    FvWarp warp;
    /* the sample's map choices kept by the renderer (render_counts), or NULL: a kernel uses
     * them only for the sample_key and map count they are of */
    FvChoices *choices;
} FvSystem;

/* The pixel of world point (x, y) of sys in a width x height image: true, and *px, *py, when
 * it lands inside (the plain frame's test, or the warp's, G10). The plotting rule of every
 * chaos-game kernel. */
static inline __attribute__((always_inline)) bool fv_plot_point(const FvSystem *sys, double x,
                                                                double y, int width, int height,
                                                                double *px, double *py)
{
    if (!sys->warped || sys->warp.rect) {
        double u = x * sys->sx + sys->ox, v = y * sys->sy + sys->oy;
        const double *c = sys->warp.clip;
        *px = u;
        *py = v;
        if (!sys->warped)
            return u >= 0 && u < width && v >= 0 && v < height;
        return u >= c[0] && u < c[1] && v >= c[2] && v < c[3];
    }
    const FvWarp *w = &sys->warp;
    bool in = x >= w->clip[0] && x < w->clip[1] && y >= w->clip[2] && y < w->clip[3];
    for (int k = 0; k < w->windows; k++) {
        const FvWindow *q = &w->window[k];
        double a = q->a * x + q->b * y + q->e, b = q->c * x + q->d * y + q->f;
        in = in && a >= 0 && a < q->w && b >= 0 && b < q->h;
    }
    double X = w->m[0] * x + w->m[1] * y + w->m[2];
    double Y = w->m[3] * x + w->m[4] * y + w->m[5];
    if (w->projective) {
        double rz = 1.0 / (w->m[6] * x + w->m[7] * y + w->m[8]);
        X = X * rz;
        Y = Y * rz;
    }
    *px = X;
    *py = Y;
    return in && X >= 0 && X < width && Y >= 0 && Y < height;
}

/* One more hit on a histogram counter, saturating at UINT32_MAX: a frame can plot more than
 * 2^32 points (density x width x height), and a wrapped counter would make pixels depend on
 * how lanes were shared among threads. */
static inline void fv_hist_add(uint32_t *counter)
{
    /* an increment in memory and a branch never taken in practice: fewer instructions than
     * a compare before the add, in the kernels' hottest loop */
    if (__builtin_expect(++*counter == 0, 0))
        *counter = UINT32_MAX;
}

/* Iterations between a lane's looks at sys->cancel: a few hundred points, so a cancel is
 * prompt however many points a lane has to plot, even while every point faults in a page of
 * a big histogram (tens of microseconds each at the start of a large frame). The look is a
 * relaxed load, nothing next to the points. */
#define FV_CANCEL_ITERS 32
static inline bool fv_system_cancelled(const FvSystem *sys)
{
    return sys->cancel && atomic_load_explicit(sys->cancel, memory_order_relaxed) != 0;
}

/* Start point of walker w of a sample (same for every frame, G6). */
void fv_walker_start(uint64_t sample_key, int w, double *x, double *y);

/* Run lane `lane` (walkers lane*FV_WALKERS_PER_LANE ..) for iters plotted iterations,
 * adding 1 to hist[py * width + px] for each point inside width x height.
 * Returns the number of points inside. Reference C version. */
uint64_t fv_chaos_lane_ref(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                           uint32_t *hist, int width, int height);
/* Faster version, bit-exact with the reference. */
uint64_t fv_chaos_lane(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                       uint32_t *hist, int width, int height);

/* The lane kernels behind fv_chaos_lane, each bit-exact with fv_chaos_lane_ref
 * (tests/core/test_kernels.c); fv_chaos_lane runs the fastest one this CPU has. */
typedef uint64_t (*FvLaneKernel)(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                                 uint32_t *hist, int width, int height);
enum { FV_KERNEL_SCALAR, FV_KERNEL_AVX2, FV_KERNEL_AVX512, FV_NUM_KERNELS };
/* Kernel k for variation v, or NULL when this build, this CPU or that kernel lacks it. */
FvLaneKernel fv_chaos_kernel(int k, int variation);
/* Name of kernel k: "scalar", "avx2", "avx512". */
const char *fv_chaos_kernel_name(int k);
/* Walker w's walk and reset streams and its start point. */
void fv_walker_init(uint64_t sample_key, int w, uint64_t *walk, uint64_t *reset, double *x,
                    double *y);
/* Where a walker restarts after running away at draw i of its reset stream (G9). */
void fv_walker_reset(uint64_t reset, uint64_t i, double *x, double *y);
/* SIMD kernels (chaos_avx2.c, chaos_avx512.c, x86-64), giving the scalar bits; callers check
 * the CPU. The variations the AVX2 and AVX-512 kernels handle: all but those of pow or fmod
 * (power, rings, fan). */
bool fv_chaos_simd_handles(int variation);
uint64_t fv_chaos_lane_avx2(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                            uint32_t *hist, int width, int height);
uint64_t fv_chaos_lane_avx512(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                              uint32_t *hist, int width, int height);
/* Lanes lane..lane+FV_LANE_GROUP-1 at once: the sum of those lanes' fv_chaos_lane_ref. */
uint64_t fv_chaos_group_avx2(const FvSystem *sys, uint64_t sample_key, int lane, uint32_t iters,
                             uint32_t *hist, int width, int height);
uint64_t fv_chaos_group_avx512(const FvSystem *sys, uint64_t sample_key, int lane,
                               uint32_t iters, uint32_t *hist, int width, int height);
/* fv_probe_points_ref's points, in its order, with the lane kernels' walk. */
int fv_chaos_probe_avx2(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points);
int fv_chaos_probe_avx512(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points);
/* Group kernel k (lanes lane..lane+FV_LANE_GROUP-1) and probe kernel k for a variation, or
 * NULL as fv_chaos_kernel. */
FvLaneKernel fv_chaos_group_kernel(int k, int variation);
typedef int (*FvProbeKernel)(const FvSystem *sys, uint64_t sample_key, double *xy,
                             int max_points);
FvProbeKernel fv_chaos_probe_kernel(int k, int variation);
/* The kernel fv_chaos_lane, fv_chaos_lanes and fv_probe_points run for a variation: the
 * fastest on this CPU, measured on first use (FV_NO_SIMD=1: scalar). */
int fv_chaos_best_kernel(int variation);
/* Whether fv_chaos_lanes runs a group of FV_LANE_GROUP lanes with the best kernel's group
 * kernel (true) or lane by lane (false): whichever measured faster with it, on first use. */
bool fv_chaos_best_grouped(int variation);
/* How many variations this process has measured the kernels of: one thread measures, alone,
 * while threads asking for the same or another variation meanwhile wait for it. */
int fv_chaos_measured(void);
/* Of n ways to run a variation (ways of kernel[c] each), each timed once on a short walk
 * (ns[c]), which ones the measurement times in full: every way of each kernel whose fastest
 * way took at most FV_WAYS_KEPT_RATIO times the fastest of all (a kernel, not a way, is
 * dropped: one way's slow run alone does not drop its kernel). keep[c] set; returns how many
 * are kept (at least 1 when n > 0). */
#define FV_WAYS_KEPT_RATIO 1.5
int fv_chaos_ways_kept(int n, const int *kernel, const double *ns, bool *keep);
/* Lanes lane..lane+nlanes-1 into one histogram: with nlanes FV_LANE_GROUP, one group. */
uint64_t fv_chaos_lanes(const FvSystem *sys, uint64_t sample_key, int lane, int nlanes,
                        uint32_t iters, uint32_t *hist, int width, int height);

/* The instruction sets fv_box3_segment, fv_mark_points and fv_dilate3 are compiled for; the
 * same results on each */
typedef enum { FV_ISA_PLAIN, FV_ISA_AVX2, FV_ISA_AVX512, FV_NUM_ISAS } FvIsa;
/* Whether this build and CPU run isa */
bool fv_isa_runs(FvIsa isa);
/* The widest instruction set this build and CPU run, found on first use (FV_NO_SIMD=1: the
 * plain build, as for the chaos game) */
FvIsa fv_isa_best(void);

/* Sum each pixel's 3x3 neighbourhood (zero outside) of rows y0..y1-1: out may not alias in. */
void fv_box3_rows(const uint32_t *in, uint32_t *out, int width, int height, int y0, int y1);
/* One row of it from the rows above and below (NULL outside the image) and the row itself. */
void fv_box3_row(const uint32_t *up, const uint32_t *mid, const uint32_t *dn, uint32_t *out,
                 int width);
/* Columns at most this many wide are boxed at once (fv_box3_segment). */
#define FV_BOX_CHUNK 256
/* n columns of a row's 3x3 sums from three rows' segments of n + 2 columns each, the
 * columns one before to one after them (zero outside the image). */
void fv_box3_segment(const uint32_t *up, const uint32_t *mid, const uint32_t *dn, uint32_t *out,
                     int n);
typedef void (*FvBox3SegmentFn)(const uint32_t *up, const uint32_t *mid, const uint32_t *dn,
                                uint32_t *out, int n);
/* fv_box3_segment compiled for isa, or NULL when this build or CPU has no such variant;
 * fv_box3_segment runs the widest */
FvBox3SegmentFn fv_box3_segment_for(FvIsa isa);
/* out[i] = min(UINT32_MAX, a[i] + b[i]) for i < n (out may be a), compiled for isa, or NULL
 * when this build or CPU has no such variant */
typedef void (*FvAddSatSegmentFn)(uint32_t *out, const uint32_t *a, const uint32_t *b, int n);
FvAddSatSegmentFn fv_add_sat_segment_for(FvIsa isa);
/* Naive 3x3 splat of points, the definition the box sum must equal (tests). */
void fv_splat3_naive(const int *px, const int *py, size_t npoints, uint32_t *out, int width,
                     int height);

/* ---- effects (effects.c, G10) ---- */

/* One axis of the shake: n sines of frequencies freq (rad per frame) and one phase, plus
 * per-frame noise, scaled to a standard deviation of target pixels. */
typedef struct FvShakeAxis {
    int n;
    double freq[5];
    double phase;
    uint64_t noise_key;
    double target;
} FvShakeAxis;

/* The dynamic background's frames held at once, at most (its window). */
#define FV_EFFECTS_MAX_WINDOW 64
/* A panned background's canvas is drawn on at most this many pixels, or the frame's. */
#define FV_EFFECTS_CANVAS_PIXELS (1 << 21)

/* The effects of one clip, drawn (fv_effects_plan), for a clip of frames frames. */
typedef struct FvEffectsPlan {
    FvEffectsInfo info;
    int frames, width, height;
    FvShakeAxis shake[2];
    int shake_lo[2], shake_hi[2]; /* range of the whole-pixel shake (fv_effects_frames) */
    uint64_t walk_key;            /* the dynamic background's random walk */
} FvEffectsPlan;

/* Draw the effects of clip clip_index of s (frames frames): which apply and their values. */
void fv_effects_plan(const FvSettings *s, uint64_t clip_index, int frames, FvEffectsPlan *plan);
/* Every frame's effect values into out[0..frames-1]; completes plan (the shake's range). */
int fv_effects_frames(FvEffectsPlan *plan, FvEffectsFrame *out);
/* Warp sys (a plain frame's system) to plot the fractal (clone false) or its clone at frame t
 * (G10 2-9); returns the area of the plain frame's image over the frame's area (points needed
 * per plain point). */
double fv_effects_warp(const FvEffectsPlan *plan, const FvEffectsFrame *f, int t, bool clone,
                       FvSystem *sys);
/* Turn sys->warp, written on the plain frame's pixels (u, v) (its map and windows), into
 * the warp of world points the kernels plot through: sx, ox, sy, oy folded in, the plain
 * frame width x height as its clip box. */
void fv_warp_on_world(FvSystem *sys, int width, int height);
/* The map from an output pixel to the blend's canvas at frame t (the camera's inverse);
 * false when it has none. */
bool fv_effects_camera_inverse(const FvEffectsPlan *plan, const FvEffectsFrame *f, int t,
                               double m[9]);
/* Where the blend canvas's origin lies on the static background's canvas at frame t. */
void fv_effects_background_offset(const FvEffectsPlan *plan, int t, double off[2]);
/* Size of the background's canvas and the map from a background frame's pixel to it:
 * canvas = (transform[0] u + transform[1], transform[2] v + transform[3]); *scale is the
 * canvas's pixels per pixel of the blend's canvas (below 1 when a large frame's pan would
 * make it larger than its budget). */
void fv_effects_background_canvas(const FvEffectsPlan *plan, int *width, int *height,
                                  double transform[4], double *scale);
/* The settings of the clips backgrounds come from: the unlabeled stream of s. */
void fv_effects_background_settings(const FvSettings *s, FvSettings *bg);

/* ---- framing (framing.c, G7) ---- */

#define FV_PROBE_GRID 128
#define FV_PROBE_WALKERS 32
#define FV_PROBE_ITERS 600

typedef struct FvBox {
    double x0, y0, x1, y1;
} FvBox;

/* Probe points of a frame's system (in world coordinates): the first FV_PROBE_ITERS plotted
 * points of the render's walkers 0..FV_PROBE_WALKERS-1, so a subset of the render's own
 * points. Returns points written. */
int fv_probe_points(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points);
/* The plain C reference of fv_probe_points: its points in the order of iterations, then
 * walkers (the SIMD probes give the same array). */
int fv_probe_points_ref(const FvSystem *sys, uint64_t sample_key, double *xy, int max_points);
/* out = in dilated by one pixel (each pixel the OR of its 3x3 block, clipped at the border)
 * for 0/1 images; returns the pixels set. The reference, and the faster two-pass one (tmp:
 * width x height scratch; out may be in), equal on every image (tests/core/test_kernels.c). */
int fv_dilate3_ref(const uint8_t *in, uint8_t *out, int width, int height);
int fv_dilate3(const uint8_t *in, uint8_t *out, uint8_t *tmp, int width, int height);
/* fv_dilate3's count alone, without writing the image (ring: 4 x width + 2 bytes of
 * scratch). */
int fv_dilate3_count(const uint8_t *in, uint8_t *ring, int width, int height);
/* Set hit[(int)py * size + (int)px] to 1 for each of the n points (x, y) of xy whose
 * (px, py) = (x * sx + ox, y * sy + oy) lies in [0, size)^2; hit has size * size + 1 bytes,
 * the last a slot for the points outside. */
void fv_mark_points(const double *xy, int n, double sx, double ox, double sy, double oy, int size,
                    uint8_t *hit);
typedef void (*FvMarkPointsFn)(const double *xy, int n, double sx, double ox, double sy, double oy,
                               int size, uint8_t *hit);
typedef int (*FvDilateFn)(const uint8_t *in, uint8_t *out, uint8_t *tmp, int width, int height);
typedef int (*FvDilateCountFn)(const uint8_t *in, uint8_t *ring, int width, int height);
/* fv_mark_points, fv_dilate3 and fv_dilate3_count compiled for isa, or NULL when this build or
 * CPU has no such variant; the functions themselves run the widest (FV_NO_SIMD=1: the plain
 * one) */
FvMarkPointsFn fv_mark_points_for(FvIsa isa);
FvDilateFn fv_dilate3_for(FvIsa isa);
FvDilateCountFn fv_dilate3_count_for(FvIsa isa);
/* Box holding keep (0.9) of the occupied cells of the points, seed-style peeling. */
int fv_probe_box(const double *xy, int npoints, double keep, FvBox *box);
/* World -> pixel transform of sys from a box, padding pad (0.1) on each side. */
void fv_framing_set(FvSystem *sys, const FvBox *box, double pad, int width, int height);
/* Frame t of frames of a class as a system (its maps, perturbed when perturb is not NULL,
 * and their alias table), not yet framed and not warped (render.c). */
void fv_system_build(FvSystem *sys, const FvClass *cls, FvMotion motion, int variation,
                     const FvPerturb *perturb, int t, int frames);

/* ---- tone mapping (tonemap.c, G8) ---- */

/* Log code of a count: round(log(1 + count) * FV_LOG_SCALE), fits 16 bits for 32-bit counts. */
#define FV_LOG_SCALE 2048.0
uint16_t fv_log_code(uint32_t count);
/* Denominator of the clip's tone map: max(FV_LOG_SCALE, largest code) (G8's max(1, ...)). */
static inline uint32_t fv_tone_denominator(uint16_t max_code)
{
    return max_code > (uint16_t)FV_LOG_SCALE ? max_code : (uint32_t)FV_LOG_SCALE;
}

/* ---- thread pool (pool.c) ---- */

typedef struct FvPool FvPool;
typedef void (*FvTaskFunc)(void *ctx, int task, int thread);
int fv_pool_new(FvPool **out, int threads);
void fv_pool_free(FvPool **p);
int fv_pool_threads(const FvPool *p);
/* Run fn(ctx, task, thread) for task in 0..ntasks-1 on all threads, started in that order;
 * returns when all ran. */
void fv_pool_run(FvPool *p, int ntasks, FvTaskFunc fn, void *ctx);
/* fv_pool_run, task k run by thread k mod threads unless that thread is late (the others
 * take what it has left, after their own): jobs that split data by task alike keep each part
 * on one core. Tasks are not started in order. */
void fv_pool_run_affine(FvPool *p, int ntasks, FvTaskFunc fn, void *ctx);
/* Jobs run on p so far (fv_pool_run and fv_pool_run_affine): each one ends when its last task
 * does (a barrier). */
uint64_t fv_pool_jobs(const FvPool *p);
/* Time in p's jobs so far (monotonic clock, ns): job_ns, the jobs' time from start to end
 * as the caller saw it; task_ns, the time its threads ran tasks, summed over threads (a
 * job of one task, or a pool of one thread, runs on the caller alone). threads x job_ns -
 * task_ns is their time waiting within jobs for the job's last task. */
typedef struct FvPoolTime {
    uint64_t jobs, job_ns, task_ns;
} FvPoolTime;
FvPoolTime fv_pool_time(const FvPool *p);

/* ---- memory (memory.c) ---- */

/* Bytes the process can still take, and the limit that binds (NULL when none is known). */
typedef struct FvMemoryRoom {
    uint64_t bytes;
    const char *limit; /* "MemAvailable", "cgroup memory.max", "RLIMIT_AS", ... */
} FvMemoryRoom;
/* The room by the files under root ("" for the real ones): /proc/meminfo's MemAvailable and
 * the limits of the cgroups of /proc/self/cgroup, every level, v2 and v1. */
FvMemoryRoom fv_memory_room_at(const char *root);
/* The real room, RLIMIT_AS included. */
FvMemoryRoom fv_memory_room(void);
/* Histogram copies a renderer holds now (at most one per lane running at once). */
int fv_renderer_histograms(const FvRenderer *r);
/* Frames a class draws at most (fv_class_frames: 18..20), for memory needs of clip_frames 0. */
#define FV_CLASS_MAX_FRAMES 20

/* ---- degenerate classes (render.c, G9) ---- */

/* A class, or a sample, is redrawn when one of its framed frames lights under this fraction
 * of the image at FV_LIT_SIZE x FV_LIT_SIZE, bounded from below by its probe points (G9). */
#define FV_MIN_LIT_FRACTION 0.05
#define FV_LIT_SIZE 256
#define FV_MAX_REDRAWS 32
/* Nominal frame size of the class check (the estimate does not depend on it). */
#define FV_CHECK_SIZE 128

/* Smallest estimated lit fraction of the class's unperturbed frames (the class's degeneracy
 * check). */
double fv_class_lit_fraction(FvRenderer *r, const FvClass *cls, FvMotion motion, int variation,
                             int frames, int attempt);
/* Key of the class stream of settings s for clip clip_index. */
uint64_t fv_class_key(const FvSettings *s, uint64_t clip_index);
/* Key of the sample stream (G4, G6). */
uint64_t fv_sample_key(const FvSettings *s, uint64_t clip_index);
/* The framed systems of clip clip_index's frames, as fv_render_clip draws them (class and
 * sample redraws included), into out[0..max-1], and the labels known before rendering into
 * *info (may be NULL). Returns the clip's frame count or a negative errno. */
int fv_render_systems(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvSystem *out,
                      int max, FvClipInfo *info);

/* ---- the blend (blend.c, G10 5, 6) ---- */

/* x^e is read from a table over [0, 1] of this many steps, linearly interpolated. */
#define FV_BLEND_STEPS 4096

/* One frame's blend of fractal and background. */
typedef struct FvBlend {
    double m[9];    /* output pixel (its centre) -> the blend's canvas: the camera's inverse */
    double scale;   /* the blend's canvas -> the background's: q scale + off */
    double off[2];  /* (the offset less the background's pixel centres' 0.5) */
    bool framed;    /* perspective: black off the quad [0, width) x [0, height) */
    bool max_blend; /* pixel max, else the mix */
    double alpha;
    int width, height, cw, ch;
    const uint16_t *canvas; /* cw x ch background values (b, or b^0.75 for the mix), and one
                               spare value after them */
    const uint16_t *fg;     /* the fractal's value of each log code, and one spare */
    const double *fg075;    /* (fg / 65535)^0.75 of each log code */
    const double *pow_e;    /* x^e at i / FV_BLEND_STEPS, i = 0..FV_BLEND_STEPS + 1 (the last
                               repeated) */
} FvBlend;

/* Blend row y: row holds the fractal's log codes, gets the output's 16-bit values. */
typedef void (*FvBlendRow)(const FvBlend *b, int y, uint16_t *row);
void fv_blend_row_ref(const FvBlend *b, int y, uint16_t *row);
/* The fastest row function this CPU has (simd false: the reference), the same bits. */
FvBlendRow fv_blend_row_kernel(bool simd);

/* ---- clips with effects (composite.c, G10) and what render.c lends them ---- */

/* A rendered clip. */
struct FvClip {
    bool valid;
    FvClipInfo info;
    uint16_t *codes; /* frames held x width x height: log codes (G8), or linear values */
    size_t codes_cap;
    uint16_t max_code;   /* of the frames held */
    uint16_t *frame_max; /* per frame held, under FV_NORMALIZATION_FRAME */
    size_t frame_max_cap;
    uint32_t lut_d; /* lut8 holds the 8-bit values of codes 0..max_code for this denominator */
    bool linear;    /* codes hold linear 16-bit values (a clip blended with a background) */
    bool effects;   /* effect_frames holds the frames' effect values */
    FvEffectsFrame *effect_frames;
    size_t effect_frames_cap;
    uint8_t lut8[65536];
};

typedef struct FvComposite FvComposite;

/* Render frames first .. first + count - 1 of clip clip_index of s, whose effects are not 0,
 * into out (fv_render_clip's and fv_render_frame's job); count is the whole clip unless
 * s->normalization is FV_NORMALIZATION_FRAME. */
int fv_composite_frames(FvRenderer *r, const FvSettings *s, uint64_t clip_index, int first,
                        int count, FvClip *out);
void fv_composite_free(FvComposite **c);
/* What clips with effects of s hold beyond a plain clip's (held frames of a clip of frames):
 * *bytes of scratch and histograms of up to *hist_pixels; for the clip of plan, or, plan
 * NULL, at most for any clip. */
void fv_composite_need(const FvSettings *s, const FvEffectsPlan *plan, int frames, int held,
                       uint64_t *hist_pixels, uint64_t *bytes);

/* Room for frames x pixels codes in c (-ENOMEM beyond the machine's memory), and frames'
 * maxima when per_frame; not linear. */
int fv_clip_reserve(FvClip *c, size_t frames, size_t pixels, bool per_frame);
/* The 8-bit tone table of codes up to max_code under denominator d (G8). */
void fv_clip_set_tone(FvClip *c, uint16_t max_code, uint32_t d);
/* Check a render with effects against the memory the process can still take, before
 * anything is allocated (as a plain render's): held frames of a clip of frames, histograms
 * of up to hist_pixels, and extra bytes of composite.c's scratch (extra_growth of them not
 * held yet). -ENOMEM with fv_renderer_error() naming the need and the limit. Lowers the
 * histogram copies fv_render_reserve takes when that makes it fit. */
int fv_render_budget(FvRenderer *r, const FvClip *out, const FvSettings *s, int frames, int held,
                     uint64_t hist_pixels, uint64_t extra, uint64_t extra_growth);
/* Scratch for frames of pixels and clips of frames. */
int fv_render_reserve(FvRenderer *r, size_t pixels, size_t frames);
/* The chaos game of sys (iters plotted iterations per walker) as 3x3 counts: the renderer's
 * scratch, valid until its next use; *inside the points that landed in the image. */
const uint32_t *fv_render_counts(FvRenderer *r, const FvSystem *sys, uint64_t sample_key,
                                 uint32_t iters, int width, int height, uint64_t *inside);
/* Plotted iterations per walker for points points. */
uint32_t fv_render_iters(double points);
/* Log codes of counts below 65536. */
const uint16_t *fv_render_log_table(const FvRenderer *r);
/* fv_pool_run on the renderer's threads. */
void fv_render_run(FvRenderer *r, int ntasks, FvTaskFunc fn, void *ctx);
/* fv_pool_jobs and fv_pool_time of the renderer's threads */
uint64_t fv_render_jobs(const FvRenderer *r);
FvPoolTime fv_render_time(const FvRenderer *r);
bool fv_render_cancelled(FvRenderer *r);
/* Where the renderer keeps composite.c's scratch (freed with the renderer). */
FvComposite **fv_render_composite(FvRenderer *r);
/* As fv_render_systems, also giving the sample's key (the chaos game's stream). */
int fv_render_select(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvSystem *out,
                     int max, FvClipInfo *info, uint64_t *sample_key);
/* Frames frames[0..n-1] of clip clip_index of s into out, framed on those frames alone, the
 * class redrawn while they are degenerate (G9), and the sample's key: what a background needs
 * of a clip (not its other frames). 0, -ENOMEM or -ECANCELED. */
int fv_render_frames_systems(FvRenderer *r, const FvSettings *s, uint64_t clip_index,
                             const int *frames, int n, FvSystem *out, uint64_t *sample_key);

#endif
