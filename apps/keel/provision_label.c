/* The device label (5.1-1): what the owner needs to prove possession and to check the
 * device's first HTTPS connection. The password appears here and on the QR code, nowhere
 * else: not in the data directory, not in the manifest. */
#include <ctype.h>
#include <string.h>

#include "provision.h"

#ifndef KEEL_SUPPORT_UNTIL
#error "KEEL_SUPPORT_UNTIL must be defined by the build"
#endif

/* "AB:CD:..." (upper case, as browsers and `openssl x509 -fingerprint` show it) from the
 * lower-case hex of a SHA-256. */
static keel_err append_fingerprint(keel_buf *b, const char *hex)
{
    char out[3 * 32];
    size_t n = strlen(hex);

    if (n != 64)
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < 32; i++) {
        for (size_t k = 0; k < 2; k++) {
            out[3 * i + k] = (char)toupper((unsigned char)hex[2 * i + k]);
        }
        out[3 * i + 2] = ':';
    }
    return keel_buf_append(b, out, sizeof(out) - 1);
}

static keel_err finish(keel_buf *b, char *out, keel_err ret)
{
    if (ret != KEEL_OK) {
        keel_buf_reset(b);
        out[0] = '\0';
        return ret;
    }
    out[b->len] = '\0';
    return KEEL_OK;
}

keel_err provision_label_format(char *out, size_t outsz, const struct provision_device *dev)
{
    keel_buf b;
    keel_err ret;

    if (out == NULL || outsz == 0 || dev == NULL)
        return KEEL_ERR_ARG;
    keel_buf_init(&b, out, outsz - 1);
    ret = keel_buf_append_str(&b, "keel device label\nmodel:    ");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->model);
    /* the defined support period next to the model it is for (5.3-13, 5.3-16) */
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\nsupport:  security updates until " KEEL_SUPPORT_UNTIL);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\nserial:   ");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->serial);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\npassword: ");
    if (ret == KEEL_OK)
        ret =
            keel_buf_append(&b, keel_secret_bytes(&dev->password), keel_secret_len(&dev->password));
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\nidentity certificate SHA-256: ");
    if (ret == KEEL_OK)
        ret = append_fingerprint(&b, dev->identity_sha256);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\nHTTPS certificate SHA-256: ");
    if (ret == KEEL_OK)
        ret = append_fingerprint(&b, dev->https_sha256);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "\n");
    return finish(&b, out, ret);
}

keel_err provision_setup_uri(char *out, size_t outsz, const struct provision_device *dev)
{
    keel_buf b;
    keel_err ret;

    if (out == NULL || outsz == 0 || dev == NULL)
        return KEEL_ERR_ARG;
    /* serial, password and hex need no percent-encoding: [A-Z0-9-] and [0-9a-f] only */
    keel_buf_init(&b, out, outsz - 1);
    ret = keel_buf_append_str(&b, "keel:setup?v=1&serial=");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->serial);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "&pw=");
    if (ret == KEEL_OK)
        ret =
            keel_buf_append(&b, keel_secret_bytes(&dev->password), keel_secret_len(&dev->password));
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, "&fp=");
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, dev->https_sha256);
    return finish(&b, out, ret);
}
