/* The update tests' repository builder and device (repo.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "repo.h"

static const char *const role_files[KEEL_UPDATE_ROLES] = {"root.json", "targets.json",
                                                          "snapshot.json", "timestamp.json"};
/* Default lifetimes, in days from the repository's now. */
static const int64_t role_days[KEEL_UPDATE_ROLES] = {365, 90, 7, 1};

const char *test_repo_file(keel_update_role role)
{
    return (unsigned)role < KEEL_UPDATE_ROLES ? role_files[role] : "?";
}

keel_err test_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return KEEL_ERR_CRYPTO;
    return KEEL_OK;
}

keel_err test_tempdir(char *out, size_t outsz)
{
    keel_err ret = keel_str_copy(out, outsz, "/tmp/keel-update-XXXXXX");
    if (ret != KEEL_OK)
        return ret;
    return mkdtemp(out) != NULL ? KEEL_OK : KEEL_ERR_IO;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_rmtree(const char *dir)
{
    if (dir != NULL && dir[0] != '\0')
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static keel_err make_dir(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return KEEL_ERR_IO;
    return KEEL_OK;
}

static keel_err join(char *out, size_t outsz, const char *dir, const char *name)
{
    return keel_str_format(out, outsz, "%s/%s", dir, name);
}

/* Repository files are written plainly: a server's files need no power-cut safety, and
 * hundreds of synced writes would slow the tests down. */
static keel_err write_path(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL)
        return KEEL_ERR_IO;
    ok = fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok ? KEEL_OK : KEEL_ERR_IO;
}

keel_err test_repo_write(const test_repo *r, const char *name, const void *bytes, size_t len)
{
    char path[TEST_REPO_PATH * 2];
    keel_err ret = join(path, sizeof(path), r->dir, name);
    if (ret != KEEL_OK)
        return ret;
    return write_path(path, bytes, len);
}

/* Read a whole file into a malloc'd, NUL-terminated buffer (any size: the 10 MiB files of
 * the endless-data tests too). */
static keel_err read_path(const char *path, char **out, size_t *out_len)
{
    keel_err ret = KEEL_ERR_IO;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return errno == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    ret = KEEL_ERR_NOMEM;
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        goto out;
    ret = KEEL_ERR_IO;
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    buf[size] = '\0';
    *out = buf;
    *out_len = (size_t)size;
    buf = NULL;
    ret = KEEL_OK;
out:
    free(buf);
    fclose(f);
    return ret;
}

keel_err test_repo_read(const test_repo *r, const char *name, char **out, size_t *out_len)
{
    char path[TEST_REPO_PATH * 2];
    keel_err ret = join(path, sizeof(path), r->dir, name);
    if (ret != KEEL_OK)
        return ret;
    return read_path(path, out, out_len);
}

EVP_PKEY *test_repo_key_new(test_repo *r)
{
    EVP_PKEY *key;
    if (r->npool >= TEST_REPO_KEY_POOL)
        return NULL;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (key != NULL)
        r->pool[r->npool++] = key;
    return key;
}

/* ---- Sealing ---- */

keel_err test_repo_seal(const void *payload, size_t len, EVP_PKEY *const *keys, size_t nkeys,
                        char **out, size_t *out_len)
{
    /* With no key the envelope carries an empty signature list: a document nobody signed. */
    return keel_update_envelope_seal(payload, len, nkeys > 0 ? keys : NULL, nkeys, out, out_len);
}

static void add_unique(EVP_PKEY **set, size_t *n, EVP_PKEY *key)
{
    for (size_t i = 0; i < *n; i++)
        if (set[i] == key)
            return;
    if (*n < KEEL_UPDATE_MAX_KEYS)
        set[(*n)++] = key;
}

/* The keys role's next document is signed with. */
static size_t signers(const test_repo *r, keel_update_role role, EVP_PKEY **set)
{
    const test_repo_role *rr = &r->roles[role];
    size_t n = 0;

    if (rr->sign_set) {
        for (size_t i = 0; i < rr->nsign; i++)
            set[n++] = rr->sign[i]; /* duplicates kept: a test may sign twice with one key */
        return n;
    }
    if (role == KEEL_UPDATE_ROLE_ROOT)
        for (size_t i = 0; i < r->nroot_signers; i++)
            add_unique(set, &n, r->root_signers[i]);
    for (size_t i = 0; i < rr->nkeys; i++)
        add_unique(set, &n, rr->keys[i]);
    return n;
}

/* ---- Documents ---- */

static keel_err root_add_key(keel_update_root *root, keel_update_role role, EVP_PKEY *key)
{
    char id[KEEL_UPDATE_KEYID_SIZE];
    keel_update_role_keys *rk = &root->roles[role];
    size_t i;
    keel_err ret = keel_update_key_id(key, id);

    if (ret != KEEL_OK)
        return ret;
    for (i = 0; i < root->nkeys && strcmp(root->keyids[i], id) != 0; i++)
        ;
    if (i == root->nkeys) {
        if (root->nkeys >= KEEL_UPDATE_MAX_KEYS)
            return KEEL_ERR_TOO_LARGE;
        root->keys[root->nkeys] = key; /* borrowed: this root is never freed */
        memcpy(root->keyids[root->nkeys++], id, sizeof(id));
    }
    if (rk->nkeyids >= KEEL_UPDATE_MAX_KEYS)
        return KEEL_ERR_TOO_LARGE;
    memcpy(rk->keyids[rk->nkeyids++], id, sizeof(id));
    return KEEL_OK;
}

static keel_err emit_root(const test_repo *r, uint64_t version, char **out, size_t *out_len)
{
    keel_err ret = KEEL_ERR_NOMEM;
    keel_update_root *root = calloc(1, sizeof(*root));

    if (root == NULL)
        return ret;
    root->header.type = KEEL_UPDATE_ROLE_ROOT;
    root->header.version = version;
    root->header.expires = r->roles[KEEL_UPDATE_ROLE_ROOT].expires;
    for (int role = 0; role < KEEL_UPDATE_ROLES; role++) {
        const test_repo_role *rr = &r->roles[role];
        root->roles[role].threshold = rr->threshold;
        for (size_t i = 0; i < rr->nkeys; i++) {
            ret = root_add_key(root, (keel_update_role)role, rr->keys[i]);
            if (ret != KEEL_OK)
                goto out;
        }
    }
    ret = keel_update_root_emit(root, out, out_len);
out:
    free(root);
    return ret;
}

static keel_err emit_targets(const test_repo *r, uint64_t version, char **out, size_t *out_len)
{
    keel_update_targets t;

    memset(&t, 0, sizeof(t));
    t.header.type = KEEL_UPDATE_ROLE_TARGETS;
    t.header.version = version;
    t.header.expires = r->roles[KEEL_UPDATE_ROLE_TARGETS].expires;
    t.ntargets = r->ntargets;
    t.targets = r->targets;
    return keel_update_targets_emit(&t, out, out_len);
}

/* What a snapshot or timestamp says of role's last envelope. */
static keel_err meta_ref(const test_repo *r, keel_update_role role, keel_update_meta_ref *ref)
{
    const test_repo_role *rr = &r->roles[role];

    memset(ref, 0, sizeof(*ref));
    if (rr->envelope == NULL)
        return KEEL_ERR_NOT_FOUND; /* nothing published for role yet */
    ref->version = rr->version;
    if (!r->meta_hashes)
        return KEEL_OK;
    ref->length = rr->envelope_len;
    ref->has_sha256 = 1;
    return test_sha256(rr->envelope, rr->envelope_len, ref->sha256);
}

static keel_err emit_snapshot(const test_repo *r, uint64_t version, char **out, size_t *out_len)
{
    keel_update_snapshot s;
    keel_err ret;

    memset(&s, 0, sizeof(s));
    s.header.type = KEEL_UPDATE_ROLE_SNAPSHOT;
    s.header.version = version;
    s.header.expires = r->roles[KEEL_UPDATE_ROLE_SNAPSHOT].expires;
    ret = meta_ref(r, KEEL_UPDATE_ROLE_TARGETS, &s.targets);
    if (ret != KEEL_OK)
        return ret;
    return keel_update_snapshot_emit(&s, out, out_len);
}

static keel_err emit_timestamp(const test_repo *r, uint64_t version, char **out, size_t *out_len)
{
    keel_update_timestamp ts;
    keel_err ret;

    memset(&ts, 0, sizeof(ts));
    ts.header.type = KEEL_UPDATE_ROLE_TIMESTAMP;
    ts.header.version = version;
    ts.header.expires = r->roles[KEEL_UPDATE_ROLE_TIMESTAMP].expires;
    ret = meta_ref(r, KEEL_UPDATE_ROLE_SNAPSHOT, &ts.snapshot);
    if (ret != KEEL_OK)
        return ret;
    return keel_update_timestamp_emit(&ts, out, out_len);
}

static keel_err emit_role(const test_repo *r, keel_update_role role, uint64_t version, char **out,
                          size_t *out_len)
{
    switch (role) {
    case KEEL_UPDATE_ROLE_ROOT: return emit_root(r, version, out, out_len);
    case KEEL_UPDATE_ROLE_TARGETS: return emit_targets(r, version, out, out_len);
    case KEEL_UPDATE_ROLE_SNAPSHOT: return emit_snapshot(r, version, out, out_len);
    case KEEL_UPDATE_ROLE_TIMESTAMP: return emit_timestamp(r, version, out, out_len);
    default: return KEEL_ERR_ARG;
    }
}

/* Write a published envelope where the device fetches it. */
static keel_err write_role_file(const test_repo *r, keel_update_role role, uint64_t version,
                                const char *env, size_t len)
{
    char name[64];
    keel_err ret;

    if (role != KEEL_UPDATE_ROLE_ROOT)
        return test_repo_write(r, role_files[role], env, len);
    ret = keel_str_format(name, sizeof(name), "%llu.root.json", (unsigned long long)version);
    if (ret == KEEL_OK)
        ret = test_repo_write(r, name, env, len);
    if (ret == KEEL_OK)
        ret = test_repo_write(r, "root.json", env, len);
    return ret;
}

keel_err test_repo_use_envelope(test_repo *r, keel_update_role role, const void *envelope,
                                size_t len, uint64_t version)
{
    test_repo_role *rr;
    char *copy;
    keel_err ret;

    if ((unsigned)role >= KEEL_UPDATE_ROLES || envelope == NULL)
        return KEEL_ERR_ARG;
    rr = &r->roles[role];
    copy = malloc(len + 1);
    if (copy == NULL)
        return KEEL_ERR_NOMEM;
    memcpy(copy, envelope, len);
    copy[len] = '\0';
    ret = write_role_file(r, role, version, copy, len);
    if (ret != KEEL_OK) {
        free(copy);
        return ret;
    }
    free(rr->envelope);
    rr->envelope = copy;
    rr->envelope_len = len;
    rr->version = version;
    return KEEL_OK;
}

keel_err test_repo_publish_role(test_repo *r, keel_update_role role)
{
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS];
    char *payload = NULL, *env = NULL;
    size_t payload_len = 0, env_len = 0, nkeys;
    test_repo_role *rr;
    uint64_t version;
    keel_err ret = KEEL_ERR_ARG;

    if (r == NULL || (unsigned)role >= KEEL_UPDATE_ROLES)
        return ret;
    rr = &r->roles[role];
    version = rr->next_version != 0 ? rr->next_version : rr->version + 1;
    ret = emit_role(r, role, version, &payload, &payload_len);
    if (ret != KEEL_OK)
        goto out;
    nkeys = signers(r, role, keys);
    ret = test_repo_seal(payload, payload_len, keys, nkeys, &env, &env_len);
    if (ret != KEEL_OK)
        goto out;
    ret = test_repo_use_envelope(r, role, env, env_len, version);
    if (ret != KEEL_OK)
        goto out;
    rr->next_version = 0;
    if (role == KEEL_UPDATE_ROLE_ROOT) {
        memcpy(r->root_signers, rr->keys, sizeof(r->root_signers));
        r->nroot_signers = rr->nkeys;
    }
out:
    free(payload);
    free(env);
    return ret;
}

keel_err test_repo_publish(test_repo *r)
{
    keel_err ret = test_repo_publish_role(r, KEEL_UPDATE_ROLE_TARGETS);
    if (ret == KEEL_OK)
        ret = test_repo_publish_role(r, KEEL_UPDATE_ROLE_SNAPSHOT);
    if (ret == KEEL_OK)
        ret = test_repo_publish_role(r, KEEL_UPDATE_ROLE_TIMESTAMP);
    return ret;
}

/* ---- Keys, signing and knobs ---- */

static keel_err fresh_keys(test_repo *r, keel_update_role role, size_t nkeys)
{
    test_repo_role *rr = &r->roles[role];

    if (nkeys == 0 || nkeys > TEST_REPO_ROLE_KEYS)
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < nkeys; i++) {
        rr->keys[i] = test_repo_key_new(r);
        if (rr->keys[i] == NULL)
            return KEEL_ERR_CRYPTO;
    }
    rr->nkeys = nkeys;
    return KEEL_OK;
}

keel_err test_repo_rotate(test_repo *r, keel_update_role role)
{
    keel_err ret;

    if (r == NULL || (unsigned)role >= KEEL_UPDATE_ROLES)
        return KEEL_ERR_ARG;
    ret = fresh_keys(r, role, r->roles[role].nkeys);
    if (ret != KEEL_OK)
        return ret;
    return test_repo_publish_role(r, KEEL_UPDATE_ROLE_ROOT);
}

keel_err test_repo_set_keys(test_repo *r, keel_update_role role, EVP_PKEY *const *keys,
                            size_t nkeys, uint32_t threshold)
{
    test_repo_role *rr;

    if (r == NULL || (unsigned)role >= KEEL_UPDATE_ROLES || nkeys == 0 ||
        nkeys > TEST_REPO_ROLE_KEYS)
        return KEEL_ERR_ARG;
    rr = &r->roles[role];
    for (size_t i = 0; i < nkeys; i++)
        rr->keys[i] = keys[i];
    rr->nkeys = nkeys;
    rr->threshold = threshold;
    return KEEL_OK;
}

keel_err test_repo_sign_with(test_repo *r, keel_update_role role, EVP_PKEY *const *keys,
                             size_t nkeys)
{
    test_repo_role *rr;

    if (r == NULL || (unsigned)role >= KEEL_UPDATE_ROLES || nkeys > KEEL_UPDATE_MAX_KEYS ||
        (nkeys > 0 && keys == NULL))
        return KEEL_ERR_ARG;
    rr = &r->roles[role];
    for (size_t i = 0; i < nkeys; i++)
        rr->sign[i] = keys[i];
    rr->nsign = nkeys;
    rr->sign_set = 1;
    return KEEL_OK;
}

void test_repo_sign_default(test_repo *r, keel_update_role role)
{
    if (r != NULL && (unsigned)role < KEEL_UPDATE_ROLES)
        r->roles[role].sign_set = 0;
}

void test_repo_set_expires(test_repo *r, keel_update_role role, int64_t expires)
{
    if (r != NULL && (unsigned)role < KEEL_UPDATE_ROLES)
        r->roles[role].expires = expires;
}

void test_repo_set_version(test_repo *r, keel_update_role role, uint64_t version)
{
    if (r != NULL && (unsigned)role < KEEL_UPDATE_ROLES)
        r->roles[role].next_version = version;
}

/* ---- Set-up ---- */

keel_err test_repo_init(test_repo *r, const char *dir, int64_t now, const test_repo_shape *shape)
{
    char path[TEST_REPO_PATH * 2];
    keel_err ret = KEEL_ERR_ARG;

    if (r == NULL || dir == NULL)
        return ret;
    memset(r, 0, sizeof(*r));
    r->now = now;
    r->meta_hashes = 1;
    ret = keel_str_copy(r->dir, sizeof(r->dir), dir);
    if (ret == KEEL_OK)
        ret = make_dir(r->dir);
    if (ret == KEEL_OK)
        ret = join(path, sizeof(path), r->dir, "targets");
    if (ret == KEEL_OK)
        ret = make_dir(path);
    for (int role = 0; ret == KEEL_OK && role < KEEL_UPDATE_ROLES; role++) {
        r->roles[role].expires = now + role_days[role] * TEST_REPO_DAY;
        r->roles[role].threshold = shape != NULL ? shape->threshold[role] : 1;
        ret = fresh_keys(r, (keel_update_role)role, shape != NULL ? shape->nkeys[role] : 1);
    }
    if (ret == KEEL_OK)
        ret = test_repo_publish_role(r, KEEL_UPDATE_ROLE_ROOT);
    return ret;
}

void test_repo_free(test_repo *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->npool; i++)
        EVP_PKEY_free(r->pool[i]);
    for (int role = 0; role < KEEL_UPDATE_ROLES; role++)
        free(r->roles[role].envelope);
    free(r->targets);
    memset(r, 0, sizeof(*r));
}

/* ---- Targets ---- */

const keel_update_target *test_repo_target(const test_repo *r, const char *name)
{
    for (size_t i = 0; r != NULL && name != NULL && i < r->ntargets; i++)
        if (strcmp(r->targets[i].name, name) == 0)
            return &r->targets[i];
    return NULL;
}

/* The list entry for name: the existing one or a new one at the end. */
static keel_update_target *target_slot(test_repo *r, const char *name)
{
    keel_update_target *grown;

    for (size_t i = 0; i < r->ntargets; i++)
        if (strcmp(r->targets[i].name, name) == 0)
            return &r->targets[i];
    grown = realloc(r->targets, (r->ntargets + 1) * sizeof(*grown));
    if (grown == NULL)
        return NULL;
    r->targets = grown;
    memset(&grown[r->ntargets], 0, sizeof(*grown));
    return &grown[r->ntargets++];
}

static keel_err fill_target(keel_update_target *t, const char *name, const void *bytes, size_t len,
                            const char *hwid, const char *version, uint64_t secver)
{
    keel_err ret = keel_str_copy(t->name, sizeof(t->name), name);

    if (ret == KEEL_OK)
        ret = keel_str_copy(t->hardware_id, sizeof(t->hardware_id), hwid);
    if (ret == KEEL_OK)
        ret = keel_str_copy(t->version, sizeof(t->version), version);
    if (ret == KEEL_OK)
        ret = keel_str_format(t->notice.fixes, sizeof(t->notice.fixes),
                              "Release %s of the lock firmware.", version);
    if (ret == KEEL_OK)
        ret = keel_str_copy(t->notice.risks_mitigated, sizeof(t->notice.risks_mitigated),
                            "None beyond the previous release.");
    if (ret != KEEL_OK)
        return ret;
    t->length = len;
    t->security_version = secver;
    t->notice.interrupts_function = 1;
    t->notice.interruption_seconds = 60;
    return test_sha256(bytes, len, t->sha256);
}

keel_err test_repo_add_target(test_repo *r, const char *name, const void *bytes, size_t len,
                              const char *hwid, const char *version, uint64_t security_version)
{
    char file[KEEL_UPDATE_NAME_MAX + 16];
    keel_update_target *t;
    keel_err ret;

    if (r == NULL || name == NULL || bytes == NULL || len == 0 || hwid == NULL || version == NULL)
        return KEEL_ERR_ARG;
    ret = keel_str_format(file, sizeof(file), "targets/%s", name);
    if (ret == KEEL_OK)
        ret = test_repo_write(r, file, bytes, len);
    if (ret != KEEL_OK)
        return ret;
    t = target_slot(r, name);
    if (t == NULL)
        return KEEL_ERR_NOMEM;
    return fill_target(t, name, bytes, len, hwid, version, security_version);
}

/* ---- The device ---- */

static keel_err device_paths(test_device *d, const char *dir, const char *hwid)
{
    keel_err ret = keel_str_copy(d->dir, sizeof(d->dir), dir);

    if (ret == KEEL_OK)
        ret = make_dir(d->dir);
    if (ret == KEEL_OK)
        ret = join(d->trust, sizeof(d->trust), dir, "trust");
    if (ret == KEEL_OK)
        ret = join(d->slot_a, sizeof(d->slot_a), dir, "slot-a.img");
    if (ret == KEEL_OK)
        ret = join(d->slot_b, sizeof(d->slot_b), dir, "slot-b.img");
    if (ret == KEEL_OK)
        ret = join(d->boot_path, sizeof(d->boot_path), dir, "bootenv");
    if (ret == KEEL_OK)
        ret = keel_str_format(d->boot_spec, sizeof(d->boot_spec), "file:%s", d->boot_path);
    if (ret == KEEL_OK)
        ret = join(d->rot_dir, sizeof(d->rot_dir), dir, "rot");
    if (ret == KEEL_OK)
        ret = join(d->store_path, sizeof(d->store_path), dir, "store");
    if (ret == KEEL_OK)
        ret = keel_str_copy(d->hwid, sizeof(d->hwid), hwid);
    return ret;
}

/* The factory: trust the first root, take the metadata once. */
static keel_err device_trust(test_device *d, const test_repo *r, int64_t now)
{
    char *root = NULL;
    size_t root_len = 0;
    keel_err ret = test_repo_read(r, "1.root.json", &root, &root_len);

    if (ret == KEEL_OK)
        ret = keel_update_trust_init(d->trust, root, root_len);
    free(root);
    if (ret == KEEL_OK)
        ret = keel_update_fetcher_dir(r->dir, &d->fetcher);
    if (ret == KEEL_OK)
        ret = keel_update_refresh(d->trust, d->fetcher, now, NULL);
    return ret;
}

/* The factory image in slot a, recorded against the trusted targets; slot b empty. */
static keel_err device_slots(test_device *d, const test_repo *r, const char *factory)
{
    char file[KEEL_UPDATE_NAME_MAX + 16];
    char *image = NULL;
    size_t image_len = 0;
    keel_update_targets trusted;
    keel_err ret = keel_str_format(file, sizeof(file), "targets/%s", factory);

    memset(&trusted, 0, sizeof(trusted));
    if (ret == KEEL_OK)
        ret = test_repo_read(r, file, &image, &image_len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(d->slot_a, image, image_len, 0600);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(d->slot_b, "", 0, 0600);
    if (ret == KEEL_OK)
        ret = keel_update_trust_targets(d->trust, &trusted);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOT_FOUND;
    for (size_t i = 0; i < trusted.ntargets; i++)
        if (strcmp(trusted.targets[i].name, factory) == 0)
            ret = keel_update_slot_record(d->trust, 'a', &trusted.targets[i]);
out:
    keel_update_targets_free(&trusted);
    free(image);
    return ret;
}

/* Boot control, root of trust (with its storage key) and secure store. */
static keel_err device_platform(test_device *d)
{
    keel_err ret = keel_update_boot_file_create(d->boot_path, 'a');

    if (ret == KEEL_OK)
        ret = keel_update_boot_open(d->boot_spec, &d->boot);
    if (ret == KEEL_OK)
        ret = keel_rot_open("file", d->rot_dir, &d->rot);
    if (ret == KEEL_OK)
        ret = keel_rot_storage_key_create(d->rot);
    if (ret == KEEL_OK)
        ret = keel_store_create(d->store_path, d->rot);
    if (ret == KEEL_OK)
        ret = keel_store_open(d->store_path, d->rot, &d->store);
    if (ret == KEEL_OK)
        ret = keel_update_floor_base(d->rot, d->store, &d->cfg.floor_base);
    return ret;
}

keel_err test_device_init(test_device *d, const test_repo *r, const char *dir, const char *hwid,
                          const char *factory_target, int64_t now)
{
    keel_err ret = KEEL_ERR_ARG;

    if (d == NULL || r == NULL || dir == NULL || hwid == NULL || factory_target == NULL)
        return ret;
    memset(d, 0, sizeof(*d));
    ret = device_paths(d, dir, hwid);
    if (ret == KEEL_OK)
        ret = device_trust(d, r, now);
    if (ret == KEEL_OK)
        ret = device_slots(d, r, factory_target);
    if (ret == KEEL_OK)
        ret = device_platform(d);
    d->cfg.trust_dir = d->trust;
    d->cfg.slot_a = d->slot_a;
    d->cfg.slot_b = d->slot_b;
    d->cfg.hardware_id = d->hwid;
    d->cfg.rot = d->rot;
    d->cfg.boot = d->boot;
    d->cfg.fetcher = d->fetcher;
    return ret;
}

void test_device_free(test_device *d)
{
    if (d == NULL)
        return;
    keel_update_fetcher_free(d->fetcher);
    keel_update_boot_free(d->boot);
    keel_store_close(d->store);
    keel_rot_close(d->rot);
    memset(d, 0, sizeof(*d));
}

static keel_err hash_file(const char *path, uint8_t out[32], uint64_t *len)
{
    keel_err ret = KEEL_ERR_IO;
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[4096];
    size_t n;

    *len = 0;
    if (f == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (EVP_DigestUpdate(ctx, buf, n) != 1)
            goto out;
        *len += n;
    }
    if (ferror(f) || EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        goto out;
    ret = KEEL_OK;
out:
    EVP_MD_CTX_free(ctx);
    if (f != NULL)
        fclose(f);
    return ret;
}

keel_err test_device_slots(const test_device *d, test_slots *out)
{
    keel_err ret;

    memset(out, 0, sizeof(*out));
    ret = hash_file(d->slot_a, out->a, &out->a_len);
    if (ret == KEEL_OK)
        ret = hash_file(d->slot_b, out->b, &out->b_len);
    return ret;
}

/* The version of the trusted timestamp or snapshot kept in the trust directory (0: none). */
static keel_err trusted_version(const test_device *d, keel_update_role role, uint64_t *version)
{
    char path[TEST_REPO_PATH * 2];
    char *env = NULL;
    uint8_t *payload = NULL;
    size_t env_len = 0, payload_len = 0;
    keel_update_timestamp ts;
    keel_update_snapshot snap;
    keel_err ret = join(path, sizeof(path), d->trust, role_files[role]);

    *version = 0;
    if (ret == KEEL_OK)
        ret = read_path(path, &env, &env_len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret == KEEL_OK)
        ret = keel_update_envelope_payload(env, env_len, &payload, &payload_len);
    if (ret == KEEL_OK && role == KEEL_UPDATE_ROLE_TIMESTAMP) {
        ret = keel_update_timestamp_parse(payload, payload_len, &ts);
        *version = ret == KEEL_OK ? ts.header.version : 0;
    } else if (ret == KEEL_OK) {
        ret = keel_update_snapshot_parse(payload, payload_len, &snap);
        *version = ret == KEEL_OK ? snap.header.version : 0;
    }
    free(payload);
    free(env);
    return ret;
}

keel_err test_device_trusted(const test_device *d, uint64_t versions[KEEL_UPDATE_ROLES])
{
    keel_update_root *root = calloc(1, sizeof(*root));
    keel_update_targets targets;
    keel_err ret = root != NULL ? keel_update_trust_root(d->trust, root) : KEEL_ERR_NOMEM;

    memset(&targets, 0, sizeof(targets));
    memset(versions, 0, KEEL_UPDATE_ROLES * sizeof(versions[0]));
    if (ret == KEEL_OK)
        versions[KEEL_UPDATE_ROLE_ROOT] = root->header.version;
    if (ret == KEEL_OK) {
        ret = keel_update_trust_targets(d->trust, &targets);
        if (ret == KEEL_OK)
            versions[KEEL_UPDATE_ROLE_TARGETS] = targets.header.version;
        else if (ret == KEEL_ERR_NOT_FOUND)
            ret = KEEL_OK;
    }
    if (ret == KEEL_OK)
        ret = trusted_version(d, KEEL_UPDATE_ROLE_SNAPSHOT, &versions[KEEL_UPDATE_ROLE_SNAPSHOT]);
    if (ret == KEEL_OK)
        ret = trusted_version(d, KEEL_UPDATE_ROLE_TIMESTAMP, &versions[KEEL_UPDATE_ROLE_TIMESTAMP]);
    keel_update_targets_free(&targets);
    if (root != NULL)
        keel_update_root_free(root);
    free(root);
    return ret;
}
