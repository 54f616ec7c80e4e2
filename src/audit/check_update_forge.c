/* What the laboratory serves instead of the genuine repository (5.3-9-2, 5.3-10-2). It holds
 * no key of the repository, as an attacker would not: it signs with a key of its own, changes
 * bytes the metadata vouches for, and presents a certificate the repository's CA never
 * issued. Every forged target is newer than any genuine one, so a device that accepted the
 * forgery would try to install it: the audit sees that as a FAIL, never as a quiet pass. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check_update.h"

#define FORGED_VERSION "999999999"
#define FORGED_TEXT "keel audit: a forged update; a device must never install it\n"
#define FORGED_DAYS 7
#define ENDLESS_EXTRA 4096

keel_err keel_audit_update_lab_key(EVP_PKEY **out)
{
    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return *out != NULL ? KEEL_OK : KEEL_ERR_CRYPTO;
}

static keel_err write_file(const char *dir, const char *name, const void *data, size_t len,
                           char *path, size_t pathsz)
{
    keel_err ret = keel_str_format(path, pathsz, "%s/%s", dir, name);

    return ret == KEEL_OK ? keel_file_write_atomic(path, data, len, 0644) : ret;
}

static void sha256(const void *data, size_t len, uint8_t out[32])
{
    if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);
}

/* The mirror's targets plus one forged target per hardware id, its bytes written to dir. */
static keel_err forged_targets(const keel_audit_update_mirror *m, const char *dir,
                               keel_update_targets *out, char names[][KEEL_AUDIT_LAB_NAME_MAX],
                               char paths[][KEEL_AUDIT_UPDATE_FILE_MAX], size_t *n)
{
    uint64_t sv = 0;
    keel_err ret = KEEL_OK;

    *out = m->targets;
    out->targets = calloc(m->targets.ntargets + m->nnewest, sizeof(*out->targets));
    if (out->targets == NULL)
        return KEEL_ERR_NOMEM;
    memcpy(out->targets, m->targets.targets, m->targets.ntargets * sizeof(*out->targets));
    for (size_t i = 0; i < m->targets.ntargets; i++)
        sv = m->targets.targets[i].security_version > sv ? m->targets.targets[i].security_version
                                                         : sv;
    for (size_t i = 0; i < m->nnewest && ret == KEEL_OK; i++) {
        keel_update_target *t = &out->targets[out->ntargets++];

        memset(t, 0, sizeof(*t));
        ret = keel_str_format(t->name, sizeof(t->name), "keel-audit-forged-%s.bin",
                              m->newest[i]->hardware_id);
        if (ret == KEEL_OK)
            ret = keel_str_copy(t->hardware_id, sizeof(t->hardware_id), m->newest[i]->hardware_id);
        (void)keel_str_copy(t->version, sizeof(t->version), FORGED_VERSION);
        (void)keel_str_copy(t->notice.fixes, sizeof(t->notice.fixes), "keel audit: forged");
        (void)keel_str_copy(t->notice.risks_mitigated, sizeof(t->notice.risks_mitigated),
                            "keel audit: forged");
        t->security_version = sv + 1;
        t->length = sizeof(FORGED_TEXT) - 1;
        sha256(FORGED_TEXT, t->length, t->sha256);
        if (ret == KEEL_OK)
            ret = keel_str_format(names[i], KEEL_AUDIT_LAB_NAME_MAX, "targets/%s", t->name);
        if (ret == KEEL_OK)
            ret = write_file(dir, t->name, FORGED_TEXT, t->length, paths[i],
                             KEEL_AUDIT_UPDATE_FILE_MAX);
    }
    *n = m->nnewest;
    return ret;
}

/* Emit, seal with key and write dir/name; *ref (may be NULL) gets its version, length and
 * SHA-256 for the role that names it. */
static keel_err seal_write(const char *dir, const char *name, char *doc, size_t doc_len,
                           EVP_PKEY *key, uint64_t version, keel_update_meta_ref *ref)
{
    char path[KEEL_AUDIT_UPDATE_FILE_MAX], *env = NULL;
    size_t env_len = 0;
    keel_err ret = keel_update_envelope_seal(doc, doc_len, &key, 1, &env, &env_len);

    if (ret == KEEL_OK)
        ret = write_file(dir, name, env, env_len, path, sizeof(path));
    if (ret == KEEL_OK && ref != NULL) {
        ref->version = version;
        ref->length = env_len;
        ref->has_sha256 = 1;
        sha256(env, env_len, ref->sha256);
    }
    free(env);
    free(doc);
    return ret;
}

static keel_err write_targets(const char *dir, const char *name, keel_update_targets *doc,
                              EVP_PKEY *key, keel_update_meta_ref *ref)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = keel_update_targets_emit(doc, &text, &len);

    return ret == KEEL_OK ? seal_write(dir, name, text, len, key, doc->header.version, ref) : ret;
}

/* The chain timestamp -> snapshot -> targets, every version one above the mirror's. */
static keel_err write_chain(const keel_audit_update_mirror *m, const char *dir, EVP_PKEY *key,
                            int64_t expires, keel_update_targets *doc)
{
    keel_update_snapshot snap = m->snapshot;
    keel_update_timestamp ts = m->timestamp;
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    doc->header.version = m->targets.header.version + 1;
    doc->header.expires = expires;
    ret = write_targets(dir, "unsigned-targets.json", doc, key, &snap.targets);
    snap.header.version++;
    snap.header.expires = expires;
    if (ret == KEEL_OK)
        ret = keel_update_snapshot_emit(&snap, &text, &len);
    if (ret == KEEL_OK)
        ret = seal_write(dir, "unsigned-snapshot.json", text, len, key, snap.header.version,
                         &ts.snapshot);
    text = NULL;
    ts.header.version++;
    ts.header.expires = expires;
    if (ret == KEEL_OK)
        ret = keel_update_timestamp_emit(&ts, &text, &len);
    if (ret == KEEL_OK)
        ret = seal_write(dir, "unsigned-timestamp.json", text, len, key, ts.header.version, NULL);
    return ret;
}

keel_err keel_audit_update_forge_metadata(const keel_audit_update_mirror *m, const char *dir,
                                          EVP_PKEY *key, int64_t now,
                                          char names[][KEEL_AUDIT_LAB_NAME_MAX],
                                          char paths[][KEEL_AUDIT_UPDATE_FILE_MAX], size_t *n)
{
    keel_update_targets doc = {0};
    int64_t expires = now + (int64_t)FORGED_DAYS * 86400;
    keel_err ret;

    if (m == NULL || !m->verified || dir == NULL || key == NULL || n == NULL)
        return KEEL_ERR_ARG;
    ret = forged_targets(m, dir, &doc, names, paths, n);
    /* The substituted targets keep the version the genuine snapshot names. */
    doc.header.expires = expires;
    if (ret == KEEL_OK)
        ret = write_targets(dir, "substituted-targets.json", &doc, key, NULL);
    if (ret == KEEL_OK)
        ret = write_chain(m, dir, key, expires, &doc);
    free(doc.targets);
    return ret;
}

static keel_err copy_changed(int in, int out, uint64_t length, int endless)
{
    uint8_t buf[16384];
    uint64_t done = 0, flip = length / 2;

    while (done < length) {
        size_t want = length - done < sizeof(buf) ? (size_t)(length - done) : sizeof(buf);
        ssize_t n = read(in, buf, want);

        if (n <= 0)
            return KEEL_ERR_IO;
        if (!endless && flip >= done && flip < done + (uint64_t)n)
            buf[flip - done] ^= 0x01;
        if (write(out, buf, (size_t)n) != n)
            return KEEL_ERR_IO;
        done += (uint64_t)n;
    }
    if (endless) {
        memset(buf, 'X', ENDLESS_EXTRA);
        if (write(out, buf, ENDLESS_EXTRA) != ENDLESS_EXTRA)
            return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

keel_err keel_audit_update_forge_target(const char *mirror, const keel_update_target *t,
                                        int endless, const char *out)
{
    char path[KEEL_AUDIT_UPDATE_FILE_MAX];
    int in = -1, fd = -1;
    keel_err ret = KEEL_ERR_IO;

    if (mirror == NULL || t == NULL || out == NULL)
        return KEEL_ERR_ARG;
    if (keel_str_format(path, sizeof(path), "%s/targets/%s", mirror, t->name) != KEEL_OK)
        return KEEL_ERR_RANGE;
    in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (in >= 0 && fd >= 0)
        ret = copy_changed(in, fd, t->length, endless);
    if (in >= 0)
        close(in);
    if (fd >= 0 && close(fd) != 0)
        ret = KEEL_ERR_IO;
    return ret;
}

/* A self-signed certificate for host over key. */
static X509 *self_signed(EVP_PKEY *key, const char *host)
{
    unsigned char any[16];
    int is_ip = inet_pton(AF_INET, host, any) == 1 || inet_pton(AF_INET6, host, any) == 1;
    char san[KEEL_AUDIT_HOST_MAX + 8];
    X509 *x = X509_new();
    X509_NAME *name = x != NULL ? X509_get_subject_name(x) : NULL;
    X509_EXTENSION *ext = NULL;
    X509V3_CTX v3;
    int ok = x != NULL && name != NULL &&
             keel_str_format(san, sizeof(san), "%s:%s", is_ip ? "IP" : "DNS", host) == KEEL_OK;

    ok = ok && X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host, -1,
                                          -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1;
    if (ok) {
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    }
    X509_EXTENSION_free(ext);
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static keel_err write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (b != NULL &&
        (key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_X509(b, cert)) == 1 &&
        (len = BIO_get_mem_data(b, &data)) > 0) {
        ret = keel_file_write_atomic(path, data, (size_t)len, mode);
        keel_wipe(data, (size_t)len);
    }
    BIO_free(b);
    return ret;
}

keel_err keel_audit_update_forge_cert(const char *host, const char *cert_path, const char *key_path)
{
    EVP_PKEY *key;
    X509 *x = NULL;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (host == NULL || cert_path == NULL || key_path == NULL)
        return KEEL_ERR_ARG;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (key != NULL && (x = self_signed(key, host)) != NULL) {
        ret = write_pem(key_path, 0600, key, NULL);
        if (ret == KEEL_OK)
            ret = write_pem(cert_path, 0644, NULL, x);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return ret;
}

static STACK_OF(X509) * read_chain(const char *path, X509 **leaf)
{
    STACK_OF(X509) *rest = sk_X509_new_null();
    BIO *b = BIO_new_file(path, "r");
    X509 *x;

    *leaf = NULL;
    while (b != NULL && rest != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (*leaf == NULL)
            *leaf = x;
        else if (sk_X509_push(rest, x) == 0)
            X509_free(x);
    }
    BIO_free(b);
    return rest;
}

int keel_audit_update_cert_vouched(const char *cert, const char *ca_file, const char *host,
                                   char *why, size_t whysz)
{
    unsigned char any[16];
    X509 *leaf = NULL;
    STACK_OF(X509) *rest = read_chain(cert, &leaf);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0, is_ip = inet_pton(AF_INET, host, any) == 1 || inet_pton(AF_INET6, host, any) == 1;
    const char *fail = "it cannot be read";

    if (leaf != NULL && store != NULL && ctx != NULL) {
        fail = "the repository's CA file cannot be read";
        if (X509_STORE_load_file(store, ca_file) == 1 &&
            X509_STORE_CTX_init(ctx, store, leaf, rest) == 1) {
            fail = "it does not chain to the repository's CA";
            if (X509_verify_cert(ctx) == 1) {
                fail = "it does not name the repository's host";
                ok = is_ip ? X509_check_ip_asc(leaf, host, 0) == 1
                           : X509_check_host(leaf, host, 0, 0, NULL) == 1;
            }
        }
    }
    if (!ok && why != NULL)
        (void)keel_str_copy(why, whysz, fail);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(leaf);
    sk_X509_pop_free(rest, X509_free);
    return ok;
}
