/* The local API: one declared table of routes (5.6-1: every service is declared in one
 * place), each with its method, whether it needs a session, and its largest body. */
#include <string.h>

#include <cjson/cJSON.h>

#include "keeld.h"

#ifndef KEELD_FIRMWARE_VERSION
#error "KEELD_FIRMWARE_VERSION must be defined by the build"
#endif

#define BEARER "Bearer "

static void handle_login(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs);
static void handle_status(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs);
static void handle_logout(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs);

/* path, largest body, handler, method, needs a session, changes security configuration,
 * served in the factory state. Public (no session) only what a person needs before logging
 * in (5.5-4); in the factory state only the setup page, the login and what setting up
 * needs (5.12-1). */
static const struct keeld_route routes[] = {
    {"/api/v1/login", KEELD_LOGIN_BODY_MAX, handle_login, KEELD_POST, 0, 0, 1},
    {"/api/v1/device", 0, keeld_handle_device, KEELD_GET, 0, 0, 1},
    {"/api/v1/logout", 0, handle_logout, KEELD_POST, 1, 0, 1},
    {"/api/v1/password", KEELD_PASSWORD_BODY_MAX, keeld_handle_password, KEELD_POST, 1, 1, 1},
    {"/api/v1/security", 0, keeld_handle_security, KEELD_GET, 1, 0, 1},
    {"/api/v1/setup", KEELD_SETUP_BODY_MAX, keeld_handle_setup, KEELD_POST, 1, 1, 1},
    {"/api/v1/status", 0, handle_status, KEELD_GET, 1, 0, 0},
    {"/api/v1/lock", 0, keeld_handle_lock_get, KEELD_GET, 1, 0, 0},
    {"/api/v1/lock", KEELD_LOCK_BODY_MAX, keeld_handle_lock_set, KEELD_POST, 1, 0, 0},
    {"/api/v1/pins", 0, keeld_handle_pins_get, KEELD_GET, 1, 0, 0},
    /* PINs are credentials of the lock: adding or removing one is security-relevant */
    {"/api/v1/pins", KEELD_PIN_BODY_MAX, keeld_handle_pins_add, KEELD_POST, 1, 1, 0},
    {"/api/v1/pins/remove", KEELD_LOCK_BODY_MAX, keeld_handle_pins_remove, KEELD_POST, 1, 1, 0},
    {"/api/v1/log", 0, keeld_handle_log, KEELD_GET, 1, 0, 0},
    {"/api/v1/update", 0, keeld_handle_update, KEELD_GET, 1, 0, 0},
    {"/api/v1/update/settings", KEELD_UPDATE_BODY_MAX, keeld_handle_update_settings, KEELD_POST, 1,
     1, 0},
    {"/api/v1/update/install", 0, keeld_handle_update_install, KEELD_POST, 1, 1, 0},
    /* personal data (6-1 .. 6-8, 5.11): what keeld processes is public, as a privacy notice
     * is; the owner's data, choices and requests need their session */
    {"/api/v1/privacy", 0, keeld_handle_privacy, KEELD_GET, 0, 0, 1},
    {"/api/v1/privacy/consent", 0, keeld_handle_consent_get, KEELD_GET, 1, 0, 0},
    /* what leaves the device, what the service keeps, and the reset: security-relevant */
    {"/api/v1/privacy/consent", KEELD_CONSENT_BODY_MAX, keeld_handle_consent_set, KEELD_POST, 1, 1,
     0},
    {"/api/v1/privacy/export", 0, keeld_handle_export, KEELD_GET, 1, 0, 0},
    {"/api/v1/privacy/cloud-delete", 0, keeld_handle_cloud_delete_get, KEELD_GET, 1, 0, 0},
    {"/api/v1/privacy/cloud-delete", KEELD_CLOUD_DELETE_BODY_MAX, keeld_handle_cloud_delete,
     KEELD_POST, 1, 1, 0},
    {"/api/v1/reset", KEELD_RESET_BODY_MAX, keeld_handle_reset, KEELD_POST, 1, 1, 0},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

const struct keeld_route *keeld_route_find(const char *path, keeld_method method)
{
    for (size_t i = 0; path != NULL && i < ROUTE_COUNT; i++) {
        if (routes[i].method == method && strcmp(routes[i].path, path) == 0)
            return &routes[i];
    }
    return NULL;
}

/* The Allow header for path: the methods declared for it; NULL when the path is unknown. */
static const char *allowed(const char *path)
{
    int get = keeld_route_find(path, KEELD_GET) != NULL;
    int post = keeld_route_find(path, KEELD_POST) != NULL;

    if (get && post)
        return "GET, POST";
    if (get)
        return "GET";
    return post ? "POST" : NULL;
}

size_t keeld_route_count(void)
{
    return ROUTE_COUNT;
}

const struct keeld_route *keeld_route_at(size_t i)
{
    return i < ROUTE_COUNT ? &routes[i] : NULL;
}

const char *keeld_method_name(keeld_method m)
{
    switch (m) {
    case KEELD_GET: return "GET";
    case KEELD_POST: return "POST";
    default: return "OTHER";
    }
}

static void set_body(struct keeld_response *rs, int status, const char *body)
{
    rs->status = status;
    if (keel_str_copy(rs->body, sizeof(rs->body), body) != KEEL_OK) {
        rs->status = 500;
        rs->body[0] = '\0';
    }
    rs->body_len = strlen(rs->body);
}

void keeld_response_error(struct keeld_response *rs, int status)
{
    static const struct {
        int status;
        const char *body;
    } errors[] = {
        {400, "{\"error\":\"bad request\"}"},
        {401, "{\"error\":\"unauthorized\"}"},
        {403, "{\"error\":\"setup required\"}"}, /* the factory state (5.12-1) */
        {404, "{\"error\":\"not found\"}"},
        {405, "{\"error\":\"method not allowed\"}"},
        /* the device's state refuses the request: a PIN or name already held, no room for
         * another PIN, no update configuration to change */
        {409, "{\"error\":\"conflict\"}"},
        {413, "{\"error\":\"payload too large\"}"},
        {429, "{\"error\":\"too many attempts\"}"},
        {503, "{\"error\":\"busy\"}"},
    };

    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        if (errors[i].status == status) {
            set_body(rs, status, errors[i].body);
            return;
        }
    }
    set_body(rs, 500, "{\"error\":\"internal error\"}");
}

/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *bearer_token(const char *authorization)
{
    if (authorization == NULL || strncmp(authorization, BEARER, strlen(BEARER)) != 0)
        return NULL;
    return authorization + strlen(BEARER);
}

static int session_valid(struct keeld_state *st, const struct keeld_request *rq)
{
    const char *token = bearer_token(rq->authorization);

    if (token == NULL)
        return 0;
    return keel_auth_session_validate(&st->sessions, keel_auth_now_ms(), token, strlen(token)) ==
           KEEL_OK;
}

/* Restricted mode (5.7-2): the software failed its integrity check, so nothing it would do
 * normally can be trusted. Only the alert is served, to anyone on the local network: the
 * owner must learn of it without logging in to a device that cannot be trusted with a
 * password. */
static void restricted(struct keeld_state *st, const struct keeld_request *rq,
                       struct keeld_response *rs)
{
    const char *alert = keeld_update_alert(st->update);

    if (rq->method != KEELD_GET || rq->path == NULL || strcmp(rq->path, "/api/v1/status") != 0 ||
        alert == NULL || keel_str_copy(rs->body, sizeof(rs->body), alert) != KEEL_OK) {
        keeld_response_error(rs, 503);
        (void)keel_str_copy(rs->body, sizeof(rs->body), "{\"error\":\"integrity check failed\"}");
        rs->body_len = strlen(rs->body);
        return;
    }
    rs->status = 503;
    rs->body_len = strlen(rs->body);
}

/* 1 when path is one of the static files (whether or not they are loaded). */
static int static_path(const char *path)
{
    for (size_t i = 0; path != NULL && i < keeld_web_path_count(); i++) {
        if (strcmp(keeld_web_path_at(i), path) == 0)
            return 1;
    }
    return 0;
}

/* The route for rq, or NULL with rs filled in: 404, 405, 401, 403, 413 in that order, so
 * that a caller without a session learns nothing of the device's state or of the route's
 * limits. A static file's path takes GET only (a GET reaching here: no page is loaded). */
static const struct keeld_route *admit(struct keeld_state *st, const struct keeld_request *rq,
                                       struct keeld_response *rs)
{
    const struct keeld_route *r = keeld_route_find(rq->path, rq->method);
    const char *allow = allowed(rq->path);

    if (static_path(rq->path))
        allow = rq->method == KEELD_GET ? NULL : "GET";
    if (allow == NULL) {
        keeld_response_error(rs, 404);
    } else if (r == NULL) {
        keeld_response_error(rs, 405);
        rs->allow = allow;
    } else if (r->needs_session && !session_valid(st, rq)) {
        keeld_response_error(rs, 401);
    } else if (!r->factory && !keeld_initialised(st)) {
        keeld_response_error(rs, 403);
    } else if (rq->body_too_large || rq->body_len > r->max_body) {
        keeld_response_error(rs, 413);
    } else {
        return r;
    }
    return NULL;
}

void keeld_dispatch(struct keeld_state *st, const struct keeld_request *rq,
                    struct keeld_response *rs)
{
    const struct keeld_route *r;

    memset(rs, 0, sizeof(*rs));
    /* erased by a factory reset, stopping: nothing here is the owner's any more */
    if (__atomic_load_n(&st->reset_done, __ATOMIC_ACQUIRE)) {
        keeld_response_error(rs, 503);
        return;
    }
    if (st->restricted) {
        restricted(st, rq, rs);
        return;
    }
    /* the setup page and security.txt: public, in every state (5.12-1, 5.2-1) */
    if (rq->method == KEELD_GET && keeld_web_find(st->web, rq->path, rs))
        return;
    r = admit(st, rq, rs);
    if (r != NULL)
        r->handle(st, rq, rs);
}

static void handle_login(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs)
{
    char token[KEEL_AUTH_TOKEN_SIZE];
    keel_secret password;
    keel_err ret = keeld_login_parse(rq->body, rq->body_len, &password);

    token[0] = '\0';
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        goto out;
    }
    if (!keeld_guarded_verify(st, rq->client, &password, rs))
        goto out;
    ret = keel_auth_session_create(&st->sessions, keel_auth_now_ms(), token);
    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_AUTH_FULL ? 503 : 500);
        goto out;
    }
    if (keel_str_format(rs->body, sizeof(rs->body), "{\"token\":\"%s\",\"expires_in\":%u}", token,
                        KEELD_SESSION_TTL_S) != KEEL_OK) {
        keeld_response_error(rs, 500);
        goto out;
    }
    rs->status = 200;
    rs->body_len = strlen(rs->body);
out:
    keel_secret_clear(&password);
    keel_wipe(token, sizeof(token));
}

/* The root of trust is named for the owner and the assessor (5.4-1: the audit reports a
 * device on the development file backend). identity.rot is the backend keeld runs on:
 * keeld_device_open refuses to start when the opened one differs from it. */
static void handle_status(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs)
{
    struct keeld_lock_state lock;
    cJSON *o;

    (void)rq;
    if (st->lock == NULL || keeld_lock_get(st->lock, &lock) != KEEL_OK) {
        keeld_response_error(rs, 500);
        return;
    }
    o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "model", st->identity.model) == NULL ||
        cJSON_AddStringToObject(o, "serial", st->identity.serial) == NULL ||
        cJSON_AddStringToObject(o, "firmware_version", KEELD_FIRMWARE_VERSION) == NULL ||
        cJSON_AddStringToObject(o, "state", keeld_initialised(st) ? "initialised" : "factory") ==
            NULL ||
        cJSON_AddStringToObject(o, "lock", lock.locked ? "locked" : "unlocked") == NULL ||
        cJSON_AddStringToObject(o, "root_of_trust", st->identity.rot) == NULL ||
        !cJSON_PrintPreallocated(o, rs->body, (int)sizeof(rs->body), 0)) {
        keeld_response_error(rs, 500);
    } else {
        rs->status = 200;
        rs->body_len = strlen(rs->body);
    }
    cJSON_Delete(o);
}

static void handle_logout(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs)
{
    const char *token = bearer_token(rq->authorization);

    if (token == NULL || keel_auth_session_end(&st->sessions, token, strlen(token)) != KEEL_OK) {
        keeld_response_error(rs, 401);
        return;
    }
    rs->status = 204;
    rs->body_len = 0;
}
