/* The UDP scan of TS 103 701 test case 5.6-1-2: one unconnected socket with IP_RECVERR
 * sends each port its probe (udp_probe.c); answers arrive as datagrams from the port, and
 * ICMP errors arrive on the socket's error queue naming the original destination, so one
 * socket settles every port. The target's ICMP rate limit (Linux: icmp_msgs_per_sec 1000,
 * bursts of 50, shared by the whole host) would make closed ports look silent if probes
 * came faster than it refills: the first round sends one probe per millisecond, and each
 * following round re-probes only the silent ports, more slowly. */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "udp.h"

/* Microseconds between probes in each round. */
static const long long round_gap_us[KEEL_AUDIT_UDP_TRIES] = {1000, 2000, 5000};
/* How long answers are awaited after the last probe of a round. */
#define LINGER_MS 250
/* A silent port is a finding only while the silent ones are this few: more silence means
 * the host limits or drops its ICMP, and silence then says nothing about a port. */
#define SILENT_JUDGED_MAX 16
/* Ports listed one per evidence line at most; the rest are counted. */
#define LINES_MAX 16
#define ANSWER_MAX 2048

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port)
                                    : ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static keel_audit_udp_port *find(keel_audit_udp_scan *s, uint16_t port)
{
    size_t lo = 0, hi = s->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->ports[mid].port == port)
            return &s->ports[mid];
        if (s->ports[mid].port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

typedef struct udp_run {
    int fd;
    struct sockaddr_storage target;
    socklen_t targetlen;
    keel_audit_udp_scan *s;
} udp_run;

/* One ICMP error of the error queue: the port it names is closed (port unreachable) or
 * filtered (any other error). 0 when the queue is empty. */
static int read_error(udp_run *u)
{
    struct sockaddr_storage name;
    uint8_t data[64];
    union {
        char buf[512];
        struct cmsghdr align;
    } ctrl;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr m = {.msg_name = &name,
                       .msg_namelen = sizeof(name),
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctrl.buf,
                       .msg_controllen = sizeof(ctrl.buf)};

    memset(&name, 0, sizeof(name));
    if (recvmsg(u->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
        return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
        const struct sock_extended_err *e;
        keel_audit_udp_port *p;

        if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
              (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
            continue;
        e = (const struct sock_extended_err *)CMSG_DATA(c);
        if (e->ee_origin != SO_EE_ORIGIN_ICMP && e->ee_origin != SO_EE_ORIGIN_ICMP6)
            continue;
        if (!same_host(&name, &u->target) || (p = find(u->s, port_of(&name))) == NULL ||
            p->state != KEEL_AUDIT_UDP_SILENT)
            continue;
        p->state = e->ee_errno == ECONNREFUSED ? KEEL_AUDIT_UDP_CLOSED : KEEL_AUDIT_UDP_FILTERED;
    }
    return 1;
}

/* One datagram: the port it came from answered. 0 when none is waiting. */
static int read_answer(udp_run *u)
{
    uint8_t buf[ANSWER_MAX];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    keel_audit_udp_port *p;
    ssize_t n;

    memset(&from, 0, sizeof(from));
    n = recvfrom(u->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (n < 0)
        /* A pending ICMP error is reported once by the next receive: go on reading. */
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : 1;
    if (!same_host(&from, &u->target) || (p = find(u->s, port_of(&from))) == NULL ||
        p->state == KEEL_AUDIT_UDP_SKIPPED)
        return 1;
    if (p->state != KEEL_AUDIT_UDP_OPEN) {
        p->state = KEEL_AUDIT_UDP_OPEN;
        p->kind = keel_audit_udp_answer_kind(p->port, buf, (size_t)n);
        p->answer_len = (size_t)n;
    }
    return 1;
}

/* Read whatever arrives until the monotonic time until_us. */
static void drain_until(udp_run *u, long long until_us)
{
    for (;;) {
        long long left = until_us - now_us();
        struct pollfd pfd = {.fd = u->fd, .events = POLLIN};
        int budget = 4096;

        while (budget-- > 0 && (read_error(u) || read_answer(u)))
            ;
        if (left <= 0)
            return;
        /* Whole milliseconds, rounded up: the pace is never faster than asked. */
        if (poll(&pfd, 1, (int)((left + 999) / 1000)) < 0 && errno != EINTR)
            return;
    }
}

static int send_probe(udp_run *u, keel_audit_udp_port *p)
{
    uint8_t buf[KEEL_AUDIT_UDP_PROBE_MAX];
    const char *proto;
    size_t len = keel_audit_udp_probe(p->port, buf, &proto);

    keel_audit_net_set_port(&u->target, p->port);
    for (int attempt = 0; attempt < 3; attempt++) {
        if (sendto(u->fd, buf, len, 0, (const struct sockaddr *)&u->target, u->targetlen) >= 0) {
            p->tries++;
            return 0;
        }
        if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH ||
            errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
            /* An earlier port's ICMP error surfaced here, or the queue is full. */
            drain_until(u, now_us() + 1000);
            continue;
        }
        u->s->error = errno;
        return -1;
    }
    p->tries++;
    return 0;
}

static size_t count_silent(const keel_audit_udp_scan *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->count; i++)
        n += s->ports[i].state == KEEL_AUDIT_UDP_SILENT;
    return n;
}

static void run_rounds(udp_run *u)
{
    for (int round = 0; round < KEEL_AUDIT_UDP_TRIES; round++) {
        long long next = now_us();

        for (size_t i = 0; i < u->s->count && u->s->error == 0; i++) {
            keel_audit_udp_port *p = &u->s->ports[i];

            if (p->state != KEEL_AUDIT_UDP_SILENT)
                continue;
            drain_until(u, next);
            if (send_probe(u, p) != 0)
                return;
            next += round_gap_us[round];
        }
        drain_until(u, now_us() + LINGER_MS * 1000LL);
        if (count_silent(u->s) == 0)
            return;
    }
}

static void tally(keel_audit_udp_scan *s)
{
    for (size_t i = 0; i < s->count; i++) {
        switch (s->ports[i].state) {
        case KEEL_AUDIT_UDP_OPEN: s->open++; break;
        case KEEL_AUDIT_UDP_CLOSED: s->closed++; break;
        case KEEL_AUDIT_UDP_FILTERED: s->filtered++; break;
        case KEEL_AUDIT_UDP_SILENT: s->silent++; break;
        default: break;
        }
    }
}

/* An unconnected socket that receives ICMP errors on its error queue, bound so that its
 * own port is known (a probe to it would answer itself on loopback). */
static int open_socket(udp_run *u, uint16_t *local_port)
{
    int on = 1, rcvbuf = 1 << 20;
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    int v6 = u->target.ss_family == AF_INET6;

    u->fd = socket(u->target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u->fd < 0)
        return -1;
    memset(&local, 0, sizeof(local));
    local.ss_family = u->target.ss_family;
    if ((v6 ? setsockopt(u->fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on))
            : setsockopt(u->fd, SOL_IP, IP_RECVERR, &on, sizeof(on))) != 0 ||
        bind(u->fd, (const struct sockaddr *)&local,
             v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) != 0 ||
        getsockname(u->fd, (struct sockaddr *)&local, &len) != 0)
        return -1;
    (void)setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    *local_port = port_of(&local);
    return 0;
}

keel_err keel_audit_udp_scan_run(const struct sockaddr_storage *ss, socklen_t sslen,
                                 const uint16_t *ports, size_t n, keel_audit_udp_scan *out)
{
    udp_run u = {.fd = -1, .targetlen = sslen, .s = out};
    uint16_t local_port = 0;
    long long start = keel_audit_net_now_ms();

    if (ss == NULL || out == NULL || (ports == NULL && n > 0) ||
        (ss->ss_family != AF_INET && ss->ss_family != AF_INET6))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    out->ports = calloc(n > 0 ? n : 1, sizeof(*out->ports));
    if (out->ports == NULL)
        return KEEL_ERR_NOMEM;
    out->count = n;
    u.target = *ss;
    for (size_t i = 0; i < n; i++)
        out->ports[i] = (keel_audit_udp_port){.port = ports[i], .state = KEEL_AUDIT_UDP_SILENT};
    /* A probe to the auditor's own port would answer itself when the target is this host:
     * take another port while the kernel's choice is on the list. */
    for (int attempt = 0; attempt < 8; attempt++) {
        if (open_socket(&u, &local_port) != 0) {
            out->error = errno;
            if (u.fd >= 0)
                close(u.fd);
            return KEEL_ERR_IO;
        }
        if (find(out, local_port) == NULL)
            break;
        if (attempt == 7) {
            find(out, local_port)->state = KEEL_AUDIT_UDP_SKIPPED;
            break;
        }
        close(u.fd);
    }
    run_rounds(&u);
    close(u.fd);
    tally(out);
    out->took_ms = keel_audit_net_now_ms() - start;
    return KEEL_OK;
}

void keel_audit_udp_scan_free(keel_audit_udp_scan *s)
{
    if (s == NULL)
        return;
    free(s->ports);
    memset(s, 0, sizeof(*s));
}

/* ---- The ports to probe ---------------------------------------------------------------- */

static int by_port(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The top list of nmap-services into out; 0 on success. */
static int read_services(uint16_t *out, size_t max, size_t *count)
{
    FILE *f = fopen(KEEL_AUDIT_UDP_SERVICES_PATH, "rbe");
    char *text;
    size_t len;
    keel_err ret;

    if (f == NULL)
        return -1;
    text = malloc(KEEL_AUDIT_UDP_SERVICES_MAX + 1);
    if (text == NULL) {
        fclose(f);
        return -1;
    }
    len = fread(text, 1, KEEL_AUDIT_UDP_SERVICES_MAX + 1, f);
    ret = ferror(f)
              ? KEEL_ERR_IO
              : keel_audit_udp_services_parse(text, len, KEEL_AUDIT_UDP_TOP, out, max, count, NULL);
    fclose(f);
    free(text);
    return ret == KEEL_OK ? 0 : -1;
}

keel_err keel_audit_udp_port_list(const uint16_t *declared, size_t n_declared,
                                  uint16_t out[KEEL_AUDIT_UDP_PORTS_MAX], size_t *count,
                                  char *source, size_t sourcesz)
{
    size_t n = 0, u = 0;

    if (out == NULL || count == NULL || source == NULL || (declared == NULL && n_declared > 0) ||
        n_declared > KEEL_AUDIT_IXIT_INTERFACES_MAX)
        return KEEL_ERR_ARG;
    if (read_services(out, KEEL_AUDIT_UDP_TOP, &n) == 0)
        (void)keel_str_format(source, sourcesz, "the top %zu UDP ports of %s and the built-in list",
                              n, KEEL_AUDIT_UDP_SERVICES_PATH);
    else
        (void)keel_str_format(source, sourcesz,
                              "the built-in list of IoT UDP ports (%s is not "
                              "readable)",
                              KEEL_AUDIT_UDP_SERVICES_PATH);
    for (size_t i = 0; i < keel_audit_udp_builtin_port_count; i++)
        out[n++] = keel_audit_udp_builtin_ports[i];
    for (size_t i = 0; i < n_declared; i++)
        out[n++] = declared[i];
    qsort(out, n, sizeof(*out), by_port);
    for (size_t i = 0; i < n; i++) {
        if (u == 0 || out[u - 1] != out[i])
            out[u++] = out[i];
    }
    *count = u;
    return KEEL_OK;
}

/* ---- The judgement --------------------------------------------------------------------- */

static int contains(const uint16_t *set, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (set[i] == port)
            return 1;
    }
    return 0;
}

static void list_open(const keel_audit_udp_scan *s, keel_audit_evidence *ev)
{
    char line[LINES_MAX * 8 + 32];
    size_t used = 0, shown = 0;

    (void)keel_str_copy(line, sizeof(line), "none");
    for (size_t i = 0; i < s->count; i++) {
        if (s->ports[i].state != KEEL_AUDIT_UDP_OPEN)
            continue;
        if (shown < LINES_MAX &&
            keel_str_format(line + used, sizeof(line) - used, "%s%u", shown > 0 ? "," : "",
                            (unsigned)s->ports[i].port) == KEEL_OK)
            used += strlen(line + used);
        shown++;
    }
    if (shown > LINES_MAX)
        (void)keel_str_format(line + used, sizeof(line) - used, " (and %zu more)",
                              shown - LINES_MAX);
    (void)keel_audit_evidence_addf(ev, "open UDP ports: %s", line);
}

static void open_line(const keel_audit_udp_port *p, int declared, keel_audit_evidence *ev)
{
    if (p->kind != NULL)
        (void)keel_audit_evidence_addf(ev, "UDP %u: open%s (%s answer)", (unsigned)p->port,
                                       declared ? " (declared)" : ", not declared", p->kind);
    else
        (void)keel_audit_evidence_addf(ev, "UDP %u: open%s (%zu-byte answer)", (unsigned)p->port,
                                       declared ? " (declared)" : ", not declared", p->answer_len);
}

keel_audit_verdict keel_audit_udp_judge(const keel_audit_udp_scan *s, const uint16_t *declared,
                                        size_t n_declared, keel_audit_evidence *ev)
{
    size_t findings = 0, lines = 0, silent_undeclared = 0;
    int icmp_reliable;

    if (s == NULL || (declared == NULL && n_declared > 0))
        return KEEL_AUDIT_INCONCLUSIVE;
    icmp_reliable = s->closed > 0 && s->silent <= SILENT_JUDGED_MAX;
    list_open(s, ev);
    for (size_t i = 0; i < s->count; i++) {
        const keel_audit_udp_port *p = &s->ports[i];
        int dec = contains(declared, n_declared, p->port);

        if (p->state == KEEL_AUDIT_UDP_OPEN) {
            findings += !dec;
            if (lines++ < LINES_MAX)
                open_line(p, dec, ev);
        } else if (p->state == KEEL_AUDIT_UDP_SILENT && !dec) {
            silent_undeclared++;
            if (icmp_reliable) {
                findings++;
                if (lines++ < LINES_MAX)
                    (void)keel_audit_evidence_addf(ev,
                                                   "UDP %u: open|filtered, not declared: no "
                                                   "answer to %u probes while the host refuses "
                                                   "other ports with ICMP",
                                                   (unsigned)p->port, (unsigned)p->tries);
            }
        } else if (p->state == KEEL_AUDIT_UDP_SILENT && lines++ < LINES_MAX) {
            (void)keel_audit_evidence_addf(ev, "UDP %u: open|filtered (declared)",
                                           (unsigned)p->port);
        } else if (dec &&
                   (p->state == KEEL_AUDIT_UDP_CLOSED || p->state == KEEL_AUDIT_UDP_FILTERED)) {
            if (lines++ < LINES_MAX)
                (void)keel_audit_evidence_addf(ev, "UDP %u: declared, %s", (unsigned)p->port,
                                               p->state == KEEL_AUDIT_UDP_CLOSED ? "closed"
                                                                                 : "filtered");
        } else if (p->state == KEEL_AUDIT_UDP_SKIPPED) {
            (void)keel_audit_evidence_addf(ev, "UDP %u: not probed (the auditor's own socket)",
                                           (unsigned)p->port);
        }
    }
    if (lines > LINES_MAX)
        (void)keel_audit_evidence_addf(ev, "%zu more UDP port lines not shown", lines - LINES_MAX);
    if (findings > 0) {
        (void)keel_audit_evidence_addf(ev, "UDP ports that are not declared: %zu", findings);
        return KEEL_AUDIT_FAIL;
    }
    if (silent_undeclared > 0) {
        (void)keel_audit_evidence_addf(
            ev,
            "%zu UDP ports open|filtered: the host %s, so silence does not tell an open port "
            "from a closed one",
            silent_undeclared,
            s->closed == 0 ? "sent no ICMP port unreachable at all"
                           : "limits or drops its ICMP port unreachable messages");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}
