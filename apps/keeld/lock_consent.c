/*
 * The owner's consent to optional processing (6-2, 6-3A, 6-3B): lock.h.
 *
 * One purpose exists, KEELD_CONSENT_ACCESS_LOG_SYNC. Its state is off until the owner
 * grants it; each choice (at setup or later over the API, also one that changes nothing) is
 * recorded with its time and where it was made, the newest KEELD_CONSENT_RECORDS_MAX kept.
 * "changed" is the time of the owner's latest choice. A withdrawal stops the processing in
 * the same transaction that records it: every access-log copy still waiting for the cloud
 * is deleted, so nothing the owner withdrew from can leave afterwards.
 */
#include <string.h>

#include "lock_int.h"

static const char *const purposes[] = {KEELD_CONSENT_ACCESS_LOG_SYNC};
#define PURPOSES (sizeof(purposes) / sizeof(purposes[0]))

static int purpose_known(const char *purpose)
{
    for (size_t i = 0; purpose != NULL && i < PURPOSES; i++) {
        if (strcmp(purpose, purposes[i]) == 0)
            return 1;
    }
    return 0;
}

/* The purpose's row: *granted and *changed (0 and -1 when never asked). */
static keel_err consent_read(struct keeld_lock *l, const char *purpose, int *granted,
                             int64_t *changed)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_CONSENT_GET];
    int rc;
    keel_err ret = KEEL_OK;

    *granted = 0;
    *changed = -1;
    sqlite3_bind_text(s, 1, purpose, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *granted = sqlite3_column_int(s, 0) != 0;
        *changed = sqlite3_column_int64(s, 1);
    } else if (rc != SQLITE_DONE) {
        ret = keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

int keeld_lock_consent_on(struct keeld_lock *l, const char *purpose)
{
    int granted = 0;
    int64_t changed = 0;
    keel_err ret = consent_read(l, purpose, &granted, &changed);

    return ret != KEEL_OK ? (int)ret : granted;
}

struct consent_rq {
    const char *purpose;
    int granted;
    const char *via;
};

/* The state, the record (the oldest past the limit cut), the queued copies on withdrawal,
 * the security event. */
static keel_err consent_change(struct keeld_lock *l, const struct consent_rq *rq, int64_t now)
{
    struct keeld_lock_row row;
    sqlite3_stmt *set = l->stmt[KEELD_LOCK_CONSENT_SET];
    sqlite3_stmt *add = l->stmt[KEELD_LOCK_CONSENT_RECORD];
    sqlite3_stmt *trim = l->stmt[KEELD_LOCK_CONSENT_TRIM];
    keel_err ret = keeld_lock_row_read(l, &row);

    if (ret != KEEL_OK)
        return ret;
    sqlite3_bind_text(set, 1, rq->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int(set, 2, rq->granted);
    sqlite3_bind_int64(set, 3, now);
    ret = keeld_lock_run(l, set);
    if (ret == KEEL_OK) {
        sqlite3_bind_int64(add, 1, now);
        sqlite3_bind_text(add, 2, rq->purpose, -1, SQLITE_STATIC);
        sqlite3_bind_int(add, 3, rq->granted);
        sqlite3_bind_text(add, 4, rq->via, -1, SQLITE_STATIC);
        ret = keeld_lock_run(l, add);
    }
    if (ret == KEEL_OK) {
        sqlite3_bind_int64(trim, 1, KEELD_CONSENT_RECORDS_MAX);
        ret = keeld_lock_run(l, trim);
    }
    if (ret == KEEL_OK && !rq->granted)
        ret = keeld_lock_run(l, l->stmt[KEELD_LOCK_SYNC_CLEAR]);
    if (ret == KEEL_OK)
        /* the setup page and the API both reach keeld over its local HTTPS API */
        ret = keeld_lock_record(l, now, rq->granted ? "consent.granted" : "consent.withdrawn",
                                KEELD_SRC_API, NULL, row.locked);
    return ret;
}

keel_err keeld_lock_consent_set(struct keeld_lock *l, const char *purpose, int granted,
                                const char *via)
{
    struct consent_rq rq = {purpose, granted != 0, via};
    keel_err ret;

    if (l == NULL || purpose == NULL || via == NULL ||
        (strcmp(via, "setup") != 0 && strcmp(via, "api") != 0))
        return KEEL_ERR_ARG;
    if (!purpose_known(purpose))
        return KEEL_ERR_NOT_FOUND;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK)
        ret = consent_change(l, &rq, keeld_lock_now());
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    keeld_lock_release(l);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.consent purpose=%s granted=%d via=%s", purpose,
                 rq.granted, via);
    return ret;
}

int keeld_lock_consent_granted(struct keeld_lock *l, const char *purpose)
{
    int on;

    if (!purpose_known(purpose) || keeld_lock_acquire(l) != KEEL_OK)
        return 0;
    on = keeld_lock_consent_on(l, purpose);
    keeld_lock_release(l);
    return on == 1;
}

static keel_err record_row(const struct keeld_lock *l, cJSON *records, sqlite3_stmt *s)
{
    cJSON *e = cJSON_CreateObject();
    char time_text[21];

    (void)l;
    keeld_lock_time(sqlite3_column_int64(s, 1), time_text);
    if (e == NULL || !cJSON_AddItemToArray(records, e)) {
        cJSON_Delete(e);
        return KEEL_ERR_NOMEM;
    }
    if (cJSON_AddNumberToObject(e, "seq", (double)sqlite3_column_int64(s, 0)) == NULL ||
        cJSON_AddStringToObject(e, "time", time_text) == NULL ||
        cJSON_AddStringToObject(e, "purpose", (const char *)sqlite3_column_text(s, 2)) == NULL ||
        cJSON_AddBoolToObject(e, "granted", sqlite3_column_int(s, 3) != 0) == NULL ||
        cJSON_AddStringToObject(e, "via", (const char *)sqlite3_column_text(s, 4)) == NULL)
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

keel_err keeld_lock_consent_build(struct keeld_lock *l, cJSON *consents, cJSON *records)
{
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < PURPOSES; i++) {
        cJSON *e = cJSON_CreateObject();
        char changed_text[21];
        int granted = 0;
        int64_t changed = -1;
        if (e == NULL || !cJSON_AddItemToArray(consents, e)) {
            cJSON_Delete(e);
            return KEEL_ERR_NOMEM;
        }
        ret = consent_read(l, purposes[i], &granted, &changed);
        if (ret != KEEL_OK)
            break;
        keeld_lock_time(changed, changed_text);
        if (cJSON_AddStringToObject(e, "purpose", purposes[i]) == NULL ||
            cJSON_AddBoolToObject(e, "granted", granted) == NULL ||
            (changed < 0 ? cJSON_AddNullToObject(e, "changed")
                         : cJSON_AddStringToObject(e, "changed", changed_text)) == NULL)
            ret = KEEL_ERR_NOMEM;
    }
    if (ret == KEEL_OK)
        ret = keeld_lock_rows_add(l, KEELD_LOCK_CONSENT_RECORDS, -1, records, record_row);
    return ret;
}

keel_err keeld_lock_consent_json(struct keeld_lock *l, char *out, size_t outsz)
{
    cJSON *root;
    cJSON *consents;
    cJSON *records;
    keel_err ret;

    if (l == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    root = cJSON_CreateObject();
    consents = cJSON_AddArrayToObject(root, "consents");
    records = cJSON_AddArrayToObject(root, "records");
    if (consents == NULL || records == NULL) {
        cJSON_Delete(root);
        return KEEL_ERR_NOMEM;
    }
    ret = keeld_lock_acquire(l);
    if (ret == KEEL_OK) {
        ret = keeld_lock_consent_build(l, consents, records);
        keeld_lock_release(l);
    }
    if (ret != KEEL_OK) {
        cJSON_Delete(root);
        return ret;
    }
    return keeld_lock_json_emit(root, out, outsz);
}
