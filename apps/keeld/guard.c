/* The brute-force guard (5.1-5) wired to keeld: its records live in the secure store, one per
 * client slot and one for all clients, so neither a restart nor a power cut hands out fresh
 * attempts. Only what changed is written. Every failure, delay and lock-out is a security
 * event in the log, with the client's address and never a password or token; each counted
 * failure (auth.failure) and each wait imposed (auth.lockout) is also queued for the cloud
 * (5.10-1), without the address (6-4). */
#include <string.h>

#include "keeld.h"

static keel_err slot_name(size_t slot, char *name, size_t namesz)
{
    return keel_str_format(name, namesz, "%s%zu", KEELD_REC_GUARD_CLIENT, slot);
}

static keel_err load_client(struct keeld_state *st, size_t slot, char *err, size_t errsz)
{
    char name[KEEL_STORE_NAME_MAX + 1];
    char text[KEEL_AUTH_GUARD_CLIENT_TEXT_MAX];
    size_t len = 0;
    keel_err ret = slot_name(slot, name, sizeof(name));

    if (ret == KEEL_OK)
        ret = keel_store_get(st->store, name, text, sizeof(text), &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK; /* a free slot */
    if (ret == KEEL_OK)
        ret = keel_auth_guard_client_decode(text, len, &st->guard_slots[slot]);
    for (size_t i = 0; ret == KEEL_OK && i < slot; i++) {
        if (strcmp(st->guard_slots[i].addr, st->guard_slots[slot].addr) == 0)
            ret = KEEL_ERR_PARSE; /* one client, one record */
    }
    if (ret != KEEL_OK)
        keel_str_format(err, errsz, "secure store record '%s': %s", name, keel_strerror(ret));
    return ret;
}

keel_err keeld_guard_load(struct keeld_state *st, char *err, size_t errsz)
{
    char text[KEEL_AUTH_GUARD_OVERALL_TEXT_MAX];
    size_t len = 0;
    keel_err ret = keel_auth_guard_init(&st->guard, st->guard_slots, KEELD_GUARD_CLIENTS);

    for (size_t i = 0; ret == KEEL_OK && i < KEELD_GUARD_CLIENTS; i++)
        ret = load_client(st, i, err, errsz);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_store_get(st->store, KEELD_REC_GUARD_OVERALL, text, sizeof(text), &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret == KEEL_OK)
        ret = keel_auth_guard_overall_decode(text, len, &st->guard.overall);
    if (ret != KEEL_OK)
        keel_str_format(err, errsz, "secure store record '%s': %s", KEELD_REC_GUARD_OVERALL,
                        keel_strerror(ret));
    return ret;
}

static keel_err persist_client(struct keeld_state *st, size_t slot)
{
    char name[KEEL_STORE_NAME_MAX + 1];
    char text[KEEL_AUTH_GUARD_CLIENT_TEXT_MAX];
    keel_err ret = slot_name(slot, name, sizeof(name));

    if (ret != KEEL_OK)
        return ret;
    if (st->guard_slots[slot].addr[0] == '\0') {
        ret = keel_store_delete(st->store, name);
        return ret == KEEL_ERR_NOT_FOUND ? KEEL_OK : ret;
    }
    ret = keel_auth_guard_client_encode(&st->guard_slots[slot], text, sizeof(text));
    if (ret == KEEL_OK)
        ret = keel_store_put(st->store, name, text, strlen(text));
    return ret;
}

/* Write what r says changed. A failed write leaves the guard in memory as strict as ever;
 * it is logged as an error because a restart would then forget it. */
static void persist(struct keeld_state *st, const keel_auth_guard_result *r)
{
    char text[KEEL_AUTH_GUARD_OVERALL_TEXT_MAX];
    keel_err ret = KEEL_OK;

    if (r->client_changed)
        ret = persist_client(st, r->slot);
    if (ret == KEEL_OK && r->overall_changed) {
        ret = keel_auth_guard_overall_encode(&st->guard.overall, text, sizeof(text));
        if (ret == KEEL_OK)
            ret = keel_store_put(st->store, KEELD_REC_GUARD_OVERALL, text, strlen(text));
    }
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "event=auth.guard_unsaved error=\"%s\"", keel_strerror(ret));
}

static const char *client_or_unknown(const char *client)
{
    /* an address the server could not tell still meets the guard, in one shared bucket */
    return client != NULL && client[0] != '\0' ? client : "0.0.0.0";
}

static void too_many(struct keeld_response *rs, uint32_t retry_after)
{
    static const char body[] = "{\"error\":\"too many attempts\"}";

    memset(rs, 0, sizeof(*rs));
    rs->status = 429;
    rs->retry_after = retry_after > 0 ? retry_after : 1;
    memcpy(rs->body, body, sizeof(body));
    rs->body_len = sizeof(body) - 1;
}

int keeld_guard_admit(struct keeld_state *st, const char *client, struct keeld_response *rs)
{
    keel_auth_guard_result r;
    const char *addr = client_or_unknown(client);

    if (keel_auth_guard_check(&st->guard, addr, keel_auth_guard_now_ms(), &r) != KEEL_OK) {
        keel_log(KEEL_LOG_WARN, "event=auth.refused client=%s reason=address", addr);
        too_many(rs, KEEL_AUTH_GUARD_LOCKOUT_S); /* fail closed */
        return 0;
    }
    if (r.client_changed || r.overall_changed)
        persist(st, &r);
    if (r.allowed)
        return 1;
    keel_log(KEEL_LOG_WARN, "event=auth.throttled client=%s count=%u retry_after=%u scope=%s", addr,
             (unsigned)r.failures, (unsigned)r.retry_after_s,
             r.overall ? "overall" : (r.locked_out ? "lockout" : "client"));
    too_many(rs, r.retry_after_s);
    return 0;
}

void keeld_guard_failed(struct keeld_state *st, const char *client)
{
    keel_auth_guard_result r;
    const char *addr = client_or_unknown(client);

    if (keel_auth_guard_failure(&st->guard, addr, keel_auth_guard_now_ms(), &r) != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=auth.failure client=%s uncounted=1", addr);
        return;
    }
    persist(st, &r);
    keel_log(KEEL_LOG_WARN, "event=auth.failure client=%s count=%u recent=%u", addr,
             (unsigned)r.failures, (unsigned)r.overall_recent);
    keeld_security_event(st->lock, "auth.failure", KEELD_SRC_API);
    if (r.evicted)
        keel_log(KEEL_LOG_WARN, "event=auth.guard_evicted client=%s", addr);
    if (r.retry_after_s == 0)
        return;
    /* The client (or, past the overall limit, every client) now waits: one event per wait
     * imposed, not one per attempt refused during it, so that an attacker knocking on a
     * closed door cannot flood the queue and push older events out of it. */
    keeld_security_event(st->lock, "auth.lockout", KEELD_SRC_API);
    if (r.overall)
        keel_log(KEEL_LOG_WARN, "event=auth.overall_delay recent=%u wait=%u",
                 (unsigned)r.overall_recent, (unsigned)r.retry_after_s);
    else if (r.locked_out)
        keel_log(KEEL_LOG_WARN, "event=auth.lockout client=%s count=%u wait=%u", addr,
                 (unsigned)r.failures, (unsigned)r.retry_after_s);
    else
        keel_log(KEEL_LOG_WARN, "event=auth.delay client=%s count=%u wait=%u", addr,
                 (unsigned)r.failures, (unsigned)r.retry_after_s);
}

void keeld_guard_succeeded(struct keeld_state *st, const char *client)
{
    keel_auth_guard_result r;
    const char *addr = client_or_unknown(client);

    if (keel_auth_guard_success(&st->guard, addr, &r) != KEEL_OK)
        return;
    if (r.client_changed)
        persist(st, &r);
    keel_log(KEEL_LOG_INFO, "event=auth.success client=%s", addr);
}

int keeld_guarded_verify(struct keeld_state *st, const char *client, const keel_secret *password,
                         struct keeld_response *rs)
{
    keel_err ret;

    if (!keeld_guard_admit(st, client, rs))
        return 0;
    ret = keeld_credential_verify(st, password);
    if (ret == KEEL_ERR_AUTH_DENIED)
        keeld_guard_failed(st, client);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_AUTH_DENIED ? 401 : 500);
        return 0;
    }
    keeld_guard_succeeded(st, client);
    return 1;
}
