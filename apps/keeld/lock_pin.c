/*
 * The keypad's PIN codes and its guard (lock.h). A PIN is kept only as HMAC-SHA-256 under
 * the 32-byte key of the secure store's record KEELD_REC_PIN_KEY (5.4-1): a copy of lock.db
 * alone does not let anyone try the million six-digit codes offline. A typed PIN is
 * compared with every stored one in constant time, all of them every time.
 *
 * The holders' names are personal data, sealed under the data key (6-6): SQLite cannot
 * compare them, so a new name is checked against every stored one here, opened one by one
 * (KEELD_PINS_MAX of them at most).
 *
 * The guard (5.1-5 for the keypad): after KEELD_KEYPAD_FREE_FAILURES wrong PINs in a row the
 * keypad waits KEELD_KEYPAD_WAIT_S seconds, doubling with each further wrong PIN up to
 * KEELD_KEYPAD_WAIT_MAX_S; the count and the end of the wait are in lock.db, so that pulling
 * the power does not reset them. A right PIN clears both.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "keeld.h"
#include "lock_int.h"

int keeld_lock_pin_acceptable(const char *text, size_t len, const char **reason)
{
    int up = 1;
    int down = 1;
    int same = 1;
    const char *why = NULL;

    if (text == NULL || len < KEELD_PIN_MIN_DIGITS || len > KEELD_PIN_MAX_DIGITS)
        why = "length";
    for (size_t i = 0; why == NULL && i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            why = "digits";
        else if (i > 0) {
            same &= text[i] == text[i - 1];
            up &= text[i] == text[i - 1] + 1;
            down &= text[i] == text[i - 1] - 1;
        }
    }
    if (why == NULL && same)
        why = "repeated";
    else if (why == NULL && (up || down))
        why = "sequence";
    if (reason != NULL)
        *reason = why;
    return why == NULL;
}

/* 6 to 12 decimal digits: the only PINs the keypad can match. */
static int pin_well_formed(const char *pin, size_t len)
{
    if (pin == NULL || len < KEELD_PIN_MIN_DIGITS || len > KEELD_PIN_MAX_DIGITS)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (pin[i] < '0' || pin[i] > '9')
            return 0;
    }
    return 1;
}

/* 1..KEELD_PIN_NAME_MAX bytes of well-formed UTF-8 without control characters (C0, DEL,
 * C1): a name shown to the owner and written to the access log. */
static int name_valid(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;

    return len > 0 && len <= KEELD_PIN_NAME_MAX && keeld_text_printable(name, len);
}

static keel_err pin_hmac(const struct keeld_lock *l, const char *pin, size_t len,
                         uint8_t out[KEELD_LOCK_HMAC_BYTES])
{
    unsigned int n = 0;

    if (HMAC(EVP_sha256(), l->pin_key, (int)sizeof(l->pin_key), (const unsigned char *)pin, len,
             out, &n) == NULL ||
        n != KEELD_LOCK_HMAC_BYTES) {
        keel_wipe(out, KEELD_LOCK_HMAC_BYTES);
        return KEEL_ERR_CRYPTO;
    }
    return KEEL_OK;
}

struct pin_match {
    int64_t id; /* 0: none */
    char name[KEELD_PIN_NAME_MAX + 1];
    int name_taken;
};

/* Compare mac with every stored PIN (all of them, in constant time each) and name (may be
 * NULL) with every holder's name; the matching PIN's holder opened into m->name. */
static keel_err pins_scan(struct keeld_lock *l, const uint8_t *mac, const char *name,
                          struct pin_match *m)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_PIN_ALL];
    char holder[KEELD_PIN_NAME_MAX + 1];
    keel_err ret = KEEL_OK;
    int rc = SQLITE_DONE;

    memset(m, 0, sizeof(*m));
    while (ret == KEEL_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const void *stored = sqlite3_column_blob(s, 2);
        int same = mac != NULL && stored != NULL &&
                   sqlite3_column_bytes(s, 2) == (int)KEELD_LOCK_HMAC_BYTES &&
                   keel_ct_equal(stored, mac, KEELD_LOCK_HMAC_BYTES);
        if ((same && m->id == 0) || name != NULL)
            ret = keeld_lock_column_open(l, s, 1, KEELD_SEAL_PIN_NAME, holder, sizeof(holder));
        if (ret == KEEL_OK && same && m->id == 0) {
            m->id = sqlite3_column_int64(s, 0);
            ret = keel_str_copy(m->name, sizeof(m->name), holder);
        }
        if (ret == KEEL_OK && name != NULL && strcmp(holder, name) == 0)
            m->name_taken = 1;
    }
    sqlite3_reset(s);
    keel_wipe(holder, sizeof(holder));
    if (ret == KEEL_OK && rc != SQLITE_DONE)
        ret = keeld_lock_db_error(l, rc);
    return ret;
}

/* The wait after the failures-th wrong PIN in a row (0 while still free). */
static uint32_t guard_wait(uint32_t failures)
{
    uint32_t doublings;

    if (failures < KEELD_KEYPAD_FREE_FAILURES)
        return 0;
    doublings = failures - KEELD_KEYPAD_FREE_FAILURES;
    if (doublings >= 16 || (KEELD_KEYPAD_WAIT_S << doublings) > KEELD_KEYPAD_WAIT_MAX_S)
        return KEELD_KEYPAD_WAIT_MAX_S;
    return KEELD_KEYPAD_WAIT_S << doublings;
}

static keel_err guard_set(struct keeld_lock *l, uint32_t failures, int64_t wait_until)
{
    sqlite3_stmt *s = l->stmt[KEELD_LOCK_STATE_GUARD];

    sqlite3_bind_int64(s, 1, failures);
    sqlite3_bind_int64(s, 2, wait_until);
    return keeld_lock_run(l, s);
}

/* A wrong (or malformed) PIN: counted, perhaps a wait, logged. */
static keel_err pin_rejected(struct keeld_lock *l, const struct keeld_lock_row *row, int64_t now,
                             uint32_t *wait_s)
{
    uint32_t failures = row->failures < UINT32_MAX ? row->failures + 1 : UINT32_MAX;
    uint32_t wait = guard_wait(failures);
    keel_err ret = guard_set(l, failures, wait > 0 ? now + wait : 0);

    if (ret == KEEL_OK)
        ret = keeld_lock_record(l, now, "pin_rejected", KEELD_SRC_KEYPAD, NULL, row->locked);
    if (ret == KEEL_OK && wait > 0) {
        *wait_s = wait;
        keel_log(KEEL_LOG_WARN,
                 "event=lock.keypad_wait source=keypad failures=%u wait_s=%u: the keypad "
                 "takes no PIN for a while",
                 failures, wait);
    }
    return ret;
}

static keel_err keypad_pin_locked(struct keeld_lock *l, const uint8_t *mac, uint32_t *wait_s)
{
    struct keeld_lock_row row;
    struct pin_match m;
    int64_t now = keeld_lock_now();
    keel_err ret = keeld_lock_row_read(l, &row);

    if (ret != KEEL_OK)
        return ret;
    if (row.wait_until > now) {
        *wait_s = row.wait_until - now > KEELD_KEYPAD_WAIT_MAX_S ? KEELD_KEYPAD_WAIT_MAX_S
                                                                 : (uint32_t)(row.wait_until - now);
        return KEEL_ERR_AUTH_THROTTLED;
    }
    ret = pins_scan(l, mac, NULL, &m);
    if (ret == KEEL_OK && m.id == 0) {
        ret = pin_rejected(l, &row, now, wait_s);
        if (ret == KEEL_OK)
            ret = mac != NULL ? KEEL_ERR_AUTH_DENIED : KEEL_ERR_PARSE;
    } else if (ret == KEEL_OK) {
        ret = keeld_lock_bolt(l, &row, 0, now);
        if (ret == KEEL_OK)
            ret = guard_set(l, 0, 0);
        if (ret == KEEL_OK)
            ret = keeld_lock_record(l, now, "unlocked", KEELD_SRC_KEYPAD, m.name, 0);
    }
    keel_wipe(&m, sizeof(m));
    return ret;
}

keel_err keeld_lock_keypad_pin(struct keeld_lock *l, const char *pin, size_t len, uint32_t *wait_s)
{
    uint8_t mac[KEELD_LOCK_HMAC_BYTES];
    int well = pin_well_formed(pin, len);
    keel_err ret = KEEL_OK;
    keel_err outcome;

    if (wait_s != NULL)
        *wait_s = 0;
    if (l == NULL || wait_s == NULL || (pin == NULL && len > 0))
        return KEEL_ERR_ARG;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    if (well)
        ret = pin_hmac(l, pin, len, mac);
    if (ret == KEEL_OK)
        ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        outcome = keypad_pin_locked(l, well ? mac : NULL, wait_s);
        /* a wrong PIN is an outcome to keep, not a failure to undo */
        if (outcome == KEEL_OK || outcome == KEEL_ERR_AUTH_DENIED || outcome == KEEL_ERR_PARSE) {
            ret = keeld_lock_commit(l);
            if (ret == KEEL_OK)
                ret = outcome;
        } else {
            keeld_lock_rollback(l);
            ret = outcome;
        }
    }
    keeld_lock_release(l);
    keel_wipe(mac, sizeof(mac));
    return ret;
}

struct pin_add_rq {
    const char *name;
    const uint8_t *mac;
    uint32_t *id;
};

static keel_err pin_add_locked(struct keeld_lock *l, const struct pin_add_rq *rq)
{
    struct keeld_lock_row row;
    struct pin_match m;
    sqlite3_stmt *count = l->stmt[KEELD_LOCK_PIN_COUNT];
    sqlite3_stmt *add = l->stmt[KEELD_LOCK_PIN_ADD];
    int64_t now = keeld_lock_now();
    int64_t held = -1;
    keel_err ret = keeld_lock_row_read(l, &row);

    if (ret == KEEL_OK)
        ret = pins_scan(l, rq->mac, rq->name, &m);
    if (ret != KEEL_OK)
        return ret;
    if (m.id != 0 || m.name_taken)
        ret = KEEL_ERR_EXISTS;
    keel_wipe(&m, sizeof(m));
    if (ret != KEEL_OK)
        return ret;
    if (sqlite3_step(count) == SQLITE_ROW)
        held = sqlite3_column_int64(count, 0);
    sqlite3_reset(count);
    if (held < 0)
        return KEEL_ERR_IO;
    if (held >= (int64_t)KEELD_PINS_MAX)
        return KEEL_ERR_AUTH_FULL;
    ret = keeld_lock_bind_sealed(l, add, 1, KEELD_SEAL_PIN_NAME, rq->name);
    if (ret != KEEL_OK) {
        sqlite3_clear_bindings(add);
        return ret;
    }
    sqlite3_bind_blob(add, 2, rq->mac, (int)KEELD_LOCK_HMAC_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(add, 3, now);
    ret = keeld_lock_run(l, add);
    if (ret == KEEL_OK) {
        *rq->id = (uint32_t)sqlite3_last_insert_rowid(l->db);
        ret = keeld_lock_record(l, now, "pin_added", KEELD_SRC_API, rq->name, row.locked);
    }
    return ret;
}

keel_err keeld_lock_pin_add(struct keeld_lock *l, const char *name, const char *pin, size_t len,
                            uint32_t *id, const char **reason)
{
    uint8_t mac[KEELD_LOCK_HMAC_BYTES];
    struct pin_add_rq rq = {name, mac, id};
    const char *why = NULL;
    keel_err ret;

    if (reason != NULL)
        *reason = NULL;
    if (l == NULL || id == NULL || (pin == NULL && len > 0))
        return KEEL_ERR_ARG;
    *id = 0;
    if (!keeld_lock_pin_acceptable(pin, len, &why)) {
        if (reason != NULL)
            *reason = why;
        return KEEL_ERR_AUTH_WEAK;
    }
    if (!name_valid(name))
        return KEEL_ERR_PARSE;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = pin_hmac(l, pin, len, mac);
    if (ret == KEEL_OK)
        ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        ret = pin_add_locked(l, &rq);
        if (ret == KEEL_OK)
            ret = keeld_lock_commit(l);
        else
            keeld_lock_rollback(l);
    }
    keeld_lock_release(l);
    keel_wipe(mac, sizeof(mac));
    if (ret != KEEL_OK)
        *id = 0;
    return ret;
}

static keel_err pin_remove_locked(struct keeld_lock *l, uint32_t id)
{
    struct keeld_lock_row row;
    char name[KEELD_PIN_NAME_MAX + 1];
    sqlite3_stmt *find = l->stmt[KEELD_LOCK_PIN_NAME];
    sqlite3_stmt *del = l->stmt[KEELD_LOCK_PIN_DELETE];
    keel_err ret = keeld_lock_row_read(l, &row);
    int rc;

    if (ret != KEEL_OK)
        return ret;
    sqlite3_bind_int64(find, 1, id);
    rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        ret = keeld_lock_column_open(l, find, 0, KEELD_SEAL_PIN_NAME, name, sizeof(name));
        if (ret == KEEL_ERR_NOT_FOUND)
            ret = KEEL_ERR_PARSE; /* NOT NULL in the schema: cannot happen */
    } else {
        ret = rc == SQLITE_DONE ? KEEL_ERR_NOT_FOUND : keeld_lock_db_error(l, rc);
    }
    sqlite3_reset(find);
    sqlite3_clear_bindings(find);
    if (ret == KEEL_OK) {
        sqlite3_bind_int64(del, 1, id);
        ret = keeld_lock_run(l, del);
    }
    if (ret == KEEL_OK)
        ret =
            keeld_lock_record(l, keeld_lock_now(), "pin_removed", KEELD_SRC_API, name, row.locked);
    keel_wipe(name, sizeof(name));
    return ret;
}

keel_err keeld_lock_pin_remove(struct keeld_lock *l, uint32_t id)
{
    keel_err ret;

    if (l == NULL)
        return KEEL_ERR_ARG;
    if (id == 0)
        return KEEL_ERR_NOT_FOUND;
    ret = keeld_lock_acquire(l);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_begin(l);
    if (ret == KEEL_OK) {
        ret = pin_remove_locked(l, id);
        if (ret == KEEL_OK)
            ret = keeld_lock_commit(l);
        else
            keeld_lock_rollback(l);
    }
    keeld_lock_release(l);
    return ret;
}

keel_err keeld_lock_pin_row(const struct keeld_lock *l, cJSON *pins, sqlite3_stmt *s)
{
    cJSON *e = cJSON_CreateObject();
    char created[21];
    char name[KEELD_PIN_NAME_MAX + 1];
    keel_err ret;

    keeld_lock_time(sqlite3_column_int64(s, 2), created);
    if (e == NULL || !cJSON_AddItemToArray(pins, e)) {
        cJSON_Delete(e);
        return KEEL_ERR_NOMEM;
    }
    ret = keeld_lock_column_open(l, s, 1, KEELD_SEAL_PIN_NAME, name, sizeof(name));
    if (ret == KEEL_ERR_NOT_FOUND)
        ret = KEEL_ERR_PARSE; /* NOT NULL in the schema: cannot happen */
    if (ret == KEEL_OK &&
        (cJSON_AddNumberToObject(e, "id", (double)sqlite3_column_int64(s, 0)) == NULL ||
         cJSON_AddStringToObject(e, "name", name) == NULL ||
         cJSON_AddStringToObject(e, "created", created) == NULL))
        ret = KEEL_ERR_NOMEM;
    keel_wipe(name, sizeof(name));
    return ret;
}

keel_err keeld_lock_pins_json(struct keeld_lock *l, char *out, size_t outsz)
{
    return keeld_lock_rows_json(l, KEELD_LOCK_PIN_LIST, -1, "pins", keeld_lock_pin_row, out, outsz);
}
