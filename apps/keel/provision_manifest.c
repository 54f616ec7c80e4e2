/* The batch manifest for the manufacturer's records: which devices were made and the
 * digests of their certificates. Public facts only: the label passwords exist only on the
 * labels and their hashes only in each device's secure store. */
#include <string.h>

#include <cjson/cJSON.h>

#include "provision.h"

static int add_entry(cJSON *array, const char *model, const struct provision_manifest_entry *e)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL)
        return 0;
    if (!cJSON_AddItemToArray(array, o)) {
        cJSON_Delete(o);
        return 0;
    }
    return cJSON_AddStringToObject(o, "serial", e->serial) != NULL &&
           cJSON_AddStringToObject(o, "model", model) != NULL &&
           cJSON_AddStringToObject(o, "identity_cert_sha256", e->identity_sha256) != NULL &&
           cJSON_AddStringToObject(o, "https_cert_sha256", e->https_sha256) != NULL &&
           cJSON_AddStringToObject(o, "created", e->created) != NULL;
}

keel_err provision_manifest_write(const char *dir, const char *model,
                                  const struct provision_manifest_entry *entries, size_t n)
{
    char path[PROVISION_PATH_MAX];
    cJSON *array = cJSON_CreateArray();
    char *text = NULL;
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", dir, PROVISION_MANIFEST_FILE);

    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if (array == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!add_entry(array, model, &entries[i]))
            goto out;
    }
    text = cJSON_Print(array);
    if (text == NULL)
        goto out;
    ret = keel_file_write_atomic(path, text, strlen(text), 0644);
out:
    cJSON_free(text);
    cJSON_Delete(array);
    return ret;
}
