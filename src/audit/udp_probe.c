/* What 5.6-1-2 sends to a UDP port and what it makes of the answer: a datagram without a
 * request of the port's protocol draws no answer from most services, so each well-known
 * port gets a minimal request of its protocol (the same idea as nmap's payloads), and an
 * answer is named when it is a well-formed reply to that request. Answers are untrusted:
 * every read is bounded by the datagram's length. */
#include <stdlib.h>
#include <string.h>

#include "udp.h"

const uint16_t keel_audit_udp_builtin_ports[] = {
    53,   67,   68,   69,   123,   137,   138,   161,   162,   500,  514,  520,
    623,  1194, 1434, 1900, 1812,  3478,  3702,  4500,  5060,  5353, 5355, 5683,
    5684, 6666, 6667, 9999, 10001, 11211, 20000, 47808, 49152, 55555};
const size_t keel_audit_udp_builtin_port_count =
    sizeof(keel_audit_udp_builtin_ports) / sizeof(keel_audit_udp_builtin_ports[0]);

/* The ID our DNS-like requests carry ("KE"); an answer must echo it. */
#define PROBE_ID_HI 0x4b
#define PROBE_ID_LO 0x45

/* ---- nmap-services --------------------------------------------------------------------- */

typedef struct ranked {
    uint16_t port;
    double freq;
} ranked;

static int by_frequency(const void *a, const void *b)
{
    const ranked *x = a, *y = b;

    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    return (int)x->port - (int)y->port;
}

static int by_port(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* One line "name TAB port/udp TAB freq ..." (line is NUL-terminated, without its newline):
 * 1 with *port and *freq set for a UDP line, 0 for another protocol, -1 malformed. */
static int parse_line(char *line, uint16_t *port, double *freq)
{
    char *save = NULL, *name, *pp, *fq, *end;
    unsigned long p;
    double f;

    name = strtok_r(line, " \t", &save);
    pp = name != NULL ? strtok_r(NULL, " \t", &save) : NULL;
    fq = pp != NULL ? strtok_r(NULL, " \t", &save) : NULL;
    if (fq == NULL)
        return -1;
    end = strchr(pp, '/');
    if (end == NULL)
        return -1;
    if (strcmp(end + 1, "udp") != 0)
        return strcmp(end + 1, "tcp") == 0 || strcmp(end + 1, "sctp") == 0 ? 0 : -1;
    if (end == pp || end - pp > 5 || pp[0] < '0' || pp[0] > '9')
        return -1;
    p = strtoul(pp, &end, 10);
    if (*end != '/' || p < 1 || p > 65535)
        return -1;
    f = strtod(fq, &end);
    if (end == fq || *end != '\0' || !(f >= 0.0 && f <= 1.0))
        return -1;
    *port = (uint16_t)p;
    *freq = f;
    return 1;
}

/* Keep the highest frequency per port (a port may be listed twice). */
static void rank(ranked *r, size_t *n, double *best, uint16_t port, double freq)
{
    if (best[port] < 0.0) {
        r[(*n)++] = (ranked){.port = port, .freq = freq};
        best[port] = freq;
        return;
    }
    if (freq > best[port]) {
        best[port] = freq;
        for (size_t i = 0; i < *n; i++) {
            if (r[i].port == port)
                r[i].freq = freq;
        }
    }
}

static keel_err parse_all(const char *text, size_t len, ranked *r, size_t *n, double *best,
                          size_t *skipped)
{
    char line[512];
    size_t start = 0;

    for (size_t i = 0; i <= len; i++) {
        uint16_t port;
        double freq;
        size_t ll;
        int rc;

        if (i < len && text[i] != '\n')
            continue;
        ll = i - start;
        if (ll > 0 && text[start] != '#') {
            if (ll >= sizeof(line) || memchr(text + start, '\0', ll) != NULL) {
                (*skipped)++;
            } else {
                memcpy(line, text + start, ll);
                line[ll] = '\0';
                if (ll > 0 && line[ll - 1] == '\r')
                    line[ll - 1] = '\0';
                rc = parse_line(line, &port, &freq);
                if (rc < 0)
                    (*skipped)++;
                else if (rc > 0)
                    rank(r, n, best, port, freq);
            }
        }
        start = i + 1;
    }
    return KEEL_OK;
}

keel_err keel_audit_udp_services_parse(const void *text, size_t len, size_t top, uint16_t *out,
                                       size_t max, size_t *count, size_t *skipped)
{
    ranked *r;
    double *best;
    size_t n = 0, dummy = 0, take;

    if ((text == NULL && len > 0) || out == NULL || count == NULL)
        return KEEL_ERR_ARG;
    *count = 0;
    if (skipped == NULL)
        skipped = &dummy;
    *skipped = 0;
    if (len > KEEL_AUDIT_UDP_SERVICES_MAX)
        return KEEL_ERR_TOO_LARGE;
    r = malloc(65536 * sizeof(*r));
    best = malloc(65536 * sizeof(*best));
    if (r == NULL || best == NULL) {
        free(r);
        free(best);
        return KEEL_ERR_NOMEM;
    }
    for (size_t i = 0; i < 65536; i++)
        best[i] = -1.0;
    (void)parse_all(text, len, r, &n, best, skipped);
    free(best);
    if (n == 0) {
        free(r);
        return KEEL_ERR_NOT_FOUND;
    }
    qsort(r, n, sizeof(*r), by_frequency);
    take = n < top ? n : top;
    take = take < max ? take : max;
    for (size_t i = 0; i < take; i++)
        out[i] = r[i].port;
    free(r);
    qsort(out, take, sizeof(*out), by_port);
    *count = take;
    return KEEL_OK;
}

/* ---- Probes ---------------------------------------------------------------------------- */

/* A DNS query (id "KE", recursion desired) for the root's NS records. */
static const uint8_t dns_probe[] = {PROBE_ID_HI, PROBE_ID_LO, 0x01, 0x00, 0x00, 0x01,
                                    0x00,        0x00,        0x00, 0x00, 0x00, 0x00,
                                    0x00,        0x00,        0x02, 0x00, 0x01};
/* An mDNS query (legacy unicast: from a port other than 5353, so the answer comes back to us
 * with our ID) for the DNS-SD service list "_services._dns-sd._udp.local" PTR. */
static const uint8_t mdns_probe[] = {
    PROBE_ID_HI, PROBE_ID_LO, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    9,           '_',         's',  'e',  'r',  'v',  'i',  'c',  'e',  's',  7,    '_',
    'd',         'n',         's',  '-',  's',  'd',  4,    '_',  'u',  'd',  'p',  5,
    'l',         'o',         'c',  'a',  'l',  0,    0x00, 0x0c, 0x00, 0x01};
/* A NetBIOS node status request for "*" (first-level encoded: "CK" then 30 "A"). */
static const char nbstat_probe[] = "\x4b\x45\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x20"
                                   "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                   "\x00\x00\x21\x00\x01";
/* SNMPv2c get-request, community "public", sysDescr.0 (1.3.6.1.2.1.1.1.0). */
static const uint8_t snmp_probe[] = {
    0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',  'u',  'b',  'l',  'i',  'c',  0xa0, 0x1c,
    0x02, 0x04, 0x4b, 0x45, 0x45, 0x4c, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
    0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00};
/* CoAP: confirmable GET /.well-known/core, message ID "KE", no token. */
static const uint8_t coap_probe[] = {0x40, 0x01, PROBE_ID_HI, PROBE_ID_LO, 0xbb, '.', 'w',
                                     'e',  'l',  'l',         '-',         'k',  'n', 'o',
                                     'w',  'n',  0x04,        'c',         'o',  'r', 'e'};
/* BACnet/IP: BVLC original-unicast NPDU, ReadProperty of the device object's name. */
static const uint8_t bacnet_probe[] = {0x81, 0x0a, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, 0x01,
                                       0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x19, 0x4b};
/* TFTP read request of a file no device has, octet mode: DATA or ERROR comes back. */
static const uint8_t tftp_probe[] = {0x00, 0x01, 'k',  'e', 'e', 'l', '-', 'p', 'r', 'o',
                                     'b',  'e',  0x00, 'o', 'c', 't', 'e', 't', 0x00};
static const char ssdp_probe[] = "M-SEARCH * HTTP/1.1\r\n"
                                 "HOST: 239.255.255.250:1900\r\n"
                                 "MAN: \"ssdp:discover\"\r\n"
                                 "MX: 1\r\n"
                                 "ST: ssdp:all\r\n\r\n";
static const char wsd_probe[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><soap:Header>"
    "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
    "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
    "<wsa:MessageID>urn:uuid:4b45454c-0000-4000-8000-000000000001</wsa:MessageID>"
    "</soap:Header><soap:Body><wsd:Probe/></soap:Body></soap:Envelope>";

typedef struct probe_def {
    uint16_t port;
    const char *proto;
    const void *bytes;
    size_t len;
} probe_def;

#define DEF(p, name, arr)                                                                          \
    {                                                                                              \
        p, name, arr, sizeof(arr)                                                                  \
    }
#define DEF_TEXT(p, name, s)                                                                       \
    {                                                                                              \
        p, name, s, sizeof(s) - 1                                                                  \
    }

static const probe_def probes[] = {
    DEF(53, "DNS", dns_probe),
    DEF(69, "TFTP", tftp_probe),
    DEF_TEXT(137, "NetBIOS-NS", nbstat_probe),
    DEF(161, "SNMP", snmp_probe),
    DEF_TEXT(1900, "SSDP", ssdp_probe),
    DEF_TEXT(3702, "WS-Discovery", wsd_probe),
    DEF(5353, "mDNS", mdns_probe),
    DEF(5355, "LLMNR", dns_probe),
    DEF(5683, "CoAP", coap_probe),
    DEF(47808, "BACnet/IP", bacnet_probe),
};

static const probe_def *probe_for(uint16_t port)
{
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        if (probes[i].port == port)
            return &probes[i];
    }
    return NULL;
}

size_t keel_audit_udp_probe(uint16_t port, uint8_t buf[KEEL_AUDIT_UDP_PROBE_MAX],
                            const char **proto)
{
    const probe_def *p = probe_for(port);
    static const uint8_t ntp[48] = {0x23}; /* LI 0, version 4, mode 3 (client) */

    if (port == 123) {
        memcpy(buf, ntp, sizeof(ntp));
        *proto = "NTP";
        return sizeof(ntp);
    }
    if (p == NULL || p->len > KEEL_AUDIT_UDP_PROBE_MAX) {
        *proto = "";
        return 0;
    }
    memcpy(buf, p->bytes, p->len);
    *proto = p->proto;
    return p->len;
}

/* ---- Answers --------------------------------------------------------------------------- */

/* A DNS-shaped answer (DNS, mDNS, LLMNR, NetBIOS): our ID and the response bit. */
static int dns_answer(const uint8_t *a, size_t n)
{
    return n >= 12 && a[0] == PROBE_ID_HI && a[1] == PROBE_ID_LO && (a[2] & 0x80) != 0;
}

/* One BER tag and definite length at *pos: the content's length into *len, *pos past the
 * header. 0 when it does not fit in n. */
static int ber_header(const uint8_t *a, size_t n, size_t *pos, uint8_t tag, size_t *len)
{
    size_t p = *pos, l;

    if (p + 2 > n || a[p] != tag)
        return 0;
    l = a[p + 1];
    p += 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;

        if (k == 0 || k > 2 || p + k > n)
            return 0;
        l = 0;
        for (size_t i = 0; i < k; i++)
            l = (l << 8) | a[p++];
    }
    if (l > n - p)
        return 0;
    *pos = p;
    *len = l;
    return 1;
}

/* SEQUENCE { INTEGER version, OCTET STRING community, GetResponse-PDU (0xa2) ... }. */
static int snmp_answer(const uint8_t *a, size_t n)
{
    size_t pos = 0, len;

    if (!ber_header(a, n, &pos, 0x30, &len) || !ber_header(a, n, &pos, 0x02, &len) || len > 4)
        return 0;
    pos += len;
    if (!ber_header(a, n, &pos, 0x04, &len))
        return 0;
    pos += len;
    return ber_header(a, n, &pos, 0xa2, &len);
}

static int coap_answer(const uint8_t *a, size_t n)
{
    unsigned type = (a[0] >> 4) & 3, code_class = n >= 2 ? a[1] >> 5 : 0;

    if (n < 4 || (a[0] >> 6) != 1 || (a[0] & 0x0f) > 8)
        return 0;
    if (type == 2 || type == 3) /* ACK or RST: our message ID */
        return a[2] == PROBE_ID_HI && a[3] == PROBE_ID_LO;
    return code_class == 2 || code_class == 4 || code_class == 5;
}

static int starts_nocase(const uint8_t *a, size_t n, const char *s)
{
    size_t k = strlen(s);

    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = a[i];

        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)s[i])
            return 0;
    }
    return 1;
}

static int contains(const uint8_t *a, size_t n, const char *s)
{
    size_t k = strlen(s);

    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(a + i, s, k) == 0)
            return 1;
    }
    return 0;
}

/* A DTLS record: handshake (22) or alert (21), version DTLS 1.0 (fe ff) or 1.2 (fe fd). */
static int dtls_answer(const uint8_t *a, size_t n)
{
    return n >= 13 && (a[0] == 22 || a[0] == 21) && a[1] == 0xfe && (a[2] == 0xff || a[2] == 0xfd);
}

const char *keel_audit_udp_answer_kind(uint16_t port, const uint8_t *a, size_t n)
{
    if (a == NULL || n == 0)
        return NULL;
    switch (port) {
    case 53: return dns_answer(a, n) ? "DNS" : NULL;
    case 5353: return dns_answer(a, n) ? "mDNS" : NULL;
    case 5355: return dns_answer(a, n) ? "LLMNR" : NULL;
    case 137: return dns_answer(a, n) ? "NetBIOS-NS" : NULL;
    case 123: return n >= 48 && (a[0] & 7) == 4 ? "NTP" : NULL;
    case 161: return snmp_answer(a, n) ? "SNMP" : NULL;
    case 1900: return starts_nocase(a, n, "http/1.1 200") ? "SSDP" : NULL;
    case 3702: return contains(a, n, "Envelope") ? "WS-Discovery" : NULL;
    case 5683: return coap_answer(a, n) ? "CoAP" : NULL;
    case 5684: return dtls_answer(a, n) ? "DTLS" : NULL;
    case 47808:
        return n >= 4 && a[0] == 0x81 && ((size_t)a[2] << 8 | a[3]) == n ? "BACnet/IP" : NULL;
    case 69: return n >= 4 && a[0] == 0 && (a[1] == 3 || a[1] == 5) ? "TFTP" : NULL;
    default: return dtls_answer(a, n) ? "DTLS" : NULL;
    }
}
