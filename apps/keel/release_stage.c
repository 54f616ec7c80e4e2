/* The staged targets: what `add` signs and `publish` serves. Staging keeps the signed
 * targets document out of the served directory until a new snapshot and timestamp name it,
 * so a device refreshing meanwhile sees a consistent repository (the old one) rather than a
 * targets.json that its snapshot does not describe. */
#include <stdlib.h>
#include <string.h>

#include "release.h"

keel_err release_targets_copy(const keel_update_targets *from, keel_update_targets *to,
                              struct release_err *e)
{
    *to = *from;
    to->targets = NULL;
    if (from->ntargets == 0)
        return KEEL_OK;
    to->targets = calloc(from->ntargets, sizeof(*to->targets));
    if (to->targets == NULL) {
        to->ntargets = 0;
        return release_fail(e, KEEL_ERR_NOMEM, "targets: out of memory");
    }
    memcpy(to->targets, from->targets, from->ntargets * sizeof(*to->targets));
    return KEEL_OK;
}

keel_err release_stage(struct release_repo *repo, struct release_keyring *kr,
                       keel_update_targets *doc, int64_t now, struct release_err *e)
{
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS];
    char *env = NULL;
    size_t n, len = 0;
    keel_err ret = release_keyring_require(kr, &repo->root, KEEL_UPDATE_ROLE_TARGETS, e);

    if (ret != KEEL_OK)
        return ret;
    doc->header.type = KEEL_UPDATE_ROLE_TARGETS;
    doc->header.version = repo->targets.header.version + 1;
    doc->header.expires = release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_TARGETS]);
    n = release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_TARGETS, keys,
                                KEEL_UPDATE_MAX_KEYS);
    ret = release_sign_targets(doc, &repo->root, keys, n, &env, &len, e);
    if (ret == KEEL_OK)
        ret = release_write(repo->dir, RELEASE_STAGED_FILE, env, len, e);
    free(env);
    if (ret != KEEL_OK)
        return ret;
    keel_update_targets_free(&repo->staged);
    repo->staged = *doc;
    repo->has_staged = 1;
    memset(doc, 0, sizeof(*doc));
    return KEEL_OK;
}
