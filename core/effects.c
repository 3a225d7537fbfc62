/* Emulation of real video (G10): which effects a clip gets, their drawn values, and the
 * geometry they make. Pure functions of the settings, the clip index and the augment seed.
 *
 * The seed applies its effects to decoded 112 px clips of 8 frames; here every size and speed
 * is a fraction of the frame (x of its width, y of its height) and every duration a fraction
 * of the clip, so a clip looks the same at any size and length. Scale and placement, the
 * shifts, perspective, pan, zoom and shake are one map of pixel coordinates per frame, which
 * the chaos game plots through (FvWarp: sharp at any size, no resampling); the background
 * and the blend are done by composite.c. */
#include "fv_internal.h"
#include "fvmath.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
    TAG_AUGMENT = 0x41554753,
    TAG_EFFECT = 0x45464658,
    TAG_APPLY = 0x4150504c,
    TAG_NOISE = 0x4e4f4953,
    TAG_WALK = 0x57414c4b
};

/* The seed's training clips (G10): their shake frequencies are per frame of 8 frames. */
#define SEED_FRAMES 8.0
#define SEED_RES 112.0
/* Frames a dynamic background's window holds at most (T / 4 of a clip of T frames). */
#define MAX_WINDOW FV_EFFECTS_MAX_WINDOW

/* ---- names ---- */

static const char *const effect_names[FV_NUM_EFFECTS] = {"static-background",
                                                         "dynamic-background",
                                                         "background-pan",
                                                         "scale",
                                                         "clones",
                                                         "foreground-shift",
                                                         "perspective",
                                                         "camera-pan",
                                                         "zoom",
                                                         "shake",
                                                         "paper"};

const char *fv_effect_name(int bit)
{
    return bit >= 0 && bit < FV_NUM_EFFECTS ? effect_names[bit] : NULL;
}

int fv_effects_from_string(const char *text, uint32_t *out, const char **bad)
{
    uint32_t effects = 0;
    if (!text || !out)
        return -EINVAL;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, "+,");
        int found = -1;
        for (int b = 0; b < FV_NUM_EFFECTS && len; b++)
            if (strlen(effect_names[b]) == len && !strncmp(p, effect_names[b], len))
                found = b;
        if (found >= 0)
            effects |= 1u << found;
        else if (!(len == 4 && !strncmp(p, "none", 4))) {
            if (bad)
                *bad = p;
            return -EINVAL;
        }
        p += len;
        if (*p) {
            p++;
            if (!*p) { /* a trailing separator names nothing */
                if (bad)
                    *bad = p;
                return -EINVAL;
            }
        }
    }
    *out = effects;
    return 0;
}

int fv_effects_to_string(uint32_t effects, char *buf, size_t size)
{
    int n = 0;
    for (int b = 0; b < FV_NUM_EFFECTS; b++) {
        if (!(effects & (1u << b)))
            continue;
        int k = snprintf(buf ? buf + (n < (int)size ? n : (int)size) : NULL,
                         buf && (size_t)n < size ? size - (size_t)n : 0, "%s%s", n ? "+" : "",
                         effect_names[b]);
        n += k;
    }
    if (n == 0)
        n = snprintf(buf, size, "none");
    return n;
}

/* Append printf-style text at *n of buf (size bytes), counting what does not fit. */
static void put(char *buf, size_t size, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t size, int *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t at = (size_t)*n < size ? (size_t)*n : size;
    int k = vsnprintf(buf ? buf + at : NULL, buf ? size - at : 0, fmt, ap);
    va_end(ap);
    *n += k > 0 ? k : 0;
}

static void put_pan(char *buf, size_t size, int *n, const char *key, const FvPan *p)
{
    put(buf, size, n, " %s=%.4g,%.4g,%u,%u", key, p->angle, p->speed, p->start, p->frames);
}

int fv_effects_describe(const FvEffectsInfo *e, char *buf, size_t size)
{
    int n = 0;
    char names[256];
    fv_effects_to_string(e->applied, names, sizeof(names));
    if (buf && size)
        buf[0] = '\0';
    put(buf, size, &n, "effects=%s", names);
    if (e->applied & FV_EFFECT_STATIC_BACKGROUND)
        put(buf, size, &n, " background=%" PRIu64 ":%u,%" PRIu64 ":%u crop=%.4g,%.4g,%.4g,%.4g",
            e->background_clip[0], e->background_frame[0], e->background_clip[1],
            e->background_frame[1], e->crop[0], e->crop[1], e->crop[2], e->crop[3]);
    if (e->applied & FV_EFFECT_DYNAMIC_BACKGROUND)
        put(buf, size, &n, " background=%" PRIu64 ":%u-%u", e->background_clip[0],
            e->background_frame[0], e->background_frame[0] + e->background_frame[1] - 1);
    if (e->applied & FV_EFFECT_BACKGROUND_PAN)
        put_pan(buf, size, &n, "background-pan", &e->background_pan);
    if (e->applied & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND)) {
        if (e->blend_max)
            put(buf, size, &n, " blend=max");
        else
            put(buf, size, &n, " blend=mix,%.4g,%.4g", e->blend_alpha, e->blend_exponent);
    }
    if (e->applied & FV_EFFECT_SCALE)
        put(buf, size, &n, " scale=%.4g,%.4g position=%.4g,%.4g", e->scale[0], e->scale[1],
            e->position[0], e->position[1]);
    if (e->applied & FV_EFFECT_CLONES)
        put(buf, size, &n, " clone=%.4g,%.4g,%s,%.4g,%d", e->clone_position[0],
            e->clone_position[1], e->clone_flip ? "flip" : "noflip", e->clone_angle,
            e->clone_shift);
    if (e->applied & FV_EFFECT_FOREGROUND_SHIFT)
        put_pan(buf, size, &n, "foreground-shift", &e->foreground_shift);
    if (e->applied & FV_EFFECT_PERSPECTIVE) {
        put(buf, size, &n, " perspective=");
        for (int i = 0; i < 8; i++)
            put(buf, size, &n, "%s%.4g", i ? "," : "", e->perspective[i]);
    }
    if (e->applied & FV_EFFECT_CAMERA_PAN)
        put_pan(buf, size, &n, "camera-pan", &e->camera_pan);
    if (e->applied & FV_EFFECT_ZOOM)
        put(buf, size, &n, " zoom=%s,%.4g,%u,%u", e->zoom_out ? "out" : "in", e->zoom_rate,
            e->zoom_start, e->zoom_frames);
    if (e->applied & FV_EFFECT_SHAKE)
        put(buf, size, &n, " shake=%.4g", e->shake_amplitude);
    return n;
}

/* ---- the draw ---- */

/* The seed's probabilities (G10, cfg pretrain: PROB_SCALE 1, PROB_CLONE 0.15, PROB_SHIFT 0.3,
 * PROB_PERSPECTIVE 0.8, PROB_ZOOM 0.3, PROB_SHAKE 0.3; the background always, static 0.8). */
#define P_STATIC 0.8
#define P_BACKGROUND_PAN 0.3
#define P_CLONES 0.15
#define P_SHIFT 0.3
#define P_PERSPECTIVE 0.8
#define P_CAMERA_PAN 0.3
#define P_ZOOM 0.3
#define P_SHAKE 0.3
#define P_BLEND_MAX 0.05

enum {
    BIT_STATIC,
    BIT_DYNAMIC,
    BIT_BACKGROUND_PAN,
    BIT_SCALE,
    BIT_CLONES,
    BIT_FOREGROUND_SHIFT,
    BIT_PERSPECTIVE,
    BIT_CAMERA_PAN,
    BIT_ZOOM,
    BIT_SHAKE,
    BIT_PAPER,
    STREAM_BLEND /* the blend's draws, a stream of their own */
};

/* Whether effect bit applies: named, always; in the paper's mix, with probability p (its
 * own draw, so switching one effect never changes another's). */
static bool applies(uint32_t effects, int bit, double p, uint64_t key)
{
    if (effects & (1u << bit))
        return true;
    return (effects & FV_EFFECT_PAPER) && fv_unit(fv_draw(key, (uint64_t)bit)) < p;
}

/* Frames of a window "lasting randint(max(2, T/10), T) frames" (G10 4). */
static int draw_duration(FvRng *rng, int T)
{
    int lo = T / 10 > 2 ? T / 10 : 2;
    if (lo > T)
        lo = T;
    return fv_rng_int(rng, lo, T);
}

/* A straight pan (G10 4): speed U(0.2, 1.0) frames per clip (the seed's U(0.2, 1.0) res / T
 * px per frame), for randint(max(2, T/10), T) frames. The background's start is
 * randint(0, T - frames - 1) as the seed's (torch.randint excludes its end). */
static void draw_pan(FvRng *rng, int T, bool background, FvPan *pan)
{
    pan->angle = fv_rng_uniform(rng, 0, 2 * FV_PI);
    pan->speed = fv_rng_uniform(rng, 0.2, 1.0) / T;
    pan->frames = (unsigned)draw_duration(rng, T);
    int idle = T - (int)pan->frames;
    if (background)
        pan->start = idle > 0 ? (unsigned)fv_rng_int(rng, 0, idle - 1) : 0;
    else
        pan->start = (unsigned)fv_rng_int(rng, 0, idle);
    double travel = (pan->frames - 1) * pan->speed;
    double ex = fabs(travel * fv_cos(pan->angle)), ey = fabs(travel * fv_sin(pan->angle));
    pan->enlarge = 1 + (ex > ey ? ex : ey);
}

/* The seed's RandomResizedCrop(scale (0.6, 1), ratio (3/4, 4/3)): ten tries at a crop of that
 * area and aspect inside the frame, else the whole frame; in pixels, continuous. */
static void draw_crop(FvRng *rng, int W, int H, double crop[4])
{
    for (int attempt = 0; attempt < 10; attempt++) {
        double area = W * (double)H * fv_rng_uniform(rng, 0.6, 1.0);
        double aspect = fv_exp(fv_rng_uniform(rng, fv_log(3.0 / 4.0), fv_log(4.0 / 3.0)));
        double w = sqrt(area * aspect), h = sqrt(area / aspect);
        if (w <= W && h <= H) {
            crop[0] = fv_rng_uniform(rng, 0, W - w) / W;
            crop[1] = fv_rng_uniform(rng, 0, H - h) / H;
            crop[2] = w / W;
            crop[3] = h / H;
            return;
        }
    }
    crop[0] = crop[1] = 0;
    crop[2] = crop[3] = 1;
}

/* Clip index j of the background stream, never the clip itself in an unlabeled stream. */
static uint64_t background_clip(const FvSettings *s, uint64_t clip_index, FvRng *rng)
{
    uint64_t j = fv_rng_next(rng);
    if (s->class_id < 0 && j == clip_index)
        j++;
    return j;
}

void fv_effects_background_settings(const FvSettings *s, FvSettings *bg)
{
    *bg = *s;
    bg->class_id = -1;
    bg->effects = 0;
}

void fv_effects_plan(const FvSettings *s, uint64_t clip_index, int frames, FvEffectsPlan *plan)
{
    memset(plan, 0, sizeof(*plan));
    FvEffectsInfo *info = &plan->info;
    const int T = frames, W = (int)s->width, H = (int)s->height;
    plan->frames = T;
    plan->width = W;
    plan->height = H;
    const uint32_t e = s->effects;
    info->asked = e;
    if (!(e & (FV_EFFECTS_ALL | FV_EFFECT_PAPER)))
        return;
    const uint64_t base = fv_key(fv_sample_key(s, clip_index), TAG_AUGMENT, s->augment_seed);
    const uint64_t apply_key = fv_key(base, TAG_APPLY, 0);
    FvRng rng;
#define STREAM(bit) fv_rng_init(&rng, fv_key(base, TAG_EFFECT, (uint64_t)(bit)))

    /* 1. background: static or dynamic, always in the paper's mix */
    bool named_static = e & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_BACKGROUND_PAN);
    bool named_dynamic = e & FV_EFFECT_DYNAMIC_BACKGROUND;
    bool any_bg = named_static || named_dynamic || (e & FV_EFFECT_PAPER);
    if (any_bg) {
        bool is_static;
        if (named_static != named_dynamic)
            is_static = named_static;
        else /* both named, or the paper's mix: static 0.8, dynamic 0.2 */
            is_static = fv_unit(fv_draw(apply_key, BIT_STATIC)) < P_STATIC;
        FvSettings bgs;
        fv_effects_background_settings(s, &bgs);
        if (is_static) {
            info->applied |= FV_EFFECT_STATIC_BACKGROUND;
            STREAM(BIT_STATIC);
            for (int i = 0; i < 2; i++) {
                info->background_clip[i] = background_clip(s, clip_index, &rng);
                int tj = (int)fv_clip_frame_count(&bgs, info->background_clip[i]);
                info->background_frame[i] = (unsigned)fv_rng_int(&rng, 0, tj - 1);
            }
            draw_crop(&rng, W, H, info->crop);
            if (applies(e, BIT_BACKGROUND_PAN, P_BACKGROUND_PAN, apply_key)) {
                info->applied |= FV_EFFECT_BACKGROUND_PAN;
                STREAM(BIT_BACKGROUND_PAN);
                draw_pan(&rng, T, true, &info->background_pan);
            }
        } else {
            info->applied |= FV_EFFECT_DYNAMIC_BACKGROUND;
            STREAM(BIT_DYNAMIC);
            info->background_clip[0] = background_clip(s, clip_index, &rng);
            int tj = (int)fv_clip_frame_count(&bgs, info->background_clip[0]);
            int window = fv_rng_int(&rng, 2, T / 4 > 2 ? T / 4 : 2);
            if (window > MAX_WINDOW) /* its frames are held at once: bounded for long clips */
                window = MAX_WINDOW;
            if (window > tj)
                window = tj;
            info->background_frame[0] = (unsigned)fv_rng_int(&rng, 0, tj - window);
            info->background_frame[1] = (unsigned)window;
            plan->walk_key = fv_key(base, TAG_WALK, 0);
        }
        /* 5. the blend (drawn with the background) */
        STREAM(STREAM_BLEND);
        info->blend_max = fv_rng_uniform(&rng, 0, 1) < P_BLEND_MAX;
        info->blend_alpha = fv_rng_uniform(&rng, 0.25, 0.55);
        info->blend_exponent = fv_rng_uniform(&rng, 0.6, 1.0);
    }

    /* 2, 3. scale and placement, clones (a clone shrinks both copies: U(0.2, 0.7)) */
    bool clones = applies(e, BIT_CLONES, P_CLONES, apply_key);
    if (clones || applies(e, BIT_SCALE, 1.0, apply_key)) {
        info->applied |= FV_EFFECT_SCALE;
        STREAM(BIT_SCALE);
        for (int a = 0; a < 2; a++) {
            info->scale[a] =
                clones ? fv_rng_uniform(&rng, 0.2, 0.7) : fv_rng_uniform(&rng, 0.3, 1.0);
            info->position[a] = fv_rng_uniform(&rng, 0, 1 - info->scale[a]);
        }
    } else {
        info->scale[0] = info->scale[1] = 1;
    }
    if (clones) {
        info->applied |= FV_EFFECT_CLONES;
        STREAM(BIT_CLONES);
        for (int a = 0; a < 2; a++)
            info->clone_position[a] = fv_rng_uniform(&rng, 0, 1 - info->scale[a]);
        info->clone_flip = fv_rng_uniform(&rng, 0, 1) < 0.5;
        info->clone_angle = fv_rng_uniform(&rng, -60, 60);
        int most = (int)(0.25 * T) > 1 ? (int)(0.25 * T) : 1;
        int offset = fv_rng_int(&rng, 0, most);
        info->clone_shift = fv_rng_uniform(&rng, 0, 1) < 0.5 ? -offset : offset;
    }

    /* 4. foreground shift */
    if (applies(e, BIT_FOREGROUND_SHIFT, P_SHIFT, apply_key)) {
        info->applied |= FV_EFFECT_FOREGROUND_SHIFT;
        STREAM(BIT_FOREGROUND_SHIFT);
        draw_pan(&rng, T, false, &info->foreground_shift);
    }

    /* 6. perspective: each corner moved inward by U(0, 0.7) of the half-size */
    if (applies(e, BIT_PERSPECTIVE, P_PERSPECTIVE, apply_key)) {
        info->applied |= FV_EFFECT_PERSPECTIVE;
        STREAM(BIT_PERSPECTIVE);
        static const int corner[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        for (int c = 0; c < 4; c++)
            for (int a = 0; a < 2; a++) {
                double in = fv_rng_uniform(&rng, 0, 0.35);
                info->perspective[2 * c + a] = corner[c][a] ? 1 - in : in;
            }
    }

    /* 7. camera pan */
    if (applies(e, BIT_CAMERA_PAN, P_CAMERA_PAN, apply_key)) {
        info->applied |= FV_EFFECT_CAMERA_PAN;
        STREAM(BIT_CAMERA_PAN);
        draw_pan(&rng, T, false, &info->camera_pan);
    }

    /* 8. zoom: 1 + n v, v ~ U(0.3 / T, 1.0 / T), reversed (zoom out) with p = 0.5 */
    if (applies(e, BIT_ZOOM, P_ZOOM, apply_key)) {
        info->applied |= FV_EFFECT_ZOOM;
        STREAM(BIT_ZOOM);
        info->zoom_rate = fv_rng_uniform(&rng, 0.3 / T, 1.0 / T);
        info->zoom_frames = (unsigned)draw_duration(&rng, T);
        info->zoom_start = (unsigned)fv_rng_int(&rng, 0, T - (int)info->zoom_frames);
        info->zoom_out = fv_rng_uniform(&rng, 0, 1) < 0.5;
    }

    /* 9. shake: per axis sum_k (1/k) sin(f_k t + phi) + U(-0.3, 0.3), 2..5 terms,
     * f_k ~ U(0.1, 1.2) rad per frame of the seed's 8 (so per clip here), standard deviation
     * amp / 112 of the frame, amp ~ U(2, 4); whole pixels */
    if (applies(e, BIT_SHAKE, P_SHAKE, apply_key)) {
        info->applied |= FV_EFFECT_SHAKE;
        STREAM(BIT_SHAKE);
        double amp = fv_rng_uniform(&rng, 2, 4);
        info->shake_amplitude = amp / SEED_RES;
        for (int a = 0; a < 2; a++) {
            FvShakeAxis *x = &plan->shake[a];
            x->n = fv_rng_int(&rng, 2, 5);
            for (int k = 0; k < x->n; k++)
                x->freq[k] = fv_rng_uniform(&rng, 0.1, 1.2) * SEED_FRAMES / T;
            x->phase = fv_rng_uniform(&rng, 0, 2 * FV_PI);
            x->noise_key = fv_key(base, TAG_NOISE, (uint64_t)a);
            x->target = info->shake_amplitude * (a ? H : W);
        }
    }
#undef STREAM
}

int fv_effects_draw(const FvSettings *s, uint64_t clip_index, FvEffectsInfo *out)
{
    if (!out || fv_settings_validate(s, NULL))
        return -EINVAL;
    FvEffectsPlan plan;
    fv_effects_plan(s, clip_index, (int)fv_clip_frame_count(s, clip_index), &plan);
    *out = plan.info;
    return 0;
}

/* ---- per frame ---- */

static double raw_shake(const FvShakeAxis *x, int t)
{
    double v = 0;
    for (int k = 0; k < x->n; k++)
        v += fv_sin(x->freq[k] * t + x->phase) / (k + 1);
    return v + (fv_unit(fv_draw(x->noise_key, (uint64_t)t)) * 0.6 - 0.3);
}

/* How far a pan has moved the picture at frame t, in pixels. */
static void pan_offset(const FvPan *pan, int t, int W, int H, double d[2])
{
    int n = t - (int)pan->start;
    n = n < 0 ? 0 : n > (int)pan->frames - 1 ? (int)pan->frames - 1 : n;
    d[0] = n * pan->speed * fv_cos(pan->angle) * W;
    d[1] = n * pan->speed * fv_sin(pan->angle) * H;
}

int fv_effects_frames(FvEffectsPlan *plan, FvEffectsFrame *out)
{
    const FvEffectsInfo *info = &plan->info;
    const int T = plan->frames, W = plan->width, H = plan->height;
    for (int t = 0; t < T; t++) {
        FvEffectsFrame *f = &out[t];
        memset(f, 0, sizeof(*f));
        f->zoom = 1;
        f->clone_frame = (unsigned)t;
        if (info->applied & FV_EFFECT_FOREGROUND_SHIFT)
            pan_offset(&info->foreground_shift, t, W, H, f->foreground_shift);
        if (info->applied & FV_EFFECT_CAMERA_PAN)
            pan_offset(&info->camera_pan, t, W, H, f->camera_pan);
        if (info->applied & FV_EFFECT_BACKGROUND_PAN)
            pan_offset(&info->background_pan, t, W, H, f->background_pan);
        if (info->applied & FV_EFFECT_ZOOM) {
            int n = t - (int)info->zoom_start, last = (int)info->zoom_frames - 1;
            n = n < 0 ? 0 : n > last ? last : n;
            f->zoom = 1 + (info->zoom_out ? last - n : n) * info->zoom_rate;
        }
        if (info->applied & FV_EFFECT_CLONES) {
            int s = t + info->clone_shift;
            f->clone_frame = (unsigned)(s < 0 ? 0 : s > T - 1 ? T - 1 : s);
        }
    }
    if (info->applied & FV_EFFECT_DYNAMIC_BACKGROUND) {
        /* the seed's walk: steps -1, 0, +1 (none before the first frame), summed, then clamped
         * to the window */
        long sum = 0;
        const long window = info->background_frame[1];
        for (int t = 0; t < T; t++) {
            if (t > 0)
                sum += (long)(fv_draw(plan->walk_key, (uint64_t)t) % 3) - 1;
            long i = sum < 0 ? 0 : sum > window - 1 ? window - 1 : sum;
            out[t].background_frame = info->background_frame[0] + (unsigned)i;
        }
    }
    if (info->applied & FV_EFFECT_SHAKE) {
        /* normalised to the drawn standard deviation (unbiased, as torch.std), rounded */
        for (int a = 0; a < 2; a++) {
            const FvShakeAxis *x = &plan->shake[a];
            double mean = 0, var = 0;
            for (int t = 0; t < T; t++)
                mean += raw_shake(x, t);
            mean /= T;
            for (int t = 0; t < T; t++) {
                double d = raw_shake(x, t) - mean;
                var += d * d;
            }
            double sd = T > 1 ? sqrt(var / (T - 1)) : 0;
            /* about the camera's mean position: the picture moves against the seed's window
             * offset */
            int centre = sd > 0 ? (int)floor(mean * x->target / sd + 0.5) : 0;
            for (int t = 0; t < T; t++) {
                int s = sd > 0 ? (int)floor(raw_shake(x, t) * x->target / sd + 0.5) : 0;
                s -= centre;
                out[t].shake[a] = -s;
                plan->shake_lo[a] = t == 0 || -s < plan->shake_lo[a] ? -s : plan->shake_lo[a];
                plan->shake_hi[a] = t == 0 || -s > plan->shake_hi[a] ? -s : plan->shake_hi[a];
            }
        }
    }
    return 0;
}

/* ---- geometry: 3x3 matrices on pixel coordinates (x, y, 1), row-major ---- */

static void mat_mul(const double a[9], const double b[9], double out[9])
{
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    memcpy(out, r, sizeof(r));
}

static void mat_affine(double out[9], double a, double b, double e, double c, double d, double f)
{
    const double m[9] = {a, b, e, c, d, f, 0, 0, 1};
    memcpy(out, m, sizeof(m));
}

/* out = m after out */
static void then(double out[9], const double m[9])
{
    mat_mul(m, out, out);
}

static bool mat_invert(const double m[9], double out[9])
{
    double c0 = m[4] * m[8] - m[5] * m[7], c1 = m[5] * m[6] - m[3] * m[8],
           c2 = m[3] * m[7] - m[4] * m[6];
    double det = m[0] * c0 + m[1] * c1 + m[2] * c2;
    if (!(fabs(det) > 1e-300))
        return false;
    double r[9] = {c0, m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                   c1, m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                   c2, m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
    for (int i = 0; i < 9; i++)
        out[i] = r[i] / det;
    return true;
}

static void apply(const double m[9], double x, double y, double *ox, double *oy)
{
    double z = m[6] * x + m[7] * y + m[8];
    *ox = (m[0] * x + m[1] * y + m[2]) / z;
    *oy = (m[3] * x + m[4] * y + m[5]) / z;
}

/* A pan's window over the picture enlarged by pan->enlarge: out = k p - C(t), so the picture
 * moves by pan_offset and no border shows (the seed's crop of the enlarged frame). */
static void pan_matrix(const FvPan *pan, int t, int W, int H, double m[9])
{
    double d[2], end[2];
    pan_offset(pan, t, W, H, d);
    pan_offset(pan, (int)(pan->start + pan->frames - 1), W, H, end);
    double k = pan->enlarge, e[2] = {(k - 1) * W, (k - 1) * H}, c[2];
    for (int a = 0; a < 2; a++) {
        /* the window moves by -d: its offset from the enlarged frame's corner */
        double cur = -d[a], last = -end[a];
        c[a] = cur - (last < 0 ? last : 0) + (e[a] - fabs(last)) / 2;
    }
    mat_affine(m, k, 0, -c[0], 0, k, -c[1]);
}

/* The frame corners to the drawn quad (Heckbert's square-to-quad), then 1.4x about the centre. */
static void perspective_matrix(const FvEffectsInfo *info, int W, int H, double m[9])
{
    const double *q = info->perspective;
    double x0 = q[0] * W, y0 = q[1] * H, x1 = q[2] * W, y1 = q[3] * H, x2 = q[4] * W, y2 = q[5] * H,
           x3 = q[6] * W, y3 = q[7] * H;
    double sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3;
    double g = 0, h = 0;
    if (sx != 0 || sy != 0) {
        double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
        double den = dx1 * dy2 - dx2 * dy1;
        g = (sx * dy2 - dx2 * sy) / den;
        h = (dx1 * sy - sx * dy1) / den;
    }
    /* unit square -> quad */
    double sq[9] = {
        x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1};
    double unit[9];
    mat_affine(unit, 1.0 / W, 0, 0, 0, 1.0 / H, 0);
    mat_mul(sq, unit, m);
    double zoom[9];
    mat_affine(zoom, 1.4, 0, -0.4 * W / 2, 0, 1.4, -0.4 * H / 2);
    then(m, zoom);
}

/* The camera after the blend (G10 6-9): perspective, pan, zoom, shake. */
static void camera_matrix(const FvEffectsPlan *plan, const FvEffectsFrame *f, int t, double m[9])
{
    const FvEffectsInfo *info = &plan->info;
    const int W = plan->width, H = plan->height;
    double step[9];
    mat_affine(m, 1, 0, 0, 0, 1, 0);
    if (info->applied & FV_EFFECT_PERSPECTIVE)
        perspective_matrix(info, W, H, m);
    if (info->applied & FV_EFFECT_CAMERA_PAN) {
        pan_matrix(&info->camera_pan, t, W, H, step);
        then(m, step);
    }
    if (info->applied & FV_EFFECT_ZOOM) {
        double z = f->zoom;
        mat_affine(step, z, 0, (1 - z) * W / 2, 0, z, (1 - z) * H / 2);
        then(m, step);
    }
    if (info->applied & FV_EFFECT_SHAKE) {
        /* the seed's window over the picture enlarged by the shake's range plus a pixel; the
         * window's offset is hi - shake (+ centring), the picture moving by shake */
        const int *lo = plan->shake_lo, *hi = plan->shake_hi;
        int span[2] = {hi[0] - lo[0] + 1, hi[1] - lo[1] + 1};
        int diff = span[0] > span[1] ? span[0] : span[1];
        double off[2];
        for (int a = 0; a < 2; a++)
            off[a] = hi[a] - f->shake[a] + (diff - span[a]) / 2;
        mat_affine(step, (double)(W + diff) / W, 0, -off[0], 0, (double)(H + diff) / H, -off[1]);
        then(m, step);
    }
}

/* Area of the image of the W x H frame under m, over the frame's area. */
static double area_factor(const double m[9], int W, int H)
{
    static const int cx[4] = {0, 1, 1, 0}, cy[4] = {0, 0, 1, 1};
    double px[4], py[4], area = 0;
    for (int c = 0; c < 4; c++)
        apply(m, cx[c] * (double)W, cy[c] * (double)H, &px[c], &py[c]);
    for (int c = 0; c < 4; c++)
        area += px[c] * py[(c + 1) % 4] - px[(c + 1) % 4] * py[c];
    return fabs(area) / 2 / ((double)W * H);
}

static void set_window(FvWindow *w, const double m[9], double width, double height)
{
    *w = (FvWindow){m[0], m[1], m[3], m[4], m[2], m[5], width, height};
}

/* Whether affine m takes the W x H frame into itself (a window of it would cut nothing). */
static bool inside_frame(const double m[9], int W, int H)
{
    static const int cx[4] = {0, 1, 1, 0}, cy[4] = {0, 0, 1, 1};
    for (int c = 0; c < 4; c++) {
        double x, y;
        apply(m, cx[c] * (double)W, cy[c] * (double)H, &x, &y);
        if (!(x >= 0 && x <= W && y >= 0 && y <= H))
            return false;
    }
    return true;
}

double fv_effects_warp(const FvEffectsPlan *plan, const FvEffectsFrame *f, int t, bool clone,
                       FvSystem *sys)
{
    const FvEffectsInfo *info = &plan->info;
    const int W = plan->width, H = plan->height;
    const double fx = info->scale[0], fy = info->scale[1];
    FvWarp *warp = &sys->warp;
    double m[9], step[9];
    memset(warp, 0, sizeof(*warp));
    sys->warped = true;
    /* the fractal (or its clone) on the blend's canvas */
    if (!clone) {
        mat_affine(m, fx, 0, info->position[0] * W, 0, fy, info->position[1] * H);
    } else {
        /* in its box: scaled, flipped, rotated about the box's centre (counter-clockwise on
         * screen, y down), cut to the box; then placed */
        double bw = fx * W, bh = fy * H;
        mat_affine(m, fx, 0, 0, 0, fy, 0);
        if (info->clone_flip) {
            mat_affine(step, -1, 0, bw, 0, 1, 0);
            then(m, step);
        }
        double a = info->clone_angle * (FV_PI / 180), c = fv_cos(a), s = fv_sin(a);
        double cxb = bw / 2, cyb = bh / 2;
        mat_affine(step, c, s, cxb - c * cxb - s * cyb, -s, c, cyb + s * cxb - c * cyb);
        then(m, step);
        set_window(&warp->window[warp->windows++], m, bw, bh);
        mat_affine(step, 1, 0, info->clone_position[0] * W, 0, 1, info->clone_position[1] * H);
        then(m, step);
    }
    if (info->applied & FV_EFFECT_FOREGROUND_SHIFT) {
        pan_matrix(&info->foreground_shift, t, W, H, step);
        then(m, step);
    }
    /* the perspective shows the blend's canvas on a quad: what lies off it must stay off
     * (nothing does unless the shift moves it there) */
    if ((info->applied & FV_EFFECT_PERSPECTIVE) && !inside_frame(m, W, H))
        set_window(&warp->window[warp->windows++], m, W, H);
    double cam[9];
    camera_matrix(plan, f, t, cam);
    then(m, cam);
    const double area = area_factor(m, W, H);
    warp->projective = (info->applied & FV_EFFECT_PERSPECTIVE) != 0;
    if (!warp->projective && warp->windows == 0 && m[1] == 0 && m[3] == 0) {
        /* axis-aligned: folded into the system's own map, the plain frame's edges moved */
        const double x0 = m[2], x1 = m[0] * W + m[2], y0 = m[5], y1 = m[4] * H + m[5];
        warp->rect = true;
        warp->clip[0] = x0 > 0 ? x0 : 0;
        warp->clip[1] = x1 < W ? x1 : W;
        warp->clip[2] = y0 > 0 ? y0 : 0;
        warp->clip[3] = y1 < H ? y1 : H;
        sys->ox = sys->ox * m[0] + m[2];
        sys->sx *= m[0];
        sys->oy = sys->oy * m[4] + m[5];
        sys->sy *= m[4];
        return area;
    }
    memcpy(warp->m, m, sizeof(m));
    if (!warp->projective) {
        warp->m[6] = warp->m[7] = 0;
        warp->m[8] = 1;
    }
    fv_warp_on_world(sys, W, H);
    return area;
}

void fv_warp_on_world(FvSystem *sys, int width, int height)
{
    FvWarp *w = &sys->warp;
    const double sx = sys->sx, ox = sys->ox, sy = sys->sy, oy = sys->oy;
    double s[9], m[9];
    mat_affine(s, sx, 0, ox, 0, sy, oy);
    mat_mul(w->m, s, m);
    memcpy(w->m, m, sizeof(m));
    if (!w->projective) {
        w->m[6] = w->m[7] = 0;
        w->m[8] = 1;
    }
    for (int k = 0; k < w->windows; k++) {
        FvWindow *q = &w->window[k];
        *q = (FvWindow){q->a * sx,
                        q->b * sy,
                        q->c * sx,
                        q->d * sy,
                        q->a * ox + q->b * oy + q->e,
                        q->c * ox + q->d * oy + q->f,
                        q->w,
                        q->h};
    }
    /* 0 <= x sx + ox < width, as world bounds */
    double x0 = -ox / sx, x1 = (width - ox) / sx, y0 = -oy / sy, y1 = (height - oy) / sy;
    w->clip[0] = x0 < x1 ? x0 : x1;
    w->clip[1] = x0 < x1 ? x1 : x0;
    w->clip[2] = y0 < y1 ? y0 : y1;
    w->clip[3] = y0 < y1 ? y1 : y0;
}

bool fv_effects_camera_inverse(const FvEffectsPlan *plan, const FvEffectsFrame *f, int t,
                               double m[9])
{
    double cam[9];
    camera_matrix(plan, f, t, cam);
    return mat_invert(cam, m);
}

void fv_effects_background_offset(const FvEffectsPlan *plan, int t, double off[2])
{
    off[0] = off[1] = 0;
    if (plan->info.applied & FV_EFFECT_BACKGROUND_PAN) {
        /* blend canvas = enlarged background - C(t): the background's pixel is q + C(t) */
        double pan[9];
        pan_matrix(&plan->info.background_pan, t, plan->width, plan->height, pan);
        off[0] = -pan[2];
        off[1] = -pan[5];
    }
}

/* The static background's canvas holds at most this many pixels, or the frame's: a pan's
 * enlargement of a large frame is drawn at the frame's resolution (and interpolated). */
#define CANVAS_MAX_PIXELS FV_EFFECTS_CANVAS_PIXELS

void fv_effects_background_canvas(const FvEffectsPlan *plan, int *width, int *height,
                                  double transform[4], double *scale)
{
    const FvEffectsInfo *info = &plan->info;
    const int W = plan->width, H = plan->height;
    const double frame = (double)W * H,
                 limit = frame > CANVAS_MAX_PIXELS ? frame : CANVAS_MAX_PIXELS;
    double k = info->applied & FV_EFFECT_BACKGROUND_PAN ? info->background_pan.enlarge : 1;
    double cs = k * k * frame > limit ? sqrt(limit / (k * k * frame)) : 1;
    *scale = cs;
    *width = (int)ceil(cs * k * W);
    *height = (int)ceil(cs * k * H);
    if (info->applied & FV_EFFECT_STATIC_BACKGROUND) {
        /* the crop, resized to the frame, enlarged for the pan: canvas = s (p - crop corner) */
        double sx = cs * k / info->crop[2], sy = cs * k / info->crop[3];
        transform[0] = sx;
        transform[1] = -sx * info->crop[0] * W;
        transform[2] = sy;
        transform[3] = -sy * info->crop[1] * H;
    } else {
        transform[0] = transform[2] = 1;
        transform[1] = transform[3] = 0;
    }
}
