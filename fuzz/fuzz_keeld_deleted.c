/* keeld's parser of the service's deletion confirmation (keel/<serial>/privacy/deleted,
 * 5.11-4, 5.13-1A) on arbitrary bytes: it must never crash, read out of bounds or leak;
 * whatever it accepts must be a request id of exactly 32 lower-case hex digits and a count
 * of items within 0..2^53, and must read back the same once written in the declared shape;
 * whatever it refuses leaves no id and no count behind, refused as too large exactly when
 * it is. The message handler, given no lock, must refuse every message without reading it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int id_ok(const char *id)
{
    return strlen(id) == KEELD_DELETION_ID_HEX &&
           strspn(id, "0123456789abcdef") == KEELD_DELETION_ID_HEX;
}

/* What was accepted, written back in the declared shape, must parse to the same. */
static void round_trip(const char *id, uint64_t items)
{
    char text[KEELD_DELETED_MAX];
    char id2[KEELD_DELETION_ID_HEX + 1];
    uint64_t items2 = 0;

    if (keel_str_format(text, sizeof(text), "{\"request\":\"%s\",\"items\":%llu}", id,
                        (unsigned long long)items) != KEEL_OK ||
        keeld_deleted_parse((const uint8_t *)text, strlen(text), id2, &items2) != KEEL_OK ||
        strcmp(id, id2) != 0 || items != items2)
        abort();
    /* and the request the device sends for that id is JSON of its declared shape */
    if (keeld_deletion_request_json(id, 0, text, sizeof(text)) != KEEL_OK ||
        strlen(text) != sizeof("{\"request\":\"\",\"requested\":\"1970-01-01T00:00:00Z\"}") - 1 +
                            KEELD_DELETION_ID_HEX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t items = 12345;
    keel_err ret;

    memcpy(id, "junk", 5);
    ret = keeld_deleted_parse(data, size, id, &items);
    if (ret == KEEL_OK) {
        if (size > KEELD_DELETED_MAX || !id_ok(id) || items > KEELD_DELETED_ITEMS_MAX)
            abort();
        round_trip(id, items);
    } else if (id[0] != '\0' || items != 0 ||
               (ret != KEEL_ERR_PARSE && ret != KEEL_ERR_TOO_LARGE) ||
               (ret == KEEL_ERR_TOO_LARGE) != (size > KEELD_DELETED_MAX)) {
        abort();
    }
    if (keeld_cloud_deleted(NULL, data, size, 0) != KEEL_ERR_ARG)
        abort();
    return 0;
}
