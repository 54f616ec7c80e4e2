/* TS 103 701 test cases 5.5-4-2 and 5.5-5-2 (functional): every route the IXIT declares as
 * needing authentication (5.5-4-2), and every security-relevant one (5.5-5-2), is asked
 * twice: without an Authorization header and with a random bearer token that no session
 * ever had. The verdicts are keel_audit_access_judge's. */
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* A random 32-hex-digit token: a device that accepts it accepts any token. */
static keel_err bogus_token(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[16];
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
    return KEEL_OK;
}

static int wants_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* Probe the selected routes (non-public, or security-relevant) into p (2 per route). */
static size_t probe_routes(keel_audit_http *h, const keel_audit_ixit *x, int security_relevant,
                           const char *token, keel_audit_access_probe *p, keel_audit_evidence *ev)
{
    size_t n = 0;

    for (size_t i = 0; i < x->route_count; i++) {
        const keel_audit_ixit_route *r = &x->routes[i];

        if (security_relevant ? !r->security_relevant : r->is_public)
            continue;
        for (int tok = 0; tok < 2; tok++) {
            keel_audit_http_answer a;
            const char *body = wants_body(r->method) ? "{}" : NULL;

            if (keel_audit_http_request(h, r->method, r->path, body, body ? 2 : 0,
                                        tok ? token : NULL, &a) != KEEL_OK)
                a.status = 0;
            /* A device may refuse the body before it looks at the session (keeld's logout
             * takes none: 413): ask once more without one. */
            if (body != NULL && a.status >= 400 && a.status < 500 && a.status != 401 &&
                a.status != 403 && a.status != 404 && a.status != 405) {
                (void)keel_audit_evidence_addf(
                    ev,
                    "%s %s %s: HTTP %ld to the body {}, asked "
                    "again without a body",
                    r->method, r->path, tok ? "with a bogus bearer token" : "without a session",
                    a.status);
                if (keel_audit_http_request(h, r->method, r->path, NULL, 0, tok ? token : NULL,
                                            &a) != KEEL_OK)
                    a.status = 0;
            }
            p[n++] = (keel_audit_access_probe){.route = r, .with_token = tok, .status = a.status};
            (void)keel_audit_evidence_addf(ev, "%s %s %s: HTTP %ld", r->method, r->path,
                                           tok ? "with a bogus bearer token" : "without a session",
                                           a.status);
        }
    }
    return n;
}

static keel_err run_one(keel_audit_report *r, const keel_audit_target *t, const keel_audit_ixit *x,
                        int security_relevant, const char *token)
{
    const char *id = security_relevant ? "5.5-5-2" : "5.5-4-2";
    keel_audit_access_probe *p = NULL;
    keel_audit_evidence ev;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    keel_audit_http h;
    size_t n = 0;
    keel_err ret;

    keel_audit_evidence_init(&ev);
    if (x == NULL || x->route_count == 0) {
        (void)keel_audit_evidence_addf(&ev, "no IXIT routes");
        return keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, v, &ev);
    }
    (void)keel_audit_evidence_addf(&ev,
                                   "%s route of the IXIT asked without a session and with "
                                   "a random bearer token; 401 or 403 expected",
                                   security_relevant ? "every security-relevant"
                                                     : "every non-public");
    p = calloc(2 * x->route_count, sizeof(*p));
    if (p == NULL) {
        keel_audit_evidence_free(&ev);
        return KEEL_ERR_NOMEM;
    }
    ret = keel_audit_http_open(&h, t);
    /* A fresh connection per request: a device may close one after refusing a request
     * (keeld after a 413), and each answer must be judged on its own. */
    if (ret == KEEL_OK && curl_easy_setopt(h.curl, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK)
        ret = KEEL_ERR_IO;
    if (ret == KEEL_OK) {
        n = probe_routes(&h, x, security_relevant, token, p, &ev);
        v = keel_audit_access_judge(p, n, security_relevant, x, &ev);
    } else {
        (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start: %s", keel_strerror(ret));
    }
    keel_audit_http_close(&h);
    free(p);
    return keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, v, &ev);
}

keel_err keel_audit_check_access(keel_audit_report *r, const keel_audit_target *t,
                                 const keel_audit_ixit *ixit)
{
    char token[33];
    keel_err ret;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    ret = bogus_token(token);
    if (ret == KEEL_OK)
        ret = run_one(r, t, ixit, 0, token);
    if (ret == KEEL_OK)
        ret = run_one(r, t, ixit, 1, token);
    keel_wipe(token, sizeof(token));
    return ret;
}
