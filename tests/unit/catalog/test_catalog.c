/*
 * The provision catalog as the library serves it: the counts the standard gives (V2.1.1:
 * 68 provisions, 33 M and 35 R; V3.1.3: 78, 36 M and 42 R), well-formed unique IDs, and the
 * look-ups including their NULL and out-of-range answers.
 */
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "keel/catalog.h"

/* The grammar written independently of src/catalog/tsv.c, so that a mistake in one is caught
 * by the other. */
#define ID_RE "^(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2}))?-[1-9][0-9]{0,2}[A-Z]?$"
#define STATUS_RE                                                                                  \
    "^[MR]( (C \\([1-9][0-9]?(, [1-9][0-9]?)*\\)|F \\([a-z]{1,2}(, [a-z]{1,2})*\\)|"               \
    "C F \\([1-9][0-9]?(, [1-9][0-9]?)*(, [a-z]{1,2})+\\)))?$"

typedef struct counts {
    size_t total;
    size_t mandatory;
    size_t recommended;
} counts;

static counts count_of(keel_catalog_version v)
{
    counts c = {0, 0, 0};
    const keel_provision *p;

    for (size_t i = 0; (p = keel_catalog_at(v, i)) != NULL; i++) {
        c.total++;
        if (p->mandatory)
            c.mandatory++;
        else
            c.recommended++;
    }
    return c;
}

static void test_counts_v2(void **state)
{
    counts c = count_of(KEEL_EN303645_V2_1_1);

    (void)state;
    assert_int_equal(c.total, 68);
    assert_int_equal(c.mandatory, 33);
    assert_int_equal(c.recommended, 35);
    assert_int_equal(keel_catalog_count(KEEL_EN303645_V2_1_1), c.total);
}

static void test_counts_v3(void **state)
{
    counts c = count_of(KEEL_EN303645_V3_1_3);

    (void)state;
    assert_int_equal(c.total, 78);
    assert_int_equal(c.mandatory, 36);
    assert_int_equal(c.recommended, 42);
    assert_int_equal(keel_catalog_count(KEEL_EN303645_V3_1_3), c.total);
}

static void check_provision(keel_catalog_version v, const keel_provision *p, const regex_t *id,
                            const regex_t *status)
{
    size_t section_len = strcspn(p->id, "-");

    assert_int_equal(regexec(id, p->id, 0, NULL, 0), 0);
    assert_int_equal(regexec(status, p->status, 0, NULL, 0), 0);
    /* The section is the part of the ID before "-", and the standard gives it a heading. */
    assert_int_equal(strlen(p->section), section_len);
    assert_memory_equal(p->section, p->id, section_len);
    assert_non_null(keel_catalog_section_title(v, p->section));
    assert_int_equal(p->mandatory, p->status[0] == 'M');
    /* A condition is stated exactly when the status depends on one. */
    assert_int_equal(p->condition[0] != '\0', p->status[1] != '\0');
    assert_true(strlen(p->requirement) > 0);
    assert_ptr_equal(keel_catalog_find(v, p->id), p);
}

static void check_version(keel_catalog_version v)
{
    regex_t id, status;
    size_t n = keel_catalog_count(v);

    assert_int_equal(regcomp(&id, ID_RE, REG_EXTENDED | REG_NOSUB), 0);
    assert_int_equal(regcomp(&status, STATUS_RE, REG_EXTENDED | REG_NOSUB), 0);
    for (size_t i = 0; i < n; i++) {
        const keel_provision *p = keel_catalog_at(v, i);
        assert_non_null(p);
        check_provision(v, p, &id, &status);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(keel_catalog_at(v, j)->id, p->id);
    }
    regfree(&id);
    regfree(&status);
}

static void test_ids_v2(void **state)
{
    (void)state;
    check_version(KEEL_EN303645_V2_1_1);
}

static void test_ids_v3(void **state)
{
    (void)state;
    check_version(KEEL_EN303645_V3_1_3);
}

static void test_order(void **state)
{
    (void)state;
    /* The standard's order: reporting first, data protection (clause 6) last. */
    assert_string_equal(keel_catalog_at(KEEL_EN303645_V2_1_1, 0)->id, "4-1");
    assert_string_equal(keel_catalog_at(KEEL_EN303645_V2_1_1, 67)->id, "6-5");
    assert_string_equal(keel_catalog_at(KEEL_EN303645_V3_1_3, 0)->id, "5.0-1");
    assert_string_equal(keel_catalog_at(KEEL_EN303645_V3_1_3, 77)->id, "6-8");
}

static void test_at_out_of_range(void **state)
{
    (void)state;
    assert_null(keel_catalog_at(KEEL_EN303645_V2_1_1, 68));
    assert_null(keel_catalog_at(KEEL_EN303645_V3_1_3, 78));
    assert_null(keel_catalog_at(KEEL_EN303645_V3_1_3, SIZE_MAX));
    assert_null(keel_catalog_at((keel_catalog_version)2, 0));
    assert_null(keel_catalog_at((keel_catalog_version)-1, 0));
    assert_int_equal(keel_catalog_count((keel_catalog_version)2), 0);
    assert_int_equal(keel_catalog_count((keel_catalog_version)-1), 0);
}

static void test_find(void **state)
{
    const keel_provision *p;

    (void)state;
    p = keel_catalog_find(KEEL_EN303645_V3_1_3, "5.3-4A");
    assert_non_null(p);
    assert_string_equal(p->section, "5.3");
    assert_string_equal(p->status, "R F (g)");
    assert_int_equal(p->mandatory, 0);
    p = keel_catalog_find(KEEL_EN303645_V3_1_3, "5.1-5");
    assert_non_null(p);
    assert_string_equal(p->status, "M C F (14, e)");
    assert_int_equal(p->mandatory, 1);
    p = keel_catalog_find(KEEL_EN303645_V2_1_1, "5.3-6");
    assert_non_null(p);
    assert_string_equal(p->status, "R C (9, 12)");
    p = keel_catalog_find(KEEL_EN303645_V2_1_1, "4-1");
    assert_non_null(p);
    assert_string_equal(p->section, "4");
    assert_string_equal(p->condition, "");
    /* Void in V3.1.3 (split into A and B), present in V2.1.1; and the reverse. */
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.3-4"));
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, "4-1"));
    assert_null(keel_catalog_find(KEEL_EN303645_V2_1_1, "5.3-4A"));
    assert_null(keel_catalog_find(KEEL_EN303645_V2_1_1, "5.0-1"));
    /* Exact match only. */
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.1-1 "));
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.1-"));
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, ""));
    assert_null(keel_catalog_find(KEEL_EN303645_V3_1_3, NULL));
    assert_null(keel_catalog_find((keel_catalog_version)7, "5.1-1"));
}

static void test_section_title(void **state)
{
    (void)state;
    assert_string_equal(keel_catalog_section_title(KEEL_EN303645_V2_1_1, "5.1"),
                        "No universal default passwords");
    assert_string_equal(keel_catalog_section_title(KEEL_EN303645_V2_1_1, "4"),
                        "Reporting implementation");
    assert_string_equal(keel_catalog_section_title(KEEL_EN303645_V3_1_3, "5.0"),
                        "Reporting implementation");
    assert_string_equal(keel_catalog_section_title(KEEL_EN303645_V3_1_3, "5.13"),
                        "Validate input data");
    assert_string_equal(keel_catalog_section_title(KEEL_EN303645_V3_1_3, "6"),
                        "Data protection provisions for consumer IoT");
    assert_null(keel_catalog_section_title(KEEL_EN303645_V3_1_3, "4"));
    assert_null(keel_catalog_section_title(KEEL_EN303645_V2_1_1, "5.0"));
    assert_null(keel_catalog_section_title(KEEL_EN303645_V3_1_3, "5.14"));
    assert_null(keel_catalog_section_title(KEEL_EN303645_V3_1_3, NULL));
    assert_null(keel_catalog_section_title((keel_catalog_version)2, "5.1"));
}

static void test_version_parse(void **state)
{
    keel_catalog_version v = KEEL_EN303645_V3_1_3;

    (void)state;
    assert_int_equal(keel_catalog_version_parse("2.1.1", &v), KEEL_OK);
    assert_int_equal(v, KEEL_EN303645_V2_1_1);
    assert_int_equal(keel_catalog_version_parse("V3.1.3", &v), KEEL_OK);
    assert_int_equal(v, KEEL_EN303645_V3_1_3);
    assert_int_equal(keel_catalog_version_parse("v2.1.1", &v), KEEL_OK);
    assert_int_equal(v, KEEL_EN303645_V2_1_1);
    v = KEEL_EN303645_V3_1_3;
    assert_int_equal(keel_catalog_version_parse("3.1.1", &v), KEEL_ERR_CATALOG_VERSION);
    assert_int_equal(keel_catalog_version_parse("2.1.1 ", &v), KEEL_ERR_CATALOG_VERSION);
    assert_int_equal(keel_catalog_version_parse("VV2.1.1", &v), KEEL_ERR_CATALOG_VERSION);
    assert_int_equal(keel_catalog_version_parse("", &v), KEEL_ERR_CATALOG_VERSION);
    assert_int_equal(v, KEEL_EN303645_V3_1_3); /* untouched on failure */
    assert_int_equal(keel_catalog_version_parse(NULL, &v), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_version_parse("2.1.1", NULL), KEEL_ERR_ARG);
    assert_string_equal(keel_strerror(KEEL_ERR_CATALOG_VERSION), "unknown EN 303 645 version");
}

static void test_version_name(void **state)
{
    (void)state;
    assert_string_equal(keel_catalog_version_name(KEEL_EN303645_V2_1_1), "2.1.1");
    assert_string_equal(keel_catalog_version_name(KEEL_EN303645_V3_1_3), "3.1.3");
    assert_string_equal(keel_catalog_version_name(KEEL_CATALOG_DEFAULT), "3.1.3");
    assert_null(keel_catalog_version_name((keel_catalog_version)2));
    assert_null(keel_catalog_version_name((keel_catalog_version)-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_v2),     cmocka_unit_test(test_counts_v3),
        cmocka_unit_test(test_ids_v2),        cmocka_unit_test(test_ids_v3),
        cmocka_unit_test(test_order),         cmocka_unit_test(test_at_out_of_range),
        cmocka_unit_test(test_find),          cmocka_unit_test(test_section_title),
        cmocka_unit_test(test_version_parse), cmocka_unit_test(test_version_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
