/* TS 103 701 test case 5.6-1-2 (functional): look for network interfaces the supplier did
 * not declare. Every TCP port 1-65535 of the target's address gets a non-blocking connect;
 * a bounded window of sockets is in flight at once so that the scan is fast on a LAN
 * (about 1-2 s on loopback) without exhausting descriptors. A port that does not answer
 * within the timeout (filtered) is not open. Open TCP ports that speak telnet are named
 * (telnet_probe.c), and the UDP ports of udp.h are scanned and judged beside them. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "progress.h"
#include "telnet.h"
#include "udp.h"

#define WINDOW 256
#define CONNECT_TIMEOUT_MS 600
#define PORT_COUNT 65536

typedef struct scan {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct pollfd fds[WINDOW];
    uint16_t port[WINDOW];
    long long deadline[WINDOW];
    size_t active;
    unsigned next; /* next port to try, 1..65536 (65536: all started) */
    uint8_t open[PORT_COUNT / 8];
    size_t open_count, silent_count;
    int error; /* errno of a local failure that stopped the scan, 0 if none */
    struct keel_audit_progress *progress; /* the terminal's line: ports started so far */
} scan;

static void mark_open(scan *s, uint16_t port)
{
    s->open[port / 8] |= (uint8_t)(1u << (port % 8));
    s->open_count++;
}

static int is_open(const scan *s, unsigned port)
{
    return (s->open[port / 8] >> (port % 8)) & 1;
}

/* On loopback a connect can meet itself: when the kernel picks the probed port as the
 * ephemeral source port, TCP simultaneous open "succeeds" with no listener at all. */
static int connected_to_self(int fd, const scan *s, uint16_t port)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    uint16_t local_port;

    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return 0;
    local_port = local.ss_family == AF_INET
                     ? ntohs(((const struct sockaddr_in *)&local)->sin_port)
                     : ntohs(((const struct sockaddr_in6 *)&local)->sin6_port);
    if (local_port != port || keel_audit_net_address_text(&local, a, sizeof(a)) != KEEL_OK ||
        keel_audit_net_address_text(&s->addr, b, sizeof(b)) != KEEL_OK)
        return 0;
    return strcmp(a, b) == 0;
}

/* Start connects until the window is full; refused ports are settled at once. */
static void fill_window(scan *s)
{
    while (s->active < WINDOW && s->next < PORT_COUNT) {
        uint16_t port = (uint16_t)s->next;
        int fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0) {
            /* Out of descriptors with none in flight: nothing will free one. */
            if (s->active == 0)
                s->error = errno;
            return;
        }
        s->next++;
        keel_audit_net_set_port(&s->addr, port);
        if (connect(fd, (const struct sockaddr *)&s->addr, s->addrlen) == 0) {
            if (!connected_to_self(fd, s, port))
                mark_open(s, port);
            close(fd);
        } else if (errno == EINPROGRESS) {
            s->fds[s->active] = (struct pollfd){.fd = fd, .events = POLLOUT};
            s->port[s->active] = port;
            s->deadline[s->active] = keel_audit_net_now_ms() + CONNECT_TIMEOUT_MS;
            s->active++;
        } else {
            close(fd);
        }
    }
}

static void settle(scan *s, size_t i, int timed_out)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (timed_out)
        s->silent_count++;
    else if (getsockopt(s->fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 &&
             !connected_to_self(s->fds[i].fd, s, s->port[i]))
        mark_open(s, s->port[i]);
    close(s->fds[i].fd);
    s->active--;
    s->fds[i] = s->fds[s->active];
    s->port[i] = s->port[s->active];
    s->deadline[i] = s->deadline[s->active];
}

static void poll_window(scan *s)
{
    long long now = keel_audit_net_now_ms();
    int rc = poll(s->fds, (nfds_t)s->active, 20);

    if (rc < 0 && errno != EINTR) {
        s->error = errno;
        return;
    }
    for (size_t i = s->active; i-- > 0;) {
        if (s->fds[i].revents != 0)
            settle(s, i, 0);
        else if (now >= s->deadline[i])
            settle(s, i, 1);
    }
}

static void run_scan(scan *s)
{
    s->next = 1;
    fill_window(s);
    while (s->active > 0 && s->error == 0) {
        poll_window(s);
        fill_window(s);
        keel_audit_progress_count(s->progress, s->next - 1, PORT_COUNT - 1);
    }
    while (s->active > 0)
        settle(s, s->active - 1, 1);
}

/* The open ports in ascending order and the expected set, then the verdict. */
static keel_audit_verdict judge(const scan *s, const keel_audit_target *t,
                                const keel_audit_ixit *ixit, keel_audit_evidence *ev)
{
    uint16_t *open = calloc(s->open_count > 0 ? s->open_count : 1, sizeof(*open));
    uint16_t declared[KEEL_AUDIT_IXIT_INTERFACES_MAX];
    size_t n_open = 0, n_declared = 0;
    keel_audit_verdict v;

    if (open == NULL) {
        (void)keel_audit_evidence_addf(ev, "out of memory listing the open ports");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    for (unsigned p = 1; p < PORT_COUNT && n_open < s->open_count; p++) {
        if (is_open(s, p))
            open[n_open++] = (uint16_t)p;
    }
    if (ixit != NULL) {
        for (size_t i = 0; i < ixit->interface_count && n_declared < KEEL_AUDIT_IXIT_INTERFACES_MAX;
             i++) {
            const keel_audit_ixit_interface *f = &ixit->interfaces[i];
            int seen = 0;

            for (size_t j = 0; j < n_declared; j++)
                seen |= declared[j] == f->port;
            if (f->inbound && !f->udp && !seen)
                declared[n_declared++] = f->port;
        }
    } else {
        declared[n_declared++] = t->port;
    }
    v = keel_audit_ports_judge(open, n_open, declared, n_declared, ixit != NULL, ev);
    free(open);
    return v;
}

/* FAIL over INCONCLUSIVE over PASS. */
static keel_audit_verdict worse(keel_audit_verdict a, keel_audit_verdict b)
{
    if (a == KEEL_AUDIT_FAIL || b == KEEL_AUDIT_FAIL)
        return KEEL_AUDIT_FAIL;
    if (a == KEEL_AUDIT_INCONCLUSIVE || b == KEEL_AUDIT_INCONCLUSIVE)
        return KEEL_AUDIT_INCONCLUSIVE;
    return a;
}

/* Name the open TCP ports that speak telnet (the first KEEL_AUDIT_TELNET_PORTS_MAX, probed
 * at once): evidence only, an undeclared one already fails and a declared one fails 5.5-1-2. */
static void name_telnet(scan *s, keel_audit_evidence *ev)
{
    uint16_t ports[KEEL_AUDIT_TELNET_PORTS_MAX];
    keel_audit_telnet_kind kinds[KEEL_AUDIT_TELNET_PORTS_MAX];
    size_t n = 0;

    for (unsigned p = 1; p < PORT_COUNT && n < KEEL_AUDIT_TELNET_PORTS_MAX; p++) {
        if (is_open(s, p))
            ports[n++] = (uint16_t)p;
    }
    if (n == 0 || keel_audit_telnet_probe(&s->addr, s->addrlen, ports, n, kinds) != KEEL_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] != KEEL_AUDIT_TELNET_NONE)
            (void)keel_audit_evidence_addf(ev, "TCP %u: telnet (%s): a clear-text remote login",
                                           (unsigned)ports[i],
                                           keel_audit_telnet_kind_text(kinds[i]));
    }
}

/* The UDP half: the IXIT's inbound UDP interfaces are the declared set (none without it). */
static keel_audit_verdict scan_udp(scan *s, const keel_audit_ixit *ixit, keel_audit_evidence *ev)
{
    uint16_t declared[KEEL_AUDIT_IXIT_INTERFACES_MAX];
    uint16_t *ports = malloc(KEEL_AUDIT_UDP_PORTS_MAX * sizeof(*ports));
    char source[160];
    size_t n_declared = 0, n = 0;
    keel_audit_udp_scan u;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;

    memset(&u, 0, sizeof(u));
    for (size_t i = 0; ixit != NULL && i < ixit->interface_count; i++) {
        const keel_audit_ixit_interface *f = &ixit->interfaces[i];

        if (f->inbound && f->udp && n_declared < KEEL_AUDIT_IXIT_INTERFACES_MAX)
            declared[n_declared++] = f->port;
    }
    if (ports == NULL || keel_audit_udp_port_list(declared, n_declared, ports, &n, source,
                                                  sizeof(source)) != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "UDP scan: out of memory listing the ports");
        free(ports);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (keel_audit_udp_scan_run(&s->addr, s->addrlen, ports, n, &u) != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "UDP scan could not run: %s",
                                       u.error != 0 ? strerror(u.error) : "out of memory");
    } else {
        (void)keel_audit_evidence_addf(ev,
                                       "UDP scan of %zu ports (%s), up to %d probes each: %zu "
                                       "open, %zu closed (ICMP port unreachable), %zu "
                                       "filtered, %zu open|filtered (no answer), %lld ms",
                                       u.count, source, KEEL_AUDIT_UDP_TRIES, u.open, u.closed,
                                       u.filtered, u.silent, u.took_ms);
        if (n_declared > 0)
            (void)keel_audit_evidence_addf(ev, "declared UDP interfaces (IXIT): %zu", n_declared);
        v = u.error != 0 ? KEEL_AUDIT_INCONCLUSIVE
                         : keel_audit_udp_judge(&u, declared, n_declared, ev);
        if (u.error != 0)
            (void)keel_audit_evidence_addf(ev, "the UDP scan stopped: %s", strerror(u.error));
    }
    keel_audit_udp_scan_free(&u);
    free(ports);
    return v;
}

keel_err keel_audit_check_ports(keel_audit_report *r, const keel_audit_target *t)
{
    return keel_audit_check_ports_ixit(r, t, NULL);
}

keel_err keel_audit_check_ports_ixit(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit)
{
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    char addr[INET6_ADDRSTRLEN];
    const char *why = "";
    scan *s;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return KEEL_ERR_NOMEM;
    if (keel_audit_net_resolve(t, &s->addr, &s->addrlen, &why) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "cannot resolve %s: %s", t->host, why);
        goto record;
    }
    if (keel_audit_net_address_text(&s->addr, addr, sizeof(addr)) != KEEL_OK)
        addr[0] = '\0';
    s->progress = r->progress;
    run_scan(s);
    (void)keel_audit_evidence_addf(&ev,
                                   "TCP connect scan of ports 1-65535 on %s: %zu open, "
                                   "%zu without answer within %d ms",
                                   addr, s->open_count, s->silent_count, CONNECT_TIMEOUT_MS);
    if (s->error != 0) {
        (void)keel_audit_evidence_addf(&ev, "the scan stopped at port %u: %s", s->next,
                                       strerror(s->error));
        goto record;
    }
    verdict = judge(s, t, ixit, &ev);
    name_telnet(s, &ev);
    verdict = worse(verdict, scan_udp(s, ixit, &ev));
record:
    free(s);
    return keel_audit_record(r, "5.6-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
