/* fractalvid._fractalvid: the Python binding of libfractalvid (core/fractalvid.h).
 *
 * A thin layer: keyword arguments become an FvSettings (checked here, each error naming the
 * keyword and what it allows), a clip is rendered with the GIL released, and its frames are
 * tone mapped straight into the memory of a numpy array (numpy's own, or the caller's `out`),
 * so no pixel is copied after the library writes it. numpy is only used through the buffer
 * protocol and numpy.empty, so the module builds without numpy's headers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include "fractalvid.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A number of the library's header as text, for messages. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* The core caps its pool at 256 threads; say so instead of capping silently. */
#define MAX_THREADS 256

/* Module state: the exception type and numpy.empty, looked up once. */
typedef struct ModuleState {
    PyObject *cancelled; /* fractalvid.RenderCancelled */
    PyObject *numpy_empty;
    PyTypeObject *renderer_type;
} ModuleState;

static ModuleState *module_state(PyObject *module)
{
    return (ModuleState *)PyModule_GetState(module);
}

/* ---- arguments -> FvSettings ---- */

/* Every error has the same shape as fractalvid-render's: the keyword first, then what it
 * allows. exc is PyExc_ValueError (out of range) or PyExc_TypeError (wrong kind of value). */
static int bad_value(PyObject *exc, const char *key, PyObject *value, const char *allowed)
{
    PyObject *repr = PyObject_Repr(value);
    if (!repr)
        return -1;
    PyErr_Format(exc, "%s: invalid value %U; allowed: %s", key, repr, allowed);
    Py_DECREF(repr);
    return -1;
}

/* An integer in [min, max]: int, numpy integer, anything with __index__ (not bool, not float). */
static int parse_int(PyObject *value, const char *key, long long min, long long max,
                     const char *allowed, long long *out)
{
    if (PyBool_Check(value) || !PyIndex_Check(value))
        return bad_value(PyExc_TypeError, key, value, allowed);
    PyObject *index = PyNumber_Index(value);
    if (!index)
        return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < min || v > max)
        return bad_value(PyExc_ValueError, key, value, allowed);
    *out = v;
    return 0;
}

/* An unsigned 64-bit integer (the seeds, the clip index). */
static int parse_u64(PyObject *value, const char *key, const char *allowed, uint64_t *out)
{
    if (PyBool_Check(value) || !PyIndex_Check(value))
        return bad_value(PyExc_TypeError, key, value, allowed);
    PyObject *index = PyNumber_Index(value);
    if (!index)
        return -1;
    unsigned long long v = PyLong_AsUnsignedLongLong(index);
    Py_DECREF(index);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear(); /* negative or above 2**64 - 1 */
        return bad_value(PyExc_ValueError, key, value, allowed);
    }
    *out = v;
    return 0;
}

/* One side of "WxH": 1..5 decimal digits. */
static int parse_side(const char *p, size_t len, long long *out)
{
    if (len == 0 || len > 5)
        return -1;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

/* size: an int (square), (width, height), or the CLI's "WxH". */
static int parse_size(PyObject *value, unsigned *width, unsigned *height)
{
    static const char allowed[] =
        "an int (a square), (width, height) or \"WxH\", each side 1..8192";
    long long w = 0, h = 0;
    if (PyUnicode_Check(value)) {
        const char *text = PyUnicode_AsUTF8(value);
        if (!text)
            return -1;
        const char *x = strpbrk(text, "xX");
        if (!x || parse_side(text, (size_t)(x - text), &w) ||
            parse_side(x + 1, strlen(x + 1), &h) || w < FV_MIN_SIZE || w > FV_MAX_SIZE ||
            h < FV_MIN_SIZE || h > FV_MAX_SIZE)
            return bad_value(PyExc_ValueError, "size", value, allowed);
    } else if (PyTuple_Check(value) || PyList_Check(value)) {
        if (PySequence_Size(value) != 2)
            return bad_value(PyExc_ValueError, "size", value, allowed);
        PyObject *pw = PySequence_GetItem(value, 0), *ph = PySequence_GetItem(value, 1);
        int err = !pw || !ph || parse_int(pw, "size", FV_MIN_SIZE, FV_MAX_SIZE, allowed, &w) ||
                  parse_int(ph, "size", FV_MIN_SIZE, FV_MAX_SIZE, allowed, &h);
        Py_XDECREF(pw);
        Py_XDECREF(ph);
        if (err) {
            /* Name the whole value, not the one side. */
            if (PyErr_ExceptionMatches(PyExc_ValueError) ||
                PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyObject *type =
                    PyErr_ExceptionMatches(PyExc_TypeError) ? PyExc_TypeError : PyExc_ValueError;
                PyErr_Clear();
                return bad_value(type, "size", value, allowed);
            }
            return -1;
        }
    } else {
        if (parse_int(value, "size", FV_MIN_SIZE, FV_MAX_SIZE, allowed, &w))
            return -1;
        h = w;
    }
    *width = (unsigned)w;
    *height = (unsigned)h;
    return 0;
}

static int parse_motion(PyObject *value, FvMotion *out)
{
    static const char allowed[] = "'static', 'naive', 'linear' or 'nonlinear'";
    if (!PyUnicode_Check(value))
        return bad_value(PyExc_TypeError, "motion", value, allowed);
    const char *name = PyUnicode_AsUTF8(value);
    if (!name)
        return -1;
    if (fv_motion_from_name(name, out) != 0)
        return bad_value(PyExc_ValueError, "motion", value, allowed);
    return 0;
}

static int parse_variation(PyObject *value, int *out)
{
    /* The list is short enough to print in full. */
    char allowed[512] = "'auto'";
    for (int i = 0; i < FV_NUM_VARIATIONS; i++) {
        size_t len = strlen(allowed);
        snprintf(allowed + len, sizeof allowed - len, ", '%s'", fv_variation_name(i));
    }
    if (!PyUnicode_Check(value))
        return bad_value(PyExc_TypeError, "variation", value, allowed);
    const char *name = PyUnicode_AsUTF8(value);
    if (!name)
        return -1;
    if (fv_variation_from_name(name, out) != 0)
        return bad_value(PyExc_ValueError, "variation", value, allowed);
    return 0;
}

static int parse_density(PyObject *value, double *out)
{
    char allowed[128];
    snprintf(allowed, sizeof allowed, "plotted points per pixel per frame, %g..%g (default %.2f)",
             FV_MIN_DENSITY, FV_MAX_DENSITY, FV_DEFAULT_DENSITY);
    if (PyBool_Check(value) || PyUnicode_Check(value) || PyBytes_Check(value))
        return bad_value(PyExc_TypeError, "density", value, allowed);
    double d = PyFloat_AsDouble(value);
    if (d == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return -1;
        PyErr_Clear();
        return bad_value(PyExc_TypeError, "density", value, allowed);
    }
    if (!isfinite(d) || d < FV_MIN_DENSITY || d > FV_MAX_DENSITY)
        return bad_value(PyExc_ValueError, "density", value, allowed);
    *out = d;
    return 0;
}

/* effects: None, 'paper', names joined by '+' ('zoom+shake'), or a sequence of names. */
static int parse_effects(PyObject *value, uint32_t *out)
{
    static const char allowed[] =
        "None, 'paper', or effect names joined by '+' or in a list (see EFFECTS)";
    *out = 0;
    if (value == Py_None)
        return 0;
    PyObject *text = NULL;
    if (PyUnicode_Check(value)) {
        text = value;
        Py_INCREF(text);
    } else if (PyList_Check(value) || PyTuple_Check(value)) {
        Py_ssize_t n = PySequence_Size(value);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PySequence_GetItem(value, i);
            int ok = item && PyUnicode_Check(item);
            Py_XDECREF(item);
            if (!ok)
                return bad_value(PyExc_TypeError, "effects", value, allowed);
        }
        PyObject *plus = PyUnicode_FromString("+");
        text = plus ? PyUnicode_Join(plus, value) : NULL;
        Py_XDECREF(plus);
        if (!text)
            return -1;
    } else {
        return bad_value(PyExc_TypeError, "effects", value, allowed);
    }
    const char *utf8 = PyUnicode_AsUTF8(text), *bad = NULL;
    int err = utf8 ? 0 : -1;
    /* an empty list is no effect; an empty string or name is refused */
    if (!err && (PyUnicode_Check(value) || *utf8) && fv_effects_from_string(utf8, out, &bad)) {
        char why[160];
        snprintf(why, sizeof why, "%s (%s is not an effect)", allowed,
                 bad && *bad ? bad : "an empty name");
        err = bad_value(PyExc_ValueError, "effects", value, why);
    }
    Py_DECREF(text);
    return err;
}

/* The keyword arguments every call shares: the clip's identity first (positional or keyword),
 * then how it looks (keyword only). NULL leaves the default. */
typedef struct ClipArgs {
    PyObject *class_id, *seed, *clip, *size, *frames, *class_seed, *motion, *variation, *density;
    PyObject *effects, *augment_seed;
} ClipArgs;

static int settings_from_args(const ClipArgs *a, FvSettings *s, uint64_t *clip)
{
    long long v;
    fv_default_settings(s);
    s->width = s->height = 256;
    *clip = 0;
    if (a->class_id &&
        parse_int(a->class_id, "class_id", -1, FV_MAX_CLASS,
                  "a class number 0.." STR(FV_MAX_CLASS) ", or -1 for unlabeled (a new class "
                                                         "every clip)",
                  &v))
        return -1;
    if (a->class_id)
        s->class_id = v;
    static const char u64[] = "an unsigned 64-bit integer, 0..18446744073709551615";
    if (a->seed && parse_u64(a->seed, "seed", u64, &s->seed))
        return -1;
    if (a->clip && parse_u64(a->clip, "clip", u64, clip))
        return -1;
    if (a->class_seed && parse_u64(a->class_seed, "class_seed", u64, &s->class_seed))
        return -1;
    if (a->size && parse_size(a->size, &s->width, &s->height))
        return -1;
    if (a->frames) {
        char allowed[96];
        snprintf(allowed, sizeof allowed,
                 "0..%d frames per clip (0 = as the class draws it, 18..20)", FV_MAX_CLIP_FRAMES);
        if (parse_int(a->frames, "frames", 0, FV_MAX_CLIP_FRAMES, allowed, &v))
            return -1;
        s->clip_frames = (unsigned)v;
    }
    if (a->motion && parse_motion(a->motion, &s->motion))
        return -1;
    if (a->variation && parse_variation(a->variation, &s->variation))
        return -1;
    if (a->density && parse_density(a->density, &s->density))
        return -1;
    if (a->effects && parse_effects(a->effects, &s->effects))
        return -1;
    if (a->augment_seed && parse_u64(a->augment_seed, "augment_seed", u64, &s->augment_seed))
        return -1;
    /* The library's own check has the last word (a field parsed above cannot fail it today). */
    const char *field = NULL;
    if (fv_settings_validate(s, &field) != 0) {
        PyErr_Format(PyExc_ValueError, "%s: value out of range for the renderer",
                     field ? field : "settings");
        return -1;
    }
    return 0;
}

#define CLIP_KEYWORDS                                                                              \
    "class_id", "seed", "clip", "size", "frames", "class_seed", "motion", "variation", "density",  \
        "effects", "augment_seed"
#define CLIP_FORMAT "|OOO$OOOOOOOO"
#define CLIP_POINTERS(a)                                                                           \
    &(a).class_id, &(a).seed, &(a).clip, &(a).size, &(a).frames, &(a).class_seed, &(a).motion,     \
        &(a).variation, &(a).density, &(a).effects, &(a).augment_seed

/* ---- labels ---- */

static int dict_set(PyObject *d, const char *key, PyObject *value)
{
    if (!value)
        return -1;
    int err = PyDict_SetItemString(d, key, value);
    Py_DECREF(value);
    return err;
}

/* A drawn value as Python: a number, or the text when it is not one ("in", "seed:frame"). */
static PyObject *value_item(const char *text, size_t len)
{
    char buf[64];
    if (len < sizeof buf) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        char *end;
        double d = strtod(buf, &end);
        if (len && end == buf + len)
            return PyFloat_FromDouble(d);
    }
    return PyUnicode_FromStringAndSize(text, (Py_ssize_t)len);
}

/* The effects a clip got (G10): their names, and their drawn values as the element's labels
 * give them (fv_effects_describe: "scale=0.54,0.81 ..."), each a list of its items. */
static int effects_labels(PyObject *d, const FvEffectsInfo *fx)
{
    PyObject *names = PyList_New(0), *values = PyDict_New();
    int err = !names || !values;
    for (int bit = 0; !err && bit < FV_NUM_EFFECTS; bit++)
        if (fx->applied & (1u << bit)) {
            PyObject *name = PyUnicode_FromString(fv_effect_name(bit));
            err = !name || PyList_Append(names, name);
            Py_XDECREF(name);
        }
    char text[2048];
    if (!err && fx->applied && fv_effects_describe(fx, text, sizeof text) >= 0) {
        char *save = NULL;
        for (char *word = strtok_r(text, " ", &save); !err && word;
             word = strtok_r(NULL, " ", &save)) {
            char *eq = strchr(word, '=');
            if (!eq)
                continue;
            *eq = '\0';
            if (!strcmp(word, "effects")) /* the names, above */
                continue;
            PyObject *items = PyList_New(0);
            err = !items;
            for (const char *v = eq + 1; !err;) {
                size_t len = strcspn(v, ",");
                PyObject *item = value_item(v, len);
                err = !item || PyList_Append(items, item);
                Py_XDECREF(item);
                if (!v[len])
                    break;
                v += len + 1;
            }
            err = err || PyDict_SetItemString(values, word, items);
            Py_XDECREF(items);
        }
    }
    if (!err) {
        err = dict_set(d, "effects", names) || dict_set(d, "effect_values", values);
        return err ? -1 : 0;
    }
    Py_XDECREF(names);
    Py_XDECREF(values);
    return -1;
}

/* Everything in FvClipInfo, named as the keywords name it (clip_index is "clip"). */
static PyObject *labels_dict(const FvClipInfo *info)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    if (dict_set(d, "class_id", PyLong_FromLongLong(info->class_id)) ||
        dict_set(d, "class_seed", PyLong_FromUnsignedLongLong(info->class_seed)) ||
        dict_set(d, "seed", PyLong_FromUnsignedLongLong(info->seed)) ||
        dict_set(d, "clip", PyLong_FromUnsignedLongLong(info->clip_index)) ||
        dict_set(d, "class_key", PyLong_FromUnsignedLongLong(info->class_key)) ||
        dict_set(d, "motion", PyUnicode_FromString(fv_motion_name(info->motion))) ||
        dict_set(d, "variation", PyUnicode_FromString(fv_variation_name(info->variation))) ||
        dict_set(d, "frames", PyLong_FromUnsignedLong(info->frames)) ||
        dict_set(d, "width", PyLong_FromUnsignedLong(info->width)) ||
        dict_set(d, "height", PyLong_FromUnsignedLong(info->height)) ||
        dict_set(d, "num_maps", PyLong_FromUnsignedLong(info->num_maps)) ||
        dict_set(d, "redraws", PyLong_FromUnsignedLong(info->redraws)) ||
        dict_set(d, "sample_redraws", PyLong_FromUnsignedLong(info->sample_redraws)) ||
        dict_set(d, "points_per_frame", PyLong_FromUnsignedLongLong(info->points_per_frame)) ||
        dict_set(d, "points_kept", PyLong_FromUnsignedLongLong(info->points_kept)) ||
        dict_set(d, "max_count", PyLong_FromUnsignedLong(info->max_count)) ||
        dict_set(d, "generator", PyUnicode_FromString(FV_GENERATOR_VERSION)) ||
        dict_set(d, "augment_seed", PyLong_FromUnsignedLongLong(info->augment_seed)) ||
        effects_labels(d, &info->effects)) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* ---- Renderer ---- */

typedef struct RendererObject {
    PyObject ob_base; /* PyObject_HEAD */
    unsigned threads_requested;
    FvRenderer *renderer;
    FvClip *clip;
    pid_t pid;               /* process that opened renderer: a forked child opens its own */
    PyThread_type_lock lock; /* one render at a time per renderer */
    /* Read and written with the GIL held: */
    int users;     /* render() calls in progress, waiting for the lock included */
    int rendering; /* 1 while fv_render_clip runs */
} RendererObject;

static struct PyModuleDef module_def;

static ModuleState *renderer_module_state(RendererObject *self)
{
    PyObject *module = PyType_GetModuleByDef(Py_TYPE(self), &module_def);
    return module ? module_state(module) : NULL;
}

static int set_error_from_code(int err)
{
    if (err == -ENOMEM) {
        PyErr_NoMemory();
    } else {
        errno = -err;
        PyErr_SetFromErrno(PyExc_OSError);
    }
    return -1;
}

static int renderer_open(RendererObject *self)
{
    int err = fv_renderer_open(&self->renderer, self->threads_requested);
    if (!err)
        err = fv_clip_new(&self->clip);
    if (!err && !self->lock && !(self->lock = PyThread_allocate_lock()))
        err = -ENOMEM;
    if (err) {
        fv_clip_free(&self->clip);
        fv_renderer_close(&self->renderer);
        return set_error_from_code(err);
    }
    self->pid = getpid();
    return 0;
}

/* A renderer inherited through fork() (a DataLoader worker) has no worker threads in this
 * process: closing it would join threads that do not exist. Leave it (its pages are the
 * parent's copy) and open a fresh one. */
static int renderer_ensure_own(RendererObject *self)
{
    if (self->pid != getpid()) {
        self->renderer = NULL;
        self->clip = NULL;
        self->lock = NULL; /* a thread that is not in this process may hold it */
        self->users = 0;
        self->rendering = 0;
    }
    return self->renderer ? 0 : renderer_open(self);
}

static int Renderer_init(RendererObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"threads", NULL};
    PyObject *threads = NULL;
    long long n = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:Renderer", keywords, &threads))
        return -1;
    char allowed[64];
    snprintf(allowed, sizeof allowed, "0..%d (0 = one per core)", MAX_THREADS);
    if (threads && parse_int(threads, "threads", 0, MAX_THREADS, allowed, &n))
        return -1;
    if (self->renderer) {
        PyErr_SetString(PyExc_RuntimeError, "Renderer is already initialised");
        return -1;
    }
    self->threads_requested = (unsigned)n;
    return renderer_open(self);
}

static void renderer_release(RendererObject *self)
{
    if (self->pid == getpid()) {
        fv_clip_free(&self->clip);
        fv_renderer_close(&self->renderer);
        if (self->lock)
            PyThread_free_lock(self->lock);
    }
    self->clip = NULL;
    self->renderer = NULL;
    self->lock = NULL;
}

static void Renderer_dealloc(RendererObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    renderer_release(self);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static PyObject *Renderer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args;
    (void)kwargs;
    RendererObject *self = (RendererObject *)type->tp_alloc(type, 0);
    if (self)
        self->pid = getpid();
    return (PyObject *)self;
}

/* A C-contiguous, writable buffer of uint8 shaped (frames, height, width). */
static int get_out_buffer(PyObject *out, Py_buffer *view, Py_ssize_t frames, Py_ssize_t height,
                          Py_ssize_t width)
{
    if (PyObject_GetBuffer(out, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "out: expected a writable, C-contiguous numpy uint8 array of shape "
                     "(%zd, %zd, %zd), got %R",
                     frames, height, width, (PyObject *)Py_TYPE(out));
        return -1;
    }
    const char *format = view->format ? view->format : "B";
    if (view->itemsize != 1 || strcmp(format, "B") != 0 || view->ndim != 3 ||
        view->shape[0] != frames || view->shape[1] != height || view->shape[2] != width) {
        PyErr_Format(PyExc_ValueError,
                     "out: expected a uint8 array of shape (%zd, %zd, %zd) (frames, height, "
                     "width); frame_count() tells the frames",
                     frames, height, width);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *render_with(RendererObject *self, const FvSettings *s, uint64_t clip_index,
                             PyObject *out)
{
    ModuleState *st = renderer_module_state(self);
    if (!st || renderer_ensure_own(self))
        return NULL;
    const unsigned frames = fv_clip_frame_count(s, clip_index);
    const Py_ssize_t t = frames, h = s->height, w = s->width;
    PyObject *array;
    if (out && out != Py_None) {
        array = out;
        Py_INCREF(array);
    } else {
        array = PyObject_CallFunction(st->numpy_empty, "((nnn)s)", t, h, w, "uint8");
        if (!array)
            return NULL;
    }
    Py_buffer view;
    if (get_out_buffer(array, &view, t, h, w)) {
        Py_DECREF(array);
        return NULL;
    }

    /* One render at a time on this renderer: wait for the lock without the GIL. close()
     * refuses while users > 0, so the renderer outlives the wait. */
    self->users++;
    if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        PyThreadState *waiting = PyEval_SaveThread();
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        PyEval_RestoreThread(waiting);
    }
    /* A cancel() aimed at an earlier render must not stop this one. */
    fv_renderer_cancel(self->renderer, 0);
    self->rendering = 1;
    int err;
    char why[512] = "";
    FvRenderer *renderer = self->renderer;
    FvClip *clip = self->clip;
    FvClipInfo info = {.class_id = 0};
    uint8_t *pixels = view.buf;
    PyThreadState *rendering = PyEval_SaveThread(); /* the GIL is released from here */
    err = fv_render_clip(renderer, s, clip_index, clip);
    /* Tone map into the array's own memory: the one write of every pixel. */
    for (unsigned f = 0; !err && f < frames; f++)
        err = fv_clip_write_gray8(clip, f, pixels + (size_t)f * (size_t)(h * w), (ptrdiff_t)w);
    /* Copied under the lock: the next render() reuses clip. */
    if (!err)
        info = *fv_clip_info(clip);
    else /* what the memory budget says, say: the need and the limit */
        snprintf(why, sizeof why, "%s", fv_renderer_error(renderer));
    PyEval_RestoreThread(rendering);
    self->rendering = 0;
    self->users--;
    PyThread_release_lock(self->lock);
    PyBuffer_Release(&view);

    if (err) {
        Py_DECREF(array);
        if (err == -ECANCELED)
            PyErr_SetString(st->cancelled, "render cancelled by Renderer.cancel()");
        else if (err == -ENOMEM && why[0])
            PyErr_Format(PyExc_MemoryError, "not enough memory: %s", why);
        else if (err == -ENOMEM)
            PyErr_Format(PyExc_MemoryError,
                         "not enough memory to render a %zdx%zd clip of %zd frames", w, h, t);
        else
            set_error_from_code(err);
        return NULL;
    }
    PyObject *labels = labels_dict(&info);
    if (!labels) {
        Py_DECREF(array);
        return NULL;
    }
    return Py_BuildValue("(NN)", array, labels);
}

static PyObject *Renderer_render(RendererObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {CLIP_KEYWORDS, "out", NULL};
    ClipArgs a = {0};
    PyObject *out = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, CLIP_FORMAT "O:render", keywords,
                                     CLIP_POINTERS(a), &out))
        return NULL;
    FvSettings s;
    uint64_t clip;
    if (settings_from_args(&a, &s, &clip))
        return NULL;
    return render_with(self, &s, clip, out);
}

static PyObject *Renderer_cancel(RendererObject *self, PyObject *unused)
{
    (void)unused;
    if (self->rendering && self->renderer && self->pid == getpid())
        fv_renderer_cancel(self->renderer, 1);
    Py_RETURN_NONE;
}

static PyObject *Renderer_close(RendererObject *self, PyObject *unused)
{
    (void)unused;
    if (self->users > 0 && self->pid == getpid()) {
        PyErr_SetString(PyExc_RuntimeError, "close: the renderer is rendering");
        return NULL;
    }
    renderer_release(self);
    /* A closed renderer opens again if used: close() only gives the memory back early. */
    Py_RETURN_NONE;
}

static PyObject *Renderer_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self);
    return self;
}

static PyObject *Renderer_exit(RendererObject *self, PyObject *args)
{
    (void)args;
    return Renderer_close(self, NULL);
}

static PyObject *Renderer_get_threads(RendererObject *self, void *closure)
{
    (void)closure;
    if (renderer_ensure_own(self))
        return NULL;
    return PyLong_FromUnsignedLong(fv_renderer_threads(self->renderer));
}

static PyObject *Renderer_get_rendering(RendererObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->rendering);
}

#define RENDER_DOC                                                                                 \
    "render(class_id=0, seed=0, clip=0, *, size=256, frames=0, class_seed=0,\n"                    \
    "       motion='nonlinear', variation='auto', density=14.26, effects=None,\n"                  \
    "       augment_seed=0, out=None)\n"                                                           \
    "--\n\n"                                                                                       \
    "Render clip `clip` of sample seed `seed` of class `class_id` (-1: unlabeled, a new class\n"   \
    "every clip). Returns (frames, labels): a numpy uint8 array (T, H, W) and a dict of\n"         \
    "labels. The GIL is released while rendering. `out`, an array from frame_count(), is\n"        \
    "filled and returned instead of a new array. Raises ValueError or TypeError naming the\n"      \
    "keyword for a bad value, MemoryError, or RenderCancelled after cancel()."

static PyMethodDef Renderer_methods[] = {
    {"render", (PyCFunction)(void (*)(void))Renderer_render, METH_VARARGS | METH_KEYWORDS,
     RENDER_DOC},
    {"cancel", (PyCFunction)Renderer_cancel, METH_NOARGS,
     "Stop the render running on this renderer in another thread: it raises RenderCancelled.\n"
     "Does nothing when none is running; later renders run normally."},
    {"close", (PyCFunction)Renderer_close, METH_NOARGS,
     "Free the threads and scratch memory now (the renderer reopens if used again)."},
    {"__enter__", (PyCFunction)Renderer_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)Renderer_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Renderer_getset[] = {
    {"threads", (getter)Renderer_get_threads, NULL, "Rendering threads in use.", NULL},
    {"rendering", (getter)Renderer_get_rendering, NULL,
     "True while a render() on this renderer is running (in any thread).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Renderer_slots[] = {
    {Py_tp_doc, "Renderer(threads=0)\n--\n\n"
                "A rendering context: worker threads (0: one per core; pixels never depend on\n"
                "it) and scratch memory reused across render() calls. One render at a time;\n"
                "use one Renderer per thread to render in parallel."},
    {Py_tp_new, Renderer_new},
    {Py_tp_init, Renderer_init},
    {Py_tp_dealloc, Renderer_dealloc},
    {Py_tp_methods, Renderer_methods},
    {Py_tp_getset, Renderer_getset},
    {0, NULL},
};

static PyType_Spec Renderer_spec = {
    .name = "fractalvid.Renderer",
    .basicsize = sizeof(RendererObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Renderer_slots,
};

/* ---- module functions ---- */

static PyObject *frame_count(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    static char *keywords[] = {CLIP_KEYWORDS, NULL};
    ClipArgs a = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, CLIP_FORMAT ":frame_count", keywords,
                                     CLIP_POINTERS(a)))
        return NULL;
    FvSettings s;
    uint64_t clip;
    if (settings_from_args(&a, &s, &clip))
        return NULL;
    return PyLong_FromUnsignedLong(fv_clip_frame_count(&s, clip));
}

static PyMethodDef module_methods[] = {
    {"frame_count", (PyCFunction)(void (*)(void))frame_count, METH_VARARGS | METH_KEYWORDS,
     "frame_count(class_id=0, seed=0, clip=0, *, size=256, frames=0, class_seed=0,\n"
     "            motion='nonlinear', variation='auto', density=14.26, effects=None,\n"
     "            augment_seed=0)\n--\n\n"
     "Frames of the clip render() would give for these arguments, without rendering."},
    {NULL, NULL, 0, NULL},
};

static PyObject *names_tuple(const char *(*name)(int), int count)
{
    PyObject *t = PyTuple_New(count);
    for (int i = 0; t && i < count; i++) {
        PyObject *s = PyUnicode_FromString(name(i));
        if (!s) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

/* Add obj (a new reference, or NULL after an error) to module as name. */
static int add_new(PyObject *module, const char *name, PyObject *obj)
{
    if (!obj)
        return -1;
    int err = PyModule_AddObjectRef(module, name, obj);
    Py_DECREF(obj);
    return err;
}

static int module_exec(PyObject *module)
{
    ModuleState *st = module_state(module);
    PyObject *numpy = PyImport_ImportModule("numpy");
    if (!numpy)
        return -1;
    st->numpy_empty = PyObject_GetAttrString(numpy, "empty");
    Py_DECREF(numpy);
    if (!st->numpy_empty)
        return -1;
    st->cancelled = PyErr_NewExceptionWithDoc("fractalvid.RenderCancelled",
                                              "A render stopped by Renderer.cancel().",
                                              PyExc_RuntimeError, NULL);
    if (!st->cancelled || PyModule_AddObjectRef(module, "RenderCancelled", st->cancelled))
        return -1;
    st->renderer_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Renderer_spec, NULL);
    if (!st->renderer_type ||
        PyModule_AddObjectRef(module, "Renderer", (PyObject *)st->renderer_type))
        return -1;
    if (PyModule_AddStringConstant(module, "__version__", FV_VERSION) ||
        PyModule_AddStringConstant(module, "GENERATOR_VERSION", FV_GENERATOR_VERSION) ||
        PyModule_AddIntConstant(module, "MIN_SIZE", FV_MIN_SIZE) ||
        PyModule_AddIntConstant(module, "MAX_SIZE", FV_MAX_SIZE) ||
        PyModule_AddIntConstant(module, "MAX_FRAMES", FV_MAX_CLIP_FRAMES) ||
        PyModule_AddIntConstant(module, "MAX_THREADS", MAX_THREADS) ||
        add_new(module, "DEFAULT_DENSITY", PyFloat_FromDouble(FV_DEFAULT_DENSITY)) ||
        add_new(module, "MIN_DENSITY", PyFloat_FromDouble(FV_MIN_DENSITY)) ||
        add_new(module, "MAX_DENSITY", PyFloat_FromDouble(FV_MAX_DENSITY)) ||
        add_new(module, "MOTIONS", names_tuple(fv_motion_name, FV_NUM_MOTIONS)) ||
        add_new(module, "VARIATIONS", names_tuple(fv_variation_name, FV_NUM_VARIATIONS)) ||
        add_new(module, "EFFECTS", names_tuple(fv_effect_name, FV_NUM_EFFECTS)))
        return -1;
    return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
    ModuleState *st = module_state(module);
    Py_VISIT(st->cancelled);
    Py_VISIT(st->numpy_empty);
    Py_VISIT(st->renderer_type);
    return 0;
}

static int module_clear(PyObject *module)
{
    ModuleState *st = module_state(module);
    Py_CLEAR(st->cancelled);
    Py_CLEAR(st->numpy_empty);
    Py_CLEAR(st->renderer_type);
    return 0;
}

static void module_free(void *module)
{
    module_clear(module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "fractalvid._fractalvid",
    .m_doc = "The binding of libfractalvid; use the fractalvid package.",
    .m_size = sizeof(ModuleState),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__fractalvid(void)
{
    return PyModuleDef_Init(&module_def);
}
