/*
 * TLS client contexts held to keel's one policy (5.5-1), verifying the server against a
 * named CA, a name and optionally a pin (5.5-7: the cloud link authenticated and protected),
 * and presenting the device's identity (5.8-2: the device authenticates itself to the cloud
 * before anything security-relevant is exchanged).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"
#include "tls_private.h"

/* The policy's options minus those that only mean something on a server. */
static uint64_t client_options(void)
{
    return keel_tls_policy_get()->server_options & ~(uint64_t)SSL_OP_CIPHER_SERVER_PREFERENCE;
}

keel_err keel_tls_client_policy_apply(SSL_CTX *ctx)
{
    if (ctx == NULL)
        return KEEL_ERR_ARG;
    if (keel_tls_policy_hold(ctx, client_options()) != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "tls: a client context cannot be held to keel's policy");
        ERR_clear_error();
        return KEEL_ERR_TLS_POLICY;
    }
    return KEEL_OK;
}

/* ---- the pin, kept with the context that checks it ---- */

static CRYPTO_ONCE pin_once = CRYPTO_ONCE_STATIC_INIT;
static int pin_index = -1; /* SSL_CTX ex_data slot, made once per process */

static void pin_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr); /* runs for every SSL_CTX; NULL for all without a pin */
}

/* A context is never duplicated by OpenSSL; refuse rather than share the pin if one were. */
static int pin_ex_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx,
                      long argl, void *argp)
{
    (void)to;
    (void)from;
    (void)idx;
    (void)argl;
    (void)argp;
    return *from_d == NULL;
}

static void pin_once_run(void)
{
    pin_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, pin_ex_dup, pin_ex_free);
}

/* Chain and name are checked by OpenSSL (preverify_ok); the pin on the leaf comes on top. */
static int verify_server(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    const uint8_t *pin;
    uint8_t got[KEEL_TLS_PIN_SIZE];
    X509 *leaf;

    if (!preverify_ok) {
        keel_log(KEEL_LOG_WARN, "tls: server certificate refused at depth %d: %s",
                 X509_STORE_CTX_get_error_depth(store),
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
        return 0;
    }
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    pin =
        ssl != NULL && pin_index >= 0 ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), pin_index) : NULL;
    if (pin == NULL)
        return 1;
    leaf = X509_STORE_CTX_get_current_cert(store);
    if (leaf == NULL || keel_tls_spki_sha256(leaf, got) != KEEL_OK ||
        CRYPTO_memcmp(got, pin, KEEL_TLS_PIN_SIZE) != 0) {
        keel_log(KEEL_LOG_WARN, "tls: server key does not match the pinned key");
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return 1;
}

static keel_err set_pin(SSL_CTX *ctx, const uint8_t *pin)
{
    uint8_t *copy;

    if (CRYPTO_THREAD_run_once(&pin_once, pin_once_run) != 1 || pin_index < 0)
        return KEEL_ERR_CRYPTO;
    copy = malloc(KEEL_TLS_PIN_SIZE);
    if (copy == NULL)
        return KEEL_ERR_NOMEM;
    memcpy(copy, pin, KEEL_TLS_PIN_SIZE);
    if (SSL_CTX_set_ex_data(ctx, pin_index, copy) != 1) {
        free(copy);
        return KEEL_ERR_CRYPTO;
    }
    return KEEL_OK;
}

/* ---- building the context ---- */

/* KEEL_ERR_IO, logged, when path cannot be opened for reading: told apart from a file
 * that opens but holds nothing usable. */
static keel_err readable(const char *what, const char *path)
{
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        keel_log(KEEL_LOG_ERROR, "tls: cannot read the %s %s: %s", what, path, strerror(errno));
        return KEEL_ERR_IO;
    }
    fclose(f);
    return KEEL_OK;
}

static keel_err set_trust(SSL_CTX *ctx, const keel_tls_client_config *cfg)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, cfg->host, ip) == 1 || inet_pton(AF_INET6, cfg->host, ip) == 1;
    keel_err ret = readable("CA file", cfg->ca_file);

    if (ret != KEEL_OK)
        return ret;
    /* Only this file: never SSL_CTX_set_default_verify_paths (the system's trust store). */
    if (SSL_CTX_load_verify_file(ctx, cfg->ca_file) != 1) {
        keel_log(KEEL_LOG_ERROR, "tls: the CA file %s holds no usable certificate", cfg->ca_file);
        return KEEL_ERR_CRYPTO;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if ((is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, cfg->host)
               : X509_VERIFY_PARAM_set1_host(param, cfg->host, 0)) != 1) {
        keel_log(KEEL_LOG_ERROR, "tls: the expected server name '%s' is not usable", cfg->host);
        return KEEL_ERR_ARG;
    }
    if (cfg->pin_sha256 != NULL && (ret = set_pin(ctx, cfg->pin_sha256)) != KEEL_OK)
        return ret;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_server);
    return KEEL_OK;
}

/* "ECDSA+SHA256" for a P-256 key and so on: the one pairing TLS 1.3 allows for the curve,
 * and in TLS 1.2 the only digest size a TPM signs with a P-256 key without question. */
static const char *ec_sigalgs(EVP_PKEY *key)
{
    switch (EVP_PKEY_get_bits(key)) {
    case 256: return "ECDSA+SHA256";
    case 384: return "ECDSA+SHA384";
    case 521: return "ECDSA+SHA512";
    default: return NULL;
    }
}

static keel_err set_identity(SSL_CTX *ctx, const keel_tls_client_config *cfg)
{
    const char *sigalgs;
    keel_err ret = readable("client certificate", cfg->cert_file);

    if (ret != KEEL_OK)
        return ret;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
        keel_log(KEEL_LOG_ERROR, "tls: the client certificate %s cannot be used: %s",
                 cfg->cert_file, ERR_reason_error_string(ERR_peek_last_error()));
        return KEEL_ERR_CRYPTO;
    }
    if (SSL_CTX_use_PrivateKey(ctx, cfg->key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        keel_log(KEEL_LOG_ERROR, "tls: the client key does not match the certificate %s",
                 cfg->cert_file);
        return KEEL_ERR_CRYPTO;
    }
    if (EVP_PKEY_is_a(cfg->key, "EC")) {
        sigalgs = ec_sigalgs(cfg->key);
        if (sigalgs == NULL || SSL_CTX_set1_client_sigalgs_list(ctx, sigalgs) != 1) {
            keel_log(KEEL_LOG_ERROR, "tls: no signature algorithm for the client key of %s",
                     cfg->cert_file);
            return KEEL_ERR_TLS_POLICY;
        }
    }
    return KEEL_OK;
}

/* What was set must read back: a context that would not verify the server is never
 * handed out. */
static int verification_in_place(SSL_CTX *ctx)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    char *ip = X509_VERIFY_PARAM_get1_ip_asc(param);
    int named = X509_VERIFY_PARAM_get0_host(param, 0) != NULL || ip != NULL;

    OPENSSL_free(ip);
    return (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) != 0 && named &&
           X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx)) != NULL &&
           sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx))) > 0;
}

static keel_err check_config(const keel_tls_client_config *cfg)
{
    if (cfg->ca_file == NULL || cfg->ca_file[0] == '\0') {
        keel_log(KEEL_LOG_ERROR, "tls: a client context needs a CA file (no system trust)");
        return KEEL_ERR_ARG;
    }
    if (cfg->host == NULL || cfg->host[0] == '\0') {
        keel_log(KEEL_LOG_ERROR, "tls: a client context needs the server's expected name");
        return KEEL_ERR_ARG;
    }
    if ((cfg->cert_file == NULL || cfg->cert_file[0] == '\0') != (cfg->key == NULL)) {
        keel_log(KEEL_LOG_ERROR, "tls: a client certificate needs its key and the key its "
                                 "certificate");
        return KEEL_ERR_ARG;
    }
    return KEEL_OK;
}

keel_err keel_tls_client_new(const keel_tls_client_config *cfg, SSL_CTX **out)
{
    SSL_CTX *ctx = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (out != NULL)
        *out = NULL;
    if (cfg == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = check_config(cfg);
    if (ret != KEEL_OK)
        return ret;
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    ret = keel_tls_client_policy_apply(ctx);
    if (ret == KEEL_OK)
        ret = set_trust(ctx, cfg);
    if (ret == KEEL_OK && cfg->key != NULL)
        ret = set_identity(ctx, cfg);
    if (ret == KEEL_OK && !verification_in_place(ctx)) {
        keel_log(KEEL_LOG_ERROR, "tls: the client context does not verify its server");
        ret = KEEL_ERR_TLS_POLICY;
    }
    if (ret == KEEL_OK) {
        *out = ctx;
        ctx = NULL;
    }
out:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return ret;
}
