/* Error descriptions: one table, so that every code has exactly one message. */
#include "keel/core.h"

struct err_text {
    keel_err err;
    const char *text;
};

static const struct err_text texts[] = {
    {KEEL_OK, "success"},
    {KEEL_ERR_ARG, "invalid argument"},
    {KEEL_ERR_NOMEM, "out of memory"},
    {KEEL_ERR_IO, "input/output error"},
    {KEEL_ERR_RANDOM, "system random number generator failed"},
    {KEEL_ERR_RANGE, "result does not fit the buffer"},
    {KEEL_ERR_PARSE, "malformed input"},
    {KEEL_ERR_NOT_FOUND, "not found"},
    {KEEL_ERR_TOO_LARGE, "input larger than its maximum size"},
    {KEEL_ERR_CRYPTO, "cryptographic operation failed"},
    {KEEL_ERR_PERM, "permission denied or unsafe permissions"},
    {KEEL_ERR_EXISTS, "already exists"},
    {KEEL_ERR_CATALOG_VERSION, "unknown EN 303 645 version"},
    {KEEL_ERR_ROT_REFUSED, "root-of-trust backend refused by this build"},
    {KEEL_ERR_ROT_UNAVAILABLE, "root of trust unavailable"},
    {KEEL_ERR_ROT_SEALED, "sealed key damaged or made by another root of trust"},
    {KEEL_ERR_STORE_TRUNCATED, "store file truncated"},
    {KEEL_ERR_STORE_FOREIGN, "store file is not this device's store"},
    {KEEL_ERR_STORE_TAMPERED, "store file failed authentication (tampered)"},
    {KEEL_ERR_STORE_ROLLBACK, "store file is older than the root of trust's counter (rollback)"},
    {KEEL_ERR_AUTH_DENIED, "authentication failed"},
    {KEEL_ERR_AUTH_EXPIRED, "session expired or ended"},
    {KEEL_ERR_AUTH_FULL, "no free session slot"},
    {KEEL_ERR_AUTH_WEAK, "the password breaks the password policy"},
    {KEEL_ERR_AUTH_THROTTLED, "too many failed attempts"},
    {KEEL_ERR_TLS_POLICY, "TLS context does not meet keel's policy"},
    {KEEL_ERR_UPDATE_UNSIGNED, "update metadata has no valid signature by a trusted key"},
    {KEEL_ERR_UPDATE_THRESHOLD, "update metadata has fewer valid signatures than its threshold"},
    {KEEL_ERR_UPDATE_ROLLBACK, "update metadata is older than the trusted copy"},
    {KEEL_ERR_UPDATE_EXPIRED, "update metadata has expired"},
    {KEEL_ERR_UPDATE_MISMATCH, "update metadata disagrees with the role that names it"},
    {KEEL_ERR_UPDATE_TOO_LONG, "the repository sent more bytes than the signed length"},
    {KEEL_ERR_UPDATE_HASH, "update bytes differ from the signed hash"},
    {KEEL_ERR_UPDATE_HARDWARE, "update target is for another hardware id"},
    {KEEL_ERR_UPDATE_DOWNGRADE, "update target's security version is below the device's floor"},
    {KEEL_ERR_UPDATE_FETCH, "the update repository cannot be reached or refused the request"},
    {KEEL_ERR_UPDATE_BOOT, "the boot-control environment is missing or malformed"},
    {KEEL_ERR_INTEGRITY_MISMATCH, "the installed software differs from its signed metadata"},
};

const char *keel_strerror(keel_err err)
{
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i].err == err)
            return texts[i].text;
    }
    return "unknown error";
}
