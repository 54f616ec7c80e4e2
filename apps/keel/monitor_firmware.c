/* Firmware the fleet is expected to run (--firmware), and downgrades (5.3: a device whose
 * firmware goes back to an older version is either being attacked or being rolled back by
 * someone who should say so). */
#include <string.h>

#include "keel/update.h"
#include "monitor.h"

/* The event format's rule for "firmware" (keel/events.h): 1..31 of [0-9A-Za-z.+-]. A
 * version outside it could never match an event, so naming one is a mistake. */
static int firmware_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= KEEL_EVENT_FIRMWARE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '+' || c == '-'))
            return 0;
    }
    return 1;
}

keel_err monitor_firmware_list_parse(const char *text, struct monitor_rules *r)
{
    const char *p = text;

    if (text == NULL || r == NULL)
        return KEEL_ERR_ARG;
    r->nfirmware = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char *slot;

        if (r->nfirmware == MONITOR_FIRMWARE_MAX || n == 0 || n >= KEEL_EVENT_FIRMWARE_MAX)
            return KEEL_ERR_PARSE;
        slot = r->firmware[r->nfirmware];
        memcpy(slot, p, n);
        slot[n] = '\0';
        if (!firmware_valid(slot))
            return KEEL_ERR_PARSE;
        r->nfirmware++;
        if (comma == NULL)
            return KEEL_OK;
        p = comma + 1;
    }
}

int monitor_firmware_expected(const struct monitor_rules *r, const char *firmware)
{
    if (r->nfirmware == 0)
        return 1;
    for (size_t i = 0; i < r->nfirmware; i++)
        if (strcmp(r->firmware[i], firmware) == 0)
            return 1;
    return 0;
}

int monitor_firmware_downgrade(const char *before, const char *now)
{
    return keel_update_version_compare(now, before) < 0;
}
