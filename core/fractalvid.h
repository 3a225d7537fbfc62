/* fractalvid: fractal video generator (the paper's generator, G1..G9).
 *
 * A plain C11 library. A clip is a pure function of its FvSettings and clip index:
 * bit-identical for any thread count, any run, any order of calls. All functions
 * returning int return 0 on success or a negative errno value. */
#ifndef FRACTALVID_H
#define FRACTALVID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the library and of the generator (bumped whenever rendered pixels change). */
#define FV_VERSION "0.1.0"
#define FV_GENERATOR_VERSION "fractalvid-gen-3"

/* Size limits of a frame, in pixels. */
#define FV_MIN_SIZE 1
#define FV_MAX_SIZE 8192

/* Points per pixel of the seed: 934,400 plotted points per 256x256 frame (G6). */
#define FV_DEFAULT_DENSITY (934400.0 / 65536.0)
#define FV_MIN_DENSITY 0.01
#define FV_MAX_DENSITY 1000.0

/* Frames per clip that the class draws itself (G1): 18..20. */
#define FV_MAX_CLIP_FRAMES 100000

/* Classes are -1 (unlabeled) and 0..FV_MAX_CLASS, in every front end. */
#define FV_MAX_CLASS 2147483647
/* Clips of a bounded stream: 0..FV_MAX_NUM_CLIPS (-1 is endless). */
#define FV_MAX_NUM_CLIPS 2147483647
/* Rendering threads of a renderer: 1..FV_MAX_THREADS (0 asks for one per core). */
#define FV_MAX_THREADS 256

/* Motion between the key states (G3). */
typedef enum FvMotion {
    FV_MOTION_STATIC = 0,   /* every frame is the start state */
    FV_MOTION_NAIVE = 1,    /* the six coefficients interpolated linearly */
    FV_MOTION_LINEAR = 2,   /* decomposed interpolation, linear weights */
    FV_MOTION_NONLINEAR = 3 /* decomposed interpolation, sampled curves (default) */
} FvMotion;
#define FV_NUM_MOTIONS 4

/* Variations (G5): index 0 is "linear"; FV_VARIATION_AUTO is the seed's policy. */
#define FV_VARIATION_AUTO (-1)
#define FV_VARIATION_LINEAR 0
#define FV_NUM_VARIATIONS 31

/* How frames are tone mapped (G8). */
typedef enum FvNormalization {
    FV_NORMALIZATION_CLIP = 0, /* by the clip's brightest pixel: steady within a clip (default) */
    FV_NORMALIZATION_FRAME = 1 /* by each frame's own brightest pixel: needs only that frame */
} FvNormalization;
#define FV_NUM_NORMALIZATIONS 2

/* Name of a motion ("static", ...), or NULL when out of range. */
const char *fv_motion_name(int motion);
/* Motion from its name; 0 and *out set, or -EINVAL. */
int fv_motion_from_name(const char *name, FvMotion *out);
/* Name of a variation index ("linear", ...; "auto" for FV_VARIATION_AUTO), or NULL. */
const char *fv_variation_name(int variation);
/* Variation index from its name ("auto" gives FV_VARIATION_AUTO); 0, or -EINVAL. */
int fv_variation_from_name(const char *name, int *out);
/* Name of a normalization ("clip", "frame"), or NULL when out of range. */
const char *fv_normalization_name(int normalization);
/* Normalization from its name; 0 and *out set, or -EINVAL. */
int fv_normalization_from_name(const char *name, FvNormalization *out);

/* Emulation of real video (G10): effects rendered into the clip itself. An effect named in
 * FvSettings.effects is applied to every clip; FV_EFFECT_PAPER applies every effect not named
 * with the paper's probability (its training mix: the authors' numbers, full ranges, no
 * curriculum). Each clip draws its effects from its own keys and FvSettings.augment_seed. */
typedef enum FvEffect {
    FV_EFFECT_STATIC_BACKGROUND = 1u << 0,  /* max of two frames of other clips, resized crop */
    FV_EFFECT_DYNAMIC_BACKGROUND = 1u << 1, /* another clip replayed by a random walk */
    FV_EFFECT_BACKGROUND_PAN = 1u << 2,     /* the static background pans (implies it) */
    FV_EFFECT_SCALE = 1u << 3,              /* the fractal resized per axis and placed */
    FV_EFFECT_CLONES = 1u << 4,             /* a flipped, rotated, time-shifted copy */
    FV_EFFECT_FOREGROUND_SHIFT = 1u << 5,   /* the fractal pans */
    FV_EFFECT_PERSPECTIVE = 1u << 6,        /* the frame seen at an angle */
    FV_EFFECT_CAMERA_PAN = 1u << 7,         /* the whole picture pans */
    FV_EFFECT_ZOOM = 1u << 8,               /* the camera zooms in or out */
    FV_EFFECT_SHAKE = 1u << 9,              /* the camera shakes */
    FV_EFFECT_PAPER = 1u << 10              /* every other effect at the paper's probability */
} FvEffect;
#define FV_NUM_EFFECTS 11
/* Every effect (not FV_EFFECT_PAPER). */
#define FV_EFFECTS_ALL ((1u << 10) - 1)

/* Name of effect bit number bit ("static-background", ..., "paper"), or NULL. */
const char *fv_effect_name(int bit);
/* Effects from text: names joined by '+' or ',' ("zoom+shake", "paper"), or "none" / "" for
 * none. 0 and *out set, or -EINVAL (and *bad, if non-NULL, points at the unknown name). */
int fv_effects_from_string(const char *text, uint32_t *out, const char **bad);
/* Effects as text ("zoom+shake", "none") into buf; returns the length it needs, as snprintf. */
int fv_effects_to_string(uint32_t effects, char *buf, size_t size);

/* What to render. */
typedef struct FvSettings {
    int64_t class_id;     /* the class; -1 = unlabeled: a new random class every clip */
    uint64_t class_seed;  /* which universe of classes */
    uint64_t seed;        /* which samples of the class: clip k is sample (seed, k) */
    FvMotion motion;      /* G3 */
    int variation;        /* FV_VARIATION_AUTO or a variation index */
    unsigned clip_frames; /* frames per clip; 0 = as the class draws it (18..20) */
    double density;       /* plotted points per pixel per frame */
    unsigned width;       /* FV_MIN_SIZE..FV_MAX_SIZE */
    unsigned height;      /* FV_MIN_SIZE..FV_MAX_SIZE */
    /* G8; FV_NORMALIZATION_CLIP is the paper's */
    FvNormalization normalization;
    uint32_t effects;      /* FV_EFFECT_* (G10); 0 = the paper's plain clips */
    uint64_t augment_seed; /* draws the effects anew; the plain clip stays the same */
} FvSettings;

/* Fill settings with the defaults: class 0, seeds 0, nonlinear, auto, 256x256, seed density,
 * clip normalization. */
void fv_default_settings(FvSettings *s);
/* 0 when every field is in range, else -EINVAL (and *field names the bad field if non-NULL). */
int fv_settings_validate(const FvSettings *s, const char **field);

/* Frames of clip clip_index: cheap, no rendering (for durations and seeking). 0 on bad settings. */
unsigned fv_clip_frame_count(const FvSettings *s, uint64_t clip_index);

/* A pan (G10 4, 7): the picture moves speed x (cos angle, sin angle) of the frame per frame
 * (x in widths, y in heights; y down), from frame start for frames frames, still before and
 * after; enlarged by enlarge so that no border shows. */
typedef struct FvPan {
    double angle; /* radians */
    double speed; /* frames per frame */
    unsigned start, frames;
    double enlarge;
} FvPan;

/* The effects a clip got and their drawn values (G10), for labels. Positions and sizes are
 * fractions of the frame (x of its width, y of its height). */
typedef struct FvEffectsInfo {
    uint32_t asked;   /* FV_EFFECT_* of the settings (FvSettings.effects) */
    uint32_t applied; /* FV_EFFECT_* of this clip; 0 for a plain clip */
    /* background: clips of the unlabeled stream of the same class-seed and seed (for an
     * unlabeled stream, other clips of itself); static: the max of frame background_frame[i]
     * of clip background_clip[i]; dynamic: clip background_clip[0] replayed over its frames
     * background_frame[0] .. background_frame[0] + background_frame[1] - 1 */
    uint64_t background_clip[2];
    unsigned background_frame[2];
    double crop[4];          /* static: the resized crop: x, y, width, height */
    FvPan background_pan;    /* static, when FV_EFFECT_BACKGROUND_PAN */
    int blend_max;           /* 1: pixel max of fractal and background; 0: the mix below */
    double blend_alpha;      /* mix: ((1 - alpha) fg^0.75 + alpha bg^0.75)^exponent */
    double blend_exponent;
    /* scale and placement: the fractal's box */
    double scale[2];
    double position[2];      /* its top left corner */
    /* clone: the same size, flipped left-right or not, rotated about its centre
     * (counter-clockwise, degrees), showing the frame clone_shift frames later (earlier when
     * negative), ends held */
    double clone_position[2];
    int clone_flip;
    double clone_angle;
    int clone_shift;
    FvPan foreground_shift;
    /* perspective: where the frame's corners go (top left, top right, bottom right, bottom
     * left; x, y each), before the 1.4x centre crop */
    double perspective[8];
    FvPan camera_pan;
    /* zoom: about the centre, 1 + n x rate at the n-th frame of its window (the reverse when
     * zoom_out), held before and after */
    double zoom_rate;
    unsigned zoom_start, zoom_frames;
    int zoom_out;
    double shake_amplitude;  /* standard deviation of the shake, fraction of the frame */
} FvEffectsInfo;

/* The effects clip clip_index of s gets (G10), without rendering it: what fv_clip_info gives
 * after fv_render_clip (its effects field). 0, or -EINVAL on bad settings. */
int fv_effects_draw(const FvSettings *s, uint64_t clip_index, FvEffectsInfo *out);

/* The effects of info as text: space-separated key=value labels ("effects=scale+zoom
 * scale=0.54,0.81 ..."; "effects=none" for a plain clip), numbers as fractions of the frame,
 * angles in radians (the clone's in degrees), into buf; returns the length it needs, as
 * snprintf. */
int fv_effects_describe(const FvEffectsInfo *info, char *buf, size_t size);

/* One frame's effect values (G10), for labels: how far each motion has moved the picture. */
typedef struct FvEffectsFrame {
    double foreground_shift[2]; /* pixels */
    double camera_pan[2];       /* pixels */
    double background_pan[2];   /* pixels */
    double zoom;                /* 1: none */
    int shake[2];               /* whole pixels */
    unsigned clone_frame;       /* the clip frame the clone shows */
    unsigned background_frame;  /* dynamic background: the background clip's frame shown */
} FvEffectsFrame;

/* Labels and facts of a rendered clip. */
typedef struct FvClipInfo {
    int64_t class_id; /* as requested; -1 for unlabeled */
    uint64_t class_seed;
    uint64_t seed;
    uint64_t clip_index;
    uint64_t class_key; /* identifies the drawn system (stable id for unlabeled clips) */
    FvMotion motion;
    int variation; /* resolved variation index (never FV_VARIATION_AUTO) */
    unsigned frames;
    unsigned width, height;
    unsigned num_maps;         /* 3..8 */
    unsigned redraws;          /* how many times the class was redrawn as degenerate */
    uint64_t points_per_frame; /* plotted points per frame (with effects: on average) */
    uint64_t points_kept;      /* plotted points that landed in the image, frames held */
    uint32_t max_count;        /* largest 3x3 count in the frames held (G8) */
    unsigned sample_redraws;   /* how many times the sample was redrawn as near-empty */
    /* how the frames were tone mapped */
    FvNormalization normalization;
    /* the frames held: first_frame .. first_frame + frames_held - 1; every frame after
     * fv_render_clip, one after fv_render_frame */
    unsigned first_frame, frames_held;
    uint64_t augment_seed;
    FvEffectsInfo effects; /* G10; effects.applied == 0 for a plain clip */
} FvClipInfo;

/* A rendering context: a pool of threads and scratch memory. Not thread-safe itself. */
typedef struct FvRenderer FvRenderer;
/* A rendered clip (every frame) or one frame of it, tone mapped (G8). */
typedef struct FvClip FvClip;

/* Open a renderer with threads workers (0 = one per core, at most FV_MAX_THREADS; more is
 * -EINVAL). */
int fv_renderer_open(FvRenderer **out, unsigned threads);
/* Close a renderer and set *r to NULL; NULL is allowed. */
void fv_renderer_close(FvRenderer **r);
/* Cancel (on != 0) or allow (on == 0) rendering: while cancelled, fv_render_clip returns
 * -ECANCELED soon (every long loop looks at the flag every millisecond or so of work, at
 * any size and density), the render running now included. The one call of the library that
 * is safe from another thread while fv_render_clip runs (and from a signal handler). */
void fv_renderer_cancel(FvRenderer *r, int on);
/* Number of threads the renderer uses. */
unsigned fv_renderer_threads(const FvRenderer *r);
/* Clips of frames the renderer's memory budget counts, 1..FV_MAX_BUDGET_CLIPS (default 1):
 * a player that shows one clip while the next renders (fractalvidsrc) holds 2. */
int fv_renderer_budget_clips(FvRenderer *r, unsigned clips);
#define FV_MAX_BUDGET_CLIPS 16
/* Why the last fv_render_clip on r failed, as a phrase for a message ("a 8192x8192 clip of
 * 20 frames needs 5.3 GiB of memory (...); 720 MiB is available (RLIMIT_AS)"); "" when it
 * did not fail. */
const char *fv_renderer_error(const FvRenderer *r);

/* Bytes a renderer of threads threads (0 = one per core) holds to render clips of s, with
 * clips of them held at once (see fv_renderer_budget_clips): every clip's frames (the
 * longest clip s gives), histograms, probe points and scratch. 0 on bad arguments. */
uint64_t fv_render_memory_need(const FvSettings *s, unsigned threads, unsigned clips);
/* Bytes this process can still take: the least of the kernel's MemAvailable, the room under
 * its cgroup's memory limits (v2 memory.max, v1 memory.limit_in_bytes; every level) and
 * under its address-space limit (RLIMIT_AS). UINT64_MAX when none is known. fv_render_clip
 * refuses (-ENOMEM) a render whose need does not fit it. */
uint64_t fv_memory_available(void);

/* A new, empty clip. Its storage grows to the largest clip rendered into it and is reused. */
int fv_clip_new(FvClip **out);
/* Free a clip and set *c to NULL; NULL is allowed. */
void fv_clip_free(FvClip **c);

/* Render clip clip_index of s into out. -EINVAL on bad settings, -ENOMEM when the render
 * does not fit the memory left (checked before anything is allocated) or allocation fails,
 * -ECANCELED when cancelled (out is then left empty); fv_renderer_error() says why. */
int fv_render_clip(FvRenderer *r, const FvSettings *s, uint64_t clip_index, FvClip *out);
/* Render frame frame of clip clip_index of s alone into out, bit-identical to that frame of
 * fv_render_clip: out then holds that frame only, and needs one frame's memory. Needs
 * s->normalization == FV_NORMALIZATION_FRAME (under the clip's normalization a frame needs the
 * whole clip). Rendering the frames of a clip in turn draws and frames the clip once. Returns
 * as fv_render_clip; -EINVAL also when frame is past the clip's end. */
int fv_render_frame(FvRenderer *r, const FvSettings *s, uint64_t clip_index, unsigned frame,
                    FvClip *out);

/* Labels of the clip last rendered into c (NULL if none). */
const FvClipInfo *fv_clip_info(const FvClip *c);
/* Write frame of c (its index in the clip) as 8-bit luma, rows stride bytes apart. -EINVAL if
 * c does not hold that frame. */
int fv_clip_write_gray8(const FvClip *c, unsigned frame, uint8_t *dst, ptrdiff_t stride);
/* Write frame of c as 16-bit luma (host order), rows stride bytes apart. */
int fv_clip_write_gray16(const FvClip *c, unsigned frame, uint16_t *dst, ptrdiff_t stride);
/* The effect values of frame of c (G10): 0 and *out set, -EINVAL if out of range (a plain
 * clip's frames have no motion: zoom 1, the rest 0, its own frame as clone_frame). */
int fv_clip_effects_frame(const FvClip *c, unsigned frame, FvEffectsFrame *out);

/* ---- Option values: one grammar for every front end ----
 * The fractal:// URI, fractalvid-render, the server and the Python binding read values with
 * these, so a value means the same everywhere. Integers: decimal digits with an optional
 * leading '-' (leading zeros are decimal; no '+', spaces, hex or names). Numbers: decimal,
 * optionally with a fraction and an exponent (14.26, .5, 1e3; no hex, inf or nan). Names:
 * exact, lower case. Each returns 0, -EINVAL when text does not follow the grammar, or
 * -ERANGE when it is outside [min, max]; *out is set only on success. */
int fv_parse_int(const char *text, int64_t min, int64_t max, int64_t *out);
int fv_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out);
int fv_parse_number(const char *text, double min, double max, double *out);
/* "true" or "false". */
int fv_parse_bool(const char *text, int *out);

/* The options every front end shares, by name: class, seed, class-seed, motion, variation,
 * clip-frames, density, width, height, threads, first-clip, num-clips. */
typedef enum FvOptionType {
    FV_OPTION_INT,      /* value in .i */
    FV_OPTION_UINT,     /* value in .u */
    FV_OPTION_NUMBER,   /* value in .d */
    FV_OPTION_MOTION,   /* an FvMotion, in .i */
    FV_OPTION_VARIATION /* a variation index or FV_VARIATION_AUTO, in .i */
} FvOptionType;
typedef struct FvOptionValue {
    int64_t i;
    uint64_t u;
    double d;
} FvOptionValue;
/* Name of shared option index (0, 1, ...), or NULL past the last. */
const char *fv_option_name(unsigned index);
/* FvOptionType of option name, or -ENOENT when there is no such option. */
int fv_option_type(const char *name);
/* Parse text as a value of option name: 0, -ENOENT, -EINVAL (grammar) or -ERANGE. */
int fv_option_parse(const char *name, const char *text, FvOptionValue *out);
/* What option name takes, for messages ("an integer from -1 to 2147483647 (-1: ...)"):
 * 0, -ENOENT, or -ENOSPC when buf is too small (it then holds as much as fits). */
int fv_option_allowed(const char *name, char *buf, size_t size);
/* Set the field of s that option name stands for (not threads, first-clip, num-clips:
 * -ENOENT); as fv_option_parse otherwise. */
int fv_settings_set(FvSettings *s, const char *name, const char *text);

#ifdef __cplusplus
}
#endif
#endif
