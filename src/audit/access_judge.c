/* The judgements of TS 103 701 test cases 5.5-4-2 (access to device functionality via a
 * network interface only after authentication) and 5.5-5-2 (security-relevant changes only
 * after authentication), apart from the network. A route that the IXIT declares as needing
 * a session is asked without one and with a made-up bearer token: 401 and 403 are the
 * answers of a device that checks; a 2xx means the function ran without authentication and
 * a 5xx that it ran and failed inside: both FAIL. 404 and 405 mean the route as declared
 * was not reached (the IXIT and the device disagree), and a redirect or another 4xx (the
 * request was refused before the session was looked at) shows nothing either way: these
 * leave the test undecided. */
#include "audit.h"

static int refused(long status)
{
    return status == 401 || status == 403;
}

static int ran(long status)
{
    return (status >= 200 && status < 300) || status >= 500;
}

keel_audit_verdict keel_audit_access_judge(const keel_audit_access_probe *p, size_t n,
                                           int security_relevant, const keel_audit_ixit *ixit,
                                           keel_audit_evidence *ev)
{
    size_t failed = 0, undecided = 0;

    if (p == NULL && n != 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    /* 5.5-5: a security-relevant route that needs no session is a failure by declaration. */
    for (size_t i = 0; security_relevant && ixit != NULL && i < ixit->route_count; i++) {
        const keel_audit_ixit_route *r = &ixit->routes[i];

        if (r->security_relevant && r->is_public) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s %s: security-relevant and declared public (no "
                                           "authentication)",
                                           r->method, r->path);
            failed++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *how = p[i].with_token ? "with a bogus bearer token" : "without a session";

        if (p[i].route == NULL)
            continue;
        if (refused(p[i].status))
            continue;
        if (!ran(p[i].status)) {
            if (p[i].status == 0)
                (void)keel_audit_evidence_addf(ev, "%s %s %s: no answer", p[i].route->method,
                                               p[i].route->path, how);
            else
                (void)keel_audit_evidence_addf(ev, "%s %s %s: HTTP %ld (%s)", p[i].route->method,
                                               p[i].route->path, how, p[i].status,
                                               p[i].status == 404 || p[i].status == 405
                                                   ? "the declared route was not reached"
                                                   : "neither refused for lack of "
                                                     "authentication nor run");
            undecided++;
            continue;
        }
        (void)keel_audit_evidence_addf(ev, "%s %s %s: HTTP %ld, not refused (401/403)",
                                       p[i].route->method, p[i].route->path, how, p[i].status);
        failed++;
    }
    if (failed > 0) {
        (void)keel_audit_evidence_addf(ev, "%zu answer(s) without authentication", failed);
        return KEEL_AUDIT_FAIL;
    }
    if (n == 0) {
        (void)keel_audit_evidence_addf(ev, "no IXIT route to test");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (undecided > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "every request was refused with 401 or 403");
    return KEEL_AUDIT_PASS;
}
