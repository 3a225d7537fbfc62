/* Clips with effects (G10). The fractal's frames are plotted through each frame's warp
 * (effects.c: scale, placement, shifts, perspective, pan, zoom and shake as one map of the
 * plotted points), and a clone's frames through its own; the two merge by the pixel max of
 * their 3x3 counts (log is monotonic, so that is the max of the tone-mapped frames). The
 * background's frames come from other clips, rendered once onto a canvas (the static
 * background's resized crop and its pan's enlargement folded into their framing, so they are
 * sharp too). Then one pass per frame tone maps the fractal by its clip's maximum (G8), finds
 * each pixel's point on the background through the camera's inverse, blends, and blacks out
 * what the perspective leaves uncovered. Everything is a pure function of the settings, the
 * clip index and the augment seed; each pixel of the pass is computed alone, so the thread
 * count changes nothing. */
#include "fv_internal.h"
#include "fvmath.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A frame plots its plain frame's points per pixel (G6) wherever the effects magnify it, up
 * to this many times the plain frame's points (beyond, the frame is sparser). */
#define AREA_CAP 4.0

struct FvComposite {
    FvSystem *systems; /* the fractal's frames */
    size_t systems_cap;
    uint16_t *canvas; /* background canvases: linear 16-bit values (b^0.75 for the mix) */
    size_t canvas_cap;
    /* the dynamic background: per frame of the clip, its frame's place in the walk's order
     * (then the window's scratch and that order); the systems of those frames and their key */
    int *slot_of_frame;
    size_t slots_cap;
    FvSystem *bg_systems;
    size_t bg_systems_cap;
    uint64_t bg_key;
    int bg_frames;
    /* per frame held, its canvas */
    int *canvas_of;
    size_t canvas_of_cap;
    /* what the background scratch is ready for: the static background's canvas, or the
     * dynamic one's systems, of clip bg_clip of bg_settings (so a clip's frames rendered one
     * by one draw its background once) */
    bool bg_valid;
    FvSettings bg_settings;
    uint64_t bg_clip;
    double *pow075; /* (x / 65535)^0.75 for 16-bit x, made on first use */
};

void fv_composite_free(FvComposite **pc)
{
    FvComposite *c = pc ? *pc : NULL;
    if (!c)
        return;
    free(c->systems);
    free(c->canvas);
    free(c->slot_of_frame);
    free(c->bg_systems);
    free(c->canvas_of);
    free(c->pow075);
    free(c);
    *pc = NULL;
}

/* Grow *buf to hold n items of size each; contents are not kept. */
static int grow(void **buf, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    free(*buf);
    *buf = n <= SIZE_MAX / size ? malloc(n * size) : NULL;
    *cap = *buf ? n : 0;
    return *buf ? 0 : -ENOMEM;
}

static uint16_t log_code(const uint16_t *lut, uint32_t count)
{
    return count < 65536 ? lut[count] : fv_log_code(count);
}

static uint32_t points_iters(const FvSettings *s, double area)
{
    return fv_render_iters(s->density * s->width * (double)s->height *
                           (area < AREA_CAP ? area : AREA_CAP));
}

/* Log codes of the counts into dst, the pixel max with what dst holds when merge. */
static uint16_t store_codes(const uint16_t *lut, const uint32_t *counts, uint16_t *dst,
                            size_t pixels, bool merge)
{
    uint16_t top = 0;
    for (size_t i = 0; i < pixels; i++) {
        uint16_t code = log_code(lut, counts[i]);
        if (merge && dst[i] > code)
            code = dst[i];
        dst[i] = code;
        top = code > top ? code : top;
    }
    return top;
}

/* Codes to linear 16-bit values under the tone map of max_code (G8), in place. */
static void codes_to_linear(uint16_t *v, size_t n, uint16_t max_code)
{
    const uint32_t d = fv_tone_denominator(max_code);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint16_t)(((uint32_t)v[i] * 65535u + d / 2) / d);
}

/* ---- the background (G10 1) ---- */

static int make_pow075(FvComposite *c)
{
    if (c->pow075)
        return 0;
    c->pow075 = malloc(65536 * sizeof(double));
    if (!c->pow075)
        return -ENOMEM;
    for (int v = 0; v < 65536; v++)
        c->pow075[v] = fv_pow(v / 65535.0, 0.75);
    return 0;
}

/* The mix reads bg^0.75 (G10 5): the canvas holds it, interpolated as it is. */
static void canvas_for_blend(const FvComposite *c, const FvEffectsInfo *info, uint16_t *v, size_t n)
{
    if (info->blend_max)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint16_t)(c->pow075[v[i]] * 65535 + 0.5);
}

static bool same_settings(const FvSettings *a, const FvSettings *b)
{
    return a->class_id == b->class_id && a->class_seed == b->class_seed && a->seed == b->seed &&
           a->motion == b->motion && a->variation == b->variation &&
           a->clip_frames == b->clip_frames && a->density == b->density && a->width == b->width &&
           a->height == b->height && a->normalization == b->normalization &&
           a->effects == b->effects && a->augment_seed == b->augment_seed;
}

/* Whether the background scratch is ready for clip clip_index of s. */
static bool background_ready(const FvComposite *c, const FvSettings *s, uint64_t clip_index)
{
    return c->bg_valid && c->bg_clip == clip_index && same_settings(&c->bg_settings, s);
}

static void background_done(FvComposite *c, const FvSettings *s, uint64_t clip_index)
{
    c->bg_valid = true;
    c->bg_settings = *s;
    c->bg_clip = clip_index;
}

/* The static background: the pixel max of two frames of other clips, each tone mapped by its
 * own brightest pixel, drawn on the canvas through the resized crop (and the pan's
 * enlargement). Returns 0 or a negative errno. */
static int static_background(FvRenderer *r, FvComposite *c, const FvSettings *s,
                             const FvEffectsPlan *plan, int cw, int ch, const double tr[4])
{
    const FvEffectsInfo *info = &plan->info;
    const size_t pixels = (size_t)cw * ch;
    FvSettings bgs;
    fv_effects_background_settings(s, &bgs);
    const uint16_t *lut = fv_render_log_table(r);
    for (int i = 0; i < 2; i++) {
        FvSystem sys;
        uint64_t key;
        int frame = (int)info->background_frame[i];
        int err =
            fv_render_frames_systems(r, &bgs, info->background_clip[i], &frame, 1, &sys, &key);
        if (err)
            return err;
        sys.sx *= tr[0];
        sys.ox = sys.ox * tr[0] + tr[1];
        sys.sy *= tr[2];
        sys.oy = sys.oy * tr[2] + tr[3];
        err = fv_render_reserve(r, pixels, 1);
        if (err)
            return err;
        uint64_t inside;
        const uint32_t *counts =
            fv_render_counts(r, &sys, key, points_iters(s, tr[0] * tr[2]), cw, ch, &inside);
        if (fv_render_cancelled(r))
            return -ECANCELED;
        uint32_t top = 0;
        for (size_t p = 0; p < pixels; p++)
            top = counts[p] > top ? counts[p] : top;
        const uint32_t d = fv_tone_denominator(log_code(lut, top));
        for (size_t p = 0; p < pixels; p++) {
            uint16_t v = (uint16_t)(((uint32_t)log_code(lut, counts[p]) * 65535u + d / 2) / d);
            c->canvas[p] = i == 0 || v > c->canvas[p] ? v : c->canvas[p];
        }
    }
    canvas_for_blend(c, info, c->canvas, pixels);
    return 0;
}

/* The dynamic background's walk (G10 1): the window's frames it visits, in order, into
 * c->bg_systems (framed together, as the other clip's own frames), and per frame of the clip
 * its place in that order, c->slot_of_frame. */
static int dynamic_walk(FvRenderer *r, FvComposite *c, const FvSettings *s,
                        const FvEffectsPlan *plan, const FvEffectsFrame *ef, int frames)
{
    const FvEffectsInfo *info = &plan->info;
    const int first = (int)info->background_frame[0], window = (int)info->background_frame[1];
    if (grow((void **)&c->slot_of_frame, &c->slots_cap, (size_t)frames + 2 * (size_t)window,
             sizeof(int)) ||
        grow((void **)&c->bg_systems, &c->bg_systems_cap, (size_t)window, sizeof(FvSystem)))
        return -ENOMEM;
    int *slot = c->slot_of_frame, *shown = slot + frames, *order = shown + window;
    int n = 0;
    for (int k = 0; k < window; k++)
        shown[k] = -1;
    for (int t = 0; t < frames; t++)
        shown[(int)ef[t].background_frame - first] = 0;
    for (int k = 0; k < window; k++)
        if (shown[k] == 0) {
            shown[k] = n;
            order[n++] = first + k;
        }
    for (int t = 0; t < frames; t++)
        slot[t] = shown[(int)ef[t].background_frame - first];
    c->bg_frames = n;
    FvSettings bgs;
    fv_effects_background_settings(s, &bgs);
    return fv_render_frames_systems(r, &bgs, info->background_clip[0], order, n, c->bg_systems,
                                    &c->bg_key);
}

/* The dynamic background's frames that frames first .. first + count - 1 show, each on a
 * canvas of its own (c->canvas_of: per frame held, its canvas), tone mapped together by their
 * brightest pixel, or each by its own under the frame normalization (G8). */
static int dynamic_background(FvRenderer *r, FvComposite *c, const FvSettings *s,
                              const FvEffectsPlan *plan, int first, int count, bool per_frame,
                              int *canvases)
{
    const size_t pixels = (size_t)s->width * s->height;
    const int n = c->bg_frames;
    /* the walk's frames these frames show, each once: canvas[slot], -1 if not shown */
    int *canvas = c->slot_of_frame + plan->frames; /* the window's scratch */
    int shown = 0;
    for (int k = 0; k < n; k++)
        canvas[k] = -1;
    for (int k = 0; k < count; k++) {
        int slot = c->slot_of_frame[first + k];
        if (canvas[slot] < 0)
            canvas[slot] = shown++;
        c->canvas_of[k] = canvas[slot];
    }
    if (grow((void **)&c->canvas, &c->canvas_cap, (size_t)shown * pixels + 1, sizeof(uint16_t)))
        return -ENOMEM;
    const uint16_t *lut = fv_render_log_table(r);
    uint16_t top = 0;
    for (int k = 0; k < n; k++) {
        if (canvas[k] < 0)
            continue;
        uint64_t inside;
        uint16_t *dst = c->canvas + (size_t)canvas[k] * pixels;
        const uint32_t *counts =
            fv_render_counts(r, &c->bg_systems[k], c->bg_key, points_iters(s, 1.0), (int)s->width,
                             (int)s->height, &inside);
        if (fv_render_cancelled(r))
            return -ECANCELED;
        uint16_t m = store_codes(lut, counts, dst, pixels, false);
        if (per_frame)
            codes_to_linear(dst, pixels, m);
        top = m > top ? m : top;
    }
    if (!per_frame)
        codes_to_linear(c->canvas, (size_t)shown * pixels, top);
    canvas_for_blend(c, &plan->info, c->canvas, (size_t)shown * pixels);
    *canvases = shown;
    return 0;
}

/* ---- the fused pass: tone map, background, blend, perspective's border ---- */

typedef struct BlendJob {
    const FvEffectsPlan *plan;
    const FvEffectsFrame *ef;
    uint16_t *codes; /* in: the fractal's log codes; out: linear values */
    FvBlend base;    /* every frame's, but for its map and offset */
    int first;       /* the clip frame of the first frame held */
    int from;        /* the frames held this pass blends: from, from + 1, ... */
    const int *slot; /* per frame held, its canvas (dynamic), or NULL (one canvas) */
    FvBlendRow row;
    int bands;
    uint16_t fg[65537];
    double fg075[65536];
    double pow_e[FV_BLEND_STEPS + 2];
} BlendJob;

static void blend_task(void *ctx, int task, int thread)
{
    (void)thread;
    BlendJob *job = ctx;
    const int k = job->from + task / job->bands, band = task % job->bands, t = job->first + k;
    const int W = job->base.width, H = job->base.height;
    const int y0 = (int)((int64_t)H * band / job->bands);
    const int y1 = (int)((int64_t)H * (band + 1) / job->bands);
    uint16_t *codes = job->codes + (size_t)k * W * H;
    FvBlend b = job->base;
    if (!fv_effects_camera_inverse(job->plan, &job->ef[t], t, b.m)) {
        memset(codes + (size_t)y0 * W, 0, (size_t)(y1 - y0) * W * sizeof(uint16_t));
        return;
    }
    double off[2];
    fv_effects_background_offset(job->plan, t, off);
    b.off[0] = off[0] * b.scale - 0.5; /* to the canvas's pixel centres */
    b.off[1] = off[1] * b.scale - 0.5;
    if (job->slot)
        b.canvas += (size_t)job->slot[k] * b.cw * b.ch;
    for (int y = y0; y < y1; y++)
        job->row(&b, y, codes + (size_t)y * W);
}

static bool use_simd(void)
{
    /* FV_NO_SIMD=1 keeps to the plain C functions, as for the chaos game: same pixels */
    const char *no = getenv("FV_NO_SIMD");
    return !(no && *no && strcmp(no, "0") != 0);
}

/* Tone map and blend the frames held (first .. first + count - 1 of the clip), by the clip's
 * maximum max_code, or each by its own (maxima, under the frame normalization). */
static int blend(FvRenderer *r, FvComposite *c, const FvEffectsPlan *plan, const FvEffectsFrame *ef,
                 FvClip *out, int first, int count, uint16_t max_code, const uint16_t *maxima,
                 int cw, int ch, double scale, bool dynamic)
{
    const FvEffectsInfo *info = &plan->info;
    BlendJob *job = calloc(1, sizeof(*job));
    if (!job)
        return -ENOMEM;
    job->plan = plan;
    job->ef = ef;
    job->codes = out->codes;
    job->first = first;
    job->slot = dynamic ? c->canvas_of : NULL;
    job->row = fv_blend_row_kernel(use_simd());
    if (!info->blend_max) {
        for (int i = 0; i <= FV_BLEND_STEPS; i++)
            job->pow_e[i] = fv_pow((double)i / FV_BLEND_STEPS, info->blend_exponent);
        job->pow_e[FV_BLEND_STEPS + 1] = job->pow_e[FV_BLEND_STEPS];
    }
    job->base = (FvBlend){
        .framed = (info->applied & FV_EFFECT_PERSPECTIVE) != 0,
        .max_blend = info->blend_max != 0,
        .alpha = info->blend_alpha,
        .scale = scale,
        .width = plan->width,
        .height = plan->height,
        .cw = cw,
        .ch = ch,
        .canvas = c->canvas,
        .fg = job->fg,
        .fg075 = job->fg075,
        .pow_e = job->pow_e,
    };
    const size_t pixels = (size_t)plan->width * plan->height;
    job->bands = pixels >= 65536 ? 4 : 1;
    if (job->bands > plan->height)
        job->bands = plan->height;
    /* one pass for the clip's maximum, one per frame for the frames' own */
    const int passes = maxima ? count : 1, per_pass = maxima ? 1 : count;
    for (int p = 0; p < passes && !fv_render_cancelled(r); p++) {
        const uint16_t top = maxima ? maxima[p] : max_code;
        const uint32_t d = fv_tone_denominator(top);
        for (uint32_t code = 0; code <= top; code++) {
            job->fg[code] = (uint16_t)((code * 65535u + d / 2) / d);
            job->fg075[code] = c->pow075[job->fg[code]];
        }
        job->from = p * per_pass;
        fv_render_run(r, per_pass * job->bands, blend_task, job);
    }
    free(job);
    return fv_render_cancelled(r) ? -ECANCELED : 0;
}

/* ---- a clip ---- */

/* The effects a clip of s gets: the plan's, or, plan NULL, any it may get. */
static unsigned effects_of(const FvEffectsPlan *plan, const FvSettings *s)
{
    if (plan)
        return plan->info.applied;
    unsigned fx = s->effects & FV_EFFECT_PAPER ? FV_EFFECTS_ALL : s->effects;
    return fx & FV_EFFECT_BACKGROUND_PAN ? fx | FV_EFFECT_STATIC_BACKGROUND : fx;
}

static uint64_t canvas_pixels(const FvEffectsPlan *plan, const FvSettings *s, int held)
{
    const uint64_t pixels = (uint64_t)s->width * s->height;
    const unsigned fx = effects_of(plan, s);
    uint64_t most = 0;
    if (fx & FV_EFFECT_STATIC_BACKGROUND) {
        if (plan) {
            int cw, ch;
            double tr[4], scale;
            fv_effects_background_canvas(plan, &cw, &ch, tr, &scale);
            most = (uint64_t)cw * ch;
        } else {
            /* a pan enlarges by less than 2 in each direction, within the canvas's pixels */
            uint64_t limit = 4 * pixels < FV_EFFECTS_CANVAS_PIXELS ? 4 * pixels
                             : pixels > FV_EFFECTS_CANVAS_PIXELS   ? pixels
                                                                   : FV_EFFECTS_CANVAS_PIXELS;
            most = limit + 2 * ((uint64_t)s->width + s->height) + 1;
        }
    }
    if (fx & FV_EFFECT_DYNAMIC_BACKGROUND) {
        uint64_t shown = (uint64_t)(held < FV_EFFECTS_MAX_WINDOW ? held : FV_EFFECTS_MAX_WINDOW);
        most = shown * pixels > most ? shown * pixels : most;
    }
    return most;
}

void fv_composite_need(const FvSettings *s, const FvEffectsPlan *plan, int frames, int held,
                       uint64_t *hist_pixels, uint64_t *bytes)
{
    const uint64_t pixels = (uint64_t)s->width * s->height;
    const uint64_t canvas = canvas_pixels(plan, s, held);
    const unsigned fx = effects_of(plan, s);
    *hist_pixels = pixels;
    if ((fx & FV_EFFECT_STATIC_BACKGROUND) && canvas > pixels)
        *hist_pixels = canvas; /* the background's frames are counted on the canvas */
    *bytes = (canvas + 1) * sizeof(uint16_t) + (uint64_t)frames * sizeof(FvSystem) +
             (uint64_t)frames * sizeof(FvEffectsFrame) + (uint64_t)held * sizeof(int) +
             ((uint64_t)frames + 2 * FV_EFFECTS_MAX_WINDOW) * sizeof(int) +
             FV_EFFECTS_MAX_WINDOW * sizeof(FvSystem) + 65536 * sizeof(double) + sizeof(BlendJob);
}

/* Bytes c holds now (what a render's need already has). */
static uint64_t composite_held(const FvComposite *c, const FvClip *out)
{
    return c->canvas_cap * sizeof(uint16_t) + c->systems_cap * sizeof(FvSystem) +
           out->effect_frames_cap * sizeof(FvEffectsFrame) + c->canvas_of_cap * sizeof(int) +
           c->slots_cap * sizeof(int) + c->bg_systems_cap * sizeof(FvSystem) +
           (c->pow075 ? 65536 * sizeof(double) : 0) + sizeof(BlendJob);
}

int fv_composite_frames(FvRenderer *r, const FvSettings *s, uint64_t clip_index, int first,
                        int count, FvClip *out)
{
    FvComposite **slot = fv_render_composite(r);
    if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
        return -ENOMEM;
    FvComposite *c = *slot;
    const int W = (int)s->width, H = (int)s->height;
    const size_t pixels = (size_t)W * H;
    const int frames = (int)fv_clip_frame_count(s, clip_index);
    const bool per_frame = s->normalization == FV_NORMALIZATION_FRAME;
    /* the effects of every frame (labels, and the shake's range needs them all) */
    FvEffectsPlan plan;
    fv_effects_plan(s, clip_index, frames, &plan);

    /* everything this render will hold, checked before any of it is taken (as a plain
     * render's): the frames, histograms up to the background's canvas, the scratch here */
    uint64_t hist_pixels, extra;
    fv_composite_need(s, &plan, frames, count, &hist_pixels, &extra);
    uint64_t held = composite_held(c, out);
    int err = fv_render_budget(r, out, s, frames, count, hist_pixels, extra,
                               extra > held ? extra - held : 0);
    if (err)
        return err;

    /* the frames held first: the largest allocation, and the likeliest to fail */
    err = fv_clip_reserve(out, (size_t)count, pixels, per_frame);
    if (!err)
        err = grow((void **)&out->effect_frames, &out->effect_frames_cap, (size_t)frames,
                   sizeof(FvEffectsFrame));
    if (!err)
        err = grow((void **)&c->systems, &c->systems_cap, (size_t)frames, sizeof(FvSystem));
    if (!err)
        err = grow((void **)&c->canvas_of, &c->canvas_of_cap, (size_t)count, sizeof(int));
    if (!err)
        err = fv_render_reserve(r, pixels, (size_t)frames);
    if (!err)
        err = make_pow075(c);
    if (err)
        return err;

    FvEffectsFrame *ef = out->effect_frames;
    fv_effects_frames(&plan, ef);
    const FvEffectsInfo *fx = &plan.info;

    /* the fractal: the plain clip's class, sample and framing */
    FvClipInfo info;
    uint64_t sample_key;
    err = fv_render_select(r, s, clip_index, c->systems, frames, &info, &sample_key);
    if (err < 0)
        return err;
    err = 0;

    /* its frames through their warps, and the clone's (G10 2-4, 6-9) */
    const uint16_t *lut = fv_render_log_table(r);
    uint16_t max_code = 0;
    uint64_t kept = 0, plotted = 0;
    for (int k = 0; k < count; k++) {
        const int t = first + k;
        uint16_t frame_max = 0;
        for (int copy = 0; copy < (fx->applied & FV_EFFECT_CLONES ? 2 : 1); copy++) {
            FvSystem sys = c->systems[copy ? (int)ef[t].clone_frame : t];
            double area = fv_effects_warp(&plan, &ef[t], t, copy == 1, &sys);
            uint64_t inside;
            const uint32_t iters = points_iters(s, area);
            const uint32_t *counts = fv_render_counts(r, &sys, sample_key, iters, W, H, &inside);
            plotted += (uint64_t)iters * FV_WALKERS;
            if (fv_render_cancelled(r))
                return -ECANCELED;
            kept += inside;
            uint16_t top = store_codes(lut, counts, out->codes + (size_t)k * pixels, pixels, copy);
            frame_max = top > frame_max ? top : frame_max;
        }
        if (per_frame)
            out->frame_max[k] = frame_max;
        max_code = frame_max > max_code ? frame_max : max_code;
    }

    /* the background and the blend (G10 1, 5) */
    const bool dynamic = fx->applied & FV_EFFECT_DYNAMIC_BACKGROUND;
    if (fx->applied & (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND)) {
        int cw = W, ch = H;
        double scale = 1, tr[4];
        if (!dynamic)
            fv_effects_background_canvas(&plan, &cw, &ch, tr, &scale);
        if (!background_ready(c, s, clip_index)) {
            c->bg_valid = false;
            if (dynamic) {
                err = dynamic_walk(r, c, s, &plan, ef, frames);
            } else {
                err = grow((void **)&c->canvas, &c->canvas_cap, (size_t)cw * ch + 1,
                           sizeof(uint16_t));
                if (!err)
                    err = static_background(r, c, s, &plan, cw, ch, tr);
            }
            if (err)
                return err;
            background_done(c, s, clip_index);
        }
        if (dynamic) {
            int canvases;
            err = dynamic_background(r, c, s, &plan, first, count, per_frame, &canvases);
        }
        if (!err)
            err = blend(r, c, &plan, ef, out, first, count, max_code,
                        per_frame ? out->frame_max : NULL, cw, ch, scale, dynamic);
        if (err)
            return err;
        out->linear = true;
    }
    if (out->linear) /* the blend's linear values: d 65535 reads them as they are */
        fv_clip_set_tone(out, 65535, 65535);
    else
        fv_clip_set_tone(out, max_code,
                         fv_tone_denominator(per_frame ? out->frame_max[0] : max_code));

    info.class_seed = s->class_seed;
    info.seed = s->seed;
    info.clip_index = clip_index;
    info.class_key = fv_class_key(s, clip_index);
    info.motion = s->motion;
    info.width = s->width;
    info.height = s->height;
    /* on average: each frame plots as many points as its warp magnifies it */
    info.points_per_frame = plotted / (uint64_t)count;
    info.points_kept = kept;
    info.max_count = max_code ? (uint32_t)(fv_exp(max_code / FV_LOG_SCALE) - 0.5) : 0;
    info.normalization = s->normalization;
    info.first_frame = (unsigned)first;
    info.frames_held = (unsigned)count;
    info.augment_seed = s->augment_seed;
    info.effects = *fx;
    out->info = info;
    out->effects = true;
    out->valid = true;
    return 0;
}
