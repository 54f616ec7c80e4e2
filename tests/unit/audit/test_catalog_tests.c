/* The catalog of test cases (`keel audit list`, src/audit/catalog_tests.c) against the code:
 * every test case ID that src/audit records (a quoted "<provision>-<n>" in its sources) is
 * listed, every listed one is recorded somewhere, and each row is well formed: its provision
 * exists in every version it claims, IDs are unique, and the inputs are named. A new test case
 * that is not added to the catalog fails here, naming the file. */
#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog_tests.h"

#define FOUND_MAX 256
#define PATH_LEN 4096

/* A test case ID as the sources record it: "5.1-5-2", "5.3-4A-2", "6-3A-2", "4-1-1". */
#define ID_PATTERN "\"([4-6](\\.[0-9]+)?-[0-9]+[A-Z]?-[0-9]+)\""

typedef struct found {
    char id[FOUND_MAX][KEEL_AUDIT_TEST_ID_MAX];
    char file[FOUND_MAX][64];
    size_t n;
} found;

static void note(found *f, const char *id, size_t len, const char *file)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strlen(f->id[i]) == len && memcmp(f->id[i], id, len) == 0)
            return;
    }
    assert_true(f->n < FOUND_MAX && len < KEEL_AUDIT_TEST_ID_MAX);
    memcpy(f->id[f->n], id, len);
    f->id[f->n][len] = '\0';
    assert_int_equal(keel_str_copy(f->file[f->n], sizeof(f->file[0]), file), KEEL_OK);
    f->n++;
}

static void scan_file(const regex_t *re, const char *path, const char *name, found *f)
{
    char *text = NULL;
    size_t len = 0;
    regmatch_t m[2];

    assert_int_equal(keel_file_read(path, 16 * 1024 * 1024, &text, &len), KEEL_OK);
    for (const char *at = text; regexec(re, at, 2, m, 0) == 0; at += m[0].rm_eo)
        note(f, at + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so), name);
    keel_file_free(text, len);
}

/* Every quoted test case ID in src/audit/ *.c but the catalog itself. */
static void scan_sources(found *f)
{
    char dir[PATH_LEN], path[PATH_LEN];
    const char *src = getenv("KEEL_SOURCE_DIR");
    struct dirent *d;
    regex_t re;
    DIR *dp;

    assert_non_null(src);
    assert_int_equal(regcomp(&re, ID_PATTERN, REG_EXTENDED), 0);
    assert_int_equal(keel_str_format(dir, sizeof(dir), "%s/src/audit", src), KEEL_OK);
    dp = opendir(dir);
    assert_non_null(dp);
    f->n = 0;
    while ((d = readdir(dp)) != NULL) {
        size_t n = strlen(d->d_name);
        if (n < 3 || strcmp(d->d_name + n - 2, ".c") != 0 ||
            strcmp(d->d_name, "catalog_tests.c") == 0)
            continue;
        assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", dir, d->d_name), KEEL_OK);
        scan_file(&re, path, d->d_name, f);
    }
    closedir(dp);
    regfree(&re);
}

static int listed(const char *id)
{
    return keel_audit_test_case_find(KEEL_EN303645_V3_1_3, id) != NULL ||
           keel_audit_test_case_find(KEEL_EN303645_V2_1_1, id) != NULL;
}

static void test_code_and_catalog_agree(void **state)
{
    static found f;
    const keel_audit_test_case *t;

    (void)state;
    scan_sources(&f);
    /* the scan sees what it must: a sanity floor against a pattern that matches nothing */
    assert_true(f.n >= 30);
    for (size_t i = 0; i < f.n; i++) {
        if (!listed(f.id[i]))
            fail_msg("src/audit/%s records test case %s, which src/audit/catalog_tests.c does "
                     "not list (keel audit list, and the ICS's N/A, would miss it)",
                     f.file[i], f.id[i]);
    }
    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++) {
        int seen = 0;
        for (size_t j = 0; j < f.n && !seen; j++)
            seen = strcmp(f.id[j], t->id) == 0;
        if (!seen)
            fail_msg("src/audit/catalog_tests.c lists %s, which no file of src/audit records",
                     t->id);
    }
}

static void test_rows(void **state)
{
    static const keel_catalog_version versions[] = {KEEL_EN303645_V2_1_1, KEEL_EN303645_V3_1_3};
    char prov[KEEL_AUDIT_TEST_ID_MAX];
    const keel_audit_test_case *t;

    (void)state;
    assert_true(keel_audit_test_case_count() > 0);
    assert_null(keel_audit_test_case_at(keel_audit_test_case_count()));
    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++) {
        int reads_ixit = ((t->needs | t->optional) & KEEL_AUDIT_INPUT_IXIT) != 0;

        assert_int_equal(keel_audit_test_case_provision(t->id, prov, sizeof(prov)), KEEL_OK);
        assert_true(t->versions != 0 && (t->versions & ~KEEL_AUDIT_IN_BOTH) == 0);
        assert_true(t->needs != 0 && (t->needs & t->optional) == 0);
        assert_non_null(keel_audit_kind_name(t->kind));
        assert_true(strlen(t->checks) > 10 && strlen(t->checks) <= 110);
        if (reads_ixit != (t->ixit[0] != NULL))
            fail_msg("%s: IXIT members listed without --ixit, or --ixit without members", t->id);
        for (size_t k = 0; k < 2; k++) {
            if (!keel_audit_test_case_in(t, versions[k]))
                continue;
            if (keel_catalog_find(versions[k], prov) == NULL)
                fail_msg("%s: %s is not a provision of V%s", t->id, prov,
                         keel_catalog_version_name(versions[k]));
            if (keel_audit_test_case_find(versions[k], t->id) != t)
                fail_msg("%s listed twice for V%s", t->id, keel_catalog_version_name(versions[k]));
        }
    }
    for (unsigned bit = 1; bit < (1u << KEEL_AUDIT_INPUT_COUNT); bit <<= 1)
        assert_non_null(keel_audit_input_name(bit));
    assert_null(keel_audit_input_name(1u << KEEL_AUDIT_INPUT_COUNT));
    assert_null(keel_audit_input_name(KEEL_AUDIT_INPUT_LIVE | KEEL_AUDIT_INPUT_ICS));
}

static void test_versions_and_ids(void **state)
{
    char prov[KEEL_AUDIT_TEST_ID_MAX];

    (void)state;
    /* the conceptual test case of 4-1 / 5.0-1 has each version's own ID */
    assert_non_null(keel_audit_test_case_find(KEEL_EN303645_V3_1_3, "5.0-1-1"));
    assert_null(keel_audit_test_case_find(KEEL_EN303645_V2_1_1, "5.0-1-1"));
    assert_non_null(keel_audit_test_case_find(KEEL_EN303645_V2_1_1, "4-1-1"));
    assert_non_null(keel_audit_test_case_find(KEEL_EN303645_V3_1_3, "5.6-4A-2"));
    assert_null(keel_audit_test_case_find(KEEL_EN303645_V3_1_3, "5.6-4-2"));
    assert_null(keel_audit_test_case_find(KEEL_EN303645_V3_1_3, NULL));
    assert_int_equal(keel_audit_test_case_provision("5.3-4A-2", prov, sizeof(prov)), KEEL_OK);
    assert_string_equal(prov, "5.3-4A");
    assert_int_equal(keel_audit_test_case_provision("5.3-4A", prov, sizeof(prov)), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_test_case_provision("-2", prov, sizeof(prov)), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_test_case_provision("5.13-1B-2", prov, 6), KEEL_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_and_catalog_agree),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_versions_and_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
