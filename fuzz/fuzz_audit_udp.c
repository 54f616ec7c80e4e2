/* Fuzz what 5.6-1-2 and 5.5-1-2 read from the network and the auditor's system: the UDP
 * answer recognisers (the first two bytes pick the port whose protocol judges the rest), the
 * nmap-services reader and the telnet greeting recogniser. A device's answers are untrusted.
 * Properties beyond memory safety: a recognised answer names one of the probed protocols; the
 * services reader returns at most top ports, ascending and unique, each listed as "PORT/udp"
 * in the input; a telnet negotiation starts with IAC. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"
#include "udp.h"

static const char *const names[] = {"DNS",  "mDNS", "LLMNR",     "NetBIOS-NS",
                                    "NTP",  "SNMP", "SSDP",      "WS-Discovery",
                                    "CoAP", "DTLS", "BACnet/IP", "TFTP"};

static void answers(const uint8_t *data, size_t size)
{
    static const uint16_t ports[] = {53,   69,   123,  137,  161,   1900, 3702,
                                     5353, 5355, 5683, 5684, 47808, 40000};
    const char *kind;

    if (size < 1)
        return;
    kind = keel_audit_udp_answer_kind(ports[data[0] % (sizeof(ports) / sizeof(ports[0]))], data + 1,
                                      size - 1);
    if (kind == NULL)
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(kind, names[i]) == 0)
            return;
    }
    abort();
}

static int listed(const uint8_t *data, size_t size, uint16_t port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u/udp", (unsigned)port);

    for (size_t i = 0; n > 0 && (size_t)n <= size && i <= size - (size_t)n; i++) {
        if (memcmp(data + i, text, (size_t)n) == 0)
            return 1;
    }
    return 0;
}

static void services(const uint8_t *data, size_t size)
{
    uint16_t out[64];
    size_t n = 0, skipped = 0, top = size > 0 ? data[0] % 70 : 0;

    if (keel_audit_udp_services_parse(data, size, top, out, 64, &n, &skipped) != KEEL_OK)
        return;
    if (n > top || n > 64)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (out[i] == 0 || (i > 0 && out[i - 1] >= out[i]) || !listed(data, size, out[i]))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_telnet_kind k;

    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: answers(data + 1, size - 1); break;
    case 1: services(data + 1, size - 1); break;
    default:
        k = keel_audit_telnet_recognise(data + 1, size - 1);
        if (k == KEEL_AUDIT_TELNET_NEGOTIATION && (size < 4 || data[1] != 0xff))
            abort();
        if (k != KEEL_AUDIT_TELNET_NONE && k != KEEL_AUDIT_TELNET_NEGOTIATION &&
            k != KEEL_AUDIT_TELNET_PROMPT)
            abort();
        break;
    }
    return 0;
}
