/* The one grammar of option values (core/parse.c) that the URI, the CLI, the server and the
 * Python binding share: what it takes, what it refuses, and the ranges it names. */
#include "fractalvid.h"

#include <glib.h>

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void test_integers_are_plain_decimal(void)
{
    int64_t i = 42;
    uint64_t u = 42;
    g_assert_cmpint(fv_parse_int("-1", -1, 10, &i), ==, 0);
    g_assert_cmpint(i, ==, -1);
    g_assert_cmpint(fv_parse_int("007", 0, 10, &i), ==, 0); /* decimal, not octal */
    g_assert_cmpint(i, ==, 7);
    g_assert_cmpint(fv_parse_uint("18446744073709551615", 0, UINT64_MAX, &u), ==, 0);
    g_assert_cmpuint(u, ==, UINT64_MAX);
    g_assert_cmpint(fv_parse_int("-9223372036854775808", INT64_MIN, 0, &i), ==, 0);
    g_assert_cmpint(i, ==, INT64_MIN);

    static const char *const not_integers[] = {
        "",   "+1",  " 1", "1 ",  "0x10", "010x", "1e3", "1.0", "-",    "--1", "- 1",
        "1_000", "１", "max", "little_endian", "true", "1\n", "\t1", "0b1", "1,000",
    };
    for (size_t k = 0; k < G_N_ELEMENTS(not_integers); k++) {
        i = 42;
        u = 42;
        g_assert_cmpint(fv_parse_int(not_integers[k], INT64_MIN, INT64_MAX, &i), ==, -EINVAL);
        g_assert_cmpint(fv_parse_uint(not_integers[k], 0, UINT64_MAX, &u), ==, -EINVAL);
        g_assert_cmpint(i, ==, 42); /* untouched */
        g_assert_cmpuint(u, ==, 42);
    }
    /* numbers, but out of range */
    g_assert_cmpint(fv_parse_uint("-1", 0, UINT64_MAX, &u), ==, -ERANGE);
    g_assert_cmpint(fv_parse_uint("-0", 0, UINT64_MAX, &u), ==, -ERANGE);
    g_assert_cmpint(fv_parse_uint("18446744073709551616", 0, UINT64_MAX, &u), ==, -ERANGE);
    g_assert_cmpint(fv_parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &i), ==, -ERANGE);
    g_assert_cmpint(fv_parse_int("-9223372036854775809", INT64_MIN, INT64_MAX, &i), ==, -ERANGE);
    g_assert_cmpint(fv_parse_int("-2", -1, 10, &i), ==, -ERANGE);
    g_assert_cmpint(fv_parse_int("11", -1, 10, &i), ==, -ERANGE);
    g_assert_cmpint(fv_parse_uint("99999999999999999999999", 0, UINT64_MAX, &u), ==, -ERANGE);
    /* a stray character is a grammar error even after too many digits */
    g_assert_cmpint(fv_parse_uint("99999999999999999999999x", 0, UINT64_MAX, &u), ==, -EINVAL);
}

static void test_numbers_are_plain_decimal(void)
{
    static const struct {
        const char *text;
        double value;
    } good[] = {
        {"14.26", 14.26}, {"1", 1},       {"0.5", 0.5},     {".5", 0.5},   {"5.", 5},
        {"1e3", 1000},    {"1E3", 1000},  {"2.5e-1", 0.25}, {"1e+2", 100}, {"0001.50", 1.5},
        {"1000", 1000},   {"0.01", 0.01},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(good); k++) {
        double d = -1;
        g_assert_cmpint(fv_parse_number(good[k].text, 0.01, 1000, &d), ==, 0);
        g_assert_cmpfloat(d, ==, good[k].value);
    }
    static const char *const bad[] = {
        "",   " 1", "1 ",  "+1",   "0x1p3", "0x10", "inf", "nan", "-inf", "infinity", "1e",
        "e3", ".",  "1.2.3", "1e3.5", "1,5", "--1", "1e--3", "1d", "14.26f", "\t2", "٣",
    };
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
        double d = -1;
        g_assert_cmpint(fv_parse_number(bad[k], -1e300, 1e300, &d), ==, -EINVAL);
        g_assert_cmpfloat(d, ==, -1);
    }
    double d;
    g_assert_cmpint(fv_parse_number("0", 0.01, 1000, &d), ==, -ERANGE);
    g_assert_cmpint(fv_parse_number("-1", 0.01, 1000, &d), ==, -ERANGE);
    g_assert_cmpint(fv_parse_number("1000.001", 0.01, 1000, &d), ==, -ERANGE);
    g_assert_cmpint(fv_parse_number("1e999", -1e308, 1e308, &d), ==, -ERANGE); /* overflow */
    g_assert_cmpint(fv_parse_number("1e-999", 0.01, 1000, &d), ==, -ERANGE);
}

/* A locale whose decimal point is a comma: the system's, or one built with localedef into a
 * temporary LOCPATH. NULL when neither is possible. */
static const char *comma_locale(char **locpath)
{
    static const char *const names[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8"};
    for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
        if (setlocale(LC_NUMERIC, names[k]))
            return names[k];
    *locpath = g_dir_make_tmp("fv-locale-XXXXXX", NULL);
    if (!*locpath)
        return NULL;
    char *target = g_build_filename(*locpath, "de_DE.UTF-8", NULL);
    const char *argv[] = {"localedef", "-i", "de_DE", "-c", "-f", "UTF-8", target, NULL};
    gint status = -1;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL);
    g_free(target);
    g_setenv("LOCPATH", *locpath, TRUE);
    return setlocale(LC_NUMERIC, "de_DE.UTF-8") ? "de_DE.UTF-8" : NULL;
}

/* A user's locale with a decimal comma does not change what "14.25" means (fractalvid-render
 * runs in the user's locale). */
static void test_numbers_ignore_the_locale(void)
{
    char *saved = g_strdup(setlocale(LC_NUMERIC, NULL)), *locpath = NULL;
    const char *name = comma_locale(&locpath);
    if (!name || strcmp(localeconv()->decimal_point, ",") != 0) {
        g_test_skip("no locale with a decimal comma (localedef and de_DE sources missing)");
    } else {
        double d = 0;
        char printed[32];
        snprintf(printed, sizeof(printed), "%.2f", 14.25);
        g_assert_cmpstr(printed, ==, "14,25"); /* the locale is in force */
        g_assert_cmpint(fv_parse_number("14.25", 0, 100, &d), ==, 0);
        g_assert_cmpfloat(d, ==, 14.25);
        g_assert_cmpint(fv_parse_number("14,25", 0, 100, &d), ==, -EINVAL);
    }
    setlocale(LC_NUMERIC, saved);
    g_free(saved);
    if (locpath) {
        char *argv[] = {"rm", "-rf", locpath, NULL};
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
        g_free(locpath);
    }
}

static void test_booleans_are_true_or_false(void)
{
    int b = -1;
    g_assert_cmpint(fv_parse_bool("true", &b), ==, 0);
    g_assert_cmpint(b, ==, 1);
    g_assert_cmpint(fv_parse_bool("false", &b), ==, 0);
    g_assert_cmpint(b, ==, 0);
    static const char *const bad[] = {"1", "0", "yes", "no", "TRUE", "True", " true", ""};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++)
        g_assert_cmpint(fv_parse_bool(bad[k], &b), ==, -EINVAL);
}

/* The shared options: names, ranges (one class range for every front end), enum names only. */
static void test_shared_options_and_their_ranges(void)
{
    FvOptionValue v;
    g_assert_cmpint(fv_option_parse("class", "2147483647", &v), ==, 0);
    g_assert_cmpint(v.i, ==, FV_MAX_CLASS);
    g_assert_cmpint(fv_option_parse("class", "2147483648", &v), ==, -ERANGE);
    g_assert_cmpint(fv_option_parse("class", "-2", &v), ==, -ERANGE);
    g_assert_cmpint(fv_option_parse("class", "max", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("class", "little_endian", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("seed", "0x10", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("seed", "18446744073709551615", &v), ==, 0);
    g_assert_cmpuint(v.u, ==, UINT64_MAX);
    g_assert_cmpint(fv_option_parse("first-clip", "18446744073709551615", &v), ==, 0);
    g_assert_cmpint(fv_option_parse("num-clips", "-1", &v), ==, 0);
    g_assert_cmpint(v.i, ==, -1);
    g_assert_cmpint(fv_option_parse("num-clips", "-2", &v), ==, -ERANGE);
    g_assert_cmpint(fv_option_parse("threads", "256", &v), ==, 0);
    g_assert_cmpint(fv_option_parse("threads", "257", &v), ==, -ERANGE);
    g_assert_cmpint(fv_option_parse("clip-frames", "100001", &v), ==, -ERANGE);
    g_assert_cmpint(fv_option_parse("density", "0x1p3", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("density", "1e3", &v), ==, 0);
    g_assert_cmpfloat(v.d, ==, 1000);
    g_assert_cmpint(fv_option_parse("motion", "linear", &v), ==, 0);
    g_assert_cmpint(v.i, ==, FV_MOTION_LINEAR);
    g_assert_cmpint(fv_option_parse("motion", "2", &v), ==, -EINVAL); /* names, not numbers */
    g_assert_cmpint(fv_option_parse("motion", "Linear", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("variation", "auto", &v), ==, 0);
    g_assert_cmpint(v.i, ==, FV_VARIATION_AUTO);
    g_assert_cmpint(fv_option_parse("variation", "-1", &v), ==, -EINVAL);
    g_assert_cmpint(fv_option_parse("bogus", "1", &v), ==, -ENOENT);
    g_assert_cmpint(fv_option_type("bogus"), ==, -ENOENT);

    /* every option has a type and says what it allows, with its range */
    unsigned n = 0;
    for (const char *name; (name = fv_option_name(n)); n++) {
        char allowed[512];
        g_assert_cmpint(fv_option_type(name), >=, 0);
        g_assert_cmpint(fv_option_allowed(name, allowed, sizeof(allowed)), ==, 0);
        g_assert_cmpuint(strlen(allowed), >, 5);
    }
    g_assert_cmpuint(n, ==, 12);
    char allowed[512];
    fv_option_allowed("class", allowed, sizeof(allowed));
    g_assert_nonnull(strstr(allowed, "from -1 to 2147483647"));
    fv_option_allowed("density", allowed, sizeof(allowed));
    g_assert_nonnull(strstr(allowed, "from 0.01 to 1000"));
    fv_option_allowed("variation", allowed, sizeof(allowed));
    g_assert_nonnull(strstr(allowed, "horseshoe"));
    char tiny[8];
    g_assert_cmpint(fv_option_allowed("variation", tiny, sizeof(tiny)), ==, -ENOSPC);
    g_assert_cmpuint(strlen(tiny), ==, sizeof(tiny) - 1);
}

static void test_settings_set_by_name(void)
{
    FvSettings s;
    fv_default_settings(&s);
    g_assert_cmpint(fv_settings_set(&s, "class", "-1"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "seed", "7"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "class-seed", "9"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "motion", "static"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "variation", "swirl"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "clip-frames", "3"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "density", "2.5"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "width", "64"), ==, 0);
    g_assert_cmpint(fv_settings_set(&s, "height", "48"), ==, 0);
    g_assert_cmpint(s.class_id, ==, -1);
    g_assert_cmpuint(s.seed, ==, 7);
    g_assert_cmpuint(s.class_seed, ==, 9);
    g_assert_cmpint(s.motion, ==, FV_MOTION_STATIC);
    g_assert_cmpstr(fv_variation_name(s.variation), ==, "swirl");
    g_assert_cmpuint(s.clip_frames, ==, 3);
    g_assert_cmpfloat(s.density, ==, 2.5);
    g_assert_cmpuint(s.width, ==, 64);
    g_assert_cmpuint(s.height, ==, 48);
    g_assert_cmpint(fv_settings_validate(&s, NULL), ==, 0);
    /* a refused value leaves the settings as they were */
    g_assert_cmpint(fv_settings_set(&s, "seed", "+8"), ==, -EINVAL);
    g_assert_cmpuint(s.seed, ==, 7);
    g_assert_cmpint(fv_settings_set(&s, "threads", "2"), ==, -ENOENT);
    /* the core refuses a class outside the one range too */
    s.class_id = (int64_t)FV_MAX_CLASS + 1;
    const char *field = NULL;
    g_assert_cmpint(fv_settings_validate(&s, &field), ==, -EINVAL);
    g_assert_cmpstr(field, ==, "class");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/parse/integers-are-plain-decimal", test_integers_are_plain_decimal);
    g_test_add_func("/parse/numbers-are-plain-decimal", test_numbers_are_plain_decimal);
    g_test_add_func("/parse/numbers-ignore-the-locale", test_numbers_ignore_the_locale);
    g_test_add_func("/parse/booleans-are-true-or-false", test_booleans_are_true_or_false);
    g_test_add_func("/parse/shared-options-and-their-ranges", test_shared_options_and_their_ranges);
    g_test_add_func("/parse/settings-set-by-name", test_settings_set_by_name);
    return g_test_run();
}
