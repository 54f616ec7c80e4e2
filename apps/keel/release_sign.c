/* Signing the four documents: emit the JSON payload, seal it in a DSSE envelope with the
 * role's keys (5.3-7: Ed25519 or ECDSA P-256 through OpenSSL), then check the result the way
 * a device will: no larger than a device accepts, and opening with the root for its role.
 * A mistake (a key the root does not trust, a document too large) stops here, before
 * anything is written. */
#include <stdlib.h>
#include <string.h>

#include "release.h"

/* Seal len bytes of payload for role with keys; check size, and that root accepts it. */
static keel_err seal(keel_update_role role, const char *payload, size_t len,
                     const keel_update_root *root, EVP_PKEY *const *keys, size_t nkeys, char **env,
                     size_t *env_len, struct release_err *e)
{
    const char *name = keel_update_role_name(role);
    uint8_t *back = NULL;
    size_t back_len = 0;
    keel_err ret = keel_update_envelope_seal(payload, len, keys, nkeys, env, env_len);

    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: cannot sign with %zu key(s): %s", name, nkeys,
                            keel_strerror(ret));
    if (*env_len > release_role_max(role)) {
        ret = release_fail(e, KEEL_ERR_TOO_LARGE,
                           "%s: the signed document would be %zu bytes, more than the %zu a "
                           "device accepts",
                           name, *env_len, release_role_max(role));
    } else {
        ret = keel_update_envelope_open(*env, *env_len, root, role, &back, &back_len);
        if (ret != KEEL_OK)
            release_fail(e, ret,
                         "%s: the new signature does not meet root v%llu's %s threshold: "
                         "%s",
                         name, (unsigned long long)root->header.version, name, keel_strerror(ret));
    }
    free(back);
    if (ret != KEEL_OK) {
        free(*env);
        *env = NULL;
    }
    return ret;
}

static keel_err emitted(keel_err ret, const char *name, struct release_err *e)
{
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: cannot write the document: %s", name, keel_strerror(ret));
    return KEEL_OK;
}

keel_err release_sign_root(const keel_update_root *doc, EVP_PKEY *const *keys, size_t nkeys,
                           char **env, size_t *env_len, struct release_err *e)
{
    char *payload = NULL;
    size_t len = 0;
    keel_err ret = emitted(keel_update_root_emit(doc, &payload, &len), "root", e);

    if (ret == KEEL_OK)
        ret = seal(KEEL_UPDATE_ROLE_ROOT, payload, len, doc, keys, nkeys, env, env_len, e);
    free(payload);
    return ret;
}

keel_err release_sign_targets(const keel_update_targets *doc, const keel_update_root *root,
                              EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                              struct release_err *e)
{
    char *payload = NULL;
    size_t len = 0;
    keel_err ret = emitted(keel_update_targets_emit(doc, &payload, &len), "targets", e);

    if (ret == KEEL_OK)
        ret = seal(KEEL_UPDATE_ROLE_TARGETS, payload, len, root, keys, nkeys, env, env_len, e);
    free(payload);
    return ret;
}

keel_err release_sign_snapshot(const keel_update_snapshot *doc, const keel_update_root *root,
                               EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                               struct release_err *e)
{
    char *payload = NULL;
    size_t len = 0;
    keel_err ret = emitted(keel_update_snapshot_emit(doc, &payload, &len), "snapshot", e);

    if (ret == KEEL_OK)
        ret = seal(KEEL_UPDATE_ROLE_SNAPSHOT, payload, len, root, keys, nkeys, env, env_len, e);
    free(payload);
    return ret;
}

keel_err release_sign_timestamp(const keel_update_timestamp *doc, const keel_update_root *root,
                                EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                                struct release_err *e)
{
    char *payload = NULL;
    size_t len = 0;
    keel_err ret = emitted(keel_update_timestamp_emit(doc, &payload, &len), "timestamp", e);

    if (ret == KEEL_OK)
        ret = seal(KEEL_UPDATE_ROLE_TIMESTAMP, payload, len, root, keys, nkeys, env, env_len, e);
    free(payload);
    return ret;
}
