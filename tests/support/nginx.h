/*
 * A real nginx serving a directory over HTTPS for keel's tests: a throwaway CA and server
 * certificate (P-256, for IP 127.0.0.1 only, so "localhost" does not match) made with
 * OpenSSL per instance, free
 * loopback ports, every file (configuration, keys, logs, document root) in a fresh
 * temporary directory that stop removes. nginx runs in the foreground as one process, as
 * the test's child, and dies with the test.
 *
 * Three servers share the document root:
 *   port           TLS 1.2 and 1.3, a certificate issued by the CA in ca_file
 *   port_other_ca  the same, with a certificate from another CA (which nothing trusts)
 *   port_tls11     TLS 1.1 only at OpenSSL security level 0 (a server below keel's policy)
 * On port, /redirect answers 302, files under /norange/ are served without range support
 * (a range request gets the whole file with 200) and files under /chunked/ without a
 * Content-Length (chunked: the client cannot know the length before the bytes arrive).
 *
 * Functions return 0 on success and -1 on failure, with the reason on stderr.
 */
#ifndef KEEL_TEST_NGINX_H
#define KEEL_TEST_NGINX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct keel_test_nginx {
    pid_t pid; /* 0 when not running */
    uint16_t port;
    uint16_t port_other_ca;
    uint16_t port_tls11;
    char dir[256];     /* everything of this instance; removed by stop */
    char root[300];    /* the document root: dir/www */
    char ca_file[300]; /* PEM of the CA that issued port's certificate */
    char url[64];      /* "https://127.0.0.1:<port>" */
} keel_test_nginx;

/* Make the certificates, write the configuration, start nginx and wait for its ports. */
int keel_test_nginx_start(keel_test_nginx *n);

/* Write len bytes as root/name (name relative, its directories made as needed). */
int keel_test_nginx_put(const keel_test_nginx *n, const char *name, const void *data, size_t len);

/* Stop nginx and remove its directory. Safe on a zeroed or stopped instance. */
void keel_test_nginx_stop(keel_test_nginx *n);

#endif /* KEEL_TEST_NGINX_H */
