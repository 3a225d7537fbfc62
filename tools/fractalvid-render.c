/* fractalvid-render: a thin command-line front end over the fractalvid core library.
 *
 * Options come from GOptionContext and frame digests from GChecksum (style guide: use GLib
 * outside core/). Clips are rendered and written one at a time, so an output of any length
 * streams in the memory of one clip. Exit status: 0 success, 1 render or I/O failure,
 * 2 usage error (bad option, bad value, unusable output). */

#include "fractalvid.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define MAX_THREADS 1024u
#define DEFAULT_SIZE 256u

typedef enum OutputKind { OUTPUT_Y4M, OUTPUT_MD5 } OutputKind;

/* Everything the command line decides; filled by the option callbacks, owned by main(). */
typedef struct RenderOptions {
    FvSettings settings;
    uint64_t clips;
    uint64_t first_clip;
    unsigned threads;
    unsigned fps_num, fps_den;
    char *output; /* G_OPTION_ARG_FILENAME: allocated by GLib, freed by main() */
    gboolean quiet;
    gboolean list_variations;
    gboolean version;
} RenderOptions;

/* The open destination of the frames. */
typedef struct Output {
    OutputKind kind;
    FILE *file;
    const char *name;   /* as the user spelled it, for messages */
    gboolean is_stdout; /* stdout is never closed or removed */
    gboolean wrote_header;
} Output;

/* Every usage message has the same shape so a user (and a test) finds the option name first. */
static gboolean bad_value(GError **error, const char *option, const char *value,
                          const char *allowed)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: invalid value '%s'; allowed: %s", option, value, allowed);
    return FALSE;
}

/* Strict unsigned parse: decimal digits only, whole string, within [min, max]. */
static gboolean parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
    guint64 v;
    /* g_ascii_string_to_unsigned accepts a leading '+' or '-0'; insist on digits. */
    if (value[0] < '0' || value[0] > '9')
        return FALSE;
    if (!g_ascii_string_to_unsigned(value, 10, min, max, &v, NULL))
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean on_class(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    gint64 v;
    if (!g_ascii_string_to_signed(value, 10, -1, G_MAXINT64, &v, NULL))
        return bad_value(error, option, value,
                         "a class number >= 0, or -1 for unlabeled (a new class every clip)");
    o->settings.class_id = v;
    return TRUE;
}

static gboolean on_seed(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    uint64_t v;
    if (!parse_u64(value, 0, G_MAXUINT64, &v))
        return bad_value(error, option, value,
                         "an unsigned 64-bit integer (0..18446744073709551615)");
    /* One callback serves both seeds; the option name says which one. */
    if (strcmp(option, "--class-seed") == 0)
        o->settings.class_seed = v;
    else
        o->settings.seed = v;
    return TRUE;
}

static gboolean on_motion(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    if (fv_motion_from_name(value, &o->settings.motion) != 0)
        return bad_value(error, option, value, "static, naive, linear or nonlinear");
    return TRUE;
}

static gboolean on_variation(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    if (fv_variation_from_name(value, &o->settings.variation) == 0)
        return TRUE;
    /* The list is short enough to print in full, which saves a round trip to --list-variations. */
    GString *allowed = g_string_new("auto");
    for (int i = 0; i < FV_NUM_VARIATIONS; i++) {
        const char *name = fv_variation_name(i);
        if (name)
            g_string_append_printf(allowed, ", %s", name);
    }
    bad_value(error, option, value, allowed->str);
    g_string_free(allowed, TRUE);
    return FALSE;
}

static gboolean on_size(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    gboolean ok = FALSE;
    uint64_t w = 0, h = 0;
    char **parts = g_strsplit_set(value, "xX", -1);
    if (g_strv_length(parts) == 2)
        ok = parse_u64(parts[0], FV_MIN_SIZE, FV_MAX_SIZE, &w) &&
             parse_u64(parts[1], FV_MIN_SIZE, FV_MAX_SIZE, &h);
    g_strfreev(parts);
    if (!ok) {
        char *allowed =
            g_strdup_printf("WIDTHxHEIGHT, each %d..%d (e.g. 256x256)", FV_MIN_SIZE, FV_MAX_SIZE);
        bad_value(error, option, value, allowed);
        g_free(allowed);
        return FALSE;
    }
    o->settings.width = (unsigned)w;
    o->settings.height = (unsigned)h;
    return TRUE;
}

static gboolean on_frames(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    uint64_t v;
    if (!parse_u64(value, 0, FV_MAX_CLIP_FRAMES, &v)) {
        char *allowed = g_strdup_printf("0..%d frames per clip (0 = as the class draws it, 18..20)",
                                        FV_MAX_CLIP_FRAMES);
        bad_value(error, option, value, allowed);
        g_free(allowed);
        return FALSE;
    }
    o->settings.clip_frames = (unsigned)v;
    return TRUE;
}

static gboolean on_clips(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    if (!parse_u64(value, 1, G_MAXUINT64, &o->clips))
        return bad_value(error, option, value, "a number of clips >= 1");
    return TRUE;
}

static gboolean on_first_clip(const gchar *option, const gchar *value, gpointer data,
                              GError **error)
{
    RenderOptions *o = data;
    if (!parse_u64(value, 0, G_MAXUINT64, &o->first_clip))
        return bad_value(error, option, value, "a clip index >= 0");
    return TRUE;
}

static gboolean on_threads(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    uint64_t v;
    if (!parse_u64(value, 0, MAX_THREADS, &v)) {
        char *allowed = g_strdup_printf("0..%u (0 = one per core)", MAX_THREADS);
        bad_value(error, option, value, allowed);
        g_free(allowed);
        return FALSE;
    }
    o->threads = (unsigned)v;
    return TRUE;
}

static gboolean on_density(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    char *end = NULL;
    errno = 0;
    /* g_ascii_strtod: the decimal point is '.' whatever the locale. */
    double d = g_ascii_strtod(value, &end);
    if (end == value || *end != '\0' || errno != 0 || !isfinite(d) || d < FV_MIN_DENSITY ||
        d > FV_MAX_DENSITY) {
        char *allowed = g_strdup_printf("plotted points per pixel per frame, %g..%g (default %.2f)",
                                        FV_MIN_DENSITY, FV_MAX_DENSITY, FV_DEFAULT_DENSITY);
        bad_value(error, option, value, allowed);
        g_free(allowed);
        return FALSE;
    }
    o->settings.density = d;
    return TRUE;
}

static gboolean on_fps(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    gboolean ok = FALSE;
    uint64_t num = 0, den = 1;
    char **parts = g_strsplit(value, "/", -1);
    guint n = g_strv_length(parts);
    if (n == 1 || n == 2) {
        ok = parse_u64(parts[0], 1, G_MAXINT32, &num);
        if (ok && n == 2)
            ok = parse_u64(parts[1], 1, G_MAXINT32, &den);
    }
    g_strfreev(parts);
    if (!ok)
        return bad_value(error, option, value,
                         "N or N/D with positive integers (e.g. 12 or 30000/1001)");
    o->fps_num = (unsigned)num;
    o->fps_den = (unsigned)den;
    return TRUE;
}

/* The option that sets a FvSettings field, so validation errors speak the CLI's language. */
static const char *option_for_field(const char *field)
{
    static const struct {
        const char *field, *option;
    } map[] = {
        {"class_id", "--class"},      {"class_seed", "--class-seed"},
        {"seed", "--seed"},           {"motion", "--motion"},
        {"variation", "--variation"}, {"clip_frames", "--frames"},
        {"density", "--density"},     {"width", "--size"},
        {"height", "--size"},
    };
    for (size_t i = 0; field && i < G_N_ELEMENTS(map); i++)
        if (strcmp(map[i].field, field) == 0)
            return map[i].option;
    return field ? field : "settings";
}

static GOptionContext *make_option_context(RenderOptions *o)
{
    const GOptionEntry entries[] = {
        {"class", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_class,
         "Class to render; -1 = unlabeled, a new class every clip (default 0)", "N"},
        {"seed", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_seed,
         "Which samples of the class: clip k is sample (seed, k) (default 0)", "S"},
        {"class-seed", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_seed,
         "Which universe of classes (default 0)", "S"},
        {"motion", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_motion,
         "static, naive, linear or nonlinear (default nonlinear)", "M"},
        {"variation", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_variation,
         "auto (the class decides), linear, or a name from --list-variations (default auto)", "V"},
        {"size", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_size,
         "Frame size, each side 1..8192 (default 256x256)", "WxH"},
        {"frames", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_frames,
         "Frames per clip; 0 = as the class draws it, 18..20 (default 0)", "N"},
        {"clips", 'n', 0, G_OPTION_ARG_CALLBACK, (void *)on_clips,
         "Number of clips, written back to back (default 1)", "N"},
        {"first-clip", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_first_clip,
         "Index of the first clip, to split a long run into parts (default 0)", "K"},
        {"threads", 't', 0, G_OPTION_ARG_CALLBACK, (void *)on_threads,
         "Worker threads; 0 = one per core (default 0). Output does not depend on it", "N"},
        {"density", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_density,
         "Plotted points per pixel per frame (default 14.26, the paper's)", "D"},
        {"fps", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_fps,
         "Frame rate written in the y4m header (default 12/1)", "N/D"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
         "FILE.y4m (grayscale video), FILE.md5 (one MD5 per frame per line), or - (y4m on stdout)",
         "FILE"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No per-clip summary on stderr", NULL},
        {"list-variations", 0, 0, G_OPTION_ARG_NONE, &o->list_variations,
         "Print the accepted --variation names, one per line, and exit", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the versions and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };

    GOptionContext *ctx = g_option_context_new("- render fractal video clips");
    /* A group of our own carries o to the callbacks: no globals. */
    GOptionGroup *group =
        g_option_group_new("render", "Render options", "Show render options", o, NULL);
    g_option_group_add_entries(group, entries);
    g_option_context_set_main_group(ctx, group);
    g_option_context_set_summary(
        ctx, "Renders clips of the fractal video generator (arXiv 2411.17584) as grayscale\n"
             "YUV4MPEG2 video or as per-frame MD5 digests. Every frame is a pure function of the\n"
             "options (not of --threads): the same command gives the same bytes.");
    g_option_context_set_description(
        ctx, "Examples:\n"
             "  fractalvid-render --class 7 --clips 4 -o class7.y4m\n"
             "  fractalvid-render --class -1 --clips 100 --seed 1 -o - | ffmpeg -i - out.mp4\n"
             "  fractalvid-render --variation horseshoe --motion static --frames 1 -o still.y4m\n"
             "  fractalvid-render --size 64x64 --frames 3 --threads 1 -o frames.md5\n"
             "\n"
             "Exit status: 0 success, 1 render or write failure, 2 usage error.\n");
    return ctx;
}

/* Open the destination named by --output; FALSE and a message on stderr when it is unusable. */
static gboolean output_open(Output *out, const char *name)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    char *lower = g_ascii_strdown(name, -1);
    gboolean known = TRUE;
    if (strcmp(name, "-") == 0) {
        out->kind = OUTPUT_Y4M;
        out->is_stdout = TRUE;
    } else if (g_str_has_suffix(lower, ".y4m")) {
        out->kind = OUTPUT_Y4M;
    } else if (g_str_has_suffix(lower, ".md5")) {
        out->kind = OUTPUT_MD5;
    } else {
        known = FALSE;
    }
    g_free(lower);
    if (!known) {
        g_printerr("fractalvid-render: --output: unknown kind of file '%s'; allowed: a name ending "
                   "in .y4m (grayscale video) or .md5 (one MD5 per frame), or - (y4m on stdout)\n",
                   name);
        return FALSE;
    }
    if (out->is_stdout) {
        /* Binary video on a terminal is never what was meant. */
        if (isatty(STDOUT_FILENO)) {
            g_printerr("fractalvid-render: --output -: stdout is a terminal; redirect or pipe it "
                       "(e.g. -o - | ffplay -)\n");
            return FALSE;
        }
        out->file = stdout;
    } else {
        out->file = g_fopen(name, "wb");
        if (!out->file) {
            g_printerr("fractalvid-render: --output: cannot write '%s': %s\n", name,
                       g_strerror(errno));
            return FALSE;
        }
    }
    /* Frames are large, writes are few: a big buffer keeps syscalls rare on pipes. */
    setvbuf(out->file, NULL, _IOFBF, 1 << 20);
    return TRUE;
}

/* Close the destination; FALSE (with a message) if buffered data could not be written. */
static gboolean output_close(Output *out, gboolean remove_file)
{
    gboolean ok = TRUE;
    if (!out->file)
        return TRUE;
    if (fflush(out->file) != 0) {
        g_printerr("fractalvid-render: writing '%s' failed: %s\n", out->name, g_strerror(errno));
        ok = FALSE;
    }
    if (!out->is_stdout) {
        if (fclose(out->file) != 0 && ok) {
            g_printerr("fractalvid-render: writing '%s' failed: %s\n", out->name,
                       g_strerror(errno));
            ok = FALSE;
        }
        /* A truncated file looks valid to the next program in line; do not leave one behind. */
        if (remove_file || !ok)
            g_remove(out->name);
    }
    out->file = NULL;
    return ok;
}

/* Write every frame of a rendered clip; frame is scratch of width*height bytes. */
static gboolean output_write_clip(Output *out, const RenderOptions *o, const FvClip *clip,
                                  uint8_t *frame, GChecksum *md5)
{
    const FvClipInfo *info = fv_clip_info(clip);
    const size_t frame_bytes = (size_t)info->width * info->height;

    if (out->kind == OUTPUT_Y4M && !out->wrote_header) {
        /* Cmono: 8-bit luma only, which ffmpeg reads as gray. One header for all clips. */
        if (fprintf(out->file, "YUV4MPEG2 W%u H%u F%u:%u Ip A1:1 Cmono\n", info->width,
                    info->height, o->fps_num, o->fps_den) < 0)
            goto write_failed;
        out->wrote_header = TRUE;
    }
    for (unsigned f = 0; f < info->frames; f++) {
        int err = fv_clip_write_gray8(clip, f, frame, (ptrdiff_t)info->width);
        if (err != 0) {
            g_printerr("fractalvid-render: reading frame %u of clip %" PRIu64 " failed: %s\n", f,
                       info->clip_index, g_strerror(-err));
            return FALSE;
        }
        if (out->kind == OUTPUT_Y4M) {
            if (fputs("FRAME\n", out->file) == EOF ||
                fwrite(frame, 1, frame_bytes, out->file) != frame_bytes)
                goto write_failed;
        } else {
            g_checksum_reset(md5);
            g_checksum_update(md5, frame, (gssize)frame_bytes);
            if (fprintf(out->file, "%s\n", g_checksum_get_string(md5)) < 0)
                goto write_failed;
        }
    }
    return TRUE;

write_failed:
    g_printerr("fractalvid-render: writing '%s' failed: %s\n", out->name, g_strerror(errno));
    return FALSE;
}

static void print_clip_summary(const FvClipInfo *info, double ms)
{
    const char *variation = fv_variation_name(info->variation);
    if (info->class_id < 0)
        g_printerr("class -1 (key %016" PRIx64 ")", info->class_key);
    else
        g_printerr("class %" PRId64, info->class_id);
    /* Share of plotted points inside the picture: how well framing (G7) did. */
    const double plotted = (double)info->points_per_frame * info->frames;
    const double kept = plotted > 0 ? 100.0 * (double)info->points_kept / plotted : 0.0;
    g_printerr(" clip %" PRIu64 ": %u frames, %u maps, variation %s, %s motion, %u redraws, "
               "%.1f%% points kept, %.1f ms\n",
               info->clip_index, info->frames, info->num_maps, variation ? variation : "?",
               fv_motion_name(info->motion) ? fv_motion_name(info->motion) : "?", info->redraws,
               kept, ms);
}

/* Render and write clips first..first+count-1, one at a time. */
static int render_all(const RenderOptions *o, Output *out)
{
    FvRenderer *renderer = NULL;
    FvClip *clip = NULL;
    uint8_t *frame = NULL;
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    int status = EXIT_FAILED;

    int err = fv_renderer_open(&renderer, o->threads);
    if (err != 0) {
        g_printerr("fractalvid-render: cannot start the renderer: %s\n", g_strerror(-err));
        goto done;
    }
    err = fv_clip_new(&clip);
    if (err != 0) {
        g_printerr("fractalvid-render: cannot allocate a clip: %s\n", g_strerror(-err));
        goto done;
    }
    frame = g_try_malloc((size_t)o->settings.width * o->settings.height);
    if (!frame) {
        g_printerr("fractalvid-render: out of memory for a %ux%u frame\n", o->settings.width,
                   o->settings.height);
        goto done;
    }

    const gint64 start = g_get_monotonic_time();
    uint64_t frames_total = 0;
    for (uint64_t k = 0; k < o->clips; k++) {
        const uint64_t index = o->first_clip + k;
        const gint64 t0 = g_get_monotonic_time();
        err = fv_render_clip(renderer, &o->settings, index, clip);
        if (err != 0) {
            g_printerr("fractalvid-render: rendering clip %" PRIu64 " failed: %s\n", index,
                       g_strerror(-err));
            goto done;
        }
        const double ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
        const FvClipInfo *info = fv_clip_info(clip);
        if (!info) {
            g_printerr("fractalvid-render: clip %" PRIu64 " has no info\n", index);
            goto done;
        }
        if (!o->quiet)
            print_clip_summary(info, ms);
        if (!output_write_clip(out, o, clip, frame, md5))
            goto done;
        /* Hand each finished clip to the reader now (a pipe to ffplay or a training job),
         * not when the stdio buffer happens to fill. */
        if (fflush(out->file) != 0) {
            g_printerr("fractalvid-render: writing '%s' failed: %s\n", out->name,
                       g_strerror(errno));
            goto done;
        }
        frames_total += info->frames;
    }
    if (!o->quiet && o->clips > 1)
        g_printerr("%" PRIu64 " clips, %" PRIu64 " frames, %.2f s, %u threads\n", o->clips,
                   frames_total, (double)(g_get_monotonic_time() - start) / 1e6,
                   fv_renderer_threads(renderer));
    status = EXIT_SUCCESS;

done:
    g_free(frame);
    fv_clip_free(&clip);
    fv_renderer_close(&renderer);
    g_checksum_free(md5);
    return status;
}

int main(int argc, char **argv)
{
    RenderOptions o = {.clips = 1, .fps_num = 12, .fps_den = 1};
    fv_default_settings(&o.settings);
    o.settings.width = DEFAULT_SIZE;
    o.settings.height = DEFAULT_SIZE;

    /* GLib's own messages (help, unknown option) follow the user's locale and charset. */
    setlocale(LC_ALL, "");
    g_set_prgname("fractalvid-render");
    GOptionContext *ctx = make_option_context(&o);
    GError *error = NULL;
    gboolean parsed = g_option_context_parse(ctx, &argc, &argv, &error);
    g_option_context_free(ctx);
    if (!parsed) {
        g_printerr("fractalvid-render: %s (see --help)\n", error->message);
        g_error_free(error);
        g_free(o.output);
        return EXIT_USAGE;
    }
    /* GOption leaves anything it did not consume; a stray word is a typo, not a file name. */
    if (argc > 1) {
        g_printerr("fractalvid-render: unexpected argument '%s'; every value goes after its "
                   "option, e.g. --output FILE (see --help)\n",
                   argv[1]);
        g_free(o.output);
        return EXIT_USAGE;
    }

    if (o.version) {
        g_print("fractalvid-render %s (generator %s)\n", FV_VERSION, FV_GENERATOR_VERSION);
        g_free(o.output);
        return EXIT_SUCCESS;
    }
    if (o.list_variations) {
        /* auto first: it is a valid --variation value too, and the default. */
        g_print("%s\n", fv_variation_name(FV_VARIATION_AUTO));
        for (int i = 0; i < FV_NUM_VARIATIONS; i++)
            g_print("%s\n", fv_variation_name(i));
        g_free(o.output);
        return EXIT_SUCCESS;
    }

    const char *field = NULL;
    if (fv_settings_validate(&o.settings, &field) != 0) {
        g_printerr("fractalvid-render: %s: value out of range for the renderer (field %s; see "
                   "--help)\n",
                   option_for_field(field), field ? field : "?");
        g_free(o.output);
        return EXIT_USAGE;
    }
    if (o.first_clip > G_MAXUINT64 - (o.clips - 1)) {
        g_printerr("fractalvid-render: --first-clip: K + N - 1 (N from --clips) must not exceed "
                   "%" PRIu64 ", the last clip index\n",
                   (uint64_t)G_MAXUINT64);
        g_free(o.output);
        return EXIT_USAGE;
    }
    if (!o.output) {
        g_printerr("fractalvid-render: --output is required: FILE.y4m (grayscale video), "
                   "FILE.md5 (one MD5 per frame) or - (y4m on stdout) (see --help)\n");
        return EXIT_USAGE;
    }

    Output out;
    if (!output_open(&out, o.output)) {
        g_free(o.output);
        return EXIT_USAGE;
    }
    int status = render_all(&o, &out);
    if (!output_close(&out, status != EXIT_SUCCESS))
        status = EXIT_FAILED;
    g_free(o.output);
    return status;
}
