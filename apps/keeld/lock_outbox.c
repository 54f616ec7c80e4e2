/*
 * The cloud's queue (lock.h): events wait in lock.db, oldest first, until the broker
 * acknowledges them; each is stored with the JSON it will be sent as, less its "dropped"
 * member, which is added here from the count the row carries (events that left a full
 * queue without the broker's acknowledgement just before this one, lock.c).
 */
#include <string.h>

#include "lock_int.h"

keel_err keeld_lock_outbox_peek(struct keeld_lock *l, uint64_t *seq, char *json, size_t jsonsz)
{
    sqlite3_stmt *s;
    keel_err ret;
    int rc;

    if (l == NULL || seq == NULL || json == NULL || jsonsz == 0)
        return KEEL_ERR_ARG;
    *seq = 0;
    json[0] = '\0';
    pthread_mutex_lock(&l->mu);
    s = l->stmt[KEELD_LOCK_OUT_OLDEST];
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *event = (const char *)sqlite3_column_text(s, 1);
        size_t len = event != NULL ? strlen(event) : 0;
        /* "{...}" less its closing brace, then the count */
        if (len < 2 || event[0] != '{' || event[len - 1] != '}') {
            ret = KEEL_ERR_PARSE;
        } else {
            ret = keel_str_format(json, jsonsz, "%.*s,\"dropped\":%lld}", (int)(len - 1), event,
                                  (long long)sqlite3_column_int64(s, 2));
            if (ret == KEEL_OK)
                *seq = (uint64_t)sqlite3_column_int64(s, 0);
        }
    } else {
        ret = rc == SQLITE_DONE ? KEEL_ERR_NOT_FOUND : keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    pthread_mutex_unlock(&l->mu);
    return ret;
}

keel_err keeld_lock_outbox_done(struct keeld_lock *l, uint64_t seq)
{
    sqlite3_stmt *s;
    keel_err ret;

    if (l == NULL || seq > (uint64_t)INT64_MAX)
        return KEEL_ERR_ARG;
    pthread_mutex_lock(&l->mu);
    s = l->stmt[KEELD_LOCK_OUT_DELETE];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
    ret = keeld_lock_run(l, s);
    pthread_mutex_unlock(&l->mu);
    return ret;
}
