/* The report as SARIF 2.1.0 (OASIS), the format code-scanning dashboards and CI gates read:
 * one run of the tool "keel audit", a rule per test case the report holds (its ID the test
 * case ID, described by its provision's requirement) and a result per test case that did not
 * pass: FAIL ("error" for a mandatory provision, "warning" for a recommendation) and
 * INCONCLUSIVE ("note": someone must look). Results keep SARIF's default kind "fail", the only
 * kind that allows a level other than "none" (SARIF 2.1.0 3.27.10); the verdict is in the
 * result's properties. The device has no source file, so each result's location is a logical
 * one: the target. cJSON escapes every string; evidence is valid UTF-8 (evidence.c). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* cJSON reports allocation failure by NULL returns; every add below is checked. */
static int add_string(cJSON *obj, const char *name, const char *value)
{
    return cJSON_AddStringToObject(obj, name, value != NULL ? value : "") != NULL;
}

/* {"text": text} under name. */
static int add_message(cJSON *obj, const char *name, const char *text)
{
    cJSON *m = cJSON_AddObjectToObject(obj, name);
    return m != NULL && add_string(m, "text", text);
}

static const char *fail_level(const keel_provision *p)
{
    return p->mandatory ? "error" : "warning";
}

/* The SARIF level of a test case's verdict; NULL when it makes no result. */
static const char *result_level(const keel_provision *p, keel_audit_verdict v)
{
    if (v == KEEL_AUDIT_FAIL)
        return fail_level(p);
    if (v == KEEL_AUDIT_INCONCLUSIVE)
        return "note";
    return NULL;
}

static cJSON *rule_json(const keel_audit_entry *e, const keel_audit_test *t)
{
    const keel_provision *p = e->provision;
    cJSON *rule = cJSON_CreateObject();
    cJSON *config, *props;

    if (rule == NULL || !add_string(rule, "id", t->id) ||
        !add_message(rule, "shortDescription", p->requirement))
        goto fail;
    config = cJSON_AddObjectToObject(rule, "defaultConfiguration");
    if (config == NULL || !add_string(config, "level", fail_level(p)))
        goto fail;
    props = cJSON_AddObjectToObject(rule, "properties");
    if (props == NULL || !add_string(props, "provision", p->id) ||
        !add_string(props, "section", p->section) || !add_string(props, "status", p->status) ||
        !add_string(props, "kind", keel_audit_kind_name(t->kind)) ||
        cJSON_AddBoolToObject(props, "mandatory", p->mandatory != 0) == NULL)
        goto fail;
    return rule;
fail:
    cJSON_Delete(rule);
    return NULL;
}

/* The evidence lines joined by '\n', or a line saying there is none; the caller frees it. */
static char *evidence_text(const keel_audit_test *t)
{
    static const char none[] = "(no evidence recorded)";
    size_t len = 0, at = 0;
    char *text;

    if (t->evidence_count == 0)
        return strdup(none);
    for (size_t i = 0; i < t->evidence_count; i++)
        len += strlen(t->evidence[i]) + 1;
    text = malloc(len);
    if (text == NULL)
        return NULL;
    for (size_t i = 0; i < t->evidence_count; i++) {
        size_t n = strlen(t->evidence[i]);
        memcpy(text + at, t->evidence[i], n);
        at += n;
        text[at++] = i + 1 < t->evidence_count ? '\n' : '\0';
    }
    return text;
}

/* locations: [{"logicalLocations": [{"name": target, "fullyQualifiedName": target/provision}]}] */
static int add_location(cJSON *result, const keel_audit_report *r, const keel_provision *p)
{
    char qualified[KEEL_AUDIT_TARGET_MAX + KEEL_AUDIT_TEST_ID_MAX + 1];
    cJSON *locations = cJSON_AddArrayToObject(result, "locations");
    cJSON *location = cJSON_CreateObject();
    cJSON *logical, *where;

    if (locations == NULL || location == NULL || !cJSON_AddItemToArray(locations, location)) {
        cJSON_Delete(location);
        return 0;
    }
    logical = cJSON_AddArrayToObject(location, "logicalLocations");
    where = cJSON_CreateObject();
    if (logical == NULL || where == NULL || !cJSON_AddItemToArray(logical, where)) {
        cJSON_Delete(where);
        return 0;
    }
    return keel_str_format(qualified, sizeof(qualified), "%s/%s", r->target, p->id) == KEEL_OK &&
           add_string(where, "name", r->target) &&
           add_string(where, "fullyQualifiedName", qualified);
}

static cJSON *result_json(const keel_audit_report *r, const keel_audit_entry *e,
                          const keel_audit_test *t, int rule_index)
{
    cJSON *result = cJSON_CreateObject();
    char *text = evidence_text(t);
    cJSON *props;

    if (result == NULL || text == NULL || !add_string(result, "ruleId", t->id) ||
        cJSON_AddNumberToObject(result, "ruleIndex", rule_index) == NULL ||
        !add_string(result, "level", result_level(e->provision, t->verdict)) ||
        !add_message(result, "message", text) || !add_location(result, r, e->provision))
        goto fail;
    props = cJSON_AddObjectToObject(result, "properties");
    if (props == NULL || !add_string(props, "verdict", keel_audit_verdict_name(t->verdict)) ||
        !add_string(props, "provision", e->provision->id))
        goto fail;
    free(text);
    return result;
fail:
    free(text);
    cJSON_Delete(result);
    return NULL;
}

/* A rule per test case and a result per FAIL or INCONCLUSIVE one, in catalog order. */
static keel_err add_rules_and_results(cJSON *rules, cJSON *results, const keel_audit_report *r)
{
    int index = 0;

    for (size_t i = 0; i < r->count; i++) {
        const keel_audit_entry *e = &r->entries[i];

        for (size_t j = 0; j < e->test_count; j++, index++) {
            const keel_audit_test *t = &e->tests[j];
            cJSON *rule = rule_json(e, t), *result;

            if (rule == NULL || !cJSON_AddItemToArray(rules, rule)) {
                cJSON_Delete(rule);
                return KEEL_ERR_NOMEM;
            }
            if (result_level(e->provision, t->verdict) == NULL)
                continue;
            result = result_json(r, e, t, index);
            if (result == NULL || !cJSON_AddItemToArray(results, result)) {
                cJSON_Delete(result);
                return KEEL_ERR_NOMEM;
            }
        }
    }
    return KEEL_OK;
}

static cJSON *driver_json(void)
{
    cJSON *driver = cJSON_CreateObject();

    if (driver == NULL || !add_string(driver, "name", "keel audit") ||
        !add_string(driver, "version", KEEL_AUDIT_TOOL_VERSION) ||
        !add_string(driver, "semanticVersion", KEEL_AUDIT_TOOL_VERSION) ||
        cJSON_AddArrayToObject(driver, "rules") == NULL) {
        cJSON_Delete(driver);
        return NULL;
    }
    return driver;
}

/* invocations (when the audit ended, that it ran) and the run's properties. */
static keel_err add_run_facts(cJSON *run, const keel_audit_report *r, const char *when)
{
    cJSON *invocations = cJSON_AddArrayToObject(run, "invocations");
    cJSON *invocation = cJSON_CreateObject();
    cJSON *props;

    if (invocations == NULL || invocation == NULL ||
        !cJSON_AddItemToArray(invocations, invocation)) {
        cJSON_Delete(invocation);
        return KEEL_ERR_NOMEM;
    }
    if (cJSON_AddBoolToObject(invocation, "executionSuccessful", 1) == NULL ||
        !add_string(invocation, "endTimeUtc", when))
        return KEEL_ERR_NOMEM;
    props = cJSON_AddObjectToObject(run, "properties");
    if (props == NULL || !add_string(props, "standard", "ETSI EN 303 645") ||
        !add_string(props, "version", keel_catalog_version_name(r->version)) ||
        !add_string(props, "target", r->target))
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

static keel_err add_run(cJSON *root, const keel_audit_report *r, const char *when)
{
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    cJSON *run = cJSON_CreateObject();
    cJSON *tool, *driver, *results;

    if (runs == NULL || run == NULL || !cJSON_AddItemToArray(runs, run)) {
        cJSON_Delete(run);
        return KEEL_ERR_NOMEM;
    }
    tool = cJSON_AddObjectToObject(run, "tool");
    driver = driver_json();
    if (tool == NULL || driver == NULL || !cJSON_AddItemToObject(tool, "driver", driver)) {
        cJSON_Delete(driver);
        return KEEL_ERR_NOMEM;
    }
    results = cJSON_AddArrayToObject(run, "results");
    if (results == NULL)
        return KEEL_ERR_NOMEM;
    if (add_rules_and_results(cJSON_GetObjectItemCaseSensitive(driver, "rules"), results, r) !=
        KEEL_OK)
        return KEEL_ERR_NOMEM;
    return add_run_facts(run, r, when);
}

keel_err keel_audit_render_sarif(const keel_audit_report *r, char **out, size_t *len)
{
    cJSON *root = NULL;
    char *text = NULL;
    char when[32];
    keel_err ret = KEEL_ERR_ARG;

    if (r == NULL || out == NULL || len == NULL)
        goto out;
    *out = NULL;
    *len = 0;
    ret = keel_audit_format_time(r->generated, when, sizeof(when));
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    root = cJSON_CreateObject();
    if (root == NULL || !add_string(root, "$schema", SARIF_SCHEMA) ||
        !add_string(root, "version", "2.1.0"))
        goto out;
    ret = add_run(root, r, when);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    text = cJSON_Print(root);
    if (text == NULL)
        goto out;
    *len = strlen(text);
    *out = text;
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err keel_audit_write_sarif(const keel_audit_report *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (r == NULL || path == NULL)
        return KEEL_ERR_ARG;
    ret = keel_audit_render_sarif(r, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0644);
    free(text);
    return ret;
}
