/* TS 103 701 test case 5.4-1-2 (functional): sensitive security parameters in persistent
 * storage are kept securely. Nothing on the network shows where a device keeps its keys,
 * so the audit asks the device: it logs in with the password the assessor was given and
 * reads "root_of_trust" from the authenticated status route, then logs out so that no
 * session of the audit is left open on the device. */
#include <string.h>

#include "http.h"
#include "net.h"

#define TOKEN_MAX 512

typedef struct rot_probe {
    keel_audit_http h;
    const char *login_path;
    const char *status_path;
    keel_audit_evidence *ev;
    char token[TOKEN_MAX];
} rot_probe;

/* Log in; 1 with the session token in p->token, else 0 with the reason in the evidence. */
static int open_session(rot_probe *p, const char *password)
{
    keel_audit_http_answer a;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_CREDENTIALS_BUDGET_MS;
    long long waited = 0;

    if (keel_audit_login(&p->h, p->login_path, password, deadline, &a, &waited) != KEEL_OK) {
        (void)keel_audit_evidence_addf(p->ev, "the login request could not be made");
        return 0;
    }
    if (waited > 0)
        (void)keel_audit_evidence_addf(p->ev, "waited %lld ms for the device's guard (HTTP 429)",
                                       waited);
    if (a.status != 200) {
        (void)keel_audit_evidence_addf(p->ev, "the given password was not accepted (%s %ld%s)",
                                       a.status ? "HTTP" : "no answer", a.status,
                                       a.status == 429 ? ", throttled past the test's budget" : "");
        return 0;
    }
    if (keel_audit_http_body_string(&p->h, "token", p->token, sizeof(p->token)) != KEEL_OK) {
        (void)keel_audit_evidence_addf(p->ev, "login answered 200 without a session token");
        return 0;
    }
    return 1;
}

static keel_audit_verdict read_rot(rot_probe *p)
{
    char rot[KEEL_AUDIT_ROT_NAME_MAX];
    keel_audit_http_answer a;
    keel_err found = KEEL_ERR_PARSE;

    rot[0] = '\0';
    if (keel_audit_http_get(&p->h, p->status_path, p->token, &a) != KEEL_OK)
        a.status = 0;
    if (a.status == 200)
        found = keel_audit_http_body_string(&p->h, "root_of_trust", rot, sizeof(rot));
    return keel_audit_rot_judge(a.status, found, found == KEEL_OK ? rot : NULL, p->ev);
}

static void close_session(rot_probe *p)
{
    keel_audit_http_answer a;

    if (keel_audit_http_post(&p->h, KEEL_AUDIT_LOGOUT_PATH, "", 0, p->token, &a) != KEEL_OK)
        a.status = 0;
    if (a.status >= 200 && a.status <= 299)
        (void)keel_audit_evidence_addf(p->ev, "logged out (HTTP %ld)", a.status);
    else
        (void)keel_audit_evidence_addf(p->ev,
                                       "logout at %s: %s %ld; the session stays open "
                                       "until it expires",
                                       KEEL_AUDIT_LOGOUT_PATH, a.status ? "HTTP" : "no answer",
                                       a.status);
}

static keel_audit_verdict run(rot_probe *p, const char *password)
{
    keel_audit_verdict v;

    (void)keel_audit_evidence_addf(p->ev, "POST %s%s with the given password, then GET %s%s",
                                   p->h.base, p->login_path, p->h.base, p->status_path);
    if (!open_session(p, password))
        return KEEL_AUDIT_INCONCLUSIVE;
    v = read_rot(p);
    close_session(p);
    return v;
}

keel_err keel_audit_check_rot(keel_audit_report *r, const keel_audit_target *t,
                              const char *login_path, const char *status_path, const char *password)
{
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    rot_probe p;

    login_path = login_path ? login_path : KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    status_path = status_path ? status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;
    if (r == NULL || t == NULL || password == NULL || !keel_audit_http_path_valid(login_path) ||
        !keel_audit_http_path_valid(status_path))
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    memset(&p, 0, sizeof(p));
    if (keel_audit_http_open(&p.h, t) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "libcurl could not be set up");
    } else {
        p.login_path = login_path;
        p.status_path = status_path;
        p.ev = &ev;
        verdict = run(&p, password);
    }
    keel_audit_http_close(&p.h);
    keel_wipe(&p, sizeof(p));
    return keel_audit_record(r, "5.4-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
