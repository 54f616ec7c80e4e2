/* The device data directory written by keel provision: created private, never reused
 * over an existing identity, identity.json holding the password's hash and never the
 * password. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "provision.h"

#define PATH_MAX_LEN 4096

keel_err provision_model_check(const char *model)
{
    size_t n = strnlen(model, PROVISION_NAME_MAX + 1);

    if (n == 0 || n > PROVISION_NAME_MAX)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        char c = model[i];
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

static int exists_in(const char *dir, const char *name)
{
    char path[PATH_MAX_LEN];
    struct stat st;

    if (keel_str_format(path, sizeof(path), "%s/%s", dir, name) != KEEL_OK)
        return 1; /* cannot even name it: treat as present, refuse */
    return lstat(path, &st) == 0 || errno != ENOENT;
}

keel_err provision_dir_prepare(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) == 0)
        return chmod(dir, 0700) == 0 ? KEEL_OK : KEEL_ERR_IO;
    if (errno != EEXIST)
        return KEEL_ERR_IO;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return KEEL_ERR_PERM;
    if (exists_in(dir, PROVISION_IDENTITY_FILE) || exists_in(dir, PROVISION_KEY_FILE) ||
        exists_in(dir, PROVISION_CERT_FILE))
        return KEEL_ERR_EXISTS;
    return chmod(dir, 0700) == 0 ? KEEL_OK : KEEL_ERR_IO;
}

static keel_err identity_json(const struct provision_device *dev, char **out)
{
    cJSON *root = cJSON_CreateObject();
    keel_err ret = KEEL_ERR_NOMEM;

    *out = NULL;
    if (root == NULL || cJSON_AddNumberToObject(root, "format", 1) == NULL ||
        cJSON_AddStringToObject(root, "serial", dev->serial) == NULL ||
        cJSON_AddStringToObject(root, "model", dev->model) == NULL ||
        cJSON_AddStringToObject(root, "created", dev->created) == NULL ||
        cJSON_AddStringToObject(root, "password_hash", dev->password_hash) == NULL)
        goto out;
    *out = cJSON_Print(root);
    if (*out != NULL)
        ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err provision_identity_write(const char *dir, const struct provision_device *dev)
{
    char path[PATH_MAX_LEN];
    char *text = NULL;
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", dir, PROVISION_IDENTITY_FILE);

    if (ret != KEEL_OK)
        return ret;
    ret = identity_json(dev, &text);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, strlen(text), 0600);
    cJSON_free(text);
    return ret;
}
