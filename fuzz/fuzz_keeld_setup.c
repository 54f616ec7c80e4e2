/* keeld's POST /api/v1/setup body parser on arbitrary bytes (5.12-1, 5.13-1A): never a
 * crash or an out-of-bounds read; what it accepts is two booleans, and a refused body leaves
 * the defaults (automatic updates on, processing off). Refused bodies then go through the
 * whole route with the owner's session: 400 or 413, nothing stored, nothing changed. */
#include "keeld_fuzz_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device();
    int auto_install = 7, data_processing = 7;
    keel_err ret = keeld_setup_parse(data, size, &auto_install, &data_processing);
    char v[64];
    char consent[KEELD_RESPONSE_MAX];
    size_t len = 0;
    int status;

    if (ret == KEEL_OK && ((auto_install != 0 && auto_install != 1) ||
                           (data_processing != 0 && data_processing != 1)))
        abort();
    if (ret != KEEL_OK && (auto_install != 1 || data_processing != 0))
        abort();
    if (ret == KEEL_OK)
        return 0; /* a store write per input would make it crawl */
    status = fuzz_post(d, "/api/v1/setup", data, size, KEELD_SETUP_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    /* no consent recorded (the choice goes into the lock's consent records, 6-3A) */
    if (keeld_lock_consent_granted(d->lock, KEELD_CONSENT_ACCESS_LOG_SYNC) != 0 ||
        keeld_lock_consent_json(d->lock, consent, sizeof(consent)) != KEEL_OK ||
        strstr(consent, "\"records\":[]") == NULL ||
        keel_store_get(d->store, KEELD_REC_PROCESSING, v, sizeof(v), &len) != KEEL_ERR_NOT_FOUND ||
        keel_store_get(d->store, KEELD_REC_UPDATE_SETTINGS, v, sizeof(v), &len) !=
            KEEL_ERR_NOT_FOUND)
        abort();
    return 0;
}
