/* Private keys in firmware (5.4-3: no hard-coded critical security parameters): PEM blocks
 * are found by their armour, DER keys by letting OpenSSL parse candidate ASN.1 SEQUENCEs.
 * Both searches are driven by memchr over one read of the file, and the DER parser only
 * sees windows that already look like a private key's first fields, so a large binary
 * costs little more than reading it. A finding shows a fingerprint, never the key. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
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

static void scan_pem(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    const uint8_t *end = data + len, *p = data;

    while ((p = find(p, end, PEM_BEGIN)) != NULL) {
        keel_audit_finding f;
        const uint8_t *stop;

        memset(&f, 0, sizeof(f));
        if (pem_label(p, end, f.what) == 0 || strstr(f.what, "PRIVATE KEY") == NULL) {
            p++;
            continue;
        }
        stop = pem_end(p, end);
        f.kind = KEEL_AUDIT_FOUND_PEM_KEY;
        f.offset = (uint64_t)(p - data);
        keel_audit_scan_fingerprint(p, (size_t)(stop - p), f.fingerprint);
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

static size_t try_der(const uint8_t *p, size_t avail, keel_audit_scan_sink *sink, uint64_t off)
{
    size_t header = 0, total = der_length(p, avail, &header);
    const unsigned char *q = p;
    keel_audit_finding f;
    const char *sn;
    EVP_PKEY *key;

    if (total == 0 || !looks_like_key(p + header))
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

void keel_audit_scan_keys(const uint8_t *data, size_t len, keel_audit_scan_sink *sink)
{
    scan_pem(data, len, sink);
    scan_der(data, len, sink);
}
