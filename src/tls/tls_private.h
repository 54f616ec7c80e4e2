/* Private to the tls module: what its server and client contexts share. */
#ifndef KEEL_TLS_PRIVATE_H
#define KEEL_TLS_PRIVATE_H

#include <openssl/ssl.h>

/* 1 when every suite ctx would offer is TLS 1.3 or ECDHE with an AEAD cipher (5.5-1): read
 * back from OpenSSL rather than trusting that the cipher strings meant what they say. */
int keel_tls_ciphers_conform(const SSL_CTX *ctx);

#endif /* KEEL_TLS_PRIVATE_H */
