/* The device's trusted metadata: the first root installed at the factory, and reading back
 * what earlier refreshes verified. Each file is checked again whenever it is read, so a file
 * changed on flash is refused rather than believed (5.3-2). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client_private.h"

keel_err keel_update_trust_path(const char *trust_dir, const char *name,
                                char out[KEEL_UPDATE_PATH_MAX])
{
    if (trust_dir == NULL || name == NULL)
        return KEEL_ERR_ARG;
    return keel_str_format(out, KEEL_UPDATE_PATH_MAX, "%s/%s", trust_dir, name);
}

keel_err keel_update_trust_save(const char *trust_dir, const char *name, const void *data,
                                size_t len)
{
    char path[KEEL_UPDATE_PATH_MAX];
    keel_err ret = keel_update_trust_path(trust_dir, name, path);

    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, data, len, 0600);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: cannot write %s/%s: %s", trust_dir, name,
                 keel_strerror(ret));
    return ret;
}

keel_err keel_update_trust_remove(const char *trust_dir, const char *name)
{
    char path[KEEL_UPDATE_PATH_MAX];
    keel_err ret = keel_update_trust_path(trust_dir, name, path);

    if (ret != KEEL_OK)
        return ret;
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return KEEL_OK;
        keel_log(KEEL_LOG_ERROR, "update: cannot remove %s: %s", path, strerror(errno));
        return KEEL_ERR_IO;
    }
    return keel_file_sync_parent(path);
}

/* Read trust_dir/name whole, at most max bytes. */
static keel_err read_file(const char *trust_dir, const char *name, size_t max, char **data,
                          size_t *len)
{
    char path[KEEL_UPDATE_PATH_MAX];
    keel_err ret = keel_update_trust_path(trust_dir, name, path);

    if (ret != KEEL_OK)
        return ret;
    ret = keel_file_read(path, max, data, len);
    if (ret != KEEL_OK && ret != KEEL_ERR_NOT_FOUND)
        keel_log(KEEL_LOG_ERROR, "update: cannot read %s: %s", path, keel_strerror(ret));
    return ret;
}

keel_err keel_update_trust_load(const char *trust_dir, const char *name, size_t max,
                                const keel_update_root *root, keel_update_role role,
                                char **envelope, size_t *envelope_len, uint8_t **payload,
                                size_t *payload_len)
{
    char *data = NULL;
    size_t len = 0;
    uint8_t *body = NULL;
    size_t body_len = 0;
    keel_err ret = read_file(trust_dir, name, max, &data, &len);

    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_envelope_open(data, len, root, role, &body, &body_len);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: trusted %s/%s does not verify: %s", trust_dir, name,
                 keel_strerror(ret));
        goto out;
    }
    if (payload != NULL) {
        *payload = body;
        *payload_len = body_len;
        body = NULL;
    }
    if (envelope != NULL) {
        *envelope = data;
        *envelope_len = len;
        data = NULL;
    }
out:
    free(body);
    free(data);
    return ret;
}

/* A root envelope that verifies with its own keys and threshold, parsed into out. */
static keel_err self_signed_root(const void *envelope, size_t len, keel_update_root *out)
{
    uint8_t *payload = NULL, *checked = NULL;
    size_t payload_len = 0, checked_len = 0;
    keel_err ret = keel_update_envelope_payload(envelope, len, &payload, &payload_len);

    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_root_parse(payload, payload_len, out);
    if (ret != KEEL_OK)
        goto out;
    ret = keel_update_envelope_open(envelope, len, out, KEEL_UPDATE_ROLE_ROOT, &checked,
                                    &checked_len);
    if (ret != KEEL_OK)
        keel_update_root_free(out);
out:
    free(checked);
    free(payload);
    return ret;
}

keel_err keel_update_trust_init(const char *trust_dir, const void *root_envelope, size_t len)
{
    char path[KEEL_UPDATE_PATH_MAX];
    keel_update_root root;
    keel_err ret;

    if (trust_dir == NULL || root_envelope == NULL || len == 0)
        return KEEL_ERR_ARG;
    if (mkdir(trust_dir, 0700) != 0 && errno != EEXIST) {
        keel_log(KEEL_LOG_ERROR, "update: cannot make %s: %s", trust_dir, strerror(errno));
        return KEEL_ERR_IO;
    }
    ret = keel_update_trust_path(trust_dir, "root.json", path);
    if (ret != KEEL_OK)
        return ret;
    if (access(path, F_OK) == 0) {
        keel_log(KEEL_LOG_ERROR, "update: %s exists; trust is never replaced", path);
        return KEEL_ERR_EXISTS;
    }
    ret = self_signed_root(root_envelope, len, &root);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: the initial root is refused: %s", keel_strerror(ret));
        return ret;
    }
    keel_update_root_free(&root);
    return keel_update_trust_save(trust_dir, "root.json", root_envelope, len);
}

keel_err keel_update_trust_root(const char *trust_dir, keel_update_root *out)
{
    char *data = NULL;
    size_t len = 0;
    keel_err ret;

    if (trust_dir == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = read_file(trust_dir, "root.json", KEEL_UPDATE_ROOT_MAX, &data, &len);
    if (ret != KEEL_OK)
        return ret;
    ret = self_signed_root(data, len, out);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: trusted root %s/root.json refused: %s", trust_dir,
                 keel_strerror(ret));
    free(data);
    return ret;
}

keel_err keel_update_trust_targets(const char *trust_dir, keel_update_targets *out)
{
    keel_update_root root;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    keel_err ret;

    if (trust_dir == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = keel_update_trust_root(trust_dir, &root);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_trust_load(trust_dir, "targets.json", KEEL_UPDATE_META_MAX, &root,
                                 KEEL_UPDATE_ROLE_TARGETS, NULL, NULL, &payload, &payload_len);
    if (ret == KEEL_OK)
        ret = keel_update_targets_parse(payload, payload_len, out);
    free(payload);
    keel_update_root_free(&root);
    return ret;
}

const keel_update_target *keel_update_targets_find(const keel_update_targets *targets,
                                                   const char *name)
{
    for (size_t i = 0; targets != NULL && i < targets->ntargets; i++) {
        if (strcmp(targets->targets[i].name, name) == 0)
            return &targets->targets[i];
    }
    return NULL;
}
