/* Opening the store: read, verify, and reconcile the generation with the root of trust's
 * counter (the rules are at the top of store.c). Every refusal is logged once, naming the
 * store's path and what is wrong; nothing is ever reset or recreated here. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Read and verify the file into s->body; s->generation gets the file's generation. */
static keel_err load(keel_store *s)
{
    uint8_t key[KEEL_ROT_KEY_LEN];
    char *data = NULL;
    size_t len = 0;
    const char *why = "";
    keel_err ret = keel_file_read(s->path, KEEL_STORE_FILE_MAX, &data, &len);

    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "store %s: cannot read: %s", s->path, keel_strerror(ret));
        return ret;
    }
    ret = keel_rot_storage_key_unseal(s->rot, key);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "store %s: cannot unseal the storage key: %s", s->path,
                 keel_strerror(ret));
        goto out;
    }
    ret = keel_store_decode((const uint8_t *)data, len, key, s->body, sizeof(s->body), &s->body_len,
                            &s->generation, &why);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "store %s: %s: %s", s->path, keel_strerror(ret), why);
out:
    keel_wipe(key, sizeof(key));
    keel_file_free(data, len);
    return ret;
}

/* Hold the file's generation against the counter; complete an interrupted write. */
static keel_err reconcile(keel_store *s)
{
    uint64_t counter = 0;
    keel_err ret = keel_store_counter_read(s->rot, s->path, &counter);

    if (ret != KEEL_OK)
        return ret;
    if (s->generation == counter)
        return KEEL_OK;
    if (s->generation < counter) {
        keel_log(KEEL_LOG_ERROR,
                 "store %s: %s: generation %llu is older than the root of trust's counter %llu",
                 s->path, keel_strerror(KEEL_ERR_STORE_ROLLBACK), (unsigned long long)s->generation,
                 (unsigned long long)counter);
        return KEEL_ERR_STORE_ROLLBACK;
    }
    if (s->generation - counter > 1) {
        keel_log(KEEL_LOG_ERROR,
                 "store %s: %s: generation %llu is ahead of the root of trust's counter %llu "
                 "(counter reset or forged file)",
                 s->path, keel_strerror(KEEL_ERR_STORE_TAMPERED), (unsigned long long)s->generation,
                 (unsigned long long)counter);
        return KEEL_ERR_STORE_TAMPERED;
    }
    keel_log(KEEL_LOG_INFO, "store %s: completing the interrupted write of generation %llu",
             s->path, (unsigned long long)s->generation);
    return keel_store_counter_raise(s->rot, s->path, &counter);
}

keel_err keel_store_open(const char *path, keel_rot *rot, keel_store **out)
{
    keel_store *s = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (path == NULL || *path == '\0' || rot == NULL)
        return KEEL_ERR_ARG;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return KEEL_ERR_NOMEM;
    s->rot = rot;
    ret = keel_str_copy(s->path, sizeof(s->path), path);
    if (ret == KEEL_OK)
        ret = load(s);
    if (ret == KEEL_OK)
        ret = reconcile(s);
    if (ret == KEEL_OK)
        keel_store_remove_leftovers(s->path);
    if (ret != KEEL_OK) {
        keel_store_close(s);
        return ret;
    }
    *out = s;
    return KEEL_OK;
}
