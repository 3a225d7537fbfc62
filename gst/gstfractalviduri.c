/* fractalvid: fractal:// URIs (see gstfractalviduri.h). */

#include "gstfractalviduri.h"

#include "fractalvid.h"

#include <string.h>

static gboolean key_allowed(const gchar *const *keys, const gchar *key)
{
    return g_strv_contains(keys, key);
}

/* What a valid value of pspec looks like, for error messages: the core's words for the
 * options every front end shares, the property's range otherwise. */
static gchar *describe_values(GParamSpec *pspec)
{
    gchar shared[1024];

    if (fv_option_allowed(g_param_spec_get_name(pspec), shared, sizeof shared) == 0)
        return g_strdup(shared);
    if (G_IS_PARAM_SPEC_INT(pspec)) {
        GParamSpecInt *p = G_PARAM_SPEC_INT(pspec);
        return g_strdup_printf("an integer from %d to %d", p->minimum, p->maximum);
    }
    if (G_IS_PARAM_SPEC_UINT(pspec)) {
        GParamSpecUInt *p = G_PARAM_SPEC_UINT(pspec);
        return g_strdup_printf("an integer from %u to %u", p->minimum, p->maximum);
    }
    if (G_IS_PARAM_SPEC_INT64(pspec)) {
        GParamSpecInt64 *p = G_PARAM_SPEC_INT64(pspec);
        return g_strdup_printf("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                               p->minimum, p->maximum);
    }
    if (G_IS_PARAM_SPEC_UINT64(pspec)) {
        GParamSpecUInt64 *p = G_PARAM_SPEC_UINT64(pspec);
        return g_strdup_printf("an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                               p->minimum, p->maximum);
    }
    if (G_IS_PARAM_SPEC_DOUBLE(pspec)) {
        GParamSpecDouble *p = G_PARAM_SPEC_DOUBLE(pspec);
        gchar lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup_printf("a number from %s to %s", g_ascii_dtostr(lo, sizeof lo, p->minimum),
                               g_ascii_dtostr(hi, sizeof hi, p->maximum));
    }
    if (G_IS_PARAM_SPEC_BOOLEAN(pspec))
        return g_strdup("true or false");
    if (G_IS_PARAM_SPEC_ENUM(pspec)) {
        GEnumClass *klass = G_PARAM_SPEC_ENUM(pspec)->enum_class;
        GString *names = g_string_new("one of ");
        for (guint i = 0; i < klass->n_values; i++)
            g_string_append_printf(names, "%s%s", i ? ", " : "", klass->values[i].value_nick);
        return g_string_free(names, FALSE);
    }
    if (GST_IS_PARAM_SPEC_FRACTION(pspec)) {
        GstParamSpecFraction *p = GST_PARAM_SPEC_FRACTION(pspec);
        return g_strdup_printf("N or N/D, from %d/%d to %d/%d", p->min_num, p->min_den, p->max_num,
                               p->max_den);
    }
    if (G_IS_PARAM_SPEC_FLAGS(pspec)) {
        GFlagsClass *klass = G_PARAM_SPEC_FLAGS(pspec)->flags_class;
        GString *names = g_string_new("names joined by + from ");
        for (guint i = 0; i < klass->n_values; i++)
            g_string_append_printf(names, "%s%s", i ? ", " : "", klass->values[i].value_nick);
        return g_string_free(names, FALSE);
    }
    return g_strdup("a valid value");
}

/* text as a value of pspec, in the core's one grammar (decimal integers and numbers,
 * true/false, enum names): not GStreamer's deserialisers, which take hex, enum nicks for
 * numbers ("max", "little_endian") and leading spaces. */
static gboolean parse_typed(GParamSpec *pspec, const gchar *text, GValue *value)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    gint64 i;
    guint64 u;
    gdouble d;
    gint b;

    if (G_TYPE_IS_FLAGS(type)) {
        /* names joined by '+', each a flag's name: no numbers, no spaces */
        GFlagsClass *klass = G_PARAM_SPEC_FLAGS(pspec)->flags_class;
        gchar **names = g_strsplit(text, "+", -1);
        guint flags = 0;
        gboolean ok = names[0] != NULL;
        for (gchar **n = names; ok && *n; n++) {
            GFlagsValue *v = g_flags_get_value_by_nick(klass, *n);
            if (v)
                flags |= v->value;
            else
                ok = FALSE;
        }
        g_strfreev(names);
        if (ok)
            g_value_set_flags(value, flags);
        return ok;
    }
    if (G_TYPE_IS_ENUM(type)) {
        /* names only: a number would pick a value by its C value, not its name */
        GEnumValue *v = g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(pspec)->enum_class, text);
        if (v)
            g_value_set_enum(value, v->value);
        return v != NULL;
    }
    switch (type) {
    case G_TYPE_BOOLEAN:
        if (fv_parse_bool(text, &b) != 0)
            return FALSE;
        g_value_set_boolean(value, b);
        return TRUE;
    case G_TYPE_INT:
        if (fv_parse_int(text, G_MININT, G_MAXINT, &i) != 0)
            return FALSE;
        g_value_set_int(value, (gint)i);
        return TRUE;
    case G_TYPE_INT64:
        if (fv_parse_int(text, G_MININT64, G_MAXINT64, &i) != 0)
            return FALSE;
        g_value_set_int64(value, i);
        return TRUE;
    case G_TYPE_UINT:
        if (fv_parse_uint(text, 0, G_MAXUINT, &u) != 0)
            return FALSE;
        g_value_set_uint(value, (guint)u);
        return TRUE;
    case G_TYPE_UINT64:
        if (fv_parse_uint(text, 0, G_MAXUINT64, &u) != 0)
            return FALSE;
        g_value_set_uint64(value, u);
        return TRUE;
    case G_TYPE_DOUBLE:
        if (fv_parse_number(text, -G_MAXDOUBLE, G_MAXDOUBLE, &d) != 0)
            return FALSE;
        g_value_set_double(value, d);
        return TRUE;
    default:
        break;
    }
    /* A fraction (a frame rate): N or N/D, each an integer of the grammar. */
    if (type == GST_TYPE_FRACTION) {
        const gchar *slash = strchr(text, '/');
        gchar *num = slash ? g_strndup(text, (gsize)(slash - text)) : g_strdup(text);
        gint64 n, d = 1;
        gboolean ok = fv_parse_int(num, 0, G_MAXINT, &n) == 0 &&
                      (!slash || fv_parse_int(slash + 1, 1, G_MAXINT, &d) == 0);

        g_free(num);
        if (ok)
            gst_value_set_fraction(value, (gint)n, (gint)d);
        return ok;
    }
    return FALSE;
}

/* Parse text as a value of pspec: the core's grammar (and, for the options every front end
 * shares, the core's range), then GLib's range check of the property. */
static gboolean parse_value(GParamSpec *pspec, const gchar *text, GValue *value, GError **error)
{
    const gchar *name = g_param_spec_get_name(pspec);
    FvOptionValue shared;
    gboolean ok;

    g_value_init(value, G_PARAM_SPEC_VALUE_TYPE(pspec));
    /* one range for every front end: the core's, which the property's repeats */
    ok = fv_option_type(name) < 0 || fv_option_parse(name, text, &shared) == 0;
    if (ok)
        ok = parse_typed(pspec, text, value);
    /* g_param_value_validate() returns TRUE when it had to change the value: out of range. */
    if (ok)
        ok = !g_param_value_validate(pspec, value);

    if (!ok) {
        gchar *expected = describe_values(pspec);
        g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                    "fractal URI: \"%s\" is not a valid %s (expected %s)", text,
                    g_param_spec_get_name(pspec), expected);
        g_free(expected);
        g_value_unset(value);
    }
    return ok;
}

gboolean gst_fractal_vid_uri_apply(GObject *object, const gchar *uri, const gchar *const *keys,
                                   GError **error)
{
    GObjectClass *klass = G_OBJECT_GET_CLASS(object);
    gchar *protocol = gst_uri_get_protocol(uri);
    gboolean scheme_ok = protocol && g_ascii_strcasecmp(protocol, GST_FRACTAL_VID_URI_SCHEME) == 0;
    const gchar *body;
    gchar **pairs;
    GArray *values;
    GPtrArray *names;
    gboolean ok = TRUE;

    g_free(protocol);
    if (!scheme_ok) {
        g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
                    "not a fractal URI: \"%s\" (expected fractal://key=value&...)", uri);
        return FALSE;
    }

    /* Accept fractal://k=v&k=v, fractal:k=v and fractal:///?k=v alike. */
    body = uri + strlen(GST_FRACTAL_VID_URI_SCHEME) + 1;
    while (*body == '/')
        body++;
    if (*body == '?')
        body++;

    values = g_array_new(FALSE, TRUE, sizeof(GValue));
    g_array_set_clear_func(values, (GDestroyNotify)g_value_unset);
    names = g_ptr_array_new_with_free_func(g_free);
    pairs = g_strsplit(body, "&", -1);

    for (gchar **pair = pairs; ok && *pair; pair++) {
        const gchar *eq = strchr(*pair, '=');
        gchar *key, *text;
        GParamSpec *pspec;
        GValue value = G_VALUE_INIT;

        if (**pair == '\0')
            continue;
        if (!eq) {
            g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                        "fractal URI: \"%s\" is not a key=value pair", *pair);
            ok = FALSE;
            break;
        }
        key = g_uri_unescape_segment(*pair, eq, NULL);
        text = g_uri_unescape_string(eq + 1, NULL);
        pspec = key ? g_object_class_find_property(klass, key) : NULL;
        if (!key || !text) {
            g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                        "fractal URI: bad escape in \"%s\"", *pair);
            ok = FALSE;
        } else if (!pspec || !key_allowed(keys, key)) {
            gchar *known = g_strjoinv(", ", (gchar **)keys);
            g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                        "fractal URI: unknown key \"%s\" (known keys: %s)", key, known);
            g_free(known);
            ok = FALSE;
        } else if (parse_value(pspec, text, &value, error)) {
            g_array_append_val(values, value);
            g_ptr_array_add(names, g_strdup(g_param_spec_get_name(pspec)));
        } else {
            ok = FALSE;
        }
        g_free(key);
        g_free(text);
    }

    if (ok) {
        /* Defaults first, then the URI's values: the URI describes the whole stream. */
        g_object_freeze_notify(object);
        for (const gchar *const *key = keys; *key; key++) {
            GParamSpec *pspec = g_object_class_find_property(klass, *key);
            GValue def = G_VALUE_INIT;

            g_value_init(&def, G_PARAM_SPEC_VALUE_TYPE(pspec));
            g_param_value_set_default(pspec, &def);
            g_object_set_property(object, *key, &def);
            g_value_unset(&def);
        }
        for (guint i = 0; i < values->len; i++)
            g_object_set_property(object, g_ptr_array_index(names, i),
                                  &g_array_index(values, GValue, i));
        g_object_thaw_notify(object);
    }

    g_strfreev(pairs);
    g_ptr_array_unref(names);
    g_array_unref(values);
    return ok;
}

/* A value as URI text: enum nicks, round-trip doubles, GStreamer's serialiser otherwise. */
static gchar *format_value(const GValue *value)
{
    if (G_VALUE_HOLDS_ENUM(value)) {
        GEnumClass *klass = g_type_class_ref(G_VALUE_TYPE(value));
        GEnumValue *v = g_enum_get_value(klass, g_value_get_enum(value));
        gchar *text = g_strdup(v ? v->value_nick : "");
        g_type_class_unref(klass);
        return text;
    }
    if (G_VALUE_HOLDS_FLAGS(value)) {
        /* nicks joined by '+', as parse_value reads them back ("none" for no flag) */
        GFlagsClass *klass = g_type_class_ref(G_VALUE_TYPE(value));
        guint flags = g_value_get_flags(value);
        GString *text = g_string_new(NULL);
        for (guint i = 0; i < klass->n_values; i++)
            if (klass->values[i].value && (flags & klass->values[i].value) == klass->values[i].value)
                g_string_append_printf(text, "%s%s", text->len ? "+" : "",
                                       klass->values[i].value_nick);
        g_type_class_unref(klass);
        if (!text->len)
            g_string_append(text, "0");
        return g_string_free(text, FALSE);
    }
    if (G_VALUE_HOLDS_DOUBLE(value)) {
        gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_dtostr(buf, sizeof buf, g_value_get_double(value)));
    }
    if (G_VALUE_HOLDS_BOOLEAN(value))
        return g_strdup(g_value_get_boolean(value) ? "true" : "false");
    return gst_value_serialize(value);
}

gchar *gst_fractal_vid_uri_build(GObject *object, const gchar *const *keys,
                                 const gchar *const *always_keys)
{
    GObjectClass *klass = G_OBJECT_GET_CLASS(object);
    GString *uri = g_string_new(GST_FRACTAL_VID_URI_SCHEME "://");
    gboolean first = TRUE;

    for (const gchar *const *key = keys; *key; key++) {
        GParamSpec *pspec = g_object_class_find_property(klass, *key);
        GValue value = G_VALUE_INIT;

        g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(pspec));
        g_object_get_property(object, *key, &value);
        if (g_strv_contains(always_keys, *key) || !g_param_value_defaults(pspec, &value)) {
            gchar *text = format_value(&value);
            g_string_append_printf(uri, "%s%s=", first ? "" : "&", *key);
            g_string_append_uri_escaped(uri, text, NULL, FALSE);
            g_free(text);
            first = FALSE;
        }
        g_value_unset(&value);
    }
    return g_string_free(uri, FALSE);
}
