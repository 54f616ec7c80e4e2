/* The owner's session for 5.9-2-2 and 5.13-1B-2 (session.h). */
#include <string.h>

#include "net.h"
#include "session.h"

int keel_audit_session_open(keel_audit_http *h, const char *login_path, const char *password,
                            keel_audit_session *s)
{
    keel_audit_http_answer a;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_CREDENTIALS_BUDGET_MS;

    if (s == NULL)
        return 0;
    memset(s, 0, sizeof(*s));
    if (h == NULL || password == NULL)
        return 0;
    if (keel_audit_login(h, login_path != NULL ? login_path : KEEL_AUDIT_LOGIN_PATH_DEFAULT,
                         password, deadline, &a, &s->waited_ms) != KEEL_OK)
        return 0;
    s->status = a.status;
    if (a.status != 200 ||
        keel_audit_http_body_string(h, "token", s->token, sizeof(s->token)) != KEEL_OK ||
        s->token[0] == '\0') {
        keel_wipe(s->token, sizeof(s->token));
        return 0;
    }
    s->open = 1;
    return 1;
}

long keel_audit_session_close(keel_audit_http *h, keel_audit_session *s)
{
    keel_audit_http_answer a;

    a.status = 0;
    if (h != NULL && s != NULL && s->open &&
        keel_audit_http_post(h, KEEL_AUDIT_LOGOUT_PATH, "", 0, s->token, &a) != KEEL_OK)
        a.status = 0;
    if (s != NULL)
        keel_wipe(s, sizeof(*s));
    return a.status;
}
