/* The UDP half of TS 103 701 test case 5.6-1-2 (private to src/audit): which UDP ports to
 * probe, what to send to each, what an answer says, the scan itself and its judgement.
 *
 * UDP has no handshake: a port is "open" when something answers from it, "closed" when the
 * host answers ICMP port unreachable (ECONNREFUSED on the error queue), "filtered" when
 * another ICMP error comes back, and "open|filtered" when nothing comes back at all after
 * every retry (a service that ignores the probe, or a firewall that drops it). */
#ifndef KEEL_AUDIT_UDP_H
#define KEEL_AUDIT_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "audit.h"

/* How many of nmap-services' UDP ports (by their measured frequency) are probed. */
#define KEEL_AUDIT_UDP_TOP 1000
/* nmap-services is read only up to this size (Debian's is under 1 MiB). */
#define KEEL_AUDIT_UDP_SERVICES_MAX ((size_t)4 * 1024 * 1024)
#define KEEL_AUDIT_UDP_SERVICES_PATH "/usr/share/nmap/nmap-services"
/* The most ports one scan probes: the top list, the built-in IoT list and declared ports. */
#define KEEL_AUDIT_UDP_PORTS_MAX (KEEL_AUDIT_UDP_TOP + 64 + KEEL_AUDIT_IXIT_INTERFACES_MAX)
/* The longest probe payload. */
#define KEEL_AUDIT_UDP_PROBE_MAX 1024

/* The built-in list of well-known UDP ports of consumer IoT devices (DNS, DHCP, TFTP, NTP,
 * NetBIOS, SNMP, IKE, SSDP, WS-Discovery, mDNS, CoAP, CoAPs, BACnet, DNP3, ...), ascending;
 * probed always, and alone when nmap-services is not installed. */
extern const uint16_t keel_audit_udp_builtin_ports[];
extern const size_t keel_audit_udp_builtin_port_count;

/* The top (<= KEEL_AUDIT_UDP_TOP) UDP ports of an nmap-services text (len bytes, need not be
 * NUL-terminated): lines "name<TAB>port/udp<TAB>frequency[<TAB># comment]", '#' lines are
 * comments; lines of other protocols, or that do not parse (a port outside 1-65535, a
 * frequency that is not a number in [0, 1]), are skipped and counted in *skipped (may be
 * NULL). The ports go into out (room for max) in ascending order, ties of frequency broken
 * by the lower port; their number into *count. KEEL_ERR_TOO_LARGE past
 * KEEL_AUDIT_UDP_SERVICES_MAX bytes, KEEL_ERR_NOT_FOUND when no UDP line parses,
 * KEEL_ERR_NOMEM. */
keel_err keel_audit_udp_services_parse(const void *text, size_t len, size_t top, uint16_t *out,
                                       size_t max, size_t *count, size_t *skipped);

/* The probe for port (a protocol request where the port has a well-known one, else an empty
 * datagram) into buf (KEEL_AUDIT_UDP_PROBE_MAX bytes); returns its length (0: empty) and
 * its protocol's name into *proto ("" for the empty datagram; a static string). */
size_t keel_audit_udp_probe(uint16_t port, uint8_t buf[KEEL_AUDIT_UDP_PROBE_MAX],
                            const char **proto);

/* What an answer of len bytes (untrusted) to the probe of port is: the protocol's name when
 * it is a well-formed answer of that protocol to our request (a DNS/mDNS/NetBIOS answer
 * with our ID, an NTP server reply, an SNMP response PDU, an SSDP "HTTP/1.1 200", a CoAP
 * ACK/RST with our message ID, a TFTP DATA/ERROR, a BACnet/IP BVLC, a DTLS record, a
 * WS-Discovery SOAP envelope), else NULL (an answer nonetheless: the port is open). */
const char *keel_audit_udp_answer_kind(uint16_t port, const uint8_t *answer, size_t len);

/* The state of one probed UDP port. */
typedef enum keel_audit_udp_state {
    KEEL_AUDIT_UDP_SILENT = 0,   /* nothing came back after every retry: open|filtered */
    KEEL_AUDIT_UDP_OPEN = 1,     /* a datagram came back from the port */
    KEEL_AUDIT_UDP_CLOSED = 2,   /* ICMP port unreachable */
    KEEL_AUDIT_UDP_FILTERED = 3, /* another ICMP error (host or administratively prohibited) */
    KEEL_AUDIT_UDP_SKIPPED = 4   /* not probed: the auditor's own socket is bound to it */
} keel_audit_udp_state;

typedef struct keel_audit_udp_port {
    uint16_t port;
    uint8_t state;    /* keel_audit_udp_state */
    uint8_t tries;    /* probes sent */
    const char *kind; /* for OPEN: the protocol recognised in the answer, NULL: none */
    size_t answer_len;
} keel_audit_udp_port;

typedef struct keel_audit_udp_scan {
    keel_audit_udp_port *ports; /* count entries, ascending, owned */
    size_t count;
    size_t open, closed, filtered, silent;
    int error; /* errno of a local failure that stopped the scan, 0 if none */
    long long took_ms;
} keel_audit_udp_scan;

/* Probe the n ports (ascending, unique) of the address ss (its port is ignored) with up to
 * KEEL_AUDIT_UDP_TRIES rounds, paced so that the target's ICMP rate limit (Linux: 1000
 * messages per second, bursts of 50) does not turn closed ports into silent ones; every
 * round probes only the ports still silent, more slowly. *out is filled (free it with
 * keel_audit_udp_scan_free, also after an error). KEEL_ERR_NOMEM, KEEL_ERR_IO (out->error
 * says why) when no socket can be made. */
#define KEEL_AUDIT_UDP_TRIES 3
keel_err keel_audit_udp_scan_run(const struct sockaddr_storage *ss, socklen_t sslen,
                                 const uint16_t *ports, size_t n, keel_audit_udp_scan *out);
void keel_audit_udp_scan_free(keel_audit_udp_scan *s);

/* The UDP ports 5.6-1-2 probes: the top list of the auditor's nmap-services (or, without it,
 * the built-in list), the built-in list and the declared ones, ascending and unique, into
 * out (KEEL_AUDIT_UDP_PORTS_MAX); *source names where the top list came from. */
keel_err keel_audit_udp_port_list(const uint16_t *declared, size_t n_declared,
                                  uint16_t out[KEEL_AUDIT_UDP_PORTS_MAX], size_t *count,
                                  char *source, size_t sourcesz);

/* The verdict on the UDP ports, apart from the network: FAIL for each undeclared port that
 * answered, and for each undeclared silent port when the host answered ICMP port
 * unreachable for others (it is then listening there, or something drops only that port);
 * a silent port of a host that sent no ICMP at all is open|filtered and only reported.
 * PASS otherwise. Evidence: "open UDP ports: a,b" (or "none"), one line per port that is not
 * closed ("UDP p: open, not declared (CoAP answer)", "UDP p: open|filtered, not declared:
 * no answer to 3 probes while the host refuses other ports with ICMP"), one per declared
 * port that is closed. */
keel_audit_verdict keel_audit_udp_judge(const keel_audit_udp_scan *s, const uint16_t *declared,
                                        size_t n_declared, keel_audit_evidence *ev);

#endif /* KEEL_AUDIT_UDP_H */
