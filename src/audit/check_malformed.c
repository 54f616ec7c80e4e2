/* TS 103 701 test cases of 5.13-1B (V2.1.1: 5.13-1): a bounded campaign of malformed requests
 * against every route the IXIT declares (functional, "-2"), and the IXIT's declarations of
 * what each route takes (conceptual, "-1"). Each request is malformed in one way; the
 * requests that carry a body go to non-public routes with the owner's session, so that the
 * body is read at all; the framing faults go raw and without a session. No request is a
 * login with a wrong password: the device's guard (5.1-5) must not lock out the owner's
 * credentials that other test cases need. */
#include <stdlib.h>
#include <string.h>

#include "malformed.h"
#include "net.h"
#include "session.h"

typedef struct campaign_run {
    keel_audit_http h;
    const keel_audit_ixit *x;
    keel_audit_session s;
    char host[KEEL_AUDIT_TARGET_MAX];
    long *baseline; /* per route index: the clean GET of its path, -1 not asked yet */
    size_t sent;    /* requests sent, baselines included */
} campaign_run;

static int needs_session(const campaign_run *c, size_t route)
{
    return !c->x->routes[route].is_public;
}

static long baseline_of(campaign_run *c, size_t route)
{
    keel_audit_raw_answer a;
    char *req = NULL;
    size_t len = 0;

    if (c->baseline[route] >= 0)
        return c->baseline[route];
    c->baseline[route] = 0;
    if (keel_audit_bad_clean_get(c->x->routes[route].path, c->host, &req, &len) == KEEL_OK &&
        keel_audit_raw_exchange(c->h.base, req, len, &a) == KEEL_OK)
        c->baseline[route] = a.status;
    c->sent++;
    free(req);
    return c->baseline[route];
}

static void send_one(campaign_run *c, const keel_audit_bad_request *q, keel_audit_bad_probe *p)
{
    keel_audit_http_answer a;
    keel_audit_raw_answer raw;

    memset(p, 0, sizeof(*p));
    (void)keel_str_copy(p->method, sizeof(p->method), q->method);
    p->path = c->x->routes[q->route].path;
    p->kind = q->kind;
    p->framing = q->framing;
    p->may_close = q->may_close;
    if (q->framing) {
        p->baseline = baseline_of(c, q->route);
        if (keel_audit_raw_exchange(c->h.base, q->data, q->len, &raw) != KEEL_OK)
            raw.status = 0;
        p->status = raw.status;
        if (raw.status >= 400 && raw.status <= 499)
            keel_audit_error_shape(raw.content_type, raw.body, raw.body_len, p->shape,
                                   sizeof(p->shape));
    } else {
        const char *token = needs_session(c, q->route) && c->s.open ? c->s.token : NULL;
        if (keel_audit_http_request(&c->h, q->method, p->path,
                                    q->has_body ? (q->data != NULL ? q->data : "") : NULL,
                                    q->has_body ? q->len : 0, token, &a) != KEEL_OK)
            a.status = 0;
        p->status = a.status;
        if (a.status >= 400 && a.status <= 499)
            keel_audit_error_shape(c->h.content_type, c->h.body, c->h.body_len, p->shape,
                                   sizeof(p->shape));
    }
    c->sent++;
}

/* Routes that take a body but need a session the audit does not have. */
static size_t unreached(const campaign_run *c)
{
    size_t n = 0;

    for (size_t i = 0; i < c->x->route_count; i++) {
        const keel_audit_ixit_route *r = &c->x->routes[i];
        int body = strcmp(r->method, "GET") != 0 && strcmp(r->method, "DELETE") != 0 &&
                   !(r->has_max_body && r->max_body == 0);
        n += body && needs_session(c, i) && !c->s.open;
    }
    return n;
}

static size_t run_plan(campaign_run *c, const keel_audit_bad_request *q, size_t n,
                       keel_audit_bad_probe *p, int *cut_short)
{
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_MALFORMED_TIME_MS;
    size_t done = 0;

    *cut_short = 0;
    for (; done < n; done++) {
        if (c->sent >= KEEL_AUDIT_MALFORMED_REQUESTS_MAX || keel_audit_net_now_ms() > deadline) {
            *cut_short = 1;
            break;
        }
        send_one(c, &q[done], &p[done]);
    }
    return done;
}

static keel_audit_verdict campaign(campaign_run *c, const char *login_path, const char *status_path,
                                   const char *password, keel_audit_evidence *ev)
{
    keel_audit_bad_request *plan = NULL;
    keel_audit_bad_probe *probes = NULL;
    keel_audit_campaign k = {.status_path = status_path};
    keel_audit_http_answer a;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    size_t n = 0, skipped = 0, done;

    if (keel_audit_bad_plan(c->x, c->host, &plan, &n, &skipped) != KEEL_OK ||
        (probes = calloc(n > 0 ? n : 1, sizeof(*probes))) == NULL ||
        (c->baseline = malloc(c->x->route_count * sizeof(*c->baseline))) == NULL) {
        (void)keel_audit_evidence_addf(ev, "out of memory planning the campaign");
        goto out;
    }
    for (size_t i = 0; i < c->x->route_count; i++)
        c->baseline[i] = -1;
    if (password != NULL && !keel_audit_session_open(&c->h, login_path, password, &c->s))
        (void)keel_audit_evidence_addf(ev,
                                       "the given password was not accepted (%s %ld): "
                                       "routes needing a session were asked without one",
                                       c->s.status ? "HTTP" : "no answer", c->s.status);
    (void)keel_audit_evidence_addf(
        ev,
        "%zu routes from the IXIT, %s; %zu route(s) with a secret "
        "member left without the unknown-member case",
        c->x->route_count,
        c->s.open ? "non-public ones with the owner's session" : "without a session", skipped);
    done = run_plan(c, plan, n, probes, &k.cut_short);
    k.planned = n;
    k.unreached = unreached(c);
    if (keel_audit_http_get(&c->h, status_path, c->s.open ? c->s.token : NULL, &a) != KEEL_OK)
        a.status = 0;
    k.status_after = a.status;
    v = keel_audit_malformed_judge(probes, done, &k, ev);
out:
    if (c->s.open) {
        long st = keel_audit_session_close(&c->h, &c->s);
        if (st < 200 || st > 299)
            (void)keel_audit_evidence_addf(ev,
                                           "logout: %s %ld; the session stays open until it "
                                           "expires",
                                           st ? "HTTP" : "no answer", st);
    }
    free(c->baseline);
    c->baseline = NULL;
    free(probes);
    keel_audit_bad_plan_free(plan, n);
    return v;
}

keel_err keel_audit_check_malformed(keel_audit_report *r, const keel_audit_target *t,
                                    const keel_audit_ixit *ixit, const char *login_path,
                                    const char *status_path, const char *password)
{
    int v2 = r != NULL && r->version == KEEL_EN303645_V2_1_1;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    keel_audit_evidence ev;
    campaign_run c;
    keel_err ret;

    status_path = status_path != NULL ? status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;
    if (r == NULL || t == NULL || !keel_audit_http_path_valid(status_path) ||
        (login_path != NULL && !keel_audit_http_path_valid(login_path)))
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    v = keel_audit_declared_input_judge(ixit, &ev);
    ret = keel_audit_record(r, v2 ? "5.13-1-1" : "5.13-1B-1", KEEL_AUDIT_CONCEPTUAL, v, &ev);
    if (ret != KEEL_OK)
        return ret;
    keel_audit_evidence_init(&ev);
    v = KEEL_AUDIT_INCONCLUSIVE;
    memset(&c, 0, sizeof(c));
    c.x = ixit;
    if (ixit == NULL || ixit->route_count == 0) {
        (void)keel_audit_evidence_addf(&ev, "no IXIT routes: nothing to send malformed input to");
    } else if (keel_audit_target_format(t, c.host, sizeof(c.host)) != KEEL_OK ||
               keel_audit_http_open(&c.h, t) != KEEL_OK ||
               curl_easy_setopt(c.h.curl, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK) {
        (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start");
    } else {
        /* A fresh connection per request: a device may close one after refusing a request. */
        v = campaign(&c, login_path, status_path, password, &ev);
    }
    keel_audit_http_close(&c.h);
    keel_wipe(&c, sizeof(c));
    return keel_audit_record(r, v2 ? "5.13-1-2" : "5.13-1B-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
