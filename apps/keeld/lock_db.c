/*
 * The lock's database, DATA/lock.db: its schema, how it is opened and checked, and the
 * transaction helpers (lock.h). The file is made with mode 0600 (it holds the PIN holders'
 * names and the PINs' HMACs); SQLite gives its WAL and shared-memory files the same mode.
 * A file that is not a SQLite database, fails its check, or has another shape or a newer
 * schema is refused and left exactly as it is: nothing is ever rewritten to make it fit.
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
static const char *const schema_tables[][2] = {
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
#define SCHEMA_TABLES (sizeof(schema_tables) / sizeof(schema_tables[0]))

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
    [KEELD_LOCK_PIN_LIST] = "SELECT id, name, created FROM pins ORDER BY id"};

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

/* Run one statement of fixed text (pragmas, the schema); the first column of its first row
 * as text into out (may be NULL). */
static int exec_text(sqlite3 *db, const char *sql, char *out, size_t outsz)
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
    int rc = exec_text(l->db, "SELECT count(*) FROM sqlite_master", NULL, 0);

    if (rc != SQLITE_OK) {
        (void)keel_str_format(err, errsz, "%s is not a lock database (%s): refusing to touch it",
                              l->path, sqlite3_errstr(rc));
        return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ? KEEL_ERR_PARSE
                                                                             : KEEL_ERR_IO;
    }
    rc = exec_text(l->db, "PRAGMA quick_check", result, sizeof(result));
    if (rc != SQLITE_OK || strcmp(result, "ok") != 0) {
        (void)keel_str_format(err, errsz,
                              "%s failed its integrity check (%s): refusing to touch it", l->path,
                              rc != SQLITE_OK ? sqlite3_errstr(rc) : result);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

/* WAL and a sync on every commit: a commit reported is on flash (5.9-2). Deleted rows are
 * overwritten (a removed PIN leaves nothing behind); temporary data stays in memory. */
static keel_err db_configure(struct keeld_lock *l, char *err, size_t errsz)
{
    static const char *const pragmas[] = {"PRAGMA synchronous = FULL", "PRAGMA secure_delete = ON",
                                          "PRAGMA temp_store = MEMORY",
                                          "PRAGMA trusted_schema = OFF"};
    char mode[16];
    int rc = exec_text(l->db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));

    if (rc != SQLITE_OK || strcmp(mode, "wal") != 0) {
        (void)keel_str_format(err, errsz, "%s: cannot use WAL mode (%s)", l->path,
                              rc != SQLITE_OK ? sqlite3_errstr(rc) : mode);
        return KEEL_ERR_IO;
    }
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        rc = exec_text(l->db, pragmas[i], NULL, 0);
        if (rc != SQLITE_OK) {
            (void)keel_str_format(err, errsz, "%s: %s failed (%s)", l->path, pragmas[i],
                                  sqlite3_errstr(rc));
            return KEEL_ERR_IO;
        }
    }
    return KEEL_OK;
}

/* A new database: the tables and the state row (locked, door closed, the battery full until
 * the gauge says otherwise), in one transaction with the version. */
static keel_err schema_create(struct keeld_lock *l, char *err, size_t errsz)
{
    char row[256];
    int rc = exec_text(l->db, "BEGIN IMMEDIATE", NULL, 0);

    for (size_t i = 0; rc == SQLITE_OK && i < SCHEMA_TABLES; i++)
        rc = exec_text(l->db, schema_tables[i][1], NULL, 0);
    if (rc == SQLITE_OK &&
        keel_str_format(row, sizeof(row),
                        "INSERT INTO state VALUES (1, 1, 0, 100, %lld, 0, 0, 0, 0, 1)",
                        (long long)keeld_lock_now()) != KEEL_OK)
        rc = SQLITE_TOOBIG;
    if (rc == SQLITE_OK)
        rc = exec_text(l->db, row, NULL, 0);
    if (rc == SQLITE_OK)
        rc = exec_text(l->db, "PRAGMA user_version = 1", NULL, 0);
    if (rc == SQLITE_OK)
        rc = exec_text(l->db, "COMMIT", NULL, 0);
    if (rc != SQLITE_OK) {
        (void)exec_text(l->db, "ROLLBACK", NULL, 0);
        (void)keel_str_format(err, errsz, "%s: cannot create the lock's tables (%s)", l->path,
                              sqlite3_errstr(rc));
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

/* The tables as stored, each compared with the schema above: another shape is refused. */
static keel_err schema_compare(struct keeld_lock *l, char *err, size_t errsz)
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
        while (i < SCHEMA_TABLES && (name == NULL || strcmp(name, schema_tables[i][0]) != 0))
            i++;
        if (i == SCHEMA_TABLES || sql == NULL || strcmp(sql, schema_tables[i][1]) != 0)
            ret = KEEL_ERR_PARSE;
        seen++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (ret == KEEL_OK && (rc != SQLITE_DONE || seen != SCHEMA_TABLES))
        ret = rc == SQLITE_DONE ? KEEL_ERR_PARSE : KEEL_ERR_IO;
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz,
                              "%s holds tables of another shape than keeld's lock: refusing to "
                              "touch it",
                              l->path);
    return ret;
}

/* Read-only: *fresh set for an empty database (no table, version 0), else the version and
 * the tables checked. */
static keel_err schema_inspect(struct keeld_lock *l, int *fresh, char *err, size_t errsz)
{
    char text[32];
    char tables[32];
    uint64_t version = 0;
    int rc = exec_text(l->db, "PRAGMA user_version", text, sizeof(text));

    *fresh = 0;
    if (rc == SQLITE_OK)
        rc = exec_text(l->db, "SELECT count(*) FROM sqlite_master", tables, sizeof(tables));
    if (rc != SQLITE_OK || keel_str_to_u64(text, 0, UINT32_MAX, &version) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "%s: cannot read its schema version", l->path);
        return KEEL_ERR_IO;
    }
    if (version == 0 && strcmp(tables, "0") == 0) {
        *fresh = 1;
        return KEEL_OK;
    }
    if (version > KEELD_LOCK_SCHEMA_VERSION) {
        (void)keel_str_format(err, errsz,
                              "%s has schema version %llu, newer than this keeld's %d: refusing "
                              "to touch it",
                              l->path, (unsigned long long)version, KEELD_LOCK_SCHEMA_VERSION);
        return KEEL_ERR_PARSE;
    }
    if (version != KEELD_LOCK_SCHEMA_VERSION) {
        (void)keel_str_format(err, errsz,
                              "%s has schema version %llu, not a lock database of keeld's: "
                              "refusing to touch it",
                              l->path, (unsigned long long)version);
        return KEEL_ERR_PARSE;
    }
    return schema_compare(l, err, errsz);
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

/* The PINs' HMAC key: read, or made when the database holds no PIN yet. */
static keel_err pin_key_load(struct keeld_lock *l, keel_store *store, char *err, size_t errsz)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_PIN_COUNT];
    size_t len = 0;
    int64_t pins = -1;
    keel_err ret = keel_store_get(store, KEELD_REC_PIN_KEY, l->pin_key, sizeof(l->pin_key), &len);

    if (ret == KEEL_OK && len == KEELD_LOCK_KEY_BYTES)
        return KEEL_OK;
    if (ret != KEEL_ERR_NOT_FOUND) {
        (void)keel_str_format(err, errsz, "secure store record '%s': %s", KEELD_REC_PIN_KEY,
                              ret == KEEL_OK || ret == KEEL_ERR_RANGE ? "not a 32-byte key"
                                                                      : keel_strerror(ret));
        return ret == KEEL_OK || ret == KEEL_ERR_RANGE ? KEEL_ERR_PARSE : ret;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        pins = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (pins != 0) {
        (void)keel_str_format(err, errsz,
                              "secure store record '%s' is missing but %s holds PIN codes: "
                              "they cannot be checked",
                              KEELD_REC_PIN_KEY, l->path);
        return KEEL_ERR_NOT_FOUND;
    }
    ret = keel_random(l->pin_key, sizeof(l->pin_key));
    if (ret == KEEL_OK)
        ret = keel_store_put(store, KEELD_REC_PIN_KEY, l->pin_key, sizeof(l->pin_key));
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "secure store record '%s': cannot make it (%s)",
                              KEELD_REC_PIN_KEY, keel_strerror(ret));
    return ret;
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

static keel_err open_steps(struct keeld_lock *l, keel_store *store, char *err, size_t errsz)
{
    int fresh = 0;
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
        ret = schema_inspect(l, &fresh, err, errsz);
    if (ret == KEEL_OK)
        ret = db_configure(l, err, errsz);
    if (ret == KEEL_OK && fresh)
        ret = schema_create(l, err, errsz);
    if (ret == KEEL_OK)
        ret = statements_prepare(l, err, errsz);
    if (ret == KEEL_OK)
        ret = pin_key_load(l, store, err, errsz);
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

void keeld_lock_close(struct keeld_lock *l)
{
    sqlite3_stmt *mark;

    if (l == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    mark = l->stmt[KEELD_LOCK_STATE_RUNNING];
    sqlite3_bind_int(mark, 1, 0);
    if (keeld_lock_run(l, mark) != KEEL_OK)
        keel_log(KEEL_LOG_ERROR,
                 "lock: %s: cannot record the clean stop: the next start "
                 "locks the bolt",
                 l->path);
    pthread_mutex_unlock(&l->mu);
    lock_free(l);
}
