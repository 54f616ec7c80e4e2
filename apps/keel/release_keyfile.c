/* Making and keeping signing keys in the key directory. A new key file is written whole
 * beside its name and linked into place, so it is complete or absent after a power cut and
 * never replaces an existing key; its PEM text is wiped from memory once written. Keys that
 * leave service are renamed "<name>.retired", never deleted, so the history of who could
 * sign what stays auditable (5.3-7). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "release.h"

keel_err release_key_generate(enum release_key_type type, EVP_PKEY **out, struct release_err *e)
{
    /* In software: with a token's provider loaded, an unqualified fetch could make the
     * key there instead. */
    if (type == RELEASE_KEY_P256)
        *out = EVP_PKEY_Q_keygen(NULL, "?provider=default", "EC", "P-256");
    else
        *out = EVP_PKEY_Q_keygen(NULL, "?provider=default", "ED25519");
    if (*out == NULL) {
        ERR_clear_error();
        return release_fail(e, KEEL_ERR_CRYPTO, "cannot make a %s key",
                            release_key_type_name(type));
    }
    return KEEL_OK;
}

/* The number after "<role>-" in name (any suffix, retired ones too), or 0. */
static unsigned long entry_number(const char *name, keel_update_role role)
{
    const char *r = keel_update_role_name(role);
    size_t rn = strlen(r);
    char *end = NULL;
    unsigned long n;

    if (strncmp(name, r, rn) != 0 || name[rn] != '-' || !isdigit((unsigned char)name[rn + 1]))
        return 0;
    errno = 0;
    n = strtoul(name + rn + 1, &end, 10);
    if (errno != 0 || *end != '.')
        return 0;
    return n;
}

static keel_err next_number(const struct release_keyring *kr, keel_update_role role,
                            unsigned long *out, struct release_err *e)
{
    DIR *d = opendir(kr->dir);
    struct dirent *ent;
    unsigned long max = 0;

    if (d == NULL)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot list: %s", kr->dir, strerror(errno));
    while ((ent = readdir(d)) != NULL) {
        unsigned long n = entry_number(ent->d_name, role);

        if (n > max)
            max = n;
    }
    closedir(d);
    if (max >= 1000000)
        return release_fail(e, KEEL_ERR_RANGE, "%s: too many %s keys", kr->dir,
                            keel_update_role_name(role));
    *out = max + 1;
    return KEEL_OK;
}

/* Write len bytes as dir/file (mode 0600): a synced temporary linked to its name, so the
 * name appears complete and an existing file is never replaced. */
static keel_err write_new(const char *dir, const char *file, const char *data, size_t len,
                          struct release_err *e)
{
    char tmp[RELEASE_PATH_MAX], path[RELEASE_PATH_MAX];
    keel_err ret;
    int fd;

    if (release_path(path, dir, file) != KEEL_OK ||
        keel_str_format(tmp, sizeof(tmp), "%s/.tmp-key-XXXXXX", dir) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", dir);
    if ((fd = mkstemp(tmp)) < 0)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot write: %s", dir, strerror(errno));
    ret = fchmod(fd, 0600) == 0 ? keel_file_write_all(fd, data, len) : KEEL_ERR_IO;
    if (ret == KEEL_OK && fsync(fd) != 0)
        ret = KEEL_ERR_IO;
    if (close(fd) != 0 && ret == KEEL_OK)
        ret = KEEL_ERR_IO;
    if (ret != KEEL_OK)
        release_fail(e, ret, "%s: cannot write: %s", tmp, strerror(errno));
    else if (link(tmp, path) != 0)
        ret = release_fail(e, errno == EEXIST ? KEEL_ERR_EXISTS : KEEL_ERR_IO,
                           "%s: %s; refusing to overwrite a key", path,
                           errno == EEXIST ? "exists" : strerror(errno));
    unlink(tmp);
    if (ret == KEEL_OK && keel_file_sync_parent(path) != KEEL_OK)
        ret = release_fail(e, KEEL_ERR_IO, "%s: cannot sync its directory", path);
    return ret;
}

static keel_err write_pem(const char *dir, const char *file, EVP_PKEY *pkey, struct release_err *e)
{
    BIO *bio = BIO_new(BIO_s_secmem()); /* wiped when freed */
    char *data = NULL;
    long len;
    keel_err ret = release_fail(e, KEEL_ERR_CRYPTO, "%s: cannot encode the key", file);

    if (bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
        (len = BIO_get_mem_data(bio, &data)) > 0) {
        ret = write_new(dir, file, data, (size_t)len, e);
        keel_wipe(data, (size_t)len);
    }
    ERR_clear_error();
    BIO_free(bio);
    return ret;
}

/* The reference's JSON: the key's location and the providers that reach it. */
static keel_err write_ref(const struct release_keyring *kr, const char *file, const char *ref,
                          struct release_err *e)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *providers = cJSON_AddArrayToObject(doc, "providers");
    char abs[PATH_MAX];
    char *text = NULL;
    keel_err ret = release_fail(e, KEEL_ERR_NOMEM, "%s: out of memory", file);

    /* A file is recorded by its absolute path, a URI as given. */
    if (!release_is_uri(ref) && realpath(ref, abs) != NULL)
        ref = abs;
    if (doc == NULL || providers == NULL || cJSON_AddStringToObject(doc, "key", ref) == NULL)
        goto out;
    for (size_t i = 0; i < kr->nproviders; i++) {
        const char *name = OSSL_PROVIDER_get0_name(kr->providers[i]);

        if (strcmp(name, "default") != 0 &&
            !cJSON_AddItemToArray(providers, cJSON_CreateString(name)))
            goto out;
    }
    if ((text = cJSON_Print(doc)) != NULL)
        ret = write_new(kr->dir, file, text, strlen(text), e);
out:
    free(text);
    cJSON_Delete(doc);
    return ret;
}

keel_err release_keyring_store(struct release_keyring *kr, keel_update_role role, EVP_PKEY *pkey,
                               const char *ref, struct release_err *e)
{
    struct release_key *k = &kr->keys[kr->nkeys];
    unsigned long n = 0;
    keel_err ret =
        release_fail(e, KEEL_ERR_RANGE, "%s: more than %u keys", kr->dir, RELEASE_KEYRING_MAX);

    if (kr->nkeys == RELEASE_KEYRING_MAX)
        goto out;
    if ((ret = keel_update_key_id(pkey, k->id)) != KEEL_OK) {
        release_fail(e, ret, "a new %s key has no key id", keel_update_role_name(role));
        goto out;
    }
    if ((ret = next_number(kr, role, &n, e)) != KEEL_OK)
        goto out;
    if (keel_str_format(k->file, sizeof(k->file), "%s-%lu.%s", keel_update_role_name(role), n,
                        ref == NULL ? "pem" : "ref") != KEEL_OK)
        goto out;
    ret = ref == NULL ? write_pem(kr->dir, k->file, pkey, e) : write_ref(kr, k->file, ref, e);
    if (ret != KEEL_OK)
        goto out;
    k->pkey = pkey;
    k->role = role;
    kr->nkeys++;
    return KEEL_OK;
out:
    EVP_PKEY_free(pkey);
    return ret;
}

void release_keyring_unstore(struct release_keyring *kr, const char *file)
{
    char path[RELEASE_PATH_MAX];

    if (release_path(path, kr->dir, file) == KEEL_OK)
        unlink(path);
}

keel_err release_keyring_retire(struct release_keyring *kr, const char *file, struct release_err *e)
{
    char from[RELEASE_PATH_MAX], to[RELEASE_PATH_MAX];

    if (release_path(from, kr->dir, file) != KEEL_OK ||
        keel_str_format(to, sizeof(to), "%s.retired", from) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s/%s: path too long", kr->dir, file);
    /* link then unlink: an earlier retired file of that name is never replaced */
    if (link(from, to) != 0)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot retire it as %s: %s", from, to,
                            strerror(errno));
    if (unlink(from) != 0 || keel_file_sync_parent(from) != KEEL_OK)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot retire it: %s", from, strerror(errno));
    return KEEL_OK;
}
