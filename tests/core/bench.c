/* Speed of the core at the seed's settings (256x256, 18-20 frames per clip, seed density):
 * ms per clip and plotted points per second for one thread and for all cores, and peak
 * memory. With effects (e.g. "paper"), all cores with those effects side by side with the
 * plain clips (rounds alternated, the median of three each), and their ratio. With "table"
 * instead: unlabeled clips on one thread and on all cores at 256x256 and 1920x1080
 * (1 clip at 1080p per 20), alternated in five rounds, the thread scaling beside the
 * machine's ceiling (as many 1-thread processes side by side), and the time to the first frame
 * of a fresh renderer.
 * Usage: fractalvid-bench [clips] [size] [effects|table] */
#include "bench_first_frame.h"
#include "fractalvid.h"
#include "fv_internal.h" /* fv_render_time: the threads' time in the renderer's jobs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(unsigned threads, int clips, unsigned size, uint32_t effects, double *fps)
{
    FvRenderer *r = NULL;
    FvClip *clip = NULL;
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = size;
    s.effects = effects;
    if (fv_renderer_open(&r, threads) || fv_clip_new(&clip))
        return 1;
    /* one clip to warm up (allocation, page faults), not timed */
    s.class_id = 1000000;
    if (fv_render_clip(r, &s, 0, clip))
        return 1;
    double points = 0, frames = 0, t0 = now_ms();
    for (int k = 0; k < clips; k++) {
        s.class_id = k;
        if (fv_render_clip(r, &s, 0, clip))
            return 1;
        const FvClipInfo *info = fv_clip_info(clip);
        points += (double)info->points_per_frame * info->frames;
        frames += info->frames;
    }
    double ms = now_ms() - t0;
    if (fps) {
        *fps = frames / (ms / 1e3);
        fv_clip_free(&clip);
        fv_renderer_close(&r);
        return 0;
    }
    printf("threads %-2u  %7.1f ms/clip  %6.1f frames/s  %.3g points/s  (%d clips %ux%u)\n",
           fv_renderer_threads(r), ms / clips, frames / (ms / 1e3), points / (ms / 1e3), clips,
           size, size);
    fv_clip_free(&clip);
    fv_renderer_close(&r);
    return 0;
}

static double median3(const double v[3])
{
    double a = v[0], b = v[1], c = v[2];
    return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* Median of n values (sorts them). */
static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Where a run's time went: its wall time, and the renderer's jobs' (fv_render_time). */
typedef struct Spent {
    double wall_ns, job_ns, task_ns;
} Spent;

/* ms per unlabeled clip (a new class every clip, as the paper's unlabeled datasets) of size,
 * on threads threads (0: one per core); *used gets the threads the renderer has, and *spent
 * adds the timed clips' times. With sync ({ready, go} descriptors), the timing starts after
 * writing a byte to ready (the warm-up done) and reading one from go. */
static int clip_ms(unsigned threads, int clips, unsigned size_w, unsigned size_h, double *ms,
                   unsigned *used, Spent *spent, const int *sync)
{
    FvRenderer *r = NULL;
    FvClip *clip = NULL;
    FvSettings s;
    fv_default_settings(&s);
    s.width = size_w;
    s.height = size_h;
    s.class_id = -1;
    if (fv_renderer_open(&r, threads) || fv_clip_new(&clip))
        return 1;
    *used = fv_renderer_threads(r);
    /* one clip to warm up (allocation, page faults), not timed */
    if (fv_render_clip(r, &s, 1000000, clip))
        return 1;
    char byte = 'r';
    if (sync && (write(sync[0], &byte, 1) != 1 || read(sync[1], &byte, 1) != 1))
        return 1;
    const FvPoolTime p0 = fv_render_time(r);
    double t0 = now_ms();
    for (int k = 0; k < clips; k++)
        if (fv_render_clip(r, &s, (uint64_t)k, clip))
            return 1;
    const double wall = now_ms() - t0;
    const FvPoolTime p1 = fv_render_time(r);
    *ms = wall / clips;
    spent->wall_ns += wall * 1e6;
    spent->job_ns += (double)(p1.job_ns - p0.job_ns);
    spent->task_ns += (double)(p1.task_ns - p0.task_ns);
    fv_clip_free(&clip);
    fv_renderer_close(&r);
    return 0;
}

/* The machine's own ceiling for the thread scaling: procs 1-thread renderers in as many
 * processes, sharing nothing but the machine (its caches, memory and host), started together
 * after their warm-ups; *ms gets the slowest one's ms per clip, in which they made procs
 * clips. */
static int side_by_side_ms(int procs, int clips, unsigned w, unsigned h, double *ms)
{
    int ready[2], go[2], result[2];
    if (pipe(ready) || pipe(go) || pipe(result))
        return 1;
    int started = 0, bad = 0;
    pid_t *pid = calloc((size_t)procs, sizeof(*pid));
    for (; pid && started < procs; started++) {
        pid[started] = fork();
        if (pid[started] < 0)
            break;
        if (pid[started] == 0) {
            const int sync[2] = {ready[1], go[0]};
            unsigned used;
            Spent spent = {0};
            double child_ms = 0;
            int failed = clip_ms(1, clips, w, h, &child_ms, &used, &spent, sync);
            if (!failed && write(result[1], &child_ms, sizeof(child_ms)) != sizeof(child_ms))
                failed = 1;
            _exit(failed);
        }
    }
    bad = started < procs;
    close(ready[1]);
    close(go[0]);
    close(result[1]);
    char byte;
    for (int i = 0; i < started && !bad; i++)
        bad = read(ready[0], &byte, 1) != 1;
    for (int i = 0; i < started && !bad; i++)
        bad = write(go[1], "g", 1) != 1;
    close(go[1]); /* children not told to go read nothing, and fail */
    *ms = 0;
    for (int i = 0; i < started && !bad; i++) {
        double v;
        bad = read(result[0], &v, sizeof(v)) != sizeof(v);
        *ms = !bad && v > *ms ? v : *ms;
    }
    close(ready[0]);
    close(result[0]);
    for (int i = 0; i < started; i++) {
        int status;
        if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            bad = 1;
    }
    free(pid);
    return bad;
}

static void load_average(char *buf, size_t size)
{
    double l[3];
    if (getloadavg(l, 3) == 3)
        snprintf(buf, size, "load average %.2f %.2f %.2f", l[0], l[1], l[2]);
    else
        snprintf(buf, size, "load average unknown");
}

/* Where a round's thread scaling went: on n threads, the threads' time is the wall time n
 * times over, and they work for part of it (the caller alone between jobs, every thread
 * within jobs but while it waits for a job's last task); the work itself takes longer than
 * on one thread when the threads share the core's caches, memory and host.
 * scaling = n x (share of the threads' time working) / (work on n threads / work on 1). */
static void print_scaling_parts(int round, const Spent *one, const Spent *all, unsigned n,
                                bool median)
{
    const double serial = all->wall_ns - all->job_ns;
    const double idle_serial = (n - 1) * serial / (n * all->wall_ns);
    const double idle_jobs = (n * all->job_ns - all->task_ns) / (n * all->wall_ns);
    const double working = 1 - idle_serial - idle_jobs;
    const double work = (serial + all->task_ns) / one->wall_ns;
    printf("  round %d%s: %.2fx = %u threads x %.1f%% of their time working (idle %.1f%% while "
           "one ran between jobs, %.1f%% waiting within jobs for a job's last task) / %.2f (the "
           "work's time against 1 thread)\n",
           round, median ? " (the median)" : "", one->wall_ns / all->wall_ns, n, 100 * working,
           100 * idle_serial, 100 * idle_jobs, work);
}

/* The speed table: ms per clip on one thread and on every core, alternated in rounds (the
 * median of each), and the thread scaling (the median of the rounds' ratios, each all cores
 * against the one thread just before), at 256x256 and 1920x1080, and where each round's
 * scaling went; the first frame. */
enum { ROUNDS = 5 }; /* odd: the median is one round's */

static int table(int clips, int rounds)
{
    char load[96];
    load_average(load, sizeof(load));
    /* first, while the process is fresh (its first renderer also measures the kernels), then
     * the first frames of more streams, each from a fresh renderer: seeds 77.. */
    enum { STREAMS = 9 };
    double ff_clip[STREAMS], ff_frame[STREAMS], first_clip, first_frame_ms;
    if (fv_bench_first_frame(FV_NORMALIZATION_CLIP, 77, &first_clip) ||
        fv_bench_first_frame(FV_NORMALIZATION_FRAME, 78, &first_frame_ms))
        return 1;
    for (int i = 0; i < STREAMS; i++)
        if (fv_bench_first_frame(FV_NORMALIZATION_CLIP, 79 + (uint64_t)i, &ff_clip[i]) ||
            fv_bench_first_frame(FV_NORMALIZATION_FRAME, 79 + (uint64_t)i, &ff_frame[i]))
            return 1;
    double slow_clip = 0, slow_frame = 0;
    for (int i = 0; i < STREAMS; i++) {
        slow_clip = ff_clip[i] > slow_clip ? ff_clip[i] : slow_clip;
        slow_frame = ff_frame[i] > slow_frame ? ff_frame[i] : slow_frame;
    }
    printf("unlabeled clips (class -1, the default policy, seed density), %s at the start\n",
           load);
    printf("%-10s %6s %14s %14s %8s\n", "size", "clips", "1 thread", "all cores", "scaling");
    static const unsigned sizes[][2] = {{256, 256}, {1920, 1080}};
    for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        const unsigned w = sizes[z][0], h = sizes[z][1];
        /* a 1080p clip is 32 times a 256x256 one */
        int n = z == 0 ? clips : (clips / 20 > 0 ? clips / 20 : 1);
        double one[ROUNDS], all[ROUNDS], ratio[ROUNDS], sorted[ROUNDS], apart[ROUNDS];
        unsigned used1 = 1, used = 1;
        Spent spent1[ROUNDS] = {0}, spent[ROUNDS] = {0};
        for (int k = 0; k < rounds; k++) {
            double apart_clip = 0;
            if (clip_ms(1, n, w, h, &one[k], &used1, &spent1[k], NULL) ||
                clip_ms(0, n, w, h, &all[k], &used, &spent[k], NULL) ||
                (used > 1 && side_by_side_ms((int)used, n, w, h, &apart_clip)))
                return 1;
            ratio[k] = sorted[k] = one[k] / all[k];
            apart[k] = used > 1 ? used * one[k] / apart_clip : 0;
        }
        const double scaling = median(sorted, rounds); /* rounds is odd: one round's ratio */
        double a = median(one, rounds), b = median(all, rounds);
        char label[32];
        snprintf(label, sizeof(label), "%ux%u", w, h);
        printf("%-10s %6d %8.1f ms/clip %5.1f ms/clip (%u threads) %5.2fx\n", label, n, a, b,
               used, scaling);
        for (int k = 0, marked = 0; used > 1 && k < rounds; k++) {
            const bool mid = !marked && ratio[k] == scaling;
            marked |= mid;
            print_scaling_parts(k + 1, &spent1[k], &spent[k], used, mid);
        }
        if (used > 1) {
            const double ceiling = median(apart, rounds); /* sorts apart */
            printf("  the machine's ceiling: %u 1-thread processes side by side (one a thread) "
                   "make %.2fx the clips of one (the median round; rounds %.2fx to %.2fx)\n",
                   used, ceiling, apart[0], apart[rounds - 1]);
        }
    }
    printf("first 256x256 frame from a fresh renderer, under normalization=clip (the whole "
           "clip) / normalization=frame:\n"
           "  the process's first stream (seed 77, it also times the kernels) %.1f / %.1f ms\n"
           "  %d more streams (seeds 79-%d), median %.1f / %.1f ms, slowest %.1f / %.1f ms\n",
           first_clip, first_frame_ms, STREAMS, 79 + STREAMS - 1, median(ff_clip, STREAMS),
           median(ff_frame, STREAMS), slow_clip, slow_frame);
    load_average(load, sizeof(load));
    printf("medians of %d rounds, 1 thread and all cores alternated (the scaling: the median "
           "round's); %s at the end\n",
           rounds, load);
    return 0;
}

int main(int argc, char **argv)
{
    int clips = argc > 1 ? atoi(argv[1]) : 40;
    unsigned size = argc > 2 ? (unsigned)atoi(argv[2]) : 256;
    if (clips < 1 || size < FV_MIN_SIZE || size > FV_MAX_SIZE) {
        fprintf(stderr, "usage: %s [clips >= 1] [size %d..%d] [effects]\n", argv[0], FV_MIN_SIZE,
                FV_MAX_SIZE);
        return 2;
    }
    uint32_t effects = 0;
    if (argc > 3 && strcmp(argv[3], "table") && fv_effects_from_string(argv[3], &effects, NULL)) {
        fprintf(stderr, "%s: unknown effects %s\n", argv[0], argv[3]);
        return 2;
    }
    if (effects) {
        double plain[3], with[3];
        for (int round = 0; round < 3; round++)
            if (run(0, clips, size, 0, &plain[round]) ||
                run(0, clips, size, effects, &with[round])) {
                fprintf(stderr, "rendering failed\n");
                return 1;
            }
        double p = median3(plain), w = median3(with);
        printf("plain clips         %6.1f frames/s  (%d clips %ux%u, all cores, median of 3)\n", p,
               clips, size, size);
        printf("effects=%-11s %6.1f frames/s  (%.0f%% of the plain clips' frames per second)\n",
               argv[3], w, 100 * w / p);
        return 0;
    }
    if (argc > 3 && !strcmp(argv[3], "table")) {
        if (table(clips, ROUNDS)) {
            fprintf(stderr, "rendering failed\n");
            return 1;
        }
        return 0;
    }
    if (run(1, clips, size, 0, NULL) || run(0, clips, size, 0, NULL)) {
        fprintf(stderr, "rendering failed\n");
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory %.1f MiB\n", ru.ru_maxrss / 1024.0);
    return 0;
}
