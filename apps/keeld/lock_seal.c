/*
 * Personal data into and out of lock.db (6-6): a name or a "who" is sealed under the data
 * key (keel/privacy.h) just before SQLite binds it and opened just after SQLite reads it,
 * so the plaintext is never in the database, its WAL or SQLite's page cache. The buffers
 * that held it are wiped.
 */
#include <string.h>

#include "lock_int.h"

keel_err keeld_lock_bind_sealed(const struct keeld_lock *l, sqlite3_stmt *s, int idx,
                                const char *context, const char *text)
{
    uint8_t sealed[KEELD_LOCK_SEALED_MAX];
    size_t sealed_len = 0;
    size_t len;
    keel_err ret;

    if (text == NULL)
        return sqlite3_bind_null(s, idx) == SQLITE_OK ? KEEL_OK : KEEL_ERR_NOMEM;
    len = strnlen(text, KEELD_LOCK_WHO_MAX + 1);
    if (len > KEELD_LOCK_WHO_MAX)
        return KEEL_ERR_TOO_LARGE;
    ret = keel_privacy_seal(l->data_key, context, text, len, sealed, sizeof(sealed), &sealed_len);
    if (ret == KEEL_OK &&
        sqlite3_bind_blob(s, idx, sealed, (int)sealed_len, SQLITE_TRANSIENT) != SQLITE_OK)
        ret = KEEL_ERR_NOMEM;
    keel_wipe(sealed, sizeof(sealed));
    return ret;
}

keel_err keeld_lock_column_open(const struct keeld_lock *l, sqlite3_stmt *s, int col,
                                const char *context, char *out, size_t outsz)
{
    const uint8_t *sealed;
    int n;
    size_t len = 0;
    keel_err ret;

    if (outsz == 0)
        return KEEL_ERR_RANGE;
    out[0] = '\0';
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return KEEL_ERR_NOT_FOUND;
    sealed = sqlite3_column_blob(s, col);
    n = sqlite3_column_bytes(s, col);
    if (sealed == NULL || n <= 0)
        return KEEL_ERR_PARSE;
    ret = keel_privacy_open(l->data_key, context, sealed, (size_t)n, out, outsz - 1, &len);
    if (ret == KEEL_OK && memchr(out, '\0', len) != NULL)
        ret = KEEL_ERR_PARSE;
    if (ret == KEEL_OK) {
        out[len] = '\0';
    } else {
        keel_wipe(out, outsz);
        keel_log(KEEL_LOG_ERROR, "lock: %s: a sealed %s does not open (%s)", l->path, context,
                 keel_strerror(ret));
    }
    return ret;
}
