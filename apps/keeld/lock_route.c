/* The lock on the local API (5.9-2: all of it works without the cloud and without the
 * update server): its state, the bolt, the keypad's PIN codes and the access log. Every body
 * is validated whole before the lock is touched (5.13-1A): a refused request changes
 * nothing. */
#include <string.h>
#include <time.h>

#include "keeld.h"

#define PIN_TEXT_MAX (KEELD_PIN_MAX_DIGITS + 8u)

static int no_lock(const struct keeld_state *st, struct keeld_response *rs)
{
    if (st->lock != NULL)
        return 0;
    keeld_response_error(rs, 500);
    return 1;
}

static void ok_text(struct keeld_response *rs, int status)
{
    rs->status = status;
    rs->body_len = strlen(rs->body);
}

static keel_err rfc3339(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

/* The state as GET /api/v1/lock answers it. */
static void state_json(struct keeld_state *st, struct keeld_response *rs)
{
    struct keeld_lock_state s;
    char changed[32];
    cJSON *o = NULL;

    if (keeld_lock_get(st->lock, &s) == KEEL_OK && rfc3339(s.changed_at, changed) == KEEL_OK)
        o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddBoolToObject(o, "locked", s.locked) == NULL ||
        cJSON_AddStringToObject(o, "door", s.door_open ? "open" : "closed") == NULL ||
        cJSON_AddNumberToObject(o, "battery", s.battery) == NULL ||
        cJSON_AddStringToObject(o, "changed_at", changed) == NULL ||
        cJSON_AddBoolToObject(o, "unclean_start", s.unclean_start) == NULL ||
        cJSON_AddNumberToObject(o, "queued", s.queued) == NULL ||
        !cJSON_PrintPreallocated(o, rs->body, (int)sizeof(rs->body), 0))
        keeld_response_error(rs, 500);
    else
        ok_text(rs, 200);
    cJSON_Delete(o);
}

void keeld_handle_lock_get(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    (void)rq;
    if (!no_lock(st, rs))
        state_json(st, rs);
}

void keeld_handle_lock_set(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    int locked = 0;
    keel_err ret;

    if (no_lock(st, rs))
        return;
    ret = keeld_lock_action_parse(rq->body, rq->body_len, &locked);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        return;
    }
    ret = keeld_lock_set(st->lock, locked, KEELD_SRC_API, NULL);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=lock.api_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
        return;
    }
    state_json(st, rs);
}

void keeld_handle_pins_get(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    (void)rq;
    if (no_lock(st, rs))
        return;
    if (keeld_lock_pins_json(st->lock, rs->body, sizeof(rs->body)) != KEEL_OK)
        keeld_response_error(rs, 500);
    else
        ok_text(rs, 200);
}

/* 400 with the reason the policy gave, so that the owner can choose a better PIN. */
static void weak_pin(struct keeld_response *rs, const char *reason)
{
    if (keel_str_format(rs->body, sizeof(rs->body), "{\"error\":\"weak pin\",\"reason\":\"%s\"}",
                        reason != NULL ? reason : "policy") != KEEL_OK)
        keeld_response_error(rs, 500);
    else
        ok_text(rs, 400);
}

void keeld_handle_pins_add(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    char name[KEELD_PIN_NAME_MAX + 1];
    char pin[PIN_TEXT_MAX + 1];
    const char *reason = NULL;
    uint32_t id = 0;
    keel_err ret;

    if (no_lock(st, rs))
        return;
    ret = keeld_pin_add_parse(rq->body, rq->body_len, name, pin);
    if (ret == KEEL_OK)
        ret = keeld_lock_pin_add(st->lock, name, pin, strlen(pin), &id, &reason);
    keel_wipe(pin, sizeof(pin));
    switch (ret) {
    case KEEL_OK:
        if (keel_str_format(rs->body, sizeof(rs->body), "{\"id\":%u}", (unsigned)id) != KEEL_OK)
            keeld_response_error(rs, 500);
        else
            ok_text(rs, 201);
        break;
    case KEEL_ERR_AUTH_WEAK: weak_pin(rs, reason); break;
    case KEEL_ERR_TOO_LARGE: keeld_response_error(rs, 413); break;
    case KEEL_ERR_PARSE: keeld_response_error(rs, 400); break;
    case KEEL_ERR_EXISTS: /* that PIN or that name is held */
    case KEEL_ERR_AUTH_FULL: keeld_response_error(rs, 409); break;
    default:
        keel_log(KEEL_LOG_ERROR, "event=lock.pin_add_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
    }
    keel_wipe(name, sizeof(name));
}

void keeld_handle_pins_remove(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs)
{
    uint32_t id = 0;
    keel_err ret;

    if (no_lock(st, rs))
        return;
    ret = keeld_pin_remove_parse(rq->body, rq->body_len, &id);
    if (ret == KEEL_OK)
        ret = keeld_lock_pin_remove(st->lock, id);
    switch (ret) {
    case KEEL_OK:
        rs->status = 204;
        rs->body_len = 0;
        break;
    case KEEL_ERR_TOO_LARGE: keeld_response_error(rs, 413); break;
    case KEEL_ERR_PARSE: keeld_response_error(rs, 400); break;
    case KEEL_ERR_NOT_FOUND: keeld_response_error(rs, 404); break;
    default:
        keel_log(KEEL_LOG_ERROR, "event=lock.pin_remove_failed error=\"%s\"", keel_strerror(ret));
        keeld_response_error(rs, 500);
    }
}

void keeld_handle_log(struct keeld_state *st, const struct keeld_request *rq,
                      struct keeld_response *rs)
{
    (void)rq;
    if (no_lock(st, rs))
        return;
    if (keeld_lock_log_json(st->lock, KEELD_LOG_SHOWN, rs->body, sizeof(rs->body)) != KEEL_OK)
        keeld_response_error(rs, 500);
    else
        ok_text(rs, 200);
}
