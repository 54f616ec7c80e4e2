/* A device's public facts: its serial, when it was made, identity.json (which keeld reads
 * at start) and the certificate digests that the label and the manifest print. Nothing
 * here is secret: the label password's hash lives only in the secure store. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "provision.h"

keel_err provision_random_serial(char *out, size_t outsz)
{
    uint8_t raw[6];
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    return keel_str_format(out, outsz, "KL%02X%02X%02X%02X%02X%02X", raw[0], raw[1], raw[2], raw[3],
                           raw[4], raw[5]);
}

keel_err provision_now(char *out, size_t outsz)
{
    time_t now = time(NULL);
    struct tm tm;

    if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
        strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return KEEL_ERR_IO;
    return KEEL_OK;
}

keel_err provision_cert_sha256(X509 *cert, char out[PROVISION_HEX_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    out[0] = '\0';
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return KEEL_ERR_CRYPTO;
    return keel_hex_encode(md, n, out, PROVISION_HEX_SIZE);
}

static keel_err identity_json(const struct provision_device *dev, char **out)
{
    cJSON *root = cJSON_CreateObject();
    keel_err ret = KEEL_ERR_NOMEM;

    *out = NULL;
    if (root == NULL || cJSON_AddNumberToObject(root, "format", PROVISION_FORMAT) == NULL ||
        cJSON_AddStringToObject(root, "serial", dev->serial) == NULL ||
        cJSON_AddStringToObject(root, "model", dev->model) == NULL ||
        cJSON_AddStringToObject(root, "created", dev->created) == NULL ||
        cJSON_AddStringToObject(root, "rot", dev->rot_backend) == NULL)
        goto out;
    *out = cJSON_Print(root);
    if (*out != NULL)
        ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err provision_identity_write(const char *dir, const struct provision_device *dev)
{
    char path[PROVISION_PATH_MAX];
    char *text = NULL;
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", dir, PROVISION_IDENTITY_FILE);

    if (ret != KEEL_OK)
        return ret;
    ret = identity_json(dev, &text);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, strlen(text), 0600);
    cJSON_free(text);
    return ret;
}
