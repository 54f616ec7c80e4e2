/* Private to the rot module: the backend interface and the helpers its backends share. */
#ifndef KEEL_ROT_PRIVATE_H
#define KEEL_ROT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <openssl/evp.h>

#include "keel/rot.h"

#define KEEL_ROT_PATH_MAX 4096
#define KEEL_ROT_IDENTITY_FILE "identity.pem"
#define KEEL_ROT_IDENTITY_MAX ((size_t)16 * 1024)

struct keel_rot_tpm2; /* the tpm2 backend's ESAPI state (tpm2.c) */

/* One backend: the operations keel_rot_* dispatch to. Arguments are checked before. */
typedef struct keel_rot_ops {
    keel_err (*key_create)(keel_rot *rot);
    keel_err (*key_unseal)(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN]);
    keel_err (*key_destroy)(keel_rot *rot);
    keel_err (*counter_read)(keel_rot *rot, uint32_t id, uint64_t *value);
    keel_err (*counter_increment)(keel_rot *rot, uint32_t id, uint64_t *value);
    void (*close)(keel_rot *rot);
    /* The identity key lives in the provider named here ("provider=tpm2"; NULL: default). */
    const char *identity_propq;
    /* What keel_rot_propq gives callers: prefer that provider, fall back to default. */
    const char *identity_propq_prefer;
    /* The encoder output structure of the identity PEM (NULL: the provider's own). */
    const char *identity_structure;
} keel_rot_ops;

struct keel_rot {
    keel_rot_backend backend;
    const keel_rot_ops *ops;
    char state_dir[KEEL_ROT_PATH_MAX];
    char tcti[KEEL_ROT_SPEC_MAX];
    OSSL_LIB_CTX *libctx; /* NULL: OpenSSL's default context */
    struct keel_rot_tpm2 *tpm2;
    /* One operation at a time: a TPM's ESYS context serves one caller, and a device uses
     * its root of trust from several threads (keeld: the server's store writes, the update
     * agent's counter). Recursive, so that an operation may use another. */
    pthread_mutex_t lock;
};

/* Split spec into its backend and, for tpm2, the TCTI (a NUL-terminated copy in tcti,
 * tctisz bytes). KEEL_ERR_ARG for anything but "file" or "tpm2:" followed by 1 to
 * KEEL_ROT_SPEC_MAX - 6 printable ASCII characters. */
KEEL_MUST_CHECK keel_err keel_rot_spec_parse(const char *spec, keel_rot_backend *backend,
                                             char *tcti, size_t tctisz);

/* Make dir (mode 0700) if it is missing; refuse with KEEL_ERR_PERM a symlink, a non-directory,
 * a directory of another user or one that group or others may write; tighten it to 0700. */
KEEL_MUST_CHECK keel_err keel_rot_state_dir_prepare(const char *dir);

/* state_dir/name into out (KEEL_ROT_PATH_MAX bytes). */
KEEL_MUST_CHECK keel_err keel_rot_path(const keel_rot *rot, const char *name,
                                       char out[KEEL_ROT_PATH_MAX]);

/* 1 if path exists (as anything, a dangling symlink too), 0 if not. */
int keel_rot_path_exists(const char *path);

/* Overwrite the regular file at path with zeros, sync, and remove it. KEEL_ERR_NOT_FOUND
 * when it does not exist. */
KEEL_MUST_CHECK keel_err keel_rot_file_shred(const char *path);

/* The identity key: generate ECDSA P-256 in the provider chosen by rot->ops and keep it as
 * PEM 0600 in the state directory; load it back. */
KEEL_MUST_CHECK keel_err keel_rot_identity_generate(keel_rot *rot);
KEEL_MUST_CHECK keel_err keel_rot_identity_load(keel_rot *rot, EVP_PKEY **key);

/* The tpm2 backend (tpm2.c): connect to rot->tcti and fill rot->ops, rot->tpm2, rot->libctx. */
KEEL_MUST_CHECK keel_err keel_rot_tpm2_open(keel_rot *rot);

/* The sealed-blob file of the tpm2 backend: a magic and the marshalled TPM2B_PUBLIC and
 * TPM2B_PRIVATE of the sealed object ("KEELSL01"). Parsing is strict: trailing bytes are refused.
 * KEEL_ERR_ROT_SEALED for anything that is not such a blob. */
#define KEEL_ROT_BLOB_MAGIC_LEN 8

#if KEEL_ROT_FILE
/* The file backend (file.c). */
extern const keel_rot_ops keel_rot_file_ops;

/* The counters file of the file backend: magic then KEEL_ROT_COUNTERS big-endian u64. */
#define KEEL_ROT_COUNTERS_FILE_LEN (8 + 8 * KEEL_ROT_COUNTERS)
KEEL_MUST_CHECK keel_err keel_rot_counters_decode(const void *data, size_t len,
                                                  uint64_t values[KEEL_ROT_COUNTERS]);
keel_err keel_rot_file_counter_read(keel_rot *rot, uint32_t id, uint64_t *value);
keel_err keel_rot_file_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value);
void keel_rot_counters_encode(const uint64_t values[KEEL_ROT_COUNTERS],
                              uint8_t out[KEEL_ROT_COUNTERS_FILE_LEN]);
#endif

#endif /* KEEL_ROT_PRIVATE_H */
