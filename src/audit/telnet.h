/* Telnet recognised on TCP ports (private to src/audit): 5.6-1-2 names an open port that
 * speaks telnet, and 5.5-1-2 fails a declared interface that is telnet (a clear-text remote
 * login: EN 303 645 5.5-1 asks for best practice cryptography on every communication). */
#ifndef KEEL_AUDIT_TELNET_H
#define KEEL_AUDIT_TELNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "audit.h"

/* What the first bytes a TCP service sends say. */
typedef enum keel_audit_telnet_kind {
    KEEL_AUDIT_TELNET_NONE = 0,
    KEEL_AUDIT_TELNET_NEGOTIATION = 1, /* starts with IAC WILL/WONT/DO/DONT/SB (RFC 854) */
    KEEL_AUDIT_TELNET_PROMPT = 2       /* a "login:" or "username:" prompt in clear text */
} keel_audit_telnet_kind;

/* How long a port is given to speak first. */
#define KEEL_AUDIT_TELNET_WAIT_MS 400
/* At most this many bytes of a greeting are read. */
#define KEEL_AUDIT_TELNET_GREETING_MAX 512
/* At most this many ports are probed at once. */
#define KEEL_AUDIT_TELNET_PORTS_MAX 64

/* Judge the len bytes (untrusted) a service sent first: NEGOTIATION when they open with an
 * IAC command (0xff then 0xfa-0xfe and, for an option command, an option byte), PROMPT when
 * the text (IAC sequences skipped) holds "login:" or "username:" in any case and is
 * printable, else NONE. */
keel_audit_telnet_kind keel_audit_telnet_recognise(const uint8_t *bytes, size_t len);

/* "telnet option negotiation" / "telnet login prompt" / NULL for NONE. */
const char *keel_audit_telnet_kind_text(keel_audit_telnet_kind k);

/* Connect to the n (<= KEEL_AUDIT_TELNET_PORTS_MAX) TCP ports of ss at once and read what
 * each sends by itself within KEEL_AUDIT_TELNET_WAIT_MS; kinds[i] is the verdict for
 * ports[i] (NONE when it sends nothing, refuses or closes). KEEL_ERR_ARG. */
keel_err keel_audit_telnet_probe(const struct sockaddr_storage *ss, socklen_t sslen,
                                 const uint16_t *ports, size_t n, keel_audit_telnet_kind *kinds);

/* 5.5-1-2's telnet unit: every inbound TCP interface of the IXIT (ixit may be NULL) and the
 * target port (unless TLS was accepted there: tls_on_target) is probed at the address ss;
 * an interface the IXIT says is telnet counts without a probe. One evidence line per telnet
 * interface found ("TCP 2323 (IXIT interface 'console'): telnet option negotiation: a
 * clear-text remote login"), one line saying what was probed. Returns how many were found. */
size_t keel_audit_telnet_declared(const struct sockaddr_storage *ss, socklen_t sslen,
                                  const keel_audit_target *t, const keel_audit_ixit *ixit,
                                  int tls_on_target, keel_audit_evidence *ev);

#endif /* KEEL_AUDIT_TELNET_H */
