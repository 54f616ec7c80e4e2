/* The ICS parser of keel audit (--ics) and the template of `keel audit init`: a filled-in
 * template is read whole; every malformed member is refused with the provision and the member
 * named; keeld's own ICS (docs/conformance/keeld-ics.json) parses and passes 5.0-1-1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ics.h"

/* The template of v with the device named and every support "Y". */
static cJSON *filled(keel_catalog_version v)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *root, *item, *device;

    assert_int_equal(keel_audit_ics_template(v, &text, &len), KEEL_OK);
    assert_int_equal(strlen(text), len);
    root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    device = cJSON_GetObjectItemCaseSensitive(root, "device");
    cJSON_ReplaceItemInObjectCaseSensitive(device, "manufacturer", cJSON_CreateString("Example"));
    cJSON_ReplaceItemInObjectCaseSensitive(device, "model", cJSON_CreateString("lock-1"));
    cJSON_ReplaceItemInObjectCaseSensitive(device, "software_version", cJSON_CreateString("1.0"));
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "provisions"))
        cJSON_ReplaceItemInObjectCaseSensitive(item, "support", cJSON_CreateString("Y"));
    return root;
}

static cJSON *provision(cJSON *root, const char *id)
{
    cJSON *item;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "provisions"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring, id) == 0)
            return item;
    }
    fail_msg("no provision %s in the template", id);
    return NULL;
}

static void set(cJSON *obj, const char *member, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, member) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, member, value);
    else
        cJSON_AddItemToObject(obj, member, value);
}

static keel_err parse_tree(cJSON *root, keel_audit_ics *ics, char *why, size_t whysz)
{
    char *text = cJSON_PrintUnformatted(root);
    keel_err err;

    assert_non_null(text);
    err = keel_audit_ics_parse(text, strlen(text), ics, why, whysz);
    cJSON_free(text);
    return err;
}

/* root must be refused with err and exactly says; it is deleted. */
static void refused(cJSON *root, keel_err err, const char *says)
{
    char why[KEEL_AUDIT_ICS_WHY_MAX];
    keel_audit_ics ics;

    assert_int_equal(parse_tree(root, &ics, why, sizeof(why)), err);
    if (strcmp(why, says) != 0)
        fail_msg("refused with '%s', expected '%s'", why, says);
    assert_null(ics.entries);
    assert_int_equal(ics.count, 0);
    cJSON_Delete(root);
}

static void refused_text(const char *text, const char *says)
{
    char why[KEEL_AUDIT_ICS_WHY_MAX];
    keel_audit_ics ics;

    assert_int_equal(keel_audit_ics_parse(text, strlen(text), &ics, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    if (strcmp(why, says) != 0)
        fail_msg("refused with '%s', expected '%s'", why, says);
    assert_null(ics.entries);
}

static void test_filled_template(void **state)
{
    static const keel_catalog_version versions[] = {KEEL_EN303645_V3_1_3, KEEL_EN303645_V2_1_1};
    char why[KEEL_AUDIT_ICS_WHY_MAX];

    (void)state;
    for (size_t k = 0; k < 2; k++) {
        cJSON *root = filled(versions[k]);
        keel_audit_ics ics;

        /* provisions in any order: the last one first */
        cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "provisions");
        cJSON *last = cJSON_DetachItemFromArray(list, cJSON_GetArraySize(list) - 1);
        cJSON_InsertItemInArray(list, 0, last);
        set(provision(root, keel_catalog_at(versions[k], 3)->id), "detail",
            cJSON_CreateString("apps/keeld/x.c"));
        assert_int_equal(parse_tree(root, &ics, why, sizeof(why)), KEEL_OK);
        assert_string_equal(why, "");
        assert_int_equal(ics.version, versions[k]);
        assert_int_equal(ics.count, keel_catalog_count(versions[k]));
        for (size_t i = 0; i < ics.count; i++) {
            assert_ptr_equal(ics.entries[i].provision, keel_catalog_at(versions[k], i));
            assert_int_equal(ics.entries[i].support, KEEL_AUDIT_SUPPORT_YES);
        }
        assert_string_equal(ics.entries[3].detail, "apps/keeld/x.c");
        assert_string_equal(ics.manufacturer, "Example");
        assert_string_equal(ics.hardware_version, "");
        assert_ptr_equal(keel_audit_ics_find(&ics, ics.entries[5].provision->id), &ics.entries[5]);
        keel_audit_ics_free(&ics);
        assert_null(ics.entries);
        cJSON_Delete(root);
    }
}

/* The template names every provision with its status and is refused until filled in. */
static void test_template(void **state)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *root;
    const keel_provision *p;

    (void)state;
    assert_int_equal(keel_audit_ics_template(KEEL_EN303645_V3_1_3, &text, &len), KEEL_OK);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "provisions")), 78);
    for (size_t i = 0; (p = keel_catalog_at(KEEL_EN303645_V3_1_3, i)) != NULL; i++) {
        cJSON *item =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "provisions"), (int)i);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring, p->id);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(item, "status")->valuestring,
                            p->status);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(item, "condition")->valuestring,
                            p->condition);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(item, "support")->valuestring, "");
    }
    cJSON_Delete(root);
    refused_text(text, "device.manufacturer: must not be empty");
    free(text);
    /* with the device named, the first provision's support is what stops it */
    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.0-1"), "support", cJSON_CreateString(""));
    refused(root, KEEL_ERR_PARSE,
            "provisions[0] (5.0-1).support: must be \"Y\", \"N\" or \"N/A\" (the template's \"\" "
            "is to be filled in)");
    assert_int_equal(keel_audit_ics_template((keel_catalog_version)7, &text, &len),
                     KEEL_ERR_CATALOG_VERSION);
    assert_null(text);
}

static void test_provision_refusals(void **state)
{
    cJSON *root, *list;

    (void)state;
    root = filled(KEEL_EN303645_V3_1_3);
    list = cJSON_GetObjectItemCaseSensitive(root, "provisions");
    cJSON_DeleteItemFromArray(list, 14);
    refused(root, KEEL_ERR_PARSE,
            "provisions: 5.3-4B is missing (an ICS lists every provision of EN 303 645 V3.1.3 "
            "exactly once)");

    root = filled(KEEL_EN303645_V3_1_3);
    list = cJSON_GetObjectItemCaseSensitive(root, "provisions");
    cJSON_DeleteItemFromArray(list, 14);
    cJSON_DeleteItemFromArray(list, 20);
    refused(root, KEEL_ERR_PARSE,
            "provisions: 5.3-4B is missing, and more (an ICS lists every provision of EN 303 645 "
            "V3.1.3 exactly once)");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.3-4A"), "id", cJSON_CreateString("5.3-4"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[13].id: \"5.3-4\" is not a provision of EN 303 645 V3.1.3");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.1-4"), "id", cJSON_CreateString("5.1-3"));
    refused(root, KEEL_ERR_PARSE, "provisions[5] (5.1-3).id: duplicate of provisions[4]");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.1-3"), "support", cJSON_CreateString("yes"));
    refused(root, KEEL_ERR_PARSE, "provisions[4] (5.1-3).support: must be \"Y\", \"N\" or \"N/A\"");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.1-3"), "support", cJSON_CreateTrue());
    refused(root, KEEL_ERR_PARSE, "provisions[4] (5.1-3).support: must be \"Y\", \"N\" or \"N/A\"");

    root = filled(KEEL_EN303645_V3_1_3);
    cJSON_DeleteItemFromObject(provision(root, "5.1-3"), "support");
    refused(root, KEEL_ERR_PARSE, "provisions[4] (5.1-3).support: missing");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.6-4B"), "support", cJSON_CreateString("N/A"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[45] (5.6-4B).justification: required when support is N/A (say why the "
            "condition or feature does not apply)");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.6-4B"), "justifcation", cJSON_CreateString("no port"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[45] (5.6-4B).justifcation: unknown member (a provision has id, support, "
            "detail, justification, and the help members status, condition, requirement)");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.2-1"), "status", cJSON_CreateString("R"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[7] (5.2-1).status: is \"M\" in EN 303 645 V3.1.3 (a read-only help "
            "member: leave it as keel audit init wrote it, or remove it)");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.2-1"), "requirement", cJSON_CreateNumber(1));
    refused(root, KEEL_ERR_PARSE, "provisions[7] (5.2-1).requirement: must be a string");

    root = filled(KEEL_EN303645_V3_1_3);
    set(provision(root, "5.2-1"), "detail", cJSON_CreateString("line one\nline two"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[7] (5.2-1).detail: must not hold control characters (one line)");

    root = filled(KEEL_EN303645_V3_1_3);
    {
        char big[KEEL_AUDIT_ICS_TEXT_MAX + 2];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        set(provision(root, "5.2-1"), "justification", cJSON_CreateString(big));
    }
    refused(root, KEEL_ERR_TOO_LARGE, "provisions[7] (5.2-1).justification: longer than 480 bytes");

    root = filled(KEEL_EN303645_V3_1_3);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(root, "provisions"),
                         cJSON_CreateString("5.1-1"));
    refused(root, KEEL_ERR_PARSE, "provisions[78]: must be an object");
}

static void test_top_refusals(void **state)
{
    cJSON *root;

    (void)state;
    root = filled(KEEL_EN303645_V3_1_3);
    set(root, "standard", cJSON_CreateString("EN 303 645"));
    refused(root, KEEL_ERR_PARSE, "standard: must be \"ETSI EN 303 645\"");

    root = filled(KEEL_EN303645_V3_1_3);
    set(root, "version", cJSON_CreateString("3.1.2"));
    refused(root, KEEL_ERR_PARSE, "version: must be \"3.1.3\" or \"2.1.1\"");

    /* a V3.1.3 list under version 2.1.1: the first V3-only ID is refused */
    root = filled(KEEL_EN303645_V3_1_3);
    set(root, "version", cJSON_CreateString("2.1.1"));
    refused(root, KEEL_ERR_PARSE,
            "provisions[0].id: \"5.0-1\" is not a provision of EN 303 645 V2.1.1");

    root = filled(KEEL_EN303645_V3_1_3);
    set(root, "ixit", cJSON_CreateObject());
    refused(root, KEEL_ERR_PARSE,
            "ixit: unknown member (an ICS has standard, version, device and provisions)");

    /* a member name is shown printable and cut */
    root = filled(KEEL_EN303645_V3_1_3);
    set(root, "\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", cJSON_CreateNull());
    refused(root, KEEL_ERR_PARSE,
            "?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: unknown member (an ICS has standard, "
            "version, device and provisions)");

    root = filled(KEEL_EN303645_V3_1_3);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(root, "device"), "model");
    refused(root, KEEL_ERR_PARSE, "device.model: missing");

    root = filled(KEEL_EN303645_V3_1_3);
    set(cJSON_GetObjectItemCaseSensitive(root, "device"), "serial", cJSON_CreateString("1"));
    refused(root, KEEL_ERR_PARSE,
            "device.serial: unknown member (a device has manufacturer, model, software_version "
            "and hardware_version)");

    root = filled(KEEL_EN303645_V3_1_3);
    cJSON_DeleteItemFromObject(root, "provisions");
    refused(root, KEEL_ERR_PARSE, "provisions: missing");

    refused_text("{\"standard\":\"ETSI EN 303 645\",\"standard\":\"ETSI EN 303 645\"}",
                 "standard: appears twice");
    refused_text("{\"standard\": \"ETSI EN 303 645\"", "not valid JSON");
    refused_text("{} {}", "not valid JSON: something follows the object");
    refused_text("[]", "must be a JSON object");
    /* cJSON would read "Y\u0000x" as "Y" */
    refused_text("{\"standard\":\"ETSI EN 303 645\\u0000x\"}", "holds an escaped NUL (\\u0000)");
}

static void test_bounds(void **state)
{
    char why[KEEL_AUDIT_ICS_WHY_MAX];
    keel_audit_ics ics;
    char *big = calloc(1, KEEL_AUDIT_ICS_FILE_MAX + 2);

    (void)state;
    assert_non_null(big);
    memset(big, ' ', KEEL_AUDIT_ICS_FILE_MAX + 1);
    assert_int_equal(keel_audit_ics_parse(big, KEEL_AUDIT_ICS_FILE_MAX + 1, &ics, why, sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "larger than 1048576 bytes");
    free(big);
    assert_int_equal(keel_audit_ics_parse(NULL, 0, &ics, why, sizeof(why)), KEEL_ERR_ARG);
    assert_int_equal(keel_audit_ics_load("/nonexistent/ics.json", &ics, why, sizeof(why)),
                     KEEL_ERR_IO);
    assert_string_equal(why, "no such file");
    assert_int_equal(keel_audit_ics_load("/", &ics, why, sizeof(why)), KEEL_ERR_IO);
    assert_string_equal(why, "not a regular file");
    keel_audit_ics_free(NULL);
}

static void test_na_allowed(void **state)
{
    (void)state;
    assert_true(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.1-1")));
    assert_true(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.1-5")));
    assert_true(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.3-14")));
    assert_true(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V2_1_1, "5.3-6")));
    assert_false(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.0-1")));
    assert_false(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V3_1_3, "5.2-2")));
    assert_false(keel_audit_ics_na_allowed(keel_catalog_find(KEEL_EN303645_V2_1_1, "5.8-3")));
    assert_false(keel_audit_ics_na_allowed(NULL));
}

/* keeld's own ICS: it parses, accounts for every provision as 5.0-1 asks, and declares N/A
 * only where a condition or feature allows it. */
static void test_keeld_ics(void **state)
{
    char path[4096], why[KEEL_AUDIT_ICS_WHY_MAX];
    const char *src = getenv("KEEL_SOURCE_DIR");
    keel_audit_evidence ev;
    keel_audit_ics ics;

    (void)state;
    assert_non_null(src);
    assert_true(snprintf(path, sizeof(path), "%s/docs/conformance/keeld-ics.json", src) <
                (int)sizeof(path));
    if (keel_audit_ics_load(path, &ics, why, sizeof(why)) != KEEL_OK)
        fail_msg("%s: %s", path, why);
    assert_int_equal(ics.version, KEEL_EN303645_V3_1_3);
    keel_audit_evidence_init(&ev);
    if (keel_audit_ics_judge(&ics, &ev) != KEEL_AUDIT_PASS) {
        for (size_t i = 0; i < ev.count; i++)
            print_message("%s\n", ev.lines[i]);
        fail_msg("5.0-1-1 does not PASS on keeld's ICS");
    }
    keel_audit_evidence_free(&ev);
    for (size_t i = 0; i < ics.count; i++) {
        const keel_audit_ics_entry *e = &ics.entries[i];
        /* honest and useful: Y says where, N and N/A say why */
        if (e->support == KEEL_AUDIT_SUPPORT_YES && e->detail[0] == '\0')
            fail_msg("%s: Y without a detail", e->provision->id);
        if (e->support != KEEL_AUDIT_SUPPORT_YES && e->justification[0] == '\0')
            fail_msg("%s: %s without a justification", e->provision->id,
                     keel_audit_support_name(e->support));
        if (e->support == KEEL_AUDIT_SUPPORT_NO && e->provision->mandatory)
            fail_msg("%s: a mandatory provision keel does not meet", e->provision->id);
    }
    keel_audit_ics_free(&ics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filled_template),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_provision_refusals),
        cmocka_unit_test(test_top_refusals),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_na_allowed),
        cmocka_unit_test(test_keeld_ics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
