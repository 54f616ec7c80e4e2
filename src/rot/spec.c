/* The root-of-trust spec string: "file" or "tpm2:TCTI". It comes from configuration, so it
 * is checked strictly: printable ASCII only, bounded, nothing after "file". */
#include <string.h>

#include "rot_private.h"

#define TPM2_PREFIX "tpm2:"

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    }
    return 1;
}

keel_err keel_rot_spec_parse(const char *spec, keel_rot_backend *backend, char *tcti, size_t tctisz)
{
    size_t len;

    if (spec == NULL || backend == NULL || tcti == NULL || tctisz == 0)
        return KEEL_ERR_ARG;
    *tcti = '\0';
    len = strnlen(spec, KEEL_ROT_SPEC_MAX);
    if (len == KEEL_ROT_SPEC_MAX || !printable(spec, len))
        return KEEL_ERR_ARG;
    if (strcmp(spec, "file") == 0) {
        *backend = KEEL_ROT_BACKEND_FILE;
        return KEEL_OK;
    }
    if (strncmp(spec, TPM2_PREFIX, strlen(TPM2_PREFIX)) != 0 || len == strlen(TPM2_PREFIX))
        return KEEL_ERR_ARG;
    if (keel_str_copy(tcti, tctisz, spec + strlen(TPM2_PREFIX)) != KEEL_OK)
        return KEEL_ERR_ARG;
    *backend = KEEL_ROT_BACKEND_TPM2;
    return KEEL_OK;
}
