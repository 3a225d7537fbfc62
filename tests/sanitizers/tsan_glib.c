/* ThreadSanitizer and GLib's locks, for the TSan run of the element tests.
 *
 * GLib and GStreamer are not built with TSan. GLib's mutexes and conditions are futexes
 * inside libglib, so TSan does not see that our code's accesses under GST_OBJECT_LOCK, the
 * worker's GMutex or a GCond wait are ordered, and would report races that cannot happen.
 * Linked into the test programs (and exported, so every library's calls land here), these
 * wrappers call GLib's own functions and tell TSan about the order they create: an unlock
 * releases, a lock acquires, a condition wait does both, a one-time initialisation
 * releases what it published, an item pushed on an asynchronous queue (GstHarness hands
 * buffers and events to the test through one) is released to whoever pops it, and what a
 * thread did with a buffer before dropping its reference happens before the buffer is taken
 * from its pool again (below). Nothing else changes: real races in our code still show. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <glib.h>
#include <gst/gst.h>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>
#include <stdio.h>
#include <stdlib.h>

/* The library function of that name (GLib's, GStreamer's), the next definition after this one. */
static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "tsan_glib: no %s in GLib or GStreamer\n", name);
        abort();
    }
    return f;
}

/* The library function name, of type type (a typedef), looked up once: atomically, as any thread
 * may be first (a race only repeats the lookup). Relaxed: the pointer publishes no data (the
 * code it points to is there already), and an acquire here would order every caller after
 * the first call's thread, an ordering the program does not have, hiding races from TSan. */
#define REAL(name, type)                                                                           \
    ({                                                                                             \
        static type cached;                                                                        \
        type f_ = __atomic_load_n(&cached, __ATOMIC_RELAXED);                                      \
        if (!f_) {                                                                                 \
            f_ = (type)real(#name);                                                                \
            __atomic_store_n(&cached, f_, __ATOMIC_RELAXED);                                       \
        }                                                                                          \
        f_;                                                                                        \
    })

typedef void (*MutexFn)(GMutex *);
typedef gboolean (*MutexTryFn)(GMutex *);
typedef void (*RecMutexFn)(GRecMutex *);
typedef gboolean (*RecMutexTryFn)(GRecMutex *);
typedef void (*RWLockFn)(GRWLock *);
typedef void (*CondWaitFn)(GCond *, GMutex *);
typedef gboolean (*CondWaitUntilFn)(GCond *, GMutex *, gint64);
typedef gboolean (*OnceEnterFn)(volatile void *);
typedef void (*OnceLeaveFn)(volatile void *, gsize);
typedef void (*QueuePushFn)(GAsyncQueue *, gpointer);
typedef gpointer (*QueuePopFn)(GAsyncQueue *);
typedef gpointer (*QueueTimeoutPopFn)(GAsyncQueue *, guint64);
typedef void (*UnrefFn)(GstMiniObject *);
typedef GstFlowReturn (*AcquireFn)(GstBufferPool *, GstBuffer **, GstBufferPoolAcquireParams *);

void g_mutex_lock(GMutex *mutex)
{
    REAL(g_mutex_lock, MutexFn)(mutex);
    __tsan_acquire(mutex);
}

gboolean g_mutex_trylock(GMutex *mutex)
{
    gboolean locked = REAL(g_mutex_trylock, MutexTryFn)(mutex);
    if (locked)
        __tsan_acquire(mutex);
    return locked;
}

void g_mutex_unlock(GMutex *mutex)
{
    __tsan_release(mutex);
    REAL(g_mutex_unlock, MutexFn)(mutex);
}

void g_rec_mutex_lock(GRecMutex *mutex)
{
    REAL(g_rec_mutex_lock, RecMutexFn)(mutex);
    __tsan_acquire(mutex);
}

gboolean g_rec_mutex_trylock(GRecMutex *mutex)
{
    gboolean locked = REAL(g_rec_mutex_trylock, RecMutexTryFn)(mutex);
    if (locked)
        __tsan_acquire(mutex);
    return locked;
}

void g_rec_mutex_unlock(GRecMutex *mutex)
{
    __tsan_release(mutex);
    REAL(g_rec_mutex_unlock, RecMutexFn)(mutex);
}

void g_rw_lock_writer_lock(GRWLock *lock)
{
    REAL(g_rw_lock_writer_lock, RWLockFn)(lock);
    __tsan_acquire(lock);
}

void g_rw_lock_writer_unlock(GRWLock *lock)
{
    __tsan_release(lock);
    REAL(g_rw_lock_writer_unlock, RWLockFn)(lock);
}

void g_rw_lock_reader_lock(GRWLock *lock)
{
    REAL(g_rw_lock_reader_lock, RWLockFn)(lock);
    __tsan_acquire(lock);
}

void g_rw_lock_reader_unlock(GRWLock *lock)
{
    __tsan_release(lock);
    REAL(g_rw_lock_reader_unlock, RWLockFn)(lock);
}

void g_cond_wait(GCond *cond, GMutex *mutex)
{
    __tsan_release(mutex);
    REAL(g_cond_wait, CondWaitFn)(cond, mutex);
    __tsan_acquire(mutex);
}

gboolean g_cond_wait_until(GCond *cond, GMutex *mutex, gint64 end_time)
{
    __tsan_release(mutex);
    gboolean signalled = REAL(g_cond_wait_until, CondWaitUntilFn)(cond, mutex, end_time);
    __tsan_acquire(mutex);
    return signalled;
}

/* g_once_init_enter/leave are macros around these: what a one-time initialisation stores
 * (a GType, say) is published by leave and read by every later enter. */
gboolean(g_once_init_enter)(volatile void *location)
{
    gboolean first = REAL(g_once_init_enter, OnceEnterFn)(location);
    __tsan_acquire((void *)location);
    return first;
}

void(g_once_init_leave)(volatile void *location, gsize result)
{
    __tsan_release((void *)location);
    REAL(g_once_init_leave, OnceLeaveFn)(location, result);
}

void g_async_queue_push(GAsyncQueue *queue, gpointer data)
{
    __tsan_release(queue);
    REAL(g_async_queue_push, QueuePushFn)(queue, data);
}

gpointer g_async_queue_pop(GAsyncQueue *queue)
{
    gpointer data = REAL(g_async_queue_pop, QueuePopFn)(queue);
    __tsan_acquire(queue);
    return data;
}

gpointer g_async_queue_try_pop(GAsyncQueue *queue)
{
    gpointer data = REAL(g_async_queue_try_pop, QueuePopFn)(queue);
    if (data)
        __tsan_acquire(queue);
    return data;
}

gpointer g_async_queue_timeout_pop(GAsyncQueue *queue, guint64 timeout)
{
    gpointer data = REAL(g_async_queue_timeout_pop, QueueTimeoutPopFn)(queue, timeout);
    if (data)
        __tsan_acquire(queue);
    return data;
}

/* A buffer is shared by a reference count, an atomic inside libgstreamer that TSan does not
 * see. When one thread reads a buffer and drops its reference and another thread drops the
 * last one, takes the buffer from its pool again and writes it (the test reads a pulled
 * frame the element still holds; the streaming thread fills the same buffer again), only
 * the count orders the two (the pool's own hand-off is a mutex TSan sees). Every unref that
 * reaches here (from the tests, the plugin and libgstbase; libgstreamer's own calls do not)
 * releases the object, and a pool's acquire takes the buffer it returns: what each owner did
 * happens before what the next one does, as the count makes it. */
void gst_mini_object_unref(GstMiniObject *object)
{
    __tsan_release(object);
    REAL(gst_mini_object_unref, UnrefFn)(object);
}

GstFlowReturn gst_buffer_pool_acquire_buffer(GstBufferPool *pool, GstBuffer **buffer,
                                             GstBufferPoolAcquireParams *params)
{
    GstFlowReturn ret = REAL(gst_buffer_pool_acquire_buffer, AcquireFn)(pool, buffer, params);
    if (ret == GST_FLOW_OK && buffer && *buffer)
        __tsan_acquire(*buffer);
    return ret;
}
