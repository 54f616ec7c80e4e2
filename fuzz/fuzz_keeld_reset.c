/* keeld's POST /api/v1/reset body parser on arbitrary bytes (5.11-1, 5.13-1A): never a crash
 * or an out-of-bounds read; what it accepts is a password within the secret's bounds with
 * "confirm":"erase", and a refused body leaves no password behind. Refused bodies then go
 * through the whole route with the owner's session: 400 or 413, and nothing is erased (the
 * lock still answers, the store still holds its PIN key, keeld is not stopping). */
#include "keeld_fuzz_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device();
    struct keeld_lock_state s;
    keel_secret pw;
    uint8_t key[64];
    size_t len = 0;
    keel_err ret = keeld_reset_parse(data, size, &pw);
    int status;

    if (ret == KEEL_OK && (keel_secret_len(&pw) == 0 || keel_secret_len(&pw) > KEEL_SECRET_MAX))
        abort();
    if (ret != KEEL_OK && keel_secret_len(&pw) != 0)
        abort();
    keel_secret_clear(&pw);
    if (ret == KEEL_OK)
        return 0; /* Argon2 per accepted input would make fuzzing crawl */
    status = fuzz_post(d, "/api/v1/reset", data, size, KEELD_RESET_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (d->st.reset_done || keeld_lock_get(d->lock, &s) != KEEL_OK ||
        keel_store_get(d->store, KEELD_REC_PIN_KEY, key, sizeof(key), &len) != KEEL_OK)
        abort();
    keel_wipe(key, sizeof(key));
    return 0;
}
