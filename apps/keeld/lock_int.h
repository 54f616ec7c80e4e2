/*
 * The lock's inside (lock_db.c, lock_keys.c, lock_migrate.c, lock.c, lock_pin.c,
 * lock_outbox.c, lock_seal.c, lock_privacy.c, lock_consent.c, lock_sync.c, lock_deletion.c,
 * lock_export.c, lock_erase.c): the connection, its prepared statements, and the helpers
 * every change goes through. Not part of keeld's interface: lock.h is.
 *
 * Every function here expects the caller to hold l->mu (taken with keeld_lock_acquire). The
 * ones that change the database expect a transaction opened with keeld_lock_begin, so that
 * the bolt, the access log and the cloud's queues change together or not at all (5.9-2: a
 * power cut leaves all or none).
 *
 * Personal data is sealed before SQLite sees it (keel/privacy.h, under the store's record
 * KEELD_REC_DATA_KEY): the PIN holders' names, the access log's and the sync queue's "who".
 * Each field has its own context, so a sealed value copied into another field fails to open.
 */
#ifndef KEEL_APPS_KEELD_LOCK_INT_H
#define KEEL_APPS_KEELD_LOCK_INT_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "keel/events.h"
#include "keel/privacy.h"
#include "lock.h"

#define KEELD_LOCK_SCHEMA_VERSION 2 /* PRAGMA user_version of the schema (lock_db.c) */
#define KEELD_LOCK_SCHEMA_V1 1      /* the schema lock_migrate.c brings up to version 2 */
#define KEELD_LOCK_KEY_BYTES 32u
#define KEELD_LOCK_HMAC_BYTES 32u
#define KEELD_LOCK_PATH_MAX 4096u

/* The tables of schema 2 that are new or changed since schema 1 (lock_db.c creates them,
 * lock_migrate.c too). */
#define KEELD_LOCK_SQL_PINS_V2                                                                     \
    "CREATE TABLE pins(id INTEGER PRIMARY KEY AUTOINCREMENT, name BLOB NOT NULL, "                 \
    "hmac BLOB NOT NULL UNIQUE, created INTEGER NOT NULL)"
#define KEELD_LOCK_SQL_LOG_V2                                                                      \
    "CREATE TABLE log(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT NOT NULL, "       \
    "source TEXT NOT NULL, who BLOB)"
#define KEELD_LOCK_SQL_PRIVACY                                                                     \
    "CREATE TABLE privacy(id INTEGER PRIMARY KEY CHECK (id = 1), "                                 \
    "retention_s INTEGER NOT NULL CHECK (retention_s > 0))"
#define KEELD_LOCK_SQL_CONSENT                                                                     \
    "CREATE TABLE consent(purpose TEXT PRIMARY KEY, granted INTEGER NOT NULL, "                    \
    "changed INTEGER NOT NULL)"
#define KEELD_LOCK_SQL_CONSENT_LOG                                                                 \
    "CREATE TABLE consent_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, "      \
    "purpose TEXT NOT NULL, granted INTEGER NOT NULL, via TEXT NOT NULL)"
#define KEELD_LOCK_SQL_SYNC                                                                        \
    "CREATE TABLE sync(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT NOT NULL, "      \
    "source TEXT NOT NULL, who BLOB)"
#define KEELD_LOCK_SQL_DELETION                                                                    \
    "CREATE TABLE deletion(id INTEGER PRIMARY KEY CHECK (id = 1), request TEXT NOT NULL, "         \
    "state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed')), requested INTEGER NOT NULL, "  \
    "confirmed INTEGER, items INTEGER)"
/* The privacy row of a new (or migrated) database: the default retention. */
#define KEELD_LOCK_SQL_PRIVACY_ROW "INSERT INTO privacy VALUES (1, 7776000)"

/* The contexts of the sealed fields (keel_privacy_seal's additional data). */
#define KEELD_SEAL_PIN_NAME "lock.pins.name"
#define KEELD_SEAL_LOG_WHO "lock.log.who"
#define KEELD_SEAL_SYNC_WHO "lock.sync.who"
/* The longest "who" sealed: a PIN holder's name. */
#define KEELD_LOCK_WHO_MAX KEELD_PIN_NAME_MAX
#define KEELD_LOCK_SEALED_MAX (KEELD_LOCK_WHO_MAX + KEEL_PRIVACY_SEAL_OVERHEAD)

/* The prepared statements, one per thing the lock does (never SQL built from input). */
enum keeld_lock_stmt {
    KEELD_LOCK_BEGIN,
    KEELD_LOCK_COMMIT,
    KEELD_LOCK_ROLLBACK,
    KEELD_LOCK_STATE_GET,
    KEELD_LOCK_STATE_BOLT,
    KEELD_LOCK_STATE_DOOR,
    KEELD_LOCK_STATE_BATTERY,
    KEELD_LOCK_STATE_RUNNING,
    KEELD_LOCK_STATE_GUARD,
    KEELD_LOCK_STATE_SEQ,
    KEELD_LOCK_STATE_DROPPED,
    KEELD_LOCK_LOG_ADD,
    KEELD_LOCK_LOG_TRIM,
    KEELD_LOCK_LOG_NEWEST,
    KEELD_LOCK_OUT_ADD,
    KEELD_LOCK_OUT_COUNT,
    KEELD_LOCK_OUT_OLDEST,
    KEELD_LOCK_OUT_DELETE,
    KEELD_LOCK_OUT_CARRY,
    KEELD_LOCK_PIN_ALL,
    KEELD_LOCK_PIN_COUNT,
    KEELD_LOCK_PIN_ADD,
    KEELD_LOCK_PIN_DELETE,
    KEELD_LOCK_PIN_NAME,
    KEELD_LOCK_PIN_LIST,
    KEELD_LOCK_LOG_ALL,
    KEELD_LOCK_LOG_PRUNE,
    KEELD_LOCK_PRIV_GET,
    KEELD_LOCK_PRIV_RETENTION,
    KEELD_LOCK_CONSENT_GET,
    KEELD_LOCK_CONSENT_SET,
    KEELD_LOCK_CONSENT_RECORD,
    KEELD_LOCK_CONSENT_TRIM,
    KEELD_LOCK_CONSENT_RECORDS,
    KEELD_LOCK_SYNC_ADD,
    KEELD_LOCK_SYNC_COUNT,
    KEELD_LOCK_SYNC_OLDEST,
    KEELD_LOCK_SYNC_DELETE,
    KEELD_LOCK_SYNC_CLEAR,
    KEELD_LOCK_SYNC_PRUNE,
    KEELD_LOCK_DEL_GET,
    KEELD_LOCK_DEL_REQUEST,
    KEELD_LOCK_DEL_CONFIRM,
    KEELD_LOCK_STMT_COUNT
};

struct keeld_lock {
    pthread_mutex_t mu; /* one caller at a time on the one connection */
    sqlite3 *db;
    sqlite3_stmt *stmt[KEELD_LOCK_STMT_COUNT];
    uint8_t pin_key[KEELD_LOCK_KEY_BYTES];        /* the PINs' HMAC key, from the secure store */
    uint8_t data_key[KEEL_PRIVACY_KEY_LEN];       /* the sealing key, from the secure store */
    char pseudonym[KEEL_EVENT_PSEUDONYM_HEX + 1]; /* the telemetry's "device" */
    int unclean_start;
    int erased; /* keeld_lock_erase ran: db is closed, every call answers KEEL_ERR_IO */
    char path[KEELD_LOCK_PATH_MAX];
};

/* The single row of table state. */
struct keeld_lock_row {
    int locked;
    int door_open;
    int battery;
    int64_t changed_at;
    int running;
    uint32_t failures;  /* wrong PINs in a row on the keypad */
    int64_t wait_until; /* the keypad takes no PIN before this time; 0: none */
    uint64_t dropped;   /* events dropped from a full queue, ever */
    uint64_t next_seq;  /* the next event's number */
};

/* The SQL of each statement, indexed by enum keeld_lock_stmt (lock_db.c). */
extern const char *const keeld_lock_sql[KEELD_LOCK_STMT_COUNT];

/* Take l->mu; KEEL_ERR_ARG for a NULL l, KEEL_ERR_IO (the mutex released) once the lock was
 * erased. keeld_lock_release gives the mutex back. */
keel_err keeld_lock_acquire(struct keeld_lock *l);
void keeld_lock_release(struct keeld_lock *l);

/* Run one statement of fixed text (pragmas, the schema), outside the prepared set; the
 * first column of its first row as text into out (may be NULL). An SQLite result code. */
int keeld_lock_exec_text(sqlite3 *db, const char *sql, char *out, size_t outsz);

/* lock_keys.c, at open: the PINs' HMAC key (made when absent and no PIN is stored) and the
 * data key (made when absent and nothing sealed is stored; a schema-1 database holds
 * nothing sealed). Each refusal names its record. */
keel_err keeld_lock_keys_load(struct keeld_lock *l, keel_store *store, int schema_v1, char *err,
                              size_t errsz);
/* lock_keys.c: the telemetry pseudonym, made when absent. */
keel_err keeld_lock_pseudonym_load(struct keeld_lock *l, keel_store *store, char *err,
                                   size_t errsz);

/* lock_migrate.c: a checked schema-1 database brought to version 2 in one transaction (the
 * names and "who" sealed), its WAL then truncated. */
keel_err keeld_lock_migrate_v1(struct keeld_lock *l, char *err, size_t errsz);

/* lock_wal.c: keep the WAL in place at a clean stop (never unlinked by SQLite: erased by
 * keeld_lock_erase); and after data was deleted for good, every frame checkpointed, the WAL
 * overwritten with zeros and truncated. */
keel_err keeld_lock_wal_persist(struct keeld_lock *l);
keel_err keeld_lock_wal_scrub(struct keeld_lock *l);

/* lock_seal.c: text (NUL-terminated, at most KEELD_LOCK_WHO_MAX bytes, else
 * KEEL_ERR_TOO_LARGE; NULL binds NULL) sealed for context and bound to parameter idx of s. */
keel_err keeld_lock_bind_sealed(const struct keeld_lock *l, sqlite3_stmt *s, int idx,
                                const char *context, const char *text);
/* lock_seal.c: column col of the current row of s opened (sealed for context) into out
 * (outsz bytes, NUL-terminated; KEEL_ERR_RANGE when it does not fit). A NULL column gives
 * KEEL_ERR_NOT_FOUND with out "". KEEL_ERR_CRYPTO / KEEL_ERR_PARSE when it does not open, or
 * the plaintext holds a NUL. */
keel_err keeld_lock_column_open(const struct keeld_lock *l, sqlite3_stmt *s, int col,
                                const char *context, char *out, size_t outsz);

/* lock_consent.c: 1 when purpose is granted, 0 when not (or never asked), negative on error. */
int keeld_lock_consent_on(struct keeld_lock *l, const char *purpose);
/* lock_consent.c: the "consents" and "records" arrays of keeld_lock_consent_json. */
keel_err keeld_lock_consent_build(struct keeld_lock *l, cJSON *consents, cJSON *records);
/* lock_deletion.c: the members of keeld_lock_deletion_json into obj. */
keel_err keeld_lock_deletion_build(struct keeld_lock *l, cJSON *obj);
/* lock_sync.c: a copy of access-log entry seq for the owner's cloud account, "who" sealed;
 * the oldest dropped past KEELD_SYNC_MAX. Inside a transaction, while consent is granted. */
keel_err keeld_lock_sync_add(struct keeld_lock *l, uint64_t seq, int64_t now, const char *event,
                             const char *source, const char *who);

/* KEEL_ERR_* for an SQLite result code; logs the connection's message for real failures. */
keel_err keeld_lock_db_error(struct keeld_lock *l, int rc);

/* Step s until it is done, then reset it and clear its bindings. */
keel_err keeld_lock_run(struct keeld_lock *l, sqlite3_stmt *s);

/* Take the mutex, run statement stmt with parameter 1 bound to seq (a queued row's number),
 * give the mutex back: how a queue removes what the broker took. KEEL_ERR_ARG for a NULL
 * lock or a seq past INT64_MAX. */
keel_err keeld_lock_delete_seq(struct keeld_lock *l, enum keeld_lock_stmt stmt, uint64_t seq);

/* BEGIN IMMEDIATE; COMMIT (rolled back when the commit fails); ROLLBACK (never fails: an
 * error there leaves SQLite to roll back, as it does for a failed statement). */
keel_err keeld_lock_begin(struct keeld_lock *l);
keel_err keeld_lock_commit(struct keeld_lock *l);
void keeld_lock_rollback(struct keeld_lock *l);

keel_err keeld_lock_row_read(struct keeld_lock *l, struct keeld_lock_row *out);

/* Set the bolt to locked at time now when it is not already so (changed_at follows). */
keel_err keeld_lock_bolt(struct keeld_lock *l, const struct keeld_lock_row *row, int locked,
                         int64_t now);

/* One event: the access-log entry (who may be NULL, sealed), the log cut to KEELD_LOG_KEEP,
 * the cloud's event (no who: 6-4) with the queue's overflow rule, the owner's copy while
 * access-log sync is granted, the next seq, and keeld's own log line. locked: the bolt
 * after the event. Inside a transaction. */
keel_err keeld_lock_record(struct keeld_lock *l, int64_t now, const char *event,
                           keeld_lock_source src, const char *who, int locked);

/* root printed into out (outsz bytes, NUL-terminated); KEEL_ERR_RANGE when it does not fit,
 * KEEL_ERR_NOMEM when root is NULL or cannot be printed. Frees root in every case. */
keel_err keeld_lock_json_emit(cJSON *root, char *out, size_t outsz);

/* One element of array per row of statement stmt (its parameter 1 bound to limit when
 * limit >= 0), each made by row(); the statement reset and unbound afterwards. */
typedef keel_err (*keeld_lock_row_fn)(const struct keeld_lock *l, cJSON *array, sqlite3_stmt *s);
keel_err keeld_lock_rows_add(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t limit,
                             cJSON *array, keeld_lock_row_fn row);
/* {"<key>":[...]} into out, the array made by keeld_lock_rows_add (takes l->mu). */
keel_err keeld_lock_rows_json(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t limit,
                              const char *key, keeld_lock_row_fn row, char *out, size_t outsz);
/* Row makers shared by the owner's views and the export (lock.c, lock_pin.c). */
keel_err keeld_lock_log_row(const struct keeld_lock *l, cJSON *entries, sqlite3_stmt *s);
keel_err keeld_lock_pin_row(const struct keeld_lock *l, cJSON *pins, sqlite3_stmt *s);

/* Seconds since the epoch (the wall clock: the guard's wait and the log survive restarts). */
int64_t keeld_lock_now(void);
/* t as "YYYY-MM-DDTHH:MM:SSZ". */
void keeld_lock_time(int64_t t, char out[21]);

#endif /* KEEL_APPS_KEELD_LOCK_INT_H */
