/* Address resolution and bounded TCP connects for the checks of keel audit. Every wait is
 * bounded: the device under test may accept and then say nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

keel_err keel_audit_net_resolve(const keel_audit_target *t, struct sockaddr_storage *ss,
                                socklen_t *sslen, const char **why)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    if (t == NULL || ss == NULL || sslen == NULL || why == NULL)
        return KEEL_ERR_ARG;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(t->host, NULL, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(*ss)) {
        *why = rc != 0 ? gai_strerror(rc) : "no usable address";
        if (res != NULL)
            freeaddrinfo(res);
        return KEEL_ERR_NOT_FOUND;
    }
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    *why = "";
    return KEEL_OK;
}

void keel_audit_net_set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

keel_err keel_audit_net_address_text(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
    const void *addr = ss->ss_family == AF_INET
                           ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
                           : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

    if (outsz > (size_t)INET6_ADDRSTRLEN)
        outsz = INET6_ADDRSTRLEN;
    if (inet_ntop(ss->ss_family, addr, out, (socklen_t)outsz) == NULL)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

long long keel_audit_net_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for a non-blocking connect to finish; 0 when connected, else -1 with errno. */
static int finish_connect(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0, rc;
    socklen_t len = sizeof(err);

    do {
        rc = poll(&p, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
        errno = ETIMEDOUT;
    if (rc <= 0)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return -1;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

static int set_io_timeouts(int fd, int io_timeout_ms)
{
    struct timeval tv = {.tv_sec = io_timeout_ms / 1000,
                         .tv_usec = (suseconds_t)(io_timeout_ms % 1000) * 1000};

    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
        return -1;
    return 0;
}

int keel_audit_net_connect(const struct sockaddr_storage *ss, socklen_t sslen, int timeout_ms,
                           int io_timeout_ms)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int saved;

    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)ss, sslen) != 0 &&
        (errno != EINPROGRESS || finish_connect(fd, timeout_ms) != 0))
        goto fail;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
        set_io_timeouts(fd, io_timeout_ms) != 0)
        goto fail;
    return fd;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

void keel_audit_net_sigpipe_ignore(struct sigaction *saved)
{
    struct sigaction ignore;

    memset(&ignore, 0, sizeof(ignore));
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, saved);
}

void keel_audit_net_sigpipe_restore(const struct sigaction *saved)
{
    sigaction(SIGPIPE, saved, NULL);
}
