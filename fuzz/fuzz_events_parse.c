/* keel_event_parse on arbitrary bytes, as `keel monitor` meets them on the broker: it must
 * never crash, read out of bounds or leak; a refused input leaves the event zeroed; an
 * accepted one encodes again (every field within the format) and that encoding parses back
 * to the same event, so the parser and the encoder agree on what the format is. The class
 * of every accepted name is one of the declared classes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const keel_event zero;
    keel_event e, back;
    char why[128], out[KEEL_EVENT_JSON_MAX];
    size_t len = 0;
    keel_err ret = keel_event_parse(data, size, &e, why, sizeof(why));

    if (ret != KEEL_OK) {
        if (memcmp(&e, &zero, sizeof(e)) != 0 || why[0] == '\0')
            abort();
        if (ret != KEEL_ERR_PARSE && ret != KEEL_ERR_TOO_LARGE)
            abort();
        return 0;
    }
    if (keel_event_encode(&e, out, sizeof(out), &len) != KEEL_OK || len > KEEL_EVENT_JSON_MAX)
        abort();
    if (keel_event_parse(out, len, &back, NULL, 0) != KEEL_OK || memcmp(&e, &back, sizeof(e)) != 0)
        abort();
    if (keel_event_class_name(keel_event_class_of(e.event)) == NULL ||
        !keel_event_pseudonym_valid(e.device))
        abort();
    return 0;
}
