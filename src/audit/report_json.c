/* The report as JSON, in one stable shape (data/schemas/audit-report.schema.json) that
 * laboratories' tools and device makers' CI read. cJSON escapes every string; evidence is
 * already valid UTF-8 without control characters (evidence.c). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

/* cJSON reports allocation failure by NULL returns; every add below is checked. */
static int add_string(cJSON *obj, const char *name, const char *value)
{
    return cJSON_AddStringToObject(obj, name, value != NULL ? value : "") != NULL;
}

static cJSON *counts_json(const keel_audit_counts *c)
{
    cJSON *obj = cJSON_CreateObject();

    for (int v = 0; obj != NULL && v < KEEL_AUDIT_VERDICT_COUNT; v++) {
        if (cJSON_AddNumberToObject(obj, keel_audit_verdict_name((keel_audit_verdict)v),
                                    (double)c->n[v]) == NULL)
            goto fail;
    }
    if (obj != NULL && cJSON_AddNumberToObject(obj, "total", (double)c->total) != NULL)
        return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

static cJSON *summary_json(const keel_audit_report *r)
{
    keel_audit_summary s;
    cJSON *obj = cJSON_CreateObject();
    cJSON *all, *mandatory;

    if (obj == NULL || keel_audit_summarize(r, NULL, &s) != KEEL_OK)
        goto fail;
    all = counts_json(&s.all);
    if (all == NULL || !cJSON_AddItemToObject(obj, "all", all)) {
        cJSON_Delete(all);
        goto fail;
    }
    mandatory = counts_json(&s.mandatory);
    if (mandatory == NULL || !cJSON_AddItemToObject(obj, "mandatory", mandatory)) {
        cJSON_Delete(mandatory);
        goto fail;
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

static cJSON *test_json(const keel_audit_test *t)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON *ev;

    if (obj == NULL || !add_string(obj, "id", t->id) ||
        !add_string(obj, "kind", keel_audit_kind_name(t->kind)) ||
        !add_string(obj, "verdict", keel_audit_verdict_name(t->verdict)))
        goto fail;
    ev = cJSON_AddArrayToObject(obj, "evidence");
    if (ev == NULL)
        goto fail;
    for (size_t i = 0; i < t->evidence_count; i++) {
        cJSON *line = cJSON_CreateString(t->evidence[i]);
        if (line == NULL || !cJSON_AddItemToArray(ev, line)) {
            cJSON_Delete(line);
            goto fail;
        }
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

static cJSON *provision_json(const keel_audit_entry *e)
{
    const keel_provision *p = e->provision;
    cJSON *obj = cJSON_CreateObject();
    cJSON *tests;

    if (obj == NULL || !add_string(obj, "id", p->id) || !add_string(obj, "section", p->section) ||
        !add_string(obj, "status", p->status) ||
        cJSON_AddBoolToObject(obj, "mandatory", p->mandatory != 0) == NULL ||
        !add_string(obj, "requirement", p->requirement) ||
        !add_string(obj, "verdict", keel_audit_verdict_name(keel_audit_entry_verdict(e))))
        goto fail;
    tests = cJSON_AddArrayToObject(obj, "tests");
    if (tests == NULL)
        goto fail;
    for (size_t i = 0; i < e->test_count; i++) {
        cJSON *t = test_json(&e->tests[i]);
        if (t == NULL || !cJSON_AddItemToArray(tests, t)) {
            cJSON_Delete(t);
            goto fail;
        }
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

static keel_err add_header(cJSON *root, const keel_audit_report *r)
{
    char when[32];
    cJSON *tool;
    keel_err ret = keel_audit_format_time(r->generated, when, sizeof(when));

    if (ret != KEEL_OK)
        return ret;
    if (!add_string(root, "standard", "ETSI EN 303 645") ||
        !add_string(root, "version", keel_catalog_version_name(r->version)) ||
        !add_string(root, "target", r->target) || !add_string(root, "generated", when))
        return KEEL_ERR_NOMEM;
    tool = cJSON_AddObjectToObject(root, "tool");
    if (tool == NULL || !add_string(tool, "name", "keel audit") ||
        !add_string(tool, "version", KEEL_AUDIT_TOOL_VERSION))
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

static keel_err add_body(cJSON *root, const keel_audit_report *r)
{
    cJSON *summary = summary_json(r);
    cJSON *provisions;

    if (summary == NULL || !cJSON_AddItemToObject(root, "summary", summary)) {
        cJSON_Delete(summary);
        return KEEL_ERR_NOMEM;
    }
    provisions = cJSON_AddArrayToObject(root, "provisions");
    if (provisions == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < r->count; i++) {
        cJSON *p = provision_json(&r->entries[i]);
        if (p == NULL || !cJSON_AddItemToArray(provisions, p)) {
            cJSON_Delete(p);
            return KEEL_ERR_NOMEM;
        }
    }
    return KEEL_OK;
}

/* "sbom": the SBOM written beside the report (docs/sbom.md), when there is one. */
static keel_err add_sbom(cJSON *root, const keel_audit_report *r)
{
    cJSON *sbom, *sources;

    if (!r->sbom.present)
        return KEEL_OK;
    sbom = cJSON_AddObjectToObject(root, "sbom");
    if (sbom == NULL || !add_string(sbom, "path", KEEL_AUDIT_SBOM_FILE) ||
        !add_string(sbom, "format", "CycloneDX 1.5") ||
        cJSON_AddNumberToObject(sbom, "components", (double)r->sbom.components) == NULL)
        return KEEL_ERR_NOMEM;
    sources = cJSON_AddArrayToObject(sbom, "sources");
    if (sources == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < r->sbom.source_count && i < 8; i++) {
        cJSON *s = cJSON_CreateString(r->sbom.sources[i]);
        if (s == NULL || !cJSON_AddItemToArray(sources, s)) {
            cJSON_Delete(s);
            return KEEL_ERR_NOMEM;
        }
    }
    return KEEL_OK;
}

keel_err keel_audit_render_json(const keel_audit_report *r, char **out, size_t *len)
{
    cJSON *root = NULL;
    char *text = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (r == NULL || out == NULL || len == NULL)
        goto out;
    *out = NULL;
    *len = 0;
    ret = KEEL_ERR_NOMEM;
    root = cJSON_CreateObject();
    if (root == NULL)
        goto out;
    ret = add_header(root, r);
    if (ret == KEEL_OK)
        ret = add_body(root, r);
    if (ret == KEEL_OK)
        ret = add_sbom(root, r);
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

keel_err keel_audit_write_json(const keel_audit_report *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (r == NULL || path == NULL)
        return ret;
    ret = keel_audit_render_json(r, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0644);
    free(text);
    return ret;
}
