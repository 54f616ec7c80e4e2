/* keel provision, shared between its files: the manufacturer CA, one device made in a
 * temporary directory and moved into place whole, the printed label with its QR code, and
 * the batch manifest. */
#ifndef KEEL_APPS_PROVISION_H
#define KEEL_APPS_PROVISION_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keel/auth.h"

#define PROVISION_NAME_MAX 32u
#define PROVISION_PATH_MAX 4096u
#define PROVISION_COUNT_MAX 100000u
#define PROVISION_HEX_SIZE 65u /* a SHA-256 in lower-case hex, NUL included */
#define PROVISION_LABEL_MAX 1024u

/* identity.json's format: 2 since the password hash moved into the secure store. */
#define PROVISION_FORMAT 2

/* The names in a device's data directory (keeld reads the same names). */
#define PROVISION_IDENTITY_FILE "identity.json"
#define PROVISION_KEY_FILE "device-key.pem"
#define PROVISION_CERT_FILE "device-cert.pem"
#define PROVISION_ID_CERT_FILE "identity-cert.pem"
#define PROVISION_CA_FILE "ca.pem"
#define PROVISION_STORE_FILE "store.kst"
#define PROVISION_ROT_DIR "rot"
/* A batch directory: one data directory per serial, the labels, the manifest. */
#define PROVISION_LABELS_DIR "labels"
#define PROVISION_MANIFEST_FILE "manifest.json"
/* The secure-store record of the label password's Argon2id hash. */
#define PROVISION_LABEL_HASH_RECORD "auth.label_hash"

/* The identity certificate is valid for ten years from provisioning: the support period a
 * lock is expected to see (the same as the local HTTPS certificate). */
#define PROVISION_CERT_DAYS 3650

/* ---- the manufacturer CA ---- */

struct provision_ca {
    X509 *cert;      /* the issuing CA */
    EVP_PKEY *key;   /* its private key */
    char *chain_pem; /* the whole --ca-cert file's certificates as PEM, for ca.pem */
    size_t chain_pem_len;
};

/* Load the CA certificate (the first certificate of cert_path; any further ones are its
 * chain) and its key, and refuse with a message in err (errsz bytes) a CA that cannot
 * issue: unreadable files, a key that does not match the certificate, a certificate not
 * valid now, one without basicConstraints CA:TRUE or, if it has keyUsage, without
 * keyCertSign. An encrypted key is refused, never prompted for. */
keel_err provision_ca_load(struct provision_ca *ca, const char *cert_path, const char *key_path,
                           char *err, size_t errsz);
void provision_ca_free(struct provision_ca *ca);

/* Issue the device identity certificate for pub (the root of trust's identity key):
 * X.509 v3, subject CN=serial, O=model, serialNumber=serial, a random 128-bit serial
 * number, valid now to now + PROVISION_CERT_DAYS, keyUsage digitalSignature (critical),
 * extendedKeyUsage clientAuth, basicConstraints CA:FALSE (critical), subject and authority
 * key identifiers, signed with the CA key and SHA-256. The caller frees *out. */
keel_err provision_ca_issue(const struct provision_ca *ca, EVP_PKEY *pub, const char *serial,
                            const char *model, X509 **out);

/* ---- one device ---- */

struct provision_device {
    char serial[PROVISION_NAME_MAX + 1];
    char model[PROVISION_NAME_MAX + 1];
    char created[32]; /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
    const char *rot_backend;
    char identity_sha256[PROVISION_HEX_SIZE]; /* of the identity certificate's DER */
    char https_sha256[PROVISION_HEX_SIZE];    /* of the local HTTPS certificate's DER */
    keel_secret password;                     /* the label password, canonical form */
};

/* Where a device goes and how it is made. */
struct provision_job {
    const char *rot_spec;
    const char *data_dir;  /* the final data directory; must not exist or be empty */
    const char *label_txt; /* label text file, or NULL for stdout */
    const char *label_png; /* QR code PNG, or NULL for none */
    const struct provision_ca *ca;
};

/* Make dev (serial and model already set) at job->data_dir: build it whole in a
 * temporary directory beside it (root of trust, identity key and certificate, CA chain,
 * secure store with the label password's hash, local HTTPS key and certificate,
 * identity.json), write the label files, then rename the directory into place. On any
 * failure nothing of the device is left and err (errsz bytes) says what failed. The label
 * password is left in dev->password for the caller (stdout); the caller clears it. */
keel_err provision_device_make(const struct provision_job *job, struct provision_device *dev,
                               char *err, size_t errsz);

/* ---- files ---- */

/* A model name: 1 to 32 of A-Z a-z 0-9 '.' '_' '-', starting with a letter or digit.
 * KEEL_OK or KEEL_ERR_PARSE. */
keel_err provision_model_check(const char *model);

/* KEEL_OK if path is absent, or an empty directory of this user (it will be replaced);
 * KEEL_ERR_EXISTS if it holds anything (a device identity is never overwritten);
 * KEEL_ERR_PERM for a symlink, a non-directory or another user's directory. */
keel_err provision_target_check(const char *path);

/* Make dir (mode 0700) if missing, or accept an existing real directory of this user. */
keel_err provision_dir_ensure(const char *dir);

/* Remove path and everything under it (without following symlinks). Missing is fine. */
keel_err provision_tree_remove(const char *path);

/* Write dir/identity.json (mode 0600): format, serial, model, created, rot. Public facts
 * only: no password, no hash. */
keel_err provision_identity_write(const char *dir, const struct provision_device *dev);

/* "KL" and 12 upper-case hex digits from the CSPRNG: unique without a central counter. */
keel_err provision_random_serial(char *out, size_t outsz);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (outsz >= 21). */
keel_err provision_now(char *out, size_t outsz);

/* Lower-case hex SHA-256 of cert's DER into out (PROVISION_HEX_SIZE bytes). */
keel_err provision_cert_sha256(X509 *cert, char out[PROVISION_HEX_SIZE]);

/* ---- the label ---- */

/* The label text: model, serial, the label password in its groups, the identity and the
 * local HTTPS certificates' SHA-256 fingerprints (colon form, as browsers show them).
 * Written into out (size outsz); the caller wipes it. */
keel_err provision_label_format(char *out, size_t outsz, const struct provision_device *dev);

/* The setup URI of the QR code: "keel:setup?v=1&serial=S&pw=P&fp=F" (F: the local HTTPS
 * certificate's SHA-256 in lower-case hex). Into out (size outsz); the caller wipes it. */
keel_err provision_setup_uri(char *out, size_t outsz, const struct provision_device *dev);

/* Write text as a QR code (libqrencode, error correction level M) to a grayscale PNG at
 * path (mode 0600, atomically): PROVISION_QR_SCALE pixels per module and a quiet zone of
 * PROVISION_QR_QUIET modules. Every buffer that held text is wiped. */
#define PROVISION_QR_SCALE 6
#define PROVISION_QR_QUIET 4
keel_err provision_qr_png_write(const char *path, const char *text);

/* ---- the batch ---- */

/* One manifest entry per device made: the public facts, never a password or a hash. */
struct provision_manifest_entry {
    char serial[PROVISION_NAME_MAX + 1];
    char created[32];
    char identity_sha256[PROVISION_HEX_SIZE];
    char https_sha256[PROVISION_HEX_SIZE];
};

/* Write dir/manifest.json (mode 0644, atomically): an array of {serial, model,
 * identity_cert_sha256, https_cert_sha256, created}. */
keel_err provision_manifest_write(const char *dir, const char *model,
                                  const struct provision_manifest_entry *entries, size_t n);

/* What the command line asked for, as the device and batch makers need it. */
struct provision_request {
    const char *out;
    const char *rot_spec;
    const char *model;
    const char *serial; /* NULL: random */
    const char *label;  /* NULL: stdout (count 1 only) */
    size_t count;
    const struct provision_ca *ca;
};

/* Make one device at req->out (exit status of the command). */
int provision_one(const struct provision_request *req);

/* Make req->count devices under req->out with random serials, their labels in
 * out/labels/, and out/manifest.json (exit status of the command). Stops at the first
 * failure, naming the device; the devices made before it are complete and in the
 * manifest. */
int provision_batch(const struct provision_request *req);

#endif /* KEEL_APPS_PROVISION_H */
