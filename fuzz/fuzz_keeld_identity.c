/* keeld's identity.json parser on arbitrary bytes: never a crash, never an accepted
 * identity whose fields break the documented rules, always an error message on refusal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/tls.h"
#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keeld_identity id;
    char err[KEELD_ERROR_MAX];
    keel_err ret =
        keeld_identity_parse((const char *)data, size, "identity.json", &id, err, sizeof(err));

    if (ret == KEEL_OK) {
        if (keel_tls_serial_check(id.serial) != KEEL_OK || id.model[0] == '\0' ||
            strlen(id.created) != 20 ||
            (strcmp(id.rot, "file") != 0 && strcmp(id.rot, "tpm2") != 0))
            abort();
    } else if (err[0] == '\0' || strncmp(err, "identity.json: ", 15) != 0) {
        abort();
    }
    return 0;
}
