/* The root-of-trust spec string comes from the device's configuration: it must parse into a
 * backend and a bounded, printable TCTI, or be refused, never overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rot_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[KEEL_ROT_SPEC_MAX + 64];
    char tcti[KEEL_ROT_SPEC_MAX];
    keel_rot_backend backend;

    if (size >= sizeof(spec))
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    if (keel_rot_spec_parse(spec, &backend, tcti, sizeof(tcti)) == KEEL_OK) {
        if (backend == KEEL_ROT_BACKEND_TPM2 && (tcti[0] == '\0' || strlen(tcti) >= size))
            abort();
        if (backend == KEEL_ROT_BACKEND_FILE && strcmp(spec, "file") != 0)
            abort();
    }
    return 0;
}
