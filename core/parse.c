/* Option values as text: one strict grammar for every front end (the fractal:// URI,
 * fractalvid-render, the server, the Python binding), so a value means the same thing
 * wherever it is typed. Lenient parsers (strtol, GStreamer's deserialisers) take "0x10",
 * "+1", " 1", enum nicks for numbers and hex floats; these take decimal text only. */
#include "fv_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Magnitude of a run of decimal digits (the whole rest of text); false on overflow. */
static int parse_digits(const char *p, uint64_t *out)
{
    if (!*p)
        return -EINVAL;
    uint64_t v = 0;
    int err = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return -EINVAL;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            err = -ERANGE; /* keep scanning: a stray letter is the worse error */
        else
            v = v * 10 + d;
    }
    *out = v;
    return err;
}

int fv_parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (!text || !out)
        return -EINVAL;
    bool negative = text[0] == '-';
    uint64_t m;
    int err = parse_digits(text + negative, &m);
    if (err)
        return err;
    if (negative ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX)
        return -ERANGE;
    int64_t v = negative ? (m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m) : (int64_t)m;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int fv_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!text || !out)
        return -EINVAL;
    bool negative = text[0] == '-';
    uint64_t v;
    int err = parse_digits(text + negative, &v);
    if (err)
        return err;
    /* "-1" is a number, just not one an unsigned option takes */
    if (negative || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

/* -?(D+(.D*)?|.D+)([eE][-+]?D+)? */
static bool number_grammar(const char *p)
{
    if (*p == '-')
        p++;
    size_t whole = 0, frac = 0;
    while (is_digit(*p))
        p++, whole++;
    if (*p == '.') {
        p++;
        while (is_digit(*p))
            p++, frac++;
    }
    if (whole + frac == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    return *p == '\0';
}

int fv_parse_number(const char *text, double min, double max, double *out)
{
    if (!text || !out || !number_grammar(text))
        return -EINVAL;
    /* strtod reads the decimal point of the locale; these are '.' whatever the user's */
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c_locale)
        return -ENOMEM;
    locale_t old = uselocale(c_locale);
    char *end = NULL;
    double v = strtod(text, &end);
    uselocale(old);
    freelocale(c_locale);
    if (!end || *end != '\0')
        return -EINVAL;
    if (!isfinite(v) || !(v >= min && v <= max))
        return -ERANGE;
    *out = v;
    return 0;
}

int fv_parse_bool(const char *text, int *out)
{
    if (!text || !out)
        return -EINVAL;
    if (!strcmp(text, "true") || !strcmp(text, "false")) {
        *out = text[0] == 't';
        return 0;
    }
    return -EINVAL;
}

/* ---- the shared options ---- */

typedef struct Option {
    const char *name;
    FvOptionType type;
    int64_t imin, imax;   /* FV_OPTION_INT */
    uint64_t umin, umax;  /* FV_OPTION_UINT */
    double dmin, dmax;    /* FV_OPTION_NUMBER */
    const char *meaning;  /* of the special values, for messages; may be NULL */
} Option;

static const Option options[] = {
    {"class", FV_OPTION_INT, -1, FV_MAX_CLASS, 0, 0, 0, 0, "-1: unlabeled, a new class every clip"},
    {"seed", FV_OPTION_UINT, 0, 0, 0, UINT64_MAX, 0, 0, NULL},
    {"class-seed", FV_OPTION_UINT, 0, 0, 0, UINT64_MAX, 0, 0, NULL},
    {"motion", FV_OPTION_MOTION, 0, 0, 0, 0, 0, 0, NULL},
    {"variation", FV_OPTION_VARIATION, 0, 0, 0, 0, 0, 0, NULL},
    {"clip-frames", FV_OPTION_UINT, 0, 0, 0, FV_MAX_CLIP_FRAMES, 0, 0,
     "0: as the class draws it, 18..20"},
    {"density", FV_OPTION_NUMBER, 0, 0, 0, 0, FV_MIN_DENSITY, FV_MAX_DENSITY,
     "plotted points per pixel per frame"},
    {"width", FV_OPTION_UINT, 0, 0, FV_MIN_SIZE, FV_MAX_SIZE, 0, 0, NULL},
    {"height", FV_OPTION_UINT, 0, 0, FV_MIN_SIZE, FV_MAX_SIZE, 0, 0, NULL},
    {"threads", FV_OPTION_UINT, 0, 0, 0, FV_MAX_THREADS, 0, 0, "0: one per core"},
    {"first-clip", FV_OPTION_UINT, 0, 0, 0, UINT64_MAX, 0, 0, NULL},
    {"num-clips", FV_OPTION_INT, -1, FV_MAX_NUM_CLIPS, 0, 0, 0, 0, "-1: endless"},
};

static const Option *find_option(const char *name)
{
    for (size_t i = 0; name && i < sizeof(options) / sizeof(options[0]); i++)
        if (!strcmp(options[i].name, name))
            return &options[i];
    return NULL;
}

const char *fv_option_name(unsigned index)
{
    return index < sizeof(options) / sizeof(options[0]) ? options[index].name : NULL;
}

int fv_option_type(const char *name)
{
    const Option *o = find_option(name);
    return o ? (int)o->type : -ENOENT;
}

int fv_option_parse(const char *name, const char *text, FvOptionValue *out)
{
    const Option *o = find_option(name);
    if (!o)
        return -ENOENT;
    if (!text || !out)
        return -EINVAL;
    FvOptionValue v = {0, 0, 0};
    int err;
    switch (o->type) {
    case FV_OPTION_INT:
        err = fv_parse_int(text, o->imin, o->imax, &v.i);
        break;
    case FV_OPTION_UINT:
        err = fv_parse_uint(text, o->umin, o->umax, &v.u);
        break;
    case FV_OPTION_NUMBER:
        err = fv_parse_number(text, o->dmin, o->dmax, &v.d);
        break;
    case FV_OPTION_MOTION: {
        FvMotion m;
        err = fv_motion_from_name(text, &m);
        v.i = m;
        break;
    }
    case FV_OPTION_VARIATION: {
        int var = 0;
        err = fv_variation_from_name(text, &var);
        v.i = var;
        break;
    }
    default:
        err = -EINVAL;
        break;
    }
    if (!err)
        *out = v;
    return err;
}

/* snprintf at buf + at; returns where the text ends (size or more when cut short) */
static size_t append(char *buf, size_t size, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t size, size_t at, const char *fmt, ...)
{
    if (at >= size)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + at, size - at, fmt, ap);
    va_end(ap);
    return n < 0 ? at : at + (size_t)n;
}

int fv_option_allowed(const char *name, char *buf, size_t size)
{
    const Option *o = find_option(name);
    if (!o)
        return -ENOENT;
    if (!buf || !size)
        return -EINVAL;
    buf[0] = '\0';
    size_t at = 0;
    switch (o->type) {
    case FV_OPTION_INT:
        at = append(buf, size, at, "an integer from %" PRId64 " to %" PRId64, o->imin, o->imax);
        break;
    case FV_OPTION_UINT:
        at = append(buf, size, at, "an integer from %" PRIu64 " to %" PRIu64, o->umin, o->umax);
        break;
    case FV_OPTION_NUMBER:
        at = append(buf, size, at, "a decimal number from %g to %g", o->dmin, o->dmax);
        break;
    case FV_OPTION_MOTION:
        at = append(buf, size, at, "one of");
        for (int m = 0; m < FV_NUM_MOTIONS; m++)
            at = append(buf, size, at, "%s %s", m ? "," : "", fv_motion_name(m));
        break;
    case FV_OPTION_VARIATION:
        at = append(buf, size, at, "one of %s", fv_variation_name(FV_VARIATION_AUTO));
        for (int v = 0; v < FV_NUM_VARIATIONS; v++)
            at = append(buf, size, at, ", %s", fv_variation_name(v));
        break;
    }
    if (o->meaning)
        at = append(buf, size, at, " (%s)", o->meaning);
    return at < size ? 0 : -ENOSPC;
}

int fv_settings_set(FvSettings *s, const char *name, const char *text)
{
    if (!s)
        return -EINVAL;
    FvOptionValue v;
    const Option *o = find_option(name);
    if (!o)
        return -ENOENT;
    int err = fv_option_parse(name, text, &v);
    if (err)
        return err;
    if (!strcmp(name, "class"))
        s->class_id = v.i;
    else if (!strcmp(name, "seed"))
        s->seed = v.u;
    else if (!strcmp(name, "class-seed"))
        s->class_seed = v.u;
    else if (!strcmp(name, "motion"))
        s->motion = (FvMotion)v.i;
    else if (!strcmp(name, "variation"))
        s->variation = (int)v.i;
    else if (!strcmp(name, "clip-frames"))
        s->clip_frames = (unsigned)v.u;
    else if (!strcmp(name, "density"))
        s->density = v.d;
    else if (!strcmp(name, "width"))
        s->width = (unsigned)v.u;
    else if (!strcmp(name, "height"))
        s->height = (unsigned)v.u;
    else
        return -ENOENT; /* a stream option (threads, first-clip, num-clips): not a setting */
    return 0;
}
