/* The device label (5.1-1): what the owner needs to prove possession and to check the
 * device's first HTTPS connection. The password appears here and nowhere else. */
#include <string.h>

#include "provision.h"

keel_err provision_label_format(char *out, size_t outsz, const struct provision_device *dev,
                                const keel_secret *password, const char *fingerprint)
{
    keel_buf b;
    keel_err ret;

    if (out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    keel_buf_init(&b, out, outsz - 1);
    ret = keel_buf_append_str(&b, "keel device label\nmodel:    ");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->model);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\nserial:   ");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->serial);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\npassword: ");
    if (ret == KEEL_OK)
        ret = keel_buf_append(&b, keel_secret_bytes(password), keel_secret_len(password));
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\ncertificate SHA-256: ");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, fingerprint);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\n");
    if (ret != KEEL_OK) {
        keel_buf_reset(&b);
        out[0] = '\0';
        return ret;
    }
    out[b.len] = '\0';
    return KEEL_OK;
}
