/* First-run setup (5.12-1): once the owner has replaced the label password with their own
 * (POST /api/v1/password), POST /api/v1/setup records their two choices: automatic updates
 * (on by default, 5.3-4A) and the optional data processing (off by default), the latter as
 * a consent record in the lock (6-2, 6-3A: the same record the privacy routes keep, so that
 * every grant and refusal is on file and the export shows it). Skipping this step leaves
 * those defaults, which are the secure ones. */
#include <string.h>

#include "keeld.h"

keel_err keeld_setup_parse(const uint8_t *body, size_t len, int *auto_install, int *data_processing)
{
    char copy[KEELD_SETUP_BODY_MAX + 1];
    const cJSON *ai, *dp;
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_PARSE;

    if ((body == NULL && len != 0) || auto_install == NULL || data_processing == NULL)
        return KEEL_ERR_ARG;
    *auto_install = 1;
    *data_processing = 0;
    if (len > KEELD_SETUP_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return KEEL_ERR_PARSE;
    /* a NUL-terminated copy, the NUL required right after the value: no trailing bytes */
    memcpy(copy, body, len);
    copy[len] = '\0';
    root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    /* exactly two members, both found: no third, no duplicate */
    if (root == NULL || !cJSON_IsObject(root) || cJSON_GetArraySize(root) != 2)
        goto out;
    ai = cJSON_GetObjectItemCaseSensitive(root, "auto_install");
    dp = cJSON_GetObjectItemCaseSensitive(root, "data_processing");
    if (!cJSON_IsBool(ai) || !cJSON_IsBool(dp))
        goto out;
    *auto_install = cJSON_IsTrue(ai);
    *data_processing = cJSON_IsTrue(dp);
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

/* The update settings with auto_install applied, persisted before they take effect. A
 * device without an update repository keeps the choice in the store for when it has one. */
static keel_err apply_auto_install(struct keeld_state *st, int auto_install)
{
    struct keeld_update_settings s = {.auto_install = 1, .notify = 1, .postponed_until = 0};
    char text[64];
    size_t len = 0;
    keel_err ret;

    if (st->update != NULL) {
        keeld_update_settings_get(st->update, &s);
    } else {
        ret = keel_store_get(st->store, KEELD_REC_UPDATE_SETTINGS, text, sizeof(text) - 1, &len);
        if (ret == KEEL_OK && keeld_update_settings_decode(text, len, &s) != KEEL_OK)
            s = (struct keeld_update_settings){.auto_install = 1, .notify = 1};
        else if (ret != KEEL_OK && ret != KEEL_ERR_NOT_FOUND)
            return ret;
    }
    s.auto_install = auto_install;
    ret = keeld_update_settings_encode(&s, text, sizeof(text));
    if (ret == KEEL_OK)
        ret = keel_store_put(st->store, KEELD_REC_UPDATE_SETTINGS, text, strlen(text));
    if (ret == KEEL_OK && st->update != NULL)
        keeld_update_settings_set(st->update, &s);
    return ret;
}

void keeld_handle_setup(struct keeld_state *st, const struct keeld_request *rq,
                        struct keeld_response *rs)
{
    int auto_install = 1, data_processing = 0;
    keel_err ret;

    /* the label password opens the device only to be replaced: the choices are the owner's */
    if (!keeld_initialised(st)) {
        keeld_response_error(rs, 403);
        return;
    }
    ret = keeld_setup_parse(rq->body, rq->body_len, &auto_install, &data_processing);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        return;
    }
    if (st->lock == NULL) {
        keeld_response_error(rs, 500);
        return;
    }
    ret = keeld_lock_consent_set(st->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, data_processing, "setup");
    if (ret == KEEL_OK)
        ret = apply_auto_install(st, auto_install);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=setup.failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    keel_log(KEEL_LOG_WARN, "event=setup.completed auto_install=%d data_processing=%d",
             auto_install, data_processing);
    keeld_security_event(st->lock, "setup.completed", KEELD_SRC_API);
    rs->status = 204;
    rs->body_len = 0;
}

/* The choice an older keeld kept in the store becomes what it would have been had consent
 * records existed: a record made at setup. The consent is recorded before the old record is
 * deleted, so that a power cut between the two repeats the record rather than losing the
 * owner's choice. */
keel_err keeld_setup_migrate(keel_store *store, struct keeld_lock *lock, int *migrated)
{
    char v[8];
    size_t len = 0;
    keel_err ret;

    if (store == NULL || lock == NULL)
        return KEEL_ERR_ARG;
    if (migrated != NULL)
        *migrated = 0;
    ret = keel_store_get(store, KEELD_REC_PROCESSING, v, sizeof(v), &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret != KEEL_OK && ret != KEEL_ERR_RANGE)
        return ret;
    if (ret == KEEL_OK && len == 1 && (v[0] == '0' || v[0] == '1'))
        ret = keeld_lock_consent_set(lock, KEELD_CONSENT_ACCESS_LOG_SYNC, v[0] == '1', "setup");
    else
        keel_log(KEEL_LOG_WARN,
                 "the stored choice of optional processing ('%s') is malformed; it stays off "
                 "until the owner chooses again",
                 KEELD_REC_PROCESSING);
    if (ret == KEEL_OK || ret == KEEL_ERR_RANGE)
        ret = keel_store_delete(store, KEELD_REC_PROCESSING);
    if (ret == KEEL_OK && migrated != NULL)
        *migrated = 1;
    return ret;
}
