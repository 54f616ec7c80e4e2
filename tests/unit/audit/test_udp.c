/* The UDP half of 5.6-1-2 and telnet recognition (udp.h, telnet.h): the nmap-services reader,
 * the protocol probes and the recognisers of their answers, the judgement of a UDP scan, and
 * the scan and the telnet probe themselves against sockets this test binds on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "expect_line.h"
#include "telnet.h"
#include "udp.h"

/* ---- nmap-services ------------------------------------------------------------------- */

static void test_services(void **state)
{
    static const char text[] = "# comment line\n"
                               "snmp\t161/udp\t0.433467\t# Simple Net Mgmt Proto\n"
                               "http\t80/tcp\t0.484143\n"
                               "ntp\t123/udp\t0.330879\n"
                               "dup\t161/udp\t0.000100\n"
                               "bad\t0/udp\t0.5\n"
                               "bad\t70000/udp\t0.5\n"
                               "bad\t53/udp\t1.5\n"
                               "bad\t53/udp\tabc\n"
                               "bad\tnoslash\t0.1\n"
                               "short\t99/udp\n"
                               "coap\t5683/udp\t0.000100\r\n"
                               "tie\t5000/udp\t0.000100\n"
                               "tie\t4000/udp\t0.000100\n"
                               "dns\t53/udp\t0.214921";
    uint16_t out[8];
    size_t n = 0, skipped = 0;

    (void)state;
    assert_int_equal(keel_audit_udp_services_parse(text, sizeof(text) - 1, 3, out, 8, &n, &skipped),
                     KEEL_OK);
    /* Top 3 by frequency (161, 123, 53), printed ascending; the 161 duplicate kept its best. */
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 53);
    assert_int_equal(out[1], 123);
    assert_int_equal(out[2], 161);
    assert_int_equal(skipped, 6);
    /* Ties of frequency: the lower port first (4000, 5000, 5683 all at 0.0001). */
    assert_int_equal(keel_audit_udp_services_parse(text, sizeof(text) - 1, 5, out, 8, &n, NULL),
                     KEEL_OK);
    assert_int_equal(n, 5);
    assert_int_equal(out[0], 53);
    assert_int_equal(out[1], 123);
    assert_int_equal(out[2], 161);
    assert_int_equal(out[3], 4000);
    assert_int_equal(out[4], 5000);
    /* max bounds the output below top. */
    assert_int_equal(keel_audit_udp_services_parse(text, sizeof(text) - 1, 100, out, 2, &n, NULL),
                     KEEL_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 123);
    assert_int_equal(out[1], 161);
    assert_int_equal(keel_audit_udp_services_parse("http\t80/tcp\t0.4\n", 16, 10, out, 8, &n, NULL),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(
        keel_audit_udp_services_parse(text, KEEL_AUDIT_UDP_SERVICES_MAX + 1, 10, out, 8, &n, NULL),
        KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_audit_udp_services_parse(NULL, 0, 10, out, 8, &n, NULL),
                     KEEL_ERR_NOT_FOUND);
}

static void test_port_list(void **state)
{
    static uint16_t out[KEEL_AUDIT_UDP_PORTS_MAX];
    const uint16_t declared[] = {40000, 5683, 40000};
    char source[160];
    size_t n = 0;
    int has_declared = 0, has_coap = 0;

    (void)state;
    assert_int_equal(keel_audit_udp_port_list(declared, 3, out, &n, source, sizeof(source)),
                     KEEL_OK);
    assert_true(n >= keel_audit_udp_builtin_port_count);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(out[i - 1] < out[i]); /* ascending, unique */
        has_declared |= out[i] == 40000;
        has_coap |= out[i] == 5683;
    }
    assert_true(has_declared && has_coap);
    assert_non_null(strstr(source, "list"));
}

/* ---- Probes and answers ------------------------------------------------------------------ */

static void test_probes(void **state)
{
    static const uint16_t known[] = {53, 69, 123, 137, 161, 1900, 3702, 5353, 5355, 5683, 47808};
    uint8_t buf[KEEL_AUDIT_UDP_PROBE_MAX];
    const char *proto = NULL;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        n = keel_audit_udp_probe(known[i], buf, &proto);
        assert_true(n > 0 && n <= KEEL_AUDIT_UDP_PROBE_MAX);
        assert_true(strlen(proto) > 0);
    }
    assert_int_equal(keel_audit_udp_probe(20000, buf, &proto), 0);
    assert_string_equal(proto, "");
    /* The NetBIOS node status request: header, "*" encoded as 32 letters, NBSTAT IN. */
    assert_int_equal(keel_audit_udp_probe(137, buf, &proto), 12 + 1 + 32 + 1 + 4);
    assert_int_equal(buf[12], 0x20);
    assert_int_equal(buf[45], 0x00);
    assert_int_equal(buf[47], 0x21);
    /* The SNMP request's outer length covers the rest exactly. */
    n = keel_audit_udp_probe(161, buf, &proto);
    assert_int_equal(n, (size_t)buf[1] + 2);
    /* The BACnet/IP BVLC length is the datagram's. */
    n = keel_audit_udp_probe(47808, buf, &proto);
    assert_int_equal(n, (size_t)buf[3]);
}

static void test_answers(void **state)
{
    const uint8_t dns_ok[12] = {0x4b, 0x45, 0x81, 0x80};
    const uint8_t dns_wrong_id[12] = {0x00, 0x45, 0x81, 0x80};
    const uint8_t dns_query[12] = {0x4b, 0x45, 0x01, 0x00}; /* our own query echoed */
    uint8_t ntp[48] = {0x24};
    const uint8_t snmp_ok[] = {0x30, 0x0d, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',
                               'u',  'b',  'l',  'i',  'c',  0xa2, 0x00};
    const uint8_t snmp_get[] = {0x30, 0x0d, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',
                                'u',  'b',  'l',  'i',  'c',  0xa0, 0x00};
    const uint8_t snmp_long[] = {0x30, 0x82, 0xff, 0xff, 0x02};
    const uint8_t coap_ack[] = {0x60, 0x45, 0x4b, 0x45};
    const uint8_t coap_other_mid[] = {0x60, 0x45, 0x00, 0x01};
    const uint8_t coap_v2[] = {0xa0, 0x45, 0x4b, 0x45};
    const uint8_t ssdp[] = "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n";
    const uint8_t tftp_err[] = {0x00, 0x05, 0x00, 0x01, 'n', 'o', 0x00};
    const uint8_t bacnet[] = {0x81, 0x0a, 0x00, 0x06, 0x01, 0x00};
    const uint8_t bacnet_bad_len[] = {0x81, 0x0a, 0x00, 0x60, 0x01, 0x00};
    const uint8_t dtls[13] = {22, 0xfe, 0xfd};

    (void)state;
    assert_string_equal(keel_audit_udp_answer_kind(53, dns_ok, sizeof(dns_ok)), "DNS");
    assert_string_equal(keel_audit_udp_answer_kind(5353, dns_ok, sizeof(dns_ok)), "mDNS");
    assert_string_equal(keel_audit_udp_answer_kind(137, dns_ok, sizeof(dns_ok)), "NetBIOS-NS");
    assert_null(keel_audit_udp_answer_kind(53, dns_wrong_id, sizeof(dns_wrong_id)));
    assert_null(keel_audit_udp_answer_kind(53, dns_query, sizeof(dns_query)));
    assert_null(keel_audit_udp_answer_kind(53, dns_ok, 11));
    assert_string_equal(keel_audit_udp_answer_kind(123, ntp, sizeof(ntp)), "NTP");
    ntp[0] = 0x23; /* a client request is not a server's answer */
    assert_null(keel_audit_udp_answer_kind(123, ntp, sizeof(ntp)));
    assert_string_equal(keel_audit_udp_answer_kind(161, snmp_ok, sizeof(snmp_ok)), "SNMP");
    assert_null(keel_audit_udp_answer_kind(161, snmp_get, sizeof(snmp_get)));
    assert_null(keel_audit_udp_answer_kind(161, snmp_long, sizeof(snmp_long)));
    assert_null(keel_audit_udp_answer_kind(161, snmp_ok, 13));
    assert_string_equal(keel_audit_udp_answer_kind(5683, coap_ack, sizeof(coap_ack)), "CoAP");
    assert_null(keel_audit_udp_answer_kind(5683, coap_other_mid, sizeof(coap_other_mid)));
    assert_null(keel_audit_udp_answer_kind(5683, coap_v2, sizeof(coap_v2)));
    assert_string_equal(keel_audit_udp_answer_kind(1900, ssdp, sizeof(ssdp) - 1), "SSDP");
    assert_string_equal(keel_audit_udp_answer_kind(69, tftp_err, sizeof(tftp_err)), "TFTP");
    assert_string_equal(keel_audit_udp_answer_kind(47808, bacnet, sizeof(bacnet)), "BACnet/IP");
    assert_null(keel_audit_udp_answer_kind(47808, bacnet_bad_len, sizeof(bacnet_bad_len)));
    assert_string_equal(keel_audit_udp_answer_kind(5684, dtls, sizeof(dtls)), "DTLS");
    assert_string_equal(keel_audit_udp_answer_kind(40000, dtls, sizeof(dtls)), "DTLS");
    assert_null(keel_audit_udp_answer_kind(40000, ssdp, sizeof(ssdp) - 1));
    assert_null(keel_audit_udp_answer_kind(53, NULL, 0));
}

/* ---- The judgement ---------------------------------------------------------------------- */

static keel_audit_udp_scan make_scan(keel_audit_udp_port *p, size_t n)
{
    keel_audit_udp_scan s = {.ports = p, .count = n};

    for (size_t i = 0; i < n; i++) {
        s.open += p[i].state == KEEL_AUDIT_UDP_OPEN;
        s.closed += p[i].state == KEEL_AUDIT_UDP_CLOSED;
        s.filtered += p[i].state == KEEL_AUDIT_UDP_FILTERED;
        s.silent += p[i].state == KEEL_AUDIT_UDP_SILENT;
    }
    return s;
}

static void test_judge(void **state)
{
    keel_audit_udp_port p[] = {
        {.port = 53, .state = KEEL_AUDIT_UDP_CLOSED},
        {.port = 1900, .state = KEEL_AUDIT_UDP_SILENT, .tries = 3},
        {.port = 5683, .state = KEEL_AUDIT_UDP_OPEN, .kind = "CoAP", .answer_len = 4},
        {.port = 9999, .state = KEEL_AUDIT_UDP_OPEN, .answer_len = 7},
        {.port = 20000, .state = KEEL_AUDIT_UDP_CLOSED},
    };
    const uint16_t all[] = {1900, 5683, 9999}, answered[] = {5683, 9999},
                   closed[] = {53, 1900, 5683, 9999};
    keel_audit_udp_scan s = make_scan(p, 5);
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    /* Nothing declared: the answering ports and the silent one (the host sends ICMP for
     * others) are findings. */
    assert_int_equal(keel_audit_udp_judge(&s, NULL, 0, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "open UDP ports: 5683,9999");
    EXPECT_LINE(&ev, "UDP 5683: open, not declared (CoAP answer)");
    EXPECT_LINE(&ev, "UDP 9999: open, not declared (7-byte answer)");
    EXPECT_LINE(&ev, "UDP 1900: open|filtered, not declared: no answer to 3 probes while the "
                     "host refuses other ports with ICMP");
    EXPECT_LINE(&ev, "UDP ports that are not declared: 3");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_udp_judge(&s, all, 3, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "UDP 5683: open (declared) (CoAP answer)");
    EXPECT_LINE(&ev, "UDP 1900: open|filtered (declared)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_udp_judge(&s, answered, 2, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "UDP ports that are not declared: 1");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_udp_judge(&s, closed, 4, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "UDP 53: declared, closed");
    keel_audit_evidence_free(&ev);

    /* A host that sends no ICMP at all: silence says nothing, the answered port still fails. */
    p[0].state = p[4].state = KEEL_AUDIT_UDP_SILENT;
    s = make_scan(p, 5);
    assert_int_equal(keel_audit_udp_judge(&s, answered, 2, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "3 UDP ports open|filtered: the host sent no ICMP port unreachable at all, "
                     "so silence does not tell an open port from a closed one");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_udp_judge(&s, NULL, 0, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_udp_judge(NULL, NULL, 0, &ev), KEEL_AUDIT_INCONCLUSIVE);
}

static void test_judge_rate_limited(void **state)
{
    /* 40 silent ports among 60 closed ones: the host limits its ICMP; not a finding each. */
    keel_audit_udp_port p[100];
    keel_audit_udp_scan s;
    keel_audit_evidence ev;

    (void)state;
    for (size_t i = 0; i < 100; i++)
        p[i] = (keel_audit_udp_port){.port = (uint16_t)(1000 + i),
                                     .state =
                                         i % 5 < 2 ? KEEL_AUDIT_UDP_SILENT : KEEL_AUDIT_UDP_CLOSED,
                                     .tries = 3};
    s = make_scan(p, 100);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_udp_judge(&s, NULL, 0, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "open UDP ports: none");
    EXPECT_LINE(&ev, "40 UDP ports open|filtered: the host limits or drops its ICMP port "
                     "unreachable messages, so silence does not tell an open port from a "
                     "closed one");
    keel_audit_evidence_free(&ev);
    /* Many answering ports: at most 16 lines, the rest counted. */
    for (size_t i = 0; i < 100; i++)
        p[i].state = KEEL_AUDIT_UDP_OPEN;
    s = make_scan(p, 100);
    assert_int_equal(keel_audit_udp_judge(&s, NULL, 0, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "84 more UDP port lines not shown");
    EXPECT_LINE(&ev, "UDP ports that are not declared: 100");
    assert_true(ev.count < 24);
    keel_audit_evidence_free(&ev);
}

/* ---- The scan and the telnet probe on loopback -------------------------------------------- */

static int bound(int type, uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, type, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void *coap_responder(void *arg)
{
    int fd = *(int *)arg;
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (poll(&p, 1, 3000) > 0) {
        uint8_t buf[512];
        struct sockaddr_storage from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

        if (n < 0) /* the probe of a port without a protocol is an empty datagram */
            break;
        (void)sendto(fd, "hello", 5, 0, (struct sockaddr *)&from, len);
    }
    return NULL;
}

static int cmp_port(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void test_scan_loopback(void **state)
{
    uint16_t answering, silent, closed[3], ports[5];
    int fa = bound(SOCK_DGRAM, &answering), fs = bound(SOCK_DGRAM, &silent);
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    keel_audit_udp_scan s;
    pthread_t th;

    (void)state;
    for (size_t i = 0; i < 3; i++) /* ports just released: closed */
        close(bound(SOCK_DGRAM, &closed[i]));
    ports[0] = answering;
    ports[1] = silent;
    memcpy(ports + 2, closed, sizeof(closed));
    qsort(ports, 5, sizeof(ports[0]), cmp_port);
    memset(&ss, 0, sizeof(ss));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(pthread_create(&th, NULL, coap_responder, &fa), 0);
    assert_int_equal(keel_audit_udp_scan_run(&ss, sizeof(*sin), ports, 5, &s), KEEL_OK);
    pthread_cancel(th);
    pthread_join(th, NULL);
    assert_int_equal(s.count, 5);
    assert_int_equal(s.open, 1);
    assert_int_equal(s.silent, 1);
    assert_int_equal(s.closed, 3);
    for (size_t i = 0; i < 5; i++) {
        if (s.ports[i].port == answering) {
            assert_int_equal(s.ports[i].state, KEEL_AUDIT_UDP_OPEN);
            assert_int_equal(s.ports[i].answer_len, 5);
        } else if (s.ports[i].port == silent) {
            assert_int_equal(s.ports[i].state, KEEL_AUDIT_UDP_SILENT);
            assert_int_equal(s.ports[i].tries, KEEL_AUDIT_UDP_TRIES);
        } else {
            assert_int_equal(s.ports[i].state, KEEL_AUDIT_UDP_CLOSED);
        }
    }
    keel_audit_udp_scan_free(&s);
    keel_audit_udp_scan_free(NULL);
    close(fa);
    close(fs);
}

static void test_telnet_recognise(void **state)
{
    const uint8_t iac[] = {0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01};
    const uint8_t iac_short[] = {0xff, 0xfd};
    const uint8_t prompt[] = "\r\nDebian GNU/Linux 12\r\nrouter LOGIN: ";
    /* Text first, then a subnegotiation that is skipped, then the prompt. */
    const uint8_t user_prompt[] = {'\r', '\n', 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 'U',
                                   's',  'e',  'r',  'n',  'a',  'm',  'e',  ':',  ' '};
    const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2 login: \r\n";
    const uint8_t nul[] = {'a', 0, 'l', 'o', 'g', 'i', 'n', ':'};
    const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";

    (void)state;
    assert_int_equal(keel_audit_telnet_recognise(iac, sizeof(iac)), KEEL_AUDIT_TELNET_NEGOTIATION);
    assert_int_equal(keel_audit_telnet_recognise(iac_short, sizeof(iac_short)),
                     KEEL_AUDIT_TELNET_NONE);
    assert_int_equal(keel_audit_telnet_recognise(prompt, sizeof(prompt) - 1),
                     KEEL_AUDIT_TELNET_PROMPT);
    assert_int_equal(keel_audit_telnet_recognise(user_prompt, sizeof(user_prompt)),
                     KEEL_AUDIT_TELNET_PROMPT);
    assert_int_equal(keel_audit_telnet_recognise(ssh, sizeof(ssh) - 1), KEEL_AUDIT_TELNET_NONE);
    assert_int_equal(keel_audit_telnet_recognise(nul, sizeof(nul)), KEEL_AUDIT_TELNET_NONE);
    assert_int_equal(keel_audit_telnet_recognise(http, sizeof(http) - 1), KEEL_AUDIT_TELNET_NONE);
    assert_int_equal(keel_audit_telnet_recognise(NULL, 0), KEEL_AUDIT_TELNET_NONE);
    assert_string_equal(keel_audit_telnet_kind_text(KEEL_AUDIT_TELNET_NEGOTIATION),
                        "telnet option negotiation");
    assert_null(keel_audit_telnet_kind_text(KEEL_AUDIT_TELNET_NONE));
}

static void *telnet_speaker(void *arg)
{
    int fd = accept(*(int *)arg, NULL, NULL);
    static const uint8_t hello[] = {0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03};

    if (fd >= 0) {
        ssize_t sent = write(fd, hello, sizeof(hello));

        (void)sent;
        usleep(200000);
        close(fd);
    }
    return NULL;
}

static void test_telnet_probe(void **state)
{
    uint16_t ports[3];
    int speaker = bound(SOCK_STREAM, &ports[0]), quiet = bound(SOCK_STREAM, &ports[1]);
    keel_audit_telnet_kind kinds[3];
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    keel_audit_ixit ixit;
    keel_audit_ixit_interface ifs[2];
    keel_audit_target t = {.host = "127.0.0.1"};
    keel_audit_evidence ev;
    pthread_t th;
    char line[160];

    (void)state;
    close(bound(SOCK_STREAM, &ports[2])); /* nothing listens there */
    assert_int_equal(listen(speaker, 4), 0);
    assert_int_equal(listen(quiet, 4), 0);
    memset(&ss, 0, sizeof(ss));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(pthread_create(&th, NULL, telnet_speaker, &speaker), 0);
    assert_int_equal(keel_audit_telnet_probe(&ss, sizeof(*sin), ports, 3, kinds), KEEL_OK);
    pthread_join(th, NULL);
    assert_int_equal(kinds[0], KEEL_AUDIT_TELNET_NEGOTIATION);
    assert_int_equal(kinds[1], KEEL_AUDIT_TELNET_NONE);
    assert_int_equal(kinds[2], KEEL_AUDIT_TELNET_NONE);

    /* 5.5-1-2's unit: the declared interfaces, one of them telnet by its declared protocol. */
    memset(&ixit, 0, sizeof(ixit));
    memset(ifs, 0, sizeof(ifs));
    ifs[0] = (keel_audit_ixit_interface){
        .id = "api", .inbound = 1, .port = ports[1], .protocol = "HTTPS"};
    ifs[1] = (keel_audit_ixit_interface){
        .id = "console", .inbound = 1, .port = 2323, .protocol = "Telnet"};
    ixit.interfaces = ifs;
    ixit.interface_count = 2;
    t.port = ports[1];
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_telnet_declared(&ss, sizeof(*sin), &t, &ixit, 1, &ev), 1);
    EXPECT_LINE(&ev, "TCP 2323 (IXIT interface 'console'): declared as telnet in the IXIT: a "
                     "clear-text remote login");
    keel_audit_evidence_free(&ev);
    /* The speaker declared as an ordinary interface is found by its greeting. */
    ifs[1].port = ports[0];
    (void)keel_str_copy(ifs[1].protocol, sizeof(ifs[1].protocol), "management");
    assert_int_equal(pthread_create(&th, NULL, telnet_speaker, &speaker), 0);
    assert_int_equal(keel_audit_telnet_declared(&ss, sizeof(*sin), &t, &ixit, 1, &ev), 1);
    pthread_join(th, NULL);
    (void)snprintf(line, sizeof(line),
                   "TCP %u (IXIT interface 'console'): telnet option negotiation: a clear-text "
                   "remote login",
                   (unsigned)ports[0]);
    EXPECT_LINE(&ev, line);
    keel_audit_evidence_free(&ev);
    close(speaker);
    close(quiet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services),      cmocka_unit_test(test_port_list),
        cmocka_unit_test(test_probes),        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_judge),         cmocka_unit_test(test_judge_rate_limited),
        cmocka_unit_test(test_scan_loopback), cmocka_unit_test(test_telnet_recognise),
        cmocka_unit_test(test_telnet_probe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
