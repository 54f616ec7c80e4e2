/* The update benchmarks' repository (update_repo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "update_repo.h"

#define REPO_DAY 86400
#define REPO_ROOTS_MAX 8u
#define REPO_PATH 4096

typedef struct repo_keys {
    EVP_PKEY *root[REPO_ROOTS_MAX]; /* root[v - 1] is the root key of root version v */
    EVP_PKEY *role[KEEL_UPDATE_ROLES];
} repo_keys;

static int fail(const char *what, keel_err ret)
{
    fprintf(stderr, "bench update repository: %s: %s\n", what, keel_strerror(ret));
    return -1;
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[REPO_PATH];
    FILE *f;
    int ok;

    if (keel_str_format(path, sizeof(path), "%s/%s", dir, name) != KEEL_OK)
        return fail(name, KEEL_ERR_RANGE);
    f = fopen(path, "wb");
    if (f == NULL)
        return fail(path, KEEL_ERR_IO);
    ok = fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0 || !ok)
        return fail(path, KEEL_ERR_IO);
    return 0;
}

/* Seal payload (freed here) with keys and write the envelope as name, and as also when not
 * NULL; ref (when not NULL) receives its length and hash. */
static int publish(const char *dir, const char *name, const char *also, char *payload, size_t len,
                   EVP_PKEY *const *keys, size_t nkeys, keel_update_meta_ref *ref)
{
    char *env = NULL;
    size_t env_len = 0;
    unsigned int n = 0;
    keel_err ret = keel_update_envelope_seal(payload, len, keys, nkeys, &env, &env_len);
    int rc;

    free(payload);
    if (ret != KEEL_OK)
        return fail("keel_update_envelope_seal", ret);
    rc = write_file(dir, name, env, env_len);
    if (rc == 0 && also != NULL)
        rc = write_file(dir, also, env, env_len);
    if (rc == 0 && ref != NULL) {
        ref->length = env_len;
        ref->has_sha256 = 1;
        if (EVP_Digest(env, env_len, ref->sha256, &n, EVP_sha256(), NULL) != 1)
            rc = fail("EVP_Digest", KEEL_ERR_CRYPTO);
    }
    free(env);
    return rc;
}

static keel_err root_key(keel_update_root *root, keel_update_role role, EVP_PKEY *key)
{
    keel_update_role_keys *rk = &root->roles[role];
    keel_err ret = keel_update_key_id(key, root->keyids[root->nkeys]);

    if (ret != KEEL_OK)
        return ret;
    memcpy(rk->keyids[0], root->keyids[root->nkeys], KEEL_UPDATE_KEYID_SIZE);
    rk->nkeyids = 1;
    rk->threshold = 1;
    root->keys[root->nkeys++] = key; /* borrowed from repo_keys: never freed with the root */
    return KEEL_OK;
}

/* Root version v of roots: its own root key and the other roles' keys, signed by the
 * previous root key (a rotation) and its own. */
static int write_root(const char *dir, const repo_keys *k, unsigned v, unsigned roots, int64_t now)
{
    keel_update_root root;
    EVP_PKEY *signers[2];
    char *payload = NULL, name[32];
    size_t len = 0, nsigners = 0;
    keel_err ret;

    memset(&root, 0, sizeof(root));
    root.header.type = KEEL_UPDATE_ROLE_ROOT;
    root.header.version = v;
    root.header.expires = now + 365 * REPO_DAY;
    ret = root_key(&root, KEEL_UPDATE_ROLE_ROOT, k->root[v - 1]);
    for (int role = 1; role < KEEL_UPDATE_ROLES && ret == KEEL_OK; role++)
        ret = root_key(&root, (keel_update_role)role, k->role[role]);
    if (ret == KEEL_OK)
        ret = keel_update_root_emit(&root, &payload, &len);
    if (ret == KEEL_OK)
        ret = keel_str_format(name, sizeof(name), "%u.root.json", v);
    if (ret != KEEL_OK) {
        free(payload);
        return fail("keel_update_root_emit", ret);
    }
    if (v > 1)
        signers[nsigners++] = k->root[v - 2];
    signers[nsigners++] = k->root[v - 1];
    return publish(dir, name, v == roots ? "root.json" : NULL, payload, len, signers, nsigners,
                   NULL);
}

/* targets.json, then snapshot.json naming it, then timestamp.json naming the snapshot. */
static int write_roles(const char *dir, const repo_keys *k, int64_t now,
                       const keel_update_target *targets, size_t ntargets)
{
    keel_update_targets t;
    keel_update_snapshot s;
    keel_update_timestamp ts;
    char *payload = NULL;
    size_t len = 0;
    keel_err ret;

    memset(&t, 0, sizeof(t));
    memset(&s, 0, sizeof(s));
    memset(&ts, 0, sizeof(ts));
    t.header = (keel_update_header){KEEL_UPDATE_ROLE_TARGETS, 1, now + 90 * REPO_DAY};
    t.ntargets = ntargets;
    t.targets = (keel_update_target *)targets; /* only read by the emitter */
    if ((ret = keel_update_targets_emit(&t, &payload, &len)) != KEEL_OK)
        return fail("keel_update_targets_emit", ret);
    if (publish(dir, "targets.json", NULL, payload, len, &k->role[KEEL_UPDATE_ROLE_TARGETS], 1,
                &s.targets) != 0)
        return -1;
    s.header = (keel_update_header){KEEL_UPDATE_ROLE_SNAPSHOT, 1, now + 7 * REPO_DAY};
    s.targets.version = 1;
    if ((ret = keel_update_snapshot_emit(&s, &payload, &len)) != KEEL_OK)
        return fail("keel_update_snapshot_emit", ret);
    if (publish(dir, "snapshot.json", NULL, payload, len, &k->role[KEEL_UPDATE_ROLE_SNAPSHOT], 1,
                &ts.snapshot) != 0)
        return -1;
    ts.header = (keel_update_header){KEEL_UPDATE_ROLE_TIMESTAMP, 1, now + REPO_DAY};
    ts.snapshot.version = 1;
    if ((ret = keel_update_timestamp_emit(&ts, &payload, &len)) != KEEL_OK)
        return fail("keel_update_timestamp_emit", ret);
    return publish(dir, "timestamp.json", NULL, payload, len, &k->role[KEEL_UPDATE_ROLE_TIMESTAMP],
                   1, NULL);
}

static void keys_free(repo_keys *k)
{
    for (unsigned i = 0; i < REPO_ROOTS_MAX; i++)
        EVP_PKEY_free(k->root[i]);
    for (unsigned i = 0; i < KEEL_UPDATE_ROLES; i++)
        EVP_PKEY_free(k->role[i]);
}

int bench_update_repo_write(const char *dir, int64_t now, unsigned roots,
                            const keel_update_target *targets, size_t ntargets)
{
    repo_keys k;
    int rc = -1;

    memset(&k, 0, sizeof(k));
    if (roots < 1 || roots > REPO_ROOTS_MAX)
        return fail("root versions", KEEL_ERR_ARG);
    for (unsigned i = 0; i < roots; i++)
        if ((k.root[i] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
            goto out;
    for (unsigned i = 1; i < KEEL_UPDATE_ROLES; i++)
        if ((k.role[i] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
            goto out;
    rc = 0;
    for (unsigned v = 1; v <= roots && rc == 0; v++)
        rc = write_root(dir, &k, v, roots, now);
    if (rc == 0)
        rc = write_roles(dir, &k, now, targets, ntargets);
out:
    if (k.role[KEEL_UPDATE_ROLES - 1] == NULL)
        fail("EVP_PKEY_Q_keygen", KEEL_ERR_CRYPTO); /* the last key made: an earlier one failed */
    keys_free(&k);
    return rc;
}

void bench_update_target(keel_update_target *t, const char *name, uint64_t length,
                         const uint8_t sha256[32], unsigned n)
{
    memset(t, 0, sizeof(*t));
    (void)keel_str_copy(t->name, sizeof(t->name), name);
    t->length = length;
    memcpy(t->sha256, sha256, 32);
    (void)keel_str_copy(t->hardware_id, sizeof(t->hardware_id), "keel-bench-1");
    t->security_version = 1;
    (void)keel_str_format(t->version, sizeof(t->version), "1.%u.0", n);
    (void)keel_str_copy(t->notice.fixes, sizeof(t->notice.fixes),
                        "Fixes the handling of long Wi-Fi network names in the setup page and "
                        "a crash of the lock motor driver after a brown-out.");
    (void)keel_str_copy(t->notice.risks_mitigated, sizeof(t->notice.risks_mitigated),
                        "An attacker in radio range could no longer stop the lock from "
                        "answering its owner by sending malformed network names.");
    t->notice.interrupts_function = 1;
    t->notice.interruption_seconds = 90;
}
