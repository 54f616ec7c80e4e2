/*
 * keel tls: one TLS policy for every context keel makes (EN 303 645 5.5-1), and the
 * device's local HTTPS identity (a P-256 key and a self-signed certificate).
 *
 * Every function returns keel_err. Bad arguments return KEEL_ERR_ARG; nothing aborts.
 * OpenSSL objects handed out are owned by the caller (free with the OpenSSL *_free).
 */
#ifndef KEEL_TLS_H
#define KEEL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The policy as data (5.5-1: best-practice cryptography for communications):
 * TLS 1.2 minimum, TLS 1.3 preferred (no maximum, so 1.3 wins whenever the peer has it),
 * key exchange only on X25519, P-256 and P-384, TLS 1.2 only with ECDHE key exchange and
 * AEAD ciphers, no compression (CRIME), no renegotiation, no session tickets (their key
 * would outlive every session and break forward secrecy), the server's suite order.
 */
typedef struct keel_tls_policy {
    int min_version;                /* TLS1_2_VERSION */
    int max_version;                /* 0: the highest the library has (TLS 1.3) */
    const char *groups;             /* "X25519:P-256:P-384" */
    const char *tls12_ciphers;      /* OpenSSL cipher list, ECDHE + AEAD only */
    const char *tls13_ciphersuites; /* TLS 1.3 suites, strongest first */
    uint64_t server_options;        /* SSL_OP_* set on every server context */
    int security_level;             /* OpenSSL security level: 2 = 112-bit minimum */
} keel_tls_policy;

/* The one policy; never NULL, static storage. */
const keel_tls_policy *keel_tls_policy_get(void);

/* Hold ctx (a server context) to the policy: versions, groups, both cipher lists, options.
 * Afterwards reads back what OpenSSL holds and checks it. KEEL_ERR_TLS_POLICY if OpenSSL
 * refuses any part (the context must then not be used); KEEL_ERR_ARG if ctx is NULL. */
KEEL_MUST_CHECK keel_err keel_tls_server_policy_apply(SSL_CTX *ctx);

/* ---- The device's local HTTPS identity ---- */

/* A serial is 4 to 32 characters of A-Z, 0-9 and '-', not starting or ending with '-';
 * it becomes the certificate's CN and part of its host name. KEEL_OK or KEEL_ERR_PARSE
 * (KEEL_ERR_ARG for NULL). */
KEEL_MUST_CHECK keel_err keel_tls_serial_check(const char *serial);

/* The device's host name for serial: the serial in lower case followed by ".local"
 * (mDNS on the local network), into out (size outsz). Errors: KEEL_ERR_PARSE (bad serial),
 * KEEL_ERR_RANGE. */
KEEL_MUST_CHECK keel_err keel_tls_device_hostname(const char *serial, char *out, size_t outsz);

/* The self-signed certificate is valid from its creation for this many days: ten years,
 * the support period a lock is expected to see; a later owner-installed or
 * manufacturer-issued certificate replaces it, this one only bootstraps local HTTPS. */
#define KEEL_TLS_IDENTITY_DAYS 3650

/* Generate a fresh P-256 key and a self-signed X.509 v3 certificate for serial:
 * CN = serial, SAN = DNS:<keel_tls_device_hostname> and IP:127.0.0.1, a random 128-bit
 * serial number, valid KEEL_TLS_IDENTITY_DAYS, signed with ECDSA-SHA256, basicConstraints
 * CA:FALSE, keyUsage digitalSignature, extendedKeyUsage serverAuth. On success the caller
 * owns *key and *cert. Errors: KEEL_ERR_PARSE (bad serial), KEEL_ERR_RANDOM,
 * KEEL_ERR_CRYPTO. */
KEEL_MUST_CHECK keel_err keel_tls_identity_generate(const char *serial, EVP_PKEY **key,
                                                    X509 **cert);

/* Write key as unencrypted PKCS#8 PEM to key_path (mode 0600) and cert as PEM to
 * cert_path (mode 0644), each with keel_file_write_atomic. The PEM copy of the key in
 * memory is wiped. Errors: KEEL_ERR_IO, KEEL_ERR_CRYPTO, KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_tls_identity_write(EVP_PKEY *key, X509 *cert, const char *key_path,
                                                 const char *cert_path);

/* "AB:CD:...": 32 upper-case hex pairs separated by colons, NUL included. */
#define KEEL_TLS_FINGERPRINT_SIZE 96u

/* The SHA-256 fingerprint of cert's DER encoding, the form browsers and
 * `openssl x509 -fingerprint -sha256` show, into out (KEEL_TLS_FINGERPRINT_SIZE bytes).
 * Errors: KEEL_ERR_CRYPTO. */
/* Give cert a positive 128-bit serial number from the CSPRNG (RFC 5280: at most 20 octets,
 * unpredictable). KEEL_ERR_RANDOM, KEEL_ERR_CRYPTO. */
KEEL_MUST_CHECK keel_err keel_tls_x509_random_serial(X509 *cert);

/* Add the extension nid with OpenSSL's configuration syntax (e.g. "critical,CA:FALSE"),
 * issuer (NULL: self-signed) supplying the authority key identifier. KEEL_ERR_CRYPTO when
 * OpenSSL refuses the value. */
KEEL_MUST_CHECK keel_err keel_tls_x509_add_ext(X509 *cert, X509 *issuer, int nid,
                                               const char *value);

KEEL_MUST_CHECK keel_err keel_tls_cert_fingerprint(X509 *cert, char out[KEEL_TLS_FINGERPRINT_SIZE]);

/* ---- Client contexts (5.5-1, 5.5-7, 5.8-2) ---- */

#define KEEL_TLS_PIN_SIZE 32u /* SHA-256 */

/* What a client context trusts and presents. */
typedef struct keel_tls_client_config {
    /* Required: PEM file of the CA certificate(s) that may issue the server's certificate.
     * Nothing else is trusted: the system's trust store is never loaded. */
    const char *ca_file;
    /* Required: the name the server's certificate must carry (a DNS name in its SAN, or an
     * IP address literal matched against its IP SANs). A context without one is refused. */
    const char *host;
    /* Optional: the SHA-256 of the server certificate's SubjectPublicKeyInfo
     * (keel_tls_spki_sha256), checked in addition to the chain and the name, never instead
     * of them. NULL: no pin. */
    const uint8_t *pin_sha256;
    /* Optional, both or neither: the client's certificate chain (PEM, leaf first) and its
     * key (a reference is taken; it may sign through the root of trust, see
     * keel_rot_identity_tls_key). */
    const char *cert_file;
    EVP_PKEY *key;
} keel_tls_client_config;

/* Hold ctx (a client context, possibly made by another library) to the policy: versions,
 * groups, both cipher lists, security level, no compression, no renegotiation, no session
 * tickets; then read back what OpenSSL holds and check it. Verification is not touched
 * (keel_tls_client_new sets it). KEEL_ERR_TLS_POLICY if OpenSSL refuses any part (the
 * context must then not be used); KEEL_ERR_ARG if ctx is NULL. */
KEEL_MUST_CHECK keel_err keel_tls_client_policy_apply(SSL_CTX *ctx);

/* A new client context for cfg in OpenSSL's default library context: the policy applied,
 * the server verified (SSL_VERIFY_PEER) against cfg->ca_file only, its certificate bound to
 * cfg->host (no partial wildcards) and, if given, to the pin; the client certificate and
 * key installed and checked to match. For an EC client key, the signature algorithms the
 * client signs with are limited to ECDSA with the hash of the key's size (P-256: SHA-256),
 * which is what a key in a TPM can sign. On success the caller owns *out (SSL_CTX_free).
 * Errors (each logged naming the file or field): KEEL_ERR_ARG (cfg incomplete),
 * KEEL_ERR_IO (a file cannot be read), KEEL_ERR_CRYPTO (a file holds no usable certificate,
 * the key does not match the certificate), KEEL_ERR_TLS_POLICY, KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_tls_client_new(const keel_tls_client_config *cfg, SSL_CTX **out);

/* The SHA-256 of cert's DER-encoded SubjectPublicKeyInfo into out: the value a pin holds
 * (it survives a certificate renewed with the same key). KEEL_ERR_ARG, KEEL_ERR_CRYPTO. */
KEEL_MUST_CHECK keel_err keel_tls_spki_sha256(X509 *cert, uint8_t out[KEEL_TLS_PIN_SIZE]);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_TLS_H */
