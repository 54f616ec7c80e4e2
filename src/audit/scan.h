/* The parts of the firmware scan (5.4-3-2), private to src/audit. Each reports through the
 * same callback as keel_audit_scan_buffer. */
#ifndef KEEL_AUDIT_SCAN_H
#define KEEL_AUDIT_SCAN_H

#include "audit.h"

typedef struct keel_audit_scan_sink {
    const char *path;
    keel_audit_finding_fn fn;
    void *user;
    size_t pem, der, passwords, listed;
    size_t ssh, certs; /* KEEL_AUDIT_FOUND_SSH_KEY, KEEL_AUDIT_FOUND_CERTIFICATE (scan_keys.c) */
    size_t secrets;
    const uint8_t *fp_key; /* 32 bytes keying the secrets' fingerprints (NULL: shown as "?") */
} keel_audit_scan_sink;

/* Private keys in data[0..len) (scan_keys.c): PEM "BEGIN ... PRIVATE KEY" blocks (PKCS#1,
 * SEC1, PKCS#8 plain and encrypted, OpenSSH), DER private keys (PKCS#1, SEC1, PKCS#8) and
 * encrypted PKCS#8 DER, OpenSSH keys in their binary form, PuTTY key files; PEM certificates
 * are reported as KEEL_AUDIT_FOUND_CERTIFICATE. Fingerprints as keel_audit_finding says. */
void keel_audit_scan_keys(const uint8_t *data, size_t len, keel_audit_scan_sink *sink);

/* Dictionary words as delimited strings in data[0..len). */
void keel_audit_scan_words(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                           keel_audit_scan_sink *sink);

/* Hard-coded secrets in data[0..len) (scan_secrets.c): credentials of well-known shapes,
 * literals assigned to keys naming a secret (not placeholders, references, crypt(3) hashes
 * or words of d, which may be NULL), user:password@ in URLs, HTTP Basic and Bearer
 * credentials. Each is reported as KEEL_AUDIT_FOUND_SECRET and counted in sink->secrets.
 * Files whose secrets belong to another test case are the caller's to leave out
 * (keel_audit_secret_path_skipped). */
void keel_audit_scan_secrets(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                             keel_audit_scan_sink *sink);

/* 1 for the files whose hashes 5.1-1-3 judges (etc/shadow, etc/gshadow, etc/passwd and their
 * "-" backups): the secret scan leaves them out. */
int keel_audit_secret_path_skipped(const char *path);

/* Shannon entropy of data[0..len) in bits per byte (0 for an empty buffer). */
double keel_audit_entropy(const uint8_t *data, size_t len);

/* 1 when v[0..n) is a placeholder rather than a secret: empty, "<...>", "changeme",
 * "example", "xxxx", "****", "password", "none" ... (see scan_secrets.c). */
int keel_audit_secret_placeholder(const uint8_t *v, size_t n);

/* The first 16 hex digits of HMAC-SHA-256(key, data[0..len)) into out; "?" without a key or
 * on error. */
void keel_audit_secret_fingerprint(const uint8_t key[32], const uint8_t *data, size_t len,
                                   char out[17]);

/* The first 16 hex digits of SHA-256 over data[0..len) into out (17 bytes); "?" when
 * the digest cannot be computed. */
void keel_audit_scan_fingerprint(const uint8_t *data, size_t len, char out[17]);

#endif /* KEEL_AUDIT_SCAN_H */
