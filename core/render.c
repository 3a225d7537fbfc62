/* The renderer: a clip, or one frame of it, from settings. Draws the class (redrawing
 * degenerate ones, G9), the sample's per-frame systems (G3, G4), frames the clip (G7), runs
 * the chaos game on every frame wanted (G6) and tone maps clip-wide or per frame (G8). Scratch
 * memory only ever grows, so a running stream allocates nothing per frame. */
#include "fv_internal.h"
#include "fvmath.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum {
    TAG_CLASS = 0x434c4153,
    TAG_UNLABELED = 0x554e4c42,
    TAG_SAMPLE = 0x534d504c,
    TAG_CLIP = 0x434c4950,
    TAG_CHECK = 0x43484543,
    TAG_RESAMPLE = 0x52534d50,
    TAG_CHECK_SAMPLE = 0x43534d50
};

#define PROBE_POINTS (FV_PROBE_WALKERS * FV_PROBE_ITERS)
#define FRAMING_KEEP 0.9
#define FRAMING_PAD 0.1
#define FRAMING_OUTLIER 6.0
#define SAMPLE_TRIES 32
/* A labelled class is sound when CHECK_SAMPLES_SOUND of CHECK_SAMPLES perturbed samples pass. */
#define CHECK_SAMPLES 3
#define CHECK_SAMPLES_SOUND 2
#define PROBE_KEEP_FRAMES 64
/* Histogram copies beyond this many bytes (more than 4 at 8192x8192) cost more memory than
 * their parallel lanes gain; the pixels do not depend on the number of copies. */
#define HIST_COPIES_BYTES (UINT64_C(1) << 30)

/* A labelled class's check (G9) and the attempt it settled on. */
typedef struct ClassVerdict {
    bool valid;
    uint64_t key;
    int motion, variation, frames, attempt;
} ClassVerdict;

/* Verdicts kept, by class key: the paper's datasets have 250..1000 classes. */
#define VERDICTS 4096

/* What select_sample chose. */
typedef struct Sample {
    uint64_t key; /* the sample stream (G4, G6) */
    int attempt;  /* class redraws */
    int redraws;  /* sample redraws (labelled clips) */
} Sample;

struct FvRenderer {
    FvPool *pool;
    int threads;
    atomic_int cancel; /* set from another thread to stop a render early */
    uint32_t *hist;    /* hist_copies histograms of hist_pixels: one per lane (or frame, side by
                        * side) running at once */
    size_t hist_pixels;
    int hist_copies;
    bool hist_dirty; /* a cancelled frame left counts in them */
    uint32_t *boxed; /* one frame's 3x3 counts, boxed_pixels of them */
    size_t boxed_pixels;
    double *probe;      /* threads x PROBE_POINTS x 2 */
    double *kept_probe; /* frames x PROBE_POINTS x 2: a job's probe points, kept for lit_task */
    size_t kept_probe_frames;
    int *kept_count;
    FvSystem *systems; /* one per frame */
    FvBox *boxes;
    int *box_ok;
    double *sizes;
    double *lit;
    size_t frames_cap;
    uint16_t *log_lut;         /* code of counts below 65536 */
    FvComposite *composite;    /* scratch of clips with effects (composite.c) */
    FvSystem *scratch_systems; /* a background's systems (fv_render_frames_systems) */
    size_t scratch_cap;
    /* labelled classes' degeneracy verdicts, so a stream, a dataset or a shuffled loader
     * checks each class once */
    ClassVerdict verdicts[VERDICTS];
    /* the clip whose framed systems r->systems holds, so its frames rendered one by one
     * draw and frame it once */
    bool prepared_valid;
    FvSettings prepared_settings;
    uint64_t prepared_clip;
    FvClass prepared_class;
    Sample prepared_sample;
    /* the memory budget: clips of frames held at once (the caller's), the largest clip
     * storage allocated here (what each of the others is taken to hold) */
    unsigned clips;
    uint64_t largest_clip;
    int budget_copies; /* histogram copies the last budget allowed clips with effects, 0 none */
    FvChoices choices; /* the map choices of the sample last rendered (render_counts) */
    char error[512];   /* why the last fv_render_clip or fv_render_frame failed */
};

/* ---- keys ---- */

uint64_t fv_class_key(const FvSettings *s, uint64_t clip_index)
{
    if (s->class_id < 0)
        return fv_key(fv_key(s->class_seed, TAG_UNLABELED, s->seed), TAG_CLIP, clip_index);
    return fv_key(s->class_seed, TAG_CLASS, (uint64_t)s->class_id);
}

uint64_t fv_sample_key(const FvSettings *s, uint64_t clip_index)
{
    return fv_key(fv_key(fv_class_key(s, clip_index), TAG_SAMPLE, s->seed), TAG_CLIP, clip_index);
}

unsigned fv_clip_frame_count(const FvSettings *s, uint64_t clip_index)
{
    if (fv_settings_validate(s, NULL))
        return 0;
    if (s->clip_frames)
        return s->clip_frames;
    return (unsigned)fv_class_frames(fv_class_key(s, clip_index));
}

/* ---- renderer ---- */

int fv_renderer_open(FvRenderer **out, unsigned threads)
{
    if (!out)
        return -EINVAL;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > FV_MAX_THREADS)
        return -EINVAL;
    FvRenderer *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->threads = (int)threads;
    r->clips = 1;
    r->log_lut = malloc(65536 * sizeof(*r->log_lut));
    r->probe = malloc((size_t)r->threads * PROBE_POINTS * 2 * sizeof(double));
    int err = r->log_lut && r->probe ? fv_pool_new(&r->pool, r->threads) : -ENOMEM;
    if (err) {
        fv_renderer_close(&r);
        return err;
    }
    for (uint32_t c = 0; c < 65536; c++)
        r->log_lut[c] = fv_log_code(c);
    *out = r;
    return 0;
}

void fv_renderer_close(FvRenderer **pr)
{
    FvRenderer *r = pr ? *pr : NULL;
    if (!r)
        return;
    fv_pool_free(&r->pool);
    free(r->hist);
    free(r->choices.words);
    free(r->boxed);
    free(r->probe);
    free(r->kept_probe);
    free(r->kept_count);
    free(r->systems);
    free(r->boxes);
    free(r->box_ok);
    free(r->sizes);
    free(r->lit);
    free(r->log_lut);
    free(r->scratch_systems);
    fv_composite_free(&r->composite);
    free(r);
    *pr = NULL;
}

void fv_renderer_cancel(FvRenderer *r, int on)
{
    if (r)
        atomic_store(&r->cancel, on != 0);
}

static bool cancelled(FvRenderer *r)
{
    return atomic_load_explicit(&r->cancel, memory_order_relaxed) != 0;
}

unsigned fv_renderer_threads(const FvRenderer *r)
{
    return (unsigned)r->threads;
}

int fv_renderer_budget_clips(FvRenderer *r, unsigned clips)
{
    if (!r || clips < 1 || clips > FV_MAX_BUDGET_CLIPS)
        return -EINVAL;
    r->clips = clips;
    return 0;
}

const char *fv_renderer_error(const FvRenderer *r)
{
    return r ? r->error : "";
}

int fv_renderer_histograms(const FvRenderer *r)
{
    return r->hist_copies;
}

/* ---- the memory budget ---- */

#define PROBE_BYTES ((uint64_t)PROBE_POINTS * 2 * sizeof(double))
#define FRAME_BYTES ((uint64_t)sizeof(FvSystem) + sizeof(FvBox) + sizeof(int) + 2 * sizeof(double))

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Histogram copies worth having: one per lane that runs at once, within HIST_COPIES_BYTES. */
static int hist_copies_for(int threads, uint64_t pixels)
{
    uint64_t fit = HIST_COPIES_BYTES / (pixels * sizeof(uint32_t));
    int copies = threads < FV_LANES ? threads : FV_LANES;
    return (uint64_t)copies > fit ? (fit > 0 ? (int)fit : 1) : copies;
}

/* Frames whose probe points are kept: a short clip's (longer ones walk them twice). */
static uint64_t kept_frames_for(uint64_t frames)
{
    return frames <= PROBE_KEEP_FRAMES ? frames : 0;
}

/* What rendering frames of clips of `frames` frames of pixels holds, by kind: held frames of
 * each of clips clips (a whole clip, or one frame rendered alone). */
typedef struct Need {
    uint64_t frames;  /* log codes of every clip held */
    uint64_t hist;    /* histogram copies */
    uint64_t scratch; /* 3x3 counts, probe points, per-frame systems, tables */
} Need;

/* What a render holds beyond a plain one's: clips with effects count into histograms of up
 * to hist_pixels (a background's canvas can be larger than the frame) and hold bytes more
 * scratch (composite.c), of which growth is not held yet. */
typedef struct Extra {
    uint64_t hist_pixels;
    uint64_t bytes;
    uint64_t growth;
} Extra;

/* Bytes of the map choices kept (FvChoices) for frames of pixels at density points a pixel */
static uint64_t choices_bytes(double density, uint64_t pixels)
{
    double draws = FV_DISCARD + ceil(density * (double)pixels / FV_WALKERS);
    return fv_choices_bytes(draws < FV_CHOICE_MAX_STEPS ? (uint64_t)draws : FV_CHOICE_MAX_STEPS);
}

static Need need_for(int threads, int copies, uint64_t pixels, uint64_t frames, uint64_t held,
                     unsigned clips, double density, const Extra *x)
{
    Need n;
    uint64_t kept = kept_frames_for(frames);
    uint64_t hist_pixels = x && x->hist_pixels > pixels ? x->hist_pixels : pixels;
    n.frames = mul_sat(mul_sat(held, pixels), (uint64_t)clips * sizeof(uint16_t));
    n.hist = mul_sat((uint64_t)copies, hist_pixels * sizeof(uint32_t));
    n.scratch = hist_pixels * sizeof(uint32_t) + ((uint64_t)threads + kept) * PROBE_BYTES +
                kept * sizeof(int) + frames * FRAME_BYTES + 65536 * sizeof(uint16_t) +
                (uint64_t)clips * (sizeof(FvClip) + held * sizeof(uint16_t)) +
                choices_bytes(density, hist_pixels);
    if (x)
        n.scratch = add_sat(n.scratch, x->bytes);
    return n;
}

static uint64_t need_total(const Need *n)
{
    return add_sat(add_sat(n->frames, n->hist), n->scratch);
}

static uint64_t more(uint64_t need, uint64_t held)
{
    return need > held ? need - held : 0;
}

/* Bytes a render of held frames (of a clip of frames) x pixels with copies histograms adds to
 * what r and out hold (storage is only replaced by larger storage, so the old is freed
 * first). */
static uint64_t growth(const FvRenderer *r, const FvClip *out, int copies, uint64_t pixels,
                       uint64_t frames, uint64_t held, double density, const Extra *x)
{
    const uint64_t hist_pixels = x && x->hist_pixels > pixels ? x->hist_pixels : pixels;
    uint64_t clip = mul_sat(held * pixels, sizeof(uint16_t));
    uint64_t kept = kept_frames_for(frames);
    uint64_t g = more(clip, (uint64_t)out->codes_cap * sizeof(uint16_t));
    /* the caller's other clips, each as large as the largest yet (the ones it holds) */
    g = add_sat(g, mul_sat(r->clips - 1, more(clip, r->largest_clip)));
    if (hist_pixels > r->hist_pixels || copies > r->hist_copies)
        g = add_sat(g, more(mul_sat((uint64_t)copies, hist_pixels * sizeof(uint32_t)),
                            (uint64_t)r->hist_copies * r->hist_pixels * sizeof(uint32_t)));
    g = add_sat(g, more(hist_pixels * sizeof(uint32_t), r->boxed_pixels * sizeof(uint32_t)));
    g = add_sat(g, more(frames * FRAME_BYTES, r->frames_cap * FRAME_BYTES));
    g = add_sat(g, more(kept * (PROBE_BYTES + sizeof(int)),
                        r->kept_probe_frames * (PROBE_BYTES + sizeof(int))));
    g = add_sat(g, more(choices_bytes(density, hist_pixels), fv_choices_bytes(r->choices.steps)));
    if (x)
        g = add_sat(g, x->growth);
    return g;
}

uint64_t fv_render_memory_need(const FvSettings *s, unsigned threads, unsigned clips)
{
    if (fv_settings_validate(s, NULL) || threads > FV_MAX_THREADS)
        return 0;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)(n < FV_MAX_THREADS ? n : FV_MAX_THREADS) : 1;
    }
    uint64_t pixels = (uint64_t)s->width * s->height;
    uint64_t frames = s->clip_frames ? s->clip_frames : FV_CLASS_MAX_FRAMES;
    Extra x = {0};
    if (s->effects)
        fv_composite_need(s, NULL, (int)frames, (int)frames, &x.hist_pixels, &x.bytes);
    x.growth = x.bytes;
    Need n = need_for((int)threads, hist_copies_for((int)threads, pixels), pixels, frames, frames,
                      clips, s->density, &x);
    return need_total(&n);
}

static void format_bytes(char *buf, size_t size, uint64_t bytes)
{
    if (bytes >= (UINT64_C(1) << 30))
        snprintf(buf, size, "%.1f GiB", bytes / (double)(UINT64_C(1) << 30));
    else if (bytes >= (UINT64_C(1) << 20))
        snprintf(buf, size, "%.0f MiB", bytes / (double)(UINT64_C(1) << 20));
    else
        snprintf(buf, size, "%.0f KiB", bytes / 1024.0);
}

/* Check the render of held frames (of a clip of frames) x pixels against the memory the
 * process can still take; *copies is lowered (fewer histogram copies, slower lanes, same
 * pixels) when that makes it fit. -ENOMEM and r->error naming the need and the limit when
 * nothing does. */
static int check_budget(FvRenderer *r, const FvClip *out, const FvSettings *s, uint64_t frames,
                        uint64_t held, int *copies, const Extra *x)
{
    const uint64_t pixels = (uint64_t)s->width * s->height;
    uint64_t g = growth(r, out, *copies, pixels, frames, held, s->density, x);
    if (g == 0)
        return 0;
    FvMemoryRoom room = fv_memory_room();
    while (g > room.bytes && *copies > 1)
        g = growth(r, out, --*copies, pixels, frames, held, s->density, x);
    if (g <= room.bytes)
        return 0;
    Need n = need_for(r->threads, *copies, pixels, frames, held, r->clips, s->density, x);
    char total[32], codes[32], hist[32], scratch[32], extra[32], avail[32];
    format_bytes(total, sizeof(total), need_total(&n));
    format_bytes(codes, sizeof(codes), n.frames);
    format_bytes(hist, sizeof(hist), n.hist);
    format_bytes(scratch, sizeof(scratch), n.scratch);
    format_bytes(extra, sizeof(extra), g);
    format_bytes(avail, sizeof(avail), room.bytes);
    const char *unit = held < frames ? "frame" : "clip";
    int at = snprintf(r->error, sizeof(r->error),
                      held < frames ? "a %ux%u frame (of a clip of %" PRIu64 " frames)"
                                    : "a %ux%u clip of %" PRIu64 " frames",
                      s->width, s->height, frames);
    if (at > 0 && (size_t)at < sizeof(r->error))
        at += snprintf(r->error + at, sizeof(r->error) - (size_t)at,
                       " needs %s of memory (%s of frames for %u %s%s, %s of histograms, %s of "
                       "scratch)",
                       total, codes, r->clips, unit, r->clips > 1 ? "s" : "", hist, scratch);
    /* when it already holds a good part (a new size, say), what the rest needs too */
    if (at > 0 && (size_t)at < sizeof(r->error) && need_total(&n) - g >= (UINT64_C(16) << 20))
        at += snprintf(r->error + at, sizeof(r->error) - (size_t)at, ", %s more than it holds",
                       extra);
    if (at > 0 && (size_t)at < sizeof(r->error))
        snprintf(r->error + at, sizeof(r->error) - (size_t)at, "; %s is available (%s)", avail,
                 room.limit ? room.limit : "unknown limit");
    return -ENOMEM;
}

/* Large buffers (histograms, kept probe points, clips' frames) ask for transparent huge
 * pages where the system gives them on request: one page fault per 2 MiB instead of 512,
 * and fewer TLB misses for the chaos game's scattered counts (measured: 256x256 clips 2-6%
 * faster, 1080x1080 7%, a fresh renderer's first clip ~10 ms sooner). From 1 MiB on, a buffer
 * is 2 MiB-aligned whole huge pages (at most 2 MiB more than asked for), all of it advised:
 * a 256x256 clip's 2.6 MB of frames is 2 page faults, not 640, and a fault here costs several
 * microseconds. Smaller ones stay malloc's. free() releases either. */
#define HUGE_PAGE ((size_t)2 << 20)
static void *alloc_big(size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (bytes >= HUGE_PAGE / 2 && bytes <= SIZE_MAX - HUGE_PAGE) {
        size_t whole = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        void *p = aligned_alloc(HUGE_PAGE, whole);
        if (p)
            madvise(p, whole, MADV_HUGEPAGE);
        return p;
    }
#endif
    return malloc(bytes);
}

/* Scratch for frames of pixels, with copies histograms. Contents are not kept: everything
 * in it is rewritten per frame. */
static int reserve_pixels(FvRenderer *r, size_t pixels, int copies)
{
    if (pixels > r->hist_pixels || copies > r->hist_copies) {
        free(r->hist);
        /* histograms start zeroed and are zeroed again as they are summed */
        r->hist = pixels * (size_t)copies <= SIZE_MAX / sizeof(uint32_t)
                      ? alloc_big(pixels * (size_t)copies * sizeof(uint32_t))
                      : NULL;
        if (r->hist)
            memset(r->hist, 0, pixels * (size_t)copies * sizeof(uint32_t));
        r->hist_pixels = r->hist ? pixels : 0;
        r->hist_copies = r->hist ? copies : 0;
        r->hist_dirty = false;
        if (!r->hist)
            return -ENOMEM;
    }
    if (r->hist_dirty) {
        memset(r->hist, 0, r->hist_pixels * (size_t)r->hist_copies * sizeof(uint32_t));
        r->hist_dirty = false;
    }
    if (pixels > r->boxed_pixels) {
        free(r->boxed);
        r->boxed = malloc(pixels * sizeof(uint32_t));
        r->boxed_pixels = r->boxed ? pixels : 0;
        if (!r->boxed)
            return -ENOMEM;
    }
    return 0;
}

/* Scratch for clips of frames, rewritten per clip. */
static int reserve_frames(FvRenderer *r, size_t frames)
{
    if (frames > r->frames_cap) {
        free(r->systems);
        free(r->boxes);
        free(r->box_ok);
        free(r->sizes);
        free(r->lit);
        r->systems = malloc(frames * sizeof(*r->systems));
        r->boxes = malloc(frames * sizeof(*r->boxes));
        r->box_ok = malloc(frames * sizeof(*r->box_ok));
        r->sizes = malloc(frames * sizeof(*r->sizes));
        r->lit = malloc(frames * sizeof(*r->lit));
        r->prepared_valid = false;
        bool ok = r->systems && r->boxes && r->box_ok && r->sizes && r->lit;
        r->frames_cap = ok ? frames : 0;
        if (!ok)
            return -ENOMEM;
    }
    return 0;
}

/* ---- systems ---- */

void fv_system_build(FvSystem *sys, const FvClass *cls, FvMotion motion, int variation,
                     const FvPerturb *perturb, int t, int frames)
{
    sys->n = cls->n;
    sys->variation = variation;
    sys->warped = false;
    sys->cancel = NULL;  /* set where lanes run it (render_frames, fv_render_counts) */
    sys->choices = NULL; /* set where lanes run it (render_counts) */
    fv_class_maps(cls, motion, t, frames, sys->maps);
    if (perturb) {
        /* a static clip is the start state in every frame, perturbation included */
        double u = motion == FV_MOTION_STATIC || frames < 2 ? 0.0 : (double)t / (frames - 1);
        fv_perturb_apply(perturb, u, cls->n, sys->maps);
    }
    double w[FV_MAX_MAPS];
    for (int i = 0; i < cls->n; i++)
        w[i] = fabs(sys->maps[i].a * sys->maps[i].d - sys->maps[i].b * sys->maps[i].c);
    fv_alias_build(&sys->alias, w, cls->n);
}

/* ---- parallel jobs ---- */

typedef struct ProbeJob {
    FvRenderer *r;
    FvSystem *systems;
    const int *frames; /* which systems to probe */
    uint64_t sample_key;
    int width, height;
    bool keep;          /* probe points kept per task in r->kept_probe */
    FvSystem lit_frame; /* the joined box's transform at FV_LIT_SIZE (lit_task) */
} ProbeJob;

/* Room to keep the probe points of nframes tasks (a few MB for a clip), so the lit estimate
 * need not walk them again; long clips walk them twice instead. */
static bool keep_probes(FvRenderer *r, int nframes)
{
    if (nframes > PROBE_KEEP_FRAMES)
        return false;
    if ((size_t)nframes <= r->kept_probe_frames)
        return true;
    free(r->kept_probe);
    free(r->kept_count);
    r->kept_probe = alloc_big((size_t)nframes * PROBE_POINTS * 2 * sizeof(double));
    r->kept_count = malloc((size_t)nframes * sizeof(int));
    r->kept_probe_frames = r->kept_probe && r->kept_count ? (size_t)nframes : 0;
    return r->kept_probe_frames != 0;
}

/* The probe points of a job's task: kept, or walked again into the thread's scratch. */
static const double *task_points(ProbeJob *job, int task, int thread, int *n)
{
    FvRenderer *r = job->r;
    if (job->keep) {
        *n = r->kept_count[task];
        return r->kept_probe + (size_t)task * PROBE_POINTS * 2;
    }
    double *xy = r->probe + (size_t)thread * PROBE_POINTS * 2;
    *n = fv_probe_points(&job->systems[job->frames ? job->frames[task] : task], job->sample_key, xy,
                         PROBE_POINTS);
    return xy;
}

static void probe_task(void *ctx, int task, int thread)
{
    ProbeJob *job = ctx;
    FvRenderer *r = job->r;
    if (cancelled(r)) { /* the verdict is thrown away anyway */
        r->box_ok[task] = 0;
        return;
    }
    int f = job->frames ? job->frames[task] : task;
    double *xy = job->keep ? r->kept_probe + (size_t)task * PROBE_POINTS * 2
                           : r->probe + (size_t)thread * PROBE_POINTS * 2;
    int n = fv_probe_points(&job->systems[f], job->sample_key, xy, PROBE_POINTS);
    if (job->keep)
        r->kept_count[task] = n;
    r->box_ok[task] = fv_probe_box(xy, n, FRAMING_KEEP, &r->boxes[task]) == 0;
}

/* Lit fraction of a framed frame at the paper's 256x256, from below: the probe's points are
 * some of the render's own (fv_probe_points), plotted as the render plots them at 256x256
 * (the same world -> pixel transform) and spread by the same 3x3 box, so the share of pixels
 * they light is at most the share the render lights (G9). */
static void lit_task(void *ctx, int task, int thread)
{
    enum { G = FV_LIT_SIZE };
    ProbeJob *job = ctx;
    if (cancelled(job->r)) {
        job->r->lit[task] = 0;
        return;
    }
    int n;
    const double *xy = task_points(job, task, thread, &n);
    const FvSystem *at = &job->lit_frame;
    uint8_t hit[G * G + 1], ring[4 * G + 2];
    memset(hit, 0, sizeof(hit));
    fv_mark_points(xy, n, at->sx, at->ox, at->sy, at->oy, G, hit);
    /* the pixels lit once each point lights its 3x3 block */
    int lit = fv_dilate3_count(hit, ring, G, G);
    job->r->lit[task] = (double)lit / (G * G);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the ok boxes' widths (axis 0) or heights (axis 1); sorts r->sizes. */
static double median_extent(FvRenderer *r, int nframes, int axis)
{
    int n = 0;
    for (int k = 0; k < nframes; k++)
        if (r->box_ok[k])
            r->sizes[n++] =
                axis ? r->boxes[k].y1 - r->boxes[k].y0 : r->boxes[k].x1 - r->boxes[k].x0;
    qsort(r->sizes, (size_t)n, sizeof(double), cmp_double);
    return r->sizes[n / 2];
}

/* Join the probed boxes of nframes frames and frame every system with it. A frame whose
 * box is many times the median one (a system diverging for a moment, its walkers flying
 * out before they are reset) is left out, or it would shrink every other frame to a dot.
 * Returns the smallest estimated lit fraction of the framed frames. */
static double frame_systems(FvRenderer *r, FvSystem *systems, const int *frames, int nframes,
                            uint64_t sample_key, int width, int height)
{
    ProbeJob job = {.r = r,
                    .systems = systems,
                    .frames = frames,
                    .sample_key = sample_key,
                    .width = width,
                    .height = height,
                    .keep = keep_probes(r, nframes)};
    /* affine, probe and lit alike: a frame's kept points (300 KB) are written and read on
     * one core, clip after clip (on two threads the probe took 1.45x its one-thread time
     * when they moved between the cores, 1.1x when they stay) */
    fv_pool_run_affine(r->pool, nframes, probe_task, &job);
    int ok = 0;
    for (int k = 0; k < nframes; k++)
        ok += r->box_ok[k];
    FvBox all = {-1, -1, 1, 1}; /* every walker diverged: look at the start square */
    if (ok > 0) {
        double mw = median_extent(r, nframes, 0) * FRAMING_OUTLIER;
        double mh = median_extent(r, nframes, 1) * FRAMING_OUTLIER;
        all = (FvBox){INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (int k = 0; k < nframes; k++) {
            const FvBox *b = &r->boxes[k];
            if (!r->box_ok[k] || b->x1 - b->x0 > mw || b->y1 - b->y0 > mh)
                continue;
            all.x0 = fmin(all.x0, b->x0);
            all.y0 = fmin(all.y0, b->y0);
            all.x1 = fmax(all.x1, b->x1);
            all.y1 = fmax(all.y1, b->y1);
        }
    }
    for (int k = 0; k < nframes; k++)
        fv_framing_set(&systems[frames ? frames[k] : k], &all, FRAMING_PAD, width, height);
    fv_framing_set(&job.lit_frame, &all, FRAMING_PAD, FV_LIT_SIZE, FV_LIT_SIZE);
    fv_pool_run_affine(r->pool, nframes, lit_task, &job);
    double least = 1;
    for (int k = 0; k < nframes; k++)
        least = fmin(least, r->lit[k]);
    return least;
}

typedef struct FrameJob {
    FvRenderer *r;
    const FvSystem *sys;
    uint64_t sample_key;
    uint32_t iters;
    int width, height;
    int bands;
    int group; /* lanes a task takes at once: 1 or FV_LANE_GROUP */
    atomic_int next_lane;
    uint64_t inside[FV_LANES];
    uint16_t *codes;                       /* the frame's log codes, or NULL: none wanted */
    uint16_t band_max[4 * FV_MAX_THREADS]; /* each band's largest code */
} FrameJob;

/* Task `copy`: run lanes, whichever are left, job->group at a time, into histogram copy
 * `copy`. One task per copy, so no two threads ever count into one histogram. */
static void lanes_task(void *ctx, int copy, int thread)
{
    (void)thread;
    FrameJob *job = ctx;
    uint32_t *hist = job->r->hist + (size_t)copy * job->r->hist_pixels;
    int lane;
    while ((lane = atomic_fetch_add(&job->next_lane, job->group)) < FV_LANES) {
        for (int l = 1; l < job->group; l++)
            job->inside[lane + l] = 0;
        if (cancelled(job->r)) { /* the histograms are thrown away anyway */
            job->inside[lane] = 0;
            continue;
        }
        job->inside[lane] = fv_chaos_lanes(job->sys, job->sample_key, lane, job->group, job->iters,
                                           hist, job->width, job->height);
    }
}

/* Lanes per task: a group when the variation's fastest way is a group kernel and the groups
 * share evenly among the threads (1, 2 or 4 of them), so every thread has the same work;
 * single lanes otherwise, taken as threads come free, so threads that run at different
 * speeds still end a frame together. */
static int lane_group(int threads, int variation)
{
    enum { GROUPS = FV_LANES / FV_LANE_GROUP };
    if (!fv_chaos_best_grouped(variation) || fv_chaos_best_kernel(variation) == FV_KERNEL_SCALAR)
        return 1; /* lane by lane (the scalar kernel's group is its lanes one at a time) */
    return threads <= GROUPS && GROUPS % threads == 0 ? FV_LANE_GROUP : 1;
}

static void band_rows(const FrameJob *job, int band, int *y0, int *y1)
{
    *y0 = (int)((int64_t)job->height * band / job->bands);
    *y1 = (int)((int64_t)job->height * (band + 1) / job->bands);
}

/* Histogram copies a box pass reads: copies of stride counts each from hist, of frames of
 * width x height (row y at y * width). */
typedef struct HistView {
    uint32_t *hist;
    size_t stride;
    int copies;
    int width, height;
} HistView;

/* Columns x0 - 1 .. x0 + n of row y of the frame's counts, summed over the histogram
 * copies saturating as one histogram counts (with add), into seg; zero outside the image. */
static void summed_segment(const HistView *v, int y, int x0, int n, FvAddSatSegmentFn add,
                           uint32_t *seg)
{
    const int w = v->width;
    if (y < 0 || y >= v->height) {
        memset(seg, 0, (size_t)(n + 2) * sizeof(*seg));
        return;
    }
    /* seg[i] is column x0 - 1 + i: i in [lo, hi) lie in the image */
    const int lo = x0 > 0 ? 0 : 1, hi = x0 + n < w ? n + 2 : n + 1;
    seg[0] = seg[n + 1] = 0;
    uint32_t *out = seg + lo;
    const int m = hi - lo;
    const uint32_t *h0 = v->hist + (size_t)y * w + (size_t)(x0 - 1 + lo);
    if (v->copies == 1) {
        memcpy(out, h0, (size_t)m * sizeof(*out));
        return;
    }
    add(out, h0, h0 + v->stride, m);
    for (int t = 2; t < v->copies; t++)
        add(out, out, h0 + (size_t)t * v->stride, m);
}

/* Rows y0 .. y1 - 1 of the 3x3 counts of v's copies summed (reading a row beyond each edge),
 * in strips of FV_BOX_CHUNK columns, into boxed when it is not NULL, and when codes is not
 * NULL their log codes (lut below 65536) into codes, while they are in cache. Returns the
 * largest code (0 without codes). */
static uint16_t box_pass(const HistView *v, const uint16_t *lut, int y0, int y1, uint32_t *boxed,
                         uint16_t *codes)
{
    const int w = v->width;
    uint16_t most = 0;
    uint32_t ring[3][FV_BOX_CHUNK + 2], strip[FV_BOX_CHUNK];
    /* the loops' builds for this CPU, looked up once, not per segment */
    const FvBox3SegmentFn box3 = fv_box3_segment_for(fv_isa_best());
    const FvAddSatSegmentFn add = fv_add_sat_segment_for(fv_isa_best());
    for (int x0 = 0; x0 < w; x0 += FV_BOX_CHUNK) {
        const int n = w - x0 < FV_BOX_CHUNK ? w - x0 : FV_BOX_CHUNK;
        /* row y's segment in ring[(y + 1) % 3]: rows y - 1, y, y + 1 never share a slot */
        summed_segment(v, y0 - 1, x0, n, add, ring[y0 % 3]);
        summed_segment(v, y0, x0, n, add, ring[(y0 + 1) % 3]);
        for (int y = y0; y < y1; y++) {
            summed_segment(v, y + 1, x0, n, add, ring[(y + 2) % 3]);
            uint32_t *out = boxed ? boxed + (size_t)y * w + x0 : strip;
            box3(ring[y % 3], ring[(y + 1) % 3], ring[(y + 2) % 3], out, n);
            if (!codes)
                continue;
            uint16_t *code = codes + (size_t)y * w + x0;
            for (int i = 0; i < n; i++) {
                uint32_t c = out[i];
                uint16_t k = c < 65536 ? lut[c] : fv_log_code(c);
                code[i] = k;
                most = k > most ? k : most;
            }
        }
    }
    return most;
}

/* Task `band`: the band's 3x3 counts of every histogram copy summed, into r->boxed, or into
 * their log codes and the band's largest code when codes are wanted; then the copies' rows
 * no other band reads are zeroed for the next frame (the first and last rows of inner bands
 * are zeroed once every band is done). */
static void band_task(void *ctx, int band, int thread)
{
    (void)thread;
    FrameJob *job = ctx;
    FvRenderer *r = job->r;
    int y0, y1;
    if (cancelled(r)) /* an 8192x8192 frame's copies are a gigabyte to read */
        return;
    band_rows(job, band, &y0, &y1);
    const int w = job->width;
    const HistView v = {r->hist, r->hist_pixels, r->hist_copies, w, job->height};
    job->band_max[band] =
        box_pass(&v, r->log_lut, y0, y1, job->codes ? NULL : r->boxed, job->codes);
    const int z0 = band > 0 ? y0 + 1 : y0, z1 = band + 1 < job->bands ? y1 - 1 : y1;
    for (int t = 0; z1 > z0 && t < r->hist_copies; t++)
        memset(r->hist + (size_t)t * r->hist_pixels + (size_t)z0 * w, 0,
               (size_t)(z1 - z0) * w * sizeof(uint32_t));
}

/* The renderer's map choices made ready for the frames of sample_key (systems of n maps,
 * draws a lane makes): kept when they are that sample's, emptied for another (NULL when there
 * is no room, and the kernels draw every choice). */
static FvChoices *choices_for(FvRenderer *r, uint64_t sample_key, int n, uint64_t draws)
{
    FvChoices *c = &r->choices;
    const uint64_t want = draws < FV_CHOICE_MAX_STEPS ? draws : FV_CHOICE_MAX_STEPS;
    if (c->words && c->sample_key == sample_key && c->n == n)
        return c; /* kept words (a lane reads what it has, and draws the rest) */
    if (!c->words || c->steps < want) { /* room for this size (kept for smaller ones) */
        free(c->words);
        c->words = alloc_big((size_t)fv_choices_bytes(want));
        c->steps = c->words ? (uint32_t)want : 0;
        if (!c->words)
            return NULL;
    }
    c->sample_key = sample_key;
    c->n = n;
    memset(c->filled, 0, sizeof(c->filled));
    return c;
}

/* A frame's job (render_counts): the chaos game of frame into local (a copy with the sample's
 * map choices) split by lanes across threads, and into codes when not NULL. */
static void frame_job_init(FrameJob *job, FvRenderer *r, FvSystem *local, const FvSystem *frame,
                           uint64_t sample_key, uint32_t iters, int width, int height,
                           uint16_t *codes)
{
    *local = *frame;
    local->choices = choices_for(r, sample_key, frame->alias.n, (uint64_t)FV_DISCARD + iters);
    *job = (FrameJob){.r = r,
                      .sys = local,
                      .sample_key = sample_key,
                      .iters = iters,
                      .width = width,
                      .height = height,
                      .codes = codes};
    size_t pixels = (size_t)width * height;
    job->bands = pixels >= 65536 ? 4 * r->threads : 1;
    if (job->bands > height)
        job->bands = height;
    job->group = lane_group(r->threads, local->variation);
    atomic_init(&job->next_lane, 0);
}

/* The frame's box pass once its lanes ran (lanes_task, every lane into one of the histogram
 * copies): into r->boxed, or its log codes and the largest into *max_code; r->hist left
 * zeroed, or dirty when cancelled (then r->boxed is not written). Returns the points
 * inside. */
static uint64_t frame_job_finish(FrameJob *job, uint16_t *max_code)
{
    FvRenderer *r = job->r;
    if (!cancelled(r))
        fv_pool_run_affine(r->pool, job->bands, band_task, job);
    if (cancelled(r)) { /* counts left anywhere: zeroed before the next render */
        r->hist_dirty = true;
        return 0;
    }
    /* the rows two bands read */
    for (int b = 1; b < job->bands; b++) {
        int y0, y1;
        band_rows(job, b, &y0, &y1);
        for (int t = 0; t < r->hist_copies; t++)
            memset(r->hist + (size_t)t * r->hist_pixels + (size_t)(y0 - 1) * job->width, 0,
                   2 * (size_t)job->width * sizeof(uint32_t));
    }
    if (job->codes) {
        uint16_t m = 0;
        for (int b = 0; b < job->bands; b++)
            m = job->band_max[b] > m ? job->band_max[b] : m;
        *max_code = m;
    }
    uint64_t inside = 0;
    for (int l = 0; l < FV_LANES; l++)
        inside += job->inside[l];
    return inside;
}

/* Run the chaos game of sys into r->boxed (3x3 counts) and, when codes is not NULL, their log
 * codes into codes and the largest into *max_code; r->hist is left zeroed, or dirty when
 * cancelled (then r->boxed is not written). */
static uint64_t render_counts(FvRenderer *r, const FvSystem *frame, uint64_t sample_key,
                              uint32_t iters, int width, int height, uint16_t *codes,
                              uint16_t *max_code)
{
    FvSystem local;
    FrameJob job;
    frame_job_init(&job, r, &local, frame, sample_key, iters, width, height, codes);
    /* affine: copy k on thread k, as frames side by side have it */
    fv_pool_run_affine(r->pool, r->hist_copies, lanes_task, &job);
    return frame_job_finish(&job, max_code);
}

/* Frames side by side: each of a job's tasks is a whole frame, run by one thread with every
 * lane into that thread's own histogram copy and boxed from it alone, so frames need no
 * barrier between them (one job for many frames instead of two a frame) and no copies are
 * summed. One copy's counts are the copies' saturated sum (as one thread renders), so the
 * bits are those of any thread count (E5). Tasks only read the sample's map choices: the
 * frame that writes them runs alone before, its lanes across threads. A frame left over
 * after whole rounds has its lanes at the job's end: a thread with no whole frame left runs
 * them into its own copy (zeroed after its last frame) instead of waiting for the job's last
 * frame, and the copies are boxed together after the job. That takes tasks started in order
 * (fv_pool_run): a thread must not take a whole frame after lanes of the one left over. */
#define FRAMES_CHUNK 64 /* frames a job takes at most */
typedef struct FramesJob {
    FvRenderer *r;
    const FvSystem *systems; /* the job's frames */
    int m;                   /* whole frames: tasks 0 .. m - 1 */
    FrameJob *tail;          /* the frame left over: tasks m .. m + threads - 1, or NULL */
    FvChoices *choices;      /* the words every lane has, or NULL: drawn */
    uint64_t sample_key;
    uint32_t iters;
    int width, height;
    uint16_t *codes; /* frame k's log codes at codes + k * width * height */
    uint16_t frame_max[FRAMES_CHUNK];
    uint64_t inside[FRAMES_CHUNK];
} FramesJob;

static void frames_task(void *ctx, int k, int thread)
{
    FramesJob *job = ctx;
    FvRenderer *r = job->r;
    if (k >= job->m) { /* the frame left over: lanes, whichever are left, into this thread's copy */
        lanes_task(job->tail, thread, thread);
        return;
    }
    const size_t pixels = (size_t)job->width * job->height;
    uint32_t *hist = r->hist + (size_t)thread * r->hist_pixels;
    FvSystem sys = job->systems[k];
    sys.choices = job->choices;
    const int group = lane_group(1, sys.variation);
    uint64_t inside = 0;
    job->inside[k] = 0;
    job->frame_max[k] = 0;
    for (int lane = 0; lane < FV_LANES && !cancelled(r); lane += group)
        inside += fv_chaos_lanes(&sys, job->sample_key, lane, group, job->iters, hist, job->width,
                                 job->height);
    if (cancelled(r)) /* the copy is left dirty: zeroed before the next render */
        return;
    const HistView v = {hist, r->hist_pixels, 1, job->width, job->height};
    job->frame_max[k] =
        box_pass(&v, r->log_lut, 0, job->height, NULL, job->codes + (size_t)k * pixels);
    memset(hist, 0, pixels * sizeof(uint32_t));
    job->inside[k] = inside;
}

/* Frames systems[0 .. ] of count left, side by side (FramesJob) into codes: whole rounds of
 * one frame a thread, when every thread has a histogram copy of its own and the sample's map
 * choices are written (or cannot be kept), and the next frame when fewer than a round are left
 * after them. Their largest codes into frame_max (FRAMES_CHUNK + 1 of them), their points
 * inside added to *inside. Returns the frames rendered (0: none, the next one is to run
 * alone) or -ECANCELED when cancelled (r->hist then dirty). */
static int render_side_by_side(FvRenderer *r, const FvSystem *systems, int count,
                               uint64_t sample_key, uint32_t iters, int width, int height,
                               uint16_t *codes, uint16_t *frame_max, uint64_t *inside)
{
    const int threads = r->threads;
    if (threads < 2 || r->hist_copies < threads || threads > FRAMES_CHUNK || count < threads)
        return 0;
    int m = count / threads * threads;
    m = m < FRAMES_CHUNK ? m : FRAMES_CHUNK / threads * threads;
    FramesJob job = {.r = r,
                     .systems = systems,
                     .sample_key = sample_key,
                     .iters = iters,
                     .width = width,
                     .height = height,
                     .codes = codes};
    FvChoices *c = choices_for(r, sample_key, systems[0].alias.n, (uint64_t)FV_DISCARD + iters);
    for (int l = 0; c && l < FV_LANES; l++)
        if (c->filled[l] == 0)
            return 0; /* this frame writes them, alone */
    job.choices = c;
    job.m = m;
    FvSystem tail_sys;
    FrameJob tail;
    const bool left_over = count > m && count - m < threads;
    if (left_over) {
        frame_job_init(&tail, r, &tail_sys, &systems[m], sample_key, iters, width, height,
                       codes + (size_t)m * width * height);
        job.tail = &tail;
    }
    fv_pool_run(r->pool, m + (left_over ? threads : 0), frames_task, &job);
    if (cancelled(r)) {
        r->hist_dirty = true;
        return -ECANCELED;
    }
    for (int k = 0; k < m; k++) {
        frame_max[k] = job.frame_max[k];
        *inside += job.inside[k];
    }
    if (!left_over)
        return m;
    *inside += frame_job_finish(&tail, &frame_max[m]);
    return cancelled(r) ? -ECANCELED : m + 1;
}

static uint32_t iters_per_walker(double density, int width, int height)
{
    double points = density * width * height;
    double iters = ceil(points / FV_WALKERS);
    return iters < 1 ? 1 : iters > 4e9 ? 4000000000u : (uint32_t)iters;
}

/* ---- degenerate classes (G9) ---- */

/* Smallest estimated lit fraction of the class's unperturbed frames, framed together: a
 * property of the class alone, the same for every sample and size. */
double fv_class_lit_fraction(FvRenderer *r, const FvClass *cls, FvMotion motion, int variation,
                             int frames, int attempt)
{
    if (frames < 1 || reserve_frames(r, (size_t)frames))
        return 0;
    for (int t = 0; t < frames; t++)
        fv_system_build(&r->systems[t], cls, motion, variation, NULL, t, frames);
    return frame_systems(r, r->systems, NULL, frames,
                         fv_key(cls->key, TAG_CHECK, (uint64_t)attempt), FV_CHECK_SIZE,
                         FV_CHECK_SIZE);
}

/* ---- clips ---- */

/* The framed systems of every frame of one sample into r->systems; returns the smallest
 * estimated lit fraction of its frames. Only a labelled sample perturbs its class (G4): an
 * unlabeled clip, a class of its own, is the class's plain motion. */
static double frame_sample(FvRenderer *r, const FvClass *cls, const FvSettings *s, int variation,
                           int frames, uint64_t sample_key)
{
    FvPerturb perturb;
    const bool labelled = s->class_id >= 0;
    if (labelled)
        fv_perturb_draw(&perturb, sample_key);
    for (int t = 0; t < frames; t++)
        fv_system_build(&r->systems[t], cls, s->motion, variation, labelled ? &perturb : NULL, t,
                     frames);
    return frame_systems(r, r->systems, NULL, frames, sample_key, (int)s->width, (int)s->height);
}

static int resolve_variation(const FvSettings *s, const FvClass *cls)
{
    return s->variation == FV_VARIATION_AUTO ? cls->variation : s->variation;
}

/* How sound a labelled class is: its unperturbed frames pass, and CHECK_SAMPLES samples of it
 * (perturbed, G4, on check streams) of which how many pass. */
static int class_soundness(FvRenderer *r, const FvSettings *s, const FvClass *cls, int frames,
                           int attempt)
{
    const int variation = resolve_variation(s, cls);
    if (fv_class_lit_fraction(r, cls, s->motion, variation, frames, attempt) < FV_MIN_LIT_FRACTION)
        return 0;
    int score = 1;
    for (int j = 0; j < CHECK_SAMPLES && !cancelled(r); j++) {
        uint64_t key = fv_key(cls->key, TAG_CHECK_SAMPLE, (uint64_t)attempt * CHECK_SAMPLES + j);
        score += frame_sample(r, cls, s, variation, frames, key) >= FV_MIN_LIT_FRACTION;
    }
    return score;
}

/* A labelled clip's class: redrawn while degenerate (G9), or while its samples' perturbations
 * mostly collapse it (a class serves many samples: one whose samples mostly fail would be
 * drawn again and again). The verdict is kept, so each class is checked once.
 * Returns the attempt drawn into cls. */
static int labelled_class(FvRenderer *r, const FvSettings *s, uint64_t class_key, int frames,
                          FvClass *cls)
{
    ClassVerdict *v = &r->verdicts[fv_mix64(class_key) % VERDICTS];
    if (v->valid && v->key == class_key && v->motion == (int)s->motion &&
        v->variation == s->variation && v->frames == frames) {
        fv_class_draw(cls, class_key, v->attempt);
        return v->attempt;
    }
    int attempt = 0, best = 0, best_score = -1;
    for (;; attempt++) {
        fv_class_draw(cls, class_key, attempt);
        int score = class_soundness(r, s, cls, frames, attempt);
        if (score > best_score) {
            best_score = score;
            best = attempt;
        }
        if (score >= 1 + CHECK_SAMPLES_SOUND || attempt == FV_MAX_REDRAWS || cancelled(r))
            break;
    }
    if (best != attempt) {
        attempt = best;
        fv_class_draw(cls, class_key, attempt);
    }
    if (!cancelled(r))
        *v = (ClassVerdict){true, class_key, (int)s->motion, s->variation, frames, attempt};
    return attempt;
}

/* The class and the sample of a clip, redrawn while degenerate (G9); r->systems then holds
 * the sample's framed systems (frames of them). */
static void select_sample(FvRenderer *r, const FvSettings *s, uint64_t clip_index, int frames,
                          FvClass *cls, Sample *out)
{
    const uint64_t class_key = fv_class_key(s, clip_index);
    const uint64_t base_key = fv_sample_key(s, clip_index);
    *out = (Sample){.key = base_key};
    if (s->class_id >= 0) {
        /* A checked class, then its sample: a sample whose perturbation collapses a frame
         * is drawn again; after SAMPLE_TRIES the best one is kept. */
        out->attempt = labelled_class(r, s, class_key, frames, cls);
        const int variation = resolve_variation(s, cls);
        double best_lit = -1;
        for (int tries = 0; tries < SAMPLE_TRIES && !cancelled(r); tries++) {
            uint64_t key = tries ? fv_key(base_key, TAG_RESAMPLE, (uint64_t)tries) : base_key;
            double lit = frame_sample(r, cls, s, variation, frames, key);
            if (lit > best_lit) {
                best_lit = lit;
                out->redraws = tries;
                out->key = key;
            }
            if (lit >= FV_MIN_LIT_FRACTION || tries == SAMPLE_TRIES - 1)
                break;
        }
        if (best_lit < FV_MIN_LIT_FRACTION && out->redraws != SAMPLE_TRIES - 1 && !cancelled(r))
            frame_sample(r, cls, s, variation, frames, out->key);
    } else {
        /* An unlabeled clip is its class's plain motion: the class is checked on the clip's
         * own framed frames, and redrawn (keeping its structure) while degenerate. */
        int best = 0;
        double best_lit = -1;
        for (int attempt = 0;; attempt++) {
            fv_class_draw(cls, class_key, attempt);
            double lit = frame_sample(r, cls, s, resolve_variation(s, cls), frames, out->key);
            if (lit > best_lit) {
                best_lit = lit;
                best = attempt;
            }
            out->attempt = attempt;
            if (lit >= FV_MIN_LIT_FRACTION || attempt == FV_MAX_REDRAWS || cancelled(r))
                break;
        }
        if (best != out->attempt && !cancelled(r)) {
            out->attempt = best;
            fv_class_draw(cls, class_key, best);
            frame_sample(r, cls, s, resolve_variation(s, cls), frames, out->key);
        }
    }
}

/* Whether r->systems holds the framed systems of clip clip_index of s: density and
 * normalization do not change them. */
static bool is_prepared(const FvRenderer *r, const FvSettings *s, uint64_t clip_index)
{
    const FvSettings *p = &r->prepared_settings;
    return r->prepared_valid && r->prepared_clip == clip_index && p->class_id == s->class_id &&
           p->class_seed == s->class_seed && p->seed == s->seed && p->motion == s->motion &&
           p->variation == s->variation && p->clip_frames == s->clip_frames &&
           p->width == s->width && p->height == s->height;
}

/* select_sample, kept: the frames of one clip rendered one by one select it once. */
static void prepare_clip(FvRenderer *r, const FvSettings *s, uint64_t clip_index, int frames,
                         FvClass *cls, Sample *sample)
{
    if (!is_prepared(r, s, clip_index)) {
        r->prepared_valid = false;
        select_sample(r, s, clip_index, frames, &r->prepared_class, &r->prepared_sample);
        if (cancelled(r))
            return;
        r->prepared_settings = *s;
        r->prepared_clip = clip_index;
        r->prepared_valid = true;
    }
    *cls = r->prepared_class;
    *sample = r->prepared_sample;
}

int fv_render_systems(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvSystem *out,
                      int max, FvClipInfo *info)
{
    uint64_t sample_key;
    return fv_render_select(r, s, clip_index, out, max, info, &sample_key);
}

int fv_render_select(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvSystem *out,
                     int max, FvClipInfo *info, uint64_t *sample_key)
{
    if (!r || fv_settings_validate(s, NULL))
        return -EINVAL;
    const int frames = (int)fv_clip_frame_count(s, clip_index);
    if (reserve_frames(r, (size_t)frames))
        return -ENOMEM;
    FvClass cls;
    Sample sample;
    prepare_clip(r, s, clip_index, frames, &cls, &sample);
    if (cancelled(r))
        return -ECANCELED;
    for (int t = 0; t < frames && t < max; t++)
        out[t] = r->systems[t];
    *sample_key = sample.key;
    if (info)
        *info = (FvClipInfo){.class_id = s->class_id,
                             .class_key = cls.key,
                             .variation = resolve_variation(s, &cls),
                             .frames = (unsigned)frames,
                             .num_maps = (unsigned)cls.n,
                             .redraws = (unsigned)sample.attempt,
                             .sample_redraws = (unsigned)sample.redraws};
    return frames;
}

int fv_clip_new(FvClip **out)
{
    if (!out)
        return -EINVAL;
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

void fv_clip_free(FvClip **pc)
{
    FvClip *c = pc ? *pc : NULL;
    if (!c)
        return;
    free(c->codes);
    free(c->frame_max);
    free(c->effect_frames);
    free(c);
    *pc = NULL;
}

const FvClipInfo *fv_clip_info(const FvClip *c)
{
    return c && c->valid ? &c->info : NULL;
}

/* A render's failure with its reason in r->error. */
static int fail(FvRenderer *r, int err, const char *why)
{
    snprintf(r->error, sizeof(r->error), "%s", why);
    return err;
}

/* 8-bit value of a log code under denominator d (G8): code / d * 255, rounded. */
static inline uint8_t tone8(uint32_t code, uint32_t d)
{
    return (uint8_t)((code * 255u + d / 2) / d);
}

/* Render frames first .. first + count - 1 of clip clip_index of s into out. */
static int render_frames(FvRenderer *r, const FvSettings *s, uint64_t clip_index, int first,
                         int count, FvClip *out)
{
    const int width = (int)s->width, height = (int)s->height;
    const size_t pixels = (size_t)width * height;
    const uint64_t class_key = fv_class_key(s, clip_index);
    const int frames = (int)fv_clip_frame_count(s, clip_index);
    const bool per_frame = s->normalization == FV_NORMALIZATION_FRAME;

    /* Everything this render will hold, checked against the memory left before any of it
     * is taken: a render that cannot fit fails now, with the need and the limit named. */
    int copies = hist_copies_for(r->threads, pixels);
    int err = check_budget(r, out, s, (uint64_t)frames, (uint64_t)count, &copies, NULL);
    if (err)
        return err;
    err = fv_clip_reserve(out, (size_t)count, pixels, per_frame);
    if (err)
        return fail(r, err, "out of memory for the clip's frames");
    if ((size_t)count * pixels * sizeof(uint16_t) > r->largest_clip)
        r->largest_clip = (size_t)count * pixels * sizeof(uint16_t);
    if (reserve_pixels(r, pixels, copies) || reserve_frames(r, (size_t)frames))
        return fail(r, -ENOMEM, "out of memory for the renderer's scratch");

    FvClass cls;
    Sample sample;
    prepare_clip(r, s, clip_index, frames, &cls, &sample);
    if (cancelled(r))
        return fail(r, -ECANCELED, "cancelled");
    const uint64_t sample_key = sample.key;
    const int variation = resolve_variation(s, &cls);

    /* The chaos game, frame by frame, kept as log codes until the maximum is known. */
    const uint32_t iters = iters_per_walker(s->density, width, height);
    uint64_t kept = 0;
    uint16_t max_code = 0;
    for (int k = 0; k < count; k++)
        r->systems[first + k].cancel = &r->cancel; /* lanes look at it every FV_CANCEL_ITERS */
    for (int k = 0; k < count;) {
        uint16_t frame_max[FRAMES_CHUNK + 1];
        int m = render_side_by_side(r, &r->systems[first + k], count - k, sample_key, iters, width,
                                    height, out->codes + (size_t)k * pixels, frame_max, &kept);
        if (m < 0)
            return fail(r, m, "cancelled");
        if (m == 0) {
            m = 1;
            kept += render_counts(r, &r->systems[first + k], sample_key, iters, width, height,
                                  out->codes + (size_t)k * pixels, &frame_max[0]);
            if (cancelled(r))
                return fail(r, -ECANCELED, "cancelled");
        }
        for (int j = 0; j < m; j++, k++) {
            if (per_frame)
                out->frame_max[k] = frame_max[j];
            max_code = frame_max[j] > max_code ? frame_max[j] : max_code;
        }
    }

    /* Tone map (G8): pixel = code / max(FV_LOG_SCALE, max code) * 255, rounded, the maximum
     * of the clip or of each frame. The table serves every frame with the first one's
     * denominator: all of them under the clip's normalization. */
    fv_clip_set_tone(out, max_code, fv_tone_denominator(per_frame ? out->frame_max[0] : max_code));

    out->info = (FvClipInfo){
        .class_id = s->class_id,
        .class_seed = s->class_seed,
        .seed = s->seed,
        .augment_seed = s->augment_seed,
        .clip_index = clip_index,
        .class_key = class_key,
        .motion = s->motion,
        .variation = variation,
        .frames = (unsigned)frames,
        .width = s->width,
        .height = s->height,
        .num_maps = (unsigned)cls.n,
        .redraws = (unsigned)sample.attempt,
        .sample_redraws = (unsigned)sample.redraws,
        .points_per_frame = (uint64_t)iters * FV_WALKERS,
        .points_kept = kept,
        .max_count = max_code ? (uint32_t)(fv_exp(max_code / FV_LOG_SCALE) - 0.5) : 0,
        .normalization = s->normalization,
        .first_frame = (unsigned)first,
        .frames_held = (unsigned)count,
    };
    out->valid = true;
    return 0;
}

/* The checks fv_render_clip and fv_render_frame share: 0, or their failure with its reason. */
static int start_render(FvRenderer *r, const FvSettings *s, FvClip *out)
{
    const char *field = NULL;
    if (!r)
        return -EINVAL;
    r->error[0] = '\0';
    if (!out)
        return fail(r, -EINVAL, "no clip to render into");
    if (fv_settings_validate(s, &field)) {
        snprintf(r->error, sizeof(r->error), "invalid settings: %s out of range", field);
        return -EINVAL;
    }
    out->valid = false;
    if (cancelled(r))
        return fail(r, -ECANCELED, "cancelled");
    return 0;
}

int fv_render_clip(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvClip *out)
{
    int err = start_render(r, s, out);
    if (err)
        return err;
    const int frames = (int)fv_clip_frame_count(s, clip_index);
    if (s->effects)
        return fv_composite_frames(r, s, clip_index, 0, frames, out);
    return render_frames(r, s, clip_index, 0, frames, out);
}

int fv_render_frame(FvRenderer *r, const FvSettings *s, uint64_t clip_index, unsigned frame,
                    FvClip *out)
{
    int err = start_render(r, s, out);
    if (err)
        return err;
    if (s->normalization != FV_NORMALIZATION_FRAME)
        return fail(r, -EINVAL, "one frame alone needs the frame normalization");
    if (frame >= fv_clip_frame_count(s, clip_index))
        return fail(r, -EINVAL, "the frame is past the clip's end");
    if (s->effects)
        return fv_composite_frames(r, s, clip_index, (int)frame, 1, out);
    return render_frames(r, s, clip_index, (int)frame, 1, out);
}

/* The codes of frame (of the clip) in c and their denominator; NULL if c does not hold it. */
static const uint16_t *held_frame(const FvClip *c, unsigned frame, uint32_t *d)
{
    if (!c || !c->valid || frame < c->info.first_frame ||
        frame - c->info.first_frame >= c->info.frames_held)
        return NULL;
    const size_t k = frame - c->info.first_frame;
    if (c->linear) /* a blended clip (G10): linear 16-bit values */
        *d = 65535;
    else
        *d = fv_tone_denominator(c->info.normalization == FV_NORMALIZATION_FRAME ? c->frame_max[k]
                                                                                 : c->max_code);
    return c->codes + k * c->info.width * c->info.height;
}

/* ---- what clips with effects (composite.c) are made of ---- */

int fv_clip_reserve(FvClip *c, size_t frames, size_t pixels, bool per_frame)
{
    /* more than the machine's memory is refused before asking malloc */
    if (frames > SIZE_MAX / sizeof(uint16_t) / pixels)
        return -ENOMEM;
    size_t want = frames * pixels;
    if (want > c->codes_cap) {
        free(c->codes);
        c->codes = alloc_big(want * sizeof(uint16_t));
        c->codes_cap = c->codes ? want : 0;
        if (!c->codes)
            return -ENOMEM;
    }
    if (per_frame && frames > c->frame_max_cap) {
        free(c->frame_max);
        c->frame_max = malloc(frames * sizeof(*c->frame_max));
        c->frame_max_cap = c->frame_max ? frames : 0;
        if (!c->frame_max)
            return -ENOMEM;
    }
    c->linear = false;
    c->effects = false;
    return 0;
}

void fv_clip_set_tone(FvClip *c, uint16_t max_code, uint32_t d)
{
    for (uint32_t code = 0; code <= max_code; code++)
        c->lut8[code] = tone8(code, d);
    c->lut_d = d;
    c->max_code = max_code;
}

int fv_render_budget(FvRenderer *r, const FvClip *out, const FvSettings *s, int frames, int held,
                     uint64_t hist_pixels, uint64_t extra, uint64_t extra_growth)
{
    const uint64_t pixels = (uint64_t)s->width * s->height;
    const uint64_t most = hist_pixels > pixels ? hist_pixels : pixels;
    const Extra x = {hist_pixels, extra, extra_growth};
    int copies = hist_copies_for(r->threads, most);
    int err = check_budget(r, out, s, (uint64_t)frames, (uint64_t)held, &copies, &x);
    if (err)
        return err;
    r->budget_copies = copies;
    if ((uint64_t)held * pixels * sizeof(uint16_t) > r->largest_clip)
        r->largest_clip = (uint64_t)held * pixels * sizeof(uint16_t);
    return 0;
}

int fv_render_reserve(FvRenderer *r, size_t pixels, size_t frames)
{
    int copies = hist_copies_for(r->threads, pixels);
    if (r->budget_copies > 0 && copies > r->budget_copies)
        copies = r->budget_copies;
    if (reserve_pixels(r, pixels, copies) || reserve_frames(r, frames))
        return -ENOMEM;
    return 0;
}

const uint32_t *fv_render_counts(FvRenderer *r, const FvSystem *sys, uint64_t sample_key,
                                 uint32_t iters, int width, int height, uint64_t *inside)
{
    /* lanes look at the renderer's cancel flag every FV_CANCEL_ITERS */
    FvSystem local = *sys;
    local.cancel = &r->cancel;
    if (r->hist_dirty) { /* a cancelled frame left counts */
        memset(r->hist, 0, (size_t)r->hist_copies * r->hist_pixels * sizeof(uint32_t));
        r->hist_dirty = false;
    }
    *inside = render_counts(r, &local, sample_key, iters, width, height, NULL, NULL);
    return cancelled(r) ? NULL : r->boxed;
}

uint32_t fv_render_iters(double points)
{
    double iters = ceil(points / FV_WALKERS);
    return iters < 1 ? 1 : iters > 4e9 ? 4000000000u : (uint32_t)iters;
}

const uint16_t *fv_render_log_table(const FvRenderer *r)
{
    return r->log_lut;
}

void fv_render_run(FvRenderer *r, int ntasks, FvTaskFunc fn, void *ctx)
{
    fv_pool_run(r->pool, ntasks, fn, ctx);
}

uint64_t fv_render_jobs(const FvRenderer *r)
{
    return fv_pool_jobs(r->pool);
}

FvPoolTime fv_render_time(const FvRenderer *r)
{
    return fv_pool_time(r->pool);
}

bool fv_render_cancelled(FvRenderer *r)
{
    return cancelled(r);
}

FvComposite **fv_render_composite(FvRenderer *r)
{
    return &r->composite;
}

int fv_render_frames_systems(FvRenderer *r, const FvSettings *s, uint64_t clip_index,
                             const int *frames, int n, FvSystem *out, uint64_t *sample_key)
{
    const int clip_frames = (int)fv_clip_frame_count(s, clip_index);
    if (n < 1 || fv_render_reserve(r, (size_t)s->width * s->height, (size_t)n))
        return -ENOMEM;
    /* not r->systems: that holds the prepared clip's (prepare_clip) */
    if ((size_t)n > r->scratch_cap) {
        free(r->scratch_systems);
        r->scratch_systems = malloc((size_t)n * sizeof(FvSystem));
        r->scratch_cap = r->scratch_systems ? (size_t)n : 0;
        if (!r->scratch_systems)
            return -ENOMEM;
    }
    FvSystem *sys = r->scratch_systems;
    const uint64_t class_key = fv_class_key(s, clip_index);
    *sample_key = fv_sample_key(s, clip_index);
    FvClass cls;
    int best = 0;
    double best_lit = -1;
    /* the class, redrawn (keeping its structure) while the frames shown are degenerate (G9) */
    for (int attempt = 0;; attempt++) {
        fv_class_draw(&cls, class_key, attempt);
        for (int k = 0; k < n; k++)
            fv_system_build(&sys[k], &cls, s->motion, resolve_variation(s, &cls), NULL, frames[k],
                         clip_frames);
        double lit = frame_systems(r, sys, NULL, n, *sample_key, (int)s->width, (int)s->height);
        if (lit > best_lit) {
            best_lit = lit;
            best = attempt;
            for (int k = 0; k < n; k++)
                out[k] = sys[k];
        }
        if (lit >= FV_MIN_LIT_FRACTION || attempt == FV_MAX_REDRAWS || cancelled(r))
            break;
    }
    (void)best;
    return cancelled(r) ? -ECANCELED : 0;
}

int fv_clip_write_gray8(const FvClip *c, unsigned frame, uint8_t *dst, ptrdiff_t stride)
{
    uint32_t d;
    const uint16_t *codes = held_frame(c, frame, &d);
    if (!codes || !dst)
        return -EINVAL;
    const size_t w = c->info.width, h = c->info.height;
    for (size_t y = 0; y < h; y++) {
        uint8_t *row = dst + (ptrdiff_t)y * stride;
        const uint16_t *src = codes + y * w;
        if (d == c->lut_d) {
            for (size_t x = 0; x < w; x++)
                row[x] = c->lut8[src[x]];
        } else {
            for (size_t x = 0; x < w; x++)
                row[x] = tone8(src[x], d);
        }
    }
    return 0;
}

int fv_clip_write_gray16(const FvClip *c, unsigned frame, uint16_t *dst, ptrdiff_t stride)
{
    uint32_t d;
    const uint16_t *codes = held_frame(c, frame, &d);
    if (!codes || !dst)
        return -EINVAL;
    const size_t w = c->info.width, h = c->info.height;
    for (size_t y = 0; y < h; y++) {
        uint16_t *row = (uint16_t *)((uint8_t *)dst + (ptrdiff_t)y * stride);
        const uint16_t *src = codes + y * w;
        for (size_t x = 0; x < w; x++)
            row[x] = (uint16_t)(((uint64_t)src[x] * 65535u + d / 2) / d);
    }
    return 0;
}

int fv_clip_effects_frame(const FvClip *c, unsigned frame, FvEffectsFrame *out)
{
    if (!c || !c->valid || frame >= c->info.frames || !out)
        return -EINVAL;
    if (c->effects) {
        *out = c->effect_frames[frame];
    } else {
        *out = (FvEffectsFrame){.zoom = 1, .clone_frame = frame};
    }
    return 0;
}
