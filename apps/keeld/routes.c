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

/* path, largest body, handler, method, needs a session, changes security configuration.
 * Public (no session) only what a person needs before logging in (5.5-4). */
static const struct keeld_route routes[] = {
    {"/api/v1/login", KEELD_LOGIN_BODY_MAX, handle_login, KEELD_POST, 0, 0},
    {"/api/v1/status", 0, handle_status, KEELD_GET, 1, 0},
    {"/api/v1/logout", 0, handle_logout, KEELD_POST, 1, 0},
    {"/api/v1/password", KEELD_PASSWORD_BODY_MAX, keeld_handle_password, KEELD_POST, 1, 1},
    {"/api/v1/update", 0, keeld_handle_update, KEELD_GET, 1, 0},
    {"/api/v1/update/settings", KEELD_UPDATE_BODY_MAX, keeld_handle_update_settings, KEELD_POST, 1,
     1},
    {"/api/v1/update/install", 0, keeld_handle_update_install, KEELD_POST, 1, 1},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

const struct keeld_route *keeld_route_find(const char *path)
{
    for (size_t i = 0; path != NULL && i < ROUTE_COUNT; i++) {
        if (strcmp(routes[i].path, path) == 0)
            return &routes[i];
    }
    return NULL;
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
        {400, "{\"error\":\"bad request\"}"},       {401, "{\"error\":\"unauthorized\"}"},
        {404, "{\"error\":\"not found\"}"},         {405, "{\"error\":\"method not allowed\"}"},
        {413, "{\"error\":\"payload too large\"}"}, {503, "{\"error\":\"busy\"}"},
        {429, "{\"error\":\"too many attempts\"}"}, {409, "{\"error\":\"not configured\"}"},
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

    if (rq->method != KEELD_GET || strcmp(rq->path, "/api/v1/status") != 0 || alert == NULL ||
        keel_str_copy(rs->body, sizeof(rs->body), alert) != KEEL_OK) {
        keeld_response_error(rs, 503);
        (void)keel_str_copy(rs->body, sizeof(rs->body), "{\"error\":\"integrity check failed\"}");
        rs->body_len = strlen(rs->body);
        return;
    }
    rs->status = 503;
    rs->body_len = strlen(rs->body);
}

void keeld_dispatch(struct keeld_state *st, const struct keeld_request *rq,
                    struct keeld_response *rs)
{
    const struct keeld_route *r = keeld_route_find(rq->path);

    memset(rs, 0, sizeof(*rs));
    if (st->restricted) {
        restricted(st, rq, rs);
    } else if (r == NULL) {
        keeld_response_error(rs, 404);
    } else if (rq->method != r->method) {
        keeld_response_error(rs, 405);
        rs->allow = keeld_method_name(r->method);
    } else if (r->needs_session && !session_valid(st, rq)) {
        keeld_response_error(rs, 401); /* before 413: nothing about a route without a session */
    } else if (rq->body_too_large || rq->body_len > r->max_body) {
        keeld_response_error(rs, 413);
    } else {
        r->handle(st, rq, rs);
    }
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
    cJSON *o = cJSON_CreateObject();

    (void)rq;
    if (o == NULL || cJSON_AddStringToObject(o, "model", st->identity.model) == NULL ||
        cJSON_AddStringToObject(o, "serial", st->identity.serial) == NULL ||
        cJSON_AddStringToObject(o, "firmware_version", KEELD_FIRMWARE_VERSION) == NULL ||
        cJSON_AddStringToObject(o, "state", keeld_initialised(st) ? "initialised" : "factory") ==
            NULL ||
        cJSON_AddStringToObject(o, "lock", "locked") == NULL ||
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
