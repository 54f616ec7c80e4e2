/* A session of the owner on the device, for the test cases that act as the owner (5.9-2-2,
 * 5.13-1B-2): logged in once with the password the assessor was given (waiting out the
 * device's guard, never sending another password) and logged out at the end, so that no
 * session of the audit stays open (private to src/audit). */
#ifndef KEEL_AUDIT_SESSION_H
#define KEEL_AUDIT_SESSION_H

#include "http.h"

#define KEEL_AUDIT_TOKEN_MAX 512

typedef struct keel_audit_session {
    char token[KEEL_AUDIT_TOKEN_MAX]; /* the bearer token; wiped by keel_audit_session_close */
    int open;
    long status;         /* the login's HTTP status, 0: no answer */
    long long waited_ms; /* time spent waiting out HTTP 429 */
} keel_audit_session;

/* Log in at login_path (NULL: KEEL_AUDIT_LOGIN_PATH_DEFAULT) with password, waiting out the
 * device's guard for up to KEEL_AUDIT_CREDENTIALS_BUDGET_MS. 1 with s->open and the token
 * from the answer's "token" member; 0 otherwise (s->status says why). */
int keel_audit_session_open(keel_audit_http *h, const char *login_path, const char *password,
                            keel_audit_session *s);

/* Log out at KEEL_AUDIT_LOGOUT_PATH when s is open; the HTTP status (0: no answer, or not
 * open). s is wiped. */
long keel_audit_session_close(keel_audit_http *h, keel_audit_session *s);

#endif /* KEEL_AUDIT_SESSION_H */
