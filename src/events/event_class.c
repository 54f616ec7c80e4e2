/* What each event means to the monitor on the service side (5.10-1): the classes its rules
 * count. A name not listed is lock activity or something new, KEEL_EVENT_OTHER, which still
 * counts towards a device's rate. */
#include <string.h>

#include "keel/events.h"

static const struct {
    const char *name;
    keel_event_class c;
} named[] = {
    {"auth.failure", KEEL_EVENT_AUTH_FAILURE},
    {"pin_rejected", KEEL_EVENT_AUTH_FAILURE},
    {"auth.lockout", KEEL_EVENT_LOCKOUT},
    {"auth.throttled", KEEL_EVENT_LOCKOUT},
    {"keypad_wait", KEEL_EVENT_LOCKOUT},
    {"integrity.failed", KEEL_EVENT_INTEGRITY},
    {"link.up", KEEL_EVENT_LINK},
    {"auth.password_changed", KEEL_EVENT_CONFIG},
    {"setup.completed", KEEL_EVENT_CONFIG},
    {"config.changed", KEEL_EVENT_CONFIG},
    {"consent.granted", KEEL_EVENT_CONFIG},
    {"consent.withdrawn", KEEL_EVENT_CONFIG},
    {"factory_reset", KEEL_EVENT_RESET},
    {"fail_secure", KEEL_EVENT_FAIL_SECURE},
};

static const char *const class_names[KEEL_EVENT_CLASS_COUNT] = {
    "other",  "auth_failure", "lockout", "integrity",   "link",
    "config", "update",       "reset",   "fail_secure",
};

#define UPDATE_PREFIX "update."

keel_event_class keel_event_class_of(const char *event)
{
    if (event == NULL)
        return KEEL_EVENT_OTHER;
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strcmp(event, named[i].name) == 0)
            return named[i].c;
    if (strncmp(event, UPDATE_PREFIX, sizeof(UPDATE_PREFIX) - 1) == 0)
        return KEEL_EVENT_UPDATE;
    return KEEL_EVENT_OTHER;
}

const char *keel_event_class_name(keel_event_class c)
{
    if ((int)c < 0 || (int)c >= KEEL_EVENT_CLASS_COUNT)
        return NULL;
    return class_names[c];
}
