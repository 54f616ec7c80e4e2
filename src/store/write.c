/* Writing the store: create, put, delete. Each write seals the whole record table at the
 * next generation, replaces the file atomically and then raises the root of trust's
 * counter (the order is explained at the top of store.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

#define STORE_FILE_MODE 0600

/* Seal body at generation gen and replace the file at path. */
keel_err keel_store_seal_write(keel_rot *rot, const char *path, uint64_t gen, const uint8_t *body,
                               size_t body_len, uint8_t *file, size_t cap)
{
    uint8_t key[KEEL_ROT_KEY_LEN];
    size_t file_len = 0;
    keel_err ret = keel_rot_storage_key_unseal(rot, key);

    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "store %s: cannot unseal the storage key: %s", path,
                 keel_strerror(ret));
        goto out;
    }
    ret = keel_store_encode(key, gen, body, body_len, file, cap, &file_len);
    keel_wipe(key, sizeof(key));
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "store %s: cannot seal generation %llu: %s", path,
                 (unsigned long long)gen, keel_strerror(ret));
        goto out;
    }
    ret = keel_file_write_atomic(path, file, file_len, STORE_FILE_MODE);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "store %s: cannot write generation %llu: %s (%s)", path,
                 (unsigned long long)gen, keel_strerror(ret), strerror(errno));
out:
    keel_wipe(file, cap);
    return ret;
}

keel_err keel_store_counter_raise(keel_rot *rot, const char *path, uint64_t *value)
{
    keel_err ret = keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_STORE, value);

    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "store %s: cannot raise the root of trust's counter: %s", path,
                 keel_strerror(ret));
    return ret;
}

keel_err keel_store_counter_read(keel_rot *rot, const char *path, uint64_t *value)
{
    keel_err ret = keel_rot_counter_read(rot, KEEL_ROT_COUNTER_STORE, value);

    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "store %s: cannot read the root of trust's counter: %s", path,
                 keel_strerror(ret));
    return ret;
}

keel_err keel_store_create(const char *path, keel_rot *rot)
{
    static const uint8_t empty[2] = {0, 0}; /* no records */
    struct stat st;
    uint8_t *file = NULL;
    uint64_t counter = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (path == NULL || *path == '\0' || strlen(path) >= KEEL_STORE_PATH_MAX || rot == NULL)
        return KEEL_ERR_ARG;
    if (lstat(path, &st) == 0 || errno != ENOENT) {
        keel_log(KEEL_LOG_ERROR, "store %s: refusing to create a store over an existing file",
                 path);
        return KEEL_ERR_EXISTS;
    }
    file = malloc(KEEL_STORE_FILE_MAX);
    if (file == NULL)
        return KEEL_ERR_NOMEM;
    ret = keel_store_counter_read(rot, path, &counter);
    if (ret == KEEL_OK && counter == UINT64_MAX) {
        keel_log(KEEL_LOG_ERROR, "store %s: the root of trust's counter is exhausted", path);
        ret = KEEL_ERR_RANGE;
    }
    if (ret == KEEL_OK)
        ret = keel_store_seal_write(rot, path, counter + 1, empty, sizeof(empty), file,
                                    KEEL_STORE_FILE_MAX);
    if (ret == KEEL_OK)
        ret = keel_store_counter_raise(rot, path, &counter);
    free(file);
    return ret;
}

/* Bring the counter up to the store's generation if an earlier raise failed, so that the
 * next file is exactly one generation ahead of it. A counter already past the store means
 * another writer has moved on: writing would fork the history. */
static keel_err catch_up(keel_store *s)
{
    uint64_t counter = 0;
    keel_err ret = keel_store_counter_read(s->rot, s->path, &counter);

    while (ret == KEEL_OK && counter < s->generation)
        ret = keel_store_counter_raise(s->rot, s->path, &counter);
    if (ret == KEEL_OK && counter > s->generation) {
        keel_log(KEEL_LOG_ERROR,
                 "store %s: %s: the root of trust's counter %llu is past this store's "
                 "generation %llu (written elsewhere)",
                 s->path, keel_strerror(KEEL_ERR_STORE_ROLLBACK), (unsigned long long)counter,
                 (unsigned long long)s->generation);
        ret = KEEL_ERR_STORE_ROLLBACK;
    }
    return ret;
}

/* Persist the records in s->scratch (len bytes) as the next generation. Until the file is
 * replaced nothing changes, on flash or in memory. Once it is, the new records are the
 * store (in memory too), even if the counter then cannot be raised: open accepts a file one
 * generation ahead, and the next write raises the counter first. */
static keel_err commit(keel_store *s, size_t len)
{
    uint64_t gen = s->generation + 1;
    uint64_t counter = 0;
    keel_err ret;

    if (s->generation == UINT64_MAX)
        return KEEL_ERR_RANGE;
    ret = catch_up(s);
    if (ret == KEEL_OK)
        ret =
            keel_store_seal_write(s->rot, s->path, gen, s->scratch, len, s->file, sizeof(s->file));
    if (ret != KEEL_OK)
        return ret;
    keel_wipe(s->body, s->body_len);
    memcpy(s->body, s->scratch, len);
    s->body_len = len;
    s->generation = gen;
    return keel_store_counter_raise(s->rot, s->path, &counter);
}

keel_err keel_store_put(keel_store *s, const char *name, const void *value, size_t len)
{
    static const uint8_t none[1] = {0};
    size_t body_len = 0;
    keel_err ret;

    if (s == NULL || name == NULL || (value == NULL && len != 0))
        return KEEL_ERR_ARG;
    if (!keel_store_name_valid(name, strlen(name)))
        return KEEL_ERR_ARG;
    if (len > KEEL_STORE_VALUE_MAX)
        return KEEL_ERR_TOO_LARGE;
    ret = keel_store_records_set(s->body, s->body_len, name, len > 0 ? value : none, len,
                                 s->scratch, sizeof(s->scratch), &body_len);
    if (ret == KEEL_OK)
        ret = commit(s, body_len);
    keel_wipe(s->scratch, sizeof(s->scratch));
    return ret;
}

keel_err keel_store_delete(keel_store *s, const char *name)
{
    const uint8_t *value = NULL;
    size_t value_len = 0;
    size_t body_len = 0;
    keel_err ret;

    if (s == NULL || name == NULL || !keel_store_name_valid(name, strlen(name)))
        return KEEL_ERR_ARG;
    ret = keel_store_records_find(s->body, s->body_len, name, &value, &value_len);
    if (ret == KEEL_OK)
        ret = keel_store_records_set(s->body, s->body_len, name, NULL, 0, s->scratch,
                                     sizeof(s->scratch), &body_len);
    if (ret == KEEL_OK)
        ret = commit(s, body_len);
    keel_wipe(s->scratch, sizeof(s->scratch));
    return ret;
}

/* Factory reset of the store (5.11-1): one write of the records kept. Until the file is
 * replaced nothing changes (commit), so an error before that leaves every record; once it
 * is, the records are gone even if the counter cannot be raised (as keel_store_put). */
keel_err keel_store_retain(keel_store *s, const char *const *keep, size_t n, size_t *removed)
{
    size_t body_len = 0;
    size_t gone = 0;
    uint64_t gen;
    keel_err ret;

    if (removed != NULL)
        *removed = 0;
    if (s == NULL || (keep == NULL && n > 0))
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] == NULL || !keel_store_name_valid(keep[i], strlen(keep[i])))
            return KEEL_ERR_ARG;
    }
    gen = s->generation;
    ret = keel_store_records_keep(s->body, s->body_len, keep, n, s->scratch, sizeof(s->scratch),
                                  &body_len, &gone);
    if (ret == KEEL_OK && gone > 0)
        ret = commit(s, body_len);
    keel_wipe(s->scratch, sizeof(s->scratch));
    /* written, even if the counter then could not be raised (as keel_store_put) */
    if (removed != NULL && (ret == KEEL_OK || s->generation != gen))
        *removed = gone;
    return ret;
}
