/*
 * The lock's database, DATA/lock.db: its schema, how it is opened and checked, and the
 * transaction helpers (lock.h). The file is made with mode 0600 (it holds the PIN holders'
 * sealed names and the PINs' HMACs); SQLite gives its WAL and shared-memory files the same
 * mode. A file that is not a SQLite database, fails its check, or has another shape or a
 * newer schema is refused and left exactly as it is: nothing is ever rewritten to make it
 * fit. The one change made to an older database is the migration of a checked schema-1
 * lock to schema 2 (lock_migrate.c), in one transaction.
 *
 * Schema 2 (6-6, 6-3A, 5.11-2): the personal data sealed (BLOB columns: pins.name, log.who,
 * sync.who), the retention of the access log (privacy), the owner's consent and its record
 * (consent, consent_log), the access-log copies waiting for the owner's cloud account
 * (sync), the request that the associated service delete the owner's data (deletion).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock_int.h"

/* The schema, as SQLite keeps it in sqlite_master (compared word for word on open). */
static const char *const schema_v2[][2] = {
    {"state", "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), "
              "locked INTEGER NOT NULL, door_open INTEGER NOT NULL, battery INTEGER NOT NULL, "
              "changed_at INTEGER NOT NULL, running INTEGER NOT NULL, "
              "keypad_failures INTEGER NOT NULL, keypad_wait_until INTEGER NOT NULL, "
              "dropped INTEGER NOT NULL, next_seq INTEGER NOT NULL)"},
    {"pins", KEELD_LOCK_SQL_PINS_V2},
    {"log", KEELD_LOCK_SQL_LOG_V2},
    {"outbox", "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, event TEXT NOT NULL, "
               "dropped INTEGER NOT NULL)"},
    {"privacy", KEELD_LOCK_SQL_PRIVACY},
    {"consent", KEELD_LOCK_SQL_CONSENT},
    {"consent_log", KEELD_LOCK_SQL_CONSENT_LOG},
    {"sync", KEELD_LOCK_SQL_SYNC},
    {"deletion", KEELD_LOCK_SQL_DELETION}};

/* Schema 1, the shape a database must have exactly before it is migrated. */
static const char *const schema_v1[][2] = {
    {"state", "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), "
              "locked INTEGER NOT NULL, door_open INTEGER NOT NULL, battery INTEGER NOT NULL, "
              "changed_at INTEGER NOT NULL, running INTEGER NOT NULL, "
              "keypad_failures INTEGER NOT NULL, keypad_wait_until INTEGER NOT NULL, "
              "dropped INTEGER NOT NULL, next_seq INTEGER NOT NULL)"},
    {"pins", "CREATE TABLE pins(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
             "hmac BLOB NOT NULL UNIQUE, created INTEGER NOT NULL)"},
    {"log", "CREATE TABLE log(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, "
            "event TEXT NOT NULL, source TEXT NOT NULL, who TEXT)"},
    {"outbox", "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, event TEXT NOT NULL, "
               "dropped INTEGER NOT NULL)"}};

struct schema {
    const char *const (*tables)[2];
    size_t n;
};
static const struct schema schema_current = {schema_v2, sizeof(schema_v2) / sizeof(schema_v2[0])};
static const struct schema schema_old = {schema_v1, sizeof(schema_v1) / sizeof(schema_v1[0])};

const char *const keeld_lock_sql[KEELD_LOCK_STMT_COUNT] = {
    [KEELD_LOCK_BEGIN] = "BEGIN IMMEDIATE",
    [KEELD_LOCK_COMMIT] = "COMMIT",
    [KEELD_LOCK_ROLLBACK] = "ROLLBACK",
    [KEELD_LOCK_STATE_GET] = ("SELECT locked, door_open, battery, changed_at, running, "
                              "keypad_failures, keypad_wait_until, dropped, next_seq "
                              "FROM state WHERE id = 1"),
    [KEELD_LOCK_STATE_BOLT] = "UPDATE state SET locked = ?1, changed_at = ?2 WHERE id = 1",
    [KEELD_LOCK_STATE_DOOR] = "UPDATE state SET door_open = ?1 WHERE id = 1",
    [KEELD_LOCK_STATE_BATTERY] = "UPDATE state SET battery = ?1 WHERE id = 1",
    [KEELD_LOCK_STATE_RUNNING] = "UPDATE state SET running = ?1 WHERE id = 1",
    [KEELD_LOCK_STATE_GUARD] =
        "UPDATE state SET keypad_failures = ?1, keypad_wait_until = ?2 WHERE id = 1",
    [KEELD_LOCK_STATE_SEQ] = "UPDATE state SET next_seq = next_seq + 1 WHERE id = 1",
    [KEELD_LOCK_STATE_DROPPED] = "UPDATE state SET dropped = dropped + 1 WHERE id = 1",
    [KEELD_LOCK_LOG_ADD] =
        "INSERT INTO log(seq, time, event, source, who) VALUES (?1, ?2, ?3, ?4, ?5)",
    [KEELD_LOCK_LOG_TRIM] = "DELETE FROM log WHERE seq <= ?1",
    [KEELD_LOCK_LOG_NEWEST] =
        "SELECT seq, time, event, source, who FROM log ORDER BY seq DESC LIMIT ?1",
    [KEELD_LOCK_OUT_ADD] = "INSERT INTO outbox(seq, event, dropped) VALUES (?1, ?2, 0)",
    [KEELD_LOCK_OUT_COUNT] = "SELECT count(*) FROM outbox",
    [KEELD_LOCK_OUT_OLDEST] = "SELECT seq, event, dropped FROM outbox ORDER BY seq LIMIT 1",
    [KEELD_LOCK_OUT_DELETE] = "DELETE FROM outbox WHERE seq = ?1",
    [KEELD_LOCK_OUT_CARRY] = ("UPDATE outbox SET dropped = dropped + ?1 "
                              "WHERE seq = (SELECT min(seq) FROM outbox)"),
    [KEELD_LOCK_PIN_ALL] = "SELECT id, name, hmac FROM pins ORDER BY id",
    [KEELD_LOCK_PIN_COUNT] = "SELECT count(*) FROM pins",
    [KEELD_LOCK_PIN_ADD] = "INSERT INTO pins(name, hmac, created) VALUES (?1, ?2, ?3)",
    [KEELD_LOCK_PIN_DELETE] = "DELETE FROM pins WHERE id = ?1",
    [KEELD_LOCK_PIN_NAME] = "SELECT name FROM pins WHERE id = ?1",
    [KEELD_LOCK_PIN_LIST] = "SELECT id, name, created FROM pins ORDER BY id",
    [KEELD_LOCK_LOG_ALL] = "SELECT seq, time, event, source, who FROM log ORDER BY seq",
    [KEELD_LOCK_LOG_PRUNE] = "DELETE FROM log WHERE time < ?1",
    [KEELD_LOCK_PRIV_GET] = "SELECT retention_s FROM privacy WHERE id = 1",
    [KEELD_LOCK_PRIV_RETENTION] = "UPDATE privacy SET retention_s = ?1 WHERE id = 1",
    [KEELD_LOCK_CONSENT_GET] = "SELECT granted, changed FROM consent WHERE purpose = ?1",
    [KEELD_LOCK_CONSENT_SET] =
        ("INSERT INTO consent(purpose, granted, changed) VALUES (?1, ?2, ?3) "
         "ON CONFLICT(purpose) DO UPDATE SET granted = excluded.granted, changed = "
         "excluded.changed"),
    [KEELD_LOCK_CONSENT_RECORD] =
        "INSERT INTO consent_log(time, purpose, granted, via) VALUES (?1, ?2, ?3, ?4)",
    [KEELD_LOCK_CONSENT_TRIM] =
        "DELETE FROM consent_log WHERE seq <= (SELECT max(seq) FROM consent_log) - ?1",
    [KEELD_LOCK_CONSENT_RECORDS] =
        "SELECT seq, time, purpose, granted, via FROM consent_log ORDER BY seq",
    [KEELD_LOCK_SYNC_ADD] =
        "INSERT INTO sync(seq, time, event, source, who) VALUES (?1, ?2, ?3, ?4, ?5)",
    [KEELD_LOCK_SYNC_COUNT] = "SELECT count(*) FROM sync",
    [KEELD_LOCK_SYNC_OLDEST] =
        "SELECT seq, time, event, source, who FROM sync ORDER BY seq LIMIT 1",
    [KEELD_LOCK_SYNC_DELETE] = "DELETE FROM sync WHERE seq = ?1",
    [KEELD_LOCK_SYNC_CLEAR] = "DELETE FROM sync",
    [KEELD_LOCK_SYNC_PRUNE] = "DELETE FROM sync WHERE time < ?1",
    [KEELD_LOCK_DEL_GET] =
        "SELECT request, state, requested, confirmed, items FROM deletion WHERE id = 1",
    [KEELD_LOCK_DEL_REQUEST] =
        ("INSERT OR REPLACE INTO deletion(id, request, state, requested, confirmed, items) "
         "VALUES (1, ?1, 'pending', ?2, NULL, NULL)"),
    [KEELD_LOCK_DEL_CONFIRM] = ("UPDATE deletion SET state = 'confirmed', confirmed = ?1, "
                                "items = ?2 WHERE id = 1 AND state = 'pending'")};

/* ---- helpers for the other parts ---- */

int64_t keeld_lock_now(void)
{
    return (int64_t)time(NULL);
}

void keeld_lock_time(int64_t t, char out[21])
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        memcpy(out, "1970-01-01T00:00:00Z", 21);
}

keel_err keeld_lock_acquire(struct keeld_lock *l)
{
    if (l == NULL)
        return KEEL_ERR_ARG;
    pthread_mutex_lock(&l->mu);
    if (l->erased) {
        pthread_mutex_unlock(&l->mu);
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

void keeld_lock_release(struct keeld_lock *l)
{
    pthread_mutex_unlock(&l->mu);
}

keel_err keeld_lock_db_error(struct keeld_lock *l, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return KEEL_OK;
    case SQLITE_NOMEM: return KEEL_ERR_NOMEM;
    case SQLITE_CONSTRAINT: return KEEL_ERR_EXISTS;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        keel_log(KEEL_LOG_ERROR, "lock: %s is damaged: %s", l->path, sqlite3_errmsg(l->db));
        return KEEL_ERR_PARSE;
    default:
        keel_log(KEEL_LOG_ERROR, "lock: %s: %s", l->path, sqlite3_errmsg(l->db));
        return KEEL_ERR_IO;
    }
}

keel_err keeld_lock_run(struct keeld_lock *l, sqlite3_stmt *s)
{
    int rc;

    do
        rc = sqlite3_step(s);
    while (rc == SQLITE_ROW);
    keel_err ret = rc == SQLITE_DONE ? KEEL_OK : keeld_lock_db_error(l, rc);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

keel_err keeld_lock_begin(struct keeld_lock *l)
{
    return keeld_lock_run(l, l->stmt[KEELD_LOCK_BEGIN]);
}

void keeld_lock_rollback(struct keeld_lock *l)
{
    if (!sqlite3_get_autocommit(l->db))
        (void)keeld_lock_run(l, l->stmt[KEELD_LOCK_ROLLBACK]);
}

keel_err keeld_lock_commit(struct keeld_lock *l)
{
    keel_err ret = keeld_lock_run(l, l->stmt[KEELD_LOCK_COMMIT]);

    if (ret != KEEL_OK)
        keeld_lock_rollback(l);
    return ret;
}

keel_err keeld_lock_row_read(struct keeld_lock *l, struct keeld_lock_row *out)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_STATE_GET];
    int rc = sqlite3_step(s);
    keel_err ret = KEEL_OK;

    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
        out->locked = sqlite3_column_int(s, 0) != 0;
        out->door_open = sqlite3_column_int(s, 1) != 0;
        out->battery = sqlite3_column_int(s, 2);
        out->changed_at = sqlite3_column_int64(s, 3);
        out->running = sqlite3_column_int(s, 4) != 0;
        out->failures = (uint32_t)sqlite3_column_int64(s, 5);
        out->wait_until = sqlite3_column_int64(s, 6);
        out->dropped = (uint64_t)sqlite3_column_int64(s, 7);
        out->next_seq = (uint64_t)sqlite3_column_int64(s, 8);
    } else {
        ret = rc == SQLITE_DONE ? KEEL_ERR_PARSE : keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(s);
    return ret;
}

/* ---- opening ---- */

/* Make path (0600) when absent; refuse anything but a regular file that only its owner may
 * reach. */
static keel_err file_prepare(const char *path, char *err, size_t errsz)
{
    struct stat st;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd >= 0) {
        int ok = fsync(fd) == 0;
        close(fd);
        if (ok && keel_file_sync_parent(path) == KEEL_OK)
            return KEEL_OK;
        (void)keel_str_format(err, errsz, "%s: cannot create it (%s)", path, strerror(errno));
        return KEEL_ERR_IO;
    }
    if (errno != EEXIST || lstat(path, &st) != 0) {
        (void)keel_str_format(err, errsz, "%s: cannot open it (%s)", path, strerror(errno));
        return KEEL_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        (void)keel_str_format(err, errsz, "%s is not a regular file", path);
        return KEEL_ERR_PERM;
    }
    if ((st.st_mode & 0077) != 0) {
        (void)keel_str_format(err, errsz, "%s: mode %o lets others reach it: chmod 600 %s", path,
                              (unsigned)(st.st_mode & 07777), path);
        return KEEL_ERR_PERM;
    }
    return KEEL_OK;
}

int keeld_lock_exec_text(sqlite3 *db, const char *sql, char *out, size_t outsz)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

    if (out != NULL && outsz > 0)
        out[0] = '\0';
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out != NULL && sqlite3_column_text(s, 0) != NULL)
        (void)keel_str_copy(out, outsz, (const char *)sqlite3_column_text(s, 0));
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Read-only checks first (this, then schema_inspect), so that a file that is not ours is
 * never written: it is a database, and a sound one. */
static keel_err db_check(struct keeld_lock *l, char *err, size_t errsz)
{
    char result[256];
    int rc = keeld_lock_exec_text(l->db, "SELECT count(*) FROM sqlite_master", NULL, 0);

    if (rc != SQLITE_OK) {
        (void)keel_str_format(err, errsz, "%s is not a lock database (%s): refusing to touch it",
                              l->path, sqlite3_errstr(rc));
        return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ? KEEL_ERR_PARSE
                                                                             : KEEL_ERR_IO;
    }
    rc = keeld_lock_exec_text(l->db, "PRAGMA quick_check", result, sizeof(result));
    if (rc != SQLITE_OK || strcmp(result, "ok") != 0) {
        (void)keel_str_format(err, errsz,
                              "%s failed its integrity check (%s): refusing to touch it", l->path,
                              rc != SQLITE_OK ? sqlite3_errstr(rc) : result);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

/* WAL and a sync on every commit: a commit reported is on flash (5.9-2). Deleted rows are
 * overwritten (a removed PIN leaves nothing behind); temporary data stays in memory; the WAL
 * is never unlinked by SQLite (lock_wal.c). */
static keel_err db_configure(struct keeld_lock *l, char *err, size_t errsz)
{
    static const char *const pragmas[] = {"PRAGMA synchronous = FULL", "PRAGMA secure_delete = ON",
                                          "PRAGMA temp_store = MEMORY",
                                          "PRAGMA trusted_schema = OFF"};
    char mode[16];
    int rc = keeld_lock_exec_text(l->db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));

    if (rc != SQLITE_OK || strcmp(mode, "wal") != 0) {
        (void)keel_str_format(err, errsz, "%s: cannot use WAL mode (%s)", l->path,
                              rc != SQLITE_OK ? sqlite3_errstr(rc) : mode);
        return KEEL_ERR_IO;
    }
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        rc = keeld_lock_exec_text(l->db, pragmas[i], NULL, 0);
        if (rc != SQLITE_OK) {
            (void)keel_str_format(err, errsz, "%s: %s failed (%s)", l->path, pragmas[i],
                                  sqlite3_errstr(rc));
            return KEEL_ERR_IO;
        }
    }
    if (keeld_lock_wal_persist(l) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "%s: cannot keep its WAL persistent", l->path);
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

/* A new database: the tables, the state row (locked, door closed, the battery full until
 * the gauge says otherwise) and the privacy row (the default retention), in one transaction
 * with the version. */
static keel_err schema_create(struct keeld_lock *l, char *err, size_t errsz)
{
    char row[256];
    int rc = keeld_lock_exec_text(l->db, "BEGIN IMMEDIATE", NULL, 0);

    for (size_t i = 0; rc == SQLITE_OK && i < schema_current.n; i++)
        rc = keeld_lock_exec_text(l->db, schema_current.tables[i][1], NULL, 0);
    if (rc == SQLITE_OK &&
        keel_str_format(row, sizeof(row),
                        "INSERT INTO state VALUES (1, 1, 0, 100, %lld, 0, 0, 0, 0, 1)",
                        (long long)keeld_lock_now()) != KEEL_OK)
        rc = SQLITE_TOOBIG;
    if (rc == SQLITE_OK)
        rc = keeld_lock_exec_text(l->db, row, NULL, 0);
    if (rc == SQLITE_OK)
        rc = keeld_lock_exec_text(l->db, KEELD_LOCK_SQL_PRIVACY_ROW, NULL, 0);
    if (rc == SQLITE_OK && keel_str_format(row, sizeof(row), "PRAGMA user_version = %d",
                                           KEELD_LOCK_SCHEMA_VERSION) != KEEL_OK)
        rc = SQLITE_TOOBIG;
    if (rc == SQLITE_OK)
        rc = keeld_lock_exec_text(l->db, row, NULL, 0);
    if (rc == SQLITE_OK)
        rc = keeld_lock_exec_text(l->db, "COMMIT", NULL, 0);
    if (rc != SQLITE_OK) {
        (void)keeld_lock_exec_text(l->db, "ROLLBACK", NULL, 0);
        (void)keel_str_format(err, errsz, "%s: cannot create the lock's tables (%s)", l->path,
                              sqlite3_errstr(rc));
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

/* The tables as stored, each compared with the schema sc: another shape is refused. */
static keel_err schema_compare(struct keeld_lock *l, const struct schema *sc, char *err,
                               size_t errsz)
{
    sqlite3_stmt *s = NULL;
    size_t seen = 0;
    int rc = sqlite3_prepare_v2(l->db,
                                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND "
                                "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                                -1, &s, NULL);
    keel_err ret = KEEL_OK;

    while (rc == SQLITE_OK && ret == KEEL_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        const char *sql = (const char *)sqlite3_column_text(s, 1);
        size_t i = 0;
        while (i < sc->n && (name == NULL || strcmp(name, sc->tables[i][0]) != 0))
            i++;
        if (i == sc->n || sql == NULL || strcmp(sql, sc->tables[i][1]) != 0)
            ret = KEEL_ERR_PARSE;
        seen++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (ret == KEEL_OK && (rc != SQLITE_DONE || seen != sc->n))
        ret = rc == SQLITE_DONE ? KEEL_ERR_PARSE : KEEL_ERR_IO;
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz,
                              "%s holds tables of another shape than keeld's lock: refusing to "
                              "touch it",
                              l->path);
    return ret;
}

/* Read-only: *version 0 for an empty database (no table, version 0), else the version
 * (schema 1 or the current one) with the tables checked against it. */
static keel_err schema_inspect(struct keeld_lock *l, int *version, char *err, size_t errsz)
{
    char text[32];
    char tables[32];
    uint64_t v = 0;
    int rc = keeld_lock_exec_text(l->db, "PRAGMA user_version", text, sizeof(text));

    *version = -1;
    if (rc == SQLITE_OK)
        rc = keeld_lock_exec_text(l->db, "SELECT count(*) FROM sqlite_master", tables,
                                  sizeof(tables));
    if (rc != SQLITE_OK || keel_str_to_u64(text, 0, UINT32_MAX, &v) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "%s: cannot read its schema version", l->path);
        return KEEL_ERR_IO;
    }
    if (v == 0 && strcmp(tables, "0") == 0) {
        *version = 0;
        return KEEL_OK;
    }
    if (v > KEELD_LOCK_SCHEMA_VERSION) {
        (void)keel_str_format(err, errsz,
                              "%s has schema version %llu, newer than this keeld's %d: refusing "
                              "to touch it",
                              l->path, (unsigned long long)v, KEELD_LOCK_SCHEMA_VERSION);
        return KEEL_ERR_PARSE;
    }
    if (v != KEELD_LOCK_SCHEMA_VERSION && v != KEELD_LOCK_SCHEMA_V1) {
        (void)keel_str_format(err, errsz,
                              "%s has schema version %llu, not a lock database of keeld's: "
                              "refusing to touch it",
                              l->path, (unsigned long long)v);
        return KEEL_ERR_PARSE;
    }
    *version = (int)v;
    return schema_compare(l, v == KEELD_LOCK_SCHEMA_V1 ? &schema_old : &schema_current, err, errsz);
}

static keel_err statements_prepare(struct keeld_lock *l, char *err, size_t errsz)
{
    for (size_t i = 0; i < KEELD_LOCK_STMT_COUNT; i++) {
        int rc = sqlite3_prepare_v3(l->db, keeld_lock_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &l->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            (void)keel_str_format(err, errsz, "%s: cannot prepare '%s' (%s)", l->path,
                                  keeld_lock_sql[i], sqlite3_errmsg(l->db));
            return KEEL_ERR_PARSE;
        }
    }
    return KEEL_OK;
}

/* An earlier run that did not stop cleanly (its running mark is still set) leaves the bolt
 * locked, logged; then this run's mark is set, in the same transaction. */
static keel_err fail_secure(struct keeld_lock *l, char *err, size_t errsz)
{
    struct keeld_lock_row row;
    sqlite3_stmt *mark = l->stmt[KEELD_LOCK_STATE_RUNNING];
    int64_t now = keeld_lock_now();
    keel_err ret = keeld_lock_begin(l);

    if (ret == KEEL_OK)
        ret = keeld_lock_row_read(l, &row);
    if (ret == KEEL_OK && row.running) {
        l->unclean_start = 1;
        ret = keeld_lock_bolt(l, &row, 1, now);
        if (ret == KEEL_OK)
            ret = keeld_lock_record(l, now, "fail_secure", KEELD_SRC_SYSTEM, NULL, 1);
    }
    if (ret == KEEL_OK) {
        sqlite3_bind_int(mark, 1, 1);
        ret = keeld_lock_run(l, mark);
    }
    if (ret == KEEL_OK)
        ret = keeld_lock_commit(l);
    else
        keeld_lock_rollback(l);
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "%s: cannot record the start (%s)", l->path,
                              keel_strerror(ret));
    else if (l->unclean_start)
        keel_log(KEEL_LOG_WARN, "event=lock.fail_secure source=system: the previous run did not "
                                "stop cleanly; the bolt is locked");
    return ret;
}

static void lock_free(struct keeld_lock *l)
{
    for (size_t i = 0; i < KEELD_LOCK_STMT_COUNT; i++)
        sqlite3_finalize(l->stmt[i]);
    sqlite3_close(l->db);
    pthread_mutex_destroy(&l->mu);
    keel_wipe(l, sizeof(*l));
    free(l);
}

/* Checked (read-only) first; then configured, created or migrated, and the keys read: the
 * PIN key before the data key, so that a store that lost both is named by the PINs' record
 * first. */
static keel_err open_steps(struct keeld_lock *l, keel_store *store, char *err, size_t errsz)
{
    int version = -1;
    int rc;
    keel_err ret = file_prepare(l->path, err, errsz);

    if (ret != KEEL_OK)
        return ret;
    rc = sqlite3_open_v2(l->path, &l->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
                             SQLITE_OPEN_EXRESCODE,
                         NULL);
    if (rc != SQLITE_OK) {
        (void)keel_str_format(err, errsz, "%s: cannot open it (%s)", l->path, sqlite3_errstr(rc));
        return KEEL_ERR_IO;
    }
    sqlite3_busy_timeout(l->db, 5000);
    ret = db_check(l, err, errsz);
    if (ret == KEEL_OK)
        ret = schema_inspect(l, &version, err, errsz);
    if (ret == KEEL_OK)
        ret = db_configure(l, err, errsz);
    if (ret == KEEL_OK && version == 0)
        ret = schema_create(l, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_lock_keys_load(l, store, version == KEELD_LOCK_SCHEMA_V1, err, errsz);
    if (ret == KEEL_OK && version == KEELD_LOCK_SCHEMA_V1)
        ret = keeld_lock_migrate_v1(l, err, errsz);
    if (ret == KEEL_OK)
        ret = statements_prepare(l, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_lock_pseudonym_load(l, store, err, errsz);
    if (ret == KEEL_OK)
        ret = fail_secure(l, err, errsz);
    return ret;
}

keel_err keeld_lock_open(const char *data_dir, keel_store *store, struct keeld_lock **out,
                         char *err, size_t errsz)
{
    struct keeld_lock *l;
    keel_err ret;

    if (out != NULL)
        *out = NULL;
    if (data_dir == NULL || store == NULL || out == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    err[0] = '\0';
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return KEEL_ERR_NOMEM;
    if (pthread_mutex_init(&l->mu, NULL) != 0) {
        free(l);
        return KEEL_ERR_NOMEM;
    }
    ret = keel_str_format(l->path, sizeof(l->path), "%s/%s", data_dir, KEELD_LOCK_DB);
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "data directory path too long for %s", KEELD_LOCK_DB);
    else
        ret = open_steps(l, store, err, errsz);
    if (ret != KEEL_OK) {
        lock_free(l);
        return ret;
    }
    *out = l;
    return KEEL_OK;
}

/* After keeld_lock_erase there is no database left to mark: only the memory is freed. A
 * clean stop scrubs the WAL (lock_wal.c), then lets SQLite remove the empty file; if the
 * scrub fails the WAL stays where it is, bytes and all, rather than being unlinked. */
void keeld_lock_close(struct keeld_lock *l)
{
    sqlite3_stmt *mark;
    int persist = 0;

    if (l == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    if (!l->erased) {
        mark = l->stmt[KEELD_LOCK_STATE_RUNNING];
        sqlite3_bind_int(mark, 1, 0);
        if (keeld_lock_run(l, mark) != KEEL_OK)
            keel_log(KEEL_LOG_ERROR,
                     "lock: %s: cannot record the clean stop: the next start "
                     "locks the bolt",
                     l->path);
        if (keeld_lock_wal_scrub(l) == KEEL_OK)
            (void)sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    }
    pthread_mutex_unlock(&l->mu);
    lock_free(l);
}

keel_err keeld_lock_delete_seq(struct keeld_lock *l, enum keeld_lock_stmt stmt, uint64_t seq)
{
    sqlite3_stmt *s;
    keel_err ret;

    if (l == NULL || seq > (uint64_t)INT64_MAX)
        return KEEL_ERR_ARG;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    s = l->stmt[stmt];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
    ret = keeld_lock_run(l, s);
    keeld_lock_release(l);
    return ret;
}
