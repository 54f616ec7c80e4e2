/* Opening an envelope: the payload is handed out only when enough of the keys the trusted
 * root gives the role have signed it (5.3-9, 5.3-10: the device checks the authenticity and
 * integrity of what it receives through its trust relationship, the root). TUF's rules: signatures
 * by keys the role does not trust are ignored, and each trusted key counts once however often it
 * signs, so one stolen key cannot make up a threshold of two. */
#include <stdlib.h>
#include <string.h>

#include "meta_private.h"

static int role_keys_valid(const keel_update_role_keys *rk)
{
    return rk->nkeyids >= 1 && rk->nkeyids <= KEEL_UPDATE_MAX_KEYS && rk->threshold >= 1 &&
           rk->threshold <= rk->nkeyids;
}

/* The index of keyid among the role's key ids, or -1. */
static int role_index(const keel_update_role_keys *rk, const char *keyid)
{
    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (strcmp(rk->keyids[i], keyid) == 0)
            return (int)i;
    }
    return -1;
}

/* How many distinct trusted keys of the role signed pae, into *valid. */
static keel_err count_valid(const keel_update_envelope *env, const keel_update_root *root,
                            const keel_update_role_keys *rk, const uint8_t *pae, size_t pae_len,
                            size_t *valid)
{
    int counted[KEEL_UPDATE_MAX_KEYS] = {0};

    *valid = 0;
    for (size_t i = 0; i < env->nsigs && i < KEEL_UPDATE_MAX_KEYS; i++) {
        const keel_update_envelope_sig *s = &env->sigs[i];
        int r = s->keyid[0] != '\0' ? role_index(rk, s->keyid) : -1;
        int k = r >= 0 ? keel_update_root_key_index(root, s->keyid) : -1;
        keel_err ret;

        if (r < 0 || k < 0 || counted[r])
            continue;
        ret = keel_update_key_verify(root->keys[k], pae, pae_len, s->sig, s->sig_len);
        if (ret == KEEL_ERR_NOMEM)
            return ret;
        if (ret == KEEL_OK) {
            counted[r] = 1;
            (*valid)++;
        }
    }
    return KEEL_OK;
}

keel_err keel_update_envelope_verify_signatures(const keel_update_envelope *env,
                                                const keel_update_root *root, keel_update_role role)
{
    const char *name = keel_update_role_name(role);
    const keel_update_role_keys *rk;
    uint8_t *pae = NULL;
    size_t pae_len = 0;
    size_t valid = 0;
    keel_err ret;

    if (env == NULL || root == NULL || (unsigned)role >= KEEL_UPDATE_ROLES)
        return KEEL_ERR_ARG;
    rk = &root->roles[role];
    if (!role_keys_valid(rk) || root->nkeys > KEEL_UPDATE_MAX_KEYS)
        return KEEL_ERR_ARG;
    if ((ret = keel_update_dsse_pae(KEEL_UPDATE_PAYLOAD_TYPE, env->payload, env->payload_len, &pae,
                                    &pae_len)) != KEEL_OK)
        return ret;
    ret = count_valid(env, root, rk, pae, pae_len, &valid);
    free(pae);
    if (ret != KEEL_OK)
        return ret;
    if (valid >= rk->threshold)
        return KEEL_OK;
    keel_log(KEEL_LOG_ERROR, "update: %s: %zu valid signature(s) by its keys, %u needed", name,
             valid, (unsigned)rk->threshold);
    return valid == 0 ? KEEL_ERR_UPDATE_UNSIGNED : KEEL_ERR_UPDATE_THRESHOLD;
}

keel_err keel_update_envelope_open(const void *envelope, size_t len, const keel_update_root *root,
                                   keel_update_role role, uint8_t **payload, size_t *payload_len)
{
    keel_update_envelope env;
    keel_err ret;

    if (envelope == NULL || root == NULL || (unsigned)role >= KEEL_UPDATE_ROLES ||
        payload == NULL || payload_len == NULL)
        return KEEL_ERR_ARG;
    *payload = NULL;
    *payload_len = 0;
    if ((ret = keel_update_envelope_parse(envelope, len, &env)) != KEEL_OK)
        return ret;
    ret = keel_update_envelope_verify_signatures(&env, root, role);
    if (ret == KEEL_OK) {
        *payload = env.payload;
        *payload_len = env.payload_len;
        env.payload = NULL;
    }
    keel_update_envelope_clear(&env);
    return ret;
}
