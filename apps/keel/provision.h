/* keel provision, shared between its files: the device directory and its identity.json,
 * and the printed label. */
#ifndef KEEL_APPS_PROVISION_H
#define KEEL_APPS_PROVISION_H

#include <stddef.h>

#include "keel/auth.h"

#define PROVISION_NAME_MAX 32u

/* The names of the files in a device's data directory (keeld reads the same names). */
#define PROVISION_IDENTITY_FILE "identity.json"
#define PROVISION_KEY_FILE "device-key.pem"
#define PROVISION_CERT_FILE "device-cert.pem"

struct provision_device {
    char serial[PROVISION_NAME_MAX + 1];
    char model[PROVISION_NAME_MAX + 1];
    char created[32];                       /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
    char password_hash[KEEL_AUTH_HASH_MAX]; /* Argon2id of the label password */
};

/* A model name: 1 to 32 of A-Z a-z 0-9 '.' '_' '-', starting with a letter or digit.
 * KEEL_OK or KEEL_ERR_PARSE. */
keel_err provision_model_check(const char *model);

/* Make dir with mode 0700, or accept an existing real directory (not a symlink) that holds
 * no identity yet and tighten it to 0700. KEEL_ERR_EXISTS when any identity file is there:
 * a device identity is never overwritten. */
keel_err provision_dir_prepare(const char *dir);

/* Write dir/identity.json (mode 0600) for dev. */
keel_err provision_identity_write(const char *dir, const struct provision_device *dev);

/* The label text: model, serial, the label password in its groups, the certificate's
 * SHA-256 fingerprint. Written into out (size outsz); the caller wipes it. */
keel_err provision_label_format(char *out, size_t outsz, const struct provision_device *dev,
                                const keel_secret *password, const char *fingerprint);

#endif /* KEEL_APPS_PROVISION_H */
