/*
 * A TUF repository and a device for the update tests, built with keel's public API only.
 *
 * test_repo keeps, per role, the keys the current root trusts for it (with the threshold),
 * the keys the next document of the role is signed with (the role's own keys unless told
 * otherwise, so that a test can sign with a foreign key, too few keys or none), the expiry
 * and version of the next document, and the last envelope published. Publishing writes the
 * files a static server would serve: N.root.json (and root.json), targets.json,
 * snapshot.json, timestamp.json and targets/<name>, each snapshot and timestamp naming the
 * version, length and SHA-256 of the envelope it covers.
 *
 * test_device is what a device holds: a trust directory initialised with the repository's
 * 1.root.json and refreshed once, slot a holding the factory image (recorded), an empty
 * slot b, a file boot environment booting a, the file root of trust with its storage key, a
 * secure store (holding the floor's base, keel_update_floor_base) and a directory fetcher
 * on the repository, tied together in an agent configuration.
 *
 * Every function returns keel_err (KEEL_OK on success) so that a test asserts it; nothing
 * aborts. Keys come from EVP_PKEY_Q_keygen and belong to the repository (freed by
 * test_repo_free), so a test may keep a pointer to an old key after a rotation.
 */
#ifndef KEEL_TEST_UPDATE_REPO_H
#define KEEL_TEST_UPDATE_REPO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "keel/core.h"
#include "keel/rot.h"
#include "keel/store.h"
#include "keel/update.h"

#define TEST_REPO_PATH 512     /* a path in the test's temporary directory */
#define TEST_REPO_ROLE_KEYS 4u /* keys one role holds at most in a test */
#define TEST_REPO_KEY_POOL 64u /* keys one repository makes at most */
#define TEST_REPO_DAY 86400    /* seconds */

/* One role: trusted keys, signing keys, and what its next document carries. */
typedef struct test_repo_role {
    EVP_PKEY *keys[TEST_REPO_ROLE_KEYS]; /* trusted for the role by the root being built */
    size_t nkeys;
    uint32_t threshold;
    EVP_PKEY *sign[KEEL_UPDATE_MAX_KEYS]; /* test_repo_sign_with: used instead of keys */
    size_t nsign;
    int sign_set;          /* nonzero: sign with sign[] (possibly none) */
    int64_t expires;       /* expiry of the next document */
    uint64_t version;      /* version of the last document published (0: none yet) */
    uint64_t next_version; /* test_repo_set_version: the next document's version (0: +1) */
    char *envelope;        /* the last envelope published, NUL-terminated */
    size_t envelope_len;
} test_repo_role;

typedef struct test_repo {
    char dir[TEST_REPO_PATH];
    int64_t now;
    test_repo_role roles[KEEL_UPDATE_ROLES];
    /* Root keys of the last root published: a new root is signed by them and its own. */
    EVP_PKEY *root_signers[TEST_REPO_ROLE_KEYS];
    size_t nroot_signers;
    int meta_hashes;             /* snapshot and timestamp give length and SHA-256 (default 1) */
    keel_update_target *targets; /* the target list, grown by test_repo_add_target */
    size_t ntargets;
    EVP_PKEY *pool[TEST_REPO_KEY_POOL]; /* every key made, freed by test_repo_free */
    size_t npool;
} test_repo;

/* Per role, how many keys and the threshold (NULL: one key, threshold 1, for each role). */
typedef struct test_repo_shape {
    size_t nkeys[KEEL_UPDATE_ROLES];
    uint32_t threshold[KEEL_UPDATE_ROLES];
} test_repo_shape;

/* Make the repository in dir (made if missing, with dir/targets): keys per shape, expiries
 * now + 365 days (root), 90 (targets), 7 (snapshot), 1 (timestamp), and root version 1
 * written as 1.root.json and root.json. Nothing else is published yet. */
keel_err test_repo_init(test_repo *r, const char *dir, int64_t now, const test_repo_shape *shape);

/* Free every key and envelope; the files stay (the test removes its directory). */
void test_repo_free(test_repo *r);

/* A new Ed25519 key owned by the repository; NULL when the pool is full or keygen fails. */
EVP_PKEY *test_repo_key_new(test_repo *r);

/* Write the image (len bytes) as targets/<name> and put the target in the list (replacing
 * one of the same name), with a notice. Published by the next test_repo_publish. */
keel_err test_repo_add_target(test_repo *r, const char *name, const void *bytes, size_t len,
                              const char *hwid, const char *version, uint64_t security_version);

/* The target of that name in the repository's list, or NULL. */
const keel_update_target *test_repo_target(const test_repo *r, const char *name);

/* Publish targets, then snapshot (naming the new targets envelope), then timestamp (naming
 * the new snapshot envelope), each at its next version. */
keel_err test_repo_publish(test_repo *r);

/* Publish one role's next document. For the root: the next N.root.json (and root.json)
 * from the keys now held per role, signed by the root keys of the last root published and
 * the new root's own keys (or by test_repo_sign_with's keys). For snapshot and timestamp:
 * naming the last targets or snapshot envelope published. */
keel_err test_repo_publish_role(test_repo *r, keel_update_role role);

/* Replace role's keys by fresh ones (same count and threshold) and publish the next root. */
keel_err test_repo_rotate(test_repo *r, keel_update_role role);

/* Set role's trusted keys (copied pointers, keys owned by the repository) and threshold for
 * the next root. Nothing is published. */
keel_err test_repo_set_keys(test_repo *r, keel_update_role role, EVP_PKEY *const *keys,
                            size_t nkeys, uint32_t threshold);

/* Sign role's next documents with these nkeys keys (0: an envelope with no signature at
 * all) until test_repo_sign_default. */
keel_err test_repo_sign_with(test_repo *r, keel_update_role role, EVP_PKEY *const *keys,
                             size_t nkeys);
void test_repo_sign_default(test_repo *r, keel_update_role role);

/* The expiry of role's next documents; the version of role's next document only. */
void test_repo_set_expires(test_repo *r, keel_update_role role, int64_t expires);
void test_repo_set_version(test_repo *r, keel_update_role role, uint64_t version);

/* Seal payload with keys as the repository does (nkeys 0: an envelope with an empty
 * signature list). *out is freed with free(). */
keel_err test_repo_seal(const void *payload, size_t len, EVP_PKEY *const *keys, size_t nkeys,
                        char **out, size_t *out_len);

/* Take envelope (a copy) as role's last published envelope at version, and write it as the
 * role's file: what a following snapshot or timestamp names (mix-and-match, replays). */
keel_err test_repo_use_envelope(test_repo *r, keel_update_role role, const void *envelope,
                                size_t len, uint64_t version);

/* Write len arbitrary bytes as the repository file name (a relative path). */
keel_err test_repo_write(const test_repo *r, const char *name, const void *bytes, size_t len);

/* Read the repository file name into a new buffer (free with free()). */
keel_err test_repo_read(const test_repo *r, const char *name, char **out, size_t *out_len);

/* The file name of role in the repository: "timestamp.json", ... (root: "root.json"). */
const char *test_repo_file(keel_update_role role);

/* ---- A device ---- */

typedef struct test_device {
    char dir[TEST_REPO_PATH];
    char trust[TEST_REPO_PATH];
    char slot_a[TEST_REPO_PATH];
    char slot_b[TEST_REPO_PATH];
    char boot_path[TEST_REPO_PATH];
    char boot_spec[TEST_REPO_PATH + 8];
    char rot_dir[TEST_REPO_PATH];
    char store_path[TEST_REPO_PATH];
    char hwid[KEEL_UPDATE_HWID_MAX];
    keel_rot *rot;
    keel_store *store;
    keel_update_boot *boot;
    keel_update_fetcher *fetcher;
    keel_update_agent_config cfg;
} test_device;

/* Make the device in dir (made if missing) for hardware hwid: trust r's 1.root.json,
 * refresh from r at now, copy the published target factory_target into slot a and record
 * it, leave slot b empty, boot a, open the root of trust, the store and the fetcher, and
 * take the floor's base into d->cfg. */
keel_err test_device_init(test_device *d, const test_repo *r, const char *dir, const char *hwid,
                          const char *factory_target, int64_t now);

/* Close everything the device holds; the files stay. NULL members are skipped. */
void test_device_free(test_device *d);

/* The SHA-256 of both slot files, and their sizes. */
typedef struct test_slots {
    uint8_t a[32];
    uint8_t b[32];
    uint64_t a_len;
    uint64_t b_len;
} test_slots;

keel_err test_device_slots(const test_device *d, test_slots *out);

/* The versions of the trusted metadata in the device's trust directory (0 for a role not
 * trusted yet): root and targets through keel_update_trust_root / _targets, timestamp and
 * snapshot from timestamp.json and snapshot.json there (their payloads, parsed). */
keel_err test_device_trusted(const test_device *d, uint64_t versions[KEEL_UPDATE_ROLES]);

/* ---- Files ---- */

/* A new directory /tmp/keel-update-XXXXXX into out (size at least 32). */
keel_err test_tempdir(char *out, size_t outsz);

/* Remove dir and everything under it. */
void test_rmtree(const char *dir);

/* The SHA-256 of len bytes. */
keel_err test_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* KEEL_TEST_UPDATE_REPO_H */
