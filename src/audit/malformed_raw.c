/* The raw sender of 5.13-1B-2's framing faults. An HTTP client library exists to send valid
 * requests, so it cannot send a header line without a colon or a NUL in a path: libcurl
 * makes the TLS connection (CURLOPT_CONNECT_ONLY, under the same settings as the audit's
 * client) and the bytes go as they are. What comes back is read only as far as the test
 * needs: the status line, Content-Type, and the body's first bytes for its shape. */
#include <poll.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "malformed.h"
#include "net.h"

#define CONNECT_TIMEOUT_MS 3000L
#define SILENCE_MS 3000
#define ANSWER_MAX ((size_t)16 * 1024)

static int wait_socket(CURL *c, int for_write, int ms)
{
    curl_socket_t s = CURL_SOCKET_BAD;
    struct pollfd p;

    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD)
        return 0;
    p.fd = (int)s;
    p.events = for_write ? POLLOUT : POLLIN;
    p.revents = 0;
    return poll(&p, 1, ms) > 0;
}

static int send_all(CURL *c, const char *req, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(c, req + done, len - done, &n);

        if (rc == CURLE_AGAIN) {
            if (!wait_socket(c, 1, SILENCE_MS))
                return 0;
            continue;
        }
        if (rc != CURLE_OK)
            return 0; /* the device closed mid-request: what it said may still be read */
        done += n;
    }
    return 1;
}

/* The value of header name in the header block [h, end), "" when absent. */
static void header_value(const char *h, const char *end, const char *name, char *out, size_t outsz)
{
    size_t nlen = strlen(name);

    out[0] = '\0';
    while (h < end) {
        const char *eol = memchr(h, '\n', (size_t)(end - h));
        const char *line_end = eol != NULL ? eol : end;

        if ((size_t)(line_end - h) > nlen && strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
            const char *v = h + nlen + 1;
            size_t n;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            while (line_end > v && (line_end[-1] == '\r' || line_end[-1] == ' '))
                line_end--;
            n = (size_t)(line_end - v) < outsz - 1 ? (size_t)(line_end - v) : outsz - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
        h = eol != NULL ? eol + 1 : end;
    }
}

void keel_audit_raw_parse(const char *buf, size_t len, keel_audit_raw_answer *out)
{
    const char *hdr_end;
    size_t body_at, n;

    if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' ||
        buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9')
        return;
    out->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    hdr_end = NULL;
    for (size_t i = 0; i + 3 < len && hdr_end == NULL; i++) {
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            hdr_end = buf + i;
    }
    if (hdr_end == NULL)
        return;
    header_value(buf, hdr_end, "content-type", out->content_type, sizeof(out->content_type));
    body_at = (size_t)(hdr_end - buf) + 4;
    n = len - body_at < sizeof(out->body) - 1 ? len - body_at : sizeof(out->body) - 1;
    memcpy(out->body, buf + body_at, n);
    out->body[n] = '\0';
    out->body_len = n;
}

/* 1 when buf holds a whole answer: its headers and as many body bytes as Content-Length
 * says (a device may keep the connection open after answering, Connection: close or not). */
int keel_audit_raw_complete(const char *buf, size_t len)
{
    char value[24];
    uint64_t clen = 0;

    for (size_t i = 0; i + 3 < len; i++) {
        if (memcmp(buf + i, "\r\n\r\n", 4) != 0)
            continue;
        header_value(buf, buf + i, "content-length", value, sizeof(value));
        if (value[0] == '\0' || keel_str_to_u64(value, 0, ANSWER_MAX, &clen) != KEEL_OK)
            return 0; /* read to the end, within the bound */
        return len - (i + 4) >= clen;
    }
    return 0;
}

static void receive(CURL *c, keel_audit_raw_answer *out)
{
    char buf[ANSWER_MAX];
    size_t len = 0;

    while (len < sizeof(buf) && !keel_audit_raw_complete(buf, len)) {
        size_t n = 0;
        CURLcode rc = curl_easy_recv(c, buf + len, sizeof(buf) - len, &n);

        if (rc == CURLE_AGAIN) {
            if (!wait_socket(c, 0, SILENCE_MS))
                break;
            continue;
        }
        if (rc != CURLE_OK || n == 0)
            break; /* closed (Connection: close), reset, or TLS ended */
        len += n;
    }
    keel_audit_raw_parse(buf, len, out);
}

keel_err keel_audit_raw_exchange(const char *base, const void *req, size_t len,
                                 keel_audit_raw_answer *out)
{
    CURL *c;
    int failed = 0;

    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (base == NULL || (req == NULL && len > 0))
        return KEEL_ERR_ARG;
    c = curl_easy_init();
    if (c == NULL)
        return KEEL_ERR_IO;
    /* As keel_audit_http: https only, the device's certificate not relied on (5.5 tests it). */
    failed |= curl_easy_setopt(c, CURLOPT_URL, base) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK;
    /* ALPN offers HTTP/1.1 alone: the bytes sent are HTTP/1.1, never an HTTP/2 stream. */
    failed |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    if (!failed && curl_easy_perform(c) == CURLE_OK) {
        (void)send_all(c, req, len);
        receive(c, out);
    }
    curl_easy_cleanup(c);
    return failed ? KEEL_ERR_IO : KEEL_OK;
}
