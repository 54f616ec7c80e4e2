/* keel release, shared between its files: the repository directory and its state, the
 * signing keys, the documents each role signs, and the checks a client would make.
 *
 * The repository directory is what a static HTTPS server serves: root.json and every
 * N.root.json, timestamp.json, snapshot.json, targets.json and targets/<name>. The release
 * tool keeps its own state beside them in .keel-release/ (mode 0700, never needed by a
 * client): the policy (expiry periods, key type) and the targets document that `add` has
 * signed but `publish` has not yet published. Signing keys live in the key directory
 * (--keys), never inside the repository.
 *
 * Functions return keel_err; on failure they leave a message naming the file and the
 * problem in a struct release_err for the command to print. */
#ifndef KEEL_APPS_RELEASE_H
#define KEEL_APPS_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "keel/update.h"

#define RELEASE_PATH_MAX 4096u
#define RELEASE_DAY 86400
#define RELEASE_DAYS_MAX 3650u /* ten years: the longest expiry period a role may have */
/* status warns about a role expiring within a week, or within half its period when that is
 * shorter (a timestamp valid for one day: within 12 hours) */
#define RELEASE_WARN_DAYS 7
#define RELEASE_CHAIN_MAX 100000 /* root versions status and the commands walk */
/* Each security version the device confirms is one step of its root of trust's monotonic
 * counter (a TPM NV counter, incremented one by one): keep them small, one more per
 * release that fixes a vulnerability. */
#define RELEASE_SECURITY_VERSION_MAX 1000u
#define RELEASE_PROVIDERS_MAX 8u
#define RELEASE_KEYRING_MAX 64u

/* The state directory inside the repository and what it holds. */
#define RELEASE_STATE_DIR ".keel-release"
#define RELEASE_POLICY_FILE ".keel-release/policy.json"
#define RELEASE_STAGED_FILE ".keel-release/targets.json"
#define RELEASE_TARGETS_DIR "targets"

/* ---- messages ---- */

struct release_err {
    char text[1024];
};

/* Format the message into e (cut if it does not fit) and return code. */
__attribute__((format(printf, 3, 4))) keel_err release_fail(struct release_err *e, keel_err code,
                                                            const char *fmt, ...);

/* Silence keel's log (quiet nonzero) around an attempt whose failure is expected and
 * handled, or restore it. */
void release_log_quiet(int quiet);

/* dir + "/" + name into out (RELEASE_PATH_MAX bytes); KEEL_ERR_RANGE when too long. */
keel_err release_path(char *out, const char *dir, const char *name);

/* ---- command-line values (release_args.c) ---- */

enum release_key_type { RELEASE_KEY_ED25519 = 0, RELEASE_KEY_P256 = 1 };

/* "ed25519" or "ecdsa-p256" into *out; KEEL_ERR_PARSE otherwise. */
keel_err release_key_type_parse(const char *text, enum release_key_type *out);
const char *release_key_type_name(enum release_key_type type);

/* A role's name into *out; KEEL_ERR_PARSE for another word. */
keel_err release_role_parse(const char *text, keel_update_role *out);

/* "root=365,targets=90": each named role's value, a decimal in [min, max], into values[];
 * roles not named keep theirs. A repeated or unknown role or a bad number is
 * KEEL_ERR_PARSE with the reason in e. */
keel_err release_role_values_parse(const char *spec, uint64_t min, uint64_t max,
                                   uint32_t values[KEEL_UPDATE_ROLES], struct release_err *e);

/* "YYYY-MM-DDTHH:MM:SSZ" or "now" into *out. */
keel_err release_time_arg(const char *text, int64_t *out);

/* ---- the policy (release_policy.c) ---- */

struct release_policy {
    uint32_t expires_days[KEEL_UPDATE_ROLES];
    enum release_key_type key_type;
};

/* The defaults: root 365 days, targets 90, snapshot 7, timestamp 1; Ed25519. */
void release_policy_default(struct release_policy *p);
/* Read or write DIR/.keel-release/policy.json. */
keel_err release_policy_read(const char *dir, struct release_policy *p, struct release_err *e);
keel_err release_policy_write(const char *dir, const struct release_policy *p,
                              struct release_err *e);

/* ---- signing keys (release_keys.c, release_keyfile.c) ---- */

/* One loaded signing key. */
struct release_key {
    EVP_PKEY *pkey; /* the private key; may be held by a provider (TPM, PKCS#11) */
    char id[KEEL_UPDATE_KEYID_SIZE];
    char file[256]; /* its entry in the key directory: "<role>-<n>.pem" or ".ref" */
    keel_update_role role;
};

/* The key directory and what has been loaded from it, freed by release_keyring_close. A key
 * directory holds, per role, "<role>-<n>.pem" (an unencrypted PKCS#8 private key, mode
 * 0600) or "<role>-<n>.ref" (a reference to a key kept elsewhere: {"key": path or OpenSSL
 * store URI, "providers": [names]}); retired keys end in ".retired" and are never loaded. */
struct release_keyring {
    char dir[RELEASE_PATH_MAX];  /* the key directory, absolute */
    char repo[RELEASE_PATH_MAX]; /* the repository, absolute ("" when not known) */
    OSSL_PROVIDER *providers[RELEASE_PROVIDERS_MAX];
    size_t nproviders;
    struct release_key keys[RELEASE_KEYRING_MAX];
    size_t nkeys;
};

/* Open the key directory dir (made 0700 when create is set and it is missing). It must be a
 * directory of this user that no one else may enter, and not inside repo (keys are never
 * served). */
keel_err release_keyring_open(struct release_keyring *kr, const char *dir, const char *repo,
                              int create, struct release_err *e);
/* Free every key (EVP_PKEY_free) and unload the providers loaded. NULL-safe, repeatable. */
void release_keyring_close(struct release_keyring *kr);

/* Load the OpenSSL provider name (the default provider first, so that everything but the
 * keys themselves stays in software). Loading one twice is a no-op. */
keel_err release_keyring_provider(struct release_keyring *kr, const char *name,
                                  struct release_err *e);
/* release_keyring_provider for each of the n names (the --provider options of a command). */
keel_err release_keyring_providers(struct release_keyring *kr, const char *const *names, size_t n,
                                   struct release_err *e);

/* 1 when spec starts with "scheme:" (two or more characters, RFC 3986): an OSSL_STORE URI.
 * A file whose name has a colon is written "./name". */
int release_is_uri(const char *spec);

/* Load a private key from spec: a plain file path (PEM, unencrypted, owner-only mode) or an
 * OpenSSL store URI ("scheme:..." such as "handle:0x81000001" or "pkcs11:...") through
 * OSSL_STORE. It must be Ed25519 or EC P-256. *out is freed with EVP_PKEY_free. */
keel_err release_key_load(struct release_keyring *kr, const char *spec, EVP_PKEY **out,
                          struct release_err *e);

/* Load every key of role in the key directory that root trusts for role; fewer than the
 * role's threshold is an error naming the missing key ids. */
keel_err release_keyring_require(struct release_keyring *kr, const keel_update_root *root,
                                 keel_update_role role, struct release_err *e);

/* The loaded keys root trusts for role (distinct), up to max, into keys[] (borrowed). */
size_t release_keyring_signers(const struct release_keyring *kr, const keel_update_root *root,
                               keel_update_role role, EVP_PKEY **keys, size_t max);

/* The loaded key with id, or NULL. */
struct release_key *release_keyring_find(struct release_keyring *kr, const char *id);

/* The key directory entry of role that holds the key id into file (filesz bytes);
 * KEEL_ERR_NOT_FOUND when none does (a lost key). Entries that cannot be loaded are
 * skipped. */
keel_err release_keyring_locate(struct release_keyring *kr, keel_update_role role, const char *id,
                                char *file, size_t filesz);

/* A new key pair of type, made in software. */
keel_err release_key_generate(enum release_key_type type, EVP_PKEY **out, struct release_err *e);

/* Keep a new key for role in the key directory under the next free number and add it to the
 * keyring (which takes pkey): with ref NULL, pkey is written as "<role>-<n>.pem" (PKCS#8 PEM,
 * mode 0600, never over an existing file, the PEM buffer wiped); otherwise "<role>-<n>.ref"
 * records ref (a path made absolute, or a URI) and the providers loaded. The entry's name is
 * left in the keyring's key. On failure pkey is freed. */
keel_err release_keyring_store(struct release_keyring *kr, keel_update_role role, EVP_PKEY *pkey,
                               const char *ref, struct release_err *e);

/* Remove the key directory entry file that release_keyring_store made (init undoing). */
void release_keyring_unstore(struct release_keyring *kr, const char *file);

/* Rename the key directory entry file to "<file>.retired" (kept for the audit trail). */
keel_err release_keyring_retire(struct release_keyring *kr, const char *file,
                                struct release_err *e);

/* A public-only copy of key in the default provider (for a root's key list). */
keel_err release_key_public(EVP_PKEY *key, EVP_PKEY **out, struct release_err *e);

/* ---- the repository (release_repo.c, release_chain.c) ---- */

/* The repository as the commands find it: every part verified. */
struct release_repo {
    char dir[RELEASE_PATH_MAX];
    keel_update_root root; /* the newest root, verified along the chain */
    keel_update_root prev; /* its predecessor, when has_prev */
    int has_prev;
    keel_update_targets targets; /* published */
    keel_update_targets staged;  /* signed by add, not yet published (has_staged) */
    int has_staged;
    uint64_t snapshot_version;
    uint64_t timestamp_version;
    struct release_policy policy;
};

/* Walk the root chain of dir from 1.root.json: each N.root.json must carry version N and be
 * signed by the threshold of its predecessor's root keys and of its own. On success root is
 * the newest, prev its predecessor (zeroed when the newest is version 1). On failure e names
 * the file; root and prev then hold the last verified ones (root zeroed when 1.root.json
 * itself fails). Both are freed with keel_update_root_free. */
keel_err release_chain_walk(const char *dir, keel_update_root *root, keel_update_root *prev,
                            struct release_err *e);

/* Read dir/name (at most max bytes) into *out (free with keel_file_free). */
keel_err release_read(const char *dir, const char *name, size_t max, char **out, size_t *len,
                      struct release_err *e);

/* Open the envelope in dir/name signed for role by root (or, failing that and prev not
 * NULL, by prev: a rotation that stopped halfway). The payload is in *payload (free()). */
keel_err release_role_open(const char *dir, const char *name, const keel_update_root *root,
                           const keel_update_root *prev, keel_update_role role, uint8_t **payload,
                           size_t *payload_len, struct release_err *e);

/* root.json must be version.root.json byte for byte (devices new from the factory start
 * from root.json). */
keel_err release_current_root_check(const char *dir, uint64_t version, struct release_err *e);

/* The largest envelope a device accepts for role. */
size_t release_role_max(keel_update_role role);

/* Open the repository at dir, verifying it (root chain, targets, snapshot, timestamp,
 * staged targets) and reading its policy. */
keel_err release_repo_open(struct release_repo *repo, const char *dir, struct release_err *e);
void release_repo_close(struct release_repo *repo);

/* Write a served metadata file dir/name atomically (mode 0644). */
keel_err release_write(const char *dir, const char *name, const void *data, size_t len,
                       struct release_err *e);

/* ---- signing documents (release_sign.c) ---- */

/* Emit doc, seal it with keys and check that it is no larger than a device accepts and that
 * it opens with root for its role (the keys are those root trusts). *env is freed with
 * free(). */
keel_err release_sign_root(const keel_update_root *doc, EVP_PKEY *const *keys, size_t nkeys,
                           char **env, size_t *env_len, struct release_err *e);
keel_err release_sign_targets(const keel_update_targets *doc, const keel_update_root *root,
                              EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                              struct release_err *e);
keel_err release_sign_snapshot(const keel_update_snapshot *doc, const keel_update_root *root,
                               EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                               struct release_err *e);
keel_err release_sign_timestamp(const keel_update_timestamp *doc, const keel_update_root *root,
                                EVP_PKEY *const *keys, size_t nkeys, char **env, size_t *env_len,
                                struct release_err *e);

/* now + days, as an expiry. */
int64_t release_expiry(int64_t now, uint32_t days);

/* ---- roots (release_root.c) ---- */

/* A deep copy of from (the keys shared by reference count). */
keel_err release_root_copy(const keel_update_root *from, keel_update_root *to,
                           struct release_err *e);

/* In root, replace role's key old_id (NULL: add) by the public key of pkey (NULL: none);
 * keys no role uses any more leave the root's key list. */
keel_err release_root_replace_key(keel_update_root *root, keel_update_role role, const char *old_id,
                                  EVP_PKEY *pkey, struct release_err *e);

/* Every role has at least its threshold of keys, and a threshold of at least 1. */
keel_err release_root_check(const keel_update_root *root, struct release_err *e);

/* Sign next (the repository's next root: version + 1) by the threshold of the current root's
 * root keys and of next's own, check both, and write N.root.json then root.json. On success
 * repo->root becomes next (moved; next is zeroed) and the old root repo->prev. */
keel_err release_root_publish(struct release_repo *repo, struct release_keyring *kr,
                              keel_update_root *next, struct release_err *e);

/* ---- targets, snapshot and timestamp (release_stage.c, release_publish.c) ---- */

/* Sign doc (given version published + 1 and a fresh expiry here) with the targets keys and
 * keep it as the staged targets; it replaces repo->staged. */
keel_err release_stage(struct release_repo *repo, struct release_keyring *kr,
                       keel_update_targets *doc, int64_t now, struct release_err *e);

/* A copy of the targets the next publish would serve (staged, else published). */
keel_err release_targets_copy(const keel_update_targets *from, keel_update_targets *to,
                              struct release_err *e);

/* Publish: move the staged targets (if any) to targets.json, then sign and write a new
 * snapshot and a new timestamp (versions + 1, fresh expiries), in that order, each
 * atomically, then drop the staged copy. Needs the snapshot and timestamp keys. */
keel_err release_publish_run(struct release_repo *repo, struct release_keyring *kr, int64_t now,
                             struct release_err *e);

/* ---- images (release_image.c) ---- */

/* SHA-256 of len bytes at data (software). */
keel_err release_sha256(const void *data, size_t len, uint8_t out[32], struct release_err *e);

/* SHA-256 and length of the regular file at path, streamed. */
keel_err release_image_hash(const char *path, uint64_t *length, uint8_t sha256[32],
                            struct release_err *e);

/* Copy the regular file src into dir/targets/name while hashing it (*length, sha256),
 * through a synced temporary renamed into place. *existed says whether targets/name was
 * there; when it held the same bytes it is left alone. Refused (KEEL_ERR_EXISTS): a copy
 * that differs from published (the entry the published targets carry under name, or NULL),
 * since devices may be downloading it; and one that differs from an existing file unless
 * replace is set. An empty src is refused. */
keel_err release_image_place(const char *dir, const char *name, const char *src, int replace,
                             const keel_update_target *published, uint64_t *length,
                             uint8_t sha256[32], int *existed, struct release_err *e);

/* ---- verification as a device would (release_verify.c) ---- */

#define RELEASE_REPORT_MSGS 64
#define RELEASE_MSG_MAX 512

/* What a target's file holds against its entry. */
enum release_file_state { RELEASE_FILE_OK = 0, RELEASE_FILE_MISSING, RELEASE_FILE_DIFFERS };

struct release_report {
    int64_t at;                             /* the time expiries are judged at */
    int64_t warn_window[KEEL_UPDATE_ROLES]; /* a warning this long before an expiry */
    keel_update_root root;
    int has_root;
    keel_update_header headers[KEEL_UPDATE_ROLES];
    int has_header[KEEL_UPDATE_ROLES];
    keel_update_targets targets; /* published, when has_targets */
    int has_targets;
    enum release_file_state *files; /* one per published target */
    keel_update_targets staged;     /* when has_staged */
    int has_staged;
    char problems[RELEASE_REPORT_MSGS][RELEASE_MSG_MAX];
    size_t nproblems;
    char warnings[RELEASE_REPORT_MSGS][RELEASE_MSG_MAX];
    size_t nwarnings;
};

/* Check the repository at dir as a device would at time at: the root chain from 1.root.json,
 * root.json, each role's signatures and threshold under the newest root, the versions,
 * lengths and hashes timestamp, snapshot and targets give each other, expiries (a problem
 * when past, a warning within RELEASE_WARN_DAYS or half the policy's period for the role),
 * every target's file, and the staged targets. Every problem found is named in the report;
 * KEEL_ERR_NOMEM is the only error. */
keel_err release_verify(const char *dir, int64_t at, struct release_report *r);
void release_report_free(struct release_report *r);

/* ---- the subcommands ---- */

int release_init(int argc, char **argv);
int release_add(int argc, char **argv);
int release_publish(int argc, char **argv);
int release_rotate(int argc, char **argv);
int release_status(int argc, char **argv);

#endif /* KEEL_APPS_RELEASE_H */
