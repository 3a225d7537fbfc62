/* A fixed pool of worker threads running numbered tasks. Which thread runs which task is
 * up to scheduling, so callers give every thread its own integer accumulators and sum
 * them afterwards: the result does not depend on the schedule (E5).
 *
 * A clip runs jobs back to back (a few for its framing, a few for its frames; a frame
 * rendered alone or with effects, two), with little serial work between them. Waking a
 * sleeping thread costs tens of microseconds (more in a virtual machine, where it is an
 * interrupt between processors), so a worker done with a job, and the caller waiting for the
 * workers, first spin a little (SPINS polls, some tens of microseconds) on the job counter
 * before they sleep on the condition variable.
 *
 * A job run with fv_pool_run_affine hands task k to thread k mod threads first, a thread
 * done with its own taking what is left of the others'. Jobs that split the same data alike
 * then find it where they left it: a store to a line another core read last waits for the
 * line to be taken from that core (measured on a 2-core AMD EPYC: 5 MB written 2.3x slower
 * when the other thread had read it last).
 *
 * The pool keeps time accounts (fv_pool_time: two clock reads per job and thread), so a
 * benchmark can tell the threads' waiting from the work itself slowing down. */
#include "fv_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A thread's time running tasks, on a cache line of its own (written by that thread only,
 * read by the caller once the thread is out of the job) */
typedef struct ThreadTime {
    _Alignas(64) uint64_t ns;
} ThreadTime;

/* A thread's next own task of an affine job: tasks t, t + threads, ... (a cache line each) */
typedef struct Cursor {
    _Alignas(64) atomic_int next;
} Cursor;

struct FvPool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    atomic_uint_fast64_t generation; /* bumped for every job, under lock */
    atomic_int busy;                 /* workers still in the current job */
    atomic_bool quit;
    FvTaskFunc fn;
    void *ctx;
    int ntasks;
    bool affine; /* tasks handed out by thread (cursors), or in order (next) */
    atomic_int next;
    Cursor *cursors;   /* one a thread */
    uint64_t jobs;     /* jobs run, ordered or affine (the caller's thread only) */
    uint64_t job_ns;   /* their time, start to end (the caller's thread only) */
    ThreadTime *tasks; /* each thread's time running tasks */
};

enum { SPINS = 2000 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The next task of the job for thread `thread`, or -1 when none is left: the next in order,
 * or, in an affine job, the thread's own next, then the others' left over in the order of
 * the threads after it. */
static int next_task(FvPool *p, int thread)
{
    const int threads = p->threads, ntasks = p->ntasks;
    if (!p->affine) {
        const int task = atomic_fetch_add(&p->next, 1);
        return task < ntasks ? task : -1;
    }
    for (int i = 0, t = thread; i < threads; i++, t = t + 1 < threads ? t + 1 : 0) {
        atomic_int *next = &p->cursors[t].next;
        const int own = (ntasks - t + threads - 1) / threads; /* tasks t, t + threads, ... */
        if (atomic_load_explicit(next, memory_order_relaxed) >= own)
            continue; /* none left: looked at without taking the line for writing */
        const int j = atomic_fetch_add_explicit(next, 1, memory_order_relaxed);
        if (j < own)
            return t + j * threads;
    }
    return -1;
}

/* The job's tasks, whichever are left, on thread `thread`; its time running them counted. */
static void run_tasks(FvPool *p, int thread)
{
    const uint64_t t0 = now_ns();
    int task;
    while ((task = next_task(p, thread)) >= 0)
        p->fn(p->ctx, task, thread);
    p->tasks[thread].ns += now_ns() - t0;
}

typedef struct WorkerArg {
    FvPool *pool;
    int thread;
} WorkerArg;

static void *worker_main(void *arg)
{
    FvPool *p = ((WorkerArg *)arg)->pool;
    int thread = ((WorkerArg *)arg)->thread;
    free(arg);
    uint64_t seen = 0;
    for (;;) {
        /* the next job, polled for a while (it is published before the counter moves), then
         * waited for */
        for (int i = 0; i < SPINS && !atomic_load_explicit(&p->quit, memory_order_relaxed) &&
                        atomic_load_explicit(&p->generation, memory_order_acquire) == seen;
             i++)
            cpu_relax();
        pthread_mutex_lock(&p->lock);
        while (!atomic_load(&p->quit) && atomic_load(&p->generation) == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (atomic_load(&p->quit))
            break;
        seen = atomic_load(&p->generation);
        pthread_mutex_unlock(&p->lock);
        run_tasks(p, thread);
        /* the last worker out tells the caller, under lock: a caller that found it busy
         * under lock is waiting by then */
        if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int fv_pool_new(FvPool **out, int threads)
{
    FvPool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->threads = threads < 1 ? 1 : threads;
    p->tasks = aligned_alloc(_Alignof(ThreadTime), (size_t)p->threads * sizeof(ThreadTime));
    p->cursors = aligned_alloc(_Alignof(Cursor), (size_t)p->threads * sizeof(Cursor));
    if (!p->tasks || !p->cursors) {
        free(p->tasks);
        free(p->cursors);
        free(p);
        return -ENOMEM;
    }
    for (int t = 0; t < p->threads; t++)
        atomic_init(&p->cursors[t].next, 0);
    memset(p->tasks, 0, (size_t)p->threads * sizeof(ThreadTime));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    atomic_init(&p->generation, 0);
    atomic_init(&p->busy, 0);
    atomic_init(&p->quit, false);
    if (p->threads > 1) {
        p->workers = calloc((size_t)p->threads - 1, sizeof(*p->workers));
        if (!p->workers) {
            fv_pool_free(&p);
            return -ENOMEM;
        }
        for (int i = 1; i < p->threads; i++) {
            WorkerArg *arg = malloc(sizeof(*arg));
            if (!arg || pthread_create(&p->workers[i - 1], NULL, worker_main,
                                       (*arg = (WorkerArg){p, i}, arg))) {
                free(arg);
                p->threads = i; /* only the ones started are joined */
                fv_pool_free(&p);
                return -EAGAIN;
            }
        }
    }
    *out = p;
    return 0;
}

void fv_pool_free(FvPool **pp)
{
    FvPool *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->quit, true);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 1; p->workers && i < p->threads; i++)
        pthread_join(p->workers[i - 1], NULL);
    free(p->workers);
    free(p->tasks);
    free(p->cursors);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p);
    *pp = NULL;
}

int fv_pool_threads(const FvPool *p)
{
    return p->threads;
}

uint64_t fv_pool_jobs(const FvPool *p)
{
    return p->jobs;
}

FvPoolTime fv_pool_time(const FvPool *p)
{
    FvPoolTime t = {.jobs = p->jobs, .job_ns = p->job_ns};
    for (int i = 0; i < p->threads; i++)
        t.task_ns += p->tasks[i].ns;
    return t;
}

static void run_job(FvPool *p, int ntasks, FvTaskFunc fn, void *ctx, bool affine)
{
    p->jobs++;
    const uint64_t t0 = now_ns();
    if (p->threads == 1 || ntasks == 1) { /* on the caller's thread, the others idle */
        for (int t = 0; t < ntasks; t++)
            fn(ctx, t, 0);
        const uint64_t ns = now_ns() - t0;
        p->job_ns += ns;
        p->tasks[0].ns += ns;
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    p->affine = affine;
    atomic_store(&p->next, 0);
    for (int t = 0; affine && t < p->threads; t++)
        atomic_store_explicit(&p->cursors[t].next, 0, memory_order_relaxed);
    atomic_store(&p->busy, p->threads - 1);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_tasks(p, 0);

    for (int i = 0; i < SPINS && atomic_load_explicit(&p->busy, memory_order_acquire) > 0; i++)
        cpu_relax();
    pthread_mutex_lock(&p->lock);
    while (atomic_load(&p->busy) > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    p->job_ns += now_ns() - t0;
}

void fv_pool_run(FvPool *p, int ntasks, FvTaskFunc fn, void *ctx)
{
    run_job(p, ntasks, fn, ctx, false);
}

void fv_pool_run_affine(FvPool *p, int ntasks, FvTaskFunc fn, void *ctx)
{
    run_job(p, ntasks, fn, ctx, true);
}
