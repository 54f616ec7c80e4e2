/* Label passwords (5.1-1, 5.1-2): unique per device, drawn only from the CSPRNG, from an
 * alphabet a person can read off a label and type without guessing at look-alikes. */
#include "keel/auth.h"

keel_err keel_auth_label_password(keel_secret *out)
{
    static const char alphabet[] = KEEL_AUTH_LABEL_ALPHABET;
    char text[KEEL_AUTH_LABEL_LEN];
    size_t pos = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL)
        return KEEL_ERR_ARG;
    keel_secret_clear(out);
    for (size_t i = 0; i < KEEL_AUTH_LABEL_SYMBOLS; i++) {
        uint32_t r;
        if (i > 0 && i % KEEL_AUTH_LABEL_GROUP == 0)
            text[pos++] = '-';
        ret = keel_random_uniform((uint32_t)(sizeof(alphabet) - 1), &r);
        if (ret != KEEL_OK)
            goto out;
        text[pos++] = alphabet[r];
    }
    ret = keel_secret_set(out, text, pos);
out:
    if (ret != KEEL_OK)
        keel_secret_clear(out);
    keel_wipe(text, sizeof(text));
    return ret;
}
