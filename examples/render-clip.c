/* Render one clip with the core library (no GStreamer) and write its frames as PGM images.
 *
 * Usage: render-clip [CLASS [PREFIX]]   writes PREFIX-00.pgm, PREFIX-01.pgm, ... */
#include "fractalvid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    FvSettings s;
    fv_default_settings(&s); /* class 0, 256x256, nonlinear motion, the paper's policy */
    s.class_id = argc > 1 ? atoll(argv[1]) : 3;
    const char *prefix = argc > 2 ? argv[2] : "frame";

    FvRenderer *r = NULL;
    FvClip *clip = NULL;
    int err = fv_renderer_open(&r, 0); /* 0 = one thread per core */
    if (!err)
        err = fv_clip_new(&clip);
    if (!err)
        err = fv_render_clip(r, &s, 0, clip); /* clip 0 = sample (seed, 0) of the class */
    if (err) {
        fprintf(stderr, "render-clip: %s\n", strerror(-err));
        return 1;
    }

    const FvClipInfo *info = fv_clip_info(clip);
    unsigned char *pixels = malloc((size_t)s.width * s.height);
    for (unsigned f = 0; pixels && f < info->frames; f++) {
        char name[4096];
        snprintf(name, sizeof(name), "%s-%02u.pgm", prefix, f);
        FILE *out = fopen(name, "wb");
        if (!out) {
            perror(name);
            return 1;
        }
        fv_clip_write_gray8(clip, f, pixels, s.width);
        fprintf(out, "P5\n%u %u\n255\n", s.width, s.height);
        fwrite(pixels, 1, (size_t)s.width * s.height, out);
        fclose(out);
    }
    printf("class %lld: %u frames, %u maps, variation %s, motion %s\n",
           (long long)info->class_id, info->frames, info->num_maps,
           fv_variation_name(info->variation), fv_motion_name(info->motion));
    free(pixels);
    fv_clip_free(&clip);
    fv_renderer_close(&r);
    return 0;
}
