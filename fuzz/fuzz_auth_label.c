/* keel_auth_label_canonical on arbitrary typed input (keeld feeds it what a person typed on
 * the setup page): never a crash; an accepted input has exactly the 16 symbols of its
 * canonical form, which is well-formed and canonicalises to itself; a refused one leaves
 * the output cleared. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_form(const char *p)
{
    for (size_t i = 0; i < KEEL_AUTH_LABEL_LEN; i++) {
        if (i % (KEEL_AUTH_LABEL_GROUP + 1) == KEEL_AUTH_LABEL_GROUP) {
            if (p[i] != '-')
                abort();
        } else if (p[i] == '\0' || strchr(KEEL_AUTH_LABEL_ALPHABET, p[i]) == NULL) {
            abort();
        }
    }
}

/* The symbols of the input, separators dropped and upper-cased, are those of the output. */
static void check_same_symbols(const uint8_t *data, size_t size, const char *p)
{
    size_t k = 0;

    for (size_t i = 0; i < size; i++) {
        if (data[i] == ' ' || data[i] == '-')
            continue;
        while (p[k] == '-')
            k++;
        if (k >= KEEL_AUTH_LABEL_LEN || toupper(data[i]) != p[k])
            abort();
        k++;
    }
    if (k != KEEL_AUTH_LABEL_LEN)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_secret in, out, again;
    keel_err ret;

    if (keel_secret_set(&in, data, size) != KEEL_OK)
        return 0;
    ret = keel_auth_label_canonical(&in, &out);
    if (ret == KEEL_OK) {
        if (keel_secret_len(&out) != KEEL_AUTH_LABEL_LEN)
            abort();
        check_form(keel_secret_bytes(&out));
        check_same_symbols(data, size, keel_secret_bytes(&out));
        if (keel_auth_label_canonical(&out, &again) != KEEL_OK ||
            memcmp(keel_secret_bytes(&again), keel_secret_bytes(&out), KEEL_AUTH_LABEL_LEN) != 0)
            abort();
    } else if (ret != KEEL_ERR_PARSE || keel_secret_len(&out) != 0) {
        abort();
    }
    keel_secret_clear(&in);
    keel_secret_clear(&out);
    keel_secret_clear(&again);
    return 0;
}
