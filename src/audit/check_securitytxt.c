/* TS 103 701 test case 5.2-1-2 (functional): the device publishes its vulnerability
 * disclosure policy where researchers look for it, /.well-known/security.txt (RFC 9116), or
 * where the IXIT's "security_txt" says. Fetched over HTTPS without a session, parsed by
 * keel_audit_securitytxt_parse, judged by keel_audit_securitytxt_judge. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

typedef struct sink {
    char *buf; /* KEEL_AUDIT_SECTXT_MAX + 1 bytes */
    size_t len;
    int cut;
} sink;

/* The whole file up to one byte past the bound (so that a longer one is known to be cut),
 * rather than http.c's first KEEL_AUDIT_HTTP_KEEP_MAX bytes. */
static size_t take(char *data, size_t size, size_t nmemb, void *user)
{
    sink *s = user;
    size_t n = size * nmemb, room = KEEL_AUDIT_SECTXT_MAX + 1 - s->len;

    if (n > room) {
        memcpy(s->buf + s->len, data, room);
        s->len += room;
        s->cut = 1;
        return 0; /* stop the transfer: the status still counts */
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

static keel_audit_verdict fetch_and_judge(keel_audit_http *h, const char *path, sink *s,
                                          keel_audit_evidence *ev)
{
    char url[sizeof(h->base) + KEEL_AUDIT_LOGIN_PATH_MAX], why[160];
    keel_audit_sectxt_fetch f;
    keel_audit_securitytxt st;
    keel_audit_http_answer a;

    memset(&f, 0, sizeof(f));
    memset(&st, 0, sizeof(st));
    why[0] = '\0';
    (void)keel_str_format(url, sizeof(url), "%s%s", h->base, path);
    if (curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, take) != CURLE_OK ||
        curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, s) != CURLE_OK ||
        keel_audit_http_get(h, path, NULL, &a) != KEEL_OK)
        a.status = 0;
    f.url = url;
    f.status = a.status;
    f.content_type = h->content_type;
    f.cut = s->cut;
    f.parsed = KEEL_ERR_PARSE;
    f.why = why;
    if (a.status == 200 && !s->cut)
        f.parsed = keel_audit_securitytxt_parse(s->buf, s->len, &st, why, sizeof(why));
    if (a.status == 200)
        (void)keel_audit_evidence_addf(ev, "%zu%s bytes, Content-Type '%s'", s->len,
                                       s->cut ? "+" : "", h->content_type);
    return keel_audit_securitytxt_judge(&f, &st, (int64_t)time(NULL), ev);
}

keel_err keel_audit_check_securitytxt(keel_audit_report *r, const keel_audit_target *t,
                                      const keel_audit_ixit *ixit)
{
    const char *path = KEEL_AUDIT_SECURITY_TXT_PATH;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    keel_audit_evidence ev;
    keel_audit_http h;
    sink s = {NULL, 0, 0};
    keel_err ret;
    int from_ixit = ixit != NULL && ixit->security_txt[0] != '\0';

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    if (from_ixit)
        path = ixit->security_txt;
    keel_audit_evidence_init(&ev);
    s.buf = malloc(KEEL_AUDIT_SECTXT_MAX + 1);
    ret = s.buf != NULL ? keel_audit_http_open(&h, t) : KEEL_ERR_NOMEM;
    if (ret == KEEL_OK) {
        if (from_ixit)
            (void)keel_audit_evidence_addf(&ev, "path from the IXIT's security_txt");
        v = fetch_and_judge(&h, path, &s, &ev);
    } else {
        (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start: %s", keel_strerror(ret));
    }
    if (s.buf != NULL)
        keel_audit_http_close(&h);
    free(s.buf);
    return keel_audit_record(r, "5.2-1-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
