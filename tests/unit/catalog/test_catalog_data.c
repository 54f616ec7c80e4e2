/*
 * The tables compiled into libkeel say exactly what data/en303645 says: every field of every
 * row, in the same order, and every heading. This catches a generator that drops, reorders
 * or mis-escapes anything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keel/catalog.h"
#include "tsv.h"

#define ROWS 256

typedef struct loaded {
    char *text;
    size_t len;
} loaded;

static loaded load(const char *name)
{
    const char *dir = getenv("KEEL_SOURCE_DIR");
    char path[4096];
    loaded l = {NULL, 0};

    assert_non_null(dir);
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/data/en303645/%s", dir, name),
                     KEEL_OK);
    assert_int_equal(keel_file_read(path, 1024 * 1024, &l.text, &l.len), KEEL_OK);
    return l;
}

static void assert_span(keel_catalog_tsv_text t, const char *s)
{
    if (!keel_catalog_tsv_equals(t, s))
        fail_msg("'%.*s' != '%s'", (int)t.len, t.ptr, s);
}

static void check_version(keel_catalog_version v, const char *file)
{
    static keel_catalog_tsv_provision rows[ROWS];
    keel_catalog_tsv_error err;
    loaded l = load(file);
    size_t n = 0;

    if (keel_catalog_tsv_provisions(l.text, l.len, rows, ROWS, &n, &err) != KEEL_OK)
        fail_msg("%s:%zu: %s", file, err.line, err.reason);
    assert_int_equal(keel_catalog_count(v), n);
    for (size_t i = 0; i < n; i++) {
        const keel_provision *p = keel_catalog_at(v, i);
        assert_non_null(p);
        assert_span(rows[i].id, p->id);
        assert_span(rows[i].section, p->section);
        assert_span(rows[i].status, p->status);
        assert_span(rows[i].condition, p->condition);
        assert_span(rows[i].requirement, p->requirement);
        assert_int_equal(rows[i].mandatory, p->mandatory);
    }
    keel_file_free(l.text, l.len);
}

static void test_v2(void **state)
{
    (void)state;
    check_version(KEEL_EN303645_V2_1_1, "v2.1.1.tsv");
}

static void test_v3(void **state)
{
    (void)state;
    check_version(KEEL_EN303645_V3_1_3, "v3.1.3.tsv");
}

static void test_headings(void **state)
{
    static keel_catalog_tsv_section rows[ROWS];
    keel_catalog_tsv_error err;
    loaded l = load("sections.tsv");
    size_t n = 0;

    (void)state;
    if (keel_catalog_tsv_sections(l.text, l.len, rows, ROWS, &n, &err) != KEEL_OK)
        fail_msg("sections.tsv:%zu: %s", err.line, err.reason);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        char version[16], section[16];
        keel_catalog_version v;
        const char *title;
        assert_true(rows[i].version.len < sizeof(version) && rows[i].section.len < sizeof(section));
        memcpy(version, rows[i].version.ptr, rows[i].version.len);
        version[rows[i].version.len] = '\0';
        memcpy(section, rows[i].section.ptr, rows[i].section.len);
        section[rows[i].section.len] = '\0';
        assert_int_equal(keel_catalog_version_parse(version, &v), KEEL_OK);
        title = keel_catalog_section_title(v, section);
        assert_non_null(title);
        assert_span(rows[i].title, title);
    }
    keel_file_free(l.text, l.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v3),
        cmocka_unit_test(test_headings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
