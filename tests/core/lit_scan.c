/* lit-scan: the degeneracy filter's promise measured on many clips (G9). Renders clips of
 * the default settings and prints how many frames light under 5% (and 2%) of the image,
 * the dimmest frame, and how many clips the filter redrew.
 *
 *   lit-scan [CLIPS [SIZE [FIRST-CLIP [CLASS]]]]    (defaults 1000 256 0 -1: unlabeled;
 *                                                   CLASS >= 0: samples of classes CLASS,
 *                                                   CLASS+1, ... twenty each) */
#include "fractalvid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const long clips = argc > 1 ? atol(argv[1]) : 1000;
    const int size = argc > 2 ? atoi(argv[2]) : 256;
    const unsigned long long first = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
    const long long class_id = argc > 4 ? atoll(argv[4]) : -1;
    if (clips < 1 || size < FV_MIN_SIZE || size > FV_MAX_SIZE) {
        fprintf(stderr, "usage: lit-scan [CLIPS [SIZE [FIRST-CLIP [CLASS]]]]\n");
        return 2;
    }
    FvSettings s;
    fv_default_settings(&s);
    s.width = s.height = (unsigned)size;
    FvRenderer *r;
    FvClip *c;
    uint8_t *px = malloc((size_t)size * size);
    if (!px || fv_renderer_open(&r, 0) || fv_clip_new(&c)) {
        fprintf(stderr, "lit-scan: out of memory\n");
        return 1;
    }
    long under2 = 0, under5 = 0, frames5 = 0, frames = 0, redrawn = 0;
    double dimmest = 1;
    for (long k = 0; k < clips; k++) {
        unsigned long long clip = first + (unsigned long long)k;
        s.class_id = class_id < 0 ? -1 : class_id + (long long)(clip / 20);
        int err = fv_render_clip(r, &s, class_id < 0 ? clip : clip % 20, c);
        if (err) {
            fprintf(stderr, "lit-scan: clip %llu: %s\n", clip, strerror(err < 0 ? -err : err));
            return 1;
        }
        const FvClipInfo *ci = fv_clip_info(c);
        redrawn += ci->redraws > 0 || ci->sample_redraws > 0;
        double lo = 1;
        for (unsigned f = 0; f < ci->frames; f++) {
            fv_clip_write_gray8(c, f, px, size);
            long lit = 0;
            for (long i = 0; i < (long)size * size; i++)
                lit += px[i] > 0;
            double fraction = lit / ((double)size * size);
            lo = fraction < lo ? fraction : lo;
            frames5 += fraction < 0.05;
            frames++;
        }
        dimmest = lo < dimmest ? lo : dimmest;
        under2 += lo < 0.02;
        under5 += lo < 0.05;
        if (lo < 0.05)
            printf("clip %llu (class %lld): a frame %.2f%% lit\n", clip, (long long)s.class_id,
                   100 * lo);
    }
    printf("%ld %s clips at %dx%d: %ld with a frame under 5%% lit (%ld under 2%%); frames under "
           "5%%: %ld of %ld; dimmest frame %.2f%% lit; %ld clips redrawn by the filter\n",
           clips, class_id < 0 ? "unlabeled" : "labelled", size, size, under5, under2, frames5,
           frames, 100 * dimmest, redrawn);
    fv_clip_free(&c);
    fv_renderer_close(&r);
    free(px);
    return 0;
}
