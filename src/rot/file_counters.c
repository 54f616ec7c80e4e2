/* Counters of the development file backend: one 0600 file, "KEELCT01" and the counters as
 * big-endian u64, replaced atomically. Unlike a TPM's, these go down if someone rewrites the
 * file; they exist so that development builds behave like the tpm2 backend. */
#if KEEL_PRODUCTION
#error "the file root of trust is for development only; configure with -DKEEL_ROT_FILE=OFF"
#endif
#include <string.h>

#include "rot_private.h"

static const uint8_t counters_magic[8] = {'K', 'E', 'E', 'L', 'C', 'T', '0', '1'};

#define COUNTERS_FILE "counters"

keel_err keel_rot_counters_decode(const void *data, size_t len, uint64_t values[KEEL_ROT_COUNTERS])
{
    const uint8_t *p = data;

    if (data == NULL || len != KEEL_ROT_COUNTERS_FILE_LEN ||
        memcmp(p, counters_magic, sizeof(counters_magic)) != 0)
        return KEEL_ERR_ROT_SEALED;
    for (size_t i = 0; i < KEEL_ROT_COUNTERS; i++) {
        values[i] = 0;
        for (size_t b = 0; b < 8; b++)
            values[i] = (values[i] << 8) | p[8 + 8 * i + b];
    }
    return KEEL_OK;
}

void keel_rot_counters_encode(const uint64_t values[KEEL_ROT_COUNTERS],
                              uint8_t out[KEEL_ROT_COUNTERS_FILE_LEN])
{
    memcpy(out, counters_magic, sizeof(counters_magic));
    for (size_t i = 0; i < KEEL_ROT_COUNTERS; i++) {
        for (size_t b = 0; b < 8; b++)
            out[8 + 8 * i + b] = (uint8_t)(values[i] >> (56 - 8 * b));
    }
}

/* A missing file is every counter at 0; a damaged one is refused, never reset. */
static keel_err load(keel_rot *rot, char path[KEEL_ROT_PATH_MAX],
                     uint64_t values[KEEL_ROT_COUNTERS])
{
    char *data = NULL;
    size_t len = 0;
    keel_err ret = keel_rot_path(rot, COUNTERS_FILE, path);

    if (ret == KEEL_OK)
        ret = keel_file_read(path, KEEL_ROT_COUNTERS_FILE_LEN, &data, &len);
    if (ret == KEEL_ERR_NOT_FOUND) {
        memset(values, 0, sizeof(uint64_t) * KEEL_ROT_COUNTERS);
        ret = KEEL_OK;
    } else if (ret == KEEL_OK || ret == KEEL_ERR_TOO_LARGE) {
        ret = ret == KEEL_OK ? keel_rot_counters_decode(data, len, values) : KEEL_ERR_ROT_SEALED;
        if (ret != KEEL_OK)
            keel_log(KEEL_LOG_ERROR, "rot: counters file %s is damaged", path);
    }
    keel_file_free(data, len);
    return ret;
}

keel_err keel_rot_file_counter_read(keel_rot *rot, uint32_t id, uint64_t *value)
{
    char path[KEEL_ROT_PATH_MAX];
    uint64_t values[KEEL_ROT_COUNTERS];
    keel_err ret = load(rot, path, values);

    if (ret == KEEL_OK)
        *value = values[id];
    return ret;
}

keel_err keel_rot_file_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value)
{
    char path[KEEL_ROT_PATH_MAX];
    uint64_t values[KEEL_ROT_COUNTERS];
    uint8_t out[KEEL_ROT_COUNTERS_FILE_LEN];
    keel_err ret = load(rot, path, values);

    if (ret != KEEL_OK)
        return ret;
    if (values[id] == UINT64_MAX)
        return KEEL_ERR_RANGE;
    values[id]++;
    keel_rot_counters_encode(values, out);
    ret = keel_file_write_atomic(path, out, sizeof(out), 0600);
    if (ret == KEEL_OK)
        *value = values[id];
    return ret;
}
