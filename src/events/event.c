/* Encoding one event as the JSON object a device publishes (keel/events.h). Every member is
 * checked first, by the same rules the parser applies; none can need an escape, so the
 * object is written directly, in the documented order of members. */
#include <inttypes.h>
#include <string.h>

#include "events_private.h"

keel_err keel_event_encode(const keel_event *e, char *out, size_t outsz, size_t *len)
{
    keel_err ret;

    if (e == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    ret = keel_event_check(e, NULL, 0);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_str_format(out, outsz,
                          "{\"seq\":%" PRIu64 ",\"time\":\"%s\",\"event\":\"%s\",\"source\":\"%s\","
                          "\"locked\":%s,\"dropped\":%" PRIu64 ",\"device\":\"%s\","
                          "\"firmware\":\"%s\"}",
                          e->seq, e->time, e->event, e->source, e->locked ? "true" : "false",
                          e->dropped, e->device, e->firmware);
    if (ret == KEEL_OK && len != NULL)
        *len = strlen(out);
    return ret;
}
