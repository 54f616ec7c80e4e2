/*
 * The cloud's queue (lock.h): events wait in lock.db, oldest first, until the broker
 * acknowledges them. Each is stored as the JSON of its own members (seq, time, event,
 * source, locked: lock.c); the rest of a keel/events.h object is added when it is sent:
 * "dropped" from the count the row carries (events that left a full queue without the
 * broker's acknowledgement just before this one), "device" the telemetry pseudonym (6-4) and
 * "firmware" this build's version (5.10-1: the monitor tells unexpected firmware apart).
 * The whole object then passes keel_event_parse before it is encoded, so nothing leaves
 * that the service's parser would refuse.
 */
#include <string.h>

#include "lock_int.h"

#ifndef KEELD_FIRMWARE_VERSION
#error "KEELD_FIRMWARE_VERSION must be defined (apps/keeld/CMakeLists.txt)"
#endif

/* The stored object (len bytes) completed, checked and encoded into json. */
static keel_err outbox_event(const struct keeld_lock *l, const char *stored, size_t len,
                             int64_t dropped, char *json, size_t jsonsz)
{
    char whole[KEEL_EVENT_JSON_MAX + 1];
    char why[64];
    keel_event e;
    keel_err ret;

    /* "{...}" less its closing brace, then the members added here */
    if (len < 2 || stored[0] != '{' || stored[len - 1] != '}')
        return KEEL_ERR_PARSE;
    ret = keel_str_format(
        whole, sizeof(whole), "%.*s,\"dropped\":%lld,\"device\":\"%s\",\"firmware\":\"%s\"}",
        (int)(len - 1), stored, (long long)dropped, l->pseudonym, KEELD_FIRMWARE_VERSION);
    if (ret == KEEL_OK)
        ret = keel_event_parse(whole, strlen(whole), &e, why, sizeof(why));
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "lock: %s: a queued event is not a keel event (%s)", l->path,
                 ret == KEEL_ERR_PARSE ? why : keel_strerror(ret));
        return KEEL_ERR_PARSE;
    }
    return keel_event_encode(&e, json, jsonsz, NULL);
}

keel_err keeld_lock_outbox_peek(struct keeld_lock *l, uint64_t *seq, char *json, size_t jsonsz)
{
    sqlite3_stmt *s;
    keel_err ret;
    int rc;

    if (l == NULL || seq == NULL || json == NULL || jsonsz == 0)
        return KEEL_ERR_ARG;
    *seq = 0;
    json[0] = '\0';
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    s = l->stmt[KEELD_LOCK_OUT_OLDEST];
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *event = (const char *)sqlite3_column_text(s, 1);
        ret = outbox_event(l, event != NULL ? event : "", event != NULL ? strlen(event) : 0,
                           sqlite3_column_int64(s, 2), json, jsonsz);
        if (ret == KEEL_OK)
            *seq = (uint64_t)sqlite3_column_int64(s, 0);
    } else {
        ret = rc == SQLITE_DONE ? KEEL_ERR_NOT_FOUND : keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    keeld_lock_release(l);
    return ret;
}

keel_err keeld_lock_outbox_done(struct keeld_lock *l, uint64_t seq)
{
    return keeld_lock_delete_seq(l, KEELD_LOCK_OUT_DELETE, seq);
}
