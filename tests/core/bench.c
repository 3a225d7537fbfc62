/* Speed of the core at the seed's settings (256x256, 18-20 frames per clip, seed density):
 * ms per clip and plotted points per second for one thread and for all cores, and peak
 * memory. With effects (e.g. "paper"), all cores with those effects side by side with the
 * plain clips (rounds alternated, the median of three each), and their ratio.
 * Usage: fractalvid-bench [clips] [size] [effects] */
#include "fractalvid.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

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
    if (argc > 3 && fv_effects_from_string(argv[3], &effects, NULL)) {
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
    if (run(1, clips, size, 0, NULL) || run(0, clips, size, 0, NULL)) {
        fprintf(stderr, "rendering failed\n");
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory %.1f MiB\n", ru.ru_maxrss / 1024.0);
    return 0;
}
