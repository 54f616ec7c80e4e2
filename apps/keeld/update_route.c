/* The owner's side of updates on the local API (5.3-4A/B, 5.3-6A/B, 5.3-11, 5.3-12):
 * GET /api/v1/update (what the device decided last, with the notice of its target),
 * POST /api/v1/update/settings (automatic installs, notices, postponing) and
 * POST /api/v1/update/install (check and install now). */
#include <string.h>
#include <time.h>

#include "keeld.h"

/* A device without update configuration: nothing to change (409). */
static int no_update(const struct keeld_state *st, struct keeld_response *rs)
{
    if (st->update != NULL)
        return 0;
    keeld_response_error(rs, 409);
    return 1;
}

void keeld_handle_update(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs)
{
    (void)rq;
    if (st->update == NULL) { /* the owner learns that this device takes no updates */
        if (keel_str_copy(rs->body, sizeof(rs->body), "{\"state\":\"unconfigured\"}") != KEEL_OK) {
            keeld_response_error(rs, 500);
            return;
        }
        rs->status = 200;
        rs->body_len = strlen(rs->body);
        return;
    }
    if (keeld_update_notice_json(st->update, rs->body, sizeof(rs->body)) != KEEL_OK) {
        keeld_response_error(rs, 500);
        return;
    }
    rs->status = 200;
    rs->body_len = strlen(rs->body);
}

void keeld_handle_update_settings(struct keeld_state *st, const struct keeld_request *rq,
                                  struct keeld_response *rs)
{
    struct keeld_update_settings s, before;
    char text[64];
    keel_err ret;

    if (no_update(st, rs))
        return;
    keeld_update_settings_get(st->update, &s);
    before = s;
    ret = keeld_update_settings_parse(rq->body, rq->body_len, (int64_t)time(NULL), &s);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        return;
    }
    /* Persisted before it takes effect: a restart keeps the owner's choice. */
    if (keeld_update_settings_encode(&s, text, sizeof(text)) != KEEL_OK ||
        keel_store_put(st->store, KEELD_REC_UPDATE_SETTINGS, text, strlen(text)) != KEEL_OK) {
        keeld_response_error(rs, 500);
        return;
    }
    keeld_update_settings_set(st->update, &s);
    keel_log(KEEL_LOG_WARN, "event=update.settings auto_install=%d notify=%d", s.auto_install,
             s.notify);
    /* the owner changed the device's configuration (5.10-1); a request that restates the
     * settings as they are changes nothing and is no event */
    if (s.auto_install != before.auto_install || s.notify != before.notify ||
        s.postponed_until != before.postponed_until)
        keeld_security_event(st->lock, "config.changed", KEELD_SRC_API);
    keeld_handle_update(st, rq, rs);
}

void keeld_handle_update_install(struct keeld_state *st, const struct keeld_request *rq,
                                 struct keeld_response *rs)
{
    (void)rq;
    if (no_update(st, rs))
        return;
    keeld_update_check_now(st->update, 1);
    rs->status = 202;
    rs->body_len = 0;
}
