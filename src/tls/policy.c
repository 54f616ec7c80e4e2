/* keel's one TLS policy (5.5-1) as data, and its enforcement on a server context. */
#include <openssl/ssl.h>

#include "keel/tls.h"
#include "tls_private.h"

static const keel_tls_policy policy = {
    .min_version = TLS1_2_VERSION,
    .max_version = 0,
    .groups = "X25519:P-256:P-384",
    /* Forward secrecy (ECDHE) and authenticated encryption (GCM, ChaCha20-Poly1305)
     * only: CBC suites carry the padding-oracle history, static RSA key exchange gives
     * no forward secrecy. */
    .tls12_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
                     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
                     "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256",
    .tls13_ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                          "TLS_AES_128_GCM_SHA256",
    .server_options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                      SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET,
    .security_level = 2,
};

const keel_tls_policy *keel_tls_policy_get(void)
{
    return &policy;
}

int keel_tls_ciphers_conform(const SSL_CTX *ctx)
{
    STACK_OF(SSL_CIPHER) *list = SSL_CTX_get_ciphers(ctx);
    int n = list != NULL ? sk_SSL_CIPHER_num(list) : 0;

    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
        if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
            continue; /* TLS 1.3: key exchange is always (EC)DHE, ciphers always AEAD */
        if (SSL_CIPHER_get_kx_nid(c) != NID_kx_ecdhe || !SSL_CIPHER_is_aead(c))
            return 0;
    }
    return 1;
}

keel_err keel_tls_policy_hold(SSL_CTX *ctx, uint64_t options)
{
    const keel_tls_policy *p = &policy;

    SSL_CTX_set_security_level(ctx, p->security_level);
    if (SSL_CTX_set_min_proto_version(ctx, p->min_version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, p->max_version) != 1 ||
        SSL_CTX_set1_groups_list(ctx, p->groups) != 1 ||
        SSL_CTX_set_cipher_list(ctx, p->tls12_ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, p->tls13_ciphersuites) != 1)
        return KEEL_ERR_TLS_POLICY;
    SSL_CTX_set_options(ctx, options);
    if (SSL_CTX_get_min_proto_version(ctx) != p->min_version ||
        (SSL_CTX_get_options(ctx) & options) != options ||
        SSL_CTX_get_security_level(ctx) < p->security_level || !keel_tls_ciphers_conform(ctx))
        return KEEL_ERR_TLS_POLICY;
    return KEEL_OK;
}

keel_err keel_tls_server_policy_apply(SSL_CTX *ctx)
{
    if (ctx == NULL)
        return KEEL_ERR_ARG;
    if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
        return KEEL_ERR_TLS_POLICY;
    return keel_tls_policy_hold(ctx, policy.server_options);
}
