/*
 * What each slot holds: the target's name and the targets envelope that vouched for it when
 * it was installed. The record says nothing by itself: every read verifies the envelope
 * again under the trusted root, so a record edited on flash is refused (5.7-1 relies on it).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "client_private.h"

#define RECORD_MAX (2 * KEEL_UPDATE_META_MAX + 1024)

static keel_err record_name(char slot, char out[16])
{
    if (slot != 'a' && slot != 'b')
        return KEEL_ERR_ARG;
    return keel_str_format(out, 16, "slot-%c.json", slot);
}

static int same_target(const keel_update_target *a, const keel_update_target *b)
{
    return strcmp(a->name, b->name) == 0 && a->length == b->length &&
           memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0;
}

keel_err keel_update_slot_record(const char *trust_dir, char slot, const keel_update_target *target)
{
    keel_update_root root;
    keel_update_targets targets = {0};
    const keel_update_target *listed;
    char *envelope = NULL, *text = NULL, name[16];
    uint8_t *payload = NULL;
    size_t envelope_len = 0, payload_len = 0;
    cJSON *doc = NULL;
    keel_err ret;

    if (trust_dir == NULL || target == NULL)
        return KEEL_ERR_ARG;
    ret = record_name(slot, name);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_trust_root(trust_dir, &root);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_trust_load(trust_dir, "targets.json", KEEL_UPDATE_META_MAX, &root,
                                 KEEL_UPDATE_ROLE_TARGETS, &envelope, &envelope_len, &payload,
                                 &payload_len);
    if (ret == KEEL_OK)
        ret = keel_update_targets_parse(payload, payload_len, &targets);
    if (ret != KEEL_OK)
        goto out;
    listed = keel_update_targets_find(&targets, target->name);
    if (listed == NULL || !same_target(listed, target)) {
        keel_log(KEEL_LOG_ERROR, "update: %s is not in the trusted targets; not recorded",
                 target->name);
        ret = KEEL_ERR_NOT_FOUND;
        goto out;
    }
    ret = KEEL_ERR_NOMEM;
    doc = cJSON_CreateObject();
    if (doc == NULL || cJSON_AddStringToObject(doc, "name", target->name) == NULL ||
        cJSON_AddStringToObject(doc, "targets", envelope) == NULL)
        goto out;
    text = cJSON_PrintUnformatted(doc);
    if (text != NULL)
        ret = keel_update_trust_save(trust_dir, name, text, strlen(text));
out:
    cJSON_free(text);
    cJSON_Delete(doc);
    keel_update_targets_free(&targets);
    free(payload);
    free(envelope);
    keel_update_root_free(&root);
    return ret;
}

/* Parse a record into the target name and the envelope text it keeps. */
static keel_err record_parse(const char *text, size_t len, char target[KEEL_UPDATE_NAME_MAX],
                             char **envelope)
{
    /* keel_file_read ends the text with a NUL: counting it makes cJSON refuse trailing bytes */
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len + 1, NULL, 1);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(doc, "targets");
    keel_err ret = KEEL_ERR_PARSE;

    if (cJSON_IsString(name) && cJSON_IsString(env) &&
        keel_str_copy(target, KEEL_UPDATE_NAME_MAX, name->valuestring) == KEEL_OK) {
        *envelope = strdup(env->valuestring);
        ret = *envelope != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
    }
    cJSON_Delete(doc);
    return ret;
}

/* The target called name in envelope, verified under root. */
static keel_err target_from_envelope(const char *envelope, const keel_update_root *root,
                                     const char *name, keel_update_target *out)
{
    keel_update_targets targets = {0};
    const keel_update_target *t;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    keel_err ret = keel_update_envelope_open(envelope, strlen(envelope), root,
                                             KEEL_UPDATE_ROLE_TARGETS, &payload, &payload_len);

    if (ret == KEEL_OK)
        ret = keel_update_targets_parse(payload, payload_len, &targets);
    if (ret == KEEL_OK) {
        t = keel_update_targets_find(&targets, name);
        if (t != NULL)
            *out = *t;
        else
            ret = KEEL_ERR_NOT_FOUND;
    }
    keel_update_targets_free(&targets);
    free(payload);
    return ret;
}

keel_err keel_update_slot_target(const char *trust_dir, char slot, keel_update_target *out)
{
    char path[KEEL_UPDATE_PATH_MAX], name[16], target[KEEL_UPDATE_NAME_MAX];
    char *text = NULL, *envelope = NULL;
    size_t len = 0;
    keel_update_root root;
    keel_update_targets trusted = {0};
    const keel_update_target *t;
    keel_err ret;

    if (trust_dir == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = record_name(slot, name);
    if (ret == KEEL_OK)
        ret = keel_update_trust_path(trust_dir, name, path);
    if (ret == KEEL_OK)
        ret = keel_file_read(path, RECORD_MAX, &text, &len);
    if (ret != KEEL_OK)
        return ret;
    ret = record_parse(text, len, target, &envelope);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: %s is malformed", path);
        goto out;
    }
    ret = keel_update_trust_root(trust_dir, &root);
    if (ret != KEEL_OK)
        goto out;
    ret = target_from_envelope(envelope, &root, target, out);
    keel_update_root_free(&root);
    /* Keys rotated since the install: the trusted targets may still vouch for it. */
    if (ret != KEEL_OK && keel_update_trust_targets(trust_dir, &trusted) == KEEL_OK) {
        t = keel_update_targets_find(&trusted, target);
        if (t != NULL) {
            *out = *t;
            ret = KEEL_OK;
        }
        keel_update_targets_free(&trusted);
    }
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: the record of slot %c (%s) does not verify: %s", slot,
                 target, keel_strerror(ret));
out:
    free(envelope);
    keel_file_free(text, len);
    return ret;
}
