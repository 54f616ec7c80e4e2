/*
 * The owner's export of every personal datum the lock holds (the EU Data Act's access and
 * portability; 6-1: what is processed, shown to whom it concerns): lock.h. Everything is
 * read under the mutex in one read transaction, so the export is one consistent moment of
 * the lock. The PINs appear by id, name and date: never the code nor its HMAC, which are
 * secrets rather than the owner's data.
 */
#include <string.h>

#include "lock_int.h"

static keel_err export_locked(struct keeld_lock *l, cJSON *doc)
{
    cJSON *pins = cJSON_AddArrayToObject(doc, "pins");
    cJSON *log = cJSON_AddArrayToObject(doc, "access_log");
    cJSON *consents = cJSON_AddArrayToObject(doc, "consents");
    cJSON *records = cJSON_AddArrayToObject(doc, "consent_records");
    cJSON *deletion = cJSON_AddObjectToObject(doc, "cloud_deletion");
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_PRIV_GET];
    int64_t retention = -1;
    keel_err ret;
    int rc;

    if (pins == NULL || log == NULL || consents == NULL || records == NULL || deletion == NULL)
        return KEEL_ERR_NOMEM;
    ret = keeld_lock_rows_add(l, KEELD_LOCK_PIN_LIST, -1, pins, keeld_lock_pin_row);
    if (ret == KEEL_OK)
        ret = keeld_lock_rows_add(l, KEELD_LOCK_LOG_ALL, -1, log, keeld_lock_log_row);
    if (ret == KEEL_OK)
        ret = keeld_lock_consent_build(l, consents, records);
    if (ret == KEEL_OK)
        ret = keeld_lock_deletion_build(l, deletion);
    if (ret != KEEL_OK)
        return ret;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        retention = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? KEEL_ERR_PARSE : keeld_lock_db_error(l, rc);
    if (cJSON_AddNumberToObject(doc, "retention_days", (double)retention / 86400.0) == NULL)
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

keel_err keeld_lock_export(struct keeld_lock *l, cJSON *doc)
{
    keel_err ret;

    if (doc == NULL || !cJSON_IsObject(doc))
        return KEEL_ERR_ARG;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        ret = export_locked(l, doc);
        keeld_lock_rollback(l); /* read only */
    }
    keeld_lock_release(l);
    return ret;
}
