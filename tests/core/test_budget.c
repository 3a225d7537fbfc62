/* The renderer's memory budget (what it will hold, checked against what the process can
 * still take), its histogram copies, and cancels that return at once at any size and density. */
#include "fv_internal.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

/* ---- the room: MemAvailable, cgroups (v2, v1, every level), from a fake /proc and /sys ---- */

static void put(const char *root, const char *path, const char *text)
{
    char *full = g_build_filename(root, path, NULL);
    char *dir = g_path_get_dirname(full);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(full, text, -1, NULL));
    g_free(dir);
    g_free(full);
}

static void remove_tree(const char *root)
{
    char *argv[] = {"rm", "-rf", (char *)root, NULL};
    g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void test_room_reads_meminfo_and_cgroups(void)
{
    char *root = g_dir_make_tmp("fv-room-XXXXXX", NULL);
    put(root, "proc/meminfo",
        "MemTotal:       24000000 kB\nMemFree: 1 kB\n"
        "MemAvailable:    1000000 kB\nBuffers: 5 kB\n");
    /* no cgroup file: MemAvailable alone */
    FvMemoryRoom room = fv_memory_room_at(root);
    g_assert_cmpuint(room.bytes, ==, UINT64_C(1000000) * 1024);
    g_assert_cmpstr(room.limit, ==, "MemAvailable");

    /* v2: the group has no limit, its parent has one; dropping the page cache counts */
    put(root, "proc/self/cgroup", "0::/user.slice/job.scope\n");
    put(root, "sys/fs/cgroup/user.slice/job.scope/memory.max", "max\n");
    put(root, "sys/fs/cgroup/user.slice/job.scope/memory.current", "4096\n");
    put(root, "sys/fs/cgroup/user.slice/memory.max", "500000000\n");
    put(root, "sys/fs/cgroup/user.slice/memory.current", "300000000\n");
    put(root, "sys/fs/cgroup/user.slice/memory.stat",
        "anon 100000000\nfile 200000000\n"
        "inactive_file 150000000\n");
    room = fv_memory_room_at(root);
    g_assert_cmpuint(room.bytes, ==, UINT64_C(500000000) - (300000000 - 150000000));
    g_assert_cmpstr(room.limit, ==, "cgroup memory.max");

    /* the tighter level binds, wherever it is */
    put(root, "sys/fs/cgroup/user.slice/job.scope/memory.max", "100000000\n");
    room = fv_memory_room_at(root);
    g_assert_cmpuint(room.bytes, ==, UINT64_C(100000000) - 4096);

    /* a group over its limit has no room */
    put(root, "sys/fs/cgroup/user.slice/job.scope/memory.current", "200000000\n");
    g_assert_cmpuint(fv_memory_room_at(root).bytes, ==, 0);
    remove_tree(root);
    g_free(root);

    /* v1, the memory controller mounted with another; "unlimited" is a huge number */
    root = g_dir_make_tmp("fv-room-XXXXXX", NULL);
    put(root, "proc/meminfo", "MemAvailable:    8000000 kB\n");
    put(root, "proc/self/cgroup", "9:cpu,memory:/docker/abc\n1:name=systemd:/\n0::/\n");
    put(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
    put(root, "sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "2147483648\n");
    put(root, "sys/fs/cgroup/memory/docker/memory.usage_in_bytes", "1073741824\n");
    put(root, "sys/fs/cgroup/memory/docker/memory.stat",
        "cache 1\ninactive_file 5\ntotal_inactive_file 536870912\n");
    room = fv_memory_room_at(root);
    g_assert_cmpuint(room.bytes, ==, UINT64_C(2147483648) - (1073741824 - 536870912));
    g_assert_cmpstr(room.limit, ==, "cgroup memory.limit_in_bytes");
    remove_tree(root);
    g_free(root);

    /* a cgroup namespace: the group's path is not under the mount, whose root is the group */
    root = g_dir_make_tmp("fv-room-XXXXXX", NULL);
    put(root, "proc/self/cgroup", "0::/elsewhere/job\n");
    put(root, "sys/fs/cgroup/memory.max", "268435456\n");
    put(root, "sys/fs/cgroup/memory.current", "0\n");
    room = fv_memory_room_at(root);
    g_assert_cmpuint(room.bytes, ==, UINT64_C(268435456));
    remove_tree(root);
    g_free(root);

    /* the real machine: some room, and less than UINT64_MAX (MemAvailable is always there) */
    g_assert_cmpuint(fv_memory_available(), >, 0);
    g_assert_cmpuint(fv_memory_available(), <, UINT64_MAX);
}

/* ---- the need ---- */

static void test_need_counts_clips_histograms_and_scratch(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 256;
    s.clip_frames = 10;
    const uint64_t pixels = 256 * 256, clip = 10 * pixels * sizeof(uint16_t);
    uint64_t one = fv_render_memory_need(&s, 1, 1), two = fv_render_memory_need(&s, 1, 2);
    /* a clip's frames, one histogram, 3x3 counts */
    g_assert_cmpuint(one, >, clip + 2 * pixels * sizeof(uint32_t));
    /* a second clip held adds its frames */
    g_assert_cmpuint(two - one, >=, clip);
    g_assert_cmpuint(two - one, <, clip + 128 * 1024);
    /* clip_frames 0: the longest clip a class draws */
    s.clip_frames = 0;
    g_assert_cmpuint(fv_render_memory_need(&s, 1, 1), >, 20 * pixels * sizeof(uint16_t));
    s.clip_frames = 10;

    /* histograms grow with threads up to the lanes of a frame, no further */
    s.width = s.height = 2048;
    const uint64_t hist = UINT64_C(2048) * 2048 * sizeof(uint32_t);
    uint64_t t1 = fv_render_memory_need(&s, 1, 1), t16 = fv_render_memory_need(&s, 16, 1);
    uint64_t t64 = fv_render_memory_need(&s, 64, 1);
    g_assert_cmpuint(t16 - t1, >=, 15 * hist);
    g_assert_cmpuint(t64 - t16, <, hist); /* 48 more threads: their probe scratch only */
    g_assert_cmpuint(t64, <, t1 + 20 * hist);

    /* at the largest size, fewer copies still (they would cost gigabytes) */
    s.width = s.height = FV_MAX_SIZE;
    const uint64_t big = (uint64_t)FV_MAX_SIZE * FV_MAX_SIZE * sizeof(uint32_t);
    g_assert_cmpuint(fv_render_memory_need(&s, 16, 1) - fv_render_memory_need(&s, 1, 1), <=,
                     3 * big + 16 * 512 * 1024); /* and each thread's probe points */

    /* nothing to say about bad settings */
    s.density = 0;
    g_assert_cmpuint(fv_render_memory_need(&s, 1, 1), ==, 0);
    fv_default_settings(&s);
    g_assert_cmpuint(fv_render_memory_need(&s, FV_MAX_THREADS + 1, 1), ==, 0);
}

static uint64_t peak_rss(void)
{
    char *status = NULL;
    uint64_t kb = 0;
    g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
    const char *hwm = strstr(status, "VmHWM:");
    g_assert_nonnull(hwm);
    kb = g_ascii_strtoull(hwm + 6, NULL, 10);
    g_free(status);
    return kb * 1024;
}

static guint8 *render_gray(FvRenderer *r, const FvSettings *s, uint64_t clip_index)
{
    FvClip *c;
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, s, clip_index, c), ==, 0);
    const FvClipInfo *info = fv_clip_info(c);
    size_t frame = (size_t)s->width * s->height;
    guint8 *px = g_malloc(frame * info->frames);
    for (unsigned f = 0; f < info->frames; f++)
        g_assert_cmpint(fv_clip_write_gray8(c, f, px + f * frame, s->width), ==, 0);
    fv_clip_free(&c);
    return px;
}

/* threads=64 used to mean 64 histograms (4 GiB at 2048x2048 with 256 threads): now as many
 * as run at once, and the pixels are the same for any count. */
static void test_many_threads_do_not_multiply_histograms(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 2048;
    s.clip_frames = 1;
    s.density = FV_MIN_DENSITY;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 64), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    g_assert_cmpint(fv_renderer_histograms(r), <=, FV_LANES);
    g_assert_cmpint(fv_renderer_histograms(r), >=, 1);
    /* what the process really touched: far below 64 histograms of 16 MiB */
    const uint64_t hist = UINT64_C(2048) * 2048 * sizeof(uint32_t);
    g_test_message("peak RSS %.0f MiB with %d histograms", peak_rss() / 1048576.0,
                   fv_renderer_histograms(r));
    g_assert_cmpuint(peak_rss(), <, 40 * hist);
    fv_clip_free(&c);
    fv_renderer_close(&r);

    /* more threads than the histograms they share: the same bits */
    fv_default_settings(&s);
    s.width = 96;
    s.height = 64;
    guint8 *want = NULL;
    const unsigned counts[] = {1, 3, 17, 64};
    for (size_t k = 0; k < G_N_ELEMENTS(counts); k++) {
        g_assert_cmpint(fv_renderer_open(&r, counts[k]), ==, 0);
        guint8 *got = render_gray(r, &s, 2);
        size_t bytes = (size_t)96 * 64 * fv_clip_frame_count(&s, 2);
        if (!want)
            want = got;
        else {
            g_assert_cmpmem(got, bytes, want, bytes);
            g_free(got);
        }
        fv_renderer_close(&r);
    }
    g_free(want);

    /* a thread count above the range is refused, not quietly lowered */
    g_assert_cmpint(fv_renderer_open(&r, FV_MAX_THREADS + 1), ==, -EINVAL);
}

/* A render far beyond the memory left is refused before anything is allocated, with a
 * message naming the need and the limit; the renderer stays usable. */
static void test_budget_refuses_what_does_not_fit(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = FV_MAX_SIZE;
    s.clip_frames = FV_MAX_CLIP_FRAMES;
    s.density = FV_MIN_DENSITY;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -ENOMEM);
    const char *why = fv_renderer_error(r);
    g_test_message("%s", why);
    g_assert_nonnull(strstr(why, "a 8192x8192 clip of 100000 frames needs 1250"));
    g_assert_nonnull(strstr(why, "GiB of frames for 1 clip,"));
    g_assert_true(strstr(why, "available (MemAvailable)") || strstr(why, "available (cgroup") ||
                  strstr(why, "available (RLIMIT_AS)"));
    g_assert_null(fv_clip_info(c));
    s.width = s.height = 32;
    s.clip_frames = 2;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    g_assert_cmpstr(fv_renderer_error(r), ==, "");
    s.density = 0;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -EINVAL);
    g_assert_nonnull(strstr(fv_renderer_error(r), "density"));
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* A clip's frames (2.6 MB at 256x256) are whole huge pages where the system gives them on
 * request (transparent huge pages "madvise" or "always"): a fresh clip's first render faults
 * in a few pages, not one per 4 KiB of its frames (640). */
static void test_fresh_clip_frames_are_huge_pages(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    g_test_skip("sanitizers allocate their own way");
    return;
#endif
    char *thp = NULL;
    if (!g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &thp, NULL, NULL) ||
        strstr(thp, "[never]")) {
        g_free(thp);
        g_test_skip("no transparent huge pages on this system");
        return;
    }
    g_free(thp);
    if (!g_test_subprocess()) { /* a heap of its own: nothing freed to reuse */
        g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
        g_test_trap_assert_passed();
        return;
    }
    FvSettings s;
    fv_default_settings(&s);
    FvRenderer *r;
    FvClip *a, *b;
    g_assert_cmpint(fv_renderer_open(&r, 1), ==, 0);
    g_assert_cmpint(fv_clip_new(&a), ==, 0);
    g_assert_cmpint(fv_clip_new(&b), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, a), ==, 0); /* the renderer's own memory */
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    g_assert_cmpint(fv_render_clip(r, &s, 0, b), ==, 0);
    getrusage(RUSAGE_SELF, &after);
    const long small_pages = (long)fv_clip_info(b)->frames * 256 * 256 * 2 / 4096;
    const long faults = after.ru_minflt - before.ru_minflt;
    g_test_message("a fresh clip's render: %ld page faults (%ld pages of 4 KiB)", faults,
                   small_pages);
    g_assert_cmpint(faults, <, small_pages / 8);
    fv_clip_free(&a);
    fv_clip_free(&b);
    fv_renderer_close(&r);
}

static uint64_t mapped_bytes(void)
{
    char *statm = NULL;
    g_assert_true(g_file_get_contents("/proc/self/statm", &statm, NULL, NULL));
    uint64_t pages = g_ascii_strtoull(statm, NULL, 10);
    g_free(statm);
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Under a limit with room for one clip and not for two, a renderer that budgets for two
 * (as the element does: one clip playing, the next rendering) refuses; one that budgets for
 * one renders. The limit is the address-space rlimit, which a test may set; cgroup limits
 * are read the same way (above). */
static void test_budget_counts_every_clip_held(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    g_test_skip("sanitizers reserve terabytes of address space");
    return;
#endif
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
        g_test_trap_assert_passed();
        return;
    }
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 1024;
    s.clip_frames = 100; /* 200 MiB of frames per clip */
    s.density = FV_MIN_DENSITY;
    FvRenderer *r;
    FvClip *a, *b;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&a), ==, 0);
    g_assert_cmpint(fv_clip_new(&b), ==, 0);
    uint64_t one = fv_render_memory_need(&s, 2, 1), two = fv_render_memory_need(&s, 2, 2);
    struct rlimit cap = {.rlim_cur = mapped_bytes() + (one + two) / 2, .rlim_max = RLIM_INFINITY};
    g_assert_cmpint(setrlimit(RLIMIT_AS, &cap), ==, 0);

    g_assert_cmpint(fv_renderer_budget_clips(r, 2), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, a), ==, -ENOMEM);
    g_test_message("%s", fv_renderer_error(r));
    g_assert_nonnull(strstr(fv_renderer_error(r), "for 2 clips"));
    g_assert_nonnull(strstr(fv_renderer_error(r), "(RLIMIT_AS)"));

    g_assert_cmpint(fv_renderer_budget_clips(r, 1), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, a), ==, 0);
    /* a second clip of the same size would pass the limit: refused */
    g_assert_cmpint(fv_render_clip(r, &s, 1, b), ==, -ENOMEM);
    /* rendering into the clip held again needs nothing more */
    g_assert_cmpint(fv_render_clip(r, &s, 1, a), ==, 0);
    g_assert_cmpint(fv_renderer_budget_clips(r, 0), ==, -EINVAL);
    fv_clip_free(&a);
    fv_clip_free(&b);
    fv_renderer_close(&r);
}

/* Under the frame normalization a frame is rendered alone (the element's live streams hold
 * two frames, not two clips): its budget counts the frames held, not the clip's. */
static void test_budget_counts_frames_rendered_alone(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    g_test_skip("sanitizers reserve terabytes of address space");
    return;
#endif
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
        g_test_trap_assert_passed();
        return;
    }
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 1024;
    s.clip_frames = 100; /* 200 MiB of frames per clip, 2 MiB per frame */
    s.density = FV_MIN_DENSITY;
    s.normalization = FV_NORMALIZATION_FRAME;
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_renderer_budget_clips(r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    const uint64_t clip = UINT64_C(100) * 1024 * 1024 * sizeof(uint16_t);
    struct rlimit cap = {.rlim_cur = mapped_bytes() + clip / 2, .rlim_max = RLIM_INFINITY};
    g_assert_cmpint(setrlimit(RLIMIT_AS, &cap), ==, 0);

    /* two whole clips do not fit; two frames do, one after the other */
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -ENOMEM);
    g_test_message("%s", fv_renderer_error(r));
    g_assert_nonnull(strstr(fv_renderer_error(r), "a 1024x1024 clip of 100 frames needs"));
    g_assert_nonnull(strstr(fv_renderer_error(r), "for 2 clips"));
    for (unsigned f = 0; f < 3; f++) {
        g_assert_cmpint(fv_render_frame(r, &s, 0, f, c), ==, 0);
        g_assert_cmpuint(fv_clip_info(c)->frames_held, ==, 1);
    }

    /* with no room left even a frame is refused, and the message says it is one frame */
    FvClip *more;
    g_assert_cmpint(fv_clip_new(&more), ==, 0);
    s.width = s.height = 4096; /* 32 MiB a frame, 64 MiB of histograms and sums */
    cap.rlim_cur = mapped_bytes() + clip / 8;
    g_assert_cmpint(setrlimit(RLIMIT_AS, &cap), ==, 0);
    g_assert_cmpint(fv_render_frame(r, &s, 0, 0, more), ==, -ENOMEM);
    g_test_message("%s", fv_renderer_error(r));
    g_assert_nonnull(
        strstr(fv_renderer_error(r), "a 4096x4096 frame (of a clip of 100 frames) needs"));
    g_assert_nonnull(strstr(fv_renderer_error(r), "for 2 frames"));
    fv_clip_free(&more);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* Clips with effects (G10) hold more than plain ones: the background's canvas (a panned
 * static background's is enlarged; a dynamic one holds its shown frames), the clip's systems
 * and effect values. The need counts them, and a render beyond the memory left is refused
 * before anything is taken, the need and the limit named, as a plain one. */
static void test_budget_counts_effects(void)
{
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 256;
    s.clip_frames = 20;
    const uint64_t pixels = 256 * 256, plain = fv_render_memory_need(&s, 2, 1);
    s.effects = FV_EFFECT_SCALE | FV_EFFECT_SHAKE; /* warps only: little more */
    g_assert_cmpuint(fv_render_memory_need(&s, 2, 1), >, plain);
    g_assert_cmpuint(fv_render_memory_need(&s, 2, 1), <, plain + (UINT64_C(2) << 20));
    /* a panned background: a canvas of up to 4 frames, and histograms over it */
    s.effects = FV_EFFECT_BACKGROUND_PAN;
    g_assert_cmpuint(fv_render_memory_need(&s, 2, 1), >=,
                     plain + 4 * pixels * (sizeof(uint16_t) + sizeof(uint32_t)));
    /* a dynamic background: a canvas per frame shown, up to its window */
    s.effects = FV_EFFECT_DYNAMIC_BACKGROUND;
    g_assert_cmpuint(fv_render_memory_need(&s, 2, 1), >=, plain + 20 * pixels * sizeof(uint16_t));
    s.effects = FV_EFFECT_PAPER; /* any of them */
    g_assert_cmpuint(fv_render_memory_need(&s, 2, 1), >=, plain + 20 * pixels * sizeof(uint16_t));

    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    /* far beyond any machine: refused at once, with the need and the limit */
    s.width = s.height = FV_MAX_SIZE;
    s.clip_frames = FV_MAX_CLIP_FRAMES;
    s.density = FV_MIN_DENSITY;
    s.effects = FV_EFFECT_DYNAMIC_BACKGROUND;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -ENOMEM);
    g_test_message("%s", fv_renderer_error(r));
    g_assert_nonnull(strstr(fv_renderer_error(r), "a 8192x8192 clip of 100000 frames needs"));
    g_assert_nonnull(strstr(fv_renderer_error(r), "is available ("));
    g_assert_null(fv_clip_info(c));
    /* the renderer stays usable */
    s.width = s.height = 64;
    s.clip_frames = 4;
    s.density = 1;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    g_assert_cmpstr(fv_renderer_error(r), ==, "");
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* Under a limit with room for a plain clip and not for its enlarged background's canvas and
 * histograms, the clip with a panned background is refused and the plain one renders. */
static void test_budget_refuses_an_effects_canvas(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    g_test_skip("sanitizers reserve terabytes of address space");
    return;
#endif
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
        g_test_trap_assert_passed();
        return;
    }
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = 1024;
    s.clip_frames = 8;
    s.density = FV_MIN_DENSITY;
    const uint64_t plain = fv_render_memory_need(&s, 1, 1);
    s.effects = FV_EFFECT_DYNAMIC_BACKGROUND; /* 8 canvases of 2 MiB more */
    const uint64_t with = fv_render_memory_need(&s, 1, 1);
    g_assert_cmpuint(with - plain, >=, UINT64_C(16) << 20);
    FvRenderer *r;
    FvClip *c;
    g_assert_cmpint(fv_renderer_open(&r, 1), ==, 0);
    g_assert_cmpint(fv_clip_new(&c), ==, 0);
    struct rlimit cap = {.rlim_cur = mapped_bytes() + plain + (with - plain) / 4,
                         .rlim_max = RLIM_INFINITY};
    g_assert_cmpint(setrlimit(RLIMIT_AS, &cap), ==, 0);
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, -ENOMEM);
    g_test_message("%s", fv_renderer_error(r));
    g_assert_nonnull(strstr(fv_renderer_error(r), "a 1024x1024 clip of 8 frames needs"));
    g_assert_nonnull(strstr(fv_renderer_error(r), "(RLIMIT_AS)"));
    s.effects = 0;
    g_assert_cmpint(fv_render_clip(r, &s, 0, c), ==, 0);
    fv_clip_free(&c);
    fv_renderer_close(&r);
}

/* ---- cancel ---- */

/* Milliseconds a cancel may take: the promise is a second; the machine is shared, and
 * sanitizers slow every allocation and free several times over. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CANCEL_BOUND_MS 12000
#else
#define CANCEL_BOUND_MS 3000
#endif

typedef struct CancelRun {
    FvRenderer *r;
    FvClip *clip;
    FvSettings s;
    int result;
    gint64 returned_at;
} CancelRun;

static gpointer cancel_run_thread(gpointer data)
{
    CancelRun *run = data;
    run->result = fv_render_clip(run->r, &run->s, 0, run->clip);
    run->returned_at = g_get_monotonic_time();
    return NULL;
}

/* Start rendering s, cancel after after_ms, return how long the cancel took (ms). */
static double cancel_after(CancelRun *run, unsigned after_ms)
{
    g_assert_cmpint(fv_renderer_open(&run->r, 2), ==, 0);
    g_assert_cmpint(fv_clip_new(&run->clip), ==, 0);
    GThread *thread = g_thread_new("render", cancel_run_thread, run);
    g_usleep(after_ms * 1000);
    gint64 asked = g_get_monotonic_time();
    fv_renderer_cancel(run->r, 1);
    g_thread_join(thread);
    g_assert_cmpint(run->result, ==, -ECANCELED);
    g_assert_cmpstr(fv_renderer_error(run->r), ==, "cancelled");
    g_assert_null(fv_clip_info(run->clip));
    return (run->returned_at - asked) / 1e3;
}

/* The framing probe of 100000 frames (about a minute of work) stops at once. */
static void test_cancel_stops_the_framing_probe(void)
{
    CancelRun run = {0};
    fv_default_settings(&run.s);
    run.s.width = run.s.height = 16;
    run.s.clip_frames = FV_MAX_CLIP_FRAMES;
    run.s.density = FV_MIN_DENSITY;
    double ms = cancel_after(&run, 500);
    g_test_message("returned %.0f ms after the cancel", ms);
    g_assert_cmpfloat(ms, <, CANCEL_BOUND_MS);
    fv_clip_free(&run.clip);
    fv_renderer_close(&run.r);
}

/* A lane of four billion points (8192x8192 at density 1000, many seconds of work) stops at
 * once, and the counts it left behind do not leak into the next render. */
static void test_cancel_stops_a_dense_lane(void)
{
    CancelRun run = {0};
    fv_default_settings(&run.s);
    run.s.width = run.s.height = FV_MAX_SIZE;
    run.s.clip_frames = 1;
    run.s.density = FV_MAX_DENSITY;
    double ms = cancel_after(&run, 1500);
    g_test_message("returned %.0f ms after the cancel", ms);
    g_assert_cmpfloat(ms, <, CANCEL_BOUND_MS);

    /* allowed again: the same bits as a renderer never cancelled, at the size whose
     * histograms the cancelled lanes left half counted */
    fv_renderer_cancel(run.r, 0);
    FvSettings small;
    fv_default_settings(&small);
    small.width = small.height = 64;
    guint8 *a = render_gray(run.r, &small, 1);
    FvRenderer *fresh;
    g_assert_cmpint(fv_renderer_open(&fresh, 2), ==, 0);
    guint8 *b = render_gray(fresh, &small, 1);
    size_t bytes = (size_t)64 * 64 * fv_clip_frame_count(&small, 1);
    g_assert_cmpmem(a, bytes, b, bytes);
    g_free(a);
    g_free(b);
    fv_renderer_close(&fresh);
    fv_clip_free(&run.clip);
    fv_renderer_close(&run.r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/room-reads-meminfo-and-cgroups", test_room_reads_meminfo_and_cgroups);
    g_test_add_func("/memory/need-counts-clips-histograms-and-scratch",
                    test_need_counts_clips_histograms_and_scratch);
    g_test_add_func("/memory/many-threads-do-not-multiply-histograms",
                    test_many_threads_do_not_multiply_histograms);
    g_test_add_func("/memory/budget-refuses-what-does-not-fit",
                    test_budget_refuses_what_does_not_fit);
    g_test_add_func("/memory/budget-counts-every-clip-held", test_budget_counts_every_clip_held);
    g_test_add_func("/memory/budget-counts-frames-rendered-alone",
                    test_budget_counts_frames_rendered_alone);
    g_test_add_func("/memory/budget-counts-effects", test_budget_counts_effects);
    g_test_add_func("/memory/fresh-clip-frames-are-huge-pages",
                    test_fresh_clip_frames_are_huge_pages);
    g_test_add_func("/memory/budget-refuses-an-effects-canvas",
                    test_budget_refuses_an_effects_canvas);
    g_test_add_func("/cancel/stops-the-framing-probe", test_cancel_stops_the_framing_probe);
    g_test_add_func("/cancel/stops-a-dense-lane", test_cancel_stops_a_dense_lane);
    return g_test_run();
}
