/* keeld's privacy bodies on arbitrary bytes (6-3A, 5.11-2, 5.13-1A): the consent body
 * (POST /api/v1/privacy/consent) and the cloud deletion body (POST /api/v1/privacy/cloud-delete)
 * never crash or read out of bounds; what the consent parser accepts is a purpose of
 * [a-z0-9_] and a boolean, and a refused body leaves nothing behind. Refused bodies then go
 * through the whole route with the owner's session: 400 or 413, no consent recorded, no
 * deletion requested. */
#include "keeld_fuzz_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_consent(struct fuzz_device *d, const uint8_t *data, size_t size)
{
    char purpose[KEELD_CONSENT_PURPOSE_MAX + 1];
    char consent[KEELD_RESPONSE_MAX];
    int granted = 7, status;
    keel_err ret = keeld_consent_parse(data, size, purpose, &granted);
    size_t n = strlen(purpose);

    if (ret == KEEL_OK) {
        if (n == 0 || n > KEELD_CONSENT_PURPOSE_MAX ||
            strspn(purpose, "abcdefghijklmnopqrstuvwxyz"
                            "0123456789_") != n ||
            (granted != 0 && granted != 1))
            abort();
        return; /* a recorded consent per input (a synced SQLite write) would make it crawl */
    }
    if (n != 0 || granted != 0)
        abort();
    status = fuzz_post(d, "/api/v1/privacy/consent", data, size, KEELD_CONSENT_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (keeld_lock_consent_json(d->lock, consent, sizeof(consent)) != KEEL_OK ||
        strstr(consent, "\"records\":[]") == NULL)
        abort();
}

static void check_cloud_delete(struct fuzz_device *d, const uint8_t *data, size_t size)
{
    char state[KEELD_RESPONSE_MAX];
    keel_err ret = keeld_cloud_delete_parse(data, size);
    int status =
        fuzz_post(d, "/api/v1/privacy/cloud-delete", data, size, KEELD_CLOUD_DELETE_BODY_MAX);

    /* the fuzz device has no cloud link: a well-formed request is 409, never sent */
    if (ret == KEEL_OK
            ? status != 409
            : (status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (keeld_lock_deletion_json(d->lock, state, sizeof(state)) != KEEL_OK ||
        strcmp(state, "{\"state\":\"none\"}") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device();

    check_consent(d, data, size);
    check_cloud_delete(d, data, size);
    return 0;
}
