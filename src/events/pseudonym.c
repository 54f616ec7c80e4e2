/* The device's telemetry pseudonym (6-4): 16 bytes from the CSPRNG, so that it says nothing
 * about the serial, the owner or the time it was made, and a new one after a factory reset
 * cannot be linked to the old one. */
#include <string.h>

#include "keel/events.h"

#define PSEUDONYM_BYTES (KEEL_EVENT_PSEUDONYM_HEX / 2)

keel_err keel_event_pseudonym_new(char out[KEEL_EVENT_PSEUDONYM_HEX + 1])
{
    uint8_t raw[PSEUDONYM_BYTES];
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    ret = keel_random(raw, sizeof(raw));
    if (ret == KEEL_OK)
        ret = keel_hex_encode(raw, sizeof(raw), out, KEEL_EVENT_PSEUDONYM_HEX + 1);
    keel_wipe(raw, sizeof(raw));
    return ret;
}

int keel_event_pseudonym_valid(const char *text)
{
    if (text == NULL || strnlen(text, KEEL_EVENT_PSEUDONYM_HEX + 1) != KEEL_EVENT_PSEUDONYM_HEX)
        return 0;
    for (size_t i = 0; i < KEEL_EVENT_PSEUDONYM_HEX; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return 1;
}
