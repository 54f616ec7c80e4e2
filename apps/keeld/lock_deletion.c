/*
 * The owner's request that the associated service delete their data (5.11-2, 5.11-4):
 * lock.h. One request at a time: a new one (16 random bytes as its id) replaces an earlier
 * confirmed one; while one is pending it is the one the cloud link sends and re-sends on
 * every connect, until the service's confirmation names its id. A reply naming any other id
 * (a stale or forged one) changes nothing.
 */
#include <string.h>

#include "lock_int.h"

#define ITEMS_MAX 9007199254740991ull /* 2^53 - 1: exact as a JSON number */

struct deletion_row {
    int present;
    int pending;
    char request[KEELD_DELETION_ID_HEX + 1];
    int64_t requested;
    int64_t confirmed; /* -1: not yet */
    int64_t items;     /* -1: not yet */
};

static keel_err deletion_read(struct keeld_lock *l, struct deletion_row *d)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_DEL_GET];
    int rc = sqlite3_step(s);
    keel_err ret = KEEL_OK;

    memset(d, 0, sizeof(*d));
    d->confirmed = -1;
    d->items = -1;
    if (rc == SQLITE_ROW) {
        const char *request = (const char *)sqlite3_column_text(s, 0);
        const char *state = (const char *)sqlite3_column_text(s, 1);
        d->present = 1;
        if (request == NULL || state == NULL ||
            keel_str_copy(d->request, sizeof(d->request), request) != KEEL_OK ||
            strlen(d->request) != KEELD_DELETION_ID_HEX)
            ret = KEEL_ERR_PARSE;
        d->pending = state != NULL && strcmp(state, "pending") == 0;
        d->requested = sqlite3_column_int64(s, 2);
        if (sqlite3_column_type(s, 3) != SQLITE_NULL)
            d->confirmed = sqlite3_column_int64(s, 3);
        if (sqlite3_column_type(s, 4) != SQLITE_NULL)
            d->items = sqlite3_column_int64(s, 4);
    } else if (rc != SQLITE_DONE) {
        ret = keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    return ret;
}

static keel_err request_locked(struct keeld_lock *l, char id[KEELD_DELETION_ID_HEX + 1])
{
    struct deletion_row d;
    uint8_t raw[KEELD_DELETION_ID_HEX / 2];
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_DEL_REQUEST];
    keel_err ret = deletion_read(l, &d);

    if (ret != KEEL_OK)
        return ret;
    if (d.pending) {
        memcpy(id, d.request, KEELD_DELETION_ID_HEX + 1);
        return KEEL_ERR_EXISTS;
    }
    ret = keel_random(raw, sizeof(raw));
    if (ret == KEEL_OK)
        ret = keel_hex_encode(raw, sizeof(raw), id, KEELD_DELETION_ID_HEX + 1);
    if (ret != KEEL_OK)
        return ret;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, keeld_lock_now());
    return keeld_lock_run(l, s);
}

keel_err keeld_lock_deletion_request(struct keeld_lock *l, char id[KEELD_DELETION_ID_HEX + 1])
{
    keel_err ret;

    if (id == NULL)
        return KEEL_ERR_ARG;
    id[0] = '\0';
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        ret = request_locked(l, id);
        if (ret == KEEL_OK)
            ret = keeld_lock_commit(l);
        else
            keeld_lock_rollback(l);
    }
    keeld_lock_release(l);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.deletion_requested request=%s", id);
    else if (ret != KEEL_ERR_EXISTS)
        id[0] = '\0';
    return ret;
}

keel_err keeld_lock_deletion_pending(struct keeld_lock *l, char id[KEELD_DELETION_ID_HEX + 1],
                                     int64_t *requested)
{
    struct deletion_row d;
    keel_err ret;

    if (id == NULL || requested == NULL)
        return KEEL_ERR_ARG;
    id[0] = '\0';
    *requested = 0;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = deletion_read(l, &d);
    keeld_lock_release(l);
    if (ret == KEEL_OK && !d.pending)
        ret = KEEL_ERR_NOT_FOUND;
    if (ret == KEEL_OK) {
        memcpy(id, d.request, KEELD_DELETION_ID_HEX + 1);
        *requested = d.requested;
    }
    return ret;
}

static keel_err confirm_locked(struct keeld_lock *l, const char *id, uint64_t items)
{
    struct deletion_row d;
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_DEL_CONFIRM];
    keel_err ret = deletion_read(l, &d);

    if (ret != KEEL_OK)
        return ret;
    if (!d.pending || strnlen(id, KEELD_DELETION_ID_HEX + 1) != KEELD_DELETION_ID_HEX ||
        !keel_ct_equal(id, d.request, KEELD_DELETION_ID_HEX))
        return KEEL_ERR_NOT_FOUND;
    sqlite3_bind_int64(s, 1, keeld_lock_now());
    sqlite3_bind_int64(s, 2, (sqlite3_int64)items);
    ret = keeld_lock_run(l, s);
    if (ret == KEEL_OK && sqlite3_changes(l->db) != 1)
        ret = KEEL_ERR_NOT_FOUND;
    return ret;
}

/* items past 2^53 - 1 is KEEL_ERR_RANGE: it could not be shown exactly as JSON. */
keel_err keeld_lock_deletion_confirm(struct keeld_lock *l, const char *id, uint64_t items)
{
    keel_err ret;

    if (l == NULL || id == NULL)
        return KEEL_ERR_ARG;
    if (items > ITEMS_MAX)
        return KEEL_ERR_RANGE;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        ret = confirm_locked(l, id, items);
        if (ret == KEEL_OK)
            ret = keeld_lock_commit(l);
        else
            keeld_lock_rollback(l);
    }
    keeld_lock_release(l);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.deletion_confirmed items=%llu",
                 (unsigned long long)items);
    return ret;
}

keel_err keeld_lock_deletion_build(struct keeld_lock *l, cJSON *obj)
{
    struct deletion_row d;
    char requested[21];
    char confirmed[21];
    keel_err ret = deletion_read(l, &d);

    if (ret != KEEL_OK)
        return ret;
    if (!d.present)
        return cJSON_AddStringToObject(obj, "state", "none") != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
    keeld_lock_time(d.requested, requested);
    keeld_lock_time(d.confirmed, confirmed);
    if (cJSON_AddStringToObject(obj, "state", d.pending ? "pending" : "confirmed") == NULL ||
        cJSON_AddStringToObject(obj, "request", d.request) == NULL ||
        cJSON_AddStringToObject(obj, "requested", requested) == NULL ||
        (d.confirmed < 0 ? cJSON_AddNullToObject(obj, "confirmed")
                         : cJSON_AddStringToObject(obj, "confirmed", confirmed)) == NULL ||
        (d.items < 0 ? cJSON_AddNullToObject(obj, "items")
                     : cJSON_AddNumberToObject(obj, "items", (double)d.items)) == NULL)
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

keel_err keeld_lock_deletion_json(struct keeld_lock *l, char *out, size_t outsz)
{
    cJSON *root;
    keel_err ret;

    if (l == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    root = cJSON_CreateObject();
    if (root == NULL)
        return KEEL_ERR_NOMEM;
    ret = keeld_lock_acquire(l);
    if (ret == KEEL_OK) {
        ret = keeld_lock_deletion_build(l, root);
        keeld_lock_release(l);
    }
    if (ret != KEEL_OK) {
        cJSON_Delete(root);
        return ret;
    }
    return keeld_lock_json_emit(root, out, outsz);
}
