/*
 * A schema-1 lock.db brought to schema 2 (lock_db.c), in one transaction: a power cut
 * leaves the database of version 1 or of version 2, never between (5.9-2). It runs only on
 * a database whose version and tables were checked to be exactly schema 1.
 *
 * Schema 1 kept the PIN holders' names and the access log's "who" in plaintext. Both tables
 * are rebuilt with those fields sealed under the data key (6-6): the old table is renamed,
 * the new one made with schema 2's exact text, each row copied with its field sealed, the
 * old table dropped. The PINs' numbering goes on where it was (their AUTOINCREMENT counter
 * is carried over), so a removed PIN's number is still never given again. The connection
 * runs with secure_delete, so the dropped tables' pages are overwritten with zeros; the WAL
 * that held them is scrubbed afterwards (lock_wal.c).
 */
#include <string.h>

#include "lock_int.h"

static const char *const create_new[] = {KEELD_LOCK_SQL_PRIVACY,     KEELD_LOCK_SQL_CONSENT,
                                         KEELD_LOCK_SQL_CONSENT_LOG, KEELD_LOCK_SQL_SYNC,
                                         KEELD_LOCK_SQL_DELETION,    KEELD_LOCK_SQL_PRIVACY_ROW};

/* Copy every row of select (from the old table) into insert, column field sealed for context;
 * columns bound by position, the field's index being the same in both. */
static keel_err copy_sealed(struct keeld_lock *l, const char *select, const char *insert,
                            int columns, int field, const char *context)
{
    sqlite3_stmt *from = NULL;
    sqlite3_stmt *to = NULL;
    keel_err ret = KEEL_OK;
    int rc = sqlite3_prepare_v2(l->db, select, -1, &from, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(l->db, insert, -1, &to, NULL);
    while (rc == SQLITE_OK && ret == KEEL_OK && (rc = sqlite3_step(from)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        for (int c = 0; c < columns && ret == KEEL_OK; c++) {
            if (c != field) {
                sqlite3_bind_value(to, c + 1, sqlite3_column_value(from, c));
                continue;
            }
            const char *text = (const char *)sqlite3_column_text(from, c);
            if (text != NULL && (size_t)sqlite3_column_bytes(from, c) != strlen(text))
                ret = KEEL_ERR_PARSE; /* a NUL inside: not a name keeld stored */
            else
                ret = keeld_lock_bind_sealed(l, to, c + 1, context, text);
        }
        if (ret == KEEL_OK)
            ret = keeld_lock_run(l, to);
    }
    if (ret == KEEL_OK && rc != SQLITE_DONE)
        ret = keeld_lock_db_error(l, rc);
    sqlite3_finalize(from);
    sqlite3_finalize(to);
    return ret;
}

static keel_err exec_all(struct keeld_lock *l, const char *const *sql, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = keeld_lock_exec_text(l->db, sql[i], NULL, 0);
        if (rc != SQLITE_OK)
            return keeld_lock_db_error(l, rc);
    }
    return KEEL_OK;
}

static keel_err migrate_pins(struct keeld_lock *l)
{
    static const char *const before[] = {"ALTER TABLE pins RENAME TO pins_v1",
                                         KEELD_LOCK_SQL_PINS_V2};
    static const char *const after[] = {
        "DELETE FROM sqlite_sequence WHERE name = 'pins'",
        "UPDATE sqlite_sequence SET name = 'pins' WHERE name = 'pins_v1'", "DROP TABLE pins_v1"};
    keel_err ret = exec_all(l, before, sizeof(before) / sizeof(before[0]));

    if (ret == KEEL_OK)
        ret = copy_sealed(l, "SELECT id, name, hmac, created FROM pins_v1 ORDER BY id",
                          "INSERT INTO pins(id, name, hmac, created) VALUES (?1, ?2, ?3, ?4)", 4, 1,
                          KEELD_SEAL_PIN_NAME);
    if (ret == KEEL_OK)
        ret = exec_all(l, after, sizeof(after) / sizeof(after[0]));
    return ret;
}

static keel_err migrate_log(struct keeld_lock *l)
{
    static const char *const before[] = {"ALTER TABLE log RENAME TO log_v1", KEELD_LOCK_SQL_LOG_V2};
    static const char *const after[] = {"DROP TABLE log_v1"};
    keel_err ret = exec_all(l, before, sizeof(before) / sizeof(before[0]));

    if (ret == KEEL_OK)
        ret = copy_sealed(l, "SELECT seq, time, event, source, who FROM log_v1 ORDER BY seq",
                          "INSERT INTO log(seq, time, event, source, who) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          5, 4, KEELD_SEAL_LOG_WHO);
    if (ret == KEEL_OK)
        ret = exec_all(l, after, sizeof(after) / sizeof(after[0]));
    return ret;
}

keel_err keeld_lock_migrate_v1(struct keeld_lock *l, char *err, size_t errsz)
{
    char version[64];
    int rc = keeld_lock_exec_text(l->db, "BEGIN IMMEDIATE", NULL, 0);
    keel_err ret = rc == SQLITE_OK ? KEEL_OK : keeld_lock_db_error(l, rc);

    if (ret == KEEL_OK)
        ret = migrate_pins(l);
    if (ret == KEEL_OK)
        ret = migrate_log(l);
    if (ret == KEEL_OK)
        ret = exec_all(l, create_new, sizeof(create_new) / sizeof(create_new[0]));
    if (ret == KEEL_OK)
        ret = keel_str_format(version, sizeof(version), "PRAGMA user_version = %d",
                              KEELD_LOCK_SCHEMA_VERSION);
    if (ret == KEEL_OK)
        ret = exec_all(l, (const char *const[]){version}, 1);
    if (ret == KEEL_OK) {
        rc = keeld_lock_exec_text(l->db, "COMMIT", NULL, 0);
        ret = rc == SQLITE_OK ? KEEL_OK : keeld_lock_db_error(l, rc);
    }
    if (ret != KEEL_OK) {
        (void)keeld_lock_exec_text(l->db, "ROLLBACK", NULL, 0);
        (void)keel_str_format(
            err, errsz, "%s: cannot bring schema version %d to %d (%s): left as it was", l->path,
            KEELD_LOCK_SCHEMA_V1, KEELD_LOCK_SCHEMA_VERSION, keel_strerror(ret));
        return ret;
    }
    /* the plaintext of version 1 out of the WAL as well (the zeroed pages into the file) */
    if (keeld_lock_wal_scrub(l) != KEEL_OK)
        keel_log(KEEL_LOG_WARN, "lock: %s: the WAL could not be scrubbed after the migration",
                 l->path);
    keel_log(KEEL_LOG_INFO, "event=lock.migrated from=%d to=%d: names and who sealed",
             KEELD_LOCK_SCHEMA_V1, KEELD_LOCK_SCHEMA_VERSION);
    return KEEL_OK;
}
