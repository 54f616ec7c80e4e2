/* Loading the repository's signing keys (5.3-2, 5.3-7). A key is a PEM file in the key
 * directory, or lives behind an OpenSSL provider (a TPM through tpm2-openssl, a PKCS#11
 * token) and is reached through an OSSL_STORE URI, so that the release team can keep its
 * root and targets keys where they cannot be copied. Keys are loaded only when a command
 * needs them, only those the root trusts are kept, and every one is freed when the command
 * ends; PEM text is wiped as soon as it is parsed. */
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
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "release.h"

#define KEY_FILE_MAX ((size_t)64 * 1024)

static const char *ossl_reason(void)
{
    const char *r = ERR_reason_error_string(ERR_peek_last_error());

    return r != NULL ? r : "no reason given";
}

/* 1 when path lies inside dir (both made absolute). */
static int inside(const char *dir, const char *path)
{
    char d[PATH_MAX], p[PATH_MAX];
    size_t n;

    if (dir[0] == '\0' || realpath(dir, d) == NULL || realpath(path, p) == NULL)
        return 0;
    n = strlen(d);
    return strncmp(d, p, n) == 0 && (p[n] == '\0' || p[n] == '/' || strcmp(d, "/") == 0);
}

keel_err release_keyring_open(struct release_keyring *kr, const char *dir, const char *repo,
                              int create, struct release_err *e)
{
    char real[PATH_MAX];
    struct stat st;
    int made = 0;

    memset(kr, 0, sizeof(*kr));
    if (create && mkdir(dir, 0700) == 0)
        made = 1;
    else if (create && errno != EEXIST)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot make the key directory: %s", dir,
                            strerror(errno));
    if (stat(dir, &st) != 0)
        return release_fail(e, KEEL_ERR_NOT_FOUND, "%s: no such key directory", dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return release_fail(e, KEEL_ERR_PERM, "%s: not a directory of this user", dir);
    if ((st.st_mode & 077) != 0)
        return release_fail(e, KEEL_ERR_PERM,
                            "%s: mode %03o lets others in; a key directory is its owner's only "
                            "(chmod 700)",
                            dir, (unsigned)(st.st_mode & 0777));
    if (repo != NULL && (inside(repo, dir) || inside(dir, repo))) {
        if (made)
            rmdir(dir);
        return release_fail(e, KEEL_ERR_PERM,
                            "%s: the key directory and the repository %s overlap; keys never go "
                            "where the server can reach them",
                            dir, repo);
    }
    if (realpath(dir, real) == NULL || keel_str_copy(kr->dir, sizeof(kr->dir), real) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", dir);
    if (repo != NULL && realpath(repo, real) != NULL)
        (void)keel_str_copy(kr->repo, sizeof(kr->repo), real);
    return KEEL_OK;
}

void release_keyring_close(struct release_keyring *kr)
{
    if (kr == NULL)
        return;
    for (size_t i = 0; i < kr->nkeys; i++)
        EVP_PKEY_free(kr->keys[i].pkey);
    kr->nkeys = 0;
    /* keys first: a provider's key objects go before the provider itself */
    while (kr->nproviders > 0)
        OSSL_PROVIDER_unload(kr->providers[--kr->nproviders]);
}

static keel_err provider_load(struct release_keyring *kr, const char *name, struct release_err *e)
{
    OSSL_PROVIDER *p;

    for (size_t i = 0; i < kr->nproviders; i++) {
        if (strcmp(OSSL_PROVIDER_get0_name(kr->providers[i]), name) == 0)
            return KEEL_OK;
    }
    if (kr->nproviders == RELEASE_PROVIDERS_MAX)
        return release_fail(e, KEEL_ERR_RANGE, "more than %u OpenSSL providers",
                            RELEASE_PROVIDERS_MAX);
    p = OSSL_PROVIDER_load(NULL, name);
    if (p == NULL) {
        release_fail(e, KEEL_ERR_CRYPTO, "the OpenSSL provider '%s' cannot be loaded: %s", name,
                     ossl_reason());
        ERR_clear_error();
        return KEEL_ERR_CRYPTO;
    }
    kr->providers[kr->nproviders++] = p;
    return KEEL_OK;
}

keel_err release_keyring_provider(struct release_keyring *kr, const char *name,
                                  struct release_err *e)
{
    /* The default provider first: loading any provider explicitly stops OpenSSL from
     * loading it by itself, and it keeps hashing and verification in software. */
    keel_err ret = provider_load(kr, "default", e);

    return ret == KEEL_OK ? provider_load(kr, name, e) : ret;
}

keel_err release_keyring_providers(struct release_keyring *kr, const char *const *names, size_t n,
                                   struct release_err *e)
{
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < n; i++)
        ret = release_keyring_provider(kr, names[i], e);
    return ret;
}

int release_is_uri(const char *spec)
{
    size_t i = 0;

    if (!isalpha((unsigned char)spec[0]))
        return 0;
    while (isalnum((unsigned char)spec[i]) || spec[i] == '+' || spec[i] == '-' || spec[i] == '.')
        i++;
    return spec[i] == ':' && i >= 2;
}

static int no_passphrase(char *buf, int size, int rwflag, void *user)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)user;
    return -1;
}

static keel_err file_check(const struct release_keyring *kr, const char *path,
                           struct release_err *e)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return release_fail(e, KEEL_ERR_NOT_FOUND, "%s: no such key file", path);
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
        return release_fail(e, KEEL_ERR_PERM, "%s: not a regular file of this user", path);
    if ((st.st_mode & 077) != 0)
        return release_fail(e, KEEL_ERR_PERM,
                            "%s: mode %03o; a signing key must be readable by its owner only "
                            "(chmod 600)",
                            path, (unsigned)(st.st_mode & 0777));
    if (inside(kr->repo, path))
        return release_fail(e, KEEL_ERR_PERM,
                            "%s: inside the repository %s, which is served: keys never go there",
                            path, kr->repo);
    return KEEL_OK;
}

static keel_err load_file(const struct release_keyring *kr, const char *path, EVP_PKEY **out,
                          struct release_err *e)
{
    char *pem = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    keel_err ret = file_check(kr, path, e);

    if (ret != KEEL_OK)
        return ret;
    ret = keel_file_read(path, KEY_FILE_MAX, &pem, &len);
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: cannot read: %s", path, keel_strerror(ret));
    ret = release_fail(e, KEEL_ERR_PARSE,
                       "%s: encrypted keys are refused, never prompted for; keep a protected "
                       "key in a token or a TPM and name it by URI",
                       path);
    if (strstr(pem, "ENCRYPTED") != NULL)
        goto out;
    ret = release_fail(e, KEEL_ERR_NOMEM, "%s: out of memory", path);
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
        goto out;
    *out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    ret = *out != NULL
              ? KEEL_OK
              : release_fail(e, KEEL_ERR_PARSE, "%s: no PEM private key: %s", path, ossl_reason());
out:
    ERR_clear_error();
    BIO_free(bio);
    keel_file_free(pem, len); /* wiped */
    return ret;
}

static keel_err load_store(const char *uri, EVP_PKEY **out, struct release_err *e)
{
    OSSL_STORE_CTX *ctx;
    OSSL_STORE_INFO *info;

    /* The default UI may ask for a token's PIN on the terminal; unattended runs put it in
     * the URI (pkcs11: pin-source) instead. */
    ctx = OSSL_STORE_open_ex(uri, NULL, NULL, UI_get_default_method(), NULL, NULL, NULL, NULL);
    if (ctx == NULL) {
        release_fail(e, KEEL_ERR_NOT_FOUND,
                     "%s: no OpenSSL store opens this URI (is its provider loaded? "
                     "--provider NAME): %s",
                     uri, ossl_reason());
        ERR_clear_error();
        return KEEL_ERR_NOT_FOUND;
    }
    (void)OSSL_STORE_expect(ctx, OSSL_STORE_INFO_PKEY);
    while (*out == NULL && !OSSL_STORE_eof(ctx)) {
        info = OSSL_STORE_load(ctx);
        if (info == NULL && OSSL_STORE_error(ctx))
            break;
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            *out = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    if (*out == NULL)
        release_fail(e, KEEL_ERR_NOT_FOUND, "%s: the store holds no private key: %s", uri,
                     ossl_reason());
    ERR_clear_error();
    OSSL_STORE_close(ctx);
    return *out != NULL ? KEEL_OK : KEEL_ERR_NOT_FOUND;
}

keel_err release_key_load(struct release_keyring *kr, const char *spec, EVP_PKEY **out,
                          struct release_err *e)
{
    keel_err ret;

    *out = NULL;
    ret = release_is_uri(spec) ? load_store(spec, out, e) : load_file(kr, spec, out, e);
    if (ret == KEEL_OK && keel_update_key_type(*out) == NULL) {
        EVP_PKEY_free(*out);
        *out = NULL;
        ret = release_fail(e, KEEL_ERR_CRYPTO, "%s: the key is neither Ed25519 nor ECDSA P-256",
                           spec);
    }
    return ret;
}

/* A reference file: {"key": path or URI, "providers": [names]}. */
static keel_err load_ref(struct release_keyring *kr, const char *path, EVP_PKEY **out,
                         struct release_err *e)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    const cJSON *key, *providers, *p;
    keel_err ret = keel_file_read(path, KEY_FILE_MAX, &text, &len);

    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: cannot read: %s", path, keel_strerror(ret));
    doc = cJSON_ParseWithLength(text, len);
    key = cJSON_GetObjectItemCaseSensitive(doc, "key");
    providers = cJSON_GetObjectItemCaseSensitive(doc, "providers");
    ret = release_fail(e, KEEL_ERR_PARSE,
                       "%s: not a key reference {\"key\": ..., \"providers\": []}", path);
    if (!cJSON_IsString(key) || (providers != NULL && !cJSON_IsArray(providers)))
        goto out;
    ret = KEEL_OK;
    cJSON_ArrayForEach(p, providers)
    {
        if (ret == KEEL_OK)
            ret = cJSON_IsString(p)
                      ? release_keyring_provider(kr, p->valuestring, e)
                      : release_fail(e, KEEL_ERR_PARSE, "%s: providers holds a non-string", path);
    }
    if (ret == KEEL_OK)
        ret = release_key_load(kr, key->valuestring, out, e);
out:
    cJSON_Delete(doc);
    keel_file_free(text, len);
    return ret;
}

/* "<role>-<n>.pem" or "<role>-<n>.ref" for role; 0 for anything else. */
static int entry_of(const char *name, keel_update_role role)
{
    const char *r = keel_update_role_name(role);
    size_t rn = strlen(r), i;

    if (strncmp(name, r, rn) != 0 || name[rn] != '-' || !isdigit((unsigned char)name[rn + 1]))
        return 0;
    for (i = rn + 1; isdigit((unsigned char)name[i]); i++)
        ;
    return strcmp(name + i, ".pem") == 0 || strcmp(name + i, ".ref") == 0;
}

struct release_key *release_keyring_find(struct release_keyring *kr, const char *id)
{
    for (size_t i = 0; i < kr->nkeys; i++) {
        if (strcmp(kr->keys[i].id, id) == 0)
            return &kr->keys[i];
    }
    return NULL;
}

static int loaded_file(const struct release_keyring *kr, const char *file)
{
    for (size_t i = 0; i < kr->nkeys; i++) {
        if (strcmp(kr->keys[i].file, file) == 0)
            return 1;
    }
    return 0;
}

static int trusts(const keel_update_root *root, keel_update_role role, const char *id)
{
    const keel_update_role_keys *rk = &root->roles[role];

    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (strcmp(rk->keyids[i], id) == 0)
            return 1;
    }
    return 0;
}

/* Load the entry file of the key directory; keep it when root trusts it for role. */
static keel_err load_entry(struct release_keyring *kr, const char *file,
                           const keel_update_root *root, keel_update_role role,
                           struct release_err *e)
{
    char path[RELEASE_PATH_MAX];
    EVP_PKEY *pkey = NULL;
    struct release_key *k = &kr->keys[kr->nkeys];
    size_t n = strlen(file);
    keel_err ret = release_path(path, kr->dir, file);

    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s/%s: path too long", kr->dir, file);
    ret = strcmp(file + n - 4, ".ref") == 0 ? load_ref(kr, path, &pkey, e)
                                            : release_key_load(kr, path, &pkey, e);
    if (ret != KEEL_OK)
        return ret;
    if (kr->nkeys == RELEASE_KEYRING_MAX) {
        EVP_PKEY_free(pkey);
        return release_fail(e, KEEL_ERR_RANGE, "%s: more than %u keys", kr->dir,
                            RELEASE_KEYRING_MAX);
    }
    ret = keel_update_key_id(pkey, k->id);
    if (ret != KEEL_OK || !trusts(root, role, k->id) || release_keyring_find(kr, k->id) != NULL) {
        EVP_PKEY_free(pkey);
        return ret == KEEL_OK ? KEEL_OK : release_fail(e, ret, "%s: no key id", path);
    }
    k->pkey = pkey;
    k->role = role;
    (void)keel_str_copy(k->file, sizeof(k->file), file);
    kr->nkeys++;
    return KEEL_OK;
}

static keel_err scan(struct release_keyring *kr, const keel_update_root *root,
                     keel_update_role role, struct release_err *e)
{
    DIR *d = opendir(kr->dir);
    struct dirent *ent;
    keel_err ret = KEEL_OK;

    if (d == NULL)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot list: %s", kr->dir, strerror(errno));
    while (ret == KEEL_OK && (ent = readdir(d)) != NULL) {
        if (entry_of(ent->d_name, role) && !loaded_file(kr, ent->d_name))
            ret = load_entry(kr, ent->d_name, root, role, e);
    }
    closedir(d);
    return ret;
}

keel_err release_keyring_require(struct release_keyring *kr, const keel_update_root *root,
                                 keel_update_role role, struct release_err *e)
{
    const keel_update_role_keys *rk = &root->roles[role];
    char missing[400] = "";
    size_t have = 0;
    keel_err ret = scan(kr, root, role, e);

    if (ret != KEEL_OK)
        return ret;
    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (release_keyring_find(kr, rk->keyids[i]) != NULL) {
            have++;
        } else if (strlen(missing) + 20 < sizeof(missing)) {
            size_t m = strlen(missing);

            (void)keel_str_format(missing + m, sizeof(missing) - m, "%s%.16s...", m > 0 ? ", " : "",
                                  rk->keyids[i]);
        }
    }
    if (have >= rk->threshold)
        return KEEL_OK;
    return release_fail(e, KEEL_ERR_NOT_FOUND,
                        "%s: root v%llu trusts %zu %s key(s), threshold %u, and only %zu of them "
                        "are here as %s-<n>.pem or .ref (missing key id %s)",
                        kr->dir, (unsigned long long)root->header.version, rk->nkeyids,
                        keel_update_role_name(role), rk->threshold, have,
                        keel_update_role_name(role), missing);
}

size_t release_keyring_signers(const struct release_keyring *kr, const keel_update_root *root,
                               keel_update_role role, EVP_PKEY **keys, size_t max)
{
    const keel_update_role_keys *rk = &root->roles[role];
    size_t n = 0;

    for (size_t i = 0; i < rk->nkeyids && n < max; i++) {
        for (size_t j = 0; j < kr->nkeys; j++) {
            if (strcmp(kr->keys[j].id, rk->keyids[i]) == 0) {
                keys[n++] = kr->keys[j].pkey;
                break;
            }
        }
    }
    return n;
}

keel_err release_key_public(EVP_PKEY *key, EVP_PKEY **out, struct release_err *e)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_PUBKEY(key, &der);

    *out = NULL;
    if (len > 0) {
        p = der;
        *out = d2i_PUBKEY(NULL, &p, len);
    }
    OPENSSL_free(der);
    if (*out == NULL) {
        ERR_clear_error();
        return release_fail(e, KEEL_ERR_CRYPTO, "cannot export the public part of a key");
    }
    return KEEL_OK;
}

/* The id of the key in entry file, or "" when it cannot be loaded. */
static void entry_id(struct release_keyring *kr, const char *file, char id[KEEL_UPDATE_KEYID_SIZE])
{
    char path[RELEASE_PATH_MAX];
    struct release_err ignored;
    EVP_PKEY *pkey = NULL;
    size_t n = strlen(file);
    keel_err ret = release_path(path, kr->dir, file);

    id[0] = '\0';
    if (ret == KEEL_OK)
        ret = strcmp(file + n - 4, ".ref") == 0 ? load_ref(kr, path, &pkey, &ignored)
                                                : release_key_load(kr, path, &pkey, &ignored);
    if (ret == KEEL_OK && keel_update_key_id(pkey, id) != KEEL_OK)
        id[0] = '\0';
    EVP_PKEY_free(pkey);
}

keel_err release_keyring_locate(struct release_keyring *kr, keel_update_role role, const char *id,
                                char *file, size_t filesz)
{
    DIR *d;
    struct dirent *ent;
    char have[KEEL_UPDATE_KEYID_SIZE];
    keel_err ret = KEEL_ERR_NOT_FOUND;

    for (size_t i = 0; i < kr->nkeys; i++) {
        if (kr->keys[i].role == role && strcmp(kr->keys[i].id, id) == 0)
            return keel_str_copy(file, filesz, kr->keys[i].file);
    }
    if ((d = opendir(kr->dir)) == NULL)
        return KEEL_ERR_IO;
    while (ret == KEEL_ERR_NOT_FOUND && (ent = readdir(d)) != NULL) {
        /* a loaded key is not the one sought (checked above): load none twice */
        if (!entry_of(ent->d_name, role) || loaded_file(kr, ent->d_name))
            continue;
        entry_id(kr, ent->d_name, have);
        if (strcmp(have, id) == 0)
            ret = keel_str_copy(file, filesz, ent->d_name);
    }
    closedir(d);
    return ret;
}
