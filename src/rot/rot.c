/* keel_rot_*: argument checks and dispatch to the backend the spec names (5.4-1, 5.4-2). */
#include <stdlib.h>
#include <string.h>

#include "rot_private.h"

const char *keel_rot_backend_name(keel_rot_backend backend)
{
    return backend == KEEL_ROT_BACKEND_TPM2 ? "tpm2" : "file";
}

keel_rot_backend keel_rot_backend_of(const keel_rot *rot)
{
    return rot->backend;
}

OSSL_LIB_CTX *keel_rot_libctx(keel_rot *rot)
{
    return rot == NULL ? NULL : rot->libctx;
}

const char *keel_rot_propq(const keel_rot *rot)
{
    return rot == NULL ? NULL : rot->ops->identity_propq_prefer;
}

static keel_err open_backend(keel_rot *rot)
{
    if (rot->backend == KEEL_ROT_BACKEND_TPM2)
        return keel_rot_tpm2_open(rot);
#if KEEL_ROT_FILE
    keel_log(KEEL_LOG_WARN, "rot: the development file backend keeps keys in plain files "
                            "(EN 303 645 5.4-1 not met)");
    rot->ops = &keel_rot_file_ops;
    return KEEL_OK;
#else
    keel_log(KEEL_LOG_ERROR, "rot: the file backend is not built into this keel (production)");
    return KEEL_ERR_ROT_REFUSED;
#endif
}

static int lock_init(keel_rot *rot)
{
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);

    if (rc == 0) {
        rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        if (rc == 0)
            rc = pthread_mutex_init(&rot->lock, &attr);
        pthread_mutexattr_destroy(&attr);
    }
    return rc;
}

/* The operations below run one at a time (rot_private.h). */
#define LOCKED(rot, call)                                                                          \
    do {                                                                                           \
        keel_err locked_ret_;                                                                      \
        pthread_mutex_lock(&(rot)->lock);                                                          \
        locked_ret_ = (call);                                                                      \
        pthread_mutex_unlock(&(rot)->lock);                                                        \
        return locked_ret_;                                                                        \
    } while (0)

keel_err keel_rot_open(const char *spec, const char *state_dir, keel_rot **out)
{
    keel_rot *rot = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (spec == NULL || state_dir == NULL || *state_dir == '\0')
        return KEEL_ERR_ARG;
    rot = calloc(1, sizeof(*rot));
    if (rot == NULL)
        return KEEL_ERR_NOMEM;
    if (lock_init(rot) != 0) {
        free(rot);
        return KEEL_ERR_NOMEM;
    }
    ret = keel_rot_spec_parse(spec, &rot->backend, rot->tcti, sizeof(rot->tcti));
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "rot: malformed spec (want \"file\" or \"tpm2:TCTI\")");
        goto out;
    }
#if !KEEL_ROT_FILE
    /* Refused before anything touches the state directory. */
    if (rot->backend == KEEL_ROT_BACKEND_FILE) {
        ret = open_backend(rot);
        goto out;
    }
#endif
    ret = keel_str_copy(rot->state_dir, sizeof(rot->state_dir), state_dir);
    if (ret == KEEL_OK)
        ret = keel_rot_state_dir_prepare(rot->state_dir);
    if (ret != KEEL_OK)
        goto out;
    ret = open_backend(rot);
    if (ret != KEEL_OK)
        goto out;
    *out = rot;
    rot = NULL;
out:
    if (rot != NULL) {
        pthread_mutex_destroy(&rot->lock);
        keel_wipe(rot, sizeof(*rot));
        free(rot);
    }
    return ret;
}

void keel_rot_close(keel_rot *rot)
{
    if (rot == NULL)
        return;
    if (rot->ops != NULL)
        rot->ops->close(rot);
    pthread_mutex_destroy(&rot->lock);
    keel_wipe(rot, sizeof(*rot));
    free(rot);
}

keel_err keel_rot_storage_key_create(keel_rot *rot)
{
    if (rot == NULL)
        return KEEL_ERR_ARG;
    LOCKED(rot, rot->ops->key_create(rot));
}

keel_err keel_rot_storage_key_unseal(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN])
{
    keel_err ret;

    if (rot == NULL || key == NULL) {
        if (key != NULL)
            keel_wipe(key, KEEL_ROT_KEY_LEN);
        return KEEL_ERR_ARG;
    }
    pthread_mutex_lock(&rot->lock);
    ret = rot->ops->key_unseal(rot, key);
    pthread_mutex_unlock(&rot->lock);
    if (ret != KEEL_OK)
        keel_wipe(key, KEEL_ROT_KEY_LEN);
    return ret;
}

keel_err keel_rot_storage_key_destroy(keel_rot *rot)
{
    if (rot == NULL)
        return KEEL_ERR_ARG;
    LOCKED(rot, rot->ops->key_destroy(rot));
}

keel_err keel_rot_counter_read(keel_rot *rot, uint32_t id, uint64_t *value)
{
    if (rot == NULL || value == NULL || id >= KEEL_ROT_COUNTERS)
        return KEEL_ERR_ARG;
    LOCKED(rot, rot->ops->counter_read(rot, id, value));
}

keel_err keel_rot_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value)
{
    if (rot == NULL || value == NULL || id >= KEEL_ROT_COUNTERS)
        return KEEL_ERR_ARG;
    LOCKED(rot, rot->ops->counter_increment(rot, id, value));
}

keel_err keel_rot_identity_create(keel_rot *rot)
{
    if (rot == NULL)
        return KEEL_ERR_ARG;
    LOCKED(rot, keel_rot_identity_generate(rot));
}

keel_err keel_rot_identity_key(keel_rot *rot, EVP_PKEY **key)
{
    if (key != NULL)
        *key = NULL;
    if (rot == NULL || key == NULL)
        return KEEL_ERR_ARG;
    LOCKED(rot, keel_rot_identity_load(rot, key));
}
