/* keeld's POST /api/v1/pins body parser on arbitrary bytes (5.13-1A): never a crash, an
 * out-of-bounds read or a leak; what it accepts is a name of 1 to KEELD_PIN_NAME_MAX bytes
 * without control characters and a PIN text of 1 to KEELD_PIN_MAX_DIGITS + 8 bytes, both
 * NUL-terminated; what it refuses leaves nothing in the outputs. Refused bodies then go
 * through the whole route on a real lock: 400 or 413, and the PIN list as it was. */
#include "keeld_fuzz_device.h"

#define PIN_BUF (KEELD_PIN_MAX_DIGITS + 9u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zeros[PIN_BUF];

static int printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device();
    static char before[KEELD_RESPONSE_MAX], after[KEELD_RESPONSE_MAX];
    char name[KEELD_PIN_NAME_MAX + 1], pin[PIN_BUF];
    keel_err ret;
    int status;

    memset(name, 'n', sizeof(name));
    memset(pin, 'p', sizeof(pin));
    ret = keeld_pin_add_parse(data, size, name, pin);
    if (ret == KEEL_OK) {
        size_t n = strnlen(name, sizeof(name)), p = strnlen(pin, sizeof(pin));
        if (n == 0 || n > KEELD_PIN_NAME_MAX || p == 0 || p > PIN_BUF - 1 || !printable(name))
            abort();
        return 0; /* stored per input, the lock would be full at once; the unit test adds */
    }
    if (name[0] != '\0' || memcmp(pin, zeros, sizeof(pin)) != 0)
        abort();
    if (keeld_lock_pins_json(d->lock, before, sizeof(before)) != KEEL_OK)
        abort();
    status = fuzz_post(d, "/api/v1/pins", data, size, KEELD_PIN_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (keeld_lock_pins_json(d->lock, after, sizeof(after)) != KEEL_OK ||
        strcmp(before, after) != 0)
        abort();
    return 0;
}
