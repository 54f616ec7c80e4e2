/*
 * Security events of the rest of keeld (5.10-1), the telemetry pseudonym (6-4) and the
 * access log's retention (6-6): lock.h.
 *
 * Retention: the access log (and the owner's copies waiting for the cloud) keeps entries
 * for the owner's retention (KEELD_LOG_RETENTION_DEFAULT_S until set) and at most
 * KEELD_LOG_KEEP of them. keeld runs keeld_lock_prune at start and then every minute; the
 * connection runs with secure_delete, so a pruned entry's bytes are overwritten with zeros
 * in the database's pages, the WAL's older frames are scrubbed after it (lock_wal.c), and its
 * "who" was sealed in any case.
 */
#include <string.h>

#include "lock_int.h"

static int source_valid(keeld_lock_source s)
{
    return s == KEELD_SRC_KEYPAD || s == KEELD_SRC_BUTTON || s == KEELD_SRC_API ||
           s == KEELD_SRC_CLOUD || s == KEELD_SRC_SYSTEM;
}

keel_err keeld_lock_security(struct keeld_lock *l, const char *name, keeld_lock_source src)
{
    struct keeld_lock_row row;
    keel_err ret;

    if (l == NULL || name == NULL || !keel_event_name_valid(name) || !source_valid(src))
        return KEEL_ERR_ARG;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK)
        ret = keeld_lock_row_read(l, &row);
    if (ret == KEEL_OK)
        ret = keeld_lock_record(l, keeld_lock_now(), name, src, NULL, row.locked);
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    keeld_lock_release(l);
    return ret;
}

keel_err keeld_lock_pseudonym(struct keeld_lock *l, char out[33])
{
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_str_copy(out, 33, l->pseudonym);
    keeld_lock_release(l);
    return ret;
}

keel_err keeld_lock_set_retention(struct keeld_lock *l, int64_t seconds)
{
    sqlite3_stmt *s;
    keel_err ret;

    if (l == NULL)
        return KEEL_ERR_ARG;
    if (seconds <= 0)
        return KEEL_ERR_RANGE;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    s = l->stmt[KEELD_LOCK_PRIV_RETENTION];
    sqlite3_bind_int64(s, 1, seconds);
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK)
        ret = keeld_lock_run(l, s);
    else
        sqlite3_clear_bindings(s);
    if (ret == KEEL_OK && sqlite3_changes(l->db) != 1)
        ret = KEEL_ERR_PARSE; /* the privacy row is made with the database: cannot happen */
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    keeld_lock_release(l);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.retention seconds=%lld", (long long)seconds);
    return ret;
}

/* The retention in seconds (the caller holds l->mu). */
static keel_err retention_read(struct keeld_lock *l, int64_t *seconds)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_PRIV_GET];
    int rc = sqlite3_step(s);
    keel_err ret = KEEL_OK;

    if (rc == SQLITE_ROW)
        *seconds = sqlite3_column_int64(s, 0);
    else
        ret = rc == SQLITE_DONE ? KEEL_ERR_PARSE : keeld_lock_db_error(l, rc);
    sqlite3_reset(s);
    if (ret == KEEL_OK && *seconds <= 0)
        ret = KEEL_ERR_PARSE;
    return ret;
}

/* Delete the rows of stmt (a DELETE ... WHERE time < ?1) older than cutoff; how many. */
static keel_err prune_table(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t cutoff,
                            uint32_t *removed)
{
    sqlite3_stmt *s = l->stmt[stmt];
    keel_err ret;

    sqlite3_bind_int64(s, 1, cutoff);
    ret = keeld_lock_run(l, s);
    if (ret == KEEL_OK && removed != NULL)
        *removed = (uint32_t)sqlite3_changes(l->db);
    return ret;
}

keel_err keeld_lock_prune(struct keeld_lock *l, int64_t now, uint32_t *removed)
{
    int64_t retention = 0;
    int64_t cutoff;
    uint32_t from_log = 0;
    uint32_t from_sync = 0;
    keel_err ret;

    if (removed != NULL)
        *removed = 0;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK)
        ret = retention_read(l, &retention);
    if (ret == KEEL_OK) {
        /* older than the retention: time < now - retention, without overflow */
        cutoff = now < INT64_MIN + retention ? INT64_MIN : now - retention;
        ret = prune_table(l, KEELD_LOCK_LOG_PRUNE, cutoff, &from_log);
        if (ret == KEEL_OK)
            ret = prune_table(l, KEELD_LOCK_SYNC_PRUNE, cutoff, &from_sync);
    }
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    if (ret != KEEL_OK) {
        keeld_lock_release(l);
        return ret;
    }
    if (removed != NULL)
        *removed = from_log;
    if (from_log + from_sync == 0) {
        keeld_lock_release(l);
        return KEEL_OK;
    }
    keel_log(KEEL_LOG_INFO,
             "event=lock.pruned entries=%u copies=%u retention_s=%lld: past the access log's "
             "retention",
             from_log, from_sync, (long long)retention);
    /* the pruned rows' older page versions out of the WAL too (the rows are gone already:
     * an error here is the WAL's, reported as such) */
    ret = keeld_lock_wal_scrub(l);
    keeld_lock_release(l);
    return ret;
}
