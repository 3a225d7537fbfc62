/* libFuzzer target: the renderer's settings. Any FvSettings (validation, frame counts and
 * memory needs of wild values), and small clips of any valid settings rendered: no crash,
 * no memory error, labels that match, and the same bits again, on 1 and 3 threads (E5). */
#include "fractalvid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* The fields as the fuzzer gives them, unchecked. */
typedef struct Raw {
    int64_t class_id;
    uint64_t class_seed, seed, clip_index;
    int32_t motion, variation;
    uint32_t clip_frames;
    double density;
    uint32_t width, height, threads, clips;
} Raw;

static FvRenderer *one, *three;
static FvClip *a, *b;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    CHECK(fv_renderer_open(&one, 1) == 0 && fv_renderer_open(&three, 3) == 0);
    CHECK(fv_clip_new(&a) == 0 && fv_clip_new(&b) == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Raw raw;
    memset(&raw, 0, sizeof(raw));
    memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));

    /* wild values: checked, counted, never rendered */
    FvSettings s = {
        .class_id = raw.class_id,
        .class_seed = raw.class_seed,
        .seed = raw.seed,
        .motion = (FvMotion)raw.motion,
        .variation = raw.variation,
        .clip_frames = raw.clip_frames,
        .density = raw.density,
        .width = raw.width,
        .height = raw.height,
    };
    const char *field = NULL;
    int valid = fv_settings_validate(&s, &field) == 0;
    CHECK(valid ? field == NULL : field != NULL);
    unsigned frames = fv_clip_frame_count(&s, raw.clip_index);
    CHECK(valid ? frames >= 1 && frames <= FV_MAX_CLIP_FRAMES : frames == 0);
    uint64_t need = fv_render_memory_need(&s, raw.threads % 300, raw.clips % 20);
    CHECK((need > 0) == (valid && raw.threads % 300 <= FV_MAX_THREADS));
    if (!valid)
        CHECK(fv_render_clip(one, &s, raw.clip_index, a) == -EINVAL);

    /* the same made small and valid: rendered */
    s.class_id = raw.class_id < -1 ? -1 : raw.class_id > FV_MAX_CLASS ? raw.class_id % 1000
                                                                        : raw.class_id;
    s.motion = (FvMotion)((uint32_t)raw.motion % FV_NUM_MOTIONS);
    s.variation = (int)((uint32_t)raw.variation % (FV_NUM_VARIATIONS + 1)) - 1;
    s.clip_frames = 1 + raw.clip_frames % 3;
    s.width = FV_MIN_SIZE + raw.width % 33;
    s.height = FV_MIN_SIZE + raw.height % 33;
    s.density = isfinite(raw.density) ? FV_MIN_DENSITY + fmod(fabs(raw.density), 2.0) : 1.0;
    CHECK(fv_settings_validate(&s, NULL) == 0);
    int err = fv_render_clip(one, &s, raw.clip_index, a);
    CHECK(err == 0);
    /* the same clip on three threads, for a quarter of the inputs (it doubles the cost) */
    const int again = raw.threads % 4 == 0;
    CHECK(fv_render_clip(again ? three : one, &s, raw.clip_index, b) == 0);
    const FvClipInfo *ia = fv_clip_info(a), *ib = fv_clip_info(b);
    CHECK(ia && ib && ia->frames == fv_clip_frame_count(&s, raw.clip_index));
    CHECK(ia->width == s.width && ia->height == s.height && ia->clip_index == raw.clip_index);
    CHECK(ia->variation >= 0 && ia->variation < FV_NUM_VARIATIONS);
    CHECK(ia->num_maps >= 3 && ia->num_maps <= 8);
    /* a walker plots at most every step after its first FV_DISCARD (200): a walker reset in
     * its discard phase waits 20 steps only */
    CHECK(ia->points_kept <= (ia->points_per_frame + 200 * 128) * ia->frames);
    CHECK(memcmp(ia, ib, sizeof(*ia)) == 0);
    uint8_t fa[48 * 48], fb[48 * 48];
    uint16_t g16[48 * 48];
    for (unsigned f = 0; f < ia->frames; f++) {
        CHECK(fv_clip_write_gray8(a, f, fa, s.width) == 0);
        CHECK(fv_clip_write_gray8(b, f, fb, s.width) == 0);
        CHECK(memcmp(fa, fb, (size_t)s.width * s.height) == 0);
    }
    CHECK(fv_clip_write_gray16(a, 0, g16, 2 * s.width) == 0);
    CHECK(fv_clip_write_gray8(a, ia->frames, fa, s.width) == -EINVAL);
    return 0;
}
