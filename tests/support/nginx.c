/* Test support: a real nginx over HTTPS on loopback (see nginx.h). */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 */
#include "nginx.h"
#include "service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"

#define NGINX_BIN "/usr/sbin/nginx"
#define START_TRIES 5
#define READY_MS 10000

/* ---- certificates ---- */

static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = c != NULL && name != NULL && X509_set_version(c, 2) == 1 &&
             keel_tls_x509_random_serial(c) == KEEL_OK &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                        0) == 1 &&
             X509_set_subject_name(c, name) == 1 &&
             X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1 &&
             X509_gmtime_adj(X509_getm_notBefore(c), -3600) != NULL &&
             X509_gmtime_adj(X509_getm_notAfter(c), 86400L) != NULL && X509_set_pubkey(c, key) == 1;

    if (ok && issuer == NULL)
        ok = keel_tls_x509_add_ext(c, NULL, NID_basic_constraints, "critical,CA:TRUE") == KEEL_OK &&
             keel_tls_x509_add_ext(c, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") ==
                 KEEL_OK &&
             keel_tls_x509_add_ext(c, NULL, NID_subject_key_identifier, "hash") == KEEL_OK;
    if (ok && issuer != NULL)
        ok = keel_tls_x509_add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE") ==
                 KEEL_OK &&
             keel_tls_x509_add_ext(c, issuer, NID_subject_alt_name, "IP:127.0.0.1") == KEEL_OK &&
             keel_tls_x509_add_ext(c, issuer, NID_ext_key_usage, "serverAuth") == KEEL_OK &&
             keel_tls_x509_add_ext(c, issuer, NID_authority_key_identifier, "keyid") == KEEL_OK;
    if (ok)
        ok = X509_sign(c, issuer_key != NULL ? issuer_key : key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static int pem_write(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    int ok = f != NULL;

    if (ok && cert != NULL)
        ok = PEM_write_X509(f, cert) == 1;
    if (ok && key != NULL)
        ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "nginx: cannot write %s\n", path);
    return ok ? 0 : -1;
}

/* A CA (its certificate into dir/<prefix>-ca.pem) and a server certificate and key it
 * issued (dir/<prefix>-server.pem, dir/<prefix>-server.key). */
static int make_pki(const char *dir, const char *prefix)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *leaf = NULL;
    char path[400];
    int rc = -1;

    if (ca_key == NULL || key == NULL)
        goto out;
    ca = cert_new(ca_key, "keel test repository CA", NULL, NULL);
    if (ca != NULL)
        leaf = cert_new(key, "127.0.0.1", ca, ca_key);
    if (leaf == NULL)
        goto out;
    snprintf(path, sizeof(path), "%s/%s-ca.pem", dir, prefix);
    if (pem_write(path, ca, NULL) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/%s-server.pem", dir, prefix);
    if (pem_write(path, leaf, NULL) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/%s-server.key", dir, prefix);
    rc = pem_write(path, NULL, key);
out:
    if (rc != 0)
        fprintf(stderr, "nginx: cannot make the %s certificates\n", prefix);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- configuration ---- */

static int free_port(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        *port = ntohs(a.sin_port);
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

static void server_block(FILE *f, const keel_test_nginx *n, uint16_t port, const char *pki,
                         const char *protocols, const char *ciphers, int extras)
{
    fprintf(f,
            "    server {\n"
            "        listen 127.0.0.1:%u ssl;\n"
            "        ssl_certificate %s/%s-server.pem;\n"
            "        ssl_certificate_key %s/%s-server.key;\n"
            "        ssl_protocols %s;\n",
            (unsigned)port, n->dir, pki, n->dir, pki, protocols);
    if (ciphers != NULL)
        fprintf(f, "        ssl_ciphers %s;\n", ciphers);
    if (extras)
        fprintf(f, "        location = /redirect { return 302 /; }\n"
                   "        location /norange/ { max_ranges 0; }\n"
                   /* a rewriting filter drops Content-Length: the answer comes chunked */
                   "        location /chunked/ { sub_filter_types *; sub_filter_once off;"
                   " sub_filter 'keel' 'keel'; }\n");
    fprintf(f, "        root %s;\n    }\n", n->root);
}

static int write_conf(const keel_test_nginx *n)
{
    char path[400];
    FILE *f;

    snprintf(path, sizeof(path), "%s/nginx.conf", n->dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    /* One process in the foreground: it stays root and reads the private document root. */
    fprintf(f,
            "daemon off;\nmaster_process off;\nworker_processes 1;\n"
            "pid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    access_log %s/access.log;\n"
            "    default_type application/octet-stream;\n"
            "    client_body_temp_path %s/tmp-body;\n    proxy_temp_path %s/tmp-proxy;\n"
            "    fastcgi_temp_path %s/tmp-fastcgi;\n    uwsgi_temp_path %s/tmp-uwsgi;\n"
            "    scgi_temp_path %s/tmp-scgi;\n",
            n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->dir);
    server_block(f, n, n->port, "main", "TLSv1.2 TLSv1.3", NULL, 1);
    server_block(f, n, n->port_other_ca, "other", "TLSv1.2 TLSv1.3", NULL, 0);
    server_block(f, n, n->port_tls11, "main", "TLSv1.1", "ALL:@SECLEVEL=0", 0);
    fprintf(f, "}\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- the process ---- */

static void exec_nginx(const keel_test_nginx *n)
{
    char conf[400], log[400];
    int out;

    snprintf(conf, sizeof(conf), "%s/nginx.conf", n->dir);
    snprintf(log, sizeof(log), "%s/error.log", n->dir);
    out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
    }
    execl(NGINX_BIN, "nginx", "-c", conf, "-p", n->dir, "-e", log, (char *)NULL);
    _exit(127);
}

static int launch(keel_test_nginx *n)
{
    pid_t parent = getpid();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* A test that crashes or is killed must not leave its server running. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        exec_nginx(n);
    }
    n->pid = pid;
    for (int ms = 0; ms < READY_MS; ms += 20) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            n->pid = 0;
            return -1;
        }
        if (keel_test_port_answers(n->port) && keel_test_port_answers(n->port_other_ca) &&
            keel_test_port_answers(n->port_tls11))
            return 0;
        keel_test_sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    n->pid = 0;
    return -1;
}

static int prepare(keel_test_nginx *n)
{
    const char *tmp = getenv("TMPDIR");

    memset(n, 0, sizeof(*n));
    snprintf(n->dir, sizeof(n->dir), "%s/keel-nginx-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(n->dir) == NULL) {
        fprintf(stderr, "nginx: mkdtemp %s: %s\n", n->dir, strerror(errno));
        n->dir[0] = '\0';
        return -1;
    }
    snprintf(n->root, sizeof(n->root), "%s/www", n->dir);
    snprintf(n->ca_file, sizeof(n->ca_file), "%s/main-ca.pem", n->dir);
    if (mkdir(n->root, 0700) != 0)
        return -1;
    return make_pki(n->dir, "main") == 0 && make_pki(n->dir, "other") == 0 ? 0 : -1;
}

int keel_test_nginx_start(keel_test_nginx *n)
{
    if (access(NGINX_BIN, X_OK) != 0) {
        fprintf(stderr, "nginx: %s is not installed (scripts/bootstrap)\n", NGINX_BIN);
        return -1;
    }
    if (prepare(n) != 0) {
        keel_test_nginx_stop(n);
        return -1;
    }
    /* Another process may take a port between our probe and nginx's bind: try again. */
    for (int i = 0; i < START_TRIES; i++) {
        if (free_port(&n->port) != 0 || free_port(&n->port_other_ca) != 0 ||
            free_port(&n->port_tls11) != 0 || n->port == n->port_other_ca ||
            n->port == n->port_tls11 || n->port_other_ca == n->port_tls11)
            continue;
        snprintf(n->url, sizeof(n->url), "https://127.0.0.1:%u", (unsigned)n->port);
        if (write_conf(n) == 0 && launch(n) == 0)
            return 0;
    }
    fprintf(stderr, "nginx: cannot start (see %s/error.log)\n", n->dir);
    return -1;
}

static int make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

int keel_test_nginx_put(const keel_test_nginx *n, const char *name, const void *data, size_t len)
{
    char path[1024];
    FILE *f;
    int ok;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", n->root, name) >= sizeof(path) ||
        make_parents(path) != 0)
        return -1;
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    ok = fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

void keel_test_nginx_stop(keel_test_nginx *n)
{
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        while (waitpid(n->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        n->pid = 0;
    }
    if (n->dir[0] != '\0')
        keel_test_tree_remove(n->dir);
    n->dir[0] = '\0';
}
