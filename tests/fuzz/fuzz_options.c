/* libFuzzer target: the one grammar of option values (core/parse.c), which the fractal:// URI,
 * fractalvid-render, the server and the Python binding share. Any text: no crash, no
 * undefined behaviour, and what is accepted is exactly the grammar, in range, and reads back
 * the same when printed. */
#include "fractalvid.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* The integer grammar, written another way: '-'? then one or more digits. */
static int integer_text(const char *t)
{
    size_t n = strlen(t), i = t[0] == '-';
    if (i == n)
        return 0;
    return strspn(t + i, "0123456789") == n - i;
}

/* The number grammar, another way: sign, mantissa with at least one digit, exponent. */
static int number_text(const char *t)
{
    const char *p = t + (*t == '-');
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        digits += frac;
        p += 1 + frac;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        p += *p == '+' || *p == '-';
        size_t e = strspn(p, "0123456789");
        if (!e)
            return 0;
        p += e;
    }
    return *p == '\0';
}

static void check_int(const char *text, int64_t lo, int64_t hi)
{
    int64_t v = 0;
    int err = fv_parse_int(text, lo, hi, &v);
    CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
    CHECK((err != -EINVAL) == integer_text(text));
    if (err == 0) {
        CHECK(v >= lo && v <= hi);
        char again[32];
        int64_t w = 0;
        snprintf(again, sizeof(again), "%" PRId64, v);
        CHECK(fv_parse_int(again, lo, hi, &w) == 0 && w == v);
    }
}

static void check_uint(const char *text, uint64_t lo, uint64_t hi)
{
    uint64_t v = 0;
    int err = fv_parse_uint(text, lo, hi, &v);
    CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
    CHECK((err != -EINVAL) == integer_text(text));
    if (err == 0) {
        CHECK(text[0] != '-' && v >= lo && v <= hi);
        char again[32];
        uint64_t w = 0;
        snprintf(again, sizeof(again), "%" PRIu64, v);
        CHECK(fv_parse_uint(again, lo, hi, &w) == 0 && w == v);
    }
}

static void check_number(const char *text, double lo, double hi)
{
    double v = NAN;
    int err = fv_parse_number(text, lo, hi, &v);
    CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
    CHECK((err != -EINVAL) == number_text(text));
    if (err == 0) {
        CHECK(isfinite(v) && v >= lo && v <= hi);
        char again[64];
        double w = NAN;
        snprintf(again, sizeof(again), "%.17g", v); /* the fuzzer runs in the C locale */
        CHECK(fv_parse_number(again, lo, hi, &w) == 0 && w == v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* the first byte picks an option and ranges; the rest, up to a NUL, is the text */
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const unsigned pick = data[0];

    check_int(text, INT64_MIN, INT64_MAX);
    check_int(text, -1, pick);
    check_uint(text, 0, UINT64_MAX);
    check_uint(text, pick % 3, pick);
    check_number(text, -1e308, 1e308);
    check_number(text, FV_MIN_DENSITY, FV_MAX_DENSITY);
    int b = -1;
    int err = fv_parse_bool(text, &b);
    CHECK(err == 0 ? (b == 1) == !strcmp(text, "true") : err == -EINVAL);

    unsigned count = 0;
    while (fv_option_name(count))
        count++;
    const char *name = fv_option_name(pick % count);
    FvOptionValue v;
    err = fv_option_parse(name, text, &v);
    CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
    char allowed[2048];
    CHECK(fv_option_allowed(name, allowed, sizeof(allowed)) == 0);
    /* a value accepted by name sets the settings the same way, and they validate */
    FvSettings s;
    fv_default_settings(&s);
    int set = fv_settings_set(&s, name, text);
    CHECK(set == err || set == -ENOENT);
    if (set == 0)
        CHECK(fv_settings_validate(&s, NULL) == 0);
    free(text);
    return 0;
}
