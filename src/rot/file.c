/* The development file backend: the storage key and the identity key in 0600 files of the
 * state directory. Anyone who can read the flash has them, which EN 303 645 5.4-1 does not
 * accept on a shipped device: a production build cannot compile this file. */
#if KEEL_PRODUCTION
#error "the file root of trust is for development only; configure with -DKEEL_ROT_FILE=OFF"
#endif
#include <string.h>

#include "rot_private.h"

#define KEY_FILE "storage.key"

static keel_err key_create(keel_rot *rot)
{
    char path[KEEL_ROT_PATH_MAX];
    uint8_t key[KEEL_ROT_KEY_LEN];
    keel_err ret = keel_rot_path(rot, KEY_FILE, path);

    if (ret != KEEL_OK)
        return ret;
    if (keel_rot_path_exists(path))
        return KEEL_ERR_EXISTS;
    ret = keel_random(key, sizeof(key));
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, key, sizeof(key), 0600);
    keel_wipe(key, sizeof(key));
    return ret;
}

static keel_err key_unseal(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN])
{
    char path[KEEL_ROT_PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    keel_err ret = keel_rot_path(rot, KEY_FILE, path);

    if (ret == KEEL_OK)
        ret = keel_file_read(path, KEEL_ROT_KEY_LEN, &data, &len);
    if (ret == KEEL_ERR_TOO_LARGE || (ret == KEEL_OK && len != KEEL_ROT_KEY_LEN)) {
        keel_log(KEEL_LOG_ERROR, "rot: storage key %s is damaged", path);
        ret = KEEL_ERR_ROT_SEALED;
    }
    if (ret == KEEL_OK)
        memcpy(key, data, KEEL_ROT_KEY_LEN);
    keel_file_free(data, len);
    return ret;
}

static keel_err key_destroy(keel_rot *rot)
{
    char path[KEEL_ROT_PATH_MAX];
    keel_err ret = keel_rot_path(rot, KEY_FILE, path);

    return ret == KEEL_OK ? keel_rot_file_shred(path) : ret;
}

static void file_close(keel_rot *rot)
{
    (void)rot; /* holds nothing open: every operation reads and writes its file */
}

const keel_rot_ops keel_rot_file_ops = {
    .key_create = key_create,
    .key_unseal = key_unseal,
    .key_destroy = key_destroy,
    .counter_read = keel_rot_file_counter_read,
    .counter_increment = keel_rot_file_counter_increment,
    .close = file_close,
    .identity_propq = NULL,
    .identity_propq_prefer = NULL,
    .identity_structure = "PrivateKeyInfo",
};
