/*
 * keeld's HTTPS server on libwebsockets (OpenSSL backend): HTTPS only, the TLS policy
 * applied to the vhost's SSL_CTX (5.5-1), no server banner, bodies bounded per route.
 * Requests are turned into struct keeld_request and answered by keeld_dispatch; nothing
 * here decides what a request means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "keel/tls.h"
#include "keeld.h"

#define PATH_MAX_LEN 4096
#define URI_MAX 128
#define AUTH_MAX 128
/* A client that keeps sending past this is cut off rather than read to the end. */
#define BODY_HARD_MAX ((size_t)64 * 1024)

struct server {
    struct keeld_state *state;
    int policy_applied;
    volatile int *stop; /* keeld_server_run's: set once an exit_after answer is out */
};

/* Per connection; reset at each request, wiped when the connection goes. */
struct conn {
    keeld_method method;
    char path[URI_MAX];
    int path_too_long;
    char auth[AUTH_MAX];
    int has_auth;
    char client[KEELD_CLIENT_MAX];
    uint8_t body[KEELD_BODY_MAX];
    size_t body_len;
    size_t body_seen;
    size_t body_cap;
    int pending;
    size_t sent;  /* bytes of the answer's body written so far */
    int answered; /* this request has its answer: lws may still report an empty body's end */
    int exiting;  /* an exit_after answer was written: stop once lws has sent all of it */
    struct keeld_response rs;
    uint8_t out[LWS_PRE + KEELD_RESPONSE_MAX];
};

static struct lws_context *running;

void keeld_wake(void)
{
    if (running != NULL)
        lws_cancel_service(running);
}

static keeld_method method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        return KEELD_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
        return KEELD_POST;
    return KEELD_OTHER;
}

static int retry_after_header(struct lws *wsi, uint32_t seconds, uint8_t **p, uint8_t *end)
{
    char text[16];

    if (keel_str_format(text, sizeof(text), "%u", (unsigned)seconds) != KEEL_OK)
        return -1;
    return lws_add_http_header_by_name(wsi, (const uint8_t *)"retry-after:", (const uint8_t *)text,
                                       (int)strlen(text), p, end)
               ? -1
               : 0;
}

/* The answer's body: a static file (the setup page), a large answer the response owns (the
 * export), or the JSON in rs->body. */
static const uint8_t *body_of(const struct keeld_response *rs, size_t *len)
{
    if (rs->ext_body != NULL) {
        *len = rs->ext_len;
        return rs->ext_body;
    }
    if (rs->owned != NULL) {
        *len = rs->owned_len;
        return (const uint8_t *)rs->owned;
    }
    *len = rs->body_len;
    return (const uint8_t *)rs->body;
}

/* The answer is done with: its owned memory wiped and freed, then all of it wiped (it may
 * hold a token or the owner's data). */
static void response_done(struct keeld_response *rs)
{
    keeld_response_release(rs);
    keel_wipe(rs, sizeof(*rs));
}

/* An exit_after answer has left keeld (or its connection is gone): stop serving. */
static void stop_after_answer(struct server *srv)
{
    if (srv->stop != NULL)
        *srv->stop = 1;
    keeld_wake();
}

static int send_headers(struct lws *wsi, const struct keeld_response *rs)
{
    uint8_t buf[LWS_PRE + 1024];
    uint8_t *start = buf + LWS_PRE;
    uint8_t *p = start;
    uint8_t *end = buf + sizeof(buf) - 1;
    unsigned code = (unsigned)rs->status | LWSAHH_FLAG_NO_SERVER_NAME;
    const char *type = rs->content_type != NULL ? rs->content_type : "application/json";
    size_t len = 0;

    (void)body_of(rs, &len);
    if (lws_add_http_common_headers(wsi, code, type, len, &p, end) ||
        lws_add_http_header_by_name(
            wsi, (const uint8_t *)"cache-control:", (const uint8_t *)"no-store", 8, &p, end))
        return -1;
    if (rs->allow != NULL &&
        lws_add_http_header_by_name(wsi, (const uint8_t *)"allow:", (const uint8_t *)rs->allow,
                                    (int)strlen(rs->allow), &p, end))
        return -1;
    if (rs->retry_after > 0 && retry_after_header(wsi, rs->retry_after, &p, end) != 0)
        return -1;
    if (rs->disposition != NULL &&
        lws_add_http_header_by_name(
            wsi, (const uint8_t *)"content-disposition:", (const uint8_t *)rs->disposition,
            (int)strlen(rs->disposition), &p, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

static int respond(struct lws *wsi, struct server *srv, struct conn *c)
{
    struct keeld_request rq = {
        .method = c->method,
        .path = c->path_too_long ? NULL : c->path,
        .client = c->client,
        .authorization = c->has_auth ? c->auth : NULL,
        .body = c->body,
        .body_len = c->body_len,
        .body_too_large = c->body_seen > c->body_cap,
    };

    if (c->answered)
        return 0;
    c->answered = 1;
    keeld_dispatch(srv->state, &rq, &c->rs);
    keel_wipe(c->body, sizeof(c->body));
    keel_wipe(c->auth, sizeof(c->auth));
    if (send_headers(wsi, &c->rs) != 0) {
        if (c->rs.exit_after)
            stop_after_answer(srv);
        response_done(&c->rs);
        return -1;
    }
    if (c->rs.body_len == 0 && c->rs.ext_body == NULL && c->rs.owned == NULL) {
        if (c->rs.exit_after) { /* a header-only answer: out once lws says it may write */
            c->exiting = 1;
            response_done(&c->rs);
            lws_callback_on_writable(wsi);
            return 0;
        }
        response_done(&c->rs);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    c->pending = 1;
    c->sent = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

/* The body in pieces of at most KEELD_RESPONSE_MAX bytes, one per LWS_CALLBACK_HTTP_WRITEABLE
 * (a file of the setup page is up to KEELD_WEB_FILE_MAX), the last one marked final. */
static int write_body(struct lws *wsi, struct server *srv, struct conn *c)
{
    size_t total = 0;
    const uint8_t *body = body_of(&c->rs, &total);
    size_t piece = total - c->sent;
    int last, n;

    if (c->exiting) {
        /* lws calls back writable only once everything it buffered is out: the answer has
         * reached the socket, and keeld may stop (the factory reset) */
        stop_after_answer(srv);
        return -1;
    }
    if (!c->pending)
        return 0;
    if (piece > KEELD_RESPONSE_MAX)
        piece = KEELD_RESPONSE_MAX;
    last = c->sent + piece == total;
    memcpy(c->out + LWS_PRE, body + c->sent, piece);
    n = lws_write(wsi, c->out + LWS_PRE, piece, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    keel_wipe(c->out, sizeof(c->out)); /* may hold a session token */
    if (n < 0 || (size_t)n != piece) {
        if (c->rs.exit_after)
            stop_after_answer(srv);
        response_done(&c->rs);
        c->pending = 0;
        return -1;
    }
    c->sent += piece;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    c->pending = 0;
    if (c->rs.exit_after) {
        c->exiting = 1;
        response_done(&c->rs);
        lws_callback_on_writable(wsi);
        return 0;
    }
    response_done(&c->rs);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Content-Length as a number; 0 when absent. -1 when unreadable. */
static long long content_length(struct lws *wsi)
{
    char text[24];
    uint64_t v = 0;

    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return 0;
    if (lws_hdr_copy(wsi, text, sizeof(text), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 ||
        keel_str_to_u64(text, 0, INT64_MAX, &v) != KEEL_OK)
        return -1;
    return (long long)v;
}

/* The peer's address as text, without the "::ffff:" of an IPv4 peer on an IPv6 socket, so
 * that one client has one record in the guard. "" when unknown (the guard then counts it in
 * a shared bucket). */
static void peer_address(struct lws *wsi, char *out, size_t outsz)
{
    static const char mapped[] = "::ffff:";
    const char *a = lws_get_peer_simple(wsi, out, outsz);

    if (a == NULL) {
        out[0] = '\0';
        return;
    }
    if (strncmp(out, mapped, sizeof(mapped) - 1) == 0 && strchr(out, '.') != NULL)
        memmove(out, out + sizeof(mapped) - 1, strlen(out) - (sizeof(mapped) - 1) + 1);
}

static int begin(struct lws *wsi, struct server *srv, struct conn *c, const char *uri)
{
    const struct keeld_route *r;
    long long clen;

    keeld_response_release(&c->rs); /* none is left here, but never leak one */
    keel_wipe(c, sizeof(*c));
    c->method = method_of(wsi);
    c->path_too_long = keel_str_copy(c->path, sizeof(c->path), uri ? uri : "") != KEEL_OK;
    c->has_auth = lws_hdr_copy(wsi, c->auth, sizeof(c->auth), WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
    peer_address(wsi, c->client, sizeof(c->client));
    r = c->path_too_long ? NULL : keeld_route_find(c->path, c->method);
    c->body_cap = r != NULL && r->max_body < sizeof(c->body) ? r->max_body : sizeof(c->body);
    clen = content_length(wsi);
    /* A body keeld cannot frame (chunked, unreadable length) or will not read to the end
     * (beyond BODY_HARD_MAX) ends the connection without an answer. */
    if (clen < 0 || clen > (long long)BODY_HARD_MAX ||
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return -1;
    if (clen > 0)
        return 0; /* the answer comes at LWS_CALLBACK_HTTP_BODY_COMPLETION */
    return respond(wsi, srv, c);
}

static int take_body(struct conn *c, const void *in, size_t len)
{
    if (len == 0 || in == NULL)
        return 0; /* an empty body arrives as a NULL chunk */
    c->body_seen += len;
    if (c->body_seen > BODY_HARD_MAX)
        return -1;
    if (c->body_seen <= c->body_cap) {
        memcpy(c->body + c->body_len, in, len);
        c->body_len += len;
    } else {
        keel_wipe(c->body, sizeof(c->body)); /* too large: nothing of it is kept */
        c->body_len = 0;
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct server *srv = lws_context_user(lws_get_context(wsi));
    struct conn *c = user;

    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* user is the vhost's server SSL_CTX: hold it to keel's policy or fail startup */
        if (keel_tls_server_policy_apply((SSL_CTX *)user) != KEEL_OK)
            return 1;
        srv->policy_applied = 1;
        return 0;
    case LWS_CALLBACK_HTTP: return begin(wsi, srv, c, in);
    case LWS_CALLBACK_HTTP_BODY: return take_body(c, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return respond(wsi, srv, c);
    case LWS_CALLBACK_HTTP_WRITEABLE: return write_body(wsi, srv, c);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c != NULL) {
            /* the client left before the reset's answer was out: keeld stops all the same */
            if (c->exiting || c->rs.exit_after)
                stop_after_answer(srv);
            response_done(&c->rs);
            keel_wipe(c, sizeof(*c));
        }
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"keeld-http", callback, sizeof(struct conn), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void quiet_log(int level, const char *line)
{
    (void)level;
    keel_log(KEEL_LOG_WARN, "lws: %s", line);
}

/* The headers on every answer, libwebsockets' own error pages too: keeld's one policy for
 * the setup page (5.12-1) and the API. Scripts, styles and requests only from the device
 * itself, no framing, no MIME sniffing, no Referer leaving the page. */
static const struct lws_protocol_vhost_options header_referrer = {
    NULL, NULL, "referrer-policy:", "no-referrer"};
static const struct lws_protocol_vhost_options header_frame = {&header_referrer, NULL,
                                                               "x-frame-options:", "DENY"};
static const struct lws_protocol_vhost_options header_nosniff = {
    &header_frame, NULL, "x-content-type-options:", "nosniff"};
static const struct lws_protocol_vhost_options headers = {
    &header_nosniff, NULL, "content-security-policy:",
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"};

static struct lws_context *create(const struct keeld_config *cfg, struct server *srv, char *cert,
                                  char *key, size_t pathsz)
{
    struct lws_context_creation_info info;

    if (keel_str_format(cert, pathsz, "%s/%s", cfg->data_dir, KEELD_CERT_FILE) != KEEL_OK ||
        keel_str_format(key, pathsz, "%s/%s", cfg->data_dir, KEELD_KEY_FILE) != KEEL_OK)
        return NULL;
    memset(&info, 0, sizeof(info));
    info.port = (int)cfg->port;
    info.iface = cfg->listen;
    info.protocols = protocols;
    info.user = srv;
    /* --listen takes an IPv4 address; with IPv6 enabled this libwebsockets binds every
     * address of the machine instead of the one given (5.6-1: only the declared interface) */
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.headers = &headers;
    info.ssl_cert_filepath = cert;
    info.ssl_private_key_filepath = key;
    info.ssl_cipher_list = keel_tls_policy_get()->tls12_ciphers;
    info.tls1_3_plus_cipher_list = keel_tls_policy_get()->tls13_ciphersuites;
    info.alpn = "http/1.1";
    info.server_string = NULL; /* no Server header anywhere, lws's own pages too (5.6-2) */
    return lws_create_context(&info);
}

struct keeld_server {
    struct server srv;
    struct lws_context *ctx;
};

int keeld_server_open(const struct keeld_config *cfg, struct keeld_state *st,
                      struct keeld_server **out)
{
    char cert[PATH_MAX_LEN];
    char key[PATH_MAX_LEN];
    struct keeld_server *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (s == NULL) {
        fprintf(stderr, "keeld: out of memory\n");
        return 1;
    }
    s->srv.state = st;
#if !KEEL_PRODUCTION
    if (cfg->verbose)
        lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO | LLL_DEBUG, NULL);
    else
#endif
        lws_set_log_level(LLL_ERR, quiet_log);
    s->ctx = create(cfg, &s->srv, cert, key, sizeof(cert));
    if (s->ctx == NULL) {
        fprintf(stderr,
                "keeld: cannot serve HTTPS on %s:%u (address in use, or bad key or "
                "certificate in %s)\n",
                cfg->listen, cfg->port, cfg->data_dir);
        free(s);
        return 1;
    }
    if (!s->srv.policy_applied) {
        /* fail closed: never serve TLS that was not held to the policy */
        fprintf(stderr, "keeld: the TLS policy was not applied to the server context\n");
        keeld_server_close(s);
        return 1;
    }
    *out = s;
    return 0;
}

int keeld_server_run(struct keeld_server *s, volatile int *stop)
{
    s->srv.stop = stop;
    running = s->ctx;
    while (!*stop) {
        if (lws_service(s->ctx, 0) < 0)
            break;
    }
    running = NULL;
    return 0;
}

void keeld_server_close(struct keeld_server *s)
{
    if (s == NULL)
        return;
    lws_context_destroy(s->ctx);
    free(s);
}
