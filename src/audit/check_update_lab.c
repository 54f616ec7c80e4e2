/* The laboratory's stand-in for the update repository (5.3-9-2, 5.3-10-2): an HTTPS server on
 * libwebsockets (as keeld serves its API) on the repository's address, answering GET of the
 * repository's files from the mirror or from the round's manipulated copies. It runs on its
 * own thread while the audit talks to the device, and counts what the device did: a TCP
 * connection that never became a request is a TLS handshake the device refused. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "check_update.h"
#include "keel/tls.h"
#include "net.h"

#define URI_MAX 512

struct keel_audit_lab {
    keel_audit_lab_config cfg;
    char iface[KEEL_AUDIT_HOST_MAX];
    struct lws_context *ctx;
    pthread_t thread;
    int started;
    int tls_ready;
    pthread_mutex_t lock; /* guards everything below */
    int stop;
    size_t connections;
    size_t requests;
    char fetched[512];
};

static void quiet(int level, const char *line)
{
    (void)level;
    keel_log(KEEL_LOG_DEBUG, "audit laboratory: lws: %s", line);
}

/* A repository file name: components of [A-Za-z0-9._-], none empty or starting with '.'. */
static int name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= KEEL_AUDIT_LAB_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int start = i == 0 || name[i - 1] == '/';

        if (c == '/' && (start || i + 1 == n))
            return 0;
        if (start && c == '.')
            return 0;
        if (c != '/' && c != '.' && c != '_' && c != '-' && !(c >= 'a' && c <= 'z') &&
            !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9'))
            return 0;
    }
    return 1;
}

static void note_request(keel_audit_lab *lab, const char *name)
{
    size_t used;

    pthread_mutex_lock(&lab->lock);
    lab->requests++;
    used = strlen(lab->fetched);
    if (used + strlen(name) + 3 < sizeof(lab->fetched))
        (void)keel_str_format(lab->fetched + used, sizeof(lab->fetched) - used, "%s%s",
                              used ? ", " : "", name);
    pthread_mutex_unlock(&lab->lock);
}

/* The file that answers name: the round's override, else the mirror's; "" when none. */
static void resolve(const keel_audit_lab *lab, const char *name, char *path, size_t pathsz)
{
    struct stat st;

    path[0] = '\0';
    for (size_t i = 0; i < lab->cfg.noverrides; i++) {
        if (strcmp(lab->cfg.overrides[i].name, name) == 0) {
            (void)keel_str_copy(path, pathsz, lab->cfg.overrides[i].path);
            return;
        }
    }
    if (keel_str_format(path, pathsz, "%s/%s", lab->cfg.root, name) != KEEL_OK ||
        lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        path[0] = '\0';
}

static int answer_status(struct lws *wsi, unsigned code)
{
    if (lws_return_http_status(wsi, code, NULL))
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int serve(keel_audit_lab *lab, struct lws *wsi, const char *uri)
{
    char path[KEEL_AUDIT_UPDATE_FILE_MAX];
    size_t plen = strlen(lab->cfg.prefix);
    const char *name;
    int n;

    if (uri == NULL || strlen(uri) >= URI_MAX)
        return answer_status(wsi, HTTP_STATUS_NOT_FOUND);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
        return answer_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
    if (strncmp(uri, lab->cfg.prefix, plen) != 0 || uri[plen] != '/')
        return answer_status(wsi, HTTP_STATUS_NOT_FOUND);
    name = uri + plen + 1;
    if (!name_valid(name))
        return answer_status(wsi, HTTP_STATUS_NOT_FOUND);
    note_request(lab, name);
    resolve(lab, name, path, sizeof(path));
    if (path[0] == '\0')
        return answer_status(wsi, HTTP_STATUS_NOT_FOUND);
    n = lws_serve_http_file(wsi, path, "application/octet-stream", NULL, 0);
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* The round's TLS: keel's policy, or TLS 1.0 and 1.1 alone for the legacy round. */
static int tls_setup(keel_audit_lab *lab, SSL_CTX *ctx)
{
    if (!lab->cfg.legacy_tls) {
        lab->tls_ready = keel_tls_server_policy_apply(ctx) == KEEL_OK;
        return lab->tls_ready ? 0 : 1;
    }
    SSL_CTX_set_security_level(ctx, 0);
    lab->tls_ready = SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1 &&
                     SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION) == 1 &&
                     SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1;
    return lab->tls_ready ? 0 : 1;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    keel_audit_lab *lab = lws_context_user(lws_get_context(wsi));

    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        return tls_setup(lab, (SSL_CTX *)user);
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        pthread_mutex_lock(&lab->lock);
        lab->connections++;
        pthread_mutex_unlock(&lab->lock);
        return 0;
    case LWS_CALLBACK_HTTP: return serve(lab, wsi, in);
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"keel-audit-lab", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *run(void *arg)
{
    keel_audit_lab *lab = arg;

    for (;;) {
        int stop;

        pthread_mutex_lock(&lab->lock);
        stop = lab->stop;
        pthread_mutex_unlock(&lab->lock);
        if (stop || lws_service(lab->ctx, 0) < 0)
            break;
    }
    return NULL;
}

/* Whether the address is free: bind it once (the error is clearer than lws's). */
static int bindable(const keel_audit_target *t, char *why, size_t whysz)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    const char *gai = "";
    int fd, one = 1, ok;

    if (keel_audit_net_resolve(t, &ss, &len, &gai) != KEEL_OK) {
        (void)keel_str_format(why, whysz, "%s does not resolve: %s", t->host, gai);
        return 0;
    }
    keel_audit_net_set_port(&ss, t->port);
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
         bind(fd, (struct sockaddr *)&ss, len) == 0 && listen(fd, 1) == 0;
    if (!ok)
        (void)keel_str_format(why, whysz, "cannot serve on %s port %u: %s", t->host,
                              (unsigned)t->port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok;
}

/* The certificate and key load and belong together: checked here, before libwebsockets,
 * whose failing context set-up is not as tidy, and with a clearer reason. */
static int usable_identity(const keel_audit_lab_config *cfg, char *why, size_t whysz)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int ok = ctx != NULL && SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;

    SSL_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        (void)keel_str_format(why, whysz,
                              "the certificate %s and key %s do not load as a pair for HTTPS",
                              cfg->cert, cfg->key);
    return ok;
}

static struct lws_context *create(keel_audit_lab *lab)
{
    struct lws_context_creation_info info;

    memset(&info, 0, sizeof(info));
    info.port = lab->cfg.listen->port;
    info.iface = lab->iface;
    info.protocols = protocols;
    info.user = lab;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   (lab->cfg.listen->ipv6_literal ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
    info.ssl_cert_filepath = lab->cfg.cert;
    info.ssl_private_key_filepath = lab->cfg.key;
    info.ssl_cipher_list =
        lab->cfg.legacy_tls ? "DEFAULT:@SECLEVEL=0" : keel_tls_policy_get()->tls12_ciphers;
    info.tls1_3_plus_cipher_list = keel_tls_policy_get()->tls13_ciphersuites;
    info.alpn = "http/1.1";
    info.server_string = NULL;
    return lws_create_context(&info);
}

keel_err keel_audit_lab_start(const keel_audit_lab_config *cfg, keel_audit_lab **out, char *why,
                              size_t whysz)
{
    keel_audit_lab *lab;

    if (cfg == NULL || out == NULL || cfg->listen == NULL || cfg->root == NULL ||
        cfg->prefix == NULL || cfg->cert == NULL || cfg->key == NULL || why == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    why[0] = '\0';
    if (!bindable(cfg->listen, why, whysz) || !usable_identity(cfg, why, whysz))
        return KEEL_ERR_IO;
    lab = calloc(1, sizeof(*lab));
    if (lab == NULL)
        return KEEL_ERR_NOMEM;
    lab->cfg = *cfg;
    (void)keel_str_copy(lab->iface, sizeof(lab->iface), cfg->listen->host);
    if (pthread_mutex_init(&lab->lock, NULL) != 0) {
        free(lab);
        return KEEL_ERR_NOMEM;
    }
    lws_set_log_level(LLL_ERR, quiet);
    lab->ctx = create(lab);
    if (lab->ctx == NULL || !lab->tls_ready || pthread_create(&lab->thread, NULL, run, lab) != 0) {
        (void)keel_str_format(why, whysz,
                              "libwebsockets cannot serve HTTPS on %s port %u with %s "
                              "(certificate, key or TLS set-up refused)",
                              cfg->listen->host, (unsigned)cfg->listen->port, cfg->cert);
        keel_audit_lab_stop(lab);
        return KEEL_ERR_IO;
    }
    lab->started = 1;
    *out = lab;
    return KEEL_OK;
}

void keel_audit_lab_seen(keel_audit_lab *lab, size_t *connections, size_t *requests, char *fetched,
                         size_t fetchedsz)
{
    pthread_mutex_lock(&lab->lock);
    *connections = lab->connections;
    *requests = lab->requests;
    if (keel_str_copy(fetched, fetchedsz, lab->fetched) != KEEL_OK && fetchedsz > 4)
        (void)keel_str_format(fetched, fetchedsz, "%.*s...", (int)(fetchedsz - 4), lab->fetched);
    pthread_mutex_unlock(&lab->lock);
}

void keel_audit_lab_reset(keel_audit_lab *lab)
{
    pthread_mutex_lock(&lab->lock);
    lab->connections = lab->requests = 0;
    lab->fetched[0] = '\0';
    pthread_mutex_unlock(&lab->lock);
}

void keel_audit_lab_stop(keel_audit_lab *lab)
{
    if (lab == NULL)
        return;
    if (lab->started) {
        pthread_mutex_lock(&lab->lock);
        lab->stop = 1;
        pthread_mutex_unlock(&lab->lock);
        lws_cancel_service(lab->ctx);
        pthread_join(lab->thread, NULL);
    }
    if (lab->ctx != NULL)
        lws_context_destroy(lab->ctx);
    pthread_mutex_destroy(&lab->lock);
    free(lab);
}

int keel_audit_lab_speaks_legacy(const keel_audit_target *t)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    const char *why = "";
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    int fd = -1, ok = 0;

    if (ctx != NULL && keel_audit_net_resolve(t, &ss, &len, &why) == KEEL_OK) {
        keel_audit_net_set_port(&ss, t->port);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_security_level(ctx, 0);
        fd = SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1 &&
                     SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION) == 1 &&
                     SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") == 1
                 ? keel_audit_net_connect(&ss, len, 3000, 5000)
                 : -1;
    }
    if (fd >= 0 && (ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1)
        ok = SSL_connect(ssl) == 1;
    if (ok)
        (void)SSL_shutdown(ssl);
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    return ok;
}
