/* The emulation of real video (G10), measured from the frames: each effect does what the
 * paper's does, the paper's mix turns each on at its probability, the effects are
 * deterministic, and with every effect off the clips are the plain ones, bit for bit. Each
 * test case is a Meson test of its own, named for the behaviour it checks. */
#include "fv_internal.h"

#include <glib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

/* ---- helpers ---- */

/* A rendered clip as 16-bit frames, with its labels. */
typedef struct Clip16 {
    FvClipInfo info;
    unsigned w, h, frames;
    uint16_t *px;
    FvEffectsFrame *ef;
} Clip16;

static Clip16 render16(FvRenderer *r, const FvSettings *s, uint64_t clip_index)
{
    FvClip *c;
    Clip16 out = {0};
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, s, clip_index, c), ==, 0);
    out.info = *fv_clip_info(c);
    out.w = s->width;
    out.h = s->height;
    out.frames = out.info.frames;
    out.px = g_new(uint16_t, (size_t)out.w * out.h * out.frames);
    out.ef = g_new(FvEffectsFrame, out.frames);
    for (unsigned f = 0; f < out.frames; f++) {
        g_assert_cmpint(
            fv_clip_write_gray16(c, f, out.px + (size_t)f * out.w * out.h, (ptrdiff_t)out.w * 2),
            ==, 0);
        g_assert_cmpint(fv_clip_effects_frame(c, f, &out.ef[f]), ==, 0);
    }
    fv_clip_free(&c);
    return out;
}

static void free16(Clip16 *c)
{
    g_free(c->px);
    g_free(c->ef);
}

static const uint16_t *frame16(const Clip16 *c, unsigned f)
{
    return c->px + (size_t)f * c->w * c->h;
}

static FvRenderer *renderer(unsigned threads)
{
    FvRenderer *r;
    g_assert_cmpint(fv_renderer_open(&r, threads), ==, 0);
    return r;
}

/* Column (axis 0) or row (axis 1) sums of frame f. */
static double *profile(const Clip16 *c, unsigned f, int axis)
{
    const unsigned n = axis ? c->h : c->w;
    double *p = g_new0(double, n);
    const uint16_t *px = frame16(c, f);
    for (unsigned y = 0; y < c->h; y++)
        for (unsigned x = 0; x < c->w; x++)
            p[axis ? y : x] += px[(size_t)y * c->w + x];
    return p;
}

/* Mean squared difference of b(x, y) and a(x - dx, y - dy) over their overlap (at least a
 * quarter of the frame), frames w x h downsampled by step. */
static double shifted_error(const Clip16 *c, const uint16_t *a, const uint16_t *b, int dx, int dy,
                            int step)
{
    const int w = (int)c->w, h = (int)c->h;
    double err = 0;
    long count = 0;
    for (int y = 0; y < h; y += step) {
        int sy = y - dy;
        if (sy < 0 || sy >= h)
            continue;
        for (int x = 0; x < w; x += step) {
            int sx = x - dx;
            if (sx < 0 || sx >= w)
                continue;
            double d = (double)b[(size_t)y * w + x] - a[(size_t)sy * w + sx];
            err += d * d;
            count++;
        }
    }
    return count * step * step >= (long)w * h / 4 ? err / count : INFINITY;
}

/* How far the picture moved from frame 0 to frame f, measured from the frames: the shift that
 * lines them up best, searched coarsely over half the frame, then to the pixel. */
static void measured_shift(const Clip16 *c, unsigned f, int d[2])
{
    const uint16_t *a = frame16(c, 0), *b = frame16(c, f);
    const int step = 4, reach = (int)(c->w < c->h ? c->w : c->h) / 2;
    double best = INFINITY;
    int bx = 0, by = 0;
    for (int dy = -reach; dy <= reach; dy += step)
        for (int dx = -reach; dx <= reach; dx += step) {
            double e = shifted_error(c, a, b, dx, dy, step);
            if (e < best) {
                best = e;
                bx = dx;
                by = dy;
            }
        }
    int cx = bx, cy = by;
    best = INFINITY;
    for (int dy = cy - step; dy <= cy + step; dy++)
        for (int dx = cx - step; dx <= cx + step; dx++) {
            double e = shifted_error(c, a, b, dx, dy, 1);
            if (e < best) {
                best = e;
                bx = dx;
                by = dy;
            }
        }
    d[0] = bx;
    d[1] = by;
}

/* Where the brightness of frame f lies along an axis: the positions below which fractions lo
 * and hi of it lie. */
static void extent(const Clip16 *c, unsigned f, int axis, double lo, double hi, double out[2])
{
    const unsigned n = axis ? c->h : c->w;
    double *p = profile(c, f, axis), total = 0, run = 0;
    for (unsigned i = 0; i < n; i++)
        total += p[i];
    out[0] = out[1] = 0;
    bool have_lo = false;
    for (unsigned i = 0; i < n; i++) {
        double next = run + p[i];
        if (!have_lo && next >= lo * total) {
            out[0] = i + (lo * total - run) / (p[i] > 0 ? p[i] : 1);
            have_lo = true;
        }
        if (next >= hi * total) {
            out[1] = i + (hi * total - run) / (p[i] > 0 ? p[i] : 1);
            break;
        }
        run = next;
    }
    g_free(p);
}

/* Fraction of pixels of frame f above level. */
static double lit_fraction(const Clip16 *c, unsigned f, uint16_t level)
{
    const uint16_t *px = frame16(c, f);
    size_t lit = 0, n = (size_t)c->w * c->h;
    for (size_t i = 0; i < n; i++)
        lit += px[i] > level;
    return (double)lit / n;
}

/* The first augment seed from 0 whose draw for clip clip_index of s satisfies ok. */
static uint64_t seed_where(FvSettings *s, uint64_t clip_index,
                           bool (*ok)(const FvEffectsInfo *e, const FvSettings *s))
{
    for (uint64_t a = 0; a < 10000; a++) {
        FvEffectsInfo e;
        s->augment_seed = a;
        g_assert_cmpint(fv_effects_draw(s, clip_index, &e), ==, 0);
        if (ok(&e, s))
            return a;
    }
    g_assert_not_reached();
    return 0;
}

static FvSettings still(uint32_t effects, unsigned size)
{
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = 4;
    s.motion = FV_MOTION_STATIC; /* the fractal holds still: every motion is the effect's */
    s.width = s.height = size;
    s.effects = effects;
    return s;
}

/* ---- off, names, determinism ---- */

/* MD5 of the clip's 8-bit frames as fractalvid-render's .md5 output (one digest per line). */
static gchar *clip_digest(FvRenderer *r, const FvSettings *s, uint64_t first, int clips)
{
    GChecksum *all = g_checksum_new(G_CHECKSUM_MD5);
    FvClip *c;
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    for (int k = 0; k < clips; k++) {
        g_assert_cmpint(fv_render_clip(r, s, first + (uint64_t)k, c), ==, 0);
        const FvClipInfo *info = fv_clip_info(c);
        guint8 *frame = g_malloc((size_t)s->width * s->height);
        for (unsigned f = 0; f < info->frames; f++) {
            g_assert_cmpint(fv_clip_write_gray8(c, f, frame, s->width), ==, 0);
            gchar *one =
                g_compute_checksum_for_data(G_CHECKSUM_MD5, frame, (gsize)s->width * s->height);
            g_checksum_update(all, (const guchar *)one, (gssize)strlen(one));
            g_checksum_update(all, (const guchar *)"\n", 1);
            g_free(one);
        }
        g_free(frame);
    }
    fv_clip_free(&c);
    gchar *digest = g_strdup(g_checksum_get_string(all));
    g_checksum_free(all);
    return digest;
}

/* Effects off (the default), whatever the augment seed: the plain clips of this generator
 * version, bit for bit (digests recorded from the renderer before the effects existed). */
static void test_off_gives_the_plain_clips(void)
{
    static const struct {
        int64_t class_id;
        uint64_t seed;
        int variation, motion, clips;
        unsigned w, h;
        const char *digest;
    } plain[] = {
        {3, 0, FV_VARIATION_AUTO, FV_MOTION_NONLINEAR, 2, 96, 64,
         "870afdfc39ae59dab0c384b66fce2712"},
        {-1, 5, FV_VARIATION_AUTO, FV_MOTION_NONLINEAR, 2, 64, 64,
         "30a4e460303e7012fee036b4ba5abd48"},
        {7, 0, 4 /* horseshoe */, FV_MOTION_LINEAR, 1, 80, 80, "7998ee606e00fcd69803d2851e951ee8"},
    };
    g_assert_cmpstr(FV_GENERATOR_VERSION, ==, "fractalvid-gen-3");
    FvRenderer *r = renderer(2);
    for (size_t k = 0; k < G_N_ELEMENTS(plain); k++) {
        FvSettings s;
        fv_default_settings(&s);
        g_assert_cmpuint(s.effects, ==, 0);
        s.class_id = plain[k].class_id;
        s.seed = plain[k].seed;
        s.variation = plain[k].variation;
        s.motion = (FvMotion)plain[k].motion;
        s.width = plain[k].w;
        s.height = plain[k].h;
        for (uint64_t a = 0; a < 3; a++) {
            s.augment_seed = a * 977;
            gchar *got = clip_digest(r, &s, 0, plain[k].clips);
            g_assert_cmpstr(got, ==, plain[k].digest);
            g_free(got);
        }
    }
    fv_renderer_close(&r);
}

static void test_names_round_trip(void)
{
    for (int b = 0; b < FV_NUM_EFFECTS; b++) {
        uint32_t e;
        g_assert_nonnull(fv_effect_name(b));
        g_assert_cmpint(fv_effects_from_string(fv_effect_name(b), &e, NULL), ==, 0);
        g_assert_cmpuint(e, ==, 1u << b);
    }
    g_assert_null(fv_effect_name(FV_NUM_EFFECTS));
    uint32_t e;
    g_assert_cmpint(fv_effects_from_string("zoom+shake,clones", &e, NULL), ==, 0);
    g_assert_cmpuint(e, ==, FV_EFFECT_ZOOM | FV_EFFECT_SHAKE | FV_EFFECT_CLONES);
    char buf[256];
    fv_effects_to_string(e, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "clones+zoom+shake");
    g_assert_cmpint(fv_effects_from_string("none", &e, NULL), ==, 0);
    g_assert_cmpuint(e, ==, 0);
    g_assert_cmpint(fv_effects_from_string("", &e, NULL), ==, 0);
    fv_effects_to_string(0, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "none");
    const char *bad = NULL;
    g_assert_cmpint(fv_effects_from_string("zoom+zom", &e, &bad), ==, -EINVAL);
    g_assert_cmpstr(bad, ==, "zom");
    g_assert_cmpint(fv_effects_from_string("zoom+", &e, NULL), ==, -EINVAL);
    /* a short buffer: truncated, the length it needs returned */
    g_assert_cmpint(fv_effects_to_string(FV_EFFECT_ZOOM | FV_EFFECT_SHAKE, buf, 4), ==, 10);
    g_assert_cmpstr(buf, ==, "zoo");
    FvSettings s;
    fv_default_settings(&s);
    s.effects = 1u << FV_NUM_EFFECTS;
    const char *field = NULL;
    g_assert_cmpint(fv_settings_validate(&s, &field), ==, -EINVAL);
    g_assert_cmpstr(field, ==, "effects");
}

/* The same inputs give the same bits whatever the thread count and the order clips are
 * rendered (seeks), with every effect at work. */
static void test_deterministic_over_threads_and_order(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = -1;
    s.width = 97; /* odd: bands and lanes do not line up */
    s.height = 71;
    s.effects = FV_EFFECT_PAPER;
    s.augment_seed = 5;
    const unsigned threads[] = {1, 2, 3};
    gchar *ref[6] = {0};
    for (size_t t = 0; t < G_N_ELEMENTS(threads); t++) {
        FvRenderer *r = renderer(threads[t]);
        /* backwards on even runs: every clip rendered after others */
        for (int i = 0; i < 6; i++) {
            int k = t % 2 ? i : 5 - i;
            gchar *got = clip_digest(r, &s, (uint64_t)k, 1);
            if (!ref[k])
                ref[k] = got;
            else {
                g_assert_cmpstr(got, ==, ref[k]);
                g_free(got);
            }
        }
        fv_renderer_close(&r);
    }
    for (int k = 0; k < 6; k++)
        g_free(ref[k]);
    /* every effect alone, too */
    for (int b = 0; b < FV_NUM_EFFECTS - 1; b++) {
        FvSettings one = s;
        one.effects = 1u << b;
        one.width = one.height = 48;
        FvRenderer *r1 = renderer(1), *r2 = renderer(2);
        gchar *a = clip_digest(r1, &one, 3, 1), *c = clip_digest(r2, &one, 3, 1);
        g_assert_cmpstr(a, ==, c);
        g_free(a);
        g_free(c);
        fv_renderer_close(&r1);
        fv_renderer_close(&r2);
    }
}

/* A new augment seed draws the effects anew; the plain clip (class, sample, framing) stays
 * the same. */
static void test_augment_seed_redraws_effects_only(void)
{
    FvSettings s = still(FV_EFFECT_SCALE | FV_EFFECT_ZOOM, 64);
    s.motion = FV_MOTION_NONLINEAR;
    FvRenderer *r = renderer(2);
    Clip16 a = render16(r, &s, 2);
    s.augment_seed = 1;
    Clip16 b = render16(r, &s, 2);
    g_assert_cmpuint(a.info.class_key, ==, b.info.class_key);
    g_assert_cmpuint(a.info.redraws, ==, b.info.redraws);
    g_assert_cmpuint(a.info.sample_redraws, ==, b.info.sample_redraws);
    g_assert_cmpuint(a.frames, ==, b.frames);
    g_assert_cmpuint(b.info.augment_seed, ==, 1);
    g_assert_true(a.info.effects.scale[0] != b.info.effects.scale[0]);
    g_assert_true(memcmp(a.px, b.px, (size_t)a.w * a.h * a.frames * 2) != 0);
    /* the draw before rendering is the clip's */
    FvEffectsInfo e;
    g_assert_cmpint(fv_effects_draw(&s, 2, &e), ==, 0);
    g_assert_true(memcmp(&e, &b.info.effects, sizeof(e)) == 0);
    /* only the scale and zoom drawn: the same fractal, scaled and placed as labelled */
    s.effects = 0;
    Clip16 plain = render16(r, &s, 2);
    g_assert_cmpuint(plain.info.class_key, ==, b.info.class_key);
    g_assert_cmpuint(plain.info.effects.applied, ==, 0);
    free16(&a);
    free16(&b);
    free16(&plain);
    fv_renderer_close(&r);
}

/* ---- each effect, measured ---- */

static bool pan_is_long(const FvEffectsInfo *e, const FvSettings *s)
{
    (void)s;
    const FvPan *p = e->applied & FV_EFFECT_CAMERA_PAN ? &e->camera_pan : &e->foreground_shift;
    return p->start > 1 && p->frames >= 6 && p->start + p->frames < 17 &&
           (p->frames - 1) * p->speed > 0.25;
}

/* A pan moves the picture steadily along one direction during its window, at its speed, and
 * holds still before and after. */
static void check_pan(uint32_t effect)
{
    FvSettings s = still(effect, 128);
    s.clip_frames = 18;
    uint64_t a = seed_where(&s, 0, pan_is_long);
    (void)a;
    FvRenderer *r = renderer(2);
    Clip16 c = render16(r, &s, 0);
    const FvEffectsInfo *e = &c.info.effects;
    g_assert_cmpuint(e->applied & effect, ==, effect);
    const FvPan *p = effect == FV_EFFECT_CAMERA_PAN ? &e->camera_pan : &e->foreground_shift;
    const double dir[2] = {cos(p->angle), sin(p->angle)};
    double step[2] = {p->speed * dir[0] * c.w, p->speed * dir[1] * c.h};
    g_test_message("pan: angle %.2f, %.2f px per frame from frame %u for %u frames", p->angle,
                   hypot(step[0], step[1]), p->start, p->frames);
    for (unsigned f = 0; f < c.frames; f++) {
        int d[2];
        measured_shift(&c, f, d);
        const double *label =
            effect == FV_EFFECT_CAMERA_PAN ? c.ef[f].camera_pan : c.ef[f].foreground_shift;
        int n = (int)f - (int)p->start;
        n = n < 0 ? 0 : n > (int)p->frames - 1 ? (int)p->frames - 1 : n;
        for (int axis = 0; axis < 2; axis++) {
            /* the label is the drawn motion; the frames show it */
            g_assert_cmpfloat(fabs(label[axis] - n * step[axis]), <, 1e-6);
            g_assert_cmpfloat(fabs(d[axis] - label[axis]), <=, 1.5);
        }
    }
    free16(&c);
    fv_renderer_close(&r);
}

static void test_camera_pan_moves_steadily(void)
{
    check_pan(FV_EFFECT_CAMERA_PAN);
}

static void test_foreground_shift_moves_steadily(void)
{
    check_pan(FV_EFFECT_FOREGROUND_SHIFT);
}

static bool zoom_fits(const FvEffectsInfo *e, const FvSettings *s)
{
    (void)s;
    /* the scaled fractal stays inside the frame at the largest zoom */
    double z = 1 + (e->zoom_frames - 1) * e->zoom_rate;
    for (int a = 0; a < 2; a++) {
        double lo = 0.5 + z * (e->position[a] - 0.5);
        double hi = 0.5 + z * (e->position[a] + e->scale[a] - 0.5);
        if (lo < 0.02 || hi > 0.98)
            return false;
    }
    return e->zoom_frames >= 8 && z > 1.5;
}

/* Zoom changes the picture's extent monotonically, by its drawn factor. */
static void test_zoom_changes_extent_monotonically(void)
{
    FvSettings s = still(FV_EFFECT_SCALE | FV_EFFECT_ZOOM, 128);
    s.clip_frames = 18;
    for (int out = 0; out < 2; out++) {
        /* one zoom in, one zoom out */
        uint64_t a;
        for (a = 0;; a++) {
            FvEffectsInfo e;
            s.augment_seed = a;
            fv_effects_draw(&s, 1, &e);
            if (e.zoom_out == out && zoom_fits(&e, &s))
                break;
        }
        FvRenderer *r = renderer(2);
        Clip16 c = render16(r, &s, 1);
        double w0[2], h0[2];
        extent(&c, 0, 0, 0.05, 0.95, w0);
        extent(&c, 0, 1, 0.05, 0.95, h0);
        double last = 0;
        for (unsigned f = 0; f < c.frames; f++) {
            double w[2], h[2];
            extent(&c, f, 0, 0.05, 0.95, w);
            extent(&c, f, 1, 0.05, 0.95, h);
            double ratio = (w[1] - w[0]) / (w0[1] - w0[0]);
            double want = c.ef[f].zoom / c.ef[0].zoom;
            g_assert_cmpfloat(fabs(ratio - want), <, 0.04 * want);
            g_assert_cmpfloat(fabs((h[1] - h[0]) / (h0[1] - h0[0]) - want), <, 0.04 * want);
            if (f > 0) {
                /* monotonic: growing when zooming in, shrinking when out (no step backwards
                 * beyond the measurement's noise) */
                if (out)
                    g_assert_cmpfloat(ratio, <=, last + 0.01);
                else
                    g_assert_cmpfloat(ratio, >=, last - 0.01);
            }
            last = ratio;
        }
        double zmax = 1 + (c.info.effects.zoom_frames - 1) * c.info.effects.zoom_rate;
        g_assert_cmpfloat(fabs(c.ef[out ? 0 : c.frames - 1].zoom - zmax), <, 1e-9);
        free16(&c);
        fv_renderer_close(&r);
    }
}

/* Shake: whole-pixel displacements, seen in the frames, with the drawn standard deviation,
 * about the camera's mean position, within the bound that standard deviation allows; over many
 * clips the amplitudes span the paper's 2..4 px at 112 px. */
static void test_shake_bounded_mean_zero(void)
{
    FvSettings s = still(FV_EFFECT_SHAKE, 224);
    FvRenderer *r = renderer(2);
    for (uint64_t a = 0; a < 2; a++) {
        s.augment_seed = a;
        Clip16 c = render16(r, &s, 0);
        const double amp = c.info.effects.shake_amplitude;
        g_assert_cmpfloat(amp, >=, 2.0 / 112);
        g_assert_cmpfloat(amp, <=, 4.0 / 112);
        for (int axis = 0; axis < 2; axis++) {
            const double want = amp * (axis ? c.h : c.w);
            double sum = 0, sum2 = 0, most = 0;
            for (unsigned f = 0; f < c.frames; f++) {
                int d[2];
                measured_shift(&c, f, d);
                double label = c.ef[f].shake[axis];
                g_assert_cmpfloat(fabs(d[axis] - (label - c.ef[0].shake[axis])), <=, 1.0);
                sum += label;
                sum2 += label * label;
                most = fmax(most, fabs(label));
            }
            double mean = sum / c.frames;
            double sd = sqrt((sum2 - c.frames * mean * mean) / (c.frames - 1));
            g_test_message("shake axis %d: sd %.2f px (drawn %.2f), mean %.2f, largest %.0f", axis,
                           sd, want, mean, most);
            g_assert_cmpfloat(fabs(mean), <=, 0.5);
            g_assert_cmpfloat(fabs(sd - want), <, 0.6);
            g_assert_cmpfloat(most, <=, sqrt(c.frames - 1.0) * want + 1);
        }
        free16(&c);
    }
    fv_renderer_close(&r);
}

/* Scale and placement: the picture's extent shrinks to the drawn factors and sits where drawn. */
static void test_scale_shrinks_the_lit_box(void)
{
    FvSettings s = still(FV_EFFECT_SCALE, 160);
    FvRenderer *r = renderer(2);
    s.effects = 0;
    Clip16 plain = render16(r, &s, 3);
    s.effects = FV_EFFECT_SCALE;
    for (uint64_t a = 0; a < 3; a++) {
        s.augment_seed = a;
        Clip16 c = render16(r, &s, 3);
        const FvEffectsInfo *e = &c.info.effects;
        g_assert_cmpuint(e->applied, ==, FV_EFFECT_SCALE);
        for (int axis = 0; axis < 2; axis++) {
            g_assert_cmpfloat(e->scale[axis], >=, 0.3);
            g_assert_cmpfloat(e->scale[axis], <=, 1.0);
            g_assert_cmpfloat(e->position[axis] + e->scale[axis], <=, 1.0);
            double p[2], q[2], n = axis ? c.h : c.w;
            extent(&plain, 0, axis, 0.02, 0.98, p);
            extent(&c, 0, axis, 0.02, 0.98, q);
            double want_lo = e->position[axis] * n + e->scale[axis] * p[0];
            double want_w = e->scale[axis] * (p[1] - p[0]);
            g_test_message("axis %d: scale %.3f, extent %.1f px (plain %.1f), at %.1f (want %.1f)",
                           axis, e->scale[axis], q[1] - q[0], p[1] - p[0], q[0], want_lo);
            g_assert_cmpfloat(fabs((q[1] - q[0]) - want_w), <, 0.03 * n);
            g_assert_cmpfloat(fabs(q[0] - want_lo), <, 0.02 * n);
        }
        free16(&c);
    }
    free16(&plain);
    fv_renderer_close(&r);
}

/* The axis-aligned box of the clone's rotated box, in pixels. */
static void clone_box(const FvEffectsInfo *e, double W, double H, double box[4])
{
    double bw = e->scale[0] * W, bh = e->scale[1] * H, a = e->clone_angle * FV_PI / 180;
    double hw = (fabs(cos(a)) * bw + fabs(sin(a)) * bh) / 2;
    double hh = (fabs(sin(a)) * bw + fabs(cos(a)) * bh) / 2;
    double cx = e->clone_position[0] * W + bw / 2, cy = e->clone_position[1] * H + bh / 2;
    box[0] = fmax(cx - hw, e->clone_position[0] * W);
    box[1] = fmin(cx + hw, e->clone_position[0] * W + bw);
    box[2] = fmax(cy - hh, e->clone_position[1] * H);
    box[3] = fmin(cy + hh, e->clone_position[1] * H + bh);
}

static bool clone_apart(const FvEffectsInfo *e, const FvSettings *s)
{
    double c[4], W = s->width, H = s->height;
    clone_box(e, W, H, c);
    double f[4] = {e->position[0] * W, (e->position[0] + e->scale[0]) * W, e->position[1] * H,
                   (e->position[1] + e->scale[1]) * H};
    /* apart by a few pixels on one axis at least */
    return c[0] > f[1] + 4 || f[0] > c[1] + 4 || c[2] > f[3] + 4 || f[2] > c[3] + 4;
}

/* Label the 4-connected components of mask; returns how many have at least min pixels. */
static int components(const uint8_t *mask, int w, int h, int min)
{
    int *label = g_new0(int, (size_t)w *h), *stack = g_new(int, (size_t)w *h), big = 0, n = 0;
    for (int i = 0; i < w * h; i++) {
        if (!mask[i] || label[i])
            continue;
        int top = 0, size = 0;
        label[i] = ++n;
        stack[top++] = i;
        while (top) {
            int p = stack[--top], x = p % w, y = p / w;
            size++;
            const int nb[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
            for (int k = 0; k < 4; k++) {
                int qx = nb[k][0], qy = nb[k][1];
                if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                    continue;
                int q = qy * w + qx;
                if (mask[q] && !label[q]) {
                    label[q] = n;
                    stack[top++] = q;
                }
            }
        }
        big += size >= min;
    }
    g_free(label);
    g_free(stack);
    return big;
}

/* A clone adds a second blob: lit pixels in the clone's box as well as the fractal's, none
 * elsewhere, and the lit pixels fall apart into (at least) two pieces. */
static void test_clone_adds_a_second_blob(void)
{
    FvSettings s = still(FV_EFFECT_CLONES, 160);
    seed_where(&s, 0, clone_apart);
    FvRenderer *r = renderer(2);
    Clip16 c = render16(r, &s, 0);
    const FvEffectsInfo *e = &c.info.effects;
    g_assert_cmpuint(e->applied, ==, FV_EFFECT_CLONES | FV_EFFECT_SCALE);
    g_assert_cmpfloat(e->scale[0], >=, 0.2);
    g_assert_cmpfloat(e->scale[1], <=, 0.7);
    g_assert_cmpfloat(fabs(e->clone_angle), <=, 60);
    const double W = c.w, H = c.h;
    double cb[4];
    clone_box(e, W, H, cb);
    const double fb[4] = {e->position[0] * W, (e->position[0] + e->scale[0]) * W,
                          e->position[1] * H, (e->position[1] + e->scale[1]) * H};
    for (unsigned f = 0; f < c.frames; f += 5) {
        const uint16_t *px = frame16(&c, f);
        size_t in_fg = 0, in_clone = 0, elsewhere = 0;
        uint8_t *mask = g_new0(uint8_t, (size_t)c.w * c.h);
        for (unsigned y = 0; y < c.h; y++)
            for (unsigned x = 0; x < c.w; x++) {
                if (px[y * c.w + x] < 2000)
                    continue;
                mask[y * c.w + x] = 1;
                double X = x + 0.5, Y = y + 0.5;
                /* a pixel of margin: the 3x3 spread */
                if (X > fb[0] - 1.5 && X < fb[1] + 1.5 && Y > fb[2] - 1.5 && Y < fb[3] + 1.5)
                    in_fg++;
                else if (X > cb[0] - 1.5 && X < cb[1] + 1.5 && Y > cb[2] - 1.5 && Y < cb[3] + 1.5)
                    in_clone++;
                else
                    elsewhere++;
            }
        g_test_message("frame %u: %zu lit in the fractal's box, %zu in the clone's, %zu elsewhere",
                       f, in_fg, in_clone, elsewhere);
        g_assert_cmpuint(in_fg, >, 20);
        g_assert_cmpuint(in_clone, >, 20);
        g_assert_cmpuint(elsewhere, ==, 0);
        g_assert_cmpint(components(mask, (int)c.w, (int)c.h, 20), >=, 2);
        g_free(mask);
        /* the clone shows the frame clone_shift away, ends held */
        int want = (int)f + e->clone_shift;
        want = want < 0 ? 0 : want > (int)c.frames - 1 ? (int)c.frames - 1 : want;
        g_assert_cmpuint(c.ef[f].clone_frame, ==, (unsigned)want);
    }
    free16(&c);
    fv_renderer_close(&r);
}

/* A system whose attractor is the filled square [-1, 1]^2 (four maps halving towards the
 * corners), framed to fill a size x size frame exactly. */
static void square_system(FvSystem *sys, int size)
{
    memset(sys, 0, sizeof(*sys));
    sys->n = 4;
    sys->variation = FV_VARIATION_LINEAR;
    for (int i = 0; i < 4; i++)
        sys->maps[i] = (FvMap){0.5, 0, 0, 0.5, i & 1 ? 0.5 : -0.5, i & 2 ? 0.5 : -0.5};
    double w[4] = {1, 1, 1, 1};
    fv_alias_build(&sys->alias, w, 4);
    FvBox box = {-1, -1, 1, 1};
    fv_framing_set(sys, &box, 0, size, size);
}

/* Perspective maps the square's corners inward to the drawn quad (then the 1.4x centre
 * crop): inside the quad lit, outside black. */
static void test_perspective_maps_square_corners_inward(void)
{
    enum { N = 96 };
    FvSettings s = still(FV_EFFECT_PERSPECTIVE, N);
    for (uint64_t a = 0; a < 4; a++) {
        s.augment_seed = a;
        FvEffectsPlan plan;
        fv_effects_plan(&s, 0, 18, &plan);
        FvEffectsFrame ef[18];
        fv_effects_frames(&plan, ef);
        const double *q = plan.info.perspective;
        for (int c = 0; c < 4; c++) {
            /* each corner inward by at most 0.7 of the half-size */
            g_assert_cmpfloat(fabs(q[2 * c] - (c == 1 || c == 2)), <=, 0.35);
            g_assert_cmpfloat(fabs(q[2 * c + 1] - (c >= 2)), <=, 0.35);
        }
        FvSystem sys;
        square_system(&sys, N);
        fv_effects_warp(&plan, &ef[0], 0, false, &sys);
        uint32_t hist[N * N] = {0};
        for (int lane = 0; lane < FV_LANES; lane++)
            fv_chaos_lane(&sys, 7, lane, 3000, hist, N, N);
        /* the quad after the 1.4x crop about the centre, in pixels */
        double px[4], py[4];
        for (int c = 0; c < 4; c++) {
            px[c] = N / 2.0 + 1.4 * (q[2 * c] * N - N / 2.0);
            py[c] = N / 2.0 + 1.4 * (q[2 * c + 1] * N - N / 2.0);
        }
        int wrong = 0, checked = 0;
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                /* signed distance to each edge (the quad is convex, corners clockwise on
                 * screen) */
                double inside = INFINITY;
                for (int c = 0; c < 4; c++) {
                    int d = (c + 1) % 4;
                    double ex = px[d] - px[c], ey = py[d] - py[c], len = hypot(ex, ey);
                    double dist = ((x + 0.5 - px[c]) * ey - (y + 0.5 - py[c]) * ex) / -len;
                    inside = fmin(inside, dist);
                }
                if (fabs(inside) < 2)
                    continue; /* the edge itself */
                checked++;
                if ((inside > 0) != (hist[y * N + x] > 0) && wrong < 10)
                    g_test_message("pixel %d %d: inside %.2f, count %u", x, y, inside,
                                   hist[y * N + x]);
                wrong += (inside > 0) != (hist[y * N + x] > 0);
            }
        g_assert_cmpint(checked, >, N * N / 2);
        g_assert_cmpint(wrong, ==, 0);
    }
}

/* A background lights more of the frame, and the blend only adds to the fractal as the
 * paper's formula says: out >= ((1 - a) fg^0.75)^e (mix), out >= fg (max). */
static void test_background_raises_lit_fraction(void)
{
    FvRenderer *r = renderer(2);
    for (int kind = 0; kind < 2; kind++) {
        uint32_t bg = kind ? FV_EFFECT_DYNAMIC_BACKGROUND : FV_EFFECT_STATIC_BACKGROUND;
        FvSettings s = still(FV_EFFECT_SCALE | bg, 96);
        s.motion = FV_MOTION_NONLINEAR;
        Clip16 with = render16(r, &s, 5);
        s.effects = FV_EFFECT_SCALE;
        Clip16 fg = render16(r, &s, 5);
        const FvEffectsInfo *e = &with.info.effects;
        g_assert_cmpuint(e->applied, ==, FV_EFFECT_SCALE | bg);
        g_assert_cmpfloat(e->blend_alpha, >=, 0.25);
        g_assert_cmpfloat(e->blend_alpha, <=, 0.55);
        g_assert_cmpfloat(e->blend_exponent, >=, 0.6);
        g_assert_cmpfloat(e->blend_exponent, <=, 1.0);
        /* scale and placement are the same draw with or without a background */
        g_assert_cmpfloat(e->scale[0], ==, fg.info.effects.scale[0]);
        double lit_with = 0, lit_fg = 0;
        for (unsigned f = 0; f < with.frames; f++) {
            lit_with += lit_fraction(&with, f, 0) / with.frames;
            lit_fg += lit_fraction(&fg, f, 0) / with.frames;
            const uint16_t *o = frame16(&with, f), *g = frame16(&fg, f);
            for (size_t i = 0; i < (size_t)with.w * with.h; i++) {
                double v = g[i] / 65535.0, low;
                if (e->blend_max)
                    low = v;
                else
                    low = pow((1 - e->blend_alpha) * pow(v, 0.75), e->blend_exponent);
                g_assert_cmpfloat(o[i] / 65535.0, >=, low - 0.004);
            }
        }
        g_test_message("%s background: lit %.2f, without %.2f", kind ? "dynamic" : "static",
                       lit_with, lit_fg);
        g_assert_cmpfloat(lit_with, >, lit_fg + 0.1);
        if (kind) {
            /* the dynamic background shows frames of its window, by steps of at most one */
            for (unsigned f = 0; f < with.frames; f++) {
                unsigned b = with.ef[f].background_frame;
                g_assert_cmpuint(b, >=, e->background_frame[0]);
                g_assert_cmpuint(b, <, e->background_frame[0] + e->background_frame[1]);
                if (f)
                    g_assert_cmpint(abs((int)b - (int)with.ef[f - 1].background_frame), <=, 1);
            }
        }
        free16(&with);
        free16(&fg);
    }
    fv_renderer_close(&r);
}

/* The blend row kernels (fv_blend_row_kernel) give the reference's bits, and the reference
 * follows the paper's formula: ((1 - a) fg^0.75 + a bg^0.75)^e, or the pixel max. */
static void test_blend_follows_the_formula(void)
{
    enum { W = 37, H = 23, CW = 41, CH = 29 };
    FvRng rng;
    fv_rng_init(&rng, 0x626c656e64);
    static double pow075[65536];
    for (int v = 0; v < 65536; v++)
        pow075[v] = pow(v / 65535.0, 0.75);
    for (int round = 0; round < 200; round++) {
        const bool max_blend = round % 5 == 0, framed = round % 2 == 0;
        const double alpha = fv_rng_uniform(&rng, 0.25, 0.55), e = fv_rng_uniform(&rng, 0.6, 1);
        uint16_t canvas[CW * CH + 1], fg[65537], codes[W * H];
        static double fg075[65536], pow_e[FV_BLEND_STEPS + 2];
        for (int i = 0; i < CW * CH + 1; i++)
            canvas[i] = (uint16_t)fv_rng_int(&rng, 0, 65535);
        const int max_code = fv_rng_int(&rng, 100, 30000);
        for (int c = 0; c <= max_code; c++) {
            fg[c] = (uint16_t)((c * 65535u + max_code / 2) / max_code);
            fg075[c] = pow075[fg[c]];
        }
        for (int i = 0; i <= FV_BLEND_STEPS; i++)
            pow_e[i] = pow((double)i / FV_BLEND_STEPS, e);
        pow_e[FV_BLEND_STEPS + 1] = pow_e[FV_BLEND_STEPS];
        FvBlend b = {.framed = framed,
                     .max_blend = max_blend,
                     .alpha = alpha,
                     .width = W,
                     .height = H,
                     .cw = CW,
                     .ch = CH,
                     .canvas = canvas,
                     .fg = fg,
                     .fg075 = fg075,
                     .pow_e = pow_e,
                     .scale = fv_rng_uniform(&rng, 0.7, 1.1)};
        /* a camera: scale, rotation, and now and then a perspective */
        double ang = fv_rng_uniform(&rng, -0.3, 0.3), k = fv_rng_uniform(&rng, 0.6, 1.2);
        double m[9] = {k * cos(ang),
                       -k * sin(ang),
                       fv_rng_uniform(&rng, -3, 3),
                       k * sin(ang),
                       k * cos(ang),
                       fv_rng_uniform(&rng, -3, 3),
                       framed ? fv_rng_uniform(&rng, -0.01, 0.01) : 0,
                       framed ? fv_rng_uniform(&rng, -0.01, 0.01) : 0,
                       1};
        memcpy(b.m, m, sizeof(m));
        b.off[0] = fv_rng_uniform(&rng, -1, 4) - 0.5;
        b.off[1] = fv_rng_uniform(&rng, -1, 4) - 0.5;
        for (int i = 0; i < W * H; i++)
            codes[i] = (uint16_t)fv_rng_int(&rng, 0, max_code);
        uint16_t want[W * H], got[W * H];
        memcpy(want, codes, sizeof(codes));
        for (int y = 0; y < H; y++)
            fv_blend_row_ref(&b, y, want + y * W);
        FvBlendRow fast = fv_blend_row_kernel(true);
        memcpy(got, codes, sizeof(codes));
        for (int y = 0; y < H; y++)
            fast(&b, y, got + y * W);
        g_assert_cmpmem(got, sizeof(got), want, sizeof(want));
        /* against the formula, where the canvas is flat around the point (no interpolation
         * question): every pixel's bilinear value lies between its four neighbours */
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double px = x + 0.5, py = y + 0.5, z = m[6] * px + m[7] * py + m[8];
                double qx = (m[0] * px + m[1] * py + m[2]) / z;
                double qy = (m[3] * px + m[4] * py + m[5]) / z;
                double out = want[y * W + x] / 65535.0;
                if (framed && !(qx >= 0 && qx < W && qy >= 0 && qy < H)) {
                    if (fabs(qx) > 0.01 && fabs(qy) > 0.01 && fabs(qx - W) > 0.01 &&
                        fabs(qy - H) > 0.01)
                        g_assert_cmpfloat(out, ==, 0);
                    continue;
                }
                double bx = qx * b.scale + b.off[0], by = qy * b.scale + b.off[1];
                int ix = (int)floor(bx), iy = (int)floor(by);
                double lo = 1, hi = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int cx = ix + dx < 0 ? 0 : ix + dx > CW - 1 ? CW - 1 : ix + dx;
                        int cy = iy + dy < 0 ? 0 : iy + dy > CH - 1 ? CH - 1 : iy + dy;
                        double v = canvas[cy * CW + cx] / 65535.0;
                        lo = fmin(lo, v);
                        hi = fmax(hi, v);
                    }
                double f = fg[codes[y * W + x]] / 65535.0;
                if (max_blend) {
                    g_assert_cmpfloat(out, >=, fmax(f, lo) - 1e-4);
                    g_assert_cmpfloat(out, <=, fmax(f, hi) + 1e-4);
                } else {
                    /* the canvas holds bg^0.75 for the mix */
                    double a = pow((1 - alpha) * pow(f, 0.75) + alpha * lo, e);
                    double c = pow((1 - alpha) * pow(f, 0.75) + alpha * hi, e);
                    g_assert_cmpfloat(out, >=, a - 2e-3);
                    g_assert_cmpfloat(out, <=, c + 2e-3);
                }
            }
    }
}

/* The paper's mix turns each effect on at the paper's probability (G10), over many clips,
 * with no curriculum: every drawn value within the full range. */
static void test_paper_mix_rates(void)
{
    enum { N = 3000 };
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = -1;
    s.effects = FV_EFFECT_PAPER;
    static const struct {
        uint32_t effect;
        double p;
    } rates[] = {
        {FV_EFFECT_STATIC_BACKGROUND, 0.8},
        {FV_EFFECT_DYNAMIC_BACKGROUND, 0.2},
        {FV_EFFECT_BACKGROUND_PAN, 0.8 * 0.3},
        {FV_EFFECT_SCALE, 1.0},
        {FV_EFFECT_CLONES, 0.15},
        {FV_EFFECT_FOREGROUND_SHIFT, 0.3},
        {FV_EFFECT_PERSPECTIVE, 0.8},
        {FV_EFFECT_CAMERA_PAN, 0.3},
        {FV_EFFECT_ZOOM, 0.3},
        {FV_EFFECT_SHAKE, 0.3},
    };
    int count[G_N_ELEMENTS(rates)] = {0}, max_blend = 0, zoom_out = 0;
    double scale_lo = 1, scale_hi = 0, speed_hi = 0;
    for (uint64_t k = 0; k < N; k++) {
        FvEffectsInfo e;
        s.augment_seed = k / 10;
        g_assert_cmpint(fv_effects_draw(&s, k, &e), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(rates); i++)
            count[i] += (e.applied & rates[i].effect) != 0;
        /* always a background, one of the two */
        g_assert_true(!(e.applied & FV_EFFECT_STATIC_BACKGROUND) !=
                      !(e.applied & FV_EFFECT_DYNAMIC_BACKGROUND));
        max_blend += e.blend_max;
        if (e.applied & FV_EFFECT_ZOOM) {
            zoom_out += e.zoom_out;
            unsigned T = fv_clip_frame_count(&s, k);
            g_assert_cmpfloat(e.zoom_rate * T, >=, 0.3);
            g_assert_cmpfloat(e.zoom_rate * T, <=, 1.0);
            g_assert_cmpuint(e.zoom_start + e.zoom_frames, <=, T);
        }
        if (!(e.applied & FV_EFFECT_CLONES)) {
            scale_lo = fmin(scale_lo, fmin(e.scale[0], e.scale[1]));
            scale_hi = fmax(scale_hi, fmax(e.scale[0], e.scale[1]));
        }
        if (e.applied & FV_EFFECT_CAMERA_PAN) {
            unsigned T = fv_clip_frame_count(&s, k);
            speed_hi = fmax(speed_hi, e.camera_pan.speed * T);
            g_assert_cmpfloat(e.camera_pan.speed * T, >=, 0.2);
            g_assert_cmpuint(e.camera_pan.frames, >=, 2);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
        double rate = (double)count[i] / N, p = rates[i].p;
        double sd = sqrt(p * (1 - p) / N);
        g_test_message("%s: %.3f (paper %.3f)", fv_effect_name(__builtin_ctz(rates[i].effect)),
                       rate, p);
        g_assert_cmpfloat(fabs(rate - p), <=, 4 * sd + 1e-9);
    }
    /* the blend's pixel max 0.05 of backgrounds; zoom out half the zooms */
    g_assert_cmpfloat(fabs(max_blend / (double)N - 0.05), <=, 4 * sqrt(0.05 * 0.95 / N));
    g_assert_cmpfloat(fabs(zoom_out / (double)count[8] - 0.5), <, 0.1);
    /* full ranges, no curriculum */
    g_assert_cmpfloat(scale_lo, <, 0.31);
    g_assert_cmpfloat(scale_hi, >, 0.99);
    g_assert_cmpfloat(speed_hi, >, 0.98);
}

/* Each effect named alone is applied to every clip, and only it (clones scale the fractal,
 * a background pan pans a static background). */
static void test_each_effect_alone(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = 2;
    for (int b = 0; b < FV_NUM_EFFECTS - 1; b++) {
        uint32_t want = 1u << b;
        if (want == FV_EFFECT_CLONES)
            want |= FV_EFFECT_SCALE;
        if (want == FV_EFFECT_BACKGROUND_PAN)
            want |= FV_EFFECT_STATIC_BACKGROUND;
        s.effects = 1u << b;
        for (uint64_t k = 0; k < 50; k++) {
            FvEffectsInfo e;
            g_assert_cmpint(fv_effects_draw(&s, k, &e), ==, 0);
            g_assert_cmpuint(e.applied, ==, want);
            g_assert_cmpuint(e.asked, ==, 1u << b);
        }
    }
    /* and the labels as text */
    s.effects = FV_EFFECT_ZOOM | FV_EFFECT_SCALE;
    FvEffectsInfo e;
    fv_effects_draw(&s, 0, &e);
    char text[512];
    int n = fv_effects_describe(&e, text, sizeof(text));
    g_assert_cmpint(n, ==, (int)strlen(text));
    g_assert_nonnull(strstr(text, "effects=scale+zoom "));
    g_assert_nonnull(strstr(text, " scale="));
    g_assert_nonnull(strstr(text, " zoom="));
    g_assert_null(strstr(text, "shake"));
}

/* A large frame's panned background is drawn on a canvas of at most the frame's pixels (or
 * 2^21), at a scale the blend reads it back by; a long clip's dynamic background holds at
 * most 64 frames at once. */
static void test_backgrounds_stay_bounded(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.class_id = 1;
    s.effects = FV_EFFECT_BACKGROUND_PAN;
    const unsigned sizes[][2] = {{256, 256}, {1280, 720}, {4096, 4096}, {8192, 300}};
    for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
        s.width = sizes[k][0];
        s.height = sizes[k][1];
        const double frame = (double)s.width * s.height;
        const double budget = frame > (1 << 21) ? frame : (1 << 21);
        for (uint64_t clip = 0; clip < 20; clip++) {
            FvEffectsPlan plan;
            fv_effects_plan(&s, clip, 19, &plan);
            g_assert_cmpuint(plan.info.applied & FV_EFFECT_BACKGROUND_PAN, !=, 0);
            int cw, ch;
            double tr[4], scale;
            fv_effects_background_canvas(&plan, &cw, &ch, tr, &scale);
            const double k2 = plan.info.background_pan.enlarge;
            g_assert_cmpfloat((double)cw * ch, <=, budget + cw + ch + 1);
            if (k2 * k2 * frame <= budget) {
                g_assert_cmpfloat(scale, ==, 1);
            } else {
                g_assert_cmpfloat(scale, <, 1);
                g_assert_cmpfloat(fabs(scale * k2 * s.width - cw), <=, 1);
            }
            /* the crop's corners land on the canvas's corners */
            const double *c = plan.info.crop;
            g_assert_cmpfloat(fabs(tr[0] * c[0] * s.width + tr[1]), <, 1e-6);
            g_assert_cmpfloat(fabs(tr[0] * (c[0] + c[2]) * s.width + tr[1] - scale * k2 * s.width),
                              <, 1e-6 * cw);
        }
    }
    fv_default_settings(&s);
    s.width = s.height = 16;
    s.effects = FV_EFFECT_DYNAMIC_BACKGROUND;
    s.clip_frames = 2000;
    unsigned widest = 0;
    for (uint64_t clip = 0; clip < 20; clip++) {
        FvEffectsInfo e;
        g_assert_cmpint(fv_effects_draw(&s, clip, &e), ==, 0);
        widest = e.background_frame[1] > widest ? e.background_frame[1] : widest;
    }
    g_assert_cmpuint(widest, ==, 64);
}

/* Under the frame normalization a clip with effects can be rendered a frame at a time (the
 * element's low-latency mode): each frame alone, in any order, is the clip's frame bit for bit,
 * with the same labels; each frame is tone mapped by its own brightest pixel. */
static void test_frame_normalization_renders_frames_alone(void)
{
    static const uint32_t sets[] = {
        FV_EFFECT_PAPER, FV_EFFECT_DYNAMIC_BACKGROUND | FV_EFFECT_CLONES | FV_EFFECT_SHAKE,
        FV_EFFECT_BACKGROUND_PAN | FV_EFFECT_PERSPECTIVE | FV_EFFECT_ZOOM,
        FV_EFFECT_SCALE | FV_EFFECT_CAMERA_PAN, /* no background: log codes, not blended */
    };
    FvRenderer *r = renderer(2), *other = renderer(1);
    FvClip *whole, *one;
    g_assert_cmpint(fv_clip_new(&whole), ==, 0);
    g_assert_cmpint(fv_clip_new(&one), ==, 0);
    for (size_t k = 0; k < G_N_ELEMENTS(sets); k++) {
        FvSettings s;
        fv_default_settings(&s);
        s.class_id = k % 2 ? 6 : -1;
        s.width = 72;
        s.height = 56;
        s.effects = sets[k];
        s.augment_seed = 11 + k;
        s.normalization = FV_NORMALIZATION_FRAME;
        for (uint64_t clip = 0; clip < 3; clip++) {
            g_assert_cmpint(fv_render_clip(r, &s, clip, whole), ==, 0);
            const FvClipInfo *wi = fv_clip_info(whole);
            const unsigned frames = wi->frames, px = s.width * s.height;
            guint8 *a = g_malloc(px), *b = g_malloc(px);
            guint16 *a16 = g_new(guint16, px);
            unsigned white = 0; /* frames whose brightest pixel is white */
            for (unsigned i = 0; i < frames; i++) {
                unsigned f = (i * 7 + (unsigned)clip) % frames; /* out of order */
                g_assert_cmpint(fv_render_frame(i % 2 ? r : other, &s, clip, f, one), ==, 0);
                const FvClipInfo *oi = fv_clip_info(one);
                g_assert_cmpuint(oi->first_frame, ==, f);
                g_assert_cmpuint(oi->frames_held, ==, 1);
                g_assert_cmpuint(oi->effects.applied, ==, wi->effects.applied);
                g_assert_cmpint(fv_clip_write_gray8(whole, f, a, s.width), ==, 0);
                g_assert_cmpint(fv_clip_write_gray8(one, f, b, s.width), ==, 0);
                g_assert_cmpmem(a, px, b, px);
                /* a frame not held is refused */
                g_assert_cmpint(fv_clip_write_gray8(one, (f + 1) % frames, b, s.width), ==,
                                frames > 1 ? -EINVAL : 0);
                FvEffectsFrame ea, eb;
                g_assert_cmpint(fv_clip_effects_frame(whole, f, &ea), ==, 0);
                g_assert_cmpint(fv_clip_effects_frame(one, f, &eb), ==, 0);
                g_assert_cmpmem(&ea, sizeof(ea), &eb, sizeof(eb));
                if (!(wi->effects.applied &
                      (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND))) {
                    /* not blended: each frame's brightest pixel is white */
                    g_assert_cmpint(fv_clip_write_gray16(whole, f, a16, s.width * 2), ==, 0);
                    guint16 top = 0;
                    for (unsigned p = 0; p < px; p++)
                        top = MAX(top, a16[p]);
                    white += top == 65535;
                }
            }
            if (!(wi->effects.applied &
                  (FV_EFFECT_STATIC_BACKGROUND | FV_EFFECT_DYNAMIC_BACKGROUND)))
                g_assert_cmpuint(white, >, frames / 2); /* the clip's: one or two */
            g_free(a);
            g_free(b);
            g_free(a16);
        }
    }
    fv_clip_free(&whole);
    fv_clip_free(&one);
    fv_renderer_close(&r);
    fv_renderer_close(&other);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/effects/off-gives-the-plain-clips", test_off_gives_the_plain_clips);
    g_test_add_func("/effects/names-round-trip", test_names_round_trip);
    g_test_add_func("/effects/deterministic-over-threads-and-order",
                    test_deterministic_over_threads_and_order);
    g_test_add_func("/effects/augment-seed-redraws-effects-only",
                    test_augment_seed_redraws_effects_only);
    g_test_add_func("/effects/camera-pan-moves-steadily", test_camera_pan_moves_steadily);
    g_test_add_func("/effects/foreground-shift-moves-steadily",
                    test_foreground_shift_moves_steadily);
    g_test_add_func("/effects/zoom-changes-extent-monotonically",
                    test_zoom_changes_extent_monotonically);
    g_test_add_func("/effects/shake-bounded-mean-zero", test_shake_bounded_mean_zero);
    g_test_add_func("/effects/scale-shrinks-the-lit-box", test_scale_shrinks_the_lit_box);
    g_test_add_func("/effects/clone-adds-a-second-blob", test_clone_adds_a_second_blob);
    g_test_add_func("/effects/perspective-maps-square-corners-inward",
                    test_perspective_maps_square_corners_inward);
    g_test_add_func("/effects/background-raises-lit-fraction", test_background_raises_lit_fraction);
    g_test_add_func("/effects/blend-follows-the-formula", test_blend_follows_the_formula);
    g_test_add_func("/effects/paper-mix-rates", test_paper_mix_rates);
    g_test_add_func("/effects/each-effect-alone", test_each_effect_alone);
    g_test_add_func("/effects/backgrounds-stay-bounded", test_backgrounds_stay_bounded);
    g_test_add_func("/effects/frame-normalization-renders-frames-alone",
                    test_frame_normalization_renders_frames_alone);
    return g_test_run();
}
