/* TS 103 701 test case 5.6-2-2 (functional): what does the device reveal before anyone logs
 * in? Three requests without a session: an unknown path, a wrong method on a known route, and
 * a route that needs a session. Their status, headers and error bodies are judged by
 * keel_audit_disclosure_judge; the TLS certificate's subject (5.5-1-2 read it) is evidence
 * only. */
#include <string.h>

#include "http.h"

#define WHAT_MAX (KEEL_AUDIT_LOGIN_PATH_MAX + 64)

static int wants_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static void ask(keel_audit_http *h, const char *method, const char *path,
                keel_audit_disclosure_probe *p)
{
    keel_audit_http_answer a;
    const char *body = wants_body(method) ? "{}" : NULL;

    if (keel_audit_http_request(h, method, path, body, body != NULL ? 2 : 0, NULL, &a) != KEEL_OK)
        a.status = 0;
    p->status = a.status;
    (void)keel_str_copy(p->server, sizeof(p->server), h->server);
    (void)keel_str_copy(p->powered_by, sizeof(p->powered_by), h->powered_by);
    (void)keel_str_copy(p->content_type, sizeof(p->content_type), h->content_type);
    /* The body may hold NULs or be cut anywhere: keep the text before the first NUL. */
    (void)keel_str_copy(p->body, sizeof(p->body), "");
    memcpy(p->body, h->body, h->body_len < sizeof(p->body) - 1 ? h->body_len : sizeof(p->body) - 1);
    p->body[h->body_len < sizeof(p->body) - 1 ? h->body_len : sizeof(p->body) - 1] = '\0';
}

/* "/keel-audit-<16 hex digits>": a path no device serves. */
static keel_err unknown_path(char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[8];
    char digits[17];
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    for (size_t i = 0; i < sizeof(raw); i++) {
        digits[2 * i] = hex[raw[i] >> 4];
        digits[2 * i + 1] = hex[raw[i] & 15];
    }
    digits[16] = '\0';
    return keel_str_format(out, outsz, "/keel-audit-%s", digits);
}

keel_err keel_audit_check_disclosure(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit, const char *login_path,
                                     const char *status_path, const keel_audit_tls_cert *cert)
{
    keel_audit_disclosure_probe p[3];
    char what[3][WHAT_MAX], unknown[64];
    const char *known_method = "POST", *known_path, *auth_method = "GET", *auth_path;
    const char *wrong;
    keel_audit_evidence ev;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    keel_audit_http h;
    keel_err ret;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    known_path = login_path != NULL ? login_path : KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    auth_path = status_path != NULL ? status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;
    if (!keel_audit_http_path_valid(known_path) || !keel_audit_http_path_valid(auth_path))
        return KEEL_ERR_ARG;
    if (ixit != NULL && ixit->route_count > 0) {
        known_method = ixit->routes[0].method;
        known_path = ixit->routes[0].path;
        for (size_t i = 0; i < ixit->route_count; i++) {
            if (!ixit->routes[i].is_public) {
                auth_method = ixit->routes[i].method;
                auth_path = ixit->routes[i].path;
                break;
            }
        }
    }
    wrong = strcmp(known_method, "GET") == 0 ? "DELETE" : "GET";
    ret = unknown_path(unknown, sizeof(unknown));
    if (ret != KEEL_OK)
        return ret;
    memset(p, 0, sizeof(p));
    (void)keel_str_format(what[0], WHAT_MAX, "GET %s (unknown path)", unknown);
    (void)keel_str_format(what[1], WHAT_MAX, "%s %s (wrong method; declared %s)", wrong, known_path,
                          known_method);
    (void)keel_str_format(what[2], WHAT_MAX, "%s %s (without a session)", auth_method, auth_path);
    for (size_t i = 0; i < 3; i++)
        p[i].what = what[i];
    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev, "requests without authentication%s",
                                   ixit != NULL && ixit->route_count > 0 ? " (routes from the IXIT)"
                                                                         : "");
    ret = keel_audit_http_open(&h, t);
    /* A fresh connection per request: a device may close one after refusing a request
     * (keeld after a 413), and each answer must be judged on its own. */
    if (ret == KEEL_OK && curl_easy_setopt(h.curl, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK)
        ret = KEEL_ERR_IO;
    if (ret == KEEL_OK) {
        ask(&h, "GET", unknown, &p[0]);
        ask(&h, wrong, known_path, &p[1]);
        ask(&h, auth_method, auth_path, &p[2]);
        v = keel_audit_disclosure_judge(p, 3, &ev);
    } else {
        (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start: %s", keel_strerror(ret));
    }
    keel_audit_http_close(&h);
    if (cert != NULL && cert->present)
        (void)keel_audit_evidence_addf(&ev, "TLS certificate subject (evidence only): %s",
                                       cert->subject);
    keel_wipe(p, sizeof(p));
    return keel_audit_record(r, "5.6-2-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
