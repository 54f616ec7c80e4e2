/* keeld's POST /api/v1/pins/remove body parser on arbitrary bytes (5.13-1A): never a crash
 * or an out-of-bounds read; what it accepts is an id of 1 to 2^31-1. Refused bodies then go
 * through the whole route on a real lock holding one PIN: 400 or 413, and the PIN still
 * there. */
#include "keeld_fuzz_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char before[KEELD_RESPONSE_MAX], after[KEELD_RESPONSE_MAX];
    static int has_pin;
    struct fuzz_device *d = fuzz_device();
    uint32_t id = 7;
    keel_err ret = keeld_pin_remove_parse(data, size, &id);
    int status;

    if (ret == KEEL_OK && (id < 1 || id > 2147483647u))
        abort();
    if (ret != KEEL_OK && id != 0)
        abort();
    if (ret == KEEL_OK)
        return 0;
    if (!has_pin) {
        uint32_t pid = 0;
        if (keeld_lock_pin_add(d->lock, "fuzz", "274915", 6, &pid, NULL) != KEEL_OK)
            abort();
        has_pin = 1;
    }
    if (keeld_lock_pins_json(d->lock, before, sizeof(before)) != KEEL_OK)
        abort();
    status = fuzz_post(d, "/api/v1/pins/remove", data, size, KEELD_LOCK_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (keeld_lock_pins_json(d->lock, after, sizeof(after)) != KEEL_OK ||
        strcmp(before, after) != 0)
        abort();
    return 0;
}
