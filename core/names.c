/* Names of motions, variations and normalizations, and the settings' defaults and checks. */
#include "fv_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const char *const motion_names[FV_NUM_MOTIONS] = {"static", "naive", "linear", "nonlinear"};
static const char *const normalization_names[FV_NUM_NORMALIZATIONS] = {"clip", "frame"};

/* Order of the seed's list (G5); index 0 is linear. */
static const char *const variation_names[FV_NUM_VARIATIONS] = {
    "linear", "sinusoidal", "spherical", "swirl",      "horseshoe",   "polar", "handkerchief",
    "heart",  "disc",       "spiral",    "hyperbolic", "diamond",     "ex",    "julia",
    "bent",   "waves",      "fisheye",   "popcorn",    "exponential", "power", "cosine",
    "rings",  "fan",        "eyefish",   "bubble",     "cylinder",    "noise", "tangent",
    "rays",   "blade",      "cross"};

const char *fv_motion_name(int motion)
{
    return motion >= 0 && motion < FV_NUM_MOTIONS ? motion_names[motion] : NULL;
}

int fv_motion_from_name(const char *name, FvMotion *out)
{
    for (int i = 0; name && i < FV_NUM_MOTIONS; i++) {
        if (!strcmp(name, motion_names[i])) {
            *out = (FvMotion)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *fv_variation_name(int variation)
{
    if (variation == FV_VARIATION_AUTO)
        return "auto";
    return variation >= 0 && variation < FV_NUM_VARIATIONS ? variation_names[variation] : NULL;
}

int fv_variation_from_name(const char *name, int *out)
{
    if (name && !strcmp(name, "auto")) {
        *out = FV_VARIATION_AUTO;
        return 0;
    }
    for (int i = 0; name && i < FV_NUM_VARIATIONS; i++) {
        if (!strcmp(name, variation_names[i])) {
            *out = i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *fv_normalization_name(int normalization)
{
    return normalization >= 0 && normalization < FV_NUM_NORMALIZATIONS
               ? normalization_names[normalization]
               : NULL;
}

int fv_normalization_from_name(const char *name, FvNormalization *out)
{
    for (int i = 0; name && i < FV_NUM_NORMALIZATIONS; i++) {
        if (!strcmp(name, normalization_names[i])) {
            *out = (FvNormalization)i;
            return 0;
        }
    }
    return -EINVAL;
}

void fv_default_settings(FvSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->class_id = 0;
    s->motion = FV_MOTION_NONLINEAR;
    s->variation = FV_VARIATION_AUTO;
    s->clip_frames = 0;
    s->density = FV_DEFAULT_DENSITY;
    s->width = 256;
    s->height = 256;
    s->normalization = FV_NORMALIZATION_CLIP;
}

int fv_settings_validate(const FvSettings *s, const char **field)
{
    const char *bad = NULL;
    if (!s)
        bad = "settings";
    else if (s->class_id < -1 || s->class_id > FV_MAX_CLASS)
        bad = "class";
    else if ((int)s->motion < 0 || (int)s->motion >= FV_NUM_MOTIONS)
        bad = "motion";
    else if (s->variation < FV_VARIATION_AUTO || s->variation >= FV_NUM_VARIATIONS)
        bad = "variation";
    else if (s->clip_frames > FV_MAX_CLIP_FRAMES)
        bad = "clip-frames";
    else if (!(s->density >= FV_MIN_DENSITY && s->density <= FV_MAX_DENSITY))
        bad = "density";
    else if (s->width < FV_MIN_SIZE || s->width > FV_MAX_SIZE)
        bad = "width";
    else if (s->height < FV_MIN_SIZE || s->height > FV_MAX_SIZE)
        bad = "height";
    else if ((int)s->normalization < 0 || (int)s->normalization >= FV_NUM_NORMALIZATIONS)
        bad = "normalization";
    else if (s->effects & ~(uint32_t)(FV_EFFECTS_ALL | FV_EFFECT_PAPER))
        bad = "effects";
    if (field)
        *field = bad;
    return bad ? -EINVAL : 0;
}
