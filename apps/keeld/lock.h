/*
 * keeld's lock: the bolt, the door sensor, the battery, the keypad's PIN codes, the access
 * log and the queue of events for the cloud, all in one SQLite database (DATA/lock.db, WAL
 * mode, synchronous=FULL) so that every change is one transaction: a power cut at any moment
 * leaves either the whole change or none of it (5.9-2: everything here works without the
 * cloud and without the update server).
 *
 * Fail secure: the database records whether keeld is running. keeld_lock_open finding that
 * mark from an earlier run (keeld did not stop cleanly: a power cut, a crash, a kill) locks
 * the bolt before anything else happens and logs a "fail_secure" event.
 *
 * Thread-safe: the HTTPS server, the keypad and the cloud link call in from their own
 * threads; one mutex serialises them over the one SQLite connection.
 *
 * PIN codes are personal data and secrets: the database keeps only HMAC-SHA-256 of each PIN
 * under a key held in the secure store (record KEELD_REC_PIN_KEY, made on first use), so
 * that a copy of lock.db alone does not give the PINs away even to an exhaustive search.
 */
#ifndef KEEL_APPS_KEELD_LOCK_H
#define KEEL_APPS_KEELD_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "keel/core.h"
#include "keel/store.h"

#define KEELD_LOCK_DB "lock.db"
#define KEELD_REC_PIN_KEY "lock.pin_key" /* 32 random bytes, the PINs' HMAC key */
/* 32 random bytes: the key sealing personal data in lock.db (keel/privacy.h): the PIN
 * holders' names, the access log's "who", the access-log copies waiting for the cloud. */
#define KEELD_REC_DATA_KEY "privacy.data_key"
/* The telemetry pseudonym (keel/events.h), 32 hex digits; made on first use. */
#define KEELD_REC_PSEUDONYM "events.pseudonym"
/* Retention of the access log (6-6): entries older than this are deleted on schedule. */
#define KEELD_LOG_RETENTION_DEFAULT_S (90LL * 86400LL)
/* The optional processing the owner may consent to (6-2, 6-3A, 6-3B): a copy of each
 * access-log entry, with who, sent to the owner's cloud account (keel/<serial>/accesslog). */
#define KEELD_CONSENT_ACCESS_LOG_SYNC "access_log_sync"
#define KEELD_CONSENT_RECORDS_MAX 1000u /* consent records kept; the oldest go first */
#define KEELD_SYNC_MAX 1000u            /* access-log copies waiting for the cloud */
#define KEELD_DELETION_ID_HEX 32u       /* a deletion request's id: 16 random bytes in hex */

#define KEELD_PINS_MAX 16u      /* PIN codes a lock holds */
#define KEELD_PIN_MIN_DIGITS 6u /* a PIN is 6 to 12 decimal digits */
#define KEELD_PIN_MAX_DIGITS 12u
#define KEELD_PIN_NAME_MAX 32u /* whose PIN it is, as the owner names it (UTF-8 bytes) */
#define KEELD_LOG_KEEP 1000u   /* access-log entries kept; older ones are deleted */
#define KEELD_OUTBOX_MAX 1000u /* events waiting for the cloud; see keeld_lock_outbox_peek */
#define KEELD_EVENT_MAX 512u   /* one event's JSON for the cloud */
/* The keypad's guard: after this many wrong PINs in a row, the keypad waits
 * KEELD_KEYPAD_WAIT_S seconds, doubling with each further wrong PIN up to
 * KEELD_KEYPAD_WAIT_MAX_S (5.1-5 for the keypad); the count is persisted in lock.db. */
#define KEELD_KEYPAD_FREE_FAILURES 5u
#define KEELD_KEYPAD_WAIT_S 30u
#define KEELD_KEYPAD_WAIT_MAX_S 3600u
#define KEELD_BATTERY_LOW 20 /* percent: a "battery_low" event at or below this */

/* Who moved the bolt, or what happened: recorded in the access log and in events. */
typedef enum keeld_lock_source {
    KEELD_SRC_KEYPAD = 0, /* a PIN on the outside keypad */
    KEELD_SRC_BUTTON,     /* the inside thumb-turn button, or the outside "lock" key */
    KEELD_SRC_API,        /* the owner, over the local HTTPS API */
    KEELD_SRC_CLOUD,      /* a command from the cloud over MQTT */
    KEELD_SRC_SYSTEM      /* keeld itself: fail-secure lock after an unclean start */
} keeld_lock_source;

/* "keypad", "button", "api", "cloud", "system". */
const char *keeld_lock_source_name(keeld_lock_source s);

struct keeld_lock_state {
    int locked;             /* 1: bolt thrown */
    int door_open;          /* from the door sensor (5.8-3: an external sensing capability) */
    int battery;            /* percent, 0..100 */
    int64_t changed_at;     /* seconds since the epoch of the last bolt change */
    int unclean_start;      /* 1 when this run began with the fail-secure lock */
    uint32_t keypad_wait_s; /* seconds before the keypad takes another PIN; 0: now */
    uint32_t queued;        /* events waiting for the cloud */
    uint64_t dropped;       /* events dropped from a full queue since the database was made */
};

struct keeld_lock; /* opaque */

/* Open (or, the first time, create) data_dir/lock.db: WAL mode, synchronous=FULL,
 * secure_delete on, the schema checked (a database of another shape or a newer version is
 * refused, never rewritten; a schema-1 database of keeld's is migrated to schema 2 in one
 * transaction, its names and "who" sealed), PRAGMA quick_check passed, the PIN key read from
 * store (made and stored when the database holds no PIN yet and the record is absent; when
 * PINs exist and the key is missing, the open fails with KEEL_ERR_NOT_FOUND naming the
 * record), the data key KEELD_REC_DATA_KEY by the same rule (sealed names or "who" need it),
 * the pseudonym KEELD_REC_PSEUDONYM read or made. An unclean earlier run locks the bolt
 * (source SYSTEM, event "fail_secure"). Then the running mark is set. err names the file and
 * the problem. The store is borrowed and used only during this call. */
keel_err keeld_lock_open(const char *data_dir, keel_store *store, struct keeld_lock **out,
                         char *err, size_t errsz);

/* Clear the running mark (a clean stop), close. NULL is a no-op. */
void keeld_lock_close(struct keeld_lock *l);

keel_err keeld_lock_get(struct keeld_lock *l, struct keeld_lock_state *out);

/* Throw or withdraw the bolt: state, access log entry and cloud event in one transaction.
 * who: the PIN's name (1..KEELD_PIN_NAME_MAX bytes, else KEEL_ERR_ARG) or NULL. Setting the
 * state it already has still logs the request. */
keel_err keeld_lock_set(struct keeld_lock *l, int locked, keeld_lock_source src, const char *who);

/* A PIN typed on the keypad (len bytes, untrusted). When the keypad's guard makes it wait,
 * nothing is checked: KEEL_ERR_AUTH_THROTTLED with *wait_s. A right PIN unlocks (the access
 * log names the PIN's holder) and resets the guard: KEEL_OK. A wrong one is counted and
 * logged ("pin_rejected"): KEEL_ERR_AUTH_DENIED, *wait_s set when the guard now waits.
 * Malformed input (not 6-12 digits) is KEEL_ERR_PARSE and counts as a wrong PIN. */
keel_err keeld_lock_keypad_pin(struct keeld_lock *l, const char *pin, size_t len, uint32_t *wait_s);

/* The door sensor and the battery gauge (events "door_open", "door_closed",
 * "battery_low"). battery outside 0..100 is KEEL_ERR_RANGE. */
keel_err keeld_lock_door(struct keeld_lock *l, int open);
keel_err keeld_lock_battery(struct keeld_lock *l, int percent);

/* 1 when text (len bytes) is a PIN the lock would accept to store: 6-12 digits, not all the
 * same digit, not a run up or down ("123456", "987654"). *reason (may be NULL): "length",
 * "digits", "repeated", "sequence". */
int keeld_lock_pin_acceptable(const char *text, size_t len, const char **reason);

/* Add a PIN (checked with keeld_lock_pin_acceptable: KEEL_ERR_AUTH_WEAK with *reason) under name
 * (1..KEELD_PIN_NAME_MAX bytes of UTF-8 without control characters: KEEL_ERR_PARSE).
 * KEEL_ERR_EXISTS when that PIN or that name is already held; KEEL_ERR_AUTH_FULL past
 * KEELD_PINS_MAX. *id: the new PIN's number. Logged ("pin_added"). */
keel_err keeld_lock_pin_add(struct keeld_lock *l, const char *name, const char *pin, size_t len,
                            uint32_t *id, const char **reason);
/* Remove PIN id: KEEL_ERR_NOT_FOUND when there is none. Logged ("pin_removed"). */
keel_err keeld_lock_pin_remove(struct keeld_lock *l, uint32_t id);

/* As JSON into out (outsz bytes, NUL-terminated): the PINs (never the codes)
 * {"pins":[{"id":1,"name":"...","created":"RFC 3339"}]}, and the newest max entries of
 * the access log, newest first
 * {"entries":[{"seq":N,"time":"RFC 3339","event":"unlocked","source":"keypad","who":"..."}]}
 * ("who" only when known). KEEL_ERR_RANGE when out is too small. */
keel_err keeld_lock_pins_json(struct keeld_lock *l, char *out, size_t outsz);
keel_err keeld_lock_log_json(struct keeld_lock *l, unsigned max, char *out, size_t outsz);

/* ---- the cloud's queue (events delivered in order, each once from the device's view) ----
 * Every access-log event also queues one event for the cloud, in the same transaction:
 *   {"seq":N,"time":"RFC 3339","event":"...","source":"...","locked":bool,"dropped":N}
 * seq counts up by one per event, never reused; the event carries no personal data (no PIN
 * names: 6-4). The queue holds at most KEELD_OUTBOX_MAX events: when full, the oldest
 * event is dropped and counted, and the next event sent says how many were dropped since
 * the previous one sent ("dropped"), so the cloud sees the gap as well as the seq jump. */

/* The oldest queued event: its seq and JSON (NUL-terminated) into json. KEEL_ERR_NOT_FOUND
 * when the queue is empty. */
keel_err keeld_lock_outbox_peek(struct keeld_lock *l, uint64_t *seq, char *json, size_t jsonsz);
/* The broker took event seq (its PUBACK came): remove it. Removing a seq no longer queued
 * is KEEL_OK (a repeat). */
keel_err keeld_lock_outbox_done(struct keeld_lock *l, uint64_t seq);

/* ---- security events (5.10-1) ----
 * Events of the rest of keeld (auth.failure, auth.lockout, auth.password_changed,
 * setup.completed, config.changed, consent.granted, consent.withdrawn, update.*,
 * integrity.failed, link.up, factory_reset) go into the same access log and the same queue
 * for the cloud as the lock's own, in one transaction, with the bolt's state as it is.
 * The cloud's events are keel/events.h objects: "device" is the pseudonym
 * (KEELD_REC_PSEUDONYM), "firmware" KEELD_FIRMWARE_VERSION. name must pass
 * keel_event_name_valid (KEEL_ERR_ARG). */
keel_err keeld_lock_security(struct keeld_lock *l, const char *name, keeld_lock_source src);

/* The device's telemetry pseudonym (32 hex digits and a NUL). */
keel_err keeld_lock_pseudonym(struct keeld_lock *l, char out[33]);

/* ---- personal data: retention (6-6), consent (6-2, 6-3A, 6-3B), export ---- */

/* Keep access-log entries for seconds (> 0, else KEEL_ERR_RANGE; KEELD_LOG_RETENTION_DEFAULT_S
 * until set). */
keel_err keeld_lock_set_retention(struct keeld_lock *l, int64_t seconds);
/* Delete the access-log entries (and their copies waiting for the cloud) older than the
 * retention at time now; how many into *removed (may be NULL). keeld runs it at start and
 * then at least every minute. The database runs with secure_delete on, so deleted entries
 * are overwritten in the file, not only unlinked. */
keel_err keeld_lock_prune(struct keeld_lock *l, int64_t now, uint32_t *removed);

/* Record the owner's choice for purpose (only KEELD_CONSENT_ACCESS_LOG_SYNC exists:
 * otherwise KEEL_ERR_NOT_FOUND). via: "setup" or "api" (else KEEL_ERR_ARG); "changed" in
 * keeld_lock_consent_json is the time of the latest choice. Every call adds a record (time,
 * purpose, granted, via), also when the choice does not change; at most
 * KEELD_CONSENT_RECORDS_MAX are kept. Withdrawing stops the processing at once: in the same
 * transaction every access-log copy still waiting for the cloud is deleted. A security event
 * consent.granted / consent.withdrawn is queued. Off until the owner grants it. */
keel_err keeld_lock_consent_set(struct keeld_lock *l, const char *purpose, int granted,
                                const char *via);
/* 1 when purpose is granted now, 0 when not (also for an unknown purpose). */
int keeld_lock_consent_granted(struct keeld_lock *l, const char *purpose);
/* {"consents":[{"purpose":"access_log_sync","granted":false,"changed":"RFC 3339"|null}],
 *  "records":[{"seq":1,"time":"...","purpose":"...","granted":true,"via":"setup"}, ...]}
 * records oldest first. */
keel_err keeld_lock_consent_json(struct keeld_lock *l, char *out, size_t outsz);

/* While KEELD_CONSENT_ACCESS_LOG_SYNC is granted, every access-log entry also queues a copy
 * for the owner's cloud account (at most KEELD_SYNC_MAX; the oldest dropped), sealed at
 * rest. Peek the oldest: {"seq":N,"time":"...","event":"...","source":"...","who":"..."}
 * ("who" when known); KEEL_ERR_NOT_FOUND when none waits (always so without consent). */
keel_err keeld_lock_sync_peek(struct keeld_lock *l, uint64_t *seq, char *json, size_t jsonsz);
/* The broker took copy seq: remove it (a seq no longer queued is KEEL_OK). */
keel_err keeld_lock_sync_done(struct keeld_lock *l, uint64_t seq);

/* Every personal datum the lock holds, added as members of the object doc (the owner's
 * export, the EU Data Act's access and portability): "pins" (id, name, created; never the
 * codes or their HMACs), "access_log" (every entry, oldest first, with who), "consents" and
 * "consent_records" (as keeld_lock_consent_json), "cloud_deletion" (as
 * keeld_lock_deletion_json), "retention_days" (a number: seconds / 86400). KEEL_ERR_NOMEM. */
keel_err keeld_lock_export(struct keeld_lock *l, cJSON *doc);

/* ---- deletion of the owner's data at the associated service (5.11-2, 5.11-4) ---- */

/* Ask the service to delete the owner's data: a new request (16 random bytes, hex into id),
 * state "pending", replacing an earlier one that is not pending. KEEL_ERR_EXISTS while a
 * request is pending (its id into id): it is sent, not duplicated. Security event
 * config.changed is not queued (no configuration changes). */
keel_err keeld_lock_deletion_request(struct keeld_lock *l, char id[KEELD_DELETION_ID_HEX + 1]);
/* The pending request the cloud link must (re)send: KEEL_ERR_NOT_FOUND when none. */
keel_err keeld_lock_deletion_pending(struct keeld_lock *l, char id[KEELD_DELETION_ID_HEX + 1],
                                     int64_t *requested);
/* The service confirmed request id (items: what it deleted): state "confirmed" with the time.
 * KEEL_ERR_NOT_FOUND for an id that is not the pending request (a stale or forged reply);
 * KEEL_ERR_RANGE for items past 2^53 - 1 (not exact as a JSON number). */
keel_err keeld_lock_deletion_confirm(struct keeld_lock *l, const char *id, uint64_t items);
/* {"state":"none"} or {"state":"pending"|"confirmed","request":"<id>","requested":"...",
 *  "confirmed":"..."|null,"items":N|null} */
keel_err keeld_lock_deletion_json(struct keeld_lock *l, char *out, size_t outsz);

/* ---- factory reset (5.11-1) ---- */

/* Close the database for good and erase lock.db, lock.db-wal and lock.db-shm of data_dir
 * with keel_privacy_erase_file (absent files are fine). Every later call on l except
 * keeld_lock_close answers KEEL_ERR_IO. The caller destroys the keys in the store first
 * (crypto-erase: keys, then files). */
keel_err keeld_lock_erase(struct keeld_lock *l);
/* The same for a lock that is not open (finishing a reset interrupted by a power cut). */
keel_err keeld_lock_erase_files(const char *data_dir);

#endif /* KEEL_APPS_KEELD_LOCK_H */
