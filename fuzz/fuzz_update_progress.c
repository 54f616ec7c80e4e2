/* The download's progress record, read back from the device's own storage at every resume:
 * a damaged one must be refused (the download then starts over), never trusted into reading
 * or writing past the target; what is accepted must write back to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_update_progress p, back;
    char *text = NULL;
    size_t len = 0;

    if (keel_update_progress_parse(data, size, &p) != KEEL_OK)
        return 0;
    if (p.length == 0 || p.length > (UINT64_C(1) << 53) || p.written > p.length ||
        p.target[0] == '\0')
        abort();
    if (keel_update_progress_format(&p, &text, &len) != KEEL_OK)
        abort();
    if (keel_update_progress_parse(text, len, &back) != KEEL_OK ||
        memcmp(&p, &back, sizeof(p)) != 0)
        abort();
    free(text);
    return 0;
}
