/* fractalvid-render: a thin command-line front end over the fractalvid core library.
 *
 * Options come from GOptionContext, their values from the core's one grammar (the same as
 * the fractal:// URI's), frame digests from GChecksum (style guide: use GLib outside core/).
 * Clips are rendered one at a time, each written by a second thread while the next renders,
 * so an output of any length streams in the memory of two clips (one when only one fits).
 * A file is written under a temporary name in its folder and renamed when complete: an
 * interrupted or failed run leaves no partial file (and an older file of that name
 * untouched). Exit status: 0 success, 1 render or I/O failure (a reader that
 * closes the pipe of -o - included), 2 usage error (bad option, bad value, unusable
 * output), 128 + N when signal N (SIGINT, SIGTERM, SIGHUP) ends the run. */

#include "fractalvid.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define DEFAULT_SIZE 256u

/* The partial output file to remove when a signal ends the run: the one thing the signal
 * handler needs to know, so it is the one global. Set and cleared with the signals blocked. */
static char *volatile partial_output;

/* OUTPUT_NULL: rendered, then dropped (nothing converted or written), to time the renderer
 * alone, as ffmpeg's -f null. */
typedef enum OutputKind { OUTPUT_Y4M, OUTPUT_MD5, OUTPUT_NULL } OutputKind;

/* Everything the command line decides; filled by the option callbacks, owned by main(). */
typedef struct RenderOptions {
    FvSettings settings;
    int64_t clips; /* -1: endless (to stdout only) */
    uint64_t first_clip;
    unsigned threads;
    unsigned fps_num, fps_den;
    char *output; /* G_OPTION_ARG_FILENAME: allocated by GLib, freed by main() */
    gboolean quiet;
    gboolean list_variations;
    gboolean list_effects;
    gboolean version;
} RenderOptions;

/* The open destination of the frames. */
typedef struct Output {
    OutputKind kind;
    FILE *file;
    const char *name;   /* as the user spelled it, for messages */
    char *target;       /* the file made at the end: name, or the file its symlink names */
    char *temp;         /* written meanwhile, in target's folder; NULL when writing straight
                         * to name (stdout, a FIFO, a device) */
    gboolean is_stdout; /* stdout is never closed or removed */
    gboolean failed;    /* a write failed and was reported: once is enough */
} Output;

/* Every usage message has the same shape so a user (and a test) finds the option name first. */
static gboolean bad_value(GError **error, const char *option, const char *value,
                          const char *allowed)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: invalid value '%s'; allowed: %s", option, value, allowed);
    return FALSE;
}

/* value as the core's shared option key (the grammar and range of the fractal:// URI, the
 * server and the Python binding); a usage error naming flag and what key takes otherwise. */
static gboolean parse_shared(const char *flag, const char *key, const char *value,
                             FvOptionValue *out, GError **error)
{
    char allowed[1024];
    if (fv_option_parse(key, value, out) == 0)
        return TRUE;
    fv_option_allowed(key, allowed, sizeof(allowed));
    return bad_value(error, flag, value, allowed);
}

static gboolean on_class(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "class", value, &v, error))
        return FALSE;
    o->settings.class_id = v.i;
    return TRUE;
}

static gboolean on_seed(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    /* One callback serves both seeds; the option name says which one. */
    const gboolean class_seed = strcmp(option, "--class-seed") == 0;
    FvOptionValue v;
    if (!parse_shared(option, class_seed ? "class-seed" : "seed", value, &v, error))
        return FALSE;
    if (class_seed)
        o->settings.class_seed = v.u;
    else
        o->settings.seed = v.u;
    return TRUE;
}

static gboolean on_motion(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "motion", value, &v, error))
        return FALSE;
    o->settings.motion = (FvMotion)v.i;
    return TRUE;
}

static gboolean on_variation(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    /* The message lists every name, which saves a round trip to --list-variations. */
    if (!parse_shared(option, "variation", value, &v, error))
        return FALSE;
    o->settings.variation = (int)v.i;
    return TRUE;
}

static gboolean on_size(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    gboolean ok = FALSE;
    FvOptionValue w, h;
    char **parts = g_strsplit_set(value, "xX", -1);
    if (g_strv_length(parts) == 2)
        ok = fv_option_parse("width", parts[0], &w) == 0 &&
             fv_option_parse("height", parts[1], &h) == 0;
    g_strfreev(parts);
    if (!ok) {
        char *allowed = g_strdup_printf("WIDTHxHEIGHT, each an integer from %d to %d (e.g. 256x256)",
                                        FV_MIN_SIZE, FV_MAX_SIZE);
        bad_value(error, option, value, allowed);
        g_free(allowed);
        return FALSE;
    }
    o->settings.width = (unsigned)w.u;
    o->settings.height = (unsigned)h.u;
    return TRUE;
}

static gboolean on_frames(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "clip-frames", value, &v, error))
        return FALSE;
    o->settings.clip_frames = (unsigned)v.u;
    return TRUE;
}

static gboolean on_clips(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "num-clips", value, &v, error))
        return FALSE;
    o->clips = v.i;
    return TRUE;
}

static gboolean on_first_clip(const gchar *option, const gchar *value, gpointer data,
                              GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "first-clip", value, &v, error))
        return FALSE;
    o->first_clip = v.u;
    return TRUE;
}

static gboolean on_threads(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    if (!parse_shared(option, "threads", value, &v, error))
        return FALSE;
    o->threads = (unsigned)v.u;
    return TRUE;
}

static gboolean on_density(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    FvOptionValue v;
    /* decimal, '.' as the point whatever the locale: 14.26, 0.5, 1e3 */
    if (!parse_shared(option, "density", value, &v, error))
        return FALSE;
    o->settings.density = v.d;
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
        ok = fv_parse_uint(parts[0], 1, G_MAXINT32, &num) == 0;
        if (ok && n == 2)
            ok = fv_parse_uint(parts[1], 1, G_MAXINT32, &den) == 0;
    }
    g_strfreev(parts);
    if (!ok)
        return bad_value(error, option, value,
                         "N or N/D with positive integers (e.g. 12 or 30000/1001)");
    o->fps_num = (unsigned)num;
    o->fps_den = (unsigned)den;
    return TRUE;
}

static gboolean on_effects(const gchar *option, const gchar *value, gpointer data, GError **error)
{
    RenderOptions *o = data;
    if (fv_effects_from_string(value, &o->settings.effects, NULL) == 0)
        return TRUE;
    GString *allowed = g_string_new("names joined by + or , from: none");
    for (int b = 0; b < FV_NUM_EFFECTS; b++)
        g_string_append_printf(allowed, ", %s", fv_effect_name(b));
    bad_value(error, option, value, allowed->str);
    g_string_free(allowed, TRUE);
    return FALSE;
}

static gboolean on_augment_seed(const gchar *option, const gchar *value, gpointer data,
                                GError **error)
{
    RenderOptions *o = data;
    uint64_t seed;
    if (fv_parse_uint(value, 0, UINT64_MAX, &seed) != 0)
        return bad_value(error, option, value,
                         "an unsigned 64-bit integer (0..18446744073709551615)");
    o->settings.augment_seed = seed;
    return TRUE;
}

/* The option that sets a FvSettings field, so validation errors speak the CLI's language. */
static const char *option_for_field(const char *field)
{
    static const struct {
        const char *field, *option;
    } map[] = {
        {"class", "--class"},         {"motion", "--motion"},
        {"variation", "--variation"}, {"clip-frames", "--frames"},
        {"density", "--density"},     {"width", "--size"},
        {"height", "--size"},         {"effects", "--effects"},
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
         "Class to render, 0..2147483647; -1 = unlabeled, a new class every clip (default 0)",
         "N"},
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
         "Number of clips, written back to back (default 1); -1 = endless, with --output -",
         "N"},
        {"first-clip", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_first_clip,
         "Index of the first clip, to split a long run into parts (default 0)", "K"},
        {"threads", 't', 0, G_OPTION_ARG_CALLBACK, (void *)on_threads,
         "Worker threads, 0..256; 0 = one per core (default 0). Output does not depend on it",
         "N"},
        {"density", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_density,
         "Plotted points per pixel per frame (default 14.26, the paper's)", "D"},
        {"effects", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_effects,
         "Emulation of real video (G10): effect names joined by + or , (see --list-effects); "
         "paper = every effect at the paper's probability (default none)",
         "LIST"},
        {"augment-seed", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_augment_seed,
         "Draws the effects anew; the plain clip stays the same (default 0)", "S"},
        {"fps", 0, 0, G_OPTION_ARG_CALLBACK, (void *)on_fps,
         "Frame rate written in the y4m header (default 12/1)", "N/D"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
         "FILE.y4m (grayscale video), FILE.md5 (one MD5 per frame per line), - (y4m on stdout), "
         "or null (rendered, nothing written: to time the renderer)",
         "FILE"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No per-clip summary on stderr", NULL},
        {"list-variations", 0, 0, G_OPTION_ARG_NONE, &o->list_variations,
         "Print the accepted --variation names, one per line, and exit", NULL},
        {"list-effects", 0, 0, G_OPTION_ARG_NONE, &o->list_effects,
         "Print the accepted --effects names, one per line, and exit", NULL},
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
             "  fractalvid-render --class -1 --clips 8 --effects paper --augment-seed 1 -o real.y4m\n"
             "  fractalvid-render --class -1 --clips 40 -o null   # time the renderer alone\n"
             "\n"
             "Values: decimal integers (no +, spaces or hex), decimal numbers (0.5, 1e3), names;\n"
             "the same grammar as fractal:// URIs.\n"
             "A file is written under a temporary name and renamed when complete: an\n"
             "interrupted run leaves none behind.\n"
             "\n"
             "Exit status: 0 success, 1 render or write failure (or the reader of - closed the\n"
             "pipe), 2 usage error, 130 interrupted (SIGINT), 143 terminated (SIGTERM).\n");
    return ctx;
}

/* Signals that end a run: the handler removes the partial output and exits 128 + N. */
static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_ending_signal(int sig)
{
    char *path = partial_output;
    /* unlink and _exit are async-signal-safe; stdio buffers die with the process */
    if (path)
        unlink(path);
    _exit(128 + sig);
}

static void block_ending_signals(gboolean block)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < G_N_ELEMENTS(ending_signals); i++)
        sigaddset(&set, ending_signals[i]);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_ending_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(ending_signals); i++)
        sigaction(ending_signals[i], &sa, NULL);
    /* a reader that goes away is a write error (EPIPE) with a message, not a silent death */
    signal(SIGPIPE, SIG_IGN);
}

/* Create the temporary file next to out->target; FALSE and a message when it cannot be. */
static gboolean output_open_temp(Output *out)
{
    char *dir = g_path_get_dirname(out->target), *base = g_path_get_basename(out->target);
    char *tmpl = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    g_free(dir);
    g_free(base);
    /* blocked: a signal between creating the file and noting it would leave it behind */
    block_ending_signals(TRUE);
    /* 0666 less the umask, as any new file: it is renamed into place as it is */
    int fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) {
        out->temp = tmpl;
        partial_output = tmpl;
    }
    block_ending_signals(FALSE);
    if (fd < 0) {
        g_printerr("fractalvid-render: --output: cannot write '%s': %s\n", out->name,
                   g_strerror(errno));
        g_free(tmpl);
        return FALSE;
    }
    out->file = fdopen(fd, "wb");
    return out->file != NULL;
}

/* Remove the temporary file (a run that failed or was cut short). */
static void output_discard_temp(Output *out)
{
    block_ending_signals(TRUE);
    if (out->temp)
        g_unlink(out->temp);
    partial_output = NULL;
    block_ending_signals(FALSE);
    g_clear_pointer(&out->temp, g_free);
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
    } else if (strcmp(name, "null") == 0) {
        out->kind = OUTPUT_NULL;
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
                   "in .y4m (grayscale video) or .md5 (one MD5 per frame), - (y4m on stdout) "
                   "or null (rendered, nothing written)\n",
                   name);
        return FALSE;
    }
    if (out->kind == OUTPUT_NULL)
        return TRUE; /* no file: output_close has nothing to do */
    if (out->is_stdout) {
        /* Binary video on a terminal is never what was meant. */
        if (isatty(STDOUT_FILENO)) {
            g_printerr("fractalvid-render: --output -: stdout is a terminal; redirect or pipe it "
                       "(e.g. -o - | ffplay -)\n");
            return FALSE;
        }
        out->file = stdout;
    } else {
        GStatBuf st;
        gboolean exists = g_stat(name, &st) == 0;
        if (exists && !S_ISREG(st.st_mode)) {
            /* a FIFO or a device: written as it goes, there is nothing to rename */
            out->file = g_fopen(name, "wb");
            if (!out->file) {
                g_printerr("fractalvid-render: --output: cannot write '%s': %s\n", name,
                           g_strerror(errno));
                return FALSE;
            }
        } else {
            /* a symlink to a file: the file is replaced, the link kept */
            char *real = exists && g_file_test(name, G_FILE_TEST_IS_SYMLINK)
                             ? realpath(name, NULL)
                             : NULL;
            out->target = real ? g_strdup(real) : g_strdup(name);
            free(real);
            if (!output_open_temp(out)) {
                g_clear_pointer(&out->target, g_free);
                return FALSE;
            }
        }
    }
    /* Frames are large, writes are few: a big buffer keeps syscalls rare on pipes. */
    setvbuf(out->file, NULL, _IOFBF, 1 << 20);
    return TRUE;
}

/* Report a failed write once, in one line. */
static void output_write_failed(Output *out)
{
    if (out->failed)
        return;
    out->failed = TRUE;
    if (errno == EPIPE)
        g_printerr("fractalvid-render: the reader of '%s' closed it (broken pipe); stopped\n",
                   out->name);
    else
        g_printerr("fractalvid-render: writing '%s' failed: %s\n", out->name,
                   g_strerror(errno));
}

/* Close the destination; complete (the run succeeded): the temporary file, flushed to disk,
 * becomes the target; else it is removed. FALSE (with a message) if data could not be
 * written. */
static gboolean output_close(Output *out, gboolean complete)
{
    gboolean ok = !out->failed;
    if (!out->file)
        return TRUE;
    if (fflush(out->file) != 0) {
        output_write_failed(out);
        ok = FALSE;
    }
    /* on disk before the rename: a crash then leaves the old file or the new, never a hole */
    if (ok && complete && out->temp && fsync(fileno(out->file)) != 0) {
        output_write_failed(out);
        ok = FALSE;
    }
    if (!out->is_stdout && fclose(out->file) != 0 && ok) {
        output_write_failed(out);
        ok = FALSE;
    }
    out->file = NULL;
    if (out->temp) {
        if (ok && complete) {
            block_ending_signals(TRUE);
            if (g_rename(out->temp, out->target) == 0) {
                partial_output = NULL;
                g_clear_pointer(&out->temp, g_free);
            } else {
                g_printerr("fractalvid-render: cannot rename the finished output to '%s': %s\n",
                           out->name, g_strerror(errno));
                ok = FALSE;
            }
            block_ending_signals(FALSE);
        }
        if (out->temp)
            output_discard_temp(out);
    }
    g_clear_pointer(&out->target, g_free);
    return ok;
}

/* Write every frame of a rendered clip; frame is scratch of width*height bytes. */
static gboolean output_write_clip(Output *out, const FvClip *clip, uint8_t *frame,
                                  GChecksum *md5)
{
    const FvClipInfo *info = fv_clip_info(clip);
    const size_t frame_bytes = (size_t)info->width * info->height;

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
    output_write_failed(out);
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
    char effects[256];
    fv_effects_to_string(info->effects.applied, effects, sizeof(effects));
    g_printerr(" clip %" PRIu64 ": %u frames, %u maps, variation %s, %s motion, %u redraws, "
               "%.1f%% points kept, effects %s, %.1f ms\n",
               info->clip_index, info->frames, info->num_maps, variation ? variation : "?",
               fv_motion_name(info->motion) ? fv_motion_name(info->motion) : "?", info->redraws,
               kept, effects, ms);
}

/* The writing side of a run: a thread that writes each rendered clip while the next one
 * renders, so the renderer's threads never wait on a digest, a disk or a slow reader. Clips
 * are handed over one at a time, in order; the renderer takes a clip back once written. */
typedef struct Writer {
    GMutex lock;
    GCond changed;
    Output *out;
    FvRenderer *renderer;  /* cancelled when a write fails: the run ends without the render */
    uint8_t *frame;        /* scratch: one 8-bit frame */
    GChecksum *md5;
    const FvClip *pending; /* rendered, not yet taken by the writer */
    const FvClip *writing; /* being written */
    gboolean done;         /* no more clips will come */
    gboolean failed;       /* a write failed (reported): the run stops */
} Writer;

/* Write clip c and hand it to the reader; FALSE (reported) on failure. */
static gboolean write_one(Writer *w, const FvClip *c)
{
    /* Hand each finished clip to the reader now (a pipe to ffplay or a training job), not
     * when the stdio buffer happens to fill. */
    if (!output_write_clip(w->out, c, w->frame, w->md5))
        return FALSE;
    if (fflush(w->out->file) != 0) {
        output_write_failed(w->out);
        return FALSE;
    }
    return TRUE;
}

static gpointer writer_main(gpointer data)
{
    Writer *w = data;
    g_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->done)
            g_cond_wait(&w->changed, &w->lock);
        if (!w->pending)
            break;
        w->writing = w->pending;
        w->pending = NULL;
        g_cond_broadcast(&w->changed);
        g_mutex_unlock(&w->lock);
        gboolean ok = write_one(w, w->writing);
        if (!ok)
            fv_renderer_cancel(w->renderer, 1);
        g_mutex_lock(&w->lock);
        w->writing = NULL;
        w->failed = !ok;
        g_cond_broadcast(&w->changed);
        if (!ok)
            break;
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

/* Wait until clip c (if any) is neither waiting nor being written, and, if slot, until
 * nothing is waiting; FALSE if the writer failed. */
static gboolean writer_wait(Writer *w, const FvClip *c, gboolean slot)
{
    g_mutex_lock(&w->lock);
    while (!w->failed && ((c && (w->pending == c || w->writing == c)) || (slot && w->pending)))
        g_cond_wait(&w->changed, &w->lock);
    gboolean ok = !w->failed;
    g_mutex_unlock(&w->lock);
    return ok;
}

/* Room a writing thread takes beside the second clip: its stack and, under an address-space
 * limit, the malloc arena it reserves (64 MiB on 64-bit glibc). */
#define WRITER_ROOM (UINT64_C(96) << 20)

/* Render and write clips first..first+count-1 (or on and on: count -1). Two clips take
 * turns, one rendering while a writing thread writes the other, when the memory left holds
 * both (fv_render_memory_need) and the thread; else one, written before the next renders, as
 * a single clip is (and as each clip of a null output, rendered and dropped). Clip indices end at 2^64 - 1: a run that reaches it ends there, as
 * fractalvidsrc's stream. */
static int render_all(const RenderOptions *o, Output *out)
{
    FvRenderer *renderer = NULL;
    FvClip *clips[2] = {NULL, NULL};
    unsigned turns = 1;
    Writer w = {.out = out, .md5 = g_checksum_new(G_CHECKSUM_MD5)};
    GThread *writer = NULL;
    int status = EXIT_FAILED;
    g_mutex_init(&w.lock);
    g_cond_init(&w.changed);

    int err = fv_renderer_open(&renderer, o->threads);
    if (err != 0) {
        g_printerr("fractalvid-render: cannot start the renderer: %s\n", g_strerror(-err));
        goto done;
    }
    w.renderer = renderer;
    const uint64_t need2 = fv_render_memory_need(&o->settings, o->threads, 2);
    const uint64_t room = fv_memory_available();
    const gboolean drop = out->kind == OUTPUT_NULL; /* nothing to write: one clip */
    if (!drop && o->clips != 1 && need2 && room > WRITER_ROOM && need2 <= room - WRITER_ROOM &&
        fv_renderer_budget_clips(renderer, 2) == 0)
        turns = 2;
    for (unsigned t = 0; t < turns; t++) {
        err = fv_clip_new(&clips[t]);
        if (err != 0) {
            g_printerr("fractalvid-render: cannot allocate a clip: %s\n", g_strerror(-err));
            goto done;
        }
    }
    w.frame = drop ? NULL : g_try_malloc((size_t)o->settings.width * o->settings.height);
    if (!drop && !w.frame) {
        g_printerr("fractalvid-render: out of memory for a %ux%u frame\n", o->settings.width,
                   o->settings.height);
        goto done;
    }

    /* Cmono: 8-bit luma only, which ffmpeg reads as gray. One header for all clips. */
    if (out->kind == OUTPUT_Y4M &&
        fprintf(out->file, "YUV4MPEG2 W%u H%u F%u:%u Ip A1:1 Cmono\n", o->settings.width,
                o->settings.height, o->fps_num, o->fps_den) < 0) {
        output_write_failed(out);
        goto done;
    }
    if (turns == 2 && !(writer = g_thread_try_new("fv-writer", writer_main, &w, NULL))) {
        turns = 1; /* then written in turn */
        fv_renderer_budget_clips(renderer, 1);
    }

    const gint64 start = g_get_monotonic_time();
    uint64_t frames_total = 0, k;
    gboolean ok = TRUE;
    for (k = 0; o->clips < 0 || k < (uint64_t)o->clips; k++) {
        const uint64_t index = o->first_clip + k;
        if (k > 0 && index == 0)
            break; /* past the last clip index */
        FvClip *clip = clips[k % turns];
        if (!writer_wait(&w, clip, FALSE)) {
            ok = FALSE;
            break;
        }
        const gint64 t0 = g_get_monotonic_time();
        err = fv_render_clip(renderer, &o->settings, index, clip);
        if (err == -ECANCELED) { /* by the writer, whose failure is reported */
            ok = FALSE;
            break;
        }
        if (err != 0) {
            /* the renderer's own words: for memory, what the clip needs and the limit */
            const char *why = fv_renderer_error(renderer);
            g_printerr("fractalvid-render: rendering clip %" PRIu64 " failed: %s\n", index,
                       *why ? why : g_strerror(-err));
            ok = FALSE;
            break;
        }
        const double ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
        const FvClipInfo *info = fv_clip_info(clip);
        if (!info) {
            g_printerr("fractalvid-render: clip %" PRIu64 " has no info\n", index);
            ok = FALSE;
            break;
        }
        if (!o->quiet)
            print_clip_summary(info, ms);
        if (!writer) {
            if (!drop && !(ok = write_one(&w, clip)))
                break;
            frames_total += info->frames;
            continue;
        }
        if (!writer_wait(&w, NULL, TRUE)) {
            ok = FALSE;
            break;
        }
        g_mutex_lock(&w.lock);
        w.pending = clip;
        g_cond_broadcast(&w.changed);
        g_mutex_unlock(&w.lock);
        frames_total += info->frames;
    }
    if (writer) {
        /* the clips handed over are written before the run ends, as they were rendered */
        g_mutex_lock(&w.lock);
        w.done = TRUE;
        g_cond_broadcast(&w.changed);
        g_mutex_unlock(&w.lock);
        g_thread_join(writer);
    }
    if (!ok || w.failed)
        goto done;
    if (!o->quiet && k > 1)
        g_printerr("%" PRIu64 " clips, %" PRIu64 " frames, %.2f s, %u threads\n", k, frames_total,
                   (double)(g_get_monotonic_time() - start) / 1e6, fv_renderer_threads(renderer));
    status = EXIT_SUCCESS;

done:
    g_free(w.frame);
    for (unsigned t = 0; t < 2; t++)
        fv_clip_free(&clips[t]);
    fv_renderer_close(&renderer);
    g_checksum_free(w.md5);
    g_cond_clear(&w.changed);
    g_mutex_clear(&w.lock);
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

    if (o.list_effects) {
        g_print("none\n");
        for (int b = 0; b < FV_NUM_EFFECTS; b++)
            g_print("%s\n", fv_effect_name(b));
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
    if (!o.output) {
        g_printerr("fractalvid-render: --output is required: FILE.y4m (grayscale video), "
                   "FILE.md5 (one MD5 per frame), - (y4m on stdout) or null (nothing written) "
                   "(see --help)\n");
        return EXIT_USAGE;
    }

    if (o.clips < 0 && strcmp(o.output, "-") != 0) {
        g_printerr("fractalvid-render: --clips: invalid value '-1' (endless) with --output '%s'; "
                   "allowed: -1 with --output - only (a file is made when complete, an endless "
                   "run never is)\n",
                   o.output);
        g_free(o.output);
        return EXIT_USAGE;
    }

    /* before the output exists: a signal from now on removes what was written */
    install_signal_handlers();
    Output out;
    if (!output_open(&out, o.output)) {
        g_free(o.output);
        return EXIT_USAGE;
    }
    int status = render_all(&o, &out);
    if (!output_close(&out, status == EXIT_SUCCESS))
        status = EXIT_FAILED;
    g_free(o.output);
    return status;
}
