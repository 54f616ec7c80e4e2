/*
 * The lock's WAL and the bytes of deleted data (6-6, 5.11-1). SQLite writes every change to
 * lock.db-wal first; the WAL keeps older versions of pages until later frames overwrite
 * them, so a row deleted from lock.db (with secure_delete: zeroed there) can linger in the
 * WAL's older frames. Two rules keep those bytes from outliving their deletion:
 *
 * - The WAL is persistent (SQLITE_FCNTL_PERSIST_WAL, set at open): SQLite never unlinks it
 *   on its own, which would leave its blocks, with whatever frames they held, to the file
 *   system's free space. keeld_lock_erase overwrites it in place; a clean stop scrubs it
 *   first and only then lets SQLite remove the empty file (lock_db.c).
 * - After deleting personal data for good (retention, the schema-1 migration) and at a clean
 *   stop, the WAL is scrubbed: every frame checkpointed into lock.db and synced, the WAL's
 *   bytes overwritten with zeros and synced, then the WAL truncated. A WAL whose frames are all in
 * the database is redundant: SQLite reads such a database without it, the next write starts the WAL
 *   afresh, and recovery after a power cut treats a zeroed WAL as an empty one.
 *
 * Only keeld's one connection uses lock.db (the caller holds l->mu), so nothing reads the
 * WAL while it is overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock_int.h"

#define WAL_ZERO_CHUNK 65536

keel_err keeld_lock_wal_persist(struct keeld_lock *l)
{
    int persist = 1;

    return sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) == SQLITE_OK
               ? KEEL_OK
               : KEEL_ERR_IO;
}

/* "busy|log|checkpointed" of a wal_checkpoint: all of the WAL in the database. */
static keel_err checkpoint(struct keeld_lock *l, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &s, NULL);
    keel_err ret = KEEL_ERR_IO;

    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0 &&
        sqlite3_column_int(s, 1) == sqlite3_column_int(s, 2))
        ret = KEEL_OK;
    sqlite3_finalize(s);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "lock: %s: %s did not complete (%s)", l->path, sql,
                 sqlite3_errmsg(l->db));
    return ret;
}

/* Zeros over the whole of the WAL at path, synced. An absent WAL is nothing to do. */
static keel_err wal_zero(const char *path)
{
    static const uint8_t zeros[WAL_ZERO_CHUNK];
    struct stat st;
    off_t at = 0;
    keel_err ret = KEEL_OK;
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? KEEL_OK : KEEL_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        ret = KEEL_ERR_IO;
    while (ret == KEEL_OK && at < st.st_size) {
        size_t n = st.st_size - at < WAL_ZERO_CHUNK ? (size_t)(st.st_size - at) : WAL_ZERO_CHUNK;
        ssize_t w = pwrite(fd, zeros, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ret = KEEL_ERR_IO;
        else
            at += w;
    }
    if (ret == KEEL_OK && fsync(fd) != 0)
        ret = KEEL_ERR_IO;
    if (close(fd) != 0)
        ret = KEEL_ERR_IO;
    return ret;
}

keel_err keeld_lock_wal_scrub(struct keeld_lock *l)
{
    char wal[KEELD_LOCK_PATH_MAX + 8];
    keel_err ret = keel_str_format(wal, sizeof(wal), "%s-wal", l->path);

    if (ret == KEEL_OK)
        ret = checkpoint(l, "PRAGMA wal_checkpoint(FULL)");
    if (ret == KEEL_OK) {
        ret = wal_zero(wal);
        if (ret != KEEL_OK)
            keel_log(KEEL_LOG_ERROR, "lock: %s: cannot overwrite it (%s)", wal, strerror(errno));
    }
    if (ret == KEEL_OK)
        ret = checkpoint(l, "PRAGMA wal_checkpoint(TRUNCATE)");
    return ret;
}
