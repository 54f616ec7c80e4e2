/* keeld's POST /api/v1/update/settings body parser (5.3-4, 5.3-6) and the settings' stored
 * form on arbitrary bytes: never a crash or an out-of-bounds read; a refused body leaves the
 * settings exactly as they were; what is accepted is within bounds and survives being stored
 * and read back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keeld_update_settings before = {1, 1, 0}, s = before, back;
    char text[64];
    keel_err ret = keeld_update_settings_parse(data, size, NOW, &s);

    if (ret != KEEL_OK && memcmp(&s, &before, sizeof(s)) != 0)
        abort();
    if (ret == KEEL_OK) {
        if ((s.auto_install != 0 && s.auto_install != 1) || (s.notify != 0 && s.notify != 1) ||
            (s.postponed_until != 0 &&
             (s.postponed_until <= NOW || s.postponed_until > NOW + 720LL * 3600)))
            abort();
        if (keeld_update_settings_encode(&s, text, sizeof(text)) != KEEL_OK ||
            keeld_update_settings_decode(text, strlen(text), &back) != KEEL_OK ||
            memcmp(&s, &back, sizeof(s)) != 0)
            abort();
    }
    /* the stored form, as read back from the store */
    if (keeld_update_settings_decode((const char *)data, size, &back) == KEEL_OK &&
        ((back.auto_install != 0 && back.auto_install != 1) || back.postponed_until < 0))
        abort();
    return 0;
}
