/* A new root version: the keys and thresholds every role is trusted with. A device accepts
 * root N+1 only when the threshold of root N's root keys and of root N+1's own have signed
 * it, so a stolen key that has been rotated out cannot sign a root of its own, and a new
 * root key proves itself at once (5.3-2, 5.3-7). N.root.json is written before root.json:
 * a device walking the chain finds every step. */
#include <stdlib.h>
#include <string.h>

#include "release.h"

keel_err release_root_copy(const keel_update_root *from, keel_update_root *to,
                           struct release_err *e)
{
    *to = *from;
    for (size_t i = 0; i < to->nkeys; i++) {
        if (EVP_PKEY_up_ref(to->keys[i]) != 1) {
            for (size_t j = 0; j < i; j++)
                EVP_PKEY_free(to->keys[j]);
            memset(to, 0, sizeof(*to));
            return release_fail(e, KEEL_ERR_CRYPTO, "root: cannot share a key");
        }
    }
    return KEEL_OK;
}

static int role_uses(const keel_update_root *root, const char *id)
{
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        for (size_t i = 0; i < root->roles[r].nkeyids; i++) {
            if (strcmp(root->roles[r].keyids[i], id) == 0)
                return 1;
        }
    }
    return 0;
}

/* Drop from the root's key list the keys no role lists any more. */
static void drop_unused(keel_update_root *root)
{
    size_t n = 0;

    for (size_t i = 0; i < root->nkeys; i++) {
        if (!role_uses(root, root->keyids[i])) {
            EVP_PKEY_free(root->keys[i]);
            continue;
        }
        root->keys[n] = root->keys[i];
        memmove(root->keyids[n], root->keyids[i], KEEL_UPDATE_KEYID_SIZE);
        n++;
    }
    for (size_t i = n; i < root->nkeys; i++) {
        root->keys[i] = NULL;
        memset(root->keyids[i], 0, KEEL_UPDATE_KEYID_SIZE);
    }
    root->nkeys = n;
}

static void role_remove(keel_update_role_keys *rk, const char *id)
{
    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (strcmp(rk->keyids[i], id) != 0)
            continue;
        for (size_t j = i + 1; j < rk->nkeyids; j++)
            memcpy(rk->keyids[j - 1], rk->keyids[j], KEEL_UPDATE_KEYID_SIZE);
        rk->nkeyids--;
        memset(rk->keyids[rk->nkeyids], 0, KEEL_UPDATE_KEYID_SIZE);
        return;
    }
}

/* Add the public key pub (taken) with id to the root's key list unless it is there. */
static keel_err list_add(keel_update_root *root, EVP_PKEY *pub, const char *id,
                         struct release_err *e)
{
    for (size_t i = 0; i < root->nkeys; i++) {
        if (strcmp(root->keyids[i], id) == 0) {
            EVP_PKEY_free(pub);
            return KEEL_OK;
        }
    }
    if (root->nkeys == KEEL_UPDATE_MAX_KEYS) {
        EVP_PKEY_free(pub);
        return release_fail(e, KEEL_ERR_TOO_LARGE, "root: more than %u keys", KEEL_UPDATE_MAX_KEYS);
    }
    root->keys[root->nkeys] = pub;
    memcpy(root->keyids[root->nkeys], id, KEEL_UPDATE_KEYID_SIZE);
    root->nkeys++;
    return KEEL_OK;
}

keel_err release_root_replace_key(keel_update_root *root, keel_update_role role, const char *old_id,
                                  EVP_PKEY *pkey, struct release_err *e)
{
    keel_update_role_keys *rk = &root->roles[role];
    char id[KEEL_UPDATE_KEYID_SIZE];
    EVP_PKEY *pub = NULL;
    keel_err ret;

    if (old_id != NULL)
        role_remove(rk, old_id);
    if (pkey != NULL) {
        if ((ret = release_key_public(pkey, &pub, e)) != KEEL_OK)
            return ret;
        if ((ret = keel_update_key_id(pub, id)) != KEEL_OK) {
            EVP_PKEY_free(pub);
            return release_fail(e, ret, "root: a new key has no key id");
        }
        if (rk->nkeyids == KEEL_UPDATE_MAX_KEYS) {
            EVP_PKEY_free(pub);
            return release_fail(e, KEEL_ERR_TOO_LARGE, "root: more than %u %s keys",
                                KEEL_UPDATE_MAX_KEYS, keel_update_role_name(role));
        }
        memcpy(rk->keyids[rk->nkeyids++], id, KEEL_UPDATE_KEYID_SIZE);
        if ((ret = list_add(root, pub, id, e)) != KEEL_OK)
            return ret;
    }
    drop_unused(root);
    return KEEL_OK;
}

keel_err release_root_check(const keel_update_root *root, struct release_err *e)
{
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        const keel_update_role_keys *rk = &root->roles[r];

        if (rk->threshold < 1 || rk->threshold > rk->nkeyids)
            return release_fail(e, KEEL_ERR_ARG, "root: %s would have %zu key(s) for threshold %u",
                                keel_update_role_name((keel_update_role)r), rk->nkeyids,
                                rk->threshold);
    }
    return KEEL_OK;
}

/* The root keys of the current and the next root that the key directory holds. */
static keel_err signers(struct release_repo *repo, struct release_keyring *kr,
                        const keel_update_root *next, EVP_PKEY **keys, size_t *n,
                        struct release_err *e)
{
    EVP_PKEY *more[KEEL_UPDATE_MAX_KEYS];
    size_t m;
    keel_err ret = release_keyring_require(kr, &repo->root, KEEL_UPDATE_ROLE_ROOT, e);

    if (ret == KEEL_OK)
        ret = release_keyring_require(kr, next, KEEL_UPDATE_ROLE_ROOT, e);
    if (ret != KEEL_OK)
        return ret;
    *n =
        release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_ROOT, keys, KEEL_UPDATE_MAX_KEYS);
    m = release_keyring_signers(kr, next, KEEL_UPDATE_ROLE_ROOT, more, KEEL_UPDATE_MAX_KEYS);
    for (size_t i = 0; i < m; i++) {
        size_t j = 0;

        while (j < *n && keys[j] != more[i])
            j++;
        if (j == *n && *n < KEEL_UPDATE_MAX_KEYS)
            keys[(*n)++] = more[i];
    }
    return KEEL_OK;
}

static keel_err write_root(const char *dir, uint64_t version, const char *env, size_t len,
                           struct release_err *e)
{
    char name[40];
    keel_err ret;

    (void)keel_str_format(name, sizeof(name), "%llu.root.json", (unsigned long long)version);
    ret = release_write(dir, name, env, len, e);
    return ret == KEEL_OK ? release_write(dir, "root.json", env, len, e) : ret;
}

keel_err release_root_publish(struct release_repo *repo, struct release_keyring *kr,
                              keel_update_root *next, struct release_err *e)
{
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS];
    size_t n = 0, plen = 0, len = 0;
    uint8_t *payload = NULL;
    char *env = NULL;
    keel_err ret;

    next->header.type = KEEL_UPDATE_ROLE_ROOT;
    next->header.version = repo->root.header.version + 1;
    if ((ret = release_root_check(next, e)) != KEEL_OK ||
        (ret = signers(repo, kr, next, keys, &n, e)) != KEEL_OK ||
        (ret = release_sign_root(next, keys, n, &env, &len, e)) != KEEL_OK)
        return ret;
    ret = keel_update_envelope_open(env, len, &repo->root, KEEL_UPDATE_ROLE_ROOT, &payload, &plen);
    free(payload);
    if (ret != KEEL_OK)
        release_fail(e, ret,
                     "root v%llu: not signed by the threshold of root v%llu's root keys: %s",
                     (unsigned long long)next->header.version,
                     (unsigned long long)repo->root.header.version, keel_strerror(ret));
    else
        ret = write_root(repo->dir, next->header.version, env, len, e);
    free(env);
    if (ret != KEEL_OK)
        return ret;
    keel_update_root_free(&repo->prev);
    repo->prev = repo->root;
    repo->root = *next;
    repo->has_prev = 1;
    memset(next, 0, sizeof(*next));
    return KEEL_OK;
}
