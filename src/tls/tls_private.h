/* Private to the tls module: what its server and client contexts share. */
#ifndef KEEL_TLS_PRIVATE_H
#define KEEL_TLS_PRIVATE_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "keel/core.h"

/* 1 when every suite ctx would offer is TLS 1.3 or ECDHE with an AEAD cipher (5.5-1): read
 * back from OpenSSL rather than trusting that the cipher strings meant what they say. */
int keel_tls_ciphers_conform(const SSL_CTX *ctx);

/* Set the policy's security level, versions, groups and both cipher lists on ctx, with
 * options, then read them back and check them: what server and client contexts share.
 * KEEL_ERR_TLS_POLICY when OpenSSL refuses any part or the read-back differs. */
keel_err keel_tls_policy_hold(SSL_CTX *ctx, uint64_t options);

#endif /* KEEL_TLS_PRIVATE_H */
