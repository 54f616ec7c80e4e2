/* What the root of trust reads back from flash, which an attacker may have rewritten: the
 * tpm2 backend's sealed-blob file and the file backend's counters file. Decoding either must
 * refuse anything malformed; what it accepts must encode back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpm2_private.h"

static void sealed_blob(const uint8_t *data, size_t size)
{
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE priv;
    uint8_t again[KEEL_ROT_TPM2_BLOB_MAX];
    size_t len = 0;

    if (keel_rot_tpm2_blob_decode(data, size, &pub, &priv) != KEEL_OK)
        return;
    if (keel_rot_tpm2_blob_encode(&pub, &priv, again, sizeof(again), &len) != KEEL_OK)
        abort();
    if (len != size)
        abort();
}

#if KEEL_ROT_FILE
static void counters_file(const uint8_t *data, size_t size)
{
    uint64_t values[KEEL_ROT_COUNTERS];
    uint8_t again[KEEL_ROT_COUNTERS_FILE_LEN];

    if (keel_rot_counters_decode(data, size, values) != KEEL_OK)
        return;
    keel_rot_counters_encode(values, again);
    if (memcmp(again, data, sizeof(again)) != 0)
        abort();
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sealed_blob(data, size);
#if KEEL_ROT_FILE
    counters_file(data, size);
#endif
    return 0;
}
