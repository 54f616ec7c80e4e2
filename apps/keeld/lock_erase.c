/*
 * The lock's part of a factory reset (5.11-1): lock.h. The caller has destroyed the keys in
 * the secure store first (the data key makes every sealed name and "who" unreadable
 * wherever flash still holds their bytes); then the database is closed for good and its
 * three files are overwritten with zeros and unlinked (keel_privacy_erase_file). The WAL is
 * persistent (lock_wal.c): SQLite leaves it at the close, so that its bytes are overwritten
 * here rather than merely unlinked.
 */
#include <string.h>

#include "lock_int.h"

static const char *const suffixes[] = {"", "-wal", "-shm"};

/* Erase db_path and its WAL and shared-memory files; absent ones are fine. */
static keel_err erase_paths(const char *db_path)
{
    char path[KEELD_LOCK_PATH_MAX + 8];
    keel_err ret = KEEL_OK;

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        keel_err r = keel_str_format(path, sizeof(path), "%s%s", db_path, suffixes[i]);
        if (r == KEEL_OK)
            r = keel_privacy_erase_file(path);
        if (r == KEEL_ERR_NOT_FOUND)
            r = KEEL_OK;
        if (r != KEEL_OK) {
            keel_log(KEEL_LOG_ERROR, "lock: cannot erase %s: %s", path, keel_strerror(r));
            if (ret == KEEL_OK)
                ret = r;
        }
    }
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "event=lock.erased path=%s", db_path);
    return ret;
}

keel_err keeld_lock_erase(struct keeld_lock *l)
{
    keel_err ret = keeld_lock_acquire(l);

    if (ret != KEEL_OK)
        return ret;
    keeld_lock_rollback(l);
    for (size_t i = 0; i < KEELD_LOCK_STMT_COUNT; i++) {
        sqlite3_finalize(l->stmt[i]);
        l->stmt[i] = NULL;
    }
    (void)keeld_lock_wal_persist(l); /* set at open: the WAL stays for the erase below */
    if (sqlite3_close_v2(l->db) != SQLITE_OK)
        keel_log(KEEL_LOG_ERROR, "lock: %s: %s", l->path, sqlite3_errmsg(l->db));
    l->db = NULL;
    l->erased = 1;
    keel_wipe(l->pin_key, sizeof(l->pin_key));
    keel_wipe(l->data_key, sizeof(l->data_key));
    keel_wipe(l->pseudonym, sizeof(l->pseudonym));
    ret = erase_paths(l->path);
    pthread_mutex_unlock(&l->mu);
    return ret;
}

keel_err keeld_lock_erase_files(const char *data_dir)
{
    char path[KEELD_LOCK_PATH_MAX];

    if (data_dir == NULL)
        return KEEL_ERR_ARG;
    if (keel_str_format(path, sizeof(path), "%s/%s", data_dir, KEELD_LOCK_DB) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return erase_paths(path);
}
