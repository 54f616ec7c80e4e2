/* Sockets shared by the network checks of keel audit (private to src/audit). */
#ifndef KEEL_AUDIT_NET_H
#define KEEL_AUDIT_NET_H

#include <signal.h>
#include <sys/socket.h>

#include "audit.h"

/* The first address getaddrinfo gives for t->host (port not set). KEEL_ERR_NOT_FOUND when
 * the name does not resolve; *why then holds gai_strerror's static text. */
keel_err keel_audit_net_resolve(const keel_audit_target *t, struct sockaddr_storage *ss,
                                socklen_t *sslen, const char **why);

/* Set the port of an IPv4 or IPv6 address. */
void keel_audit_net_set_port(struct sockaddr_storage *ss, uint16_t port);

/* The numeric text of an address (without port) into out. */
keel_err keel_audit_net_address_text(const struct sockaddr_storage *ss, char *out, size_t outsz);

/* A blocking TCP socket connected to ss within timeout_ms, with send and receive timeouts
 * of io_timeout_ms so that a silent device cannot stall the audit. -1 with errno set on
 * failure (ETIMEDOUT when the connect timed out). */
int keel_audit_net_connect(const struct sockaddr_storage *ss, socklen_t sslen, int timeout_ms,
                           int io_timeout_ms);

/* Ignore SIGPIPE until keel_audit_net_sigpipe_restore(saved): a device that closes its
 * end mid-exchange must not kill the auditor. */
void keel_audit_net_sigpipe_ignore(struct sigaction *saved);
void keel_audit_net_sigpipe_restore(const struct sigaction *saved);

/* Monotonic milliseconds. */
long long keel_audit_net_now_ms(void);

#endif /* KEEL_AUDIT_NET_H */
