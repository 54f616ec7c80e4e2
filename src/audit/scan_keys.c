/* Private keys in firmware (5.4-3: no hard-coded critical security parameters; 5.4-4: unique
 * per device): PEM blocks are found by their armour, DER keys by letting OpenSSL parse
 * candidate ASN.1 SEQUENCEs, OpenSSH keys by their "openssh-key-v1" magic and PuTTY key files
 * by their first line. The searches are driven by memchr/memmem over one read of the file,
 * and the parsers only see windows that already look like a key's first fields, so a large
 * binary costs little more than reading it. A finding shows a fingerprint, never the key: the
 * SHA-256 of the key's public part (SubjectPublicKeyInfo DER) whenever keel can derive it, so
 * that one key in PEM on one device and in DER, PKCS#8, OpenSSH or PuTTY form on another has
 * one fingerprint; else (an encrypted key) of its bytes. PEM certificates are listed apart. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "scan.h"

#define PEM_BEGIN "-----BEGIN "
#define PEM_DASHES "-----"
#define PEM_LABEL_MAX 48
/* An armoured key block is never longer than this (RSA 16384 is about 13 KiB). */
#define PEM_BLOCK_MAX ((size_t)64 * 1024)
/* DER private keys from Ed25519 (48 bytes) to RSA 16384 (about 9.5 KiB). */
#define DER_MIN ((size_t)32)
#define DER_MAX ((size_t)16 * 1024)

void keel_audit_scan_fingerprint(const uint8_t *data, size_t len, char out[17])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 8 ||
        keel_hex_encode(md, 8, out, 17) != KEEL_OK) {
        out[0] = '?';
        out[1] = '\0';
    }
}

/* The fingerprint of key's public part into out; 0 when it cannot be encoded. */
static int key_fingerprint(EVP_PKEY *key, char out[17])
{
    unsigned char *der = NULL;
    int n = key != NULL ? i2d_PUBKEY(key, &der) : -1;

    if (n <= 0) {
        ERR_clear_error();
        return 0;
    }
    keel_audit_scan_fingerprint(der, (size_t)n, out);
    OPENSSL_free(der);
    return out[0] != '?';
}

/* ---- SSH wire format (RFC 4251): the public key blob of OpenSSH and PuTTY keys ---------- */

typedef struct ssh_reader {
    const uint8_t *p;
    size_t left;
} ssh_reader;

static int ssh_u32(ssh_reader *r, uint32_t *v)
{
    if (r->left < 4)
        return 0;
    *v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) | r->p[3];
    r->p += 4;
    r->left -= 4;
    return 1;
}

static int ssh_string(ssh_reader *r, const uint8_t **s, size_t *n)
{
    uint32_t len;

    if (!ssh_u32(r, &len) || len > r->left)
        return 0;
    *s = r->p;
    *n = len;
    r->p += len;
    r->left -= len;
    return 1;
}

static int ssh_is(const uint8_t *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* The public key of an SSH blob as an EVP_PKEY (Ed25519, RSA, ECDSA on NIST curves); NULL for
 * other types or a malformed blob. type/tn get the blob's key type. */
static EVP_PKEY *ssh_public_key(const uint8_t *blob, size_t len, const uint8_t **type, size_t *tn)
{
    ssh_reader r = {blob, len};
    const uint8_t *a, *b;
    size_t an, bn;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    BIGNUM *e = NULL, *n = NULL;
    const char *group = NULL;

    if (!ssh_string(&r, type, tn))
        return NULL;
    if (ssh_is(*type, *tn, "ssh-ed25519")) {
        if (!ssh_string(&r, &a, &an) || an != 32 || r.left != 0)
            return NULL;
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, an);
    }
    if (ssh_is(*type, *tn, "ssh-rsa")) {
        if (!ssh_string(&r, &a, &an) || !ssh_string(&r, &b, &bn) || r.left != 0 || an == 0 ||
            bn == 0 || an > 64 || bn > 2048)
            return NULL;
        e = BN_bin2bn(a, (int)an, NULL);
        n = BN_bin2bn(b, (int)bn, NULL);
        bld = OSSL_PARAM_BLD_new();
        if (e == NULL || n == NULL || bld == NULL ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else if (ssh_is(*type, *tn, "ecdsa-sha2-nistp256") ||
               ssh_is(*type, *tn, "ecdsa-sha2-nistp384") ||
               ssh_is(*type, *tn, "ecdsa-sha2-nistp521")) {
        if (!ssh_string(&r, &a, &an) || !ssh_string(&r, &b, &bn) || r.left != 0 || bn == 0)
            return NULL;
        group = ssh_is(a, an, "nistp256")   ? "P-256"
                : ssh_is(a, an, "nistp384") ? "P-384"
                : ssh_is(a, an, "nistp521") ? "P-521"
                                            : NULL;
        bld = OSSL_PARAM_BLD_new();
        if (group == NULL || bld == NULL ||
            !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, b, bn))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else {
        return NULL;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(e);
    BN_free(n);
    ERR_clear_error();
    return key;
}

/* An SSH public key blob's fingerprint (over its SubjectPublicKeyInfo where OpenSSL can
 * rebuild it, else over the blob) and its type ("ssh-ed25519") into what. */
static void ssh_fingerprint(const uint8_t *blob, size_t len, char what[64], char out[17])
{
    const uint8_t *type = NULL;
    size_t tn = 0;
    EVP_PKEY *key = ssh_public_key(blob, len, &type, &tn);
    size_t at = strlen(what);

    if (!key_fingerprint(key, out))
        keel_audit_scan_fingerprint(blob, len, out);
    EVP_PKEY_free(key);
    for (size_t i = 0; type != NULL && i < tn && at + 1 < 64; i++)
        what[at++] = (char)((type[i] > ' ' && type[i] <= '~') ? type[i] : '?');
    what[at] = '\0';
}

#define OPENSSH_MAGIC "openssh-key-v1"

/* The first public key blob of an "openssh-key-v1" key (magic and its NUL included) at
 * data[0..len); 0 when it is not one. *used gets the bytes up to the end of the private
 * section. */
static int openssh_pubkey(const uint8_t *data, size_t len, const uint8_t **blob, size_t *bn,
                          size_t *used)
{
    ssh_reader r = {data, len};
    const uint8_t *s;
    size_t n;
    uint32_t nkeys;

    if (len < sizeof(OPENSSH_MAGIC) || memcmp(data, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
        return 0;
    r.p += sizeof(OPENSSH_MAGIC);
    r.left -= sizeof(OPENSSH_MAGIC);
    if (!ssh_string(&r, &s, &n) || n == 0 || n > 64 || /* cipher */
        !ssh_string(&r, &s, &n) || n == 0 || n > 64 || /* kdf */
        !ssh_string(&r, &s, &n) ||                     /* kdf options */
        !ssh_u32(&r, &nkeys) || nkeys == 0 || nkeys > 16 || !ssh_string(&r, blob, bn) || *bn == 0)
        return 0;
    for (uint32_t k = 1; k < nkeys; k++) {
        if (!ssh_string(&r, &s, &n))
            return 0;
    }
    if (!ssh_string(&r, &s, &n)) /* the private section */
        return 0;
    *used = len - r.left;
    return 1;
}

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *needle)
{
    size_t n = strlen(needle);

    while (p < end && (p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) >= n && memcmp(p, needle, n) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* The label of "-----BEGIN <label>-----" at p, on one line, into out; its length or 0. */
static size_t pem_label(const uint8_t *p, const uint8_t *end, char out[PEM_LABEL_MAX])
{
    const uint8_t *l = p + strlen(PEM_BEGIN);
    size_t n = 0;

    while (l + n < end && n < PEM_LABEL_MAX - 1 && l[n] >= ' ' && l[n] <= '~' && l[n] != '-')
        n++;
    if (n == 0 || (size_t)(end - (l + n)) < strlen(PEM_DASHES) ||
        memcmp(l + n, PEM_DASHES, strlen(PEM_DASHES)) != 0)
        return 0;
    memcpy(out, l, n);
    out[n] = '\0';
    return n;
}

/* The end of the block that starts at p: past its "-----END ...-----" line, or just its
 * BEGIN line when the armour is not closed within PEM_BLOCK_MAX. */
static const uint8_t *pem_end(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *limit = (size_t)(end - p) > PEM_BLOCK_MAX ? p + PEM_BLOCK_MAX : end;
    const uint8_t *e = find(p + 1, limit, "-----END ");
    const uint8_t *stop = e != NULL ? e + strlen("-----END ") : p + strlen(PEM_BEGIN);

    while (stop < limit && *stop != '\n')
        stop++;
    return stop;
}

/* The DER inside the PEM block [p, stop) and its headers, decoded by OpenSSL; 0 when it does
 * not decode. Free *der with OPENSSL_free, *name and *header too. */
static int pem_decode(const uint8_t *p, const uint8_t *stop, char **name, char **header,
                      unsigned char **der, long *len)
{
    BIO *b = BIO_new_mem_buf(p, (int)(stop - p));
    int ok = b != NULL && PEM_read_bio(b, name, header, der, len) == 1 && *len > 0;

    BIO_free(b);
    if (!ok)
        ERR_clear_error();
    return ok;
}

/* The fingerprint of the key in a PEM block: its public part when it decodes (PKCS#1, SEC1,
 * PKCS#8, OpenSSH), the decoded bytes of an encrypted one, else the block as found. */
static void pem_key_fingerprint(const uint8_t *p, const uint8_t *stop, const char *label,
                                char out[17])
{
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    int done = 0;

    if (pem_decode(p, stop, &name, &header, &der, &len)) {
        const uint8_t *blob;
        size_t bn, used;
        char what[64] = "";

        if (strcmp(label, "OPENSSH PRIVATE KEY") == 0) {
            if (openssh_pubkey(der, (size_t)len, &blob, &bn, &used)) {
                ssh_fingerprint(blob, bn, what, out);
                done = 1;
            }
        } else if (strstr(label, "ENCRYPTED") != NULL || strstr(header, "ENCRYPTED") != NULL) {
            keel_audit_scan_fingerprint(der, (size_t)len, out);
            done = 1;
        } else {
            const unsigned char *q = der;
            EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &q, len);
            done = key_fingerprint(key, out);
            EVP_PKEY_free(key);
            ERR_clear_error();
        }
    }
    if (der != NULL)
        OPENSSL_clear_free(der, (size_t)len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (!done)
        keel_audit_scan_fingerprint(p, (size_t)(stop - p), out);
}

/* A PEM certificate: listed with its subject's common name and the SHA-256 of its DER; 0 when
 * it does not parse (no finding). */
static int pem_certificate(const uint8_t *p, const uint8_t *stop, keel_audit_finding *f)
{
    char *name = NULL, *header = NULL, cn[64] = "";
    unsigned char *der = NULL;
    long len = 0;
    X509 *x = NULL;

    if (pem_decode(p, stop, &name, &header, &der, &len)) {
        const unsigned char *q = der;
        x = d2i_X509(NULL, &q, len);
        if (x != NULL) {
            X509_NAME *subject = X509_get_subject_name(x);
            if (subject == NULL ||
                X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof(cn)) < 0)
                (void)keel_str_copy(cn, sizeof(cn), "(no common name)");
            keel_audit_scan_fingerprint(der, (size_t)len, f->fingerprint);
        }
    }
    OPENSSL_free(der);
    OPENSSL_free(name);
    OPENSSL_free(header);
    ERR_clear_error();
    if (x == NULL)
        return 0;
    X509_free(x);
    for (size_t i = 0; cn[i] != '\0'; i++) {
        if ((unsigned char)cn[i] < ' ' || (unsigned char)cn[i] > '~')
            cn[i] = '?';
    }
    (void)keel_str_format(f->what, sizeof(f->what), "CN=%.56s", cn);
    return 1;
}

static void scan_pem(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    const uint8_t *end = data + len, *p = data;

    while ((p = find(p, end, PEM_BEGIN)) != NULL) {
        keel_audit_finding f;
        const uint8_t *stop;
        int cert;

        memset(&f, 0, sizeof(f));
        if (pem_label(p, end, f.what) == 0) {
            p++;
            continue;
        }
        cert = strcmp(f.what, "CERTIFICATE") == 0;
        if (!cert && strstr(f.what, "PRIVATE KEY") == NULL) {
            p++;
            continue;
        }
        stop = pem_end(p, end);
        f.offset = (uint64_t)(p - data);
        if (cert) {
            f.kind = KEEL_AUDIT_FOUND_CERTIFICATE;
            if (pem_certificate(p, stop, &f)) {
                sink->certs++;
                sink->fn(sink->path, &f, sink->user);
            }
            p = stop;
            continue;
        }
        f.kind = KEEL_AUDIT_FOUND_PEM_KEY;
        pem_key_fingerprint(p, stop, f.what, f.fingerprint);
        sink->pem++;
        sink->fn(sink->path, &f, sink->user);
        p = stop;
    }
}

/* The total length of a SEQUENCE at p (tag, length and content), 0 when it is not one
 * of a plausible key size or does not fit. */
static size_t der_length(const uint8_t *p, size_t avail, size_t *header)
{
    size_t content;

    if (avail < 8 || p[0] != 0x30)
        return 0;
    if (p[1] == 0x82) {
        content = ((size_t)p[2] << 8) | p[3];
        *header = 4;
    } else if (p[1] == 0x81) {
        content = p[2];
        *header = 3;
    } else if (p[1] < 0x80) {
        content = p[1];
        *header = 2;
    } else {
        return 0;
    }
    if (content + *header < DER_MIN || content + *header > DER_MAX || content + *header > avail)
        return 0;
    return content + *header;
}

/* A private key's first fields: INTEGER version 0 or 1, then an AlgorithmIdentifier
 * (PKCS#8), the modulus (PKCS#1 RSA, DSA) or the private OCTET STRING (SEC1 EC). */
static int looks_like_key(const uint8_t *c)
{
    return c[0] == 0x02 && c[1] == 0x01 && c[2] <= 0x01 &&
           (c[3] == 0x30 || c[3] == 0x02 || c[3] == 0x04);
}

/* An EncryptedPrivateKeyInfo's first fields: a SEQUENCE (the AlgorithmIdentifier) whose OID is
 * under PKCS#5 (1.2.840.113549.1.5: PBES1, PBES2) or PKCS#12's PBE (1.2.840.113549.1.12.1). */
static int looks_like_encrypted(const uint8_t *c)
{
    static const uint8_t pkcs[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01};
    size_t at = c[1] == 0x81 ? 3 : (c[1] < 0x80 ? 2 : 0);

    return c[0] == 0x30 && at != 0 && c[at] == 0x06 && (c[at + 1] == 0x09 || c[at + 1] == 0x0a) &&
           memcmp(c + at + 2, pkcs, sizeof(pkcs)) == 0 &&
           (c[at + 9] == 0x05 || (c[at + 9] == 0x0c && c[at + 10] == 0x01));
}

static size_t try_encrypted(const uint8_t *p, size_t total, keel_audit_scan_sink *sink,
                            uint64_t off)
{
    const unsigned char *q = p;
    X509_SIG *sig = d2i_X509_SIG(NULL, &q, (long)total);
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *oid = NULL;
    keel_audit_finding f;
    char name[48] = "";

    if (sig == NULL || q != p + total) {
        X509_SIG_free(sig);
        ERR_clear_error();
        return 0;
    }
    X509_SIG_get0(sig, &alg, NULL);
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (oid == NULL || OBJ_obj2txt(name, sizeof(name), oid, 0) <= 0)
        (void)keel_str_copy(name, sizeof(name), "unknown scheme");
    X509_SIG_free(sig);
    memset(&f, 0, sizeof(f));
    f.kind = KEEL_AUDIT_FOUND_DER_KEY;
    f.offset = off;
    (void)keel_str_format(f.what, sizeof(f.what), "encrypted PKCS#8 (%s)", name);
    keel_audit_scan_fingerprint(p, total, f.fingerprint);
    sink->der++;
    sink->fn(sink->path, &f, sink->user);
    return total;
}

static size_t try_der(const uint8_t *p, size_t avail, keel_audit_scan_sink *sink, uint64_t off)
{
    size_t header = 0, total = der_length(p, avail, &header);
    const unsigned char *q = p;
    keel_audit_finding f;
    const char *sn;
    EVP_PKEY *key;

    if (total == 0)
        return 0;
    if (looks_like_encrypted(p + header))
        return try_encrypted(p, total, sink, off);
    if (!looks_like_key(p + header))
        return 0;
    key = d2i_AutoPrivateKey(NULL, &q, (long)total);
    if (key == NULL || q != p + total) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return 0;
    }
    memset(&f, 0, sizeof(f));
    f.kind = KEEL_AUDIT_FOUND_DER_KEY;
    f.offset = off;
    sn = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
    (void)keel_str_copy(f.what, sizeof(f.what), sn != NULL ? sn : "unknown type");
    if (!key_fingerprint(key, f.fingerprint))
        keel_audit_scan_fingerprint(p, total, f.fingerprint);
    EVP_PKEY_free(key);
    sink->der++;
    sink->fn(sink->path, &f, sink->user);
    return total;
}

static void scan_der(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    const uint8_t *end = data + len, *p = data;

    while (p < end && (p = memchr(p, 0x30, (size_t)(end - p))) != NULL) {
        size_t used = try_der(p, (size_t)(end - p), sink, (uint64_t)(p - data));
        /* A key found is skipped whole: a PKCS#8 key holds a SEC1 key inside. */
        p += used > 0 ? used : 1;
    }
}

/* OpenSSH private keys in their binary form (the PEM-armoured form is scan_pem's). */
static void scan_openssh(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    const uint8_t *end = data + len, *p = data;

    while (p < end &&
           (p = memmem(p, (size_t)(end - p), OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC))) != NULL) {
        const uint8_t *blob;
        size_t bn, used;
        keel_audit_finding f;

        if (!openssh_pubkey(p, (size_t)(end - p), &blob, &bn, &used)) {
            p++;
            continue;
        }
        memset(&f, 0, sizeof(f));
        f.kind = KEEL_AUDIT_FOUND_SSH_KEY;
        f.offset = (uint64_t)(p - data);
        (void)keel_str_copy(f.what, sizeof(f.what), "OpenSSH ");
        ssh_fingerprint(blob, bn, f.what, f.fingerprint);
        sink->ssh++;
        sink->fn(sink->path, &f, sink->user);
        p += used;
    }
}

#define PUTTY_MAGIC "PuTTY-User-Key-File-"
#define PUTTY_LINES_MAX 64 /* Public-Lines of a 16384-bit RSA key: about 35 */

/* The line at *p (up to '\n', a '\r' before it dropped) as [s, s + n); advances *p. */
static int next_line(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *n)
{
    const uint8_t *nl;

    if (*p >= end)
        return 0;
    nl = memchr(*p, '\n', (size_t)(end - *p));
    *s = *p;
    *n = (size_t)((nl != NULL ? nl : end) - *p);
    if (*n > 0 && (*s)[*n - 1] == '\r')
        (*n)--;
    *p = nl != NULL ? nl + 1 : end;
    return 1;
}

/* The public blob of the PuTTY key file at p (its first line), base64-decoded into out (cap
 * bytes); its length, or 0 when the file is not one. */
static size_t putty_pubkey(const uint8_t *p, const uint8_t *end, uint8_t *out, size_t cap,
                           const uint8_t **after)
{
    char b64[PUTTY_LINES_MAX * 64 + 4];
    size_t have = 0, n = 0, lines = 0;
    const uint8_t *s;
    int got;

    /* PuTTY-User-Key-File-N: TYPE / Encryption: / Comment: / Public-Lines: N / base64... */
    for (int k = 0; k < 4; k++) {
        if (!next_line(&p, end, &s, &n))
            return 0;
        if (k == 3) {
            if (n < 15 || n > 16 || memcmp(s, "Public-Lines: ", 14) != 0)
                return 0;
            for (size_t i = 14; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                    return 0;
                lines = lines * 10 + (size_t)(s[i] - '0');
            }
        }
    }
    if (lines == 0 || lines > PUTTY_LINES_MAX)
        return 0;
    for (size_t l = 0; l < lines; l++) {
        if (!next_line(&p, end, &s, &n) || n == 0 || n > 64)
            return 0;
        memcpy(b64 + have, s, n);
        have += n;
    }
    if (have % 4 != 0 || (have / 4) * 3 > cap)
        return 0;
    got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)have);
    if (got <= 0)
        return 0;
    n = (size_t)got;
    for (size_t i = have; i > 0 && b64[i - 1] == '='; i--)
        n--;
    *after = p;
    return n;
}

static void scan_putty(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    const uint8_t *end = data + len, *p = data;
    uint8_t blob[PUTTY_LINES_MAX * 48];

    while (p < end &&
           (p = memmem(p, (size_t)(end - p), PUTTY_MAGIC, strlen(PUTTY_MAGIC))) != NULL) {
        const uint8_t *after = NULL;
        size_t bn = putty_pubkey(p, end, blob, sizeof(blob), &after);
        keel_audit_finding f;

        if (bn == 0 || (p > data && p[-1] != '\n')) {
            p++;
            continue;
        }
        memset(&f, 0, sizeof(f));
        f.kind = KEEL_AUDIT_FOUND_SSH_KEY;
        f.offset = (uint64_t)(p - data);
        (void)keel_str_copy(f.what, sizeof(f.what), "PuTTY ");
        ssh_fingerprint(blob, bn, f.what, f.fingerprint);
        sink->ssh++;
        sink->fn(sink->path, &f, sink->user);
        p = after;
    }
}

void keel_audit_scan_keys(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    scan_pem(data, len, sink);
    scan_der(data, len, sink);
    scan_openssh(data, len, sink);
    scan_putty(data, len, sink);
}
