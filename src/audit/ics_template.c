/* The template of `keel audit init` (ics.h): every provision of one version, its status,
 * condition and requirement beside it as help, "support" left "" for the maker to fill in.
 * keel_audit_ics_parse refuses it until every support is filled in and the device named. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ics.h"

static cJSON *provision_object(const keel_provision *p)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || cJSON_AddStringToObject(o, "id", p->id) == NULL ||
        cJSON_AddStringToObject(o, "status", p->status) == NULL ||
        cJSON_AddStringToObject(o, "condition", p->condition) == NULL ||
        cJSON_AddStringToObject(o, "requirement", p->requirement) == NULL ||
        cJSON_AddStringToObject(o, "support", "") == NULL ||
        cJSON_AddStringToObject(o, "detail", "") == NULL ||
        cJSON_AddStringToObject(o, "justification", "") == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *template_object(keel_catalog_version v)
{
    cJSON *root = cJSON_CreateObject(), *device = NULL, *list = NULL;
    const keel_provision *p;

    if (root == NULL || cJSON_AddStringToObject(root, "standard", "ETSI EN 303 645") == NULL ||
        cJSON_AddStringToObject(root, "version", keel_catalog_version_name(v)) == NULL ||
        (device = cJSON_AddObjectToObject(root, "device")) == NULL ||
        cJSON_AddStringToObject(device, "manufacturer", "") == NULL ||
        cJSON_AddStringToObject(device, "model", "") == NULL ||
        cJSON_AddStringToObject(device, "software_version", "") == NULL ||
        cJSON_AddStringToObject(device, "hardware_version", "") == NULL ||
        (list = cJSON_AddArrayToObject(root, "provisions")) == NULL)
        goto fail;
    for (size_t i = 0; (p = keel_catalog_at(v, i)) != NULL; i++) {
        cJSON *item = provision_object(p);
        if (item == NULL || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            goto fail;
        }
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

keel_err keel_audit_ics_template(keel_catalog_version v, char **out, size_t *len)
{
    cJSON *root;
    char *text = NULL;
    size_t n;
    keel_err ret = KEEL_ERR_NOMEM;

    if (out == NULL || len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *len = 0;
    if (keel_catalog_count(v) == 0)
        return KEEL_ERR_CATALOG_VERSION;
    root = template_object(v);
    if (root == NULL || (text = cJSON_Print(root)) == NULL)
        goto out;
    n = strlen(text);
    *out = malloc(n + 2);
    if (*out == NULL)
        goto out;
    memcpy(*out, text, n);
    (*out)[n] = '\n';
    (*out)[n + 1] = '\0';
    *len = n + 1;
    ret = KEEL_OK;
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return ret;
}
