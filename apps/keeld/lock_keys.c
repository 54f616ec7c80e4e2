/*
 * The lock's keys and pseudonym, read from the secure store when the lock opens (lock.h).
 *
 * - The PINs' HMAC key (KEELD_REC_PIN_KEY) and the data key sealing personal data
 *   (KEELD_REC_DATA_KEY, 5.4-1, 6-6) follow one rule: made when the record is absent and
 *   lock.db holds nothing that needs it; when it does (PINs, sealed names or "who"), a
 *   missing key is an error naming the record, never replaced: a new key would leave the
 *   stored data unusable without saying so. After a factory reset the store has neither key
 *   and the erased lock holds nothing, so both are made afresh (5.11-1).
 * - The telemetry pseudonym (KEELD_REC_PSEUDONYM, 6-4) is made when absent: nothing stored
 *   depends on it.
 */
#include <string.h>

#include "lock_int.h"

/* The first column of sql's first row as a count; -1 when it cannot be read. */
static int64_t count_of(struct keeld_lock *l, const char *sql)
{
    char text[32];
    uint64_t v = 0;

    if (keeld_lock_exec_text(l->db, sql, text, sizeof(text)) != SQLITE_OK ||
        keel_str_to_u64(text, 0, INT64_MAX, &v) != KEEL_OK)
        return -1;
    return (int64_t)v;
}

/* A 32-byte key of record: read, or made when held (what the database holds that needs it)
 * is 0; what names that data in the error. */
static keel_err key_load(struct keeld_lock *l, keel_store *store, const char *record,
                         uint8_t key[32], int64_t held, const char *what, char *err, size_t errsz)
{
    size_t len = 0;
    keel_err ret = keel_store_get(store, record, key, 32, &len);

    if (ret == KEEL_OK && len == 32)
        return KEEL_OK;
    if (ret != KEEL_ERR_NOT_FOUND) {
        keel_wipe(key, 32);
        (void)keel_str_format(err, errsz, "secure store record '%s': %s", record,
                              ret == KEEL_OK || ret == KEEL_ERR_RANGE ? "not a 32-byte key"
                                                                      : keel_strerror(ret));
        return ret == KEEL_OK || ret == KEEL_ERR_RANGE ? KEEL_ERR_PARSE : ret;
    }
    if (held != 0) {
        (void)keel_str_format(err, errsz,
                              held < 0 ? "secure store record '%s' is missing and %s cannot be "
                                         "read to tell whether it holds %s"
                                       : "secure store record '%s' is missing but %s holds %s",
                              record, l->path, what);
        return held < 0 ? KEEL_ERR_IO : KEEL_ERR_NOT_FOUND;
    }
    ret = keel_random(key, 32);
    if (ret == KEEL_OK)
        ret = keel_store_put(store, record, key, 32);
    if (ret != KEEL_OK) {
        keel_wipe(key, 32);
        (void)keel_str_format(err, errsz, "secure store record '%s': cannot make it (%s)", record,
                              keel_strerror(ret));
    }
    return ret;
}

keel_err keeld_lock_keys_load(struct keeld_lock *l, keel_store *store, int schema_v1, char *err,
                              size_t errsz)
{
    int64_t sealed = 0;
    keel_err ret =
        key_load(l, store, KEELD_REC_PIN_KEY, l->pin_key, count_of(l, "SELECT count(*) FROM pins"),
                 "PIN codes: they cannot be checked", err, errsz);

    if (ret != KEEL_OK)
        return ret;
    /* schema 1 kept everything in plaintext: the migration seals it under this key */
    if (!schema_v1)
        sealed = count_of(l, "SELECT (SELECT count(*) FROM pins) + "
                             "(SELECT count(*) FROM log WHERE who IS NOT NULL) + "
                             "(SELECT count(*) FROM sync WHERE who IS NOT NULL)");
    return key_load(l, store, KEELD_REC_DATA_KEY, l->data_key, sealed,
                    "sealed personal data: it cannot be opened", err, errsz);
}

keel_err keeld_lock_pseudonym_load(struct keeld_lock *l, keel_store *store, char *err, size_t errsz)
{
    size_t len = 0;
    keel_err ret =
        keel_store_get(store, KEELD_REC_PSEUDONYM, l->pseudonym, KEEL_EVENT_PSEUDONYM_HEX, &len);

    if (ret == KEEL_OK && len == KEEL_EVENT_PSEUDONYM_HEX) {
        l->pseudonym[KEEL_EVENT_PSEUDONYM_HEX] = '\0';
        if (keel_event_pseudonym_valid(l->pseudonym))
            return KEEL_OK;
    }
    if (ret != KEEL_ERR_NOT_FOUND) {
        memset(l->pseudonym, 0, sizeof(l->pseudonym));
        (void)keel_str_format(err, errsz, "secure store record '%s': %s", KEELD_REC_PSEUDONYM,
                              ret == KEEL_OK || ret == KEEL_ERR_RANGE ? "not 32 hex digits"
                                                                      : keel_strerror(ret));
        return ret == KEEL_OK || ret == KEEL_ERR_RANGE ? KEEL_ERR_PARSE : ret;
    }
    ret = keel_event_pseudonym_new(l->pseudonym);
    if (ret == KEEL_OK)
        ret = keel_store_put(store, KEELD_REC_PSEUDONYM, l->pseudonym, KEEL_EVENT_PSEUDONYM_HEX);
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "secure store record '%s': cannot make it (%s)",
                              KEELD_REC_PSEUDONYM, keel_strerror(ret));
    return ret;
}
