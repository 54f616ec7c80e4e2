/* Changing the password (5.1-1, 5.1-4): the owner proves the current credential, under the
 * same brute-force guard as a login (5.1-5), and chooses one the policy accepts. From then
 * on the label password no longer opens the lock. */
#include <string.h>

#include "keeld.h"

static void weak(struct keeld_response *rs, keel_auth_weak reason)
{
    memset(rs, 0, sizeof(*rs));
    if (keel_str_format(rs->body, sizeof(rs->body),
                        "{\"error\":\"weak password\",\"reason\":\"%s\"}",
                        keel_auth_weak_name(reason)) != KEEL_OK) {
        keeld_response_error(rs, 500);
        return;
    }
    rs->status = 400;
    rs->body_len = strlen(rs->body);
}

/* The new password against the policy, then stored. */
static void change(struct keeld_state *st, const struct keeld_request *rq, const uint8_t *new_pw,
                   size_t new_len, struct keeld_response *rs)
{
    keel_auth_weak reason = KEEL_AUTH_WEAK_NONE;
    keel_secret secret;
    keel_err ret = keel_auth_password_check(new_pw, new_len, st->label_hash, &reason);

    keel_secret_clear(&secret);
    if (ret == KEEL_ERR_AUTH_WEAK) {
        keel_log(KEEL_LOG_INFO, "event=auth.password_refused client=%s reason=\"%s\"",
                 rq->client != NULL ? rq->client : "-", keel_auth_weak_name(reason));
        weak(rs, reason);
        return;
    }
    if (ret == KEEL_OK)
        ret = keel_secret_set(&secret, new_pw, new_len);
    if (ret == KEEL_OK)
        ret = keeld_credential_set(st, &secret);
    keel_secret_clear(&secret);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=auth.password_unchanged error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    keel_auth_sessions_wipe(&st->sessions);
    if (st->update != NULL)
        keeld_update_consent(st->update); /* setup done: automatic updates may run (5.3-4A) */
    keel_log(KEEL_LOG_WARN, "event=auth.password_changed client=%s",
             rq->client != NULL ? rq->client : "-");
    keeld_security_event(st->lock, "auth.password_changed", KEELD_SRC_API);
    memset(rs, 0, sizeof(*rs));
    rs->status = 204;
}

void keeld_handle_password(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    uint8_t new_pw[KEELD_NEW_PASSWORD_MAX];
    size_t new_len = 0;
    keel_secret current;
    keel_err ret = keeld_password_parse(rq->body, rq->body_len, &current, new_pw, &new_len);

    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        goto out;
    }
    if (!keeld_guarded_verify(st, rq->client, &current, rs))
        goto out;
    change(st, rq, new_pw, new_len, rs);
out:
    keel_secret_clear(&current);
    keel_wipe(new_pw, sizeof(new_pw));
}
