/*
 * The lock's state (lock.h): the bolt, the door sensor, the battery, and the one path every
 * event takes: the access-log entry (its "who" sealed, 6-6), the cloud's event and, while
 * the owner consents, the copy for the owner's cloud account, all in the same transaction
 * as the change they describe (5.9-2).
 */
#include <stdlib.h>
#include <string.h>

#include "lock_int.h"

const char *keeld_lock_source_name(keeld_lock_source s)
{
    switch (s) {
    case KEELD_SRC_KEYPAD: return "keypad";
    case KEELD_SRC_BUTTON: return "button";
    case KEELD_SRC_API: return "api";
    case KEELD_SRC_CLOUD: return "cloud";
    case KEELD_SRC_SYSTEM: return "system";
    }
    return "system";
}

static int source_valid(keeld_lock_source s)
{
    return s == KEELD_SRC_KEYPAD || s == KEELD_SRC_BUTTON || s == KEELD_SRC_API ||
           s == KEELD_SRC_CLOUD || s == KEELD_SRC_SYSTEM;
}

keel_err keeld_lock_bolt(struct keeld_lock *l, const struct keeld_lock_row *row, int locked,
                         int64_t now)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_STATE_BOLT];

    if (row->locked == locked)
        return KEEL_OK;
    sqlite3_bind_int(s, 1, locked);
    sqlite3_bind_int64(s, 2, now);
    return keeld_lock_run(l, s);
}

/* The queue is full: the oldest event goes, counted, and the next oldest carries the count
 * of events dropped since the last one the broker acknowledged (its own and those its
 * dropped predecessor carried). */
static keel_err outbox_drop_oldest(struct keeld_lock *l, int64_t *carry)
{
    sqlite3_stmt *oldest = l->stmt[KEELD_LOCK_OUT_OLDEST];
    sqlite3_stmt *del = l->stmt[KEELD_LOCK_OUT_DELETE];
    int64_t seq = 0;
    int rc = sqlite3_step(oldest);

    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(oldest, 0);
        *carry = sqlite3_column_int64(oldest, 2) + 1;
    }
    sqlite3_reset(oldest);
    if (rc != SQLITE_ROW)
        return keeld_lock_db_error(l, rc);
    sqlite3_bind_int64(del, 1, seq);
    keel_err ret = keeld_lock_run(l, del);
    if (ret == KEEL_OK)
        ret = keeld_lock_run(l, l->stmt[KEELD_LOCK_STATE_DROPPED]);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_WARN, "event=lock.outbox_dropped seq=%lld: the cloud's queue is full",
                 (long long)seq);
    return ret;
}

static keel_err outbox_add(struct keeld_lock *l, uint64_t seq, const char *event)
{
    sqlite3_stmt *count = l->stmt[KEELD_LOCK_OUT_COUNT];
    sqlite3_stmt *add = l->stmt[KEELD_LOCK_OUT_ADD];
    sqlite3_stmt *carry_to = l->stmt[KEELD_LOCK_OUT_CARRY];
    int64_t queued = -1;
    int64_t carry = 0;
    keel_err ret = KEEL_OK;

    if (sqlite3_step(count) == SQLITE_ROW)
        queued = sqlite3_column_int64(count, 0);
    sqlite3_reset(count);
    if (queued < 0)
        return KEEL_ERR_IO;
    if (queued >= (int64_t)KEELD_OUTBOX_MAX)
        ret = outbox_drop_oldest(l, &carry);
    if (ret == KEEL_OK) {
        sqlite3_bind_int64(add, 1, (sqlite3_int64)seq);
        sqlite3_bind_text(add, 2, event, -1, SQLITE_STATIC);
        ret = keeld_lock_run(l, add);
    }
    if (ret == KEEL_OK && carry > 0) {
        sqlite3_bind_int64(carry_to, 1, carry);
        ret = keeld_lock_run(l, carry_to);
    }
    return ret;
}

static keel_err log_add(struct keeld_lock *l, uint64_t seq, int64_t now, const char *event,
                        const char *source, const char *who)
{
    sqlite3_stmt *add = l->stmt[KEELD_LOCK_LOG_ADD];
    sqlite3_stmt *trim = l->stmt[KEELD_LOCK_LOG_TRIM];
    keel_err ret;

    sqlite3_bind_int64(add, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(add, 2, now);
    sqlite3_bind_text(add, 3, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 4, source, -1, SQLITE_STATIC);
    ret = keeld_lock_bind_sealed(l, add, 5, KEELD_SEAL_LOG_WHO, who);
    if (ret == KEEL_OK)
        ret = keeld_lock_run(l, add);
    else
        sqlite3_clear_bindings(add);
    if (ret == KEEL_OK && seq > KEELD_LOG_KEEP) {
        sqlite3_bind_int64(trim, 1, (sqlite3_int64)(seq - KEELD_LOG_KEEP));
        ret = keeld_lock_run(l, trim);
    }
    return ret;
}

keel_err keeld_lock_record(struct keeld_lock *l, int64_t now, const char *event,
                           keeld_lock_source src, const char *who, int locked)
{
    struct keeld_lock_row row;
    char time_text[21];
    char json[KEELD_EVENT_MAX];
    const char *source = keeld_lock_source_name(src);
    int sync = keeld_lock_consent_on(l, KEELD_CONSENT_ACCESS_LOG_SYNC);
    keel_err ret = sync < 0 ? (keel_err)sync : keeld_lock_row_read(l, &row);

    if (ret != KEEL_OK)
        return ret;
    keeld_lock_time(now, time_text);
    /* the cloud's event without "dropped", which keeld_lock_outbox_peek adds */
    ret = keel_str_format(json, sizeof(json),
                          "{\"seq\":%llu,\"time\":\"%s\",\"event\":\"%s\",\"source\":\"%s\","
                          "\"locked\":%s}",
                          (unsigned long long)row.next_seq, time_text, event, source,
                          locked ? "true" : "false");
    if (ret == KEEL_OK)
        ret = log_add(l, row.next_seq, now, event, source, who);
    if (ret == KEEL_OK)
        ret = outbox_add(l, row.next_seq, json);
    if (ret == KEEL_OK && sync)
        ret = keeld_lock_sync_add(l, row.next_seq, now, event, source, who);
    if (ret == KEEL_OK)
        ret = keeld_lock_run(l, l->stmt[KEELD_LOCK_STATE_SEQ]);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.%s source=%s seq=%llu locked=%d", event, source,
                 (unsigned long long)row.next_seq, locked);
    return ret;
}

/* Under the mutex and in one transaction: change (may be NULL), then commit. */
typedef keel_err (*lock_change)(struct keeld_lock *l, const struct keeld_lock_row *row, int64_t now,
                                const void *arg);

static keel_err transact(struct keeld_lock *l, lock_change change, const void *arg)
{
    struct keeld_lock_row row;
    keel_err ret = keeld_lock_acquire(l);

    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK)
        ret = keeld_lock_row_read(l, &row);
    if (ret == KEEL_OK)
        ret = change(l, &row, keeld_lock_now(), arg);
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    keeld_lock_release(l);
    return ret;
}

struct bolt_request {
    int locked;
    keeld_lock_source src;
    const char *who;
};

static keel_err bolt_change(struct keeld_lock *l, const struct keeld_lock_row *row, int64_t now,
                            const void *arg)
{
    const struct bolt_request *rq = arg;
    keel_err ret = keeld_lock_bolt(l, row, rq->locked, now);

    if (ret == KEEL_OK)
        ret = keeld_lock_record(l, now, rq->locked ? "locked" : "unlocked", rq->src, rq->who,
                                rq->locked);
    return ret;
}

keel_err keeld_lock_set(struct keeld_lock *l, int locked, keeld_lock_source src, const char *who)
{
    struct bolt_request rq = {locked != 0, src, who};

    if (l == NULL || !source_valid(src) ||
        (who != NULL &&
         (who[0] == '\0' || strnlen(who, KEELD_LOCK_WHO_MAX + 1) > KEELD_LOCK_WHO_MAX)))
        return KEEL_ERR_ARG;
    return transact(l, bolt_change, &rq);
}

/* A repeated report of the door's state changes nothing and logs nothing. */
static keel_err door_change(struct keeld_lock *l, const struct keeld_lock_row *row, int64_t now,
                            const void *arg)
{
    int open = *(const int *)arg;
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_STATE_DOOR];
    keel_err ret;

    if (row->door_open == open)
        return KEEL_OK;
    sqlite3_bind_int(s, 1, open);
    ret = keeld_lock_run(l, s);
    if (ret == KEEL_OK)
        ret = keeld_lock_record(l, now, open ? "door_open" : "door_closed", KEELD_SRC_SYSTEM, NULL,
                                row->locked);
    return ret;
}

keel_err keeld_lock_door(struct keeld_lock *l, int open)
{
    int v = open != 0;

    if (l == NULL)
        return KEEL_ERR_ARG;
    return transact(l, door_change, &v);
}

/* Every reading is kept; "battery_low" is logged when a reading crosses down to
 * KEELD_BATTERY_LOW or below (not for each low reading after it). */
static keel_err battery_change(struct keeld_lock *l, const struct keeld_lock_row *row, int64_t now,
                               const void *arg)
{
    int percent = *(const int *)arg;
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_STATE_BATTERY];
    keel_err ret;

    if (row->battery == percent)
        return KEEL_OK;
    sqlite3_bind_int(s, 1, percent);
    ret = keeld_lock_run(l, s);
    if (ret == KEEL_OK && percent <= KEELD_BATTERY_LOW && row->battery > KEELD_BATTERY_LOW)
        ret = keeld_lock_record(l, now, "battery_low", KEELD_SRC_SYSTEM, NULL, row->locked);
    return ret;
}

keel_err keeld_lock_battery(struct keeld_lock *l, int percent)
{
    if (l == NULL)
        return KEEL_ERR_ARG;
    if (percent < 0 || percent > 100)
        return KEEL_ERR_RANGE;
    return transact(l, battery_change, &percent);
}

keel_err keeld_lock_get(struct keeld_lock *l, struct keeld_lock_state *out)
{
    struct keeld_lock_row row;
    sqlite3_stmt *count;
    int64_t now = keeld_lock_now();
    int64_t queued = -1;
    keel_err ret;

    if (l == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    count = l->stmt[KEELD_LOCK_OUT_COUNT];
    ret = keeld_lock_row_read(l, &row);
    if (ret == KEEL_OK && sqlite3_step(count) == SQLITE_ROW)
        queued = sqlite3_column_int64(count, 0);
    sqlite3_reset(count);
    if (ret == KEEL_OK && queued < 0)
        ret = KEEL_ERR_IO;
    if (ret == KEEL_OK) {
        out->locked = row.locked;
        out->door_open = row.door_open;
        out->battery = row.battery;
        out->changed_at = row.changed_at;
        out->unclean_start = l->unclean_start;
        if (row.wait_until > now)
            out->keypad_wait_s = row.wait_until - now > KEELD_KEYPAD_WAIT_MAX_S
                                     ? KEELD_KEYPAD_WAIT_MAX_S
                                     : (uint32_t)(row.wait_until - now);
        out->queued = (uint32_t)queued;
        out->dropped = row.dropped;
    }
    keeld_lock_release(l);
    return ret;
}

/* ---- JSON for the owner ---- */

keel_err keeld_lock_json_emit(cJSON *root, char *out, size_t outsz)
{
    char *text = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    keel_err ret = KEEL_ERR_NOMEM;

    if (text != NULL) {
        size_t len = strlen(text);
        ret = len < outsz ? KEEL_OK : KEEL_ERR_RANGE;
        if (ret == KEEL_OK)
            memcpy(out, text, len + 1);
        keel_wipe(text, len);
        free(text);
    }
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_lock_log_row(const struct keeld_lock *l, cJSON *entries, sqlite3_stmt *s)
{
    cJSON *e = cJSON_CreateObject();
    char time_text[21];
    char who[KEELD_LOCK_WHO_MAX + 1];
    keel_err ret;

    keeld_lock_time(sqlite3_column_int64(s, 1), time_text);
    if (e == NULL || !cJSON_AddItemToArray(entries, e)) {
        cJSON_Delete(e);
        return KEEL_ERR_NOMEM;
    }
    ret = keeld_lock_column_open(l, s, 4, KEELD_SEAL_LOG_WHO, who, sizeof(who));
    if (ret != KEEL_OK && ret != KEEL_ERR_NOT_FOUND)
        return ret;
    if (cJSON_AddNumberToObject(e, "seq", (double)sqlite3_column_int64(s, 0)) == NULL ||
        cJSON_AddStringToObject(e, "time", time_text) == NULL ||
        cJSON_AddStringToObject(e, "event", (const char *)sqlite3_column_text(s, 2)) == NULL ||
        cJSON_AddStringToObject(e, "source", (const char *)sqlite3_column_text(s, 3)) == NULL ||
        (ret == KEEL_OK && cJSON_AddStringToObject(e, "who", who) == NULL))
        ret = KEEL_ERR_NOMEM;
    else
        ret = KEEL_OK;
    keel_wipe(who, sizeof(who));
    return ret;
}

keel_err keeld_lock_rows_add(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t limit,
                             cJSON *array, keeld_lock_row_fn row)
{
    sqlite3_stmt *s = l->stmt[stmt];
    keel_err ret = KEEL_OK;
    int rc = SQLITE_DONE;

    if (limit >= 0)
        sqlite3_bind_int64(s, 1, limit);
    while (ret == KEEL_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ret = row(l, array, s);
    if (ret == KEEL_OK && rc != SQLITE_DONE)
        ret = keeld_lock_db_error(l, rc);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

keel_err keeld_lock_rows_json(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t limit,
                              const char *key, keeld_lock_row_fn row, char *out, size_t outsz)
{
    cJSON *root;
    cJSON *array;
    keel_err ret;

    if (l == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    root = cJSON_CreateObject();
    array = cJSON_AddArrayToObject(root, key);
    if (array == NULL) {
        cJSON_Delete(root);
        return KEEL_ERR_NOMEM;
    }
    ret = keeld_lock_acquire(l);
    if (ret == KEEL_OK) {
        ret = keeld_lock_rows_add(l, stmt, limit, array, row);
        keeld_lock_release(l);
    }
    if (ret != KEEL_OK) {
        cJSON_Delete(root);
        return ret;
    }
    return keeld_lock_json_emit(root, out, outsz);
}

keel_err keeld_lock_log_json(struct keeld_lock *l, unsigned max, char *out, size_t outsz)
{
    return keeld_lock_rows_json(l, KEELD_LOCK_LOG_NEWEST,
                                max > KEELD_LOG_KEEP ? KEELD_LOG_KEEP : max, "entries",
                                keeld_lock_log_row, out, outsz);
}
