/* TS 103 701 test case 5.5-1-2 (functional): does the device communicate with best-practice
 * cryptography? One handshake per protocol version, each pinned (min = max), tells which
 * versions the device accepts. TLS 1.0 and 1.1 are deprecated (RFC 8996): a device that
 * still accepts them fails. When TLS 1.2 works, three more TLS 1.2 handshakes each offer one
 * class of suites alone (static RSA key exchange, CBC, and the broken ones): a device that
 * agrees to any of them fails. The certificate of the first accepted TLS 1.2/1.3 handshake
 * is judged for its key size, validity and name (keel_audit_tls_judge).
 *
 * The probes run at security level 0 with the offered suites only, so that a refusal comes
 * from the device, never from this client. The auditor only probes and never trusts the
 * device: the peer certificate is read, not verified. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net.h"
#include "telnet.h"

#define CONNECT_TIMEOUT_MS 3000
#define IO_TIMEOUT_MS 5000

typedef keel_audit_tls_probe probe_result;
#define PROBE_ACCEPTED KEEL_AUDIT_TLS_ACCEPTED
#define PROBE_REFUSED KEEL_AUDIT_TLS_REFUSED
#define PROBE_UNREACHABLE KEEL_AUDIT_TLS_UNPROBED

typedef struct probe {
    int version;         /* TLS1_VERSION .. TLS1_3_VERSION */
    const char *name;    /* "TLS 1.0" */
    const char *ciphers; /* the suites offered below TLS 1.3 */
} probe;

#define EVERY_SUITE "ALL:@SECLEVEL=0"

static const probe probes[] = {
    {TLS1_VERSION, "TLS 1.0", EVERY_SUITE},
    {TLS1_1_VERSION, "TLS 1.1", EVERY_SUITE},
    {TLS1_2_VERSION, "TLS 1.2", EVERY_SUITE},
    {TLS1_3_VERSION, "TLS 1.3", NULL},
};

/* Indexed by keel_audit_tls_class. MAC aliases pick the CBC suites (an AEAD suite's MAC is
 * "AEAD"); a class this OpenSSL cannot offer at all is reported as not probed. */
static const probe classes[KEEL_AUDIT_TLS_CLASS_COUNT] = {
    {TLS1_2_VERSION, "TLS 1.2 without forward secrecy", "kRSA:!eNULL:!aNULL:@SECLEVEL=0"},
    {TLS1_2_VERSION, "TLS 1.2 CBC only",
     "SHA1:SHA256:SHA384:!eNULL:!aNULL:!RC4:!DES:!3DES:!EXPORT:@SECLEVEL=0"},
    {TLS1_2_VERSION, "TLS 1.2 weak suites", "eNULL:aNULL:RC4:DES:3DES:EXPORT:@SECLEVEL=0"},
};

static SSL_CTX *probe_context(const probe *p)
{
    int version = p->version;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
        (version < TLS1_3_VERSION && SSL_CTX_set_cipher_list(ctx, p->ciphers) != 1)) {
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

/* Shared by the probes of one test: the certificate of the first accepted modern
 * handshake. */
typedef struct tls_run {
    const keel_audit_target *t;
    const struct sockaddr_storage *ss;
    socklen_t sslen;
    X509 *cert;
    keel_audit_evidence *ev;
} tls_run;

static probe_result handshake(SSL_CTX *ctx, int fd, tls_run *run, const probe *p)
{
    const keel_audit_target *t = run->t;
    keel_audit_evidence *ev = run->ev;
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
            if (run->cert == NULL && p->version >= TLS1_2_VERSION)
                run->cert = SSL_get1_peer_certificate(ssl);
            (void)SSL_shutdown(ssl);
        } else {
            handshake_failure(ev, p->name, errno);
        }
    }
    SSL_free(ssl);
    return res;
}

static probe_result run_probe(tls_run *run, const probe *p)
{
    keel_audit_evidence *ev = run->ev;
    SSL_CTX *ctx = probe_context(p);
    probe_result res = PROBE_UNREACHABLE;
    int fd;

    ERR_clear_error();
    if (ctx == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: not probed (this OpenSSL cannot offer it)",
                                       p->name);
        return PROBE_UNREACHABLE;
    }
    fd = keel_audit_net_connect(run->ss, run->sslen, CONNECT_TIMEOUT_MS, IO_TIMEOUT_MS);
    if (fd < 0) {
        (void)keel_audit_evidence_addf(ev, "%s: TCP connect failed (%s)", p->name, strerror(errno));
    } else {
        res = handshake(ctx, fd, run, p);
        close(fd);
    }
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return res;
}

/* UTC text of an ASN.1 time, "?" when it cannot be read. */
static void time_text(const ASN1_TIME *a, char *out, size_t outsz)
{
    struct tm tm;

    if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1 ||
        strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)keel_str_copy(out, outsz, "?");
}

static void key_of(X509 *x, keel_audit_tls_cert *c)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    const char *type = "other";

    if (k == NULL) {
        (void)keel_str_copy(c->key_type, sizeof(c->key_type), "none");
        return;
    }
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: type = "RSA"; break;
    case EVP_PKEY_EC: type = "EC"; break;
    case EVP_PKEY_ED25519: type = "ED25519"; break;
    case EVP_PKEY_ED448: type = "ED448"; break;
    case EVP_PKEY_DSA: type = "DSA"; break;
    default: break;
    }
    (void)keel_str_copy(c->key_type, sizeof(c->key_type), type);
    c->key_bits = EVP_PKEY_get_bits(k);
}

/* The identity the certificate must carry: the DNS name the IXIT declares for the
 * interface, else the target host. */
static void expected_name(const keel_audit_target *t, const keel_audit_ixit *ixit,
                          keel_audit_tls_cert *c)
{
    const keel_audit_ixit_interface *f = keel_audit_ixit_inbound_tcp(ixit, t->port);
    unsigned char any[16];
    const char *name = t->host;

    if (f != NULL && inet_pton(AF_INET, f->address, any) != 1 &&
        inet_pton(AF_INET6, f->address, any) != 1)
        name = f->address;
    (void)keel_str_copy(c->expected, sizeof(c->expected), name);
    c->name_is_dns = inet_pton(AF_INET, name, any) != 1 && inet_pton(AF_INET6, name, any) != 1;
}

static void read_cert(X509 *x, const keel_audit_target *t, const keel_audit_ixit *ixit,
                      keel_audit_tls_cert *c, keel_audit_evidence *ev)
{
    char from[32], until[32];
    EVP_PKEY *k;

    memset(c, 0, sizeof(*c));
    if (x == NULL)
        return;
    c->present = 1;
    key_of(x, c);
    c->not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(x)) > 0;
    c->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
    k = X509_get0_pubkey(x);
    c->self_signed = X509_check_issued(x, x) == X509_V_OK && k != NULL && X509_verify(x, k) == 1;
    if (X509_NAME_oneline(X509_get_subject_name(x), c->subject, sizeof(c->subject)) == NULL)
        (void)keel_str_copy(c->subject, sizeof(c->subject), "?");
    expected_name(t, ixit, c);
    c->name_checked = 1;
    c->name_match = c->name_is_dns ? X509_check_host(x, c->expected, 0, 0, NULL) == 1
                                   : X509_check_ip_asc(x, c->expected, 0) == 1;
    time_text(X509_get0_notBefore(x), from, sizeof(from));
    time_text(X509_get0_notAfter(x), until, sizeof(until));
    (void)keel_audit_evidence_addf(ev, "certificate: subject %s, %s key %d bits, %s", c->subject,
                                   c->key_type, c->key_bits,
                                   c->self_signed ? "self-signed" : "issued by a CA");
    (void)keel_audit_evidence_addf(ev, "certificate validity: %s to %s (%s)", from, until,
                                   c->expired         ? "expired"
                                   : c->not_yet_valid ? "not yet valid"
                                                      : "current");
    (void)keel_audit_evidence_addf(ev, "certificate name: %s %s",
                                   c->name_match ? "matches" : "does not match", c->expected);
    ERR_clear_error();
}

keel_err keel_audit_check_tls(keel_audit_report *r, const keel_audit_target *t)
{
    return keel_audit_check_tls_ixit(r, t, NULL, NULL);
}

keel_err keel_audit_check_tls_ixit(keel_audit_report *r, const keel_audit_target *t,
                                   const keel_audit_ixit *ixit, keel_audit_tls_cert *cert_out)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    probe_result res[4], cls[KEEL_AUDIT_TLS_CLASS_COUNT];
    keel_audit_tls_cert cert;
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    tls_run run;
    const char *why = "";
    struct sigaction saved;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    memset(&cert, 0, sizeof(cert));
    keel_audit_evidence_init(&ev);
    keel_audit_net_sigpipe_ignore(&saved);
    if (keel_audit_net_resolve(t, &ss, &sslen, &why) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "cannot resolve %s: %s", t->host, why);
    } else {
        keel_audit_net_set_port(&ss, t->port);
        run = (tls_run){.t = t, .ss = &ss, .sslen = sslen, .cert = NULL, .ev = &ev};
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
            res[i] = run_probe(&run, &probes[i]);
        for (size_t i = 0; i < KEEL_AUDIT_TLS_CLASS_COUNT; i++)
            cls[i] = res[2] == PROBE_ACCEPTED ? run_probe(&run, &classes[i]) : PROBE_UNREACHABLE;
        read_cert(run.cert, t, ixit, &cert, &ev);
        X509_free(run.cert);
        verdict = keel_audit_tls_judge(res, cls, &cert, &ev);
        /* A declared telnet interface is a clear-text remote login beside the TLS one. */
        if (keel_audit_telnet_declared(
                &ss, sslen, t, ixit, res[2] == PROBE_ACCEPTED || res[3] == PROBE_ACCEPTED, &ev) > 0)
            verdict = KEEL_AUDIT_FAIL;
    }
    keel_audit_net_sigpipe_restore(&saved);
    if (cert_out != NULL)
        *cert_out = cert;
    return keel_audit_record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
