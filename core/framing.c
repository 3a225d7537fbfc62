/* Framing (G7): where the camera looks. Every frame of the clip is probed (the seed probes
 * only the two end frames, and mid-clip states then fall outside); each probe gives the
 * seed's box: on a 128x128 occupancy image of [-6, 6]^2 (each point lighting its 3x3
 * block), border lines are peeled, the emptiest first, while more than 90% of the occupied
 * pixels remain. The boxes are joined, padded, and mapped to the whole frame (x and y
 * stretched independently, as the seed does). A system too small for the seed's coarse
 * grid, or outside its window, is boxed on a grid fitted to its points instead. */
#include "fv_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MIN_EXTENT 1e-6

int fv_dilate3_ref(const uint8_t *in, uint8_t *out, int width, int height)
{
    int count = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t v = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && yy < height && xx >= 0 && xx < width)
                        v |= in[yy * width + xx];
                }
            out[y * width + x] = v;
            count += v;
        }
    return count;
}

/* In blocks: first the pixels of a block's points, without branches (the compiler
 * vectorises it), the outside ones sent to the spare slot; then their stores. Compiled once
 * per instruction set below: the integer results are the same on each. */
static inline __attribute__((always_inline)) void mark_points(const double *xy, int n, double sx,
                                                              double ox, double sy, double oy,
                                                              int size, uint8_t *hit)
{
    enum { BLOCK = 256 };
    int at[BLOCK];
    const double lim = size;
    for (int p0 = 0; p0 < n; p0 += BLOCK) {
        const int m = n - p0 < BLOCK ? n - p0 : BLOCK;
        const double *b = xy + 2 * (size_t)p0;
        for (int i = 0; i < m; i++) {
            double px = b[2 * i] * sx + ox, py = b[2 * i + 1] * sy + oy;
            bool in = (px >= 0) & (px < lim) & (py >= 0) & (py < lim);
            /* converted only inside [0, size), where (int) is the floor */
            int ix = (int)(in ? px : 0.0), iy = (int)(in ? py : 0.0);
            at[i] = in ? iy * size + ix : size * size;
        }
        for (int i = 0; i < m; i++)
            hit[at[i]] = 1;
    }
}

/* Along rows into tmp, then along columns: two passes without branches inside a row, which
 * the compiler vectorises; the same 3x3 OR as the reference. */
static inline __attribute__((always_inline)) int dilate3(const uint8_t *in, uint8_t *out,
                                                         uint8_t *tmp, int width, int height)
{
    for (int y = 0; y < height; y++) {
        const uint8_t *r = in + (size_t)y * width;
        uint8_t *t = tmp + (size_t)y * width;
        if (width == 1) {
            t[0] = r[0];
            continue;
        }
        t[0] = r[0] | r[1];
        for (int x = 1; x < width - 1; x++)
            t[x] = r[x - 1] | r[x] | r[x + 1];
        t[width - 1] = r[width - 2] | r[width - 1];
    }
    int count = 0;
    for (int y = 0; y < height; y++) {
        const uint8_t *up = tmp + (size_t)(y > 0 ? y - 1 : y) * width,
                      *mid = tmp + (size_t)y * width,
                      *dn = tmp + (size_t)(y < height - 1 ? y + 1 : y) * width;
        uint8_t *o = out + (size_t)y * width;
        for (int x = 0; x < width; x++) {
            uint8_t v = up[x] | mid[x] | dn[x];
            o[x] = v;
            count += v;
        }
    }
    return count;
}

/* fv_dilate3's count without its image: each row dilated along once, as it is first needed,
 * into ring (three rows of width, then a row of width + 2 with a zero at each end, which
 * makes the row's loop one without ends: whole vectors), and the three rows about a row ORed
 * down the columns and counted; everything but the input stays in the first-level cache. */
static inline __attribute__((always_inline)) void dilate_row(const uint8_t *r, uint8_t *t,
                                                             uint8_t *pad, size_t w)
{
    memcpy(pad + 1, r, w);
    for (size_t x = 0; x < w; x++)
        t[x] = pad[x] | pad[x + 1] | pad[x + 2];
}

static inline __attribute__((always_inline)) int dilate3_count(const uint8_t *in, uint8_t *ring,
                                                               int width, int height)
{
    const size_t w = (size_t)width;
    uint8_t *pad = ring + 3 * w;
    pad[0] = pad[w + 1] = 0;
    int count = 0;
    dilate_row(in, ring, pad, w);
    if (height > 1)
        dilate_row(in + w, ring + w, pad, w);
    for (int y = 0; y < height; y++) {
        if (y >= 1 && y + 1 < height)
            dilate_row(in + (size_t)(y + 1) * w, ring + (size_t)((y + 1) % 3) * w, pad, w);
        const uint8_t *mid = ring + (size_t)(y % 3) * w,
                      *up = y > 0 ? ring + (size_t)((y + 2) % 3) * w : mid,
                      *dn = y + 1 < height ? ring + (size_t)((y + 1) % 3) * w : mid;
        /* 16-bit sums (of at most 65535 ones), which vectorise twice as wide as ints */
        for (size_t x0 = 0; x0 < w; x0 += 65535) {
            const size_t x1 = w - x0 < 65535 ? w : x0 + 65535;
            uint16_t part = 0;
            for (size_t x = x0; x < x1; x++)
                part += (uint8_t)(up[x] | mid[x] | dn[x]);
            count += part;
        }
    }
    return count;
}

/* The loops above compiled per instruction set (FvIsa): ATTR the target */
#define ISA_BUILD(isa, ATTR)                                                                       \
    static ATTR void mark_points_##isa(const double *xy, int n, double sx, double ox, double sy,  \
                                       double oy, int size, uint8_t *hit)                          \
    {                                                                                              \
        mark_points(xy, n, sx, ox, sy, oy, size, hit);                                             \
    }                                                                                              \
    static ATTR int dilate3_##isa(const uint8_t *in, uint8_t *out, uint8_t *tmp, int width,        \
                                  int height)                                                      \
    {                                                                                              \
        return dilate3(in, out, tmp, width, height);                                               \
    }                                                                                              \
    static ATTR int dilate3_count_##isa(const uint8_t *in, uint8_t *ring, int width, int height)   \
    {                                                                                              \
        return dilate3_count(in, ring, width, height);                                             \
    }
ISA_BUILD(plain, )

#if FV_SIMD && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FV_ISA_VARIANTS 1
/* marking: 4 and 8 points a vector, 2.1x as fast as the plain build with AVX-512 on an Intel
 * Xeon; dilation: 32 and 64 pixels a vector against 16 */
ISA_BUILD(avx2, __attribute__((target("avx2"))))
ISA_BUILD(avx512, __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))))
static const FvMarkPointsFn mark_points_isa[FV_NUM_ISAS] = {mark_points_plain, mark_points_avx2,
                                                            mark_points_avx512};
static const FvDilateFn dilate3_isa[FV_NUM_ISAS] = {dilate3_plain, dilate3_avx2, dilate3_avx512};
static const FvDilateCountFn dilate3_count_isa[FV_NUM_ISAS] = {
    dilate3_count_plain, dilate3_count_avx2, dilate3_count_avx512};
#else
static const FvMarkPointsFn mark_points_isa[FV_NUM_ISAS] = {mark_points_plain};
static const FvDilateFn dilate3_isa[FV_NUM_ISAS] = {dilate3_plain};
static const FvDilateCountFn dilate3_count_isa[FV_NUM_ISAS] = {dilate3_count_plain};
#endif

bool fv_isa_runs(FvIsa isa)
{
    switch (isa) {
    case FV_ISA_PLAIN:
        return true;
#ifdef FV_ISA_VARIANTS
    case FV_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case FV_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
    default:
        return false;
    }
}

FvIsa fv_isa_best(void)
{
    static atomic_int best = -1;
    int isa = atomic_load_explicit(&best, memory_order_relaxed);
    if (isa < 0) {
        const char *no = getenv("FV_NO_SIMD");
        isa = no && *no && strcmp(no, "0") != 0 ? FV_ISA_PLAIN : FV_NUM_ISAS - 1;
        while (!fv_isa_runs((FvIsa)isa))
            isa--;
        atomic_store_explicit(&best, isa, memory_order_relaxed);
    }
    return (FvIsa)isa;
}

FvMarkPointsFn fv_mark_points_for(FvIsa isa)
{
    return fv_isa_runs(isa) ? mark_points_isa[isa] : NULL;
}

FvDilateFn fv_dilate3_for(FvIsa isa)
{
    return fv_isa_runs(isa) ? dilate3_isa[isa] : NULL;
}

void fv_mark_points(const double *xy, int n, double sx, double ox, double sy, double oy, int size,
                    uint8_t *hit)
{
    fv_mark_points_for(fv_isa_best())(xy, n, sx, ox, sy, oy, size, hit);
}

int fv_dilate3(const uint8_t *in, uint8_t *out, uint8_t *tmp, int width, int height)
{
    return fv_dilate3_for(fv_isa_best())(in, out, tmp, width, height);
}

FvDilateCountFn fv_dilate3_count_for(FvIsa isa)
{
    return fv_isa_runs(isa) ? dilate3_count_isa[isa] : NULL;
}

int fv_dilate3_count(const uint8_t *in, uint8_t *ring, int width, int height)
{
    return fv_dilate3_count_for(fv_isa_best())(in, ring, width, height);
}

/* Occupancy of the points on a grid over [x0, x1] x [y0, y1]; returns occupied cells. */
static int occupancy(const double *xy, int npoints, const FvBox *ext, uint8_t *grid)
{
    enum { G = FV_PROBE_GRID };
    memset(grid, 0, G * G);
    double kx = G / (ext->x1 - ext->x0), ky = G / (ext->y1 - ext->y0);
    int occupied = 0;
    for (int p = 0; p < npoints; p++) {
        double gx = (xy[2 * p] - ext->x0) * kx, gy = (xy[2 * p + 1] - ext->y0) * ky;
        if (!(gx >= 0 && gx < G && gy >= 0 && gy < G))
            continue;
        uint8_t *cell = &grid[(int)gy * G + (int)gx];
        occupied += !*cell;
        *cell = 1;
    }
    return occupied;
}

/* Peel whichever border row or column holds the fewest occupied cells while the box
 * still holds keep of them; box in cells [cx0, cx1) x [cy0, cy1). Row and column counts
 * are kept for the current box and updated as lines are peeled. */
static void peel(const uint8_t *grid, int occupied, double keep, int box[4])
{
    enum { G = FV_PROBE_GRID };
    int rows[G], cols[G];
    int cx0 = 0, cx1 = G, cy0 = 0, cy1 = G, inside = occupied;
    double need = keep * occupied;
    for (int i = 0; i < G; i++)
        rows[i] = cols[i] = 0;
    for (int y = 0; y < G; y++)
        for (int x = 0; x < G; x++) {
            rows[y] += grid[y * G + x];
            cols[x] += grid[y * G + x];
        }
    while (cx1 - cx0 > 1 || cy1 - cy0 > 1) {
        /* left, right, top, bottom; ties go to the first */
        int count[4] = {cols[cx0], cols[cx1 - 1], rows[cy0], rows[cy1 - 1]};
        int best = -1;
        for (int k = 0; k < 4; k++) {
            bool can = k < 2 ? cx1 - cx0 > 1 : cy1 - cy0 > 1;
            if (can && (best < 0 || count[k] < count[best]))
                best = k;
        }
        if (inside - count[best] < need)
            break;
        inside -= count[best];
        if (best < 2) {
            int x = best == 0 ? cx0++ : --cx1;
            for (int y = cy0; y < cy1; y++)
                rows[y] -= grid[y * G + x];
        } else {
            int y = best == 2 ? cy0++ : --cy1;
            for (int x = cx0; x < cx1; x++)
                cols[x] -= grid[y * G + x];
        }
    }
    box[0] = cx0;
    box[1] = cx1;
    box[2] = cy0;
    box[3] = cy1;
}

static void widen(FvBox *b)
{
    if (!(b->x1 - b->x0 >= MIN_EXTENT)) {
        double c = 0.5 * (b->x0 + b->x1);
        b->x0 = c - MIN_EXTENT;
        b->x1 = c + MIN_EXTENT;
    }
    if (!(b->y1 - b->y0 >= MIN_EXTENT)) {
        double c = 0.5 * (b->y0 + b->y1);
        b->y0 = c - MIN_EXTENT;
        b->y1 = c + MIN_EXTENT;
    }
}

/* The adaptive box: a grid over the points' extent, then over the first box with room to
 * spare, keeping `keep` of the occupied cells. */
static int adaptive_box(const double *xy, int npoints, double keep, FvBox *box)
{
    enum { G = FV_PROBE_GRID };
    uint8_t grid[G * G];
    FvBox ext = {xy[0], xy[1], xy[0], xy[1]};
    for (int p = 1; p < npoints; p++) {
        /* probe points are finite (runaway walkers are reset), so plain compares do */
        double x = xy[2 * p], y = xy[2 * p + 1];
        ext.x0 = x < ext.x0 ? x : ext.x0;
        ext.x1 = x > ext.x1 ? x : ext.x1;
        ext.y0 = y < ext.y0 ? y : ext.y0;
        ext.y1 = y > ext.y1 ? y : ext.y1;
    }
    /* Two passes: a far stray point can make the first grid coarse; the second grid
     * covers the first box with room to spare, at full resolution. */
    for (int pass = 0; pass < 2; pass++) {
        widen(&ext);
        /* a hair wider so the extreme points fall inside the half-open grid */
        double mx = (ext.x1 - ext.x0) * 1e-6, my = (ext.y1 - ext.y0) * 1e-6;
        ext.x0 -= mx;
        ext.x1 += mx;
        ext.y0 -= my;
        ext.y1 += my;
        int occupied = occupancy(xy, npoints, &ext, grid);
        if (occupied == 0)
            return -1;
        int cells[4];
        peel(grid, occupied, keep, cells);
        double cw = (ext.x1 - ext.x0) / G, ch = (ext.y1 - ext.y0) / G;
        FvBox b = {ext.x0 + cells[0] * cw, ext.y0 + cells[2] * ch, ext.x0 + cells[1] * cw,
                   ext.y0 + cells[3] * ch};
        *box = b;
        if (pass == 0) {
            double px = 0.25 * (b.x1 - b.x0), py = 0.25 * (b.y1 - b.y0);
            ext = (FvBox){b.x0 - px, b.y0 - py, b.x1 + px, b.y1 + py};
        }
    }
    widen(box);
    return 0;
}

/* The seed's probe window [-6, 6]^2 and the smallest box, in its cells, worth keeping. */
#define SEED_WINDOW 6.0
#define SEED_MIN_CELLS 8

static int count_line(const uint8_t *img, int start, int step, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += img[start + i * step];
    return c;
}

/* The seed's box of one frame: cells [c[0], c[1]] x [c[2], c[3]] (inclusive) of a G x G
 * occupancy image over the window. Returns -1 when nothing lands in the window. */
static int seed_box(const double *xy, int npoints, double keep, int c[4])
{
    enum { G = FV_PROBE_GRID };
    uint8_t hit[G * G + 1], img[G * G], tmp[G * G];
    memset(hit, 0, sizeof(hit));
    const double coef = (G - 1) / (2 * SEED_WINDOW), offset = SEED_WINDOW * coef;
    fv_mark_points(xy, npoints, coef, offset, coef, offset, G, hit);
    /* each point lights its 3x3 block, clipped at the border */
    int count = fv_dilate3(hit, img, tmp, G, G);
    if (count == 0)
        return -1;
    const int threshold = (int)(keep * count);
    int x0 = 0, x1 = G - 1, y0 = 0, y1 = G - 1;
    /* empty border lines first, then the emptiest border line while more than keep remain */
    while (y0 < y1 && !count_line(img, y0 * G + x0, 1, x1 - x0 + 1))
        y0++;
    while (y1 > y0 && !count_line(img, y1 * G + x0, 1, x1 - x0 + 1))
        y1--;
    while (x0 < x1 && !count_line(img, y0 * G + x0, G, y1 - y0 + 1))
        x0++;
    while (x1 > x0 && !count_line(img, y0 * G + x1, G, y1 - y0 + 1))
        x1--;
    while (count > threshold && (x1 > x0 || y1 > y0)) {
        /* top, bottom, left, right; ties go to the first, as the seed's argmin */
        int side[4] = {y1 > y0 ? count_line(img, y0 * G + x0, 1, x1 - x0 + 1) : INT32_MAX,
                       y1 > y0 ? count_line(img, y1 * G + x0, 1, x1 - x0 + 1) : INT32_MAX,
                       x1 > x0 ? count_line(img, y0 * G + x0, G, y1 - y0 + 1) : INT32_MAX,
                       x1 > x0 ? count_line(img, y0 * G + x1, G, y1 - y0 + 1) : INT32_MAX};
        int best = 0;
        for (int k = 1; k < 4; k++)
            if (side[k] < side[best])
                best = k;
        count -= side[best];
        if (best == 0)
            y0++;
        else if (best == 1)
            y1--;
        else if (best == 2)
            x0++;
        else
            x1--;
    }
    c[0] = x0;
    c[1] = x1;
    c[2] = y0;
    c[3] = y1;
    return 0;
}

int fv_probe_box(const double *xy, int npoints, double keep, FvBox *box)
{
    if (npoints <= 0)
        return -1;
    int c[4];
    if (seed_box(xy, npoints, keep, c) != 0 || c[1] - c[0] < SEED_MIN_CELLS ||
        c[3] - c[2] < SEED_MIN_CELLS)
        return adaptive_box(xy, npoints, keep, box);
    /* cell index i is the world coordinate -6 + 12 i / (G - 1), as the seed maps it back */
    const double cell = 2 * SEED_WINDOW / (FV_PROBE_GRID - 1);
    *box = (FvBox){-SEED_WINDOW + c[0] * cell, -SEED_WINDOW + c[2] * cell,
                   -SEED_WINDOW + c[1] * cell, -SEED_WINDOW + c[3] * cell};
    return 0;
}

void fv_framing_set(FvSystem *sys, const FvBox *box, double pad, int width, int height)
{
    FvBox b = *box;
    widen(&b);
    double w = b.x1 - b.x0, h = b.y1 - b.y0;
    b.x0 -= pad * w;
    b.x1 += pad * w;
    b.y0 -= pad * h;
    b.y1 += pad * h;
    sys->sx = width / (b.x1 - b.x0);
    sys->ox = -b.x0 * sys->sx;
    sys->sy = height / (b.y1 - b.y0);
    sys->oy = -b.y0 * sys->sy;
}
