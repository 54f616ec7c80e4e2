/* Telnet on a TCP port: a telnet server speaks first, with option negotiation (RFC 854: IAC
 * then WILL, WONT, DO, DONT or SB) or at least a login prompt, while TLS, HTTP and MQTT
 * servers wait for the client. So a port is given a short while to speak, and what it says
 * is judged by keel_audit_telnet_recognise (untrusted bytes, bounded reads). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net.h"
#include "telnet.h"

#define IAC 0xff
#define SB 0xfa
#define SE 0xf0

keel_audit_telnet_kind keel_audit_telnet_recognise(const uint8_t *b, size_t n)
{
    static const char *const prompts[] = {"login:", "username:"};
    char text[KEEL_AUDIT_TELNET_GREETING_MAX + 1];
    size_t t = 0;

    if (b == NULL || n == 0)
        return KEEL_AUDIT_TELNET_NONE;
    if (n >= 3 && b[0] == IAC && b[1] >= SB && b[1] <= 0xfe)
        return KEEL_AUDIT_TELNET_NEGOTIATION;
    for (size_t i = 0; i < n && t < sizeof(text) - 1; i++) {
        uint8_t c = b[i];

        if (c == IAC && i + 1 < n && b[i + 1] == SB) {
            /* Subnegotiation: skip to IAC SE. */
            for (i += 2; i + 1 < n && !(b[i] == IAC && b[i + 1] == SE); i++)
                ;
            i++;
            continue;
        }
        if (c == IAC && i + 1 < n) {
            i += b[i + 1] >= 0xfb ? 2 : 1;
            continue;
        }
        if (c == 0)
            return KEEL_AUDIT_TELNET_NONE;
        text[t++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    text[t] = '\0';
    if (strncmp(text, "ssh-", 4) == 0)
        return KEEL_AUDIT_TELNET_NONE;
    for (size_t k = 0; k < sizeof(prompts) / sizeof(prompts[0]); k++) {
        if (strstr(text, prompts[k]) != NULL)
            return KEEL_AUDIT_TELNET_PROMPT;
    }
    return KEEL_AUDIT_TELNET_NONE;
}

const char *keel_audit_telnet_kind_text(keel_audit_telnet_kind k)
{
    switch (k) {
    case KEEL_AUDIT_TELNET_NEGOTIATION: return "telnet option negotiation";
    case KEEL_AUDIT_TELNET_PROMPT: return "telnet login prompt";
    default: return NULL;
    }
}

typedef struct greeting {
    uint8_t bytes[KEEL_AUDIT_TELNET_GREETING_MAX];
    size_t len;
    int connected;
} greeting;

/* One readiness event of slot i; returns 1 when the slot is settled (closed). */
static int step(struct pollfd *p, greeting *g, keel_audit_telnet_kind *kind)
{
    ssize_t got;

    if (!g->connected) {
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            return 1;
        g->connected = 1;
        p->events = POLLIN;
        return 0;
    }
    got = read(p->fd, g->bytes + g->len, sizeof(g->bytes) - g->len);
    if (got <= 0)
        return got < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : 1;
    g->len += (size_t)got;
    *kind = keel_audit_telnet_recognise(g->bytes, g->len);
    return *kind != KEEL_AUDIT_TELNET_NONE || g->len == sizeof(g->bytes);
}

static void start(const struct sockaddr_storage *ss, socklen_t sslen, uint16_t port,
                  struct pollfd *p)
{
    struct sockaddr_storage a = *ss;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    p->fd = -1;
    p->events = POLLOUT;
    if (fd < 0)
        return;
    keel_audit_net_set_port(&a, port);
    if (connect(fd, (const struct sockaddr *)&a, sslen) != 0 && errno != EINPROGRESS) {
        close(fd);
        return;
    }
    p->fd = fd;
}

keel_err keel_audit_telnet_probe(const struct sockaddr_storage *ss, socklen_t sslen,
                                 const uint16_t *ports, size_t n, keel_audit_telnet_kind *kinds)
{
    struct pollfd fds[KEEL_AUDIT_TELNET_PORTS_MAX];
    greeting g[KEEL_AUDIT_TELNET_PORTS_MAX];
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_TELNET_WAIT_MS;
    size_t active = 0;

    if (ss == NULL || kinds == NULL || (ports == NULL && n > 0) || n > KEEL_AUDIT_TELNET_PORTS_MAX)
        return KEEL_ERR_ARG;
    memset(g, 0, sizeof(g));
    for (size_t i = 0; i < n; i++) {
        kinds[i] = KEEL_AUDIT_TELNET_NONE;
        start(ss, sslen, ports[i], &fds[i]);
        active += fds[i].fd >= 0;
    }
    while (active > 0) {
        long long left = deadline - keel_audit_net_now_ms();
        int rc;

        if (left <= 0)
            break;
        rc = poll(fds, (nfds_t)n, (int)left);
        if (rc < 0 && errno != EINTR)
            break;
        for (size_t i = 0; rc > 0 && i < n; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            if (step(&fds[i], &g[i], &kinds[i])) {
                close(fds[i].fd);
                fds[i].fd = -1; /* poll ignores negative descriptors */
                active--;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    }
    return KEEL_OK;
}

static int names_telnet(const char *s)
{
    for (; *s != '\0'; s++) {
        if (strncasecmp(s, "telnet", 6) == 0)
            return 1;
    }
    return 0;
}

static int seen(const uint16_t *ports, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == port)
            return 1;
    }
    return 0;
}

/* The IXIT's inbound TCP interface on port, for its name in the evidence. */
static const char *interface_id(const keel_audit_ixit *ixit, uint16_t port)
{
    const keel_audit_ixit_interface *f = keel_audit_ixit_inbound_tcp(ixit, port);

    return f != NULL ? f->id : NULL;
}

static void line(keel_audit_evidence *ev, const keel_audit_ixit *ixit, uint16_t port,
                 const char *what)
{
    const char *id = ixit != NULL ? interface_id(ixit, port) : NULL;

    if (id != NULL)
        (void)keel_audit_evidence_addf(ev,
                                       "TCP %u (IXIT interface '%s'): %s: a clear-text "
                                       "remote login",
                                       (unsigned)port, id, what);
    else
        (void)keel_audit_evidence_addf(ev,
                                       "TCP %u (the target port): %s: a clear-text remote "
                                       "login",
                                       (unsigned)port, what);
}

size_t keel_audit_telnet_declared(const struct sockaddr_storage *ss, socklen_t sslen,
                                  const keel_audit_target *t, const keel_audit_ixit *ixit,
                                  int tls_on_target, keel_audit_evidence *ev)
{
    uint16_t ports[KEEL_AUDIT_TELNET_PORTS_MAX];
    keel_audit_telnet_kind kinds[KEEL_AUDIT_TELNET_PORTS_MAX];
    size_t n = 0, found = 0, spoke = 0;

    if (ss == NULL || t == NULL || ev == NULL)
        return 0;
    for (size_t i = 0; ixit != NULL && i < ixit->interface_count; i++) {
        const keel_audit_ixit_interface *f = &ixit->interfaces[i];

        if (!f->inbound || f->udp || seen(ports, n, f->port))
            continue;
        if (names_telnet(f->protocol)) {
            line(ev, ixit, f->port, "declared as telnet in the IXIT");
            found++;
        } else if (!(tls_on_target && f->port == t->port) && n < KEEL_AUDIT_TELNET_PORTS_MAX) {
            ports[n++] = f->port;
        }
    }
    if (!tls_on_target && !seen(ports, n, t->port) && n < KEEL_AUDIT_TELNET_PORTS_MAX &&
        !(ixit != NULL && keel_audit_ixit_inbound_tcp(ixit, t->port) != NULL &&
          names_telnet(keel_audit_ixit_inbound_tcp(ixit, t->port)->protocol)))
        ports[n++] = t->port;
    if (n == 0 || keel_audit_telnet_probe(ss, sslen, ports, n, kinds) != KEEL_OK)
        return found;
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] == KEEL_AUDIT_TELNET_NONE)
            continue;
        line(ev, ixit, ports[i], keel_audit_telnet_kind_text(kinds[i]));
        spoke++;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "telnet probe of %zu declared TCP port(s) (%d ms each, "
                                   "at once): %zu speak telnet",
                                   n, KEEL_AUDIT_TELNET_WAIT_MS, spoke);
    return found + spoke;
}
