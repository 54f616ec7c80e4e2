/*
 * keel update: secure software updates (EN 303 645 5.3).
 *
 * The repository follows The Update Framework's roles (root, targets, snapshot, timestamp),
 * each role's metadata a JSON document inside a DSSE envelope: the signature covers the
 * pre-authentication encoding (PAE) of the payload bytes, so no canonical JSON is needed.
 * Keys are Ed25519 (files) or ECDSA P-256 (which a TPM or a PKCS#11 token can hold); a key
 * id is the lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo.
 *
 * The device side:
 *   - keeps its trusted metadata in a directory it owns (the trust directory), written
 *     atomically, so a power cut leaves the old or the new copy of each file;
 *   - refreshes it with the TUF client workflow (root chain, timestamp, snapshot, targets);
 *   - downloads a target straight into the inactive A/B slot while hashing it, never more
 *     bytes than the signed length, resuming an interrupted download;
 *   - switches slots through a boot-control backend with a trial boot and an attempt
 *     counter, confirms after a health check and only then raises the anti-rollback floor
 *     held in the root of trust's monotonic counter KEEL_ROT_COUNTER_UPDATE.
 *
 * Every function returns keel_err; bad arguments return KEEL_ERR_ARG; nothing aborts.
 * Objects handed out are owned by the caller and freed with the matching *_free.
 */
#ifndef KEEL_UPDATE_H
#define KEEL_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "keel/core.h"
#include "keel/rot.h"
#include "keel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Limits: anything larger is refused with KEEL_ERR_TOO_LARGE ---- */
#define KEEL_UPDATE_META_MAX ((size_t)256 * 1024) /* one envelope, as fetched */
#define KEEL_UPDATE_ROOT_MAX ((size_t)64 * 1024)  /* a root (fetched before its length is known) */
#define KEEL_UPDATE_TIMESTAMP_MAX ((size_t)16 * 1024) /* a timestamp envelope (same reason) */
#define KEEL_UPDATE_MAX_KEYS 16u       /* keys in a root, key ids per role, signatures */
#define KEEL_UPDATE_MAX_TARGETS 256u   /* targets in one targets document */
#define KEEL_UPDATE_MAX_ROOT_STEPS 32u /* root versions walked in one refresh */
#define KEEL_UPDATE_KEYID_SIZE 65u     /* hex SHA-256 and NUL */
#define KEEL_UPDATE_NAME_MAX 128u      /* a target name, NUL included: [A-Za-z0-9._-] */
#define KEEL_UPDATE_HWID_MAX 64u       /* a hardware id, NUL included: [A-Za-z0-9._-] */
#define KEEL_UPDATE_VERSION_MAX 32u    /* "1.4.2": 1 to 4 dot-separated decimals, NUL */
#define KEEL_UPDATE_TEXT_MAX 1024u     /* a notice text, NUL included, UTF-8 */
#define KEEL_UPDATE_PAYLOAD_TYPE "application/vnd.keel.tuf+json"

typedef enum keel_update_role {
    KEEL_UPDATE_ROLE_ROOT = 0,
    KEEL_UPDATE_ROLE_TARGETS = 1,
    KEEL_UPDATE_ROLE_SNAPSHOT = 2,
    KEEL_UPDATE_ROLE_TIMESTAMP = 3,
    KEEL_UPDATE_ROLES = 4
} keel_update_role;

/* "root", "targets", "snapshot", "timestamp"; "?" for anything else. Static. */
const char *keel_update_role_name(keel_update_role role);

/* ---- Keys ---- */

/* The key id of key (Ed25519 or EC P-256, public or private) into id. KEEL_ERR_CRYPTO when
 * the key is of another type. */
KEEL_MUST_CHECK keel_err keel_update_key_id(EVP_PKEY *key, char id[KEEL_UPDATE_KEYID_SIZE]);

/* "ed25519" or "ecdsa-sha2-nistp256" for key; NULL for any other type. Static. */
const char *keel_update_key_type(EVP_PKEY *key);

/* ---- DSSE envelopes ---- */

/* The DSSE pre-authentication encoding of (type, payload) into a new buffer (*out, *out_len;
 * free with free()): "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload. */
KEEL_MUST_CHECK keel_err keel_update_dsse_pae(const char *type, const void *payload, size_t len,
                                              uint8_t **out, size_t *out_len);

/* Seal payload (the JSON document, len bytes) in an envelope of type
 * KEEL_UPDATE_PAYLOAD_TYPE signed by each of the nkeys private keys (at most
 * KEEL_UPDATE_MAX_KEYS). The envelope is a NUL-terminated JSON text in a new buffer (*out,
 * *out_len without the NUL; free with free()). nkeys 0 makes an unsigned envelope (which
 * every device refuses; the tests use it). Errors: KEEL_ERR_CRYPTO (a key cannot sign),
 * KEEL_ERR_TOO_LARGE (payload or envelope over KEEL_UPDATE_META_MAX), KEEL_ERR_ARG (more than
 * KEEL_UPDATE_MAX_KEYS keys), KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_envelope_seal(const void *payload, size_t len,
                                                   EVP_PKEY *const *keys, size_t nkeys, char **out,
                                                   size_t *out_len);

/* ---- Metadata documents ---- */

/* Keys and threshold of one role. */
typedef struct keel_update_role_keys {
    char keyids[KEEL_UPDATE_MAX_KEYS][KEEL_UPDATE_KEYID_SIZE];
    size_t nkeyids;
    uint32_t threshold; /* >= 1 and <= nkeyids */
} keel_update_role_keys;

/* The common header of every role's document. expires is seconds since the epoch (UTC),
 * written as "YYYY-MM-DDTHH:MM:SSZ". */
typedef struct keel_update_header {
    keel_update_role type;
    uint64_t version; /* >= 1 */
    int64_t expires;
} keel_update_header;

typedef struct keel_update_root {
    keel_update_header header;
    size_t nkeys;
    char keyids[KEEL_UPDATE_MAX_KEYS][KEEL_UPDATE_KEYID_SIZE];
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS]; /* public keys, owned by the root */
    keel_update_role_keys roles[KEEL_UPDATE_ROLES];
} keel_update_root;

/* What a timestamp says of snapshot.json and a snapshot of targets.json. */
typedef struct keel_update_meta_ref {
    uint64_t version;
    uint64_t length; /* 0: not given (then the role's maximum applies) */
    int has_sha256;
    uint8_t sha256[32];
} keel_update_meta_ref;

typedef struct keel_update_timestamp {
    keel_update_header header;
    keel_update_meta_ref snapshot; /* "meta": {"snapshot.json": ...} */
} keel_update_timestamp;

typedef struct keel_update_snapshot {
    keel_update_header header;
    keel_update_meta_ref targets; /* "meta": {"targets.json": ...} */
} keel_update_snapshot;

/* The owner-facing notice of a target (5.3-11, 5.3-12). */
typedef struct keel_update_notice {
    char fixes[KEEL_UPDATE_TEXT_MAX];           /* what the update fixes */
    char risks_mitigated[KEEL_UPDATE_TEXT_MAX]; /* which risks it mitigates */
    int interrupts_function;                    /* installing interrupts the basic function */
    uint32_t interruption_seconds;              /* for how long, at most (0 if it does not) */
} keel_update_notice;

typedef struct keel_update_target {
    char name[KEEL_UPDATE_NAME_MAX]; /* its file under targets/ in the repository */
    uint64_t length;                 /* >= 1 */
    uint8_t sha256[32];
    char hardware_id[KEEL_UPDATE_HWID_MAX];
    uint64_t security_version; /* the anti-rollback number */
    char version[KEEL_UPDATE_VERSION_MAX];
    keel_update_notice notice;
} keel_update_target;

typedef struct keel_update_targets {
    keel_update_header header;
    size_t ntargets;
    keel_update_target *targets; /* ntargets entries, owned; keel_update_targets_free */
} keel_update_targets;

/*
 * Parsing. Each *_parse reads the payload of an envelope (after keel_update_envelope_open)
 * and checks its "_type", every field's type and range, and the limits above; unknown
 * fields are ignored. KEEL_ERR_PARSE names the field in the log; KEEL_ERR_TOO_LARGE for
 * more keys, targets or text than the limits allow. On failure *out holds nothing to free.
 */
KEEL_MUST_CHECK keel_err keel_update_root_parse(const void *payload, size_t len,
                                                keel_update_root *out);
KEEL_MUST_CHECK keel_err keel_update_timestamp_parse(const void *payload, size_t len,
                                                     keel_update_timestamp *out);
KEEL_MUST_CHECK keel_err keel_update_snapshot_parse(const void *payload, size_t len,
                                                    keel_update_snapshot *out);
KEEL_MUST_CHECK keel_err keel_update_targets_parse(const void *payload, size_t len,
                                                   keel_update_targets *out);
/* Free what a root or targets document owns and zero it. NULL is a no-op. */
void keel_update_root_free(keel_update_root *root);
void keel_update_targets_free(keel_update_targets *targets);

/*
 * Emitting: the JSON payload of a document, as a new NUL-terminated buffer (*out, *out_len
 * without the NUL; free with free()). The root's keys are written from keys[] (public
 * parts only); keyids[] must match them. Emitting then parsing gives the same document.
 */
KEEL_MUST_CHECK keel_err keel_update_root_emit(const keel_update_root *root, char **out,
                                               size_t *out_len);
KEEL_MUST_CHECK keel_err keel_update_timestamp_emit(const keel_update_timestamp *ts, char **out,
                                                    size_t *out_len);
KEEL_MUST_CHECK keel_err keel_update_snapshot_emit(const keel_update_snapshot *snap, char **out,
                                                   size_t *out_len);
KEEL_MUST_CHECK keel_err keel_update_targets_emit(const keel_update_targets *targets, char **out,
                                                  size_t *out_len);

/* Open an envelope: parse it (at most KEEL_UPDATE_META_MAX bytes), check its payload type,
 * and verify its signatures against the keys root gives role; at least the role's
 * threshold of distinct trusted keys must have signed. Signatures by unknown keys are
 * ignored; one signature per key id counts. On success the payload bytes are in a new
 * buffer (*payload, *payload_len, NUL-terminated; free with free()). Errors:
 * KEEL_ERR_PARSE (not an envelope), KEEL_ERR_TOO_LARGE, KEEL_ERR_UPDATE_UNSIGNED (no valid
 * signature by a key of the role: arbitrary software, wrong key), KEEL_ERR_UPDATE_THRESHOLD
 * (valid signatures, but fewer than the threshold). */
KEEL_MUST_CHECK keel_err keel_update_envelope_open(const void *envelope, size_t len,
                                                   const keel_update_root *root,
                                                   keel_update_role role, uint8_t **payload,
                                                   size_t *payload_len);

/* The payload of an envelope without checking any signature: for a root that checks
 * itself (keel_update_trust_init) and for the release tool reading its own repository.
 * Same errors as the parse part of keel_update_envelope_open. */
KEEL_MUST_CHECK keel_err keel_update_envelope_payload(const void *envelope, size_t len,
                                                      uint8_t **payload, size_t *payload_len);

/* The rules every name, text and version of a target follows, shared by the parser and the
 * release tool, so that a release team cannot publish a document devices would refuse. */
/* A target name or a hardware id: 1 to size - 1 characters of [A-Za-z0-9._-], neither "."
 * nor "..", so that it is safe as a file name and as a path component (targets/<name>).
 * size is the buffer the name must fit, NUL included (KEEL_UPDATE_NAME_MAX or
 * KEEL_UPDATE_HWID_MAX). KEEL_OK; KEEL_ERR_TOO_LARGE when it is size characters or more;
 * KEEL_ERR_PARSE for anything else (empty, another character, "." or ".."). Nothing is
 * logged. */
KEEL_MUST_CHECK keel_err keel_update_name_check(const char *name, size_t size);

/* An owner-facing notice text (5.3-11, 5.3-12): well-formed UTF-8 (keel_utf8_next) with no
 * control character at all (C0, DEL or C1; no newline either) and no bidirectional
 * formatting character (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), shorter than
 * KEEL_UPDATE_TEXT_MAX bytes. May be empty. KEEL_OK, KEEL_ERR_TOO_LARGE or KEEL_ERR_PARSE;
 * nothing is logged. */
KEEL_MUST_CHECK keel_err keel_update_text_check(const char *text);

/* A target's version: 1 to 4 dot-separated decimal numbers of 1 to 9 digits each ("1",
 * "1.4.2", "2024.01.15"), shorter than KEEL_UPDATE_VERSION_MAX. KEEL_OK, KEEL_ERR_PARSE;
 * nothing is logged. keel_update_version_compare orders a string that fails this check
 * below every one that passes, and two such strings as equal. */
KEEL_MUST_CHECK keel_err keel_update_version_check(const char *version);

/* Whole-document version order for the release tool and the selection: compares two
 * version strings ("1.10.0" > "1.9.3"); missing components count as 0. -1, 0 or 1. */
int keel_update_version_compare(const char *a, const char *b);

/* "YYYY-MM-DDTHH:MM:SSZ" <-> seconds since the epoch. KEEL_ERR_PARSE for any other form. */
KEEL_MUST_CHECK keel_err keel_update_time_parse(const char *text, int64_t *out);
KEEL_MUST_CHECK keel_err keel_update_time_format(int64_t t, char out[21]);

/* ---- Fetching from a repository ---- */

typedef struct keel_update_fetcher keel_update_fetcher; /* opaque */

/* Receives downloaded bytes in order; a non-KEEL_OK return stops the transfer with it. */
typedef keel_err (*keel_update_sink)(void *ctx, const uint8_t *data, size_t len);

/* A repository behind HTTPS: base_url ("https://host:port/path", no trailing '/'), whose
 * server certificate must chain to ca_file only (the system store is never used) and carry
 * the URL's host; the connection is held to keel's TLS policy (keel_tls_client_policy_apply).
 * Plain http:// is refused. */
KEEL_MUST_CHECK keel_err keel_update_fetcher_https(const char *base_url, const char *ca_file,
                                                   keel_update_fetcher **out);

/* A repository in a local directory (a mirror on removable media; tests). The signed
 * metadata makes it no less safe than HTTPS. */
KEEL_MUST_CHECK keel_err keel_update_fetcher_dir(const char *path, keel_update_fetcher **out);

void keel_update_fetcher_free(keel_update_fetcher *f);

/* Fetch the repository file name (a relative path, no "..") into a new buffer (*out,
 * *out_len, NUL-terminated; free with free()), refusing more than max bytes. Errors:
 * KEEL_ERR_NOT_FOUND (HTTP 404 or no such file), KEEL_ERR_UPDATE_TOO_LONG (more than max:
 * the transfer stops at max + 1 bytes), KEEL_ERR_UPDATE_FETCH (unreachable, TLS refused,
 * another HTTP status). */
KEEL_MUST_CHECK keel_err keel_update_fetch(keel_update_fetcher *f, const char *name, size_t max,
                                           uint8_t **out, size_t *out_len);

/* Stream bytes offset .. offset + max - 1 of name to sink (an HTTP range request from
 * offset). More than max bytes stop the transfer with KEEL_ERR_UPDATE_TOO_LONG before the
 * extra bytes reach the sink; fewer than max return KEEL_OK with *got saying how many. */
KEEL_MUST_CHECK keel_err keel_update_fetch_stream(keel_update_fetcher *f, const char *name,
                                                  uint64_t offset, uint64_t max,
                                                  keel_update_sink sink, void *sink_ctx,
                                                  uint64_t *got);

/* ---- The device's trusted metadata and the TUF client workflow ---- */

/* Factory: install root_envelope (a root that must verify with its own keys and threshold)
 * as the first trusted root in trust_dir (made 0700 if missing). KEEL_ERR_EXISTS if a root
 * is there: trust is never replaced silently. */
KEEL_MUST_CHECK keel_err keel_update_trust_init(const char *trust_dir, const void *root_envelope,
                                                size_t len);

/* The trusted root in trust_dir (root.json), checked against itself. KEEL_ERR_NOT_FOUND,
 * KEEL_ERR_UPDATE_UNSIGNED, KEEL_ERR_UPDATE_THRESHOLD, KEEL_ERR_PARSE. */
KEEL_MUST_CHECK keel_err keel_update_trust_root(const char *trust_dir, keel_update_root *out);

/* The trusted targets in trust_dir (targets.json), verified against the trusted root, not
 * checked for expiry (the device keeps working between refreshes). KEEL_ERR_NOT_FOUND when
 * no refresh has succeeded yet. */
KEEL_MUST_CHECK keel_err keel_update_trust_targets(const char *trust_dir, keel_update_targets *out);

/* Refresh the trusted metadata from f at time now (seconds since the epoch), in the order
 * of the TUF client workflow:
 *   1. root: fetch N+1.root.json, N+2, ... until not found; each must be signed by the
 *      threshold of the previous root and of itself and carry exactly the next version;
 *      the last must not be expired. A change of timestamp or snapshot keys drops the
 *      trusted timestamp and snapshot (recovery from a fast-forward attack).
 *   2. timestamp.json: signed, version not below the trusted one, the snapshot version it
 *      names not below the trusted snapshot's, not expired.
 *   3. snapshot.json: length and hash as the timestamp says, signed, version equal to the
 *      timestamp's, the targets version not below the trusted one, not expired.
 *   4. targets.json: length and hash as the snapshot says (if given), signed, version equal
 *      to the snapshot's, not expired.
 * Each file is persisted (atomically) once it has been verified, so a power cut keeps a
 * consistent prefix. On success *out (may be NULL) receives the trusted targets.
 * Errors: KEEL_ERR_UPDATE_UNSIGNED, KEEL_ERR_UPDATE_THRESHOLD, KEEL_ERR_UPDATE_ROLLBACK,
 * KEEL_ERR_UPDATE_EXPIRED, KEEL_ERR_UPDATE_MISMATCH, KEEL_ERR_UPDATE_TOO_LONG,
 * KEEL_ERR_UPDATE_FETCH, KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE, KEEL_ERR_IO; the trusted
 * metadata then keeps what was verified before the failing step. */
KEEL_MUST_CHECK keel_err keel_update_refresh(const char *trust_dir, keel_update_fetcher *f,
                                             int64_t now, keel_update_targets *out);

/* Check that target may be installed on this device: its hardware id equals hardware_id
 * (KEEL_ERR_UPDATE_HARDWARE) and its security version is not below floor
 * (KEEL_ERR_UPDATE_DOWNGRADE). */
KEEL_MUST_CHECK keel_err keel_update_target_check(const keel_update_target *target,
                                                  const char *hardware_id, uint64_t floor);

/* The newest target (by version) for hardware_id in targets, into *out (a pointer into
 * targets). KEEL_ERR_NOT_FOUND when there is none for this hardware;
 * KEEL_ERR_UPDATE_DOWNGRADE when the newest is below floor. */
KEEL_MUST_CHECK keel_err keel_update_select(const keel_update_targets *targets,
                                            const char *hardware_id, uint64_t floor,
                                            const keel_update_target **out);

/* ---- Downloading into a slot ---- */

/* Download target from f into the slot at slot_path (a file, made 0600 if missing, or a
 * block device), writing while hashing on a second thread that lives for the download,
 * never holding more than a fixed ring of buffers in memory (2 MiB).
 * Progress is kept in progress_path (written atomically after each synced chunk); when it
 * names the same target (name, length, hash), the bytes already written are hashed again
 * from the slot and the download resumes where it stopped. At the end the slot is synced,
 * its hash compared with the target's and progress_path removed. Errors:
 * KEEL_ERR_UPDATE_TOO_LONG (the server sends more than the signed length: endless data),
 * KEEL_ERR_UPDATE_HASH (the bytes differ from the signed hash; progress_path is removed,
 * so the next attempt starts over), KEEL_ERR_UPDATE_FETCH, KEEL_ERR_IO, KEEL_ERR_NOMEM (the
 * ring or the thread cannot be had), KEEL_ERR_CRYPTO. */
KEEL_MUST_CHECK keel_err keel_update_download(keel_update_fetcher *f,
                                              const keel_update_target *target,
                                              const char *slot_path, const char *progress_path);

/* Hash the first target->length bytes of the slot at slot_path and compare them with the
 * target (length and SHA-256). KEEL_ERR_UPDATE_HASH on a difference, KEEL_ERR_IO. */
KEEL_MUST_CHECK keel_err keel_update_slot_verify(const char *slot_path,
                                                 const keel_update_target *target);

/* ---- Boot control: which slot the bootloader starts ---- */

typedef struct keel_update_boot keel_update_boot; /* opaque */

/* The bootloader's view: the slot it starts by default (primary), a slot to try on the next
 * start(s) (trial, 0 for none) with the attempts left, and the slot it started this time
 * (booted). Slots are 'a' and 'b'. */
typedef struct keel_update_boot_state {
    char primary;
    char trial;
    uint32_t attempts;
    char booted;
} keel_update_boot_state;

#define KEEL_UPDATE_BOOT_ATTEMPTS 3u /* trial starts before falling back */

/* Open the boot-control backend named by spec:
 *   "file:PATH"  a text environment ("name=value" lines) that models a bootloader's
 *                environment; keel_update_boot_file_reboot plays the bootloader.
 *   "uboot"      U-Boot's environment through fw_printenv / fw_setenv (libubootenv-tool).
 *   "grub:PATH"  GRUB's environment block through grub-editenv.
 * For uboot and grub the booted slot is read from the kernel command line (keel.slot=a|b).
 * KEEL_ERR_ARG for an unknown spec. */
KEEL_MUST_CHECK keel_err keel_update_boot_open(const char *spec, keel_update_boot **out);
void keel_update_boot_free(keel_update_boot *boot);

/* Read the state. A missing or malformed environment is KEEL_ERR_UPDATE_BOOT (never
 * guessed). */
KEEL_MUST_CHECK keel_err keel_update_boot_read(keel_update_boot *boot, keel_update_boot_state *out);

/* Ask the bootloader to try slot on the next starts (KEEL_UPDATE_BOOT_ATTEMPTS of them). */
KEEL_MUST_CHECK keel_err keel_update_boot_try(keel_update_boot *boot, char slot);

/* The booted trial slot passed its health check: make it primary and end the trial. */
KEEL_MUST_CHECK keel_err keel_update_boot_confirm(keel_update_boot *boot, char slot);

/* End a trial without switching (a failed health check, an install abandoned). */
KEEL_MUST_CHECK keel_err keel_update_boot_cancel(keel_update_boot *boot);

/* The file backend's bootloader, as U-Boot's and GRUB's scripts in docs/updates.md do it:
 * with a trial and attempts left, take one attempt and boot the trial slot; with a trial
 * and no attempts left, drop the trial and boot the primary; otherwise boot the primary.
 * Writes booted= and the attempts atomically. KEEL_ERR_UPDATE_BOOT for a bad environment. */
KEEL_MUST_CHECK keel_err keel_update_boot_file_reboot(const char *path);

/* Factory: a new file environment at path booting slot (primary=slot, booted=slot).
 * KEEL_ERR_EXISTS if path exists. */
KEEL_MUST_CHECK keel_err keel_update_boot_file_create(const char *path, char slot);

/* ---- The update agent: the whole flow on the device ---- */

typedef struct keel_update_agent_config {
    const char *trust_dir; /* trusted metadata, slot records, progress */
    const char *slot_a;    /* the two slots (files or block devices) */
    const char *slot_b;
    const char *hardware_id; /* this device's model */
    keel_rot *rot;           /* KEEL_ROT_COUNTER_UPDATE lives here */
    uint64_t floor_base;     /* from keel_update_floor_base, read once at start */
    keel_update_boot *boot;
    keel_update_fetcher *fetcher; /* may be NULL for keel_update_agent_boot */
} keel_update_agent_config;

/* What a step of the agent did, for the owner's notice and the security event. */
typedef enum keel_update_outcome {
    KEEL_UPDATE_NOTHING = 0, /* up to date */
    KEEL_UPDATE_AVAILABLE,   /* a newer target exists; installing was not allowed now */
    KEEL_UPDATE_INSTALLED,   /* written to the inactive slot, trial boot requested */
    KEEL_UPDATE_TRIAL,       /* booted a trial slot, waiting for the health check */
    KEEL_UPDATE_CONFIRMED,   /* the trial slot passed and is now primary */
    KEEL_UPDATE_ROLLED_BACK, /* a trial failed; the device runs the previous slot */
    KEEL_UPDATE_REFUSED      /* the repository or the target was refused (see the error) */
} keel_update_outcome;

/* "nothing", "available", ... Static. */
const char *keel_update_outcome_name(keel_update_outcome outcome);

typedef struct keel_update_report {
    keel_update_outcome outcome;
    keel_err error;            /* why, for KEEL_UPDATE_REFUSED and KEEL_UPDATE_ROLLED_BACK */
    keel_update_target target; /* the target concerned (name empty if none) */
    char slot;                 /* the slot concerned, 0 if none */
} keel_update_report;

/* At start, before anything else: reconcile the boot state with what the agent did.
 * Booted on a trial slot: KEEL_UPDATE_TRIAL (call keel_update_agent_confirm once healthy).
 * A trial that the bootloader gave up on (primary booted, trial still recorded):
 * KEEL_UPDATE_ROLLED_BACK, the record cleared. Otherwise KEEL_UPDATE_NOTHING. */
KEEL_MUST_CHECK keel_err keel_update_agent_boot(const keel_update_agent_config *cfg,
                                                keel_update_report *report);

/* Refresh the metadata, select the newest target for this hardware and, when it differs
 * from what the booted slot holds and install is nonzero, download it into the inactive
 * slot, verify it and request a trial boot (KEEL_UPDATE_INSTALLED: the caller reboots when
 * the owner's settings allow). With install zero: KEEL_UPDATE_AVAILABLE. */
KEEL_MUST_CHECK keel_err keel_update_agent_check(const keel_update_agent_config *cfg, int64_t now,
                                                 int install, keel_update_report *report);

/* The health check of a trial boot passed: make the slot primary, then raise the
 * anti-rollback floor to the target's security version (in that order, so that a power cut
 * between the two leaves a confirmed slot and a floor raised at the next start). */
KEEL_MUST_CHECK keel_err keel_update_agent_confirm(const keel_update_agent_config *cfg,
                                                   keel_update_report *report);

/* The health check of a trial boot failed: cancel the trial so the next start runs the
 * previous slot; the floor is untouched. */
KEEL_MUST_CHECK keel_err keel_update_agent_reject(const keel_update_agent_config *cfg,
                                                  keel_update_report *report);

/* The anti-rollback floor is the highest confirmed security version: the counter
 * KEEL_ROT_COUNTER_UPDATE less its value at first use, its base. A TPM starts a new counter at
 * the highest value any of its counters ever had, so the base is kept in the secure store
 * (authenticated and rollback-protected: a file-system attacker cannot lower it) as
 * "update.floor-base"; the first call on a device records it. Call once at start, before
 * other threads use the store, and put the result in keel_update_agent_config.floor_base:
 * the agent itself never touches the store. */
KEEL_MUST_CHECK keel_err keel_update_floor_base(keel_rot *rot, keel_store *store, uint64_t *base);

/* The floor now: the counter less cfg->floor_base. KEEL_ERR_STORE_FOREIGN if the counter is
 * below the base (the store belongs to another root of trust). */
KEEL_MUST_CHECK keel_err keel_update_floor(const keel_update_agent_config *cfg, uint64_t *floor);

/* Record that slot holds target (factory or agent): the target and the targets envelope
 * that vouched for it are kept in trust_dir as slot-<slot>.json, atomically. */
KEEL_MUST_CHECK keel_err keel_update_slot_record(const char *trust_dir, char slot,
                                                 const keel_update_target *target);

/* The target recorded for slot, re-verified against the trusted targets (or, if the
 * repository has since dropped it, the envelope kept with the record, verified against the
 * trusted root). KEEL_ERR_NOT_FOUND when nothing is recorded. */
KEEL_MUST_CHECK keel_err keel_update_slot_target(const char *trust_dir, char slot,
                                                 keel_update_target *out);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_UPDATE_H */
