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
} keel_audit_scan_sink;

/* PEM "BEGIN ... PRIVATE KEY" blocks and DER private keys in data[0..len). */
void keel_audit_scan_keys(const uint8_t *data, size_t len, keel_audit_scan_sink *sink);

/* Dictionary words as delimited strings in data[0..len). */
void keel_audit_scan_words(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                           keel_audit_scan_sink *sink);

/* The first 16 hex digits of SHA-256 over data[0..len) into out (17 bytes); "?" when
 * the digest cannot be computed. */
void keel_audit_scan_fingerprint(const uint8_t *data, size_t len, char out[17]);

#endif /* KEEL_AUDIT_SCAN_H */
