/*
 * The owner's access-log copies for their cloud account (6-3A: processing by consent only):
 * lock.h. While KEELD_CONSENT_ACCESS_LOG_SYNC is granted, each access-log entry queues a copy
 * in the same transaction (lock.c); "who" is sealed at rest like the log's own (6-6). The
 * queue holds KEELD_SYNC_MAX copies, the oldest dropped first. Nothing is handed out without
 * consent: a withdrawal deletes the queue (lock_consent.c) and peek checks the consent again.
 */
#include <string.h>

#include "lock_int.h"

keel_err keeld_lock_sync_add(struct keeld_lock *l, uint64_t seq, int64_t now, const char *event,
                             const char *source, const char *who)
{
    sqlite3_stmt *count = l->stmt[KEELD_LOCK_SYNC_COUNT];
    sqlite3_stmt *oldest = l->stmt[KEELD_LOCK_SYNC_OLDEST];
    sqlite3_stmt *del = l->stmt[KEELD_LOCK_SYNC_DELETE];
    sqlite3_stmt *add = l->stmt[KEELD_LOCK_SYNC_ADD];
    int64_t queued = -1;
    int64_t drop = 0;
    keel_err ret = KEEL_OK;

    if (sqlite3_step(count) == SQLITE_ROW)
        queued = sqlite3_column_int64(count, 0);
    sqlite3_reset(count);
    if (queued < 0)
        return KEEL_ERR_IO;
    if (queued >= (int64_t)KEELD_SYNC_MAX) {
        int rc = sqlite3_step(oldest);
        if (rc == SQLITE_ROW)
            drop = sqlite3_column_int64(oldest, 0);
        sqlite3_reset(oldest);
        if (rc != SQLITE_ROW)
            return keeld_lock_db_error(l, rc);
        sqlite3_bind_int64(del, 1, drop);
        ret = keeld_lock_run(l, del);
        if (ret == KEEL_OK)
            keel_log(KEEL_LOG_WARN,
                     "event=lock.sync_dropped seq=%lld: the access-log copies for the owner's "
                     "cloud account are full",
                     (long long)drop);
    }
    if (ret != KEEL_OK)
        return ret;
    sqlite3_bind_int64(add, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(add, 2, now);
    sqlite3_bind_text(add, 3, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 4, source, -1, SQLITE_STATIC);
    ret = keeld_lock_bind_sealed(l, add, 5, KEELD_SEAL_SYNC_WHO, who);
    if (ret == KEEL_OK)
        ret = keeld_lock_run(l, add);
    else
        sqlite3_clear_bindings(add);
    return ret;
}

/* The copy in the current row of s as JSON into json. */
static keel_err sync_json(const struct keeld_lock *l, sqlite3_stmt *s, char *json, size_t jsonsz)
{
    cJSON *root = cJSON_CreateObject();
    char time_text[21];
    char who[KEELD_LOCK_WHO_MAX + 1];
    keel_err ret = keeld_lock_column_open(l, s, 4, KEELD_SEAL_SYNC_WHO, who, sizeof(who));

    keeld_lock_time(sqlite3_column_int64(s, 1), time_text);
    if (ret != KEEL_OK && ret != KEEL_ERR_NOT_FOUND) {
        cJSON_Delete(root);
        return ret;
    }
    if (root == NULL ||
        cJSON_AddNumberToObject(root, "seq", (double)sqlite3_column_int64(s, 0)) == NULL ||
        cJSON_AddStringToObject(root, "time", time_text) == NULL ||
        cJSON_AddStringToObject(root, "event", (const char *)sqlite3_column_text(s, 2)) == NULL ||
        cJSON_AddStringToObject(root, "source", (const char *)sqlite3_column_text(s, 3)) == NULL ||
        (ret == KEEL_OK && cJSON_AddStringToObject(root, "who", who) == NULL)) {
        keel_wipe(who, sizeof(who));
        cJSON_Delete(root);
        return KEEL_ERR_NOMEM;
    }
    keel_wipe(who, sizeof(who));
    return keeld_lock_json_emit(root, json, jsonsz);
}

keel_err keeld_lock_sync_peek(struct keeld_lock *l, uint64_t *seq, char *json, size_t jsonsz)
{
    sqlite3_stmt *s;
    keel_err ret;
    int on;
    int rc;

    if (l == NULL || seq == NULL || json == NULL || jsonsz == 0)
        return KEEL_ERR_ARG;
    *seq = 0;
    json[0] = '\0';
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    on = keeld_lock_consent_on(l, KEELD_CONSENT_ACCESS_LOG_SYNC);
    if (on != 1) {
        keeld_lock_release(l);
        return on < 0 ? (keel_err)on : KEEL_ERR_NOT_FOUND;
    }
    s = l->stmt[KEELD_LOCK_SYNC_OLDEST];
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        ret = sync_json(l, s, json, jsonsz);
        if (ret == KEEL_OK)
            *seq = (uint64_t)sqlite3_column_int64(s, 0);
    } else {
        ret = rc == SQLITE_DONE ? KEEL_ERR_NOT_FOUND : keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    keeld_lock_release(l);
    return ret;
}

keel_err keeld_lock_sync_done(struct keeld_lock *l, uint64_t seq)
{
    return keeld_lock_delete_seq(l, KEELD_LOCK_SYNC_DELETE, seq);
}
