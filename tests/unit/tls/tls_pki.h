/* A small PKI and an in-memory handshake for the TLS client tests: CAs, server and client
 * certificates made on the fly, and a client and a server driven over a BIO pair. */
#ifndef KEEL_TEST_TLS_PKI_H
#define KEEL_TEST_TLS_PKI_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

/* A fresh P-256 key. */
EVP_PKEY *pki_key(void);
/* A self-signed CA certificate named cn for key. */
X509 *pki_ca(EVP_PKEY *key, const char *cn);
/* A leaf certificate for subject (public key only is used) named cn, issued by ca/ca_key;
 * san as OpenSSL writes it ("DNS:broker.test,IP:127.0.0.1") or NULL; eku "serverAuth" or
 * "clientAuth". */
X509 *pki_leaf(EVP_PKEY *ca_key, X509 *ca, EVP_PKEY *subject, const char *cn, const char *san,
               const char *eku);
/* Write the certificates (NULL-terminated list) as PEM to path. */
void pki_write(const char *path, X509 *first, ...);
/* A fresh private temporary directory into out. */
void pki_tempdir(char *out, size_t outsz);
/* Remove the files and the directory made by pki_tempdir. */
void pki_rmtree(const char *dir);

struct pki_result {
    int ok;             /* both sides completed */
    int version;        /* negotiated, when ok */
    int peer_sig_nid;   /* the digest of the client's signature as the server saw it */
    int client_cert;    /* the server received a client certificate */
    long verify_result; /* the client's SSL_get_verify_result */
    int server_err;     /* SSL_get_error of the server's last handshake call */
    char cipher[64];    /* negotiated, when ok */
};

/* Run a handshake between a server of sctx and a client of cctx (SNI: sni, may be NULL). */
struct pki_result pki_handshake(SSL_CTX *sctx, SSL_CTX *cctx, const char *sni);

/* A server context with cert/key that requires a client certificate issued by client_ca
 * (NULL: none asked). min/max versions as SSL_CTX_set_*_proto_version (0: default);
 * ciphers: a TLS 1.2 cipher list or NULL; security level 0 when weak is set. */
SSL_CTX *pki_server(X509 *cert, EVP_PKEY *key, X509 *client_ca, int min, int max,
                    const char *ciphers, int weak);

#endif
