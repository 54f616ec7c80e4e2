/* TS 103 701 test case 5.5-1-2 (functional): does the device communicate with best-practice
 * cryptography? One handshake per protocol version, each pinned (min = max), tells which
 * versions the device accepts. TLS 1.0 and 1.1 are deprecated (RFC 8996): a device that
 * still accepts them fails.
 *
 * The legacy probes run at security level 0 with every cipher so that a refusal comes from
 * the device, never from this client. The auditor only probes and never trusts the device,
 * so the peer certificate is not verified here (5.5-1 judges protocol and ciphers; the
 * certificate is the subject of other test cases). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net.h"

#define CONNECT_TIMEOUT_MS 3000
#define IO_TIMEOUT_MS 5000

typedef enum probe_result { PROBE_ACCEPTED, PROBE_REFUSED, PROBE_UNREACHABLE } probe_result;

typedef struct probe {
    int version;      /* TLS1_VERSION .. TLS1_3_VERSION */
    const char *name; /* "TLS 1.0" */
} probe;

static const probe probes[] = {
    {TLS1_VERSION, "TLS 1.0"},
    {TLS1_1_VERSION, "TLS 1.1"},
    {TLS1_2_VERSION, "TLS 1.2"},
    {TLS1_3_VERSION, "TLS 1.3"},
};

static SSL_CTX *probe_context(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
        (version < TLS1_3_VERSION && SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The first queued OpenSSL error as text, or what the socket said. */
static void handshake_failure(keel_audit_evidence *ev, const char *name, int io_errno)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

    if (reason != NULL)
        (void)keel_audit_evidence_addf(ev, "%s: refused (%s)", name, reason);
    else if (io_errno != 0)
        (void)keel_audit_evidence_addf(ev, "%s: refused (connection: %s)", name,
                                       strerror(io_errno));
    else
        (void)keel_audit_evidence_addf(ev, "%s: refused (connection closed)", name);
}

static probe_result handshake(SSL_CTX *ctx, int fd, const keel_audit_target *t, const probe *p,
                              keel_audit_evidence *ev)
{
    struct in6_addr any;
    probe_result res = PROBE_REFUSED;
    SSL *ssl = SSL_new(ctx);
    int is_literal = t->ipv6_literal || inet_pton(AF_INET, t->host, &any) == 1;

    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
        (!is_literal && SSL_set_tlsext_host_name(ssl, t->host) != 1)) {
        (void)keel_audit_evidence_addf(ev, "%s: not probed (OpenSSL could not set up)", p->name);
        res = PROBE_UNREACHABLE;
    } else {
        errno = 0;
        if (SSL_connect(ssl) == 1) {
            (void)keel_audit_evidence_addf(ev, "%s: accepted (cipher %s)", p->name,
                                           SSL_get_cipher_name(ssl));
            res = PROBE_ACCEPTED;
            (void)SSL_shutdown(ssl);
        } else {
            handshake_failure(ev, p->name, errno);
        }
    }
    SSL_free(ssl);
    return res;
}

static probe_result run_probe(const struct sockaddr_storage *ss, socklen_t sslen,
                              const keel_audit_target *t, const probe *p, keel_audit_evidence *ev)
{
    SSL_CTX *ctx = probe_context(p->version);
    probe_result res = PROBE_UNREACHABLE;
    int fd;

    ERR_clear_error();
    if (ctx == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: not probed (this OpenSSL cannot offer it)",
                                       p->name);
        return PROBE_UNREACHABLE;
    }
    fd = keel_audit_net_connect(ss, sslen, CONNECT_TIMEOUT_MS, IO_TIMEOUT_MS);
    if (fd < 0) {
        (void)keel_audit_evidence_addf(ev, "%s: TCP connect failed (%s)", p->name, strerror(errno));
    } else {
        res = handshake(ctx, fd, t, p, ev);
        close(fd);
    }
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return res;
}

static keel_audit_verdict judge(const probe_result res[4], keel_audit_evidence *ev)
{
    int legacy = res[0] == PROBE_ACCEPTED || res[1] == PROBE_ACCEPTED;
    int modern = res[2] == PROBE_ACCEPTED || res[3] == PROBE_ACCEPTED;
    int unprobed = 0;

    for (int i = 0; i < 4; i++)
        unprobed += res[i] == PROBE_UNREACHABLE;
    if (legacy) {
        (void)keel_audit_evidence_addf(ev, "deprecated TLS versions (RFC 8996) are accepted");
        return KEEL_AUDIT_FAIL;
    }
    /* Nothing secure on the declared interface, whether it refuses TLS or does not answer:
     * the device cannot be shown to communicate securely. */
    if (!modern) {
        (void)keel_audit_evidence_addf(ev, "no TLS version is accepted");
        return KEEL_AUDIT_FAIL;
    }
    /* TLS 1.2+ works, but a legacy probe never reached the device: it may accept 1.0. */
    if (unprobed > 0) {
        (void)keel_audit_evidence_addf(ev, "not every version could be probed");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}

keel_err keel_audit_check_tls(keel_audit_report *r, const keel_audit_target *t)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    probe_result res[4];
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    const char *why = "";

    struct sigaction saved;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    keel_audit_net_sigpipe_ignore(&saved);
    if (keel_audit_net_resolve(t, &ss, &sslen, &why) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "cannot resolve %s: %s", t->host, why);
    } else {
        keel_audit_net_set_port(&ss, t->port);
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
            res[i] = run_probe(&ss, sslen, t, &probes[i], &ev);
        verdict = judge(res, &ev);
    }
    keel_audit_net_sigpipe_restore(&saved);
    return keel_audit_record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
