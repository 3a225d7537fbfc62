/* Speed of each chaos-game lane kernel on one core: ns per plotted point for the reference,
 * the scalar kernel and each SIMD kernel this CPU has, on the renderer's own systems at the
 * seed's density. Usage: fractalvid-bench-kernels [classes] [size] [variation,...|all]
 * (or --clock: the check that its measure of the clock is right on this core) */
#include "fv_internal.h"
#include "kernel_systems.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* 934400 points per 256x256 frame: the seed's density */
#define POINTS_PER_PIXEL (934400.0 / 65536.0)

/* The default policy's variations (G5) first, then others with SIMD kernels. */
static const char *const default_variations[] = {
    "linear",   "horseshoe",  "bent",  "fisheye",   "popcorn", "cosine", "eyefish",
    "cylinder", "sinusoidal", "swirl", "spherical", "bubble",  "cross",  "julia"};

/* This thread's CPU time: other processes on the machine do not count against a kernel. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The least time in ns (of 3) kernel f takes over every lane of classes systems, walks of
 * iters iterations (and the discarded ones before them); f runs lanes step at a time (1, or
 * FV_LANE_GROUP for a group kernel). */
static double walk_ns(FvLaneKernel f, int step, const FvSystem *systems, int classes,
                      uint32_t iters, uint32_t *hist, int size)
{
    double best = 1e300;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_ns();
        uint64_t sink = 0;
        for (int c = 0; c < classes; c++)
            for (int lane = 0; lane < FV_LANES; lane += step)
                sink += f(&systems[c], (uint64_t)c, lane, iters, hist, size, size);
        double ns = now_ns() - t0;
        if (sink == UINT64_MAX) /* keep the work */
            printf(" ");
        best = ns < best ? ns : best;
    }
    return best;
}

/* ns per plotted point of kernel f (set-up and discarded iterations included) */
static double time_kernel(FvLaneKernel f, int step, const FvSystem *systems, int classes,
                          uint32_t iters, uint32_t *hist, int size)
{
    return walk_ns(f, step, systems, classes, iters, hist, size) /
           ((double)classes * FV_WALKERS * iters);
}

/* Instructions a walk of `iters` iterations runs (one call of f from lane 0), counted
 * exactly, with no performance counters: a child process runs it under ptrace, one
 * instruction at a time (PTRACE_SINGLESTEP), between two stops it raises. -1 when ptrace is
 * not allowed here. */
static long count_walk_instructions(FvLaneKernel f, const FvSystem *sys, uint32_t iters,
                                    uint32_t *hist, int size)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(1);
        raise(SIGSTOP);
        f(sys, 0, 0, iters, hist, size, size);
        raise(SIGSTOP);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
        waitpid(pid, &status, 0);
        return -1;
    }
    long count = 0;
    for (;;) {
        if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0 || waitpid(pid, &status, 0) != pid ||
            !WIFSTOPPED(status)) {
            count = -1;
            break;
        }
        if (WSTOPSIG(status) == SIGSTOP) /* the second raise */
            break;
        count++;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return count;
}

/* This core's clock in GHz, best of 3: a chain of dependent adds runs one a cycle (8n adds),
 * or with muls a chain of dependent 64-bit multiplies, 3 cycles each on every x86-64 core of
 * the last fifteen years (Intel since Nehalem, AMD since Zen; 4n multiplies). The adds take
 * their 1 from a register: Intel's cores since Golden Cove fold a chain of adds of an
 * immediate at rename, several a cycle (9.8 "GHz" on a 2.5 GHz Xeon), never one of adds of a
 * register the renamer does not know the value of. */
static double chain_ghz(bool muls, uint64_t n)
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        uint64_t x = 3, one = 1;
        __asm__ volatile("" : "+r"(one)); /* a value the compiler cannot see either */
        double t0 = now_ns();
        if (muls)
            for (uint64_t i = 0; i < n; i++)
                __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0"
                                 : "+r"(x));
        else
            for (uint64_t i = 0; i < n; i++)
                __asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                                 "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
                                 : "+r"(x)
                                 : "r"(one));
        double ghz = (muls ? 12.0 : 8.0) * (double)n / (now_ns() - t0);
        best = ghz > best ? ghz : best;
    }
    return best;
}

/* Independent adds a ns, best of 3: eight chains of adds side by side, as many a cycle as the
 * core's integer units run (4.9 on a Zen 5 core, with nothing else on it). A sibling thread
 * or other work on the core takes units from them, as from the walk, where it leaves the one
 * chain of chain_ghz almost as fast: beside a round, it tells a core whose units were shared
 * (not one slowed through the caches: the walk's histogram is in them, these adds are not). */
static double free_adds_per_ns(uint64_t n)
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8, one = 1;
        __asm__ volatile("" : "+r"(one));
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++)
            __asm__ volatile("add %8, %0\n\tadd %8, %1\n\tadd %8, %2\n\tadd %8, %3\n\t"
                             "add %8, %4\n\tadd %8, %5\n\tadd %8, %6\n\tadd %8, %7\n\t"
                             "add %8, %0\n\tadd %8, %1\n\tadd %8, %2\n\tadd %8, %3\n\t"
                             "add %8, %4\n\tadd %8, %5\n\tadd %8, %6\n\tadd %8, %7"
                             : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g),
                               "+r"(h)
                             : "r"(one));
        double rate = 16.0 * (double)n / (now_ns() - t0);
        best = rate > best ? rate : best;
    }
    return best;
}

/* --clock: the two measures of the clock, alternated, agree within half (exit 0), or the
 * adds' is wrong on this core (exit 1). The fault it is there for read 2 to 4 times the clock;
 * each measure keeps its fastest of 9 runs, so a run slowed by the machine does not count. */
static int check_clock(void)
{
    double adds = 0, muls = 0;
    for (int round = 0; round < 3; round++) {
        const double a = chain_ghz(false, 10000000), m = chain_ghz(true, 5000000);
        adds = a > adds ? a : adds;
        muls = m > muls ? m : muls;
    }
    const bool agree = adds < 1.5 * muls && muls < 1.5 * adds;
    printf("clock: %.2f GHz from a chain of adds, %.2f GHz from a chain of multiplies: %s\n", adds,
           muls, agree ? "they agree" : "they DISAGREE");
    return agree ? 0 : 1;
}

/* The most instructions a cycle this core takes in (its dispatch or rename width), from its
 * vendor and family: what the linear walk's limit is counted at. *why names the core. A core
 * not in the list gets 8, the widest x86 core's, so its limit is never too loose. */
static int core_width(const char **why)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        const bool amd = b == 0x68747541, intel = b == 0x756e6547; /* "Auth", "Genu" */
        __get_cpuid(1, &a, &b, &c, &d);
        unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
        if (family == 0xf)
            family += (a >> 20) & 0xff;
        if (family == 0x6 || family == 0xf)
            model |= ((a >> 16) & 0xf) << 4;
        if (amd && family >= 0x1a)
            return *why = "AMD Zen 5 dispatches 8", 8;
        if (amd && family >= 0x17)
            return *why = "AMD Zen 1-4 dispatch 6", 6;
        /* Golden Cove and later P-cores: Alder/Raptor Lake, Sapphire/Emerald/Granite Rapids,
         * Meteor/Arrow Lake */
        static const unsigned cove[] = {0x97, 0x9a, 0xb7, 0xba, 0xbf, 0x8f, 0xcf,
                                        0xad, 0xae, 0xaa, 0xac, 0xc5, 0xc6};
        for (size_t i = 0; intel && family == 6 && i < sizeof(cove) / sizeof(cove[0]); i++)
            if (model == cove[i])
                return *why = "Intel Golden Cove or later renames 6", 6;
    }
#endif
    return *why = "a core not known here: the widest x86 core's", 8;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The linear walk's way chosen (kernel k, grouped or lane by lane) against its limit: the
 * instructions it runs a walker step (counted, the difference of two walk lengths, so
 * set-up and discarded iterations cancel) at `width` instructions a cycle, the most a core
 * retires. Its time in cycles the same way: the difference of the classes' walks of iters (at
 * least 400) and of a quarter of that, per walker step, timed in rounds, each beside a measure of
 * the clock, so a round slowed by the machine (a lower clock, time taken by the host) is
 * slowed in both; the median round counts. The time per plotted point of the table (set-up
 * and discarded steps included) is given beside it. */
static void linear_limit(const FvSystem *systems, int classes, uint32_t iters, uint32_t *hist,
                         int size)
{
    const FvSystem *sys = &systems[0];
    const int v = FV_VARIATION_LINEAR, k = fv_chaos_best_kernel(v);
    const bool grouped = fv_chaos_best_grouped(v) && k != FV_KERNEL_SCALAR;
    FvLaneKernel f = grouped ? fv_chaos_group_kernel(k, v) : fv_chaos_kernel(k, v);
    const int lanes = grouped ? FV_LANE_GROUP : 1;
    const uint32_t short_walk = 100, long_walk = 400;
    long a = count_walk_instructions(f, sys, short_walk, hist, size);
    long b = count_walk_instructions(f, sys, long_walk, hist, size);
    if (a < 0 || b < 0) {
        printf("linear: instructions not counted (ptrace not allowed here)\n");
        return;
    }
    const char *w = getenv("FV_BENCH_WIDTH"), *why = "set by FV_BENCH_WIDTH";
    const bool width_set = w && atoi(w) > 0;
    const int width = width_set ? atoi(w) : core_width(&why);
    const double per_point =
        (double)(b - a) / ((double)(long_walk - short_walk) * FV_WALKERS_PER_LANE * lanes);
    const uint32_t whole_walk = iters > 400 ? iters : 400, quarter = whole_walk / 4;
    const double steps = (double)classes * FV_WALKERS * (whole_walk - quarter);
    enum { ROUNDS = 7 };
    double cycles[ROUNDS], ghz[ROUNDS], ns[ROUNDS], plotted[ROUNDS], adds[ROUNDS];
    double pairs[ROUNDS][2]; /* a round's cycles a step and adds a cycle */
    for (int r = 0; r < ROUNDS; r++) {
        ghz[r] = chain_ghz(false, 10000000);
        double whole = walk_ns(f, lanes, systems, classes, whole_walk, hist, size);
        double part = walk_ns(f, lanes, systems, classes, quarter, hist, size);
        ns[r] = (whole - part) / steps;
        cycles[r] = ns[r] * ghz[r];
        plotted[r] = whole / ((double)classes * FV_WALKERS * whole_walk) * ghz[r];
        adds[r] = free_adds_per_ns(2000000) / ghz[r];
        pairs[r][0] = cycles[r];
        pairs[r][1] = adds[r];
    }
    /* the round whose cycles are the median's, and its adds */
    qsort(pairs, ROUNDS, sizeof(pairs[0]), cmp_double);
    const double median_adds = pairs[ROUNDS / 2][1];
    qsort(cycles, ROUNDS, sizeof(double), cmp_double);
    qsort(ghz, ROUNDS, sizeof(double), cmp_double);
    qsort(ns, ROUNDS, sizeof(double), cmp_double);
    qsort(plotted, ROUNDS, sizeof(double), cmp_double);
    qsort(adds, ROUNDS, sizeof(double), cmp_double);
    const double limit = per_point / width, c = cycles[ROUNDS / 2];
    printf("linear, %s%s: %.1f instructions a walker step (counted by single-stepping), "
           "at %d a cycle (%s%s) a limit of %.2f cycles; measured %.2f cycles a step "
           "(walks of %u less walks of %u iterations, median of %d rounds, each timed beside a "
           "chain of adds: %.2f-%.2f cycles; %.2f ns at %.2f GHz), %.2fx the limit; %.2f cycles "
           "a plotted point with set-up and the %d discarded steps\n",
           fv_chaos_kernel_name(k), grouped ? " group kernel" : " lane by lane", per_point, width,
           why, width_set ? "" : "; FV_BENCH_WIDTH sets another", limit, c, whole_walk, quarter,
           ROUNDS, cycles[0], cycles[ROUNDS - 1], ns[ROUNDS / 2], ghz[ROUNDS / 2], c / limit,
           plotted[ROUNDS / 2], FV_DISCARD);
    printf("linear's rounds, the core beside each: %.2f independent adds a cycle in the median "
           "round (rounds %.2f-%.2f); lower beside a round that shared the core's units (a "
           "sibling thread), not beside one slowed through the caches\n",
           median_adds, adds[0], adds[ROUNDS - 1]);
}

/* Class c's system of variation v into *sys, with its sample's map choices kept in *kept
 * (when it has room: written the first time, by a walk of every lane) */
static void keep_choices(FvSystem *sys, int c, FvChoices *kept, int v, int size, uint32_t *hist)
{
    kernel_system_class(sys, (uint64_t)c, v, size, size);
    if (!kept->words)
        return;
    sys->choices = kept;
    if (kept->n == sys->n)
        return;
    kept->n = sys->n;
    memset(kept->filled, 0, sizeof(kept->filled));
    for (int lane = 0; lane < FV_LANES; lane++)
        fv_chaos_lane(sys, (uint64_t)c, lane, kept->steps - FV_DISCARD, hist, size, size);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--clock"))
        return check_clock();
    int classes = argc > 1 ? atoi(argv[1]) : 8;
    int size = argc > 2 ? atoi(argv[2]) : 256;
    if (classes < 1 || size < FV_MIN_SIZE || size > FV_MAX_SIZE) {
        fprintf(stderr, "usage: %s [classes >= 1] [size %d..%d] [variation,... | all]\n", argv[0],
                FV_MIN_SIZE, FV_MAX_SIZE);
        return 2;
    }
    uint32_t iters = (uint32_t)(POINTS_PER_PIXEL * size * size / FV_WALKERS + 0.5);
    /* the variations to time: the list in argv[3] (comma-separated names, or "all") */
    int list[FV_NUM_VARIATIONS], count = 0;
    if (argc > 3 && !strcmp(argv[3], "all")) {
        for (int v = 0; v < FV_NUM_VARIATIONS; v++)
            list[count++] = v;
    } else if (argc > 3) {
        char *names = strdup(argv[3]);
        for (char *save = NULL, *t = strtok_r(names, ",", &save); t && count < FV_NUM_VARIATIONS;
             t = strtok_r(NULL, ",", &save)) {
            if (fv_variation_from_name(t, &list[count]) != 0) {
                fprintf(stderr, "unknown variation %s\n", t);
                free(names);
                return 2;
            }
            count++;
        }
        free(names);
    } else {
        for (size_t v = 0; v < sizeof(default_variations) / sizeof(default_variations[0]); v++)
            fv_variation_from_name(default_variations[v], &list[count++]);
    }
    uint32_t *hist = calloc((size_t)size * size, sizeof(*hist));
    FvSystem *systems = calloc((size_t)classes, sizeof(*systems));
    /* the map choices of each class's sample, kept as the renderer keeps them from a clip's
     * first frame for the next ones (FV_BENCH_DRAW=1: none kept, every choice drawn, as in a
     * clip's first frame) */
    const char *d = getenv("FV_BENCH_DRAW");
    const bool draw = d && *d && strcmp(d, "0") != 0;
    const uint32_t room = FV_DISCARD + (iters > 400 ? iters : 400);
    FvChoices *kept = calloc((size_t)classes, sizeof(*kept));
    if (!hist || !systems || !kept)
        return 1;
    for (int c = 0; c < classes && !draw; c++) {
        kept[c].words = malloc((size_t)fv_choices_bytes(room));
        if (!kept[c].words)
            return 1;
        kept[c].steps = room;
        kept[c].sample_key = (uint64_t)c;
    }
    printf("ns per plotted point, one core, %d class systems %dx%d, %u iterations x %d walkers\n",
           classes, size, size, iters, FV_WALKERS);
    printf("map choices %s\n",
           draw ? "drawn at every step, as in a clip's first frame (FV_BENCH_DRAW)"
                : "read by the SIMD kernels from the words kept for the sample, as in every frame "
                  "of a clip but its first (FV_BENCH_DRAW=1: drawn)");
    printf("lanes one at a time, then in groups of %d (xN, the renderer's task when the groups "
           "share evenly among its threads); chosen: the way measured fastest for the "
           "variation when first used, a group kernel (xN) or lane by lane\n",
           FV_LANE_GROUP);
    printf("%-12s %8s", "variation", "ref");
    for (int k = 0; k < FV_NUM_KERNELS; k++)
        printf(" %8s", fv_chaos_kernel_name(k));
    for (int k = 0; k < FV_NUM_KERNELS; k++) {
        char name[32];
        snprintf(name, sizeof(name), "%sx%d", fv_chaos_kernel_name(k), FV_LANE_GROUP);
        printf(" %9s", name);
    }
    printf("  chosen\n");
    bool linear = false; /* timed in the table: its limit line follows */
    for (int v = 0; v < count; v++) {
        for (int c = 0; c < classes; c++)
            keep_choices(&systems[c], c, &kept[c], list[v], size, hist);
        printf("%-12s %8.2f", fv_variation_name(list[v]),
               time_kernel(fv_chaos_lane_ref, 1, systems, classes, iters, hist, size));
        for (int k = 0; k < FV_NUM_KERNELS; k++) {
            FvLaneKernel f = fv_chaos_kernel(k, list[v]);
            if (f)
                printf(" %8.2f", time_kernel(f, 1, systems, classes, iters, hist, size));
            else
                printf(" %8s", "-");
        }
        for (int k = 0; k < FV_NUM_KERNELS; k++) {
            FvLaneKernel f = fv_chaos_group_kernel(k, list[v]);
            if (f)
                printf(" %9.2f",
                       time_kernel(f, FV_LANE_GROUP, systems, classes, iters, hist, size));
            else
                printf(" %9s", "-");
        }
        const int k = fv_chaos_best_kernel(list[v]);
        const bool grouped = fv_chaos_best_grouped(list[v]) && k != FV_KERNEL_SCALAR;
        if (grouped)
            printf("  %sx%d\n", fv_chaos_kernel_name(k), FV_LANE_GROUP);
        else
            printf("  %s\n", fv_chaos_kernel_name(k));
        fflush(stdout);
        linear = linear || list[v] == FV_VARIATION_LINEAR;
    }
    if (linear) {
        for (int c = 0; c < classes; c++)
            keep_choices(&systems[c], c, &kept[c], FV_VARIATION_LINEAR, size, hist);
        linear_limit(systems, classes, iters, hist, size);
    }
    for (int c = 0; c < classes; c++)
        free(kept[c].words);
    free(kept);
    free(systems);
    free(hist);
    return 0;
}
