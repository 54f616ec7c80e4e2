/* The owner's personal data on the local API: consent to the optional processing, given and
 * withdrawn at any time and every choice recorded (6-2, 6-3A, 6-3B); the export of everything
 * the device holds about them (the EU Data Act's access and portability); the request that
 * the associated service delete their data, and its confirmation (5.11-2, 5.11-4). Every body
 * is validated whole before the lock is touched (5.13-1A). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keeld.h"

#define EXPORT_DISPOSITION "attachment; filename=\"" KEELD_EXPORT_FILE "\""
#define ANSWER_FIRST_HEAP ((size_t)16 * 1024)

static int no_lock(const struct keeld_state *st, struct keeld_response *rs)
{
    if (st->lock != NULL)
        return 0;
    keeld_response_error(rs, 500);
    return 1;
}

void keeld_response_release(struct keeld_response *rs)
{
    if (rs == NULL || rs->owned == NULL)
        return;
    keel_wipe(rs->owned, rs->owned_len);
    free(rs->owned);
    rs->owned = NULL;
    rs->owned_len = 0;
}

static keel_err rfc3339(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

/* The JSON fn writes, as the answer: in rs->body when it fits, else in heap memory the
 * response owns, grown up to KEELD_ANSWER_MAX (a long consent history). */
static void answer_lock_json(struct keeld_response *rs, int status, struct keeld_lock *l,
                             keel_err (*fn)(struct keeld_lock *, char *, size_t))
{
    keel_err ret = fn(l, rs->body, sizeof(rs->body));

    for (size_t cap = ANSWER_FIRST_HEAP; ret == KEEL_ERR_RANGE && cap <= KEELD_ANSWER_MAX;
         cap *= 4) {
        char *buf = malloc(cap);
        if (buf == NULL) {
            ret = KEEL_ERR_NOMEM;
            break;
        }
        ret = fn(l, buf, cap);
        if (ret == KEEL_OK) {
            rs->owned = buf;
            rs->owned_len = strlen(buf);
            rs->status = status;
            return;
        }
        keel_wipe(buf, cap);
        free(buf);
    }
    if (ret != KEEL_OK) {
        keel_wipe(rs->body, sizeof(rs->body)); /* a part written before it ran out of room */
        keel_log(KEEL_LOG_ERROR, "event=privacy.answer_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    rs->status = status;
    rs->body_len = strlen(rs->body);
}

void keeld_handle_consent_get(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs)
{
    (void)rq;
    if (!no_lock(st, rs))
        answer_lock_json(rs, 200, st->lock, keeld_lock_consent_json);
}

void keeld_handle_consent_set(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs)
{
    char purpose[KEELD_CONSENT_PURPOSE_MAX + 1];
    int granted = 0;
    keel_err ret;

    if (no_lock(st, rs))
        return;
    ret = keeld_consent_parse(rq->body, rq->body_len, purpose, &granted);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        return;
    }
    /* withdrawing deletes, in the same transaction, every copy still waiting for the cloud */
    ret = keeld_lock_consent_set(st->lock, purpose, granted, "api");
    if (ret == KEEL_ERR_NOT_FOUND) { /* a purpose keeld does not have */
        keeld_response_error(rs, 400);
        return;
    }
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=privacy.consent_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    keel_log(KEEL_LOG_WARN, "event=privacy.consent purpose=%s granted=%d via=api", purpose,
             granted);
    answer_lock_json(rs, 200, st->lock, keeld_lock_consent_json);
}

/* ---- the export ---- */

/* Wipe every string of the tree (names, who opened the door) before cJSON frees it, depth
 * first without recursion. The export is four levels deep; deeper levels are not made here. */
#define WIPE_DEPTH_MAX 16
static void wipe_tree(cJSON *root)
{
    cJSON *resume[WIPE_DEPTH_MAX]; /* where to go on once a level is done */
    size_t depth = 0;
    cJSON *node = root;

    while (node != NULL) {
        if (cJSON_IsString(node) && node->valuestring != NULL)
            keel_wipe(node->valuestring, strlen(node->valuestring));
        if (node->child != NULL && depth < WIPE_DEPTH_MAX) {
            resume[depth++] = node == root ? NULL : node->next;
            node = node->child;
            continue;
        }
        node = node == root ? NULL : node->next;
        while (node == NULL && depth > 0)
            node = resume[--depth];
    }
}

/* The update settings keeld acts on: the update agent's, else the stored choice, else the
 * defaults (a malformed record is acted on as the defaults, so it is exported as them). */
static keel_err update_settings(struct keeld_state *st, struct keeld_update_settings *s)
{
    char text[64];
    size_t len = 0;
    keel_err ret;

    *s = (struct keeld_update_settings){.auto_install = 1, .notify = 1, .postponed_until = 0};
    if (st->update != NULL) {
        keeld_update_settings_get(st->update, s);
        return KEEL_OK;
    }
    ret = keel_store_get(st->store, KEELD_REC_UPDATE_SETTINGS, text, sizeof(text) - 1, &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret == KEEL_OK && keeld_update_settings_decode(text, len, s) != KEEL_OK)
        *s = (struct keeld_update_settings){.auto_install = 1, .notify = 1, .postponed_until = 0};
    return ret;
}

static keel_err add_owner(struct keeld_state *st, cJSON *doc)
{
    struct keeld_update_settings s;
    char until[32];
    cJSON *owner = cJSON_AddObjectToObject(doc, "owner");
    cJSON *us;
    keel_err ret = update_settings(st, &s);

    if (ret != KEEL_OK)
        return ret;
    if (owner == NULL ||
        cJSON_AddBoolToObject(owner, "password_set", keeld_initialised(st)) == NULL)
        return KEEL_ERR_NOMEM;
    us = cJSON_AddObjectToObject(owner, "update_settings");
    if (us == NULL || cJSON_AddBoolToObject(us, "auto_install", s.auto_install) == NULL ||
        cJSON_AddBoolToObject(us, "notify", s.notify) == NULL)
        return KEEL_ERR_NOMEM;
    if (s.postponed_until == 0)
        return cJSON_AddNullToObject(us, "postponed_until") != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
    if (rfc3339(s.postponed_until, until) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return cJSON_AddStringToObject(us, "postponed_until", until) != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

static keel_err export_fill(struct keeld_state *st, cJSON *doc)
{
    char now[32];
    cJSON *device;
    keel_err ret = rfc3339((int64_t)time(NULL), now);

    if (ret != KEEL_OK)
        return ret;
    if (cJSON_AddStringToObject(doc, "format", KEELD_EXPORT_FORMAT) == NULL ||
        cJSON_AddStringToObject(doc, "exported", now) == NULL)
        return KEEL_ERR_NOMEM;
    device = cJSON_AddObjectToObject(doc, "device");
    if (device == NULL || cJSON_AddStringToObject(device, "serial", st->identity.serial) == NULL ||
        cJSON_AddStringToObject(device, "model", st->identity.model) == NULL)
        return KEEL_ERR_NOMEM;
    ret = add_owner(st, doc);
    if (ret == KEEL_OK)
        ret = keeld_lock_export(st->lock, doc);
    return ret;
}

void keeld_handle_export(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs)
{
    cJSON *doc;
    char *text = NULL;
    keel_err ret;

    (void)rq;
    if (no_lock(st, rs))
        return;
    doc = cJSON_CreateObject();
    ret = doc != NULL ? export_fill(st, doc) : KEEL_ERR_NOMEM;
    if (ret == KEEL_OK) {
        text = cJSON_Print(doc);
        ret = text == NULL ? KEEL_ERR_NOMEM : KEEL_OK;
    }
    wipe_tree(doc);
    cJSON_Delete(doc);
    if (ret == KEEL_OK && strlen(text) > KEELD_ANSWER_MAX)
        ret = KEEL_ERR_TOO_LARGE;
    if (ret != KEEL_OK) {
        if (text != NULL)
            keel_wipe(text, strlen(text));
        cJSON_free(text);
        keel_log(KEEL_LOG_ERROR, "event=privacy.export_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    rs->owned = text; /* cJSON allocates with malloc: keeld sets no other hooks */
    rs->owned_len = strlen(text);
    rs->disposition = EXPORT_DISPOSITION;
    rs->status = 200;
    keel_log(KEEL_LOG_WARN, "event=privacy.exported bytes=%zu", rs->owned_len);
}

/* ---- deletion at the associated service (5.11-2, 5.11-4) ---- */

void keeld_handle_cloud_delete_get(struct keeld_state *st, const struct keeld_request *rq,
                                   struct keeld_response *rs)
{
    (void)rq;
    if (!no_lock(st, rs))
        answer_lock_json(rs, 200, st->lock, keeld_lock_deletion_json);
}

void keeld_handle_cloud_delete(struct keeld_state *st, const struct keeld_request *rq,
                               struct keeld_response *rs)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    keel_err ret;

    if (no_lock(st, rs))
        return;
    ret = keeld_cloud_delete_parse(rq->body, rq->body_len);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        return;
    }
    if (!st->cloud_configured) { /* no service to ask: the device holds everything itself */
        keeld_response_error(rs, 409);
        return;
    }
    ret = keeld_lock_deletion_request(st->lock, id);
    if (ret != KEEL_OK && ret != KEEL_ERR_EXISTS) { /* EXISTS: the pending one is sent */
        keel_log(KEEL_LOG_ERROR, "event=privacy.cloud_delete_failed error=\"%s\"",
                 keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    if (keel_str_format(rs->body, sizeof(rs->body), "{\"state\":\"pending\",\"request\":\"%s\"}",
                        id) != KEEL_OK) {
        keeld_response_error(rs, 500);
        return;
    }
    keel_log(KEEL_LOG_WARN, "event=privacy.cloud_delete_requested request=%s repeat=%d", id,
             ret == KEEL_ERR_EXISTS);
    rs->status = 202;
    rs->body_len = strlen(rs->body);
}
