/*
 * The lock's inside (lock_db.c, lock.c, lock_pin.c, lock_outbox.c): the connection, its
 * prepared statements, and the helpers every change goes through. Not part of keeld's
 * interface: lock.h is.
 *
 * Every function here expects the caller to hold l->mu. The ones that change the database
 * expect a transaction opened with keeld_lock_begin, so that the bolt, the access log and
 * the cloud's queue change together or not at all (5.9-2: a power cut leaves all or none).
 */
#ifndef KEEL_APPS_KEELD_LOCK_INT_H
#define KEEL_APPS_KEELD_LOCK_INT_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "lock.h"

#define KEELD_LOCK_SCHEMA_VERSION 1 /* PRAGMA user_version of the schema below */
#define KEELD_LOCK_KEY_BYTES 32u
#define KEELD_LOCK_HMAC_BYTES 32u
#define KEELD_LOCK_PATH_MAX 4096u

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
    KEELD_LOCK_STMT_COUNT
};

struct keeld_lock {
    pthread_mutex_t mu; /* one caller at a time on the one connection */
    sqlite3 *db;
    sqlite3_stmt *stmt[KEELD_LOCK_STMT_COUNT];
    uint8_t pin_key[KEELD_LOCK_KEY_BYTES]; /* the PINs' HMAC key, from the secure store */
    int unclean_start;
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

/* KEEL_ERR_* for an SQLite result code; logs the connection's message for real failures. */
keel_err keeld_lock_db_error(struct keeld_lock *l, int rc);

/* Step s until it is done, then reset it and clear its bindings. */
keel_err keeld_lock_run(struct keeld_lock *l, sqlite3_stmt *s);

/* BEGIN IMMEDIATE; COMMIT (rolled back when the commit fails); ROLLBACK (never fails: an
 * error there leaves SQLite to roll back, as it does for a failed statement). */
keel_err keeld_lock_begin(struct keeld_lock *l);
keel_err keeld_lock_commit(struct keeld_lock *l);
void keeld_lock_rollback(struct keeld_lock *l);

keel_err keeld_lock_row_read(struct keeld_lock *l, struct keeld_lock_row *out);

/* Set the bolt to locked at time now when it is not already so (changed_at follows). */
keel_err keeld_lock_bolt(struct keeld_lock *l, const struct keeld_lock_row *row, int locked,
                         int64_t now);

/* One event: the access-log entry (who may be NULL), the log cut to KEELD_LOG_KEEP, the
 * cloud's event (no who: 6-4) with the queue's overflow rule, the next seq, and keeld's own
 * log line. locked: the bolt after the event. Inside a transaction. */
keel_err keeld_lock_record(struct keeld_lock *l, int64_t now, const char *event,
                           keeld_lock_source src, const char *who, int locked);

/* root printed into out (outsz bytes, NUL-terminated); KEEL_ERR_RANGE when it does not fit,
 * KEEL_ERR_NOMEM when root is NULL or cannot be printed. Frees root in every case. */
keel_err keeld_lock_json_emit(cJSON *root, char *out, size_t outsz);

/* {"<key>":[...]} into out: one element per row of statement stmt (its parameter 1 bound to
 * limit when limit >= 0), each made by row(); the statement reset and unbound afterwards. */
keel_err keeld_lock_rows_json(struct keeld_lock *l, enum keeld_lock_stmt stmt, int64_t limit,
                              const char *key, keel_err (*row)(cJSON *array, sqlite3_stmt *s),
                              char *out, size_t outsz);

/* Seconds since the epoch (the wall clock: the guard's wait and the log survive restarts). */
int64_t keeld_lock_now(void);
/* t as "YYYY-MM-DDTHH:MM:SSZ". */
void keeld_lock_time(int64_t t, char out[21]);

#endif /* KEEL_APPS_KEELD_LOCK_INT_H */
