/*
 * The TUF client workflow (5.3-2, 5.3-9): root chain, timestamp, snapshot, targets. Each
 * step verifies before it persists, so the trusted files only ever move forward through
 * verified states, and a power cut at any point leaves a consistent prefix of them.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "client_private.h"

/* What one step has in hand: the fetched envelope and its verified payload. */
struct fetched {
    uint8_t *envelope;
    size_t len;
    uint8_t *payload;
    size_t payload_len;
};

static void fetched_free(struct fetched *f)
{
    free(f->envelope);
    free(f->payload);
    memset(f, 0, sizeof(*f));
}

static keel_err fetch_failed(const char *name, keel_err ret)
{
    keel_log(KEEL_LOG_ERROR, "update: fetching %s: %s", name, keel_strerror(ret));
    return ret;
}

/* Fetch name and check it against what the role naming it said (length and hash, when
 * given), then verify its signatures for role. */
static keel_err fetch_verified(keel_update_fetcher *f, const char *name, size_t max,
                               const keel_update_meta_ref *ref, const keel_update_root *root,
                               keel_update_role role, struct fetched *out)
{
    uint8_t digest[32];
    keel_err ret;

    if (ref != NULL && ref->length != 0)
        max = ref->length < max ? (size_t)ref->length : max;
    ret = keel_update_fetch(f, name, max, &out->envelope, &out->len);
    if (ret == KEEL_ERR_NOT_FOUND && role == KEEL_UPDATE_ROLE_ROOT)
        return ret; /* the end of the root chain, not a failure */
    if (ret != KEEL_OK)
        return fetch_failed(name, ret);
    if (ref != NULL && ref->length != 0 && out->len != ref->length) {
        keel_log(KEEL_LOG_ERROR, "update: %s is %zu bytes, its metadata says %llu", name, out->len,
                 (unsigned long long)ref->length);
        return KEEL_ERR_UPDATE_MISMATCH;
    }
    if (ref != NULL && ref->has_sha256) {
        if (EVP_Digest(out->envelope, out->len, digest, NULL, EVP_sha256(), NULL) != 1)
            return KEEL_ERR_CRYPTO;
        if (memcmp(digest, ref->sha256, sizeof(digest)) != 0) {
            keel_log(KEEL_LOG_ERROR, "update: %s does not match the hash its metadata gives", name);
            return KEEL_ERR_UPDATE_MISMATCH;
        }
    }
    ret = keel_update_envelope_open(out->envelope, out->len, root, role, &out->payload,
                                    &out->payload_len);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: %s refused: %s", name, keel_strerror(ret));
    return ret;
}

static keel_err check_expiry(const char *name, const keel_update_header *h, int64_t now)
{
    char when[21];

    if (h->expires > now)
        return KEEL_OK;
    if (keel_update_time_format(h->expires, when) != KEEL_OK)
        when[0] = '\0';
    keel_log(KEEL_LOG_ERROR,
             "update: %s expired at %s (a freeze attack, or a repository "
             "that stopped signing)",
             name, when);
    return KEEL_ERR_UPDATE_EXPIRED;
}

static keel_err version_order(const char *name, uint64_t got, uint64_t trusted)
{
    if (got >= trusted)
        return KEEL_OK;
    keel_log(KEEL_LOG_ERROR, "update: %s version %llu is older than the trusted %llu", name,
             (unsigned long long)got, (unsigned long long)trusted);
    return KEEL_ERR_UPDATE_ROLLBACK;
}

static int same_role_keys(const keel_update_role_keys *a, const keel_update_role_keys *b)
{
    if (a->nkeyids != b->nkeyids || a->threshold != b->threshold)
        return 0;
    for (size_t i = 0; i < a->nkeyids; i++) {
        if (strcmp(a->keyids[i], b->keyids[i]) != 0)
            return 0;
    }
    return 1;
}

/* A new root that changes the timestamp or snapshot keys drops the trusted timestamp and
 * snapshot: after a compromised key signed a far-future version (a fast-forward attack),
 * the repository recovers by rotating the key. Done before the new root is saved, so a
 * power cut in between cannot keep the old files under the new root. */
static keel_err forget_rotated(const char *trust_dir, const keel_update_root *old,
                               const keel_update_root *new)
{
    keel_err ret = KEEL_OK;

    if (!same_role_keys(&old->roles[KEEL_UPDATE_ROLE_TIMESTAMP],
                        &new->roles[KEEL_UPDATE_ROLE_TIMESTAMP]) ||
        !same_role_keys(&old->roles[KEEL_UPDATE_ROLE_SNAPSHOT],
                        &new->roles[KEEL_UPDATE_ROLE_SNAPSHOT])) {
        keel_log(KEEL_LOG_INFO, "update: timestamp or snapshot keys rotated; their trusted "
                                "metadata is dropped");
        ret = keel_update_trust_remove(trust_dir, "timestamp.json");
        if (ret == KEEL_OK)
            ret = keel_update_trust_remove(trust_dir, "snapshot.json");
    }
    return ret;
}

/* One step of the root chain: name holds version trusted + 1, signed by the threshold of
 * the trusted root and of itself. On success *root is the new root. */
static keel_err root_step(const char *trust_dir, keel_update_fetcher *f, const char *name,
                          keel_update_root *root)
{
    struct fetched got = {0};
    keel_update_root next;
    uint8_t *self = NULL;
    size_t self_len = 0;
    keel_err ret =
        fetch_verified(f, name, KEEL_UPDATE_ROOT_MAX, NULL, root, KEEL_UPDATE_ROLE_ROOT, &got);

    if (ret != KEEL_OK)
        goto out;
    ret = keel_update_root_parse(got.payload, got.payload_len, &next);
    if (ret != KEEL_OK)
        goto out;
    ret = keel_update_envelope_open(got.envelope, got.len, &next, KEEL_UPDATE_ROLE_ROOT, &self,
                                    &self_len);
    if (ret == KEEL_OK && next.header.version != root->header.version + 1) {
        keel_log(KEEL_LOG_ERROR, "update: %s carries version %llu", name,
                 (unsigned long long)next.header.version);
        ret = next.header.version <= root->header.version ? KEEL_ERR_UPDATE_ROLLBACK
                                                          : KEEL_ERR_UPDATE_MISMATCH;
    }
    if (ret == KEEL_OK)
        ret = forget_rotated(trust_dir, root, &next);
    if (ret == KEEL_OK)
        ret = keel_update_trust_save(trust_dir, "root.json", got.envelope, got.len);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: new root %s refused: %s", name, keel_strerror(ret));
        keel_update_root_free(&next);
        goto out;
    }
    keel_update_root_free(root);
    *root = next;
out:
    free(self);
    fetched_free(&got);
    return ret;
}

static keel_err update_root(const char *trust_dir, keel_update_fetcher *f, int64_t now,
                            keel_update_root *root)
{
    char name[48];
    keel_err ret;

    for (unsigned step = 0; step < KEEL_UPDATE_MAX_ROOT_STEPS; step++) {
        ret = keel_str_format(name, sizeof(name), "%llu.root.json",
                              (unsigned long long)root->header.version + 1);
        if (ret != KEEL_OK)
            return ret;
        ret = root_step(trust_dir, f, name, root);
        if (ret == KEEL_ERR_NOT_FOUND)
            break;
        if (ret != KEEL_OK)
            return ret;
    }
    return check_expiry("root", &root->header, now);
}

/* A trusted copy that no longer verifies under the current root (its keys were rotated)
 * counts as absent; any other failure to read it stops the refresh. */
static keel_err load_trusted(const char *trust_dir, const char *name, const keel_update_root *root,
                             keel_update_role role, uint8_t **payload, size_t *len)
{
    keel_err ret = keel_update_trust_load(trust_dir, name, KEEL_UPDATE_META_MAX, root, role, NULL,
                                          NULL, payload, len);

    if (ret == KEEL_ERR_UPDATE_UNSIGNED || ret == KEEL_ERR_UPDATE_THRESHOLD)
        ret = KEEL_ERR_NOT_FOUND;
    return ret;
}

static keel_err update_timestamp(const char *trust_dir, keel_update_fetcher *f, int64_t now,
                                 const keel_update_root *root, keel_update_timestamp *out)
{
    struct fetched got = {0};
    keel_update_timestamp old;
    uint8_t *old_payload = NULL;
    size_t old_len = 0;
    keel_err ret = fetch_verified(f, "timestamp.json", KEEL_UPDATE_TIMESTAMP_MAX, NULL, root,
                                  KEEL_UPDATE_ROLE_TIMESTAMP, &got);

    if (ret == KEEL_OK)
        ret = keel_update_timestamp_parse(got.payload, got.payload_len, out);
    if (ret != KEEL_OK)
        goto out;
    ret = load_trusted(trust_dir, "timestamp.json", root, KEEL_UPDATE_ROLE_TIMESTAMP, &old_payload,
                       &old_len);
    if (ret == KEEL_OK && keel_update_timestamp_parse(old_payload, old_len, &old) == KEEL_OK) {
        ret = version_order("timestamp.json", out->header.version, old.header.version);
        if (ret == KEEL_OK)
            ret = version_order("the snapshot named by timestamp.json", out->snapshot.version,
                                old.snapshot.version);
    } else if (ret == KEEL_ERR_NOT_FOUND || ret == KEEL_OK) {
        ret = KEEL_OK; /* first refresh, or keys rotated: nothing to compare with */
    }
    if (ret == KEEL_OK)
        ret = check_expiry("timestamp.json", &out->header, now);
    if (ret == KEEL_OK)
        ret = keel_update_trust_save(trust_dir, "timestamp.json", got.envelope, got.len);
out:
    free(old_payload);
    fetched_free(&got);
    return ret;
}

static keel_err update_snapshot(const char *trust_dir, keel_update_fetcher *f, int64_t now,
                                const keel_update_root *root, const keel_update_timestamp *ts,
                                keel_update_snapshot *out)
{
    struct fetched got = {0};
    keel_update_snapshot old;
    uint8_t *old_payload = NULL;
    size_t old_len = 0;
    keel_err ret = fetch_verified(f, "snapshot.json", KEEL_UPDATE_META_MAX, &ts->snapshot, root,
                                  KEEL_UPDATE_ROLE_SNAPSHOT, &got);

    if (ret == KEEL_OK)
        ret = keel_update_snapshot_parse(got.payload, got.payload_len, out);
    if (ret != KEEL_OK)
        goto out;
    if (out->header.version != ts->snapshot.version) {
        keel_log(KEEL_LOG_ERROR,
                 "update: snapshot.json is version %llu, timestamp.json names "
                 "%llu",
                 (unsigned long long)out->header.version, (unsigned long long)ts->snapshot.version);
        ret = KEEL_ERR_UPDATE_MISMATCH;
        goto out;
    }
    ret = load_trusted(trust_dir, "snapshot.json", root, KEEL_UPDATE_ROLE_SNAPSHOT, &old_payload,
                       &old_len);
    if (ret == KEEL_OK && keel_update_snapshot_parse(old_payload, old_len, &old) == KEEL_OK)
        ret = version_order("the targets named by snapshot.json", out->targets.version,
                            old.targets.version);
    else if (ret == KEEL_ERR_NOT_FOUND || ret == KEEL_OK)
        ret = KEEL_OK;
    if (ret == KEEL_OK)
        ret = check_expiry("snapshot.json", &out->header, now);
    if (ret == KEEL_OK)
        ret = keel_update_trust_save(trust_dir, "snapshot.json", got.envelope, got.len);
out:
    free(old_payload);
    fetched_free(&got);
    return ret;
}

static keel_err update_targets(const char *trust_dir, keel_update_fetcher *f, int64_t now,
                               const keel_update_root *root, const keel_update_snapshot *snap,
                               keel_update_targets *out)
{
    struct fetched got = {0};
    keel_err ret = fetch_verified(f, "targets.json", KEEL_UPDATE_META_MAX, &snap->targets, root,
                                  KEEL_UPDATE_ROLE_TARGETS, &got);

    if (ret == KEEL_OK)
        ret = keel_update_targets_parse(got.payload, got.payload_len, out);
    if (ret != KEEL_OK)
        goto out;
    if (out->header.version != snap->targets.version) {
        keel_log(KEEL_LOG_ERROR,
                 "update: targets.json is version %llu, snapshot.json names "
                 "%llu",
                 (unsigned long long)out->header.version,
                 (unsigned long long)snap->targets.version);
        ret = KEEL_ERR_UPDATE_MISMATCH;
    }
    if (ret == KEEL_OK)
        ret = check_expiry("targets.json", &out->header, now);
    if (ret == KEEL_OK)
        ret = keel_update_trust_save(trust_dir, "targets.json", got.envelope, got.len);
    if (ret != KEEL_OK)
        keel_update_targets_free(out);
out:
    fetched_free(&got);
    return ret;
}

keel_err keel_update_refresh(const char *trust_dir, keel_update_fetcher *f, int64_t now,
                             keel_update_targets *out)
{
    keel_update_root root;
    keel_update_timestamp ts;
    keel_update_snapshot snap;
    keel_update_targets targets;
    keel_err ret;

    if (trust_dir == NULL || f == NULL)
        return KEEL_ERR_ARG;
    ret = keel_update_trust_root(trust_dir, &root);
    if (ret != KEEL_OK)
        return ret;
    ret = update_root(trust_dir, f, now, &root);
    if (ret == KEEL_OK)
        ret = update_timestamp(trust_dir, f, now, &root, &ts);
    if (ret == KEEL_OK)
        ret = update_snapshot(trust_dir, f, now, &root, &ts, &snap);
    if (ret == KEEL_OK)
        ret = update_targets(trust_dir, f, now, &root, &snap, &targets);
    keel_update_root_free(&root);
    if (ret != KEEL_OK)
        return ret;
    if (out != NULL)
        *out = targets;
    else
        keel_update_targets_free(&targets);
    return KEEL_OK;
}
